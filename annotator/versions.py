"""Which spans and codes agreement and review compare when they were made under different
versions of the scheme.

Plain Python (no UI). Every span and code keeps the hash of the scheme it was made under
(an upgrade rewrites only what it renames, ``annotator/scheme/diff.py``). One rule, here,
for the agreement report (spans, their attributes, question codes) and the review (its
queue's figures, and the note on its screens):

- A span or code is **current** when the version it was made under defines its label as the
  current scheme does: same id, same place in the hierarchy (:meth:`SchemeDiff.
  same_definition <annotator.scheme.diff.SchemeDiff.same_definition>`); its value of an
  attribute is current when that version had the attribute with the same type and choices,
  up to renames (:meth:`~annotator.scheme.diff.SchemeDiff.same_attribute`). Current items
  are comparable with each other; names, colours, guidelines, required flags and defaults do
  not matter.
- Agreement compares a label in a document only when all of its spans there (of every
  annotator compared) are current; otherwise that label's spans in that document are left
  out for everyone, so that nobody is scored against spans made under another definition
  (leaving out only the old spans would count the other side's as unmatched). Likewise an
  attribute's agreement uses a document only when all the label's spans there have current
  values of it (an attribute added in v2 is not compared with spans made before it could be
  given), and a question unit is left out when one of its codes is not current. What was
  left out is counted and said (:meth:`Comparison.notes`).
- The review shows everything (a reviewer settles all of it), computes its queue's figures
  by the same rule, and says how many spans were made under an older definition of their
  label or its attributes.

A version that no longer loads (a newer release refusing what an older one took) cannot be
compared: its items count as current, and the notes say so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .model import Code, Span
from .scheme import Scheme
from .scheme.diff import SchemeDiff, diff_schemes, where


class SchemeVersions:
    """The project's scheme versions, and which of them define a label as the current one."""

    def __init__(self, current: Scheme, versions: Mapping[str, Scheme | None]) -> None:
        self.current = current
        self.versions = dict(versions)
        self._diffs: dict[str, SchemeDiff] = {}
        self._current: dict[tuple[str, str | None, str, str | None], bool] = {}

    def _readable_old(self, scheme_hash: str) -> bool:
        """Whether ``scheme_hash`` is an older version that can be compared (else its items
        count as current: it is the current one, or it does not load)."""
        return scheme_hash != self.current.hash and self.versions.get(scheme_hash) is not None

    def is_current(self, unit: str | None, label: str, scheme_hash: str) -> bool:
        """Whether an item of ``label`` (a span's, or a ``unit`` code's) made under
        ``scheme_hash`` is comparable with items made under the current scheme."""
        key = (scheme_hash, unit, label, None)
        if key not in self._current:
            self._current[key] = not self._readable_old(scheme_hash) or self.diff(
                scheme_hash
            ).same_definition(unit, label)
        return self._current[key]

    def attribute_is_current(
        self, unit: str | None, label: str, attribute: str, scheme_hash: str
    ) -> bool:
        """Whether the value of the current scheme's ``attribute`` of ``label`` in an item
        made under ``scheme_hash`` is comparable with the values given under the current
        scheme."""
        key = (scheme_hash, unit, label, attribute)
        if key not in self._current:
            self._current[key] = not self._readable_old(scheme_hash) or self.diff(
                scheme_hash
            ).same_attribute(unit, label, attribute)
        return self._current[key]

    def older(self, spans: Iterable[Span]) -> list[Span]:
        """The spans made under a version that defines their label or one of its attributes
        otherwise (what the review points out)."""
        found = []
        for span in spans:
            if self._readable_old(span.scheme_hash):
                change = self.diff(span.scheme_hash).by_old(None, span.label)
                if change is None or change.new_id != span.label or change.definitional:
                    found.append(span)
        return found

    def describe_older(self, spans: Sequence[Span]) -> str:
        """``3 spans made under an older definition of their label (criticism: v1)``; "" for
        none."""
        if not spans:
            return ""
        labels: dict[str, set[str]] = {}
        for span in spans:
            labels.setdefault(span.label, set()).add(self.name(span.scheme_hash))
        which = ", ".join(
            f"{label}: {', '.join(sorted(names))}" for label, names in sorted(labels.items())
        )
        noun = "span" if len(spans) == 1 else "spans"
        return f"{len(spans)} {noun} made under an older definition of their label ({which})"

    def diff(self, scheme_hash: str) -> SchemeDiff:
        """How the version ``scheme_hash`` (which must load) differs from the current one."""
        if scheme_hash not in self._diffs:
            old = self.versions[scheme_hash]
            assert old is not None
            self._diffs[scheme_hash] = diff_schemes(old, self.current)
        return self._diffs[scheme_hash]

    def name(self, scheme_hash: str) -> str:
        """``v2``, or the hash's start for a version that does not load."""
        scheme = self.versions.get(scheme_hash)
        if scheme_hash == self.current.hash:
            scheme = self.current
        return f"v{scheme.version}" if scheme is not None else scheme_hash[:12]


def _unit(item: Span | Code) -> str | None:
    return item.unit if isinstance(item, Code) else None


LabelKey = tuple[str | None, str]  # (unit kind or None for spans, label)


