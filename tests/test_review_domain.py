"""Reviewing: finding disagreements, and a reviewer settling them into the gold layer."""

from __future__ import annotations

import pytest
from conftest import make_document
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.review import (
    BOUNDARY,
    LABEL,
    PARTIAL,
    ReviewEditor,
    anonymous_order,
    disagreements,
    key_of,
    review_queue,
)
from annotator.store import GOLD, Project, ProjectError

# "I won't say. They failed.\n\nWe will build homes."
#  0      7  11 13   18   24   27 30   35    41
T = {"target": "them"}


def setup(project: Project) -> int:
    """Three annotators agree on a quote [0,11) and disagree three ways:
    cat alone adds a criticism on the quote's characters (partial), cat's criticism of
    "They" against alice's and bob's of "They failed" (boundary), and alice's quote against
    bob's criticism of the last sentence (label)."""
    doc = project.add_documents([make_document()])[0].document_id
    for name in ("alice", "bob", "cat"):
        project.create_span(doc, name, "quote", 0, 11)
    project.create_span(doc, "cat", "criticism", 0, 11, T)
    project.create_span(doc, "alice", "criticism", 13, 24, T)
    project.create_span(doc, "bob", "criticism", 13, 24, T)
    project.create_span(doc, "cat", "criticism", 13, 17, T)
    project.create_span(doc, "alice", "quote", 27, 46)
    project.create_span(doc, "bob", "criticism", 27, 46, T)
    for name in ("alice", "bob", "cat"):
        project.set_status(doc, name, "done")
    return doc


def gold(project: Project, doc: int) -> list[tuple[str, int, int]]:
    return [(s.label, s.start, s.end) for s in project.spans(doc, annotator=GOLD)]


def test_disagreements_and_their_states(project: Project) -> None:
    doc = setup(project)
    found = disagreements(project.gold.candidates(doc))
    assert [(d.start, d.end, d.kinds) for d in found] == [
        (0, 11, [PARTIAL]),
        (13, 24, [BOUNDARY]),
        (27, 46, [LABEL]),
    ]
    assert found[1].keys == (("criticism", 13, 17), ("criticism", 13, 24))


def test_other_labels_that_merely_overlap_are_separate_questions(project: Project) -> None:
    doc = project.add_documents([make_document()])[0].document_id
    project.create_span(doc, "alice", "quote", 0, 24)  # the outer span: only alice
    project.create_span(doc, "alice", "criticism", 13, 24, T)
    project.create_span(doc, "bob", "criticism", 13, 20, T)
    found = disagreements({n: project.spans(doc, annotator=n) for n in ("alice", "bob")})
    assert [(d.start, d.end, d.kinds) for d in found] == [(0, 24, [PARTIAL]), (13, 24, [BOUNDARY])]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from("ab"),
            st.sampled_from(["x", "y"]),
            st.integers(0, 30),
            st.integers(1, 8),
        ),
        max_size=14,
    )
)
def test_every_candidate_not_everyone_made_is_in_exactly_one_disagreement(spans) -> None:
    from annotator.model import Span

    layers: dict[str, list[Span]] = {"a": [], "b": []}
    for i, (who, label, start, length) in enumerate(spans):
        layers[who].append(Span(i, 1, who, label, start, start + length, {}, "", "h", "", ""))
    found = disagreements(layers)
    keys = [key for d in found for key in d.keys]
    assert len(keys) == len(set(keys))
    everyone = {key_of(s) for s in layers["a"]} & {key_of(s) for s in layers["b"]}
    assert set(keys) == {key_of(s) for layer in layers.values() for s in layer} - everyone
    for d in found:
        assert all(d.start <= k[1] and k[2] <= d.end for k in d.keys)


def review(project: Project, doc: int) -> ReviewEditor:
    return ReviewEditor(project, doc, "rita")


