from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.tests import new_test_user

from .common import CallCenterCase

# 2026-11-15 is a Sunday (working), 11-13 a Friday and 11-14 a Saturday (weekend).
SUNDAY = date(2026, 11, 15)


class TestQuota(CallCenterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._make_contract(cls.agent, cc_daily_minimum=3)
        cls.Quota = cls.env["cc.quota.day"]
        cls.count = 0

    def _contact(self, when, channel="inbound_call", agent=None, state="valid"):
        type(self).count += 1
        interaction = self.env["cc.interaction"]._record(
            [
                {
                    "agent_id": (agent or self.agent).id,
                    "channel": channel,
                    "date_start": when,
                    "source_key": f"quota:{self.count}",
                }
            ]
        )
        if state == "void":
            interaction.action_void("test")
        return interaction

    def _riyadh(self, day, hour, minute=0):
        """A Riyadh wall-clock time as the UTC the database stores."""
        return datetime.combine(day, datetime.min.time()) + timedelta(
            hours=hour - 3, minutes=minute
        )

    def test_counted_in_riyadh_around_midnight(self):
        monday = SUNDAY + timedelta(days=1)
        self._contact(self._riyadh(SUNDAY, 23, 50))  # 20:50 UTC Sunday
        self._contact(self._riyadh(monday, 0, 10))  # 21:10 UTC Sunday, Monday in Riyadh
        self._contact(self._riyadh(monday, 0, 30))
        progress = self.Quota._cc_progress(self.agent, SUNDAY)[self.agent.id]
        self.assertEqual(progress["handled"], 1)
        progress = self.Quota._cc_progress(self.agent, monday)[self.agent.id]
        self.assertEqual(progress["handled"], 2)
        self.assertEqual(progress["minimum"], 3)

    def test_only_valid_contacts_of_counted_types(self):
        self._contact(self._riyadh(SUNDAY, 18))
        self._contact(self._riyadh(SUNDAY, 18), channel="email")
        self._contact(self._riyadh(SUNDAY, 18), channel="outbound_call")  # no rate line
        self._contact(self._riyadh(SUNDAY, 18), state="void")
        progress = self.Quota._cc_progress(self.agent, SUNDAY)[self.agent.id]
        self.assertEqual(progress["handled"], 2)

    def test_close_days_met_missed_weekend_and_streak(self):
        thursday = SUNDAY - timedelta(days=3)
        for day in (thursday, SUNDAY):
            for _n in range(3):
                self._contact(self._riyadh(day, 18))
        self._contact(self._riyadh(SUNDAY + timedelta(days=1), 18))
        days = self.Quota._cc_close_days(self.agent, until=SUNDAY + timedelta(days=1))
        states = {day.date: (day.state, day.handled, day.streak) for day in days}
        self.assertEqual(states[thursday], ("met", 3, 1))
        self.assertEqual(states[thursday + timedelta(days=1)], ("off", 0, 1))
        self.assertEqual(states[thursday + timedelta(days=2)], ("off", 0, 1))
        self.assertEqual(states[SUNDAY], ("met", 3, 2), "the weekend does not break it")
        self.assertEqual(states[SUNDAY + timedelta(days=1)], ("missed", 1, 0))

    def test_public_holiday_is_a_day_off(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "National Day",
                "calendar_id": self.calendar_week.id,
                "date_from": self._riyadh(SUNDAY, 0),
                "date_to": self._riyadh(SUNDAY, 23, 59),
            }
        )
        day = self.Quota._cc_close_days(self.agent, until=SUNDAY).filtered(
            lambda d: d.date == SUNDAY
        )
        self.assertEqual(day.state, "off")
        self.assertFalse(day.flagged)
        self.assertTrue(
            self.Quota._cc_progress(self.agent, SUNDAY)[self.agent.id]["off"]
        )

    def test_missed_day_is_flagged_to_the_supervisor_once(self):
        self._contact(self._riyadh(SUNDAY, 18))
        days = self.Quota._cc_close_days(self.agent, until=SUNDAY)
        self.assertEqual(days[-1].date, SUNDAY)
        missed = days.filtered(lambda d: d.date == SUNDAY)
        self.assertEqual(missed.state, "missed")
        self.assertTrue(missed.flagged)
        self.assertEqual(missed.activity_ids.user_id, self.user_supervisor)
        self.assertIn("1 of 3", missed.activity_ids.summary)
        # Running again closes nothing more and flags nobody twice.
        self.assertFalse(self.Quota._cc_close_days(self.agent, until=SUNDAY))
        missed._cc_flag_misses()
        self.assertEqual(len(missed.activity_ids), 1)

    def test_end_of_day_job_closes_yesterday_in_the_agents_time_zone(self):
        # 20:30 UTC on Sunday is 23:30 in Riyadh: Sunday is not over yet.
        with freeze_time("2026-11-15 20:30:00"):
            self.Quota._cron_close_days()
        closed = self.Quota.search([("agent_id", "=", self.agent.id)])
        self.assertEqual(max(closed.mapped("date")), SUNDAY - timedelta(days=1))
        # 21:30 UTC is Monday 00:30 in Riyadh: Sunday is closed, once.
        with freeze_time("2026-11-15 21:30:00"):
            self.Quota._cron_close_days()
            self.Quota._cron_close_days()
        closed = self.Quota.search([("agent_id", "=", self.agent.id)])
        self.assertEqual(max(closed.mapped("date")), SUNDAY)
        self.assertEqual(len(closed.filtered(lambda d: d.date == SUNDAY)), 1)

    def _queries(self, function):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        function()
        return self.env.cr.sql_log_count - before

    def test_progress_costs_the_same_for_many_agents(self):
        """The board counts every agent in a constant number of queries."""
        few = self.agent | self.agent_2
        more = few
        for n in range(4):
            user = new_test_user(
                self.env, login=f"extra{n}", groups="cc_agent.group_cc_agent"
            )
            employee = self.env["hr.employee"].create(
                {"name": f"Extra {n}", "user_id": user.id, "is_cc_agent": True}
            )
            self._make_contract(employee)
            self._contact(self._riyadh(SUNDAY, 18), agent=employee)
            more |= employee
        self.Quota._cc_progress(more, SUNDAY)
        self.assertEqual(
            self._queries(lambda: self.Quota._cc_progress(few, SUNDAY)),
            self._queries(lambda: self.Quota._cc_progress(more, SUNDAY)),
        )
