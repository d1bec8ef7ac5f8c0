import base64
import io
from datetime import timedelta

import openpyxl

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user
from odoo.tools import SQL, date_utils

from .common import TicketCase

# The month the figures are about; times in UTC, the users work in Riyadh
# (UTC+3). BEFORE is in the month before it.
IN_1 = "2025-03-10 09:00:00"
IN_2 = "2025-03-12 09:00:00"
BEFORE = "2025-02-10 09:00:00"
# 23:30 on 31 March in Riyadh: in March. 21:30 UTC is already 1 April there.
LAST_EVENING = "2025-03-31 20:30:00"
NEXT_MONTH_RIYADH = "2025-03-31 21:30:00"


class TestReportExport(TicketCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.user_supervisor | cls.user_manager).write({"tz": "Asia/Riyadh"})
        cls.info = cls.ServiceType.create(
            {"name": "Opening Hours", "code": "R_INFO", "sequence": 1}
        )
        cls.refunds = cls.ServiceType.create(
            {
                "name": "Refunds",
                "code": "R_REFUND",
                "sequence": 2,
                "resolution_policy": "escalate",
                "department_id": cls.department.id,
                "escalation_user_ids": [(4, cls.user_department.id)],
                "sla_response_hours": 100,
                "sla_resolution_hours": 100,
                "sla_department_hours": 100,
            }
        )
        agent, billing = cls.agent, cls.department
        resolved = {"stage": "resolved"}
        # Opening hours: resolved by the agent.
        cls._ticket(
            cls.info,
            agent,
            IN_1,
            met=("response", "resolution"),
            date_resolved=IN_2,
            resolution_hours=2,
            **resolved,
        )
        cls._ticket(
            cls.info,
            agent,
            IN_1,
            missed=("response", "resolution"),
            date_resolved=IN_2,
            resolution_hours=6,
            **resolved,
        )
        cls._ticket(
            cls.info,
            agent,
            IN_1,
            met=("response", "resolution"),
            date_resolved=LAST_EVENING,
            resolution_hours=7,
            **resolved,
        )
        # Resolved on 1 April, Riyadh time: not in March.
        cls._ticket(
            cls.info,
            agent,
            IN_1,
            met=("response", "resolution"),
            date_resolved=NEXT_MONTH_RIYADH,
            resolution_hours=100,
            **resolved,
        )
        # February's: counted nowhere.
        cls._ticket(
            cls.info,
            agent,
            BEFORE,
            first_response=BEFORE,
            met=("response", "resolution"),
            date_resolved=BEFORE,
            resolution_hours=50,
            **resolved,
        )
        # Unassigned and new.
        cls._ticket(cls.info, None, IN_1, stage="new", first_response=False)
        # Badr is in nobody's team: the supervisor does not see his request.
        cls._ticket(
            cls.info,
            cls.agent_2,
            IN_1,
            met=("response",),
            missed=("resolution",),
            date_resolved=IN_2,
            resolution_hours=20,
            **resolved,
        )

        # Refunds: the department decides.
        escalated = {"department_id": billing.id}
        still_there = cls._ticket(
            cls.refunds,
            agent,
            IN_1,
            met=("response",),
            missed=("resolution",),
            stage="escalated",
            date_escalated=IN_2,
            sla_department_status="running",
            **escalated,
        )
        cls._escalation(still_there, IN_2, automatic=True)
        resolved_there = cls._ticket(
            cls.refunds,
            agent,
            IN_1,
            met=("response", "resolution", "department"),
            date_escalated=IN_2,
            department_user_id=cls.user_department.id,
            date_resolved="2025-03-15 09:00:00",
            resolution_hours=10,
            **resolved,
            **escalated,
        )
        cls._escalation(resolved_there, IN_2, "resolved", "2025-03-15 09:00:00")
        # Escalated in February, resolved by the department in March: the
        # agent's clock ended in February, the department's in March.
        february = cls._ticket(
            cls.refunds,
            agent,
            BEFORE,
            first_response=BEFORE,
            met=("response",),
            missed=("resolution", "department"),
            date_escalated=BEFORE,
            department_user_id=cls.user_department.id,
            date_resolved=IN_2,
            resolution_hours=30,
            **resolved,
            **escalated,
        )
        cls._escalation(february, BEFORE, "resolved", IN_2)
        # Sent back by the department, then resolved by the agent.
        sent_back = cls._ticket(
            cls.refunds,
            agent,
            IN_1,
            met=("resolution",),
            missed=("response", "department"),
            date_escalated="2025-03-11 09:00:00",
            date_resolved="2025-03-14 09:00:00",
            resolution_hours=4,
            **resolved,
            **escalated,
        )
        cls._escalation(
            sent_back, "2025-03-11 09:00:00", "sent_back", "2025-03-12 09:00:00"
        )

    @classmethod
    def _ticket(
        cls, service, owner, created, met=(), missed=(), first_response=None, **values
    ):
        """A request as the SLA clocks left it: ``met``/``missed`` name the
        clocks (response, resolution, department) and their outcome."""
        ticket = cls.env["cc.ticket"].create(
            {
                "subject": f"{service.name} question",
                "service_type_id": service.id,
                "owner_id": owner.id if owner else False,
                "channel": "email",
            }
        )
        statuses = {f"sla_{clock}_status": "met" for clock in met}
        statuses.update({f"sla_{clock}_status": "missed" for clock in missed})
        if first_response is None:
            first_response = created
        # The clocks' own bookkeeping write, as the SLA code does it.
        ticket._sla_write({"date_first_response": first_response, **statuses, **values})
        cls.env.cr.execute(
            SQL(
                "UPDATE cc_ticket SET create_date = %s WHERE id = %s",
                created,
                ticket.id,
            )
        )
        ticket.invalidate_recordset(["create_date"])
        return ticket

    @classmethod
    def _escalation(cls, ticket, when, outcome=False, done=False, automatic=False):
        return cls.env["cc.ticket.escalation"].create(
            {
                "ticket_id": ticket.id,
                "department_id": cls.department.id,
                "reason": "Above the agent's limit",
                "automatic": automatic,
                "escalated_by_id": cls.env.uid,
                "date_escalated": when,
                "outcome": outcome,
                "date_done": done,
            }
        )

    def _wizard(self, user, march=True, **values):
        if march:
            values = {"date_from": "2025-03-01", "date_to": "2025-03-31", **values}
        return self.env["cc.ticket.report.export"].with_user(user).create(values)

    def _export(self, user, march=True, **values):
        wizard = self._wizard(user, march, **values)
        action = wizard.action_export()
        self.assertEqual(wizard.state, "done")
        self.assertEqual(action["res_id"], wizard.id)
        self.assertEqual(
            wizard.file_name,
            f"requests_report_{wizard.date_from}_{wizard.date_to}.xlsx",
        )
        return openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file)))

    def _rows(self, sheet, width=None):
        """The sheet's lines below the headers, by their first cell."""
        return {
            row[0]: row[1:width]
            for row in sheet.iter_rows(min_row=4, values_only=True)
            if row[0] is not None
        }

    def assertLine(self, actual, expected):
        self.assertEqual(len(actual), len(expected), actual)
        for got, wanted in zip(actual, expected, strict=True):
            if isinstance(wanted, float):
                self.assertAlmostEqual(got, wanted, places=6, msg=actual)
            else:
                self.assertEqual(got, wanted, actual)

    def test_sla_attainment(self):
        book = self._export(self.user_supervisor)
        self.assertEqual(len(book.worksheets), 3)
        sheet = book.worksheets[0]
        self.assertEqual(sheet.title, "SLA attainment")
        rows = self._rows(sheet)
        self.assertEqual(list(rows), ["Opening Hours", "Refunds", "Total"])
        # Requests; first response, agent, department: met, missed, met rate.
        self.assertLine(
            rows["Opening Hours"],
            (5, 3, 1, 3 / 4, 2, 1, 2 / 3, 0, 0, None),
        )
        self.assertLine(rows["Refunds"], (3, 2, 1, 2 / 3, 2, 1, 2 / 3, 1, 2, 1 / 3))
        self.assertLine(rows["Total"], (8, 5, 2, 5 / 7, 4, 2, 4 / 6, 1, 2, 1 / 3))

    def test_resolution_time(self):
        sheet = self._export(self.user_supervisor).worksheets[1]
        self.assertEqual(sheet.title, "Resolution time")
        lines = [row for row in sheet.iter_rows(min_row=4, values_only=True)]
        # Service type, department, resolved, average and median hours.
        self.assertLine(lines[0], ("Opening Hours", "None (not escalated)", 3, 5.0, 6))
        self.assertLine(lines[1], ("Refunds", "Billing", 3, 44 / 3, 10))
        self.assertLine(lines[2], ("Total", None, 6, 59 / 6, 6.5))
        self.assertEqual(len(lines), 3)

    def test_escalation_rate_by_agent(self):
        sheet = self._export(self.user_supervisor).worksheets[2]
        self.assertEqual(sheet.title, "Escalation rate by agent")
        rows = self._rows(sheet)
        self.assertEqual(list(rows), ["Agent Amal", "No owner", "Total"])
        # Owned, escalated, rate, automatic escalations, sent back.
        self.assertLine(rows["Agent Amal"], (7, 3, 3 / 7, 1, 1))
        self.assertLine(rows["No owner"], (1, 0, 0, 0, 0))
        self.assertLine(rows["Total"], (8, 3, 3 / 8, 1, 1))

    def test_manager_counts_every_team(self):
        book = self._export(self.user_manager)
        sla = self._rows(book.worksheets[0])
        self.assertLine(sla["Opening Hours"], (6, 4, 1, 4 / 5, 2, 2, 2 / 4, 0, 0, None))
        agents = self._rows(book.worksheets[2])
        self.assertEqual(
            list(agents), ["Agent Amal", "Agent Badr", "No owner", "Total"]
        )
        self.assertLine(agents["Agent Badr"], (1, 0, 0, 0, 0))

    def test_filters(self):
        book = self._export(self.user_supervisor, service_type_ids=[self.refunds.id])
        self.assertEqual(list(self._rows(book.worksheets[0])), ["Refunds", "Total"])
        self.assertIn("Refunds", book.worksheets[0]["A2"].value)
        book = self._export(self.user_supervisor, department_ids=[self.department.id])
        sla = self._rows(book.worksheets[0])
        self.assertEqual(list(sla), ["Refunds", "Total"])
        self.assertEqual(sla["Total"], sla["Refunds"])
        agents = self._rows(book.worksheets[2])
        self.assertLine(agents["Agent Amal"], (3, 3, 1.0, 1, 1))
        elsewhere = self.env["hr.department"].create({"name": "Field Service"})
        book = self._export(self.user_supervisor, department_ids=[elsewhere.id])
        for sheet in book.worksheets:
            self.assertEqual(list(self._rows(sheet)), ["Total"])

    def test_workbook_layout(self):
        sheet = self._export(self.user_supervisor).worksheets[0]
        self.assertEqual(sheet["A1"].value, "SLA attainment")
        self.assertIn("2025", sheet["A2"].value)
        headers = [cell for cell in sheet[3] if cell.value]
        self.assertEqual(headers[0].value, "Service Type")
        self.assertEqual(headers[4].value, "First Response Met Rate")
        self.assertTrue(all(cell.font.b for cell in headers))
        self.assertEqual(sheet.freeze_panes, "B4")
        self.assertGreater(sheet.column_dimensions["A"].width, 30)
        self.assertGreater(sheet.column_dimensions["D"].width, 10)
        refunds = sheet[5]
        self.assertEqual(refunds[0].value, "Refunds")
        self.assertIsInstance(refunds[1].value, int)
        self.assertEqual(refunds[1].number_format, "0")
        self.assertEqual(refunds[4].number_format, "0.0%")
        total = sheet[6]
        self.assertEqual(total[0].value, "Total")
        self.assertTrue(all(cell.font.b for cell in total))
        hours = self._export(self.user_supervisor).worksheets[1]["D4"]
        self.assertEqual(hours.number_format, "0.0")
        self.assertFalse(sheet.sheet_view.rightToLeft)

    def test_arabic_user_gets_right_to_left_sheets(self):
        self.env["res.lang"]._activate_lang("ar_001")
        self.refunds.with_context(lang="ar_001").name = "استرداد المبالغ"
        self.user_supervisor.lang = "ar_001"
        book = self._export(self.user_supervisor)
        self.assertTrue(all(sheet.sheet_view.rightToLeft for sheet in book.worksheets))
        self.assertIn("استرداد المبالغ", self._rows(book.worksheets[0]))
        self.assertIn("استرداد المبالغ", book.worksheets[1]["A5"].value)
        english = self._export(self.user_manager)
        self.assertFalse(english.worksheets[0].sheet_view.rightToLeft)
        self.assertIn("Refunds", self._rows(english.worksheets[0]))

    def test_agent_cannot_export(self):
        Export = self.env["cc.ticket.report.export"]
        with self.assertRaises(AccessError):
            Export.with_user(self.user_agent).create({})
        wizard = self._wizard(self.user_supervisor)
        with self.assertRaises(AccessError):
            wizard.with_user(self.user_agent).action_export()
        with self.assertRaises(AccessError):
            Export.with_user(self.user_department).create({})

    def test_export_is_private_to_its_author(self):
        wizard = self._wizard(self.user_supervisor)
        wizard.action_export()
        other = new_test_user(
            self.env,
            login="cc_supervisor_2",
            name="Supervisor Eid",
            groups="cc_agent.group_cc_supervisor",
        )
        with self.assertRaises(AccessError):
            wizard.with_user(other).read(["file"])
        with self.assertRaises(AccessError):
            wizard.with_user(self.user_manager).read(["file"])

    def test_default_period_is_this_month(self):
        wizard = self.env["cc.ticket.report.export"].with_user(self.user_supervisor)
        wizard = wizard.create({})
        today = fields.Date.context_today(wizard)
        self.assertEqual(wizard.date_from, today.replace(day=1))
        self.assertEqual(wizard.date_to, date_utils.end_of(today, "month"))
        with self.assertRaisesNaming(ValidationError, "ends before it starts"):
            wizard.date_to = wizard.date_from - timedelta(days=1)

    def test_queries_do_not_grow_with_requests(self):
        wizard = self._wizard(self.user_supervisor)

        def queries():
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            wizard.action_export()
            return self.env.cr.sql_log_count - before

        # Warm, as in production: the first run also fills the caches (rules,
        # languages...).
        queries()
        few = queries()
        for n in range(3):
            service = self.ServiceType.create(
                {
                    "name": f"Extra {n}",
                    "code": f"R_EXTRA_{n}",
                    "resolution_policy": "escalate",
                    "department_id": self.env["hr.department"]
                    .create({"name": f"Department {n}"})
                    .id,
                }
            )
            user = new_test_user(
                self.env,
                login=f"cc_agent_extra_{n}",
                groups="cc_agent.group_cc_agent",
            )
            agent = self.env["hr.employee"].create(
                {
                    "name": f"Agent {n}",
                    "user_id": user.id,
                    "is_cc_agent": True,
                    "parent_id": self.supervisor.id,
                }
            )
            ticket = self._ticket(
                service,
                agent,
                IN_1,
                met=("response",),
                missed=("resolution", "department"),
                stage="resolved",
                date_escalated=IN_1,
                department_id=service.department_id.id,
                department_user_id=self.user_department.id,
                date_resolved=IN_2,
                resolution_hours=n,
            )
            self._escalation(ticket, IN_1, "resolved", IN_2, automatic=True)
        queries()
        self.assertEqual(queries(), few)
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file)))
        self.assertEqual(len(self._rows(book.worksheets[1])), 6)
        self.assertIn("Agent 2", self._rows(book.worksheets[2]))

    def test_real_flow(self):
        """A request escalated by the SLA job, sent back, escalated again and
        resolved by the department, counted this month."""
        ticket = self.env["cc.ticket"].create(
            {
                "subject": "Refund of a double payment",
                "service_type_id": self.refunds.id,
                "owner_id": self.agent.id,
                "channel": "email",
            }
        )
        ticket.with_user(self.user_agent).action_start()
        ticket.sudo()._escalate(self.department, "Agent SLA exceeded", automatic=True)
        ticket.with_user(self.user_department)._department_send_back("Missing IBAN")
        ticket.with_user(self.user_agent)._escalate(self.department, "IBAN given")
        ticket.with_user(self.user_department).action_department_resolve()
        self.assertEqual(ticket.stage, "resolved")
        book = self._export(self.user_supervisor, march=False)
        sla = self._rows(book.worksheets[0])
        self.assertLine(sla["Refunds"], (1, 1, 0, 1.0, 1, 0, 1.0, 1, 0, 1.0))
        resolution = list(book.worksheets[1].iter_rows(min_row=4, values_only=True))
        self.assertEqual(resolution[0][:3], ("Refunds", "Billing", 1))
        agents = self._rows(book.worksheets[2])
        self.assertLine(agents["Agent Amal"], (1, 1, 1.0, 1, 1))
