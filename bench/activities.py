"""Activity benchmarks, run by bench/run.py (see bench/README.md) or on their own:

    .venv/bin/python bench/activities.py [--registrations 500] [--seats 100] [--threads 64]
                                         [--no-city] [--runs 5] [--requests 50]

* registration under contention: a throwaway PostgreSQL cluster, gunicorn with 4 sync workers on
  127.0.0.1, one published activity with 100 seats, 500 concurrent POSTs to
  /api/v1/activities/{id}/registrations/ from a thread pool; exactly 100 confirmed and 400
  waitlisted, in the answers and in the database;
* `kepu gendata --scale city` on that cluster (wall time), then `activity_coverage` for the 41
  district-level regions (median of 5 runs) and the staff and public activity lists (p50/p95,
  in-process Django test client) on the city data.

The subcommands `setup-registration`, `count-registrations` and `measure` run inside a Kepu
environment (KEPU_DATABASE_URL ...) as subprocesses of the above; they print one JSON line.
Only loopback traffic; every count is bounded; the cluster and the server are stopped and removed
whatever happens.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import http.client
import json
import os
import pwd
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import django_setup, free_port, kepu_env, percentile
from common import run_command as run

ROOT = Path(__file__).resolve().parent.parent
WARMUP = 3
WARMUP_REGISTRATIONS = 40
BENCH_SETTINGS = "bench.settings_bench"
# A cluster for loading 10 million rows and serving a few workers on a 2-core, 24 GiB machine.
# Durability stays on (fsync, synchronous_commit): the registration figures include the commit.
PG_OPTIONS = [
    "-c", "shared_buffers=1GB", "-c", "maintenance_work_mem=512MB", "-c", "work_mem=32MB",
    "-c", "max_wal_size=8GB", "-c", "checkpoint_timeout=30min", "-c", "max_connections=100",
]


def say(message: str) -> None:
    print(message, flush=True)


# --- a throwaway PostgreSQL cluster ------------------------------------------------------------------


class Unavailable(Exception):
    """PostgreSQL cannot be run here (no binaries); the PostgreSQL parts are skipped."""


def find_pg_bin() -> Path | None:
    env = os.environ.get("KEPU_PG_BIN")
    if env:
        return Path(env) if (Path(env) / "initdb").exists() else None
    preferred = Path("/usr/lib/postgresql/15/bin")
    if (preferred / "initdb").exists():
        return preferred
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


class Postgres:
    """initdb into a temp dir, start on a free port of 127.0.0.1, stop and delete on exit.

    As root the server runs as the `postgres` user (PostgreSQL refuses root), as scripts/test-pg.sh
    does; the cluster trusts local connections and listens on loopback only.
    """

    def __init__(self):
        self.bin = find_pg_bin()
        if self.bin is None:
            raise Unavailable("PostgreSQL binaries not found (install postgresql-15, or run `make test-pg` "
                              "once as root, which installs them)")
        self.tmp = Path(tempfile.mkdtemp(prefix="kepu-bench-pg-"))
        self.data = self.tmp / "data"
        self.port = 0
        self.started = False
        self.user = None
        if os.getuid() == 0:
            try:
                pwd.getpwnam("postgres")
                self.user = "postgres"
            except KeyError as exc:
                raise Unavailable("running as root and there is no `postgres` user to run PostgreSQL as") from exc

    def _as_pg(self, args: list[str], **kw) -> subprocess.CompletedProcess:
        if self.user:
            args = ["runuser", "-u", self.user, "--", *args]
        return subprocess.run(args, capture_output=True, text=True, **kw)

    def __enter__(self) -> Postgres:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self.tmp.chmod(0o700)
        if self.user:
            shutil.chown(self.tmp, user=self.user)
        locale = ["--locale=C.UTF-8"]
        help_text = self._as_pg([str(self.bin / "initdb"), "--help"]).stdout
        if "--locale-provider" in help_text:
            locale += ["--locale-provider=icu", "--icu-locale=en-US"]
        proc = self._as_pg([str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                            "--encoding=UTF8", *locale])
        if proc.returncode != 0:
            raise RuntimeError("initdb failed:\n" + proc.stdout[-2000:] + proc.stderr[-2000:])
        self.port = free_port(int(os.environ.get("KEPU_PG_PORT", "56432")))
        options = " ".join(["-c listen_addresses=127.0.0.1", f"-p {self.port}", f"-k {self.tmp}",
                            *(f"{PG_OPTIONS[i]} {PG_OPTIONS[i + 1]}" for i in range(0, len(PG_OPTIONS), 2))])
        self.started = True
        proc = self._as_pg([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.tmp / "server.log"),
                            "-w", "-t", "60", "-o", options, "start"])
        if proc.returncode != 0:
            log = (self.tmp / "server.log").read_text(errors="replace") if (self.tmp / "server.log").exists() else ""
            raise RuntimeError("PostgreSQL did not start:\n" + proc.stderr[-2000:] + log[-2000:])

    def stop(self) -> None:
        if self.started:
            ctl = [str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "30"]
            if self._as_pg([*ctl, "-m", "fast", "stop"]).returncode != 0:
                self._as_pg([*ctl, "-m", "immediate", "stop"])
            pid_file = self.data / "postmaster.pid"
            if pid_file.exists():
                with contextlib.suppress(OSError, ValueError):
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
            self.started = False
        shutil.rmtree(self.tmp, ignore_errors=True)

    def version(self) -> str:
        proc = subprocess.run([str(self.bin / "postgres"), "--version"], capture_output=True, text=True)
        return proc.stdout.strip().replace("postgres (PostgreSQL) ", "PostgreSQL ")

    def createdb(self, name: str) -> str:
        proc = subprocess.run([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                               name], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"createdb {name} failed: {proc.stderr}")
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


# --- environments and subprocesses ----------------------------------------------------------------------




def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


KEPU = [sys.executable, "-m", "kepu"]
SELF = [sys.executable, str(Path(__file__).resolve())]


# --- registration under contention ------------------------------------------------------------------


def _post(port: int, path: str, body: dict) -> tuple[int, dict, float]:
    data = json.dumps(body).encode()
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", path, body=data, headers={"Content-Type": "application/json",
                                                         "Accept": "application/json"})
        response = conn.getresponse()
        payload = response.read()
    finally:
        conn.close()
    elapsed = time.perf_counter() - started
    try:
        answer = json.loads(payload)
    except ValueError:
        answer = {"raw": payload[:300].decode(errors="replace")}
    return response.status, answer, elapsed


def _wait_for(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int):
    port = free_port(18400)
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "kepu.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--worker-class", "sync", "--timeout", "120", "--backlog", "2048"],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(port, server)
            yield port
        finally:
            if server.poll() is None:
                server.terminate()  # the gunicorn master stops its workers
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait(timeout=10)


def bench_registration(pg: Postgres, *, requests: int, seats: int, threads: int, workers: int) -> dict:
    """500 people (distinct phones) register at once for 100 seats over HTTP."""
    var_dir = tempfile.mkdtemp(prefix="kepu-bench-reg-")
    try:
        env = kepu_env(pg.createdb("kepu_registration"), var_dir=var_dir, settings=BENCH_SETTINGS)
        run([*KEPU, "migrate", "-v0", "--no-input"], env)
        run([*KEPU, "loadreference"], env)
        ids = last_json(run([*SELF, "setup-registration", "--seats", str(seats)], env)[1])
        with gunicorn(env, workers) as port:
            # Warm-up on another activity: every worker opens its database connection.
            with concurrent.futures.ThreadPoolExecutor(max_workers=min(threads, 16)) as pool:
                list(pool.map(lambda i: _post(port, f"/api/v1/activities/{ids['warmup']}/registrations/",
                                              {"name": f"预热{i}", "phone": f"137{i:08d}"}),
                              range(WARMUP_REGISTRATIONS)))
            path = f"/api/v1/activities/{ids['activity']}/registrations/"
            people = [{"name": f"报名人{i}", "phone": f"139{i:08d}"} for i in range(requests)]
            started = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
                answers = list(pool.map(lambda body: _post(port, path, body), people))
            wall = time.perf_counter() - started
        counts = last_json(run([*SELF, "count-registrations", str(ids["activity"])], env)[1])
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    codes = {}
    for code, _answer, _t in answers:
        codes[code] = codes.get(code, 0) + 1
    answered = {"confirmed": 0, "waitlisted": 0}
    for code, answer, _t in answers:
        if code == 201 and answer.get("status") in answered:
            answered[answer["status"]] += 1
    latencies = [t * 1000 for _c, _a, t in answers]
    problems = []
    if codes != {201: requests}:
        errors = [a for c, a, _t in answers if c != 201][:3]
        problems.append(f"HTTP statuses {codes} (expected {requests} × 201); first errors: {errors}")
    expected = {"confirmed": seats, "waitlisted": requests - seats}
    if answered != expected:
        problems.append(f"answers say {answered}, expected {expected}")
    db = {k: counts.get(k, 0) for k in ("confirmed", "waitlisted")}
    if db != expected or counts.get("confirmed_count") != seats:
        problems.append(f"database has {counts}, expected {expected} and confirmed_count {seats}")
    return {
        "requests": requests, "seats": seats, "threads": threads, "workers": workers,
        "wall_s": round(wall, 3), "per_second": round(requests / wall, 1),
        "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(percentile(latencies, 0.95), 1),
        "answers": answered, "database": counts, "problems": problems, "postgres": pg.version(),
    }


# --- subcommands run inside a Kepu environment ---------------------------------------------------------


def cmd_setup_registration(seats: int) -> dict:
    django_setup()
    import datetime

    from django.utils import timezone

    from kepu.activities import services
    from kepu.orgs.models import Unit
    from kepu.regions.models import Region

    unit = Unit.objects.get(region__code="500118", name="区科协")
    region = Region.objects.get(code="500118")
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=7)
    made = {}
    for key, title, capacity in (("activity", "基准测试：报名并发", seats), ("warmup", "基准测试：预热", 100_000)):
        activity = services.activity_create(
            actor=None, title=title, kind="lecture", organizer=unit, region=region, start=start,
            end=start + datetime.timedelta(hours=2), capacity=capacity, registration_required=True)
        services.activity_publish(actor=None, activity=activity)
        made[key] = activity.pk
    return made


def cmd_count_registrations(activity_id: int) -> dict:
    django_setup()
    from django.db.models import Count

    from kepu.activities.models import Activity, Registration

    rows = dict(Registration.objects.filter(activity_id=activity_id).values_list("status")
                .annotate(n=Count("id")).order_by())
    rows["confirmed_count"] = Activity.objects.get(pk=activity_id).confirmed_count
    rows["distinct_phones"] = (Registration.objects.filter(activity_id=activity_id)
                               .values("phone_hash").distinct().count())
    return rows


LIST_PAGES = [
    # (label, persona or None for anonymous, path)
    ("staff activity list", "bench_city", "/activities/"),
    ("staff activity list", "bench_district", "/activities/"),
    ("staff activity list ?region=500118", "bench_city", "/activities/?region=500118"),
    ("staff activity list ?region=500118001", "bench_district", "/activities/?region=500118001"),
    ("public activity list", None, "/events/"),
    ("API activities, page 1", "bench_city", "/api/v1/activities/"),
]


def _selector_for(path: str, user):
    """The selector behind a list page, for when the page itself does not answer yet."""
    from kepu.activities import selectors
    from kepu.regions.models import Region

    region = None
    if "region=" in path:
        region = Region.objects.get(code=path.split("region=")[1].split("&")[0])
    if path.startswith("/events/"):
        return lambda: selectors.public_activity_list(region=region)
    return lambda: selectors.activity_list(user, region=region)


def _time(func, n: int) -> list[float]:
    out = []
    for i in range(WARMUP + n):
        started = time.perf_counter()
        func()
        if i >= WARMUP:
            out.append((time.perf_counter() - started) * 1000)
    return out


def cmd_measure(runs: int, requests: int, year: int) -> dict:
    """Coverage for every district-level region, and the activity lists, on the data in the database."""
    django_setup()
    from django.db import connection
    from django.test import Client

    from kepu.accounts.models import User
    from kepu.activities.models import Activity, Registration
    from kepu.core.measures import get_measure
    from kepu.regions.models import Region

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = "PostgreSQL " + cursor.fetchone()[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            database = "SQLite " + cursor.fetchone()[0]
    sizes = {"activities": Activity.objects.count(), "registrations": Registration.objects.count()}
    districts = list(Region.objects.filter(level="district").order_by("code"))
    measure = get_measure("activity_coverage")
    values = measure.compute(districts, year)  # warm-up, and the figures' sanity
    timings = []
    for _i in range(runs):
        started = time.perf_counter()
        measure.compute(districts, year)
        timings.append((time.perf_counter() - started) * 1000)
    result = {
        "database": database, "sizes": sizes,
        "coverage": {"regions": len(districts), "year": year, "runs": runs,
                     "median_ms": round(statistics.median(timings), 1), "max_ms": round(max(timings), 1),
                     "with_value": sum(1 for v in values.values() if v.value is not None)},
        "lists": [],
    }
    for label, username, path in LIST_PAGES:
        client = Client(HTTP_HOST="127.0.0.1")
        user = None
        if username:
            user = User.objects.get(username=username)
            client.force_login(user)
        status = client.get(path).status_code
        if status == 200:
            def request(path=path, client=client):
                response = client.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path}: {response.status_code}")
            what = f"GET {path}"
        elif path.startswith("/api/"):
            result["lists"].append({"label": label, "persona": username or "anonymous", "what": f"GET {path}",
                                    "skipped": f"answers {status}"})
            continue
        else:
            query = _selector_for(path, user)

            def request(query=query):
                qs = query()
                list(qs[:50])
                qs.count()
            what = f"selector behind {path} (page answers {status}): first 50 + count"
        timings = _time(request, requests)
        result["lists"].append({
            "label": label, "persona": username or "anonymous", "what": what, "n": requests,
            "p50_ms": round(statistics.median(timings), 1), "p95_ms": round(percentile(timings, 0.95), 1),
        })
    return result


# --- the whole thing, for run.py ------------------------------------------------------------------------


def gendata_on_postgres(pg: Postgres, *, scale: str, runs: int, requests: int,
                        registrations: str | None = None, timings: bool = True) -> dict:
    """`kepu gendata --scale X` on a fresh database of the cluster, then the measurements."""
    var_dir = tempfile.mkdtemp(prefix="kepu-bench-pgcity-")
    try:
        env = kepu_env(pg.createdb(f"kepu_{scale}"), var_dir=var_dir)
        if registrations is not None:
            env["KEPU_GENDATA_REGISTRATIONS"] = registrations
        run([*KEPU, "migrate", "-v0", "--no-input"], env)
        wall, out = run([*KEPU, "gendata", "--scale", scale, "--json"], env)
        counts = last_json(out)
        measured = measure(env, runs=runs, requests=requests) if timings else {}
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    return {"scale": scale, "gendata_wall_s": round(wall, 1), "gendata": counts, **measured}


def measure(env: dict[str, str], *, runs: int, requests: int, year: int = 2025) -> dict:
    return last_json(run([*SELF, "measure", "--runs", str(runs), "--requests", str(requests),
                          "--year", str(year)], env)[1])


def rows_for(label: str, result: dict, scale: str) -> list[tuple[str, str, str, str, str]]:
    """Table rows (what, data size, runs, median/p50, p95) for one database's measurements."""
    rows = []
    if "gendata_wall_s" in result:
        g = result["gendata"]
        rows.append((f"kepu gendata --scale {scale} (wall), {label}",
                     f"{scale}: {g['regions']:,} regions, {g['units']:,} units, {g['activities']:,} activities, "
                     f"{g['registrations']:,} registrations, {g['checkins']:,} check-ins", "1",
                     f"{result['gendata_wall_s']:.1f} s", "-"))
    if "coverage" not in result:
        return rows
    sizes = result["sizes"]
    size = f"{scale}: {sizes['activities']:,} activities, {sizes['registrations']:,} registrations"
    c = result["coverage"]
    rows.append((f"activity_coverage, {c['regions']} regions, {c['year']}, {label}", size, str(c["runs"]),
                 f"{c['median_ms']:.1f} ms", "-"))
    for item in result["lists"]:
        if "skipped" in item:
            continue
        rows.append((f"{item['what']}  {item['persona']}, {label}", size, str(item["n"]),
                     f"{item['p50_ms']:.1f} ms", f"{item['p95_ms']:.1f} ms"))
    return rows


