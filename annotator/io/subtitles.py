"""SubRip (``.srt``) and WebVTT (``.vtt``) subtitle transcripts.

Rules:

- **Cues.** SRT: blocks separated by blank lines, each an optional cue number, a timing
  line ``HH:MM:SS,mmm --> HH:MM:SS,mmm`` (a ``.`` before the milliseconds is accepted;
  anything after the end time, such as position coordinates, is ignored) and the cue
  text. WebVTT: a ``WEBVTT`` first line, a header up to the first blank line (its
  ``key: value`` lines go to ``metadata["header"]``), then cues with an optional
  identifier line and a timing line ``[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm [settings]``.
  ``NOTE``, ``STYLE`` and ``REGION`` blocks are ignored. A timing line that does not parse,
  a cue that ends before it starts, or (WebVTT) a block with no timing line is an error
  naming the line. In SRT, a block with neither a cue number nor a timing continues the
  previous cue's text (some files put blank lines inside cues).
- **Text.** The lines of a cue are stripped and joined with a space. Tags are removed
  (``<i>``, ``<b>``, ``<c.x>``, ``<font …>``, inline timestamps ``<00:01:02.000>``, and the
  SSA overrides ``{\\an8}`` found in SRT); WebVTT character references such as ``&amp;``
  are decoded. Cues left with no text are skipped.
- **Speakers.** A WebVTT voice tag ``<v Name>`` (or ``<v.class Name>``) names the speaker of
  the text after it; a line starting with an ALL-CAPS label ``NAME:`` does the same (only
  capitals are accepted here, since a cue line such as ``Look: …`` is ordinary speech).
  One cue can hold several speakers this way.
- **Broadcast captions.** ``>>`` marks a change of speaker (anywhere in a cue line):
  ``>> HOST: text`` (or ``>> Jane Doe: text``) names the speaker; a bare ``>> text`` starts a
  new turn with no speaker. ``>>>`` is not a speaker change.
- **YouTube automatic captions** (WebVTT whose cues carry word timings such as
  ``<00:00:03.300><c> word</c>``): a line of spaces after the timing line is part of the cue,
  not its end, and the rolling cues repeat the line before each new one, so a line equal
  to the last one kept is dropped: every line of speech appears once, in the cue that first
  brings it (with that cue's times).
- **Continuation.** A cue with no voice tag and no label continues the speaker of the cue
  before it: subtitle files name the speaker only on the first cue of a turn. Cues before
  the first named speaker have no speaker.
- **Turns.** Consecutive cues of one speaker (or of no speaker) form one turn: their texts
  joined by a space, ``start_time`` the first cue's start and ``end_time`` the last cue's
  end, in seconds. Titles are the file stem.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from annotator.io.common import DocumentBuilder, ImportFailure, shorten
from annotator.io.text import match_label
from annotator.model import ImportedDocument, normalise_text

# At most 9 digits of hours (over 100,000 years): more would overflow a float of seconds.
_SRT_TIME = r"(\d{1,9}):([0-5]\d):([0-5]\d)[,.](\d{3})"
_SRT_TIMING_RE = re.compile(rf"^\s*{_SRT_TIME}\s*-->\s*{_SRT_TIME}(?:\s.*)?$")
_VTT_TIME = r"(?:(\d{2,9}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_VTT_TIMING_RE = re.compile(rf"^\s*{_VTT_TIME}[ \t]+-->[ \t]+{_VTT_TIME}(?:[ \t].*)?$")
_VOICE_RE = re.compile(r"<v(?:\.[^\s>]*)?[ \t]+([^>]*)>")
_STARTS_WITH_TIME_RE = re.compile(r"^\s*\d+:\d{2}")  # a timing line with a broken arrow
_TAG_RE = re.compile(r"<[^>]*>|\{\\[^}]*\}")
_WORD_TIMING_RE = re.compile(r"<(?:\d+:)?\d{2}:\d{2}\.\d{3}>")
# A broadcast caption's speaker change: ">>" (not a quoted ">>>").
_CHEVRON_RE = re.compile(r"(?<!>)>>(?!>)")
_VTT_SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")


@dataclass
class _Cue:
    line: int  # 1-based line of the timing
    start: float
    end: float
    lines: list[str]


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def _blocks(lines: list[str], *, vtt: bool = False) -> list[tuple[int, list[str]]]:
    """Split into blocks of non-blank lines; each with the 1-based number of its first line.

    In WebVTT a line of spaces right after a timing line is the cue's first (empty) line,
    not the end of the cue, as YouTube writes it."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = 0
    for number, line in enumerate(lines, start=1):
        if line.strip() or (vtt and line and current and "-->" in current[-1]):
            if not current:
                first = number
            current.append(line)
        elif current:
            blocks.append((first, current))
            current = []
    if current:
        blocks.append((first, current))
    return blocks


