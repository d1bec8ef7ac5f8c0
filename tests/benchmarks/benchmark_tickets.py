"""Benchmark: the request list and the SLA job on a big call center.

Builds a throwaway database with cc_ticket (without demo), 10 supervisors with
20 agents each, 20 service types, 10,000 customers and 200,000 requests (COPY),
most of them open, their SLA deadlines around now and 2% of them newly past a
deadline, then measures:

- the web client's list of open requests: web_search_read with the list
  view's fields (and every SLA status and deadline), 80 rows in the default
  order, plus the pager's count, for a manager (all requests) and for a
  supervisor (their team's, through the record rules); against baselines
  measured in the same run: the same ordered by an unindexed column (subject),
  and search + read() of every field;
- the SLA job (cc.ticket._cron_sla): the clocks it marks breached and the
  requests it escalates in one run;
- the number of queries of each.

    .venv/bin/python tests/benchmarks/benchmark_tickets.py [--tickets 200000]
        [--late 0.02] [--keep]

Exits non-zero when a target is missed (list < 1 s, SLA job < 30 s).
Needs ODOO_PATH and PostgreSQL as ./test does.
"""

import argparse
import io
import random
import sys
import time
from datetime import timedelta

import _common  # tests/benchmarks/_common.py: this script's folder is on sys.path

REPEAT = 5  # runs of each measure, the median kept

OPEN_STAGES = ("new", "in_progress", "waiting", "escalated")
# How the requests are spread over the stages: most are open.
STAGE_WEIGHTS = {
    "new": 10,
    "in_progress": 45,
    "waiting": 10,
    "escalated": 15,
    "resolved": 12,
    "closed": 8,
}
DEPARTMENTS = ["Billing", "Technical Support", "Field Service", "Collections"]
CATEGORIES = ["sales", "collections", "support", "maintenance", "delivery", "general"]
COLUMNS = (
    "name",
    "subject",
    "active",
    "company_id",
    "partner_id",
    "channel",
    "service_type_id",
    "category",
    "owner_id",
    "owner_user_id",
    "supervisor_user_id",
    "department_id",
    "stage",
    "priority",
    "identity_verified",
    "date_first_response",
    "date_escalated",
    "date_resolved",
    "date_closed",
    "sla_agent_start",
    "sla_paused_since",
    "sla_paused_hours",
    "department_paused_hours",
    "resolution_hours",
    "sla_response_deadline",
    "sla_response_status",
    "sla_resolution_deadline",
    "sla_resolution_status",
    "sla_department_deadline",
    "sla_department_status",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
)


