"""Questions in a transcript: who asks, where a question is, and what text answers it.

Plain functions over a document's text and turns, shared by the store (default response
regions, names) and ``annotator questions propose``:

- **Who asks.** A turn's speaker asks when the caller names them (``--asker``); else when
  the person the label names has a role (``annotator speakers role``): interviewer,
  moderator and audience ask, interviewee and other do not; else, by default, when the
  speaker label is an asking role: ``Q`` (White House transcripts),
  interviewer, moderator, host, presenter, anchor, reporter (``REPORTER 2``), journalist,
  correspondent, questioner or audience member, alone or before a name ("Moderator Amara
  Diallo"). ``*`` makes every speaker an asker (a parliamentary debate).
- **Proposals.** In each turn whose speaker asks, every sentence that ends in "?" is a
  question; a turn with several becomes one question with a part per "?" (Q3a, Q3b), as
  CLARITY splits an interviewer's turn into sub-questions. A sentence starts after the
  previous sentence's end within the turn (abbreviations such as "Mr." do not end one).
  Proposals never overlap an existing question.
- **Response regions.** By default a question's response is the text from its end to the
  start of the turn that asks the next question of the document (so the interviewer's
  lead-in to it is left out), and never crosses a section break (a ParlaMint ``<head>`` or
  ``<gap>``: the document's ``section_breaks`` metadata, turn indexes) or the end of the
  text.
- **Names.** Top-level questions are numbered in text order (Q1, Q2, ...) and parts lettered
  (Q2a, Q2b), so a name says where a question is, not what it is: it changes when a question
  is added before it; ids do not.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .model import Turn

ANY_SPEAKER = "*"
ASKING_ROLES = frozenset({"interviewer", "moderator", "audience"})
_ASKING_ROLE = re.compile(
    r"(?:q|question|interviewer|moderator|host|presenter|anchor|reporter|journalist|"
    r"correspondent|questioner|audience(?: member)?)(?:\b.*)?",
    re.IGNORECASE,
)
# Words ending in "." that do not end a sentence (titles, initials are handled apart).
_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "st", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "prof",
    "rev", "hon", "jr", "sr", "no", "vs", "etc", "u.s", "a.m", "p.m", "e.g", "i.e", "inc",
    "ltd", "co", "corp", "dept", "est", "fig", "approx",
})  # fmt: skip
_QUESTION_MARKS = "?？"
_CLOSERS = "\"'”’)]»"
# Where a sentence or a paragraph may end: the only places question_sentences looks at.
_BREAKS = re.compile("\n(?=\n)|[.!" + _QUESTION_MARKS + "]")


def asks(
    speaker: str | None, askers: Collection[str] | None = None, role: str | None = None
) -> bool:
    """Whether a turn's speaker asks questions: one of ``askers`` (case-insensitive; ``*``:
    anyone); else by the ``role`` of the person the label names, when it has one; else by
    the label (module docstring)."""
    if speaker is None:
        return False
    name = speaker.strip().rstrip(":").strip()
    if askers:
        wanted = {asker.strip().casefold() for asker in askers}
        return ANY_SPEAKER in wanted or name.casefold() in wanted
    if role is not None:
        return role in ASKING_ROLES
    return bool(_ASKING_ROLE.fullmatch(name))


@dataclass(frozen=True)
class Proposal:
    """A proposed question: ``[start, end)``, and its parts when it holds several "?"."""

    start: int
    end: int
    parts: tuple[tuple[int, int], ...] = ()


def question_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of ``text[start:end]`` that end in a question mark, as offsets."""
    found: list[tuple[int, int]] = []
    sentence_start = _skip_space(text, start, end)
    position = start  # where the next sentence may end (after the last one's closers)
    for match in _BREAKS.finditer(text, start, end):
        at = match.start()
        if at < position:
            continue
        character = text[at]
        if character == "\n":
            sentence_start = _skip_space(text, at + 1, end)  # a new paragraph
            continue
        if character in ".!" and not _ends_sentence(text, at, start, end):
            continue
        stop = at + 1
        while stop < end and text[stop] in _CLOSERS:
            stop += 1
        if character in _QUESTION_MARKS and sentence_start < at:
            found.append((sentence_start, stop))
        sentence_start = _skip_space(text, stop, end)
        position = stop
    return found


