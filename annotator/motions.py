"""Cursor motions and selection snapping over the immutable document text (pure functions).

Positions are code-point offsets in ``[0, len(text)]``; every function returns one in that
range. All work is local to the cursor: regex searches start at the cursor, backward searches
use growing windows, and turns are found with ``bisect``, so a call never scans a 7-MB text.

Words follow vim's ``w``/``b``/``e``: a word is a run of ``\\w`` with internal apostrophes or
hyphens (``don't``, ``well-known``), and a run of other non-space characters (``--``, ``?!``)
is a word of its own. Sentences end at ``.``/``!``/``?`` (plus closing quotes or brackets)
followed by whitespace, or at the end of a paragraph; common abbreviations (``Mr.``, ``U.S.``,
``e.g.``) and single initials (``J. Smith``) do not end a sentence. Paragraphs are separated by
``\\n``; turns by ``\\n\\n``, so a sentence never crosses a turn.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import NamedTuple

from annotator.model import Turn

__all__ = [
    "UNITS",
    "next_sentence_start",
    "next_turn_start",
    "next_word_start",
    "prev_sentence_start",
    "prev_turn_start",
    "prev_word_start",
    "sentence_start",
    "snap_range",
    "unit_at",
    "word_end",
]

UNITS = ("character", "word", "sentence", "turn")

_TOKEN = re.compile(r"\w+(?:['’\-]\w+)*|[^\w\s]+")
_NONSPACE = re.compile(r"\S")
_LAST_NONSPACE = re.compile(r"\S\s*\Z")  # searched in a window ending at the cursor
_LAST_SPACE = re.compile(r"\s\S*\Z")
_TERMINATOR = re.compile(r"[.!?]+[\"'”’)\]}»]*(?=\s)")
_BOUNDARY = re.compile(rf"{_TERMINATOR.pattern}|\n")  # a sentence end or a paragraph end
_WORD_BEFORE_DOT = re.compile(r"[\w.]*\Z")
_INITIALISM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")  # "U.S", "e.g", "i.e", "a.m"
_ABBREVIATION_WORDS = (
    "Mr Mrs Ms Mx Dr St Jr Sr Prof Sen Rep Gov Gen Lt Col Sgt Capt Cmdr Adm Rev Hon Mt Ft "
    "Messrs Mmes vs Vs cf approx Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec"
)
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
_FIRST_WINDOW = 64


def _clamp(text: str, pos: int) -> int:
    return min(max(pos, 0), len(text))


def _search_back(pattern: re.Pattern[str], text: str, pos: int, floor: int = 0) -> int | None:
    """Start of the match of a ``...\\Z`` pattern ending at ``pos``, found in windows that grow
    backwards from ``pos`` (so the cost is proportional to the distance, not the text)."""
    window = _FIRST_WINDOW
    while True:
        lo = max(floor, pos - window)
        match = pattern.search(text, lo, pos)
        if match is not None:
            return match.start()
        if lo == floor:
            return None
        window *= 8


def _last_nonspace_before(text: str, pos: int, floor: int = 0) -> int | None:
    """Index of the last non-whitespace character in ``[floor, pos)``."""
    return _search_back(_LAST_NONSPACE, text, pos, floor)


def _first_nonspace(text: str, pos: int, end: int | None = None) -> int | None:
    match = _NONSPACE.search(text, pos, len(text) if end is None else end)
    return match.start() if match else None


# --------------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------------


def _token_at(text: str, pos: int) -> tuple[int, int] | None:
    """The word containing ``pos``, or None on whitespace/end of text. Whitespace always
    separates words, so tokenising from the start of the surrounding non-space run is exact."""
    if pos >= len(text) or text[pos].isspace():
        return None
    space = _search_back(_LAST_SPACE, text, pos)
    run_start = 0 if space is None else space + 1
    for match in _TOKEN.finditer(text, run_start):
        if match.end() > pos:
            return match.span()
    return None  # unreachable: a non-space character always belongs to a token


def next_word_start(text: str, pos: int) -> int:
    """vim ``w``: the start of the next word, or ``len(text)``."""
    pos = _clamp(text, pos)
    token = _token_at(text, pos)
    match = _TOKEN.search(text, token[1] if token else pos)
    return match.start() if match else len(text)


def prev_word_start(text: str, pos: int) -> int:
    """vim ``b``: the start of the word before ``pos`` (or of the word ``pos`` is inside), or 0."""
    pos = _clamp(text, pos)
    last = _last_nonspace_before(text, pos)
    if last is None:
        return 0
    token = _token_at(text, last)
    return token[0] if token else 0


def word_end(text: str, pos: int) -> int:
    """vim ``e``: the last character of the word ending after ``pos``, or ``len(text)``."""
    pos = _clamp(text, pos) + 1
    if pos >= len(text):
        return len(text)
    token = _token_at(text, pos)
    if token is None:
        match = _TOKEN.search(text, pos)
        if match is None:
            return len(text)
        token = match.span()
    return token[1] - 1


def _word_bounds(text: str, pos: int) -> tuple[int, int] | None:
    """The word under ``pos``, else the next one, else the previous one."""
    token = _token_at(text, pos)
    if token is not None:
        return token
    match = _TOKEN.search(text, pos)
    if match is not None:
        return match.span()
    last = _last_nonspace_before(text, pos)
    return None if last is None else _token_at(text, last)


# --------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    """A terminator run ends a sentence unless it is the single dot of an abbreviation."""
    if match.group() != ".":
        return True
    dot = match.start()
    word = _WORD_BEFORE_DOT.search(text, max(0, dot - 16), dot).group()  # type: ignore[union-attr]
    if len(word) == 1:
        return not (word.isupper() and word != "I")  # "J. Smith", but "... than I. Then"
    return not (word in _ABBREVIATIONS or _INITIALISM.fullmatch(word))


class _Scan(NamedTuple):
    """Trimmed ``(start, end)`` sentences of one paragraph from an anchor onwards, plus the
    paragraph's start and end when the scan reached them (else None)."""

    sentences: list[tuple[int, int]]
    para_start: int | None
    para_end: int | None


