"""The listener (odoo-bin cc_listener) against a real TCP server replaying the
recorded mod_callcenter call: from bytes on the socket to rows in Odoo, with
frames split or merged, malformed frames, a bad event, and a disconnection in
the middle of the call."""

import json
import re
import threading
import time
from datetime import datetime
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..cli import cc_listener
from .common import (
    PASSWORD,
    TelephonyCase,
    as_trunk_call,
    customer_leg,
    recorded_events,
    recording,
)
from .esl_replay import (
    BYTES,
    COALESCE,
    RANDOM,
    RECORDED,
    Chunk,
    ReplayServer,
    find_chunk,
)
from .test_esl import MALFORMED_FRAMES, plain_event

LISTENER_LOGGER = "odoo.addons.cc_telephony.cli.cc_listener"
ESL_LOGGER = "odoo.addons.cc_telephony.tools.esl"
VERSION = (
    "FreeSWITCH Version 1.10.12-release+git~20240802T210227Z~a88d069d6f~64bit "
    "(git a88d069 2024-08-02 21:02:27Z 64bit)\n"
)
SUBSCRIBE = " ".join(
    ["event", "plain", *cc_listener.EVENTS, "CUSTOM", *cc_listener.CUSTOM]
)


def api_response(body):
    body = body.encode()
    return Chunk(
        "RECV",
        b"Content-Type: api/response\nContent-Length: %d\n\n%s" % (len(body), body),
    )


def channels_json(*legs):
    """``show channels as json`` as FreeSWITCH 1.10 answers it (fields of the
    recorded answer in fixtures/esl/sipp_plain.raw.txt)."""
    rows = [
        {
            "uuid": leg,
            "direction": "inbound",
            "created": "2026-11-29 08:39:05",
            "created_epoch": "1795941545",
            "name": "sofia/external/+966501234567@192.0.2.50",
            "state": "CS_EXCHANGE_MEDIA",
            "cid_num": "0501234567",
            "dest": "7000",
            "context": "public",
            "callstate": "ACTIVE",
            "call_uuid": leg,
        }
        for leg in legs
    ]
    return json.dumps({"row_count": len(rows), "rows": rows})


def recorded_members():
    """mod_callcenter's answer to ``callcenter_config queue list members
    support@default`` in the recording (fixtures/esl/callcenter_plain): a
    caller who gave up, and the recorded caller being served by 1000@default."""
    chunks = recording("callcenter_plain")
    index = find_chunk(chunks, b"api callcenter_config queue list members", "SEND")
    reply = chunks[index + 1].data
    return reply.partition(b"\n\n")[2].decode()


def members_chunks(env, server, answers=None):
    """The listener asking mod_callcenter for each queue's callers when it
    (re)connects, and the node's answers (``answers``: queue name: the text
    of the answer; "+OK" alone, an empty queue, by default)."""
    answers = answers or {}
    chunks = []
    names = (
        env["cc.queue"]
        .search([("server_id", "=", server.id)], order="name")
        .mapped("name")
    )
    for name in names:
        chunks += [
            Chunk(
                "SEND", f"api callcenter_config queue list members {name}\n\n".encode()
            ),
            api_response(answers.get(name, "+OK\n")),
        ]
    return chunks


def as_trunk_chunk(chunk, leg):
    """A recorded event frame as the caller would have come from the trunk
    (see common.as_trunk_call): the same bytes but for the caller's number
    and, on the caller's own leg, the context; Content-Length recounted."""
    head, _blank, inner = chunk.data.partition(b"\n\n")
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
    assert length == len(inner), "one event per recorded chunk"
    text = inner.decode()
    if f"\nUnique-ID: {leg}\n" in text:
        text = text.replace("\nCaller-Context: default\n", "\nCaller-Context: public\n")
    text = text.replace(": 5551234\n", ": 0501234567\n")
    inner = text.encode()
    head = re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % len(inner), head)
    return Chunk("RECV", head + b"\n\n" + inner)


