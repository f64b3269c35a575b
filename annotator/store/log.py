"""The append-only change log, and the undo and redo stacks it implies.

Every change of a span, a question or a code is recorded (``edits`` + ``span_changes``,
whose ``item`` says which of the three changed) with its state before and after, in the same
transaction as the change. Undo and redo are new edits that apply the
inverse (or the original again) of an earlier edit, so the log doubles as the audit trail and
survives restarts. The log also lets a window catch up with what other windows wrote to its
document (:meth:`ChangeLog.changes_since`).

A scheme upgrade (``annotator scheme upgrade``, :mod:`.upgrades`) rewrites spans and codes in
one edit per layer, each naming the upgrade; undo does not reach back across an upgrade
(:meth:`ChangeLog.barrier`): the states logged before it are of the old scheme, which the
writers would refuse to restore.
"""

from __future__ import annotations

import json
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from ..model import Change
from .annotators import Annotators
from .assignments import Assignments
from .connection import Connection
from .database import now

State = Mapping[str, Any]
ITEMS = ("span", "question", "code")  # what a logged change is of


class Step(NamedTuple):
    """One logged change to make again (redo) or backwards (undo)."""

    item: str  # one of ITEMS
    id: int
    action: str
    expected: dict[str, Any] | None  # the state the item must be in now
    wanted: dict[str, Any] | None  # the state to give it


_CHANGE_COLUMNS = (
    "c.id, e.id, e.kind, c.action, c.span_id, e.document_id, e.annotator_id, "
    'c."before", c."after", e.at, e.reviewer, c.item, e.upgrade_id'
)


class LazyStack:
    """A stack of edit ids whose lower part is read from the log only when it is reached.

    ``more`` yields the entries below those held, top first (a backward walk of the log), so
    the first undo in a fresh process reads the newest few edits, not the whole history.
    """

    def __init__(self, more: Iterator[int] | None = None) -> None:
        self._items: deque[int] = deque()  # bottom ... top
        self._more = more

    def _load(self, count: int) -> None:
        while len(self._items) < count and self._more is not None:
            below = next(self._more, None)
            if below is None:
                self._more = None
            else:
                self._items.appendleft(below)

    def append(self, edit_id: int) -> None:
        self._items.append(edit_id)

    def pop(self) -> int:
        self._load(1)
        return self._items.pop()

    def clear(self) -> None:
        self._items.clear()
        self._more = None

    def __bool__(self) -> bool:
        self._load(1)
        return bool(self._items)

    def __getitem__(self, index: int) -> int:
        if index >= 0:
            raise IndexError("a stack is read from the top: use negative indices")
        self._load(-index)
        return self._items[index]

    def __len__(self) -> int:
        self._load(sys.maxsize)  # reads the rest of the log: for tests and inspection
        return len(self._items)

    def __iter__(self) -> Iterator[int]:
        self._load(sys.maxsize)
        return iter(list(self._items))


Row = tuple[int, str, int | None]  # an edit's id, kind and the edit it reverts


def undo_entries(rows: Iterable[Row]) -> Iterator[int]:
    """The undo stack, top first, from the edits newest first: an edit and a redo push, an
    undo pops (so each undo cancels the nearest push before it)."""
    pending = 0
    for edit_id, kind, reverts in rows:
        if kind == "undo":
            pending += 1
            continue
        if pending:
            pending -= 1
        else:
            yield edit_id if kind == "edit" else int(reverts or 0)


def redo_entries(rows: Iterable[Row]) -> Iterator[int]:
    """The redo stack, top first, from the edits newest first: an undo pushes what it
    reverted, a redo pops, and an edit empties the stack (nothing before it counts)."""
    pending = 0
    for _, kind, reverts in rows:
        if kind == "edit":
            return
        if kind == "redo":
            pending += 1
        elif pending:
            pending -= 1
        else:
            yield int(reverts or 0)


class UndoStacks:
    """Undo and redo stacks of edit ids (newest last), as a replay of the edit log builds them.

    Built by walking the log backwards from its newest edit, and only as far as the stacks
    are read (:class:`LazyStack`); then brought forward edit by edit (:meth:`record`).
    """

    def __init__(self, barrier: int = 0, history: Callable[[], Iterator[Row]] | None = None):
        self.undo = LazyStack(undo_entries(history()) if history else None)
        self.redo = LazyStack(redo_entries(history()) if history else None)
        self.newest: int | None = None  # the last edit taken in
        self.barrier = barrier  # edits up to this one are beyond undo (a scheme upgrade)

    def record(self, edit_id: int, kind: str, reverts: int | None) -> None:
        if kind == "edit":
            self.undo.append(edit_id)
            self.redo.clear()
        elif kind == "undo":
            self.undo.pop()
            assert reverts is not None
            self.redo.append(reverts)
        else:
            self.redo.pop()
            assert reverts is not None
            self.undo.append(reverts)
        self.newest = edit_id


