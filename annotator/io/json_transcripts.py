"""JSON transcripts (format ``json``). Three shapes are understood:

(a) **Whisper-style** ``{"segments": [{"start", "end", "text", "speaker"?}, ...], ...}``
    (also WhisperX and most diarisation tools). Consecutive segments of one speaker (or of
    no speaker) form one turn: texts joined by a space, ``start_time`` the first segment's
    ``start``, ``end_time`` the last one's ``end``. **WhisperX** ``words``
    (``[{"word", "start"?, "end"?, "speaker"?}]``) are checked; a segment without ``text``
    is its words joined by a space, without ``start``/``end`` its first word's start and
    last word's end, and without ``speaker`` the speaker most of its words have. In a
    diarised file (any segment has a speaker) a segment without one continues the turn
    before it, and the import warns, counting such segments.
(b) **A list of turns** ``[{"speaker"?, "text", "start"?, "end"?}, ...]``: one item, one turn
    (items are never merged: the file says where turns end); each non-blank line of an
    item's text is a paragraph, since JSON strings are not hard-wrapped.
(c) **Congressional Record** (the ``unitedstates/congressional-record`` parser):
    ``{"header", "title", "content": [{"kind", "speaker", "text", "turn", ...}, ...]}``. Only
    items of kind ``speech`` are turns; ``recorder``, ``title``, ``clerk`` and ``linebreak``
    items are not speech and are dropped. Consecutive speech items with the same speaker and
    the same ``turn`` value are merged. The speaker name is kept as given (``Mr. HYDE``,
    ``The Acting CHAIRMAN (Mr. Kolbe)``), and the record's repetition of it at the start of
    the text (``Mr. HYDE. Mr. Chairman, …``) is removed. In the text, a line that starts
    with whitespace or follows exactly one blank line starts a paragraph; a line after two
    or more blank lines that is not indented continues the sentence (those blank lines are
    page breaks left by the parser, as in ``House Resolution\\n\\n\\n365``). A line that
    ends in a hyphen after a letter or digit is joined to the next without a space, since
    the Record breaks lines only at real hyphens (``Ros-\\nLehtinen``).

In shape (a) a turn is one paragraph (line breaks inside a segment become spaces). Empty
texts are skipped. ``start``/``end`` must be finite non-negative numbers (seconds) with
``end >= start``. Title: the top-level ``title``, else the file stem. Metadata: the
top-level scalar values (``language``, ``id`` …) plus the Congressional Record ``header``.
Anything else is refused with a message that lists these shapes; a malformed item is
refused naming its JSON path (``segments[3].start``), and invalid JSON naming the line and
column.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

from annotator.io.common import (
    DocumentBuilder,
    ImportFailure,
    clean_title,
    display_name,
    load_json,
    paragraph_lines,
    shorten,
)
from annotator.model import ImportedDocument, normalise_text

# The Record breaks lines only at existing hyphens ("Ros-\nLehtinen"), never inside a word.
_COMPOUND_BREAK_RE = re.compile(r"[^\W_]-$")

SHAPES_HELP = (
    'understood JSON shapes are: {"segments": [{"start", "end", "text", "speaker"}]} '
    '(Whisper), a list of {"speaker", "text"} turns, and {"content": [{"kind", "speaker", '
    '"text", "turn"}]} (Congressional Record); JSONL with spans needs the .jsonl extension '
    "or --format prodigy/doccano"
)


def _fail(source: str, path: str, reason: str) -> ImportFailure:
    return ImportFailure(source, reason, place=path)


def _string(
    item: dict[str, Any], key: str, path: str, source: str, *, required: bool
) -> str | None:
    value = item.get(key)
    if value is None:
        if required:
            raise _fail(source, path, f'the item has no "{key}" string')
        return None
    if not isinstance(value, str):
        raise _fail(source, f"{path}.{key}", f"expected a string, found {type(value).__name__}")
    return value


def _seconds(item: dict[str, Any], key: str, path: str, source: str) -> float | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        found = shorten(json.dumps(value, ensure_ascii=False), 40)
        raise _fail(source, f"{path}.{key}", f"expected a number of seconds, found {found}")
    try:
        seconds = float(value)
    except OverflowError:  # an integer beyond any float
        seconds = math.inf
    if not math.isfinite(seconds):
        raise _fail(source, f"{path}.{key}", "the number of seconds is too large")
    if seconds < 0:
        raise _fail(source, f"{path}.{key}", f"a time cannot be negative ({seconds:g})")
    return seconds


def _times(item: dict[str, Any], path: str, source: str) -> tuple[float | None, float | None]:
    start = _seconds(item, "start", path, source)
    end = _seconds(item, "end", path, source)
    if start is not None and end is not None and end < start:
        raise _fail(source, path, f"the item ends ({end}) before it starts ({start})")
    return start, end


def _speaker(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(normalise_text(value).split())
    return value or None


def _items(value: Any, path: str, source: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise _fail(source, path, f"expected a list, found {type(value).__name__}")
    for position, item in enumerate(value):
        if not isinstance(item, dict):
            raise _fail(
                source, f"{path}[{position}]", f"expected an object, found {type(item).__name__}"
            )
    return value


def _scalars(data: dict[str, Any], skip: set[str]) -> dict[str, Any]:
    return {
        key: value
        for key, value in data.items()
        if key not in skip and (value is None or isinstance(value, (str, int, float, bool)))
    }


def _words(segment: dict[str, Any], path: str, source: str) -> list[dict[str, Any]]:
    """A WhisperX segment's ``words``, checked: objects with a ``word`` string."""
    if "words" not in segment:
        return []
    words = _items(segment["words"], f"{path}.words", source)
    for position, word in enumerate(words):
        where = f"{path}.words[{position}]"
        _string(word, "word", where, source, required=True)
        _string(word, "speaker", where, source, required=False)
        _times(word, where, source)
    return words


