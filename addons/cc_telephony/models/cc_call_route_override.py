from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .hr_employee import CALL_ROUTES

# The cron runs every 5 minutes: overrides that began or ended in the last
# 6 are sent (sending a route twice changes nothing).
CRON_WINDOW = timedelta(minutes=6)


class CcCallRouteOverride(models.Model):
    """Where an agent's calls reach them during one shift, whatever they
    chose in general: e.g. their mobile number for an evening without good
    data. Staffing plans create one per shift; the agent and their
    supervisor may add them by hand."""

    _name = "cc.call.route.override"
    _description = "Call Route for a Shift"
    _inherit = ["cc.agent.owned.mixin"]
    _order = "date_from desc, id desc"

    agent_id = fields.Many2one(default=lambda self: self._cc_default_agent())
    name = fields.Char(string="Shift", help="e.g. Thursday evening")
    route = fields.Selection(
        CALL_ROUTES, string="Calls Reach the Agent On", required=True
    )
    date_from = fields.Datetime(string="From", required=True, index=True)
    date_to = fields.Datetime(string="To", required=True, index=True)

    @api.model
    def _cc_default_agent(self):
        employee = self.env.user.employee_id
        return employee.id if employee and employee.sudo().is_cc_agent else False

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for override in self:
            if override.date_to <= override.date_from:
                raise ValidationError(
                    self.env._(
                        "%(agent)s: the field 'To' of a route override must be "
                        "after its field 'From'.",
                        agent=override.agent_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        overrides = super().create(vals_list)
        self._cc_push_after_commit(overrides._cc_current_agents())
        return overrides

    def write(self, vals):
        before = self._cc_current_agents()
        result = super().write(vals)
        self._cc_push_after_commit(before | self._cc_current_agents())
        return result

    def unlink(self):
        self._cc_push_after_commit(self._cc_current_agents())
        return super().unlink()

    def _cc_current_agents(self):
        """The agents of the overrides of the moment: where their calls ring
        now depends on them."""
        now = fields.Datetime.now()
        return self.filtered(lambda o: o.date_from <= now < o.date_to).agent_id

    def _cc_push_after_commit(self, agents):
        self.env["cc.pbx.server"]._cc_push_routes_after_commit(agents)

    @api.model
    def _cron_apply_overrides(self):
        """Overrides begin and end while agents work: their route is sent
        again when one did since the last run."""
        now = fields.Datetime.now()
        since = now - CRON_WINDOW
        changed = self.sudo().search(
            [
                "|",
                "&",
                ("date_from", ">", since),
                ("date_from", "<=", now),
                "&",
                ("date_to", ">", since),
                ("date_to", "<=", now),
            ]
        )
        if changed:
            self.env["cc.pbx.server"]._cc_push_routes(changed.agent_id)
