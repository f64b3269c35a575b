"""The project database: one SQLite file holding scheme, documents, annotators and spans.

Every public write runs in one short ``BEGIN IMMEDIATE`` transaction and is committed before
the method returns, so a caller (the UI) only ever shows what is on disk. Several processes
may share one file: WAL mode plus a busy timeout serialise their writes.

Span edits are recorded in an append-only log (``edits`` + ``span_changes``) with each span's
state before and after. Undo and redo are new edits that apply the inverse (or the original
again) of an earlier edit, so the log doubles as the audit trail and survives restarts.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from .migrations import migrations
from .model import (
    DOCUMENT_STATUSES,
    Change,
    Document,
    ImportedDocument,
    Span,
    SpanDraft,
    Turn,
    check_span_offsets,
)
from .scheme import Scheme, load_scheme

DEFAULT_DB_NAME = "annotations.db"
DB_ENV_VAR = "ANNOTATOR_DB"
BUSY_TIMEOUT_SECONDS = 30.0


class ProjectError(Exception):
    """A problem the user can fix; its message is one line that says how."""


def resolve_db_path(option: str | os.PathLike[str] | None = None) -> Path:
    """``--db`` wins, then ``$ANNOTATOR_DB``, then ``annotations.db`` in the current directory."""
    return Path(option or os.environ.get(DB_ENV_VAR) or DEFAULT_DB_NAME)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class AddResult:
    document_id: int
    title: str
    created: bool  # False when a document with the same text was already there
    spans_added: int = 0


@dataclass(frozen=True)
class DocumentSummary:
    id: int
    title: str
    source_name: str | None
    format: str
    words: int
    turns: int
    speakers: tuple[str, ...]
    statuses: Mapping[str, str]  # annotator -> status (annotators who never opened it: absent)


@dataclass(frozen=True)
class ProjectStats:
    documents: int
    words: int
    annotators: tuple[str, ...]
    spans_per_label: Mapping[str, int]
    # annotator -> status -> number of documents (every document counts, "new" included)
    progress: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


_SPAN_COLUMNS = (
    'id, document_id, annotator_id, label, start, "end", attributes, note, scheme_hash, '
    "created_at, updated_at"
)


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
    ]


def _span_state(row: Sequence[Any]) -> dict[str, Any]:
    """A ``spans`` row (``_SPAN_COLUMNS``) as the JSON kept in the change log, without its id."""
    return {
        "document_id": row[1],
        "annotator_id": row[2],
        "label": row[3],
        "start": row[4],
        "end": row[5],
        "attributes": json.loads(row[6]),
        "note": row[7],
        "scheme_hash": row[8],
        "created_at": row[9],
        "updated_at": row[10],
    }


class _Stacks:
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


class Project:
    """An open project database. Not thread-safe: open one per thread."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path
        self._scheme: Scheme | None = None
        self._annotator_ids: dict[str, int] = {}
        self._annotator_names: dict[int, str] = {}
        self._texts: dict[int, str] = {}
        self._last_edit: int | None = None
        self._stack_cache: dict[tuple[int, int], _Stacks] = {}

    # ---- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Project:
        """Open an existing project, upgrading its schema if this version of the tool is newer."""
        path = Path(path)
        if not path.is_file():
            raise ProjectError(
                f"{path}: no project here; create one with 'annotator init' "
                f"(or choose another file with --db or ${DB_ENV_VAR})"
            )
        project = cls(_connect(path, create=False), path)
        if project._setting("scheme_hash") is None:
            project.close()
            raise ProjectError(
                f"{path}: the project has no scheme; create it again with 'annotator init'"
            )
        return project

    @classmethod
    def create(cls, path: str | os.PathLike[str], scheme: Scheme) -> Project:
        """Create a new project file with ``scheme`` as its label scheme."""
        path = Path(path)
        if path.exists():
            raise ProjectError(f"{path}: a file is already there; remove it or choose another --db")
        if not path.parent.exists():
            raise ProjectError(f"{path}: the folder {path.parent} does not exist")
        project = cls(_connect(path, create=True), path)
        project.set_scheme(scheme)
        return project

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, taking the write lock up front so it never fails mid-way."""
        conn = self.db.conn
        if conn.in_transaction:
            raise RuntimeError("nested write transaction")
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            self._stack_cache.clear()  # it may hold edits that were just rolled back
            raise
        conn.execute("COMMIT")

    def _setting(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM project WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def _set_setting(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO project (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    # ---- scheme --------------------------------------------------------------------------

    @property
    def scheme(self) -> Scheme:
        """The project's current label scheme."""
        if self._scheme is None:
            scheme_hash = self._setting("scheme_hash")
            row = self.db.execute(
                "SELECT yaml FROM schemes WHERE hash = ?", [scheme_hash]
            ).fetchone()
            if row is None:
                raise ProjectError(f"{self.path}: the project's scheme {scheme_hash} is missing")
            self._scheme = load_scheme(row[0], source=f"{self.path}:scheme")
        return self._scheme

    def set_scheme(self, scheme: Scheme) -> None:
        """Make ``scheme`` the project's scheme; earlier versions stay for existing spans."""
        with self._write():
            self.db.execute(
                "INSERT OR IGNORE INTO schemes (hash, name, version, yaml, added_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [scheme.hash, scheme.name, scheme.version, scheme.text, _now()],
            )
            self._set_setting("scheme_hash", scheme.hash)
        self._scheme = scheme

    # ---- annotators ----------------------------------------------------------------------

    def annotator_id(self, name: str, *, create: bool = True) -> int:
        name = name.strip()
        if not name:
            raise ProjectError("an annotator name cannot be empty")
        if name in self._annotator_ids:
            return self._annotator_ids[name]
        row = self.db.execute("SELECT id FROM annotators WHERE name = ?", [name]).fetchone()
        if row is None:
            if not create:
                raise ProjectError(f"no annotator called {name!r} in this project")
            # OR IGNORE: another process may have added the same name meanwhile.
            self.db.execute(
                "INSERT OR IGNORE INTO annotators (name, created_at) VALUES (?, ?)", [name, _now()]
            )
            row = self.db.execute("SELECT id FROM annotators WHERE name = ?", [name]).fetchone()
        self._annotator_ids[name] = row[0]
        self._annotator_names[row[0]] = name
        return row[0]

    def annotator_name(self, annotator_id: int) -> str:
        if annotator_id not in self._annotator_names:
            row = self.db.execute(
                "SELECT name FROM annotators WHERE id = ?", [annotator_id]
            ).fetchone()
            if row is None:
                raise ProjectError(f"no annotator with id {annotator_id}")
            self._annotator_names[annotator_id] = row[0]
        return self._annotator_names[annotator_id]

    def annotators(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT name FROM annotators ORDER BY name")]

    # ---- documents -----------------------------------------------------------------------

    def add_documents(
        self, documents: Sequence[ImportedDocument], annotator: str | None = None
    ) -> list[AddResult]:
        """Store documents (and the span layers they carry) all at once or not at all.

        A document whose text is already stored is not stored again; its spans are added to
        the annotator's layer unless identical spans are already there. Every span is
        checked against the text and the scheme before anything is written.
        """
        for document in documents:
            self._check_layer(document, annotator)
        results = []
        with self._write():
            for document in documents:
                results.append(self._add_document(document, annotator))
        return results

    def _check_layer(self, document: ImportedDocument, annotator: str | None) -> None:
        if not document.spans:
            return
        where = f"{document.source_path or document.title}: {document.title}"
        if not (annotator or document.annotator):
            raise ProjectError(
                f"{where}: the file has spans but names no annotator; pass --as NAME"
            )
        self._check_spans(where, len(document.text), document.spans, complete=False)

    def _check_spans(
        self, where: str, text_length: int, spans: Sequence[SpanDraft], *, complete: bool
    ) -> None:
        """Refuse spans with bad offsets, labels or attributes, or overlaps the scheme forbids."""
        for draft in spans:
            try:
                check_span_offsets(text_length, draft.start, draft.end)
                self._checked_attributes(draft.label, draft.attributes, complete=complete)
            except (ValueError, KeyError) as error:
                raise ProjectError(
                    f"{where}: {draft.label} [{draft.start}, {draft.end}): {_msg(error)}"
                ) from None
        ordered = sorted(spans, key=lambda s: (s.start, s.end))
        for i, first in enumerate(ordered):
            for second in ordered[i + 1 :]:
                if second.start >= first.end:
                    break
                problem = self._overlap_problem(
                    first.label, first.start, first.end, second.label, second.start, second.end
                )
                if problem:
                    raise ProjectError(f"{where}: {problem}")

    def _checked_attributes(
        self, label_id: str, attributes: Mapping[str, Any] | None, *, complete: bool
    ) -> dict[str, Any]:
        label = self.scheme.label(label_id)
        if complete:
            return self.scheme.check_attributes(label_id, attributes or {})
        # Imported layers may lack required attributes (the annotator fills them in later),
        # but whatever they do carry must be valid.
        return {key: label.attribute(key).check(value) for key, value in (attributes or {}).items()}

    def _add_document(self, document: ImportedDocument, annotator: str | None) -> AddResult:
        row = self.db.execute(
            "SELECT id FROM documents WHERE sha256 = ?", [document.sha256]
        ).fetchone()
        created = row is None
        if created:
            cursor = self.db.execute(
                "INSERT INTO documents (title, source_path, source_name, format, text, sha256, "
                "metadata, words, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    document.title,
                    document.source_path,
                    Path(document.source_path).name if document.source_path else None,
                    document.format,
                    document.text,
                    document.sha256,
                    json.dumps(dict(document.metadata), ensure_ascii=False, sort_keys=True),
                    document.words,
                    _now(),
                ],
            )
            document_id = cursor.lastrowid
            self.db.conn.executemany(
                'INSERT INTO turns (document_id, turn_index, speaker, start, "end", start_time, '
                "end_time) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (document_id, t.index, t.speaker, t.start, t.end, t.start_time, t.end_time)
                    for t in document.turns
                ],
            )
        else:
            document_id = row[0]
        added = 0
        if document.spans:
            name = document.annotator or annotator
            assert name is not None  # checked by _check_layer
            annotator_id = self.annotator_id(name)
            existing = {(s.label, s.start, s.end) for s in self.spans(document_id, annotator=name)}
            new = [s for s in document.spans if (s.label, s.start, s.end) not in existing]
            if new:
                edit_id = self._new_edit(document_id, annotator_id, "edit")
                for draft in new:
                    attributes = self._checked_attributes(
                        draft.label, draft.attributes, complete=False
                    )
                    state = self._new_state(
                        document_id,
                        annotator_id,
                        draft.label,
                        draft.start,
                        draft.end,
                        attributes,
                        draft.note,
                    )
                    self._insert_span(edit_id, state)
                self._touch_status(document_id, annotator_id)
                added = len(new)
        return AddResult(document_id, document.title, created, added)

    def documents(self) -> list[DocumentSummary]:
        speakers: dict[int, dict[str, None]] = {}
        turn_counts: Counter[int] = Counter()
        for document_id, speaker in self.db.execute(
            "SELECT document_id, speaker FROM turns ORDER BY document_id, turn_index"
        ):
            turn_counts[document_id] += 1
            if speaker:
                speakers.setdefault(document_id, {}).setdefault(speaker, None)
        statuses: dict[int, dict[str, str]] = {}
        for document_id, name, status in self.db.execute(
            "SELECT s.document_id, a.name, s.status FROM document_status s "
            "JOIN annotators a ON a.id = s.annotator_id ORDER BY a.name"
        ):
            statuses.setdefault(document_id, {})[name] = status
        return [
            DocumentSummary(
                id=row[0],
                title=row[1],
                source_name=row[2],
                format=row[3],
                words=row[4],
                turns=turn_counts[row[0]],
                speakers=tuple(speakers.get(row[0], {})),
                statuses=statuses.get(row[0], {}),
            )
            for row in self.db.execute(
                "SELECT id, title, source_name, format, words FROM documents ORDER BY id"
            )
        ]

    def document(self, document_id: int) -> Document:
        row = self.db.execute(
            "SELECT id, title, text, sha256, format, source_path, metadata, imported_at, words "
            "FROM documents WHERE id = ?",
            [document_id],
        ).fetchone()
        if row is None:
            raise ProjectError(f"no document with id {document_id}")
        return Document(
            id=row[0],
            title=row[1],
            text=row[2],
            sha256=row[3],
            format=row[4],
            source_path=row[5],
            metadata=json.loads(row[6]),
            imported_at=row[7],
            words=row[8],
        )

    def find_document(self, ref: str) -> Document:
        """A document by id, or by its source file name when that names exactly one."""
        if ref.isdigit():
            return self.document(int(ref))
        ids = [
            row[0]
            for row in self.db.execute(
                "SELECT id FROM documents WHERE source_name = ? OR source_path = ? ORDER BY id",
                [Path(ref).name, ref],
            )
        ]
        if not ids:
            raise ProjectError(
                f"no document with id or source file {ref!r}; see 'annotator documents'"
            )
        if len(ids) > 1:
            raise ProjectError(
                f"{ref!r} holds {len(ids)} documents (ids {', '.join(map(str, ids))}); give an id"
            )
        return self.document(ids[0])

    def turns(self, document_id: int) -> list[Turn]:
        return [
            Turn(index=r[0], speaker=r[1], start=r[2], end=r[3], start_time=r[4], end_time=r[5])
            for r in self.db.execute(
                'SELECT turn_index, speaker, start, "end", start_time, end_time FROM turns '
                "WHERE document_id = ? ORDER BY turn_index",
                [document_id],
            )
        ]

    def _text_length(self, document_id: int) -> int:
        if document_id not in self._texts:
            row = self.db.execute(
                "SELECT text FROM documents WHERE id = ?", [document_id]
            ).fetchone()
            if row is None:
                raise ProjectError(f"no document with id {document_id}")
            self._texts[document_id] = row[0]
        return len(self._texts[document_id])

    # ---- spans ---------------------------------------------------------------------------

    def _span_from_row(self, row: Sequence[Any]) -> Span:
        return Span(
            id=row[0],
            document_id=row[1],
            annotator=self.annotator_name(row[2]),
            label=row[3],
            start=row[4],
            end=row[5],
            attributes=json.loads(row[6]),
            note=row[7],
            scheme_hash=row[8],
            created_at=row[9],
            updated_at=row[10],
        )

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
    ) -> Span:
        """Add a span to the annotator's layer, applying the scheme's overlap rules.

        With ``same_label_overlap: merge``, spans of the same label that overlap the new one
        are folded into it (their attributes kept where the new span gives none, notes
        joined); with ``refuse`` the span is refused. Returns the span as stored.
        """
        annotator_id = self.annotator_id(annotator)
        try:
            if self.scheme.label(label).deprecated:
                raise ProjectError(f"label {label!r} is deprecated: it is kept for old spans only")
        except KeyError as error:
            raise ProjectError(_msg(error)) from None
        with self._write():
            start, end, attributes, note, merged = self._prepare_span(
                document_id, annotator_id, label, start, end, attributes, note, exclude=None
            )
            edit_id = self._new_edit(document_id, annotator_id, "edit")
            for old in merged:
                self._delete_span(edit_id, old["id"], old)
            state = self._new_state(document_id, annotator_id, label, start, end, attributes, note)
            span_id = self._insert_span(edit_id, state)
            self._touch_status(document_id, annotator_id)
        return self.span(span_id)

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
            edit_id = self._new_edit(current["document_id"], annotator_id, "edit")
            for old in merged:
                self._delete_span(edit_id, old["id"], old)
            after = {
                **current,
                "label": label,
                "start": new_start,
                "end": new_end,
                "attributes": attributes,
                "note": note,
                "scheme_hash": self.scheme.hash,
                "updated_at": _now(),
            }
            self._update_span(edit_id, span_id, current, after)
        return self.span(span_id)

    def delete_span(self, span_id: int, annotator: str) -> None:
        """Remove a span of the annotator's own layer (undo brings it back with its id)."""
        annotator_id = self.annotator_id(annotator)
        with self._write():
            current = self._own_span_row(span_id, annotator_id)
            edit_id = self._new_edit(current["document_id"], annotator_id, "edit")
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
            raise ProjectError(_msg(error)) from None
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
            raise ProjectError(f"{label}: {_msg(error)}") from None
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
        return Span(
            id=change.span_id,
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
        )

    def _new_edit(
        self, document_id: int, annotator_id: int, kind: str, reverts: int | None = None
    ) -> int:
        stacks = self._stacks(document_id, annotator_id)
        cursor = self.db.execute(
            "INSERT INTO edits (document_id, annotator_id, kind, reverts, at) "
            "VALUES (?, ?, ?, ?, ?)",
            [document_id, annotator_id, kind, reverts, _now()],
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
    ) -> dict[str, Any]:
        now = _now()
        return {
            "document_id": document_id,
            "annotator_id": annotator_id,
            "label": label,
            "start": start,
            "end": end,
            "attributes": dict(attributes),
            "note": note,
            "scheme_hash": self.scheme.hash,
            "created_at": now,
            "updated_at": now,
        }

    def _insert_span(
        self, edit_id: int, state: Mapping[str, Any], span_id: int | None = None
    ) -> int:
        """Insert a span (under a new id, or under its old one when undo restores it)."""
        cursor = self.db.execute(
            f"INSERT INTO spans ({_SPAN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

    def _stacks(self, document_id: int, annotator_id: int) -> _Stacks:
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
            stacks = _Stacks()
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

    def undo(self, document_id: int, annotator: str) -> list[Change]:
        """Revert the annotator's latest edit of the document; [] when there is none."""
        return self._step(document_id, annotator, "undo")

    def redo(self, document_id: int, annotator: str) -> list[Change]:
        """Re-apply the edit the annotator last undid; [] when there is none."""
        return self._step(document_id, annotator, "redo")

    def _step(self, document_id: int, annotator: str, kind: str) -> list[Change]:
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
            edit_id = self._new_edit(document_id, annotator_id, kind, reverts=target)
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
            'c."before", c."after", e.at FROM span_changes c JOIN edits e ON e.id = c.edit_id'
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
            )
            for r in self.db.execute(sql + " ORDER BY c.id", params)
        ]

    # ---- suggestions ---------------------------------------------------------------------

    def suggestions(self, document_id: int, annotator: str, source: str) -> list[Span]:
        """Spans of the ``source`` layer (e.g. a model's pre-annotations) still on offer to
        ``annotator``: not rejected, and not already in their layer with the same label and
        offsets (which is what accepting one does)."""
        own = {(s.label, s.start, s.end) for s in self.spans(document_id, annotator=annotator)}
        rejected = self.rejected_suggestions(annotator)
        return [
            span
            for span in self.spans(document_id, annotator=source)
            if span.id not in rejected and (span.label, span.start, span.end) not in own
        ]

    def rejected_suggestions(self, annotator: str) -> set[int]:
        """Ids of the spans the annotator turned down as suggestions."""
        return {
            row[0]
            for row in self.db.execute(
                "SELECT span_id FROM suggestion_rejections WHERE annotator_id = ?",
                [self.annotator_id(annotator)],
            )
        }

    def accept_suggestion(self, span_id: int, annotator: str) -> Span:
        """Copy a suggested span (label, offsets, attributes, note) into the annotator's layer."""
        suggestion = self.span(span_id)
        if suggestion.annotator == annotator:
            raise ProjectError(f"span {span_id} is already in {annotator}'s layer")
        return self.create_span(
            suggestion.document_id,
            annotator,
            suggestion.label,
            suggestion.start,
            suggestion.end,
            suggestion.attributes,
            suggestion.note,
        )

    def reject_suggestion(self, span_id: int, annotator: str) -> None:
        """Stop offering another layer's span to the annotator; an edit like any other, so
        undo offers it again."""
        suggestion = self.span(span_id)
        if suggestion.annotator == annotator:
            raise ProjectError(f"span {span_id} is in {annotator}'s own layer; delete it instead")
        annotator_id = self.annotator_id(annotator)
        if span_id in self.rejected_suggestions(annotator):
            return
        with self._write():
            edit_id = self._new_edit(suggestion.document_id, annotator_id, "edit")
            self._set_rejected(edit_id, span_id, annotator_id, True)

    def _set_rejected(self, edit_id: int, span_id: int, annotator_id: int, rejected: bool) -> None:
        if rejected:
            self.db.execute(
                "INSERT INTO suggestion_rejections (annotator_id, span_id, rejected_at) "
                "VALUES (?, ?, ?)",
                [annotator_id, span_id, _now()],
            )
        else:
            self.db.execute(
                "DELETE FROM suggestion_rejections WHERE annotator_id = ? AND span_id = ?",
                [annotator_id, span_id],
            )
        self._log(edit_id, span_id, "rejection", {"rejected": not rejected}, {"rejected": rejected})

    # ---- status and cursor ---------------------------------------------------------------

    def _touch_status(self, document_id: int, annotator_id: int) -> None:
        """A document an annotator has labelled in is at least in progress."""
        self.db.execute(
            "INSERT INTO document_status (document_id, annotator_id, status, updated_at) "
            "VALUES (?, ?, 'in_progress', ?) ON CONFLICT DO UPDATE SET "
            "status = 'in_progress', updated_at = excluded.updated_at WHERE status = 'new'",
            [document_id, annotator_id, _now()],
        )

    def status(self, document_id: int, annotator: str) -> str:
        row = self.db.execute(
            "SELECT status FROM document_status WHERE document_id = ? AND annotator_id = ?",
            [document_id, self.annotator_id(annotator)],
        ).fetchone()
        return row[0] if row else "new"

    def set_status(self, document_id: int, annotator: str, status: str) -> None:
        if status not in DOCUMENT_STATUSES:
            raise ProjectError(
                f"unknown status {status!r}; use one of {', '.join(DOCUMENT_STATUSES)}"
            )
        self._text_length(document_id)  # refuses unknown documents
        annotator_id = self.annotator_id(annotator)
        with self._write():
            self.db.execute(
                "INSERT INTO document_status (document_id, annotator_id, status, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET status = excluded.status, "
                "updated_at = excluded.updated_at",
                [document_id, annotator_id, status, _now()],
            )

    def cursor(self, document_id: int, annotator: str) -> int:
        row = self.db.execute(
            "SELECT cursor FROM document_status WHERE document_id = ? AND annotator_id = ?",
            [document_id, self.annotator_id(annotator)],
        ).fetchone()
        return row[0] if row else 0

    def set_cursor(self, document_id: int, annotator: str, cursor: int) -> None:
        if not 0 <= cursor <= self._text_length(document_id):
            raise ProjectError(f"cursor {cursor} is outside document {document_id}")
        annotator_id = self.annotator_id(annotator)
        with self._write():
            self.db.execute(
                "INSERT INTO document_status (document_id, annotator_id, cursor, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET cursor = excluded.cursor, "
                "updated_at = excluded.updated_at",
                [document_id, annotator_id, cursor, _now()],
            )
            self._set_setting(f"last_document:{annotator_id}", str(document_id))

    def last_document(self, annotator: str) -> int | None:
        """The document the annotator last had open, if any."""
        value = self._setting(f"last_document:{self.annotator_id(annotator)}")
        return int(value) if value else None

    # ---- summary -------------------------------------------------------------------------

    def stats(self) -> ProjectStats:
        documents, words = self.db.execute(
            "SELECT count(*), coalesce(sum(words), 0) FROM documents"
        ).fetchone()
        spans_per_label = {
            label: count
            for label, count in self.db.execute(
                "SELECT label, count(*) FROM spans GROUP BY label ORDER BY label"
            )
        }
        progress: dict[str, dict[str, int]] = {}
        for name, status, count in self.db.execute(
            "SELECT a.name, s.status, count(*) FROM document_status s "
            "JOIN annotators a ON a.id = s.annotator_id GROUP BY a.name, s.status"
        ):
            progress.setdefault(name, {})[status] = count
        annotators = tuple(self.annotators())
        for name in annotators:
            counts = progress.setdefault(name, {})
            counts["new"] = documents - sum(v for k, v in counts.items() if k != "new")
            progress[name] = {status: counts.get(status, 0) for status in DOCUMENT_STATUSES}
        return ProjectStats(documents, words, annotators, spans_per_label, progress)


