"""What a key in the queue paints, counted: a row Textual painted before is put back, not
painted again, the lines of a widget with nothing changed are given again as they were
(annotator/widgets/painted.py), and the table's scroll bar draws its lines from a strip per
kind (QueueScrollBar); either way the screen shows what Textual's own painting shows."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from conftest import numbered_documents
from harness import Harness, rendered
from textual._compositor import Compositor
from textual.app import App
from textual.scroll_view import ScrollView
from textual.widget import Widget

from annotator.screens.queue import QueueScreen
from annotator.store import Project
from annotator.widgets.painted import SameLines
from annotator.widgets.queue_table import QueueScrollBar, QueueTable

KEYS = ("pagedown", "pagedown", "down", "pageup", "pagedown", "end", "pageup", "home")


@pytest.fixture
def many(project: Project) -> Project:
    project.add_documents(numbered_documents(300))
    return project


def screen_lines(app: App[None]) -> list[list[tuple[str, object]]]:
    """The whole screen as the compositor draws it: each line's text and styles."""
    strips = app.screen._compositor.render_strips()
    return [[(segment.text, segment.style) for segment in strip.simplify()] for strip in strips]


async def shown_after_each_key(many: Project) -> list[list[list[tuple[str, object]]]]:
    app = Harness(lambda: QueueScreen(many.path, "alice"))
    shown = []
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        for key in KEYS:
            await pilot.press(key)
            await pilot.pause()
            shown.append(screen_lines(app))
    return shown


async def test_the_screen_shows_what_textuals_painting_shows(
    many: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = await shown_after_each_key(many)
    with monkeypatch.context() as patch:
        patch.setattr(QueueTable, "vertical_scrollbar", ScrollView.vertical_scrollbar)
        patch.setattr(QueueTable, "render_lines", Widget.render_lines)
        patch.setattr(SameLines, "render_lines", lambda self, widget, crop, render: render(crop))
        theirs = await shown_after_each_key(many)
    assert len(ours) == len(KEYS)
    for key, mine, textual in zip(KEYS, ours, theirs, strict=True):
        assert mine == textual, key
    assert any("Doc 299" in text for line in ours[-3] for text, _ in line)  # (the end)


async def test_a_page_back_puts_back_the_lines_painted_before(many: Project) -> None:
    app = Harness(lambda: QueueScreen(many.path, "alice"))
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(QueueTable)
        bar = table.vertical_scrollbar
        assert isinstance(bar, QueueScrollBar) and bar.display
        page = table.scrollable_content_region.height - 1
        await pilot.press("pagedown")
        await pilot.pause()
        rendered, reused, drawn = table.render_count, table._painted.reused, bar.line_count
        await pilot.press("pageup")
        await pilot.pause()
        # Back on the first page: no row rendered (each is in the table's cache) and every
        # line but the two the cursor left and reached put back as Textual painted it.
        assert table.render_count == rendered
        assert table._painted.reused - reused >= page - 2
        assert bar.line_count == drawn  # (each kind of the bar's lines drawn once)
        # Pages on to rows never shown: those are painted.
        for _ in range(3):
            await pilot.press("pagedown")
        await pilot.pause()
        assert table.render_count - rendered >= 2 * page
        assert bar.line_count - drawn <= 3 * 4  # the thumb's two ends, at most, a page


async def test_a_new_title_and_a_style_change_are_painted_not_put_back(many: Project) -> None:
    app = Harness(lambda: QueueScreen(many.path, "alice"))
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(QueueTable)
        await pilot.press("pagedown", "pageup")
        await pilot.pause()
        row = table.rows[3]
        cells = (row.cells[0], row.cells[1].copy(), *row.cells[2:])
        cells[1].plain = "Renamed"
        table.update_rows([dataclasses.replace(row, cells=cells)])
        await pilot.pause()
        assert "Renamed" in "".join(text for line in screen_lines(app) for text, _ in line)
        before = screen_lines(app)
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.pause()
        assert screen_lines(app) != before


async def test_a_cursor_step_gives_the_unchanged_lines_again(many: Project) -> None:
    app = Harness(lambda: QueueScreen(many.path, "alice"))
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        table = screen.query_one(QueueTable)
        bar = table.vertical_scrollbar
        assert isinstance(bar, QueueScrollBar)
        same, rendered = (screen._same.same, bar._same.same), table.render_count
        for _ in range(5):
            await pilot.press("down")
            await pilot.pause()
        # The screen's own lines and the scroll bar's: given again at each repaint; the
        # table's rows that changed: painted.
        assert screen._same.same - same[0] >= 5
        assert bar._same.same - same[1] >= 5
        assert 5 <= table.render_count - rendered <= 2 * 5


async def test_a_cursor_step_is_one_repaint_with_its_detail_line(
    many: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    repaints: list[int] = []
    update = Compositor.render_update

    def counted(self: Compositor, *args: Any, **kwargs: Any) -> Any:
        repaints.append(1)
        return update(self, *args, **kwargs)

    monkeypatch.setattr(Compositor, "render_update", counted)
    app = Harness(lambda: QueueScreen(many.path, "alice"))
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        detail = app.screen.query_one("#detail")
        repaints.clear()
        for _ in range(5):
            await pilot.press("down")
            await pilot.pause()
        # The highlighted row's detail line (its whole title) is painted with the rows the
        # cursor left and reached, not in a repaint of its own (10 repaints for 5 keys): one
        # a key, and at most one of Textual's own besides (on a busy machine, a timer's).
        assert 5 <= len(repaints) <= 6
        assert "Doc 5" in rendered(detail)
