"""Choosing a format, and reading a transcript file with the right importer.

Every format is an entry of the registry in :mod:`annotator.io.formats`, which says which
extensions it may have and how its content is recognised. Detection goes:

- A folder, or a ``.ann`` file, is ``brat`` (see :mod:`annotator.io.brat`).
- A file whose extension one or more formats list is the first of them (in registry order)
  whose content test accepts it; failing that, the format that is the fallback for that
  extension (``.txt`` → ``text``, ``.md`` → ``markdown``, ``.json`` → ``json``, ``.jsonl`` →
  ``prodigy``, ``.xml`` → ``tei`` …), whose importer then says what is wrong; a ``.csv``
  file that is not QEvasion data is refused, saying so. So a ``.txt`` file is SubRip or
  WebVTT by its first lines, an Otter, rev.com, Descript or Hansard transcript when two of
  its lines are that service's speaker lines, else plain text; a ``.json`` file is a span
  format, Label Studio or the native export by its records, else a JSON transcript; a
  ``.xml`` file is ParlParse when its root element is ``<publicwhip>``, else TEI.
- A file with no extension, or one no format lists, goes by content alone, trying every
  format's test in registry order. Failing those, a file without an extension is ``text``;
  one with an unknown extension is refused (pass ``--format``).

After parsing, the documents of a transcript format are checked for missing speakers
(:mod:`annotator.io.checks`): what is found is added to ``ImportedDocument.warnings``, one
line each naming the file.

Importers that match a file's labels to the project's scheme (``qevasion``) are given it:
``read_transcript(..., scheme=project.scheme)``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from annotator.io.checks import check_documents
from annotator.io.common import (
    ImportFailure,
    cannot_read,
    from_file,
    read_transcript_text,
    storable,
)
from annotator.io.formats import FORMATS, IMPORT_FORMATS, ImportFormat
from annotator.io.services import forget_searches
from annotator.model import ImportedDocument
from annotator.scheme import Scheme


def _sniffed(text: str, entries: list[ImportFormat]) -> ImportFormat | None:
    return next((f for f in entries if f.sniff is not None and f.sniff(text)), None)


def detect_format(path: Path, text: str) -> str:
    """The format of a file, by extension and then by content (rules in the module docstring)."""
    suffix = path.suffix.lower()
    listed = [f for f in IMPORT_FORMATS.values() if suffix and suffix in f.extensions]
    if listed:
        found = _sniffed(text, listed) or next(
            (f for f in listed if suffix in f.fallback_for), None
        )
        if found is not None:
            return found.name
        refusal = next((f.refusal for f in listed if f.refusal), None)
        raise ImportFailure(
            str(path),
            refusal or f"the content is none of {', '.join(f.name for f in listed)}",
            place="row 1" if suffix == ".csv" else None,
        )
    found = _sniffed(text, list(IMPORT_FORMATS.values()))
    if found is not None:
        return found.name
    if not suffix:
        return next(f.name for f in IMPORT_FORMATS.values() if "" in f.fallback_for)
    raise ImportFailure(
        str(path),
        f"cannot tell the format of a '{suffix}' file from its content; pass --format with "
        f"one of {', '.join(FORMATS)}",
    )


def read_transcript(
    path: Path,
    format: str | None = None,
    *,
    follow_links: bool = False,
    scheme: Scheme | Callable[[], Scheme] | None = None,
    real: Path | None = None,
) -> list[ImportedDocument]:
    """Read one transcript file into documents, or raise :class:`ImportFailure`.

    The file is read whole and parsed completely before anything is returned, so a
    malformed place anywhere refuses the whole file. ``follow_links`` lets a brat folder's
    files be links that lead out of it (see :mod:`annotator.io.brat`). ``scheme`` is the
    project's, for the formats whose labels are matched to it by name (``qevasion``), or a
    function that gives it, called only for such a format (most imports never need the
    scheme, and reading it costs more than a small file). ``real`` is where the file really
    is, when the caller knows it (a folder's search resolved it): the path stored.

    Each importer refuses what it cannot read with its own message; as a last resort, input
    nested too deeply for Python's recursion limit and a read the system refuses still end
    in an :class:`ImportFailure` naming the file, never a traceback.
    """
    path = path if isinstance(path, Path) else Path(path)
    given = str(path)
    try:
        return _read(path, given, format, follow_links, scheme, real)
    except RecursionError:
        raise ImportFailure(given, "the file is nested too deeply to read") from None
    except OSError as error:
        raise ImportFailure(given, cannot_read(error)) from None
    finally:
        forget_searches()


def _read(
    path: Path,
    given: str,
    format: str | None,
    follow_links: bool,
    scheme: Scheme | Callable[[], Scheme] | None,
    real: Path | None,
) -> list[ImportedDocument]:
    if format is not None and format not in IMPORT_FORMATS:
        raise ImportFailure(given, f"unknown format '{format}'; use one of {', '.join(FORMATS)}")
    # brat is a pair of files (or a folder of pairs): its importer reads them itself.
    by_path = [f for f in IMPORT_FORMATS.values() if f.read_path is not None]
    chosen = IMPORT_FORMATS[format] if format else None
    if (
        path.is_dir()
        or (chosen and chosen.read_path)
        or (chosen is None and any(path.suffix.lower() in f.extensions for f in by_path))
    ):
        reader = chosen if chosen and chosen.read_path else by_path[0]
        if chosen is not None and chosen.read_path is None:
            raise ImportFailure(
                given, f"is a folder; a folder is read as {reader.name} data, not {format}"
            )
        assert reader.read_path is not None
        return reader.read_path(path, follow_links)
    text = read_transcript_text(path, given)
    entry = chosen or IMPORT_FORMATS[detect_format(path, text)]
    assert entry.parse is not None
    if callable(scheme):
        scheme = scheme() if entry.uses_scheme else None
    # Messages name the file as given; the stored path must also encode as UTF-8.
    documents = entry.parse(text, source=given, source_path=storable(given), scheme=scheme)
    documents = from_file(documents, path, given, real)  # stored resolved, shown as typed
    if not entry.speakers:
        return documents
    return check_documents(documents, text, given, entry.name)
