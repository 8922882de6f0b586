"""Customer and vehicle search at dealer-group scale: build a data set, time the searches.

    .venv/bin/python bench/search_bench.py            # 200 stores × 10,000 vehicles, SQLite
    .venv/bin/python bench/search_bench.py --small    # 4 stores × 2,500 vehicles: a quick check
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chexian_bench .venv/bin/python bench/search_bench.py

The data set is the demo's (``chexian.org.demo`` and ``chexian.customers.demo``) at a
larger size, in a database of its own: ``var/bench/search.sqlite3`` by default, the
database DATABASE_URL names otherwise (created if missing). A database that already
holds a complete data set of the requested size is reused, so a rerun only times the
searches. A database without this script's marker table is never dropped.

The four searches staff use (SPEC §3.1) — full plate, VIN last six, name prefix
(surname + one character), mobile last four — run through ``selectors.search_vehicles``
and ``selectors.search_customers`` for a store issuer (one store, through a real
StaffRole, so ``restrict()`` applies) and for the group insurance office (every store),
each for many terms that exist in the data. For each term the first page
(``list(qs[:25])``) and ``qs.count()`` are timed separately. The table and
bench/results/search-<date>-<backend>.json give median, p95 and max in milliseconds
and the query plans (EXPLAIN) of one term per search.

A measurement, not a test: nothing here asserts a time (STYLE.md §7).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FULL = {"stores": 200, "vehicles_per_store": 10_000, "terms": 200}
SMALL = {"stores": 4, "vehicles_per_store": 2_500, "terms": 40}
SEED = 2026
TODAY = dt.date(2026, 6, 30)  # fixed, so every build of the data set is the same
DATA_VERSION = 1  # bump when the demo generators change: old data sets are rebuilt
MARKER = "bench_dataset"
PAGE = 25
WARMUP = 5  # untimed terms before each search: the first query pays for parsing and cold caches


# ---------------------------------------------------------------- database choice (before Django)
def configure_database(small: bool) -> dict:
    """Point DATABASE_URL at the bench database and make sure that database exists."""
    import dj_database_url

    url = os.environ.get("DATABASE_URL")
    if not url:
        name = "search-small.sqlite3" if small else "search.sqlite3"
        path = ROOT / "var" / "bench" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
    config = dj_database_url.parse(url)
    if config["ENGINE"].endswith("postgresql"):
        if small:
            config["NAME"] += "_small"
            url = url.rsplit("/", 1)[0] + "/" + config["NAME"]
        _postgres_admin(config, f'CREATE DATABASE "{config["NAME"]}"', only_if_missing=True)
    os.environ["DATABASE_URL"] = url
    return config


def _postgres_admin(config: dict, statement: str, only_if_missing: bool = False) -> None:
    import psycopg

    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        if only_if_missing:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
            if exists:
                return
        conn.execute(statement)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chexian.settings")
    import django
    from django.conf import settings

    django.setup()
    # Settings default to DEBUG on a laptop; production runs without the debug cursor,
    # which would otherwise format and keep every query.
    settings.DEBUG = False


# ---------------------------------------------------------------- the data set
def read_marker() -> dict | None:
    """The data set's description, None for an empty database; raises for a foreign one."""
    from django.db import connection

    tables = connection.introspection.table_names()
    if MARKER not in tables:
        if tables:
            raise SystemExit(
                f"{connection.settings_dict['NAME']} has tables but no {MARKER} table: it is not a "
                "benchmark database, so this script will not touch it. Choose another DATABASE_URL."
            )
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {MARKER} WHERE name = 'meta'")
        row = cursor.fetchone()
    return json.loads(row[0]) if row else {}


def write_marker(meta: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER} (name VARCHAR(20) PRIMARY KEY, value TEXT NOT NULL)")
        cursor.execute(f"DELETE FROM {MARKER} WHERE name = 'meta'")
        cursor.execute(f"INSERT INTO {MARKER} (name, value) VALUES ('meta', %s)", [json.dumps(meta)])


