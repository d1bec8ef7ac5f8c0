from odoo import Command
from odoo.exceptions import ValidationError

from .common import CallCenterCase


class TestContractTerms(CallCenterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.saudi = cls.env.ref("base.sa")
        cls.agent.country_id = cls.saudi

    # Part-time -----------------------------------------------------------

    def test_part_time_under_half_the_company_day(self):
        contract = self._make_contract(self.agent)  # 3 h evenings, company 8 h
        self.assertEqual(contract.cc_regime, "part_time")
        four_hours = self._make_calendar("Four hours", 9, 13)
        with self.assertRaisesNaming(ValidationError, "Working Schedule") as caught:
            contract.resource_calendar_id = four_hours
        self.assertIn("under 4.0 hours", str(caught.exception))

    def test_part_time_is_for_a_fixed_term(self):
        with self.assertRaisesNaming(ValidationError, "End Date"):
            self._make_contract(self.agent, date_end=False)

    # Flexible ------------------------------------------------------------

    def _flexible(self, **values):
        return self._make_contract(
            self.agent,
            **{
                "cc_regime": "flexible",
                "cc_pay_scheme": "mixed",
                "cc_monthly_hours": 80,
                "cc_hourly_wage": 45,
                "date_start": "2026-01-01",
                "date_end": "2026-12-31",
                **values,
            },
        )

    def test_flexible_is_for_saudis_only(self):
        self.agent.country_id = self.env.ref("base.eg")
        with self.assertRaisesNaming(ValidationError, "Nationality (Country)"):
            self._flexible()

    def test_flexible_monthly_hours_cap(self):
        contract = self._flexible(cc_monthly_hours=160)
        self.assertEqual(contract.cc_monthly_hours, 160)
        with self.assertRaisesNaming(ValidationError, "at most 160"):
            contract.cc_monthly_hours = 160.5
        with self.assertRaisesNaming(ValidationError, "Monthly Hours"):
            contract.cc_monthly_hours = 0

    def test_flexible_overtime_is_a_warning(self):
        contract = self._flexible(cc_monthly_hours=95)
        self.assertFalse(contract.cc_warning)
        contract.cc_monthly_hours = 100
        self.assertIn("overtime", contract.cc_warning)

    def test_flexible_lasts_twelve_months_at_most(self):
        self._flexible(date_start="2026-01-01", date_end="2026-12-31")
        # Drafts, so as not to overlap the running contract.
        with self.assertRaisesNaming(ValidationError, "2026-12-31"):
            self._flexible(
                date_start="2026-01-01", date_end="2027-01-01", state="draft"
            )
        with self.assertRaisesNaming(ValidationError, "End Date"):
            self._flexible(date_end=False, state="draft")

    def test_flexible_is_paid_by_the_hour(self):
        with self.assertRaisesNaming(ValidationError, "Hourly Wage"):
            self._flexible(cc_hourly_wage=0)

    # Remote full-time ---------------------------------------------------

    def test_remote_daily_and_weekly_caps(self):
        contract = self._make_contract(
            self.agent,
            cc_regime="remote",
            cc_pay_scheme="flat",
            wage=5000,
            resource_calendar_id=self.calendar_week.id,
            date_end=False,
        )
        nine_hours = self._make_calendar("Nine hours", 8, 17)
        with self.assertRaisesNaming(ValidationError, "Working Schedule") as caught:
            contract.resource_calendar_id = nine_hours
        self.assertIn("9.0 hours a day", str(caught.exception))
        six_days = self._make_calendar(
            "Six long days", 9, 17.5, ("6", "0", "1", "2", "3", "5")
        )
        with self.assertRaisesNaming(ValidationError, "a week"):
            contract.resource_calendar_id = six_days

    # Saudization ---------------------------------------------------------

    def test_saudization_warning(self):
        contract = self._make_contract(self.agent, wage=2500)
        self.assertIn("no Saudization", contract.cc_warning)
        contract.wage = 3000
        self.assertFalse(contract.cc_warning)
        remote = self._make_contract(
            self.agent_2,
            cc_regime="remote",
            cc_pay_scheme="flat",
            wage=3500,
            resource_calendar_id=self.calendar_week.id,
        )
        self.agent_2.country_id = self.saudi
        remote.invalidate_recordset(["cc_warning"])
        self.assertIn("half a Saudi", remote.cc_warning)
        self.agent_2.country_id = self.env.ref("base.eg")
        remote.invalidate_recordset(["cc_warning"])
        self.assertFalse(remote.cc_warning)

    def test_thresholds_are_dated_data(self):
        """A new value of a rule parameter applies from its date on."""
        parameter = self.env.ref("cc_agent.cc_rule_parameter_nitaqat_half")
        self.env["cc.rule.parameter.value"].create(
            {"parameter_id": parameter.id, "date_from": "2026-06-01", "value": 3500}
        )
        Parameter = self.env["cc.rule.parameter"]
        self.assertEqual(
            Parameter._get_value("CC_NITAQAT_HALF_WAGE", "2026-05-31"), 3000
        )
        self.assertEqual(
            Parameter._get_value("CC_NITAQAT_HALF_WAGE", "2026-06-01"), 3500
        )
        with self.assertRaisesNaming(Exception, "CC_NITAQAT_HALF_WAGE"):
            Parameter._get_value("CC_NITAQAT_HALF_WAGE", "2019-01-01")
        early = self._make_contract(self.agent, wage=3200, date_start="2026-01-01")
        late = self._make_contract(
            self.agent_2, wage=3200, date_start="2026-07-01", date_end="2026-12-31"
        )
        self.agent_2.country_id = self.saudi
        late.invalidate_recordset(["cc_warning"])
        self.assertFalse(early.cc_warning)
        self.assertIn("no Saudization", late.cc_warning)

    # Pay schemes -----------------------------------------------------------

    def test_pay_scheme_needs_its_terms(self):
        with self.assertRaisesNaming(ValidationError, "Rates per Contact Type"):
            self._make_contract(self.agent, cc_rate_ids=[])
        with self.assertRaisesNaming(ValidationError, "Commission (%)"):
            self._make_contract(self.agent, cc_pay_scheme="commission", cc_rate_ids=[])
        with self.assertRaisesNaming(ValidationError, "Commission (%)"):
            self._make_contract(self.agent, cc_commission_rate=120)
        with self.assertRaisesNaming(ValidationError, "Wage"):
            self._make_contract(self.agent, cc_pay_scheme="flat", wage=0)
        with self.assertRaisesNaming(ValidationError, "pays nothing"):
            self._make_contract(self.agent, cc_pay_scheme="mixed", cc_rate_ids=[])
        with self.assertRaisesNaming(ValidationError, "Pay per Contact"):
            self._make_contract(
                self.agent,
                cc_rate_ids=[Command.create({"channel": "email", "rate": -1})],
            )

    def test_variable_pay(self):
        counts = {"inbound_call": 10, "email": 3, "other": 2}
        per_contact = self._make_contract(self.agent)
        self.assertEqual(per_contact._cc_variable_pay(counts, 1000), 10 * 6 + 3 * 4)
        per_contact.write({"cc_pay_scheme": "commission", "cc_commission_rate": 5})
        self.assertEqual(per_contact._cc_variable_pay(counts, 1000), 50)
        per_contact.cc_pay_scheme = "mixed"
        self.assertEqual(per_contact._cc_variable_pay(counts, 1000), 72 + 50)
        per_contact.write({"cc_pay_scheme": "flat", "wage": 4000})
        self.assertEqual(per_contact._cc_variable_pay(counts, 1000), 0)

    def test_daily_minimum_channels(self):
        contract = self._make_contract(self.agent)
        self.assertEqual(contract._cc_counted_channels(), {"inbound_call", "email"})
        contract.cc_rate_ids.filtered(
            lambda r: r.channel == "email"
        ).counts_for_quota = False
        self.assertEqual(contract._cc_counted_channels(), {"inbound_call"})
        contract.cc_rate_ids.counts_for_quota = False
        self.assertIn("never be met", contract.cc_warning)
        contract.write(
            {"cc_pay_scheme": "flat", "wage": 3000, "cc_rate_ids": [Command.clear()]}
        )
        self.assertIsNone(contract._cc_counted_channels())
