from odoo import api, fields, models

from .hr_employee import CALL_ROUTES


class ResUsers(models.Model):
    _inherit = "res.users"

    # The agent chooses it in their own preferences (My Profile). Not a
    # related field: hr lets users change their employee's fields only when
    # self-editing is on, and this choice is the agent's whatever that setting.
    cc_call_route = fields.Selection(
        CALL_ROUTES,
        string="Calls Reach Me On",
        compute="_compute_cc_call_route",
        inverse="_inverse_cc_call_route",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ["cc_call_route"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ["cc_call_route"]

    @api.depends("employee_id.cc_call_route")
    def _compute_cc_call_route(self):
        for user in self:
            user.cc_call_route = user.sudo().employee_id.cc_call_route

    def _inverse_cc_call_route(self):
        for user in self:
            # sudo: the user's own agent profile (or one a user administrator
            # may change), this field only.
            employee = user.sudo().employee_id
            if employee.is_cc_agent and user.cc_call_route:
                employee.cc_call_route = user.cc_call_route
