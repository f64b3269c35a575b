"""Choosing a format, and reading a transcript file with the right importer.

Detection goes by extension first, then by content:

- ``.md``/``.markdown`` → ``markdown``; ``.srt`` → ``srt``; ``.vtt`` → ``vtt``;
  ``.xml``/``.tei`` → ``tei``.
- ``.txt`` → ``srt`` or ``vtt`` if the content is a subtitle file, else ``text``.
- ``.json`` → ``json``, unless the content is JSONL (one object per line) or a single span
  record, which makes it ``prodigy`` or ``doccano``. ``.jsonl`` → ``prodigy`` or
  ``doccano`` by content (see :mod:`annotator.io.span_jsonl`), or ``annotator-jsonl`` when
  the first line is a native export record (``text``, ``spans`` and ``turns`` or
  ``scheme``; see :mod:`annotator.io.annotator_jsonl`), also for ``.json`` and no extension.
- Other extensions, and none, go by content: ``WEBVTT`` first line → ``vtt``; a number line
  then a ``-->`` timing line → ``srt``; one JSON value → ``json``; one JSON object per line
  → ``prodigy``/``doccano``; XML whose root element is ``TEI`` or ``teiCorpus`` → ``tei``.
  Failing those, a file without an extension is ``text``; a file with an unknown extension
  is refused (pass ``--format``).
- ``.ann`` → ``brat`` (with the ``.txt`` beside it), and so is a folder: every ``.ann`` in it
  (see :mod:`annotator.io.brat`). A ``.json`` (or extension-less) file whose top level is a
  list of objects with ``data`` and ``annotations`` → ``labelstudio``
  (see :mod:`annotator.io.labelstudio`).
- ``.csv`` → ``qevasion`` when its header has ``interview_question``, ``interview_answer``
  and ``question`` (see :mod:`annotator.io.qevasion`); any other CSV is refused, saying so.

Importers that match a file's labels to the project's scheme (``qevasion``) are given it:
``read_transcript(..., scheme=project.scheme)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from annotator.io.annotator_jsonl import FORMAT as NATIVE_JSONL
from annotator.io.annotator_jsonl import (
    is_native_record,
    parse_annotator_jsonl,
    sniff_native_jsonl,
)
from annotator.io.brat import parse_brat
from annotator.io.common import (
    FORMATS,
    ImportFailure,
    cannot_read,
    decode_json,
    read_transcript_text,
    storable,
)
from annotator.io.json_transcripts import parse_json
from annotator.io.labelstudio import is_labelstudio, parse_labelstudio
from annotator.io.qevasion import FORMAT as QEVASION
from annotator.io.qevasion import is_qevasion_header, parse_qevasion
from annotator.io.span_jsonl import parse_span_jsonl, record_style, sniff_span_format
from annotator.io.subtitles import parse_srt, parse_vtt
from annotator.io.tei import parse_tei
from annotator.io.text import parse_text
from annotator.model import ImportedDocument
from annotator.scheme import Scheme

_BY_EXTENSION = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".srt": "srt",
    ".vtt": "vtt",
    ".xml": "tei",
    ".tei": "tei",
    ".ann": "brat",
}
_SRT_START_RE = re.compile(r"\A\s*\d+[ \t]*\r?\n[^\n]*-->")
_VTT_START_RE = re.compile(r"\AWEBVTT(?:[ \t\r\n]|\Z)")
# Skip the prolog (declaration, comments, processing instructions, DOCTYPE), then the root.
_XML_ROOT_RE = re.compile(
    r"\A\s*(?:(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)\s*)*<(?:[\w.-]+:)?(TEI|teiCorpus)[\s>/]",
    re.DOTALL,
)


def _sniff_json(text: str) -> str | None:
    """``json``, ``prodigy`` or ``doccano`` if ``text`` is JSON or JSONL, else ``None``."""
    try:
        value = decode_json(text)
    except (ValueError, RecursionError):
        return (NATIVE_JSONL if sniff_native_jsonl(text) else None) or sniff_span_format(text)
    if is_native_record(value):
        return NATIVE_JSONL  # a one-line native export
    if is_labelstudio(value):
        return "labelstudio"
    if isinstance(value, dict) and "text" in value and record_style(value):
        return record_style(value)  # a one-line span file
    return "json"


def _sniff(text: str) -> str | None:
    if _VTT_START_RE.match(text):
        return "vtt"
    if _SRT_START_RE.match(text):
        return "srt"
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        return _sniff_json(text)
    if stripped.startswith("<") and _XML_ROOT_RE.match(text):
        return "tei"
    return None


def detect_format(path: Path, text: str) -> str:
    """The format of a file, by extension and then by content (rules in the module docstring)."""
    suffix = path.suffix.lower()
    if suffix in _BY_EXTENSION:
        return _BY_EXTENSION[suffix]
    if suffix == ".txt":
        subtitle = (
            "vtt" if _VTT_START_RE.match(text) else "srt" if _SRT_START_RE.match(text) else None
        )
        return subtitle or "text"
    if suffix == ".json":
        return _sniff_json(text) or "json"  # a JSON error is reported by the JSON importer
    if suffix == ".jsonl":
        if sniff_native_jsonl(text):
            return NATIVE_JSONL
        return sniff_span_format(text) or "prodigy"  # bad lines are reported line by line
    if suffix == ".csv":
        if is_qevasion_header(text):
            return QEVASION
        raise ImportFailure(
            str(path),
            "a CSV file is read as QEvasion data, whose header names the columns "
            "interview_question, interview_answer and question; this one does not",
            place="row 1",
        )
    found = _sniff(text)
    if found:
        return found
    if not suffix:
        return "text"
    raise ImportFailure(
        str(path),
        f"cannot tell the format of a '{suffix}' file from its content; pass --format with "
        f"one of {', '.join(FORMATS)}",
    )


def _parser(fmt: str, scheme: Scheme | None) -> Callable[[str, str, str], list[ImportedDocument]]:
    if fmt == QEVASION:
        return lambda text, source, given: parse_qevasion(
            text, source=source, source_path=given, scheme=scheme
        )
    if fmt in ("text", "markdown"):
        return lambda text, source, given: parse_text(
            text, source=source, source_path=given, format=fmt
        )
    if fmt == NATIVE_JSONL:
        return lambda text, source, given: parse_annotator_jsonl(
            text, source=source, source_path=given
        )
    if fmt in ("prodigy", "doccano"):
        return lambda text, source, given: parse_span_jsonl(
            text, source=source, source_path=given, format=fmt
        )
    simple = {
        "srt": parse_srt,
        "vtt": parse_vtt,
        "json": parse_json,
        "tei": parse_tei,
        "labelstudio": parse_labelstudio,
    }
    parse = simple[fmt]
    return lambda text, source, given: parse(text, source=source, source_path=given)


def read_transcript(
    path: Path,
    format: str | None = None,
    *,
    follow_links: bool = False,
    scheme: Scheme | None = None,
) -> list[ImportedDocument]:
    """Read one transcript file into documents, or raise :class:`ImportFailure`.

    The file is read whole and parsed completely before anything is returned, so a
    malformed place anywhere refuses the whole file. ``follow_links`` lets a brat folder's
    files be links that lead out of it (see :mod:`annotator.io.brat`). ``scheme`` is the
    project's, for the formats whose labels are matched to it by name (``qevasion``).

    Each importer refuses what it cannot read with its own message; as a last resort, input
    nested too deeply for Python's recursion limit and a read the system refuses still end
    in an :class:`ImportFailure` naming the file, never a traceback.
    """
    path = Path(path)
    given = str(path)
    try:
        return _read(path, given, format, follow_links, scheme)
    except RecursionError:
        raise ImportFailure(given, "the file is nested too deeply to read") from None
    except OSError as error:
        raise ImportFailure(given, cannot_read(error)) from None


def _read(
    path: Path, given: str, format: str | None, follow_links: bool, scheme: Scheme | None
) -> list[ImportedDocument]:
    if format is not None and format not in FORMATS:
        raise ImportFailure(given, f"unknown format '{format}'; use one of {', '.join(FORMATS)}")
    # brat is a pair of files (or a folder of pairs): its importer reads them itself.
    if path.is_dir() or format == "brat" or (format is None and path.suffix.lower() == ".ann"):
        if format not in (None, "brat"):
            raise ImportFailure(given, f"is a folder; a folder is read as brat data, not {format}")
        return parse_brat(path, follow_links=follow_links)
    text = read_transcript_text(path, given)
    fmt = format or detect_format(path, text)
    # Messages name the file as given; the stored path must also encode as UTF-8.
    return _parser(fmt, scheme)(text, given, storable(given))
