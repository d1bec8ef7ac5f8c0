"""Fault injection: the telephony listener under kills, drops, duplicates,
a PostgreSQL restart and malformed frames; nothing lost, nothing doubled.

Builds a throwaway database with cc_telephony (without demo; as the
benchmarks of tests/benchmarks/ do, with their building blocks: _common.py and
benchmark_telephony.py), --agents agents in a queue and the customers who
call, then for each scenario replays --calls calls (the recorded
mod_callcenter call, tests/fixtures/esl/callcenter_plain, made into distinct
calls as benchmark_telephony does; one in four a caller who gives up waiting:
CC-Cause Cancel, never offered) through a fake FreeSWITCH node over TCP into
the real listener, `odoo-bin cc_listener` run as a separate process, and
injects one fault:

- clean: none (the control);
- kill: the listener SIGKILLed mid-stream (events read and not yet committed
  die with it), started again: it reconnects and reconciles (the node answers
  `show channels as json` with the channels still live, and `callcenter_config
  queue list members` with the queue's callers, waiting or answered by their
  agent) and the node serves the rest;
- kill_idle: the same once the listener has caught up (nothing in flight):
  the reconciliation must leave the calls still live alone;
- drop: the node closes the socket mid-stream, then serves the rest once the
  listener has reconnected (backoff); three times (at 30, 50 and 70 %);
- duplicates: every frame sent twice, and after a drop the last 200 frames
  sent again;
- pg_restart: `pg_ctlcluster --skip-systemctl-redirect <version> main
  restart` (as root) while events flow;
- fuzz: thousands of malformed frames (random bytes, Content-Length not a
  number or huge, cut headers, oversized header blocks, non-UTF-8, truncated
  and garbled events) between the real ones. Each is framed so that a parser
  can find the next frame (nothing can resynchronise after a Content-Length
  that is a plausible number but wrong: the bytes after it are the body).

Afterwards every call sent must be in cc.call exactly once, ended, with the
right agent, answered or abandoned as sent; one handled contact
(cc.interaction) per answered call and none for the others; no agent with two
open presence logs or two successive logs of the same state. Printed per
scenario: calls sent, recorded, lost, doubled, wrong, the time to recover
(from the fault until the listener is connected and reconciled again; for
pg_restart, until it commits a change to a call after the restart) and the
events the listener logged as skipped; then a summary.

    .venv/bin/python tests/load/faults.py [--scenario clean,kill,kill_idle,drop,
        duplicates,pg_restart,fuzz] [--calls 200] [--agents 10] [--rate 500]
        [--keep]

Exits non-zero when a call was lost, doubled or wrong in any scenario. Needs
ODOO_PATH and PostgreSQL as ./test does; pg_restart needs root and a local
cluster (/etc/postgresql/<version>/main).
"""

import argparse
import contextlib
import heapq
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _common  # noqa: E402  tests/benchmarks/_common.py
import benchmark_telephony as bt  # noqa: E402

SCENARIOS = ("clean", "kill", "kill_idle", "drop", "duplicates", "pg_restart", "fuzz")
FAULT_AT = 0.4  # share of the stream sent before the fault
DROPS = (0.3, 0.5, 0.7)  # the drop scenario drops the connection three times
REPLAYED = 200  # frames sent again after the drop of the duplicates scenario
FUZZ_EVERY = 2  # a malformed frame after every FUZZ_EVERY real frames
SETTLE = 3.0  # s without any change before the results are read
ABANDON_EVERY = 4  # one call in four: the caller gives up before an offer
# mod_callcenter's members table as `callcenter_config queue list members`
# prints it (its header line in the recording), and the events that change it.
MEMBER_COLUMNS = next(
    line
    for line in (bt.FIXTURES / "callcenter_plain.raw.txt").read_text().splitlines()
    if line.startswith("queue|instance_id|")
).split("|")
MEMBER_ACTIONS = ("member-queue-start", "bridge-agent-start", "member-queue-end")


