"""Reading an insurer's remittance list (回款明细) from .xlsx, .xls or .csv.

Insurer systems export the list with their own headers; ``COLUMNS`` names the
usual ones (报案号/案件号, 赔款金额/支付金额/金额, 支付日期/到账日期, 保单号,
车牌号, 收款人/被保险人, 备注), compared as ``imports.cells.normalize_key``
compares headers (width, case, spaces, marks and "(元)" ignored). The header
row may sit below a title; blank rows and the closing totals row (合计) are
skipped — the totals row's amount, when it has one, must equal the sum of the
lines, which catches a list cut short. Files are read through
``imports.readers.open_reader`` (GB18030/GBK CSV included) and cells through
``imports.cells``.

``parse_lines`` only reads: it returns the lines or raises ``ImportRefused``
with every problem found, each by row number, column header and rule.
Saving is ``services.import_remittance``'s business.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from chexian.imports import cells
from chexian.imports.readers import open_reader
from chexian.remittances.choices import Purpose

# Insurer exports often put a title and the payment's details above the header.
HEADER_SCAN_ROWS = 20
# A file is read whole before anything is saved; a remittance list is far shorter than these.
MAX_LINES = 20_000
MAX_FILE_BYTES = 10 * 1024 * 1024
# A closing line such as "合计 … 12,345.00" is a total, not a payment.
SUMMARY_WORDS = ("合计", "总计", "小计", "total", "sum")

TEXT, IDENTIFIER, DATE, MONEY = "text", "identifier", "date", "money"


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    synonyms: tuple[str, ...]
    kind: str
    max_length: int | None = None

    def names(self) -> tuple[str, ...]:
        return (self.header, *self.synonyms, self.field)


# Where a file has two headers for the same field (收款人 and 被保险人), the one listed first wins.
COLUMNS: tuple[Column, ...] = (
    Column("report_no", "报案号", ("案件号", "报案号码", "赔案号", "立案号", "report_no", "report number"),
           IDENTIFIER, 40),
    Column("amount", "赔款金额", ("支付金额", "金额", "实付金额", "赔付金额", "付款金额", "回款金额", "手续费金额",
                              "amount"), MONEY),
    Column("paid_on", "支付日期", ("到账日期", "付款日期", "支付时间", "到账时间", "paid_on"), DATE),
    Column("policy_number", "保单号", ("保单号码", "保险单号", "policy_number", "policy_no"), IDENTIFIER, 40),
    Column("plate", "车牌号", ("车牌号码", "号牌号码", "车牌", "plate"), IDENTIFIER, 20),
    Column("payee", "收款人", ("收款人名称", "收款人户名", "领款人", "被保险人", "被保险人名称", "payee"), TEXT, 100),
    Column("note", "备注", ("摘要", "说明", "note"), TEXT, 300),
)
FIELDS = {column.field: column for column in COLUMNS}
# What a list must name to be read as a list of that purpose's payments.
REQUIRED = {
    Purpose.CLAIMS: ("amount", "report_no"),
    Purpose.COMMISSIONS: ("amount", "policy_number"),
}

_ALIASES: dict[str, tuple[str, int]] = {}
for _column in COLUMNS:
    for _rank, _name in enumerate(_column.names()):
        _ALIASES.setdefault(cells.normalize_key(_name), (_column.field, _rank))
_SUMMARY_KEYS = tuple(cells.normalize_key(word) for word in SUMMARY_WORDS)


@dataclass
class Problem:
    """One thing wrong with the file: where (row, column header), the cell, the rule."""

    row: int | None
    column: str
    value: str
    message: str
    code: str

    def __str__(self):
        where = []
        if self.row:
            where.append(_("row %(row)s") % {"row": self.row})
        if self.column:
            where.append(self.column)
        value = f" “{self.value}”" if self.value else ""
        return f"{', '.join(where)}{value}: {self.message}" if where else self.message

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message,
                "code": self.code}


class ImportRefused(ValidationError):
    """The file was not imported; ``problems`` lists every reason, row by row."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__([ValidationError(str(problem), code=problem.code) for problem in problems])


@dataclass
class ParsedFile:
    lines: list[dict] = field(default_factory=list)
    header_row: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    stated_total: Decimal | None = None
    stated_total_row: int | None = None

    @property
    def total(self) -> Decimal:
        return sum((line["amount"] for line in self.lines), Decimal("0"))

    def latest_date(self):
        dates = [line["paid_on"] for line in self.lines if line.get("paid_on")]
        return max(dates) if dates else None


def _message(error: ValidationError) -> tuple[str, str]:
    first = error.error_list[0]
    message = first.message % first.params if first.params else first.message
    return str(message), first.code or "invalid"


def _read_header(row: list) -> tuple[dict[str, int], dict[str, str], list[str]]:
    index: dict[str, int] = {}
    ranks: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for position, cell in enumerate(row):
        header = cells.text(cell)
        found = _ALIASES.get(cells.normalize_key(cell)) if header else None
        if found is None:
            if header:
                ignored.append(header)
            continue
        name, rank = found
        if name in ranks and ranks[name] <= rank:
            ignored.append(header)
            continue
        if name in headers:
            ignored.append(headers[name])
        index[name], ranks[name], headers[name] = position, rank, header
    return index, headers, ignored


