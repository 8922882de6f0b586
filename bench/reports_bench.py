"""The reports for one store with 10,000 vehicles and three years of history: time and
query count of every report for a store-month, and of the KPI dashboard page.

    .venv/bin/python bench/reports_bench.py                       # SQLite, var/bench/reports.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chexian_reports_bench \\
        .venv/bin/python bench/reports_bench.py --vehicles-per-store 10000

What it does: a fresh database (guarded by this script's marker table, as the other
benchmarks), migrated, and ``chexian demo --stores 1 --vehicles-per-store N --years 3``
(which also runs the daily job and the month closes). Then, for last month, each
report through the engine (JSON, the same work as the API) and the dashboard page
through Django's test client, three times each: the median wall time and the number
of queries of one run. The query count is what shows "no query per row": it must
not depend on the data size (compare with ``--vehicles-per-store 1000``). A
measurement, not a test: nothing here asserts a time.
Results: bench/results/reports-<date>-<backend>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
MARKER = "bench_reports_dataset"
RUNS = 3


def fresh_database(import_bench, config: dict) -> None:
    """Empty the benchmark database — only one that carries this script's marker table — and migrate it."""
    from django.core.management import call_command
    from django.db import connection

    tables = connection.introspection.table_names()
    if tables and MARKER not in tables:
        raise SystemExit(f"{connection.settings_dict['NAME']} has tables but no {MARKER} table: not a benchmark "
                         "database, so this script will not touch it. Choose another DATABASE_URL.")
    connection.close()
    if connection.vendor == "postgresql":
        import_bench._postgres_admin(config, f'DROP DATABASE IF EXISTS "{config["NAME"]}"')
        import_bench._postgres_admin(config, f'CREATE DATABASE "{config["NAME"]}"')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{config['NAME']}{suffix}").unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MARKER} (name VARCHAR(20) PRIMARY KEY)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vehicles-per-store", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="reuse the data set built by an earlier run")
    args = parser.parse_args()

    import import_bench  # the same database guard and helpers

    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench' / 'reports.sqlite3'}")
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    import_bench.MARKER = MARKER
    config = import_bench.configure_database()
    import_bench.setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    settings.ALLOWED_HOSTS = ["*"]
    today = timezone.localdate()
    built = {}
    if not args.keep:
        fresh_database(import_bench, config)
        started = time.perf_counter()
        call_command("demo", stores=1, vehicles_per_store=args.vehicles_per_store, years=3, quiet_logins=True)
        built = {"demo_seconds": round(time.perf_counter() - started, 1)}

    from django.contrib.auth import get_user_model

    from chexian.policies.models import Policy
    from chexian.reports import engine
    from chexian.reports.periods import MONTH, Period

    user = get_user_model().objects.get(username="s01-supervisor")
    scope = engine.Scope.for_user(user, store_code="S01")
    period = Period.of(MONTH, today.replace(day=1) - dt.timedelta(days=1))

    def measure(work) -> dict:
        times, queries = [], 0
        for _run in range(RUNS):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                work()
                times.append(time.perf_counter() - started)
            queries = len(captured.captured_queries)
        return {"median_ms": round(statistics.median(times) * 1000, 1), "queries": queries}

    results = {}
    for code, cls in sorted(engine.REGISTRY.items()):
        if cls.group_only:
            continue
        report = cls()
        results[code] = measure(lambda report=report: report.run(scope, period, today=today).as_json())
        print(f"{code:28} {results[code]['median_ms']:>9} ms  {results[code]['queries']:>4} queries", flush=True)
    client = Client()
    client.force_login(user)
    url = f"/reports/dashboard/?store=S01&period={period.label}"
    results["dashboard_page"] = measure(lambda: client.get(url))
    print(f"{'dashboard page':28} {results['dashboard_page']['median_ms']:>9} ms  "
          f"{results['dashboard_page']['queries']:>4} queries")
    out = {
        "date": today.isoformat(), "machine": platform.node(), "backend": connection.vendor,
        "vehicles": args.vehicles_per_store, "policies": Policy.objects.count(), "period": period.label,
        "runs": RUNS, **built, "reports": results,
    }
    path = ROOT / "bench" / "results" / f"reports-{today.isoformat()}-{connection.vendor}.json"
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False))
    print(f"→ {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
