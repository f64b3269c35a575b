"""Agreement coefficients against published worked examples and hand-computed cases.

Published values come from the sources in ``design/agreement.md`` §10, as DKPro Statistics'
test suite checks them (``dkpro-statistics-agreement/src/test/java/...``): Cohen1960Test,
Fleiss1971Test, coding/Krippendorff2004Test, unitizing/Krippendorff1995Test,
unitizing/Krippendorff2004Test and UnitizingAgreementTest. Tolerances are DKPro's.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise, permutations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.agreement import (
    SpanScore,
    character_labels,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    match_spans,
    span_f1,
    unitizing_alpha,
)


def expand(cells: list[tuple[int, object, object]]) -> tuple[list[object], list[object]]:
    """Two rating sequences from (count, value_a, value_b) cells of a contingency table."""
    a: list[object] = []
    b: list[object] = []
    for count, x, y in cells:
        a += [x] * count
        b += [y] * count
    return a, b


# ---- Cohen (1960) ---------------------------------------------------------------------------


def test_cohen_1960_example_1() -> None:
    """Cohen (1960: 37): p_o = 0.29, p_e = 0.35 (published). Kappa itself is not printed
    there; by hand: rows 40/30/30, columns 50/30/20, p_e = (2000 + 900 + 600)/10000 = 0.35,
    kappa = (0.29 - 0.35)/(1 - 0.35) = -0.06/0.65 = -0.0923."""
    a, b = expand(
        [(25, 1, 1), (12, 1, 2), (3, 1, 3), (13, 2, 1), (2, 2, 2), (15, 2, 3),
         (12, 3, 1), (16, 3, 2), (2, 3, 3)]
    )  # fmt: skip
    kappa = cohen_kappa(a, b)
    assert kappa.observed == pytest.approx(0.29, abs=0.01)
    assert kappa.expected == pytest.approx(0.35, abs=0.01)
    assert kappa.value == pytest.approx(-0.06 / 0.65)


def test_cohen_1960_example_2() -> None:
    """Cohen (1960: 45): p_o = 0.70, p_e = 0.41, kappa = 0.492."""
    a, b = expand(
        [(88, 1, 1), (14, 1, 2), (18, 1, 3), (10, 2, 1), (40, 2, 2), (10, 2, 3),
         (2, 3, 1), (6, 3, 2), (12, 3, 3)]
    )  # fmt: skip
    kappa = cohen_kappa(a, b)
    assert kappa.observed == pytest.approx(0.70, abs=0.01)
    assert kappa.expected == pytest.approx(0.41, abs=0.01)
    assert kappa.value == pytest.approx(0.492, abs=0.001)
    assert kappa.name == "Cohen's kappa"
    assert kappa.items == 200


def test_krippendorff_2004_p246_cohen_versus_scott() -> None:
    """Krippendorff (2004: 246): same agreement, different marginals: kappa 0.186 (4a),
    0.258 (4b); Scott's pi is 0.186 for both, so kappa != pi when marginals differ."""
    cells = [(12, "a", "a"), (9, "a", "b"), (9, "a", "c"), (9, "b", "a"), (14, "b", "b"),
             (9, "b", "c"), (9, "c", "a"), (9, "c", "b"), (20, "c", "c")]  # fmt: skip
    assert cohen_kappa(*expand(cells)).value == pytest.approx(0.186, abs=0.001)
    assert cohen_kappa(*expand(cells)).percent_agreement == pytest.approx(0.460, abs=0.001)
    cells = [(12, "a", "a"), (18, "a", "b"), (18, "a", "c"), (14, "b", "b"), (18, "b", "c"),
             (20, "c", "c")]  # fmt: skip
    assert cohen_kappa(*expand(cells)).value == pytest.approx(0.258, abs=0.001)


# ---- Fleiss (1971) --------------------------------------------------------------------------

