"""Confirming locks what was paid; corrections go into the next period."""

from datetime import date

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import NOVEMBER, OCTOBER, PayrollCase


@tagged("post_install", "-at_install")
class TestLock(PayrollCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._make_contract(cls.agent)
        cls.october = cls._contacts(cls.agent, date(2026, 10, 6), "inbound_call", 12)
        cls.november = cls._contacts(cls.agent, date(2026, 11, 3), "inbound_call", 11)

    def _confirmed_october(self):
        slip = self._slip(self.contract)
        slip.action_payslip_done()
        self.assertEqual(slip.state, "done")
        return slip

    def test_confirming_locks_the_contacts_it_paid(self):
        slip = self._confirmed_october()
        self.assertTrue(all(self.october.mapped("locked")))
        self.assertEqual(self.october.mapped("cc_payslip_id"), slip)
        self.assertFalse(any(self.november.mapped("locked")))
        contact = self.october[0]
        with self.assertRaisesNaming(UserError, "confirmed pay period"):
            contact.write({"channel": "email"})
        wizard = self.env["cc.interaction.void"].create(
            {"interaction_ids": [(6, 0, contact.ids)], "reason": "Wrong agent"}
        )
        with self.assertRaisesNaming(UserError, "confirmed pay period"):
            wizard.action_confirm()
        with self.assertRaisesNaming(UserError, "confirmed pay period"):
            contact.write({"state": "void", "void_reason": "Wrong agent"})
        # Nor can the confirmed payslip be cancelled to redo it.
        with self.assertRaisesNaming(UserError, "Pay Corrections"):
            slip.action_payslip_cancel()

    def test_correction_is_paid_in_the_next_period(self):
        self._confirmed_october()
        action = self.october[0].action_cc_correct_next_pay()
        self.assertEqual(action["context"]["default_amount"], -6.0)
        correction = (
            self.env["cc.pay.adjustment"]
            .with_context(**action["context"])
            .create({"name": "Call counted twice"})
        )
        self.assertEqual(correction.interaction_id, self.october[0])
        self.assertEqual(correction.employee_id, self.agent)
        november = self._slip(self.contract, period=NOVEMBER)
        lines = self.lines(november)
        self.assertEqual(lines["CC_ADJUSTMENT"], -6.0)
        self.assertEqual(lines["CC_INBOUND_CALL"], 11 * 6)
        self.assertEqual(november.cc_adjustment_ids, correction)
        # The source of the adjustment line is the correction.
        line = self.line(november, "CC_ADJUSTMENT")
        self.assertEqual(
            self.env["cc.pay.adjustment"].search(
                line.action_cc_view_sources()["domain"]
            ),
            correction,
        )
        november.action_payslip_done()
        self.assertEqual(correction.state, "applied")
        with self.assertRaisesNaming(UserError, "cannot change"):
            correction.amount = -12
        with self.assertRaisesNaming(UserError, "cannot be deleted"):
            correction.unlink()

    def test_a_contact_recorded_late_is_paid_next_month(self):
        self._confirmed_october()
        # Recorded in November for the 29th of October (a resolved request the
        # agent closed late): October is closed, November pays it.
        late = self._contacts(self.agent, date(2026, 10, 29), "inbound_call", 2)
        november = self._slip(self.contract, period=NOVEMBER)
        self.assertEqual(self.inputs(november)["CC_N_INBOUND_CALL"], 11 + 2)
        self.assertEqual(november.cc_interaction_ids, self.november | late)
        november.action_payslip_done()
        self.assertEqual(late.cc_payslip_id, november)
        self.assertTrue(all(late.mapped("locked")))

    def test_a_draft_payslip_does_not_lock(self):
        slip = self._slip(self.contract)
        self.assertEqual(slip.cc_interaction_ids, self.october)
        self.assertEqual(slip.cc_interaction_count, 12)
        self.assertFalse(self.october.cc_payslip_id)
        self.assertFalse(any(self.october.mapped("locked")))
        # Voiding a contact and computing again: it is no longer paid.
        self.october[0].write({"state": "void", "void_reason": "Test call"})
        slip.compute_sheet()
        self.assertEqual(self.lines(slip)["CC_INBOUND_CALL"], 11 * 6)
        self.assertEqual(slip.cc_interaction_ids, self.october[1:])
        slip.action_payslip_done()
        self.assertEqual(self.october[1:].cc_payslip_id, slip)
        self.assertFalse(self.october[0].cc_payslip_id)
        self.assertFalse(self.october[0].locked)

    def test_confirming_what_changed_since_computed_fails(self):
        slip = self._slip(self.contract)
        # A contact recorded after the payslip was computed: confirming it
        # as computed would lock a contact it does not pay.
        self._contacts(self.agent, date(2026, 10, 20), "inbound_call", 1)
        with self.assertRaisesNaming(UserError, "Compute them again"):
            slip.with_context(without_compute_sheet=True).action_payslip_done()
        # Confirming computes again by default: all 13 paid and locked.
        slip.action_payslip_done()
        self.assertEqual(self.lines(slip)["CC_INBOUND_CALL"], 13 * 6)
        self.assertEqual(slip.cc_interaction_count, 13)

    def test_batch_compute_and_confirm(self):
        contract_2 = self._make_contract(self.agent_2)
        self._contacts(self.agent_2, date(2026, 10, 7), "email", 3)
        run = self.env["hr.payslip.run"].create(
            {"name": "October 2026", "date_start": OCTOBER[0], "date_end": OCTOBER[1]}
        )
        for contract in (self.contract, contract_2):
            slip = self._slip(contract, compute=False)
            slip.payslip_run_id = run
        run.action_cc_compute()
        self.assertEqual(set(run.slip_ids.mapped("state")), {"verify"})
        totals = {slip.employee_id: self.lines(slip)["NET"] for slip in run.slip_ids}
        run.action_cc_compute()
        self.assertEqual(
            {slip.employee_id: self.lines(slip)["NET"] for slip in run.slip_ids}, totals
        )
        run.action_cc_confirm()
        self.assertEqual(run.state, "close")
        self.assertEqual(set(run.slip_ids.mapped("state")), {"done"})
        self.assertTrue(all(self.october.mapped("locked")))

    def test_one_payslip_per_agent_and_period(self):
        """A second payslip over the same days would count the same contacts:
        refused, naming the first; another agent's, or the next month's, or
        after rejecting the first, is fine."""
        first = self._slip(self.contract)
        with self.assertRaisesNaming(ValidationError, first.number or first.name):
            self._slip(self.contract, period=(date(2026, 10, 15), date(2026, 11, 14)))
        self._slip(self._make_contract(self.agent_2))
        self._slip(self.contract, period=NOVEMBER)
        first.action_payslip_cancel()
        again = self._slip(self.contract)
        self.assertEqual(again.state, "verify")  # computed, to confirm
        self.assertEqual(again.cc_interaction_count, 12)