def wipe(config: dict) -> None:
    from django.db import connection

    connection.close()
    if connection.vendor == "postgresql":
        _postgres_admin(config, f'DROP DATABASE IF EXISTS "{config["NAME"]}"')
        _postgres_admin(config, f'CREATE DATABASE "{config["NAME"]}"')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{config['NAME']}{suffix}").unlink(missing_ok=True)


def ensure_dataset(args, config: dict) -> dict:
    from django.core.management import call_command

    from chexian.customers.models import Vehicle

    wanted = {"stores": args.stores, "vehicles_per_store": args.vehicles_per_store, "seed": SEED,
              "data_version": DATA_VERSION}
    meta = read_marker()
    if meta is not None and not args.rebuild and meta.get("complete"):
        if all(meta.get(k) == v for k, v in wanted.items()):
            call_command("migrate", verbosity=0)  # a new migration (an index) applies to the old data
            if Vehicle.objects.count() == args.stores * args.vehicles_per_store:
                print(f"Reusing the data set built {meta['built_at']} ({meta['vehicles']:,} vehicles).")
                return meta
        print("The data set differs from the one requested: rebuilding.")
    if meta is not None:
        wipe(config)
    return build_dataset(args, wanted)


def build_dataset(args, wanted: dict) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction

    from chexian.customers import demo as customers_demo
    from chexian.customers.models import Customer, Vehicle, VehicleOwnership
    from chexian.org import demo as org_demo

    print(f"Building {args.stores} stores × {args.vehicles_per_store:,} vehicles …", flush=True)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    write_marker({**wanted, "complete": False})
    migrated = time.perf_counter()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # a larger page cache for the load only; timing reconnects
            cursor.execute("PRAGMA cache_size = -262144")
    rng = random.Random(SEED)
    with transaction.atomic():
        _group, stores, _users = org_demo.build(stores=args.stores, rng=rng)
    org_done = time.perf_counter()
    vehicles = 0
    for index, store in enumerate(stores):
        vehicles += customers_demo.build_store(store, index, args.vehicles_per_store, rng=rng, today=TODAY)
        if (index + 1) % max(1, args.stores // 20) == 0 or index + 1 == args.stores:
            elapsed = time.perf_counter() - org_done
            print(f"  {index + 1:4d} stores  {vehicles:>10,} vehicles  {elapsed:7.1f} s  "
                  f"{vehicles / elapsed:,.0f} vehicles/s", flush=True)
    loaded = time.perf_counter()
    with connection.cursor() as cursor:
        # PostgreSQL's autovacuum would analyse the new tables within minutes; do it now so
        # every run starts from the same statistics (and the visibility map is set).
        # SQLite: statistics only if asked, since a Chexian database never runs ANALYZE itself.
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM (ANALYZE)")
        elif args.analyze:
            cursor.execute("ANALYZE")
    finished = time.perf_counter()
    customers = Customer.objects.count()
    ownerships = VehicleOwnership.objects.count()
    rows = customers + vehicles + ownerships
    load_seconds = loaded - migrated
    meta = {
        **wanted,
        "complete": True,
        "built_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "vehicles": Vehicle.objects.count(),
        "customers": customers,
        "ownerships": ownerships,
        "rows": rows,
        "analyzed": connection.vendor == "postgresql" or args.analyze,
        "seconds": {
            "migrate": round(migrated - started, 1),
            "org": round(org_done - migrated, 1),
            "customers_vehicles": round(loaded - org_done, 1),
            "analyze": round(finished - loaded, 1),
            "total": round(finished - started, 1),
        },
        "rows_per_second": round(rows / load_seconds),
        "vehicles_per_second": round(vehicles / load_seconds),
    }
    write_marker(meta)
    print(f"Built {vehicles:,} vehicles, {customers:,} customers, {ownerships:,} ownerships "
          f"({rows:,} rows) in {meta['seconds']['total']:.0f} s: {meta['rows_per_second']:,} rows/s "
          f"loading, {meta['seconds']['analyze']:.0f} s analysing.")
    connection.close()  # the timed searches start on a fresh connection with the app's settings
    return meta


# ---------------------------------------------------------------- terms
def sample_terms(kind: str, store_id: int | None, n: int, rng: random.Random) -> list[str]:
    """``n`` distinct search terms that exist in the data, from random rows."""
    from django.db.models import Max, Min

    from chexian.customers.choices import CustomerKind
    from chexian.customers.models import Customer, Vehicle

    model = Vehicle if kind in ("plate", "vin_tail") else Customer
    qs = model.objects.all() if store_id is None else model.objects.filter(store_id=store_id)
    if kind == "plate":
        qs = qs.exclude(plate="")
    if kind == "name_prefix":
        qs = qs.filter(kind=CustomerKind.PERSON)
    bounds = qs.aggregate(lo=Min("pk"), hi=Max("pk"))
    field = {"plate": "plate", "vin_tail": "vin", "name_prefix": "name", "mobile_tail": "mobile"}[kind]
    terms: list[str] = []
    while len(terms) < n:
        ids = [rng.randint(bounds["lo"], bounds["hi"]) for _ in range(n * 2)]
        values = dict(qs.filter(pk__in=ids).values_list("pk", field))
        for pk in ids:
            if pk in values:
                value = values[pk]
                term = {"vin_tail": value[-6:], "name_prefix": value[:2], "mobile_tail": value[-4:]}.get(kind, value)
                if term not in terms:
                    terms.append(term)
    return terms[:n]


# ---------------------------------------------------------------- timing
SEARCHES = [
    # (search, function that serves it on its list page, the other one)
    ("plate", "search_vehicles"),
    ("vin_tail", "search_vehicles"),
    ("name_prefix", "search_customers"),
    ("mobile_tail", "search_customers"),
]
LABELS = {"plate": "full plate", "vin_tail": "VIN last 6", "name_prefix": "name prefix", "mobile_tail": "mobile last 4"}


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]  # nearest rank
    return {"median": round(statistics.median(ordered), 2), "p95": round(p95, 2), "max": round(ordered[-1], 2)}


