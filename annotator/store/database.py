"""Opening the project's SQLite file: location, connection settings, schema upgrades.

Several processes may share one file: WAL mode plus a busy timeout serialise their writes,
and every write transaction starts with ``BEGIN IMMEDIATE`` so it never fails half-way.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database

from .migrations import migrations

DEFAULT_DB_NAME = "annotations.db"
DB_ENV_VAR = "ANNOTATOR_DB"
BUSY_TIMEOUT_SECONDS = 30.0


class ProjectError(Exception):
    """A problem the user can fix; its message is one line that says how."""


def resolve_db_path(option: str | os.PathLike[str] | None = None) -> Path:
    """``--db`` wins, then ``$ANNOTATOR_DB``, then ``annotations.db`` in the current directory."""
    return Path(option or os.environ.get(DB_ENV_VAR) or DEFAULT_DB_NAME)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def message_of(error: BaseException) -> str:
    # KeyError's str() adds quotes around its message.
    return error.args[0] if isinstance(error, KeyError) and error.args else str(error)


def connect(path: Path, *, create: bool) -> Database:
    """Open the file with WAL, foreign keys and a busy timeout, migrating it if needed.

    A file that is not an annotator project, or was written by a newer version of the tool,
    is refused before anything is written to it.
    """
    # Autocommit at the driver level: every transaction here is an explicit BEGIN.
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        db = Database(conn)
        known = [m.name for m in migrations._migrations]
        applied = {m.name for m in migrations.applied(db)}
        if not create and not applied:
            raise ProjectError(f"{path}: not an annotator project; choose another --db")
        if applied - set(known):
            raise ProjectError(
                f"{path}: written by a newer version of annotator (schema "
                f"{', '.join(sorted(applied - set(known)))}); upgrade annotator to open it"
            )
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            db.enable_wal()
        # Durable against a killed process in WAL mode; only a power cut loses the last commit.
        conn.execute("PRAGMA synchronous = NORMAL")
        if applied != set(known):
            # Under the write lock, so two processes never migrate at once; the migrations'
            # own transactions become savepoints inside this one. Foreign keys are switched
            # on afterwards so that a table rebuild in a migration is not blocked.
            conn.execute("BEGIN IMMEDIATE")
            try:
                migrations.apply(db)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as error:
        conn.close()
        raise ProjectError(f"{path}: not a project database ({error})") from None
    except BaseException:
        conn.close()
        raise
    return db
