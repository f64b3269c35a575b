"""Plain data types shared by the store, importers, exporters and the UI.

Offsets are half-open ``[start, end)`` code-point offsets into a document's text, which is
NFC-normalised at import and never changes afterwards.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

DOCUMENT_STATUSES = ("new", "in_progress", "done", "skipped")

_WORD = re.compile(r"\w+(?:['’\-]\w+)*")


def normalise_text(text: str) -> str:
    """The canonical form every stored text takes: NFC with ``\\n`` line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def count_words(text: str) -> int:
    # subn counts the matches in C, without a match object per word.
    return _WORD.subn("", text)[1]


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Turn:
    """One speaker turn (or, in a text without speakers, one paragraph)."""

    index: int
    start: int
    end: int
    speaker: str | None = None
    start_time: float | None = None  # seconds from the start of the recording
    end_time: float | None = None


@dataclass(frozen=True)
class SpanDraft:
    """A span read from a file, before it has an id or an annotator in the project."""

    label: str
    start: int
    end: int
    attributes: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    # Kept from a file that records them (the native jsonl export); None: stamped at import.
    created_at: str | None = None
    updated_at: str | None = None
    scheme_hash: str | None = None  # kept only when the project knows that scheme version
    # Where the file has it ("line 3", "T4"), for error messages; not part of the span.
    place: str | None = field(default=None, compare=False)
    # The key of the file's question it responds to; None: the question whose response
    # region holds its start (as for a new span); NO_QUESTION: none (the file says so).
    question: str | None = None


# A span draft's ``question`` when the file records that the span responds to no question.
NO_QUESTION = ""


SPEAKER_ROLES = ("interviewer", "interviewee", "moderator", "audience", "other")


@dataclass(frozen=True)
class SpeakerInfo:
    """What a file says of one speaker label: the person behind it and what it knows of
    them (a parliamentary record names the constituency and party; ParlaMint and
    TheyWorkForYou give a person id). The label itself is never rewritten in the text."""

    person: str | None = None  # the canonical name
    role: str | None = None  # one of SPEAKER_ROLES
    party: str | None = None
    external_id: str | None = None  # e.g. a parliament's or Wikidata's id
    constituency: str | None = None


def resolved_source(path: Path) -> str:
    """The path to store as a document's ``source_path``: absolute, with ``..`` and links
    resolved, so that it names the file from wherever the project is opened (the name as
    typed is ``source_name``). A lone surrogate (an undecodable byte of a file name) becomes
    U+FFFD, so that it can be stored."""
    try:
        found = path.resolve()
    except (OSError, RuntimeError, ValueError):  # a loop of links, a NUL: absolute it is
        found = path.absolute()
    return re.sub("[\ud800-\udfff]", "\ufffd", str(found))


@dataclass(frozen=True)
class ImportedDocument:
    """What an importer yields: immutable text, its turns, and (for span formats) one layer."""

    title: str
    text: str
    turns: tuple[Turn, ...]
    format: str
    # The file it came from: resolved (absolute, links followed) when read from a file, so
    # that it names the file wherever the project is opened from; ``source_name`` is the
    # file's name as the user typed it (what lists show and lookups match), by default the
    # last part of ``source_path``.
    source_path: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    spans: tuple[SpanDraft, ...] = ()
    annotator: str | None = None  # the layer's annotator when the file names one
    # The layer's status when the file records it (the native export): restored on import.
    status: str | None = None
    questions: tuple[QuestionDraft, ...] = ()  # the file's questions (QEvasion, our jsonl)
    codes: tuple[CodeDraft, ...] = ()  # unit codes, each naming its annotator
    # What the file says of its speaker labels (label -> person, role, party, ids).
    speaker_info: Mapping[str, SpeakerInfo] = field(default_factory=dict)
    # What the importer noticed but read anyway ("no speaker found: ..."), for the summary.
    warnings: tuple[str, ...] = ()
    source_name: str | None = None

    def __post_init__(self) -> None:
        check_turns(self.text, self.turns)

    # Computed once per document (the text never changes): an import, its checks and its
    # summary each ask for them.
    @cached_property
    def sha256(self) -> str:
        return text_sha256(self.text)

    @cached_property
    def turn_words(self) -> tuple[int, ...]:
        """Each turn's words, as stored with it (speakers and reports sum them)."""
        return tuple(count_words(self.text[t.start : t.end]) for t in self.turns)

    @cached_property
    def words(self) -> int:
        # The turns' words and those between them: one pass over the text, as the turns'
        # own count needs one anyway (turns never cut a word: importers end them at breaks).
        if not self.turns:
            return count_words(self.text)
        gaps, previous = [], 0
        for turn in self.turns:
            gaps.append(self.text[previous : turn.start])
            previous = turn.end
        gaps.append(self.text[previous:])
        return sum(self.turn_words) + count_words(" ".join(gaps))

    @property
    def speakers(self) -> tuple[str, ...]:
        return distinct_speakers(self.turns)


@dataclass(frozen=True)
class Document:
    """A stored document. ``text`` never changes after import."""

    id: int
    title: str
    text: str
    sha256: str
    format: str
    source_path: str | None
    metadata: Mapping[str, Any]
    imported_at: str
    words: int

    @property
    def source_name(self) -> str | None:
        if not self.source_path:
            return None
        return re.split(r"[\\/]", self.source_path)[-1]


