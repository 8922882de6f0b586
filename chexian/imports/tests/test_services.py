"""Importing policies: what a file creates, that the same file twice changes
nothing, that a corrected file updates, and that a bad row — anywhere in the
file — leaves the database exactly as it was."""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from chexian.core import demo_data
from chexian.core.choices import AuditAction
from chexian.core.models import AuditLog
from chexian.core.testing import make_customer
from chexian.customers.choices import CustomerKind, CustomerSource, EnergyType
from chexian.customers.models import Customer, Vehicle, VehicleOwnership
from chexian.imports import services
from chexian.imports.choices import ImportStatus
from chexian.imports.models import ImportJob
from chexian.imports.tests.conftest import (
    HEADERS,
    START,
    csv_bytes,
    import_file,
    upload,
    xlsx_bytes,
)
from chexian.org.models import Store
from chexian.policies.choices import BusinessType, PolicyLine, PolicySource
from chexian.policies.models import Policy

pytestmark = pytest.mark.django_db


def db_state(store) -> dict:
    """Everything an import writes; the job's own audit entries record the attempt and are left out."""
    job_type = ContentType.objects.get_for_model(ImportJob)
    return {
        "policies": Policy.objects.count(),
        "customers": Customer.objects.count(),
        "vehicles": Vehicle.objects.count(),
        "ownerships": VehicleOwnership.objects.count(),
        "audit": AuditLog.objects.exclude(content_type=job_type).count(),
        "archive_seq": Store.objects.get(pk=store.pk).next_archive_seq,
    }


def bad_check_digit(vin: str) -> str:
    return vin[:8] + ("0" if vin[8] != "0" else "1") + vin[9:]


# ------------------------------------------------------------------ a good file
def test_a_good_file_imports_policies_customers_and_vehicles(cast, contracts, factory):
    rows = factory.rows(3)
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows))

    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert (job.total_rows, job.created_rows, job.updated_rows, job.unchanged_rows, job.error_rows) == (3, 3, 0, 0, 0)
    assert not job.error_report and job.errors == []
    policy = Policy.objects.get(number=rows[0]["保单号"])
    assert policy.store == cast.store_a and policy.source == PolicySource.IMPORT
    assert policy.insurer.code == "PICC" and policy.contract == contracts["a_picc"]
    assert policy.line == PolicyLine.CTPL and policy.start_date == START and policy.end_date == dt.date(2027, 2, 28)
    assert (policy.premium, policy.premium_without_vat, policy.vat, policy.vehicle_tax) == (
        Decimal("950.00"), Decimal("896.23"), Decimal("53.77"), Decimal("360.00"))
    # 4 % of the premium excluding VAT, as the contract says.
    assert policy.commission_rate == Decimal("4.00") and policy.commission_amount == Decimal("35.85")
    assert policy.issued_on == dt.date(2026, 2, 25) and policy.issuer == cast.a_issuer
    assert policy.payer_is_policyholder is None  # an export does not say who paid
    customer = policy.policyholder
    assert customer.name == rows[0]["投保人"] and customer.id_number == rows[0]["证件号"]
    assert customer.source == CustomerSource.IMPORT and customer.store == cast.store_a
    vehicle = policy.vehicle
    assert vehicle.vin == rows[0]["车架号"] and vehicle.plate == rows[0]["车牌号"] and vehicle.owner == customer
    assert vehicle.archive_no.startswith("A01-") and vehicle.ownerships.count() == 1
    assert Customer.objects.count() == Vehicle.objects.count() == Policy.objects.count() == 3
    created = AuditLog.objects.filter(action=AuditAction.CREATE, actor=cast.a_issuer)
    assert created.filter(content_type=ContentType.objects.get_for_model(Policy)).count() == 3


