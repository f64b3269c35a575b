"""Questions as units: proposing them, editing them (split, merge, delete, edges, response
regions), linking spans to them, coding them, and undo and redo of all of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import layout

from annotator.errors import AnnotatorError, InvalidValue, ProjectError
from annotator.io.detect import read_transcript
from annotator.model import ImportedDocument
from annotator.questions import asks, propose, question_sentences
from annotator.scheme import load_scheme
from annotator.store import Project

SCHEME = """
name: qa
version: 1
labels:
  - id: deflection
    color: orange
    hotkey: d
    attributes:
      - {id: kind, type: choice, choices: [declines, dodges, pivots], required: true}
  - {id: quote, color: blue, hotkey: t}
units:
  question:
    labels:
      - {id: clear_reply, color: green}
      - {id: explicit, parent: clear_reply, color: green, hotkey: "1"}
      - {id: ambivalent, color: orange}
      - {id: dodging, parent: ambivalent, color: orange, hotkey: "2"}
      - {id: partial, parent: ambivalent, color: orange, hotkey: "3"}
      - id: clear_non_reply
        color: red
      - id: declining
        parent: clear_non_reply
        color: red
        hotkey: "4"
        attributes:
          - {id: reason, type: text, required: true}
  document:
    selectable: any
    labels:
      - {id: adversarial, color: red, hotkey: y}
