"""The transcript view's text layer (annotator/textindex.py): display mapping, cell widths,
wrapping, the wrap index, span buckets and the boundary sweep."""

from __future__ import annotations

import itertools
import re
import unicodedata
from pathlib import Path

import pytest
from conftest import layout as make_doc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.model import Span, Turn, normalise_text
from annotator.textindex import (
    BLANK,
    HEADER,
    TEXT,
    Piece,
    Row,
    SpanIndex,
    SpanRef,
    WrapIndex,
    _is_narrow,
    _widths,
    _wrap_cells,
    _wrap_regex,
    cell_len,
    char_cells,
    display_text,
    segments,
    wrap_paragraph,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BREAKABLE = re.compile(r"[^\S\n\xa0\u2007\u202f]")


def rows_text(text: str, rows: list[tuple[int, int]]) -> list[str]:
    return [text[a:b] for a, b in rows]


# ---------------------------------------------------------------------------------------------
# display_text
# ---------------------------------------------------------------------------------------------


def test_display_text_replaces_controls_one_for_one() -> None:
    raw = "a\x1b[31mred\x07\tb\x7f\x9b\x85\u2028c\ud800\n"
    shown = display_text(raw)
    assert shown == "a␛[31mred␇ b␡\ufffd\ufffd c\ufffd\n"
    assert len(shown) == len(raw)


def test_display_text_is_identity_on_safe_text() -> None:
    text = "Mr. Smith said “bonjour” — 中文 👍 e\u0301"
    assert display_text(text) is text


def test_display_text_one_line_shows_newlines() -> None:
    assert display_text("MR. KIRBY\nQ", keep_newlines=False) == "MR. KIRBY␊Q"


@SETTINGS
@given(st.text(st.characters(exclude_categories=())))
def test_display_text_keeps_length_and_drops_every_control(text: str) -> None:
    shown = display_text(text)
    assert len(shown) == len(text)
    for raw, ch in zip(text, shown, strict=True):
        assert ch == "\n" or not (unicodedata.category(ch) in ("Cc", "Cs") or ch in "\u2028\u2029")
        if raw == ch:
            continue
        assert char_cells(ch) == char_cells(raw) == 1  # a replacement keeps the width model


# ---------------------------------------------------------------------------------------------
# Cell widths
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cells"),
    [
        ("", 0),
        ("abc", 3),
        ("a\nb", 2),
        ("\x1b", 1),  # shown as ␛
        ("\t", 1),  # shown as one space
        ("中文", 4),
        ("Ａ", 2),  # fullwidth
        ("한국", 4),
        ("e\u0301", 1),  # combining acute
        ("\u200b", 0),  # zero-width space
        ("\u00ad", 1),  # soft hyphen: terminals draw it
        ("👍", 2),
        ("👍🏽", 2),  # skin-tone modifier joins
        ("☀", 1),  # text-default emoji ...
        ("☀\ufe0f", 2),  # ... is wide with VS16
        ("★\ufe0f", 1),  # not an emoji base: VS16 changes nothing
        ("⚡\ufe0f", 2),  # already wide
        ("👨\u200d👩\u200d👧", 2),  # ZWJ sequence
        ("🇺🇸", 2),
        ("“é”", 3),
        ("\U0001fae8", 2),  # an emoji newer than this Python's Unicode tables
    ],
)
def test_cell_len(text: str, cells: int) -> None:
    assert cell_len(text) == cells


def test_char_cells_matches_the_width_classes() -> None:
    assert [char_cells(c) for c in "a中\u0301\u200d\ufe0f\n\x9b"] == [1, 2, 0, 0, 0, 0, 1]


def test_widths_give_the_vs16_cell_to_the_base() -> None:
    assert _widths("a☀\ufe0fb") == [1, 2, 0, 1]
    assert _widths("\ufe0fa") == [0, 1]


@SETTINGS
@given(st.text())
def test_cell_len_is_the_sum_of_contextual_widths(text: str) -> None:
    text = text.replace("\n", "")
    assert cell_len(text) == sum(_widths(text))
    if text.isascii():
        assert cell_len(text) == sum(map(char_cells, text)) == len(text)


