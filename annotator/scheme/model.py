"""The scheme's data types: frozen dataclasses for labels, attributes and settings, and the
checks of attribute values that a span's attributes must pass.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

from ..errors import InvalidValue, UnknownItem

ATTRIBUTE_TYPES = ("choice", "boolean", "text", "number", "multichoice")
CHOICE_TYPES = ("choice", "multichoice")  # the types that have choices
# A file without list values (brat) holds a multichoice value as its choices joined by one of
# these, which is read back by splitting there: so no choice of a multichoice may contain them.
MULTICHOICE_SEPARATORS = ",|"
SAME_LABEL_OVERLAP = ("merge", "refuse")
SNAP_UNITS = ("character", "word", "sentence", "turn")
SELECTABLE = ("leaves", "any")  # which labels of a unit's hierarchy a code may be
# An id that a crosswalk maps another scheme's category to:
# [<unit kind>:]<label>[.<attribute>=<choice>] ("question:reply", "deflection.kind=declines",
# "quote"). Slugs hold none of ":", "." or "=", so the parts split unambiguously, and the
# choice may be any text.
CROSSWALK_ID = re.compile(
    r"(?:(?P<unit>[a-z0-9][a-z0-9_-]*):)?(?P<label>[a-z0-9][a-z0-9_-]*)"
    r"(?:\.(?P<attribute>[a-z0-9][a-z0-9_-]*)=(?P<choice>.+))?",
    re.DOTALL,
)

_NUMERAL = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_INTEGER = re.compile(r"[-+]?\d+")
_SEPARATORS = re.compile(f"[{re.escape(MULTICHOICE_SEPARATORS)}]")


# --------------------------------------------------------------------------------------------
# Data types


@dataclass(frozen=True)
class Attribute:
    """A typed value annotators can attach to a span of one label."""

    id: str
    name: str
    type: str  # one of ATTRIBUTE_TYPES
    choices: tuple[str, ...] = ()  # only for types "choice" and "multichoice"
    required: bool = False
    default: Any = None  # None: no default; a multichoice default is a sorted tuple
    description: str = ""
    # An upgrade's hints (annotator/scheme/diff.py): the id this attribute had in the version
    # before, and the choices renamed since then as (old, new) pairs, in file order.
    renamed_from: str | None = None
    renamed_choices: tuple[tuple[str, str], ...] = ()

    def from_text(self, value: Any) -> Any:
        """A value that a file stored as text (or as an unsorted list), typed.

        ``"true"``/``"false"`` become booleans and numerals numbers; a multichoice value
        written as ``"a,b"`` or ``"a|b"`` becomes the list of its choices, and a list of
        texts is sorted (so that equal sets compare equal before :meth:`check`). Anything
        else is returned unchanged for :meth:`check` to judge.
        """
        if self.type == "multichoice":
            if isinstance(value, str):
                value = [part.strip() for part in _SEPARATORS.split(value) if part.strip()]
            if isinstance(value, (list, tuple, set, frozenset)) and all(
                isinstance(item, str) for item in value
            ):
                return sorted(value)
            return value
        if not isinstance(value, str):
            return value
        text = value.strip()
        if self.type == "boolean" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        if self.type == "number" and _NUMERAL.fullmatch(text):
            return int(text) if _INTEGER.fullmatch(text) else float(text)
        return value

    def check(self, value: Any) -> Any:
        """Return ``value`` normalised for this attribute, or raise InvalidValue.

        A multichoice value (a list, tuple or set of distinct choices) becomes a sorted list.
        """
        error = _value_error(self.type, self.choices, value)
        if error:
            raise InvalidValue(f"attribute '{self.id}': {error}")
        return sorted(value) if self.type == "multichoice" else value


@dataclass(frozen=True)
class Examples:
    positive: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()


@dataclass(frozen=True)
class Label:
    id: str
    name: str
    hotkey: str | None
    color: str  # "#rrggbb"
    description: str = ""
    examples: Examples = field(default_factory=Examples)
    parent: str | None = None
    deprecated: bool = False
    attributes: tuple[Attribute, ...] = ()
    renamed_from: str | None = None  # the id it had in the version before (an upgrade's hint)

    @property
    def needed(self) -> tuple[str, ...]:
        """The attributes a span must be given a value for: required, with no default."""
        return tuple(a.id for a in self.attributes if a.required and a.default is None)

    def attribute(self, id: str) -> Attribute:
        for attribute in self.attributes:
            if attribute.id == id:
                return attribute
        known = [attribute.id for attribute in self.attributes]
        raise UnknownItem(
            f"label '{self.id}' has no attribute '{id}'{_did_you_mean(id, known)}; "
            f"its attributes are: {_listing(known) or 'none'}"
        )


@dataclass(frozen=True)
class Settings:
    allow_overlap: bool = True
    allow_nesting: bool = True
    same_label_overlap: str = "merge"  # one of SAME_LABEL_OVERLAP
    snap: str = "word"  # one of SNAP_UNITS


class LabelSet:
    """Lookups over a hierarchy of labels: the scheme's span labels, or a unit's codes.

    Subclasses are frozen dataclasses with ``labels`` and ``name`` (for messages).
    """

    labels: tuple[Label, ...]

    def _where(self) -> str:
        raise NotImplementedError

    @cached_property
    def _by_id(self) -> dict[str, Label]:
        # Validation refuses duplicate ids; for a hand-built scheme the first one wins.
        by_id: dict[str, Label] = {}
        for label in self.labels:
            by_id.setdefault(label.id, label)
        return by_id

    def label(self, id: str) -> Label:
        try:
            return self._by_id[id]
        except KeyError:
            raise UnknownItem(
                f"{self._where()} has no label '{id}'"
                f"{_did_you_mean(id, self._by_id)}; its labels are: {_listing(self._by_id)}"
            ) from None

    def by_hotkey(self, key: str) -> Label | None:
        """The label a key gives, or None. Deprecated labels are no longer offered."""
        for label in self.labels:
            if label.hotkey == key and not label.deprecated:
                return label
        return None

    def children(self, id: str) -> tuple[Label, ...]:
        """Direct children of a label, in scheme order."""
        self.label(id)
        return tuple(label for label in self.labels if label.parent == id)

    def ancestors(self, id: str) -> tuple[Label, ...]:
        """Parent, grandparent, ... up to the root (nearest first)."""
        chain: list[Label] = []
        label = self.label(id)
        while label.parent is not None:
            label = self.label(label.parent)
            if label in chain:  # cannot happen after validation; guard hand-built schemes
                raise ValueError(f"label '{id}' is its own ancestor")
            chain.append(label)
        return tuple(chain)

    def depth(self, id: str) -> int:
        """1 for a root label, 2 for its children, and so on."""
        return len(self.ancestors(id)) + 1

    @cached_property
    def levels(self) -> int:
        """How deep the hierarchy goes (1: a flat list of labels)."""
        return max((self.depth(label.id) for label in self.labels), default=0)

    def at_level(self, id: str, level: int) -> str:
        """The label's ancestor at ``level`` (1: its root); a label shallower than that level
        is its own answer there."""
        chain = [id, *(label.id for label in self.ancestors(id))]  # self, parent, ..., root
        return chain[max(len(chain) - level, 0)]

    def check_attributes(self, label_id: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
        """Validate a span's attributes for a label and fill in defaults.

        Unknown attributes, missing required ones and values of the wrong type raise
        InvalidValue. A value of None counts as not given. The result follows the label's
        attribute order and leaves out optional attributes that have neither value nor default.
        """
        values, missing = self.attribute_values(label_id, attributes)
        if missing:
            raise InvalidValue(
                f"attribute '{missing[0]}' of label '{label_id}' is required; give it a value"
            )
        return values

    def attribute_values(
        self, label_id: str, attributes: Mapping[str, Any]
    ) -> tuple[dict[str, Any], list[str]]:
        """As :meth:`check_attributes`, but a missing required attribute is not an error: it
        is listed (in the label's order) beside the checked values, for a span that an import
        let in incomplete and that the annotator completes later."""
        label = self.label(label_id)
        known = [attribute.id for attribute in label.attributes]
        for key in attributes:
            if key not in known:
                raise InvalidValue(
                    f"label '{label_id}' has no attribute '{key}'{_did_you_mean(key, known)}; "
                    f"its attributes are: {_listing(known) or 'none'}"
                )
        result: dict[str, Any] = {}
        missing: list[str] = []
        for attribute in label.attributes:
            value = attributes.get(attribute.id)
            if attribute.type == "multichoice" and _is_collection(value) and not value:
                value = None  # nothing chosen: not given
            if value is None:
                value = attribute.default
            if value is None:
                if attribute.required:
                    missing.append(attribute.id)
                continue
            result[attribute.id] = attribute.check(value)
        return result, missing


@dataclass(frozen=True)
class Unit(LabelSet):
    """Codes given to a whole unit (each question, or the document), one per unit and
    annotator, from a hierarchy of labels like the span labels'."""

    kind: str  # one of UNIT_KINDS
    scheme: str  # the scheme's name, for messages
    labels: tuple[Label, ...]
    description: str = ""
    selectable: str = "leaves"  # one of SELECTABLE: which labels a code may be

    def _where(self) -> str:
        return f"the {self.kind} codes of scheme '{self.scheme}'"

    def codable(self, id: str) -> Label:
        """The label, if a unit may be coded with it; else a refusal saying which may."""
        label = self.label(id)
        if label.deprecated:
            raise InvalidValue(f"{self.kind} code '{id}' is deprecated: kept for old codes only")
        if self.selectable == "leaves" and self.children(id):
            leaves = [child.id for child in self.children(id)]
            raise InvalidValue(
                f"'{id}' groups other {self.kind} codes; code with one of them: {_listing(leaves)}"
            )
        return label

    def to_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "selectable": self.selectable,
            "labels": [_label_dict(label) for label in self.labels],
        }


