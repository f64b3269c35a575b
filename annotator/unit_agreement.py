"""Agreement on unit-level codes: one code per annotator and unit (e.g. per question).

Plain Python, usable on any data: :func:`unit_agreement` takes the ratings as ``{unit key:
{annotator: label id}}`` and the :class:`~annotator.scheme.Unit` whose hierarchy the labels
come from. Definitions (``docs/architecture.md``, "Agreement"):

- **Levels.** The coefficients are computed at every level of the hierarchy, 1 to
  ``Unit.levels``: at level k each code is replaced by its ancestor at that level
  (:meth:`~annotator.scheme.LabelSet.at_level`; a code shallower than k is its own value).
  The deepest level is therefore the codes as given. A label the unit does not know (a code
  from an older scheme version) is its own value at every level.
- **Coefficients**, the implementations of :mod:`annotator.agreement`: Cohen's kappa for
  each pair of annotators over the units both coded, and the mean over the pairs where it
  is defined; Fleiss' kappa over the units every annotator coded; nominal Krippendorff's
  alpha over the units with two or more codes (others' codes missing). ``n`` is the number
  of units a coefficient used (for the mean kappa: the units of the pairs it averages).
- **Per label**: each label one-vs-rest (values "this label" or "not"), with the same
  coefficients; the labels listed at a level are those a code can have there (labels of that
  depth, and leaves above it) and any other value that occurs.
- **Confidence intervals**: percentile bootstrap over units. A resample draws, with
  replacement, as many units as have two or more codes, from those units (the others enter
  no coefficient); every coefficient is recomputed on it by its own rule (Fleiss' kappa on
  the complete units among them, and so on). The interval spans the (1 - confidence) / 2 and
  (1 + confidence) / 2 quantiles (linear interpolation) of the resampled values. A
  coefficient can be undefined in a resample (e.g. no variation left); the interval is then
  taken over the defined resamples, unless more than ``max_undefined`` (default 5 %) of
  them are undefined: then there is no interval (``None``, with a reason), as the defined
  ones no longer describe the estimate's spread. A fixed ``seed`` makes it reproducible.

Undefined values are ``None`` with a reason, never 0 or 1.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from .agreement import (
    NO_COMPLETE_UNITS,
    NO_PAIRABLE,
    TOO_FEW_ANNOTATORS,
    Coefficient,
    cohen_kappa_of_table,
    fleiss_kappa_of_table,
    krippendorff_alpha_of_columns,
)
from .errors import UnknownItem
from .scheme import Unit

__all__ = [
    "COEFFICIENTS",
    "Estimate",
    "LabelFigures",
    "PairKappa",
    "UnitAgreement",
    "unit_agreement",
]

Ratings = Mapping[Any, Mapping[str, str]]  # unit key (hashable) -> annotator -> label id
Column = tuple[Any, ...]  # a unit's values, one per annotator (None: no code)

COEFFICIENTS = ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha")
NO_PAIR_DEFINED = "undefined for every pair of annotators"
ESTIMATE_UNDEFINED = "the estimate is undefined"
NO_RESAMPLES = "no resamples"


@dataclass(frozen=True)
class Estimate:
    """A coefficient: its value on the data, the units it used (``n``) and its bootstrap
    confidence interval ``(low, high)``. ``reason`` says why ``value`` is ``None``,
    ``ci_reason`` why ``ci`` is."""

    value: float | None
    n: int
    ci: tuple[float, float] | None
    reason: str | None = None
    ci_reason: str | None = None


@dataclass(frozen=True)
class PairKappa:
    """Cohen's kappa of two annotators, over the units both coded."""

    a: str
    b: str
    kappa: Estimate


@dataclass(frozen=True)
class LabelFigures:
    """The coefficients at one level, over all labels (``label`` None) or for one label
    against the rest."""

    level: int
    label: str | None
    pairs: tuple[PairKappa, ...]
    cohen_kappa: Estimate  # the mean over the pairs where it is defined
    fleiss_kappa: Estimate
    krippendorff_alpha: Estimate

    def estimate(self, coefficient: str) -> Estimate:
        """One of :data:`COEFFICIENTS` by name."""
        if coefficient not in COEFFICIENTS:
            raise ValueError(f"no coefficient {coefficient!r}; one of {', '.join(COEFFICIENTS)}")
        value: Estimate = getattr(self, coefficient)
        return value


