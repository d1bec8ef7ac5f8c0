from contextlib import contextmanager
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.esl import EslAuthError, EslConnection, EslError

# Passwords anyone can guess: FreeSWITCH's default, and the sample of the
# repository's .env.example that a hurried install would leave in place.
PUBLIC_PASSWORDS = ("cluecon",)
SAMPLE_PREFIX = "change-me"


class CcPbxServer(models.Model):
    """A FreeSWITCH node the telephony listener connects to (mod_event_socket)."""

    _name = "cc.pbx.server"
    _description = "FreeSWITCH Node"
    _order = "name"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    enabled = fields.Boolean(
        default=True,
        help="The listener connects only to enabled nodes. Disable a node to take "
        "it out of service without losing its settings and call history.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    host = fields.Char(
        required=True,
        help="Host name or IP address where FreeSWITCH's Event Socket listens, "
        "as seen from the listener.",
    )
    esl_port = fields.Integer(string="Event Socket Port", required=True, default=8021)
    # The Event Socket password gives full control of the phone system: only
    # system administrators read or write it, and it never reaches the browser
    # of anyone else (fields with groups are stripped from their views).
    esl_password = fields.Char(
        string="Event Socket Password",
        groups="base.group_system",
        copy=False,
    )
    # Dialing
    agent_domain = fields.Char(
        default="default",
        required=True,
        help="The mod_callcenter domain of agent names: agent 1001 is '1001@<domain>'.",
    )
    sip_domain = fields.Char(
        string="SIP Domain",
        help="The domain agents' phones register to (FreeSWITCH's $${domain}); "
        "empty, the node's host. Odoo checks an agent's phone is registered "
        "there before calling a customer for them.",
    )
    agent_dial_string = fields.Char(
        default="user/{extension}",
        required=True,
        help="How FreeSWITCH reaches an agent's phone; {extension} is the agent's "
        "FreeSWITCH agent ID.",
    )
    gateway = fields.Char(
        string="Outbound Gateway",
        help="The SIP gateway (sofia profile gateway) customers are called through.",
    )
    dial_format = fields.Char(
        default="sofia/gateway/{gateway}/{number}",
        required=True,
        help="How a customer's number is dialled: {gateway} is the outbound "
        "gateway, {number} the number in E.164 ({national} without the country "
        "code and with the trunk prefix, if the operator wants that).",
    )
    inbound_contexts = fields.Char(
        default="public",
        required=True,
        help="Dialplan contexts (comma-separated) of customers' incoming calls.",
    )
    # Recordings
    recording_root = fields.Char(
        string="Recordings Folder",
        help="Where Odoo reads the recordings FreeSWITCH writes (a shared "
        "folder); recording paths of calls are taken relative to FreeSWITCH's "
        "recordings folder.",
    )
    recording_retention_days = fields.Integer(
        default=90,
        help="Recordings older than this are deleted (PDPL: keep personal data no "
        "longer than needed).",
    )
    # Health, written by the listener
    state = fields.Selection(
        [
            ("unknown", "Never connected"),
            ("connected", "Connected"),
            ("disconnected", "Disconnected"),
            ("error", "Error"),
        ],
        default="unknown",
        readonly=True,
        copy=False,
    )
    last_connected = fields.Datetime(readonly=True, copy=False)
    last_event = fields.Datetime(readonly=True, copy=False)
    last_error = fields.Char(readonly=True, copy=False)
    freeswitch_version = fields.Char(readonly=True, copy=False)
    is_silent = fields.Boolean(
        compute="_compute_is_silent",
        help="Connected, but no event for two minutes (FreeSWITCH sends a "
        "heartbeat every 20 seconds): the listener may have stopped.",
    )

    _sql_constraints = [
        (
            "host_port_unique",
            "unique(host, esl_port)",
            "Another FreeSWITCH node already uses this host and port.",
        ),
    ]

    @api.constrains("esl_port")
    def _check_esl_port(self):
        for server in self:
            if not 1 <= server.esl_port <= 65535:
                raise ValidationError(
                    self.env._(
                        "FreeSWITCH node %(node)s: the field 'Event Socket Port' "
                        "must be between 1 and 65535, not %(port)s.",
                        node=server.name,
                        port=server.esl_port,
                    )
                )

    @api.constrains("esl_password")
    def _check_esl_password(self):
        for server in self:
            password = (server.esl_password or "").strip().lower()
            if password in PUBLIC_PASSWORDS or password.startswith(SAMPLE_PREFIX):
                raise ValidationError(
                    self.env._(
                        "FreeSWITCH node %(node)s: the field 'Event Socket Password' "
                        "holds a publicly known default. Set a password of your own "
                        "in FreeSWITCH (FREESWITCH_ESL_PASSWORD) and here.",
                        node=server.name,
                    )
                )

    @api.constrains("agent_dial_string", "dial_format")
    def _check_dial_formats(self):
        for server in self:
            for field, keys in (
                ("agent_dial_string", {"extension"}),
                ("dial_format", {"gateway", "number", "national"}),
            ):
                try:
                    server[field].format(**dict.fromkeys(keys, "x"))
                except (KeyError, IndexError, ValueError) as error:
                    label = self._fields[field]._description_string(self.env)
                    raise ValidationError(
                        self.env._(
                            "FreeSWITCH node %(node)s: the field '%(field)s' may only "
                            "use %(keys)s between braces (%(error)s).",
                            node=server.name,
                            field=label,
                            keys=", ".join("{%s}" % key for key in sorted(keys)),
                            error=error,
                        )
                    ) from error

    @api.depends("state", "last_event", "last_connected")
    def _compute_is_silent(self):
        limit = fields.Datetime.now() - timedelta(minutes=2)
        for server in self:
            last = max(
                filter(None, (server.last_event, server.last_connected)), default=None
            )
            server.is_silent = (
                server.enabled
                and server.state == "connected"
                and bool(last)
                and last < limit
            )

    @api.depends("host", "esl_port")
    def _compute_display_name(self):
        for server in self:
            server.display_name = f"{server.name} ({server.host}:{server.esl_port})"

    # ------------------------------------------------------------------
    # Talking to FreeSWITCH from Odoo (short Event Socket sessions)
    # ------------------------------------------------------------------

    @contextmanager
    def _cc_esl(self, timeout=5.0):
        """An authenticated Event Socket session with this node, for a few
        commands; a clear error naming the node when it cannot be reached.
        The password is read as superuser and never leaves this method."""
        self.ensure_one()
        password = self.sudo().esl_password or ""
        connection = EslConnection(self.host, self.esl_port, password, timeout=timeout)
        try:
            connection.connect()
        except EslAuthError as error:
            raise UserError(
                self.env._(
                    "The phone system %(node)s refused Odoo's Event Socket password: "
                    "a system administrator must set the right one on the node.",
                    node=self.name,
                )
            ) from error
        except (OSError, EslError) as error:
            raise UserError(
                self.env._(
                    "The phone system %(node)s cannot be reached (%(host)s:%(port)s): "
                    "%(reason)s",
                    node=self.name,
                    host=self.host,
                    port=self.esl_port,
                    reason=str(error) or type(error).__name__,
                )
            ) from error
        try:
            yield connection
        except (OSError, EslError) as error:
            raise UserError(
                self.env._(
                    "The phone system %(node)s did not carry out the request: "
                    "%(reason)s",
                    node=self.name,
                    reason=str(error) or type(error).__name__,
                )
            ) from error
        finally:
            connection.close()

    def action_test_connection(self):
        """Connects, authenticates and asks FreeSWITCH for its version."""
        self.ensure_one()
        with self._cc_esl() as esl:
            version = esl.api("version").strip()
        self.sudo().write({"freeswitch_version": version, "last_error": False})
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Connected: %(version)s", version=version),
            },
        }

    def _cc_sip_user(self, agent):
        return f"{agent.sudo().cc_extension}@{self.sip_domain or self.host}"

    def _cc_agent_name(self, agent):
        return f"{agent.sudo().cc_extension}@{self.agent_domain}"

    @api.model
    def _cc_server_for(self, agent):
        """The enabled node an agent works on: the one of their queues, else
        the first of their company."""
        nodes = self.sudo().search(
            [("enabled", "=", True), ("company_id", "=", agent.company_id.id)],
            order="name, id",
        )
        queues = (
            self.env["cc.queue"]
            .sudo()
            .search([("server_id", "in", nodes.ids), ("agent_ids", "in", agent.ids)])
        )
        return queues.server_id[:1] or nodes[:1]

    def _cc_set_agent_status(self, agent, state):
        """Tells mod_callcenter the agent's status: Odoo's presence is the
        source of truth for what the agent chose. Going Available (re)creates
        the agent with their phone and their queues' tiers (harmless when
        they exist); a break or a wrap-up the agent takes stops new calls."""
        status = {
            "available": "Available",
            "break": "On Break",
            "wrap_up": "On Break",
            "offline": "Logged Out",
        }.get(state)
        extension = agent.sudo().cc_extension
        if not status or not extension:
            return
        name = self._cc_agent_name(agent)
        with self._cc_esl() as esl:
            if status == "Available":
                esl.api(f"callcenter_config agent add {name} callback")
                esl.api(
                    f"callcenter_config agent set contact {name} "
                    + self.agent_dial_string.format(extension=extension)
                )
                queues = (
                    self.env["cc.queue"]
                    .sudo()
                    .search(
                        [("server_id", "=", self.id), ("agent_ids", "in", agent.ids)]
                    )
                )
                for queue in queues:
                    esl.api(f"callcenter_config tier add {queue.name} {name} 1 1")
            esl.api(f"callcenter_config agent set status {name} '{status}'")
