from odoo import fields, models
from odoo.exceptions import AccessError, UserError


class CcAgentDevice(models.Model):
    _inherit = "cc.agent.device"

    sip_account_ids = fields.One2many(
        "cc.sip.account", "device_id", string="Phone Accounts"
    )

    def action_revoke(self):
        """A revoked device's SIP accounts stop authenticating at once."""
        result = super().action_revoke()
        # sudo: super() checked that the user is a manager who may revoke them.
        self.sudo().sip_account_ids._cc_revoke()
        return result

    def action_sip_app_setup(self):
        """A QR code that sets up a SIP app (Linphone) on this device, for the
        agent it belongs to only: the app receives its own account, once. Doing
        it again (a new phone) rotates the account's password."""
        self.ensure_one()
        self.check_access("read")
        if self.user_id != self.env.user:
            raise AccessError(
                self.env._(
                    "Only the agent a device belongs to sets up a SIP app on it."
                )
            )
        if self.state != "active":
            raise UserError(self.env._("This device was revoked."))
        agent = self.agent_id.sudo()
        if not agent.cc_extension:
            raise UserError(
                self.env._(
                    "You have no FreeSWITCH agent ID yet: ask a manager to set it "
                    "on your agent profile."
                )
            )
        server = self.env["cc.pbx.server"]._cc_server_for(agent)
        if not server:
            raise UserError(
                self.env._(
                    "No phone system (FreeSWITCH node) is enabled for your company."
                )
            )
        Account = self.env["cc.sip.account"]
        # sudo: the caller's own device, checked above.
        account = self.sudo().sip_account_ids.filtered(
            lambda a: a.kind == "sip_app"
            and a.state == "active"
            and a.server_id == server
        )[:1]
        if account:
            account.action_rotate()
        else:
            account = Account._cc_create_for(agent, server, "sip_app", self)
        return self.env["cc.sip.provisioning"]._cc_open_for(account)
