"""Demo organisation: one group, regions, stores, departments and staff in every role."""

from __future__ import annotations

import random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from chexian.core.demo_data import person_name
from chexian.org.choices import DepartmentKind, Role
from chexian.org.models import DealerGroup, Department, Region, StaffRole, Store

DEMO_PASSWORD = "chexian-demo-2026"
REGIONS = [("SOUTH", "华南大区", "粤"), ("EAST", "华东大区", "沪"), ("NORTH", "华北大区", "京")]
BRANDS = ["一汽-大众", "广汽丰田", "东风本田", "上汽通用别克", "比亚迪", "广汽埃安", "奔驰", "宝马"]
CITY_LETTERS = "ABCDEFGHJKLMN"

# (username suffix, role, department kind)
STORE_STAFF = [
    ("manager", Role.STORE_MANAGER, None),
    ("supervisor", Role.SUPERVISOR, DepartmentKind.INSURANCE),
    ("issuer1", Role.ISSUER, DepartmentKind.INSURANCE),
    ("issuer2", Role.ISSUER, DepartmentKind.INSURANCE),
    ("adjuster", Role.ADJUSTER, DepartmentKind.INSURANCE),
    ("sales1", Role.SALES, DepartmentKind.SALES),
    ("wash", Role.DEPARTMENT, DepartmentKind.WASH),
    ("repair", Role.DEPARTMENT, DepartmentKind.QUICK_REPAIR),
    ("finance", Role.FINANCE, DepartmentKind.FINANCE),
    ("cashier", Role.CASHIER, DepartmentKind.FINANCE),
    ("finance-manager", Role.FINANCE_MANAGER, DepartmentKind.FINANCE),
    ("aftersales", Role.AFTERSALES_MANAGER, DepartmentKind.AFTERSALES),
]


def build(*, stores: int, rng: random.Random):
    """Create the group and return its stores, each annotated with ``province``,
    ``city_letter`` and ``staff`` (dict of suffix → user)."""
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing per user would take minutes
    group = DealerGroup.objects.create(code="DEMO", name="粤华汽车集团")
    regions = [Region.objects.create(group=group, code=c, name=n) for c, n, _p in REGIONS]
    created = []
    for i in range(stores):
        region_index = i % len(regions)
        store = Store.objects.create(
            group=group,
            region=regions[region_index],
            code=f"S{i + 1:02d}",
            name=f"{BRANDS[i % len(BRANDS)]}{['天河', '番禺', '浦东', '朝阳', '南山', '禅城'][i % 6]}{i + 1}店",
            brand=BRANDS[i % len(BRANDS)],
            address=f"{i + 1}号汽车城",
        )
        store.province = REGIONS[region_index][2]
        store.city_letter = CITY_LETTERS[i // len(REGIONS) % len(CITY_LETTERS)]
        departments = {
            kind: Department(store=store, kind=kind, name=str(kind.label)) for kind in DepartmentKind
        }
        Department.objects.bulk_create(departments.values())
        store.staff = {}
        for suffix, role, dept_kind in STORE_STAFF:
            user = User.objects.create(
                username=f"{store.code.lower()}-{suffix}", first_name=person_name(rng), password=password
            )
            StaffRole.objects.create(
                user=user, role=role, group=group, store=store,
                department=departments[dept_kind] if dept_kind else None,
            )
            store.staff[suffix] = user
        created.append(store)
    office = User.objects.create(username="group-office", first_name="集团保险管理科", password=password)
    StaffRole.objects.create(user=office, role=Role.GROUP_OFFICE, group=group)
    auditor = User.objects.create(username="auditor", first_name="审计", password=password)
    StaffRole.objects.create(user=auditor, role=Role.AUDITOR, group=group)
    admin = User.objects.create(
        username="admin", first_name="系统管理员", password=password, is_staff=True, is_superuser=True
    )
    return group, created, [office, auditor, admin]
