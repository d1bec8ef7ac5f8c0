from odoo import fields, models


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    cc_gosi_first_insured = fields.Date(
        string="First Insured with GOSI",
        groups="hr.group_hr_user",
        tracking=True,
        help="The day the employee was first registered with GOSI, anywhere: "
        "Saudis first insured from the new-entrant date (3 July 2024) pay the "
        "new pension rates. Empty, the start of their contract is used.",
    )