"""

TEXT, TURNS = layout(
    [
        "Good morning. Will you raise taxes? And when will you decide?",
        "Well, I won't set out the budget here. We will decide in spring.",
        "Thank you. Why did the homes target slip?",
        "Look, completions are up in the east.",
    ],
    ["INTERVIEWER", "MINISTER", "INTERVIEWER", "MINISTER"],
)


@pytest.fixture
def qa(tmp_path: Path) -> Project:
    project = Project.create(tmp_path / "qa.db", load_scheme(SCHEME))
    project.add_documents(
        [ImportedDocument(title="Interview", text=TEXT, turns=tuple(TURNS), format="text")]
    )
    yield project
    project.close()


def at(text: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(text, start + 1)
    return start, start + len(text)


# ---- who asks, and what a question is ------------------------------------------------------


@pytest.mark.parametrize(
    ("speaker", "askers", "expected"),
    [
        ("Q", None, True),
        ("INTERVIEWER", None, True),
        ("REPORTER 3", None, True),
        ("Moderator Amara Diallo", None, True),
        ("Audience Member Priya Nair", None, True),
        ("THE PRESIDENT", None, False),
        ("QUEEN", None, False),
        (None, None, False),
        ("MR. LANTOS", ["Mr. Lantos"], True),
        ("THE PRESIDENT", ["*"], True),
        ("Q", ["HANNITY"], False),
    ],
)
def test_who_asks(speaker: str | None, askers: list[str] | None, expected: bool) -> None:
    assert asks(speaker, askers) is expected


def test_question_sentences_skip_titles_and_decimals() -> None:
    text = "Mr. President, thank you. Is 3.5 per cent enough? And Dr. Li said what?"
    found = [text[a:b] for a, b in question_sentences(text, 0, len(text))]
    assert found == ["Is 3.5 per cent enough?", "And Dr. Li said what?"]


def test_proposals_have_a_part_per_question_mark_and_skip_existing() -> None:
    proposals = propose(TEXT, TURNS)
    assert [(TEXT[p.start : p.end]) for p in proposals] == [
        "Will you raise taxes? And when will you decide?",
        "Why did the homes target slip?",
    ]
    assert [TEXT[a:b] for a, b in proposals[0].parts] == [
        "Will you raise taxes?",
        "And when will you decide?",
    ]
    assert propose(TEXT, TURNS, existing=[at("Why did the homes target slip?")]) == proposals[:1]


def test_every_q_turn_of_the_biden_press_conference_with_a_question_mark_is_proposed(
    real_data: Path, tmp_path: Path
) -> None:
    document = read_transcript(real_data / "wh_2022-01-19_biden_press_conference.md")[0]
    with Project.create(tmp_path / "p.db", load_scheme(SCHEME)) as project:
        [added] = project.add_documents([document])
        [result] = project.propose_questions("lead")
        questions = project.questions(added.document_id)
    q_turns = [
        t for t in document.turns if t.speaker == "Q" and "?" in document.text[t.start : t.end]
    ]
    assert q_turns and result.questions == len(q_turns)
    for turn in q_turns:
        inside = [q for q in questions if turn.start <= q.start < turn.end]
        assert inside, document.text[turn.start : turn.end][:80]
        assert all(q.speaker == "Q" for q in inside)
    # Turns with several question marks became questions with parts.
    assert result.parts > 0
    assert any(q.is_part for q in questions)


# ---- regions, names, links -----------------------------------------------------------------


def test_propose_names_regions_and_is_idempotent(qa: Project) -> None:
    [result] = qa.propose_questions("lead")
    assert (result.questions, result.parts) == (2, 2)
    questions = qa.questions(1)
    assert [q.name for q in questions] == ["Q1", "Q1a", "Q1b", "Q2"]
    q1, q1a, q1b, q2 = questions
    assert q1.speaker == "INTERVIEWER" and q1.status == "proposed"
    # To the turn that asks the next question (its lead-in, "Thank you.", is no answer).
    assert q1.response == (q1.end, TURNS[2].start) and TURNS[2].start < q2.start
    assert q1a.response == q1b.response == q1.response  # parts answer with their question
    assert q2.response == (q2.end, len(TEXT))  # the last one: to the end
    heard: list[tuple[int, int]] = []
    again = qa.propose_questions("lead", progress=lambda done, total: heard.append((done, total)))
    assert again[0].questions == 0  # nothing proposed twice
    assert heard == [(1, 1)]


def test_a_section_break_ends_a_response_region(tmp_path: Path) -> None:
    document = ImportedDocument(
        title="Debate",
        text=TEXT,
        turns=tuple(TURNS),
        format="tei",
        metadata={"section_breaks": [2]},  # a <head> before the third turn
    )
    with Project.create(tmp_path / "p.db", load_scheme(SCHEME)) as project:
        project.add_documents([document])
        project.add_question(1, "lead", *at("Will you raise taxes?"))
        q1 = project.questions(1)[0]
        assert q1.response == (q1.end, TURNS[2].start)


def test_spans_link_to_the_question_whose_region_holds_them(qa: Project) -> None:
    early = qa.create_span(1, "alice", "quote", *at("Good morning"))
    qa.propose_questions("lead")
    q1, _, _, q2 = qa.questions(1)
    assert qa.span(early.id).question_id is None  # before any question: linked to none
    answer = qa.create_span(
        1, "alice", "deflection", *at("I won't set out the budget here."), {"kind": "declines"}
    )
    later = qa.create_span(1, "alice", "deflection", *at("completions are up"), {"kind": "pivots"})
    assert (answer.question_id, later.question_id) == (q1.id, q2.id)
    moved = qa.update_span(later.id, "alice", question=q1.id)
    assert moved.question_id == q1.id
    assert qa.update_span(later.id, "alice", question=None).question_id is None
    with pytest.raises(InvalidValue, match="no question with id 999"):
        qa.update_span(later.id, "alice", question=999)


def test_unlinked_spans_are_linked_by_propose(qa: Project) -> None:
    span = qa.create_span(
        1, "alice", "deflection", *at("I won't set out the budget here."), {"kind": "declines"}
    )
    assert span.question_id is None
    [result] = qa.propose_questions("lead")
    assert result.linked == 1
    assert qa.span(span.id).question_id == qa.questions(1)[0].id


def test_two_sub_questions_coded_on_one_answer_keep_their_own_spans(qa: Project) -> None:
    qa.propose_questions("lead")
    _, q1a, q1b, _ = qa.questions(1)
    evasion = at("Well, I won't set out the budget here. We will decide in spring.")
    first = qa.create_span(
        1, "alice", "deflection", *evasion, {"kind": "declines"}, question=q1a.id
    )
    second = qa.create_span(1, "alice", "deflection", *evasion, {"kind": "dodges"}, question=q1b.id)
    spans = qa.spans(1, "alice")
    assert {(s.id, s.question_id, s.attributes["kind"]) for s in spans} == {
        (first.id, q1a.id, "declines"),
        (second.id, q1b.id, "dodges"),
    }
    # Within one question the merge rule still holds: same label, same question, overlapping.
    third = qa.create_span(
        1,
        "alice",
        "deflection",
        *at("We will decide in spring."),
        {"kind": "dodges"},
        question=q1b.id,
    )
    assert third.id != second.id and len(qa.spans(1, "alice")) == 2
    assert qa.undo(1, "alice")  # the merge comes apart again
    assert len(qa.spans(1, "alice")) == 2 and qa.span(second.id).question_id == q1b.id


# ---- editing questions ---------------------------------------------------------------------


def test_split_merge_and_delete_with_undo(qa: Project) -> None:
    q2 = qa.add_question(1, "lead", *at("Why did the homes target slip?"))
    assert q2.status == "confirmed"
    span = qa.create_span(1, "alice", "deflection", *at("completions are up"), {"kind": "pivots"})
    assert span.question_id == q2.id
    parts = qa.split_question(q2.id, "lead", at("the homes")[0])
    assert [(p.name, TEXT[p.start : p.end], p.status) for p in parts] == [
        ("Q1a", "Why did", "confirmed"),  # as sure as the question they split
        ("Q1b", "the homes target slip?", "confirmed"),
    ]
    merged = qa.merge_question(parts[0].id, "lead")  # one part left: whole again
    assert merged.id == q2.id and [q.name for q in qa.questions(1)] == ["Q1"]
    qa.undo(1, "lead")
    assert [q.name for q in qa.questions(1)] == ["Q1", "Q1a", "Q1b"]
    qa.redo(1, "lead")
    assert [q.name for q in qa.questions(1)] == ["Q1"]
    touched = qa.delete_question(q2.id, "lead")
    assert touched == 1 and qa.questions(1) == []
    assert qa.span(span.id).question_id is None  # kept, responding to no question now
    qa.undo(1, "lead")
    assert [q.id for q in qa.questions(1)] == [q2.id]
    assert qa.span(span.id).question_id == q2.id


def test_deleting_a_question_relinks_its_spans_to_the_question_before(qa: Project) -> None:
    qa.propose_questions("lead")
    q1, _, _, q2 = qa.questions(1)
    span = qa.create_span(1, "alice", "deflection", *at("completions are up"), {"kind": "pivots"})
    assert span.question_id == q2.id
    qa.delete_question(q2.id, "lead")
    # Q1's default region now runs to the end of the text, and holds the span.
    assert qa.span(span.id).question_id == q1.id


def test_coded_questions_are_not_split_merged_or_deleted(qa: Project) -> None:
    q = qa.add_question(1, "lead", *at("Why did the homes target slip?"))
    qa.set_code(1, "bob", "dodging", question_id=q.id)
    for action in (
        lambda: qa.delete_question(q.id, "lead"),
        lambda: qa.split_question(q.id, "lead", at("the homes")[0]),
    ):
        with pytest.raises(ProjectError, match="coded by bob; the codes must be cleared first"):
            action()
    assert [x.id for x in qa.questions(1)] == [q.id]


def test_question_rules(qa: Project) -> None:
    q = qa.add_question(1, "lead", *at("Why did the homes target slip?"))
    with pytest.raises(ProjectError, match="overlaps another question"):
        qa.add_question(1, "lead", *at("homes target slip? "[:-1]))
    with pytest.raises(InvalidValue, match="non-empty range inside the text"):
        qa.add_question(1, "lead", 5, 5)
    with pytest.raises(InvalidValue, match="must lie inside its question"):
        qa.add_question(1, "lead", *at("Look"), parent_id=q.id)
    with pytest.raises(InvalidValue, match="a split must fall inside"):
        qa.split_question(q.id, "lead", 0)
    moved = qa.update_question(q.id, "lead", start=at("did")[0], response=(q.end, q.end + 6))
    assert TEXT[moved.start : moved.end] == "did the homes target slip?"
    assert moved.response == (q.end, q.end + 6) and moved.response_set
    assert not qa.update_question(q.id, "lead", response=None).response_set


# ---- codes ---------------------------------------------------------------------------------


def test_codes_follow_the_unit_scheme(qa: Project) -> None:
    qa.propose_questions("lead")
    q1, q1a, q1b, _ = qa.questions(1)
    with pytest.raises(InvalidValue, match="Q1 has parts \\(Q1a, Q1b\\); code each part"):
        qa.set_code(1, "alice", "explicit", question_id=q1.id)
    with pytest.raises(InvalidValue, match="groups other question codes"):
        qa.set_code(1, "alice", "ambivalent", question_id=q1a.id)
    with pytest.raises(InvalidValue, match="attribute 'reason' of question code 'declining'"):
        qa.set_code(1, "alice", "declining", question_id=q1a.id)
    with pytest.raises(AnnotatorError, match="no label 'dodgin'"):
        qa.set_code(1, "alice", "dodgin", question_id=q1a.id)
    first = qa.set_code(1, "alice", "dodging", question_id=q1a.id)
    again = qa.set_code(1, "alice", "declining", question_id=q1a.id, attributes={"reason": "later"})
    assert again.id == first.id and again.label == "declining"  # one code per unit
    qa.set_code(1, "alice", "explicit", question_id=q1b.id)
    document_code = qa.set_code(1, "alice", "adversarial")
    assert document_code.unit == "document" and document_code.question_id is None
    assert [(c.question_id, c.label) for c in qa.codes(annotator="alice")] == [
        (q1a.id, "declining"),
        (q1b.id, "explicit"),
    ]
    assert qa.status(1, "alice") == "in_progress"
    qa.undo(1, "alice")  # the document code
    qa.undo(1, "alice")  # Q1b
    qa.undo(1, "alice")  # Q1a back to dodging
    assert [(c.label) for c in qa.codes(annotator="alice")] == ["dodging"]
    qa.redo(1, "alice")
    assert [(c.label) for c in qa.codes(annotator="alice")] == ["declining"]
    qa.clear_code(first.id, "alice")
    assert qa.codes(annotator="alice") == []
    history = qa.history(1, "alice")
    assert {change.item for change in history} == {"code"}
    qa.undo(1, "alice")
    assert [(c.label) for c in qa.codes(annotator="alice")] == ["declining"]


def test_undo_of_a_question_someone_else_changed_since_is_refused(qa: Project) -> None:
    q = qa.add_question(1, "lead", *at("Why did the homes target slip?"))
    qa.update_question(q.id, "bob", status="proposed")
    with pytest.raises(AnnotatorError, match="a question of this edit was changed elsewhere"):
        qa.undo(1, "lead")
    assert [x.id for x in qa.questions(1)] == [q.id]  # nothing changed
    qa.undo(1, "bob")
    qa.undo(1, "lead")
    assert qa.questions(1) == []
