"""A small project for the span tables' columns (csv, parquet): spans with choice,
multichoice, text, boolean and number attributes, two labels sharing an attribute id
(``kind``), documents with metadata (date, source, url, a nested object, a list, numbers of
both kinds), turns with and without times, a speaker registered with a role, and spans
linked to a question, to a part of one, and to none."""

from __future__ import annotations

from pathlib import Path

from conftest import layout

from annotator.model import ImportedDocument, Turn
from annotator.scheme import Scheme, load_scheme
from annotator.store import Project

SCHEME = """
name: columns
version: 1
labels:
  - id: deflection
    hotkey: d
    color: orange
    attributes:
      - {id: kind, type: choice, choices: [declines, dodges, pivots]}
      - {id: tactics, type: multichoice, choices: [attack, self praise, deflect]}
      - {id: gist, type: text}
  - id: commitment
    hotkey: c
    color: green
    attributes:
      - {id: kind, type: choice, choices: [action, outcome]}
      - {id: conditional, type: boolean}
      - {id: amount, type: number}
  - id: quote
    hotkey: t
    color: blue
units:
  question:
    labels:
      - {id: reply, color: green, hotkey: "1"}
      - {id: deflected, color: red, hotkey: "2"}
"""
FIRST = (
    "Will you cut the tax? And when?",
    "Well, I won't say, but we will build 300 homes, if elected.",
    "Is that a promise?",
    "I said so.",
)
SECOND = ("A statement, with no question at all.",)
METADATA_1 = {
    "url": "https://example.org/1",
    "date": "2024-05-01",
    "source": "Radio 4",
    "outlet": {"name": "Today", "live": True},
    "tags": ["radio", "é"],
    "episode": 3,
}
METADATA_2 = {"date": "2024-06-02", "episode": 4.5, "outlet": {"live": False}}


def scheme() -> Scheme:
    return load_scheme(SCHEME)


def at(text: str, piece: str) -> tuple[int, int]:
    start = text.index(piece)
    return start, start + len(piece)


def build(path: Path) -> Project:
    project = Project.create(path, scheme())
    text, turns = layout(FIRST, ["INTERVIEWER", "MINISTER", "INTERVIEWER", "MINISTER"])
    timed = tuple(
        Turn(t.index, t.start, t.end, t.speaker, 10.0 * t.index, 10.0 * t.index + 8.5)
        for t in turns
    )
    plain, plain_turns = layout(SECOND, ["MINISTER"])
    first, second = project.add_documents(
        [
            ImportedDocument("Tax interview", text, timed, "text", "tax.txt", METADATA_1),
            ImportedDocument("Statement", plain, tuple(plain_turns), "text", None, METADATA_2),
        ]
    )
    project.set_person("MINISTER", role="interviewee")
    project.propose_questions("lead")
    q1, q1a, _, q2 = project.questions(first.document_id)
    assert (q1.name, q1a.name, q2.name) == ("Q1", "Q1a", "Q2")
    one, two = first.document_id, second.document_id
    project.create_span(
        one,
        "alice",
        "deflection",
        *at(text, "I won't say"),
        {"kind": "declines", "tactics": ["attack", "self praise"], "gist": 'no, "never"'},
        question=q1a.id,
    )
    project.create_span(
        one,
        "alice",
        "commitment",
        *at(text, "we will build 300 homes"),
        {"kind": "action", "conditional": True, "amount": 300},
        question=q1.id,
    )
    project.create_span(one, "bob", "deflection", *at(text, "I won't say"), {"kind": "dodges"})
    project.create_span(one, "bob", "quote", *at(text, "I said so"), question=q2.id)
    project.create_span(
        two, "bob", "commitment", *at(plain, "A statement"), {"amount": 2.5}, question=None
    )
    for document_id in (one, two):
        for name in ("alice", "bob"):
            project.set_status(document_id, name, "in_progress")
    return project
