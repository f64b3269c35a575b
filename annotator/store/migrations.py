"""The project database's schema, as forward-only sqlite-utils migrations.

Tables are named for a person browsing the file in ``sqlite3`` or Datasette. JSON columns
(``metadata``, ``attributes``, ``before``, ``after``) hold JSON text. The schema is written as
SQL so that constraints (CHECKs, AUTOINCREMENT, ON DELETE) are explicit.

The migrations are listed here as sqlite-utils' ``Migrations`` lists them, and applied by it
(its bookkeeping table, ``_sqlite_migrations``, is its own), but sqlite-utils is imported only
when a file needs a migration: opening an up-to-date project only reads which ones it has
(:meth:`MigrationSet.applied`), which costs no import (see :mod:`annotator.store.sql`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .sql import Database

MigrationFunction = Callable[[Any], None]


@dataclass(frozen=True)
class Migration:
    name: str
    fn: MigrationFunction


class MigrationSet:
    """sqlite-utils' ``Migrations``, read without importing sqlite-utils."""

    table = "_sqlite_migrations"  # sqlite_utils.Migrations.migrations_table

    def __init__(self, name: str) -> None:
        self.name = name
        self._migrations: list[Migration] = []

    def __call__(self) -> Callable[[MigrationFunction], MigrationFunction]:
        def register(fn: MigrationFunction) -> MigrationFunction:
            self._migrations.append(Migration(fn.__name__, fn))
            return fn

        return register

    def names(self) -> set[str]:
        return {m.name for m in self._migrations}

    def applied(self, db: Database) -> list[str]:
        """The names of the migrations applied to the file, in the order they were (as
        ``sqlite_utils.Migrations.applied`` reads them)."""
        if not db.table_exists(self.table):
            return []
        rows = db.execute(
            f"SELECT name FROM {self.table} WHERE migration_set = ? ORDER BY rowid", [self.name]
        )
        return [row[0] for row in rows]

    def apply(self, db: Database) -> None:
        """Apply the pending migrations, by sqlite-utils (imported here)."""
        from sqlite_utils import Migrations

        delegate = Migrations(self.name)
        for migration in self._migrations:
            # Each function runs on this connection as the store holds it.
            delegate(name=migration.name)(lambda _full, fn=migration.fn: fn(db))
        delegate.apply(db.full)


migrations = MigrationSet("annotator")


