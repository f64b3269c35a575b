"""Opening the project's SQLite file: location, connection settings, schema upgrades.

Several processes may share one file: WAL mode plus a busy timeout serialise their writes,
and every write transaction starts with ``BEGIN IMMEDIATE`` so it never fails half-way.

The file must be on a local disk: SQLite's WAL mode shares an index in memory between the
processes that use the file, which a network file system (NFS, SMB/CIFS, SSHFS and other
FUSE network mounts) cannot give, and its locks are unreliable there, so writes can be lost
or the file damaged. :func:`connect` refuses such a file (Linux: ``/proc/self/mounts`` names
the file system) unless ``$ANNOTATOR_ALLOW_NETWORK_FS`` is set (``annotator
--allow-network-fs``): a team shares the project by working on the host that holds it.

A project can also be opened read-only (``readonly=True``, for commands that only read).
That works on a file or in a folder the user may not write: SQLite's read-only mode first,
and where even that needs to write (a WAL file's shared-memory index in a read-only folder),
the file is read as immutable, which is exact once no other process has unsaved changes in
its ``-wal`` file (checked).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from ..errors import ProjectError
from .migrations import migrations
from .sql import Database

DEFAULT_DB_NAME = "annotations.db"
DB_ENV_VAR = "ANNOTATOR_DB"
BUSY_TIMEOUT_SECONDS = 30.0

READ_ONLY_COMMANDS = "status, documents, annotators, export and agreement"
ALLOW_NETWORK_FS_ENV_VAR = "ANNOTATOR_ALLOW_NETWORK_FS"
# File system types whose locking and shared memory SQLite's WAL mode cannot rely on.
NETWORK_FILE_SYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph",
    "glusterfs", "lustre", "gpfs", "davfs", "sshfs", "fuse.sshfs", "fuse.rclone", "fuse.s3fs",
    "fuse.gcsfuse", "fuse.glusterfs", "fuse.davfs2", "fuse.cephfs",
})  # fmt: skip
MOUNTS = Path("/proc/self/mounts")


def resolve_db_path(option: str | os.PathLike[str] | None = None) -> Path:
    """``--db`` wins, then ``$ANNOTATOR_DB``, then ``annotations.db`` in the current directory."""
    return Path(option or os.environ.get(DB_ENV_VAR) or DEFAULT_DB_NAME)


def project_files(path: Path) -> list[Path]:
    """The project file and the journal files SQLite keeps beside it."""
    return [path, *(Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal"))]


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def write_problem(path: Path) -> str | None:
    """Why this process cannot write the project at ``path`` (or create it), or None."""
    folder = path.absolute().parent
    if path.exists() and not os.access(path, os.W_OK):
        return (
            f"{path}: the project file is read-only; make it writable (chmod u+w) to change "
            f"it; {READ_ONLY_COMMANDS} work on it as it is"
        )
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        if not path.exists():
            return (
                f"{path}: the folder {folder} is read-only; make it writable, or create the "
                "project in a folder you can write (--db PATH)"
            )
        return (
            f"{path}: the folder {folder} is read-only, and SQLite writes its journal files "
            "beside the project; make the folder writable, or copy the project to a folder "
            f"you can write ({READ_ONLY_COMMANDS} work as it is)"
        )
    return None


def network_file_system(path: Path, mounts: Path | None = None) -> str | None:
    """The type of the network file system holding ``path`` ("nfs4", "fuse.sshfs"), or None
    for a local one (or where the system does not say: no ``/proc``)."""
    try:
        table = (mounts or MOUNTS).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    folder = str(path.absolute().parent.resolve())
    best, kind = "", ""
    for line in table.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        # Spaces and the like in a mount point are written as octal escapes (\040).
        point = fields[1].encode("latin-1", "replace").decode("unicode_escape", "replace")
        inside = folder == point or folder.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind if kind in NETWORK_FILE_SYSTEMS else None


def _refuse_network_fs(path: Path) -> None:
    if os.environ.get(ALLOW_NETWORK_FS_ENV_VAR):
        return
    kind = network_file_system(path)
    if kind:
        raise ProjectError(
            f"{path}: the project is on a network file system ({kind}), where SQLite cannot "
            "share it safely between processes (writes can be lost); run annotator on the "
            "host that holds the file (ssh -t HOST annotator, or annotator serve there), or "
            "pass --allow-network-fs if only this one process will ever use it"
        )


def connect(path: Path, *, create: bool, readonly: bool = False) -> Database:
    """Open the file with WAL, foreign keys and a busy timeout, migrating it if needed.

    A file that is not an annotator project, was written by a newer version of the tool, or
    lies on a network file system, is refused before anything is written to it.
    """
    _refuse_network_fs(path)
    if readonly:
        return _connect_readonly(path, upgrade=True)
    problem = write_problem(path)
    if problem:
        raise ProjectError(problem)
    # Autocommit at the driver level: every transaction here is an explicit BEGIN.
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    with _closed_on_failure(conn, path):
        db = Database(conn)
        applied = _check_schema(db, path, create=create)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = wal")
        # Durable against a killed process in WAL mode; only a power cut loses the last commit.
        conn.execute("PRAGMA synchronous = NORMAL")
        if applied != _known():
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
    return db


@contextmanager
def _closed_on_failure(conn: sqlite3.Connection, path: Path) -> Iterator[None]:
    """Close a connection that could not be set up; a damaged file says so in one line."""
    try:
        yield
    except sqlite3.DatabaseError as error:
        conn.close()
        raise ProjectError(f"{path}: not a project database ({error})") from None
    except BaseException:
        conn.close()
        raise


def _known() -> set[str]:
    return migrations.names()


def _check_schema(db: Database, path: Path, *, create: bool) -> set[str]:
    """The migrations applied to the file; refuses a file that is not a project or is newer."""
    applied = set(migrations.applied(db))
    if not create and not applied:
        raise ProjectError(f"{path}: not an annotator project; choose another --db")
    if applied - _known():
        raise ProjectError(
            f"{path}: written by a newer version of annotator (schema "
            f"{', '.join(sorted(applied - _known()))}); upgrade annotator to open it"
        )
    return applied


def _connect_readonly(path: Path, *, upgrade: bool) -> Database:
    """Open for reading only. A file an older version wrote is upgraded first where this
    process may write it (as any writing command would), so that reading commands keep working
    after the tool is upgraded; elsewhere it is refused with the way out."""
    uri = "file:" + quote(str(path.resolve()))
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        # Read-only mode still needs the WAL index file beside the project; in a folder the
        # user may not write, read the file as it is, unless a -wal file holds changes that
        # are not in it yet.
        conn.close()
        wal = Path(f"{path}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise ProjectError(
                f"{path}: {wal.name} holds changes not yet in the project file, and the "
                "folder is read-only so they cannot be read; open the project once where it "
                "can be written (any command), or copy the folder elsewhere"
            ) from None
        conn = sqlite3.connect(f"{uri}?immutable=1", uri=True)
    with _closed_on_failure(conn, path):
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        db = Database(conn)
        if _check_schema(db, path, create=False) != _known():
            if not upgrade or write_problem(path):
                raise ProjectError(
                    f"{path}: written by an older version of annotator, and upgrading it needs "
                    "write access; make the file and its folder writable (or copy the project "
                    "to a folder you can write) and run the command again"
                )
            conn.close()
            connect(path, create=False).close()
            return _connect_readonly(path, upgrade=False)
    return db
