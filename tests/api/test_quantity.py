"""Quantity parsing and rounding; expectations from apimachinery's quantity_test.go and its grammar."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from kbench.api.quantity import Quantity, QuantityError, parse_quantity


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("100m", Fraction(1, 10)),
        ("1.5", Fraction(3, 2)),
        ("2Gi", 2 * 1024**3),
        ("1e3", 1000),
        ("1E3", 1000),
        ("500Ki", 500 * 1024),
        ("1M", 10**6),
        ("0.1", Fraction(1, 10)),
        ("1k", 1000),
        ("1Ei", 2**60),
        ("1E", 10**18),  # bare E is the exa suffix, not an exponent
        ("5n", Fraction(5, 10**9)),
        ("3u", Fraction(3, 10**6)),
        (".5", Fraction(1, 2)),
        ("1.", 1),
        ("1.G", 10**9),  # Go's parser accepts an empty fraction ("we currently allow 1.G")
        ("+5", 5),
        ("-1", -1),
        ("0", 0),
        ("000100m", Fraction(1, 10)),
        ("1e-3", Fraction(1, 1000)),
        (1, 1),
        (0.5, Fraction(1, 2)),
    ],
)
def test_amounts(text: object, amount: Fraction | int) -> None:
    assert parse_quantity(text).amount == amount


def test_rounds_up_to_nano() -> None:
    # ParseQuantity rounds non-zero values up to the smallest representable value (1n).
    assert parse_quantity("0.0000000001").amount == Fraction(1, 10**9)
    assert parse_quantity("1.0000000001").amount == Fraction(1_000_000_001, 10**9)


def test_si_values_are_capped_at_int64() -> None:
    assert parse_quantity("9223372036854775808").amount == 2**63 - 1
    assert parse_quantity("10Ei").amount == 2**63 - 1


@pytest.mark.parametrize(
    ("text", "value", "milli"),
    [
        ("100m", 1, 100),  # Value() rounds up
        ("1.5", 2, 1500),
        ("1n", 1, 1),  # MilliValue() rounds up
        ("2Gi", 2147483648, 2147483648000),
        ("0", 0, 0),
    ],
)
def test_value_and_milli_value_round_up(text: str, value: int, milli: int) -> None:
    q = parse_quantity(text)
    assert (q.value(), q.milli_value()) == (value, milli)


@pytest.mark.parametrize(
    "text",
    ["", " 1", "1 ", "12x", "1K", "1Kb", "1e", "1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i",
     "-3.01e-", "1e3.5", "Ki2", "1Mi1"],
)
def test_invalid(text: str) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(text)


def test_not_a_string_or_number() -> None:
    for raw in (None, True, [1], {"a": 1}):
        with pytest.raises(QuantityError):
            parse_quantity(raw)


def test_parses_are_shared_and_equal_to_fresh_ones() -> None:
    # parse_quantity is memoized on the text: equal texts give one immutable Quantity
    q = parse_quantity("250m")
    assert parse_quantity("250m") is q
    assert q.amount == Fraction(1, 4) and q.text == "250m"
    # numbers are keyed on their repr, so 1 and 1.0 stay distinct texts with equal amounts
    assert parse_quantity(1).text == "1" and parse_quantity(1.0).text == "1.0"
    assert parse_quantity(1).amount == parse_quantity(1.0).amount == 1


def test_invalid_text_raises_every_time() -> None:
    for _ in range(3):
        with pytest.raises(QuantityError):
            parse_quantity("12x")


def test_str_subclass_keeps_its_text() -> None:
    class Text(str):
        pass

    raw = Text("2Gi")
    q = parse_quantity(raw)
    assert q.text is raw and q.amount == 2 * 1024**3


@pytest.mark.parametrize(
    ("amount", "value", "milli"),
    [
        (Fraction(3, 2), 2, 1500),
        (Fraction(-3, 2), -2, -1500),  # away from zero
        (Fraction(1, 10**9), 1, 1),
        (Fraction(-1, 10**9), -1, -1),
        (Fraction(7), 7, 7000),
        (Fraction(-7), -7, -7000),
        (Fraction(0), 0, 0),
        (Fraction(1, 3000), 1, 1),
        (Fraction(2, 3000), 1, 1),
        (Fraction(3001, 3000), 2, 1001),
    ],
)
def test_rounding_matches_ceil_away_from_zero(amount: Fraction, value: int, milli: int) -> None:
    def ref(x: Fraction) -> int:
        return math.ceil(x) if x >= 0 else -math.ceil(-x)

    q = Quantity(amount, "")
    assert (q.value(), q.milli_value()) == (value, milli) == (ref(amount), ref(amount * 1000))
    assert type(q.value()) is int and type(q.milli_value()) is int
