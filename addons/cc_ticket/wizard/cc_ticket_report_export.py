import base64
import io
import statistics
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv.expression import AND, OR
from odoo.tools import date_utils
from odoo.tools.misc import format_date, xlsxwriter

from ..models.cc_ticket import DONE_STAGES

CLOCKS = ("sla_response", "sla_resolution", "sla_department")
# Row of the column headers; the title and the filters are above it.
HEADER_ROW = 2


def _within(fname, start, stop):
    return [(fname, ">=", start), (fname, "<", stop)]


def _ratio(part, whole):
    return part / whole if whole else None


class CcTicketReportExport(models.TransientModel):
    """The month's service figures as an Excel workbook, for supervisors and
    managers: SLA attainment per service type, resolution times per service
    type and department, escalations per agent.

    Every figure is read as the user, so it counts only the requests they may
    read (their team's for a supervisor).
    """

    _name = "cc.ticket.report.export"
    _description = "Export the Request Report"

    def _default_date_from(self):
        return date_utils.start_of(fields.Date.context_today(self), "month")

    def _default_date_to(self):
        return date_utils.end_of(fields.Date.context_today(self), "month")

    state = fields.Selection(
        [("choose", "Choose"), ("done", "Done")], required=True, default="choose"
    )
    date_from = fields.Date(string="From", required=True, default=_default_date_from)
    date_to = fields.Date(string="To", required=True, default=_default_date_to)
    service_type_ids = fields.Many2many(
        "cc.service.type",
        string="Service Types",
        help="Only these service types; all when empty.",
    )
    department_ids = fields.Many2many(
        "hr.department",
        string="Departments",
        help="Only the requests escalated to these departments or of the service "
        "types they decide; all when empty.",
    )
    file = fields.Binary(string="Report", readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for export in self:
            if export.date_from > export.date_to:
                raise ValidationError(
                    self.env._("The period of the report ends before it starts.")
                )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_export(self):
        self.ensure_one()
        # In the user's language, also when called without one in the context.
        report = self.with_context(
            lang=self.env.context.get("lang") or self.env.user.lang
        )
        content = report._build_workbook()
        self.write(
            {
                "file": base64.b64encode(content),
                "file_name": f"requests_report_{self.date_from}_{self.date_to}.xlsx",
                "state": "done",
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Request Report"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

    def _period(self):
        """The period's bounds in UTC: from the first day's midnight to the
        midnight after the last day, in the user's time zone."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")

        def utc(day):
            moment = tz.localize(datetime.combine(day, time.min))
            return moment.astimezone(pytz.utc).replace(tzinfo=None)

        return utc(self.date_from), utc(self.date_to + timedelta(days=1))

    def _ticket_domain(self):
        domain = []
        if self.service_type_ids:
            domain = AND(
                [domain, [("service_type_id", "in", self.service_type_ids.ids)]]
            )
        if self.department_ids:
            ids = self.department_ids.ids
            domain = AND(
                [
                    domain,
                    [
                        "|",
                        ("department_id", "in", ids),
                        ("service_type_id.department_id", "in", ids),
                    ],
                ]
            )
        return domain

    def _clock_end_domains(self, start, stop):
        """For each SLA clock, the requests whose clock ended in the period.

        The first response ends at the first answer. The agent's clock ends at
        the escalation for the requests that end with the department (still
        there, or resolved there or while there), at the resolution for the
        others (never escalated, or sent back and resolved by the agent). The
        department's clock ends at the resolution of those, or when the
        department sent the request back.
        """
        sent_back = [("outcome", "=", "sent_back")]
        with_department = OR(
            [
                [("stage", "=", "escalated")],
                [
                    ("stage", "in", DONE_STAGES),
                    ("date_escalated", "!=", False),
                    "|",
                    ("department_user_id", "!=", False),
                    ("escalation_ids", "not any", sent_back),
                ],
            ]
        )
        back_with_agent = ["!", *with_department]
        return {
            "sla_response": _within("date_first_response", start, stop),
            "sla_resolution": OR(
                [
                    AND([with_department, _within("date_escalated", start, stop)]),
                    AND([back_with_agent, _within("date_resolved", start, stop)]),
                ]
            ),
            "sla_department": OR(
                [
                    AND(
                        [
                            with_department,
                            [("stage", "in", DONE_STAGES)],
                            _within("date_resolved", start, stop),
                        ]
                    ),
                    AND(
                        [
                            back_with_agent,
                            [
                                (
                                    "escalation_ids",
                                    "any",
                                    sent_back + _within("date_done", start, stop),
                                )
                            ],
                        ]
                    ),
                ]
            ),
        }

    def _sla_attainment(self, start, stop):
        """Per service type: requests received, and for each clock the ones
        met and missed among those that ended in the period."""
        Ticket = self.env["cc.ticket"]
        domain = self._ticket_domain()
        received = dict(
            Ticket._read_group(
                AND([domain, _within("create_date", start, stop)]),
                ["service_type_id"],
                ["__count"],
            )
        )
        outcomes = defaultdict(int)
        for prefix, ended in self._clock_end_domains(start, stop).items():
            status = f"{prefix}_status"
            for service, outcome, count in Ticket._read_group(
                AND([domain, [(status, "in", ("met", "missed"))], ended]),
                ["service_type_id", status],
                ["__count"],
            ):
                outcomes[prefix, service, outcome] = count
        services = self._sorted_services(
            [*received, *(service for _prefix, service, _o in outcomes)]
        )
        rows = []
        for service in services:
            row = [self._service_label(service), received.get(service, 0)]
            for prefix in CLOCKS:
                met = outcomes[prefix, service, "met"]
                missed = outcomes[prefix, service, "missed"]
                row += [met, missed, _ratio(met, met + missed)]
            rows.append(row)
        total = [self.env._("Total"), sum(received.values())]
        for prefix in CLOCKS:
            met = sum(outcomes[prefix, service, "met"] for service in services)
            missed = sum(outcomes[prefix, service, "missed"] for service in services)
            total += [met, missed, _ratio(met, met + missed)]
        return rows, total

    def _resolution_times(self, start, stop):
        """Per service type and department (empty: resolved without
        escalation), the requests resolved in the period and their resolution
        hours."""
        groups = self.env["cc.ticket"]._read_group(
            AND([self._ticket_domain(), _within("date_resolved", start, stop)]),
            ["service_type_id", "department_id"],
            ["__count", "resolution_hours:array_agg"],
        )
        order = {
            service: index
            for index, service in enumerate(
                self._sorted_services([service for service, *_rest in groups])
            )
        }
        groups.sort(
            key=lambda group: (
                order[group[0]],
                bool(group[1]),
                group[1].display_name or "",
            )
        )
        rows, every_hours = [], []
        for service, department, count, hours in groups:
            hours = [value or 0.0 for value in hours]
            every_hours += hours
            rows.append(
                [
                    self._service_label(service),
                    department.display_name or self.env._("None (not escalated)"),
                    count,
                    statistics.fmean(hours),
                    statistics.median(hours),
                ]
            )
        total = [
            self.env._("Total"),
            "",
            len(every_hours),
            statistics.fmean(every_hours) if every_hours else None,
            statistics.median(every_hours) if every_hours else None,
        ]
        return rows, total

    def _escalation_rates(self, start, stop):
        """Per owner, of the requests received in the period: how many they
        own, how many were escalated, and the trail of those escalations
        (automatic ones, ones the department sent back)."""
        received = AND([self._ticket_domain(), _within("create_date", start, stop)])
        owned = {
            agent: (count, escalated)
            for agent, count, escalated in self.env["cc.ticket"]._read_group(
                received, ["owner_id"], ["__count", "date_escalated:count"]
            )
        }
        automatic, sent_back = defaultdict(int), defaultdict(int)
        for agent, is_automatic, outcome, count in self.env[
            "cc.ticket.escalation"
        ]._read_group(
            [("ticket_id", "any", received)],
            ["owner_id", "automatic", "outcome"],
            ["__count"],
        ):
            if is_automatic:
                automatic[agent] += count
            if outcome == "sent_back":
                sent_back[agent] += count
        agents = {*owned, *automatic, *sent_back}
        rows = []
        for agent in sorted(agents, key=lambda a: (not a, a.display_name or "")):
            count, escalated = owned.get(agent, (0, 0))
            rows.append(
                [
                    agent.display_name or self.env._("No owner"),
                    count,
                    escalated,
                    _ratio(escalated, count),
                    automatic[agent],
                    sent_back[agent],
                ]
            )
        count = sum(count for count, _escalated in owned.values())
        escalated = sum(escalated for _count, escalated in owned.values())
        total = [
            self.env._("Total"),
            count,
            escalated,
            _ratio(escalated, count),
            sum(automatic.values()),
            sum(sent_back.values()),
        ]
        return rows, total

    def _sorted_services(self, services):
        """Service types in the catalogue's order, requests without one last."""
        unique = self.env["cc.service.type"].union(*services)
        ordered = unique.sorted(lambda s: (s.sequence, s.name or "", s.id))
        has_empty = any(not service for service in services)
        return [*ordered, self.env["cc.service.type"]] if has_empty else list(ordered)

    def _service_label(self, service):
        return service.display_name or self.env._("No service type")

    # ------------------------------------------------------------------
    # Workbook
    # ------------------------------------------------------------------

    def _build_workbook(self):
        start, stop = self._period()
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        styles = self._workbook_styles(workbook)
        _ = self.env._
        clock_columns = [
            (_("First Response Met"), 12, "count"),
            (_("First Response Missed"), 12, "count"),
            (_("First Response Met Rate"), 12, "percent"),
            (_("Agent SLA Met"), 12, "count"),
            (_("Agent SLA Missed"), 12, "count"),
            (_("Agent SLA Met Rate"), 12, "percent"),
            (_("Department SLA Met"), 12, "count"),
            (_("Department SLA Missed"), 12, "count"),
            (_("Department SLA Met Rate"), 12, "percent"),
        ]
        self._write_sheet(
            workbook,
            styles,
            _("SLA attainment"),
            [
                (_("Service Type"), 32, "text"),
                (_("Requests Received"), 11, "count"),
                *clock_columns,
            ],
            *self._sla_attainment(start, stop),
        )
        self._write_sheet(
            workbook,
            styles,
            _("Resolution time"),
            [
                (_("Service Type"), 32, "text"),
                (_("Department"), 28, "text"),
                (_("Resolved"), 11, "count"),
                (_("Average (hours)"), 13, "hours"),
                (_("Median (hours)"), 13, "hours"),
            ],
            *self._resolution_times(start, stop),
        )
        self._write_sheet(
            workbook,
            styles,
            _("Escalation rate by agent"),
            [
                (_("Agent"), 32, "text"),
                (_("Requests Owned"), 12, "count"),
                (_("Escalated"), 12, "count"),
                (_("Escalation Rate"), 12, "percent"),
                (_("Automatic Escalations"), 13, "count"),
                (_("Sent Back"), 12, "count"),
            ],
            *self._escalation_rates(start, stop),
        )
        workbook.close()
        return output.getvalue()

    def _workbook_styles(self, workbook):
        numbers = {"text": None, "count": "0", "hours": "0.0", "percent": "0.0%"}
        styles = {
            "title": workbook.add_format({"bold": True, "font_size": 13}),
            "note": workbook.add_format({"italic": True, "font_color": "#555555"}),
            "header": workbook.add_format(
                {
                    "bold": True,
                    "text_wrap": True,
                    "valign": "vcenter",
                    "bg_color": "#DDE4EE",
                    "bottom": 1,
                }
            ),
        }
        for kind, number_format in numbers.items():
            values = {"num_format": number_format} if number_format else {}
            styles[kind] = workbook.add_format(values)
            styles[f"{kind}_total"] = workbook.add_format(
                {**values, "bold": True, "top": 1}
            )
        return styles

    def _filters_text(self):
        _ = self.env._
        parts = [
            _(
                "From %(start)s to %(stop)s",
                start=format_date(self.env, self.date_from),
                stop=format_date(self.env, self.date_to),
            )
        ]
        if self.service_type_ids:
            parts.append(
                _(
                    "Service types: %(names)s",
                    names=", ".join(self.service_type_ids.mapped("display_name")),
                )
            )
        if self.department_ids:
            parts.append(
                _(
                    "Departments: %(names)s",
                    names=", ".join(self.department_ids.mapped("display_name")),
                )
            )
        return " · ".join(parts)

    def _is_right_to_left(self):
        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        return lang.direction == "rtl"

    def _write_sheet(self, workbook, styles, title, columns, rows, total):
        sheet = workbook.add_worksheet(title)
        if self._is_right_to_left():
            sheet.right_to_left()
        sheet.write_string(0, 0, title, styles["title"])
        sheet.write_string(1, 0, self._filters_text(), styles["note"])
        sheet.set_row(HEADER_ROW, 32)
        for col, (label, width, _kind) in enumerate(columns):
            sheet.set_column(col, col, width)
            sheet.write_string(HEADER_ROW, col, label, styles["header"])
        lines = [(row, "") for row in rows] + [(total, "_total")]
        for row_index, (values, suffix) in enumerate(lines, start=HEADER_ROW + 1):
            for col, value in enumerate(values):
                style = styles[columns[col][2] + suffix]
                if value is None or value == "":
                    sheet.write_blank(row_index, col, None, style)
                elif isinstance(value, str):
                    sheet.write_string(row_index, col, value, style)
                else:
                    sheet.write_number(row_index, col, value, style)
        sheet.freeze_panes(HEADER_ROW + 1, 1)