class OtherCPU:
    """CPU time the rest of the machine used while a search was timed (Linux): busy time
    from /proc/stat less this process and its PostgreSQL backend. Timings are only
    comparable when it stays near zero."""

    def __init__(self):
        self.hz = os.sysconf("SC_CLK_TCK")
        self.backend = None
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend = cursor.fetchone()[0]

    def _sample(self) -> tuple[float, float, float] | None:
        try:
            fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
            backend = 0.0
            if self.backend:
                stat = Path(f"/proc/{self.backend}/stat").read_text().rsplit(")", 1)[1].split()
                backend = (int(stat[11]) + int(stat[12])) / self.hz
        except (OSError, ValueError, IndexError):
            return None
        busy = (sum(fields) - fields[3] - fields[4]) / self.hz  # all but idle and iowait
        return time.perf_counter(), busy, time.process_time() + backend

    def start(self) -> None:
        self.first = self._sample()

    def stop(self) -> tuple[float | None, float | None]:
        """The share of the machine's CPU capacity others used since start(), and the CPU
        seconds this process and its backend used (which contention barely changes)."""
        last = self._sample()
        if not self.first or not last:
            return None, None
        wall = last[0] - self.first[0]
        own = last[2] - self.first[2]
        other = (last[1] - self.first[1]) - own
        return round(max(0.0, other) / (wall * (os.cpu_count() or 1)), 3), own


def time_search(function, user, terms: list[str], warmup: list[str], budget: float) -> dict:
    """Count, then the first page, for each term: the order of Django's paginator."""
    for term in warmup:
        function(user, term).count()
        list(function(user, term)[:PAGE])
    page_ms, count_ms, rows = [], [], []
    others = OtherCPU()
    others.start()
    started = time.perf_counter()
    for term in terms:
        t0 = time.perf_counter()
        rows.append(function(user, term).count())
        t1 = time.perf_counter()
        list(function(user, term)[:PAGE])
        t2 = time.perf_counter()
        count_ms.append((t1 - t0) * 1000)
        page_ms.append((t2 - t1) * 1000)
        if t2 - started > budget and len(page_ms) >= 20:
            break  # a slow search: enough terms for the figures, keep the run bounded
    other_share, cpu_seconds = others.stop()
    return {
        "terms": len(page_ms),
        "page_ms": summary(page_ms),
        "count_ms": summary(count_ms),
        "rows": {"median": statistics.median(rows), "max": max(rows), "zero": sum(1 for r in rows if r == 0)},
        "other_cpu": other_share,
        # Count + page, CPU of this process and its PostgreSQL backend, per term (mean).
        "cpu_ms_per_term": None if cpu_seconds is None else round(cpu_seconds * 1000 / len(page_ms), 2),
    }


