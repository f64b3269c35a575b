"""The review screen: the gold layer of one document, the annotators' versions of the
disagreement under the cursor stacked below it, and keys to settle each one.

It is the annotation screen with a :class:`~annotator.review.ReviewEditor`: the same keys
move, select, tag, edit, resize, delete and undo (on gold spans), and their ids
(``annotate.*``) are shared, so a user's keymap applies to both. Search is left out (``n``
steps through disagreements here); the review keys have ids ``review.*``. Both sets are in
:mod:`annotator.keymap`.
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
from ..review import Disagreement, ReviewEditor
from ..widgets.compare_panel import ComparePanel
from ..widgets.panels import BottomBar, SpanList
from ..widgets.transcript_view import TranscriptView
from .annotate import AnnotateScreen, textual_binding
from .dialogs import ChooseSpan
from .help import key_display


class ReviewScreen(AnnotateScreen, inherit_bindings=False):
    """One document's gold layer, for one reviewer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # One entry in the key bar for the nine version keys.
        textual_binding(key, key_display="1–9" if key.id == "review.version_1" else None)
        for key in REVIEW_SCREEN_KEYS
    ]
    editor: ReviewEditor
    STATUS_WORDS: ClassVar[dict[str, str]] = {"done": "reviewed"}
    CODES_QUESTIONS: ClassVar[bool] = False  # questions are coded on the annotation screen

    def __init__(self, editor: ReviewEditor) -> None:
        super().__init__(editor)
        self._highlighted: Disagreement | None = None

    def on_mount(self) -> None:
        self.add_class("-no-spans")  # room for the versions; F2 shows the gold span list
        super().on_mount()

    def compose(self) -> ComposeResult:
        yield SpanList(id="spans")
        yield TranscriptView(id="transcript")
        yield ComparePanel()
        yield BottomBar()

    # ---- feedback ------------------------------------------------------------------------

    def _refresh_panels(self, spans: bool = False, message: str = "") -> None:
        super()._refresh_panels(spans, message)
        current = self.editor.current
        if current is not self._highlighted:
            # The disagreement under the cursor is highlighted in the transcript.
            self.view.refresh_ranges(
                (d.start, d.end) for d in (self._highlighted, current) if d is not None
            )
            self._highlighted = current
        self.query_one(ComparePanel).show(self.editor, force=spans)

    def show_editor(self, editor: ReviewEditor) -> None:  # type: ignore[override]
        self._highlighted = None
        super().show_editor(editor)

    # ---- review actions ------------------------------------------------------------------

    def action_next_disagreement(self, forward: bool) -> None:
        found = self.editor.next_disagreement(forward)
        if found is None:
            self._refresh_panels(message="no open disagreements: D marks the document reviewed")
            return
        with self._moving():
            self.editor.clear_selection()
            self.editor.move_to(found.start)

    def action_accept_version(self, number: int) -> None:
        names = self.editor.names
        who = self.editor.display_name(names[number - 1]) if number <= len(names) else ""
        self._decide(lambda: self.editor.accept_version(number), f"took {who}'s version")

    def action_reject(self) -> None:
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

    @work
    async def action_auto_merge(self) -> None:
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
