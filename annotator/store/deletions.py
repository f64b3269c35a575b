"""Deleting a document, and the durable record of what went.

A document that holds anyone's work (spans of any layer, questions, unit codes) is deleted
only when the caller says so (``with_work``; the command line's ``--with-spans``); otherwise
the deletion is refused and nothing changes. Everything of the document goes in one write
transaction, each table through its one writer:

- spans through :meth:`SpanWriter.purge_document` (the only writer of ``spans``), codes
  through :meth:`CodeStore.purge_document`, questions through
  :meth:`QuestionStore.purge_document`, the change log through
  :meth:`ChangeLog.purge_document`;
- then the ``documents`` row; its turns and statuses go with it (``ON DELETE CASCADE``).

In the same transaction a row of ``deletions`` records the title, source, sha256, the counts,
who deleted it and when, and the deleted spans, questions and codes as JSON (annotators by
name), so the work can still be read after the document is gone.

The spans are removed by the span writer explicitly rather than by the cascade from
``documents``: the cascade would write ``spans`` from outside the span writer, and the
record needs the rows before they go anyway.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ProjectError
from .annotators import Annotators
from .codes import CodeStore
from .connection import Connection
from .database import now
from .log import ChangeLog
from .questions import QuestionStore
from .spans import SpanWriter


@dataclass(frozen=True)
class Deletion:
    """What deleting one document removed."""

    document_id: int
    title: str
    turns: int
    spans: int
    questions: int
    codes: int
    statuses: int
    edits: int
    record_id: int  # the row of ``deletions`` that keeps it


@dataclass(frozen=True)
class Work:
    """Anyone's work in a document: what makes deleting it need the caller's say-so."""

    spans: int
    questions: int
    codes: int

    def __bool__(self) -> bool:
        return bool(self.spans or self.questions or self.codes)

    def describe(self) -> str:
        parts = [(self.spans, "span"), (self.questions, "question"), (self.codes, "code")]
        return ", ".join(f"{n:,} {noun}{'' if n == 1 else 's'}" for n, noun in parts if n)


class Deletions:
    """Deletes documents (see the module docstring) and reads back the record."""

    def __init__(
        self,
        connection: Connection,
        annotators: Annotators,
        log: ChangeLog,
        spans: SpanWriter,
        questions: QuestionStore,
        codes: CodeStore,
    ) -> None:
        self.connection = connection
        self.annotators = annotators
        self.log = log
        self.spans = spans
        self.questions = questions
        self.codes = codes

    def work(self, document_id: int) -> Work:
        db = self.connection.db
        counts = [
            db.execute(
                f"SELECT count(*) FROM {table} WHERE document_id = ?", [document_id]
            ).fetchone()[0]
            for table in ("spans", "questions", "codes")
        ]
        return Work(*counts)

    def delete(self, document_id: int, by: str, *, with_work: bool = False) -> Deletion:
        """Delete the document in the caller's write transaction; refuses (nothing changed)
        while it holds anyone's work, unless ``with_work``."""
        db = self.connection.db
        row = db.execute(
            "SELECT title, source_name, sha256, words FROM documents WHERE id = ?",
            [document_id],
        ).fetchone()
        if row is None:
            raise ProjectError(f"no document with id {document_id}")
        title, source_name, sha256, words = row
        work = self.work(document_id)
        if work and not with_work:
            raise ProjectError(
                f"document {document_id} holds annotations ({work.describe()}); nothing was "
                "deleted: add --with-spans to delete it with everyone's work"
            )
        (turns,) = db.execute(
            "SELECT count(*) FROM turns WHERE document_id = ?", [document_id]
        ).fetchone()
        (statuses,) = db.execute(
            "SELECT count(*) FROM document_status WHERE document_id = ?", [document_id]
        ).fetchone()
        # Codes and spans refer to questions, so they go first.
        codes = self.codes.purge_document(document_id)
        spans = self.spans.purge_document(document_id)
        questions = self.questions.purge_document(document_id)
        edits = self.log.purge_document(document_id)
        db.execute("DELETE FROM documents WHERE id = ?", [document_id])  # turns, statuses too
        cursor = db.execute(
            "INSERT INTO deletions (document_id, title, source_name, sha256, words, turns, "
            "span_count, question_count, code_count, status_count, edit_count, deleted_by, "
            "deleted_at, spans, questions, codes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                document_id,
                title,
                source_name,
                sha256,
                words,
                turns,
                len(spans),
                len(questions),
                len(codes),
                statuses,
                edits,
                by,
                now(),
                self._dump(spans),
                self._dump(questions),
                self._dump(codes),
            ],
        )
        return Deletion(
            document_id,
            title,
            turns,
            len(spans),
            len(questions),
            len(codes),
            statuses,
            edits,
            int(cursor.lastrowid or 0),
        )

    def records(self) -> list[dict[str, Any]]:
        """Every deletion recorded, oldest first, with its rows decoded."""
        db = self.connection.db
        cursor = db.execute("SELECT * FROM deletions ORDER BY id")
        names = [column[0] for column in cursor.description]
        records = []
        for row in cursor:
            record = dict(zip(names, row, strict=True))
            for key in ("spans", "questions", "codes"):
                record[key] = json.loads(record[key])
            records.append(record)
        return records

    def _dump(self, rows: Sequence[Mapping[str, Any]]) -> str:
        named = [
            {
                **row,
                **(
                    {"annotator": self.annotators.name(row["annotator_id"])}
                    if "annotator_id" in row
                    else {}
                ),
            }
            for row in rows
        ]
        return json.dumps(named, ensure_ascii=False, sort_keys=True)
