"""Student's t quantile (no scipy) and the mean's 95% confidence interval, against hand arithmetic."""

from __future__ import annotations

import math

import pytest

from kbench.analysis.stats import mean_ci, t_quantile, t_two_sided


def test_two_sided_probability_in_closed_form() -> None:
    # df = 1 is Cauchy: P(|T| <= t) = 2 atan(t) / pi; df = 2: t / sqrt(t^2 + 2)
    assert t_two_sided(1.0, 1) == pytest.approx(0.5)
    assert t_two_sided(2.0, 2) == pytest.approx(2 / math.sqrt(6))
    # df = 3: (2/pi)(theta + sin theta cos theta) with theta = atan(t / sqrt 3); t = sqrt 3 -> theta = pi/4
    assert t_two_sided(math.sqrt(3), 3) == pytest.approx(2 / math.pi * (math.pi / 4 + 0.5))


def test_quantiles_match_hand_values_and_the_printed_table() -> None:
    # df = 1: t = tan(0.95 pi / 2); df = 2: t^2 / (t^2 + 2) = 0.95^2 -> t = sqrt(2 * 0.9025 / 0.0975)
    assert t_quantile(0.95, 1) == pytest.approx(math.tan(0.475 * math.pi), rel=1e-9)
    assert t_quantile(0.95, 2) == pytest.approx(math.sqrt(2 * 0.9025 / 0.0975), rel=1e-9)
    # two-sided 95% column of the standard t table
    for df, t in ((4, 2.776), (9, 2.262), (30, 2.042), (120, 1.980)):
        assert round(t_quantile(0.95, df), 3) == t


def test_mean_ci_by_hand() -> None:
    # 10, 12, 14: mean 12, sd sqrt((4 + 0 + 4) / 2) = 2, half-width t(2) * 2 / sqrt 3
    e = mean_ci([10.0, 12.0, 14.0])
    assert (e.mean, e.n) == (12.0, 3)
    assert e.half_width == pytest.approx(4.302653 * 2 / math.sqrt(3), rel=1e-6)
    assert mean_ci([5.0, None]) == (5.0, None, 1)  # one value: no interval
    assert mean_ci([]) == (None, None, 0)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        t_quantile(1.0, 3)
    with pytest.raises(ValueError):
        t_two_sided(1.0, 0)
