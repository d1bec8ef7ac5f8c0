from odoo import fields, models


class CcSkill(models.Model):
    """What an agent can handle (a product line, a language of support, ...);
    queues ask for skills when they pick agents."""

    _name = "cc.skill"
    _description = "Call Center Skill"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_unique", "unique(name)", "Another skill already has this name."),
    ]
