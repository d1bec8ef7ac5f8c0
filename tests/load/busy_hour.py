"""Load test: a busy hour of calls through the real telephony listener.

Builds a throwaway database with cc_telephony (without demo, as the
benchmarks do: tests/benchmarks/_common.py), --agents agents (users with a
password; FreeSWITCH agents 1000@default, 1001@default... in one queue), every
one logged in with a websocket on the bus of an odoo-bin (threaded HTTP
server), and odoo-bin cc_listener connected to a fake FreeSWITCH node. Then it
replays a busy hour, compressed into --duration seconds of wall clock: calls
arrive at random (Poisson) at a rate ramping up from --base-rate to --peak-rate
calls a second over the first --ramp share of the run, staying at the peak,
then ramping down; each call is the recorded mod_callcenter call of
addons/cc_telephony/tests/fixtures/esl (31 events: the customer's leg from the
trunk, queued, offered to and answered by a free agent, hung up), made
distinct (Unique-IDs, caller, agent, times) and framed as FreeSWITCH frames
it, by tests/benchmarks/benchmark_telephony.py's building blocks. The events of
a call are spread over --concurrent / --peak-rate seconds, so that about
--concurrent calls ring or talk at once at the peak; their timestamps say
what the run stands for: a busy hour (the wall clock times the compression).
Half of the callers are known customers; every caller's number is distinct.

It reports:

- throughput: events sent, and events/s from the first frame written on the
  socket to the last call committed;
- the screen-pop's latency (p50, p95, p99, max), from the agent-offering frame
  written on the socket to the notification on the agent's websocket;
- errors: events the listener skipped (its log), screen-pops lost, sent to
  another agent or doubled, calls missing or doubled in cc.call (by the
  caller's leg), not ended or answered by another agent, handled contacts
  (cc.interaction) missing or doubled, known callers not recognised and
  unknown ones given a contact;
- the growth of the database: pg_total_relation_size of cc_call,
  cc_interaction, cc_presence_log, bus_bus and mail_message before and after
  the run, and bytes per call.

Usage (from the repository's root; needs ODOO_PATH and PostgreSQL as ./test
does):

    .venv/bin/python tests/load/busy_hour.py [--agents 200] [--peak-rate 20]
        [--base-rate 2] [--concurrent 50] [--duration 240] [--ramp 0.3]
        [--seed 7] [--database cc_load_busy_hour] [--keep]

Exits 1 when anything was lost, doubled or misdirected (events skipped,
screen-pops lost or sent to another agent, calls or handled contacts missing or
doubled), not on latency; 2 on wrong options (e.g. too few agents for the
calls at once).
"""

import argparse
import heapq
import random
import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import _common  # noqa: E402  tests/benchmarks/_common.py
import benchmark_telephony as telephony  # noqa: E402

TABLES = ("cc_call", "cc_interaction", "cc_presence_log", "bus_bus", "mail_message")
STYLES = list(telephony.STYLES)
# The listener's log lines of an event it could not apply, of a frame or an
# event it could not parse.
SKIPPED = re.compile(r"Node \d+: event .* skipped|ESL: skipped a malformed")
POP_WAIT = 30  # s after the last frame for the last screen-pops
DRAIN_WAIT = 300  # s after the last frame for the last events to be committed


def caller(n):
    """The national number of the n-th call's caller (59 1nn nnnn: apart
    from the customers of benchmark_telephony, 59 000 0nnn)."""
    return f"591{n:06d}"


def rate_at(t, args):
    """Calls a second at ``t`` seconds into the run."""
    ramp = args.duration * args.ramp
    if ramp and t < ramp:
        return args.base_rate + (args.peak_rate - args.base_rate) * t / ramp
    if ramp and t > args.duration - ramp:
        left = args.duration - t
        return args.base_rate + (args.peak_rate - args.base_rate) * left / ramp
    return args.peak_rate


def arrivals(args, rng):
    """When calls arrive (seconds into the run): a Poisson process of the
    rate rate_at(), by thinning."""
    times, t = [], 0.0
    while True:
        t += rng.expovariate(args.peak_rate)
        if t >= args.duration:
            return times
        if rng.random() < rate_at(t, args) / args.peak_rate:
            times.append(t)


