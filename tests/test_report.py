"""The report's figures against hand counts (tests/report_sample.py), its groups, layers and
notes, and ``annotator report`` as tables, CSV, JSON and figures."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from conftest import layout
from report_sample import JANE, JOHN, build

from annotator.errors import ProjectError
from annotator.model import ImportedDocument
from annotator.report import NO_DATE, SPREAD, Report, build_report, group_value, period
from annotator.store import Project
from annotator.textindex import cell_len

CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")
HOSTILE = "\x1b[2J\x1b]52;c;aGk=\x07\x9b31m\u202eevil[bold]"


@pytest.fixture
def sample(tmp_path: Path) -> Iterator[Project]:
    project = build(tmp_path / "annotations.db")
    yield project
    project.close()


def value(report: Report, layer: str, group: str, measure: str) -> tuple:
    f = report.figure(layer, group, measure)
    return f.value, f.n, f.denominator


# ---- hand counts ---------------------------------------------------------------------------


def test_rates_per_person_equal_the_hand_counts(sample: Project) -> None:
    report = build_report(sample, layer="alice", by=["person"])
    assert report.layers == ("alice",)
    assert report.groups == (
        "person=INTERVIEWER",
        "person=Jane Doe",
        "person=John Roe",
        "person=MODERATOR",
    )
    # Jane Doe says 24 + 5 + 12 = 41 words and makes three commitments: 73.2 per 1,000,
    # and the exact Poisson interval of 3 (0.6187 to 8.7673) per 41 words: 15.1 to 213.8.
    commitments = report.figure("alice", JANE, "commitment per 1000 words")
    assert (commitments.n, commitments.denominator) == (3, 41)
    assert commitments.value == pytest.approx(3000 / 41)
    assert (round(commitments.low, 1), round(commitments.high, 1)) == (15.1, 213.8)
    assert commitments.interval == "poisson"
    assert value(report, "alice", JANE, "commitment.specificity=specific per 1000 words") == (
        pytest.approx(2000 / 41),
        2,
        41,
    )
    assert value(report, "alice", JANE, "deflection per 1000 words") == (
        pytest.approx(1000 / 41),
        1,
        41,
    )
    # Shares of a label's spans: two of Jane Doe's three commitments are specific.
    specific = report.figure("alice", JANE, "commitment.specificity=specific share")
    assert (specific.n, specific.denominator) == (2, 3)
    assert (round(specific.low, 4), round(specific.high, 4)) == (0.2077, 0.9385)
    # John Roe: 9 + 12 = 21 words, two criticisms of "the minister" (case and spacing
    # aside), one quote, one deflection.
    assert value(report, "alice", JOHN, "criticism per 1000 words") == (
        pytest.approx(2000 / 21),
        2,
        21,
    )
    assert value(report, "alice", JOHN, "criticism.target=the minister share") == (1.0, 2, 2)
    assert value(report, "alice", JOHN, "quote per 1000 words")[1:] == (1, 21)
    # The interviewer's and the moderator's own words: 6 + 13 + 6 and 8; no spans.
    assert value(report, "alice", "person=INTERVIEWER", "quote per 1000 words") == (0.0, 0, 25)
    assert value(report, "alice", "person=MODERATOR", "deflection per 1000 words") == (0.0, 0, 8)
    zero = report.figure("alice", "person=MODERATOR", "deflection per 1000 words")
    assert zero.low == 0.0 and zero.high == pytest.approx(1000 * 3.6889 / 8, abs=0.01)


def test_question_shares_per_person_equal_the_hand_counts(sample: Project) -> None:
    report = build_report(sample, layer="alice", by=["person"])
    # Jane Doe answers Q1, Q2a, Q2b and the housing question; John Roe the debate's.
    assert value(report, "alice", JANE, "questions") == (4, 4, None)
    assert value(report, "alice", JOHN, "questions") == (1, 1, None)
    assert value(report, "alice", JANE, "questions.coded share") == (1.0, 4, 4)
    # Level 1: dodging and partial are Ambivalent: 2 of 4, Wilson 95 % 0.150 to 0.850.
    ambivalent = report.figure("alice", JANE, "question.level1=ambivalent share")
    assert (ambivalent.value, ambivalent.n, ambivalent.denominator) == (0.5, 2, 4)
    assert (round(ambivalent.low, 3), round(ambivalent.high, 3)) == (0.150, 0.850)
    assert ambivalent.interval == "wilson"
    assert value(report, "alice", JANE, "question.level1=clear_reply share") == (0.25, 1, 4)
    assert value(report, "alice", JANE, "question.level2=partial share") == (0.25, 1, 4)
    assert value(report, "alice", JOHN, "question.level1=clear_non_reply share") == (1.0, 1, 1)
    # A code's attribute: of the questions coded Declining, those giving each reason.
    assert value(report, "alice", JANE, "question.declining.reasons=legal share") == (1.0, 1, 1)
    assert value(report, "alice", JANE, "question.declining.reasons=privacy share") == (0.0, 0, 1)
    assert value(report, "alice", JOHN, "question.declining.reasons=privacy share") == (1.0, 1, 1)
    # Nobody put a question to the interviewer: the share is undefined, not 0.
    nothing = report.figure("alice", "person=INTERVIEWER", "question.level1=ambivalent share")
    assert (nothing.value, nothing.low, nothing.high, nothing.interval) == (None,) * 4


def test_an_annotator_counts_only_what_they_opened(sample: Project) -> None:
    # bob opened the budget interview only (and skipped housing): 29 of Jane Doe's words,
    # three question units, two coded.
    report = build_report(sample, layer="bob", by=["person"])
    assert report.groups == ("person=INTERVIEWER", "person=Jane Doe")
    assert value(report, "bob", JANE, "deflection.kind=pivots per 1000 words") == (
        pytest.approx(1000 / 29),
        1,
        29,
    )
    assert value(report, "bob", JANE, "questions.coded share") == (pytest.approx(2 / 3), 2, 3)
    assert value(report, "bob", JANE, "question.level1=ambivalent share") == (1.0, 2, 2)
    assert any("bob's layer: 1 document skipped" in note for note in report.notes)


def test_every_annotator_and_their_spread(sample: Project) -> None:
    report = build_report(sample, by=["person"])
    assert report.layers == ("alice", "bob")
    spread = report.figure(SPREAD, JANE, "commitment per 1000 words")
    alice, bob = 3000 / 41, 1000 / 29
    assert spread.value == pytest.approx((alice + bob) / 2)
    assert (spread.low, spread.high) == (pytest.approx(bob), pytest.approx(alice))
    assert spread.sd == pytest.approx(abs(alice - bob) / math.sqrt(2))
    assert (spread.n, spread.interval) == (2, "min-max")
    # bob has no words of John Roe's: the spread is alice's alone.
    john = report.figure(SPREAD, JOHN, "criticism per 1000 words")
    assert (john.n, john.value, john.sd) == (1, pytest.approx(2000 / 21), None)
    assert report.figure("bob", JOHN, "criticism per 1000 words").value is None


def test_gold_counts_the_reviewed_documents(sample: Project) -> None:
    report = build_report(sample, layer="gold", by=["person"])
    assert report.documents == 1
    assert value(report, "gold", JANE, "questions") == (3, 3, None)
    assert value(report, "gold", JANE, "question.level2=dodging share") == (1.0, 1, 1)


def test_groups_by_period_role_document_and_their_cross(sample: Project) -> None:
    months = build_report(sample, layer="alice", by=["month"])
    assert months.groups == ("month=2024-03", "month=2024-04", f"month={NO_DATE}")
    assert value(months, "alice", "month=2024-03", "commitment per 1000 words")[1:] == (2, 48)
    assert value(months, "alice", f"month={NO_DATE}", "deflection per 1000 words")[1:] == (1, 20)
    assert any("1 of 3 documents has no date" in note and NO_DATE in note for note in months.notes)
    years = build_report(sample, layer="alice", by=["year"])
    assert years.groups == ("year=2024", f"year={NO_DATE}")
    assert value(years, "alice", "year=2024", "commitment per 1000 words")[1:] == (3, 75)
    roles = build_report(sample, layer="alice", by=["role"])
    assert value(roles, "alice", "role=interviewee", "criticism per 1000 words")[1:] == (3, 62)
    assert value(roles, "alice", "role=interviewee", "questions")[0] == 5
    documents = build_report(sample, layer="alice", by=["document"])
    assert value(documents, "alice", "document=Housing", "commitment per 1000 words")[1:] == (1, 27)
    crossed = build_report(sample, layer="alice", by=["person", "month"])
    group = "person=Jane Doe, month=2024-03"
    assert value(crossed, "alice", group, "commitment per 1000 words")[1:] == (2, 29)
    assert group_value(group) == group and group_value(JANE) == "Jane Doe"
    whole = build_report(sample, layer="alice")
    assert whole.groups == ("all",)
    assert value(whole, "alice", "all", "questions")[0] == 5


def test_periods_from_dates() -> None:
    assert period({"date": "2025-03-14"}, "month") == "2025-03"
    assert period({"date": "2025-3"}, "month") == "2025-03"
    assert period({"date": "2025"}, "year") == "2025"
    assert period({"date": "2025"}, "month") is None
    assert period({"date": "2025-13-01"}, "month") is None
    assert period({"date": "March 2025"}, "year") is None
    assert period({}, "year") is None


def test_examples_behind_a_figure(sample: Project) -> None:
    report = build_report(sample, layer="alice", by=["person"])
    commitments = report.figure("alice", JANE, "commitment per 1000 words").examples
    texts = [sample.document(e.document_id).text[e.start : e.end] for e in commitments]
    assert texts == [
        "We will cut income tax",
        "I rule it out.",
        "We will do more for renters.",
    ]
    [question] = report.figure("alice", JOHN, "question.level2=declining share").examples
    assert question.item == "question" and question.label == "declining"
    assert question.title == "Debate"


def test_figures_without_their_examples_are_the_same(sample: Project) -> None:
    """What the command prints (examples=False) is what the app's screen shows."""
    for by in ([], ["person"], ["role", "year"]):
        kept = build_report(sample, by=by)
        counted = build_report(sample, by=by, examples=False)
        assert [f.to_dict() for f in counted.figures] == [f.to_dict() for f in kept.figures]
        assert any(f.examples for f in kept.figures)
        assert not any(f.examples for f in counted.figures)


