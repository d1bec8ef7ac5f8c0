"""The Event Socket client against recorded FreeSWITCH 1.10.12 traffic.

The recordings in fixtures/esl/ are byte-exact transcripts of real sessions;
esl_replay plays FreeSWITCH's side of them over a real TCP socket.
"""

import json
import random
import socket
import threading
from pathlib import Path
from queue import Empty, Queue
from urllib.parse import quote

from odoo.tests import BaseCase
from odoo.tools import mute_logger

from odoo.addons.cc_telephony.tools import esl

from .esl_replay import (
    BYTES,
    COALESCE,
    RANDOM,
    RECORDED,
    EchoServer,
    ReplayServer,
    find_chunk,
    parse_recording,
    received_bytes,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "esl"
ESL_LOGGER = esl.__name__
TIMEOUT = 5.0
# Recordings that come with their events decoded (<name>.events.json).
EVENT_RECORDINGS = (
    "loopback_call_plain",
    "loopback_call_json",
    "callcenter_plain",
    "click_to_dial_sip_plain",
    "sipp_plain",
)
# callcenter_plain.events.json starts with the call: the three events emitted
# while the agent was being configured, before the originate, are not in it.
NOT_IN_EVENTS_JSON = {
    "callcenter_plain": ["agent-add", "agent-contact-change", "agent-status-change"]
}
LOOPBACK_ORIGINATE = (
    "originate {origination_caller_id_number=5551234,"
    "origination_caller_id_name=Alice}loopback/9664/default &park()"
)
LOOPBACK_EVENTS = [
    "CHANNEL_CREATE",
    "CHANNEL_ANSWER",
    "CHANNEL_BRIDGE",
    "CHANNEL_HANGUP_COMPLETE",
    "CHANNEL_HANGUP",
    "BACKGROUND_JOB",
]
ARABIC_NAME = "محمد العتيبي"
# Frames a broken or hostile peer could send; each counts once as malformed.
GARBAGE_LINE = b"this line has no colon\nContent-Type: api/response\n\n"
BAD_LENGTH = b"Content-Type: api/response\nContent-Length: 12abc\n\n"
NEGATIVE_LENGTH = b"Content-Type: api/response\nContent-Length: -5\n\n"
HUGE_CLAIM = b"Content-Type: text/event-plain\nContent-Length: 20971520\n\n"
ENDLESS_DIGITS = b"Content-Type: api/response\nContent-Length: " + b"9" * 5000 + b"\n\n"
NOT_UTF8_HEADERS = b"Content-Type: api/response\nX-Name: \xff\xfe\n\n"
NOT_UTF8_BODY = b"Content-Type: api/response\nContent-Length: 4\n\n\xc3\x28\xa0\xa1"
NO_CONTENT_TYPE = b"Reply-Text: +OK\n\n"
SECRET_FRAME = b"Content-Type: command/reply\nReply-Text: +OK S3cret-ESL\nbroken\n\n"
MALFORMED_FRAMES = [
    GARBAGE_LINE,
    BAD_LENGTH,
    NEGATIVE_LENGTH,
    HUGE_CLAIM,
    ENDLESS_DIGITS,
    NOT_UTF8_HEADERS,
    NOT_UTF8_BODY,
    NO_CONTENT_TYPE,
    SECRET_FRAME,
]


def load_chunks(name):
    return parse_recording(FIXTURES / f"{name}.raw.txt")


def load_expected(name):
    return json.loads((FIXTURES / f"{name}.events.json").read_text(encoding="utf-8"))


def frame(headers, body=b""):
    """An outer ESL frame with the right Content-Length, in bytes."""
    lines = list(headers)
    if body:
        lines.insert(0, f"Content-Length: {len(body)}")
    return ("\n".join(lines) + "\n\n").encode() + body


def plain_event(headers, body=""):
    """A text/event-plain frame; header values %-encoded as FreeSWITCH does."""
    lines = [f"{name}: {quote(value, safe='')}" for name, value in headers.items()]
    inner_body = body.encode()
    if inner_body:
        lines.append(f"Content-Length: {len(inner_body)}")
    inner = ("\n".join(lines) + "\n\n").encode() + inner_body
    return frame(["Content-Type: text/event-plain"], inner)


def random_pieces(data, rng, largest=3000):
    pieces = []
    pos = 0
    while pos < len(data):
        size = rng.randint(1, largest)
        pieces.append(data[pos : pos + size])
        pos += size
    return pieces


def parse_pieces(pieces, parser=None):
    """Messages and events of a stream fed piece by piece to one parser."""
    parser = parser or esl.EslParser()
    messages = [message for piece in pieces for message in parser.feed(piece)]
    events = [event for event in map(esl.parse_event, messages) if event]
    return parser, messages, events


class Recorder:
    """Callbacks of a connection, recorded from the reader thread."""

    def __init__(self):
        self.events = []
        self.queue = Queue()
        self.disconnects = []
        self.disconnected = threading.Event()

    def on_event(self, event):
        self.events.append(event)
        self.queue.put(event)

    def on_disconnect(self, reason):
        self.disconnects.append(reason)
        self.disconnected.set()

    def next_event(self, name):
        """The next event called ``name`` (earlier ones are skipped)."""
        while True:
            try:
                event = self.queue.get(timeout=TIMEOUT)
            except Empty as error:
                raise AssertionError(f"no {name} event arrived") from error
            if event.name == name:
                return event


def play_commands(conn, chunks):
    """Send a recording's commands through the client's API; return the answers."""
    answers = []
    for chunk in chunks:
        if chunk.kind != "SEND" or chunk.line.startswith("auth "):
            continue
        lines = chunk.data.decode().rstrip("\n").split("\n")
        verb, _sep, argument = lines[0].partition(" ")
        if verb == "exit":
            conn.close()
        elif verb == "api":
            answers.append(conn.api(argument))
        elif verb == "bgapi":
            headers = dict(line.split(": ", 1) for line in lines[1:])
            answers.append(conn.bgapi(argument, job_uuid=headers.get("Job-UUID")))
        elif verb == "event":
            fmt, _sep, words = argument.partition(" ")
            names, _sep, custom = words.partition("CUSTOM")
            answers.append(conn.subscribe(names.split(), custom.split(), fmt=fmt))
        else:
            try:
                answers.append(conn.command(lines[0]))
            except esl.EslCommandError as error:
                answers.append(error)
    return answers


class EslCase(BaseCase):
    def assertEventsMatch(self, name, events):
        """``events`` are those of <name>.events.json: names, headers, bodies."""
        expected = load_expected(name)
        skipped = NOT_IN_EVENTS_JSON.get(name, [])
        self.assertEqual(
            [event["CC-Action"] for event in events[: len(skipped)]], skipped
        )
        events = events[len(skipped) :]
        self.assertEqual(
            [event.name for event in events],
            [record["Event-Name"] for record in expected],
        )
        for event, record in zip(events, expected, strict=True):
            headers = {key: value for key, value in record.items() if key != "_body"}
            self.assertEqual(dict(event), headers)
            if "_body" in record:
                self.assertEqual(event.body, record["_body"])
            else:
                # events.json leaves plain bodies out: check their size in bytes.
                size = int(record.get("Content-Length", 0))
                self.assertEqual(len(event.body.encode()), size)

    def start_server(self, chunks, **options):
        server = ReplayServer(chunks, timeout=TIMEOUT, **options).start()
        self.addCleanup(server.stop)
        return server

    def connect(self, server, recorder=None, password="ClueCon", **options):
        recorder = recorder or Recorder()
        conn = esl.EslConnection(
            server.host,
            server.port,
            password,
            timeout=options.pop("timeout", TIMEOUT),
            on_event=recorder.on_event,
            on_disconnect=recorder.on_disconnect,
        )
        conn.connect()
        self.addCleanup(conn.close)
        return conn, recorder

    def assertReaderEnded(self, conn):
        conn._reader.join(TIMEOUT)
        self.assertFalse(conn._reader.is_alive())


class TestEslParser(EslCase):
    """The framing and event decoding alone, without a socket."""

    def test_recordings_give_their_events(self):
        for name in EVENT_RECORDINGS:
            with self.subTest(recording=name):
                chunks = load_chunks(name)
                pieces = [chunk.data for chunk in chunks if chunk.kind == "RECV"]
                parser, _messages, events = parse_pieces(pieces)
                self.assertEventsMatch(name, events)
                self.assertEqual(parser.malformed, 0)

    def test_any_split_gives_the_same_events(self):
        """TCP may cut anywhere: every byte alone, random sizes, one big read."""
        for name in EVENT_RECORDINGS:
            data = received_bytes(load_chunks(name))
            splits = {
                "bytes": [data[pos : pos + 1] for pos in range(len(data))],
                "one read": [data],
            }
            for seed in range(3):
                splits[f"random {seed}"] = random_pieces(data, random.Random(seed))
            for split, pieces in splits.items():
                with self.subTest(recording=name, split=split):
                    parser, _messages, events = parse_pieces(pieces)
                    self.assertEventsMatch(name, events)
                    self.assertEqual(parser.malformed, 0)

    def test_other_recordings_parse_cleanly(self):
        counts = {
            "callcenter_json": (9, ["CUSTOM", "CUSTOM"]),
            "custom_job_uuid": (6, ["BACKGROUND_JOB"]),
            "misc_commands": (
                13,
                ["BACKGROUND_JOB", "CHANNEL_CREATE"]
                + ["CHANNEL_HANGUP_COMPLETE", "BACKGROUND_JOB"],
            ),
            "bad_password": (3, []),
        }
        for name, (message_count, event_names) in counts.items():
            with self.subTest(recording=name):
                data = received_bytes(load_chunks(name))
                parser, messages, events = parse_pieces([data])
                self.assertEqual(len(messages), message_count)
                self.assertEqual([event.name for event in events], event_names)
                self.assertEqual(parser.malformed, 0)

    def test_several_messages_in_one_read(self):
        data = (
            b"Content-Type: auth/request\n\n"
            b"Content-Type: command/reply\nReply-Text: +OK accepted\n\n"
            b"Content-Type: api/response\nContent-Length: 4\n\n+OK\n"
            b"Content-Type: command/reply\nReply-Text: +OK Job-UUID: 42\nJob-"
        )
        parser = esl.EslParser()
        messages = parser.feed(data)
        self.assertEqual(
            [message.content_type for message in messages],
            ["auth/request", "command/reply", "api/response"],
        )
        self.assertEqual(messages[1].headers["Reply-Text"], "+OK accepted")
        self.assertEqual(messages[2].body, "+OK\n")
        # The fourth is incomplete: it stays buffered until the rest arrives.
        (last,) = parser.feed(b"UUID: 42\n\n")
        self.assertEqual(last.headers["Job-UUID"], "42")
        self.assertEqual(parser.malformed, 0)

    def test_lengths_count_bytes_not_characters(self):
        """Arabic text: Content-Length counts UTF-8 bytes, outer and inner."""
        body = f"+OK {ARABIC_NAME}\n".encode()
        reply = frame(["Content-Type: api/response"], body)
        event = plain_event(
            {"Event-Name": "CHANNEL_CREATE", "Caller-Caller-ID-Name": ARABIC_NAME},
            body=f"{ARABIC_NAME}\n",
        )
        follower = b"Content-Type: command/reply\nReply-Text: +OK\n\n"
        data = reply + event + follower
        self.assertNotEqual(len(body), len(body.decode()))
        for pieces in ([data], [data[pos : pos + 1] for pos in range(len(data))]):
            parser, messages, events = parse_pieces(pieces)
            self.assertEqual(len(messages), 3)
            self.assertEqual(messages[0].body, body.decode())
            self.assertEqual(events[0]["Caller-Caller-ID-Name"], ARABIC_NAME)
            self.assertEqual(events[0].body, f"{ARABIC_NAME}\n")
            self.assertEqual(messages[2].headers["Reply-Text"], "+OK")
            self.assertEqual(parser.malformed, 0)

    def test_values_are_percent_decoded_only(self):
        inner = (
            b"Event-Name: CUSTOM\nEvent-Subclass: callcenter%3A%3Ainfo\n"
            b"Caller-Caller-ID-Number: %2B966500000000\nLiteral: 1+1\n"
            b"Spaced: Outbound%20Call\n\n"
        )
        (message,) = esl.EslParser().feed(
            frame(["Content-Type: text/event-plain"], inner)
        )
        event = esl.parse_event(message)
        self.assertEqual(event["Caller-Caller-ID-Number"], "+966500000000")
        self.assertEqual(event["Literal"], "1+1")
        self.assertEqual(event["Spaced"], "Outbound Call")
        self.assertEqual(event.subclass, "callcenter::info")

    def test_event_accessors(self):
        data = received_bytes(load_chunks("loopback_call_plain"))
        _parser, _messages, events = parse_pieces([data])
        create, job = events[0], events[4]
        self.assertEqual(create.name, "CHANNEL_CREATE")
        self.assertIsNone(create.subclass)
        self.assertEqual(create.unique_id, "c1c00836-2f35-4c72-94cd-d56ba81d25dd")
        self.assertEqual(create.timestamp, 1795941491038638)
        self.assertEqual(create["FreeSWITCH-IPv6"], "fd00::2")
        self.assertEqual(create.get("No-Such-Header", "-"), "-")
        self.assertEqual(create.body, "")
        self.assertEqual(job.body, "+OK c1c00836-2f35-4c72-94cd-d56ba81d25dd\n")
        with self.assertRaises(TypeError):
            create["Unique-ID"] = "forged"
        undated = esl.EslEvent({"Event-Name": "X", "Event-Date-Timestamp": "soon"})
        self.assertIsNone(undated.timestamp)

    def test_json_events(self):
        payload = {"Event-Name": "BACKGROUND_JOB", "Job-UUID": "42", "_body": "+OK\n"}
        message = esl.EslMessage(
            {"Content-Type": "text/event-json"}, json.dumps(payload)
        )
        event = esl.parse_event(message)
        self.assertEqual(
            dict(event), {"Event-Name": "BACKGROUND_JOB", "Job-UUID": "42"}
        )
        self.assertEqual(event.body, "+OK\n")
        reply = esl.EslMessage({"Content-Type": "api/response"}, "+OK\n")
        self.assertIsNone(esl.parse_event(reply))

    def test_malformed_frames_are_skipped_and_counted(self):
        """Each bad frame costs itself only: the valid ones around it arrive."""
        valid = load_chunks("loopback_call_plain")
        valid = [chunk.data for chunk in valid if chunk.kind == "RECV"]
        data = b""
        for index, bad in enumerate(MALFORMED_FRAMES):
            data += valid[index] + bad
        data += b"".join(valid[len(MALFORMED_FRAMES) :])
        splits = {"one read": [data], "bytes": [bytes([byte]) for byte in data]}
        splits["random"] = random_pieces(data, random.Random(1), largest=100)
        for split, pieces in splits.items():
            with self.subTest(split=split):
                with self.assertLogs(ESL_LOGGER, "WARNING") as logs:
                    parser, messages, events = parse_pieces(pieces)
                self.assertEqual(parser.malformed, len(MALFORMED_FRAMES))
                self.assertEqual(len(logs.records), len(MALFORMED_FRAMES))
                self.assertEqual(len(messages), len(valid))
                self.assertEventsMatch("loopback_call_plain", events)
                for record in logs.output:
                    # Short, and never the frame's content (secrets, names).
                    self.assertLess(len(record), 160)
                    self.assertNotIn("S3cret", record)
                    self.assertNotIn("colon", record)

    def test_endless_header_block_is_dropped(self):
        """A peer sending 70 KB without an empty line cannot grow the buffer."""
        data = b"X-Junk: " + b"x" * 70_000 + b"\n\n"
        data += b"Content-Type: api/response\nContent-Length: 3\n\n+OK"
        for pieces in ([data], [data[pos : pos + 1] for pos in range(len(data))]):
            parser = esl.EslParser()
            with self.assertLogs(ESL_LOGGER, "WARNING"):
                messages = [
                    message for piece in pieces for message in parser.feed(piece)
                ]
            self.assertEqual([message.body for message in messages], ["+OK"])
            self.assertEqual(parser.malformed, 1)
            self.assertLessEqual(len(parser._buffer), parser.max_header + 1)

    def test_truncated_frame_at_end_of_stream(self):
        data = received_bytes(load_chunks("loopback_call_plain"))
        cut = data[: data.rindex(b"Event-Name: CHANNEL_HANGUP_COMPLETE") + 30]
        parser, _messages, events = parse_pieces([cut])
        self.assertEqual(len(events), 8)
        self.assertEqual(parser.malformed, 0)
        with self.assertLogs(ESL_LOGGER, "WARNING") as logs:
            parser.finish()
        self.assertEqual(parser.malformed, 1)
        self.assertIn("truncated", logs.output[0])
        parser.finish()  # nothing left: not counted twice
        self.assertEqual(parser.malformed, 1)

    def test_malformed_events_give_none(self):
        plain = "text/event-plain"
        cases = {
            "line without colon": (plain, "Event-Name: X\nbroken\n\n"),
            "inner length too big": (plain, "Event-Name: X\nContent-Length: 99\n\nab"),
            "inner length not a number": (
                plain,
                "Event-Name: X\nContent-Length: x\n\n",
            ),
            "length cuts a character": (
                plain,
                f"Event-Name: X\nContent-Length: 1\n\n{ARABIC_NAME}",
            ),
            "no Event-Name": (plain, "Unique-ID: 42\n\n"),
            "not JSON": ("text/event-json", '{"Event-Name": '),
            "not an object": ("text/event-json", '["Event-Name"]'),
            "nested value": ("text/event-json", '{"Event-Name": "X", "a": {"b": 1}}'),
            "number value": ("text/event-json", '{"Event-Name": "X", "a": 1}'),
            "deep nesting": ("text/event-json", "[" * 100_000),
        }
        for case, (content_type, body) in cases.items():
            with self.subTest(case=case):
                message = esl.EslMessage({"Content-Type": content_type}, body)
                with self.assertLogs(ESL_LOGGER, "WARNING") as logs:
                    self.assertIsNone(esl.parse_event(message))
                self.assertEqual(len(logs.records), 1)

    def test_damaged_streams_never_raise(self):
        """Random damage to real traffic: the parser keeps going, always."""
        data = received_bytes(load_chunks("loopback_call_json"))
        data += received_bytes(load_chunks("loopback_call_plain"))
        for seed in range(40):
            rng = random.Random(seed)
            damaged = bytearray(data)
            for _damage in range(rng.randint(1, 20)):
                pos = rng.randrange(len(damaged))
                action = rng.choice(("flip", "insert", "delete", "newlines"))
                if action == "flip":
                    damaged[pos] = rng.randrange(256)
                elif action == "insert":
                    damaged[pos:pos] = bytes(rng.randrange(256) for _ in range(9))
                elif action == "delete":
                    del damaged[pos : pos + rng.randint(1, 50)]
                else:
                    damaged[pos:pos] = b"\n\n"
            with self.subTest(seed=seed), mute_logger(ESL_LOGGER):
                parser, _messages, _events = parse_pieces(
                    random_pieces(bytes(damaged), rng, largest=5000)
                )
                parser.finish()
                # And the same parser reads a clean stream afterwards.
                (reply,) = parser.feed(b"Content-Type: auth/request\n\n")
                self.assertEqual(reply.content_type, "auth/request")

    def test_backoff_delays_double_with_jitter(self):
        delays = esl.backoff_delays(initial=1, maximum=10, rng=random.Random(5))
        steps = [1, 2, 4, 8, 10, 10, 10]
        for step, delay in zip(steps, delays, strict=False):
            self.assertGreaterEqual(delay, step / 2)
            self.assertLessEqual(delay, step)
        with self.assertRaises(ValueError):
            next(esl.backoff_delays(initial=0))

    def test_commands_cannot_smuggle_lines(self):
        conn = esl.EslConnection("127.0.0.1", 1, "ClueCon")
        with self.assertRaises(ValueError):
            conn.api("status\n\napi hupall")
        with self.assertRaises(ValueError):
            conn.bgapi("originate user/1000 &park()", job_uuid="42\nevent plain ALL")
        with self.assertRaises(ValueError):
            esl.EslConnection("127.0.0.1", 1, "pass\nword")
        with self.assertRaises(esl.EslConnectionLost):
            conn.api("status")  # never connected


class TestEslConnection(EslCase):
    """The client against FreeSWITCH's recorded side, over a real socket."""

    def test_recordings_through_a_socket(self):
        """Every recording, cut every way: same events, same commands, in order."""
        for name in EVENT_RECORDINGS:
            chunks = load_chunks(name)
            for chunking in (RECORDED, BYTES, RANDOM, COALESCE):
                with self.subTest(recording=name, chunking=chunking):
                    server = self.start_server(chunks, chunking=chunking, seed=7)
                    conn, recorder = self.connect(server)
                    play_commands(conn, chunks)
                    server.check()
                    self.assertEqual(recorder.disconnects, ["closed by client"])
                    self.assertEventsMatch(name, recorder.events)
                    self.assertEqual(conn.malformed, 0)
                    self.assertEqual(
                        server.commands,
                        [chunk.data for chunk in chunks if chunk.kind == "SEND"],
                    )

    def test_wrong_password(self):
        server = self.start_server(load_chunks("bad_password"), chunking=COALESCE)
        recorder = Recorder()
        conn = esl.EslConnection(
            server.host,
            server.port,
            "WrongPass",
            timeout=TIMEOUT,
            on_disconnect=recorder.on_disconnect,
        )
        with self.assertRaises(esl.EslAuthError) as caught:
            conn.connect()
        self.assertNotIn("WrongPass", str(caught.exception))
        self.assertNotIn("WrongPass", repr(caught.exception.args))
        self.assertIn("-ERR invalid", str(caught.exception))
        self.assertFalse(conn.connected)
        self.assertIsNone(conn._reader)
        conn.close()
        self.assertEqual(recorder.disconnects, [])
        server.stop()
        self.assertEqual(server.commands, [b"auth WrongPass\n\n"])

    def test_good_password_connects_and_closes_once(self):
        loopback = load_chunks("loopback_call_plain")
        # auth, then exit: "+OK bye" and the disconnect notice.
        server = self.start_server(loopback[:3] + loopback[-3:])
        recorder = Recorder()
        with esl.EslConnection(
            server.host,
            server.port,
            "ClueCon",
            timeout=TIMEOUT,
            on_disconnect=recorder.on_disconnect,
        ) as conn:
            self.assertTrue(conn.connected)
            self.assertTrue(conn._reader.is_alive())
        self.assertFalse(conn.connected)
        self.assertFalse(conn._reader.is_alive())
        conn.close()
        conn.close()
        self.assertEqual(recorder.disconnects, ["closed by client"])
        server.check()
        self.assertEqual(server.commands, [b"auth ClueCon\n\n", b"exit\n\n"])
        with self.assertRaises(esl.EslConnectionLost):
            conn.command("event plain ALL")
        with self.assertRaises(esl.EslError):
            conn.connect()

    def test_api_and_bgapi_replies_while_events_arrive(self):
        chunks = load_chunks("loopback_call_plain")
        server = self.start_server(chunks)
        conn, recorder = self.connect(server)
        reply = conn.subscribe(LOOPBACK_EVENTS, custom=["callcenter::info"])
        self.assertEqual(reply, "+OK event listener enabled plain")
        status = conn.api("status")
        self.assertTrue(status.startswith("UP 0 years"))
        self.assertIn("FreeSWITCH (Version 1.10.12-release  64bit) is ready", status)
        job_uuid = conn.bgapi(LOOPBACK_ORIGINATE)
        self.assertEqual(job_uuid, "67b5845d-2e21-4bad-9ff3-601897e33e49")
        job = recorder.next_event("BACKGROUND_JOB")
        self.assertEqual(job["Job-UUID"], job_uuid)
        self.assertEqual(job.body, "+OK c1c00836-2f35-4c72-94cd-d56ba81d25dd\n")
        hangup = conn.api("hupall NORMAL_CLEARING")
        self.assertEqual(hangup, "+OK hangup all channels with cause NORMAL_CLEARING\n")
        conn.close()
        server.check()
        self.assertEqual(
            [event.name for event in recorder.events],
            ["CHANNEL_CREATE"] * 2
            + ["CHANNEL_ANSWER"] * 2
            + ["BACKGROUND_JOB"]
            + ["CHANNEL_HANGUP"] * 2
            + ["CHANNEL_HANGUP_COMPLETE"] * 2,
        )

    def test_events_between_a_command_and_its_reply(self):
        """callcenter: two agent events arrive before "set status" is answered."""
        chunks = load_chunks("callcenter_plain")
        server = self.start_server(chunks)
        conn, recorder = self.connect(server)
        play_commands(conn, chunks[:8])
        self.assertEqual(recorder.events, [])
        reply = conn.api("callcenter_config agent set status 1000@default Available")
        self.assertEqual(reply, "+OK\n")
        self.assertEqual(
            [event["CC-Action"] for event in recorder.events],
            ["agent-add", "agent-contact-change"],
        )
        play_commands(conn, chunks[11:])
        server.check()
        self.assertEqual(len(recorder.events), 36)

    def test_client_chosen_job_uuid(self):
        server = self.start_server(load_chunks("custom_job_uuid"))
        conn, recorder = self.connect(server)
        self.assertEqual(
            conn.subscribe("BACKGROUND_JOB"), "+OK event listener enabled plain"
        )
        job_uuid = conn.bgapi(
            "originate loopback/9664/default &park()", job_uuid="odoo-c2d-0000000042"
        )
        self.assertEqual(job_uuid, "odoo-c2d-0000000042")
        job = recorder.next_event("BACKGROUND_JOB")
        self.assertEqual(job["Job-UUID"], "odoo-c2d-0000000042")
        self.assertEqual(job.body, "+OK d34773d9-d2b0-4ded-8ebc-6a6b59bb15fe\n")
        self.assertEqual(
            conn.api("hupall"), "+OK hangup all channels with cause MANAGER_REQUEST\n"
        )
        # The recording ends there: FreeSWITCH's side closes.
        self.assertTrue(recorder.disconnected.wait(TIMEOUT))
        self.assertEqual(recorder.disconnects, ["closed by FreeSWITCH"])
        self.assertReaderEnded(conn)
        conn.close()
        server.check()

    def test_error_replies(self):
        server = self.start_server(load_chunks("misc_commands"))
        conn, recorder = self.connect(server)
        self.assertEqual(
            conn.api("no_such_command"), "-ERR no_such_command Command not found!\n"
        )
        self.assertEqual(conn.api("uuid_kill"), "-USAGE: <uuid> [cause]\n")
        with self.assertRaises(esl.EslCommandError) as caught:
            conn.command("blah")
        self.assertEqual(caught.exception.reply_text, "-ERR command not found")
        self.assertIn("sip:mod_sofia@127.0.0.1:5060", conn.api("sofia status"))
        # CUSTOM anywhere among the names is moved last, before the subclasses.
        names = ["CUSTOM", "CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_BRIDGE"]
        names += ["CHANNEL_HANGUP_COMPLETE", "BACKGROUND_JOB"]
        conn.subscribe(names, "callcenter::info", fmt="json")
        absent = conn.bgapi("originate user/1005@127.0.0.1 &park()")
        self.assertEqual(absent, "0d920c83-d72a-4166-a1d1-b860b945f740")
        unreachable = conn.bgapi(
            "originate sofia/internal/nobody@127.0.0.1:5999 &park()"
        )
        self.assertEqual(unreachable, "0d5cceef-2b42-4973-81ec-14b0026dc1b4")
        # The first job's result arrived before the second bgapi's reply.
        self.assertGreaterEqual(len(recorder.events), 1)
        first = recorder.next_event("BACKGROUND_JOB")
        self.assertEqual(first["Job-UUID"], absent)
        self.assertEqual(first.body, "-ERR SUBSCRIBER_ABSENT\n")
        second = recorder.next_event("BACKGROUND_JOB")
        self.assertEqual(second["Job-UUID"], unreachable)
        self.assertEqual(second.body, "-ERR NORMAL_TEMPORARY_FAILURE\n")
        conn.close()
        server.check()
        self.assertEqual(recorder.disconnects, ["closed by client"])

    def _disconnect_mid_call(self, reset):
        loopback = load_chunks("loopback_call_plain")
        # auth, subscription, the call's first events, then two commands in
        # flight when FreeSWITCH goes away in the middle of its answer.
        script = loopback[:5] + loopback[9:13] + loopback[5:6] + loopback[7:8]
        script.append(loopback[6])
        server = self.start_server(script, close_at=(len(script) - 1, 40), reset=reset)
        conn, recorder = self.connect(server)
        conn.subscribe(LOOPBACK_EVENTS, custom=["callcenter::info"])
        failures = Queue()

        def call(method, *args):
            try:
                method(*args)
            except Exception as error:
                failures.put(error)

        status = threading.Thread(target=call, args=(conn.api, "status"))
        status.start()
        self.assertTrue(server.wait_commands(3))
        originate = threading.Thread(target=call, args=(conn.bgapi, LOOPBACK_ORIGINATE))
        originate.start()
        status.join(TIMEOUT)
        originate.join(TIMEOUT)
        errors = [failures.get(timeout=TIMEOUT), failures.get(timeout=TIMEOUT)]
        for error in errors:
            self.assertIsInstance(error, esl.EslConnectionLost)
        self.assertTrue(recorder.disconnected.wait(TIMEOUT))
        self.assertReaderEnded(conn)
        self.assertEqual(len(recorder.disconnects), 1)
        self.assertFalse(conn.connected)
        with self.assertRaises(esl.EslConnectionLost):
            conn.api("status")
        conn.close()
        self.assertEqual(len(recorder.disconnects), 1)
        server.check()
        return conn, recorder

    def test_disconnect_mid_call(self):
        with self.assertLogs(ESL_LOGGER, "WARNING") as logs:
            conn, recorder = self._disconnect_mid_call(reset=False)
        self.assertEqual(recorder.disconnects, ["closed by FreeSWITCH"])
        self.assertEqual(len(recorder.events), 4)
        # The answer cut short is a truncated frame.
        self.assertEqual(conn.malformed, 1)
        self.assertEqual(len(logs.records), 1)
        self.assertIn("truncated", logs.output[0])

    def test_connection_reset_mid_call(self):
        with mute_logger(ESL_LOGGER):
            conn, recorder = self._disconnect_mid_call(reset=True)
        self.assertTrue(recorder.disconnects[0].startswith(("connection", "closed")))

    def test_malformed_frames_through_a_socket(self):
        chunks = load_chunks("loopback_call_plain")
        answer = find_chunk(chunks, b"Event-Name: CHANNEL_ANSWER")
        job = find_chunk(chunks, b"Event-Name: BACKGROUND_JOB")
        hangup = find_chunk(chunks, b"Event-Name: CHANNEL_HANGUP\n")
        bad_event = plain_event({"Unique-ID": "no-event-name"})
        arabic = plain_event(
            {"Event-Name": "CUSTOM", "Event-Subclass": "cc::test", "Name": ARABIC_NAME},
            body=ARABIC_NAME,
        )
        inject = {
            answer: GARBAGE_LINE + BAD_LENGTH + NEGATIVE_LENGTH,
            job: HUGE_CLAIM + ENDLESS_DIGITS + NOT_UTF8_HEADERS + arabic,
            hangup: NOT_UTF8_BODY + NO_CONTENT_TYPE + SECRET_FRAME + bad_event,
        }
        for chunking in (RECORDED, RANDOM, BYTES):
            with self.subTest(chunking=chunking):
                server = self.start_server(chunks, chunking=chunking, inject=inject)
                with self.assertLogs(ESL_LOGGER, "WARNING") as logs:
                    conn, recorder = self.connect(server)
                    play_commands(conn, chunks)
                server.check()
                self.assertEqual(conn.malformed, len(MALFORMED_FRAMES) + 1)
                self.assertEqual(conn.malformed_events, 1)
                self.assertEqual(len(logs.records), len(MALFORMED_FRAMES) + 1)
                self.assertNotIn("S3cret", "\n".join(logs.output))
                custom = [event for event in recorder.events if event.name == "CUSTOM"]
                self.assertEqual(custom[0]["Name"], ARABIC_NAME)
                self.assertEqual(custom[0].body, ARABIC_NAME)
                self.assertEventsMatch(
                    "loopback_call_plain",
                    [event for event in recorder.events if event.name != "CUSTOM"],
                )
                self.assertEqual(recorder.events[4], custom[0])
                self.assertEqual(recorder.disconnects, ["closed by client"])

    def test_event_handler_errors_do_not_stop_the_reader(self):
        chunks = load_chunks("loopback_call_plain")
        server = self.start_server(chunks)
        recorder = Recorder()
        inside = []
        holder = {}

        def on_event(event):
            recorder.on_event(event)
            if len(recorder.events) == 1:
                raise RuntimeError("handler bug")
            if len(recorder.events) == 2:
                # Waiting for a reply here would block the reader for ever.
                try:
                    holder["conn"].api("status")
                except esl.EslError as error:
                    inside.append(error)

        conn = esl.EslConnection(
            server.host,
            server.port,
            "ClueCon",
            timeout=TIMEOUT,
            on_event=on_event,
            on_disconnect=recorder.on_disconnect,
        )
        holder["conn"] = conn
        conn.connect()
        self.addCleanup(conn.close)
        with self.assertLogs(ESL_LOGGER, "ERROR") as logs:
            play_commands(conn, chunks)
        server.check()
        self.assertEqual(len(logs.records), 1)
        self.assertIn("handler", logs.output[0])
        self.assertEqual(len(recorder.events), 9)
        self.assertEqual(len(inside), 1)
        self.assertEqual(recorder.disconnects, ["closed by client"])

    def test_timeout_keeps_replies_in_order(self):
        loopback = load_chunks("loopback_call_plain")
        # api status answered late, then api hupall.
        script = loopback[:3] + loopback[5:7] + loopback[14:16]
        server = self.start_server(script, hold_at=4)
        conn, _recorder = self.connect(server)
        with self.assertRaises(esl.EslTimeout):
            conn.api("status", timeout=0.2)
        server.release()
        # The late "status" answer goes to the request that gave up on it.
        hangup = conn.api("hupall NORMAL_CLEARING")
        self.assertEqual(hangup, "+OK hangup all channels with cause NORMAL_CLEARING\n")
        conn.close()
        server.check()

    def test_handshake_timeout_and_refused_connection(self):
        loopback = load_chunks("loopback_call_plain")
        server = self.start_server(loopback[:3], hold_at=0)
        conn = esl.EslConnection(server.host, server.port, "ClueCon", timeout=0.2)
        with self.assertRaises(esl.EslTimeout):
            conn.connect()
        self.assertFalse(conn.connected)
        server.release()
        server.stop()
        with socket.create_server(("127.0.0.1", 0)) as unused:
            port = unused.getsockname()[1]
        with self.assertRaises(esl.EslError) as caught:
            esl.EslConnection("127.0.0.1", port, "ClueCon").connect()
        self.assertNotIsInstance(caught.exception, esl.EslTimeout)

    def test_commands_from_many_threads(self):
        """Replies go to the thread that sent the command, events in between."""
        with EchoServer(timeout=TIMEOUT) as server:
            conn, recorder = self.connect(server)
            mismatches = []

            def work(worker):
                for number in range(25):
                    text = f"echo {worker}-{number}"
                    answer = conn.api(text)
                    if answer != text:
                        mismatches.append((text, answer))

            threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(TIMEOUT)
            conn.close()
        self.assertEqual(server.errors, [])
        self.assertEqual(mismatches, [])
        self.assertEqual(len(recorder.events), 200)
        self.assertEqual(recorder.disconnects, ["closed by client"])

    def test_replay_reports_unexpected_commands(self):
        """A wrong command fails the test through the replay, it does not hang."""
        server = self.start_server(load_chunks("loopback_call_plain"))
        conn, recorder = self.connect(server)
        with self.assertRaises(esl.EslConnectionLost):
            conn.api("status")  # the recording expects the subscription first
        self.assertTrue(recorder.disconnected.wait(TIMEOUT))
        with self.assertRaises(AssertionError) as caught:
            server.check()
        self.assertIn("api status", str(caught.exception))
        self.assertNotIn("ClueCon", str(caught.exception))
