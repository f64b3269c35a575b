"""The annotation screen: transcript, label legend, span list and status line, and the
question pinned above the transcript while the cursor is in its answer.

Keys map to :class:`~annotator.editor.Editor` methods; the screen then tells the transcript
view which rows changed. The keys come from :mod:`annotator.keymap`; every binding has an id
(``annotate.*``) so users can remap it in their config file; label hotkeys come from the
scheme (``annotate.label.<id>``), and so do the question codes' (``annotate.code.<id>``,
active in the coding pass only).

Three modes (``Q`` cycles them): spans; the question pass, where Enter, x, ] and [, the edge
keys, | and + act on questions; the coding pass, where the question codes' keys code the
question (or part) under the cursor or answered there, Enter edits that code and x clears
it. A key keeps one binding in every mode, and the action looks at the mode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property, partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.keys import (
    _character_to_key,  # pinned Textual; covered by a symbol-hotkey test
    format_key,
)
from textual.screen import Screen
from textual.timer import Timer

from ..editor import Editor, Range
from ..errors import AnnotatorError, DocumentLocked, MergeConflict, StaleView
from ..keymap import (
    ANNOTATE_KEYS,
    APP_KEYS,
    HELP_SECTIONS,
    REVIEW_KEYS,
    KeyBinding,
    default_key,
    mode_description,
)
from ..model import Question, Span
from ..scheme import Scheme
from ..store import OnConflict, ProjectGone
from ..textindex import display_text
from ..widgets.compositor import LeanCompositor
from ..widgets.painted import GivesSameLines
from ..widgets.panels import BottomBar, QuestionBar, SpanList, excerpt
from ..widgets.transcript_view import TranscriptView
from .dialogs import ChooseSpan, SearchPrompt, SpanEdit, SpanEditor
from .help import GuidelinesScreen, HelpScreen, key_display

if TYPE_CHECKING:
    from ..report import Counted

NARROW = 100  # below this width the span list is hidden until asked for
POLL_SECONDS = 1.0  # how often a window looks for changes other windows made


def textual_binding(key: KeyBinding, key_display: str | None = None) -> Binding:
    """The Textual binding of a keymap entry."""
    return Binding(
        key.keys, key.action, key.description, show=key.show, id=key.id, key_display=key_display
    )


class AnnotateScreen(GivesSameLines, Screen[None]):
    """One document, one annotator."""

    DEFAULT_CSS = """
    AnnotateScreen TranscriptView { width: 1fr; height: 1fr; }
    AnnotateScreen #status-bar { dock: bottom; }
    AnnotateScreen.-status-docked SpanList { margin-bottom: 3; }
    AnnotateScreen SpanList { dock: right; width: 38; }
    AnnotateScreen.-narrow SpanList { display: none; }
    AnnotateScreen.-narrow.-spans SpanList { display: block; width: 36; }
    AnnotateScreen.-wide.-no-spans SpanList { display: none; }
    """
    STATUS_WORDS: ClassVar[dict[str, str]] = {}  # how the status line names a status
    CODES_QUESTIONS: ClassVar[bool] = True  # binds the question codes' keys (coding pass)
    BINDINGS: ClassVar[list[BindingType]] = [textual_binding(key) for key in ANNOTATE_KEYS]

    def __init__(self, editor: Editor) -> None:
        super().__init__()
        self._compositor = LeanCompositor()  # (nothing composed yet)
        self.editor = editor
        self._goal_column: int | None = None
        self._cursor_timer: Timer | None = None
        self._span_timer: Timer | None = None

    # ---- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # No containers (the span list is docked as a sidebar): fewer widgets to visit on
        # every repaint. The bottom bar is docked too, the whole width under the span list
        # (which stops above it): the status line keeps its room when the list is shown.
        yield SpanList(id="spans")
        yield QuestionBar()
        yield TranscriptView(id="transcript")
        yield BottomBar(id="status-bar")

    # The widgets a keystroke updates, found once (a query walks the screen's widgets: on
    # every key, it is time taken from the floor's budget). Composed once, never replaced.
    @cached_property
    def view(self) -> TranscriptView:
        return self.query_one(TranscriptView)

    @cached_property
    def _bottom_bar(self) -> BottomBar:
        return self.query_one(BottomBar)

    @cached_property
    def _question_bars(self) -> list[QuestionBar]:
        return list(self.query(QuestionBar))  # none on the review screen

    def on_mount(self) -> None:
        self.set_class(bool(self.query("#status-bar")), "-status-docked")
        self.query_one(BottomBar).show_scheme(self.editor.scheme)
        self._show_questions_bar()
        self.view.show(self.editor)
        self.view.focus()
        self._refresh_panels()
        self._refresh_span_list()
        self.set_interval(POLL_SECONDS, self._poll)

    def on_resize(self) -> None:
        narrow = self.size.width < NARROW
        self.set_class(narrow, "-narrow")
        self.set_class(not narrow, "-wide")

    def show_editor(self, editor: Editor) -> None:
        """Switch to another document."""
        self.editor.save_cursor()
        editor.mode = self.editor.mode if self.editor.mode in editor.modes else "spans"
        self.editor = editor
        self._goal_column = None
        self._show_questions_bar()
        self.view.show(editor)
        self._refresh_panels()
        self._refresh_span_list()

    # ---- feedback ------------------------------------------------------------------------

    def _refresh_panels(self, spans: bool = False, message: str = "") -> None:
        bar = self._bottom_bar
        bar.show_editor(self.editor, message)
        if self.editor.mode != "spans":
            bar.show_legend(self.editor, self.view.question_swatches())
        for pinned in self._question_bars:
            if pinned.display != bool(self.editor.questions):
                self._show_questions_bar()
            if pinned.display:
                pinned.show(self.editor)
        if spans:
            # Rebuilt a moment after the last edit, not on every key: a burst of tagging
            # rebuilds it once, and a hidden list not at all (until it is shown).
            if self._span_timer is not None:
                self._span_timer.stop()
            self._span_timer = self.set_timer(0.2, self._refresh_span_list)

    def _refresh_span_list(self) -> None:
        span_list = self.query_one(SpanList)
        if span_list.display:
            if self.editor.mode == "spans":
                span_list.show_spans(self.editor)
            else:
                span_list.show_questions(self.editor)

    def _show_questions_bar(self) -> None:
        """The pinned question takes room only in a document with questions."""
        for pinned in self.query(QuestionBar):
            pinned.display = bool(self.editor.questions)

    def _stop(self, gone: ProjectGone) -> None:
        """The project file is gone: nothing more can be saved, so the app ends, saying why
        (and the command exits with status 1)."""
        self.app.exit(return_code=1, message=Text(f"error: {display_text(str(gone))}"))

    def _open_for_edits(self) -> bool:
        """Whether this document takes the annotator's edits; if not, say so (before a
        dialog opens, rather than when its answer is refused)."""
        try:
            self.editor.check_open()
        except DocumentLocked as error:
            self._fail(error)
            return False
        return True

    def _fail(self, error: Exception) -> None:
        if isinstance(error, DocumentLocked):
            # One clear line: what to do, with the key that does it.
            message = f"marked done: press {default_key('annotate.reopen')} to reopen"
            self.notify(message, title="Not done", severity="warning", timeout=6)
            self._refresh_panels(message=message)
            return
        self.notify(str(error), title="Not done", severity="error", timeout=6)
        self._refresh_panels(message="not saved: " + str(error).split(";")[0][:60])

    # ---- other windows -------------------------------------------------------------------

    def _poll(self) -> None:
        """About once a second: take in what other windows or processes changed here."""
        self._catch_up("updated from another window")

    def _catch_up(self, message: str, taken_in: Sequence[Range] = ()) -> bool:
        """Bring the view up to date with the project; whether anything changed.
        ``taken_in``: ranges the editor already took in but the view has not repainted."""
        try:
            self.editor.project.connection.check_file()
        except ProjectGone as gone:
            self._stop(gone)
            return False
        ranges = [*taken_in, *self.editor.sync()]
        if self.editor.stale:
            # Another layer this screen shows changed (suggestions, annotators under review):
            # reopen the document, at the same place.
            self.editor.save_cursor()
            self.app.open_document(self.editor.id)  # type: ignore[attr-defined]
            self._refresh_panels(message=message)
            return True
        if ranges:
            self.view.refresh_ranges(ranges)
            self._refresh_panels(spans=True, message=message)
        return bool(ranges)

    @contextmanager
    def _moving(self, message: str | Callable[[], str] = "") -> Iterator[None]:
        """Around a cursor or selection change: then repaint what moved, update the status
        line (``message``: or what says it, once the move is made), and remember the cursor
        a moment later."""
        old_cursor, old_selection = self.editor.cursor, self.editor.selection
        yield
        self.view.cursor_moved(old_cursor, old_selection)
        self._refresh_panels(message=message if isinstance(message, str) else message())
        self._remember_cursor()

    def _remember_cursor(self) -> None:
        # Saved a moment after the last move, not on every key: one write per pause.
        if self._cursor_timer is not None:
            self._cursor_timer.stop()
        self._cursor_timer = self.set_timer(0.5, self._settled)

    def _settled(self) -> None:
        """The cursor rests: remember it, and highlight the span under it in the span list
        (once per pause, not on every key)."""
        self.editor.save_cursor()
        here = self.editor.spans_at() if self.editor.mode == "spans" else []
        if here:
            self.query_one(SpanList).select_span(here[0].id)

    def _edit(
        self,
        change: Callable[[], list[Range]],
        done: str | Callable[[], str] = "saved",
        nothing: str = "",
        *,
        retry: Callable[[OnConflict], list[Range]] | None = None,
    ) -> None:
        """Run a span change (committed by the store); then repaint only what it touched.

        A change that may merge spans of one label passes ``retry``: when the merge would
        drop an attribute value, the user chooses which to keep and it runs again. A change
        refused because the project moved on under this window brings the view up to date.
        """
        old_cursor, old_selection = self.editor.cursor, self.editor.selection
        try:
            ranges = change()
        except MergeConflict as conflict:
            if retry is not None:
                self._resolve(conflict, retry, done, nothing)
                return
            self._fail(conflict)
            return
        except StaleView as error:
            # Nothing was changed: the window was behind. Show what is there now.
            self._catch_up("", taken_in=error.changed)
            self.notify(str(error), title="Another window", severity="warning", timeout=6)
            self._refresh_panels(message=str(error).split(";")[0])
            return
        except ProjectGone as gone:
            self._stop(gone)
            return
        except AnnotatorError as error:
            self._fail(error)
            return
        self.view.refresh_ranges(ranges)
        self.view.cursor_moved(old_cursor, old_selection)
        message = (done if isinstance(done, str) else done()) if ranges else nothing
        self._refresh_panels(spans=bool(ranges), message=message)
        self._remember_cursor()

    def _merging(self, change: Callable[[OnConflict], list[Range]], done: str = "saved") -> None:
        """A change that may merge spans of one label (see :meth:`_edit`)."""
        self._edit(partial(change, "refuse"), done, retry=change)

    @work
    async def _resolve(
        self,
        conflict: MergeConflict,
        retry: Callable[[OnConflict], list[Range]],
        done: str | Callable[[], str],
        nothing: str,
    ) -> None:
        """Merging would drop a value: keep the existing one, take the new one, or cancel."""
        name = conflict.attribute
        choice = await self.app.push_screen_wait(
            ChooseSpan(
                f"The overlapping {conflict.label} span has {name} = {conflict.existing!r}; "
                f"the new one {name} = {conflict.new!r}. Merged, which value stays?",
                [
                    (0, "Keep existing", f"{name} = {conflict.existing!r}"),
                    (1, "Take new", f"{name} = {conflict.new!r}"),
                ],
            )
        )
        if choice is None:
            self._refresh_panels(message="not merged: nothing changed")
            return
        how: OnConflict = "keep" if choice == 0 else "replace"
        self._edit(partial(retry, how), done, nothing)

    # ---- motion actions ------------------------------------------------------------------

    def action_move(self, motion: str, extend: bool = False) -> None:
        with self._moving():
            self._goal_column = None
            self.editor.move_to(self.editor.motion(motion), extend=extend)

    def action_vertical(self, direction: int, extend: bool = False) -> None:
        with self._moving():
            offset, self._goal_column = self.view.vertical(direction, self._goal_column)
            self.editor.move_to(offset, extend=extend)

    def action_page(self, direction: int) -> None:
        with self._moving():
            self.editor.move_to(self.view.page(direction))

    def action_visual(self) -> None:
        with self._moving():
            self.editor.toggle_visual()

    def action_clear(self) -> None:
        with self._moving():
            self.editor.clear_selection()

    def action_cycle_unit(self) -> None:
        failed: AnnotatorError | None = None
        with self._moving():
            try:
                self.editor.cycle_unit()
            except AnnotatorError as error:  # the unit changed; remembering it failed
                failed = error
        if failed is not None:
            self._fail(failed)

    def action_edge(self, edge: str, grow: bool) -> None:
        """Move an edge of the selection; with none, of the (innermost) span under the
        cursor (in the question pass: of the question whose text holds the cursor, or of
        the response region that does); elsewhere, of the unit under the cursor, which
        becomes the selection."""
        questions = self.editor.mode == "questions" and self.editor.selection is None
        if questions and self._question_edge(edge, grow):
            return
        here = (
            self.editor.spans_at()
            if self.editor.selection is None and self.editor.mode != "questions"
            else []
        )
        if here:
            span_id = here[0].id
            self._edit(
                lambda: self.editor.resize_span(span_id, edge, grow),
                nothing="no change",
                retry=lambda how: self.editor.resize_span(span_id, edge, grow, how),
            )
            return
        with self._moving():
            self.editor.resize_selection(edge, grow)

    def _question_edge(self, edge: str, grow: bool) -> bool:
        """The question pass's edge keys; False when the cursor is in no question or
        response region (the edge keys then grow a selection, as elsewhere)."""
        editor = self.editor
        question = editor.question_here()
        what = "question"
        if question is not None:
            question_id = question.id
            change = partial(editor.resize_question, question_id, edge, grow)
        else:
            answered = editor.questions.answered_at(editor.cursor)
            if answered is None:
                return False
            question, what = answered, "response region"
            change = partial(editor.resize_region, answered.id, edge, grow)
        name = question.name
        self._edit(change, done=f"{name}: {what} {edge} moved", nothing="no change")
        return True

    @on(TranscriptView.Clicked)
    def _clicked(self, event: TranscriptView.Clicked) -> None:
        with self._moving():
            if not event.extend:
                self.editor.clear_selection()
            self.editor.move_to(event.offset, extend=event.extend)
        here = self.editor.spans_at()
        if here and not event.extend:
            self.query_one(SpanList).select_span(here[0].id)

    # ---- span actions --------------------------------------------------------------------

    def action_tag(self, label: str) -> None:
        if self.editor.mode == "coding":
            self._refresh_panels(
                message="the coding pass codes questions: its keys are in the legend (Q: spans)"
            )
            return
        if self.editor.needs_attributes(label):
            if not self._open_for_edits():
                return
            start, end = self.editor.target()
            self._ask_and_tag(label, start, end)
            return
        self._merging(lambda how: self.editor.tag(label, on_conflict=how))

    @work
    async def _ask_and_tag(self, label: str, start: int, end: int) -> None:
        result: SpanEdit | None = await self.app.push_screen_wait(
            SpanEditor(
                self.editor.scheme, label, {}, "", excerpt(self.editor.text, start, end, 200)
            )
        )
        if result is not None:
            self._merging(
                lambda how: self.editor.tag(result.label, result.attributes, result.note, how)
            )

    async def _choose(self, verb: str) -> int | None:
        """The span under the cursor; asks which one when several overlap."""
        here = self.editor.spans_at()
        if not here:
            self._refresh_panels(message="no span under the cursor")
            return None
        if len(here) == 1:
            return here[0].id
        return await self._ask_which(here, verb)

    async def _ask_which(self, here: list[Span], verb: str) -> int | None:
        names = {label.id: label.name for label in self.editor.scheme.labels}
        choices = [
            (
                span.id,
                names.get(span.label, span.label),
                excerpt(self.editor.text, span.start, span.end),
            )
            for span in here
        ]
        return await self.app.push_screen_wait(ChooseSpan(f"Which span to {verb}?", choices))

    def action_edit(self) -> None:
        """Enter: edit the span (spans); confirm the question, or add the selection as a
        question (question pass); edit the question's code (coding pass)."""
        if self.editor.mode == "questions":
            self._confirm_or_add()
        elif self.editor.mode == "coding":
            unit = self._unit_or_say()
            if unit is not None:
                code = self.editor.code_of(unit)
                self._ask_and_code(unit, code.label if code else None)
        else:
            self._edit_span()

    @work
    async def _edit_span(self) -> None:
        if not self._open_for_edits():
            return
        span_id = await self._choose("edit")
        if span_id is None:
            return
        editor = self.editor
        span = editor.spans[span_id]
        questions = None
        if editor.links_questions and editor.questions:
            questions = [
                (q.id, f"{q.name} · {excerpt(editor.text, q.start, q.end, 60)}")
                for q in editor.questions.all
            ]
        result: SpanEdit | None = await self.app.push_screen_wait(
            SpanEditor(
                editor.scheme,
                span.label,
                dict(span.attributes),
                span.note,
                excerpt(editor.text, span.start, span.end, 200),
                questions=questions,
                question=span.question_id,
            )
        )
        if result is not None:
            self._merging(
                lambda how: editor.update(
                    span_id,
                    label=result.label,
                    attributes=result.attributes,
                    note=result.note,
                    on_conflict=how,
                    question=result.question,
                )
            )

    def action_delete(self) -> None:
        """x: delete the span (spans), the question (question pass), or clear the question's
        code (coding pass)."""
        editor = self.editor
        if editor.mode == "questions":
            question = self._question_or_say()
            if question is not None:
                name, question_id = question.name, question.id
                self._edit(lambda: editor.delete_question(question_id), done=f"{name} deleted")
        elif editor.mode == "coding":
            unit = self._unit_or_say()
            if unit is not None:
                unit_id = unit.id
                self._edit(
                    lambda: editor.clear_code(unit_id),
                    done=f"{unit.name}: code cleared",
                    nothing=f"{unit.name} has no code of yours",
                )
        else:
            self._delete_span()

    @work
    async def _delete_span(self) -> None:
        span_id = await self._choose("delete")
        if span_id is not None:
            self._edit(lambda: self.editor.delete(span_id))

    # ---- question pass -------------------------------------------------------------------

    def action_cycle_mode(self) -> None:
        """Q: spans, the question pass, the coding pass (when the scheme codes questions)."""
        editor = self.editor
        mode = editor.cycle_mode()
        self.view.mode_changed()
        if mode == "spans":
            self.query_one(BottomBar).show_scheme(editor.scheme)
        self.refresh_bindings()  # the question codes' keys work in the coding pass only
        self._refresh_span_list()
        if not editor.questions:
            hint = "no questions yet: select one and press Enter (question pass)"
        elif mode == "questions":
            hint = "] [ step, Enter confirms, | splits, + merges, x deletes"
        elif mode == "coding":
            hint = "] [ step, a code key codes the question, Enter edits the code, x clears it"
        else:
            hint = "label keys tag spans"
        self._refresh_panels(message=f"{editor.mode_name}: {hint}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The question codes' keys only in the coding pass (elsewhere a span label may
        # share the key, and its binding comes next).
        if action == "code":
            return self.editor.mode == "coding"
        return True

    def _question_or_say(self) -> Question | None:
        question = self.editor.question_here()
        if question is None:
            self._refresh_panels(message="no question under the cursor (] and [ step to one)")
        return question

    def _unit_or_say(self) -> Question | None:
        unit = self.editor.unit_here()
        if unit is None:
            self._refresh_panels(message="no question here (] and [ step to one)")
        return unit

    def _confirm_or_add(self) -> None:
        editor = self.editor
        selection = editor.selection
        if selection is not None:
            self._edit(
                lambda: editor.add_question(*selection),
                done=lambda: self._said("added", editor.question_here()),
            )
            return
        question = self._question_or_say()
        if question is None:
            return
        if question.status == "confirmed":
            self._refresh_panels(message=f"{question.name} is confirmed already")
            return
        question_id = question.id
        self._edit(lambda: editor.confirm_question(question_id), done=f"{question.name} confirmed")

    @staticmethod
    def _said(verb: str, question: Question | None) -> str:
        return f"{question.name} {verb}" if question is not None else verb

    def _only_in_question_pass(self, what: str) -> bool:
        if self.editor.mode == "questions":
            return True
        self._refresh_panels(message=f"{what} in the question pass (Q)")
        return False

    def action_split_question(self) -> None:
        """|: split the question (in one with parts, the part) before the cursor."""
        if not self._only_in_question_pass("| splits a question"):
            return
        editor = self.editor
        question = self._question_or_say()
        if question is not None:
            question_id = question.id
            parent = editor.questions.parent(question)
            self._edit(
                lambda: editor.split_question(question_id),
                done=lambda: f"split: {self._part_names(parent.id)}",
            )

    def _part_names(self, parent_id: int) -> str:
        parent = self.editor.questions.by_id.get(parent_id)
        if parent is None:
            return ""
        parts = self.editor.questions.parts_of(parent)
        return ", ".join(part.name for part in parts) or parent.name

    def action_merge_question(self) -> None:
        """+: merge the question (or part) with the next one."""
        if not self._only_in_question_pass("+ merges questions"):
            return
        editor = self.editor
        question = self._question_or_say()
        if question is not None:
            question_id = question.id
            self._edit(
                lambda: editor.merge_question(question_id),
                done=lambda: self._said("merged", editor.question_here()),
            )

    @on(SpanList.JumpToQuestion)
    def _jump_to_question(self, event: SpanList.JumpToQuestion) -> None:
        if event.question_id in self.editor.questions.by_id:
            self._step_to(lambda: self.editor.go_to_question(event.question_id))
        self.view.focus()

    def _step_to(self, step: Callable[[], Question | None]) -> None:
        found: list[Question | None] = []

        def said() -> str:
            question = found[0] if found else None
            if question is None:
                return "no more questions"
            return self.editor.describe_question(question)

        with self._moving(said):
            found.append(step())
        question = found[0]
        if question is not None:
            self.view.scroll_to_range(question.start, question.end)
            self.query_one(SpanList).select_question(question.id)

    # ---- coding pass ---------------------------------------------------------------------

    def action_code(self, label: str) -> None:
        """A question code's key: code the question (or part) under the cursor, or the one
        whose response region holds it; asks for the values the code requires."""
        unit = self._unit_or_say()
        if unit is None:
            return
        if self.editor.code_needs(label, unit):
            self._ask_and_code(unit, label)
            return
        unit_id, editor = unit.id, self.editor
        name = editor.code_name(label)
        self._edit(lambda: editor.code(unit_id, label), done=f"{unit.name} coded {name}")

    @work
    async def _ask_and_code(self, unit: Question, label: str | None) -> None:
        if not self._open_for_edits():
            return
        editor = self.editor
        codes = editor.scheme.unit("question")
        code = editor.code_of(unit)
        if label is None:
            leaves = [
                candidate.id
                for candidate in codes.labels
                if not candidate.deprecated
                and (codes.selectable == "any" or not codes.children(candidate.id))
            ]
            label = leaves[0]
        attributes = dict(code.attributes) if code is not None else {}
        result: SpanEdit | None = await self.app.push_screen_wait(
            SpanEditor(
                codes,
                label,
                attributes,
                code.note if code is not None else "",
                excerpt(editor.text, unit.start, unit.end, 200),
                title=f"Code {unit.name}",
            )
        )
        if result is not None:
            unit_id, name = unit.id, editor.code_name(result.label)
            self._edit(
                lambda: editor.code(unit_id, result.label, result.attributes, result.note),
                done=f"{unit.name} coded {name}",
            )

    @work
    async def action_suggestion(self, accept: bool) -> None:
        """Accept or reject the suggestion under the cursor, then go to the next one."""
        here = self.editor.suggestions_at()
        if not here:
            self._refresh_panels(message="no suggestion under the cursor")
            return
        span_id: int | None = here[0].id
        if len(here) > 1:
            span_id = await self._ask_which(here, "accept" if accept else "reject")
        if span_id is None:
            return
        if accept:
            self._merging(lambda how: self.editor.accept(span_id, how), done="accepted")
        else:
            self._edit(lambda: self.editor.reject(span_id), done="rejected")
        following = self.editor.next_span(True)
        if following is not None and following.id in self.editor.suggestions:
            self._jump(following.id)

    def action_next_span(self, forward: bool) -> None:
        if self.editor.mode != "spans":
            self._step_to(lambda: self.editor.step_question(forward))
            return
        span = self.editor.next_span(forward)
        if span is None:
            self._refresh_panels(message="no more spans")
            return
        self._jump(span.id)

    @on(SpanList.Jump)
    def _jump_from_list(self, event: SpanList.Jump) -> None:
        self._jump(event.span_id)
        self.view.focus()

    def _jump(self, span_id: int) -> None:
        with self._moving():
            self.editor.clear_selection()
            span = self.editor.spans.get(span_id) or self.editor.suggestions[span_id]
            self.editor.move_to(span.start)
        self.query_one(SpanList).select_span(span_id)

    def action_undo(self) -> None:
        self._edit(self.editor.undo, done=lambda: self.editor.summary, nothing="nothing to undo")

    def action_redo(self) -> None:
        self._edit(self.editor.redo, done=lambda: self.editor.summary, nothing="nothing to redo")

    # ---- search --------------------------------------------------------------------------

    @work
    async def action_search(self) -> None:
        last = self.editor.search
        result = await self.app.push_screen_wait(
            SearchPrompt(last.pattern if last else "", last.regex if last else False)
        )
        if result is None:
            return
        pattern, regex = result
        count = self.editor.find(pattern, regex)
        self.view.refresh()  # matches may be anywhere on screen
        if count:
            self.action_next_match(True)
        self._refresh_panels(message=f"{count} match{'es' if count != 1 else ''}")

    def action_next_match(self, forward: bool) -> None:
        match = self.editor.next_match(forward)
        if match is None:
            self._refresh_panels(message="no matches")
            return
        with self._moving():
            self.editor.clear_selection()
            self.editor.move_to(match[0])

    # ---- documents -----------------------------------------------------------------------

    def action_status(self, status: str) -> None:
        """D, S: mark the document, then move on to the next one not done (the app
        decides: the review screen stays), saying where the annotator is."""
        editor = self.editor
        try:
            editor.set_status(status)
        except AnnotatorError as error:
            self._fail(error)
            return
        marked = f"#{editor.id} marked {self.STATUS_WORDS.get(status, status)}"
        where = self.app.move_on(editor.id)  # type: ignore[attr-defined]
        if where is None:
            self._refresh_panels(message=marked.split(" ", 1)[1])
            return
        message = f"{marked} · {where}"
        self.notify(message, title="Queue", timeout=6)
        self._refresh_panels(message=message)

    def action_reopen(self) -> None:
        try:
            self.editor.reopen()
        except AnnotatorError as error:
            self._fail(error)
            return
        self._refresh_panels(message="reopened: you can edit again")

    def action_switch(self, step: int) -> None:
        self.app.switch_document(step)  # type: ignore[attr-defined]

    def action_documents(self) -> None:
        self.app.open_queue()  # type: ignore[attr-defined]

    def action_toggle_spans(self) -> None:
        self.toggle_class("-spans" if self.has_class("-narrow") else "-no-spans")
        self.call_after_refresh(self._refresh_span_list)

    def action_focus_spans(self) -> None:
        spans = self.query_one(SpanList)
        if spans.display:
            spans.focus()

    def action_report(self) -> None:
        """%: the report screen, on the layers this screen may show (annotation is blind:
        the annotator's own); choosing an example there brings the cursor to it."""
        from .report import ReportScreen

        self.editor.save_cursor()
        self.app.push_screen(
            ReportScreen(self.editor.project.path, self.report_layers()), self._to_example
        )

    def report_layers(self) -> tuple[str, ...]:
        """The layers the report screen offers from here: the annotator's own."""
        return (self.editor.annotator,)

    def _to_example(self, example: Counted | None) -> None:
        """Open the document of an example from the report, the cursor at its start (a
        question: in the coding pass)."""
        if example is None:
            return
        if example.document_id != self.editor.id:
            self.app.open_document(example.document_id)  # type: ignore[attr-defined]
            if self.editor.id != example.document_id:
                return  # it could not be opened (the app said why)
        if example.item == "question":
            self.show_questions()
        with self._moving(f"from the report: {example.label or 'an uncoded question'}"):
            self.editor.clear_selection()
            self.editor.move_to(self.editor.clamp(example.start))

    def show_questions(self) -> None:
        """Show the question codes: the coding pass (when the scheme codes questions)."""
        if "coding" in self.editor.modes:
            while self.editor.mode != "coding":
                self.action_cycle_mode()

    def action_guidelines(self) -> None:
        """F1: the guidelines of what is being labelled: in the question passes, the question
        codes (at the code of the question here); else the span labels (at the span here)."""
        editor = self.editor
        if editor.mode != "spans" and editor.scheme.has_unit("question"):
            unit = editor.unit_here()
            code = editor.code_of(unit) if unit is not None else None
            codes = editor.scheme.unit("question")
            self.app.push_screen(GuidelinesScreen(codes, code.label if code else None))
            return
        here = editor.spans_at()
        self.app.push_screen(GuidelinesScreen(editor.scheme, here[0].label if here else None))

    def commands(self) -> Iterable[SystemCommand]:
        """Every action of the screen for the command palette, with its keys as help."""
        for key in ANNOTATE_KEYS:
            yield SystemCommand(
                key.description,
                f"keys: {key_display(key.keys)}",
                partial(self.run_action, key.action),
            )
        yield from self._tag_commands()

    def _tag_commands(self) -> Iterable[SystemCommand]:
        for label in self.editor.scheme.labels:
            if not label.deprecated:
                yield SystemCommand(
                    f"Tag {label.name}",
                    f"key: {label.hotkey or '-'}; tags the selection or the unit under the cursor",
                    partial(self.run_action, f"tag('{label.id}')"),
                )
        if self.CODES_QUESTIONS and self.editor.mode == "coding":
            unit = self.editor.scheme.unit("question")
            for label in unit.labels:
                if not label.deprecated and (
                    unit.selectable == "any" or not unit.children(label.id)
                ):
                    yield SystemCommand(
                        f"Code {label.name}",
                        f"key: {label.hotkey or '-'}; codes the question here (coding pass)",
                        partial(self.run_action, f"code('{label.id}')"),
                    )

    def action_help(self) -> None:
        # From the active bindings, so remapped keys and the scheme's hotkeys show as they are.
        keys: dict[str, list[str]] = {}
        descriptions: dict[str, str] = {}
        for key, active in self.app.active_bindings.items():
            binding = active.binding
            if binding.description:
                name = binding.id or binding.action
                keys.setdefault(name, []).append(format_key(key))
                descriptions[name] = binding.description
        coding = self.editor.mode == "coding"
        sections: dict[str, list[tuple[str, str]]] = {group: [] for group in HELP_SECTIONS}
        for name, key_list in keys.items():
            if coding and name.startswith("annotate.label."):
                continue  # the coding pass's keys code questions
            description = mode_description(name, descriptions[name])
            sections[_group(name)].append((", ".join(key_list), description))
        shown = [(group, rows) for group, rows in sections.items() if rows]
        labels = self.editor.scheme.unit("question") if coding else self.editor.scheme
        heading = "Question codes" if coding else "Labels"
        self.app.push_screen(HelpScreen(shown, labels, labels_heading=heading))


def screen_for(scheme: Scheme, base: type[AnnotateScreen] = AnnotateScreen) -> type[AnnotateScreen]:
    """A screen class (``base``: annotation or review) whose bindings include the scheme's
    label hotkeys.

    Textual merges BINDINGS when a class is created, so each scheme gets a subclass; the
    hotkeys then show in the help screen and can be remapped like any other binding. A
    hotkey the screen itself uses (a digit on the review screen) is left to the screen: that
    label is tagged from the command palette there.
    """
    taken = {
        key.strip()
        for binding in base.BINDINGS
        if isinstance(binding, Binding)
        for key in binding.key.split(",")
    }
    # The question codes' keys first: in the coding pass they win over a span label's key
    # (check_action turns them off elsewhere).
    codes: list[BindingType] = []
    if base.CODES_QUESTIONS and scheme.has_unit("question"):
        unit = scheme.unit("question")
        codes = [
            Binding(
                _character_to_key(label.hotkey),
                f"code('{label.id}')",
                f"Code {label.name}",
                show=False,
                id=f"annotate.code.{label.id}",
            )
            for label in unit.labels
            if label.hotkey
            and not label.deprecated
            and (unit.selectable == "any" or not unit.children(label.id))
            and _character_to_key(label.hotkey) not in taken
        ]
    hotkeys: list[BindingType] = [
        Binding(
            _character_to_key(label.hotkey),
            f"tag('{label.id}')",
            f"Tag {label.name}",
            show=False,
            id=f"annotate.label.{label.id}",
        )
        for label in scheme.labels
        if label.hotkey and not label.deprecated and _character_to_key(label.hotkey) not in taken
    ]
    return type(base.__name__, (base,), {"BINDINGS": [*codes, *hotkeys]})


# Each binding id's help section; label hotkeys and bindings without an id of ours (Textual's
# own) are not in the keymap.
_GROUP_OF = {key.id: key.group for key in (*ANNOTATE_KEYS, *REVIEW_KEYS, *APP_KEYS)}


def _group(binding_id: str) -> str:
    if binding_id.startswith(("annotate.label.", "annotate.code.")):
        return "Labels"
    return _GROUP_OF.get(binding_id, "App")
