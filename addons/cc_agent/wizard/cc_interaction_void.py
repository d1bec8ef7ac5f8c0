from odoo import fields, models


class CcInteractionVoid(models.TransientModel):
    """Voids handled contacts with the reason a supervisor gives."""

    _name = "cc.interaction.void"
    _description = "Void Handled Contacts"

    interaction_ids = fields.Many2many(
        "cc.interaction",
        string="Handled Contacts",
        default=lambda self: self.env.context.get("active_ids"),
    )
    reason = fields.Text(string="Void Reason", required=True)

    def action_confirm(self):
        self.ensure_one()
        self.interaction_ids.action_void(self.reason)
        return {"type": "ir.actions.act_window_close"}
