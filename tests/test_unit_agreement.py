"""Agreement per question unit (:mod:`annotator.unit_agreement`): every coefficient at both
levels of a two-level hierarchy, overall and per label, equal to independent libraries
(scikit-learn, statsmodels, krippendorff); bootstrap intervals; undefined cases."""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Hashable, Sequence
from itertools import combinations
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from annotator.scheme import load_scheme
from annotator.unit_agreement import (
    COEFFICIENTS,
    Estimate,
    bootstrap_interval,
    quantile,
    unit_agreement,
)

SCHEME = """\
name: clarity
version: 1
labels:
  - {id: quote, color: blue}
units:
  question:
    labels:
      - {id: clear_reply, color: green}
      - {id: explicit, parent: clear_reply, color: green}
      - {id: ambivalent, color: orange}
      - {id: implicit, parent: ambivalent, color: orange}
      - {id: dodging, parent: ambivalent, color: orange}
      - {id: general, parent: ambivalent, color: orange}
      - {id: deflection, parent: ambivalent, color: orange}
      - {id: partial, parent: ambivalent, color: orange}
      - {id: clear_non_reply, color: red}
      - {id: declining, parent: clear_non_reply, color: red}
      - {id: ignorance, parent: clear_non_reply, color: red}
      - {id: clarification, parent: clear_non_reply, color: red}
"""
UNIT = load_scheme(SCHEME).unit("question")
LEAVES = [label.id for label in UNIT.labels if not UNIT.children(label.id)]
ROOTS = ["clear_reply", "ambivalent", "clear_non_reply"]
ANNOTATORS = ["ann", "bob", "cat", "dan"]

Ratings = dict[Hashable, dict[str, str]]


def make_ratings(seed: int = 7, units: int = 32) -> Ratings:
    """Codes with real but imperfect agreement: each annotator codes a unit with
    probability 0.85, with its "true" leaf two times in three, else a sibling or any leaf."""
    rng = random.Random(seed)
    ratings: Ratings = {}
    for number in range(units):
        truth = LEAVES[number % len(LEAVES)]  # every leaf occurs
        siblings = [c.id for c in UNIT.children(UNIT.at_level(truth, 1))]
        codes = {}
        for name in ANNOTATORS:
            if rng.random() < 0.85:
                draw = rng.random()
                codes[name] = (
                    truth
                    if draw < 0.65
                    else rng.choice(siblings)
                    if draw < 0.85
                    else rng.choice(LEAVES)
                )
        ratings[f"Q{number}"] = codes
    return ratings


RATINGS = make_ratings()


def value_at(label: str, level: int, which: str | None) -> Any:
    """A code as the coefficient sees it: its ancestor at ``level``, or for one label's
    figures whether it is that label."""
    mapped = UNIT.at_level(label, level)
    return mapped if which is None else int(mapped == which)


def matrix(ratings: Ratings, level: int, which: str | None) -> list[list[Any]]:
    """Coders x units, ``None`` for no code."""
    return [
        [
            None if name not in codes else value_at(codes[name], level, which)
            for codes in ratings.values()
        ]
        for name in ANNOTATORS
    ]


def undefined(value: float | None) -> bool:
    return value is None or math.isnan(value)


def same(ours: float | None, theirs: float | None) -> None:
    """Equal to 1e-9, or undefined on both sides."""
    if undefined(ours) or undefined(theirs):
        assert undefined(ours) and undefined(theirs), (ours, theirs)
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


def sklearn_kappa(a: Sequence[Any], b: Sequence[Any]) -> float | None:
    metrics = pytest.importorskip("sklearn.metrics")
    if len(a) == 0:
        return None
    with warnings.catch_warnings():  # scikit-learn warns where kappa is 0/0 (and says nan)
        warnings.simplefilter("ignore")
        return float(metrics.cohen_kappa_score(a, b))


def statsmodels_fleiss(rows: list[list[Any]]) -> float | None:
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    np = pytest.importorskip("numpy")
    if not rows:
        return None
    codes = sorted({v for row in rows for v in row}, key=str)
    numbers = np.array([[codes.index(v) for v in row] for row in rows])
    counts, _ = inter_rater.aggregate_raters(numbers)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(inter_rater.fleiss_kappa(counts, method="fleiss"))


