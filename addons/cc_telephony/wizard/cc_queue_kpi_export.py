import base64
import io
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import format_date, xlsxwriter

# Row of the column headers; the title and the definitions are above it.
HEADER_ROW = 2
# A longer period would make a sheet nobody reads, and a slow export.
MAX_DAYS = 366


class CcQueueKpiExport(models.TransientModel):
    """The queues' KPIs over a period as an xlsx sheet: a row per day and
    queue, then each queue's totals over the period, as tools/kpi.py defines
    them."""

    _name = "cc.queue.kpi.export"
    _description = "Export the Queues' KPIs"

    state = fields.Selection(
        [("choose", "Choose"), ("done", "Done")], required=True, default="choose"
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    queue_ids = fields.Many2many(
        "cc.queue", string="Queues", help="All the queues when empty."
    )
    file = fields.Binary(readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for export in self:
            if export.date_to < export.date_from:
                raise ValidationError(
                    self.env._(
                        "The field 'To' (%(end)s) must not be before the field "
                        "'From' (%(start)s).",
                        end=export.date_to,
                        start=export.date_from,
                    )
                )
            days = (export.date_to - export.date_from).days + 1
            if days > MAX_DAYS:
                raise ValidationError(
                    self.env._(
                        "The period from %(start)s to %(end)s has %(days)s days: "
                        "export at most %(max)s at a time.",
                        start=export.date_from,
                        end=export.date_to,
                        days=days,
                        max=MAX_DAYS,
                    )
                )

    def action_generate(self):
        self.ensure_one()
        # In the user's language, also when called without one in the context.
        export = self.with_context(
            lang=self.env.context.get("lang") or self.env.user.lang
        )
        content = export._build_sheet()
        self.write(
            {
                "file": base64.b64encode(content),
                "file_name": f"queue_kpis_{self.date_from}_{self.date_to}.xlsx",
                "state": "done",
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Export the Queues' KPIs"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _queues(self):
        """The queues chosen, else all those the user sees."""
        Queue = self.env["cc.queue"]
        return self.queue_ids or Queue.search([])

    def _build_sheet(self):
        _ = self.env._
        Queue = self.env["cc.queue"]
        queues = self._queues()
        columns = [
            (_("Date"), 12, None),
            (_("Queue"), 22, None),
            (_("Offered"), 10, "offered"),
            (_("Answered"), 10, "answered"),
            (_("Answered in Time"), 11, "answered_in_time"),
            (_("Abandoned"), 10, "abandoned"),
            (_("Service Level (%)"), 11, "service_level"),
            (_("ASA (s)"), 9, "asa"),
            (_("AHT (s)"), 9, "aht"),
            (_("Abandonment (%)"), 12, "abandonment"),
            (_("Occupancy (%)"), 11, "occupancy"),
            (_("Callbacks Requested"), 11, "callbacks_requested"),
            (_("Callbacks Reached"), 11, "callbacks_done"),
        ]
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        styles = self._styles(workbook)
        sheet = workbook.add_worksheet(_("Queue KPIs")[:31])
        if self._is_right_to_left():
            sheet.right_to_left()
        sheet.write_string(
            0,
            0,
            _(
                "Queue KPIs, %(company)s, %(start)s to %(end)s",
                company=self.env.company.name,
                start=format_date(self.env, self.date_from),
                end=format_date(self.env, self.date_to),
            ),
            styles["title"],
        )
        sheet.write_string(
            1,
            0,
            _(
                "Service level: calls and callbacks answered within the queue's "
                "time ÷ offered. ASA: mean wait of the calls answered. AHT: talk + "
                "wrap-up. Abandonment: abandoned ÷ (abandoned + answered calls). "
                "Occupancy: on call and wrap-up ÷ time online."
            ),
            styles["note"],
        )
        sheet.set_row(HEADER_ROW, 30)
        for col, (label, width, _key) in enumerate(columns):
            sheet.set_column(col, col, width)
            sheet.write_string(HEADER_ROW, col, label, styles["header"])

        row = HEADER_ROW
        day = self.date_from
        while day <= self.date_to:
            start, end = Queue._cc_day_bounds(day)
            figures = Queue._cc_kpis(queues, start, end)
            for queue in queues:
                row += 1
                self._write_row(
                    sheet,
                    row,
                    format_date(self.env, day),
                    queue,
                    figures[queue.id],
                    columns,
                    styles,
                    total=False,
                )
            day += timedelta(days=1)
        start = Queue._cc_day_bounds(self.date_from)[0]
        end = Queue._cc_day_bounds(self.date_to)[1]
        figures = Queue._cc_kpis(queues, start, end)
        for queue in queues:
            row += 1
            self._write_row(
                sheet, row, _("Total"), queue, figures[queue.id], columns, styles
            )
        sheet.freeze_panes(HEADER_ROW + 1, 2)
        workbook.close()
        return output.getvalue()

    def _write_row(
        self, sheet, row, label, queue, figures, columns, styles, total=True
    ):
        text, number, percent = (
            ("text_total", "number_total", "percent_total")
            if total
            else ("text", "number", "percent")
        )
        sheet.write_string(row, 0, label, styles[text])
        sheet.write_string(row, 1, queue.display_name, styles[text])
        for col, (_label, _width, key) in enumerate(columns[2:], start=2):
            value = figures[key]
            if value is None:
                # Undefined (nothing offered, nobody online): no figure.
                sheet.write_blank(row, col, None, styles[text])
            elif key in ("service_level", "abandonment", "occupancy"):
                sheet.write_number(row, col, round(value, 1), styles[percent])
            else:
                sheet.write_number(row, col, round(value), styles[number])

    def _styles(self, workbook):
        # Arial renders Arabic names in every spreadsheet program.
        font = {"font_name": "Arial", "font_size": 10}
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
            "number": workbook.add_format({**font, "num_format": "0"}),
            "percent": workbook.add_format({**font, "num_format": "0.0"}),
            "text_total": workbook.add_format({**font, **total}),
            "number_total": workbook.add_format({**font, **total, "num_format": "0"}),
            "percent_total": workbook.add_format(
                {**font, **total, "num_format": "0.0"}
            ),
        }

    def _is_right_to_left(self):
        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        return lang.direction == "rtl"