@migrations()
def m001_initial(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE project (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE schemes (
            hash TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            version INTEGER NOT NULL,
            yaml TEXT NOT NULL,
            added_at TEXT NOT NULL
        );
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            title TEXT NOT NULL,
            source_path TEXT,
            source_name TEXT,
            format TEXT NOT NULL,
            text TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            metadata TEXT NOT NULL DEFAULT '{}',
            words INTEGER NOT NULL,
            imported_at TEXT NOT NULL
        );
        CREATE INDEX documents_source_name ON documents (source_name);
        CREATE TABLE turns (
            document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            turn_index INTEGER NOT NULL,
            speaker TEXT,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            start_time REAL,
            end_time REAL,
            PRIMARY KEY (document_id, turn_index),
            CHECK (0 <= start AND start < "end")
        );
        CREATE TABLE annotators (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        );
        CREATE TABLE spans (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            annotator_id INTEGER NOT NULL REFERENCES annotators (id),
            label TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            attributes TEXT NOT NULL DEFAULT '{}',
            note TEXT NOT NULL DEFAULT '',
            scheme_hash TEXT NOT NULL REFERENCES schemes (hash),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            -- Gold spans only: how the span came about, as JSON (see annotator/gold.py).
            provenance TEXT,
            CHECK (0 <= start AND start < "end")
        );
        CREATE INDEX spans_by_document ON spans (document_id, annotator_id, start, "end");
        -- One row per user action (an edit, or the undo or redo of an earlier one).
        CREATE TABLE edits (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            annotator_id INTEGER NOT NULL REFERENCES annotators (id),
            kind TEXT NOT NULL CHECK (kind IN ('edit', 'undo', 'redo')),
            reverts INTEGER REFERENCES edits (id),
            at TEXT NOT NULL
        );
        CREATE INDEX edits_by_document ON edits (document_id, annotator_id, id);
        -- Append-only: every span change with the span's state before and after it
        -- ('rejection': whether the annotator turned down another layer's span, a suggestion).
        CREATE TABLE span_changes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            edit_id INTEGER NOT NULL REFERENCES edits (id) ON DELETE CASCADE,
            span_id INTEGER NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'rejection')),
            "before" TEXT,
            "after" TEXT
        );
        CREATE INDEX span_changes_by_edit ON span_changes (edit_id);
        CREATE INDEX span_changes_by_span ON span_changes (span_id);
        CREATE TABLE document_status (
            document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            annotator_id INTEGER NOT NULL REFERENCES annotators (id),
            status TEXT NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'in_progress', 'done', 'skipped')),
            cursor INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (document_id, annotator_id)
        );
        """,
    )


def _run(db: Database, script: str) -> None:
    # Statement by statement: executescript() would COMMIT the migration's transaction first.
    # (So no ";" inside comments or strings of a script.)
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m002_suggestion_rejections(db: Database) -> None:
    # Another layer's spans offered to an annotator as suggestions: the ones they turned down.
    # (Accepted ones need no record: they are copies in the annotator's own layer.)
    _run(
        db,
        """
        CREATE TABLE suggestion_rejections (
            annotator_id INTEGER NOT NULL REFERENCES annotators (id),
            span_id INTEGER NOT NULL REFERENCES spans (id) ON DELETE CASCADE,
            rejected_at TEXT NOT NULL,
            PRIMARY KEY (annotator_id, span_id)
        )
        """,
    )


@migrations()
def m003_edit_reviewer(db: Database) -> None:
    # Gold-layer edits are all made as the reserved annotator "gold": this names the reviewer.
    db.execute("ALTER TABLE edits ADD COLUMN reviewer TEXT")


@migrations()
def m004_edits_by_document_order(db: Database) -> None:
    # A window catches up with what other windows wrote to its document: the edits of that
    # document after the last one it saw, whoever made them.
    db.execute("CREATE INDEX edits_by_document_order ON edits (document_id, id)")


@migrations()
def m005_questions_and_codes(db: Database) -> None:
    # Questions are shared by the annotators of a project (everyone codes the same units);
    # a part (sub-question) has a parent. response_start/response_end NULL: the default
    # response region (annotator/questions.py). wording: the question as a dataset phrases
    # it when that is not its text (CLARITY rewrites sub-questions). Codes: one per unit and
    # annotator, for a question or (question_id NULL) the whole document. Spans may name
    # the question they respond to. The change log records changes of all three ('item'),
    # span_id then holding the id of whichever item changed.
    _run(
        db,
        """
        CREATE TABLE questions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            parent_id INTEGER REFERENCES questions (id),
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            response_start INTEGER,
            response_end INTEGER,
            status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'confirmed')),
            wording TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (0 <= start AND start < "end"),
            CHECK ((response_start IS NULL) = (response_end IS NULL)),
            CHECK (response_start IS NULL OR response_start <= response_end)
        );
        CREATE INDEX questions_by_document ON questions (document_id, start);
        CREATE TABLE codes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            annotator_id INTEGER NOT NULL REFERENCES annotators (id),
            unit TEXT NOT NULL CHECK (unit IN ('question', 'document')),
            question_id INTEGER REFERENCES questions (id),
            label TEXT NOT NULL,
            attributes TEXT NOT NULL DEFAULT '{}',
            note TEXT NOT NULL DEFAULT '',
            scheme_hash TEXT NOT NULL REFERENCES schemes (hash),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            provenance TEXT,
            CHECK ((unit = 'question') = (question_id IS NOT NULL))
        );
        CREATE UNIQUE INDEX codes_one_per_unit
            ON codes (document_id, annotator_id, unit, coalesce(question_id, 0));
        CREATE INDEX codes_by_question ON codes (question_id);
        ALTER TABLE spans ADD COLUMN question_id INTEGER REFERENCES questions (id);
        CREATE INDEX spans_by_question ON spans (question_id);
        ALTER TABLE span_changes ADD COLUMN item TEXT NOT NULL DEFAULT 'span'
            CHECK (item IN ('span', 'question', 'code'))
        """,
    )


@migrations()
def m006_speakers(db: Database) -> None:
    # The project's speakers: people (a canonical name, and what is known of them) and which
    # person each speaker label of the turns names. Labels are project-wide (the same label
    # in two documents is one speaker) and never rewritten in the text: the mapping is data.
    # Speaker changes are project-wide, not a document's edit: speaker_changes records them
    # (an audit trail, no undo). Projects made before this gain one person per label.
    _run(
        db,
        """
        CREATE TABLE people (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
            role TEXT CHECK (role IS NULL OR role IN
                ('interviewer', 'interviewee', 'moderator', 'audience', 'other')),
            party TEXT,
            external_id TEXT,
            constituency TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE speaker_labels (
            label TEXT PRIMARY KEY,
            person_id INTEGER REFERENCES people (id),
            updated_at TEXT NOT NULL
        );
        CREATE INDEX speaker_labels_by_person ON speaker_labels (person_id);
        CREATE TABLE speaker_changes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('import', 'alias', 'rename', 'set')),
            label TEXT,
            person TEXT,
            "before" TEXT,
            "after" TEXT
        );
        INSERT INTO people (name, created_at, updated_at)
            SELECT DISTINCT speaker, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'),
                strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
            FROM turns WHERE speaker IS NOT NULL AND length(trim(speaker)) > 0;
        INSERT INTO speaker_labels (label, person_id, updated_at)
            SELECT DISTINCT t.speaker, p.id, p.created_at FROM turns t
            JOIN people p ON p.name = t.speaker
        """,
    )


@migrations()
def m007_deletions(db: Database) -> None:
    # Documents deleted with 'annotator documents delete': what went, who and when, kept
    # after the document (no foreign key to it). spans, codes, questions: the deleted rows as
    # JSON lists (annotators by name), so a deletion can be read back or undone by hand.
    # Independent of every migration after m005.
    _run(
        db,
        """
        CREATE TABLE deletions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id INTEGER NOT NULL,
            title TEXT NOT NULL,
            source_name TEXT,
            sha256 TEXT NOT NULL,
            words INTEGER NOT NULL,
            turns INTEGER NOT NULL,
            span_count INTEGER NOT NULL,
            question_count INTEGER NOT NULL,
            code_count INTEGER NOT NULL,
            status_count INTEGER NOT NULL,
            edit_count INTEGER NOT NULL,
            deleted_by TEXT NOT NULL,
            deleted_at TEXT NOT NULL,
            spans TEXT NOT NULL DEFAULT '[]',
            questions TEXT NOT NULL DEFAULT '[]',
            codes TEXT NOT NULL DEFAULT '[]'
        )
        """,
    )


@migrations()
def m008_assignments(db: Database) -> None:
    # Who is to annotate which document ('annotator assign'), and every change of an
    # annotator's status for a document with its time (so a reopened "done" is on record:
    # review and agreement read "done"). Rows go with their document (ON DELETE CASCADE).
    _run(
        db,
        """
        CREATE TABLE assignments (
            document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            annotator_id INTEGER NOT NULL REFERENCES annotators (id),
            assigned_at TEXT NOT NULL,
            seed INTEGER,
            PRIMARY KEY (document_id, annotator_id)
        );
        CREATE INDEX assignments_by_annotator ON assignments (annotator_id);
        CREATE TABLE status_changes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            annotator_id INTEGER NOT NULL REFERENCES annotators (id),
            "before" TEXT NOT NULL,
            "after" TEXT NOT NULL,
            at TEXT NOT NULL,
            via TEXT NOT NULL CHECK (via IN ('app', 'reopen', 'import'))
        );
        CREATE INDEX status_changes_by_document ON status_changes (document_id, annotator_id)
        """,
    )


@migrations()
def m009_invites(db: Database) -> None:
    # 'annotator serve invite': who may open the app in a browser, as which role. Only the
    # SHA-256 of each personal token is kept, never the token. m009, not m008: m008 is left to
    # the assignments work developed at the same time; the two are independent of each other.
    _run(
        db,
        """
        CREATE TABLE invites (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('annotator', 'reviewer', 'lead')),
            token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
            created_at TEXT NOT NULL
        )
        """,
    )


@migrations()
def m010_scheme_upgrades(db: Database) -> None:
    # 'annotator scheme upgrade': each move of the project to a new scheme version, who made
    # it and when, and what became of the stored spans and codes (summary: JSON counts per
    # label and outcome, and the items left for review). The spans and codes it rewrote are
    # changes of one edit per layer, each naming the upgrade (edits.upgrade_id). through_edit
    # is the newest edit when it was applied: undo does not reach across it (the states
    # before are of the old scheme).
    _run(
        db,
        """
        CREATE TABLE scheme_upgrades (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            from_hash TEXT NOT NULL REFERENCES schemes (hash),
            to_hash TEXT NOT NULL REFERENCES schemes (hash),
            upgraded_by TEXT NOT NULL,
            upgraded_at TEXT NOT NULL,
            through_edit INTEGER NOT NULL DEFAULT 0,
            summary TEXT NOT NULL DEFAULT '{}'
        );
        ALTER TABLE edits ADD COLUMN upgrade_id INTEGER REFERENCES scheme_upgrades (id)
        """,
    )


@migrations()
def m011_kept_figures(db: Database) -> None:
    # Figures computed per document (the review queue's row, agreement inputs), kept so that
    # a command recomputes only the documents that changed: each row holds the stamp of what
    # it was computed from (the newest edit and status change of the document, the scheme,
    # the annotators' names) and is used only while the stamp is still the document's.
    # documents_listing covers what 'annotator documents' lists, so listing never reads the
    # texts (the words column comes after the text in the table's rows); spans_by_label
    # covers 'annotator status's count of spans per label.
    _run(
        db,
        """
        CREATE TABLE kept_figures (
            document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            stamp TEXT NOT NULL,
            figures TEXT NOT NULL,
            PRIMARY KEY (document_id, kind)
        );
        CREATE INDEX documents_listing ON documents (id, title, source_name, format, words);
        CREATE INDEX status_changes_by_id ON status_changes (document_id, id);
        CREATE INDEX spans_by_label ON spans (label, annotator_id)
        """,
    )


@migrations()
def m012_span_extents(db: Database) -> None:
    # The longest span each layer has ever held (an upper bound: a deletion leaves it), kept
    # by the span writer. The overlap query a span edit runs then reads the index range
    # start in [s - longest, e) instead of every span starting before e: an edit late in a
    # long layer no longer reads the whole layer's index.
    _run(
        db,
        """
        CREATE TABLE span_extents (
            document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            annotator_id INTEGER NOT NULL REFERENCES annotators (id),
            longest INTEGER NOT NULL,
            PRIMARY KEY (document_id, annotator_id)
        ) WITHOUT ROWID;
        INSERT INTO span_extents (document_id, annotator_id, longest)
            SELECT document_id, annotator_id, max("end" - start) FROM spans
            GROUP BY document_id, annotator_id
        """,
    )


@migrations()
def m018_turn_words(db: Database) -> None:
    # Each turn's words, counted at import as the document's are: the speakers listing and
    # the report sum them with one aggregate instead of reading every text. Older projects
    # count them here, once, document by document.
    from ..model import count_words

    db.execute("ALTER TABLE turns ADD COLUMN words INTEGER NOT NULL DEFAULT 0")
    texts = db.execute("SELECT id, text FROM documents ORDER BY id")
    for document_id, text in texts:
        turns = db.execute(
            'SELECT turn_index, start, "end" FROM turns WHERE document_id = ?', [document_id]
        ).fetchall()
        db.conn.executemany(
            "UPDATE turns SET words = ? WHERE document_id = ? AND turn_index = ?",
            [(count_words(text[start:end]), document_id, index) for index, start, end in turns],
        )


@migrations()
def m019_document_lengths(db: Database) -> None:
    # Each document's length in code points, stored at import, with an index that holds it
    # next to the id: the agreement report reads every document's length from the index
    # alone instead of reading (and counting) every text (SQLite's length() also stops at a
    # NUL). Older projects count them here, once, in Python.
    db.execute("ALTER TABLE documents ADD COLUMN length INTEGER")
    texts = db.execute("SELECT id, text FROM documents ORDER BY id")
    lengths = [(len(text), document_id) for document_id, text in texts]  # (read, then write)
    db.conn.executemany("UPDATE documents SET length = ? WHERE id = ?", lengths)
    db.execute("CREATE INDEX documents_lengths ON documents (id, length)")


@migrations()
def m020_turns_by_speaker(db: Database) -> None:
    # Each document's speakers in the order they first speak, for the document listings and
    # queues, read from this index alone (a fourth of the time of grouping the table's rows).
    db.execute("CREATE INDEX turns_by_speaker ON turns (document_id, speaker, turn_index)")
