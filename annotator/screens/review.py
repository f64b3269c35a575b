"""The review screen: the gold layer of one document, the annotators' versions of the
disagreement under the cursor stacked below it, and keys to settle each one.

It is the annotation screen with a :class:`~annotator.review.ReviewEditor`: the same keys
move, select, tag, edit, resize, delete, search and undo (on gold spans), and their ids
(``annotate.*``) are shared, so a user's keymap applies to both. ``n`` and ``p`` step through
the open disagreements here, ``N`` and ``P`` through all of them, the status line saying
whether each is settled (so a search's next match is ``/`` and Enter again: the prompt offers
the last pattern); the review keys have ids ``review.*``. Both sets are in
:mod:`annotator.keymap`.

``Q`` switches to the question codes (the question view, :class:`QuestionPanel`): then ``n``
and ``p`` step through the questions the annotators coded differently and are still without
a gold code, ``N`` and ``P`` through all of them, ``1``–``9`` take an
annotator's code as the question's gold code, ``M`` gives gold every code a majority agree
on, ``Enter`` gives the question a gold code of the reviewer's own and ``x`` clears it; the
other keys (motions, undo) work as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import ClassVar

from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType

from ..editor import Range
from ..keymap import REVIEW_SCREEN_KEYS
from ..review import ReviewEditor
from ..widgets.compare_panel import ComparePanel
from ..widgets.panels import BottomBar, SpanList, excerpt
from ..widgets.question_panel import QuestionPanel
from ..widgets.transcript_view import TranscriptView
from .annotate import AnnotateScreen, textual_binding
from .dialogs import ChooseSpan, SpanEdit, SpanEditor
from .help import GuidelinesScreen, key_display


class ReviewScreen(AnnotateScreen, inherit_bindings=False):
    """One document's gold layer, for one reviewer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # One entry in the key bar for the nine version keys.
        textual_binding(key, key_display="1–9" if key.id == "review.version_1" else None)
        for key in REVIEW_SCREEN_KEYS
    ]
    DEFAULT_CSS = """
    ReviewScreen QuestionPanel { display: none; }
    ReviewScreen.-questions QuestionPanel { display: block; }
    ReviewScreen.-questions ComparePanel { display: none; }
    """
    editor: ReviewEditor
    STATUS_WORDS: ClassVar[dict[str, str]] = {"done": "reviewed"}
    CODES_QUESTIONS: ClassVar[bool] = False  # questions are coded on the annotation screen

    def __init__(self, editor: ReviewEditor) -> None:
        super().__init__(editor)
        self._highlighted: Range | None = None

    def on_mount(self) -> None:
        self.add_class("-no-spans")  # room for the versions; F2 shows the gold span list
        super().on_mount()

    def compose(self) -> ComposeResult:
        yield SpanList(id="spans")
        yield TranscriptView(id="transcript")
        yield ComparePanel()
        yield QuestionPanel()
        yield BottomBar()

    # ---- feedback ------------------------------------------------------------------------

    def _refresh_panels(self, spans: bool = False, message: str = "") -> None:
        super()._refresh_panels(spans, message)
        focus = self.editor.focus_range()
        if focus != self._highlighted:
            # The disagreement (or question) under the cursor is highlighted in the transcript.
            self.view.refresh_ranges(r for r in (self._highlighted, focus) if r is not None)
            self._highlighted = focus
        if self.editor.question_mode:
            self.query_one(QuestionPanel).show(self.editor, force=spans)
        else:
            self.query_one(ComparePanel).show(self.editor, force=spans)

    def show_editor(self, editor: ReviewEditor) -> None:  # type: ignore[override]
        self._highlighted = None
        editor.question_mode = self.editor.question_mode  # the view stays as it was
        super().show_editor(editor)

    # ---- review actions ------------------------------------------------------------------

    def action_next_disagreement(self, forward: bool, settled: bool = False) -> None:
        """n p: the next or previous open disagreement; N P (``settled``): any, the status
        line saying whether it is settled."""
        if self.editor.question_mode:
            self._next_question(forward, settled)
            return
        found = self.editor.next_disagreement(forward, settled)
        if found is None:
            self._refresh_panels(
                message="no disagreements here"
                if settled
                else "no open disagreements: D marks the document reviewed"
            )
            return
        with self._moving(message=lambda: self.editor.where(found) if settled else ""):
            self.editor.clear_selection()
            self.editor.move_to(found.start)

    def action_accept_version(self, number: int) -> None:
        names = self.editor.names
        who = self.editor.display_name(names[number - 1]) if number <= len(names) else ""
        if self.editor.question_mode:
            self._decide_question(
                lambda: self.editor.accept_code_version(number), f"took {who}'s code"
            )
            return
        self._decide(lambda: self.editor.accept_version(number), f"took {who}'s version")

    def action_reject(self) -> None:
        if self.editor.question_mode:
            self._refresh_panels(
                message="a question is settled by a code: 1–9 take one, Enter gives your own"
            )
            return
        self._decide(self.editor.reject_open, "rejected")

    def _decide(self, decision: Callable[[], list[Range]], done: str) -> None:
        """A decision, then on to the next open disagreement (as after a suggestion)."""
        before = self.editor.current
        self._edit(decision, done=done)
        if before is not None and not self.editor.is_open(before):
            following = self.editor.next_disagreement(True)
            if following is not None and following.start > before.start:
                with self._moving(message=done):
                    self.editor.move_to(following.start)

    def action_auto_merge(self) -> None:
        if self.editor.question_mode:
            self.editor.summary = ""
            self._edit(self.editor.merge_codes, nothing="no question codes left to merge")
            if self.editor.summary:
                self._refresh_panels(message=self.editor.summary)
            return
        self._merge_spans()

    @work
    async def _merge_spans(self) -> None:
        count = len(self.editor.names)
        choices = [(count, f"all {count} agree", "accept spans every annotator made exactly")]
        choices += [
            (k, f"{k} of {count}", f"accept spans at least {k} annotators made exactly")
            for k in range(count - 1, 1, -1)
        ]
        minimum = await self.app.push_screen_wait(
            ChooseSpan("Auto-merge: how many agree?", choices)
        )
        if minimum is None:
            return

        self.editor.summary = ""
        self._edit(lambda: self.editor.auto_merge(minimum), nothing="nothing left to merge")
        if self.editor.summary:
            self._refresh_panels(message=self.editor.summary)

    # ---- question codes ------------------------------------------------------------------

    def action_toggle_questions(self) -> None:
        editor = self.editor
        if editor.question_review.unit is None:
            self._refresh_panels(message="the scheme has no question codes")
            return
        editor.question_mode = not editor.question_mode
        self.set_class(editor.question_mode, "-questions")
        if editor.question_mode:
            self.query_one(QuestionPanel).show(editor, force=True)
            message = f"question codes: {editor.question_review.open_count()} open · Q the spans"
        else:
            self.query_one(ComparePanel).show(editor, force=True)
            message = "spans"
        self._refresh_panels(message=message)

    def _next_question(self, forward: bool, settled: bool = False) -> None:
        found = self.editor.next_question(forward, settled)
        if found is None:
            self._refresh_panels(
                message="no question disagreements here"
                if settled
                else "no open question disagreements: M merges what a majority agree on"
            )
            return
        with self._moving(message=lambda: self.editor.where_question(found) if settled else ""):
            self.editor.clear_selection()
            self.editor.move_to(found.question.start)

    def _decide_question(self, decision: Callable[[], list[Range]], done: str) -> None:
        """A decision on the current question, then on to the next open one."""
        before = self.editor.current_case
        self._edit(decision, done=f"{done} for {before.question.name}" if before else done)
        after = self.editor.question_review.case(before.question.id) if before else None
        if before is not None and after is not None and not after.is_open:
            following = self.editor.next_question(True)
            if following is not None and following.question.start > before.question.start:
                with self._moving(message=f"{done} for {before.question.name}"):
                    self.editor.move_to(following.question.start)

    def action_edit(self) -> None:
        if self.editor.question_mode:
            self._code_question()
        else:
            super().action_edit()

    @work
    async def _code_question(self) -> None:
        """The reviewer's own gold code for the current question: the dialog starts from its
        gold code, else from the first annotator's code."""
        case = self.editor.current_case
        unit = self.editor.question_review.unit
        if case is None or unit is None:
            self._refresh_panels(message="no question under the cursor: n goes to one")
            return
        start = case.gold or next(iter(case.codes.values()), None)
        label = start.label if start else next(lb.id for lb in unit.labels if not lb.deprecated)
        question = case.question
        result: SpanEdit | None = await self.app.push_screen_wait(
            SpanEditor(
                unit,
                label,
                dict(start.attributes) if start else {},
                start.note if start else "",
                excerpt(self.editor.text, question.start, question.end, 200),
                title=f"Gold code of {question.name}",
            )
        )
        if result is not None:
            self._decide_question(
                lambda: self.editor.code_question(result.label, result.attributes, result.note),
                "gave your code",
            )

    def action_delete(self) -> None:
        if self.editor.question_mode:
            self._clear_question_code()
        else:
            super().action_delete()

    @work
    async def _clear_question_code(self) -> None:
        case = self.editor.current_case
        name = case.question.name if case else ""
        self._edit(self.editor.clear_gold_code, done=f"cleared the gold code of {name}")

    def show_questions(self) -> None:
        """Show the question codes: the question view."""
        if not self.editor.question_mode:
            self.action_toggle_questions()

    def report_layers(self) -> tuple[str, ...]:
        """A reviewer's report: each annotator and their spread, gold, each annotator."""
        project = self.editor.project
        gold = ("gold",) if project.has_gold() else ()
        return ("all", *gold, *project.annotators())

    def action_guidelines(self) -> None:
        """F1: in the question view, the question codes' guidelines (at the gold code of the
        question here); else the span labels'."""
        case = self.editor.current_case if self.editor.question_mode else None
        unit = self.editor.question_review.unit if self.editor.question_mode else None
        if unit is None:
            super().action_guidelines()
            return
        gold = case.gold if case is not None else None
        self.app.push_screen(GuidelinesScreen(unit, gold.label if gold else None))

    def action_toggle_anonymous(self) -> None:
        self.editor.anonymous = not self.editor.anonymous
        # The app keeps the choice for the queue and the next documents.
        self.app.anonymous = self.editor.anonymous  # type: ignore[attr-defined]
        self._refresh_panels(message="anonymised" if self.editor.anonymous else "names shown")

    def commands(self) -> Iterable[SystemCommand]:
        # ReviewScreen's own list: a scheme's subclass (screen_for) holds only its hotkeys.
        for binding in ReviewScreen.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.description:
                yield SystemCommand(
                    binding.description,
                    f"keys: {key_display(binding.key)}",
                    partial(self.run_action, binding.action),
                )
        yield from self._tag_commands()
