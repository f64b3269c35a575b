"""``annotator agreement --unit question``: which codes count, and the table, JSON and CSV
that report them, on a project built through the Project API."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import layout

from annotator.agreement import cohen_kappa
from annotator.cli import cli
from annotator.model import ImportedDocument
from annotator.scheme import load_scheme
from annotator.store import Project
from annotator.unit_agreement import unit_agreement

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
      - {id: implicit, parent: clear_reply, color: green}
      - {id: ambivalent, color: orange}
      - {id: dodging, parent: ambivalent, color: orange}
      - {id: partial, parent: ambivalent, color: orange}
      - {id: general, parent: ambivalent, color: orange}
      - {id: clear_non_reply, color: red}
      - {id: declining, parent: clear_non_reply, color: red}
      - {id: ignorance, parent: clear_non_reply, color: red}
"""
ROOT = {
    "explicit": "clear_reply",
    "dodging": "ambivalent",
    "partial": "ambivalent",
    "general": "ambivalent",
    "declining": "clear_non_reply",
    "ignorance": "clear_non_reply",
}
QUESTIONS = 8
# The codes of the nine units: Q1's two parts (Q1 itself is coded through them), Q2..Q8.
ANN = ["explicit", "explicit", "dodging", "partial", "declining", "ignorance", "general",
       "dodging", "explicit"]  # fmt: skip
BOB = ["explicit", "dodging", "dodging", "general", "declining", "declining", None,
       "partial", "explicit"]  # fmt: skip
CAT = ["declining"] * 9  # cat is still working on the document: missing, whatever she coded


def interview(questions: int) -> tuple[str, list[Any]]:
    contents = []
    for k in range(1, questions + 1):
        contents += [f"Will you act on point {k}? And when?", f"Answer {k}."]
    return layout(contents, ["INTERVIEWER", "MINISTER"] * questions)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "project.db"
    text, turns = interview(QUESTIONS)
    document = ImportedDocument(title="Interview", text=text, turns=tuple(turns), format="text")
    with Project.create(path, load_scheme(SCHEME)) as project:
        doc = project.add_documents([document])[0].document_id
        text_2, turns_2 = interview(2)
        second = ImportedDocument(title="Second", text=text_2, turns=tuple(turns_2), format="text")
        other = project.add_documents([second])[0].document_id
        units = []
        for k in range(1, QUESTIONS + 1):
            asked = f"Will you act on point {k}? And when?"
            start = text.index(asked)
            question = project.add_question(doc, "lead", start, start + len(asked))
            if k == 1:
                parts = project.split_question(question.id, "lead", text.index("And when?", start))
                units += [part.id for part in parts]
            else:
                units.append(question.id)
        assert len(units) == len(ANN)
        for name, codes in (("ann", ANN), ("bob", BOB), ("cat", CAT)):
            for unit, label in zip(units, codes, strict=True):
                if label is not None:
                    project.set_code(doc, name, label, question_id=unit)
        other_question = project.add_question(other, "lead", 0, 10)
        project.set_code(other, "ann", "explicit", question_id=other_question.id)
        project.set_status(doc, "ann", "done")
        project.set_status(doc, "bob", "done")
        project.set_status(doc, "cat", "in_progress")
        project.set_status(other, "ann", "done")  # one annotator only: not counted
    return path


def run(db: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db), "agreement", "--unit", "question", *args])
    assert result.exit_code == code, result.output
    return result.output


def figure(report: dict[str, Any], level: int, label: str | None, name: str) -> dict[str, Any]:
    (row,) = [
        row
        for row in report["figures"]
        if (row["level"], row["label"], row["coefficient"], row["pair"])
        == (level, label, name, None)
    ]
    return row


