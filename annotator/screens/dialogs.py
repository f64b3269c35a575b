"""Modal dialogs that return a value: span editor, span chooser and small prompts.

Push one with ``app.push_screen(dialog, callback)`` (or ``push_screen_wait`` in a worker); the
callback receives the dismiss value. Every string that comes from a transcript, the scheme or a
user (titles, excerpts, label names and descriptions, notes) is shown through :func:`literal`,
never as markup.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Input,
    OptionList,
    Select,
    SelectionList,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option

from ..scheme import Attribute, Label, LabelSet, Unit
from ..scheme.guidelines import choice_definition, introduction, reflow
from ..textindex import display_text

# ---- literal text ------------------------------------------------------------------------


def visible(text: str, *, multiline: bool = False) -> str:
    """``text`` with control characters shown as visible symbols (ESC as "␛"): Textual
    passes ESC and C1 controls straight to the terminal, so untrusted text could otherwise
    recolour or move the screen. One-line mode (titles, cells, options) also turns line
    breaks into spaces. The mapping is the transcript view's (:func:`display_text`)."""
    if not multiline:
        text = " ".join(text.splitlines())
    return display_text(text, keep_newlines=multiline)


def literal(text: str, *, multiline: bool = False, style: str = "") -> Text:
    """Untrusted text as a Rich ``Text``: no markup parsing, no raw control characters."""
    return Text(visible(text, multiline=multiline), style=style)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, keeping its start and end around a "…"."""
    if len(text) <= limit:
        return text
    head = (limit - 1) * 2 // 3
    tail = limit - 1 - head
    return text[:head] + "…" + (text[-tail:] if tail else "")


class MarkedCheckbox(Checkbox):
    """A checkbox whose state reads without colour: ``▐X▌`` ticked, ``▐ ▌`` not (Textual's
    shows an X either way and tells them apart by colour alone)."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "X" if self.value else " "
        return super()._button


# ---- span editor -------------------------------------------------------------------------


@dataclass(frozen=True)
class SpanEdit:
    """What the span editor returns: checked attributes (defaults filled in), the note, and
    the question the span responds to (an id, None for none; "keep" when not offered)."""

    label: str
    attributes: dict[str, Any]
    note: str
    question: int | Literal["keep"] | None = "keep"


NO_QUESTION = -1  # the question choice "none" (a Select value cannot be None)


def _format_number(value: Any) -> str:
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


def _parse_number(text: str) -> int | float:
    """An int when the text is one, else a finite float; ValueError otherwise."""
    try:
        return int(text)
    except ValueError:
        value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


