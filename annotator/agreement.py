"""Inter-annotator agreement coefficients, in pure Python.

Usable on any data, not only on a project: spans are ``(label, start, end)`` tuples with
half-open ``[start, end)`` character offsets, unitizing annotations are
``(annotator, label, start, end)``. Definitions and sources: ``docs/architecture.md``,
"Agreement".

- :func:`span_f1`: precision, recall and F1 of one annotator's spans against another's,
  exact or same-label overlap (one-to-one, by maximum bipartite matching).
- :func:`cohen_kappa` (two annotators, complete data), :func:`fleiss_kappa` (a units x
  categories count table), :func:`krippendorff_alpha` (nominal, coders x units, ``None`` for
  missing): each returns a :class:`Coefficient`.
- :func:`character_labels`: per-character label sequence, the bridge from spans to kappa/alpha.
- :func:`unitizing_alpha`: Krippendorff's unitizing alpha (1995/2004) as DKPro Statistics'
  ``KrippendorffAlphaUnitizingAgreement`` (used by INCEpTION) computes it.
- :func:`match_units` and :func:`value_agreement`: agreement on the values (attributes) of
  spans that annotators matched: the three coefficients and a confusion table of values;
  :func:`krippendorff_alpha_masi` with :func:`masi_distance` for set values.

Degenerate data never silently becomes 0 or 1: a coefficient that is undefined (0/0) has
``value`` ``None`` and a ``reason`` such as ``"no variation"`` (every rating is the same
value, e.g. all ``"O"``), ``"no items"`` or ``"no pairable units"`` (no unit was rated by two
coders, e.g. one annotator only). The raw percentage agreement is reported next to it
wherever it is defined, so "everyone said O everywhere" still shows as 100 % agreement.

Which data to feed in is the caller's decision; the project report
(:mod:`annotator.agreement_report`) counts a document only for the annotators who marked it
done, and an annotator who did not do a document is *missing* (``None``), never "no spans".
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations, permutations
from typing import Any, Literal

__all__ = [
    "OUTSIDE",
    "CoderUnits",
    "Coefficient",
    "Ratio",
    "SpanScore",
    "Terms",
    "UnitizingAlpha",
    "UnitizingPart",
    "ValueAgreement",
    "character_labels",
    "cohen_kappa",
    "columns_of_runs",
    "fleiss_kappa",
    "krippendorff_alpha",
    "krippendorff_alpha_masi",
    "masi_distance",
    "match_counts",
    "match_spans",
    "match_units",
    "span_f1",
    "unitizing_alpha",
    "unitizing_alpha_of_terms",
    "unitizing_lists",
    "unitizing_part",
    "unitizing_terms",
    "value_agreement",
]

Span = tuple[str, int, int]
MatchMode = Literal["exact", "overlap"]

OUTSIDE = "O"
"""The value of a character no span covers (see :func:`character_labels`)."""

NO_VARIATION = "no variation"
NO_ITEMS = "no items"
NO_PAIRABLE = "no pairable units"
TOO_FEW_ANNOTATORS = "fewer than two annotators"
NO_SPANS = "no spans"
NO_COMPLETE_UNITS = "no unit rated by every annotator"
_MASI_ALPHA = "Krippendorff's alpha (MASI)"


# ---- span precision / recall / F1 ------------------------------------------------------------


@dataclass(frozen=True)
class SpanScore:
    """Span agreement of a candidate against a reference.

    ``precision`` = matched / candidate and ``recall`` = matched / reference are ``None``
    when their denominator is 0; ``f1`` = 2 matched / (reference + candidate) is ``None``
    only when neither side has a span (then there is nothing to agree on; leave such pairs
    out of averages and count them). Swapping the two sides swaps precision and recall and
    leaves ``f1`` unchanged.
    """

    matched: int
    reference: int  # number of reference spans
    candidate: int  # number of candidate spans
    match: MatchMode = "exact"

    @property
    def precision(self) -> float | None:
        return self.matched / self.candidate if self.candidate else None

    @property
    def recall(self) -> float | None:
        return self.matched / self.reference if self.reference else None

    @property
    def f1(self) -> float | None:
        total = self.reference + self.candidate
        return 2 * self.matched / total if total else None

    def __add__(self, other: SpanScore) -> SpanScore:
        """Micro-average: add the counts of two scores (e.g. of two documents or labels)."""
        if other.match != self.match:
            raise ValueError("cannot add exact and overlap scores")
        return SpanScore(
            self.matched + other.matched,
            self.reference + other.reference,
            self.candidate + other.candidate,
            self.match,
        )


def _check_match_mode(match: str) -> None:
    if match not in ("exact", "overlap"):
        raise ValueError(f"match must be 'exact' or 'overlap', not {match!r}")


def match_spans(
    reference: Sequence[Span], candidate: Sequence[Span], match: MatchMode = "exact"
) -> list[tuple[int, int]]:
    """Pair reference spans with candidate spans one-to-one; returns ``(ref_index,
    cand_index)`` pairs.

    ``"exact"`` pairs spans with the same label, start and end. ``"overlap"`` pairs spans
    with the same label that share at least one character, choosing a *maximum* matching
    (augmenting paths), so the number of pairs does not depend on the order of the input.
    Among maximum matchings, exact matches are tried first, so identical spans pair up.
    """
    _check_match_mode(match)
    pairs: list[tuple[int, int]] = []
    if match == "exact":
        waiting: dict[Span, list[int]] = defaultdict(list)
        for j, span in enumerate(candidate):
            waiting[tuple(span)].append(j)  # type: ignore[index]
        for i, span in enumerate(reference):
            free = waiting.get(tuple(span))  # type: ignore[arg-type]
            if free:
                pairs.append((i, free.pop(0)))
        return pairs
    # Adjacency: reference i -> overlapping candidates in input order, identical spans first.
    adjacency = _overlapping(reference, candidate)
    for (_, start, end), near in zip(reference, adjacency, strict=True):
        if len(near) > 1:  # (most spans overlap one other span: nothing to order)
            near.sort()
            near.sort(key=lambda j: candidate[j][1] != start or candidate[j][2] != end)
    owner: dict[int, int] = {}  # candidate -> reference
    for root in range(len(reference)):
        near = adjacency[root]
        if near and near[0] not in owner:  # (what _augment does first, without the call)
            owner[near[0]] = root
        elif near:
            _augment(root, adjacency, owner)
    return sorted((i, j) for j, i in owner.items())


def _overlapping(reference: Sequence[Span], candidate: Sequence[Span]) -> list[list[int]]:
    """Per reference span, the candidates of its label that overlap it (in no set order).

    Per label, the candidates sorted by start, and the longest one: a reference's
    overlapping candidates start in [start - longest + 1, end), found by bisection."""
    by_label: dict[str, list[tuple[int, int, int]]] = defaultdict(list)  # (start, end, j)
    for j, (label, start, end) in enumerate(candidate):
        by_label[label].append((start, end, j))
    index: dict[str, tuple[list[tuple[int, int, int]], list[int], int]] = {}
    for label, spans in by_label.items():
        spans.sort()
        index[label] = (spans, [s for s, _, _ in spans], max(e - s for s, e, _ in spans))
    adjacency: list[list[int]] = []
    for label, start, end in reference:
        near: list[int] = []
        if label in index:
            spans, starts, longest = index[label]
            low = bisect.bisect_left(starts, start - longest + 1)
            high = bisect.bisect_left(starts, end)
            near = [j for _, e, j in spans[low:high] if start < e]
        adjacency.append(near)
    return adjacency


def match_counts(reference: Sequence[Span], candidate: Sequence[Span]) -> tuple[int, int]:
    """``len(match_spans(reference, candidate, mode))`` for ``"exact"`` and ``"overlap"``,
    without building the matchings: the exact count from the multisets of spans, the overlap
    count (the size of a maximum matching, which every maximum matching has) by augmenting
    paths from a matching of the identical spans."""
    waiting: dict[Span, list[int]] = defaultdict(list)
    for j, span in enumerate(candidate):
        waiting[span].append(j)
    owner: dict[int, int] = {}  # candidate -> reference
    free: list[int] = []  # references without an identical candidate left
    for i, span in enumerate(reference):
        same = waiting.get(span)
        if same:
            owner[same.pop()] = i
        else:
            free.append(i)
    exact = len(owner)
    if not free:
        return exact, exact
    adjacency = _overlapping(reference, candidate)
    overlap = exact
    for root in free:
        if adjacency[root] and _augment(root, adjacency, owner):
            overlap += 1
    return exact, overlap


def _augment(root: int, adjacency: list[list[int]], owner: dict[int, int]) -> bool:
    """Kuhn's augmenting path from reference ``root`` (iterative: no recursion limit)."""
    seen: set[int] = set()
    # Stack of (reference, index of next neighbour to try); path holds chosen candidates.
    stack: list[list[int]] = [[root, 0]]
    path: list[int] = []
    while stack:
        frame = stack[-1]
        node, k = frame
        neighbours = adjacency[node]
        advanced = False
        while k < len(neighbours):
            j = neighbours[k]
            k += 1
            if j in seen:
                continue
            seen.add(j)
            frame[1] = k
            if j not in owner:
                # Free candidate: flip the path (each stack frame takes the next candidate).
                path.append(j)
                for (ref, _), cand in zip(stack, path, strict=True):
                    owner[cand] = ref
                return True
            path.append(j)
            stack.append([owner[j], 0])
            advanced = True
            break
        if not advanced:
            stack.pop()
            if path:
                path.pop()
    return False


