"""Agreement on span attributes (annotator/agreement.py: match_units, value_agreement,
masi_distance, krippendorff_alpha_masi; annotator/agreement_report.py: the ``attributes``
rows; annotator/cli.py: their table and CSV): hand-computed figures on a small project, and
the coefficients against NLTK's ``nltk.metrics.agreement`` as an independent computation."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import make_document
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from nltk.metrics import agreement, distance

from annotator.agreement import (
    krippendorff_alpha_masi,
    masi_distance,
    match_units,
    value_agreement,
)
from annotator.agreement_report import agreement_report
from annotator.cli import cli
from annotator.scheme import load_scheme
from annotator.store import Project

SCHEME = """
name: attribute-agreement
version: 1
labels:
  - id: deflection
    hotkey: d
    color: orange
    attributes:
      - {id: kind, type: choice, choices: [declines, pivots, attacks], required: true}
      - {id: personal, type: boolean}
      - {id: tactics, type: multichoice, choices: [attacks, declines, pivots]}
      - {id: comment, type: text}
  - id: quote
    hotkey: t
    color: "#4c9be8"
"""
D, P, A = "declines", "pivots", "attacks"

# Units U1..U5 of deflection spans, by annotator: (start, end, kind, personal, tactics);
# cat has no span at U3, and at U5 a longer one that matches only by overlap.
SPANS = {
    "ann": [
        (0, 5, D, True, [D]),
        (10, 15, D, False, [P]),
        (20, 25, P, True, [A, D]),
        (30, 35, A, None, None),
        (40, 45, P, False, [P]),
    ],
    "bob": [
        (0, 5, D, True, [D]),
        (10, 15, P, False, [P]),
        (20, 25, P, True, [A]),
        (30, 35, A, None, None),
        (40, 45, D, False, [P]),
        (50, 55, D, None, None),  # matched by no one
    ],
    "cat": [
        (0, 5, D, True, [A, D]),
        (10, 15, D, None, None),
        (30, 35, A, None, None),
        (40, 47, P, False, [P]),
    ],
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "project.db"
    with Project.create(path, load_scheme(SCHEME)) as project:
        doc = project.add_documents([make_document("x" * 60)])[0].document_id
        project.create_span(doc, "ann", "quote", 0, 9)  # a label without attributes
        for name, spans in SPANS.items():
            for start, end, kind, personal, tactics in spans:
                values = {"kind": kind, "personal": personal, "tactics": tactics}
                project.create_span(doc, name, "deflection", start, end, values)
            project.set_status(doc, name, "done")
    return path


def rows_of(db: Path) -> dict[tuple[str, str | None, str], dict]:
    with Project.open(db) as project:
        report = agreement_report(project)
    return {(r["attribute"], r["choice"], r["mode"]): r for r in report.attributes}


def test_choice_and_boolean_by_hand(db: Path) -> None:
    rows = rows_of(db)
    assert {label for label, _, _ in rows} == {"kind", "personal", "tactics"}  # not text
    kind = rows["kind", None, "exact"]
    assert (kind["label"], kind["units"], kind["ambiguous"]) == ("deflection", 5, 0)
    # ann-bob 0.375 (5 units, 3 agree, p_e 9/25), ann-cat 1, bob-cat 0.5 (U1, U2, U4).
    assert kind["cohen_kappa"] == pytest.approx((0.375 + 1 + 0.5) / 3)
    # U1, U2, U4: P = 7/9, P_e = 35/81.
    assert kind["fleiss_kappa"] == pytest.approx(14 / 23)
    # 13 pairable values: D_o = 4/13, D_e = 108/156.
    assert kind["krippendorff_alpha"] == pytest.approx(5 / 9)
    assert kind["confusion"] == [
        {"a": A, "b": A, "count": 3},
        {"a": D, "b": D, "count": 4},
        {"a": D, "b": P, "count": 1},
        {"a": P, "b": D, "count": 2},
        {"a": P, "b": P, "count": 1},
    ]
    personal = rows["personal", None, "exact"]
    # Not set is a value of its own: "(none)" (U2 for cat, U4 for everyone).
    assert {"a": "false", "b": "(none)", "count": 2} in personal["confusion"]
    assert personal["cohen_kappa"] == pytest.approx((1 + 0.5 + 0.5) / 3)
    assert personal["fleiss_kappa"] == pytest.approx(17 / 26)
    assert personal["krippendorff_alpha"] == pytest.approx(11 / 14)
    # By overlap, cat's longer span joins U5: four units every annotator rated.
    overlap = rows["kind", None, "overlap"]
    assert overlap["units"] == 5
    assert overlap["fleiss_kappa"] == pytest.approx(7 / 15)
    assert overlap["krippendorff_alpha"] == pytest.approx(37 / 63)


def test_multichoice_as_sets_and_per_choice(db: Path) -> None:
    rows = rows_of(db)
    tactics = rows["tactics", None, "exact"]
    # MASI: {d} vs {a, d} and {a, d} vs {a} are 2/3 apart, a set vs nothing 1:
    # D_o = 14/39, D_e = 124/156.
    assert tactics["masi_alpha"] == pytest.approx(17 / 31)
    assert {"a": D, "b": f"{A}, {D}", "count": 2} in tactics["confusion"]
    declines = rows["tactics", D, "exact"]
    assert declines["krippendorff_alpha"] == pytest.approx(2 / 3)
    assert {"a": "present", "b": "absent", "count": 1} in declines["confusion"]
    assert "masi_alpha" not in declines and "masi_alpha" not in rows["kind", None, "exact"]


def test_table_json_and_csv(db: Path) -> None:
    def run(*options: str) -> str:
        result = CliRunner().invoke(cli, ["--db", str(db), "agreement", *options])
        assert result.exit_code == 0, result.output
        return result.output

    table = run()
    row = re.search(r"deflection\W+kind\W+exact\W+5\W+([-\d.]+)\W+([-\d.]+)\W+([-\d.]+)", table)
    assert row is not None and row.groups() == ("0.625", "0.609", "0.556")
    assert re.search(r"tactics\W+exact\W+5(\W+[-\d.]+){3}\W+0\.548", table)
    assert re.search(r"\[declines\]\W+exact\W+5(\W+[-\d.]+){2}\W+0\.667", table)
    # The compact confusion table of kind, exact: the row of pivots holds 2 (declines), 1.
    assert re.search(r"pivots\s+2\s+1\s", table[table.index("deflection.kind (exact)") :])
    report = json.loads(run("--format", "json"))
    assert len(report["attributes"]) == 2 * (1 + 1 + 1 + 3)  # modes x (kind, personal, tactics)
    lines = list(csv.reader(io.StringIO(run("--format", "csv"))))
    assert ["attribute", "deflection.kind|exact", "cohen_kappa", "0.625"] in lines
    assert ["attribute confusion", "deflection.kind|exact", "pivots × declines", "2"] in lines
    assert ["attribute", "deflection.tactics[pivots]|overlap", "units", "5"] in lines


def test_match_units_groups_pairwise_matchings() -> None:
    ann = [("d", 0, 5), ("d", 10, 15)]
    bob = [("d", 0, 5), ("d", 11, 15), ("q", 10, 15)]
    assert match_units([ann, bob, None], "exact") == ([(0, 0, None)], 0)
    assert match_units([ann, bob, None], "overlap") == ([(0, 0, None), (1, 1, None)], 0)
    # cat's two spans match ann's two crosswise, and bob's long span matches ann's first and
    # cat's [4, 7), which matched ann's second: one group holds both of ann's spans.
    ann, bob, cat = [("d", 0, 5), ("d", 6, 10)], [("d", 0, 10)], [("d", 4, 7), ("d", 0, 3)]
    assert match_units([ann, bob, cat], "overlap") == ([], 1)
    with pytest.raises(ValueError, match="match must be"):
        match_units([ann], "fuzzy")  # type: ignore[arg-type]


def test_value_agreement_is_undefined_not_zero_or_one() -> None:
    same = value_agreement(Counter({("x", "x", "x"): 4}))
    assert same.units == 4 and same.cohen_kappa is None
    assert same.fleiss.value is None and same.alpha.value is None
    assert same.alpha.reason == "no variation"
    alone = value_agreement(Counter({("x", None, None): 3}))
    assert alone.units == 0 and alone.fleiss.reason == "no unit rated by every annotator"
    assert krippendorff_alpha_masi([[{"a"}], [None]]).reason == "no pairable units"


def test_masi_distance() -> None:
    assert masi_distance({1, 2}, {1, 2, 3, 4}) == pytest.approx(1 - 2 / 4 * 2 / 3)
    assert masi_distance({1, 2}, {2, 3}) == pytest.approx(1 - 1 / 3 * 1 / 3)
    assert masi_distance({1}, {2}) == masi_distance({1}, set()) == 1
    assert masi_distance(set(), set()) == masi_distance({1}, {1}) == 0


# ---- against NLTK (nltk.metrics.agreement.AnnotationTask) ------------------------------------


def nltk_task(columns: list[tuple], **options: Any) -> Any:
    """NLTK's annotation task of coders x units given as unit columns (None: missing)."""
    data = [
        (str(coder), str(unit), value)
        for unit, column in enumerate(columns)
        for coder, value in enumerate(column)
        if value is not None
    ]
    return agreement.AnnotationTask(data, **options)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*[st.sampled_from("abc")] * 3), min_size=2, max_size=12))
