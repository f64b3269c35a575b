"""The agreement report's figures of one document, as parts that add up across documents.

Pure (no UI, no store). :func:`document_parts` computes, from the layers of the annotators
who did a document, everything the report (:mod:`annotator.agreement_report`) needs of it,
as JSON (kept per document by :mod:`annotator.store.figures`, so that a run recomputes only
the documents that changed):

- span counts per annotator and label; per pair of annotators and label, the exact and
  overlap matches and both sides' span counts (F1 is micro-averaged: the counts add up; a
  label's maximum matching is independent of the others', so "all labels" is their sum);
- per-character label columns (one value per annotator) and their counts, for all labels
  and for each label (binary), from which Fleiss' kappa and the alphas follow; they add up,
  and an annotator who did not do a document is a ``None`` inserted in its columns;
- per pair of annotators, Cohen's kappa's tables (the characters' value pairs, for all
  labels and each label; :func:`pair_table` adds them up), so that combining never projects
  every column onto every pair;
- unitizing alpha's ingredients per label (:class:`~annotator.agreement.UnitizingPart`):
  per-pair distance sums, unit lengths and inner gaps add up; the gaps at a document's ends
  join the neighbouring documents' on the concatenated continuum (:func:`unitizing`);
- the confusion counts (label swaps, and how disagreements split up), additive;
- the matched units of each label that has categorical attributes (the values per
  annotator, as canonical JSON), counted: the counts add up;
- the scheme versions' findings (:class:`~annotator.versions.Comparison`), merged in order.

Every combination is exact: integer counts, and the coefficients computed once from them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from statistics import fmean
from typing import Any

from .agreement import (
    OUTSIDE,
    MatchMode,
    SpanScore,
    Terms,
    UnitizingAlpha,
    krippendorff_alpha_of_columns,
    match_counts,
    match_spans,
    match_units,
    unitizing_alpha_of_terms,
    unitizing_lists,
    unitizing_terms,
)

PARTS = "agreement-parts/2"  # the kind of kept figures (a new computation: a new kind)
ALL_KEY = ""  # the key of "all labels" in the parts' per-label maps
Spans = list[tuple[str, int, int]]
Values = Mapping[str, Any]
Column = tuple[str | None, ...]
_MODES: tuple[MatchMode, ...] = ("exact", "overlap")


@dataclass
class Layers:
    """What agreement compares in one document: the layers of the annotators who did it (in
    the order of the annotators compared), after the scheme versions' rule."""

    id: int
    title: str
    length: int
    spans: dict[str, Spans]
    values: dict[str, list[Values]] = field(default_factory=dict)
    hashes: dict[str, list[str]] = field(default_factory=dict)


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return fmean(present) if present else None


