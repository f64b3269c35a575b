"""Reviewing a heavily annotated document: the work of an auto-merge and of the review
editor does not grow per span where it need not (statements counted, not timed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.errors import AnnotatorError
from annotator.model import ImportedDocument, SpanDraft, Turn
from annotator.review import ReviewEditor
from annotator.scheme import Scheme
from annotator.store import GOLD, Project
from annotator.store.spans import NewSpan

NAMES = ("alice", "bob", "cat")


def build(path: Path, scheme: Scheme, places: int) -> tuple[Project, int]:
    """A document with ``places`` spans that all three annotators made alike, and one in
    three of them also with a span only two made (a disagreement), all finished."""
    text = " ".join(f"w{i:05d}" for i in range(places * 4))
    turns = (Turn(0, 0, len(text), "S0"),)
    project = Project.create(path, scheme)
    doc = 0
    for name in NAMES:
        drafts = [SpanDraft("quote", i * 28, i * 28 + 6) for i in range(places)]
        if name != "cat":
            drafts += [SpanDraft("quote", i * 28 + 14, i * 28 + 20) for i in range(0, places, 3)]
        [result] = project.add_documents(
            [ImportedDocument("doc", text, turns, "text", spans=tuple(drafts), annotator=name)]
        )
        doc = result.document_id
        project.set_status(doc, name, "done")
    return project, doc


def merge_statements(path: Path, scheme: Scheme, places: int, minimum: int) -> list[str]:
    """The statements an auto-merge runs, but the rows an ``executemany`` traces one by one
    (what counts is that no query runs per span)."""
    project, doc = build(path, scheme, places)
    statements: list[str] = []
    project.db.conn.set_trace_callback(statements.append)
    outcome = project.gold.auto_merge(doc, minimum=minimum, reviewer="rita")
    project.db.conn.set_trace_callback(None)
    agreed = places + (len(range(0, places, 3)) if minimum == 2 else 0)
    assert len(outcome.spans) == agreed
    assert len(project.spans(doc, annotator=GOLD)) == agreed
    project.close()
    rows = ("INSERT INTO spans ", "INSERT INTO span_changes ")
    return [s for s in statements if not s.startswith(rows)]


@pytest.mark.parametrize("minimum", [2, 3])
def test_an_auto_merge_runs_as_many_statements_for_many_spans_as_for_few(
    tmp_path: Path, tiny_scheme: Scheme, minimum: int
) -> None:
    few = merge_statements(tmp_path / "few.db", tiny_scheme, 12, minimum)
    many = merge_statements(tmp_path / "many.db", tiny_scheme, 240, minimum)
    assert len(many) == len(few)
    assert len(few) < 60


def test_a_batch_leaves_out_what_the_scheme_refuses_and_writes_the_rest(
    project: Project,
) -> None:
    text = "one two three four five six seven eight nine ten"
    [result] = project.add_documents(
        [ImportedDocument("doc", text, (Turn(0, 0, len(text), "S0"),), "text")]
    )
    doc = result.document_id
    spans = [
        NewSpan("quote", 0, 3),
        NewSpan("nope", 4, 7),  # no such label
        NewSpan("quote", 2, 9),  # merges with the first
        NewSpan("criticism", 14, 18, {"target": "x"}),
        NewSpan("quote", 40, 90),  # past the end of the text
    ]
    refused: list[tuple[int, AnnotatorError]] = []
    writer, annotator_id = project.writer, project.annotator_id("alice")
    with writer.connection.write():
        edit_id = project.log.begin(doc, annotator_id)
        written = writer.create_each(
            edit_id, doc, annotator_id, spans, refused=lambda i, e: refused.append((i, e))
        )
    assert [index for index, _ in refused] == [1, 4]
    assert [index for index, _, _ in written] == [0, 2, 3]
    layer = project.spans(doc, annotator="alice")
    assert [(s.label, s.start, s.end) for s in layer] == [("quote", 0, 9), ("criticism", 14, 18)]
    assert {state["label"] for _, _, state in written} == {"quote", "criticism"}


def offers(editor: ReviewEditor) -> tuple[list[tuple[int, int]], list[int], set[int]]:
    """What the editor has on offer: its sorted starts, the index's keys, the spans."""
    index = sorted(ref.key for ref in editor.suggestion_index.in_range(0, len(editor.text)))
    return list(editor._suggestion_starts), index, set(editor.suggestions)


def test_many_offers_at_once_are_rebuilt_as_one_by_one_would_patch_them(
    tmp_path: Path, tiny_scheme: Scheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, doc = build(tmp_path / "p.db", tiny_scheme, 300)
    bulk = ReviewEditor(project, doc, "rita")
    monkeypatch.setattr("annotator.review.BULK", 10**9)
    single = ReviewEditor(project, doc, "rita")
    assert offers(bulk) == offers(single)
    assert len(bulk.suggestions) == 300 + 100
    monkeypatch.undo()
    for step in ("merge", "undo", "redo"):
        if step == "merge":
            assert bulk.auto_merge(2)
        else:
            getattr(bulk, step)()
        fresh = ReviewEditor(project, doc, "rita")
        assert offers(bulk) == offers(fresh), step
        assert bulk.open_keys == fresh.open_keys
        assert bulk.open_count() == fresh.open_count()
    project.close()


def test_accepting_a_version_replaces_gold_made_from_it_even_when_moved_away(
    tmp_path: Path, tiny_scheme: Scheme
) -> None:
    project, doc = build(tmp_path / "p.db", tiny_scheme, 9)
    editor = ReviewEditor(project, doc, "rita")
    d = editor.disagreements[0]
    [candidate] = [s for s in editor.holders[d.keys[0]] if s.annotator == "alice"]
    # A gold span of the reviewer's own far from the disagreement, made from alice's span
    # (bob's is still undecided: the disagreement stays open).
    made = project.gold.adjudicate(doc, "rita", "quote", 200, 206, sources=[candidate.id])
    editor._catch_up()
    editor.move_to(d.start)
    assert editor.current == d and editor.is_open(d)
    editor.accept_version(1)
    gold = project.spans(doc, annotator=GOLD)
    assert all(s.id != made.id for s in gold)  # replaced, far as it was
    assert [s for s in gold if (s.start, s.end) == (d.start, d.end)]
    project.close()


def test_a_merge_written_in_many_batches_writes_what_one_batch_does(
    tmp_path: Path, tiny_scheme: Scheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    def merged(path: Path) -> tuple[list[tuple[int, str, int, int]], int]:
        project, doc = build(path, tiny_scheme, 60)
        project.gold.auto_merge(doc, minimum=2, reviewer="rita")
        gold = [(s.id, s.label, s.start, s.end) for s in project.spans(doc, annotator=GOLD)]
        logged = project.db.execute("SELECT count(*) FROM span_changes").fetchone()[0]
        project.close()
        return gold, logged

    whole = merged(tmp_path / "whole.db")
    monkeypatch.setattr("annotator.store.spans.FLUSH_ROWS", 7)
    assert merged(tmp_path / "pieces.db") == whole
    assert len(whole[0]) == 60 + 20