def _segment_speaker(
    segment: dict[str, Any], words: list[dict[str, Any]], path: str, source: str
) -> str | None:
    name = _speaker(_string(segment, "speaker", path, source, required=False))
    if name is not None or not words:
        return name
    named = Counter(_speaker(word.get("speaker")) for word in words if word.get("speaker"))
    return named.most_common(1)[0][0] if named else None


def _whisper(data: dict[str, Any], builder: DocumentBuilder, source: str) -> list[str]:
    """Read the segments; return the warnings (segments without a speaker in a diarised
    file)."""
    segments = _items(data["segments"], "segments", source)
    read = []
    for position, segment in enumerate(segments):
        path = f"segments[{position}]"
        words = _words(segment, path, source)
        text = _string(segment, "text", path, source, required=not words)
        if text is None:  # WhisperX words without the segment's text
            text = " ".join(str(word["word"]).strip() for word in words)
        start, end = _times(segment, path, source)
        if words:
            start = start if start is not None else _times(words[0], path, source)[0]
            end = end if end is not None else _times(words[-1], path, source)[1]
        read.append((path, text, _segment_speaker(segment, words, path, source), start, end))
    diarised = any(name is not None for _, _, name, _, _ in read)
    speaker: str | None = None
    texts: list[str] = []
    start_time: float | None = None
    end_time: float | None = None
    unnamed: list[str] = []
    for path, text, name, start, end in read:
        lines = paragraph_lines(text)
        if not lines:
            continue
        if diarised and name is None:
            unnamed.append(path)
            name = speaker  # continues the turn before it
        if texts and name != speaker:
            builder.add_turn([" ".join(texts)], speaker, start_time, end_time)
            texts = []
        if not texts:
            speaker, start_time = name, start
        texts.append(" ".join(lines))
        end_time = end
    if texts:
        builder.add_turn([" ".join(texts)], speaker, start_time, end_time)
    if not unnamed:
        return []
    return [
        f"{display_name(source)}: {len(unnamed)} segment(s) have no speaker ({unnamed[0]} "
        "first); each was read as continuing the turn before it"
    ]