def document_parts(
    doc: Layers,
    attributes: Mapping[str, Sequence[str]],
    versions: dict[str, Any],
    *,
    full: bool = True,
    ordered: Iterable[str] = (),
) -> dict[str, Any]:
    """The parts of one document (JSON-ready). ``attributes`` maps each label that has
    categorical attributes to their ids; ``versions`` is the document's
    :meth:`~annotator.versions.Comparison.spans_findings`; ``ordered``, the labels whose
    units must be combined in document order (those with a multichoice attribute: MASI's
    alpha adds floats). Not ``full``: only what the document's own row needs (``row``)."""
    names = list(doc.spans)
    layers = [doc.spans[name] for name in names]
    # Each layer's spans per label, and each span's index among its label's.
    by_label: dict[str, list[Spans]] = {}
    local: list[list[int]] = []
    for k, layer in enumerate(layers):
        indexes = []
        for span in layer:
            spans_of = by_label.get(span[0])
            if spans_of is None:
                spans_of = by_label[span[0]] = [[] for _ in layers]
            indexes.append(len(spans_of[k]))
            spans_of[k].append(span)
        local.append(indexes)
    labels = sorted(by_label)
    by_label = {label: by_label[label] for label in labels}
    parts: dict[str, Any] = {
        "names": names,
        "length": doc.length,
        "spans": [dict(Counter(s[0] for s in layer)) for layer in layers],
        "versions": versions,
    }
    # Matches per pair and label; the matchings of labels with attributes are kept for
    # their units. A matching never pairs spans of two labels, so that of whole layers
    # is each label's matching (by the spans' indexes among their label's).
    matchings: dict[tuple[str, str], dict[tuple[int, int], list[tuple[int, int]]]] = {}
    pairs = []
    if any(start >= end for layer in layers for _, start, end in layer):
        pairs = _label_matches(layers, by_label, attributes, matchings)
    # Per pair, what the confusion counts start from: the exact matches, the spans left and
    # (where known) the same-label overlap matching of those.
    exact: dict[tuple[int, int], Leftover] = {}
    tidy = not pairs and all(_tidy(spans) for of_label in by_label.values() for spans in of_label)
    places = [{span: x for x, span in enumerate(layer)} for layer in layers] if tidy else []
    for i, j in combinations(range(len(names)), 2) if not pairs else ():
        counts = {
            label: [0, 0, len(by_label[label][i]), len(by_label[label][j])] for label in labels
        }
        first, second, to_i, to_j = layers[i], layers[j], local[i], local[j]
        if tidy:
            by_mode, exact[i, j] = _tidy_matches(first, second, places[i], places[j])
        else:
            by_mode = [match_spans(first, second, mode) for mode in _MODES]
            taken_a, taken_b = {x for x, _ in by_mode[0]}, {y for _, y in by_mode[0]}
            exact[i, j] = (
                len(by_mode[0]),
                [span for x, span in enumerate(first) if x not in taken_a],
                [span for y, span in enumerate(second) if y not in taken_b],
                None,
            )
        for m, (mode, matched) in enumerate(zip(_MODES, by_mode, strict=True)):
            kept: dict[str, list[tuple[int, int]]] = {label: [] for label in attributes}
            for x, y in matched:
                label = first[x][0]
                counts[label][m] += 1
                if label in kept:
                    kept[label].append((to_i[x], to_j[y]))
            for label, of_label in kept.items():
                matchings.setdefault((label, mode), {})[i, j] = of_label
        pairs.append([i, j, counts])
    parts["pairs"] = pairs
    changes = [_changes(layer) for layer in layers]
    sets = _label_sets(doc.length, changes)
    parts["columns"] = {
        key: [[list(column), times] for column, times in found.items()]
        for key, found in _document_columns(doc.length, sets, labels if full else []).items()
    }
    if full:
        parts["tables"] = [
            [i, j, {key: [[x, y, n] for (x, y), n in cells.items()] for key, cells in of.items()}]
            for (i, j), of in _pair_tables(doc.length, changes, sets).items()
        ]  # fmt: skip
    parts["unitizing"] = {label: _unitizing_json(doc.length, by_label[label]) for label in labels}
    if not full:
        parts["row"] = _row(parts)
        return parts
    swaps, tally = _confusion(layers, exact)
    parts["swaps"] = [[x, y, n] for (x, y), n in swaps.items()]
    parts["tally"] = tally
    units: dict[str, dict[str, Any]] = {}
    hashes: dict[str, list[str]] = {}
    # Each layer's values and scheme hashes per label (of the labels with attributes).
    layer_values: dict[str, dict[str, list[Values]]] = {}
    layer_hashes: dict[str, dict[str, list[str]]] = {}
    for name in names if any(label in by_label for label in attributes) else ():
        by_value: dict[str, list[Values]] = layer_values.setdefault(name, {})
        by_hash: dict[str, list[str]] = layer_hashes.setdefault(name, {})
        spans = doc.spans[name]
        for span, h in zip(spans, doc.hashes.get(name, ()), strict=True):
            if span[0] in attributes:
                by_hash.setdefault(span[0], []).append(h)
        for span, v in zip(spans, doc.values[name], strict=True):
            if span[0] in attributes:
                by_value.setdefault(span[0], []).append(v)
    for label, ids in attributes.items():
        if label not in by_label:
            continue
        hashes[label] = sorted({h for name in names for h in layer_hashes[name].get(label, ())})
        restricted: dict[int, str] = {}  # (spans share their values: one dump each)
        values = [
            [restricted.get(id(v)) or restricted.setdefault(id(v), _restricted(v, ids))
             for v in layer_values[name].get(label, ())]
            for name in names
        ]  # fmt: skip
        units[label] = {}
        for mode in ("exact", "overlap"):
            found, ambiguous = match_units(by_label[label], mode, matchings[label, mode])  # type: ignore[arg-type]
            counted = Counter(
                tuple([None if i is None else row[i] for row, i in zip(values, unit, strict=True)])
                for unit in found
            )
            units[label][mode] = [ambiguous, [[list(u), n] for u, n in counted.items()]]
    parts["units"] = units
    parts["hashes"] = hashes
    parts["ordered"] = sorted(set(ordered) & set(units))
    parts["row"] = _row(parts)
    return parts


# A pair's exact matches (how many), the spans either side left, and their same-label
# overlap matching (None: not yet matched).
Leftover = tuple[int, Spans, Spans, list[tuple[int, int]] | None]