def test_progress_hears_of_every_document_read(sample: Project) -> None:
    heard: list[tuple[int, int]] = []
    report = build_report(sample, progress=lambda done, total: heard.append((done, total)))
    assert heard == [(n, report.documents) for n in range(1, report.documents + 1)]
    assert report.documents > 1


def test_measures_are_chosen_by_pattern(sample: Project) -> None:
    report = build_report(sample, layer="alice", by=["person"], measures=["commitment.s*"])
    assert [f.id for f in report.families] == [
        "commitment.specificity per 1000 words",
        "commitment.specificity share",
    ]
    assert {f.measure for f in report.figures} == {
        m.id for family in report.families for m in family.measures
    }
    spans = build_report(sample, layer="alice", measures=["spans*", "*.kind=*"])
    assert [f.id for f in spans.families] == [
        "spans per 1000 words",
        "deflection.kind per 1000 words",
        "deflection.kind share",
    ]
    # Free text (no value repeats in a layer: the committed actor, the quote's source) is
    # broken down only when named, and a note says so.
    everything = build_report(sample, layer="alice")
    families = {f.id for f in everything.families}
    assert "criticism.target share" in families  # "the minister" twice
    assert not {"commitment.actor share", "quote.source share"} & families
    assert any("commitment.actor, quote.source" in note for note in everything.notes)
    actor = build_report(sample, layer="alice", measures=["commitment.actor*"])
    assert value(actor, "alice", "all", "commitment.actor=the government share") == (
        pytest.approx(1 / 3),
        1,
        3,
    )
    assert value(actor, "alice", "all", "commitment.actor=(none) share")[1] == 2
    with pytest.raises(ProjectError, match="no measure matches"):
        build_report(sample, layer="alice", measures=["nothing*"])
    with pytest.raises(ProjectError, match="cannot group by"):
        build_report(sample, by=["weekday"])