FLEISS_1971 = [
    (4, 4, 4, 4, 4, 4), (2, 2, 2, 5, 5, 5), (2, 3, 3, 3, 3, 5), (5, 5, 5, 5, 5, 5),
    (2, 2, 2, 4, 4, 4), (1, 1, 3, 3, 3, 3), (3, 3, 3, 3, 5, 5), (1, 1, 3, 3, 3, 4),
    (1, 1, 4, 4, 4, 4), (5, 5, 5, 5, 5, 5), (1, 4, 4, 4, 4, 4), (1, 2, 4, 4, 4, 4),
    (2, 2, 2, 3, 3, 3), (1, 4, 4, 4, 4, 4), (2, 2, 4, 4, 4, 5), (3, 3, 3, 3, 3, 5),
    (1, 1, 1, 4, 5, 5), (1, 1, 1, 1, 1, 2), (2, 2, 4, 4, 4, 4), (1, 3, 3, 5, 5, 5),
    (5, 5, 5, 5, 5, 5), (2, 4, 4, 4, 4, 4), (2, 2, 4, 5, 5, 5), (1, 1, 4, 4, 4, 4),
    (1, 4, 4, 4, 4, 5), (2, 2, 2, 2, 2, 4), (1, 1, 1, 1, 5, 5), (2, 2, 4, 4, 4, 4),
    (1, 3, 3, 3, 3, 3), (5, 5, 5, 5, 5, 5),
]  # fmt: skip


def test_fleiss_1971() -> None:
    """Fleiss (1971: 379): 30 subjects, 6 psychiatrists, 5 diagnoses: P = 0.5556,
    P_e = 0.2201, kappa = 0.430."""
    table = [[item.count(category) for category in range(1, 6)] for item in FLEISS_1971]
    kappa = fleiss_kappa(table)
    assert kappa.items == 30
    assert kappa.observed == pytest.approx(0.5556, abs=0.001)
    assert kappa.expected == pytest.approx(0.2201, abs=0.001)
    assert kappa.value == pytest.approx(0.430, abs=0.001)


def test_fleiss_rejects_uneven_rating_counts() -> None:
    with pytest.raises(ValueError, match="same number of ratings"):
        fleiss_kappa([[2, 0], [1, 2]])


# ---- Krippendorff's alpha (nominal) ---------------------------------------------------------


def test_krippendorff_2004_p224_dichotomy() -> None:
    """Krippendorff (2004: 224): 2 coders, 10 units: D_o 0.400, D_e 0.442, alpha 0.095."""
    data = [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]]
    alpha = krippendorff_alpha(data)
    assert alpha.percent_agreement == pytest.approx(0.600, abs=0.001)
    assert alpha.observed == pytest.approx(0.400, abs=0.001)
    assert alpha.expected == pytest.approx(0.442, abs=0.001)
    assert alpha.value == pytest.approx(0.095, abs=0.001)


def test_krippendorff_2004_p227_three_categories() -> None:
    """Krippendorff (2004: 227): D_o 0.1667, D_e 0.6268, alpha 0.734."""
    a = ["a", "a", "b", "b", "b", "b", "b", "c", "c", "c", "c", "c"]
    b = ["a", "b", "b", "b", "b", "b", "c", "c", "c", "c", "c", "c"]
    alpha = krippendorff_alpha([a, b])
    assert alpha.observed == pytest.approx(0.1667, abs=0.001)
    assert alpha.expected == pytest.approx(0.6268, abs=0.001)
    assert alpha.value == pytest.approx(0.734, abs=0.001)


def test_krippendorff_2004_p230_four_coders_missing_values() -> None:
    """Krippendorff (2004: 230): 4 coders, 12 units, missing values; D_o 0.200,
    D_e 0.779, alpha 0.743. The last unit has one value only and is unpairable."""
    units = [
        ("B", "B", None, "B"), ("L", "L", "P", "L"), ("P", "P", "P", "P"),
        ("P", "P", "P", "P"), ("L", "L", "L", "L"), ("B", "L", "P", "C"),
        ("C", "C", "C", "C"), ("B", "B", "L", "B"), ("L", "L", "L", "L"),
        (None, "F", "F", "F"), (None, None, "B", "B"), (None, None, "P", None),
    ]  # fmt: skip
    data = [list(coder) for coder in zip(*units, strict=True)]
    alpha = krippendorff_alpha(data)
    assert alpha.items == 11
    assert alpha.percent_agreement == pytest.approx(0.800, abs=0.001)
    assert alpha.observed == pytest.approx(0.200, abs=0.001)
    assert alpha.expected == pytest.approx(0.779, abs=0.001)
    assert alpha.value == pytest.approx(0.743, abs=0.001)


