"""Tokens for the token-level formats (Prodigy, CoNLL), and snapping spans to them.

:func:`choose_tokenizer` picks the tokenizer: ``"spacy"`` is spaCy's blank English tokenizer
(what Prodigy itself uses); ``"simple"`` is :func:`simple_tokens` below, which needs nothing
installed; ``"auto"`` (the default) is spaCy when it is installed, else simple. The same
input and the same choice always give the same tokens.

:func:`simple_tokens` imitates spaCy's English tokenizer closely enough for training data,
without its exception tables:

- Whitespace separates tokens. As in spaCy, one plain space after a token is that token's
  ``ws``; any other whitespace (a line break, a second space) is a token of its own.
- Leading punctuation (quotes, brackets, ``¿``, ``¡``, currency signs) and trailing
  punctuation (``. , ; : ! ? % …``, quotes, brackets) are split off; a run of dots is one
  token (``...``).
- Contractions are split as spaCy splits them: ``won't`` → ``wo`` + ``n't``, ``can't`` →
  ``ca`` + ``n't``, ``it's`` → ``it`` + ``'s``; also ``'ll 're 've 'd 'm`` and the curly ``’``.
- A word's final period stays for abbreviations: single letters with periods (``U.S.``,
  ``e.g.``) and a short list of titles (``Mr.``, ``Sen.``, ``Gov.``, ...).
- Inside a token, dashes (``—``, ``–``, ``--``) and ellipses split anywhere; a hyphen splits
  before a letter (``well-known`` → ``well`` ``-`` ``known``), a slash, comma or colon only
  between letters (``1,000`` and ``3.5`` stay whole).

:func:`align` (and :class:`Bounds`, for many spans) maps a character span to tokens,
snapping outward when an edge falls inside a token; callers report every snapped span.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from functools import cache
from itertools import compress, repeat
from operator import add
from typing import Any, NamedTuple

TOKENIZERS = ("auto", "spacy", "simple")


class Token(NamedTuple):
    """A token: a named tuple, not a dataclass, since an export makes one per word."""

    text: str
    start: int
    end: int
    ws: bool  # followed by one space that belongs to the token (spaCy's whitespace_)

    @property
    def is_space(self) -> bool:
        return self.text.isspace()


_CHUNK = re.compile(r"\S+")
_PREFIX = re.compile(r"\.\.+|[\"'`“‘«„(\[{<¿¡$£€¥#]")
_SUFFIX = re.compile(
    r"(?:(?<=\w)n['’]t|(?<=\w)['’](?:[sSdDmM]|ll|LL|re|RE|ve|VE)|\.\.+|…"
    r"|[.,;:!?%\"'`”’»)\]}>])\Z"
)
_INFIX = re.compile(r"\.\.\.+|--+|[—–…]|(?<=[^\W_])-(?=[^\W\d_])|(?<=[^\W\d_])[/,:](?=[^\W\d_])")
_INITIALS = re.compile(r"(?:[^\W\d_]\.){2,}")
_ABBREVIATIONS = frozenset((
    "mr.", "mrs.", "ms.", "dr.", "prof.", "sen.", "rep.", "gov.", "gen.", "col.", "lt.", "sgt.",
    "capt.", "st.", "jr.", "sr.", "hon.", "rev.", "vs.", "etc.", "inc.", "ltd.", "co.", "corp.",
    "dept.", "est.", "approx.", "jan.", "feb.", "mar.", "apr.", "aug.", "sept.", "sep.", "oct.",
    "nov.", "dec.",
))  # fmt: skip


def simple_tokens(text: str) -> list[Token]:
    """Tokens of ``text`` by the rules in the module docstring."""
    spans: list[tuple[int, int]] = []
    for chunk in _CHUNK.finditer(text):
        spans.extend(_split(chunk.group(), chunk.start()))
    return _with_whitespace(text, spans)


def _split(chunk: str, offset: int) -> list[tuple[int, int]]:
    start, end = 0, len(chunk)
    prefixes: list[tuple[int, int]] = []
    suffixes: list[tuple[int, int]] = []
    while start < end:
        match = _PREFIX.match(chunk, start, end)
        if not match:
            break
        prefixes.append(match.span())
        start = match.end()
    while start < end:
        piece = chunk[start:end]
        if piece.lower() in _ABBREVIATIONS or _INITIALS.fullmatch(piece):
            break
        match = _SUFFIX.search(piece)
        if not match or match.start() == 0:
            break
        suffixes.append((start + match.start(), end))
        end = start + match.start()
    middle: list[tuple[int, int]] = []
    if start < end:
        position = start
        for match in _INFIX.finditer(chunk, start, end):
            if match.start() > position:
                middle.append((position, match.start()))
            middle.append(match.span())
            position = match.end()
        if position < end:
            middle.append((position, end))
    pieces = prefixes + middle + suffixes[::-1]
    return [(offset + s, offset + e) for s, e in pieces]


def _with_whitespace(text: str, spans: list[tuple[int, int]]) -> list[Token]:
    """Attach one following space to each token; other whitespace becomes its own token."""
    tokens: list[Token] = []
    position = 0
    for start, end in spans:
        if start > position:
            tokens.append(Token(text[position:start], position, start, False))
        ws = end < len(text) and text[end] == " "
        tokens.append(Token(text[start:end], start, end, ws))
        position = end + 1 if ws else end
    if position < len(text):
        tokens.append(Token(text[position:], position, len(text), False))
    return tokens


@cache
def _spacy_nlp(lang: str) -> Any:
    return blank_pipeline(lang)


def blank_pipeline(lang: str = "en") -> Any:
    """spaCy's blank pipeline of ``lang``, for tokenizing texts of any length: its length limit
    guards the memory of parsers and entity recognisers, which a blank pipeline does not run
    (the project's own benchmark transcript has 6.7 million characters)."""
    import spacy

    nlp = spacy.blank(lang)
    nlp.max_length = 2**31 - 1
    return nlp


def spacy_tokens(text: str, lang: str = "en") -> list[Token]:
    """spaCy's tokens for a blank pipeline of ``lang`` (spaCy must be installed)."""
    return spacy_columns(text, lang).tokens()


def spacy_columns(text: str, lang: str = "en") -> Bounds:
    """:func:`spacy_tokens` as columns."""
    doc = _spacy_nlp(lang).make_doc(text)
    # Offsets, lengths and whitespace flags in one call: a spaCy Token object per token cost
    # more than tokenizing. A token's text is its slice of the text (spaCy never alters it).
    starts, lengths, spaces = doc.to_array(["IDX", "LENGTH", "SPACY"]).T.tolist()
    ends = list(map(add, starts, lengths))
    texts = list(map(text.__getitem__, map(slice, starts, ends)))
    return Bounds(texts, starts, ends, list(map(bool, spaces)))


def spacy_available() -> bool:
    try:
        import spacy  # noqa: F401
    except ImportError:
        return False
    return True


def choose_tokenizer(name: str = "auto") -> tuple[str, Callable[[str], list[Token]]]:
    """The tokenizer called ``name`` (see the module docstring), with its resolved name."""
    if name not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {name!r}; use one of {', '.join(TOKENIZERS)}")
    if name == "auto":
        name = "spacy" if spacy_available() else "simple"
    if name == "spacy":
        return "spacy", spacy_tokens
    return "simple", simple_tokens


def choose_columns(name: str = "auto") -> tuple[str, Callable[[str], Bounds]]:
    """:func:`choose_tokenizer`, the tokens as columns (:class:`Bounds`)."""
    resolved, tokenize = choose_tokenizer(name)
    if resolved == "spacy":
        return resolved, spacy_columns
    return resolved, lambda text: Bounds.of(tokenize(text))


class Bounds:
    """Tokens as columns: their texts, starts, ends and ``ws`` flags, one list each. An export
    aligns every span of a document to the same tokens (bisecting the offsets, listed once),
    and a document's million tokens cost far less as four lists of plain values than as a
    million tuples (each one for the cycle collector to look at)."""

    def __init__(
        self, texts: list[str], starts: list[int], ends: list[int], ws: list[bool]
    ) -> None:
        self.texts = texts
        self.starts = starts
        self.ends = ends
        self.ws = ws
        self.spaces = list(map(str.isspace, texts))  # whitespace tokens (Token.is_space)

    @classmethod
    def of(cls, tokens: list[Token]) -> Bounds:
        return cls(
            [t.text for t in tokens], [t.start for t in tokens], [t.end for t in tokens],
            [t.ws for t in tokens],
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.texts)

    def tokens(self) -> list[Token]:
        values = zip(self.texts, self.starts, self.ends, self.ws, strict=True)
        return list(map(tuple.__new__, repeat(Token), values))

    def words(self) -> Bounds:
        """The tokens that are not whitespace."""
        keep = [not space for space in self.spaces]
        return Bounds(
            list(compress(self.texts, keep)), list(compress(self.starts, keep)),
            list(compress(self.ends, keep)), list(compress(self.ws, keep)),
        )  # fmt: skip

    def align(self, start: int, end: int) -> tuple[int, int, bool] | None:
        """See :func:`align`."""
        first = bisect.bisect_right(self.ends, start)
        last = bisect.bisect_left(self.starts, end) - 1
        spaces = self.spaces
        while first <= last and spaces[first]:
            first += 1
        while last >= first and spaces[last]:
            last -= 1
        if first > last:
            return None
        snapped = self.starts[first] != start or self.ends[last] != end
        return first, last, snapped


def align(tokens: list[Token], start: int, end: int) -> tuple[int, int, bool] | None:
    """``(first token, last token inclusive, snapped)`` covering ``[start, end)``.

    Whitespace tokens never begin or end the range. An edge inside a token takes in the whole
    token (the span is snapped outward); ``snapped`` is true whenever the tokens' characters
    are not exactly ``[start, end)``. ``None`` when no word token overlaps the span. (One span;
    for many spans over the same tokens, :class:`Bounds` lists the tokens' offsets once.)
    """
    return Bounds.of(tokens).align(start, end)