class Item:
    """A piece of the stream: a real event of call ``call`` (or None for
    malformed bytes), its Unique-ID as written."""

    __slots__ = ("action", "call", "data", "name", "unique_id")

    def __init__(self, data, call=None, name="", unique_id="", action=""):
        self.data, self.call, self.name, self.unique_id = data, call, name, unique_id
        self.action = action


# What mod_callcenter and the bridge leave on the caller's channel once an
# agent answered: a caller who gave up has none of it.
ANSWERED_TRACES = (
    "CC-Agent",
    "variable_cc_agent",
    "variable_cc_queue_answered_epoch",
    "variable_bridge_",
    "variable_last_bridge_",
    "variable_signal_bond",
)


def edited(event, dropped=(), changed=None):
    """``event`` without its header lines starting with ``dropped``, and with
    the lines of ``changed`` ({name: value}) so valued."""
    changed = changed or {}
    kept = [
        i for i, line in enumerate(event.lines) if not line.startswith(tuple(dropped))
    ]
    lines = []
    for i in kept:
        name = event.lines[i].split(":", 1)[0]
        lines.append(
            f"{name}: {changed[name]}\n" if name in changed else event.lines[i]
        )
    moved = {old: new for new, old in enumerate(kept)}
    return replace(
        event,
        lines=lines,
        dynamic=[
            (moved[i], *rest)
            for i, *rest in event.dynamic
            if i in moved and event.lines[i].split(":", 1)[0] not in changed
        ],
        sequence=moved[event.sequence],
    )


def abandoned_events(recorded):
    """The caller's side of the recorded call up to the queue, then gone:
    mod_callcenter's member-queue-end with CC-Cause Cancel, no agent, and the
    caller's hang-up without any trace of an agent or a bridge."""
    leg_events = ("CHANNEL_CREATE", "CHANNEL_ANSWER")
    events = []
    for event in recorded.events:
        if event.unique_id == recorded.leg and event.name in leg_events:
            events.append(event)
        elif (
            event.unique_id == recorded.leg and event.name == "CHANNEL_HANGUP_COMPLETE"
        ):
            events.append(
                edited(
                    event,
                    ANSWERED_TRACES,
                    # mod_callcenter marks a caller who left the queue
                    # unanswered so (cc_cause; "answered" in the recording).
                    {
                        "Caller-Channel-Bridged-Time": "0",
                        "Other-Leg-Channel-Bridged-Time": "0",
                        "variable_cc_cause": "cancel",
                    },
                )
            )
        elif event.action in ("member-queue-start", "members-count"):
            events.append(event)
        elif event.action == "member-queue-end":
            events.append(
                edited(event, ("CC-Agent", "variable_cc_agent"), {"CC-Cause": "Cancel"})
            )
    return events


def make_stream(recorded, org, key, count, shift, rng):
    """The items of ``count`` calls (overlapping as benchmark_telephony's
    make_calls), and what each call must leave: (leg, answered, agent)."""
    extensions = org["extensions"]
    spacing = (recorded.duration + 1) / len(extensions)
    abandoned = abandoned_events(recorded)
    calls, scripts, expected = [], [], []
    for n in range(count):
        if n % 2 == 0:
            national = rng.choice(org["customers"])
        else:
            national = f"59900{rng.randrange(10000):04d}"
        style = list(bt.STYLES)[n % len(bt.STYLES)]
        extension_index = n % len(extensions)
        calls.append(
            recorded.call(
                f"{key}-{n}",
                bt.present(national, style),
                extensions[extension_index],
                shift + n * spacing,
            )
        )
        answered = n % ABANDON_EVERY != ABANDON_EVERY - 1
        scripts.append(recorded.events if answered else abandoned)
        expected.append((answered, org["agents"][extension_index]))
    streams = [
        [(e.timestamp + c.shift_us, n, i) for i, e in enumerate(scripts[n])]
        for n, c in enumerate(calls)
    ]
    items = []
    for seq, (_time, n, i) in enumerate(heapq.merge(*streams), 1):
        event = scripts[n][i]
        data = recorded.write(event, calls[n], seq)
        unique_id = calls[n].ids.get(event.unique_id, "")
        items.append(Item(data, n, event.name, unique_id, event.action))
    legs = [recorded.leg_of(call) for call in calls]
    return items, [(leg, *exp) for leg, exp in zip(legs, expected, strict=True)]