def _timing(line: str, number: int, *, vtt: bool, source: str) -> tuple[float, float]:
    match = (_VTT_TIMING_RE if vtt else _SRT_TIMING_RE).match(line)
    if not match:
        expected = "[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm" if vtt else "HH:MM:SS,mmm --> HH:MM:SS,mmm"
        raise ImportFailure(
            source,
            f"cue timing '{shorten(line)}' is not {expected}",
            place=f"line {number}",
        )
    groups = match.groups()
    start, end = _seconds(*groups[:4]), _seconds(*groups[4:])
    if end < start:
        raise ImportFailure(
            source,
            f"cue timing '{shorten(line)}' ends before it starts",
            place=f"line {number}",
        )
    return start, end


def _parse_srt_cues(text: str, source: str) -> list[_Cue]:
    cues: list[_Cue] = []
    for first, block in _blocks(text.split("\n")):
        head = block[0].strip()
        if "-->" in head or _STARTS_WITH_TIME_RE.match(head):
            timing_at = 0
        elif head.isdigit():
            if len(block) < 2 or "-->" not in block[1]:
                raise ImportFailure(
                    source,
                    f"cue {head} has no timing line; expected HH:MM:SS,mmm --> HH:MM:SS,mmm "
                    "on the line after the cue number",
                    place=f"line {first + 1}",
                )
            timing_at = 1
        elif cues and not any("-->" in line for line in block):
            cues[-1].lines.extend(block)  # a blank line inside a cue
            continue
        else:
            raise ImportFailure(
                source,
                f"expected a cue number or a cue timing, found '{shorten(head)}'",
                place=f"line {first}",
            )
        start, end = _timing(block[timing_at], first + timing_at, vtt=False, source=source)
        cues.append(_Cue(first + timing_at, start, end, block[timing_at + 1 :]))
    return cues


def _parse_vtt_cues(text: str, source: str) -> tuple[list[_Cue], dict[str, str]]:
    lines = text.split("\n")
    if not re.match(r"WEBVTT(?:[ \t]|$)", lines[0]):
        raise ImportFailure(
            source, "a WebVTT file must start with the line 'WEBVTT'", place="line 1"
        )
    blocks = _blocks(lines, vtt=True)
    first_line, header_block = blocks[0]
    # A timing line right under WEBVTT (no blank line) starts the first cue, as in browsers.
    timing = next((i for i, line in enumerate(header_block) if "-->" in line), None)
    if timing is not None:
        blocks[1:1] = [(first_line + timing, header_block[timing:])]
        header_block = header_block[:timing]
    header: dict[str, str] = {}
    for line in header_block[1:]:  # key: value lines after the WEBVTT line
        key, sep, value = line.partition(":")
        if sep:
            header[key.strip()] = value.strip()
    cues: list[_Cue] = []
    for first, block in blocks[1:]:
        head = block[0].strip()
        if head.split(maxsplit=1)[0] in _VTT_SKIPPED_BLOCKS and "-->" not in head:
            continue
        timing_at = 0 if "-->" in head or _STARTS_WITH_TIME_RE.match(head) else 1
        if timing_at == 1 and (len(block) < 2 or "-->" not in block[1]):
            raise ImportFailure(
                source,
                f"cue '{shorten(head)}' has no timing line; expected "
                "[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm after the cue identifier",
                place=f"line {first + 1}",
            )
        start, end = _timing(block[timing_at], first + timing_at, vtt=True, source=source)
        cues.append(_Cue(first + timing_at, start, end, block[timing_at + 1 :]))
    return cues, header


