"""Mean and 95% confidence interval over seeds, with Student's t quantile computed exactly.

scipy is not a dependency, so the t distribution's two-sided probability P(|T| <= t) for integer
degrees of freedom uses its closed form (Abramowitz & Stegun 26.7.3-4) and the quantile is found
by bisection; e.g. 12.706 for 1 degree of freedom, 4.303 for 2, 2.262 for 9.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple


def t_two_sided(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with ``df`` (>= 1) degrees of freedom.

    >>> round(t_two_sided(1.0, 1), 6)  # Cauchy: 2 atan(1) / pi
    0.5
    """
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, not {df}")
    theta = math.atan(abs(t) / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    if df % 2 == 1:
        term, total = math.cos(theta), 0.0
        if df > 1:
            total = term
            for k in range(3, df - 1, 2):
                term *= c2 * (k - 1) / k
                total += term
        return 2 / math.pi * (theta + math.sin(theta) * total)
    term = total = 1.0
    for k in range(2, df - 1, 2):
        term *= c2 * (k - 1) / k
        total += term
    return math.sin(theta) * total


def t_quantile(level: float, df: int) -> float:
    """The t such that P(|T| <= t) = ``level`` (0.95 gives the 97.5% quantile), to 1e-10.

    >>> round(t_quantile(0.95, 2), 4)  # 4.3027: sqrt(2 * 0.95**2 / (1 - 0.95**2))
    4.3027
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), not {level}")
    lo, hi = 0.0, 1.0
    while t_two_sided(hi, df) < level:
        hi *= 2.0
    while hi - lo > 1e-10 * max(1.0, hi):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if t_two_sided(mid, df) < level else (lo, mid)
    return (lo + hi) / 2


class Estimate(NamedTuple):
    """A mean over n values and the half-width of its confidence interval (None when n < 2)."""

    mean: float | None
    half_width: float | None
    n: int


def mean_ci(values: Sequence[float | None], level: float = 0.95) -> Estimate:
    """Mean of the non-null values and the t interval half-width t(level, n-1) * sd / sqrt(n)
    (sd with n - 1 in the denominator).

    >>> mean_ci([10.0, 12.0, 14.0]).mean
    12.0
    """
    xs = [float(v) for v in values if v is not None and not math.isnan(v)]
    n = len(xs)
    if n == 0:
        return Estimate(None, None, 0)
    mean = sum(xs) / n
    if n < 2:
        return Estimate(mean, None, n)
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
    return Estimate(mean, t_quantile(level, n - 1) * sd / math.sqrt(n), n)
