"""The review screen's stacked view: each annotator's version of the disagreement under the
cursor, one above the other over the same stretch of text, then the gold layer's.

Each version shows the key that accepts it, a mark and colour for its spans' state (≠ label,
↔ boundaries, ≈ attributes, ◐ marked by only some), the annotator (or ``A1``... anonymised),
each span's fate (✓ accepted, ✗ rejected, • open) and label, and the text around the
disagreement with their spans tinted in the label colours; its second row shows the spans'
attribute values and note (abbreviated; the header line shows them in full for the span
under the cursor). Gold spans whose sources changed after the decision are marked ⚠.
The rows are rebuilt only when the disagreement under the cursor or a decision changes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from itertools import pairwise
from typing import ClassVar

from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.strip import Strip
from textual.widget import Widget

from ..model import Span
from ..review import (
    AGREE,
    ATTRIBUTES,
    BOUNDARY,
    KIND_NAMES,
    KINDS,
    LABEL,
    PARTIAL,
    Disagreement,
    ReviewEditor,
)
from ..store import GOLD
from ..textindex import display_text, wrap_paragraph
from .transcript_view import label_fill

ROWS = 2  # text rows per version: where its spans begin and where they end
CONTEXT = 40  # characters of text shown around the disagreement, within its turns
NAME_WIDTH = 10
LABEL_WIDTH = 22
PREFIX = NAME_WIDTH + LABEL_WIDTH + 4  # key, name, labels; then " │ " and the text
DECISION_MARKS = {"accepted": ("✓", "green"), "rejected": ("✗", "red"), "open": ("•", "")}
# Each state's mark, so that the states read without colour too.
STATE_MARKS = {AGREE: "=", LABEL: "≠", BOUNDARY: "↔", ATTRIBUTES: "≈", PARTIAL: "◐"}
STATES = (AGREE, *KINDS)


class ComparePanel(Widget):
    # The states' colours match the transcript's colours for undecided spans.
    DEFAULT_CSS = """
    ComparePanel { height: 9; background: $panel; color: $foreground; }
    ComparePanel > .compare--agree { color: $success; text-style: bold; }
    ComparePanel > .compare--label { color: $error; text-style: bold; }
    ComparePanel > .compare--boundary { color: $warning; text-style: bold; }
    ComparePanel > .compare--attributes { color: magenta; text-style: bold; }
    ComparePanel > .compare--partial { color: $primary; text-style: bold; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {f"compare--{state}" for state in STATES}

    def __init__(self) -> None:
        super().__init__()
        self.editor: ReviewEditor | None = None
        self._shown: tuple | None = None
        self._strips: list[Strip] | None = None
        self._width = 0
        self._base = Style()
        self._fills: dict[str, Style] = {}
        self._states: dict[str, Style] = {}

    def show(self, editor: ReviewEditor, *, force: bool = False) -> None:
        """Show the disagreement under the editor's cursor (``force``: after a decision)."""
        key = (id(editor), editor.current, editor.anonymous)
        if key == self._shown and not force:
            return
        self._shown = key
        self.editor = editor
        self.styles.height = 1 + (len(editor.names) + 1) * ROWS
        self._strips = None
        self.refresh()

    @property
    def lines(self) -> list[str]:
        """The panel as plain text (for tests)."""
        return [strip.text for strip in self._build(self.size.width or 100)]

    def on_resize(self) -> None:
        self._strips = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips = None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._strips is None or self._width != width:
            self._strips, self._width = self._build(width), width
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(width, self.rich_style)

    # ---- building ------------------------------------------------------------------------

    def _build(self, width: int) -> list[Strip]:
        editor = self.editor
        if editor is None:
            return []
        console = self.app.console
        # Computed once per build: the theme's base style and a fill per label.
        self._base = self.rich_style
        background = (
            Color.from_rich_color(self._base.bgcolor) if self._base.bgcolor else Color(0, 0, 0)
        )
        self._fills = {
            label.id: label_fill(background, Color.parse(label.color))
            for label in editor.scheme.labels
        }
        self._states = {
            state: self.get_component_rich_style(f"compare--{state}") for state in STATES
        }
        d = editor.current
        lines = [self._header(editor, d)]
        if d is None:
            lines += self._legend()
            return [self._strip(console, line, width) for line in lines]
        start, end = _context(editor, d)
        rows = _wrap(editor, start, end, max(width - PREFIX - 3, 10))
        strips = [self._strip(console, lines[0], width)]
        versions = editor.versions(d)
        # Attributes in the scheme's order, those the versions disagree on first: what a
        # short row must show.
        order = _attribute_order(editor, [s for v in versions for s in v.spans])
        for version in versions:
            prefix = Text()
            prefix.append(f" {version.number} ", style="bold reverse")
            worst = next((k for k in KINDS if k in version.states), None)
            style = self._states[worst] if worst else "dim"
            prefix.append(STATE_MARKS[worst] if worst else " ", style=style)
            prefix.append(f" {fit(version.shown_as, NAME_WIDTH - 2)}", style=style)
            prefix.append_text(_labels(editor, version.spans, version.decisions))
            shown = _details(version.spans, order)
            details = Text("    " + fit(shown, PREFIX - 4), style="italic")
            windows = _windows(rows, version.spans, d)
            strips += self._rows(console, (prefix, details), editor, windows, version.spans, width)
        gold = editor.gold_in(start, end)
        prefix = Text()
        prefix.append(f"    {fit('gold', NAME_WIDTH)}", style="bold")
        prefix.append_text(_labels(editor, gold, ["accepted"] * len(gold), editor.stale_gold))
        details = Text("    " + fit(_details(gold, order), PREFIX - 4), style="italic")
        windows = _windows(rows, gold, d)
        strips += self._rows(console, (prefix, details), editor, windows, gold, width)
        return strips

    def _header(self, editor: ReviewEditor, d: Disagreement | None) -> Text:
        line = Text(" ")
        if d is None:
            line.append("No disagreement under the cursor", style="bold")
            line.append(" · n p the open ones · N P all", style="dim")
        else:
            line.append(f"Disagreement {editor.position(d)} of {len(editor.disagreements)}", "bold")
            for kind in d.kinds:
                line.append(" · ")
                line.append(KIND_NAMES[kind], style=self._states[kind])
            if not editor.is_open(d):
                line.append(" · settled", style="green")
        line.append(f" │ {editor.open_count()} open", style="dim")
        here = editor.suggestions_at() or editor.spans_at()
        if here:
            # The span under the cursor in full: its values and note.
            span = here[0]
            who = "gold" if span.annotator == GOLD else editor.display_name(span.annotator)
            line.append(f" │ {display_text(who, keep_newlines=False)}: ", style="bold")
            order = _attribute_order(editor, [span])
            line.append(display_text(_details([span], order, full=True), keep_newlines=False))
            if span.id in editor.stale_gold:
                line.append(f" ⚠ {editor.stale_gold[span.id]}", style="bold red")
        return line

    def _legend(self) -> list[Text]:
        keys = Text(" 1–9 accept that annotator's version · r reject · a accept the span under")
        keys.append(" the cursor · M auto-merge · A anonymise · Q question codes")
        states = Text(" ")
        for kind in STATES:
            states.append(f"{STATE_MARKS[kind]} ", style=self._states[kind])
            states.append(KIND_NAMES[kind] + "  ")
        marks = Text(" ")
        for decision, (mark, style) in DECISION_MARKS.items():
            marks.append(mark, style=style)
            marks.append(f" {decision}   ")
        shown = Text(
            " The text shows the gold layer; undecided spans are italic and underlined, "
            "in their state's colour."
        )
        return [keys, states, marks, shown]

    def _body(self, editor: ReviewEditor, start: int, end: int, spans: list[Span]) -> Text:
        """The text of ``[start, end)`` with the spans tinted in their label colours and
        bracketed where they begin and end in it, so boundaries show without colour too."""
        unknown = label_fill(Color(0, 0, 0), Color(128, 128, 128))
        fills = {span.id: self._fills.get(span.label, unknown) for span in spans}
        cuts = sorted(
            {start, end, *(p for s in spans for p in (s.start, s.end) if start < p < end)}
        )
        text = Text()
        for a, b in pairwise(cuts):
            for span in spans:
                # A span ending where this row begins was closed at the end of the row before.
                if span.end == a and a > start:
                    text.append("]", style=fills[span.id] + Style(bold=True))
            for span in spans:
                if span.start == a:
                    text.append("[", style=fills[span.id] + Style(bold=True))
            covering = [s for s in spans if s.start <= a and b <= s.end]
            inner = min(covering, key=lambda s: s.end - s.start, default=None)
            piece = display_text(editor.text[a:b], keep_newlines=False)
            text.append(piece, style=fills[inner.id] if inner else "")
        for span in spans:
            if span.end == end:
                text.append("]", style=fills[span.id] + Style(bold=True))
        return text

    def _rows(
        self,
        console: Console,
        prefixes: tuple[Text, Text],
        editor: ReviewEditor,
        windows: list[tuple[int, int, bool]],
        spans: list[Span],
        width: int,
    ) -> list[Strip]:
        """A version's rows: a prefix each (who and what; the values), then each window of
        the text with its spans."""
        strips = []
        for index, prefix in enumerate(prefixes[:ROWS]):
            line = prefix.copy()
            line.truncate(PREFIX, pad=True)
            if index < len(windows):
                start, end, skipped = windows[index]
                line.append(" │ ", style="dim")
                if skipped:
                    line.append("… ", style="dim")
                line.append_text(self._body(editor, start, end, spans))
            strips.append(self._strip(console, line, width))
        return strips

    def _strip(self, console: Console, line: Text, width: int) -> Strip:
        segments = list(line.render(console))
        return Strip(segments).apply_style(self._base).crop_extend(0, width, self._base)


def _wrap(editor: ReviewEditor, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """The rows of ``[start, end)`` wrapped at ``width`` (less room for the brackets)."""
    slack = 4
    text = display_text(editor.text[start:end], keep_newlines=False)
    return [(start + a, start + b) for a, b in wrap_paragraph(text, max(width - slack, 1))]


def _windows(
    rows: list[tuple[int, int]], spans: list[Span], d: Disagreement
) -> list[tuple[int, int, bool]]:
    """Which rows to show of a version (at most ROWS): those where its spans begin and end
    (the disagreement's, for a version without spans), as ``(start, end, after a gap)``."""
    begin = min((s.start for s in spans), default=d.start)
    finish = max((s.end for s in spans), default=d.end)
    first = next((i for i, (_, b) in enumerate(rows) if b > begin), 0)
    last = next((i for i, (_, b) in enumerate(rows) if b >= finish), len(rows) - 1)
    if last - first < ROWS:
        top = max(min(first, len(rows) - ROWS), 0)
        return [(a, b, False) for a, b in rows[top : top + ROWS]]
    return [(*rows[first], False), (*rows[last], True)]


def _context(editor: ReviewEditor, d: Disagreement) -> tuple[int, int]:
    """The disagreement with up to CONTEXT characters either side, cut at whole words and
    not beyond the turns it is in (a span may reach into the gap after a turn)."""
    first, last = editor.turn_at(d.start), editor.turn_at(max(d.end - 1, d.start))
    start = min(max(first.start, d.start - CONTEXT), d.start)
    end = max(min(last.end, d.end + CONTEXT), d.end)
    text = editor.text
    if start > first.start:
        space = text.find(" ", start, d.start)
        start = space + 1 if space >= 0 else start
    if end < last.end:
        space = text.rfind(" ", d.end, end)
        end = space if space >= 0 else end
    return start, end


def _labels(
    editor: ReviewEditor,
    spans: list[Span],
    decisions: list[str],
    stale: Mapping[int, str] | None = None,
) -> Text:
    names = {label.id: label.name for label in editor.scheme.labels}
    out = Text(" ")
    if not spans:
        out.append("(nothing)", style="dim")
    for index, (span, decision) in enumerate(zip(spans, decisions, strict=True)):
        mark, style = DECISION_MARKS[decision]
        if index:
            out.append(", ")
        out.append(mark + " ", style=style)
        if stale and span.id in stale:
            out.append("⚠ ", style="bold red")
        out.append(display_text(names.get(span.label, span.label), keep_newlines=False))
    return out


def _attribute_order(editor: ReviewEditor, spans: list[Span]) -> list[str]:
    """The spans' attributes: those whose values differ among them first, each group in the
    scheme's order."""
    order: list[str] = []
    for label in editor.scheme.labels:
        order += [a.id for a in label.attributes if a.id not in order]
    present = {key for span in spans for key in span.attributes}
    order += sorted(present - set(order))  # attributes of older scheme versions
    differ = {
        key
        for key in present
        if len({json.dumps(s.attributes.get(key), sort_keys=True) for s in spans}) > 1
    }
    return sorted((key for key in order if key in present), key=lambda key: key not in differ)


def _details(spans: list[Span], order: list[str], *, full: bool = False) -> str:
    """The spans' attribute values (in ``order``) and notes, as one line (notes cut short
    unless ``full``)."""
    parts = []
    for span in spans:
        values = [
            f"{key}={attribute_text(span.attributes[key])}"
            for key in order
            if key in span.attributes
        ]
        if span.note:
            note = " ".join(span.note.split())
            values.append(f"note: {note if full or len(note) <= 24 else note[:23] + '…'}")
        parts.append(", ".join(values) or "no values")
    return "; ".join(parts) if spans else ""


def attribute_text(value: object) -> str:
    """An attribute value as a panel shows it (yes/no, choices joined by +)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "+".join(map(str, value))
    return str(value)


def fit(text: str, width: int) -> str:
    """Data text shown literally in exactly ``width`` cells (cut with an ellipsis)."""
    text = display_text(text, keep_newlines=False)
    return text[: width - 1] + "…" if len(text) > width else text.ljust(width)
