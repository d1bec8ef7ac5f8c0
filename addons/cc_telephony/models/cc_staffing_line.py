import math
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models

from ..tools import erlang
from .cc_queue_demand import half_hour_label

HALF_HOUR = 1800  # seconds
# Presence states in which an agent takes the queue's calls (a break does not).
ONLINE_STATES = ("available", "on_call", "wrap_up")
# Counted online in a half hour: online for at least half of it.
ONLINE_MIN_SECONDS = HALF_HOUR // 2
# Erlang C never reaches a service level of exactly 100 %: such a target is
# planned as 99.9 %.
TOP_TARGET = 0.999


class CcStaffingLine(models.Model):
    """What a queue needs in a half hour of a day, against who is scheduled
    and who was actually online.

    The forecast calls and handle time come from the learned demand
    (cc.queue.demand) of that weekday and half hour. With them, Erlang C
    (tools/erlang.py) gives the agents needed:

        A = calls × AHT / 1800 s                 traffic in Erlangs
        P(wait) = C(N, A), through Erlang B's recursion
                  B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)),
                  C = N·B / (N − A·(1 − B))
        SL  = 1 − P(wait) · e^(−(N − A) · T / AHT)
        ASA = P(wait) · AHT / (N − A)

    N is the fewest agents (N > A) reaching the queue's target SL within T
    seconds with an occupancy A / N of at most the queue's maximum; the agents
    to schedule are N / (1 − shrinkage), rounded up.

    Scheduled agents are the queue's agents available (availability slots)
    for the whole half hour; online agents those who were Available, on a
    call or in wrap-up for at least half of it (past and current half hours
    only). The gap is what is missing to the agents to schedule; the online
    gap compares the agents online with N, shrinkage having happened already.
    """

    _name = "cc.staffing.line"
    _description = "Staffing by Half Hour"
    _order = "date desc, queue_id, slot_start"

    date = fields.Date(required=True, readonly=True, index=True)
    queue_id = fields.Many2one(
        "cc.queue", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="queue_id.company_id", store=True, index=True)
    slot_start = fields.Datetime(string="Start", required=True, readonly=True)
    slot_end = fields.Datetime(string="End", required=True, readonly=True)
    half_hour = fields.Integer(
        string="Half Hour of the Day",
        readonly=True,
        help="0 is 00:00–00:30 and 47 is 23:30–24:00, in the company's time zone.",
    )
    slot_label = fields.Char(
        string="Half Hour", readonly=True, help="In the company's time zone."
    )
    forecast_calls = fields.Float(readonly=True, digits=(16, 2), aggregator="sum")
    aht = fields.Float(
        string="AHT (s)", readonly=True, digits=(16, 1), aggregator="avg"
    )
    traffic = fields.Float(
        string="Traffic A (Erlangs)",
        readonly=True,
        digits=(16, 2),
        aggregator="sum",
        help="A = forecast calls × AHT / 1800 s.",
    )
    needed = fields.Integer(
        string="Agents Needed",
        readonly=True,
        aggregator="max",
        help="N: the fewest agents meeting the queue's service level target and "
        "maximum occupancy (Erlang C), before shrinkage.",
    )
    needed_scheduled = fields.Integer(
        string="To Schedule",
        readonly=True,
        aggregator="max",
        help="N / (1 − shrinkage), rounded up: what to schedule so that N are working.",
    )
    scheduled = fields.Integer(
        readonly=True,
        aggregator="max",
        help="The queue's agents with an availability slot covering the whole "
        "half hour.",
    )
    online = fields.Integer(
        readonly=True,
        aggregator="max",
        help="The queue's agents Available, on a call or in wrap-up for at least "
        "15 minutes of the half hour (past and current half hours).",
    )
    online_known = fields.Boolean(
        string="Online Counted",
        readonly=True,
        help="The half hour has begun: the agents online are counted.",
    )
    gap = fields.Integer(
        readonly=True,
        aggregator="max",
        help="To schedule − scheduled: agents to find (negative: more than needed).",
    )
    online_gap = fields.Integer(
        readonly=True,
        aggregator="max",
        help="Agents needed − online (0 for half hours to come).",
    )
    wait_probability = fields.Float(
        string="P(wait) (%)",
        readonly=True,
        aggregator="avg",
        help="Erlang C: the share of callers who wait, with N agents.",
    )
    service_level = fields.Float(
        string="Service Level with N (%)",
        readonly=True,
        aggregator="avg",
        help="SL = 1 − P(wait) · e^(−(N − A) · T / AHT), with the N agents needed.",
    )
    asa = fields.Float(
        string="ASA with N (s)",
        readonly=True,
        aggregator="avg",
        help="ASA = P(wait) · AHT / (N − A), with the N agents needed.",
    )
    occupancy = fields.Float(
        string="Occupancy with N (%)",
        readonly=True,
        aggregator="avg",
        help="A / N.",
    )
    service_level_scheduled = fields.Float(
        string="Expected Service Level (%)",
        readonly=True,
        aggregator="avg",
        help="With the scheduled agents less shrinkage; 100 when no call is expected.",
    )
    invitation_ids = fields.One2many(
        "cc.staffing.invitation", "line_id", string="Invitations", readonly=True
    )

    _sql_constraints = [
        (
            "queue_slot_unique",
            "unique(queue_id, slot_start)",
            "A queue has one staffing line per half hour.",
        ),
    ]

    @api.depends("queue_id", "slot_label", "date")
    def _compute_display_name(self):
        for line in self:
            line.display_name = self.env._(
                "%(queue)s, %(date)s %(slot)s",
                queue=line.queue_id.display_name,
                date=line.date,
                slot=line.slot_label,
            )

    # ------------------------------------------------------------------
    # Planning a day
    # ------------------------------------------------------------------

    @api.model
    def _cc_day_bounds(self, day):
        """Midnight to midnight of ``day`` in the company's time zone, as the
        naive UTC Odoo stores, and the zone."""
        tz = pytz.timezone(self.env["cc.queue.demand"]._cc_company_tz())
        start, end = (
            tz.localize(datetime.combine(moment, time.min))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
            for moment in (day, day + timedelta(days=1))
        )
        return start, end, tz

    @api.model
    def _cc_plan(self, day, queues):
        """Plans ``day`` (a date) for ``queues``: one line per queue and half
        hour, replacing the lines of that day. Returns the new lines.

        Reads everything for the whole day at once: the demand of that
        weekday (one search), the agents' availability (one call of
        _cc_occurrences), their presence (one search)."""
        self.check_access("create")
        self.check_access("unlink")
        queues = queues.exists()
        day = fields.Date.to_date(day)
        start, end, tz = self._cc_day_bounds(day)
        now = fields.Datetime.now()
        slots = []  # (start, end, half hour), in UTC
        moment = start
        while moment < end:
            local = pytz.utc.localize(moment).astimezone(tz)
            half_hour = local.hour * 2 + (local.minute >= 30)
            slots.append((moment, moment + timedelta(seconds=HALF_HOUR), half_hour))
            moment += timedelta(seconds=HALF_HOUR)

        demand = {
            (row.queue_id.id, row.half_hour): row
            for row in self.env["cc.queue.demand"].search_fetch(
                [
                    ("queue_id", "in", queues.ids),
                    ("weekday", "=", str(day.weekday())),
                ],
                ["queue_id", "half_hour", "calls", "aht"],
            )
        }
        # sudo: planning needs every agent's availability and presence, which
        # record rules keep to the agent and their supervisor; the caller was
        # checked above as allowed to plan staffing.
        agents = queues.sudo().agent_ids
        scheduled = self._cc_scheduled_by_slot(agents, slots, start, end)
        online = self._cc_online_by_slot(agents, slots, start, min(end, now))

        self.search([("date", "=", day), ("queue_id", "in", queues.ids)]).unlink()
        vals_list = []
        for queue in queues:
            members = set(queue.sudo().agent_ids.ids)
            for index, (slot_start, slot_end, half_hour) in enumerate(slots):
                row = demand.get((queue.id, half_hour))
                known = slot_start <= now
                vals = self._cc_line_values(
                    queue,
                    row.calls if row else 0.0,
                    row.aht if row else 0.0,
                    len(members & scheduled[index]),
                    len(members & online[index]) if known else 0,
                )
                vals.update(
                    date=day,
                    queue_id=queue.id,
                    slot_start=slot_start,
                    slot_end=slot_end,
                    half_hour=half_hour,
                    slot_label=half_hour_label(half_hour),
                    online_known=known,
                )
                if not known:
                    vals["online_gap"] = 0
                vals_list.append(vals)
        return self.create(vals_list)

    @api.model
    def _cc_line_values(self, queue, calls, aht, scheduled, online):
        """The Erlang C figures of a half hour of ``queue``."""
        target = min(queue.cc_sl_target / 100, TOP_TARGET)
        occupancy_cap = queue.cc_max_occupancy / 100
        shrinkage = queue.cc_shrinkage / 100
        erlangs = erlang.traffic(calls, aht, HALF_HOUR)
        needed = erlang.agents_needed(
            calls, aht, HALF_HOUR, target, queue.cc_sl_seconds, occupancy_cap
        )
        needed_scheduled = erlang.with_shrinkage(needed, shrinkage)
        working = math.floor(round(scheduled * (1 - shrinkage), 9))
        if needed:
            waiting = erlang.wait_probability(erlangs, needed)
            level = erlang.service_level(erlangs, needed, aht, queue.cc_sl_seconds)
            asa = erlang.average_speed_of_answer(erlangs, needed, aht)
            occupancy = erlangs / needed
            expected = erlang.service_level(erlangs, working, aht, queue.cc_sl_seconds)
        else:
            waiting, level, asa, occupancy, expected = 0.0, 1.0, 0.0, 0.0, 1.0
        return {
            "forecast_calls": calls,
            "aht": aht,
            "traffic": erlangs,
            "needed": needed,
            "needed_scheduled": needed_scheduled,
            "scheduled": scheduled,
            "online": online,
            "gap": needed_scheduled - scheduled,
            "online_gap": needed - online,
            "wait_probability": 100 * waiting,
            "service_level": 100 * level,
            "asa": asa,
            "occupancy": 100 * occupancy,
            "service_level_scheduled": 100 * expected,
        }

    @api.model
    def _cc_scheduled_by_slot(self, agents, slots, start, end):
        """{slot index: ids of the agents available for the whole slot}."""
        result = defaultdict(set)
        if not agents:
            return result
        occurrences = (
            self.env["cc.availability.slot"].sudo()._cc_occurrences(agents, start, end)
        )
        for agent_id, available_from, available_to in occurrences:
            for index, (slot_start, slot_end, _half) in enumerate(slots):
                if available_from <= slot_start and slot_end <= available_to:
                    result[index].add(agent_id)
        return result

    @api.model
    def _cc_online_by_slot(self, agents, slots, start, until):
        """{slot index: ids of the agents online for at least half of the slot},
        from the presence log up to ``until`` (now)."""
        result = defaultdict(set)
        if not agents or until <= start:
            return result
        logs = (
            self.env["cc.presence.log"]
            .sudo()
            .search_fetch(
                [
                    ("agent_id", "in", agents.ids),
                    ("state", "in", ONLINE_STATES),
                    ("date_start", "<", until),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">", start),
                ],
                ["agent_id", "date_start", "date_end"],
            )
        )
        seconds = defaultdict(float)  # (slot index, agent id): seconds online
        for log in logs:
            log_end = min(log.date_end or until, until)
            for index, (slot_start, slot_end, _half) in enumerate(slots):
                overlap = (
                    min(log_end, slot_end) - max(log.date_start, slot_start)
                ).total_seconds()
                if overlap > 0:
                    seconds[index, log.agent_id.id] += overlap
        for (index, agent_id), total in seconds.items():
            if total >= ONLINE_MIN_SECONDS:
                result[index].add(agent_id)
        return result
