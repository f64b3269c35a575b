"""The transcript pane: a virtualised line-API widget that paints an :class:`Editor`.

Only visible rows are rendered (``render_line``), each from a slice of the text and the
spans intersecting it (``docs/architecture.md``). Rows are cached by their content: row number,
width, the span-index version of their turn, the theme, and the overlays (cursor,
selection, search matches) that fall on them, so a cursor move repaints two rows and an
edit repaints only the rows of the spans it touched.

Painting overlapping spans: the background is the innermost (shortest) span's colour,
text under two or more spans is underlined, and a two-cell margin shows a bar in the colour
of each label present on the row, outermost first, so nesting stays visible. Suggestions
(another layer's spans on offer) are shown as italic, underlined text in their label's
colour.

Questions (in the question and coding passes): question text has a background of its own,
fainter while proposed than once confirmed; the question the keys act on is highlighted, and
the rows of its response region carry a bar in the margin. Each turn's header names its
speaker (the person the label names, with the label where they differ: ``Yvette Cooper
(SPEAKER_01)``, from :attr:`Editor.speaker_names`, read once per document) and the
questions that start in it, with their status (question pass) or this annotator's code
(coding pass). In the spans mode none of this is drawn.

Transcript text is untrusted: it is mapped through :func:`display_text` (control characters
become visible symbols) and emitted as plain ``Segment`` text, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from math import ceil
from typing import ClassVar

from rich.cells import cell_len
from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from ..editor import Editor, Range
from ..textindex import BLANK, HEADER, TEXT, WrapIndex, display_text, segments
from .painted import GivesSameLines, own_vertical_scrollbar

GUTTER = 2  # margin markers for the labels on a row
# A stretch of a row drawn over the spans: "cursor", "selection", "match", "focus", a
# question or a part by its status ("question-proposed", "part-confirmed", ...), the one the
# keys act on ("question-current"), the response
# region of the current question ("response": the margin only), or a suggestion with its
# tone (("suggestion", tone)).
Overlay = tuple[int, int, "str | tuple[str, str]"]
# How a review colours the annotators' undecided spans (Editor.suggestion_tone): by state,
# the most pressing first where they overlap.
STATE_TONES = (
    "state-label", "state-boundary", "state-attributes", "state-partial", "state-agree"
)  # fmt: skip
MIN_WIDTH = 8
QUESTION_OVERLAYS = ("question-proposed", "question-confirmed", "question-current")


_TONE_RANK = {tone: rank for rank, tone in enumerate(STATE_TONES)}


def label_fill(background: Color, color: Color) -> Style:
    """A span's fill: a tint rather than paint, so text stays readable on any theme."""
    tint = background.blend(color, 0.45)
    return Style(bgcolor=tint.rich_color, color=tint.get_contrast_text(1.0).rich_color)


def _fitted(segments: list[Segment], width: int, style: Style) -> Strip:
    """``Strip(segments).crop_extend(0, width, style)`` without the strip in between (a
    PageDown paints 47 rows: each strip made is time, and more for the cycle collector)."""
    cells = sum(cell_len(segment.text) for segment in segments)
    if cells > width:
        return Strip(segments).crop(0, width)
    if cells < width:
        segments.append(Segment(" " * (width - cells), style))
    return Strip(segments, width)


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


