import base64
import io

import openpyxl

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .test_wps import IBAN_AMAL, NOURA, PayrollExportCase

HEADERS = [
    "Employee",
    "Agent Code",
    "National ID / Iqama",
    "IBAN",
    "Basic",
    "Housing",
    "Pay from Contacts",
    "Allowances",
    "Adjustments",
    "Gross",
    "Deductions",
    "Net",
    "Employer GOSI",
    "Status",
]


@tagged("post_install", "-at_install")
class TestPayrollRegister(PayrollExportCase):
    def _open(self, export, values=False):
        """The register's sheet: its formulas, or with values=True the values
        stored beside them."""
        book = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(export.file)), data_only=values
        )
        self.assertEqual(len(book.worksheets), 1)
        return book.worksheets[0]

    def _rows(self, sheet):
        return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]

    def test_title_headers_and_one_row_per_payslip(self):
        export = self._generate("register")
        self.assertEqual(
            export.file_name, "payroll_register_2026-10-01_2026-10-31.xlsx"
        )
        sheet = self._open(export)
        self.assertEqual(sheet.title, "Payroll Register")
        title = sheet["A1"].value
        for part in (self.company.name, "October 2026", "10/01/2026", "10/31/2026"):
            self.assertIn(part, title)
        self.assertIn("waiting for confirmation and confirmed", sheet["A2"].value)
        self.assertEqual([cell.value for cell in sheet[3]], HEADERS)
        rows = self._rows(sheet)
        # Waiting and confirmed payslips; Badr's draft one is left out.
        self.assertEqual(
            [row[0] for row in rows],
            ["Agent Amal", "Agent Badr", "Supervisor Dana", NOURA, "Total"],
        )
        self.assertEqual(
            rows[0],
            [
                "Agent Amal",
                self.agent.cc_agent_code,
                "1000000008",
                IBAN_AMAL,
                3000,
                750,
                1234.56,
                200,
                -100,
                5084.56,
                -337.5,
                4747.06,
                412.5,
                "Done",
            ],
        )
        self.assertTrue(self.agent.cc_agent_code)
        self.assertEqual(rows[2][13], "Waiting")
        # Two lines of the same category add up.
        self.assertEqual(rows[3][6], 0.3)
        self.assertEqual(rows[3][2], "2012345670")

    def test_totals_are_formulas_with_their_values(self):
        export = self._generate("register")
        formulas = self._rows(self._open(export))[-1]
        self.assertEqual(formulas[4], "=SUM(E4:E7)")
        self.assertEqual(formulas[12], "=SUM(M4:M7)")
        values = self._rows(self._open(export, values=True))[-1]
        self.assertEqual(
            values,
            [
                "Total",
                None,
                None,
                None,
                15000,
                2250,
                2080.11,
                350,
                50.1,
                19730.21,
                -787.5,
                18942.71,
                812.5,
                None,
            ],
        )

    def test_formats_for_amounts_and_arabic_names(self):
        sheet = self._open(self._generate("register"))
        noura = sheet["A7"]
        self.assertEqual(noura.value, NOURA)
        self.assertEqual(noura.font.name, "Arial")
        self.assertEqual(sheet["E4"].number_format, "#,##0.00")
        self.assertEqual(sheet["L8"].number_format, "#,##0.00")
        self.assertGreaterEqual(sheet.column_dimensions["A"].width, 30)
        self.assertFalse(sheet.sheet_view.rightToLeft)

    def test_right_to_left_in_arabic(self):
        self.env["res.lang"]._activate_lang("ar_001")
        self.user_payroll.lang = "ar_001"
        sheet = self._open(self._generate("register"))
        self.assertTrue(sheet.sheet_view.rightToLeft)
        self.assertEqual(sheet["A7"].value, NOURA)

    def test_refund_counts_negative(self):
        self._payslip(
            self.agent_2,
            [("BASIC", 100), ("GROSS", 100), ("NET", 100)],
            credit_note=True,
        )
        rows = self._rows(self._open(self._generate("register"), values=True))
        refund = rows[2]
        self.assertEqual(refund[0], "Agent Badr")
        self.assertEqual((refund[4], refund[9], refund[11]), (-100, -100, -100))
        self.assertEqual(rows[-1][4], 14900)

    def test_batch_without_payslip_to_report(self):
        (self.slip_amal | self.slip_badr | self.slip_noura | self.slip_dana).write(
            {"state": "cancel"}
        )
        export = self.Export.create({"run_id": self.batch.id, "kind": "register"})
        with self.assertRaisesNaming(UserError, "no payslip waiting or confirmed"):
            export.action_generate()
        self.assertFalse(export.file)

    def test_plain_agent_cannot_export(self):
        with self.assertRaises(AccessError):
            self.env["cc.payroll.export"].with_user(self.user_agent).create(
                {"run_id": self.batch.id, "kind": "register"}
            )
