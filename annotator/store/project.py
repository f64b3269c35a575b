"""The project: one SQLite file holding scheme, documents, annotators, spans, questions and
their codes.

:class:`Project` is a thin facade over the parts in this package, which it holds by
composition: the connection and its write transaction (:mod:`.connection`), annotators
(:mod:`.annotators`), the change log (:mod:`.log`), the questions (:mod:`.questions`), the one
span writer and its policy (:mod:`.spans`), what question changes do to spans and codes
(:mod:`.question_edits`), the unit codes (:mod:`.codes`), the gold layer (:mod:`.gold`),
the gold question codes (:mod:`.gold_codes`) and the speakers (:mod:`.speakers`).
Every public write runs in one short ``BEGIN IMMEDIATE`` transaction and is committed before
the method returns, so a caller (the UI) only ever shows what is on disk. The design is
described in ``docs/architecture.md``.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..assigning import PlanDocument, copies_per_document
from ..assigning import plan as plan_assignments
from ..errors import AnnotatorError, InvalidValue, ProjectError, StaleView
from ..model import (
    DOCUMENT_STATUSES,
    NO_QUESTION,
    Change,
    Code,
    Document,
    ImportedDocument,
    Question,
    Span,
    SpanDraft,
    Turn,
    resolved_source,
)
from ..scheme import SNAP_UNITS, Scheme, load_scheme
from ..scheme.diff import UpgradePlan, diff_schemes, plan_upgrade, version_problem
from ..speakers import AliasSuggestion, display_name, suggest_aliases
from .annotators import GOLD, Annotators
from .assignments import Assignments, Progress, Share, StatusChange
from .codes import CodeStore
from .connection import Batch, Connection
from .database import DB_ENV_VAR, connect, now
from .deletions import Deletion, Deletions
from .figures import KeptFigures
from .gold import GoldLayer
from .gold_codes import GoldCodes
from .log import ChangeLog
from .question_edits import Linked, QuestionEdits
from .questions import QuestionStore
from .spans import NewSpan, OnConflict, QuestionLink, SpanReader, SpanRefused, SpanWriter
from .speakers import Person, Speakers
from .upgrades import Stored, UpgradeRecord, Upgrades


class SchemeUnchanged(ProjectError):
    """An upgrade to the scheme the project is on already: nothing to do."""


class UpgradeRefused(ProjectError):
    """An upgrade that would lose stored work: one line per reason, each with the fix."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("\n".join(reasons))
        self.reasons = list(reasons)

    def lines(self) -> list[str]:
        return list(self.reasons)


@dataclass(frozen=True)
class AddResult:
    document_id: int
    title: str
    created: bool  # False when a document with the same text was already there
    spans_added: int = 0  # spans the layer gained
    spans_merged: int = 0  # spans of the file merged into another of their label (scheme: merge)
    questions_added: int = 0  # the file's questions (and parts) that were not there yet
    codes_added: int = 0  # unit codes given or changed


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
    questions: int = 0  # question units (parts counted, the questions they split not)
    # the annotators' question codes per label (not the gold layer's)
    codes_per_label: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SpeakerSummary:
    """One speaker label of the project: how much it says, and whom it names."""

    label: str
    turns: int
    words: int  # in its turns' text
    documents: int
    person: Person | None  # None: a label no import or command has linked (see .speakers)


@dataclass(frozen=True)
class Proposed:
    """What ``annotator questions propose`` did to one document."""

    document_id: int
    title: str
    questions: int  # top-level questions proposed
    parts: int  # of which sub-questions
    linked: int  # spans without a question that now respond to one


