import base64
import io
import logging
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date, xlsxwriter

from odoo.addons.cc_agent.tools import normalize_digits, saudi_id_problem

from ..tools import normalize_iban, saudi_iban_problem

_logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
# The salary rule categories of cc_payroll's structure that the exports read.
CATEGORY_CODES = (
    "BASIC",
    "HOUSING",
    "VAR",
    "ALW",
    "ADJ",
    "GROSS",
    "DED",
    "NET",
    "COMP",
)
# The WPS specification as summarised in our reference names no line ending:
# CRLF, the Windows text files the banks' upload portals are made for.
WPS_EOL = "\r\n"
WPS_CURRENCY = "SAR"
# Row of the register's column headers; the title and a note are above it.
HEADER_ROW = 2


def _cents(value):
    """A float amount as an exact Decimal to the halala."""
    return Decimal(str(value or 0.0)).quantize(CENT, rounding=ROUND_HALF_UP)


def _wps_amount(value):
    """2 decimals, "." as separator, no thousands separator."""
    value = value or Decimal(0)
    # abs() of a zero: Decimal("-0") would read "-0.00".
    return f"{value if value else abs(value):.2f}"


def _wps_text(value):
    """One line of text, without the tabs and line breaks of the format."""
    return " ".join((value or "").split())


def _category_code(category):
    """The code the exports know of a category, else of its nearest parent
    (a "Commission" category under VAR counts as VAR)."""
    while category:
        if category.code in CATEGORY_CODES:
            return category.code
        category = category.parent_id
    return None


