"""Each report against its floor: the report engine, one hand-written SQL query on the same
PostgreSQL, and DuckDB on the same rows exported to Parquet — same process, same minute.

    make bench-floors                                   # 3 stores × 10,000 vehicles × 3 years
    .venv/bin/python bench/report_floors.py --quick     # 1 store × 1,000 vehicles (a check of the script)
    .venv/bin/python bench/report_floors.py --keep      # reuse the data set of an earlier run
    .venv/bin/python bench/report_floors.py --keep --max-ratio 10   # CI guard: exit 1 over 10×

What it does (issue 8, first row of the table): a database of its own (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/chexian_floor_bench, ``_quick`` appended with --quick),
dropped and built again with ``chexian demo`` unless --keep, and guarded by this script's
marker table (a database with tables but without it is never touched). Then, for last month
and for store S01 and for the group (every active store):

* engine — ``engine.get(code).run(scope, period).as_json()``: the whole report, headline
  figures with their previous-period and last-year comparisons, rows and charts;
* SQL floor — ONE hand-written query (CTEs allowed), raw psycopg on the same PostgreSQL,
  computing the same headline figures (the three periods where the report compares), and
  also the per-insurer breakdown of the renewal rate, the per-store rows of the group
  ranking and the 500 rows of the customer register;
* DuckDB — the same query (the same SQL text where the dialects agree) on Parquet files
  exported with pyarrow from the tables it reads, only the columns needed and only the
  scope's rows; the export is timed apart and not counted.

Every number of the floor and of DuckDB is checked against the engine's JSON before any
timing: a mismatch stops the script (exit 2) — a floor that computes something else is
worthless. Each is then run once untimed and 5 times timed, interleaved (engine, SQL,
DuckDB, engine figures-only), and the median is kept. Target (issue 8): engine within 3×
of the SQL floor (PASS/MISS); ``--max-ratio N`` exits 1 when any engine/SQL ratio exceeds N.
Results: bench/results/floors-<date>-<machine>.json (``--quick``: var/bench/, a check).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import zoneinfo
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
MARKER = "bench_report_floors"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/chexian_floor_bench"
RUNS = 5
TARGET = 3.0
CENT = Decimal("0.01")
TZ = "Asia/Shanghai"
MOTOR = "('ctpl', 'commercial')"


class Mismatch(Exception):
    pass


# ---------------------------------------------------------------- the database
def fresh_database(import_bench, config: dict, params: dict) -> None:
    """Drop and create the benchmark database — only one that carries this script's marker table —,
    migrate it and mark it."""
    from django.core.management import call_command
    from django.db import connection

    tables = connection.introspection.table_names()
    if tables and MARKER not in tables:
        raise SystemExit(f"{connection.settings_dict['NAME']} has tables but no {MARKER} table: not a benchmark "
                         "database, so this script will not touch it. Choose another DATABASE_URL.")
    if connection.vendor != "postgresql":
        raise SystemExit("report_floors.py measures PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    connection.close()
    import_bench._postgres_admin(config, f'DROP DATABASE IF EXISTS "{config["NAME"]}"')
    import_bench._postgres_admin(config, f'CREATE DATABASE "{config["NAME"]}"')
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MARKER} (name VARCHAR(20) PRIMARY KEY, value TEXT NOT NULL)")
        cursor.execute(f"INSERT INTO {MARKER} VALUES ('building', %s)", [json.dumps(params)])


def check_kept() -> dict:
    from django.db import connection

    tables = connection.introspection.table_names()
    if MARKER not in tables:
        raise SystemExit(f"--keep: {connection.settings_dict['NAME']} has no {MARKER} table — not built by this "
                         "script. Run without --keep to build it.")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, value FROM {MARKER}")
        marks = dict(cursor.fetchall())
    if "complete" not in marks:
        print(f"warning: {MARKER} has no 'complete' row (an interrupted or older build): measuring it anyway",
              file=sys.stderr)
    return json.loads(marks.get("complete") or marks.get("building") or "{}")


# ---------------------------------------------------------------- literals shared by both SQL dialects
def d(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def ts(day: dt.date) -> str:
    """The local midnight starting ``day``, as a timestamptz literal both PostgreSQL and DuckDB read."""
    at = dt.datetime.combine(day, dt.time(), zoneinfo.ZoneInfo(TZ))
    return f"TIMESTAMPTZ '{at.isoformat(sep=' ')}'"


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def periods_of(period, today) -> dict:
    """{tag: (start, end, until)} of the period and the two it is compared with, as the engine shifts it."""
    out = {}
    for tag, p in (("cur", period), ("prev", period.previous()), ("ly", period.last_year())):
        out[tag] = (p.start, p.end, p.until(today))
    return out


def per_values(pers: dict) -> str:
    """A VALUES list of the three periods: tag, start, end, until, local start, local end (exclusive)."""
    rows = [f"('{tag}', {d(s)}, {d(e)}, {d(u)}, {ts(s)}, {ts(u + dt.timedelta(days=1))})"
            for tag, (s, e, u) in pers.items()]
    return "per(tag, s, e, u, ts, te) AS (VALUES " + ", ".join(rows) + ")"


def fig(result: dict) -> dict:
    return {f["key"]: f for f in result["figures"]}


def rate_of(value) -> tuple:
    if value is None:
        return None
    return (_num(value["numerator"]), _num(value["denominator"]))


def _num(value):
    if isinstance(value, str):
        return money(value)
    if isinstance(value, Decimal):
        return money(value)
    return value


def compared(result: dict, key: str, kind=lambda v: v) -> dict:
    f = fig(result)[key]
    return {"cur": kind(f["value"]), "prev": kind(f["previous"]), "ly": kind(f["last_year"])}


def intish(value):
    return int(value or 0)


# ---------------------------------------------------------------- the reports, each with its floor
class Floor:
    """One report for one scope: the floor's SQL, and the same numbers read from both sides."""

    code = ""

    def __init__(self, scope, period, today):
        self.scope, self.period, self.today = scope, period, today
        self.stores = ",".join(str(pk) for pk in scope.store_ids)
        self.pers = periods_of(period, today)

    def sql(self, dialect: str) -> str:
        raise NotImplementedError

    def from_engine(self, result: dict):
        raise NotImplementedError

    def from_rows(self, rows: list):
        raise NotImplementedError

    scope_sql = ""  # rows in scope: a COUNT(*) query

    def in_scope(self) -> str:
        return self.scope_sql.format(stores=self.stores)