class ThumbScrollBar(GivesSameLines, ScrollBar):
    """A vertical scroll bar repainted only when its thumb moves on screen.

    Textual repaints a scroll bar, every row of it, at each change of position; on a
    150,000-row document the thumb moves one eighth of a cell every few hundred rows, so
    a held Down key would repaint the whole bar for nothing on every key.
    """

    position: Reactive[float] = Reactive(0, repaint=False)

    def __init__(self, *, thickness: int = 1) -> None:
        super().__init__(vertical=True, name="vertical", thickness=thickness)
        self._thumb: tuple[int, int, int] | None = None
        self.paint_count = 0  # times repainted, for the render-budget test

    def watch_position(self) -> None:
        thumb = self._thumb_cells()
        if thumb != self._thumb:
            self.refresh()

    def _thumb_cells(self) -> tuple[int, int, int]:
        """Where ScrollBarRender draws the thumb, in eighths of a cell (its arithmetic)."""
        size, virtual = self.size.height, ceil(self.window_virtual_size)
        window = ceil(self.window_size if self.window_size < self.window_virtual_size else 0)
        if not (window and size and virtual and size != virtual):
            return size, 0, 0
        thumb = max(1, window / (virtual / size))
        top = (size - thumb) * (self.position / (virtual - window))
        start = int(top * 8)
        return size, start, start + ceil(thumb * 8)

    def render(self) -> RenderableType:
        self._thumb = self._thumb_cells()
        self.paint_count += 1
        return super().render()