class SpanEditor(ModalScreen[SpanEdit | None]):
    """Edit a span's label, attributes and note, and the question it responds to. Dismisses
    with a SpanEdit, or None.

    The labels are any :class:`~annotator.scheme.LabelSet`: the scheme's span labels, or a
    unit's codes (a question's code is edited in the same form; a code must be one the unit
    lets a question be coded with)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="dialog.save"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    DEFAULT_CSS = """
    SpanEditor { align: center middle; }
    SpanEditor #dialog {
        width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    SpanEditor #excerpt {
        max-height: 4; overflow: hidden; color: $text-muted; background: $boost;
        padding: 0 1; margin-bottom: 1;
    }
    SpanEditor #form { height: auto; max-height: 60vh; }
    SpanEditor #attributes { height: auto; }
    SpanEditor .field { height: auto; }
    SpanEditor .field:focus-within > .name { color: $accent; text-style: bold; }
    SpanEditor .name { width: 16; }
    SpanEditor .field > Select, SpanEditor .field > Input { width: 1fr; }
    SpanEditor .field > Checkbox { width: 5; }
    SpanEditor .field > SelectionList { width: 1fr; max-height: 6; }
    SpanEditor #note { width: 1fr; height: 3; background: $boost; }
    SpanEditor #question { width: 1fr; }
    SpanEditor #hint {
        height: auto; margin-bottom: 1; padding: 0 1; color: $text-muted;
        border-left: outer $accent;
    }
    SpanEditor #hint.-empty { display: none; }
    SpanEditor #error { color: $text-error; text-style: bold; height: auto; margin-top: 1; }
    SpanEditor #error.-empty { display: none; }
    SpanEditor #buttons { height: 1; margin-top: 1; align-horizontal: right; }
    SpanEditor #buttons > Button { margin-left: 2; }
    """

    def __init__(
        self,
        scheme: LabelSet,
        label: str,
        attributes: Mapping[str, Any],
        note: str,
        excerpt: str,
        *,
        title: str = "Edit span",
        questions: Sequence[tuple[int, str]] | None = None,
        question: int | None = None,
    ) -> None:
        """``questions`` (id, description) are the document's questions the span may
        respond to, ``question`` the one it responds to now; without ``questions`` the
        link is not shown (and stays as it is)."""
        super().__init__()
        self.scheme = scheme
        self.title_text = title
        self.label_id = label
        self.note = note
        self.excerpt = excerpt
        self.questions = list(questions) if questions is not None else None
        self.question = question
        # Raw field values by attribute id, kept across label changes so that switching to
        # another label and back does not lose what was typed.
        self._values: dict[str, Any] = dict(attributes)
        # Text fields show control characters as stand-ins; a field left untouched must give
        # back the stored value, not the stand-ins.
        self._originals: dict[str, tuple[str, str]] = {}
        self._hint_for: Attribute | None = None  # the attribute the hint's height is for

    # -- layout

    def _label_options(self) -> list[tuple[Text, str]]:
        options = []
        for label in self.scheme.labels:
            if label.deprecated and label.id != self.label_id:
                continue  # deprecated labels are no longer offered, but a span may still have one
            depth = "  " * len(self.scheme.ancestors(label.id))
            text = Text(f"{label.hotkey or ' '}  {depth}")
            text.append("■ ", style=label.color)
            text.append_text(literal(label.name))
            if label.deprecated:
                text.append(" (deprecated)", style="dim")
            options.append((text, label.id))
        if not any(label.id == self.label_id for label in self.scheme.labels):
            options.append((literal(f"   {self.label_id} (not in the scheme)"), self.label_id))
        return options

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = literal(self.title_text)
            yield Static(literal(shorten(self.excerpt, 240), multiline=True), id="excerpt")
            # Above the form, so that a choice field's open list never covers it.
            yield Static("", id="hint", classes="-empty", markup=False)
            with VerticalScroll(id="form"):
                with Horizontal(classes="field"):
                    yield Static("Label", classes="name")
                    yield Select(
                        self._label_options(),
                        value=self.label_id,
                        allow_blank=False,
                        compact=True,
                        id="label",
                    )
                yield Vertical(*self._attribute_fields(self.current_label), id="attributes")
                if self.questions is not None:
                    with Horizontal(classes="field"):
                        yield Static("Question", classes="name")
                        yield self._question_field()
                with Horizontal(classes="field"):
                    yield Static("Note", classes="name")
                    yield TextArea(
                        self._remember("note", self.note, multiline=True), compact=True, id="note"
                    )
            yield Static("", id="error", classes="-empty", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield Footer()

    def _question_field(self) -> Select[int]:
        assert self.questions is not None
        options = [(Text("(none)", style="dim"), NO_QUESTION)]
        options += [
            (literal(shorten(text, 70)), question_id) for question_id, text in self.questions
        ]
        known = {question_id for question_id, _ in self.questions}
        value = self.question if self.question in known else NO_QUESTION
        return Select(options, value=value, allow_blank=False, compact=True, id="question")

    @property
    def current_label(self) -> Label:
        try:
            return self.scheme.label(self.label_id)
        except KeyError:
            # A span made under an older scheme may carry a label this one lacks; it can be
            # shown and relabelled, but not saved as it is.
            return Label(self.label_id, self.label_id, None, "#808080")

    def _remember(self, key: str, value: str, *, multiline: bool = False) -> str:
        shown = visible(value, multiline=multiline)
        self._originals[key] = (shown, value)
        return shown

    def _attribute_fields(self, label: Label) -> list[Widget]:
        return [self._field(attribute) for attribute in label.attributes]

    def _field(self, attribute: Attribute) -> Widget:
        name = visible(attribute.name) + (" *" if attribute.required else "")
        value = self._values.get(attribute.id)
        widget_id = f"attr-{attribute.id}"
        widget: Widget
        if attribute.type == "choice":
            if not (isinstance(value, str) and value in attribute.choices):
                value = attribute.default
            # A required choice offers a blank only until something is chosen, so that the
            # first choice is never picked silently on the annotator's behalf.
            widget = Select(
                [(literal(choice), choice) for choice in attribute.choices],
                value=Select.NULL if value is None else value,
                allow_blank=not attribute.required or value is None,
                prompt="(required)" if attribute.required else "(none)",
                compact=True,
                id=widget_id,
            )
        elif attribute.type == "boolean":
            if not isinstance(value, bool):
                value = bool(attribute.default)
            widget = MarkedCheckbox(value=value, compact=True, id=widget_id)
        elif attribute.type == "multichoice":
            # A list (even empty: everything unticked) is what was chosen; else the default.
            chosen = set(value if isinstance(value, list) else attribute.default or ())
            widget = SelectionList[str](
                *[(literal(choice), choice, choice in chosen) for choice in attribute.choices],
                compact=True,
                id=widget_id,
            )
        else:
            if attribute.type == "number":
                text = value if isinstance(value, str) else _format_number(value)
                text = text or _format_number(attribute.default)
            else:
                text = value if isinstance(value, str) else (attribute.default or "")
            widget = Input(
                self._remember(attribute.id, text),
                type="number" if attribute.type == "number" else "text",
                valid_empty=True,
                compact=True,
                id=widget_id,
            )
        widget.tooltip = literal(attribute.description, multiline=True) or None
        return Horizontal(Static(name, classes="name", markup=False), widget, classes="field")

    def on_mount(self) -> None:
        self._watch_choices()
        fields = list(self.query_one("#attributes").query("Select, Checkbox, Input, SelectionList"))
        (fields[0] if fields else self.query_one("#label", Select)).focus()

    # -- behaviour

    def _read(self, attribute: Attribute) -> Any:
        """A field's raw value: str for text and number, bool, the choice (None if blank),
        or the list of ticked choices."""
        try:
            widget = self.query_one(f"#attr-{attribute.id}")
        except NoMatches:  # a save while the fields are being rebuilt for a new label
            return self._values.get(attribute.id)
        if isinstance(widget, Select):
            return widget.selection
        if isinstance(widget, Checkbox):
            return widget.value
        if isinstance(widget, SelectionList):
            return list(widget.selected)
        assert isinstance(widget, Input)
        shown, original = self._originals.get(attribute.id, (None, ""))
        return original if widget.value == shown else widget.value

    @on(Select.Changed, "#label")
    async def _label_changed(self, event: Select.Changed) -> None:
        if event.value == self.label_id or event.value is Select.NULL:
            return
        for attribute in self.current_label.attributes:
            self._values[attribute.id] = self._read(attribute)
        self.label_id = str(event.value)
        container = self.query_one("#attributes")
        await container.remove_children()
        await container.mount_all(self._attribute_fields(self.current_label))
        self._watch_choices()
        self._show_error("")

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._show_hint()

    @on(Select.Changed)
    @on(SelectionList.SelectionHighlighted)
    def _choice_moved(self) -> None:
        self._show_hint()

    def _watch_choices(self) -> None:
        """Follow the highlight in each choice field's open list (the list keeps its
        highlight messages to itself)."""
        for select in self.query_one("#attributes").query(Select):
            for overlay in select.query(OptionList):
                self.watch(overlay, "highlighted", lambda _: self._show_hint(), init=False)

    def _focused_choice(self) -> tuple[Attribute | None, str | None]:
        """The attribute whose field has the focus, and its highlighted choice: the one
        under the cursor in an open list or a list of checkboxes, else the chosen one."""
        focused = self.focused
        field: Widget | None = focused
        if isinstance(focused, OptionList) and isinstance(focused.parent, Select):
            field = focused.parent  # the open list of a choice field
        if field is None or not (field.id or "").startswith("attr-"):
            return None, None
        attribute_id = (field.id or "").removeprefix("attr-")
        attribute = next((a for a in self.current_label.attributes if a.id == attribute_id), None)
        choice: Any = None
        if isinstance(field, Select):
            if field is not focused and isinstance(focused, OptionList):
                index = focused.highlighted
                options = field._options  # (prompt, value) as shown, the blank first
                choice = options[index][1] if index is not None and index < len(options) else None
            else:
                choice = field.selection
        elif isinstance(field, SelectionList) and field.highlighted is not None:
            choice = field.get_option_at_index(field.highlighted).value
        return attribute, choice if isinstance(choice, str) else None

    def _show_hint(self) -> None:
        """Above the form: the full definition of the highlighted choice of the focused
        field, else the focused attribute's description (without its choices' definitions).
        While a field has the focus the hint keeps the height of its longest text, so that
        the form does not move as the highlight does."""
        attribute, choice = self._focused_choice()
        hint = self.query_one("#hint", Static)
        text = self._hint(attribute, choice) if attribute is not None else Text()
        if attribute is not None and attribute is not self._hint_for:
            # The hint's width: the dialog's, less its padding and bar (it may be hidden now).
            width = max(self.query_one("#dialog").content_region.width - 3, 20)
            texts = [self._hint(attribute, option) for option in (None, *attribute.choices)]
            hint.styles.height = max(len(t.wrap(self.app.console, width)) for t in texts)
        self._hint_for = attribute
        hint.update(text)
        hint.set_class(not text.plain, "-empty")

    def on_resize(self) -> None:
        self._hint_for = None  # the hint's height is measured again at the new width
        self._show_hint()

    @staticmethod
    def _hint(attribute: Attribute, choice: str | None) -> Text:
        line = choice_definition(attribute, choice) if choice is not None else None
        if line is not None:
            text = Text()
            text.append(visible(f"{line.term}:"), style="bold")
            text.append(visible(f" {line.definition}"))
            return text
        if attribute.choices:
            return literal(introduction(attribute), multiline=True)
        return literal(reflow(attribute.description), multiline=True)

    def _show_error(self, message: str) -> None:
        error = self.query_one("#error", Static)
        error.update(visible(message))
        error.set_class(not message, "-empty")

    def _check(self) -> tuple[dict[str, Any] | None, str, str | None]:
        """The attribute values as the scheme takes them, or None with what is wrong and the
        id of the attribute it is about (if it is about one)."""
        values: dict[str, Any] = {}
        attributes = self.current_label.attributes
        for attribute in attributes:
            value = self._read(attribute)
            if isinstance(value, str):
                value = value.strip()
                if not value:
                    continue  # an empty text or number field means "not given"
            if attribute.type == "number" and isinstance(value, str):
                try:
                    value = _parse_number(value)
                except ValueError:
                    return None, f"{attribute.name}: {value!r} is not a number", attribute.id
            values[attribute.id] = value
        try:
            if isinstance(self.scheme, Unit):
                self.scheme.codable(self.label_id)
            checked = self.scheme.check_attributes(self.label_id, values)
        except (ValueError, KeyError) as error:
            message = str(error.args[0]) if error.args else str(error)
            about = next((a.id for a in attributes if f"'{a.id}'" in message), None)
            return None, message, about
        return checked, "", None

    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(SelectionList.SelectedChanged)
    @on(Input.Changed)
    def _value_changed(self, event: Message) -> None:
        """An error on show is checked again as values change: it goes once the value it
        asked for is given (or says what is still wrong)."""
        control = getattr(event, "control", None)
        if self.query_one("#error", Static).has_class("-empty") or control is None:
            return
        if (control.id or "").startswith("attr-"):
            self._show_error(self._check()[1])

    def action_save(self) -> None:
        checked, problem, about = self._check()
        if checked is None:
            self._show_error(problem)
            if about is not None:
                self.query_one(f"#attr-{about}").focus()
            return
        note_widget = self.query_one("#note", TextArea)
        shown, original = self._originals["note"]
        note = original if note_widget.text == shown else note_widget.text
        question: int | Literal["keep"] | None = "keep"
        if self.questions is not None:
            chosen = self.query_one("#question", Select).selection
            question = None if chosen in (None, NO_QUESTION) else int(chosen)
        self.dismiss(SpanEdit(self.label_id, checked, note.strip(), question))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _input_submitted(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()


# ---- choose one of several spans -----------------------------------------------------------


class ChooseSpan(ModalScreen[int | None]):
    """Pick one of several: overlapping spans to edit or delete, a merge threshold..."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Not a priority binding: the option list handles Enter itself, after any arrow key
        # still waiting in its queue (a priority binding would act before them).
        Binding("enter", "choose", "Choose", id="dialog.choose"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    DEFAULT_CSS = """
    ChooseSpan { align: center middle; }
    ChooseSpan #dialog {
        width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    ChooseSpan OptionList { height: auto; max-height: 16; }
    """

    def __init__(self, title: str, choices: Sequence[tuple[int, str, str]]) -> None:
        """``choices`` are (id, name, description): for a span, its label and an excerpt."""
        super().__init__()
        self.title_text = title
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        options = []
        for span_id, label_name, excerpt in self.choices:
            prompt = literal(shorten(label_name, 24), style="bold")
            prompt.append("  ")
            prompt.append_text(literal(shorten(excerpt, 60)))
            options.append(Option(prompt, id=str(span_id)))
        with Vertical(id="dialog"):
            yield Static(literal(self.title_text, style="bold"))
            yield OptionList(*options, id="spans")
        yield Footer()

    def on_mount(self) -> None:
        spans = self.query_one(OptionList)
        spans.focus()
        if spans.option_count:
            spans.highlighted = 0

    def action_choose(self) -> None:
        spans = self.query_one(OptionList)
        if spans.highlighted is not None:
            option_id = spans.get_option_at_index(spans.highlighted).id
            self.dismiss(int(option_id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))


# ---- annotator name --------------------------------------------------------------------------

NAME_MAX_LENGTH = 60


def name_problem(name: str) -> str | None:
    """Why ``name`` (already stripped) cannot be an annotator name, or None."""
    if not name:
        return "Enter a name; your spans are stored under it."
    if len(name) > NAME_MAX_LENGTH:
        return f"Use at most {NAME_MAX_LENGTH} characters."
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in name):
        return "The name cannot contain control characters or line breaks."
    return None


