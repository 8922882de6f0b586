"""Web pages under load: requests per second and p50 / p95 latency of five staff pages and
one API list, at 8 and 32 concurrent clients, on the production server — each against
the trivial view ``/healthz/`` on the same server, same settings, same run.

    make bench-web                                   # 2 stores × 10,000 vehicles × 3 years, 15 s a run
    make bench-web-quick                             # 1 store × 1,000 vehicles, 3 s a run
    .venv/bin/python bench/web_bench.py --keep       # reuse the data set of an earlier run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/other_db .venv/bin/python bench/web_bench.py

What it does:

1. **data** — a fresh PostgreSQL database (``chexian_web_bench``; ``--quick``:
   ``chexian_web_bench_quick``), guarded by this script's marker table exactly as
   ``reports_bench.py`` (a database with tables but without ``bench_web_dataset`` is never
   touched), migrated and filled by ``chexian demo --stores 2 --vehicles-per-store 10000
   --years 3`` (which also runs the daily renewal job and the month closes), then
   ``VACUUM ANALYZE``. ``--keep`` reuses it.
2. **server** — ``collectstatic`` into a temporary STATIC_ROOT, then gunicorn
   (``chexian.wsgi:application``, sync workers, workers = cores) on a free loopback port
   with production settings: ``CHEXIAN_DEBUG=0``, a fresh secret key, the field and
   blind-index keys the data was written with (or its encrypted fields would not read),
   ``CHEXIAN_SSL_REDIRECT=0`` (plain http on loopback), static files through whitenoise's
   manifest storage, a temporary var directory. It waits for ``/healthz/``.
3. **sessions** — a real login (GET /login/, POST with the CSRF token) as ``s01-supervisor``
   with urllib; the session cookie goes to wrk as a header. The renewal queue shows the
   calls *assigned to* the signed-in user, and the daily job assigns cases to the store's
   specialists: if the supervisor has no call due today, the queue is loaded by the store
   user with the most due calls (logged in the same way), so the page has real rows.
4. **load** — for each page one urllib GET must answer 200 (not a redirect to the login),
   then five more one at a time give the page's own service time ("1-by-1 ms"); then wrk
   from Debian (``-t2``, ``--latency``, a Lua ``done()`` that prints the
   percentiles as JSON, ``--timeout 30s`` so slow answers are measured rather than
   dropped), a short untimed warm-up, then ``--duration`` seconds at each concurrency.
   Each page run has its reference in the same minute: ``/healthz/`` (no session, no
   database) at the same concurrency just before it. Between runs the script waits until the server is idle: the
   requests wrk's connections had sent when it stopped are still queued and the sync
   workers serve them all, which for a slow page is many seconds of work that would
   otherwise land in the next run.

While wrk runs, the share of the machine's CPU used by other processes is recorded
("other"): figures taken while it is above a few per cent are disturbed.

Output: a table (page, connections, req/s, p50, p95, throughput ratio to the trivial view,
p95 ratio) with PASS / MISS against the targets of issue 8 (at least 1/4 of the trivial
view's throughput, p95 under 5× its p95, at the same concurrency), and
``bench/results/web-<date>-<machine>.json`` (``--quick``: ``var/bench/``, a check of the
script, not a result). Any non-2xx/3xx answer or socket error is reported as a failure.

wrk, gunicorn and PostgreSQL share the machine's cores, as the ratios assume: only the
ratios travel. A measurement, not a test: nothing here asserts a time (STYLE.md §7).
"""

# Only loopback URLs this script builds, and fixed programs (wrk, gunicorn, manage.py):
# ruff: noqa: S310, S603

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
BIN = Path(sys.executable).parent
MARKER = "bench_web_dataset"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/chexian_web_bench"
USER = "s01-supervisor"
STORE = "S01"
TARGET_THROUGHPUT = 0.25  # at least a quarter of the trivial view's requests per second
TARGET_P95 = 5.0  # p95 under five times the trivial view's p95
SERIAL_GETS = 5

LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%.0f,"p95":%.0f,"p99":%.0f,"mean":%.1f,"max":%.0f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max))
end
"""


# ---------------------------------------------------------------- data set
def build_or_reuse(args, import_bench, reports_bench, config) -> dict:
    from django.core.management import call_command
    from django.db import connection

    label = f"{args.stores}x{args.vehicles_per_store}x{args.years}"
    tables = connection.introspection.table_names()
    if args.keep:
        if MARKER not in tables:
            raise SystemExit(f"--keep: {config['NAME']} has no {MARKER} table (no data set of this script); "
                             "run once without --keep.")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT name FROM {MARKER}")
            kept = [row[0] for row in cursor.fetchall()]
        print(f"data: reusing {config['NAME']} ({', '.join(kept) or 'size not recorded'})", flush=True)
        return {"dataset": kept[0] if kept else None, "reused": True}
    reports_bench.MARKER = MARKER  # fresh_database guards with, and creates, this script's marker
    reports_bench.fresh_database(import_bench, config)
    print(f"data: chexian demo --stores {args.stores} --vehicles-per-store {args.vehicles_per_store} "
          f"--years {args.years} into {config['NAME']} …", flush=True)
    started = time.perf_counter()
    call_command("demo", stores=args.stores, vehicles_per_store=args.vehicles_per_store, years=args.years,
                 quiet_logins=True)
    demo_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {MARKER} (name) VALUES (%s)", [label])
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would shortly after a bulk load
    print(f"data: built in {demo_seconds:.0f} s", flush=True)
    return {"dataset": label, "reused": False, "demo_seconds": round(demo_seconds, 1)}


def pick_targets() -> dict:
    """The concrete URLs: last month's dashboard, a real plate, the busiest insurer, the queue's user."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.utils import timezone

    from chexian.customers.models import Vehicle
    from chexian.policies.models import Policy
    from chexian.renewals.choices import CaseStatus, Channel, TaskStatus
    from chexian.renewals.models import ContactTask
    from chexian.reports.periods import MONTH, Period

    today = timezone.localdate()
    period = Period.of(MONTH, today.replace(day=1) - dt.timedelta(days=1))
    plates = Vehicle.objects.filter(store__code=STORE).exclude(plate="").order_by("pk").values_list("plate", flat=True)
    count = plates.count()
    if not count:
        raise SystemExit(f"no vehicle with a plate in store {STORE}: is the data set built?")
    plate = plates[count // 2]
    insurer = (Policy.objects.filter(store__code=STORE).values("insurer").annotate(n=Count("pk"))
               .order_by("-n", "insurer").first())
    due = (ContactTask.objects.filter(case__store__code=STORE, case__status=CaseStatus.OPEN, channel=Channel.CALL,
                                      status=TaskStatus.DUE, due_on__lte=today, case__assigned_to__isnull=False)
           .values("case__assigned_to").annotate(n=Count("pk")).order_by("-n", "case__assigned_to"))
    due_by_user = {row["case__assigned_to"]: row["n"] for row in due}
    User = get_user_model()
    supervisor = User.objects.get(username=USER)
    queue_user, queue_due = USER, due_by_user.get(supervisor.pk, 0)
    if not queue_due and due_by_user:
        busiest = next(iter(due_by_user))
        queue_user, queue_due = User.objects.get(pk=busiest).username, due_by_user[busiest]
    return {
        "today": today.isoformat(), "period": period.label, "plate": plate, "insurer_id": insurer["insurer"],
        "insurer_policies": insurer["n"], "queue_user": queue_user, "queue_due_calls": queue_due,
        "policies": Policy.objects.count(), "store_policies": Policy.objects.filter(store__code=STORE).count(),
        "vehicles": Vehicle.objects.count(),
    }


def pages(t: dict) -> list[dict]:
    q = urllib.parse.quote
    return [
        {"name": "healthz", "path": "/healthz/", "user": None},
        {"name": "dashboard", "path": f"/reports/dashboard/?store={STORE}&period={t['period']}", "user": USER},
        {"name": "renewal queue", "path": "/renewals/", "user": t["queue_user"]},
        {"name": "customer by plate", "path": f"/customers/?q={q(t['plate'])}", "user": USER,
         "expect": t["plate"]},
        {"name": "policies by insurer", "path": f"/policies/?insurer={t['insurer_id']}", "user": USER},
        {"name": "api policies", "path": "/api/policies/", "user": USER},
    ]


# ---------------------------------------------------------------- server
def server_environment(database_url: str, tmp: Path) -> dict:
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHEXIAN_", "DJANGO_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "chexian.settings",
        "DATABASE_URL": database_url,
        "CHEXIAN_DEBUG": "0",
        "CHEXIAN_SECRET_KEY": secrets.token_urlsafe(50),
        # The data was written with these: a server with other keys could not read the encrypted fields
        # nor find a value through its blind index.
        "CHEXIAN_FIELD_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "CHEXIAN_BLIND_INDEX_KEY": settings.BLIND_INDEX_KEY,
        "CHEXIAN_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CHEXIAN_SSL_REDIRECT": "0",  # plain http on loopback; the cookies stay Secure, as in production
        "CHEXIAN_VAR_DIR": str(tmp / "var"),
        "CHEXIAN_STATIC_ROOT": str(tmp / "static"),
        "CHEXIAN_MEDIA_ROOT": str(tmp / "media"),
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict, tmp: Path, workers: int):
        self.env, self.tmp, self.workers = env, tmp, workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "gunicorn.log"
        self.process = None

    def start(self) -> None:
        subprocess.run([str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                       env=self.env, check=True)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "chexian.wsgi:application", "--workers", str(self.workers),
                 "--bind", f"127.0.0.1:{self.port}", "--timeout", "120", "--log-level", "warning"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz/", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer /healthz/ within 60 s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # the master stops its workers
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: only this server's processes
            self.process.wait()


# ---------------------------------------------------------------- sessions
class LoopbackCookies(http.cookiejar.DefaultCookiePolicy):
    """Production cookies are Secure; on plain-http loopback send them back anyway."""

    def return_ok_secure(self, cookie, request):
        return True


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login(base: str, username: str, password: str) -> str:
    jar = http.cookiejar.CookieJar(policy=LoopbackCookies())
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    with opener.open(f"{base}/login/", timeout=30) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not token:
        raise SystemExit("no CSRF token in the login page")
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": token.group(1), "next": "/"}).encode()
    try:
        with opener.open(urllib.request.Request(f"{base}/login/", data=data), timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    session = next((c.value for c in jar if c.name == "sessionid"), None)
    if status != 302 or not session:
        raise SystemExit(f"login as {username} failed: HTTP {status}, session cookie {'set' if session else 'missing'}")
    return session


def verify(base: str, page: dict, session: str | None) -> dict:
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(base + page["path"])
    if session:
        request.add_header("Cookie", f"sessionid={session}")
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=120) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    ms = (time.perf_counter() - started) * 1000
    if status != 200:
        raise SystemExit(f"{page['name']}: GET {page['path']} answered {status}, not 200 "
                         f"({'a redirect to the login?' if status in (301, 302) else body[:300]!r})")
    text = body.decode(errors="replace")
    if page.get("expect") and page["expect"] not in text:
        raise SystemExit(f"{page['name']}: {page['expect']} not found in the answer to {page['path']}")
    serial = []
    for _ in range(SERIAL_GETS):  # one client, one request at a time: the page's own service time
        started = time.perf_counter()
        with opener.open(request, timeout=120) as response:
            response.read()
        serial.append((time.perf_counter() - started) * 1000)
    info = {"status": status, "bytes": len(body), "first_get_ms": round(ms, 1),
            "serial_median_ms": round(statistics.median(serial), 1)}
    if page["path"].startswith("/api/"):
        info["api_count"] = json.loads(text).get("count")
    return info


# ---------------------------------------------------------------- load
def drain(base: str, limit: float = 300) -> float:
    """Wait until the server is idle again. When wrk stops, the requests its connections had sent are
    still queued in the listen backlog, and sync workers serve them all (a slow page: many seconds of
    work); the next run would otherwise start behind them. Idle = /healthz/ answers at once twice in a row."""
    started = time.monotonic()
    fast = 0
    while time.monotonic() - started < limit:
        t0 = time.perf_counter()
        with urllib.request.urlopen(f"{base}/healthz/", timeout=limit) as response:
            response.read()
        fast = fast + 1 if time.perf_counter() - t0 < 0.05 else 0
        if fast >= 2:
            break
        time.sleep(0.05)
    return round(time.monotonic() - started, 1)


class CpuMeter:
    """The share of the machine's CPU that processes other than this run's (wrk, the gunicorn workers and
    this database's PostgreSQL backends) used while wrk ran: on a busy machine, figures taken while it is
    above a few per cent are disturbed (Linux /proc)."""

    def __init__(self, server, database: str):
        self.hz, self.server, self.database = os.sysconf("SC_CLK_TCK"), server, database
        self.first = self._sample()

    def _pids(self) -> set[int]:
        pids = set()
        master = self.server.process.pid
        try:
            pids |= {int(x) for x in Path(f"/proc/{master}/task/{master}/children").read_text().split()}
        except OSError:
            pass
        pids.add(master)
        for stat in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                cmd = stat.read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if cmd.startswith(b"postgres: ") and f" {self.database} ".encode() in cmd:
                pids.add(int(stat.parent.name))
        return pids

    def _cpu(self, pid: int) -> float:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(stat[11]) + int(stat[12])) / self.hz

    def _sample(self):
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        busy = (sum(fields) - fields[3] - fields[4]) / self.hz
        children = os.times()
        return (time.perf_counter(), busy, {p: self._cpu(p) for p in self._pids()},
                children.children_user + children.children_system)

    def result(self) -> dict:
        last = self._sample()
        wall = last[0] - self.first[0]
        ours = sum(cpu - self.first[2].get(pid, 0.0) for pid, cpu in last[2].items())
        wrk_cpu = last[3] - self.first[3]  # wrk is this process's child, reaped by now
        others = max(0.0, (last[1] - self.first[1]) - ours - wrk_cpu)
        return {"server_cpu_s": round(ours, 1), "wrk_cpu_s": round(wrk_cpu, 1),
                "other_cpu_share": round(others / (wall * (os.cpu_count() or 1)), 2)}


