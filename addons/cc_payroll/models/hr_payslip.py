import logging
from collections import defaultdict
from datetime import date, datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.cc_agent.models.cc_channel import CHANNELS

_logger = logging.getLogger(__name__)

# Presence states that count as hours worked (a break does not).
WORKED_STATES = ("available", "on_call", "wrap_up")
PARAMS = (
    "CC_GOSI_PENSION_EE_LEGACY",
    "CC_GOSI_PENSION_ER_LEGACY",
    "CC_GOSI_PENSION_EE_NEW",
    "CC_GOSI_PENSION_ER_NEW",
    "CC_GOSI_NEW_ENTRANT_SINCE",
    "CC_GOSI_SANED_EE",
    "CC_GOSI_SANED_ER",
    "CC_GOSI_HAZARDS_ER",
    "CC_GOSI_WAGE_FLOOR",
    "CC_GOSI_WAGE_CEILING",
    "CC_FLEX_OVERTIME_HOURS",
    "CC_OVERTIME_PREMIUM",
)
PARAMS_CACHE = "cc_payroll_params"


def count_code(channel):
    return f"CC_N_{channel.upper()}"


class _Rollback(Exception):
    """Leaves a savepoint without keeping what was done in it."""


class HrPayslip(models.Model):
    """Agents' payslips are fed from the call center: before the salary rules
    run, the payslip counts the agent's handled contacts of the period (and
    those recorded late, after the previous period was confirmed), their
    quota days, hours and pending corrections, writes them as the payslip's
    inputs, and links the contacts it counted, so that every amount leads
    back to them. Confirming the payslip locks them."""

    _inherit = "hr.payslip"

    cc_is_agent = fields.Boolean(
        string="Call Center Agent", compute="_compute_cc_is_agent"
    )
    cc_interaction_ids = fields.One2many(
        "cc.interaction", "cc_payslip_id", string="Handled Contacts", readonly=True
    )
    cc_interaction_count = fields.Integer(
        string="Handled Contacts Counted", compute="_compute_cc_interaction_count"
    )
    cc_adjustment_ids = fields.One2many(
        "cc.pay.adjustment", "payslip_id", string="Corrections", readonly=True
    )

    def _compute_cc_is_agent(self):
        for slip in self:
            slip.cc_is_agent = slip.employee_id.sudo().is_cc_agent

    def _compute_cc_interaction_count(self):
        counts = dict(
            self.env["cc.interaction"]
            .sudo()
            ._read_group(
                [("cc_payslip_id", "in", self.ids)], ["cc_payslip_id"], ["__count"]
            )
        )
        for slip in self:
            slip.cc_interaction_count = counts.get(slip, 0)

    # ------------------------------------------------------------------
    # Inputs from the call center
    # ------------------------------------------------------------------

    def _cc_input_labels(self):
        labels = {count_code(channel): label for channel, label in CHANNELS}
        labels = {
            code: self.env._("Handled contacts: %(type)s", type=self.env._(label))
            for code, label in labels.items()
        }
        labels.update(
            {
                "CC_COMMISSION_BASE": self.env._("Commission base"),
                "CC_TARGET": self.env._("Target (contacts expected)"),
                "CC_HANDLED": self.env._("Contacts counted for the quota"),
                "CC_DAYS_WORKING": self.env._("Working days"),
                "CC_DAYS_MET": self.env._("Days the daily minimum was met"),
                "CC_DAYS_MISSED": self.env._("Days the daily minimum was missed"),
                "CC_HOURS": self.env._("Hours worked"),
                "CC_ADJUSTMENT": self.env._("Corrections of earlier periods"),
            }
        )
        return labels

    def compute_sheet(self):
        self.env.cr.cache[PARAMS_CACHE] = {}
        try:
            self._cc_prepare()
            return super().compute_sheet()
        finally:
            self.env.cr.cache.pop(PARAMS_CACHE, None)

    def _cc_prepare(self):
        slips = self.filtered(
            lambda slip: slip.state in ("draft", "verify") and slip.cc_is_agent
        )
        if not slips:
            return
        agents = slips.employee_id.sudo()
        # The quota days of the period must all be closed (the hourly job
        # closes them day by day; a catch-up covers a week at a time).
        yesterday = fields.Date.context_today(self) - timedelta(days=1)
        until = min(max(slips.mapped("date_to")), yesterday)
        day = min(slips.mapped("date_from")) + timedelta(days=6)
        QuotaDay = self.env["cc.quota.day"].sudo()
        while True:
            QuotaDay._cc_close_days(agents, until=min(day, until))
            if day >= until:
                break
            day += timedelta(days=7)
        periods = defaultdict(lambda: self.browse())
        for slip in slips:
            periods[slip.date_from, slip.date_to] |= slip
        for (date_from, date_to), period_slips in periods.items():
            period_slips._cc_feed(date_from, date_to)

    def _cc_feed(self, date_from, date_to):
        """Counts what the slips (all of one period) pay for and writes it as
        their inputs."""
        figures = {slip.id: defaultdict(float) for slip in self}
        self._cc_link_interactions(date_from, date_to)
        self.env.cr.execute(
            SQL(
                """
                SELECT cc_payslip_id, channel, count(*),
                       coalesce(sum(commission_base), 0)
                  FROM cc_interaction
                 WHERE cc_payslip_id IN %s
              GROUP BY cc_payslip_id, channel
                """,
                tuple(self.ids),
            )
        )
        for slip_id, channel, count, base in self.env.cr.fetchall():
            figures[slip_id][count_code(channel)] += count
            figures[slip_id]["CC_COMMISSION_BASE"] += float(base)
        slip_of_agent = {slip.employee_id.id: slip for slip in self}
        days = (
            self.env["cc.quota.day"]
            .sudo()
            ._read_group(
                [
                    ("agent_id", "in", list(slip_of_agent)),
                    ("date", ">=", date_from),
                    ("date", "<=", date_to),
                    ("state", "in", ("met", "missed")),
                ],
                ["agent_id", "state"],
                ["__count", "handled:sum", "minimum:sum"],
            )
        )
        for agent, state, count, handled, minimum in days:
            values = figures[slip_of_agent[agent.id].id]
            values["CC_DAYS_WORKING"] += count
            values["CC_DAYS_MET" if state == "met" else "CC_DAYS_MISSED"] += count
            values["CC_HANDLED"] += handled
            values["CC_TARGET"] += minimum
        for slip, hours in self._cc_hours(date_from, date_to).items():
            figures[slip.id]["CC_HOURS"] = hours
        for slip, amount in self._cc_link_adjustments(date_to).items():
            figures[slip.id]["CC_ADJUSTMENT"] = amount
        labels = self._cc_input_labels()
        self.input_line_ids.filtered(lambda line: line.code in labels).unlink()
        self.env["hr.payslip.input"].create(
            [
                {
                    "payslip_id": slip.id,
                    "contract_id": slip.contract_id.id,
                    "code": code,
                    "name": label,
                    "amount": figures[slip.id].get(code, 0.0),
                }
                for slip in self
                for code, label in labels.items()
            ]
        )

    def _cc_link_interactions(self, date_from, date_to):
        """Links the contacts each slip pays: valid, not yet locked, of the
        period or recorded late for an earlier one (since the agent's last
        confirmed period began), and not counted by another payslip."""
        Interaction = self.env["cc.interaction"]
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE cc_interaction SET cc_payslip_id = NULL "
                "WHERE cc_payslip_id IN %s AND locked IS NOT TRUE",
                tuple(self.ids),
            )
        )
        last_done = dict(
            self.sudo()._read_group(
                [
                    ("employee_id", "in", self.employee_id.ids),
                    ("state", "=", "done"),
                    ("date_from", "<", date_from),
                ],
                ["employee_id"],
                ["date_from:max"],
            )
        )
        rows = [
            SQL(
                "(%s, %s::date, %s)",
                slip.employee_id.id,
                min(date_from, last_done.get(slip.employee_id, date_from)),
                slip.id,
            )
            for slip in self
        ]
        self.env.cr.execute(
            SQL(
                """
                UPDATE cc_interaction AS i
                   SET cc_payslip_id = p.slip_id
                  FROM (VALUES %s) AS p(agent_id, lower, slip_id)
                 WHERE i.agent_id = p.agent_id
                   AND i.state = 'valid'
                   AND i.locked IS NOT TRUE
                   AND i.cc_payslip_id IS NULL
                   AND i.date_local >= p.lower
                   AND i.date_local <= %s
                """,
                SQL(", ").join(rows),
                date_to,
            )
        )
        Interaction.invalidate_model(["cc_payslip_id"])
        self.invalidate_recordset(["cc_interaction_ids"])

    def _cc_hours(self, date_from, date_to):
        """Hours worked (presence: available, on a call, wrapping up) by the
        agents of flexible contracts, in each agent's time zone."""
        slips = self.filtered(lambda slip: slip.contract_id.cc_regime == "flexible")
        hours = {}
        by_tz = defaultdict(lambda: self.browse())
        for slip in slips:
            by_tz[slip.employee_id.sudo().tz or "Asia/Riyadh"] |= slip
        for tz_name, tz_slips in by_tz.items():
            tz = pytz.timezone(tz_name)
            start = tz.localize(datetime.combine(date_from, time.min))
            end = tz.localize(datetime.combine(date_to + timedelta(days=1), time.min))
            slip_of_agent = {slip.employee_id.id: slip for slip in tz_slips}
            totals = (
                self.env["cc.presence.log"]
                .sudo()
                ._read_group(
                    [
                        ("agent_id", "in", list(slip_of_agent)),
                        ("state", "in", WORKED_STATES),
                        (
                            "date_start",
                            ">=",
                            start.astimezone(pytz.utc).replace(tzinfo=None),
                        ),
                        (
                            "date_start",
                            "<",
                            end.astimezone(pytz.utc).replace(tzinfo=None),
                        ),
                    ],
                    ["agent_id"],
                    ["duration:sum"],
                )
            )
            for agent, seconds in totals:
                hours[slip_of_agent[agent.id]] = round((seconds or 0) / 3600.0, 2)
        return hours

    def _cc_link_adjustments(self, date_to):
        Adjustment = self.env["cc.pay.adjustment"].sudo()
        Adjustment.search(
            [("payslip_id", "in", self.ids), ("state", "=", "pending")]
        ).write({"payslip_id": False})
        pending = Adjustment.search(
            [
                ("employee_id", "in", self.employee_id.ids),
                ("state", "=", "pending"),
                ("payslip_id", "=", False),
                ("date", "<=", date_to),
            ]
        )
        slip_of_agent = {slip.employee_id: slip for slip in self}
        amounts = defaultdict(float)
        by_slip = defaultdict(lambda: Adjustment.browse())
        for adjustment in pending:
            slip = slip_of_agent[adjustment.employee_id]
            by_slip[slip] |= adjustment
            amounts[slip] += adjustment.amount
        for slip, adjustments in by_slip.items():
            adjustments.write({"payslip_id": slip.id})
        return amounts

    # ------------------------------------------------------------------
    # Values the salary rules read (current_contract.*)
    # ------------------------------------------------------------------

    def _cc_params(self, day):
        cache = self.env.cr.cache.get(PARAMS_CACHE)
        if cache is not None and day in cache:
            return cache[day]
        values = self.env["cc.rule.parameter"].sudo()._get_values(PARAMS, day)
        if cache is not None:
            cache[day] = values
        return values

    def _cc_gosi_rates(self, contract, params):
        """The employee's and the employer's GOSI rates (%) for ``contract``:
        Saudis pay pension (legacy or new-entrant rates, by the day they were
        first insured) and SANED, flexible contracts pension only; the
        employer adds occupational hazards for everyone."""
        employee = contract.employee_id.sudo()
        hazards = params["CC_GOSI_HAZARDS_ER"]
        if employee.country_id.code != "SA":
            return 0.0, hazards
        since = int(params["CC_GOSI_NEW_ENTRANT_SINCE"])
        since = date(since // 10000, since // 100 % 100, since % 100)
        first = employee.cc_gosi_first_insured or contract.date_start
        new = bool(first) and first >= since
        pension_ee = params[
            "CC_GOSI_PENSION_EE_NEW" if new else "CC_GOSI_PENSION_EE_LEGACY"
        ]
        pension_er = params[
            "CC_GOSI_PENSION_ER_NEW" if new else "CC_GOSI_PENSION_ER_LEGACY"
        ]
        if contract.cc_regime == "flexible":
            saned_ee = saned_er = 0.0
        else:
            saned_ee, saned_er = params["CC_GOSI_SANED_EE"], params["CC_GOSI_SANED_ER"]
        return pension_ee + saned_ee, pension_er + saned_er + hazards

    def get_current_contract_dict(self, contract, contracts):
        res = super().get_current_contract_dict(contract, contracts)
        if not self.cc_is_agent:
            return res
        params = self._cc_params(self.date_to)
        scheme = contract.cc_pay_scheme
        rates = {}
        if scheme in ("per_contact", "mixed"):
            rates = {line.channel: line.rate for line in contract.cc_rate_ids}
        for channel, _label in CHANNELS:
            res[f"cc_rate_{channel}"] = rates.get(channel, 0.0)
        res["cc_commission_rate"] = (
            contract.cc_commission_rate if scheme in ("commission", "mixed") else 0.0
        )
        inputs = {line.code: line.amount for line in self.input_line_ids}
        working = inputs.get("CC_DAYS_WORKING", 0.0)
        res["cc_basic_cut"] = (
            100.0 * (1 - inputs.get("CC_DAYS_MET", 0.0) / working)
            if contract.cc_missed_minimum == "prorate" and working
            else 0.0
        )
        res["cc_overtime_after"] = params["CC_FLEX_OVERTIME_HOURS"]
        res["cc_overtime_premium"] = params["CC_OVERTIME_PREMIUM"]
        employee_rate, employer_rate = self._cc_gosi_rates(contract, params)
        res["cc_gosi_employee_rate"] = employee_rate
        res["cc_gosi_employer_rate"] = employer_rate
        res["cc_gosi_floor"] = params["CC_GOSI_WAGE_FLOOR"]
        res["cc_gosi_ceiling"] = params["CC_GOSI_WAGE_CEILING"]
        res["cc_gosi_variable"] = self.company_id.cc_gosi_include_variable
        return res

    # ------------------------------------------------------------------
    # Confirming: the period's contacts are locked
    # ------------------------------------------------------------------

    def action_payslip_done(self):
        # OCA's confirmation reads its settings on one payslip at a time.
        for slip in self:
            super(HrPayslip, slip).action_payslip_done()
        self._cc_lock()
        return True

    def _cc_lock(self):
        slips = self.filtered(lambda slip: slip.state == "done")
        if not slips:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE cc_interaction SET locked = TRUE "
                "WHERE cc_payslip_id IN %s AND locked IS NOT TRUE",
                tuple(slips.ids),
            )
        )
        locked = self.env.cr.rowcount
        self.env["cc.interaction"].invalidate_model(["locked"])
        self.env["cc.pay.adjustment"].sudo().search(
            [("payslip_id", "in", slips.ids), ("state", "=", "pending")]
        ).write({"state": "applied"})
        _logger.info(
            "Locked %s handled contacts paid by %s confirmed payslips",
            locked,
            len(slips),
        )

    def action_payslip_cancel(self):
        confirmed = self.filtered(
            lambda slip: slip.state == "done" and slip.cc_is_agent
        )
        if confirmed:
            raise UserError(
                self.env._(
                    "The payslip(s) %(slips)s are confirmed: the handled contacts they "
                    "paid are locked. Record what must change as a correction "
                    "(Payroll > Pay Corrections): the next payslip pays it.",
                    slips=", ".join(confirmed.mapped("number")),
                )
            )
        return super().action_payslip_cancel()

    # ------------------------------------------------------------------
    # What the agent sees
    # ------------------------------------------------------------------

    def action_cc_view_interactions(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Handled Contacts of %(slip)s", slip=self.number or self.name
            ),
            "res_model": "cc.interaction",
            "view_mode": "list,form",
            "views": [[False, "list"], [False, "form"]],
            "domain": [("cc_payslip_id", "=", self.id)],
            "context": {"create": False},
        }

    @api.model
    def _cc_estimate(self, employee, date_from, date_to):
        """What ``employee`` has earned from ``date_from`` to ``date_to``, as
        their payslip would say it: a payslip computed in a savepoint, then
        undone. Returns its lines and net."""
        contract = employee.sudo()._get_contracts(date_from=date_from, date_to=date_to)[
            :1
        ]
        if not contract or not contract.struct_id:
            raise UserError(
                self.env._(
                    "%(agent)s has no running contract with a salary structure: "
                    "nothing to estimate.",
                    agent=employee.name,
                )
            )
        result = {}
        try:
            with self.env.cr.savepoint():
                slip = (
                    self.sudo()
                    .with_context(tracking_disable=True, mail_create_nolog=True)
                    .create(
                        {
                            "employee_id": employee.id,
                            "contract_id": contract.id,
                            "struct_id": contract.struct_id.id,
                            "date_from": date_from,
                            "date_to": date_to,
                            "name": self.env._("Estimate"),
                            "number": "ESTIMATE",
                        }
                    )
                )
                slip.compute_sheet()
                result = {
                    "lines": [
                        {
                            "code": line.code,
                            "name": line.name,
                            "quantity": line.quantity,
                            "rate": line.rate,
                            "amount": line.amount,
                            "total": line.total,
                            "category": line.category_id.code,
                        }
                        for line in slip.line_ids.sorted("sequence")
                        if line.appears_on_payslip
                    ],
                    "net": slip.get_salary_line_total("NET"),
                    "contacts": slip.cc_interaction_count,
                }
                raise _Rollback
        except _Rollback:
            _logger.debug("Estimate for %s computed and undone", employee.id)
        self.env.invalidate_all()
        return result
