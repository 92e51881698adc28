"""Quantities as Go holds them in memory: an exact value and a format, printed as
apimachinery's ``Quantity.String()`` prints them (resource/quantity.go, CanonicalizeBytes).

A Go Quantity remembers the format of the suffix it was parsed with: BinarySI for Ki..Ei (DecimalSI
when the value is strictly between 0 and 1), DecimalExponent for ``e<n>``, DecimalSI otherwise and
for "0". Addition keeps the left operand's format, or takes the right one's when the left is zero.
``String()`` prints the canonical form in the format: DecimalSI as an integer times 10^(3k) with its
SI suffix (``1100m``, ``3``, ``100k``); DecimalExponent likewise with ``e<3k>``; BinarySI as an
integer times 1024^k with its binary suffix (``52Gi``, ``1536``) when the value is a whole number
of at least 1024 in size, DecimalSI otherwise. kbench's :class:`Quantity` keeps only the parsed
text; quota and limit-range messages need the Go value, which :class:`Amount` is.

Examples
--------
>>> from kbench.api.quantity import parse_quantity
>>> str(Amount.of(parse_quantity("1")) + Amount.of(parse_quantity("100m")))
'1100m'
>>> str(Amount.of(parse_quantity("50Gi")) + Amount.of(parse_quantity("2Gi")))
'52Gi'
>>> str(Amount.of(parse_quantity("1.5")))
'1500m'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from kbench.api.quantity import Quantity

Format = Literal["DecimalSI", "BinarySI", "DecimalExponent"]

_BINARY = ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei")
_DECIMAL = {-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"}
_BINARY_SUFFIX = ("", *_BINARY)
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)")


def quantity_format(q: Quantity) -> Format:
    """The format ParseQuantity gives ``q``: from its suffix, DecimalSI for "0" and for a binary
    quantity strictly between -1 and 1 (other than zero)."""
    text = q.text.strip()
    if text == "0":
        return "DecimalSI"
    m = _NUMBER.match(text)
    suffix = text[m.end():] if m else ""
    if suffix in _BINARY:
        return "DecimalSI" if 0 < abs(q.amount) < 1 else "BinarySI"
    if len(suffix) > 1 and suffix[0] in "eE":
        return "DecimalExponent"
    return "DecimalSI"


def canonical(value: Fraction, fmt: Format) -> str:
    """``Quantity.String()`` of ``value`` in format ``fmt`` (CanonicalizeBytes)."""
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    size = abs(value)
    if fmt == "BinarySI" and size >= 1024 and size.denominator == 1:
        n, k = int(size), 0
        while n % 1024 == 0:
            n //= 1024
            k += 1
        return f"{sign}{n}{_BINARY_SUFFIX[k]}"
    nanos = size * 10**9
    mantissa = nanos.numerator // nanos.denominator if nanos.denominator == 1 else math.ceil(nanos)
    exponent = -9
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    r = exponent % 3
    mantissa *= 10**r
    exponent -= r
    if fmt == "DecimalExponent" or exponent not in _DECIMAL:
        return f"{sign}{mantissa}" + (f"e{exponent}" if exponent else "")
    return f"{sign}{mantissa}{_DECIMAL[exponent]}"


def _away(x: Fraction) -> int:
    """``x`` rounded away from zero (inf.RoundUp)."""
    return math.ceil(x) if x >= 0 else -math.ceil(-x)


@dataclass(frozen=True, slots=True)
class Amount:
    """A Go resource.Quantity: exact value and format; ``str()`` is its String()."""

    value: Fraction
    format: Format = "DecimalSI"

    @classmethod
    def of(cls, q: Quantity) -> Amount:
        """The Quantity a manifest's text parses to."""
        return cls(Fraction(q.amount), quantity_format(q))

    @classmethod
    def of_int(cls, n: int) -> Amount:
        """resource.NewQuantity(n, DecimalSI)."""
        return cls(Fraction(n), "DecimalSI")

    def __add__(self, other: Amount) -> Amount:
        """Quantity.Add: the left operand's format, or the right one's if the left is zero."""
        return Amount(self.value + other.value, other.format if self.value == 0 else self.format)

    def __str__(self) -> str:
        return canonical(self.value, self.format)

    def milli_value(self) -> int:
        """Quantity.MilliValue(): thousandths, rounded away from zero."""
        return _away(self.value * 1000)

    def int_value(self) -> int:
        """Quantity.Value(): rounded away from zero."""
        return _away(self.value)

    def to_quantity(self) -> Quantity:
        """The Quantity a stored object holds after a write: its canonical text, parsed again."""
        return Quantity(self.value, str(self))
