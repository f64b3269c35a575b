"""Figures kept per document (annotator/agreement_kept.py, store/figures.py): the review
queue recomputes only the documents whose spans, codes or statuses changed; and the
agreement algorithms made sub-quadratic give the very same results as before."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import make_document
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator import agreement_kept
from annotator.agreement import _augment, match_spans
from annotator.agreement_kept import review_listing, review_queue_kept
from annotator.review import review_queue
from annotator.store import Project

T = {"target": "them"}


def documents(project: Project, count: int) -> list[int]:
    """``count`` documents that alice and bob finished, disagreeing on one span each."""
    ids = []
    for number in range(count):
        text = f"Document {number}. I won't say.\n\nThey failed, we will build."
        doc = project.add_documents([make_document(text)])[0].document_id
        project.create_span(doc, "alice", "quote", 0, 8)
        project.create_span(doc, "bob", "quote", 0, 8 + number % 3)
        project.create_span(doc, "alice", "criticism", 20, 24, T)
        for name in ("alice", "bob"):
            project.set_status(doc, name, "done")
        ids.append(doc)
    return ids


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the documents whose review row was computed, in order."""
    computed: list[int] = []
    original = agreement_kept.review_row_of

    def counting(project, document_id, *args):  # type: ignore[no-untyped-def]
        computed.append(document_id)
        return original(project, document_id, *args)

    monkeypatch.setattr(agreement_kept, "review_row_of", counting)
    return computed


def test_kept_rows_are_the_computed_ones(project: Project, counted: list[int]) -> None:
    documents(project, 4)
    assert review_queue_kept(project) == review_queue(project)
    assert len(counted) == 4
    assert review_queue_kept(project) == review_queue(project)
    assert len(counted) == 4  # all kept: nothing computed again


def test_only_changed_documents_are_computed_again(project: Project, counted: list[int]) -> None:
    ids = documents(project, 5)
    review_queue_kept(project)
    counted.clear()
    project.reopen(ids[2], "bob")
    span = project.spans(ids[2], annotator="bob")[0]
    project.update_span(span.id, "bob", end=8)
    project.set_status(ids[2], "bob", "done")
    rows = review_queue_kept(project)
    assert counted == [ids[2]]
    assert rows == review_queue(project)
    assert next(r for r in rows if r.id == ids[2]).f1_exact == pytest.approx(2 / 3)  # was 0


def test_a_status_change_alone_invalidates(project: Project, counted: list[int]) -> None:
    ids = documents(project, 3)
    review_queue_kept(project)
    counted.clear()
    project.reopen(ids[0], "alice")
    assert [row.id for row in review_queue_kept(project)] == ids[1:]  # no longer reviewable
    project.set_status(ids[0], "alice", "done")
    assert review_queue_kept(project) == review_queue(project)
    assert counted == [ids[0]]


def test_renaming_an_annotator_invalidates_everything(project: Project, counted: list[int]) -> None:
    documents(project, 2)
    review_queue_kept(project)
    counted.clear()
    project.rename_annotator("bob", "robert")
    rows = review_queue_kept(project)
    assert len(counted) == 2
    assert rows[0].annotators == ["alice", "robert"] and rows == review_queue(project)


def test_large_figures_are_kept_compressed_and_read_back(project: Project) -> None:
    """A large row (a study's agreement totals) is kept compressed, a small one as JSON text,
    and both read back as written; so does a large row kept as text by an older version."""
    [doc] = documents(project, 1)
    large = {"pairs": [[n, "alice", "bob", n / 7] for n in range(5_000)]}
    project.kept.write("test-large", [(doc, "s1", large)])
    project.kept.write("test-small", [(doc, "s1", {"n": 1})])
    project.kept.write_kind("test-kind", doc, "s2", large)
    stored = dict(
        project.db.execute(
            "SELECT kind, typeof(figures) FROM kept_figures WHERE kind LIKE 'test-%'"
        )
    )
    assert stored == {"test-large": "blob", "test-small": "text", "test-kind": "blob"}
    assert project.kept.read("test-large", {doc: "s1"}) == {doc: large}
    assert project.kept.read("test-small", {doc: "s1"}) == {doc: {"n": 1}}
    assert project.kept.read_kind("test-kind") == (doc, "s2", large)
    with project.connection.write():
        project.db.conn.execute(
            "UPDATE kept_figures SET figures = ? WHERE kind = 'test-large'", [json.dumps(large)]
        )
    assert project.kept.read("test-large", {doc: "s1"}) == {doc: large}


def test_the_listing_shows_every_row_before_any_figure(project: Project) -> None:
    ids = documents(project, 3)
    listing = review_listing(project)
    assert sorted(listing.pending) == ids
    assert all(row.pending and row.f1_exact is None for row in listing.rows)
    assert [row.annotators for row in listing.rows] == [["alice", "bob"]] * 3


def test_a_read_only_project_computes_without_keeping(
    project: Project, counted: list[int], tmp_path: Path
) -> None:
    documents(project, 2)
    path = project.path
    project.close()
    with Project.open(path, readonly=True) as readonly:
        first = review_queue_kept(readonly)
        # (The worker's own connection may keep them: the file itself is writable.)
        assert first == review_queue(readonly)
    assert len(counted) == 2


def _match_spans_before(reference, candidate):  # type: ignore[no-untyped-def]
    """The overlap matching as it was: every candidate against every reference span."""
    by_label: dict[str, list[int]] = defaultdict(list)
    for j, (label, _, _) in enumerate(candidate):
        by_label[label].append(j)
    adjacency = []
    for label, start, end in reference:
        near = [
            j for j in by_label.get(label, ()) if candidate[j][1] < end and start < candidate[j][2]
        ]
        near.sort(key=lambda j: candidate[j][1] != start or candidate[j][2] != end)
        adjacency.append(near)
    owner: dict[int, int] = {}
    for root in range(len(reference)):
        if adjacency[root]:
            _augment(root, adjacency, owner)
    return sorted((i, j) for j, i in owner.items())


spans = st.lists(
    st.tuples(st.sampled_from("ab"), st.integers(0, 60), st.integers(1, 25)).map(
        lambda t: (t[0], t[1], t[1] + t[2])
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(spans, spans)
def test_the_sweep_pairs_exactly_as_before(reference, candidate) -> None:  # type: ignore[no-untyped-def]
    assert match_spans(reference, candidate, "overlap") == _match_spans_before(reference, candidate)


def test_the_sweep_on_many_spans() -> None:
    rng = random.Random(3)
    make = lambda: [  # noqa: E731
        (rng.choice("abc"), s, s + rng.randint(1, 400))
        for s in (rng.randrange(100_000) for _ in range(2000))
    ]
    reference, candidate = make(), make()
    assert match_spans(reference, candidate, "overlap") == _match_spans_before(reference, candidate)
