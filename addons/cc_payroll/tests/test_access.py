"""An agent reads her own confirmed payslips and her estimate, never anyone
else's pay: from the ORM and over HTTP."""

import json
from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PayrollHttpCase


@tagged("post_install", "-at_install")
class TestPayAccess(PayrollHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._make_contract(cls.agent)
        cls.contract_2 = cls._make_contract(cls.agent_2)
        cls._contacts(cls.agent, date(2026, 10, 6), "inbound_call", 12)
        cls._contacts(cls.agent_2, date(2026, 10, 6), "inbound_call", 30)

    def setUp(self):
        super().setUp()
        self.mine = self._slip(self.contract)
        self.theirs = self._slip(self.contract_2)
        (self.mine | self.theirs).action_payslip_done()

    def test_orm(self):
        Slip = self.env["hr.payslip"].with_user(self.user_agent)
        self.assertEqual(Slip.search([]), self.mine)
        self.assertTrue(self.mine.with_user(self.user_agent).line_ids)
        with self.assertRaises(AccessError):
            self.theirs.with_user(self.user_agent).read(["number"])
        with self.assertRaises(AccessError):
            self.theirs.line_ids.with_user(self.user_agent).read(["total"])
        with self.assertRaises(AccessError):
            self.mine.with_user(self.user_agent).write({"note": "more"})
        # A payslip not yet confirmed is HR's.
        draft = self._slip(
            self.contract, period=(date(2026, 11, 1), date(2026, 11, 30))
        )
        with self.assertRaises(AccessError):
            draft.with_user(self.user_agent).read(["number"])
        # Her supervisor is not payroll: he does not read her pay either.
        with self.assertRaises(AccessError):
            self.mine.with_user(self.user_supervisor).read(["number"])
        self.assertEqual(
            self.mine.with_user(self.user_payroll).number, self.mine.number
        )

    def _rpc(self, model, method, args, kwargs=None):
        return self._call_kw(model, method, args, kwargs)

    def test_http(self):
        self.authenticate("cc_agent", "cc_agent")
        mine = self._rpc("hr.payslip", "read", [self.mine.ids, ["number"]])
        self.assertEqual(mine["result"][0]["number"], self.mine.number)
        with mute_logger("odoo.http"):
            theirs = self._rpc("hr.payslip", "read", [self.theirs.ids, ["number"]])
        self.assertIn("error", theirs)
        self.assertEqual(theirs["error"]["data"]["name"], "odoo.exceptions.AccessError")
        lines = self._rpc(
            "hr.payslip.line",
            "search_read",
            [[("slip_id", "=", self.theirs.id)], ["total"]],
        )
        self.assertEqual(lines["result"], [])
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/report/html/payroll.report_payslip/{self.theirs.id}"
            )
        self.assertNotIn(self.theirs.number or "SLIP", response.text)
        self.assertNotEqual(response.status_code, 200)

    def test_estimate_is_her_own(self):
        estimate = self.env["cc.pay.estimate"].with_user(self.user_agent).create({})
        self.assertEqual(estimate.employee_id, self.agent)
        self.assertEqual(estimate.date_from.day, 1)
        # Nothing of the estimate stays: no payslip, no contact linked.
        self.assertEqual(
            self.env["hr.payslip"].search_count([("number", "=", "ESTIMATE")]), 0
        )
        self.assertFalse(
            self.env["cc.interaction"].search(
                [("cc_payslip_id.number", "=", "ESTIMATE")]
            )
        )
        self.authenticate("cc_agent_2", "cc_agent_2")
        with mute_logger("odoo.http"):
            result = self._rpc("cc.pay.estimate", "read", [estimate.ids, ["net"]])
        self.assertIn("error", result)

    def test_estimate_counts_this_month(self):
        today = self.env["cc.quota.day"]._cc_agent_today(self.agent)
        self._contacts(self.agent, today, "inbound_call", 4)
        estimate = self.env["cc.pay.estimate"].with_user(self.user_agent).create({})
        self.assertEqual(estimate.date_to, today)
        names = estimate.line_ids.mapped("name")
        self.assertIn("Inbound Calls", names)
        inbound = estimate.line_ids.filtered(lambda line: line.name == "Inbound Calls")
        self.assertGreaterEqual(inbound.quantity, 4)
        self.assertEqual(inbound.amount, 6)
        self.assertTrue(estimate.net)
        json.dumps(estimate.read(["net"]))  # what the form reads