class CcPayrollExport(models.TransientModel):
    """The files HR takes out of a payslip batch: the payroll register
    (xlsx, for checking and archiving) and the WPS file the bank pays the
    salaries from.

    Everything is read as the user; a user who may not see every payslip of
    the batch gets no file, since a file missing payslips pays too little.
    """

    _name = "cc.payroll.export"
    _description = "Export a Payslip Batch"

    def _default_file_ref(self):
        # Only for the WPS file: the register takes no number from the sequence.
        if self.env.context.get("default_kind") != "wps":
            return False
        run = self.env["hr.payslip.run"].browse(self.env.context.get("default_run_id"))
        return self._next_file_ref(run.company_id or self.env.company)

    state = fields.Selection(
        [("choose", "Choose"), ("done", "Done")], required=True, default="choose"
    )
    run_id = fields.Many2one(
        "hr.payslip.run", string="Payslip Batch", required=True, ondelete="cascade"
    )
    kind = fields.Selection(
        [("register", "Payroll Register (xlsx)"), ("wps", "WPS File")],
        string="Export",
        required=True,
        default="register",
    )
    value_date = fields.Date(
        compute="_compute_value_date",
        store=True,
        readonly=False,
        help="The day the bank pays the salaries (32A-VAL in the WPS file).",
    )
    file_ref = fields.Char(
        string="File Reference",
        default=_default_file_ref,
        help="Unique for the establishment: the bank rejects a file whose "
        "reference it has already received (FILE-REF). Taken from a sequence.",
    )
    unconfirmed_count = fields.Integer(
        string="Payslips Not Confirmed", compute="_compute_unconfirmed_count"
    )
    file = fields.Binary(readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    @api.depends("run_id")
    def _compute_value_date(self):
        today = fields.Date.context_today(self)
        for export in self:
            # Banks pay on today or a later day, never in the past.
            export.value_date = max(export.run_id.date_end or today, today)

    @api.depends("run_id")
    def _compute_unconfirmed_count(self):
        counts = dict(
            self.env["hr.payslip"]._read_group(
                [
                    ("payslip_run_id", "in", self.run_id.ids),
                    ("state", "in", ("draft", "verify")),
                ],
                ["payslip_run_id"],
                ["__count"],
            )
        )
        for export in self:
            export.unconfirmed_count = counts.get(export.run_id, 0)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_generate(self):
        self.ensure_one()
        self.run_id.check_access("read")
        # In the user's language, also when called without one in the context.
        export = self.with_context(
            lang=self.env.context.get("lang") or self.env.user.lang
        )
        if self.kind == "wps":
            content, file_name = export._build_wps_file()
        else:
            content, file_name = export._build_register()
        self.write(
            {
                "file": base64.b64encode(content),
                "file_name": file_name,
                "state": "done",
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Payroll Export"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    # ------------------------------------------------------------------
    # Payslips and their amounts
    # ------------------------------------------------------------------

    def _next_file_ref(self, company):
        return (
            self.env["ir.sequence"]
            .with_company(company)
            .next_by_code("cc.payroll.wps.file.ref")
        )

    def _payslips(self, states):
        """The batch's payslips in these states, as the user sees them."""
        domain = [("payslip_run_id", "=", self.run_id.id), ("state", "in", states)]
        payslips = self.env["hr.payslip"].search(domain)
        # Counted as superuser only to tell the user that some are hidden
        # from them: an export without them would pay or report too little.
        hidden = self.env["hr.payslip"].sudo().search_count(domain) - len(payslips)
        if hidden:
            raise UserError(
                self.env._(
                    "%(count)s payslip(s) of the batch %(batch)s are hidden from "
                    "you: ask a payroll manager to export it.",
                    count=hidden,
                    batch=self.run_id.name,
                )
            )
        return payslips.sorted(lambda slip: (slip.employee_id.name or "", slip.id))

    def _payslip_amounts(self, payslips):
        """Per payslip, the total of its lines per category code, to the
        halala; a refund's (credit note's) amounts count negative."""
        amounts = {slip: defaultdict(Decimal) for slip in payslips}
        for slip, category, total in self.env["hr.payslip.line"]._read_group(
            [("slip_id", "in", payslips.ids)],
            ["slip_id", "category_id"],
            ["total:sum"],
        ):
            code = _category_code(category)
            if code:
                sign = -1 if slip.credit_note else 1
                amounts[slip][code] += sign * _cents(total)
        return amounts

    # ------------------------------------------------------------------
    # WPS file
    # ------------------------------------------------------------------

    def _build_wps_file(self):
        run = self.run_id
        payslips = self._payslips(["done"])
        if not payslips:
            raise UserError(
                self.env._(
                    "The batch %(batch)s has no confirmed payslip: the WPS file "
                    "pays confirmed payslips only.",
                    batch=run.name,
                )
            )
        header, problems = self._wps_header_fields()
        rows = []
        slip_amounts = self._payslip_amounts(payslips)
        employee_amounts = defaultdict(lambda: defaultdict(Decimal))
        for slip, amounts in slip_amounts.items():
            for code, amount in amounts.items():
                employee_amounts[slip.employee_id][code] += amount
        for employee in payslips.employee_id.sorted(lambda e: (e.name or "", e.id)):
            row, employee_problems = self._wps_row(employee, employee_amounts[employee])
            rows.append(row)
            problems += employee_problems
        if problems:
            raise UserError(
                "\n".join(
                    [
                        self.env._(
                            "The WPS file was not written. Correct the following "
                            "and generate it again:"
                        ),
                        *(f"- {problem}" for problem in problems),
                    ]
                )
            )
        if not self.file_ref:
            self.file_ref = self._next_file_ref(run.company_id)
        header["FILE-REF"] = _wps_text(self.file_ref)
        # The bank rejects the whole file unless the header's total is the sum
        # of the amounts exactly as the rows state them.
        header["32A-AMT"] = _wps_amount(sum(Decimal(row[0]) for row in rows))
        lines = [list(header.values()), *rows, ["-"]]
        content = "".join("\t".join(line) + WPS_EOL for line in lines)
        _logger.info(
            "WPS file written for payslip batch %s: %s employees", run.id, len(rows)
        )
        reference = re.sub(r"[^\w-]", "_", header["FILE-REF"], flags=re.ASCII)
        file_name = f"WPS_{reference}_{self.value_date:%Y%m%d}.txt"
        return content.encode("utf-8"), file_name

    def _wps_header_fields(self):
        """The header's fields but the total and the reference, which need
        the rows, and the company's problems."""
        _ = self.env._
        company = self.run_id.company_id
        problems = []
        for fname in (
            "cc_wps_bank_code",
            "cc_wps_establishment_id",
            "cc_wps_debit_iban",
            "cc_wps_mol_establishment_id",
        ):
            if not _wps_text(company[fname]):
                setting = company._fields[fname].get_description(self.env)["string"]
                problems.append(
                    _(
                        "Company %(company)s: the setting '%(setting)s' is missing "
                        "(Payroll settings, Saudi WPS File).",
                        company=company.name,
                        setting=setting,
                    )
                )
        debit_iban = normalize_iban(_wps_text(company.cc_wps_debit_iban))
        iban_problem = debit_iban and saudi_iban_problem(debit_iban)
        if iban_problem:
            problems.append(
                _(
                    "Company %(company)s: the salary debit account %(iban)s is not "
                    "a valid Saudi IBAN: %(problem)s.",
                    company=company.name,
                    iban=debit_iban,
                    problem=company._cc_iban_problem_text(iban_problem),
                )
            )
        if company.currency_id.name != WPS_CURRENCY:
            problems.append(
                _(
                    "Company %(company)s: its currency is %(currency)s, but the "
                    "WPS file pays in Saudi riyals (SAR) only.",
                    company=company.name,
                    currency=company.currency_id.name,
                )
            )
        if not self.value_date:
            problems.append(_("The value date is missing."))
        header = {
            "DEST-ID": _wps_text(company.cc_wps_bank_code).upper(),
            "ESTB-ID": _wps_text(company.cc_wps_establishment_id),
            "BANK-ACC": debit_iban or "",
            "32A-CCY": WPS_CURRENCY,
            "32A-VAL": self.value_date and f"{self.value_date:%Y%m%d}",
            "32A-AMT": "",
            "D-DATE": f"{fields.Date.context_today(self):%Y%m%d}",
            "FILE-REF": "",
            "FILE-REJCDE": "",
            "MOL-ESTBID": _wps_text(company.cc_wps_mol_establishment_id),
        }
        return header, problems

    def _wps_row(self, employee, amounts):
        """The employee's 14 fields and what is wrong with them."""
        _ = self.env._
        name = _wps_text(employee.name)
        problems = []

        account = employee.bank_account_id
        iban = normalize_iban(_wps_text(account.acc_number))
        if not iban:
            problems.append(_("%(employee)s: no bank account (IBAN).", employee=name))
        elif problem := saudi_iban_problem(iban):
            problems.append(
                _(
                    "%(employee)s: the IBAN %(iban)s is not valid: %(problem)s.",
                    employee=name,
                    iban=iban,
                    problem=employee.company_id._cc_iban_problem_text(problem),
                )
            )
        bank_code = _wps_text(account.bank_id.bic).upper()
        if account and not bank_code:
            problems.append(
                _(
                    "%(employee)s: the bank account has no bank code: choose its "
                    "bank and give the bank its BIC.",
                    employee=name,
                )
            )

        national_id = normalize_digits(_wps_text(employee.identification_id))
        if not national_id:
            problems.append(
                _(
                    "%(employee)s: no national ID or Iqama number (Identification No).",
                    employee=name,
                )
            )
        elif problem := saudi_id_problem(national_id):
            problems.append(
                _(
                    "%(employee)s: the national ID or Iqama %(value)s is not "
                    "valid: %(problem)s.",
                    employee=name,
                    value=national_id,
                    problem=self._id_problem_text(problem),
                )
            )

        adjustment = amounts["ADJ"]
        net = amounts["NET"]
        figures = {
            "MOL-BAS": amounts["BASIC"],
            "MOL-HAL": amounts["HOUSING"],
            "MOL-OEA": amounts["VAR"] + amounts["ALW"] + max(adjustment, 0),
            "MOL-DED": -amounts["DED"] + max(-adjustment, 0),
        }
        if net <= 0:
            problems.append(
                _(
                    "%(employee)s: the net pay is %(amount)s; it must be above zero.",
                    employee=name,
                    amount=_wps_amount(net),
                )
            )
        for field_name, amount in figures.items():
            if amount < 0:
                problems.append(
                    _(
                        "%(employee)s: %(field)s is negative (%(amount)s).",
                        employee=name,
                        field=field_name,
                        amount=_wps_amount(amount),
                    )
                )
        expected = (
            figures["MOL-BAS"]
            + figures["MOL-HAL"]
            + figures["MOL-OEA"]
            - figures["MOL-DED"]
        )
        if net != expected:
            problems.append(
                _(
                    "%(employee)s: the amounts do not add up: the net pay is "
                    "%(net)s, but basic %(basic)s + housing %(housing)s + other "
                    "earnings %(other)s - deductions %(deductions)s = "
                    "%(expected)s.",
                    employee=name,
                    net=_wps_amount(net),
                    basic=_wps_amount(figures["MOL-BAS"]),
                    housing=_wps_amount(figures["MOL-HAL"]),
                    other=_wps_amount(figures["MOL-OEA"]),
                    deductions=_wps_amount(figures["MOL-DED"]),
                    expected=_wps_amount(expected),
                )
            )

        row = [
            _wps_amount(net),  # 32B-AMT
            iban or "",  # 59-ACC
            name,  # 59-NAME
            bank_code,  # 57-BANK
            self._wps_detail(),  # 70-DET
            "",  # RET-CODE
            _wps_amount(figures["MOL-BAS"]),
            _wps_amount(figures["MOL-HAL"]),
            _wps_amount(figures["MOL-OEA"]),
            _wps_amount(figures["MOL-DED"]),
            national_id or "",  # MOL-ID
            "",  # TRN-REF
            "",  # TRN-STATUS
            "",  # TRN-DATE
        ]
        return row, problems

    def _wps_detail(self):
        # Shown on the employees' bank statements: kept in ASCII, whatever the
        # user's language, as banks may not accept other characters there.
        return f"Salary {self.run_id.date_start:%Y-%m}"

    def _id_problem_text(self, problem):
        """The reason, for a user, of a saudi_id_problem code."""
        return {
            "digits": self.env._("it must contain digits only"),
            "length": self.env._("it must have 10 digits"),
            "prefix": self.env._(
                "it must start with 1 (national ID) or 2 (Iqama, residents)"
            ),
            "checksum": self.env._("its check digit is wrong (mistyped?)"),
        }[problem]

    # ------------------------------------------------------------------
    # Payroll register
    # ------------------------------------------------------------------

    def _build_register(self):
        run = self.run_id
        payslips = self._payslips(["verify", "done"])
        if not payslips:
            raise UserError(
                self.env._(
                    "The batch %(batch)s has no payslip waiting or confirmed: "
                    "compute its payslips first.",
                    batch=run.name,
                )
            )
        _ = self.env._
        amount_columns = [
            (_("Basic"), "BASIC"),
            (_("Housing"), "HOUSING"),
            (_("Pay from Contacts"), "VAR"),
            (_("Allowances"), "ALW"),
            (_("Adjustments"), "ADJ"),
            (_("Gross"), "GROSS"),
            (_("Deductions"), "DED"),
            (_("Net"), "NET"),
            (_("Employer GOSI"), "COMP"),
        ]
        columns = [
            (_("Employee"), 30),
            (_("Agent Code"), 11),
            (_("National ID / Iqama"), 14),
            (_("IBAN"), 28),
            *((label, 13) for label, _code in amount_columns),
            (_("Status"), 12),
        ]
        states = dict(
            self.env["hr.payslip"]._fields["state"]._description_selection(self.env)
        )
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        styles = self._register_styles(workbook)
        sheet = workbook.add_worksheet(_("Payroll Register")[:31])
        if self._is_right_to_left():
            sheet.right_to_left()
        sheet.write_string(
            0,
            0,
            _(
                "Payroll register, %(company)s, %(batch)s, %(start)s to %(end)s",
                company=run.company_id.name,
                batch=run.name,
                start=format_date(self.env, run.date_start),
                end=format_date(self.env, run.date_end),
            ),
            styles["title"],
        )
        sheet.write_string(
            1,
            0,
            _(
                "Payslips waiting for confirmation and confirmed ones; drafts and "
                "rejected ones are left out."
            ),
            styles["note"],
        )
        sheet.set_row(HEADER_ROW, 30)
        for col, (label, width) in enumerate(columns):
            sheet.set_column(col, col, width)
            sheet.write_string(HEADER_ROW, col, label, styles["header"])

        first_amount_col = 4
        totals = defaultdict(Decimal)
        row = HEADER_ROW
        for slip, amounts in self._payslip_amounts(payslips).items():
            row += 1
            employee = slip.employee_id
            texts = [
                employee.name or "",
                employee.cc_agent_code or "",
                normalize_digits(employee.identification_id) or "",
                normalize_iban(_wps_text(employee.bank_account_id.acc_number)) or "",
            ]
            for col, text in enumerate(texts):
                sheet.write_string(row, col, text, styles["text"])
            for offset, (_label, code) in enumerate(amount_columns):
                totals[code] += amounts[code]
                sheet.write_number(
                    row,
                    first_amount_col + offset,
                    float(amounts[code]),
                    styles["money"],
                )
            sheet.write_string(
                row, len(columns) - 1, states.get(slip.state, ""), styles["text"]
            )

        total_row = row + 1
        sheet.write_string(total_row, 0, _("Total"), styles["text_total"])
        for col in range(1, first_amount_col):
            sheet.write_blank(total_row, col, None, styles["text_total"])
        for offset, (_label, code) in enumerate(amount_columns):
            col = first_amount_col + offset
            cells = xlsxwriter.utility.xl_range(HEADER_ROW + 1, col, row, col)
            # The formula, and its value for readers that do not compute.
            sheet.write_formula(
                total_row,
                col,
                f"=SUM({cells})",
                styles["money_total"],
                float(totals[code]),
            )
        sheet.write_blank(total_row, len(columns) - 1, None, styles["text_total"])
        sheet.freeze_panes(HEADER_ROW + 1, 1)
        workbook.close()
        return output.getvalue(), (
            f"payroll_register_{run.date_start}_{run.date_end}.xlsx"
        )

    def _register_styles(self, workbook):
        # Arial renders Arabic names in every spreadsheet program.
        font = {"font_name": "Arial", "font_size": 10}
        money = {"num_format": "#,##0.00"}
        total = {"bold": True, "top": 1}
        return {
            "title": workbook.add_format({**font, "bold": True, "font_size": 13}),
            "note": workbook.add_format(
                {**font, "italic": True, "font_color": "#555555"}
            ),
            "header": workbook.add_format(
                {
                    **font,
                    "bold": True,
                    "text_wrap": True,
                    "valign": "vcenter",
                    "bg_color": "#DDE4EE",
                    "bottom": 1,
                }
            ),
            "text": workbook.add_format(font),
            "money": workbook.add_format({**font, **money}),
            "text_total": workbook.add_format({**font, **total}),
            "money_total": workbook.add_format({**font, **money, **total}),
        }

    def _is_right_to_left(self):
        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        return lang.direction == "rtl"
