from odoo import Command, models


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

    def write(self, vals):
        """Odoo gives every internal user the groups an app adds to the
        template user when it is installed (often its administrators'
        rights: installing payroll would make every agent a payroll manager,
        reading everyone's pay). Agents keep only the groups they had: a
        manager grants them more by hand if ever needed."""
        agents = before = None
        if "groups_id" in vals and self._apply_groups_to_existing_employees():
            agents = self._cc_plain_agents() - self
            before = {user.id: user.groups_id for user in agents}
        result = super().write(vals)
        for user in agents or ():
            added = user.groups_id - before[user.id]
            if added:
                # sudo: the template's change is already being applied to
                # every user by the one allowed to change it.
                user.sudo().write(
                    {"groups_id": [Command.unlink(group.id) for group in added]}
                )
        return result

    def _cc_plain_agents(self):
        """The users who are call center agents and nothing above."""
        agent = self.env.ref("cc_agent.group_cc_agent", raise_if_not_found=False)
        supervisor = self.env.ref(
            "cc_agent.group_cc_supervisor", raise_if_not_found=False
        )
        if not agent or not supervisor:
            return self.browse()
        return agent.sudo().users - supervisor.sudo().users
