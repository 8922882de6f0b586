"""The insurer's file, the exports both sides sign, the pages, the API and the commands."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from chexian.core.choices import AuditAction
from chexian.core.models import AuditLog
from chexian.core.pdf_testing import embedded_fonts, pdf_text
from chexian.statements import exports, services
from chexian.statements.choices import Difference, State
from chexian.statements.confirmation import ConfirmationRefused, import_confirmation, read_confirmation
from chexian.statements.models import Statement, StatementLine
from chexian.statements.tests.factories import built, october_business

pytestmark = pytest.mark.django_db


@pytest.fixture
def month(cast):
    return october_business(cast)


@pytest.fixture
def sent(cast, month):
    statement = built(cast, month)
    return services.send(actor=month.finance, statement=statement)


def insurer_file(rows, *, title=True) -> io.BytesIO:
    """The insurer's list as their systems export it: a title above the header, a total line below."""
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append(["中国人民财产保险股份有限公司 代理手续费确认清单 2026年10月"])
        sheet.append([])
    sheet.append(["序号", "保单号", "签单保费(元)", "手续费比例", "手续费金额"])
    for index, row in enumerate(rows, start=1):
        sheet.append([index, *row])
    sheet.append(["合计", None, None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "picc-2026-10.xlsx"
    return buffer


def test_the_insurers_file_is_read_with_its_title_and_total_and_recorded(cast, month, sent):
    rows = [[line.policy_number, float(line.premium), f"{line.rate}%", float(line.commission)]
            for line in sent.lines.order_by("pk")]
    rows[0][3] = float(sent.lines.order_by("pk")[0].commission + D("5.00"))   # commission differs
    rows[1][2] = str(float(sent.lines.order_by("pk")[1].rate) / 100)           # 0.04 reads as 4 %
    rows.append(["PXUNKNOWN9", 500, 4, 18.87])
    statement = import_confirmation(actor=month.finance, statement=sent, file=insurer_file(rows),
                                    name="picc-2026-10.xlsx")
    assert statement.state == State.CONFIRMED and statement.confirmation_file == "picc-2026-10.xlsx"
    differences = dict(statement.lines.exclude(difference="").values_list("policy_number", "difference"))
    first = sent.lines.order_by("pk")[0].policy_number
    assert differences == {first: Difference.COMMISSION, "PXUNKNOWN9": Difference.MISSING_ON_OURS}


def test_a_bad_insurers_file_names_row_and_column_and_changes_nothing(cast, month, sent):
    rows = [[line.policy_number, float(line.premium), "12%", "很多"] for line in sent.lines.order_by("pk")]
    with pytest.raises(ConfirmationRefused) as refused:
        import_confirmation(actor=month.finance, statement=sent, file=insurer_file(rows), name="bad.xlsx")
    first = refused.value.errors[0]
    assert (first.row, first.column, first.code) == (4, "手续费金额", "money_format")
    assert Statement.objects.get(pk=sent.pk).state == State.SENT
    assert not StatementLine.objects.filter(their_commission__isnull=False).exists()
    with pytest.raises(ConfirmationRefused) as refused:
        read_confirmation(io.BytesIO("名称,金额\n甲,1\n".encode("gbk")), "list.csv")
    assert refused.value.errors[0].code == "no_header"


def test_the_excel_export_opens_in_two_readers_with_numbers_and_both_sides(cast, month, sent):
    import python_calamine

    statement = services.confirm_as_ours(actor=month.finance, statement=sent)
    content = exports.workbook(statement, user=month.finance, reason="to the insurer")
    sheet = load_workbook(io.BytesIO(content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(values) if row[1] == "Policy number")
    body = values[header + 1: header + 1 + statement.line_count]
    assert {row[1] for row in body} == set(statement.lines.values_list("policy_number", flat=True))
    assert sum(D(str(row[7])) for row in body) == statement.commission
    assert all(row[10] is not None for row in body)  # the insurer's side is there
    # A second, independent reader (calamine, in Rust) reads the same cells.
    calamine = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert [row[1] for row in calamine[header + 1: header + 1 + statement.line_count]] == [row[1] for row in body]
    assert any("Exported by a-finance" in str(row[0]) for row in values)
    entry = AuditLog.objects.filter(action=AuditAction.EXPORT, object_id=str(statement.pk)).get()
    assert entry.reason == "to the insurer" and entry.after["format"] == "xlsx"


def test_a_formula_in_an_insurers_note_is_defused_in_the_export(cast, month, sent):
    statement = services.record_confirmation(actor=month.finance, statement=sent, lines=[
        services.TheirLine("=HYPERLINK(\"http://x\")", D("1.00"), D("4.00"), D("0.04"))])
    content = exports.workbook(statement, user=month.finance)
    texts = [cell.value for row in load_workbook(io.BytesIO(content)).active.iter_rows() for cell in row]
    assert "'=HYPERLINK(\"http://x\")" in texts and "=HYPERLINK(\"http://x\")" not in texts


def test_the_pdf_prints_chinese_with_the_cjk_font(cast, month, sent, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    from django.utils import translation

    with translation.override("zh-hans"):
        content = exports.pdf(sent, user=month.finance)
    text = pdf_text(content)
    assert "月度业务明细清单" in text and sent.number in text and cast.store_a.name in text
    assert "Noto-Sans-CJK-SC" in embedded_fonts(content)


def test_the_pages_walk_a_statement_and_another_store_gets_404(client, cast, month):
    client.force_login(month.finance)
    page = client.get(reverse("statements:statement_list"))
    assert page.status_code == 200 and page.context["may_manage"]
    response = client.post(reverse("statements:build"), {"month": "2026-10"})
    assert response.status_code == 302
    statement = Statement.objects.get(insurer__code="PICC")
    url = statement.get_absolute_url()
    assert client.post(url, {"action": "send"}).status_code == 302
    # The line-by-line entry: one line's commission typed differently, one emptied (not on their list).
    lines = list(statement.lines.order_by("pk"))
    form = {}
    for line in lines:
        form[f"premium-{line.pk}"] = str(line.premium)
        form[f"rate-{line.pk}"] = str(line.rate)
        form[f"commission-{line.pk}"] = str(line.commission)
    form[f"commission-{lines[0].pk}"] = str(lines[0].commission + D("1.00"))
    form[f"commission-{lines[1].pk}"] = ""
    assert client.post(reverse("statements:confirm", args=[statement.pk]), form).status_code == 302
    statement.refresh_from_db()
    assert statement.state == State.CONFIRMED and statement.difference_count == 2
    detail = client.get(url, {"difference": "any"})
    assert detail.status_code == 200 and len(detail.context["lines"]) == 2
    bad = client.post(url, {"action": "invoice", "invoice_no": "", "invoiced_on": "2026-11-05"})
    assert bad.status_code == 400
    assert client.post(url, {"action": "invoice", "invoice_no": "FP9", "invoiced_on": "2026-11-05"}).status_code == 302
    assert Statement.objects.get(pk=statement.pk).state == State.INVOICED
    xlsx = client.get(reverse("statements:export", args=[statement.pk, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    # Store B's supervisor sees none of it.
    client.force_login(cast.b_supervisor)
    assert client.get(url).status_code == 404
    assert client.get(reverse("statements:export", args=[statement.pk, "pdf"])).status_code == 404
    assert client.get(reverse("statements:statement_list")).context["paginator"].count == 0
    # The issuer does not see statements at all.
    client.force_login(cast.a_issuer)
    assert client.get(reverse("statements:statement_list")).status_code == 403


def test_the_list_and_its_dashboards_show_the_aging_flag_without_a_query_per_row(
        client, cast, month, django_assert_max_num_queries):
    for offset in range(6):
        Statement.objects.create(store=cast.store_a, insurer=month.policies["ctpl1"].insurer,
                                 month=dt.date(2026, 1 + offset, 1), number=f"OLD-{offset}", commission=D("10.00"),
                                 built_at=dt.datetime(2026, 8, 1, tzinfo=dt.UTC), built_by=month.finance)
    client.force_login(cast.a_supervisor)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("statements:statement_list"))
    # January to June 2026 are all more than three months old from any day since 1 October 2026.
    assert page.context["aging"] == {"count": 6, "owed": D("60.00")}
    assert [s.number for s in page.context["aged"]] == [f"OLD-{offset}" for offset in range(6)]
    assert b"commission-aging" in page.content
    board = client.get(reverse("renewals:board"))
    assert b"commission-aging-flag" in board.content
    daily = client.get(reverse("commissions:daily"))
    assert b"commission-aging-flag" in daily.content


def test_the_api_lists_builds_confirms_and_scopes(client, cast, month):
    client.force_login(month.finance)
    response = client.post("/api/statements/build/", {"month": "2026-10"}, content_type="application/json")
    assert response.status_code == 201 and "A01-SX202610-PICC" in response.json()["created"]
    statement = Statement.objects.get(number="A01-SX202610-PICC")
    assert client.post(f"/api/statements/{statement.pk}/send/").status_code == 200
    lines = [{"policy_number": line.policy_number, "premium": str(line.premium), "rate": str(line.rate),
              "commission": str(line.commission)} for line in statement.lines.all()]
    response = client.post(f"/api/statements/{statement.pk}/confirm/", {"lines": lines},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "confirmed"
    assert client.get(f"/api/statements/{statement.pk}/lines/").json()["count"] == statement.line_count
    future = client.post("/api/statements/build/", {"month": "2099-01"}, content_type="application/json")
    assert future.status_code == 400 and "not over" in str(future.json())
    client.force_login(cast.b_supervisor)
    assert client.get(f"/api/statements/{statement.pk}/").status_code == 404
    assert client.get("/api/statements/").json()["count"] == 0


def test_the_commands_build_and_import_and_refuse_with_exit_codes(cast, month, tmp_path):
    out = io.StringIO()
    call_command("statements", "build", "--month", "2026-10", "--user", "a-finance", stdout=out)
    assert "built    A01-SX202610-PICC" in out.getvalue()
    with pytest.raises(CommandError, match="not over") as refused:
        call_command("statements", "build", "--month", "2099-01", "--user", "a-finance", stdout=io.StringIO())
    assert refused.value.returncode == 2
    statement = Statement.objects.get(number="A01-SX202610-PICC")
    services.send(actor=month.finance, statement=statement)
    path = tmp_path / "answer.xlsx"
    path.write_bytes(insurer_file([[line.policy_number, float(line.premium), float(line.rate),
                                    float(line.commission)] for line in statement.lines.all()]).getvalue())
    out = io.StringIO()
    call_command("import", "commission-confirmation", str(path), "--statement", statement.number.lower(),
                 "--user", "a-finance", stdout=out)
    assert "0 lines differ" in out.getvalue()
    with pytest.raises(CommandError, match="No statement"):
        call_command("import", "commission-confirmation", str(path), "--statement", statement.number,
                     "--user", "b-supervisor", stdout=io.StringIO())
