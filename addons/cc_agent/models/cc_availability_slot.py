import bisect
import functools
import logging
from collections import defaultdict
from datetime import date, datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta
from hijridate import Gregorian, Hijri

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

KINDS = [
    ("weekly", "Every week"),
    ("extra", "Extra (one day)"),
    ("off", "Off (one day)"),
]
WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]
DEFAULT_TZ = "Asia/Riyadh"
# Slots are declared in quarter hours.
QUARTER_HOUR = 0.25
# A weekly slot of a contract with no end is checked over a year and a week:
# every weekday once in and out of Ramadan.
OPEN_END_DAYS = 372
# A reminder later than this after the slot's start is no use any more.
REMINDER_MINUTES = 15
# An agent whose next slot starts within this time of the end of the current
# one keeps working: they are not logged out in between.
CONTINUE_MINUTES = 15
CAP_CODES = [
    "CC_DAY_MAX_HOURS",
    "CC_WEEK_MAX_HOURS",
    "CC_PARTTIME_MAX_DAY_SHARE",
    "CC_MAX_CONSECUTIVE_HOURS",
    "CC_MIN_BREAK_MINUTES",
    "CC_RAMADAN_DAY_MAX_HOURS",
    "CC_RAMADAN_WEEK_MAX_HOURS",
]


# ----------------------------------------------------------------------
# Calendar arithmetic (pure functions)
# ----------------------------------------------------------------------


def merge_intervals(intervals):
    """Sorted disjoint intervals covering ``intervals``; touching ones join."""
    merged = []
    for start, stop in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged


def subtract_intervals(intervals, removed):
    """The parts of (merged) ``intervals`` outside every interval of ``removed``."""
    removed = merge_intervals(removed)
    result = []
    for start, stop in intervals:
        for cut_start, cut_stop in removed:
            if cut_stop <= start or cut_start >= stop:
                continue
            if cut_start > start:
                result.append((start, cut_start))
            start = max(start, cut_stop)
            if start >= stop:
                break
        if start < stop:
            result.append((start, stop))
    return result


def week_start(day):
    """The Sunday starting ``day``'s week: the Saudi working week runs from
    Sunday, so weekly caps count Sunday to Saturday."""
    return day - timedelta(days=(day.weekday() + 1) % 7)


