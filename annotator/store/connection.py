"""One open project file: its connection and the write transaction every change runs in."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from ..errors import ProjectError
from .database import write_problem


class Connection:
    """The project's SQLite connection; not thread-safe (open one per thread)."""

    def __init__(self, db: Database, path: Path, *, readonly: bool = False) -> None:
        self.db = db
        self.path = path
        self.readonly = readonly
        # Run after a rolled-back write: caches that may hold what was just undone.
        self.on_rollback: list[Callable[[], None]] = []

    @contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction, taking the write lock up front so it never fails mid-way."""
        if self.readonly:
            raise ProjectError(
                f"{self.path}: opened read-only; this command cannot change the project"
            )
        conn = self.db.conn
        if conn.in_transaction:
            raise RuntimeError("nested write transaction")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise ProjectError(self._write_failure(error)) from None
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            for forget in self.on_rollback:
                forget()
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.OperationalError as error:
            conn.execute("ROLLBACK")
            for forget in self.on_rollback:
                forget()
            raise ProjectError(self._write_failure(error)) from None

    def _write_failure(self, error: sqlite3.OperationalError) -> str:
        problem = write_problem(self.path)
        if problem:
            return problem
        return f"{self.path}: the change was not saved ({error}); nothing was changed"

    def data_version(self) -> int:
        """A number that changes whenever another connection commits to the file."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        self.db.close()
