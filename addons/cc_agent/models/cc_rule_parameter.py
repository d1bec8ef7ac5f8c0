from odoo import api, fields, models
from odoo.exceptions import UserError


class CcRuleParameter(models.Model):
    """A rule of the labour code or of the company that changes over time.

    Rates and thresholds (hour caps, Saudization wage levels, later GOSI rates)
    are data with a validity date, never constants in the code: when the law
    changes, a manager adds a value from the new date and history keeps the old
    one.
    """

    _name = "cc.rule.parameter"
    _description = "Call Center Rule Parameter"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="How the code refers to this parameter.")
    description = fields.Text(translate=True)
    source = fields.Char(help="Where the rule comes from (law, decision, contract).")
    value_ids = fields.One2many(
        "cc.rule.parameter.value", "parameter_id", string="Values"
    )
    current_value = fields.Float(compute="_compute_current_value", digits=(16, 4))

    _sql_constraints = [
        (
            "code_unique",
            "unique(code)",
            "Another rule parameter already has this code.",
        ),
    ]

    @api.depends("value_ids.date_from", "value_ids.value")
    def _compute_current_value(self):
        today = fields.Date.context_today(self)
        for parameter in self:
            valid = parameter.value_ids.filtered(lambda v: v.date_from <= today)
            parameter.current_value = valid.sorted("date_from")[-1:].value

    @api.model
    def _get_value(self, code, date=None):
        """The value of parameter ``code`` in force on ``date`` (default today)."""
        return self._get_values([code], date)[code]

    @api.model
    def _get_values(self, codes, date=None):
        date = date or fields.Date.context_today(self)
        values = (
            self.env["cc.rule.parameter.value"]
            .sudo()
            .search(
                [("parameter_id.code", "in", list(codes)), ("date_from", "<=", date)],
                order="date_from desc",
            )
        )
        result = {}
        for value in values:
            result.setdefault(value.parameter_id.code, value.value)
        missing = sorted(set(codes) - set(result))
        if missing:
            raise UserError(
                self.env._(
                    "No value in force on %(date)s for the rule parameter(s) "
                    "%(codes)s: add one in Call Center > Configuration > Rule "
                    "Parameters.",
                    date=date,
                    codes=", ".join(missing),
                )
            )
        return result


class CcRuleParameterValue(models.Model):
    _name = "cc.rule.parameter.value"
    _description = "Call Center Rule Parameter Value"
    _order = "parameter_id, date_from desc"

    parameter_id = fields.Many2one(
        "cc.rule.parameter", required=True, ondelete="cascade", index=True
    )
    code = fields.Char(related="parameter_id.code")
    date_from = fields.Date(string="Valid From", required=True)
    value = fields.Float(required=True, digits=(16, 4))

    _sql_constraints = [
        (
            "parameter_date_unique",
            "unique(parameter_id, date_from)",
            "A rule parameter has one value per start date.",
        ),
    ]
