"""A small project for export tests: overlapping, nested, attribute-carrying and non-ASCII
spans (é, 😀, CJK) in two annotators' layers, turns with speakers and timestamps, a span
that crosses a turn boundary, a document marked done, one without spans, and an annotator
(carol) who opened every document and marked nothing."""

from __future__ import annotations

from pathlib import Path

from annotator.model import ImportedDocument, Turn
from annotator.scheme import Scheme
from annotator.store import Project

TURNS_1 = (
    ("HOST", 0.0, 4.5, "Café owners said: « We will not pay. » 😀 Really?"),
    ("MINISTER", 5.0, 12.25, "The 政府 failed them. Critics are wrong about 東京."),
)
TURNS_2 = (
    (None, None, None, "Plain text without a speaker, about the naïve plan."),
    ("Q", 20, None, "Is that 😀 a yes?"),
)


def document(title: str, turns: tuple, metadata: dict, source: str | None) -> ImportedDocument:
    parts, result, start = [], [], 0
    for index, (speaker, begin, end, content) in enumerate(turns):
        result.append(Turn(index, start, start + len(content), speaker, begin, end))
        parts.append(content)
        start += len(content) + 2
    return ImportedDocument(
        title=title,
        text="\n\n".join(parts),
        turns=tuple(result),
        format="text",
        source_path=source,
        metadata=metadata,
    )


def at(text: str, piece: str, occurrence: int = 0) -> tuple[int, int]:
    """The [start, end) of ``piece`` in ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(piece, start + 1)
    return start, start + len(piece)


def build(path: Path, scheme: Scheme) -> Project:
    """The sample project at ``path`` (tiny scheme: quote, criticism)."""
    project = Project.create(path, scheme)
    first, second, third = project.add_documents(
        [
            document("Café debate", TURNS_1, {}, "debate.txt"),
            document(
                "Second 東京 talk",
                TURNS_2,
                {"date": "2024-05-01", "tags": ["radio", "é"], "episode": 3},
                "/data/talk.md",
            ),
            document("Empty one", (("HOST", None, None, "Nothing to label here."),), {}, None),
        ]
    )
    one = project.document(first.document_id)
    two = project.document(second.document_id)
    text = one.text
    # alice: a quote with a criticism nested inside it, and a criticism crossing turns.
    project.create_span(
        one.id, "alice", "quote", *at(text, "« We will not pay. »"), {"source": "owners"}
    )
    project.create_span(
        one.id,
        "alice",
        "criticism",
        *at(text, "will not pay"),
        {"target": "café owners", "strength": 2, "personal": True},
        note="nested in the quote; é 😀",
    )
    start, _ = at(text, "Really?")
    _, end = at(text, "The 政府")
    project.create_span(one.id, "alice", "criticism", start, end, {"target": "them"})
    # bob: a quote and a criticism that overlap without nesting, CJK inside.
    project.create_span(one.id, "bob", "quote", *at(text, "said: « We will"), {"form": "indirect"})
    project.create_span(
        one.id, "bob", "criticism", *at(text, "We will not pay. » 😀"), {"target": "x"}
    )
    project.create_span(
        one.id,
        "bob",
        "criticism",
        *at(text, "政府 failed them"),
        {"target": "政府", "strength": 1.5},
    )
    # The second document: only bob, with an emoji-covering span.
    project.create_span(two.id, "bob", "quote", *at(two.text, "😀 a yes"))
    # Everyone opened every document (a layer is exported only where its annotator did);
    # alice finished the first; carol marked nothing anywhere.
    for document_id in (one.id, two.id, third.document_id):
        for name in ("alice", "bob", "carol"):
            project.set_status(document_id, name, "in_progress")
    project.set_status(one.id, "alice", "done")
    return project
