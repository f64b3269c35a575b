"""Transcripts from transcription services and Hansard web copy (formats ``otter``, ``rev``,
``descript`` and ``hansard``).

They are text transcripts (see :mod:`annotator.io.text`: paragraphs, front matter, titles,
hard wraps) whose speaker lines follow a service's own convention. Each convention is tried
first on every line; times become the turn's ``start_time`` (seconds) and never stay in the
text. Times are ``M:SS``, ``MM:SS`` or ``H:MM:SS``, with optional fractions of a second.

- **otter** (Otter.ai text export): a line holding only a name, two or more spaces (or a
  tab) and a time, ``Jane Doe  0:03``; the text follows on the next lines. The footer line
  ``Transcribed by https://otter.ai`` is dropped. Other ``NAME:`` labels are not looked for.
- **rev** (rev.com): ``Jane Doe (00:00:03):`` on its own line (or with the text after it),
  and the inline style ``Jane Doe: (00:03) text``. Other ``NAME:`` labels are not looked for.
- **descript** (Descript and Trint exports): ``[00:00:03] Jane Doe: text``; a line holding
  only a time in brackets (``[00:01:00]``) is a time mark and is dropped. Other ``NAME:``
  labels are not looked for.
- **hansard** (UK Hansard web copy): ``Yvette Cooper (Pontefract, Castleford and
  Knottingley) (Lab):`` names the speaker ``Yvette Cooper`` (constituency and party go to
  the document's ``speaker_info``); ``The Secretary of State for the Home Department
  (Suella Braverman):`` names ``Suella Braverman``, and a later bare ``The Secretary of State
  for the Home Department:`` is that person too. A single parenthesis after a member's name
  is the party when it is a known party abbreviation (``(Lab)``, ``(Con)``, ``(SNP)`` …),
  else the constituency. The text's ordinary labels (``Mr Speaker:``, ``Hon. Members:``)
  are read as in the text format.

A name is accepted only when it looks like one (at most six words, each capitalised or in
capitals, as in rule 5 of :mod:`annotator.io.text`); a line that is not a speaker line is
text. Detection by content (``.txt`` and files without an extension): at least two speaker
lines of the convention, or for Otter its footer; for Hansard only lines with constituency
and party, or an office naming its holder, count. A parenthesis that does not start with a
capital (``(laughs)``) is never a constituency or a name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from annotator.io.text import Convention, LabelLine, label_kind, parse_text
from annotator.model import ImportedDocument, SpeakerInfo

_TIME = r"(?:\d{1,3}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_OTTER_RE = re.compile(rf"^(?P<name>\S(?:.*?\S)?)(?: {{2,}}|\t+)(?P<time>{_TIME})$")
_OTTER_FOOTER_RE = re.compile(r"^Transcribed by\s+(?:https?://)?otter\.ai/?\s*$", re.IGNORECASE)
_REV_RE = re.compile(rf"^(?P<name>[^():\[\]]+?)\s*\((?P<time>{_TIME})\):(?:\s+(?P<rest>.*))?$")
_REV_INLINE_RE = re.compile(
    rf"^(?P<name>[^():\[\]]+?):\s+\((?P<time>{_TIME})\)(?:\s+(?P<rest>.*))?$"
)
_DESCRIPT_RE = re.compile(rf"^\[(?P<time>{_TIME})\]\s*(?P<name>[^:\[\]]+?):(?:\s+(?P<rest>.*))?$")
_TIME_MARK_RE = re.compile(rf"^\[{_TIME}\]$")
_HANSARD_RE = re.compile(
    r"^(?P<name>[^():\[\]]+?)\s*\((?P<first>[^()]+)\)(?:\s*\((?P<second>[^()]+)\))?:(?:\s+(?P<rest>.*))?$"
)
_HANSARD_OFFICE_RE = re.compile(r"^(?P<office>[^():\[\]]+?):(?:\s+(?P<rest>.*))?$")
# An office that names its holder in parentheses: "The Secretary of State for Transport".
_OFFICE_RE = re.compile(r"^The [A-Z][\w'’-]*(?: [\w'’,-]+){0,14}$")
# Party abbreviations Hansard prints after a member's name.
_PARTIES = frozenset(
    [
        "lab",
        "con",
        "ld",
        "snp",
        "dup",
        "pc",
        "ind",
        "green",
        "sdlp",
        "alba",
        "uup",
        "apni",
        "reform",
        "sf",
        "lab/co-op",
        "speaker",
    ]
)


def seconds(value: str) -> float:
    """``1:02:03.5`` → 3723.5 (the times of the service conventions)."""
    whole, _, fraction = value.replace(",", ".").partition(".")
    total = 0
    for part in whole.split(":"):
        total = total * 60 + int(part)
    return total + (float(f"0.{fraction}") if fraction else 0.0)


def _name(value: str) -> str | None:
    """A service's speaker name. Its time stamp already marks the line as a speaker line,
    so the name need not look like one of rule 5's labels ("presenter", "speaker 2" as a
    service writes them): up to eight words and 60 characters, starting with a letter."""
    name = " ".join(value.split())
    if label_kind(name):
        return name
    if name[:1].isalpha() and len(name) <= 60 and len(name.split()) <= 8:
        return name
    return None


class _Otter(Convention):
    generic_labels = False

    def label(self, line: str) -> LabelLine | None:
        match = _OTTER_RE.match(line)
        name = _name(match.group("name")) if match else None
        if match is None or name is None:
            return None
        return LabelLine(name, "", seconds(match.group("time")))

    def skip(self, line: str) -> bool:
        return bool(_OTTER_FOOTER_RE.match(line))


class _Rev(Convention):
    generic_labels = False

    def label(self, line: str) -> LabelLine | None:
        match = _REV_RE.match(line) or _REV_INLINE_RE.match(line)
        name = _name(match.group("name")) if match else None
        if match is None or name is None:
            return None
        return LabelLine(name, match.group("rest") or "", seconds(match.group("time")))


class _Descript(Convention):
    generic_labels = False

    def label(self, line: str) -> LabelLine | None:
        match = _DESCRIPT_RE.match(line)
        name = _name(match.group("name")) if match else None
        if match is None or name is None:
            return None
        return LabelLine(name, match.group("rest") or "", seconds(match.group("time")))

    def skip(self, line: str) -> bool:
        return bool(_TIME_MARK_RE.match(line))


class _Hansard(Convention):
    def __init__(self) -> None:
        self.offices: dict[str, str] = {}  # "The Prime Minister" -> the person it named

    def label(self, line: str) -> LabelLine | None:
        match = _HANSARD_RE.match(line)
        if match is None:
            office = _HANSARD_OFFICE_RE.match(line)
            if office and (person := self.offices.get(" ".join(office.group("office").split()))):
                return LabelLine(person, office.group("rest") or "")
            return None
        if re.fullmatch(_TIME, match.group("first").strip()):
            return None  # a rev.com time, not a constituency
        head = " ".join(match.group("name").split())
        first = " ".join(match.group("first").split())
        if not first[:1].isupper():
            return None  # a stage direction, "(laughs)", not a constituency
        second = " ".join((match.group("second") or "").split()) or None
        rest = match.group("rest") or ""
        if second is None and _OFFICE_RE.match(head):
            person = _name(first)
            if person is None:
                return None
            self.offices[head] = person
            return LabelLine(person, rest, info=SpeakerInfo(person=person))
        name = _name(head)
        if name is None:
            return None
        if second is not None:
            info = SpeakerInfo(person=name, constituency=first, party=second)
        elif first.casefold() in _PARTIES:
            info = SpeakerInfo(person=name, party=first)
        else:
            info = SpeakerInfo(person=name, constituency=first)
        return LabelLine(name, rest, info=info)


# Lines that may be a convention's speaker line (a fast search over the whole text; each
# found line is then checked by the convention itself, so a candidate may be loose). Each
# starts with a literal character, which Python's re finds fast: a pattern that starts with
# spaces or a line start is tried at every position (Otter's took 1.7 ms for 7 kB, run on
# every text file imported, twice).
_CANDIDATES = {
    "otter": re.compile(r":\d{2}(?:[.,]\d{1,3})?[ \t]*$", re.MULTILINE),  # a time ends it
    "rev": re.compile(rf"\({_TIME}\)"),
    "descript": re.compile(rf"\[{_TIME}\]"),  # the line must start with it: checked after
    "hansard": re.compile(r"\)[ \t]*:"),
}
# A character each candidate holds: a text without it has none, found many times faster than
# by the search (most transcripts hold no brackets, many no parentheses).
_NEEDLES = {"otter": ":", "rev": "(", "descript": "[", "hansard": ")"}


def _hansard_member_or_office(line: str) -> bool:
    """A line only Hansard writes: a member with constituency and party, or an office
    naming its holder (a lone parenthesis, ``ALICE (laughs):``, is common elsewhere)."""
    match = _HANSARD_RE.match(line)
    if match is None:
        return False
    return bool(match.group("second") or _OFFICE_RE.match(" ".join(match.group("name").split())))


def _speaker_lines(format: str, text: str, limit: int | None = None) -> Iterator[tuple[int, str]]:
    """The start offset and the stripped text of each speaker line of ``format``."""
    if _NEEDLES[format] not in text:
        return
    convention = CONVENTIONS[format]()
    found = 0
    after = 0  # one candidate per line
    for match in _CANDIDATES[format].finditer(text):
        if match.start() < after:
            continue
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.end())
        after = end if end >= 0 else len(text)
        line = text[start:after].strip()
        if format == "hansard" and not _hansard_member_or_office(line):
            continue
        if convention.label(line) is not None:
            yield start, line
            found += 1
            if limit is not None and found >= limit:
                return


# The last text searched and, by format, the speaker lines found in it and whether they are
# all of them (detection stops at two): detection and the speaker checks both search a file
# for each convention, and the checks find the answers here. The text is known by identity
# (hashing a large one costs as much as a search); only the last is kept, until
# :func:`forget_searches` (read_transcript calls it when done with a file).
_searched: tuple[str, dict[str, tuple[list[tuple[int, str]], bool]]] = ("", {})


def forget_searches() -> None:
    """Let the last text searched go (a large file's text is not kept while it is stored)."""
    global _searched
    _searched = ("", {})


def _found(format: str, text: str, limit: int | None = None) -> list[tuple[int, str]]:
    """The first ``limit`` (default: all) of :func:`_speaker_lines`, searched once a text."""
    global _searched
    searched = _searched
    if searched[0] is not text:
        searched = _searched = (text, {})
    known = searched[1].get(format)
    if known is None or not (known[1] or (limit is not None and len(known[0]) >= limit)):
        lines = list(_speaker_lines(format, text, limit))
        known = searched[1][format] = (lines, limit is None or len(lines) < limit)
    return known[0] if limit is None else known[0][:limit]


def _count(format: str, text: str) -> int:
    return len(_found(format, text, limit=2))


def sniff_otter(text: str) -> bool:
    return _count("otter", text) >= 2 or any(
        _OTTER_FOOTER_RE.match(line.strip()) for line in text.rsplit("\n", 5)[-5:]
    )


def sniff_rev(text: str) -> bool:
    return _count("rev", text) >= 2


def sniff_descript(text: str) -> bool:
    return _count("descript", text) >= 2


def sniff_hansard(text: str) -> bool:
    # Only the lines with a parenthesis count: bare labels are common in any transcript.
    return _count("hansard", text) >= 2


CONVENTIONS: dict[str, Callable[[], Convention]] = {
    "otter": _Otter,
    "rev": _Rev,
    "descript": _Descript,
    "hansard": _Hansard,
}


def parse_service(
    text: str, *, source: str, source_path: str | None, format: str
) -> list[ImportedDocument]:
    """Parse a transcript in one of the conventions of the module docstring."""
    return parse_text(
        text, source=source, source_path=source_path, format=format, convention=CONVENTIONS[format]
    )


def speaker_lines(format: str, text: str) -> tuple[int, int, str] | None:
    """How many lines of ``text`` are speaker lines of ``format``'s convention, with the
    1-based number and text of the first; ``None`` when there are none. For Hansard only
    the lines with a parenthesis count."""
    matches = _found(format, text)
    if not matches:
        return None
    start, line = matches[0]
    return len(matches), text.count("\n", 0, start) + 1, line
