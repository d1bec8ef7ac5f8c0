import json
from datetime import date, datetime, timedelta

from odoo import Command
from odoo.exceptions import AccessError, ValidationError

from ..models.cc_availability_slot import ramadan_periods
from .common import CallCenterCase

# 2026-11-29 is a Sunday; Riyadh is UTC+3 all year.
SUNDAY = date(2026, 11, 29)


class TestAvailabilitySlot(CallCenterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Slot = cls.env["cc.availability.slot"]
        cls.Presence = cls.env["cc.presence.log"]
        cls.Employee = cls.env["hr.employee"]
        # Amal: part-time (under 4 hours a day on the company's 8-hour day).
        cls.contract = cls._make_contract(cls.agent)

    def _slot(self, agent=None, **values):
        defaults = {"agent_id": (agent or self.agent).id, "kind": "weekly"}
        if values.get("kind", "weekly") == "weekly":
            defaults["date_from"] = "2026-11-29"
        return self.Slot.create({**defaults, **values})

    def _weekly(self, weekday, hour_from, hour_to, agent=None, **values):
        return self._slot(
            agent, weekday=weekday, hour_from=hour_from, hour_to=hour_to, **values
        )

    def _one_off(self, kind, day, hour_from, hour_to, agent=None):
        return self._slot(
            agent, kind=kind, date=day, hour_from=hour_from, hour_to=hour_to
        )

    def _remote(self, agent=None):
        """Badr (or ``agent``) on a remote full-time contract for 2026."""
        return self._make_contract(
            agent or self.agent_2,
            resource_calendar_id=self.calendar_week.id,
            cc_regime="remote",
        )

    def _holiday(self, day, name="National Day"):
        """A public holiday on ``day`` (Riyadh) in the company calendar."""
        return self.env["resource.calendar.leaves"].create(
            {
                "name": name,
                "calendar_id": self.calendar_week.id,
                "date_from": datetime(day.year, day.month, day.day)
                - timedelta(hours=3),
                "date_to": datetime(day.year, day.month, day.day, 21),
            }
        )

    def _bus_slot_messages(self, user):
        self.env.cr.precommit.run()
        messages = []
        for notification in self.env["bus.bus"].sudo().search([], order="id"):
            message = json.loads(notification.message)
            if message["type"] == "cc_agent/slot" and json.loads(notification.channel)[
                1:
            ] == ["res.partner", user.partner_id.id]:
                messages.append(message["payload"])
        return messages

    # ------------------------------------------------------------------
    # Declaring slots
    # ------------------------------------------------------------------

    def test_display_name(self):
        self.assertEqual(self._weekly("6", 16, 19.5).display_name, "Sunday 16:00–19:30")
        self.assertEqual(
            self._one_off("extra", "2026-12-03", 12, 13.25).display_name,
            "2026-12-03 12:00–13:15 (extra)",
        )
        self.assertEqual(
            self._one_off("off", "2026-12-06", 16, 17).display_name,
            "2026-12-06 16:00–17:00 (off)",
        )

    def test_hours_must_make_sense(self):
        with self.assertRaisesNaming(ValidationError, "'From' (18:00)"):
            self._weekly("6", 18, 17)
        with self.assertRaisesNaming(ValidationError, "'To' (25:00)"):
            self._weekly("6", 23, 25)
        with self.assertRaisesNaming(ValidationError, "quarter hour"):
            self._weekly("6", 16.1, 17)
        with self.assertRaisesNaming(ValidationError, "'Day of the Week'"):
            self._slot(hour_from=16, hour_to=17)
        with self.assertRaisesNaming(ValidationError, "'Date'"):
            self._slot(kind="extra", hour_from=16, hour_to=17)
        with self.assertRaisesNaming(ValidationError, "'Valid Until' (2026-11-01)"):
            self._weekly("6", 16, 17, date_to="2026-11-01")

    def test_no_slot_without_a_running_contract(self):
        with self.assertRaisesNaming(ValidationError, "Agent Badr has no call center"):
            self._weekly("6", 16, 17, agent=self.agent_2)
        with self.assertRaisesNaming(ValidationError, "2027-01-03"):
            self._weekly("6", 16, 17, date_from="2027-01-03")

    def test_no_overlap(self):
        self._weekly("6", 16, 18, date_to="2026-12-13")
        with self.assertRaisesNaming(ValidationError, "overlaps"):
            self._weekly("6", 17.5, 19)
        # Another day, or after the first one's validity: fine.
        self._weekly("0", 17, 19)
        self._weekly("6", 17, 19, date_from="2026-12-14", date_to="2026-12-31")
        self._one_off("off", "2026-12-06", 16, 17)
        with self.assertRaisesNaming(ValidationError, "2026-12-06 16:00–17:00 (off)"):
            self._one_off("extra", "2026-12-06", 16.5, 17.5)

    def test_part_time_under_half_the_company_day(self):
        self._weekly("6", 16, 19.75)
        with self.assertRaisesNaming(ValidationError, "under 4.0 hours a day"):
            self._weekly("0", 16, 20)
        # A one-off on top of a weekly slot counts with it.
        with self.assertRaisesNaming(ValidationError, "4.25 hours on 2026-12-06"):
            self._one_off("extra", "2026-12-06", 12, 12.5)

    def test_five_hours_in_a_row_at_most(self):
        self._remote()
        with self.assertRaisesNaming(ValidationError, "lasts 5.5 hours"):
            self._weekly("6", 9, 14.5, agent=self.agent_2)
        self._weekly("6", 9, 14, agent=self.agent_2)
        # A quarter of an hour is no break: one stretch of 7 hours.
        with self.assertRaisesNaming(ValidationError, "from 09:00 to 16:00"):
            self._weekly("6", 14.25, 16, agent=self.agent_2)
        self._weekly("6", 14.5, 16, agent=self.agent_2)
        # The limit is dated data.
        self.env.ref("cc_agent.cc_rule_parameter_consecutive_hours").value_ids = [
            Command.create({"date_from": "2026-01-01", "value": 4})
        ]
        with self.assertRaisesNaming(ValidationError, "more than 4.0 hours in a row"):
            self._weekly("0", 9, 13.5, agent=self.agent_2)

    def test_remote_day_and_week_caps(self):
        self._remote()
        self._weekly("6", 9, 14, agent=self.agent_2)
        self._weekly("6", 14.5, 17, agent=self.agent_2)
        with self.assertRaisesNaming(ValidationError, "at most 8.0 hours a day"):
            self._weekly("6", 17.5, 18.25, agent=self.agent_2)
        # Five working days of 8 hours stay under the law's 48; a rule of 20
        # hours a week (dated data) is passed on Tuesday.
        self.env.ref("cc_agent.cc_rule_parameter_week_hours").value_ids = [
            Command.create({"date_from": "2026-01-01", "value": 20})
        ]
        self._weekly("0", 9, 14, agent=self.agent_2)
        self._weekly("0", 14.5, 17, agent=self.agent_2)
        self._weekly("1", 9, 14, agent=self.agent_2)
        with self.assertRaisesNaming(ValidationError, "at most 20.0 hours a week"):
            self._weekly("1", 14.5, 17, agent=self.agent_2)

    def test_flexible_monthly_hours(self):
        self.agent_2.country_id = self.env.ref("base.sa")
        self._make_contract(
            self.agent_2,
            cc_regime="flexible",
            cc_monthly_hours=20,
            cc_hourly_wage=40,
            date_start="2026-06-01",
            date_end="2027-05-31",
        )
        december = {"date_from": "2026-12-01", "date_to": "2026-12-31"}
        # Four Sundays of 4 hours in December: 16 hours.
        self._weekly("6", 10, 14, agent=self.agent_2, **december)
        with self.assertRaisesNaming(ValidationError, "agrees on 20.0 hours a month"):
            self._weekly("0", 10, 12, agent=self.agent_2, **december)
        self._weekly("0", 10, 11, agent=self.agent_2, **december)

    def test_ramadan_caps(self):
        self.assertEqual(
            ramadan_periods(date(2026, 1, 1), date(2026, 12, 31)),
            [(date(2026, 2, 18), date(2026, 3, 19))],
        )
        self._remote()
        # 7 hours the day before Ramadan 1447; 6 at most on its first day.
        self._one_off("extra", "2026-02-17", 9, 14, agent=self.agent_2)
        self._one_off("extra", "2026-02-17", 14.5, 16.5, agent=self.agent_2)
        self._one_off("extra", "2026-02-18", 9, 14, agent=self.agent_2)
        with self.assertRaisesNaming(ValidationError, "in Ramadan at most 6.0 hours"):
            self._one_off("extra", "2026-02-18", 14.5, 16.5, agent=self.agent_2)
        # A weekly plan of 7 hours is refused over Ramadan...
        self._weekly(
            "6", 9, 14, agent=self.agent_2, date_from="2026-02-01", date_to="2026-06-30"
        )
        with self.assertRaisesNaming(ValidationError, "before Ramadan"):
            self._weekly("6", 14.5, 16.5, agent=self.agent_2, date_from="2026-03-01")
        # ... fine after it (Eid al-Fitr is 2026-03-20)...
        self._weekly(
            "6",
            14.5,
            16.5,
            agent=self.agent_2,
            date_from="2026-03-22",
            date_to="2026-06-30",
        )
        # ... and over it once the Ramadan Sundays are declared shorter.
        for day in ("2026-02-22", "2026-03-01", "2026-03-08", "2026-03-15"):
            self._one_off("off", day, 14.5, 16.5, agent=self.agent_2)
        self._weekly(
            "6",
            14.5,
            16.5,
            agent=self.agent_2,
            date_from="2026-02-22",
            date_to="2026-03-15",
        )
        # Taking an 'off' back would break the cap again.
        off = self.Slot.search(
            [("agent_id", "=", self.agent_2.id), ("date", "=", "2026-03-08")]
        )
        with self.assertRaisesNaming(ValidationError, "2026-03-08"):
            off.unlink()
        with self.assertRaisesNaming(ValidationError, "in Ramadan"):
            off.active = False

    def test_ramadan_week(self):
        self._remote()
        self.env.ref("cc_agent.cc_rule_parameter_ramadan_week_hours").value_ids = [
            Command.create({"date_from": "2026-01-01", "value": 20})
        ]
        # Four days of 5 hours a week: 20, at the Ramadan limit.
        for weekday in ("6", "0", "1", "2"):
            self._weekly(
                weekday,
                9,
                14,
                agent=self.agent_2,
                date_from="2026-02-01",
                date_to="2026-04-30",
            )
        with self.assertRaisesNaming(ValidationError, "in Ramadan at most 20.0"):
            self._weekly("3", 9, 10, agent=self.agent_2, date_from="2026-03-01")
        self._weekly("3", 9, 10, agent=self.agent_2, date_from="2026-03-22")

    def test_weekend_and_holidays(self):
        with self.assertRaisesNaming(ValidationError, "Friday is not a working day"):
            self._weekly("4", 16, 18)
        with self.assertRaisesNaming(ValidationError, "Saturday is not a working"):
            self._one_off("extra", "2026-12-05", 16, 18)
        self._holiday(date(2026, 12, 3))
        with self.assertRaisesNaming(ValidationError, "2026-12-03 is a public holiday"):
            self._one_off("extra", "2026-12-03", 16, 18)
        # A weekly slot on that weekday is fine: it just does not occur then.
        self._weekly("3", 16, 18)
        # Being off on a weekend day harms nobody.
        self._one_off("off", "2026-12-05", 16, 18)

    # ------------------------------------------------------------------
    # Occurrences, leaves, hours left
    # ------------------------------------------------------------------

    def test_occurrences(self):
        self._weekly("6", 17, 19.75)
        self._weekly("3", 17, 19.75)
        self._one_off("extra", "2026-12-01", 17, 19)
        self._one_off("off", "2026-12-06", 17, 18)
        self._holiday(date(2026, 12, 3))
        agents = self.agent | self.agent_2
        found = self.Slot._cc_occurrences(
            agents, datetime(2026, 11, 28, 21), datetime(2026, 12, 7, 21)
        )
        self.assertEqual(
            found,
            [
                (
                    self.agent.id,
                    datetime(2026, 11, 29, 14),
                    datetime(2026, 11, 29, 16, 45),
                ),
                (self.agent.id, datetime(2026, 12, 1, 14), datetime(2026, 12, 1, 16)),
                (
                    self.agent.id,
                    datetime(2026, 12, 6, 15),
                    datetime(2026, 12, 6, 16, 45),
                ),
            ],
        )
        # Clipped to the window.
        self.assertEqual(
            self.Slot._cc_occurrences(
                agents, datetime(2026, 11, 29, 15), datetime(2026, 11, 29, 16)
            ),
            [(self.agent.id, datetime(2026, 11, 29, 15), datetime(2026, 11, 29, 16))],
        )
        # A leave takes its time out; no contract, no occurrence.
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Doctor",
                "resource_id": self.agent.resource_id.id,
                "calendar_id": self.calendar_part_time.id,
                "date_from": datetime(2026, 12, 6, 16),
                "date_to": datetime(2026, 12, 6, 23),
            }
        )
        self.assertEqual(
            self.Slot._cc_occurrences(
                agents, datetime(2026, 12, 6), datetime(2026, 12, 7)
            ),
            [(self.agent.id, datetime(2026, 12, 6, 15), datetime(2026, 12, 6, 16))],
        )
        self.assertEqual(
            self.Slot._cc_occurrences(
                agents, datetime(2027, 1, 3), datetime(2027, 1, 4)
            ),
            [],
        )

    def test_slots_following_each_other_are_one_occurrence(self):
        self._weekly("6", 16, 17)
        self._weekly("6", 17, 18)
        self.assertEqual(
            self.Slot._cc_occurrences(
                self.agent, datetime(2026, 11, 29), datetime(2026, 11, 30)
            ),
            [(self.agent.id, datetime(2026, 11, 29, 13), datetime(2026, 11, 29, 15))],
        )

    def test_on_leave(self):
        agents = self.agent | self.agent_2
        start, end = datetime(2026, 12, 1, 6), datetime(2026, 12, 1, 10)
        self.assertEqual(self.Employee._cc_on_leave(agents, start, end), set())
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Sick",
                "resource_id": self.agent_2.resource_id.id,
                "calendar_id": self.agent_2.resource_calendar_id.id,
                "date_from": datetime(2026, 12, 1, 9),
                "date_to": datetime(2026, 12, 1, 15),
            }
        )
        self.assertEqual(
            self.Employee._cc_on_leave(agents, start, end), {self.agent_2.id}
        )
        self.assertEqual(
            self.Employee._cc_on_leave(agents, start, datetime(2026, 12, 1, 9)), set()
        )
        self._holiday(date(2026, 12, 1))
        self.assertEqual(
            self.Employee._cc_on_leave(agents, start, end),
            {self.agent.id, self.agent_2.id},
        )

    def test_hours_left(self):
        self._remote()
        when = datetime(2026, 12, 1, 16)
        # Badr since Sunday: 25 hours from Sunday to Monday.
        self.Presence._cc_set_state(
            self.agent_2, "available", origin="system", when=datetime(2026, 11, 29, 6)
        )
        self.Presence._cc_set_state(
            self.agent_2, "offline", origin="system", when=datetime(2026, 11, 30, 7)
        )
        for agent, state, hour in (
            (self.agent, "available", 13),
            (self.agent, "break", 14),
            (self.agent, "on_call", 14.5),
            (self.agent, "wrap_up", 15),
            (self.agent, "available", 15.25),
            (self.agent_2, "available", 8),
            (self.agent_2, "offline", 13),
        ):
            self.Presence._cc_set_state(
                agent,
                state,
                self.env.ref("cc_agent.cc_break_reason_prayer")
                if state == "break"
                else None,
                origin="system",
                when=datetime(2026, 12, 1) + timedelta(hours=hour),
            )
        # Amal has been online 2.5 hours (the break does not count) of the 3.75
        # a part-time agent may work; Badr 5 of 8; a third nothing, with no
        # contract.
        left = self.Employee._cc_hours_left(
            self.agent | self.agent_2 | self.supervisor, when
        )
        self.assertEqual(
            left, {self.agent.id: 1.25, self.agent_2.id: 3.0, self.supervisor.id: 0.0}
        )
        # The week: Badr worked 30 hours since Sunday, against 32 (dated data).
        self.env.ref("cc_agent.cc_rule_parameter_week_hours").value_ids = [
            Command.create({"date_from": "2026-01-01", "value": 32})
        ]
        self.assertEqual(
            self.Employee._cc_hours_left(self.agent_2, when), {self.agent_2.id: 2.0}
        )

    def test_hours_left_in_ramadan(self):
        self._remote()
        self.Presence._cc_set_state(
            self.agent_2, "available", origin="system", when=datetime(2026, 2, 18, 6)
        )
        when = datetime(2026, 2, 18, 8)
        self.assertEqual(
            self.Employee._cc_hours_left(self.agent_2, when), {self.agent_2.id: 4.0}
        )
        self.assertEqual(
            self.Employee._cc_hours_left(self.agent_2, datetime(2026, 2, 17, 8)),
            {self.agent_2.id: 8.0},
        )

    # ------------------------------------------------------------------
    # At a slot's start and end
    # ------------------------------------------------------------------

    def test_reminded_once_at_the_start(self):
        self._remote()
        self._weekly("1", 17, 19.75)  # Tuesday, 14:00 UTC
        self._weekly("1", 17, 19, agent=self.agent_2)
        self.Presence._cc_set_state(
            self.agent_2, "available", origin="system", when=datetime(2026, 12, 1, 13)
        )
        agents = self.agent | self.agent_2
        self.env.cr.precommit.run()
        self.env["bus.bus"].sudo().search([]).unlink()
        self.Slot._cc_slot_boundaries(agents, datetime(2026, 12, 1, 13, 59))
        self.assertFalse(self._bus_slot_messages(self.user_agent))
        self.Slot._cc_slot_boundaries(agents, datetime(2026, 12, 1, 14, 2))
        self.Slot._cc_slot_boundaries(agents, datetime(2026, 12, 1, 14, 7))
        self.assertEqual(
            self._bus_slot_messages(self.user_agent),
            [
                {
                    "kind": "start",
                    "agent_id": self.agent.id,
                    "start": "2026-12-01 14:00:00",
                    "end": "2026-12-01 16:45:00",
                }
            ],
        )
        # Badr is online already: no reminder.
        self.assertFalse(self._bus_slot_messages(self.user_agent_2))
        notices = self.env["cc.availability.notice"].search(
            [("agent_id", "in", agents.ids)], order="agent_id"
        )
        self.assertEqual(
            [(n.agent_id, n.kind, n.moment, n.outcome) for n in notices],
            [
                (self.agent, "start", datetime(2026, 12, 1, 14), "reminded"),
                (self.agent_2, "start", datetime(2026, 12, 1, 14), "online"),
            ],
        )

    def test_logged_out_at_the_end(self):
        self._remote()
        self._weekly("1", 17, 19.75)  # Tuesday until 16:45 UTC
        self._weekly("1", 17, 19.75, agent=self.agent_2)
        agents = self.agent | self.agent_2
        for agent, state in ((self.agent, "available"), (self.agent_2, "on_call")):
            self.Presence._cc_set_state(
                agent, state, origin="telephony", when=datetime(2026, 12, 1, 14)
            )
        self.Slot._cc_slot_boundaries(agents, datetime(2026, 12, 1, 16, 40))
        current = self.Presence._cc_current(agents)
        self.assertEqual(current[self.agent.id].state, "available")
        self.Slot._cc_slot_boundaries(agents, datetime(2026, 12, 1, 16, 47))
        current = self.Presence._cc_current(agents)
        self.assertEqual(current[self.agent.id].state, "offline")
        self.assertEqual(current[self.agent.id].origin, "system")
        # Badr finishes his call first: wrap-up, then Offline, not Available.
        self.assertEqual(current[self.agent_2.id].state, "on_call")
        self.assertTrue(current[self.agent_2.id].cc_logout_pending)
        self.assertEqual(
            self.env["cc.availability.notice"]
            .search([("agent_id", "in", agents.ids)], order="agent_id")
            .mapped("outcome"),
            ["logged_out", "after_call"],
        )
        self.Presence._cc_set_state(
            self.agent_2,
            "wrap_up",
            origin="telephony",
            when=datetime(2026, 12, 1, 16, 50),
        )
        self.assertEqual(
            self.Presence._cc_current(self.agent_2)[self.agent_2.id].state, "wrap_up"
        )
        self.Presence._cc_set_state(
            self.agent_2,
            "available",
            origin="telephony",
            when=datetime(2026, 12, 1, 16, 52),
        )
        log = self.Presence._cc_current(self.agent_2)[self.agent_2.id]
        self.assertEqual((log.state, log.origin), ("offline", "system"))
        # Back to work by choice: no longer flagged.
        self.Presence._cc_set_state(
            self.agent_2, "available", when=datetime(2026, 12, 1, 17)
        )
        self.Presence._cc_set_state(
            self.agent_2, "on_call", when=datetime(2026, 12, 1, 17, 5)
        )
        self.Presence._cc_set_state(
            self.agent_2, "available", when=datetime(2026, 12, 1, 17, 9)
        )
        self.assertEqual(
            self.Presence._cc_current(self.agent_2)[self.agent_2.id].state, "available"
        )
        # Ran again: nothing more.
        self.Slot._cc_slot_boundaries(agents, datetime(2026, 12, 1, 16, 52))
        self.assertEqual(
            self.Presence._cc_current(self.agent_2)[self.agent_2.id].state, "available"
        )

    def test_not_logged_out_before_the_next_slot(self):
        self._weekly("1", 16, 17)
        self._weekly("1", 17.25, 19.75)  # 15 minutes later
        self.Presence._cc_set_state(
            self.agent, "available", origin="system", when=datetime(2026, 12, 1, 13)
        )
        self.Slot._cc_slot_boundaries(self.agent, datetime(2026, 12, 1, 14, 2))
        self.assertEqual(
            self.Presence._cc_current(self.agent)[self.agent.id].state, "available"
        )

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------

    def test_agents_manage_only_their_own_slots(self):
        self._remote()
        mine = self._weekly("6", 16, 18)
        theirs = self._weekly("6", 16, 18, agent=self.agent_2)
        Slot = self.Slot.with_user(self.user_agent)
        self.assertEqual(Slot.search([]), mine)
        with self.assertRaises(AccessError):
            theirs.with_user(self.user_agent).read(["hour_from"])
        with self.assertRaises(AccessError):
            theirs.with_user(self.user_agent).write({"hour_to": 17})
        with self.assertRaises(AccessError):
            Slot.create(
                {
                    "agent_id": self.agent_2.id,
                    "weekday": "0",
                    "hour_from": 16,
                    "hour_to": 17,
                    "date_from": "2026-11-29",
                }
            )
        # Their own, as from their phone: the agent is theirs by default.
        slot = Slot.create(
            {"weekday": "0", "hour_from": 16, "hour_to": 17, "date_from": "2026-11-29"}
        )
        self.assertEqual(slot.agent_id, self.agent)
        slot.hour_to = 18
        slot.unlink()
        # The supervisor reads their team's, changes nothing.
        Supervised = self.Slot.with_user(self.user_supervisor)
        self.assertEqual(Supervised.search([]), mine)
        with self.assertRaises(AccessError):
            mine.with_user(self.user_supervisor).write({"hour_to": 17})
        self.assertEqual(
            self.Slot.with_user(self.user_manager).search(
                [("agent_id", "in", (self.agent | self.agent_2).ids)]
            ),
            mine | theirs,
        )

    def test_menus_by_role(self):
        mine = self.env.ref("cc_agent.cc_availability_slot_menu_my")
        team = self.env.ref("cc_agent.cc_availability_slot_menu")
        Menu = self.env["ir.ui.menu"]
        as_agent = Menu.with_user(self.user_agent)._visible_menu_ids()
        self.assertIn(mine.id, as_agent)
        self.assertNotIn(team.id, as_agent)
        self.assertIn(team.id, Menu.with_user(self.user_supervisor)._visible_menu_ids())
