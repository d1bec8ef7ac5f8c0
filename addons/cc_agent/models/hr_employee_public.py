from odoo import fields, models


class HrEmployeePublic(models.Model):
    """What every colleague may know of an agent: that they are one, their code
    and their FreeSWITCH agent ID (supervisors and the web client read them
    without HR rights)."""

    _inherit = "hr.employee.public"

    is_cc_agent = fields.Boolean(string="Call Center Agent", readonly=True)
    cc_agent_code = fields.Char(string="Agent Code", readonly=True)
    cc_extension = fields.Char(string="FreeSWITCH Agent ID", readonly=True)
