"""Importing QEvasion (CLARITY) files: our own export back without loss, the released
layouts (a fixture of our own in their layout: the dataset itself is CC BY-NC-ND), and
refusals that name the row."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import FIXTURES, layout
from question_sample import build, scheme

from annotator.export import export
from annotator.io import ImportFailure, detect_format, read_transcript
from annotator.io.qevasion import CLARITY, EVASION, LabelNames, lay_out, released_name
from annotator.model import ImportedDocument
from annotator.scheme import load_scheme, load_scheme_file
from annotator.store import Project, ProjectError

RELEASED = FIXTURES / "qevasion-layout.csv"


def units(project: Project) -> set[tuple[str, str, str | None, str | None]]:
    """Every question of the project as (document title, text, wording, its question's text
    for a part). Names are left out: they count the questions before."""
    found = set()
    for summary in project.documents():
        text = project.document(summary.id).text
        questions = {q.id: q for q in project.questions(summary.id)}
        for q in questions.values():
            parent = questions[q.parent_id] if q.parent_id else None
            found.add(
                (
                    summary.title,
                    text[q.start : q.end],
                    q.wording,
                    text[parent.start : parent.end] if parent else None,
                )
            )
    return found


def codes(project: Project) -> set[tuple[str, str, str | None, str, str]]:
    """Every question code as (document title, the unit's text and wording, annotator,
    label)."""
    titles = {d.id: d.title for d in project.documents()}
    texts = {d.id: project.document(d.id).text for d in project.documents()}
    questions = {q.id: q for d in project.documents() for q in project.questions(d.id)}
    found = set()
    for code in project.codes("question"):
        q = questions[code.question_id or 0]
        text = texts[code.document_id][q.start : q.end]
        found.add((titles[code.document_id], text, q.wording, code.annotator, code.label))
    return found


@pytest.mark.parametrize("layer", ["all", "gold"])
def test_our_export_imports_back_without_loss(tmp_path: Path, layer: str) -> None:
    with build(tmp_path / "sample.db") as sample:
        out = tmp_path / "q.csv"
        export(sample, "qevasion", out, layer=layer)
        expected_codes = {c for c in codes(sample) if (layer == "gold") == (c[3] == "gold")}
        coded = {(title, text, wording) for title, text, wording, _, _ in expected_codes}
        # The questions with a row: those coded, and the questions of coded parts (a
        # question nobody coded, Q3, has none: the export reports it).
        expected_units = {
            unit
            for unit in units(sample)
            if unit[:3] in coded
            or any(p[0] == unit[0] and p[3] == unit[1] and p[:3] in coded for p in units(sample))
        }
    assert detect_format(out, out.read_text(encoding="utf-8")) == "qevasion"
    with Project.create(tmp_path / "again.db", scheme()) as again:
        again.add_documents(read_transcript(out, scheme=again.scheme))
        assert units(again) == expected_units
        assert codes(again) == expected_codes
        # The same file again changes nothing.
        edits = [again.newest_edit(d.id) for d in again.documents()]
        again.add_documents(read_transcript(out, scheme=again.scheme))
        assert [again.newest_edit(d.id) for d in again.documents()] == edits
        assert units(again) == expected_units
        # Exported again, the rows are the same (answers keep their text, laid out as
        # imports lay turns out: one line break between paragraphs). A file has no review
        # status: the imported gold layer is exported with --status all.
        export(again, "qevasion", tmp_path / "again.csv", layer=layer, status="all")
    first = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    second = list(csv.DictReader((tmp_path / "again.csv").open(encoding="utf-8", newline="")))
    for row in (*first, *second):
        row["interview_answer"] = lay_out(row["interview_answer"])[0]
        # Ids, and numbers that count the questions before (which have no row in gold).
        del row["document"], row["question_order"]
    assert second == first


def test_the_round_trip_keeps_parts_found_and_reworded(tmp_path: Path) -> None:
    with build(tmp_path / "sample.db") as sample:
        export(sample, "qevasion", tmp_path / "q.csv")
    [budget, bill] = read_transcript(tmp_path / "q.csv", scheme=scheme())
    assert budget.title == "Budget interview" and bill.metadata == {"date": "2023-05-04"}
    q1, q1a, q1b, q2 = budget.questions
    text = budget.text
    assert text[q1.start : q1.end] == "Will you raise taxes? And when will you decide?"
    assert (q1a.parent, text[q1a.start : q1a.end], q1a.wording) == (
        q1.key,
        "Will you raise taxes?",
        None,
    )
    assert (text[q1b.start : q1b.end], q1b.wording) == (
        "And when will you decide?",
        "When will you decide on taxes?",
    )
    # Q1's default region would run into the next question's turn: the answer turn is set.
    assert text[q1.response[0] : q1.response[1]].startswith("Well, I won't")
    assert q2.response is None  # its default region is its answer turn
    assert [turn.speaker for turn in budget.turns] == [
        "INTERVIEWER",
        "MINISTER",
        "INTERVIEWER",
        "MINISTER",
    ]
    assert [(c.annotator, c.label, c.place) for c in bill.codes] == [
        ("bob", "claims_ignorance", "row 8")
    ]


def test_two_questions_of_one_turn_share_it_again(tmp_path: Path) -> None:
    text, turns = layout(["Do you agree? Will you vote?", "Yes. And no."], ["HOST", "MP"])
    with Project.create(tmp_path / "p.db", scheme()) as project:
        project.add_documents([ImportedDocument("Two in one", text, tuple(turns), "text")])
        first = project.add_question(1, "x", *span(text, "Do you agree?"))
        second = project.add_question(1, "x", *span(text, "Will you vote?"))
        project.set_code(1, "x", "explicit", question_id=first.id)
        project.set_code(1, "x", "dodging", question_id=second.id)
        export(project, "qevasion", tmp_path / "q.csv")
    [document] = read_transcript(tmp_path / "q.csv", scheme=scheme())
    assert document.text == text  # the first question has no answer before the second
    assert [document.text[q.start : q.end] for q in document.questions] == [
        "Do you agree?",
        "Will you vote?",
    ]


FLAT = """
name: flat
version: 1
labels: [{id: quote, color: blue, hotkey: t}]
units:
  question:
    labels:
      - {id: explicit, color: green}
      - {id: dodging, color: orange}
      - {id: claims_ignorance, color: red}
