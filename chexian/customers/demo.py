"""Demo customers and vehicles, written in bulk.

Rows are generated as plain values and written with one prepared INSERT per
table (``executemany``; ``COPY`` on PostgreSQL) rather than as model instances
through ``bulk_create``: profiling showed building and compiling the instances
took about 80 % of the time. The values are exactly what the models' ``save()``
and the services store: ``mobile_tail``, ``plate_key``, ``vin_tail``,
``is_new_energy``, the encrypted, hashed and masked identity number, and
``consent_at`` for customers who consented. Columns a row leaves out get the
model field's default, so a new NOT NULL field without one fails loudly here.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from operator import itemgetter

from django.db import connection, transaction
from django.utils import timezone

from chexian.core import crypto
from chexian.core.audit import log_action
from chexian.core.choices import AuditAction
from chexian.core.demo_data import AREA_NAMES, company_name, mobile, person_name, plate, resident_id, uscc, vin
from chexian.customers.choices import CustomerKind, CustomerSource, EnergyType, OwnershipReason, VehicleUsage
from chexian.customers.models import Customer, Vehicle, VehicleOwnership
from chexian.org.models import Store

OTHER_BRANDS = ["丰田", "本田", "日产", "大众", "别克", "吉利", "长安", "哈弗", "特斯拉", "理想"]
SERIES = ["轿车", "SUV", "MPV"]
TRIMS = ["舒适版", "豪华版", "尊贵版", "运动版"]
TAGS = ["价格敏感", "重服务", "家庭用车", "通勤", "新手", "老客户", "企业用车", "高端"]
HABITS = ["周末上午进店", "工作日下班后", "只做保养", "每季度洗车", "很少进店"]
# Plain strings: database drivers adapt str, not the choices' enum members.
SOURCES = [CustomerSource.NEW_CAR.value] * 6 + [CustomerSource.AFTERSALES.value, CustomerSource.WALK_IN.value]
PERSON, COMPANY = CustomerKind.PERSON.value, CustomerKind.COMPANY.value
FUEL = EnergyType.FUEL.value
NEW_ENERGY = [EnergyType.BEV.value, EnergyType.BEV.value, EnergyType.PHEV.value]
FAMILY, ENTERPRISE = VehicleUsage.FAMILY.value, VehicleUsage.ENTERPRISE.value
PLANTS = "ABCDEFGHJKLMNPRSTUVWXYZ123456789"
BATCH = 5000


def build(*, stores, vehicles_per_store: int, rng: random.Random, today: dt.date) -> int:
    """Create ``vehicles_per_store`` vehicles per store with their owners. Returns the count."""
    total = 0
    for store_index, store in enumerate(stores):
        total += build_store(store, store_index, vehicles_per_store, rng=rng, today=today)
    return total


@transaction.atomic
def build_store(store, store_index: int, count: int, *, rng: random.Random, today: dt.date) -> int:
    """Create ``count`` vehicles of one store, their owners and first ownership periods,
    in one transaction. ``store`` comes from ``chexian.org.demo.build`` (it carries
    ``province``, ``city_letter`` and ``staff``); ``store_index`` is its position there,
    which keeps plates and VIN serials of different stores apart. Returns the count."""
    now = timezone.now()
    customers, owner_of = _customer_rows(store, count, rng, now)
    for row, pk in zip(customers, _reserve_ids(Customer, len(customers)), strict=True):
        row["id"] = pk
    _write(Customer, customers, now)

    vehicles = _vehicle_rows(store, store_index, count, customers, owner_of, rng, today)
    for row, pk in zip(vehicles, _reserve_ids(Vehicle, len(vehicles)), strict=True):
        row["id"] = pk
    _write(Vehicle, vehicles, now)
    _write(
        VehicleOwnership,
        [
            {
                "vehicle_id": v["id"],
                "customer_id": v["owner_id"],
                "start_date": v["purchase_date"],
                "reason": OwnershipReason.PURCHASE.value,
            }
            for v in vehicles
        ],
        now,
    )
    Store.objects.filter(pk=store.pk).update(next_archive_seq=len(vehicles) + 1)
    log_action(
        AuditAction.BULK_CREATE,
        store,
        store_id=store.pk,
        after={"customers": len(customers), "vehicles": len(vehicles)},
        reason="chexian demo",
    )
    return len(vehicles)


def _customer_rows(store, count, rng, now):
    """Customers owning ``count`` vehicles (companies and 6 % of people own two),
    and for each vehicle the index of its owner."""
    consent_at = Customer._meta.get_field("consent_at").get_db_prep_save(now, connection)
    staff = [store.staff[k].pk for k in ("issuer1", "issuer2", "sales1")]
    rows = []
    owner_of = []
    while len(owner_of) < count:
        company = rng.random() < 0.05
        number = mobile(rng)
        row = {
            "store_id": store.pk,
            "kind": COMPANY if company else PERSON,
            "name": company_name(rng) if company else person_name(rng),
            "mobile": number,
            "mobile_tail": number[-4:],
            "address": f"{rng.choice(AREA_NAMES)}{rng.randrange(1, 300)}号",
            "area": rng.choice(AREA_NAMES),
            "source": rng.choice(SOURCES),
            "portrait_tags": ",".join(rng.sample(TAGS, 2)),
            "visit_habits": rng.choice(HABITS),
        }
        consent = rng.random() < 0.85
        row["consent_outreach"] = consent
        row["consent_at"] = consent_at if consent else None
        row["owner_staff_id"] = rng.choice(staff)
        if company:
            row.update(uscc=uscc(rng), id_number_encrypted="", id_number_hash="", id_number_masked="")
        else:
            number = resident_id(rng)
            row.update(
                uscc="",
                id_number_encrypted=crypto.encrypt(number),
                id_number_hash=crypto.blind_index(number),
                id_number_masked=crypto.mask_identifier(number),
            )
        rows.append(row)
        owned = 2 if (company or rng.random() < 0.06) else 1
        owner_of.extend([len(rows) - 1] * owned)
    return rows, owner_of[:count]


def _vehicle_rows(store, store_index, count, customers, owner_of, rng, today):
    plant = PLANTS[store_index % len(PLANTS)]
    # One running number per store and vehicle: plates are unique within a province and
    # city letter, and the VIN's last six (the serial) repeat about once in a million vehicles.
    first = store_index * count
    rows = []
    for i, owner_index in enumerate(owner_of):
        owner = customers[owner_index]
        own_brand = rng.random() < 0.85
        energy = rng.choice(NEW_ENERGY) if rng.random() < 0.18 else FUEL
        new_energy = energy != FUEL
        age_days = rng.randrange(30, 365 * 9)
        purchase = today - dt.timedelta(days=age_days)
        has_plate = age_days > 60 or rng.random() < 0.5
        number = plate(first + i, store.province, store.city_letter, new_energy) if has_plate else ""
        vin_ = vin(rng, first + i, plant, purchase.year)
        rows.append(
            {
                "store_id": store.pk,
                "owner_id": owner["id"],
                "archive_no": f"{store.code}-{i + 1:07d}",
                "plate": number,
                "plate_key": number[1:],
                "vin": vin_,
                "vin_tail": vin_[-6:],
                "engine_no": f"{rng.choice('ABCDEFGH')}{rng.randrange(10**8):08d}",
                "brand": store.brand if own_brand else rng.choice(OTHER_BRANDS),
                "series": rng.choice(SERIES),
                "model_name": f"{purchase.year}款 {rng.choice(TRIMS)}",
                "is_own_brand": own_brand,
                "energy_type": energy,
                "is_new_energy": new_energy,
                "first_registration_date": purchase,
                "purchase_date": purchase,
                "sold_here": own_brand and rng.random() < 0.8,
                "usage": ENTERPRISE if owner["kind"] == COMPANY else FAMILY,
                "seats": rng.choice([5, 5, 5, 7]),
                "new_car_price": Decimal(rng.randrange(90, 450) * 1000),
                "mileage": age_days * rng.randrange(20, 60),
            }
        )
    return rows


def _reserve_ids(model, n: int):
    """``n`` new primary keys for ``model``: from its sequence on PostgreSQL, after the
    highest id on SQLite (safe: the caller's transaction holds SQLite's write lock)."""
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, n]
            )
            return [row[0] for row in cursor.fetchall()]
        qn = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({qn(pk)}) FROM {qn(table)}")  # noqa: S608 (names from the model)
        start = (cursor.fetchone()[0] or 0) + 1
        return range(start, start + n)


def _write(model, rows: list[dict], now) -> None:
    """Insert ``rows``: dicts of attname → plain value (str, int, bool, date, Decimal or
    None, which the drivers adapt exactly as Django does; a datetime must already be
    prepared with ``get_db_prep_save``). ``created_at`` and ``updated_at`` are ``now``;
    other columns missing from the rows get the field's default."""
    if not rows:
        return
    given = [name for name in rows[0] if name not in ("created_at", "updated_at")]
    # Left out: the database assigns the primary key; every other column gets a value.
    rest = [f for f in model._meta.concrete_fields if f.attname not in given and not f.primary_key]
    constants = tuple(
        f.get_db_prep_save(now if f.attname in ("created_at", "updated_at") else f.get_default(), connection)
        for f in rest
    )
    columns = [model._meta.get_field(name).column for name in given] + [f.column for f in rest]
    pick = itemgetter(*given)
    values = (pick(row) + constants for row in rows)
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    names = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
            batch = []
            for row in values:
                batch.append(row)
                if len(batch) == BATCH:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
