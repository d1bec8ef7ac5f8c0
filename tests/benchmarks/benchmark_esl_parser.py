"""Benchmark: throughput of the Event Socket client on recorded FreeSWITCH traffic.

Replays the recordings of addons/cc_telephony/tests/fixtures/esl (FreeSWITCH
1.10.12, plain and JSON events) --repeat times and measures events/s and MB/s:

- in memory: EslParser + parse_event, fed the reads as FreeSWITCH made them and
  as 1,448-byte TCP segments, against a naive parser measured in the same run
  (it appends to a bytes buffer, splits on the first b"\\n\\n" from the start at
  every step and copies the rest, as quick ESL clients do);
- through a real socket: the tests' replay server sends the events to
  EslConnection (reader thread, parsing, dispatch to on_event), against the naive
  parser reading the same socket and a client that only drains it (the
  ceiling of the transport).

    .venv/bin/python tests/benchmarks/benchmark_esl_parser.py [--repeat 200]
        [--rounds 3]

Standard library only; no database. Exits non-zero under 1,000 events/s
through the socket, or when an event is lost.
"""

import argparse
import json
import logging
import socket
import sys
import threading
import time
from urllib.parse import unquote

import _common  # tests/benchmarks/_common.py: this script's folder is on sys.path

ADDON = _common.ROOT / "addons" / "cc_telephony"
FIXTURES = ADDON / "tests" / "fixtures" / "esl"
PLAIN = ["loopback_call_plain", "callcenter_plain", "click_to_dial_sip_plain"]
PLAIN += ["sipp_plain", "custom_job_uuid"]
JSON = ["loopback_call_json", "callcenter_json", "misc_commands"]
SEGMENT = 1448  # TCP payload of an Ethernet frame; 64 KiB: a reader behind
TARGET = 1000  # events/s through the socket
EVENT_TYPES = (b"text/event-plain", b"text/event-json")


esl = _common.load("cc_esl", ADDON / "tools" / "esl.py")
esl_replay = _common.load("cc_esl_replay", ADDON / "tests" / "esl_replay.py")


class NaiveParser:
    """The baseline: split on the first empty line, re-scan, copy the rest."""

    def __init__(self):
        self.buffer = b""

    def feed(self, data):
        self.buffer += data
        events = []
        while True:
            head, sep, rest = self.buffer.partition(b"\n\n")
            if not sep:
                return events
            headers = dict(line.split(": ", 1) for line in head.decode().split("\n"))
            length = int(headers.get("Content-Length", 0))
            if len(rest) < length:
                return events
            body, self.buffer = rest[:length].decode(), rest[length:]
            content_type = headers.get("Content-Type")
            if content_type == "text/event-json":
                events.append(json.loads(body))
            elif content_type == "text/event-plain":
                inner = body.split("\n\n", 1)[0]
                events.append(
                    {
                        name: unquote(value)
                        for name, value in (
                            line.split(": ", 1) for line in inner.split("\n")
                        )
                    }
                )


def event_chunks(names):
    """The RECV chunks holding events, from the given recordings."""
    chunks = []
    for name in names:
        for chunk in esl_replay.parse_recording(FIXTURES / f"{name}.raw.txt"):
            if chunk.kind == "RECV" and any(
                kind in chunk.data[:80] for kind in EVENT_TYPES
            ):
                chunks.append(chunk.data)
    return chunks


def pieces_of(chunks, size):
    data = b"".join(chunks)
    return [data[pos : pos + size] for pos in range(0, len(data), size)]


def run_esl_parser(pieces, repeat):
    parser = esl.EslParser()
    count = 0
    for _round in range(repeat):
        for piece in pieces:
            for message in parser.feed(piece):
                if esl.parse_event(message) is not None:
                    count += 1
    return count, parser.malformed


def run_naive(pieces, repeat):
    parser = NaiveParser()
    count = 0
    for _round in range(repeat):
        for piece in pieces:
            count += len(parser.feed(piece))
    return count, 0


def best_of(rounds, function, *args):
    """(seconds, result) of the fastest of ``rounds`` runs."""
    best = None
    for _round in range(rounds):
        start = time.perf_counter()
        result = function(*args)
        elapsed = time.perf_counter() - start
        if best is None or elapsed < best[0]:
            best = (elapsed, result)
    return best


def best_run(rounds, function, *args):
    """The fastest of ``rounds`` runs of a function timing itself."""
    return min((function(*args) for _round in range(rounds)), key=lambda run: run[0])


def socket_script(chunks, repeat):
    """auth, then the events ``repeat`` times, then a disconnect notice."""
    loopback = esl_replay.parse_recording(FIXTURES / "loopback_call_plain.raw.txt")
    events = [esl_replay.Chunk("RECV", data) for data in chunks] * repeat
    return loopback[:3] + events + loopback[-1:]


def through_esl_connection(script):
    count = [0]
    done = threading.Event()

    def on_event(event):
        count[0] += 1

    server = esl_replay.ReplayServer(script, timeout=60).start()
    start = time.perf_counter()
    conn = esl.EslConnection(
        server.host,
        server.port,
        "ClueCon",
        timeout=60,
        on_event=on_event,
        on_disconnect=lambda reason: done.set(),
    )
    conn.connect()
    done.wait(600)
    elapsed = time.perf_counter() - start
    conn.close()
    server.check()
    return elapsed, (count[0], conn.malformed)


