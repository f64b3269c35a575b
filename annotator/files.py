"""Writing files so that a reader never sees half of one: the only way the tool writes files.

Everything the tool writes outside the project database (exports, their configs, the user's
settings) is first written in full beside its target, flushed to disk (``fsync``), and then
renamed over it, which the operating system does in one step. A crash, a kill or a full disk
therefore leaves either the previous file or the new one, never a cut-down file that still
parses. A folder (a brat export) is built beside its target and swapped in.

:func:`atomic_write` writes one file; :class:`Staging` lets a writer that produces several
files (one per annotator, a table beside another, a folder) write them under their final
names in a private folder next to the target, and then puts them all in place.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import AnnotatorError

_PREFIX = ".annotator-"


class OutputError(AnnotatorError):
    """An output path that must not be written (the project itself, an existing file...)."""


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` in one step (text as UTF-8)."""
    content = data.encode("utf-8") if isinstance(data, str) else data
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f"{_PREFIX}{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


class Staging:
    """Files and folders written under a private folder beside their targets, put in place
    together by :meth:`commit` (or removed by :meth:`discard`).

    ``protected`` paths (the project database and its journal files) are never written;
    an existing target is replaced only when ``force`` is true.
    """

    def __init__(self, *, force: bool = False, protected: Iterable[Path] = ()) -> None:
        self.force = force
        self.protected = {_identity(path) for path in protected}
        # The absolute target folder -> (that folder as the caller named it, its staging folder).
        self._folders: dict[Path, tuple[Path, Path]] = {}
        self._named: list[Path] = []  # targets asked for by name, listed first at commit

    def check(self, target: Path) -> None:
        """Refuse a target that must not be written, before anything is."""
        if _identity(target) in self.protected:
            raise OutputError(
                f"{target}: that is the project database (or one of its journal files); "
                "writing there would destroy the project: choose another output path"
            )
        if target.exists() and not self.force:
            raise OutputError(
                f"{target}: already exists; pass --force to replace it, or choose another "
                "output path"
            )

    def path(self, target: Path) -> Path:
        """Where to write ``target`` (a file or a folder) now. Files a writer puts beside the
        returned path also land beside ``target`` at commit."""
        self.check(target)
        parent = Path(os.path.abspath(target)).parent
        if parent not in self._folders:
            if not parent.is_dir():
                raise OutputError(f"{target}: the folder {target.parent} does not exist")
            folder = Path(tempfile.mkdtemp(dir=parent, prefix=f"{_PREFIX}staging-"))
            self._folders[parent] = (target.parent, folder)
        self._named.append(target)
        return self._folders[parent][1] / target.name

    def commit(self) -> list[Path]:
        """Put every staged file and folder in place; the targets written, in order."""
        moves = sorted(
            (
                (entry, named / entry.name)
                for named, folder in self._folders.values()
                for entry in folder.iterdir()
            ),
            key=lambda move: (self._rank(move[1]), str(move[1])),
        )
        for _, target in moves:
            self.check(target)  # files a writer added beside its output, checked now
        for staged, _ in moves:
            _sync_tree(staged)
        for staged, target in moves:
            if staged.is_dir() and target.exists():
                # Swap a folder in: the old one steps aside into the staging folder (gone with
                # it), the new one takes its name.
                target.rename(staged.parent / f"{_PREFIX}replaced-{target.name}")
            _move(staged, target)
        for parent in self._folders:
            _sync_folder(parent)
        self.discard()
        return [target for _, target in moves]

    def _rank(self, target: Path) -> int:
        return self._named.index(target) if target in self._named else len(self._named)

    def discard(self) -> None:
        """Remove whatever was staged (and the folders an export replaced)."""
        for _, folder in self._folders.values():
            shutil.rmtree(folder, ignore_errors=True)
        self._folders.clear()


@contextmanager
def staged(*, force: bool = False, protected: Iterable[Path] = ()) -> Iterator[Staging]:
    """A :class:`Staging` discarded if the block fails; the caller commits on success."""
    staging = Staging(force=force, protected=protected)
    try:
        yield staging
    finally:
        staging.discard()


def _identity(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _move(staged: Path, target: Path) -> None:
    try:
        os.replace(staged, target)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        # Another file system (a --config-out elsewhere): copy beside the target, then rename.
        copy = target.parent / f"{_PREFIX}{target.name}.copy"
        shutil.copy2(staged, copy)
        _sync_tree(copy)
        os.replace(copy, target)


def _sync_tree(path: Path) -> None:
    """fsync a file, or every file of a folder and the folders themselves."""
    if path.is_dir():
        for root, _, files in os.walk(path):
            for name in files:
                _sync_file(Path(root) / name)
            _sync_folder(Path(root))
    else:
        _sync_file(path)


def _sync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _sync_folder(folder: Path) -> None:
    # A rename is durable once the folder holding it is synced (POSIX); not possible on Windows.
    if os.name == "nt":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
