"""What a keystroke repaints on the annotation screen, counted: a row move that scrolls the
view paints the rows scrolled into view, not the whole view; the scroll bar is repainted
only when its thumb moves; the span list paints only the rows it shows."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from conftest import layout
from textual.geometry import Region

from annotator.app import AnnotatorApp, make_app
from annotator.model import ImportedDocument, SpanDraft
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.screens.annotate import AnnotateScreen
from annotator.store import Project
from annotator.widgets.transcript_view import ThumbScrollBar, TranscriptView

PARAGRAPHS = 400  # one row each at this width: a document many screens long
LABELS = ("quote", "criticism")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    texts = [f"Paragraph {i} says [b]what[/b] it says." for i in range(PARAGRAPHS)]
    text, turns = layout(texts, ["A" if i % 2 else "B" for i in range(PARAGRAPHS)])
    spans = tuple(
        SpanDraft(LABELS[i % 2], turn.start, turn.start + 9)
        for i, turn in enumerate(turns)
        if i % 4 == 0
    )
    document = ImportedDocument(
        "Long", text, tuple(turns), "text", "long.md", spans=spans, annotator="alice"
    )
    path = tmp_path / "p.db"
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        project.add_documents([document])
    return path


def app_for(db: Path, tmp_path: Path) -> AnnotatorApp:
    return make_app(db, annotator="alice", config_file=tmp_path / "config.yaml")


def painted(view: TranscriptView) -> list[list[tuple[str, object]]]:
    """The lines the view gives the screen: text and style of every segment."""
    lines = view.render_lines(Region(0, 0, *view.size))
    return [[(segment.text, segment.style) for segment in line] for line in lines]


async def test_a_row_move_that_scrolls_paints_only_the_rows_new_in_view(
    db: Path, tmp_path: Path
) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        view = screen.query_one(TranscriptView)
        bar = view.vertical_scrollbar
        assert isinstance(bar, ThumbScrollBar)
        for _ in range(40):  # down to the bottom of the view: from here each Down scrolls
            await pilot.press("down")
        await pilot.pause()
        scrolls, lines, bar_paints = view.scroll_count, view.line_count, bar.paint_count
        scrolled, thumbs = 0, [bar._thumb_cells()]
        for _ in range(10):
            top = view.scroll_offset.y
            await pilot.press("down")
            await pilot.pause()
            assert view.scroll_offset.y > top  # it scrolled (to the next turn's text row)...
            scrolled += view.scroll_offset.y - top
            thumbs.append(bar._thumb_cells())
        assert view.scroll_count - scrolls == 10  # (the painted lines kept, shifted)
        # ...and painted the rows new in view and the old and new cursor rows, not the
        # view's 28 rows.
        assert scrolled <= 30
        assert view.line_count - lines <= scrolled + 2 * 10
        # The scroll bar is repainted when its thumb moved, not on every scroll.
        moves = sum(a != b for a, b in pairwise(thumbs))
        assert bar.paint_count - bar_paints == moves < 10
        # What the screen shows is what painting the whole view afresh shows.
        shown = painted(view)
        view._styles_cache.clear()
        assert shown == painted(view)
        assert "Paragraph" in "".join(text for line in shown for text, _ in line)


async def test_after_a_scroll_up_and_a_page_the_view_shows_what_a_fresh_paint_shows(
    db: Path, tmp_path: Path
) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.screen.query_one(TranscriptView)
        await pilot.press("G")  # the end, then up past the top of the view
        for _ in range(35):
            await pilot.press("up")
        await pilot.press("shift+up", "shift+up", "pagedown", "t")
        await pilot.pause()
        shown = painted(view)
        view._styles_cache.clear()
        assert shown == painted(view)
        # The thumb is where a fresh scroll bar draws it.
        bar = view.vertical_scrollbar
        assert isinstance(bar, ThumbScrollBar)
        assert bar._thumb == bar._thumb_cells()