@dataclass(frozen=True)
class Scheme(LabelSet):
    name: str
    version: int
    description: str
    labels: tuple[Label, ...]
    settings: Settings
    text: str  # the YAML source
    hash: str  # sha256 of canonical_json(self.to_dict())
    units: tuple[Unit, ...] = ()  # the unit-level codes, at most one set per kind
    # Per other scheme (by name), its category ids, each with the id here that it maps to:
    # "question:reply" (a unit code), "deflection.kind=declines" (a choice), "quote" (a label).
    # Left out of the dataclass hash: a mapping has none, and the content hash covers it.
    crosswalk: Mapping[str, Mapping[str, str]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )

    def _where(self) -> str:
        return f"scheme '{self.name}' (version {self.version})"

    def unit(self, kind: str) -> Unit:
        """The codes of a unit kind ("question", "document"), or a refusal naming the file's."""
        for unit in self.units:
            if unit.kind == kind:
                return unit
        known = [unit.kind for unit in self.units]
        raise UnknownItem(
            f"scheme '{self.name}' (version {self.version}) has no {kind} codes"
            + (f"; it codes: {_listing(known)}" if known else "; add a 'units:' section")
        )

    def has_unit(self, kind: str) -> bool:
        return any(unit.kind == kind for unit in self.units)

    def to_dict(self) -> dict[str, Any]:
        """The scheme's content as plain JSON-able data, every default written out."""
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "settings": {
                "allow_overlap": self.settings.allow_overlap,
                "allow_nesting": self.settings.allow_nesting,
                "same_label_overlap": self.settings.same_label_overlap,
                "snap": self.settings.snap,
            },
            "labels": [_label_dict(label) for label in self.labels],
            # Only when present: a scheme without units (or crosswalk) keeps the hash it
            # always had.
            **({"units": {u.kind: u.to_dict() for u in self.units}} if self.units else {}),
            **(
                {"crosswalk": {other: dict(ids) for other, ids in self.crosswalk.items()}}
                if self.crosswalk
                else {}
            ),
        }