class RenewalRateFloor(Floor):
    code = "renewal_rate"
    scope_sql = "SELECT COUNT(*) FROM policies_policy WHERE store_id IN ({stores})"
    tables = {"policies_policy", "customers_vehicle", "insurers_insurer"}

    def sql(self, dialect):
        p = self.pers
        which = " ".join(f"WHEN p.end_date BETWEEN {d(s)} AND {d(e)} THEN '{tag}'" for tag, (s, e, _u) in p.items())
        inside = " OR ".join(f"p.end_date BETWEEN {d(s)} AND {d(e)}" for s, e, _u in p.values())
        return f"""
WITH due AS (
  SELECT p.vehicle_id, p.insurer_id, CASE {which} END AS per,
         EXISTS (SELECT 1 FROM policies_policy r
                 WHERE r.store_id = p.store_id AND r.vehicle_id = p.vehicle_id AND r.line IN {MOTOR}
                   AND r.status <> 'cancelled' AND r.end_date > p.end_date
                   AND r.start_date >= p.end_date - INTERVAL '60 days') AS renewed
  FROM policies_policy p JOIN customers_vehicle v ON v.id = p.vehicle_id
  WHERE p.store_id IN ({self.stores}) AND p.status <> 'cancelled' AND p.line IN {MOTOR} AND v.is_own_brand
    AND ({inside}))
SELECT per, NULL AS insurer, COUNT(DISTINCT vehicle_id) AS due,
       COUNT(DISTINCT vehicle_id) FILTER (WHERE renewed) AS renewed
FROM due GROUP BY per
UNION ALL
SELECT 'insurer', i.short_name, COUNT(DISTINCT due.vehicle_id), COUNT(DISTINCT due.vehicle_id) FILTER (WHERE renewed)
FROM due JOIN insurers_insurer i ON i.id = due.insurer_id WHERE per = 'cur' GROUP BY i.short_name"""

    def from_engine(self, result):
        return {"rate": compared(result, "renewal_rate", rate_of),
                "insurer": {r["label"]: (r["renewed"], r["due"]) for r in result["rows"] if r["key"] == "insurer"}}

    def from_rows(self, rows):
        rate = dict.fromkeys(self.pers, (0, 0))
        insurer = {}
        for per, name, due, renewed in rows:
            if per == "insurer":
                insurer[name] = (renewed, due)
            else:
                rate[per] = (renewed, due)
        return {"rate": rate, "insurer": insurer}


class DailyOperationsFloor(Floor):
    code = "daily_operations"
    scope_sql = "SELECT COUNT(*) FROM policies_policy WHERE store_id IN ({stores})"
    tables = {"policies_policy", "renewals_renewalcase", "renewals_renewaltarget"}

    def sql(self, dialect):
        # The day reported is the last day counted; "month to date" is its month (operations.day_of).
        rows = []
        for tag, (_s, _e, u) in self.pers.items():
            m = u.replace(day=1)
            rows.append(f"('{tag}', {d(m)}, {d(u)}, {ts(m)}, {ts(u + dt.timedelta(days=1))})")
        return f"""
WITH per(tag, s, u, ts, te) AS (VALUES {", ".join(rows)}),
pol AS (
  SELECT per.tag, COUNT(*) FILTER (WHERE p.business_type IN ('new_car', 'renewal', 'transfer_in')) AS n,
         SUM(p.premium) AS premium, SUM(p.commission_amount) AS commission
  FROM per JOIN policies_policy p ON p.issued_on BETWEEN per.s AND per.u
  WHERE p.store_id IN ({self.stores}) AND p.status <> 'cancelled' GROUP BY per.tag),
ren AS (
  SELECT per.tag, COUNT(*) AS n FROM per JOIN renewals_renewalcase c ON c.closed_at >= per.ts AND c.closed_at < per.te
  WHERE c.store_id IN ({self.stores}) AND c.status = 'renewed' GROUP BY per.tag),
tgt AS (
  SELECT per.tag, SUM(t.target) AS n FROM per JOIN renewals_renewaltarget t ON t.month = per.s
  WHERE t.store_id IN ({self.stores}) GROUP BY per.tag)
SELECT per.tag, pol.n, pol.premium, pol.commission, ren.n, tgt.n
FROM per LEFT JOIN pol ON pol.tag = per.tag LEFT JOIN ren ON ren.tag = per.tag LEFT JOIN tgt ON tgt.tag = per.tag"""

    def from_engine(self, result):
        return {"policies": compared(result, "policies", intish), "premium": compared(result, "premium", money),
                "commission": compared(result, "commission", money),
                "attainment": compared(result, "renewal_attainment", rate_of)}

    def from_rows(self, rows):
        out = {"policies": {}, "premium": {}, "commission": {}, "attainment": {}}
        for tag, n, premium, commission, renewed, target in rows:
            out["policies"][tag] = int(n or 0)
            out["premium"][tag] = money(premium)
            out["commission"][tag] = money(commission)
            out["attainment"][tag] = (int(renewed or 0), int(target or 0))
        return out


