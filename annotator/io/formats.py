"""The importers' registry: one :class:`ImportFormat` per format, in :data:`IMPORT_FORMATS`.

Detection (:func:`annotator.io.detect.detect_format`), the command line's ``--format``
choices and the README's "Transcript formats" table (a test checks that it lists every
entry) all follow this registry, so adding a format means adding its module, one entry
here and its row in the README. An entry says:

- ``extensions``: the file extensions the format may have. A file with one of them is one of
  the formats that list it: the first (in registry order) whose content ``sniff`` accepts
  it, else the one whose ``fallback_for`` lists the extension (its importer then says what
  is wrong), else the file is refused with the format's ``refusal``.
- ``sniff``: a test of the content, also used, in registry order, for a file with no
  extension or an unknown one. A file with no extension that nothing recognises is ``text``.
- ``parse``: ``parse(text, source=..., source_path=..., scheme=...)`` returns the documents
  (``source`` is the name for messages, ``source_path`` the one stored, ``scheme`` the
  project's, for formats that match labels to it). ``brat`` reads a path instead
  (``read_path``), since its data is a pair of files or a folder.
- ``speakers``: a transcript format, whose documents are checked for missing speakers
  (:mod:`annotator.io.checks`); span formats are not.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from annotator.io.common import decode_json
from annotator.io.services import (
    parse_service,
    sniff_descript,
    sniff_hansard,
    sniff_otter,
    sniff_rev,
)
from annotator.io.text import parse_text
from annotator.model import ImportedDocument
from annotator.scheme import Scheme

# The names of the formats whose importers hold their own (checked by a test).
NATIVE_JSONL = "annotator-jsonl"
QEVASION = "qevasion"


def _later(module: str, name: str) -> Callable[..., Any]:
    """``annotator.io.<module>.<name>``, imported when first called: a command imports only
    the importers it runs (the plain-text ones, which detection of a ``.txt`` file tries
    anyway, are imported above)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(f"annotator.io.{module}"), name)(*args, **kwargs)

    return call


__all__ = ["FORMATS", "IMPORT_FORMATS", "ImportFormat", "Parser"]


class Parser(Protocol):
    def __call__(
        self, text: str, *, source: str, source_path: str | None, scheme: Scheme | None
    ) -> list[ImportedDocument]: ...


@dataclass(frozen=True)
class ImportFormat:
    """One import format (see the module docstring)."""

    name: str
    description: str  # one line, for --help and the README table
    extensions: tuple[str, ...]
    parse: Parser | None = None
    sniff: Callable[[str], bool] | None = None
    fallback_for: tuple[str, ...] = ()
    refusal: str | None = None  # why a file with its extension but not its content is refused
    speakers: bool = True  # a transcript format (checked for missing speakers)
    uses_scheme: bool = False  # matches the file's labels to the project's scheme
    read_path: Callable[[Path, bool], list[ImportedDocument]] | None = None


SRT_START_RE = re.compile(r"\A\s*\d+[ \t]*\r?\n[^\n]*-->")
VTT_START_RE = re.compile(r"\AWEBVTT(?:[ \t\r\n]|\Z)")
# Skip the prolog (declaration, comments, processing instructions, DOCTYPE), then the root.
_TEI_ROOT_RE = re.compile(
    r"\A\s*(?:(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)\s*)*<(?:[\w.-]+:)?(TEI|teiCorpus)[\s>/]",
    re.DOTALL,
)


@functools.lru_cache(maxsize=1)  # one file at a time; keeps no more text alive
def json_kind(text: str) -> str | None:
    """Which JSON format ``text`` is (``json``, ``labelstudio``, ``annotator-jsonl``,
    ``prodigy``, ``doccano``), or ``None`` if it is not JSON or JSONL. Cached: every JSON
    format's sniffer asks it."""
    if text.lstrip()[:1] not in ("{", "["):
        return None
    from annotator.io.annotator_jsonl import is_native_record, sniff_native_jsonl
    from annotator.io.labelstudio import is_labelstudio
    from annotator.io.span_jsonl import record_style, sniff_span_format

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


def _json_sniffer(kind: str) -> Callable[[str], bool]:
    return lambda text: json_kind(text) == kind


def _simple(
    parse: Callable[..., list[ImportedDocument]], **fixed: str
) -> Parser:  # an importer that needs no scheme
    def run(
        text: str, *, source: str, source_path: str | None, scheme: Scheme | None
    ) -> list[ImportedDocument]:
        return parse(text, source=source, source_path=source_path, **fixed)

    return run


def _qevasion(
    text: str, *, source: str, source_path: str | None, scheme: Scheme | None
) -> list[ImportedDocument]:
    from annotator.io.qevasion import parse_qevasion

    return parse_qevasion(text, source=source, source_path=source_path, scheme=scheme)


def _brat(path: Path, follow_links: bool) -> list[ImportedDocument]:
    from annotator.io.brat import parse_brat

    return parse_brat(path, follow_links=follow_links)


