"""The undo and redo stacks read backwards and lazily from the log equal a full replay, and
the first undo in a fresh process reads only the newest edits (counted, not timed)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from annotator.model import ImportedDocument, Turn
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.store import Project
from annotator.store.log import Row, UndoStacks


def replay(rows: list[Row]) -> tuple[list[int], list[int]]:
    """The stacks as a replay of the whole log, oldest first, builds them."""
    undo: list[int] = []
    redo: list[int] = []
    for edit_id, kind, reverts in rows:
        if kind == "edit":
            undo.append(edit_id)
            redo.clear()
        elif kind == "undo":
            undo.pop()
            redo.append(int(reverts or 0))
        else:
            redo.pop()
            undo.append(int(reverts or 0))
    return undo, redo


def random_log(rng: random.Random, length: int) -> list[Row]:
    rows: list[Row] = []
    undo, redo = [], []
    for edit_id in range(1, length + 1):
        choice = rng.random()
        if choice < 0.35 and undo:
            target = undo.pop()
            redo.append(target)
            rows.append((edit_id, "undo", target))
        elif choice < 0.55 and redo:
            target = redo.pop()
            undo.append(target)
            rows.append((edit_id, "redo", target))
        else:
            undo.append(edit_id)
            redo.clear()
            rows.append((edit_id, "edit", None))
    return rows


@pytest.mark.parametrize("seed", range(40))
def test_backward_lazy_stacks_equal_a_replay(seed: int) -> None:
    rng = random.Random(seed)
    rows = random_log(rng, rng.randint(0, 120))
    stacks = UndoStacks(0, lambda: iter(rows[::-1]))
    undo, redo = replay(rows)
    # Read the tops first, then carry on as the log would, then compare everything.
    if undo:
        assert stacks.undo[-1] == undo[-1]
    assert bool(stacks.redo) == bool(redo)
    more = random_log(random.Random(seed + 1000), 20)
    offset = len(rows)
    for edit_id, kind, _ in more:
        if (kind == "undo" and not stacks.undo) or (kind == "redo" and not stacks.redo):
            continue
        if kind == "edit":
            stacks.record(edit_id + offset, "edit", None)
            rows.append((edit_id + offset, "edit", None))
        else:
            target = stacks.undo[-1] if kind == "undo" else stacks.redo[-1]
            stacks.record(edit_id + offset, kind, target)
            rows.append((edit_id + offset, kind, target))
    assert (list(stacks.undo), list(stacks.redo)) == replay(rows)


def test_the_first_undo_in_a_fresh_process_reads_only_the_newest_edits(tmp_path: Path) -> None:
    text = " ".join(f"w{i}" for i in range(2000))
    db = tmp_path / "p.db"
    with Project.create(db, load_scheme_file(default_scheme_path())) as project:
        [result] = project.add_documents(
            [ImportedDocument("d", text, (Turn(0, 0, len(text), "A"),), "text")]
        )
        document = result.document_id
        for i in range(600):
            project.create_span(document, "ann", "quote", i * 10, i * 10 + 3)
    with Project.open(db) as fresh:
        read: list[int] = []
        fresh.db.conn.set_trace_callback(
            lambda sql: read.append(1) if "FROM edits WHERE document_id" in sql else None
        )
        rows_before = fresh.db.execute("SELECT count(*) FROM edits").fetchone()[0]
        changes = fresh.undo(document, "ann")
        assert [c.action for c in changes] == ["delete"]
        assert rows_before >= 600
        # A page or two of edits, never the 600: each statement reads at most a page.
        assert 1 <= len(read) <= 3
        redone = fresh.redo(document, "ann")
        assert [c.action for c in redone] == ["create"]