def registration_rows(result: dict) -> list[tuple[str, str, str, str, str]]:
    size = (f"{result['requests']} POSTs, {result['seats']} seats, {result['threads']} threads, "
            f"gunicorn {result['workers']} sync workers, {result['postgres']}")
    return [
        ("registration under contention: registrations/s", size, "1", f"{result['per_second']:.1f} /s", "-"),
        ("registration under contention: latency per POST", size, str(result["requests"]),
         f"{result['p50_ms']:.1f} ms", f"{result['p95_ms']:.1f} ms"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    setup = sub.add_parser("setup-registration")
    setup.add_argument("--seats", type=int, default=100)
    count = sub.add_parser("count-registrations")
    count.add_argument("activity", type=int)
    meas = sub.add_parser("measure")
    meas.add_argument("--runs", type=int, default=5)
    meas.add_argument("--requests", type=int, default=50)
    meas.add_argument("--year", type=int, default=2025)
    parser.add_argument("--registrations", type=int, default=500)
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--no-city", action="store_true", help="registration under contention only")
    args = parser.parse_args(argv)
    if args.command == "setup-registration":
        print(json.dumps(cmd_setup_registration(args.seats)))
        return 0
    if args.command == "count-registrations":
        print(json.dumps(cmd_count_registrations(args.activity)))
        return 0
    if args.command == "measure":
        print(json.dumps(cmd_measure(args.runs, args.requests, args.year), ensure_ascii=False))
        return 0
    if not 1 <= args.seats <= args.registrations <= 5000 or not 1 <= args.threads <= 256:
        parser.error("need 1 <= --seats <= --registrations <= 5000 and 1 <= --threads <= 256")
    rows, failures = [], []
    with Postgres() as pg:
        say(f"registration under contention on {pg.version()} ...")
        reg = bench_registration(pg, requests=args.registrations, seats=args.seats, threads=args.threads,
                                 workers=args.workers)
        failures += reg["problems"]
        rows += registration_rows(reg)
        if not args.no_city:
            say("kepu gendata --scale city on PostgreSQL ...")
            rows += rows_for("PostgreSQL", gendata_on_postgres(pg, scale="city", runs=args.runs,
                                                               requests=args.requests), "city")
    from run import table  # the same table as bench/run.py

    print(table(rows))
    for problem in failures:
        print("FAILED: " + problem, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