@tagged("post_install", "-at_install")
class TestListener(TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.recorded = recording("callcenter_plain")
        cls.leg = customer_leg(recorded_events("callcenter_plain"))
        cls.events = [
            as_trunk_chunk(chunk, cls.leg)
            for chunk in cls.recorded
            if chunk.kind == "RECV"
            and b"Content-Type: text/event-plain" in chunk.data[:80]
        ]

    def setUp(self):
        super().setUp()
        self.env["cc.presence.log"]._cc_set_state(self.agent, "available")
        self.env.flush_all()
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        self.workers = []
        self.addCleanup(self._stop_workers)

    def _stop_workers(self):
        for worker in self.workers:
            worker.stop()
            worker.join(10)
            self.assertFalse(worker.is_alive())

    def session(self, events, live=(), members=None):
        """What the listener says and FreeSWITCH answers on one connection
        (``live``: the channels still up; ``members``: the queues' callers, see
        members_chunks), then ``events`` (the recorded frames)."""
        return [
            self.recorded[0],  # Content-Type: auth/request
            Chunk("SEND", f"auth {PASSWORD}\n\n".encode()),
            self.recorded[2],  # +OK accepted
            Chunk("SEND", f"{SUBSCRIBE}\n\n".encode()),
            self.recorded[4],  # +OK event listener enabled plain
            Chunk("SEND", b"api version\n\n"),
            api_response(VERSION),
            Chunk("SEND", b"api show channels as json\n\n"),
            api_response(channels_json(*live)),
            *members_chunks(self.env, self.server, members),
            *events,
        ]

    def listen(self, server, quiet=True, retry=0.02):
        """Runs a node's worker against ``server`` until the replay is over
        (the replay ends only once the worker closed the connection, after
        applying what it received), then stops it. ``quiet``: the warnings of
        the replay's end (connection lost, refused) are not the test's."""
        self.server.esl_port = server.port
        self.env.flush_all()
        worker = cc_listener.NodeWorker(self.registry, self.server.id)
        worker.retry_initial = retry
        self.workers.append(worker)
        with mute_logger(*((LISTENER_LOGGER, ESL_LOGGER) if quiet else ())):
            worker.start()
            server.stop()
            worker.stop()
            worker.join(10)
        self.assertFalse(worker.is_alive())
        self.assertEqual(server.errors, [])
        self.env.invalidate_all()
        return worker

    def assertRecordedCall(self):
        calls = self.Call.search([("server_id", "=", self.server.id)])
        self.assertEqual(len(calls), 1)
        call = calls
        self.assertEqual(call.unique_id, self.leg)
        self.assertEqual(call.state, "ended")
        self.assertEqual(call.partner_id, self.caller)
        self.assertEqual(call.queue_id, self.queue)
        self.assertEqual(call.agent_id, self.agent)
        self.assertEqual(call.talk, 8)
        self.assertEqual(call.interaction_id.duration, 8)
        self.assertEqual(call.hangup_cause, "NORMAL_CLEARING")
        return call

    def test_recorded_call_whatever_the_reads(self):
        for chunking in (RECORDED, BYTES, RANDOM, COALESCE):
            with self.subTest(chunking=chunking):
                self.Call.search([]).unlink()
                self.env["cc.interaction"].search(
                    [("source_model", "=", "cc.call")]
                ).unlink()
                self.env.flush_all()
                server = ReplayServer(
                    self.session(self.events), chunking=chunking, seed=7
                )
                with server:
                    worker = self.listen(server)
                self.assertEqual(worker.applied, len(self.events))
                self.assertRecordedCall()

    def test_node_health(self):
        with ReplayServer(self.session(self.events)) as server:
            self.listen(server)
        node = self.server
        self.assertEqual(node.freeswitch_version, VERSION.strip())
        self.assertTrue(node.last_connected)
        self.assertTrue(node.last_event)
        # The replay ended: the node is no longer connected, and says why.
        self.assertEqual(node.state, "disconnected")
        self.assertTrue(node.last_error)
        self.assertNotIn(PASSWORD, node.last_error)

    def test_malformed_frames_and_a_bad_event_are_skipped(self):
        # A queue name FreeSWITCH cannot have: applying this event fails.
        bad_event = plain_event(
            {
                "Event-Name": "CUSTOM",
                "Event-Subclass": "callcenter::info",
                "CC-Action": "member-queue-start",
                "CC-Queue": "no domain here",
                "CC-Member-Session-UUID": "00000000-0000-4000-8000-00000000bad0",
                "CC-Member-CID-Number": "0551112222",
                "Event-Date-Timestamp": "1795941545118637",
            }
        )
        middle = len(self.events) // 2
        events = (
            self.events[:middle]
            + [Chunk("RECV", b"".join(MALFORMED_FRAMES[:3]))]
            + [Chunk("RECV", bad_event)]
            + self.events[middle:]
            + [Chunk("RECV", b"".join(MALFORMED_FRAMES[3:]))]
        )
        with self.assertLogs(ESL_LOGGER, "WARNING") as esl_logs:
            with self.assertLogs(LISTENER_LOGGER, "ERROR") as listener_logs:
                with ReplayServer(self.session(events), chunking=RANDOM) as server:
                    worker = self.listen(server, quiet=False)
        self.assertEqual(len(esl_logs.records), len(MALFORMED_FRAMES))
        self.assertEqual(len(listener_logs.records), 1)
        self.assertIn("member-queue-start", listener_logs.output[0])
        self.assertNotIn(PASSWORD, "\n".join(esl_logs.output + listener_logs.output))
        # Every good event before and after was applied.
        self.assertEqual(worker.applied, len(self.events) + 1)
        self.assertRecordedCall()
        self.assertFalse(self.Call.search([("unique_id", "like", "%bad0")]))

    def test_disconnect_mid_call_then_the_call_goes_on(self):
        bridge = next(
            i
            for i, c in enumerate(self.events)
            if b"CC-Action: bridge-agent-start" in c.data
        )
        first = self.session(self.events)
        cut = first.index(self.events[bridge + 1])
        # FreeSWITCH restarts its Event Socket half-way through a frame; the
        # call is still up when the listener comes back.
        second = self.session(self.events[bridge + 1 :], live=[self.leg])
        with ReplayServer(
            first, close_at=(cut, 200), reset=True, then=[second]
        ) as server:
            with (
                self.assertLogs(LISTENER_LOGGER, "WARNING") as logs,
                mute_logger(ESL_LOGGER),
            ):
                self.listen(server, quiet=False)
            self.assertIn("the connection was lost", logs.output[0])
            self.assertEqual(server.sessions, 2)
        call = self.assertRecordedCall()
        self.assertEqual(
            self.env["cc.interaction"].search_count(
                [("source_key", "=", f"cc.call:{self.leg}")]
            ),
            1,
        )
        self.assertNotEqual(call.hangup_cause, "LOST_WHILE_DISCONNECTED")

    def test_disconnect_mid_call_and_the_hangup_is_lost(self):
        bridge = next(
            i
            for i, c in enumerate(self.events)
            if b"CC-Action: bridge-agent-start" in c.data
        )
        first = self.session(self.events[: bridge + 1])
        # When the listener is back, FreeSWITCH has no channel left: the
        # call ended while nobody listened.
        second = self.session([], live=[])
        with ReplayServer(first, close_at=len(first), then=[second]) as server:
            with self.assertLogs(LISTENER_LOGGER, "WARNING"), mute_logger(ESL_LOGGER):
                self.listen(server, quiet=False)
        call = self.Call.search([("unique_id", "=", self.leg)])
        self.assertEqual(call.state, "ended")
        self.assertEqual(call.hangup_cause, "LOST_WHILE_DISCONNECTED")
        self.assertTrue(call.date_ended)
        self.assertEqual(len(call.interaction_id), 1)

    def test_killed_while_the_agent_answered_the_queue_tells(self):
        """A listener killed with events read and not applied: the caller's
        offer and bridge to the agent are gone. Back, it asks mod_callcenter
        who is in the queue: the caller is answered by 1000@default (the
        recorded answer), so the call is rebuilt as it is before its next
        event: talking, the agent on it, their handled contact."""
        offering = next(
            i
            for i, c in enumerate(self.events)
            if b"CC-Action: agent-offering" in c.data
        )
        bridge = next(
            i
            for i, c in enumerate(self.events)
            if b"CC-Action: bridge-agent-start" in c.data
        )
        members = {self.queue.name: recorded_members()}
        first = self.session(self.events[:offering])
        # Nothing after the offer until the bridge reaches Odoo.
        second = self.session([], live=[self.leg], members=members)
        with ReplayServer(first, close_at=len(first), then=[second]) as server:
            with self.assertLogs(LISTENER_LOGGER, "WARNING"), mute_logger(ESL_LOGGER):
                self.listen(server, quiet=False)
        call = self.Call.search([("unique_id", "=", self.leg)])
        self.assertEqual(call.state, "talking")
        self.assertEqual(call.agent_id, self.agent)
        self.assertEqual(call.queue_id, self.queue)
        self.assertEqual(call.date_answered, datetime(2026, 11, 29, 8, 39, 5))
        self.assertEqual(call.interaction_id.agent_id, self.agent)
        self.assertEqual(
            self.env["cc.presence.log"]._cc_current(self.agent)[self.agent.id].state,
            "on_call",
        )
        # The agent's tab shows the call.
        cards = [
            card
            for card in self.bus_messages(self.agent.user_id)
            if card.get("call_id") == call.id
        ]
        self.assertTrue(cards)
        self.assertEqual(cards[-1]["state"], "talking")
        # The rest of the call then comes: nothing doubled.
        third = self.session(self.events[bridge + 1 :], live=[self.leg])
        with ReplayServer(third) as server:
            self.listen(server)
        call = self.assertRecordedCall()
        self.assertEqual(
            self.env["cc.interaction"].search_count(
                [("source_key", "=", f"cc.call:{self.leg}")]
            ),
            1,
        )

    def test_the_card_goes_ahead_of_the_offer(self):
        """The caller waiting in the queue when the agent is offered the call
        (the listener connected again in between, so that the offer comes
        alone): the card is sent ahead of the offer, once, the call then
        recorded whole as ever."""
        offering = next(
            i
            for i, c in enumerate(self.events)
            if b"CC-Action: agent-offering" in c.data
        )
        with ReplayServer(self.session(self.events[:offering])) as server:
            self.listen(server)
        call = self.Call.search([("unique_id", "=", self.leg)])
        self.assertEqual(call.state, "queued")
        self.bus_messages(self.agent.user_id)
        self.env["bus.bus"].sudo().search([]).unlink()
        # mod_callcenter's members after the reconnection: the caller waits.
        members = recorded_members().splitlines()
        row = next(line for line in members if self.leg in line).split("|")
        row[9], row[13], row[14], row[15] = "0", "", "", "Waiting"
        members = {self.queue.name: "\n".join([members[0], "|".join(row), "+OK", ""])}
        popped = []
        pop_ahead = cc_listener.NodeWorker._pop_ahead

        def spy(worker, events):
            popped.append(pop_ahead(worker, events))
            return popped[-1]

        session = self.session(self.events[offering:], live=[self.leg], members=members)
        with patch.object(cc_listener.NodeWorker, "_pop_ahead", spy):
            with ReplayServer(session) as server:
                self.listen(server)
        self.assertIn({(self.leg, self.agent.id)}, popped)
        self.assertRecordedCall()
        cards = self.bus_messages(self.agent.user_id)
        whole = [card for card in cards if not card.get("update")]
        self.assertEqual([card["state"] for card in whole], ["offering"])
        self.assertEqual(whole[0]["call_id"], call.id)
        self.assertEqual(whole[0]["partner"]["id"], self.caller.id)
        self.assertEqual(whole[0]["number"], "+966 50 123 4567")
        self.assertIs(cards[0], whole[0])

    def test_websockets_told_on_a_kept_connection(self):
        """Odoo's websocket servers listen on the postgres database: the
        worker tells them of the cards it sent ahead on a connection it
        keeps, opened again when lost."""
        import psycopg2

        from odoo import sql_db

        _db, info = sql_db.connection_info_for("postgres")
        listening = psycopg2.connect(**info)
        listening.autocommit = True
        self.addCleanup(listening.close)
        with listening.cursor() as cur:
            cur.execute("LISTEN imbus")
        worker = cc_listener.NodeWorker(self.registry, self.server.id)
        self.addCleanup(worker._close_bus)
        channel = (self.env.cr.dbname, "res.partner", self.user_agent.partner_id.id)

        def heard():
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                listening.poll()
                if listening.notifies:
                    payloads = [json.loads(n.payload) for n in listening.notifies]
                    listening.notifies.clear()
                    return payloads
                time.sleep(0.01)
            return []

        worker._notify_bus([channel])
        self.assertEqual(heard(), [[list(channel)]])
        kept = worker.bus_connection
        worker._notify_bus([channel])
        self.assertIs(worker.bus_connection, kept)
        self.assertEqual(heard(), [[list(channel)]])
        # Lost (PostgreSQL restarted, say): opened again, nothing lost.
        kept.close()
        worker._notify_bus([channel])
        self.assertIsNot(worker.bus_connection, kept)
        self.assertEqual(heard(), [[list(channel)]])

    def test_websockets_told_the_bus_way_when_the_kept_connection_fails(self):
        """The postgres database cannot be reached on the worker's own
        connection, twice: it says so (without the password), then tells the
        websockets as Odoo's bus does; should that fail too, it is logged and
        the worker goes on (the cards stay in bus.bus)."""
        import psycopg2

        worker = cc_listener.NodeWorker(self.registry, self.server.id)
        channel = (self.env.cr.dbname, "res.partner", self.user_agent.partner_id.id)
        refused = psycopg2.OperationalError("connection refused\nDETAIL: more")
        told = []
        with (
            patch.object(
                cc_listener.psycopg2, "connect", side_effect=refused
            ) as connect,
            patch.object(cc_listener, "bus_notify", told.append),
            self.assertLogs(LISTENER_LOGGER, "WARNING") as logs,
        ):
            worker._notify_bus([channel])
        self.assertEqual(connect.call_count, 2)
        self.assertEqual(told, [[channel]])
        self.assertIn("could not tell the websockets of new cards", logs.output[0])
        self.assertIn("connection refused", logs.output[0])
        self.assertNotIn("DETAIL", logs.output[0])
        self.assertIsNone(worker.bus_connection)
        with (
            patch.object(cc_listener.psycopg2, "connect", side_effect=refused),
            patch.object(cc_listener, "bus_notify", side_effect=refused),
            self.assertLogs(LISTENER_LOGGER, "ERROR") as logs,
        ):
            worker._notify_bus([channel])
        self.assertIn("the websockets were not told", logs.output[-1])

    def test_events_wait_while_the_database_is_away(self):
        """PostgreSQL restarting: the batch is tried again until it answers,
        never skipped (a restart cost calls before)."""
        import psycopg2

        events = as_trunk_call(recorded_events("callcenter_plain"))
        worker = cc_listener.NodeWorker(self.registry, self.server.id)
        cursor = self.registry.cursor
        failures = [
            psycopg2.OperationalError("the database system is shutting down"),
            psycopg2.InterfaceError("connection already closed"),
        ]

        def flaky_cursor():
            if failures:
                raise failures.pop(0)
            return cursor()

        with (
            patch.object(worker.registry, "cursor", flaky_cursor),
            patch.object(worker.stopping, "wait", lambda delay: False),
            self.assertLogs(LISTENER_LOGGER, "WARNING") as logs,
        ):
            worker.apply(events)
        self.assertFalse(failures)
        self.assertIn("the database is away", logs.output[0])
        self.assertFalse(any("skipped" in line for line in logs.output))
        call = self.Call.search([("unique_id", "=", customer_leg(events))])
        self.assertEqual(call.state, "ended")
        self.assertTrue(call.date_answered)

    def test_an_error_that_would_repeat_costs_only_its_event(self):
        """A statement cancelled (or a full disk) is no restart: the batch is
        not held back forever, each event is tried alone and skipped."""
        import psycopg2.errors

        events = as_trunk_call(recorded_events("callcenter_plain"))[:2]
        worker = cc_listener.NodeWorker(self.registry, self.server.id)
        worker.last_health = time.monotonic()  # no health written meanwhile
        calls = []

        def cancelled_cursor():
            calls.append(1)
            if len(calls) > 20:  # retrying for ever: stop the test, fail below
                raise RuntimeError("retried for ever")
            raise psycopg2.errors.QueryCanceled("canceling statement due to timeout")

        with (
            patch.object(worker.registry, "cursor", cancelled_cursor),
            patch.object(worker.stopping, "wait", lambda delay: False),
            mute_logger(LISTENER_LOGGER),
        ):
            worker.apply(events)
        # The batch once, then each event once.
        self.assertEqual(len(calls), 1 + len(events))

    def test_wrong_password_is_reported_on_the_node(self):
        session = [
            self.recorded[0],
            Chunk("SEND", f"auth {PASSWORD}\n\n".encode()),
            *[c for c in recording("bad_password") if c.kind == "RECV"][1:],
        ]
        with ReplayServer(session) as server:
            with (
                self.assertLogs(LISTENER_LOGGER, "ERROR") as logs,
                mute_logger(ESL_LOGGER),
            ):
                # No second attempt within the test: the node keeps the error.
                self.listen(server, quiet=False, retry=60)
        self.assertEqual(self.server.state, "error")
        self.assertIn("refused the password", self.server.last_error)
        self.assertNotIn(PASSWORD, self.server.last_error + "\n".join(logs.output))


class FakeWorker(threading.Thread):
    """Stands for a NodeWorker: only starts and stops."""

    started = []

    def __init__(self, registry, server_id, settings=None):
        super().__init__(daemon=True)
        self.server_id, self.settings = server_id, settings
        self.stopping = threading.Event()
        self.started.append(self)

    def run(self):
        self.stopping.wait(10)

    def stop(self):
        self.stopping.set()


@tagged("post_install", "-at_install")
class TestListenerCommand(TelephonyCase):
    """The workers follow the nodes: started for enabled ones, restarted when
    a node's address changes, stopped when it is disabled; SIGTERM ends all."""

    def test_workers_follow_the_nodes(self):
        self.env.flush_all()
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        listener = cc_listener.Listener(self.env.cr.dbname)
        started = FakeWorker.started = []
        Worker = FakeWorker

        original = cc_listener.NodeWorker
        cc_listener.NodeWorker = Worker
        try:
            listener._sync_workers(self.registry)
            first = listener.workers[self.server.id]
            self.assertEqual(
                first.settings, ("127.0.0.1", 18021, "S3cret-ESL-for-tests")
            )
            # Unchanged: the same worker goes on.
            listener._sync_workers(self.registry)
            self.assertIs(listener.workers[self.server.id], first)
            # A new port: a new worker, the old one stopped.
            self.server.esl_port = 18022
            self.env.flush_all()
            listener._sync_workers(self.registry)
            self.assertTrue(first.stopping.is_set())
            self.assertEqual(listener.workers[self.server.id].settings[1], 18022)
            # Disabled: stopped, none in its place.
            self.server.enabled = False
            self.env.flush_all()
            second = listener.workers[self.server.id]
            listener._sync_workers(self.registry)
            self.assertTrue(second.stopping.is_set())
            self.assertNotIn(self.server.id, listener.workers)
            # SIGTERM (Listener.stop) ends serve_forever and every worker.
            self.server.enabled = True
            self.env.flush_all()
            cc_listener.NODES_EVERY, every = 0.05, cc_listener.NODES_EVERY
            try:
                thread = threading.Thread(target=listener.serve_forever)
                thread.start()
                deadline = time.monotonic() + 5
                while len(started) < 3 and time.monotonic() < deadline:
                    time.sleep(0.01)
                listener.stop()
                thread.join(10)
            finally:
                cc_listener.NODES_EVERY = every
            self.assertFalse(thread.is_alive())
            self.assertEqual(len(started), 3)
            self.assertTrue(all(worker.stopping.is_set() for worker in started))
        finally:
            cc_listener.NodeWorker = original
