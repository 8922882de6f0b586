"""What every spreadsheet import shares: the template's columns, reading the
header row, parsing cells by their column's kind, the error list, and the
transaction of the whole file.

An import kind (``registry.py``) brings a ``Template`` — its columns with their
Chinese headers, English aliases and the headers other systems use — and a
``TabularImporter`` subclass that saves the parsed rows through its app's
services. Policies (``policy_import.PolicyImporter``) and service orders
(``aftersales.importer.ServiceOrderImporter``) are the two today.

Headers are matched ignoring width, case, spaces and marks such as ``*`` or
``(元)``; the header row may sit below a title. A saved column mapping (insurer
exports) is read before the template's names.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from chexian.core import crypto
from chexian.core.validators import validate_mobile, validate_plate, validate_vin
from chexian.imports import cells

CHUNK_SIZE = 500
# The header is looked for in the first rows: exports often put a title above it.
HEADER_SCAN_ROWS = 20
# A header row names at least this many known columns.
HEADER_MIN_MATCHES = 3
# A closing line such as "合计 … 1,234,567.00" is a total, not a record.
SUMMARY_WORDS = frozenset({"合计", "总计", "小计", "total", "sum"})
IGNORE = ""  # a mapping entry with this field skips the column

TEXT, IDENTIFIER, DATE, MONEY, CHOICE, COUNT = "text", "identifier", "date", "money", "choice", "count"

# The identifiers every import checks the same way, by the core validators.
IDENTIFIER_CHECKS = {"vin": validate_vin, "plate": validate_plate, "mobile": validate_mobile}


@dataclass(frozen=True)
class Column:
    """One column of an import template."""

    field: str
    header: str
    synonyms: tuple[str, ...] = ()
    kind: str = TEXT
    required: bool = False
    example: str = ""
    note: str | Promise = ""

    @property
    def alias(self) -> str:
        """The English alias: the field name."""
        return self.field

    def names(self) -> tuple[str, ...]:
        return (self.header, self.field, *self.synonyms)


@dataclass
class ColumnMap:
    """Which cell of a row feeds which field, and under what header the file names it."""

    index: dict[str, int]
    headers: dict[str, str]
    ignored: list[str]
    header_row: int
    template: Template | None = field(default=None, repr=False, compare=False)

    def header_of(self, field_name: str) -> str:
        """The file's header for a field, else the template's (for a missing column)."""
        if field_name in self.headers:
            return self.headers[field_name]
        column = self.template.fields.get(field_name) if self.template else None
        return column.header if column else field_name

    def as_json(self) -> dict:
        return {"header_row": self.header_row, "mapped": self.headers, "ignored": self.ignored}


class Template:
    """The columns of one import kind, and how a file's headers are read against them.

    ``no_header`` is the message for a file without a recognisable header row (it
    names the template's first headers); ``summary_fields`` are the columns a
    closing total line leaves empty; ``sheet_title`` names the template workbook's
    first sheet.
    """

    def __init__(self, columns: Iterable[Column], *, sheet_title: str, no_header: str | Promise,
                 summary_fields: tuple[str, ...]):
        self.columns: tuple[Column, ...] = tuple(columns)
        self.fields: dict[str, Column] = {column.field: column for column in self.columns}
        self.aliases: dict[str, str] = {}
        for column in self.columns:
            for name in column.names():
                self.aliases.setdefault(cells.normalize_key(name), column.field)
        self.sheet_title = sheet_title
        self.no_header = no_header
        self.summary_fields = summary_fields

    # ------------------------------------------------------------ mappings and headers
    def validate_mapping(self, mapping) -> dict[str, str]:
        """A column mapping {file header: field}: known fields only, each at most once."""
        if not isinstance(mapping, dict):
            raise ValidationError(_("A column mapping lists file headers and the field each one feeds."),
                                  code="mapping")
        cleaned: dict[str, str] = {}
        used: dict[str, str] = {}
        keys: set[str] = set()
        for header, target in mapping.items():
            header, target = cells.text(header), cells.text(target)
            key = cells.normalize_key(header)
            if not key:
                raise ValidationError(_("A column mapping has an empty file header."), code="mapping_header")
            if key in keys:
                raise ValidationError(_("The header %(header)s is listed twice.") % {"header": header},
                                      code="mapping")
            if target != IGNORE and target not in self.fields:
                target = self.aliases.get(cells.normalize_key(target), target)
            if target != IGNORE and target not in self.fields:
                raise ValidationError(
                    _("%(header)s → %(field)s: no such import field. The fields are: %(fields)s.")
                    % {"header": header, "field": target, "fields": ", ".join(self.fields)},
                    code="mapping_field",
                )
            if target != IGNORE and target in used:
                raise ValidationError(
                    _("%(a)s and %(b)s both feed %(field)s.") % {"a": used[target], "b": header, "field": target},
                    code="mapping_field_twice",
                )
            keys.add(key)
            if target != IGNORE:
                used[target] = header
            cleaned[header] = target
        return cleaned

    def field_for(self, header, mapping_keys: dict[str, str]) -> str | None:
        key = cells.normalize_key(header)
        if not key:
            return None
        if key in mapping_keys:
            return mapping_keys[key] or None
        return self.aliases.get(key)

    def match_headers(self, cells_row: list, header_row: int, mapping: dict | None = None) -> ColumnMap:
        """Read a header row: the mapping first, then the template's headers and aliases."""
        mapping_keys = {cells.normalize_key(h): f for h, f in (mapping or {}).items()}
        index: dict[str, int] = {}
        headers: dict[str, str] = {}
        ignored: list[str] = []
        for position, cell in enumerate(cells_row):
            header = cells.text(cell)
            target = self.field_for(cell, mapping_keys)
            if target is None:
                if header:
                    ignored.append(header)
                continue
            if target in index:
                raise ValidationError(
                    _("The columns %(a)s and %(b)s both read as %(field)s (%(header)s): keep one, or map one of "
                      "them to another field.")
                    % {"a": headers[target], "b": header, "field": target, "header": self.fields[target].header},
                    code="header_twice",
                )
            index[target] = position
            headers[target] = header
        return ColumnMap(index=index, headers=headers, ignored=ignored, header_row=header_row, template=self)

    def score(self, cells_row: list, mapping: dict | None) -> int:
        mapping_keys = {cells.normalize_key(h): f for h, f in (mapping or {}).items()}
        return sum(1 for cell in cells_row if self.field_for(cell, mapping_keys))

    def find_header(self, rows: Iterator[tuple[int, list]], mapping: dict | None = None) -> ColumnMap:
        """Consume rows up to the header row (within the first ``HEADER_SCAN_ROWS``) and read it."""
        for number, cells_row in itertools.islice(rows, HEADER_SCAN_ROWS):
            if self.score(cells_row, mapping) >= HEADER_MIN_MATCHES:
                return self.match_headers(cells_row, number, mapping)
        raise ValidationError(str(self.no_header) % {"rows": HEADER_SCAN_ROWS}, code="no_header")

    def check_required(self, columns: ColumnMap, exempt: Iterable[str] = ()) -> None:
        """Refuse a file without a required column (``exempt`` ones excepted)."""
        exempt = set(exempt)
        missing = [column for column in self.columns
                   if column.required and column.field not in columns.index and column.field not in exempt]
        if missing:
            raise ValidationError(
                _("Required columns are missing: %(columns)s.")
                % {"columns": "、".join(f"{c.header} ({c.alias})" for c in missing)},
                code="missing_columns",
            )

    # ------------------------------------------------------------ the workbook to fill in
    def workbook(self) -> bytes:
        """The template: the headers, one example row, and a sheet explaining each column."""
        from openpyxl import Workbook
        from openpyxl.styles import Font, PatternFill
        from openpyxl.utils import get_column_letter

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = self.sheet_title
        required = PatternFill("solid", fgColor="FFF2CC")
        sheet.append([column.header for column in self.columns])
        sheet.append([column.example for column in self.columns])
        for index, column in enumerate(self.columns, start=1):
            cell = sheet.cell(row=1, column=index)
            cell.font = Font(bold=True)
            if column.required:
                cell.fill = required
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(12, len(column.example) + 4)
            if column.kind == IDENTIFIER:
                # Codes as text: an 18-digit ID typed into a number cell loses its last digits.
                sheet.column_dimensions[letter].number_format = "@"
                sheet.cell(row=2, column=index).number_format = "@"
        sheet.freeze_panes = "A2"

        notes = workbook.create_sheet("说明 Notes")
        notes.append([_("Column (template header)"), _("English alias"), _("Required"), _("Also recognised"),
                      _("Format and rules")])
        for cell in notes[1]:
            cell.font = Font(bold=True)
        for column in self.columns:
            notes.append([column.header, column.alias, _("Yes") if column.required else "",
                          "、".join(column.synonyms), str(column.note)])
        for letter, width in zip("ABCDE", (14, 22, 8, 40, 90), strict=True):
            notes.column_dimensions[letter].width = width
        notes.append([])
        notes.append([_("Header matching ignores spaces, case, full-width characters and marks such as * or (元); "
                        "the header row may sit below a title. Dates: 2026-03-01, 2026/3/1, 2026年3月1日, 20260301 "
                        "or date cells. Amounts in yuan with at most two decimals.")])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


def pick_mapping(header_candidates: list[tuple[int, list]], mappings: Iterable) -> object | None:
    """Auto-detect: the saved mapping whose headers all appear in the file's header row
    (the one naming most of them, if several)."""
    best, best_size = None, 0
    for mapping in mappings:
        keys = {cells.normalize_key(h) for h in mapping.mapping}
        if not keys:
            continue
        for _number, row in header_candidates:
            present = {cells.normalize_key(cell) for cell in row}
            if keys <= present and len(keys) > best_size:
                best, best_size = mapping, len(keys)
    return best


# ---------------------------------------------------------------- rows and errors
@dataclass
class RowError:
    row: int
    column: str
    value: str
    message: str
    code: str
    field: str = ""

    def as_dict(self) -> dict:
        return {
            "row": self.row, "column": self.column, "field": self.field, "value": self.value,
            "message": self.message, "code": self.code,
        }


@dataclass
class ImportRow:
    """One data row, parsed: ``values`` by field, the raw cells for the report."""

    number: int
    raw: dict[str, object] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def get(self, name, default=None):
        value = self.values.get(name)
        return default if value in (None, "") else value

    def has(self, name) -> bool:
        return self.values.get(name) not in (None, "")


class RowFailure(Exception):
    """A row refused while saving; ``stage`` says whose fields the errors name."""

    def __init__(self, stage: str, error: ValidationError):
        super().__init__(stage)
        self.stage = stage
        self.error = error


def field_error(field_name: str, message: str, code: str) -> ValidationError:
    return ValidationError({field_name: [ValidationError(message, code=code)]})


def message_of(error: ValidationError) -> str:
    """One ValidationError's text, its parameters filled in."""
    message = error.message
    return str(message % error.params if error.params else message)


@dataclass
class ImportCounts:
    processed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_rows: int = 0


class TabularImporter:
    """Reads a file's rows, has a subclass save them, reports every error.

    ``run(reader)`` does the whole file. With ``all_or_nothing`` (the default) or
    ``dry_run``, the file is one transaction and each row a savepoint inside it
    (the subclass's ``_save_chunk``): a bad row is rolled back to its savepoint and
    the next rows are still checked against everything before them, so the report
    lists every error; at the end the transaction is rolled back if any row failed
    (or always, for a dry run). Without ``all_or_nothing``, each chunk is its own
    transaction and only the bad rows are left out.

    A subclass sets ``template``, implements ``_save_chunk(rows)`` (counting each
    row in ``counts``), and may refine parsing (``parse_text``, ``check_identifier``,
    ``complete_row``) and where a service's errors are reported (``STAGE_FIELDS``).
    """

    template: Template
    # Service error keys → the import field (and so the column) they are about, per stage.
    STAGE_FIELDS: dict[str, dict[str, str]] = {}
    # Shown masked in the error report: the report is a file that travels.
    masked_fields: frozenset[str] = frozenset()
    # Column → stored length, for codes the core validators do not check.
    identifier_limits: dict[str, int] = {}

    def __init__(self, *, actor, store, mapping=None, dry_run=False, all_or_nothing=True, errors,
                 on_progress: Callable[[int, int | None], None] | None = None, chunk_size: int = CHUNK_SIZE,
                 today: dt.date | None = None):
        self.actor = actor
        self.store = store
        self.mapping = mapping
        self.dry_run = dry_run
        self.all_or_nothing = all_or_nothing
        self.errors = errors
        self.on_progress = on_progress
        self.chunk_size = chunk_size
        self.today = today or timezone.localdate()
        self.counts = ImportCounts()
        self.columns: ColumnMap | None = None
        self.total: int | None = None

    # ------------------------------------------------------------ the file
    def run(self, reader) -> ImportCounts:
        rows = reader.rows()
        mapping = self.mapping.mapping if self.mapping is not None else None
        self.columns = self.template.find_header(rows, mapping)
        self.check_required(self.columns)
        if reader.total is not None:
            self.total = max(reader.total - self.columns.header_row, 0)
        self._publish()
        if self.all_or_nothing or self.dry_run:
            with transaction.atomic():
                self._process(rows, chunk_transactions=False)
                if self.dry_run or self.counts.error_rows:
                    transaction.set_rollback(True)
        else:
            self._process(rows, chunk_transactions=True)
        return self.counts

    def check_required(self, columns: ColumnMap) -> None:
        self.template.check_required(columns)

    def _publish(self):
        if self.on_progress is not None:
            self.on_progress(self.counts.processed, self.total)

    def _data_rows(self, rows) -> Iterator[tuple[int, list]]:
        for number, cells_row in rows:
            if all(cells.is_blank(cell) for cell in cells_row):
                continue
            if self._is_summary(cells_row):
                continue
            yield number, cells_row

    def _is_summary(self, cells_row) -> bool:
        """A total line: its first filled cell says 合计 (or 总计, 小计) and it names no record."""
        if any(not cells.is_blank(self._cell(cells_row, name)) for name in self.template.summary_fields):
            return False
        first = next((cell for cell in cells_row if not cells.is_blank(cell)), "")
        return cells.normalize_key(first) in SUMMARY_WORDS

    def _process(self, rows, *, chunk_transactions: bool):
        data = self._data_rows(rows)
        while chunk := list(itertools.islice(data, self.chunk_size)):
            parsed = [self.parse_row(number, cells_row) for number, cells_row in chunk]
            if chunk_transactions:
                with transaction.atomic():
                    self._save_chunk(parsed)
            else:
                self._save_chunk(parsed)
            self.counts.processed += len(parsed)
            self._publish()

    def _save_chunk(self, rows: list[ImportRow]):
        raise NotImplementedError

    # ------------------------------------------------------------ parsing
    def _cell(self, cells_row, field_name):
        position = self.columns.index.get(field_name)
        if position is None or position >= len(cells_row):
            return None
        return cells_row[position]

    def parse_row(self, number: int, cells_row: list) -> ImportRow:
        row = ImportRow(number)
        for field_name, position in self.columns.index.items():
            raw = cells_row[position] if position < len(cells_row) else None
            row.raw[field_name] = raw
            try:
                row.values[field_name] = self._parse_cell(field_name, raw)
            except ValidationError as exc:
                for error in exc.error_list:
                    self._add_error(row, field_name, message_of(error), error.code)
        for column in self.template.columns:
            if (column.required and not row.has(column.field) and not self.required_exempt(column.field)
                    and not any(e.field == column.field for e in row.errors)):
                self._add_error(row, column.field, _("This column is required: %(column)s.")
                                % {"column": self.columns.header_of(column.field)}, "required")
        self.complete_row(row)
        return row

    def required_exempt(self, field_name: str) -> bool:
        """A required column that this file may leave empty (e.g. the mapping names the insurer)."""
        return False

    def complete_row(self, row: ImportRow) -> None:
        """Fill what a row implies once every cell is read (a default, a derived amount)."""

    def _parse_cell(self, field_name: str, raw):
        column = self.template.fields[field_name]
        if column.kind == DATE:
            return self.parse_date(field_name, raw)
        if column.kind == MONEY:
            return cells.parse_money(raw)
        if column.kind == COUNT:
            return cells.parse_count(raw)
        if column.kind == IDENTIFIER:
            value = cells.identifier(raw)
            return self.check_identifier(field_name, value) if value else ""
        value = cells.text(raw)
        return self.parse_text(field_name, value) if value else ""

    def parse_date(self, field_name: str, raw):
        return cells.parse_date(raw)

    def parse_text(self, field_name: str, value: str):
        """A text or choice cell, not blank. Choices are read by the subclass."""
        return value

    def check_identifier(self, field_name: str, value: str) -> str:
        if field_name in IDENTIFIER_CHECKS:
            return IDENTIFIER_CHECKS[field_name](value)
        limit = self.identifier_limits.get(field_name)
        if limit is not None and len(value) > limit:
            raise ValidationError(_("At most %(limit)s characters.") % {"limit": limit}, code="max_length")
        return value

    @staticmethod
    def choice(table: dict[str, str], value: str, message, code: str) -> str:
        """A choice cell read through ``table`` (normalised word → value)."""
        found = table.get(cells.normalize_key(value))
        if found is None:
            raise ValidationError(message, code=code)
        return found

    # ------------------------------------------------------------ errors
    def _add_error(self, row: ImportRow, field_name: str, message, code):
        value = cells.display(row.raw.get(field_name))
        if field_name in self.masked_fields:
            value = crypto.mask_identifier(value.replace(" ", ""))
        row.errors.append(RowError(
            row=row.number, column=self.columns.header_of(field_name), value=value, message=str(message),
            code=code or "invalid", field=field_name,
        ))

    def _add_service_errors(self, row: ImportRow, stage: str, error: ValidationError):
        """A service's ValidationError, each message on the column it is about (``STAGE_FIELDS``)."""
        fields = self.STAGE_FIELDS[stage]
        if not hasattr(error, "error_dict"):
            error = ValidationError({NON_FIELD_ERRORS: error.error_list})
        for key, errors in error.error_dict.items():
            for item in errors:
                message = message_of(item)
                target = self.error_target(row, stage, key, message) or fields.get(key, fields[NON_FIELD_ERRORS])
                self._add_error(row, target, message, item.code)

    def error_target(self, row: ImportRow, stage: str, key: str, message: str) -> str | None:
        """The column of a service error where ``STAGE_FIELDS`` cannot tell (None: use it)."""
        return None

    def save_in_savepoint(self, row: ImportRow, key_field: str, save: Callable[[], object]):
        """Run ``save()`` in its own savepoint; on a refusal the row is forgotten, its errors
        reported (on the columns they are about; a database refusal on ``key_field``)
        and None returned — the rows before and after it are unaffected."""
        try:
            with transaction.atomic():
                return save()
        except RowFailure as failure:
            self._forget(row)
            self._add_service_errors(row, failure.stage, failure.error)
        except DatabaseError as exc:
            self._forget(row)
            self._add_error(row, key_field, _("The database refused the row: %(error)s") % {"error": exc},
                            "database")
        self._fail(row)
        return None

    def _forget(self, row: ImportRow):
        """Undo what this importer remembered of a row whose savepoint was rolled back."""

    def _fail(self, row: ImportRow):
        self.counts.error_rows += 1
        for error in row.errors:
            self.errors.add(error)

    def file_error(self, error: ValidationError, row: int = 1):
        """An error about the whole file (no header, missing columns…): reported as on ``row``."""
        for item in error.error_list:
            self.errors.add(RowError(row=row, column="", value="", message=message_of(item), code=item.code or "file"))

    # ------------------------------------------------------------ saving
    def insert_pending(self, model, pending: list[tuple[ImportRow, object]], *, field_name: str, message) -> list:
        """Insert a chunk's new rows in one statement; returns the saved objects.

        Every rule was checked when each row was prepared, against the database and
        the rows before it. Only a record saved by someone else since then can make
        the insert fail: then they are inserted one by one, and each clashing row is
        reported on ``field_name`` with ``message`` (``concurrent_insert``) and
        taken out of the created count.
        """
        objects = [obj for _row, obj in pending]
        try:
            with transaction.atomic():
                model.objects.bulk_create(objects)
        except IntegrityError:
            objects = []
            for row, obj in pending:
                obj.pk = None
                try:
                    with transaction.atomic():
                        model.objects.bulk_create([obj])
                except IntegrityError:
                    self.counts.created -= 1
                    self._add_error(row, field_name, message, "concurrent_insert")
                    self._fail(row)
                    continue
                objects.append(obj)
        return objects