def test_krippendorff_1995_digitized_pair_a() -> None:
    """Krippendorff (1995: 57), pair A digitized per character (DKPro testDigitizedAgreement):
    Cohen's kappa 0.385, alpha 0.329. Built here from spans via character_labels."""
    bertha = character_labels(24, [("A", 2, 10), ("A", 14, 20)])
    bill = character_labels(24, [("A", 4, 8), ("A", 15, 17)])
    assert cohen_kappa(bertha, bill).value == pytest.approx(0.385, abs=0.001)
    alpha = krippendorff_alpha([bertha, bill])
    assert alpha.value == pytest.approx(0.329, abs=0.001)
    # With two coders and complete data, alpha = 1 - (2N - 1)/(2N) (1 - pi); pi = 0.314.
    assert alpha.value == pytest.approx(1 - 47 / 48 * (1 - 0.314), abs=0.001)


# ---- degenerate cases (design/agreement.md §8): undefined, never 0 or 1 ------------------


def test_degenerate_coefficients_are_undefined_with_a_reason() -> None:
    same = ["O"] * 5
    kappa = cohen_kappa(same, same)
    assert (kappa.value, kappa.reason, kappa.percent_agreement) == (None, "no variation", 1.0)
    assert cohen_kappa([], []).reason == "no items"
    assert fleiss_kappa([[3, 0], [3, 0]]).reason == "no variation"
    assert fleiss_kappa([]).value is None
    alpha = krippendorff_alpha([same, same])
    assert (alpha.value, alpha.reason, alpha.percent_agreement) == (None, "no variation", 1.0)
    # One annotator (or only missing partners): nothing is pairable.
    assert krippendorff_alpha([["A", "O"], [None, None]]).reason == "no pairable units"
    assert krippendorff_alpha([["A", "O"]]).reason == "no pairable units"


def test_cohen_kappa_refuses_missing_and_unequal_data() -> None:
    with pytest.raises(ValueError, match="complete data"):
        cohen_kappa(["A", None], ["A", "B"])
    with pytest.raises(ValueError, match="length"):
        cohen_kappa(["A"], ["A", "B"])


def test_missing_annotator_is_not_outside() -> None:
    """An annotator who skipped the units is missing: only the two others are paired.
    Treating the skipped units as "O" would show disagreement that is not there."""
    done = ["A", "A", "O", "O"]
    other = ["A", "A", "O", "O"]
    assert krippendorff_alpha([done, other, [None] * 4]).value == pytest.approx(1.0)
    assert krippendorff_alpha([done, other, ["O"] * 4]).value < 0.5


# ---- character labels -----------------------------------------------------------------------


def test_character_labels_nested_and_overlapping() -> None:
    assert character_labels(6, []) == ["O"] * 6
    assert character_labels(6, [("A", 0, 4), ("B", 2, 5)]) == ["A", "A", "A+B", "A+B", "B", "O"]
    # Same-label nesting collapses to the label; a nested different label is its own value.
    assert character_labels(5, [("A", 0, 5), ("A", 1, 3)]) == ["A"] * 5
    assert character_labels(5, [("B", 1, 2), ("A", 0, 5)]) == ["A", "A+B", "A", "A", "A"]
    assert character_labels(3, [("A", 1, 3)], outside="-") == ["-", "A", "A"]
    with pytest.raises(ValueError):
        character_labels(3, [("A", 2, 4)])


# ---- span F1 --------------------------------------------------------------------------------


