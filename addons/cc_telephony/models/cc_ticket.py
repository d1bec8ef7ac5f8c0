from odoo import api, fields, models


class CcTicket(models.Model):
    _inherit = "cc.ticket"

    call_ids = fields.Many2many(
        "cc.call", "cc_call_ticket_rel", "ticket_id", "call_id", string="Calls"
    )
    call_count = fields.Integer(compute="_compute_call_count")

    @api.depends("call_ids")
    def _compute_call_count(self):
        for ticket in self:
            ticket.call_count = len(ticket.call_ids)

    def action_open_calls(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cc_telephony.cc_call_action"
        )
        action["domain"] = [("id", "in", self.call_ids.ids)]
        return action
