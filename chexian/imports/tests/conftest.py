"""Fixtures of the import tests: active agency contracts (through the insurers'
approval flow), policy rows in the template's layout, and files made from them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from chexian.core import demo_data
from chexian.imports import services
from chexian.imports.policy_import import COLUMNS
from chexian.insurers import services as insurer_services
from chexian.insurers.models import Insurer
from chexian.policies.services import one_year_end

HEADERS = [column.header for column in COLUMNS]
START = dt.date(2026, 3, 1)
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def activate_contract(cast, store, code: str):
    insurer = Insurer.objects.get(code=code)
    contract = insurer_services.propose_contract(
        actor=cast.a_supervisor if store == cast.store_a else cast.b_supervisor,
        store=store,
        insurer=insurer,
        data={
            "valid_from": dt.date(2024, 1, 1),
            "valid_until": dt.date(2028, 12, 31),
            "rate_ctpl": Decimal("4.00"),
            "rate_commercial": Decimal("20.00"),
            "rate_nev_commercial": Decimal("18.00"),
            "rate_non_motor": Decimal("30.00"),
        },
    )
    insurer_services.approve_contract(actor=cast.office, contract=contract)
    return insurer_services.record_legal_review(actor=cast.office, contract=contract, opinion="合同条款合规")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def contracts(cast):
    """Store A sells for PICC and PINGAN, store B for PICC."""
    return {
        "a_picc": activate_contract(cast, cast.store_a, "PICC"),
        "a_pingan": activate_contract(cast, cast.store_a, "PINGAN"),
        "b_picc": activate_contract(cast, cast.store_b, "PICC"),
    }


class RowFactory:
    """Policy rows keyed by template header: a CTPL for a new customer and vehicle each."""

    def __init__(self, seed=2026):
        self.rng = random.Random(seed)
        self.serial = 0

    def row(self, **overrides) -> dict:
        self.serial += 1
        serial = self.serial
        premium = Decimal("950.00")
        without = Decimal("896.23")
        row = {
            "保单号": f"PDZA2026{serial:010d}",
            "保险公司": "人保财险",
            "险种": "交强险",
            "起保日期": START.isoformat(),
            "终保日期": one_year_end(START).isoformat(),
            "保费": str(premium),
            "不含税保费": str(without),
            "增值税": str(premium - without),
            "车船税": "360.00",
            "出单日期": "2026-02-25",
            "车牌号": demo_data.plate(serial),
            "车架号": demo_data.vin(self.rng, serial),
            "发动机号": f"E{serial:07d}",
            "品牌": "广汽丰田",
            "车系": "凯美瑞",
            "新能源": "否",
            "初登日期": "2020-05-18",
            "投保人": demo_data.person_name(self.rng),
            "证件号": demo_data.resident_id(self.rng),
            "手机": demo_data.mobile(self.rng),
            "被保险人": "",
            "短期原因": "",
            "投保确认码": "",
            "支付流水号": "",
            "单证流水号": "",
        }
        row["被保险人"] = row["投保人"]
        row.update(overrides)
        return row

    def rows(self, count: int, **overrides) -> list[dict]:
        return [self.row(**overrides) for _ in range(count)]

    def commercial(self, ctpl: dict) -> dict:
        """The commercial policy of the same car, customer and period."""
        self.serial += 1
        return {**ctpl, "保单号": f"PDAA2026{self.serial:010d}", "险种": "商业险", "保费": "3200.00",
                "不含税保费": "3018.87", "增值税": "181.13", "车船税": ""}

    def pairs(self, cars: int) -> list[dict]:
        """CTPL and commercial for each car, as insurer exports list them."""
        rows = []
        for _ in range(cars):
            ctpl = self.row()
            rows += [ctpl, self.commercial(ctpl)]
        return rows


@pytest.fixture
def factory():
    return RowFactory()


def xlsx_bytes(rows: list[dict], headers: list[str] | None = None, title_rows: int = 0) -> bytes:
    headers = headers or list(rows[0]) if rows else (headers or HEADERS)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("保单")
    for _ in range(title_rows):
        sheet.append(["某某保险公司 保单明细"])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header, "") for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[dict], encoding: str = "utf-8-sig", headers: list[str] | None = None) -> bytes:
    headers = headers or list(rows[0])
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(header, "") for header in headers])
    return text.getvalue().encode(encoding)


def upload(content: bytes, name: str = "policies.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def import_file(actor, store, content: bytes, name: str = "policies.xlsx", **options):
    """Create the job and run it in the foreground, as the ``import`` command does."""
    job = services.create_import_job(actor=actor, store=store, upload=upload(content, name), enqueue=False, **options)
    return services.run_import_job(job.pk)