def _scan(text: str, anchor: int, para_start: int | None, stop: float) -> _Scan:
    """Sentences from ``anchor`` (a paragraph start or a sentence end) until the first one
    starting after ``stop``, or the end of the paragraph. Lazy: it reads only that far."""
    sentences: list[tuple[int, int]] = []
    current = anchor
    for match in _BOUNDARY.finditer(text, anchor):
        if match.group() == "\n":
            para_end = match.start()
            break
        if _ends_sentence(text, match):
            start = _first_nonspace(text, current, match.start())
            start = match.start() if start is None else start
            sentences.append((start, match.end()))
            current = match.end()
            if start > stop:
                return _Scan(sentences, para_start, None)
    else:
        para_end = len(text)
    start = _first_nonspace(text, current, para_end)
    if start is not None:
        last = _last_nonspace_before(text, para_end, start)
        sentences.append((start, para_end if last is None else last + 1))
    return _Scan(sentences, para_start, para_end)


def _sentences_around(text: str, pos: int) -> _Scan:
    """The sentences of ``pos``'s paragraph from at least the one holding ``pos`` (if any)
    through the first one starting after ``pos``.

    The anchor is found in a window growing backwards from ``pos``: the first sentence end in
    it, or the paragraph start once the window reaches a ``\\n``. A ``\\n`` at ``pos`` belongs
    to the paragraph it ends."""
    window = _FIRST_WINDOW * 2
    while True:
        lo = max(0, pos - window)
        newline = text.rfind("\n", lo, pos)
        if newline >= 0 or lo == 0:
            return _scan(text, newline + 1, newline + 1, pos)
        # A match must start after lo: one starting at lo may be a cut "?!" or "...".
        for match in _TERMINATOR.finditer(text, lo):
            if match.start() > pos:
                break
            if match.start() > lo and _ends_sentence(text, match):
                after = _first_nonspace(text, match.end(), pos + 1)
                if after is not None:  # the sentence after it starts by pos: a good anchor
                    return _scan(text, match.end(), None, pos)
                break
        window *= 8


def _last_sentence_start(text: str, pos: int) -> int | None:
    """The largest sentence start <= ``pos``."""
    while pos >= 0:
        scan = _sentences_around(text, pos)
        starts = [start for start, _ in scan.sentences if start <= pos]
        if starts:
            return starts[-1]
        # pos precedes its paragraph's first sentence (so the scan began at the paragraph
        # start): continue in the paragraphs before.
        previous = _last_nonspace_before(text, scan.para_start or 0)
        if previous is None:
            return None
        pos = previous
    return None


def sentence_start(text: str, pos: int) -> int:
    """The start of the sentence holding ``pos`` (whitespace after a sentence belongs to it)."""
    start = _last_sentence_start(text, _clamp(text, pos))
    return 0 if start is None else start


def prev_sentence_start(text: str, pos: int) -> int:
    """vim ``(``: the nearest sentence start before ``pos``, or 0."""
    pos = _clamp(text, pos)
    start = _last_sentence_start(text, pos - 1) if pos > 0 else None
    return 0 if start is None else start