def package_alpha(data: list[list[Any]]) -> float | None:
    krippendorff = pytest.importorskip("krippendorff")
    np = pytest.importorskip("numpy")
    codes = sorted({v for row in data for v in row if v is not None}, key=str)
    numbers = np.array(
        [[np.nan if v is None else codes.index(v) for v in row] for row in data], dtype=float
    )
    pairable = numbers[:, (~np.isnan(numbers)).sum(axis=0) >= 2]
    if len(set(pairable[~np.isnan(pairable)].tolist())) < 2:
        return None  # the package refuses a single value ("more than one value in the domain")
    return float(krippendorff.alpha(reliability_data=numbers, level_of_measurement="nominal"))


def references(ratings: Ratings, level: int, which: str | None) -> dict[str, Any]:
    """Every figure, computed with the independent libraries."""
    data = matrix(ratings, level, which)
    pairs = {}
    for i, j in combinations(range(len(ANNOTATORS)), 2):
        both = [u for u in range(len(data[0])) if data[i][u] is not None and data[j][u] is not None]
        pairs[ANNOTATORS[i], ANNOTATORS[j]] = (
            sklearn_kappa([data[i][u] for u in both], [data[j][u] for u in both]),
            len(both),
        )
    complete = [
        [row[u] for row in data]
        for u in range(len(data[0]))
        if all(row[u] is not None for row in data)
    ]
    pairable = sum(sum(row[u] is not None for row in data) >= 2 for u in range(len(data[0])))
    defined = [kappa for kappa, _ in pairs.values() if not undefined(kappa)]
    return {
        "pairs": pairs,
        "cohen_kappa": sum(defined) / len(defined) if defined else None,
        "fleiss_kappa": (statsmodels_fleiss(complete), len(complete)),
        "krippendorff_alpha": (package_alpha(data), pairable),
    }


@pytest.fixture(scope="module")
def result() -> Any:
    return unit_agreement(RATINGS, UNIT, ANNOTATORS, resamples=200)


def test_the_fixture_has_missing_codes_and_complete_units() -> None:
    counts = [len(codes) for codes in RATINGS.values()]
    assert len(RATINGS) >= 30 and min(counts) < len(ANNOTATORS) and max(counts) == 4
    assert UNIT.levels == 2


@pytest.mark.parametrize("level", [1, 2])
def test_overall_equals_the_libraries(result: Any, level: int) -> None:
    figures = result.at(level)
    expected = references(RATINGS, level, None)
    for pair in figures.pairs:
        kappa, n = expected["pairs"][pair.a, pair.b]
        same(pair.kappa.value, kappa)
        assert pair.kappa.n == n
    same(figures.cohen_kappa.value, expected["cohen_kappa"])
    for name in ("fleiss_kappa", "krippendorff_alpha"):
        value, n = expected[name]
        same(figures.estimate(name).value, value)
        assert figures.estimate(name).n == n
    assert figures.fleiss_kappa.n < figures.krippendorff_alpha.n  # missing codes are used


@pytest.mark.parametrize("level", [1, 2])
def test_every_label_one_versus_rest_equals_the_libraries(result: Any, level: int) -> None:
    labels = [f.label for f in result.figures if f.level == level and f.label is not None]
    assert labels == (ROOTS if level == 1 else LEAVES)
    for label in labels:
        figures = result.at(level, label)
        expected = references(RATINGS, level, label)
        for pair in figures.pairs:
            kappa, n = expected["pairs"][pair.a, pair.b]
            same(pair.kappa.value, kappa)
            assert pair.kappa.n == n
        same(figures.cohen_kappa.value, expected["cohen_kappa"])
        for name in ("fleiss_kappa", "krippendorff_alpha"):
            value, n = expected[name]
            same(figures.estimate(name).value, value)
            assert figures.estimate(name).n == n


def test_the_mean_kappa_counts_the_units_of_its_pairs(result: Any) -> None:
    pairable = sum(len(codes) >= 2 for codes in RATINGS.values())
    assert result.pairable == pairable == result.at(2).cohen_kappa.n
    assert result.units == len(RATINGS)


def test_intervals_are_reproducible_and_bracket_the_estimates(result: Any) -> None:
    again = unit_agreement(RATINGS, UNIT, ANNOTATORS, resamples=200)
    assert again == result  # the fixed seed
    other = unit_agreement(RATINGS, UNIT, ANNOTATORS, resamples=200, seed=1)
    assert other.at(1).krippendorff_alpha.ci != result.at(1).krippendorff_alpha.ci
    for level in (1, 2):
        for name in COEFFICIENTS:
            estimate = result.at(level).estimate(name)
            assert estimate.ci is not None, (level, name, estimate.ci_reason)
            low, high = estimate.ci
            assert low <= estimate.value <= high
            assert high - low > 0.05  # 32 units: far from a point


