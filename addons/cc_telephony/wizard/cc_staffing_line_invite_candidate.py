from odoo import fields, models


class CcStaffingLineInviteCandidate(models.TransientModel):
    """An agent the invitation wizard lists, ticked to be invited."""

    _name = "cc.staffing.line.invite.candidate"
    _description = "Agent Who May Be Invited"

    wizard_id = fields.Many2one(
        "cc.staffing.line.invite", required=True, ondelete="cascade"
    )
    agent_id = fields.Many2one("hr.employee", required=True, readonly=True)
    hours_left = fields.Float(
        readonly=True,
        digits=(16, 2),
        help="What the agent may still work that day under their caps.",
    )
    selected = fields.Boolean(string="Invite")