def test_span_f1_exact() -> None:
    ref = [("A", 0, 5), ("B", 6, 9), ("A", 10, 12)]
    cand = [("A", 0, 5), ("B", 6, 8), ("A", 10, 12), ("A", 20, 22)]
    score = span_f1(ref, cand)
    assert (score.matched, score.reference, score.candidate) == (2, 3, 4)
    assert score.precision == pytest.approx(0.5)
    assert score.recall == pytest.approx(2 / 3)
    assert score.f1 == pytest.approx(2 * 2 / 7)


def test_span_f1_overlap_needs_same_label_and_a_shared_character() -> None:
    ref = [("A", 0, 5), ("B", 6, 9)]
    cand = [("A", 4, 8), ("A", 6, 9), ("B", 9, 12)]  # touching [6,9) and [9,12) share nothing
    score = span_f1(ref, cand, match="overlap")
    assert (score.matched, score.precision, score.recall) == (1, 1 / 3, 1 / 2)


def test_span_f1_overlap_nested_is_one_to_one() -> None:
    """Two candidate spans nested in one reference span: one pair only.
    P = 1/2, R = 1/1, F1 = 2*1/(1+2) = 2/3 (by hand)."""
    score = span_f1([("A", 0, 10)], [("A", 2, 5), ("A", 6, 8)], match="overlap")
    assert (score.precision, score.recall) == (0.5, 1.0)
    assert score.f1 == pytest.approx(2 / 3)


def test_span_f1_overlap_uses_a_maximum_matching() -> None:
    """Greedy (by input order or by overlap size: R1 and C1 share 4 characters, R1 and C2
    3) pairs R1 with C1 and leaves R2 alone; the maximum matching is R1-C2, R2-C1."""
    ref = [("X", 0, 10), ("X", 8, 12)]
    cand = [("X", 5, 9), ("X", 0, 3)]
    assert span_f1(ref, cand, match="overlap").matched == 2
    assert match_spans(ref, cand, "overlap") == [(0, 1), (1, 0)]


def test_span_f1_empty_sides() -> None:
    none = span_f1([], [])
    assert (none.precision, none.recall, none.f1) == (None, None, None)
    one = span_f1([("A", 0, 1)], [])
    assert (one.precision, one.recall, one.f1) == (None, 0.0, 0.0)
    assert (span_f1([], [("A", 0, 1)]) + one).f1 == 0.0
    with pytest.raises(ValueError):
        span_f1([], [], match="fuzzy")  # type: ignore[arg-type]


spans = st.lists(
    st.tuples(st.sampled_from("AB"), st.integers(0, 15), st.integers(1, 6)).map(
        lambda t: (t[0], t[1], t[1] + t[2])
    ),
    max_size=6,
)


def brute_force_matching(ref: list[tuple[str, int, int]], cand: list[tuple[str, int, int]]) -> int:
    def ok(r: tuple[str, int, int], c: tuple[str, int, int]) -> bool:
        return r[0] == c[0] and r[1] < c[2] and c[1] < r[2]

    best = 0
    padded = list(range(len(cand))) + [None] * len(ref)
    for order in permutations(padded, len(ref)):
        best = max(
            best,
            sum(1 for r, j in zip(ref, order, strict=True) if j is not None and ok(r, cand[j])),
        )
    return best


@given(spans, spans)
def test_overlap_matching_is_maximum_and_f1_symmetric(ref, cand) -> None:  # type: ignore[no-untyped-def]
    forward = span_f1(ref, cand, match="overlap")
    backward = span_f1(cand, ref, match="overlap")
    assert forward.f1 == backward.f1
    assert (forward.precision, forward.recall) == (backward.recall, backward.precision)
    if len(ref) <= 5 and len(cand) <= 5:
        assert forward.matched == brute_force_matching(ref, cand)
    pairs = match_spans(ref, cand, "overlap")
    assert len({i for i, _ in pairs}) == len({j for _, j in pairs}) == len(pairs)


@given(st.lists(st.sampled_from(["O", "A", "B"]), min_size=1, max_size=40))
def test_kappa_and_alpha_of_identical_ratings(values: list[str]) -> None:
    kappa = cohen_kappa(values, values)
    alpha = krippendorff_alpha([values, values, values])
    if len(set(values)) > 1:
        assert kappa.value == pytest.approx(1.0)
        assert alpha.value == pytest.approx(1.0)
    else:
        assert kappa.value is None and alpha.value is None