def test_is_narrow() -> None:
    assert _is_narrow("plain ASCII\nlines")
    assert _is_narrow("“curly” café — ok…")
    assert not _is_narrow("中")
    assert not _is_narrow("e\u0301")
    assert not _is_narrow("☀\ufe0f")


# ---------------------------------------------------------------------------------------------
# Wrapping a paragraph
# ---------------------------------------------------------------------------------------------


def test_wrap_words_with_overhanging_spaces() -> None:
    p = "The quick brown fox jumps  over"
    assert rows_text(p, wrap_paragraph(p, 10)) == ["The quick ", "brown fox ", "jumps  ", "over"]


def test_word_filling_the_width_exactly_keeps_its_space() -> None:
    p = "abcdefghij klm"
    assert rows_text(p, wrap_paragraph(p, 10)) == ["abcdefghij ", "klm"]


def test_long_word_breaks_hard() -> None:
    p = "ab cdefghijklmnopq rs"
    assert rows_text(p, wrap_paragraph(p, 5)) == ["ab ", "cdefg", "hijkl", "mnopq ", "rs"]


@pytest.mark.parametrize(
    ("paragraph", "width", "rows"),
    [
        ("", 10, [""]),
        ("   ", 2, ["   "]),  # whitespace only: one overhanging row
        ("  indented text", 10, ["  indented ", "text"]),
        ("a\u00a0b\u00a0c d", 5, ["a\u00a0b\u00a0c ", "d"]),  # no break at NBSP
        ("a\tb c", 3, ["a\tb ", "c"]),  # a tab is a breakable one-cell space
        ("a\tb c", 2, ["a\t", "b ", "c"]),
        ("     xx", 3, ["     ", "xx"]),  # leading spaces before a word that does not fit
        ("  abcdef", 4, ["  ab", "cdef"]),  # ... but not before one too long anyway
    ],
)
def test_wrap_edge_cases(paragraph: str, width: int, rows: list[str]) -> None:
    assert rows_text(paragraph, wrap_paragraph(paragraph, width)) == rows
    assert rows_text(paragraph, _wrap_cells(paragraph, width)) == rows


def test_wrap_wide_characters_by_cells() -> None:
    p = "中文字符测试"
    assert rows_text(p, wrap_paragraph(p, 5)) == ["中文", "字符", "测试"]
    p = "ab 中文 cd"
    assert rows_text(p, wrap_paragraph(p, 6)) == ["ab ", "中文 ", "cd"]


def test_wrap_never_starts_a_row_with_a_zero_width_character() -> None:
    p = "abe\u0301\u0301fg"
    rows = wrap_paragraph(p, 3)
    assert rows_text(p, rows) == ["abe\u0301\u0301", "fg"]
    p = "a👨\u200d👩b"
    assert rows_text(p, wrap_paragraph(p, 3)) == ["a👨\u200d👩", "b"]


def test_wrap_rejects_a_zero_width() -> None:
    with pytest.raises(ValueError):
        wrap_paragraph("abc", 0)


ASCII_ALPHABET = "ab c.-\t\x0b\x1c\x1b"
NARROW_ALPHABET = ASCII_ALPHABET + "é“”\u00a0\u2009"
ATOMS = [
    "a",
    "bc",
    "word",
    " ",
    "  ",
    "\t",
    ".",
    "中",
    "文字",
    "é",
    "e\u0301",
    "👍",
    "☀\ufe0f",
    "👨\u200d👩",
    "\x1b",
    "\u00a0",
    "“",
    "\u200b",
]
paragraphs = st.lists(st.sampled_from(ATOMS), max_size=25).map("".join)


def check_rows(paragraph: str, rows: list[tuple[int, int]], width: int) -> None:
    """The invariants of wrap_paragraph for width >= 2."""
    assert rows, "every paragraph has a row"
    assert rows[0][0] == 0 and rows[-1][1] == len(paragraph)
    for (_, end), (start, _) in itertools.pairwise(rows):
        assert end == start, "rows are contiguous"
    for index, (a, b) in enumerate(rows):
        assert a < b or (len(rows) == 1 and not paragraph)
        widths = _widths(paragraph[a:b])
        visible = len(widths)
        while visible and (widths[visible - 1] == 0 or BREAKABLE.match(paragraph[a + visible - 1])):
            visible -= 1  # trailing whitespace (and marks riding on it) may overhang
        assert sum(widths[:visible]) <= width, "only trailing whitespace may overhang"
        if index + 1 < len(rows):
            # Greedy: the next word (after a hard break: the next glyph) would not have fitted.
            nxt = rows[index + 1]
            word = re.match(r"[\S\xa0\u2007\u202f]*", paragraph[nxt[0] :]).end()
            assert cell_len(paragraph[a : nxt[0] + max(word, 1)]) > width
        if b < len(paragraph):
            assert _widths(paragraph)[b] > 0, "no row starts with a zero-width character"