def hour_label(hour):
    """16.5 -> '16:30'."""
    minutes = round(hour * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@functools.lru_cache(maxsize=256)
def _ramadan_of(hijri_year):
    """(first, last) Gregorian day of Ramadan ``hijri_year`` in the Umm al-Qura
    calendar, or None out of the calendar's range (1343-1500 AH)."""
    try:
        first = Hijri(hijri_year, 9, 1).to_gregorian()
        following = Hijri(hijri_year, 10, 1).to_gregorian()
    except (OverflowError, ValueError):
        return None
    return (
        date(first.year, first.month, first.day),
        date(following.year, following.month, following.day) - timedelta(days=1),
    )


def ramadan_periods(first_day, last_day):
    """The (first, last) days of the Ramadans touching [first_day, last_day]."""
    periods = []
    for year in range(first_day.year - 1, last_day.year + 2):
        try:
            hijri_year = Gregorian(year, 1, 1).to_hijri().year
        except (OverflowError, ValueError):
            continue
        for candidate in (hijri_year, hijri_year + 1):
            period = _ramadan_of(candidate)
            if period and period[1] >= first_day and period[0] <= last_day:
                periods.append(period)
    return sorted(set(periods))


def in_periods(day, periods):
    return any(first <= day <= last for first, last in periods)


class CcAvailabilitySlot(models.Model):
    """When an agent can work, as they declare it from their phone.

    A weekly slot repeats on one day of the week while it is valid; a one-off
    'extra' slot adds hours on a date, an 'off' slot takes hours away on a
    date (a weekly slot the agent cannot keep that day). Hours are the agent's
    local time (their time zone, else the company calendar's, else Riyadh).

    Every change is checked against the labour rules and the agent's running
    call center contract, all read from dated rule parameters: the day's and
    the week's hours (8 and 48 by law), under half the company's day for
    part-time contracts, the agreed hours of the month for flexible ones, at
    most 5 hours in a row without a 30-minute break, and in Ramadan (Umm
    al-Qura calendar) 6 hours a day and 36 a week. The company's weekend is
    refused, and so is an 'extra' slot on a public holiday; weekly slots
    simply do not occur on holidays and leaves.

    Ramadan: a weekly slot plan that would pass the Ramadan caps on one of the
    Ramadan days it covers is refused, with the first such date in the error:
    the agent ends the slot the day before Ramadan ('Valid Until') and
    declares a shorter Ramadan plan, or declares those days 'off' (or shorter
    'extra' hours) first. A manager gets a plan that holds every day, rather
    than a plan that is silently cut in Ramadan.

    Caps are checked on the plan as declared, before holidays and leaves are
    taken out: a holiday moved or a leave cancelled cannot turn a valid plan
    into an unlawful one.

    As a slot starts, an Offline agent is reminded (going Available logs them
    into their queues). As it ends, the agent goes Offline, after the call
    they are on, unless their next slot starts within CONTINUE_MINUTES or
    _cc_keep_online_at_slot_end keeps them (an agent who answered a summons
    works on without a slot): nobody is cut off in the middle of their work.
    """

    _name = "cc.availability.slot"
    _description = "Agent Availability Slot"
    _inherit = ["cc.agent.owned.mixin"]
    _order = "agent_id, kind desc, date, weekday, hour_from"

    agent_id = fields.Many2one(default=lambda self: self._default_agent_id())
    kind = fields.Selection(
        KINDS,
        required=True,
        default="weekly",
        index=True,
        help="Every week: a recurring slot.\nExtra: more hours on one date.\n"
        "Off: not available on one date (a weekly slot the agent cannot keep).",
    )
    weekday = fields.Selection(WEEKDAYS, string="Day of the Week", index=True)
    date = fields.Date(index=True, help="The date of a one-off slot (extra or off).")
    hour_from = fields.Float(string="From", required=True)
    hour_to = fields.Float(string="To", required=True)
    hours = fields.Float(compute="_compute_hours", store=True, aggregator="sum")
    date_from = fields.Date(
        string="Valid From",
        default=fields.Date.context_today,
        index=True,
        help="A weekly slot repeats from this date.",
    )
    date_to = fields.Date(
        string="Valid Until",
        index=True,
        help="A weekly slot repeats until this date (included); empty: until "
        "the end of the contract.",
    )
    active = fields.Boolean(default=True)

    @api.model
    def _default_agent_id(self):
        employee = self.env.user.employee_id
        return employee if employee.sudo().is_cc_agent else False

    @api.depends("hour_from", "hour_to")
    def _compute_hours(self):
        for slot in self:
            slot.hours = max(slot.hour_to - slot.hour_from, 0.0)

    @api.depends("kind", "weekday", "date", "hour_from", "hour_to")
    @api.depends_context("lang")
    def _compute_display_name(self):
        weekdays = dict(self._fields["weekday"]._description_selection(self.env))
        for slot in self:
            hours = f"{hour_label(slot.hour_from)}–{hour_label(slot.hour_to)}"
            if slot.kind == "weekly":
                slot.display_name = f"{weekdays.get(slot.weekday, '')} {hours}"
            elif slot.kind == "extra":
                slot.display_name = self.env._(
                    "%(date)s %(hours)s (extra)", date=slot.date, hours=hours
                )
            else:
                slot.display_name = self.env._(
                    "%(date)s %(hours)s (off)", date=slot.date, hours=hours
                )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains(
        "agent_id",
        "kind",
        "weekday",
        "date",
        "hour_from",
        "hour_to",
        "date_from",
        "date_to",
        "active",
    )
    def _check_slot(self):
        for slot in self:
            slot._cc_check_shape()
            if not slot.active:
                # Archiving an 'off' gives the weekly hours back.
                contracts = slot.kind == "off" and slot._cc_contracts(required=False)
                if contracts:
                    slot._cc_check_caps(contracts)
                continue
            contracts = slot._cc_contracts()
            if slot.kind != "off":
                slot._cc_check_working_day()
            slot._cc_check_overlap()
            slot._cc_check_caps(contracts)

    def _cc_check_shape(self):
        self.ensure_one()
        if not (0 <= self.hour_from < self.hour_to <= 24):
            raise ValidationError(
                self.env._(
                    "Slot %(slot)s: the field 'From' (%(hour_from)s) must come "
                    "before the field 'To' (%(hour_to)s), both between 00:00 and "
                    "24:00.",
                    slot=self.display_name,
                    hour_from=hour_label(self.hour_from),
                    hour_to=hour_label(self.hour_to),
                )
            )
        for field_name in ("hour_from", "hour_to"):
            value = self[field_name]
            if abs(value / QUARTER_HOUR - round(value / QUARTER_HOUR)) > 1e-6:
                raise ValidationError(
                    self.env._(
                        "Slot %(slot)s: the field '%(field)s' is %(value)s; slots "
                        "start and end on a quarter hour (:00, :15, :30 or :45).",
                        slot=self.display_name,
                        field=self._fields[field_name]._description_string(self.env),
                        value=hour_label(value),
                    )
                )
        if self.kind == "weekly":
            if not self.weekday:
                raise ValidationError(
                    self.env._(
                        "A weekly slot needs the field 'Day of the Week' (%(slot)s).",
                        slot=self.display_name,
                    )
                )
            if not self.date_from:
                raise ValidationError(
                    self.env._(
                        "Weekly slot %(slot)s: the field 'Valid From' is required.",
                        slot=self.display_name,
                    )
                )
            if self.date_to and self.date_to < self.date_from:
                raise ValidationError(
                    self.env._(
                        "Weekly slot %(slot)s: the field 'Valid Until' (%(date_to)s) "
                        "is before the field 'Valid From' (%(date_from)s).",
                        slot=self.display_name,
                        date_to=self.date_to,
                        date_from=self.date_from,
                    )
                )
        elif not self.date:
            raise ValidationError(
                self.env._(
                    "A one-off slot (extra or off) needs the field 'Date' (%(slot)s).",
                    slot=self.display_name,
                )
            )

    def _cc_first_day(self):
        return self.date_from if self.kind == "weekly" else self.date

    def _cc_contracts(self, required=True):
        """The agent's call center contracts over the slot's validity, as
        [(first day, last day, contract)]; a clear error when none runs on
        the slot's first day (if ``required``)."""
        self.ensure_one()
        first_day = self._cc_first_day()
        last_day = self.date_to if self.kind == "weekly" else self.date
        # sudo: agents read only their own contract; this one is theirs (or
        # a supervisor's agent's), needed to check the hours they declare.
        records = (
            self.env["hr.contract"]
            .sudo()
            .search(
                [
                    ("employee_id", "=", self.agent_id.id),
                    ("cc_regime", "!=", False),
                    ("state", "in", ("open", "close")),
                    ("date_start", "<=", last_day or date.max),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">=", first_day),
                ],
                order="date_start",
            )
        )
        ranges = [
            (
                contract.date_start,
                contract.date_end or first_day + timedelta(days=OPEN_END_DAYS),
                contract,
            )
            for contract in records
        ]
        if required and not any(start <= first_day <= end for start, end, _c in ranges):
            raise ValidationError(
                self.env._(
                    "%(agent)s has no call center contract running on %(date)s: "
                    "availability is declared under a running contract (slot "
                    "%(slot)s).",
                    agent=self.agent_id.name,
                    date=first_day,
                    slot=self.display_name,
                )
            )
        return ranges

    def _cc_check_working_day(self):
        """Not on the company's weekend; an extra slot not on a holiday."""
        self.ensure_one()
        company = self.agent_id.company_id
        calendar = company.resource_calendar_id
        if not calendar:
            return
        working = set(calendar.attendance_ids.mapped("dayofweek"))
        weekday = self.weekday if self.kind == "weekly" else str(self.date.weekday())
        if weekday not in working:
            raise ValidationError(
                self.env._(
                    "Slot %(slot)s: %(day)s is not a working day of %(company)s "
                    "(working schedule %(calendar)s).",
                    slot=self.display_name,
                    day=dict(self._fields["weekday"]._description_selection(self.env))[
                        weekday
                    ],
                    company=company.name,
                    calendar=calendar.name,
                )
            )
        if self.kind == "extra" and self.date in self.env["cc.quota.day"]._cc_off_days(
            company, self.date, self.date
        ):
            raise ValidationError(
                self.env._(
                    "Slot %(slot)s: %(date)s is a public holiday of %(company)s; "
                    "no extra slot on a holiday.",
                    slot=self.display_name,
                    date=self.date,
                    company=company.name,
                )
            )

    def _cc_check_overlap(self):
        self.ensure_one()
        domain = [
            ("id", "!=", self.id),
            ("agent_id", "=", self.agent_id.id),
            ("hour_from", "<", self.hour_to),
            ("hour_to", ">", self.hour_from),
        ]
        if self.kind == "weekly":
            domain += [
                ("kind", "=", "weekly"),
                ("weekday", "=", self.weekday),
                "|",
                ("date_to", "=", False),
                ("date_to", ">=", self.date_from),
            ]
            if self.date_to:
                domain.append(("date_from", "<=", self.date_to))
        else:
            # An extra and an off on the same hours would contradict each other.
            domain += [("kind", "in", ("extra", "off")), ("date", "=", self.date)]
        other = self.sudo().search(domain, limit=1)
        if other:
            raise ValidationError(
                self.env._(
                    "Slot %(slot)s overlaps %(agent)s's slot %(other)s: change the "
                    "fields 'From' and 'To'.",
                    slot=self.display_name,
                    agent=self.agent_id.name,
                    other=other.display_name,
                )
            )

    def _cc_days(self, contracts):
        """The days the slot touches while a contract runs."""
        self.ensure_one()
        if self.kind != "weekly":
            return [self.date]
        last_day = self.date_to or max(end for _start, end, _c in contracts)
        day = self.date_from + timedelta(
            days=(int(self.weekday) - self.date_from.weekday()) % 7
        )
        days = []
        while day <= last_day:
            if any(start <= day <= end for start, end, _c in contracts):
                days.append(day)
            day += timedelta(days=7)
        return days

    def _cc_check_caps(self, contracts):
        """The agent's plan on the days this slot touches stays within every
        cap of the labour rules and of the contract."""
        self.ensure_one()
        days = self._cc_days(contracts)
        if not days:
            return
        if self.kind != "off":
            self._cc_check_length(days[0])
        agent = self.agent_id
        first = min(week_start(days[0]), days[0].replace(day=1))
        last = max(
            week_start(days[-1]) + timedelta(days=6),
            days[-1] + relativedelta(day=31),
        )
        plan = self._cc_local_plans(
            self._cc_plan_slots(agent, first, last), first, last
        )
        plan = plan.get(agent.id, {})
        day_hours = {
            day: sum(stop - start for start, stop in hours)
            for day, hours in plan.items()
        }
        rule = self._cc_rules(CAP_CODES, first)
        ramadan = ramadan_periods(first, last)
        company_day = agent.company_id.resource_calendar_id.hours_per_day or 8.0
        checked_weeks, checked_months = set(), set()
        for day in days:
            contract = next(c for start, end, c in contracts if start <= day <= end)
            hours = day_hours.get(day, 0.0)
            self._cc_check_stretches(day, plan.get(day, []), rule)
            self._cc_check_cap(day, hours, rule("CC_DAY_MAX_HOURS", day), "day")
            if contract.cc_regime == "part_time":
                limit = company_day * rule("CC_PARTTIME_MAX_DAY_SHARE", day)
                if hours >= limit:
                    raise ValidationError(
                        self.env._(
                            "Slot %(slot)s: %(agent)s would be available %(hours)s "
                            "hours on %(date)s; a part-time agent works under "
                            "%(limit)s hours a day (less than half the company's "
                            "%(day)s-hour day).",
                            slot=self.display_name,
                            agent=agent.name,
                            hours=hours,
                            date=day,
                            limit=limit,
                            day=company_day,
                        )
                    )
            in_ramadan = in_periods(day, ramadan)
            if in_ramadan:
                self._cc_check_cap(
                    day,
                    hours,
                    rule("CC_RAMADAN_DAY_MAX_HOURS", day),
                    "ramadan_day",
                )
            sunday = week_start(day)
            if (sunday, in_ramadan) not in checked_weeks:
                checked_weeks.add((sunday, in_ramadan))
                week = [sunday + timedelta(days=n) for n in range(7)]
                self._cc_check_cap(
                    day,
                    sum(day_hours.get(d, 0.0) for d in week),
                    rule("CC_WEEK_MAX_HOURS", day),
                    "week",
                )
                if in_ramadan:
                    self._cc_check_cap(
                        day,
                        sum(
                            day_hours.get(d, 0.0)
                            for d in week
                            if in_periods(d, ramadan)
                        ),
                        rule("CC_RAMADAN_WEEK_MAX_HOURS", day),
                        "ramadan_week",
                    )
            month = day.replace(day=1)
            if contract.cc_regime == "flexible" and month not in checked_months:
                checked_months.add(month)
                total = sum(
                    hours for d, hours in day_hours.items() if d.replace(day=1) == month
                )
                if total > contract.cc_monthly_hours:
                    raise ValidationError(
                        self.env._(
                            "Slot %(slot)s: %(agent)s would be available %(hours)s "
                            "hours in the month of %(date)s; their flexible "
                            "contract %(contract)s agrees on %(limit)s hours a "
                            "month (field 'Monthly Hours').",
                            slot=self.display_name,
                            agent=agent.name,
                            hours=total,
                            date=day,
                            contract=contract.name,
                            limit=contract.cc_monthly_hours,
                        )
                    )

    def _cc_check_cap(self, day, hours, limit, cap):
        if hours <= limit:
            return
        labels = {
            "day": self.env._("at most %(limit)s hours a day", limit=limit),
            "week": self.env._(
                "at most %(limit)s hours a week (Sunday to Saturday)", limit=limit
            ),
            "ramadan_day": self.env._(
                "in Ramadan at most %(limit)s hours a day", limit=limit
            ),
            "ramadan_week": self.env._(
                "in Ramadan at most %(limit)s hours a week", limit=limit
            ),
        }
        if cap.startswith("ramadan") and self.kind == "weekly":
            advice = self.env._(
                " End this weekly slot before Ramadan (field 'Valid Until') and "
                "declare a shorter Ramadan plan, or declare those Ramadan days "
                "'off' first."
            )
        else:
            advice = ""
        raise ValidationError(
            self.env._(
                "Slot %(slot)s: %(agent)s would be available %(hours)s hours "
                "(%(period)s of %(date)s); an agent works %(cap)s.%(advice)s",
                slot=self.display_name,
                agent=self.agent_id.name,
                hours=hours,
                period=self.env._("week")
                if cap.endswith("week")
                else self.env._("day"),
                date=day,
                cap=labels[cap],
                advice=advice,
            )
        )

    def _cc_check_length(self, day):
        limit = self._cc_rules(["CC_MAX_CONSECUTIVE_HOURS"], day)(
            "CC_MAX_CONSECUTIVE_HOURS", day
        )
        if self.hour_to - self.hour_from > limit:
            raise ValidationError(
                self.env._(
                    "Slot %(slot)s lasts %(hours)s hours: nobody works more than "
                    "%(limit)s hours in a row without a break (Labour Law art. "
                    "101); split it in two slots with a break between them.",
                    slot=self.display_name,
                    hours=self.hour_to - self.hour_from,
                    limit=limit,
                )
            )

    def _cc_check_stretches(self, day, hours, rule):
        """Slots following each other with less than the break between them
        are one stretch of work, under the same limit as a single slot."""
        limit = rule("CC_MAX_CONSECUTIVE_HOURS", day)
        gap = rule("CC_MIN_BREAK_MINUTES", day) / 60.0
        stretch_start = stretch_end = None
        for start, stop in hours:
            if stretch_end is None or start - stretch_end >= gap - 1e-6:
                stretch_start = start
            stretch_end = stop
            if stretch_end - stretch_start > limit:
                raise ValidationError(
                    self.env._(
                        "Slot %(slot)s: on %(date)s %(agent)s would work from "
                        "%(hour_from)s to %(hour_to)s with breaks shorter than "
                        "%(break)s minutes; after %(limit)s hours in a row comes a "
                        "break of %(break)s minutes at least (Labour Law art. 101).",
                        slot=self.display_name,
                        date=day,
                        agent=self.agent_id.name,
                        hour_from=hour_label(stretch_start),
                        hour_to=hour_label(stretch_end),
                        limit=limit,
                        **{"break": int(gap * 60)},
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    def unlink(self):
        # Removing an 'off' gives the weekly hours back: they must still fit.
        offs = [
            {
                "agent_id": slot.agent_id.id,
                "kind": "off",
                "date": slot.date,
                "hour_from": slot.hour_from,
                "hour_to": slot.hour_to,
            }
            for slot in self
            if slot.kind == "off" and slot.active
        ]
        result = super().unlink()
        for values in offs:
            removed = self.new(values)
            contracts = removed._cc_contracts(required=False)
            if contracts:
                removed._cc_check_caps(contracts)
        return result

    # ------------------------------------------------------------------
    # Plans and occurrences
    # ------------------------------------------------------------------

    @api.model
    def _cc_rules(self, codes, first_day):
        """A function (code, day) -> the value in force that day, from one read
        of the values (a clear error when one is missing on ``first_day``)."""
        self.env["cc.rule.parameter"]._get_values(codes, first_day)
        values = (
            self.env["cc.rule.parameter.value"]
            .sudo()
            .search([("parameter_id.code", "in", list(codes))], order="date_from")
        )
        timeline = defaultdict(lambda: ([], []))
        for value in values:
            dates, amounts = timeline[value.parameter_id.code]
            dates.append(value.date_from)
            amounts.append(value.value)

        def rule(code, day):
            dates, amounts = timeline[code]
            return amounts[max(bisect.bisect_right(dates, day) - 1, 0)]

        return rule

    @api.model
    def _cc_plan_slots(self, agents, first, last):
        """The active slots of ``agents`` that can occur between two days, in
        one search."""
        return self.sudo().search(
            [
                ("agent_id", "in", agents.ids),
                "|",
                "&",
                "&",
                ("kind", "=", "weekly"),
                ("date_from", "<=", last),
                "|",
                ("date_to", "=", False),
                ("date_to", ">=", first),
                "&",
                "&",
                ("kind", "in", ("extra", "off")),
                ("date", ">=", first),
                ("date", "<=", last),
            ]
        )

    @api.model
    def _cc_local_plans(self, slots, first, last):
        """{agent id: {day: merged [(hour from, hour to)]}} from ``slots``
        between two days, in the agents' local hours: weekly slots less the
        'off' ones, plus the 'extra' ones (no holidays or leaves taken out)."""
        weekly = defaultdict(list)
        one_off = defaultdict(lambda: {"extra": [], "off": []})
        for slot in slots:
            if slot.kind == "weekly":
                weekly[(slot.agent_id.id, int(slot.weekday))].append(slot)
            else:
                one_off[(slot.agent_id.id, slot.date)][slot.kind].append(
                    (slot.hour_from, slot.hour_to)
                )
        plans = defaultdict(dict)
        for agent_id in set(slots.agent_id.ids):
            day = first
            while day <= last:
                hours = [
                    (slot.hour_from, slot.hour_to)
                    for slot in weekly.get((agent_id, day.weekday()), ())
                    if slot.date_from <= day
                    and (not slot.date_to or day <= slot.date_to)
                ]
                changes = one_off.get((agent_id, day))
                if changes:
                    hours = subtract_intervals(merge_intervals(hours), changes["off"])
                    hours += changes["extra"]
                if hours:
                    plans[agent_id][day] = merge_intervals(hours)
                day += timedelta(days=1)
        return plans

    @api.model
    def _cc_tz(self, agent):
        return pytz.timezone(
            agent.tz or agent.company_id.resource_calendar_id.tz or DEFAULT_TZ
        )

    @api.model
    def _cc_occurrences(self, agents, start, end):
        """When ``agents`` are available between ``start`` and ``end`` (naive
        UTC): [(employee id, start, end)] in naive UTC, clipped to the window,
        merged per agent (touching slots, and slots across midnight, are one
        occurrence), with holidays, leaves and 'off' slots taken out, 'extra'
        ones added, and only while a call center contract runs. One search of
        slots, contracts and leaves whatever the number of agents and days."""
        if not agents or start >= end:
            return []
        # sudo: a helper for the staffing and summons code, which checks who
        # may see what; agents' plans and contracts are read as a whole.
        agents = agents.sudo()
        first = (start - timedelta(days=1)).date()
        last = (end + timedelta(days=1)).date()
        plans = self._cc_local_plans(
            self._cc_plan_slots(agents, first, last), first, last
        )
        if not plans:
            return []
        contracts = defaultdict(list)
        for contract in (
            self.env["hr.contract"]
            .sudo()
            .search(
                [
                    ("employee_id", "in", list(plans)),
                    ("cc_regime", "!=", False),
                    ("state", "in", ("open", "close")),
                    ("date_start", "<=", last),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">=", first),
                ]
            )
        ):
            contracts[contract.employee_id.id].append(
                (contract.date_start, contract.date_end or date.max)
            )
        away = self.env["hr.employee"]._cc_leave_intervals(agents, start, end)
        result = []
        for agent in agents:
            days = plans.get(agent.id)
            if not days:
                continue
            tz = self._cc_tz(agent)
            intervals = []
            for day, hours in days.items():
                if not in_periods(day, contracts.get(agent.id, ())):
                    continue
                midnight = datetime.combine(day, time.min)
                for hour_from, hour_to in hours:
                    intervals.append(
                        (
                            self._cc_to_utc(tz, midnight, hour_from),
                            self._cc_to_utc(tz, midnight, hour_to),
                        )
                    )
            intervals = subtract_intervals(
                merge_intervals(intervals), away.get(agent.id, [])
            )
            for occurrence_start, occurrence_end in intervals:
                occurrence_start = max(occurrence_start, start)
                occurrence_end = min(occurrence_end, end)
                if occurrence_start < occurrence_end:
                    result.append((agent.id, occurrence_start, occurrence_end))
        return result

    @api.model
    def _cc_to_utc(self, tz, midnight, hour):
        local = tz.localize(midnight + timedelta(hours=hour))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    # ------------------------------------------------------------------
    # At a slot's start and end
    # ------------------------------------------------------------------

    @api.model
    def _cron_slot_reminders(self):
        """At the start of a slot, an Offline agent is reminded; at its end
        (no other slot within CONTINUE_MINUTES), an agent still online goes
        Offline, after the call they are on."""
        agents = self.env["hr.employee"].sudo().search([("is_cc_agent", "=", True)])
        self._cc_slot_boundaries(agents, fields.Datetime.now())

    @api.model
    def _cc_slot_boundaries(self, agents, now):
        """Reminds and logs out ``agents`` as their slots start and end around
        ``now``. Idempotent: each start and end handled is kept as a
        cc.availability.notice, so a second run (or a late one) does nothing
        again.

        Logging out at the end: the agent has no slot starting within
        CONTINUE_MINUTES (they keep working from one slot to the next), and
        is not kept online by _cc_keep_online_at_slot_end (an agent who
        answered a summons works on without a slot). Available or on a break:
        Offline at once. On a call or wrapping up: flagged, and Offline as
        soon as they would go back to Available (cc.presence.log)."""
        agents = agents.sudo()
        # A day each side: whole occurrences (the reminder tells the end),
        # and the next one after an end.
        occurrences = defaultdict(list)
        for agent_id, start, end in self._cc_occurrences(
            agents, now - timedelta(days=1), now + timedelta(days=1)
        ):
            occurrences[agent_id].append((start, end))
        if not occurrences:
            return
        since = now - timedelta(minutes=REMINDER_MINUTES)
        Notice = self.env["cc.availability.notice"].sudo()
        done = {
            (notice.agent_id.id, notice.kind, notice.moment)
            for notice in Notice.search(
                [("agent_id", "in", list(occurrences)), ("moment", ">", since)]
            )
        }
        starting, ending = {}, {}
        for agent in agents.browse(list(occurrences)):
            blocks = occurrences[agent.id]
            for index, (start, end) in enumerate(blocks):
                if since < start <= now and (agent.id, "start", start) not in done:
                    starting[agent] = (start, end)
                following = blocks[index + 1][0] if index + 1 < len(blocks) else None
                if (
                    since < end <= now
                    and (agent.id, "end", end) not in done
                    and (
                        following is None
                        or following - end > timedelta(minutes=CONTINUE_MINUTES)
                    )
                ):
                    ending[agent] = (start, end)
        if not starting and not ending:
            return
        involved = self.env["hr.employee"].sudo().union(*starting, *ending)
        # The agents' presence changes under their lock, as in
        # cc.presence.log._cc_set_states: a call starting meanwhile waits.
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM hr_employee WHERE id IN %s ORDER BY id FOR UPDATE",
                tuple(involved.ids),
            )
        )
        Presence = self.env["cc.presence.log"].sudo()
        current = Presence._cc_current(involved)
        notices = []
        for agent, (start, end) in starting.items():
            log = current.get(agent.id)
            online = log and log.state != "offline"
            notices.append(
                {
                    "agent_id": agent.id,
                    "kind": "start",
                    "moment": start,
                    "outcome": "online" if online else "reminded",
                }
            )
            if not online:
                agent.user_id._bus_send(
                    "cc_agent/slot",
                    {
                        "kind": "start",
                        "agent_id": agent.id,
                        "start": fields.Datetime.to_string(start),
                        "end": fields.Datetime.to_string(end),
                    },
                )
        kept = self._cc_keep_online_at_slot_end(
            self.env["hr.employee"].sudo().union(*ending), now
        )
        changes = []
        for agent, (start, end) in ending.items():
            log = current.get(agent.id)
            if not log or log.state == "offline":
                outcome = "offline"
            elif agent in kept:
                outcome = "kept"
            elif log.state in ("on_call", "wrap_up"):
                outcome = "after_call"
                log.cc_logout_pending = True
            else:
                outcome = "logged_out"
                changes.append((agent, "offline", None, now))
            notices.append(
                {"agent_id": agent.id, "kind": "end", "moment": end, "outcome": outcome}
            )
            if outcome in ("after_call", "logged_out"):
                agent.user_id._bus_send(
                    "cc_agent/slot",
                    {
                        "kind": "end",
                        "agent_id": agent.id,
                        "start": fields.Datetime.to_string(start),
                        "end": fields.Datetime.to_string(end),
                        "after_call": outcome == "after_call",
                    },
                )
        Presence._cc_set_states(changes, origin="system")
        Notice.create(notices)
        _logger.info(
            "Availability slots: %s starts and %s ends handled",
            len(starting),
            len(ending),
        )

    @api.model
    def _cc_keep_online_at_slot_end(self, agents, now):
        """The agents among ``agents`` who stay online although their slot
        ends (none here; the telephony keeps those who answered a summons)."""
        return agents.browse()
