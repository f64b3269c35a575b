"""A small project whose report figures are counted by hand (tests/test_report.py).

Three interviews with people in the speaker registry, questions with a two-level code
hierarchy, and two annotators::

    document         date         turns (speaker: words)
    Budget (A)       2024-03-05   INTERVIEWER 6, MINISTER 24, INTERVIEWER 13, MINISTER 5
    Housing (B)      2024-04-10   INTERVIEWER 6, MINISTER 12, OPPOSITION 9
    Debate (C)       (none)       MODERATOR 8, OPPOSITION 12

MINISTER names Jane Doe and OPPOSITION John Roe (both interviewees); INTERVIEWER is an
interviewer, MODERATOR a moderator. Question units: A has Q1 and Q2 with two parts (Q2a,
Q2b), B and C one question each: five units, four put to Jane Doe, one to John Roe.

alice marked every document done; bob opened A (in progress) and skipped B, so only A
counts for him. The gold layer has one code in A, which is marked reviewed.

Words: Jane Doe 24 + 5 + 12 = 41; John Roe 9 + 12 = 21; INTERVIEWER 6 + 13 + 6 = 25;
MODERATOR 8. In A alone (bob): Jane Doe 29, INTERVIEWER 19.

alice's spans: Jane Doe deflection (declines), commitment ×3 (specific, specific, vague;
the vague one's actor "the government"), criticism (target "The last government"); John
Roe criticism ×2 (targets "the minister", "The Minister"), quote (source "the audit"),
deflection (declines). bob's: Jane Doe deflection (pivots), commitment (specific).

alice's codes: Q1 dodging, Q2a explicit, Q2b declining (reasons: legal), B partial, C
declining (reasons: legal, privacy). bob's: Q1 dodging, Q2a dodging (Q2b not coded).
"""

from __future__ import annotations

from pathlib import Path

from conftest import layout

from annotator.model import ImportedDocument
from annotator.scheme import Scheme, load_scheme
from annotator.store import Project

SCHEME = """
name: report-test
version: 1
labels:
  - id: deflection
    hotkey: d
    color: "#bd7f00"
    attributes:
      - {id: kind, type: choice, choices: [declines, pivots, dodges], required: true}
  - id: commitment
    hotkey: c
    color: "#00966d"
    attributes:
      - {id: specificity, type: choice, choices: [specific, vague], required: true}
      - {id: conditional, type: boolean, default: false}
      - {id: actor, type: text}
  - id: criticism
    hotkey: i
    color: "#c0609a"
    attributes:
      - {id: target, type: text}
  - id: quote
    hotkey: t
    color: "#2a86c8"
    attributes:
      - {id: source, type: text}
units:
  question:
    labels:
      - {id: clear_reply, name: Clear Reply, color: "#2f9e44"}
      - {id: explicit, name: Explicit, parent: clear_reply, color: "#2f9e44", hotkey: "1"}
      - {id: ambivalent, name: Ambivalent, color: "#e8a33d"}
      - {id: dodging, name: Dodging, parent: ambivalent, color: "#e8a33d", hotkey: "2"}
      - {id: partial, name: Partial, parent: ambivalent, color: "#e8a33d", hotkey: "3"}
      - {id: clear_non_reply, name: Clear Non-Reply, color: "#d9534f"}
      - id: declining
        name: Declining
        parent: clear_non_reply
        color: "#d9534f"
        hotkey: "4"
        attributes:
          - {id: reasons, type: multichoice, choices: [legal, privacy]}
"""

A_TURNS = [
    "Will you raise taxes this year?",
    "I will not set out the budget here. We will cut income tax by two pence in April. "
    "The last government wrecked the economy.",
    "And will you rule out a rise in VAT? Or in fuel duty?",
    "Yes, I rule it out.",
]
B_TURNS = [
    "Why did the housing target slip?",
    "Completions are up in the east. We will do more for renters.",
    "The minister has failed renters, as the audit said.",
]
C_TURNS = [
    "Mr Roe, will you build the new line?",
    "I am not going to answer hypotheticals. The Minister has failed commuters.",
]
A, A_SPEAKERS = layout(A_TURNS, ["INTERVIEWER", "MINISTER", "INTERVIEWER", "MINISTER"])
B, B_SPEAKERS = layout(B_TURNS, ["INTERVIEWER", "MINISTER", "OPPOSITION"])
C, C_SPEAKERS = layout(C_TURNS, ["MODERATOR", "OPPOSITION"])

