"""Benchmark: learning the queues' demand from the call log, and planning a
day's staffing.

Builds a throwaway database with cc_telephony (without demo), a FreeSWITCH
node, --queues queues, --agents agents (part-time contracts, each in three
queues, each with a weekly availability slot of 3.5 hours on today's weekday,
and a presence log today up to now), and about --calls inbound calls over the
last --days days (INSERT ... SELECT with generate_series: a daily shape
peaking late morning and evening, quieter weekends, busier and quieter
queues, 8 % abandoned; then VACUUM ANALYZE and CHECKPOINT). Then measures:

- learning the demand of every queue from the whole history
  (cc.queue.demand._cc_learn, one SQL statement), against a baseline measured
  in the same run: the same figures computed in Python from the calls read
  through the ORM, queue by queue (search_read, then bucketing each call in
  the company's time zone). Both must give the same figures;
- planning today's staffing of every queue (cc.staffing.line._cc_plan: the
  demand, availability slots and presence read once for the day), against
  planning the queues one by one.

    .venv/bin/python tests/benchmarks/benchmark_staffing.py [--calls 500000]
        [--queues 20] [--agents 200] [--days 90] [--keep]

Exits non-zero when a target is missed (learning the demand in under 10 s,
planning the day in under 10 s) or the figures of the SQL and of the baseline
differ. Needs ODOO_PATH and PostgreSQL as ./test does.
"""

import argparse
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta

import _common  # tests/benchmarks/_common.py: this script's folder is on sys.path

RIYADH = "Asia/Riyadh"
TARGET_LEARN = 10.0  # s, the demand of every queue
TARGET_PLAN = 10.0  # s, a day's staffing of every queue
# The share of a day's calls in each local hour: quiet at night, a peak late
# in the morning and another in the evening.
HOURLY = [
    0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 3.5, 6.0, 7.5, 8.0,
    7.0, 6.0, 5.5, 5.5, 6.0, 6.5, 7.0, 7.5, 7.0, 5.0, 3.0, 1.2,
]  # fmt: skip
# Monday first: the Saudi weekend (Friday, Saturday) is quieter.
WEEKDAY = [1.1, 1.05, 1.0, 1.1, 0.6, 0.7, 1.2]


