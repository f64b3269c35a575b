"""Guideline text: how a scheme's descriptions are read, the same way wherever they are shown
(the Guidelines screen, the edit dialog's hints, the codebook).

Scheme texts are YAML blocks hard-wrapped at the author's line length. Only this much
structure is read from them, and no word is ever changed:

- a blank line ends a paragraph;
- a line that starts with a list marker (``- ``, ``* ``, ``• ``, ``1. ``, ``2) ``) starts a
  list item;
- in an attribute's description, a line that starts with one of its choices and a colon
  (``declines: openly refuses, ...``) starts that choice's **definition**; so does a line
  that starts with a choice's group, the part before its last ``.`` (``declines:`` for the
  choices ``declines.cannot``, ``declines.will_not``...), which defines the group's
  choices together;
- every other line continues the line before it, joined by one space (so a definition or a
  list item runs on over unindented lines too, up to the next item or paragraph).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .model import CHOICE_TYPES, Attribute

_MARKER = re.compile(r"([-*•]|\d{1,9}[.)])\s")


@dataclass(frozen=True)
class Line:
    """One line of guideline text as the author meant it (hard-wrapped lines joined)."""

    text: str  # the whole line as written, list marker and term included
    marker: str = ""  # the list marker as written ("-", "1."), or "" for no list item
    term: str = ""  # the choice (or group of choices) the line defines, or ""

    @property
    def body(self) -> str:
        """The text after the list marker."""
        return self.text[len(self.marker) :].lstrip() if self.marker else self.text

    @property
    def definition(self) -> str:
        """For a line that defines a term: the text after ``term:``; else the body."""
        body = self.body
        return body[len(self.term) + 1 :].lstrip() if self.term else body


Paragraph = tuple[Line, ...]


def paragraphs(text: str, terms: Iterable[str] = ()) -> tuple[Paragraph, ...]:
    """``text``'s paragraphs, each a tuple of its lines (see the module docstring);
    ``terms`` are the words a line may define (an attribute's :func:`choice_terms`)."""
    # Longest first, so that a choice is found before a group that is a prefix of it.
    ordered = sorted({term for term in terms if term}, key=len, reverse=True)
    result: list[Paragraph] = []
    for block in re.split(r"\n[ \t]*\n", text.strip()):
        lines: list[Line] = []
        for raw in block.split("\n"):
            stripped = raw.strip()
            if not stripped:
                continue
            found = _MARKER.match(stripped)
            marker = found.group(1) if found else ""
            body = stripped[len(marker) :].lstrip() if marker else stripped
            term = next((t for t in ordered if _defines(body, t)), "")
            if lines and not marker and not term:
                last = lines[-1]
                lines[-1] = Line(f"{last.text} {stripped}", last.marker, last.term)
            else:
                lines.append(Line(stripped, marker, term))
        if lines:
            result.append(tuple(lines))
    return tuple(result)


def _defines(body: str, term: str) -> bool:
    """Whether a line's body starts with ``term:`` (then a space, or nothing)."""
    rest = body[len(term) :]
    return body.startswith(term) and rest.startswith(":") and (len(rest) == 1 or rest[1].isspace())


def reflow(text: str, terms: Iterable[str] = ()) -> str:
    """The text with its hard wraps joined: one line per line of :func:`paragraphs`, a
    blank line between paragraphs (for a display that wraps to its own width)."""
    return "\n\n".join("\n".join(line.text for line in p) for p in paragraphs(text, terms))


def choice_terms(attribute: Attribute) -> tuple[str, ...]:
    """The words a line of the attribute's description may define: its choices, and the
    groups of those that have a ``.`` (``declines`` for ``declines.cannot``)."""
    if attribute.type not in CHOICE_TYPES:
        return ()
    groups = [choice.rsplit(".", 1)[0] for choice in attribute.choices if "." in choice]
    return tuple(dict.fromkeys([*attribute.choices, *groups]))


def choice_definition(attribute: Attribute, choice: str) -> Line | None:
    """The line of the attribute's description that defines ``choice``: its own definition,
    else its group's (the longest group that has one); None when the description has
    neither."""
    defined: dict[str, Line] = {}
    for paragraph in paragraphs(attribute.description, choice_terms(attribute)):
        for line in paragraph:
            if line.term:
                defined.setdefault(line.term, line)  # a term defined twice: the first
    if choice in defined:
        return defined[choice]
    group = choice
    while "." in group:
        group = group.rsplit(".", 1)[0]
        if group in defined:
            return defined[group]
    return None


def introduction(attribute: Attribute) -> str:
    """The attribute's description without the lines that define its choices (reflowed)."""
    kept = [
        "\n".join(line.text for line in paragraph if not line.term)
        for paragraph in paragraphs(attribute.description, choice_terms(attribute))
    ]
    return "\n\n".join(text for text in kept if text)
