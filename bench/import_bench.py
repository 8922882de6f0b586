"""Policy import at scale: a 100,000-row insurer export, imported, then imported again.

    .venv/bin/python bench/import_bench.py                 # SQLite: var/bench/import.sqlite3
    .venv/bin/python bench/import_bench.py --rows 5000     # a quick check of the script
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chexian_import_bench .venv/bin/python bench/import_bench.py

What it does, each step in a fresh Python process (so each peak RSS is that step's own):

1. **setup** — a fresh database (SQLite file, or the PostgreSQL database DATABASE_URL
   names, created if missing; a database without this script's marker table is never
   touched), migrated, with the demo organisation (``org.demo``: one group, two stores,
   staff in every role) and store S01's agency contracts with 人保财险 and 平安产险 made
   active through the real approval flow (``insurers.services``: the supervisor
   proposes, the group office approves and records the legal review).
2. **file** — a realistic export as .xlsx (openpyxl write-only): for each car of the
   store a CTPL and a commercial policy, some with a non-motor (驾乘险) one; a tenth of
   the customers companies (USCC), a tenth of the cars new-energy with green plates,
   some new cars without a plate; periods starting over 18 months, premiums and VAT as
   insurers print them. Cached in var/bench/ for a given row count and seed.
3. **calamine** — python-calamine alone reads every row of the file: the floor under any
   import of it.
4. **import** — ``chexian import policies`` as the store's issuer does it: the job is
   created and run in the foreground (``services.run_import_job``), all or nothing, every
   row through ``save_customer``, ``save_vehicle`` and ``issue_policy``.
5. **reimport** — the same file again: every row found unchanged, nothing written.

Figures: wall seconds, rows per second, peak RSS (``ru_maxrss``) for every step, and
the Python heap peak (tracemalloc) for calamine and the re-import. tracemalloc makes
this ORM-heavy import about three times slower, so the first import is timed without
it; ``--trace-import`` traces it too (and its time is then not comparable).
Results: bench/results/import-<date>-<backend>.json, and a table on stdout.

A measurement, not a test: nothing here asserts a time (STYLE.md §7).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 2026
DATA_VERSION = 2  # bump when export_rows changes: the cached file is rebuilt
MARKER = "bench_import_dataset"
STORE = "S01"
ISSUER = "s01-issuer1"
# Periods start over these 18 months; the contracts cover them with room to spare.
FIRST_START = dt.date(2025, 5, 1)
START_DAYS = 540
STEPS = ("setup", "file", "calamine", "import", "reimport")


# ---------------------------------------------------------------- database choice (before Django)
def configure_database() -> dict:
    import dj_database_url

    url = os.environ.get("DATABASE_URL")
    if not url:
        path = ROOT / "var" / "bench" / "import.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
    config = dj_database_url.parse(url)
    if config["ENGINE"].endswith("postgresql"):
        _postgres_admin(config, f'CREATE DATABASE "{config["NAME"]}"', only_if_missing=True)
    os.environ["DATABASE_URL"] = url
    return config


def _postgres_admin(config: dict, statement: str, only_if_missing: bool = False) -> None:
    import psycopg

    with psycopg.connect(
        host=config["HOST"] or None, port=config["PORT"] or None, user=config["USER"] or None,
        password=config["PASSWORD"] or None, dbname="postgres", autocommit=True,
    ) as conn:
        if only_if_missing:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
                return
        conn.execute(statement)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chexian.settings")
    import django
    from django.conf import settings

    django.setup()
    # Production runs without the debug cursor, which would format and keep every query.
    settings.DEBUG = False
    settings.MEDIA_ROOT = ROOT / "var" / "bench" / "media"


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB


class CpuMeter:
    """CPU seconds of this process and of its PostgreSQL backend (same machine), and the
    share of the machine's CPU the rest of it used meanwhile (Linux /proc). On a busy
    machine wall time says little; rows per CPU second still compare."""

    def __init__(self):
        from django.db import connection

        self.hz = os.sysconf("SC_CLK_TCK")
        self.backend = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend = cursor.fetchone()[0]
        self.first = self._sample()

    def _backend_cpu(self) -> float:
        if not self.backend:
            return 0.0
        try:
            stat = Path(f"/proc/{self.backend}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(stat[11]) + int(stat[12])) / self.hz

    def _sample(self):
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        busy = (sum(fields) - fields[3] - fields[4]) / self.hz
        return time.perf_counter(), busy, time.process_time(), self._backend_cpu()

    def result(self) -> dict:
        last = self._sample()
        wall = last[0] - self.first[0]
        own = last[2] - self.first[2]
        backend = last[3] - self.first[3]
        others = max(0.0, (last[1] - self.first[1]) - own - backend)
        return {"cpu_seconds": round(own, 1), "db_backend_cpu_seconds": round(backend, 1) if self.backend else None,
                "other_cpu_share": round(others / (wall * (os.cpu_count() or 1)), 2)}


# ---------------------------------------------------------------- step 1: the database
def step_setup(config: dict) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction

    from chexian.insurers import services as insurer_services
    from chexian.insurers.models import Insurer
    from chexian.org import demo as org_demo

    tables = connection.introspection.table_names()
    if tables and MARKER not in tables:
        raise SystemExit(
            f"{connection.settings_dict['NAME']} has tables but no {MARKER} table: not a benchmark database, "
            "so this script will not touch it. Choose another DATABASE_URL."
        )
    connection.close()
    if connection.vendor == "postgresql":
        _postgres_admin(config, f'DROP DATABASE IF EXISTS "{config["NAME"]}"')
        _postgres_admin(config, f'CREATE DATABASE "{config["NAME"]}"')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{config['NAME']}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MARKER} (name VARCHAR(20) PRIMARY KEY, value TEXT NOT NULL)")
    with transaction.atomic():
        _group, stores, users = org_demo.build(stores=2, rng=random.Random(SEED))
    store = stores[0]
    office = users[0]
    for code in ("PICC", "PINGAN"):
        contract = insurer_services.propose_contract(
            actor=store.staff["supervisor"], store=store, insurer=Insurer.objects.get(code=code),
            data={"valid_from": dt.date(2024, 1, 1), "valid_until": dt.date(2028, 12, 31),
                  "rate_ctpl": Decimal("4.00"), "rate_commercial": Decimal("22.00"),
                  "rate_nev_commercial": Decimal("18.00"), "rate_non_motor": Decimal("30.00")},
        )
        insurer_services.approve_contract(actor=office, contract=contract)
        insurer_services.record_legal_review(actor=office, contract=contract, opinion="条款合规")
    return {"seconds": round(time.perf_counter() - started, 1)}


# ---------------------------------------------------------------- step 2: the file
def _money(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))


def _split(premium: Decimal) -> tuple[Decimal, Decimal]:
    """(premium excluding VAT, VAT) at 6 %, as insurers print them."""
    without = (premium / Decimal("1.06")).quantize(Decimal("0.01"))
    return without, premium - without


def export_rows(count: int, rng: random.Random):
    """Rows of a store's export, as dicts keyed by template header."""
    from chexian.core import demo_data
    from chexian.policies.services import one_year_end

    serial = 0
    car = 0
    produced = 0
    used_ids: set[str] = set()
    customers: list[dict] = []
    while produced < count:
        car += 1
        new_energy = rng.random() < 0.1
        new_car = rng.random() < 0.03
        start = FIRST_START + dt.timedelta(days=rng.randrange(START_DAYS))
        issued = start - dt.timedelta(days=rng.randrange(0, 15))
        if customers and rng.random() < 0.05:
            customer = rng.choice(customers)  # a customer's second car
        else:
            company = rng.random() < 0.1
            identity = ""
            while not identity or identity in used_ids:  # one number, one person
                identity = demo_data.uscc(rng) if company else demo_data.resident_id(rng)
            used_ids.add(identity)
            holder = demo_data.company_name(rng) if company else demo_data.person_name(rng)
            customer = {"投保人": holder, "被保险人": holder, "证件号": identity, "手机": demo_data.mobile(rng)}
            customers.append(customer)
        base = {
            "起保日期": start.isoformat(), "终保日期": one_year_end(start).isoformat(),
            "出单日期": issued.isoformat(),
            "车牌号": "" if new_car else demo_data.plate(car, new_energy=new_energy),
            "车架号": demo_data.vin(rng, car, plant="B", year=2016 + rng.randrange(10)),
            "发动机号": f"E{car:08d}",
            "品牌": rng.choice(["广汽丰田", "一汽-大众", "东风本田", "比亚迪", "广汽埃安", "上汽通用别克"]),
            "车系": rng.choice(["凯美瑞", "迈腾", "雅阁", "汉", "AION S", "君越"]),
            "新能源": "纯电" if new_energy else "否",
            "初登日期": (start - dt.timedelta(days=10)).isoformat() if new_car else "",
            **customer,
            "保险公司": rng.choice(["人保财险", "平安产险"]),
        }
        ctpl_premium = Decimal(rng.choice(["665.00", "760.00", "855.00", "950.00", "1140.00"]))
        commercial_premium = Decimal(rng.randrange(180_000, 900_000)) / 100
        lines = [("交强险", ctpl_premium, Decimal("0") if new_energy else Decimal(rng.choice(["360", "420", "480"]))),
                 ("商业险", commercial_premium, Decimal("0"))]
        if rng.random() < 0.1:
            lines.append(("非车险", Decimal(rng.choice(["99.00", "199.00", "299.00"])), Decimal("0")))
        for line, premium, tax in lines:
            if produced >= count:
                break
            serial += 1
            without, vat = _split(premium)
            prefix = {"交强险": "PDZA", "商业险": "PDAA", "非车险": "PEBA"}[line]
            yield {**base, "保单号": f"{prefix}2026{serial:010d}", "险种": line, "保费": _money(premium),
                   "不含税保费": _money(without), "增值税": _money(vat), "车船税": _money(tax) if tax else ""}
            produced += 1


