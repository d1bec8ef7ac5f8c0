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
import os
import random
import statistics
import subprocess
import sys
import sysconfig
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ODOO_PATH = Path(os.environ.get("ODOO_PATH", "/opt/odoo"))
CHANNELS = ["inbound_call"] * 3 + ["outbound_call", "email", "ticket"]


def addons_path():
    site = Path(sysconfig.get_paths()["purelib"])
    paths = [ROOT / "addons", site / "odoo" / "addons"]
    if (ODOO_PATH / "addons").is_dir():
        paths.append(ODOO_PATH / "addons")
    paths.append(ODOO_PATH / "odoo" / "addons")
    return ",".join(str(path) for path in paths)


def db_args():
    return [
        f"--db_host={os.environ.get('PGHOST', '127.0.0.1')}",
        f"--db_port={os.environ.get('PGPORT', '5432')}",
        f"--db_user={os.environ.get('PGUSER') or os.environ.get('USER') or 'root'}",
    ]


def create_database(name):
    log = ROOT / "var" / f"{name}.log"
    log.parent.mkdir(exist_ok=True)
    print(f"installing cc_agent into {name} (log: {log.relative_to(ROOT)})", flush=True)
    with open(log, "w") as handle:
        subprocess.run(
            [
                sys.executable,
                str(ODOO_PATH / "odoo-bin"),
                f"--addons-path={addons_path()}",
                *db_args(),
                f"--database={name}",
                "--init=cc_agent",
                "--without-demo=all",
                "--stop-after-init",
                "--log-level=warn",
            ],
            check=True,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def drop_database(name):
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(dbname="postgres", connect_timeout=5)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (name,),
        )
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    conn.close()


def populate(env, agents_count, days, per_day):
    """Agents (users, employees, contracts) through the ORM; their handled
    contacts through COPY, as a year of production would have left them."""
    from odoo import Command

    started = time.perf_counter()
    quiet = {
        "tracking_disable": True,
        "mail_create_nolog": True,
        "no_reset_password": True,
    }
    group = env.ref("cc_agent.group_cc_agent")
    users = (
        env["res.users"]
        .with_context(**quiet)
        .create(
            [
                {
                    "name": f"Agent {n:04d}",
                    "login": f"bench_agent_{n}",
                    "groups_id": [Command.set([group.id])],
                }
                for n in range(agents_count)
            ]
        )
    )
    agents = (
        env["hr.employee"]
        .with_context(**quiet)
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
    calendar = env["resource.calendar"].create(
        {
            "name": "Evenings",
            "tz": "Asia/Riyadh",
            "attendance_ids": [Command.clear()]
            + [
                Command.create(
                    {"name": d, "dayofweek": d, "hour_from": 17, "hour_to": 20}
                )
                for d in ("6", "0", "1", "2", "3")
            ],
        }
    )
    today = date.today()
    env["hr.contract"].with_context(**quiet).create(
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
                "cc_rate_ids": [
                    Command.create({"channel": "inbound_call", "rate": 6}),
                    Command.create({"channel": "email", "rate": 4}),
                    Command.create(
                        {"channel": "ticket", "rate": 8, "counts_for_quota": False}
                    ),
                ],
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
                buffer.write(
                    f"{agent.id}\t{user.id}\t{company}\t{rng.choice(CHANNELS)}\t{start}\t"
                    f"{day}\t{rng.randrange(30, 900)}\t0\tvalid\tf\t"
                    f"bench:{agent.id}:{day}:{n}\t1\t{now}\t1\t{now}\n"
                )
                rows += 1
        buffer.seek(0)
        cr._obj.copy_from(
            buffer,
            "cc_interaction",
            columns=(
                "agent_id",
                "user_id",
                "company_id",
                "channel",
                "date_start",
                "date_local",
                "duration",
                "commission_base",
                "state",
                "locked",
                "source_key",
                "create_uid",
                "create_date",
                "write_uid",
                "write_date",
            ),
        )
    cr.execute("ANALYZE cc_interaction")
    cr.commit()
    elapsed = time.perf_counter() - started
    print(f"  {rows:,} handled contacts (COPY): {elapsed:.1f} s", flush=True)
    return agents


def measure(env, function, repeat=3):
    """Median seconds and queries of ``function`` on a cold ORM cache."""
    timings, queries = [], []
    for _ in range(repeat):
        env.invalidate_all()
        before = env.cr.sql_log_count
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
        queries.append(env.cr.sql_log_count - before)
    return statistics.median(timings), max(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=40)
    parser.add_argument("--database", default="cc_bench_quota")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    drop_database(args.database)
    create_database(args.database)
    sys.path.insert(0, str(ODOO_PATH))
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        [f"--addons-path={addons_path()}", *db_args(), "--log-level=warn"]
    )
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

            board_time, board_queries = measure(env, lambda: Quota._cc_progress(agents))
            small_time, small_queries = measure(
                env, lambda: Quota._cc_progress(agents[: max(1, len(agents) // 10)])
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

            naive_time, naive_queries = measure(env, naive_board, repeat=1)

            def month(subset):
                counts = Quota._cc_count_by_channel(subset, first, today)
                contracts = Quota._cc_running_contracts(subset, today)
                return {
                    key: Quota._cc_handled(by_channel, contracts.get(key[0]))
                    for key, by_channel in counts.items()
                }

            month_time, month_queries = measure(env, lambda: month(agents))
            month_small_time, month_small_queries = measure(
                env, lambda: month(agents[: max(1, len(agents) // 10)])
            )
            rows = Interaction.search_count([])
            cr.rollback()
    finally:
        if not args.keep:
            drop_database(args.database)

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