# ---------------------------------------------------------------- query plans
def explain(function, user, term: str) -> dict:
    """EXPLAIN the two queries one search runs (first page, count), exactly as they ran."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plans = {}
    runs = (("page", lambda: list(function(user, term)[:PAGE])), ("count", lambda: function(user, term).count()))
    for part, run in runs:
        with CaptureQueriesContext(connection) as captured:
            run()
        sql = captured.captured_queries[-1]["sql"]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                text = "\n".join(row[0] for row in cursor.fetchall())
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                text = _sqlite_tree(cursor.fetchall())
        plans[part] = {"sql": sql, "plan": text, **plan_summary(text)}
    return plans


def _sqlite_tree(rows) -> str:
    depth = {0: -1}
    lines = []
    for node_id, parent, _unused, detail in rows:
        depth[node_id] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node_id] + detail)
    return "\n".join(lines)


BROAD = ("store_id", "merged_into_id")  # SQLite index constraints that select a whole store, or everyone
MANY_ROWS = 10_000  # PostgreSQL: a scan node that reads more rows than this is reported as broad
SMALL_TABLES = ("org_", "auth_", "django_")  # a scan of the 200 stores is no finding


def plan_summary(text: str) -> dict:
    """The indexes a plan uses, its full scans (every row of a table or index) and its
    broad scans: an index used only for the store (or ``merged_into IS NULL``), which
    reads a store's rows or everyone's; on PostgreSQL any scan that read > MANY_ROWS rows."""
    import re

    indexes, full, broad = set(), [], []
    node = None
    for raw in text.splitlines():
        line = raw.strip().removeprefix("->").strip()
        if m := re.search(r"USING (?:COVERING )?INDEX (\w+)(?: \((.*)\))?", line):
            indexes.add(m.group(1))
            columns = {c.split("=")[0].split(">")[0].split("<")[0] for c in (m.group(2) or "").split(" AND ")}
            if line.startswith("SEARCH") and columns <= set(BROAD):
                broad.append(f"{line.split()[1]} by {'+'.join(sorted(columns))}")
        if "USING INTEGER PRIMARY KEY" in line or "USING ROWID" in line:
            indexes.add("rowid")
        if (m := re.match(r"SCAN (\w+)(.*)", line)) and not m.group(1).startswith(SMALL_TABLES):
            # SQLite: every row of a table, or of an index
            full.append(f"{m.group(1)}{' (whole index)' if 'INDEX' in m.group(2) else ''}")
        # PostgreSQL nodes: "Index Scan using idx on t", "Seq Scan on t", with actual rows × loops.
        if m := re.match(r"(Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan|Bitmap Heap Scan)"
                         r"(?: Backward)?(?: using (\w+))? on (\w+)", line):
            kind, index, table = m.groups()
            if kind == "Bitmap Index Scan":
                index, table = table, None
            if index:
                indexes.add(index)
            if kind == "Seq Scan" and not table.startswith(SMALL_TABLES):
                full.append(table)
            node = [kind, index or table, 0]
            if a := re.search(r"actual time=\S+ rows=(\d+) loops=(\d+)", line):
                node[2] = int(a.group(1)) * int(a.group(2))
                if node[2] > MANY_ROWS:
                    broad.append(f"{node[1]} read {node[2]:,} rows")
        elif node and (r := re.match(r"Rows Removed by (?:Index Recheck|Filter): (\d+)", line)):
            if int(r.group(1)) > MANY_ROWS:
                broad.append(f"{node[1]} filtered out {int(r.group(1)):,} rows")
    return {"indexes": sorted(indexes), "full_scans": full, "broad_scans": broad}


# ---------------------------------------------------------------- report
def machine() -> dict:
    info = {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return info


def code_version() -> dict:
    """The commit, and whether the files that decide the figures differ from it."""
    import hashlib
    import subprocess

    files = ["chexian/customers/selectors.py", "chexian/customers/models.py", "chexian/core/querysets.py"]
    info = {f: hashlib.sha1((ROOT / f).read_bytes()).hexdigest()[:12] for f in files}  # noqa: S324
    try:
        git = ["git", "-C", str(ROOT)]
        head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True)  # noqa: S603
        changed = subprocess.run([*git, "status", "--porcelain", "--", *files], capture_output=True, text=True)  # noqa: S603
        info["commit"] = head.stdout.strip()
        info["uncommitted_changes"] = changed.stdout.split()[1::2]
    except OSError:
        pass
    return info


def database_info(config: dict) -> dict:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version(), pg_database_size(current_database())")
            version, size = cursor.fetchone()
            settings = {}
            for name in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost", "jit"):
                cursor.execute(f"SHOW {name}")
                settings[name] = cursor.fetchone()[0]
            return {"backend": "postgresql", "version": version, "size_mb": round(size / 2**20),
                    "name": config["NAME"], "settings": settings, "django": django.get_version()}
        cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size")
        cache = cursor.fetchone()[0]
    files = [Path(f"{config['NAME']}{suffix}") for suffix in ("", "-wal")]
    size = sum(f.stat().st_size for f in files if f.exists())
    return {"backend": "sqlite", "version": version, "size_mb": round(size / 2**20), "name": str(config["NAME"]),
            "settings": {"cache_size": cache}, "django": django.get_version()}


def plan_note(plans: dict) -> str:
    full = sorted(set(plans["page"]["full_scans"] + plans["count"]["full_scans"]))
    broad = sorted(set(plans["page"]["broad_scans"] + plans["count"]["broad_scans"]))
    if full:
        return "FULL SCAN " + ", ".join(full)
    if broad:
        return "BROAD " + "; ".join(broad)
    return "index: " + ", ".join(sorted(set(plans["page"]["indexes"]) | set(plans["count"]["indexes"])))


def print_table(results: list[dict]) -> None:
    head = (f"{'search':<14} {'function':<17} {'user':<13} {'terms':>5}  "
            f"{'page ms med / p95 / max':>25}  {'count ms med / p95 / max':>25}  {'rows med/max':>13}  "
            f"{'cpu/term':>8}  {'other':>5}  plan")
    print(head)
    print("-" * len(head))
    for r in results:
        p, c = r["page_ms"], r["count_ms"]
        plan = plan_note(r["plans"])
        other = "?" if r["other_cpu"] is None else f"{r['other_cpu']:.0%}"
        cpu = "?" if r["cpu_ms_per_term"] is None else f"{r['cpu_ms_per_term']:.1f}"
        print(f"{LABELS[r['search']]:<14} {r['function']:<17} {r['user']:<13} {r['terms']:>5}  "
              f"{p['median']:>8.1f} /{p['p95']:>7.1f} /{p['max']:>7.1f}  "
              f"{c['median']:>8.1f} /{c['p95']:>7.1f} /{c['max']:>7.1f}  "
              f"{r['rows']['median']:>6g}/{r['rows']['max']:<6}  {cpu:>8}  {other:>5}  {plan}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", type=int, help=f"stores in the data set (default {FULL['stores']})")
    parser.add_argument("--vehicles-per-store", type=int,
                        help=f"vehicles per store (default {FULL['vehicles_per_store']:,})")
    parser.add_argument("--terms", type=int, help=f"terms timed per search and user (default {FULL['terms']})")
    parser.add_argument("--small", action="store_true",
                        help=f"{SMALL['stores']} stores × {SMALL['vehicles_per_store']:,} vehicles, "
                        f"{SMALL['terms']} terms, in a database of its own: a quick check of the script")
    parser.add_argument("--rebuild", action="store_true", help="build the data set even if it exists")
    parser.add_argument("--analyze", action="store_true",
                        help="SQLite: run ANALYZE after the build (PostgreSQL is always analysed)")
    parser.add_argument("--budget", type=float, default=120.0,
                        help="seconds per search and user after which fewer terms suffice (default 120)")
    parser.add_argument("--only", choices=[s for s, _f in SEARCHES], action="append",
                        help="time only this search (repeatable)")
    parser.add_argument("--primary-only", action="store_true",
                        help="run each search only through the list it belongs to (plate and VIN: vehicles; "
                        "name and mobile: customers), not also through the other one")
    parser.add_argument("--label", help="appended to the JSON's name: search-<date>-<backend>-<label>.json")
    parser.add_argument("--results", type=Path, default=None,
                        help="where the JSON goes (default bench/results; var/bench for --small)")
    args = parser.parse_args()
    base = SMALL if args.small else FULL
    for key in ("stores", "vehicles_per_store", "terms"):
        if getattr(args, key) is None:
            setattr(args, key, base[key])

    config = configure_database(args.small)
    setup_django()
    meta = ensure_dataset(args, config)

    from django.contrib.auth import get_user_model
    from django.db import connection

    from chexian.customers import selectors
    from chexian.org.models import Store

    db = database_info(config)
    print(f"\n{db['backend']} {db['version'].split(' on ')[0]}, {db['size_mb']:,} MB; "
          f"{meta['vehicles']:,} vehicles, {meta['customers']:,} customers in {meta['stores']} stores")
    User = get_user_model()
    stores = list(Store.objects.order_by("pk").values_list("pk", "code"))
    store_id, store_code = stores[len(stores) // 2]
    users = {
        f"store {store_code}": (User.objects.get(username=f"{store_code.lower()}-issuer1"), store_id),
        "group office": (User.objects.get(username="group-office"), None),
    }
    rng = random.Random(SEED)
    results = []
    for search, primary in SEARCHES:
        if args.only and search not in args.only:
            continue
        functions = [primary]
        if not args.primary_only:
            functions.append("search_customers" if primary == "search_vehicles" else "search_vehicles")
        for user_label, (user, scope) in users.items():
            terms = sample_terms(search, scope, args.terms + WARMUP, rng)
            for name in functions:
                function = getattr(selectors, name)
                print(f"timing {LABELS[search]} × {name} × {user_label} ({args.terms} terms) …", flush=True)
                timing = time_search(function, user, terms[WARMUP:], terms[:WARMUP], args.budget)
                plans = explain(function, user, terms[WARMUP])
                results.append({"search": search, "function": name, "user": user_label, "example": terms[WARMUP],
                                **timing, "plans": plans})

    print()
    for r in results:
        print(f"=== {LABELS[r['search']]} · {r['function']} · {r['user']} · term {r['example']!r}")
        for part in ("page", "count"):
            print(f"--- {part}: {r['plans'][part]['sql']}")
            print(r["plans"][part]["plan"])
        print()
    print(f"Data set: {meta['vehicles']:,} vehicles, {meta['customers']:,} customers, {meta['stores']} stores; "
          f"built in {meta['seconds']['total']:.0f} s ({meta['rows_per_second']:,} rows/s)")
    print_table(results)

    report = {
        "date": dt.date.today().isoformat(),  # noqa: DTZ011 (the file name's date, local)
        "machine": machine(),
        "code": code_version(),
        "database": db,
        "dataset": meta,
        "page_size": PAGE,
        "warmup_terms": WARMUP,
        "results": results,
    }
    if args.results is None:  # a quick check is no result worth committing
        args.results = ROOT / "var" / "bench" if args.small else ROOT / "bench" / "results"
    args.results.mkdir(parents=True, exist_ok=True)
    suffix = ("-small" if args.small else "") + (f"-{args.label}" if args.label else "")
    out = args.results / f"search-{report['date']}-{connection.vendor}{suffix}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"\nWrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