def test_the_same_file_twice_changes_nothing(cast, contracts, factory):
    content = xlsx_bytes(factory.rows(4))
    first = import_file(cast.a_issuer, cast.store_a, content)
    assert first.created_rows == 4
    before = db_state(cast.store_a)
    updated_at = list(Policy.objects.order_by("pk").values_list("updated_at", flat=True))

    second = import_file(cast.a_issuer, cast.store_a, content)

    assert second.status == ImportStatus.SUCCEEDED
    assert (second.created_rows, second.updated_rows, second.unchanged_rows) == (0, 0, 4)
    assert db_state(cast.store_a) == before
    assert list(Policy.objects.order_by("pk").values_list("updated_at", flat=True)) == updated_at
    assert services.previous_import(second) == first


def test_a_corrected_file_updates_what_changed(cast, contracts, factory):
    rows = factory.rows(3)
    import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows))
    rows[0].update({"保费": "1000.00", "不含税保费": "943.40", "增值税": "56.60"})
    rows[1]["手机"] = "13900001111"

    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows))

    assert (job.created_rows, job.updated_rows, job.unchanged_rows) == (0, 2, 1), job.errors
    policy = Policy.objects.get(number=rows[0]["保单号"])
    assert policy.premium == Decimal("1000.00") and policy.commission_amount == Decimal("37.74")
    entry = AuditLog.objects.for_object(policy).get(action=AuditAction.UPDATE)
    assert entry.before["premium"] == "950.00" and entry.after["premium"] == "1000.00"
    assert Customer.objects.get(pk=Policy.objects.get(number=rows[1]["保单号"]).policyholder_id).mobile == "13900001111"
    assert Policy.objects.count() == 3


def test_a_correction_must_pass_the_issuing_rules(cast, contracts, factory):
    rows = factory.rows(1)
    import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows))
    rows[0]["终保日期"] = "2026-12-31"  # a CTPL shorter than a year without a short-term case

    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows))

    assert job.status == ImportStatus.FAILED
    assert job.errors[0]["column"] == "终保日期" and "CTPL runs one year" in job.errors[0]["message"]
    assert Policy.objects.get().end_date == dt.date(2027, 2, 28)


# ------------------------------------------------------------------ bad input
def test_a_bad_vin_names_row_column_and_rule_and_saves_nothing(cast, contracts, factory):
    rows = factory.rows(3)
    rows[1]["车架号"] = bad_check_digit(rows[1]["车架号"])
    before = db_state(cast.store_a)

    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows))

    assert job.status == ImportStatus.FAILED and job.saved_nothing
    assert job.error_rows == 1 and job.error_count == 1
    error = job.errors[0]
    assert error["row"] == 3  # the header is row 1
    assert error["column"] == "车架号" and error["value"] == rows[1]["车架号"]
    assert error["code"] == "vin_check_digit"
    assert error["message"] == "VIN (GB 16735): the check digit in position 9 does not match."
    assert db_state(cast.store_a) == before
    # The report has the same error, with its row, column, value and rule.
    report = load_workbook(io.BytesIO(job.error_report.read()), read_only=True).active
    assert list(report.iter_rows(values_only=True))[1] == (3, "车架号", rows[1]["车架号"], error["message"],
                                                            "vin_check_digit")


def test_a_file_of_10000_rows_failing_on_row_9999_leaves_the_database_unchanged(cast, contracts, factory):
    # 5,000 cars with their CTPL and commercial policies: 10,000 rows, 5,000 customers and vehicles.
    rows = factory.pairs(5_000)
    rows[9_997]["车架号"] = bad_check_digit(rows[9_997]["车架号"])  # spreadsheet row 9,999
    before = db_state(cast.store_a)

    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows))

    assert job.status == ImportStatus.FAILED
    assert job.total_rows == 10_000 and job.error_rows == 1
    assert job.created_rows == 9_999  # checked and written, then rolled back with the rest
    assert [(e["row"], e["column"], e["code"]) for e in job.errors] == [(9_999, "车架号", "vin_check_digit")]
    assert db_state(cast.store_a) == before