@dataclass
class Comparison:
    """What one agreement run or review compared, to say in its output."""

    versions: SchemeVersions
    noun: str = "span"  # what is compared: "span", or "code"
    seen: Counter[str] = field(default_factory=Counter)  # items looked at, per scheme hash
    # Per (unit, label): items left out, their documents, the older hashes among them.
    left_out: Counter[LabelKey] = field(default_factory=Counter)
    documents: dict[LabelKey, set[int]] = field(default_factory=dict)
    older: dict[LabelKey, set[str]] = field(default_factory=dict)
    # Per (label, attribute): the documents its agreement left out, and the older hashes.
    attribute_documents: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    attribute_older: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def layers(
        self, document_id: int, layers: Mapping[str, Sequence[Span]]
    ) -> dict[str, list[Span]]:
        """A document's layers (annotator -> spans), without the labels that have a span
        under an older definition there (for everyone)."""
        spans = [span for layer in layers.values() for span in layer]
        older = self._leave_out(document_id, spans, together=False)
        return {
            name: [span for span in layer if span.label not in older]
            for name, layer in layers.items()
        }

    def spans_findings(self) -> dict[str, Any]:
        """What :meth:`layers` found, as JSON (for one document's kept agreement figures):
        spans seen per scheme hash, left out per label, the older hashes per label."""
        return {
            "seen": dict(self.seen),
            "left_out": {label: n for (unit, label), n in self.left_out.items() if unit is None},
            "older": {
                label: sorted(hashes)
                for (unit, label), hashes in self.older.items()
                if unit is None
            },
        }

    def add_spans_findings(self, document_id: int, findings: Mapping[str, Any]) -> None:
        """Count what :meth:`layers` found in a document (:meth:`spans_findings`) as if it
        had been called here."""
        for scheme_hash, n in findings["seen"].items():
            self.seen[scheme_hash] += n
        for label, n in findings["left_out"].items():
            self.left_out[None, label] += n
            self.documents.setdefault((None, label), set()).add(document_id)
        for label, hashes in findings["older"].items():
            self.older.setdefault((None, label), set()).update(hashes)

    def unit(self, document_id: int, codes: Sequence[Code]) -> bool:
        """Whether a unit's codes (one per annotator) are all current; if not, the unit is
        left out, and its codes counted as such."""
        return not self._leave_out(document_id, codes, together=True)

    def attribute(
        self, document_id: int, label: str, attribute: str, scheme_hashes: Iterable[str]
    ) -> bool:
        """Whether an attribute's agreement may use a document where the label's spans (all
        current as spans) were made under ``scheme_hashes``; if not, that is counted."""
        older = {
            h
            for h in scheme_hashes
            if not self.versions.attribute_is_current(None, label, attribute, h)
        }
        if older:
            self.attribute_documents.setdefault((label, attribute), set()).add(document_id)
            self.attribute_older.setdefault((label, attribute), set()).update(older)
        return not older

    def _leave_out(
        self, document_id: int, items: Sequence[Span] | Sequence[Code], *, together: bool
    ) -> set[str]:
        """The labels of ``items`` that have one not current (``together``: all of them, if
        any has); their items are counted as left out."""
        older: set[str] = set()
        for item in items:
            self.seen[item.scheme_hash] += 1
            if not self.versions.is_current(_unit(item), item.label, item.scheme_hash):
                older.add(item.label)
        if together and older:
            older = {item.label for item in items}
        for item in items:
            if item.label in older:
                key = (_unit(item), item.label)
                self.left_out[key] += 1
                self.documents.setdefault(key, set()).add(document_id)
                if not self.versions.is_current(key[0], item.label, item.scheme_hash):
                    self.older.setdefault(key, set()).add(item.scheme_hash)
        return older

    def _change(self, olds: Sequence[str], unit: str | None, label: str) -> str:
        """What changed in a label since the oldest of ``olds``, in words."""
        change = self.versions.diff(olds[0]).by_old(unit, label) if olds else None
        return f" ({'; '.join(change.changes)})" if change is not None and change.changes else ""

    def notes(self) -> list[str]:
        """What was compared, in words: [] when everything was made under the current
        scheme; else which versions, and one line per label (attribute) left out somewhere."""
        versions = self.versions
        current = versions.current.hash
        if all(scheme_hash == current for scheme_hash in self.seen):
            return []
        name = versions.name
        under = ", ".join(f"{self.seen[h]:,} under {name(h)}" for h in sorted(self.seen, key=name))
        lines = [f"{self.noun}s under {len(self.seen)} scheme versions ({under})"]
        for (unit, label), n in self.left_out.items():
            olds = sorted(self.older.get((unit, label), ()), key=name)
            documents = len(self.documents[unit, label])
            scope = "documents" if unit is None else "questions"
            lines.append(
                f"{where(unit)} {label} changed since {', '.join(map(name, olds))}"
                f"{self._change(olds, unit, label)}: compared only in {scope} where all its "
                f"{self.noun}s are under {name(current)}; left out {n:,} in {documents:,} "
                f"document{'s' if documents != 1 else ''}"
            )
        for (label, attribute), ids in self.attribute_documents.items():
            olds = sorted(self.attribute_older[label, attribute], key=name)
            change = versions.diff(olds[0]).by_old(None, label)
            what = [
                f" ({'; '.join(found.changes)})"
                for found in (change.attributes if change else ())
                if found.new is not None and found.new.id == attribute and found.changes
            ]
            lines.append(
                f"attribute {attribute} of {label} changed since {', '.join(map(name, olds))}"
                f"{''.join(what[:1])}: "
                f"its agreement uses only documents where every {label} span was made under a "
                f"version that has it as {name(current)} has; left out {len(ids):,} "
                f"document{'s' if len(ids) != 1 else ''}"
            )
        unreadable = [h for h in self.seen if h != current and versions.versions.get(h) is None]
        for scheme_hash in unreadable:
            lines.append(
                f"scheme version {scheme_hash[:12]} no longer loads: its "
                f"{self.seen[scheme_hash]:,} {self.noun}s are compared as if made under "
                f"{name(current)}"
            )
        if len(lines) == 1:
            lines[0] += ": every label is defined alike in them, so all are compared"
        return lines

    @property
    def left_out_total(self) -> int:
        return sum(self.left_out.values())
