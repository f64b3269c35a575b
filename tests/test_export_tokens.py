"""The tokenizer of the token-level exports (annotator/export/tokens.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.export.tokens import (
    Bounds,
    Token,
    align,
    choose_tokenizer,
    simple_tokens,
    spacy_available,
    spacy_tokens,
)

TEXT = "I won't say. They failed."  # the running example of formats.md


def test_simple_tokens_match_the_formats_md_example() -> None:
    assert simple_tokens(TEXT) == [
        Token("I", 0, 1, True),
        Token("wo", 2, 4, False),
        Token("n't", 4, 7, True),
        Token("say", 8, 11, False),
        Token(".", 11, 12, True),
        Token("They", 13, 17, True),
        Token("failed", 18, 24, False),
        Token(".", 24, 25, False),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "can't won’t it's We'll I'm",
            ["ca", "n't", "wo", "n’t", "it", "'s", "We", "'ll", "I", "'m"],
        ),
        (
            '"Yes," she said (quietly)...',
            ['"', "Yes", ",", '"', "she", "said", "(", "quietly", ")", "..."],
        ),
        (
            "Mr. Smith of the U.S. Senate, e.g. here.",
            ["Mr.", "Smith", "of", "the", "U.S.", "Senate", ",", "e.g.", "here", "."],
        ),
        ("well-known 1,000 3.5% $100", ["well", "-", "known", "1,000", "3.5", "%", "$", "100"]),
        ("no—never", ["no", "—", "never"]),
        ("Café 😀 中文", ["Café", "😀", "中文"]),
    ],
)
def test_simple_tokens_split_like_spacy(text: str, expected: list[str]) -> None:
    assert [token.text for token in simple_tokens(text)] == expected


def test_whitespace_beyond_one_space_is_a_token_of_its_own() -> None:
    tokens = simple_tokens("a  b\n\nc")
    assert [(t.text, t.ws) for t in tokens] == [
        ("a", True),
        (" ", False),
        ("b", False),
        ("\n\n", False),
        ("c", False),
    ]
    assert all(t.text == "a  b\n\nc"[t.start : t.end] for t in tokens)


def test_simple_tokens_agree_with_spacy_on_prose() -> None:
    pytest.importorskip("spacy")
    from annotator.export.tokens import spacy_tokens

    text = (
        "I won't say. They failed.\n\nWe'll see, Mr. Smith's plan is well-known (U.S.) "
        "e.g. 3.5% of $100 don't can't I'm they're you've he'd; hello!? 'quoted' it’s won’t"
    )
    assert simple_tokens(text) == spacy_tokens(text)


def test_choose_tokenizer() -> None:
    assert choose_tokenizer("simple")[1] is simple_tokens
    name, _ = choose_tokenizer("auto")
    assert name in ("spacy", "simple")
    with pytest.raises(ValueError, match="unknown tokenizer 'nltk'"):
        choose_tokenizer("nltk")


def test_align_exact_snapped_and_empty() -> None:
    tokens = simple_tokens(TEXT)
    assert align(tokens, 0, 11) == (0, 3, False)
    assert align(tokens, 13, 24) == (5, 6, False)
    assert align(tokens, 0, 25) == (0, 7, False)
    assert align(tokens, 3, 16) == (1, 5, True)  # "on't say. The": both edges inside tokens
    assert align(tokens, 12, 13) is None  # only a space
    spaced = simple_tokens("a\n\nb")
    assert align(spaced, 0, 4) == (0, 2, False)  # the "\n\n" token sits inside
    assert align(spaced, 1, 4) == (2, 2, True)  # a whitespace token never starts a range


@pytest.mark.skipif(not spacy_available(), reason="spaCy is not installed")
def test_spacy_tokenizes_texts_longer_than_its_default_limit() -> None:
    # spaCy refuses texts over 1,000,000 characters by default (E088), a limit meant for
    # parsers; token-level exports only tokenize, and transcripts can be longer.
    text = "word " * 210_000
    tokens = spacy_tokens(text)
    assert len(tokens) == 210_000 and tokens[-1].start == len(text) - 5


@pytest.mark.skipif(not spacy_available(), reason="spaCy is not installed")
@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "  Leading and trailing  \n\n",
        "Can't — won't… U.S. e.g. $5.00 (really?) 'quoted' “curly”\tTab\r\nCRLF",
        "Emoji 😀 and combining é\u0301 and 漢字 and a\u00a0no-break space",
    ],
)
def test_spacy_tokens_are_spacys_own(text: str) -> None:
    # Read as columns of the Doc, not token by token: the same texts, offsets and spaces.
    from annotator.export.tokens import blank_pipeline

    expected = [
        Token(t.text, t.idx, t.idx + len(t.text), bool(t.whitespace_))
        for t in blank_pipeline("en").make_doc(text)
    ]
    assert spacy_tokens(text) == expected
    assert all(type(token) is Token for token in spacy_tokens(text))


def _align_by_search(tokens: list[Token], start: int, end: int) -> tuple[int, int, bool] | None:
    """align() as its docstring says, token by token."""
    words = [
        i for i, t in enumerate(tokens) if not t.text.isspace() and t.start < end and t.end > start
    ]
    if not words:
        return None
    first, last = words[0], words[-1]
    return first, last, tokens[first].start != start or tokens[last].end != end


@given(
    st.text(alphabet="ab .,'\n-", max_size=40),
    st.integers(0, 40),
    st.integers(1, 40),
)
def test_align_is_the_tokens_a_span_overlaps(text: str, start: int, length: int) -> None:
    tokens = simple_tokens(text)
    start = min(start, len(text))
    end = min(len(text), start + length)
    if start >= end:
        return
    assert align(tokens, start, end) == _align_by_search(tokens, start, end)
    assert Bounds.of(tokens).align(start, end) == align(tokens, start, end)
    words = Bounds.of(tokens).words()
    assert words.tokens() == [t for t in tokens if not t.is_space]
    assert Bounds.of(tokens).tokens() == tokens
