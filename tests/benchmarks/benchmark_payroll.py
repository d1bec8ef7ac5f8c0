"""Benchmark: a month's payroll batch for a big call center.

Builds a throwaway database with cc_payroll (without demo), 1,000 agents (half
of them Saudi, for GOSI) with a contract each paying per contact, a commission
and a quota bonus, and last month's handled contacts: 40 a day on 30 days
(1.2 million rows, COPY). Then measures:

- the batch: 1,000 payslips created and computed at once (the quota days of
  the month closed, the contacts counted and linked, the inputs written, the
  salary rules run), its time and the process's peak memory;
- a baseline measured in the same run: the same payslips computed one by one
  (as OCA's own batch wizard would if it computed each payslip in turn), on a
  sample, extrapolated;
- confirming the batch (computed again, then the 1.2 million contacts it paid
  linked to their payslip and locked).

    .venv/bin/python tests/benchmarks/benchmark_payroll.py [--agents 1000]
        [--per-day 40] [--days 30] [--keep]

Exits non-zero when a target is missed (the batch in under 60 s and under
1 GB of memory). Needs ODOO_PATH and PostgreSQL as ./test does.
"""

import argparse
import io
import random
import resource
import sys
import time
from datetime import date, datetime, timedelta

import _common  # tests/benchmarks/_common.py: this script's folder is on sys.path

MIB = 1024 * 1024


def last_month():
    first_of_this = date.today().replace(day=1)
    date_to = first_of_this - timedelta(days=1)
    return date_to.replace(day=1), date_to


