"""A small project with questions for the question exports (jsonl, questions-csv, qevasion):
two interviews with CLARITY-named question codes (tests/fixtures/clarity-scheme.yaml).

The first interview has a question with two parts (one reworded, as CLARITY rewrites
sub-questions), a question coded by alice, bob and the gold layer (with provenance), a
response region moved by hand, a proposed question nobody coded, spans linked to questions
(one to a part, one to the whole question, one unlinked), a code with attributes and a note,
and a document code. The second interview (metadata with a date) has one question, coded by
bob only; alice skipped it. A third document, which bob opened, has no questions.
"""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, layout

from annotator.model import ImportedDocument
from annotator.scheme import Scheme, load_scheme_file
from annotator.store import Project

FIRST, FIRST_TURNS = layout(
    [
        "Good morning, Minister. Will you raise taxes? And when will you decide?",
        "Well, I won't set out the budget here. We will decide in the spring, café owners too.",
        "Thank you. Why did the 住宅 target slip?",
        "Look, completions are up in the east.",
        "Is that a yes?",
        "I have answered that.",
    ],
    ["INTERVIEWER", "MINISTER", "INTERVIEWER", "MINISTER", "INTERVIEWER", "MINISTER"],
)
SECOND, SECOND_TURNS = layout(
    ["Do you support the bill?", "I do not know the details yet."], ["Q", "THE PRESIDENT"]
)


def scheme() -> Scheme:
    return load_scheme_file(FIXTURES / "clarity-scheme.yaml")


def at(text: str, piece: str) -> tuple[int, int]:
    start = text.index(piece)
    return start, start + len(piece)


def build(path: Path) -> Project:
    project = Project.create(path, scheme())
    first, second, third = project.add_documents(
        [
            ImportedDocument("Budget interview", FIRST, tuple(FIRST_TURNS), "text", "budget.txt"),
            ImportedDocument(
                "Bill interview",
                SECOND,
                tuple(SECOND_TURNS),
                "text",
                None,
                metadata={"date": "2023-05-04", "outlet": {"name": "Radio 4", "live": True}},
            ),
            ImportedDocument("No questions", "Just a statement.", (), "text", None),
        ]
    )
    one, two = first.document_id, second.document_id
    project.propose_questions("lead")
    q1, q1a, q1b, q2, q3 = project.questions(one)
    project.update_question(q1b.id, "lead", wording="When will you decide on taxes?")
    project.update_question(
        q2.id, "lead", status="confirmed", response=at(FIRST, "Look, completions are up")
    )
    for question in (q1, q2):
        project.update_question(question.id, "lead", status="confirmed")
    # Spans: one linked to a part, one to the whole question, one to none.
    project.create_span(
        one, "alice", "deflection", *at(FIRST, "I won't set out the budget here"), question=q1a.id
    )
    project.create_span(one, "alice", "quote", *at(FIRST, "café owners"), question=q1.id)
    project.create_span(one, "bob", "deflection", *at(FIRST, "completions are up"), question=None)
    project.create_span(one, "bob", "deflection", *at(FIRST, "I have answered that"))
    # Codes.
    project.set_code(
        one,
        "alice",
        "declining",
        question_id=q1a.id,
        attributes={"explicit_refusal": True, "reasons": ["legal", "privacy"]},
        note="refuses outright",
    )
    project.set_code(one, "alice", "explicit", question_id=q1b.id)
    project.set_code(one, "alice", "dodging", question_id=q2.id)
    project.set_code(one, "bob", "partial", question_id=q1a.id)
    project.set_code(one, "bob", "implicit", question_id=q1b.id)
    project.set_code(one, "bob", "dodging", question_id=q2.id)
    project.set_code(one, "bob", "adversarial")  # a document code
    project.set_code(
        one,
        "gold",
        "dodging",
        question_id=q2.id,
        reviewer="ana",
        provenance={
            "method": "unanimous",
            "reviewer": "ana",
            "sources": [5, 6],
            "annotators": ["alice", "bob"],
            "of": 2,
        },
    )
    assert q3.status == "proposed"  # nobody codes Q3 ("Is that a yes?")
    [q] = project.questions(two)
    project.set_code(two, "bob", "claims_ignorance", question_id=q.id)
    project.set_status(one, "alice", "done")
    project.set_status(two, "alice", "skipped")
    project.set_status(third.document_id, "bob", "in_progress")
    project.set_status(one, "gold", "done")
    project.set_status(two, "gold", "done")
    return project
