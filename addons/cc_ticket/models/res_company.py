from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    cc_ticket_reopen_days = fields.Integer(
        string="Reopen Requests Within (days)",
        default=7,
        help="A customer's reply within this many days of the resolution reopens "
        "the request; later, it starts a new request that follows it.",
    )