def _is_summary(row: list, key_position: int) -> bool:
    """合计/总计 in a cell, and no report (or policy) number — or 合计 where it would be: the totals row."""
    key = _cell(row, key_position)
    if not cells.is_blank(key):
        return cells.normalize_key(key).startswith(_SUMMARY_KEYS)
    return any(cells.normalize_key(cell).startswith(_SUMMARY_KEYS) for cell in row
               if isinstance(cell, str) and cell.strip())


def _cell(row: list, position: int | None):
    if position is None or position >= len(row):
        return None
    return row[position]


def _parse(column: Column, value):
    if column.kind == MONEY:
        return cells.parse_money(value)
    if column.kind == DATE:
        return cells.parse_date(value)
    if column.kind == IDENTIFIER:
        result = cells.identifier(value).upper()
    else:
        result = cells.text(value)
    if column.max_length and len(result) > column.max_length:
        if column.field == "note":
            return result[: column.max_length]
        raise ValidationError(_("At most %(max)s characters.") % {"max": column.max_length}, code="too_long")
    return result


def check_size(size: int | None) -> None:
    if size is not None and size > MAX_FILE_BYTES:
        raise ImportRefused([Problem(None, "", "", _(
            "The file is %(size)s; a remittance list is at most %(max)s: split it.")
            % {"size": filesizeformat(size), "max": filesizeformat(MAX_FILE_BYTES)}, "file_too_large")])


def parse_lines(source, name: str, *, purpose: str = Purpose.CLAIMS) -> ParsedFile:
    """Every payment line of the file, or ``ImportRefused`` with every problem."""
    try:
        reader = open_reader(source, name)
    except ValidationError as exc:
        text, code = _message(exc)
        raise ImportRefused([Problem(None, "", "", text, code)]) from None
    try:
        return _parse_rows(reader.rows(), purpose)
    finally:
        reader.close()


def _parse_rows(rows, purpose: str) -> ParsedFile:
    parsed = ParsedFile()
    problems: list[Problem] = []
    index: dict[str, int] = {}
    for number, row in itertools.islice(rows, HEADER_SCAN_ROWS):
        candidate, headers, ignored = _read_header(row)
        if "amount" in candidate and len(candidate) >= 2:
            index, parsed.headers, parsed.ignored, parsed.header_row = candidate, headers, ignored, number
            break
    if not index:
        raise ImportRefused([Problem(None, "", "", _(
            "No header row found in the first %(rows)s rows: the list needs at least the columns 报案号 and "
            "赔款金额 (or 案件号, 支付金额, 金额).") % {"rows": HEADER_SCAN_ROWS}, "no_header")])
    missing = [FIELDS[name] for name in REQUIRED[purpose] if name not in index]
    if missing:
        raise ImportRefused([Problem(parsed.header_row, "", "", _("Required columns are missing: %(columns)s.") % {
            "columns": "、".join(column.header for column in missing)}, "missing_columns")])

    for number, row in rows:
        if all(cells.is_blank(cell) for cell in row):
            continue
        if _is_summary(row, index[REQUIRED[purpose][1]]):
            try:
                parsed.stated_total = cells.parse_money(_cell(row, index["amount"]))
            except ValidationError:
                parsed.stated_total = None
            parsed.stated_total_row = number
            continue
        if len(parsed.lines) >= MAX_LINES:
            problems.append(Problem(number, "", "", _("A remittance list has at most %(max)s lines: split the file.")
                                    % {"max": MAX_LINES}, "too_many_lines"))
            break
        line: dict = {"source_row": number}
        for name, position in index.items():
            column, value = FIELDS[name], _cell(row, position)
            try:
                line[name] = _parse(column, value)
            except ValidationError as exc:
                text, code = _message(exc)
                problems.append(Problem(number, parsed.headers[name], cells.display(value), text, code))
        amount_header = parsed.headers["amount"]
        if "amount" in line:
            if line["amount"] is None:
                problems.append(Problem(number, amount_header, "", _("The amount is needed."), "required"))
            elif line["amount"] <= 0:
                problems.append(Problem(number, amount_header, str(line["amount"]),
                                        _("A payment line's amount is more than zero."), "amount_not_positive"))
        if purpose == Purpose.CLAIMS and "report_no" in line and not line["report_no"]:
            problems.append(Problem(number, parsed.headers["report_no"], "",
                                    _("The report number is needed to match the payment to its claim case."),
                                    "required"))
        parsed.lines.append(line)

    if not problems and not parsed.lines:
        problems.append(Problem(None, "", "", _("The file lists no payments under its header row."), "empty"))
    if not problems and parsed.stated_total is not None and parsed.stated_total != parsed.total:
        problems.append(Problem(parsed.stated_total_row, parsed.headers["amount"],
                                str(parsed.stated_total),
                                _("The totals row says ¥%(stated)s but the lines add up to ¥%(sum)s: is a line "
                                  "missing?") % {"stated": parsed.stated_total, "sum": parsed.total},
                                "total_mismatch"))
    if problems:
        raise ImportRefused(problems)
    return parsed