def _tidy(spans: Spans) -> bool:
    """Whether one annotator's spans of a label are in text order, apart and not empty (as
    annotators mostly mark them): then no span is there twice, and a span both sides of a
    pair have overlaps no other of theirs."""
    reached = 0
    for _, start, end in spans:
        if start < reached or start >= end:
            return False
        reached = end
    return True


def _tidy_matches(
    first: Spans, second: Spans, in_first: Mapping[Any, int], in_second: Mapping[Any, int]
) -> tuple[list[list[tuple[int, int]]], Leftover]:
    """:func:`~annotator.agreement.match_spans`' exact and overlap matchings of two layers
    whose spans of each label are tidy (:func:`_tidy`; ``in_first``, ``in_second``: each
    span's index in its layer), and what the confusion counts start from. The exact matches
    are the spans both have; each is a component of its own in the graph of same-label
    overlaps, so the overlap matching is them and the matching of the rest (which the
    augmenting paths find there alone, in the same order)."""
    exact = [(x, y) for x, span in enumerate(first) if (y := in_second.get(span)) is not None]
    rest_a = [x for x, span in enumerate(first) if span not in in_second]
    rest_b = [y for y, span in enumerate(second) if span not in in_first]
    left_a, left_b = [first[x] for x in rest_a], [second[y] for y in rest_b]
    boundary = match_spans(left_a, left_b, "overlap")
    overlap = sorted(exact + [(rest_a[a], rest_b[b]) for a, b in boundary])
    return [exact, overlap], (len(exact), left_a, left_b, boundary)


def _label_matches(
    layers: Sequence[Spans],
    by_label: Mapping[str, Sequence[Spans]],
    attributes: Mapping[str, Sequence[str]],
    matchings: dict[tuple[str, str], dict[tuple[int, int], list[tuple[int, int]]]],
) -> list[list[Any]]:
    """The matches per pair and label, label by label: for layers with an empty (or
    reversed) span, which the overlap count of :func:`~annotator.agreement.match_counts`
    pairs when identical, and :func:`~annotator.agreement.match_spans` never."""
    pairs = []
    for i, j in combinations(range(len(layers)), 2):
        counts: dict[str, list[int]] = {}
        for label, spans in by_label.items():
            a, b = spans[i], spans[j]
            if label in attributes:  # the matchings themselves make the units
                exact = match_spans(a, b, "exact")
                overlap = match_spans(a, b, "overlap")
                matchings.setdefault((label, "exact"), {})[i, j] = exact
                matchings.setdefault((label, "overlap"), {})[i, j] = overlap
                counts[label] = [len(exact), len(overlap), len(a), len(b)]
            else:
                counts[label] = [*match_counts(a, b), len(a), len(b)]
        pairs.append([i, j, counts])
    return pairs


def _restricted(values: Values, ids: Sequence[str]) -> str:
    """A span's values of the label's categorical attributes, as canonical JSON (units
    with the same values count together)."""
    return json.dumps({key: values[key] for key in ids if key in values}, sort_keys=True)


Changes = list[tuple[int, tuple[str, ...]]]  # an annotator's label sets from positions on
LabelSets = dict[tuple[tuple[str, ...], ...], int]  # distinct columns of label sets: widths


def _label_sets(length: int, changes: Sequence[Changes]) -> LabelSets:
    """The per-character columns of the annotators' label sets (one sorted tuple each), from
    one sweep over their changes of value (:func:`_changes`), in the order they first occur."""
    events: list[tuple[int, int, tuple[str, ...]]] = []
    for k, changed in enumerate(changes):
        events.extend((position, k, value) for position, value in changed)
    events.sort()  # (one change per annotator and position: the values are never compared)
    none: tuple[str, ...] = ()
    values = [none] * len(changes)
    # Distinct label sets stay apart until the end.
    found: LabelSets = {}
    position = 0
    for following, k, value in events:
        if following > position:
            column = tuple(values)
            found[column] = found.get(column, 0) + following - position
            position = following
        values[k] = value
    if length > position:
        column = tuple(values)
        found[column] = found.get(column, 0) + length - position
    return found


def _document_columns(
    length: int, found: LabelSets, labels: Sequence[str]
) -> dict[str, Counter[Column]]:
    """The per-character columns of all labels (:func:`~annotator.agreement.label_columns`)
    and of each of ``labels`` (the label or ``O``), from those of the label sets
    (:func:`_label_sets`); each label's follow in the order they first occur, which is the
    text order of each label's own columns."""
    width = len(next(iter(found))) if found else 0
    whole: Counter[Column] = Counter()
    per_label: dict[str, Counter[Column]] = {label: Counter() for label in labels}
    covered = dict.fromkeys(labels, 0)  # characters where someone has the label
    for sets, times in found.items():
        whole[tuple("+".join(s) if s else OUTSIDE for s in sets)] += times
        for label in {label for s in sets for label in s}:
            if label in per_label:
                per_label[label][tuple(label if label in s else OUTSIDE for s in sets)] += times
                covered[label] += times
    for label, columns_of in per_label.items():
        if length > covered[label]:
            columns_of[(OUTSIDE,) * width] += length - covered[label]
    return {ALL_KEY: whole, **per_label}