def test_every_bad_row_is_reported_not_only_the_first(cast, contracts, factory):
    rows = factory.rows(5)
    rows[0]["车架号"] = bad_check_digit(rows[0]["车架号"])
    rows[2]["起保日期"] = "明天"
    rows[3]["保费"] = "950.005"
    rows[4]["车牌号"] = "粤I12345"

    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows))

    assert [(e["row"], e["column"], e["code"]) for e in job.errors] == [
        (2, "车架号", "vin_check_digit"), (4, "起保日期", "date_format"), (5, "保费", "money_decimals"),
        (6, "车牌号", "plate_format"),
    ]
    assert job.error_rows == 4 and Policy.objects.count() == 0


def test_a_rule_of_the_services_names_its_column(cast, contracts, factory):
    rows = factory.rows(2)
    rows[0]["增值税"] = "50.00"  # 896.23 + 50.00 ≠ 950.00
    rows[1]["保险公司"] = "太平洋产险"  # no contract with store A

    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows))

    by_row = {e["row"]: e for e in job.errors}
    assert by_row[2]["column"] == "增值税" and "must equal the premium" in by_row[2]["message"]
    assert by_row[3]["column"] == "保险公司" and "no active agency contract" in by_row[3]["message"]
    assert Policy.objects.count() == 0 and Customer.objects.count() == 0


def test_identity_numbers_in_the_report_are_masked(cast, contracts, factory):
    rows = factory.rows(1, 证件号="110105194912310021")  # wrong check digit
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows))
    error = job.errors[0]
    assert error["column"] == "证件号" and error["code"] == "ric_check_digit"
    assert error["value"] == "110105********0021" and "19491231" not in job.error_report.read().decode("latin-1")


def test_an_id_number_typed_into_a_number_cell_is_refused(cast, contracts, factory):
    rows = factory.rows(1)
    rows[0]["证件号"] = 110105194912310021  # Excel keeps 15 digits of it
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows))
    assert job.errors[0]["code"] == "number_lost_digits" and job.errors[0]["column"] == "证件号"


def test_a_policy_number_of_another_store_is_refused(cast, contracts, factory):
    rows = factory.rows(1)
    import_file(cast.b_issuer, cast.store_b, xlsx_bytes(rows))
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows))
    assert job.status == ImportStatus.FAILED
    assert job.errors[0]["code"] == "policy_other_store" and job.errors[0]["column"] == "保单号"
    assert Policy.objects.get().store == cast.store_b and not Customer.objects.filter(store=cast.store_a).exists()


def test_a_policy_twice_in_one_file_is_refused(cast, contracts, factory):
    rows = factory.rows(2)
    rows[1]["保单号"] = rows[0]["保单号"]
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows))
    assert [(e["row"], e["code"]) for e in job.errors] == [(3, "duplicate_in_file")]


def test_missing_required_columns_fail_the_file(cast, contracts, factory):
    rows = factory.rows(2)
    headers = [h for h in HEADERS if h not in ("车架号", "险种")]
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows, headers=headers))
    assert job.status == ImportStatus.FAILED and job.error_count == 1
    assert job.errors[0]["code"] == "missing_columns"
    assert "险种 (line)" in job.errors[0]["message"] and "车架号 (vin)" in job.errors[0]["message"]


def test_an_unreadable_file_fails_with_a_message(cast, contracts):
    job = import_file(cast.a_issuer, cast.store_a, b"not a workbook", name="policies.xlsx")
    assert job.status == ImportStatus.FAILED and job.errors[0]["code"] == "file_unreadable"


def test_a_role_without_import_may_not_upload(cast, contracts, factory):
    with pytest.raises(PermissionDenied):
        services.create_import_job(
            actor=cast.a_sales, store=cast.store_a, upload=upload(xlsx_bytes(factory.rows(1)))
        )
    with pytest.raises(PermissionDenied):
        services.create_import_job(actor=cast.a_issuer, store=cast.store_b, upload=upload(xlsx_bytes(factory.rows(1))))