def _turn_list(data: list[Any], builder: DocumentBuilder, source: str) -> None:
    for position, item in enumerate(_items(data, "", source)):
        path = f"[{position}]"
        text = _string(item, "text", path, source, required=True) or ""
        name = _speaker(_string(item, "speaker", path, source, required=False))
        start, end = _times(item, path, source)
        builder.add_turn([text], name, start, end)


def congressional_paragraphs(text: str) -> list[str]:
    """Paragraphs of a Congressional Record text (rules in the module docstring)."""
    paragraphs: list[str] = []
    blanks = 0
    for line in normalise_text(text).split("\n"):
        stripped = line.strip()
        if not stripped:
            blanks += 1
            continue
        indented = line[:1].isspace()
        if not paragraphs or indented or blanks == 1:
            paragraphs.append(stripped)
        elif _COMPOUND_BREAK_RE.search(paragraphs[-1]):
            paragraphs[-1] += stripped  # "House Report 109-" + "175"
        else:  # a hard wrap, or a page break (two or more blank lines) mid-sentence
            paragraphs[-1] += " " + stripped
        blanks = 0
    return paragraphs


def _congressional_record(data: dict[str, Any], builder: DocumentBuilder, source: str) -> None:
    items = _items(data["content"], "content", source)
    pending: tuple[str | None, Any] | None = None  # (speaker, turn value) of the open turn
    paragraphs: list[str] = []
    for position, item in enumerate(items):
        path = f"content[{position}]"
        kind = item.get("kind")
        if not isinstance(kind, str):
            raise _fail(source, f"{path}.kind", 'every item needs a "kind" string')
        if kind != "speech":
            continue
        text = _string(item, "text", path, source, required=True) or ""
        raw_speaker = _string(item, "speaker", path, source, required=False)
        speaker = None if raw_speaker in (None, "None") else _speaker(raw_speaker)
        body = text.lstrip()
        if raw_speaker and body.startswith(raw_speaker + "."):
            body = body[len(raw_speaker) + 1 :]
        key = (speaker, item.get("turn"))
        if pending is not None and key != pending:
            builder.add_turn(paragraphs, pending[0])
            paragraphs = []
        pending = key
        paragraphs.extend(congressional_paragraphs(body))
    if pending is not None:
        builder.add_turn(paragraphs, pending[0])


def parse_json(text: str, *, source: str, source_path: str | None) -> list[ImportedDocument]:
    """Parse a JSON transcript in one of the shapes of the module docstring."""
    data = load_json(text, source)
    builder = DocumentBuilder()
    metadata: dict[str, Any] = {}
    warnings: list[str] = []
    title: str | None = None
    if isinstance(data, dict) and "segments" in data:
        warnings = _whisper(data, builder, source)
        metadata = _scalars(data, {"text", "title"})
    elif isinstance(data, dict) and isinstance(data.get("content"), list):
        _congressional_record(data, builder, source)
        metadata = _scalars(data, {"title"})
        if isinstance(data.get("header"), dict):
            metadata["header"] = data["header"]
    elif (
        isinstance(data, list)
        and data
        and all(isinstance(item, dict) and "text" in item for item in data)
    ):
        _turn_list(data, builder, source)
    else:
        found = (
            type(data).__name__
            if not isinstance(data, dict)
            else ("an object with keys " + ", ".join(sorted(map(str, data))[:8]))
        )
        raise ImportFailure(source, f"unknown JSON shape ({found}); {SHAPES_HELP}")
    if isinstance(data, dict):
        title = clean_title(data.get("title"))
    if not len(builder):
        raise ImportFailure(source, "the JSON transcript has no speech with any text")
    return [
        builder.build(
            title=title or Path(source_path or source).stem,
            format="json",
            source_path=source_path,
            metadata=metadata,
            warnings=warnings,
        )
    ]
