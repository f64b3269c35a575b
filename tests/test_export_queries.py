"""An export reads each document in a fixed number of statements: one for its spans of the
exported layers (sorted by SQLite), none for questions or codes where it has none. Counted
with SQLite's trace callback, never timed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from annotator.export import export
from annotator.model import ImportedDocument, SpanDraft, Turn
from annotator.scheme import load_scheme
from annotator.store import Project

SCHEME = """
name: queries
version: 1
labels:
  - {id: quote, hotkey: t, color: blue}
  - {id: deflection, hotkey: d, color: orange}
"""
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]


def project_with(path: Path, documents: int, spans: int) -> Project:
    """Documents of two turns, each with ``spans`` spans of alice and of bob (one word each,
    none overlapping another of its label), every layer done."""
    project = Project.create(path, load_scheme(SCHEME))
    text = " ".join(WORDS * (spans + 1))
    starts = [i for i, c in enumerate(text) if c != " " and (i == 0 or text[i - 1] == " ")]
    for number in range(documents):
        body = f"{number} {text}"
        for annotator in ("alice", "bob"):
            drafts = tuple(
                SpanDraft(
                    "quote" if k % 2 else "deflection",
                    starts[k] + len(f"{number} "),
                    starts[k] + len(f"{number} ") + 4,
                    {},
                    "",
                )
                for k in range(spans)
            )
            project.add_documents(
                [
                    ImportedDocument(
                        title=f"doc {number}",
                        text=body,
                        turns=(Turn(0, 0, 10, "HOST"), Turn(1, 11, len(body), "GUEST")),
                        format="text",
                        spans=drafts,
                        annotator=annotator,
                    )
                ]
            )
        for annotator in ("alice", "bob"):
            project.set_status(number + 1, annotator, "done")
    return project


def statements(project: Project, out: Path) -> list[str]:
    seen: list[str] = []
    project.db.conn.set_trace_callback(seen.append)
    try:
        export(project, "jsonl", out, force=True)
    finally:
        project.db.conn.set_trace_callback(None)
    return seen


def test_statements_per_document_do_not_grow_with_its_spans(tmp_path: Path) -> None:
    few = project_with(tmp_path / "few.db", 3, 2)
    many = project_with(tmp_path / "many.db", 3, 40)
    with few, many:
        assert len(statements(few, tmp_path / "few.jsonl")) == len(
            statements(many, tmp_path / "many.jsonl")
        )
        lines = (tmp_path / "many.jsonl").read_text("utf-8").splitlines()
        assert [len(json.loads(line)["spans"]) for line in lines] == [80, 80, 80]


def test_each_document_costs_the_same_few_statements(tmp_path: Path) -> None:
    two = project_with(tmp_path / "two.db", 2, 5)
    five = project_with(tmp_path / "five.db", 5, 5)
    with two, five:
        per_document = (
            len(statements(five, tmp_path / "5.jsonl")) - len(statements(two, tmp_path / "2.jsonl"))
        ) / 3
        assert per_document <= 3  # the document, its turns, its spans
        read = statements(five, tmp_path / "again.jsonl")
        spans = [s for s in read if "FROM spans s JOIN annotators" in s]
        assert len(spans) == 5
        # No document has questions or codes: none is asked for them one by one.
        one_by_one = re.compile(r"FROM (questions|codes)\b.*document_id = \d")
        assert not [s for s in read if one_by_one.search(s)]
