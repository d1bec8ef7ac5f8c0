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
        self.assertEqual(amounts, {"BASIC": 3200.0, "GROSS": 3200.0, "NET": 3200.0})

    def test_structure_is_shipped_as_data(self):
        self.assertEqual(self.structure.code, "CCAGENT")
        self.assertEqual(
            set(self.structure.rule_ids.mapped("code")), {"BASIC", "GROSS", "NET"}
        )