def span_f1(
    reference: Iterable[Span], candidate: Iterable[Span], match: MatchMode = "exact"
) -> SpanScore:
    """Precision, recall and F1 of ``candidate`` spans against ``reference`` spans.

    Spans are ``(label, start, end)``. ``match="exact"`` needs the same label, start and
    end; ``match="overlap"`` needs the same label and at least one shared character, and
    pairs spans one-to-one by maximum bipartite matching (see :func:`match_spans`).
    Duplicate spans count as often as they occur. F1 has no chance correction (it is
    Hripcsak & Rothschild's positive specific agreement).
    """
    ref, cand = [tuple(s) for s in reference], [tuple(s) for s in candidate]
    pairs = match_spans(ref, cand, match)  # type: ignore[arg-type]
    return SpanScore(len(pairs), len(ref), len(cand), match)


# ---- kappa and alpha on items -------------------------------------------------------------


@dataclass(frozen=True)
class Coefficient:
    """One chance-corrected coefficient, labelled with what was computed.

    ``value`` is ``None`` when the coefficient is undefined, with ``reason`` saying why.
    ``observed`` and ``expected`` are the terms of the coefficient's own formula: agreements
    (p_o, p_e) for the kappas, disagreements (D_o, D_e) for alpha. ``percent_agreement`` is
    the raw share of agreeing (pairs of) ratings, ``items`` the number of items used.
    """

    name: str
    value: float | None
    observed: float | None
    expected: float | None
    percent_agreement: float | None
    items: int
    reason: str | None = None


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> Coefficient:
    """Cohen's (1960) kappa of two annotators who rated the same items.

    p_o is the share of items with equal values, p_e = sum_c p_a(c) p_b(c) with each
    annotator's *own* marginals, kappa = (p_o - p_e) / (1 - p_e). The data must be complete
    (use :func:`krippendorff_alpha` for missing values). Undefined (``None``) without items
    or when p_e = 1 (both annotators used one and the same value throughout).
    """
    if len(a) != len(b):
        raise ValueError(f"the sequences differ in length ({len(a)} and {len(b)})")
    if None in a or None in b:  # (not any(...): per-character sequences run to millions)
        raise ValueError("Cohen's kappa needs complete data; use krippendorff_alpha")
    n = len(a)
    if n == 0:
        return Coefficient("Cohen's kappa", None, None, None, None, 0, NO_ITEMS)
    return cohen_kappa_of_table(Counter(zip(a, b, strict=True)))


