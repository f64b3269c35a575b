"""Assignments, the done lock and its reopening, and per-annotator progress
(annotator/assigning.py, annotator/store/assignments.py, 'annotator assign', 'reopen',
'status')."""

from __future__ import annotations

import dataclasses
import json
import random
import time
from pathlib import Path

import pytest
from conftest import make_document

from annotator.assigning import PlanDocument, copies_per_document, plan
from annotator.errors import DocumentLocked, InvalidValue
from annotator.export import export
from annotator.io import read_transcript
from annotator.scheme import Scheme
from annotator.store import Project, ProjectError

WORDS = [500, 400, 300, 300, 200, 100, 100, 50]


def documents(project: Project, words: list[int] = WORDS) -> list[int]:
    """Documents of the given lengths (in words), each of its own text."""
    made = [
        dataclasses.replace(make_document(" ".join(["word"] * n) + f" {i}"), title=f"Doc {i}")
        for i, n in enumerate(words)
    ]
    return [result.document_id for result in project.add_documents(made)]


def assigned(project: Project) -> set[tuple[int, str]]:
    return {
        (d, name) for name in ("ann", "bob", "cat", "dan") for d in project.assigned_documents(name)
    }


# ---- planning --------------------------------------------------------------------------------


def test_every_document_to_k_annotators_balanced_by_words() -> None:
    docs = [PlanDocument(i, n, frozenset()) for i, n in enumerate(WORDS)]
    copies = dict.fromkeys(range(len(WORDS)), 2)
    result = plan(docs, ["ann", "bob", "cat"], copies, {}, random.Random(1))
    per_document: dict[int, list[str]] = {}
    load = {"ann": 0, "bob": 0, "cat": 0}
    for document_id, name in result.assignments:
        per_document.setdefault(document_id, []).append(name)
        load[name] += WORDS[document_id]
    assert all(len(set(names)) == 2 for names in per_document.values())
    assert len(per_document) == len(WORDS) and not result.short
    # Greedy longest-first: no annotator carries more than the lightest plus the longest.
    assert max(load.values()) - min(load.values()) <= max(WORDS)
    assert sum(load.values()) == 2 * sum(WORDS)


def test_the_same_seed_gives_the_same_plan_and_holders_count() -> None:
    docs = [PlanDocument(i, 100, frozenset({"ann"} if i == 0 else ())) for i in range(6)]
    copies = dict.fromkeys(range(6), 1)
    first = plan(docs, ["ann", "bob"], copies, {}, random.Random(7))
    assert first == plan(docs, ["ann", "bob"], copies, {}, random.Random(7))
    assert all(d != 0 for d, _ in first.assignments)  # ann has document 0 already
    seeds = {plan(docs, ["ann", "bob"], copies, {}, random.Random(s)) for s in range(20)}
    assert len(seeds) > 1  # ties are drawn, not fixed


def test_overlap_doubles_a_share_and_bad_options_are_one_line() -> None:
    copies = copies_per_document(
        list(range(10)), 3, per_document=None, overlap=0.3, rng=random.Random(0)
    )
    assert sorted(copies.values()) == [1] * 7 + [2] * 3
    with pytest.raises(InvalidValue, match="not both"):
        copies_per_document([1], 3, per_document=2, overlap=0.5, rng=random.Random(0))
    with pytest.raises(InvalidValue, match="needs at least 3 annotators; 2 given"):
        copies_per_document([1], 2, per_document=3, overlap=None, rng=random.Random(0))
    with pytest.raises(InvalidValue, match="between 0 and 1"):
        copies_per_document([1], 2, per_document=None, overlap=1.5, rng=random.Random(0))


# ---- the store -------------------------------------------------------------------------------


def test_assign_adds_to_what_is_there_and_never_moves_begun_work(project: Project) -> None:
    ids = documents(project)
    project.create_span(ids[0], "cat", "quote", 0, 4)  # cat started document 0 unassigned
    project.set_status(ids[1], "dan", "done")  # dan finished document 1
    shares, short = project.assign(["ann", "bob"], per_document=1, seed=3)
    pairs = assigned(project)
    assert not short
    # Those who have a document count: 0 and 1 need nobody more.
    assert {d for d, _ in pairs} == set(ids[2:])
    assert {s.annotator: s.added for s in shares} == {"ann": 3, "bob": 3}
    # Again with two per document: only additions, each document to two different people.
    shares, _ = project.assign(["ann", "bob"], per_document=2, seed=3)
    again = assigned(project)
    assert pairs <= again
    assert {d for d, name in again if name in ("ann", "bob")} == set(ids)
    assert sum(s.added for s in shares) == len(again) - len(pairs)
    # Clearing takes only what is not started: ann's begun document stays.
    mine = project.assigned_documents("ann")
    project.create_span(mine[0], "ann", "quote", 0, 4)
    removed, kept = project.clear_assignments("ann")
    assert (removed, kept) == (len(mine) - 1, 1)
    assert project.assigned_documents("ann") == [mine[0]]


def test_assign_is_reproducible_with_a_seed(tmp_path: Path, tiny_scheme: Scheme) -> None:
    found = []
    for run in range(2):
        with Project.create(tmp_path / f"{run}.db", tiny_scheme) as project:
            documents(project)
            project.assign(["ann", "bob", "cat"], overlap=0.5, seed=11)
            found.append(assigned(project))
    assert found[0] == found[1]
    assert len(found[0]) == len(WORDS) + round(0.5 * len(WORDS))