def test_accepting_a_version_settles_the_disagreement(project: Project) -> None:
    doc = setup(project)
    editor = review(project, doc)
    assert editor.open_count() == 3
    editor.cursor = 14
    assert editor.current is not None and editor.current.start == 13
    versions = editor.versions(editor.current)
    assert [(v.annotator, [key_of(s) for s in v.spans]) for v in versions] == [
        ("alice", [("criticism", 13, 24)]),
        ("bob", [("criticism", 13, 24)]),
        ("cat", [("criticism", 13, 17)]),
    ]
    editor.accept_version(1)
    assert gold(project, doc) == [("criticism", 13, 24)]
    [span] = project.spans(doc, annotator=GOLD)
    alice, bob, cat = (project.spans(doc, annotator=n) for n in ("alice", "bob", "cat"))
    assert span.provenance == {
        "method": "adjudicated",
        "reviewer": "rita",
        "sources": sorted([alice[1].id, bob[1].id]),  # bob made the same span
        "annotators": ["alice", "bob"],
        "of": 3,
    }
    assert span.attributes["target"] == "them"
    assert project.gold.rejections(doc) == {cat[2].id}  # cat's version was turned down
    assert editor.open_count() == 2
    assert [v.decisions for v in editor.versions(editor.current)] == [
        ["accepted"],
        ["accepted"],
        ["rejected"],
    ]
    with pytest.raises(ProjectError, match="settled"):
        editor.accept_version(3)
    # One edit, one undo; the log names the reviewer.
    assert {c.reviewer for c in project.history(doc, GOLD)} == {"rita"}
    editor.undo()
    assert gold(project, doc) == [] and project.gold.rejections(doc) == set()
    assert editor.open_count() == 3


def test_anonymised_versions_are_shuffled_per_document_and_stably(project: Project) -> None:
    """A1, A2, A3 are not the names' order (A1 = alice on every document would say who is
    who): a shuffle per document, the same in every session; the versions, their keys and
    the question codes' versions follow it; unmasked, the names' order again."""
    names = ["alice", "bob", "cat"]
    orders = [anonymous_order(names, f"document {n}") for n in range(12)]
    assert orders == [anonymous_order(names, f"document {n}") for n in range(12)]  # stable
    assert any(order != names for order in orders)
    assert len({order[0] for order in orders}) == 3  # everyone is A1 somewhere
    # Someone who finishes later joins without reordering the others.
    assert [n for n in anonymous_order([*names, "dan"], "document 1") if n != "dan"] == orders[1]

    shuffled = []
    for text in ("One. Two.\n\nThree.", "Four. Five.\n\nSix.", "Seven.\n\nEight. Nine."):
        doc = project.add_documents([make_document(text)])[0].document_id
        for name in names:
            project.create_span(doc, name, "quote", 0, 4 + names.index(name))
            project.set_status(doc, name, "done")
        editor = ReviewEditor(project, doc, "rita", anonymous=True)
        again = ReviewEditor(project, doc, "rita", anonymous=True)
        assert editor.names == again.names  # the same in the next session
        shuffled.append(editor.names)
        editor.cursor = 0
        versions = editor.versions(editor.current)
        assert [(v.number, v.annotator, v.shown_as) for v in versions] == [
            (k, name, f"A{k}") for k, name in enumerate(editor.names, 1)
        ]
        assert editor.question_review.names == editor.names
        first = editor.names[0]
        editor.anonymous = False  # unmasked: the names, in their order
        assert editor.names == names and editor.question_review.names == names
        assert [v.shown_as for v in editor.versions(editor.current)] == names
        editor.anonymous = True
        editor.accept_version(1)  # A1's version: the first of the shuffled order
        [span] = project.spans(doc, annotator=GOLD)
        assert span.provenance["annotators"] == [first]
    assert any(order != names for order in shuffled)


def test_a_version_with_nothing_rejects_the_others(project: Project) -> None:
    doc = setup(project)
    editor = review(project, doc)
    editor.cursor = 3  # on cat's lone criticism (and the agreed quote)
    assert editor.current is not None and editor.current.kinds == [PARTIAL]
    editor.accept_version(1)  # alice marked no criticism there
    assert gold(project, doc) == []
    assert editor.open_count() == 2


def test_reject_and_step_through_open_disagreements(project: Project) -> None:
    doc = setup(project)
    editor = review(project, doc)
    editor.cursor = 0
    assert editor.next_disagreement().start == 13
    editor.cursor = 13
    assert editor.next_disagreement().start == 27
    assert editor.next_disagreement(False).start == 0
    editor.reject_open()
    assert editor.open_count() == 2
    assert editor.next_disagreement().start == 27  # settled ones are skipped
    editor.cursor = 30
    editor.reject_open()
    editor.cursor = 0
    editor.reject_open()
    assert editor.open_count() == 0 and editor.next_disagreement() is None
    editor.set_status("done")
    assert project.status(doc, GOLD) == "done"