@dataclass(frozen=True)
class UnitAgreement:
    """Agreement on one kind of unit: for each level 1..``levels``, the overall figures and
    then each label's, in ``figures``."""

    annotators: tuple[str, ...]
    units: int  # units with at least one code
    pairable: int  # units with two or more codes: those the coefficients and resamples use
    levels: int
    figures: tuple[LabelFigures, ...]
    resamples: int
    seed: int
    confidence: float
    max_undefined: float

    def at(self, level: int, label: str | None = None) -> LabelFigures:
        """The figures of a level, overall (``label`` None) or of one label."""
        for figures in self.figures:
            if figures.level == level and figures.label == label:
                return figures
        raise KeyError(f"no figures for label {label!r} at level {level}")


@dataclass(frozen=True)
class _Values:
    """The coefficients of one (re)sample of units, before intervals are attached."""

    pairs: tuple[Coefficient, ...]
    mean: Coefficient  # of the pairs' kappas
    fleiss: Coefficient
    alpha: Coefficient


def unit_agreement(
    ratings: Ratings,
    unit: Unit,
    annotators: Sequence[str] | None = None,
    *,
    resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    max_undefined: float = 0.05,
) -> UnitAgreement:
    """Agreement of the ``ratings`` at every level of ``unit``'s hierarchy, overall and per
    label, with bootstrap intervals (see the module docstring for every definition).

    ``annotators`` chooses whose codes count and their order (default: everyone in the
    ratings, sorted); Fleiss' kappa needs a code from each of them.
    """
    if resamples < 0:
        raise ValueError("resamples cannot be negative")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    names = (
        list(annotators)
        if annotators is not None
        else sorted({name for codes in ratings.values() for name in codes})
    )
    columns = [tuple(codes.get(name) for name in names) for codes in ratings.values()]
    coded = [column for column in columns if any(v is not None for v in column)]
    pairable = [column for column in coded if sum(v is not None for v in column) >= 2]
    # Resamples are drawn over the distinct columns: the work per resample follows them.
    distinct = list(dict.fromkeys(pairable))
    group = {column: k for k, column in enumerate(distinct)}
    members = [group[column] for column in pairable]
    full = Counter(members)

    levels = max(unit.levels, 1)
    seen = sorted({v for column in distinct for v in column if v is not None})
    rows: list[tuple[int, str | None, list[Column]]] = []
    for level in range(1, levels + 1):
        value_at = {label: _at_level(unit, label, level) for label in seen}
        overall = _mapped(distinct, value_at)
        rows.append((level, None, overall))
        for label in _labels_at(unit, level, value_at.values()):
            rows.append((level, label, _binary(overall, label)))

    points = [_values(_weigh(mapped, full), len(names), point=True) for _, _, mapped in rows]
    samples: list[list[_Values]] = [[] for _ in rows]
    rng = random.Random(seed)
    for _ in range(resamples if members else 0):
        counts = Counter(rng.choices(members, k=len(members)))
        for k, (_, _, mapped) in enumerate(rows):
            samples[k].append(_values(_weigh(mapped, counts), len(names)))

    pairs = list(combinations(names, 2))
    bootstrap = _estimator(resamples, confidence, max_undefined)
    figures = []
    for (level, which, _), point, drawn in zip(rows, points, samples, strict=True):
        figures.append(
            LabelFigures(
                level,
                which,
                tuple(
                    PairKappa(a, b, bootstrap(c, [s.pairs[k].value for s in drawn]))
                    for k, ((a, b), c) in enumerate(zip(pairs, point.pairs, strict=True))
                ),
                bootstrap(point.mean, [s.mean.value for s in drawn]),
                bootstrap(point.fleiss, [s.fleiss.value for s in drawn]),
                bootstrap(point.alpha, [s.alpha.value for s in drawn]),
            )
        )
    return UnitAgreement(
        tuple(names),
        len(coded),
        len(pairable),
        levels,
        tuple(figures),
        resamples,
        seed,
        confidence,
        max_undefined,
    )


def _at_level(unit: Unit, label: str, level: int) -> str:
    try:
        return unit.at_level(label, level)
    except UnknownItem:  # a label only an older scheme version had: a category of its own
        return label


def _labels_at(unit: Unit, level: int, values: Iterable[str]) -> list[str]:
    """The labels a code can have at ``level`` (in scheme order), then any other value."""
    known = {label.id: k for k, label in enumerate(unit.labels)}
    possible = [
        label.id
        for label in unit.labels
        if not label.deprecated
        and (
            unit.depth(label.id) == level
            or (unit.depth(label.id) < level and not unit.children(label.id))
        )
    ]
    others = sorted(set(values) - set(possible), key=lambda x: (known.get(x, len(known)), x))
    return possible + others


