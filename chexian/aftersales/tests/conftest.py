"""Fixtures of the service order tests: the after-sales manager of store A, a car
of each store, and DMS export rows built from the template's headers."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from chexian.aftersales.importer import COLUMNS
from chexian.core.testing import make_user, make_vehicle
from chexian.imports import services as import_services
from chexian.imports.choices import ImportKind
from chexian.org.choices import Role

HEADERS = [column.header for column in COLUMNS]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def a_aftersales(cast):
    """Store A's after-sales manager: imports and enters service orders, issues no policy."""
    return make_user("a-aftersales", Role.AFTERSALES_MANAGER, cast.store_a)


@pytest.fixture
def a_car(cast):
    return make_vehicle(cast.a_issuer, cast.store_a, plate="粤A12345", engine_no="E1")


@pytest.fixture
def b_car(cast):
    return make_vehicle(cast.b_issuer, cast.store_b, plate="粤B54321", engine_no="E2")


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def order_row(**values) -> dict:
    """One DMS row keyed by template header; the defaults are a settled maintenance visit."""
    row = {"工单号": "WX0001", "开单日期": days_ago(10).isoformat(), "结算日期": days_ago(10).isoformat(),
           "工单类型": "保养", "结算金额": "680.00", "工时费": "200.00", "材料费": "480.00", "里程": "35,000",
           "服务顾问": "李娜"}
    row.update(values)
    return row


def xlsx_bytes(rows: list[dict], headers: list[str] | None = None, title_rows: int = 0) -> bytes:
    headers = headers or list(dict.fromkeys(header for row in rows for header in row))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("工单")
    for _ in range(title_rows):
        sheet.append(["某某4S店 工单明细"])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header, "") for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[dict], encoding: str = "gb18030") -> bytes:
    headers = list(dict.fromkeys(header for row in rows for header in row))
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(header, "") for header in headers])
    return text.getvalue().encode(encoding)


def import_orders(actor, store, content: bytes, name: str = "orders.xlsx", **options):
    """Create the job and run it in the foreground, as the ``import`` command does."""
    job = import_services.create_import_job(
        actor=actor, store=store, upload=SimpleUploadedFile(name, content), kind=ImportKind.SERVICE_ORDERS,
        enqueue=False, **options,
    )
    return import_services.run_import_job(job.pk)