def step_file(rows: int, path: Path) -> dict:
    from openpyxl import Workbook

    from chexian.imports.policy_import import COLUMNS

    started = time.perf_counter()
    headers = [column.header for column in COLUMNS]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("保单明细")
    sheet.append(headers)
    for row in export_rows(rows, random.Random(SEED)):
        sheet.append([row.get(header, "") for header in headers])
    tmp = path.with_suffix(".tmp")
    workbook.save(tmp)
    tmp.replace(path)
    return {"seconds": round(time.perf_counter() - started, 1), "bytes": path.stat().st_size}


# ---------------------------------------------------------------- step 3: calamine alone
def step_calamine(path: Path) -> dict:
    import python_calamine

    tracemalloc.start()
    started = time.perf_counter()
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    sheet = workbook.get_sheet_by_index(0)
    rows = cells = 0
    for row in sheet.iter_rows():
        rows += 1
        cells += sum(1 for value in row if value != "")
    seconds = time.perf_counter() - started
    heap_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"seconds": round(seconds, 2), "rows": rows - 1, "cells": cells,
            "rows_per_second": round((rows - 1) / seconds), "tracemalloc_peak_mb": round(heap_peak / 2**20, 1),
            "peak_rss_mb": peak_rss_mb()}


# ---------------------------------------------------------------- steps 4 and 5: the import
def step_import(path: Path, trace: bool) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.files import File
    from django.db import connection

    from chexian.imports import services
    from chexian.org.models import Store

    actor = get_user_model().objects.get(username=ISSUER)
    store = Store.objects.get(code=STORE)
    counts_before = _counts()
    with path.open("rb") as handle:
        job = services.create_import_job(
            actor=actor, store=store, upload=File(handle, name=path.name), enqueue=False
        )
    progress = []
    started = time.perf_counter()

    def on_progress(processed, total):
        progress.append((round(time.perf_counter() - started, 1), processed))
        if len(progress) % 20 == 0:
            rate = processed / max(progress[-1][0], 0.001)
            print(f"    {processed:>9,} rows  {progress[-1][0]:8.1f} s  {rate:7.0f} rows/s", flush=True)

    if trace:
        tracemalloc.start()
    meter = CpuMeter()
    job = services.run_import_job(job.pk, on_progress=on_progress)
    seconds = time.perf_counter() - started
    cpu = meter.result()
    heap_peak = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.stop()
    result = {
        "status": job.status, "seconds": round(seconds, 1), "rows": job.total_rows,
        "rows_per_second": round(job.total_rows / seconds, 1),
        **cpu,
        "rows_per_cpu_second": round(job.total_rows / max(cpu["cpu_seconds"] + (cpu["db_backend_cpu_seconds"] or 0),
                                                          0.001), 1),
        "created": job.created_rows, "updated": job.updated_rows, "unchanged": job.unchanged_rows,
        "error_rows": job.error_rows, "first_errors": job.errors[:5],
        "peak_rss_mb": peak_rss_mb(), "tracemalloc_peak_mb": round(heap_peak / 2**20, 1) if trace else None,
        "traced": trace, "written": {k: v - counts_before[k] for k, v in _counts().items()},
        "progress": progress[:: max(1, len(progress) // 20)],
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            result["server"] = cursor.fetchone()[0].split(",")[0]
    return result


def _counts() -> dict:
    from chexian.core.models import AuditLog
    from chexian.customers.models import Customer, Vehicle, VehicleOwnership
    from chexian.policies.models import Policy

    return {"policies": Policy.objects.count(), "customers": Customer.objects.count(),
            "vehicles": Vehicle.objects.count(), "ownerships": VehicleOwnership.objects.count(),
            "audit_entries": AuditLog.objects.count()}


# ---------------------------------------------------------------- driver
def run_step(step: str, args) -> dict:
    """Run one step in a child process; its JSON result is the last line of its output."""
    command = [sys.executable, __file__, "--step", step, "--rows", str(args.rows)]
    if args.trace_import:
        command.append("--trace-import")
    print(f"[{step}]", flush=True)
    process = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=os.environ.copy(), check=False)  # noqa: S603
    lines = process.stdout.strip().splitlines()
    for line in lines[:-1]:
        print(line, flush=True)
    if process.returncode != 0 or not lines:
        raise SystemExit(f"step {step} failed (exit {process.returncode})")
    result = json.loads(lines[-1])
    print(f"    {json.dumps({k: v for k, v in result.items() if k not in ('progress', 'first_errors')})}", flush=True)
    return result


def child(args) -> None:
    config = configure_database()
    setup_django()
    path = file_path(args.rows)
    if args.step == "setup":
        result = step_setup(config)
    elif args.step == "file":
        result = {"reused": True, "bytes": path.stat().st_size} if path.exists() else step_file(args.rows, path)
    elif args.step == "calamine":
        result = step_calamine(path)
    elif args.step == "import":
        result = step_import(path, trace=args.trace_import)
    else:
        result = step_import(path, trace=True)
    print(json.dumps(result, ensure_ascii=False, default=str))


def file_path(rows: int) -> Path:
    return ROOT / "var" / "bench" / f"import-{rows}-{SEED}-v{DATA_VERSION}.xlsx"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the export (default 100,000)")
    parser.add_argument("--trace-import", action="store_true", help="trace the first import with tracemalloc too")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        child(args)
        return
    config = configure_database()
    backend = "postgresql" if config["ENGINE"].endswith("postgresql") else "sqlite"
    results = {step: run_step(step, args) for step in STEPS}
    imported, again, alone = results["import"], results["reimport"], results["calamine"]
    report = {
        "benchmark": "policy import",
        "date": dt.date.today().isoformat(),  # noqa: DTZ011 (the file name's date)
        "backend": backend,
        "rows": args.rows,
        "seed": SEED,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "load_average_at_end": os.getloadavg()},
        **results,
        "import_vs_calamine": round(imported["seconds"] / max(alone["seconds"], 0.001), 1),
    }
    out = ROOT / "bench" / "results" / f"import-{report['date']}-{backend}.json"
    if args.rows != 100_000:
        out = out.with_name(f"import-{report['date']}-{backend}-{args.rows}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n")
    print()
    print(f"{args.rows:,} rows on {backend} ({out.relative_to(ROOT)})")
    print(f"  {'step':<22}{'seconds':>10}{'rows/s':>10}{'CPU s':>8}{'rows/CPU s':>12}{'peak RSS MB':>13}"
          f"{'heap peak MB':>14}{'others CPU':>12}")
    for name, result in (("calamine read only", alone), ("import (new)", imported), ("re-import (unchanged)", again)):
        heap = result.get("tracemalloc_peak_mb")
        cpu = (result.get("cpu_seconds") or 0) + (result.get("db_backend_cpu_seconds") or 0)
        heap = "" if heap is None else heap
        print(f"  {name:<22}{result['seconds']:>10}{result['rows_per_second']:>10,.0f}{cpu or '':>8}"
              f"{result.get('rows_per_cpu_second', ''):>12}{result['peak_rss_mb']:>13}{heap:>14}"
              f"{result.get('other_cpu_share', ''):>12}")


if __name__ == "__main__":
    main()
