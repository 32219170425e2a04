"""Money: exact Decimal in 元 to the 分, parsed once from text and never from floats."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.errors import InvalidInputError
from tracker.domain.money import (
    MAX_AMOUNT,
    fmt_yuan,
    fmt_yuan_grouped,
    from_fen,
    parse_amount,
    to_fen,
    to_wan,
)


def refused(value: object, *, wan: bool = False, field: str = "金额") -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        parse_amount(value, wan=wan, field=field)  # type: ignore[arg-type]
    assert caught.value.field == field
    return caught.value


# ------------------------------------------------------------------ parse_amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1000", "1000.00"),
        ("0.01", "0.01"),
        ("123456.78", "123456.78"),
        ("  42.5 ", "42.50"),
        ("1.500", "1.50"),  # trailing zeros are not a third decimal
        ("7544.13", "7544.13"),
    ],
)
def test_parses_positive_amount_exactly_to_the_fen(text: str, expected: str) -> None:
    value = parse_amount(text)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)
    assert str(value) == expected  # always two places, so it prints as the wire format


def test_accepts_int_and_decimal_inputs() -> None:
    assert str(parse_amount(100)) == "100.00"
    assert str(parse_amount(Decimal("12.3"))) == "12.30"


@pytest.mark.parametrize("text", ["1.001", "0.005", "100.999", "0.001"])
def test_refuses_a_third_decimal_instead_of_rounding(text: str) -> None:
    error = refused(text)
    assert "两位小数" in error.message


def test_refusal_names_the_field_given_by_the_caller() -> None:
    error = refused("1.001", field="支付金额")
    assert str(error).startswith("支付金额：")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234,567.89", "1234567.89"),
        ("1，000", "1000.00"),  # full-width comma from a Chinese input method
        ("12,000.5", "12000.50"),
    ],
)
def test_accepts_thousands_separators(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["1,2", "1,5.00", "12,34.5", "1,,000", ",100", "100,", "1234,567.00", "1,234,56", "1.234,56"]
)
def test_refuses_a_comma_that_is_not_a_thousands_separator(text: str) -> None:
    """``1,2`` may be a decimal comma (1.2 元): dropping the comma would record 12 元."""
    with pytest.raises(InvalidInputError) as caught:
        parse_amount(text)
    assert caught.value.field == "金额"
    assert "千位分隔符" in caught.value.message


@given(st.integers(min_value=1, max_value=10**14))
def test_any_amount_written_with_thousands_separators_reads_back(fen: int) -> None:
    amount = Decimal(fen).scaleb(-2)
    assert parse_amount(f"{amount:,.2f}") == amount
    assert parse_amount(f"{amount:,.2f}".replace(",", "，")) == amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7544.13", "75441300.00"),  # seed 003: 城乡居民医保基金区级配套, 万元
        ("50", "500000.00"),
        ("0.000001", "0.01"),  # one 分 is the sixth decimal of a 万元
        ("1.234567", "12345.67"),
    ],
)
def test_converts_wan_yuan_exactly(text: str, expected: str) -> None:
    value = parse_amount(text, wan=True)
    assert value == Decimal(expected)
    assert str(value) == expected


@pytest.mark.parametrize("text", ["0.0000001", "1.2345678"])
def test_refuses_wan_amounts_finer_than_a_fen(text: str) -> None:
    error = refused(text, wan=True)
    assert "六位小数" in error.message


@pytest.mark.parametrize("value", [1.5, 1.0, 0.1, 1e3])
def test_refuses_floats_even_when_they_look_exact(value: float) -> None:
    error = refused(value)
    assert "浮点" in error.message


@pytest.mark.parametrize("text", ["0", "0.00", "-0", "-5", "-0.01"])
def test_refuses_zero_and_negative_amounts(text: str) -> None:
    error = refused(text)
    assert "大于零" in error.message


@pytest.mark.parametrize("text", ["", "   ", "abc", "12元", "1.2.3", "NaN", "Infinity", "-inf"])
def test_refuses_text_that_is_not_a_number(text: str) -> None:
    refused(text)


def test_accepts_the_largest_allowed_amount() -> None:
    assert parse_amount("1000000000000.00") == MAX_AMOUNT
    assert parse_amount("999,999,999,999.99") == Decimal("999999999999.99")


@pytest.mark.parametrize(
    ("text", "wan"),
    [("1000000000000.01", False), ("100000000.01", True), ("10000000000000", False)],
)
def test_refuses_amounts_above_the_typo_guard(text: str, wan: bool) -> None:
    error = refused(text, wan=wan)
    assert "最大金额" in error.message


@pytest.mark.parametrize("text", ["1e20", "1e13", "1E+2", "5e-1"])
def test_refuses_scientific_notation(text: str) -> None:
    assert "科学计数法" in refused(text).message


@pytest.mark.parametrize("value", ["1e30", "12345678901234567890123456789", 10**30])
def test_refuses_absurdly_huge_amounts_as_invalid_input(value: object) -> None:
    refused(value)


# ------------------------------------------------------------------ 分 storage


@given(st.integers(min_value=0, max_value=10**14))
def test_fen_round_trips_through_decimal(fen: int) -> None:
    amount = from_fen(fen)
    assert isinstance(amount, Decimal)
    assert amount.as_tuple().exponent == -2
    back = to_fen(amount)
    assert type(back) is int
    assert back == fen


@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_decimal_round_trips_through_fen(amount: Decimal) -> None:
    assert from_fen(to_fen(amount)) == amount


@pytest.mark.parametrize(
    ("amount", "fen"),
    [
        (Decimal("0.01"), 1),
        (Decimal("1"), 100),
        (Decimal("123.45"), 12345),
        (Decimal("-7.50"), -750),
        (Decimal("999999999999.99"), 99999999999999),
    ],
)
def test_to_fen_is_exact(amount: Decimal, fen: int) -> None:
    assert to_fen(amount) == fen
    assert from_fen(fen) == amount


# ------------------------------------------------------------------ formatting


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("1000"), "1000.00"),
        (Decimal("0.5"), "0.50"),
        (Decimal("1234567.89"), "1234567.89"),
        (Decimal("1E+3"), "1000.00"),
        (Decimal("-3.1"), "-3.10"),
    ],
)
def test_wire_format_has_exactly_two_decimals_and_no_separators(amount: Decimal, text: str) -> None:
    assert fmt_yuan(amount) == text


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("1234567.8"), "1,234,567.80"),
        (Decimal("999.99"), "999.99"),
        (Decimal("1000"), "1,000.00"),
        (Decimal("100000000"), "100,000,000.00"),
    ],
)
def test_grouped_format_separates_thousands(amount: Decimal, text: str) -> None:
    assert fmt_yuan_grouped(amount) == text


@pytest.mark.parametrize(
    ("amount", "wan"),
    [
        (Decimal("75441300.00"), Decimal("7544.13")),
        (Decimal("5000"), Decimal("0.50")),
        (Decimal("100"), Decimal("0.01")),
        (Decimal("0.01"), Decimal("0.00")),
    ],
)
def test_to_wan_prints_two_decimals(amount: Decimal, wan: Decimal) -> None:
    result = to_wan(amount)
    assert result == wan
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("amount", "wan"), [(Decimal("250.00"), Decimal("0.03")), (Decimal("50.00"), Decimal("0.01"))]
)
def test_to_wan_rounds_half_up(amount: Decimal, wan: Decimal) -> None:
    assert to_wan(amount) == wan


@given(st.integers(min_value=-(10**20), max_value=10**20))
def test_from_fen_is_the_division_by_100_quantized_to_the_fen(fen: int) -> None:
    """The exponent shift gives the very Decimal (value, digits and exponent) of the
    plain division it replaced, negative amounts and zero included."""
    plain = (Decimal(fen) / 100).quantize(Decimal("0.01"))
    assert from_fen(fen).as_tuple() == plain.as_tuple()
    assert str(from_fen(fen)) == str(plain)