def test_span_score_addition_is_micro_average() -> None:
    total = SpanScore(1, 2, 2) + SpanScore(3, 3, 5)
    assert (total.matched, total.reference, total.candidate) == (4, 5, 7)


# ---- unitizing alpha ------------------------------------------------------------------------


def krippendorff_1995(stretch: float) -> list[tuple[int, str, int, int]]:
    """The four two-coder pairs of Krippendorff (1995: 57), built as DKPro's
    Krippendorff1995Test.createExample does: (offset, length) scaled and truncated."""
    units = [
        (2, 8, 0, "A"), (14, 6, 0, "A"), (4, 4, 1, "A"), (15, 2, 1, "A"),
        (0, 18, 0, "B"), (0, 2, 1, "B"), (2, 1, 1, "B"), (3, 1, 1, "B"), (4, 1, 1, "B"),
        (5, 1, 1, "B"), (6, 3, 1, "B"), (9, 1, 1, "B"),
        (2, 6, 0, "C"), (10, 2, 0, "C"), (14, 4, 0, "C"), (20, 2, 0, "C"), (0, 2, 1, "C"),
        (4, 4, 1, "C"), (10, 4, 1, "C"), (16, 2, 1, "C"), (20, 2, 1, "C"),
        (0, 2, 0, "D"), (2, 8, 0, "D"), (10, 4, 0, "D"), (14, 6, 0, "D"), (20, 4, 0, "D"),
        (0, 4, 1, "D"), (4, 4, 1, "D"), (8, 7, 1, "D"), (15, 2, 1, "D"), (17, 7, 1, "D"),
    ]  # fmt: skip
    out = []
    for offset, length, rater, label in units:
        start = int(offset * stretch)
        out.append((rater, label, start, start + int(length * stretch)))
    return out


def test_unitizing_krippendorff_1995_observed() -> None:
    result = unitizing_alpha(24, krippendorff_1995(1), annotators=[0, 1])
    assert result.observed["A"] == pytest.approx(0.03125, abs=0.00001)
    assert result.observed["B"] == pytest.approx(2.26736, abs=0.00001)
    assert result.observed["C"] == pytest.approx(0.02777, abs=0.00001)
    assert result.observed["D"] == pytest.approx(0.38715, abs=0.00001)


def test_unitizing_krippendorff_1995_expected_and_alpha() -> None:
    """The paper's continuum is continuous: a discrete implementation matches it after
    scaling by 50,000 (DKPro's test does the same)."""
    result = unitizing_alpha(1_200_000, krippendorff_1995(1_200_000 / 24))
    expected = {"A": 0.06990, "B": 1.17731, "C": 0.08642, "D": 0.41445}
    alphas = {"A": 0.553, "B": -0.926, "C": 0.679, "D": 0.066}
    for label in "ABCD":
        assert result.expected[label] == pytest.approx(expected[label], abs=0.005)
        assert result.by_label[label] == pytest.approx(alphas[label], abs=0.02)


@pytest.mark.parametrize(
    ("stretch", "d_e", "tolerance", "alpha"),
    [(0.5, 0.05494, 0.00001, 0.494), (5, 0.08234, 0.005, 0.663), (50, 0.08600, 0.005, 0.677),
     (500, 0.08638, 0.005, 0.678), (5000, 0.08642, 0.005, 0.679)],
)  # fmt: skip
def test_unitizing_krippendorff_1995_varying_lengths(
    stretch: float, d_e: float, tolerance: float, alpha: float
) -> None:
    # Truncation leaves some A, B and D units empty at stretch 0.5; labels are scored
    # independently, so only the C units (all non-empty) are kept.
    units = [unit for unit in krippendorff_1995(stretch) if unit[1] == "C"]
    result = unitizing_alpha(int(24 * stretch), units)
    assert result.observed["C"] == pytest.approx(0.02777, abs=0.00001)
    assert result.expected["C"] == pytest.approx(d_e, abs=tolerance)
    assert result.by_label["C"] == pytest.approx(alpha, abs=0.02)


