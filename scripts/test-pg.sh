#!/usr/bin/env bash
# Run the test suite against a throwaway PostgreSQL 15 cluster.
#
#   bash scripts/test-pg.sh [pytest args...]
#
# initdb's a fresh cluster in a temp dir, starts it on a free port on 127.0.0.1 (unix sockets in
# the temp dir), creates the database `kepu`, runs `.venv/bin/pytest -n 2 -q "$@"` with
# KEPU_DATABASE_URL pointing at it, then stops the cluster and removes the temp dir whatever
# happened. Exits with pytest's status.
#
# The cluster's default collation is deliberately not plain C: en_US.UTF-8 when the OS has it,
# otherwise C.UTF-8 for ctype with ICU's en-US as the default collation, so ordering and
# case-insensitive lookups are tested as a production cluster would do them.
#
# Environment: KEPU_PG_BIN (directory with initdb/pg_ctl; default: Debian's PostgreSQL 15, else
# the newest installed), KEPU_PG_PORT (first port to try, default 55432).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PYTHON=$ROOT/.venv/bin/python
PYTEST=$ROOT/.venv/bin/pytest

log() { printf '[test-pg] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ -x "$PYTEST" ] || die "$PYTEST is missing: run 'make install' first"

# --- PostgreSQL binaries ------------------------------------------------------------------------

find_pg_bin() {
    if [ -n "${KEPU_PG_BIN:-}" ]; then
        [ -x "$KEPU_PG_BIN/initdb" ] && echo "$KEPU_PG_BIN"
        return 0
    fi
    if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
        echo /usr/lib/postgresql/15/bin
        return 0
    fi
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then
        echo "$dir"
    fi
}

PG_BIN=$(find_pg_bin)
if [ -z "$PG_BIN" ]; then
    [ "$(id -u)" -eq 0 ] || die "PostgreSQL binaries not found; install postgresql-15 (needs root)"
    log "PostgreSQL binaries not found: installing postgresql-15"
    # Keep the package from creating and starting a 'main' cluster on port 5432 that nobody
    # would stop; only when the admin has not configured this already.
    if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
        mkdir -p /etc/postgresql-common
        echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update </dev/null
    apt-get install -y postgresql-15 </dev/null || apt-get install -y postgresql </dev/null
    PG_BIN=$(find_pg_bin)
    [ -n "$PG_BIN" ] || die "PostgreSQL binaries still not found after installing"
fi

# --- who runs the server (PostgreSQL refuses to run as root) -------------------------------------

if [ "$(id -u)" -eq 0 ]; then
    PG_USER=postgres
    if ! id -u "$PG_USER" >/dev/null 2>&1; then
        PG_USER=kepu-pg
        if ! id -u "$PG_USER" >/dev/null 2>&1; then
            log "creating system user $PG_USER to run PostgreSQL"
            useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
        fi
    fi
    as_pg() { runuser -u "$PG_USER" -- "$@"; }
else
    PG_USER=$(id -un)
    as_pg() { "$@"; }
fi

# --- a free port ----------------------------------------------------------------------------------

PORT=$("$PYTHON" scripts/free_port.py "${KEPU_PG_PORT:-55432}")

# --- locale ---------------------------------------------------------------------------------------

LOCALE_ARGS=()
if locale -a 2>/dev/null | grep -qix 'en_US\.utf-\?8'; then
    LOCALE_ARGS=(--locale=en_US.UTF-8)
    COLLATION="libc en_US.UTF-8"
elif "$PG_BIN/initdb" --help | grep -q -- '--locale-provider'; then
    LOCALE_ARGS=(--locale=C.UTF-8 --locale-provider=icu --icu-locale=en-US)
    COLLATION="ICU en-US (ctype C.UTF-8)"
else
    LOCALE_ARGS=(--locale=C.UTF-8)
    COLLATION="libc C.UTF-8"
fi

# --- the cluster ----------------------------------------------------------------------------------

TMP=$(mktemp -d -t kepu-pg.XXXXXX)
VAR_DIR=$(mktemp -d -t kepu-var.XXXXXX)
PGDATA=$TMP/data
STARTED=0

cleanup() {
    local status=$?
    trap - EXIT INT TERM HUP
    if [ "$STARTED" -eq 1 ]; then
        log "stopping PostgreSQL"
        as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w -t 30 stop >/dev/null 2>&1 \
            || as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w -t 30 stop >/dev/null 2>&1 \
            || true
        if [ -f "$PGDATA/postmaster.pid" ]; then
            local pid
            pid=$(head -n 1 "$PGDATA/postmaster.pid" 2>/dev/null || true)
            [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf "$TMP" "$VAR_DIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

chmod 700 "$TMP"
[ "$PG_USER" = "$(id -un)" ] || chown "$PG_USER" "$TMP"

log "$("$PG_BIN/postgres" --version) from $PG_BIN, collation $COLLATION, port $PORT"
as_pg "$PG_BIN/initdb" -D "$PGDATA" -A trust -U postgres --encoding=UTF8 "${LOCALE_ARGS[@]}" \
    >"$TMP/initdb.log" 2>&1 || { cat "$TMP/initdb.log" >&2; die "initdb failed"; }

# Durability is worthless for a throwaway cluster; turning it off makes the suite faster.
STARTED=1
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$TMP/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $TMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
    start >/dev/null || { cat "$TMP/server.log" >&2; die "PostgreSQL did not start"; }

for _ in $(seq 1 60); do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres; then
        break
    fi
    sleep 0.5
done
"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres \
    || { cat "$TMP/server.log" >&2; die "PostgreSQL is not ready"; }

"$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres kepu
log "server: $("$PG_BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d kepu -Atc 'SELECT version()')"

# --- the tests ------------------------------------------------------------------------------------

export KEPU_DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/kepu"
export KEPU_SECRET_KEY KEPU_PII_KEY
KEPU_SECRET_KEY=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))')
KEPU_PII_KEY=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(48))')
export KEPU_VAR_DIR=$VAR_DIR

log "running: pytest -n 2 -q $*"
set +e
"$PYTEST" -n 2 -q "$@" </dev/null
STATUS=$?
set -e
log "pytest exited with status $STATUS"
exit "$STATUS"
