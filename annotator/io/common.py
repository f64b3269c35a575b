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
  line ``"<file>: <place>: <reason>"`` (the place is left out when there is none).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from annotator.errors import AnnotatorError
from annotator.model import ImportedDocument, Turn, normalise_text

FORMATS: tuple[str, ...] = (
    "text",
    "markdown",
    "srt",
    "vtt",
    "json",
    "tei",
    "prodigy",
    "doccano",
    "annotator-jsonl",
    "brat",
    "labelstudio",
)

# A text file has almost no C0 control bytes besides tab, LF, FF and CR.
_TEXT_CONTROLS = frozenset({0x09, 0x0A, 0x0C, 0x0D})
_SNIFF_BYTES = 8192
_MAX_CONTROL_SHARE = 0.10


class ImportFailure(AnnotatorError):
    """A file that cannot be imported. ``str(exc)`` is one line: file, place, reason."""

    def __init__(self, file: str, reason: str, place: str | None = None) -> None:
        self.file = str(file)
        self.place = _one_line(place) if place else None
        self.reason = _one_line(reason)
        super().__init__(self.file, self.reason, self.place)

    def __str__(self) -> str:
        parts = [self.file, self.place, self.reason]
        return ": ".join(part for part in parts if part)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def shorten(value: str, limit: int = 60) -> str:
    """Quote a piece of the input in an error message without flooding the line."""
    value = value.strip()
    return value if len(value) <= limit else value[: limit - 1] + "…"


def read_transcript_text(path: Path, source: str | None = None) -> str:
    """Read ``path`` and return its text, or raise :class:`ImportFailure`."""
    source = source or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailure(source, f"cannot read the file ({exc.strerror or exc})") from exc
    return decode_transcript_bytes(data, source)


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
    controls = sum(1 for byte in sample if byte < 0x20 and byte not in _TEXT_CONTROLS)
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
    if not text.strip():
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
    ) -> Turn | None:
        """Append one turn; return it, or ``None`` when it has no text (nothing is added).

        A paragraph that itself holds line breaks is split into one paragraph per
        non-blank line, so a blank line only ever separates turns.
        """
        lines: list[str] = []
        for paragraph in paragraphs:
            lines.extend(paragraph_lines(paragraph))
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
    ) -> ImportedDocument:
        return ImportedDocument(
            title=title,
            text=self.text(),
            turns=tuple(self._turns),
            format=format,
            source_path=source_path,
            metadata=json_safe(dict(metadata or {})),
        )


def json_objects(text: str, source: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The JSON object on each non-blank line of a JSONL text, with its line number.

    Invalid JSON, or a line that is not an object, refuses the file naming the line.
    """
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportFailure(
                source,
                f"invalid JSON ({exc.msg}); each line must be one JSON object",
                place=f"line {number}, column {exc.colno}",
            ) from None
        except RecursionError:
            raise ImportFailure(
                source, "the JSON is nested too deeply", place=f"line {number}"
            ) from None
        if not isinstance(record, dict):
            raise ImportFailure(
                source,
                f"expected a JSON object, found {type(record).__name__}",
                place=f"line {number}",
            )
        yield number, record
