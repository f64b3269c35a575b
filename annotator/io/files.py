"""Which files an import reads: folders searched, README files and links out of a folder skipped.

- A path named directly (on the command line) is read whatever it is, a link included: the
  user chose it.
- A folder holding ``.ann`` files is brat data and is imported whole (see
  :mod:`annotator.io.brat`); any other folder is searched, subfolders included, and its
  files are imported in path order.
- README files that a folder, or a list of several paths, brings in are skipped (name one
  alone to import it).
- **Links.** A link (to a file or a folder) found inside a folder that leads outside that
  folder is skipped with a notice naming the link and its target, unless ``follow_links``
  (``annotator import --follow-links``): otherwise a folder of transcripts could hand over
  any file the user may read (``notes.md`` linked to ``/etc/passwd``). A link that stays
  inside the folder is not read through the link: what it leads to is found there under
  its own name. A followed link is read once however many links lead to it, so links
  cannot make a search go round in a loop. A broken link (or a loop of links) is skipped
  with a notice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from annotator.io.common import cannot_read, display_name


@dataclass(frozen=True)
class Expansion:
    """What to import, and one line for the user about each thing skipped."""

    files: list[Path] = field(default_factory=list)  # files, and brat folders to read whole
    notices: list[str] = field(default_factory=list)
    # Where each file a folder's search found really is (the search resolved it; an import
    # stores that path, so need not resolve it again).
    real: dict[Path, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class Search:
    """The files found in a folder, and the links out of it that were not followed."""

    files: list[Path]
    links_out: list[tuple[Path, Path]]  # (link, where it leads), broken links included
    unreadable: list[tuple[Path, OSError]]  # folders that could not be listed
    real: dict[Path, Path] = field(default_factory=dict)  # each file -> where it really is


def is_brat_folder(path: Path) -> bool:
    """Whether ``path`` is a folder holding ``.ann`` files, to import whole as brat data.

    A folder import must hand such a folder to the brat importer at once: file by file, its
    ``.txt`` files would also be read as plain transcripts and its ``.conf`` files refused.
    """
    return path.is_dir() and next(path.rglob("*.ann"), None) is not None


def real_path(path: Path) -> Path:
    """Where ``path`` really is, every link followed; a broken link or a loop of links gives
    a path that does not exist (``Path.resolve`` raises ``RuntimeError`` on a loop)."""
    return Path(os.path.realpath(path))


def leads_outside(path: Path, folder: Path) -> Path | None:
    """Where ``path`` really is, when links take it outside ``folder``; else ``None``."""
    real = real_path(path)
    return None if real.is_relative_to(real_path(folder)) else real


def search_folder(folder: Path, *, follow_links: bool) -> Search:
    """Every file under ``folder``, following links by the rules in the module docstring."""
    root = real_path(folder)
    searched = {root}  # real folders, so that no link leads the search round again
    files: dict[Path, Path] = {}  # real file -> the path it was found at
    links_out: list[tuple[Path, Path]] = []
    unreadable: list[tuple[Path, OSError]] = []
    pending = [(folder, root)]  # each folder to list, with where it really is
    while pending:
        current, current_real = pending.pop()
        try:
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            unreadable.append((current, error))
            continue
        for found in entries:
            entry = current / found.name
            # The listing tells an entry's kind without a system call; only a link needs
            # following (what is not a link really is where its real folder puts it).
            if found.is_symlink():
                real = real_path(entry)
                if real.is_relative_to(root) and real.exists():
                    continue  # found under its own name
                if not (real.exists() and follow_links):
                    links_out.append((entry, real))
                    continue
                is_dir, is_file = entry.is_dir(), entry.is_file()
            else:
                real = current_real / found.name
                is_dir, is_file = _kind(found)
            if is_dir:
                if real not in searched:
                    searched.add(real)
                    pending.append((entry, real))
            elif is_file:
                files.setdefault(real, entry)
    found_at = {entry: real for real, entry in files.items()}
    return Search(sorted(files.values()), sorted(links_out), unreadable, found_at)


def _kind(entry: os.DirEntry[str]) -> tuple[bool, bool]:
    """Whether a listed entry (not a link) is a folder, and whether it is a file; as
    ``Path.is_dir`` and ``Path.is_file``, neither when it cannot be told."""
    try:
        return entry.is_dir(follow_symlinks=False), entry.is_file(follow_symlinks=False)
    except OSError:
        return False, False


def _link_notice(link: Path, target: Path, folder: Path) -> str:
    if not target.exists():
        return f"skipped {display_name(link)}: a broken link (to {display_name(target)})"
    return (
        f"skipped {display_name(link)}: a link to {display_name(target)}, outside "
        f"{display_name(folder)}; pass --follow-links to import it"
    )


def expand_paths(paths: list[Path], *, follow_links: bool = False) -> Expansion:
    """The files (and brat folders) to import for the paths a user named (rules above)."""
    expansion = Expansion()
    for path in paths:
        if is_brat_folder(path):
            expansion.files.append(path)
            continue
        if not path.is_dir():
            found = [path]
        else:
            search = search_folder(path, follow_links=follow_links)
            found = search.files
            expansion.real.update(search.real)
            expansion.notices.extend(
                _link_notice(link, target, path) for link, target in search.links_out
            )
            expansion.notices.extend(
                f"skipped {display_name(folder)}: {cannot_read(error)}"
                for folder, error in search.unreadable
            )
        for file in found:
            if file.stem.lower() == "readme" and (path.is_dir() or len(paths) > 1):
                expansion.notices.append(
                    f"skipped {display_name(file)}: a README, not a transcript (name it alone "
                    "to import it)"
                )
            else:
                expansion.files.append(file)
    return expansion
