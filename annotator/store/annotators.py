"""Annotators by name and id. The gold layer is the reserved annotator :data:`GOLD`."""

from __future__ import annotations

from ..errors import ProjectError
from .connection import Connection
from .database import now

GOLD = "gold"


class Annotators:
    """The ``annotators`` table, with names and ids cached (a name changes only by
    :meth:`rename`, which clears the cache; another process's rename is seen on reopening)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._ids: dict[str, int] = {}
        self._names: dict[int, str] = {}
        connection.on_rollback.append(self._forget)

    def _forget(self) -> None:
        # A rolled-back write may have added an annotator that no longer exists.
        self._ids.clear()
        self._names.clear()

    def id(self, name: str, *, create: bool = True) -> int:
        name = name.strip()
        if not name:
            raise ProjectError("an annotator name cannot be empty")
        found = self.find(name)
        if found is not None:
            return found
        if not create:
            raise ProjectError(f"no annotator called {name!r} in this project")
        db = self.connection.db
        # OR IGNORE: another process may have added the same name meanwhile.
        db.execute(
            "INSERT OR IGNORE INTO annotators (name, created_at) VALUES (?, ?)", [name, now()]
        )
        found = self.find(name)
        assert found is not None
        return found

    def find(self, name: str) -> int | None:
        """The annotator's id, or None when nobody of that name has worked on the project."""
        if name in self._ids:
            return self._ids[name]
        row = self.connection.db.execute(
            "SELECT id FROM annotators WHERE name = ?", [name]
        ).fetchone()
        if row is None:
            return None
        self._ids[name], self._names[row[0]] = row[0], name
        return int(row[0])

    def name(self, annotator_id: int) -> str:
        if annotator_id not in self._names:
            row = self.connection.db.execute(
                "SELECT name FROM annotators WHERE id = ?", [annotator_id]
            ).fetchone()
            if row is None:
                raise ProjectError(f"no annotator with id {annotator_id}")
            self._names[annotator_id] = row[0]
        return self._names[annotator_id]

    def names(self) -> list[str]:
        """Everyone who annotates, by name: who has opened a document, or has spans or codes
        of their own. The gold layer is the reviewers', not an annotator; and someone who
        only ran a command that edits the shared questions (``questions propose``) is named
        in the change log, not counted as an annotator."""
        return [
            row[0]
            for row in self.connection.db.execute(
                "SELECT name FROM annotators a WHERE name != ? AND ("
                "EXISTS (SELECT 1 FROM document_status s WHERE s.annotator_id = a.id) "
                "OR EXISTS (SELECT 1 FROM spans s WHERE s.annotator_id = a.id) "
                "OR EXISTS (SELECT 1 FROM codes c WHERE c.annotator_id = a.id)) ORDER BY name",
                [GOLD],
            )
        ]

    def rename(self, old: str, new: str) -> None:
        """Give an annotator another name, keeping everything of theirs (one row changes:
        spans, codes, statuses and edits refer to the id). Inside the caller's write
        transaction. Refuses the reserved name, an unknown ``old`` and a ``new`` in use.

        Names written as text stay as they were when written: the reviewer named in an
        edit (``edits.reviewer``) and the annotators a gold span's provenance names.
        """
        old, new = old.strip(), new.strip()
        if not new:
            raise ProjectError("an annotator name cannot be empty")
        if GOLD in (old, new):
            raise ProjectError(
                f"{GOLD!r} is the reviewers' layer, not an annotator: it cannot be renamed, "
                "and no annotator can take its name"
            )
        annotator_id = self.find(old)
        if annotator_id is None:
            raise ProjectError(f"no annotator called {old!r} in this project")
        if self.find(new) is not None:
            raise ProjectError(f"there is already an annotator called {new!r}; choose another name")
        self.connection.db.execute(
            "UPDATE annotators SET name = ? WHERE id = ?", [new, annotator_id]
        )
        self._forget()

    def started(self, document_id: int, annotator_id: int) -> None:
        """A document an annotator has labelled or coded in is at least in progress (the
        gold layer has no progress of its own)."""
        if self.name(annotator_id) == GOLD:
            return
        self.connection.db.execute(
            "INSERT INTO document_status (document_id, annotator_id, status, updated_at) "
            "VALUES (?, ?, 'in_progress', ?) ON CONFLICT DO UPDATE SET "
            "status = 'in_progress', updated_at = excluded.updated_at WHERE status = 'new'",
            [document_id, annotator_id, now()],
        )