JANE, JOHN = "person=Jane Doe", "person=John Roe"


def scheme() -> Scheme:
    return load_scheme(SCHEME)


def at(text: str, piece: str) -> tuple[int, int]:
    start = text.index(piece)
    return start, start + len(piece)


def build(path: Path) -> Project:
    """The project, left open."""
    project = Project.create(path, scheme())
    a, b, c = (
        result.document_id
        for result in project.add_documents(
            [
                ImportedDocument(
                    "Budget", A, tuple(A_SPEAKERS), "text", "a.md", metadata={"date": "2024-03-05"}
                ),
                ImportedDocument(
                    "Housing", B, tuple(B_SPEAKERS), "text", "b.md", metadata={"date": "2024-04-10"}
                ),
                ImportedDocument("Debate", C, tuple(C_SPEAKERS), "text", "c.md"),
            ]
        )
    )
    project.rename_speaker("MINISTER", "Jane Doe")
    project.rename_speaker("OPPOSITION", "John Roe")
    for person, role in (
        ("Jane Doe", "interviewee"),
        ("John Roe", "interviewee"),
        ("INTERVIEWER", "interviewer"),
        ("MODERATOR", "moderator"),
    ):
        project.set_person(person, role=role)
    project.propose_questions("lead")
    q1, q2, q2a, q2b = project.questions(a)
    assert (q2a.parent_id, q2b.parent_id) == (q2.id, q2.id)
    [qb] = project.questions(b)
    [qc] = project.questions(c)

    def span(doc: int, text: str, who: str, label: str, piece: str, **attributes: object) -> None:
        project.create_span(doc, who, label, *at(text, piece), attributes)

    span(a, A, "alice", "deflection", "I will not set out the budget here.", kind="declines")
    span(a, A, "alice", "commitment", "We will cut income tax", specificity="specific")
    span(
        a,
        A,
        "alice",
        "criticism",
        "The last government wrecked the economy.",
        target="The last government",
    )
    span(a, A, "alice", "commitment", "I rule it out.", specificity="specific")
    span(
        b,
        B,
        "alice",
        "commitment",
        "We will do more for renters.",
        specificity="vague",
        actor="the government",
    )
    span(b, B, "alice", "criticism", "The minister has failed renters", target="the minister")
    span(b, B, "alice", "quote", "as the audit said", source="the audit")
    span(c, C, "alice", "deflection", "I am not going to answer hypotheticals.", kind="declines")
    span(c, C, "alice", "criticism", "The Minister has failed commuters.", target="The Minister")
    span(a, A, "bob", "deflection", "I will not set out the budget here.", kind="pivots")
    span(a, A, "bob", "commitment", "We will cut income tax", specificity="specific")

    project.set_code(a, "alice", "dodging", question_id=q1.id)
    project.set_code(a, "alice", "explicit", question_id=q2a.id)
    project.set_code(a, "alice", "declining", question_id=q2b.id, attributes={"reasons": ["legal"]})
    project.set_code(b, "alice", "partial", question_id=qb.id)
    project.set_code(
        c, "alice", "declining", question_id=qc.id, attributes={"reasons": ["legal", "privacy"]}
    )
    project.set_code(a, "bob", "dodging", question_id=q1.id)
    project.set_code(a, "bob", "dodging", question_id=q2a.id)
    project.set_code(a, "gold", "dodging", question_id=q1.id, reviewer="rita")
    for doc in (a, b, c):
        project.set_status(doc, "alice", "done")
    project.set_status(a, "bob", "in_progress")
    project.set_status(b, "bob", "skipped")
    project.set_status(a, "gold", "done")
    return project