@SETTINGS
@given(paragraphs, st.integers(2, 16))
def test_wrap_invariants(paragraph: str, width: int) -> None:
    check_rows(paragraph, wrap_paragraph(paragraph, width), width)


@SETTINGS
@given(st.text(ASCII_ALPHABET, max_size=80), st.integers(1, 20))
def test_fast_path_equals_slow_path_on_ascii(paragraph: str, width: int) -> None:
    assert _wrap_regex(paragraph, width) == _wrap_cells(paragraph, width)
    if width >= 2:
        check_rows(paragraph, _wrap_regex(paragraph, width), width)


@SETTINGS
@given(st.text(NARROW_ALPHABET, max_size=80), st.integers(1, 20))
def test_fast_path_equals_slow_path_on_narrow_text(paragraph: str, width: int) -> None:
    assert _is_narrow(paragraph)
    assert _wrap_regex(paragraph, width) == _wrap_cells(paragraph, width)


@SETTINGS
@given(st.lists(st.text(ASCII_ALPHABET, max_size=30), min_size=1, max_size=5), st.integers(1, 12))
def test_fast_path_over_a_whole_turn_equals_paragraph_by_paragraph(
    paras: list[str], width: int
) -> None:
    expected, offset = [], 0
    for paragraph in paras:
        expected += [(offset + a, offset + b) for a, b in _wrap_cells(paragraph, width)]
        offset += len(paragraph) + 1
    assert _wrap_regex("\n".join(paras), width) == expected


# ---------------------------------------------------------------------------------------------
# WrapIndex
# ---------------------------------------------------------------------------------------------

DOC = [
    "Hello there, this is turn one.\nSecond para.",  # 0..43
    "中文字符测试一下 ok",
    "last\n\nafter an empty paragraph\n",
]


def layout(index: WrapIndex) -> list[tuple[str, int, str]]:
    return [
        (r.kind, r.turn, index.text[r.start : r.end]) for r in map(index.row, range(index.height))
    ]


def test_layout_of_turns_headers_and_blank_rows() -> None:
    text, turns = make_doc(DOC)
    index = WrapIndex(text, turns, 12)
    assert layout(index) == [
        (HEADER, 0, ""),
        (TEXT, 0, "Hello there, "),
        (TEXT, 0, "this is turn "),
        (TEXT, 0, "one."),
        (TEXT, 0, "Second para."),
        (BLANK, 0, ""),
        (HEADER, 1, ""),
        (TEXT, 1, "中文字符测试"),
        (TEXT, 1, "一下 ok"),
        (BLANK, 1, ""),
        (HEADER, 2, ""),
        (TEXT, 2, "last"),
        (TEXT, 2, ""),
        (TEXT, 2, "after an "),
        (TEXT, 2, "empty "),
        (TEXT, 2, "paragraph"),
        (TEXT, 2, ""),
    ]
    assert index.height == 17 and index.text_rows == 12
    assert index.row(0) == Row(HEADER, 0, 0, 0)
    assert index.row(5) == Row(BLANK, 0, 0, 0)
    assert index.row(12) == Row(TEXT, 2, text.index("last") + 5, text.index("last") + 5)
    assert index.turn_rows(1) == range(6, 9)


@pytest.mark.parametrize("header_rows", [0, 2])
def test_header_rows_are_configurable(header_rows: int) -> None:
    text, turns = make_doc(["one", "two"])
    index = WrapIndex(text, turns, 10, header_rows=header_rows)
    kinds = [index.row(y).kind for y in range(index.height)]
    assert kinds == [HEADER] * header_rows + [TEXT, BLANK] + [HEADER] * header_rows + [TEXT]
    assert index.row_of_offset(text.index("two")) == 2 * header_rows + 2