def test_reviewing_is_refused_until_it_is_finished(project: Project) -> None:
    doc = setup(project)
    editor = review(project, doc)
    with pytest.raises(ProjectError, match="3 disagreements are still open"):
        editor.set_status("done")
    project.set_status(doc, "bob", "in_progress")
    project.set_status(doc, "cat", "in_progress")
    with pytest.raises(ProjectError, match="not finished by two annotators"):
        review(project, doc)
    with pytest.raises(ProjectError, match="name the reviewer"):
        ReviewEditor(project, doc, GOLD)


def test_the_reviewers_own_span_and_boundary_edits(project: Project) -> None:
    doc = setup(project)
    editor = review(project, doc)
    editor.cursor = 13
    editor.move_to(13)
    editor.toggle_visual()
    editor.move_to(20)  # "They fai" snaps to words: "They failed"
    editor.tag("criticism", T, "both halves count")
    [span] = project.spans(doc, annotator=GOLD)
    assert (span.start, span.end, span.note) == (13, 24, "both halves count")
    assert span.provenance["method"] == "adjudicated"
    assert span.provenance["annotators"] == ["alice", "bob", "cat"]  # it settles all three
    assert editor.current is not None and not editor.is_open(editor.current)
    # The edge keys move a gold span's edges; provenance stays adjudicated by the reviewer.
    editor.cursor = 14
    editor.resize_span(span.id, "end", grow=False)
    assert gold(project, doc) == [("criticism", 13, 17)]


def test_auto_merge_from_the_review_and_then_a_revision(project: Project) -> None:
    doc = setup(project)
    editor = review(project, doc)
    editor.auto_merge()
    assert [(s.label, s.start, s.end, s.provenance["method"]) for s in editor.spans.values()] == [
        ("quote", 0, 11, "unanimous")
    ]
    assert editor.auto_merge() == []  # nothing left to merge
    [span] = editor.spans.values()
    assert span.provenance["reviewer"] == "rita"
    editor.update(span.id, label="quote", attributes={"form": "indirect"}, note="checked")
    assert editor.spans[span.id].provenance["method"] == "unanimous"  # same place and label
    editor.resize_span(span.id, "start", grow=False)
    assert editor.spans[span.id].provenance["method"] == "adjudicated"


def test_auto_merge_respects_rejections(project: Project) -> None:
    doc = setup(project)
    editor = review(project, doc)
    editor.cursor = 3
    quote, criticism = editor.suggestions_at()
    assert (quote.label, criticism.label) == ("quote", "criticism")
    editor.reject(quote.id)  # the quote all three made: the reviewer says no
    assert len(project.gold.rejections(doc)) == 3
    project.gold.auto_merge(doc, minimum=2)
    assert gold(project, doc) == [("criticism", 13, 24)]  # the majority span, not the quote


def test_review_queue(project: Project) -> None:
    doc = setup(project)
    project.add_documents([make_document("Only one.\n\nAnnotator here.")])
    [row] = review_queue(project)
    assert (row.id, row.annotators, row.disagreements, row.open, row.gold) == (
        doc,
        ["alice", "bob", "cat"],
        3,
        3,
        0,
    )
    assert row.f1_exact is not None and row.f1_exact < 1
    editor = review(project, doc)
    editor.cursor = 30
    editor.accept_version(2)
    [row] = review_queue(project)
    assert (row.open, row.gold, row.reviewed) == (2, 1, False)


def test_reviewable_documents(project: Project) -> None:
    doc = setup(project)
    other = project.add_documents([make_document("One.\n\nTwo.")])[0].document_id
    project.set_status(other, "alice", "done")
    assert project.gold.reviewable() == [doc]
    project.set_status(other, "bob", "done")
    assert project.gold.reviewable() == [doc, other]


def test_undecided_spans_are_toned_by_state(project: Project) -> None:
    doc = setup(project)
    editor = review(project, doc)
    tones = {
        (s.label, s.start, s.end): editor.suggestion_tone(s.id, s.label)
        for s in editor.suggestions.values()
    }
    assert tones == {
        ("quote", 0, 11): "state-agree",
        ("criticism", 0, 11): "state-partial",
        ("criticism", 13, 24): "state-boundary",
        ("criticism", 13, 17): "state-boundary",
        ("quote", 27, 46): "state-label",
        ("criticism", 27, 46): "state-label",
    }
    editor.auto_merge()  # the agreed quote is gold now: no longer on offer
    assert ("quote", 0, 11) not in {key_of(s) for s in editor.suggestions.values()}
