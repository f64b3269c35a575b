"""The report's intervals against published values, and against SciPy where it is installed."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.intervals import (
    gamma_p,
    gamma_quantile,
    poisson_cdf,
    poisson_exact,
    rate_interval,
    wilson,
    z_value,
)


def test_wilson_published_values() -> None:
    # Wilson score interval, 95 %: 4 of 10 (the standard worked example, e.g. Newcombe 1998
    # method 3; Wikipedia "Binomial proportion confidence interval") is 0.168 to 0.687.
    low, high = wilson(4, 10)
    assert (round(low, 4), round(high, 4)) == (0.1682, 0.6873)
    # Newcombe (1998), Table I: 0/10 gives 0 to 0.2775; 1/29 gives 0.0061 to 0.1718.
    assert wilson(0, 10) == (0.0, pytest.approx(0.2775, abs=1e-4))
    low, high = wilson(1, 29)
    assert (round(low, 4), round(high, 4)) == (0.0061, 0.1718)
    assert wilson(10, 10) == (pytest.approx(0.7225, abs=1e-4), 1.0)
    assert wilson(0, 0) is None


def test_wilson_refuses_impossible_shares() -> None:
    with pytest.raises(ValueError):
        wilson(3, 2)
    with pytest.raises(ValueError):
        wilson(1, 2, confidence=1.0)


def test_z_value() -> None:
    assert z_value() == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.90) == pytest.approx(1.644854, abs=1e-6)


def test_poisson_exact_published_values() -> None:
    # The exact (Garwood) 95 % limits of a Poisson count, as tabled by e.g. Ulm (1990) and
    # Sahai & Khurshid (1993): 0 -> (0, 3.689); 1 -> (0.0253, 5.572); 10 -> (4.795, 18.390).
    assert poisson_exact(0) == (0.0, pytest.approx(3.6889, abs=1e-4))
    low, high = poisson_exact(1)
    assert (round(low, 4), round(high, 3)) == (0.0253, 5.572)
    low, high = poisson_exact(10)
    assert (round(low, 3), round(high, 3)) == (4.795, 18.390)
    # k = 0: the upper limit is -ln(0.025) exactly.
    assert poisson_exact(0)[1] == pytest.approx(-math.log(0.025), rel=1e-12)


def test_rate_interval_scales_the_count() -> None:
    # 3 commitments in 41 words: 73.2 per 1,000 words, 15.1 to 213.8.
    low, high = rate_interval(3, 41)
    k_low, k_high = poisson_exact(3)
    assert (low, high) == (pytest.approx(1000 * k_low / 41), pytest.approx(1000 * k_high / 41))
    assert (round(low, 1), round(high, 1)) == (15.1, 213.8)
    assert rate_interval(3, 0) is None


def test_poisson_cdf_equals_the_sum_of_its_terms() -> None:
    for k, mean in [(0, 0.5), (3, 2.0), (10, 7.3), (40, 55.0)]:
        terms = sum(math.exp(-mean + i * math.log(mean) - math.lgamma(i + 1)) for i in range(k + 1))
        assert poisson_cdf(k, mean) == pytest.approx(terms, rel=1e-12)
    assert poisson_cdf(-1, 3.0) == 0.0


def test_gamma_quantile_inverts_gamma_p() -> None:
    for a in (0.5, 1, 2.5, 10, 1000, 10**6):
        for p in (0.001, 0.025, 0.5, 0.975, 0.999):
            assert gamma_p(a, gamma_quantile(a, p)) == pytest.approx(p, abs=1e-10)
    with pytest.raises(ValueError):
        gamma_quantile(2, 1.0)
    with pytest.raises(ValueError):
        gamma_p(0, 1.0)


@given(st.integers(0, 5000), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_poisson_exact_matches_scipy(k: int, confidence: float) -> None:
    stats = pytest.importorskip("scipy.stats")
    alpha = 1 - confidence
    low, high = poisson_exact(k, confidence)
    expected_low = stats.chi2.ppf(alpha / 2, 2 * k) / 2 if k else 0.0
    expected_high = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    assert low == pytest.approx(expected_low, rel=1e-9, abs=1e-12)
    assert high == pytest.approx(expected_high, rel=1e-9)


@given(st.integers(1, 2000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_matches_statsmodels(kn: tuple[int, int]) -> None:
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    k, n = kn
    low, high = wilson(k, n)
    expected = proportion.proportion_confint(k, n, alpha=0.05, method="wilson")
    assert (low, high) == (pytest.approx(expected[0], abs=1e-12), pytest.approx(expected[1]))
    assert 0.0 <= low <= k / n <= high <= 1.0
