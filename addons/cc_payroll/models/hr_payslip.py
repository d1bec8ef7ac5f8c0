import logging
from collections import defaultdict
from datetime import date, datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
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
    cc_interaction_ids = fields.Many2many(
        "cc.interaction",
        string="Handled Contacts",
        compute="_compute_cc_interactions",
        help="The contacts this payslip counts: those it paid once confirmed, "
        "else those it would pay if confirmed now.",
    )
    cc_interaction_count = fields.Integer(
        string="Handled Contacts Counted", compute="_compute_cc_interactions"
    )
    cc_adjustment_ids = fields.One2many(
        "cc.pay.adjustment", "payslip_id", string="Corrections", readonly=True
    )

    def _compute_cc_is_agent(self):
        for slip in self:
            slip.cc_is_agent = slip.employee_id.sudo().is_cc_agent

    @api.depends_context("uid")
    def _compute_cc_interactions(self):
        Interaction = self.env["cc.interaction"].sudo()
        for slip in self:
            slip.cc_interaction_ids = (
                Interaction.search(slip._cc_interaction_domain())
                if slip.id and slip.cc_is_agent
                else Interaction
            )
            slip.cc_interaction_count = len(slip.cc_interaction_ids)

    @api.constrains("employee_id", "date_from", "date_to", "state", "credit_note")
    def _check_cc_one_payslip_per_period(self):
        """An agent's contacts are counted by the payslip of their period:
        two payslips of one agent over the same days would both count them.
        Refunds and rejected payslips do not count."""
        slips = self.filtered(
            lambda slip: slip.state != "cancel"
            and not slip.credit_note
            and slip.employee_id.sudo().is_cc_agent
        )
        if not slips:
            return
        # One search for the whole batch (HR computes a month at once).
        others = defaultdict(list)
        for other in self.sudo().search(
            [
                ("employee_id", "in", slips.employee_id.ids),
                ("state", "!=", "cancel"),
                ("credit_note", "=", False),
                ("date_from", "<=", max(slips.mapped("date_to"))),
                ("date_to", ">=", min(slips.mapped("date_from"))),
            ]
        ):
            others[other.employee_id.id].append(other)
        for slip in slips:
            for other in others[slip.employee_id.id]:
                if (
                    other != slip
                    and other.date_from <= slip.date_to
                    and other.date_to >= slip.date_from
                ):
                    raise ValidationError(
                        self.env._(
                            "%(agent)s already has the payslip %(other)s from "
                            "%(start)s to %(end)s: an agent's handled contacts are "
                            "paid by one payslip a period. Use that one, or reject "
                            "it first; the field 'Period' of this one overlaps it "
                            "(%(from)s to %(to)s).",
                            agent=slip.employee_id.name,
                            other=other.number or other.name,
                            start=other.date_from,
                            end=other.date_to,
                            **{"from": slip.date_from, "to": slip.date_to},
                        )
                    )

    def _cc_interaction_domain(self):
        """The contacts this payslip counts: once confirmed, those it locked;
        before, the agent's valid contacts not yet paid, of the period or
        recorded late for an earlier one (since their last confirmed period
        began)."""
        self.ensure_one()
        if self.state == "done":
            # By ids: the link is visible to payroll users only, and agents
            # follow it too from their own payslips.
            paid = (
                self.env["cc.interaction"]
                .sudo()
                .search([("cc_payslip_id", "=", self.id)])
            )
            return [("id", "in", paid.ids)]
        lower = self._cc_lower_dates(self.date_from)[self.employee_id.id]
        return [
            ("agent_id", "=", self.employee_id.id),
            ("state", "=", "valid"),
            ("locked", "=", False),
            ("date_local", ">=", lower),
            ("date_local", "<=", self.date_to),
        ]

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
            batch = self.filtered("cc_is_agent") if len(self) > 1 else self.browse()
            if batch:
                batch._cc_compute_lines()
            if self - batch:
                super(HrPayslip, self - batch).compute_sheet()
            return True
        finally:
            self.invalidate_recordset(["cc_interaction_ids", "cc_interaction_count"])
            self.env.cr.cache.pop(PARAMS_CACHE, None)

    def _cc_compute_lines(self):
        """OCA's compute_sheet for a batch: the same salary rules evaluated
        by OCA's get_lines_dict for each payslip, but the old lines removed,
        the new ones created and the payslips updated all at once instead
        of payslip by payslip (a month's batch has thousands)."""
        self.line_ids.unlink()
        vals_list = []
        for slip in self:
            vals_list.extend(
                dict(line, slip_id=slip.id) for line in slip.get_lines_dict().values()
            )
        self.env["hr.payslip.line"].create(vals_list)
        Sequence = self.env["ir.sequence"]
        for slip in self.filtered(lambda slip: not slip.number):
            slip.number = Sequence.next_by_code("salary.slip")
        self.write({"state": "verify", "compute_date": fields.Date.today()})

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
        self.env.cr.execute(
            SQL(
                "SELECT p.slip_id, i.channel, count(*), "
                "coalesce(sum(i.commission_base), 0) %s GROUP BY p.slip_id, i.channel",
                self._cc_unpaid_sql(date_from, date_to),
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

    def _cc_lower_dates(self, date_from):
        """{agent id: first day whose contacts the agents' payslips starting on
        ``date_from`` pay}: the period's first day, or, for contacts recorded
        late, the first day of the agent's last confirmed period before."""
        last_done = dict(
            self.env["hr.payslip"]
            .sudo()
            ._read_group(
                [
                    ("employee_id", "in", self.employee_id.ids),
                    ("state", "=", "done"),
                    ("date_from", "<", date_from),
                ],
                ["employee_id"],
                ["date_from:max"],
            )
        )
        return {
            agent.id: min(date_from, last_done.get(agent, date_from))
            for agent in self.employee_id
        }

    def _cc_unpaid_sql(self, date_from, date_to):
        """FROM and WHERE of the contacts the slips (all of one period) pay,
        with ``p.slip_id`` the payslip paying each ``i``: valid, not locked by
        a confirmed payslip, of the period or recorded late."""
        self.env.flush_all()
        lower = self._cc_lower_dates(date_from)
        rows = [
            SQL(
                "(%s, %s::date, %s)",
                slip.employee_id.id,
                lower[slip.employee_id.id],
                slip.id,
            )
            for slip in self
        ]
        return SQL(
            """
              FROM cc_interaction AS i
              JOIN (VALUES %s) AS p(agent_id, lower, slip_id)
                ON i.agent_id = p.agent_id
             WHERE i.state = 'valid'
               AND i.locked IS NOT TRUE
               AND i.date_local >= p.lower
               AND i.date_local <= %s
            """,
            SQL(", ").join(rows),
            date_to,
        )

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
        agents = self.filtered(
            lambda slip: slip.state in ("draft", "verify") and slip.cc_is_agent
        )
        for slip in self:
            super(HrPayslip, slip).action_payslip_done()
        self._cc_lock(agents.filtered(lambda slip: slip.state == "done"))
        return True

    def _cc_lock(self, slips):
        """Links and locks the contacts ``slips`` pay (computed in this
        transaction, so exactly what they counted), and applies their
        corrections. A contact recorded since a payslip was computed makes the
        confirmation fail rather than lock what the payslip did not pay."""
        counted = {
            slip.id: sum(
                line.amount
                for line in slip.input_line_ids
                if line.code and line.code.startswith("CC_N_")
            )
            for slip in slips
        }
        periods = defaultdict(lambda: self.browse())
        for slip in slips:
            periods[slip.date_from, slip.date_to] |= slip
        locked = defaultdict(int)
        for (date_from, date_to), period_slips in periods.items():
            self.env.cr.execute(
                SQL(
                    """
                    WITH paid AS (SELECT i.id, p.slip_id %s)
                    UPDATE cc_interaction AS c
                       SET locked = TRUE, cc_payslip_id = paid.slip_id
                      FROM paid
                     WHERE c.id = paid.id
                 RETURNING c.cc_payslip_id
                    """,
                    period_slips._cc_unpaid_sql(date_from, date_to),
                )
            )
            for (slip_id,) in self.env.cr.fetchall():
                locked[slip_id] += 1
        changed = slips.filtered(lambda slip: locked[slip.id] != counted[slip.id])
        if changed:
            raise UserError(
                self.env._(
                    "Handled contacts were recorded or voided since these payslips "
                    "were computed: %(slips)s. Compute them again, then confirm.",
                    slips=", ".join(changed.mapped(lambda s: s.number or s.name)),
                )
            )
        self.env["cc.interaction"].invalidate_model(["locked", "cc_payslip_id"])
        slips.invalidate_recordset(["cc_interaction_ids", "cc_interaction_count"])
        self.env["cc.pay.adjustment"].sudo().search(
            [("payslip_id", "in", slips.ids), ("state", "=", "pending")]
        ).write({"state": "applied"})
        _logger.info(
            "Locked %s handled contacts paid by %s confirmed payslips",
            sum(locked.values()),
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
            "domain": self._cc_interaction_domain(),
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
