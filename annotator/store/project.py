"""The project: one SQLite file holding scheme, documents, annotators and spans.

:class:`Project` is a thin facade over the parts in this package, which it holds by
composition: the connection and its write transaction (:mod:`.connection`), annotators
(:mod:`.annotators`), the change log (:mod:`.log`), the one span writer and its policy
(:mod:`.spans`) and the gold layer (:mod:`.gold`). Every public write runs in one short
``BEGIN IMMEDIATE`` transaction and is committed before the method returns, so a caller (the
UI) only ever shows what is on disk. The design is described in ``docs/architecture.md``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AnnotatorError, ProjectError, StaleView
from ..model import DOCUMENT_STATUSES, Change, Document, ImportedDocument, Span, Turn
from ..scheme import Scheme, load_scheme
from .annotators import GOLD, Annotators
from .connection import Connection
from .database import DB_ENV_VAR, connect, now
from .gold import GoldLayer
from .log import ChangeLog
from .spans import NewSpan, OnConflict, SpanReader, SpanWriter


@dataclass(frozen=True)
class AddResult:
    document_id: int
    title: str
    created: bool  # False when a document with the same text was already there
    spans_added: int = 0  # spans the layer gained
    spans_merged: int = 0  # spans of the file merged into another of their label (scheme: merge)


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
    spans_per_label: Mapping[str, int]  # the annotators' spans (not the gold layer's)
    # annotator -> status -> number of documents (every document counts, "new" included)
    progress: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    gold_per_label: Mapping[str, int] = field(default_factory=dict)
    reviewed: int = 0  # documents whose review is marked done
    incomplete: int = 0  # spans that lack a value of a required attribute


class Project:
    """An open project database. Not thread-safe: open one per thread."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._scheme: Scheme | None = None
        self._texts: dict[int, str] = {}
        self._annotators = Annotators(connection)
        self.log = ChangeLog(connection, self._annotators)
        self.reader = SpanReader(connection, self._annotators)
        self.writer = SpanWriter(
            connection, self.log, self.reader, lambda: self.scheme, self._text_length
        )
        self.gold = GoldLayer(connection, self._annotators, self.log, self.reader, self.writer)
        self._data_version = connection.data_version()
        connection.on_rollback.append(self._texts.clear)  # may hold a rolled-back document

    @property
    def db(self) -> Any:
        return self.connection.db

    @property
    def path(self) -> Path:
        return self.connection.path

    # ---- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, readonly: bool = False) -> Project:
        """Open an existing project, upgrading its schema if this version of the tool is newer.

        ``readonly`` opens it for reading only (it may then be in a read-only folder); such a
        project refuses every change.
        """
        path = Path(path)
        if not path.is_file():
            raise ProjectError(
                f"{path}: no project here; create one with 'annotator init' "
                f"(or choose another file with --db or ${DB_ENV_VAR})"
            )
        db = connect(path, create=False, readonly=readonly)
        project = cls(Connection(db, path, readonly=readonly))
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
        project = cls(Connection(connect(path, create=True), path))
        project.set_scheme(scheme)
        return project

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _setting(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM project WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def _set_setting(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO project (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def changed_elsewhere(self) -> bool:
        """Whether another connection (window, process) has committed since the last call."""
        version = self.connection.data_version()
        changed, self._data_version = version != self._data_version, version
        return changed

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
        with self.connection.write():
            self.db.execute(
                "INSERT OR IGNORE INTO schemes (hash, name, version, yaml, added_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [scheme.hash, scheme.name, scheme.version, scheme.text, now()],
            )
            self._set_setting("scheme_hash", scheme.hash)
        self._scheme = scheme

    # ---- annotators ----------------------------------------------------------------------

    def annotator_id(self, name: str, *, create: bool = True) -> int:
        return self._annotators.id(name, create=create)

    def annotator_name(self, annotator_id: int) -> str:
        return self._annotators.name(annotator_id)

    def annotators(self) -> list[str]:
        """The annotators, by name; the gold layer is the reviewers', not an annotator."""
        return self._annotators.names()

    def has_gold(self) -> bool:
        return self.gold.exists()

    # ---- documents -----------------------------------------------------------------------

    def add_documents(
        self,
        documents: Sequence[ImportedDocument],
        annotator: str | None = None,
        *,
        allow_incomplete: bool = False,
        origin: str | None = None,
    ) -> list[AddResult]:
        """Store documents (and the span layers they carry) all at once or not at all.

        A document whose text is already stored is not stored again; its spans are added to
        the annotator's layer unless identical spans are already there. Spans go through the
        span writer like any edit: a span the scheme refuses (or one lacking a required
        attribute, unless ``allow_incomplete``) refuses the whole batch, naming its place in
        ``origin`` (the file being imported; default: the document's own source path).
        """
        for document in documents:
            if document.spans and not (annotator or document.annotator):
                raise ProjectError(
                    f"{origin or _source(document)}: the file has spans but names no "
                    "annotator; pass --as NAME"
                )
        with self.connection.write():
            return [
                self._add_document(document, annotator, allow_incomplete, origin)
                for document in documents
            ]

    def _add_document(
        self,
        document: ImportedDocument,
        annotator: str | None,
        allow_incomplete: bool,
        origin: str | None,
    ) -> AddResult:
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
                    now(),
                ],
            )
            document_id = int(cursor.lastrowid or 0)
            self._texts[document_id] = document.text
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
        if not document.spans:
            if document.annotator and document.annotator.strip():
                # An empty layer still names its annotator (and their status, if recorded).
                self._restore_status(document_id, self.annotator_id(document.annotator), document)
            return AddResult(document_id, document.title, created)
        name = document.annotator or annotator
        assert name is not None  # checked by add_documents
        annotator_id = self.annotator_id(name)
        before = self.reader.layer(document_id, annotator_id)
        existing = {(s.label, s.start, s.end) for s in before}
        new = [s for s in document.spans if (s.label, s.start, s.end) not in existing]
        if new:
            edit_id = self.log.begin(document_id, annotator_id)
            for draft in new:
                span = NewSpan(
                    draft.label,
                    draft.start,
                    draft.end,
                    draft.attributes,
                    draft.note,
                    created_at=draft.created_at,
                    updated_at=draft.updated_at,
                    scheme_hash=draft.scheme_hash,
                )
                try:
                    self.writer.create(
                        edit_id, document_id, annotator_id, span, incomplete=allow_incomplete
                    )
                except AnnotatorError as error:
                    place = draft.place or document.title
                    hint = (
                        "; import with --allow-incomplete to complete such spans in the app"
                        if "is required" in str(error)
                        else ""
                    )
                    raise ProjectError(
                        f"{origin or _source(document)}: {place}: {draft.label} [{draft.start}, "
                        f"{draft.end}): {error}{hint}"
                    ) from None
        added = len(self.reader.layer(document_id, annotator_id)) - len(before) if new else 0
        self._restore_status(document_id, annotator_id, document)
        return AddResult(document_id, document.title, created, added, len(new) - added)

    def _restore_status(
        self, document_id: int, annotator_id: int, document: ImportedDocument
    ) -> None:
        """The status a file recorded for the layer (an export of ours), set as it was."""
        if document.status is None:
            return
        self.db.execute(
            "INSERT INTO document_status (document_id, annotator_id, status, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET status = excluded.status, "
            "updated_at = excluded.updated_at",
            [document_id, annotator_id, document.status, now()],
        )

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

    def spans(self, document_id: int, annotator: str | None = None) -> list[Span]:
        """A document's spans in text order: one annotator's layer, or every layer."""
        if annotator is None:
            return self.reader.layer(document_id, None)
        annotator_id = self._annotators.find(annotator)
        return [] if annotator_id is None else self.reader.layer(document_id, annotator_id)

    def span(self, span_id: int) -> Span:
        return self.reader.span(span_id)

    def incomplete(self, span: Span) -> list[str]:
        """The required attributes a span still lacks (imported with --allow-incomplete)."""
        try:
            return self.scheme.attribute_values(span.label, span.attributes)[1]
        except AnnotatorError:
            return []  # a label or value the scheme no longer has: not ours to complete here

    def create_span(
        self,
        document_id: int,
        annotator: str,
        label: str,
        start: int,
        end: int,
        attributes: Mapping[str, Any] | None = None,
        note: str = "",
        *,
        reviewer: str | None = None,
        on_conflict: OnConflict = "refuse",
    ) -> Span:
        """Add a span to the annotator's layer; returns it as the write stored it.

        With ``same_label_overlap: merge``, spans of the same label that overlap the new one
        are folded into it (see :mod:`annotator.store.spans` for every rule); with
        ``refuse`` the span is refused. ``reviewer`` names who made an edit of the gold layer
        (kept in the log).
        """
        annotator_id = self.annotator_id(annotator)
        new = NewSpan(label, start, end, attributes or {}, note)
        with self.connection.write():
            edit_id = self.log.begin(document_id, annotator_id, reviewer=reviewer)
            span_id, state = self.writer.create(
                edit_id, document_id, annotator_id, new, on_conflict=on_conflict
            )
        return self.reader.span_of(span_id, state)

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
        reviewer: str | None = None,
        on_conflict: OnConflict = "refuse",
    ) -> Span:
        """Change a span of the annotator's own layer; fields left as None stay as they are."""
        annotator_id = self.annotator_id(annotator)
        with self.connection.write():
            document_id = self.writer.own(span_id, annotator_id)["document_id"]
            edit_id = self.log.begin(document_id, annotator_id, reviewer=reviewer)
            state = self.writer.update(
                edit_id,
                span_id,
                annotator_id,
                label=label,
                start=start,
                end=end,
                attributes=attributes,
                note=note,
                on_conflict=on_conflict,
            )
        return self.reader.span_of(span_id, state)

    def delete_span(self, span_id: int, annotator: str, *, reviewer: str | None = None) -> None:
        """Remove a span of the annotator's own layer (undo brings it back with its id)."""
        annotator_id = self.annotator_id(annotator)
        with self.connection.write():
            document_id = self.writer.own(span_id, annotator_id)["document_id"]
            edit_id = self.log.begin(document_id, annotator_id, reviewer=reviewer)
            self.writer.delete(edit_id, span_id, annotator_id)

    def undo(
        self,
        document_id: int,
        annotator: str,
        *,
        reviewer: str | None = None,
        seen: int | None = None,
    ) -> list[Change]:
        """Revert the annotator's latest edit of the document; [] when there is none.

        ``seen`` is the newest edit of the document the caller has shown (0: none, see
        :meth:`newest_edit`): if the layer has a newer one (another window wrote it), nothing
        is undone and :class:`StaleView` says so, so a window never takes back an edit its
        user has not seen.
        """
        return self._step(document_id, annotator, "undo", reviewer, seen)

    def redo(
        self,
        document_id: int,
        annotator: str,
        *,
        reviewer: str | None = None,
        seen: int | None = None,
    ) -> list[Change]:
        """Re-apply the edit the annotator last undid; [] when there is none (``seen``: as
        for :meth:`undo`)."""
        return self._step(document_id, annotator, "redo", reviewer, seen)

    def _step(
        self, document_id: int, annotator: str, kind: str, reviewer: str | None, seen: int | None
    ) -> list[Change]:
        annotator_id = self.annotator_id(annotator)
        with self.connection.write():
            stacks = self.log.stacks(document_id, annotator_id)
            if seen is not None and stacks.newest is not None and stacks.newest > seen:
                raise StaleView(
                    f"this document changed in another window since; the view is brought up "
                    f"to date: press the key again to {kind}"
                )
            stack = stacks.undo if kind == "undo" else stacks.redo
            if not stack:
                return []
            target = stack[-1]
            steps = self.log.steps(target, kind)
            edit_id = self.log.begin(
                document_id, annotator_id, kind, reverts=target, reviewer=reviewer
            )
            self.writer.revert(edit_id, annotator_id, steps, kind)
        return self.log.history(edit_id=edit_id)

    # ---- change log ----------------------------------------------------------------------

    def last_changes(self) -> list[Change]:
        """The span changes of the latest edit (or undo/redo) made through this connection."""
        edit_id = self.log.last_edit
        return self.log.history(edit_id=edit_id) if edit_id is not None else []

    def changes_since(self, document_id: int, edit_id: int) -> list[Change]:
        """Every span change of the document in edits after ``edit_id`` (0: all), whoever
        made them."""
        return self.log.changes_since(document_id, edit_id)

    def newest_edit(self, document_id: int) -> int:
        """The id of the document's newest edit, whoever made it; 0 when it has none."""
        return self.log.newest(document_id) or 0

    def span_after(self, change: Change) -> Span | None:
        """The span as a change left it (None for a deletion or a rejection)."""
        state = change.after
        if state is None or change.action == "rejection":
            return None
        return self.reader.span_of(change.span_id, state)

    def history(
        self,
        document_id: int | None = None,
        annotator: str | None = None,
        *,
        edit_id: int | None = None,
    ) -> list[Change]:
        """The audit trail, oldest first, optionally for one document, annotator or edit."""
        annotator_id = None if annotator is None else self.annotator_id(annotator, create=False)
        return self.log.history(document_id, annotator_id, edit_id=edit_id)

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
        annotator_id = self._annotators.find(annotator)
        return {
            row[0]
            for row in self.db.execute(
                "SELECT span_id FROM suggestion_rejections WHERE annotator_id = ?",
                [annotator_id],
            )
        }

    def accept_suggestion(
        self, span_id: int, annotator: str, *, on_conflict: OnConflict = "refuse"
    ) -> Span:
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
            on_conflict=on_conflict,
        )

    def reject_suggestion(self, span_id: int, annotator: str) -> None:
        """Stop offering another layer's span to the annotator; an edit like any other, so
        undo offers it again."""
        suggestion = self.span(span_id)
        if suggestion.annotator == annotator:
            raise ProjectError(f"span {span_id} is in {annotator}'s own layer; delete it instead")
        annotator_id = self.annotator_id(annotator)
        with self.connection.write():
            if self.db.execute(
                "SELECT 1 FROM suggestion_rejections WHERE annotator_id = ? AND span_id = ?",
                [annotator_id, span_id],
            ).fetchone():
                return  # turned down already
            edit_id = self.log.begin(suggestion.document_id, annotator_id)
            self.writer.set_rejected(edit_id, span_id, annotator_id, True)

    # ---- status and cursor ---------------------------------------------------------------

    def statuses(self, document_id: int) -> dict[str, str]:
        """Each annotator's status for the document (those who never opened it: absent)."""
        return {
            name: status
            for name, status in self.db.execute(
                "SELECT a.name, s.status FROM document_status s "
                "JOIN annotators a ON a.id = s.annotator_id WHERE s.document_id = ?",
                [document_id],
            )
        }

    def status(self, document_id: int, annotator: str) -> str:
        row = self.db.execute(
            "SELECT status FROM document_status WHERE document_id = ? AND annotator_id = ?",
            [document_id, self._annotators.find(annotator)],
        ).fetchone()
        return row[0] if row else "new"

    def set_status(self, document_id: int, annotator: str, status: str) -> None:
        if status not in DOCUMENT_STATUSES:
            raise ProjectError(
                f"unknown status {status!r}; use one of {', '.join(DOCUMENT_STATUSES)}"
            )
        self._text_length(document_id)  # refuses unknown documents
        annotator_id = self.annotator_id(annotator)
        with self.connection.write():
            self.db.execute(
                "INSERT INTO document_status (document_id, annotator_id, status, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET status = excluded.status, "
                "updated_at = excluded.updated_at",
                [document_id, annotator_id, status, now()],
            )

    def cursor(self, document_id: int, annotator: str) -> int:
        row = self.db.execute(
            "SELECT cursor FROM document_status WHERE document_id = ? AND annotator_id = ?",
            [document_id, self._annotators.find(annotator)],
        ).fetchone()
        return row[0] if row else 0

    def set_cursor(self, document_id: int, annotator: str, cursor: int) -> None:
        if not 0 <= cursor <= self._text_length(document_id):
            raise ProjectError(f"cursor {cursor} is outside document {document_id}")
        annotator_id = self.annotator_id(annotator)
        with self.connection.write():
            self.db.execute(
                "INSERT INTO document_status (document_id, annotator_id, cursor, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET cursor = excluded.cursor, "
                "updated_at = excluded.updated_at",
                [document_id, annotator_id, cursor, now()],
            )
            self._set_setting(f"last_document:{annotator_id}", str(document_id))

    def last_document(self, annotator: str) -> int | None:
        """The document the annotator last had open, if any."""
        annotator_id = self._annotators.find(annotator)
        value = self._setting(f"last_document:{annotator_id}") if annotator_id else None
        return int(value) if value else None

    # ---- summary -------------------------------------------------------------------------

    def stats(self) -> ProjectStats:
        documents, words = self.db.execute(
            "SELECT count(*), coalesce(sum(words), 0) FROM documents"
        ).fetchone()
        per_label: dict[bool, dict[str, int]] = {False: {}, True: {}}
        for label, gold, count in self.db.execute(
            "SELECT s.label, a.name = ?, count(*) FROM spans s "
            "JOIN annotators a ON a.id = s.annotator_id GROUP BY s.label, a.name = ? "
            "ORDER BY s.label",
            [GOLD, GOLD],
        ):
            per_label[bool(gold)][label] = count
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
        reviewed = progress.get(GOLD, {}).get("done", 0)
        return ProjectStats(
            documents,
            words,
            annotators,
            per_label[False],
            progress,
            per_label[True],
            reviewed,
            self._incomplete_count(),
        )

    def _incomplete_count(self) -> int:
        """Spans of labels with required attributes that lack one of them."""
        required = {label.id: label.needed for label in self.scheme.labels if label.needed}
        if not required:
            return 0
        marks = ", ".join("?" * len(required))
        return sum(
            1
            for label, attributes in self.db.execute(
                f"SELECT label, attributes FROM spans WHERE label IN ({marks})", list(required)
            )
            if any(json.loads(attributes).get(key) is None for key in required[label])
        )


def _source(document: ImportedDocument) -> str:
    return document.source_path or document.title
