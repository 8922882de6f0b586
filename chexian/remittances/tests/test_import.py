"""Importing an insurer's remittance list: its own headers and aliases, a title above
the header, the totals row, GBK CSV and .xlsx; every bad cell reported by row and
column with nothing saved; the same file never imported twice; and the
``chexian import remittances`` command."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from chexian.claims.choices import Step
from chexian.remittances import services
from chexian.remittances.choices import Purpose, RemittanceSource
from chexian.remittances.importer import ImportRefused
from chexian.remittances.models import Allocation, Remittance, RemittanceLine
from chexian.remittances.tests.factories import a_case

pytestmark = pytest.mark.django_db
D = Decimal


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_gbk(rows) -> bytes:
    return "\r\n".join(",".join(str(cell) for cell in row) for row in rows).encode("gbk")


def do_import(crew, cast, picc, content: bytes, name: str, **kwargs):
    return services.import_remittance(actor=crew.finance, store=cast.store_a, insurer=picc,
                                      file=ContentFile(content, name=name), **kwargs)


def test_an_insurer_xlsx_with_a_title_its_own_headers_and_a_totals_row_imports(cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    content = xlsx([
        ["中国人民财产保险股份有限公司广州市分公司 赔款支付清单"],
        ["支付批次：PAY20261201", None, None, None, None],
        ["序号", "案件号", "被保险人", "车牌号码", "支付金额(元)", "到账日期", "备注"],
        [1, case.report_no, "张三", "粤a12345", 5000.0, dt.date(2026, 12, 1), "车损"],
        [2, "rdaa000000777", "李四", "", "1,234.56", "2026/12/2", None],
        [None, None, None, None, None, None, None],
        ["合计", None, None, None, 6234.56, None, None],
    ])
    remittance = do_import(crew, cast, picc, content, "人保赔款.xlsx", reference="BANK-20261202")

    assert (remittance.source, remittance.file_name, remittance.received_on, remittance.total_amount) == (
        RemittanceSource.IMPORT, "人保赔款.xlsx", dt.date(2026, 12, 2), D("6234.56"))
    assert len(remittance.file_sha256) == 64 and remittance.reference == "BANK-20261202"
    assert list(remittance.lines.values_list("line_no", "report_no", "payee", "plate", "amount", "paid_on",
                                             "source_row")) == [
        (1, case.report_no, "张三", "粤A12345", D("5000.00"), dt.date(2026, 12, 1), 4),
        (2, "RDAA000000777", "李四", "", D("1234.56"), dt.date(2026, 12, 2), 5)]
    counts = services.auto_match(actor=crew.finance, remittance=remittance)
    assert (counts["matched"], counts["unmatched"]) == (1, 1)
    case.refresh_from_db()
    assert case.step == Step.CLOSED


def test_a_gbk_csv_from_the_insurers_system_imports(cast, crew, picc):
    content = csv_gbk([["报案号", "赔款金额", "支付日期", "收款人", "保单号"],
                       ["RDAA2026001", "￥880.00", "2026年12月3日", "广州某某汽车销售服务有限公司", "pdza2026001"]])
    remittance = do_import(crew, cast, picc, content, "pingan.csv")
    line = remittance.lines.get()
    assert (line.report_no, line.amount, line.payee, line.policy_number) == (
        "RDAA2026001", D("880.00"), "广州某某汽车销售服务有限公司", "PDZA2026001")
    assert remittance.received_on == dt.date(2026, 12, 3)


def test_every_bad_cell_is_reported_by_row_and_column_and_nothing_is_saved(cast, crew, picc):
    content = csv_gbk([["报案号", "赔款金额", "支付日期"],
                       ["RDAA1", "12.345", "2026-12-01"],
                       ["", "100.00", "2026-12-01"],
                       ["RDAA3", "-5", "2026-13-01"],
                       ["RDAA4", "", "2026-12-01"]])
    with pytest.raises(ImportRefused) as exc:
        do_import(crew, cast, picc, content, "bad.csv")
    found = {(p.row, p.column, p.code) for p in exc.value.problems}
    assert found == {(2, "赔款金额", "money_decimals"), (3, "报案号", "required"),
                     (4, "赔款金额", "amount_not_positive"), (4, "支付日期", "date_invalid"),
                     (5, "赔款金额", "required")}
    assert str(exc.value.problems[0]).startswith("row 2, 赔款金额 “12.345”: Money has at most two decimals")
    assert not Remittance.objects.exists() and not RemittanceLine.objects.exists()


def test_a_file_without_the_columns_or_with_a_wrong_total_is_refused(cast, crew, picc):
    with pytest.raises(ImportRefused) as exc:
        do_import(crew, cast, picc, csv_gbk([["保单号", "金额"], ["P1", "10"]]), "x.csv")
    assert exc.value.problems[0].code == "missing_columns" and "报案号" in exc.value.problems[0].message
    with pytest.raises(ImportRefused) as exc:
        do_import(crew, cast, picc, csv_gbk([["姓名", "电话"], ["张三", "138"]]), "x.csv")
    assert exc.value.problems[0].code == "no_header"
    with pytest.raises(ImportRefused) as exc:
        do_import(crew, cast, picc, csv_gbk([["报案号", "金额", "支付日期"], ["R1", "10", "2026-12-01"],
                                              ["合计", "20", ""]]), "x.csv")
    assert (exc.value.problems[0].row, exc.value.problems[0].code) == (3, "total_mismatch")
    with pytest.raises(ImportRefused) as exc:
        do_import(crew, cast, picc, csv_gbk([["报案号", "金额"], ["R1", "10"]]), "x.csv")
    assert exc.value.problems[0].code == "received_on_required"
    with pytest.raises(ImportRefused) as exc:
        do_import(crew, cast, picc, b"PK\x03\x04 not really a workbook", "x.xlsx")
    assert exc.value.problems[0].code == "file_unreadable"
    assert not Remittance.objects.exists()


def test_the_same_file_is_imported_once_per_store_and_insurer(cast, crew, picc):
    content = csv_gbk([["报案号", "金额"], ["R1", "10.00"]])
    first = do_import(crew, cast, picc, content, "a.csv", received_on=dt.date(2026, 12, 1))
    with pytest.raises(ValidationError) as exc:
        do_import(crew, cast, picc, content, "renamed.csv", received_on=dt.date(2026, 12, 1))
    assert first.number in exc.value.messages[0] and "already imported" in exc.value.messages[0]
    assert Remittance.objects.count() == 1


def test_a_commission_list_is_read_by_policy_number(cast, crew, picc):
    content = csv_gbk([["保单号", "手续费金额", "到账日期"], ["PDZA1", "95.00", "2026-12-05"]])
    remittance = do_import(crew, cast, picc, content, "fee.csv", purpose=Purpose.COMMISSIONS)
    assert remittance.purpose == Purpose.COMMISSIONS
    assert list(remittance.lines.values_list("policy_number", "amount")) == [("PDZA1", D("95.00"))]


# ---------------------------------------------------------------- the command
def run(*args) -> str:
    out = io.StringIO()
    call_command("import", "remittances", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_imports_matches_and_prints_the_counts(cast, crew, picc, tmp_path):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    path = tmp_path / "人保回款.csv"
    path.write_bytes(csv_gbk([["报案号", "赔款金额"], [case.report_no, "5000.00"], ["RDAA-OTHER", "300.00"]]))
    output = run(path, "--store", "A01", "--insurer", "人保财险", "--user", "a-finance",
                 "--received-on", "2026-12-01", "--reference", "BANK-1")
    assert "lines 2, total ¥5300.00" in output
    assert "auto-matched 1 (¥5000.00), left unmatched 1" in output
    assert Allocation.objects.get().claim == case


def test_the_command_can_leave_matching_for_later(cast, crew, picc, tmp_path):
    path = tmp_path / "picc.xlsx"
    path.write_bytes(xlsx([["报案号", "赔款金额", "支付日期"], ["RDAA1", 10.5, "2026-12-01"]]))
    output = run(path, "--store", "A01", "--insurer", "picc", "--user", "a-finance", "--no-auto-match")
    assert "lines 1, total ¥10.50" in output and "auto-matched 0 (not run)" in output


def test_the_command_prints_every_problem_and_exits_1(cast, crew, picc, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_gbk([["报案号", "赔款金额", "支付日期"], ["R1", "abc", "2026-12-01"],
                              ["R2", "5", "someday"]]))
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import", "remittances", str(path), "--store", "A01", "--insurer", "PICC", "--user",
                     "a-finance", stdout=out)
    assert exc.value.returncode == 1
    assert "row 2, 赔款金额 “abc”: Not an amount of money" in out.getvalue()
    assert "row 3, 支付日期 “someday”: Not a date" in out.getvalue()
    assert not Remittance.objects.exists()
    with pytest.raises(CommandError, match="No single insurer"):
        run(path, "--store", "A01", "--insurer", "Nobody", "--user", "a-finance")
    with pytest.raises(CommandError, match="may not record remittances"):
        run(path, "--store", "A01", "--insurer", "PICC", "--user", "a-sales")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(cast, crew, picc, monkeypatch):
    from chexian.remittances import importer

    monkeypatch.setattr(importer, "MAX_FILE_BYTES", 10)
    with pytest.raises(ImportRefused) as exc:
        do_import(crew, cast, picc, csv_gbk([["报案号", "金额"], ["R1", "10.00"]]), "big.csv")
    assert exc.value.problems[0].code == "file_too_large"
