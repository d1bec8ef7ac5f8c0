from odoo import fields, models


class CcTicketChecklist(models.Model):
    """One item of the service's checklist, on a request."""

    _name = "cc.ticket.checklist"
    _description = "Request Checklist Line"
    _order = "ticket_id, sequence, id"

    ticket_id = fields.Many2one(
        "cc.ticket", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True)
    required = fields.Boolean()
    done = fields.Boolean()
    value = fields.Char(string="Captured", help="What the agent noted.")