def _label_dict(label: Label) -> dict[str, Any]:
    # The upgrade hints only when given: a scheme without them keeps the hash it always had.
    renamed = {"renamed_from": label.renamed_from} if label.renamed_from else {}
    return {
        **renamed,
        "id": label.id,
        "name": label.name,
        "hotkey": label.hotkey,
        "color": label.color,
        "description": label.description,
        "examples": {
            "positive": list(label.examples.positive),
            "negative": list(label.examples.negative),
        },
        "parent": label.parent,
        "deprecated": label.deprecated,
        "attributes": [
            {
                "id": attribute.id,
                "name": attribute.name,
                "type": attribute.type,
                "choices": list(attribute.choices),
                "required": attribute.required,
                # A multichoice default is held as a tuple (the dataclass is frozen); the
                # canonical form is a list, as YAML wrote it.
                "default": (
                    list(attribute.default)
                    if isinstance(attribute.default, tuple)
                    else attribute.default
                ),
                "description": attribute.description,
                **_attribute_renames(attribute),
            }
            for attribute in label.attributes
        ],
    }


def _attribute_renames(attribute: Attribute) -> dict[str, Any]:
    renames: dict[str, Any] = {}
    if attribute.renamed_from:
        renames["renamed_from"] = attribute.renamed_from
    if attribute.renamed_choices:
        renames["renamed_choices"] = dict(attribute.renamed_choices)
    return renames


