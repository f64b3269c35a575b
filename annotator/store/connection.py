"""One open project file: its connection and the write transaction every change runs in.

Two things can go wrong under a write that SQLite alone does not report as the user needs:

- the file is deleted or replaced while a process has it open (SQLite then goes on writing
  to the old, unlinked file, and every change is lost when the process ends): each write
  checks, just before it commits, that the file at the project's path is still the one that
  was opened, and refuses with :class:`ProjectGone` otherwise;
- SQLite itself fails (a full disk, an I/O error, a damaged file): the write is rolled back
  and the error becomes one line saying what happened and what to do
  (:func:`describe_failure`).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import ProjectError
from .database import write_problem
from .sql import Database


class ProjectGone(ProjectError):
    """The project file was deleted or replaced while it was open: nothing more is saved."""


class Connection:
    """The project's SQLite connection; not thread-safe (open one per thread)."""

    def __init__(self, db: Database, path: Path, *, readonly: bool = False) -> None:
        self.db = db
        self.path = path
        self.readonly = readonly
        self._identity = _identity(path)
        # Run after a rolled-back write: caches that may hold what was just undone.
        self.on_rollback: list[Callable[[], None]] = []

    def check_file(self, *, writing: bool = False) -> None:
        """Refuse to go on if the project file is no longer the one this connection opened."""
        current = _identity(self.path)
        if current != self._identity:
            what = "deleted" if current is None else "replaced by another file"
            lost = (
                "this change was not saved, and nothing more can be"
                if writing
                else "nothing more can be saved"
            )
            raise ProjectGone(
                f"{self.path}: the project file was {what} while it was open here; {lost}: "
                "restore the file (or its backup) and open it again"
            )

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
            raise ProjectError(describe_failure(self.path, error)) from None
        try:
            yield
            self.check_file(writing=True)
            conn.execute("COMMIT")
        except BaseException as error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for forget in self.on_rollback:
                forget()
            if isinstance(error, sqlite3.Error) and is_failure(error):
                raise ProjectError(describe_failure(self.path, error)) from None
            raise

    def data_version(self) -> int:
        """A number that changes whenever another connection commits to the file."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        self.db.close()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def is_failure(error: sqlite3.Error) -> bool:
    """SQLite failing (disk, file, locks), as opposed to a query that is wrong (a bug)."""
    return type(error) in (sqlite3.OperationalError, sqlite3.DatabaseError)


def describe_failure(path: Path, error: sqlite3.Error) -> str:
    """One line on what went wrong in SQLite and what to do; nothing was changed."""
    text = str(error)
    if "readonly" in text or "read-only" in text:
        return write_problem(path) or f"{path}: the project cannot be written ({text})"
    if "disk is full" in text or "database or disk is full" in text:
        reason = "the disk is full: free some space and try again"
    elif "malformed" in text or "not a database" in text:
        reason = (
            "the project file is damaged: restore it from a backup (sqlite3's .recover "
            "command may save what is left)"
        )
    elif "I/O error" in text:
        reason = "the disk reported an input/output error: check the disk and try again"
    elif "locked" in text or "busy" in text:
        reason = (
            "another process held the project's write lock for too long: try again (or "
            "find the stuck process)"
        )
    else:
        reason = f"SQLite refused the operation ({text})"
    return f"{path}: {reason}; nothing was changed"
