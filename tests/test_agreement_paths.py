"""The agreement parts' shortcuts give what the general computations give (annotator/agreement.py,
agreement_parts.py): exact units by hashing, the matchings of tidy layers (each label's spans in
order and apart) from their exact matches, a document's own row without totals, a pair's value
pairs from its own sweep."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator import agreement, agreement_parts
from annotator.agreement import _exact_units, _linked_units, match_spans
from annotator.agreement_parts import (
    Layers,
    Totals,
    _changes,
    _label_sets,
    _own_unitizing,
    _pair_sets,
    _tidy,
    _tidy_matches,
    document_parts,
    summary,
    unitizing,
)

LABELS = "abc"


@st.composite
def tidy_layer(draw: st.DrawFn, length: int = 60) -> list[tuple[str, int, int]]:
    """One annotator's spans: each label's in order and apart, the labels' free to overlap."""
    spans = []
    for label in LABELS:
        position = draw(st.integers(0, 6))
        for _ in range(draw(st.integers(0, 6))):
            start = position + draw(st.integers(0, 5))
            end = start + draw(st.integers(1, 9))
            if end > length:
                break
            spans.append((label, start, end))
            position = end
    return sorted(spans, key=lambda s: (s[1], s[2]))


any_layer = st.lists(
    st.tuples(st.sampled_from(LABELS), st.integers(0, 50), st.integers(0, 9)).map(
        lambda t: (t[0], t[1], t[1] + t[2])
    ),
    max_size=14,
).map(lambda spans: sorted(spans, key=lambda s: (s[1], s[2])))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(tidy_layer(), any_layer, st.none()), min_size=2, max_size=4),
    st.booleans(),
)
def test_exact_units_by_hashing_are_the_linked_ones(layers: list[Any], one_label: bool) -> None:
    if one_label:  # (as the parts ask: a label's spans)
        layers = [None if layer is None else [s for s in layer if s[0] == "a"] for layer in layers]
    present = {k: layer for k, layer in enumerate(layers) if layer is not None}
    hashed = _exact_units(present, len(layers))
    linked = _linked_units(present, len(layers), "exact", None)
    labels = {s[0] for layer in present.values() for s in layer}
    if len(labels) > 1 or any(len(set(layer)) < len(layer) for layer in present.values()):
        assert hashed is None  # (a span twice, or two labels: linked in order)
    else:
        assert (hashed, 0) == linked


@settings(max_examples=400, deadline=None)
@given(tidy_layer(), tidy_layer())
def test_tidy_layers_match_as_match_spans_does(first: Any, second: Any) -> None:
    for label in LABELS:
        assert _tidy([s for s in first if s[0] == label])
        assert _tidy([s for s in second if s[0] == label])
    places = [{span: x for x, span in enumerate(layer)} for layer in (first, second)]
    (exact, overlap), (agree, left_a, left_b, boundary) = _tidy_matches(first, second, *places)
    assert exact == match_spans(first, second, "exact")
    assert overlap == match_spans(first, second, "overlap")
    taken_a, taken_b = {x for x, _ in exact}, {y for _, y in exact}
    assert agree == len(exact)
    assert left_a == [s for x, s in enumerate(first) if x not in taken_a]
    assert left_b == [s for y, s in enumerate(second) if y not in taken_b]
    assert boundary == match_spans(left_a, left_b, "overlap")


def _document(layers: list[Any], seed: int) -> tuple[Layers, dict[str, list[str]]]:
    """A document of the layers, with a choice attribute on labels a and b."""
    choices = ["x", "y", "z"]
    spans = {f"n{k}": layer for k, layer in enumerate(layers)}
    values = {
        name: [
            {"kind": choices[(seed + s[1] * 7 + k) % 3]} if s[0] != "c" else {}
            for s in layer
        ]
        for k, (name, layer) in enumerate(spans.items())
    }  # fmt: skip
    hashes = {name: ["h"] * len(layer) for name, layer in spans.items()}
    return Layers(1, "t", 70, spans, values, hashes), {"a": ["kind"], "b": ["kind"]}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(tidy_layer(), any_layer), min_size=2, max_size=4), st.integers(0, 5))
def test_the_parts_of_tidy_layers_are_the_general_ones(layers: list[Any], seed: int) -> None:
    doc, attributes = _document(layers, seed)
    found = document_parts(doc, attributes, {"seen": {"h": 1}})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(agreement_parts, "_tidy", lambda spans: False)
        patch.setattr(agreement, "_exact_units", lambda present, width: None)
        general = document_parts(doc, attributes, {"seen": {"h": 1}})
    assert found == general


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(tidy_layer(), any_layer), min_size=2, max_size=4))
def test_a_documents_own_unitizing_alpha_is_that_of_its_totals(layers: list[Any]) -> None:
    doc, attributes = _document(layers, 0)
    parts = document_parts(doc, attributes, {"seen": {"h": 1}})
    totals = Totals()
    totals.add(parts)
    assert _own_unitizing(parts) == unitizing([summary(parts, totals)], parts["names"], totals)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(tidy_layer(), any_layer), min_size=2, max_size=4))
def test_a_pairs_sweep_counts_as_the_columns_of_all(layers: list[Any]) -> None:
    changes = [_changes(layer) for layer in layers]
    sets = _label_sets(60, changes)
    for i in range(len(layers)):
        for j in range(i + 1, len(layers)):
            projected: Counter[Any] = Counter()
            for column, times in sets.items():
                projected[column[i], column[j]] += times
            assert _pair_sets(60, changes[i], changes[j]) == projected


values = st.one_of(st.none(), st.sampled_from(["x", "y", "z"]))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(2, 5).flatmap(
        lambda width: st.dictionaries(
            st.tuples(*[values] * width), st.integers(1, 6), min_size=1, max_size=12
        )
    )
)
def test_value_agreement_counts_pairs_alike_either_way(columns: dict[Any, int]) -> None:
    """Pairs counted over units listed one by one (many annotators) or column by column."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(agreement, "EXPANDED_AT", 10**9)
        listed = agreement.value_agreement(columns)
        patch.setattr(agreement, "EXPANDED_AT", 0)
        by_column = agreement.value_agreement(columns)
    assert listed == by_column
    assert list(listed.confusion) == list(by_column.confusion)  # (the same order too)
