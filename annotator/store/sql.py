"""The project's SQLite connection as the store uses it: ``execute``, ``executemany``, ``conn``.

The store only ever runs SQL on the connection, so it holds this thin wrapper rather than a
``sqlite_utils.Database``: importing sqlite-utils costs every command about a third of a
second, and more than that again once pandas and numpy are installed (it imports both at
module level whenever they are, for its column types). sqlite-utils is still what applies the
schema's migrations (:mod:`annotator.store.migrations`), and any other part of its API is
there on demand: an attribute this class does not define is looked up on a
``sqlite_utils.Database`` over the same connection, made (and sqlite-utils imported) the first
time one is asked for.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

Parameters = Sequence[Any] | Mapping[str, Any]


class Database:
    """One SQLite connection; statements run on it as they are (no implicit commits)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._full: sqlite_utils.Database | None = None
        # As sqlite_utils.Database does on every connection it wraps, so that the store
        # behaves the same whichever of the two opened the file.
        conn.execute("PRAGMA recursive_triggers = on")

    def execute(self, sql: str, parameters: Parameters | None = None) -> sqlite3.Cursor:
        if parameters is None:
            return self.conn.execute(sql)
        return self.conn.execute(sql, parameters)

    def executemany(self, sql: str, rows: Iterable[Parameters]) -> sqlite3.Cursor:
        return self.conn.executemany(sql, rows)

    def table_names(self) -> list[str]:
        return [
            row[0]
            for row in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid"
            )
        ]

    def table_exists(self, name: str) -> bool:
        found = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]
        ).fetchone()
        return found is not None

    def close(self) -> None:
        self.conn.close()

    @property
    def full(self) -> sqlite_utils.Database:
        """sqlite-utils' ``Database`` over this connection (imported on first use)."""
        if self._full is None:
            from sqlite_utils import Database as FullDatabase

            self._full = FullDatabase(self.conn)
        return self._full

    def __getitem__(self, table: str) -> Any:
        return self.full[table]

    def __getattr__(self, name: str) -> Any:
        # Only reached for names this class does not define: sqlite-utils' API.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.full, name)