def cohen_kappa_of_table(pairs: Mapping[tuple[Any, Any], int]) -> Coefficient:
    """:func:`cohen_kappa` from the counts of each (value of a, value of b) pair."""
    n = sum(pairs.values())
    if n == 0:
        return Coefficient("Cohen's kappa", None, None, None, None, 0, NO_ITEMS)
    agree = sum(count for (x, y), count in pairs.items() if x == y)
    count_a: Counter[Hashable] = Counter()
    count_b: Counter[Hashable] = Counter()
    for (x, y), count in pairs.items():
        count_a[x] += count
        count_b[y] += count
    p_o = Fraction(agree, n)
    p_e = Fraction(sum(count_a[c] * count_b[c] for c in count_a), n * n)
    if p_e == 1:
        return Coefficient("Cohen's kappa", None, 1.0, 1.0, 1.0, n, NO_VARIATION)
    kappa = (p_o - p_e) / (1 - p_e)
    return Coefficient("Cohen's kappa", float(kappa), float(p_o), float(p_e), float(p_o), n)


def fleiss_kappa(counts: Sequence[Sequence[int]]) -> Coefficient:
    """Fleiss' (1971) kappa from a units x categories table of rating counts.

    Every unit must have the same number n >= 2 of ratings (not necessarily by the same
    raters). P_i = (sum_j n_ij^2 - n) / (n (n - 1)), P = mean P_i, p_j = sum_i n_ij / (N n),
    P_e = sum_j p_j^2, kappa = (P - P_e) / (1 - P_e). Fleiss' kappa generalises Scott's pi
    (pooled marginals), not Cohen's kappa. Undefined without units or when P_e = 1.
    """
    return fleiss_kappa_of_table(Counter(tuple(int(x) for x in row) for row in counts))


def fleiss_kappa_of_table(table: Mapping[tuple[int, ...], int]) -> Coefficient:
    """:func:`fleiss_kappa` of a table given as distinct rows and how often each occurs.

    Per-character agreement has millions of units but few distinct rows of counts, so this
    form keeps the work proportional to the distinct rows.
    """
    rows = list(table)
    if not rows:
        return Coefficient("Fleiss' kappa", None, None, None, None, 0, NO_ITEMS)
    width = len(rows[0])
    n = sum(rows[0])
    for row in rows:
        if len(row) != width:
            raise ValueError("every unit needs a count for every category")
        if any(x < 0 for x in row):
            raise ValueError("counts cannot be negative")
        if sum(row) != n:
            raise ValueError(f"every unit needs the same number of ratings ({n}), got {sum(row)}")
    if n < 2:
        raise ValueError("Fleiss' kappa needs at least two ratings per unit")
    big_n = sum(table.values())
    p_bar = Fraction(
        sum((sum(x * x for x in row) - n) * times for row, times in table.items()),
        big_n * n * (n - 1),
    )
    totals = [sum(row[j] * times for row, times in table.items()) for j in range(width)]
    p_e = Fraction(sum(t * t for t in totals), (big_n * n) ** 2)
    if p_e == 1:
        return Coefficient("Fleiss' kappa", None, 1.0, 1.0, 1.0, big_n, NO_VARIATION)
    kappa = (p_bar - p_e) / (1 - p_e)
    return Coefficient("Fleiss' kappa", float(kappa), float(p_bar), float(p_e), float(p_bar), big_n)


def krippendorff_alpha(data: Sequence[Sequence[Hashable | None]]) -> Coefficient:
    """Krippendorff's alpha for nominal data; ``data`` is coders x units, ``None`` = missing.

    Built on the coincidence matrix: in a unit with m_u >= 2 values, every ordered pair of
    values from two different coders adds 1/(m_u - 1); units with fewer than two values are
    unpairable and dropped. D_o = (n - sum_c o_cc) / n, D_e = (n^2 - sum_c n_c^2) /
    (n (n - 1)), alpha = 1 - D_o / D_e. Alpha is not clipped: it is negative under
    systematic disagreement. Undefined when no unit is pairable or when all pairable values
    are the same (D_e = 0).
    """
    if not data:
        return Coefficient("Krippendorff's alpha (nominal)", None, None, None, None, 0, NO_ITEMS)
    width = len(data[0])
    if any(len(row) != width for row in data):
        raise ValueError("every coder needs a value (or None) for every unit")
    return krippendorff_alpha_of_columns(Counter(zip(*data, strict=True)))


def krippendorff_alpha_of_columns(
    columns: Mapping[tuple[Any, ...], int],
) -> Coefficient:
    """Nominal alpha from distinct unit columns (one value per coder) and their counts, as
    :func:`label_columns` gives them."""
    name = "Krippendorff's alpha (nominal)"
    # The coincidences within units, as integers per number of values in the unit (m_u):
    # one division per m_u at the end, not a Fraction per column.
    within: Counter[int] = Counter()
    n_c: Counter[Hashable] = Counter()
    units = 0
    for column, times in columns.items():
        m_u = len(column) - column.count(None)  # (counted in C: columns may be 30 wide)
        if m_u < 2:
            continue
        units += times
        for value in dict.fromkeys(column):
            if value is None:
                continue
            count = column.count(value)
            # Row sums of the coincidence matrix: each value contributes its count.
            n_c[value] += count * times
            within[m_u] += count * (count - 1) * times
    diagonal = sum((Fraction(v, m_u - 1) for m_u, v in sorted(within.items())), Fraction(0))
    n = sum(n_c.values())
    if n == 0:
        return Coefficient(name, None, None, None, None, 0, NO_PAIRABLE)
    d_o = (n - diagonal) / n
    d_e = Fraction(n * n - sum(c * c for c in n_c.values()), n * (n - 1))
    if d_e == 0:
        return Coefficient(name, None, 0.0, 0.0, 1.0, units, NO_VARIATION)
    alpha = 1 - d_o / d_e
    return Coefficient(name, float(alpha), float(d_o), float(d_e), float(1 - d_o), units)