# ------------------------------------------------------------------ modes
def test_a_dry_run_checks_everything_and_saves_nothing(cast, contracts, factory):
    before = db_state(cast.store_a)
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(factory.rows(3)), dry_run=True)
    assert job.status == ImportStatus.DRY_RUN_OK and job.created_rows == 3 and job.saved_nothing
    assert db_state(cast.store_a) == before

    rows = factory.rows(2)
    rows[1]["险种"] = "车险"
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows), dry_run=True)
    assert job.status == ImportStatus.DRY_RUN_FAILED and job.errors[0]["code"] == "line_unknown"
    assert db_state(cast.store_a) == before


def test_allow_partial_saves_the_good_rows_and_lists_the_bad(cast, contracts, factory):
    rows = factory.rows(3)
    rows[1]["车架号"] = bad_check_digit(rows[1]["车架号"])
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows), all_or_nothing=False)
    assert job.status == ImportStatus.PARTIAL and job.created_rows == 2 and job.error_rows == 1
    assert set(Policy.objects.values_list("number", flat=True)) == {rows[0]["保单号"], rows[2]["保单号"]}


def test_a_row_failing_after_its_customer_was_saved_leaves_no_customer_behind(cast, contracts, factory):
    rows = factory.rows(2)
    rows[1]["保险公司"] = "太平洋产险"  # refused at the policy, after customer and vehicle
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows), all_or_nothing=False)
    assert job.created_rows == 1 and job.error_rows == 1
    assert Customer.objects.count() == Vehicle.objects.count() == 1


# ------------------------------------------------------------------ formats and layouts
def test_a_gbk_csv_from_an_insurer_system_imports(cast, contracts, factory):
    rows = factory.rows(3)
    job = import_file(cast.a_issuer, cast.store_a, csv_bytes(rows, encoding="gbk"), name="人保导出.csv")
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert set(Customer.objects.values_list("name", flat=True)) == {row["投保人"] for row in rows}
    assert set(Vehicle.objects.values_list("plate", flat=True)) == {row["车牌号"] for row in rows}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_encodings_are_detected(cast, contracts, factory, encoding):
    rows = factory.rows(2)
    job = import_file(cast.a_issuer, cast.store_a, csv_bytes(rows, encoding=encoding), name="policies.csv")
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert Customer.objects.filter(name=rows[0]["投保人"]).exists()


def test_dates_in_several_formats(cast, contracts, factory):
    date_cell = dt.datetime(2026, 3, 1)  # noqa: DTZ001 (a spreadsheet cell has no time zone)
    forms = ["2026/3/1", "2026年3月1日", "20260301", 46082, date_cell, dt.date(2026, 3, 1)]
    rows = [factory.row(起保日期=form, 终保日期="2027-03-01 00:00:00", 出单日期="2026.2.25") for form in forms]
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows))
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert set(Policy.objects.values_list("start_date", "end_date", "issued_on")) == {
        (START, dt.date(2027, 2, 28), dt.date(2026, 2, 25))
    }


def test_headers_below_a_title_with_english_aliases_and_spaces(cast, contracts, factory):
    rows = factory.rows(2)
    rows[1]["车架号"] = bad_check_digit(rows[1]["车架号"])
    aliases = {"保单号": "Policy Number", "车架号": " VIN ", "保费": "保费（元）", "险种": "LINE"}
    renamed = [{aliases.get(k, k): v for k, v in row.items()} for row in rows]
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(renamed, title_rows=2))
    assert [(e["row"], e["column"]) for e in job.errors] == [(5, "VIN")]  # as the file names it, trimmed
    assert job.columns["header_row"] == 3


