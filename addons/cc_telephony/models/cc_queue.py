import logging
import math
from collections import defaultdict
from datetime import datetime, time, timedelta
from time import monotonic

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from ..tools import kpi
from .cc_summons_episode import DEFAULT_AHT, ON_DUTY_STATES

_logger = logging.getLogger(__name__)

# The wait board's pings: at most one a second per company and database
# ({(database, company id): monotonic time of the last}), in this process
# (the listener's). A board refetches a second after the last ping it got, so
# a change whose ping was held back is in that refetch.
BOARD_PING_INTERVAL = 1.0
_last_board_ping = {}

BOARD_STATES = ("available", "on_call", "wrap_up", "break", "offline")


class CcQueue(models.Model):
    """A mod_callcenter queue of a FreeSWITCH node, mirrored in Odoo: which
    agents take its calls (its tiers), and what customers who call it want."""

    _name = "cc.queue"
    _description = "Call Queue"
    _order = "name"

    name = fields.Char(
        required=True,
        help="The queue's full name in FreeSWITCH, e.g. support@default.",
    )
    label = fields.Char(translate=True, help="What agents and supervisors read.")
    active = fields.Boolean(default=True)
    server_id = fields.Many2one(
        "cc.pbx.server", string="FreeSWITCH Node", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="server_id.company_id", store=True, index=True)
    service_type_id = fields.Many2one(
        "cc.service.type",
        string="Default Service Type",
        help="The service type a request taken from this queue starts with "
        "(unless the caller chose another in the voice menu).",
    )
    agent_ids = fields.Many2many(
        "hr.employee",
        "cc_queue_agent_rel",
        "queue_id",
        "employee_id",
        string="Agents",
        domain="[('is_cc_agent', '=', True)]",
        help="The agents logged into this queue when they are Available.",
    )

    # Service targets and how the queue is staffed (staffing, summons,
    # callbacks and the KPIs all read these).
    cc_sl_target = fields.Float(
        string="Service Level Target (%)",
        default=80.0,
        help="Share of the calls to answer within the service level time, e.g. "
        "80 % within 20 seconds.",
    )
    cc_sl_seconds = fields.Integer(
        string="Service Level Time (s)",
        default=20,
        help="A call answered within this wait counts as answered in time.",
    )
    cc_max_occupancy = fields.Float(
        string="Maximum Occupancy (%)",
        default=85.0,
        help="Staffing never plans agents busier than this share of their online time.",
    )
    cc_shrinkage = fields.Float(
        string="Shrinkage (%)",
        default=30.0,
        help="Share of scheduled time lost to breaks, wrap-up beyond the handle "
        "time and no-shows; staffing schedules this much more.",
    )
    cc_summon_waiting = fields.Integer(
        string="Summon Standby Agents at Callers Waiting",
        default=5,
        help="Standby agents are invited when this many callers wait (0: never "
        "on the count).",
    )
    cc_summon_wait = fields.Integer(
        string="Summon Standby Agents at Expected Wait (s)",
        default=120,
        help="Standby agents are invited when a new caller would wait this long "
        "(0: never on the wait).",
    )
    cc_callback_enabled = fields.Boolean(
        string="Callbacks",
        default=True,
        help="Callers may ask to be called back instead of waiting, and callers "
        "who hang up while waiting are called back.",
    )
    cc_callback_max_attempts = fields.Integer(string="Callback Attempts", default=3)
    cc_callback_retry_minutes = fields.Integer(
        string="Minutes Between Callback Attempts", default=15
    )

    cc_callback_sl_minutes = fields.Integer(
        string="Callback Service Level Time (min)",
        default=30,
        help="A callback counts as answered in time when the customer is reached "
        "within these minutes of their place in the queue.",
    )

    cc_aht_recent = fields.Integer(
        string="Handle Time, Last 7 Days (s)",
        readonly=True,
        help="Refreshed every minute from the call log; the expected wait of a "
        "new caller is computed with it.",
    )
    cc_summons_episode_ids = fields.One2many(
        "cc.summons.episode", "queue_id", string="Summons Episodes"
    )

    # Live, from mod_callcenter's members-count events.
    waiting_count = fields.Integer(
        string="Waiting Now", readonly=True, help="Callers waiting in the queue now."
    )
    waiting_updated = fields.Datetime(string="Counted At", readonly=True)
    # Today (in the company's working time zone): the KPIs of tools/kpi.py.
    calls_today = fields.Integer(
        compute="_compute_today",
        help="Calls and callbacks offered today (see the KPI definitions).",
    )
    abandoned_today = fields.Integer(compute="_compute_today")
    abandon_rate_today = fields.Float(
        compute="_compute_today", string="Abandon Rate Today (%)"
    )
    wait_avg_today = fields.Integer(
        compute="_compute_today",
        string="Average Wait Today (s)",
        help="Average speed of answer: the mean wait of the calls an agent "
        "answered today.",
    )
    service_level_today = fields.Float(
        compute="_compute_today",
        string="Service Level Today (%)",
        help="Calls and callbacks answered in time ÷ offered today.",
    )
    available_agent_count = fields.Integer(
        compute="_compute_available_agent_count", string="Agents Available"
    )

    _sql_constraints = [
        (
            "name_server_unique",
            "unique(name, server_id)",
            "A FreeSWITCH node has one queue of each name.",
        ),
    ]

    @api.constrains("name")
    def _check_name(self):
        for queue in self:
            if "@" not in queue.name or " " in queue.name:
                raise ValidationError(
                    self.env._(
                        "The field 'Name' of a queue is its FreeSWITCH name, like "
                        "support@default, not %(name)s.",
                        name=queue.name,
                    )
                )

    @api.constrains(
        "cc_sl_target",
        "cc_sl_seconds",
        "cc_max_occupancy",
        "cc_shrinkage",
        "cc_summon_waiting",
        "cc_summon_wait",
        "cc_callback_max_attempts",
        "cc_callback_retry_minutes",
    )
    def _check_cc_targets(self):
        percent = ("cc_sl_target", "cc_max_occupancy")
        for queue in self:
            for name in percent:
                if not 0 < queue[name] <= 100:
                    raise ValidationError(
                        self.env._(
                            "Queue %(queue)s: the field '%(field)s' is a share "
                            "above 0 and at most 100, not %(value)s.",
                            queue=queue.display_name,
                            field=self._fields[name]._description_string(self.env),
                            value=queue[name],
                        )
                    )
            if not 0 <= queue.cc_shrinkage < 100:
                raise ValidationError(
                    self.env._(
                        "Queue %(queue)s: the field 'Shrinkage (%%)' is a share from "
                        "0 to under 100, not %(value)s.",
                        queue=queue.display_name,
                        value=queue.cc_shrinkage,
                    )
                )
            for name in (
                "cc_sl_seconds",
                "cc_summon_waiting",
                "cc_summon_wait",
                "cc_callback_max_attempts",
                "cc_callback_retry_minutes",
            ):
                if queue[name] < 0:
                    raise ValidationError(
                        self.env._(
                            "Queue %(queue)s: the field '%(field)s' cannot be "
                            "negative (%(value)s).",
                            queue=queue.display_name,
                            field=self._fields[name]._description_string(self.env),
                            value=queue[name],
                        )
                    )

    @api.depends("name", "label")
    def _compute_display_name(self):
        for queue in self:
            queue.display_name = queue.label or queue.name

    def _today_start(self):
        """Midnight today in the company's time zone, as the UTC Odoo stores."""
        tz = pytz.timezone(
            self.env.company.resource_calendar_id.tz
            or self.env.user.tz
            or "Asia/Riyadh"
        )
        midnight = tz.localize(datetime.combine(datetime.now(tz).date(), time.min))
        return midnight.astimezone(pytz.utc).replace(tzinfo=None)

    def _compute_today(self):
        # The KPIs as tools/kpi.py defines them, for today (a queue being
        # edited shows its saved one's).
        figures = self._cc_kpis(self._origin, *self._cc_today_bounds())
        for queue in self:
            today = figures.get(queue._origin.id) or kpi.kpis()
            queue.calls_today = today["offered"]
            queue.abandoned_today = today["abandoned"]
            queue.abandon_rate_today = today["abandonment"] or 0.0
            queue.wait_avg_today = round(today["asa"])
            queue.service_level_today = today["service_level"] or 0.0

    @api.depends("agent_ids")
    def _compute_available_agent_count(self):
        current = self.env["cc.presence.log"].sudo()._cc_current(self.agent_ids)
        for queue in self:
            queue.available_agent_count = sum(
                1
                for agent in queue.agent_ids
                if current.get(agent.id) and current[agent.id].state == "available"
            )

    def _cc_waiting(self):
        """Counts the callers waiting in the queue now: queued or being
        offered to an agent, from the call log (FreeSWITCH's members-count
        still counts a caller being put through). When a count changes, the
        standby summons are checked and the wait boards told."""
        if not self:
            return
        # The counts as they were, from the records already read: nothing
        # more is asked of the database when no count changes.
        before = {queue.id: queue.waiting_count for queue in self.sudo()}
        when = fields.Datetime.now()
        counts = dict(
            self.env["cc.call"]
            .sudo()
            ._read_group(
                [("queue_id", "in", self.ids), ("state", "in", ("queued", "offering"))],
                ["queue_id"],
                ["__count"],
            )
        )
        for queue in self.sudo():
            count = counts.get(queue, 0)
            if count != queue.waiting_count or not queue.waiting_updated:
                queue.write({"waiting_count": count, "waiting_updated": when})
        changed = self.sudo().filtered(
            lambda queue: queue.waiting_count != before[queue.id]
        )
        if changed:
            try:
                with self.env.cr.savepoint():
                    changed._cc_check_summons()
            except Exception:
                # Summoning agents must never cost the listener the events it
                # applies: the cron tries again within a minute.
                _logger.exception("Queues %s: standby summons not checked", changed.ids)
            changed._cc_board_changed()

    # ------------------------------------------------------------------
    # KPIs (tools/kpi.py defines them)
    # ------------------------------------------------------------------

    @api.constrains("cc_callback_sl_minutes")
    def _check_cc_callback_sl_minutes(self):
        for queue in self:
            if queue.cc_callback_sl_minutes <= 0:
                raise ValidationError(
                    self.env._(
                        "Queue %(queue)s: the field 'Callback Service Level Time "
                        "(min)' must be above 0, not %(value)s.",
                        queue=queue.display_name,
                        value=queue.cc_callback_sl_minutes,
                    )
                )

    @api.model
    def _cc_today_bounds(self):
        """Today in the company's time zone: (start, end) as naive UTC."""
        start = self._today_start()
        return start, start + timedelta(days=1)

    @api.model
    def _cc_day_bounds(self, day):
        """The date ``day`` in the company's time zone (as _today_start):
        (start, end) as naive UTC."""
        tz = pytz.timezone(
            self.env.company.resource_calendar_id.tz
            or self.env.user.tz
            or "Asia/Riyadh"
        )
        start, end = (
            tz.localize(datetime.combine(date, time.min))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
            for date in (day, day + timedelta(days=1))
        )
        return start, end

    @api.model
    def _cc_kpis(self, queues, start, end):
        """{queue id: its KPIs over [start, end)} (naive UTC), as
        tools/kpi.py defines them, for all ``queues`` in a few queries
        whatever their number. Read as superuser: figures, never records, go
        back to the caller, who may see the queue."""
        result = {queue_id: kpi.kpis() for queue_id in queues.ids}
        if not queues:
            return result
        # sudo: figures of queues the caller may read, from calls, callbacks
        # and presence of agents they may not (see the docstring).
        queues.check_access("read")
        queues = queues.sudo()
        now = fields.Datetime.now()
        calls, handled = self._cc_kpi_calls(queues, start, end)
        callbacks = self._cc_kpi_callbacks(queues, start, end, now)
        # The presence of the queues' agents and of those who answered their
        # calls, read together.
        agents = queues.agent_ids | self.env["hr.employee"].browse(
            {agent for counts in handled.values() for agent in counts}
        )
        presence = self._cc_kpi_presence(agents, start, end, now)
        wrap_up = self._cc_kpi_wrap_up(handled, presence, start, end)
        for queue in queues:
            busy = available = 0.0
            for agent in queue.agent_ids:
                seconds = presence.get(agent.id, {})
                busy += seconds.get("on_call", 0) + seconds.get("wrap_up", 0)
                available += seconds.get("available", 0)
            result[queue.id] = kpi.kpis(
                **calls.get(queue.id, {}),
                **callbacks.get(queue.id, {}),
                wrap_up_total=wrap_up.get(queue.id, 0),
                busy=busy,
                available=available,
            )
        return result

    def _cc_kpi_calls(self, queues, start, end):
        """The counts and sums of the queues' calls in the period
        ({queue id: {key: value}}), and the calls each agent answered and
        ended ({queue id: {agent id: count}}), in one query."""
        self.env["cc.call"].flush_model()
        self.flush_model(["cc_sl_seconds"])
        self.env.cr.execute(
            SQL(
                """
                SELECT c.queue_id, c.agent_id,
                       COUNT(*),
                       COUNT(*) FILTER (WHERE c.date_answered IS NOT NULL),
                       COUNT(*) FILTER (WHERE c.date_answered IS NOT NULL
                                          AND c.wait <= q.cc_sl_seconds),
                       COUNT(*) FILTER (WHERE c.abandoned),
                       COALESCE(SUM(c.wait)
                                FILTER (WHERE c.date_answered IS NOT NULL), 0),
                       COUNT(*) FILTER (WHERE c.date_answered IS NOT NULL
                                          AND c.state = 'ended'),
                       COALESCE(SUM(c.talk)
                                FILTER (WHERE c.date_answered IS NOT NULL
                                          AND c.state = 'ended'), 0)
                  FROM cc_call c
                  JOIN cc_queue q ON q.id = c.queue_id
                 WHERE c.queue_id IN %(queues)s
                   AND c.direction = 'inbound'
                   AND NOT COALESCE(c.callback_requested, FALSE)
                   AND COALESCE(c.date_queued, c.date_created) >= %(start)s
                   AND COALESCE(c.date_queued, c.date_created) < %(end)s
                   AND (c.date_answered IS NOT NULL
                        OR c.state IN ('ended', 'failed'))
              GROUP BY c.queue_id, c.agent_id
                """,
                queues=tuple(queues.ids),
                start=start,
                end=end,
            )
        )
        keys = (
            "calls_offered",
            "calls_answered",
            "calls_in_time",
            "abandoned",
            "wait_total",
            "handled",
            "talk_total",
        )
        totals = defaultdict(lambda: dict.fromkeys(keys, 0))
        handled = defaultdict(dict)
        for queue_id, agent_id, *values in self.env.cr.fetchall():
            for key, value in zip(keys, values, strict=True):
                totals[queue_id][key] += value
            if agent_id and values[5]:
                handled[queue_id][agent_id] = values[5]
        return totals, handled

    def _cc_kpi_callbacks(self, queues, start, end, now):
        """The counts of the queues' callbacks requested in the period."""
        self.env["cc.callback"].flush_model()
        self.flush_model(["cc_callback_sl_minutes"])
        self.env.cr.execute(
            SQL(
                """
                SELECT b.queue_id,
                       COUNT(*),
                       COUNT(*) FILTER (WHERE b.state = 'done'),
                       COUNT(*) FILTER (WHERE b.counted),
                       COUNT(*) FILTER (WHERE b.counted AND b.state = 'done'),
                       COUNT(*) FILTER (WHERE b.counted AND b.state = 'done'
                                          AND b.date_done <= b.limit_at)
                  FROM (
                        SELECT cb.queue_id, cb.state, cb.date_done,
                               cb.date_requested
                                 + make_interval(mins => q.cc_callback_sl_minutes)
                                 AS limit_at,
                               cb.origin != 'abandoned'
                                 AND cb.state != 'cancelled'
                                 AND (cb.state IN ('done', 'failed')
                                      OR cb.date_requested
                                         + make_interval(
                                             mins => q.cc_callback_sl_minutes)
                                         <= %(now)s)
                                 AS counted
                          FROM cc_callback cb
                          JOIN cc_queue q ON q.id = cb.queue_id
                         WHERE cb.queue_id IN %(queues)s
                           AND cb.date_requested >= %(start)s
                           AND cb.date_requested < %(end)s
                       ) b
              GROUP BY b.queue_id
                """,
                queues=tuple(queues.ids),
                start=start,
                end=end,
                now=now,
            )
        )
        keys = (
            "callbacks_requested",
            "callbacks_done",
            "callbacks_offered",
            "callbacks_reached",
            "callbacks_in_time",
        )
        return {
            queue_id: dict(zip(keys, values, strict=True))
            for queue_id, *values in self.env.cr.fetchall()
        }

    def _cc_kpi_wrap_up(self, handled, presence, start, end):
        """{queue id: wrap-up seconds of its calls} (see kpi.wrap_up_share),
        from ``handled``, {queue id: {agent id: calls answered and ended}},
        and the agents' ``presence`` (see _cc_kpi_presence)."""
        agents = {agent for counts in handled.values() for agent in counts}
        if not agents:
            return {}
        # Every call each agent answered in the period, of any queue or none.
        agent_calls = {
            agent.id: count
            for agent, count in self.env["cc.call"]
            .sudo()
            ._read_group(
                [
                    ("agent_id", "in", list(agents)),
                    ("date_answered", ">=", start),
                    ("date_answered", "<", end),
                    ("state", "=", "ended"),
                ],
                ["agent_id"],
                ["__count"],
            )
        }
        wrap_up = {agent: presence.get(agent, {}).get("wrap_up", 0) for agent in agents}
        return {
            queue_id: kpi.wrap_up_share(counts, agent_calls, wrap_up)
            for queue_id, counts in handled.items()
        }

    def _cc_kpi_presence(self, agents, start, end, now):
        """{agent id: {state: seconds}} of the presence log clipped to
        [start, end) (an open entry lasts until ``now``)."""
        if not agents:
            return {}
        self.env["cc.presence.log"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT agent_id, state,
                       SUM(EXTRACT(EPOCH FROM
                           LEAST(COALESCE(date_end, %(now)s), %(end)s)
                           - GREATEST(date_start, %(start)s)))
                  FROM cc_presence_log
                 WHERE agent_id IN %(agents)s
                   AND state IN ('available', 'on_call', 'wrap_up')
                   AND date_start < %(end)s
                   AND COALESCE(date_end, %(now)s) > %(start)s
              GROUP BY agent_id, state
                """,
                agents=tuple(agents.ids),
                start=start,
                end=end,
                now=now,
            )
        )
        seconds = defaultdict(dict)
        for agent_id, state, total in self.env.cr.fetchall():
            seconds[agent_id][state] = float(total)
        return seconds

    # ------------------------------------------------------------------
    # Standby summons: the trigger
    # ------------------------------------------------------------------

    def _cc_expected_wait(self, waiting, on_duty):
        """Seconds a new caller would wait now (see cc.summons.episode):
        ``(waiting + 1) × AHT / on_duty``, infinite with nobody on duty, 0
        with nobody waiting."""
        self.ensure_one()
        if not waiting:
            return 0.0
        if not on_duty:
            return math.inf
        return (waiting + 1) * (self.cc_aht_recent or DEFAULT_AHT) / on_duty

    def _cc_on_duty(self):
        """{queue id: its agents Available, on a call or in wrap-up now}, in
        one query."""
        logs = (
            self.env["cc.presence.log"]
            .sudo()
            ._read_group(
                [
                    ("agent_id", "in", self.agent_ids.ids),
                    ("date_end", "=", False),
                    ("state", "in", ON_DUTY_STATES),
                ],
                ["agent_id"],
            )
        )
        on_duty = {agent.id for (agent,) in logs}
        return {
            queue.id: sum(1 for agent in queue.agent_ids if agent.id in on_duty)
            for queue in self
        }

    def _cc_check_summons(self):
        """Opens an episode for each queue that reached a threshold (callers
        waiting >= cc_summon_waiting, or expected wait >= cc_summon_wait
        seconds; 0 is never) and has none open; closes the open episode of a
        queue back under half of its thresholds (or with nobody waiting).
        The agents on duty are read only for queues with callers waiting and
        a threshold on the wait."""
        queues = self.sudo().filtered("active")
        if not queues:
            return
        Episode = self.env["cc.summons.episode"].sudo()
        episodes = {
            episode.queue_id.id: episode
            for episode in Episode.search(
                [("queue_id", "in", queues.ids), ("state", "=", "open")]
            )
        }
        timed = queues.filtered(lambda q: q.cc_summon_wait and q.waiting_count)
        on_duty = timed._cc_on_duty() if timed else {}
        for queue in queues:
            waiting = queue.waiting_count
            expected = queue._cc_expected_wait(waiting, on_duty.get(queue.id, 0))
            episode = episodes.get(queue.id)
            if episode:
                under_count = waiting * 2 < queue.cc_summon_waiting
                under_wait = expected * 2 < queue.cc_summon_wait
                if not waiting or (
                    (under_count or not queue.cc_summon_waiting)
                    and (under_wait or not queue.cc_summon_wait)
                ):
                    episode._cc_close()
                continue
            trigger = None
            if queue.cc_summon_waiting and waiting >= queue.cc_summon_waiting:
                trigger = ("waiting", waiting, queue.cc_summon_waiting)
            elif queue.cc_summon_wait and expected >= queue.cc_summon_wait:
                trigger = ("wait", expected, queue.cc_summon_wait)
            if trigger:
                Episode._cc_open(queue, trigger, on_duty.get(queue.id))

    # ------------------------------------------------------------------
    # The supervisors' live wait board
    # ------------------------------------------------------------------

    def _cc_board_changed(self, companies=None):
        """Tells the supervisors' wait boards that the queues of ``companies``
        (by default, those of these queues) changed: a ping to the supervisors'
        group with the company, at most one a second per company; the boards
        fetch the figures themselves."""
        companies = companies if companies is not None else self.company_id
        supervisors = None
        now = monotonic()
        for company in companies:
            key = (self.env.cr.dbname, company.id)
            if now - _last_board_ping.get(key, -BOARD_PING_INTERVAL) < (
                BOARD_PING_INTERVAL
            ):
                continue
            _last_board_ping[key] = now
            if supervisors is None:
                supervisors = self.env.ref("cc_agent.group_cc_supervisor").sudo()
            supervisors._bus_send("cc_telephony/board", {"company_id": company.id})

    @api.model
    def get_wait_board(self):
        """The wait board's figures, per queue of the user's companies:
        {"queues": [...], "states": [[key, label]], "now": server time}."""
        if not self.env.user.has_group("cc_agent.group_cc_supervisor"):
            raise AccessError(
                self.env._("Only supervisors and managers see the wait board.")
            )
        # sudo: supervisors do not read every call, agent or callback; the
        # board shows them counts of their companies' queues only.
        queues = self.sudo().search([("company_id", "in", self.env.companies.ids)])
        Call = self.env["cc.call"].sudo()
        oldest = dict(
            Call._read_group(
                [
                    ("queue_id", "in", queues.ids),
                    ("state", "in", ("queued", "offering")),
                ],
                ["queue_id"],
                ["date_queued:min"],
            )
        )
        kpis = self._cc_kpis(queues, *self._cc_today_bounds())
        callbacks = dict(
            self.env["cc.callback"]
            .sudo()
            ._read_group(
                [
                    ("queue_id", "in", queues.ids),
                    ("state", "in", ("pending", "assigned")),
                ],
                ["queue_id"],
                ["__count"],
            )
        )
        current = self.env["cc.presence.log"].sudo()._cc_current(queues.agent_ids)
        episodes = {
            episode.queue_id: episode
            for episode in self.env["cc.summons.episode"]
            .sudo()
            .search([("queue_id", "in", queues.ids), ("state", "=", "open")])
        }
        rows = []
        for queue in queues:
            agents = dict.fromkeys(BOARD_STATES, 0)
            for agent in queue.agent_ids:
                log = current.get(agent.id)
                agents[log.state if log else "offline"] += 1
            figures = kpis.get(queue.id, {})
            episode = episodes.get(queue)
            rows.append(
                {
                    "id": queue.id,
                    "name": queue.display_name,
                    "waiting": queue.waiting_count,
                    "oldest_since": fields.Datetime.to_string(oldest.get(queue))
                    if oldest.get(queue)
                    else False,
                    "service_level": figures.get("service_level"),
                    "offered": figures.get("offered", 0),
                    "answered": figures.get("answered", 0),
                    "abandoned": figures.get("abandoned", 0),
                    "sl_target": queue.cc_sl_target,
                    "sl_seconds": queue.cc_sl_seconds,
                    "summon_waiting": queue.cc_summon_waiting,
                    "summon_wait": queue.cc_summon_wait,
                    "agents": agents,
                    "callbacks": callbacks.get(queue, 0),
                    "episode": {
                        "id": episode.id,
                        "since": fields.Datetime.to_string(episode.date_start),
                        "wanted": episode.agents_wanted,
                        "summoned": episode.sent_count,
                        "accepted": episode.accepted_count,
                    }
                    if episode
                    else False,
                }
            )
        states = dict(
            self.env["cc.presence.log"]
            ._fields["state"]
            ._description_selection(self.env)
        )
        return {
            "queues": rows,
            "states": [[key, states[key]] for key in BOARD_STATES],
            "now": fields.Datetime.to_string(fields.Datetime.now()),
        }
