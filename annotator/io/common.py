"""Helpers shared by every transcript importer.

- :func:`read_transcript_text` turns a file's bytes into text, refusing an empty or
  whitespace-only file, a UTF-16 file (by its byte-order mark), a binary file (NUL bytes,
  or more than 10 % control bytes in the first 8 KiB) and invalid UTF-8 (naming the line
  and the byte). A UTF-8 byte-order mark is dropped.
- :class:`DocumentBuilder` appends turns and builds the stored text: turns are separated by
  a blank line (``"\\n\\n"``), the paragraphs of one turn by ``"\\n"``. Every piece goes
  through :func:`~annotator.model.normalise_text` and is stripped *before* offsets are
  taken, so ``text[turn.start:turn.end]`` is exactly the turn, with no surrounding
  whitespace, and no turn contains a blank line.
- :class:`ImportFailure` is the one error every importer raises; ``str(exc)`` is a single
  line ``"<file>: <place>: <reason>"`` (the place is left out when there is none). File
  names, places and reasons are made safe for a terminal: a newline or control character in
  them shows as a visible symbol (``␊``, ``␛``), so no input can forge a second line.
- :func:`load_json` (and :func:`json_objects` for JSONL) read JSON for every JSON importer,
  refusing with the place: invalid JSON (line and column), nesting too deep, numbers that
  are not finite (``NaN``, ``Infinity``, ``1e400``) or have more than 4,300 digits (line and
  column), values nested more than :data:`MAX_DEPTH` levels deep, and strings holding a
  lone UTF-16 surrogate (``"\\ud800"``, which is not a character and cannot be stored);
  the last two are named by their JSON path.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.errors import AnnotatorError
from annotator.model import (
    ImportedDocument,
    SpeakerInfo,
    Turn,
    normalise_text,
    resolved_source,
)
from annotator.textindex import display_text

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

# The largest integer SQLite stores; offsets and indices beyond it are refused as too large.
MAX_INTEGER = 2**63 - 1
# How deep a JSON or YAML value an importer reads may nest. Real data needs a handful of
# levels; much deeper values would exhaust the recursion limit when stored as JSON.
MAX_DEPTH = 64

# A text file has almost no C0 control bytes besides tab, LF, FF and CR.
_TEXT_CONTROLS = frozenset({0x09, 0x0A, 0x0C, 0x0D})
_SNIFF_BYTES = 8192
# Every byte but the control bytes a text file does not hold (deleted to count those).
_NOT_CONTROLS = bytes(b for b in range(256) if b >= 0x20 or b in _TEXT_CONTROLS)
_MAX_CONTROL_SHARE = 0.10


def from_file(
    documents: list[ImportedDocument], path: Path, given: str, real: Path | None = None
) -> list[ImportedDocument]:
    """``documents`` read from ``path`` (typed as ``given``, which the importer stored as
    their ``source_path``), with the file's resolved path instead (``real``, when the caller
    has resolved it already) and ``given``'s name as ``source_name``. A document whose
    importer stored another source keeps it (a native export names the file each of its
    documents first came from)."""
    typed = storable(given)
    if not any(document.source_path == typed for document in documents):
        return documents
    source = storable(str(real)) if real is not None else resolved_source(path)
    name = storable(path.name)
    return [
        replace(document, source_path=source, source_name=name)
        if document.source_path == typed
        else document
        for document in documents
    ]


class LineError(Exception):
    """A reason a line or record is refused; the caller adds the file name and place."""


class ImportFailure(AnnotatorError):
    """A file that cannot be imported. ``str(exc)`` is one line: file, place, reason."""

    def __init__(self, file: str, reason: str, place: str | None = None) -> None:
        self.file = display_name(file)
        self.place = _one_line(place) if place else None
        self.reason = _one_line(reason)
        super().__init__(self.file, self.reason, self.place)

    def __str__(self) -> str:
        parts = [self.file, self.place, self.reason]
        return ": ".join(part for part in parts if part)


def display_name(name: str | Path) -> str:
    """A file name for a one-line message: controls and line breaks show as symbols."""
    return display_text(str(name), keep_newlines=False)


def _one_line(text: str) -> str:
    return display_text(" ".join(str(text).split()), keep_newlines=False)


def shorten(value: str, limit: int = 60) -> str:
    """Quote a piece of the input in an error message without flooding the line."""
    value = value.strip()
    return value if len(value) <= limit else value[: limit - 1] + "…"


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, so that it encodes as UTF-8.

    Python keeps the undecodable bytes of a file name as lone surrogates; stored as they
    are, they would fail in the database.
    """
    return _SURROGATE_RE.sub("\ufffd", text)


