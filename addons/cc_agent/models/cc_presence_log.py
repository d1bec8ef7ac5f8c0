import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from odoo.addons.bus.models.bus_presence import DISCONNECTION_TIMER

_logger = logging.getLogger(__name__)

STATES = [
    ("offline", "Offline"),
    ("available", "Available"),
    ("on_call", "On call"),
    ("wrap_up", "Wrap-up"),
    ("break", "Break"),
]
# What agents choose themselves; on call and wrap-up come from the telephony.
AGENT_STATES = {"offline", "available", "break", "wrap_up"}
# States that need the agent's Odoo open somewhere.
ONLINE_STATES = {"available", "break", "wrap_up"}


class CcPresenceLog(models.Model):
    """An agent's presence state over a span of time.

    Each agent has one open entry (no end): their current state. Changing state
    closes it and opens the next, so the log gives the time spent in each state
    (occupancy, breaks, hours online) without gaps or overlaps.
    """

    _name = "cc.presence.log"
    _description = "Agent Presence"
    _inherit = ["cc.agent.owned.mixin"]
    _order = "date_start desc, id desc"

    state = fields.Selection(STATES, required=True, index=True)
    break_reason_id = fields.Many2one("cc.break.reason")
    date_start = fields.Datetime(string="From", required=True, index=True)
    date_end = fields.Datetime(string="To", index=True)
    duration = fields.Integer(
        string="Duration (s)", compute="_compute_duration", store=True, aggregator="sum"
    )
    origin = fields.Selection(
        [
            ("agent", "The agent"),
            ("telephony", "The phone system"),
            ("supervisor", "A supervisor"),
            ("system", "Odoo (no open session)"),
        ],
        required=True,
        default="agent",
    )
    cc_logout_pending = fields.Boolean(
        string="Offline After the Call",
        readonly=True,
        help="The agent's availability slot ended during a call: once it is "
        "over, they go Offline instead of back to work.",
    )

    def init(self):
        # One current state per agent, whatever the concurrency.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS cc_presence_log_one_open"
                " ON cc_presence_log (agent_id) WHERE date_end IS NULL"
            )
        )

    @api.depends("date_start", "date_end")
    def _compute_duration(self):
        for log in self:
            if log.date_start and log.date_end:
                log.duration = int((log.date_end - log.date_start).total_seconds())
            else:
                log.duration = 0

    # ------------------------------------------------------------------
    # Reading the current state
    # ------------------------------------------------------------------

    @api.model
    def _cc_current(self, agents):
        """The open entry of each agent: {agent id: log}."""
        logs = self.sudo().search(
            [("agent_id", "in", agents.ids), ("date_end", "=", False)]
        )
        return {log.agent_id.id: log for log in logs}

    # ------------------------------------------------------------------
    # Changing state
    # ------------------------------------------------------------------

    @api.model
    def _cc_my_agent(self):
        agent = self.env.user.employee_id
        if not agent or not agent.sudo().is_cc_agent:
            raise AccessError(
                self.env._(
                    "%(user)s is not a call center agent.", user=self.env.user.name
                )
            )
        return agent.sudo()

    @api.model
    def action_set_my_state(self, state, break_reason_id=False):
        """The agent's own state switch (systray)."""
        if state not in AGENT_STATES:
            raise UserError(
                self.env._(
                    "An agent cannot switch themselves to %(state)s.", state=state
                )
            )
        agent = self._cc_my_agent()
        reason = self.env["cc.break.reason"].browse(break_reason_id).exists()
        if state == "break" and not reason:
            raise UserError(self.env._("Choose why you take a break."))
        # sudo: the agent may not write presence logs directly; they change
        # only their own state, through this method.
        self.sudo()._cc_set_state(agent, state, reason, origin="agent")
        return True

    @api.model
    def _cc_set_state(self, agent, state, reason=None, origin="agent", when=None):
        """Closes the agent's open entry and opens one in ``state``. Setting the
        current state again changes nothing (double clicks, repeated events)."""
        return self._cc_set_states([(agent, state, reason, when)], origin)[agent.id]

    @api.model
    def _cc_set_states(self, changes, origin="agent"):
        """Applies ``changes``, (agent, state, reason, when) each, in their
        order as _cc_set_state would one by one, for any number of agents at
        once (the telephony listener applies many calls' events together):
        one lock, one read of their entries, the new entries created
        together. Returns {agent id: their open entry}."""
        if not changes:
            return {}
        Reason = self.env["cc.break.reason"]
        agents = self.env["hr.employee"].union(*(change[0] for change in changes))
        # Lock the agents' rows so that two changes at once serialize (always
        # in the same order: two transactions do not wait for each other).
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM hr_employee WHERE id IN %s ORDER BY id FOR UPDATE",
                tuple(agents.ids),
            )
        )
        current = self._cc_current(agents)
        opened = {}  # agent id: the values of their entry to open
        vals_list = []
        logging_out = {}  # agent id: their change to Offline, slot and call over
        for agent, state, reason, when in changes:
            when = when or fields.Datetime.now()
            reason = reason or Reason
            vals = opened.get(agent.id)
            previous = vals or current.get(agent.id)
            pending = bool(previous) and previous["cc_logout_pending"]
            if vals:
                # Already changed by an earlier one of these changes.
                same = vals["state"] == state and vals["break_reason_id"] == reason.id
                if same:
                    continue
                vals["date_end"] = max(when, vals["date_start"])
            else:
                log = current.get(agent.id)
                if log and log.state == state and log.break_reason_id == reason:
                    continue
                if log:
                    log.date_end = max(when, log.date_start)
            opened[agent.id] = {
                "agent_id": agent.id,
                "state": state,
                "break_reason_id": reason.id if state == "break" else False,
                "date_start": when,
                "origin": origin,
                "cc_logout_pending": pending and state in ("on_call", "wrap_up"),
            }
            vals_list.append(opened[agent.id])
            if pending and state in ("available", "break"):
                logging_out[agent.id] = (agent, "offline", None, when)
            else:
                logging_out.pop(agent.id, None)
        # Closed before the next ones open: one open entry per agent.
        self.flush_model(["date_end"])
        logs = self.create(vals_list)
        logs._cc_notify()
        for log in logs:
            current[log.agent_id.id] = log
        if logging_out:
            # A change of its own (by Odoo), so that what follows a change
            # (the phone system taking the agent out of their queues) sees it.
            current.update(
                self._cc_set_states(list(logging_out.values()), origin="system")
            )
        return current

    def _cc_payload(self):
        self.ensure_one()
        return {
            "agent_id": self.agent_id.id,
            "agent_name": self.agent_id.name,
            "state": self.state,
            "break_reason": self.break_reason_id.name or False,
            "break_minutes": self.break_reason_id.max_minutes or 0,
            "since": fields.Datetime.to_string(self.date_start),
        }

    def _cc_notify(self):
        """Pushes the change to the agent's own tabs, their supervisor and the
        call center managers of the company."""
        managers = self.env.ref("cc_agent.group_cc_manager").sudo().users
        for log in self:
            payload = log._cc_payload()
            audience = log.agent_id.user_id | log.agent_id.parent_id.user_id
            audience |= managers.filtered(
                lambda u, log=log: log.company_id in u.company_ids
            )
            for user in audience:
                user._bus_send("cc_agent/presence", payload)

    @api.model
    def _cron_offline_without_session(self):
        """Agents whose Odoo is closed everywhere cannot take calls: an
        Available (or on break, or in wrap-up) agent with no open session left
        becomes Offline."""
        open_logs = self.sudo().search(
            [("date_end", "=", False), ("state", "in", list(ONLINE_STATES))]
        )
        if not open_logs:
            return
        limit = fields.Datetime.now() - timedelta(seconds=DISCONNECTION_TIMER)
        alive = set(
            self.env["bus.presence"]
            .sudo()
            .search(
                [("user_id", "in", open_logs.user_id.ids), ("last_poll", ">", limit)]
            )
            .user_id.ids
        )
        gone = open_logs.filtered(lambda log: log.user_id.id not in alive)
        for log in gone:
            self._cc_set_state(log.agent_id, "offline", origin="system")
        if gone:
            _logger.info("%s agents without an open session set Offline", len(gone))

    # ------------------------------------------------------------------
    # What the web client shows
    # ------------------------------------------------------------------

    @api.model
    def get_my_status(self, device_token=None):
        """Everything the agent's systray shows, in one call."""
        agent = self._cc_my_agent()
        current = self._cc_current(agent).get(agent.id)
        progress = self.env["cc.quota.day"]._cc_progress(agent)[agent.id]
        earnings = self._cc_earnings_today(agent, progress["date"])
        reasons = self.env["cc.break.reason"].search_read([], ["name", "max_minutes"])
        return {
            "agent": {"id": agent.id, "name": agent.name},
            "state": current.state if current else "offline",
            "break_reason": current.break_reason_id.name if current else False,
            "since": fields.Datetime.to_string(current.date_start)
            if current
            else False,
            "reasons": reasons,
            "quota": {
                "date": fields.Date.to_string(progress["date"]),
                "handled": progress["handled"],
                "minimum": progress["minimum"],
                "off": progress["off"],
            },
            "earnings": earnings,
            "device": self.env["cc.agent.device"]._cc_seen(device_token),
        }

    @api.model
    def _cc_earnings_today(self, agent, day):
        """Pay earned today by handled contacts (rates and commission); the
        flat monthly part is not a daily figure."""
        contract = (
            self.env["cc.quota.day"]._cc_running_contracts(agent, day).get(agent.id)
        )
        currency = contract.currency_id if contract else agent.company_id.currency_id
        amount = 0.0
        if contract:
            groups = (
                self.env["cc.interaction"]
                .sudo()
                ._read_group(
                    [
                        ("agent_id", "=", agent.id),
                        ("state", "=", "valid"),
                        ("date_local", "=", day),
                    ],
                    ["channel"],
                    ["__count", "commission_base:sum"],
                )
            )
            counts = {channel: count for channel, count, _base in groups}
            base = sum(base for _channel, _count, base in groups)
            amount = contract._cc_variable_pay(counts, base)
        return {
            "amount": amount,
            "currency_id": currency.id,
            "symbol": currency.symbol,
            "position": currency.position,
            "digits": currency.decimal_places,
        }

    @api.model
    def get_board(self):
        """The supervisor board: each visible agent's state and today's count
        against their minimum, and the states' labels. Supervisors see their
        team, managers every agent of their companies."""
        user = self.env.user
        if not user.has_group("cc_agent.group_cc_supervisor"):
            raise AccessError(
                self.env._("Only supervisors and managers see the board.")
            )
        domain = [
            ("is_cc_agent", "=", True),
            ("company_id", "in", self.env.companies.ids),
        ]
        if not user.has_group("cc_agent.group_cc_manager"):
            domain.append(("parent_id.user_id", "=", user.id))
        # sudo: supervisors are not HR officers; the domain above limits the
        # agents to those they supervise.
        agents = self.env["hr.employee"].sudo().search(domain, order="name")
        current = self._cc_current(agents)
        progress = self.env["cc.quota.day"]._cc_progress(agents)
        rows = []
        for agent in agents:
            log = current.get(agent.id)
            state = log.state if log else "offline"
            agent_progress = progress[agent.id]
            rows.append(
                {
                    "agent_id": agent.id,
                    "name": agent.name,
                    "code": agent.cc_agent_code or "",
                    "state": state,
                    "break_reason": log.break_reason_id.name if log else False,
                    "break_minutes": log.break_reason_id.max_minutes if log else 0,
                    "since": fields.Datetime.to_string(log.date_start)
                    if log
                    else False,
                    "handled": agent_progress["handled"],
                    "minimum": agent_progress["minimum"],
                    "off": agent_progress["off"],
                }
            )
        return {
            "agents": rows,
            "states": self._fields["state"]._description_selection(self.env),
        }
