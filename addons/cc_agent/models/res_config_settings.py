from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    cc_agent_2fa = fields.Boolean(
        string="Two-factor login for agents",
        help="Agents log in with a second factor: their authenticator app, or "
        "else a code e-mailed to them.",
    )

    @api.model
    def get_values(self):
        res = super().get_values()
        res["cc_agent_2fa"] = (
            self.env["ir.config_parameter"].sudo().get_param("cc_agent.agent_2fa", "1")
            == "1"
        )
        return res

    def set_values(self):
        result = super().set_values()
        self.env["ir.config_parameter"].sudo().set_param(
            "cc_agent.agent_2fa", "1" if self.cc_agent_2fa else "0"
        )
        return result