def test_the_same_customer_and_car_on_two_rows(cast, contracts, factory):
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(factory.pairs(1)))
    assert job.created_rows == 2, job.errors
    assert Customer.objects.count() == Vehicle.objects.count() == 1
    policy = Policy.objects.get(line=PolicyLine.COMMERCIAL)
    assert not policy.coverages.exists()  # exports carry no coverage breakdown
    assert policy.commission_amount == Decimal("603.77")  # 20 % of 3018.87


def test_an_existing_customer_and_vehicle_are_found_not_duplicated(cast, contracts, factory):
    customer = make_customer(cast.a_issuer, cast.store_a, name="张三", id_number="11010519491231002X")
    row = factory.row(投保人="张三", 证件号="11010519491231002x", 手机="")
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes([row]))
    assert job.created_rows == 1
    assert Policy.objects.get().policyholder == customer and Customer.objects.count() == 1


def test_a_company_is_recognised_by_its_credit_code(cast, contracts, factory):
    code = demo_data.uscc(random.Random(3))
    row = factory.row(投保人="广州恒信贸易有限公司", 证件号=code)
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes([row]))
    assert job.created_rows == 1, job.errors
    customer = Customer.objects.get()
    assert customer.kind == CustomerKind.COMPANY and customer.uscc == code


def test_a_green_plate_without_energy_column_is_a_new_energy_vehicle(cast, contracts, factory):
    row = factory.row(车牌号=demo_data.plate(77, new_energy=True), 新能源="")
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes([row]))
    assert job.created_rows == 1, job.errors
    assert Vehicle.objects.get().energy_type == EnergyType.BEV


def test_a_new_car_without_plate_is_insured_by_vin_and_engine_number(cast, contracts, factory):
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes([factory.row(车牌号="", 发动机号="")]))
    assert job.errors[0]["column"] == "发动机号" and "engine number" in job.errors[0]["message"]
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes([factory.row(车牌号="", 初登日期="2026-02-20")]))
    assert job.created_rows == 1 and Policy.objects.get().business_type == BusinessType.NEW_CAR


def test_an_insurer_export_through_a_saved_mapping(cast, contracts, factory):
    mapping = services.save_mapping(
        actor=cast.a_supervisor,
        data={"store": None, "name": "平安导出", "insurer": contracts["a_pingan"].insurer,
              "mapping": {"保单编号": "policy_number", "客户": "customer_name", "车辆识别码": "vin", "备注": ""}},
    )
    layout = {"保单号": "保单编号", "投保人": "客户", "车架号": "车辆识别码"}
    rows = [{layout.get(k, k): v for k, v in row.items() if k != "保险公司"} for row in factory.rows(2)]
    for row in rows:
        row["备注"] = "续保"
    content = xlsx_bytes(rows)

    chosen = import_file(cast.a_issuer, cast.store_a, content, mapping=mapping, dry_run=True)
    assert chosen.status == ImportStatus.DRY_RUN_OK, chosen.errors
    detected = import_file(cast.a_issuer, cast.store_a, content)  # the mapping is found by its headers
    assert detected.status == ImportStatus.SUCCEEDED, detected.errors
    assert detected.mapping == mapping
    assert set(Policy.objects.values_list("insurer__code", flat=True)) == {"PINGAN"}


def test_a_total_line_at_the_end_is_not_a_policy(cast, contracts, factory):
    rows = factory.rows(2)
    rows.append(dict.fromkeys(HEADERS, "") | {"保单号": "合计", "保费": "1900.00"})
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows))
    assert job.status == ImportStatus.SUCCEEDED and job.total_rows == 2, job.errors