class Project:
    """An open project database. Not thread-safe: open one per thread."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._scheme: Scheme | None = None
        self._texts: dict[int, str] = {}  # kept where a text is needed again (a split)
        self._lengths: dict[int, int] = {}  # every document's whose offsets were checked
        self._annotators = Annotators(connection)
        self.assignments = Assignments(connection, self._annotators)
        self.log = ChangeLog(connection, self._annotators, self.assignments)
        self.reader = SpanReader(connection, self._annotators)
        self.questions_store = QuestionStore(connection, self.log, self._text_length)
        self.writer = SpanWriter(
            connection,
            self.log,
            self.reader,
            lambda: self.scheme,
            self._text_length,
            self.questions_store,
        )
        self.codes_store = CodeStore(
            connection, self.log, self._annotators, self.questions_store, lambda: self.scheme
        )
        self.question_edits = QuestionEdits(
            connection, self.log, self.questions_store, self.reader, self.writer
        )
        self.gold = GoldLayer(connection, self._annotators, self.log, self.reader, self.writer)
        self.gold_codes = GoldCodes(
            connection,
            self._annotators,
            self.log,
            self.codes_store,
            self.questions_store,
            self.gold,
            lambda: self.scheme,
        )
        self.speakers_store = Speakers(connection)
        self.upgrades = Upgrades(connection, self.log, self.writer, self.codes_store)
        self._versions: dict[str, Scheme | None] = {}  # scheme versions by hash (None: unreadable)
        self.deletions = Deletions(
            connection,
            self._annotators,
            self.log,
            self.writer,
            self.questions_store,
            self.codes_store,
        )
        self.kept = KeptFigures(connection)  # figures kept per document (m011)
        self._data_version = connection.data_version()
        # Either may hold a rolled-back document.
        connection.on_rollback.extend([self._texts.clear, self._lengths.clear])
        self.log.checks.append(self._scheme_still_current)

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
        """Make ``scheme`` the project's scheme; earlier versions stay for existing spans.

        Nothing stored is looked at or rewritten: a project with work moves to a new version
        with :meth:`upgrade_scheme`."""
        with self.connection.write():
            self._store_scheme(scheme)
        self._scheme = scheme

    def _store_scheme(self, scheme: Scheme) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO schemes (hash, name, version, yaml, added_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [scheme.hash, scheme.name, scheme.version, scheme.text, now()],
        )
        self._set_setting("scheme_hash", scheme.hash)

    def _scheme_still_current(self) -> None:
        """Refuse an edit made under a scheme that another process has since replaced (an
        upgrade while a window was open): its labels may be renamed or gone. (Writes the
        scheme does not govern, a cursor or a status, go on.)"""
        if self._scheme is None:
            return
        if self._setting("scheme_hash") != self._scheme.hash:
            raise StaleView(
                f"{self.path}: the project moved to another version of its scheme (annotator "
                "scheme upgrade) since it was opened here; nothing was changed: close it and "
                "open it again"
            )

    def scheme_versions(self) -> dict[str, Scheme | None]:
        """Every scheme version the project has held, by hash (None: one that no longer
        loads, as a newer release may refuse what an older one took)."""
        for scheme_hash, text in self.db.execute("SELECT hash, yaml FROM schemes"):
            if scheme_hash not in self._versions and scheme_hash == self.scheme.hash:
                self._versions[scheme_hash] = self.scheme  # (loaded already)
            elif scheme_hash not in self._versions:
                try:
                    scheme = load_scheme(text, source=f"{self.path}:scheme {scheme_hash[:12]}")
                except AnnotatorError:
                    scheme = None
                self._versions[scheme_hash] = scheme
        return dict(self._versions)

    def plan_scheme_upgrade(self, scheme: Scheme) -> UpgradePlan:
        """What moving to ``scheme`` changes and does to every span and code (nothing is
        written): see ``annotator/scheme/diff.py``. Refused when ``scheme`` is not a newer
        version of the project's; :class:`SchemeUnchanged` when it is the project's."""
        return self._plan_upgrade(scheme)[0]

    def _plan_upgrade(self, scheme: Scheme) -> tuple[UpgradePlan, dict[tuple[str, int], Stored]]:
        current = self.scheme
        if scheme.hash == current.hash:
            raise SchemeUnchanged(
                f"the project is already on this scheme ({current.name} v{current.version}, "
                f"hash {current.hash[:12]}); nothing to do"
            )
        problem = version_problem(current, scheme)
        if problem:
            raise ProjectError(problem)
        items, stored = self.upgrades.items()
        return plan_upgrade(diff_schemes(current, scheme), items), stored

    def upgrade_scheme(self, scheme: Scheme, upgraded_by: str) -> UpgradeRecord:
        """Move the project to ``scheme``, a newer version of its scheme, in one transaction:
        the new version becomes the project's, and the spans and codes whose label, attribute
        or choice it renames are rewritten (one logged edit per layer); everything else keeps
        the hash of the scheme it was made under. Refused, with nothing changed, when the plan
        would lose anything stored (:class:`UpgradeRefused`, one line per reason)."""
        old = self.scheme
        try:
            with self.connection.write():
                # Planned again under the write lock: what is applied is what is there.
                plan, stored = self._plan_upgrade(scheme)
                refusals = plan.refusals()
                if refusals:
                    raise UpgradeRefused(refusals)
                self._store_scheme(scheme)
                self._scheme = scheme  # the writers check what they write against it
                record = self.upgrades.apply(plan, stored, upgraded_by)
        except BaseException:
            self._scheme = old
            raise
        return record

    def scheme_upgrades(self) -> list[UpgradeRecord]:
        """The upgrades applied to the project, oldest first."""
        return self.upgrades.records()

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

    def batch(self) -> AbstractContextManager[Batch]:
        """Many writes (each of :meth:`add_documents`, say) in one transaction, saved every
        so often: see :meth:`annotator.store.connection.Connection.batch`."""
        return self.connection.batch()

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
                "metadata, words, imported_at, length) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    document.title,
                    document.source_path,
                    document.source_name
                    or (Path(document.source_path).name if document.source_path else None),
                    document.format,
                    document.text,
                    document.sha256,
                    json.dumps(dict(document.metadata), ensure_ascii=False, sort_keys=True),
                    document.words,
                    now(),
                    len(document.text),
                ],
            )
            document_id = int(cursor.lastrowid or 0)
            self._lengths[document_id] = len(document.text)
            self.db.conn.executemany(
                'INSERT INTO turns (document_id, turn_index, speaker, start, "end", start_time, '
                "end_time, words) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (document_id, t.index, t.speaker, t.start, t.end, t.start_time, t.end_time, w)
                    for t, w in zip(document.turns, document.turn_words, strict=True)
                ],
            )
        else:
            document_id = row[0]
        for label in document.speakers:
            self.speakers_store.record_import(
                label, document.speaker_info.get(label), origin or _source(document)
            )
        keys, questions = self._add_questions(document_id, document, annotator, origin)
        codes = self._add_codes(document_id, document, keys, allow_incomplete, origin)
        if not document.spans:
            if document.annotator and document.annotator.strip():
                # An empty layer still names its annotator (and their status, if recorded).
                self._restore_status(document_id, self.annotator_id(document.annotator), document)
            return AddResult(document_id, document.title, created, 0, 0, questions, codes)
        name = document.annotator or annotator
        assert name is not None  # checked by add_documents
        annotator_id = self.annotator_id(name)
        existing = self.reader.extents(document_id, annotator_id)
        size = self.reader.layer_size(document_id, annotator_id)
        new = [s for s in document.spans if (s.label, s.start, s.end) not in existing]
        if new:
            edit_id = self.log.begin(document_id, annotator_id)
            spans = [
                NewSpan(
                    draft.label,
                    draft.start,
                    draft.end,
                    draft.attributes,
                    draft.note,
                    created_at=draft.created_at,
                    updated_at=draft.updated_at,
                    scheme_hash=draft.scheme_hash,
                    question=_link(keys, draft, origin or _source(document)),
                )
                for draft in new
            ]
            try:
                # One edit, one logged change per span: written in batches by the span writer.
                self.writer.create_many(
                    edit_id, document_id, annotator_id, spans, incomplete=allow_incomplete
                )
            except SpanRefused as refused:
                draft, error = new[refused.index], refused.error
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
        added = self.reader.layer_size(document_id, annotator_id) - size if new else 0
        self._restore_status(document_id, annotator_id, document)
        return AddResult(
            document_id, document.title, created, added, len(new) - added, questions, codes
        )

    def _add_questions(
        self,
        document_id: int,
        document: ImportedDocument,
        annotator: str | None,
        origin: str | None,
    ) -> tuple[dict[str, int], int]:
        """Store a file's questions (those not already there: same offsets and parent) in
        one edit; the ids of all of them by the file's keys, and how many were added."""
        if not document.questions:
            return {}, 0
        where = origin or _source(document)
        name = (
            document.annotator
            or annotator
            or next((code.annotator for code in document.codes), None)
        )
        if not name:
            raise ProjectError(
                f"{where}: the file has questions but names no annotator; pass --as NAME"
            )
        existing = {
            (q.start, q.end, q.parent_id, q.wording): q.id
            for q in self.questions_store.questions(document_id)
        }
        keys: dict[str, int] = {}
        added = 0
        edit_id: int | None = None
        # Top-level questions first: parts refer to them.
        for draft in sorted(document.questions, key=lambda d: d.parent is not None):
            parent_id = None if draft.parent is None else _key(keys, draft.parent, where, draft.key)
            found = existing.get((draft.start, draft.end, parent_id, draft.wording))
            if found is None:
                if edit_id is None:
                    edit_id = self.log.begin(document_id, self.annotator_id(name))
                try:
                    added += 1
                    found = self.questions_store.create(
                        edit_id,
                        document_id,
                        draft.start,
                        draft.end,
                        parent_id=parent_id,
                        status=draft.status,
                        response=draft.response,
                        wording=draft.wording,
                        created_at=draft.created_at,
                        updated_at=draft.updated_at,
                    )
                except AnnotatorError as error:
                    raise ProjectError(f"{where}: question {draft.key}: {error}") from None
            if draft.key in keys:
                raise ProjectError(f"{where}: question {draft.key} is given twice")
            keys[draft.key] = found
        return keys, added

    def _add_codes(
        self,
        document_id: int,
        document: ImportedDocument,
        keys: Mapping[str, int],
        allow_incomplete: bool,
        origin: str | None,
    ) -> int:
        """Store a file's unit codes, one edit per annotator (a code replaces theirs; one
        the same as theirs changes nothing); how many were given or changed."""
        where = origin or _source(document)
        edits: dict[int, int] = {}
        given = 0
        for draft in document.codes:
            annotator_id = self.annotator_id(draft.annotator)
            question_id = (
                None if draft.question is None else _key(keys, draft.question, where, draft.place)
            )
            unit = "document" if question_id is None else "question"
            found = self.codes_store.find(document_id, annotator_id, unit, question_id)
            if found and (found[1]["label"], found[1]["attributes"], found[1]["note"]) == (
                draft.label,
                dict(draft.attributes),
                draft.note,
            ):
                continue
            if annotator_id not in edits:
                edits[annotator_id] = self.log.begin(document_id, annotator_id)
            try:
                self.codes_store.set(
                    edits[annotator_id],
                    document_id,
                    annotator_id,
                    unit,
                    question_id,
                    draft.label,
                    draft.attributes,
                    draft.note,
                    provenance=draft.provenance,
                    incomplete=allow_incomplete,
                    stamps={
                        "created_at": draft.created_at,
                        "updated_at": draft.updated_at,
                        "scheme_hash": draft.scheme_hash,
                    },
                )
            except AnnotatorError as error:
                hint = (
                    "; import with --allow-incomplete to complete such codes in the app"
                    if "is required" in str(error)
                    else ""
                )
                place = draft.place or draft.question or "document"
                raise ProjectError(
                    f"{where}: {place}: {draft.annotator}'s code '{draft.label}': {error}{hint}"
                ) from None
            given += 1
        return given

    def _restore_status(
        self, document_id: int, annotator_id: int, document: ImportedDocument
    ) -> None:
        """The status a file recorded for the layer (an export of ours), set as it was."""
        if document.status is None:
            return
        self.assignments.set_status(document_id, annotator_id, document.status, "import")

    def documents(self) -> list[DocumentSummary]:
        """Every document with its counts and statuses: grouped in SQL (one row per document,
        per speaker of a document and per status), never reading the texts: indexes cover
        the listed columns (``documents_listing``, m011) and the speakers (m020)."""
        turn_counts = dict(
            self.db.execute("SELECT document_id, count(*) FROM turns GROUP BY document_id")
        )
        speakers: dict[int, list[str]] = {}
        for document_id, speaker, _ in self.db.execute(
            # Each speaker once, in the order of their first turn.
            "SELECT document_id, speaker, min(turn_index) AS first FROM turns "
            "WHERE speaker IS NOT NULL AND speaker != '' GROUP BY document_id, speaker "
            "ORDER BY document_id, first"
        ):
            speakers.setdefault(document_id, []).append(speaker)
        statuses = self._statuses()
        return [
            DocumentSummary(
                id=row[0],
                title=row[1],
                source_name=row[2],
                format=row[3],
                words=row[4],
                turns=turn_counts.get(row[0], 0),
                speakers=tuple(speakers.get(row[0], ())),
                statuses=statuses.get(row[0], {}),
            )
            for row in self.db.execute(
                "SELECT id, title, source_name, format, words FROM documents ORDER BY id"
            )
        ]

    def document_statuses(self) -> list[tuple[int, str, dict[str, str]]]:
        """Every document's id, title and statuses (annotator name -> status), in id order:
        what :meth:`documents` lists, without the counts of turns and speakers."""
        statuses = self._statuses()
        return [
            (document_id, title, statuses.get(document_id, {}))
            for document_id, title in self.db.execute("SELECT id, title FROM documents ORDER BY id")
        ]

    def _statuses(self) -> dict[int, dict[str, str]]:
        """Every document's statuses, annotator name -> status (names in order)."""
        statuses: dict[int, dict[str, str]] = {}
        for document_id, name, status in self.db.execute(
            "SELECT s.document_id, a.name, s.status FROM document_status s "
            "JOIN annotators a ON a.id = s.annotator_id ORDER BY a.name"
        ):
            statuses.setdefault(document_id, {})[name] = status
        return statuses

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
        """A document by id, or by its source file when that names exactly one: its path as
        stored (resolved; as typed by projects older than that), the path ``ref`` resolves to
        from here, else its name (``talk.md`` for ``../data/talk.md``)."""
        if ref.isdigit():
            return self.document(int(ref))
        paths = [ref, resolved_source(Path(ref))]
        ids = [
            row[0]
            for row in self.db.execute(
                "SELECT id FROM documents WHERE source_path IN (?, ?) ORDER BY id", paths
            )
        ] or [
            row[0]
            for row in self.db.execute(
                "SELECT id FROM documents WHERE source_name = ? ORDER BY id", [Path(ref).name]
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

    def words_by_speaker(self) -> dict[int, list[tuple[str | None, int]]]:
        """Per document, the words its turns hold per speaker label (None: turns without
        one), or ``[(None, words)]`` for a document without turns: counted at import, summed
        here in one aggregate."""
        found: dict[int, list[tuple[str | None, int]]] = {}
        for document_id, speaker, words in self.db.execute(
            "SELECT document_id, speaker, sum(words) FROM turns GROUP BY document_id, speaker"
        ):
            found.setdefault(document_id, []).append((speaker, words))
        for document_id, words in self.db.execute(
            "SELECT id, words FROM documents d WHERE NOT EXISTS "
            "(SELECT 1 FROM turns t WHERE t.document_id = d.id)"
        ):
            found[document_id] = [(None, words)]
        return found

    def _text(self, document_id: int) -> str:
        """A document's text (kept: it never changes), or a refusal for unknown ids."""
        if document_id not in self._texts:
            row = self.db.execute(
                "SELECT text FROM documents WHERE id = ?", [document_id]
            ).fetchone()
            if row is None:
                raise ProjectError(f"no document with id {document_id}")
            self._texts[document_id] = row[0]
        return self._texts[document_id]

    def _stored_text(self, document_id: int) -> str:
        """A document's text, read without keeping it (for a pass over every document)."""
        if document_id in self._texts:
            return self._texts[document_id]
        row = self.db.execute("SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()
        return str(row[0]) if row else ""

    def text_lengths(self, document_ids: Sequence[int]) -> dict[int, int]:
        """The documents' text lengths in code points, as stored at import (m019), read from
        the index that holds them: no text is read (but for a document some other writer
        stored without its length)."""
        found: dict[int, int] = {}
        ids = list(document_ids)
        for first in range(0, len(ids), 500):
            chunk = ids[first : first + 500]
            marks = ", ".join("?" * len(chunk))
            for document_id, length in self.db.execute(
                "SELECT id, length FROM documents INDEXED BY documents_lengths "
                f"WHERE id IN ({marks})",
                chunk,
            ):
                found[document_id] = (
                    len(self._stored_text(document_id)) if length is None else length
                )
        return found

    def _text_length(self, document_id: int) -> int:
        """A document's length in code points, kept (a text never changes) but not its
        text: the span writer checks every offset against it. Unknown ids are refused."""
        if document_id not in self._lengths:
            found = self.text_lengths([document_id])
            if document_id not in found:
                raise ProjectError(f"no document with id {document_id}")
            self._lengths[document_id] = found[document_id]
        return self._lengths[document_id]

    # ---- speakers ------------------------------------------------------------------------

    def speakers(self) -> list[SpeakerSummary]:
        """Every speaker label of the turns, most turns first, with the person it names."""
        # The turns' words are stored with them at import: one aggregate, no text read.
        rows = self.db.execute(
            "SELECT speaker, count(*), sum(words), count(DISTINCT document_id) FROM turns "
            "WHERE speaker IS NOT NULL GROUP BY speaker"
        ).fetchall()
        people = self.speaker_people()
        return [
            SpeakerSummary(label, n, words, documents, people.get(label))
            for label, n, words, documents in sorted(rows, key=lambda row: (-row[1], row[0]))
        ]

    def speaker_people(self) -> dict[str, Person]:
        """The person each linked speaker label names, by label."""
        return self.speakers_store.people()

    def speaker_names(self) -> dict[str, str]:
        """What a turn header shows for each linked label
        (:func:`annotator.speakers.display_name`)."""
        return {label: display_name(label, p.name) for label, p in self.speaker_people().items()}

    def speaker_suggestions(self) -> list[AliasSuggestion]:
        """Labels that probably name one person and do not yet (never merged by this)."""
        summaries = self.speakers()
        return suggest_aliases(
            {s.label: s.turns for s in summaries},
            {s.label: s.person.name if s.person else None for s in summaries},
        )

    def person(self, ref: str) -> Person:
        """A person by name, or the person a speaker label names."""
        return self.speakers_store.find(ref)

    def person_of_turn(self, document_id: int, turn_index: int) -> Person | None:
        """The person who speaks in a turn, or None for a turn without a (linked) label."""
        row = self.db.execute(
            "SELECT speaker FROM turns WHERE document_id = ? AND turn_index = ?",
            [document_id, turn_index],
        ).fetchone()
        if row is None:
            raise ProjectError(f"document {document_id} has no turn {turn_index}")
        return None if row[0] is None else self.speakers_store.of_label(row[0])

    def alias_speakers(self, labels: Sequence[str], person: str) -> Person:
        """Make every label name ``person`` (created if absent)."""
        with self.connection.write():
            return self.speakers_store.alias(labels, person)

    def rename_speaker(self, label: str, name: str) -> Person:
        """Give the person ``label`` names a new canonical name."""
        with self.connection.write():
            return self.speakers_store.rename(label, name)

    def set_person(self, ref: str, **details: str | None) -> Person:
        """Set a person's role, party, external_id or constituency (``""`` clears one);
        ``ref`` is their name or a label naming them."""
        with self.connection.write():
            return self.speakers_store.set(ref, details)

    # ---- spans ---------------------------------------------------------------------------

    def spans(self, document_id: int, annotator: str | None = None) -> list[Span]:
        """A document's spans in text order: one annotator's layer, or every layer."""
        if annotator is None:
            return self.reader.layer(document_id, None)
        annotator_id = self._annotators.find(annotator)
        return [] if annotator_id is None else self.reader.layer(document_id, annotator_id)

    def span_rows(self, document_id: int, annotator: str) -> list[tuple[Any, ...]]:
        """One annotator's layer as the store's rows (in no order): what opening a document
        reads, making spans of the few it shows (:meth:`span_of_row`)."""
        annotator_id = self._annotators.find(annotator)
        return [] if annotator_id is None else self.reader.layer_rows(document_id, annotator_id)

    def span_of_row(self, row: Sequence[Any]) -> Span:
        """The span of a row :meth:`span_rows` gave."""
        return self.reader.span_of_row(row)

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
        question: QuestionLink = "default",
    ) -> Span:
        """Add a span to the annotator's layer; returns it as the write stored it.

        ``question`` is the question it responds to (an id, or None for none); by default the
        one whose response region holds its start.

        With ``same_label_overlap: merge``, spans of the same label that overlap the new one
        are folded into it (see :mod:`annotator.store.spans` for every rule); with
        ``refuse`` the span is refused. ``reviewer`` names who made an edit of the gold layer
        (kept in the log).
        """
        annotator_id = self.annotator_id(annotator)
        new = NewSpan(label, start, end, attributes or {}, note, question=question)
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
        question: int | Literal["keep"] | None = "keep",
    ) -> Span:
        """Change a span of the annotator's own layer; fields left as None stay as they are,
        and so does its question unless ``question`` names one (an id, or None for none)."""
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
                question=question,
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
            restored: list[int] = []
            unlinked: list[Linked] = []
            for step in steps:  # in order: a span's question comes back before the span
                if step.item == "question":
                    if step.wanted is None:  # a question goes: as delete_question does
                        unlinked += self.question_edits.unlink(edit_id, step.id)
                    self.questions_store.revert_step(edit_id, step, kind)
                elif step.item == "code":
                    self.codes_store.revert_step(edit_id, step, kind)
                else:
                    span_id = self.writer.revert_step(edit_id, annotator_id, step, kind)
                    if span_id is not None:
                        restored.append(span_id)
            for span_id in restored:
                self.writer.check_restored(span_id, kind)
            self.question_edits.relink_to_regions(edit_id, document_id, unlinked)
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

    # ---- questions -----------------------------------------------------------------------
    #
    # The rules for the rows are the question store's (store/questions.py); what a change
    # does to the spans and codes that refer to a question, QuestionEdits' (question_edits.py).
    # Each change is one write, and an edit of the annotator who made it.

    def questions(self, document_id: int) -> list[Question]:
        """The document's questions in text order, each followed by its parts."""
        self._text_length(document_id)  # refuses unknown documents
        return self.questions_store.questions(document_id)

    def question(self, question_id: int) -> Question:
        return self.questions_store.question(question_id)

    def propose_questions(
        self,
        annotator: str,
        document_ids: Sequence[int] | None = None,
        askers: Sequence[str] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Proposed]:
        """Propose the questions of documents (all by default): one per turn of a speaker
        who asks with a "?", a part per "?" when there are several (:mod:`annotator.questions`),
        never overlapping a question already there. Spans that respond to no question and
        fall in a new question's response region are linked to it. All or nothing.

        Who asks: ``askers`` when given; else the role of the person a label names
        (interviewer, moderator, audience ask; interviewee, other do not); else, for people
        without a role, the label heuristics of :func:`annotator.questions.asks`.
        ``progress(done, total)`` hears of each document proposed."""
        ids = [d.id for d in self.documents()] if document_ids is None else list(document_ids)
        annotator_id = self.annotator_id(annotator)
        results = []
        with self.connection.write():
            roles = {label: person.role for label, person in self.speaker_people().items()}
            for document_id in ids:
                document = self.document(document_id)
                made = self.question_edits.propose(
                    annotator_id, document_id, document.text, self.turns(document_id), askers, roles
                )
                results.append(Proposed(document_id, document.title, *made))
                if progress is not None:
                    progress(len(results), len(ids))
        return results

    def add_question(
        self,
        document_id: int,
        annotator: str,
        start: int,
        end: int,
        *,
        parent_id: int | None = None,
    ) -> Question:
        """A question an annotator marks (confirmed); a part of ``parent_id`` when given.
        Spans responding to no question in its response region are linked to it."""
        annotator_id = self.annotator_id(annotator)
        self._text_length(document_id)
        with self.connection.write():
            question_id = self.question_edits.add(annotator_id, document_id, start, end, parent_id)
        return self.question(question_id)

    def update_question(
        self,
        question_id: int,
        annotator: str,
        *,
        start: int | None = None,
        end: int | None = None,
        status: str | None = None,
        wording: str | None = None,
        response: tuple[int, int] | Literal["keep"] | None = "keep",
    ) -> Question:
        """Move a question's edges, confirm it (``status``), reword it (``wording``; "" for
        none), or set its response region (``response``: ``[start, end)``, or None for the
        default region)."""
        annotator_id = self.annotator_id(annotator)
        with self.connection.write():
            self.question_edits.update(
                annotator_id, question_id, start, end, status, wording, response
            )
        return self.question(question_id)

    def split_question(self, question_id: int, annotator: str, at: int) -> list[Question]:
        """Split a question into two parts at ``at`` (a question with no parts becomes two
        parts of itself; a part becomes two parts; in a question with parts, the part
        holding ``at`` is split). Spaces at the cut stay out of both parts. The parts of
        the question, after."""
        annotator_id = self.annotator_id(annotator)
        with self.connection.write():
            document_id, parent = self.question_edits.split(
                annotator_id, question_id, at, self._text
            )
        return [q for q in self.questions(document_id) if q.parent_id == parent]

    def merge_question(self, question_id: int, annotator: str) -> Question:
        """Merge a question with the next one: a part with its next part (a question left
        with one part has none), a question with the next question (neither with parts).
        Spans responding to the next one respond to the merged question."""
        annotator_id = self.annotator_id(annotator)
        with self.connection.write():
            merged = self.question_edits.merge(annotator_id, question_id)
        return self.question(merged)

    def delete_question(self, question_id: int, annotator: str) -> int:
        """Delete a question and its parts (refused while anyone has coded them). The spans
        that responded to them respond to the question whose response region then holds
        them, or to none; returns how many spans that touched."""
        annotator_id = self.annotator_id(annotator)
        with self.connection.write():
            return self.question_edits.delete(annotator_id, question_id)

    # ---- unit codes ------------------------------------------------------------------------

    def codes(
        self,
        unit: str | None = "question",
        *,
        annotator: str | None = None,
        document_id: int | None = None,
        question_id: int | None = None,
    ) -> list[Code]:
        """Unit codes (of one unit kind; None: all), optionally of one annotator (``gold``:
        the reviewers'), document or question."""
        annotator_id = None
        if annotator is not None:
            annotator_id = self._annotators.find(annotator)
            if annotator_id is None:
                return []
        return self.codes_store.codes(
            unit, annotator_id=annotator_id, document_id=document_id, question_id=question_id
        )

    def code(self, code_id: int) -> Code:
        state = self.codes_store.state(code_id)
        if state is None:
            raise ProjectError(f"no code with id {code_id}")
        return self.codes_store.code_of(code_id, state)

    def set_code(
        self,
        document_id: int,
        annotator: str,
        label: str,
        *,
        question_id: int | None = None,
        attributes: Mapping[str, Any] | None = None,
        note: str | None = None,
        reviewer: str | None = None,
        provenance: Mapping[str, Any] | None = None,
    ) -> Code:
        """Code a question (``question_id``) or, without one, the document: the annotator's
        code of that unit, replacing theirs if any (see :mod:`annotator.store.codes`)."""
        annotator_id = self.annotator_id(annotator)
        unit = "document" if question_id is None else "question"
        self._text_length(document_id)
        with self.connection.write():
            edit_id = self.log.begin(document_id, annotator_id, reviewer=reviewer)
            code_id, state = self.codes_store.set(
                edit_id,
                document_id,
                annotator_id,
                unit,
                question_id,
                label,
                attributes,
                note,
                provenance=provenance,
            )
        return self.codes_store.code_of(code_id, state)

    def clear_code(self, code_id: int, annotator: str, *, reviewer: str | None = None) -> None:
        """Remove one of the annotator's codes (undo brings it back)."""
        annotator_id = self.annotator_id(annotator)
        with self.connection.write():
            state = self.codes_store.state(code_id)
            if state is None:
                raise StaleView(
                    f"that code (id {code_id}) was removed elsewhere; nothing was changed"
                )
            edit_id = self.log.begin(state["document_id"], annotator_id, reviewer=reviewer)
            self.codes_store.clear(edit_id, code_id, annotator_id)

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

    def statuses_of(self, annotator: str) -> dict[int, str]:
        """The annotator's status of each document they opened (others: absent, "new")."""
        annotator_id = self._annotators.find(annotator)
        if annotator_id is None:
            return {}
        return {
            document_id: status
            for document_id, status in self.db.execute(
                "SELECT document_id, status FROM document_status WHERE annotator_id = ?",
                [annotator_id],
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
            self.assignments.set_status(document_id, annotator_id, status, "app")

    def reopen(self, document_id: int, annotator: str) -> None:
        """Take back an annotator's "done" (to "in progress"), so they may edit again; the
        change is recorded in the status history (see :mod:`.assignments`)."""
        self._text_length(document_id)  # refuses unknown documents
        annotator_id = self.annotator_id(annotator, create=False)
        with self.connection.write():
            self.assignments.reopen(document_id, annotator_id)

    def check_open(self, document_id: int, annotator: str) -> None:
        """Raise :class:`DocumentLocked` when ``annotator`` marked the document done: the
        lock every edit meets, asked before a dialog so nobody fills one in for nothing."""
        annotator_id = self._annotators.find(annotator)
        if annotator_id is not None:  # someone who never edited marked nothing done
            self.assignments.check_open(document_id, annotator_id)

    def status_history(self, document_id: int | None = None) -> list[StatusChange]:
        """Every recorded status change (of one document, or all), oldest first."""
        return self.assignments.history(document_id)

    # ---- assignments ---------------------------------------------------------------------

    def assign(
        self,
        annotators: Sequence[str],
        document_ids: Sequence[int] | None = None,
        *,
        per_document: int | None = None,
        overlap: float | None = None,
        seed: int = 0,
    ) -> tuple[list[Share], tuple[int, ...]]:
        """Assign documents (default: all) to annotators, adding to what is assigned: each
        document to ``per_document`` annotators (default 1), or one each and two for a share
        ``overlap`` of them; balanced by words, the same for the same ``seed`` and project.
        Returns each annotator's assignments and the documents that could not get all their
        annotators (see :mod:`annotator.assigning`)."""
        names = list(dict.fromkeys(name.strip() for name in annotators))
        if not names or not all(names):
            raise InvalidValue("name at least one annotator: --annotators A,B,C")
        if GOLD in names:
            raise ProjectError(f"{GOLD!r} is the reviewers' layer: it takes no assignments")
        words = dict(self.db.execute("SELECT id, words FROM documents").fetchall())
        ids = sorted(words) if document_ids is None else sorted(set(document_ids))
        for document_id in ids:
            if document_id not in words:
                raise ProjectError(f"no document with id {document_id}")
        rng = random.Random(seed)
        copies = copies_per_document(
            ids, len(names), per_document=per_document, overlap=overlap, rng=rng
        )
        with self.connection.write():
            holders = self.assignments.holders()
            documents = [PlanDocument(d, words[d], frozenset(holders.get(d, ()))) for d in ids]
            plan = plan_assignments(documents, names, copies, self.assignments.load(), rng)
            self.assignments.add(
                [(d, self.annotator_id(name)) for d, name in plan.assignments], seed
            )
            added = Counter(name for _, name in plan.assignments)
            return self.assignments.shares(names, dict(added)), plan.short

    def clear_assignments(self, annotator: str) -> tuple[int, int]:
        """Remove the annotator's assignments not started; how many went and how many stay."""
        annotator_id = self.annotator_id(annotator, create=False)
        with self.connection.write():
            return self.assignments.clear(annotator_id)

    def assigned_documents(self, annotator: str) -> list[int]:
        """The ids of the documents assigned to the annotator."""
        return self.assignments.documents(self._annotators.find(annotator.strip()))

    def progress(self) -> list[Progress]:
        """Per annotator: assigned, in progress, done, words done, last activity."""
        return self.assignments.progress()

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

    def snap_unit(self, annotator: str) -> str | None:
        """The snapping unit the annotator last chose in this project (None: never chose
        one, the scheme's default applies)."""
        annotator_id = self._annotators.find(annotator)
        value = self._setting(f"snap_unit:{annotator_id}") if annotator_id else None
        return value if value in SNAP_UNITS else None

    def set_snap_unit(self, annotator: str, unit: str) -> None:
        """Remember the annotator's snapping unit, for every document and the next start."""
        if unit not in SNAP_UNITS:
            raise ProjectError(
                f"unknown snapping unit {unit!r}; use one of {', '.join(SNAP_UNITS)}"
            )
        annotator_id = self.annotator_id(annotator)
        with self.connection.write():
            self._set_setting(f"snap_unit:{annotator_id}", unit)

    def last_document(self, annotator: str) -> int | None:
        """The document the annotator last had open, if any."""
        annotator_id = self._annotators.find(annotator)
        value = self._setting(f"last_document:{annotator_id}") if annotator_id else None
        return int(value) if value else None

    # ---- housekeeping --------------------------------------------------------------------

    def delete_documents(
        self, document_ids: Sequence[int], by: str, *, with_work: bool = False
    ) -> list[Deletion]:
        """Delete documents with their turns, statuses and change logs, and (only with
        ``with_work``) everyone's spans, questions and codes in them, all in one transaction:
        one refusal and nothing is deleted. Each is recorded in ``deletions`` (see
        :mod:`.deletions`)."""
        with self.connection.write():
            deletions = [
                self.deletions.delete(document_id, by, with_work=with_work)
                for document_id in document_ids
            ]
        for document_id in document_ids:
            self._texts.pop(document_id, None)
            self._lengths.pop(document_id, None)
        return deletions

    def rename_annotator(self, old: str, new: str) -> None:
        """Give an annotator another name, keeping all their work (see
        :meth:`Annotators.rename`)."""
        with self.connection.write():
            self._annotators.rename(old, new)

    def annotator_summaries(self) -> list[dict[str, Any]]:
        """Per annotator (everyone who annotates, not the gold layer): documents by status
        (every document counts, "new" included), spans and codes."""
        progress = self.stats().progress
        spans = dict(
            self.db.execute(
                "SELECT a.name, count(*) FROM spans s JOIN annotators a ON a.id = s.annotator_id "
                "GROUP BY a.name"
            ).fetchall()
        )
        codes = dict(
            self.db.execute(
                "SELECT a.name, count(*) FROM codes c JOIN annotators a ON a.id = c.annotator_id "
                "GROUP BY a.name"
            ).fetchall()
        )
        return [
            {
                "annotator": name,
                **{status: progress[name][status] for status in DOCUMENT_STATUSES},
                "spans": spans.get(name, 0),
                "codes": codes.get(name, 0),
            }
            for name in self.annotators()
        ]

    # ---- summary -------------------------------------------------------------------------

    def size(self) -> tuple[int, int]:
        """How many documents the project has, and words in them."""
        documents, words = self.db.execute(
            "SELECT count(*), coalesce(sum(words), 0) FROM documents"
        ).fetchone()
        return documents, words

    def stats(self) -> ProjectStats:
        documents, words = self.size()
        per_label: dict[bool, dict[str, int]] = {False: {}, True: {}}
        gold_ids = {
            row[0] for row in self.db.execute("SELECT id FROM annotators WHERE name = ?", [GOLD])
        }
        # Grouped as the index spans_by_label (label, annotator_id) is: read from the index
        # alone (a fifth of the time of grouping by the joined name).
        for label, annotator_id, count in self.db.execute(
            "SELECT label, annotator_id, count(*) FROM spans GROUP BY label, annotator_id"
        ):
            counts = per_label[annotator_id in gold_ids]
            counts[label] = counts.get(label, 0) + count
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
        (questions,) = self.db.execute(
            "SELECT count(*) FROM questions q WHERE NOT EXISTS "
            "(SELECT 1 FROM questions p WHERE p.parent_id = q.id)"
        ).fetchone()
        codes = dict(
            self.db.execute(
                "SELECT c.label, count(*) FROM codes c JOIN annotators a ON a.id = c.annotator_id "
                "WHERE c.unit = 'question' AND a.name != ? GROUP BY c.label ORDER BY c.label",
                [GOLD],
            ).fetchall()
        )
        return ProjectStats(
            documents,
            words,
            annotators,
            per_label[False],
            progress,
            per_label[True],
            reviewed,
            self._incomplete_count(),
            questions,
            codes,
        )

    def _incomplete_count(self) -> int:
        """Spans of labels with required attributes that lack one of them."""
        required = {label.id: label.needed for label in self.scheme.labels if label.needed}
        if not required:
            return 0
        # Counted in SQL: json_extract is NULL for a key that is missing or null, as
        # ``.get(key) is None`` is.
        total = 0
        for label, keys in required.items():
            lacking = " OR ".join("json_extract(attributes, ?) IS NULL" for _ in keys)
            paths = ['$."' + key.replace('"', '\\"') + '"' for key in keys]
            (count,) = self.db.execute(
                f"SELECT count(*) FROM spans WHERE label = ? AND ({lacking})", [label, *paths]
            ).fetchone()
            total += count
        return total


def _key(keys: Mapping[str, int], key: str, where: str, place: str | None) -> int:
    """The id of a question a file refers to by its key."""
    if key not in keys:
        raise ProjectError(
            f"{where}: {place + ': ' if place else ''}no question {key!r} in the file's questions"
        )
    return keys[key]


def _link(keys: Mapping[str, int], draft: SpanDraft, where: str) -> QuestionLink:
    """The question an imported span responds to: the file's (by its key), none, or the
    default (the question whose response region holds the span's start)."""
    if draft.question is None:
        return "default"
    if draft.question == NO_QUESTION:
        return None
    return _key(keys, draft.question, where, draft.place)


def _source(document: ImportedDocument) -> str:
    return document.source_path or document.title
