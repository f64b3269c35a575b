"""Pure text layer of the transcript view: display sanitising, cell widths, the wrap index
and span bucketing (``docs/architecture.md``, "The transcript view").

Nothing here imports Textual. Offsets are half-open ``[start, end)`` code-point offsets into the
immutable document text; terminal cells only appear in ``cell_len``/``char_cells``, the wrap
index and its hit testing.

Display contract: the view must draw ``display_text(text[a:b])``, never the raw slice.
``display_text`` maps every code point to exactly one glyph, so offsets and glyph positions stay
aligned, and ``char_cells`` reports the width of that *displayed* glyph.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Sequence
from functools import lru_cache
from itertools import accumulate, pairwise
from operator import itemgetter
from typing import Any, NamedTuple

from annotator.model import Span, Turn, check_turns

__all__ = [
    "BLANK",
    "HEADER",
    "TEXT",
    "Piece",
    "Row",
    "SpanIndex",
    "SpanRef",
    "WrapIndex",
    "cell_len",
    "char_cells",
    "display_text",
    "segments",
    "wrap_paragraph",
]

# --------------------------------------------------------------------------------------------
# Display sanitising
# --------------------------------------------------------------------------------------------


def _display_table(keep_newlines: bool) -> dict[int, str]:
    # C0 controls become their U+24xx "control picture" (ESC -> ␛), so a transcript can never
    # emit an escape sequence, and each one is still one visible, 1-cell glyph.
    table = {code: chr(0x2400 + code) for code in range(0x20)}
    table[0x09] = " "  # a tab is one space: the wrap and the cursor treat it as one cell
    if keep_newlines:
        del table[0x0A]
    table[0x7F] = "\u2421"  # ␡
    for code in range(0x80, 0xA0):  # C1 controls (CSI, OSC, NEL, ...) have no pictures
        table[code] = "\ufffd"
    table[0x2028] = table[0x2029] = " "  # line/paragraph separators: some terminals break on them
    for code in range(0xD800, 0xE000):  # lone surrogates cannot even be encoded for output
        table[code] = "\ufffd"
    return table


_DISPLAY = _display_table(keep_newlines=True)
_DISPLAY_ONE_LINE = _display_table(keep_newlines=False)
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_UNSAFE_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def display_text(text: str, *, keep_newlines: bool = True) -> str:
    """``text`` made safe to write to a terminal, one output code point per input code point.

    Controls (C0 except ``\\n``, DEL, C1), line/paragraph separators and lone surrogates are
    replaced by visible 1-cell glyphs; a tab becomes one space. ``len(result) == len(text)``
    always. Pass ``keep_newlines=False`` for one-line strings such as speaker names, where
    ``\\n`` becomes ``␊``.
    """
    unsafe, table = (_UNSAFE, _DISPLAY) if keep_newlines else (_UNSAFE_ONE_LINE, _DISPLAY_ONE_LINE)
    # Only where the pattern matches (a few characters of a text, if any): str.translate
    # looks every character up in the table, 6x slower on a turn with one line break.
    return unsafe.sub(lambda match: table[ord(match.group())], text)


# --------------------------------------------------------------------------------------------
# Cell widths
# --------------------------------------------------------------------------------------------

_VS16 = "\ufe0f"
_ZWJ = "\u200d"


def _ranges(spec: str) -> frozenset[str]:
    chars: set[str] = set()
    for part in spec.split():
        first, _, last = part.partition("-")
        chars.update(map(chr, range(int(first, 16), int(last or first, 16) + 1)))
    return frozenset(chars)


# Narrow characters that a following VS16 turns into a 2-cell emoji (the bases listed in
# Unicode's emoji-variation-sequences.txt; the same set rich uses, so our columns match the
# renderer's). Bases that are already wide are unaffected by VS16.
_VS16_BASES = _ranges(
    "0023 002A 0030-0039 00A9 00AE 203C 2049 2122 2139 2194-2199 21A9-21AA 2328 23CF "
    "23ED-23EF 23F1-23F2 23F8-23FA 24C2 25AA-25AB 25B6 25C0 25FB-25FC 2600-2604 260E 2611 "
    "2618 261D 2620 2622-2623 2626 262A 262E-262F 2638-263A 2640 2642 265F-2660 2663 "
    "2665-2666 2668 267B 267E 2692 2694-2697 2699 269B-269C 26A0 26A7 26B0-26B1 26C8 26CF "
    "26D1 26D3 26E9 26F0-26F1 26F4 26F7-26F9 2702 2708-2709 270C-270D 270F 2712 2714 2716 "
    "271D 2721 2733-2734 2744 2747 2763-2764 27A1 2934-2935 2B05-2B07 1F170-1F171 "
    "1F17E-1F17F 1F321 1F324-1F32C 1F336 1F37D 1F396-1F397 1F399-1F39B 1F39E-1F39F "
    "1F3CB-1F3CE 1F3D4-1F3DF 1F3F3 1F3F5 1F3F7 1F43F 1F441 1F4FD 1F549-1F54A 1F56F-1F570 "
    "1F573-1F579 1F587 1F58A-1F58D 1F590 1F5A5 1F5A8 1F5B1-1F5B2 1F5BC 1F5C2-1F5C4 "
    "1F5D1-1F5D3 1F5DC-1F5DE 1F5E1 1F5E3 1F5E8 1F5EF 1F5F3 1F5FA 1F6CB 1F6CD-1F6CF 1F6E0-1F6E5 "
    "1F6E9 1F6F0 1F6F3"
)


# Format characters that terminals draw as one cell: the soft hyphen and the prepended
# concatenation marks (Arabic number signs and the like).
_VISIBLE_FORMAT = _ranges("00AD 0600-0605 06DD 070F 0890-0891 08E2 110BD 110CD")

# Unassigned code points whose default width is wide (CJK extensions, new emoji). Python's
# unicodedata reports "F" for every unassigned code point, so it cannot be trusted there.
_WIDE_UNASSIGNED = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x1F300, 0x1FAFF),
    (0x20000, 0x3FFFD),
)


@lru_cache(maxsize=65536)
def char_cells(ch: str) -> int:
    """Terminal cells of one code point *as displayed* (see ``display_text``): 0, 1 or 2.

    Controls count 1 (they are shown as a 1-cell picture) and ``\n`` 0. Combining marks
    (Mn, Mc, Me), format characters (ZWJ, ZWSP, bidi marks, variation selectors), conjoining
    Hangul vowels/finals and emoji skin-tone modifiers count 0. East Asian Wide/Fullwidth
    count 2, emoji included. Emoji with a text default (``☀``, ``❤``, ``🌡``) count 1 on their
    own and 2 when followed by VS16; the character after a ZWJ is joined to the one before.
    Those two rules need context: ``cell_len`` and the wrap index apply them, this function
    cannot. The result matches ``rich.cells`` (the renderer) except for Unicode-version drift.
    """
    code = ord(ch)
    if code < 0x20 or 0x7F <= code < 0xA0:
        return 0 if code == 0x0A else 1
    if code < 0x7F:
        return 1
    if 0xD800 <= code < 0xE000:  # displayed as U+FFFD
        return 1
    category = unicodedata.category(ch)
    if category == "Cf" and ch in _VISIBLE_FORMAT:
        return 1
    if (
        category in ("Mn", "Mc", "Me", "Cf")
        or 0x1160 <= code <= 0x11FF
        or 0xD7B0 <= code <= 0xD7FF
        or 0x1F3FB <= code <= 0x1F3FF
    ):
        return 0
    if category == "Cn":
        return 2 if any(lo <= code <= hi for lo, hi in _WIDE_UNASSIGNED) else 1
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _widths(text: str) -> list[int]:
    """Cells per code point in context: the VS16 pair's extra cell goes to its base (so hit
    testing lands on the base and the selector is a 0-cell tail like a combining mark), and
    the character after a ZWJ is 0 (it joins the glyph before), as in rich."""
    widths = list(map(char_cells, text))
    if _VS16 in text:
        index = text.find(_VS16, 1)
        while index != -1:
            if widths[index - 1] == 1 and text[index - 1] in _VS16_BASES:
                widths[index - 1] = 2
            index = text.find(_VS16, index + 1)
    if _ZWJ in text:
        index = text.find(_ZWJ)
        while index != -1 and index + 1 < len(text):
            widths[index + 1] = 0
            index = text.find(_ZWJ, index + 2)
    return widths


def cell_len(text: str) -> int:
    """Terminal cells needed to display ``text`` (one line; ``\\n`` counts 0)."""
    if text.isascii() or _is_narrow(text):  # most text: Latin, curly quotes, dashes
        return len(text) - text.count("\n")
    if _VS16 in text or _ZWJ in text:
        return sum(_widths(text))
    return sum(map(char_cells, text))


@lru_cache(maxsize=1)
def _not_common_narrow() -> re.Pattern[str]:
    """Matches any character that is not a known 1-cell character below U+3000 (Latin,
    Greek, Cyrillic, punctuation such as curly quotes and dashes, symbols) or ``\\n``.

    Built on first use (~10 ms): a regex character class scans a turn far faster than
    per-character set lookups, and that check runs for every non-ASCII turn."""
    ranges: list[list[int]] = []
    for code in range(0x3000):
        if (code == 0x0A or char_cells(chr(code)) == 1) and not 0xD800 <= code < 0xE000:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    body = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return re.compile(f"[^{body}]")


# Other characters verified to take exactly one cell. Grows as documents are indexed.
_NARROW: set[str] = {chr(code) for code in range(0x80)}


def _is_narrow(text: str) -> bool:
    """True when every code point of ``text`` (other than ``\\n``) takes exactly one cell, so
    code points == cells and the regex wrapper is exact."""
    if text.isascii():
        return True
    first = _not_common_narrow().search(text)
    if first is None:
        return True
    rest = text[first.start() :]
    if _NARROW.issuperset(rest):
        return True
    narrow = True
    for ch in set(rest).difference(_NARROW):
        if ch == "\n" or char_cells(ch) == 1:
            _NARROW.add(ch)
        else:
            narrow = False
    return narrow


_SUSPECT_LIMIT = 20_000


def _narrow_turns(text: str, turns: Sequence[Turn]) -> bytearray:
    """Per turn, 1 when the regex wrapper applies to all of it (see ``_is_narrow``).

    One C-speed scan of the whole text finds the runs of uncommon characters; only turns
    holding one are checked exactly. Text full of uncommon characters (a Chinese transcript)
    falls back to checking every turn."""
    flags = bytearray(b"\x01") * len(turns)
    if text.isascii():
        return flags
    suspects: list[int] = []
    for match in _not_common_narrow().finditer(text):
        suspects.append(match.start())
        if len(suspects) > _SUSPECT_LIMIT:
            break
    else:
        if not suspects:
            return flags
        for t, turn in enumerate(turns):
            i = bisect_left(suspects, turn.start)
            if i < len(suspects) and suspects[i] < turn.end:
                flags[t] = _is_narrow(text[turn.start : turn.end])
        return flags
    for t, turn in enumerate(turns):
        flags[t] = _is_narrow(text[turn.start : turn.end])
    return flags


# --------------------------------------------------------------------------------------------
# Wrapping one paragraph
# --------------------------------------------------------------------------------------------

# Break opportunities are after runs of breakable whitespace. No-break spaces are not
# breakable, and "\n" is the paragraph separator, not a space.
_WS = r"[^\S\n\xa0\u2007\u202f]"
_NWS = r"[\S\xa0\u2007\u202f]"
_NO_BREAK = "\xa0\u2007\u202f"
_WORD_END = re.compile(rf"{_NWS}(?={_WS}|$)")
_WS_RUN = re.compile(rf"{_WS}*")


@lru_cache(maxsize=32)
def _row_regex(width: int) -> re.Pattern[str]:
    """One match per wrapped row, for text where 1 code point == 1 cell.

    Alternatives, in order: (A) the longest run of at most ``width`` chars ending in a
    non-space, plus all the whitespace after it (the overhang); (C) an all-whitespace rest of
    the paragraph; (L) leading whitespace alone on its row, when the word after it fits a
    row of its own but not after the whitespace; (B) a hard break of exactly ``width`` chars
    (a word longer than the width); (D) an empty paragraph. With MULTILINE and ``.``
    excluding ``\\n``, one pass over a whole turn yields the rows of all its paragraphs; the
    ``\\n`` itself is never part of a row.
    """
    return re.compile(
        rf"(?m)(?:.{{0,{width - 1}}}{_NWS}(?:{_WS}+|$))|(?:{_WS}+$)"
        rf"|(?:{_WS}+(?={_NWS}{{1,{width}}}(?:{_WS}|$)))"
        rf"|(?:.{{{width}}})|(?:^$)"
    )


def _wrap_regex(paragraph: str, width: int) -> list[tuple[int, int]]:
    """Fast path: rows of a narrow paragraph (or several ``\\n``-separated ones)."""
    return [match.span() for match in _row_regex(width).finditer(paragraph)]


def _wrap_cells(paragraph: str, width: int) -> list[tuple[int, int]]:
    """Cell-aware wrapper with the same rules as ``_row_regex``, for wide/zero-width text.

    Prefix sums of cells plus bisect keep it O(rows · log n) on top of C-speed scans.
    """
    n = len(paragraph)
    if n == 0:
        return [(0, 0)]
    widths = _widths(paragraph)
    cum = list(accumulate(widths, initial=0))
    total = cum[-1]
    word_ends = [match.end() for match in _WORD_END.finditer(paragraph)]
    rows: list[tuple[int, int]] = []
    start = 0
    while start < n:
        limit = cum[start] + width
        if total <= limit:
            end = n  # the rest fits (trailing whitespace included)
        else:
            fit = bisect_right(cum, limit, start) - 1  # longest prefix within the width
            j = bisect_right(word_ends, fit) - 1
            if j >= 0 and word_ends[j] > start:
                end = _WS_RUN.match(paragraph, word_ends[j]).end()  # type: ignore[union-attr]
            elif bisect_right(word_ends, start) == len(word_ends):
                end = n  # only whitespace is left: it all overhangs this row
            else:
                end = fit if fit > start else start + 1  # hard break; always make progress
                if paragraph[start].isspace() and paragraph[start] not in _NO_BREAK:
                    spaces = _WS_RUN.match(paragraph, start).end()  # type: ignore[union-attr]
                    word = word_ends[bisect_right(word_ends, spaces)]
                    if cum[word] - cum[spaces] <= width:
                        end = spaces  # leading whitespace alone; the word gets a row of its own
            while end < n and widths[end] == 0:
                end += 1  # never start a row with a combining mark or a joined character
        rows.append((start, end))
        start = end
    return rows


def wrap_paragraph(paragraph: str, width: int) -> list[tuple[int, int]]:
    """The ``[start, end)`` rows of one paragraph (no ``\\n``) wrapped at ``width`` cells.

    Greedy word wrap: a row breaks after a whitespace run; whitespace at a break stays on the
    row before it and may overhang the width (the renderer crops it); a word longer than the
    width is broken hard. Rows are contiguous and cover the paragraph exactly; an empty
    paragraph is one empty row.
    """
    if width < 1:
        raise ValueError(f"width must be at least 1, not {width}")
    if _is_narrow(paragraph):
        return _wrap_regex(paragraph, width)
    return _wrap_cells(paragraph, width)


# --------------------------------------------------------------------------------------------
# Wrap index
# --------------------------------------------------------------------------------------------

HEADER = "header"
TEXT = "text"
BLANK = "blank"


class Row(NamedTuple):
    """One virtual row. Text rows carry global ``[start, end)`` offsets (``start == end`` for an
    empty paragraph); header and blank rows carry ``start == end == turns[turn].start``. A
    blank row separates turn ``turn`` from the next one."""

    kind: str
    turn: int
    start: int
    end: int


class WrapIndex:
    """Virtual rows of a whole document wrapped at one width.

    Each turn contributes ``header_rows`` header rows (drawn by the view), then the wrapped
    rows of its ``\\n``-separated paragraphs, then one blank row if another turn follows. Text
    outside the turns (the ``\\n\\n`` separators) is not shown. A document without turns is
    treated as one turn spanning the whole text with no header.

    Memory: two ``array('i')`` of row starts/ends (8 bytes per text row) and two per turn.
    ``row``, ``row_of_offset`` and ``rows_for_range`` are O(log n); ``offset_at`` and
    ``cell_x`` are O(row length).
    """

    def __init__(self, text: str, turns: Sequence[Turn], width: int, header_rows: int = 1):
        if width < 1:
            raise ValueError(f"width must be at least 1, not {width}")
        if header_rows < 0:
            raise ValueError(f"header_rows must not be negative, not {header_rows}")
        if turns:
            check_turns(text, list(turns))
            self.turns: tuple[Turn, ...] = tuple(turns)
        else:
            self.turns = (Turn(0, 0, len(text)),)
            header_rows = 0
        self.text = text
        self.width = width
        self.header_rows = header_rows
        self._narrow = _narrow_turns(text, self.turns)
        self._wrap()

    def with_width(self, width: int) -> WrapIndex:
        """The same document wrapped at another width (for a resize): skips re-validating the
        turns and re-classifying their characters."""
        if width < 1:
            raise ValueError(f"width must be at least 1, not {width}")
        other = WrapIndex.__new__(WrapIndex)
        other.turns, other.text, other.width = self.turns, self.text, width
        other.header_rows, other._narrow = self.header_rows, self._narrow
        other._wrap()
        return other

    # -- building ------------------------------------------------------------------------------

    def _wrap(self) -> None:
        text, width = self.text, self.width
        rows_rx = _row_regex(width)
        self._starts = starts = array("i")
        self._ends = ends = array("i")
        # Index into _starts of each turn's first text row, plus the total.
        self._turn_row0 = turn_row0 = array("i")
        match_start, match_end = re.Match.start, re.Match.end
        for turn, narrow in zip(self.turns, self._narrow, strict=True):
            turn_row0.append(len(starts))
            a, b = turn.start, turn.end
            if narrow:
                if a == 0 or text[a - 1] == "\n":
                    # Search the document in place: "^" holds at a, "$" at the endpos b.
                    matches = list(rows_rx.finditer(text, a, b))
                    starts.extend(map(match_start, matches))
                    ends.extend(map(match_end, matches))
                else:  # "^" would not match at a: wrap a copy (rare: turns not on a line start)
                    for s, e in _wrap_regex(text[a:b], width):
                        starts.append(a + s)
                        ends.append(a + e)
                continue
            offset = a
            for paragraph in text[a:b].split("\n"):
                for s, e in wrap_paragraph(paragraph, width):
                    starts.append(offset + s)
                    ends.append(offset + e)
                offset += len(paragraph) + 1
        turn_row0.append(len(starts))
        per_turn = self.header_rows + 1  # header rows plus the blank row after the turn
        self._turn_y = array("i", (k + t * per_turn for t, k in enumerate(turn_row0)))
        self.height: int = len(starts) + len(self.turns) * per_turn - 1

    # -- rows ------------------------------------------------------------------------------------

    @property
    def text_rows(self) -> int:
        return len(self._starts)

    def row(self, y: int) -> Row:
        """The virtual row ``y`` (0 <= y < height)."""
        if not 0 <= y < self.height:
            raise IndexError(f"row {y} outside 0..{self.height - 1}")
        t = bisect_right(self._turn_y, y) - 1
        local = y - self._turn_y[t]
        turn_start = self.turns[t].start
        if local < self.header_rows:
            return Row(HEADER, t, turn_start, turn_start)
        k = self._turn_row0[t] + local - self.header_rows
        if k >= self._turn_row0[t + 1]:
            return Row(BLANK, t, turn_start, turn_start)
        return Row(TEXT, t, self._starts[k], self._ends[k])

    def _text_y(self, k: int) -> int:
        t = bisect_right(self._turn_row0, k) - 1
        return k + t * (self.header_rows + 1) + self.header_rows

    def row_of_offset(self, offset: int) -> int:
        """The text row containing ``offset``.

        An offset at a wrap boundary belongs to the row it starts; the end of a paragraph (its
        ``\\n`` or the turn end) belongs to the paragraph's last row; offsets between turns
        belong to the last row of the turn before (before the first turn: its first row).
        """
        k = bisect_right(self._starts, offset) - 1
        return self._text_y(k if k > 0 else 0)

    def rows_for_range(self, start: int, end: int) -> range:
        """Virtual rows covered by ``[start, end)``, including any header and blank rows between
        its first and last text row (what to refresh when a span changes). An empty range
        gives the one row of ``start``."""
        if end < start:
            start, end = end, start
        first = self.row_of_offset(start)
        last = self.row_of_offset(end - 1) if end > start else first
        return range(first, last + 1)

    def turn_rows(self, turn: int) -> range:
        """Rows of a turn: its header rows and text rows, without the blank row after it."""
        y0 = self._turn_y[turn]
        return range(y0, y0 + self.header_rows + self._turn_row0[turn + 1] - self._turn_row0[turn])

    def y_of(self, row: Row) -> int:
        """Where ``row`` (possibly from an index at another width) is now: for keeping the
        viewport anchored across a re-wrap."""
        if row.kind == TEXT:
            return self.row_of_offset(row.start)
        turn = min(max(row.turn, 0), len(self.turns) - 1)
        if row.kind == HEADER:
            return self._turn_y[turn]
        return min(self.turn_rows(turn).stop, self.height - 1)

    def _is_paragraph_end(self, offset: int, turn: int) -> bool:
        return offset >= self.turns[turn].end or self.text[offset] == "\n"

    # -- columns ---------------------------------------------------------------------------------

    def offset_at(self, y: int, cell_x: int) -> int:
        """The offset under cell ``cell_x`` of row ``y`` (mouse clicks, up/down with a goal
        column).

        Any cell of a wide character gives that character; zero-width characters are never
        returned. Past the end of the row gives the row's last cursor position: the paragraph
        end for a paragraph's last row, else the last glyph (normally the trailing space), so
        the result always maps back to row ``y``. Header rows give the turn start, blank rows
        the end of the turn before.
        """
        row = self.row(y)
        if row.kind == HEADER:
            return row.start
        if row.kind == BLANK:
            return self.turns[row.turn].end
        a, b = row.start, row.end
        if a == b:
            return a
        cell_x = max(cell_x, 0)
        segment = self.text[a:b]
        last_row = self._is_paragraph_end(b, row.turn)
        if segment.isascii():
            return min(a + cell_x, b if last_row else b - 1)
        widths = _widths(segment)
        x = 0
        for i, w in enumerate(widths):
            if w and cell_x < x + w:
                return a + i
            x += w
        if last_row:
            return b
        return a + max(i for i, w in enumerate(widths) if w or i == 0)

    def cell_x(self, offset: int) -> int:
        """The cell column of ``offset`` within its row (see ``row_of_offset``). Columns of
        whitespace overhanging the width, or of a full row's end, can be ``>= width``: clamp
        when drawing a cursor there. A zero-width character shares the column after its base."""
        row = self.row(self.row_of_offset(offset))
        a = row.start
        n = min(offset, row.end) - a
        if n <= 0:
            return 0
        segment = self.text[a : row.end]
        if segment.isascii():
            return n
        return sum(_widths(segment)[:n])

    def row_text(self, y: int) -> str:
        """The display-safe text of row ``y`` (empty for header and blank rows)."""
        row = self.row(y)
        return display_text(self.text[row.start : row.end]) if row.kind == TEXT else ""


# --------------------------------------------------------------------------------------------
# Spans
# --------------------------------------------------------------------------------------------


class SpanRef(NamedTuple):
    """A span as the view needs it: global offsets, a label (any hashable, e.g. the label
    name or ``(annotator, label)``) and a unique key (e.g. the span id)."""

    start: int
    end: int
    # Any hashable; typed Any so that callers get back the types they put in (the app: a
    # label id or tone, and a span id) without a cast at every lookup.
    label: Any
    key: Any


_new_span = tuple.__new__
_first = itemgetter(0)


class _Bucket:
    __slots__ = ("items", "max_len", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []  # start clipped to the bucket, sorted
        self.items: list[SpanRef] = []
        self.max_len = 0  # upper bound of clipped lengths: bounds the backward scan


class SpanIndex:
    """Spans bucketed per turn for painting and hit testing.

    Bucket ``t`` covers ``[turns[t].start, turns[t + 1].start)`` (bucket 0 also covers the text
    before turn 0), so the buckets partition the whole document. A span crossing turns sits in
    every bucket it touches, keyed by its start clipped to the bucket, so long spans do not
    widen the scan of other buckets. ``in_range`` is O(log n + spans scanned in the touched
    buckets); ``version(t)`` changes whenever a span touching bucket ``t`` is added/removed.
    """

    def __init__(self, turns: Sequence[Turn], spans: Iterable[Sequence | Span] = ()):
        self._bounds = [0] + [turn.start for turn in list(turns)[1:]]
        self._buckets: dict[int, _Bucket] = {}
        self._versions: dict[int, int] = {}
        self._by_key: dict[Hashable, SpanRef] = {}
        pending: dict[int, list[tuple[int, int, SpanRef]]] = {}
        bounds, last_bucket = self._bounds, len(self._bounds) - 1
        by_key, checked = self._by_key, self._checked
        for raw in spans:
            # The body runs once per span of the document (100,000 on a heavily annotated
            # one, when it opens): plain locals and tuple indexing, not NamedTuple fields.
            if type(raw) is tuple and len(raw) == 4 and 0 <= raw[0] < raw[1]:
                start, end = raw[0], raw[1]
                span = _new_span(SpanRef, raw)
                if span[3] in by_key:
                    raise ValueError(f"duplicate span key {span[3]!r}")
            elif type(raw) is Span and 0 <= raw.start < raw.end and raw.id not in by_key:
                start, end = raw.start, raw.end
                span = _new_span(SpanRef, (start, end, raw.label, raw.id))
            else:
                span = checked(raw)
                start, end = span[0], span[1]
            by_key[span[3]] = span
            b = bisect_right(bounds, start) - 1
            if b == last_bucket or end <= bounds[b + 1]:  # the usual case: one turn
                entries = pending.get(b)
                if entries is None:
                    entries = pending[b] = []
                entries.append((start, end - start, span))
                continue
            for b, clipped, length in self._pieces(span):
                pending.setdefault(b, []).append((clipped, length, span))
        for b, entries in pending.items():
            entries.sort(key=_first)
            bucket = self._buckets[b] = _Bucket()
            bucket.starts = [entry[0] for entry in entries]
            bucket.items = [entry[2] for entry in entries]
            bucket.max_len = max(entry[1] for entry in entries)

    def _checked(self, raw: Sequence | Span) -> SpanRef:
        """A ``SpanRef`` from a ``(start, end, label, key)`` sequence or a ``model.Span``
        (label ``span.label``, key ``span.id``)."""
        # tuple.__new__ skips the NamedTuple's Python-level __new__: bulk loads are 2x faster.
        if type(raw) is SpanRef:
            span = raw
        elif isinstance(raw, Span):
            span = _new_span(SpanRef, (raw.start, raw.end, raw.label, raw.id))
        else:
            span = _new_span(SpanRef, tuple(raw[:4]))
        if len(span) != 4 or not 0 <= span.start < span.end:
            raise ValueError(f"span [{span.start}, {span.end}) is empty or negative")
        if span.key in self._by_key:
            raise ValueError(f"duplicate span key {span.key!r}")
        return span

    def turn_of(self, offset: int) -> int:
        """The bucket (turn index) an offset falls in."""
        return max(bisect_right(self._bounds, offset) - 1, 0)

    def _pieces(self, span: SpanRef) -> Iterable[tuple[int, int, int]]:
        first, last = self.turn_of(span.start), self.turn_of(span.end - 1)
        for b in range(first, last + 1):
            clipped = max(span.start, self._bounds[b])
            stop = span.end if b == last else self._bounds[b + 1]
            yield b, clipped, stop - clipped

    def _bump(self, b: int) -> None:
        self._versions[b] = self._versions.get(b, 0) + 1

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def get(self, key: Hashable) -> SpanRef | None:
        return self._by_key.get(key)

    def version(self, turn: int) -> int:
        """A counter for the view's per-row cache key; bumped on every change in that turn."""
        return self._versions.get(turn, 0)

    def add(self, span: Sequence | Span) -> range:
        """Add a ``(start, end, label, key)`` span; returns the turns whose version changed."""
        ref = self._checked(span)
        self._by_key[ref.key] = ref
        touched = []
        for b, clipped, length in self._pieces(ref):
            bucket = self._buckets.get(b)
            if bucket is None:
                bucket = self._buckets[b] = _Bucket()
            i = bisect_right(bucket.starts, clipped)
            bucket.starts.insert(i, clipped)
            bucket.items.insert(i, ref)
            bucket.max_len = max(bucket.max_len, length)
            self._bump(b)
            touched.append(b)
        return range(touched[0], touched[-1] + 1)

    def remove(self, key: Hashable) -> SpanRef:
        """Remove the span with ``key`` (KeyError if absent) and return it."""
        ref = self._by_key.pop(key)
        for b, clipped, length in self._pieces(ref):
            bucket = self._buckets[b]
            i = bisect_left(bucket.starts, clipped)
            while bucket.items[i].key != key:
                i += 1
            del bucket.starts[i], bucket.items[i]
            if not bucket.items:
                del self._buckets[b]
            elif length == bucket.max_len:
                bucket.max_len = max(
                    int(min(item.end, self._bound_after(b))) - start
                    for start, item in zip(bucket.starts, bucket.items, strict=True)
                )
            self._bump(b)
        return ref

    def _bound_after(self, b: int) -> float:
        return self._bounds[b + 1] if b + 1 < len(self._bounds) else float("inf")

    def in_range(self, start: int, end: int) -> list[SpanRef]:
        """Spans intersecting ``[start, end)``, each once, roughly in start order."""
        if end <= start:
            return []
        first, last = self.turn_of(start), self.turn_of(end - 1)
        found: list[SpanRef] = []
        for b in range(first, last + 1):
            bucket = self._buckets.get(b)
            if bucket is None:
                continue
            bound = self._bounds[b]
            lo = bisect_left(bucket.starts, start - bucket.max_len + 1)
            hi = bisect_left(bucket.starts, end)
            for item in bucket.items[lo:hi]:
                # A span starting in an earlier bucket was already reported from there.
                if item.end > start and (b == first or item.start >= bound):
                    found.append(item)
        return found

    def at(self, offset: int) -> list[SpanRef]:
        """Spans containing ``offset``."""
        return self.in_range(offset, offset + 1)