def through_raw_socket(script, parse):
    """A client in the calling thread: auth, then recv until the end."""
    server = esl_replay.ReplayServer(script, timeout=60).start()
    parser = NaiveParser()
    count = 0
    start = time.perf_counter()
    with socket.create_connection(server.address, 60) as sock:
        sock.sendall(b"auth ClueCon\n\n")
        while data := sock.recv(65536):
            if parse:
                count += len(parser.feed(data))
    elapsed = time.perf_counter() - start
    server.check()
    return elapsed, (count, 0)


# One of each kind of damage the tests inject (see tests/test_esl.py).
DAMAGED = [
    b"this line has no colon\nContent-Type: api/response\n\n",
    b"Content-Type: api/response\nContent-Length: 12abc\n\n",
    b"Content-Type: text/event-plain\nContent-Length: 20971520\n\n",
    b"Content-Type: api/response\nContent-Length: 4\n\n\xc3\x28\xa0\xa1",
]


def robustness(feed):
    """What a parser makes of an event, the damaged frames, then an event."""
    event = event_chunks(["loopback_call_plain"])[0]
    logging.disable(logging.WARNING)
    try:
        found = len(feed(event + b"".join(DAMAGED) + event))
    except Exception as error:
        return f"raises {type(error).__name__}: {str(error)[:60]}"
    finally:
        logging.disable(logging.NOTSET)
    return f"{found} events of 2 kept, no exception"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    plain, json_ = event_chunks(PLAIN), event_chunks(JSON)
    sizes = {"plain": len(b"".join(plain)), "json": len(b"".join(json_))}
    per_pass = {"plain": len(plain), "json": len(json_)}
    print(
        f"ESL parser benchmark: {per_pass['plain']} plain events "
        f"({sizes['plain'] / 1e3:.0f} kB) and {per_pass['json']} JSON events "
        f"({sizes['json'] / 1e3:.0f} kB) per pass, {args.repeat} passes, "
        f"best of {args.rounds} rounds"
    )
    failures = []
    rows = []

    def report(section, label, fmt, elapsed, result, baseline=None):
        count, malformed = result
        expected = per_pass[fmt] * args.repeat
        if count != expected or malformed:
            failures.append(f"{label}: {count} events of {expected}")
        rate = count / elapsed
        megabytes = sizes[fmt] * args.repeat / elapsed / 1e6
        ratio = f"{rate / baseline:5.1f}x" if baseline else "     "
        rows.append(
            (section, f"  {label:<44} {rate:>11,.0f} {megabytes:>8.1f} {ratio}")
        )
        return rate

    header = f"  {'':<44} {'events/s':>11} {'MB/s':>8} vs baseline"
    for fmt, chunks in (("plain", plain), ("json", json_)):
        reads_of = {
            "recorded reads": chunks,
            "1448-byte reads": pieces_of(chunks, SEGMENT),
            "64 KiB reads": pieces_of(chunks, 65536),
        }
        for reads, pieces in reads_of.items():
            naive = report(
                "in memory",
                f"{fmt}, {reads}, naive (baseline)",
                fmt,
                *best_of(args.rounds, run_naive, pieces, args.repeat),
            )
            report(
                "in memory",
                f"{fmt}, {reads}, EslParser + parse_event",
                fmt,
                *best_of(args.rounds, run_esl_parser, pieces, args.repeat),
                baseline=naive,
            )
    socket_rates = []
    for fmt, chunks in (("plain", plain), ("json", json_)):
        script = socket_script(chunks, args.repeat)
        drained = best_run(args.rounds, through_raw_socket, script, False)
        rate = sizes[fmt] * args.repeat / drained[0] / 1e6
        label = f"{fmt}, recv only (transport ceiling)"
        rows.append(("socket", f"  {label:<44} {'':>11} {rate:>8.1f}"))
        naive = report(
            "socket",
            f"{fmt}, naive parser client (baseline)",
            fmt,
            *best_run(args.rounds, through_raw_socket, script, True),
        )
        socket_rates.append(
            report(
                "socket",
                f"{fmt}, EslConnection (reader thread, on_event)",
                fmt,
                *best_run(args.rounds, through_esl_connection, script),
                baseline=naive,
            )
        )
    for section, title in (
        ("in memory", "in memory"),
        ("socket", "through a socket (replay server on 127.0.0.1, recorded reads)"),
    ):
        print(title)
        print(header)
        for row_section, row in rows:
            if row_section == section:
                print(row)
    print(f"robustness, on {len(DAMAGED)} malformed frames between two events:")
    print(f"  naive: {robustness(NaiveParser().feed)}")
    print(f"  EslParser: {robustness(esl.EslParser().feed)}")
    slowest = min(socket_rates)
    verdict = "OK" if slowest >= TARGET and not failures else "FAILED"
    print(
        f"target: >= {TARGET:,} events/s through the socket; "
        f"slowest {slowest:,.0f} events/s: {verdict}"
    )
    for failure in failures:
        print(f"lost events: {failure}")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
