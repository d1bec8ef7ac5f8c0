import hashlib
import logging
import secrets
import string

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError

_logger = logging.getLogger(__name__)

USERNAME_ALPHABET = string.ascii_lowercase + string.digits


class CcSipAccount(models.Model):
    """SIP credentials Odoo gives one of an agent's phones.

    FreeSWITCH learns them from Odoo (its directory asks the controller
    /cc_telephony/freeswitch/directory), so nobody edits FreeSWITCH's files
    for an agent. The password is generated, read only by the system (and
    handed to the agent's own softphone or SIP app), rotated on demand, and
    revoked with the device it belongs to.
    """

    _name = "cc.sip.account"
    _description = "Agent SIP Account"
    _inherit = ["cc.agent.owned.mixin"]
    _order = "state, last_rotation desc, id desc"
    _rec_name = "username"

    kind = fields.Selection(
        [("softphone", "Softphone in Odoo"), ("sip_app", "SIP app")],
        required=True,
        readonly=True,
    )
    device_id = fields.Many2one(
        "cc.agent.device",
        readonly=True,
        index=True,
        ondelete="cascade",
        help="The device the account was made for: revoking it revokes the account.",
    )
    server_id = fields.Many2one(
        "cc.pbx.server",
        string="FreeSWITCH Node",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    username = fields.Char(required=True, readonly=True, copy=False, index=True)
    # Only the system reads it: the directory controller derives the digest
    # hash from it, and the agent's own softphone or SIP app receives it.
    password = fields.Char(readonly=True, copy=False, groups="base.group_system")
    state = fields.Selection(
        [("active", "Active"), ("revoked", "Revoked")],
        default="active",
        required=True,
        readonly=True,
    )
    last_rotation = fields.Datetime(string="Password Set On", readonly=True, copy=False)
    revoked_on = fields.Datetime(readonly=True, copy=False)

    _sql_constraints = [
        (
            "username_unique",
            "unique(username)",
            "Another SIP account already has this user name.",
        ),
    ]

    @api.depends("username", "kind", "device_id.name")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for account in self:
            account.display_name = " - ".join(
                filter(
                    None,
                    (account.username, kinds.get(account.kind), account.device_id.name),
                )
            )

    # ------------------------------------------------------------------
    # Creating
    # ------------------------------------------------------------------

    @api.model
    def _cc_new_username(self, agent):
        """The agent's extension and a random part: readable in FreeSWITCH's
        registrations, unguessable, and only letters, digits and a dash."""
        while True:
            suffix = "".join(secrets.choice(USERNAME_ALPHABET) for _i in range(10))
            username = f"{agent.sudo().cc_extension}-{suffix}"
            if not self.sudo().search_count([("username", "=", username)], limit=1):
                return username

    @staticmethod
    def _cc_new_password():
        return secrets.token_urlsafe(24)

    @api.model
    def _cc_create_for(self, agent, server, kind, device=None):
        """A new active account (as superuser: agents never write accounts)."""
        return self.sudo().create(
            {
                "agent_id": agent.id,
                "server_id": server.id,
                "kind": kind,
                "device_id": device.id if device else False,
                "username": self._cc_new_username(agent),
                "password": self._cc_new_password(),
                "last_rotation": fields.Datetime.now(),
            }
        )

    # ------------------------------------------------------------------
    # What FreeSWITCH is told
    # ------------------------------------------------------------------

    def _cc_a1_hash(self):
        """The SIP digest hash md5(user:realm:password) FreeSWITCH checks a
        phone's answer with, instead of the password itself (the profile's
        realm is the SIP domain)."""
        self.ensure_one()
        account = self.sudo()
        text = f"{account.username}:{account.server_id._cc_domain()}:{account.password}"
        return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 (SIP digest)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _cc_check_owner_or_manager(self):
        self.check_access("read")
        if self.env.su or self.env.user.has_group("cc_agent.group_cc_manager"):
            return
        if any(account.user_id != self.env.user for account in self):
            raise AccessError(
                self.env._(
                    "Only the agent an account belongs to, or a call center "
                    "manager, rotates or revokes it."
                )
            )

    def action_rotate(self):
        """A new password; the phones still using the old one are logged out
        of FreeSWITCH and must fetch the new one (the softphone does it by
        itself)."""
        self._cc_check_owner_or_manager()
        accounts = self.sudo().filtered(lambda a: a.state == "active")
        if not accounts:
            raise UserError(self.env._("A revoked account cannot be rotated."))
        now = fields.Datetime.now()
        for account in accounts:
            account.write({"password": self._cc_new_password(), "last_rotation": now})
        _logger.info(
            "User %s rotated the password of SIP accounts %s",
            self.env.uid,
            accounts.ids,
        )
        accounts._cc_tell_phones("rotated")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "New password set: the phone gets it the next time it connects."
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_revoke(self):
        """The account no longer authenticates; its phones are logged out."""
        self._cc_check_owner_or_manager()
        self.sudo()._cc_revoke()
        _logger.info("User %s revoked SIP accounts %s", self.env.uid, self.ids)
        return True

    def _cc_revoke(self):
        accounts = self.filtered(lambda a: a.state == "active")
        if not accounts:
            return
        accounts.write(
            {"state": "revoked", "password": False, "revoked_on": fields.Datetime.now()}
        )
        accounts._cc_tell_phones("revoked")

    def _cc_tell_phones(self, change):
        """Once committed: FreeSWITCH drops the accounts' registrations and
        forgets any cached copy of them, and agents whose calls rang on a
        revoked account get their route again; the agent's web client is told
        (the softphone fetches its configuration again). FreeSWITCH away loses
        nothing: the new password is in Odoo, and the phones fail to
        authenticate at their next registration anyway."""
        for account in self:
            account.user_id._bus_send(
                "cc_telephony/sip_account",
                {"username": account.username, "kind": account.kind, "change": change},
            )
        targets = [
            (account.server_id.id, account.username, account.server_id._cc_domain())
            for account in self
        ]
        agent_ids = self.agent_id.ids if change == "revoked" else []
        registry = self.env.registry

        @self.env.cr.postcommit.add
        def drop_registrations():
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["cc.sip.account"]._cc_drop_registrations(targets)
                if agent_ids:
                    env["cc.pbx.server"]._cc_push_routes(
                        env["hr.employee"].browse(agent_ids)
                    )

    @api.model
    def _cc_drop_registrations(self, targets):
        """``targets``: (node id, user name, domain) of accounts whose phones
        must register again (and fail if they were revoked)."""
        Server = self.env["cc.pbx.server"].sudo()
        for server_id, username, domain in targets:
            server = Server.browse(server_id)
            try:
                with server._cc_esl() as esl:
                    esl.api(
                        f"sofia profile {server.sip_profile} flush_inbound_reg "
                        f"{username}@{domain} reboot"
                    )
                    esl.api(f"xml_flush_cache id {username} {domain}")
            except UserError as error:
                _logger.warning(
                    "SIP account %s: registration not dropped on FreeSWITCH: %s",
                    username,
                    error,
                )

    # ------------------------------------------------------------------
    # The agent's own softphone (routes /cc_telephony/softphone/*)
    # ------------------------------------------------------------------

    @api.model
    def _cc_my_softphone(self, device_token):
        """The current user's agent, registered device, node and softphone
        account for ``device_token`` (created on first use), or the reason
        there is none: ``(values, reason)``."""
        agent = self.env.user.employee_id.sudo()
        if not agent or not agent.is_cc_agent:
            return None, self.env._("Only call center agents have a softphone.")
        Device = self.env["cc.agent.device"]
        try:
            token_hash = Device._cc_hash(device_token)
        except UserError:
            token_hash = None
        # sudo: the device is looked up by the hash of the caller's own
        # browser token, among the caller's own devices only.
        device = token_hash and Device.sudo().search(
            [("token_hash", "=", token_hash), ("agent_id", "=", agent.id)], limit=1
        )
        if not device:
            return None, self.env._(
                "This device is not registered: register it from the Call Center "
                "menu at the top of the screen, then reload the page."
            )
        if device.state != "active":
            return None, self.env._(
                "This device was revoked by a manager: the softphone cannot be "
                "used on it."
            )
        if not agent.cc_extension:
            return None, self.env._(
                "You have no FreeSWITCH agent ID yet: ask a manager to set it on "
                "your agent profile."
            )
        server = self.env["cc.pbx.server"]._cc_server_for(agent)
        if not server:
            return None, self.env._(
                "No phone system (FreeSWITCH node) is enabled for your company."
            )
        if not server.ws_url:
            return None, self.env._(
                "The phone system %(node)s has no softphone address (Softphone "
                "WebSocket URL): ask a manager to set it on the node.",
                node=server.name,
            )
        account = self.sudo().search(
            [
                ("device_id", "=", device.id),
                ("server_id", "=", server.id),
                ("kind", "=", "softphone"),
                ("state", "=", "active"),
            ],
            limit=1,
        ) or self._cc_create_for(agent, server, "softphone", device)
        return {
            "agent": agent,
            "device": device,
            "server": server,
            "account": account,
        }, None

    @api.model
    def _cc_softphone_config(self, device_token):
        """What the softphone of this browser needs to register, for the
        current user only; or why it cannot."""
        values, reason = self._cc_my_softphone(device_token)
        if reason:
            return {"enabled": False, "reason": reason}
        agent, server, account = values["agent"], values["server"], values["account"]
        return {
            "enabled": True,
            "ws_url": server.ws_url,
            "domain": server._cc_domain(),
            "username": account.username,
            # The caller's own account, on the caller's own registered device.
            "password": account.sudo().password,
            "display_name": agent.name,
            "extension": agent.cc_extension,
            "ice_servers": server._cc_ice_servers(),
            "transfer_targets": self._cc_transfer_targets(agent, server),
        }

    @api.model
    def _cc_transfer_targets(self, agent, server):
        """Where the agent may transfer a call: colleagues' extensions and the
        node's queues (dialplan context cc_agents)."""
        colleagues = (
            self.env["hr.employee"]
            .sudo()
            .search(
                [
                    ("is_cc_agent", "=", True),
                    ("company_id", "=", agent.company_id.id),
                    ("cc_extension", "!=", False),
                    ("id", "!=", agent.id),
                ],
                order="name",
            )
        )
        queues = self.env["cc.queue"].sudo().search([("server_id", "=", server.id)])
        return [
            {
                "label": f"{colleague.name} ({colleague.cc_extension})",
                "target": colleague.cc_extension,
            }
            for colleague in colleagues
        ] + [
            {"label": queue.display_name, "target": self._cc_queue_target(queue)}
            for queue in queues
        ]

    @staticmethod
    def _cc_queue_target(queue):
        """The number a phone dials to send a caller to ``queue`` (dialplan
        cc_suite_agents.xml: queue-<name> goes to <name>@default)."""
        return "queue-" + queue.name.split("@")[0]

    @api.model
    def _cc_softphone_route_here(self, device_token):
        """The softphone of this browser registered: the agent's softphone
        calls ring here from now on (mod_callcenter's contact and the transfer
        entry are set at once)."""
        values, reason = self._cc_my_softphone(device_token)
        if reason:
            return {"ok": False, "reason": reason}
        agent, device, server = values["agent"], values["device"], values["server"]
        # The route is sent below, with its outcome: not again after commit.
        agent.with_context(cc_route_sent=True).cc_route_device_id = device
        route = agent._cc_call_route_at()
        if route != "softphone":
            labels = dict(
                self.env["hr.employee"]
                ._fields["cc_call_route"]
                ._description_selection(self.env)
            )
            return {
                "ok": False,
                "reason": self.env._(
                    "Your calls reach you on: %(route)s. Choose 'Softphone in "
                    "Odoo' in your preferences to take them here.",
                    route=labels[route],
                ),
            }
        current = self.env["cc.presence.log"]._cc_current(agent).get(agent.id)
        if not current or current.state == "offline":
            # Going Available sends the route with the agent's status.
            return {"ok": True}
        try:
            with server._cc_esl() as esl:
                server._cc_send_route(esl, agent)
        except UserError as error:
            return {"ok": False, "reason": str(error.args[0])}
        return {"ok": True}
