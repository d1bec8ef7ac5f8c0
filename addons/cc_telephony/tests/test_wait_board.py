import json
import uuid
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from ..models import cc_queue
from .common import TelephonyCase


class TestWaitBoard(TelephonyCase):
    """The supervisors' wait board: its figures against a day of calls, who
    may see it, and its pings over the bus."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Standby summons on the count only: the board shows no episode
        # unless one is opened.
        cls.queue.write(
            {
                "cc_summon_waiting": 5,
                "cc_summon_wait": 0,
                "cc_sl_target": 80,
                "cc_sl_seconds": 20,
            }
        )
        cls.quiet_queue = cls.env["cc.queue"].create(
            {"name": "sales@default", "label": "Sales", "server_id": cls.server.id}
        )
        cls.agent_3, cls.agent_4 = (
            cls.env["hr.employee"].create(
                {
                    "name": name,
                    "user_id": new_test_user(
                        cls.env, login=login, groups="cc_agent.group_cc_agent"
                    ).id,
                    "is_cc_agent": True,
                }
            )
            for name, login in (
                ("Agent Chadi", "cc_agent_3"),
                ("Agent Dalal", "cc_agent_4"),
            )
        )
        cls.queue.agent_ids = [(4, cls.agent_3.id), (4, cls.agent_4.id)]

    def setUp(self):
        super().setUp()
        cc_queue._last_board_ping.clear()
        self.addCleanup(cc_queue._last_board_ping.clear)

    def call(self, start, wait=None, talk=120, abandoned=False, state="ended"):
        """A call of the queue that joined it at ``start``: answered after
        ``wait`` seconds and talked ``talk``, or abandoned, or still waiting."""
        values = {
            "unique_id": str(uuid.uuid4()),
            "server_id": self.server.id,
            "direction": "inbound",
            "queue_id": self.queue.id,
            "state": state,
            "date_created": start,
            "date_queued": start,
            "agent_id": False,
        }
        if wait is not None:
            answered = start + timedelta(seconds=wait)
            values.update(
                date_answered=answered,
                date_ended=answered + timedelta(seconds=talk),
                agent_id=self.agent.id,
            )
        elif abandoned:
            values.update(date_ended=start + timedelta(seconds=40), abandoned=True)
        return self.env["cc.call"].sudo().create(values)

    def feed_the_day(self):
        """Today: 3 calls answered within 20 s, one after 60 s, one
        abandoned, and two callers waiting now (the oldest for 90 s)."""
        start, _end = self.env["cc.queue"]._cc_today_bounds()
        for minute, wait in ((1, 5), (5, 20), (9, 12), (13, 60)):
            self.call(start + timedelta(minutes=minute), wait=wait)
        self.call(start + timedelta(minutes=20), abandoned=True)
        # Yesterday's calls are not today's.
        self.call(start - timedelta(hours=2), wait=300)
        now = fields.Datetime.now()
        self.oldest = now - timedelta(seconds=90)
        self.call(self.oldest, state="queued")
        self.call(now - timedelta(seconds=30), state="offering")
        self.queue._cc_waiting()
        Presence = self.env["cc.presence.log"]
        Presence._cc_set_state(self.agent, "available")
        Presence._cc_set_state(self.agent_2, "on_call", origin="telephony")
        reason = self.env["cc.break.reason"].create({"name": "Prayer"})
        Presence._cc_set_state(self.agent_3, "break", reason)
        Callback = self.env["cc.callback"]
        # Pending: waiting to be called, or offered to an agent. (A callback
        # of an abandoned call adds nothing to the service level: its call
        # counts already.)
        for number, state, origin in (
            ("0501110001", "pending", "manual"),
            ("0501110002", "assigned", "manual"),
            ("0501110003", "done", "abandoned"),
            ("0501110004", "cancelled", "manual"),
        ):
            Callback.create(
                {
                    "queue_id": self.queue.id,
                    "number": number,
                    "origin": origin,
                    "date_requested": now - timedelta(minutes=5),
                    "state": state,
                }
            )

    def board(self, user=None):
        Queue = self.env["cc.queue"].with_user(user or self.user_supervisor)
        board = Queue.get_wait_board()
        return board, {row["id"]: row for row in board["queues"]}

    def test_figures_of_a_day(self):
        self.feed_the_day()
        board, rows = self.board()
        row = rows[self.queue.id]
        self.assertEqual(row["name"], "Support")
        self.assertEqual(row["waiting"], 2)
        self.assertEqual(row["oldest_since"], fields.Datetime.to_string(self.oldest))
        # Service level: 3 of the 5 calls with an outcome today within 20 s.
        self.assertEqual(row["offered"], 5)
        self.assertEqual(row["answered"], 4)
        self.assertEqual(row["abandoned"], 1)
        self.assertAlmostEqual(row["service_level"], 60.0)
        self.assertEqual(row["sl_target"], 80)
        self.assertEqual(row["summon_waiting"], 5)
        self.assertEqual(
            row["agents"],
            {"available": 1, "on_call": 1, "wrap_up": 0, "break": 1, "offline": 1},
        )
        self.assertEqual(row["callbacks"], 2)
        self.assertFalse(row["episode"])
        quiet = rows[self.quiet_queue.id]
        self.assertEqual(quiet["waiting"], 0)
        self.assertFalse(quiet["oldest_since"])
        self.assertIsNone(quiet["service_level"])
        self.assertEqual(quiet["callbacks"], 0)
        self.assertEqual(
            [key for key, _label in board["states"]],
            ["available", "on_call", "wrap_up", "break", "offline"],
        )
        self.assertTrue(board["now"])

    def test_open_summons_episode(self):
        episode = self.env["cc.summons.episode"].create(
            {
                "queue_id": self.queue.id,
                "date_start": fields.Datetime.now(),
                "trigger": "waiting",
                "agents_wanted": 2,
            }
        )
        self.env["cc.summons"].create(
            [
                {
                    "episode_id": episode.id,
                    "agent_id": agent.id,
                    "date_sent": fields.Datetime.now(),
                    "state": state,
                }
                for agent, state in ((self.agent, "accepted"), (self.agent_3, "sent"))
            ]
        )
        _board, rows = self.board()
        self.assertEqual(
            rows[self.queue.id]["episode"],
            {
                "id": episode.id,
                "since": fields.Datetime.to_string(episode.date_start),
                "wanted": 2,
                "summoned": 2,
                "accepted": 1,
            },
        )
        self.assertFalse(rows[self.quiet_queue.id]["episode"])

    def test_agents_may_not_see_the_board(self):
        with self.assertRaisesNaming(AccessError, "wait board"):
            self.board(self.user_agent)
        _board, rows = self.board(self.user_manager)
        self.assertIn(self.queue.id, rows)

    def test_board_of_the_users_companies_only(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        server = self.env["cc.pbx.server"].create(
            {
                "name": "Jeddah",
                "host": "127.0.0.2",
                "esl_password": "x",
                "company_id": other.id,
            }
        )
        self.env["cc.queue"].create({"name": "other@default", "server_id": server.id})
        other_queue = self.env["cc.queue"].search([("name", "=", "other@default")])
        _board, rows = self.board()
        self.assertIn(self.queue.id, rows)
        self.assertNotIn(other_queue.id, rows)
        self.assertEqual(
            set(rows),
            set(
                self.env["cc.queue"]
                .search([("company_id", "=", self.env.company.id)])
                .ids
            ),
        )

    # ------------------------------------------------------------------
    # Pings
    # ------------------------------------------------------------------

    def pings(self):
        self.env.cr.precommit.run()
        group = self.env.ref("cc_agent.group_cc_supervisor")
        channel = json.dumps(
            [self.env.cr.dbname, "res.groups", group.id], separators=(",", ":")
        )
        return [
            json.loads(n.message)["payload"]
            for n in self.env["bus.bus"].sudo().search([("channel", "=", channel)])
            if json.loads(n.message)["type"] == "cc_telephony/board"
        ]

    def test_ping_when_waiting_changes_at_most_once_a_second(self):
        clock = [1000.0]
        with patch.object(cc_queue, "monotonic", lambda: clock[0]):
            self.call(fields.Datetime.now(), state="queued")
            self.queue._cc_waiting()
            self.assertEqual(self.pings(), [{"company_id": self.env.company.id}])
            # Unchanged: no ping.
            clock[0] += 5
            self.queue._cc_waiting()
            self.assertEqual(len(self.pings()), 1)
            # Two changes in the same second: one ping.
            self.call(fields.Datetime.now(), state="queued")
            self.queue._cc_waiting()
            clock[0] += 0.5
            self.call(fields.Datetime.now(), state="queued")
            self.queue._cc_waiting()
            self.assertEqual(len(self.pings()), 2)
            clock[0] += 0.6
            self.call(fields.Datetime.now(), state="queued")
            self.queue._cc_waiting()
            self.assertEqual(len(self.pings()), 3)

    def test_ping_when_an_agent_changes_state(self):
        self.env["cc.presence.log"]._cc_set_state(self.agent, "available")
        self.assertEqual(self.pings(), [{"company_id": self.env.company.id}])