def _ends_sentence(text: str, position: int, start: int, end: int) -> bool:
    """Whether the "." or "!" at ``position`` ends a sentence (not "Mr." or "3.5")."""
    after = position + 1
    if after < end and not text[after].isspace() and text[after] not in _CLOSERS:
        return False  # "3.5", "U.S.", "a.m."
    if text[position] == "!":
        return True
    word_start = position
    while word_start > start and (text[word_start - 1].isalpha() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:position].casefold()
    # A title ("Mr.") or an initial ("J.") does not end a sentence.
    return not (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()))


def _skip_space(text: str, position: int, end: int) -> int:
    while position < end and (text[position].isspace() or text[position] in "-—–"):
        position += 1
    return position


def propose(
    text: str,
    turns: Sequence[Turn],
    askers: Collection[str] | None = None,
    existing: Sequence[tuple[int, int]] = (),
    roles: Mapping[str, str | None] | None = None,
) -> list[Proposal]:
    """The questions of a document, one per asking turn with a "?" (parts for several), that
    do not overlap ``existing`` questions. ``roles``: the role of each label's person."""
    proposals: list[Proposal] = []
    roles = roles or {}
    for turn in turns:
        role = roles.get(turn.speaker) if turn.speaker is not None else None
        if not asks(turn.speaker, askers, role):
            continue
        sentences = [
            (start, end)
            for start, end in question_sentences(text, turn.start, turn.end)
            if not any(start < e and s < end for s, e in existing)
        ]
        if not sentences:
            continue
        parts = tuple(sentences) if len(sentences) > 1 else ()
        proposals.append(Proposal(sentences[0][0], sentences[-1][1], parts))
    return proposals


def section_breaks(metadata: Mapping[str, Any]) -> list[int]:
    """The indexes of the turns that start a new section of the document (ParlaMint heads
    and gaps), as the importer recorded them; anything else in that key is ignored."""
    breaks = metadata.get("section_breaks")
    if not isinstance(breaks, list):
        return []
    return sorted(i for i in breaks if isinstance(i, int) and not isinstance(i, bool) and i >= 0)


def default_regions(
    questions: Sequence[tuple[int, int]],
    sections: Sequence[int],
    text_length: int,
    turn_starts: Sequence[int] = (),
) -> list[tuple[int, int]]:
    """Each top-level question's default response region, for questions in text order: from
    its end to where the next question's turn starts (``turn_starts``, sorted: so the
    interviewer's lead-in to the next question is not part of this answer), the next
    section's start or the text's end, whichever comes first (empty when the next question
    follows at once)."""
    regions = []
    for position, (_, end) in enumerate(questions):
        if position + 1 < len(questions):
            following = questions[position + 1][0]
            turn = bisect_right(turn_starts, following) - 1
            turn_start = turn_starts[turn] if turn >= 0 else following
            stop = turn_start if turn_start >= end else following
        else:
            stop = text_length
        stop = min([stop, *(offset for offset in sections if offset > end)])
        regions.append((end, max(end, stop)))
    return regions


def part_letter(position: int) -> str:
    """a, b, ..., z, then aa, ab, ...: the letter of a question's part (0-based position)."""
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters


def speaker_at(turns: Sequence[Turn], offset: int) -> str | None:
    """The speaker of the turn holding ``offset`` (None between turns or without speakers)."""
    low, high = 0, len(turns)
    while low < high:
        middle = (low + high) // 2
        if turns[middle].end <= offset:
            low = middle + 1
        else:
            high = middle
    if low < len(turns) and turns[low].start <= offset < turns[low].end:
        return turns[low].speaker
    return None
