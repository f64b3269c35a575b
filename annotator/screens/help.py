"""Reference screens: the key bindings with the label list, and the annotation guidelines.

The caller supplies the key sections (the annotation screen builds them from its bindings and
the active keymap); labels, descriptions and examples come from the scheme and are shown as
literal text, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ..scheme import Label, LabelSet, Scheme, Unit
from ..scheme.guidelines import choice_terms, reflow
from .dialogs import literal, shorten

_MODIFIERS = {"ctrl": "Ctrl", "shift": "Shift", "alt": "Alt", "super": "Super", "meta": "Meta"}
_NAMED_KEYS = {
    "enter": "Enter", "escape": "Esc", "tab": "Tab", "space": "Space", "backspace": "Backspace",
    "delete": "Del", "insert": "Ins", "home": "Home", "end": "End", "pageup": "PgUp",
    "pagedown": "PgDn",
}  # fmt: skip


def _one_key(key: str) -> str:
    modifiers: list[str] = []
    base = key
    if len(key) > 1 and "+" in key:
        *modifiers, base = key.split("+")
    shown = _NAMED_KEYS.get(base) or format_key(base)
    if len(shown) > 1 and shown.isascii():
        shown = shown[:1].upper() + shown[1:]  # "f1" -> "F1"
    elif modifiers and len(shown) == 1:
        shown = shown.upper()  # "ctrl+z" -> "Ctrl+Z"; a bare "G" vs "g" keeps its case
    return "+".join([*(_MODIFIERS.get(m, m) for m in modifiers), shown])


def key_display(keys: str) -> str:
    """Textual key names for display: ``"ctrl+z,u"`` -> ``"Ctrl+Z / u"``."""
    parts = [keys] if keys == "," else [part.strip() for part in keys.split(",") if part.strip()]
    return " / ".join(_one_key(part) for part in parts)


def _swatch(label: Label) -> Text:
    return Text("██", style=label.color)


def _first_line(text: str) -> str:
    return reflow(text).split("\n", 1)[0]


class HelpScreen(ModalScreen[None]):
    """Key bindings in sections, then the scheme's labels. Escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen #dialog {
        width: 90; max-width: 100%; height: 100%;
        border: round $accent; background: $surface;
    }
    HelpScreen #body { padding: 0 1; }
    HelpScreen .section { margin-bottom: 1; }
    """

    def __init__(
        self,
        sections: Sequence[tuple[str, Sequence[tuple[str, str]]]],
        scheme: LabelSet,
        *,
        labels_heading: str = "Labels",
    ) -> None:
        """``scheme``: the labels listed at the end (the span labels, or in the coding pass
        the question codes), under ``labels_heading``."""
        super().__init__()
        self.sections = [(heading, list(rows)) for heading, rows in sections]
        self.scheme = scheme
        self.labels_heading = labels_heading

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Keys"
            with VerticalScroll(id="body"):
                for heading, rows in self.sections:
                    yield Static(self._section(heading, rows), classes="section")
                yield Static(self._labels(), classes="section", id="labels")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#body").focus()

    @staticmethod
    def _section(heading: str, rows: Sequence[tuple[str, str]]) -> RenderableType:
        table = Table(box=None, show_header=False, expand=True, padding=(0, 1))
        table.add_column(style="bold", no_wrap=True, min_width=12)
        table.add_column(ratio=1)
        for keys, description in rows:
            table.add_row(literal(key_display(keys)), literal(description))
        return Group(literal(heading, style="bold underline"), table)

    def _labels(self) -> RenderableType:
        table = Table(box=None, show_header=False, expand=True, padding=(0, 1))
        table.add_column(style="bold", no_wrap=True, min_width=3)
        table.add_column(no_wrap=True, width=2)
        table.add_column(no_wrap=True)
        table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        for label in self.scheme.labels:
            name = literal(label.name)
            if label.deprecated:
                name.append(" (deprecated)", style="dim")
            hotkey = "" if label.deprecated else (label.hotkey or "")
            description = literal(shorten(_first_line(label.description), 120), style="dim")
            table.add_row(literal(hotkey), _swatch(label), name, description)
        heading = Text(self.labels_heading, style="bold underline")
        heading.append("  (full descriptions and examples: Guidelines)", style="dim")
        return Group(heading, table)

    def action_close(self) -> None:
        self.dismiss(None)


class GuidelinesScreen(ModalScreen[None]):
    """Every label's full guideline text, examples and attributes; ←/→ jump between labels.

    The labels are the scheme's span labels, or a unit's codes (the coding procedure of the
    unit first, then each code's definition)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="help.close"),
        # Priority: the scroll container would take left/right for horizontal scrolling.
        Binding("right,tab", "step(1)", "Next label", id="help.next_label", priority=True),
        Binding(
            "left,shift+tab", "step(-1)", "Previous label", id="help.previous_label", priority=True
        ),
    ]

    DEFAULT_CSS = """
    GuidelinesScreen { align: center middle; }
    GuidelinesScreen #dialog {
        width: 90; max-width: 100%; height: 100%;
        border: round $accent; background: $surface;
    }
    GuidelinesScreen #body { padding: 0 1; }
    GuidelinesScreen .label {
        margin-bottom: 1; padding-left: 1; border-left: blank;
    }
    GuidelinesScreen .label.-current { border-left: thick $accent; }
    """

    def __init__(self, scheme: LabelSet, label_id: str | None = None) -> None:
        super().__init__()
        self.scheme = scheme
        ids = [label.id for label in scheme.labels]
        self.index = ids.index(label_id) if label_id in ids else 0

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            labels = self.scheme
            if isinstance(labels, Unit):
                title = f"Guidelines · {labels.kind} codes of {labels.scheme}"
            else:
                assert isinstance(labels, Scheme)
                title = f"Guidelines · {labels.name} v{labels.version}"
            dialog.border_title = literal(title)
            with VerticalScroll(id="body"):
                text = labels.description if isinstance(labels, (Scheme, Unit)) else ""
                if text:
                    description = literal(reflow(text), multiline=True)
                    yield Static(description, classes="label")
                for label in self.scheme.labels:
                    yield Static(self._label(label), id=f"label-{label.id}", classes="label")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#body").focus()
        # After the first layout, so the sections have their heights.
        self.call_after_refresh(self._show)

    def _label(self, label: Label) -> RenderableType:
        heading = _swatch(label)
        heading.append(" ")
        heading.append_text(literal(label.name, style="bold"))
        facts = [f"key {label.hotkey}" if label.hotkey else "no key", label.color]
        if label.parent:
            facts.append(f"under {self.scheme.label(label.parent).name}")
        if label.deprecated:
            facts.append("deprecated: no longer offered")
        heading.append_text(literal(f"  ({', '.join(facts)})", style="dim"))
        parts: list[RenderableType] = [heading]
        if label.description:
            parts.append(literal(reflow(label.description), multiline=True))
        else:
            parts.append(Text("No guideline text.", style="dim italic"))
        for mark, title, examples in (
            ("✓", "Examples", label.examples.positive),
            ("✗", "Not this label", label.examples.negative),
        ):
            if examples:
                parts.append(Text(title, style="bold"))
                for example in examples:
                    line = Text(f"  {mark} ", style="green" if mark == "✓" else "red")
                    parts.append(line.append_text(literal(example, multiline=True)))
        if label.attributes:
            parts.append(Text("Attributes", style="bold"))
        for attribute in label.attributes:
            kind = attribute.type
            if attribute.choices:
                kind += ": " + " | ".join(attribute.choices)
            if attribute.required:
                kind += "; required"
            default = attribute.default
            if default is not None:
                kind += f"; default {', '.join(default) if isinstance(default, tuple) else default}"
            line = literal(f"  {attribute.name}", style="bold")
            line.append_text(literal(f" ({kind})", style="dim"))
            parts.append(line)
            if attribute.description:
                text = reflow(attribute.description, choice_terms(attribute))
                description = literal(text, multiline=True)
                parts.append(Padding(description, (0, 0, 0, 4)))
        return Group(*parts)

    @property
    def current_label(self) -> Label:
        return self.scheme.labels[self.index]

    def _show(self) -> None:
        for static in self.query(".label"):
            static.set_class(static.id == f"label-{self.current_label.id}", "-current")
        body = self.query_one("#body")
        if self.index == 0:
            body.scroll_home(animate=False)  # the scheme's description sits above the first
        else:
            section = self.query_one(f"#label-{self.current_label.id}")
            body.scroll_to_widget(section, animate=False, top=True)

    def action_step(self, step: int) -> None:
        self.index = (self.index + step) % len(self.scheme.labels)
        self._show()

    def action_close(self) -> None:
        self.dismiss(None)