def character_labels(length: int, spans: Iterable[Span], outside: str = OUTSIDE) -> list[str]:
    """The label of every character of a text of ``length`` characters.

    A character no span covers gets ``outside`` (``"O"``). A character covered by spans of
    several *different* labels gets those labels sorted and joined with ``"+"`` (e.g.
    ``"claim+evasion"``), a value of its own, so nested or overlapping spans of different
    labels disagree with either label alone; same-label overlaps collapse to that label.
    For per-label (binary) agreement, pass only that label's spans: the values are then the
    label or ``"O"``.
    """
    labels: list[str] = []
    for start, end, value in character_runs(length, spans, outside):
        labels += [value] * (end - start)
    return labels


def character_runs(
    length: int, spans: Iterable[Span], outside: str = OUTSIDE
) -> list[tuple[int, int, str]]:
    """:func:`character_labels` as runs ``(start, end, value)`` that cover ``[0, length)``."""
    events: list[tuple[int, int, str]] = []  # (position, +1 open / -1 close, label)
    for label, start, end in spans:
        if not 0 <= start < end <= length:
            raise ValueError(f"span {label} [{start}, {end}) is not inside [0, {length})")
        events.append((start, 1, label))
        events.append((end, -1, label))
    events.sort()
    runs: list[tuple[int, int, str]] = []
    active: Counter[str] = Counter()
    position, i = 0, 0
    while i <= len(events):
        following = events[i][0] if i < len(events) else length
        if following > position:
            value = "+".join(sorted(active)) if active else outside
            if runs and runs[-1][2] == value:
                runs[-1] = (runs[-1][0], following, value)
            else:
                runs.append((position, following, value))
            position = following
        if i == len(events):
            break
        while i < len(events) and events[i][0] == following:
            _, step, label = events[i]
            active[label] += step
            if not active[label]:
                del active[label]
            i += 1
    return runs


def label_columns(
    length: int, layers: Sequence[Iterable[Span] | None], outside: str = OUTSIDE
) -> Counter[tuple[str | None, ...]]:
    """Per-character label columns (one value per coder, ``None`` for a coder whose layer is
    missing) of a text, counted: the coders x characters matrix of
    :func:`krippendorff_alpha`, compressed to its distinct columns. Built from runs, so the
    work follows the spans, not the characters."""
    runs = [
        character_runs(length, layer, outside) if layer is not None else [(0, length, None)]
        for layer in layers
    ]
    return columns_of_runs(runs)


def columns_of_runs(
    runs: Sequence[Sequence[tuple[int, int, str | None]]],
) -> Counter[tuple[str | None, ...]]:
    """:func:`label_columns` from each coder's :func:`character_runs` (``[(0, length,
    None)]`` for a missing coder), for callers that keep the runs."""
    bounds = sorted({end for coder in runs for _, end, _ in coder})
    columns: Counter[tuple[str | None, ...]] = Counter()
    indexes = [0] * len(runs)
    position = 0
    for end in bounds:
        column = []
        for k, coder in enumerate(runs):
            while coder[indexes[k]][1] <= position:
                indexes[k] += 1
            column.append(coder[indexes[k]][2])
        columns[tuple(column)] += end - position
        position = end
    return columns


# ---- agreement on the values of matched spans (attributes) ----------------------------------


def match_units(
    layers: Sequence[Sequence[Span] | None],
    match: MatchMode = "exact",
    matchings: Mapping[tuple[int, int], Sequence[tuple[int, int]]] | None = None,
) -> tuple[list[tuple[int | None, ...]], int]:
    """Group the spans several annotators matched into units of at most one span each.

    ``layers`` holds each annotator's spans (``None``: a missing annotator). Every pair of
    present annotators is matched one-to-one as :func:`match_spans` does (``"exact"`` or
    ``"overlap"``; ``matchings`` may give those pairs, keyed by the two annotators' indexes
    in ``layers``, when the caller has them already), and the matched pairs link spans into
    groups. A group with at most one span per annotator is a unit: for each annotator, the
    index of their span in it, or ``None``. A group holding two spans of one annotator is
    *ambiguous* (the pairwise matchings chain across them, which overlap matching can do) and
    is left out and counted. Spans no one matched are in no unit. Returns the units, in the
    text order of their first span, and the number of ambiguous groups.
    """
    _check_match_mode(match)
    present = {k: layer for k, layer in enumerate(layers) if layer is not None}
    if match == "exact":
        found = _exact_units(present, len(layers))
        if found is not None:
            return found, 0
    return _linked_units(present, len(layers), match, matchings)


def _linked_units(
    present: Mapping[int, Sequence[Span]],
    width: int,
    match: MatchMode,
    matchings: Mapping[tuple[int, int], Sequence[tuple[int, int]]] | None,
) -> tuple[list[tuple[int | None, ...]], int]:
    """:func:`match_units` by linking the pairwise matchings' pairs (of ``width`` layers,
    the ``present`` ones by index)."""
    # Union-find over the matched spans: a span is ``index * width + annotator`` (an int
    # hashes faster than a tuple), mapped to a span linked to it; roots found inline (a
    # function call per lookup was a third of the time).
    parent: dict[int, int] = {}
    for a, b in combinations(present, 2):
        if matchings is None:
            pairs: Sequence[tuple[int, int]] = match_spans(present[a], present[b], match)
        else:
            pairs = matchings[a, b]
        for i, j in pairs:
            first, second = i * width + a, j * width + b
            while first in parent:
                first = parent[first]
            while second in parent:
                second = parent[second]
            if first != second:
                parent[first] = second
    groups: dict[int, list[int]] = defaultdict(list)
    for node in parent:
        top = parent[node]
        while top in parent:
            top = parent[top]
        groups[top].append(node)
    units: list[tuple[tuple[int, int, int], tuple[int | None, ...]]] = []
    ambiguous = 0
    for top, members in groups.items():
        members.append(top)
        unit: list[int | None] = [None] * width
        start = None  # the (start, end, annotator) of the unit's first span
        for node in members:
            index, coder = divmod(node, width)
            if unit[coder] is not None:
                ambiguous += 1
                break
            unit[coder] = index
            span = present[coder][index]
            here = (span[1], span[2], coder)
            if start is None or here < start:
                start = here
        else:
            assert start is not None
            units.append((start, tuple(unit)))
    units.sort(key=lambda item: item[0])  # (the units themselves hold None: not comparable)
    return [unit for _, unit in units], ambiguous


