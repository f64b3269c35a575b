"""Reviewing: where annotators disagree, and a reviewer's session settling it into gold.

Plain Python (no Textual). :func:`disagreements` groups the annotators' spans (the
*candidates*) that not everyone made exactly alike (label, boundaries and every attribute
value) into disagreements: spans are in one disagreement when
they overlap with the same label (a boundary question) or sit on the same characters with
different labels (a label question), directly or through others. A span of another label
that merely overlaps (a criticism inside a deflection) is a separate question.

Each distinct candidate ``(label, start, end)`` is in one state:

- ``agree``: every annotator who finished the document made it, with the same values;
- ``label``: someone put another label on the same characters;
- ``boundary``: someone made an overlapping span of the same label;
- ``attributes``: every annotator made it, but with different attribute values;
- ``partial``: only some annotators marked it, and nobody marked anything like it.

:class:`ReviewEditor` is the reviewer's :class:`~annotator.editor.Editor` on the gold layer:
the annotation keys edit gold spans, the still undecided candidates are on offer like
suggestions, and a disagreement is settled by accepting one annotator's version, rejecting
them all, or making a gold span of one's own (see :mod:`annotator.store.gold`). Its
``question_review`` (a :class:`~annotator.review_questions.QuestionReview`) settle the question
codes the same way: in question mode (``question_mode``) the review screen steps through
the questions the annotators coded differently instead of the spans.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from .agreement_report import disagreement_order, document_figures
from .bulk import paused_gc
from .editor import Editor, Range
from .errors import ProjectError
from .model import Change, Span
from .review_questions import (
    QuestionCase,
    QuestionReview,
    describe_codes,
    open_question_disagreements,
)
from .store import GOLD, OnConflict, Project, SpanKey, sources_of
from .textindex import SpanIndex
from .versions import Comparison, SchemeVersions

AGREE, LABEL, BOUNDARY, ATTRIBUTES, PARTIAL = (
    "agree", "label", "boundary", "attributes", "partial"
)  # fmt: skip
KIND_NAMES = {
    AGREE: "all agree",
    LABEL: "same span, different label",
    BOUNDARY: "different boundaries",
    ATTRIBUTES: "same span, different attributes",
    PARTIAL: "marked by only some",
}
# The states of a disagreement, most specific first.
KINDS = (LABEL, BOUNDARY, ATTRIBUTES, PARTIAL)
# More offers changing at once than this: the suggestions' index is made again, not patched.
BULK = 256


def key_of(span: Span) -> SpanKey:
    return (span.label, span.start, span.end)


def _state_of(span: Span) -> dict[str, Any]:
    return {
        "label": span.label,
        "start": span.start,
        "end": span.end,
        "provenance": span.provenance,
    }


@dataclass(frozen=True)
class Disagreement:
    """Candidates that answer one question differently, over ``[start, end)``."""

    start: int
    end: int
    keys: tuple[SpanKey, ...]  # distinct candidates, in text order
    states: Mapping[SpanKey, str]  # each one's state (never ``agree``)

    @property
    def kinds(self) -> list[str]:
        """Its states, most specific first (in :data:`KINDS` order)."""
        present = set(self.states.values())
        return [kind for kind in KINDS if kind in present]


def disagreements(
    layers: Mapping[str, Sequence[Span]], holders: Mapping[SpanKey, list[Span]] | None = None
) -> list[Disagreement]:
    """The disagreements among the layers (annotator -> spans), in text order; ``holders``
    are the layers' spans by place, when the caller has them already."""
    holders = _holders(layers) if holders is None else holders
    everyone = len(layers)
    unanimous = {key for key, spans in holders.items() if _everyone_agrees(spans, everyone)}
    keys = [key for key in holders if key not in unanimous]
    parent = {key: key for key in keys}

    def root(key: SpanKey) -> SpanKey:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def join(a: SpanKey, b: SpanKey) -> None:
        parent[root(a)] = root(b)

    by_place: dict[tuple[int, int], list[SpanKey]] = {}
    by_label: dict[str, list[SpanKey]] = {}
    for key in keys:
        by_place.setdefault(key[1:], []).append(key)
        by_label.setdefault(key[0], []).append(key)
    for same in by_place.values():
        for other in same[1:]:
            join(other, same[0])
    for same in by_label.values():
        reach, first = -1, None
        for key in sorted(same, key=lambda k: (k[1], k[2])):
            if first is not None and key[1] < reach:
                join(key, first)
                reach = max(reach, key[2])
            else:
                first, reach = key, key[2]
    groups: dict[SpanKey, list[SpanKey]] = {}
    for key in keys:
        groups.setdefault(root(key), []).append(key)
    found = []
    for members in groups.values():
        members.sort(key=lambda k: (k[1], k[2], k[0]))
        found.append(
            Disagreement(
                min(k[1] for k in members),
                max(k[2] for k in members),
                tuple(members),
                {key: _state(key, members, holders[key], everyone) for key in members},
            )
        )
    return sorted(found, key=lambda d: (d.start, d.end))