class NamePrompt(ModalScreen[str]):
    """Ask for the annotator's name. Returns it stripped; "" only when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    DEFAULT_CSS = """
    NamePrompt { align: center middle; }
    NamePrompt #dialog {
        width: 50; max-width: 100%; height: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    NamePrompt #error { color: $text-error; height: auto; }
    """

    def __init__(
        self, cancellable: bool = False, initial: str = "", role: str = "annotator"
    ) -> None:
        super().__init__()
        self.cancellable = cancellable
        self.initial = initial
        self.role = role

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(f"Your {self.role} name (Enter to continue)")
            yield Input(visible(self.initial), max_length=NAME_MAX_LENGTH, id="name")
            yield Static("", id="error", markup=False)
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A name is required: without cancellable=True, Escape does nothing.
        return self.cancellable if action == "cancel" else True

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        problem = name_problem(name)
        if problem:
            self.query_one("#error", Static).update(problem)
        else:
            self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss("")


# ---- search ----------------------------------------------------------------------------------


class SearchPrompt(ModalScreen[tuple[str, bool] | None]):
    """A one-line search prompt at the bottom, like vim's ``/``. Returns (pattern, regex)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "toggle_regex", "Regex", id="dialog.search_regex"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    DEFAULT_CSS = """
    SearchPrompt { background: transparent; }
    SearchPrompt #bar { dock: bottom; height: auto; background: $panel; }
    SearchPrompt #row { height: 1; }
    SearchPrompt #slash { width: 2; padding-left: 1; color: $accent; }
    SearchPrompt #pattern { width: 1fr; }
    SearchPrompt #regex { width: auto; margin-left: 1; }
    SearchPrompt #keys { width: auto; color: $text-muted; margin-left: 1; }
    SearchPrompt #error { color: $text-error; height: auto; padding-left: 2; }
    SearchPrompt #error.-empty { display: none; }
    """

    def __init__(self, last: str = "", regex: bool = False) -> None:
        super().__init__()
        self.last = last
        self.regex = regex

    def compose(self) -> ComposeResult:
        with Vertical(id="bar"):
            yield Static("", id="error", classes="-empty", markup=False)
            with Horizontal(id="row"):
                yield Static("/", id="slash")
                yield Input(visible(self.last), compact=True, id="pattern")
                regex = MarkedCheckbox("Regex", self.regex, compact=True, id="regex")
                regex.can_focus = False  # the pattern keeps the focus, so Enter always submits
                yield regex
                yield Static("^t regex · esc cancel", id="keys", markup=False)

    def on_mount(self) -> None:
        self.query_one("#pattern", Input).focus()

    def action_toggle_regex(self) -> None:
        checkbox = self.query_one("#regex", Checkbox)
        checkbox.value = not checkbox.value

    @on(Checkbox.Changed)
    def _regex_changed(self, event: Checkbox.Changed) -> None:
        self.regex = event.value
        self._show_error("")

    def _show_error(self, message: str) -> None:
        error = self.query_one("#error", Static)
        error.update(visible(message))
        error.set_class(not message, "-empty")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        pattern = self.last if event.value == visible(self.last) else event.value
        if not pattern:
            self.dismiss(None)
            return
        if self.regex:
            try:
                re.compile(pattern)
            except re.error as error:
                self._show_error(f"Invalid regular expression: {error}")
                return
        self.dismiss((pattern, self.regex))

    def action_cancel(self) -> None:
        self.dismiss(None)
