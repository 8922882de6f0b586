"""Reading one spreadsheet cell as text, an identifier, a date or an amount.

Cells come from python-calamine (str, float, int, bool, date, datetime, time,
timedelta) or from a CSV (always str). Each function returns the value or
raises ``ValidationError`` with a message naming the rule and a stable code, so
the import's error report can say what is wrong with the cell.

Chinese spreadsheets write dates as 2026-03-01, 2026/3/1, 2026.3.1,
2026年3月1日 or 20260301; a date cell arrives as a date, an unformatted one as
an Excel serial number (46082). Amounts arrive as floats from .xlsx: they are
read through ``str()`` (the shortest repr, so 1234.56 stays 1234.56) and never
computed with as floats.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
# Float noise below this is the float's, not the amount's (1234.5600000000002).
FLOAT_NOISE = Decimal("0.000001")
# Excel's day 0 in the 1900 date system (its phantom 29 February 1900 included).
EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serial numbers taken for dates: 1950-01-01 … 2099-12-31. Anything else is a number.
EXCEL_SERIAL_RANGE = (18_264, 73_050)
# A float carries 15 significant digits safely: a longer number typed into a
# number cell (an 18-digit ID) has lost its last digits.
SAFE_DIGITS = 15
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u00a0\u3000"), " ")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(.*)$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(.*)$")
_CLOCK = re.compile(r"^[T\s]*(\d{1,2})(?:[:：时點点](\d{1,2})?)?(?:[:：分](\d{1,2}(?:\.\d+)?)?)?秒?(?:分)?$")
_MONEY_NOISE = re.compile(r"[\s,，¥￥元]|RMB|CNY", re.IGNORECASE)


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.translate(_INVISIBLE).strip())


def text(value) -> str:
    """Free text (a name): trimmed, invisible spaces gone, a whole number without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return " ".join(str(value).translate(_INVISIBLE).split())


def display(value) -> str:
    """The cell as the error report shows it."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return text(value)


def identifier(value) -> str:
    """A code typed as text (VIN, ID number, policy number, plate, mobile).

    Full-width characters become half-width (Ｌ→L, ０→0) and spaces go. A number
    cell is accepted while it is exact; an 18-digit ID number or a long policy
    number typed into a number cell has lost its last digits to the float, and
    a CSV shows it as 1.10105E+17: both are refused rather than imported wrong.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        raise ValidationError(_("Expected a code, found a yes/no cell."), code="not_text")
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            raise ValidationError(_("Expected a code, found a decimal number."), code="not_text")
        digits = str(int(value))
        if len(digits.lstrip("-")) > SAFE_DIGITS:
            raise _number_cell_error()
        return digits
    if isinstance(value, dt.date):
        raise ValidationError(_("Expected a code, found a date."), code="not_text")
    result = unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE)
    result = "".join(result.split())
    if _SCIENTIFIC.match(result):
        raise _number_cell_error()
    return result


def _number_cell_error() -> ValidationError:
    return ValidationError(
        _(
            "The spreadsheet stored this code as a number and kept only %(digits)s digits: "
            "format the column as text and export again."
        )
        % {"digits": SAFE_DIGITS},
        code="number_lost_digits",
    )


def _date_error() -> ValidationError:
    return ValidationError(
        _("Not a date: write it as 2026-03-01, 2026/3/1, 2026年3月1日 or 20260301."), code="date_format"
    )


def _make_date(year, month, day) -> dt.date:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise ValidationError(_("No such day in the calendar."), code="date_invalid") from None


def _clock(rest: str) -> tuple[int, int, float] | None:
    """The time after a date ("00:00:00", "24时", "零时"), or None when there is none."""
    rest = rest.strip()
    if not rest:
        return None
    rest = rest.replace("二十四时", "24时").replace("二十四点", "24时").replace("零时", "0时").replace("零点", "0时")
    rest = rest.removesuffix("起").removesuffix("止").strip()
    match = _CLOCK.match(rest)
    if not match:
        raise _date_error()
    hour, minute, second = int(match[1]), int(match[2] or 0), float(match[3] or 0)
    if hour > 24 or minute > 59 or second >= 60 or (hour == 24 and (minute or second)):
        raise _date_error()
    return hour, minute, second