def cannot_read(error: OSError) -> str:
    """The reason for an :class:`ImportFailure` when the operating system refuses a read."""
    reason = (error.strerror or type(error).__name__).lower()
    if isinstance(error, PermissionError):
        return f"cannot read: {reason}; check the file's permissions (chmod u+r)"
    return f"cannot read: {reason}"


def read_file_bytes(path: Path, source: str | None = None) -> bytes:
    """The bytes of ``path``, or :class:`ImportFailure` saying why they cannot be read."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise ImportFailure(source or str(path), cannot_read(error)) from None


def read_transcript_text(path: Path, source: str | None = None) -> str:
    """Read ``path`` and return its text, or raise :class:`ImportFailure`."""
    source = source or str(path)
    return decode_transcript_bytes(read_file_bytes(path, source), source)


def decode_transcript_bytes(data: bytes, source: str) -> str:
    """Check and decode the bytes of a transcript file (see the module docstring)."""
    if not data:
        raise ImportFailure(source, "the file is empty; there is nothing to import")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFailure(source, "the file is UTF-16; save it as UTF-8 and import it again")
    if b"\x00" in data:
        raise ImportFailure(
            source, "the file contains NUL bytes, so it is binary, not a text transcript"
        )
    sample = data[:_SNIFF_BYTES]
    controls = len(sample.translate(None, _NOT_CONTROLS))  # counted in C
    if controls > _MAX_CONTROL_SHARE * len(sample):
        raise ImportFailure(
            source, "the file is mostly control bytes, so it is binary, not a text transcript"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ImportFailure(
            source,
            f"invalid UTF-8: byte 0x{data[exc.start]:02X} at byte {column} of the line "
            f"(byte {exc.start} of the file); save the file as UTF-8",
            place=f"line {line}",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text or text.isspace():  # as ``not text.strip()``, without copying the text
        raise ImportFailure(source, "the file holds only whitespace; there is nothing to import")
    return text


def json_safe(value: Any) -> Any:
    """Metadata must survive ``json.dumps``: dates become ISO strings, odd types strings."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted((json_safe(item) for item in value), key=repr)
    return str(value)


def clean_title(title: Any) -> str | None:
    """A title is one line: collapse all whitespace (NBSP included) to single spaces."""
    if title is None or isinstance(title, (Mapping, list, tuple, bool)):
        return None
    cleaned = " ".join(normalise_text(str(title)).split())
    return cleaned or None


def paragraph_lines(text: str) -> list[str]:
    """Normalise ``text`` and return its non-blank lines, stripped."""
    return [line.strip() for line in normalise_text(text).split("\n") if line.strip()]


class DocumentBuilder:
    """Collects turns and lays out the stored text (see the module docstring)."""

    def __init__(self) -> None:
        self._pieces: list[str] = []
        self._turns: list[Turn] = []
        self._length = 0

    def __len__(self) -> int:
        return len(self._turns)

    @property
    def turns(self) -> tuple[Turn, ...]:
        return tuple(self._turns)

    def add_turn(
        self,
        paragraphs: Iterable[str],
        speaker: str | None = None,
        start_time: float | None = None,
        end_time: float | None = None,
        *,
        normalised: bool = False,
    ) -> Turn | None:
        """Append one turn; return it, or ``None`` when it has no text (nothing is added).

        A paragraph that itself holds line breaks is split into one paragraph per
        non-blank line, so a blank line only ever separates turns. ``normalised``: each
        paragraph is already one stripped, non-blank line cut from a text that went through
        :func:`~annotator.model.normalise_text` whole, at whitespace or a line break (the
        text importer's), so is kept as it is: NFC never joins characters across
        whitespace, so such a cut and the spaces joining such cuts leave it NFC.
        """
        # Else normalised together: a line break never joins what is on either side of it
        # in NFC, and blank lines are dropped, so this is each paragraph's lines in turn.
        lines = list(paragraphs) if normalised else paragraph_lines("\n".join(paragraphs))
        if not lines:
            return None
        content = "\n".join(lines)
        if self._turns:
            self._pieces.append("\n\n")
            self._length += 2
        start = self._length
        self._pieces.append(content)
        self._length += len(content)
        turn = Turn(
            index=len(self._turns),
            start=start,
            end=self._length,
            speaker=speaker or None,
            start_time=start_time,
            end_time=end_time,
        )
        self._turns.append(turn)
        return turn

    def text(self) -> str:
        return "".join(self._pieces)

    def build(
        self,
        *,
        title: str,
        format: str,
        source_path: str | None,
        metadata: Mapping[str, Any] | None = None,
        speaker_info: Mapping[str, SpeakerInfo] | None = None,
        warnings: Iterable[str] = (),
    ) -> ImportedDocument:
        speakers = {turn.speaker for turn in self._turns}
        return ImportedDocument(
            title=title,
            text=self.text(),
            turns=tuple(self._turns),
            format=format,
            source_path=source_path,
            metadata=json_safe(dict(metadata or {})),
            # Only what the file says of speakers who have a turn here.
            speaker_info={k: v for k, v in (speaker_info or {}).items() if k in speakers},
            warnings=tuple(warnings),
        )


