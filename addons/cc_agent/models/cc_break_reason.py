from odoo import fields, models


class CcBreakReason(models.Model):
    """Why an agent is on a break (prayer, meal, rest, ...)."""

    _name = "cc.break.reason"
    _description = "Break Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    max_minutes = fields.Integer(
        string="Expected Minutes",
        help="How long this break usually lasts; the supervisor board shows breaks "
        "running over it.",
    )