@dataclass(frozen=True)
class Span:
    """One annotator's label on ``text[start:end]`` of a document."""

    id: int
    document_id: int
    annotator: str
    label: str
    start: int
    end: int
    attributes: Mapping[str, Any]
    note: str
    scheme_hash: str
    created_at: str
    updated_at: str
    # Gold spans only: how the span came about (method, reviewer, source spans, ...).
    provenance: Mapping[str, Any] | None = None
    question_id: int | None = None  # the question this span responds to, if any

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end


QUESTION_STATUSES = ("proposed", "confirmed")


@dataclass(frozen=True)
class Question:
    """A question an interviewer asks: ``text[start:end]`` of a document.

    Questions are shared by the project's annotators (everyone codes the same units). A
    question may be split into parts (sub-questions, ``parent_id`` set), each coded on its
    own; a question with parts is coded through them. ``response`` is the text that answers
    it: by default from its end to the next question (see :mod:`annotator.questions`), or
    where an annotator moved it (``response_set``). Parts share their parent's response.
    """

    id: int
    document_id: int
    start: int
    end: int
    parent_id: int | None
    status: str  # one of QUESTION_STATUSES
    wording: str | None  # as a dataset phrases it, when not its text (CLARITY rewrites parts)
    response: tuple[int, int]  # [start, end) of the response region
    response_set: bool  # True when an annotator moved the region's edges
    speaker: str | None  # the speaker of the turn it starts in
    name: str  # "Q3", "Q3b": its place in the document, as the app and exports show it
    created_at: str
    updated_at: str

    @property
    def is_part(self) -> bool:
        return self.parent_id is not None


UNIT_KINDS = ("question", "document")  # what unit-level codes are given to


@dataclass(frozen=True)
class Code:
    """One annotator's code for a unit: a question (``question_id``) or the whole document."""

    id: int
    document_id: int
    annotator: str
    unit: str  # one of UNIT_KINDS
    question_id: int | None  # None for a document code
    label: str
    attributes: Mapping[str, Any]
    note: str
    scheme_hash: str
    created_at: str
    updated_at: str
    provenance: Mapping[str, Any] | None = None  # gold codes: how they came about


@dataclass(frozen=True)
class QuestionDraft:
    """A question read from a file (a QEvasion row, our jsonl), before it has an id.

    ``key`` names it within its file, so that parts (``parent``), span links and codes can
    refer to it; it is not stored.
    """

    key: str
    start: int
    end: int
    parent: str | None = None
    status: str = "confirmed"
    response: tuple[int, int] | None = None  # None: the default region
    wording: str | None = None  # as the file phrases the question, when not its text
    # Kept from a file that records them (the native jsonl export); None: stamped at import.
    created_at: str | None = None
    updated_at: str | None = None


@dataclass(frozen=True)
class CodeDraft:
    """A unit code read from a file: one annotator's code for a question (by its draft key)
    or for the document (``question`` None)."""

    annotator: str
    label: str
    question: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    place: str | None = field(default=None, compare=False)
    # Kept from a file that records them (the native jsonl export); None: stamped at import
    # (the scheme hash only when the project holds that scheme version).
    created_at: str | None = None
    updated_at: str | None = None
    scheme_hash: str | None = None
    provenance: Mapping[str, Any] | None = None  # gold codes: how they came about


@dataclass(frozen=True)
class Change:
    """One row of the append-only change log: a change of a span, a question or a code."""

    id: int
    batch: int
    kind: str  # "edit", "undo" or "redo": what made the batch
    action: str  # "create", "update", "delete" or "rejection"
    span_id: int  # the id of the item changed (a span's, a question's or a code's)
    document_id: int
    annotator: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    at: str
    reviewer: str | None = None  # who made an edit of the gold layer
    item: str = "span"  # what changed: "span", "question" or "code"
    upgrade: int | None = None  # the scheme upgrade that made it (a rename), if one did


def distinct_speakers(turns: tuple[Turn, ...] | list[Turn]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for turn in turns:
        if turn.speaker:
            seen.setdefault(turn.speaker, None)
    return tuple(seen)


def check_turns(text: str, turns: tuple[Turn, ...] | list[Turn]) -> None:
    """Turns must be in order, inside the text, and must not overlap."""
    previous_end = 0
    for position, turn in enumerate(turns):
        if turn.index != position:
            raise ValueError(f"turn {position} has index {turn.index}")
        if not (previous_end <= turn.start < turn.end <= len(text)):
            raise ValueError(
                f"turn {position} [{turn.start}, {turn.end}) is out of order or outside the "
                f"text of {len(text)} characters"
            )
        previous_end = turn.end


def check_span_offsets(text_length: int, start: int, end: int) -> None:
    """Refuse offsets that do not denote a non-empty half-open range inside the text."""
    if not (isinstance(start, int) and isinstance(end, int)):
        raise ValueError(f"offsets must be integers, not {start!r} and {end!r}")
    if not 0 <= start < end <= text_length:
        raise ValueError(
            f"span [{start}, {end}) is not a non-empty range inside the text "
            f"of {text_length} characters"
        )
