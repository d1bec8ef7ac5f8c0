from odoo import fields, models


class CcTicketEscalate(models.TransientModel):
    """Sends a request to the department that decides it, with the reason."""

    _name = "cc.ticket.escalate"
    _description = "Escalate a Request"

    ticket_id = fields.Many2one("cc.ticket", required=True, ondelete="cascade")
    department_id = fields.Many2one("hr.department", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.ticket_id._escalate(self.department_id, self.reason)
        return {"type": "ir.actions.act_window_close"}