def test_complete_data_equals_nltk(columns: list[tuple[str, str, str]]) -> None:
    for i, j in combinations(range(3), 2):  # NLTK divides by zero where kappa is undefined
        a, b = Counter(c[i] for c in columns), Counter(c[j] for c in columns)
        assume(sum(a[v] * b[v] for v in a) < len(columns) ** 2)
    figures = value_agreement(Counter(columns))
    task = nltk_task(columns)
    assert figures.cohen_kappa == pytest.approx(task.kappa())  # mean of pairwise kappas
    assert figures.fleiss.value == pytest.approx(task.pi())  # multi-pi is Fleiss' kappa
    assert figures.alpha.value == pytest.approx(task.alpha())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*[st.sampled_from(["a", "b", "c", None])] * 3), max_size=12))
def test_alpha_with_missing_values_equals_nltk(columns: list[tuple]) -> None:
    figures = value_agreement(Counter(columns))
    assume(figures.alpha.value is not None)
    assert figures.alpha.value == pytest.approx(nltk_task(columns).alpha())


SETS = [frozenset(s) for s in ("a", "b", "c", "ab", "ac", "bc", "abc")]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*[st.sampled_from([*SETS, None])] * 3), max_size=12))
def test_masi_alpha_equals_nltk(columns: list[tuple]) -> None:
    coders = [list(coder) for coder in zip(*columns, strict=True)]
    ours = krippendorff_alpha_masi(coders)
    assume(ours.value is not None)
    theirs = nltk_task(columns, distance=distance.masi_distance).alpha()
    assert ours.value == pytest.approx(theirs, abs=1e-12)


def test_masi_distance_equals_nltk() -> None:
    for a in SETS:
        for b in SETS:
            assert masi_distance(a, b) == pytest.approx(distance.masi_distance(a, b), abs=1e-15)
