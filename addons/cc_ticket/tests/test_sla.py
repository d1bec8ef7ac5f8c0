from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from .common import TicketCase

# Riyadh is UTC+3; the company works Sunday to Thursday, 9:00 to 17:00.
# 2026-11-19 is a Thursday, 11-20 and 11-21 the weekend, 11-22 a Sunday.


def riyadh(day, hour, minute=0):
    """A Riyadh wall-clock time as the naive UTC the database stores."""
    return datetime(2026, 11, day, hour, minute) - timedelta(hours=3)


class TestSla(TicketCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.service_agent.write({"sla_response_hours": 1, "sla_resolution_hours": 8})

    def _ticket_at(self, when, **values):
        # create_date comes from the database's clock: freeze that one too.
        with freeze_time(when), patch.object(self.env.cr, "now", lambda: when):
            ticket = self._ticket(channel="email", **values)
        self.assertEqual(ticket.create_date, when)
        return ticket

    def test_deadline_skips_the_weekend(self):
        ticket = self._ticket_at(riyadh(19, 15))
        # 2 hours on Thursday (15:00-17:00), 6 on Sunday (9:00-15:00).
        self.assertEqual(ticket.sla_resolution_deadline, riyadh(22, 15))
        self.assertEqual(ticket.sla_response_deadline, riyadh(19, 16))

    def test_deadline_skips_a_public_holiday(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "A public holiday",
                "calendar_id": self.calendar_week.id,
                "date_from": riyadh(22, 0),
                "date_to": riyadh(22, 23, 59),
            }
        )
        ticket = self._ticket_at(riyadh(19, 15))
        self.assertEqual(ticket.sla_resolution_deadline, riyadh(23, 15))

    def test_waiting_on_the_customer_pauses_the_clocks(self):
        ticket = self._ticket_at(riyadh(22, 9))
        self.assertEqual(ticket.sla_resolution_deadline, riyadh(22, 17))
        with freeze_time(riyadh(22, 10)):
            ticket.action_wait_customer()
        self.assertEqual(ticket.sla_resolution_status, "paused")
        self.assertEqual(
            ticket.sla_response_status, "met", "answered when asking to wait"
        )
        # Two working hours later (12:00) the customer answers.
        with freeze_time(riyadh(22, 12)):
            ticket.action_start()
        self.assertEqual(ticket.sla_resolution_status, "running")
        self.assertAlmostEqual(ticket.sla_paused_hours, 2.0)
        # 8 working hours from 9:00, plus 2 paused: Monday 11:00.
        self.assertEqual(ticket.sla_resolution_deadline, riyadh(23, 11))

    def test_a_pause_over_the_weekend_counts_working_hours_only(self):
        ticket = self._ticket_at(riyadh(19, 9))
        with freeze_time(riyadh(19, 16)):
            ticket.action_wait_customer()
        with freeze_time(riyadh(22, 10)):
            ticket.action_start()
        # Paused Thursday 16:00 to Sunday 10:00: 1 + 1 working hours.
        self.assertAlmostEqual(ticket.sla_paused_hours, 2.0)

    def test_job_marks_breaches_and_escalates_to_the_department(self):
        ticket = self._ticket_at(
            riyadh(22, 9), service_type_id=self.service_escalate.id, stage="in_progress"
        )
        self.assertEqual(ticket.sla_resolution_deadline, riyadh(22, 11))
        with freeze_time(riyadh(22, 10, 59)):
            self.Ticket._cron_sla()
        self.assertEqual(ticket.stage, "in_progress")
        with freeze_time(riyadh(22, 11, 1)):
            self.Ticket._cron_sla()
        self.assertEqual(ticket.stage, "escalated")
        self.assertEqual(ticket.sla_resolution_status, "missed")
        self.assertTrue(ticket.escalation_ids.automatic)
        self.assertEqual(ticket.department_id, self.department)
        told = ticket.activity_ids.filtered(lambda a: a.user_id == self.user_supervisor)
        self.assertIn("SLA was breached", told.summary)
        # Next run: nothing more to do, nobody told twice.
        with freeze_time(riyadh(22, 11, 10)):
            self.Ticket._cron_sla()
        self.assertEqual(len(ticket.escalation_ids), 1)
        self.assertEqual(len(told), 1)
        self.assertTrue(ticket.sla_breached)
        self.assertIn(ticket, self.Ticket.search([("sla_breached", "=", True)]))

    def test_breach_without_a_department_is_only_marked(self):
        ticket = self._ticket_at(riyadh(22, 9), stage="in_progress")
        with freeze_time(riyadh(22, 17, 30)):
            self.Ticket._cron_sla()
        self.assertEqual(ticket.sla_resolution_status, "breached")
        self.assertEqual(ticket.stage, "in_progress")
        with freeze_time(riyadh(22, 18)):
            ticket.action_resolve()
        self.assertEqual(ticket.sla_resolution_status, "missed")

    def test_reopened_request_gets_a_fresh_agent_clock(self):
        ticket = self._ticket_at(riyadh(22, 9))
        with freeze_time(riyadh(22, 10)):
            ticket.action_resolve()
        with freeze_time(riyadh(23, 9)):
            ticket.action_reopen()
        self.assertEqual(ticket.sla_resolution_status, "running")
        self.assertEqual(ticket.sla_resolution_deadline, riyadh(23, 17))
