"""What a keystroke repaints on the annotation screen, counted: a row move that scrolls the
view paints the rows scrolled into view, not the whole view; the scroll bar is repainted
only when its thumb moves; the span list lists every span but paints only the entries it
shows, and takes a new span in from the editor (no reload)."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from conftest import layout
from harness import rendered, until
from rich.cells import cell_len
from rich.console import Console
from rich.segment import ControlType
from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region

from annotator.app import AnnotatorApp, make_app
from annotator.model import ImportedDocument, SpanDraft
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.screens.annotate import AnnotateScreen
from annotator.store import Project
from annotator.widgets.compositor import LeanCompositor
from annotator.widgets.painted import SameLines
from annotator.widgets.panels import SpanList
from annotator.widgets.transcript_view import ThumbScrollBar, TranscriptView

PARAGRAPHS = 400  # one row each at this width: a document many screens long
LABELS = ("quote", "criticism")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    texts = [f"Paragraph {i} says [b]what[/b] it says." for i in range(PARAGRAPHS)]
    text, turns = layout(texts, ["A" if i % 2 else "B" for i in range(PARAGRAPHS)])
    spans = [
        SpanDraft(LABELS[i % 2], turn.start, turn.start + 9)
        for i, turn in enumerate(turns)
        if i % 2 == 0
    ]
    spans.append(SpanDraft("quote", turns[-1].start + 13, turns[-1].end - 1))  # "says [b]..."
    document = ImportedDocument(
        "Long", text, tuple(turns), "text", "long.md", spans=tuple(spans), annotator="alice"
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


def screen_lines(app: AnnotatorApp) -> list[list[tuple[str, object]]]:
    """The whole screen as the compositor draws it: each line's text and styles."""
    strips = app.screen._compositor.render_strips()
    return [[(segment.text, segment.style) for segment in strip.simplify()] for strip in strips]