class ChurnFloor(Floor):
    code = "churn"
    scope_sql = "SELECT COUNT(*) FROM renewals_renewalcase WHERE store_id IN ({stores})"
    tables = {"renewals_renewalcase"}

    def sql(self, dialect):
        return f"""
WITH {per_values(self.pers)}
SELECT per.tag, COUNT(c.id), COUNT(c.id) FILTER (WHERE c.status = 'lost'), COUNT(c.id) FILTER (WHERE c.status = 'open'),
       SUM(c.expiring_premium) FILTER (WHERE c.status = 'lost')
FROM per LEFT JOIN renewals_renewalcase c ON c.due_date BETWEEN per.s AND per.e AND c.store_id IN ({self.stores})
GROUP BY per.tag"""

    def from_engine(self, result):
        return {"churn": compared(result, "churn_rate", rate_of), "due": compared(result, "due", intish),
                "open": compared(result, "open", intish), "lost_premium": compared(result, "lost_premium", money)}

    def from_rows(self, rows):
        out = {"churn": {}, "due": {}, "open": {}, "lost_premium": {}}
        for tag, due, lost, open_, premium in rows:
            out["churn"][tag] = (int(lost), int(due))
            out["due"][tag], out["open"][tag] = int(due), int(open_)
            out["lost_premium"][tag] = money(premium)
        return out


class LinkageFloor(Floor):
    code = "linkage"
    scope_sql = "SELECT COUNT(*) FROM leads_lead WHERE store_id IN ({stores})"
    tables = {"leads_lead", "policies_policy", "leads_repairopportunity"}

    def sql(self, dialect):
        return f"""
WITH {per_values(self.pers)},
ref AS (
  SELECT per.tag, COUNT(*) AS referred, COUNT(*) FILTER (WHERE l.status = 'converted') AS converted,
         SUM(p.premium) FILTER (WHERE l.status = 'converted') AS premium
  FROM per JOIN leads_lead l ON l.created_at >= per.ts AND l.created_at < per.te
  LEFT JOIN policies_policy p ON p.id = l.converted_policy_id
  WHERE l.store_id IN ({self.stores}) AND l.source = 'referral' GROUP BY per.tag),
rep AS (
  SELECT per.tag, COUNT(*) AS noticed, COUNT(*) FILTER (WHERE o.status = 'converted') AS converted
  FROM per JOIN leads_repairopportunity o ON o.created_at >= per.ts AND o.created_at < per.te
  WHERE o.store_id IN ({self.stores}) GROUP BY per.tag)
SELECT per.tag, ref.referred, ref.converted, ref.premium, rep.noticed, rep.converted
FROM per LEFT JOIN ref ON ref.tag = per.tag LEFT JOIN rep ON rep.tag = per.tag"""

    def from_engine(self, result):
        return {"referred": compared(result, "referred", intish), "conversion": compared(result, "conversion", rate_of),
                "premium": compared(result, "premium", money), "repairs": compared(result, "repairs", rate_of)}

    def from_rows(self, rows):
        out = {"referred": {}, "conversion": {}, "premium": {}, "repairs": {}}
        for tag, referred, converted, premium, noticed, repaired in rows:
            out["referred"][tag] = int(referred or 0)
            out["conversion"][tag] = (int(converted or 0), int(referred or 0))
            out["premium"][tag] = money(premium)
            out["repairs"][tag] = (int(repaired or 0), int(noticed or 0))
        return out


def masked_mobile(field: str) -> str:
    n = f"CAST(LENGTH({field}) AS INTEGER)"  # DuckDB's LPAD takes an INTEGER, LENGTH gives a BIGINT
    return (f"CASE WHEN LENGTH({field}) > 7 THEN LEFT({field}, 3) || LPAD(RIGHT({field}, 4), {n} - 3, '*') "
            f"ELSE LPAD('', {n}, '*') END")


def masked_tail(field: str, keep: int) -> str:
    n = f"CAST(LENGTH({field}) AS INTEGER)"
    return (f"CASE WHEN LENGTH({field}) > {keep} THEN LPAD(RIGHT({field}, {keep}), {n}, '*') "
            f"ELSE LPAD('', {n}, '*') END")


def either(a: str, b: str, pick: str) -> str:
    return f"{pick}(COALESCE({a}, {b}), COALESCE({b}, {a}))"