def plan_calls(recorded, org, args, rng):
    """The calls of the run, each to the agent free the longest (free again
    a call's length after their last call ended)."""
    length = args.concurrent / args.peak_rate  # wall seconds a call lasts
    scale = length / recorded.duration  # wall seconds per recorded second
    extensions = org["extensions"]
    free = [(0.0, index) for index in range(len(extensions))]
    calls, agents, numbers = [], [], []
    for n, arrival in enumerate(arrivals(args, rng)):
        free_at, index = heapq.heappop(free)
        if free_at > arrival:
            print(
                f"too few agents: call {n} arrives at {arrival:.1f} s with every "
                f"agent busy (raise --agents or lower --concurrent)",
                file=sys.stderr,
            )
            raise SystemExit(2)
        heapq.heappush(free, (arrival + 2 * length, index))
        national = caller(n)
        calls.append(
            recorded.call(
                f"busy-{n}",
                telephony.present(national, STYLES[n % len(STYLES)]),
                extensions[index],
                arrival / scale,
            )
        )
        agents.append(index)
        numbers.append(telephony.present(national, "+9665..."))
    return {"calls": calls, "agents": agents, "numbers": numbers, "scale": scale}


def at_once(plan, recorded):
    """The most calls ringing or talking at the same time, as planned."""
    length = recorded.duration * plan["scale"]
    edges = []
    for call in plan["calls"]:
        start = call.shift_us / 1e6 * plan["scale"]
        edges += [(start, 1), (start + length, -1)]
    most = current = 0
    for _t, step in sorted(edges):
        current += step
        most = max(most, current)
    return most


def create_customers(env, count):
    """The known callers: every other call's (their main number a mobile)."""
    env["res.partner"].with_context(**_common.QUIET).create(
        [
            {
                "name": f"Busy caller {n:06d}",
                "mobile": telephony.present(caller(n), "+9665..."),
            }
            for n in range(0, count, 2)
        ]
    )


def sizes(registry):
    """pg_total_relation_size of each of TABLES, in bytes."""
    found = {}
    with registry.cursor() as cr:
        for table in TABLES:
            cr.execute("SELECT pg_total_relation_size(%s)", [table])
            found[table] = cr.fetchone()[0]
    return found


def send(node, recorded, plan, sent):
    """Writes the calls' events on the node's socket at their time (in the
    order FreeSWITCH sends them), timing each agent-offering frame."""
    calls, scale = plan["calls"], plan["scale"]
    events = recorded.events
    base = events[0].timestamp
    streams = [
        [(event.timestamp + call.shift_us, n, i) for i, event in enumerate(events)]
        for n, call in enumerate(calls)
    ]
    started = time.perf_counter()
    sent["started"] = started
    for sequence, (stamp, n, i) in enumerate(heapq.merge(*streams), 1):
        due = started + (stamp - base) / 1e6 * scale
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        else:
            sent["late"] = max(sent["late"], -delay)
        frame = recorded.write(events[i], calls[n], sequence)
        if events[i].action == "agent-offering" and n not in sent["offered"]:
            sent["offered"][n] = time.perf_counter()
        node.write(frame)
        sent["events"] += 1
        sent["bytes"] += len(frame)
    sent["ended"] = time.perf_counter()


def committed(registry, legs):
    """Per caller's leg: cc.call rows, ended ones, their agents and customers;
    handled contacts (cc.interaction) by source key."""
    with registry.cursor() as cr:
        cr.execute(
            """SELECT unique_id, count(*), count(*) FILTER (WHERE state = 'ended'),
                      array_agg(agent_id), count(partner_id)
                 FROM cc_call WHERE unique_id = ANY(%s) GROUP BY unique_id""",
            [legs],
        )
        calls = {row[0]: row[1:] for row in cr.fetchall()}
        cr.execute(
            """SELECT source_key, count(*) FROM cc_interaction
                WHERE source_key = ANY(%s) GROUP BY source_key""",
            [[f"cc.call:{leg}" for leg in legs]],
        )
        interactions = dict(cr.fetchall())
    return calls, interactions


