import functools
import logging
import os
import random
import uuid
from collections import namedtuple
from datetime import datetime, timedelta, timezone

import psycopg2

from odoo import SUPERUSER_ID, Command, api, fields, models, sql_db
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, mute_logger

from odoo.addons.bus.models.bus import (
    ODOO_NOTIFY_FUNCTION,
    channel_with_db,
    get_notify_payloads,
    json_dump,
)
from odoo.addons.phone_validation.tools import phone_validation

_logger = logging.getLogger(__name__)

# A call only moves forward: a late or repeated event never takes it back.
STATES = [
    ("ringing", "Ringing"),
    ("queued", "In Queue"),
    ("offering", "Offered to an Agent"),
    ("dialing", "Dialing"),
    ("talking", "Talking"),
    ("ended", "Ended"),
    ("failed", "Failed"),
]
STATE_RANK = {key: rank for rank, (key, _label) in enumerate(STATES)}
STATE_RANK["failed"] = STATE_RANK["ended"]
# Minutes after which a call placed from Odoo and still dialing is taken as
# lost (its events never came): the agent may call again.
DIALING_FOR_AT_MOST = 3
# What mod_callcenter says about a caller (a member of a queue).
MEMBER_ACTIONS = (
    "member-queue-start",
    "agent-offering",
    "bridge-agent-start",
    "bridge-agent-end",
    "bridge-agent-fail",
    "member-queue-end",
)
# The queue's events that move a call forward: whether they need an agent.
ADVANCING_ACTIONS = {
    "member-queue-start": False,
    "agent-offering": True,
    "bridge-agent-start": True,
    "member-queue-end": False,
}
# The channel events that concern calls.
CHANNEL_EVENTS = (
    "CHANNEL_CREATE",
    "CHANNEL_ANSWER",
    "CHANNEL_BRIDGE",
    "CHANNEL_HANGUP_COMPLETE",
)
# What a person may change on a call: who the customer is, what they want,
# which requests it belongs to.
USER_WRITABLE = {"partner_id", "service_type_id", "ticket_ids"}

# What a failed click-to-dial means, by the leg that failed (FreeSWITCH
# hangup causes): the agent's phone, rung first, or the customer's line.
AGENT_LEG_FAILURES = {
    "USER_NOT_REGISTERED": "phone",
    "SUBSCRIBER_ABSENT": "phone",
    "NO_USER_RESPONSE": "agent_no_answer",
    "NO_ANSWER": "agent_no_answer",
    "ORIGINATOR_CANCEL": "agent_no_answer",
    "USER_BUSY": "agent_busy",
    "CALL_REJECTED": "agent_rejected",
}
CUSTOMER_LEG_FAILURES = {
    "NO_USER_RESPONSE": "customer_no_answer",
    "NO_ANSWER": "customer_no_answer",
    "ORIGINATOR_CANCEL": "agent_hung_up",
    "USER_BUSY": "customer_busy",
    "CALL_REJECTED": "customer_rejected",
    "UNALLOCATED_NUMBER": "number",
    "INVALID_NUMBER_FORMAT": "number",
    "NO_ROUTE_DESTINATION": "number",
    "GATEWAY_DOWN": "gateway",
    "NORMAL_TEMPORARY_FAILURE": "gateway",
    "DESTINATION_OUT_OF_ORDER": "gateway",
    "NETWORK_OUT_OF_ORDER": "gateway",
}


@functools.lru_cache(maxsize=20000)
def international(e164, country_code, phone_code):
    """``e164`` as people read it (+966 50 123 4567), as phone_validation
    formats it (a number calling again is not parsed again)."""
    return phone_validation.phone_format(
        e164, country_code, phone_code, "INTERNATIONAL", raise_exception=False
    )


def bus_notify(channels):
    """Tells Odoo's websocket servers (listening on the ``postgres``
    database) that ``channels`` have notifications, as bus.bus does once its
    rows are committed."""
    with sql_db.db_connect("postgres").cursor() as cr:
        for payload in get_notify_payloads(list(channels)):
            cr.execute(
                SQL(
                    "SELECT %s('imbus', %s)",
                    SQL.identifier(ODOO_NOTIFY_FUNCTION),
                    payload,
                )
            )


def offers_ahead(events):
    """The offers among ``events`` whose cards may go ahead of them (see
    cc.call._cc_pop_ahead): those of calls no earlier event of ``events``
    concerns."""
    offers, touched = [], set()
    for event in events:
        leg = event.get("CC-Member-Session-UUID") or event.get("Unique-ID")
        if (
            event.get("Event-Subclass") == "callcenter::info"
            and event.get("CC-Action") == "agent-offering"
            and leg
            and leg not in touched
        ):
            offers.append(event)
        elif leg:
            touched.add(leg)
    return offers


def epoch_time(value):
    """A time in seconds since the epoch, as mod_callcenter writes them
    (CC-Agent-Answered-Time, joined_epoch...), as the naive UTC datetime Odoo
    stores; None for 0, empty or garbage."""
    value = (value or "").strip()
    if not value.isdigit() or int(value) <= 0:
        return None
    return datetime.fromtimestamp(int(value), tz=timezone.utc).replace(tzinfo=None)


# The columns of mod_callcenter's members table, as ``callcenter_config queue
# list members <queue>`` prints them (FreeSWITCH 1.10, fixtures/esl/
# callcenter_plain.raw.txt).
MEMBER_COLUMNS = (
    "queue",
    "instance_id",
    "uuid",
    "session_uuid",
    "cid_number",
    "cid_name",
    "system_epoch",
    "joined_epoch",
    "rejoined_epoch",
    "bridge_epoch",
    "abandoned_epoch",
    "base_score",
    "skill_score",
    "serving_agent",
    "serving_system",
    "state",
    "score",
)