# Python refuses to turn more than 4,300 digits into an int (the conversion takes quadratic
# time); the same bound, checked here, holds on every Python version.
_MAX_INT_DIGITS = 4300
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F]")
# A JSON token: a string (skipped whole, so digits inside it never count) or a number.
_JSON_TOKEN_RE = re.compile(
    r'"(?:[^"\\]|\\.)*"|(NaN|-?Infinity|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?)'
)


class _RefusedNumber(ValueError):
    """A JSON number refused while decoding; ``args[0]`` is its token."""


def _json_int(token: str) -> int:
    if len(token.lstrip("-")) > _MAX_INT_DIGITS:
        raise _RefusedNumber(token)
    return int(token)


def _json_float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):  # 1e400 overflows to inf
        raise _RefusedNumber(token)
    return value


def _json_constant(token: str) -> float:
    raise _RefusedNumber(token)  # NaN, Infinity, -Infinity: Python's extensions, not JSON


def decode_json(text: str) -> Any:
    """``json.loads`` that refuses numbers no importer can use (see :func:`load_json`).

    Raises ``ValueError`` (``json.JSONDecodeError`` included) or ``RecursionError``, for
    callers that only try whether ``text`` is JSON.
    """
    if _INTERPRETER_REFUSES_LONG_INTS:
        # Python's own int() already refuses what _json_int would, in C: the hook only
        # matters for a refusal, so the text is read again with it when anything fails.
        try:
            return json.loads(text, parse_float=_json_float, parse_constant=_json_constant)
        except ValueError:
            pass
    return json.loads(
        text, parse_int=_json_int, parse_float=_json_float, parse_constant=_json_constant
    )


# Whether this interpreter refuses ints of more than _MAX_INT_DIGITS digits (3.11 does,
# unless told otherwise: PYTHONINTMAXSTRDIGITS=0 lifts the bound).
_INTERPRETER_REFUSES_LONG_INTS = (
    0 < getattr(sys, "get_int_max_str_digits", lambda: 0)() <= (_MAX_INT_DIGITS)
)


def _number_reason(token: str) -> str:
    if token in ("NaN", "Infinity", "-Infinity"):
        return f"{token} is not a JSON number; write a number or null"
    if "." in token or "e" in token.lower():
        return f"the number {shorten(token, 30)} is too large to read"
    digits = len(token.lstrip("-"))
    return f"a number of {digits:,} digits is too long to read (at most {_MAX_INT_DIGITS:,})"


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _value_problem(value: Any) -> tuple[str, str] | None:
    """The path and reason of the first place in a parsed value that cannot be stored."""
    stack: list[tuple[str, Any, int]] = [("", value, 0)]
    while stack:  # a loop, not recursion: the value may be nested as deep as the parser allows
        path, item, depth = stack.pop()
        children: list[tuple[str, Any, int]]
        if isinstance(item, str):
            if found := _SURROGATE_RE.search(item):
                return path, _surrogate_reason(found.group())
            continue
        if isinstance(item, Mapping):
            children = []
            for key, child in item.items():
                where = f"{path}.{shorten(str(key), 30)}" if path else shorten(str(key), 30)
                if isinstance(key, str) and (found := _SURROGATE_RE.search(key)):
                    return where, _surrogate_reason(found.group())
                children.append((where, child, depth + 1))
        elif isinstance(item, (list, tuple, set, frozenset)):
            children = [(f"{path}[{i}]", child, depth + 1) for i, child in enumerate(item)]
        else:
            continue
        if depth == MAX_DEPTH:
            return path, (
                f"the value is nested more than {MAX_DEPTH} levels deep, deeper than any "
                "transcript or annotation needs; flatten it"
            )
        stack.extend(reversed(children))
    return None


