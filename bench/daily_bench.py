"""The daily job (``chexian daily``) over a dealer group: how long a busy day takes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chexian_daily_bench \\
        .venv/bin/python bench/daily_bench.py --stores 40 --vehicles-per-store 10000
    .venv/bin/python bench/daily_bench.py --stores 4 --vehicles-per-store 2000   # SQLite, quick

What it does:

1. **setup** — a fresh database (the one DATABASE_URL names, created if missing and
   only ever touched when it carries this script's marker table; SQLite:
   var/bench/daily.sqlite3), migrated, and the demo data set built through the demo
   builders (``org.demo``, ``customers.demo``, ``policies.demo``: the group, stores,
   staff, customers and vehicles, contracts and three years of policies) — without
   running the daily job.
2. **busy day** — ``run_daily(today)`` once: every store's renewal cases for the
   next 90 days are created, assigned, and today's reminders made (SMS written by
   the file adapter to var/bench/messages.log, calls queued). Timed per step.
3. **same day again** — nothing new (idempotent): the cost of checking.
4. **next day** — the usual day: a day's new cases and reminders.

Figures: seconds per step, open cases, tasks and messages made, and the time per
100,000 open cases. A measurement, not a test: nothing here asserts a time.
Results: bench/results/daily-<date>-<backend>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
MARKER = "bench_daily_dataset"
SEED = 2026


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", type=int, default=40)
    parser.add_argument("--vehicles-per-store", type=int, default=10_000)
    args = parser.parse_args()

    import import_bench  # the same database guard and process meter

    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench' / 'daily.sqlite3'}")
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    import_bench.MARKER = MARKER
    config = import_bench.configure_database()
    import_bench.setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    settings.CHEXIAN_MESSAGE_LOG = ROOT / "var" / "bench" / "messages.log"
    settings.CHEXIAN_MESSAGE_LOG.unlink(missing_ok=True)
    backend = connection.vendor
    tables = connection.introspection.table_names()
    if tables and MARKER not in tables:
        raise SystemExit(f"{config['NAME']} is not a benchmark database (no {MARKER} table): not touching it.")
    connection.close()
    if backend == "postgresql":
        import_bench._postgres_admin(config, f'DROP DATABASE IF EXISTS "{config["NAME"]}"')
        import_bench._postgres_admin(config, f'CREATE DATABASE "{config["NAME"]}"')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{config['NAME']}{suffix}").unlink(missing_ok=True)

    from chexian.core.daily import run_daily
    from chexian.customers import demo as customers_demo
    from chexian.notifications.models import Message
    from chexian.org import demo as org_demo
    from chexian.policies import demo as policies_demo
    from chexian.renewals.choices import CaseStatus
    from chexian.renewals.models import ContactTask, RenewalCase

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MARKER} (name VARCHAR(20) PRIMARY KEY)")
    today = timezone.localdate()
    rng = random.Random(SEED)
    with transaction.atomic():
        _group, stores, users = org_demo.build(stores=args.stores, rng=rng)
        vehicles = customers_demo.build(stores=stores, vehicles_per_store=args.vehicles_per_store, rng=rng,
                                        today=today)
        counts = policies_demo.build(stores=stores, office=users[0], rng=rng, today=today, years=3)
    if backend == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    setup = round(time.perf_counter() - started, 1)
    print(f"setup: {args.stores} stores, {vehicles:,} vehicles, {counts['policies']:,} policies in {setup} s",
          flush=True)

    def day(label, when):
        meter = import_bench.CpuMeter()
        before = (RenewalCase.objects.count(), ContactTask.objects.count(), Message.objects.count())
        t0 = time.perf_counter()
        steps = {r.name: {"changed": r.changed, "seconds": r.seconds} for r in run_daily(when)}
        seconds = time.perf_counter() - t0
        after = (RenewalCase.objects.count(), ContactTask.objects.count(), Message.objects.count())
        result = {"date": when.isoformat(), "seconds": round(seconds, 2), "steps": steps,
                  "cases_created": after[0] - before[0], "tasks_created": after[1] - before[1],
                  "messages_sent": after[2] - before[2],
                  "open_cases": RenewalCase.objects.filter(status=CaseStatus.OPEN).count(), **meter.result()}
        print(f"{label}: {json.dumps(result, ensure_ascii=False)}", flush=True)
        return result

    busy = day("busy day", today)
    again = day("same day again", today)
    following = day("next day", today + dt.timedelta(days=1))
    per_100k = round(busy["seconds"] / max(busy["open_cases"], 1) * 100_000, 1)
    report = {
        "benchmark": "daily job", "date": today.isoformat(), "backend": backend, "stores": args.stores,
        "vehicles": vehicles, "policies": counts["policies"], "setup_seconds": setup,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()},
        "busy_day": busy, "same_day_again": again, "next_day": following,
        "busy_day_seconds_per_100k_open_cases": per_100k,
    }
    out = ROOT / "bench" / "results" / f"daily-{today.isoformat()}-{backend}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"busy day: {busy['open_cases']:,} open cases in {busy['seconds']} s → {per_100k} s per 100,000 "
          f"open cases ({out.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