def test_unitizing_krippendorff_2004_p254() -> None:
    """Krippendorff (2004: 254): continuum [150, 450), shifted here to start at 0.
    Overall 0.8591; c: D_O 0.0144, D_E 0.0532, alpha 0.7286; k: 0, 0.0490, 1."""
    units = [(0, "c", 225, 70), (0, "c", 370, 30), (1, "c", 220, 80), (1, "c", 355, 20),
             (1, "c", 400, 20), (0, "k", 180, 60), (0, "k", 300, 50), (1, "k", 180, 60),
             (1, "k", 300, 50)]  # fmt: skip
    result = unitizing_alpha(300, [(r, c, o - 150, o - 150 + n) for r, c, o, n in units])
    assert result.overall == pytest.approx(0.8591, abs=0.0005)
    assert result.observed["c"] == pytest.approx(0.0144, abs=0.0001)
    assert result.expected["c"] == pytest.approx(0.0532, abs=0.0001)
    assert result.by_label["c"] == pytest.approx(0.7286, abs=0.0001)
    assert result.observed["k"] == pytest.approx(0.0, abs=0.0001)
    assert result.expected["k"] == pytest.approx(0.0490, abs=0.0001)
    assert result.by_label["k"] == pytest.approx(1.0, abs=0.0001)


def test_unitizing_dkpro_example() -> None:
    """DKPro UnitizingAgreementTest: r0 -11111111-, r1 --1-1-1--- over 10 characters."""
    result = unitizing_alpha(10, [(0, "A", 1, 9), (1, "A", 2, 3), (1, "A", 4, 5), (1, "A", 6, 7)])
    assert result.observed["A"] == pytest.approx(0.9100, abs=0.0001)
    assert result.expected["A"] == pytest.approx(0.5351, abs=0.0001)
    assert result.by_label["A"] == pytest.approx(-0.7003, abs=0.0001)


def test_unitizing_single_unit_of_three_annotators() -> None:
    """DKPro testSingleAnnotationUnit: D_O = D_E (= 1/600 each, by hand), so alpha is 0."""
    result = unitizing_alpha(20, [(0, "X", 0, 1)], annotators=[0, 1, 2])
    assert result.observed["X"] == pytest.approx(1 / 600)
    assert result.expected["X"] == pytest.approx(1 / 600)
    assert result.overall == 0.0


def test_unitizing_hand_computed_boundary_slip() -> None:
    """L = 10, a marks [2,6), b marks [3,6). By hand: the only distance is unit-unit,
    (2-3)^2 + 0 = 1, so D_O = 2*1/(2*1*100) = 0.01. D_E: lengths 4 and 3, N_c = 2, gaps
    2, 4 (a) and 3, 4 (b); l=4: 84/3 + 16*(1+1) = 60; l=3: 30/3 + 9*(1+2+2) = 55;
    numerator 2/10 * 115 = 23, denominator 2*10*19 - (12 + 6) = 362, D_E = 23/362,
    alpha = 1 - 3.62/23 = 0.842609."""
    result = unitizing_alpha(10, [("a", "X", 2, 6), ("b", "X", 3, 6)])
    assert result.observed["X"] == pytest.approx(0.01)
    assert result.expected["X"] == pytest.approx(23 / 362)
    assert result.by_label["X"] == pytest.approx(1 - 3.62 / 23)
    assert result.overall == result.by_label["X"]


def test_unitizing_label_swap_scores_far_below_zero() -> None:
    result = unitizing_alpha(20, [("a", "X", 2, 8), ("b", "Y", 2, 8)])
    assert result.overall is not None and result.overall < -0.5
    assert all(value is not None and value < -0.5 for value in result.by_label.values())


