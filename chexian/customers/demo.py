"""Demo customers and vehicles, created in bulk (no per-row save)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from chexian.core import crypto
from chexian.core.audit import log_action
from chexian.core.choices import AuditAction
from chexian.core.demo_data import AREA_NAMES, company_name, mobile, person_name, plate, resident_id, uscc, vin
from chexian.customers.choices import CustomerKind, CustomerSource, EnergyType, OwnershipReason, VehicleUsage
from chexian.customers.models import Customer, Vehicle, VehicleOwnership
from chexian.org.models import Store

OTHER_BRANDS = ["丰田", "本田", "日产", "大众", "别克", "吉利", "长安", "哈弗", "特斯拉", "理想"]
SERIES = {"default": ["轿车", "SUV", "MPV"]}
TAGS = ["价格敏感", "重服务", "家庭用车", "通勤", "新手", "老客户", "企业用车", "高端"]
HABITS = ["周末上午进店", "工作日下班后", "只做保养", "每季度洗车", "很少进店"]
BATCH = 5000


def build(*, stores, vehicles_per_store: int, rng: random.Random, today: dt.date) -> int:
    """Create ``vehicles_per_store`` vehicles per store with their owners. Returns the count."""
    total = 0
    for store_index, store in enumerate(stores):
        total += _build_store(store, store_index, vehicles_per_store, rng, today)
    return total


def _build_store(store, store_index, count, rng, today):
    staff = [store.staff[k] for k in ("issuer1", "issuer2", "sales1")]
    customers = []
    plan = []  # per vehicle: index of its owner in customers
    while len(plan) < count:
        company = rng.random() < 0.05
        c = Customer(
            store=store,
            kind=CustomerKind.COMPANY if company else CustomerKind.PERSON,
            name=company_name(rng) if company else person_name(rng),
            mobile=mobile(rng),
            address=f"{rng.choice(AREA_NAMES)}{rng.randrange(1, 300)}号",
            area=rng.choice(AREA_NAMES),
            source=rng.choice([CustomerSource.NEW_CAR] * 6 + [CustomerSource.AFTERSALES, CustomerSource.WALK_IN]),
            portrait_tags=",".join(rng.sample(TAGS, 2)),
            visit_habits=rng.choice(HABITS),
            consent_outreach=rng.random() < 0.85,
            owner_staff=rng.choice(staff),
        )
        if company:
            c.uscc = uscc(rng)
        else:
            c.set_id_number(resident_id(rng))
        c.mobile_tail = c.mobile[-4:]
        customers.append(c)
        owned = 2 if (company or rng.random() < 0.06) else 1
        plan.extend([len(customers) - 1] * owned)
    plan = plan[:count]
    Customer.objects.bulk_create(customers, batch_size=BATCH)

    vehicles = []
    plant = "ABCDEFGHJKLMNPRSTUVWXYZ123456789"[store_index % 32]
    for i, owner_index in enumerate(plan):
        own_brand = rng.random() < 0.85
        energy = EnergyType.FUEL
        if rng.random() < 0.18:
            energy = rng.choice([EnergyType.BEV, EnergyType.BEV, EnergyType.PHEV])
        new_energy = energy != EnergyType.FUEL
        age_days = rng.randrange(30, 365 * 9)
        purchase = today - dt.timedelta(days=age_days)
        has_plate = age_days > 60 or rng.random() < 0.5
        serial = store_index // 32 * 100_000 + i  # unique per store: plant × serial
        v = Vehicle(
            store=store,
            owner=customers[owner_index],
            archive_no=f"{store.code}-{i + 1:07d}",
            plate=plate(i, store.province, store.city_letter, new_energy) if has_plate else "",
            vin=vin(rng, serial, plant, purchase.year),
            engine_no=f"{rng.choice('ABCDEFGH')}{rng.randrange(10**8):08d}",
            brand=store.brand if own_brand else rng.choice(OTHER_BRANDS),
            series=rng.choice(SERIES["default"]),
            model_name=f"{purchase.year}款 {rng.choice(['舒适版', '豪华版', '尊贵版', '运动版'])}",
            is_own_brand=own_brand,
            energy_type=energy,
            is_new_energy=new_energy,
            first_registration_date=purchase,
            purchase_date=purchase,
            sold_here=own_brand and rng.random() < 0.8,
            usage=VehicleUsage.ENTERPRISE if customers[owner_index].kind == CustomerKind.COMPANY else VehicleUsage.FAMILY,
            seats=rng.choice([5, 5, 5, 7]),
            new_car_price=Decimal(rng.randrange(90, 450) * 1000),
            mileage=age_days * rng.randrange(20, 60),
            last_visit_date=today - dt.timedelta(days=rng.randrange(0, 400)),
        )
        v.plate_key = v.plate[1:] if v.plate else ""
        v.vin_tail = v.vin[-6:]
        vehicles.append(v)
    Vehicle.objects.bulk_create(vehicles, batch_size=BATCH)
    VehicleOwnership.objects.bulk_create(
        [
            VehicleOwnership(vehicle=v, customer=v.owner, start_date=v.purchase_date, reason=OwnershipReason.PURCHASE)
            for v in vehicles
        ],
        batch_size=BATCH,
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


__all__ = ["build", "crypto"]