def drain(registry, legs, deadline):
    """Waits until every call is ended and handled (or the deadline); when
    the last of them was committed, as seen from here."""
    while True:
        calls, interactions = committed(registry, legs)
        ended = sum(row[1] for row in calls.values())
        if (ended >= len(legs) and len(interactions) >= len(legs)) or (
            time.perf_counter() > deadline
        ):
            return time.perf_counter(), calls, interactions
        time.sleep(0.2)


def check_pops(tabs, plan, sent, deadline):
    """Latencies of the screen-pops; lost, misdirected and doubled ones."""
    expected = {number: n for n, number in enumerate(plan["numbers"])}
    while True:
        with telephony.ARRIVED:
            found = {
                payload.get("number_e164")
                for index, tab in enumerate(tabs)
                for _arrival, payload in tab.pops
                if payload.get("state") == "offering"
            }
            if len(found & expected.keys()) >= len(sent["offered"]) or (
                time.perf_counter() > deadline
            ):
                break
            telephony.ARRIVED.wait(max(0.0, deadline - time.perf_counter()))
    latencies, wrong, doubled, foreign = [], 0, 0, 0
    with telephony.ARRIVED:
        pops = [list(tab.pops) for tab in tabs]
    got = set()
    for index, tab_pops in enumerate(pops):
        seen = Counter()
        for arrival, payload in tab_pops:
            if payload.get("state") != "offering":
                continue
            n = expected.get(payload.get("number_e164"))
            if n is None:
                foreign += 1
            elif plan["agents"][n] != index:
                wrong += 1
            else:
                seen[n] += 1
                if seen[n] == 1 and n in sent["offered"]:
                    latencies.append(arrival - sent["offered"][n])
                    got.add(n)
        doubled += sum(count - 1 for count in seen.values())
    return {
        "latencies": latencies,
        "lost": len(set(sent["offered"]) - got),
        "wrong": wrong,
        "doubled": doubled,
        "foreign": foreign,
    }


def run(registry, org, recorded, plan, db):
    """The run itself: odoo-bin, the agents' tabs, odoo-bin cc_listener, the
    calls; what the tabs got and the database kept."""
    import requests

    import odoo

    sent = {"events": 0, "bytes": 0, "late": 0.0, "offered": {}}
    node = telephony.EventNode().__enter__()
    server = listener = None
    tabs = []
    try:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            telephony.create_node(env, "Busy hour", node.port, org["agents"])
        port = telephony.free_port()
        server, log = telephony.start_odoo(
            f"{db}-http",
            [
                f"--addons-path={_common.addons_path()}",
                *_common.db_args(),
                f"--database={db}",
                f"--db-filter=^{db}$",
                "--http-interface=127.0.0.1",
                f"--http-port={port}",
                "--workers=0",
                "--max-cron-threads=0",
                "--log-level=warn",
            ],
        )
        telephony.wait_http(requests, f"http://127.0.0.1:{port}", server, log)
        started = time.perf_counter()
        tabs = telephony.open_tabs(registry, org, db, port)
        print(
            f"  odoo-bin on port {port}, {len(tabs)} agents logged in with a "
            f"websocket: {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        listener, listener_log = telephony.start_odoo(
            f"{db}-listener",
            [
                f"--addons-path={_common.addons_path()}",
                "cc_listener",
                *_common.db_args(),
                f"--database={db}",
                "--log-level=warn",
            ],
        )
        if not node.ready.wait(180):
            raise RuntimeError(
                "odoo-bin cc_listener did not connect "
                f"(see {listener_log.relative_to(_common.ROOT)})"
            )
        before = sizes(registry)
        print(
            f"  replaying {len(plan['calls']):,} calls ({_common.load_average()})",
            flush=True,
        )
        sender = threading.Thread(target=send, args=(node, recorded, plan, sent))
        sender.start()
        sender.join()
        print(
            f"  sent {sent['events']:,} events in "
            f"{sent['ended'] - sent['started']:.1f} s ({_common.load_average()})",
            flush=True,
        )
        legs = [recorded.leg_of(call) for call in plan["calls"]]
        done, calls, interactions = drain(registry, legs, sent["ended"] + DRAIN_WAIT)
        pops = check_pops(tabs, plan, sent, time.perf_counter() + POP_WAIT)
        after = sizes(registry)
    finally:
        for tab in tabs:
            tab.close()
        telephony.stop_process(listener)
        telephony.stop_process(server)
        node.__exit__(None, None, None)
    logs = {
        label: path.read_text(errors="replace")
        for label, path in (("listener", listener_log), ("http", log))
    }
    return {
        "sent": sent,
        "done": done,
        "legs": legs,
        "calls": calls,
        "interactions": interactions,
        "pops": pops,
        "before": before,
        "after": after,
        "skipped": len(SKIPPED.findall(logs["listener"])),
        "log_errors": {
            f"{label} {level}": sum(
                1 for line in text.splitlines() if f" {level} " in line
            )
            for label, text in logs.items()
            for level in ("ERROR", "WARNING")
        },
        "logs": {"listener": listener_log, "http": log},
    }