def test_every_figure_exists_for_every_group_and_layer(sample: Project) -> None:
    report = build_report(sample, by=["month"])
    measures = [m.id for family in report.families for m in family.measures]
    keys = {(f.layer, f.group, f.measure) for f in report.figures}
    assert len(keys) == len(report.figures)
    assert keys == {
        (layer, group, measure)
        for layer in report.shown_layers
        for group in report.groups
        for measure in measures
    }
    for f in report.figures:
        if f.value is not None and f.interval in ("wilson", "poisson"):
            assert f.low <= f.value <= f.high


def test_no_gold_and_no_annotators(tmp_path: Path, sample: Project) -> None:
    with pytest.raises(ProjectError, match="no gold layer yet"):
        build_report(Project.create(tmp_path / "empty.db", sample.scheme), layer="gold")
    with Project.open(tmp_path / "empty.db") as empty:
        report = build_report(empty)
        assert report.layers == () and report.figures == []
        assert any("Nothing to count" in note for note in report.notes)


# ---- the command line --------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    build(tmp_path / "annotations.db").close()
    return tmp_path / "annotations.db"


def test_csv_is_the_long_format(run_cli: Callable[..., Result], project: Path) -> None:
    result = run_cli("report", "--by", "person", "--layer", "alice", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == [
        "layer", "group", "measure", "value", "n", "denominator", "low", "high", "interval", "sd",
    ]  # fmt: skip
    [row] = [r for r in rows if r["group"] == JANE and r["measure"] == "commitment per 1000 words"]
    assert (row["n"], row["denominator"], row["interval"]) == ("3", "41", "poisson")
    assert float(row["value"]) == pytest.approx(3000 / 41)
    assert round(float(row["low"]), 1) == 15.1
    undefined = [
        r
        for r in rows
        if r["group"] == "person=MODERATOR" and r["measure"] == "questions.coded share"
    ]
    assert undefined[0]["value"] == "" and undefined[0]["low"] == ""


def test_json_has_the_rows_notes_and_measures(
    run_cli: Callable[..., Result], project: Path
) -> None:
    result = run_cli("report", "--by", "month", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["layers"] == ["alice", "bob"] and data["by"] == ["month"]
    assert any("no date" in note for note in data["notes"])
    measures = {m["id"]: m for m in data["measures"]}
    assert measures["question.level1=ambivalent share"]["color"] == "#e8a33d"
    assert measures["commitment per 1000 words"]["kind"] == "rate"
    spread = [r for r in data["rows"] if r["layer"] == SPREAD]
    assert spread and all(r["interval"] in ("min-max", None) for r in spread)


def test_tables_say_what_was_counted_and_fit(run_cli: Callable[..., Result], project: Path) -> None:
    result = run_cli("report", "--by", "person")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Report of each annotator's layer (alice, bob)" in out
    assert "Questions by code, level 1: share of the coded questions" in out
    assert "Commitment spans by specificity, per 1,000 words" in out
    assert "73.2" in out and "15.1–213.8" in out  # Jane Doe's commitments, with the interval
    assert "50%" in out and "15–85%" in out  # her ambivalent answers, 2 of 4
    assert all(cell_len(line) <= 80 for line in out.splitlines()), out
    alone = run_cli("report", "--layer", "alice", "--measures", "spans*").stdout
    assert "value" in alone and "95% CI" in alone and "spread" not in alone


def test_output_files_are_written_whole_and_not_replaced_unasked(
    run_cli: Callable[..., Result], project: Path, tmp_path: Path
) -> None:
    target = tmp_path / "rates.csv"
    result = run_cli("report", "--format", "csv", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_text().startswith("layer,group,measure")
    assert "Wrote" in result.stderr and result.stdout == ""
    again = run_cli("report", "--format", "json", "-o", str(target))
    assert again.exit_code == 1 and "already exists" in again.stderr
    assert target.read_text().startswith("layer,group,measure")
    forced = run_cli("report", "--format", "json", "-o", str(target), "--force")
    assert forced.exit_code == 0 and json.loads(target.read_text())["rows"]
    database = run_cli("report", "--format", "csv", "-o", str(project), "--force")
    assert database.exit_code == 1 and "project database" in database.stderr
    assert run_cli("report", "-o", str(tmp_path / "x.txt")).exit_code == 2
    assert not list(tmp_path.glob(".annotator-*"))


def test_data_reaches_no_terminal_as_a_control(
    run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    db = tmp_path / "annotations.db"
    with Project.create(db, build(tmp_path / "other.db").scheme) as project:
        text, turns = layout(["Will you say?", "No. We will act."], ["Q", f"M{HOSTILE}"])
        project.add_documents([ImportedDocument(f"T{HOSTILE}", text, tuple(turns), "text")])
        project.create_span(
            1, "eve", "criticism", text.index("We"), len(text), {"target": f"x{HOSTILE}"}
        )
        project.create_span(1, "eve", "criticism", 0, 4, {"target": f"x{HOSTILE}"})
        project.set_status(1, "eve", "done")
    for format_ in ("table", "csv", "json"):
        for by in ("person", "document"):
            result = run_cli("report", "--by", by, "--format", format_)
            assert result.exit_code == 0, result.output
            assert CONTROL.search(result.stdout_bytes) is None, (format_, by)
            if format_ == "json":  # JSON escapes format characters (bidi controls) too
                assert "\u202e" not in result.stdout
    data = json.loads(run_cli("report", "--by", "person", "--format", "json").stdout)
    assert f"person=M{HOSTILE}" in data["groups"]  # JSON escapes, and keeps the data


# ---- figures ---------------------------------------------------------------------------------


def test_the_figure_is_a_png_that_opens(
    run_cli: Callable[..., Result], project: Path, tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    image = pytest.importorskip("PIL.Image")
    target = tmp_path / "rates.png"
    result = run_cli("report", "--by", "person", "--plot", str(target))
    assert result.exit_code == 0, result.output
    assert f"Wrote {target}" in result.stderr
    with image.open(target) as picture:
        picture.load()
        assert picture.format == "PNG"
        width, height = picture.size
        assert width >= 1000 and height >= 1000
        assert "Report of each annotator's layer" in picture.info.get("Title", "")
    # A line over time, as SVG.
    svg = tmp_path / "months.svg"
    assert run_cli("report", "--by", "month", "--layer", "alice", "--plot", str(svg)).exit_code == 0
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "</svg>" in text
    assert "documents without a date" in text


def test_the_figure_of_the_three_annotator_sample(tmp_path: Path) -> None:
    """As a new user would: ``annotator report --by person --plot rates.png``."""
    pytest.importorskip("matplotlib")
    image = pytest.importorskip("PIL.Image")
    from click.testing import CliRunner
    from fixtures.three_annotators import build as three

    from annotator.cli import cli

    three(tmp_path / "three.db").close()
    target = tmp_path / "rates.png"
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "three.db"), "report", "--by", "person", "--plot", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "SPOKESPERSON HALVORSEN" in result.stdout
    with image.open(target) as picture:
        picture.verify()


def test_without_matplotlib_one_line_says_what_to_install(
    run_cli: Callable[..., Result], project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    target = tmp_path / "rates.png"
    result = run_cli("report", "--plot", str(target))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: --plot needs matplotlib: pip install 'annotator[plots]'"
    )
    assert not target.exists()


def test_a_figure_is_png_or_svg(run_cli: Callable[..., Result], project: Path) -> None:
    result = run_cli("report", "--plot", "rates.pdf")
    assert result.exit_code == 1 and ".png or .svg" in result.stderr
