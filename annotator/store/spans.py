"""Spans and their change log, the half of :class:`~annotator.store.Project` that edits.

Every span change is recorded in an append-only log (``edits`` + ``span_changes``) with the
span's state before and after. Undo and redo are new edits that apply the inverse (or the
original again) of an earlier edit, so the log doubles as the audit trail and survives
restarts. Rejecting a suggestion (another layer's span) is logged the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from .database import ProjectError, message_of, now
from .model import Change, Span, check_span_offsets
from .scheme import Scheme

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

_SPAN_COLUMNS = (
    'id, document_id, annotator_id, label, start, "end", attributes, note, scheme_hash, '
    "created_at, updated_at, provenance"
)

_PLACEHOLDERS = ", ".join("?" * len(_SPAN_COLUMNS.split(", ")))


def _state_values(state: Mapping[str, Any]) -> list[Any]:
    """A span state's values in ``_SPAN_COLUMNS`` order, without the id."""
    return [
        state["document_id"],
        state["annotator_id"],
        state["label"],
        state["start"],
        state["end"],
        json.dumps(state["attributes"], ensure_ascii=False, sort_keys=True),
        state["note"],
        state["scheme_hash"],
        state["created_at"],
        state["updated_at"],
        None if state.get("provenance") is None else json.dumps(state["provenance"]),
    ]


def _span_state(row: Sequence[Any]) -> dict[str, Any]:
    """A ``spans`` row (``_SPAN_COLUMNS``) as the JSON kept in the change log, without its id."""
    return {
        "document_id": row[1],
        "annotator_id": row[2],
        "label": row[3],
        "start": row[4],
        "end": row[5],
        "attributes": json.loads(row[6]) if row[6] != "{}" else {},  # most spans have none
        "note": row[7],
        "scheme_hash": row[8],
        "created_at": row[9],
        "updated_at": row[10],
        "provenance": json.loads(row[11]) if row[11] else None,
    }


class UndoStacks:
    """Undo and redo stacks of edit ids (newest last), as a replay of the edit log builds them."""

    def __init__(self) -> None:
        self.undo: list[int] = []
        self.redo: list[int] = []
        self.newest: int | None = None  # the last edit replayed

    def record(self, edit_id: int, kind: str, reverts: int | None) -> None:
        if kind == "edit":
            self.undo.append(edit_id)
            self.redo.clear()
        elif kind == "undo":
            self.undo.pop()
            self.redo.append(reverts)  # type: ignore[arg-type]
        else:
            self.redo.pop()
            self.undo.append(reverts)  # type: ignore[arg-type]
        self.newest = edit_id