Cells = Counter[tuple[str, str]]  # a pair's (value of one, value of the other): characters


def _pair_tables(
    length: int, changes: Sequence[Changes], sets: LabelSets
) -> dict[tuple[int, int], dict[str, Cells]]:
    """Per pair of annotators, the value pairs (Cohen's kappa's table) of every character of
    all labels (``ALL_KEY``), and of each label but where neither has it (``O`` and ``O``:
    the rest of the characters both annotated, added up by :func:`pair_table`). From the
    columns of label sets where they are few (few annotators), else from each pair's own
    sweep over its two annotators' changes."""
    pairs = list(combinations(range(len(changes)), 2))
    projected = len(sets) * len(pairs) <= sum(len(changes[i]) + len(changes[j]) for i, j in pairs)
    tables = {}
    for i, j in pairs:
        if projected:
            found: Counter[tuple[tuple[str, ...], tuple[str, ...]]] = Counter()
            for column, times in sets.items():
                found[column[i], column[j]] += times
        else:
            found = _pair_sets(length, changes[i], changes[j])
        whole: Cells = Counter()
        per_label: dict[str, Cells] = {}
        for (a, b), times in found.items():
            whole["+".join(a) if a else OUTSIDE, "+".join(b) if b else OUTSIDE] += times
            for label in set(a) | set(b):
                cells = per_label.setdefault(label, Counter())
                cells[label if label in a else OUTSIDE, label if label in b else OUTSIDE] += times
        tables[i, j] = {ALL_KEY: whole, **{label: per_label[label] for label in sorted(per_label)}}
    return tables


