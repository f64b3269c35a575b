"""Confidence intervals for the report's figures, in plain Python (no SciPy at run time).

- :func:`wilson`: the Wilson score interval of a share ``k / n`` (Wilson 1927; Newcombe
  1998, method 3; Agresti & Coull 1998). Unlike the Wald interval it stays inside [0, 1] and
  keeps its coverage for small ``n`` and shares near 0 or 1, which is what a share of a
  dozen questions is.
- :func:`poisson_exact`: the exact (Garwood 1936) interval of a Poisson mean from an
  observed count ``k``: ``[χ²(α/2; 2k) / 2, χ²(1 − α/2; 2k + 2) / 2]``. A rate per 1,000
  words is ``1000 · k / words``, and its interval the count's interval scaled the same way.

The chi-square quantiles come from the gamma distribution (``χ²(p; 2a) / 2`` is the
``p``-quantile of Gamma(a, 1)), found by bisection on the regularized incomplete gamma
function (Numerical Recipes, 3rd ed., 6.2: a series below ``x < a + 1``, a continued
fraction above). Tests compare both intervals with published tables and with SciPy.
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

CONFIDENCE = 0.95
_EPS = 1e-15
_TINY = 1e-300


def z_value(confidence: float = CONFIDENCE) -> float:
    """The standard normal quantile of a two-sided interval (1.96 for 95 %)."""
    _check(confidence)
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """The Wilson score interval of the share ``k / n``; None when ``n`` is 0."""
    if n <= 0:
        return None
    if not 0 <= k <= n:
        raise ValueError(f"a share needs 0 <= k <= n, not {k}/{n}")
    z = z_value(confidence)
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def poisson_exact(k: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The exact (Garwood) interval of a Poisson mean, having observed ``k`` events."""
    if k < 0:
        raise ValueError(f"a count is never negative, not {k}")
    _check(confidence)
    alpha = 1 - confidence
    low = 0.0 if k == 0 else gamma_quantile(k, alpha / 2)
    return low, gamma_quantile(k + 1, 1 - alpha / 2)


def rate_interval(
    k: int, exposure: float, per: float = 1000.0, confidence: float = CONFIDENCE
) -> tuple[float, float] | None:
    """The exact interval of the rate ``per · k / exposure`` (events per ``per`` words);
    None when the exposure is 0."""
    if exposure <= 0:
        return None
    low, high = poisson_exact(k, confidence)
    return per * low / exposure, per * high / exposure


def gamma_p(a: float, x: float) -> float:
    """The regularized lower incomplete gamma function P(a, x), for ``a > 0``."""
    if a <= 0:
        raise ValueError(f"the shape must be positive, not {a}")
    if x <= 0:
        return 0.0
    if x < a + 1:
        return _series(a, x)
    return 1.0 - _continued_fraction(a, x)


def poisson_cdf(k: int, mean: float) -> float:
    """P(X <= k) for X ~ Poisson(mean): the regularized upper gamma function Q(k + 1, mean)."""
    if k < 0:
        return 0.0
    return 1.0 - gamma_p(k + 1, mean)


@lru_cache(maxsize=4096)
def gamma_quantile(a: float, p: float) -> float:
    """The ``p``-quantile of Gamma(a, 1): the x with P(a, x) = p.

    Newton's method (the derivative of P is the gamma density) from the Wilson-Hilferty
    approximation, kept inside a bracket that bisection narrows whenever a Newton step
    would leave it; cached, since a report asks for the same few counts again and again."""
    if not 0 < p < 1:
        raise ValueError(f"a quantile needs 0 < p < 1, not {p}")
    low, high = 0.0, a + 10 * math.sqrt(a) + 10
    while gamma_p(a, high) < p:
        low, high = high, 2 * high
    z = NormalDist().inv_cdf(p)
    x = a * (1 - 1 / (9 * a) + z / (3 * math.sqrt(a))) ** 3
    if not low < x < high:
        x = (low + high) / 2
    for _ in range(200):
        error = gamma_p(a, x) - p
        if error == 0 or high - low <= 1e-14 * max(1.0, high):
            break
        if error < 0:
            low = x
        else:
            high = x
        density = math.exp((a - 1) * math.log(x) - x - math.lgamma(a)) if x > 0 else 0.0
        step = x - error / density if density > 0 else low - 1
        if abs(step - x) <= 1e-15 * max(1.0, x):
            break
        x = step if low < step < high else (low + high) / 2
    return x


def _prefactor(a: float, x: float) -> float:
    return math.exp(-x + a * math.log(x) - math.lgamma(a))


def _series(a: float, x: float) -> float:
    term = total = 1.0 / a
    shape = a
    for _ in range(100_000):
        shape += 1
        term *= x / shape
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * _prefactor(a, x)


def _continued_fraction(a: float, x: float) -> float:
    """Q(a, x) by Lentz's method."""
    b = x + 1 - a
    c = 1 / _TINY
    d = 1 / b
    h = d
    for i in range(1, 100_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPS:
            break
    return _prefactor(a, x) * h


def _check(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"a confidence level is between 0 and 1, not {confidence}")
