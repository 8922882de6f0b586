"""The identifier check rules of DOMAIN.md §6, with known vectors, generated
vectors cross-checked against python-stdnum, and hostile input."""

import random
import string

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from chexian.core import demo_data
from chexian.core.validators import (
    resident_id_check_digit,
    uscc_check_char,
    validate_mobile,
    validate_plate,
    validate_resident_id,
    validate_uscc,
    validate_vin,
    vin_check_digit,
)


def code_of(func, value):
    with pytest.raises(ValidationError) as exc:
        func(value)
    return exc.value.code


# ------------------------------------------------------------------ resident ID
@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",  # DOMAIN.md's example
        "11010519491231002x",  # lower-case x is normalised
        "440524188001010014",  # GB 11643's own example: a retired county code, still valid
        " 110105 19491231002X ",
    ],
)
def test_valid_resident_ids_are_accepted_and_normalised(number):
    assert validate_resident_id(number) == number.replace(" ", "").upper()


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "ric_check_digit"),
        ("11010519491231002", "ric_format"),
        ("1101051949123100211", "ric_format"),
        ("11010519491331002X", "ric_birth_date"),  # month 13
        ("11010519490230002X", "ric_birth_date"),  # 30 February
        ("11010530000101002X", "ric_birth_date"),  # born in the future
        ("A1010519491231002X", "ric_format"),
        ("", "ric_format"),
    ],
)
def test_invalid_resident_ids_name_the_rule(number, code):
    assert code_of(validate_resident_id, number) == code


def test_retired_area_code_is_valid_here_though_stdnum_rejects_it():
    # DOMAIN.md §6: never refuse an ID number for its area code.
    assert not stdnum_ric.is_valid("440524188001010014")
    assert validate_resident_id("440524188001010014")


def test_resident_id_check_digit_agrees_with_stdnum_on_generated_numbers():
    rng = random.Random(11)
    for _ in range(2000):
        number = demo_data.resident_id(rng)
        assert validate_resident_id(number) == number
        # stdnum also checks the county existed in the birth year; only the check digit is compared.
        first17 = number[:17]
        assert resident_id_check_digit(first17) == stdnum_ric.calc_check_digit(first17 + "0")


@settings(max_examples=300)
@given(st.text(alphabet=string.digits, min_size=17, max_size=17))
def test_resident_id_check_digit_matches_stdnum_for_any_17_digits(first17):
    assert resident_id_check_digit(first17) == stdnum_ric.calc_check_digit(first17 + "0")


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_resident_id_validator_never_crashes_on_hostile_text(text):
    try:
        validate_resident_id(text)
    except ValidationError as exc:
        assert exc.code.startswith("ric_")


def test_every_wrong_check_digit_is_refused():
    first17 = "11010519491231002"
    for digit in "0123456789":
        assert code_of(validate_resident_id, first17 + digit) == "ric_check_digit"


# ------------------------------------------------------------------ VIN
@pytest.mark.parametrize("vin", ["LSVAM4187C2184847", "lsvam4187c2184847", "1M8GDM9AXKP042788"])
def test_valid_vins_are_accepted(vin):
    assert validate_vin(vin) == vin.upper()


@pytest.mark.parametrize(
    ("vin", "code"),
    [
        ("LSVAM4188C2184847", "vin_check_digit"),  # wrong position-9 digit
        ("LSVAM4187C218484", "vin_length"),
        ("LSVAM4187C21848477", "vin_length"),
        ("LSVAM4187C218484O", "vin_characters"),  # letter O
        ("ISVAM4187C2184847", "vin_characters"),  # letter I
        ("LSVAM4187C218484Q", "vin_characters"),  # letter Q
        ("LSVAM4187C21848-7", "vin_characters"),
        ("", "vin_length"),
    ],
)
def test_invalid_vins_name_the_rule(vin, code):
    assert code_of(validate_vin, vin) == code


def test_generated_vins_are_valid_and_any_changed_check_digit_is_refused():
    rng = random.Random(5)
    for serial in range(500):
        vin = demo_data.vin(rng, serial)
        assert validate_vin(vin) == vin
        for wrong in "0123456789X":
            if wrong != vin[8]:
                assert code_of(validate_vin, vin[:8] + wrong + vin[9:]) == "vin_check_digit"
                break


def test_vin_check_digit_ten_is_x():
    # Position 9 is X when the weighted sum leaves 10 (ISO 3779 as China applies it).
    assert vin_check_digit("1M8GDM9A0KP042788") == "X"


# ------------------------------------------------------------------ plates
@pytest.mark.parametrize(
    "plate",
    [
        "粤B12345", "京A·88888", "沪A 1B2C3", "川AD12345", "粤BFA1234", "粤B12345D",  # new energy, large
        "粤B1234学", "粤B1234挂", "粤Z1234港",
    ],
)
def test_valid_plates_are_accepted(plate):
    assert validate_plate(plate) == plate.replace("·", "").replace(" ", "")


@pytest.mark.parametrize(
    ("plate", "code"),
    [
        ("B12345", "plate_province"),
        ("X粤12345", "plate_province"),
        ("粤I12345", "plate_format"),  # no I as authority letter
        ("粤B1234O", "plate_format"),  # no O
        ("粤B123456", "plate_new_energy_format"),  # 8 chars but not a green-plate pattern
        ("粤BA12345", "plate_new_energy_format"),
        ("粤B123", "plate_format"),
        ("粤B1234567", "plate_format"),
        ("", "plate_empty"),
    ],
)
def test_invalid_plates_name_the_rule(plate, code):
    assert code_of(validate_plate, plate) == code


def test_generated_plates_are_valid():
    for index in range(2000):
        assert validate_plate(demo_data.plate(index))
        assert validate_plate(demo_data.plate(index, new_energy=True))


# ------------------------------------------------------------------ USCC
@pytest.mark.parametrize("code", ["91350100M000100Y43", "91350100m000100y43"])
def test_valid_uscc(code):
    assert validate_uscc(code) == code.upper()


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("91350100M000100Y44", "uscc_check_digit"),
        ("91350100M000100Y4", "uscc_format"),
        ("91350100M000100YI3", "uscc_format"),  # I is not in the alphabet
        ("91350100M000100YS3", "uscc_format"),  # neither is S
    ],
)
def test_invalid_uscc_names_the_rule(code, rule):
    assert code_of(validate_uscc, code) == rule


def test_uscc_check_character_agrees_with_stdnum():
    rng = random.Random(3)
    for _ in range(2000):
        code = demo_data.uscc(rng)
        assert validate_uscc(code) == code
        assert stdnum_uscc.is_valid(code)
        assert uscc_check_char(code[:17]) == stdnum_uscc.calc_check_digit(code[:17])


# ------------------------------------------------------------------ mobile
@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"), ("0086 19912345678", "19912345678")],
)
def test_valid_mobiles(raw, normalised):
    assert validate_mobile(raw) == normalised


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "02012345678", "abc"])
def test_invalid_mobiles(raw):
    assert code_of(validate_mobile, raw) == "mobile_format"