def test_document_without_turns_is_one_headerless_turn() -> None:
    index = WrapIndex("alpha beta\n\ngamma", [], 6)
    assert layout(index) == [
        (TEXT, 0, "alpha "),
        (TEXT, 0, "beta"),
        (TEXT, 0, ""),
        (TEXT, 0, "gamma"),
    ]
    assert index.header_rows == 0


def test_empty_document() -> None:
    index = WrapIndex("", [], 10)
    assert index.height == 1
    assert index.row(0) == Row(TEXT, 0, 0, 0)
    assert index.row_of_offset(0) == 0
    assert index.offset_at(0, 5) == 0
    assert index.cell_x(0) == 0


def test_row_out_of_range() -> None:
    text, turns = make_doc(["a"])
    index = WrapIndex(text, turns, 10)
    with pytest.raises(IndexError):
        index.row(index.height)
    with pytest.raises(IndexError):
        index.row(-1)


def test_bad_arguments() -> None:
    text, turns = make_doc(["a b", "c"])
    with pytest.raises(ValueError):
        WrapIndex(text, turns, 0)
    with pytest.raises(ValueError):
        WrapIndex(text, turns, 10, header_rows=-1)
    with pytest.raises(ValueError):
        WrapIndex(text, [turns[1], turns[0]], 10)


def test_row_of_offset_boundaries() -> None:
    text, turns = make_doc(DOC)
    index = WrapIndex(text, turns, 12)
    this = text.index("this")
    assert index.row_of_offset(0) == 1
    assert index.row_of_offset(this - 1) == 1  # the overhanging space
    assert index.row_of_offset(this) == 2  # a wrap boundary starts the next row
    newline = text.index("\nSecond")
    assert index.row_of_offset(newline) == 3  # the "\n" ends "one."'s paragraph
    assert index.row_of_offset(newline + 1) == 4
    assert index.row_of_offset(turns[0].end) == 4  # turn end
    assert index.row_of_offset(turns[0].end + 1) == 4  # inside the "\n\n" separator
    assert index.row_of_offset(turns[1].start) == 7
    empty = text.index("last") + 5
    assert index.row_of_offset(empty) == 12  # the empty paragraph
    assert index.row_of_offset(len(text)) == index.height - 1
    assert index.row_of_offset(-5) == 1


def test_rows_for_range() -> None:
    text, turns = make_doc(DOC)
    index = WrapIndex(text, turns, 12)
    assert index.rows_for_range(0, 5) == range(1, 2)
    assert index.rows_for_range(0, text.index("this") + 1) == range(1, 3)
    assert index.rows_for_range(10, turns[1].start + 2) == range(1, 8)  # across blank + header
    assert index.rows_for_range(7, 7) == range(1, 2)
    assert index.rows_for_range(text.index("this") + 1, 0) == range(1, 3)


def test_offset_at_ascii() -> None:
    text, turns = make_doc(DOC)
    index = WrapIndex(text, turns, 12)
    assert index.offset_at(1, 0) == 0
    assert index.offset_at(1, 4) == 4
    assert index.offset_at(1, 99) == text.index("this") - 1  # wrapped row: its trailing space
    assert index.offset_at(3, 99) == text.index("\nSecond")  # last row: the paragraph end
    assert index.offset_at(4, 99) == turns[0].end
    assert index.offset_at(0, 3) == turns[0].start  # header
    assert index.offset_at(5, 3) == turns[0].end  # blank row after turn 0
    assert index.offset_at(12, 3) == text.index("last") + 5  # empty paragraph


def test_offset_at_and_cell_x_with_wide_and_zero_width_characters() -> None:
    text, turns = make_doc(["a中e\u0301☀\ufe0fb"])
    index = WrapIndex(text, turns, 20)
    y = 1
    assert [index.offset_at(y, x) for x in range(9)] == [0, 1, 1, 2, 4, 4, 6, 7, 7]
    assert [index.cell_x(o) for o in range(8)] == [0, 1, 3, 4, 4, 6, 6, 7]


def test_cell_x_of_offsets_between_turns_is_the_end_of_the_row() -> None:
    text, turns = make_doc(["ab", "cd"])
    index = WrapIndex(text, turns, 10)
    assert index.cell_x(2) == index.cell_x(3) == 2


