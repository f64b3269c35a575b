"""The review screen's question view (``Q``): each annotator's code of the question under the
cursor, one per row, then its gold code and how that came about.

The header names the question (``Q3``), its speaker, its place among the question
disagreements, its state (in the state's colour, with its mark) and down to which level of
the code hierarchy the annotators still agree; the next row is the question's text. Each
version row shows the key that accepts it, its fate (✓ a source of the gold code, ✗ not,
• no gold code yet), the annotator (or ``A1``... anonymised), the code as a path down the
hierarchy (``Ambivalent › Dodging``) and its attribute values and note. The gold row gives the
gold code with its provenance (method, how many agreed, the level of an agreed ancestor, the
reviewer, whose codes it came from); ``⚠`` marks a gold code whose source an annotator
changed since; the last row lists the keys. Every text from the data (names, question,
labels, values, notes) is shown literally.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual.widget import Widget

from ..model import Code
from ..review import ReviewEditor
from ..review_questions import AGREE, ATTRIBUTES, LABEL, PARTIAL, STATE_NAMES, UNCODED
from ..textindex import display_text
from .compare_panel import attribute_text, fit

NAME_WIDTH = 10
QUESTION_WIDTH = 400  # characters of a long question shown (the row cuts it to the width)
DECISION_MARKS = {"accepted": ("✓", "green"), "rejected": ("✗", "red"), "open": ("•", "")}
# Each state's mark, so that the states read without colour too (as the span versions').
STATE_MARKS = {AGREE: "=", LABEL: "≠", ATTRIBUTES: "≈", PARTIAL: "◐", UNCODED: "∅"}
LEGEND = (
    " 1–9 take that annotator's code · Enter your own code · x clear the gold code · "
    "M merge by majority · n p the open ones · N P all · Q back to the spans"
)


class QuestionPanel(Widget):
    # The states' colours are the span states' (the compare panel's).
    DEFAULT_CSS = """
    QuestionPanel { height: 6; background: $panel; color: $foreground; }
    QuestionPanel > .question-panel--agree { color: $success; text-style: bold; }
    QuestionPanel > .question-panel--label { color: $error; text-style: bold; }
    QuestionPanel > .question-panel--attributes { color: magenta; text-style: bold; }
    QuestionPanel > .question-panel--partial { color: $primary; text-style: bold; }
    QuestionPanel > .question-panel--uncoded { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {f"question-panel--{state}" for state in STATE_MARKS}

    def __init__(self) -> None:
        super().__init__()
        self.editor: ReviewEditor | None = None
        self._shown: tuple[Any, ...] | None = None

    def show(self, editor: ReviewEditor, *, force: bool = False) -> None:
        """Show the question under the editor's cursor (``force``: after a decision)."""
        case = editor.current_case
        key = (id(editor), case, editor.anonymous)
        if key == self._shown and not force:
            return
        self._shown = key
        self.editor = editor
        self.styles.height = 4 + len(editor.names)
        self.refresh()

    @property
    def lines(self) -> list[str]:
        """The panel as plain text (for tests)."""
        return [line.plain for line in self._build()]

    def render(self) -> Text:
        text = Text("\n").join(self._build())
        text.no_wrap, text.overflow = True, "ellipsis"
        return text

    # ---- building ------------------------------------------------------------------------

    def _build(self) -> list[Text]:
        editor = self.editor
        if editor is None:
            return []
        review = editor.question_review
        styles = {
            state: self.get_component_rich_style(f"question-panel--{state}")
            for state in STATE_MARKS
        }
        if review.unit is None:
            return [Text(" The scheme has no question codes: nothing to review here", "bold")]
        if not review.cases:
            return [Text(" This document has no questions to code", "bold")]
        case = editor.current_case
        open_count = Text(
            f" │ {review.open_count()} of {len(review.disagreements)} open", style="dim"
        )
        if case is None:
            header = Text(" No question under the cursor", style="bold")
            header.append(" · n next · p previous", style="dim")
            return [header + open_count, Text(""), Text(LEGEND, style="dim")]
        question = case.question
        header = Text(" ")
        header.append(question.name, style="bold")
        speaker = editor.speaker_name(question.speaker)
        if speaker:
            header.append(" · " + display_text(speaker, keep_newlines=False))
        position = review.position(case)
        if position:
            header.append(f" · question disagreement {position} of {len(review.disagreements)}")
        header.append(" · ")
        header.append(f"{STATE_MARKS[case.state]} {STATE_NAMES[case.state]}", styles[case.state])
        if case.state == LABEL:
            header.append(
                f" · agree down to level {case.agreed_to}"
                if case.agreed_to
                else " · agree at no level"
            )
        if case.is_disagreement and not case.is_open:
            header.append(" · settled", style="green")
        asked = display_text(editor.text[question.start : question.end], keep_newlines=False)
        lines = [
            header + open_count,
            Text("   “" + asked[:QUESTION_WIDTH] + "”", style="italic"),
        ]
        for version in review.versions(case, editor.display_name):
            line = Text(" ")
            line.append(f" {version.number} ", style="bold reverse")
            mark, style = DECISION_MARKS.get(version.decision, (" ", ""))
            line.append(f" {mark} ", style=style)
            line.append(fit(version.shown_as, NAME_WIDTH))
            line.append(" ")
            if version.code is None:
                line.append("(no code)", style="dim")
            else:
                line.append_text(self._code(version.code, version.path))
            lines.append(line)
        lines.append(self._gold(editor, case.gold, review.stale.get(question.id)))
        lines.append(Text(LEGEND, style="dim"))
        return lines

    def _code(self, code: Code, path: tuple[str, ...]) -> Text:
        review = self.editor.question_review if self.editor else None
        names: Mapping[str, str] = (
            {label.id: label.name for label in review.unit.labels} if review and review.unit else {}
        )
        text = Text(" › ".join(display_text(names.get(p, p), keep_newlines=False) for p in path))
        details = _details(code)
        if details:
            text.append("  " + details, style="italic")
        return text

    def _gold(self, editor: ReviewEditor, gold: Code | None, stale: str | None) -> Text:
        line = Text("      ")
        line.append(fit("gold", NAME_WIDTH), style="bold")
        line.append(" ")
        if gold is None:
            line.append("(no gold code yet)", style="dim")
            return line
        if stale:
            line.append(f"⚠ {stale} ", style="bold red")
        line.append_text(self._code(gold, editor.question_review.path(gold.label)))
        provenance = gold.provenance or {}
        said = [str(provenance.get("method", "set by hand"))]
        sources = provenance.get("sources", ())
        if provenance.get("of") and provenance.get("method") != "adjudicated":
            said.append(f"{len(sources)} of {provenance['of']} agree")
        if provenance.get("level"):
            said.append(f"at level {provenance['level']}")
        if provenance.get("reviewer"):
            said.append("by " + display_text(str(provenance["reviewer"]), keep_newlines=False))
        # In the versions' order: in the names' order, A1 A3 A2 would say who is who.
        names = [str(name) for name in provenance.get("annotators", ())]
        order = {name: i for i, name in enumerate(editor.names)}
        who = [
            display_text(_shown_as(editor, name), keep_newlines=False)
            for name in sorted(names, key=lambda name: order.get(name, len(order)))
        ]
        if who:
            said.append("from " + ", ".join(who))
        line.append(" │ " + " · ".join(said), style="dim")
        return line


def _shown_as(editor: ReviewEditor, name: str) -> str:
    """An annotator as the versions show them (one who no longer counts: not by name when
    anonymised)."""
    if name in editor.names:
        return editor.display_name(name)
    return "another annotator" if editor.anonymous else name


def _details(code: Code) -> str:
    """A code's attribute values and note, on one line."""
    values = [f"{key}={attribute_text(value)}" for key, value in code.attributes.items()]
    if code.note:
        values.append("note: " + " ".join(code.note.split()))
    return display_text(", ".join(values), keep_newlines=False)
