"""Test helpers: the standing cast and factories that go through the real services.

Store A has a supervisor, an issuer, a sales consultant and a department staff
member; store B has an issuer; the group office and the auditor see both
(healthchecks' alice/bob/charlie, NetBox's testing utilities).
"""

from __future__ import annotations

import itertools
import random
from types import SimpleNamespace

from django.contrib.auth import get_user_model

from chexian.core import demo_data
from chexian.customers import services as customer_services
from chexian.org.choices import Role
from chexian.org.models import DealerGroup, Region, StaffRole, Store

PASSWORD = "test-pass-2026!"
_rng = random.Random(7)
_serial = itertools.count(1)


def make_group(code="G1"):
    group = DealerGroup.objects.create(code=code, name=f"集团{code}")
    region = Region.objects.create(group=group, code="R1", name="华南大区")
    return group, region


def make_store(group, region, code):
    return Store.objects.create(group=group, region=region, code=code, name=f"{code}店", brand="广汽丰田")


def make_user(username, role=None, store=None, group=None, **extra):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
    if role:
        StaffRole.objects.create(user=user, role=role, store=store, group=group or store.group)
    return user


def customer_data(store, **overrides):
    data = {
        "store": store,
        "name": demo_data.person_name(_rng),
        "mobile": demo_data.mobile(_rng),
        "id_number": demo_data.resident_id(_rng),
        "consent_outreach": True,
    }
    data.update(overrides)
    return data


def make_customer(actor, store, **overrides):
    return customer_services.save_customer(actor=actor, data=customer_data(store, **overrides))


def vehicle_data(store, owner, **overrides):
    serial = next(_serial)
    data = {
        "store": store,
        "owner": owner,
        "vin": demo_data.vin(_rng, serial),
        "plate": demo_data.plate(serial),
        "brand": "广汽丰田",
        "series": "凯美瑞",
    }
    data.update(overrides)
    return data


def make_vehicle(actor, store, owner=None, **overrides):
    owner = owner or make_customer(actor, store)
    return customer_services.save_vehicle(actor=actor, data=vehicle_data(store, owner, **overrides))


def standing_cast():
    group, region = make_group()
    store_a = make_store(group, region, "A01")
    store_b = make_store(group, region, "B01")
    return SimpleNamespace(
        group=group,
        store_a=store_a,
        store_b=store_b,
        a_manager=make_user("a-manager", Role.STORE_MANAGER, store_a),
        a_supervisor=make_user("a-supervisor", Role.SUPERVISOR, store_a),
        a_issuer=make_user("a-issuer", Role.ISSUER, store_a),
        a_sales=make_user("a-sales", Role.SALES, store_a),
        a_dept=make_user("a-wash", Role.DEPARTMENT, store_a),
        b_issuer=make_user("b-issuer", Role.ISSUER, store_b),
        b_supervisor=make_user("b-supervisor", Role.SUPERVISOR, store_b),
        office=make_user("office", Role.GROUP_OFFICE, group=group),
        auditor=make_user("auditor", Role.AUDITOR, group=group),
    )


def ensure_seed_data() -> None:
    """The insurers and the coverage catalog come from data migrations; a
    transactional test that ran before flushed the database, so seed them again
    (both seeds are idempotent)."""
    import importlib

    from django.apps import apps

    for module, function in (
        ("chexian.insurers.migrations.0002_seed_insurers", "seed"),
        ("chexian.catalog.migrations.0002_seed_catalog", "seed_catalog"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)


def active_picc_contract(store, supervisor, office, valid_from, valid_until):
    """An ACTIVE PICC contract for ``store``, through the real approval flow."""
    from decimal import Decimal

    from chexian.insurers import services as insurer_services
    from chexian.insurers.choices import CommissionBase
    from chexian.insurers.models import Insurer

    contract = insurer_services.propose_contract(
        actor=supervisor, store=store, insurer=Insurer.objects.get(code="PICC"),
        data={"valid_from": valid_from, "valid_until": valid_until, "rate_ctpl": Decimal("4.00"),
              "rate_commercial": Decimal("25.00"), "rate_nev_commercial": Decimal("20.00"),
              "rate_non_motor": Decimal("30.00"), "commission_base": CommissionBase.WITHOUT_VAT},
    )
    insurer_services.approve_contract(actor=office, contract=contract)
    return insurer_services.record_legal_review(actor=office, contract=contract, opinion="同意。")


_order_serial = itertools.count(1)


def make_service_order(actor, vehicle, **overrides):
    """A service order of ``vehicle`` through ``aftersales.services.save_service_order``
    (a maintenance visit opened today unless ``overrides`` say otherwise)."""
    from decimal import Decimal

    from django.utils import timezone

    from chexian.aftersales import services as aftersales_services
    from chexian.aftersales.choices import ServiceKind

    data = {
        "store": vehicle.store,
        "vehicle": vehicle,
        "number": f"WX{next(_order_serial):08d}",
        "kind": ServiceKind.MAINTENANCE,
        "opened_on": timezone.localdate(),
        "amount": Decimal("680.00"),
    }
    data.update(overrides)
    return aftersales_services.save_service_order(actor=actor, data=data)