def test_assign_refuses_gold_and_no_names(project: Project) -> None:
    documents(project, [10])
    with pytest.raises(ProjectError, match="reviewers' layer"):
        project.assign(["ann", "gold"], seed=1)
    with pytest.raises(InvalidValue, match="at least one annotator"):
        project.assign([" "], seed=1)
    with pytest.raises(ProjectError, match="no document with id 99"):
        project.assign(["ann"], [99], seed=1)


def test_done_is_locked_until_reopened_and_reopening_is_recorded(project: Project) -> None:
    [doc] = documents(project, [30])
    span = project.create_span(doc, "alice", "quote", 0, 4)
    project.set_status(doc, "alice", "done")
    for edit in (
        lambda: project.create_span(doc, "alice", "quote", 10, 14),
        lambda: project.update_span(span.id, "alice", end=8),
        lambda: project.delete_span(span.id, "alice"),
        lambda: project.undo(doc, "alice"),
        lambda: project.add_question(doc, "alice", 20, 24),
    ):
        with pytest.raises(DocumentLocked, match="marked done by alice"):
            edit()
    assert [s.id for s in project.spans(doc, "alice")] == [span.id]
    project.create_span(doc, "bob", "quote", 10, 14)  # others are not locked by alice's done
    project.reopen(doc, "alice")
    assert project.status(doc, "alice") == "in_progress"
    project.update_span(span.id, "alice", end=8)
    with pytest.raises(ProjectError, match="not marked done by alice"):
        project.reopen(doc, "alice")
    history = [(c.annotator, c.before, c.after, c.via) for c in project.status_history(doc)]
    assert history == [
        ("alice", "in_progress", "done", "app"),
        ("alice", "done", "in_progress", "reopen"),
    ]


def test_gold_is_not_locked(project: Project) -> None:
    [doc] = documents(project, [30])
    project.set_status(doc, "gold", "done")
    project.create_span(doc, "gold", "quote", 0, 4, reviewer="rita")
    assert len(project.spans(doc, "gold")) == 1


def test_own_export_imports_with_its_status_and_a_done_layer_refuses_changes(
    project: Project, tmp_path: Path, tiny_scheme: Scheme
) -> None:
    [doc] = documents(project, [30])
    project.create_span(doc, "alice", "quote", 0, 4)
    project.set_status(doc, "alice", "done")
    out = tmp_path / "alice.jsonl"
    export(project, "jsonl", out)
    with Project.create(tmp_path / "other.db", tiny_scheme) as other:
        other.add_documents(read_transcript(out))  # layer first, then its status: accepted
        assert other.status(1, "alice") == "done"
        assert len(other.spans(1, "alice")) == 1
        other.add_documents(read_transcript(out))  # again: nothing changes, so accepted
        assert [c.via for c in other.status_history(1)] == ["import"]
        # A file that would change the done layer is refused, naming what to do.
        record = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
        record["spans"][0]["end"] = 8
        record["spans"][0]["text"] = record["text"][0:8]
        changed = tmp_path / "changed.jsonl"
        changed.write_text(json.dumps(record) + "\n", encoding="utf-8")
        with pytest.raises(DocumentLocked, match="reopen"):
            other.add_documents(read_transcript(changed))
        assert [(s.start, s.end) for s in other.spans(1, "alice")] == [(0, 4)]


def test_progress_per_annotator(project: Project) -> None:
    ids = documents(project, [30, 20, 10])
    project.assign(["ann", "bob"], per_document=1, seed=2)
    project.create_span(ids[0], "ann", "quote", 0, 4)
    time.sleep(0.01)  # times are kept to the millisecond
    project.create_span(ids[1], "ann", "quote", 0, 4)
    project.set_status(ids[1], "ann", "done")
    rows = {p.annotator: p for p in project.progress()}
    ann = rows["ann"]
    assert (ann.in_progress, ann.done) == (1, 1)
    assert ann.words_done == project.documents()[1].words
    newest = project.history(ids[1])[-1]  # the newest edit is ann's in document 2
    assert ann.last_activity == newest.at
    assert rows["bob"].last_activity is None and rows["bob"].done == 0
    assert rows["ann"].assigned + rows["bob"].assigned == 3


# ---- the command line ------------------------------------------------------------------------


def test_assign_status_and_reopen_commands(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    samples = Path(__file__).resolve().parents[1] / "sample_transcripts"
    assert run_cli("init").exit_code == 0
    assert run_cli("import", str(samples)).exit_code == 0
    first = run_cli("assign", "--annotators", "ann,bob", "--per-document", "2", "--seed", "5")
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert lines[0].split() == ["annotator", "documents", "words", "added"]
    assert lines[2].split()[:2] == ["ann", "3"] and lines[3].split()[:2] == ["bob", "3"]
    assert "--seed 5" in first.output
    bad = run_cli("assign", "--annotators", "ann", "--per-document", "2")
    assert bad.exit_code == 1
    assert bad.output.strip() == "error: --per-document 2 needs at least 2 annotators; 1 given"
    status = run_cli("status")
    assert "last activity" in status.output and "Work" in status.output
    data = json.loads(run_cli("status", "--format", "json").output)
    work = {(r["name"], r["measure"]): r["value"] for r in data if r["section"] == "work"}
    assert work[("ann", "assigned")] == 3 and work[("ann", "last_activity")] is None
    refused = run_cli("reopen", "1", "--as", "ann")
    assert refused.exit_code == 1 and "not marked done by ann" in refused.output
    cleared = run_cli("assign", "--clear", "bob")
    assert "Removed 3 assignments of 'bob' not started" in cleared.output
