# Shared by ./run and ./test: locate Odoo, prepare the virtualenv, reach PostgreSQL.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_PATH="${ODOO_PATH:-/opt/odoo}"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-$(id -un)}"
export PGHOST PGPORT PGUSER
CC_ADDONS="cc_agent,cc_ticket,cc_telephony,cc_payroll"

die() {
    printf '\nerror: %s\n' "$*" >&2
    exit 2
}

say() {
    printf '==> %s\n' "$*"
}

# An Odoo 18 source tree: odoo-bin plus the odoo package, release 18.0.
check_odoo() {
    if [ ! -f "$ODOO_PATH/odoo-bin" ] || [ ! -f "$ODOO_PATH/odoo/release.py" ]; then
        die "no Odoo 18 source tree at ODOO_PATH=$ODOO_PATH (expected $ODOO_PATH/odoo-bin and $ODOO_PATH/odoo/release.py).
Get Odoo 18.0 Community (README, 'Getting Odoo 18') and set ODOO_PATH to its folder."
    fi
    if ! grep -Eq '^version_info = \(18, 0,' "$ODOO_PATH/odoo/release.py"; then
        die "the Odoo tree at ODOO_PATH=$ODOO_PATH is not release 18.0 ($(grep -E '^version_info' "$ODOO_PATH/odoo/release.py"))."
    fi
    ODOO_ADDONS="$ODOO_PATH/odoo/addons"
    # A git checkout of odoo/odoo keeps most addons in a top-level addons/ folder.
    if [ -d "$ODOO_PATH/addons" ]; then
        ODOO_ADDONS="$ODOO_PATH/addons,$ODOO_ADDONS"
    fi
}

check_python() {
    command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found: Python 3.11 or 3.12 is required (set PYTHON=...)."
    "$PYTHON" - <<'PY' || die "Python 3.11 or 3.12 is required; $PYTHON is $("$PYTHON" -V 2>&1)."
import sys
sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 12) else 1)
PY
    "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null \
        || die "$PYTHON cannot create virtualenvs (install its venv module, e.g. apt install python3-venv)."
}

# TCP reachability first (fast, no Python packages needed); the login is checked
# once psycopg2 is in the virtualenv.
check_postgres_port() {
    if ! (exec 3<>"/dev/tcp/$PGHOST/$PGPORT") 2>/dev/null; then
        die "PostgreSQL unreachable at $PGHOST:$PGPORT (set PGHOST/PGPORT, or start it, e.g. pg_ctlcluster 15 main start)."
    fi
}

check_postgres_login() {
    local out
    if ! out=$("$VENV/bin/python" - 2>&1 <<'PY'
import os, psycopg2
conn = psycopg2.connect(dbname="postgres", connect_timeout=5)
cur = conn.cursor()
cur.execute("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")
row = cur.fetchone()
if not row or not row[0]:
    raise SystemExit(f"role {os.environ['PGUSER']} may not create databases")
PY
    ); then
        die "PostgreSQL at $PGHOST:$PGPORT refused role '$PGUSER': ${out##*$'\n'}
Create a role that may create databases (e.g. sudo -u postgres createuser -d $PGUSER), or set PGUSER/PGPASSWORD.
Odoo refuses to run as the 'postgres' role."
    fi
    [ "$PGUSER" != postgres ] || die "Odoo refuses to run as the 'postgres' role: set PGUSER to another role."
}

find_chromium() {
    local b
    for b in google-chrome chromium chromium-browser google-chrome-stable; do
        if command -v "$b" >/dev/null 2>&1; then
            command -v "$b"
            return 0
        fi
    done
    return 1
}

# Creates the virtualenv and installs the pinned requirements, again only when a
# requirements file changed (a stamp keeps their checksum).
ensure_venv() {
    local files=("$ROOT/requirements-odoo.txt" "$ROOT/requirements.txt" "$ROOT/requirements-oca.txt" "$@")
    # One stamp per set of files: ./run's set and ./test's larger one do not
    # invalidate each other.
    local want stamp
    want=$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)
    stamp="$VENV/.cc-requirements-$(printf '%s\n' "${files[@]##*/}" | sha256sum | cut -c1-12)"
    if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating the virtualenv $VENV"
        "$PYTHON" -m venv "$VENV" || die "could not create the virtualenv $VENV"
    fi
    say "installing Python dependencies into $VENV"
    local reqs=() f
    for f in "${files[@]}"; do
        [ "$f" = "$ROOT/requirements-oca.txt" ] || reqs+=(-r "$f")
    done
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${reqs[@]}" \
        || die "pip could not install ${files[*]}"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
        -r "$ROOT/requirements-oca.txt" || die "pip could not install requirements-oca.txt"
    echo "$want" > "$stamp"
}

# The addons path: this repository, the OCA wheels in the virtualenv, Odoo's own.
addons_path() {
    local site
    site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    echo "$ROOT/addons,$site/odoo/addons,$ODOO_ADDONS"
}

# Prints installed|uninstalled|absent for cc_agent in database $1.
database_state() {
    "$VENV/bin/python" - "$1" <<'PY'
import sys, psycopg2
conn = psycopg2.connect(dbname="postgres", connect_timeout=5)
cur = conn.cursor()
cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (sys.argv[1],))
if not cur.fetchone():
    print("absent")
    raise SystemExit
conn = psycopg2.connect(dbname=sys.argv[1], connect_timeout=5)
cur = conn.cursor()
cur.execute("SELECT to_regclass('ir_module_module') IS NOT NULL")
if not cur.fetchone()[0]:
    print("uninstalled")
    raise SystemExit
cur.execute("SELECT state FROM ir_module_module WHERE name = 'cc_agent'")
row = cur.fetchone()
print("installed" if row and row[0] == "installed" else "uninstalled")
PY
}

drop_database() {
    "$VENV/bin/python" - "$1" <<'PY'
import sys, psycopg2
from psycopg2 import sql
conn = psycopg2.connect(dbname="postgres", connect_timeout=5)
conn.autocommit = True
cur = conn.cursor()
cur.execute(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
    (sys.argv[1],),
)
cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(sys.argv[1])))
PY
}