def populate_organisation(env):
    """Departments, supervisors and their agents, service types and customers
    through the ORM, as the call center would have set them up."""
    from odoo import Command

    started = time.perf_counter()
    calendar = env["resource.calendar"].create(
        {
            "name": "Saudi week",
            "tz": "Asia/Riyadh",
            "attendance_ids": [Command.clear()]
            + [
                Command.create(
                    {
                        "name": f"Day {day}",
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
    departments = env["hr.department"].create([{"name": n} for n in DEPARTMENTS])

    def users(prefix, group, count):
        return (
            env["res.users"]
            .with_context(**_common.QUIET)
            .create(
                [
                    {
                        "name": f"{prefix.title()} {n:03d}",
                        "login": f"bench_{prefix}_{n}",
                        "tz": "Asia/Riyadh",
                        "groups_id": [Command.set([env.ref(group).id])],
                    }
                    for n in range(count)
                ]
            )
        )

    manager = users("manager", "cc_agent.group_cc_manager", 1)
    supervisor_users = users("supervisor", "cc_agent.group_cc_supervisor", 10)
    agent_users = users("agent", "cc_agent.group_cc_agent", 200)
    Employee = env["hr.employee"].with_context(**_common.QUIET)
    supervisors = Employee.create(
        [
            {"name": user.name, "user_id": user.id, "tz": "Asia/Riyadh"}
            for user in supervisor_users
        ]
    )
    agents = Employee.create(
        [
            {
                "name": user.name,
                "user_id": user.id,
                "is_cc_agent": True,
                "parent_id": supervisors[n // 20].id,
                "tz": "Asia/Riyadh",
            }
            for n, user in enumerate(agent_users)
        ]
    )
    services = env["cc.service.type"].create(
        [
            {
                "name": f"Service {n:02d}",
                "code": f"S{n:02d}",
                "sequence": n,
                "category": CATEGORIES[n % len(CATEGORIES)],
                "resolution_policy": ("agent", "escalate", "limit", "agent")[n % 4],
                "department_id": departments[n % len(departments)].id
                if n % 4 in (1, 2)
                else False,
                "limit_amount": 500 if n % 4 == 2 else 0,
                "sla_response_hours": 2 + n % 3,
                "sla_resolution_hours": 8 * (1 + n % 3),
                "sla_department_hours": 24 + 8 * (n % 3),
            }
            for n in range(20)
        ]
    )
    partners = (
        env["res.partner"]
        .with_context(**_common.QUIET)
        .create(
            [
                {"name": f"Customer {n:05d}", "phone": f"+9665{n:08d}"}
                for n in range(10000)
            ]
        )
    )
    env.flush_all()
    print(
        f"  {len(agents)} agents, {len(supervisors)} supervisors, {len(services)} "
        f"service types, {len(partners):,} customers: "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return {
        "manager": manager,
        "supervisor": supervisor_users[0],
        "agents": agents,
        "services": services,
        "departments": departments,
        "partners": partners,
    }


def populate_tickets(env, org, count, late_share, rng):
    """The requests through COPY, as months of production would have left
    them: open ones with their clocks running (deadlines around now), a share
    of them newly past a deadline the SLA job has not seen yet."""
    started = time.perf_counter()
    now = env.cr.now().replace(microsecond=0)
    company = env.company.id
    services = [
        (service.id, service.category, service.department_id.id)
        for service in org["services"]
    ]
    departments = org["departments"].ids
    agents = [
        (agent.id, agent.user_id.id, agent.parent_id.user_id.id)
        for agent in org["agents"]
    ]
    partners = org["partners"].ids
    stages, weights = zip(*STAGE_WEIGHTS.items(), strict=True)
    late_count = 0

    def hours(value):
        return timedelta(hours=value)

    def ahead():
        # A running clock: due between half an hour and three days from now.
        return now + hours(rng.uniform(0.5, 72))

    def behind():
        return now - hours(rng.uniform(1, 240))

    buffer = io.StringIO()
    for n in range(count):
        service_id, category, service_department = rng.choice(services)
        owner, owner_user, supervisor_user = (
            rng.choice(agents) if rng.random() > 0.03 else (None, None, None)
        )
        late = rng.random() < late_share
        stage = rng.choices(stages, weights)[0]
        if late:
            stage = rng.choice(("new", "in_progress", "escalated"))
            late_count += 1
        open_ = stage in OPEN_STAGES
        created = now - hours(rng.uniform(0.2, 24 * (14 if open_ else 60)))
        row = dict.fromkeys(COLUMNS)
        row.update(
            name=f"TCK/BENCH/{n + 1:06d}",
            subject=f"Request {n} about {category}",
            active="t",
            company_id=company,
            partner_id=rng.choice(partners) if rng.random() > 0.1 else None,
            channel=rng.choice(("phone", "phone", "email", "web")),
            service_type_id=service_id,
            category=category,
            owner_id=owner,
            owner_user_id=owner_user,
            supervisor_user_id=supervisor_user,
            stage=stage,
            priority=rng.choices(("0", "1", "2"), (85, 12, 3))[0],
            identity_verified="f",
            sla_agent_start=created,
            sla_paused_hours=0,
            department_paused_hours=0,
            sla_response_status="none",
            sla_resolution_status="none",
            sla_department_status="none",
            create_uid=1,
            create_date=created,
            write_uid=1,
            write_date=created,
        )
        if stage != "new":
            row["date_first_response"] = created + hours(rng.uniform(0, 2))
            row["sla_response_deadline"] = created + hours(3)
            row["sla_response_status"] = rng.choices(("met", "missed"), (9, 1))[0]
        else:
            row["sla_response_deadline"] = ahead()
            row["sla_response_status"] = "running"
        row["sla_resolution_deadline"] = ahead()
        row["sla_resolution_status"] = "running"
        if stage == "in_progress" and not service_department and rng.random() < 0.05:
            row["sla_resolution_deadline"] = behind()
            row["sla_resolution_status"] = "breached"
        if stage == "waiting":
            row["sla_resolution_status"] = "paused"
            row["sla_paused_since"] = now - hours(rng.uniform(0.5, 48))
        if stage in ("escalated", "resolved", "closed") and (
            stage == "escalated" or rng.random() < 0.3
        ):
            row["department_id"] = service_department or rng.choice(departments)
            row["date_escalated"] = created + hours(rng.uniform(1, 40))
            row["sla_resolution_status"] = rng.choices(("met", "missed"), (7, 3))[0]
            row["sla_department_deadline"] = ahead()
            row["sla_department_status"] = "running"
        if stage in ("resolved", "closed"):
            spent = rng.uniform(0.5, 120)
            row["date_resolved"] = created + hours(spent)
            row["resolution_hours"] = spent
            if row["sla_resolution_status"] == "running":
                row["sla_resolution_status"] = rng.choices(("met", "missed"), (8, 2))[0]
            if row["sla_department_status"] == "running":
                row["sla_department_status"] = rng.choices(("met", "missed"), (8, 2))[0]
            if stage == "closed":
                row["date_closed"] = row["date_resolved"] + hours(24)
        if late:
            # Newly past a deadline: the job has not run since.
            prefixes = {
                "new": ("sla_response", "sla_resolution"),
                "in_progress": ("sla_resolution",),
                "escalated": ("sla_department",),
            }[stage]
            for prefix in prefixes:
                row[f"{prefix}_deadline"] = now - timedelta(minutes=rng.uniform(1, 55))
                row[f"{prefix}_status"] = "running"
        buffer.write(
            "\t".join(r"\N" if row[c] is None else str(row[c]) for c in COLUMNS)
        )
        buffer.write("\n")
    buffer.seek(0)
    env.cr._obj.copy_from(buffer, "cc_ticket", columns=COLUMNS)
    env.cr.execute("ANALYZE cc_ticket")
    env.cr.commit()
    print(
        f"  {count:,} requests (COPY), {late_count:,} newly past a deadline: "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )


def list_specification(env):
    """What the web client asks for to show the list view: its fields, the
    display name of the related records; and every SLA status and deadline."""
    from lxml import etree

    Ticket = env["cc.ticket"]
    arch = Ticket.get_views([(False, "list")])["views"]["list"]["arch"]
    names = [node.get("name") for node in etree.fromstring(arch).iter("field")]
    names += [
        f"{prefix}_{what}"
        for prefix in ("sla_response", "sla_resolution", "sla_department")
        for what in ("status", "deadline")
    ]
    specification = {}
    for name in names:
        field = Ticket._fields[name]
        specification[name] = (
            {"fields": {"display_name": {}}} if field.type == "many2one" else {}
        )
    return specification


def user_environment(env, user):
    """``user``'s environment, with the context the web client sends."""
    from odoo import api

    return api.Environment(
        env.cr,
        user.id,
        {
            "lang": "en_US",
            "tz": "Asia/Riyadh",
            "uid": user.id,
            "allowed_company_ids": [env.company.id],
            "bin_size": True,
        },
    )


def measure_list(env, user, domain, specification):
    """The list load as ``user``, and its baselines."""
    user_env = user_environment(env, user)
    Ticket = user_env["cc.ticket"]
    result = {}

    def web_list(order=None, count_limit=None):
        return Ticket.web_search_read(
            domain,
            specification,
            limit=80,
            order=order,
            count_limit=count_limit,
        )

    # Warm the registry's caches (rules, views) as a running server has them.
    answer = web_list()
    result["shown"], result["length"] = len(answer["records"]), answer["length"]
    result["list"] = _common.measure(user_env, web_list, REPEAT)
    result["count_limited"] = _common.measure(
        user_env, lambda: web_list(count_limit=10001), REPEAT
    )
    result["unindexed"] = _common.measure(
        user_env, lambda: web_list(order="subject"), REPEAT
    )

    readable = list(Ticket.fields_get(attributes=["type"]))

    def read_everything():
        records = Ticket.search(domain, limit=80)
        records.read(readable)
        Ticket.search_count(domain)

    result["read_all"] = _common.measure(user_env, read_everything, REPEAT)
    return result


def measure_report(env, user):
    """This month's Excel report as ``user``, when the addon has it."""
    user_env = user_environment(env, user)
    if "cc.ticket.report.export" not in user_env:
        return None
    wizard = user_env["cc.ticket.report.export"].create({})
    wizard.action_export()
    return _common.measure(user_env, wizard.action_export, 3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200000)
    parser.add_argument(
        "--late", type=float, default=0.02, help="share of requests newly late"
    )
    _common.add_database_options(parser, "cc_bench_tickets")
    args = parser.parse_args()

    _common.drop_database(args.database)
    _common.create_database(args.database, "cc_ticket")
    odoo, Registry = _common.configure_odoo()
    failures = []
    try:
        registry = Registry(args.database)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            print("populating", flush=True)
            org = populate_organisation(env)
            cr.commit()
            populate_tickets(env, org, args.tickets, args.late, random.Random(7))
            domain = [("stage", "in", OPEN_STAGES)]
            specification = list_specification(env)
            lists = {
                role: measure_list(env, org[role], domain, specification)
                for role in ("manager", "supervisor")
            }
            report = measure_report(env, org["manager"])

            Ticket = env["cc.ticket"]
            Escalation = env["cc.ticket.escalation"]
            now = odoo.fields.Datetime.now()
            due = {
                prefix: Ticket.search_count(
                    [
                        (f"{prefix}_status", "=", "running"),
                        (f"{prefix}_deadline", "<", now),
                    ]
                )
                for prefix in ("sla_response", "sla_resolution", "sla_department")
            }
            breached_before = {
                prefix: Ticket.search_count([(f"{prefix}_status", "=", "breached")])
                for prefix in due
            }
            escalations_before = Escalation.search_count([])
            env.invalidate_all()
            before = cr.sql_log_count
            started = time.perf_counter()
            Ticket._cron_sla()
            env.flush_all()
            cron_time = time.perf_counter() - started
            cron_queries = cr.sql_log_count - before
            marked = {
                prefix: Ticket.search_count([(f"{prefix}_status", "=", "breached")])
                - breached_before[prefix]
                for prefix in due
            }
            escalated = Escalation.search_count([]) - escalations_before
            # Escalated requests leave the agent tier: count the ones they left.
            marked_total = sum(marked.values()) + escalated
            left = Ticket.search_count(
                [
                    ("sla_resolution_status", "=", "breached"),
                    ("stage", "in", ("new", "in_progress")),
                    ("date_escalated", "=", False),
                    ("service_type_id.department_id", "!=", False),
                ]
            )
            rows = Ticket.search_count([])
            open_rows = Ticket.search_count(domain)
            cr.rollback()
    finally:
        if not args.keep:
            _common.drop_database(args.database)

    print()
    print(f"requests: {rows:,}, open: {open_rows:,}")
    print(
        f"list specification: {len(specification)} fields ({', '.join(specification)})"
    )
    for role, figures in lists.items():
        seconds, queries = figures["list"]
        print(
            f"open requests list as the {role} ({figures['length']:,} visible, "
            f"{figures['shown']} shown): web_search_read + pager count "
            f"{seconds * 1000:.0f} ms, {queries} queries (target < 1000 ms)"
        )
        seconds, queries = figures["count_limited"]
        print(
            f"  as the web client sends it (count_limit=10001): "
            f"{seconds * 1000:.0f} ms, {queries} queries"
        )
        seconds, queries = figures["unindexed"]
        print(
            f"  baseline, ordered by subject (no index): {seconds * 1000:.0f} ms, "
            f"{queries} queries"
        )
        seconds, queries = figures["read_all"]
        print(
            f"  baseline, search + read() of every field + count: "
            f"{seconds * 1000:.0f} ms, {queries} queries"
        )
        if figures["list"][0] >= 1:
            failures.append(f"the {role}'s list took 1 s or more")
    if report:
        print(
            f"this month's Excel report as the manager (informative): "
            f"{report[0] * 1000:.0f} ms, {report[1]} queries"
        )
    print(
        f"SLA job over {open_rows:,} open requests: {cron_time:.1f} s, "
        f"{cron_queries:,} queries (target < 30 s)"
    )
    for prefix, count in due.items():
        print(f"  {prefix}: {count:,} running clocks past their deadline")
    print(
        f"  clocks marked breached: {marked_total:,} "
        f"({', '.join(f'{p} {c:,}' for p, c in marked.items())}, "
        f"plus {escalated} agent clocks closed by their escalation)"
    )
    print(f"  requests escalated: {escalated} ({left:,} left for the next runs)")
    if cron_time >= 30:
        failures.append("the SLA job took 30 s or more")
    if marked_total != sum(due.values()):
        failures.append("the SLA job did not mark every late clock breached")
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
