"""``annotator agreement`` and the report behind it, on a small fixture project."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_document

from annotator.agreement import character_labels, cohen_kappa
from annotator.agreement_report import agreement_report
from annotator.cli import cli
from annotator.scheme import Scheme
from annotator.store import Project

CRITIC = {"target": "them"}


@pytest.fixture
def db(tmp_path: Path, tiny_scheme: Scheme) -> Path:
    """One document done by ann and bob (cat is still working on it: missing), and one
    done by ann only (not counted). Text: "I won't say. They failed.\\n\\nWe will build homes."
    ann: quote [0,12), criticism [13,25), quote [27,31)
    bob: quote [0,12), quote [13,25) (label swap), quote [27,35) (boundary slip)."""
    path = tmp_path / "project.db"
    with Project.create(path, tiny_scheme) as project:
        doc = project.add_documents([make_document()])[0].document_id
        other = project.add_documents([make_document("Another text.\n\nSecond turn.")])[0]
        project.create_span(doc, "ann", "quote", 0, 12)
        project.create_span(doc, "ann", "criticism", 13, 25, CRITIC)
        project.create_span(doc, "ann", "quote", 27, 31)
        project.create_span(doc, "bob", "quote", 0, 12)
        project.create_span(doc, "bob", "quote", 13, 25)
        project.create_span(doc, "bob", "quote", 27, 35)
        project.create_span(doc, "cat", "criticism", 0, 40, CRITIC)
        project.set_status(doc, "ann", "done")
        project.set_status(doc, "bob", "done")
        project.set_status(doc, "cat", "in_progress")
        project.set_status(other.document_id, "ann", "done")
    return path


def run(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db), "agreement", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_output(db: Path) -> None:
    report = json.loads(run(db, "--format", "json"))
    assert report["annotators"] == ["ann", "bob"]  # cat did not finish: missing
    assert report["documents_counted"] == 1
    overall = report["summary"][-1]
    assert overall["label"] == "(all)"
    # By hand: 1 of 3 spans match exactly (F1 = 2*1/6), 2 of 3 overlap with the same label.
    assert overall["f1_exact"] == pytest.approx(1 / 3)
    assert overall["f1_overlap"] == pytest.approx(2 / 3)
    ann = character_labels(47, [("quote", 0, 12), ("criticism", 13, 25), ("quote", 27, 31)])
    bob = character_labels(47, [("quote", 0, 12), ("quote", 13, 25), ("quote", 27, 35)])
    assert overall["cohen_kappa"] == pytest.approx(cohen_kappa(ann, bob).value)
    by_label = {row["label"]: row for row in report["summary"]}
    assert by_label["criticism"]["f1_exact"] == 0.0
    assert by_label["quote"]["f1_exact"] == pytest.approx(2 * 1 / (2 + 3))
    assert by_label["criticism"]["unitizing_alpha"] < 0
    assert report["pairs"][0]["a"] == "ann" and report["pairs"][0]["b"] == "bob"
    assert report["pairs"][0]["f1_exact"] == pytest.approx(1 / 3)
    assert [row["annotators"] for row in report["documents"]] == [["ann", "bob"]]
    assert report["confusion"] == [{"label_a": "criticism", "label_b": "quote", "count": 1}]
    assert report["disagreements"] == {
        "agree": 1, "boundary_only": 1, "label_only": 1, "other": 0
    }  # fmt: skip


def test_filters(db: Path) -> None:
    report = json.loads(run(db, "--format", "json", "--labels", "quote"))
    assert report["labels"] == ["quote"]
    assert report["summary"][-1]["f1_exact"] == pytest.approx(2 / 5)
    report = json.loads(run(db, "--format", "json", "--annotators", "ann"))
    assert report["documents_counted"] == 0
    assert report["summary"][-1]["krippendorff_alpha"] is None
    report = json.loads(run(db, "--format", "json", "--documents", "2"))
    assert report["documents_counted"] == 0


def test_table_and_csv(db: Path) -> None:
    table = run(db)
    assert "Agreement per label" in table and "criticism" in table and "boundary only" in table
    rows = list(csv.reader(io.StringIO(run(db, "--format", "csv"))))
    assert rows[0] == ["section", "row", "column", "value"]
    assert ["confusion", "criticism|quote", "count", "1"] in rows


def test_user_errors_are_one_line(db: Path) -> None:
    for args in (["--labels", "nope"], ["--annotators", "nobody"], ["--documents", "99"]):
        result = CliRunner().invoke(cli, ["--db", str(db), "agreement", *args])
        assert result.exit_code == 1
        assert result.output.count("\n") == 1 and "error:" in result.output


def test_report_is_usable_without_the_cli(db: Path) -> None:
    with Project.open(db) as project:
        report = agreement_report(project, annotators=["ann", "bob", "cat"])
    assert report.annotators == ["ann", "bob"]
    assert report.summary[-1]["unitizing_alpha"] is not None


def test_a_figure_that_rounds_to_zero_shows_no_sign() -> None:
    from annotator.cli import _number

    assert [_number(v) for v in (-0.0, -0.0004, -0.0006, 0.25, None, 3)] == [
        "0.000",
        "0.000",
        "-0.001",
        "0.250",
        "-",
        "3",
    ]