"""


def test_a_scheme_without_clarity_labels_uses_claritys_taxonomy(tmp_path: Path) -> None:
    text, turns = layout(["Will you resign?", "I could not say."], ["Q", "MINISTER"])
    with Project.create(tmp_path / "p.db", load_scheme(FLAT)) as project:
        project.add_documents([ImportedDocument("Flat", text, tuple(turns), "text")])
        question = project.add_question(1, "x", *span(text, "Will you resign?"))
        project.set_code(1, "x", "claims_ignorance", question_id=question.id)
        export(project, "qevasion", tmp_path / "q.csv")
        [row] = list(csv.DictReader((tmp_path / "q.csv").open(encoding="utf-8", newline="")))
        assert (row["clarity_label"], row["evasion_label"]) == (
            "Clear Non-Reply",
            "Claims ignorance",
        )
        [document] = read_transcript(tmp_path / "q.csv", scheme=project.scheme)
        assert [(c.annotator, c.label) for c in document.codes] == [("x", "claims_ignorance")]
        wrong = write(tmp_path / "wrong.csv", [{**row, "clarity_label": "Clear Reply"}])
        with pytest.raises(
            ImportFailure,
            match="row 2: evasion_label 'Claims ignorance' is under 'Clear Non-Reply' in CLARITY",
        ):
            read_transcript(wrong, scheme=project.scheme)


def span(text: str, piece: str) -> tuple[int, int]:
    start = text.index(piece)
    return start, start + len(piece)


def test_the_released_layouts(tmp_path: Path) -> None:
    documents = read_transcript(RELEASED, scheme=scheme())
    assert [d.title for d in documents] == [
        "Remarks on the Harbour Bridge",
        "Interview on the Economy",
        "Press Briefing",
    ]
    bridge, economy, briefing = documents
    assert bridge.metadata == {
        "date": "2031-03-02",
        "url": "https://example.org/interviews/harbour-bridge",
        "president": "Governor Vale",
    }
    assert [t.speaker for t in bridge.turns] == ["Q", "Governor Vale", "Q", "Governor Vale"]
    text = bridge.text
    q1, part1, part2, q2 = bridge.questions
    assert text[q1.start : q1.end] == (
        "Q. Thank you, Governor. Will you sign the harbour bill, and when will you sign it?"
    )
    # A sub-question found verbatim is a part at its place; one reworded spans the turn.
    assert (text[part1.start : part1.end], part1.wording) == (
        "Will you sign the harbour bill",
        None,
    )
    assert (part2.start, part2.end, part2.wording) == (
        q1.start,
        q1.end,
        "When will you sign the harbour bill?",
    )
    # A turn with one sub-question: the question is that sub-question.
    assert (text[q2.start : q2.end], q2.parent, q2.wording) == ("And the tolls?", None, None)
    assert [(c.annotator, c.label, c.question) for c in bridge.codes] == [
        ("qevasion", "dodging", part1.key),
        ("qevasion", "declining", part2.key),
        ("qevasion", "claims_ignorance", q2.key),
    ]
    # The test split: a code per annotator column ("1.1 Explicit" as the raw sheets number
    # it); the lone clarity label is the annotators' aggregate, not a code in this scheme.
    assert [(c.annotator, c.label) for c in economy.codes] == [
        ("annotator1", "explicit"),
        ("annotator2", "explicit"),
        ("annotator3", "general"),
    ]
    assert briefing.metadata == {"president": "Governor Vale"}  # no url: one per pair
    with Project.create(tmp_path / "p.db", scheme()) as project:
        project.add_documents(documents, origin=str(RELEASED))
        assert len(project.codes("question")) == 7
        assert [q.name for q in project.questions(1)] == ["Q1", "Q1a", "Q1b", "Q2"]


def test_a_lone_clarity_label_is_a_code_where_the_scheme_allows_it(tmp_path: Path) -> None:
    text = (FIXTURES / "clarity-scheme.yaml").read_text(encoding="utf-8")
    any_label = load_scheme(text.replace("  question:\n", "  question:\n    selectable: any\n"))
    economy = read_transcript(RELEASED, scheme=any_label)[1]
    assert ("qevasion", "clear_reply") in [(c.annotator, c.label) for c in economy.codes]


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


ROW = {
    "interview_question": "Will you resign?",
    "interview_answer": "No.",
    "question": "Will you resign?",
    "clarity_label": "Clear Reply",
    "evasion_label": "Explicit",
}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [ROW, {**ROW, "evasion_label": "Sidestep"}],
            "row 3: evasion_label 'Sidestep' is not one of the question codes of scheme "
            "'clarity-test' (Clear Reply, Explicit, Ambivalent,",
        ),
        (
            [{**ROW, "evasion_label": "Dodging"}],
            "row 2: evasion_label 'Dodging' is under 'ambivalent' in the scheme, but the row's "
            "clarity_label is 'Clear Reply'",
        ),
        (
            [{**ROW, "annotator": "a", "document": "1", "question_order": "1"},
             {**ROW, "annotator": "a", "document": "1", "question_order": "1",
              "clarity_label": "Ambivalent", "evasion_label": "General"}],
            "row 3: a codes this unit again (general), as row 2 did (explicit)",
        ),
        (
            [ROW, {**ROW, "url": "x"}, {**ROW, "url": "x", "interview_answer": "Yes."}],
            None,  # rows of one url with two answers are two questions: accepted
        ),
        (
            [{**ROW, "annotator": "a", "document": "1", "question_order": "1"},
             {**ROW, "annotator": "b", "document": "1", "question_order": "1",
              "interview_answer": "Never."}],
            "row 3: the interview_question, interview_answer or question offsets differ from "
            "row 2's",
        ),
        ([{**ROW, "question": " "}], "row 2: question is empty"),
        ([{key: v for key, v in ROW.items() if key != "question"}], "row 1: a QEvasion file "
         "needs the columns question"),
        (
            [{**ROW, "annotator": "a", "document": "1", "question_order": "1",
              "question_start": "4", "question_end": "99"}],
            "row 2: the question [4, 99) runs past the end of the interviewer's turn",
        ),
    ],
)  # fmt: skip
def test_bad_rows_refuse_the_file_naming_the_row(
    tmp_path: Path, rows: list[dict[str, str]], message: str | None
) -> None:
    path = write(tmp_path / "bad.csv", rows)
    if message is None:
        assert len(read_transcript(path, "qevasion", scheme=scheme())[-1].questions) == 2
        return
    with pytest.raises(ImportFailure) as failure:
        read_transcript(path, "qevasion", scheme=scheme())
    assert str(failure.value).startswith(f"{path}: ")
    assert message in str(failure.value)


def test_a_code_the_store_refuses_leaves_the_project_unchanged(tmp_path: Path) -> None:
    path = write(tmp_path / "q.csv", [ROW, {**ROW, "question": "Why?", "evasion_label": ""}])
    with Project.create(tmp_path / "p.db", scheme()) as project:
        documents = read_transcript(path, scheme=project.scheme)
        with pytest.raises(ProjectError, match=r"row 3: qevasion's code 'clear_reply': "):
            project.add_documents(documents, origin=str(path))
        assert project.documents() == [] and project.codes(None) == []


def test_other_csv_files_and_missing_schemes_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "spans.csv"
    other.write_text("document_id,label\n1,quote\n", encoding="utf-8")
    with pytest.raises(ImportFailure, match="is read as QEvasion data, whose header names"):
        read_transcript(other)
    with pytest.raises(ImportFailure, match="import it into a project"):
        read_transcript(RELEASED)
    without = load_scheme("name: s\nversion: 1\nlabels: [{id: quote, color: blue, hotkey: t}]\n")
    with pytest.raises(ImportFailure, match="has no question codes to match"):
        read_transcript(RELEASED, scheme=without)


def test_label_names_match_without_case_spaces_or_punctuation() -> None:
    names = LabelNames(scheme().unit("question"))
    assert names.label("partial / HALF answer").id == "partial"
    assert names.label("2.3 Dodging").id == "dodging"
    assert names.label("Ambivalent Reply").id == "ambivalent"  # the paper's name
    assert names.label("claims_ignorance").id == "claims_ignorance"
    assert names.label("Sidestep") is None
    assert released_name("clear non-reply") == "Clear Non-Reply"
    assert names.row_labels("partial") == ("Ambivalent", "Partial/half-answer")
    assert names.row_labels("clear_reply") == ("Clear Reply", "")
    twice = load_scheme(
        "name: s\nversion: 1\nlabels: [{id: quote, color: blue, hotkey: t}]\n"
        "units:\n  question:\n    labels:\n"
        "      - {id: general, name: Broad, color: blue}\n"
        "      - {id: broad, name: General, color: red}\n"
    )
    with pytest.raises(ValueError, match="matches the question codes general, broad alike"):
        LabelNames(twice.unit("question")).label("General")


def test_lay_out_maps_offsets() -> None:
    text, positions = lay_out("  Good morning.\r\n\r\n  Will you?  ")
    assert text == "Good morning.\nWill you?"
    assert text[positions[21] : positions[29] + 1] == "Will you?"
    assert positions[0] == positions[19] == -1


def test_cli_imports_a_qevasion_file(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    scheme_file = FIXTURES / "clarity-scheme.yaml"
    assert run_cli("init", "--scheme", str(scheme_file)).exit_code == 0
    result = run_cli("import", str(RELEASED))
    assert result.exit_code == 0, result.output
    assert "3 new document" in result.output
    with Project.open(tmp_path / "annotations.db") as project:
        assert {c.annotator for c in project.codes("question")} == {
            "qevasion",
            "annotator1",
            "annotator2",
            "annotator3",
        }
    bad = write(tmp_path / "bad.csv", [{**ROW, "evasion_label": "Sidestep"}])
    result = run_cli("import", str(bad))
    assert result.exit_code == 1
    assert "bad.csv: row 2: evasion_label 'Sidestep' is not one of" in result.output + (
        result.stderr or ""
    )


def test_the_bundled_clarity_scheme_meets_the_released_names() -> None:
    path = Path(__file__).resolve().parents[1] / "schemas" / "clarity.yaml"
    if not path.exists():
        pytest.skip("schemas/clarity.yaml comes with the bundled schemes")
    names = LabelNames(load_scheme_file(path).unit("question"))
    assert sorted(names.released.values()) == sorted([*CLARITY, *EVASION])
    assert names.differences() == []
    for label_id in names.released:
        assert not isinstance(names.row_labels(label_id), str), label_id