def _pair_sets(
    length: int, first: Changes, second: Changes
) -> Counter[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The (label set of one, of the other) of every character of two annotators, from
    their changes of value."""
    found: Counter[tuple[tuple[str, ...], tuple[str, ...]]] = Counter()
    none: tuple[str, ...] = ()
    a, b = none, none
    i = j = position = 0
    far = max(length, first[-1][0] if first else 0, second[-1][0] if second else 0) + 1
    while i < len(first) or j < len(second):
        at_a = first[i][0] if i < len(first) else far
        at_b = second[j][0] if j < len(second) else far
        following = min(at_a, at_b)
        if following > position:
            found[a, b] += following - position
            position = following
        if at_a == following:
            a = first[i][1]
            i += 1
        if at_b == following:
            b = second[j][1]
            j += 1
    if length > position:
        found[a, b] += length - position
    return found


def _changes(layer: Spans) -> Changes:
    """Where one annotator's labels change, at increasing positions: the sorted labels
    from there on (none: ``O``)."""
    changes: list[tuple[int, tuple[str, ...]]] = []
    reached = 0
    for label, start, end in layer:
        if start < reached or start > end:  # overlapping (or out of order): count them
            return _counted_changes(layer)
        value = (label,) if end > start else ()  # (an empty span: a change of nothing)
        if changes and changes[-1][0] == start:
            changes[-1] = (start, value)
        else:
            changes.append((start, value))
        if end > start:
            changes.append((end, ()))
        reached = end
    return changes


def _counted_changes(layer: Spans) -> list[tuple[int, tuple[str, ...]]]:
    """:func:`_changes` of spans that may overlap (or come in any order)."""
    ends = sorted(
        (position, label, step)
        for label, start, end in layer
        for position, step in ((start, 1), (end, -1))
    )
    active: dict[str, int] = {}
    changes: list[tuple[int, tuple[str, ...]]] = []
    for i, (position, label, step) in enumerate(ends):
        active[label] = active.get(label, 0) + step
        if not active[label]:
            del active[label]
        if i + 1 == len(ends) or ends[i + 1][0] != position:
            changes.append((position, tuple(sorted(active))))
    return changes


def _unitizing_json(length: int, layers: Sequence[Spans]) -> dict[str, Any]:
    coders, distances = unitizing_lists(length, [[(s, e) for _, s, e in layer] for layer in layers])
    return {
        "coders": [None if c is None else list(c) for c in coders],
        "distances": [[i, j, d] for (i, j), d in distances.items()],
    }


def _confusion(
    layers: Sequence[Spans], exact: Mapping[tuple[int, int], Leftover]
) -> tuple[Counter[tuple[str, str]], list[int]]:
    """Label swaps on identical boundaries, and how every pairwise disagreement splits up
    (agree, boundary only, label only, other), over the document's pairs; ``exact``: each
    pair's exact matches and what they left (:data:`Leftover`), where the caller has them.

    For each pair: exact matches agree; of the rest, same-label overlaps are boundary-only
    disagreements; same boundaries with another label are label swaps; what is left was
    marked by one side only (or differs in both label and boundaries).
    """
    swaps: Counter[tuple[str, str]] = Counter()
    tally = [0, 0, 0, 0]
    counted = [] if exact else [Counter(layer) for layer in layers]
    for i, j in combinations(range(len(layers)), 2):
        sa, sb = layers[i], layers[j]
        found = exact.get((i, j))
        if found is not None:
            agree, left_a, left_b, boundary = found
        else:
            # The exact matching pairs the first occurrences of each span on either side:
            # the later ones are left.
            ca, cb = counted[i], counted[j]
            agree = sum(min(n, cb[span]) for span, n in ca.items())
            left_a, left_b, boundary = _later(sa, cb), _later(sb, ca), None
        if boundary is None:
            boundary = match_spans(left_a, left_b, "overlap")
        taken_a, taken_b = {p[0] for p in boundary}, {p[1] for p in boundary}
        left_a = [s for i, s in enumerate(left_a) if i not in taken_a]
        left_b = [s for j, s in enumerate(left_b) if j not in taken_b]
        by_place: dict[tuple[int, int], list[str]] = {}
        for label, start, end in left_b:
            by_place.setdefault((start, end), []).append(label)
        swapped = 0
        for label, start, end in left_a:
            others = by_place.get((start, end))
            if others:
                swaps[tuple(sorted((label, others.pop())))] += 1  # type: ignore[index]
                swapped += 1
        tally[0] += agree
        tally[1] += len(boundary)
        tally[2] += swapped
        tally[3] += len(left_a) + len(left_b) - 2 * swapped
    return swaps, tally


def _later(spans: Spans, other: Counter[tuple[str, int, int]]) -> Spans:
    """The spans, in order, but for the first occurrences of each that ``other`` has."""
    skip = dict(other)  # the occurrences still to skip
    left = []
    for span in spans:
        if skip.get(span):
            skip[span] -= 1
        else:
            left.append(span)
    return left


def _row(parts: Mapping[str, Any]) -> dict[str, Any]:
    """The document's own figures (its row in the report)."""
    exact, overlap = [], []
    for _, _, counts in parts["pairs"]:
        sums = [sum(c[k] for c in counts.values()) for k in range(4)]
        exact.append(SpanScore(sums[0], sums[2], sums[3]).f1)
        overlap.append(SpanScore(sums[1], sums[2], sums[3]).f1)
    columns = {tuple(c): n for c, n in parts["columns"][ALL_KEY]}
    return {
        "f1_exact": _mean(exact),
        "f1_overlap": _mean(overlap),
        "krippendorff_alpha": krippendorff_alpha_of_columns(columns).value,
        "unitizing_alpha": _own_unitizing(parts).overall,
    }


def _own_unitizing(parts: Mapping[str, Any]) -> UnitizingAlpha:
    """:func:`unitizing` of one document alone, from its parts without a :class:`Totals`
    (a document's row is computed for every document computed): a coder's gaps at the
    document's ends are gaps of the continuum, and a coder without a unit of a label has
    one gap, the whole document."""
    names, length = parts["names"], parts["length"]
    terms: dict[str, Terms] = {}
    for label in sorted(parts["unitizing"]) if len(names) >= 2 else ():
        part = parts["unitizing"][label]
        if all(coder is None for coder in part["coders"]):
            continue  # (no unit: not a label of the document's)
        lengths: Counter[int] = Counter()
        gaps: Counter[int] = Counter()
        for coder in part["coders"]:
            if coder is None:
                if length > 0:
                    gaps[length] += 1
                continue
            lengths.update(coder[0])
            gaps.update(coder[1])
            for end in coder[2:4]:
                if end > 0:
                    gaps[end] += 1
        distance = sum(d for _, _, d in part["distances"])
        terms[label] = unitizing_terms(length, len(names), distance, lengths, gaps)
    return unitizing_alpha_of_terms(tuple(names), terms)


Group = tuple[str, ...]  # the annotators who did a document


def _counter(counters: dict[Any, Counter[Any]], key: Any) -> Counter[Any]:
    """The counter of ``key``, a new one if none (not made for every lookup, as with
    ``setdefault``: the totals look up a few dozen per document)."""
    found = counters.get(key)
    if found is None:
        found = counters[key] = Counter()
    return found


class Totals:
    """The additive parts of many documents added up, per group of documents (the annotators
    who did them) where the report needs that: per-character columns (per label, without the
    all-``O`` column, which is the rest of the group's characters), unitizing alpha's unit
    lengths and inner gaps per annotator and label and its distances per pair and label; per
    pair and label the match counts; the confusion counts. A document's parts can be taken
    away again (``sign`` -1), which leaves exactly the totals of the others."""

    def __init__(self, current: str = "") -> None:
        self.current = current  # the current scheme's hash
        self.spans: Counter[str] = Counter()  # spans per label
        self.seen = 0  # spans of the documents whose spans are all current (see apart)
        # Matched units per group, label with categorical attributes and mode: the ambiguous
        # groups and the units, but for the documents kept apart and ordered labels.
        self.units: dict[tuple[Group, str, str], tuple[list[int], Counter[tuple[Any, ...]]]] = {}
        self.columns: dict[Group, dict[str, Counter[Column]]] = {}
        self.sums: dict[tuple[Group, str, str], tuple[Counter[int], Counter[int]]] = {}
        self.distances: dict[tuple[Group, str], Counter[tuple[int, int]]] = {}
        self.matches: dict[tuple[str, str], dict[str, list[int]]] = {}
        # Per pair and label (ALL_KEY: all), the characters' value pairs (of a label: but
        # where neither has it, the rest of the characters both annotated).
        self.tables: dict[tuple[str, str], dict[str, Cells]] = {}
        self.swaps: Counter[tuple[str, str]] = Counter()
        self.tally = [0, 0, 0, 0]

    def apart(self, parts: Mapping[str, Any]) -> bool:
        """Whether a document's versions' findings, hashes and units are combined in
        document order (:func:`summary` keeps them): one with a span not made under the
        current scheme."""
        versions = parts["versions"]
        seen = versions.get("seen", {})
        return bool(versions.get("left_out")) or any(h != self.current for h in seen)

    def add(self, parts: Mapping[str, Any], sign: int = 1) -> None:
        names = parts["names"]
        group = tuple(names)
        for counts in parts["spans"]:
            for label, n in counts.items():
                self.spans[label] += sign * n
        if "units" in parts and not self.apart(parts):
            self.seen += sign * sum(parts["versions"].get("seen", {}).values())
            for label, by_mode in parts["units"].items():
                if label in parts["ordered"]:
                    continue
                for mode, (ambiguous, found) in by_mode.items():
                    kept = self.units.get((group, label, mode))
                    if kept is None:
                        kept = self.units[group, label, mode] = ([0], Counter())
                    lost, units = kept
                    lost[0] += sign * ambiguous
                    for unit, times in found:
                        units[tuple(unit)] += sign * times
        outside = (OUTSIDE,) * len(group)
        by_key = self.columns.setdefault(group, {})
        for key, stored in parts["columns"].items():
            found = _counter(by_key, key)
            for column, times in stored:
                if key == ALL_KEY or tuple(column) != outside:
                    found[tuple(column)] += sign * times
        for label, part in parts["unitizing"].items():
            for name, coder in zip(group, part["coders"], strict=True):
                if coder is not None:
                    sums = self.sums.get((group, name, label))
                    if sums is None:
                        sums = self.sums[group, name, label] = (Counter(), Counter())
                    lengths, gaps = sums
                    if sign > 0:
                        lengths.update(coder[0])  # (a list of lengths: counted in C)
                        gaps.update(coder[1])
                    else:
                        lengths.subtract(coder[0])
                        gaps.subtract(coder[1])
            distances = _counter(self.distances, (group, label))
            for i, j, value in part["distances"]:
                distances[i, j] += sign * value
        for i, j, counts in parts["pairs"]:
            slot = self.matches.setdefault((names[i], names[j]), {})
            for label, values in counts.items():
                total = slot.setdefault(label, [0, 0, 0, 0])
                for k in range(4):
                    total[k] += sign * values[k]
        for i, j, by_key in parts.get("tables", ()):
            tables = self.tables.setdefault((names[i], names[j]), {})
            for key, stored_cells in by_key.items():
                cells = _counter(tables, key)
                for x, y, n in stored_cells:
                    cells[x, y] += sign * n
        for x, y, n in parts.get("swaps", ()):
            self.swaps[x, y] += sign * n
        for k, n in enumerate(parts.get("tally", ())):
            self.tally[k] += sign * n
        if sign < 0:
            self._prune()

    def merge(self, other: Totals) -> None:
        """Add the totals of other documents: as adding each one's parts would."""
        self.spans.update(other.spans)
        self.seen += other.seen
        for unit_key, (lost, units) in other.units.items():
            mine = self.units.setdefault(unit_key, ([0], Counter()))
            mine[0][0] += lost[0]
            mine[1].update(units)
        for group, by_key in other.columns.items():
            columns_of = self.columns.setdefault(group, {})
            for key, found in by_key.items():
                columns_of.setdefault(key, Counter()).update(found)
        for sum_key, (lengths, gaps) in other.sums.items():
            sums = self.sums.setdefault(sum_key, (Counter(), Counter()))
            sums[0].update(lengths)
            sums[1].update(gaps)
        for label_key, distances in other.distances.items():
            self.distances.setdefault(label_key, Counter()).update(distances)
        for pair, slot in other.matches.items():
            mine_slot = self.matches.setdefault(pair, {})
            for label, values in slot.items():
                total = mine_slot.setdefault(label, [0, 0, 0, 0])
                for k in range(4):
                    total[k] += values[k]
        for pair, by_label in other.tables.items():
            tables_of = self.tables.setdefault(pair, {})
            for label, pairs_cells in by_label.items():
                tables_of.setdefault(label, Counter()).update(pairs_cells)
        self.swaps.update(other.swaps)
        for k, n in enumerate(other.tally):
            self.tally[k] += n

    def _prune(self) -> None:
        """Drop what counts nothing any more (a label nobody has is no label)."""
        for by_key in self.columns.values():
            for found in by_key.values():
                for column in [c for c, n in found.items() if not n]:
                    del found[column]
        for key, (lengths, gaps) in list(self.sums.items()):
            for counts in (lengths, gaps):
                for size in [size for size, n in counts.items() if not n]:
                    del counts[size]
            if not lengths:
                del self.sums[key]
        for label in [label for label, n in self.spans.items() if not n]:
            del self.spans[label]
        units = [found for _, found in self.units.values()]
        tables = [cells for by_key in self.tables.values() for cells in by_key.values()]
        counters: list[Counter[Any]] = [self.swaps, *self.distances.values(), *units, *tables]
        for counter in counters:
            for key in [key for key, n in counter.items() if not n]:
                del counter[key]

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": [
                [list(g), key, [[list(c), n] for c, n in found.items()]]
                for g, by_key in self.columns.items()
                for key, found in by_key.items()
            ],
            "sums": [
                [list(g), name, label, list(lengths.items()), list(gaps.items())]
                for (g, name, label), (lengths, gaps) in self.sums.items()
            ],
            "distances": [
                [list(g), label, [[i, j, n] for (i, j), n in found.items()]]
                for (g, label), found in self.distances.items()
            ],
            "matches": [[a, b, slot] for (a, b), slot in self.matches.items()],
            "tables": [
                [a, b, key, [[x, y, n] for (x, y), n in cells.items()]]
                for (a, b), by_key in self.tables.items()
                for key, cells in by_key.items()
            ],
            "swaps": [[x, y, n] for (x, y), n in self.swaps.items()],
            "tally": self.tally,
            "current": self.current,
            "spans": self.spans,
            "seen": self.seen,
            "units": [
                [list(g), label, mode, lost[0], [[list(u), n] for u, n in found.items()]]
                for (g, label, mode), (lost, found) in self.units.items()
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Totals:
        totals = cls(data["current"])
        totals.spans = Counter(data["spans"])
        totals.seen = data["seen"]
        for g, label, mode, lost, units in data["units"]:
            totals.units[tuple(g), label, mode] = ([lost], Counter({tuple(u): n for u, n in units}))
        for g, key, found in data["columns"]:
            totals.columns.setdefault(tuple(g), {})[key] = Counter({tuple(c): n for c, n in found})
        for g, name, label, lengths, gaps in data["sums"]:
            totals.sums[tuple(g), name, label] = (Counter(dict(lengths)), Counter(dict(gaps)))
        for g, label, found in data["distances"]:
            totals.distances[tuple(g), label] = Counter({(i, j): n for i, j, n in found})
        for a, b, slot in data["matches"]:
            totals.matches[a, b] = slot
        for a, b, key, cells in data["tables"]:
            totals.tables.setdefault((a, b), {})[key] = Counter({(x, y): n for x, y, n in cells})
        totals.swaps = Counter({(x, y): n for x, y, n in data["swaps"]})
        totals.tally = list(data["tally"])
        return totals


def summary(parts: Mapping[str, Any], totals: Totals) -> dict[str, Any]:
    """What the report needs of a document beyond ``totals``: its own figures and span
    counts per annotator, each annotator's gaps at either end of the document per label
    (``chain``); and what is combined in document order: the versions' findings, hashes and
    units of a document kept apart (:meth:`Totals.apart`), the units of ordered labels."""
    found: dict[str, Any] = {
        "names": parts["names"],
        "length": parts["length"],
        "row": parts.get("row"),
        "spans": [sum(counts.values()) for counts in parts["spans"]],
        "chain": {
            label: [None if c is None else [c[2], c[3]] for c in part["coders"]]
            for label, part in parts["unitizing"].items()
        },
    }
    if "units" not in parts:
        return found
    if totals.apart(parts):
        found.update(versions=parts["versions"], hashes=parts["hashes"], units=parts["units"])
    elif parts["ordered"]:
        found["units"] = {label: parts["units"][label] for label in parts["ordered"]}
    return found


def columns(
    documents: Sequence[Mapping[str, Any]], totals: Totals, key: str, used: Sequence[str]
) -> Counter[Column]:
    """The columns of ``key`` (a label, or ``ALL_KEY``) over the annotators ``used``
    (``None`` for one who did not do a document) of the documents (:func:`summary`) whose
    parts ``totals`` holds, added up; a label a document has no span of is ``O`` throughout
    it."""
    lengths: Counter[Group] = Counter()
    for d in documents:
        lengths[tuple(d["names"])] += d["length"]
    total: Counter[Column] = Counter()
    for group, length in lengths.items():
        where = [group.index(name) if name in group else None for name in used]
        covered = 0
        for column, times in totals.columns.get(group, {}).get(key, {}).items():
            total[tuple(None if k is None else column[k] for k in where)] += times
            covered += times
        if length > covered:
            total[tuple(None if k is None else OUTSIDE for k in where)] += length - covered
    return total


def pair_table(totals: Totals, key: str, a: str, b: str, both: int) -> Cells:
    """Cohen's kappa's table of ``a`` and ``b`` for ``key`` (a label, or ``ALL_KEY``) over
    the documents both did (``both`` characters), whose parts ``totals`` holds: every
    character as their two values (a label's: the label or ``O``)."""
    table = Counter(totals.tables.get((a, b), {}).get(key, {}))
    counted = table.total()
    if both > counted:  # (a label's: where neither has it)
        table[OUTSIDE, OUTSIDE] += both - counted
    return table


Chains = dict[tuple[tuple[int, ...], str, str], Counter[int]]  # see unitizing


def unitizing(
    documents: Sequence[Mapping[str, Any]],
    names: Sequence[str],
    totals: Totals,
    chains: Chains | None = None,
) -> UnitizingAlpha:
    """Krippendorff's unitizing alpha of ``names`` on the continuum that concatenates the
    documents (:func:`summary`; each of which all of ``names`` did, and every document of
    their groups), exactly as :func:`~annotator.agreement.unitizing_alpha` computes it on
    that continuum. ``chains`` keeps each annotator's gaps across the documents' ends for
    other calls on the same documents (the whole report's and its pairs')."""
    groups = {tuple(d["names"]) for d in documents}
    length = sum(d["length"] for d in documents)
    labels = sorted(
        {label for group, name, label in totals.sums if group in groups and name in names}
    )
    m = len(names)
    terms: dict[str, Terms] = {}
    known: Chains = {} if chains is None else chains
    signature = tuple(map(id, documents))  # (the same summaries in the same order)
    if m >= 2:
        for label in labels:
            distance = 0
            lengths: Counter[int] = Counter()
            gaps: Counter[int] = Counter()
            for group in groups:
                where = [group.index(name) for name in names]
                for name in names:
                    found = totals.sums.get((group, name, label))
                    if found is not None:
                        lengths.update(found[0])
                        gaps.update(found[1])
                for (i, j), value in totals.distances.get((group, label), {}).items():
                    if i in where and j in where:
                        distance += value
            for name in names:  # (each annotator's gaps run on apart from the others')
                chained = known.get((signature, name, label))
                if chained is None:
                    chained = known[signature, name, label] = _chain(documents, name, label)
                gaps.update(chained)
            terms[label] = unitizing_terms(length, m, distance, lengths, gaps)
    return unitizing_alpha_of_terms(tuple(names), terms)


def _chain(documents: Sequence[Mapping[str, Any]], name: str, label: str) -> Counter[int]:
    """One annotator's gaps of a label that span the documents' ends on their continuum:
    the gap running on from the documents before, joined with a document's first."""
    gaps: Counter[int] = Counter()
    carry = 0
    for d in documents:
        chain = d["chain"].get(label)
        if chain is None:
            carry += d["length"]
            continue
        ends = chain[d["names"].index(name)]
        if ends is None:
            carry += d["length"]
            continue
        if carry + ends[0] > 0:
            gaps[carry + ends[0]] += 1
        carry = ends[1]
    if carry > 0:
        gaps[carry] += 1
    return gaps