def populate_organisation(env, queues_count, agents_count):
    """The node, queues, agents with contracts, availability and presence
    today, through the ORM (the presence log by SQL)."""
    from odoo import Command
    from odoo.tools import SQL

    started = time.perf_counter()
    env.company.country_id = env.ref("base.sa")
    # The Saudi week, Sunday to Thursday, in Riyadh.
    calendar = env["resource.calendar"].create(
        {
            "name": "Saudi week",
            "tz": RIYADH,
            "attendance_ids": [Command.clear()]
            + [
                Command.create(
                    {
                        "name": day,
                        "dayofweek": day,
                        "hour_from": 8,
                        "hour_to": 17,
                        "day_period": "morning",
                    }
                )
                for day in ("6", "0", "1", "2", "3")
            ],
        }
    )
    env.company.resource_calendar_id = calendar
    part_time = env["resource.calendar"].create(
        {
            "name": "Part time",
            "tz": RIYADH,
            "attendance_ids": [Command.clear()]
            + [
                Command.create(
                    {
                        "name": day,
                        "dayofweek": day,
                        "hour_from": 17,
                        "hour_to": 20,
                        "day_period": "afternoon",
                    }
                )
                for day in ("6", "0", "1", "2", "3")
            ],
        }
    )
    server = env["cc.pbx.server"].create(
        {"name": "Riyadh", "host": "127.0.0.1", "esl_password": "Bench-ESL-s3cret"}
    )
    group = env.ref("cc_agent.group_cc_agent")
    users = (
        env["res.users"]
        .with_context(**_common.QUIET)
        .create(
            [
                {
                    "name": f"Agent {n:03d}",
                    "login": f"bench_staffing_{n}",
                    "tz": RIYADH,
                    "groups_id": [Command.set([group.id])],
                }
                for n in range(agents_count)
            ]
        )
    )
    agents = (
        env["hr.employee"]
        .with_context(**_common.QUIET)
        .create(
            [
                {
                    "name": user.name,
                    "user_id": user.id,
                    "is_cc_agent": True,
                    "tz": RIYADH,
                }
                for user in users
            ]
        )
    )
    today = datetime.now().date()
    env["hr.contract"].with_context(**_common.QUIET).create(
        [
            {
                "name": f"{agent.name} contract",
                "employee_id": agent.id,
                "date_start": today - timedelta(days=120),
                "date_end": today + timedelta(days=200),
                "wage": 0,
                "resource_calendar_id": part_time.id,
                "cc_regime": "part_time",
                "cc_pay_scheme": "per_contact",
                "cc_rate_ids": [Command.create({"channel": "inbound_call", "rate": 6})],
                "state": "open",
            }
            for agent in agents
        ]
    )
    queues = env["cc.queue"].create(
        [
            {
                "name": f"queue{n:02d}@default",
                "label": f"Queue {n:02d}",
                "server_id": server.id,
                # Each agent in three queues.
                "agent_ids": [
                    Command.set(
                        [
                            agent.id
                            for index, agent in enumerate(agents)
                            if (index - n) % queues_count in (0, 1, 2)
                        ]
                    )
                ],
            }
            for n in range(queues_count)
        ]
    )
    # Staggered 3.5-hour weekly slots on today's weekday, 08:00 to 23:30.
    # (A weekend day is a working day for this benchmark.)
    weekday = str(today.weekday())
    if weekday not in calendar.attendance_ids.mapped("dayofweek"):
        calendar.attendance_ids = [
            Command.create(
                {
                    "name": weekday,
                    "dayofweek": weekday,
                    "hour_from": 8,
                    "hour_to": 17,
                    "day_period": "morning",
                }
            )
        ]
    env["cc.availability.slot"].create(
        [
            {
                "agent_id": agent.id,
                "kind": "weekly",
                "weekday": weekday,
                "hour_from": 8 + (index % 25) * 0.5,
                "hour_to": 8 + (index % 25) * 0.5 + 3.5,
                "date_from": today - timedelta(days=7),
            }
            for index, agent in enumerate(agents)
        ]
    )
    # Today's presence: each agent available for 20 minutes, on a call for 6,
    # wrapping up for 1, in turns, from their slot's start up to now.
    env.flush_all()
    env.cr.execute(
        SQL(
            """
INSERT INTO cc_presence_log (agent_id, user_id, company_id, state, date_start,
                             date_end, duration, origin, create_uid, create_date,
                             write_uid, write_date)
SELECT e.id, e.user_id, e.company_id,
       (ARRAY['available', 'on_call', 'wrap_up'])[mod(k.n, 3) + 1],
       s.start + ((k.n / 3) * 27
           + (ARRAY[0, 20, 26])[mod(k.n, 3) + 1]) * INTERVAL '1 minute',
       s.start + ((k.n / 3) * 27
           + (ARRAY[20, 26, 27])[mod(k.n, 3) + 1]) * INTERVAL '1 minute',
       (ARRAY[1200, 360, 60])[mod(k.n, 3) + 1],
       'agent', 1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
  FROM hr_employee e
  JOIN (
      SELECT agent_id,
             ((CURRENT_DATE::timestamp + hour_from * INTERVAL '1 hour')
                 AT TIME ZONE %(tz)s) AT TIME ZONE 'UTC' AS start
        FROM cc_availability_slot WHERE kind = 'weekly'
  ) s ON s.agent_id = e.id
 CROSS JOIN generate_series(0, 23) AS k(n)
 WHERE e.id IN %(agents)s
   AND s.start + (k.n / 3 + 1) * INTERVAL '27 minutes' < now() AT TIME ZONE 'UTC'
""",
            tz=RIYADH,
            agents=tuple(agents.ids),
        )
    )
    presence = env.cr.rowcount
    print(
        f"  {queues_count} queues, {agents_count} agents (contracts, weekly slots), "
        f"{presence:,} presence entries today: {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return queues, agents


def populate_calls(env, queues, agents, calls, days):
    """About ``calls`` inbound calls over the last ``days`` days, shaped by
    HOURLY, WEEKDAY and each queue's size (INSERT ... SELECT)."""
    from odoo.tools import SQL

    started = time.perf_counter()
    per_queue_day = calls / days / len(queues)
    total_hourly = sum(HOURLY)
    mean_weekday = sum(WEEKDAY) / len(WEEKDAY)
    # Per local half hour: the expected calls of an average queue on an
    # average day.
    half_hours = [
        per_queue_day * HOURLY[half // 2] / total_hourly / 2 for half in range(48)
    ]
    weekdays = [factor / mean_weekday for factor in WEEKDAY]
    # Queues from half to one and a half times the average.
    scales = [0.5 + index / max(len(queues) - 1, 1) for index in range(len(queues))]
    server = queues[0].server_id
    env.cr.execute(
        SQL(
            """
INSERT INTO cc_call (unique_id, server_id, company_id, direction, state,
                     queue_id, agent_id, user_id, date_created, date_queued,
                     date_answered, date_ended, wait, talk, abandoned,
                     hangup_cause, create_uid, create_date, write_uid, write_date)
SELECT gen_random_uuid()::text, %(server)s, %(company)s, 'inbound', 'ended',
       c.queue_id,
       CASE WHEN c.abandoned THEN NULL ELSE c.agent_id END,
       CASE WHEN c.abandoned THEN NULL ELSE e.user_id END,
       c.queued - INTERVAL '6 seconds', c.queued,
       CASE WHEN c.abandoned THEN NULL ELSE c.queued + c.wait * INTERVAL '1 second' END,
       c.queued + (c.wait + c.talk) * INTERVAL '1 second',
       c.wait, c.talk, c.abandoned,
       CASE WHEN c.abandoned THEN 'ORIGINATOR_CANCEL' ELSE 'NORMAL_CLEARING' END,
       1, c.queued, 1, c.queued
  FROM (
      SELECT q.id AS queue_id,
             ((CURRENT_DATE - d.day)::timestamp
                 + ((h.n - 1) * 30 + random() * 30) * INTERVAL '1 minute')
                 AT TIME ZONE %(tz)s AT TIME ZONE 'UTC' AS queued,
             (%(agents)s::int[])[1 + floor(random() * %(agent_count)s)::int]
                 AS agent_id,
             random() < 0.08 AS abandoned,
             floor(random() * 60)::int AS wait,
             60 + floor(random() * 360)::int AS talk
        FROM generate_series(1, %(days)s) AS d(day)
       CROSS JOIN unnest(%(queues)s::int[], %(scales)s::float[]) AS q(id, scale)
       CROSS JOIN unnest(%(half_hours)s::float[]) WITH ORDINALITY AS h(calls, n)
       CROSS JOIN LATERAL generate_series(
           1,
           floor(h.calls * q.scale
                 * (%(weekdays)s::float[])[
                       EXTRACT(ISODOW FROM CURRENT_DATE - d.day)::int]
                 + random())::int
       ) AS k(i)
  ) c
  JOIN hr_employee e ON e.id = c.agent_id
""",
            server=server.id,
            company=server.company_id.id,
            tz=RIYADH,
            agents=agents.ids,
            agent_count=len(agents),
            days=days,
            queues=queues.ids,
            scales=scales,
            half_hours=half_hours,
            weekdays=weekdays,
        )
    )
    count = env.cr.rowcount
    print(
        f"  {count:,} calls over {days} days (INSERT ... SELECT): "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return count


def naive_demand(env, queues, weeks):
    """The demand computed in Python from the calls read through the ORM, one
    queue at a time: {(queue id, weekday, half hour): (calls, aht)}."""
    import pytz

    Demand = env["cc.queue.demand"]
    tz = pytz.timezone(Demand._cc_company_tz())
    until = datetime.now(tz).date()
    first = until - timedelta(days=7 * weeks)
    from_utc, to_utc = (
        tz.localize(datetime.combine(day, datetime.min.time()))
        .astimezone(pytz.utc)
        .replace(tzinfo=None)
        for day in (first, until)
    )
    Call = env["cc.call"]
    # Each agent's wrap-up in the window, spread over the calls they answered.
    wrap_up = defaultdict(float)
    for log in env["cc.presence.log"].search_read(
        [
            ("state", "=", "wrap_up"),
            ("date_start", "<", to_utc),
            "|",
            ("date_end", "=", False),
            ("date_end", ">", from_utc),
        ],
        ["agent_id", "date_start", "date_end"],
    ):
        end = min(log["date_end"] or datetime.now(), to_utc)
        wrap_up[log["agent_id"][0]] += (
            end - max(log["date_start"], from_utc)
        ).total_seconds()
    answered = defaultdict(int)
    for row in Call.search_read(
        [
            ("date_answered", "!=", False),
            ("date_created", ">=", from_utc),
            ("date_created", "<", to_utc),
        ],
        ["agent_id"],
    ):
        if row["agent_id"]:
            answered[row["agent_id"][0]] += 1
    result = {}
    for queue in queues:
        counts = defaultdict(int)
        handled = defaultdict(list)
        days = defaultdict(set)
        rows = Call.search_read(
            [
                ("queue_id", "=", queue.id),
                ("direction", "=", "inbound"),
                ("date_created", ">=", from_utc - timedelta(days=1)),
                ("date_created", "<", to_utc + timedelta(days=1)),
                "|",
                ("date_answered", "!=", False),
                ("date_ended", "!=", False),
            ],
            ["date_queued", "date_created", "date_answered", "date_ended", "talk",
             "agent_id"],
        )  # fmt: skip
        for row in rows:
            moment = pytz.utc.localize(row["date_queued"] or row["date_created"])
            local = moment.astimezone(tz)
            if not first <= local.date() < until:
                continue
            key = (local.weekday(), local.hour * 2 + (local.minute >= 30))
            counts[key] += 1
            days[local.weekday()].add(local.date())
            if row["date_answered"] and row["date_ended"]:
                agent = row["agent_id"] and row["agent_id"][0]
                share = wrap_up[agent] / answered[agent] if answered.get(agent) else 0
                handled[key].append(row["talk"] + share)
        every = [value for values in handled.values() for value in values]
        queue_aht = sum(every) / len(every) if every else 0.0
        for (weekday, half), count in counts.items():
            values = handled[(weekday, half)]
            result[queue.id, weekday, half] = (
                count / len(days[weekday]),
                sum(values) / len(values) if values else queue_aht,
            )
    return result


def measure(registry, queues, weeks):
    import odoo

    results = {}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        queues = queues.with_env(env)
        Demand, Line = env["cc.queue.demand"], env["cc.staffing.line"]
        print(f"learning the demand ({_common.load_average()})", flush=True)
        started = time.perf_counter()
        rows = Demand._cc_learn(queues, weeks=weeks)
        env.flush_all()
        results["learn"] = time.perf_counter() - started
        results["rows"] = rows
        cr.commit()
        learned = {
            (row.queue_id.id, int(row.weekday), row.half_hour): (row.calls, row.aht)
            for row in Demand.search([("queue_id", "in", queues.ids)])
        }
        results["calls_per_week"] = sum(calls for calls, _aht in learned.values())
        print(
            f"baseline: the same in Python, queue by queue ({_common.load_average()})"
        )
        started = time.perf_counter()
        naive = naive_demand(env, queues, weeks)
        results["naive"] = time.perf_counter() - started
        env.invalidate_all()
        results["differ"] = sum(
            1
            for key in set(learned) | set(naive)
            if key not in learned
            or key not in naive
            or abs(learned[key][0] - naive[key][0]) > 1e-6
            or abs(learned[key][1] - naive[key][1]) > 1e-6
        )
        results["compared"] = len(set(learned) | set(naive))

        today = Line._cc_day_bounds(datetime.now().date())[0]
        day = (today + timedelta(hours=12)).date()
        print(f"planning today's staffing ({_common.load_average()})", flush=True)
        started = time.perf_counter()
        lines = Line._cc_plan(day, queues)
        env.flush_all()
        results["plan"] = time.perf_counter() - started
        results["lines"] = len(lines)
        results["scheduled"] = sum(lines.mapped("scheduled"))
        results["online"] = sum(lines.mapped("online"))
        results["gaps"] = len(lines.filtered(lambda line: line.gap > 0))
        results["needed"] = max(lines.mapped("needed_scheduled"))
        cr.commit()
        print(f"baseline: planning the queues one by one ({_common.load_average()})")
        started = time.perf_counter()
        for queue in queues:
            Line._cc_plan(day, queue)
        env.flush_all()
        results["plan_naive"] = time.perf_counter() - started
        cr.rollback()
    return results


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500000)
    parser.add_argument("--queues", type=int, default=20)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--days", type=int, default=90)
    _common.add_database_options(parser, "cc_bench_staffing")
    return parser.parse_args()


def main():
    args = parse_args()
    begun = time.perf_counter()
    _common.drop_database(args.database)
    _common.create_database(args.database, "cc_telephony")
    odoo, Registry = _common.configure_odoo()
    # The whole history: every day of it in the window.
    weeks = -(-args.days // 7)
    try:
        registry = Registry(args.database)
        print("populating", flush=True)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            queues, agents = populate_organisation(env, args.queues, args.agents)
            calls = populate_calls(env, queues, agents, args.calls, args.days)
            cr.commit()
        _common.settle(
            args.database, ["cc_call", "cc_presence_log", "cc_availability_slot"]
        )
        results = measure(registry, queues, weeks)
    finally:
        if not args.keep:
            _common.drop_database(args.database)

    failures = []
    print()
    print(
        f"demand of {args.queues} queues learned from {calls:,} calls over "
        f"{args.days} days ({weeks} weeks' window): {results['rows']:,} rows "
        f"(queue x weekday x half hour), {results['calls_per_week']:,.0f} calls a week"
    )
    print(
        f"  one SQL statement (cc.queue.demand._cc_learn): {results['learn']:.2f} s "
        f"(target < {TARGET_LEARN:.0f} s)"
    )
    print(
        f"  baseline, search_read and Python queue by queue: {results['naive']:.2f} s "
        f"-> the SQL is {results['naive'] / results['learn']:.1f}x faster"
    )
    print(
        f"  figures compared: {results['compared']:,} (queue, weekday, half hour), "
        f"{results['differ']} differ"
    )
    print(
        f"today's staffing of {args.queues} queues: {results['lines']:,} lines, "
        f"{results['scheduled']:,} agent-half-hours scheduled, {results['online']:,} "
        f"online so far, {results['gaps']} half hours with a gap (up to "
        f"{results['needed']} agents to schedule in a half hour)"
    )
    print(
        f"  cc.staffing.line._cc_plan, all queues at once: {results['plan']:.2f} s "
        f"(target < {TARGET_PLAN:.0f} s)"
    )
    print(
        f"  baseline, the queues one by one: {results['plan_naive']:.2f} s -> "
        f"{results['plan_naive'] / results['plan']:.1f}x"
    )
    if results["learn"] >= TARGET_LEARN:
        failures.append(
            f"learning the demand took {results['learn']:.1f} s, not < 10 s"
        )
    if results["plan"] >= TARGET_PLAN:
        failures.append(f"planning the day took {results['plan']:.1f} s, not < 10 s")
    if results["differ"]:
        failures.append(
            f"{results['differ']} demand figures differ between the SQL and Python"
        )
    if not results["rows"] or results["lines"] != 48 * args.queues:
        failures.append("no demand learned, or not 48 lines a queue")
    print()
    print(
        f"summary ({time.perf_counter() - begun:.0f} s in all; at the end, "
        f"{_common.load_average()}):"
    )
    for label, value, target in (
        ("learn the demand", results["learn"], TARGET_LEARN),
        ("plan the day", results["plan"], TARGET_PLAN),
    ):
        verdict = "PASS" if value < target else "FAIL"
        print(f"  {label:<20} {value:>8.2f} s   target < {target:.0f} s   {verdict}")
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