def _msg(error: BaseException) -> str:
    # KeyError's str() adds quotes around its message.
    return error.args[0] if isinstance(error, KeyError) and error.args else str(error)


def _connect(path: Path, *, create: bool) -> Database:
    """Open the file with WAL, foreign keys and a busy timeout, migrating it if needed.

    A file that is not an annotator project, or was written by a newer version of the tool,
    is refused before anything is written to it.
    """
    # Autocommit at the driver level: every transaction here is an explicit BEGIN.
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        db = Database(conn)
        known = [m.name for m in migrations._migrations]
        applied = {m.name for m in migrations.applied(db)}
        if not create and not applied:
            raise ProjectError(f"{path}: not an annotator project; choose another --db")
        if applied - set(known):
            raise ProjectError(
                f"{path}: written by a newer version of annotator (schema "
                f"{', '.join(sorted(applied - set(known)))}); upgrade annotator to open it"
            )
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            db.enable_wal()
        # Durable against a killed process in WAL mode; only a power cut loses the last commit.
        conn.execute("PRAGMA synchronous = NORMAL")
        if applied != set(known):
            # Under the write lock, so two processes never migrate at once; the migrations'
            # own transactions become savepoints inside this one. Foreign keys are switched
            # on afterwards so that a table rebuild in a migration is not blocked.
            conn.execute("BEGIN IMMEDIATE")
            try:
                migrations.apply(db)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as error:
        conn.close()
        raise ProjectError(f"{path}: not a project database ({error})") from None
    except BaseException:
        conn.close()
        raise
    return db