def _exact_units(
    present: Mapping[int, Sequence[Span]], width: int
) -> list[tuple[int | None, ...]] | None:
    """:func:`match_units`' exact units of spans of one label where no annotator has a span
    twice (else ``None``): the exact matching pairs identical spans, so a unit is the
    annotators' copies of one span, found by hashing instead of matching pairs; never
    ambiguous. In text order as there (by start, end and first annotator: distinct spans of
    one label never tie)."""
    units: dict[tuple[Any, ...], list[int | None]] = {}
    first: dict[tuple[Any, ...], int] = {}  # the first annotator of each (coders ascend)
    for coder, layer in present.items():
        for index, span in enumerate(map(tuple, layer)):  # (a span may come as a list)
            unit = units.get(span)
            if unit is None:
                units[span] = unit = [None] * width
                first[span] = coder
            elif unit[coder] is not None:
                return None  # (a span twice: the matching pairs copies in order)
            unit[coder] = index
    if len({span[0] for span in units}) > 1:
        return None  # (units of two labels in one place: ordered as they were linked)
    found = [
        ((span[1], span[2], first[span]), tuple(unit))
        for span, unit in units.items()
        if width - unit.count(None) >= 2
    ]
    found.sort(key=lambda item: item[0])
    return [unit for _, unit in found]


@dataclass(frozen=True)
class ValueAgreement:
    """Agreement on one categorical value (an attribute) of units several annotators rated.

    ``units`` is n, the units with two or more values. ``cohen_kappa`` is the mean, over the
    annotator pairs, of Cohen's kappa on the units both rated (pairs where it is undefined
    are left out; ``None`` when it is undefined for every pair). ``fleiss`` uses the units
    every annotator rated, ``alpha`` (nominal) all of them, with the others' values missing.
    ``confusion`` counts each (value of a, value of b), pooled over the pairs (a, b) with a
    before b in the annotators' order.
    """

    units: int
    cohen_kappa: float | None
    fleiss: Coefficient
    alpha: Coefficient
    confusion: dict[tuple[Hashable, Hashable], int]


def value_agreement(columns: Mapping[tuple[Any, ...], int]) -> ValueAgreement:
    """Cohen's and Fleiss' kappa and Krippendorff's alpha of units given as distinct columns
    (one value per annotator, ``None`` for none) and how often each occurs, as
    :func:`label_columns` gives them; see :class:`ValueAgreement`."""
    width = len(next(iter(columns))) if columns else 0
    confusion: Counter[tuple[Hashable, Hashable]] = Counter()
    kappas = []
    for table in _pair_tables(columns, width):
        if table:
            confusion.update(table)
            value = cohen_kappa_of_table(table).value
            if value is not None:
                kappas.append(value)
    complete = {column: times for column, times in columns.items() if None not in column}
    if complete and width >= 2:
        categories = list(dict.fromkeys(value for column in complete for value in column))
        rows: Counter[tuple[int, ...]] = Counter()
        for column, times in complete.items():
            rows[tuple([column.count(c) for c in categories])] += times
        fleiss = fleiss_kappa_of_table(rows)
    else:
        fleiss = Coefficient("Fleiss' kappa", None, None, None, None, 0, NO_COMPLETE_UNITS)
    units = sum(
        times for column, times in columns.items() if sum(v is not None for v in column) >= 2
    )
    return ValueAgreement(
        units,
        sum(kappas) / len(kappas) if kappas else None,
        fleiss,
        krippendorff_alpha_of_columns(columns),
        dict(confusion),
    )


EXPANDED_AT = 4  # units per distinct column up to which pairs are counted in C (see below)


def _pair_tables(
    columns: Mapping[tuple[Any, ...], int], width: int
) -> Iterator[Counter[tuple[Hashable, Hashable]]]:
    """Each pair's (value of one, value of the other) counts over the units both rated, in
    the order of the pairs and of each pair's first unit. Units mostly distinct (many
    annotators: hundreds of pairs) are listed one by one per annotator and each pair's
    counted by ``Counter`` over the two lists (in C); else column by column."""
    items = list(columns.items())
    if sum(times for _, times in items) <= EXPANDED_AT * len(items):
        listed = [[c[k] for c, times in items for _ in range(times)] for k in range(width)]
        for i, j in combinations(range(width), 2):
            counted = Counter(zip(listed[i], listed[j], strict=True))
            yield Counter(
                {(x, y): n for (x, y), n in counted.items() if x is not None and y is not None}
            )
        return
    for i, j in combinations(range(width), 2):
        table: Counter[tuple[Hashable, Hashable]] = Counter()
        for column, times in items:
            if column[i] is not None and column[j] is not None:
                table[column[i], column[j]] += times
        yield table


def masi_distance(a: AbstractSet[Hashable], b: AbstractSet[Hashable]) -> float:
    """Passonneau's (2006) MASI distance between two sets: 1 - J * M.

    J is the Jaccard coefficient |a & b| / |a | b|; M (monotonicity) is 1 when the sets are
    equal, 2/3 when one contains the other, 1/3 when they share some members and 0 when they
    share none. It equals NLTK's ``nltk.metrics.distance.masi_distance`` from NLTK 3.10.1 on
    (earlier versions round M to 0.67 and 0.33). Two empty sets are equal (distance 0, where
    NLTK divides by zero).
    """
    if a == b:
        return 0.0
    shared = len(a & b)
    if not shared:
        return 1.0
    monotonicity = 2 / 3 if shared == min(len(a), len(b)) else 1 / 3
    return 1 - shared / len(a | b) * monotonicity