# --------------------------------------------------------------------------------------------
# Boundary sweep
# --------------------------------------------------------------------------------------------


class Piece(NamedTuple):
    """A maximal run of ``[start, end)`` with one set of active labels and overlays.
    ``depth`` counts active spans (nested spans of the same label count separately)."""

    start: int
    end: int
    labels: frozenset
    overlays: frozenset
    depth: int


_EMPTY: frozenset = frozenset()


def segments(
    start: int,
    end: int,
    spans: Iterable[Sequence],
    overlays: Iterable[tuple[int, int, Hashable]] = (),
) -> list[Piece]:
    """Split ``[start, end)`` at every span/overlay boundary (the boundary sweep).

    ``spans`` are ``(start, end, label, ...)`` (e.g. ``SpanRef``); ``overlays`` are
    ``(start, end, name)`` such as ``(c, c + 1, "cursor")``. Zero-length ranges are ignored.
    The pieces cover ``[start, end)`` exactly; neighbours with identical state are merged.
    """
    if end <= start:
        return []
    changes: dict[int, list[tuple[bool, Hashable, int]]] = {start: [], end: []}
    for is_overlay, items in ((False, spans), (True, overlays)):
        for item in items:
            a, b = max(item[0], start), min(item[1], end)
            if a < b:
                changes.setdefault(a, []).append((is_overlay, item[2], 1))
                changes.setdefault(b, []).append((is_overlay, item[2], -1))
    labels: dict[Hashable, int] = {}
    shown: dict[Hashable, int] = {}
    depth = 0
    pieces: list[Piece] = []
    for a, b in pairwise(sorted(changes)):
        for is_overlay, name, delta in changes[a]:
            counts = shown if is_overlay else labels
            count = counts.get(name, 0) + delta
            if count:
                counts[name] = count
            else:
                del counts[name]
            if not is_overlay:
                depth += delta
        label_set = frozenset(labels) if labels else _EMPTY
        overlay_set = frozenset(shown) if shown else _EMPTY
        if pieces:
            last = pieces[-1]
            if last.depth == depth and last.labels == label_set and last.overlays == overlay_set:
                pieces[-1] = last._replace(end=b)
                continue
        pieces.append(Piece(a, b, label_set, overlay_set, depth))
    return pieces
