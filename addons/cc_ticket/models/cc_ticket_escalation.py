from odoo import api, fields, models


class CcTicketEscalation(models.Model):
    """One step of a request's way to a department and back: who sent it,
    when, where, why, and what the department made of it."""

    _name = "cc.ticket.escalation"
    _description = "Request Escalation"
    _order = "date_escalated desc, id desc"

    ticket_id = fields.Many2one(
        "cc.ticket", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="ticket_id.company_id", store=True, index=True)
    service_type_id = fields.Many2one(
        related="ticket_id.service_type_id", store=True, index=True
    )
    owner_id = fields.Many2one(
        related="ticket_id.owner_id", store=True, index=True, string="Agent"
    )
    owner_user_id = fields.Many2one(
        related="ticket_id.owner_user_id", store=True, index=True
    )
    supervisor_user_id = fields.Many2one(
        related="ticket_id.supervisor_user_id", store=True, index=True
    )
    from_department_id = fields.Many2one("hr.department")
    department_id = fields.Many2one(
        "hr.department", string="To Department", required=True, index=True
    )
    reason = fields.Text(required=True)
    automatic = fields.Boolean(help="Escalated by the SLA job, not by the agent.")
    escalated_by_id = fields.Many2one("res.users", required=True)
    date_escalated = fields.Datetime(string="Escalated On", required=True, index=True)
    accepted_by_id = fields.Many2one("res.users")
    date_accepted = fields.Datetime(string="Accepted On")
    outcome = fields.Selection(
        [
            ("resolved", "Resolved by the department"),
            ("sent_back", "Sent back to the agent"),
        ],
        index=True,
    )
    note = fields.Text(
        help="What the department said when it resolved or sent it back."
    )
    done_by_id = fields.Many2one("res.users")
    date_done = fields.Datetime(string="Done On")
    hours_to_accept = fields.Float(
        compute="_compute_durations",
        store=True,
        aggregator="avg",
        string="Hours to Accept",
    )
    hours_in_department = fields.Float(
        compute="_compute_durations",
        store=True,
        aggregator="avg",
        string="Hours in Department",
    )

    @api.depends("date_escalated", "date_accepted", "date_done")
    def _compute_durations(self):
        for step in self:
            start = step.date_escalated
            step.hours_to_accept = (
                (step.date_accepted - start).total_seconds() / 3600
                if start and step.date_accepted
                else 0.0
            )
            step.hours_in_department = (
                (step.date_done - start).total_seconds() / 3600
                if start and step.date_done
                else 0.0
            )

    @api.depends("ticket_id", "department_id")
    def _compute_display_name(self):
        for step in self:
            step.display_name = f"{step.ticket_id.name} → {step.department_id.name}"
