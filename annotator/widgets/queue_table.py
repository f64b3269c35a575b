"""The queues' table: a line-API widget that paints only the rows in view.

Textual's ``DataTable`` keeps every row's cells in its own structures, measures them, and keys
its line cache on the cursor's place, so that a cursor move, a cell updated or a sort
re-renders (and re-measures) the whole table: on the 2,000-document queues that was tens of
milliseconds a key, and more for each batch of figures the review queue fills in. Here the
rows are the screen's own :class:`~annotator.screens.queue.QueueRow` list (a row per line,
one Rich ``Text`` per cell, in columns of widths the screen fits), and each rendered line is
cached by its row's place and version: a cursor move repaints two rows, a batch of rows
changed (:meth:`QueueTable.update_rows`) repaints those of them in view, and scrolling
renders only the rows that come into view. Lines Textual painted are kept by the row they
show too (:mod:`annotator.widgets.painted`): a row scrolled back into view (a page back, a
row's step) takes none of Textual's painting steps again; nor does the scroll bar's
(:class:`QueueScrollBar`), whose lines are drawn from one cached strip per kind.

Cells are untrusted text already made ``Text`` (``literal``): they are emitted as segments,
never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip

from .painted import GivesSameLines, PaintedLines, own_vertical_scrollbar

if TYPE_CHECKING:
    from rich.console import JustifyMethod

PADDING = 1  # blank cells either side of a cell's text, as DataTable draws them


class QueueRow(Protocol):
    """A row as the table reads it (:class:`annotator.screens.queue.QueueRow`)."""

    @property
    def document_id(self) -> int: ...
    @property
    def cells(self) -> tuple[Text, ...]: ...  # one per column
    @property
    def detail(self) -> str: ...


class QueueScrollBar(GivesSameLines, ScrollBar):
    """The table's vertical scroll bar, drawn line by line.

    Textual's draws every row of the bar through Rich at each move of its thumb (a page key
    on a long queue: every key); this one takes the bar's segments from Textual's own
    arithmetic (:class:`ScrollBarRender`) and gives each line from a strip per kind of
    segment (track above, thumb, track below, the thumb's ends), and its painted lines are
    put back by that kind (:class:`~annotator.widgets.painted.PaintedLines`).
    """

    def __init__(self, *, thickness: int = 1) -> None:
        super().__init__(vertical=True, name="vertical", thickness=thickness)
        self._segments: list[Segment] = []
        self._segments_for: tuple[object, ...] | None = None
        self._strips: dict[Segment, Strip] = {}
        self._painted = PaintedLines(64)
        self.line_count = 0  # lines drawn (not put back), for the render-budget tests

    def _bar(self) -> list[Segment]:
        """The bar's segments, a line each, as Textual draws them in its present state (none:
        a bar this class does not draw)."""
        renderer = self.render()
        if not isinstance(renderer, ScrollBarRender) or not isinstance(renderer.style, Style):
            return []
        state = (
            self.size,
            renderer.virtual_size,
            renderer.window_size,
            renderer.position,
            renderer.style,
        )
        if state != self._segments_for:
            self._segments_for = state
            bar = renderer.render_bar(
                size=self.size.height,
                virtual_size=renderer.virtual_size,
                window_size=renderer.window_size,
                position=renderer.position,
                thickness=self.size.width,
                vertical=True,
                # (ScrollBarRender's own defaults)
                back_color=renderer.style.bgcolor or Color.parse("#555555"),
                bar_color=renderer.style.color or Color.parse("bright_magenta"),
            )
            self._segments = list(bar.segments)
        return self._segments

    def fresh_lines(self, crop: Region) -> list[Strip]:
        segments = self._bar()
        if len(segments) != self.size.height:  # (not a bar this class draws: Textual's way)
            return super().render_lines(crop)

        def key(y: int) -> Segment | None:
            return segments[y] if 0 <= y < len(segments) else None

        return self._painted.render_lines(self, crop, key)

    def render_line(self, y: int) -> Strip:
        segments = self._segments  # (as render_lines has just drawn them up)
        if len(segments) != self.size.height or not 0 <= y < len(segments):
            return super().render_line(y)
        segment = segments[y]
        strip = self._strips.get(segment)
        if strip is None:
            self.line_count += 1
            text, style, _ = segment  # over the widget's own style, as Textual draws it
            base = self.visual_style.rich_style
            strip = Strip([Segment(text, base + style if style else base)], self.size.width)
            self._strips[segment] = strip
        return strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._painted.clear()

    def _on_resize(self, event: events.Resize) -> None:
        self._strips.clear()
        self._painted.clear()


@dataclass(frozen=True)
class Column:
    header: str
    width: int  # of its text, without the padding
    justify: JustifyMethod = "left"


class QueueTable(GivesSameLines, ScrollView, can_focus=True):
    """Rows of cells under a fixed header line, with a row cursor and zebra stripes."""

    ALLOW_SELECT = False
    BINDINGS: ClassVar[list[BindingType]] = [
        # The keys DataTable binds (the queue screens bind Enter too, not with priority: the
        # table takes it after any arrow key still in its queue).
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("left", "scroll_left", "Scroll left", show=False),  # (a table wider than
        Binding("right", "scroll_right", "Scroll right", show=False),  # the screen)
        Binding("ctrl+home,home", "cursor_first", "Top", show=False),
        Binding("ctrl+end,end", "cursor_last", "Bottom", show=False),
    ]
    DEFAULT_CSS = """
    QueueTable {
        background: $surface;
        color: $foreground;
        overflow-x: auto;
        overflow-y: auto;
        &:focus {
            background-tint: $foreground 5%;
            & > .queue-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .queue-table--header { background-tint: $foreground 5%; }
        }
        &:dark > .queue-table--even-row { background: $surface-darken-1 40%; }
        & > .queue-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .queue-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .queue-table--even-row { background: $surface-lighten-1 50%; }
        & > .queue-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "queue-table--header",
        "queue-table--even-row",
        "queue-table--cursor",
    }

    class RowHighlighted(Message):
        """The cursor is on another row (``key``: its document's id; None: no rows)."""

        def __init__(self, key: int | None) -> None:
            super().__init__()
            self.key = key

    class RowSelected(Message):
        """Enter on a row, or a click on it."""

        def __init__(self, key: int) -> None:
            super().__init__()
            self.key = key

    def __init__(
        self, *, id: str | None = None, on_highlight: Callable[[], None] | None = None
    ) -> None:
        super().__init__(id=id)
        # Called as the cursor reaches another row, before the table is painted again: what
        # it shows of the row is painted with it (a RowHighlighted handler would run after
        # that paint, and cost a second one).
        self._on_highlight = on_highlight
        self.columns: list[Column] = []
        self.rows: list[QueueRow] = []
        self.cursor_row = 0
        self._where: dict[int, int] = {}  # document id -> row index
        self._cache: LRUCache[tuple[int, bool], Strip] = LRUCache(1024)
        self._styles: dict[str, Style] = {}
        # Textual's painted lines by (row, cursor on it): -1 the header; at _painted_x.
        self._painted = PaintedLines(1024)
        self._painted_x = 0
        self.render_count = 0  # rows rendered (cache misses), for the render-budget tests

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Textual's property, with :class:`QueueScrollBar` for its own bar."""
        return own_vertical_scrollbar(self, QueueScrollBar)

    # ---- contents ------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def row_keys(self) -> list[int]:
        """The rows' document ids, top to bottom."""
        return [row.document_id for row in self.rows]

    @property
    def selected_key(self) -> int | None:
        return self.rows[self.cursor_row].document_id if self.rows else None

    def cell(self, row: int, column: int) -> Text:
        return self.rows[row].cells[column]

    def set_columns(self, columns: Sequence[Column]) -> None:
        if list(columns) != self.columns:
            self.columns = list(columns)
            self._forget_lines()
            self._resize()
            self.refresh()

    def set_rows(self, rows: Sequence[QueueRow], select: int | None = None) -> None:
        """Show ``rows`` (a new list, order or filter), the cursor on document ``select`` if it
        is among them (else on the first row)."""
        self.rows = list(rows)
        self._where = {row.document_id: index for index, row in enumerate(self.rows)}
        self._forget_lines()
        self._resize()
        self.cursor_row = 0
        self.scroll_to(y=0, animate=False, force=True)
        self.move_cursor(self._where.get(select, 0) if select is not None else 0, jump=True)
        self.refresh()
        self.post_message(self.RowHighlighted(self.selected_key))

    def update_rows(self, rows: Iterable[QueueRow]) -> int:
        """Put these rows in the place of the ones with their document ids (same order, same
        columns): only those among them in view are painted again. Returns how many were
        shown."""
        count = 0
        top, page = round(self.scroll_offset.y), self._page  # (Textual computes them anew)
        for row in rows:
            index = self._where.get(row.document_id)
            if index is None:
                continue
            self.rows[index] = row
            count += 1
            for cursor in (False, True):
                self._cache.discard((index, cursor))
                self._painted.discard((index, cursor))
            if top <= index < top + page:
                self._refresh_row(index)
        return count

    def _resize(self) -> None:
        self.virtual_size = Size(self._line_width(), len(self.rows) + 1)

    def _line_width(self) -> int:
        return sum(column.width + 2 * PADDING for column in self.columns)

    # ---- cursor --------------------------------------------------------------------------

    @property
    def _page(self) -> int:
        """How many rows the view shows (under the header)."""
        return max(self.scrollable_content_region.height - 1, 1)

    def _refresh_row(self, index: int) -> None:
        """Paint row ``index`` again, if in view: its line only, not the scroll bar beside it
        (ScrollView's ``refresh_lines`` takes the widget's whole width, and the scroll bar is
        costly to paint)."""
        y = index + 1 - round(self.scroll_offset.y)  # line 0 is the header
        if 0 < y < self.scrollable_content_region.height:
            self.refresh(Region(0, y, self.scrollable_content_region.width, 1))

    def move_cursor(self, row: int, *, jump: bool = False) -> None:
        """The cursor to row ``row`` (clamped), scrolled into view: as little as it takes for
        a step, with the row a third of the way down for a ``jump`` out of view."""
        if not self.rows:
            self.cursor_row = 0
            return
        row = min(max(row, 0), len(self.rows) - 1)
        old, self.cursor_row = self.cursor_row, row
        top, page = round(self.scroll_offset.y), self._page
        if row < top or row >= top + page:
            # A jump: a third of the way down; a step: as little as it takes.
            target = row - page // 3 if jump else row if row < top else row - page + 1
            self.scroll_to(y=max(target, 0), animate=False, force=True)
        if old != row:
            self._refresh_row(old)
            self._refresh_row(row)
            if self._on_highlight is not None:
                self._on_highlight()
            self.post_message(self.RowHighlighted(self.selected_key))

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self._page_by(-1)

    def action_page_down(self) -> None:
        self._page_by(1)

    def _page_by(self, direction: int) -> None:
        """A page on: the view scrolls by a page and the cursor with it (DataTable's way)."""
        page = self._page
        self.scroll_to(y=max(round(self.scroll_offset.y) + direction * page, 0), animate=False)
        self.move_cursor(self.cursor_row + direction * page)

    def action_cursor_first(self) -> None:
        self.move_cursor(0)

    def action_cursor_last(self) -> None:
        self.move_cursor(len(self.rows) - 1)

    def action_select_cursor(self) -> None:
        if self.rows:
            self.post_message(self.RowSelected(self.rows[self.cursor_row].document_id))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return  # the header
        index = round(self.scroll_offset.y) + offset.y - 1
        if 0 <= index < len(self.rows):
            self.move_cursor(index)
            self.post_message(self.RowSelected(self.rows[index].document_id))

    # ---- painting ------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._forget_lines()

    def _on_focus(self, event: events.Focus) -> None:
        super()._on_focus(event)
        self._styles.clear()
        self._forget_lines()

    def _on_blur(self, event: events.Blur) -> None:
        super()._on_blur(event)
        self._styles.clear()
        self._forget_lines()

    def _style(self, name: str) -> Style:
        """The widget's style ("base"), its even rows' ("even") or a component's."""
        style = self._styles.get(name)
        if style is None:
            if name == "base":
                style = self.rich_style
            elif name == "even":
                style = self._style("base") + self._style("even-row")
            else:
                style = self.get_component_rich_style(f"queue-table--{name}")
            self._styles[name] = style
        return style

    def _forget_lines(self) -> None:
        self._cache.clear()
        self._painted.clear()

    def fresh_lines(self, crop: Region) -> list[Strip]:
        scroll_x, top = round(self.scroll_offset.x), round(self.scroll_offset.y)
        if scroll_x != self._painted_x:
            self._painted_x = scroll_x
            self._painted.clear()

        def key(y: int) -> tuple[int, bool] | None:
            index = top + y - 1
            if y == 0 or not 0 <= index < len(self.rows):
                return (-1, False) if y == 0 else None
            return index, index == self.cursor_row

        return self._painted.render_lines(self, crop, key)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x = round(self.scroll_offset.x)
        if y == 0:
            index, cursor = -1, False
        else:
            index = round(self.scroll_offset.y) + y - 1
            if not 0 <= index < len(self.rows):
                return Strip.blank(width, self._style("base"))
            cursor = index == self.cursor_row
        key = (index, cursor)
        strip = self._cache.get(key)
        if strip is None or strip.cell_length < width:
            strip = self._render_row(index, cursor, width)
            self._cache[key] = strip
        if scroll_x or strip.cell_length > width:
            return strip.crop(scroll_x, scroll_x + width)
        return strip

    def _render_row(self, index: int, cursor: bool, width: int) -> Strip:
        """Row ``index`` (-1: the header), at least ``width`` cells wide."""
        if index < 0:
            style = self._style("base") + self._style("header")
            cells = [Text(column.header, justify=column.justify) for column in self.columns]
            return self._render_cells(cells, style, width)
        self.render_count += 1
        style = self._style("even" if index % 2 else "base")
        strip = self._render_cells(self.rows[index].cells, style, width)
        if cursor:  # over the cells' own styles, as DataTable draws its cursor
            cells_width = self._line_width()
            under = Segment.apply_style(
                strip.crop(0, cells_width), post_style=self._style("cursor")
            )
            strip = Strip([*under, *strip.crop(cells_width)], strip.cell_length)
        return strip

    def _render_cells(self, cells: Sequence[Text], style: Style, width: int) -> Strip:
        """One line: each cell cut or padded to its column's width (cut with an ellipsis
        where the cell asks for one), justified, with its padding; then blank to ``width``.
        Runs of one style are one segment (each segment costs the compositor's filters and
        the terminal's output on every paint)."""
        console = self.app.console
        texts: list[str] = []  # the current run, in `current` style
        current = style
        segments: list[Segment] = []

        def add(text: str, text_style: Style) -> None:
            nonlocal current
            if text_style is not current and text_style != current:
                if texts:
                    segments.append(Segment("".join(texts), current))
                    texts.clear()
                current = text_style
            texts.append(text)

        pad = " " * PADDING
        for column, cell in zip(self.columns, cells, strict=False):
            text = cell
            if cell.cell_len > column.width:
                text = cell.copy()
                text.truncate(
                    column.width, overflow="ellipsis" if cell.overflow == "ellipsis" else "crop"
                )
            room = column.width - text.cell_len
            justify = cell.justify or column.justify
            left = room if justify == "right" else room // 2 if justify == "center" else 0
            add(pad + " " * left, style)
            for part in text.render(console):
                add(part.text, style + part.style if part.style else style)
            add(" " * (room - left) + pad, style)
        line_width = self._line_width()
        if width > line_width:
            add(" " * (width - line_width), self._style("base"))
        if texts:
            segments.append(Segment("".join(texts), current))
        return Strip(segments, max(width, line_width))
