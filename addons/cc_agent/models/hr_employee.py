from collections import defaultdict
from datetime import datetime, time

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools import normalize_digits, saudi_id_problem
from .cc_availability_slot import QUARTER_HOUR, in_periods, ramadan_periods, week_start

# Presence states that count as time worked (a break does not).
WORKING_STATES = ("available", "on_call", "wrap_up")


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    @api.model
    def check_field_access_rights(self, operation, field_names):
        # hr asks has_group("hr.group_hr_user") for every query on employees,
        # to hide four fields from others than HR. Code running as superuser
        # (the telephony listener applies thousands of events a minute) reads
        # what it needs without that check.
        if self.env.su:
            return field_names or list(self._fields)
        return super().check_field_access_rights(operation, field_names)

    is_cc_agent = fields.Boolean(
        string="Call Center Agent",
        index=True,
        tracking=True,
        help="Takes customer calls and e-mails in the call center. "
        "An agent works inside Odoo, so needs a user.",
    )
    cc_agent_code = fields.Char(
        string="Agent Code",
        copy=False,
        index=True,
        tracking=True,
        help="Given from a sequence when the employee becomes an agent.",
    )
    cc_extension = fields.Char(
        string="FreeSWITCH Agent ID",
        copy=False,
        tracking=True,
        help="The agent's name in FreeSWITCH's mod_callcenter and their extension "
        "(digits only).",
    )
    cc_language_ids = fields.Many2many(
        "res.lang",
        "hr_employee_cc_language_rel",
        "employee_id",
        "lang_id",
        string="Languages Spoken",
        groups="hr.group_hr_user",
        context={"active_test": False},
    )
    cc_skill_ids = fields.Many2many(
        "cc.skill",
        "hr_employee_cc_skill_rel",
        "employee_id",
        "skill_id",
        string="Call Center Skills",
        groups="hr.group_hr_user",
    )

    _sql_constraints = [
        (
            "cc_agent_code_company_unique",
            "unique(cc_agent_code, company_id)",
            "Another agent of this company already has this agent code.",
        ),
        (
            "cc_extension_company_unique",
            "unique(cc_extension, company_id)",
            "Another agent of this company already has this FreeSWITCH agent ID.",
        ),
    ]

    @api.constrains("is_cc_agent", "user_id")
    def _check_cc_agent_user(self):
        for employee in self:
            if employee.is_cc_agent and not employee.user_id:
                raise ValidationError(
                    self.env._(
                        "%(employee)s is a call center agent, so the field "
                        "'Related User' must name the Odoo user they work as.",
                        employee=employee.name,
                    )
                )

    @api.constrains("is_cc_agent", "identification_id")
    def _check_cc_identification(self):
        messages = {
            "digits": self.env._("it must contain digits only"),
            "length": self.env._("it must have 10 digits"),
            "prefix": self.env._(
                "it must start with 1 (national ID) or 2 (Iqama, residents)"
            ),
            "checksum": self.env._("its check digit is wrong (mistyped?)"),
        }
        for employee in self.sudo().filtered("is_cc_agent"):
            if not employee.identification_id:
                continue
            problem = saudi_id_problem(employee.identification_id)
            if problem:
                raise ValidationError(
                    self.env._(
                        "%(employee)s: the field 'Identification No' (national ID "
                        "or Iqama) %(value)s is not valid: %(problem)s.",
                        employee=employee.name,
                        value=employee.identification_id,
                        problem=messages[problem],
                    )
                )

    @api.constrains("cc_extension")
    def _check_cc_extension(self):
        for employee in self:
            if employee.cc_extension and not employee.cc_extension.isdigit():
                raise ValidationError(
                    self.env._(
                        "%(employee)s: the field 'FreeSWITCH Agent ID' must contain "
                        "digits only, not %(value)s.",
                        employee=employee.name,
                        value=employee.cc_extension,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._cc_normalize_vals(vals)
        employees = super().create(vals_list)
        employees.filtered("is_cc_agent")._cc_prepare_agent()
        return employees

    def write(self, vals):
        self._cc_normalize_vals(vals)
        result = super().write(vals)
        if {"is_cc_agent", "mobile_phone"} & set(vals):
            self.filtered("is_cc_agent")._cc_prepare_agent()
        return result

    def _cc_normalize_vals(self, vals):
        if vals.get("identification_id"):
            vals["identification_id"] = normalize_digits(vals["identification_id"])
        if vals.get("cc_extension"):
            vals["cc_extension"] = normalize_digits(vals["cc_extension"])

    def _cc_prepare_agent(self):
        """Give new agents a code and their mobile number in E.164."""
        sequence = self.env["ir.sequence"].sudo()
        for employee in self:
            values = {}
            if not employee.cc_agent_code:
                values["cc_agent_code"] = sequence.with_company(
                    employee.company_id
                ).next_by_code("cc.agent.code")
            if employee.mobile_phone:
                e164 = employee._cc_e164(employee.mobile_phone, "mobile_phone")
                if e164 != employee.mobile_phone:
                    values["mobile_phone"] = e164
            if values:
                super(HrEmployee, employee).write(values)
        return True

    def _cc_e164(self, number, field_name):
        """``number`` in E.164, read in the company's country (Saudi Arabia when
        the company has none); a clear error naming the field otherwise."""
        self.ensure_one()
        field_label = self._fields[field_name]._description_string(self.env)
        country = self.company_id.country_id or self.env.ref("base.sa")
        try:
            return self._phone_format(
                number=normalize_digits(number), country=country, raise_exception=True
            )
        except UserError as error:
            raise ValidationError(
                self.env._(
                    "%(employee)s: the field '%(field)s' holds %(number)s, which is "
                    "not a valid phone number in %(country)s (%(reason)s).",
                    employee=self.name,
                    field=field_label,
                    number=number,
                    country=country.name,
                    reason=str(error),
                )
            ) from error

    # ------------------------------------------------------------------
    # Availability: leaves and hours left
    # ------------------------------------------------------------------

    @api.model
    def _cc_leave_intervals(self, agents, start, end):
        """{employee id: [(start, end)]}, naive UTC: each agent's leaves and
        their company's public holidays (resource.calendar.leaves, personal
        ones on the agent's resource, public ones on no resource) overlapping
        [start, end), in one search."""
        agents = agents.sudo()
        calendars = agents.company_id.resource_calendar_id | agents.resource_calendar_id
        leaves = (
            self.env["resource.calendar.leaves"]
            .sudo()
            .search(
                [
                    ("time_type", "=", "leave"),
                    ("date_from", "<", end),
                    ("date_to", ">", start),
                    "|",
                    ("resource_id", "in", agents.resource_id.ids),
                    "&",
                    ("resource_id", "=", False),
                    ("calendar_id", "in", [*calendars.ids, False]),
                ]
            )
        )
        personal = defaultdict(list)
        public = []
        for leave in leaves:
            if leave.resource_id:
                personal[leave.resource_id.id].append((leave.date_from, leave.date_to))
            else:
                public.append(leave)
        result = {}
        for agent in agents:
            own_calendars = (
                agent.company_id.resource_calendar_id | agent.resource_calendar_id
            )
            intervals = personal.get(agent.resource_id.id, []) + [
                (leave.date_from, leave.date_to)
                for leave in public
                if (not leave.calendar_id or leave.calendar_id in own_calendars)
                and (not leave.company_id or leave.company_id == agent.company_id)
            ]
            if intervals:
                result[agent.id] = intervals
        return result

    @api.model
    def _cc_on_leave(self, agents, start, end):
        """The ids of ``agents`` on leave, or off for a public holiday, at some
        time of [start, end) (naive UTC)."""
        return set(self._cc_leave_intervals(agents, start, end))

    @api.model
    def _cc_hours_left(self, agents, when=None):
        """{employee id: hours} each agent may still work on their (local) day
        of ``when`` (naive UTC, default now) without passing a cap: the day's
        and the week's hours of the law, under half the company's day for
        part-time contracts (in quarter hours), the month's agreed hours for
        flexible ones, the Ramadan day and week; less the time already spent
        online (available, on a call, wrapping up; breaks do not count). No
        running call center contract: 0."""
        when = when or fields.Datetime.now()
        agents = agents.sudo()
        Slot = self.env["cc.availability.slot"]
        groups = defaultdict(list)
        for agent in agents:
            tz = Slot._cc_tz(agent)
            day = pytz.utc.localize(when).astimezone(tz).date()
            groups[(tz.zone, day)].append(agent.id)
        result = {}
        for (zone, day), ids in groups.items():
            result.update(
                self._cc_hours_left_on(
                    agents.browse(ids), pytz.timezone(zone), day, when
                )
            )
        return result

    @api.model
    def _cc_hours_left_on(self, agents, tz, day, when):
        """_cc_hours_left for agents sharing a time zone and a local day."""
        rules = self.env["cc.rule.parameter"]._get_values(
            [
                "CC_DAY_MAX_HOURS",
                "CC_WEEK_MAX_HOURS",
                "CC_PARTTIME_MAX_DAY_SHARE",
                "CC_RAMADAN_DAY_MAX_HOURS",
                "CC_RAMADAN_WEEK_MAX_HOURS",
            ],
            day,
        )
        contracts = self.env["cc.quota.day"]._cc_running_contracts(agents, day)
        ramadan = ramadan_periods(day, day)
        sunday = week_start(day)

        def utc(local_day):
            midnight = tz.localize(datetime.combine(local_day, time.min))
            return midnight.astimezone(pytz.utc).replace(tzinfo=None)

        windows = {
            "day": utc(day),
            "week": utc(sunday),
            "month": utc(day.replace(day=1)),
        }
        if in_periods(day, ramadan):
            windows["ramadan_week"] = utc(max(sunday, ramadan[0][0]))
        spent = self._cc_online_hours(agents, windows, when)
        result = {}
        for agent in agents:
            contract = contracts.get(agent.id)
            if not contract:
                result[agent.id] = 0.0
                continue
            hours = spent[agent.id]
            day_cap = rules["CC_DAY_MAX_HOURS"]
            if contract.cc_regime == "part_time":
                company_day = agent.company_id.resource_calendar_id.hours_per_day or 8.0
                # Under the share: the last quarter hour below it at most.
                day_cap = min(
                    day_cap,
                    company_day * rules["CC_PARTTIME_MAX_DAY_SHARE"] - QUARTER_HOUR,
                )
            left = [rules["CC_WEEK_MAX_HOURS"] - hours["week"]]
            if "ramadan_week" in windows:
                day_cap = min(day_cap, rules["CC_RAMADAN_DAY_MAX_HOURS"])
                left.append(rules["CC_RAMADAN_WEEK_MAX_HOURS"] - hours["ramadan_week"])
            left.append(day_cap - hours["day"])
            if contract.cc_regime == "flexible":
                left.append(contract.cc_monthly_hours - hours["month"])
            result[agent.id] = max(0.0, min(left))
        return result

    @api.model
    def _cc_online_hours(self, agents, windows, when):
        """{employee id: {window: hours}}: the time each agent spent online
        (WORKING_STATES) from each window's start (naive UTC) to ``when``,
        their current state counting up to ``when``. One query."""
        self.env["cc.presence.log"].flush_model(
            ["agent_id", "state", "date_start", "date_end"]
        )
        earliest = min(windows.values())
        names = list(windows)
        sums = SQL(", ").join(
            SQL(
                "COALESCE(SUM(GREATEST(0, EXTRACT(EPOCH FROM"
                " LEAST(COALESCE(date_end, %(when)s), %(when)s)"
                " - GREATEST(date_start, %(start)s)))), 0)",
                when=when,
                start=windows[name],
            )
            for name in names
        )
        self.env.cr.execute(
            SQL(
                "SELECT agent_id, %(sums)s FROM cc_presence_log"
                " WHERE agent_id = ANY(%(agents)s) AND state IN %(states)s"
                " AND date_start < %(when)s"
                " AND (date_end IS NULL OR date_end > %(earliest)s)"
                " GROUP BY agent_id",
                sums=sums,
                agents=agents.ids,
                states=WORKING_STATES,
                when=when,
                earliest=earliest,
            )
        )
        result = {agent.id: dict.fromkeys(names, 0.0) for agent in agents}
        for agent_id, *seconds in self.env.cr.fetchall():
            result[agent_id] = {
                name: float(value) / 3600.0
                for name, value in zip(names, seconds, strict=True)
            }
        return result
