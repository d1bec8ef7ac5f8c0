import base64
import logging
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.cc_agent.tests.common import CallCenterCase

from ..tools import normalize_iban, saudi_iban_problem

IBAN_AMAL = "SA8510000012345678901234"
IBAN_BADR = "SA7380000000608010167520"
IBAN_NOURA = "SA0680000001234567891234"
DEBIT_IBAN = "SA0380000000608010167519"
NOURA = "نورة العتيبي"
EXPORT_LOGGER = "odoo.addons.cc_payroll.wizard.cc_payroll_export"


class PayrollExportCase(CallCenterCase):
    """A batch for October 2026: confirmed payslips for Amal, Badr and Noura,
    a payslip waiting for confirmation for Dana and a draft one for Badr,
    with lines in each category the exports read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        sar = cls.env.ref("base.SAR")
        sar.active = True
        cls.company = cls.env.company
        cls.company.write(
            {
                "currency_id": sar.id,
                "cc_wps_bank_code": "RJHI",
                "cc_wps_establishment_id": "EST0042",
                "cc_wps_debit_iban": DEBIT_IBAN,
                "cc_wps_mol_establishment_id": "1-123456",
            }
        )
        cls.user_payroll = new_test_user(
            cls.env,
            login="cc_payroll",
            name="Payroll Hala",
            groups="payroll.group_payroll_manager",
        )
        cls.user_agent_3 = new_test_user(
            cls.env, login="cc_agent_3", name=NOURA, groups="cc_agent.group_cc_agent"
        )
        cls.agent_3 = cls.env["hr.employee"].create(
            {"name": NOURA, "user_id": cls.user_agent_3.id, "is_cc_agent": True}
        )
        cls.bank_rajhi = cls.env["res.bank"].create(
            {"name": "Al Rajhi Bank", "bic": "RJHISARI"}
        )
        cls.bank_snb = cls.env["res.bank"].create(
            {"name": "Saudi National Bank", "bic": "ncbksaje"}
        )
        for employee, national_id, iban, bank in (
            (cls.agent, "1000000008", IBAN_AMAL, cls.bank_snb),
            (cls.agent_2, "1012345672", IBAN_BADR, cls.bank_rajhi),
            # Typed with spaces and Arabic-Indic digits.
            (
                cls.agent_3,
                "٢٠١٢٣٤٥٦٧٠",
                "SA06 8000 0001 2345 6789 1234",
                cls.bank_rajhi,
            ),
        ):
            employee.write(
                {
                    "identification_id": national_id,
                    "bank_account_id": cls._bank_account(employee, iban, bank).id,
                }
            )
        cls.categories = {
            code: cls.env.ref(f"cc_payroll.hr_salary_rule_category_{xmlid}")
            for code, xmlid in (
                ("BASIC", "basic"),
                ("HOUSING", "housing"),
                ("VAR", "variable"),
                ("ALW", "allowance"),
                ("ADJ", "adjustment"),
                ("GROSS", "gross"),
                ("DED", "deduction"),
                ("NET", "net"),
                ("COMP", "employer"),
            )
        }
        cls.rules = {
            code: cls.env["hr.salary.rule"].create(
                {"name": f"Test {code}", "code": f"T_{code}", "category_id": cat.id}
            )
            for code, cat in cls.categories.items()
        }
        cls.batch = cls.env["hr.payslip.run"].create(
            {
                "name": "October 2026",
                "date_start": "2026-10-01",
                "date_end": "2026-10-31",
            }
        )
        cls.slip_amal = cls._payslip(
            cls.agent,
            [
                ("BASIC", 3000),
                ("HOUSING", 750),
                ("VAR", 1234.56),
                ("ALW", 200),
                ("ADJ", -100),
                ("GROSS", 5084.56),
                ("DED", -337.50),
                ("NET", 4747.06),
                ("COMP", 412.50),
            ],
        )
        cls.slip_badr = cls._payslip(
            cls.agent_2,
            [
                ("BASIC", 2000),
                ("HOUSING", 500),
                ("VAR", 845.25),
                ("ADJ", 150.10),
                ("GROSS", 3495.35),
                ("NET", 3495.35),
                ("COMP", 300),
            ],
        )
        cls.slip_noura = cls._payslip(
            cls.agent_3,
            [
                ("BASIC", 4000),
                ("HOUSING", 1000),
                ("VAR", 0.10),
                ("VAR", 0.20),
                ("ALW", 150),
                ("GROSS", 5150.30),
                ("DED", -450),
                ("NET", 4700.30),
                ("COMP", 100),
            ],
        )
        cls.slip_dana = cls._payslip(
            cls.supervisor,
            [("BASIC", 6000), ("GROSS", 6000), ("NET", 6000)],
            state="verify",
        )
        # Not confirmed: in neither file.
        cls.slip_draft = cls._payslip(
            cls.env["hr.employee"].create({"name": "Hind Al-Zahrani"}),
            [("BASIC", 100), ("GROSS", 100), ("NET", 100)],
            state="draft",
        )
        cls.Export = cls.env["cc.payroll.export"].with_user(cls.user_payroll)

    @classmethod
    def _bank_account(cls, employee, iban, bank):
        return cls.env["res.partner.bank"].create(
            {
                "acc_number": iban,
                "partner_id": employee.work_contact_id.id,
                "bank_id": bank.id,
            }
        )

    @classmethod
    def _payslip(cls, employee, lines, state="done", **values):
        contract = employee.contract_id or cls._make_contract(employee)
        return cls.env["hr.payslip"].create(
            {
                "name": f"Payslip of {employee.name}",
                "employee_id": employee.id,
                "contract_id": contract.id,
                "payslip_run_id": cls.batch.id,
                "date_from": cls.batch.date_start,
                "date_to": cls.batch.date_end,
                "state": state,
                "line_ids": [
                    Command.create(
                        {
                            "name": f"Test {code}",
                            "code": f"T_{code}",
                            "salary_rule_id": cls.rules[code].id,
                            "category_id": cls.categories[code].id,
                            "employee_id": employee.id,
                            "contract_id": contract.id,
                            "amount": amount,
                        }
                    )
                    for code, amount in lines
                ],
                **values,
            }
        )

    def _generate(self, kind, **values):
        export = self.Export.create({"run_id": self.batch.id, "kind": kind, **values})
        export.action_generate()
        self.assertEqual(export.state, "done")
        return export


@tagged("post_install", "-at_install")
class TestWpsFile(PayrollExportCase):
    def _wps_lines(self, export):
        content = base64.b64decode(export.file).decode("utf-8")
        self.assertTrue(content.endswith("\r\n"))
        lines = content.split("\r\n")
        self.assertEqual(lines.pop(), "", "the end line ends with CRLF too")
        self.assertNotIn("\n", "".join(lines), "lines end with CRLF only")
        return [line.split("\t") for line in lines]

    def test_layout_field_by_field(self):
        export = self._generate("wps", value_date="2026-11-30", file_ref="REF-7")
        today = fields.Date.context_today(export)
        self.assertEqual(export.file_name, "WPS_REF-7_20261130.txt")
        header, *rows, end = self._wps_lines(export)
        self.assertEqual(
            header,
            [
                "RJHI",
                "EST0042",
                DEBIT_IBAN,
                "SAR",
                "20261130",
                "12942.71",
                today.strftime("%Y%m%d"),
                "REF-7",
                "",
                "1-123456",
            ],
        )
        detail = "Salary 2026-10"
        self.assertEqual(
            rows,
            [
                # Other earnings: 1234.56 + 200; deductions: 337.50 + the
                # negative adjustment 100.
                [
                    "4747.06",
                    IBAN_AMAL,
                    "Agent Amal",
                    "NCBKSAJE",
                    detail,
                    "",
                    "3000.00",
                    "750.00",
                    "1434.56",
                    "437.50",
                    "1000000008",
                    "",
                    "",
                    "",
                ],
                # The positive adjustment is an other earning; no deduction.
                [
                    "3495.35",
                    IBAN_BADR,
                    "Agent Badr",
                    "RJHISARI",
                    detail,
                    "",
                    "2000.00",
                    "500.00",
                    "995.35",
                    "0.00",
                    "1012345672",
                    "",
                    "",
                    "",
                ],
                [
                    "4700.30",
                    IBAN_NOURA,
                    NOURA,
                    "RJHISARI",
                    detail,
                    "",
                    "4000.00",
                    "1000.00",
                    "150.30",
                    "450.00",
                    "2012345670",
                    "",
                    "",
                    "",
                ],
            ],
        )
        self.assertEqual(end, ["-"])

    def test_header_total_is_the_sum_of_the_rows(self):
        export = self._generate("wps")
        header, *rows, _end = self._wps_lines(export)
        self.assertEqual(len(header), 10)
        self.assertTrue(all(len(row) == 14 for row in rows))
        total = sum(round(float(row[0]) * 100) for row in rows)
        self.assertEqual(round(float(header[5]) * 100), total)
        self.assertEqual(header[5], "12942.71")

    def test_amounts_have_two_decimals_and_no_separator(self):
        self.slip_amal.line_ids.filtered(
            lambda line: line.code == "T_BASIC"
        ).amount = 123456.785
        self.slip_amal.line_ids.filtered(
            lambda line: line.code == "T_NET"
        ).amount = 125203.85
        export = self._generate("wps")
        header, amal, *_rest = self._wps_lines(export)
        self.assertEqual(amal[0], "125203.85")
        self.assertEqual(amal[6], "123456.79")
        for row in (amal, *_rest[:-1]):
            for amount in (row[0], *row[6:10]):
                self.assertRegex(amount, r"^\d+\.\d\d$")
        self.assertRegex(header[5], r"^\d+\.\d\d$")

    def test_only_confirmed_payslips_are_paid(self):
        export = self._generate("wps")
        names = [row[2] for row in self._wps_lines(export)[1:-1]]
        self.assertNotIn("Supervisor Dana", names)
        # Badr's draft payslip adds nothing to his confirmed one.
        self.assertEqual(names.count("Agent Badr"), 1)
        self.assertEqual(export.unconfirmed_count, 2)

    def test_batch_without_confirmed_payslip(self):
        (self.slip_amal | self.slip_badr | self.slip_noura).write({"state": "verify"})
        export = self.Export.create({"run_id": self.batch.id, "kind": "wps"})
        with self.assertRaisesNaming(UserError, "has no confirmed payslip"):
            export.action_generate()
        self.assertFalse(export.file)

    def test_value_date_is_the_end_of_the_batch_or_today(self):
        today = fields.Date.context_today(self.Export)
        # October 2026 is over: the bank pays today at the earliest.
        self.batch.date_end = today - timedelta(days=1)
        self.assertEqual(
            self.Export.create({"run_id": self.batch.id}).value_date, today
        )
        self.batch.date_end = today + timedelta(days=10)
        self.assertEqual(
            self.Export.create({"run_id": self.batch.id}).value_date,
            today + timedelta(days=10),
        )

    def test_file_reference_comes_from_the_sequence(self):
        Export = self.Export.with_context(
            default_run_id=self.batch.id, default_kind="wps"
        )
        first, second = Export.create({}), Export.create({})
        self.assertRegex(first.file_ref, r"^\d{8}$")
        self.assertNotEqual(first.file_ref, second.file_ref)
        register = self.Export.with_context(
            default_run_id=self.batch.id, default_kind="register"
        ).create({})
        self.assertFalse(register.file_ref)
        # Emptied by the user: the file takes the next number.
        second.file_ref = False
        second.action_generate()
        self.assertRegex(second.file_ref, r"^\d{8}$")
        self.assertNotEqual(second.file_ref, first.file_ref)
        self.assertEqual(self._wps_lines(second)[0][7], second.file_ref)

    def test_every_problem_is_listed_at_once_and_nothing_is_written(self):
        self.agent.bank_account_id.acc_number = "SA0380000000608010167518"
        self.agent_2.bank_account_id = False
        self.agent_3.bank_account_id.bank_id = False
        self.agent_3.identification_id = False
        # Dana is no agent, so nothing checked her ID when it was typed.
        self.supervisor.write(
            {
                "identification_id": "1000000000",
                "bank_account_id": self._bank_account(
                    self.supervisor, DEBIT_IBAN, self.bank_rajhi
                ).id,
            }
        )
        self.slip_dana.state = "done"
        self.slip_dana.line_ids.filtered(
            lambda line: line.code == "T_NET"
        ).amount = 5999.99
        khalid = self.env["hr.employee"].create(
            {"name": "Employee Khalid", "identification_id": "1012345672"}
        )
        self._payslip(khalid, [("DED", -100), ("NET", -100)])
        self.company.cc_wps_bank_code = False
        # Written before the check existed, or by hand in the database.
        self.env.cr.execute(
            SQL(
                "UPDATE res_company SET cc_wps_debit_iban = %s WHERE id = %s",
                "SA038000000060801016751",
                self.company.id,
            )
        )
        self.company.invalidate_recordset(["cc_wps_debit_iban"])
        export = self.Export.create(
            {"run_id": self.batch.id, "kind": "wps", "file_ref": "REF-8"}
        )
        with self.assertRaises(UserError) as caught:
            export.action_generate()
        message = str(caught.exception)
        for expected in (
            "The WPS file was not written.",
            "the setting 'WPS Paying Bank (SARIE ID)' is missing",
            "the salary debit account SA038000000060801016751 is not a valid "
            "Saudi IBAN: it must have 24 characters.",
            "Agent Amal: the IBAN SA0380000000608010167518 is not valid: its "
            "check digits are wrong (mistyped?).",
            "Agent Badr: no bank account (IBAN).",
            f"{NOURA}: the bank account has no bank code",
            f"{NOURA}: no national ID or Iqama number",
            "Supervisor Dana: the national ID or Iqama 1000000000 is not valid: "
            "its check digit is wrong (mistyped?).",
            "Supervisor Dana: the amounts do not add up: the net pay is 5999.99, "
            "but basic 6000.00 + housing 0.00 + other earnings 0.00 - deductions "
            "0.00 = 6000.00.",
            "Employee Khalid: the net pay is -100.00; it must be above zero.",
            "Employee Khalid: no bank account (IBAN).",
        ):
            self.assertIn(expected, message)
        self.assertEqual(len(message.splitlines()), 11, message)
        self.assertFalse(export.file)
        self.assertEqual(export.state, "choose")
        self.assertFalse(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", "cc.payroll.export")]
            )
        )

    def test_missing_company_settings_are_listed(self):
        self.company.write(
            {
                "cc_wps_bank_code": False,
                "cc_wps_establishment_id": False,
                "cc_wps_debit_iban": False,
                "cc_wps_mol_establishment_id": False,
            }
        )
        export = self.Export.create({"run_id": self.batch.id, "kind": "wps"})
        with self.assertRaises(UserError) as caught:
            export.action_generate()
        message = str(caught.exception)
        for setting in (
            "WPS Paying Bank (SARIE ID)",
            "Establishment ID at the Bank",
            "Salary Debit Account (IBAN)",
            "Labour Office Establishment ID",
        ):
            self.assertIn(f"the setting '{setting}' is missing", message)
        self.assertEqual(len(message.splitlines()), 5, message)

    def test_company_currency_must_be_riyal(self):
        usd = self.env.ref("base.USD")
        usd.active = True
        self.company.currency_id = usd
        export = self.Export.create({"run_id": self.batch.id, "kind": "wps"})
        with self.assertRaisesNaming(UserError, "its currency is USD"):
            export.action_generate()

    def test_log_holds_nothing_personal(self):
        with self.assertLogs(EXPORT_LOGGER, logging.INFO) as logs:
            self._generate("wps")
        output = "\n".join(logs.output)
        for personal in (IBAN_AMAL, "1000000008", "Agent Amal", DEBIT_IBAN):
            self.assertNotIn(personal, output)

    def test_plain_agent_cannot_export(self):
        with self.assertRaises(AccessError):
            self.env["cc.payroll.export"].with_user(self.user_agent).create(
                {"run_id": self.batch.id, "kind": "wps"}
            )
        export = self.Export.create({"run_id": self.batch.id, "kind": "wps"})
        with self.assertRaises(AccessError):
            export.with_user(self.user_agent).action_generate()

    def test_hidden_payslips_stop_the_export(self):
        officer = new_test_user(
            self.env,
            login="cc_payroll_officer",
            name="Officer Omar",
            groups="payroll.group_payroll_user",
        )
        # OCA payroll lets only managers read batches: this company lets
        # officers read them too.
        self.env["ir.model.access"].create(
            {
                "name": "Officers read payslip batches",
                "model_id": self.env.ref("payroll.model_hr_payslip_run").id,
                "group_id": self.env.ref("payroll.group_payroll_user").id,
                "perm_read": True,
            }
        )
        # Officers see the payslips of departments they manage only.
        self.agent.department_id = self.env["hr.department"].create(
            {"name": "Inbound", "manager_id": self.supervisor.id}
        )
        export = (
            self.env["cc.payroll.export"]
            .with_user(officer)
            .create({"run_id": self.batch.id, "kind": "wps"})
        )
        with self.assertRaisesNaming(UserError, "1 payslip(s) of the batch"):
            export.action_generate()
        self.assertFalse(export.file)


@tagged("post_install", "-at_install")
class TestWpsSettings(PayrollExportCase):
    def test_saudi_iban_check(self):
        for iban in (DEBIT_IBAN, IBAN_AMAL, IBAN_BADR, IBAN_NOURA):
            self.assertIsNone(saudi_iban_problem(iban), iban)
        for iban, problem in (
            ("SA0380000000608010167518", "checksum"),
            ("SA038000000060801016751", "length"),
            ("GB82WEST12345698765432", "country"),
            ("SA03-8000000060801016751", "characters"),
            ("SAX380000000608010167519", "format"),
        ):
            self.assertEqual(saudi_iban_problem(iban), problem, iban)
        self.assertEqual(normalize_iban("sa03 8000 0000 ٦٠٨٠ 1016 7519"), DEBIT_IBAN)

    def test_company_settings_are_checked(self):
        with self.assertRaisesNaming(ValidationError, "check digits are wrong"):
            self.company.cc_wps_debit_iban = "SA0380000000608010167518"
        with self.assertRaisesNaming(ValidationError, "SARIE id of 4 letters"):
            self.company.cc_wps_bank_code = "RJH1"
        self.company.cc_wps_debit_iban = "SA03 8000 0000 6080 1016 7519"

    def test_settings_show_the_company_fields(self):
        settings = self.env["res.config.settings"].create(
            {"cc_wps_mol_establishment_id": "7-654321"}
        )
        self.assertEqual(settings.cc_wps_bank_code, "RJHI")
        settings.execute()
        self.assertEqual(self.company.cc_wps_mol_establishment_id, "7-654321")