def test_turn_not_starting_a_line_uses_a_copy() -> None:
    text = "Q: what now?\n\nA: nothing"
    turns = [Turn(0, 3, 12, "Q"), Turn(1, 17, len(text), "A")]
    index = WrapIndex(text, turns, 5)
    assert [
        text[r.start : r.end] for r in map(index.row, range(index.height)) if r.kind == TEXT
    ] == [
        "what ",
        "now?",
        "nothi",
        "ng",
    ]


def test_with_width_equals_a_fresh_build_and_y_of_keeps_the_anchor() -> None:
    text, turns = make_doc(DOC * 3)
    narrow = WrapIndex(text, turns, 12)
    wide = narrow.with_width(30)
    fresh = WrapIndex(text, turns, 30)
    assert layout(wide) == layout(fresh)
    for y in range(narrow.height):
        row = narrow.row(y)
        moved = wide.row(wide.y_of(row))
        assert moved.turn == row.turn
        if row.kind == TEXT:
            assert moved.start <= row.start <= moved.end
        else:
            assert moved.kind == row.kind


def test_row_text_is_display_safe() -> None:
    text, turns = make_doc(["evil \x1b]52;c;AAAA\x07 text"])
    index = WrapIndex(text, turns, 80)
    assert index.row_text(1) == "evil ␛]52;c;AAAA␇ text"
    assert index.row_text(0) == ""


documents = st.lists(
    st.lists(paragraphs, min_size=1, max_size=4).map("\n".join).filter(bool),
    max_size=5,
)


def check_index(text: str, turns: list[Turn], index: WrapIndex) -> None:
    effective = turns or [Turn(0, 0, len(text))]
    rows = [index.row(y) for y in range(index.height)]
    # Per turn: header rows, the wrapped paragraphs in order, then a blank row.
    y = 0
    for t, turn in enumerate(effective):
        for _ in range(index.header_rows):
            assert rows[y] == Row(HEADER, t, turn.start, turn.start)
            y += 1
        offset = turn.start
        for paragraph in text[turn.start : turn.end].split("\n"):
            wrapped = wrap_paragraph(paragraph, index.width)
            for a, b in wrapped:
                assert rows[y] == Row(TEXT, t, offset + a, offset + b)
                y += 1
            offset += len(paragraph) + 1
        if t + 1 < len(effective):
            assert rows[y].kind == BLANK and rows[y].turn == t
            y += 1
    assert y == index.height
    # Every offset maps to a text row that holds it.
    for offset in range(len(text) + 1):
        row = index.row(index.row_of_offset(offset))
        assert row.kind == TEXT
        turn = effective[row.turn]
        if turn.start <= offset <= turn.end:
            assert row.start <= offset <= row.end
            if offset == row.end and row.start < row.end:
                assert offset == turn.end or text[offset] == "\n"
        else:
            assert offset > turn.end  # between turns: the previous turn's last row
    # Cursor offset -> cell column -> offset round trip, for glyph starts.
    for y, row in enumerate(rows):
        if row.kind != TEXT:
            continue
        widths = _widths(text[row.start : row.end])
        for i, w in enumerate(widths):
            if w:
                o = row.start + i
                assert index.row_of_offset(o) == y
                assert index.offset_at(y, index.cell_x(o)) == o
        assert index.row_of_offset(index.offset_at(y, 10_000)) == y


@SETTINGS
@given(documents, st.integers(2, 14), st.integers(0, 2))
def test_index_invariants(contents: list[str], width: int, header_rows: int) -> None:
    text, turns = make_doc(contents)
    check_index(text, turns, WrapIndex(text, turns, width, header_rows))


@SETTINGS
@given(documents, st.integers(2, 14))
def test_index_invariants_without_turns(contents: list[str], width: int) -> None:
    text = "\n\n".join(contents)
    check_index(text, [], WrapIndex(text, [], width))


@SETTINGS
@given(
    st.lists(st.text(ASCII_ALPHABET, min_size=1, max_size=40), min_size=1, max_size=4),
    st.integers(1, 9),
)
def test_index_fast_path_matches_the_cell_wrapper(contents: list[str], width: int) -> None:
    text, turns = make_doc(contents)
    index = WrapIndex(text, turns, width, header_rows=0)
    got = [(r.start, r.end) for r in map(index.row, range(index.height)) if r.kind == TEXT]
    expected = []
    for turn in turns:
        offset = turn.start
        for paragraph in text[turn.start : turn.end].split("\n"):
            expected += [(offset + a, offset + b) for a, b in _wrap_cells(paragraph, width)]
            offset += len(paragraph) + 1
    assert got == expected