def test_interval_uses_the_percentiles_of_the_resampled_values() -> None:
    drawn: list[float | None] = [i / 100 for i in range(101)]
    assert bootstrap_interval(drawn) == ((pytest.approx(0.025), pytest.approx(0.975)), None)
    assert bootstrap_interval(drawn, confidence=0.5)[0] == (0.25, 0.75)
    # Up to 5 % undefined resamples are left out; more, and there is no interval.
    five = [*drawn[:95], *[None] * 5]
    assert bootstrap_interval(five)[0] is not None
    assert bootstrap_interval([*drawn[:94], *[None] * 6]) == (
        None,
        "undefined in 6 of 100 resamples",
    )
    assert bootstrap_interval([]) == (None, "no resamples")


@given(st.lists(st.floats(-1, 1), min_size=1, max_size=50), st.floats(0, 1))
def test_quantile_is_numpys_default(values: list[float], q: float) -> None:
    np = pytest.importorskip("numpy")
    assert quantile(sorted(values), q) == pytest.approx(float(np.quantile(values, q)), abs=1e-12)


def test_a_rare_label_has_an_estimate_but_no_interval() -> None:
    """A label one unit has: resamples without that unit have no variation (about a third),
    so the defined ones would overstate the precision."""
    ratings: Ratings = {
        u: {"ann": "explicit", "bob": "explicit"} if u % 2 else {"ann": "general", "bob": "general"}
        for u in range(20)
    }
    ratings[0] = {"ann": "dodging", "bob": "dodging"}
    figures = unit_agreement(ratings, UNIT, resamples=300).at(2, "dodging")
    assert figures.krippendorff_alpha.value == pytest.approx(1.0)
    assert figures.krippendorff_alpha.ci is None
    assert figures.krippendorff_alpha.ci_reason.startswith("undefined in ")


def test_undefined_values_are_none_with_a_reason_never_zero_or_one() -> None:
    alone = unit_agreement({1: {"ann": "explicit"}, 2: {"ann": "dodging"}}, UNIT, resamples=10)
    for figures in alone.figures:
        for name in COEFFICIENTS:
            estimate = figures.estimate(name)
            assert estimate.value is None and estimate.reason and estimate.ci is None
    assert alone.at(1).cohen_kappa.reason == "fewer than two annotators"
    assert alone.at(1).krippendorff_alpha.reason == "no pairable units"
    same_code = {u: {"ann": "explicit", "bob": "explicit", "cat": "explicit"} for u in range(5)}
    figures = unit_agreement(same_code, UNIT, resamples=10).at(2)
    assert figures.cohen_kappa == Estimate(
        None, 0, None, "undefined for every pair of annotators", "the estimate is undefined"
    )
    assert figures.fleiss_kappa.reason == figures.krippendorff_alpha.reason == "no variation"
    apart = {1: {"ann": "explicit", "bob": "dodging"}, 2: {"bob": "dodging", "cat": "general"}}
    figures = unit_agreement(apart, UNIT, resamples=10).at(1)
    assert figures.fleiss_kappa.reason == "no unit rated by every annotator"
    # ann and bob: one unit, a disagreement (kappa 0); no unit of ann and cat; bob and cat
    # both said ambivalent on their one unit (0/0).
    assert [p.kappa.value for p in figures.pairs] == [0.0, None, None]
    assert [p.kappa.reason for p in figures.pairs] == [None, "no items", "no variation"]
    empty = unit_agreement({}, UNIT, resamples=10)
    assert empty.units == empty.pairable == 0
    assert empty.at(1).krippendorff_alpha.ci_reason == "the estimate is undefined"


def test_no_resamples_no_interval() -> None:
    figures = unit_agreement(RATINGS, UNIT, ANNOTATORS, resamples=0).at(1)
    assert figures.krippendorff_alpha.value is not None
    assert figures.krippendorff_alpha.ci is None
    assert figures.krippendorff_alpha.ci_reason == "no resamples"


