import math
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import erlang

# The queue's usual handle time while it has no calls to learn it from.
DEFAULT_AHT = 180
# The states in which an agent takes the queue's calls now, or is about to
# (wrap-up ends by itself).
ON_DUTY_STATES = ("available", "on_call", "wrap_up")
# An agent with less time than this left under their hour caps today is not
# summoned: half an hour is the least worth getting online for.
MIN_HOURS_LEFT = 0.5
# Agents wanted beyond the shortfall: calls keep coming while the summoned
# agents get online.
MARGIN = 1
# How many are invited for each agent wanted: not everyone answers.
INVITE_FACTOR = 2


class CcSummonsEpisode(models.Model):
    """A time a queue needed more agents than it had: from the moment its
    waiting callers or their expected wait reached the queue's threshold to
    the moment it was back under half of it. Its summons are the invitations
    sent to standby agents, and their answers: together, the log.

    The expected wait of a new caller is the queue's wait at this moment,
    not Erlang C's long-run average (which does not see the callers already
    in the queue): a caller who finds ``w`` callers waiting is answered after
    ``w + 1`` calls end; with ``N`` agents on duty (Available, on a call or
    in wrap-up) and handle times exponential around the AHT, calls end at
    ``N / AHT`` per second, so the expected wait is ``(w + 1) × AHT / N``
    (infinite with nobody on duty). The AHT is the queue's handle time over
    the last seven days (the KPI's definition), 180 s without history.

    How many agents an episode wants: the most of Erlang C's agents needed
    for the calls offered in the last hour at the queue's service level
    target (tools/erlang.py) and of the agents that bring the expected wait
    under the threshold, minus those on duty, plus a margin of one. Twice as
    many are invited (not everyone answers); the first ones to accept, as
    many as wanted, are logged in.
    """

    _name = "cc.summons.episode"
    _description = "Standby Summons Episode"
    _order = "date_start desc, id desc"
    _rec_name = "queue_id"

    queue_id = fields.Many2one(
        "cc.queue", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="queue_id.company_id", store=True, index=True)
    state = fields.Selection(
        [("open", "Open"), ("closed", "Closed")],
        default="open",
        required=True,
        readonly=True,
        index=True,
    )
    date_start = fields.Datetime(string="Started", required=True, readonly=True)
    date_end = fields.Datetime(string="Ended", readonly=True)
    trigger = fields.Selection(
        [("waiting", "Callers waiting"), ("wait", "Expected wait")],
        required=True,
        readonly=True,
        help="The threshold the queue reached.",
    )
    trigger_value = fields.Float(
        string="Value",
        readonly=True,
        help="Callers waiting, or the expected wait in seconds, when it opened.",
    )
    threshold = fields.Integer(readonly=True, help="The queue's threshold then.")
    waiting_count = fields.Integer(string="Callers Waiting", readonly=True)
    expected_wait = fields.Integer(
        string="Expected Wait (s)",
        readonly=True,
        help="Of a new caller when it opened (-1: nobody on duty).",
    )
    aht = fields.Integer(string="Handle Time Used (s)", readonly=True)
    agents_on_duty = fields.Integer(readonly=True)
    agents_needed = fields.Integer(
        readonly=True,
        help="Erlang C's agents for the calls of the last hour, or the agents "
        "that bring the expected wait under the threshold, whichever is more.",
    )
    agents_wanted = fields.Integer(
        readonly=True,
        help="How many summoned agents are logged in: those missing, plus one.",
    )
    summons_ids = fields.One2many("cc.summons", "episode_id")
    sent_count = fields.Integer(string="Summoned", compute="_compute_counts")
    accepted_count = fields.Integer(string="Accepted", compute="_compute_counts")

    def init(self):
        # One open episode per queue, whatever runs the trigger at once (the
        # listener, the cron).
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS cc_summons_episode_one_open"
                " ON cc_summons_episode (queue_id) WHERE state = 'open'"
            )
        )

    @api.depends("summons_ids.state")
    def _compute_counts(self):
        groups = self.env["cc.summons"]._read_group(
            [("episode_id", "in", self.ids)], ["episode_id", "state"], ["__count"]
        )
        sent, accepted = {}, {}
        for episode, state, count in groups:
            sent[episode.id] = sent.get(episode.id, 0) + count
            if state == "accepted":
                accepted[episode.id] = count
        for episode in self:
            episode.sent_count = sent.get(episode.id, 0)
            episode.accepted_count = accepted.get(episode.id, 0)

    @api.depends("queue_id", "date_start")
    def _compute_display_name(self):
        for episode in self:
            episode.display_name = self.env._(
                "%(queue)s, %(start)s",
                queue=episode.queue_id.display_name,
                start=fields.Datetime.to_string(episode.date_start) or "",
            )

    # ------------------------------------------------------------------
    # Opening and closing
    # ------------------------------------------------------------------

    @api.model
    def _cc_open(self, queue, trigger, on_duty):
        """Opens an episode of ``queue`` (past its ``trigger``, a tuple
        (kind, value, threshold)) and summons its standby agents. ``on_duty``:
        its agents on duty, None when not counted yet. Returns the episode,
        or nothing when one is already open (opened meanwhile by the listener
        or the cron)."""
        kind, value, threshold = trigger
        if on_duty is None:
            on_duty = queue._cc_on_duty()[queue.id]
        aht = queue.cc_aht_recent or DEFAULT_AHT
        needed = self._cc_agents_needed(queue, aht)
        wanted = max(needed - on_duty, 0) + MARGIN
        expected = queue._cc_expected_wait(queue.waiting_count, on_duty)
        values = {
            "queue_id": queue.id,
            "date_start": fields.Datetime.now(),
            "trigger": kind,
            "trigger_value": value if math.isfinite(value) else -1,
            "threshold": threshold,
            "waiting_count": queue.waiting_count,
            "expected_wait": round(expected) if math.isfinite(expected) else -1,
            "aht": aht,
            "agents_on_duty": on_duty,
            "agents_needed": needed,
            "agents_wanted": wanted,
        }
        try:
            with self.env.cr.savepoint():
                episode = self.sudo().create(values)
        except psycopg2.errors.UniqueViolation:
            return self.browse()
        episode._cc_summon()
        return episode

    @api.model
    def _cc_agents_needed(self, queue, aht):
        """The agents ``queue`` needs now: Erlang C's for the calls offered in
        the last hour at its service level target, or those that bring the
        expected wait of a new caller under its threshold, whichever is more."""
        now = fields.Datetime.now()
        offered = self.env["cc.queue"]._cc_kpis(queue, now - timedelta(hours=1), now)[
            queue.id
        ]["offered"]
        by_erlang = 0
        if offered:
            by_erlang = erlang.agents_needed(
                offered,
                aht,
                3600,
                # Erlang C's target is below 100 %: no number of agents
                # answers every caller in time.
                min(queue.cc_sl_target / 100, 0.999),
                queue.cc_sl_seconds,
                queue.cc_max_occupancy / 100,
            )
        by_wait = 0
        if queue.cc_summon_wait and queue.waiting_count:
            # (w + 1) × AHT / N < threshold
            by_wait = math.floor((queue.waiting_count + 1) * aht / queue.cc_summon_wait)
            by_wait += 1
        return max(by_erlang, by_wait)

    def _cc_close(self):
        """Ends the episodes: the summons still unanswered expire (and their
        notifications close)."""
        now = fields.Datetime.now()
        self.sudo().write({"state": "closed", "date_end": now})
        pending = self.summons_ids.filtered(lambda summons: summons.state == "sent")
        pending._cc_finish("expired")

    # ------------------------------------------------------------------
    # Summoning
    # ------------------------------------------------------------------

    def _cc_summon(self):
        """Invites the best eligible standby agents of each open episode, up
        to twice the agents it wants in all. Running it again invites nobody
        twice: only the places left, only agents not yet summoned."""
        Summons = self.env["cc.summons"].sudo()
        for episode in self.filtered(lambda e: e.state == "open"):
            places = episode.agents_wanted * INVITE_FACTOR - len(episode.summons_ids)
            if places <= 0:
                continue
            candidates, hours_left = episode._cc_eligible_agents()
            chosen = candidates[:places]
            if not chosen:
                continue
            summons = Summons.create(
                [
                    {
                        "episode_id": episode.id,
                        "agent_id": agent.id,
                        "date_sent": fields.Datetime.now(),
                        "hours_left": hours_left.get(agent.id, 0.0),
                    }
                    for agent in chosen
                ]
            )
            summons._cc_send()

    def _cc_eligible_agents(self):
        """The agents this episode may summon, best first, and their hours
        left today ({employee id: hours}): the queue's agents with a user, not
        online (Offline or never in a state), not on leave or a holiday in the
        coming hour, with at least half an hour left under their hour caps
        today, neither summoned in this episode nor waiting to answer another
        summons. Best: the fewest hours online in
        the last seven days (the work goes to those who had least), then the
        most hours left.

        Queues have no skills in this model: the queue's agents are the
        agents with its skills."""
        self.ensure_one()
        # sudo: the trigger runs in the listener and the cron; what it reads
        # of the agents (presence, leaves, hours) decides only who is invited.
        agents = self.queue_id.sudo().agent_ids.filtered(
            lambda agent: agent.is_cc_agent
            and agent.user_id
            and agent.company_id == self.company_id
        )
        agents -= self.summons_ids.agent_id
        if not agents:
            return agents, {}
        pending = (
            self.env["cc.summons"]
            .sudo()
            ._read_group(
                [
                    ("agent_id", "in", agents.ids),
                    ("state", "=", "sent"),
                    ("episode_id.state", "=", "open"),
                ],
                ["agent_id"],
            )
        )
        agents -= self.env["hr.employee"].union(*(agent for (agent,) in pending))
        current = self.env["cc.presence.log"].sudo()._cc_current(agents)
        agents = agents.filtered(
            lambda agent: agent.id not in current
            or current[agent.id].state == "offline"
        )
        if not agents:
            return agents, {}
        now = fields.Datetime.now()
        on_leave = self.env["hr.employee"]._cc_on_leave(
            agents, now, now + timedelta(hours=1)
        )
        agents = agents.filtered(lambda agent: agent.id not in on_leave)
        if not agents:
            return agents, {}
        hours_left = self.env["hr.employee"]._cc_hours_left(agents, now)
        agents = agents.filtered(
            lambda agent: hours_left.get(agent.id, 0.0) >= MIN_HOURS_LEFT
        )
        online = dict(
            self.env["cc.presence.log"]
            .sudo()
            ._read_group(
                [
                    ("agent_id", "in", agents.ids),
                    ("state", "!=", "offline"),
                    ("date_start", ">=", now - timedelta(days=7)),
                ],
                ["agent_id"],
                ["duration:sum"],
            )
        )
        ranked = agents.sorted(
            lambda agent: (
                online.get(agent, 0),
                -hours_left.get(agent.id, 0.0),
                agent.name,
                agent.id,
            )
        )
        return ranked, hours_left

    @api.model
    def _cron_check(self):
        """The safety net of the trigger, every minute: the queues' handle
        time of the last seven days refreshed, the thresholds checked again
        (presence changes move the expected wait without a change of the
        waiting count), and the open episodes' places left offered to agents
        who became eligible."""
        # The queues that summon, and those with an episode to close.
        queues = (
            self.env["cc.queue"]
            .sudo()
            .search(
                [
                    "|",
                    "|",
                    ("cc_summon_waiting", ">", 0),
                    ("cc_summon_wait", ">", 0),
                    ("cc_summons_episode_ids.state", "=", "open"),
                ]
            )
        )
        if not queues:
            return
        now = fields.Datetime.now()
        kpis = self.env["cc.queue"]._cc_kpis(queues, now - timedelta(days=7), now)
        for queue in queues:
            aht = round(kpis.get(queue.id, {}).get("aht") or 0)
            if queue.cc_aht_recent != aht:
                queue.cc_aht_recent = aht
        queues._cc_check_summons()
        self.sudo().search([("state", "=", "open")])._cc_summon()