def test_real_transcripts_take_the_fast_path(real_data: Path) -> None:
    """Every real transcript wraps with the regex path (architecture.md §3.3) and the index
    stays consistent on it."""
    for path in sorted(real_data.glob("*.md")):
        text = normalise_text(path.read_text(encoding="utf-8"))
        contents = [part for part in text.split("\n\n") if part]
        text, turns = make_doc(contents)
        assert _is_narrow(text), path.name
        index = WrapIndex(text, turns, 80)
        assert index.height > len(turns)
        offsets = range(0, len(text), 97)
        for offset in offsets:
            y = index.row_of_offset(offset)
            row = index.row(y)
            assert row.start <= offset <= row.end or offset > turns[row.turn].end


# ---------------------------------------------------------------------------------------------
# SpanIndex
# ---------------------------------------------------------------------------------------------


def test_span_index_basics() -> None:
    _text, turns = make_doc(["aaaa bbbb", "cccc dddd", "eeee"])
    spans = SpanIndex(turns, [(0, 4, "A", 1), (5, 9, "B", 2), (2, 15, "C", 3)])
    assert len(spans) == 3 and 3 in spans and spans.get(2) == SpanRef(5, 9, "B", 2)
    assert {s.key for s in spans.in_range(0, 3)} == {1, 3}
    assert [s.key for s in spans.in_range(11, 13)] == [3]  # crosses into turn 1, reported once
    assert spans.in_range(4, 4) == []
    assert {s.key for s in spans.at(5)} == {2, 3}
    assert spans.turn_of(0) == 0 and spans.turn_of(10) == 0 and spans.turn_of(11) == 1


def test_span_index_versions() -> None:
    _text, turns = make_doc(["aaaa", "bbbb", "cccc"])
    spans = SpanIndex(turns)
    assert [spans.version(t) for t in range(3)] == [0, 0, 0]
    assert spans.add((6, 8, "A", "x")) == range(1, 2)
    assert [spans.version(t) for t in range(3)] == [0, 1, 0]
    assert spans.add((2, 14, "A", "y")) == range(0, 3)
    assert [spans.version(t) for t in range(3)] == [1, 2, 1]
    assert spans.remove("x") == SpanRef(6, 8, "A", "x")
    assert [spans.version(t) for t in range(3)] == [1, 3, 1]


def test_span_index_rejects_bad_spans() -> None:
    _text, turns = make_doc(["aaaa"])
    spans = SpanIndex(turns, [(0, 2, "A", 1)])
    with pytest.raises(ValueError):
        spans.add((1, 3, "A", 1))  # duplicate key
    with pytest.raises(ValueError):
        spans.add((3, 3, "A", 2))  # empty
    with pytest.raises(ValueError):
        spans.add((1, 3, "A"))  # no key
    with pytest.raises(KeyError):
        spans.remove(99)


def test_span_index_accepts_model_spans() -> None:
    _text, turns = make_doc(["aaaa"])
    span = Span(7, 1, "ann", "claim", 0, 3, {}, "", "h", "t", "t")
    spans = SpanIndex(turns, [span])
    assert spans.in_range(0, 4) == [SpanRef(0, 3, "claim", 7)]


def test_span_index_without_turns() -> None:
    spans = SpanIndex([], [(0, 5, "A", 1), (3, 9, "B", 2)])
    assert {s.key for s in spans.in_range(4, 5)} == {1, 2}
    assert spans.version(0) == 0


@st.composite
def span_scenarios(draw: st.DrawFn) -> tuple[list[Turn], list[tuple], list[tuple]]:
    length = 120
    cuts = sorted(draw(st.sets(st.integers(1, length - 2), max_size=6)))
    bounds = [0, *cuts, length]
    turns = [Turn(i, a, b) for i, (a, b) in enumerate(itertools.pairwise(bounds))]
    ranges = st.tuples(st.integers(0, length - 1), st.integers(1, 60)).map(
        lambda p: (p[0], min(length, p[0] + p[1]))
    )
    spans = [
        (a, b, draw(st.sampled_from("ABC")), k)
        for k, (a, b) in enumerate(draw(st.lists(ranges, max_size=25)))
    ]
    ops = draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("add"), ranges, st.sampled_from("ABC")),
                st.tuples(st.just("remove"), st.integers(0, 60)),
            ),
            max_size=15,
        )
    )
    return turns, spans, ops


