"""Warnings about a transcript's speakers: read anyway, but worth a look.

After a transcript format's importer has read a file (span formats are not checked),
:func:`speaker_warnings` looks at each document and says, in one line naming the file:

- **no speaker**: no turn has a speaker (a news article; or labels in a form the importer
  does not read);
- **one speaker in a long text**: a single speaker across at least
  :data:`LONG_TEXT_WORDS` words (an interview whose other voices were not recognised);
- **an unrecognised convention**: at least :data:`CONVENTION_LINES` lines (or, with the two
  warnings above, one) look like a speaker convention that the format used does not read:
  Otter.ai ``Name  0:03``, rev.com ``Name (00:00:03):``, Descript ``[00:00:03] Name:``,
  Hansard ``Name (Constituency) (Party):``, Markdown bold ``**Name:**`` or ``**Name**:``
  (read by ``text`` and ``markdown``), a bold name alone on a line ``**Name**`` (read by
  none), and broadcast ``>> NAME:`` speaker changes (read by ``srt`` and ``vtt``). The line
  names the convention, the first such line, and the ``--format`` that reads it.

``annotator import --strict`` refuses a file with any warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from annotator.io.common import display_name, shorten
from annotator.io.services import CONVENTIONS, speaker_lines
from annotator.io.text import label_kind
from annotator.model import ImportedDocument

LONG_TEXT_WORDS = 1000
CONVENTION_LINES = 3

_BOLD_RE = re.compile(r"^\s*\*\*([^*:\n]{1,80}?)(?::\*\*|\*\*:)(?=\s|$)")
_BOLD_ALONE_RE = re.compile(r"^\s*\*\*([^*:\n]{1,80}?)\*\*\s*$")
_CHEVRONS_RE = re.compile(r"^\s*>>(?!>)")


def _regex_lines(
    pattern: re.Pattern[str], named: bool
) -> Callable[[str], tuple[int, int, str] | None]:
    def count(text: str) -> tuple[int, int, str] | None:
        found = 0
        first: tuple[int, str] | None = None
        for number, line in enumerate(text.split("\n"), start=1):
            match = pattern.match(line)
            if match and (not named or label_kind(" ".join(match.group(1).split()))):
                found += 1
                first = first or (number, line.strip())
        return (found, *first) if first else None

    return count


# (what the lines are, the formats that read them, how to find them)
_HINTS: list[tuple[str, tuple[str, ...], Callable[[str], tuple[int, int, str] | None]]] = [
    *(
        (
            {
                "otter": "Otter.ai speaker lines",
                "rev": "rev.com speaker lines",
                "descript": "Descript/Trint speaker lines",
                "hansard": "Hansard speaker lines",
            }[name],
            (name,),
            lambda text, name=name: speaker_lines(name, text),  # type: ignore[misc]
        )
        for name in CONVENTIONS
    ),
    ("Markdown bold speaker labels", ("text", "markdown"), _regex_lines(_BOLD_RE, True)),
    ("bold names alone on a line", (), _regex_lines(_BOLD_ALONE_RE, True)),
    ("broadcast '>>' speaker changes", ("srt", "vtt"), _regex_lines(_CHEVRONS_RE, False)),
]


def _conventions(text: str, format: str, least: int) -> list[str]:
    found: list[str] = []
    for what, readers, lines in _HINTS:
        if format in readers:
            continue
        seen = lines(text)
        if seen is None or seen[0] < least:
            continue
        count, number, line = seen
        if readers:
            advice = f"import with --format {readers[0]} to read them"
        else:
            advice = "no importer reads them; write them as 'Name:' labels"
        found.append(
            f"{count} line(s) look like {what} (line {number}: '{shorten(line, 40)}'); {advice}"
        )
    return found


def speaker_warnings(doc: ImportedDocument, text: str, source: str, format: str) -> tuple[str, ...]:
    """The warnings about ``doc`` (read from ``text`` as ``format``); see the docstring."""
    name = display_name(source)
    speakers = doc.speakers
    words = doc.words
    problem: str | None = None
    if not speakers:
        problem = f"no speaker found in {words:,} words"
    elif len(speakers) == 1 and words >= LONG_TEXT_WORDS:
        problem = f"only one speaker ({shorten(speakers[0], 40)}) in {words:,} words"
    hints = _conventions(text, format, 1 if problem else CONVENTION_LINES)
    if problem is None:
        return tuple(f"{name}: {hint}" for hint in hints)
    if hints:
        return (f"{name}: {problem}; " + "; ".join(hints),)
    return (
        f"{name}: {problem}; the {format} importer found no speaker labels it reads "
        "(see README, 'Transcript formats'), or pass --format",
    )