async def test_unchanged_widgets_give_their_lines_again_as_textual_paints_them(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After each key, the screen as painted (unchanged widgets giving their lines again)
    is the screen Textual paints itself in that same state (compared in one run: two runs
    may differ in what a timer has done by then on a loaded machine)."""
    keys = ["down"] * 30 + ["right", "shift+down", "pagedown", "up", "escape"]
    app = app_for(db, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        span_list = app.screen.query_one(SpanList)
        painted_anew = 0  # by the app's own repaints, not by the comparisons below
        for key in keys:
            before = span_list._same.fresh
            await pilot.press(key)
            await pilot.pause()
            painted_anew += span_list._same.fresh - before
            mine = screen_lines(app)
            with monkeypatch.context() as patch:
                patch.setattr(
                    SameLines, "render_lines", lambda self, widget, crop, render: render(crop)
                )
                textual = screen_lines(app)
            assert mine == textual, key
    # The span list's lines were not painted anew on the keys that moved only the cursor
    # (given again, or not asked for: the screen's compositor asks a widget only for the
    # lines it shows where the screen changed). A few: the list highlights the span under
    # the cursor once the cursor rests, and the comparisons take time.
    assert painted_anew <= 5


def cells_sent(update: ChopsUpdate, console: Console) -> dict[tuple[int, int], tuple]:
    """What a partial update writes on the terminal: each cell's character and style."""
    cells: dict[tuple[int, int], tuple] = {}
    x = y = 0
    for segment in update.__rich_console__(console, console.options):
        if segment.control:
            for code in segment.control:
                if code[0] == ControlType.CURSOR_MOVE_TO:
                    x, y = code[1], code[2]
            continue
        for char in segment.text.replace("\n", ""):
            cells[x, y] = (char, segment.style)
            x += cell_len(char)
    return cells


async def test_the_screen_writes_on_the_terminal_what_textual_writes(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each repaint's update, cut only where it is sent (LeanCompositor), writes the cells
    that Textual's compositor's update writes for the same changed regions. (Textual's also
    moves the cursor, to write nothing, to a chop that starts where a changed region ends.)"""
    compared: list[tuple[dict, dict]] = []
    lean = LeanCompositor.render_partial_update

    def both(self: LeanCompositor) -> ChopsUpdate | None:
        regions = set(self._dirty_regions)
        mine = lean(self)
        self._dirty_regions.update(regions)
        textual = Compositor.render_partial_update(self)
        assert (mine is None) == (textual is None)
        if mine is not None and textual is not None:
            console = app.console
            compared.append((cells_sent(mine, console), cells_sent(textual, console)))
        return mine

    monkeypatch.setattr(LeanCompositor, "render_partial_update", both)
    keys = ["down"] * 30 + ["right", "shift+down", "pagedown", "t", "up", "u", "escape"]
    keys += ["pageup", "G", "tab", "down", "down", "tab"]  # the span list too
    app = app_for(db, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen._compositor, LeanCompositor)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
    assert len(compared) >= len(keys)
    for mine, textual in compared:
        assert mine == textual
    assert sum(len(mine) for mine, _ in compared) > 30 * 80  # (it compared something)


async def test_a_row_move_that_scrolls_cuts_only_the_rows_of_text(db: Path, tmp_path: Path) -> None:
    """Textual's compositor cuts every widget's line on each changed row (the transcript,
    its scroll bar, the span list, its scroll bar, the screen: five a row); a held Down key
    cuts the transcript's rows and the status line (and the scroll bar's, when its thumb
    moves)."""
    app = app_for(db, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.screen.query_one(TranscriptView)
        compositor = app.screen._compositor
        assert isinstance(compositor, LeanCompositor)
        for _ in range(40):  # down to the bottom of the view: from here each Down scrolls
            await pilot.press("down")
        await pilot.pause()
        bar = view.vertical_scrollbar
        assert isinstance(bar, ThumbScrollBar)
        for _ in range(10):
            top, cuts, thumb = view.scroll_offset.y, compositor.cut_count, bar.paint_count
            await pilot.press("down")
            await pilot.pause()
            assert view.scroll_offset.y > top
            # The rows of text, the status line, and the scroll bar's rows if its thumb moved.
            bar_rows = view.size.height if bar.paint_count > thumb else 0
            assert compositor.cut_count - cuts <= view.size.height + 1 + bar_rows
        # A character move: its row and the status line.
        cuts = compositor.cut_count
        await pilot.press("right")
        await pilot.pause()
        assert compositor.cut_count - cuts <= 2


# ---- the span list: every span, painted only where it shows ---------------------------------


def entries_in_view(span_list: SpanList) -> int:
    return -(-span_list.scrollable_content_region.height // span_list.SPAN_ROWS) + 1


async def test_the_span_list_lists_every_span_and_paints_only_those_in_view(
    db: Path, tmp_path: Path
) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        span_list = app.screen.query_one(SpanList)
        assert span_list.option_count == PARAGRAPHS // 2 + 1
        assert span_list.border_title == f"Spans {PARAGRAPHS // 2 + 1}"
        # Opening paints the entries in view (a few times over, as the screen is laid out),
        # not the 201 entries.
        assert span_list.render_count <= 3 * entries_in_view(span_list)
        painted_before = span_list.render_count
        span_list._entries.clear()
        span_list.refresh()
        await pilot.pause()
        assert span_list.render_count - painted_before <= entries_in_view(span_list)
        # Only the spans painted were made from the store's rows (not all 201).
        assert app.screen.editor.spans.made() <= entries_in_view(span_list) + 2
        # The last one is there too (not only the spans near the cursor).
        assert span_list.item_text(span_list.option_count - 1).startswith("█ Quote")
        # Cursor moves paint nothing in it.
        painted_before = span_list.render_count
        for key in ("down", "down", "right", "pagedown", "up"):
            await pilot.press(key)
        await pilot.pause()
        assert span_list.render_count == painted_before


async def test_the_span_list_shows_markup_literally(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        span_list = app.screen.query_one(SpanList)
        span_list.highlight(span_list.option_count - 1)  # the span over "[b]what[/b]"
        await pilot.pause()
        assert "says [b]what[/b]" in rendered(span_list)


async def test_a_new_span_updates_the_list_without_a_reload(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        span_list = app.screen.query_one(SpanList)
        count = span_list.option_count
        project = app.screen.editor.project
        queries = _count_span_reads(project)
        await pilot.press("down", "w", "v", "e", "t")  # tag "says" (a quote) in paragraph 1
        await until(pilot, lambda: span_list.option_count == count + 1)
        assert queries() == 0  # the list read no spans from the project: the editor's order
        # Once the cursor rests, the new span (under it) is highlighted.
        await until(
            pilot,
            lambda: (
                span_list.highlighted is not None
                and "says" in span_list.item_text(span_list.highlighted)
            ),
        )
        assert span_list.item_text(span_list.highlighted).startswith("█ Quote")
        painted = span_list.render_count
        await pilot.pause()
        assert span_list.render_count - painted <= entries_in_view(span_list)


async def test_choosing_in_the_span_list_by_key_and_by_mouse_jumps_there(
    db: Path, tmp_path: Path
) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        span_list = screen.query_one(SpanList)
        span_list.focus()
        await pilot.press("home", "down", "down", "enter")
        await pilot.pause()
        order = screen.editor.span_order
        assert screen.editor.cursor == order[2][0]
        assert screen.view.has_focus
        # A click on the fourth entry (its second row) jumps to the fourth span.
        top = span_list.scroll_offset.y
        y = 3 * SpanList.SPAN_ROWS + 1 - top
        await pilot.click(SpanList, offset=(4, y + 1))  # +1: the border
        await pilot.pause()
        assert screen.editor.cursor == order[3][0]
        assert span_list.highlighted == 3


def _count_span_reads(project: Project):
    """How many times the project's span layer is read from now (a list rebuilt from the
    store would read it)."""
    reads = [0]
    original = project.spans

    def counted(*args, **kwargs):
        reads[0] += 1
        return original(*args, **kwargs)

    project.spans = counted  # type: ignore[method-assign]
    return lambda: reads[0]


async def test_a_frame_painted_before_the_list_hears_of_a_merge_is_blank_below(
    db: Path, tmp_path: Path
) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        span_list = app.screen.query_one(SpanList)
        editor = app.screen.editor
        # The editor has fewer spans than the list last heard of (as between a merge and
        # the screen telling the list): the entries past them paint blank, not an error.
        span_list.scroll_to(y=0, animate=False, immediate=True)
        await pilot.pause()
        del editor._starts[1:]
        span_list._entries.clear()
        rows = [span_list.render_line(y).text for y in range(span_list.size.height)]
        assert rows[0].strip() and not any(row.strip() for row in rows[span_list.SPAN_ROWS :])