class ChangeLog:
    """Appends to the log and reads it back."""

    def __init__(
        self, connection: Connection, annotators: Annotators, assignments: Assignments
    ) -> None:
        self.connection = connection
        self.annotators = annotators
        self.assignments = assignments  # the done lock, checked before every edit
        self.last_edit: int | None = None  # the latest edit made through this connection
        self._stacks: dict[tuple[int, int], UndoStacks] = {}
        # Run as every edit begins, under the write lock: each checks that what this
        # connection holds (the scheme) is still the project's, refusing the edit if not.
        self.checks: list[Callable[[], None]] = []
        connection.on_rollback.append(self._forget)

    def _forget(self) -> None:
        # The cached stacks may hold an edit that was just rolled back.
        self._stacks.clear()
        self.last_edit = None

    # ---- writing (inside a write transaction) ----------------------------------------------

    def begin(
        self,
        document_id: int,
        annotator_id: int,
        kind: str = "edit",
        reverts: int | None = None,
        *,
        reviewer: str | None = None,
        upgrade_id: int | None = None,
    ) -> int:
        """A new edit (one user action); the span changes it makes are recorded under it.
        Refused (:class:`DocumentLocked`) in a document the annotator marked done, unless it
        is a scheme upgrade's (``upgrade_id``): that renames, it does not change the work."""
        for check in self.checks:
            check()
        if upgrade_id is None:
            self.assignments.check_open(document_id, annotator_id)
        stacks = self.stacks(document_id, annotator_id)
        cursor = self.connection.db.execute(
            "INSERT INTO edits (document_id, annotator_id, kind, reverts, at, reviewer, "
            "upgrade_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [document_id, annotator_id, kind, reverts, now(), reviewer, upgrade_id],
        )
        edit_id = int(cursor.lastrowid or 0)
        stacks.record(edit_id, kind, reverts)
        self.last_edit = edit_id
        return edit_id

    def record(
        self,
        edit_id: int,
        item_id: int,
        action: str,
        before: State | None,
        after: State | None,
        item: str = "span",
    ) -> None:
        self.connection.db.execute(
            'INSERT INTO span_changes (edit_id, span_id, action, "before", "after", item) '
            "VALUES (?, ?, ?, ?, ?, ?)",
            [edit_id, item_id, action, _dump(before), _dump(after), item],
        )

    def record_many(
        self, edit_id: int, changes: Sequence[tuple[int, str, State | None, State | None]]
    ) -> None:
        """Record several changes of one edit at once (``(item id, action, before, after)``
        each, spans), in their order: the rows :meth:`record` would write one by one."""
        self.connection.db.executemany(
            'INSERT INTO span_changes (edit_id, span_id, action, "before", "after", item) '
            "VALUES (?, ?, ?, ?, ?, 'span')",
            [
                (edit_id, item_id, action, _dump(before), _dump(after))
                for item_id, action, before, after in changes
            ],
        )

    def purge_document(self, document_id: int) -> int:
        """Remove a deleted document's change log (its edits, and their changes by
        ``ON DELETE CASCADE``); returns how many edits went."""
        db = self.connection.db
        (edits,) = db.execute(
            "SELECT count(*) FROM edits WHERE document_id = ?", [document_id]
        ).fetchone()
        db.execute("DELETE FROM edits WHERE document_id = ?", [document_id])
        self._stacks = {key: v for key, v in self._stacks.items() if key[0] != document_id}
        return int(edits)

    # ---- undo and redo -------------------------------------------------------------------

    def stacks(self, document_id: int, annotator_id: int) -> UndoStacks:
        """The undo and redo stacks of one annotator in one document.

        They are what a replay of the log gives, kept per connection and brought forward
        edit by edit; the newest edit id tells whether another connection has written since,
        in which case they are made again. Made by walking the log backwards, and only as far
        as they are read: the first edit or undo in a fresh process reads a page of the
        newest edits, not the whole history (:class:`LazyStack`).
        """
        key = (document_id, annotator_id)
        newest = self.newest(document_id, annotator_id)
        barrier = self.barrier()
        stacks = self._stacks.get(key)
        if stacks is None or stacks.newest != newest or stacks.barrier != barrier:
            through = newest or 0
            stacks = UndoStacks(
                barrier, lambda: self._edits_backwards(document_id, annotator_id, through, barrier)
            )
            stacks.newest = newest
            self._stacks[key] = stacks
        return stacks

    def _edits_backwards(
        self, document_id: int, annotator_id: int, through: int, barrier: int, page: int = 64
    ) -> Iterator[Row]:
        """A layer's edits after ``barrier`` up to ``through``, newest first, read a page at
        a time (each page its own query, so no statement stays open between undos)."""
        below = through + 1
        while True:
            rows = self.connection.db.execute(
                "SELECT id, kind, reverts FROM edits WHERE document_id = ? AND annotator_id = ? "
                "AND id > ? AND id < ? ORDER BY id DESC LIMIT ?",
                [document_id, annotator_id, barrier, below, page],
            ).fetchall()
            yield from rows
            if len(rows) < page:
                return
            below = rows[-1][0]
            page = min(page * 4, 4096)

    def barrier(self) -> int:
        """The newest edit when the latest scheme upgrade was applied (0: none): it and the
        edits before it cannot be undone or redone."""
        row = self.connection.db.execute("SELECT max(through_edit) FROM scheme_upgrades").fetchone()
        return int(row[0] or 0)

    def steps(self, edit_id: int, kind: str) -> list[Step]:
        """What undoing (the edit backwards, before and after swapped) or redoing it does."""
        changes = [
            Step(item, item_id, action, _load(before), _load(after))
            for item, item_id, action, before, after in self.connection.db.execute(
                'SELECT item, span_id, action, "before", "after" FROM span_changes '
                "WHERE edit_id = ? ORDER BY id",
                [edit_id],
            )
        ]
        if kind == "redo":
            return changes
        return [step._replace(expected=step.wanted, wanted=step.expected) for step in changes[::-1]]

    # ---- reading -------------------------------------------------------------------------

    def newest(self, document_id: int, annotator_id: int | None = None) -> int | None:
        """The newest edit of the document (of one annotator's layer), if any."""
        if annotator_id is None:
            row = self.connection.db.execute(
                "SELECT max(id) FROM edits WHERE document_id = ?", [document_id]
            ).fetchone()
        else:
            row = self.connection.db.execute(
                "SELECT max(id) FROM edits WHERE document_id = ? AND annotator_id = ?",
                [document_id, annotator_id],
            ).fetchone()
        return None if row[0] is None else int(row[0])

    def changes_since(self, document_id: int, edit_id: int) -> list[Change]:
        """The document's changes (of spans, questions and codes) in edits after ``edit_id``
        (0: all), oldest first."""
        return self._changes("WHERE e.document_id = ? AND e.id > ?", [document_id, edit_id])

    def history(
        self,
        document_id: int | None = None,
        annotator_id: int | None = None,
        *,
        edit_id: int | None = None,
    ) -> list[Change]:
        """The audit trail, oldest first, optionally for one document, annotator or edit."""
        conditions, params = [], []
        for column, value in (
            ("e.document_id", document_id),
            ("e.annotator_id", annotator_id),
            ("e.id", edit_id),
        ):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        return self._changes(("WHERE " + " AND ".join(conditions)) if conditions else "", params)

    def last_edits(self, item: str, item_ids: Sequence[int]) -> dict[int, int]:
        """The newest edit that changed each of these items (of kind ``item``), by item id
        (items never changed are absent)."""
        if not item_ids:
            return {}
        marks = ", ".join("?" * len(item_ids))
        return {
            row[0]: row[1]
            for row in self.connection.db.execute(
                "SELECT span_id, max(edit_id) FROM span_changes "
                f"WHERE item = ? AND span_id IN ({marks}) GROUP BY span_id",
                [item, *item_ids],
            )
        }

    def deleted_by_edits(self, document_id: int, annotator_id: int, item: str) -> list[State]:
        """The states of the items (of kind ``item``) that edits of one layer deleted, oldest
        first: what someone removed by hand (undo and redo are left out, so a merge that was
        undone is not among them)."""
        return [
            json.loads(row[0])
            for row in self.connection.db.execute(
                'SELECT c."before" FROM span_changes c JOIN edits e ON e.id = c.edit_id '
                "WHERE e.document_id = ? AND e.annotator_id = ? AND e.kind = 'edit' "
                "AND c.item = ? AND c.action = 'delete' ORDER BY c.id",
                [document_id, annotator_id, item],
            )
        ]

    def _changes(self, where: str, params: list[Any]) -> list[Change]:
        sql = (
            f"SELECT {_CHANGE_COLUMNS} FROM span_changes c JOIN edits e ON e.id = c.edit_id "
            f"{where} ORDER BY c.id"
        )
        return [
            Change(
                id=r[0],
                batch=r[1],
                kind=r[2],
                action=r[3],
                span_id=r[4],
                document_id=r[5],
                annotator=self.annotators.name(r[6]),
                before=_load(r[7]),
                after=_load(r[8]),
                at=r[9],
                reviewer=r[10],
                item=r[11],
                upgrade=r[12],
            )
            for r in self.connection.db.execute(sql, params)
        ]


# One encoder for every logged state: json.dumps makes a new one per call when given options.
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def _dump(state: State | None) -> str | None:
    if state is None:
        return None
    return _ENCODE({k: v for k, v in state.items() if k != "id"} if "id" in state else state)


def _load(text: str | None) -> dict[str, Any] | None:
    return json.loads(text) if text else None