def _clean(piece: str, *, vtt: bool) -> str:
    piece = _TAG_RE.sub("", piece)
    return (html.unescape(piece) if vtt else piece).strip()


# How a part of a cue relates to the turn before it.
_CONTINUE, _NAMED, _NEW = "continue", "named", "new"


def _cue_parts(cue: _Cue, *, vtt: bool) -> list[tuple[str, str | None, str]]:
    """Split a cue into ``(kind, speaker, text)`` parts: ``named`` names a speaker,
    ``new`` starts an unnamed turn (a bare ``>>``), ``continue`` continues the turn."""
    parts: list[tuple[str, str | None, str]] = [(_CONTINUE, None, "")]
    for raw in cue.lines:
        pieces = _VOICE_RE.split(raw)  # [text, voice, text, voice, text, ...]
        for position, piece in enumerate(pieces):
            if position % 2 == 1:
                parts.append((_NAMED, " ".join(piece.split()) or None, ""))
                continue
            for number, chunk in enumerate(_CHEVRON_RE.split(_clean(piece, vtt=vtt))):
                chunk = chunk.strip()
                changed = number > 0  # after a ">>": a new speaker
                label = match_label(chunk, paragraph_start=True, allow_title=changed)
                if label is not None:
                    parts.append((_NAMED, label[0], label[1]))
                    continue
                if changed:
                    parts.append((_NEW, None, chunk))
                    continue
                if not chunk:
                    continue
                kind, speaker, so_far = parts[-1]
                parts[-1] = (kind, speaker, f"{so_far} {chunk}" if so_far else chunk)
    return [part for part in parts if part[2] or part[0] != _CONTINUE]


def _rolling(cues: list[_Cue]) -> bool:
    """Whether the cues are YouTube's automatic captions: word timings ``<00:00:03.300>``."""
    return any(_WORD_TIMING_RE.search(line) for cue in cues for line in cue.lines)


def _unroll(cues: list[_Cue]) -> list[_Cue]:
    """YouTube's rolling cues repeat the line before (the line being finished, then the
    finished line alone for a moment): keep each line once, in the cue that brings it."""
    last = ""
    kept: list[_Cue] = []
    for cue in cues:
        lines = []
        for line in cue.lines:
            cleaned = _clean(line, vtt=True)
            if not cleaned or cleaned == last:
                continue
            lines.append(line)
            last = cleaned
        kept.append(_Cue(cue.line, cue.start, cue.end, lines))
    return kept


def _build(
    cues: list[_Cue],
    *,
    vtt: bool,
    source_path: str | None,
    source: str,
    format: str,
    metadata: dict[str, object],
) -> list[ImportedDocument]:
    builder = DocumentBuilder()
    speaker: str | None = None
    pieces: list[str] = []
    start_time = end_time = 0.0

    def flush() -> None:
        if pieces:
            builder.add_turn([" ".join(pieces)], speaker, start_time, end_time)

    for cue in cues:
        for kind, name, text in _cue_parts(cue, vtt=vtt):
            if kind == _NEW or (kind == _NAMED and name != speaker):
                flush()
                speaker, pieces, start_time = name, [], cue.start
            if text:
                if not pieces:
                    start_time = cue.start
                pieces.append(normalise_text(text))
                end_time = cue.end
    flush()
    if not len(builder):
        raise ImportFailure(source, "the file has no cue with any text")
    title = Path(source_path or source).stem
    return [builder.build(title=title, format=format, source_path=source_path, metadata=metadata)]


def parse_srt(text: str, *, source: str, source_path: str | None) -> list[ImportedDocument]:
    """Parse a SubRip file (rules in the module docstring)."""
    cues = _parse_srt_cues(normalise_text(text), source)
    return _build(
        cues, vtt=False, source_path=source_path, source=source, format="srt", metadata={}
    )


def parse_vtt(text: str, *, source: str, source_path: str | None) -> list[ImportedDocument]:
    """Parse a WebVTT file (rules in the module docstring)."""
    cues, header = _parse_vtt_cues(normalise_text(text), source)
    metadata: dict[str, object] = {"header": header} if header else {}
    if _rolling(cues):
        cues = _unroll(cues)
    return _build(
        cues, vtt=True, source_path=source_path, source=source, format="vtt", metadata=metadata
    )
