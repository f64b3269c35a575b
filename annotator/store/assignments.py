"""Assignments (who is to annotate which document), annotators' statuses and their history,
and the lock on what an annotator marked done.

**Assignments.** ``assignments`` holds one row per document and annotator to annotate it.
:meth:`Assignments.assign` only adds: a document keeps whoever has it (assigned, or who
started or finished it) and gains annotators until it has as many as asked (the plan is
``annotator/assigning.py``). :meth:`Assignments.clear` removes only assignments not started
(status new and no edit of theirs in the document), so work begun is never taken away.

**Statuses.** Every change of an annotator's status for a document that a caller asks for
(the app's D and S, reopening, an import restoring the status its file recorded) goes through
:meth:`Assignments.set_status`, which records it in ``status_changes`` (before, after, time,
and how: ``app``, ``reopen`` or ``import``). So leaving "done" is always on record.

**The done lock.** A document an annotator marked done refuses that annotator's edits of
spans, questions, codes and suggestions, undo and redo included, until they reopen it
(:class:`~annotator.errors.DocumentLocked`): the check is in :meth:`ChangeLog.begin`, the
one door of every logged edit, so the app, the command line and imports all meet it. The
gold layer is the reviewers' and has no lock. An import follows the same rule with the
project's status as it is before the import: a file may add to a layer that is not marked
done here, and the status it records (an export of ours) is set after its spans and codes,
so importing one's own export restores layer and status; re-importing it once the document
is done here changes nothing in the layer, so it is accepted too; a file that would change a
done layer is refused (reopen it first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import DocumentLocked, ProjectError
from .annotators import GOLD, Annotators
from .connection import Connection
from .database import now

STATUS_VIA = ("app", "reopen", "import")


@dataclass(frozen=True)
class Share:
    """One annotator's assignments: documents and their words (``added`` of them just now)."""

    annotator: str
    documents: int
    words: int
    added: int = 0


@dataclass(frozen=True)
class Progress:
    """How far one annotator is: assigned documents, documents in progress and done (all
    documents, assigned or not), the words of those done, and their newest edit's time."""

    annotator: str
    assigned: int
    in_progress: int
    done: int
    words_done: int
    last_activity: str | None  # ISO time of their newest edit, None before any


@dataclass(frozen=True)
class StatusChange:
    document_id: int
    annotator: str
    before: str
    after: str
    at: str
    via: str


