from odoo import fields, models


class CcServiceChecklistItem(models.Model):
    """Something the agent must capture for a kind of request (the meter
    number, the amount disputed...)."""

    _name = "cc.service.checklist.item"
    _description = "Service Checklist Item"
    _order = "service_type_id, sequence, id"

    service_type_id = fields.Many2one(
        "cc.service.type", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    required = fields.Boolean(
        default=True, help="The request cannot be resolved before it is ticked."
    )
