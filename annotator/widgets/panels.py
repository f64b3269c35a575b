"""The small panes around the transcript: label legend, span list and status line.

All text that comes from a transcript or a scheme is shown through ``rich.text.Text``, so
markup in it is displayed literally.
"""

from __future__ import annotations

from contextlib import suppress
from functools import lru_cache
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from ..editor import Editor
from ..model import Span
from ..scheme import Scheme
from ..textindex import display_text

EXCERPT = 48


def excerpt(text: str, start: int, end: int, limit: int = EXCERPT) -> str:
    """A one-line excerpt of ``text[start:end]``, safe to display."""
    piece = " ".join(text[start:end].split())
    if len(piece) > limit:
        piece = piece[: limit // 2 - 1] + " … " + piece[-(limit // 2 - 2) :]
    return display_text(piece, keep_newlines=False)


class BottomBar(Widget):
    """Three lines under the transcript: the label legend (hotkey, colour, name), the status
    (annotator, unit, selection, spans at the cursor, saved state, position, document) and
    the main keys as the screen's bindings and the user's keymap define them.

    One widget rather than three, and not Textual's Footer (a widget per key): the screen
    is repainted after every keystroke and each widget adds to that keystroke's CPU time.
    """

    DEFAULT_CSS = """
    BottomBar { height: 3; background: $panel; }
    BottomBar > .bottom-bar--status { background: $primary 30%; color: $text; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"bottom-bar--status"}

    LEGEND, STATUS, KEYS = range(3)

    def __init__(self) -> None:
        super().__init__()
        self._lines: list[Line] = [[], [], []]
        self._strips: dict[int, Strip] = {}

    def _set(self, y: int, line: Line) -> None:
        # Each line is its own strip: a keystroke repaints the status line alone.
        if line == self._lines[y]:
            return
        self._lines[y] = line
        self._strips.pop(y, None)
        self.refresh(Region(0, y, self.size.width, 1))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        strip = self._strips.get(y)
        if strip is None or strip.cell_length != width:
            if y == self.STATUS:
                base = self.get_component_rich_style("bottom-bar--status")
            else:
                base = self.rich_style
            # Segments straight from the pieces (no Rich rendering: this runs every key);
            # the theme's colours under every cell, each piece's style on top.
            pieces = self._lines[y] if y < len(self._lines) else []
            segments = [Segment(text, base + _style(style)) for text, style in pieces]
            strip = Strip(segments).crop_extend(0, width, base)
            self._strips[y] = strip
        return strip

    def on_resize(self) -> None:
        self._strips.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()  # a new theme

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _: self.show_keys())
        self.show_keys()

    def show_scheme(self, scheme: Scheme) -> None:
        line: Line = [(" ", "")]
        for label in scheme.labels:
            if not label.deprecated:
                line += [("█", label.color), (f" {label.hotkey or '·'} ", "bold")]
                line += [(display_text(label.name, keep_newlines=False), ""), ("   ", "")]
        self._set(self.LEGEND, [*line, ("F1 guidelines", "dim")])

    def show_editor(self, editor: Editor, message: str = "") -> None:
        turn = editor.turn_at(editor.cursor)
        selection = editor.selection
        selected = f"sel {selection[1] - selection[0]}" if selection else "no sel"
        here = editor.spans_at()
        # Most useful first: a narrow terminal cuts the end (the document title).
        line: Line = [
            (" ", ""),
            (display_text(editor.reviewer or editor.annotator, keep_newlines=False), "bold"),
            (f" │ {editor.unit} │ {selected}", ""),
        ]
        if here:
            line.append((" │ " + " ⊃ ".join(s.label for s in reversed(here)), "bold"))
            missing = editor.incomplete(here[0])
            if missing:
                # Imported without a required value: say what to fill in, and how.
                line.append((f" incomplete: needs {', '.join(missing)} (Enter)", "bold reverse"))
        progress = editor.progress()
        if progress:
            line.append((f" │ {progress}", ""))
        line += [
            (f" │ {message or 'saved'}", "italic"),
            (f" │ {editor.status.replace('_', ' ')}", ""),
            (f" │ turn {turn.index + 1}/{len(editor.turns)} @{editor.cursor}", ""),
            (f" │ #{editor.id} " + display_text(editor.document.title, keep_newlines=False), ""),
        ]
        self._set(self.STATUS, line)

    def show_keys(self) -> None:
        line: Line = []
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            line.append((f" {self.app.get_key_display(binding)} ", "bold reverse"))
            line.append((f" {binding.description} ", ""))
        self._set(self.KEYS, line)


# A bar line: pieces of text with a Rich style definition each ("" for none).
Line = list[tuple[str, str]]


@lru_cache(maxsize=256)
def _style(definition: str) -> Style:
    return Style.parse(definition) if definition else Style()


class SpanList(OptionList):
    """The document's spans in text order; choosing one jumps to it."""

    DEFAULT_CSS = """
    SpanList { height: 1fr; border: round $panel; }
    """

    class Jump(Message):
        def __init__(self, span_id: int) -> None:
            super().__init__()
            self.span_id = span_id

    WINDOW = 40  # spans listed around the cursor: rebuilding stays cheap on huge documents

    def show_spans(self, editor: Editor, current: int | None = None) -> None:
        names = {label.id: label for label in editor.scheme.labels}
        first, spans = editor.spans_near(self.WINDOW)
        total = len(editor.spans)
        self.border_title = (
            f"Spans {total}"
            if total <= self.WINDOW
            else f"Spans {first + 1}–{first + len(spans)} of {total}"
        )
        options = [Option(self._line(editor, span, names), id=str(span.id)) for span in spans]
        highlighted = self.highlighted
        self.clear_options()
        self.add_options(options)
        if current is not None:
            self.select_span(current)
        elif highlighted is not None and options:
            self.highlighted = min(highlighted, len(options) - 1)

    @staticmethod
    def _line(editor: Editor, span: Span, names: dict) -> Text:
        label = names.get(span.label)
        line = Text()
        line.append("█ ", style=label.color if label else "grey50")
        line.append(label.name if label else span.label, style="bold")
        speaker = editor.turn_at(span.start).speaker
        if speaker:
            line.append(f" · {display_text(speaker, keep_newlines=False)}", style="dim")
        line.append("\n  " + excerpt(editor.text, span.start, span.end))
        details = [
            f"{key}={', '.join(map(str, value)) if isinstance(value, list) else value}"
            for key, value in span.attributes.items()
        ]
        missing = editor.incomplete(span)
        if missing:
            details.insert(0, f"⚠ incomplete: needs {', '.join(missing)}")
        if span.note:
            details.append("note: " + excerpt(span.note, 0, len(span.note), 30))
        if details:
            line.append(
                "\n  " + display_text("; ".join(details), keep_newlines=False), style="italic"
            )
        return line

    def select_span(self, span_id: int) -> None:
        with suppress(OptionDoesNotExist):  # the span is outside the listed window
            self.highlighted = self.get_option_index(str(span_id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Jump(int(event.option.id)))
