from odoo import api, fields, models
from odoo.exceptions import ValidationError


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    is_cc_agent = fields.Boolean(
        string="Call Center Agent",
        index=True,
        tracking=True,
        help="Takes customer calls and e-mails in the call center. "
        "An agent works inside Odoo, so needs a user.",
    )

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
