"""The small panes around the transcript: label legend, span (or question) list, status
line, and the question pinned above the transcript while the cursor is in its answer.

All text that comes from a transcript or a scheme is shown through ``rich.text.Text``, so
markup in it is displayed literally.
"""

from __future__ import annotations

from collections.abc import Mapping
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
from ..keymap import IN_MODE
from ..model import Question, Span
from ..scheme import Label, Scheme
from ..textindex import display_text, wrap_paragraph

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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: list[Line] = [[], [], []]
        self._document: tuple[int, str] | None = None  # the document the tooltip names
        self._strips: dict[int, Strip] = {}
        self.mode = "spans"  # the editor's mode: which keys the key bar shows

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
            strip = Strip(segments)
            if y == self.STATUS and strip.cell_length > width > 0:
                # Cut at the end, and shown to be: the rest of the document's title, which
                # the tooltip gives whole.
                strip = Strip.join([strip.crop(0, width - 1), Strip([Segment("…", base)])])
            strip = strip.crop_extend(0, width, base)
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
        self._set(self.LEGEND, [*_legend(scheme.labels), ("F1 guidelines", "dim")])

    def show_legend(self, editor: Editor, swatches: Mapping[str, str] | None = None) -> None:
        """The legend of the editor's mode: the span labels, how questions are drawn (the
        question pass: ``swatches`` are the transcript's styles of a proposed, a confirmed and
        the current question, and of the response region's bar), or the question codes and
        their keys (the coding pass)."""
        if editor.mode == "coding":
            unit = editor.scheme.unit("question")
            codable = [
                label
                for label in unit.labels
                if unit.selectable == "any" or not unit.children(label.id)
            ]
            units = editor.questions.units
            coded = sum(1 for question in units if question.id in editor.codes)
            line = [*_legend(codable), (f"{coded}/{len(units)} coded", "dim")]
        elif editor.mode == "questions":
            confirmed = sum(1 for q in editor.questions.all if q.status == "confirmed")
            swatches = swatches or {}
            line = [(" ", "")]
            for role, words, sample in (
                ("question-proposed", "proposed", " Q "),
                ("question-confirmed", "confirmed", " Q "),
                ("question-current", "current", " Q "),
                ("response", "its response region", "┃"),
            ):
                line += [(sample, swatches.get(role, "reverse")), (f" {words}   ", "")]
            line.append((f"{confirmed}/{len(editor.questions)} confirmed", "dim"))
        else:
            self.show_scheme(editor.scheme)
            return
        self._set(self.LEGEND, line)

    def show_editor(self, editor: Editor, message: str = "") -> None:
        turn = editor.turn_at(editor.cursor)
        selection = editor.selection
        selected = f"sel {selection[1] - selection[0]}" if selection else "no sel"
        here = editor.spans_at() if editor.mode == "spans" else []
        # Most useful first: a narrow terminal cuts the end (the document title).
        line: Line = [
            (" ", ""),
            (display_text(editor.reviewer or editor.annotator, keep_newlines=False), "bold"),
        ]
        if editor.mode != "spans":
            line.append((" │ ", ""))
            line.append((f" {editor.mode_name} ", "bold reverse"))
        line.append((f" │ {editor.unit} │ {selected}", ""))
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
            (f" │ {display_text(message, keep_newlines=False) or 'saved'}", "italic"),
            (f" │ {editor.status.replace('_', ' ')}", ""),
            (f" │ turn {turn.index + 1}/{len(editor.turns)} @{editor.cursor}", ""),
            (f" │ #{editor.id} " + display_text(editor.document.title, keep_newlines=False), ""),
        ]
        self._set(self.STATUS, line)
        document = (editor.id, editor.document.title)
        if document != self._document:
            self._document = document
            self.tooltip = literal_line(f"#{editor.id} {editor.document.title}")
        if editor.mode != self.mode:
            self.mode = editor.mode
            self.show_keys()

    def show_keys(self) -> None:
        """The main keys; in a question mode, the keys of that mode with what they do there."""
        line: Line = []
        seen: set[str] = set()
        meanings = IN_MODE.get(self.mode, {})
        for active in self.screen.active_bindings.values():
            binding = active.binding
            description = binding.description
            if meanings and binding.id and binding.id.startswith("annotate."):
                meaning = meanings.get(binding.id)
                if meaning is None or not meaning.show:
                    continue
                description = meaning.description
            elif not binding.show:
                continue
            if binding.action in seen:
                continue
            seen.add(binding.action)
            line.append((f" {self.app.get_key_display(binding)} ", "bold reverse"))
            line.append((f" {description} ", ""))
        self._set(self.KEYS, line)


