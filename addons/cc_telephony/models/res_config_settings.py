from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    cc_summon_sms = fields.Boolean(
        string="Summon by SMS",
        config_parameter="cc_telephony.summon_sms",
        help="Standby agents summoned to a queue also get an SMS with the link "
        "to go Available, on their work mobile (SMS credits are used).",
    )