def canonical_json(data: Any) -> str:
    """The serialisation :attr:`Scheme.hash` is computed over (sorted keys, no spaces)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --------------------------------------------------------------------------------------------
# Helpers shared with validation


def _did_you_mean(
    word: str, candidates: Iterable[str], aliases: Mapping[str, str] | None = None
) -> str:
    candidates = list(candidates)
    suggestion = (aliases or {}).get(word)
    if suggestion not in candidates:
        close = difflib.get_close_matches(word, candidates, n=1)
        suggestion = close[0] if close else None
    return f' (did you mean "{suggestion}"?)' if suggestion else ""


def _listing(words: Iterable[str]) -> str:
    return ", ".join(words)


def _value_error(type_: str, choices: tuple[str, ...], value: Any) -> str | None:
    """Why ``value`` is not valid for an attribute of this type, or None when it is."""
    if type_ == "boolean":
        return None if isinstance(value, bool) else f"expected true or false, got {value!r}"
    if type_ == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"expected a number, got {value!r}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"expected a finite number, got {value!r}"
        return None
    if type_ == "text":
        return None if isinstance(value, str) else f"expected text, got {value!r}"
    if type_ == "choice":
        if isinstance(value, str) and value in choices:
            return None
        hint = _did_you_mean(value, choices) if isinstance(value, str) else ""
        return f"{value!r} is not one of: {_listing(choices)}{hint}"
    if type_ == "multichoice":
        if not _is_collection(value) or not all(isinstance(item, str) for item in value):
            return f"expected a list of choices among: {_listing(choices)}; got {value!r}"
        unknown = [item for item in value if item not in choices]
        if unknown:
            hint = _did_you_mean(unknown[0], choices)
            verb = "is" if len(unknown) == 1 else "are"
            return (
                f"{_listing(repr(item) for item in unknown)} {verb} not among the choices: "
                f"{_listing(choices)}{hint}"
            )
        repeated = [item for item in dict.fromkeys(value) if list(value).count(item) > 1]
        if repeated:
            return f"{_listing(repr(item) for item in repeated)} chosen more than once"
        return None
    return f"unknown attribute type {type_!r}"


def _is_collection(value: Any) -> bool:
    """A multichoice value's container: a list, tuple or set (not text, not a mapping)."""
    return isinstance(value, (list, tuple, set, frozenset))
