"""Exact adjudication: a reviewer's decision is exactly the version chosen (boundaries, label,
attribute values, note), auto-merge agrees only on what enough annotators gave alike, and
attribute values are part of what annotators can disagree on."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import layout

from annotator.model import ImportedDocument
from annotator.resources import default_scheme_path
from annotator.review import ATTRIBUTES, BOUNDARY, ReviewEditor, disagreements, review_queue
from annotator.scheme import load_scheme_file
from annotator.store import GOLD, Project

TEXT, TURNS = layout(
    [
        "Will you cut the budget next year?",
        "I won't say what we spend. We will build 300 homes by May if we win.",
    ]
)
SAY = TEXT.index("I won't say")  # a deflection: alice's is shorter than bob's and carol's
SAY_END = TEXT.index(" what")
SPEND_END = TEXT.index(".", SAY)
HOMES = TEXT.index("We will build")
HOMES_END = TEXT.index(" if")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    project = Project.create(tmp_path / "p.db", load_scheme_file(default_scheme_path()))
    project.add_documents([ImportedDocument("Talk", TEXT, tuple(TURNS), "text")])
    yield project
    project.close()


def finish(project: Project, *names: str) -> None:
    for name in names:
        project.set_status(1, name, "done")


def gold(project: Project) -> list[tuple]:
    return [
        (s.label, s.start, s.end, dict(s.attributes), s.note, s.provenance["method"])
        for s in project.spans(1, annotator=GOLD)
    ]


def commitment(**values: object) -> dict:
    return {"specificity": "specific", "kind": "action", **values}


def test_choosing_a_version_after_auto_merge_applies_exactly_that_version(
    project: Project,
) -> None:
    project.create_span(1, "alice", "deflection", SAY, SAY_END, {"kind": "declines"})
    for name in ("bob", "carol"):
        project.create_span(1, name, "deflection", SAY, SPEND_END, {"kind": "declines"})
    finish(project, "alice", "bob", "carol")
    review = ReviewEditor(project, 1, "rita")
    review.auto_merge(minimum=2)
    assert gold(project) == [("deflection", SAY, SPEND_END, {"kind": "declines"}, "", "majority")]
    review.cursor = SAY
    [version] = [v for v in review.versions(review.current) if v.annotator == "alice"]
    assert version.decisions == ["open"]
    review.accept_version(1)  # alice's shorter span
    assert gold(project) == [("deflection", SAY, SAY_END, {"kind": "declines"}, "", "adjudicated")]
    [span] = project.spans(1, annotator=GOLD)
    assert span.provenance["annotators"] == ["alice"]
    review.cursor = SAY
    marks = {v.annotator: v.decisions for v in review.versions(review.current)}
    assert marks == {"alice": ["accepted"], "bob": ["rejected"], "carol": ["rejected"]}
    assert not review.is_open(review.current)
    review.undo()  # one edit: the merged span is back, alice's open again
    assert [g[:3] for g in gold(project)] == [("deflection", SAY, SPEND_END)]
    review.cursor = SAY
    marks = {v.annotator: v.decisions for v in review.versions(review.current)}
    assert marks == {"alice": ["open"], "bob": ["accepted"], "carol": ["accepted"]}


def test_choosing_a_version_takes_its_attributes_and_note(project: Project) -> None:
    project.create_span(
        1, "alice", "commitment", HOMES, HOMES_END,
        commitment(conditional=True, timeframe="by May"), "counts homes",
    )  # fmt: skip
    project.create_span(1, "bob", "commitment", HOMES, HOMES_END, commitment(kind="outcome"))
    project.create_span(
        1, "carol", "commitment", HOMES, HOMES_END, commitment(conditional=False), "no condition"
    )
    finish(project, "alice", "bob", "carol")
    [d] = disagreements(project.gold.candidates(1))
    assert d.kinds == [ATTRIBUTES]  # same span by everyone, different values
    review = ReviewEditor(project, 1, "rita")
    review.cursor = HOMES
    review.accept_version(3)  # carol's
    [(label, _, _, attributes, note, method)] = gold(project)
    assert attributes == commitment(conditional=False)
    assert (label, note, method) == ("commitment", "no condition", "adjudicated")
    review.cursor = HOMES
    marks = {v.annotator: v.decisions for v in review.versions(review.current)}
    assert marks == {"alice": ["rejected"], "bob": ["rejected"], "carol": ["accepted"]}


def test_auto_merge_never_calls_different_values_unanimous(project: Project) -> None:
    for name, kind in (("alice", "declines"), ("bob", "partial"), ("carol", "pivots")):
        project.create_span(1, name, "deflection", SAY, SAY_END, {"kind": kind})
    finish(project, "alice", "bob", "carol")
    for minimum in (None, 2):
        outcome = project.gold.auto_merge(1, minimum=minimum, reviewer="rita")
        assert not outcome.spans
        assert "agree on kind" in outcome.left_open[0]
    [d] = disagreements(project.gold.candidates(1))
    assert d.kinds == [ATTRIBUTES]


def test_auto_merge_takes_a_majority_of_values_and_says_so(project: Project) -> None:
    for name, kind in (("alice", "declines"), ("bob", "declines"), ("carol", "partial")):
        project.create_span(1, name, "deflection", SAY, SAY_END, {"kind": kind}, f"{name}'s")
    finish(project, "alice", "bob", "carol")
    assert not project.gold.auto_merge(1)  # all three needed: kind has two
    [span] = project.gold.auto_merge(1, minimum=2, reviewer="rita").spans
    assert span.attributes == {"kind": "declines"}
    assert span.provenance["method"] == "majority"
    assert span.provenance["attributes"] == {"kind": "majority"}
    assert span.provenance["annotators"] == ["alice", "bob"]
    assert span.note == "alice's\nbob's"  # the notes of the spans it came from
    carol = project.spans(1, annotator="carol")[0]
    assert carol.id in project.gold.rejections(1)  # outvoted: turned down, undo restores it


def test_a_unanimous_merge_records_every_attribute_unanimous(project: Project) -> None:
    for name in ("alice", "bob"):
        project.create_span(1, name, "deflection", SAY, SAY_END, {"kind": "declines"})
    finish(project, "alice", "bob")
    [span] = project.gold.auto_merge(1).spans
    assert span.provenance["method"] == "unanimous"
    assert span.provenance["attributes"] == {"kind": "unanimous"}


def test_boundaries_and_attributes_both_disagreeing(project: Project) -> None:
    project.create_span(1, "alice", "deflection", SAY, SAY_END, {"kind": "declines"})
    project.create_span(1, "bob", "deflection", SAY, SPEND_END, {"kind": "partial"})
    finish(project, "alice", "bob")
    [d] = disagreements(project.gold.candidates(1))
    assert d.kinds == [BOUNDARY]
    review = ReviewEditor(project, 1, "rita")
    review.cursor = SAY
    review.accept_version(2)
    assert gold(project) == [("deflection", SAY, SPEND_END, {"kind": "partial"}, "", "adjudicated")]


def test_edits_after_a_review_are_noticed(project: Project) -> None:
    spans = {
        name: project.create_span(1, name, "deflection", SAY, SAY_END, {"kind": "declines"})
        for name in ("alice", "bob")
    }
    finish(project, "alice", "bob")
    [merged] = project.gold.auto_merge(1, reviewer="rita").spans
    project.set_status(1, GOLD, "done")  # marked reviewed
    [row] = review_queue(project)
    assert row.reviewed and not row.changed
    assert project.gold.stale(1) == {}
    time.sleep(0.01)  # times are kept to the millisecond
    project.reopen(1, "alice")  # done is locked: an edit after review means reopening
    project.update_span(spans["alice"].id, "alice", end=SPEND_END)
    project.set_status(1, "alice", "done")
    [row] = review_queue(project)
    assert row.changed
    assert project.gold.stale(1) == {merged.id: "a span it came from was changed since"}
    project.reopen(1, "bob")
    project.delete_span(spans["bob"].id, "bob")
    assert project.gold.stale(1) == {merged.id: "a span it came from was deleted"}
