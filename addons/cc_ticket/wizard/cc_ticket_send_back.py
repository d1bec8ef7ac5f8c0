from odoo import fields, models


class CcTicketSendBack(models.TransientModel):
    """The department returns a request to its agent, with a note."""

    _name = "cc.ticket.send.back"
    _description = "Send a Request Back to the Agent"

    ticket_id = fields.Many2one("cc.ticket", required=True, ondelete="cascade")
    note = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.ticket_id._department_send_back(self.note)
        return {"type": "ir.actions.act_window_close"}