def _everyone_agrees(spans: Sequence[Span], everyone: int) -> bool:
    """Every annotator made this span, with the same attribute values."""
    if len({s.annotator for s in spans}) != everyone:
        return False
    # Most spans have no values at all: nothing to compare.
    return all(not s.attributes for s in spans) or len({_values(s) for s in spans}) == 1


def _values(span: Span) -> str:
    return json.dumps(span.attributes, sort_keys=True, ensure_ascii=False)


def _state(key: SpanKey, members: Sequence[SpanKey], spans: Sequence[Span], everyone: int) -> str:
    if len({s.annotator for s in spans}) == everyone:
        return ATTRIBUTES  # everyone made it: only the values differ
    label, start, end = key
    others = [k for k in members if k != key]
    if any(k[1:] == (start, end) for k in others):
        return LABEL
    if any(k[0] == label and k[1] < end and start < k[2] for k in others):
        return BOUNDARY
    return PARTIAL


def _holders(layers: Mapping[str, Sequence[Span]]) -> dict[SpanKey, list[Span]]:
    holders: dict[SpanKey, list[Span]] = {}
    for spans in layers.values():
        for span in spans:
            holders.setdefault(key_of(span), []).append(span)
    return holders


@dataclass(frozen=True)
class ReviewRow:
    """A document in the review queue."""

    id: int
    title: str
    annotators: list[str]
    f1_exact: float | None
    f1_overlap: float | None
    alpha: float | None
    disagreements: int
    open: int
    gold: int
    reviewed: bool
    changed: bool = False  # an annotator edited the document after it was reviewed
    questions: int = 0  # questions the annotators coded differently
    questions_open: int = 0  # of which still without a gold code
    # Candidates made under an older definition of their label: shown for review, but their
    # labels here are left out of the figures (annotator/versions.py).
    older: int = 0
    # Figures not computed yet (the queue shows the row at once and fills them in).
    pending: bool = False


def review_queue(project: Project) -> list[ReviewRow]:
    """Documents finished by two or more annotators, most disagreement first. The figures
    compare only spans made under compatible scheme versions (:mod:`annotator.versions`)."""
    versions = SchemeVersions(project.scheme, project.scheme_versions())
    has_gold = project.has_gold()
    rows = [
        review_row_of(project, document_id, versions, has_gold)
        for document_id in project.gold.reviewable()
    ]
    return sorted(rows, key=lambda row: disagreement_order(row.f1_overlap, row.f1_exact))


def review_row_of(
    project: Project, document_id: int, versions: SchemeVersions, has_gold: bool
) -> ReviewRow:
    """One document's row of :func:`review_queue`."""
    document = project.document(document_id)
    layers = project.gold.candidates(document_id)
    comparable = Comparison(versions).layers(document_id, layers)
    figures = document_figures(document_id, document.title, len(document.text), comparable)
    gold = project.spans(document_id, annotator=GOLD) if has_gold else []
    decided = sources_of(gold) | (project.gold.rejections(document_id) if has_gold else set())
    gold_keys = {key_of(span) for span in gold}
    holders = _holders(layers)
    found = disagreements(layers)
    still_open = sum(
        any(is_open(key, holders[key], gold_keys, decided.__contains__) for key in d.keys)
        for d in found
    )
    questions, questions_open = open_question_disagreements(project, document_id)
    return ReviewRow(
        id=document_id,
        title=document.title,
        annotators=list(layers),
        f1_exact=figures["f1_exact"],
        f1_overlap=figures["f1_overlap"],
        alpha=figures["krippendorff_alpha"],
        disagreements=len(found),
        open=still_open,
        gold=len(gold),
        reviewed=has_gold and project.status(document_id, GOLD) == "done",
        changed=project.gold.changed_since_review(document_id),
        questions=questions,
        questions_open=questions_open,
        older=len(versions.older(s for layer in layers.values() for s in layer)),
    )


