"""The wait board's numbers against a replayed day: the recorded
mod_callcenter call of the fixtures made into five callers of one morning
(answered at once, answered late, given up, asked for a callback, still
waiting), fed event by event as the listener applies them."""

import re
import uuid
from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import freeze_time, tagged

from .common import TelephonyCase, as_trunk_call, customer_leg, recorded_events

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The recording joined the queue at 08:39:05 UTC (11:39 in Riyadh) on
# 2026-11-29; the board is read at 10:00 UTC that day.
JOINED = datetime(2026, 11, 29, 8, 39, 5)
NOW = datetime(2026, 11, 29, 10, 0, 0)


def is_time(name, value):
    return (
        (name.endswith("-Time") or name.endswith("Timestamp"))
        and value.isdigit()
        and int(value) > 0
    )


def moved(events, later, wait=0):
    """The events ``later`` seconds later, and everything after the caller
    joined the queue ``wait`` seconds later again (the caller waited that
    much longer), but the joining time itself."""
    start = next(
        i for i, e in enumerate(events) if e.get("CC-Action") == "member-queue-start"
    )
    result = []
    for index, event in enumerate(events):
        event = dict(event)
        for name, value in event.items():
            if not is_time(name, value):
                continue
            seconds = later
            if index > start and name != "CC-Member-Joined-Time":
                seconds += wait
            # Microseconds (16 digits) or seconds (10).
            event[name] = str(int(value) + seconds * (10**6 if len(value) > 12 else 1))
        result.append(event)
    return result


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestWaitBoardReplayedDay(TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.recorded = recorded_events("callcenter_plain")

    def replayed(self, key, number):
        """The recorded call as caller ``key``'s, from ``number``."""
        events = [
            {name: UUID.sub(self.renamed(key), value) for name, value in e.items()}
            for e in as_trunk_call(self.recorded, number)
        ]
        return events

    @staticmethod
    def renamed(key):
        def rename(match):
            return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{key}/{match.group(0)}"))

        return rename

    @staticmethod
    def left_queue(events, **end_headers):
        """The caller leaves the queue while the agent's phone rings: the
        events up to the offer, the agent's phone failing, and the queue's
        end with cause Cancel (and ``end_headers``)."""
        offer = next(
            i for i, e in enumerate(events) if e.get("CC-Action") == "agent-offering"
        )
        end = dict(next(e for e in events if e.get("CC-Action") == "member-queue-end"))
        end["CC-Cause"] = "Cancel"
        end.pop("CC-Agent", None)
        end.update(end_headers)
        fail = dict(events[offer], **{"CC-Action": "bridge-agent-fail"})
        return events[: offer + 1] + [fail, end]

    @staticmethod
    def still_waiting(events):
        """Only the caller's arrival in the queue."""
        start = next(
            i
            for i, e in enumerate(events)
            if e.get("CC-Action") == "member-queue-start"
        )
        return events[: start + 2]  # and the members-count after it

    def test_the_board_of_a_replayed_morning(self):
        Presence = self.env["cc.presence.log"]
        Presence._cc_set_state(self.agent, "available")
        Presence._cc_set_state(
            self.agent_2, "break", self.env.ref("cc_agent.cc_break_reason_prayer")
        )
        answered_at_once = self.replayed("a", "0501234567")
        # Ten minutes later, a caller answered after 45 s (T is 20 s).
        answered_late = moved(self.replayed("b", "0551234567"), 600, wait=45)
        # Twenty minutes later, one gives up after 30 s...
        gave_up = self.left_queue(
            moved(self.replayed("c", "0561234567"), 1200, wait=30)
        )
        # ... and one presses the callback key after 50 s.
        asked_callback = self.left_queue(
            moved(self.replayed("d", "0541234567"), 1500, wait=50),
            **{"CC-Cancel-Reason": "EXIT_WITH_KEY"},
        )
        # At 09:58:00, a caller joins the queue and is still waiting at 10:00.
        waiting = self.still_waiting(
            moved(
                self.replayed("e", "0581234567"),
                int((NOW - JOINED).total_seconds()) - 120,
            )
        )
        for events in (
            answered_at_once,
            answered_late,
            gave_up,
            asked_callback,
            waiting,
        ):
            self.apply(events)
        calls = {
            key: self.Call.search([("unique_id", "=", customer_leg(events))])
            for key, events in (
                ("a", answered_at_once),
                ("b", answered_late),
                ("c", gave_up),
                ("d", asked_callback),
                ("e", waiting),
            )
        }
        # What the replay made of each caller, as the board will count them.
        self.assertEqual(calls["a"].wait, 0)
        self.assertEqual(calls["b"].wait, 45)
        self.assertTrue(calls["b"].date_answered)
        self.assertTrue(calls["c"].abandoned)
        self.assertTrue(calls["d"].callback_requested)
        self.assertFalse(calls["d"].abandoned)
        self.assertEqual(calls["e"].state, "queued")

        board = self.env["cc.queue"].with_user(self.user_supervisor).get_wait_board()
        row = next(r for r in board["queues"] if r["id"] == self.queue.id)
        self.assertEqual(row["waiting"], 1)
        self.assertEqual(
            row["oldest_since"],
            fields.Datetime.to_string(NOW - timedelta(seconds=120)),
        )
        # Offered: the three calls with an outcome (the one waiting is not
        # counted yet; the callback key counts through its callback, whose
        # 30 minutes have passed without reaching the customer) = 3 + 1.
        self.assertEqual(row["offered"], 4)
        self.assertEqual(row["answered"], 2)
        self.assertEqual(row["abandoned"], 1)
        # In time: only the first (0 s <= 20 s) of the 4.
        self.assertAlmostEqual(row["service_level"], 25.0)
        # The caller who gave up and the one who asked: two to call back.
        self.assertEqual(row["callbacks"], 2)
        # The recorded agent is back to Available after each call; the other
        # one is on a break.
        self.assertEqual(
            row["agents"],
            {"available": 1, "on_call": 0, "wrap_up": 0, "break": 1, "offline": 0},
        )
        # The caller waiting made a new caller's expected wait (1 waiting + 1)
        # x 180 s (no handle time learned yet) / 1 agent on duty = 360 s,
        # past the queue's 120 s: standby agents are wanted, 4 to bring it
        # under 120 s (2 x 180 / 4 = 90) less the one on duty, plus one; but
        # both agents of the queue are online: nobody to summon.
        self.assertEqual(
            row["episode"],
            {
                "id": row["episode"]["id"],
                "since": fields.Datetime.to_string(NOW),
                "wanted": 4,
                "summoned": 0,
                "accepted": 0,
            },
        )
