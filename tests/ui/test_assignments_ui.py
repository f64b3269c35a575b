"""Pilot tests: assigned documents first in the queue (only them with --assigned-only), and
the done lock on the annotation screen (R reopens)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from conftest import make_document
from harness import Harness, rendered, until
from textual.app import App
from textual.widgets import Static

from annotator.app import make_app
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.screens.annotate import AnnotateScreen
from annotator.screens.queue import QueueScreen
from annotator.store import Project
from annotator.widgets.panels import BottomBar
from annotator.widgets.queue_table import QueueTable


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Four documents; alice is assigned 3 and 4."""
    path = tmp_path / "p.db"
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        made = [
            dataclasses.replace(make_document(f"Text {n} here.\n\nAnswer {n} now."), title=f"D{n}")
            for n in range(1, 5)
        ]
        project.add_documents(made)
        project.assign(["alice"], [3, 4], seed=1)
    return path


def table_ids(app: App[Any]) -> list[int]:
    return app.screen.query_one(QueueTable).row_keys


async def test_queue_lists_assigned_documents_first(db: Path) -> None:
    app = Harness(lambda: QueueScreen(db, "alice"))
    async with app.run_test(size=(100, 24)):
        assert table_ids(app) == [3, 4, 1, 2]
        progress = str(app.screen.query_one("#progress", Static).content)
        assert "2 assigned (•, first)" in progress
    other = Harness(lambda: QueueScreen(db, "bob"))  # nothing assigned: the usual order
    async with other.run_test(size=(100, 24)):
        assert table_ids(other) == [1, 2, 3, 4]


async def test_assigned_only_shows_and_steps_through_only_those(db: Path, tmp_path: Path) -> None:
    app = make_app(db, annotator="alice", config_file=tmp_path / "c.yaml", assigned_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, AnnotateScreen))
        assert app.editor is not None and app.editor.id == 3
        await pilot.press("J")
        await until(pilot, lambda: app.editor is not None and app.editor.id == 4)
        await pilot.press("J")
        await until(pilot, lambda: app.editor is not None and app.editor.id == 3)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.pause()
        assert table_ids(app) == [3, 4]


async def test_done_refuses_edits_until_r_reopens(db: Path, tmp_path: Path) -> None:
    app = make_app(db, annotator="alice", config_file=tmp_path / "c.yaml")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, AnnotateScreen))
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        document = screen.editor.id
        await pilot.press("D")  # and on to the next document of the queue: K comes back
        await until(pilot, lambda: screen.editor.id != document)
        await pilot.press("K")
        await until(pilot, lambda: screen.editor.id == document)
        await pilot.press("v", "w", "t")  # select a word and tag it a quote
        await pilot.pause()
        status = rendered(screen.query_one(BottomBar)).splitlines()[BottomBar.STATUS]
        assert "marked done: press R to reopen" in status
        with Project.open(db) as project:
            assert project.spans(document, "alice") == []
        await pilot.press("escape", "R")
        await pilot.pause()
        assert screen.editor.status == "in_progress"
        await pilot.press("v", "w", "t")
        await pilot.pause()
        with Project.open(db) as project:
            assert len(project.spans(document, "alice")) == 1
            assert [c.via for c in project.status_history(document)] == ["app", "reopen"]


async def test_done_refuses_before_a_dialog_opens(db: Path, tmp_path: Path) -> None:
    """Enter on a span (or a label that asks for attributes) in a done document says it is
    locked at once, instead of opening a dialog whose answer would then be refused."""
    app = make_app(db, annotator="alice", config_file=tmp_path / "c.yaml")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, AnnotateScreen))
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        document = screen.editor.id
        await pilot.press("t", "D")  # a quote, then done (and on to the next document)
        await until(pilot, lambda: screen.editor.id != document)
        await pilot.press("K")
        await until(pilot, lambda: screen.editor.id == document)
        needs_attributes = [
            label.hotkey
            for label in screen.editor.scheme.labels
            if label.hotkey and screen.editor.needs_attributes(label.id)
        ]
        assert needs_attributes, "the bundled scheme has a label that asks for attributes"
        for key in ("enter", needs_attributes[0]):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen, f"{key} opened a dialog in a done document"
            status = rendered(screen.query_one(BottomBar)).splitlines()[BottomBar.STATUS]
            assert "marked done: press R" in status