def garbage(rng):
    """A malformed frame a parser can still get past (see the docstring)."""
    kind = rng.randrange(9)
    if kind == 0:  # random bytes, no empty line inside
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
        while b"\n\n" in data:
            data = data.replace(b"\n\n", b"\n")
        return data + b"\n\n"
    if kind == 1:  # Content-Length not a number
        return b"Content-Length: 12x\nContent-Type: text/event-plain\n\n"
    if kind == 2:  # a huge Content-Length, no body
        return b"Content-Length: %d\nContent-Type: text/event-plain\n\n" % (
            rng.choice((10**9, 10**15, 2**63, 10**40))
        )
    if kind == 3:  # cut headers
        return b"Content-Length: 3\nContent-Ty\n\n"
    if kind == 4:  # non-UTF-8 headers
        return b"Content-Type: text/event-plain\nX-Bad: \xff\xfe\xc3\x28\n\n"
    if kind == 5:  # a header block over 64 KB
        return b"X-Long: " + b"a" * (70 * 1024) + b"\n\n"
    if kind == 6:  # an event with a non-UTF-8 body
        body = b"Event-Name: CHANNEL_CREATE\nUnique-ID: \xff\xff\n\n"
        return b"Content-Length: %d\nContent-Type: text/event-plain\n\n%s" % (
            len(body),
            body,
        )
    if kind == 7:  # an event truncated (inner Content-Length too long)
        body = b"Event-Name: BACKGROUND_JOB\nContent-Length: 500\n\n+OK"
        return b"Content-Length: %d\nContent-Type: text/event-plain\n\n%s" % (
            len(body),
            body,
        )
    # an event without Event-Name, or with a line without ": "
    body = rng.choice((b"Unique-ID: x\n\n", b"Event-Name CHANNEL_ANSWER\n\n"))
    return b"Content-Length: %d\nContent-Type: text/event-plain\n\n%s" % (
        len(body),
        body,
    )


