"""Speaker labels and the people they name: plain rules shared by the store, the command
line, the exports and the app.

- **Display name.** A turn header shows the person's canonical name, and the label beside
  it where the two differ: ``Yvette Cooper (SPEAKER_01)``.
- **Suggested aliases.** Labels that differ only in case, punctuation, honorific or a
  trailing parenthesis (``MR. KIRBY``, ``Mr. KIRBY``, ``MR KIRBY``; ``The Acting CHAIRMAN``
  and ``The Acting CHAIRMAN (Mr. Kolbe)``) probably name one person. They are only
  suggested, with the command that would merge them: a transcript's ``MR. SMITH`` and
  ``Mr. SMITH`` may be two people, and only the user can tell. Labels whose gendered
  honorifics differ (``MS. SLOAT`` and ``MR. SLOAT``) are suggested apart, with a note:
  transcripts mistype an honorific (the White House briefings call Ms. Sloat ``MR. SLOAT``
  once), but two relatives are two people.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

# Honorifics and titles dropped when comparing labels; the gendered ones keep a class.
_MALE = frozenset({"mr", "sir", "lord"})
_FEMALE = frozenset({"mrs", "ms", "miss", "madam", "madame", "dame", "lady"})
_TITLES = frozenset({
    "the", "dr", "prof", "professor", "rev", "hon", "honourable", "honorable", "sen",
    "senator", "rep", "representative", "gov", "governor", "rt", "right",
})  # fmt: skip
_PARENTHESIS = re.compile(r"\s*[(\[][^)\]]*[)\]]\s*$")
_WORD = re.compile(r"\w+")


def display_name(label: str, person: str | None) -> str:
    """What a turn header shows for ``label`` naming ``person``."""
    if person is None or person == label:
        return label
    return f"{person} ({label})"


def alias_key(label: str) -> tuple[str, str]:
    """Labels with the same key differ only in case, punctuation, honorific or a trailing
    parenthesis: (the words that are left, the gendered honorific's class or "")."""
    words = [w.casefold() for w in _WORD.findall(_PARENTHESIS.sub("", label))]
    gender = ""
    kept = []
    for word in words:
        if word in _MALE:
            gender = gender or "m"
        elif word in _FEMALE:
            gender = gender or "f"
        elif word not in _TITLES:
            kept.append(word)
    return " ".join(kept), gender


@dataclass(frozen=True)
class AliasSuggestion:
    """Labels that probably name one person, and the command that would make them so."""

    labels: tuple[str, ...]  # most turns first
    person: str  # the person they would all name: that of the label with most turns
    note: str = ""  # why to look twice before merging

    @property
    def command(self) -> str:
        quoted = " ".join(shlex.quote(label) for label in self.labels)
        return f"annotator speakers alias {quoted} --as {shlex.quote(self.person)}"


def suggest_aliases(
    turns: Mapping[str, int], people: Mapping[str, str | None]
) -> list[AliasSuggestion]:
    """Groups of labels (``turns``: label -> turn count) that differ only as the module
    docstring says and do not all name one person yet (``people``: label -> person)."""
    groups: dict[str, dict[str, list[str]]] = {}
    for label in turns:
        words, gender = alias_key(label)
        if words:
            groups.setdefault(words, {}).setdefault(gender, []).append(label)
    suggestions = []
    for by_gender in groups.values():
        gendered = [g for g in by_gender if g]
        if len(gendered) == 1 and "" in by_gender:
            # Labels without an honorific join the one gendered group there is.
            by_gender[gendered[0]] += by_gender.pop("")
        for labels in by_gender.values():
            suggestions += _suggestion(labels, turns, people)
        if len(by_gender) > 1 and len([g for g in by_gender if g]) > 1:
            everyone = [label for labels in by_gender.values() for label in labels]
            note = "their honorifics differ: merge only if one of them is a typo"
            suggestions += _suggestion(everyone, turns, people, note)
    suggestions.sort(key=lambda s: (s.labels[0].casefold(), s.note))
    return suggestions


def _suggestion(
    labels: list[str],
    turns: Mapping[str, int],
    people: Mapping[str, str | None],
    note: str = "",
) -> list[AliasSuggestion]:
    """The suggestion for these labels, unless fewer than two or they name one person."""
    if len(labels) < 2 or len({people.get(label) or label for label in labels}) < 2:
        return []
    ordered = sorted(labels, key=lambda label: (-turns[label], label))
    return [AliasSuggestion(tuple(ordered), people.get(ordered[0]) or ordered[0], note)]
