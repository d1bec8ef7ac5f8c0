"""GOSI: legacy and new-entrant pension rates by the day first insured, the
wage floor and ceiling, non-Saudis, and the rates as dated parameters."""

from datetime import date

from odoo.tests import tagged

from .common import OCTOBER, PayrollCase


@tagged("post_install", "-at_install")
class TestGosi(PayrollCase):
    def setUp(self):
        super().setUp()
        self.contract = None

    def _gosi(
        self, wage, housing=0, first_insured=None, country="base.sa", period=OCTOBER
    ):
        self.agent.country_id = self.env.ref(country)
        self.agent.sudo().cc_gosi_first_insured = first_insured
        terms = {"wage": wage, "cc_housing_allowance": housing}
        if not self.contract:
            self.contract = self._make_contract(
                self.agent,
                cc_pay_scheme="flat",
                cc_rate_ids=[],
                cc_daily_minimum=0,
                cc_regime="remote",
                resource_calendar_id=self.calendar_week.id,
                **terms,
            )
        self.contract.write(terms)
        slip = self._slip(self.contract, period=period)
        lines = self.lines(slip)
        # Rejected: the next case of the test pays the same period again.
        slip.action_payslip_cancel()
        return lines.get("GOSI_EE", 0.0), lines.get("GOSI_ER", 0.0)

    def test_legacy_saudi(self):
        # Insured before 3 July 2024: 9 % pension + 0.75 % SANED each, and the
        # employer's 2 % occupational hazards.
        self.assertEqual(
            self._gosi(6000, 1500, date(2015, 5, 1)), (-7500 * 0.0975, 7500 * 0.1175)
        )

    def test_new_entrant_rates_rise_each_july(self):
        first = date(2024, 9, 1)
        # October 2026: 10 % pension (9.5 % from July 2025, 10 % from July 2026).
        ee, er = self._gosi(6000, 0, first)
        self.assertAlmostEqual(ee, -6000 * 0.1075, places=2)
        self.assertAlmostEqual(er, 6000 * 0.1275, places=2)
        # June 2026: still 9.5 %.
        ee, er = self._gosi(
            6000, 0, first, period=(date(2026, 6, 1), date(2026, 6, 30))
        )
        self.assertAlmostEqual(ee, -6000 * 0.1025, places=2)

    def test_the_day_of_the_new_law_decides(self):
        self.assertAlmostEqual(
            self._gosi(6000, 0, date(2024, 7, 2))[0], -6000 * 0.0975, 2
        )
        self.assertAlmostEqual(
            self._gosi(6000, 0, date(2024, 7, 3))[0], -6000 * 0.1075, 2
        )

    def test_without_a_first_insured_date_the_contract_start_is_used(self):
        # The fixture's contracts start on 1 January 2026: a new entrant.
        self.assertAlmostEqual(self._gosi(6000, 0, None)[0], -6000 * 0.1075, places=2)

    def test_floor_and_ceiling(self):
        legacy = date(2010, 1, 1)
        self.assertEqual(self._gosi(1000, 0, legacy), (-1500 * 0.0975, 1500 * 0.1175))
        self.assertEqual(
            self._gosi(50000, 5000, legacy), (-45000 * 0.0975, 45000 * 0.1175)
        )

    def test_non_saudi(self):
        self.assertEqual(
            self._gosi(6000, 1000, None, country="base.in"), (0.0, 7000 * 0.02)
        )

    def test_rates_are_dated_parameters(self):
        parameter = self.env.ref("cc_payroll.cc_rule_parameter_gosi_saned_ee")
        self.env["cc.rule.parameter.value"].create(
            {"parameter_id": parameter.id, "date_from": "2026-10-01", "value": 1.0}
        )
        ee, _er = self._gosi(6000, 0, date(2010, 1, 1))
        self.assertAlmostEqual(ee, -6000 * 0.10, places=2)
        ee, _er = self._gosi(
            6000, 0, date(2010, 1, 1), period=(date(2026, 9, 1), date(2026, 9, 30))
        )
        self.assertAlmostEqual(ee, -6000 * 0.0975, places=2)

    def test_pay_from_contacts_in_the_gosi_wage_is_a_setting(self):
        self.agent.country_id = self.env.ref("base.sa")
        self.agent.sudo().cc_gosi_first_insured = date(2010, 1, 1)
        contract = self._make_contract(self.agent, wage=3000, cc_pay_scheme="mixed")
        for day in (date(2026, 10, 4), date(2026, 10, 5)):
            self._contacts(self.agent, day, "inbound_call", 100)
        slip = self._slip(contract)
        self.assertEqual(self.lines(slip)["GOSI_EE"], -3000 * 0.0975)
        self.env.company.cc_gosi_include_variable = True
        slip.compute_sheet()
        self.assertEqual(self.lines(slip)["GOSI_EE"], -(3000 + 200 * 6) * 0.0975)