class CustomerRegisterFloor(Floor):
    code = "customer_register"
    scope_sql = ("SELECT COUNT(*) FROM customers_customer WHERE store_id IN ({stores}) "
                 "AND merged_into_id IS NULL")
    tables = {"customers_customer", "customers_vehicle", "renewals_renewalcase", "aftersales_serviceorder",
              "renewals_contactlog", "renewals_contacttask", "leads_lead", "leads_leadfollowup", "org_store"}

    def sql(self, dialect):
        from chexian.quotes.sheets import SHOWN_TAIL
        from chexian.reports.kpis.common import year_before

        until = self.period.until(self.today)
        since = year_before(until)
        since_ts = ts(since + dt.timedelta(days=1))  # created_at's local date > since
        local = (lambda col: f"({col} AT TIME ZONE '{TZ}')::date")  # noqa: E731
        return f"""
WITH c AS (
  SELECT id, store_id, name, mobile, source, portrait_tags FROM customers_customer
  WHERE store_id IN ({self.stores}) AND merged_into_id IS NULL),
veh AS (SELECT owner_id, COUNT(*) AS n FROM customers_vehicle WHERE owner_id IN (SELECT id FROM c) GROUP BY owner_id),
latest_veh AS (
  SELECT DISTINCT ON (owner_id) owner_id, {masked_tail("plate", SHOWN_TAIL)} AS plate,
         brand || ' ' || series AS model
  FROM customers_vehicle WHERE owner_id IN (SELECT id FROM c) ORDER BY owner_id, id DESC),
seg AS (
  SELECT DISTINCT ON (customer_id) customer_id, segment FROM renewals_renewalcase
  WHERE customer_id IN (SELECT id FROM c) ORDER BY customer_id, due_date DESC, id DESC),
so AS (
  SELECT customer_id, COUNT(*) FILTER (WHERE opened_on > {d(since)}) AS visits, MAX(opened_on) AS last_visit
  FROM aftersales_serviceorder WHERE customer_id IN (SELECT id FROM c) AND opened_on <= {d(until)}
  GROUP BY customer_id),
cl AS (
  SELECT k.customer_id, COUNT(*) AS n, COUNT(*) FILTER (WHERE g.created_at >= {since_ts}) AS n12,
         MAX(g.created_at) AS last_at
  FROM renewals_contactlog g JOIN renewals_renewalcase k ON k.id = g.case_id
  WHERE k.customer_id IN (SELECT id FROM c) GROUP BY k.customer_id),
tasks AS (
  SELECT k.customer_id, COUNT(*) AS n, MIN(t.due_on) AS next_on
  FROM renewals_contacttask t JOIN renewals_renewalcase k ON k.id = t.case_id
  WHERE k.customer_id IN (SELECT id FROM c) AND k.status = 'open' AND t.status = 'due' GROUP BY k.customer_id),
lc AS (  -- a customer's leads: by its car, or by its mobile within its store
  SELECT l.id AS lead_id, v.owner_id AS customer_id FROM leads_lead l JOIN customers_vehicle v ON v.id = l.vehicle_id
  WHERE v.owner_id IN (SELECT id FROM c)
  UNION
  SELECT l.id, c.id FROM leads_lead l JOIN c ON l.store_id = c.store_id AND l.mobile = c.mobile),
fu AS (
  SELECT lc.customer_id, COUNT(*) AS n, COUNT(*) FILTER (WHERE f.created_at >= {since_ts}) AS n12,
         MAX(f.created_at) AS last_at
  FROM lc JOIN leads_leadfollowup f ON f.lead_id = lc.lead_id GROUP BY lc.customer_id),
pl AS (
  SELECT lc.customer_id, COUNT(*) AS n, MIN(l.next_follow_up) AS next_on
  FROM lc JOIN leads_lead l ON l.id = lc.lead_id
  WHERE l.status IN ('new', 'following') AND l.next_follow_up IS NOT NULL GROUP BY lc.customer_id),
reg AS (
  SELECT c.id, s.code, c.name, {masked_mobile("c.mobile")} AS mobile, latest_veh.plate, latest_veh.model,
         COALESCE(veh.n, 0) AS vehicles, c.source, c.portrait_tags, seg.segment,
         COALESCE(so.visits, 0) AS visits, so.last_visit,
         COALESCE(cl.n, 0) + COALESCE(fu.n, 0) AS contacts, COALESCE(cl.n12, 0) + COALESCE(fu.n12, 0) AS contacts12,
         {either(local("cl.last_at"), local("fu.last_at"), "GREATEST")} AS last_contact,
         {either("tasks.next_on", "pl.next_on", "LEAST")} AS next_contact,
         COALESCE(tasks.n, 0) + COALESCE(pl.n, 0) AS planned
  FROM c JOIN org_store s ON s.id = c.store_id
  LEFT JOIN veh ON veh.owner_id = c.id LEFT JOIN latest_veh ON latest_veh.owner_id = c.id
  LEFT JOIN seg ON seg.customer_id = c.id LEFT JOIN so ON so.customer_id = c.id
  LEFT JOIN cl ON cl.customer_id = c.id LEFT JOIN fu ON fu.customer_id = c.id
  LEFT JOIN tasks ON tasks.customer_id = c.id LEFT JOIN pl ON pl.customer_id = c.id)
SELECT code, name, mobile, plate, model, vehicles, source, portrait_tags, segment, visits, last_visit, contacts,
       contacts12, last_contact, next_contact, planned,
       COUNT(*) OVER () AS total, COUNT(*) FILTER (WHERE planned > 0) OVER () AS with_planned,
       COUNT(*) FILTER (WHERE visits > 0) OVER () AS serviced
FROM reg ORDER BY next_contact ASC NULLS LAST, name, id LIMIT 500"""

    KEYS = ("store", "name", "mobile", "plate", "vehicle", "vehicles", "source", "tags", "segment", "visits_12m",
            "last_visit", "contacts", "contacts_12m", "last_contact", "next_contact", "planned")

    def from_engine(self, result):
        f = fig(result)
        return {"customers": f["customers"]["value"], "planned": rate_of(f["planned"]["value"]),
                "serviced": rate_of(f["serviced"]["value"]),
                "rows": [tuple(row[k] for k in self.KEYS) for row in result["rows"]]}

    def from_rows(self, rows):
        from chexian.customers.choices import CustomerSource
        from chexian.renewals.choices import Segment

        sources, segments = dict(CustomerSource.choices), dict(Segment.choices)
        iso = (lambda v: None if v is None else v.isoformat())  # noqa: E731
        out = []
        for (code, name, mobile, plate, model, vehicles, source, tags, segment, visits, last_visit, contacts,
             contacts12, last_contact, next_contact, planned, *_totals) in rows:
            out.append((code, name, mobile, plate or "", (model or "").strip(), int(vehicles),
                        str(sources.get(source, source)), tags, str(segments[segment]) if segment else "",
                        int(visits), iso(last_visit), int(contacts), int(contacts12), iso(last_contact),
                        iso(next_contact), int(planned)))
        total, planned, serviced = (int(v) for v in rows[0][-3:]) if rows else (0, 0, 0)
        return {"customers": total, "planned": (planned, total), "serviced": (serviced, total), "rows": out}


