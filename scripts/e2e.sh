#!/usr/bin/env bash
# Browser tests: serve Kepu with the demo data on a throwaway SQLite database and run e2e/ in
# the system's Chromium through Playwright.
#
#   bash scripts/e2e.sh [pytest args...]
#
# Installs Debian's chromium (and CJK fonts) when missing, starts `kepu serve` on a free port in
# its own process group, waits for /healthz, runs `pytest e2e`, then stops the server (the
# gunicorn master and its workers) and removes the temp dir whatever happened. Exits with
# pytest's status. Screenshots and the server log go to test-results/e2e/.
#
# Environment: KEPU_E2E_CHROMIUM (default /usr/bin/chromium), KEPU_E2E_PORT (first port to try,
# default 18765).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PYTHON=$ROOT/.venv/bin/python
PYTEST=$ROOT/.venv/bin/pytest
KEPU=$ROOT/.venv/bin/kepu
CHROMIUM=${KEPU_E2E_CHROMIUM:-/usr/bin/chromium}
RESULTS=$ROOT/test-results/e2e
HEALTH_TIMEOUT=120

log() { printf '[e2e] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ -x "$PYTEST" ] && [ -x "$KEPU" ] || die ".venv is not installed: run 'make install' first"

# --- the browser ----------------------------------------------------------------------------------

missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
if command -v dpkg-query >/dev/null 2>&1 \
        && ! dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'ok installed'; then
    missing+=(fonts-noto-cjk)  # without it Chinese renders as boxes in the screenshots
fi
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing ${missing[*]}"
        apt-get update </dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-cjk </dev/null
    elif [ ! -x "$CHROMIUM" ]; then
        die "Chromium not found at $CHROMIUM: install Debian's chromium (needs root) or set KEPU_E2E_CHROMIUM"
    else
        log "warning: fonts-noto-cjk is not installed; screenshots may show boxes for Chinese"
    fi
fi
[ -x "$CHROMIUM" ] || die "Chromium still not found at $CHROMIUM"
log "browser: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"

# --- a free port ----------------------------------------------------------------------------------

PORT=$("$PYTHON" scripts/free_port.py "${KEPU_E2E_PORT:-18765}")
URL=http://127.0.0.1:$PORT

# --- the server -----------------------------------------------------------------------------------

VAR_DIR=$(mktemp -d -t kepu-e2e.XXXXXX)
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
SERVER_LOG=$RESULTS/server.log
SERVER_PID=

group_alive() { kill -0 -- "-$1" 2>/dev/null; }

stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    local pid=$SERVER_PID
    SERVER_PID=
    if group_alive "$pid"; then
        log "stopping the server (process group $pid)"
        kill -TERM -- "-$pid" 2>/dev/null || true  # gunicorn: graceful stop of master and workers
        for _ in $(seq 1 60); do
            group_alive "$pid" || break
            sleep 0.25
        done
        if group_alive "$pid"; then
            log "the server did not stop in 15 s: killing it"
            kill -KILL -- "-$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM HUP
    stop_server
    rm -rf "$VAR_DIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

log "starting kepu serve on $URL (data in $VAR_DIR, log in ${SERVER_LOG#"$ROOT"/})"
# setsid: the server gets a process group of its own (its id is the server's pid, as setsid
# does not fork when the caller is not a group leader), so the master and its workers stop
# together. Always the embedded SQLite database, whatever KEPU_DATABASE_URL this shell has.
env -u KEPU_DATABASE_URL -u KEPU_SECRET_KEY KEPU_VAR_DIR="$VAR_DIR" KEPU_DEBUG=0 \
    setsid "$KEPU" serve --host 127.0.0.1 --port "$PORT" --workers 2 \
    >"$SERVER_LOG" 2>&1 </dev/null &
SERVER_PID=$!

healthy() {
    if command -v curl >/dev/null 2>&1; then
        [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL/healthz" || true)" = 200 ]
    else
        "$PYTHON" -c 'import sys, urllib.request
sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=5).status == 200 else 1)' \
            "$URL/healthz" 2>/dev/null
    fi
}

deadline=$((SECONDS + HEALTH_TIMEOUT))
until healthy; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        log "the server exited before answering; its log:"
        cat "$SERVER_LOG" >&2
        die "kepu serve failed"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        log "$URL/healthz did not answer 200 within $HEALTH_TIMEOUT s; the server's log:"
        cat "$SERVER_LOG" >&2
        die "kepu serve did not become healthy"
    fi
    sleep 0.5
done
log "server is up after $((SECONDS + HEALTH_TIMEOUT - deadline)) s"

# --- the tests ------------------------------------------------------------------------------------

# No pytest-django (these tests use no database) and no xdist (one browser, one server).
log "running: pytest e2e $*"
set +e
KEPU_E2E_URL=$URL KEPU_E2E_CHROMIUM=$CHROMIUM KEPU_E2E_RESULTS=$RESULTS \
    "$PYTEST" e2e -q -p no:xdist -p no:django -W ignore::pytest.PytestConfigWarning \
    -o timeout=90 "$@" </dev/null
STATUS=$?
set -e
log "pytest exited with status $STATUS; screenshots and server log in ${RESULTS#"$ROOT"/}/"
exit "$STATUS"
