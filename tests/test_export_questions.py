"""Questions in exports: the native jsonl (and back), questions-csv, and the QEvasion layout."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import layout
from question_sample import build, scheme

from annotator.export import export
from annotator.io import ImportFailure, read_transcript
from annotator.io.qevasion import CLARITY, EVASION
from annotator.model import ImportedDocument
from annotator.scheme import load_scheme
from annotator.store import Project, ProjectError


@pytest.fixture
def sample(tmp_path: Path) -> Project:
    project = build(tmp_path / "sample.db")
    yield project
    project.close()


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


# ---- jsonl ---------------------------------------------------------------------------------


def test_jsonl_carries_questions_links_and_codes(sample: Project, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    report = export(sample, "jsonl", out)
    first = lines(out)[0]
    assert [q["name"] for q in first["questions"]] == ["Q1", "Q1a", "Q1b", "Q2", "Q3"]
    q1, q1a, q1b, q2, q3 = first["questions"]
    assert list(q1) == [
        "id",
        "name",
        "parent",
        "start",
        "end",
        "text",
        "wording",
        "speaker",
        "person",
        "role",
        "status",
        "response_start",
        "response_end",
        "response_set",
        "created_at",
        "updated_at",
    ]
    assert (q1a["parent"], q1b["parent"], q1["parent"]) == (q1["id"], q1["id"], None)
    assert q1b["wording"] == "When will you decide on taxes?"
    assert q1b["text"] == "And when will you decide?"
    assert first["text"][q1b["start"] : q1b["end"]] == q1b["text"]
    assert (q2["response_set"], q1["response_set"]) == (True, False)
    assert first["text"][q2["response_start"] : q2["response_end"]] == "Look, completions are up"
    assert (q1["speaker"], q3["status"]) == ("INTERVIEWER", "proposed")
    links = {s["text"]: s["question"] for s in first["spans"]}
    assert links == {
        "I won't set out the budget here": q1a["id"],
        "café owners": q1["id"],
        "completions are up": None,  # unlinked by hand, although in Q2's region
        "I have answered that": q3["id"],
    }
    codes = {(c["annotator"], c["question"], c["label"]) for c in first["codes"]}
    assert codes == {
        ("bob", None, "adversarial"),
        ("alice", q1a["id"], "declining"),
        ("bob", q1a["id"], "partial"),
        ("alice", q1b["id"], "explicit"),
        ("bob", q1b["id"], "implicit"),
        ("alice", q2["id"], "dodging"),
        ("bob", q2["id"], "dodging"),
    }
    declining = next(c for c in first["codes"] if c["label"] == "declining")
    assert declining["attributes"] == {"explicit_refusal": True, "reasons": ["legal", "privacy"]}
    assert (declining["note"], declining["unit"]) == ("refuses outright", "question")
    assert report.problems == []
    # The gold layer's codes, with their provenance.
    export(sample, "jsonl", tmp_path / "gold.jsonl", layer="gold")
    [gold] = lines(tmp_path / "gold.jsonl")[0]["codes"]
    assert (gold["annotator"], gold["label"]) == ("gold", "dodging")
    assert gold["provenance"]["method"] == "unanimous" and gold["provenance"]["sources"] == [5, 6]


def comparable(path: Path) -> list[dict[str, Any]]:
    """An export without the ids a new project gives anew: questions by their names."""
    records = lines(path)
    for record in records:
        names = {q["id"]: q["name"] for q in record["questions"]}
        del record["id"], record["document_id"]
        for question in record["questions"]:
            question["id"] = question["name"]
            question["parent"] = names.get(question["parent"])
        for span in record["spans"]:
            del span["id"]
            span["question"] = names.get(span["question"])
        for code in record["codes"]:
            del code["id"]
            code["question"] = names.get(code["question"])
            if code["provenance"]:
                del code["provenance"]["sources"]  # ids of the exporting project's codes
    return records


@pytest.mark.parametrize("layer", ["all", "gold"])
def test_jsonl_round_trip_restores_questions_parts_links_and_codes(
    sample: Project, tmp_path: Path, layer: str
) -> None:
    first = tmp_path / "first.jsonl"
    export(sample, "jsonl", first, layer=layer)
    with Project.create(tmp_path / "again.db", scheme()) as again:
        again.add_documents(read_transcript(first))
        second = tmp_path / "second.jsonl"
        export(again, "jsonl", second, layer=layer)
        assert comparable(second) == comparable(first)
        if layer == "gold":
            [code] = again.codes(annotator="gold")
            assert code.provenance is not None and code.provenance["sources"] == []
        # The same file again adds nothing: no question, no code, no edit.
        edits = [again.newest_edit(d.id) for d in again.documents()]
        questions = [len(again.questions(d.id)) for d in again.documents()]
        again.add_documents(read_transcript(first))
        assert [again.newest_edit(d.id) for d in again.documents()] == edits
        assert [len(again.questions(d.id)) for d in again.documents()] == questions


def test_jsonl_turn_lines_say_what_they_leave_out(sample: Project, tmp_path: Path) -> None:
    out = tmp_path / "turns.jsonl"
    report = export(sample, "jsonl", out, unit="turn")
    assert all(r["questions"] == [] and r["codes"] == [] for r in lines(out))
    assert all(s["question"] is None for r in lines(out) for s in r["spans"])
    assert report.problems == [
        "6 questions, 8 unit codes and 3 spans' links to questions cannot go into turn "
        "examples; export with --unit document"
    ]
    # Span formats say the same, once; the span tables (csv, parquet) carry the links.
    report = export(sample, "doccano", tmp_path / "spans.jsonl")
    assert report.problems == [
        "6 questions, 8 unit codes and 3 spans' links to questions cannot go into doccano "
        "files; export them with --format jsonl, questions-csv or qevasion"
    ]
    report = export(sample, "csv", tmp_path / "spans.csv")
    assert report.problems == [
        "6 questions and 8 unit codes cannot go into csv files; export them with --format "
        "jsonl, questions-csv or qevasion"
    ]


def test_an_older_jsonl_line_links_spans_by_region(sample: Project, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    export(sample, "jsonl", out)
    record = lines(out)[0]
    questions_only = {**record, "spans": [], "codes": [], "annotators": ["lead"], "statuses": {}}
    # An export from before questions: no "questions", no span links, carol's layer.
    older = {key: value for key, value in record.items() if key not in ("questions", "codes")}
    older["spans"] = [
        {key: value for key, value in span.items() if key != "question"} | {"annotator": "carol"}
        for span in record["spans"]
    ]
    older["annotators"], older["statuses"] = ["carol"], {}
    (tmp_path / "questions.jsonl").write_text(json.dumps(questions_only) + "\n", encoding="utf-8")
    (tmp_path / "older.jsonl").write_text(json.dumps(older) + "\n", encoding="utf-8")
    with Project.create(tmp_path / "again.db", scheme()) as again:
        again.add_documents(read_transcript(tmp_path / "questions.jsonl"))
        again.add_documents(read_transcript(tmp_path / "older.jsonl"))
        names = {q.id: q.name for q in again.questions(1)}
        links = {
            again.document(1).text[s.start : s.end]: names.get(s.question_id or 0)
            for s in again.spans(1, "carol")
        }
    # Each span responds to the question whose response region holds its start: the quote
    # (linked to Q1 by alice) and the deflection (linked to Q1a) both to Q1, and the span
    # bob had unlinked to Q2, whose region holds it.
    assert links == {
        "I won't set out the budget here": "Q1",
        "café owners": "Q1",
        "completions are up": "Q2",
        "I have answered that": "Q3",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"questions": [{"id": 1, "start": 0, "end": 4, "parent": 9}]}, "parent 9 is not"),
        ({"questions": [{"id": 1, "start": 0, "end": 99}]}, "not a non-empty range"),
        ({"questions": [{"id": 1, "start": 0, "end": 4, "text": "Will"}]}, "covers 'Café'"),
        ({"questions": [{"id": 1, "start": 0, "end": 4, "status": "maybe"}]}, "status must be"),
        ({"questions": [{"id": 1, "start": 0, "end": 4}, {"id": 1, "start": 5, "end": 6}]},
         "id 1 is given twice"),
        ({"codes": [{"annotator": "a", "label": "dodging", "question": 3}]}, "question 3 is not"),
        ({"codes": [{"annotator": "a", "label": "dodging", "unit": "question"}]}, "unit must be"),
        ({"codes": [{"label": "dodging"}]}, "has no annotator"),
        ({"spans": [{"label": "quote", "start": 0, "end": 4, "question": 7}]}, "question 7 is not"),
    ],
)  # fmt: skip
def test_a_bad_question_or_code_refuses_the_file(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    record = {"text": "Café owners", "turns": None, "spans": [], **change}
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(ImportFailure, match="line 1") as failure:
        read_transcript(path, "annotator-jsonl")
    assert message in str(failure.value)


# ---- questions-csv -------------------------------------------------------------------------


def test_questions_csv_has_a_row_per_unit_and_layer(sample: Project, tmp_path: Path) -> None:
    out = tmp_path / "q.csv"
    report = export(sample, "questions-csv", out)
    table = rows(out)
    # doc 1: alice (done) and bob (in progress) × Q1a, Q1b, Q2, Q3; doc 2: bob only (alice
    # skipped it); the third document has no questions; "lead" never opened anything.
    assert [(r["document_id"], r["question"], r["annotator"]) for r in table] == [
        ("1", "Q1a", "alice"),
        ("1", "Q1a", "bob"),
        ("1", "Q1b", "alice"),
        ("1", "Q1b", "bob"),
        ("1", "Q2", "alice"),
        ("1", "Q2", "bob"),
        ("1", "Q3", "alice"),
        ("1", "Q3", "bob"),
        ("2", "Q1", "bob"),
    ]
    assert list(table[0]) == [
        "document_id",
        "title",
        "meta.date",
        "meta.outlet.live",
        "meta.outlet.name",
        "question_id",
        "question",
        "parent",
        "status",
        "speaker",
        "person",
        "role",
        "start",
        "end",
        "text",
        "wording",
        "response_start",
        "response_end",
        "response_set",
        "respondent",
        "respondent_person",
        "respondent_role",
        "annotator",
        "annotator_status",
        "code",
        "level_1",
        "level_2",
        "attr.explicit_refusal",
        "attr.reasons",
        "note",
        "spans",
        "spans.deflection",
        "spans.quote",
        "spans_via_parent",
    ]
    alice_q1a = table[0]
    assert alice_q1a | {"question_id": "", "start": "", "end": ""} == {
        "document_id": "1",
        "title": "Budget interview",
        "meta.date": "",
        "meta.outlet.live": "",
        "meta.outlet.name": "",
        "question_id": "",
        "question": "Q1a",
        "parent": "Q1",
        "status": "proposed",
        "speaker": "INTERVIEWER",
        "person": "INTERVIEWER",
        "role": "",
        "start": "",
        "end": "",
        "text": "Will you raise taxes?",
        "wording": "",
        "response_start": "71",
        "response_end": "160",  # the start of the turn asking the next question,
        "response_set": "false",
        "respondent": "MINISTER",
        "respondent_person": "MINISTER",
        "respondent_role": "",
        "annotator": "alice",
        "annotator_status": "done",
        "code": "declining",
        "level_1": "clear_non_reply",
        "level_2": "declining",
        "attr.explicit_refusal": "true",
        "attr.reasons": "legal|privacy",
        "note": "refuses outright",
        "spans": "2",  # its own deflection, and the quote linked to Q1
        "spans.deflection": "1",
        "spans.quote": "1",
        "spans_via_parent": "1",
    }
    assert table[3]["wording"] == "When will you decide on taxes?"
    assert (table[6]["code"], table[6]["level_1"], table[7]["spans"]) == ("", "", "1")
    assert table[8]["meta.date"] == "2023-05-04" and table[8]["meta.outlet.name"] == "Radio 4"
    assert report.problems == [
        "doc-1 (Budget interview): bob's document code 'adversarial' is not a question unit's; "
        "export --format jsonl for document codes"
    ]
    assert report.notes[0] == "9 rows (question units × layers), 7 coded."
    assert "1 document has no questions" in report.notes[1]


def test_questions_csv_loads_in_pandas_with_types(sample: Project, tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas")
    out = tmp_path / "q.csv"
    export(sample, "questions-csv", out)
    frame = pandas.read_csv(out)
    assert len(frame) == 9
    for column in ("document_id", "question_id", "start", "response_end", "spans", "spans.quote"):
        assert str(frame[column].dtype) == "int64", column
    assert str(frame["response_set"].dtype) == "bool"
    # Rates have their denominator: units coded per annotator.
    coded = frame.groupby("annotator")["code"].apply(lambda codes: codes.notna().mean())
    assert coded.to_dict() == {"alice": 0.75, "bob": 0.8}
    assert frame.loc[frame["code"] == "dodging", "level_1"].unique().tolist() == ["ambivalent"]


def test_questions_csv_of_the_gold_layer_and_of_done_layers(
    sample: Project, tmp_path: Path
) -> None:
    export(sample, "questions-csv", tmp_path / "gold.csv", layer="gold")
    table = rows(tmp_path / "gold.csv")
    assert {r["annotator"] for r in table} == {"gold"} and len(table) == 5
    assert [(r["question"], r["code"]) for r in table if r["code"]] == [("Q2", "dodging")]
    assert {r["annotator_status"] for r in table} == {"done"}
    export(sample, "questions-csv", tmp_path / "done.csv", status="done")
    assert {(r["document_id"], r["annotator"]) for r in rows(tmp_path / "done.csv")} == {
        ("1", "alice")
    }


@pytest.mark.parametrize("fmt", ["questions-csv", "qevasion"])
def test_question_tables_refuse_turn_units(sample: Project, tmp_path: Path, fmt: str) -> None:
    with pytest.raises(ProjectError, match="one row per question unit, not per turn"):
        export(sample, fmt, tmp_path / "out.csv", unit="turn")
    assert list(tmp_path.glob("out*")) == []


# ---- qevasion ------------------------------------------------------------------------------


def test_qevasion_layout_and_what_it_reports(sample: Project, tmp_path: Path) -> None:
    out = tmp_path / "q.csv"
    report = export(sample, "qevasion", out)
    table = rows(out)
    assert list(table[0])[:6] == [
        "interview_question",
        "interview_answer",
        "question",
        "clarity_label",
        "evasion_label",
        "annotator",
    ]
    first = table[0]
    assert first["interview_question"] == (
        "Good morning, Minister. Will you raise taxes? And when will you decide?"
    )
    assert first["interview_answer"].startswith("Well, I won't set out the budget here.")
    assert (first["question"], first["clarity_label"], first["evasion_label"]) == (
        "Will you raise taxes?",
        "Clear Non-Reply",
        "Declining to answer",
    )
    assert [(r["question"], r["annotator"], r["evasion_label"]) for r in table[1:4]] == [
        ("Will you raise taxes?", "bob", "Partial/half-answer"),
        ("When will you decide on taxes?", "alice", "Explicit"),  # the part's wording
        ("When will you decide on taxes?", "bob", "Implicit"),
    ]
    assert table[4]["interview_answer"] == "Look, completions are up"  # the region set by hand
    assert table[4]["interview_question"] == "Thank you. Why did the 住宅 target slip?"
    assert (table[4]["question_start"], table[4]["question_end"]) == ("11", "38")
    assert table[6] | {"document": ""} == {
        "interview_question": "Do you support the bill?",
        "interview_answer": "I do not know the details yet.",
        "question": "Do you support the bill?",
        "clarity_label": "Clear Non-Reply",
        "evasion_label": "Claims ignorance",
        "annotator": "bob",
        "title": "Bill interview",
        "date": "2023-05-04",
        "document": "",
        "question_order": "1",
        "part": "",
        "question_start": "0",
        "question_end": "24",
        "part_start": "",
        "part_end": "",
        "speaker": "Q",
        "respondent": "THE PRESIDENT",
    }
    assert {r["clarity_label"] for r in table} <= set(CLARITY)
    assert {r["evasion_label"] for r in table} <= set(EVASION)
    assert report.problems == [
        "doc-1 (Budget interview): bob's document code 'adversarial' is not in qevasion files",
        "doc-1 (Budget interview): 4 spans are not in qevasion files",
        "doc-1 (Budget interview): alice's code 'declining' of Q1a: its attributes and note "
        "are not in qevasion files",
        "doc-1 (Budget interview): no row for Q3: not coded in the layers exported "
        "(questions-csv lists every unit)",
    ]
    assert report.notes == ["7 rows (coded units × layers)."]


def test_datasets_loads_the_qevasion_export(
    sample: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    datasets = pytest.importorskip("datasets")
    out = tmp_path / "q.csv"
    export(sample, "qevasion", out)
    loaded = datasets.load_dataset(
        "csv", data_files=str(out), split="train", cache_dir=str(tmp_path / "cache")
    )
    assert len(loaded) == 7
    assert loaded[0]["clarity_label"] == "Clear Non-Reply"
    assert loaded[0]["interview_answer"] == rows(out)[0]["interview_answer"]
    assert loaded.features["question_start"].dtype == "int64"


UNMAPPED = """
name: renamed
version: 1
labels: [{id: quote, color: blue, hotkey: t}]
units:
  question:
    labels:
      - {id: clear_reply, color: green}
      - {id: explicit, parent: clear_reply, color: green}
      - {id: implicit, parent: clear_reply, color: green}
      - {id: evasive, color: orange}
      - {id: sidestep, parent: evasive, color: orange}
      - {id: dodging, parent: evasive, color: orange}