def populate(env, agents_count, days, per_day):
    """Agents (users, employees, contracts) through the ORM; last month's
    handled contacts through COPY."""
    started = time.perf_counter()
    users = _common.create_agent_users(env, agents_count)
    saudi, egypt = env.ref("base.sa"), env.ref("base.eg")
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
                    "country_id": (saudi if n % 2 else egypt).id,
                    "cc_gosi_first_insured": date(2020 + n % 6, 1 + n % 12, 1),
                }
                for n, user in enumerate(users)
            ]
        )
    )
    env.company.resource_calendar_id.tz = "Asia/Riyadh"
    calendar = _common.create_evenings_calendar(env)
    date_from, date_to = last_month()
    env["hr.contract"].with_context(**_common.QUIET).create(
        [
            {
                "name": f"{agent.name} contract",
                "employee_id": agent.id,
                "date_start": date_from - timedelta(days=60),
                "date_end": date_to + timedelta(days=300),
                "wage": 0,
                "resource_calendar_id": calendar.id,
                "cc_regime": "part_time",
                "cc_pay_scheme": "mixed",
                "cc_commission_rate": 2,
                "cc_quota_bonus": 1,
                "cc_daily_minimum": 20,
                "cc_device_allowance": 100,
                "cc_rate_ids": _common.rate_lines(),
                "state": "open",
            }
            for agent in agents
        ]
    )
    env.flush_all()
    print(
        f"  {agents_count} agents, users and contracts: "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )

    started = time.perf_counter()
    rng = random.Random(7)
    company = env.company.id
    now = datetime.utcnow()
    rows = 0
    cr = env.cr
    for agent, user in zip(agents, users, strict=True):
        buffer = io.StringIO()
        for offset in range(days):
            day = date_from + timedelta(days=offset % ((date_to - date_from).days + 1))
            for n in range(per_day):
                # Riyadh evenings, stored in UTC (17:00-21:00 local).
                start = datetime.combine(day, datetime.min.time()) + timedelta(
                    hours=14, seconds=rng.randrange(4 * 3600)
                )
                base = rng.choice((0, 0, 0, 300))
                channel = rng.choice(_common.CHANNELS)
                buffer.write(
                    f"{agent.id}\t{user.id}\t{company}\t{channel}\t{start}\t"
                    f"{day}\t{rng.randrange(30, 900)}\t{base}\tvalid\tf\t"
                    f"bench:{agent.id}:{offset}:{n}\t1\t{now}\t1\t{now}\n"
                )
                rows += 1
        buffer.seek(0)
        cr._obj.copy_from(buffer, "cc_interaction", columns=_common.INTERACTION_COLUMNS)
    cr.execute("ANALYZE cc_interaction")
    cr.commit()
    print(
        f"  {rows:,} handled contacts (COPY): {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return agents


def memory(field):
    """The process's resident memory (VmRSS) or its peak (VmHWM), in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reset_peak():
    """Starts measuring the peak anew (Linux: clear_refs 5 resets VmHWM)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        pass


def new_slips(env, run, agents, date_from, date_to):
    structure = env.ref("cc_payroll.hr_payroll_structure_cc_agent")
    return (
        env["hr.payslip"]
        .with_context(tracking_disable=True, mail_create_nolog=True)
        .create(
            [
                {
                    "employee_id": agent.id,
                    "contract_id": agent.contract_id.id,
                    "struct_id": structure.id,
                    "date_from": date_from,
                    "date_to": date_to,
                    "payslip_run_id": run.id,
                    "name": f"Payslip of {agent.name}",
                }
                for agent in agents
            ]
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=40)
    parser.add_argument("--sample", type=int, default=50, help="baseline sample")
    _common.add_database_options(parser, "cc_bench_payroll")
    args = parser.parse_args()

    _common.drop_database(args.database)
    _common.create_database(args.database, "cc_payroll")
    odoo, Registry = _common.configure_odoo()
    date_from, date_to = last_month()
    try:
        registry = Registry(args.database)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            print("populating", flush=True)
            agents = populate(env, args.agents, args.days, args.per_day)
            Run = env["hr.payslip.run"]
            # The hourly job closes each day's quota as the month goes; here
            # the month is closed at once, before payroll (timed apart).
            started = time.perf_counter()
            Quota = env["cc.quota.day"]
            day = date_from + timedelta(days=6)
            while True:
                Quota._cc_close_days(agents, until=min(day, date_to))
                if day >= date_to:
                    break
                day += timedelta(days=7)
            env.flush_all()
            cr.commit()
            close_time = time.perf_counter() - started

            # Baseline: payslips computed one by one, on a sample.
            sample = agents[: args.sample]
            baseline_run = Run.create(
                {"name": "baseline", "date_start": date_from, "date_end": date_to}
            )
            slips = new_slips(env, baseline_run, sample, date_from, date_to)
            env.flush_all()
            started = time.perf_counter()
            for slip in slips:
                slip.compute_sheet()
            env.flush_all()
            baseline = (time.perf_counter() - started) * args.agents / len(sample)
            cr.rollback()
            env.invalidate_all()

            # The batch, as HR runs it: create the payslips, compute them all.
            env.invalidate_all()
            reset_peak()
            rss_before = memory("VmRSS")
            started = time.perf_counter()
            run = Run.create(
                {"name": "month", "date_start": date_from, "date_end": date_to}
            )
            slips = new_slips(env, run, agents, date_from, date_to)
            run.action_cc_compute()
            env.flush_all()
            batch_time = time.perf_counter() - started
            rss_after = memory("VmHWM")
            lines = env["hr.payslip.line"].search_count([("slip_id", "in", slips.ids)])
            net = sum(slips.mapped(lambda slip: slip.get_salary_line_total("NET")))
            cr.execute(
                "SELECT coalesce(sum(amount), 0) FROM hr_payslip_input "
                "WHERE payslip_id IN %s AND code LIKE 'CC\\_N\\_%%'",
                (tuple(slips.ids),),
            )
            counted = int(cr.fetchone()[0])
            quota_days = env["cc.quota.day"].search_count([])
            cr.commit()

            started = time.perf_counter()
            run.action_cc_confirm()
            env.flush_all()
            confirm_time = time.perf_counter() - started
            locked = env["cc.interaction"].search_count(
                [("locked", "=", True), ("cc_payslip_id", "in", slips.ids)]
            )
            cr.commit()
            rows = env["cc.interaction"].search_count([])
    finally:
        if not args.keep:
            _common.drop_database(args.database)

    failures = []
    peak = rss_after / MIB
    print()
    print(
        f"handled contacts last month: {rows:,} ({args.agents} agents x {args.days} "
        f"days x {args.per_day}); quota days closed: {quota_days:,} "
        f"(the hourly job's work over the month, done at once: {close_time:.1f} s)"
    )
    print(
        f"batch of {args.agents} payslips, created and computed: {batch_time:.1f} s "
        f"(target < 60 s); {lines:,} payslip lines, {counted:,} contacts counted, "
        f"net total {net:,.2f}"
    )
    print(
        f"  peak memory of the process: {peak:.0f} MiB (target < 1024 MiB; "
        f"{rss_before / MIB:.0f} MiB before the batch)"
    )
    print(
        f"  baseline, payslips computed one by one ({len(sample)} measured, "
        f"extrapolated): {baseline:.1f} s -> the batch is "
        f"{baseline / batch_time:.1f}x faster"
    )
    print(
        f"confirming the batch (computed again, then {locked:,} contacts linked to "
        "their payslip and locked): "
        f"{confirm_time:.1f} s"
    )
    if batch_time >= 60:
        failures.append(f"batch took {batch_time:.1f} s")
    if peak >= 1024:
        failures.append(f"peak memory {peak:.0f} MiB")
    if counted != rows:
        failures.append(f"{rows - counted} contacts not counted")
    if locked != rows:
        failures.append(f"{rows - locked} contacts not locked")
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