class Assignments:
    """The ``assignments``, ``document_status`` (status column) and ``status_changes`` writer."""

    def __init__(self, connection: Connection, annotators: Annotators) -> None:
        self.connection = connection
        self.annotators = annotators

    # ---- the lock --------------------------------------------------------------------------

    def check_open(self, document_id: int, annotator_id: int) -> None:
        """Refuse an edit of an annotator in a document they marked done (not the gold layer)."""
        if self.status(document_id, annotator_id) != "done":
            return
        name = self.annotators.name(annotator_id)
        if name == GOLD:
            return
        raise DocumentLocked(
            f"document {document_id} is marked done by {name}: reopen it to edit (R in the "
            f"app, or 'annotator reopen {document_id} --as NAME')"
        )

    # ---- statuses --------------------------------------------------------------------------

    def status(self, document_id: int, annotator_id: int | None) -> str:
        if annotator_id is None:
            return "new"
        row = self.connection.db.execute(
            "SELECT status FROM document_status WHERE document_id = ? AND annotator_id = ?",
            [document_id, annotator_id],
        ).fetchone()
        return str(row[0]) if row else "new"

    def set_status(self, document_id: int, annotator_id: int, status: str, via: str) -> None:
        """Set a status (inside the caller's write), recording the change if it is one."""
        assert via in STATUS_VIA
        before = self.status(document_id, annotator_id)
        at = now()
        self.connection.db.execute(
            "INSERT INTO document_status (document_id, annotator_id, status, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET status = excluded.status, "
            "updated_at = excluded.updated_at",
            [document_id, annotator_id, status, at],
        )
        if before != status:
            self.connection.db.execute(
                'INSERT INTO status_changes (document_id, annotator_id, "before", "after", at, '
                "via) VALUES (?, ?, ?, ?, ?, ?)",
                [document_id, annotator_id, before, status, at, via],
            )

    def reopen(self, document_id: int, annotator_id: int) -> None:
        """Take "done" back to "in progress" (inside the caller's write), on record."""
        status = self.status(document_id, annotator_id)
        if status != "done":
            name = self.annotators.name(annotator_id)
            raise ProjectError(
                f"document {document_id} is not marked done by {name} (it is "
                f"{status.replace('_', ' ')}): nothing to reopen"
            )
        self.set_status(document_id, annotator_id, "in_progress", "reopen")

    def history(self, document_id: int | None = None) -> list[StatusChange]:
        where, params = ("WHERE c.document_id = ?", [document_id]) if document_id else ("", [])
        return [
            StatusChange(*row)
            for row in self.connection.db.execute(
                'SELECT c.document_id, a.name, c."before", c."after", c.at, c.via '
                f"FROM status_changes c JOIN annotators a ON a.id = c.annotator_id {where} "
                "ORDER BY c.id",
                params,
            )
        ]

    # ---- assignments -----------------------------------------------------------------------

    def holders(self) -> dict[int, set[str]]:
        """Per document, who has it: assigned, or started or finished it (the gold layer not)."""
        found: dict[int, set[str]] = {}
        for document_id, name in self.connection.db.execute(
            "SELECT s.document_id, a.name FROM assignments s JOIN annotators a "
            "ON a.id = s.annotator_id UNION SELECT s.document_id, a.name FROM document_status s "
            "JOIN annotators a ON a.id = s.annotator_id WHERE s.status != 'new' AND a.name != ?",
            [GOLD],
        ):
            found.setdefault(document_id, set()).add(name)
        return found

    def load(self) -> dict[str, int]:
        """The words assigned to each annotator."""
        return dict(
            self.connection.db.execute(
                "SELECT a.name, sum(d.words) FROM assignments s JOIN annotators a "
                "ON a.id = s.annotator_id JOIN documents d ON d.id = s.document_id GROUP BY a.name"
            ).fetchall()
        )

    def add(self, pairs: Sequence[tuple[int, int]], seed: int | None) -> None:
        """Add (document id, annotator id) assignments, inside the caller's write."""
        at = now()
        self.connection.db.conn.executemany(
            "INSERT OR IGNORE INTO assignments (document_id, annotator_id, assigned_at, seed) "
            "VALUES (?, ?, ?, ?)",
            [(document_id, annotator_id, at, seed) for document_id, annotator_id in pairs],
        )

    def documents(self, annotator_id: int | None) -> list[int]:
        """The documents assigned to an annotator, by id."""
        if annotator_id is None:
            return []
        return [
            row[0]
            for row in self.connection.db.execute(
                "SELECT document_id FROM assignments WHERE annotator_id = ? ORDER BY document_id",
                [annotator_id],
            )
        ]

    def clear(self, annotator_id: int) -> tuple[int, int]:
        """Remove an annotator's assignments they have not started (inside the caller's
        write); how many went and how many stay (started or finished)."""
        db = self.connection.db
        unstarted = (
            "annotator_id = :a AND NOT EXISTS (SELECT 1 FROM document_status s WHERE "
            "s.document_id = assignments.document_id AND s.annotator_id = :a AND "
            "s.status != 'new') AND NOT EXISTS (SELECT 1 FROM edits e WHERE "
            "e.document_id = assignments.document_id AND e.annotator_id = :a)"
        )
        removed = db.execute(f"DELETE FROM assignments WHERE {unstarted}", {"a": annotator_id})
        (kept,) = db.execute(
            "SELECT count(*) FROM assignments WHERE annotator_id = ?", [annotator_id]
        ).fetchone()
        return int(removed.rowcount), int(kept)

    def shares(self, names: Sequence[str], added: dict[str, int]) -> list[Share]:
        """Each named annotator's assigned documents and words."""
        rows = {
            name: (count, words)
            for name, count, words in self.connection.db.execute(
                "SELECT a.name, count(*), sum(d.words) FROM assignments s JOIN annotators a "
                "ON a.id = s.annotator_id JOIN documents d ON d.id = s.document_id "
                "GROUP BY a.name"
            )
        }
        return [Share(name, *rows.get(name, (0, 0)), added=added.get(name, 0)) for name in names]

    def progress(self) -> list[Progress]:
        """Everyone who annotates or is assigned (not the gold layer), by name."""
        db = self.connection.db
        assigned = dict(
            db.execute(
                "SELECT annotator_id, count(*) FROM assignments GROUP BY annotator_id"
            ).fetchall()
        )
        counts: dict[tuple[int, str], tuple[int, int]] = {
            (row[0], row[1]): (row[2], row[3])
            for row in db.execute(
                "SELECT s.annotator_id, s.status, count(*), sum(d.words) FROM document_status s "
                "JOIN documents d ON d.id = s.document_id GROUP BY s.annotator_id, s.status"
            )
        }
        last = dict(
            db.execute(  # a scheme upgrade's renaming is no one's activity
                "SELECT annotator_id, max(at) FROM edits WHERE upgrade_id IS NULL "
                "GROUP BY annotator_id"
            ).fetchall()
        )
        people = db.execute(
            "SELECT id, name FROM annotators a WHERE name != ? AND ("
            "EXISTS (SELECT 1 FROM assignments s WHERE s.annotator_id = a.id) "
            "OR EXISTS (SELECT 1 FROM document_status s WHERE s.annotator_id = a.id) "
            "OR EXISTS (SELECT 1 FROM spans s WHERE s.annotator_id = a.id) "
            "OR EXISTS (SELECT 1 FROM codes c WHERE c.annotator_id = a.id)) ORDER BY name",
            [GOLD],
        ).fetchall()
        return [
            Progress(
                annotator=name,
                assigned=assigned.get(annotator_id, 0),
                in_progress=counts.get((annotator_id, "in_progress"), (0, 0))[0],
                done=counts.get((annotator_id, "done"), (0, 0))[0],
                words_done=counts.get((annotator_id, "done"), (0, 0))[1],
                last_activity=last.get(annotator_id),
            )
            for annotator_id, name in people
        ]
