"""Figures kept per document (``kept_figures``, migration m011), so that the review queue
and the agreement report recompute only the documents that changed since.

A kept row is valid while its *stamp* is the document's: the newest edit and status change
of the document (the change log records every change of its spans, codes and statuses), and
a project-wide part the caller gives (the scheme, the annotators' names). Nothing here knows
what the figures are: they are JSON the caller computes and reads back. A large row (a
study's agreement totals: a megabyte, rewritten by every run after a change) is kept
compressed, as every byte a command writes is copied again when SQLite checkpoints the file
at its end (half a second for 3 MB on the project's machine).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

from .connection import Connection

_CHUNK = 500  # ids per query (SQLite's variable limit is 32,766 since 3.32, 999 before)
_COMPRESS_FROM = 16_384  # characters of JSON from which a row is kept compressed


def encoded(figures: Any) -> str:
    """Figures as the JSON text kept (computed data, which holds no cycles: not checked for
    them, a quarter of the encoding's time; compact)."""
    return json.dumps(figures, ensure_ascii=False, check_circular=False, separators=(",", ":"))


def _stored(text: str) -> str | bytes:
    """JSON text as kept: as it is, or zlib-compressed (a BLOB) when large."""
    if len(text) < _COMPRESS_FROM:
        return text
    return zlib.compress(text.encode("utf-8"), 1)


def _loaded(figures: str | bytes) -> Any:
    return json.loads(zlib.decompress(figures) if isinstance(figures, bytes) else figures)


class KeptFigures:
    """Reads and writes ``kept_figures``; on a file without the table, keeps nothing."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    @property
    def available(self) -> bool:
        row = self.connection.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kept_figures'"
        ).fetchone()
        return row is not None

    def project_stamp(self, *parts: str) -> str:
        """The project-wide part of a stamp: ``parts`` and the annotators' ids and names (a
        renamed annotator changes the names figures hold)."""
        names = self.connection.db.execute(
            "SELECT group_concat(id || ':' || name, ',') FROM "
            "(SELECT id, name FROM annotators ORDER BY id)"
        ).fetchone()[0]
        text = "\n".join([*parts, names or ""])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def stamps(self, document_ids: Sequence[int], project_stamp: str) -> dict[int, str]:
        """Each document's current stamp (indexed lookups: two per document)."""
        found: dict[int, str] = {}
        for start in range(0, len(document_ids), _CHUNK):
            chunk = list(document_ids[start : start + _CHUNK])
            marks = ", ".join("?" * len(chunk))
            for document_id, edit, status in self.connection.db.execute(
                "SELECT d.id, "
                "(SELECT max(e.id) FROM edits e WHERE e.document_id = d.id), "
                "(SELECT max(c.id) FROM status_changes c WHERE c.document_id = d.id) "
                f"FROM documents d WHERE d.id IN ({marks})",
                chunk,
            ):
                found[document_id] = f"{edit or 0}/{status or 0}/{project_stamp}"
        return found

    def read(self, kind: str, stamps: dict[int, str]) -> dict[int, Any]:
        """The kept figures of ``kind`` whose stamp is still the document's, by document."""
        if not stamps or not self.available:
            return {}
        found: dict[int, Any] = {}
        ids = list(stamps)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            for document_id, stamp, figures in self.connection.db.execute(
                "SELECT document_id, stamp, figures FROM kept_figures "
                f"WHERE kind = ? AND document_id IN ({marks})",
                [kind, *chunk],
            ):
                if stamps.get(document_id) == stamp:
                    found[document_id] = _loaded(figures)
        return found

    def write(self, kind: str, rows: Iterable[tuple[int, str, Any]]) -> int:
        """Keep ``(document_id, stamp, figures)`` rows (in one write); how many were kept.
        A read-only project, or a file without the table, keeps nothing."""
        return self.write_encoded(
            kind,
            [(document_id, stamp, encoded(figures)) for document_id, stamp, figures in rows],
        )

    def write_encoded(self, kind: str, rows: Iterable[tuple[int, str, str]]) -> int:
        """:meth:`write` of figures given as their JSON text (:func:`encoded` where they
        were computed, e.g. in another process)."""
        if self.connection.readonly or not self.available:
            return 0
        values = [(document_id, kind, stamp, _stored(text)) for document_id, stamp, text in rows]
        if not values:
            return 0
        with self.connection.write():
            self.connection.db.conn.executemany(
                "INSERT INTO kept_figures (document_id, kind, stamp, figures) "
                "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM documents WHERE id = ?1) "
                "ON CONFLICT DO UPDATE SET stamp = excluded.stamp, figures = excluded.figures",
                values,
            )
        return len(values)

    def read_kind(self, kind: str) -> tuple[int, str, Any] | None:
        """The one row of a project-wide ``kind`` (kept with a document: see
        :meth:`write_kind`), as ``(document_id, stamp, figures)``."""
        if not self.available:
            return None
        row = self.connection.db.execute(
            "SELECT document_id, stamp, figures FROM kept_figures WHERE kind = ? LIMIT 1", [kind]
        ).fetchone()
        return None if row is None else (row[0], row[1], _loaded(row[2]))

    def write_kind(self, kind: str, document_id: int | None, stamp: str, figures: Any) -> None:
        """Keep the one row of a project-wide ``kind`` (in place of any other), with the
        document ``document_id`` (its deletion deletes the row: it is computed again); with
        ``None``, none is kept. Read-only or without the table, nothing is kept."""
        if self.connection.readonly or not self.available:
            return
        with self.connection.write():
            self.connection.db.conn.execute("DELETE FROM kept_figures WHERE kind = ?", [kind])
            if document_id is not None:
                self.connection.db.conn.execute(
                    "INSERT INTO kept_figures (document_id, kind, stamp, figures) "
                    "VALUES (?, ?, ?, ?)",
                    [document_id, kind, stamp, _stored(encoded(figures))],
                )