def test_a_customer_on_several_rows_takes_the_first_rows_details_and_a_reimport_changes_nothing(
    cast, contracts, factory
):
    # Policies of two years: the customer's mobile and the car's plate changed in between.
    old = factory.row(手机="13800000001")
    new = factory.row(投保人=old["投保人"], 证件号=old["证件号"], 车架号=old["车架号"], 手机="13900000002",
                      车牌号=factory.row()["车牌号"], 起保日期="2027-03-01", 终保日期="2028-02-29",
                      出单日期="2027-02-25")
    content = xlsx_bytes([old, new])
    first = import_file(cast.a_issuer, cast.store_a, content)
    assert first.created_rows == 2, first.errors
    customer, vehicle = Customer.objects.get(), Vehicle.objects.get()
    assert customer.mobile == "13800000001" and vehicle.plate == old["车牌号"]
    before = db_state(cast.store_a)

    again = import_file(cast.a_issuer, cast.store_a, content)
    assert (again.updated_rows, again.unchanged_rows) == (0, 2) and db_state(cast.store_a) == before


def test_one_identity_number_under_two_names_in_a_file_is_refused(cast, contracts, factory):
    first = factory.row(投保人="张三")
    second = factory.row(投保人="李四", 证件号=first["证件号"])
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes([first, second]))
    assert job.status == ImportStatus.FAILED
    assert [(e["row"], e["column"], e["code"]) for e in job.errors] == [(3, "投保人", "customer_name_conflict")]
    assert "also on row 2, under the name 张三" in job.errors[0]["message"]


# ------------------------------------------------------------------ rows checked against the rows before them
def test_a_second_overlapping_ctpl_in_the_same_file_is_refused(cast, contracts, factory):
    """New policies are inserted a chunk at a time; each row is still checked
    against the rows of the file before it."""
    first = factory.row()
    clash = {**first, "保单号": "PDZA2026CLASH00001", "起保日期": "2026-06-01", "终保日期": "2027-05-31"}
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes([first, clash]))

    assert job.status == ImportStatus.FAILED
    assert [(e["row"], e["field"], e["code"]) for e in job.errors] == [(3, "start_date", "invalid")]
    assert "one per vehicle per period" in job.errors[0]["message"]
    assert Policy.objects.count() == 0


def test_last_years_policy_earlier_in_the_file_makes_this_years_a_renewal(cast, contracts, factory):
    last_year = factory.row(起保日期="2025-03-01", 终保日期="2026-02-28", 出单日期="2025-02-25")
    this_year = {**last_year, "保单号": "PDZA2026RENEW00001", "起保日期": START.isoformat(),
                 "终保日期": "2027-02-28", "出单日期": "2026-02-25"}
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes([last_year, this_year]))  # one chunk

    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert Policy.objects.get(number="PDZA2026RENEW00001").business_type == BusinessType.RENEWAL
    assert Policy.objects.get(number=last_year["保单号"]).business_type == BusinessType.TRANSFER_IN


def test_a_policy_saved_by_someone_else_during_the_import_is_reported_on_its_row(cast, contracts, factory,
                                                                                 monkeypatch):
    """The insert of a chunk fails only when another user saved a clashing policy
    since its rows were checked: that row is reported, the others are saved."""
    from chexian.imports import policy_import

    rows = factory.rows(3)
    original_flush = policy_import.PolicyImporter._flush

    def flush_after_a_concurrent_insert(importer):
        row, policy = importer.pending[1]
        twin = Policy.objects.bulk_create([Policy(**{
            f.attname: getattr(policy, f.attname) for f in Policy._meta.concrete_fields if f.attname != "id"
        })])[0]
        assert twin.pk
        original_flush(importer)

    monkeypatch.setattr(policy_import.PolicyImporter, "_flush", flush_after_a_concurrent_insert)
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(rows), all_or_nothing=False)

    assert job.status == ImportStatus.PARTIAL
    assert (job.created_rows, job.error_rows) == (2, 1)
    assert [(e["row"], e["code"]) for e in job.errors] == [(3, "concurrent_insert")]
    assert Policy.objects.filter(number=rows[1]["保单号"]).count() == 1  # the other user's
