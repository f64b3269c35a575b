"""The project database: one SQLite file holding scheme, documents, annotators and spans.

Every public write runs in one short ``BEGIN IMMEDIATE`` transaction and is committed before
the method returns, so a caller (the UI) only ever shows what is on disk. Span editing and
the change log it keeps are in :mod:`annotator.span_log`; opening the file is in
:mod:`annotator.database`.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from .database import (
    DB_ENV_VAR,
    DEFAULT_DB_NAME,
    ProjectError,
    connect,
    message_of,
    now,
    resolve_db_path,
)
from .gold import GOLD, GoldLayer
from .model import (
    DOCUMENT_STATUSES,
    Document,
    ImportedDocument,
    Span,
    SpanDraft,
    Turn,
    check_span_offsets,
)
from .scheme import Scheme, load_scheme
from .span_log import SpanLog, UndoStacks

__all__ = [
    "DB_ENV_VAR",
    "DEFAULT_DB_NAME",
    "GOLD",
    "AddResult",
    "DocumentSummary",
    "Project",
    "ProjectError",
    "ProjectStats",
    "resolve_db_path",
]


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
    spans_per_label: Mapping[str, int]  # the annotators' spans (not the gold layer's)
    # annotator -> status -> number of documents (every document counts, "new" included)
    progress: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    gold_per_label: Mapping[str, int] = field(default_factory=dict)
    reviewed: int = 0  # documents whose review is marked done


class Project(GoldLayer, SpanLog):
    """An open project database. Not thread-safe: open one per thread."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path
        self._scheme: Scheme | None = None
        self._annotator_ids: dict[str, int] = {}
        self._annotator_names: dict[int, str] = {}
        self._texts: dict[int, str] = {}
        self._last_edit: int | None = None
        self._stack_cache: dict[tuple[int, int], UndoStacks] = {}

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
        project = cls(connect(path, create=False), path)
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
        project = cls(connect(path, create=True), path)
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
            self._last_edit = None
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
                [scheme.hash, scheme.name, scheme.version, scheme.text, now()],
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
                "INSERT OR IGNORE INTO annotators (name, created_at) VALUES (?, ?)", [name, now()]
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
        """The annotators, by name; the gold layer is the reviewers', not an annotator."""
        return [
            row[0]
            for row in self.db.execute(
                "SELECT name FROM annotators WHERE name != ? ORDER BY name", [GOLD]
            )
        ]

    def has_gold(self) -> bool:
        row = self.db.execute("SELECT 1 FROM annotators WHERE name = ?", [GOLD]).fetchone()
        return row is not None

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
                    f"{where}: {draft.label} [{draft.start}, {draft.end}): {message_of(error)}"
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
        # but whatever they do carry must be valid. Formats without types (brat, Label
        # Studio choices) store booleans and numbers as text: from_text reads them back.
        return {
            key: label.attribute(key).check(label.attribute(key).from_text(value))
            for key, value in (attributes or {}).items()
        }

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
                    now(),
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
        if document.annotator and document.annotator.strip() and not document.spans:
            self.annotator_id(document.annotator)  # an empty layer still names its annotator
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
                    self._keep_stamps(state, draft)
                    self._insert_span(edit_id, state)
                self._touch_status(document_id, annotator_id)
                added = len(new)
        return AddResult(document_id, document.title, created, added)

    def _keep_stamps(self, state: dict[str, Any], draft: SpanDraft) -> None:
        """Keep the times and scheme version a file recorded for a span (a round trip of
        the native export). A scheme version the project does not hold cannot be referred
        to, so such a span is stamped with the current scheme instead."""
        if draft.created_at:
            state["created_at"] = draft.created_at
            state["updated_at"] = draft.updated_at or draft.created_at
        if draft.scheme_hash and draft.scheme_hash != state["scheme_hash"]:
            known = self.db.execute(
                "SELECT 1 FROM schemes WHERE hash = ?", [draft.scheme_hash]
            ).fetchone()
            if known:
                state["scheme_hash"] = draft.scheme_hash

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

    # ---- status and cursor ---------------------------------------------------------------

    def _touch_status(self, document_id: int, annotator_id: int) -> None:
        """A document an annotator has labelled in is at least in progress."""
        if self.annotator_name(annotator_id) == GOLD:
            return  # the gold layer has no progress of its own
        self.db.execute(
            "INSERT INTO document_status (document_id, annotator_id, status, updated_at) "
            "VALUES (?, ?, 'in_progress', ?) ON CONFLICT DO UPDATE SET "
            "status = 'in_progress', updated_at = excluded.updated_at WHERE status = 'new'",
            [document_id, annotator_id, now()],
        )

    def _statuses(self, document_id: int) -> dict[str, str]:
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
                [document_id, annotator_id, status, now()],
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
                [document_id, annotator_id, cursor, now()],
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
            documents, words, annotators, per_label[False], progress, per_label[True], reviewed
        )