def krippendorff_alpha_masi(data: Sequence[Sequence[AbstractSet[Hashable] | None]]) -> Coefficient:
    """Krippendorff's alpha of set values (e.g. the choices of a multiple-choice attribute)
    with :func:`masi_distance`; ``data`` is coders x units, ``None`` = missing.

    D_o = (1/n) sum_u 1/(m_u - 1) sum_(c, k) n_uc n_uk d(c, k) over the pairable units (two or
    more values), D_e = sum_(c, k) n_c n_k d(c, k) / (n (n - 1)), alpha = 1 - D_o / D_e, as
    in :func:`krippendorff_alpha` with MASI in place of the nominal distance (and equal to
    NLTK's ``AnnotationTask(distance=masi_distance).alpha()``). Undefined (``None``, with a
    reason) when no unit is pairable or D_e = 0, where NLTK returns 1 or fails.
    """
    if not data:
        return Coefficient(_MASI_ALPHA, None, None, None, None, 0, NO_ITEMS)
    width = len(data[0])
    if any(len(row) != width for row in data):
        raise ValueError("every coder needs a value (or None) for every unit")
    columns = zip(*(_frozen(row) for row in data), strict=True)
    return krippendorff_alpha_masi_of_columns(Counter(columns))


def _frozen(row: Sequence[AbstractSet[Hashable] | None]) -> list[frozenset[Hashable] | None]:
    return [None if value is None else frozenset(value) for value in row]


def krippendorff_alpha_masi_of_columns(
    columns: Mapping[tuple[Any, ...], int],
) -> Coefficient:
    """:func:`krippendorff_alpha_masi` from distinct unit columns (a frozenset or ``None`` per
    coder) and their counts."""
    totals: Counter[frozenset[Hashable]] = Counter()
    observed = 0.0
    same = Fraction(0)  # pairs of equal values, for the percent agreement
    units = 0
    for column, times in columns.items():
        values = Counter(v for v in column if v is not None)
        m_u = sum(values.values())
        if m_u < 2:
            continue
        units += times
        totals.update({value: count * times for value, count in values.items()})
        observed += times * _pair_distances(values) / (m_u - 1)
        same += Fraction(sum(c * (c - 1) for c in values.values()) * times, m_u - 1)
    n = sum(totals.values())
    if n == 0:
        return Coefficient(_MASI_ALPHA, None, None, None, None, 0, NO_PAIRABLE)
    d_o = observed / n
    d_e = _pair_distances(totals) / (n * (n - 1))
    if d_e == 0:
        return Coefficient(_MASI_ALPHA, None, 0.0, 0.0, 1.0, units, NO_VARIATION)
    return Coefficient(_MASI_ALPHA, 1 - d_o / d_e, d_o, d_e, float(same / n), units)


def _pair_distances(counts: Mapping[frozenset[Hashable], int]) -> float:
    """sum over ordered pairs of different values c, k of n_c n_k masi_distance(c, k)."""
    return sum(counts[c] * counts[k] * masi_distance(c, k) for c, k in permutations(counts, 2))


# ---- Krippendorff's unitizing alpha (DKPro-compatible) --------------------------------------


@dataclass(frozen=True)
class UnitizingAlpha:
    """Krippendorff's unitizing alpha_U, per label and overall.

    ``by_label`` maps each label that occurs to alpha_c (``None`` when undefined, with
    ``reasons[label]``); ``observed`` and ``expected`` hold D_O,c and D_E,c. ``overall`` is
    DKPro's value, 1 - mean_c(D_O,c) / mean_c(D_E,c): it averages the disagreements, not the
    alphas, so a label only one annotator used can pull it down hard.
    """

    overall: float | None
    by_label: dict[str, float | None] = field(default_factory=dict)
    observed: dict[str, float] = field(default_factory=dict)
    expected: dict[str, float] = field(default_factory=dict)
    annotators: tuple[Hashable, ...] = ()
    reason: str | None = None
    reasons: dict[str, str] = field(default_factory=dict)
    dropped: int = 0  # same-label overlapping spans of one annotator left out


