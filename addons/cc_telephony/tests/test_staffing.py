"""Demand learned from the call log, staffing against it with Erlang C, and
agents invited to fill the gaps."""

import uuid
from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from ..tools import erlang
from .common import TelephonyCase, TelephonyHttpCase

# Sunday 7 June 2026, 10:00 in Riyadh (UTC+3): a working day, out of Ramadan.
NOW = datetime(2026, 6, 7, 7, 0)
TODAY = date(2026, 6, 7)


@tagged("post_install", "-at_install")
class TestStaffing(TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Demand = cls.env["cc.queue.demand"]
        cls.Line = cls.env["cc.staffing.line"]
        cls.Invitation = cls.env["cc.staffing.invitation"]
        cls.Slot = cls.env["cc.availability.slot"]
        cls.other_queue = cls.env["cc.queue"].create(
            {"name": "sales@default", "label": "Sales", "server_id": cls.server.id}
        )
        for agent in (cls.agent, cls.agent_2):
            cls._make_contract(agent, date_start="2026-01-01", date_end="2027-12-31")

    def setUp(self):
        super().setUp()
        frozen = freeze_time(NOW)
        frozen.start()
        self.addCleanup(frozen.stop)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def make_call(self, queued, talk=100, answered=True, queue=None, **values):
        """An inbound call of the queue that joined it at ``queued`` (UTC)."""
        vals = {
            "unique_id": str(uuid.uuid4()),
            "server_id": self.server.id,
            "direction": "inbound",
            "state": "ended",
            "queue_id": (queue or self.queue).id,
            "date_created": queued - timedelta(seconds=5),
            "date_queued": queued,
            "date_answered": queued + timedelta(seconds=10) if answered else False,
            "date_ended": queued + timedelta(seconds=10 + talk),
            "abandoned": not answered,
            "agent_id": self.agent.id if answered else False,
        }
        vals.update(values)
        return self.Call.sudo().create(vals)

    def set_demand(self, calls, aht, half_hour=20, day=TODAY, queue=None):
        return self.Demand.sudo().create(
            {
                "queue_id": (queue or self.queue).id,
                "weekday": str(day.weekday()),
                "half_hour": half_hour,
                "calls": calls,
                "aht": aht,
                "weeks": 8,
            }
        )

    def line(self, lines, half_hour, queue=None):
        queue = queue or self.queue
        return lines.filtered(
            lambda line: line.queue_id == queue and line.half_hour == half_hour
        )

    def presence(self, agent, state, start, end):
        return (
            self.env["cc.presence.log"]
            .sudo()
            .create(
                {
                    "agent_id": agent.id,
                    "state": state,
                    "date_start": start,
                    "date_end": end,
                    "origin": "agent",
                }
            )
        )

    def invite(self, agent, start, end, queue=None):
        return self.Invitation.with_user(self.user_manager).create(
            {
                "agent_id": agent.id,
                "queue_id": (queue or self.queue).id,
                "date_start": start,
                "date_end": end,
            }
        )

    # ------------------------------------------------------------------
    # Demand
    # ------------------------------------------------------------------

    def test_demand_learned_from_history(self):
        """Three Mondays of calls at 10:00-10:30 in Riyadh (07:00 UTC): 2, 4
        (one abandoned) and 3 calls, 3 a Monday; the handle time of the eight
        answered ones. Calls at 22:10 and 22:20 UTC on Mondays are Tuesday
        01:00-01:30 in Riyadh. Calls out of the window, outbound ones and
        another queue's do not count."""
        mondays = [datetime(2026, 6, 1), datetime(2026, 6, 8), datetime(2026, 6, 15)]
        for monday, count in zip(mondays, (2, 4, 3), strict=True):
            for n in range(count):
                self.make_call(
                    monday + timedelta(hours=7, minutes=5 + n),
                    talk=200 if (monday.day, n) == (1, 1) else 100,
                    answered=(monday.day, n) != (8, 3),
                )
        self.make_call(datetime(2026, 6, 1, 22, 10))
        self.make_call(datetime(2026, 6, 8, 22, 20))
        # Before the window, on its last day (excluded), outbound, another queue.
        self.make_call(datetime(2026, 5, 25, 7, 5))
        self.make_call(datetime(2026, 6, 22, 7, 5))
        self.make_call(datetime(2026, 6, 15, 7, 6), direction="outbound")
        self.make_call(datetime(2026, 6, 15, 7, 7), queue=self.other_queue)
        stale = self.set_demand(5, 60, half_hour=0, day=date(2026, 6, 11))

        written = self.Demand.with_user(self.user_manager)._cc_learn(
            self.queue, weeks=3, until=date(2026, 6, 22)
        )

        rows = self.Demand.search([("queue_id", "=", self.queue.id)])
        self.assertEqual(written, 2)
        self.assertFalse(stale.exists())
        self.assertEqual(
            sorted((r.weekday, r.half_hour, r.calls, r.weeks) for r in rows),
            [("0", 20, 3.0, 3), ("1", 2, 1.0, 2)],
        )
        monday = rows.filtered(lambda r: r.weekday == "0")
        self.assertAlmostEqual(monday.aht, 900 / 8)
        self.assertEqual(monday.slot_label, "10:00–10:30")
        self.assertFalse(
            self.Demand.search([("queue_id", "=", self.other_queue.id)]),
            "only the queues asked for are learned",
        )

    def test_demand_handle_time_includes_wrap_up(self):
        """An agent's wrap-up time in the window is spread over the calls they
        answered: two calls of 100 s and 120 s of wrap-up, 160 s each."""
        self.make_call(datetime(2026, 6, 1, 7, 5))
        self.make_call(datetime(2026, 6, 1, 7, 10))
        self.presence(
            self.agent,
            "wrap_up",
            datetime(2026, 6, 1, 7, 8),
            datetime(2026, 6, 1, 7, 9),
        )
        self.presence(
            self.agent,
            "wrap_up",
            datetime(2026, 6, 1, 7, 13),
            datetime(2026, 6, 1, 7, 14),
        )
        self.Demand._cc_learn(self.queue, weeks=1, until=date(2026, 6, 8))
        row = self.Demand.search([("queue_id", "=", self.queue.id)])
        self.assertEqual(row.calls, 2.0)
        self.assertAlmostEqual(row.aht, 160.0)

    def test_demand_history_out_of_range_is_refused_by_name(self):
        for weeks in (0, -3, 100000):
            with self.subTest(weeks=weeks):
                with self.assertRaisesRegex(UserError, r"History \(weeks\)"):
                    self.Demand._cc_learn(self.queue, weeks=weeks)
        # Not given: the system's window (8 weeks).
        self.assertIsInstance(
            self.Demand._cc_learn(self.queue, until=date(2026, 6, 8)), int
        )

    def test_demand_learning_needs_a_manager(self):
        with self.assertRaises(AccessError):
            self.Demand.with_user(self.user_supervisor)._cc_learn(self.queue)
        wizard = (
            self.env["cc.queue.demand.learn"]
            .with_user(self.user_manager)
            .with_context(active_ids=self.queue.ids)
            .create({})
        )
        self.assertEqual(wizard.weeks, 8)
        self.assertEqual(wizard.queue_ids, self.queue)
        self.make_call(datetime(2026, 6, 1, 7, 5))
        action = wizard.action_learn()
        self.assertEqual(action["res_model"], "cc.queue.demand")
        self.assertEqual(
            self.Demand.search_count([("queue_id", "=", self.queue.id)]), 1
        )

    def test_demand_cron_uses_the_history_window(self):
        """Every night, each queue learns from the weeks of the system
        parameter before today (Sunday 7 June): one week back is Sunday 31
        May to Saturday 6 June."""
        self.make_call(datetime(2026, 6, 1, 7, 5))
        self.make_call(datetime(2026, 5, 25, 7, 5))
        self.make_call(datetime(2026, 5, 26, 7, 5), queue=self.other_queue)
        Parameter = self.env["ir.config_parameter"].sudo()
        Parameter.set_param("cc_telephony.demand_weeks", "1")
        self.Demand._cc_cron_learn()
        rows = self.Demand.search([("queue_id", "in", self.queue.ids)])
        self.assertEqual([(r.weekday, r.calls, r.weeks) for r in rows], [("0", 1.0, 1)])
        self.assertFalse(self.Demand.search([("queue_id", "=", self.other_queue.id)]))
        Parameter.set_param("cc_telephony.demand_weeks", "2")
        self.Demand._cc_cron_learn()
        self.assertEqual(
            self.Demand.search([("queue_id", "=", self.other_queue.id)]).calls, 1.0
        )
        Parameter.set_param("cc_telephony.demand_weeks", "none")
        with self.assertRaisesNaming(UserError, "cc_telephony.demand_weeks"):
            self.Demand._cc_cron_learn()

    # ------------------------------------------------------------------
    # Staffing
    # ------------------------------------------------------------------

    def test_needed_agents_from_erlang_c(self):
        """100 calls of 180 s in a half hour: 10 Erlangs; 80 % within 20 s at
        most 85 % occupied needs 14 agents (88.8 %), 20 with 30 % shrinkage
        (tests/test_erlang.py)."""
        self.queue.write(
            {
                "cc_sl_target": 80,
                "cc_sl_seconds": 20,
                "cc_max_occupancy": 85,
                "cc_shrinkage": 30,
            }
        )
        self.set_demand(100, 180, half_hour=30)
        lines = self.Line.with_user(self.user_supervisor)._cc_plan(TODAY, self.queue)
        line = self.line(lines, 30)
        self.assertEqual(line.slot_label, "15:00–15:30")
        self.assertEqual(line.slot_start, datetime(2026, 6, 7, 12, 0))
        self.assertEqual(line.traffic, 10.0)
        self.assertEqual(line.needed, 14)
        self.assertEqual(line.needed_scheduled, 20)
        self.assertAlmostEqual(line.service_level, 88.84, 2)
        self.assertAlmostEqual(
            line.wait_probability, 100 * erlang.wait_probability(10, 14), 6
        )
        self.assertAlmostEqual(line.asa, erlang.average_speed_of_answer(10, 14, 180), 6)
        self.assertAlmostEqual(line.occupancy, 100 * 10 / 14, 6)
        self.assertEqual((line.scheduled, line.gap), (0, 20))
        self.assertEqual(line.service_level_scheduled, 0.0)
        quiet = self.line(lines, 31)
        self.assertEqual(
            (quiet.needed, quiet.gap, quiet.service_level_scheduled), (0, 0, 100.0)
        )

    def test_scheduled_and_online_counted(self):
        """Scheduled: an availability covering the whole half hour. Online:
        available, on a call or wrapping up for at least 15 minutes of it,
        for half hours begun by now (10:00 in Riyadh)."""
        self.set_demand(10, 180, half_hour=18)
        self.Slot.sudo().create(
            {
                "agent_id": self.agent.id,
                "kind": "weekly",
                "weekday": "6",
                "hour_from": 9,
                "hour_to": 11,
                "date_from": "2026-06-01",
            }
        )
        # Badr's availability starts at 09:15: not the whole 09:00-09:30.
        self.Slot.sudo().create(
            {
                "agent_id": self.agent_2.id,
                "kind": "extra",
                "date": "2026-06-07",
                "hour_from": 9.25,
                "hour_to": 10.5,
            }
        )
        # 09:00-09:30 Riyadh is 06:00-06:30 UTC.
        self.presence(
            self.agent,
            "available",
            datetime(2026, 6, 7, 6, 0),
            datetime(2026, 6, 7, 6, 10),
        )
        self.presence(
            self.agent,
            "on_call",
            datetime(2026, 6, 7, 6, 10),
            datetime(2026, 6, 7, 6, 16),
        )
        self.presence(
            self.agent_2,
            "available",
            datetime(2026, 6, 7, 6, 0),
            datetime(2026, 6, 7, 6, 10),
        )
        self.presence(
            self.agent_2,
            "break",
            datetime(2026, 6, 7, 6, 10),
            datetime(2026, 6, 7, 6, 30),
        )
        # Online since 09:45, still online now (10:00).
        self.presence(self.agent_2, "available", datetime(2026, 6, 7, 6, 45), False)

        lines = self.Line._cc_plan(TODAY, self.queue)
        nine = self.line(lines, 18)
        self.assertEqual((nine.scheduled, nine.online), (1, 1))
        self.assertTrue(nine.online_known)
        self.assertEqual(
            nine.needed, erlang.agents_needed(10, 180, 1800, 0.8, 20, 0.85)
        )
        self.assertEqual(nine.gap, nine.needed_scheduled - 1)
        self.assertEqual(nine.online_gap, nine.needed - 1)
        half_past_nine = self.line(lines, 19)
        # Badr online since 09:45: 15 minutes of 09:30-10:00.
        self.assertEqual((half_past_nine.scheduled, half_past_nine.online), (2, 1))
        # 10:00-10:30 has just begun: counted, nobody online for 15 minutes yet.
        ten = self.line(lines, 20)
        self.assertEqual((ten.scheduled, ten.online, ten.online_known), (2, 0, True))
        later = self.line(lines, 21)
        self.assertEqual((later.scheduled, later.online_known), (1, False))
        self.assertEqual(self.line(lines, 22).scheduled, 0)

    def test_plan_is_idempotent(self):
        self.set_demand(30, 200, half_hour=20)
        first = self.Line._cc_plan(TODAY, self.queue | self.other_queue)
        self.assertEqual(len(first), 96)
        other_day = self.Line._cc_plan(TODAY + timedelta(days=1), self.queue)
        second = self.Line._cc_plan(TODAY, self.queue | self.other_queue)
        self.assertFalse(first.exists())
        self.assertTrue(other_day.exists(), "another day's lines stay")
        self.assertEqual(
            self.Line.search_count([("date", "=", TODAY)]), 96, "no line twice"
        )
        self.assertEqual(
            self.line(second, 20).needed,
            erlang.agents_needed(30, 200, 1800, 0.8, 20, 0.85),
        )
        self.assertEqual(self.line(second, 20).forecast_calls, 30)

    def test_plan_wizard_and_access(self):
        self.set_demand(30, 200, half_hour=20)
        wizard = (
            self.env["cc.staffing.line.plan"].with_user(self.user_supervisor).create({})
        )
        self.assertEqual(wizard.date, TODAY)
        action = wizard.action_plan()
        lines = self.Line.search(action["domain"])
        queues = self.env["cc.queue"].search([])
        self.assertEqual(lines.queue_id, queues, "every queue when none is chosen")
        self.assertEqual(len(lines), 48 * len(queues))
        with self.assertRaises(AccessError):
            self.Line.with_user(self.user_agent).search([])
        with self.assertRaises(AccessError):
            self.Demand.with_user(self.user_agent).search([])
        with self.assertRaises(AccessError):
            self.Line.with_user(self.user_agent)._cc_plan(TODAY, self.queue)
        Menu = self.env["ir.ui.menu"]
        staffing = self.env.ref("cc_telephony.cc_staffing_menu")
        mine = self.env.ref("cc_telephony.cc_staffing_invitation_menu_my")
        agent_menus = Menu.with_user(self.user_agent)._visible_menu_ids()
        self.assertNotIn(staffing.id, agent_menus)
        self.assertIn(mine.id, agent_menus)
        self.assertIn(
            staffing.id, Menu.with_user(self.user_supervisor)._visible_menu_ids()
        )

    # ------------------------------------------------------------------
    # Invitations
    # ------------------------------------------------------------------

    def test_invite_agents_to_a_gap(self):
        """The wizard lists the queue's agents who may come (not Amal, already
        available then); Badr is invited, notified, accepts: an extra slot,
        and the next plan counts him."""
        self.set_demand(20, 180, half_hour=22)
        self.Slot.sudo().create(
            {
                "agent_id": self.agent.id,
                "kind": "extra",
                "date": "2026-06-07",
                "hour_from": 11,
                "hour_to": 11.5,
            }
        )
        lines = self.Line._cc_plan(TODAY, self.queue)
        gap = self.line(lines, 22)
        self.assertEqual(gap.scheduled, 1)
        self.assertGreater(gap.gap, 0)
        wizard = (
            self.env["cc.staffing.line.invite"]
            .with_user(self.user_supervisor)
            .with_context(active_ids=(gap | self.line(lines, 23)).ids)
            .create({})
        )
        self.assertEqual(wizard.queue_id, self.queue)
        self.assertEqual(
            (wizard.date_start, wizard.date_end),
            (datetime(2026, 6, 7, 8, 0), datetime(2026, 6, 7, 8, 30)),
            "only the half hours with a gap",
        )
        self.assertEqual(wizard.candidate_ids.agent_id, self.agent_2)
        self.assertEqual(wizard.candidate_ids.hours_left, 3.75)
        with self.assertRaises(UserError):
            wizard.action_invite()
        wizard.candidate_ids.selected = True
        wizard.action_invite()
        invitation = self.Invitation.search([("agent_id", "=", self.agent_2.id)])
        self.assertEqual(invitation.state, "sent")
        self.assertEqual(invitation.line_id, gap)
        self.assertEqual(invitation.when_label, "Sun 7 Jun, 11:00–11:30")
        pushed = self.bus_messages(
            self.user_agent_2, "cc_telephony/staffing_invitation"
        )
        self.assertEqual([message["id"] for message in pushed], invitation.ids)
        notified = self.env["mail.message"].search(
            [("model", "=", invitation._name), ("res_id", "=", invitation.id)]
        )
        self.assertIn(self.user_agent_2.partner_id, notified.notified_partner_ids)

        invitation.with_user(self.user_agent_2).action_accept()
        self.assertEqual(invitation.state, "accepted")
        self.assertEqual(invitation.date_answered, NOW)
        slot = invitation.slot_id
        self.assertEqual(
            (slot.agent_id, slot.kind, slot.date, slot.hour_from, slot.hour_to),
            (self.agent_2, "extra", TODAY, 11.0, 11.5),
        )
        replanned = self.Line._cc_plan(TODAY, self.queue)
        self.assertEqual(self.line(replanned, 22).scheduled, 2)
        self.assertEqual(invitation.line_id, self.Line, "the old line is gone")
        with self.assertRaises(UserError):
            invitation.with_user(self.user_agent_2).action_decline()

    def test_invite_wizard_needs_gaps_of_one_queue(self):
        self.set_demand(20, 180, half_hour=22)
        self.set_demand(20, 180, half_hour=22, queue=self.other_queue)
        lines = self.Line._cc_plan(TODAY, self.queue | self.other_queue)
        Wizard = self.env["cc.staffing.line.invite"].with_user(self.user_supervisor)
        with self.assertRaisesNaming(UserError, "one queue and one day"):
            Wizard.with_context(
                active_ids=(
                    self.line(lines, 22) | self.line(lines, 22, self.other_queue)
                ).ids
            ).create({})
        with self.assertRaisesNaming(UserError, "with a gap"):
            Wizard.with_context(active_ids=self.line(lines, 10).ids).create({})

    def test_decline(self):
        invitation = self.invite(
            self.agent_2, datetime(2026, 6, 7, 8, 0), datetime(2026, 6, 7, 9, 0)
        )
        invitation.with_user(self.user_agent_2).action_decline()
        self.assertEqual(invitation.state, "declined")
        self.assertFalse(invitation.slot_id)
        self.assertFalse(self.Slot.sudo().search([("agent_id", "=", self.agent_2.id)]))

    def test_only_the_agent_answers(self):
        invitation = self.invite(
            self.agent_2, datetime(2026, 6, 7, 8, 0), datetime(2026, 6, 7, 9, 0)
        )
        self.assertFalse(
            self.Invitation.with_user(self.user_agent).search([]),
            "an agent sees only their own invitations",
        )
        for user in (self.user_agent, self.user_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                invitation.with_user(user).action_accept()
        with self.assertRaises(AccessError):
            invitation.with_user(self.user_agent_2).write({"state": "accepted"})
        self.assertEqual(invitation.state, "sent")

    def test_ineligible_agents_are_refused(self):
        start, end = datetime(2026, 6, 7, 8, 0), datetime(2026, 6, 7, 9, 0)
        self.Slot.sudo().create(
            {
                "agent_id": self.agent.id,
                "kind": "extra",
                "date": "2026-06-07",
                "hour_from": 11.5,
                "hour_to": 12.5,
            }
        )
        with self.assertRaisesNaming(ValidationError, "already available"):
            self.invite(self.agent, start, end)
        with self.assertRaisesNaming(ValidationError, "not an agent of the queue"):
            self.invite(self.agent_2, start, end, queue=self.other_queue)
        with self.assertRaisesNaming(ValidationError, "hours left"):
            self.invite(self.agent_2, start, start + timedelta(hours=4))
        with self.assertRaisesNaming(ValidationError, "in the future"):
            self.invite(
                self.agent_2, start - timedelta(hours=3), start - timedelta(hours=2)
            )
        self.invite(self.agent_2, start, end)
        with self.assertRaisesNaming(ValidationError, "already invited"):
            self.invite(self.agent_2, start + timedelta(minutes=30), end)

    def test_ineligible_on_leave(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "calendar_id": self.calendar_week.id,
                "date_from": datetime(2026, 6, 6, 21, 0),
                "date_to": datetime(2026, 6, 7, 20, 59),
            }
        )
        with self.assertRaisesNaming(ValidationError, "on leave"):
            self.invite(
                self.agent_2, datetime(2026, 6, 7, 8, 0), datetime(2026, 6, 7, 9, 0)
            )

    def test_accept_breaking_a_slot_rule(self):
        """The slot's own rules apply: Badr added 11:00-12:00 himself after the
        invitation; accepting 11:00-11:30 overlaps it: a clear error."""
        invitation = self.invite(
            self.agent_2, datetime(2026, 6, 7, 8, 0), datetime(2026, 6, 7, 8, 30)
        )
        self.Slot.with_user(self.user_agent_2).create(
            {
                "agent_id": self.agent_2.id,
                "kind": "extra",
                "date": "2026-06-07",
                "hour_from": 11,
                "hour_to": 12,
            }
        )
        with self.assertRaisesNaming(UserError, "You cannot take Support"):
            invitation.with_user(self.user_agent_2).action_accept()
        self.assertEqual(invitation.state, "sent")

    def test_unanswered_invitations_expire(self):
        invitation = self.invite(
            self.agent_2, datetime(2026, 6, 7, 8, 0), datetime(2026, 6, 7, 8, 30)
        )
        with freeze_time(datetime(2026, 6, 7, 8, 31)):
            with self.assertRaisesNaming(UserError, "expired"):
                invitation.with_user(self.user_agent_2).action_accept()
            self.Invitation._cc_cron_expire()
        self.assertEqual(invitation.state, "expired")


@tagged("post_install", "-at_install")
class TestStaffingTour(TelephonyHttpCase):
    def test_tour_agent_accepts_an_invitation(self):
        """In the browser, the agent accepts from My Invitations: the time is
        in their availability (the next working day at 11:00 in Riyadh)."""
        self.env["ir.config_parameter"].set_param("cc_agent.agent_2fa", "0")
        today = date.today()
        self._make_contract(
            self.agent_2,
            date_start=today - timedelta(days=30),
            date_end=today + timedelta(days=60),
        )
        day = next(
            today + timedelta(days=n)
            for n in range(1, 8)
            # The company works Sunday to Thursday.
            if (today + timedelta(days=n)).weekday() in (6, 0, 1, 2, 3)
        )
        start = datetime.combine(day, datetime.min.time()) + timedelta(hours=8)
        invitation = self.env["cc.staffing.invitation"].create(
            {
                "agent_id": self.agent_2.id,
                "queue_id": self.queue.id,
                "date_start": start,
                "date_end": start + timedelta(minutes=30),
            }
        )
        self.start_tour(
            "/odoo/action-cc_telephony.cc_staffing_invitation_action_my",
            "cc_telephony_staffing_invitation",
            login="cc_agent_2",
        )
        self.assertEqual(invitation.state, "accepted")
        self.assertEqual(
            (invitation.slot_id.date, invitation.slot_id.hour_from),
            (day, 11.0),
        )
