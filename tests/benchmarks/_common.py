"""What the benchmarks of tests/benchmarks/ share (not a benchmark itself).

Where Odoo and the addons are; the throwaway database (created with one addon
installed and without demo, dropped, settled after a bulk load); Odoo
configured for it; the --database and --keep options; the machine's load; the
median time and queries of a function on a cold ORM cache; importing a file of
an addon without Odoo; and what the quota and payroll benchmarks both build
(the agents' users, their evening calendar, the columns of their handled
contacts).

The scripts run as `.venv/bin/python tests/benchmarks/benchmark_x.py`: Python
puts their folder first on sys.path, so they `import _common`. Standard library
only when imported (psycopg2 and odoo are imported when used), so that
benchmark_esl_parser.py, which needs no database, can import it too. Needs
ODOO_PATH and PostgreSQL (PGHOST, PGPORT, PGUSER) as ./test does.
"""

import importlib.util
import os
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ODOO_PATH = Path(os.environ.get("ODOO_PATH", "/opt/odoo"))
# The context of bulk creations: no chatter, no invitation e-mail.
QUIET = {"tracking_disable": True, "mail_create_nolog": True, "no_reset_password": True}
# Channels of the handled contacts, drawn at random: half of them inbound calls.
CHANNELS = ["inbound_call"] * 3 + ["outbound_call", "email", "ticket"]
# The columns of cc_interaction the quota and payroll benchmarks COPY.
INTERACTION_COLUMNS = (
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
)


def load(name, path):
    """Import a file of the addon without Odoo (both are standard library only)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def add_database_options(parser, database):
    """--database (``database`` by default) and --keep, the last options of
    every benchmark that builds a database."""
    parser.add_argument("--database", default=database)
    parser.add_argument("--keep", action="store_true", help="keep the database")


def create_database(name, addon):
    """Database ``name`` with ``addon`` installed, without demo (odoo-bin's
    output in var/<name>.log)."""
    log = ROOT / "var" / f"{name}.log"
    log.parent.mkdir(exist_ok=True)
    print(f"installing {addon} into {name} (log: {log.relative_to(ROOT)})", flush=True)
    with open(log, "w") as handle:
        subprocess.run(
            [
                sys.executable,
                str(ODOO_PATH / "odoo-bin"),
                f"--addons-path={addons_path()}",
                *db_args(),
                f"--database={name}",
                f"--init={addon}",
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


def configure_odoo():
    """Odoo importable (from ODOO_PATH) and configured for the benchmark
    databases: returns the odoo package and its Registry class."""
    sys.path.insert(0, str(ODOO_PATH))
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        [f"--addons-path={addons_path()}", *db_args(), "--log-level=warn"]
    )
    return odoo, Registry


def settle(name, tables):
    """VACUUM (ANALYZE) ``tables`` and CHECKPOINT, as after a bulk load: its
    after-effects (hint bits to set, dirty buffers to write) are not measured."""
    import psycopg2

    conn = psycopg2.connect(dbname=name, connect_timeout=5)
    conn.autocommit = True
    with conn.cursor() as cur:
        for table in tables:
            cur.execute(f"VACUUM (ANALYZE) {table}")
        try:
            cur.execute("CHECKPOINT")
        except psycopg2.Error as error:  # not a superuser: the writes go on
            print(f"  (no CHECKPOINT: {str(error).strip()})")
    conn.close()


def load_average():
    """The machine's load: other processes share its CPUs."""
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} CPUs"


def measure(env, function, repeat):
    """Median seconds and queries of ``function`` on a cold ORM cache, over
    ``repeat`` runs."""
    timings, queries = [], []
    for _ in range(repeat):
        env.invalidate_all()
        before = env.cr.sql_log_count
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
        queries.append(env.cr.sql_log_count - before)
    return statistics.median(timings), max(queries)


def create_agent_users(env, count):
    """``count`` users of the agent group: Agent 0000, Agent 0001..."""
    from odoo import Command

    group = env.ref("cc_agent.group_cc_agent")
    return (
        env["res.users"]
        .with_context(**QUIET)
        .create(
            [
                {
                    "name": f"Agent {n:04d}",
                    "login": f"bench_agent_{n}",
                    "groups_id": [Command.set([group.id])],
                }
                for n in range(count)
            ]
        )
    )


def create_evenings_calendar(env):
    """Riyadh evenings, 17:00 to 20:00, Sunday to Thursday."""
    from odoo import Command

    return env["resource.calendar"].create(
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


def rate_lines():
    """The per-contact rates of the quota and payroll contracts (tickets do not
    count for the quota)."""
    from odoo import Command

    return [
        Command.create({"channel": "inbound_call", "rate": 6}),
        Command.create({"channel": "email", "rate": 4}),
        Command.create({"channel": "ticket", "rate": 8, "counts_for_quota": False}),
    ]