class TranscriptView(GivesSameLines, ScrollView, can_focus=True, inherit_bindings=False):
    """Draws the editor's document; the screen moves the cursor and tells it what changed.

    It inherits no bindings: the arrow and paging keys that scroll a plain ScrollView move
    the cursor here, through the screen's bindings.
    """

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    TranscriptView {
        scrollbar-gutter: stable;
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
        color: $foreground;
    }
    TranscriptView > .transcript--speaker { color: $text-accent; text-style: bold; }
    TranscriptView > .transcript--time { color: $text-muted; }
    TranscriptView > .transcript--selection { background: $primary 45%; }
    TranscriptView > .transcript--match { background: $warning 55%; }
    TranscriptView > .transcript--focus { text-style: bold; }
    TranscriptView > .transcript--state-agree { color: $success; }
    TranscriptView > .transcript--state-label { color: $error; }
    TranscriptView > .transcript--state-boundary { color: $warning; }
    TranscriptView > .transcript--state-attributes { color: magenta; }
    TranscriptView > .transcript--state-partial { color: $primary; }
    TranscriptView > .transcript--question-proposed { background: $secondary 30%; }
    TranscriptView > .transcript--question-confirmed {
        background: $secondary 70%; color: $text;
    }
    TranscriptView > .transcript--question-current {
        background: $accent 45%; color: $text; text-style: bold;
    }
    TranscriptView > .transcript--question-name { color: $text-accent; text-style: bold; }
    TranscriptView > .transcript--question-detail { color: $text-muted; }
    TranscriptView > .transcript--response { color: $accent; }
    TranscriptView > .transcript--cursor { text-style: reverse; }
    TranscriptView:focus > .transcript--cursor { text-style: reverse bold; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "transcript--speaker",
        "transcript--time",
        "transcript--selection",
        "transcript--match",
        "transcript--focus",
        *(f"transcript--{tone}" for tone in STATE_TONES),
        *(f"transcript--{name}" for name in QUESTION_OVERLAYS),
        "transcript--question-name",
        "transcript--question-detail",
        "transcript--response",
        "transcript--cursor",
    }

    class Clicked(Message):
        """The user clicked or dragged to ``offset``; ``extend`` when dragging."""

        def __init__(self, offset: int, extend: bool) -> None:
            super().__init__()
            self.offset = offset
            self.extend = extend

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.editor: Editor | None = None
        self.wrap: WrapIndex | None = None
        self._cache: LRUCache[tuple, Strip] = LRUCache(2048)
        self._styles: dict[tuple, Style] = {}
        self._swatches: dict[str, str] = {}  # the legend's samples of the question styles
        self._label_colors: dict[str, Color] = {}
        self._dragging = False
        self.render_count = 0  # rows rendered, for the render-budget test
        self.line_count = 0  # lines asked for (rendered or from the cache), the same
        self.scroll_count = 0  # scrolls whose painted lines were kept, shifted
        # The highlighted question as last painted: (id, text range, response region).
        self._focus: tuple[int, Range, Range] | None = None

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """The scroll bar, repainted only when its thumb moves (Textual's property, with
        :class:`ThumbScrollBar` for its own)."""
        return own_vertical_scrollbar(self, ThumbScrollBar)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Scrolled: the rows still in view moved, unchanged. Textual would paint every row
        again (as ScrollView does); the lines it painted are kept, shifted, and only the rows
        scrolled into view are painted (a held Down key: one row a key)."""
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = new_value
        shift = round(new_value) - round(old_value)
        if not shift:
            return
        height = self.size.height
        # Textual's line cache (pinned Textual; tests/ui/test_keystroke_budget.py checks the
        # lines kept are what a fresh paint gives). Without it, paint the whole view.
        painted = getattr(self._styles_cache, "_cache", None)
        dirty = getattr(self._styles_cache, "_dirty_lines", None)
        if not isinstance(painted, dict) or not isinstance(dirty, set):
            self.refresh(self.size.region)
            return
        kept = {
            y - shift: strip
            for y, strip in painted.items()
            if y not in dirty and 0 <= y - shift < height
        }
        # The screen redraws the rows of text (not the scroll bar's column: it repaints
        # itself when its thumb moves), from...
        self.refresh(Region(0, 0, self.scrollable_content_region.width, height))
        painted.clear()  # ...the lines kept, and the rows new in view painted
        painted.update(kept)
        dirty.update(range(height))
        dirty.difference_update(kept)
        self.scroll_count += 1

    # ---- document and layout -------------------------------------------------------------

    def show(self, editor: Editor) -> None:
        """Display another document (or the same one reloaded)."""
        self.editor = editor
        self.wrap = None
        self._label_colors = {label.id: Color.parse(label.color) for label in editor.scheme.labels}
        self._forget_styles()
        self._focus = None
        self._rewrap()  # the cursor in view, a third of the way down

    def mode_changed(self) -> None:
        """The editor changed mode: questions are drawn or not, everywhere."""
        self._focus = self._current_focus()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._rewrap()

    def _text_width(self) -> int:
        return self.scrollable_content_region.width - GUTTER

    def _rewrap(self) -> None:
        """The only place that wraps: on a new document or a new width (never in render).

        The cursor stays in view: on the same row of the screen as before a new width (the
        span list shown or hidden, the terminal resized), or, on a new document or when it
        was off screen, a third of the way down.
        """
        width = self._text_width()
        if self.editor is None or width < MIN_WIDTH:
            return
        if self.wrap is not None and self.wrap.width == width:
            return
        screen_row: int | None = None
        if self.wrap is None:
            self.wrap = WrapIndex(self.editor.text, self.editor.turns, width)
        else:
            screen_row = self.wrap.row_of_offset(self.editor.cursor) - self.scroll_offset.y
            self.wrap = self.wrap.with_width(width)
        self._cache.clear()
        self.virtual_size = Size(width + GUTTER, self.wrap.height)
        height = self.scrollable_content_region.height
        if screen_row is not None and 0 <= screen_row < height:
            row = self.wrap.row_of_offset(self.editor.cursor)
            self._scroll_y(row - screen_row)
        else:
            self.scroll_to_cursor(center=True)
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_styles()

    def _forget_styles(self) -> None:
        self._styles.clear()
        self._swatches = {}
        self._cache.clear()

    # ---- what changed --------------------------------------------------------------------

    def refresh_ranges(self, ranges: Iterable[Range]) -> None:
        """Repaint the rows showing any of these ``[start, end)`` text ranges (and the header
        of the turn each starts in, which names the questions starting there)."""
        if self.wrap is None or self.editor is None:
            return
        headers = self.editor.mode != "spans" and self.wrap.header_rows > 0
        rows: list[range] = []
        for start, end in ranges:
            rows.append(self.wrap.rows_for_range(start, max(end, start + 1)))
            if headers:
                header = self.wrap.turn_rows(self.editor.turn_at(start).index).start
                rows.append(range(header, header + 1))
        self._refresh_rows(rows + self._refocus())

    def _refresh_rows(self, rows: list[range]) -> None:
        """Repaint those of ``rows`` in view, in one refresh (each refresh costs Textual some
        work of its own). Textual's ``refresh_lines`` marks rows out of view too, and the
        screen repaints the lines of the widgets below or above the view there."""
        top, height = self.scroll_offset.y, self.size.height
        width = self.scrollable_content_region.width  # (the scroll bar repaints itself)
        regions = []
        for shown in rows:
            first, last = max(shown.start, top), min(shown.stop, top + height)
            if last > first:
                regions.append(Region(0, first - top, width, last - first))
        if regions:
            self.refresh(*regions)

    def question_swatches(self) -> dict[str, str]:
        """How questions are drawn, as Rich style definitions (for the legend)."""
        if self._swatches:
            return self._swatches
        base = self.rich_style
        swatches = {}
        for name in QUESTION_OVERLAYS:
            style = base + self._tint(name)
            swatches[name] = str(style)
        swatches["response"] = str(base + self.get_component_rich_style("transcript--response"))
        self._swatches = swatches
        return swatches

    def _current_focus(self) -> tuple[int, Range, Range] | None:
        editor = self.editor
        question = editor.current_question() if editor is not None else None
        if editor is None or question is None:
            return None
        region = editor.questions.parent(question).response
        return question.id, (question.start, question.end), region

    def _refocus(self) -> list[range]:
        """The rows to repaint for the highlighted question: the old and the new one's (and
        their response regions') when the question the keys act on changed."""
        focus = self._current_focus()
        if focus == self._focus or self.wrap is None:
            return []
        old, self._focus = self._focus, focus
        ranges: list[Range] = []
        for entry in (old, focus):
            if entry is not None:
                ranges += [entry[1], entry[2]]
        return [self.wrap.rows_for_range(start, end) for start, end in ranges if end > start]

    def cursor_moved(self, old_cursor: int, old_selection: Range | None) -> None:
        """Repaint the old and new cursor rows and the edges where the selection changed."""
        editor = self.editor
        if editor is None or self.wrap is None:
            return
        ranges: list[Range] = [(old_cursor, old_cursor + 1), (editor.cursor, editor.cursor + 1)]
        new_selection = editor.selection
        if old_selection != new_selection:
            if old_selection is None or new_selection is None:
                ranges.append(old_selection or new_selection)  # type: ignore[arg-type]
            else:
                (a, b), (c, d) = old_selection, new_selection
                ranges += [(min(a, c), max(a, c)), (min(b, d), max(b, d))]
        self.refresh_ranges(r for r in ranges if r[1] > r[0])
        self.scroll_to_cursor()

    def scroll_to_range(self, start: int, end: int) -> None:
        """Bring ``[start, end)`` into view (a question stepped to: all of it, if it fits)."""
        if self.wrap is None:
            return
        rows = self.wrap.rows_for_range(start, max(end, start + 1))
        top, height = self.scroll_offset.y, self.scrollable_content_region.height
        first = max(rows.start - self.wrap.header_rows, 0)  # with its turn's header
        if first < top:
            self._scroll_y(first)
        elif rows.stop > top + height:
            self._scroll_y(min(rows.stop - height, first))

    def scroll_to_cursor(self, center: bool = False) -> None:
        """Bring the cursor's row into view: scrolled as little as it takes when it stepped
        just out of view, else (a jump: a search match, a document opened, the cursor
        restored; or ``center``) with a third of the view above it, as context."""
        if self.editor is None or self.wrap is None:
            return
        row = self.wrap.row_of_offset(self.editor.cursor)
        top, height = self.scroll_offset.y, self.scrollable_content_region.height
        near = max(height // 2, 1)  # how far out of view still scrolls as little as it takes
        if center or row < top - near or row >= top + height + near:
            self._scroll_y(row - height // 3)
        elif row < top:
            self._scroll_y(row)
        elif row >= top + height:
            self._scroll_y(row - height + 1)

    def _scroll_y(self, y: int) -> None:
        """Scroll to row ``y`` now. Forced: right after a new document or width, the scroll
        bar may not be laid out yet, and Textual drops a scroll of a view without one (the
        cursor restored far down would stay off screen until the next key)."""
        self.scroll_to(y=max(y, 0), animate=False, force=True)

    def page(self, direction: int) -> int:
        """Scroll a page and return the text offset the cursor should move to."""
        assert self.wrap is not None and self.editor is not None
        height = max(self.scrollable_content_region.height - 1, 1)
        row = self.wrap.row_of_offset(self.editor.cursor)
        column = self.wrap.cell_x(self.editor.cursor)
        target = min(max(row + direction * height, 0), self.wrap.height - 1)
        self._scroll_y(self.scroll_offset.y + direction * height)
        return self.wrap.offset_at(self._text_row(target, direction), column)

    def vertical(self, direction: int, column: int | None) -> tuple[int, int]:
        """The offset one visual row up or down, keeping ``column``; returns (offset, column)."""
        assert self.wrap is not None and self.editor is not None
        row = self.wrap.row_of_offset(self.editor.cursor)
        if column is None:
            column = self.wrap.cell_x(self.editor.cursor)
        target = self._text_row(row + direction, direction)
        if target == row:
            return self.editor.cursor, column
        return self.wrap.offset_at(target, column), column

    def _text_row(self, y: int, direction: int) -> int:
        """The nearest text row at or beyond ``y`` going in ``direction`` (skips headers)."""
        assert self.wrap is not None
        step = 1 if direction >= 0 else -1
        y = min(max(y, 0), self.wrap.height - 1)
        probe = y
        while 0 <= probe < self.wrap.height:
            if self.wrap.row(probe).kind not in (HEADER, BLANK):
                return probe
            probe += step
        probe = y
        while 0 <= probe < self.wrap.height:
            if self.wrap.row(probe).kind not in (HEADER, BLANK):
                return probe
            probe -= step
        return y

    # ---- mouse ---------------------------------------------------------------------------

    def _offset_at(self, event: events.MouseEvent) -> int | None:
        if self.wrap is None:
            return None
        point = event.get_content_offset_capture(self)
        y = self._text_row(self.scroll_offset.y + point.y, 1)
        return self.wrap.offset_at(y, max(point.x - GUTTER, 0))

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1 or event.get_content_offset(self) is None:
            return
        offset = self._offset_at(event)
        if offset is not None:
            self._dragging = True
            self.capture_mouse()
            self.post_message(self.Clicked(offset, extend=event.shift))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._dragging and event.button == 1:
            offset = self._offset_at(event)
            if offset is not None:
                self.post_message(self.Clicked(offset, extend=True))

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()

    # ---- painting ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        self.line_count += 1
        width = self.scrollable_content_region.width
        editor, wrap = self.editor, self.wrap
        vy = self.scroll_offset.y + y
        if editor is None or wrap is None or vy >= wrap.height:
            return Strip.blank(width, self._component())
        row = wrap.row(vy)
        overlays: tuple[Overlay, ...] = ()
        questions: tuple[tuple[str, str, str], ...] = ()
        if row.kind == TEXT:
            overlays = self._overlays(vy, row.start, row.end)
        elif row.kind == HEADER and editor.mode != "spans":
            questions = self._header_questions(row.turn)
        key = (vy, width, editor.index.version(row.turn), overlays, questions)
        strip = self._cache.get(key)
        if strip is None:
            self.render_count += 1
            strip = self._render_row(row, overlays, width, questions)
            self._cache[key] = strip
        return strip

    def _overlays(self, vy: int, start: int, end: int) -> tuple[Overlay, ...]:
        """Cursor, selection and matches on row ``vy`` showing ``[start, end)``. The cursor
        may sit just after the row's text, on the line break that ends its paragraph."""
        editor, wrap = self.editor, self.wrap
        assert editor is not None and wrap is not None
        found: list[Overlay] = []
        selection = editor.selection
        if selection and selection[0] < end and start < selection[1]:
            found.append((max(selection[0], start), min(selection[1], end), "selection"))
        for a, b in editor.matches_in(start, end):
            found.append((max(a, start), min(b, end), "match"))
        for a, b in editor.focus_in(start, end):
            found.append((max(a, start), min(b, end), "focus"))
        if editor.suggestions and end > start:
            for ref in editor.suggestion_index.in_range(start, end):
                tone = editor.suggestion_tone(ref.key, ref.label)
                found.append((max(ref.start, start), min(ref.end, end), ("suggestion", tone)))
        if editor.mode != "spans" and editor.questions:
            found += self._question_overlays(start, end)
        if wrap.row_of_offset(editor.cursor) == vy:
            found.append((editor.cursor, editor.cursor + 1, "cursor"))
        return tuple(found)

    def _question_overlays(self, start: int, end: int) -> list[Overlay]:
        """The questions on a row, the highlighted one, and its response region's margin."""
        editor = self.editor
        assert editor is not None
        found: list[Overlay] = []
        current = editor.current_question()
        for question in editor.questions.in_range(start, max(end, start + 1)):
            a, b = max(question.start, start), min(question.end, end)
            if b > a:
                # A part's status shows over its question's (drawn under it).
                kind = "part" if question.is_part else "question"
                found.append((a, b, f"{kind}-{question.status}"))
                if current is not None and question.id == current.id:
                    found.append((a, b, "question-current"))
        if current is not None:
            region_start, region_end = editor.questions.parent(current).response
            if region_start < max(end, start + 1) and start < region_end:
                found.append((start, start, "response"))
        return found

    def _header_questions(self, turn_index: int) -> tuple[tuple[str, str, str], ...]:
        """What a turn's header says about the questions starting in the turn: each one's
        name, and its status (question pass) or this annotator's code (coding pass)."""
        editor = self.editor
        assert editor is not None
        turn = editor.turns[turn_index]
        shown = []
        for question in editor.questions.starting_in(turn.start, turn.end):
            if editor.mode == "coding":
                if editor.questions.parts_of(question):
                    detail = ""
                else:
                    code = editor.code_of(question)
                    detail = editor.code_name(code.label) if code else "—"
            else:
                detail = question.status
            shown.append((question.name, detail, question.status))
        return tuple(shown)

    def _render_row(
        self,
        row,
        overlays: tuple[Overlay, ...],
        width: int,
        questions: tuple[tuple[str, str, str], ...] = (),
    ) -> Strip:
        editor = self.editor
        assert editor is not None
        base = self._component()
        if row.kind == HEADER:
            return self._header(row.turn, width, questions)
        if row.kind == BLANK:
            return Strip.blank(width, base)
        refs = editor.index.in_range(row.start, max(row.end, row.start + 1))
        # The margin: the current question's response region, then one bar per label on
        # the row, outermost span first.
        gutter: list[Segment] = []
        if any(name == "response" for _, _, name in overlays):
            gutter.append(Segment("┃", self._component("transcript--response")))
        by_length = sorted(refs, key=lambda ref: ref.start - ref.end)
        labels = list(dict.fromkeys(ref.label for ref in by_length))[: GUTTER - len(gutter)]
        gutter += [Segment("▍", self._label_style(label, "bar")) for label in labels]
        gutter.append(Segment(" " * (GUTTER - len(gutter)), base))
        pieces = segments(
            row.start,
            max(row.end, max((o[1] for o in overlays), default=row.end)),
            [(ref.start, ref.end, ref) for ref in refs],
            [(a, b, name) for a, b, name in overlays if b > a],
        )
        text = editor.text
        out = gutter
        for piece in pieces:
            chunk = display_text(text[piece.start : piece.end], keep_newlines=False)
            if piece.start >= row.end:
                chunk = " "  # the cursor parked after the row's last character
            out.append(Segment(chunk, self._piece_style(piece.labels, piece.overlays)))
        return _fitted(out, width, base)

    def _header(
        self, turn_index: int, width: int, questions: tuple[tuple[str, str, str], ...] = ()
    ) -> Strip:
        assert self.editor is not None
        turn = self.editor.turns[turn_index]
        # The person the label names, and the label where it differs; shown literally.
        speaker = display_text(self.editor.speaker_name(turn.speaker) or "—", keep_newlines=False)
        parts = [
            Segment(" " * GUTTER, self._component()),
            Segment(speaker, self._component("transcript--speaker")),
        ]
        if turn.start_time is not None:
            clock = _clock(turn.start_time)
            if turn.end_time is not None:
                clock += f"–{_clock(turn.end_time)}"
            parts.append(Segment(f"  {clock}", self._component("transcript--time")))
        name_style = self._component("transcript--question-name")
        detail_style = self._component("transcript--question-detail")
        for name, detail, _status in questions:
            parts.append(Segment(f"  {name}", name_style))
            if detail:
                parts.append(Segment(f" {display_text(detail, keep_newlines=False)}", detail_style))
        return _fitted(parts, width, self._component())

    def _component(self, name: str = "") -> Style:
        """The view's own style (``""``) or a component's (``"transcript--speaker"``), kept
        until the styles change: Textual works each out anew from the CSS on every call, and
        rows are painted on every key."""
        key = ("component", name)
        style = self._styles.get(key)
        if style is None:
            style = self.get_component_rich_style(name) if name else self.rich_style
            self._styles[key] = style
        return style

    def _label_style(self, label: str, role: str) -> Style:
        key = (label, role)
        style = self._styles.get(key)
        if style is None:
            color = self._label_colors.get(label, Color(128, 128, 128))
            background = (
                Color.from_rich_color(self.rich_style.bgcolor)
                if self.rich_style.bgcolor
                else Color(0, 0, 0)
            )
            if role == "bar":
                style = Style(color=color.rich_color, bgcolor=background.rich_color)
            else:
                style = label_fill(background, color)
            self._styles[key] = style
        return style

    def _tint(self, name: str) -> Style:
        """A component style whose background has an alpha (``$secondary 30%``), blended
        over the view's background: the partial style alone would drop the alpha."""
        component = f"transcript--{name}"
        blended = self.get_component_rich_style(component).bgcolor
        return self.get_component_rich_style(component, partial=True) + Style(bgcolor=blended)

    def _piece_style(self, refs: frozenset, overlays: frozenset) -> Style:
        key = (
            "piece",
            min(refs, key=lambda r: r.end - r.start).label if refs else None,
            len(refs) > 1,
            overlays,
        )
        style = self._styles.get(key)
        if style is None:
            style = self.rich_style
            label = key[1]
            if label is not None:
                style += self._label_style(label, "fill")
            if key[2]:
                style += Style(underline=True)
            suggested = [name[1] for name in overlays if isinstance(name, tuple)]
            if suggested:
                # Suggestions colour the text (own spans colour the background): in their
                # label's colour, or in a review, in the colour of their state.
                tone = min(suggested, key=lambda t: (_TONE_RANK.get(t, len(STATE_TONES)), t))
                if tone in STATE_TONES:
                    style += self.get_component_rich_style(f"transcript--{tone}", partial=True)
                else:
                    color = self._label_colors.get(tone, Color(128, 128, 128))
                    style += Style(color=color.rich_color)
                style += Style(italic=True, underline=True)
            statuses = [
                status
                for kind in ("part", "question")  # a part's status over its question's
                for status in ("proposed", "confirmed")
                if f"{kind}-{status}" in overlays
            ]
            if statuses:
                style += self._tint(f"question-{statuses[0]}")
                if "question-current" in overlays:
                    style += self._tint("question-current")
            for name in ("focus", "match", "selection", "cursor"):
                if name in overlays:
                    style += self.get_component_rich_style(f"transcript--{name}", partial=True)
            self._styles[key] = style
        return style
