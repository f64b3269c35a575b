"""One annotator's editing session on one document: cursor, selection, snapping and spans.

Plain Python (no Textual), so every editing rule is testable without a terminal; the
transcript widget draws an :class:`Editor` and turns keys into its methods.

Every change goes through the :class:`~annotator.store.Project` first (committed, logged)
and only then into the in-memory :class:`~annotator.textindex.SpanIndex` the view paints
from, so the screen never shows a span that is not on disk. The editor learns what a change
did from the change log: after each of its own writes, and when :meth:`Editor.sync` finds
that another window or process wrote to the project, it applies every logged change of its
document since the last one it saw (whoever made it), so two windows on one layer stay in
step, and undo never takes back an edit this window has not shown. Methods that change spans
return the ``[start, end)`` ranges whose painting changed.

Questions are shared by every annotator, so a change of a question, whoever made it, reloads
the document's questions (and may relink spans of this layer, which the log records as span
changes of this layer); only this annotator's own codes are kept. The editor has three
modes (:data:`annotator.keymap.MODES`): spans, the question pass (mark, confirm, split, merge
and delete questions, move their edges and their response regions' edges) and the coding
pass (one code per question, or per part of a question with parts).

Selections follow vim's visual mode: the cursor is a character cell, and a selection covers
every cell from the anchor to the cursor inclusive, widened outward to the snapping unit.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from . import motions
from .errors import InvalidValue, ProjectError, StaleView
from .keymap import MODE_NAMES, MODES
from .model import Change, Code, Question, Span, Turn
from .question_index import QuestionIndex, changed_ranges
from .span_table import SpanTable, index_entries, text_order
from .store import GOLD, OnConflict, Project
from .textindex import SpanIndex

Range = tuple[int, int]

# What plain search takes as the same character: typographic apostrophes and quotes as the
# straight ones, every dash and hyphen as "-", no-break spaces as a space (transcripts such as
# the White House's use "’" throughout, and nobody types it). Each character folds to exactly
# one, so an offset in the folded text is the same offset in the text, which is never changed.
SEARCH_FOLD = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
        **dict.fromkeys("\u00a0\u202f", " "),
    }
)


def fold(text: str) -> str:
    """``text`` as plain search compares it (:data:`SEARCH_FOLD`): same length, same offsets."""
    return text.translate(SEARCH_FOLD)


@dataclass(frozen=True)
class SearchState:
    pattern: str
    regex: bool
    starts: list[int]
    ends: list[int]


class Editor:
    """One layer's editing session; :class:`~annotator.review.ReviewEditor` edits gold."""

    reviewer: str | None = None  # who edits, when the layer is the gold one
    links_questions = True  # the span dialog offers the span's question link

    def __init__(
        self,
        project: Project,
        document_id: int,
        annotator: str,
        suggestions_from: str | None = None,
    ) -> None:
        if annotator == GOLD and self.reviewer is None:
            raise ProjectError(
                f"{GOLD!r} is the reviewers' layer: reviewers settle it on the review screen"
            )
        self.project = project
        self.scheme = project.scheme
        self.document = project.document(document_id)
        self.text = self.document.text
        turns = project.turns(document_id)
        self.turns: list[Turn] = turns or [Turn(0, 0, max(len(self.text), 1))]
        self._turn_starts = [turn.start for turn in self.turns]
        # What the view shows for each speaker label of the document: the person it names
        # (``annotator speakers``), with the label where they differ. Read on opening.
        names = project.speaker_names()
        self.speaker_names = {t.speaker: names[t.speaker] for t in turns if t.speaker in names}
        self.annotator = annotator
        # The newest edit of the document this editor has taken in (0: none); read before the
        # spans, so that an edit committed in between is applied again (harmless) rather than
        # missed.
        self.seen_edit = project.newest_edit(document_id)
        self.stale = False  # another layer it shows changed: reopen the document
        self.summary = ""  # what the last undo or redo did, in words
        # The layer as rows: a span is made of its row when first asked for (a document
        # with 100,000 spans opens without making 100,000 of them).
        rows = project.span_rows(document_id, annotator)
        self.spans: MutableMapping[int, Span] = SpanTable(rows, project.span_of_row)
        self.index = SpanIndex(self.turns, index_entries(rows))
        self._starts = text_order(rows)
        self.status = project.status(document_id, annotator)
        self.cursor = min(project.cursor(document_id, annotator), self.last_position)
        self.anchor: int | None = None
        self.visual = False  # `v` mode: plain motions extend the selection
        # The unit the annotator last chose (remembered in the project, per annotator), else
        # the scheme's default.
        self.unit = project.snap_unit(annotator) or self.scheme.settings.snap
        self.search: SearchState | None = None
        self._folded: str | None = None  # the text as plain search compares it, once asked
        self._selection_key: tuple[int, int, str] | None = None
        self._selection: Range | None = None
        # Another layer's spans (say, a model's) offered for one-key accept or reject.
        self.suggestion_source = suggestions_from
        self.suggestions: dict[int, Span] = {}  # those still on offer
        self.suggestion_index = SpanIndex(self.turns)
        self._suggestion_starts: list[tuple[int, int]] = []
        self._offered, self._rejected = self._load_offers()
        self._update_suggestions()
        # Questions (shared) and this annotator's codes of them.
        self.mode = MODES[0]
        self.questions = QuestionIndex(project.questions(document_id))
        self.codes: dict[int, Code] = self._load_codes()
        self.chosen: int | None = None  # the question last stepped to (or coded)

    def _load_offers(self) -> tuple[list[Span], set[int]]:
        """The other layer's spans on offer, and those this layer turned down."""
        if self.suggestion_source is None:
            return [], set()
        return (
            self.project.spans(self.id, annotator=self.suggestion_source),
            self.project.rejected_suggestions(self.annotator),
        )

    # ---- positions -----------------------------------------------------------------------

    @property
    def id(self) -> int:
        return self.document.id

    @property
    def last_position(self) -> int:
        """The last character cell (the cursor never sits past the text)."""
        return max(len(self.text) - 1, 0)

    def clamp(self, position: int) -> int:
        return min(max(position, 0), self.last_position)

    def speaker_name(self, label: str | None) -> str | None:
        """What to show for a speaker label: ``Yvette Cooper (SPEAKER_01)``, or the label."""
        return None if label is None else self.speaker_names.get(label, label)

    def turn_at(self, offset: int) -> Turn:
        return self.turns[max(bisect_right(self._turn_starts, offset) - 1, 0)]

    # ---- cursor and selection ------------------------------------------------------------

    @property
    def selection(self) -> Range | None:
        """The selected ``[start, end)``, snapped to the unit; None when nothing is selected."""
        if self.anchor is None:
            return None
        # Asked for by every painted row: computed once per cursor, anchor and unit.
        key = (self.anchor, self.cursor, self.unit)
        if self._selection_key != key:
            start, end = sorted((self.anchor, self.cursor))
            self._selection = motions.snap_range(self.text, self.turns, start, end + 1, self.unit)
            self._selection_key = key
        return self._selection

    def move_to(self, position: int, *, extend: bool = False) -> None:
        """Move the cursor; ``extend`` (shift+motion, or `v` mode) grows the selection."""
        if extend or self.visual:
            if self.anchor is None:
                self.anchor = self.cursor
        else:
            self.anchor = None
        self.cursor = self.clamp(position)

    def toggle_visual(self) -> None:
        """`v`: start a selection at the cursor, or end the one in progress."""
        if self.visual or self.anchor is not None:
            self.clear_selection()
        else:
            self.visual, self.anchor = True, self.cursor

    def clear_selection(self) -> None:
        self.visual, self.anchor = False, None

    def cycle_unit(self) -> str:
        """The next snapping unit, remembered for this annotator's next document and start."""
        units = motions.UNITS
        self.unit = units[(units.index(self.unit) + 1) % len(units)]
        self.project.set_snap_unit(self.annotator, self.unit)
        return self.unit

    def resize_selection(self, edge: str, grow: bool) -> None:
        """Move the selection's ``start`` or ``end`` edge outward (grow) or inward by one unit.

        Without a selection, the unit under the cursor becomes the selection first.
        """
        start, end = self.selection or self.unit_range()
        if edge == "end":
            end = self._unit_end_after(end) if grow else self._unit_end_before(end, floor=start)
        else:
            start = self._unit_start_before(start) if grow else self._unit_start_after(start, end)
        if start >= end:
            return
        # Keep the cursor at the edge that moved, so motions continue from there.
        if edge == "end":
            self.anchor, self.cursor = start, self.clamp(end - 1)
        else:
            self.anchor, self.cursor = self.clamp(end - 1), start
        self.visual = True

    def unit_range(self, position: int | None = None) -> Range:
        pos = self.cursor if position is None else position
        return motions.unit_at(self.text, self.turns, pos, self.unit)

    def _unit_end_after(self, end: int) -> int:
        match = re.compile(r"\S").search(self.text, end)
        if match is None:
            return end
        return max(end, motions.unit_at(self.text, self.turns, match.start(), self.unit)[1])

    def _unit_end_before(self, end: int, floor: int) -> int:
        last = motions.unit_at(self.text, self.turns, end - 1, self.unit)
        before = self.text[floor : last[0]].rstrip()
        return floor + len(before) if before else end

    def _unit_start_before(self, start: int) -> int:
        before = self.text[:start].rstrip()
        if not before:
            return start
        return min(start, motions.unit_at(self.text, self.turns, len(before) - 1, self.unit)[0])

    def _unit_start_after(self, start: int, end: int) -> int:
        first = motions.unit_at(self.text, self.turns, start, self.unit)
        match = re.compile(r"\S").search(self.text, first[1], end)
        return match.start() if match else start

    def target(self) -> Range:
        """What a label hotkey tags: the selection, else the unit under the cursor."""
        return self.selection or self.unit_range()

    # ---- motions -------------------------------------------------------------------------

    def motion(self, name: str) -> int:
        """The position a named motion leads to from the cursor."""
        text, pos, turns = self.text, self.cursor, self.turns
        match name:
            case "left":
                return pos - 1
            case "right":
                return pos + 1
            case "word_next":
                return motions.next_word_start(text, pos)
            case "word_prev":
                return motions.prev_word_start(text, pos)
            case "word_end":
                return motions.word_end(text, pos)
            case "sentence_next":
                return motions.next_sentence_start(text, pos)
            case "sentence_prev":
                return motions.prev_sentence_start(text, pos)
            case "turn_next":
                return motions.next_turn_start(text, turns, pos)
            case "turn_prev":
                return motions.prev_turn_start(text, turns, pos)
            case "start":
                return 0
            case "end":
                return self.last_position
        raise ValueError(f"unknown motion {name!r}")

    # ---- spans ---------------------------------------------------------------------------

    def spans_at(self, offset: int | None = None) -> list[Span]:
        """Spans covering ``offset`` (the cursor), innermost (shortest) first."""
        refs = self.index.at(self.cursor if offset is None else offset)
        return sorted((self.spans[ref.key] for ref in refs), key=lambda s: (s.end - s.start, s.id))

    @property
    def span_order(self) -> Sequence[tuple[int, int]]:
        """``(start, id)`` of every span, in text order: kept up to date as spans change
        (the span list reads it; no copy)."""
        return self._starts

    def next_span(self, forward: bool = True) -> Span | None:
        """The first span or suggestion starting after (or before) the cursor."""
        found = [
            span
            for starts, table in (
                (self._starts, self.spans),
                (self._suggestion_starts, self.suggestions),
            )
            if (span := _neighbour(starts, table, self.cursor, forward)) is not None
        ]
        if not found:
            return None
        return (min if forward else max)(found, key=lambda span: span.start)

    # ---- suggestions ---------------------------------------------------------------------

    def suggestions_at(self, offset: int | None = None) -> list[Span]:
        refs = self.suggestion_index.at(self.cursor if offset is None else offset)
        spans = (self.suggestions[ref.key] for ref in refs)
        return sorted(spans, key=lambda s: (s.end - s.start, s.id))

    def accept(self, span_id: int, on_conflict: OnConflict = "refuse") -> list[Range]:
        """Copy a suggestion into this annotator's layer (undoable like any edit)."""
        self.project.accept_suggestion(span_id, self.annotator, on_conflict=on_conflict)
        return self._catch_up()

    def reject(self, span_id: int) -> list[Range]:
        self.project.reject_suggestion(span_id, self.annotator)
        return self._catch_up()

    def suggestion_tone(self, span_id: int, label: str) -> str:
        """How the view colours a suggestion: by its label (a review colours by state)."""
        return label

    def _on_offer(self) -> dict[int, Span]:
        """What is neither rejected nor already in the layer (as Project.suggestions
        decides, computed here in memory)."""
        own = {(s.label, s.start, s.end) for s in self.spans.values()}
        return {
            s.id: s
            for s in self._offered
            if s.id not in self._rejected and (s.label, s.start, s.end) not in own
        }

    def _update_suggestions(self, changes: Sequence[Change] = ()) -> list[Range]:
        """Bring the suggestions up to date after ``changes`` (all of them: none given);
        the ranges whose painting changed."""
        if not self._offered:
            return []
        fresh = self._on_offer()
        changed: list[Range] = []
        for span_id in set(self.suggestions) ^ set(fresh):
            if span_id in fresh:
                changed.append(self._offer(fresh[span_id]))
            else:
                changed.append(self._withdraw(span_id))
        return changed

    def _offer(self, span: Span) -> Range:
        self.suggestions[span.id] = span
        self.suggestion_index.add(span)
        insort(self._suggestion_starts, (span.start, span.id))
        return span.start, span.end

    def _withdraw(self, span_id: int) -> Range:
        span = self.suggestions.pop(span_id)
        self.suggestion_index.remove(span_id)
        del self._suggestion_starts[bisect_left(self._suggestion_starts, (span.start, span_id))]
        return span.start, span.end

    def needs_attributes(self, label: str) -> bool:
        """Whether tagging with ``label`` needs values that have no default (ask first)."""
        return bool(self.scheme.label(label).needed)

    def tag(
        self,
        label: str,
        attributes: Mapping[str, Any] | None = None,
        note: str = "",
        on_conflict: OnConflict = "refuse",
    ) -> list[Range]:
        """Tag the target with ``label``; clears the selection. Defaults fill attributes.

        Over a span of the same label whose attribute values differ, the store refuses with
        a :class:`~annotator.errors.MergeConflict` unless ``on_conflict`` says which to keep.
        """
        start, end = self.target()
        self._create(label, start, end, attributes, note, on_conflict)
        self.clear_selection()
        return self._catch_up()

    def _create(
        self,
        label: str,
        start: int,
        end: int,
        attributes: Mapping[str, Any] | None,
        note: str,
        on_conflict: OnConflict,
    ) -> None:
        self.project.create_span(
            self.id, self.annotator, label, start, end, attributes, note, on_conflict=on_conflict
        )

    def update(
        self,
        span_id: int,
        *,
        label: str,
        attributes: Mapping[str, Any],
        note: str,
        on_conflict: OnConflict = "refuse",
        question: int | Literal["keep"] | None = "keep",
    ) -> list[Range]:
        """Change a span's label, attributes and note, and the question it responds to
        (``question``: an id, None for none; by default it stays)."""
        fields: dict[str, Any] = {"question": question} if question != "keep" else {}
        self._revise(
            span_id,
            label=label,
            attributes=attributes,
            note=note,
            on_conflict=on_conflict,
            **fields,
        )
        return self._catch_up()

    def _revise(self, span_id: int, **fields: Any) -> None:
        self.project.update_span(span_id, self.annotator, **fields)

    def incomplete(self, span: Span) -> list[str]:
        """The required attributes the span still lacks (an import let it in without them)."""
        return self.project.incomplete(span)

    def resize_span(
        self, span_id: int, edge: str, grow: bool, on_conflict: OnConflict = "refuse"
    ) -> list[Range]:
        """Move a span's ``start`` or ``end`` edge outward (grow) or inward by one unit; the
        cursor follows the edge, so the next press moves it again."""
        span = self.spans[span_id]
        start, end = span.start, span.end
        if edge == "end":
            end = self._unit_end_after(end) if grow else self._unit_end_before(end, floor=start)
        else:
            start = self._unit_start_before(start) if grow else self._unit_start_after(start, end)
        if start >= end or (start, end) == (span.start, span.end):
            return []
        self._revise(span_id, start=start, end=end, on_conflict=on_conflict)
        self.clear_selection()
        self.cursor = self.clamp(end - 1 if edge == "end" else start)
        return self._catch_up()

    def delete(self, span_id: int) -> list[Range]:
        self.project.delete_span(span_id, self.annotator, reviewer=self.reviewer)
        return self._catch_up()

    def undo(self) -> list[Range]:
        """Take back this layer's latest edit, if this window has shown it (else StaleView)."""
        return self._step("undo")

    def redo(self) -> list[Range]:
        return self._step("redo")

    def _step(self, kind: str) -> list[Range]:
        step = self.project.undo if kind == "undo" else self.project.redo
        try:
            changes = step(self.id, self.annotator, reviewer=self.reviewer, seen=self.seen_edit)
        except StaleView as refusal:
            # Nothing was done: this layer has an edit the window has not shown. Take it in,
            # so that the next press undoes what the user sees.
            refusal.changed = self._catch_up()
            raise
        done = {"undo": "undone", "redo": "redone"}[kind]
        self.summary = f"{done}: {describe(changes, self.scheme)}" if changes else ""
        return self._moved_to_change(self._catch_up())

    # ---- modes and questions -------------------------------------------------------------

    @property
    def modes(self) -> tuple[str, ...]:
        """The modes this document and scheme have: the coding pass needs question codes."""
        if self.scheme.has_unit("question"):
            return MODES
        return tuple(mode for mode in MODES if mode != "coding")

    def cycle_mode(self) -> str:
        """The next mode: spans, the question pass, the coding pass, spans..."""
        modes = self.modes
        self.mode = (
            modes[(modes.index(self.mode) + 1) % len(modes)] if self.mode in modes else MODES[0]
        )
        return self.mode

    @property
    def mode_name(self) -> str:
        return MODE_NAMES[self.mode]

    def question_here(self) -> Question | None:
        """What the question pass acts on: the question last stepped to while the cursor
        stays in its text (a question and its first part start together), else the
        innermost question (a part, where there is one) whose text holds the cursor."""
        chosen = self.questions.by_id.get(self.chosen) if self.chosen is not None else None
        if chosen is not None and chosen.start <= self.cursor < chosen.end:
            return chosen
        return self.questions.in_text(self.cursor)

    def unit_here(self) -> Question | None:
        """What the coding pass codes: the question whose text holds the cursor, or whose
        response region does. A question with parts is coded through them: the part whose
        text holds the cursor, else the part last stepped to, else its first part."""
        index = self.questions
        here = index.in_text(self.cursor)
        top = index.parent(here) if here is not None else index.answered_at(self.cursor)
        if top is None:
            return None
        parts = index.parts_of(top)
        if not parts:
            return top
        if here is not None and here.parent_id is not None:
            return here
        chosen = index.by_id.get(self.chosen) if self.chosen is not None else None
        if chosen is not None and chosen.parent_id == top.id:
            return chosen
        return parts[0]

    def current_question(self) -> Question | None:
        """The question the view highlights: what the keys of the mode act on (in the
        question pass, in its response region, the question whose edges the edge keys
        move)."""
        if self.mode == "questions":
            here = self.question_here()
            if here is None and self.questions.top_at(self.cursor) is None:
                return self.questions.answered_at(self.cursor)
            return here
        if self.mode == "coding":
            return self.unit_here()
        return None

    def pinned(self) -> Question | None:
        """The question shown above the transcript: the one whose response region holds the
        cursor (in any mode); in the question and coding passes, first the one the keys
        act on."""
        current = self.current_question()
        if current is not None:
            return current
        if self.questions.in_text(self.cursor) is not None:
            return None  # the question is in view: its text is under the cursor
        return self.questions.answered_at(self.cursor)

    def code_of(self, question: Question) -> Code | None:
        """This annotator's code of a question."""
        return self.codes.get(question.id)

    def step_question(self, forward: bool = True) -> Question | None:
        """Move to the next (or previous) question: in the coding pass, the next question
        or part to code; else every question and part in text order."""
        items = self.questions.units if self.mode == "coding" else self.questions.all
        current = self.questions.by_id.get(self.chosen) if self.chosen is not None else None
        found = self.questions.step(items, self.cursor, current, forward)
        if found is not None:
            self.clear_selection()
            self.move_to(found.start)
            self.chosen = found.id
        return found

    def go_to_question(self, question_id: int) -> Question:
        question = self.questions.by_id[question_id]
        self.clear_selection()
        self.move_to(question.start)
        self.chosen = question.id
        return question

    def describe_question(self, question: Question) -> str:
        """A question in a few words, for the status line: "Q3b confirmed, coded Dodging"."""
        words = f"{question.name} {question.status}"
        parts = self.questions.parts_of(question)
        if parts:
            words += f", parts {', '.join(part.name for part in parts)}"
        elif self.scheme.has_unit("question"):
            code = self.code_of(question)
            words += f", coded {self.code_name(code.label)}" if code else ", not coded"
        return words

    def code_name(self, label: str) -> str:
        """A question code's name (its id, if the scheme no longer has it)."""
        try:
            return self.scheme.unit("question").label(label).name
        except KeyError:
            return label

    # question pass: each edit is one entry of the change log (undo takes it back)

    def confirm_question(self, question_id: int) -> list[Range]:
        self.project.update_question(question_id, self.annotator, status="confirmed")
        self.chosen = question_id
        return self._catch_up()

    def add_question(self, start: int, end: int) -> list[Range]:
        """Mark ``[start, end)`` as a question; inside a question's text, as a part of it."""
        parent = self.questions.top_at(start)
        if parent is not None and end > parent.end:
            parent = None  # crossing the question's end: the store says it overlaps
        if parent is not None and (start, end) == (parent.start, parent.end):
            raise InvalidValue(f"that is {parent.name} already")
        question = self.project.add_question(
            self.id, self.annotator, start, end, parent_id=parent.id if parent else None
        )
        self.clear_selection()
        self.chosen = question.id
        return self._catch_up()

    def split_question(self, question_id: int) -> list[Range]:
        """Split the question (in a question with parts, the part) at the cursor: the cursor's
        character begins the second part."""
        self.project.split_question(question_id, self.annotator, self.cursor)
        changed = self._catch_up()
        here = self.questions.in_text(self.cursor)  # the part the cursor begins
        self.chosen = here.id if here is not None else None
        return changed

    def merge_question(self, question_id: int) -> list[Range]:
        """Merge the question (or part) with the next one."""
        merged = self.project.merge_question(question_id, self.annotator)
        self.chosen = merged.id
        return self._catch_up()

    def delete_question(self, question_id: int) -> list[Range]:
        """Delete a question and its parts; spans that responded to it are relinked."""
        self.project.delete_question(question_id, self.annotator)
        return self._catch_up()

    def resize_question(self, question_id: int, edge: str, grow: bool) -> list[Range]:
        """Move an edge of a question's text by one unit, as the span edges move."""
        question = self.questions.by_id[question_id]
        start, end = self._moved_edges(question.start, question.end, edge, grow)
        if start >= end or (start, end) == (question.start, question.end):
            return []
        self.project.update_question(question_id, self.annotator, start=start, end=end)
        self.clear_selection()
        self.cursor = self.clamp(end - 1 if edge == "end" else start)
        self.chosen = question_id
        return self._catch_up()

    def resize_region(self, question_id: int, edge: str, grow: bool) -> list[Range]:
        """Move an edge of a question's response region by one unit (from then on the region
        is set by hand and no longer follows the questions)."""
        question = self.questions.by_id[question_id]
        old_start, old_end = question.response
        start, end = self._moved_edges(old_start, old_end, edge, grow)
        if start >= end or (start, end) == (old_start, old_end):
            return []
        self.project.update_question(question_id, self.annotator, response=(start, end))
        self.clear_selection()
        self.cursor = self.clamp(end - 1 if edge == "end" else start)
        return [(min(start, old_start), max(end, old_end)), *self._catch_up()]

    def _moved_edges(self, start: int, end: int, edge: str, grow: bool) -> Range:
        if edge == "end":
            return start, (self._unit_end_after(end) if grow else self._unit_end_before(end, start))
        return (self._unit_start_before(start) if grow else self._unit_start_after(start, end)), end

    # coding pass

    def code_needs(self, label: str, question: Question) -> list[str]:
        """The required attributes a code would still lack: coding again keeps the values
        of the code it replaces, so only those it has no value for are asked."""
        needed = self.scheme.unit("question").label(label).needed
        code = self.code_of(question)
        kept = code.attributes if code is not None else {}
        return [attribute for attribute in needed if kept.get(attribute) is None]

    def code(
        self,
        question_id: int,
        label: str,
        attributes: Mapping[str, Any] | None = None,
        note: str | None = None,
    ) -> list[Range]:
        """Give a question (or part) this annotator's code, replacing theirs if any."""
        self.project.set_code(
            self.id,
            self.annotator,
            label,
            question_id=question_id,
            attributes=attributes,
            note=note,
            reviewer=self.reviewer,
        )
        self.chosen = question_id
        return self._catch_up()

    def clear_code(self, question_id: int) -> list[Range]:
        code = self.codes.get(question_id)
        if code is None:
            return []
        self.project.clear_code(code.id, self.annotator, reviewer=self.reviewer)
        return self._catch_up()

    def _load_codes(self) -> dict[int, Code]:
        return {
            code.question_id: code
            for code in self.project.codes(
                "question", annotator=self.annotator, document_id=self.id
            )
            if code.question_id is not None
        }

    def _reload_questions(self) -> list[Range]:
        """Read the questions again (names and default regions follow every question of
        the document, so a change anywhere may rename others); the ranges drawn otherwise."""
        old = self.questions
        self.questions = QuestionIndex(self.project.questions(self.id))
        return changed_ranges(old, self.questions)

    def _reload_codes(self) -> list[Range]:
        old = self.codes
        self.codes = self._load_codes()
        changed = []
        for question_id in old.keys() | self.codes.keys():
            if old.get(question_id) != self.codes.get(question_id):
                question = self.questions.by_id.get(question_id)
                if question is not None:
                    changed.append((question.start, question.end))
        if self.codes and self.status == "new":
            self.status = "in_progress"
        return changed

    # ---- other windows -------------------------------------------------------------------

    def sync(self) -> list[Range]:
        """Take in what other windows or processes changed in this document since it was
        last looked at (cheap when nothing was: one PRAGMA); the ranges to repaint.
        ``stale`` turns true when another layer the editor shows changed."""
        if not self.project.changed_elsewhere():
            return []
        return self._catch_up()

    def _catch_up(self) -> list[Range]:
        """Apply the document's logged changes since :attr:`seen_edit` that concern this
        editor; the ranges to repaint."""
        changes = self.project.changes_since(self.id, self.seen_edit)
        if not changes:
            return []
        self.seen_edit = max(change.batch for change in changes)
        spans = [change for change in changes if change.item == "span"]
        own = [change for change in spans if self._layer(change) == self.annotator]
        if any(self._layer(change) in self.shown_layers() for change in spans):
            self.stale = True
        changed = self._apply(own)
        units = [change for change in changes if change.item != "span"]
        return changed + (self._take_in_units(units) if units else [])

    def _take_in_units(self, changes: list[Change]) -> list[Range]:
        """Question and code changes (anyone's): reload what they touch; the ranges to
        repaint."""
        changed: list[Range] = []
        if any(change.item == "question" for change in changes):
            changed += self._reload_questions()
        if any(
            change.item == "code" and self._layer(change) == self.annotator for change in changes
        ):
            changed += self._reload_codes()
        return changed

    def _layer(self, change: Change) -> str:
        """Whose span or code a change is of: not always who made the edit (deleting a
        question relinks the spans of every layer that responded to it)."""
        state = change.after or change.before
        if change.action == "rejection" or not state or "annotator_id" not in state:
            return change.annotator
        return self.project.annotator_name(state["annotator_id"])

    def shown_layers(self) -> set[str]:
        """Layers other than its own whose spans the editor shows (suggestions)."""
        return {self.suggestion_source} if self.suggestion_source else set()

    def _moved_to_change(self, changed: list[Range]) -> list[Range]:
        # Put the cursor where the change happened, as editors do after undo.
        if changed:
            self.cursor = self.clamp(min(start for start, _ in changed))
            self.clear_selection()
        return changed

    def _apply(self, changes: Iterable[Change]) -> list[Range]:
        """Mirror committed changes in the in-memory layer; the ranges whose painting changed.

        The changes come from the store's log (which includes spans merged away), so the
        layer here is patched in O(changes), never re-read.
        """
        changes = list(changes)
        changed: list[Range] = []
        rejections = False
        for change in changes:
            if change.action == "rejection":
                rejections = True
                if change.after and change.after["rejected"]:
                    self._rejected.add(change.span_id)
                else:
                    self._rejected.discard(change.span_id)
                continue
            old = self.spans.pop(change.span_id, None)
            if old is not None:
                self.index.remove(old.id)
                del self._starts[bisect_left(self._starts, (old.start, old.id))]
                changed.append((old.start, old.end))
            new = self.project.span_after(change)
            if new is not None:
                self.spans[new.id] = new
                self.index.add(new)
                insort(self._starts, (new.start, new.id))
                changed.append((new.start, new.end))
        if changed and self.status == "new":
            self.status = "in_progress"
        # Accepting or rejecting, or undoing either, changes what is still on offer.
        if changed or rejections:
            changed += self._update_suggestions(changes)
        return changed

    # ---- search --------------------------------------------------------------------------

    def find(self, pattern: str, regex: bool = False) -> int:
        """Remember every match of ``pattern`` (case-insensitive) and return how many.

        Plain search matches straight and typographic quotes, apostrophes and dashes alike
        (:func:`fold`); a regular expression is matched against the text as it is."""
        flags = re.IGNORECASE | re.MULTILINE
        if regex:
            compiled, text = re.compile(pattern, flags), self.text
        else:
            if self._folded is None:
                self._folded = fold(self.text)
            compiled, text = re.compile(re.escape(fold(pattern)), flags), self._folded
        starts, ends = [], []
        for match in compiled.finditer(text):
            if match.end() > match.start():
                starts.append(match.start())
                ends.append(match.end())
        self.search = SearchState(pattern, regex, starts, ends)
        return len(starts)

    def next_match(self, forward: bool = True) -> Range | None:
        """The match after (or before) the cursor, wrapping around; None without matches."""
        if not self.search or not self.search.starts:
            return None
        starts = self.search.starts
        if forward:
            i = bisect_right(starts, self.cursor)
            i = 0 if i == len(starts) else i
        else:
            i = bisect_left(starts, self.cursor) - 1
        return starts[i], self.search.ends[i]

    def progress(self) -> str | None:
        """A word on the work left, for the status line."""
        if self.suggestion_source is None:
            return None
        return f"{len(self.suggestions)} suggested"

    def focus_in(self, start: int, end: int) -> list[Range]:
        """Text to set apart within ``[start, end)`` (what a review is looking at)."""
        return []

    def matches_in(self, start: int, end: int) -> list[Range]:
        if not self.search:
            return []
        starts, ends = self.search.starts, self.search.ends
        i = max(bisect_left(starts, start) - 1, 0)
        found = []
        while i < len(starts) and starts[i] < end:
            if ends[i] > start:
                found.append((starts[i], ends[i]))
            i += 1
        return found

    # ---- document status -----------------------------------------------------------------

    def set_status(self, status: str) -> None:
        self.project.set_status(self.id, self.annotator, status)
        self.status = status

    def check_open(self) -> None:
        """Raise :class:`DocumentLocked` when this annotator marked the document done."""
        self.project.check_open(self.id, self.annotator)

    def reopen(self) -> None:
        """Take back this annotator's "done" so they can edit again (recorded in the store)."""
        self.project.reopen(self.id, self.annotator)
        self.status = "in_progress"

    def save_cursor(self) -> None:
        self.project.set_cursor(self.id, self.annotator, self.cursor)


