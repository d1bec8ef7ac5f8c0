from odoo import models


class ResUsers(models.Model):
    _inherit = "res.users"

    def _mfa_type(self):
        """Agents work from their own devices, from anywhere: their login always
        needs a second factor (NCA ECC 2-2-3). Without an authenticator app set
        up, Odoo's e-mailed code is that factor (auth_totp_mail_enforce)."""
        mfa = super()._mfa_type()
        if mfa is not None:
            return mfa
        enforced = (
            self.env["ir.config_parameter"].sudo().get_param("cc_agent.agent_2fa", "1")
        )
        if (
            enforced == "1"
            and self._is_internal()
            and self.has_group("cc_agent.group_cc_agent")
        ):
            return "totp_mail"
        return None