def ms(seconds):
    return f"{seconds * 1000:.0f} ms"


def report(result, plan, org, recorded, args):
    """Prints the figures; the failures (lost, doubled, misdirected)."""
    sent, pops = result["sent"], result["pops"]
    count = len(plan["calls"])
    seconds = result["done"] - sent["started"]
    length = recorded.duration * plan["scale"]
    print()
    print(
        f"busy hour: {count:,} calls in {sent['ended'] - sent['started']:.0f} s of "
        f"wall clock (standing for {args.duration / plan['scale'] / 60:.0f} "
        f"minutes: {recorded.duration:.1f} s calls compressed to {length:.2f} s), "
        f"{args.base_rate:g} -> {args.peak_rate:g} -> {args.base_rate:g} calls/s, "
        f"at most {at_once(plan, recorded)} calls at once; {len(org['extensions'])} "
        f"agents logged in with a websocket"
    )
    print(
        f"throughput: {sent['events']:,} events ({sent['bytes'] / 1e6:.1f} MB) "
        f"from the first frame on the socket to the last call committed in "
        f"{seconds:.1f} s: {sent['events'] / seconds:,.0f} events/s (at the peak "
        f"{args.peak_rate * len(recorded.events):,.0f} events/s sent); the last "
        f"call committed {result['done'] - sent['ended']:.1f} s after the last "
        f"frame; the sender fell behind its schedule by {ms(sent['late'])} at most"
    )
    latencies = pops["latencies"]
    if latencies:
        print(
            "screen-pop, agent-offering frame on the socket to the agent's "
            f"websocket ({len(latencies):,} pops): "
            + ", ".join(
                f"p{int(share * 100)} {ms(telephony.percentile(latencies, share))}"
                for share in (0.5, 0.95, 0.99)
            )
            + f", max {ms(max(latencies))}"
        )
    calls, interactions = result["calls"], result["interactions"]
    legs = result["legs"]
    agent_ids = org["agents"]
    missing = sum(1 for leg in legs if leg not in calls)
    doubled = sum(calls[leg][0] - 1 for leg in legs if leg in calls)
    not_ended = sum(1 for leg in legs if leg in calls and calls[leg][1] < 1)
    other_agent = sum(
        1
        for n, leg in enumerate(legs)
        if leg in calls and calls[leg][2] != [agent_ids[plan["agents"][n]]]
    )
    # Every other caller is a known customer (create_customers).
    recognised = [
        (n % 2 == 0, bool(calls[leg][3])) for n, leg in enumerate(legs) if leg in calls
    ]
    keys = [f"cc.call:{leg}" for leg in legs]
    missing_contacts = sum(1 for key in keys if key not in interactions)
    doubled_contacts = sum(interactions[key] - 1 for key in keys if key in interactions)
    errors = {
        "events skipped by the listener": result["skipped"],
        "screen-pops lost": pops["lost"],
        "screen-pops sent to another agent": pops["wrong"],
        "screen-pops doubled": pops["doubled"],
        "calls missing in cc.call": missing,
        "calls doubled in cc.call": doubled,
        "calls not ended": not_ended,
        "calls answered by another agent": other_agent,
        "handled contacts missing in cc.interaction": missing_contacts,
        "handled contacts doubled in cc.interaction": doubled_contacts,
        "known callers not recognised": recognised.count((True, False)),
        "unknown callers given a contact": recognised.count((False, True)),
    }
    print(
        "errors: "
        + ", ".join(f"{value} {label}" for label, value in errors.items())
        + f"; other offering pops {pops['foreign']}; lines in the logs: "
        + ", ".join(f"{k} {v}" for k, v in result["log_errors"].items())
    )
    print(f"database growth ({count:,} calls), pg_total_relation_size before -> after:")
    total = 0
    for table in TABLES:
        before, after = result["before"][table], result["after"][table]
        total += after - before
        print(
            f"  {table:<16} {before / 1024:>9,.0f} kB -> {after / 1024:>9,.0f} kB "
            f"(+{(after - before) / 1024:,.0f} kB, {(after - before) / count:,.0f} "
            f"bytes a call)"
        )
    print(
        f"  {'all five':<16} +{total / 1024:,.0f} kB, {total / count:,.0f} bytes a call"
    )
    print(
        f"logs: {result['logs']['listener'].relative_to(_common.ROOT)}, "
        f"{result['logs']['http'].relative_to(_common.ROOT)}"
    )
    return [f"{value} {label}" for label, value in errors.items() if value]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--peak-rate", type=float, default=20, help="calls/s")
    parser.add_argument("--base-rate", type=float, default=2, help="calls/s")
    parser.add_argument(
        "--concurrent", type=float, default=50, help="calls at once at the peak"
    )
    parser.add_argument("--duration", type=float, default=240, help="wall seconds")
    parser.add_argument(
        "--ramp", type=float, default=0.3, help="share of the run ramping up (down)"
    )
    parser.add_argument("--seed", type=int, default=7)
    _common.add_database_options(parser, "cc_load_busy_hour")
    args = parser.parse_args()
    if not 0 <= args.ramp <= 0.5:
        parser.error("--ramp: from 0 to 0.5")
    if not 0 <= args.base_rate <= args.peak_rate or args.peak_rate <= 0:
        parser.error("--base-rate and --peak-rate: 0 <= base <= peak, peak > 0")
    if args.agents < 1 or args.concurrent <= 0 or args.duration <= 0:
        parser.error("--agents, --concurrent and --duration must be positive")
    return args