def test_unitizing_annotator_without_spans_and_degenerate_cases() -> None:
    both = [("a", "X", 0, 5), ("b", "X", 0, 5)]
    assert unitizing_alpha(10, both).overall == pytest.approx(1.0)
    # A third annotator who did the continuum and marked nothing disagrees.
    silent = unitizing_alpha(10, both, annotators=["a", "b", "c"])
    assert silent.annotators == ("a", "b", "c")
    assert silent.overall is not None and silent.overall < 1.0
    empty = unitizing_alpha(10, [], annotators=["a", "b"])
    assert (empty.overall, empty.reason) == (None, "no spans")
    alone = unitizing_alpha(10, [("a", "X", 0, 5)])
    assert (alone.overall, alone.reason) == (None, "fewer than two annotators")
    with pytest.raises(ValueError):
        unitizing_alpha(10, [("a", "X", 5, 5)])


def test_unitizing_drops_one_annotators_same_label_overlaps() -> None:
    result = unitizing_alpha(
        10, [("a", "X", 0, 5), ("a", "X", 0, 3), ("a", "X", 4, 8), ("b", "X", 0, 5)]
    )
    assert result.dropped == 2
    assert result.overall == pytest.approx(1.0)


@st.composite
def _layers(draw):
    length = draw(st.integers(1, 40))
    span = st.tuples(st.sampled_from("ABC"), st.integers(0, length - 1), st.integers(1, 40)).map(
        lambda t: (t[0], t[1], min(length, t[1] + t[2]))
    )
    layers = draw(
        st.lists(st.one_of(st.none(), st.lists(span, max_size=5)), min_size=1, max_size=4)
    )
    return length, layers


@given(_layers())
def test_label_columns_compress_the_per_character_matrix(case) -> None:
    from annotator.agreement import label_columns

    length, layers = case
    matrix = [
        character_labels(length, layer) if layer is not None else [None] * length
        for layer in layers
    ]
    assert label_columns(length, layers) == Counter(zip(*matrix, strict=True))


@st.composite
def _tilings(draw):
    """A continuum and two coders' units on it (in order, apart, none empty)."""
    length = draw(st.integers(1, 60))

    def units() -> list[tuple[int, int]]:  # (each stretch between cuts a unit or a gap)
        cuts = sorted({0, length, *draw(st.lists(st.integers(0, length), max_size=12))})
        stretches = list(pairwise(cuts))
        chosen = draw(st.lists(st.booleans(), min_size=len(stretches), max_size=len(stretches)))
        return [stretch for stretch, unit in zip(stretches, chosen, strict=True) if unit]

    return length, units(), units()


@given(_tilings())
def test_units_distance_is_the_walk_over_both_tilings(case) -> None:
    """The walk over units alone (the usual case) sums what the walk over both coders'
    tilings of units and gaps does (DKPro's distances)."""
    from annotator.agreement import _pair_distance, _segments, _units_distance

    length, first, second = case
    walked = _pair_distance(_segments(length, first), _segments(length, second))
    assert _units_distance(first, second) == walked
    assert _units_distance(second, first) == walked


_ratios = st.tuples(st.integers(0, 10**12), st.integers(1, 10**12))


@given(st.lists(st.tuples(_ratios, _ratios), min_size=1, max_size=5))
def test_unitizing_alpha_of_integer_ratios_is_fractions_to_the_last_bit(terms) -> None:
    """Unitizing alpha's terms are unreduced integer ratios: every figure is the float of
    the exact value, as with Fractions (int / int rounds correctly)."""
    from fractions import Fraction

    from annotator.agreement import Ratio, unitizing_alpha_of_terms

    by_label = {f"l{k}": (Ratio(*o), Ratio(*e)) for k, (o, e) in enumerate(terms)}
    alpha = unitizing_alpha_of_terms(("a", "b"), by_label)
    exact = {k: (Fraction(*o), Fraction(*e)) for k, (o, e) in zip(by_label, terms, strict=True)}
    total_o = sum(o for o, _ in exact.values())
    total_e = sum(e for _, e in exact.values())
    assert alpha.overall == (None if total_e == 0 else float(1 - total_o / total_e))
    for label, (o, e) in exact.items():
        assert alpha.by_label[label] == (None if e == 0 else float(1 - o / e))
        assert alpha.observed[label] == float(o) and alpha.expected[label] == float(e)