class GroupRankingFloor(Floor):
    code = "group_ranking"
    scope_sql = "SELECT COUNT(*) FROM policies_policy WHERE store_id IN ({stores})"
    tables = {"org_store", "customers_vehicle", "policies_policy", "reports_storetarget"}

    def sql(self, dialect):
        s, _e, u = self.pers["cur"]
        year_start = dt.date(self.period.end.year, 1, 1)
        return f"""
WITH st AS (SELECT id, code FROM org_store WHERE id IN ({self.stores})),
sold AS (
  SELECT v.store_id, COUNT(*) AS sold,
         COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM policies_policy p WHERE p.vehicle_id = v.id
                                        AND p.store_id IN ({self.stores}) AND p.status <> 'cancelled'
                                        AND p.business_type = 'new_car')) AS insured
  FROM customers_vehicle v
  WHERE v.store_id IN ({self.stores}) AND v.sold_here AND v.purchase_date BETWEEN {d(s)} AND {d(u)}
  GROUP BY v.store_id),
cohort AS (
  SELECT p.store_id, COUNT(DISTINCT p.vehicle_id) AS due,
         COUNT(DISTINCT p.vehicle_id) FILTER (WHERE EXISTS (
           SELECT 1 FROM policies_policy r
           WHERE r.store_id = p.store_id AND r.vehicle_id = p.vehicle_id AND r.line IN {MOTOR}
             AND r.status <> 'cancelled' AND r.end_date > p.end_date
             AND r.start_date >= p.end_date - INTERVAL '60 days')) AS renewed
  FROM policies_policy p JOIN customers_vehicle v ON v.id = p.vehicle_id
  WHERE p.store_id IN ({self.stores}) AND p.status <> 'cancelled' AND p.line IN {MOTOR} AND v.is_own_brand
    AND p.end_date BETWEEN {d(s)} AND {d(_e)}
  GROUP BY p.store_id),
cash AS (
  SELECT store_id,
         SUM(commission_amount) FILTER (WHERE issued_on >= {d(s)} AND business_type = 'new_car') AS new_car,
         SUM(commission_amount) FILTER (WHERE issued_on >= {d(s)} AND business_type = 'renewal') AS renewal,
         SUM(commission_amount) AS year_total
  FROM policies_policy
  WHERE store_id IN ({self.stores}) AND status <> 'cancelled' AND issued_on BETWEEN {d(year_start)} AND {d(u)}
  GROUP BY store_id),
tgt AS (SELECT store_id, commission_target FROM reports_storetarget
        WHERE store_id IN ({self.stores}) AND year = {self.period.end.year})
SELECT st.code, COALESCE(sold.insured, 0) AS insured, COALESCE(sold.sold, 0) AS sold,
       COALESCE(cohort.renewed, 0) AS renewed, COALESCE(cohort.due, 0) AS due,
       cash.new_car, cash.renewal, cash.year_total, tgt.commission_target,
       SUM(COALESCE(sold.insured, 0)) OVER () AS g_insured, SUM(COALESCE(sold.sold, 0)) OVER () AS g_sold,
       SUM(COALESCE(cohort.renewed, 0)) OVER () AS g_renewed, SUM(COALESCE(cohort.due, 0)) OVER () AS g_due,
       SUM(cash.year_total) OVER () AS g_year
FROM st LEFT JOIN sold ON sold.store_id = st.id LEFT JOIN cohort ON cohort.store_id = st.id
LEFT JOIN cash ON cash.store_id = st.id LEFT JOIN tgt ON tgt.store_id = st.id
ORDER BY CASE WHEN COALESCE(cohort.due, 0) = 0 THEN 1 ELSE 0 END,
         COALESCE(cohort.renewed, 0) * 1.0 / NULLIF(cohort.due, 0) DESC, st.code"""

    def from_engine(self, result):
        f = fig(result)
        return {"first": rate_of(f["first_insurance_rate"]["value"]), "renewal": rate_of(f["renewal_rate"]["value"]),
                "year": money(f["year_commission"]["value"]),
                "stores": {r["store_code"]: (rate_of(r["first_insurance_rate"]), money(r["new_car_commission"]),
                                             rate_of(r["renewal_rate"]), money(r["renewal_commission"]),
                                             money(r["year_commission"]),
                                             None if r["target"] is None else money(r["target"]))
                           for r in result["rows"]}}

    def from_rows(self, rows):
        out = {"stores": {}, "first": (0, 0), "renewal": (0, 0), "year": money(0)}
        for (code, insured, sold, renewed, due, new_car, renewal, year, target,
             g_insured, g_sold, g_renewed, g_due, g_year) in rows:
            out["stores"][code] = ((int(insured), int(sold)), money(new_car), (int(renewed), int(due)),
                                   money(renewal), money(year), None if target is None else money(target))
            out["first"], out["renewal"] = (int(g_insured), int(g_sold)), (int(g_renewed), int(g_due))
            out["year"] = money(g_year)
        return out