@SETTINGS
@given(span_scenarios(), st.lists(st.tuples(st.integers(0, 125), st.integers(0, 125)), max_size=10))
def test_span_index_matches_brute_force(scenario: tuple, queries: list[tuple[int, int]]) -> None:
    turns, spans, ops = scenario
    index = SpanIndex(turns, spans)
    live = {s[3]: s for s in spans}
    next_key = len(spans)
    for op in ops:
        before = {t: index.version(t) for t in range(len(turns))}
        if op[0] == "add":
            (a, b), label = op[1], op[2]
            touched = index.add((a, b, label, next_key))
            live[next_key] = (a, b, label, next_key)
            next_key += 1
        else:
            key = op[1]
            if key not in live:
                with pytest.raises(KeyError):
                    index.remove(key)
                continue
            index.remove(key)
            a, b, *_ = live.pop(key)
        bumped = {t for t in before if index.version(t) != before[t]}
        expected = {
            t
            for t in range(len(turns))
            if a < (turns[t + 1].start if t + 1 < len(turns) else 10**9)
            and b > (turns[t].start if t else 0)
        }
        assert bumped == expected
        if op[0] == "add":
            assert set(touched) == expected
    for a, b in queries:
        found = index.in_range(a, b)
        keys = [s.key for s in found]
        assert len(keys) == len(set(keys)), "each span once"
        assert set(keys) == {k for k, s in live.items() if s[0] < b and s[1] > a and a < b}


# ---------------------------------------------------------------------------------------------
# segments
# ---------------------------------------------------------------------------------------------


def test_segments_nesting_and_overlays() -> None:
    spans = [(0, 10, "A", 1), (2, 6, "A", 2), (4, 8, "B", 3)]
    pieces = segments(0, 12, spans, [(5, 6, "cursor")])
    assert pieces == [
        Piece(0, 2, frozenset("A"), frozenset(), 1),
        Piece(2, 4, frozenset("A"), frozenset(), 2),
        Piece(4, 5, frozenset("AB"), frozenset(), 3),
        Piece(5, 6, frozenset("AB"), frozenset({"cursor"}), 3),
        Piece(6, 8, frozenset("AB"), frozenset(), 2),
        Piece(8, 10, frozenset("A"), frozenset(), 1),
        Piece(10, 12, frozenset(), frozenset(), 0),
    ]


def test_segments_clip_to_the_row_and_merge_equal_neighbours() -> None:
    pieces = segments(5, 10, [(0, 7, "A", 1), (7, 20, "A", 2)], [(9, 9, "cursor")])
    assert pieces == [Piece(5, 10, frozenset("A"), frozenset(), 1)]
    assert segments(5, 5, [(0, 9, "A", 1)]) == []


@SETTINGS
@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30), st.sampled_from("ABC")), max_size=8),
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 30), st.sampled_from(["cursor", "sel"])),
        max_size=3,
    ),
    st.integers(0, 15),
    st.integers(0, 30),
)
def test_segments_match_brute_force(
    raw_spans: list, overlays: list, start: int, length: int
) -> None:
    end = start + length
    spans = [(a, b, label, k) for k, (a, b, label) in enumerate(raw_spans)]
    pieces = segments(start, end, spans, overlays)
    if start == end:
        assert pieces == []
        return
    assert pieces[0].start == start and pieces[-1].end == end
    for left, right in itertools.pairwise(pieces):
        assert left.end == right.start
        assert (left.labels, left.overlays, left.depth) != (
            right.labels,
            right.overlays,
            right.depth,
        )
    for piece in pieces:
        assert piece.start < piece.end
        for pos in range(piece.start, piece.end):
            active = [s for s in spans if s[0] <= pos < s[1]]
            assert piece.labels == frozenset(s[2] for s in active)
            assert piece.depth == len(active)
            assert piece.overlays == frozenset(o[2] for o in overlays if o[0] <= pos < o[1])