_ENTRIES: Sequence[ImportFormat] = (
    ImportFormat(
        "text",
        "plain-text transcripts with NAME: / Jane Doe: / Q labels (or Markdown **bold** ones)",
        (".txt",),
        _simple(parse_text, format="text"),
        fallback_for=(".txt", ""),
    ),
    ImportFormat(
        "markdown",
        "Markdown transcripts, read as text; front matter and a leading heading give the title",
        (".md", ".markdown"),
        _simple(parse_text, format="markdown"),
        fallback_for=(".md", ".markdown"),
    ),
    ImportFormat(
        "srt",
        "SubRip subtitles, and broadcast captions with >> speaker changes",
        (".srt", ".txt"),
        _simple(_later("subtitles", "parse_srt")),
        sniff=lambda text: bool(SRT_START_RE.match(text)),
        fallback_for=(".srt",),
    ),
    ImportFormat(
        "vtt",
        "WebVTT captions: voice tags, YouTube automatic captions, >> speaker changes",
        (".vtt", ".txt"),
        _simple(_later("subtitles", "parse_vtt")),
        sniff=lambda text: bool(VTT_START_RE.match(text)),
        fallback_for=(".vtt",),
    ),
    ImportFormat(
        "json",
        "Whisper/WhisperX segments, a list of turns, or a Congressional Record JSON file",
        (".json",),
        _simple(_later("json_transcripts", "parse_json")),
        sniff=_json_sniffer("json"),
        fallback_for=(".json",),
    ),
    ImportFormat(
        "tei",
        "ParlaMint TEI XML: <u> utterances, speakers from <listPerson>",
        (".xml", ".tei"),
        _simple(_later("tei", "parse_tei")),
        sniff=lambda text: text.lstrip().startswith("<") and bool(_TEI_ROOT_RE.match(text)),
        fallback_for=(".xml", ".tei"),
    ),
    ImportFormat(
        "prodigy",
        "Prodigy JSONL with spans (one annotator's layer)",
        (".jsonl", ".json"),
        _simple(_later("span_jsonl", "parse_span_jsonl"), format="prodigy"),
        sniff=_json_sniffer("prodigy"),
        fallback_for=(".jsonl",),
        speakers=False,
    ),
    ImportFormat(
        "doccano",
        "doccano JSONL with spans (one annotator's layer)",
        (".jsonl", ".json"),
        _simple(_later("span_jsonl", "parse_span_jsonl"), format="doccano"),
        sniff=_json_sniffer("doccano"),
        speakers=False,
    ),
    ImportFormat(
        NATIVE_JSONL,
        "this tool's own JSONL export: texts, turns, layers, questions and codes",
        (".jsonl", ".json"),
        _simple(_later("annotator_jsonl", "parse_annotator_jsonl")),
        sniff=_json_sniffer(NATIVE_JSONL),
        speakers=False,
    ),
    ImportFormat(
        "brat",
        "brat standoff: a .ann file with its .txt, or a folder of them",
        (".ann",),
        fallback_for=(".ann",),
        speakers=False,
        read_path=_brat,
    ),
    ImportFormat(
        "labelstudio",
        "Label Studio JSON export of text tasks with labels",
        (".json",),
        _simple(_later("labelstudio", "parse_labelstudio")),
        sniff=_json_sniffer("labelstudio"),
        speakers=False,
    ),
    ImportFormat(
        QEVASION,
        "QEvasion / CLARITY CSV: interview questions and answers with their codes",
        (".csv",),
        _qevasion,
        sniff=_later("qevasion", "is_qevasion_header"),
        refusal=(
            "a CSV file is read as QEvasion data, whose header names the columns "
            "interview_question, interview_answer and question; this one does not"
        ),
        speakers=False,
        uses_scheme=True,
    ),
    ImportFormat(
        "parlparse",
        "TheyWorkForYou / ParlParse debate XML: <speech> turns, headings as section breaks",
        (".xml",),
        _simple(_later("parlparse", "parse_parlparse")),
        sniff=_later("parlparse", "is_parlparse"),
    ),
    ImportFormat(
        "otter",
        "Otter.ai text export: 'Jane Doe  0:03' lines; the otter.ai footer dropped",
        (".txt",),
        _simple(parse_service, format="otter"),
        sniff=sniff_otter,
    ),
    ImportFormat(
        "rev",
        "rev.com transcripts: 'Jane Doe (00:00:03):' lines or 'Jane Doe: (00:03) text'",
        (".txt",),
        _simple(parse_service, format="rev"),
        sniff=sniff_rev,
    ),
    ImportFormat(
        "descript",
        "Descript / Trint transcripts: '[00:00:03] Jane Doe: text'",
        (".txt",),
        _simple(parse_service, format="descript"),
        sniff=sniff_descript,
    ),
    ImportFormat(
        "hansard",
        "UK Hansard web copy: 'Name (Constituency) (Party):' and 'Office (Name):' speakers",
        (".txt",),
        _simple(parse_service, format="hansard"),
        sniff=sniff_hansard,
    ),
)

IMPORT_FORMATS: dict[str, ImportFormat] = {entry.name: entry for entry in _ENTRIES}
FORMATS: tuple[str, ...] = tuple(IMPORT_FORMATS)
