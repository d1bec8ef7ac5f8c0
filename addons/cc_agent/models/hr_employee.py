from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import normalize_digits, saudi_id_problem


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
