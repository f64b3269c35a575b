"""The queues' table (annotator/widgets/queue_table.py) paints only what changed: a key
renders at most the rows in view, a batch of review figures only its rows in view; and it
draws the cursor, the stripes and untrusted titles as it should."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import make_document, numbered_documents
from harness import Harness, rendered
from textual.app import App

from annotator.review import ReviewRow, review_row_of
from annotator.screens.queue import QueueRow, QueueScreen
from annotator.screens.review_queue import ReviewQueueScreen, review_row
from annotator.store import Project
from annotator.versions import SchemeVersions
from annotator.widgets.queue_table import QueueTable

NASTY_TITLE = "[bold red]Evil[/] \x1b[31mtitle"


def table_of(app: App[None]) -> QueueTable:
    return app.screen.query_one(QueueTable)


def reviewable(project: Project, count: int) -> list[int]:
    """``count`` documents alice and bob finished, disagreeing on a span in each."""
    ids = []
    for number in range(count):
        text = f"Document {number}. I won't say.\n\nThey failed, we will build."
        doc = project.add_documents([make_document(text)])[0].document_id
        project.create_span(doc, "alice", "quote", 0, 8)
        project.create_span(doc, "bob", "quote", 0, 8 + number % 3)
        for name in ("alice", "bob"):
            project.set_status(doc, name, "done")
        ids.append(doc)
    return ids


def computed(path: Path, ids: list[int]) -> list[tuple[ReviewRow, QueueRow]]:
    """A batch as the worker hands it over: each computed row with its table row."""
    with Project.open(path, readonly=True) as project:
        versions = SchemeVersions(project.scheme, project.scheme_versions())
        rows = [review_row_of(project, doc, versions, project.has_gold()) for doc in ids]
    return [(row, review_row(row)) for row in rows]


@pytest.fixture
def many(project: Project) -> Project:
    project.add_documents(numbered_documents(200))
    return project


async def test_a_key_renders_at_most_the_rows_in_view(many: Project) -> None:
    app = Harness(lambda: QueueScreen(many.path, "alice"))
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        table = table_of(app)
        page = table.scrollable_content_region.height - 1  # under the header
        assert 0 < page < 200 and table.render_count <= page
        before = table.render_count
        await pilot.press("down")
        await pilot.pause()
        assert table.render_count - before == 2  # the old cursor row and the new one
        assert table.cursor_row == 1 and app.screen.selected_id == 2
        for key in ("pagedown", "pagedown", "pageup", "end", "home"):
            before = table.render_count
            await pilot.press(key)
            await pilot.pause()
            assert table.render_count - before <= page, key
        assert table.cursor_row == 0
        before = table.render_count
        await pilot.press("down", "up")  # where it was before: each line still cached
        await pilot.pause()
        assert table.render_count == before


async def test_a_batch_of_figures_renders_only_its_rows_in_view(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = reviewable(project, 60)
    # No worker: the test hands the screen its batches itself.
    monkeypatch.setattr(ReviewQueueScreen, "_start_figures", lambda self, listing: None)
    app = Harness(lambda: ReviewQueueScreen(project.path, "rita", anonymous=False))
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewQueueScreen)
        table = table_of(app)
        page = table.scrollable_content_region.height - 1
        assert table.row_keys == ids and all(row.pending for row in screen.reviews)
        assert table.cell(0, 3).plain == "…"
        in_view, out_of_view = ids[:3], ids[page + 5 : page + 7]
        before = table.render_count
        screen._figures_in(computed(project.path, in_view + out_of_view))
        await pilot.pause()
        assert table.render_count - before == len(in_view)
        assert table.cell(0, 3).plain == "1.00" or table.cell(0, 3).plain.startswith("0.")
        assert table.cell(page + 5, 3).plain != "…"  # shown when scrolled to
        assert "figures 5/60" in screen._progress()
        painted = rendered(table)
        assert "computing…" in painted and "open" in painted
        # The rest: the queue sorted, most disagreement first; one page painted again.
        rest = [doc for doc in ids if doc not in in_view + out_of_view]
        before = table.render_count
        screen._figures_in(computed(project.path, rest))
        await pilot.pause()
        assert table.render_count - before <= page
        assert not any(row.pending for row in screen.reviews)
        assert "computing" not in rendered(table) and "figures" not in screen._progress()
        f1 = [row.f1_overlap for row in screen.reviews]
        assert f1 == sorted(f1, key=lambda value: -1 if value is None else value)


@pytest.mark.parametrize("count", [3, 25])  # in the worker thread; in a child process
async def test_the_worker_fills_in_every_row(project: Project, count: int) -> None:
    ids = reviewable(project, count)
    app = Harness(lambda: ReviewQueueScreen(project.path, "rita", anonymous=False))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReviewQueueScreen)
        for _ in range(500):
            await pilot.pause(0.02)
            if screen.reviews and not any(row.pending for row in screen.reviews):
                break
        assert sorted(table_of(app).row_keys) == ids
        assert "computing" not in rendered(table_of(app))


async def test_the_cursor_and_stripes_and_a_click(many: Project) -> None:
    app = Harness(lambda: QueueScreen(many.path, "alice"))
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        table = table_of(app)
        background = [table.render_line(y)._segments[0].style.bgcolor for y in (1, 2, 3)]
        cursor, odd, even = background
        assert len({cursor, odd, even}) == 3  # the cursor row, then the stripes
        assert table.render_line(4)._segments[0].style.bgcolor == odd
        await pilot.click(QueueTable, offset=(4, 3))  # the header, then rows 1, 2: the third
        await pilot.pause()
    assert app.results == [3]


async def test_titles_are_painted_literally(project: Project) -> None:
    made = dataclasses.replace(make_document("Text.\n\nAnswer."), title=NASTY_TITLE)
    project.add_documents([made])
    app = Harness(lambda: QueueScreen(project.path, "alice"))
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        painted = rendered(table_of(app))
        assert "[bold red]Evil[/] ␛[31mtitle" in painted
        assert "\x1b" not in painted
