"""The gold layer: auto-merge, adjudication, provenance, undo, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import make_document

from annotator.editor import Editor
from annotator.export import export
from annotator.store import GOLD, Project, ProjectError

TEXT = "I won't say. They failed.\n\nWe will build homes."


def setup(project: Project, done: tuple[str, ...] = ("alice", "bob", "cat")) -> int:
    doc = project.add_documents([make_document(TEXT)])[0].document_id
    for name in ("alice", "bob", "cat"):
        project.create_span(doc, name, "quote", 0, 11)  # all three agree
    project.create_span(doc, "alice", "criticism", 13, 24, {"target": "them"})
    project.create_span(doc, "bob", "criticism", 13, 24, {"target": "them"})  # two of three
    project.create_span(doc, "cat", "criticism", 13, 17, {"target": "them"})  # a boundary slip
    for name in done:
        project.set_status(doc, name, "done")
    return doc


def gold(project: Project, doc: int) -> list[tuple[str, int, int, str]]:
    return [
        (s.label, s.start, s.end, s.provenance["method"])
        for s in project.spans(doc, annotator=GOLD)
    ]


def test_auto_merge_takes_what_everyone_agrees_on(project: Project) -> None:
    doc = setup(project)
    merged = project.gold.auto_merge(doc).spans
    assert [(s.label, s.start, s.end) for s in merged] == [("quote", 0, 11)]
    [span] = merged
    assert span.annotator == GOLD
    assert span.provenance["method"] == "unanimous"
    assert span.provenance["annotators"] == ["alice", "bob", "cat"]
    assert span.provenance["of"] == 3 and span.provenance["reviewer"] is None
    assert len(span.provenance["sources"]) == 3


def test_majority_merge_and_its_attributes(project: Project) -> None:
    doc = setup(project)
    project.gold.auto_merge(doc, minimum=2)
    assert gold(project, doc) == [("quote", 0, 11, "unanimous"), ("criticism", 13, 24, "majority")]
    criticism = project.spans(doc, annotator=GOLD)[1]
    assert criticism.attributes["target"] == "them"
    with pytest.raises(ProjectError, match="between 2 and 3"):
        project.gold.auto_merge(doc, minimum=4)


def test_only_finished_annotators_count(project: Project) -> None:
    doc = setup(project, done=("alice",))
    assert not project.gold.auto_merge(doc)  # one finished annotator: nothing to merge
    project.set_status(doc, "bob", "done")
    assert gold(project, doc) == [] and project.gold.auto_merge(doc, minimum=2)


def test_rerunning_never_overrides_a_reviewer(project: Project) -> None:
    doc = setup(project)
    project.gold.auto_merge(doc, minimum=2)
    assert not project.gold.auto_merge(doc, minimum=2)  # nothing twice
    criticism = project.spans(doc, annotator=GOLD)[1]
    project.delete_span(criticism.id, GOLD)  # a reviewer rejects it
    assert not project.gold.auto_merge(doc, minimum=2)  # and it stays rejected
    assert gold(project, doc) == [("quote", 0, 11, "unanimous")]


def test_one_undo_takes_a_whole_merge_back(project: Project) -> None:
    doc = setup(project)
    project.gold.auto_merge(doc, minimum=2)
    project.undo(doc, GOLD)
    assert gold(project, doc) == []
    project.redo(doc, GOLD)
    assert len(gold(project, doc)) == 2


def test_adjudication_records_the_reviewer_and_survives_undo(project: Project) -> None:
    doc = setup(project)
    sources = [s.id for s in project.spans(doc) if s.label == "criticism"]
    span = project.gold.adjudicate(
        doc,
        "rita",
        "criticism",
        13,
        24,
        sources=sources,
        attributes={"target": "them"},
        note="cat's span stops early",
    )
    assert span.provenance == {
        "method": "adjudicated",
        "reviewer": "rita",
        "sources": sorted(sources),
        "annotators": ["alice", "bob", "cat"],
        "of": 3,
    }
    assert span.note == "cat's span stops early"
    project.delete_span(span.id, GOLD)
    project.undo(doc, GOLD)
    assert project.span(span.id).provenance["reviewer"] == "rita"  # restored with the span
    with pytest.raises(ProjectError, match="reviewer"):
        project.gold.adjudicate(doc, "", "quote", 0, 4)


def test_gold_is_not_an_annotator(project: Project) -> None:
    doc = setup(project)
    project.gold.auto_merge(doc)
    assert GOLD not in project.annotators()
    assert GOLD not in project.stats().progress
    with pytest.raises(ProjectError, match="reviewers' layer"):
        Editor(project, doc, GOLD)


def test_export_of_unreviewed_gold_names_documents_without_gold(
    project: Project, tmp_path: Path
) -> None:
    doc = setup(project)
    project.gold.auto_merge(doc)
    project.add_documents([make_document("Another talk, not reviewed at all.")])
    report = export(project, "jsonl", tmp_path / "gold.jsonl", layer="gold", status="all")
    assert report.documents == 1
    assert report.left_out == ["the gold layer: 1 document with no gold span or code yet"]


def test_export_gold_layer_with_provenance(project: Project, tmp_path: Path) -> None:
    doc = setup(project)
    with pytest.raises(ProjectError, match="no gold layer yet"):
        export(project, "jsonl", tmp_path / "none.jsonl", layer="gold")
    project.gold.auto_merge(doc)
    # Not reviewed yet: left out, unless asked for (--status all).
    report = export(project, "jsonl", tmp_path / "none.jsonl", layer="gold")
    assert report.documents == 0
    [why] = report.left_out
    assert why == "the gold layer: 1 document not marked reviewed (--status all exports them)"
    report = export(project, "jsonl", tmp_path / "unreviewed.jsonl", layer="gold", status="all")
    assert report.left_out == []
    unreviewed = json.loads((tmp_path / "unreviewed.jsonl").read_text())
    assert unreviewed["statuses"] == {}  # never marked reviewed
    project.set_status(doc, GOLD, "done")  # marked reviewed
    export(project, "jsonl", tmp_path / "gold.jsonl", layer="gold")
    [line] = (tmp_path / "gold.jsonl").read_text().splitlines()
    record = json.loads(line)
    assert record["annotators"] == [GOLD]
    assert record["statuses"] == {GOLD: "done"}
    [span] = record["spans"]
    assert span["provenance"]["method"] == "unanimous"
    # and --layer all is every annotator's layer, without the gold one
    export(project, "jsonl", tmp_path / "all.jsonl", layer="all")
    everyone = json.loads((tmp_path / "all.jsonl").read_text())
    assert GOLD not in everyone["annotators"]
