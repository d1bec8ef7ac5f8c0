from odoo import api, fields, models

from ..models.cc_ticket_verification import MAX_ATTEMPTS


class CcTicketVerify(models.TransientModel):
    """The agent checks who is calling: send a code to the customer's
    registered address, then type the code the caller reads back."""

    _name = "cc.ticket.verify"
    _description = "Verify the Caller"

    ticket_id = fields.Many2one("cc.ticket", required=True, ondelete="cascade")
    method = fields.Selection(
        [("email", "Code by e-mail"), ("sms", "Code by SMS")],
        required=True,
        default="email",
    )
    verification_id = fields.Many2one("cc.ticket.verification", readonly=True)
    destination = fields.Char(related="verification_id.destination")
    code = fields.Char()
    message = fields.Char(readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        ticket = self.env["cc.ticket"].browse(values.get("ticket_id"))
        pending = ticket.verification_ids.filtered(lambda v: v.state == "pending")[:1]
        if pending:
            values["verification_id"] = pending.id
        return values

    def _reopen(self, message=False):
        self.message = message
        self.code = False
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Verify the Caller"),
        }

    def action_send(self):
        self.ensure_one()
        self.verification_id = self.env["cc.ticket.verification"]._start(
            self.ticket_id, self.method
        )
        return self._reopen()

    def action_check(self):
        self.ensure_one()
        result = self.verification_id._check_code(self.code)
        if result == "verified":
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "success",
                    "message": self.env._("The caller's identity is verified."),
                    "next": {"type": "ir.actions.act_window_close"},
                },
            }
        messages = {
            "wrong": self.env._(
                "Wrong code: %(left)s tries left.",
                left=MAX_ATTEMPTS - self.verification_id.attempts,
            ),
            "failed": self.env._(
                "Wrong code again: the check failed. Do not disclose account data; "
                "send a new code if the caller insists."
            ),
            "expired": self.env._("The code expired: send a new one."),
        }
        if result in ("failed", "expired"):
            self.verification_id = False
        return self._reopen(messages[result])
