import hashlib
import logging
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.http import request, root
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class CcAgentDevice(models.Model):
    """A phone, tablet or computer an agent works from.

    Agents work on their own devices: each one they register is known by a
    token kept in that browser, and by the Odoo sessions opened on it. A
    manager who revokes a device (lost, sold, or the agent has left) ends
    those sessions at once; the device cannot be used again.
    """

    _name = "cc.agent.device"
    _description = "Agent Device"
    _inherit = ["cc.agent.owned.mixin", "mail.thread"]
    _order = "last_seen desc, id desc"

    name = fields.Char(required=True, tracking=True, help="e.g. Sara's iPhone")
    kind = fields.Selection(
        [
            ("phone", "Phone"),
            ("tablet", "Tablet"),
            ("laptop", "Laptop"),
            ("desktop", "Desktop"),
        ],
        required=True,
        default="phone",
    )
    browser = fields.Char()
    platform = fields.Char(string="Operating System")
    first_seen = fields.Datetime(readonly=True)
    last_seen = fields.Datetime(readonly=True)
    # Only a hash of the browser's secret is kept: the database alone cannot
    # impersonate a device.
    token_hash = fields.Char(
        readonly=True, copy=False, index=True, groups="base.group_system"
    )
    session_identifiers = fields.Text(
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="Odoo sessions opened on this device (res.device.log identifiers).",
    )
    state = fields.Selection(
        [("active", "Active"), ("revoked", "Revoked")],
        default="active",
        required=True,
        tracking=True,
    )
    revoked_on = fields.Datetime(readonly=True)
    revoked_by_id = fields.Many2one("res.users", readonly=True)

    _sql_constraints = [
        ("token_unique", "unique(token_hash)", "This device is already registered."),
    ]

    def _cc_hash(self, token):
        if not isinstance(token, str) or len(token) < 32:
            raise UserError(self.env._("This browser sent no valid device key."))
        return hashlib.sha256(token.encode()).hexdigest()

    # ------------------------------------------------------------------
    # Agent side (systray)
    # ------------------------------------------------------------------

    @api.model
    def action_register_my_device(self, token, name, kind):
        """Registers the device the agent is using now."""
        agent = self.env["cc.presence.log"]._cc_my_agent()
        if not (name or "").strip():
            raise UserError(self.env._("Give this device a name, e.g. 'My phone'."))
        if kind not in dict(self._fields["kind"].selection):
            raise UserError(self.env._("Unknown kind of device: %(kind)s.", kind=kind))
        token_hash = self._cc_hash(token)
        # sudo: agents do not create device records themselves; this registers
        # the caller's own device, for the caller's own agent profile.
        devices = self.sudo()
        if devices.search([("token_hash", "=", token_hash)]):
            raise UserError(self.env._("This device is already registered."))
        now = fields.Datetime.now()
        device = devices.create(
            {
                "name": name.strip(),
                "kind": kind,
                "agent_id": agent.id,
                "token_hash": token_hash,
                "first_seen": now,
                "last_seen": now,
                **self._cc_request_info(),
            }
        )
        device._cc_link_session()
        return device.id

    @api.model
    def _cc_seen(self, token):
        """Marks the caller's device as seen now; returns its state for the
        systray: 'unknown', 'active' or 'revoked'."""
        if not token:
            return "unknown"
        agent = self.env["cc.presence.log"]._cc_my_agent()
        device = self.sudo().search(
            [("token_hash", "=", self._cc_hash(token)), ("agent_id", "=", agent.id)]
        )
        if not device:
            return "unknown"
        if device.state == "active":
            device._cc_touch()
            device._cc_link_session()
        return device.state

    def _cc_touch(self):
        """Marks the device as seen now, at most once a minute. Several tabs
        or the softphone of the same device ask at the same moment: when
        another request is updating the device, its update is enough (no
        serialization error, no retry)."""
        self.ensure_one()
        now = fields.Datetime.now()
        info = self._cc_request_info()
        device = self.sudo()
        if (
            device.last_seen
            and now - device.last_seen < timedelta(minutes=1)
            and all(device[name] == value for name, value in info.items())
        ):
            return
        values = {"last_seen": now, **info}
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "UPDATE cc_agent_device SET %s WHERE id = %s",
                        SQL(", ").join(
                            SQL("%s = %s", SQL.identifier(name), value)
                            for name, value in values.items()
                        ),
                        self.id,
                    ),
                    log_exceptions=False,
                )
        except psycopg2.errors.SerializationFailure:
            _logger.debug("Device %s seen by a concurrent request", self.id)
        self.invalidate_recordset(list(values))

    @api.model
    def _cc_request_info(self):
        if not request:
            return {}
        agent = request.httprequest.user_agent
        return {
            "browser": (agent.browser or "").capitalize() or False,
            "platform": (agent.platform or "").capitalize() or False,
        }

    def _cc_link_session(self):
        if not request or not request.session.sid:
            return
        identifier = request.session.sid[:42]
        for device in self.sudo():
            known = (device.session_identifiers or "").split()
            if identifier not in known:
                device.session_identifiers = " ".join([*known, identifier])

    # ------------------------------------------------------------------
    # Manager side
    # ------------------------------------------------------------------

    def action_revoke(self):
        """Revokes the devices and ends every Odoo session opened on them."""
        if not self.env.user.has_group("cc_agent.group_cc_manager"):
            raise AccessError(self.env._("Only call center managers revoke devices."))
        self.check_access("write")
        devices = self.sudo().filtered(lambda d: d.state == "active")
        identifiers = [
            identifier
            for device in devices
            for identifier in (device.session_identifiers or "").split()
        ]
        if identifiers:
            root.session_store.delete_from_identifiers(identifiers)
            self.env["res.device.log"].sudo().search(
                [("session_identifier", "in", identifiers)]
            ).write({"revoked": True})
        devices.write(
            {
                "state": "revoked",
                "revoked_on": fields.Datetime.now(),
                "revoked_by_id": self.env.uid,
            }
        )
        _logger.info(
            "User %s revoked devices %s (%s sessions ended)",
            self.env.uid,
            devices.ids,
            len(identifiers),
        )
        return True