FLOORS = (RenewalRateFloor, DailyOperationsFloor, ChurnFloor, LinkageFloor, CustomerRegisterFloor,
          GroupRankingFloor)


# ---------------------------------------------------------------- the Parquet export for DuckDB
def export_tables(pg, stores: str, folder: Path) -> dict:
    """The columns the floors read, only the scope's rows (and the rows those point to), to Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    customers = f"SELECT id FROM customers_customer WHERE store_id IN ({stores})"
    cases = f"SELECT id FROM renewals_renewalcase WHERE store_id IN ({stores}) OR customer_id IN ({customers})"
    owned = f"SELECT id FROM customers_vehicle WHERE owner_id IN ({customers})"
    leads = f"SELECT id FROM leads_lead WHERE store_id IN ({stores}) OR vehicle_id IN ({owned})"
    queries = {
        "policies_policy": ("id, store_id, vehicle_id, insurer_id, line, status, business_type, start_date, end_date, "
                            "issued_on, premium, commission_amount",
                            f"store_id IN ({stores}) OR id IN (SELECT converted_policy_id FROM leads_lead "
                            f"WHERE id IN ({leads}))"),
        "customers_vehicle": ("id, store_id, owner_id, plate, brand, series, is_own_brand, sold_here, purchase_date",
                              f"store_id IN ({stores}) OR owner_id IN ({customers}) OR id IN (SELECT vehicle_id FROM "
                              f"policies_policy WHERE store_id IN ({stores})) OR id IN (SELECT vehicle_id FROM "
                              f"leads_lead WHERE store_id IN ({stores}))"),
        "insurers_insurer": ("id, short_name", "TRUE"),
        "org_store": ("id, code", f"id IN ({stores})"),
        "customers_customer": ("id, store_id, name, mobile, source, portrait_tags, merged_into_id",
                               f"store_id IN ({stores})"),
        "renewals_renewalcase": ("id, store_id, customer_id, due_date, status, closed_at, expiring_premium, segment",
                                 f"id IN ({cases})"),
        "renewals_renewaltarget": ("store_id, month, target", f"store_id IN ({stores})"),
        "renewals_contactlog": ("id, case_id, created_at", f"case_id IN ({cases})"),
        "renewals_contacttask": ("id, case_id, status, due_on", f"case_id IN ({cases})"),
        "leads_lead": ("id, store_id, vehicle_id, mobile, source, status, created_at, converted_policy_id, "
                       "next_follow_up", f"id IN ({leads})"),
        "leads_leadfollowup": ("id, lead_id, created_at", f"lead_id IN ({leads})"),
        "leads_repairopportunity": ("id, store_id, status, created_at", f"store_id IN ({stores})"),
        "aftersales_serviceorder": ("id, customer_id, opened_on", f"customer_id IN ({customers})"),
        "reports_storetarget": ("store_id, year, commission_target", f"store_id IN ({stores})"),
    }
    sizes = {}
    for table, (columns, where) in queries.items():
        with pg.cursor() as cur:
            cur.execute(f"SELECT {columns} FROM {table} WHERE {where}")
            rows = cur.fetchall()
            fields = [pa.field(c.name, _arrow_type(c)) for c in cur.description]
        data = list(zip(*rows, strict=True)) if rows else [[] for _ in fields]
        arrow = pa.table([pa.array(list(col), type=f.type) for col, f in zip(data, fields, strict=True)],
                         schema=pa.schema(fields))
        pq.write_table(arrow, folder / f"{table}.parquet")
        sizes[table] = len(rows)
    return sizes


def _arrow_type(column):
    import pyarrow as pa

    oid = column.type_code
    if oid in (20, 21, 23):
        return pa.int64()
    if oid == 1700:
        return pa.decimal128(column.precision or 38, column.scale if column.scale is not None else 2)
    if oid == 1082:
        return pa.date32()
    if oid == 1184:
        return pa.timestamp("us", tz="UTC")
    if oid == 16:
        return pa.bool_()
    return pa.string()


def duck_connection(folder: Path):
    import duckdb

    duck = duckdb.connect()
    duck.execute(f"SET TimeZone = '{TZ}'")
    for path in sorted(folder.glob("*.parquet")):
        duck.execute(f"CREATE VIEW {path.stem} AS SELECT * FROM read_parquet('{path}')")
    return duck


# ---------------------------------------------------------------- measuring
def median_ms(times: list[float]) -> float:
    return round(statistics.median(times) * 1000, 2)


def check(label: str, expected, got) -> None:
    if expected != got:
        lines = [f"{label}: the numbers differ from the engine's."]
        if isinstance(expected, dict) and isinstance(got, dict):
            for key in sorted(set(expected) | set(got)):
                if expected.get(key) != got.get(key):
                    e, g = expected.get(key), got.get(key)
                    if isinstance(e, list) and isinstance(g, list):
                        for i, (a, b) in enumerate(zip(e, g, strict=False)):
                            if a != b:
                                lines.append(f"  {key}[{i}]: engine {a!r}\n  {' ' * len(key)}    floor  {b!r}")
                                break
                        if len(e) != len(g):
                            lines.append(f"  {key}: engine {len(e)} rows, floor {len(g)}")
                    else:
                        lines.append(f"  {key}: engine {e!r}\n  {' ' * len(key)}  floor  {g!r}")
        else:
            lines.append(f"  engine {expected!r}\n  floor  {got!r}")
        raise Mismatch("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 store × 1,000 vehicles (a check of the script)")
    parser.add_argument("--stores", type=int, default=None, help="stores in the data set (3; --quick 1)")
    parser.add_argument("--vehicles-per-store", type=int, default=None, help="10,000; --quick 1,000")
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="reuse the data set built by an earlier run")
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs of each, after one untimed (5)")
    parser.add_argument("--only", default="", help="comma-separated report codes")
    parser.add_argument("--max-ratio", type=float, default=None,
                        help="exit 1 when any engine/SQL ratio exceeds this (the CI guard: 10)")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN (ANALYZE, BUFFERS) of each engine query of the reports over the target")
    args = parser.parse_args()
    stores = args.stores or (1 if args.quick else 3)
    vehicles = args.vehicles_per_store or (1_000 if args.quick else 10_000)

    import import_bench  # the benchmarks' database helpers

    os.environ.setdefault("DATABASE_URL", DEFAULT_URL + ("_quick" if args.quick else ""))
    import_bench.MARKER = MARKER
    config = import_bench.configure_database()
    import_bench.setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    params = {"stores": stores, "vehicles_per_store": vehicles, "years": args.years}
    built = {}
    if args.keep:
        built = {"kept": check_kept()}
    else:
        fresh_database(import_bench, config, params)
        started = time.perf_counter()
        call_command("demo", stores=stores, vehicles_per_store=vehicles, years=args.years, quiet_logins=True)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {MARKER} VALUES ('complete', %s)", [json.dumps(params)])
        built = {"demo_seconds": round(time.perf_counter() - started, 1), **params}
        print(f"built: {params} in {built['demo_seconds']} s", flush=True)

    import psycopg
    from django.contrib.auth import get_user_model
    from django.test.utils import CaptureQueriesContext

    from chexian.reports import engine
    from chexian.reports.periods import MONTH, Period

    pg = psycopg.connect(host=config["HOST"] or None, port=config["PORT"] or None, user=config["USER"] or None,
                         password=config["PASSWORD"] or None, dbname=config["NAME"], autocommit=True)
    pg.execute("VACUUM ANALYZE")  # as autovacuum would shortly after the build: both sides get the same plans
    today = timezone.localdate()
    period = Period.of(MONTH, today.replace(day=1) - dt.timedelta(days=1))
    user = get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    store_scope = engine.Scope.for_user(user, store_code="S01")
    group_scope = engine.Scope.for_user(user, group=True)
    only = {code.strip() for code in args.only.split(",") if code.strip()}

    work = []
    for scope_name, scope in (("S01", store_scope), ("group", group_scope)):
        for floor_cls in FLOORS:
            if only and floor_cls.code not in only:
                continue
            if floor_cls.code == "group_ranking" and scope_name != "group":
                continue
            work.append((scope_name, floor_cls(scope, period, today)))

    results, misses, mismatches = [], [], []
    exports = {}
    with tempfile.TemporaryDirectory(prefix="floors-") as tmp:
        for scope_name, scope in (("S01", store_scope), ("group", group_scope)):
            if not any(name == scope_name for name, _f in work):
                continue
            folder = Path(tmp) / scope_name
            folder.mkdir()
            started = time.perf_counter()
            sizes = export_tables(pg, ",".join(str(pk) for pk in scope.store_ids), folder)
            exports[scope_name] = {"seconds": round(time.perf_counter() - started, 2), "rows": sizes,
                                   "bytes": sum(p.stat().st_size for p in folder.glob("*.parquet"))}
            print(f"Parquet export for {scope_name}: {sum(sizes.values()):,} rows, "
                  f"{exports[scope_name]['bytes'] / 1e6:.1f} MB in {exports[scope_name]['seconds']} s "
                  "(not counted)", flush=True)
        ducks = {name: duck_connection(Path(tmp) / name) for name in exports}

        for scope_name, floor in work:
            report = engine.get(floor.code)
            label = f"{floor.code} @{scope_name}"
            sql_pg, sql_duck = floor.sql("postgresql"), floor.sql("duckdb")
            duck = ducks[scope_name]
            def run_engine(report=report, scope=floor.scope, rows=True):
                return report.run(scope, period, today=today, with_rows=rows).as_json()

            def run_figures(report=report, scope=floor.scope):
                return report.run(scope, period, today=today, with_rows=False).as_json()

            def run_sql(sql=sql_pg):
                return pg.execute(sql).fetchall()

            def run_duck(duck=duck, sql=sql_duck):
                return duck.execute(sql).fetchall()

            # The check, on the untimed first run of each.
            with CaptureQueriesContext(connection) as captured:
                expected = floor.from_engine(run_engine())
            engine_queries = [q["sql"] for q in captured.captured_queries]
            try:
                check(f"{label}: SQL floor", expected, floor.from_rows(run_sql()))
                check(f"{label}: DuckDB", expected, floor.from_rows(run_duck()))
            except Mismatch as exc:
                print(f"\nMISMATCH {exc}\n", file=sys.stderr, flush=True)
                mismatches.append(label)
                continue
            run_figures()
            timings = {"engine": [], "figures_only": [], "sql": [], "duckdb": []}
            for _run in range(args.runs):
                for name, fn in (("engine", run_engine), ("sql", run_sql), ("duckdb", run_duck),
                                 ("figures_only", run_figures)):
                    started = time.perf_counter()
                    fn()
                    timings[name].append(time.perf_counter() - started)
            ms = {name: median_ms(values) for name, values in timings.items()}
            in_scope = pg.execute(floor.in_scope()).fetchone()[0]
            row = {"report": floor.code, "scope": scope_name, "engine_ms": ms["engine"],
                   "engine_figures_only_ms": ms["figures_only"], "sql_ms": ms["sql"], "duckdb_ms": ms["duckdb"],
                   "ratio_sql": round(ms["engine"] / ms["sql"], 2) if ms["sql"] else None,
                   "ratio_duckdb": round(ms["engine"] / ms["duckdb"], 2) if ms["duckdb"] else None,
                   "engine_queries": len(engine_queries), "rows_in_scope": in_scope,
                   "rows_in_scope_of": floor.scope_sql.split(" FROM ")[1].split(" ")[0],
                   "runs": {name: [round(t * 1000, 2) for t in values] for name, values in timings.items()}}
            row["verdict"] = "PASS" if row["ratio_sql"] is not None and row["ratio_sql"] <= TARGET else "MISS"
            results.append(row)
            print(f"{label:32} engine {ms['engine']:>9.1f} ms  SQL {ms['sql']:>8.1f} ms  "
                  f"DuckDB {ms['duckdb']:>8.1f} ms  ×{row['ratio_sql']}  {row['verdict']}", flush=True)
            if row["verdict"] == "MISS":
                misses.append(label)
                if args.explain:
                    explain(pg, label, engine_queries, sql_pg)
        for duck in ducks.values():
            duck.close()

    print()
    header = (f"{'report':20} {'scope':6} {'engine ms':>10} {'SQL ms':>9} {'eng/SQL':>8} {'DuckDB ms':>10} "
              f"{'eng/Duck':>9} {'rows in scope':>22}  {'queries':>7}  target 3×")
    print(header)
    print("-" * len(header))
    for row in results:
        print(f"{row['report']:20} {row['scope']:6} {row['engine_ms']:>10.1f} {row['sql_ms']:>9.1f} "
              f"{row['ratio_sql']:>8.2f} {row['duckdb_ms']:>10.1f} {row['ratio_duckdb']:>9.2f} "
              f"{row['rows_in_scope']:>9,} {row['rows_in_scope_of']:>12}  {row['engine_queries']:>7}  "
              f"{row['verdict']}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        db_bytes = cursor.fetchone()[0]
    out = {
        "date": today.isoformat(), "machine": platform.node(), "cpus": os.cpu_count(), "backend": connection.vendor,
        "postgres": pg.info.server_version, "database": config["NAME"], "database_bytes": db_bytes,
        "period": period.label, "runs": args.runs, "target_ratio": TARGET, "quick": args.quick, **built,
        "parquet_exports": exports, "reports": results, "mismatches": mismatches,
        "notes": "engine = report.run(scope, period).as_json() (figures with previous/last-year comparisons, rows, "
                 "charts); figures_only = the same with with_rows=False; sql = one hand-written query via "
                 "psycopg (same headline numbers, checked equal); duckdb = the same SQL on Parquet exports.",
    }
    folder = ROOT / ("var/bench" if args.quick else "bench/results")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"floors-{today.isoformat()}-{platform.node()}{'-quick' if args.quick else ''}.json"
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False, default=str))
    print(f"\n→ {path.relative_to(ROOT)}")
    pg.close()
    if mismatches:
        print(f"FAILED: the floor or DuckDB computed other numbers than the engine for {', '.join(mismatches)}",
              file=sys.stderr)
        raise SystemExit(2)
    if args.max_ratio is not None:
        over = [f"{r['report']} @{r['scope']} ×{r['ratio_sql']}" for r in results if r["ratio_sql"] > args.max_ratio]
        if over:
            print(f"FAILED: engine/SQL ratio over {args.max_ratio}: {', '.join(over)}", file=sys.stderr)
            raise SystemExit(1)


def explain(pg, label: str, engine_queries: list[str], floor_sql: str) -> None:
    """EXPLAIN ANALYZE of the engine's slowest queries and of the floor (for the profile of a miss)."""
    timed = []
    for sql in engine_queries:
        started = time.perf_counter()
        pg.execute(sql).fetchall()
        timed.append((time.perf_counter() - started, sql))
    timed.sort(reverse=True)
    print(f"\n--- {label}: {len(engine_queries)} engine queries, "
          f"{sum(t for t, _ in timed) * 1000:.1f} ms in the database; the slowest:")
    for seconds, sql in timed[:3]:
        print(f"\n[{seconds * 1000:.1f} ms] {sql[:400]}…")
        for (line,) in pg.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}").fetchall():
            print("   ", line)
    print(f"\n--- {label}: the floor")
    for (line,) in pg.execute(f"EXPLAIN (ANALYZE, BUFFERS) {floor_sql}").fetchall():
        print("   ", line)
    print(flush=True)


if __name__ == "__main__":
    main()
