"""``annotator questions propose`` and ``list``, and importing a file's questions and codes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import layout
from test_questions import SCHEME

from annotator.errors import ProjectError
from annotator.model import CodeDraft, ImportedDocument, QuestionDraft, SpanDraft
from annotator.resources import sample_transcripts_dir
from annotator.scheme import load_scheme
from annotator.store import Project


def test_propose_then_list_the_sample_interview(
    run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    assert run_cli("init").exit_code == 0
    radio = sample_transcripts_dir() / "radio-interview-housing.md"
    assert run_cli("import", str(radio)).exit_code == 0
    result = run_cli("questions", "propose", "--as", "lead")
    assert result.exit_code == 0, result.output
    assert "Proposed 14 questions in 1 document" in result.output
    again = run_cli("questions", "propose", "--as", "lead")
    assert "No new questions: every question found is there already." in again.output
    listing = run_cli("questions", "list")
    assert listing.exit_code == 0 and "Q14" in listing.output and "INTERVIEWER" in listing.output
    status = run_cli("status")
    assert "Questions: 14 question units" in status.output
    with Project.open(tmp_path / "annotations.db") as project:
        edits = {change.annotator for change in project.history(1)}
        # Named in the log, but not an annotator: no layer, no progress to count.
        assert project.annotators() == []
    assert edits == {"lead"}
    assert "lead" not in status.output


def test_propose_says_when_no_speaker_asks(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "debate.txt"
    path.write_text("Ms. Reed: Is it true?\n\nMr. Ode: No.\n", encoding="utf-8")
    run_cli("init")
    run_cli("import", str(path))
    result = run_cli("questions", "propose", "--as", "lead")
    assert "No new questions (no speaker asks by default: name them with --asker" in result.output
    named = run_cli("questions", "propose", "--as", "lead", "--asker", "Ms. Reed")
    assert "Proposed 1 question in 1 document" in named.output


TEXT, TURNS = layout(["Will you? And when?", "Not now."], ["Q", "A"])


def _document(**kwargs: object) -> ImportedDocument:
    return ImportedDocument(title="QA", text=TEXT, turns=tuple(TURNS), format="jsonl", **kwargs)


def test_import_stores_questions_parts_links_and_codes(tmp_path: Path) -> None:
    answer = (TEXT.index("Not now."), len(TEXT))
    document = _document(
        questions=(
            QuestionDraft("q1", 0, TEXT.index("?", 10) + 1),
            QuestionDraft("q1a", 0, 9, parent="q1"),
            QuestionDraft("q1b", 10, 19, parent="q1", status="proposed"),
        ),
        spans=(SpanDraft("deflection", *answer, {"kind": "declines"}, question="q1b"),),
        annotator="alice",
        codes=(
            CodeDraft("alice", "dodging", "q1a"),
            CodeDraft("bob", "explicit", "q1b"),
            CodeDraft("bob", "adversarial"),
        ),
    )
    with Project.create(tmp_path / "p.db", load_scheme(SCHEME)) as project:
        project.add_documents([document])
        _, q1a, q1b = project.questions(1)
        assert (q1a.name, q1b.name, q1b.status) == ("Q1a", "Q1b", "proposed")
        assert project.spans(1, "alice")[0].question_id == q1b.id
        assert {(c.annotator, c.question_id, c.label) for c in project.codes(None)} == {
            ("alice", q1a.id, "dodging"),
            ("bob", q1b.id, "explicit"),
            ("bob", None, "adversarial"),
        }
        # The same file again: nothing is added twice.
        project.add_documents([document])
        assert len(project.questions(1)) == 3 and len(project.codes(None)) == 3


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            _document(
                questions=(QuestionDraft("q1", 0, 9),), codes=(CodeDraft("a", "explicit", "q9"),)
            ),
            "no question 'q9' in the file's questions",
        ),
        (
            _document(
                questions=(QuestionDraft("q1", 0, 9),), codes=(CodeDraft("a", "ambivalent", "q1"),)
            ),
            "a's code 'ambivalent': 'ambivalent' groups other question codes",
        ),
        (
            _document(
                questions=(QuestionDraft("q1", 0, 99),), codes=(CodeDraft("a", "explicit", "q1"),)
            ),
            "question q1: a question must be a non-empty range inside the text",
        ),
        (
            _document(codes=(CodeDraft("a", "declining", None),)),
            "the document codes of scheme 'qa' has no label 'declining'",
        ),
    ],
)
def test_import_refuses_a_bad_question_file_whole(
    tmp_path: Path, document: ImportedDocument, message: str
) -> None:
    with Project.create(tmp_path / "p.db", load_scheme(SCHEME)) as project:
        with (
            pytest.raises(ProjectError, match=message)
            if message != "unknown"
            else pytest.raises(ProjectError)
        ):
            project.add_documents([document], origin="file.jsonl")
        assert project.documents() == [] and project.codes(None) == []


def test_init_takes_a_bundled_scheme_by_name(run_cli: Callable[..., Result]) -> None:
    result = run_cli("init", "--scheme", "clarity")
    assert result.exit_code == 0
    assert "with scheme clarity v1 (2 span labels, 12 question codes)" in result.output
    wrong = run_cli("--db", "other.db", "init", "--scheme", "clarty")
    assert wrong.exit_code == 1
    assert "clarty: no such file, and no bundled scheme of that name" in wrong.output


def test_import_says_how_many_questions_and_codes_a_file_brought(
    run_cli: Callable[..., Result],
) -> None:
    run_cli("init", "--scheme", "clarity")
    qevasion = Path(__file__).parent / "fixtures" / "qevasion-layout.csv"
    result = run_cli("import", str(qevasion))
    assert result.exit_code == 0, result.output
    assert "6 questions, 7 codes added" in result.output
    again = run_cli("import", str(qevasion))
    assert "0 spans added" in again.output and "already there" in again.output
