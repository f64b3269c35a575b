"""Warnings about a transcript's speakers: read anyway, but worth a look.

After a transcript format's importer has read a file (span formats are not checked),
:func:`check_documents` looks at each document and says, in one line naming the file:

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

import dataclasses
import re
from collections.abc import Callable

from annotator.io.common import display_name, shorten
from annotator.io.services import speaker_lines
from annotator.io.text import label_kind
from annotator.model import ImportedDocument

LONG_TEXT_WORDS = 1000
CONVENTION_LINES = 3

_BOLD_RE = re.compile(r"^[ \t]*\*\*([^*:\n]{1,80}?)(?::\*\*|\*\*:)(?=\s|$)", re.MULTILINE)
_BOLD_ALONE_RE = re.compile(r"^[ \t]*\*\*([^*:\n]{1,80}?)\*\*[ \t]*$", re.MULTILINE)
_CHEVRONS_RE = re.compile(r"^[ \t]*>>(?!>)[^\n]*", re.MULTILINE)


def _regex_lines(
    pattern: re.Pattern[str], named: bool, needle: str
) -> Callable[[str], tuple[int, int, str] | None]:
    """Lines ``pattern`` finds; ``needle`` is a string every match holds (a pattern that starts
    at a line's start is tried at every position of the text: skipped where it cannot match)."""

    def count(text: str) -> tuple[int, int, str] | None:
        # (its first character alone first: a search for one character is many times faster)
        if needle[0] not in text or needle not in text:
            return None
        found = 0
        first: tuple[int, str] | None = None
        for match in pattern.finditer(text):
            if named and not label_kind(" ".join(match.group(1).split())):
                continue
            found += 1
            if first is None:
                end = text.find("\n", match.start())
                line = text[match.start() : end if end >= 0 else len(text)].strip()
                first = (text.count("\n", 0, match.start()) + 1, line)
        return (found, *first) if first else None

    return count


def _service_lines(format: str) -> Callable[[str], tuple[int, int, str] | None]:
    return lambda text: speaker_lines(format, text)


_SERVICES = {
    "otter": "Otter.ai speaker lines",
    "rev": "rev.com speaker lines",
    "descript": "Descript/Trint speaker lines",
    "hansard": "Hansard speaker lines",
}
# (what the lines are, the formats that read them, how to find them)
_HINTS: list[tuple[str, tuple[str, ...], Callable[[str], tuple[int, int, str] | None]]] = [
    *((what, (name,), _service_lines(name)) for name, what in _SERVICES.items()),
    ("Markdown bold speaker labels", ("text", "markdown"), _regex_lines(_BOLD_RE, True, "**")),
    ("bold names alone on a line", (), _regex_lines(_BOLD_ALONE_RE, True, "**")),
    ("broadcast '>>' speaker changes", ("srt", "vtt"), _regex_lines(_CHEVRONS_RE, False, ">>")),
]


def _conventions(text: str, format: str) -> list[tuple[int, str]]:
    """Each convention ``format`` does not read that has lines in ``text``: how many, and
    the sentence that names it."""
    found: list[tuple[int, str]] = []
    for what, readers, lines in _HINTS:
        if format in readers:
            continue
        seen = lines(text)
        if seen is None:
            continue
        count, number, line = seen
        if readers:
            advice = f"import with --format {readers[0]} to read them"
        else:
            advice = "no importer reads them; write them as 'Name:' labels"
        example = f"line {number}: '{shorten(line, 40)}'"
        found.append((count, f"{count} line(s) look like {what} ({example}); {advice}"))
    return found


def check_documents(
    documents: list[ImportedDocument], text: str, source: str, format: str
) -> list[ImportedDocument]:
    """``documents`` (read from ``text`` as ``format``) with their speaker warnings added
    (see the module docstring). The text is searched for conventions once, for the file; a
    file of several documents names the document in each warning."""
    name = display_name(source)
    conventions: list[tuple[int, str]] | None = None
    checked = []
    for doc in documents:
        speakers = doc.speakers
        problem: str | None = None
        if not speakers:
            problem = f"no speaker found in {doc.words:,} words"
        elif len(speakers) == 1 and doc.words >= LONG_TEXT_WORDS:
            problem = f"only one speaker ({shorten(speakers[0], 40)}) in {doc.words:,} words"
        if conventions is None:
            conventions = _conventions(text, format)
        least = 1 if problem else CONVENTION_LINES
        hints = [hint for count, hint in conventions if count >= least]
        where = f"{name}: {shorten(doc.title, 40)}" if len(documents) > 1 else name
        if problem is None:
            warnings = tuple(f"{where}: {hint}" for hint in hints)
        elif hints:
            warnings = (f"{where}: {problem}; " + "; ".join(hints),)
        else:
            warnings = (
                f"{where}: {problem}; the {format} importer found no speaker labels it reads "
                "(see README, 'Transcript formats'), or pass --format",
            )
        # A document without warnings is kept as it is (a copy would check its turns again).
        checked.append(
            dataclasses.replace(doc, warnings=doc.warnings + warnings) if warnings else doc
        )
    return checked
