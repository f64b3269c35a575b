"""Questions: a document's question units, read with their names, speakers and response
regions, and the one writer of the ``questions`` table.

Questions are shared by the project's annotators: everyone codes the same units, so codes
are comparable question by question. The writer's rules, applied on every path (the app,
``annotator questions propose``, imports, undo and redo):

- a question is a non-empty ``[start, end)`` inside the document's text;
- top-level questions of a document never overlap one another;
- a part (sub-question) is a top-level question's part and lies inside it (a part has no
  parts); parts may overlap one another, as sub-questions of one sentence do ("Will you
  and when will you...?" asks two), but no two parts of a question are the same text with
  the same wording;
- a response region set by hand is a ``[start, end)`` inside the text; unset, it is the
  default (:func:`annotator.questions.default_regions`), which follows the questions as
  they are added and removed;
- a question anyone has coded (gold included) is not deleted and gets no parts (its codes
  would be lost, or no longer code a unit): the codes are cleared first.

What a question change does to the spans linked to it and the codes given to it (relinking,
refusing) is decided above this module, by :class:`~annotator.store.Project`. Every change is
recorded in the change log (item ``question``), in the caller's edit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import InvalidValue, ProjectError, StaleView
from ..model import QUESTION_STATUSES, Question, Turn
from ..questions import default_regions, part_letter, section_breaks, speaker_at
from .connection import Connection
from .database import now
from .log import ChangeLog, Step

QUESTION_COLUMNS = (
    'id, document_id, parent_id, start, "end", response_start, response_end, status, wording, '
    "created_at, updated_at"
)
_COLUMNS = QUESTION_COLUMNS.split(", ")[1:]
_FIELDS = tuple(column.strip('"') for column in _COLUMNS)

State = dict[str, Any]  # a question row as the change log keeps it (without its id)


def _state_of_row(row: Sequence[Any]) -> State:
    """A row of ``QUESTION_COLUMNS``, with its id (which the change log leaves out)."""
    return dict(zip(("id", *_FIELDS), row, strict=True))


def _values(state: Mapping[str, Any]) -> list[Any]:
    return [state[field] for field in _FIELDS]


class QuestionStore:
    """Reads and writes the ``questions`` table (see the module docstring for its rules)."""

    def __init__(
        self, connection: Connection, log: ChangeLog, text_length: Callable[[int], int]
    ) -> None:
        self.connection = connection
        self.log = log
        self._text_length = text_length
        # A document's turns and section starts never change once it is stored; the cache
        # goes with a rollback (it may hold a document that was never committed).
        self._layouts: dict[int, tuple[list[Turn], list[int]]] = {}
        connection.on_rollback.append(self._layouts.clear)

    @property
    def db(self) -> Any:
        return self.connection.db

    # ---- reading -------------------------------------------------------------------------

    def state(self, question_id: int) -> State | None:
        row = self.db.execute(
            f"SELECT {QUESTION_COLUMNS} FROM questions WHERE id = ?", [question_id]
        ).fetchone()
        if row is None:
            return None
        state = _state_of_row(row)
        del state["id"]
        return state

    def rows(self, document_id: int) -> list[State]:
        """The document's question rows, in text order."""
        return [
            _state_of_row(row)
            for row in self.db.execute(
                f"SELECT {QUESTION_COLUMNS} FROM questions WHERE document_id = ? "
                'ORDER BY start, "end", id',
                [document_id],
            )
        ]

    def questions(self, document_id: int) -> list[Question]:
        """The document's questions in text order, each top-level one followed by its parts,
        with their names, speakers and response regions."""
        rows = self.rows(document_id)
        if not rows:
            return []
        turns, _ = self._layout(document_id)
        top = [row for row in rows if row["parent_id"] is None]
        regions = self._regions(document_id, top)
        parts: dict[int, list[State]] = {}
        for row in rows:
            if row["parent_id"] is not None:
                parts.setdefault(row["parent_id"], []).append(row)
        result: list[Question] = []
        for number, (row, response) in enumerate(zip(top, regions, strict=True), start=1):
            response_set = row["response_start"] is not None
            result.append(_question(row, f"Q{number}", response, response_set, turns))
            for position, part in enumerate(parts.get(row["id"], [])):
                name = f"Q{number}{part_letter(position)}"
                result.append(_question(part, name, response, response_set, turns))
        return result

    def question(self, question_id: int) -> Question:
        state = self.state(question_id)
        if state is None:
            raise ProjectError(f"no question with id {question_id}")
        for question in self.questions(state["document_id"]):
            if question.id == question_id:
                return question
        raise AssertionError("a question not among its document's")  # pragma: no cover

    def response_regions(self, document_id: int) -> list[tuple[int, int, int]]:
        """``(question id, start, end)`` of each top-level question's response region, in
        text order: :meth:`response_at` for many offsets at once."""
        top = [row for row in self.rows(document_id) if row["parent_id"] is None]
        if not top:
            return []
        regions = self._regions(document_id, top)
        return [(row["id"], start, end) for row, (start, end) in zip(top, regions, strict=True)]

    def response_at(self, document_id: int, offset: int) -> int | None:
        """The top-level question whose response region holds ``offset`` (the latest one
        when regions set by hand overlap), or None: the question a new span responds to."""
        top = [row for row in self.rows(document_id) if row["parent_id"] is None]
        if not top:
            return None  # most documents: no need for their turns' layout
        found = None
        for row, (start, end) in zip(top, self._regions(document_id, top), strict=True):
            if start <= offset < end:
                found = row["id"]
        return found

    def _regions(self, document_id: int, top: list[State]) -> list[tuple[int, int]]:
        """The response regions of a document's top-level questions (in text order): each
        one's own when set by hand, else the default."""
        turns, sections = self._layout(document_id)
        defaults = default_regions(
            [(row["start"], row["end"]) for row in top],
            sections,
            self._text_length(document_id),
            [turn.start for turn in turns],
        )
        return [
            (row["response_start"], row["response_end"])
            if row["response_start"] is not None
            else default
            for row, default in zip(top, defaults, strict=True)
        ]

    def _layout(self, document_id: int) -> tuple[list[Turn], list[int]]:
        """The document's turns, and the offsets where its sections start."""
        if document_id not in self._layouts:
            turns = [
                Turn(index=r[0], start=r[1], end=r[2], speaker=r[3])
                for r in self.db.execute(
                    'SELECT turn_index, start, "end", speaker FROM turns WHERE document_id = ? '
                    "ORDER BY turn_index",
                    [document_id],
                )
            ]
            row = self.db.execute(
                "SELECT metadata FROM documents WHERE id = ?", [document_id]
            ).fetchone()
            breaks = section_breaks(json.loads(row[0])) if row else []
            sections = sorted(turns[i].start for i in breaks if i < len(turns))
            self._layouts[document_id] = (turns, sections)
        return self._layouts[document_id]

    # ---- writing (inside a write transaction and an edit) ---------------------------------

    def create(
        self,
        edit_id: int,
        document_id: int,
        start: int,
        end: int,
        *,
        parent_id: int | None = None,
        status: str = "proposed",
        response: tuple[int, int] | None = None,
        wording: str | None = None,
        created_at: str | None = None,
        updated_at: str | None = None,
        batch: list[State] | None = None,
    ) -> int:
        """Add a question (a part of ``parent_id``); its id. ``created_at`` and
        ``updated_at`` keep the times a file recorded (default: now). ``batch``: the
        document's questions as :meth:`rows` read them at the start of a batch of creations,
        checked against instead of reading them again, and the new one added to."""
        stamp = now()
        state: State = {
            "document_id": document_id,
            "parent_id": parent_id,
            "start": start,
            "end": end,
            "response_start": response[0] if response else None,
            "response_end": response[1] if response else None,
            "status": status,
            "wording": wording or None,
            "created_at": created_at or stamp,
            "updated_at": updated_at or created_at or stamp,
        }
        self._check(None, state, batch)
        question_id = self._insert(edit_id, state)
        if batch is not None:
            batch.append({**state, "id": question_id})
        return question_id

    def update(self, edit_id: int, question_id: int, **changes: Any) -> State:
        """Change fields of a question (``start``, ``end``, ``parent_id``, ``status``,
        ``wording``, ``response_start``/``response_end``); its new state."""
        current = self.existing(question_id)
        unknown = set(changes) - set(_FIELDS)
        if unknown:
            raise ValueError(f"not question fields: {sorted(unknown)}")
        after = {**current, **changes, "updated_at": now()}
        self._check(question_id, after)
        self._update(edit_id, question_id, current, after)
        return after

    def delete(self, edit_id: int, question_id: int) -> State:
        current = self.existing(question_id)
        self._refuse_deleting(question_id)
        self.db.execute("DELETE FROM questions WHERE id = ?", [question_id])
        self.log.record(edit_id, question_id, "delete", current, None, item="question")
        return current

    def purge_document(self, document_id: int) -> list[State]:
        """Remove every question of a document that is being deleted (parts first: a part
        refers to its question), returning them (each with its id) for the record of the
        deletion. The caller removes the spans and codes that refer to them first; not
        logged as changes, since the document's change log goes with it."""
        removed = self.rows(document_id)
        self.db.execute(
            "DELETE FROM questions WHERE document_id = ? AND parent_id IS NOT NULL", [document_id]
        )
        self.db.execute("DELETE FROM questions WHERE document_id = ?", [document_id])
        self._layouts.pop(document_id, None)
        return removed

    def revert_step(self, edit_id: int, step: Step, kind: str) -> None:
        """Undo or redo one logged question change, if the question is still as logged."""
        current = self.state(step.id)
        if current != step.expected:
            raise StaleView(
                f"a question of this edit was changed elsewhere since; {kind} stopped "
                "without changes"
            )
        if step.wanted is None:
            assert current is not None
            self._refuse_deleting(step.id)
            self.db.execute("DELETE FROM questions WHERE id = ?", [step.id])
            self.log.record(edit_id, step.id, "delete", current, None, item="question")
            return
        self._check(step.id, step.wanted)
        if current is None:
            self._insert(edit_id, step.wanted, question_id=step.id)
        else:
            self._update(edit_id, step.id, current, step.wanted)

    def existing(self, question_id: int) -> State:
        state = self.state(question_id)
        if state is None:
            raise StaleView(
                f"that question (id {question_id}) was deleted elsewhere, in another window "
                "or process; nothing was changed"
            )
        return state

    # ---- policy --------------------------------------------------------------------------

    def _check(
        self, question_id: int | None, state: Mapping[str, Any], rows: list[State] | None = None
    ) -> None:
        document_id, start, end = state["document_id"], state["start"], state["end"]
        length = self._text_length(document_id)
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= length):
            raise InvalidValue(
                f"a question must be a non-empty range inside the text of {length} "
                f"characters, not [{start}, {end})"
            )
        if state["status"] not in QUESTION_STATUSES:
            raise InvalidValue(f"question status must be one of {', '.join(QUESTION_STATUSES)}")
        response = (state["response_start"], state["response_end"])
        if response != (None, None) and not (
            isinstance(response[0], int)
            and isinstance(response[1], int)
            and 0 <= response[0] <= response[1] <= length
        ):
            raise InvalidValue(
                f"a response region must lie inside the text of {length} characters, "
                f"not [{response[0]}, {response[1]})"
            )
        parent_id = state["parent_id"]
        if rows is None:
            rows = self.rows(document_id)
        others = [row for row in rows if row["id"] != question_id]
        if parent_id is None:
            siblings = [row for row in others if row["parent_id"] is None]
        else:
            parent = next((row for row in others if row["id"] == parent_id), None)
            if parent is None or parent["parent_id"] is not None:
                raise ProjectError(
                    f"question {parent_id} is not a top-level question of document "
                    f"{document_id}; a part belongs to one"
                )
            if not any(row["parent_id"] == parent_id for row in others):
                self.refuse_if_coded([parent_id], "split into parts")
            if not (parent["start"] <= start and end <= parent["end"]):
                raise InvalidValue(
                    f"a part [{start}, {end}) must lie inside its question "
                    f"[{parent['start']}, {parent['end']})"
                )
            for row in others:
                same = (row["start"], row["end"], row["wording"]) == (start, end, state["wording"])
                if row["parent_id"] == parent_id and same:
                    raise ProjectError(
                        f"the question already has the part [{start}, {end}); give the new "
                        "one other text or its own wording"
                    )
            siblings = []
        for row in siblings:
            if row["start"] < end and start < row["end"]:
                raise ProjectError(
                    f"[{start}, {end}) overlaps another question [{row['start']}, "
                    f"{row['end']}); questions do not overlap: merge them, or move an edge first"
                )
        if question_id is not None and parent_id is None:
            for row in others:
                if row["parent_id"] == question_id and not (
                    start <= row["start"] < row["end"] <= end
                ):
                    raise InvalidValue(
                        f"the question [{start}, {end}) would no longer hold its part "
                        f"[{row['start']}, {row['end']})"
                    )

    def _refuse_deleting(self, question_id: int) -> None:
        """A question goes only without codes and after its parts."""
        self.refuse_if_coded([question_id], "deleted")
        state = self.existing(question_id)
        parts = [q.name for q in self.questions(state["document_id"]) if q.parent_id == question_id]
        if parts:
            raise ProjectError(
                f"the question cannot be deleted while it has parts ({', '.join(parts)}); "
                "delete them first"
            )

    def refuse_if_coded(self, question_ids: Sequence[int], what: str) -> None:
        """Refuse (naming who coded them) if anyone has coded one of these questions."""
        marks = ", ".join("?" * len(question_ids))
        coders = [
            row[0]
            for row in self.db.execute(
                "SELECT DISTINCT a.name FROM codes c JOIN annotators a ON a.id = c.annotator_id "
                f"WHERE c.question_id IN ({marks}) ORDER BY a.name",
                list(question_ids),
            )
        ]
        if coders:
            document_id = self.existing(question_ids[0])["document_id"]
            names = [q.name for q in self.questions(document_id) if q.id in set(question_ids)]
            raise ProjectError(
                f"{', '.join(names)} cannot be {what}: coded by {', '.join(coders)}; the codes "
                "must be cleared first"
            )

    # ---- rows ----------------------------------------------------------------------------

    def _insert(
        self, edit_id: int, state: Mapping[str, Any], question_id: int | None = None
    ) -> int:
        cursor = self.db.execute(
            f"INSERT INTO questions ({QUESTION_COLUMNS}) "
            f"VALUES ({', '.join('?' * (len(_COLUMNS) + 1))})",
            [question_id, *_values(state)],
        )
        new_id = int(cursor.lastrowid or 0)
        self.log.record(edit_id, new_id, "create", None, state, item="question")
        return new_id

    def _update(self, edit_id: int, question_id: int, before: State, after: State) -> None:
        self.db.execute(
            f"UPDATE questions SET ({', '.join(_COLUMNS)}) = ({', '.join('?' * len(_COLUMNS))}) "
            "WHERE id = ?",
            [*_values(after), question_id],
        )
        self.log.record(edit_id, question_id, "update", before, after, item="question")


def _question(
    row: State, name: str, response: tuple[int, int], response_set: bool, turns: list[Turn]
) -> Question:
    return Question(
        id=row["id"],
        document_id=row["document_id"],
        start=row["start"],
        end=row["end"],
        parent_id=row["parent_id"],
        status=row["status"],
        wording=row["wording"],
        response=response,
        response_set=response_set,
        speaker=speaker_at(turns, row["start"]),
        name=name,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
