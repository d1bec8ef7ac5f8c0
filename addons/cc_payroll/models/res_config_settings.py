from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    cc_gosi_include_variable = fields.Boolean(
        related="company_id.cc_gosi_include_variable", readonly=False
    )

    cc_wps_bank_code = fields.Char(
        related="company_id.cc_wps_bank_code", readonly=False
    )
    cc_wps_establishment_id = fields.Char(
        related="company_id.cc_wps_establishment_id", readonly=False
    )
    cc_wps_debit_iban = fields.Char(
        related="company_id.cc_wps_debit_iban", readonly=False
    )
    cc_wps_mol_establishment_id = fields.Char(
        related="company_id.cc_wps_mol_establishment_id", readonly=False
    )
