import json
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError

from .common import CallCenterCase


class TestPresence(CallCenterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Presence = cls.env["cc.presence.log"]
        cls.prayer = cls.env.ref("cc_agent.cc_break_reason_prayer")

    def _as_agent(self):
        return self.Presence.with_user(self.user_agent)

    def _log(self, agent=None):
        return self.Presence.search(
            [("agent_id", "=", (agent or self.agent).id)], order="id"
        )

    def test_each_change_closes_the_previous_state(self):
        start = datetime(2026, 11, 15, 14, 0)
        with freeze_time(start):
            self._as_agent().action_set_my_state("available")
        with freeze_time(start + timedelta(minutes=50)):
            self._as_agent().action_set_my_state("break", self.prayer.id)
        with freeze_time(start + timedelta(minutes=62)):
            self._as_agent().action_set_my_state("available")
        log = self._log()
        self.assertEqual(log.mapped("state"), ["available", "break", "available"])
        self.assertEqual(log.mapped("duration"), [3000, 720, 0])
        self.assertEqual(log[1].break_reason_id, self.prayer)
        self.assertEqual(len(log.filtered(lambda entry: not entry.date_end)), 1)

    def test_the_same_state_twice_changes_nothing(self):
        self._as_agent().action_set_my_state("available")
        self._as_agent().action_set_my_state("available")
        self.assertEqual(len(self._log()), 1)

    def test_what_an_agent_may_choose(self):
        with self.assertRaisesNaming(UserError, "on_call"):
            self._as_agent().action_set_my_state("on_call")
        with self.assertRaisesNaming(UserError, "break"):
            self._as_agent().action_set_my_state("break")
        with self.assertRaises(AccessError):
            self.Presence.with_user(self.user_internal).action_set_my_state("available")
        with self.assertRaises(AccessError):
            self.Presence.with_user(self.user_agent).create(
                {
                    "agent_id": self.agent_2.id,
                    "state": "available",
                    "date_start": datetime.now(),
                }
            )

    def test_many_changes_at_once_as_one_by_one(self):
        """The telephony listener applies many agents' changes together: the
        same entries as one change after the other, each told over the bus."""
        start = datetime(2026, 11, 15, 14, 0)

        def at(minutes):
            return start + timedelta(minutes=minutes)

        self.env.cr.precommit.run()
        self.env["bus.bus"].sudo().search([]).unlink()
        current = self.Presence._cc_set_states(
            [
                (self.agent, "available", None, at(0)),
                (self.agent_2, "available", None, at(0)),
                (self.agent, "on_call", None, at(1)),
                (self.agent, "on_call", None, at(2)),  # the same: nothing
                (self.agent_2, "break", self.prayer, at(3)),
                (self.agent, "wrap_up", None, at(4)),
                (self.agent, "available", None, at(5)),
            ],
            origin="system",
        )
        log = self._log()
        self.assertEqual(
            [(e.state, e.date_start, e.date_end) for e in log],
            [
                ("available", at(0), at(1)),
                ("on_call", at(1), at(4)),
                ("wrap_up", at(4), at(5)),
                ("available", at(5), False),
            ],
        )
        self.assertEqual(log.mapped("duration"), [60, 180, 60, 0])
        self.assertEqual(set(log.mapped("origin")), {"system"})
        badr = self._log(self.agent_2)
        self.assertEqual(badr.mapped("state"), ["available", "break"])
        self.assertEqual(badr[-1].break_reason_id, self.prayer)
        self.assertEqual(current, {self.agent.id: log[-1], self.agent_2.id: badr[-1]})
        # Already there: nothing changes.
        again = self.Presence._cc_set_states(
            [(self.agent, "available", None, at(6))], origin="system"
        )
        self.assertEqual(again[self.agent.id], log[-1])
        self.assertEqual(len(self._log()), 4)
        self.env.cr.precommit.run()
        told = [
            json.loads(n.message)["payload"]["state"]
            for n in self.env["bus.bus"].sudo().search([], order="id")
            if json.loads(n.channel)[1:]
            == ["res.partner", self.user_agent.partner_id.id]
        ]
        self.assertEqual(told, ["available", "on_call", "wrap_up", "available"])

    def test_supervisor_is_told_over_the_bus(self):
        self.env.cr.precommit.run()  # bus.bus records are written at commit
        self.env["bus.bus"].sudo().search([]).unlink()
        self._as_agent().action_set_my_state("available")
        self.env.cr.precommit.run()
        notifications = self.env["bus.bus"].sudo().search([])
        told = {
            tuple(json.loads(n.channel)[1:]): json.loads(n.message)
            for n in notifications
        }
        for user in (self.user_supervisor, self.user_agent, self.user_manager):
            message = told.get(("res.partner", user.partner_id.id))
            self.assertTrue(message, f"{user.name} was not told")
            self.assertEqual(message["type"], "cc_agent/presence")
            self.assertEqual(message["payload"]["state"], "available")
            self.assertEqual(message["payload"]["agent_id"], self.agent.id)
        self.assertNotIn(
            ("res.partner", self.user_agent_2.partner_id.id),
            told,
            "another agent must not hear of it",
        )

    def test_no_open_session_means_offline(self):
        with freeze_time("2026-11-15 14:00:00"):
            self._as_agent().action_set_my_state("available")
            self.Presence._cc_set_state(self.agent_2, "available")
            # Badr's Odoo still polls the bus; Amal closed hers.
            self.env["bus.presence"].create(
                {
                    "user_id": self.user_agent_2.id,
                    "last_poll": datetime(2026, 11, 15, 14, 0),
                }
            )
        with freeze_time("2026-11-15 14:00:30"):
            self.Presence._cron_offline_without_session()
        self.assertEqual(self._log()[-1].state, "offline")
        self.assertEqual(self._log()[-1].origin, "system")
        self.assertEqual(self._log(self.agent_2)[-1].state, "available")

    def test_systray_status(self):
        contract = self._make_contract(self.agent, cc_daily_minimum=10)
        self._as_agent().action_set_my_state("available")
        self.env["cc.interaction"]._record(
            [
                {
                    "agent_id": self.agent.id,
                    "channel": "inbound_call",
                    "date_start": datetime.now(),
                    "source_key": f"status:{n}",
                }
                for n in range(3)
            ]
        )
        status = self._as_agent().get_my_status()
        self.assertEqual(status["state"], "available")
        self.assertEqual(status["quota"]["handled"], 3)
        self.assertEqual(status["quota"]["minimum"], 10)
        self.assertEqual(status["earnings"]["amount"], 3 * 6)
        self.assertEqual(status["earnings"]["currency_id"], contract.currency_id.id)
        self.assertEqual(status["device"], "unknown")
        self.assertIn(self.prayer.id, [reason["id"] for reason in status["reasons"]])

    def test_board_shows_the_team(self):
        self._as_agent().action_set_my_state("available")
        self.Presence._cc_set_state(self.agent_2, "break", self.prayer)
        board = self.Presence.with_user(self.user_supervisor).get_board()
        self.assertEqual([row["name"] for row in board["agents"]], ["Agent Amal"])
        self.assertEqual(board["agents"][0]["state"], "available")
        self.assertEqual(dict(board["states"])["break"], "Break")
        board = self.Presence.with_user(self.user_manager).get_board()
        names = {row["name"]: row for row in board["agents"]}
        self.assertEqual(names["Agent Badr"]["state"], "break")
        self.assertEqual(names["Agent Badr"]["break_reason"], "Prayer")
        with self.assertRaises(AccessError):
            self.Presence.with_user(self.user_agent).get_board()