def test_parent_codes_and_unknown_labels_are_values_of_their_own() -> None:
    """Where a unit lets a parent be coded, it is its own value at the leaf level; a label
    the scheme no longer has is its own value at every level."""
    ratings: Ratings = {
        1: {"ann": "ambivalent", "bob": "dodging"},
        2: {"ann": "explicit", "bob": "explicit"},
        3: {"ann": "retired", "bob": "retired"},
        4: {"ann": "declining", "bob": "ignorance"},
    }
    result = unit_agreement(ratings, UNIT, resamples=0)
    level_1 = result.at(1).pairs[0].kappa.value
    # Level 1: ambivalent, clear_reply, retired, clear_non_reply on both sides: 4 of 4 agree.
    assert level_1 == pytest.approx(1.0)
    assert result.at(1, "retired").krippendorff_alpha.n == 4
    assert [f.label for f in result.figures if f.level == 2][-2:] == ["ambivalent", "retired"]
    assert result.at(2).pairs[0].kappa.value < 1


def test_annotators_choose_whose_codes_count_and_fleiss_needs_all_of_them() -> None:
    result = unit_agreement(RATINGS, UNIT, ["bob", "ann"], resamples=0)
    assert result.annotators == ("bob", "ann")
    assert [(p.a, p.b) for p in result.at(1).pairs] == [("bob", "ann")]
    both = sum("ann" in codes and "bob" in codes for codes in RATINGS.values())
    assert result.at(1).fleiss_kappa.n == both


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        unit_agreement(RATINGS, UNIT, resamples=-1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        unit_agreement(RATINGS, UNIT, confidence=1.0)
    with pytest.raises(ValueError, match="no coefficient"):
        unit_agreement(RATINGS, UNIT, resamples=0).at(1).estimate("scott_pi")


# ---- properties -----------------------------------------------------------------------------


def ratings_strategy(min_units: int) -> st.SearchStrategy[Ratings]:
    """Units with up to four codes (leaves of the hierarchy), any of them missing."""
    unit = st.lists(st.one_of(st.none(), st.sampled_from(LEAVES)), min_size=4, max_size=4)
    return st.lists(unit, min_size=min_units, max_size=40).map(
        lambda units: {
            k: {name: v for name, v in zip(ANNOTATORS, row, strict=True) if v is not None}
            for k, row in enumerate(units)
        }
    )


PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(ratings_strategy(min_units=2))
def test_alpha_equals_the_krippendorff_package(ratings: Ratings) -> None:
    result = unit_agreement(ratings, UNIT, ANNOTATORS, resamples=0)
    for level in (1, 2):
        for label in (None, "ambivalent" if level == 1 else "dodging"):
            value = result.at(level, label).krippendorff_alpha.value
            same(value, package_alpha(matrix(ratings, level, label)))


def noisy(seed: int, units: int, agreement: float) -> Ratings:
    rng = random.Random(seed)
    ratings: Ratings = {}
    for u in range(units):
        truth = rng.choice(LEAVES)
        ratings[u] = {
            name: truth if rng.random() < agreement else rng.choice(LEAVES)
            for name in ANNOTATORS[:3]
        }
    return ratings


@settings(PROPERTY, max_examples=12)  # 100 resamples each: the slowest property
@given(st.integers(0, 10**6), st.integers(20, 40), st.floats(0.3, 0.9))
def test_the_interval_contains_the_estimate(seed: int, units: int, agreement: float) -> None:
    result = unit_agreement(noisy(seed, units, agreement), UNIT, resamples=100)
    for level in (1, 2):
        for name in COEFFICIENTS:
            estimate = result.at(level).estimate(name)
            assume(estimate.value is not None and estimate.ci is not None)
            low, high = estimate.ci
            assert low <= estimate.value <= high


@PROPERTY
@given(st.lists(st.sampled_from(LEAVES), min_size=2, max_size=30), st.integers(2, 4))
def test_identical_ratings_give_one(codes: list[str], coders: int) -> None:
    ratings = {u: dict.fromkeys(ANNOTATORS[:coders], code) for u, code in enumerate(codes)}
    result = unit_agreement(ratings, UNIT, resamples=30)
    for figures in result.figures:
        values = {UNIT.at_level(code, figures.level) for code in codes}
        if figures.label is not None:
            values = {value == figures.label for value in values}
        for name in COEFFICIENTS:
            estimate = figures.estimate(name)
            if len(values) > 1:
                assert estimate.value == 1.0
                assert estimate.ci in (None, (1.0, 1.0))
            else:
                assert estimate.value is None
