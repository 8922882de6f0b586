"""Check rules for Chinese identifiers (DOMAIN.md §6).

Each validator normalises its input, raises ``ValidationError`` whose message
names the rule that failed (and whose ``code`` is stable for the API), and
returns the normalised value. They are plain functions so forms, serializers,
model ``clean()`` and importers share one implementation.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# ---------------------------------------------------------------- resident ID
_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RIC_CHECK = "10X98765432"
_RIC_RE = re.compile(r"^\d{17}[\dX]$")


def resident_id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 as GB 11643 applies it."""
    total = sum(int(c) * w for c, w in zip(first17, _RIC_WEIGHTS, strict=True))
    return _RIC_CHECK[total % 11]


def validate_resident_id(value: str) -> str:
    """GB 11643 resident identity number: format, birth date and check digit.

    The area code is deliberately not checked against a county table: people keep
    numbers whose county was later abolished (GB 11643's own example 440524…).
    """
    number = (value or "").strip().upper().replace(" ", "")
    if not _RIC_RE.match(number):
        raise ValidationError(
            _("Resident ID (GB 11643) must be 17 digits followed by a digit or X."), code="ric_format"
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("Resident ID (GB 11643): positions 7–14 are not a valid birth date."), code="ric_birth_date"
        ) from None
    if birth.year < 1880 or birth > dt.date.today():  # noqa: DTZ011 (a calendar date, no time zone)
        raise ValidationError(
            _("Resident ID (GB 11643): the birth date is out of range."), code="ric_birth_date"
        )
    if resident_id_check_digit(number[:17]) != number[17]:
        raise ValidationError(
            _("Resident ID (GB 11643): the check digit (ISO 7064 MOD 11-2) does not match."),
            code="ric_check_digit",
        )
    return number


# ---------------------------------------------------------------- VIN
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def vin_check_digit(vin: str) -> str:
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def validate_vin(value: str) -> str:
    """GB 16735 / ISO 3779 VIN: 17 characters without I, O, Q, and the position-9
    check digit, which China makes mandatory."""
    vin = (value or "").strip().upper().replace(" ", "")
    if len(vin) != 17:
        raise ValidationError(_("VIN (GB 16735) must be exactly 17 characters."), code="vin_length")
    if not _VIN_RE.match(vin):
        raise ValidationError(
            _("VIN (GB 16735) may contain only digits and letters other than I, O and Q."),
            code="vin_characters",
        )
    if vin_check_digit(vin) != vin[8]:
        raise ValidationError(
            _("VIN (GB 16735): the check digit in position 9 does not match."), code="vin_check_digit"
        )
    return vin


# ---------------------------------------------------------------- plate
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_SUFFIXES = "学警挂港澳领使"
# GA 36: province + issuing-authority letter + 5 characters (letters except I/O, digits),
# the last may be one of the special suffixes.
_PLATE_ORDINARY = re.compile(rf"^[{PROVINCES}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9{_PLATE_SUFFIXES}]$")
# New-energy (green) plates, 8 characters: small cars D/F + letter-or-digit + 4 digits;
# large vehicles 5 digits + D/F.
_PLATE_NEV_SMALL = re.compile(rf"^[{PROVINCES}][A-HJ-NP-Z][DF][A-HJ-NP-Z0-9]\d{{4}}$")
_PLATE_NEV_LARGE = re.compile(rf"^[{PROVINCES}][A-HJ-NP-Z]\d{{5}}[DF]$")


def normalize_plate(value: str) -> str:
    return (value or "").strip().upper().replace("·", "").replace("•", "").replace(" ", "").replace("-", "")


def is_new_energy_plate(plate: str) -> bool:
    return bool(_PLATE_NEV_SMALL.match(plate) or _PLATE_NEV_LARGE.match(plate))


def validate_plate(value: str) -> str:
    """GA 36 plate: 7 characters, or 8 for new-energy plates. No check digit exists."""
    plate = normalize_plate(value)
    if not plate:
        raise ValidationError(_("Plate number (GA 36) is empty."), code="plate_empty")
    if plate[0] not in PROVINCES:
        raise ValidationError(
            _("Plate number (GA 36) must start with a province abbreviation such as 京 or 粤."),
            code="plate_province",
        )
    if len(plate) == 8:
        if is_new_energy_plate(plate):
            return plate
        raise ValidationError(
            _(
                "Plate number (GA 36): an 8-character new-energy plate has D or F after the letter "
                "(small cars) or at the end (large vehicles) and digits elsewhere."
            ),
            code="plate_new_energy_format",
        )
    if len(plate) == 7 and _PLATE_ORDINARY.match(plate):
        return plate
    raise ValidationError(
        _(
            "Plate number (GA 36) must be a province, a letter and 5 letters or digits (no I or O), "
            "or 6 for a new-energy plate."
        ),
        code="plate_format",
    )


# ---------------------------------------------------------------- USCC
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """GB 32100 unified social credit code: 18 characters and its check character."""
    code = (value or "").strip().upper().replace(" ", "")
    if not _USCC_RE.match(code):
        raise ValidationError(
            _("Unified social credit code (GB 32100) must be 18 characters from 0-9 and A-Y without I, O, S, V, Z."),
            code="uscc_format",
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("Unified social credit code (GB 32100): the check character does not match."),
            code="uscc_check_digit",
        )
    return code


# ---------------------------------------------------------------- mobile
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_mobile(value: str) -> str:
    number = re.sub(r"[\s\-()]", "", value or "")
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    return number


def validate_mobile(value: str) -> str:
    """Mainland mobile number: 1, then 3–9, then 9 digits (an optional +86 is dropped)."""
    number = normalize_mobile(value)
    if not _MOBILE_RE.match(number):
        raise ValidationError(
            _("Mobile number must be 11 digits starting with 13–19 (mainland China)."), code="mobile_format"
        )
    return number
