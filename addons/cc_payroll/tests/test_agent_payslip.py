from odoo.addons.cc_agent.tests.common import CallCenterCase


class TestAgentPayslip(CallCenterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.structure = cls.env.ref("cc_payroll.hr_payroll_structure_cc_agent")
        cls.contract = cls.env["hr.contract"].create(
            {
                "name": "Amal, flat monthly",
                "employee_id": cls.agent.id,
                "wage": 3200.0,
                "struct_id": cls.structure.id,
                "date_start": "2026-01-01",
                "state": "open",
            }
        )

    def test_flat_monthly_agent_is_paid_the_wage(self):
        payslip = self.env["hr.payslip"].create(
            {
                "employee_id": self.agent.id,
                "contract_id": self.contract.id,
                "struct_id": self.structure.id,
                "date_from": "2026-10-01",
                "date_to": "2026-10-31",
            }
        )
        payslip.compute_sheet()
        amounts = {line.code: line.total for line in payslip.line_ids}
        # Not Saudi: no deduction; the employer pays occupational hazards (2 %).
        self.assertEqual(
            amounts,
            {"BASIC": 3200.0, "GROSS": 3200.0, "NET": 3200.0, "GOSI_ER": 64.0},
        )

    def test_structure_is_shipped_as_data(self):
        self.assertEqual(self.structure.code, "CCAGENT")
        self.assertEqual(
            set(self.structure.rule_ids.mapped("code")),
            {
                "BASIC",
                "HOUSING",
                "CC_INBOUND_CALL",
                "CC_OUTBOUND_CALL",
                "CC_EMAIL",
                "CC_TICKET",
                "CC_OTHER",
                "CC_COMMISSION",
                "CC_HOURS",
                "CC_OVERTIME",
                "CC_QUOTA_BONUS",
                "CC_DEVICE",
                "CC_ADJUSTMENT",
                "GROSS",
                "CC_MISSED",
                "GOSI_EE",
                "NET",
                "GOSI_ER",
            },
        )