def test_json_counts_the_done_annotators_on_questions_without_parts(db: Path) -> None:
    report = json.loads(run(db, "--format", "json", "--resamples", "200"))
    assert report["annotators"] == ["ann", "bob"]  # cat did not finish: missing
    assert report["documents_counted"] == 1
    assert report["units"] == 9  # Q1's two parts and Q2..Q8, not Q1
    assert report["units_coded_twice"] == 8  # bob left one unit uncoded
    assert report["levels"] == 2
    assert report["bootstrap"] == {
        "resamples": 200, "seed": 0, "confidence": 0.95, "max_undefined": 0.05
    }  # fmt: skip
    both = [k for k, label in enumerate(BOB) if label is not None]
    leaf = cohen_kappa([ANN[k] for k in both], [BOB[k] for k in both])
    root = cohen_kappa([ROOT[ANN[k]] for k in both], [ROOT[BOB[k]] for k in both])
    for level, expected in ((2, leaf), (1, root)):
        row = figure(report, level, None, "cohen_kappa")
        assert row["value"] == pytest.approx(expected.value)
        assert row["n"] == 8
        assert row["ci_low"] <= row["value"] <= row["ci_high"]
    assert root.value > leaf.value  # the parents agree more than the leaves
    # The whole of it is unit_agreement's on the ratings by (document, question).
    ratings = {
        k: {name: label for name, label in (("ann", ANN[k]), ("bob", BOB[k])) if label is not None}
        for k in range(9)
    }
    expected_all = unit_agreement(ratings, load_scheme(SCHEME).unit("question"), resamples=0)
    for figures in expected_all.figures:
        for name in ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha"):
            assert figure(report, figures.level, figures.label, name)["value"] == (
                pytest.approx(figures.estimate(name).value)
            )
    # One-vs-rest rows: every label a code can have at that level, in scheme order.
    labels = [row["label"] for row in report["figures"] if row["coefficient"] == "fleiss_kappa"]
    assert labels == [None, "clear_reply", "ambivalent", "clear_non_reply", None, "explicit",
                      "implicit", "dodging", "partial", "general", "declining",
                      "ignorance"]  # fmt: skip
    implicit = figure(report, 2, "implicit", "cohen_kappa")  # no one used it: 0/0
    assert (
        implicit["value"] is None and implicit["reason"] == "undefined for every pair of annotators"
    )
    # ann alone said ignorance, once: kappa 0 (p_o = p_e = 7/8), not undefined.
    assert figure(report, 2, "ignorance", "cohen_kappa")["value"] == 0.0


def test_annotators_and_documents_filter(db: Path) -> None:
    report = json.loads(run(db, "--format", "json", "--resamples", "0", "--documents", "2"))
    assert report["documents_counted"] == 0 and report["annotators"] == []
    report = json.loads(run(db, "--format", "json", "--resamples", "0", "--annotators", "ann"))
    assert report["documents_counted"] == 0
    assert "No document is marked done by two or more" in run(db, "--annotators", "ann")


def test_table(db: Path) -> None:
    out = run(db, "--resamples", "100")
    assert "1 document done by two or more of: ann, bob; 9 questions, 8 coded by two" in out
    header = next(line for line in out.splitlines() if "coefficient" in line)
    assert header.split() == ["level", "label", "coefficient", "value", "95%", "CI", "n"]
    overall = next(line for line in out.splitlines() if " overall " in line)
    assert "Cohen κ (mean)" in overall and "–" in overall  # an interval
    fleiss = next(line for line in out.splitlines() if "Fleiss κ" in line)
    assert fleiss.split()[-1] == "8"
    implicit = next(line for line in out.splitlines() if "implicit" in line)
    assert implicit.split()[-3:] == ["-", "-", "0"]  # undefined: '-', as in the span report
    assert "Pairs, over all labels" in out
    assert "100 resamples" in out


def test_csv(db: Path) -> None:
    rows = list(csv.reader(io.StringIO(run(db, "--format", "csv", "--resamples", "50"))))
    assert rows[0] == ["section", "row", "column", "value"]
    table = {(section, row, column): value for section, row, column, value in rows[1:]}
    assert table["units", "units", "count"] == "9"
    assert table["figure", "1|overall|krippendorff_alpha", "n"] == "8"
    assert float(table["figure", "2|overall|cohen_kappa|ann|bob", "value"]) > 0
    assert table["figure", "2|implicit|cohen_kappa", "value"] == ""
    assert table["figure", "2|implicit|cohen_kappa", "reason"]


def test_default_resamples_and_reproducible(db: Path) -> None:
    first = json.loads(run(db, "--format", "json"))
    assert first["bootstrap"]["resamples"] == 1000
    assert json.loads(run(db, "--format", "json")) == first


def test_refusals(db: Path, tmp_path: Path) -> None:
    assert "--labels selects span labels" in run(db, "--labels", "quote", code=2)
    result = CliRunner().invoke(cli, ["--db", str(db), "agreement", "--resamples", "10"])
    assert result.exit_code == 2 and "--resamples is for --unit question" in result.output
    flat = tmp_path / "flat.db"
    with Project.create(
        flat, load_scheme("name: s\nversion: 1\nlabels:\n  - {id: q, color: red}\n")
    ):
        pass
    assert "has no question codes" in run(flat, code=1)