def next_sentence_start(text: str, pos: int) -> int:
    """vim ``)``: the nearest sentence start after ``pos``, or ``len(text)``."""
    pos = _clamp(text, pos)
    if pos >= len(text):
        return len(text)
    scan = _sentences_around(text, pos)
    for start, _ in scan.sentences:
        if start > pos:
            return start
    # The first non-space after this paragraph starts the next paragraph's first sentence.
    following = _first_nonspace(text, scan.para_end)  # type: ignore[arg-type]
    return len(text) if following is None else following


def _sentence_containing(text: str, pos: int) -> tuple[int, int] | None:
    """The sentence whose trimmed extent contains ``pos`` (a non-space position)."""
    for start, end in _sentences_around(text, pos).sentences:
        if start <= pos < end:
            return start, end
    return None


def _sentence_bounds(text: str, pos: int) -> tuple[int, int] | None:
    """The sentence under ``pos``, else the next one, else the previous one."""
    scan = _sentences_around(text, pos)
    for start, end in scan.sentences:
        if start <= pos < end or start > pos:
            return start, end
    following = _first_nonspace(text, scan.para_end)  # type: ignore[arg-type]
    if following is not None:
        return _sentence_containing(text, following)
    previous = _last_nonspace_before(text, pos)
    return None if previous is None else _sentence_containing(text, previous)


# --------------------------------------------------------------------------------------------
# Turns
# --------------------------------------------------------------------------------------------


def _turn_start(turn: Turn) -> int:
    return turn.start


def next_turn_start(text: str, turns: Sequence[Turn], pos: int) -> int:
    """``}``: the start of the first turn after ``pos``, or ``len(text)``."""
    i = bisect_right(turns, pos, key=_turn_start)
    return turns[i].start if i < len(turns) else len(text)


def prev_turn_start(text: str, turns: Sequence[Turn], pos: int) -> int:
    """``{``: the start of the last turn before ``pos``, or 0."""
    i = bisect_left(turns, pos, key=_turn_start) - 1
    return turns[i].start if i >= 0 else 0


def _turn_bounds(text: str, turns: Sequence[Turn], pos: int) -> tuple[int, int]:
    """The turn holding ``pos`` (its end included), else the next one, else the last one."""
    if not turns:
        return 0, len(text)
    i = bisect_right(turns, pos, key=_turn_start) - 1
    if i < 0 or (pos > turns[i].end and i + 1 < len(turns)):
        i += 1
    return turns[i].start, turns[i].end


# --------------------------------------------------------------------------------------------
# Snapping
# --------------------------------------------------------------------------------------------


def unit_at(text: str, turns: Sequence[Turn], pos: int, unit: str) -> tuple[int, int]:
    """``[start, end)`` of the ``unit`` under ``pos``.

    character: the code point at ``pos`` (the last one at the end of the text). word: the
    word under or after ``pos`` (else before), without whitespace. sentence: likewise, trimmed.
    turn: the whole turn holding ``pos``, or the next one when ``pos`` is between turns.
    Returns ``(pos, pos)`` only when the text has no such unit at all.
    """
    pos = _clamp(text, pos)
    if unit == "character":
        if not text:
            return 0, 0
        pos = min(pos, len(text) - 1)
        return pos, pos + 1
    if unit == "word":
        bounds = _word_bounds(text, pos)
    elif unit == "sentence":
        bounds = _sentence_bounds(text, pos)
    elif unit == "turn":
        bounds = _turn_bounds(text, turns, pos)
    else:
        raise ValueError(f"unknown unit {unit!r}; expected one of {UNITS}")
    return (pos, pos) if bounds is None else bounds


def snap_range(
    text: str, turns: Sequence[Turn], start: int, end: int, unit: str
) -> tuple[int, int]:
    """Widen ``[start, end)`` to whole units (edges move outward, surrounding whitespace is
    trimmed for words and sentences). An empty input snaps to ``unit_at(start)``; a non-empty
    one never comes back empty (a whitespace-only selection is returned unchanged)."""
    start, end = sorted((_clamp(text, start), _clamp(text, end)))
    if start == end:
        return unit_at(text, turns, start, unit)
    if unit == "character":
        return start, end
    if unit == "turn":
        if not turns:
            return start, end
        first = bisect_right(turns, start, key=_turn_start) - 1
        if first < 0 or turns[first].end <= start:
            first += 1
        last = bisect_left(turns, end, key=_turn_start) - 1
        if first > last:
            return start, end  # only the space between two turns is selected
        return turns[first].start, turns[last].end
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; expected one of {UNITS}")
    first_char = _first_nonspace(text, start, end)
    last_char = _last_nonspace_before(text, end, start)
    if first_char is None or last_char is None:
        return start, end
    containing = _token_at if unit == "word" else _sentence_containing
    head, tail = containing(text, first_char), containing(text, last_char)
    return (
        first_char if head is None else head[0],
        last_char + 1 if tail is None else tail[1],
    )
