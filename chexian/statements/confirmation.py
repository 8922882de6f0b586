"""Reading the insurer's answer to a statement (their 业务明细 / 手续费确认清单).

The file is read with the import framework's template (``imports.tabular``):
headers matched ignoring width, case, spaces and marks, the header row may sit
below a title, blank rows and the closing total line (合计) are skipped, GBK and
UTF-8 CSV and every Excel format the readers take. Nothing is saved here:
``read_confirmation`` returns the insurer's lines, or raises
``ConfirmationRefused`` with every problem by row, column and rule; the
statement is changed by ``services.record_confirmation``, all or nothing.

Rates are read as percentages: ``12``, ``12%`` and ``0.12`` are all 12 %.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chexian.imports import cells
from chexian.imports.readers import open_reader
from chexian.imports.tabular import IDENTIFIER, MONEY, TEXT, Column, RowError, TabularImporter, Template
from chexian.statements.services import TheirLine

MAX_FILE_BYTES = 10 * 1024 * 1024

TEMPLATE = Template(
    (
        Column("policy_number", "保单号", ("保单号码", "保险单号", "policy no", "policy number"), IDENTIFIER,
               required=True, example="PDAA202611000001"),
        Column("premium", "保费", ("签单保费", "含税保费", "保费金额", "实收保费", "premium"), MONEY,
               example="3200.00", note=gettext_lazy("Negative for a refund (退保).")),
        Column("rate", "手续费率", ("手续费比例", "费率", "佣金比例", "代理手续费率", "rate"), TEXT,
               example="12%", note=gettext_lazy("12, 12% and 0.12 all read as 12 %.")),
        Column("commission", "手续费", ("手续费金额", "应付手续费", "代理手续费", "佣金", "佣金金额", "commission"),
               MONEY, required=True, example="384.00", note=gettext_lazy("Negative for commission clawed back.")),
        Column("line", "险种", ("险别", "险类", "line"), TEXT, example="商业险"),
        Column("issued_on", "签单日期", ("出单日期", "起保日期", "issued_on"), TEXT, example="2026-10-08"),
    ),
    sheet_title="手续费确认",
    no_header=gettext_lazy("No header row in the first %(rows)s rows: the insurer's list needs columns such as "
                           "保单号, 保费, 手续费率 and 手续费."),
    summary_fields=("policy_number",),
)


class ConfirmationRefused(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problems")
        self.errors = errors


class _Errors(list):
    add = list.append


def parse_rate(value) -> Decimal | None:
    text = cells.text(value).replace("％", "%")
    if not text:
        return None
    percent = text.endswith("%")
    try:
        rate = Decimal(text.rstrip("%").strip())
    except InvalidOperation:
        raise ValidationError(_("Not a rate: write it as a percentage, like 12, 0.12 or 12 with a per-cent sign."),
                              code="rate_format") from None
    if not percent and rate < 1:
        rate *= 100
    if not (Decimal(0) <= rate <= 100):
        raise ValidationError(_("A rate is between 0 and 100 %."), code="rate_range")
    if rate != rate.quantize(Decimal("0.01")):
        raise ValidationError(_("A rate has at most two decimals (12.25 %)."), code="rate_decimals")
    return rate.quantize(Decimal("0.01"))


class ConfirmationReader(TabularImporter):
    """Parses every row and keeps it; saves nothing."""

    template = TEMPLATE
    identifier_limits = {"policy_number": 40}

    def __init__(self, **kwargs):
        super().__init__(actor=None, store=None, errors=_Errors(), **kwargs)
        self.lines: list[TheirLine] = []

    def parse_text(self, field_name, value):
        if field_name == "rate":
            return parse_rate(value)
        return value

    def _save_chunk(self, rows):
        for row in rows:
            if row.errors:
                self._fail(row)
                continue
            self.lines.append(TheirLine(policy_number=row.get("policy_number"), premium=row.get("premium"),
                                        rate=row.get("rate"), commission=row.get("commission"), row=row.number))


def read_confirmation(file, name: str) -> list[TheirLine]:
    """The insurer's lines from an .xlsx, .xls or .csv file, or ``ConfirmationRefused``."""
    size = getattr(file, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise ConfirmationRefused([RowError(0, "", "", _("The file is larger than 10 MB; a month's list is far "
                                                         "smaller."), "file_size")])
    reader = ConfirmationReader()
    try:
        rows = open_reader(file, name)
        reader.run(rows)
    except ValidationError as exc:
        reader.file_error(exc)
    if reader.errors:
        raise ConfirmationRefused(list(reader.errors))
    if not reader.lines:
        raise ConfirmationRefused([RowError(0, "", "", _("The file lists no policies."), "empty")])
    return reader.lines


def import_confirmation(*, actor, statement, file, name: str = ""):
    """Read the insurer's file and record it on the statement, all or nothing. The
    permission and the state are checked before the file is read."""
    from chexian.statements import services

    services.check_confirmable(actor, statement)
    name = name or getattr(file, "name", "") or ""
    return services.record_confirmation(actor=actor, statement=statement, lines=read_confirmation(file, name),
                                        file_name=name)