def is_open(
    key: SpanKey,
    spans: Sequence[Span],
    gold_keys: Container[SpanKey],
    decided: Callable[[int], bool],
) -> bool:
    """Whether a candidate still waits for a decision: the gold layer has no span like it,
    and some annotator's span of it is neither a gold span's source nor rejected."""
    return key not in gold_keys and any(not decided(span.id) for span in spans)


def _note(table: dict[int, int | set[int]], key: int, value: int, present: bool) -> None:
    """Note (or forget) ``value`` under ``key``: an int while it is the only one (a review
    notes a gold span for each of hundreds of thousands of candidates), else a set."""
    held = table.get(key)
    if present:
        if held is None:
            table[key] = value
        elif isinstance(held, set):
            held.add(value)
        elif held != value:
            table[key] = {held, value}
    elif held == value:
        del table[key]
    elif isinstance(held, set):
        held.discard(value)
        if len(held) == 1:
            table[key] = held.pop()


def _noted(table: Mapping[int, int | set[int]], key: int) -> Iterable[int]:
    held = table.get(key)
    return () if held is None else held if isinstance(held, set) else (held,)


def anonymous_order(names: Iterable[str], seed: str) -> list[str]:
    """The annotators in the order anonymised review shows them as A1, A2...: a shuffle by a
    hash of ``seed`` (a document's) and each name. Stable across sessions and reviewers (so
    "A2's version" means one person to everyone on that document), different from document
    to document (so no A-number stands for the same person everywhere, as the names' own
    order would make A1 the first name alphabetically), and an annotator who finishes later
    is placed among the others without reordering them."""
    return sorted(names, key=lambda name: hashlib.sha256(f"{seed}\0{name}".encode()).digest())


@dataclass(frozen=True)
class Version:
    """One annotator's answer to a disagreement, as the review panel shows it."""

    number: int  # the key that accepts it
    annotator: str
    shown_as: str  # the name, or "A1"... when anonymised
    spans: list[Span]
    states: list[str]  # each span's state
    decisions: list[str]  # each span's fate: "accepted", "rejected" or "open"


