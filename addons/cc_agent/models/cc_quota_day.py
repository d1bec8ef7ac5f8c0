import logging
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# How far back the end-of-day job catches up on days it has not closed (after
# a stop of the server, say).
CATCH_UP_DAYS = 7


class CcQuotaDay(models.Model):
    """An agent's closed working day: handled contacts against the contract's
    daily minimum, counted in the agent's time zone.

    The end-of-day job closes each day once it is over for the agent; a missed
    minimum gives the agent's supervisor an activity, once. Today's progress is
    not stored: it is counted live from the ledger.
    """

    _name = "cc.quota.day"
    _description = "Daily Quota"
    _inherit = ["cc.agent.owned.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date desc, agent_id"
    _rec_name = "date"

    date = fields.Date(string="Day", required=True, index=True)
    minimum = fields.Integer(string="Daily Minimum")
    handled = fields.Integer()
    state = fields.Selection(
        [("met", "Met"), ("missed", "Missed"), ("off", "Day off")],
        required=True,
        index=True,
        help="Day off: the company's weekend or a public holiday; the streak "
        "carries over it.",
    )
    streak = fields.Integer(
        help="Working days in a row, up to this one, on which the minimum was met."
    )
    flagged = fields.Boolean(
        readonly=True, help="The supervisor has been told of the missed minimum."
    )

    _sql_constraints = [
        (
            "agent_date_unique",
            "unique(agent_id, date)",
            "An agent's day is closed once.",
        ),
    ]

    @api.depends("agent_id", "date")
    def _compute_display_name(self):
        for day in self:
            day.display_name = f"{day.agent_id.name} — {day.date}"

    # ------------------------------------------------------------------
    # Counting
    # ------------------------------------------------------------------

    @api.model
    def _cc_agent_today(self, agent):
        return datetime.now(pytz.timezone(agent.tz or "Asia/Riyadh")).date()

    @api.model
    def _cc_running_contracts(self, agents, date):
        """The call center contract of each agent running on ``date``."""
        contracts = (
            self.env["hr.contract"]
            .sudo()
            .search(
                [
                    ("employee_id", "in", agents.ids),
                    ("cc_regime", "!=", False),
                    ("state", "in", ("open", "close")),
                    ("date_start", "<=", date),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">=", date),
                ],
                order="date_start desc",
            )
        )
        result = {}
        for contract in contracts:
            result.setdefault(contract.employee_id.id, contract)
        return result

    @api.model
    def _cc_count_by_channel(self, agents, date_from, date_to):
        """Valid handled contacts per (agent id, day) and contact type, for all
        agents in one query: {(agent id, day): {channel: count}}."""
        groups = (
            self.env["cc.interaction"]
            .sudo()
            ._read_group(
                [
                    ("agent_id", "in", agents.ids),
                    ("state", "=", "valid"),
                    ("date_local", ">=", date_from),
                    ("date_local", "<=", date_to),
                ],
                ["agent_id", "date_local:day", "channel"],
                ["__count"],
            )
        )
        counts = defaultdict(dict)
        for agent, day, channel, count in groups:
            counts[(agent.id, day)][channel] = count
        return counts

    @api.model
    def _cc_handled(self, by_channel, contract):
        """How many of a day's contacts count toward ``contract``'s minimum."""
        channels = contract._cc_counted_channels() if contract else None
        return sum(
            count
            for channel, count in by_channel.items()
            if channels is None or channel in channels
        )

    @api.model
    def _cc_off_days(self, company, date_from, date_to):
        """The company's weekend days and public holidays between two dates."""
        calendar = company.resource_calendar_id
        if not calendar:
            return set()
        off = {
            date_from + timedelta(days=n)
            for n in range((date_to - date_from).days + 1)
            if not calendar._works_on_date(date_from + timedelta(days=n))
        }
        tz = pytz.timezone(calendar.tz or "Asia/Riyadh")
        start = tz.localize(datetime.combine(date_from, time.min)).astimezone(pytz.utc)
        stop = tz.localize(datetime.combine(date_to, time.max)).astimezone(pytz.utc)
        leaves = (
            self.env["resource.calendar.leaves"]
            .sudo()
            .search(
                [
                    ("resource_id", "=", False),
                    ("calendar_id", "in", (calendar.id, False)),
                    ("company_id", "in", (company.id, False)),
                    ("date_from", "<=", stop.replace(tzinfo=None)),
                    ("date_to", ">=", start.replace(tzinfo=None)),
                ]
            )
        )
        for leave in leaves:
            first = pytz.utc.localize(leave.date_from).astimezone(tz).date()
            last = (
                (pytz.utc.localize(leave.date_to) - timedelta(seconds=1))
                .astimezone(tz)
                .date()
            )
            day = max(first, date_from)
            while day <= min(last, date_to):
                off.add(day)
                day += timedelta(days=1)
        return off

    @api.model
    def _cc_progress(self, agents, date=None):
        """Live progress of each agent on ``date`` (default: each agent's own
        today): {agent id: {'date', 'handled', 'minimum', 'off'}}. A constant
        number of queries whatever the number of agents."""
        agents = agents.sudo()
        by_day = defaultdict(lambda: self.env["hr.employee"].sudo())
        for agent in agents:
            by_day[date or self._cc_agent_today(agent)] |= agent
        result = {}
        for day, day_agents in by_day.items():
            contracts = self._cc_running_contracts(day_agents, day)
            counts = self._cc_count_by_channel(day_agents, day, day)
            off_by_company = {
                company: self._cc_off_days(company, day, day)
                for company in day_agents.company_id
            }
            for agent in day_agents:
                contract = contracts.get(agent.id)
                result[agent.id] = {
                    "date": day,
                    "handled": self._cc_handled(
                        counts.get((agent.id, day), {}), contract
                    ),
                    "minimum": contract.cc_daily_minimum if contract else 0,
                    "off": day in off_by_company[agent.company_id],
                }
        return result

    # ------------------------------------------------------------------
    # End of day
    # ------------------------------------------------------------------

    @api.model
    def _cron_close_days(self):
        """Closes every agent's past days not closed yet (up to a week back)."""
        agents = self.env["hr.employee"].sudo().search([("is_cc_agent", "=", True)])
        closed = self._cc_close_days(agents)
        _logger.info("Closed %s agent days", len(closed))

    @api.model
    def _cc_close_days(self, agents, until=None):
        """Closes the days of ``agents`` up to ``until`` (default: each agent's
        yesterday), from the day after the last closed one. Idempotent."""
        last_closed = dict(
            self.sudo()._read_group(
                [("agent_id", "in", agents.ids)], ["agent_id"], ["date:max"]
            )
        )
        plan = {}
        for agent in agents:
            last_day = until or self._cc_agent_today(agent) - timedelta(days=1)
            first_day = last_day - timedelta(days=CATCH_UP_DAYS - 1)
            previous = last_closed.get(agent)
            if previous:
                first_day = max(first_day, previous + timedelta(days=1))
            if first_day <= last_day:
                plan[agent] = (first_day, last_day)
        if not plan:
            return self.browse()
        date_from = min(first for first, _last in plan.values())
        date_to = max(last for _first, last in plan.values())
        planned = self.env["hr.employee"].browse([agent.id for agent in plan]).sudo()
        contracts_by_day = {}
        counts = self._cc_count_by_channel(planned, date_from, date_to)
        vals_list = []
        streaks = self._cc_last_streaks(planned)
        off_by_company = {
            company: self._cc_off_days(company, date_from, date_to)
            for company in planned.company_id
        }
        for agent, (first_day, last_day) in plan.items():
            day = first_day
            streak = streaks.get(agent.id, 0)
            while day <= last_day:
                if day not in contracts_by_day:
                    contracts_by_day[day] = self._cc_running_contracts(planned, day)
                contract = contracts_by_day[day].get(agent.id)
                if contract and contract.cc_daily_minimum > 0:
                    count = self._cc_handled(counts.get((agent.id, day), {}), contract)
                    if day in off_by_company[agent.company_id]:
                        state = "off"
                    elif count >= contract.cc_daily_minimum:
                        state, streak = "met", streak + 1
                    else:
                        state, streak = "missed", 0
                    vals_list.append(
                        {
                            "agent_id": agent.id,
                            "date": day,
                            "minimum": contract.cc_daily_minimum,
                            "handled": count,
                            "state": state,
                            "streak": streak,
                        }
                    )
                day += timedelta(days=1)
        days = (
            self.sudo()
            .with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
            .create(vals_list)
        )
        days.filtered(lambda d: d.state == "missed")._cc_flag_misses()
        return days

    @api.model
    def _cc_last_streaks(self, agents):
        """Each agent's streak on their last closed day."""
        # DISTINCT ON keeps one row per agent: the ORM has no way to say it.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT ON (agent_id) agent_id, streak FROM cc_quota_day"
                " WHERE agent_id = ANY(%s) ORDER BY agent_id, date DESC",
                agents.ids,
            )
        )
        return dict(self.env.cr.fetchall())

    def _cc_flag_misses(self):
        """Tells each missed day's supervisor, once."""
        todo = self.env.ref("mail.mail_activity_data_todo")
        managers = self.env.ref("cc_agent.group_cc_manager").users
        for day in self.filtered(lambda d: d.state == "missed" and not d.flagged):
            supervisor = (
                day.agent_id.parent_id.user_id
                or day.agent_id.coach_id.user_id
                or managers.filtered(
                    lambda u, day=day: day.company_id in u.company_ids
                )[:1]
            )
            if supervisor:
                day.activity_schedule(
                    activity_type_id=todo.id,
                    summary=self.env._(
                        "%(agent)s missed the daily minimum "
                        "(%(handled)s of %(minimum)s)",
                        agent=day.agent_id.name,
                        handled=day.handled,
                        minimum=day.minimum,
                    ),
                    user_id=supervisor.id,
                    date_deadline=fields.Date.context_today(self),
                )
            day.flagged = True
