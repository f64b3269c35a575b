"""Pilot tests for the document queue screen."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from conftest import make_document
from harness import Harness, type_ahead
from textual.app import App
from textual.widgets import Static

from annotator.screens.queue import QueueScreen
from annotator.store import Project
from annotator.widgets.queue_table import QueueTable

NASTY_TITLE = "\x1b[31mEvil[bold red]x[/] interview"


@pytest.fixture
def three(project: Project) -> Project:
    """Three documents: alice has done 1 and is working on 2; bob has done 1 and 3."""
    documents = [
        dataclasses.replace(make_document(f"Text {n}.\n\nAnswer {n}."), title=title)
        for n, title in enumerate(["Budget interview", NASTY_TITLE, "Housing debate"], start=1)
    ]
    ids = [result.document_id for result in project.add_documents(documents)]
    project.set_status(ids[0], "alice", "done")
    project.set_status(ids[1], "alice", "in_progress")
    project.set_status(ids[0], "bob", "done")
    project.set_status(ids[2], "bob", "done")
    return project


def table_ids(app: App[Any]) -> list[int]:
    return app.screen.query_one(QueueTable).row_keys


def cell_text(app: App[Any], row: int, column: int) -> str:
    return app.screen.query_one(QueueTable).cell(row, column).plain


async def test_queue_lists_documents_with_statuses(three: Project) -> None:
    app = Harness(lambda: QueueScreen(three.path, "alice"))
    async with app.run_test(size=(80, 24)):
        assert table_ids(app) == [1, 2, 3]
        progress = str(app.screen.query_one("#progress", Static).content)
        assert "1/3 done · 0 skipped · 1 in progress" in progress
        assert [cell_text(app, row, 5) for row in range(3)] == ["done", "in progress", "new"]
        assert [cell_text(app, row, 6) for row in range(3)] == ["1", "0", "1"]  # bob's
        assert cell_text(app, 0, 2) == "S0, S1"
        assert cell_text(app, 0, 3) == "4"  # words
        assert cell_text(app, 0, 4) == "2"  # turns
        # The title's markup and escape sequence are shown, not interpreted or sent raw.
        assert cell_text(app, 1, 1) == "␛[31mEvil[bold red]x[/] interview"


async def test_queue_filters_by_status(three: Project) -> None:
    app = Harness(lambda: QueueScreen(three.path, "alice"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        assert table_ids(app) == [1]
        assert "done: 1 of 3" in str(app.screen.query_one("#filter", Static).content)
        await pilot.press("2")
        assert table_ids(app) == [3]
        await pilot.press("3")
        assert table_ids(app) == [2]
        await pilot.press("5")
        assert table_ids(app) == []
        assert "No documents are skipped" in str(app.screen.query_one("#filter").content)
        await pilot.press("enter")  # nothing to open: stays
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("1")
        assert table_ids(app) == [1, 2, 3]


async def test_queue_enter_returns_the_selected_id(three: Project) -> None:
    app = Harness(lambda: QueueScreen(three.path, "alice", current=2))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.screen.query_one(QueueTable).cursor_row == 1  # the current one
        await pilot.press("down", "enter")
        await pilot.pause()
    assert app.results == [3]


async def test_queue_keeps_the_selection_across_filters_and_escape_cancels(
    three: Project,
) -> None:
    app = Harness(lambda: QueueScreen(three.path, "bob", current=3))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")  # bob's done: 1 and 3
        assert table_ids(app) == [1, 3]
        assert app.screen.selected_id == 3
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_queue_reports_a_missing_project(tmp_path: Path) -> None:
    app = Harness(lambda: QueueScreen(tmp_path / "none.db", "alice"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert "no project here" in str(app.screen.query_one("#filter", Static).content)
        assert table_ids(app) == []
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_queue_with_1000_documents_filters_them_all(project: Project) -> None:
    documents = [
        dataclasses.replace(make_document(f"Text {n}.\n\nAnswer {n}."), title=f"Doc {n}")
        for n in range(1000)
    ]
    project.add_documents(documents)
    app = Harness(lambda: QueueScreen(project.path, "alice"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert len(table_ids(app)) == 1000
        await pilot.press("2")
        await pilot.pause()
        assert len(table_ids(app)) == 1000


async def test_queue_takes_keys_typed_ahead_in_order(three: Project) -> None:
    # "down" and "enter" read together from the terminal open the row moved to.
    app = Harness(lambda: QueueScreen(three.path, "alice"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        type_ahead(app, "down", "enter")
        await pilot.pause()
        await pilot.pause()
    assert app.results == [2]
