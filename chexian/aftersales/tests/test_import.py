"""The DMS import of service orders: a good file (xlsx and CSV) imports orders and
adds the cars not yet in the books with their owners; bad rows are reported by
row, column and rule and nothing is saved; a re-import changes nothing; a changed
row updates its order; no query per row."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chexian.aftersales.choices import ServiceKind, ServiceSource
from chexian.aftersales.models import ServiceOrder
from chexian.aftersales.tests.conftest import csv_bytes, days_ago, import_orders, order_row, xlsx_bytes
from chexian.core import demo_data
from chexian.core.choices import AuditAction
from chexian.core.models import AuditLog
from chexian.core.testing import _rng, make_vehicle
from chexian.customers.choices import CustomerKind, CustomerSource
from chexian.customers.models import Customer, Vehicle
from chexian.imports.choices import ImportStatus
from chexian.imports.models import ImportJob

pytestmark = pytest.mark.django_db

NEW_VIN = demo_data.vin(_rng, 900_001)


def good_rows(a_car) -> list[dict]:
    """A visit of a car in the books (by VIN), one found by its plate, and two visits of a
    car new to the store — the second must find the car the first added."""
    return [
        order_row(工单号="WX0001", 车架号=a_car.vin, 车牌号="", 客户名称="别人"),
        order_row(工单号="wx0002", 车架号="", 车牌号=a_car.plate, 工单类型="钣喷", 结算金额="5,200.00",
                  工时费="1200", 材料费="4000", 开单日期=days_ago(40).isoformat(),
                  结算日期=days_ago(35).isoformat()),
        order_row(工单号="WX0003", 车架号=NEW_VIN, 车牌号="粤AD12345", 客户名称="王芳", 手机="13800138000",
                  工单类型="洗车", 结算金额="40", 工时费="", 材料费="", 开单日期=days_ago(3).isoformat(),
                  结算日期=""),
        order_row(工单号="WX0004", 车架号=NEW_VIN, 车牌号="粤AD12345", 客户名称="王芳", 手机="13800138000",
                  工单类型="机修", 开单日期=days_ago(2).isoformat(), 结算日期=days_ago(1).isoformat()),
    ]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_good_file_imports_orders_and_adds_the_cars_not_yet_in_the_books(cast, a_aftersales, a_car, fmt):
    rows = [*good_rows(a_car), {"工单号": "合计", "结算金额": "6600.00"}]  # the DMS's closing total line
    content = xlsx_bytes(rows, title_rows=1) if fmt == "xlsx" else csv_bytes(rows)
    job = import_orders(a_aftersales, cast.store_a, content, name=f"dms.{fmt}")
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert (job.created_rows, job.updated_rows, job.unchanged_rows, job.error_rows) == (4, 0, 0, 0)

    orders = {order.number: order for order in ServiceOrder.objects.select_related("vehicle", "customer")}
    assert set(orders) == {"WX0001", "WX0002", "WX0003", "WX0004"}
    assert orders["WX0001"].vehicle == a_car and orders["WX0001"].customer == a_car.owner  # the books' owner
    assert orders["WX0001"].mileage == 35_000 and orders["WX0001"].source == ServiceSource.IMPORT
    assert orders["WX0002"].vehicle == a_car and orders["WX0002"].kind == ServiceKind.ACCIDENT_REPAIR
    assert orders["WX0002"].amount == Decimal("5200.00") and orders["WX0002"].closed_on == days_ago(35)
    assert orders["WX0003"].kind == ServiceKind.WASH and orders["WX0003"].closed_on is None
    assert orders["WX0003"].labour_amount is None
    new_car = orders["WX0003"].vehicle
    assert orders["WX0004"].vehicle == new_car and orders["WX0004"].kind == ServiceKind.REPAIR
    assert new_car.vin == NEW_VIN and new_car.store == cast.store_a and new_car.is_new_energy  # a green plate
    assert new_car.brand == cast.store_a.brand and new_car.archive_no.startswith("A01-")
    assert new_car.owner.name == "王芳" and new_car.owner.mobile == "13800138000"
    assert new_car.owner.source == CustomerSource.AFTERSALES and new_car.owner.kind == CustomerKind.PERSON
    assert new_car.ownerships.get().start_date == days_ago(3)
    assert Customer.objects.filter(name="王芳").count() == 1

    a_car.refresh_from_db()
    new_car.refresh_from_db()
    assert a_car.last_visit_date == days_ago(10) and new_car.last_visit_date == days_ago(2)
    created = AuditLog.objects.filter(action=AuditAction.CREATE, content_type__model="serviceorder")
    assert created.count() == 4 and set(created.values_list("actor", flat=True)) == {a_aftersales.pk}


def test_bad_rows_are_reported_by_row_column_and_rule_and_nothing_is_saved(cast, a_aftersales, a_car):
    bad_vin = NEW_VIN[:8] + ("0" if NEW_VIN[8] != "0" else "1") + NEW_VIN[9:]
    rows = [
        order_row(工单号="WX0001", 车架号=a_car.vin),  # good: rolled back with the rest
        order_row(工单号="WX0002", 车架号=bad_vin, 客户名称="张三"),
        order_row(工单号="WX0003", 车架号=a_car.vin, 开单日期=days_ago(2).isoformat(),
                  结算日期=days_ago(5).isoformat()),
        order_row(工单号="WX0004", 车架号=a_car.vin, 结算金额="500", 工时费="300", 材料费="300"),
        order_row(工单号="WX0005", 车架号=a_car.vin, 工单类型="喝茶"),
        order_row(工单号="WX0006", 车架号="", 车牌号="粤A99999"),
        order_row(工单号="WX0007", 车架号=a_car.vin, 结算金额=""),
        order_row(工单号="WX0001", 车架号=a_car.vin),
        order_row(工单号="WX0008", 车架号=NEW_VIN, 客户名称=""),
        order_row(工单号="WX0009", 车架号="", 车牌号=""),
    ]
    vehicles, customers = Vehicle.objects.count(), Customer.objects.count()
    job = import_orders(a_aftersales, cast.store_a, xlsx_bytes(rows))
    assert job.status == ImportStatus.FAILED and job.saved_nothing
    assert ServiceOrder.objects.count() == 0
    assert (Vehicle.objects.count(), Customer.objects.count()) == (vehicles, customers)
    found = {(e["row"], e["column"], e["code"]) for e in job.errors}
    assert found == {
        (3, "车架号", "vin_check_digit"),
        (4, "结算日期", "closed_before_opened"),
        (5, "结算金额", "parts_exceed_amount"),
        (6, "工单类型", "kind_unknown"),
        (7, "车牌号", "vehicle_unknown"),
        (8, "结算金额", "required"),
        (9, "工单号", "duplicate_in_file"),
        (10, "客户名称", "owner_required"),
        (11, "车架号", "vehicle_required"),
    }, job.errors
    assert job.error_rows == 9 and all(e["message"] for e in job.errors)
    assert job.error_report  # every error in the workbook too


def test_a_reimport_changes_nothing_and_a_changed_row_updates_its_order(cast, a_aftersales, a_car):
    rows = good_rows(a_car)
    first = import_orders(a_aftersales, cast.store_a, xlsx_bytes(rows))
    assert first.created_rows == 4
    entries = AuditLog.objects.count()
    vehicles, customers = Vehicle.objects.count(), Customer.objects.count()

    again = import_orders(a_aftersales, cast.store_a, xlsx_bytes(rows))
    assert again.status == ImportStatus.SUCCEEDED
    assert (again.created_rows, again.updated_rows, again.unchanged_rows) == (0, 0, 4)
    assert (Vehicle.objects.count(), Customer.objects.count(), ServiceOrder.objects.count()) == (
        vehicles, customers, 4)
    # Only the second job's own entries: no order, vehicle or customer was written.
    assert set(AuditLog.objects.order_by("pk")[entries:].values_list("content_type__model", flat=True)) == {
        "importjob"}

    rows[0]["结算金额"] = "720.00"
    rows[0]["材料费"] = "520.00"
    corrected = import_orders(a_aftersales, cast.store_a, xlsx_bytes(rows))
    assert (corrected.created_rows, corrected.updated_rows, corrected.unchanged_rows) == (0, 1, 3)
    order = ServiceOrder.objects.get(number="WX0001")
    assert order.amount == Decimal("720.00") and order.parts_amount == Decimal("520.00")
    update = AuditLog.objects.get(action=AuditAction.UPDATE, content_type__model="serviceorder")
    assert update.before["amount"] == "680.00" and update.after["amount"] == "720.00"


def test_a_reimport_cannot_move_an_order_to_another_vehicle(cast, a_aftersales, a_car):
    other = make_vehicle(cast.a_issuer, cast.store_a, engine_no="E9")
    import_orders(a_aftersales, cast.store_a, xlsx_bytes([order_row(车架号=a_car.vin)]))
    job = import_orders(a_aftersales, cast.store_a, xlsx_bytes([order_row(车架号=other.vin)]))
    assert job.status == ImportStatus.FAILED
    assert [(e["column"], e["code"]) for e in job.errors] == [("车架号", "vehicle_changed")]
    assert ServiceOrder.objects.get().vehicle == a_car


def test_rows_of_cars_in_the_books_cost_no_query_each(cast, a_aftersales):
    cars = [make_vehicle(cast.a_issuer, cast.store_a, engine_no=f"E{i}") for i in range(12)]

    def queries(batch: int, first: int) -> int:
        rows = [order_row(工单号=f"WX{first + i:04d}", 车架号=car.vin) for i, car in enumerate(cars[:batch])]
        with CaptureQueriesContext(connection) as captured:
            job = import_orders(a_aftersales, cast.store_a, xlsx_bytes(rows))
        assert job.created_rows == batch, job.errors
        # Each row is a savepoint (a bad one rolls back alone); everything else is per chunk.
        return sum(1 for q in captured.captured_queries if "SAVEPOINT" not in q["sql"])

    queries(1, 900)  # the first import also caches the content types of its audit entries
    assert queries(4, 1) == queries(11, 100)


def test_importing_service_orders_needs_service_import(cast, a_aftersales, a_car, b_car):
    content = xlsx_bytes([order_row(车架号=a_car.vin)])
    with pytest.raises(PermissionDenied, match="may not import service orders"):
        import_orders(cast.a_issuer, cast.store_a, content)  # issues policies, does not import the DMS
    with pytest.raises(PermissionDenied):
        import_orders(a_aftersales, cast.store_b, content)
    assert ImportJob.objects.count() == 0


def test_the_command_imports_service_orders(cast, a_aftersales, a_car, tmp_path, capsys):
    path = tmp_path / "dms.xlsx"
    path.write_bytes(xlsx_bytes([order_row(车架号=a_car.vin)]))
    call_command("import", "service-orders", str(path), "--store", "A01", "--user", "a-aftersales", "--quiet")
    assert ServiceOrder.objects.get().vehicle == a_car
    assert "new 1" in capsys.readouterr().out
    with pytest.raises(CommandError, match="may not import service orders"):
        call_command("import", "service-orders", str(path), "--store", "A01", "--user", "a-issuer", "--quiet")