def main():
    args = parse_args()
    begun = time.perf_counter()
    print(f"busy hour ({_common.load_average()})", flush=True)
    _common.drop_database(args.database)
    _common.create_database(args.database, "cc_telephony")
    odoo, Registry = _common.configure_odoo()
    rng = random.Random(args.seed)
    try:
        registry = Registry(args.database)
        from odoo.addons.cc_telephony.cli import cc_listener

        def subscribed(event):
            name = event["Event-Name"]
            if name == "CUSTOM":
                return event.get("Event-Subclass") in cc_listener.CUSTOM
            return name in cc_listener.EVENTS

        recorded = telephony.RecordedCall(subscribed)
        print("populating", flush=True)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            org = telephony.populate_organisation(env, args.agents)
            plan = plan_calls(recorded, org, args, rng)
            create_customers(env, len(plan["calls"]))
        print(
            f"  {len(plan['calls']):,} calls planned, "
            f"{(len(plan['calls']) + 1) // 2:,} known callers",
            flush=True,
        )
        result = run(registry, org, recorded, plan, args.database)
    finally:
        if not args.keep:
            _common.drop_database(args.database)
    failures = report(result, plan, org, recorded, args)
    print(
        f"{time.perf_counter() - begun:.0f} s in all; at the end, "
        f"{_common.load_average()}"
    )
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
