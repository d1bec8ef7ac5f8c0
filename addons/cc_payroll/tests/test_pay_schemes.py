"""Each pay scheme and a mix, the quota's bonus and deduction, hours and
overtime: October 2026 has 21 working days (Sunday to Thursday)."""

from datetime import date, datetime, timedelta

from odoo.tests import tagged

from .common import OCTOBER, PayrollCase, working_days

WORKING = list(working_days(*OCTOBER))


@tagged("post_install", "-at_install")
class TestPaySchemes(PayrollCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Amal: 10 inbound calls every working day, but 5 on the 13th; three
        # days with 2 e-mails too; a Friday call (a day off) still pays.
        for day in WORKING:
            cls._contacts(cls.agent, day, "inbound_call", 5 if day.day == 13 else 10)
        for day in WORKING[:3]:
            cls._contacts(cls.agent, day, "email", 2)
        cls._contacts(cls.agent, date(2026, 10, 9), "inbound_call", 1)
        # Not hers, not October's, not valid: never counted.
        cls._contacts(cls.agent_2, WORKING[0], "inbound_call", 7)
        cls._contacts(cls.agent, date(2026, 11, 1), "inbound_call", 4)
        cls._contacts(cls.agent, WORKING[1], "inbound_call", 1).sudo().write(
            {"state": "void", "void_reason": "Test call"}
        )
        assert len(WORKING) == 21

    def test_per_contact(self):
        contract = self._make_contract(self.agent)
        self.assertEqual(contract.struct_id, self.structure)
        slip = self._slip(contract)
        inputs = self.inputs(slip)
        self.assertEqual(inputs["CC_N_INBOUND_CALL"], 20 * 10 + 5 + 1)
        self.assertEqual(inputs["CC_N_EMAIL"], 6)
        self.assertEqual(inputs["CC_DAYS_WORKING"], 21)
        self.assertEqual(inputs["CC_DAYS_MET"], 20)
        self.assertEqual(inputs["CC_DAYS_MISSED"], 1)
        self.assertEqual(inputs["CC_TARGET"], 210)
        lines = self.lines(slip)
        self.assertEqual(lines["CC_INBOUND_CALL"], 206 * 6)
        self.assertEqual(lines["CC_EMAIL"], 6 * 4)
        self.assertEqual(self.line(slip, "CC_INBOUND_CALL").quantity, 206)
        self.assertEqual(self.line(slip, "CC_INBOUND_CALL").amount, 6)
        self.assertNotIn("BASIC", lines)
        self.assertEqual(lines["GROSS"], 1236 + 24)
        # GOSI on the floor (no basic nor housing): 9 % + 0.75 % of 1,500.
        self.assertEqual(lines["GOSI_EE"], -146.25)
        self.assertEqual(lines["NET"], 1260 - 146.25)
        self.assertEqual(slip.cc_interaction_count, 206 + 6)

    def test_commission(self):
        contract = self._make_contract(
            self.agent_2,
            cc_pay_scheme="commission",
            cc_commission_rate=5,
            cc_rate_ids=[],
        )
        for day in WORKING[:4]:
            self._contacts(self.agent_2, day, "outbound_call", 2, base=1200)
        lines = self.lines(self._slip(contract))
        self.assertEqual(lines["CC_COMMISSION"], 8 * 1200 * 5 / 100)
        # Rates do not pay under a commission-only contract.
        self.assertNotIn("CC_OUTBOUND_CALL", lines)
        self.assertNotIn("CC_INBOUND_CALL", lines)
        # Badr is not Saudi: no deduction, the employer pays hazards (2 %).
        self.assertNotIn("GOSI_EE", lines)
        self.assertEqual(lines["GOSI_ER"], 1500 * 0.02)
        self.assertEqual(lines["NET"], 480)

    def test_flat_prorated_to_the_days_met(self):
        contract = self._make_contract(
            self.agent,
            cc_pay_scheme="flat",
            cc_rate_ids=[],
            wage=4200,
            cc_housing_allowance=1000,
            cc_missed_minimum="prorate",
        )
        slip = self._slip(contract)
        lines = self.lines(slip)
        # 20 of the 21 working days met.
        self.assertEqual(lines["BASIC"], round(4200 * 20 / 21, 2))
        self.assertEqual(lines["HOUSING"], 1000)
        self.assertNotIn("CC_INBOUND_CALL", lines)
        base = round(4200 * 20 / 21, 2) + 1000
        self.assertAlmostEqual(lines["GOSI_EE"], -round(base * 0.0975, 2), places=2)
        self.assertAlmostEqual(lines["GOSI_ER"], round(base * 0.1175, 2), places=2)
        self.assertAlmostEqual(lines["NET"], base + lines["GOSI_EE"], places=2)

    def test_mix_with_quota_bonus_and_deduction(self):
        contract = self._make_contract(
            self.agent,
            cc_pay_scheme="mixed",
            wage=1500,
            cc_commission_rate=2,
            cc_quota_bonus=1.5,
            cc_missed_minimum="deduct",
            cc_missed_day_deduction=40,
            cc_device_allowance=150,
        )
        self._contacts(self.agent, WORKING[5], "inbound_call", 3, base=500)
        slip = self._slip(contract)
        lines = self.lines(slip)
        inbound = 206 + 3
        self.assertEqual(lines["BASIC"], 1500)
        self.assertEqual(lines["CC_INBOUND_CALL"], inbound * 6)
        self.assertEqual(lines["CC_EMAIL"], 24)
        self.assertEqual(lines["CC_COMMISSION"], 1500 * 0.02)
        # Counted for the quota: the working days' contacts, 208 calls and 6
        # e-mails, against a target of 210 (the Friday call is on a day off).
        handled = self.inputs(slip)["CC_HANDLED"]
        self.assertEqual(handled, 208 + 6)
        self.assertEqual(lines["CC_QUOTA_BONUS"], (handled - 210) * 1.5)
        self.assertEqual(lines["CC_DEVICE"], 150)
        self.assertEqual(lines["CC_MISSED"], -40)
        gross = 1500 + inbound * 6 + 24 + 30 + (handled - 210) * 1.5 + 150
        self.assertAlmostEqual(lines["GROSS"], gross, places=2)
        self.assertEqual(lines["GOSI_EE"], -146.25)
        self.assertAlmostEqual(lines["NET"], gross - 40 - 146.25, places=2)

    def test_flexible_hours_and_overtime(self):
        contract = self._make_contract(
            self.agent,
            cc_regime="flexible",
            wage=0,
            cc_hourly_wage=40,
            cc_monthly_hours=100,
            cc_daily_minimum=0,
            date_start="2026-10-01",
            date_end="2027-06-30",
        )
        Presence = self.env["cc.presence.log"]
        # 20 days of 5 h (available 4 h, on calls 1 h) and a 1 h break.
        for day in WORKING[:20]:
            start = datetime.combine(day, datetime.min.time()) + timedelta(hours=14)
            for state, hours in (("available", 4), ("break", 1), ("on_call", 1)):
                Presence.create(
                    {
                        "agent_id": self.agent.id,
                        "state": state,
                        "date_start": start,
                        "date_end": start + timedelta(hours=hours),
                    }
                )
                start += timedelta(hours=hours)
        slip = self._slip(contract)
        lines = self.lines(slip)
        self.assertEqual(self.inputs(slip)["CC_HOURS"], 100)
        self.assertEqual(lines["CC_HOURS"], 100 * 40)
        # Above 95 hours a month: the 50 % premium.
        self.assertEqual(lines["CC_OVERTIME"], 5 * 40 * 0.5)
        # Flexible work: pension only (no SANED), on the floor (no basic).
        self.assertEqual(lines["GOSI_EE"], -1500 * 0.09)
        self.assertEqual(lines["GOSI_ER"], 1500 * (0.09 + 0.02))

    def test_recomputing_gives_the_same_result(self):
        contract = self._make_contract(self.agent, cc_quota_bonus=1)
        slip = self._slip(contract)
        before = (self.lines(slip), self.inputs(slip), slip.cc_interaction_ids)
        slip.compute_sheet()
        slip.compute_sheet()
        self.assertEqual(
            (self.lines(slip), self.inputs(slip), slip.cc_interaction_ids), before
        )
        self.assertEqual(len(slip.input_line_ids), len(before[1]))

    def test_every_amount_leads_to_what_it_counted(self):
        contract = self._make_contract(
            self.agent, cc_missed_minimum="deduct", cc_missed_day_deduction=10
        )
        slip = self._slip(contract)
        for code, model, count in (
            ("CC_INBOUND_CALL", "cc.interaction", 206),
            ("CC_EMAIL", "cc.interaction", 6),
            ("CC_MISSED", "cc.quota.day", 1),
        ):
            with self.subTest(line=code):
                line = self.line(slip, code)
                self.assertTrue(line.cc_has_sources)
                action = line.action_cc_view_sources()
                self.assertEqual(action["res_model"], model)
                records = self.env[model].search(action["domain"])
                self.assertEqual(len(records), count)
                self.assertEqual(records.agent_id, self.agent)
                if model == "cc.interaction":
                    self.assertEqual(line.quantity, count)
        self.assertFalse(self.line(slip, "GOSI_EE").cc_has_sources)
        missed = self.env["cc.quota.day"].search(
            self.line(slip, "CC_MISSED").action_cc_view_sources()["domain"]
        )
        self.assertEqual(missed.date, date(2026, 10, 13))
        action = slip.action_cc_view_interactions()
        self.assertEqual(self.env["cc.interaction"].search_count(action["domain"]), 212)