class FaultNode(bt.fake_freeswitch.FakeFreeSwitch):
    """A FreeSWITCH node serving ``items`` at ``rate`` frames a second to the
    listener's event connection; it pauses while nobody listens and resumes
    where it stopped. ``show channels as json`` lists the channels created and
    not hung up among the frames sent; ``callcenter_config queue list members``
    the callers in the queue among them (waiting, or answered by their agent),
    in mod_callcenter's own format (fixtures/esl/callcenter_plain)."""

    def __init__(self, items, rate):
        super().__init__(
            bt.PASSWORD,
            replies={
                "version": bt.VERSION,
                "show channels as json": self._channels,
                "callcenter_config queue list members": self._members,
                "callcenter_config": "+OK\n",
            },
            timeout=3600,
        )
        self.items = items
        self.rate = rate
        self.pos = 0
        self.sent = set()  # calls whose first frame was sent
        self.live = set()
        self.members = {}  # call: its row of the members table
        self.paused = threading.Event()
        self.connects = 0
        self.connected = threading.Event()  # subscribed and reconciled
        self.done = threading.Event()
        self._events = None
        self._cond = threading.Condition()
        self._streamer = threading.Thread(target=self._stream, daemon=True)

    def __enter__(self):
        super().__enter__()
        self._streamer.start()
        return self

    def _channels(self, _command):
        with self._cond:
            rows = [{"uuid": u, "call_uuid": u} for u in sorted(self.live)]
        return json.dumps({"row_count": len(rows), "rows": rows})

    def _members(self, command):
        queue = command.split()[-1]
        with self._cond:
            rows = [row for row in self.members.values() if row[0] == queue]
        lines = ["|".join(MEMBER_COLUMNS)] if rows else []
        lines += ["|".join(row) for row in rows]
        return "\n".join([*lines, "+OK", ""])

    def _member(self, item):
        """The members table as ``item`` (a mod_callcenter event) leaves it."""
        if item.action == "member-queue-end":
            self.members.pop(item.call, None)
            return
        headers = {
            name: unquote(value)
            for name, _sep, value in (
                line.partition(": ")
                for line in item.data.decode().split("\n\n", 1)[1].splitlines()
            )
            if value
        }
        now = str(int(headers["Event-Date-Timestamp"]) // 1000000)
        if item.action == "member-queue-start":
            self.members[item.call] = [
                headers["CC-Queue"],
                "single_box",
                headers.get("CC-Member-UUID", ""),
                headers["CC-Member-Session-UUID"],
                headers.get("CC-Member-CID-Number", ""),
                headers.get("CC-Member-CID-Name", ""),
                now,
                now,
                "0",
                "0",
                "0",
                "0",
                "0",
                "",
                "",
                "Waiting",
                "0",
            ]
        elif item.action == "bridge-agent-start" and item.call in self.members:
            row = self.members[item.call]
            row[9], row[13], row[14], row[15] = (
                now,
                headers["CC-Agent"],
                "single_box",
                "Answered",
            )

    def _serve(self, conn):
        try:
            super()._serve(conn)
        finally:
            with self._cond:
                if self._events is conn:
                    self._events = None
                    self.connected.clear()

    def _answer(self, conn, block):
        if block.startswith("event "):
            with self._cond:
                self._events = conn
        answered = super()._answer(conn, block)
        if block.startswith("api show channels") and conn is self._events:
            with self._cond:
                self.connects += 1
                self.connected.set()
                self._cond.notify_all()
        return answered

    def drop(self):
        """Closes the event connection, as a node restarting does."""
        with self._cond:
            conn, self._events = self._events, None
            self.connected.clear()
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def rewind(self, count):
        with self._cond:
            self.pos = max(0, self.pos - count)

    def resume(self):
        self.paused.clear()
        with self._cond:
            self._cond.notify_all()

    def _stream(self):
        chunk = max(1, self.rate // 100)
        while not self._stopping and self.pos < len(self.items):
            with self._cond:
                conn = self._events
                if conn is None or self.paused.is_set() or not self.connected.is_set():
                    self._cond.wait(0.05)
                    continue
                batch = self.items[self.pos : self.pos + chunk]
                try:
                    conn.sendall(b"".join(item.data for item in batch))
                except OSError:
                    self._cond.wait(0.05)
                    continue
                self.pos += len(batch)
                for item in batch:
                    if item.call is None:
                        continue
                    self.sent.add(item.call)
                    if item.name == "CHANNEL_CREATE":
                        self.live.add(item.unique_id)
                    elif item.name == "CHANNEL_HANGUP_COMPLETE":
                        self.live.discard(item.unique_id)
                    elif item.action in MEMBER_ACTIONS:
                        self._member(item)
            time.sleep(len(batch) / self.rate)
        self.done.set()


# --- the listener process, the database --------------------------------------


def start_listener(db, label):
    process, log = bt.start_odoo(
        f"{db}-{label}",
        [
            f"--addons-path={_common.addons_path()}",
            "cc_listener",
            *_common.db_args(),
            f"--database={db}",
            "--log-level=info",
        ],
    )
    return process, log


def connect(db):
    import psycopg2

    conn = psycopg2.connect(dbname=db, connect_timeout=3)
    conn.autocommit = True
    return conn


def query(db, sql, params=None):
    """Rows of ``sql`` on a new connection (None while the server is down)."""
    import psycopg2

    try:
        conn = connect(db)
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    except psycopg2.Error:
        return None
    finally:
        conn.close()


def db_now(db):
    while True:
        rows = query(db, "SELECT now() AT TIME ZONE 'UTC'")
        if rows:
            return rows[0][0]
        time.sleep(0.1)


def fingerprint(db, server_id):
    return query(
        db,
        """SELECT count(*), max(write_date),
                  (SELECT count(*) FROM cc_interaction),
                  (SELECT count(*) FROM cc_presence_log)
             FROM cc_call WHERE server_id = %s""",
        [server_id],
    )


def quiet(db, server_id, seconds=1.5):
    """Waits until nothing changes for ``seconds``: the listener caught up."""
    last, since = None, time.perf_counter()
    while time.perf_counter() - since < seconds:
        now = fingerprint(db, server_id)
        if now != last:
            last, since = now, time.perf_counter()
        time.sleep(0.1)


def wait_recovery(db, server_id, since, started):
    """Seconds from ``started`` until the listener commits a change to a call
    after ``since`` (the database's clock at the fault)."""
    deadline = started + 300
    while time.perf_counter() < deadline:
        rows = query(
            db,
            "SELECT max(write_date) FROM cc_call WHERE server_id = %s",
            [server_id],
        )
        if rows and rows[0][0] and rows[0][0] > since:
            return time.perf_counter() - started
        time.sleep(0.05)
    return None


def settle(db, server_id, expected_legs, deadline):
    """Waits until every call sent is ended and nothing changes for SETTLE s."""
    last, stable_since = None, time.perf_counter()
    while time.perf_counter() < deadline:
        print_now = fingerprint(db, server_id)
        ended = query(
            db,
            """SELECT count(*) FROM cc_call
                WHERE unique_id = ANY(%s) AND state = 'ended'""",
            [expected_legs],
        )
        if print_now != last:
            last, stable_since = print_now, time.perf_counter()
        elif (
            ended
            and ended[0][0] >= len(expected_legs)
            and time.perf_counter() - stable_since >= SETTLE
        ):
            return True
        elif time.perf_counter() - stable_since >= 4 * SETTLE + 20:
            return False  # nothing moves any more: check what is there
        time.sleep(0.2)
    return False


def check(db, expected, sent, since_presence):
    """Lost, doubled and wrong calls among those ``sent`` (indexes), and the
    presence duplicates since presence log id ``since_presence``."""
    legs = [expected[n][0] for n in sent]
    rows = query(
        db,
        """SELECT c.unique_id, c.state, e.id, c.date_answered IS NOT NULL,
                  coalesce(c.abandoned, false),
                  (SELECT count(*) FROM cc_interaction i
                    WHERE i.source_key = 'cc.call:' || c.unique_id)
             FROM cc_call c LEFT JOIN hr_employee e ON e.id = c.agent_id
            WHERE c.unique_id = ANY(%s)""",
        [legs],
    )
    by_leg = {}
    for row in rows:
        by_leg.setdefault(row[0], []).append(row)
    lost, doubled, wrong = [], [], []
    for n in sent:
        leg, answered, agent = expected[n]
        found = by_leg.get(leg, [])
        if not found:
            lost.append(leg)
            continue
        if len(found) > 1 or any(row[5] > 1 for row in found):
            doubled.append(leg)
            continue
        _leg, state, agent_id, was_answered, abandoned, interactions = found[0]
        want = ("ended", agent if answered else None, answered, not answered)
        got = (state, agent_id if answered else None, was_answered, abandoned)
        if got != want or interactions != int(answered):
            wrong.append((leg, f"{got}+{interactions} contacts, wanted {want}"))
    presence = query(
        db,
        """SELECT count(*) FROM (
               SELECT agent_id, state, lag(state) OVER w AS before,
                      id, lag(date_end) OVER w AS before_end
                 FROM cc_presence_log WINDOW w AS (
                      PARTITION BY agent_id ORDER BY date_start, id)
           ) logs
          WHERE id > %s AND state = before""",
        [since_presence],
    )[0][0]
    open_logs = query(
        db,
        """SELECT count(*) FROM (SELECT agent_id FROM cc_presence_log
            WHERE date_end IS NULL GROUP BY agent_id HAVING count(*) > 1) x""",
    )[0][0]
    return lost, doubled, wrong, presence + open_logs


def skipped_events(log):
    """Events the listener could not apply, frames and events it found
    malformed, as its log says."""
    lines = Path(log).read_text(errors="replace").splitlines()
    return (
        sum("cc_listener" in line and " skipped" in line for line in lines),
        sum("ESL: skipped a malformed frame" in line for line in lines),
        sum("ESL: skipped a malformed text/event" in line for line in lines),
    )


# --- the scenarios ------------------------------------------------------------


def restart_postgresql():
    versions = sorted(os.listdir("/etc/postgresql"))
    subprocess.run(
        [
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            versions[-1],
            "main",
            "restart",
        ],
        check=True,
    )


def run_scenario(name, index, db, org, node_id, recorded, args):
    import odoo

    rng = random.Random(index)
    items, expected = make_stream(
        recorded, org, f"fault-{name}", args.calls, 3600 * (index + 1), rng
    )
    real_frames = len(items)
    if name == "duplicates":
        items = [item for item in items for _twice in (0, 1)]
    elif name == "fuzz":
        mixed = []
        for n, item in enumerate(items):
            mixed.append(item)
            if n % FUZZ_EVERY == FUZZ_EVERY - 1:
                mixed.append(Item(garbage(rng)))
        items = mixed
    shares = DROPS if name == "drop" else (FAULT_AT,)
    presence_before = query(db, "SELECT coalesce(max(id), 0) FROM cc_presence_log")
    node = FaultNode(items, args.rate).__enter__()
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["cc.pbx.server"].browse(node_id).esl_port = node.port
    logs, processes = [], []
    recoveries, note = [], ""
    began = time.perf_counter()
    try:
        listener, log = start_listener(db, f"faults-{name}")
        processes.append(listener)
        logs.append(log)
        if not node.connected.wait(180):
            raise RuntimeError(f"the listener did not connect (see {log})")
        for share in shares if name not in ("clean", "fuzz") else ():
            while node.pos < int(len(items) * share) and not node.done.is_set():
                time.sleep(0.005)
            connects = node.connects
            fault = time.perf_counter()
            if name in ("kill", "kill_idle"):
                node.paused.set()
                if name == "kill_idle":  # the listener caught up: nothing in flight
                    quiet(db, node_id)
                    fault = time.perf_counter()
                begun_legs = [expected[n][0] for n in sorted(node.sent)]
                listener.send_signal(signal.SIGKILL)
                listener.wait(30)
                stored = query(
                    db,
                    "SELECT count(*) FROM cc_call WHERE unique_id = ANY(%s)",
                    [begun_legs],
                )
                note = (
                    f"at the kill: {node.pos} frames sent, {len(begun_legs)} calls "
                    f"begun, {stored[0][0]} of them committed"
                )
                listener, log = start_listener(db, f"faults-{name}-restarted")
                processes.append(listener)
                logs.append(log)
                node.resume()
            elif name in ("drop", "duplicates"):
                node.paused.set()
                node.drop()
                if name == "duplicates":
                    node.rewind(REPLAYED)
                node.resume()
            if name == "pg_restart":
                since = db_now(db)
                fault = time.perf_counter()
                restart_postgresql()
                note = f"the restart took {time.perf_counter() - fault:.1f} s"
                recovery = wait_recovery(db, node_id, since, fault)
                recoveries.append(recovery)
            else:  # until the listener has reconnected and reconciled
                while node.connects == connects and time.perf_counter() < fault + 300:
                    time.sleep(0.01)
                recoveries.append(time.perf_counter() - fault)
        node.done.wait(600)
        legs = [expected[n][0] for n in sorted(node.sent)]
        settled = settle(db, node_id, legs, time.perf_counter() + 300)
        if not settled:
            note += " (not settled: some calls never ended)"
    finally:
        for process in processes:
            bt.stop_process(process)
        node.__exit__(None, None, None)
    elapsed = time.perf_counter() - began
    lost, doubled, wrong, presence = check(
        db, expected, sorted(node.sent), presence_before[0][0]
    )
    skipped = [skipped_events(log) for log in logs]
    return {
        "name": name,
        "sent": len(node.sent),
        "calls": args.calls,
        "frames": real_frames,
        "written": len(items),
        "connects": node.connects,
        "lost": lost,
        "doubled": doubled,
        "wrong": wrong,
        "presence": presence,
        "recovery": max(recoveries, key=lambda r: r or 1e9) if recoveries else None,
        "recoveries": recoveries,
        "skipped": sum(s[0] for s in skipped),
        "malformed": sum(s[1] for s in skipped),
        "malformed_events": sum(s[2] for s in skipped),
        "seconds": elapsed,
        "note": note.strip(),
        "logs": [str(Path(log).relative_to(_common.ROOT)) for log in logs],
    }


def report(result):
    recorded = result["sent"] - len(result["lost"])
    recovery = result["recovery"]
    print(
        f"{result['name']}: {result['sent']} calls sent ({result['frames']} real "
        f"frames, {result['written']} written), {recorded} recorded, "
        f"{len(result['lost'])} lost, {len(result['doubled'])} doubled, "
        f"{len(result['wrong'])} wrong, {result['presence']} presence "
        f"duplicates; time to recover "
        + (f"{recovery:.1f} s" if recovery is not None else "-")
        + (
            f" (each: {', '.join(f'{r:.1f} s' for r in result['recoveries'] if r)})"
            if len(result["recoveries"]) > 1
            else ""
        )
        + f"; {result['connects']} connections; listener log: "
        f"{result['skipped']} events not applied, {result['malformed']} malformed "
        f"frames and {result['malformed_events']} malformed events skipped; "
        f"{result['seconds']:.0f} s" + (f"; {result['note']}" if result["note"] else "")
    )
    for label in ("lost", "doubled"):
        for leg in result[label][:5]:
            print(f"  {label}: {leg}")
    for leg, why in result["wrong"][:5]:
        print(f"  wrong: {leg} {why}")
    print(f"  logs: {', '.join(result['logs'])}", flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenario",
        default=",".join(SCENARIOS),
        help=f"comma-separated, among {', '.join(SCENARIOS)}",
    )
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--rate", type=int, default=500, help="frames a second")
    _common.add_database_options(parser, "cc_load_faults")
    args = parser.parse_args()
    args.scenarios = [s.strip() for s in args.scenario.split(",") if s.strip()]
    if not args.scenarios or set(args.scenarios) - set(SCENARIOS):
        parser.error(f"--scenario: choose among {', '.join(SCENARIOS)}")
    if "pg_restart" in args.scenarios and os.geteuid() != 0:
        parser.error("pg_restart needs root (pg_ctlcluster)")
    return args


def main():
    args = parse_args()
    begun = time.perf_counter()
    _common.drop_database(args.database)
    _common.create_database(args.database, "cc_telephony")
    odoo, Registry = _common.configure_odoo()
    results = []
    try:
        registry = Registry(args.database)
        from odoo.addons.cc_telephony.cli import cc_listener

        def subscribed(event):
            name = event["Event-Name"]
            if name == "CUSTOM":
                return event.get("Event-Subclass") in cc_listener.CUSTOM
            return name in cc_listener.EVENTS

        recorded = bt.RecordedCall(subscribed)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            org = bt.populate_organisation(env, args.agents)
            node_id = bt.create_node(env, "Faults", 1, org["agents"]).id
        for scenario in args.scenarios:
            print(f"{scenario} ({_common.load_average()})", flush=True)
            result = run_scenario(
                scenario,
                SCENARIOS.index(scenario),
                args.database,
                org,
                node_id,
                recorded,
                args,
            )
            results.append(result)
            report(result)
    finally:
        if not args.keep:
            _common.drop_database(args.database)
    print()
    print(
        f"summary ({time.perf_counter() - begun:.0f} s; {args.calls} calls a "
        f"scenario, one in {ABANDON_EVERY} abandoned; {_common.load_average()}):"
    )
    print(
        f"  {'scenario':<12}{'sent':>6}{'recorded':>10}{'lost':>6}{'doubled':>9}"
        f"{'wrong':>7}{'recover':>10}   verdict"
    )
    failed = False
    for result in results:
        bad = result["lost"] or result["doubled"] or result["wrong"]
        bad = bad or result["presence"]
        failed = failed or bool(bad)
        recovery = result["recovery"]
        print(
            f"  {result['name']:<12}{result['sent']:>6}"
            f"{result['sent'] - len(result['lost']):>10}{len(result['lost']):>6}"
            f"{len(result['doubled']):>9}{len(result['wrong']):>7}"
            f"{(f'{recovery:.1f} s' if recovery is not None else '-'):>10}   "
            f"{'FAIL' if bad else 'PASS'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
