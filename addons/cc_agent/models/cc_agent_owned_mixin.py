from odoo import fields, models


class CcAgentOwnedMixin(models.AbstractModel):
    """What belongs to one agent: their handled contacts, closed days,
    presence log and devices. The stored user, supervisor and company are what
    the record rules filter on (an agent's own, a supervisor's team, a
    company's)."""

    _name = "cc.agent.owned.mixin"
    _description = "Belongs to a Call Center Agent"

    agent_id = fields.Many2one(
        "hr.employee",
        required=True,
        index=True,
        ondelete="cascade",
        domain="[('is_cc_agent', '=', True)]",
    )
    user_id = fields.Many2one(
        "res.users",
        related="agent_id.user_id",
        store=True,
        index=True,
        string="Agent User",
    )
    supervisor_user_id = fields.Many2one(
        "res.users",
        related="agent_id.parent_id.user_id",
        store=True,
        index=True,
        string="Supervisor",
    )
    company_id = fields.Many2one(
        "res.company", related="agent_id.company_id", store=True, index=True
    )