class ReviewEditor(Editor):
    """A reviewer's session on one document: the gold layer, with the candidates on offer."""

    reviewer: str  # always named here
    links_questions = False  # gold spans keep the questions their sources responded to

    def __init__(
        self, project: Project, document_id: int, reviewer: str, *, anonymous: bool = False
    ) -> None:
        if reviewer == GOLD or not reviewer.strip():
            raise ProjectError("name the reviewer who decides")
        with paused_gc():  # every annotator's layer read and compared at once
            self._open(project, document_id, reviewer, anonymous)

    def _open(self, project: Project, document_id: int, reviewer: str, anonymous: bool) -> None:
        self.reviewer = reviewer
        # Read before the candidates, so that a change to them in between is caught up with.
        seen = project.newest_edit(document_id)
        self.layers = project.gold.candidates(document_id)
        if len(self.layers) < 2:
            title = project.document(document_id).title
            raise ProjectError(
                f"document {document_id} ({title}) is not finished by two annotators yet: "
                "there is nothing to review"
            )
        # The versions' order (and keys): the names', or anonymised a shuffle of them
        # (anonymous_order), so that A1, A2... say nothing of who is who.
        self._orders = {
            False: list(self.layers),
            True: anonymous_order(self.layers, project.document(document_id).sha256),
        }
        self._anonymous = anonymous
        self.names = list(self._orders[anonymous])
        # The question codes, in the same version order; question mode steps through them.
        self.question_review = QuestionReview(project, document_id, self.names, reviewer)
        # Said on the screen: the candidates made under an older definition of their label.
        versions = SchemeVersions(project.scheme, project.scheme_versions())
        self.versions_note = versions.describe_older(
            versions.older(s for layer in self.layers.values() for s in layer)
        )
        self.question_mode = False
        self.holders = _holders(self.layers)
        self._key_of = {span.id: key for key, spans in self.holders.items() for span in spans}
        self.disagreements = disagreements(self.layers, self.holders)
        self._d_starts = [d.start for d in self.disagreements]
        self._d_reach = list(accumulate((d.end for d in self.disagreements), max))
        self._d_index = {key: i for i, d in enumerate(self.disagreements) for key in d.keys}
        self._states = {key: d.states[key] for d in self.disagreements for key in d.keys}
        # What decides a candidate, kept up to date edit by edit (a big document has
        # thousands): how many gold spans name each span as a source, the gold spans' places.
        self._source_count: Counter[int] = Counter()
        # Candidate -> the gold span made from it (a set in the rare case of several).
        self._gold_from: dict[int, int | set[int]] = {}
        self._gold_keys: Counter[SpanKey] = Counter()
        self.open_keys: set[SpanKey] = set()
        self._open_in = [0] * len(self.disagreements)  # open candidates per disagreement
        self._open_disagreements = 0
        super().__init__(project, document_id, GOLD)
        self.seen_edit = seen
        # Gold spans whose sources changed after the decision: shown, for a second look.
        self.stale_gold = project.gold.stale(document_id)
        self._current_key: int | None = None
        self._current: Disagreement | None = None

    def _catch_up(self) -> list[Range]:
        with paused_gc():  # an auto-merge (or its undo) brings thousands of changes
            ranges = super()._catch_up()
        if len(ranges) > BULK:
            # One range over them all: the view repaints what is on screen once, rather
            # than looking up the rows of each of thousands of spans.
            return [(min(start for start, _ in ranges), max(end for _, end in ranges))]
        return ranges

    # ---- candidates on offer -------------------------------------------------------------

    def _load_offers(self) -> tuple[list[Span], set[int]]:
        offered = [span for spans in self.layers.values() for span in spans]
        return offered, self.project.gold.rejections(self.id)

    def _update_suggestions(self, changes: Sequence[Change] = ()) -> list[Range]:
        """Offer one span per still undecided candidate. With ``changes``, only the
        candidates they touch are looked at again."""
        if changes:
            touched = set()
            for change in changes:
                if change.action == "rejection":
                    touched.add(self._key_of.get(change.span_id))
                    continue
                for state, step in ((change.before, -1), (change.after, 1)):
                    touched |= self._count_gold(change.span_id, state, step)
        else:
            for span in self.spans.values():
                self._count_gold(span.id, _state_of(span), 1)
            touched = set(self.holders)
        offer: list[Span] = []
        withdraw: list[int] = []
        for key in touched - {None}:
            if key not in self.holders:
                continue
            spans = self.holders[key]
            open_now = is_open(key, spans, self._gold_keys, self._decided)
            if open_now == (key in self.open_keys):
                continue
            if open_now:
                self.open_keys.add(key)
                offer.append(spans[0])
            else:
                self.open_keys.discard(key)
                withdraw.append(spans[0].id)
            self._count_open(key, 1 if open_now else -1)
        if len(offer) + len(withdraw) <= BULK:
            return [self._offer(span) for span in offer] + [
                self._withdraw(span_id) for span_id in withdraw
            ]
        return self._offer_all(offer, withdraw)

    def _offer_all(self, offer: Sequence[Span], withdraw: Sequence[int]) -> list[Range]:
        """Many offers changed at once (opening the document, an auto-merge or its undo):
        the suggestions' index made again in one pass, not patched span by span (each patch
        of the sorted starts moves every entry after it). The range they cover to repaint."""
        suggestions = self.suggestions
        gone = [suggestions.pop(span_id) for span_id in withdraw]
        for span in offer:
            suggestions[span.id] = span
        self.suggestion_index = SpanIndex(self.turns, suggestions.values())
        self._suggestion_starts = sorted((span.start, span.id) for span in suggestions.values())
        moved = [*offer, *gone]
        return [(min(span.start for span in moved), max(span.end for span in moved))]

    def _decided(self, span_id: int) -> bool:
        return span_id in self._rejected or self._source_count[span_id] > 0

    def _count_gold(self, span_id: int, state: Mapping[str, Any] | None, step: int) -> set[SpanKey]:
        """Count a gold span state in (``step`` 1) or out (-1); the candidate keys it bears on."""
        if state is None:
            return set()
        key = (state["label"], state["start"], state["end"])
        self._gold_keys[key] += step
        if not self._gold_keys[key]:
            del self._gold_keys[key]
        sources = (state.get("provenance") or {}).get("sources", ())
        for source in sources:
            self._source_count[source] += step
            _note(self._gold_from, source, span_id, step > 0)
        return {key, *(self._key_of[source] for source in sources if source in self._key_of)}

    def _count_open(self, key: SpanKey, step: int) -> None:
        i = self._d_index.get(key)
        if i is None:
            return  # a candidate everyone made: not a disagreement
        was_open = self._open_in[i] > 0
        self._open_in[i] += step
        self._open_disagreements += (self._open_in[i] > 0) - was_open

    def state(self, key: SpanKey) -> str:
        """The candidate's state: ``agree``, ``label``, ``boundary`` or ``partial``."""
        return self._states.get(key, AGREE)

    def suggestion_tone(self, span_id: int, label: str) -> str:
        return f"state-{self.state(self._key_of[span_id])}"

    def decision(self, span: Span) -> str:
        if key_of(span) in self.open_keys:
            return "open"
        if span.id in self._rejected:
            return "rejected"
        return "accepted"

    @property
    def anonymous(self) -> bool:
        """Whether annotators are shown as A1, A2... (in :func:`anonymous_order`)."""
        return self._anonymous

    @anonymous.setter
    def anonymous(self, anonymous: bool) -> None:
        # The versions, their keys and the question codes' versions follow the order shown.
        self._anonymous = anonymous
        self.names = list(self._orders[anonymous])
        self.question_review.names = list(self.names)

    def display_name(self, annotator: str) -> str:
        """The annotator as shown: the name, or anonymised ``A<n>``, n their version's key."""
        return f"A{self.names.index(annotator) + 1}" if self.anonymous else annotator

    # ---- disagreements -------------------------------------------------------------------

    def is_open(self, disagreement: Disagreement) -> bool:
        return self._open_in[self._d_index[disagreement.keys[0]]] > 0

    @property
    def current(self) -> Disagreement | None:
        """The disagreement under the cursor (an open one first, then the shortest)."""
        if self._current_key != self.cursor:
            self._current_key, self._current = self.cursor, self._disagreement_at(self.cursor)
        return self._current

    def _disagreement_at(self, offset: int) -> Disagreement | None:
        found = []
        i = bisect_right(self._d_starts, offset) - 1
        while i >= 0 and self._d_reach[i] > offset:
            d = self.disagreements[i]
            if d.end > offset:
                found.append(d)
            i -= 1
        if not found:
            return None
        return min(found, key=lambda d: (not self.is_open(d), d.end - d.start))

    def position(self, disagreement: Disagreement) -> int:
        """Its number, from 1, in text order."""
        return self._d_index[disagreement.keys[0]] + 1

    def open_count(self) -> int:
        return self._open_disagreements

    def progress(self) -> str:
        questions = self.question_review
        if self.question_mode:
            return (
                f"{questions.open_count()} of {len(questions.disagreements)} question "
                "disagreements open"
            )
        spans = f"{self.open_count()} of {len(self.disagreements)} disagreements open"
        if self.versions_note:
            spans += f" · {self.versions_note}"
        left = questions.open_count()
        return f"{spans} · {left} question{'s' if left != 1 else ''} open" if left else spans

    def next_disagreement(self, forward: bool = True, settled: bool = False) -> Disagreement | None:
        """The next open disagreement (``settled``: any disagreement) after (or before) the
        cursor, wrapping around; the one under the cursor only when no other is."""
        here, count = self.current, len(self.disagreements)
        if forward:
            first = bisect_right(self._d_starts, self.cursor)
            steps = range(first, first + count)
        else:
            before = min(here.start, self.cursor) if here is not None else self.cursor
            first = bisect_left(self._d_starts, before) - 1
            steps = range(first, first - count, -1)
        for i in steps:
            d = self.disagreements[i % count]
            if d is not here and (settled or self.is_open(d)):
                return d
        return here if here is not None and (settled or self.is_open(here)) else None

    def versions(self, disagreement: Disagreement) -> list[Version]:
        found = []
        for number, name in enumerate(self.names, 1):
            spans = [
                span
                for key in disagreement.keys
                for span in self.holders[key]
                if span.annotator == name
            ]
            found.append(
                Version(
                    number,
                    name,
                    self.display_name(name),
                    spans,
                    [disagreement.states[key_of(s)] for s in spans],
                    [self.decision(s) for s in spans],
                )
            )
        return found

    def gold_in(self, start: int, end: int) -> list[Span]:
        refs = self.index.in_range(start, end)
        return sorted((self.spans[ref.key] for ref in refs), key=lambda s: (s.start, s.end))

    def focus_range(self) -> Range | None:
        """What the review looks at: the current disagreement, or in question mode the
        current question."""
        if self.question_mode:
            case = self.current_case
            return (case.question.start, case.question.end) if case else None
        d = self.current
        return (d.start, d.end) if d else None

    def focus_in(self, start: int, end: int) -> list[Range]:
        """The current disagreement (or question), set apart in the transcript."""
        focus = self.focus_range()
        return [focus] if focus and focus[0] < end and start < focus[1] else []

    # ---- decisions -----------------------------------------------------------------------

    def _open_spans(self, keys: Iterable[SpanKey]) -> list[int]:
        return [s.id for key in keys if key in self.open_keys for s in self.holders[key]]

    def _need_current(self) -> Disagreement:
        d = self.current
        if d is None:
            raise ProjectError("no disagreement under the cursor: n goes to the next one")
        if not self.is_open(d):
            raise ProjectError("this disagreement is settled: u undoes, or edit the gold spans")
        return d

    def accept_version(self, number: int) -> list[Range]:
        """Settle the current disagreement with annotator ``number``'s version (1-based),
        exactly: their spans (label, boundaries, attribute values, note) become the gold
        there, replacing whatever gold holds in this disagreement (an auto-merge's span, say),
        and everyone else's spans there are turned down, unless identical to theirs."""
        if not 1 <= number <= len(self.names):
            raise ProjectError(f"there are {len(self.names)} annotators: no version {number}")
        d = self._need_current()
        name = self.names[number - 1]
        candidates = [span for key in d.keys for span in self.holders[key]]
        theirs = [span for span in candidates if span.annotator == name]
        answers = {(key_of(span), _values(span)) for span in theirs}
        others = [s for s in candidates if (key_of(s), _values(s)) not in answers]
        # The gold spans made from these candidates, and those over their version's spans.
        made = {gold for span in candidates for gold in _noted(self._gold_from, span.id)}
        over = {
            ref.key
            for s in theirs
            for ref in self.index.in_range(s.start, s.end)
            if ref.label == s.label
        }
        replaced = sorted(made | over)
        self.project.gold.accept(
            self.id,
            self.reviewer,
            [span.id for span in theirs],
            reject=[span.id for span in others],
            replace=replaced,
        )
        return self._catch_up()

    def reject_open(self) -> list[Range]:
        """Reject what is open under the cursor: the disagreement, else the candidates."""
        d = self.current
        if d is not None and self.is_open(d):
            ids = self._open_spans(d.keys)
        else:
            ids = self._open_spans(key_of(s) for s in self.suggestions_at())
        if not ids:
            raise ProjectError("nothing open to reject here")
        self.project.gold.reject(self.id, self.reviewer, ids)
        return self._catch_up()

    def accept(self, span_id: int, on_conflict: OnConflict = "refuse") -> list[Range]:
        self.project.gold.accept(self.id, self.reviewer, [span_id], on_conflict=on_conflict)
        return self._catch_up()

    def reject(self, span_id: int) -> list[Range]:
        spans = self._open_spans([key_of(self.span(span_id))])
        self.project.gold.reject(self.id, self.reviewer, spans)
        return self._catch_up()

    def span(self, span_id: int) -> Span:
        return self.spans.get(span_id) or self.project.span(span_id)

    def auto_merge(self, minimum: int | None = None) -> list[Range]:
        """Accept what all (or ``minimum``) annotators agree on; [] when nothing is left.
        ``summary`` says how many spans went in, and how many were left to the reviewer."""
        outcome = self.project.gold.auto_merge(self.id, minimum=minimum, reviewer=self.reviewer)
        merged = len(outcome.spans)
        self.summary = f"merged {merged} span{'s' if merged != 1 else ''}" if merged else ""
        if outcome.left_open:
            left = len(outcome.left_open)
            self.summary += (
                f"{'; ' if merged else ''}{left} span{'s' if left != 1 else ''} left to you "
                f"({outcome.left_open[0]}{'; ...' if left > 1 else ''})"
            )
        return self._catch_up() if merged else []

    def shown_layers(self) -> set[str]:
        return set(self.names)

    def _create(
        self,
        label: str,
        start: int,
        end: int,
        attributes: Mapping[str, Any] | None,
        note: str,
        on_conflict: OnConflict,
    ) -> None:
        # The reviewer's own span settles the open candidates of its label that it overlaps.
        sources = [
            s.id
            for key in self.open_keys
            if key[0] == label and key[1] < end and start < key[2]
            for s in self.holders[key]
        ]
        self.project.gold.adjudicate(
            self.id,
            self.reviewer,
            label,
            start,
            end,
            sources=sources,
            attributes=attributes,
            note=note,
            on_conflict=on_conflict,
        )

    def _revise(self, span_id: int, **fields: Any) -> None:
        self.project.gold.revise(span_id, self.reviewer, **fields)

    def set_status(self, status: str) -> None:
        if status == "done" and self.open_count():
            raise ProjectError(
                f"{self.open_count()} disagreements are still open: settle them first"
            )
        questions = self.question_review.open_count()
        if status == "done" and questions:
            raise ProjectError(
                f"{questions} question disagreement{' is' if questions == 1 else 's are'} "
                "still open: settle them first (Q shows the question codes)"
            )
        super().set_status(status)

    # ---- question codes ------------------------------------------------------------------

    @property
    def current_case(self) -> QuestionCase | None:
        """The question under the cursor, else the last one before it."""
        return self.question_review.at(self.cursor)

    def next_question(self, forward: bool = True, settled: bool = False) -> QuestionCase | None:
        """The next (or previous) question disagreement still open (``settled``: any),
        wrapping around."""
        return self.question_review.next_disagreement(self.cursor, forward, settled)

    def where(self, disagreement: Disagreement) -> str:
        """Whether a disagreement is settled, and which it is, for the status line (the state
        first: a narrow terminal cuts the end)."""
        state = "open" if self.is_open(disagreement) else "settled"
        return f"{state}: disagreement {self.position(disagreement)} of {len(self.disagreements)}"

    def where_question(self, case: QuestionCase) -> str:
        """Whether a question disagreement is settled (has a gold code), and which it is."""
        review = self.question_review
        state = "open" if case.is_open else "settled"
        position = f"{review.position(case)} of {len(review.disagreements)}"
        return f"{state}: {case.question.name} ({position})"

    def accept_code_version(self, number: int) -> list[Range]:
        """Make annotator ``number``'s code of the current question its gold code, exactly
        (label, attribute values, note), replacing the gold code it had."""
        self.question_review.accept_version(self.current_case, number)
        return self._catch_up()

    def code_question(
        self, label: str, attributes: Mapping[str, Any] | None = None, note: str = ""
    ) -> list[Range]:
        """The reviewer's own gold code for the current question."""
        self.question_review.adjudicate(self.current_case, label, attributes, note)
        return self._catch_up()

    def clear_gold_code(self) -> list[Range]:
        """Take the current question's gold code away (auto-merge then leaves it to you)."""
        self.question_review.clear(self.current_case)
        return self._catch_up()

    def merge_codes(self) -> list[Range]:
        """Give gold every question code a strict majority of the annotators agree on (at
        the deepest level of the hierarchy the scheme allows); ``summary`` says how many
        went in, and how many were left to the reviewer."""
        outcome = self.question_review.auto_merge()
        merged = len(outcome.codes)
        self.summary = (
            f"merged {merged} question code{'s' if merged != 1 else ''}" if merged else ""
        )
        if outcome.left_open:
            left = len(outcome.left_open)
            self.summary += (
                f"{'; ' if merged else ''}{left} question{'s' if left != 1 else ''} left to you "
                f"({outcome.left_open[0]}{'; ...' if left > 1 else ''})"
            )
        return self._catch_up() if merged else []

    def undo(self) -> list[Range]:
        return self._describing_codes(super().undo, "undone")

    def redo(self) -> list[Range]:
        return self._describing_codes(super().redo, "redone")

    def _describing_codes(self, step: Callable[[], list[Range]], done: str) -> list[Range]:
        """Undo or redo; an edit of gold codes is described by the questions it touched."""
        ranges = step()
        changes = self.project.last_changes()
        if changes and all(change.item == "code" for change in changes):
            names = {case.question.id: case.question.name for case in self.question_review.cases}
            self.summary = f"{done}: {describe_codes(changes, names)}"
        return ranges

    def _take_in_units(self, changes: list[Change]) -> list[Range]:
        """Question and code changes as any editor takes them in; and the question codes
        under review reloaded, with the questions they touched to repaint."""
        ranges = super()._take_in_units(changes)
        self.question_review.reload()
        return list(dict.fromkeys(ranges + self.question_review.ranges_of(changes)))