"""


def test_codes_without_a_clarity_name_are_reported_not_written(tmp_path: Path) -> None:
    with Project.create(tmp_path / "p.db", load_scheme(UNMAPPED)) as project:
        [added] = project.add_documents([interview()])
        project.propose_questions("lead")
        [question] = project.questions(added.document_id)
        for annotator, label in (("a", "explicit"), ("b", "sidestep"), ("c", "dodging")):
            project.set_code(added.document_id, annotator, label, question_id=question.id)
        report = export(project, "qevasion", tmp_path / "q.csv")
    assert [(r["annotator"], r["evasion_label"]) for r in rows(tmp_path / "q.csv")] == [
        ("a", "Explicit")
    ]
    assert report.problems == [
        "doc-1 (Interview): b's code 'sidestep' of Q1: its label matches no CLARITY label by "
        "name or id; left out",
        "doc-1 (Interview): c's code 'dodging' of Q1: its evasion label 'Dodging' is under "
        "'evasive', which matches no CLARITY clarity label; left out",
    ]
    assert report.notes[0] == (
        "Not as in CLARITY: the scheme puts 'Implicit' (implicit) under 'Clear Reply'; "
        "CLARITY puts it under 'Ambivalent'."
    )


def interview() -> ImportedDocument:  # one interviewer question and an answer
    text, turns = layout(["Will you resign?", "No."], ["Q", "MINISTER"])
    return ImportedDocument("Interview", text, tuple(turns), "text")


# ---- the command line ----------------------------------------------------------------------


def test_cli_exports_both_tables(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    build(tmp_path / "annotations.db").close()
    result = run_cli("export", "--format", "questions-csv", "-o", "q.csv")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[:2] == [
        "Exported 3 documents with 4 spans (every annotator's layer) to q.csv (questions-csv).",
        "9 rows (question units × layers), 7 coded.",
    ]
    result = run_cli("export", "--format", "qevasion", "--layer", "gold", "-o", "-")
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(result.stdout.splitlines()))
    assert (row["annotator"], row["evasion_label"]) == ("gold", "Dodging")
    result = run_cli("export", "--format", "qevasion", "--unit", "turn", "-o", "t.csv")
    assert result.exit_code == 1
    assert "one row per question unit, not per turn" in result.stderr
