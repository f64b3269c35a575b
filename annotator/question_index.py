"""A document's questions as the editor and the transcript view look them up: by position.

Plain Python (no Textual). Top-level questions never overlap one another and a part lies
inside its question (the store's rules, :mod:`annotator.store.questions`), so the question
whose text holds an offset is a binary search over the top-level starts, and so is every
question on a row of the transcript. Response regions may be moved by hand and so may
overlap: the question a region belongs to is found by a scan of the top-level questions (a
document has tens of them, looked up once per keystroke, never per painted row).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence

from .model import Question


class QuestionIndex:
    """The questions of one document, in the store's order (each followed by its parts)."""

    def __init__(self, questions: Sequence[Question] = ()) -> None:
        self.all: list[Question] = list(questions)
        self.by_id: dict[int, Question] = {question.id: question for question in self.all}
        self.parts: dict[int, list[Question]] = {}
        for question in self.all:
            if question.parent_id is not None:
                self.parts.setdefault(question.parent_id, []).append(question)
        self.top: list[Question] = [q for q in self.all if q.parent_id is None]
        self._top_starts = [question.start for question in self.top]
        # What is coded: questions without parts, and parts.
        self.units: list[Question] = [q for q in self.all if q.id not in self.parts]

    def __len__(self) -> int:
        return len(self.all)

    def __bool__(self) -> bool:
        return bool(self.all)

    def parent(self, question: Question) -> Question:
        """The top-level question of a part (a top-level question is its own)."""
        if question.parent_id is None:
            return question
        return self.by_id[question.parent_id]

    def parts_of(self, question: Question) -> list[Question]:
        return self.parts.get(question.id, [])

    def top_at(self, offset: int) -> Question | None:
        """The top-level question whose text holds ``offset``."""
        i = bisect_right(self._top_starts, offset) - 1
        if i >= 0 and offset < self.top[i].end:
            return self.top[i]
        return None

    def in_text(self, offset: int) -> Question | None:
        """The innermost question whose text holds ``offset``: a part when one does."""
        top = self.top_at(offset)
        if top is None:
            return None
        for part in self.parts.get(top.id, ()):
            if part.start <= offset < part.end:
                return part
        return top

    def answered_at(self, offset: int) -> Question | None:
        """The top-level question whose response region holds ``offset`` (the latest one
        where regions moved by hand overlap, as the store links a new span)."""
        found = None
        for question in self.top:
            start, end = question.response
            if start <= offset < end:
                found = question
        return found

    def in_range(self, start: int, end: int) -> Iterator[Question]:
        """Questions and parts whose text meets ``[start, end)``, parents before parts."""
        i = max(bisect_right(self._top_starts, start) - 1, 0)
        while i < len(self.top) and self.top[i].start < end:
            question = self.top[i]
            if question.end > start:
                yield question
                for part in self.parts.get(question.id, ()):
                    if part.start < end and start < part.end:
                        yield part
            i += 1

    def starting_in(self, start: int, end: int) -> list[Question]:
        """Top-level questions starting in ``[start, end)`` (a turn), each with its parts."""
        first = bisect_left(self._top_starts, start)
        last = bisect_left(self._top_starts, end)
        found: list[Question] = []
        for question in self.top[first:last]:
            found.append(question)
            found.extend(self.parts.get(question.id, ()))
        return found

    def step(
        self, items: Sequence[Question], cursor: int, current: Question | None, forward: bool
    ) -> Question | None:
        """The item after (or before) ``current`` in ``items`` (which are in text order),
        when the cursor is still at its start; else the first item starting after (the last
        starting before) the cursor. A question and its first part start at one offset, so
        the item last stepped to says which of them the cursor is at."""
        if current is not None and current.start == cursor:
            try:
                position = items.index(current)
            except ValueError:
                position = -1
            if position >= 0:
                position += 1 if forward else -1
                return items[position] if 0 <= position < len(items) else None
        if forward:
            return next((item for item in items if item.start > cursor), None)
        return next((item for item in reversed(items) if item.start < cursor), None)


def changed_ranges(old: QuestionIndex, new: QuestionIndex) -> list[tuple[int, int]]:
    """The text ranges whose drawing a change of the questions touches: each question added,
    removed, moved, renamed or (un)confirmed, where it was and where it is."""
    ranges: list[tuple[int, int]] = []
    for question_id in old.by_id.keys() | new.by_id.keys():
        before, after = old.by_id.get(question_id), new.by_id.get(question_id)
        if _drawn(before) == _drawn(after):
            continue
        for question in (before, after):
            if question is not None:
                ranges.append((question.start, question.end))
    return sorted(ranges)


def _drawn(question: Question | None) -> tuple[object, ...] | None:
    """What of a question shows in the transcript (and its turn's header)."""
    if question is None:
        return None
    return (question.start, question.end, question.status, question.name, question.response)