def literal_line(text: str) -> Text:
    """Untrusted text (a title) as one line of a Rich ``Text``, never read as markup."""
    return Text(display_text(" ".join(text.split()), keep_newlines=False))


def _legend(labels: tuple[Label, ...] | list[Label]) -> Line:
    line: Line = [(" ", "")]
    for label in labels:
        if not label.deprecated:
            line += [("█", label.color), (f" {label.hotkey or '·'} ", "bold")]
            line += [(display_text(label.name, keep_newlines=False), ""), ("   ", "")]
    return line


class QuestionBar(Widget):
    """Above the transcript: the question whose response region holds the cursor (in the
    coding pass, the question or part being coded): its name, speaker and status, this
    annotator's code of it, and its text on two rows. Shown while the document has
    questions; repainted only when what it says changes.
    """

    DEFAULT_CSS = """
    QuestionBar { height: 3; background: $boost; }
    QuestionBar > .question-bar--name { color: $text-accent; text-style: bold; }
    QuestionBar > .question-bar--muted { color: $text-muted; }
    QuestionBar > .question-bar--code { text-style: bold; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "question-bar--name",
        "question-bar--muted",
        "question-bar--code",
    }
    TEXT_ROWS = 2

    def __init__(self) -> None:
        super().__init__()
        self._content: tuple[tuple[tuple[str, str], ...], str] = ((), "")
        self._strips: dict[int, Strip] = {}
        self._width = 0

    @property
    def heading(self) -> str:
        """The first row as text (for tests and the status of the question)."""
        return "".join(text for text, _ in self._content[0])

    @property
    def question_text(self) -> str:
        return self._content[1]

    def show(self, editor: Editor) -> None:
        question = editor.pinned()
        content = self._hint(editor) if question is None else self._describe(editor, question)
        if content != self._content:
            self._content = content
            self._strips.clear()
            self.refresh()

    @staticmethod
    def _hint(editor: Editor) -> tuple[tuple[tuple[str, str], ...], str]:
        if editor.mode == "spans":
            hint = (
                "Q: question pass, coding pass · a question shows here while the cursor is "
                "in its answer"
            )
        else:
            hint = "no question here · ] and [ step to the next and previous question"
        return ((f" {hint}", "muted"),), ""

    @staticmethod
    def _describe(editor: Editor, question: Question) -> tuple[tuple[tuple[str, str], ...], str]:
        index = editor.questions
        pieces: list[tuple[str, str]] = [(f" {question.name}", "name")]
        if question.parent_id is not None:
            parent = index.parent(question)
            siblings = index.parts_of(parent)
            position = siblings.index(question) + 1 if question in siblings else 0
            pieces.append((f" · part {position} of {len(siblings)} of {parent.name}", "muted"))
        speaker = display_text(editor.speaker_name(question.speaker) or "—", keep_newlines=False)
        pieces.append((f" · {speaker} · {question.status}", "muted"))
        parts = index.parts_of(question)
        if parts:
            coded = [
                f"{part.name} {editor.code_name(code.label) if code else '—'}"
                for part in parts
                for code in [editor.code_of(part)]
            ]
            pieces.append((" │ ", "muted"))
            pieces.append(("; ".join(coded), "code"))
        elif editor.scheme.has_unit("question"):
            code = editor.code_of(question)
            pieces.append((" │ code: ", "muted"))
            if code is None:
                pieces.append(("—", "muted"))
            else:
                pieces.append((editor.code_name(code.label), "code"))
                values = [
                    f"{key}={', '.join(map(str, value)) if isinstance(value, list) else value}"
                    for key, value in code.attributes.items()
                ]
                if values:
                    pieces.append((" (" + "; ".join(values) + ")", "muted"))
        pieces = [(display_text(text, keep_newlines=False), role) for text, role in pieces]
        text = " ".join(editor.text[question.start : question.end].split())
        return tuple(pieces), display_text(text, keep_newlines=False)

    def on_resize(self) -> None:
        self._strips.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        strip = self._strips.get(y)
        if strip is None or strip.cell_length != width:
            strip = self._paint(y, width)
            self._strips[y] = strip
        return strip

    def _paint(self, y: int, width: int) -> Strip:
        base = self.rich_style
        heading, text = self._content
        if y == 0:
            segments = [
                Segment(piece, base + self._role(role) if role else base) for piece, role in heading
            ]
            return Strip(segments).crop_extend(0, width, base)
        rows = wrap_paragraph(text, max(width - 2, 1)) if text else []
        row = y - 1
        if row >= len(rows) or row >= self.TEXT_ROWS:
            return Strip.blank(width, base)
        start, end = rows[row]
        shown = text[start:end].rstrip()
        if row == self.TEXT_ROWS - 1 and len(rows) > self.TEXT_ROWS:
            shown = shown[: max(width - 4, 0)] + " …"
        return Strip([Segment(f"  {shown}", base)]).crop_extend(0, width, base)

    def _role(self, role: str) -> Style:
        return self.get_component_rich_style(f"question-bar--{role}", partial=True)


# A bar line: pieces of text with a Rich style definition each ("" for none).
Line = list[tuple[str, str]]


@lru_cache(maxsize=256)
def _style(definition: str) -> Style:
    return Style.parse(definition) if definition else Style()


class SpanList(OptionList):
    """The document's spans in text order; choosing one jumps to it. In the question and
    coding passes, the questions instead, each with its status and this annotator's code."""

    DEFAULT_CSS = """
    SpanList { height: 1fr; border: round $panel; }
    """

    class Jump(Message):
        def __init__(self, span_id: int) -> None:
            super().__init__()
            self.span_id = span_id

    class JumpToQuestion(Message):
        def __init__(self, question_id: int) -> None:
            super().__init__()
            self.question_id = question_id

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
        speaker = editor.speaker_name(editor.turn_at(span.start).speaker)
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

    def show_questions(self, editor: Editor) -> None:
        """The questions around the cursor (parts under their question), with their codes."""
        questions = editor.questions.all
        current = editor.current_question() or editor.pinned()
        if current is not None:
            middle = questions.index(current)
        else:
            middle = next((i for i, q in enumerate(questions) if q.start >= editor.cursor), 0)
        first = max(min(middle - self.WINDOW // 2, len(questions) - self.WINDOW), 0)
        shown = questions[first : first + self.WINDOW]
        units = editor.questions.units
        coded = sum(1 for question in units if question.id in editor.codes)
        title = f"Questions {len(questions)}"
        if editor.scheme.has_unit("question"):
            title += f", {coded}/{len(units)} coded"
        self.border_title = title
        self.clear_options()
        self.add_options([Option(self._question_line(editor, q), id=f"q{q.id}") for q in shown])
        if current is not None:
            self.select_question(current.id)

    @staticmethod
    def _question_line(editor: Editor, question: Question) -> Text:
        line = Text("  " if question.is_part else "")
        line.append(question.name, style="bold")
        line.append(f" · {question.status}", style="dim" if question.status == "proposed" else "")
        parts = editor.questions.parts_of(question)
        if not parts and editor.scheme.has_unit("question"):
            code = editor.code_of(question)
            line.append(" · ")
            if code is None:
                line.append("not coded", style="dim")
            else:
                line.append(display_text(editor.code_name(code.label), keep_newlines=False))
        indent = "    " if question.is_part else "  "
        line.append(f"\n{indent}" + excerpt(editor.text, question.start, question.end))
        return line

    def select_span(self, span_id: int) -> None:
        with suppress(OptionDoesNotExist):  # the span is outside the listed window
            self.highlighted = self.get_option_index(str(span_id))

    def select_question(self, question_id: int) -> None:
        with suppress(OptionDoesNotExist):
            self.highlighted = self.get_option_index(f"q{question_id}")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id
        if option_id is None:
            return
        if option_id.startswith("q"):
            self.post_message(self.JumpToQuestion(int(option_id[1:])))
        else:
            self.post_message(self.Jump(int(option_id)))
