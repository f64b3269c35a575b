"""Cursor motions and selection snapping (annotator/motions.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from conftest import layout
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator import motions
from annotator.motions import (
    next_sentence_start,
    next_turn_start,
    next_word_start,
    prev_sentence_start,
    prev_turn_start,
    prev_word_start,
    sentence_start,
    snap_range,
    unit_at,
    word_end,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def tiny_windows() -> Iterator[None]:
    """Shrink the backward-search window so short test texts exercise the window growth."""
    saved = motions._FIRST_WINDOW
    motions._FIRST_WINDOW = 1
    try:
        yield
    finally:
        motions._FIRST_WINDOW = saved


def walk(fn, text: str, start: int, stop: int) -> list[int]:
    positions, pos = [], start
    while True:
        nxt = fn(text, pos)
        if nxt == pos:
            return positions
        positions.append(nxt)
        pos = nxt
        if pos == stop:
            return positions


# ---------------------------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------------------------

WORDS = "Well -- it's a well-known fact, isn't it?  Yes!"


def test_next_word_start_walks_words_and_punctuation_runs() -> None:
    starts = walk(next_word_start, WORDS, 0, len(WORDS))
    assert [WORDS[p : p + 4] for p in starts[:-1]] == [
        "-- i",
        "it's",
        "a we",
        "well",
        "fact",
        ", is",
        "isn'",
        "it? ",
        "?  Y",
        "Yes!",
        "!",
    ]
    assert starts[-1] == len(WORDS)


def test_prev_word_start_is_the_mirror_of_next() -> None:
    forward = [0, *walk(next_word_start, WORDS, 0, len(WORDS))[:-1]]
    backward = walk(prev_word_start, WORDS, len(WORDS), 0)
    assert backward[::-1] == forward


def test_prev_word_start_from_inside_a_word_goes_to_its_start() -> None:
    assert prev_word_start(WORDS, WORDS.index("known") + 2) == WORDS.index("well-known")


def test_word_end() -> None:
    ends = [WORDS[p] for p in walk(word_end, WORDS, 0, len(WORDS))[:-1]]
    assert ends == ["l", "-", "s", "a", "n", "t", ",", "t", "t", "?", "s", "!"]
    assert len(ends) == len(motions._TOKEN.findall(WORDS))  # from 0, "e" stops at every end
    assert word_end(WORDS, WORDS.index("known")) == WORDS.index("known") + 4
    assert word_end(WORDS, len(WORDS) - 1) == len(WORDS)


@pytest.mark.parametrize("fn", [next_word_start, prev_word_start, word_end])
def test_word_motions_at_the_edges(fn) -> None:
    assert fn("", 0) == 0
    assert 0 <= fn("   ", 1) <= 3
    assert 0 <= fn("abc", -5) <= 3
    assert 0 <= fn("abc", 99) <= 3


def test_word_motions_cross_lines_and_turns() -> None:
    text, _ = layout(["one two", "three"])
    assert next_word_start(text, 4) == text.index("three")
    assert prev_word_start(text, text.index("three")) == 4


# ---------------------------------------------------------------------------------------------
# Sentences
# ---------------------------------------------------------------------------------------------

SENTENCES = (
    "Mr. Smith went to Washington, D.C. on Tuesday. He said “It’s fine!” Then J. Doe left... "
    " Really? Yes, e.g. the U.S. Army and Dr. No.\n"
    "Second paragraph without an end\n"
    "\n"
    "Q. And St. Louis? No."
)


def starts_of(text: str) -> list[str]:
    return [text[p : p + 8] for p in [0, *walk(next_sentence_start, text, 0, len(text))[:-1]]]


def test_sentences_skip_abbreviations_and_initials() -> None:
    assert starts_of(SENTENCES) == [
        "Mr. Smit",
        "He said ",
        "Then J. ",
        "Really? ",
        "Yes, e.g",
        "Second p",
        "Q. And S",
        "No.",
    ]


def test_prev_sentence_start_mirrors_next() -> None:
    forward = [0, *walk(next_sentence_start, SENTENCES, 0, len(SENTENCES))[:-1]]
    assert walk(prev_sentence_start, SENTENCES, len(SENTENCES), 0)[::-1] == forward
    with tiny_windows():
        assert walk(prev_sentence_start, SENTENCES, len(SENTENCES), 0)[::-1] == forward


def test_sentence_start() -> None:
    he = SENTENCES.index("He said")
    assert sentence_start(SENTENCES, he + 3) == he
    assert sentence_start(SENTENCES, he) == he
    assert sentence_start(SENTENCES, he - 1) == 0  # the space after a sentence belongs to it
    second = SENTENCES.index("Second")
    assert sentence_start(SENTENCES, second - 1) == SENTENCES.index("Yes, e.g")  # on the "\n"
    assert sentence_start("", 0) == 0
    assert sentence_start("   ", 2) == 0


def test_sentence_motions_at_the_edges() -> None:
    assert next_sentence_start(SENTENCES, len(SENTENCES)) == len(SENTENCES)
    assert prev_sentence_start(SENTENCES, 0) == 0
    assert next_sentence_start("", 0) == 0
    assert next_sentence_start("no end", 2) == 6
    assert next_sentence_start("  Lead.", 0) == 2
    assert prev_sentence_start("Done.  \n\n  ", 9) == 0


# ---------------------------------------------------------------------------------------------
# Turns
# ---------------------------------------------------------------------------------------------


def test_turn_motions() -> None:
    text, turns = layout(["first turn", "second", "third"])
    assert next_turn_start(text, turns, 0) == turns[1].start
    assert next_turn_start(text, turns, turns[1].start) == turns[2].start
    assert next_turn_start(text, turns, turns[2].start) == len(text)
    assert prev_turn_start(text, turns, len(text)) == turns[2].start
    assert prev_turn_start(text, turns, turns[2].start) == turns[1].start
    assert prev_turn_start(text, turns, 3) == 0
    assert next_turn_start("abc", [], 1) == 3
    assert prev_turn_start("abc", [], 1) == 0


# ---------------------------------------------------------------------------------------------
# unit_at and snap_range
# ---------------------------------------------------------------------------------------------

TEXT, TURNS = layout(["I won't say. They failed.", "We will build  homes."])


def span(bounds: tuple[int, int]) -> str:
    return TEXT[bounds[0] : bounds[1]]


def test_unit_at_character() -> None:
    assert unit_at(TEXT, TURNS, 2, "character") == (2, 3)
    assert unit_at(TEXT, TURNS, len(TEXT), "character") == (len(TEXT) - 1, len(TEXT))
    assert unit_at("", [], 0, "character") == (0, 0)


def test_unit_at_word() -> None:
    assert span(unit_at(TEXT, TURNS, 3, "word")) == "won't"
    assert span(unit_at(TEXT, TURNS, 1, "word")) == "won't"  # on a space: the word after
    assert span(unit_at(TEXT, TURNS, TEXT.index("."), "word")) == "."
    assert span(unit_at(TEXT, TURNS, len(TEXT), "word")) == "."  # at the end: the word before
    assert unit_at("   ", [], 1, "word") == (1, 1)


def test_unit_at_sentence() -> None:
    assert span(unit_at(TEXT, TURNS, 4, "sentence")) == "I won't say."
    assert span(unit_at(TEXT, TURNS, TEXT.index(" They"), "sentence")) == "They failed."
    assert span(unit_at(TEXT, TURNS, TURNS[0].end + 1, "sentence")) == "We will build  homes."
    assert span(unit_at(TEXT, TURNS, len(TEXT), "sentence")) == "We will build  homes."


def test_unit_at_turn() -> None:
    assert unit_at(TEXT, TURNS, 5, "turn") == (TURNS[0].start, TURNS[0].end)
    assert unit_at(TEXT, TURNS, TURNS[0].end, "turn") == (TURNS[0].start, TURNS[0].end)
    assert unit_at(TEXT, TURNS, TURNS[0].end + 1, "turn") == (TURNS[1].start, TURNS[1].end)
    assert unit_at("abc", [], 1, "turn") == (0, 3)
    with pytest.raises(ValueError):
        unit_at(TEXT, TURNS, 0, "paragraph")


def test_snap_range() -> None:
    won = TEXT.index("won't")
    assert span(snap_range(TEXT, TURNS, won + 1, won + 3, "word")) == "won't"
    assert span(snap_range(TEXT, TURNS, won - 1, won + 7, "word")) == "won't say"
    assert span(snap_range(TEXT, TURNS, won + 7, won - 1, "word")) == "won't say"  # reversed
    assert span(snap_range(TEXT, TURNS, won, won + 1, "sentence")) == "I won't say."
    they = TEXT.index("They")
    assert span(snap_range(TEXT, TURNS, won, they + 1, "sentence")) == "I won't say. They failed."
    assert snap_range(TEXT, TURNS, won + 1, won + 3, "character") == (won + 1, won + 3)
    assert snap_range(TEXT, TURNS, 3, 30, "turn") == (TURNS[0].start, TURNS[1].end)
    assert snap_range(TEXT, TURNS, 3, 4, "turn") == (TURNS[0].start, TURNS[0].end)


def test_snap_range_keeps_non_empty_selections_non_empty() -> None:
    gap = TEXT.index("  homes")
    assert snap_range(TEXT, TURNS, gap, gap + 2, "word") == (gap, gap + 2)  # whitespace only
    sep = TURNS[0].end
    assert snap_range(TEXT, TURNS, sep, sep + 2, "turn") == (sep, sep + 2)  # between turns
    assert span(snap_range(TEXT, TURNS, 4, 4, "word")) == "won't"  # empty: the unit under it
    with pytest.raises(ValueError):
        snap_range(TEXT, TURNS, 0, 3, "line")


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

ATOMS = [
    "a",
    "Mr",
    "U.S",
    "word",
    "don't",
    "well-known",
    "J",
    " ",
    "  ",
    "\n",
    "\n\n",
    ".",
    "...",
    "?",
    "!",
    "”",
    ")",
    ",",
    "--",
    "中文",
    "é",
]
texts = st.lists(st.sampled_from(ATOMS), max_size=40).map("".join)


def token_starts(text: str) -> list[int]:
    return [m.start() for m in motions._TOKEN.finditer(text)]


def all_sentence_starts(text: str) -> list[int]:
    """Reference: every paragraph scanned whole from its start, with no windows."""
    starts, offset = [], 0
    for paragraph in text.split("\n"):
        end, current = offset + len(paragraph), offset
        for match in motions._TERMINATOR.finditer(text, offset, end):
            if motions._ends_sentence(text, match):
                before = text[current : match.start()]
                lead = len(before) - len(before.lstrip())
                starts.append(current + lead if before.strip() else match.start())
                current = match.end()
        rest = text[current:end]
        if rest.strip():
            starts.append(current + len(rest) - len(rest.lstrip()))
        offset = end + 1
    return starts


@SETTINGS
@given(texts, st.data())
def test_word_motions_match_a_full_tokenisation(text: str, data: st.DataObject) -> None:
    starts = token_starts(text)
    ends = [m.end() - 1 for m in motions._TOKEN.finditer(text)]
    n = len(text)
    with tiny_windows():
        for pos in range(n + 1):
            assert next_word_start(text, pos) == min([s for s in starts if s > pos], default=n)
            assert prev_word_start(text, pos) == max([s for s in starts if s < pos], default=0)
            assert word_end(text, pos) == min([e for e in ends if e > pos], default=n)


@SETTINGS
@given(texts)
def test_sentence_motions_match_a_full_scan(text: str) -> None:
    starts = all_sentence_starts(text)
    n = len(text)
    with tiny_windows():
        for pos in range(n + 1):
            assert next_sentence_start(text, pos) == min([s for s in starts if s > pos], default=n)
            assert prev_sentence_start(text, pos) == max([s for s in starts if s < pos], default=0)
            assert sentence_start(text, pos) == max([s for s in starts if s <= pos], default=0)


@SETTINGS
@given(texts)
def test_motions_stay_in_the_text_and_are_monotone(text: str) -> None:
    n = len(text)
    for fn in (
        next_word_start,
        prev_word_start,
        word_end,
        next_sentence_start,
        prev_sentence_start,
    ):
        results = [fn(text, pos) for pos in range(-1, n + 2)]
        assert all(0 <= r <= n for r in results)
        assert results == sorted(results), f"{fn.__name__} is monotone"
    for pos in range(n + 1):
        assert next_word_start(text, pos) > pos or pos == n
        assert prev_word_start(text, pos) < pos or pos == 0
        assert word_end(text, pos) > pos or pos >= n - 1


@SETTINGS
@given(st.lists(texts.filter(lambda t: t.strip()), min_size=1, max_size=4), st.data())
def test_snapping_properties(contents: list[str], data: st.DataObject) -> None:
    contents = [c.replace("\n\n", "\n") for c in contents]
    text, turns = layout(contents)
    n = len(text)
    start = data.draw(st.integers(0, n))
    end = data.draw(st.integers(0, n))
    for unit in motions.UNITS:
        a, b = snap_range(text, turns, start, end, unit)
        assert 0 <= a <= b <= n
        lo, hi = min(start, end), max(start, end)
        if lo < hi:
            assert a < b, "a non-empty selection never snaps to nothing"
            if unit != "character" and text[lo:hi].strip():
                # Edges only move outward, except that surrounding whitespace is trimmed.
                first = lo + len(text[lo:hi]) - len(text[lo:hi].lstrip())
                last = hi - (len(text[lo:hi]) - len(text[lo:hi].rstrip()))
                assert a <= first and b >= last
                if unit in ("word", "sentence"):
                    assert not text[a].isspace() and not text[b - 1].isspace()
        u = unit_at(text, turns, start, unit)
        assert 0 <= u[0] <= u[1] <= n