def _mapped(distinct: list[Column], value: Mapping[str, str]) -> list[Column]:
    """Each distinct column with every code replaced by its value at a level."""
    return [tuple(None if v is None else value[v] for v in column) for column in distinct]


def _binary(columns: list[Column], label: str) -> list[Column]:
    """The columns as one-vs-rest values: is the code ``label``?"""
    return [tuple(None if v is None else v == label for v in column) for column in columns]


def _weigh(mapped: list[Column], counts: Mapping[int, int]) -> Counter[Column]:
    """The columns of a (re)sample and how often each occurs."""
    columns: Counter[Column] = Counter()
    for k, times in counts.items():
        columns[mapped[k]] += times
    return columns


def _values(columns: Mapping[Column, int], width: int, *, point: bool = False) -> _Values:
    """The coefficients of a (re)sample given as distinct columns and their counts; the
    mean kappa's n only for the ``point`` estimate (resamples need no n)."""
    pairs = list(combinations(range(width), 2))
    tables: list[Counter[tuple[Any, Any]]] = [Counter() for _ in pairs]
    for column, times in columns.items():  # every pair's table in one pass
        for table, (i, j) in zip(tables, pairs, strict=True):
            if column[i] is not None and column[j] is not None:
                table[column[i], column[j]] += times
    kappas = [cohen_kappa_of_table(table) for table in tables]
    defined = [pair for pair, kappa in zip(pairs, kappas, strict=True) if kappa.value is not None]
    mean_n = 0
    if point:
        mean_n = sum(
            times
            for column, times in columns.items()
            if any(column[i] is not None and column[j] is not None for i, j in defined)
        )
    values = [kappa.value for kappa in kappas if kappa.value is not None]
    if width < 2:
        mean_reason: str | None = TOO_FEW_ANNOTATORS
    elif not any(kappa.items for kappa in kappas):
        mean_reason = NO_PAIRABLE
    else:
        mean_reason = None if values else NO_PAIR_DEFINED
    mean = sum(values) / len(values) if values else None
    return _Values(
        tuple(kappas),
        Coefficient("Cohen's kappa (mean)", mean, None, None, None, mean_n, mean_reason),
        _fleiss(columns, width),
        krippendorff_alpha_of_columns(columns),
    )


def _fleiss(columns: Mapping[Column, int], width: int) -> Coefficient:
    if width < 2:
        return Coefficient("Fleiss' kappa", None, None, None, None, 0, TOO_FEW_ANNOTATORS)
    complete = [(column, times) for column, times in columns.items() if None not in column]
    if not complete:
        return Coefficient("Fleiss' kappa", None, None, None, None, 0, NO_COMPLETE_UNITS)
    categories = list(dict.fromkeys(v for column, _ in complete for v in column))
    table: Counter[tuple[int, ...]] = Counter()
    for column, times in complete:
        table[tuple(column.count(c) for c in categories)] += times
    return fleiss_kappa_of_table(table)


def _estimator(
    resamples: int, confidence: float, max_undefined: float
) -> Callable[[Coefficient, list[float | None]], Estimate]:
    """A function that turns a coefficient and its resampled values into an
    :class:`Estimate` under these bootstrap settings."""

    def estimate(point: Coefficient, drawn: list[float | None]) -> Estimate:
        if point.value is None:
            return Estimate(None, point.items, None, point.reason, ESTIMATE_UNDEFINED)
        ci, why = bootstrap_interval(drawn, confidence, max_undefined)
        return Estimate(point.value, point.items, ci, None, why)

    return estimate


def bootstrap_interval(
    drawn: Sequence[float | None], confidence: float = 0.95, max_undefined: float = 0.05
) -> tuple[tuple[float, float] | None, str | None]:
    """The percentile interval of resampled values (``None``: undefined in that resample),
    or ``None`` and why (see the module docstring)."""
    if not drawn:
        return None, NO_RESAMPLES
    defined = sorted(v for v in drawn if v is not None)
    undefined = len(drawn) - len(defined)
    if undefined > max_undefined * len(drawn):
        return None, f"undefined in {undefined} of {len(drawn)} resamples"
    tail = (1 - confidence) / 2
    return (quantile(defined, tail), quantile(defined, 1 - tail)), None


def quantile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile of sorted values, interpolating linearly between the two nearest
    (numpy's default method)."""
    position = (len(ordered) - 1) * q
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
