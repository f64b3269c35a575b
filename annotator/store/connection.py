"""One open project file: its connection and the write transaction every change runs in.

Two things can go wrong under a write that SQLite alone does not report as the user needs:

- the file is deleted or replaced while a process has it open (SQLite then goes on writing
  to the old, unlinked file, and every change is lost when the process ends): each write
  checks, just before it commits, that the file at the project's path is still the one that
  was opened, and refuses with :class:`ProjectGone` otherwise;
- SQLite itself fails (a full disk, an I/O error, a damaged file): the write is rolled back
  and the error becomes one line saying what happened and what to do
  (:func:`describe_failure`).

Many small writes (an import of a thousand files) can share one transaction:
:meth:`Connection.batch` makes each :meth:`Connection.write` a savepoint of it, so a write
that fails is undone whole while the writes before it stay, and :meth:`Batch.save` commits
them all. Should SQLite lose the transaction itself (it may roll a whole transaction back
on a full disk or an I/O error), or the commit fail, :class:`BatchLost` says so: every
write since the last save is gone, and the caller names what they were.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import ProjectError
from .database import write_problem
from .sql import Database


class ProjectGone(ProjectError):
    """The project file was deleted or replaced while it was open: nothing more is saved."""


class BatchLost(ProjectError):
    """A batch's transaction was lost (rolled back by SQLite, or its commit failed): none of
    the writes since the batch was last saved are in the project."""


class Connection:
    """The project's SQLite connection; not thread-safe (open one per thread)."""

    def __init__(self, db: Database, path: Path, *, readonly: bool = False) -> None:
        self.db = db
        self.path = path
        self.readonly = readonly
        self._identity = _identity(path)
        # Run after a rolled-back write: caches that may hold what was just undone.
        self.on_rollback: list[Callable[[], None]] = []
        self._batch: Batch | None = None
        self._writing = False
        # Counts the write transactions begun: what a cache valid for one transaction (which
        # holds the write lock, so nobody else writes meanwhile) compares.
        self.transactions = 0

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
        """One write transaction, taking the write lock up front so it never fails mid-way
        (in a batch: one savepoint of the batch's transaction)."""
        if self.readonly:
            raise ProjectError(
                f"{self.path}: opened read-only; this command cannot change the project"
            )
        conn = self.db.conn
        if self._writing or (conn.in_transaction and self._batch is None):
            raise RuntimeError("nested write transaction")
        if self._batch is not None:
            with self._savepoint():
                yield
            return
        self._begin()
        try:
            self._writing = True
            yield
            self.check_file(writing=True)
            conn.execute("COMMIT")
        except BaseException as error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self._forget()
            if isinstance(error, sqlite3.Error) and is_failure(error):
                raise ProjectError(describe_failure(self.path, error)) from None
            raise
        finally:
            self._writing = False

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        """A write inside a batch: undone whole when it fails, the batch's others kept."""
        conn = self.db.conn
        assert self._batch is not None
        if not conn.in_transaction:
            self._begin()
            self._batch.began = time.monotonic()
        conn.execute("SAVEPOINT write")
        try:
            self._writing = True
            yield
            conn.execute("RELEASE write")
        except BaseException as error:
            lost = not conn.in_transaction  # SQLite rolled the whole transaction back
            if not lost:
                conn.execute("ROLLBACK TO write")
                conn.execute("RELEASE write")
            self._forget()
            if isinstance(error, sqlite3.Error) and is_failure(error):
                if lost:
                    raise BatchLost(_lost(self.path, error)) from None
                raise ProjectError(describe_failure(self.path, error)) from None
            if lost:
                raise BatchLost(f"{self.path}: the transaction was rolled back") from error
            raise
        finally:
            self._writing = False
        self._batch.writes += 1

    @contextmanager
    def batch(self, *, every: int = 100, seconds: float = 1.0) -> Iterator[Batch]:
        """Writes in one transaction, saved when :meth:`Batch.due` says so (module
        docstring). Leaving it saves what is left, also when an error ends it (as separate
        writes would have kept what came before the error)."""
        if self._batch is not None or self.db.conn.in_transaction:
            raise RuntimeError("nested write transaction")
        batch = self._batch = Batch(self, every, seconds)
        try:
            yield batch
        finally:
            try:
                batch.save()
            finally:
                self._batch = None

    def _begin(self) -> None:
        """Begin a write transaction, taking the write lock up front (so that it never fails
        mid-way); one line saying why when it cannot be taken."""
        try:
            self.db.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise ProjectError(describe_failure(self.path, error)) from None
        self.transactions += 1

    def _forget(self) -> None:
        for forget in self.on_rollback:
            forget()

    def data_version(self) -> int:
        """A number that changes whenever another connection commits to the file."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        self.db.close()


class Batch:
    """The transaction of :meth:`Connection.batch`."""

    def __init__(self, connection: Connection, every: int, seconds: float) -> None:
        self._connection = connection
        self._every = every
        self._seconds = seconds
        self.writes = 0  # since the last save
        self.began = time.monotonic()  # when the transaction took the write lock

    def due(self) -> bool:
        """Time to save: ``every`` writes, or ``seconds`` holding the write lock (another
        process waiting to write waits at most that long)."""
        return self.writes >= self._every or (
            self.writes > 0 and time.monotonic() - self.began >= self._seconds
        )

    def save(self) -> None:
        """Commit the writes so far; :class:`BatchLost` (or :class:`ProjectGone`, a
        ProjectError too) when they could not be."""
        connection = self._connection
        conn = connection.db.conn
        self.writes = 0
        if not conn.in_transaction:
            return
        try:
            connection.check_file(writing=True)
            conn.execute("COMMIT")
        except BaseException as error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            connection._forget()
            if isinstance(error, sqlite3.Error) and is_failure(error):
                raise BatchLost(_lost(connection.path, error)) from None
            raise


def _lost(path: Path, error: sqlite3.Error) -> str:
    return describe_failure(path, error).removesuffix("; nothing was changed")


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