def _surrogate_reason(char: str) -> str:
    return (
        f"a string holds a lone UTF-16 surrogate (\\u{ord(char):04x}), which is not a "
        "character and cannot be stored; fix the \\u escape (surrogates come in pairs) or "
        "remove it"
    )


_CONTAINERS = (dict, list, tuple, set, frozenset)  # what JSON and safe YAML build


def _too_deep(value: Any) -> bool:
    """Whether containers nest more than :data:`MAX_DEPTH` levels deep (level by level,
    without paths: fast on the large values nearly all of which pass)."""
    level = [value] if type(value) in _CONTAINERS else []
    for _ in range(MAX_DEPTH):
        level = [
            child
            for item in level
            for child in (item.values() if type(item) is dict else item)
            if type(child) in _CONTAINERS
        ]
        if not level:
            return False
    return True


def _has_surrogate(value: Any) -> bool:
    """Whether a string or key anywhere in ``value`` holds a lone surrogate (C-speed)."""
    try:
        json.dumps(value, ensure_ascii=False, skipkeys=True, default=_as_list).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _as_list(value: Any) -> Any:
    # Sets (YAML !!set) are searched like lists; dates and the like hold no surrogates.
    return list(value) if isinstance(value, (set, frozenset)) else None


def check_value(
    value: Any, source: str, place: str | None = None, *, surrogates: bool = True
) -> None:
    """Refuse a parsed JSON or YAML value that cannot be stored: nested more than
    :data:`MAX_DEPTH` levels deep (storing it would exhaust Python's recursion limit) or
    holding a lone surrogate (unless ``surrogates`` is false because the input cannot hold
    one). The message names ``place`` and the path inside the value."""
    if not _too_deep(value) and not (surrogates and _has_surrogate(value)):
        return
    problem = _value_problem(value)
    if problem is not None:
        path, reason = problem
        raise ImportFailure(
            source, reason, place=", ".join(part for part in (place, shorten(path)) if part)
        )


def load_json(text: str, source: str, line: int | None = None) -> Any:
    """One JSON value, or :class:`ImportFailure` naming the place (rules in the module
    docstring). ``line`` is the line number of ``text`` in a JSONL file."""

    def at(row: int, column: int) -> str:
        return f"line {row if line is None else line}, column {column}"

    hint = "fix the file or check that it is really JSON"
    if line is not None:
        hint = "each line must be one JSON object"
    try:
        value = decode_json(text)
    except json.JSONDecodeError as exc:
        raise ImportFailure(
            source, f"invalid JSON ({exc.msg}); {hint}", place=at(exc.lineno, exc.colno)
        ) from None
    except _RefusedNumber as exc:
        token = exc.args[0]
        # Everything before the refused number decoded, so the first token spelt like it
        # outside a string is the one.
        offset = next((m.start(1) for m in _JSON_TOKEN_RE.finditer(text) if m.group(1) == token), 0)
        raise ImportFailure(
            source, _number_reason(token), place=at(*_position(text, offset))
        ) from None
    except RecursionError:
        where = None if line is None else f"line {line}"
        raise ImportFailure(source, "the JSON is nested too deeply to read", place=where) from None
    # Only a \uD800-\uDFFF escape can put a surrogate into text decoded from UTF-8.
    escapes = _SURROGATE_ESCAPE_RE.search(text) is not None
    check_value(value, source, None if line is None else f"line {line}", surrogates=escapes)
    return value