def _apply_clock(day: dt.date, clock: tuple[int, int, float] | None, *, end: bool) -> dt.date:
    """Policy periods run from 00:00 of the start date to 24:00 of the end date.

    Insurer systems write the end either as "2027-02-28 24:00" (or 23:59:59) or as
    "2027-03-01 00:00" (零时止): both are the policy's last day 2027-02-28. A
    start at 24:00 is 00:00 of the next day.
    """
    if clock is None:
        return day
    hour, minute, second = clock
    if hour == 24:
        return day if end else day + dt.timedelta(days=1)
    if end and hour == 0 and minute == 0 and second == 0:
        return day - dt.timedelta(days=1)
    return day


def parse_date(value, *, end: bool = False) -> dt.date | None:
    """A date cell in any of the forms Chinese spreadsheets use; None when blank.

    ``end``: the cell is a period's end, where an explicit 00:00 means the day before
    (see ``_apply_clock``).
    """
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        clock = (value.hour, value.minute, value.second + value.microsecond / 1e6)
        return _apply_clock(value.date(), clock, end=end)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise _date_error()
    if isinstance(value, int | float):
        return _date_from_number(float(value), end=end)
    raw = unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE).strip()
    if match := _DATE.match(raw):
        day = _make_date(match[1], match[2], match[3])
        return _apply_clock(day, _clock(match[4]), end=end)
    if match := _COMPACT_DATE.match(raw):
        day = _make_date(match[1], match[2], match[3])
        return _apply_clock(day, _clock(match[4]), end=end)
    try:
        number = float(raw)
    except ValueError:
        raise _date_error() from None
    return _date_from_number(number, end=end)


def _date_from_number(number: float, *, end: bool) -> dt.date:
    if number.is_integer() and 19_000_101 <= number <= 21_001_231:  # 20260301 typed as a number
        text_value = str(int(number))
        return _make_date(text_value[:4], text_value[4:6], text_value[6:])
    if EXCEL_SERIAL_RANGE[0] <= number <= EXCEL_SERIAL_RANGE[1] + 1:
        whole = int(number)
        day = EXCEL_EPOCH + dt.timedelta(days=whole)
        fraction = number - whole
        if fraction:
            seconds = round(fraction * 86_400)
            return _apply_clock(day, (seconds // 3600, seconds % 3600 // 60, seconds % 60), end=end)
        return day
    raise _date_error()


def _too_many_decimals() -> ValidationError:
    return ValidationError(_("Money has at most two decimals (fen)."), code="money_decimals")


def parse_money(value) -> Decimal | None:
    """An amount in yuan as a Decimal with two places; None when blank.

    Text may carry ¥, 元 and thousands separators. A text amount with more than
    two decimals is refused; a float cell is read through ``str()`` and only
    float noise (below a millionth of a yuan) is rounded away.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValidationError(_("Not an amount of money."), code="money_format")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(str(value))
        rounded = amount.quantize(CENT)
        if amount != rounded and abs(amount - rounded) < FLOAT_NOISE:
            amount = rounded
    elif isinstance(value, str):
        raw = _MONEY_NOISE.sub("", unicodedata.normalize("NFKC", value).translate(_INVISIBLE))
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            raise ValidationError(
                _("Not an amount of money: write it like 1234.56 (¥, 元 and thousands separators are fine)."),
                code="money_format",
            ) from None
    else:
        raise ValidationError(_("Not an amount of money."), code="money_format")
    if not amount.is_finite():
        raise ValidationError(_("Not an amount of money."), code="money_format")
    if amount != amount.quantize(CENT):
        raise _too_many_decimals()
    return amount.quantize(CENT)


def normalize_key(value) -> str:
    """How headers and choice words are compared: width, case, spaces, marks and units ignored.

    "保单号 *", "保单号（必填）", " Policy_Number " and "POLICY NUMBER" all become the
    same key; so do "保费(元)" and "保费".
    """
    key = unicodedata.normalize("NFKC", text(value)).lower()
    key = re.sub(r"\((元|rmb|cny|yuan|必填|选填|required|optional)\)$", "", key)
    return re.sub(r"[\s_\-*:.·/]+", "", key)


_COUNT_NOISE = re.compile(r"[\s,，]|km|公里|千米", re.IGNORECASE)


def parse_count(value) -> int | None:
    """A whole number such as a mileage: 35000, "35,000", "35000 km", "35000公里"; None when blank."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValidationError(_("Not a whole number."), code="count_format")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValidationError(_("Not a whole number."), code="count_format")
        number = int(value)
    else:
        raw = _COUNT_NOISE.sub("", unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE))
        if not raw.isdigit():
            raise ValidationError(_("Not a whole number: write it like 35000."), code="count_format")
        number = int(raw)
    if number < 0:
        raise ValidationError(_("Not a whole number: write it like 35000."), code="count_format")
    return number
