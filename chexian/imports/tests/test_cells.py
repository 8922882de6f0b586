"""Reading cells: the date and amount forms Chinese spreadsheets use, codes in
number cells, and header matching. No database."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from chexian.imports import cells
from chexian.imports.policy_import import match_headers, validate_mapping

D = dt.date(2026, 3, 1)
# Spreadsheet cells carry no time zone: calamine hands out naive datetimes.
CELL_MIDNIGHT = dt.datetime(2026, 3, 1, 0, 0)  # noqa: DTZ001
END_MIDNIGHT = dt.datetime(2027, 3, 1, 0, 0)  # noqa: DTZ001


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-01", "2026-3-1", "2026/3/1", "2026/03/01", "2026.3.1", "2026年3月1日", "2026年03月01日",
        "20260301", 20260301, 20260301.0, 46082, 46082.0, "46082", D, CELL_MIDNIGHT,
        "２０２６－０３－０１", " 2026-03-01 ", "2026-03-01 00:00:00", "2026年3月1日零时", "2026-03-01T08:30",
    ],
)
def test_start_dates_in_the_forms_chinese_spreadsheets_use(value):
    assert cells.parse_date(value) == D


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2027-02-28", dt.date(2027, 2, 28)),
        ("2027-02-28 24:00", dt.date(2027, 2, 28)),
        ("2027-02-28 23:59:59", dt.date(2027, 2, 28)),
        ("2027年2月28日24时", dt.date(2027, 2, 28)),
        ("2027年2月28日二十四时止", dt.date(2027, 2, 28)),
        # 零时止: the policy ends at the start of 1 March, i.e. with 28 February.
        ("2027-03-01 00:00:00", dt.date(2027, 2, 28)),
        ("2027年3月1日零时", dt.date(2027, 2, 28)),
        (END_MIDNIGHT, dt.date(2027, 2, 28)),
        (dt.date(2027, 3, 1), dt.date(2027, 3, 1)),
    ],
)
def test_end_dates_read_24_00_and_00_00_as_the_insurers_mean_them(value, expected):
    assert cells.parse_date(value, end=True) == expected


@pytest.mark.parametrize(("value", "code"), [
    ("2026-02-30", "date_invalid"), ("明天", "date_format"), ("3/1/2026", "date_format"), (True, "date_format"),
    (12.5, "date_format"), ("2026-03-01 25:00", "date_format"),
])
def test_a_bad_date_is_refused_naming_the_forms(value, code):
    with pytest.raises(ValidationError) as exc:
        cells.parse_date(value)
    assert exc.value.code == code


def test_blank_date_is_none():
    assert cells.parse_date("  ") is None and cells.parse_date(None) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234.56", "1234.56"), (1234.56, "1234.56"), (1234.5600000000002, "1234.56"), (0.1 + 0.2, "0.30"),
        (950, "950.00"), ("¥1,234.50", "1234.50"), ("1,234.5元", "1234.50"), ("１２３４．５６", "1234.56"),
        ("RMB 10", "10.00"), (Decimal("7.1"), "7.10"), ("-5.00", "-5.00"),
    ],
)
def test_money_is_a_decimal_without_float_drift(value, expected):
    amount = cells.parse_money(value)
    assert isinstance(amount, Decimal) and str(amount) == expected


@pytest.mark.parametrize(("value", "code"), [
    ("12.345", "money_decimals"), (12.345, "money_decimals"), ("一百元", "money_format"), ("NaN", "money_format"),
    (True, "money_format"),
])
def test_money_with_more_than_two_decimals_or_no_number_is_refused(value, code):
    with pytest.raises(ValidationError) as exc:
        cells.parse_money(value)
    assert exc.value.code == code


def test_codes_in_number_cells():
    assert cells.identifier(13812345678.0) == "13812345678"
    assert cells.identifier(" ｌｓｖ 12 ") == "lsv12"
    for lost in (1.1010519491231e17, "1.10105E+17"):
        with pytest.raises(ValidationError) as exc:
            cells.identifier(lost)
        assert exc.value.code == "number_lost_digits"


def test_headers_match_ignoring_spaces_case_width_and_marks():
    headers = [" 保单号 *", "POLICY NUMBER2", "Insurer", "险种（必填）", "保费(元)", "VIN", "start_date", "备注"]
    columns = match_headers(headers, header_row=3)
    assert columns.index == {"policy_number": 0, "insurer": 2, "line": 3, "premium": 4, "vin": 5, "start_date": 6}
    assert columns.ignored == ["POLICY NUMBER2", "备注"]
    assert columns.header_of("premium") == "保费(元)"
    assert columns.header_of("end_date") == "终保日期"  # a missing column is named as in the template


def test_a_mapping_reads_an_insurer_layout_first():
    mapping = validate_mapping({"车辆识别码": "vin", "保险止期 ": "end_date", "备注": ""})
    columns = match_headers(["车辆识别码", "保险止期", "备注", "保单号"], header_row=1, mapping=mapping)
    assert columns.index == {"vin": 0, "end_date": 1, "policy_number": 3}


@pytest.mark.parametrize("mapping", [{"A": "nope"}, {"A": "vin", "B": "车架号"}, {" ": "vin"}, ["vin"]])
def test_a_bad_mapping_is_refused(mapping):
    with pytest.raises(ValidationError):
        validate_mapping(mapping)


def test_two_columns_for_one_field_are_refused():
    with pytest.raises(ValidationError) as exc:
        match_headers(["车架号", "VIN"], header_row=1)
    assert exc.value.code == "header_twice"
