import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import normalize_iban, saudi_iban_problem

SARIE_ID = re.compile(r"^[A-Z]{4}$")


class ResCompany(models.Model):
    _inherit = "res.company"

    cc_gosi_include_variable = fields.Boolean(
        string="GOSI on Pay from Contacts",
        help="Count the pay from handled contacts (per contact, commission, "
        "bonus, hours) in the GOSI wage, with the basic and the housing "
        "allowance. Off: basic and housing only.",
    )

    cc_wps_bank_code = fields.Char(
        string="WPS Paying Bank (SARIE ID)",
        help="The 4-letter SARIE id of the bank that pays the salaries, e.g. RJHI "
        "(DEST-ID in the WPS file).",
    )
    cc_wps_establishment_id = fields.Char(
        string="Establishment ID at the Bank",
        help="The id the paying bank gave the establishment for salary payments "
        "(ESTB-ID in the WPS file).",
    )
    cc_wps_debit_iban = fields.Char(
        string="Salary Debit Account (IBAN)",
        help="The company's account the salaries are paid from (BANK-ACC in the "
        "WPS file).",
    )
    cc_wps_mol_establishment_id = fields.Char(
        string="Labour Office Establishment ID",
        help="The establishment's number at the Ministry of Human Resources, "
        "e.g. 1-123456 (MOL-ESTBID in the WPS file).",
    )

    @api.constrains("cc_wps_bank_code")
    def _check_cc_wps_bank_code(self):
        for company in self:
            code = (company.cc_wps_bank_code or "").strip().upper()
            if code and not SARIE_ID.match(code):
                raise ValidationError(
                    self.env._(
                        "The WPS paying bank must be given by its SARIE id of 4 "
                        "letters (e.g. RJHI), not %(value)s.",
                        value=company.cc_wps_bank_code,
                    )
                )

    @api.constrains("cc_wps_debit_iban")
    def _check_cc_wps_debit_iban(self):
        for company in self:
            if not company.cc_wps_debit_iban:
                continue
            problem = saudi_iban_problem(normalize_iban(company.cc_wps_debit_iban))
            if problem:
                raise ValidationError(
                    self.env._(
                        "The salary debit account %(iban)s is not a valid Saudi "
                        "IBAN: %(problem)s.",
                        iban=company.cc_wps_debit_iban,
                        problem=self._cc_iban_problem_text(problem),
                    )
                )

    @api.model
    def _cc_iban_problem_text(self, problem):
        """The reason, for a user, of a saudi_iban_problem code."""
        return {
            "characters": self.env._("it may contain only letters and digits"),
            "country": self.env._("it must start with SA"),
            "length": self.env._("it must have 24 characters"),
            "format": self.env._(
                "the 2 check digits and the 2-digit bank code after SA must be digits"
            ),
            "checksum": self.env._("its check digits are wrong (mistyped?)"),
        }[problem]