def member_rows(text):
    """The rows (dicts by column) of ``callcenter_config queue list members``:
    a header line, a line per caller, "+OK". A row whose columns do not match
    the header (a caller's name holding "|") is left out rather than read
    askew; an error ("-ERR ...") or an empty queue gives no row."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if not lines or lines[0].startswith(("-ERR", "+OK")):
        return []
    header = lines[0].split("|")
    if "session_uuid" not in header or "state" not in header:
        return []
    rows = []
    for line in lines[1:]:
        if line.startswith(("+OK", "-ERR")):
            break
        cells = line.split("|")
        if len(cells) == len(header):
            rows.append(dict(zip(header, cells, strict=True)))
    return rows


def gateway_status(text):
    """ "up", "down" or "unknown" (no such gateway) from the output of
    ``sofia status gateway <name>`` (lines "Status  \tUP", "State   \tREGED")."""
    if not text or "Invalid Gateway" in text:
        return "unknown"
    values = {}
    for line in text.splitlines():
        key, _tab, value = line.partition("\t")
        values[key.strip()] = value.strip()
    if values.get("Status", "").startswith("DOWN") or values.get("State") in (
        "FAIL_WAIT",
        "NOREG_FAIL",
        "DOWN",
    ):
        return "down"
    return "up" if "Status" in values else "unknown"


# Where the EventBatch of the events being applied is kept (the cursor's
# cache, for as long as they are applied).
BATCH_KEY = "cc_telephony.event_batch"


# What a call's card reads of it (see cc.call._cc_card).
CARD_FIELDS = [
    "unique_id",
    "state",
    "direction",
    "number_display",
    "number_e164",
    "partner_id",
    "queue_id",
    "service_type_id",
    "date_queued",
    "date_created",
    "failure_reason",
    "company_id",
]


class EventBatch:
    """What events applied together share: the records they name, each read
    once, and what is done once after the last of them (the queues' waiting
    counts, the notifications to the agents' tabs)."""

    def __init__(self):
        self.calls = {}  # Unique-ID: cc.call (empty: there is none)
        self.jobs = {}  # Job-UUID: cc.call
        self.agents = {}  # (company id, extension): hr.employee
        self.queues = {}  # (node id, name): cc.queue
        self.service_types = {}  # (company id, code): cc.service.type
        # agent id: their open cc.presence.log (or empty), or PresenceChange
        self.presence = {}
        self.presence_changes = []  # (agent, state, reason, when), in order
        self.contexts = None  # the node's inbound contexts
        self.queues_to_count = set()  # cc.queue ids
        self.handled_calls = set()  # cc.call ids whose contact to record
        self.offers = {}  # cc.call id: the hr.employee ids it is offered to
        # (agents, payload, customer): the notifications, in order; a card
        # (with a customer, maybe none) is completed with the customer's
        # requests and contacts at the end.
        self.messages = []
        # (caller's Unique-ID, agent id) whose cards were sent ahead
        self.popped = set()


# A presence change of events being applied, not written yet: what they read
# of the agent's presence meanwhile.
PresenceChange = namedtuple("PresenceChange", "state break_reason_id origin")


def event_time(event, header="Event-Date-Timestamp"):
    """An event's microsecond timestamp as the naive UTC datetime Odoo stores
    (to the second, as Odoo shows it: events a few milliseconds apart, in
    whatever order they come, give the same times)."""
    value = event.get(header)
    try:
        micros = int(value)
    except (TypeError, ValueError):
        return None
    if micros <= 0:
        return None
    return datetime.fromtimestamp(micros // 1000000, tz=timezone.utc).replace(
        tzinfo=None
    )


class CcCall(models.Model):
    """A customer's call, as FreeSWITCH reported it.

    It is keyed by the FreeSWITCH Unique-ID of the customer's leg (or, for a
    call the agent placed from Odoo, of the agent's leg Odoo chose). Every
    event is applied idempotently: dates are kept once, the state only moves
    forward, the handled contact and the callback request are made once, so
    duplicate, late or out-of-order events never double anything.
    """

    _name = "cc.call"
    _description = "Call"
    _order = "date_created desc, id desc"

    unique_id = fields.Char(string="FreeSWITCH Unique-ID", required=True, readonly=True)
    server_id = fields.Many2one(
        "cc.pbx.server",
        string="FreeSWITCH Node",
        required=True,
        readonly=True,
        index=True,
    )
    company_id = fields.Many2one(related="server_id.company_id", store=True, index=True)
    direction = fields.Selection(
        [("inbound", "Inbound"), ("outbound", "Outbound")], required=True, readonly=True
    )
    state = fields.Selection(
        STATES, default="ringing", required=True, index=True, readonly=True
    )
    number = fields.Char(
        string="Number as Received",
        readonly=True,
        help="The customer's number as FreeSWITCH gave it.",
    )
    number_e164 = fields.Char(string="Number", readonly=True, index=True)
    number_display = fields.Char(
        string="Number as Shown",
        compute="_compute_number_display",
        store=True,
        help="The number as people read it (+966 50 123 4567), formatted "
        "once when the call is recorded: the screen-pop shows it.",
    )
    partner_id = fields.Many2one("res.partner", string="Customer", index=True)
    agent_id = fields.Many2one("hr.employee", index=True, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        related="agent_id.user_id",
        store=True,
        index=True,
        string="Agent User",
    )
    supervisor_user_id = fields.Many2one(
        "res.users", related="agent_id.parent_id.user_id", store=True, index=True
    )
    queue_id = fields.Many2one("cc.queue", readonly=True, index=True)
    service_type_id = fields.Many2one("cc.service.type")
    date_created = fields.Datetime(string="Started", readonly=True, index=True)
    date_queued = fields.Datetime(string="Queued", readonly=True)
    date_offered = fields.Datetime(string="Offered", readonly=True)
    date_answered = fields.Datetime(
        string="Answered",
        readonly=True,
        help="When the agent and the customer were connected.",
    )
    date_ended = fields.Datetime(string="Ended", readonly=True)
    wait = fields.Integer(
        string="Wait (s)",
        compute="_compute_durations",
        store=True,
        aggregator="avg",
        help="From the queue (or the start) to the agent, or to the end for a "
        "call no agent took.",
    )
    talk = fields.Integer(
        string="Talk (s)", compute="_compute_durations", store=True, aggregator="avg"
    )
    hangup_cause = fields.Char(readonly=True)
    abandoned = fields.Boolean(
        readonly=True,
        index=True,
        help="The caller hung up in the queue before an agent answered.",
    )
    callback_requested = fields.Boolean(
        readonly=True,
        help="The caller pressed the callback key in the queue: they are called "
        "back and keep their place (not abandoned).",
    )
    failure_reason = fields.Char(
        readonly=True, help="Why a call placed from Odoo failed."
    )
    job_uuid = fields.Char(readonly=True, index="btree_not_null", copy=False)
    recording_path = fields.Char(readonly=True, groups="base.group_system")
    has_recording = fields.Boolean(compute="_compute_has_recording")
    recording_notice = fields.Boolean(
        readonly=True,
        help="The caller was told the call is recorded (PDPL), before the "
        "recording started.",
    )
    recording_deleted = fields.Datetime(readonly=True)
    ticket_ids = fields.Many2many(
        "cc.ticket", "cc_call_ticket_rel", "call_id", "ticket_id", string="Requests"
    )
    callback_ticket_id = fields.Many2one("cc.ticket", string="Callback", readonly=True)
    interaction_id = fields.Many2one(
        "cc.interaction", string="Handled Contact", readonly=True
    )
    date_agent_answered = fields.Datetime(
        string="Agent Picked Up",
        readonly=True,
        help="Calls placed from Odoo: when the agent's phone answered, before "
        "the customer was called.",
    )
    offered_agent_ids = fields.Many2many(
        "hr.employee",
        "cc_call_offered_agent_rel",
        "call_id",
        "employee_id",
        string="Offered To",
        readonly=True,
        help="The agents whose phone rang for this call.",
    )
    agent_leg = fields.Char(
        readonly=True,
        help="The FreeSWITCH Unique-ID of the leg of the agent now with the caller.",
    )
    transfer_ids = fields.One2many(
        "cc.call.transfer", "call_id", string="Transfers", readonly=True
    )
    transferred = fields.Boolean(
        readonly=True,
        index=True,
        help="The caller was passed to another agent or queue during the call.",
    )
    res_model = fields.Char(readonly=True, help="The record the call was placed from.")
    res_id = fields.Many2oneReference(model_field="res_model", readonly=True)

    _sql_constraints = [
        ("unique_id_unique", "unique(unique_id)", "A call is recorded once."),
    ]

    def init(self):
        # A double click on a number, or two tabs dialing at once: one call
        # being dialed per agent (see action_dial).
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS cc_call_one_dialing_per_agent
            ON cc_call (agent_id)
            WHERE direction = 'outbound' AND state = 'dialing'
            """
        )

    def write(self, vals):
        # What FreeSWITCH reported is the system's to write (the listener and
        # click-to-dial run as superuser); people only link the call.
        forbidden = set(vals) - USER_WRITABLE
        if forbidden and not self.env.su:
            raise AccessError(
                self.env._(
                    "Only the phone system changes a call's %(fields)s.",
                    fields=", ".join(sorted(forbidden)),
                )
            )
        return super().write(vals)

    @api.depends("date_created", "date_queued", "date_answered", "date_ended")
    def _compute_durations(self):
        for call in self:
            start = call.date_queued or call.date_created
            until = call.date_answered or call.date_ended
            call.wait = (
                max(0, int((until - start).total_seconds())) if start and until else 0
            )
            call.talk = (
                max(0, int((call.date_ended - call.date_answered).total_seconds()))
                if call.date_answered and call.date_ended
                else 0
            )

    @api.depends("number_e164", "number", "company_id")
    def _compute_number_display(self):
        for call in self:
            call.number_display = (
                call._cc_international(call.number_e164)
                or call.number_e164
                or call.number
                or False
            )

    def _compute_has_recording(self):
        for call in self:
            call.has_recording = (
                bool(call.sudo().recording_path) and not call.recording_deleted
            )

    @api.depends("number_e164", "number", "partner_id")
    def _compute_display_name(self):
        for call in self:
            who = call.partner_id.name or call.number_e164 or call.number or "?"
            call.display_name = f"{who} — {call.date_created or ''}"

    # ------------------------------------------------------------------
    # Normalizing numbers and finding customers
    # ------------------------------------------------------------------

    @api.model
    def _cc_normalize(self, number, company):
        """``number`` in E.164 (the company's country for national numbers), or
        False when it is not a phone number (an extension, "anonymous")."""
        if not number:
            return False
        country = company.country_id or self.env.ref("base.sa")
        digits = "".join(ch for ch in number if ch.isdigit() or ch == "+")
        if len(digits.lstrip("+")) < 6:
            return False
        return self.env["res.partner"]._phone_format(
            number=number, country=country, force_format="E164"
        )

    # ------------------------------------------------------------------
    # Applying FreeSWITCH events
    # ------------------------------------------------------------------

    @api.model
    def _cc_apply_event(self, server, event, known=None):
        """Applies one event of ``server`` (a mapping of its headers). Returns
        the call it concerned, if any (see _cc_apply_events)."""
        return self._cc_apply_events(server, [event], known)[0]

    @api.model
    def _cc_apply_events(self, server, events, known=None, popped=None):
        """Applies events of ``server`` (mappings of their headers) in their
        order, as one piece of work (the listener's transaction). Returns the
        call each concerned, or an empty recordset.

        The calls, agents and queues they name are read once for all of them,
        the calls they begin created together; what concerns them all is
        written once, after the last of them: the agents' presence changes,
        the offers, the notifications to the agents' tabs (the cards' open
        requests and last contacts read together), the handled contacts and
        the queues' waiting counts.

        ``known``: the listener's memory of the Unique-IDs of live calls (a
        set it keeps, completed here as calls are found). With it, the many
        events of legs that are nobody's call (towards agents' phones, inside
        FreeSWITCH) are told apart without a query.

        ``popped``: the (caller's Unique-ID, agent id) whose cards were sent
        ahead (see _cc_pop_ahead): their offers push none."""
        cache = self.env.cr.cache
        if BATCH_KEY in cache:
            return [self._cc_apply_one(server, event, known) for event in events]
        batch = cache[BATCH_KEY] = EventBatch()
        batch.popped = popped or set()
        try:
            self._cc_prefetch(server, events, known, batch)
            calls = []
            for event in events:
                call = self._cc_apply_one(server, event, known)
                if known is not None:
                    for unique_id in call.mapped("unique_id"):
                        known.add(unique_id)
                calls.append(call)
            self._cc_write_presence()
            self._cc_record_offers(batch.offers)
            # The cards first: the contacts recorded now are these calls'.
            self._cc_send_all(batch.messages)
            self.browse(sorted(batch.handled_calls))._cc_record_interactions()
            if batch.queues_to_count:
                self.env["cc.queue"].browse(sorted(batch.queues_to_count))._cc_waiting()
        finally:
            del cache[BATCH_KEY]
        return calls

    @api.model
    def _cc_pop_ahead(self, server, events, notify=None):
        """Sends the cards of the calls that ``events`` offer to agents, ahead
        of applying them: the listener commits this, then applies the events
        (whose offers then push no card again, see _cc_apply_events). The
        agents' screens pop up while the offers are recorded.

        Only a call the events do not change before its offer is popped
        ahead: recorded, waiting in its queue or offered to another agent,
        not answered, its queue and service type as its offer leaves them.
        Its card is then the one its offer would push. The others are pushed
        as their offer is applied. Returns the popped (caller's Unique-ID,
        agent id). The cards go through Odoo's bus, written at once (see
        _cc_bus_write; ``notify`` as there)."""
        offers = offers_ahead(events)
        if not offers:
            return set()
        batch = EventBatch()
        legs = {event["CC-Member-Session-UUID"] for event in offers}
        batch.calls = dict.fromkeys(legs, self.browse())
        # What the cards show, and nothing more: this is the screen-pop's
        # latency.
        calls = self.search_fetch(
            [
                ("unique_id", "in", list(legs)),
                ("state", "in", ("queued", "offering")),
                ("date_answered", "=", False),
            ],
            CARD_FIELDS,
        )
        for call in calls:
            batch.calls[call.unique_id] = call
        self._cc_prefetch_agents(server, offers, batch, for_cards=True)
        calls.partner_id.fetch(["name"])
        cache = self.env.cr.cache
        cache[BATCH_KEY] = batch
        popped = set()
        try:
            for event in offers:
                leg = event["CC-Member-Session-UUID"]
                call = batch.calls[leg]
                agent = self._cc_agent(server, event.get("CC-Agent"))
                queue = batch.queues.get((server.id, event.get("CC-Queue")))
                if (
                    not call
                    or not agent.user_id
                    or not queue
                    or (leg, agent.id) in popped
                ):
                    continue
                values = call._cc_queue_values(server, event, queue)
                if values.get("queue_id", call.queue_id.id) != call.queue_id.id or (
                    values.get("service_type_id", call.service_type_id.id)
                    != call.service_type_id.id
                ):
                    continue
                card = dict(call._cc_card(), state="offering")
                batch.messages.append((agent, card, call.partner_id))
                popped.add((leg, agent.id))
            self._cc_bus_write(self._cc_complete_cards(batch.messages), notify)
        finally:
            del cache[BATCH_KEY]
        return popped

    @api.model
    def _cc_bus_write(self, notifications, notify=None):
        """Sends ``notifications`` ([(res.users, payload)], type
        cc_telephony/call) to the users' tabs as bus.bus._sendone does (the
        same rows, read by the same websockets), with one INSERT rather than
        the ORM's create of each row, and told to Odoo's websocket servers
        once committed by ``notify(channels)`` (the listener's connection to
        the ``postgres`` database, kept open) or, by default, as the bus does
        (a new connection each time, which Odoo's pool does not keep). The
        screen-pop's path: a few milliseconds less for each notified
        transaction."""
        if not notifications:
            return
        dbname = self.env.cr.dbname
        rows, channels = [], []
        for user, payload in notifications:
            channel = channel_with_db(dbname, user._bus_channel())
            message = {"type": "cc_telephony/call", "payload": payload}
            rows.append(
                SQL(
                    "(%s, %s, %s, %s, %s, %s)",
                    json_dump(channel),
                    json_dump(message),
                    self.env.uid,
                    self.env.uid,
                    self.env.cr.now(),
                    self.env.cr.now(),
                )
            )
            if channel not in channels:
                channels.append(channel)
        self.env.cr.execute(
            SQL(
                "INSERT INTO bus_bus (channel, message, create_uid, write_uid, "
                "create_date, write_date) VALUES %s",
                SQL(", ").join(rows),
            )
        )
        self.env.cr.postcommit.add(lambda: (notify or bus_notify)(channels))

    def _cc_apply_one(self, server, event, known):
        name = event.get("Event-Name") or ""
        if known is not None and name.startswith("CHANNEL_"):
            if not self._cc_concerns_known_call(server, event, known):
                return self.browse()
        if name == "CUSTOM" and event.get("Event-Subclass") == "callcenter::info":
            return self._cc_on_callcenter(server, event)
        if name == "BACKGROUND_JOB":
            return self._cc_on_job(server, event)
        if name in CHANNEL_EVENTS:
            return self._cc_on_channel(server, event)
        return self.browse()

    def _cc_batch(self):
        """The EventBatch of the events being applied, if any."""
        return self.env.cr.cache.get(BATCH_KEY)

    def _cc_prefetch(self, server, events, known, batch):
        """Reads at once the calls, the background jobs, the agents and the
        queues that ``events`` name (a query each), and records together the
        calls they begin."""
        self._cc_prefetch_calls(server, events, known, batch)
        jobs = {
            e.get("Job-UUID") for e in events if e.get("Event-Name") == "BACKGROUND_JOB"
        }
        jobs -= {None, ""}
        if jobs:
            found = {}
            for call in self.search([("job_uuid", "in", list(jobs))]):
                found.setdefault(call.job_uuid, call)
            batch.jobs = {job: found.get(job, self.browse()) for job in jobs}
        custom = [event for event in events if event.get("Event-Name") == "CUSTOM"]
        self._cc_prefetch_agents(server, custom, batch)

    def _cc_prefetch_agents(self, server, custom, batch, for_cards=False):
        """Reads at once the agents and the queues that the mod_callcenter
        events ``custom`` name (a query each): ``for_cards``, only what the
        cards sent ahead read of them (see _cc_pop_ahead); otherwise whole,
        with their users' partners."""
        extensions = {self._cc_extension(event.get("CC-Agent")) for event in custom}
        extensions -= {""}
        if extensions:
            company = server.company_id.id
            Employee = self.env["hr.employee"].sudo()
            batch.agents = {(company, ext): Employee for ext in extensions}
            domain = [
                ("cc_extension", "in", list(extensions)),
                ("is_cc_agent", "=", True),
                ("company_id", "=", company),
            ]
            if for_cards:
                agents = Employee.search_fetch(domain, ["cc_extension", "user_id"])
            else:
                agents = Employee.search(domain)
            for agent in agents:
                batch.agents[(company, agent.cc_extension)] = agent
            if not for_cards:
                # Their users (and supervisors'), read together: they are told
                # of calls and states.
                (agents.user_id | agents.parent_id.user_id).fetch(["partner_id"])
        queues = {event.get("CC-Queue") for event in custom} - {None, ""}
        if queues:
            Queue = self.env["cc.queue"].sudo().with_context(active_test=False)
            found = Queue.search_fetch(
                [("name", "in", list(queues)), ("server_id", "=", server.id)],
                ["name", "label", "service_type_id"] if for_cards else [],
            )
            batch.queues = {(server.id, queue.name): queue for queue in found}

    def _cc_prefetch_calls(self, server, events, known, batch):
        """The calls ``events`` name (those of the callers' legs, of the
        queues' members, and the legs next to them), read in one query; those
        they begin, created together."""
        unique_ids, channels = set(), []
        for event in events:
            name = event.get("Event-Name") or ""
            if name == "CUSTOM":
                unique_ids.add(event.get("CC-Member-Session-UUID"))
            elif name.startswith("CHANNEL_"):
                if known is None or self._cc_is_customer_leg(server, event):
                    unique_ids.add(event.get("Unique-ID"))
                channels.append(event)
        # The legs of those calls, and of the calls the listener knows.
        for event in channels:
            legs = (event.get("Unique-ID"), event.get("Other-Leg-Unique-ID"))
            if (
                known is None
                or event.get("variable_cc_call_id")
                or any(leg in unique_ids or leg in known for leg in legs)
            ):
                unique_ids.update(legs)
        unique_ids -= {None, ""}
        if not unique_ids:
            return
        batch.calls = dict.fromkeys(unique_ids, self.browse())
        for call in self.search([("unique_id", "in", list(unique_ids))]):
            batch.calls[call.unique_id] = call
        firsts = {}
        for event in events:
            unique_id = self._cc_recorded_leg(server, event)
            if unique_id and not batch.calls.get(unique_id):
                firsts.setdefault(unique_id, event)
        if firsts:
            self._cc_create_calls(server, firsts)

    def _cc_recorded_leg(self, server, event):
        """The Unique-ID of the caller's leg that ``event`` records a call for
        (when there is none yet), if it does."""
        name = event.get("Event-Name")
        if name == "CUSTOM":
            if (
                event.get("Event-Subclass") == "callcenter::info"
                and event.get("CC-Action") in MEMBER_ACTIONS
            ):
                return event.get("CC-Member-Session-UUID")
        elif name in CHANNEL_EVENTS and self._cc_is_customer_leg(server, event):
            return event.get("Unique-ID")
        return None

    def _cc_concerns_known_call(self, server, event, known):
        """Whether a channel event may concern a call: the caller's leg, a
        leg of a call Odoo placed (it carries cc_call_id), or a leg of or
        next to a call the listener knows."""
        return (
            self._cc_is_customer_leg(server, event)
            or event.get("variable_cc_call_id")
            or event.get("Unique-ID") in known
            or event.get("Other-Leg-Unique-ID") in known
        )

    def _cc_find(self, unique_id):
        if not unique_id:
            return self.browse()
        batch = self._cc_batch()
        if batch is not None and unique_id in batch.calls:
            return batch.calls[unique_id].with_env(self.env)
        call = self.search([("unique_id", "=", unique_id)], limit=1)
        if batch is not None:
            batch.calls[unique_id] = call
        return call

    def _cc_create_from(self, server, event, unique_id):
        """The customer's call first seen on ``event`` (usually its channel's
        creation, but any event of the caller's leg or of its queue will do:
        a listener started mid-call, or events out of order, still record
        it). Another listener may record it at the same time: the unique key
        keeps it single (this transaction fails; the listener applies its
        events again one by one, and finds the call)."""
        return self._cc_create_calls(server, {unique_id: event})

    def _cc_create_calls(self, server, firsts):
        """The calls of ``firsts`` ({Unique-ID: the first event of the call}),
        created together, their callers found in one query (see
        _cc_create_from)."""
        numbers = {
            unique_id: event.get("CC-Member-CID-Number")
            if event.get("Event-Name") == "CUSTOM"
            else event.get("Caller-Caller-ID-Number")
            for unique_id, event in firsts.items()
        }
        e164s = {
            unique_id: self._cc_normalize(number, server.company_id)
            for unique_id, number in numbers.items()
        }
        partners = self.env["res.partner"]._cc_find_by_numbers(e164s.values())
        vals_list = []
        for unique_id, event in firsts.items():
            values = {
                "unique_id": unique_id,
                "server_id": server.id,
                "direction": "inbound",
                "number": numbers[unique_id],
                "number_e164": e164s[unique_id],
                "partner_id": partners.get(
                    e164s[unique_id], self.env["res.partner"]
                ).id,
                "date_created": self._cc_date_created(event, unique_id),
                "service_type_id": self._cc_service_type(server, event).id,
            }
            vals_list.append({key: value for key, value in values.items() if value})
        calls = self.create(vals_list)
        batch = self._cc_batch()
        if batch is not None:
            batch.calls.update(zip(firsts, calls, strict=False))
        return calls

    @staticmethod
    def _cc_date_created(event, unique_id):
        """When the caller's channel was created, as far as ``event`` tells:
        its caller profile when the event is about that channel, else when
        the caller joined the queue, else the event's own time."""
        if event.get("Unique-ID") == unique_id:
            created = event_time(event, "Caller-Channel-Created-Time")
            if created:
                return created
        joined = event.get("CC-Member-Joined-Time")
        if joined and joined.isdigit() and int(joined) > 0:
            return event_time({"t": str(int(joined) * 1000000)}, "t")
        return event_time(event)

    def _cc_service_type(self, server, event):
        """The service type the caller chose in the voice menu (channel variable
        cc_service_type, a service type code), if any."""
        code = event.get("variable_cc_service_type")
        ServiceType = self.env["cc.service.type"]
        if not code:
            return ServiceType
        batch = self._cc_batch()
        key = (server.company_id.id, code)
        if batch is not None and key in batch.service_types:
            return batch.service_types[key]
        service_type = ServiceType.search(
            [("code", "=", code), ("company_id", "in", (server.company_id.id, False))],
            limit=1,
        )
        if batch is not None:
            batch.service_types[key] = service_type
        return service_type

    def _cc_international(self, e164):
        """The E.164 number ``e164`` formatted for people (see international)."""
        if not e164:
            return False
        country = self.company_id.country_id or self.env.company.country_id
        return international(e164, country.code, country.phone_code)

    def _cc_is_customer_leg(self, server, event):
        if event.get("Call-Direction") != "inbound":
            return False
        batch = self._cc_batch()
        contexts = batch and batch.contexts
        if contexts is None:
            contexts = {
                c.strip()
                for c in (server.inbound_contexts or "").split(",")
                if c.strip()
            }
            if batch is not None:
                batch.contexts = contexts
        return (
            event.get("Caller-Context") in contexts
            and event.get("variable_cc_side") != "agent"
        )

    def _cc_advance(self, state, values=None):
        """Writes ``values`` and moves to ``state`` unless the call is further.

        Whatever order the events come in, and however often: the state only
        moves forward, and each date keeps the earliest time reported (a
        repeated or late event does not move it)."""
        values = dict(values or {})
        if STATE_RANK[state] > STATE_RANK[self.state]:
            values["state"] = state
        for key, value in list(values.items()):
            current = self.sudo()[key]
            if key.startswith("date_"):
                if not value or (current and current <= value):
                    del values[key]
            elif key != "state":
                if isinstance(current, models.BaseModel):
                    current = current.id
                if current == value:
                    del values[key]  # unchanged: not written again
        if values:
            self.sudo().write(values)
        return "state" in values

    def _cc_take_service_type(self, server, event):
        """The service type the caller chose in the voice menu, when the event
        carries it (it is set after the menu: on the queue's events, the
        bridge, the hang-up), over the queue's default."""
        chosen = self._cc_service_type(server, event)
        if chosen and chosen != self.service_type_id:
            self.sudo().write({"service_type_id": chosen.id})

    def _cc_on_channel(self, server, event):
        name = event.get("Event-Name")
        unique_id = event.get("Unique-ID")
        when = event_time(event)
        call = self._cc_find(unique_id)
        if not call and self._cc_is_customer_leg(server, event):
            call = self._cc_create_from(server, event, unique_id)
        if not call:
            return self._cc_on_other_leg(server, event)
        if call.direction == "inbound":
            call._cc_take_service_type(server, event)
        if name == "CHANNEL_ANSWER":
            if call.direction == "outbound" and not call.date_agent_answered:
                # The agent picked up: FreeSWITCH now calls the customer.
                call._cc_advance("dialing", {"date_agent_answered": when})
        elif name == "CHANNEL_BRIDGE":
            call._cc_on_bridge(event.get("Other-Leg-Unique-ID"), when)
        elif name == "CHANNEL_HANGUP_COMPLETE":
            call._cc_catch_up_answer(server, event)
            values = {
                "date_created": self._cc_date_created(event, unique_id),
                "date_ended": event_time(event, "Caller-Channel-Hangup-Time") or when,
                "hangup_cause": call.hangup_cause or event.get("Hangup-Cause"),
            }
            path = event.get("variable_cc_recording_path")
            if path:
                values["recording_path"] = path
            if event.get("variable_cc_recording_notice") in ("true", "1", "yes"):
                values["recording_notice"] = True
            if call.direction == "inbound" and not call.date_answered:
                if self._cc_wants_callback(event):
                    values.update(callback_requested=True, abandoned=False)
                elif event.get("variable_cc_cause") == "cancel":
                    # mod_callcenter's mark on a caller who left the queue
                    # unanswered (cc_cause; "answered" otherwise): the queue's
                    # member-queue-end may have been missed.
                    values["abandoned"] = True
            state = "ended"
            if call.direction == "outbound" and not call.date_answered:
                state = "failed"
                leg = "customer" if call.date_agent_answered else "agent"
                values["failure_reason"] = call.failure_reason or self._cc_failure_text(
                    event.get("Hangup-Cause"), leg
                )
            changed = call._cc_advance(state, values)
            call._cc_transfers().filtered(lambda t: t.state == "pending").write(
                {"state": "lost"}
            )
            call._cc_finish()
            call._cc_agent_after_call()
            if changed:
                call._cc_push()
        return call

    def _cc_on_bridge(self, leg, when):
        """The caller is bridged to the leg ``leg``: the agent's, or, when
        the call was answered already, maybe that of the agent it is
        transferred to."""
        if self.date_answered and self._cc_bridged_to(leg, when):
            return  # a transfer (or a leg the caller already left)
        live = self.state not in ("ended", "failed")
        values = {"date_answered": when}
        if leg and not self.agent_leg:
            values["agent_leg"] = leg
        changed = self._cc_advance("talking", values)
        self._cc_record_interaction()
        if live:
            self._cc_agent_state("on_call")
        if changed:
            self._cc_push()

    def _cc_on_other_leg(self, server, event):
        """A leg that is not the customer's: the leg towards an agent's phone
        (a direct call, no queue), or the customer's side of a call placed
        from Odoo, whose failure says best why it failed."""
        other = self._cc_find(event.get("Other-Leg-Unique-ID"))
        if not other:
            return other
        name = event.get("Event-Name")
        if (
            name == "CHANNEL_CREATE"
            and other.direction == "inbound"
            and event.get("variable_cc_side") != "agent"
            and not other.agent_id
        ):
            agent = self._cc_agent_from_leg(server, event)
            if agent:
                other._cc_advance(
                    "offering",
                    {"agent_id": agent.id, "date_offered": event_time(event)},
                )
                other._cc_offered(agent)
                other._cc_push(full=True)
        elif (
            name == "CHANNEL_CREATE"
            and other.direction == "inbound"
            and event.get("variable_cc_side") != "agent"
            and other.date_answered
            and other.state == "talking"
        ):
            # The caller, already with an agent, is put through to another
            # agent's phone: a transfer (not a leg of before, told late).
            agent = self._cc_agent_from_leg(server, event)
            if (
                agent
                and agent != other.agent_id
                and (
                    other._cc_pending_transfer()
                    or other._cc_after_answer(event_time(event))
                )
            ):
                other._cc_transfer_offer(
                    agent, event.get("Unique-ID"), event_time(event)
                )
        elif name == "CHANNEL_HANGUP_COMPLETE" and other.direction == "inbound":
            # The phone of a colleague the caller was transferred to stops
            # ringing unanswered (the caller goes back to their queue): the
            # colleague's card goes.
            ringing = other._cc_transfers().filtered(
                lambda t: t.state == "pending" and t.to_leg == event.get("Unique-ID")
            )
            if ringing:
                other._cc_gone(ringing.to_agent_id)
                ringing.write({"to_agent_id": False, "to_leg": False})
        elif (
            name == "CHANNEL_HANGUP_COMPLETE"
            and other.direction == "outbound"
            and not other.date_answered
            and event.get("Hangup-Cause") not in (None, "", "NORMAL_CLEARING")
        ):
            other._cc_advance(
                "dialing",
                {
                    "failure_reason": self._cc_failure_text(
                        event.get("Hangup-Cause"), "customer"
                    ),
                    "hangup_cause": event.get("Hangup-Cause"),
                },
            )
        return other

    def _cc_agent_from_leg(self, server, event):
        extension = event.get("variable_dialed_user") or event.get(
            "Caller-Destination-Number"
        )
        return self._cc_agent(server, extension)

    @staticmethod
    def _cc_extension(agent_name):
        """The extension in a mod_callcenter agent name (1001@default) or an
        extension (1001), or "" when it has none."""
        extension = (agent_name or "").split("@")[0]
        return extension if extension.isdigit() else ""

    def _cc_agent(self, server, agent_name):
        """The agent behind a mod_callcenter agent name (1001@default) or an
        extension (1001)."""
        extension = self._cc_extension(agent_name)
        if not extension:
            return self.env["hr.employee"]
        batch = self._cc_batch()
        key = (server.company_id.id, extension)
        if batch is not None and key in batch.agents:
            return batch.agents[key]
        agent = (
            self.env["hr.employee"]
            .sudo()
            .search(
                [
                    ("cc_extension", "=", extension),
                    ("is_cc_agent", "=", True),
                    ("company_id", "=", server.company_id.id),
                ],
                limit=1,
            )
        )
        if batch is not None:
            batch.agents[key] = agent
        return agent

    def _cc_offered(self, agent):
        """``agent``'s phone rings for this call. While events are applied,
        the offers are recorded together once the last of them is."""
        if agent in self._cc_offered_agents():
            return
        batch = self._cc_batch()
        if batch is None:
            self.sudo().write({"offered_agent_ids": [Command.link(agent.id)]})
        else:
            batch.offers.setdefault(self.id, []).append(agent.id)

    def _cc_offered_agents(self):
        """The agents this call was offered to, those of the events being
        applied included."""
        batch = self._cc_batch()
        pending = batch.offers.get(self.id, []) if batch is not None else []
        return self.offered_agent_ids | self.offered_agent_ids.browse(pending)

    @api.model
    def _cc_record_offers(self, offers):
        """Records ``offers`` ({call id: agent ids}) in one statement: the ORM
        would write each call apart, and a burst of calls each offered to
        its own agent is when every millisecond counts."""
        if not offers:
            return
        rows = [
            SQL("(%s, %s)", call_id, agent_id)
            for call_id, agent_ids in offers.items()
            for agent_id in agent_ids
        ]
        self.env.cr.execute(
            SQL(
                "INSERT INTO cc_call_offered_agent_rel (call_id, employee_id) "
                "VALUES %s ON CONFLICT DO NOTHING",
                SQL(", ").join(rows),
            )
        )
        self.browse(offers).invalidate_recordset(["offered_agent_ids"])

    def _cc_on_callcenter(self, server, event):
        action = event.get("CC-Action")
        when = event_time(event)
        if action in ("agent-status-change", "agent-state-change"):
            self._cc_sync_agent_from_freeswitch(server, event)
            return self.browse()
        queue = self._cc_queue(server, event.get("CC-Queue"))
        if action == "members-count":
            # FreeSWITCH counts a caller being put through as still waiting:
            # the call log says who waits.
            self._cc_count_waiting(queue)
            return self.browse()
        member = event.get("CC-Member-Session-UUID")
        if not member or action not in MEMBER_ACTIONS:
            return self.browse()
        call = self._cc_find(member) or self._cc_create_from(server, event, member)
        # Written with what the action changes (or now if it changes nothing).
        values = call._cc_queue_values(server, event, queue)
        joined = (
            self._cc_date_created(event, "")
            if event.get("CC-Member-Joined-Time")
            else when
        )
        agent = self._cc_agent(server, event.get("CC-Agent"))
        if action not in ADVANCING_ACTIONS or (ADVANCING_ACTIONS[action] and not agent):
            call._cc_advance(call.state, values)
        live = call.state not in ("ended", "failed")
        if call._cc_on_transfer(server, event, queue, agent, when):
            return call
        changed = False
        if action == "member-queue-start":
            changed = call._cc_advance("queued", dict(values, date_queued=joined))
        elif action == "agent-offering" and agent:
            values.update(date_queued=joined, date_offered=when)
            batch = self._cc_batch()
            popped = batch is not None and (member, agent.id) in batch.popped
            call._cc_offer(agent, values, push=not popped)
            return call
        elif action == "bridge-agent-start" and agent:
            values.update(agent_id=agent.id, date_queued=joined, date_answered=when)
            if event.get("CC-Agent-UUID"):
                values["agent_leg"] = event["CC-Agent-UUID"]
            changed = call._cc_advance("talking", values)
            call._cc_offered(agent)
            call._cc_record_interaction()
            if live:
                call._cc_agent_state("on_call")
            self._cc_count_waiting(call.queue_id)
        elif action == "bridge-agent-fail" and agent:
            # The agent did not answer: their card goes, the queue tries on.
            call._cc_gone(agent)
            return call
        elif action == "bridge-agent-end" and agent:
            if agent == call.agent_id and not self._cc_agent_busy_elsewhere(
                agent, call
            ):
                call._cc_agent_state("wrap_up")
        elif action == "member-queue-end":
            values.update(date_queued=joined, date_ended=when)
            changed = call._cc_left_queue(server, event, values)
        if changed:
            call._cc_push()
        return call

    def _cc_left_queue(self, server, event, values):
        """mod_callcenter's member-queue-end: the call is over, answered (the
        answer is caught up if missed) or not (the caller gave up, or asked
        to be called back). Returns whether its state changed."""
        self._cc_catch_up_answer(server, event)
        if event.get("CC-Cause") == "Cancel" and not self.date_answered:
            if self._cc_wants_callback(event):
                values["callback_requested"] = True
            else:
                values["abandoned"] = True
        changed = self._cc_advance("ended", values)
        self._cc_finish()
        self._cc_count_waiting(self.queue_id)
        return changed

    def _cc_on_transfer(self, server, event, queue, agent, when):
        """A queue's event of a call being transferred (see _cc_transfer),
        applied; whether it was one."""
        action = event.get("CC-Action")
        if not self.date_answered:
            return False
        live = self.state not in ("ended", "failed")
        pending = self._cc_pending_transfer()
        if (
            action == "member-queue-start"
            and live
            and (pending or self._cc_after_answer(when, queue))
        ):
            # Sent to another queue (or back to one) while with an agent; not
            # the call's own start told late.
            self._cc_transfer(when, to_queue=queue)
        elif action == "agent-offering" and agent and live and pending:
            self._cc_transfer_offer(agent, event.get("CC-Agent-UUID"), when)
        elif action == "bridge-agent-start" and agent:
            # A transfer answered, or a leg the caller already left.
            return self._cc_bridged_to(event.get("CC-Agent-UUID"), when, agent)
        elif action == "member-queue-end" and self._cc_left_by_transfer(event):
            # The caller was transferred away from the queue's agent: the
            # queue's part is over, not the call.
            self._cc_transfer(when, event.get("CC-Agent-UUID"), from_agent=agent)
        else:
            return False
        self._cc_count_waiting(queue)
        return True

    def _cc_after_answer(self, when, queue=None):
        """Whether an event of time ``when`` (in ``queue``) came after the
        call was answered, rather than an earlier event told late: it is
        later than the answer (to the second Odoo keeps), or of another
        queue than the caller's."""
        current = self._cc_transfers()[-1:].to_queue_id or self.queue_id
        return bool(
            (when and self.date_answered and when > self.date_answered)
            or (queue and current and queue != current)
        )

    @staticmethod
    def _cc_left_by_transfer(event):
        """Whether mod_callcenter's member-queue-end comes of the caller being
        transferred away from the queue's agent (their channel goes on), not
        of the end of the call. The caller's channel's transfer history
        (variable_transfer_history: entries "epoch:uuid:kind:target", more
        than one as "ARRAY::" entries joined by "|:") then has a transfer
        (bl_xfer, att_xfer) after mod_callcenter's bridge to that agent's leg
        (uuid_br:<CC-Agent-UUID>); see fixtures/esl/callcenter_transfer_*."""
        history = event.get("variable_transfer_history") or ""
        agent_leg = event.get("CC-Agent-UUID")
        if not history or not agent_leg or event.get("CC-Cause") != "Terminated":
            return False
        entries = history.removeprefix("ARRAY::").split("|:")
        kinds = [entry.split(":") for entry in entries]
        bridged = [
            index
            for index, parts in enumerate(kinds)
            if len(parts) >= 4 and parts[2] == "uuid_br" and parts[3] == agent_leg
        ]
        return bool(bridged) and any(
            len(parts) >= 3 and parts[2] in ("bl_xfer", "att_xfer")
            for parts in kinds[bridged[-1] + 1 :]
        )

    def _cc_transfer(self, when, from_leg=None, from_agent=None, to_queue=None):
        """The caller leaves the agent of ``from_leg`` (the agent now with
        them by default) to be put through to another (``to_queue``: through
        that queue). Recorded once however often it is told: the transfer
        is that of the leg the caller left."""
        self.ensure_one()
        from_leg = from_leg or self.agent_leg or ""
        transfer = self.transfer_ids.filtered(lambda t: t.from_leg == from_leg)[:1]
        if not transfer and from_leg and from_leg != self.agent_leg:
            # The leg of an agent the caller left before: old news.
            previous = self.transfer_ids.filtered(lambda t: t.to_leg == from_leg)
            if previous and previous != self.transfer_ids[-1:]:
                return self.transfer_ids.browse()
        if not transfer:
            # The agent's contact is recorded now, while they are the call's.
            self._cc_record_interactions()
            transfer = (
                self.env["cc.call.transfer"]
                .sudo()
                .create(
                    {
                        "call_id": self.id,
                        "date": when,
                        "from_leg": from_leg,
                        "from_agent_id": (from_agent or self.agent_id).id,
                        "from_queue_id": (
                            self.transfer_ids[-1:].to_queue_id or self.queue_id
                        ).id,
                    }
                )
            )
            self.sudo().write({"transferred": True})
            self.invalidate_recordset(["transfer_ids"])
        values = {}
        if to_queue and not transfer.to_queue_id:
            values["to_queue_id"] = to_queue.id
        if when and (not transfer.date or when < transfer.date):
            values["date"] = when
        if values:
            transfer.write(values)
        return transfer

    def _cc_transfers(self):
        """The call's transfers, read only for a call that has some: the
        listener asks on every event of a call, and most calls have none."""
        return self.transfer_ids if self.transferred else self.transfer_ids.browse()

    def _cc_pending_transfer(self):
        return self._cc_transfers().filtered(lambda t: t.state == "pending")[-1:]

    def _cc_transfer_offer(self, agent, leg, when):
        """The caller, transferred, rings ``agent``'s phone (the leg ``leg``,
        if known): their screen pops up."""
        self.ensure_one()
        if leg and leg in self._cc_transfers().mapped("to_leg"):
            return  # told before
        transfer = self._cc_pending_transfer() or self._cc_transfer(when)
        if not transfer or transfer.state != "pending":
            return
        values = {"to_agent_id": agent.id}
        if leg:
            values["to_leg"] = leg
        if not transfer.date_offered:
            values["date_offered"] = when
        transfer.write(values)
        self._cc_offered(agent)
        self._cc_send(agent, dict(self._cc_card(), state="offering"), self.partner_id)

    def _cc_bridged_to(self, leg, when, agent=None):
        """A bridge of the caller, already answered, to the leg ``leg`` (of
        ``agent`` when the queue says so): a transfer answered, or old news
        (a leg the caller already left, a bridge told twice). Returns whether
        it was either; False for the bridge of the agent now on the call."""
        self.ensure_one()
        if not leg or leg == self.agent_leg:
            return False
        transfers = self._cc_transfers()
        if leg in transfers.mapped("from_leg") or leg in transfers.filtered(
            lambda t: t.state == "answered"
        ).mapped("to_leg"):
            return True
        transfer = (
            transfers.filtered(lambda t: t.state == "pending" and t.to_leg == leg)[:1]
            or self._cc_pending_transfer()
        )
        agent = agent or transfer.to_agent_id
        if not agent:
            return False
        if not transfer:
            if agent == self.agent_id:
                # The agent's own leg, told late: nothing moved.
                self.sudo().write({"agent_leg": leg})
                return True
            transfer = self._cc_transfer(when)
        self._cc_transfer_answered(transfer, agent, leg, when)
        return True

    def _cc_transfer_answered(self, transfer, agent, leg, when):
        """``agent`` took the transferred caller: the call is theirs from now
        on, with a handled contact of their own; the agent who transferred
        it closes its card."""
        transfer.write(
            {
                "state": "answered",
                "to_agent_id": agent.id,
                "to_leg": leg,
                "date_answered": when,
                "date_offered": transfer.date_offered or when,
            }
        )
        self.sudo().write({"agent_id": agent.id, "agent_leg": leg})
        self._cc_offered(agent)
        if agent.sudo().is_cc_agent:
            interaction = self.env["cc.interaction"]._record(
                [
                    {
                        "agent_id": agent.id,
                        "partner_id": self.partner_id.id,
                        "channel": "inbound_call",
                        "date_start": when,
                        "source_key": f"cc.call:{self.unique_id}:{leg}",
                        "source_model": self._name,
                        "source_id": self.id,
                    }
                ]
            )
            transfer.interaction_id = interaction
        if self.state not in ("ended", "failed"):
            self._cc_agent_state("on_call")
        self._cc_push(full=True)

    def _cc_catch_up_answer(self, server, event):
        """The end of a call says who answered it and when: should that have
        been missed (events lost with a listener killed while the agent was
        put through), it is recorded now, with the agent's handled contact.

        mod_callcenter's member-queue-end names the agent who answered
        (CC-Agent, CC-Agent-Answered-Time; CC-Cause Terminated), and the
        caller's hang-up carries the variables it set on the channel
        (cc_agent_bridged, cc_agent, cc_queue_answered_epoch, cc_queue,
        cc_queue_joined_epoch); for a call put straight through, the hang-up's
        bridge time says when (the agent is the one offered, if known)."""
        if self.direction != "inbound" or self.date_answered:
            return
        values = {}
        if event.get("Event-Name") == "CUSTOM":
            if event.get("CC-Cause") != "Terminated":
                return
            agent_name = event.get("CC-Agent")
            answered = epoch_time(event.get("CC-Agent-Answered-Time"))
        elif event.get("variable_cc_agent_bridged") == "true":
            agent_name = event.get("variable_cc_agent")
            answered = epoch_time(
                event.get("variable_cc_queue_answered_epoch")
            ) or event_time(event, "Caller-Channel-Bridged-Time")
            queue = self._cc_queue(server, event.get("variable_cc_queue"))
            values.update(self._cc_queue_values(server, event, queue))
            joined = epoch_time(event.get("variable_cc_queue_joined_epoch"))
            if joined:
                values["date_queued"] = joined
        else:
            agent_name = None
            answered = event_time(event, "Caller-Channel-Bridged-Time")
        if not answered:
            return
        agent = self._cc_agent(server, agent_name)
        values["date_answered"] = answered
        if agent:
            values["agent_id"] = agent.id
        self._cc_advance("talking", values)
        if agent:
            self._cc_offered(agent)
        self._cc_record_interaction()
        _logger.info(
            "Call %s: its answer was missed, recorded from its end (agent %s)",
            self.unique_id,
            agent_name or "-",
        )

    @staticmethod
    def _cc_wants_callback(event):
        """Whether the caller left the queue by pressing the callback key:
        mod_callcenter's member-queue-end says EXIT_WITH_KEY (cc_exit_keys),
        and the dialplan marks the channel cc_callback_requested=true (seen on
        the hang-up, should the queue's event be missed)."""
        return (
            event.get("CC-Cancel-Reason") == "EXIT_WITH_KEY"
            or event.get("variable_cc_callback_requested") == "true"
        )

    def _cc_offer(self, agent, values, push=True):
        """The queue rings ``agent``'s phone for this call: their screen pops
        up (unless ``push`` is false: it did already), unless the call was
        answered meanwhile (a late event)."""
        answered = self.date_answered
        if not answered:
            values["agent_id"] = agent.id
        self._cc_advance("offering", values)
        self._cc_offered(agent)
        if not answered and push:
            self._cc_push(agent, full=True)

    def _cc_queue_values(self, server, event, queue):
        """What an event of the call's ``queue`` says of it: the queue, and the
        service type the caller chose in the voice menu, over the queue's."""
        values = {}
        if queue and not self.queue_id:
            values["queue_id"] = queue.id
            values["service_type_id"] = (
                self.service_type_id.id or queue.service_type_id.id
            )
        chosen = self._cc_service_type(server, event)
        if chosen:
            values["service_type_id"] = chosen.id
        return values

    def _cc_agent_busy_elsewhere(self, agent, call):
        """Whether ``agent`` is already on another call (a late end of a bridge
        must not put them in wrap-up in the middle of the next one)."""
        return bool(
            self.sudo().search_count(
                [
                    ("agent_id", "=", agent.id),
                    ("state", "=", "talking"),
                    ("id", "!=", call.id),
                ],
                limit=1,
            )
        )

    def _cc_queue(self, server, name):
        if not name:
            return self.env["cc.queue"]
        batch = self._cc_batch()
        key = (server.id, name)
        if batch is not None and key in batch.queues:
            return batch.queues[key]
        Queue = self.env["cc.queue"].sudo().with_context(active_test=False)
        queue = Queue.search(
            [("name", "=", name), ("server_id", "=", server.id)], limit=1
        )
        if not queue:
            queue = Queue.create({"name": name, "server_id": server.id})
        if batch is not None:
            batch.queues[key] = queue
        return queue

    def _cc_count_waiting(self, queue):
        """The callers waiting in ``queue`` are counted again, once at the end
        of the events being applied."""
        batch = self._cc_batch()
        if batch is None:
            queue._cc_waiting()
        elif queue:
            batch.queues_to_count.update(queue.ids)

    def _cc_on_job(self, server, event):
        job = event.get("Job-UUID")
        if not job:
            return self.browse()
        batch = self._cc_batch()
        if batch is not None and job in batch.jobs:
            call = batch.jobs[job].with_env(self.env)
        else:
            call = self.search([("job_uuid", "=", job)], limit=1)
        if not call:
            return call
        body = (event.get("_body") or "").strip()
        if body.startswith("-ERR"):
            cause = body[4:].strip().split()[0] if body[4:].strip() else ""
            call.sudo()._cc_advance(
                "failed",
                {
                    "failure_reason": self._cc_failure_text(cause, "agent"),
                    "hangup_cause": cause,
                    "date_ended": event_time(event),
                },
            )
            call._cc_finish()
            call._cc_push()
        return call

    def _cc_failure_text(self, cause, leg="customer"):
        """Why a call placed from Odoo failed, for the agent: ``leg`` says
        which side failed, the agent's phone (rung first) or the customer's."""
        table = AGENT_LEG_FAILURES if leg == "agent" else CUSTOMER_LEG_FAILURES
        kind = table.get(cause or "")
        texts = {
            "phone": self.env._(
                "Your phone is not connected to the phone system (not registered): "
                "open your softphone or check your phone's connection."
            ),
            "agent_no_answer": self.env._(
                "You did not answer your phone, so the customer was not called."
            ),
            "agent_busy": self.env._(
                "Your phone is busy or set to do not disturb, so the customer was "
                "not called."
            ),
            "agent_rejected": self.env._(
                "Your phone rejected the call, so the customer was not called."
            ),
            "agent_hung_up": self.env._("You hung up before the customer answered."),
            "customer_no_answer": self.env._("The customer did not answer."),
            "customer_busy": self.env._("The customer's line is busy."),
            "customer_rejected": self.env._("The customer rejected the call."),
            "number": self.env._(
                "The customer's number does not exist or is not valid."
            ),
            "gateway": self.env._(
                "The phone line to the outside (the gateway) is down: tell your "
                "supervisor."
            ),
        }
        return texts.get(kind) or self.env._(
            "The call failed (%(cause)s).", cause=cause or self.env._("unknown reason")
        )

    # ------------------------------------------------------------------
    # Effects
    # ------------------------------------------------------------------

    def _cc_record_interaction(self):
        """The agent handled the customer: one contact in their ledger. While
        events are applied, it is recorded after the last of them, with the
        others."""
        self.ensure_one()
        if self.interaction_id or not self.agent_id.sudo().is_cc_agent:
            return
        batch = self._cc_batch()
        if batch is None:
            self._cc_record_interactions()
        else:
            batch.handled_calls.add(self.id)

    def _cc_record_interactions(self):
        """Records the contacts of these calls, together (see
        _cc_record_interaction)."""
        calls = self.filtered(
            lambda call: not call.interaction_id and call.agent_id.sudo().is_cc_agent
        )
        if not calls:
            return
        interactions = self.env["cc.interaction"]._record(
            [
                {
                    "agent_id": call.agent_id.id,
                    "partner_id": call.partner_id.id,
                    "channel": "inbound_call"
                    if call.direction == "inbound"
                    else "outbound_call",
                    "date_start": call.date_answered or fields.Datetime.now(),
                    "source_key": f"cc.call:{call.unique_id}",
                    "source_model": call._name,
                    "source_id": call.id,
                    # A bridge reported after the hang-up: the length is known.
                    "duration": call.talk if call.date_ended else 0,
                }
                for call in calls
            ]
        )
        for call, interaction in zip(calls, interactions, strict=True):
            call.sudo().interaction_id = interaction
            call._cc_interaction_length()

    def _cc_interaction_length(self):
        """The contacts' lengths, once the call is over: the agent's talk, or
        for a transferred call each agent's part (from their answer to the
        caller's leaving them, or to the end)."""
        if not self.date_ended:
            if self.interaction_id and self.talk:
                self._cc_set_length(self.interaction_id, self.talk)
            return
        # Each agent's part: from their answer to the caller's leaving them
        # (the next transfer), the last one's to the end of the call.
        transfers = self._cc_transfers().sorted(
            lambda t: (t.date or self.date_ended, t.id)
        )
        parts = [(self.interaction_id, self.date_answered)] + [
            (t.interaction_id, t.date_answered) for t in transfers
        ]
        ends = [t.date or self.date_ended for t in transfers] + [self.date_ended]
        for (interaction, start), end in zip(parts, ends, strict=True):
            if interaction and start and end >= start:
                self._cc_set_length(interaction, int((end - start).total_seconds()))

    @staticmethod
    def _cc_set_length(interaction, seconds):
        interaction = interaction.sudo()
        if seconds and interaction.duration != seconds and not interaction.locked:
            # Part of recording the contact (the length is known at its end),
            # not a change to keep in its trail.
            interaction.with_context(mail_notrack=True).write({"duration": seconds})

    def _cc_finish(self):
        """The call is over: the contact's length, the agent's state, a
        callback for a caller who gave up waiting or asked for one, and the
        outcome of a call placed for a callback."""
        self.ensure_one()
        self._cc_interaction_length()
        if (self.abandoned or self.callback_requested) and not self.callback_ticket_id:
            self._cc_create_callback()
        if self.res_model == "cc.callback":
            self.env["cc.callback"]._cc_call_ended(self)
        elif self.direction == "inbound" and self.date_answered and self.queue_id:
            self.env["cc.callback"]._cc_answered_meanwhile(self)

    def _cc_create_callback(self):
        """The callback (cc.callback) and its request: a number with a
        callback still to make in the queue joins that one's request."""
        callback = self.env["cc.callback"]._cc_from_call(self)
        if callback.ticket_id:
            self.sudo().write(
                {
                    "callback_ticket_id": callback.ticket_id.id,
                    "ticket_ids": [(4, callback.ticket_id.id)],
                }
            )
            return
        service = self.service_type_id or self.queue_id.service_type_id
        agent = self._cc_next_available_agent()
        if self.callback_requested:
            description = self.env._(
                "The caller asked to be called back after waiting %(seconds)s "
                "seconds in %(queue)s.",
                seconds=self.wait,
                queue=self.queue_id.display_name or "-",
            )
        else:
            description = self.env._(
                "The caller hung up after waiting %(seconds)s seconds in %(queue)s.",
                seconds=self.wait,
                queue=self.queue_id.display_name or "-",
            )
        ticket = (
            self.env["cc.ticket"]
            .sudo()
            .create(
                {
                    "subject": self.env._(
                        "Call back %(who)s",
                        who=self.partner_id.name
                        or self.number_e164
                        or self.number
                        or "?",
                    ),
                    "partner_id": self.partner_id.id,
                    "contact_phone": self.number_e164 or self.number,
                    "channel": "phone",
                    "service_type_id": service.id,
                    "owner_id": agent.id,
                    "queue_wait": self.wait,
                    "description": description,
                }
            )
        )
        self.sudo().write(
            {"callback_ticket_id": ticket.id, "ticket_ids": [(4, ticket.id)]}
        )
        if callback:
            callback.ticket_id = ticket
        if agent.user_id:
            ticket.activity_schedule(
                "mail.mail_activity_data_call",
                user_id=agent.user_id.id,
                summary=self.env._("Call the customer back"),
            )

    def _cc_next_available_agent(self):
        """The queue's agent who has been Available the longest."""
        agents = self.queue_id.agent_ids
        if not agents:
            return self.env["hr.employee"]
        self._cc_write_presence()
        logs = (
            self.env["cc.presence.log"]
            .sudo()
            .search(
                [
                    ("agent_id", "in", agents.ids),
                    ("date_end", "=", False),
                    ("state", "=", "available"),
                ],
                order="date_start",
                limit=1,
            )
        )
        return logs.agent_id

    def _cc_agent_after_call(self):
        """A call outside mod_callcenter (placed from Odoo, or put straight
        through to the agent's phone) is over: the agent is back to what they
        were doing before it. For queue calls, mod_callcenter's own state
        events do this (wrap-up, then waiting), unless the agent took the
        caller from a transfer straight to their phone (mod_callcenter never
        counted them on the call)."""
        self.ensure_one()
        agent = self.agent_id
        last = self._cc_transfers().filtered(lambda t: t.state == "answered")[-1:]
        through_queue = bool(last.to_queue_id) if last else bool(self.queue_id)
        if through_queue or not agent:
            return
        self._cc_write_presence()  # what comes before is read below
        current = self._cc_presence(agent)
        if not current or current.state != "on_call" or current.origin != "telephony":
            return
        if self._cc_agent_busy_elsewhere(agent, self):
            return
        before = (
            self.env["cc.presence.log"]
            .sudo()
            .search(
                [("agent_id", "=", agent.id), ("id", "!=", current.id)],
                order="date_start desc, id desc",
                limit=1,
            )
        )
        if before.state == "break":
            self._cc_set_presence(agent, "break", before.break_reason_id)
        else:
            self._cc_set_presence(agent, "available")

    def _cc_agent_state(self, state):
        """The phone system moved the agent (on a call, wrapping up)."""
        if self.agent_id:
            self._cc_set_presence(self.agent_id, state)

    def _cc_presence(self, agent):
        """The agent's current presence: their open log (or an empty
        recordset), read once while events are applied (the transaction sees
        no one else's change meanwhile), or the change they bring, not written
        yet (see _cc_set_presence)."""
        batch = self._cc_batch()
        if batch is not None and agent.id in batch.presence:
            return batch.presence[agent.id]
        # Those of all the agents the events name, read together.
        agents = agent.union(*(batch.agents.values() if batch is not None else ()))
        agents -= agents.browse(batch.presence if batch is not None else ())
        Presence = self.env["cc.presence.log"].sudo()
        current = Presence._cc_current(agents)
        if batch is None:
            return current.get(agent.id, Presence)
        for each in agents:
            batch.presence[each.id] = current.get(each.id, Presence)
        return batch.presence[agent.id]

    def _cc_set_presence(self, agent, state, reason=None):
        """The phone system moves ``agent`` to ``state`` (nothing to do when
        they are in it already). While events are applied, the changes are
        written together once the last is, or before anything reads them."""
        Reason = self.env["cc.break.reason"]
        reason = reason or Reason
        current = self._cc_presence(agent)
        if current and current.state == state and current.break_reason_id == reason:
            return
        batch = self._cc_batch()
        if batch is None:
            self.env["cc.presence.log"].sudo()._cc_set_state(
                agent, state, reason, origin="telephony"
            )
            return
        batch.presence_changes.append((agent, state, reason, fields.Datetime.now()))
        batch.presence[agent.id] = PresenceChange(
            state, reason if state == "break" else Reason, "telephony"
        )

    def _cc_write_presence(self):
        """Writes the presence changes of the events applied so far."""
        batch = self._cc_batch()
        if batch is None or not batch.presence_changes:
            return
        changes, batch.presence_changes = batch.presence_changes, []
        current = (
            self.env["cc.presence.log"]
            .sudo()
            ._cc_set_states(changes, origin="telephony")
        )
        for agent, *_change in changes:
            batch.presence[agent.id] = current[agent.id]

    def _cc_sync_agent_from_freeswitch(self, server, event):
        """mod_callcenter changed an agent's status or state by itself: Odoo
        follows what the phone system decides (a call, its wrap-up, a break
        after calls left unanswered), never against what the agent chose.
        A change Odoo asked for comes back as an event too: it changes
        nothing."""
        agent = self._cc_agent(server, event.get("CC-Agent"))
        if not agent:
            return
        current = self._cc_presence(agent)
        state = current.state if current else "offline"
        by_phone = bool(current) and current.origin == "telephony"
        status = event.get("CC-Agent-Status")
        fs_state = event.get("CC-Agent-State")
        if status == "Logged Out" and state != "offline":
            self._cc_set_presence(agent, "offline")
        elif status == "On Break" and state == "available":
            # mod_callcenter's max-no-answer: the agent's phone rang out.
            reason = self.env.ref("cc_agent.cc_break_reason_technical")
            self._cc_set_presence(agent, "break", reason)
        elif fs_state == "In a queue call" and state in ("available", "wrap_up"):
            self._cc_set_presence(agent, "on_call")
        elif fs_state == "Waiting" and (
            state == "on_call" or (state == "wrap_up" and by_phone)
        ):
            self._cc_set_presence(agent, "available")

    def _cc_pop_payload(self):
        """The call's whole card."""
        self.ensure_one()
        history = self._cc_customer_history(self.partner_id)
        return dict(self._cc_card(), **history[self.partner_id.id])

    def _cc_card(self):
        """The call's card but for its customer's requests and contacts (see
        _cc_customer_history)."""
        self.ensure_one()
        partner = self.partner_id
        if self.state in ("ringing", "queued", "offering"):
            # Still waiting: how long so far (the card counts on from here).
            start = self.date_queued or self.date_created
            now = fields.Datetime.now()
            wait = max(0, int((now - start).total_seconds())) if start else 0
        else:
            wait = self.wait
        return {
            "call_id": self.id,
            "state": self.state,
            "direction": self.direction,
            "number": self.number_display or "",
            "number_e164": self.number_e164 or False,
            "partner": {"id": partner.id, "name": partner.name} if partner else False,
            "queue": self.queue_id.display_name or False,
            "service_type": {
                "id": self.service_type_id.id,
                "name": self.service_type_id.name,
            }
            if self.service_type_id
            else False,
            "wait": wait,
            "failure_reason": self.failure_reason or False,
        }

    @api.model
    def _cc_customer_history(self, partners):
        """What a card shows of each of ``partners``: the open requests of
        their company (up to 5) and their last handled contacts (up to 5).
        {partner id: {"tickets": [...], "last_contacts": [...]}}, also for no
        partner (False). The same as one search of each per partner, in one
        query each for all of them."""
        partners = partners.sudo()
        history = {False: {"tickets": [], "last_contacts": []}}
        if not partners:
            return history
        companies = partners.commercial_partner_id
        tickets = self._cc_first_five(
            self.env["cc.ticket"].sudo(),
            companies,
            lambda company: [
                ("partner_id", "child_of", company.ids),
                ("stage", "in", ("new", "in_progress", "waiting", "escalated")),
            ],
            # child_of: the company or anyone under it.
            lambda ticket: self._cc_lineage(ticket.partner_id),
        )
        contacts = self._cc_first_five(
            self.env["cc.interaction"].sudo(),
            partners,
            lambda partner: [
                ("partner_id", "in", partner.ids),
                ("state", "=", "valid"),
            ],
            lambda interaction: interaction.partner_id.ids,
        )
        for partner in partners:
            history[partner.id] = {
                "tickets": [
                    {"id": t.id, "name": t.name, "subject": t.subject, "stage": t.stage}
                    for t in tickets[partner.commercial_partner_id.id]
                ],
                "last_contacts": [
                    {
                        "date": fields.Datetime.to_string(i.date_start),
                        "channel": i.channel,
                        "agent": i.agent_id.name,
                    }
                    for i in contacts[partner.id]
                ],
            }
        return history

    @staticmethod
    def _cc_lineage(partner):
        """The ids of ``partner`` and of those above it."""
        ids = []
        while partner:
            ids.append(partner.id)
            partner = partner.parent_id
        return ids

    @api.model
    def _cc_first_five(self, Model, owners, domain, owners_of):
        """{owner id: the first 5 records of ``Model`` (in its order) that
        ``domain(owner)`` finds}, for all ``owners`` in one search;
        ``owners_of(record)`` gives the ids of the owners a record found may
        be of. Should the search stop at its limit, the owners left short are
        searched alone."""
        limit = 5 * len(owners)
        found = Model.search(domain(owners), limit=limit)
        first = {owner.id: [] for owner in owners}
        for record in found:
            for owner_id in owners_of(record):
                if owner_id in first and len(first[owner_id]) < 5:
                    first[owner_id].append(record)
        if len(found) == limit:
            for owner in owners:
                if len(first[owner.id]) < 5:
                    first[owner.id] = list(Model.search(domain(owner), limit=5))
        return first

    def _cc_push(self, agents=None, full=False):
        """Tells the call's agent (every open tab of theirs) about it, or the
        given ``agents`` (those it is being offered to): the whole card when
        it is offered or placed (``full``), what changed afterwards. Once an
        agent took the call, or it ended, the other agents it was offered to
        are told it is gone, so that their card closes."""
        for call in self:
            targets = call.agent_id if agents is None else agents
            targets = targets.sudo().filtered("user_id")
            if targets:
                # A failure shows whole: it brings back a card the agent
                # closed, to say why.
                if full or call.state == "failed":
                    call._cc_send(targets, call._cc_card(), call.partner_id)
                else:
                    call._cc_send(targets, call._cc_update_payload())
            if call.state in ("talking", "ended", "failed"):
                call._cc_gone(call._cc_offered_agents() - call.agent_id)

    def _cc_update_payload(self):
        """What changes on a card already shown: its state and times."""
        self.ensure_one()
        return {
            "call_id": self.id,
            "update": True,
            "state": self.state,
            "wait": self.wait,
            "failure_reason": self.failure_reason or False,
        }

    def _cc_gone(self, agents):
        """Closes the call's card in the tabs of ``agents``."""
        self.ensure_one()
        targets = agents.sudo().filtered("user_id")
        if targets:
            self._cc_send(targets, {"call_id": self.id, "state": "gone"})

    @api.model
    def _cc_send(self, agents, payload, customer=None):
        """Sends ``payload`` to every open tab of ``agents`` (with a user). A
        card (``customer`` given, maybe empty) is completed with the
        customer's requests and contacts. While events are applied, once the
        last of them is."""
        message = (agents, payload, customer)
        batch = self._cc_batch()
        if batch is None:
            self._cc_send_all([message])
        else:
            batch.messages.append(message)

    @api.model
    def _cc_send_all(self, messages):
        for user, payload in self._cc_complete_cards(messages):
            user._bus_send("cc_telephony/call", payload)

    @api.model
    def _cc_complete_cards(self, messages):
        """[(res.users, payload)] of ``messages`` ([(agents, payload,
        customer)], see _cc_send), the cards completed with their customers'
        requests and contacts (read together)."""
        customers = self.env["res.partner"].union(
            *(customer for _agents, _payload, customer in messages if customer)
        )
        history = self._cc_customer_history(customers)
        notifications = []
        for agents, payload, customer in messages:
            if customer is not None:
                payload = dict(payload, **history[customer.id])
            notifications += [(agent.user_id, payload) for agent in agents]
        return notifications

    # ------------------------------------------------------------------
    # Click-to-dial
    # ------------------------------------------------------------------

    @staticmethod
    def _cc_clean_variable(value):
        """A channel variable's value as originate's {...} syntax accepts it."""
        return "".join(ch for ch in str(value) if ch not in "'\",{}\n\r")

    @api.model
    def action_dial(self, number, res_model=False, res_id=False):
        """Calls ``number`` for the current agent: FreeSWITCH rings the agent's
        phone first, then dials the customer through the gateway. Every reason
        it cannot is said plainly."""
        agent = self.env.user.employee_id.sudo()
        if not agent.is_cc_agent:
            raise UserError(
                self.env._("Only call center agents place calls from Odoo.")
            )
        if not agent.cc_extension:
            raise UserError(
                self.env._(
                    "%(agent)s has no FreeSWITCH agent ID: a manager must set it on "
                    "the agent's profile.",
                    agent=agent.name,
                )
            )
        server = self.env["cc.pbx.server"]._cc_server_for(agent)
        if not server:
            raise UserError(
                self.env._(
                    "No phone system (FreeSWITCH node) is enabled for your company."
                )
            )
        e164 = self._cc_normalize(number, server.company_id)
        if not e164:
            raise UserError(
                self.env._(
                    "%(number)s is not a valid phone number: check it on the record.",
                    number=number or "-",
                )
            )
        self._cc_check_not_dialing(agent)
        if not server.gateway:
            raise UserError(
                self.env._(
                    "The phone system %(node)s has no outbound gateway: a manager must "
                    "set it on the node.",
                    node=server.name,
                )
            )
        national = self.env["res.partner"]._phone_format(
            number=e164, country=server.company_id.country_id, force_format="NATIONAL"
        )
        customer_dial = server.dial_format.format(
            gateway=server.gateway,
            number=e164,
            national="".join(ch for ch in (national or e164) if ch.isdigit()),
        )
        agent_dial = server.agent_dial_string.format(extension=agent.cc_extension)
        unique_id = str(uuid.uuid4())
        job_uuid = str(uuid.uuid4())
        # Where the agent is reached now: the phone that must be registered is
        # their softphone's or SIP app's account, else the extension's desk
        # phone; a mobile through the gateway registers nothing.
        route = server._cc_agent_route(agent)
        registered_as = (
            f"{server.sip_profile}/{route['account'].username}@{server._cc_domain()}"
            if route["account"]
            else server._cc_sip_user(agent)
        )
        with server._cc_esl() as esl:
            if route["route"] != "mobile":
                contact = esl.api(f"sofia_contact {registered_as}").strip()
                if not contact or contact.startswith(("error/", "-ERR")):
                    raise UserError(
                        self._cc_failure_text("USER_NOT_REGISTERED", "agent")
                    )
            gateway = gateway_status(esl.api(f"sofia status gateway {server.gateway}"))
            if gateway == "unknown":
                raise UserError(
                    self.env._(
                        "The phone system does not know the gateway %(gateway)s: tell "
                        "your supervisor.",
                        gateway=server.gateway,
                    )
                )
            if gateway == "down":
                raise UserError(self._cc_failure_text("GATEWAY_DOWN"))
        partner = self.env["res.partner"]._cc_find_by_number(e164)[:1]
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                call = self.sudo().create(
                    {
                        "unique_id": unique_id,
                        "server_id": server.id,
                        "direction": "outbound",
                        "state": "dialing",
                        "number": number,
                        "number_e164": e164,
                        "partner_id": partner.id,
                        "agent_id": agent.id,
                        "date_created": fields.Datetime.now(),
                        "job_uuid": job_uuid,
                        "res_model": res_model or False,
                        "res_id": res_id or False,
                    }
                )
        except psycopg2.errors.UniqueViolation:
            # The same agent's other request got there first (same moment).
            self._cc_check_not_dialing(agent, committed=False)
        variables = {
            "origination_uuid": unique_id,
            "origination_caller_id_number": e164,
            "origination_caller_id_name": (partner.name or e164).replace(",", " "),
            "cc_call_id": call.id,
            "cc_side": "agent",
            "ignore_early_media": "true",
            "originate_timeout": "30",
        }
        channel_vars = ",".join(
            f"{key}='{self._cc_clean_variable(value)}'"
            for key, value in variables.items()
        )
        call._cc_originate_after_commit(
            f"originate {{{channel_vars}}}{agent_dial} &bridge({customer_dial})"
        )
        call._cc_push(full=True)
        return {"call_id": call.id, "number": e164}

    def _cc_check_not_dialing(self, agent, committed=True):
        """A second call while the agent's previous one is being dialed (a
        double click, another tab) is refused, naming it; a call left
        dialing for minutes (its events never came) no longer counts.
        ``committed=False``: the other call is not visible yet (it was being
        created at the same moment)."""
        Call = self.sudo()
        stale = fields.Datetime.now() - timedelta(minutes=DIALING_FOR_AT_MOST)
        forgotten = Call.search(
            [
                ("agent_id", "=", agent.id),
                ("direction", "=", "outbound"),
                ("state", "=", "dialing"),
                ("date_created", "<", stale),
            ]
        )
        for call in forgotten:
            call._cc_advance(
                "failed",
                {
                    "failure_reason": self.env._(
                        "The phone system never said how this call went."
                    ),
                    "date_ended": fields.Datetime.now(),
                },
            )
        dialing = Call.search(
            [
                ("agent_id", "=", agent.id),
                ("direction", "=", "outbound"),
                ("state", "=", "dialing"),
            ],
            limit=1,
        )
        if dialing or not committed:
            raise UserError(
                self.env._(
                    "You are already calling %(number)s: wait until that call is "
                    "answered or ends.",
                    number=dialing.number_e164
                    or dialing.number
                    or self.env._("a customer"),
                )
            )

    def _cc_originate_after_commit(self, command):
        """Sends the originate once the call is committed: FreeSWITCH's first
        events about it (a busy phone answers within milliseconds) must find
        it. If FreeSWITCH cannot be told, the call fails with the reason."""
        self.ensure_one()
        registry, call_id, server_id, job_uuid = (
            self.env.registry,
            self.id,
            self.server_id.id,
            self.job_uuid,
        )

        @self.env.cr.postcommit.add
        def originate():
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                call = env["cc.call"].browse(call_id)
                try:
                    with env["cc.pbx.server"].browse(server_id)._cc_esl() as esl:
                        esl.bgapi(command, job_uuid=job_uuid)
                except UserError as error:
                    _logger.warning("Call %s not placed: %s", call_id, error)
                    call._cc_advance(
                        "failed",
                        {
                            "failure_reason": str(error.args[0]),
                            "date_ended": fields.Datetime.now(),
                        },
                    )
                    call._cc_finish()
                    call._cc_push()

    # ------------------------------------------------------------------
    # From the screen-pop
    # ------------------------------------------------------------------

    def action_new_ticket(self):
        """A request for this call, with the caller, the queue's or the voice
        menu's service type, and the time they waited."""
        self.ensure_one()
        self.check_access("write")
        ticket = self.env["cc.ticket"].create(
            {
                "subject": self.env._(
                    "Call from %(who)s",
                    who=self.partner_id.name or self.number_e164 or self.number,
                ),
                "partner_id": self.partner_id.id,
                "contact_phone": self.number_e164 or self.number,
                "channel": "phone",
                "service_type_id": self.service_type_id.id
                or self.queue_id.service_type_id.id,
                "owner_id": self.agent_id.id,
                "queue_wait": self.wait,
                "stage": "in_progress",
                "call_ids": [(4, self.id)],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "cc.ticket",
            "res_id": ticket.id,
            "view_mode": "form",
            "views": [[False, "form"]],
        }

    def action_attach_ticket(self, ticket_id):
        """Links this call to one of the caller's open requests."""
        self.ensure_one()
        self.check_access("write")
        ticket = self.env["cc.ticket"].browse(ticket_id)
        ticket.check_access("write")
        ticket.write({"call_ids": [(4, self.id)]})
        return {
            "type": "ir.actions.act_window",
            "res_model": "cc.ticket",
            "res_id": ticket.id,
            "view_mode": "form",
            "views": [[False, "form"]],
        }

    def action_new_customer(self):
        """A new contact prefilled with the calling number."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "view_mode": "form",
            "views": [[False, "form"]],
            "target": "current",
            "context": {
                "default_phone": self.number_e164 or self.number,
                "cc_call_id": self.id,
            },
        }

    def action_open_customer(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "views": [[False, "form"]],
        }

    # ------------------------------------------------------------------
    # Recordings
    # ------------------------------------------------------------------

    def _cc_recording_file(self):
        """The recording's file on this server, inside the node's recordings
        folder (never a path outside it), or None. The dialplan gives the
        path relative to FreeSWITCH's recordings folder (cc_recording_path,
        e.g. 2026/11/29/<uuid>.wav); of an absolute path only the file name
        is kept."""
        self.ensure_one()
        call = self.sudo()
        root = call.server_id.recording_root
        if not (root and call.recording_path) or call.recording_deleted:
            return None
        relative = call.recording_path
        if os.path.isabs(relative):
            relative = os.path.basename(relative)
        base = os.path.realpath(root)
        path = os.path.realpath(os.path.join(base, relative))
        if os.path.commonpath([base, path]) != base or not os.path.isfile(path):
            return None
        return path

    def action_listen(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/cc_telephony/call/{self.id}/recording",
            "target": "new",
        }

    @api.model
    def _cron_purge_recordings(self):
        """Deletes recordings kept longer than their node's retention."""
        now = fields.Datetime.now()
        for server in (
            self.env["cc.pbx.server"]
            .sudo()
            .search([("recording_retention_days", ">", 0)])
        ):
            limit = now - timedelta(days=server.recording_retention_days)
            calls = self.sudo().search(
                [
                    ("server_id", "=", server.id),
                    ("recording_path", "!=", False),
                    ("recording_deleted", "=", False),
                    ("date_ended", "<", limit),
                ]
            )
            for call in calls:
                path = call._cc_recording_file()
                if path:
                    os.remove(path)
            calls.write({"recording_deleted": now})
            if calls:
                _logger.info(
                    "Deleted the recordings of %s calls of %s (kept %s days)",
                    len(calls),
                    server.name,
                    server.recording_retention_days,
                )

    @api.model
    def get_my_live_calls(self):
        """The current agent's calls still ringing or in progress: a tab opened
        during a call shows it too."""
        calls = self.search(
            [
                ("user_id", "=", self.env.uid),
                ("state", "in", ("queued", "offering", "dialing", "talking")),
            ],
            order="date_created desc",
            limit=5,
        )
        calls = calls.sudo()
        history = self._cc_customer_history(calls.partner_id)
        return [dict(call._cc_card(), **history[call.partner_id.id]) for call in calls]

    @api.model
    def _cc_reconcile(self, server, live_unique_ids, before=None, members=()):
        """After a (re)connection, Odoo's calls are made what FreeSWITCH says
        they are.

        The calls Odoo still believes live on ``server`` but FreeSWITCH no
        longer has ended while nobody listened: they are closed now rather
        than left "in progress" for ever. Only calls recorded ``before`` the
        connection (a minute ago by default) are considered: a call placed
        meanwhile is not in FreeSWITCH's list yet.

        The callers in the queues (``members``: rows of mod_callcenter's
        ``callcenter_config queue list members``, see member_rows) are
        rebuilt: a call Odoo missed is recorded, one put through to an agent
        meanwhile is answered by them (their handled contact, their state,
        the call on their screen). See _cc_rebuild_members."""
        self._cc_rebuild_members(server, members)
        limit = before or fields.Datetime.now() - timedelta(minutes=1)
        stale = self.search(
            [
                ("server_id", "=", server.id),
                ("state", "not in", ("ended", "failed")),
                ("unique_id", "not in", list(live_unique_ids)),
                ("create_date", "<=", limit),
            ]
        ).filtered(lambda call: call.create_date < limit)  # to the microsecond
        for call in stale:
            values = {
                "date_ended": fields.Datetime.now(),
                "hangup_cause": "LOST_WHILE_DISCONNECTED",
            }
            state = "ended"
            if call.direction == "outbound" and not call.date_answered:
                state = "failed"
                values["failure_reason"] = self.env._(
                    "The phone system lost track of this call while Odoo was not "
                    "listening: it did not go through."
                )
            elif call.queue_id and not call.date_answered:
                # Gone from a queue without an agent: the caller gave up; they
                # are called back.
                values["abandoned"] = True
            call._cc_advance(state, values)
            call._cc_finish()
            call._cc_agent_after_call()
        if stale:
            _logger.info(
                "Node %s: %s calls ended during a disconnection",
                server.name,
                len(stale),
            )
        return stale

    @api.model
    def _cc_rebuild_members(self, server, members):
        """The callers mod_callcenter has in its queues now, whatever Odoo
        missed of them: each row is told again as the queue's own events
        (member-queue-start; bridge-agent-start for a caller being served,
        agent-offering for one whose agent's phone rings) and applied as any
        event is. Applying them changes nothing where Odoo already knows, so
        the rebuild is safe to repeat."""
        sessions = [row.get("session_uuid") for row in members]
        answered = set(
            self.search(
                [
                    ("unique_id", "in", [s for s in sessions if s]),
                    ("date_answered", "!=", False),
                ]
            ).mapped("unique_id")
        )
        events = []
        for row in members:
            session = row.get("session_uuid")
            state = row.get("state")
            if not session or state not in ("Waiting", "Trying", "Answered"):
                continue  # gone (Abandoned), or a callback with no channel
            if session in answered:
                # Odoo knows more than the queue does (the agent now on the
                # call after a transfer, the queue still names the first).
                continue
            joined = row.get("joined_epoch") or row.get("system_epoch") or ""
            base = {
                "Event-Name": "CUSTOM",
                "Event-Subclass": "callcenter::info",
                "CC-Queue": row.get("queue"),
                "CC-Member-UUID": row.get("uuid"),
                "CC-Member-Session-UUID": session,
                "CC-Member-CID-Number": row.get("cid_number"),
                "CC-Member-CID-Name": row.get("cid_name"),
                "CC-Member-Joined-Time": joined,
                "Event-Date-Timestamp": f"{joined}000000" if joined.isdigit() else "",
            }
            events.append(dict(base, **{"CC-Action": "member-queue-start"}))
            agent = row.get("serving_agent")
            bridged = row.get("bridge_epoch") or ""
            if state == "Answered" and agent and bridged.isdigit() and int(bridged):
                events.append(
                    dict(
                        base,
                        **{
                            "CC-Action": "bridge-agent-start",
                            "CC-Agent": agent,
                            "CC-Agent-Answered-Time": bridged,
                            "Event-Date-Timestamp": f"{bridged}000000",
                        },
                    )
                )
            elif state == "Trying" and agent:
                now = int(datetime.now(timezone.utc).timestamp() * 1000000)
                events.append(
                    dict(
                        base,
                        **{
                            "CC-Action": "agent-offering",
                            "CC-Agent": agent,
                            "Event-Date-Timestamp": str(now),
                        },
                    )
                )
        if not events:
            return self.browse()
        calls = self.union(*self._cc_apply_events(server, events))
        # mod_callcenter's members-count, missed too: counted from the log.
        calls.queue_id.sudo()._cc_waiting()
        return calls

    # ------------------------------------------------------------------
    # Demo data
    # ------------------------------------------------------------------

    @api.model
    def _cc_demo_generate(self, seed=2026):
        """The calls behind the demo agents' handled calls (the same each time
        for a given seed), and callers who gave up waiting today."""
        rng = random.Random(seed)
        server = self.env.ref("cc_telephony.cc_pbx_server_compose_demo")
        queues = self.env["cc.queue"].search([("server_id", "=", server.id)])
        interactions = self.env["cc.interaction"].search(
            [
                ("source_key", "=like", "demo:%"),
                ("channel", "in", ("inbound_call", "outbound_call")),
            ],
            order="id",
        )
        vals_list = []
        for interaction in interactions:
            inbound = interaction.channel == "inbound_call"
            agent_queues = queues.filtered(
                lambda q, i=interaction: i.agent_id in q.agent_ids
            )
            queue = (
                rng.choice(agent_queues)
                if inbound and agent_queues
                else queues.browse()
            )
            number = (
                interaction.partner_id.phone_sanitized
                or "+9665%08d" % rng.randrange(10**8)
            )
            wait = rng.choice([4, 8, 15, 25, 40, 75, 130]) if inbound else 0
            answered = interaction.date_start
            vals_list.append(
                {
                    "unique_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "server_id": server.id,
                    "direction": "inbound" if inbound else "outbound",
                    "state": "ended",
                    "number": number,
                    "number_e164": number,
                    "partner_id": interaction.partner_id.id,
                    "agent_id": interaction.agent_id.id,
                    "offered_agent_ids": [(6, 0, interaction.agent_id.ids)],
                    "queue_id": queue.id,
                    "service_type_id": queue.service_type_id.id,
                    "date_created": answered - timedelta(seconds=wait + 6),
                    "date_queued": answered - timedelta(seconds=wait)
                    if queue
                    else False,
                    "date_offered": answered - timedelta(seconds=5),
                    "date_answered": answered,
                    "date_ended": answered + timedelta(seconds=interaction.duration),
                    "hangup_cause": "NORMAL_CLEARING",
                    "recording_notice": inbound,
                    "interaction_id": interaction.id,
                }
            )
        self.sudo().create(vals_list)
        # Today's callers who hung up in the queue: callback requests.
        now = fields.Datetime.now()
        abandoned = self.browse()
        for index in range(5):
            queue = queues[index % len(queues)] if queues else queues
            start = now - timedelta(minutes=20 + 35 * index)
            abandoned |= self.sudo().create(
                {
                    "unique_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "server_id": server.id,
                    "direction": "inbound",
                    "state": "ended",
                    "number": "05%08d" % rng.randrange(10**8),
                    "number_e164": "+9665%08d" % rng.randrange(10**8),
                    "queue_id": queue.id,
                    "service_type_id": queue.service_type_id.id,
                    "date_created": start,
                    "date_queued": start + timedelta(seconds=6),
                    "date_ended": start + timedelta(seconds=rng.randint(60, 300)),
                    "hangup_cause": "ORIGINATOR_CANCEL",
                    "abandoned": True,
                    "recording_notice": True,
                }
            )
        for call in abandoned:
            call._cc_create_callback()
        return len(vals_list) + len(abandoned)