class SpanLog:
    """Span editing, undo/redo and history; mixed into :class:`~annotator.store.Project`."""

    db: Database
    scheme: Scheme
    _last_edit: int | None
    _stack_cache: dict[tuple[int, int], UndoStacks]

    if TYPE_CHECKING:

        def _write(self) -> AbstractContextManager[None]: ...
        def annotator_id(self, name: str, *, create: bool = True) -> int: ...
        def annotator_name(self, annotator_id: int) -> str: ...
        def _text_length(self, document_id: int) -> int: ...
        def _touch_status(self, document_id: int, annotator_id: int) -> None: ...
        def _checked_attributes(
            self, label_id: str, attributes: Mapping[str, Any] | None, *, complete: bool
        ) -> dict[str, Any]: ...

    # ---- spans ---------------------------------------------------------------------------

    def _span_from_row(self, row: Sequence[Any]) -> Span:
        return self._span_from_state(row[0], _span_state(row))

    def _span_from_state(self, span_id: int, state: Mapping[str, Any]) -> Span:
        return Span(
            id=span_id,
            document_id=state["document_id"],
            annotator=self.annotator_name(state["annotator_id"]),
            label=state["label"],
            start=state["start"],
            end=state["end"],
            attributes=state["attributes"],
            note=state["note"],
            scheme_hash=state["scheme_hash"],
            created_at=state["created_at"],
            updated_at=state["updated_at"],
            provenance=state.get("provenance"),
        )

    def _spans_where(self, condition: str, params: Sequence[Any]) -> list[Span]:
        sql = f"SELECT {_SPAN_COLUMNS} FROM spans WHERE {condition}"
        return [self._span_from_row(row) for row in self.db.execute(sql, params)]

    def spans(self, document_id: int, annotator: str | None = None) -> list[Span]:
        """A document's spans in text order: one annotator's layer, or every layer."""
        sql = f"SELECT {_SPAN_COLUMNS} FROM spans WHERE document_id = ?"
        params: list[Any] = [document_id]
        if annotator is not None:
            sql += " AND annotator_id = ?"
            params.append(self.annotator_id(annotator))
        sql += ' ORDER BY start, "end", id'
        return [self._span_from_row(row) for row in self.db.execute(sql, params)]

    def span(self, span_id: int) -> Span:
        row = self.db.execute(
            f"SELECT {_SPAN_COLUMNS} FROM spans WHERE id = ?", [span_id]
        ).fetchone()
        if row is None:
            raise ProjectError(f"no span with id {span_id}")
        return self._span_from_row(row)

    def create_span(
        self,
        document_id: int,
        annotator: str,
        label: str,
        start: int,
        end: int,
        attributes: Mapping[str, Any] | None = None,
        note: str = "",
        provenance: Mapping[str, Any] | None = None,
        *,
        reviewer: str | None = None,
    ) -> Span:
        """Add a span to the annotator's layer, applying the scheme's overlap rules.

        With ``same_label_overlap: merge``, spans of the same label that overlap the new one
        are folded into it (their attributes kept where the new span gives none, notes
        joined); with ``refuse`` the span is refused. Returns the span as stored.
        ``reviewer`` names who made an edit of the gold layer (kept in the log).
        """
        annotator_id = self.annotator_id(annotator)
        with self._write():
            edit_id = self._new_edit(document_id, annotator_id, "edit", reviewer=reviewer)
            span_id = self._add_span(
                edit_id, document_id, annotator_id, label, start, end, attributes, note, provenance
            )
        return self.span(span_id)

    def _add_span(
        self,
        edit_id: int,
        document_id: int,
        annotator_id: int,
        label: str,
        start: int,
        end: int,
        attributes: Mapping[str, Any] | None,
        note: str,
        provenance: Mapping[str, Any] | None,
    ) -> int:
        """``create_span`` within an edit (several spans may make one edit); the new id."""
        try:
            if self.scheme.label(label).deprecated:
                raise ProjectError(f"label {label!r} is deprecated: it is kept for old spans only")
        except KeyError as error:
            raise ProjectError(message_of(error)) from None
        start, end, attributes, note, merged = self._prepare_span(
            document_id, annotator_id, label, start, end, attributes, note, exclude=None
        )
        for old in merged:
            self._delete_span(edit_id, old["id"], old)
        if provenance is not None and merged:
            provenance = _merged_provenance(provenance, merged)
        state = self._new_state(
            document_id, annotator_id, label, start, end, attributes, note, provenance
        )
        span_id = self._insert_span(edit_id, state)
        self._touch_status(document_id, annotator_id)
        return span_id

    def update_span(
        self,
        span_id: int,
        annotator: str,
        *,
        label: str | None = None,
        start: int | None = None,
        end: int | None = None,
        attributes: Mapping[str, Any] | None = None,
        note: str | None = None,
        provenance: Mapping[str, Any] | None = None,
        reviewer: str | None = None,
    ) -> Span:
        """Change a span of the annotator's own layer; fields left as None stay as they are."""
        annotator_id = self.annotator_id(annotator)
        with self._write():
            current = self._own_span_row(span_id, annotator_id)
            label = current["label"] if label is None else label
            if attributes is None:
                # On a label change, keep only the attributes the new label also defines.
                try:
                    defined = {a.id for a in self.scheme.label(label).attributes}
                except KeyError:
                    defined = set()  # _prepare_span refuses the label with a clear message
                attributes = {k: v for k, v in current["attributes"].items() if k in defined}
            new_start, new_end, attributes, note, merged = self._prepare_span(
                current["document_id"],
                annotator_id,
                label,
                current["start"] if start is None else start,
                current["end"] if end is None else end,
                attributes,
                current["note"] if note is None else note,
                exclude=span_id,
            )
            edit_id = self._new_edit(
                current["document_id"], annotator_id, "edit", reviewer=reviewer
            )
            for old in merged:
                self._delete_span(edit_id, old["id"], old)
            if provenance is None:
                provenance = current["provenance"]
            if provenance is not None and merged:
                provenance = _merged_provenance(provenance, merged)
            after = {
                **current,
                "label": label,
                "start": new_start,
                "end": new_end,
                "attributes": attributes,
                "note": note,
                "scheme_hash": self.scheme.hash,
                "updated_at": now(),
                "provenance": provenance,
            }
            self._update_span(edit_id, span_id, current, after)
        return self.span(span_id)

    def delete_span(self, span_id: int, annotator: str, *, reviewer: str | None = None) -> None:
        """Remove a span of the annotator's own layer (undo brings it back with its id)."""
        annotator_id = self.annotator_id(annotator)
        with self._write():
            current = self._own_span_row(span_id, annotator_id)
            edit_id = self._new_edit(
                current["document_id"], annotator_id, "edit", reviewer=reviewer
            )
            self._delete_span(edit_id, span_id, current)

    def _own_span_row(self, span_id: int, annotator_id: int) -> dict[str, Any]:
        row = self.db.execute(
            f"SELECT {_SPAN_COLUMNS} FROM spans WHERE id = ?", [span_id]
        ).fetchone()
        if row is None:
            raise ProjectError(f"no span with id {span_id}")
        state = _span_state(row)
        if state["annotator_id"] != annotator_id:
            raise ProjectError(
                f"span {span_id} belongs to {self.annotator_name(state['annotator_id'])}, "
                f"not {self.annotator_name(annotator_id)}"
            )
        return state

    def _prepare_span(
        self,
        document_id: int,
        annotator_id: int,
        label: str,
        start: int,
        end: int,
        attributes: Mapping[str, Any] | None,
        note: str,
        *,
        exclude: int | None,
    ) -> tuple[int, int, dict[str, Any], str, list[dict[str, Any]]]:
        """Check a span against text, scheme and the layer; return it with spans to merge."""
        try:
            check_span_offsets(self._text_length(document_id), start, end)
            self.scheme.label(label)
        except (ValueError, KeyError) as error:
            raise ProjectError(message_of(error)) from None
        overlapping = [
            {"id": row[0], **_span_state(row)}
            for row in self.db.execute(
                f"SELECT {_SPAN_COLUMNS} FROM spans WHERE document_id = ? AND annotator_id = ? "
                'AND start < ? AND "end" > ? AND id IS NOT ?',
                [document_id, annotator_id, end, start, exclude],
            )
        ]
        merged: list[dict[str, Any]] = []
        for other in overlapping:
            if other["label"] == label and self.scheme.settings.same_label_overlap == "merge":
                merged.append(other)
                continue
            problem = self._overlap_problem(
                label, start, end, other["label"], other["start"], other["end"]
            )
            if problem:
                raise ProjectError(problem)
        if merged:
            start = min([start, *(m["start"] for m in merged)])
            end = max([end, *(m["end"] for m in merged)])
            combined: dict[str, Any] = {}
            notes = []
            for old in merged:
                combined.update(old["attributes"])
                notes.append(old["note"])
            combined.update(attributes or {})
            attributes = combined
            notes.append(note)
            note = "\n".join(dict.fromkeys(n for n in notes if n))
        try:
            checked = self._checked_attributes(label, attributes, complete=True)
        except (ValueError, KeyError) as error:
            raise ProjectError(f"{label}: {message_of(error)}") from None
        return start, end, checked, note, merged

    def _overlap_problem(
        self, label: str, start: int, end: int, other_label: str, other_start: int, other_end: int
    ) -> str | None:
        """Why the scheme forbids these two spans of one layer to coexist, or None."""
        settings = self.scheme.settings
        here = f"{label} [{start}, {end})"
        there = f"{other_label} [{other_start}, {other_end})"
        if label == other_label:
            if settings.same_label_overlap == "refuse":
                return f"{here} overlaps {there}; the scheme refuses overlapping spans of one label"
            return None
        nested = (other_start <= start and end <= other_end) or (
            start <= other_start and other_end <= end
        )
        if nested and not settings.allow_nesting:
            return f"{here} and {there} nest; the scheme does not allow nested spans"
        if not nested and not settings.allow_overlap:
            return f"{here} overlaps {there}; the scheme does not allow overlapping spans"
        return None

    # ---- change log ----------------------------------------------------------------------

    def last_changes(self) -> list[Change]:
        """The span changes of the latest edit (or undo/redo) made through this connection."""
        return self.history(edit_id=self._last_edit) if self._last_edit is not None else []

    def span_after(self, change: Change) -> Span | None:
        """The span as a change left it (None for a deletion or a rejection)."""
        state = change.after
        if state is None or change.action == "rejection":
            return None
        return self._span_from_state(change.span_id, state)

    def _new_edit(
        self,
        document_id: int,
        annotator_id: int,
        kind: str,
        reverts: int | None = None,
        *,
        reviewer: str | None = None,
    ) -> int:
        stacks = self._stacks(document_id, annotator_id)
        cursor = self.db.execute(
            "INSERT INTO edits (document_id, annotator_id, kind, reverts, at, reviewer) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [document_id, annotator_id, kind, reverts, now(), reviewer],
        )
        stacks.record(cursor.lastrowid, kind, reverts)
        self._last_edit = cursor.lastrowid
        return cursor.lastrowid

    def _log(
        self,
        edit_id: int,
        span_id: int,
        action: str,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        def dump(state: Mapping[str, Any] | None) -> str | None:
            if state is None:
                return None
            return json.dumps({k: v for k, v in state.items() if k != "id"}, ensure_ascii=False)

        self.db.execute(
            'INSERT INTO span_changes (edit_id, span_id, action, "before", "after") '
            "VALUES (?, ?, ?, ?, ?)",
            [edit_id, span_id, action, dump(before), dump(after)],
        )

    def _new_state(
        self,
        document_id: int,
        annotator_id: int,
        label: str,
        start: int,
        end: int,
        attributes: Mapping[str, Any],
        note: str,
        provenance: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        stamp = now()
        return {
            "document_id": document_id,
            "annotator_id": annotator_id,
            "label": label,
            "start": start,
            "end": end,
            "attributes": dict(attributes),
            "note": note,
            "scheme_hash": self.scheme.hash,
            "created_at": stamp,
            "updated_at": stamp,
            "provenance": dict(provenance) if provenance is not None else None,
        }

    def _insert_span(
        self, edit_id: int, state: Mapping[str, Any], span_id: int | None = None
    ) -> int:
        """Insert a span (under a new id, or under its old one when undo restores it)."""
        cursor = self.db.execute(
            f"INSERT INTO spans ({_SPAN_COLUMNS}) VALUES ({_PLACEHOLDERS})",
            [span_id, *_state_values(state)],
        )
        self._log(edit_id, cursor.lastrowid, "create", None, state)
        return cursor.lastrowid

    def _delete_span(self, edit_id: int, span_id: int, state: Mapping[str, Any]) -> None:
        self.db.execute("DELETE FROM spans WHERE id = ?", [span_id])
        self._log(edit_id, span_id, "delete", state, None)

    def _update_span(
        self, edit_id: int, span_id: int, before: Mapping[str, Any], after: Mapping[str, Any]
    ) -> None:
        columns = _SPAN_COLUMNS.split(", ")[1:]
        self.db.execute(
            f"UPDATE spans SET ({', '.join(columns)}) = ({', '.join('?' * len(columns))}) "
            "WHERE id = ?",
            [*_state_values(after), span_id],
        )
        self._log(edit_id, span_id, "update", before, after)

    def _stacks(self, document_id: int, annotator_id: int) -> UndoStacks:
        """The (undo, redo) stacks of edit ids of one annotator in one document.

        They are a replay of the log, kept per connection and brought forward edit by edit,
        so an undo does not re-read a long history; the newest edit id tells whether another
        connection has written since, in which case the log is replayed again.
        """
        key = (document_id, annotator_id)
        newest = self.db.execute(
            "SELECT max(id) FROM edits WHERE document_id = ? AND annotator_id = ?", key
        ).fetchone()[0]
        stacks = self._stack_cache.get(key)
        if stacks is None or stacks.newest != newest:
            stacks = UndoStacks()
            for edit_id, kind, reverts in self.db.execute(
                "SELECT id, kind, reverts FROM edits "
                "WHERE document_id = ? AND annotator_id = ? ORDER BY id",
                key,
            ):
                stacks.record(edit_id, kind, reverts)
            self._stack_cache[key] = stacks
        return stacks

    def _changes_of(self, edit_id: int) -> list[tuple[int, str, dict | None, dict | None]]:
        return [
            (
                span_id,
                action,
                json.loads(before) if before else None,
                json.loads(after) if after else None,
            )
            for span_id, action, before, after in self.db.execute(
                'SELECT span_id, action, "before", "after" FROM span_changes '
                "WHERE edit_id = ? ORDER BY id",
                [edit_id],
            )
        ]

    def undo(
        self, document_id: int, annotator: str, *, reviewer: str | None = None
    ) -> list[Change]:
        """Revert the annotator's latest edit of the document; [] when there is none."""
        return self._step(document_id, annotator, "undo", reviewer)

    def redo(
        self, document_id: int, annotator: str, *, reviewer: str | None = None
    ) -> list[Change]:
        """Re-apply the edit the annotator last undid; [] when there is none."""
        return self._step(document_id, annotator, "redo", reviewer)

    def _step(
        self, document_id: int, annotator: str, kind: str, reviewer: str | None
    ) -> list[Change]:
        annotator_id = self.annotator_id(annotator)
        with self._write():
            stacks = self._stacks(document_id, annotator_id)
            stack = stacks.undo if kind == "undo" else stacks.redo
            if not stack:
                return []
            target = stack[-1]
            changes = self._changes_of(target)
            # Undo walks the edit backwards, swapping before and after; redo replays it.
            if kind == "undo":
                steps = [
                    (span_id, action, after, before)
                    for span_id, action, before, after in reversed(changes)
                ]
            else:
                steps = changes
            edit_id = self._new_edit(
                document_id, annotator_id, kind, reverts=target, reviewer=reviewer
            )
            for span_id, action, expected, wanted in steps:
                if action == "rejection":
                    self._set_rejected(edit_id, span_id, annotator_id, wanted["rejected"])
                else:
                    self._apply(edit_id, span_id, expected, wanted)
            return self.history(edit_id=edit_id)

    def _apply(
        self, edit_id: int, span_id: int, expected: dict | None, wanted: dict | None
    ) -> None:
        """Move one span from state ``expected`` to ``wanted``, refusing if it has changed since."""
        row = self.db.execute(
            f"SELECT {_SPAN_COLUMNS} FROM spans WHERE id = ?", [span_id]
        ).fetchone()
        current = _span_state(row) if row else None
        if current != expected:
            raise ProjectError(
                f"span {span_id} was changed elsewhere since; undo/redo stopped without changes"
            )
        if wanted is None:
            self._delete_span(edit_id, span_id, current)  # type: ignore[arg-type]
        elif current is None:
            self._insert_span(edit_id, wanted, span_id=span_id)
        else:
            self._update_span(edit_id, span_id, current, wanted)

    def history(
        self,
        document_id: int | None = None,
        annotator: str | None = None,
        *,
        edit_id: int | None = None,
    ) -> list[Change]:
        """The audit trail, oldest first, optionally for one document, annotator or edit."""
        sql = (
            "SELECT c.id, e.id, e.kind, c.action, c.span_id, e.document_id, e.annotator_id, "
            'c."before", c."after", e.at, e.reviewer '
            "FROM span_changes c JOIN edits e ON e.id = c.edit_id"
        )
        conditions, params = [], []
        for column, value in (("e.document_id", document_id), ("e.id", edit_id)):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        if annotator is not None:
            conditions.append("e.annotator_id = ?")
            params.append(self.annotator_id(annotator, create=False))
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        return [
            Change(
                id=r[0],
                batch=r[1],
                kind=r[2],
                action=r[3],
                span_id=r[4],
                document_id=r[5],
                annotator=self.annotator_name(r[6]),
                before=json.loads(r[7]) if r[7] else None,
                after=json.loads(r[8]) if r[8] else None,
                at=r[9],
                reviewer=r[10],
            )
            for r in self.db.execute(sql + " ORDER BY c.id", params)
        ]

    def _set_rejected(self, edit_id: int, span_id: int, annotator_id: int, rejected: bool) -> None:
        if rejected:
            self.db.execute(
                "INSERT INTO suggestion_rejections (annotator_id, span_id, rejected_at) "
                "VALUES (?, ?, ?)",
                [annotator_id, span_id, now()],
            )
        else:
            self.db.execute(
                "DELETE FROM suggestion_rejections WHERE annotator_id = ? AND span_id = ?",
                [annotator_id, span_id],
            )
        self._log(edit_id, span_id, "rejection", {"rejected": not rejected}, {"rejected": rejected})


def _merged_provenance(
    provenance: Mapping[str, Any], merged: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """A gold span that absorbed others (same label, overlapping) came from their sources too."""
    combined = dict(provenance)
    for old in merged:
        earlier = old.get("provenance") or {}
        for key in ("sources", "annotators"):
            combined[key] = sorted({*combined.get(key, []), *earlier.get(key, [])})
    return combined