def describe(changes: Sequence[Change], scheme: Any) -> str:
    """What a list of changes did, in a few words ("Quote removed", "question confirmed")."""
    names = {label.id: label.name for label in scheme.labels}
    codes = (
        {label.id: label.name for label in scheme.unit("question").labels}
        if scheme.has_unit("question")
        else {}
    )
    words = []
    for change in changes:
        if change.item == "question":
            words.append(_question_change(change))
            continue
        if change.item == "code":
            state = change.after or change.before or {}
            name = codes.get(state.get("label", ""), state.get("label", "code"))
            verb = {"create": "given", "delete": "cleared"}.get(change.action, "changed")
            words.append(f"code {name} {verb}")
            continue
        if change.action == "rejection":
            rejected = bool(change.after and change.after["rejected"])
            words.append("suggestion turned down" if rejected else "suggestion offered again")
            continue
        state = change.after or change.before or {}
        name = names.get(state.get("label", ""), state.get("label", "span"))
        verb = {"create": "added", "delete": "removed"}.get(change.action, "changed")
        words.append(f"{name} {verb}")
    counted = list(dict.fromkeys(words))
    if len(counted) > 2:
        return f"{', '.join(counted[:2])} and {len(counted) - 2} more"
    return ", ".join(counted)


def _question_change(change: Change) -> str:
    """A question change in words: "question added", "question confirmed", "response moved"."""
    if change.action != "update" or not change.before or not change.after:
        return "question " + {"create": "added", "delete": "removed"}.get(change.action, "changed")
    before, after = change.before, change.after
    if before.get("status") != after.get("status"):
        confirmed = after.get("status") == "confirmed"
        return "question confirmed" if confirmed else "question unconfirmed"
    region = ("response_start", "response_end")
    if any(before.get(key) != after.get(key) for key in region):
        return "response region moved"
    return "question moved"


def _neighbour(
    starts: list[tuple[int, int]], table: Mapping[int, Span], cursor: int, forward: bool
) -> Span | None:
    """The span in ``table`` whose start comes first after (or last before) ``cursor``."""
    if forward:
        i = bisect_right(starts, (cursor, float("inf")))
        return table[starts[i][1]] if i < len(starts) else None
    i = bisect_left(starts, (cursor, -1)) - 1
    return table[starts[i][1]] if i >= 0 else None
