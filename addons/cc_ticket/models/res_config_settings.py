from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    cc_ticket_reopen_days = fields.Integer(
        related="company_id.cc_ticket_reopen_days", readonly=False
    )
