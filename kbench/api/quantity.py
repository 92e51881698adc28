"""Kubernetes resource quantities, parsed and rounded exactly as apimachinery's resource.Quantity.

The grammar (``k8s.io/apimachinery/pkg/api/resource/quantity.go``)::

    <quantity>        ::= <signedNumber><suffix>
    <signedNumber>    ::= <number> | <sign><number>
    <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
    <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
    <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
    <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
    <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>

Values are exact rationals, rounded up (away from zero) to nano precision and capped at
2^63-1 for SI suffixes, as ParseQuantity does. ``value`` and ``milli_value`` round up like
Quantity.Value() and Quantity.MilliValue().
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from kbench.api.label_validation import parse_int64

_MAX_INT64 = (1 << 63) - 1
_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_DIGITS = frozenset("0123456789")
_NANO = Fraction(1, 10**9)


class QuantityError(ValueError):
    """The string is not a Kubernetes quantity."""


@dataclass(frozen=True, slots=True)
class Quantity:
    """An exact Kubernetes quantity with the original text kept for messages."""

    amount: Fraction
    text: str

    def value(self) -> int:
        """The integer value rounded up, as Quantity.Value()."""
        return _round_up(self.amount)

    def milli_value(self) -> int:
        """The value in thousandths rounded up, as Quantity.MilliValue()."""
        return _round_up(self.amount, 1000)


def _round_up(x: Fraction, scale: int = 1) -> int:
    """``x * scale`` rounded away from zero to an integer, as apimachinery's scaled-value
    conversions do. Integer arithmetic on the numerator and (positive) denominator: the same
    result as ``math.ceil`` on the exact product, without building Fractions."""
    try:
        n, d = x.numerator * scale, x.denominator
    except AttributeError:  # not a Rational (a float, say): the exact general path
        y = x * scale
        return math.ceil(y) if y >= 0 else -math.ceil(-y)
    if d == 1:
        return n
    return -(-n // d) if n >= 0 else n // d


def _split(text: str) -> tuple[bool, str, str]:
    """Split into (positive, number text, suffix); mirrors parseQuantityString."""
    positive = True
    pos, end = 0, len(text)
    if pos < end and text[0] in "+-":
        positive = text[0] == "+"
        pos += 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return positive, "0", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos >= end:
        return positive, text[start:end] or "0", ""
    number = text[start:pos] or "0"
    if text[pos] == ".":
        pos += 1
        dstart = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        number = number + "." + text[dstart:pos]
        if pos >= end:
            return positive, number, ""
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos >= end:
        return positive, number, text[suffix_start:]
    if text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise QuantityError(text)
    return positive, number, text[suffix_start:]


def parse_quantity(raw: object) -> Quantity:
    """Parse a quantity from YAML text or a number; raise QuantityError if it is not one.

    Examples
    --------
    >>> parse_quantity("100m").milli_value()
    100
    >>> parse_quantity("2Gi").value()
    2147483648
    >>> parse_quantity("1e3").value()
    1000
    """
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise QuantityError(str(raw))
    text = raw if isinstance(raw, str) else repr(raw)
    if type(text) is str:
        return _parse_cached(text)
    return _parse(text)


@lru_cache(maxsize=1 << 14)
def _parse_cached(text: str) -> Quantity:
    """_parse memoized on the text: a Quantity is immutable, so equal texts may share one.
    Texts that are not quantities raise every time (lru_cache does not keep exceptions)."""
    return _parse(text)


def _parse(text: str) -> Quantity:
    """Parse the text of a quantity (ParseQuantity)."""
    if text == "":
        raise QuantityError(text)
    positive, number, suffix = _split(text)
    if suffix in _DECIMAL_SUFFIXES:
        base, exponent, capped = 10, _DECIMAL_SUFFIXES[suffix], True
    elif suffix in _BINARY_SUFFIXES:
        base, exponent, capped = 2, _BINARY_SUFFIXES[suffix], True
    elif len(suffix) > 1 and suffix[0] in "eE" and parse_int64(suffix[1:]) is not None:
        base, exponent, capped = 10, int(suffix[1:]), False
    else:
        raise QuantityError(text)
    amount = Fraction(number) * Fraction(base) ** exponent
    if amount != 0 and amount.denominator != 1:
        amount = Fraction(math.ceil(amount / _NANO)) * _NANO
    if capped and amount > _MAX_INT64:
        amount = Fraction(_MAX_INT64)
    return Quantity(amount if positive else -amount, text)
