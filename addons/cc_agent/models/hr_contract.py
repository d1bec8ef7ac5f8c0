from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

REGIMES = [
    ("part_time", "Part-time"),
    ("flexible", "Flexible hourly"),
    ("remote", "Remote full-time"),
]
PAY_SCHEMES = [
    ("per_contact", "Per handled contact"),
    ("commission", "Commission"),
    ("flat", "Flat monthly"),
    ("mixed", "Mix"),
]


class HrContract(models.Model):
    """Call center terms of an agent's contract.

    The regime says which labour rules apply (Saudi Labour Law art. 2 and its
    executive regulations for part-time work; Ministerial Decision 153307 for
    flexible work; the telework programme for remote full-time work); the pay
    scheme says how handled contacts turn into pay. Thresholds come from dated
    rule parameters (cc.rule.parameter), never from the code.
    """

    _inherit = "hr.contract"

    cc_regime = fields.Selection(
        REGIMES,
        string="Call Center Regime",
        tracking=True,
        help="Part-time: under half the company's daily hours, fixed-term, "
        "written hours.\nFlexible hourly: Saudis only, paid by the hour, at most "
        "160 hours a month (over 95 is overtime), at most 12 months.\nRemote "
        "full-time: at most 8 hours a day and 48 a week, from home.",
    )
    cc_pay_scheme = fields.Selection(
        PAY_SCHEMES, string="Pay Scheme", default="flat", tracking=True
    )
    cc_rate_ids = fields.One2many(
        "cc.contract.rate", "contract_id", string="Rates per Contact Type", copy=True
    )
    cc_commission_rate = fields.Float(
        string="Commission (%)",
        digits=(5, 2),
        tracking=True,
        help="Share of the commission base recorded on each handled contact.",
    )
    cc_daily_minimum = fields.Integer(
        string="Daily Minimum",
        tracking=True,
        help="Handled contacts expected on each working day (e.g. 10 customers).",
    )
    cc_monthly_hours = fields.Float(
        string="Monthly Hours",
        tracking=True,
        help="Flexible contracts: the hours agreed for a month.",
    )
    cc_hourly_wage = fields.Monetary(
        string="Hourly Wage", tracking=True, help="Flexible contracts: pay per hour."
    )
    cc_device_allowance = fields.Monetary(
        string="Device and Data Allowance",
        tracking=True,
        help="Monthly allowance for working from the agent's own phone, computer "
        "and internet connection.",
    )
    cc_warning = fields.Text(
        string="Call Center Warnings", compute="_compute_cc_warning"
    )

    # ------------------------------------------------------------------
    # Warnings (advice; errors are constraints below)
    # ------------------------------------------------------------------

    @api.depends(
        "cc_regime",
        "cc_pay_scheme",
        "wage",
        "cc_monthly_hours",
        "cc_daily_minimum",
        "cc_rate_ids.counts_for_quota",
        "employee_id.country_id",
    )
    def _compute_cc_warning(self):
        for contract in self:
            contract.cc_warning = "\n".join(contract._cc_warnings()) or False

    def _cc_warnings(self):
        self.ensure_one()
        if not self.cc_regime:
            return []
        warnings = []
        rules = self.env["cc.rule.parameter"]._get_values(
            ["CC_FLEX_OVERTIME_HOURS", "CC_NITAQAT_HALF_WAGE", "CC_NITAQAT_FULL_WAGE"],
            self.date_start,
        )
        if (
            self.cc_regime == "flexible"
            and self.cc_monthly_hours > rules["CC_FLEX_OVERTIME_HOURS"]
        ):
            warnings.append(
                self.env._(
                    "%(hours)s hours a month: flexible work above %(limit)s hours a "
                    "month with one employer is paid as overtime.",
                    hours=self.cc_monthly_hours,
                    limit=rules["CC_FLEX_OVERTIME_HOURS"],
                )
            )
        saudi = self.employee_id.country_id.code == "SA"
        if saudi and self.cc_regime in ("part_time", "remote"):
            if self.wage < rules["CC_NITAQAT_HALF_WAGE"]:
                warnings.append(
                    self.env._(
                        "The fixed monthly wage (%(wage)s) is below %(threshold)s: "
                        "this Saudi agent earns the company no Saudization (Nitaqat) "
                        "credit. Commissions may not count in the GOSI wage.",
                        wage=self.wage,
                        threshold=rules["CC_NITAQAT_HALF_WAGE"],
                    )
                )
            elif (
                self.cc_regime == "remote" and self.wage < rules["CC_NITAQAT_FULL_WAGE"]
            ):
                warnings.append(
                    self.env._(
                        "The fixed monthly wage (%(wage)s) is below %(threshold)s: "
                        "this Saudi agent counts as half a Saudi for Nitaqat.",
                        wage=self.wage,
                        threshold=rules["CC_NITAQAT_FULL_WAGE"],
                    )
                )
        if (
            self.cc_daily_minimum
            and self.cc_rate_ids
            and not self.cc_rate_ids.filtered("counts_for_quota")
        ):
            warnings.append(
                self.env._(
                    "A daily minimum of %(minimum)s is set, but no contact type counts "
                    "toward it: it can never be met.",
                    minimum=self.cc_daily_minimum,
                )
            )
        return warnings

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains(
        "cc_regime",
        "resource_calendar_id",
        "cc_monthly_hours",
        "cc_hourly_wage",
        "date_start",
        "date_end",
        "employee_id",
    )
    def _check_cc_hours(self):
        for contract in self.filtered("cc_regime"):
            rules = self.env["cc.rule.parameter"]._get_values(
                [
                    "CC_PARTTIME_MAX_DAY_SHARE",
                    "CC_DAY_MAX_HOURS",
                    "CC_WEEK_MAX_HOURS",
                    "CC_FLEX_MAX_HOURS",
                    "CC_FLEX_MAX_MONTHS",
                ],
                contract.date_start,
            )
            getattr(contract, f"_cc_check_{contract.cc_regime}")(rules)

    def _cc_schedule_hours(self):
        """(longest day, week total) of the contract's working schedule, in hours.
        A two-week schedule counts its heavier week."""
        per_day = defaultdict(float)
        for attendance in self.resource_calendar_id.attendance_ids:
            if attendance.day_period == "lunch":
                continue
            per_day[(attendance.week_type, attendance.dayofweek)] += (
                attendance.hour_to - attendance.hour_from
            )
        per_week = defaultdict(float)
        for (week_type, _day), hours in per_day.items():
            per_week[week_type] += hours
        return max(per_day.values(), default=0.0), max(per_week.values(), default=0.0)

    def _cc_check_part_time(self, rules):
        company_day = self.company_id.resource_calendar_id.hours_per_day or 8.0
        limit = company_day * rules["CC_PARTTIME_MAX_DAY_SHARE"]
        longest_day, _week = self._cc_schedule_hours()
        if longest_day >= limit:
            raise ValidationError(
                self.env._(
                    "Part-time contract %(contract)s: its 'Working Schedule' has "
                    "%(hours)s hours on a day; a part-time agent works under %(limit)s "
                    "hours a day (less than half the company's %(day)s-hour day).",
                    contract=self.name,
                    hours=longest_day,
                    limit=limit,
                    day=company_day,
                )
            )
        if not self.date_end:
            raise ValidationError(
                self.env._(
                    "Part-time contract %(contract)s: a part-time contract is for a "
                    "fixed term, so the field 'End Date' is required.",
                    contract=self.name,
                )
            )

    def _cc_check_flexible(self, rules):
        if self.employee_id.country_id.code != "SA":
            raise ValidationError(
                self.env._(
                    "Flexible contract %(contract)s: flexible work is for Saudi "
                    "nationals only; the employee's 'Nationality (Country)' is "
                    "%(country)s.",
                    contract=self.name,
                    country=self.employee_id.country_id.name or self.env._("not set"),
                )
            )
        if (
            self.cc_monthly_hours <= 0
            or self.cc_monthly_hours > rules["CC_FLEX_MAX_HOURS"]
        ):
            raise ValidationError(
                self.env._(
                    "Flexible contract %(contract)s: the field 'Monthly Hours' must be "
                    "above 0 and at most %(limit)s, not %(hours)s.",
                    contract=self.name,
                    limit=rules["CC_FLEX_MAX_HOURS"],
                    hours=self.cc_monthly_hours,
                )
            )
        if self.cc_hourly_wage <= 0:
            raise ValidationError(
                self.env._(
                    "Flexible contract %(contract)s: flexible work is paid by the "
                    "hour, so the field 'Hourly Wage' must be above 0.",
                    contract=self.name,
                )
            )
        months = int(rules["CC_FLEX_MAX_MONTHS"])
        if not self.date_end or self.date_end > self.date_start + relativedelta(
            months=months, days=-1
        ):
            raise ValidationError(
                self.env._(
                    "Flexible contract %(contract)s: it lasts at most %(months)s "
                    "months, so the field 'End Date' must be on or before %(last)s.",
                    contract=self.name,
                    months=months,
                    last=self.date_start + relativedelta(months=months, days=-1),
                )
            )

    def _cc_check_remote(self, rules):
        longest_day, week = self._cc_schedule_hours()
        if longest_day > rules["CC_DAY_MAX_HOURS"] or week > rules["CC_WEEK_MAX_HOURS"]:
            raise ValidationError(
                self.env._(
                    "Remote contract %(contract)s: its 'Working Schedule' has up to "
                    "%(day)s hours a day and %(week)s a week; the limits are "
                    "%(max_day)s and %(max_week)s.",
                    contract=self.name,
                    day=longest_day,
                    week=week,
                    max_day=rules["CC_DAY_MAX_HOURS"],
                    max_week=rules["CC_WEEK_MAX_HOURS"],
                )
            )

    @api.constrains(
        "cc_regime", "cc_pay_scheme", "cc_commission_rate", "cc_rate_ids", "wage"
    )
    def _check_cc_pay_scheme(self):
        for contract in self.filtered("cc_regime"):
            scheme = contract.cc_pay_scheme
            if not 0 <= contract.cc_commission_rate <= 100:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s: the field 'Commission (%%)' must be "
                        "between 0 and 100.",
                        contract=contract.name,
                    )
                )
            if scheme == "per_contact" and not any(contract.cc_rate_ids.mapped("rate")):
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s pays per handled contact: give at least "
                        "one contact type a rate in 'Rates per Contact Type'.",
                        contract=contract.name,
                    )
                )
            if scheme == "commission" and not contract.cc_commission_rate:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s pays a commission: the field "
                        "'Commission (%%)' must be above 0.",
                        contract=contract.name,
                    )
                )
            if scheme == "flat" and contract.wage <= 0:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s pays a flat monthly amount: the field "
                        "'Wage' must be above 0.",
                        contract=contract.name,
                    )
                )
            if scheme == "mixed" and not (
                contract.wage > 0
                or contract.cc_commission_rate
                or any(contract.cc_rate_ids.mapped("rate"))
            ):
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s mixes pay schemes but pays nothing: set "
                        "a wage, a commission or rates per contact type.",
                        contract=contract.name,
                    )
                )

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    def _cc_counted_channels(self):
        """Contact types counting toward the daily minimum; None means all."""
        self.ensure_one()
        if not self.cc_rate_ids:
            return None
        return set(self.cc_rate_ids.filtered("counts_for_quota").mapped("channel"))

    def _cc_variable_pay(self, counts_by_channel, commission_base):
        """Pay earned by contacts: count x rate per type, plus commission."""
        self.ensure_one()
        if self.cc_pay_scheme == "flat":
            return 0.0
        rates = {line.channel: line.rate for line in self.cc_rate_ids}
        amount = 0.0
        if self.cc_pay_scheme in ("per_contact", "mixed"):
            amount += sum(
                count * rates.get(channel, 0.0)
                for channel, count in counts_by_channel.items()
            )
        if self.cc_pay_scheme in ("commission", "mixed"):
            amount += commission_base * self.cc_commission_rate / 100.0
        return self.currency_id.round(amount)

    @api.model
    def _cc_action_my_terms(self):
        """Opens the agent's running call center contract, read-only."""
        agent = self.env["cc.presence.log"]._cc_my_agent()
        today = self.env["cc.quota.day"]._cc_agent_today(agent)
        contract = (
            self.env["cc.quota.day"]._cc_running_contracts(agent, today).get(agent.id)
        )
        if not contract:
            raise UserError(
                self.env._(
                    "%(agent)s has no call center contract running today.",
                    agent=agent.name,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("My Contract Terms"),
            "res_model": "hr.contract",
            "res_id": contract.id,
            "views": [
                [self.env.ref("cc_agent.hr_contract_view_form_cc_terms").id, "form"]
            ],
            "target": "current",
        }
