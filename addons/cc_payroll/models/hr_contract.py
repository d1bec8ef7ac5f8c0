from odoo import api, fields, models
from odoo.exceptions import ValidationError


class HrContract(models.Model):
    """What an agent's contract says about pay beyond cc_agent's terms: the
    housing allowance (part of the GOSI wage), the bonus above the month's
    target and what a missed daily minimum costs."""

    _inherit = "hr.contract"

    cc_housing_allowance = fields.Monetary(
        string="Housing Allowance",
        tracking=True,
        help="Monthly; with the wage, it makes the GOSI wage and the WPS file's "
        "housing amount.",
    )
    cc_quota_bonus = fields.Monetary(
        string="Bonus per Contact above Target",
        tracking=True,
        help="Paid for each handled contact of the month above its target: the "
        "daily minimums of its working days added up.",
    )
    cc_missed_minimum = fields.Selection(
        [
            ("none", "Nothing"),
            ("deduct", "A deduction per missed day"),
            ("prorate", "The wage pro-rated to the days met"),
        ],
        string="Missed Daily Minimum",
        default="none",
        required=True,
        tracking=True,
        help="What a working day on which the daily minimum was missed costs.",
    )
    cc_missed_day_deduction = fields.Monetary(
        string="Deduction per Missed Day", tracking=True
    )

    @api.constrains(
        "cc_housing_allowance",
        "cc_quota_bonus",
        "cc_missed_minimum",
        "cc_missed_day_deduction",
    )
    def _check_cc_pay_terms(self):
        for contract in self:
            for field in (
                "cc_housing_allowance",
                "cc_quota_bonus",
                "cc_missed_day_deduction",
            ):
                if contract[field] < 0:
                    raise ValidationError(
                        self.env._(
                            "Contract %(contract)s: the field '%(field)s' cannot be "
                            "negative.",
                            contract=contract.name,
                            field=self._fields[field]._description_string(self.env),
                        )
                    )
            if (
                contract.cc_missed_minimum == "deduct"
                and not contract.cc_missed_day_deduction
            ):
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s deducts missed daily minimums: the "
                        "field 'Deduction per Missed Day' must be above 0.",
                        contract=contract.name,
                    )
                )
            if contract.cc_missed_minimum == "prorate" and contract.wage <= 0:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s pro-rates the wage to the days the "
                        "daily minimum was met: the field 'Wage' must be above 0.",
                        contract=contract.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        structure = self.env.ref("cc_payroll.hr_payroll_structure_cc_agent", False)
        for vals in vals_list:
            if vals.get("cc_regime") and not vals.get("struct_id") and structure:
                vals["struct_id"] = structure.id
        return super().create(vals_list)