def wrk(base: str, page: dict, session: str | None, connections: int, seconds: int, threads: int,
        lua: Path) -> dict:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency",
               "-s", str(lua)]
    if session:
        command += ["-H", f"Cookie: sessionid={session}"]
    command.append(base + page["path"])
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, check=True).stdout
    line = next((x for x in output.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no summary:\n{output}")
    data = json.loads(line[len("WRK_JSON "):])
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    seconds_run = data["duration_us"] / 1e6
    errors = data["errors"]
    return {
        "connections": connections,
        "requests": data["requests"],
        "rps": round(data["requests"] / seconds_run, 1) if seconds_run else 0.0,
        "p50_ms": round(data["latency_us"]["p50"] / 1000, 2),
        "p95_ms": round(data["latency_us"]["p95"] / 1000, 2),
        "p99_ms": round(data["latency_us"]["p99"] / 1000, 2),
        "max_ms": round(data["latency_us"]["max"] / 1000, 2),
        "non_2xx_3xx": int(non2xx.group(1)) if non2xx else errors["status"],
        "socket_errors": {k: v for k, v in errors.items() if k != "status" and v},
        "kb_per_request": round(data["bytes"] / max(data["requests"], 1) / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 store × 1,000 vehicles, 3 s a run")
    parser.add_argument("--keep", action="store_true", help="reuse the data set built by an earlier run")
    parser.add_argument("--stores", type=int, default=None, help="stores in the data set (default 2; --quick 1)")
    parser.add_argument("--vehicles-per-store", type=int, default=None, help="default 10,000; --quick 1,000")
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--duration", type=int, default=None, help="seconds of load per run (default 15; --quick 3)")
    parser.add_argument("--connections", default="8,32", help="concurrencies, comma-separated (default 8,32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="gunicorn workers (default cores)")
    parser.add_argument("--only", default="", help="measure only the pages whose name contains this (and healthz)")
    args = parser.parse_args()
    args.stores = args.stores or (1 if args.quick else 2)
    args.vehicles_per_store = args.vehicles_per_store or (1_000 if args.quick else 10_000)
    args.duration = args.duration or (3 if args.quick else 15)
    warmup = 1 if args.quick else 3
    concurrencies = [int(c) for c in args.connections.split(",")]
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    import import_bench  # the database guard and helpers
    import reports_bench

    os.environ.setdefault("DATABASE_URL", DEFAULT_URL + ("_quick" if args.quick else ""))
    database_url = os.environ["DATABASE_URL"]
    import_bench.MARKER = MARKER
    config = import_bench.configure_database()
    if not config["ENGINE"].endswith("postgresql"):
        raise SystemExit("the web benchmark runs on PostgreSQL, as production does: set a postgres:// DATABASE_URL")
    import_bench.setup_django()
    from django.db import connection

    from chexian.org.demo import DEMO_PASSWORD

    built = build_or_reuse(args, import_bench, reports_bench, config)
    targets = pick_targets()
    print(f"data: {targets['vehicles']} vehicles, {targets['policies']} policies ({targets['store_policies']} in "
          f"{STORE}); queue user {targets['queue_user']} with {targets['queue_due_calls']} calls due", flush=True)
    page_list = [p for p in pages(targets) if p["name"] == "healthz" or args.only in p["name"]]
    env = server_environment(database_url, Path(tempfile.mkdtemp(prefix="chexian-web-bench-")))
    connection.close()

    tmp = Path(env["CHEXIAN_VAR_DIR"]).parent
    lua = tmp / "report.lua"
    lua.write_text(LUA)
    server = Server(env, tmp, args.workers)
    results: dict[str, dict] = {}
    try:
        server.start()
        print(f"server: gunicorn, {args.workers} sync workers, {server.base}", flush=True)
        sessions = {u: login(server.base, u, DEMO_PASSWORD) for u in {p["user"] for p in page_list} if u}
        for page in page_list:
            page["check"] = verify(server.base, page, sessions.get(page["user"]))
            print(f"check: {page['name']:20} 200, {page['check']['bytes']:>7} bytes, first GET "
                  f"{page['check']['first_get_ms']:>7} ms, one at a time {page['check']['serial_median_ms']:>7} ms  "
                  f"{page['path']}", flush=True)
        healthz = page_list[0]
        results["healthz"] = {"path": healthz["path"], "user": None, "check": healthz["check"], "runs": {}}

        def measure(page: dict, c: int) -> dict:
            session = sessions.get(page["user"])
            wrk(server.base, page, session, c, warmup, args.threads, lua)  # untimed warm-up
            drain(server.base)
            meter = CpuMeter(server, config["NAME"])
            run = wrk(server.base, page, session, c, args.duration, args.threads, lua)
            run.update(meter.result())
            run["drain_s"] = drain(server.base)  # the work left queued when wrk stopped
            print(f"load: {page['name']:20} c={c:<3} {run['rps']:>8} req/s  p50 {run['p50_ms']:>8} ms  "
                  f"p95 {run['p95_ms']:>8} ms  non-2xx {run['non_2xx_3xx']}  other CPU {run['other_cpu_share']:.0%}  "
                  f"(queue left {run['drain_s']} s)", flush=True)
            return run

        for page in page_list[1:]:
            entry = results[page["name"]] = {"path": page["path"], "user": page["user"], "check": page["check"],
                                             "runs": {}}
            for c in concurrencies:
                # The reference in the same minute: the trivial view just before the page, same concurrency.
                reference = measure(healthz, c)
                results["healthz"]["runs"].setdefault(c, []).append(reference)
                run = measure(page, c)
                run["reference"] = {k: reference[k] for k in ("rps", "p50_ms", "p95_ms", "other_cpu_share")}
                run["rps_ratio"] = round(run["rps"] / reference["rps"], 3) if reference["rps"] else None
                run["p95_ratio"] = round(run["p95_ms"] / reference["p95_ms"], 1) if reference["p95_ms"] else None
                failed = run["non_2xx_3xx"] or run["socket_errors"] or reference["non_2xx_3xx"]
                met = (run["rps_ratio"] or 0) >= TARGET_THROUGHPUT and (run["p95_ratio"] or 1e9) < TARGET_P95
                run["verdict"] = "FAIL" if failed else ("PASS" if met else "MISS")
                entry["runs"][c] = run
    finally:
        server.stop()
    log_tail = server.log_tail()

    header = (f"{'page':20} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'ref req/s':>9} {'ref p95':>8} "
              f"{'rps ratio':>9} {'p95 ratio':>9} {'1-by-1 ms':>9} {'other':>5}  verdict")
    print("\n" + header + "\n" + "-" * len(header))
    for name, page in results.items():
        if name == "healthz":
            continue
        for c in concurrencies:
            run, ref = page["runs"][c], page["runs"][c]["reference"]
            note = f"  non-2xx {run['non_2xx_3xx']} errors {run['socket_errors']}" if run["verdict"] == "FAIL" else ""
            print(f"{name:20} {c:>5} {run['rps']:>8.1f} {run['p50_ms']:>8.1f} {run['p95_ms']:>8.1f} "
                  f"{ref['rps']:>9.1f} {ref['p95_ms']:>8.1f} {run['rps_ratio']:>9.3f} {run['p95_ratio']:>9.1f} "
                  f"{page['check']['serial_median_ms']:>9.1f} {run['other_cpu_share']:>5.0%}  {run['verdict']}{note}")
    print(f"targets: req/s ratio ≥ {TARGET_THROUGHPUT} and p95 ratio < {TARGET_P95}, against /healthz/ run just before "
          "at the same concurrency (ref); 1-by-1 ms: median of "
          f"{SERIAL_GETS} GETs one at a time, the page's own service time; other: share of "
          "the machine's CPU used by processes other than wrk, gunicorn and this database's backends")

    machine = platform.node()
    out = {
        "date": targets["today"], "machine": machine, "cpus": os.cpu_count(), "python": platform.python_version(),
        "database": config["NAME"], "server": f"gunicorn sync, {args.workers} workers", "load": "wrk",
        "wrk_threads": args.threads, "duration_s": args.duration, "warmup_s": warmup, **built,
        "data": {k: targets[k] for k in ("vehicles", "policies", "store_policies")},
        "targets": {"rps_ratio_min": TARGET_THROUGHPUT, "p95_ratio_max": TARGET_P95},
        "inputs": {k: targets[k] for k in ("period", "plate", "insurer_id", "queue_user", "queue_due_calls")},
        "pages": results,
    }
    folder = ROOT / ("var/bench" if args.quick else "bench/results")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"web-{targets['today']}-{machine}{'-quick' if args.quick else ''}.json"
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False))
    print(f"→ {path.relative_to(ROOT)}")
    if "Traceback" in log_tail or "ERROR" in log_tail:
        print(f"\nserver log (last lines):\n{log_tail}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally clause stops the server
    main()
