"""What a change of the questions does to the spans and codes that refer to them.

The question store (:mod:`.questions`) keeps the rules of the rows (no overlaps, parts inside
their question, a coded question is not deleted and gets no parts). :class:`QuestionEdits`
makes the changes an annotator asks for (propose, add, update, split, merge, delete), each
as one edit in the caller's write transaction, and keeps what refers to a question right:

- a coded question is not split or merged either (what was coded would change);
- spans that respond to a question that goes (deleted, merged away, or taken back by undo)
  are relinked, in the same edit, to the question whose response region then holds them,
  or to none; spans that respond to no question are linked to a new question whose region
  holds them. Relinking goes through the span writer, so the scheme's merge rule applies.

Questions are shared by the annotators; each change is an edit of the annotator who made it,
so their undo takes it back.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import InvalidValue
from ..model import Turn
from ..questions import propose
from .connection import Connection
from .log import ChangeLog
from .questions import QuestionStore
from .spans import SpanReader, SpanWriter


@dataclass(frozen=True)
class Linked:
    """A span that responds to a question: enough to relink it."""

    id: int
    annotator_id: int
    start: int


class QuestionEdits:
    """Question changes and the relinking they bring (see the module docstring)."""

    def __init__(
        self,
        connection: Connection,
        log: ChangeLog,
        questions: QuestionStore,
        reader: SpanReader,
        writer: SpanWriter,
    ) -> None:
        self.connection = connection
        self.log = log
        self.questions = questions
        self.reader = reader
        self.writer = writer

    # ---- changes (each inside the caller's write transaction) -------------------------------

    def propose(
        self,
        annotator_id: int,
        document_id: int,
        text: str,
        turns: Sequence[Turn],
        askers: Collection[str] | None,
        roles: Mapping[str, str | None] | None = None,
    ) -> tuple[int, int, int]:
        """Propose a document's questions (:func:`annotator.questions.propose`) in one edit;
        how many questions, parts of them, and spans now linked to one."""
        existing = [(q.start, q.end) for q in self.questions.questions(document_id)]
        proposals = propose(text, turns, askers, existing, roles)
        if not proposals:
            return 0, 0, 0
        edit_id = self.log.begin(document_id, annotator_id)
        created = []
        batch = self.questions.rows(document_id)
        for proposal in proposals:
            question_id = self.questions.create(
                edit_id, document_id, proposal.start, proposal.end, batch=batch
            )
            created.append(question_id)
            for start, end in proposal.parts:
                self.questions.create(
                    edit_id, document_id, start, end, parent_id=question_id, batch=batch
                )
        linked = self._link_unlinked(edit_id, document_id, created)
        return len(proposals), sum(len(proposal.parts) for proposal in proposals), linked

    def add(
        self, annotator_id: int, document_id: int, start: int, end: int, parent_id: int | None
    ) -> int:
        """A confirmed question (a part of ``parent_id``); its id."""
        edit_id = self.log.begin(document_id, annotator_id)
        question_id = self.questions.create(
            edit_id, document_id, start, end, parent_id=parent_id, status="confirmed"
        )
        if parent_id is None:
            self._link_unlinked(edit_id, document_id, [question_id])
        return question_id

    def update(
        self,
        annotator_id: int,
        question_id: int,
        start: int | None,
        end: int | None,
        status: str | None,
        wording: str | None,
        response: tuple[int, int] | Literal["keep"] | None,
    ) -> None:
        """Edges, status, wording ("" for none) or response region (None: the default)."""
        changes: dict[str, Any] = {}
        if wording is not None:
            changes["wording"] = wording or None
        for key, value in (("start", start), ("end", end), ("status", status)):
            if value is not None:
                changes[key] = value
        if response != "keep":
            changes["response_start"], changes["response_end"] = response or (None, None)
        state = self.questions.existing(question_id)
        if state["parent_id"] is not None and response != "keep":
            raise InvalidValue(
                "a part answers with its question's response region; set the region "
                "of the question it is a part of"
            )
        edit_id = self.log.begin(state["document_id"], annotator_id)
        self.questions.update(edit_id, question_id, **changes)

    def split(
        self, annotator_id: int, question_id: int, at: int, text: Callable[[int], str]
    ) -> tuple[int, int]:
        """Split at ``at`` (see :meth:`Project.split_question`); the document's id and the
        id of the question whose parts the split made."""
        state = self.questions.existing(question_id)
        document_id = state["document_id"]
        rows = self.questions.questions(document_id)
        target = next(q for q in rows if q.id == question_id)
        parts = [q for q in rows if q.parent_id == question_id]
        if parts:
            holding = [q for q in parts if q.start < at < q.end]
            if not holding:
                raise InvalidValue(f"{target.name} has no part that {at} lies inside")
            target = holding[0]
        if not target.start < at < target.end:
            raise InvalidValue(
                f"a split must fall inside {target.name} [{target.start}, {target.end})"
            )
        self.questions.refuse_if_coded([target.id], "split")
        words = text(document_id)
        first_end = at
        while first_end > target.start and words[first_end - 1].isspace():
            first_end -= 1
        second_start = at
        while second_start < target.end and words[second_start].isspace():
            second_start += 1
        if first_end == target.start or second_start == target.end:
            raise InvalidValue("a split must leave text on both sides")
        edit_id = self.log.begin(document_id, annotator_id)
        store = self.questions
        status = target.status  # the parts are as sure as the question they split
        if target.parent_id is None:
            for start, end in ((target.start, first_end), (second_start, target.end)):
                store.create(edit_id, document_id, start, end, parent_id=target.id, status=status)
            return document_id, target.id
        store.update(edit_id, target.id, end=first_end)
        store.create(
            edit_id,
            document_id,
            second_start,
            target.end,
            parent_id=target.parent_id,
            status=status,
        )
        return document_id, target.parent_id

    def merge(self, annotator_id: int, question_id: int) -> int:
        """Merge with the next one (see :meth:`Project.merge_question`); the id of the
        question that is left."""
        state = self.questions.existing(question_id)
        document_id = state["document_id"]
        rows = self.questions.questions(document_id)
        siblings = [q for q in rows if q.parent_id == state["parent_id"]]
        position = next(i for i, q in enumerate(siblings) if q.id == question_id)
        if position + 1 == len(siblings):
            raise InvalidValue(f"{siblings[position].name} has no next one to merge with")
        first, second = siblings[position], siblings[position + 1]
        nested = [q.name for q in rows if q.parent_id in (first.id, second.id)]
        if nested:
            raise InvalidValue(
                f"{first.name} or {second.name} has parts ({', '.join(nested)}); merge "
                "the parts first"
            )
        self.questions.refuse_if_coded([first.id, second.id], "merged")
        edit_id = self.log.begin(document_id, annotator_id)
        for span in self.linked_spans(second.id):
            self._relink(edit_id, span.id, first.id)
        response = {}
        if second.response_set:  # the merged question is answered after the second
            response = dict(zip(("response_start", "response_end"), second.response, strict=True))
        self.questions.delete(edit_id, second.id)
        self.questions.update(edit_id, first.id, end=second.end, **response)
        if first.parent_id is not None and len(siblings) == 2:
            # One part left: the question is whole again.
            for span in self.linked_spans(first.id):
                self._relink(edit_id, span.id, first.parent_id)
            self.questions.delete(edit_id, first.id)
            return first.parent_id
        return first.id

    def delete(self, annotator_id: int, question_id: int) -> int:
        """Delete a question and its parts; how many spans were relinked."""
        state = self.questions.existing(question_id)
        document_id = state["document_id"]
        doomed = [question_id] + [
            q.id for q in self.questions.questions(document_id) if q.parent_id == question_id
        ]
        edit_id = self.log.begin(document_id, annotator_id)
        linked = [span for doomed_id in doomed for span in self.unlink(edit_id, doomed_id)]
        for doomed_id in reversed(doomed):  # parts first: they refer to the question
            self.questions.delete(edit_id, doomed_id)
        self.relink_to_regions(edit_id, document_id, linked)
        return len(linked)

    # ---- relinking -------------------------------------------------------------------------

    def unlink(self, edit_id: int, question_id: int) -> list[Linked]:
        """Before a question goes: its spans respond to none (they are returned, for
        :meth:`relink_to_regions` once it has gone)."""
        linked = self.linked_spans(question_id)
        for span in linked:
            self._relink(edit_id, span.id, None)
        return linked

    def relink_to_regions(self, edit_id: int, document_id: int, spans: Sequence[Linked]) -> None:
        """Link spans whose question went to the question whose region now holds them."""
        links = []
        for span in spans:
            state = self.reader.state(span.id)
            if state is not None and state["question_id"] is None:  # not merged away
                target = self.questions.response_at(document_id, span.start)
                if target is not None:
                    links.append((span.id, target))
        self.writer.relink_many(edit_id, document_id, links)

    def linked_spans(self, question_id: int) -> list[Linked]:
        """The spans of every layer that respond to the question."""
        return [
            Linked(row[0], row[1], row[2])
            for row in self.connection.db.execute(
                "SELECT id, annotator_id, start FROM spans WHERE question_id = ? ORDER BY id",
                [question_id],
            )
        ]

    def _relink(self, edit_id: int, span_id: int, question_id: int | None) -> None:
        """Point a span (of any layer) at another question, through the span writer (same
        label spans of that question it then overlaps merge, as the scheme says)."""
        state = self.reader.state(span_id)
        if state is not None and state["question_id"] != question_id:
            self.writer.update(edit_id, span_id, state["annotator_id"], question=question_id)

    def _link_unlinked(self, edit_id: int, document_id: int, question_ids: Sequence[int]) -> int:
        """Link the document's spans that respond to no question to whichever of these
        questions' response regions holds their start; how many were linked."""
        wanted = set(question_ids)
        regions = [
            (q.id, q.response) for q in self.questions.questions(document_id) if q.id in wanted
        ]
        links = []
        for span_id, start in self.connection.db.execute(
            "SELECT id, start FROM spans WHERE document_id = ? AND question_id IS NULL "
            "ORDER BY start, id",
            [document_id],
        ):
            for question_id, (region_start, region_end) in regions:
                if region_start <= start < region_end:
                    links.append((span_id, question_id))
                    break
        return self.writer.relink_many(edit_id, document_id, links)
