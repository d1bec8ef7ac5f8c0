"""Benchmark: quota figures for a big call center.

Builds a throwaway database with cc_agent, 1,000 agents with a contract each and
30 days of 40 handled contacts a day (1.2 million rows), then measures:

- today's quota board for every agent (cc.quota.day._cc_progress), against a
  baseline that counts agent by agent as naive code would, measured in the
  same run;
- a month of per-agent, per-day counts (_cc_count_by_channel + the contract's
  counted types);
- the number of queries of each, for 100 and for 1,000 agents: it must not
  grow with the number of agents.

    .venv/bin/python tests/benchmarks/benchmark_quota.py [--agents 1000] [--days 30]
        [--per-day 40] [--keep]

Exits non-zero when a target is missed (board < 1 s, month < 5 s, and no query
per agent: ten times the agents may add a few batched queries, not hundreds).
Needs ODOO_PATH and PostgreSQL as ./test does.
"""

import argparse
import io
import random
import sys
import time
from datetime import date, datetime, timedelta

import _common  # tests/benchmarks/_common.py: this script's folder is on sys.path

REPEAT = 3  # runs of each measure, the median kept


def populate(env, agents_count, days, per_day):
    """Agents (users, employees, contracts) through the ORM; their handled
    contacts through COPY, as a year of production would have left them."""
    started = time.perf_counter()
    users = _common.create_agent_users(env, agents_count)
    agents = (
        env["hr.employee"]
        .with_context(**_common.QUIET)
        .create(
            [
                {
                    "name": user.name,
                    "user_id": user.id,
                    "is_cc_agent": True,
                    "tz": "Asia/Riyadh",
                }
                for user in users
            ]
        )
    )
    calendar = _common.create_evenings_calendar(env)
    today = date.today()
    env["hr.contract"].with_context(**_common.QUIET).create(
        [
            {
                "name": f"{agent.name} contract",
                "employee_id": agent.id,
                "date_start": today - timedelta(days=days + 30),
                "date_end": today + timedelta(days=300),
                "wage": 0,
                "resource_calendar_id": calendar.id,
                "cc_regime": "part_time",
                "cc_pay_scheme": "per_contact",
                "cc_daily_minimum": 30,
                "cc_rate_ids": _common.rate_lines(),
                "state": "open",
            }
            for agent in agents
        ]
    )
    env.flush_all()
    elapsed = time.perf_counter() - started
    print(f"  {agents_count} agents, users and contracts: {elapsed:.1f} s", flush=True)

    started = time.perf_counter()
    rng = random.Random(7)
    company = env.company.id
    now = datetime.utcnow()
    rows = 0
    cr = env.cr
    for agent, user in zip(agents, users, strict=True):
        buffer = io.StringIO()
        for offset in range(days):
            day = today - timedelta(days=offset)
            for n in range(per_day):
                # Riyadh evenings, stored in UTC (17:00-21:00 local = 14:00-18:00 UTC).
                start = datetime.combine(day, datetime.min.time()) + timedelta(
                    hours=14, seconds=rng.randrange(4 * 3600)
                )
                channel = rng.choice(_common.CHANNELS)
                buffer.write(
                    f"{agent.id}\t{user.id}\t{company}\t{channel}\t{start}\t"
                    f"{day}\t{rng.randrange(30, 900)}\t0\tvalid\tf\t"
                    f"bench:{agent.id}:{day}:{n}\t1\t{now}\t1\t{now}\n"
                )
                rows += 1
        buffer.seek(0)
        cr._obj.copy_from(buffer, "cc_interaction", columns=_common.INTERACTION_COLUMNS)
    cr.execute("ANALYZE cc_interaction")
    cr.commit()
    elapsed = time.perf_counter() - started
    print(f"  {rows:,} handled contacts (COPY): {elapsed:.1f} s", flush=True)
    return agents


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=40)
    _common.add_database_options(parser, "cc_bench_quota")
    args = parser.parse_args()

    _common.drop_database(args.database)
    _common.create_database(args.database, "cc_agent")
    odoo, Registry = _common.configure_odoo()
    failures = []
    try:
        registry = Registry(args.database)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            print("populating", flush=True)
            agents = populate(env, args.agents, args.days, args.per_day)
            Quota = env["cc.quota.day"]
            Interaction = env["cc.interaction"]
            today = Quota._cc_agent_today(agents[0])
            first = today - timedelta(days=args.days - 1)

            board_time, board_queries = _common.measure(
                env, lambda: Quota._cc_progress(agents), REPEAT
            )
            small_time, small_queries = _common.measure(
                env,
                lambda: Quota._cc_progress(agents[: max(1, len(agents) // 10)]),
                REPEAT,
            )

            def naive_board():
                for agent in agents:
                    Interaction.search_count(
                        [
                            ("agent_id", "=", agent.id),
                            ("state", "=", "valid"),
                            ("date_local", "=", today),
                        ]
                    )

            naive_time, naive_queries = _common.measure(env, naive_board, 1)

            def month(subset):
                counts = Quota._cc_count_by_channel(subset, first, today)
                contracts = Quota._cc_running_contracts(subset, today)
                return {
                    key: Quota._cc_handled(by_channel, contracts.get(key[0]))
                    for key, by_channel in counts.items()
                }

            month_time, month_queries = _common.measure(
                env, lambda: month(agents), REPEAT
            )
            month_small_time, month_small_queries = _common.measure(
                env, lambda: month(agents[: max(1, len(agents) // 10)]), REPEAT
            )
            rows = Interaction.search_count([])
            cr.rollback()
    finally:
        if not args.keep:
            _common.drop_database(args.database)

    small = max(1, args.agents // 10)
    print()
    print(
        f"handled contacts in the ledger: {rows:,} "
        f"({args.agents} agents x {args.days} days x {args.per_day})"
    )
    print(
        f"today's quota board, {args.agents} agents: {board_time * 1000:.0f} ms, "
        f"{board_queries} queries (target < 1000 ms)"
    )
    print(
        f"  same for {small} agents: {small_time * 1000:.0f} ms, "
        f"{small_queries} queries"
    )
    print(
        f"  baseline, one count per agent: {naive_time * 1000:.0f} ms, "
        f"{naive_queries} queries -> the board is {naive_time / board_time:.1f}x faster"
    )
    print(
        f"a month of per-agent daily counts, {args.agents} agents: "
        f"{month_time * 1000:.0f} ms, {month_queries} queries (target < 5000 ms)"
    )
    print(
        f"  same for {small} agents: {month_small_time * 1000:.0f} ms, "
        f"{month_small_queries} queries"
    )
    if board_time >= 1:
        failures.append("the board took 1 s or more")
    if month_time >= 5:
        failures.append("the month took 5 s or more")
    # The ORM reads related records in batches of 1,000 ids: a few more queries
    # for ten times the agents is batching, a query per agent would be hundreds.
    for what, few, many in (
        ("board", small_queries, board_queries),
        ("month", month_small_queries, month_queries),
    ):
        if many - few >= args.agents // 100:
            failures.append(f"the {what}'s queries grow with the number of agents")
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