def unitizing_alpha(
    length: int,
    annotations: Iterable[tuple[Hashable, str, int, int]],
    annotators: Iterable[Hashable] | None = None,
) -> UnitizingAlpha:
    """Krippendorff's (1995, 2004) unitizing alpha over the continuum ``[0, length)``.

    ``annotations`` are ``(annotator, label, start, end)``; ``annotators`` lists everyone
    who unitized the continuum, including annotators without a single span (their whole
    continuum is a gap). Annotators named in ``annotations`` are always included.

    Follows DKPro Statistics' ``KrippendorffAlphaUnitizingAgreement``: each label c is a
    binary "c-unit versus gap" unitization; D_O,c sums, over ordered annotator pairs,
    (start difference)^2 + (end difference)^2 for overlapping c-units and l^2 for a c-unit
    lying entirely inside the other's gap, divided by m(m - 1)L^2; D_E,c is Krippendorff's
    expectation over all possible unitizations. alpha_c = 1 - D_O,c / D_E,c, and 0 when
    D_O,c = D_E,c (as DKPro). Exact rational arithmetic is used throughout.

    Where this departs from DKPro (project convention: undefined is ``None``, never a
    silent 0, 1 or NaN): fewer than two annotators or no spans at all give ``overall``
    ``None`` with a ``reason``; a label whose D_E,c is 0 gets ``None``. One annotator's
    overlapping spans of the same label are not allowed by alpha_U: as INCEpTION does, the
    earliest (then longest) one is kept and the others are counted in ``dropped``.
    """
    if length < 0:
        raise ValueError("the continuum length cannot be negative")
    units: dict[str, dict[Hashable, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    coders: dict[Hashable, None] = dict.fromkeys(annotators or ())
    for annotator, label, start, end in annotations:
        if not 0 <= start < end <= length:
            raise ValueError(f"span {label} [{start}, {end}) is not inside [0, {length})")
        coders.setdefault(annotator, None)
        units[label][annotator].append((start, end))
    order = tuple(coders)
    m = len(order)
    if m < 2:
        return UnitizingAlpha(None, annotators=order, reason=TOO_FEW_ANNOTATORS)
    if not units:
        return UnitizingAlpha(None, annotators=order, reason=NO_SPANS)

    dropped = 0
    terms: dict[str, Terms] = {}
    for label in sorted(units):
        part = unitizing_part(length, [units[label].get(coder, []) for coder in order])
        dropped += part.dropped
        gaps: Counter[int] = Counter()
        for coder in part.coders:
            if coder is None:
                if length > 0:
                    gaps[length] += 1
                continue
            gaps.update(coder.gaps)
            for gap in (coder.lead, coder.trail):
                if gap > 0:
                    gaps[gap] += 1
        terms[label] = unitizing_terms(
            length, m, sum(part.distances.values()), part.lengths(), gaps
        )
    return unitizing_alpha_of_terms(order, terms, dropped)


@dataclass
class CoderUnits:
    """One coder's c-units of one label on a continuum, as alpha_U's expectation uses them:
    the lengths of the units and of the gaps between them (the gaps at either end apart, as
    they join the neighbouring continua's when continua are concatenated)."""

    lengths: Counter[int]
    gaps: Counter[int]  # the gaps between units
    lead: int  # the gap before the first unit (0: none)
    trail: int  # the gap after the last unit (0: none)


@dataclass
class UnitizingPart:
    """The ingredients of alpha_U for one label on one continuum: per coder, its units
    (``None``: no unit, the whole continuum is a gap), per pair of coders (indexes) the sum
    of DKPro's distances, and the same-label overlapping spans left out. Additive over
    concatenated continua, but for the gaps at their ends, which join the neighbouring
    continua's (:func:`annotator.agreement_parts.unitizing`)."""

    coders: list[CoderUnits | None]
    distances: dict[tuple[int, int], int]
    dropped: int

    def lengths(self, coders: Iterable[int] | None = None) -> Counter[int]:
        """The unit lengths of the given coders (indexes; default: all), pooled."""
        found: Counter[int] = Counter()
        for k in range(len(self.coders)) if coders is None else coders:
            units = self.coders[k]
            if units is not None:
                found.update(units.lengths)
        return found


def unitizing_part(length: int, spans: Sequence[Sequence[tuple[int, int]]]) -> UnitizingPart:
    """:class:`UnitizingPart` of one label's spans (one list per coder) on ``[0, length)``;
    one coder's overlapping spans are resolved as :func:`unitizing_alpha` does."""
    coders: list[CoderUnits | None] = []
    units = []
    dropped = 0
    for coder_spans in spans:
        kept, lost = _without_overlaps(list(coder_spans))
        dropped += lost
        units.append(kept)
        if not kept:
            coders.append(None)
            continue
        lengths = Counter(e - s for s, e in kept)
        coders.append(CoderUnits(lengths, Counter(_gaps(kept)), kept[0][0], length - kept[-1][1]))
    return UnitizingPart(coders, _distances(length, units), dropped)


def unitizing_lists(
    length: int, spans: Sequence[Sequence[tuple[int, int]]]
) -> tuple[list[tuple[list[int], list[int], int, int] | None], dict[tuple[int, int], int]]:
    """What :func:`unitizing_part` finds, each coder's units as the sorted lengths of its
    units and of the gaps between them (each as often as it occurs), the gaps before the
    first and after the last; and the distances (but for the spans left out)."""
    coders: list[tuple[list[int], list[int], int, int] | None] = []
    units = []
    for coder_spans in spans:
        kept, _ = _without_overlaps(list(coder_spans))
        units.append(kept)
        if not kept:
            coders.append(None)
            continue
        lengths = sorted([e - s for s, e in kept])
        coders.append((lengths, sorted(_gaps(kept)), kept[0][0], length - kept[-1][1]))
    return coders, _distances(length, units)


def _gaps(units: list[tuple[int, int]]) -> list[int]:
    """The gaps between one coder's units (adjacent units have none between them)."""
    return [
        units[k + 1][0] - units[k][1]
        for k in range(len(units) - 1)
        if units[k + 1][0] > units[k][1]
    ]


def _distances(length: int, units: list[list[tuple[int, int]]]) -> dict[tuple[int, int], int]:
    """The sum of DKPro's distances of each pair of coders (their units without overlaps):
    from the units alone where none is empty (the usual case), else from the tilings of
    ``[0, length)`` by units and gaps."""
    pairs = combinations(range(len(units)), 2)
    if all(start < end for coder in units for start, end in coder):
        return {(i, j): _units_distance(units[i], units[j]) for i, j in pairs}
    tilings = [_segments(length, coder) for coder in units]
    return {(i, j): _pair_distance(tilings[i], tilings[j]) for i, j in pairs}


def _units_distance(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> int:
    """:func:`_pair_distance` of two coders' units (in order, apart, none empty) without
    walking their gaps: two units that intersect add their boundaries' squared differences,
    a unit that intersects none of the other's lies inside one of its gaps and adds its
    length squared (half the steps of the walk over both tilings)."""
    total = i = j = 0
    met_first = met_second = False  # whether first[i] (second[j]) met a unit of the other
    while i < len(first) and j < len(second):
        b1, e1 = first[i]
        b2, e2 = second[j]
        if e1 <= b2:
            if not met_first:
                total += (e1 - b1) ** 2
            i += 1
            met_first = False
        elif e2 <= b1:
            if not met_second:
                total += (e2 - b2) ** 2
            j += 1
            met_second = False
        else:
            total += (b1 - b2) ** 2 + (e1 - e2) ** 2
            met_first = met_second = True
            if e1 <= e2:
                i += 1
                met_first = False
            if e2 <= e1:
                j += 1
                met_second = False
    for units, k, met in ((first, i, met_first), (second, j, met_second)):
        if k < len(units):
            total += sum((e - b) ** 2 for b, e in units[k + 1 if met else k :])
    return total


class Ratio:
    """An exact ratio of integers, not reduced (its denominator positive). Unitizing alpha
    adds and compares a few per label and document: as a :class:`~fractions.Fraction`, which
    reduces at every step, they were half of a document's own figures' time."""

    __slots__ = ("denominator", "numerator")

    def __init__(self, numerator: int, denominator: int) -> None:
        self.numerator = numerator
        self.denominator = denominator

    def __float__(self) -> float:
        # int / int is correctly rounded: the float of the exact value, as Fraction's.
        return self.numerator / self.denominator

    def __add__(self, other: Ratio) -> Ratio:
        if self.denominator == other.denominator:
            return Ratio(self.numerator + other.numerator, self.denominator)
        return Ratio(
            self.numerator * other.denominator + other.numerator * self.denominator,
            self.denominator * other.denominator,
        )

    def __eq__(self, other: object) -> bool:  # (the same number, however written)
        if not isinstance(other, Ratio):
            return NotImplemented
        return self.numerator * other.denominator == other.numerator * self.denominator

    def __repr__(self) -> str:
        return f"Ratio({self.numerator}, {self.denominator})"


Terms = tuple[Ratio, Ratio]  # a label's D_O,c and D_E,c


def unitizing_terms(
    length: int, m: int, distance: int, lengths: Mapping[int, int], gaps: Mapping[int, int]
) -> Terms:
    """D_O,c and D_E,c of one label: ``distance`` is the sum of DKPro's distances over the
    unordered pairs of ``m`` coders, ``lengths`` and ``gaps`` count every coder's units and
    gaps by length, on a continuum of ``length``."""
    if length <= 0 or m < 2:
        raise ValueError(f"unitizing alpha needs a continuum and two coders ({length}, {m})")
    d_o = Ratio(2 * distance, m * (m - 1) * length * length)
    return d_o, _expected(length, m, lengths, gaps)


def unitizing_alpha_of_terms(
    order: tuple[Hashable, ...], terms: Mapping[str, Terms], dropped: int = 0
) -> UnitizingAlpha:
    """:class:`UnitizingAlpha` of each label's D_O,c and D_E,c (as :func:`unitizing_terms`
    gives them) for the coders ``order``."""
    if len(order) < 2:
        return UnitizingAlpha(None, annotators=order, reason=TOO_FEW_ANNOTATORS)
    if not terms:
        return UnitizingAlpha(None, annotators=order, reason=NO_SPANS)
    by_label: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    labels = sorted(terms)
    for label in labels:
        d_o, d_e = terms[label]
        if d_e.numerator == 0:
            by_label[label] = None
            reasons[label] = NO_VARIATION
        else:
            by_label[label] = _one_minus_ratio(d_o, d_e)
    total_o, total_e = terms[labels[0]]
    for label in labels[1:]:
        total_o, total_e = total_o + terms[label][0], total_e + terms[label][1]
    if total_e.numerator == 0:
        overall, reason = None, NO_VARIATION
    else:
        overall, reason = _one_minus_ratio(total_o, total_e), None
    return UnitizingAlpha(
        overall,
        by_label,
        {k: float(terms[k][0]) for k in labels},
        {k: float(terms[k][1]) for k in labels},
        order,
        reason,
        reasons,
        dropped,
    )


def _one_minus_ratio(d_o: Ratio, d_e: Ratio) -> float:
    """1 - D_O / D_E (D_E not 0), correctly rounded: 0.0 where they are equal."""
    if d_o == d_e:
        return 0.0
    # (D_E - D_O) / D_E, over the denominators' product: one integer division.
    top = d_e.numerator * d_o.denominator
    return (top - d_o.numerator * d_e.denominator) / top


def _without_overlaps(spans: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], int]:
    """Keep the earliest, then longest, of one annotator's overlapping same-label spans."""
    reached = None
    for start, end in spans:
        if start >= end or (reached is not None and start < reached):
            break
        reached = end
    else:  # (in order, apart and not empty: the usual case, kept as they are)
        return spans, 0
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept, len(spans) - len(kept)


def _segments(length: int, spans: list[tuple[int, int]]) -> list[tuple[int, int, bool]]:
    """Tile ``[0, length)`` with one annotator's units (True) and the gaps between (False)."""
    segments: list[tuple[int, int, bool]] = []
    position = 0
    for start, end in spans:
        if start > position:
            segments.append((position, start, False))
        segments.append((start, end, True))
        position = end
    if position < length:
        segments.append((position, length, False))
    return segments


def _pair_distance(first: list[tuple[int, int, bool]], second: list[tuple[int, int, bool]]) -> int:
    """Sum of DKPro's distances over every intersecting pair of two tilings' segments."""
    total = i = j = 0
    while i < len(first) and j < len(second):
        b1, e1, unit1 = first[i]
        b2, e2, unit2 = second[j]
        if unit1 and unit2:
            total += (b1 - b2) ** 2 + (e1 - e2) ** 2
        elif unit1 and b2 <= b1 and e1 <= e2:  # unit inside the other's gap
            total += (e1 - b1) ** 2
        elif unit2 and b1 <= b2 and e2 <= e1:
            total += (e2 - b2) ** 2
        if e1 <= e2:
            i += 1
        if e2 <= e1:
            j += 1
    return total


def _expected(length: int, m: int, lengths: Mapping[int, int], gaps: Mapping[int, int]) -> Ratio:
    """D_E,c from the counts of unit lengths and of gap lengths (every coder's)."""
    n_c = sum(lengths.values())
    sizes = sorted(gaps)
    # suffix_sum[k], suffix_count[k]: total and number of gaps of sizes[k:], so the sum over
    # gaps >= l of (gap - l + 1) is two lookups.
    suffix_sum = [0] * (len(sizes) + 1)
    suffix_count = [0] * (len(sizes) + 1)
    for k in range(len(sizes) - 1, -1, -1):
        times = gaps[sizes[k]]
        suffix_sum[k] = suffix_sum[k + 1] + sizes[k] * times
        suffix_count[k] = suffix_count[k + 1] + times
    # Integer sums, one ratio at the end (a Fraction per span made this quadratic-ish).
    cubes = fitted = squares = 0
    for size, times in lengths.items():
        k = bisect.bisect_left(sizes, size)
        fitting = suffix_sum[k] - (size - 1) * suffix_count[k]
        cubes += times * (2 * size**3 - 3 * size**2 + size)
        fitted += times * size * size * fitting
        squares += times * size * (size - 1)
    # ((n_c - 1) cubes / 3 + fitted) * 2 / length / denominator
    denominator = m * length * (m * length - 1) - squares
    if denominator <= 0:
        return Ratio(0, 1)
    return Ratio(2 * ((n_c - 1) * cubes + 3 * fitted), 3 * length * denominator)