def json_objects(text: str, source: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The JSON object on each non-blank line of a JSONL text, with its line number.

    Anything :func:`load_json` refuses, or a line that is not an object, refuses the file
    naming the line.
    """
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        record = load_json(line, source, line=number)
        if not isinstance(record, dict):
            raise ImportFailure(
                source,
                f"expected a JSON object, found {type(record).__name__}",
                place=f"line {number}",
            )
        yield number, record


def check_span_offsets(text: str, spans: list[tuple[int, int, str, str | None, str]]) -> str | None:
    """The first problem with ``spans`` read as code-point offsets into ``text``, if any."""
    for start, end, _label_text, covered, where in spans:
        if not 0 <= start < end <= len(text):
            return (
                f"{where} [{start}, {end}) is not a non-empty range inside the text of "
                f"{len(text)} characters"
            )
        if covered is not None and text[start:end] != covered:
            return (
                f"{where} [{start}, {end}) covers {text[start:end]!r}, but the span's text is "
                f"{covered!r}"
            )
    return None


def utf16_span_offsets(
    text: str, spans: list[tuple[int, int, str, str | None, str]]
) -> list[tuple[int, int, str, str | None, str]] | None:
    """Reinterpret offsets as UTF-16 code units; ``None`` if that does not fit either."""
    boundaries = [0]  # UTF-16 offset of each code-point boundary
    for char in text:
        boundaries.append(boundaries[-1] + (2 if ord(char) > 0xFFFF else 1))

    def convert(unit: int) -> int | None:
        index = bisect.bisect_left(boundaries, unit)
        return index if index < len(boundaries) and boundaries[index] == unit else None

    converted = []
    for start, end, label, covered, where in spans:
        new_start, new_end = convert(start), convert(end)
        if new_start is None or new_end is None:
            return None  # an edge inside a surrogate pair
        converted.append((new_start, new_end, label, covered, where))
    return None if check_span_offsets(text, converted) else converted


def resolve_span_offsets(
    text: str, spans: list[tuple[int, int, str, str | None, str]]
) -> tuple[list[tuple[int, int, str]], bool]:
    """Checked code-point spans on the stored text, and whether UTF-16 was converted.

    Each span is ``(start, end, label, covered text or None, place)``; a problem raises
    :class:`LineError`. Shared by the span importers (JSONL, Label Studio)."""
    problem = check_span_offsets(text, spans)
    converted = False
    if problem:
        if not any(ord(char) > 0xFFFF for char in text):
            raise LineError(problem)
        utf16 = utf16_span_offsets(text, spans)
        if utf16 is None:
            raise LineError(problem + " (nor does it fit as UTF-16 offsets)")
        spans, converted = utf16, True
    stored = text.replace("\r\n", "\n").replace("\r", "\n")
    if spans and unicodedata.normalize("NFC", stored) != stored:
        raise LineError(
            "the text is not in Unicode NFC form; normalising it would move the spans, so "
            "normalise the text and recompute the offsets first"
        )
    # Positions of the "\r" dropped from each "\r\n"; every offset after one shifts back.
    removed = [match.start() for match in re.finditer("\r\n", text)]
    removed_at = frozenset(removed)
    result: list[tuple[int, int, str]] = []
    for start, end, label, _covered, where in spans:
        if start - 1 in removed_at or end - 1 in removed_at:
            raise LineError(f"{where} has an edge between \\r and \\n; fix the offsets")
        result.append(
            (
                start - bisect.bisect_left(removed, start),
                end - bisect.bisect_left(removed, end),
                label,
            )
        )
    return result, converted


def read_xml(text: str, source: str, why_no_doctype: str) -> ET.Element:
    """The root element of an XML file, parsed by ``defusedxml`` with any ``<!DOCTYPE>``
    refused (so no entity can be declared, no internal subset change the parse and no
    external entity or DTD be read). XML that is not well-formed is refused naming the line
    and column; ``why_no_doctype`` ends the DOCTYPE refusal ("TEI needs none")."""
    # Imported here: only the XML importers need them (start-up of a command).
    import xml.etree.ElementTree as ET

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser

    parser = DefusedXMLParser(target=ET.TreeBuilder(), forbid_dtd=True)
    try:
        parser.feed(text)
        return parser.close()
    except ET.ParseError as exc:
        line, column = exc.position
        message = str(exc).split(":", 1)[0]
        raise ImportFailure(
            source,
            f"the XML is not well-formed ({message}); fix it before importing",
            place=f"line {line}, column {column + 1}",
        ) from None
    except DefusedXmlException:
        raise ImportFailure(
            source,
            "the XML has a <!DOCTYPE> declaration, refused for safety (it can declare "
            f"entities that expand without bound or read other files); remove it: "
            f"{why_no_doctype}",
            place=f"line {parser.parser.CurrentLineNumber}",
        ) from None
