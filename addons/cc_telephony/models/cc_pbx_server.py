import ipaddress
import logging
import re
from contextlib import contextmanager
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools.esl import EslAuthError, EslConnection, EslError

_logger = logging.getLogger(__name__)

# Passwords anyone can guess: FreeSWITCH's default, and the sample of the
# repository's .env.example that a hurried install would leave in place.
PUBLIC_PASSWORDS = ("cluecon",)
SAMPLE_PREFIX = "change-me"
# The directory secret is compared by Odoo only: long enough not to be guessed.
DIRECTORY_SECRET_MIN_LENGTH = 24
# mod_db's select answers at most 255 characters: a longer contact would be
# cut, so it is not written there.
DB_VALUE_MAX_LENGTH = 250
# Names that go into FreeSWITCH commands and dial strings unquoted.
SAFE_NAME = re.compile(r"^[A-Za-z0-9_.+-]+$")
# The mod_db realm of agents' contacts, keyed by extension (dialplan
# cc_suite_agents.xml reads it).
ROUTE_DB_REALM = "cc_agent"
UNSAFE_IN_DIAL = set("'\",{}\n\r\t ")


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
    # Agents' phones: SIP accounts, the softphone, the mobile fallback
    sip_profile = fields.Char(
        string="SIP Profile",
        default="internal",
        required=True,
        help="The sofia profile agents' phones register to (config/freeswitch/"
        "sip_profiles/internal.xml): Odoo ends a phone's registration there "
        "when its credentials are rotated or revoked.",
    )
    agent_context = fields.Char(
        string="Agents' Dialplan Context",
        default="cc_agents",
        required=True,
        help="The dialplan context of calls made from agents' phones (transfers "
        "to a colleague's extension or to a queue).",
    )
    ws_url = fields.Char(
        string="Softphone WebSocket URL",
        help="Where the softphone in agents' browsers connects: FreeSWITCH's "
        "secure websocket, e.g. wss://sip.example.com:7443, with a certificate "
        "valid for that name.",
    )
    ice_servers = fields.Text(
        string="STUN/TURN Servers",
        help="One URL per line, e.g. stun:stun.example.com:3478 or "
        "turn:turn.example.com:3478?transport=udp: how the softphone reaches "
        "FreeSWITCH's audio from behind a home router.",
    )
    turn_username = fields.Char(string="TURN Username")
    # Sent to agents' browsers with the TURN servers: not a secret of the node.
    turn_credential = fields.Char(string="TURN Password")
    sip_app_server = fields.Char(
        string="SIP App Server",
        help="Host name (and port) SIP apps on agents' phones register to; "
        "empty, the SIP domain.",
    )
    sip_app_transport = fields.Selection(
        [("udp", "UDP"), ("tcp", "TCP"), ("tls", "TLS")],
        string="SIP App Transport",
        default="tls",
        required=True,
    )
    mobile_confirm_prompt = fields.Char(
        string="Mobile Pick-up Prompt",
        help="A recording (path on FreeSWITCH) played when an agent answers on "
        "their mobile number: the customer is put through only once they press "
        "1, so that a voicemail never takes a customer. Empty: put through as "
        "soon as the mobile answers.",
    )
    # FreeSWITCH's mod_xml_curl authenticates with it when it asks Odoo for
    # agents' SIP credentials: like the Event Socket password, only system
    # administrators see or set it.
    directory_secret = fields.Char(
        groups="base.group_system",
        copy=False,
        help="The password of FreeSWITCH's directory requests (HTTP basic "
        "authentication of mod_xml_curl): FREESWITCH_DIRECTORY_SECRET in .env.",
    )
    directory_allowed_ips = fields.Char(
        string="Directory Requests From",
        help="Comma-separated addresses or networks (10.0.0.5, 172.28.5.0/24) "
        "FreeSWITCH's directory requests may come from; empty, any address "
        "that has the secret.",
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

    @api.constrains("directory_secret")
    def _check_directory_secret(self):
        for server in self:
            secret = (server.directory_secret or "").strip()
            if secret and (
                len(secret) < DIRECTORY_SECRET_MIN_LENGTH
                or secret.lower().startswith(SAMPLE_PREFIX)
            ):
                raise ValidationError(
                    self.env._(
                        "FreeSWITCH node %(node)s: the field 'Directory Secret' must "
                        "be a random string of at least %(length)s characters of "
                        "your own (FREESWITCH_DIRECTORY_SECRET in .env), not a "
                        "sample value.",
                        node=server.name,
                        length=DIRECTORY_SECRET_MIN_LENGTH,
                    )
                )

    @api.constrains("ws_url")
    def _check_ws_url(self):
        for server in self:
            if server.ws_url and not re.match(r"^wss?://[^\s/]+", server.ws_url):
                raise ValidationError(
                    self.env._(
                        "FreeSWITCH node %(node)s: the field 'Softphone WebSocket "
                        "URL' must look like wss://sip.example.com:7443, not "
                        "%(value)s.",
                        node=server.name,
                        value=server.ws_url,
                    )
                )

    @api.constrains("directory_allowed_ips")
    def _check_directory_allowed_ips(self):
        for server in self:
            try:
                server._cc_directory_networks()
            except ValueError as error:
                raise ValidationError(
                    self.env._(
                        "FreeSWITCH node %(node)s: the field 'Directory Requests "
                        "From' must list IP addresses or networks separated by "
                        "commas (%(error)s).",
                        node=server.name,
                        error=error,
                    )
                ) from error

    @api.constrains("sip_profile", "agent_context", "mobile_confirm_prompt")
    def _check_freeswitch_names(self):
        for server in self:
            for field in ("sip_profile", "agent_context", "mobile_confirm_prompt"):
                value = server[field]
                # A path may hold slashes; none may hold what ends a dial string
                # or a command argument (spaces, commas, quotes, braces).
                if value and not SAFE_NAME.match(value.replace("/", "")):
                    label = self._fields[field]._description_string(self.env)
                    raise ValidationError(
                        self.env._(
                            "FreeSWITCH node %(node)s: the field '%(field)s' may "
                            "only hold letters, digits and . _ + - / (no spaces), "
                            "not %(value)s.",
                            node=server.name,
                            field=label,
                            value=value,
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
        """Connects, authenticates and asks FreeSWITCH for its version. Only
        system administrators, who set the Event Socket password, may: the
        button is theirs, and so is a call over RPC."""
        self.ensure_one()
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(
                self.env._(
                    "Only system administrators test the connection to a "
                    "FreeSWITCH node: it signs in with the node's Event Socket "
                    "password."
                )
            )
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
        """The SIP user whose registration says the agent's phone is reachable:
        the account of their current route, else their extension."""
        account = self._cc_agent_route(agent)["account"]
        if account:
            return f"{account.username}@{self._cc_domain()}"
        return f"{agent.sudo().cc_extension}@{self._cc_domain()}"

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
        the agent with the phone their calls reach now and their queues' tiers
        (harmless when they exist); a break or a wrap-up the agent takes stops
        new calls; going Offline also ends transfers to them."""
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
                self._cc_send_route(esl, agent)
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
            if status == "Logged Out":
                esl.api(f"db delete/{ROUTE_DB_REALM}/{extension}")

    # ------------------------------------------------------------------
    # Where agents' calls reach them
    # ------------------------------------------------------------------

    def _cc_domain(self):
        """The SIP domain of agents' accounts (FreeSWITCH's directory domain)."""
        self.ensure_one()
        return self.sip_domain or self.host

    def _cc_directory_networks(self):
        self.ensure_one()
        return [
            ipaddress.ip_network(part.strip(), strict=False)
            for part in (self.directory_allowed_ips or "").split(",")
            if part.strip()
        ]

    def _cc_directory_allows(self, address):
        """Whether a directory request from ``address`` is admitted."""
        networks = self._cc_directory_networks()
        if not networks:
            return True
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in network for network in networks)

    def _cc_ice_servers(self):
        """The STUN/TURN servers as the browser's RTCPeerConnection takes them."""
        self.ensure_one()
        servers = []
        for url in (self.ice_servers or "").split():
            server = {"urls": url}
            if url.startswith(("turn:", "turns:")) and self.turn_username:
                server.update(
                    username=self.turn_username, credential=self.turn_credential or ""
                )
            servers.append(server)
        return servers

    @staticmethod
    def _cc_dial_variables(variables):
        """``{key=value,...}`` of a dial string; what would end a value, the
        dial string or a command argument is left out."""
        return "{%s}" % ",".join(
            f"{key}={''.join(ch for ch in str(value) if ch not in UNSAFE_IN_DIAL)}"
            for key, value in variables.items()
        )

    def _cc_number_dial_string(self, e164):
        """How the node dials ``e164`` through its gateway (its dial format)."""
        self.ensure_one()
        national = self.env["res.partner"]._phone_format(
            number=e164, country=self.company_id.country_id, force_format="NATIONAL"
        )
        return self.dial_format.format(
            gateway=self.gateway,
            number=e164,
            national="".join(ch for ch in (national or e164) if ch.isdigit()),
        )

    def _cc_agent_route(self, agent, when=None):
        """How FreeSWITCH reaches ``agent`` at ``when`` (now by default):
        ``{"route", "contact", "account"}``. The contact is a dial string that
        needs nothing from Odoo at call time, and it carries the agent's
        extension as ``dialed_user``, as a call to ``user/<extension>`` does,
        so that the listener knows the agent's leg whatever the route. Without
        what the chosen route needs (a softphone that registered, a SIP app, a
        mobile number and a gateway), the node's agent dial string (a desk
        phone registered with the extension) is used, as before."""
        self.ensure_one()
        agent = agent.sudo()
        extension = agent.cc_extension
        route = agent._cc_call_route_at(when)
        Account = self.env["cc.sip.account"]
        if route == "mobile":
            number = agent.mobile_phone and self.env["res.partner"]._phone_format(
                number=agent.mobile_phone,
                country=self.company_id.country_id or self.env.ref("base.sa"),
                force_format="E164",
            )
            if number and self.gateway:
                variables = {"dialed_user": extension, "ignore_early_media": "true"}
                if self.mobile_confirm_prompt:
                    variables.update(
                        group_confirm_key="1",
                        group_confirm_file=self.mobile_confirm_prompt,
                    )
                return {
                    "route": "mobile",
                    "contact": self._cc_dial_variables(variables)
                    + self._cc_number_dial_string(number),
                    "account": Account,
                }
        elif route in ("softphone", "sip_app"):
            account = agent._cc_route_account(self, route)
            if account:
                domain = self._cc_domain()
                variables = {"dialed_user": extension, "sip_invite_domain": domain}
                return {
                    "route": route,
                    "contact": self._cc_dial_variables(variables)
                    + f"${{sofia_contact({self.sip_profile}/"
                    f"{account.username}@{domain})}}",
                    "account": account,
                }
        return {
            "route": "extension",
            "contact": self.agent_dial_string.format(extension=extension),
            "account": Account,
        }

    def _cc_send_route(self, esl, agent):
        """Sets the agent's mod_callcenter contact to their route now, and the
        mod_db entry transfers to their extension use (context cc_agents)."""
        self.ensure_one()
        route = self._cc_agent_route(agent)
        contact = route["contact"]
        esl.api(
            f"callcenter_config agent set contact {self._cc_agent_name(agent)} "
            + contact
        )
        if len(contact) <= DB_VALUE_MAX_LENGTH:
            esl.api(f"db insert/{ROUTE_DB_REALM}/{agent.sudo().cc_extension}/{contact}")
        else:
            _logger.warning(
                "Agent %s: contact too long for mod_db (%s characters): transfers "
                "to their extension will not reach them",
                agent.id,
                len(contact),
            )
        return route

    @api.model
    def _cc_push_routes(self, agents):
        """Sends the current route of each online agent to their node now
        (the agent changed it, an override began or ended, an account was
        revoked). FreeSWITCH away is logged; going Available sends it again."""
        for agent in self._cc_online(agents).sudo():
            if not agent.cc_extension:
                continue
            server = self._cc_server_for(agent)
            if not server:
                continue
            try:
                with server._cc_esl() as esl:
                    server._cc_send_route(esl, agent)
            except UserError as error:
                _logger.warning(
                    "Agent %s: route not sent to FreeSWITCH: %s", agent.id, error
                )

    @api.model
    def _cc_online(self, agents):
        """The agents whose presence is not Offline (mod_callcenter has them)."""
        current = self.env["cc.presence.log"]._cc_current(agents)
        return agents.filtered(
            lambda agent: agent.id in current and current[agent.id].state != "offline"
        )

    @api.model
    def _cc_push_routes_after_commit(self, agents):
        """The same, once the change that moved the route is committed, for
        the agents online now (going Available sends the route anyway)."""
        agents = self._cc_online(agents)
        if not agents:
            return
        agent_ids, registry = agents.ids, self.env.registry

        @self.env.cr.postcommit.add
        def push_routes():
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["cc.pbx.server"]._cc_push_routes(
                    env["hr.employee"].browse(agent_ids)
                )
