"""The small panes around the transcript: label legend, span (or question) list, status
line, and the question pinned above the transcript while the cursor is in its answer.

All text that comes from a transcript or a scheme is shown through ``rich.text.Text``, so
markup in it is displayed literally.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from functools import lru_cache
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from ..editor import Editor
from ..keymap import IN_MODE
from ..model import Question, Span
from ..scheme import Label, Scheme
from ..textindex import display_text, wrap_paragraph
from .painted import GivesSameLines

EXCERPT = 48


def excerpt(text: str, start: int, end: int, limit: int = EXCERPT) -> str:
    """A one-line excerpt of ``text[start:end]``, safe to display."""
    piece = " ".join(text[start:end].split())
    if len(piece) > limit:
        piece = piece[: limit // 2 - 1] + " … " + piece[-(limit // 2 - 2) :]
    return display_text(piece, keep_newlines=False)


class BottomBar(GivesSameLines, Widget):
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
        self._bases: dict[int, Style] = {}  # each line's style under its pieces
        self.mode = "spans"  # the editor's mode: which keys the key bar shows

    def _set(self, y: int, line: Line) -> None:
        # Each line is its own strip: a keystroke repaints the status line alone, and of it
        # only the cells that changed (the screen repaints every widget across the columns
        # of what changed: the whole width would take the span list in, on every key).
        old = self._lines[y]
        if line == old:
            return
        self._lines[y] = line
        self._strips.pop(y, None)
        width = self.size.width
        start, end = _changed_cells(old, line)
        if end is None or end >= width:  # (the end may shift, or be cut to "…")
            end = width
        start = min(start, max(width - 1, 0))
        self.refresh(Region(start, y, end - start, 1))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        strip = self._strips.get(y)
        if strip is None or strip.cell_length != width:
            base = self._bases.get(y)
            if base is None:  # (Textual works it out from the CSS anew on each call)
                if y == self.STATUS:
                    base = self.get_component_rich_style("bottom-bar--status")
                else:
                    base = self.rich_style
                self._bases[y] = base
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
        self._bases.clear()

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


class QuestionBar(GivesSameLines, Widget):
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


def _changed_cells(old: Line, new: Line) -> tuple[int, int | None]:
    """The cells ``[start, end)`` where ``new`` is drawn otherwise than ``old``, by whole
    pieces; ``end`` None when the pieces after the change moved (to the line's end)."""
    same = 0
    for before, after in zip(old, new, strict=False):
        if before != after:
            break
        same += 1
    start = sum(cell_len(text) for text, _ in new[:same])
    length = sum(cell_len(text) for text, _ in new)
    if sum(cell_len(text) for text, _ in old) != length:
        return start, None
    end = length
    for before, after in zip(reversed(old[same:]), reversed(new[same:]), strict=False):
        if before != after:
            break
        end -= cell_len(after[0])
    return start, end


@lru_cache(maxsize=256)
def _style(definition: str) -> Style:
    return Style.parse(definition) if definition else Style()


class SpanList(GivesSameLines, ScrollView, can_focus=True):
    """The document's spans in text order, all of them; choosing one jumps to it. In the
    question and coding passes, the questions instead, each with its status and this
    annotator's code.

    A line-API list (as the transcript view is): each entry is a fixed number of rows, and
    only the rows in view are painted, from the editor's own span order (kept up to date as
    spans change), so a document with 100,000 spans lists them all at the cost of one
    screenful. Entries come from untrusted text: appended to ``rich.text.Text`` as plain
    text, never parsed as markup.
    """

    DEFAULT_CSS = """
    SpanList {
        height: 1fr;
        border: round $panel;
        padding: 0 1;
        scrollbar-gutter: stable;
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
    }
    SpanList > .span-list--highlighted {
        color: $block-cursor-blurred-foreground;
        background: $block-cursor-blurred-background;
        text-style: $block-cursor-blurred-text-style;
    }
    SpanList:focus > .span-list--highlighted {
        color: $block-cursor-foreground;
        background: $block-cursor-background;
        text-style: $block-cursor-text-style;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"span-list--highlighted"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "step(1)", show=False),
        Binding("up", "step(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("home", "first", show=False),
        Binding("end", "last", show=False),
        Binding("enter", "choose", show=False),
    ]
    SPAN_ROWS = 3  # label and speaker; the excerpt; attributes, note (or blank)
    QUESTION_ROWS = 2  # name, status and code; the excerpt

    class Jump(Message):
        def __init__(self, span_id: int) -> None:
            super().__init__()
            self.span_id = span_id

    class JumpToQuestion(Message):
        def __init__(self, question_id: int) -> None:
            super().__init__()
            self.question_id = question_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.editor: Editor | None = None
        self.mode = "spans"  # or "questions": what the entries are
        self.highlighted: int | None = None  # the entry highlighted, by rank
        self._count = 0
        self._names: dict[str, Label] = {}
        # Painted entries by rank: (the span or question, highlighted, width) and its rows.
        self._entries: LRUCache[int, tuple[tuple, list[Strip]]] = LRUCache(256)
        self.render_count = 0  # entries painted, for the render-budget test

    # ---- what is listed ------------------------------------------------------------------

    @property
    def option_count(self) -> int:
        """How many entries the list has (spans, or questions)."""
        return self._count

    @property
    def _rows(self) -> int:
        return self.SPAN_ROWS if self.mode == "spans" else self.QUESTION_ROWS

    def _item(self, rank: int) -> Span | Question | None:
        """The entry at ``rank``, or None past the editor's entries: a frame painted between
        an edit and the list hearing of it (a merge leaves fewer spans) paints a blank."""
        assert self.editor is not None
        if self.mode == "spans":
            order = self.editor.span_order
            return self.editor.spans[order[rank][1]] if rank < len(order) else None
        questions = self.editor.questions.all
        return questions[rank] if rank < len(questions) else None

    def show_spans(self, editor: Editor, current: int | None = None) -> None:
        """List the editor's spans (again: after an edit, what changed is painted anew; the
        highlighted span stays highlighted)."""
        kept = self._highlighted_id() if self.editor is editor and self.mode == "spans" else None
        fresh = self.editor is not editor or self.mode != "spans"
        self.editor, self.mode = editor, "spans"
        self._names = {label.id: label for label in editor.scheme.labels}
        self._count = len(editor.span_order)
        self.border_title = f"Spans {self._count}"
        self._relist()
        if current is not None:
            self.select_span(current)
        elif kept is not None and kept in editor.spans:
            self.select_span(kept)
        elif fresh or self.highlighted is not None:
            # The span at or after the cursor, in view.
            rank = bisect_left(editor.span_order, (editor.cursor, -1))
            self.highlight(min(rank, self._count - 1) if self._count else None)

    def show_questions(self, editor: Editor) -> None:
        """The questions (parts under their question), with their codes."""
        self.editor, self.mode = editor, "questions"
        questions = editor.questions.all
        units = editor.questions.units
        coded = sum(1 for question in units if question.id in editor.codes)
        title = f"Questions {len(questions)}"
        if editor.scheme.has_unit("question"):
            title += f", {coded}/{len(units)} coded"
        self.border_title = title
        self._count = len(questions)
        self._relist()
        current = editor.current_question() or editor.pinned()
        if current is not None:
            self.select_question(current.id)
        else:
            first = next((i for i, q in enumerate(questions) if q.start >= editor.cursor), 0)
            self.highlight(min(first, self._count - 1) if self._count else None)

    def _relist(self) -> None:
        self._entries.clear()
        if self.highlighted is not None and self.highlighted >= self._count:
            self.highlighted = self._count - 1 if self._count else None
        self.virtual_size = Size(self.scrollable_content_region.width, self._count * self._rows)
        self.refresh()

    def _highlighted_id(self) -> int | None:
        if self.highlighted is None or self.editor is None or self.highlighted >= self._count:
            return None
        item = self._item(self.highlighted)
        return None if item is None else item.id

    def item_text(self, rank: int) -> str:
        """An entry's text, its rows joined by newlines (for tests and screen readers)."""
        item = self._item(rank) if self.editor is not None else None
        assert item is not None, f"no entry {rank}"
        return "\n".join(text.plain for text in self._texts(item, 10_000))

    # ---- highlight and choice ------------------------------------------------------------

    def select_span(self, span_id: int) -> None:
        """Highlight the span and bring it into view."""
        editor = self.editor
        if editor is None or self.mode != "spans" or span_id not in editor.spans:
            return
        span = editor.spans[span_id]
        rank = bisect_left(editor.span_order, (span.start, span.id))
        if rank < self._count and editor.span_order[rank][1] == span_id:
            self.highlight(rank)

    def select_question(self, question_id: int) -> None:
        editor = self.editor
        if editor is None or self.mode != "questions":
            return
        for rank, question in enumerate(editor.questions.all):
            if question.id == question_id:
                self.highlight(rank)
                return

    def highlight(self, rank: int | None) -> None:
        """Highlight the entry of this rank (None: none) and bring it into view."""
        old, self.highlighted = self.highlighted, rank
        rows = self._rows
        if old != rank:
            for entry in (old, rank):
                if entry is not None:
                    self.refresh_lines(entry * rows, rows)
        if rank is not None:
            top, height = self.scroll_offset.y, self.scrollable_content_region.height
            first, last = rank * rows, rank * rows + rows
            if first < top:
                self.scroll_to(y=first, animate=False, force=True)
            elif last > top + height:
                self.scroll_to(y=last - height, animate=False, force=True)

    def action_step(self, step: int) -> None:
        if self._count:
            current = self.highlighted if self.highlighted is not None else -step
            self.highlight(min(max(current + step, 0), self._count - 1))

    def action_page(self, direction: int) -> None:
        page = max(self.scrollable_content_region.height // self._rows - 1, 1)
        self.action_step(direction * page)

    def action_first(self) -> None:
        if self._count:
            self.highlight(0)

    def action_last(self) -> None:
        if self._count:
            self.highlight(self._count - 1)

    def action_choose(self) -> None:
        if self.highlighted is None or self.editor is None or self.highlighted >= self._count:
            return
        item = self._item(self.highlighted)
        if item is None:
            return
        if self.mode == "spans":
            self.post_message(self.Jump(item.id))
        else:
            self.post_message(self.JumpToQuestion(item.id))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        rank = (self.scroll_offset.y + offset.y) // self._rows
        if 0 <= rank < self._count:
            self.highlight(rank)
            self.action_choose()

    # ---- painting ------------------------------------------------------------------------

    def on_resize(self) -> None:
        self._entries.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, self._count * self._rows)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._entries.clear()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        rank, row = divmod(self.scroll_offset.y + y, self._rows)
        item = self._item(rank) if self.editor is not None and rank < self._count else None
        if item is None:
            return Strip.blank(width, self.rich_style)
        key = (item, rank == self.highlighted, width)
        cached = self._entries.get(rank)
        if cached is None or cached[0][0] is not item or cached[0][1:] != key[1:]:
            self.render_count += 1
            cached = (key, self._paint(item, rank == self.highlighted, width))
            self._entries[rank] = cached
        return cached[1][row]

    def _paint(self, item: Span | Question, highlighted: bool, width: int) -> list[Strip]:
        base = self.rich_style
        if highlighted:
            base += self.get_component_rich_style("span-list--highlighted", partial=True)
        console = self.app.console
        strips = []
        for text in self._texts(item, max(width - 2, 8)):
            text.truncate(width, overflow="ellipsis")  # cut, and shown to be
            segments = Segment.apply_style(text.render(console), base)
            strips.append(Strip(segments).crop_extend(0, width, base))
        return strips

    def _texts(self, item: Span | Question, limit: int) -> list[Text]:
        editor = self.editor
        assert editor is not None
        if isinstance(item, Span):
            rows = self._span_rows(editor, item, self._names, limit)
        else:
            rows = self._question_rows(editor, item, limit)
        return (rows + [Text()] * self._rows)[: self._rows]

    @staticmethod
    def _span_rows(editor: Editor, span: Span, names: dict, limit: int) -> list[Text]:
        label = names.get(span.label)
        first = Text()
        first.append("█ ", style=label.color if label else "grey50")
        first.append(label.name if label else span.label, style="bold")
        speaker = editor.speaker_name(editor.turn_at(span.start).speaker)
        if speaker:
            first.append(f" · {display_text(speaker, keep_newlines=False)}", style="dim")
        rows = [first, Text("  " + excerpt(editor.text, span.start, span.end, limit))]
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
            shown = display_text("; ".join(details), keep_newlines=False)
            rows.append(Text("  " + shown, style="italic"))
        return rows

    @staticmethod
    def _question_rows(editor: Editor, question: Question, limit: int) -> list[Text]:
        first = Text("  " if question.is_part else "")
        first.append(display_text(question.name, keep_newlines=False), style="bold")
        first.append(f" · {question.status}", style="dim" if question.status == "proposed" else "")
        parts = editor.questions.parts_of(question)
        if not parts and editor.scheme.has_unit("question"):
            code = editor.code_of(question)
            first.append(" · ")
            if code is None:
                first.append("not coded", style="dim")
            else:
                first.append(display_text(editor.code_name(code.label), keep_newlines=False))
        indent = "    " if question.is_part else "  "
        shown = excerpt(editor.text, question.start, question.end, limit + 2 - len(indent))
        return [first, Text(indent + shown)]
