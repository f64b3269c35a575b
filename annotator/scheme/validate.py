"""Validation of a scheme's YAML text: every problem in one pass, at its line and column.

Problems are errors (the scheme does not load) or warnings (it loads, but something will not
work as its author may expect: a hotkey the review screen takes for itself).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from ..errors import AnnotatorError
from ..keymap import RESERVED_CHARACTERS, REVIEW_ONLY_CHARACTERS
from ..model import UNIT_KINDS
from .colors import CSS_COLORS, normalise_color
from .model import (
    ATTRIBUTE_TYPES,
    CHOICE_TYPES,
    CROSSWALK_ID,
    MULTICHOICE_SEPARATORS,
    SAME_LABEL_OVERLAP,
    SELECTABLE,
    SNAP_UNITS,
    Attribute,
    Examples,
    Label,
    Scheme,
    Settings,
    Unit,
    _did_you_mean,
    _listing,
    _value_error,
    canonical_json,
)

# Hotkeys a label cannot have: characters the annotation screen or the app binds (and a few
# the app keeps free), each with what it does there.
RESERVED_KEYS: dict[str, str] = RESERVED_CHARACTERS

_MAX_VERSION = 2**63 - 1  # the largest SQLite integer
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")

_TOP_KEYS = ("name", "version", "description", "settings", "labels", "units", "crosswalk")
_UNIT_KEYS = ("description", "selectable", "labels")
_SETTINGS_KEYS = ("allow_overlap", "allow_nesting", "same_label_overlap", "snap")
_LABEL_KEYS = (
    "id", "name", "hotkey", "color", "description", "examples", "parent", "deprecated",
    "attributes", "renamed_from",
)  # fmt: skip
_EXAMPLES_KEYS = ("positive", "negative")
_ATTRIBUTE_KEYS = (
    "id", "name", "type", "choices", "required", "default", "description", "renamed_from",
    "renamed_choices",
)  # fmt: skip

# Spellings other annotation tools (and domain.md's sketch) use, which difflib would not match.
_KEY_ALIASES = {
    "colour": "color", "key": "hotkey", "shortcut": "hotkey", "help": "description",
    "definition": "description", "values": "choices", "options": "choices", "label": "name",
    "title": "name", "scheme": "name", "features": "attributes",
    "renamed": "renamed_from", "formerly": "renamed_from", "was": "renamed_from",
    "old_id": "renamed_from", "previous_id": "renamed_from", "rename_from": "renamed_from",
    "renames": "renamed_choices", "renamed_values": "renamed_choices",
    "choice_renames": "renamed_choices", "renamed_options": "renamed_choices",
}  # fmt: skip
_TYPE_ALIASES = {
    "enum": "choice", "select": "choice", "ordinal": "choice", "bool": "boolean",
    "str": "text", "string": "text", "int": "number", "integer": "number", "float": "number",
    "multi": "multichoice", "multiselect": "multichoice", "set": "multichoice",
    "list": "multichoice", "tags": "multichoice",
}  # fmt: skip

_EXPECTED = {"boolean": "true or false", "number": "a number", "text": "text", "choice": "text"}

_NULL_TAG = "tag:yaml.org,2002:null"
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Problem:
    """One finding at a place in a scheme file: an error (the scheme does not load) or a
    warning (it loads)."""

    source: str
    line: int  # 1-based
    column: int  # 1-based
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        kind = "warning: " if self.severity == "warning" else ""
        return f"{self.source}:{self.line}:{self.column}: {kind}{self.message}"


class SchemeError(AnnotatorError):
    """A scheme that cannot be loaded; ``problems`` lists every reason (its errors)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems

    def lines(self) -> list[str]:
        return [str(problem) for problem in self.problems]


# --------------------------------------------------------------------------------------------
# Public entry points


def validate_scheme(text: str, source: str = "<scheme>") -> list[Problem]:
    """Every problem in a scheme's YAML text, errors and warnings, sorted by position.

    The scheme is valid (it loads) when none of them has severity ``"error"``.
    """
    return _parse(text, source)[0]


def load_scheme(text: str, source: str = "<scheme>") -> Scheme:
    """The scheme, or SchemeError listing its errors; warnings do not stop it loading."""
    problems, scheme = _parse(text, source)
    if scheme is None:
        raise SchemeError([problem for problem in problems if problem.severity == "error"])
    return scheme


def load_scheme_file(path: str | Path) -> Scheme:
    path = Path(path)
    try:
        # utf-8-sig: editors on Windows may save a byte-order mark, which is not content.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        message = (
            f"the file is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset "
            f"{exc.start}); save it with UTF-8 encoding"
        )
        raise SchemeError([Problem(str(path), 1, 1, message)]) from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        message = f"cannot read the scheme file: {reason}; check the path and its permissions"
        raise SchemeError([Problem(str(path), 1, 1, message)]) from exc
    return load_scheme(text, str(path))


def _parse(text: str, source: str) -> tuple[list[Problem], Scheme | None]:
    """Every problem, and the scheme when none of them is an error."""
    try:
        root = _compose(text)
    except yaml.YAMLError as exc:
        return [_syntax_problem(exc, text, source)], None
    except _NestedTooDeep as exc:
        message = (
            f"the YAML is nested more than {_MAX_DEPTH} levels deep here (or an alias contains "
            "itself); a scheme needs only a few levels, so check the brackets and indentation"
        )
        return [Problem(source, exc.line, exc.column, message)], None
    if root is None:
        message = "the scheme is empty; it needs at least name:, version: and labels:"
        return [Problem(source, 1, 1, message)], None
    checker = _Checker(source)
    data = checker.scheme(root)
    problems = checker.sorted_problems()
    if data is None or any(problem.severity == "error" for problem in problems):
        return problems, None
    return problems, _build(data, text)


try:  # libyaml, when PyYAML was built with it
    from yaml import CSafeLoader as _FastLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _FastLoader = None  # type: ignore[assignment,misc]

# A scheme nests about six levels (labels, a label, its attributes, one, its choices); far
# deeper YAML would exhaust Python's recursion limit in the composer or the checks below.
_MAX_DEPTH = 64


class _NestedTooDeep(Exception):
    """YAML nested deeper than :data:`_MAX_DEPTH` levels, at a mark (``None``: unknown)."""

    def __init__(self, mark: Any) -> None:
        super().__init__(mark)
        self.line: int = mark.line + 1 if mark else 1  # 1-based, as problems count
        self.column: int = mark.column + 1 if mark else 1


def _compose(text: str) -> Node | None:
    """The YAML node tree, or :class:`_NestedTooDeep` at the innermost level reached."""
    if _FastLoader is not None:
        # libyaml's events show deep nesting at once; PyYAML's own scanner takes time
        # quadratic in the depth before it even fails (seconds for 2,000 brackets).
        depth = 0
        try:
            for event in yaml.parse(text, Loader=_FastLoader):
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    if depth > _MAX_DEPTH:
                        raise _NestedTooDeep(event.start_mark)
                elif isinstance(event, yaml.CollectionEndEvent):
                    depth -= 1
        except yaml.MarkedYAMLError as exc:
            # libyaml's scanner may look far ahead, and stop at its own limit (1,000 levels)
            # before the events reach ours; other errors are reported below, in the words of
            # PyYAML's own parser.
            if exc.problem == "exceeded maximum nesting depth":
                raise _NestedTooDeep(exc.problem_mark) from None
        except yaml.YAMLError:
            pass
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except RecursionError:
        # The parser keeps the start of every collection it is inside.
        raise _NestedTooDeep(loader.marks[-1] if loader.marks else None) from None
    finally:
        loader.dispose()
    # Level by level, each node once per level: aliases may share nodes or form a cycle.
    level: list[Node] = [root] if root is not None else []
    for _ in range(_MAX_DEPTH):
        below: dict[int, Node] = {}
        for node in level:
            if isinstance(node, MappingNode):
                below.update((id(child), child) for pair in node.value for child in pair)
            elif isinstance(node, SequenceNode):
                below.update((id(child), child) for child in node.value)
        level = [node for node in below.values() if not isinstance(node, ScalarNode)]
        if not level:
            return root
    raise _NestedTooDeep(level[0].start_mark)


_SYNTAX_HINTS = {
    "mapping values are not allowed here": (
        "check the indentation, and put text that contains ': ' in quotes"
    ),
    "found character '\\t' that cannot start any token": (
        "YAML does not allow tabs for indentation; use spaces"
    ),
    "could not find expected ':'": "a key is missing its ':' or a quote is not closed",
    "found undefined alias": "define the anchor (&name) before using the alias (*name)",
    "but found another document": "a scheme is a single document; remove the extra '---'",
    "special characters are not allowed": "remove the invisible control character here",
}


def _syntax_problem(exc: yaml.YAMLError, text: str, source: str) -> Problem:
    line = column = 1
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        line, column = mark.line + 1, mark.column + 1
    elif isinstance(exc, ReaderError):
        before = text[: exc.position]
        line = before.count("\n") + 1
        column = exc.position - (before.rfind("\n") + 1) + 1
    if isinstance(exc, yaml.MarkedYAMLError):
        detail = "; ".join(part for part in (exc.context, exc.problem) if part)
    else:
        detail = str(exc).splitlines()[0]
    hint = next((hint for key, hint in _SYNTAX_HINTS.items() if key in str(exc)), None)
    hint = hint or "check the indentation and quoting here"
    return Problem(source, line, column, f"YAML syntax error: {detail}; {hint}")


def _build(data: dict[str, Any], text: str) -> Scheme:
    units = tuple(
        Unit(
            kind=kind,
            scheme=data["name"],
            labels=_labels(unit["labels"]),
            description=unit["description"],
            selectable=unit["selectable"],
        )
        for kind, unit in data["units"].items()
    )
    scheme = Scheme(
        name=data["name"],
        version=data["version"],
        description=data["description"],
        labels=_labels(data["labels"]),
        settings=Settings(**data["settings"]),
        text=text,
        hash="",
        units=units,
        crosswalk=MappingProxyType(
            {other: MappingProxyType(ids) for other, ids in data["crosswalk"].items()}
        ),
    )
    # Hash what the dataclasses hold, so the hash and to_dict() can never disagree.
    digest = hashlib.sha256(canonical_json(scheme.to_dict()).encode("utf-8")).hexdigest()
    object.__setattr__(scheme, "hash", digest)
    return scheme


def _labels(items: list[dict[str, Any]]) -> tuple[Label, ...]:
    return tuple(
        Label(
            id=label["id"],
            name=label["name"],
            hotkey=label["hotkey"],
            color=label["color"],
            description=label["description"],
            examples=Examples(
                tuple(label["examples"]["positive"]), tuple(label["examples"]["negative"])
            ),
            parent=label["parent"],
            deprecated=label["deprecated"],
            renamed_from=label["renamed_from"],
            attributes=tuple(
                Attribute(
                    id=attribute["id"],
                    name=attribute["name"],
                    type=attribute["type"],
                    choices=tuple(attribute["choices"]),
                    required=attribute["required"],
                    default=attribute["default"],
                    description=attribute["description"],
                    renamed_from=attribute["renamed_from"],
                    renamed_choices=tuple(attribute["renamed_choices"].items()),
                )
                for attribute in label["attributes"]
            ),
        )
        for label in items
    )


# --------------------------------------------------------------------------------------------
# Helpers


def _default_name(id: str) -> str:
    words = re.sub(r"[_-]+", " ", id).strip()
    return words[:1].upper() + words[1:]


def _slug_hint(text: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "-", text.strip().lower()).strip("-_")
    return f'; for example "{slug}"' if slug and _SLUG.fullmatch(slug) else ""


# --------------------------------------------------------------------------------------------
# Validation over PyYAML's node tree (nodes carry the positions that plain data loses)

_Fields = dict[str, tuple[ScalarNode, Node]]


class _Invalid:
    """Marks a value that was reported as a problem, so later checks can skip it."""


_INVALID: Any = _Invalid()


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self._constructor = SafeConstructor()
        self._fields_cache: dict[int, _Fields] = {}
        self._merging: set[int] = set()
        self.in_unit = False  # checking the labels of a unit (their hotkeys: no review warning)

    # -- reporting --------------------------------------------------------------------------

    def report(
        self, node: Node, message: str, severity: Literal["error", "warning"] = "error"
    ) -> None:
        mark = node.start_mark
        self.problems.append(
            Problem(self.source, mark.line + 1, mark.column + 1, message, severity)
        )

    def sorted_problems(self) -> list[Problem]:
        # An aliased node is checked once per use; report each problem once. sorted() is
        # stable, so problems at one position keep the order they were found in.
        unique = list(dict.fromkeys(self.problems))
        return sorted(unique, key=lambda problem: (problem.line, problem.column))

    # -- node access --------------------------------------------------------------------------

    def fields(self, node: MappingNode, allowed: tuple[str, ...], where: str) -> _Fields:
        """A mapping's entries by key; reports duplicate and unknown keys."""
        fields = self._raw_fields(node)
        for key, (key_node, _) in fields.items():
            if key not in allowed:
                hint = _did_you_mean(key, allowed, _KEY_ALIASES)
                self.report(
                    key_node,
                    f'unknown key "{key}" in {where}{hint}; '
                    f"the allowed keys are: {_listing(allowed)}",
                )
        return fields

    def _raw_fields(self, node: MappingNode) -> _Fields:
        if id(node) in self._fields_cache:
            return self._fields_cache[id(node)]
        fields: _Fields = {}
        merged: _Fields = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                # "<<: *anchor" copies another mapping's keys; keys written here win.
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for merge_source in sources:
                    if not isinstance(merge_source, MappingNode):
                        self.report(merge_source, "'<<' can only merge a mapping")
                    elif id(merge_source) not in self._merging:
                        self._merging.add(id(merge_source))
                        for key, entry in self._raw_fields(merge_source).items():
                            merged.setdefault(key, entry)
                        self._merging.discard(id(merge_source))
                continue
            if not isinstance(key_node, ScalarNode):
                self.report(key_node, "a key must be a plain word, not a list or mapping")
                continue
            # The key as written: "yes:" or "1:" should read as a (probably unknown) word.
            key = key_node.value
            if key in fields:
                first = fields[key][0].start_mark.line + 1
                self.report(
                    key_node,
                    f'duplicate key "{key}" (first given on line {first}); YAML would silently '
                    "keep only the last one, so remove one of them",
                )
            fields[key] = (key_node, value_node)
        for key, entry in merged.items():
            fields.setdefault(key, entry)
        self._fields_cache[id(node)] = fields
        return fields

    def scalar(self, node: Node) -> Any:
        """The Python value of a scalar node, or _INVALID (reported) for a bad tag."""
        try:
            return self._constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, TypeError, AttributeError) as exc:
            # AttributeError: PyYAML's date constructor on a "!!timestamp" that is no date.
            problem = getattr(exc, "problem", None) or str(exc)
            self.report(
                node, f"cannot read this value: {problem}; put it in quotes to use it as text"
            )
            return _INVALID

    @staticmethod
    def is_null(node: Node) -> bool:
        return isinstance(node, ScalarNode) and node.tag == _NULL_TAG

    def describe(self, node: Node) -> str:
        if isinstance(node, MappingNode):
            return "a mapping"
        if isinstance(node, SequenceNode):
            return "a list"
        if self.is_null(node):
            return "empty"
        value = self.scalar(node)
        if isinstance(value, bool):
            return f"the boolean {str(value).lower()} (written {node.value})"
        if isinstance(value, (int, float)):
            return f"the number {node.value}"
        if isinstance(value, str):
            return f'the text "{value}"'
        return f"{type(value).__name__} {node.value}"

    def quote_hint(self, node: Node) -> str:
        # YAML reads plain yes/no/12/2024-01-01 as non-text; quoting is the usual fix.
        if isinstance(node, ScalarNode) and node.style is None and not self.is_null(node):
            return f'; to use it as text, put it in quotes: "{node.value}"'
        return ""

    # -- typed values ------------------------------------------------------------------------

    def text(self, node: Node, what: str) -> Any:
        if isinstance(node, ScalarNode):
            value = self.scalar(node)
            if value is _INVALID or isinstance(value, str):
                return value
        self.report(node, f"{what} must be text, not {self.describe(node)}{self.quote_hint(node)}")
        return _INVALID

    def boolean(self, node: Node, what: str) -> Any:
        if isinstance(node, ScalarNode):
            value = self.scalar(node)
            if value is _INVALID or isinstance(value, bool):
                return value
        self.report(node, f"{what} must be true or false, not {self.describe(node)}")
        return _INVALID

    def optional(
        self, fields: _Fields, key: str, read: Callable[[Node, str], Any], default: Any
    ) -> Any:
        """An optional field; absent or null means the default."""
        if key not in fields or self.is_null(fields[key][1]):
            return default
        return read(fields[key][1], key)

    def required(
        self, fields: _Fields, key: str, parent: Node, where: str, why: str = ""
    ) -> Node | None:
        """The value node of a required field, or None (reported at the parent mapping)."""
        if key in fields and not self.is_null(fields[key][1]):
            return fields[key][1]
        state = "has no value for" if key in fields else "is missing"
        self.report(parent, f"{where} {state} the required key {key}:{why}")
        return None

    def slug(self, node: Node, what: str) -> Any:
        value = self.text(node, what)
        if value is _INVALID:
            return value
        if not _SLUG.fullmatch(value):
            self.report(
                node,
                f'{what} "{value}" must be a slug: lower-case letters, digits, "_" and "-", '
                f"starting with a letter or digit{_slug_hint(value)}",
            )
            return _INVALID
        return value

    def display_name(self, node: Node, what: str) -> Any:
        value = self.text(node, what)
        if value is not _INVALID and not value.strip():
            self.report(node, f"{what} is empty; leave it out to use the default")
            return _INVALID
        return value if value is _INVALID else value.strip()

    def description(self, node: Node, what: str) -> Any:
        value = self.text(node, what)
        # Block scalars end in a newline or not depending on "|" vs "|-"; that is formatting.
        return value if value is _INVALID else value.strip()

    def one_of(self, node: Node, what: str, allowed: tuple[str, ...]) -> Any:
        value = self.text(node, what)
        if value is _INVALID:
            return value
        if value not in allowed:
            self.report(
                node,
                f'{what} "{value}" is not allowed{_did_you_mean(value, allowed)}; '
                f"use one of: {_listing(allowed)}",
            )
            return _INVALID
        return value

    def examples_list(self, node: Node, key: str) -> Any:
        if not isinstance(node, SequenceNode):
            self.report(
                node,
                f"{key} examples must be a list of texts (one per line, starting with '- '), "
                f"not {self.describe(node)}",
            )
            return _INVALID
        items = [self.text(item, f"each {key} example") for item in node.value]
        return _INVALID if _INVALID in items else items

    # -- the format ------------------------------------------------------------------------------

    def scheme(self, root: Node) -> dict[str, Any] | None:
        if not isinstance(root, MappingNode):
            self.report(
                root,
                "the top level of a scheme must be a mapping of keys such as name:, version: "
                f"and labels:, not {self.describe(root)}",
            )
            return None
        fields = self.fields(root, _TOP_KEYS, "the scheme")
        data: dict[str, Any] = {}
        where = "the scheme"

        node = self.required(fields, "name", root, where, ' (a slug such as "my-scheme")')
        data["name"] = _INVALID if node is None else self.slug(node, "name")

        node = self.required(fields, "version", root, where, " (a positive whole number, e.g. 1)")
        data["version"] = _INVALID if node is None else self.version(node)

        data["description"] = self.optional(fields, "description", self.description, "")
        data["settings"] = self.optional(fields, "settings", self.settings, self.settings(None))

        node = self.required(fields, "labels", root, where, " (a list of labels)")
        data["labels"] = _INVALID if node is None else self.labels(node)
        data["units"] = self.optional(fields, "units", self.units, {})

        def crosswalk(value_node: Node, key: str) -> Any:
            return self.crosswalk(value_node, data["labels"], data["units"])

        data["crosswalk"] = self.optional(fields, "crosswalk", crosswalk, {})
        return data

    def crosswalk(self, node: Node, labels: Any, units: Any) -> Any:
        """``crosswalk:``: per other scheme, its category ids, each mapped to an id here."""
        if not isinstance(node, MappingNode):
            self.report(
                node,
                "crosswalk must be a mapping of other schemes' names to their categories, "
                f"each mapped to an id of this scheme, not {self.describe(node)}",
            )
            return _INVALID
        result: dict[str, Any] = {}
        for other, (key_node, value_node) in self._raw_fields(node).items():
            if not _SLUG.fullmatch(other):
                self.report(
                    key_node,
                    f'scheme name "{other}" in crosswalk must be a slug, as a scheme\'s name: '
                    f'lower-case letters, digits, "_" and "-"{_slug_hint(other)}',
                )
                result[other] = _INVALID
            elif not isinstance(value_node, MappingNode):
                self.report(
                    value_node,
                    f'the crosswalk to "{other}" must be a mapping of its category ids to ids '
                    f"of this scheme, not {self.describe(value_node)}",
                )
                result[other] = _INVALID
            elif not value_node.value:
                self.report(
                    value_node,
                    f'the crosswalk to "{other}" is empty; map at least one of its categories '
                    "or leave it out",
                )
                result[other] = _INVALID
            else:
                entries = {
                    category: self.crosswalk_id(target_node, other, category, labels, units)
                    for category, (_, target_node) in self._raw_fields(value_node).items()
                }
                result[other] = _INVALID if _INVALID in entries.values() else entries
        return _INVALID if _INVALID in result.values() else result

    def crosswalk_id(self, node: Node, other: str, category: str, labels: Any, units: Any) -> Any:
        """The id here that another scheme's category maps to, checked against the labels,
        their attributes and the units (parts already reported as problems are skipped)."""
        where = f'"{other}" category "{category}"'
        target = self.text(node, f"the id {where} maps to")
        if target is _INVALID:
            return target
        match = CROSSWALK_ID.fullmatch(target)
        if match is None:
            self.report(
                node,
                f'"{target}" ({where}) is not an id of this scheme: write a span label '
                '("deflection"), a choice of its attribute ("deflection.kind=declines") or a '
                'unit code ("question:reply")',
            )
            return _INVALID
        kind, label_id, attribute_id, choice = match.group("unit", "label", "attribute", "choice")
        items = labels
        what = "span label"
        if kind is not None:
            what = f"{kind} code"
            if kind not in UNIT_KINDS:
                self.report(
                    node,
                    f'"{target}" ({where}): "{kind}" is not a unit kind'
                    f"{_did_you_mean(kind, UNIT_KINDS)}; use one of: {_listing(UNIT_KINDS)}",
                )
                return _INVALID
            if units is _INVALID:
                return _INVALID  # reported already
            if kind not in units:
                self.report(
                    node,
                    f'"{target}" ({where}): this scheme has no {kind} codes; add them under '
                    f"units: {kind}:, or map to a span label",
                )
                return _INVALID
            items = units[kind] if units[kind] is _INVALID else units[kind]["labels"]
        if items is _INVALID:
            return _INVALID  # reported already
        found = {item["id"]: item for item in items if isinstance(item, dict)}
        if label_id not in found:
            known = [id for id in found if isinstance(id, str)]
            self.report(
                node,
                f'"{target}" ({where}): no {what} "{label_id}" in this scheme'
                f"{_did_you_mean(label_id, known)}; the {what}s are: {_listing(known)}",
            )
            return _INVALID
        if attribute_id is None:
            return target
        attributes = found[label_id]["attributes"]
        if attributes is _INVALID:
            return _INVALID
        by_id = {item["id"]: item for item in attributes if isinstance(item, dict)}
        attribute = by_id.get(attribute_id)
        if attribute is None:
            known = [id for id in by_id if isinstance(id, str)]
            self.report(
                node,
                f'"{target}" ({where}): {what} "{label_id}" has no attribute "{attribute_id}"'
                f"{_did_you_mean(attribute_id, known)}; its attributes are: "
                f"{_listing(known) or 'none'}",
            )
            return _INVALID
        if attribute["type"] is _INVALID or attribute["choices"] is _INVALID:
            return _INVALID
        if attribute["type"] not in CHOICE_TYPES:
            self.report(
                node,
                f'"{target}" ({where}): attribute "{attribute_id}" of {what} "{label_id}" is '
                f"of type {attribute['type']}; a crosswalk names a choice of a choice or "
                "multichoice attribute",
            )
            return _INVALID
        if choice not in attribute["choices"]:
            self.report(
                node,
                f'"{target}" ({where}): "{choice}" is not a choice of attribute '
                f'"{attribute_id}" of {what} "{label_id}"'
                f"{_did_you_mean(choice, attribute['choices'])}; its choices are: "
                f"{_listing(attribute['choices'])}",
            )
            return _INVALID
        return target

    def units(self, node: Node, key: str) -> Any:
        """``units:``: per unit kind, its codes (a hierarchy of labels like the span labels')."""
        if not isinstance(node, MappingNode):
            self.report(
                node,
                "units must be a mapping of unit kinds (question:, document:) to their codes, "
                f"not {self.describe(node)}",
            )
            return _INVALID
        result: dict[str, Any] = {}
        for kind, (_, value_node) in self.fields(node, UNIT_KINDS, "units").items():
            if kind not in UNIT_KINDS:
                continue  # reported by fields()
            where = f"the {kind} unit"
            if not isinstance(value_node, MappingNode):
                self.report(
                    value_node,
                    f"{where} must be a mapping with labels: (and optionally description: and "
                    f"selectable:), not {self.describe(value_node)}",
                )
                result[kind] = _INVALID
                continue
            fields = self.fields(value_node, _UNIT_KEYS, where)

            def selectable(value: Node, key: str) -> Any:
                return self.one_of(value, key, SELECTABLE)

            labels_node = self.required(fields, "labels", value_node, where, " (a list of labels)")
            self.in_unit = True
            result[kind] = {
                "description": self.optional(fields, "description", self.description, ""),
                "selectable": self.optional(fields, "selectable", selectable, "leaves"),
                "labels": _INVALID if labels_node is None else self.labels(labels_node),
            }
            self.in_unit = False
        return result

    def version(self, node: Node) -> Any:
        value = self.scalar(node) if isinstance(node, ScalarNode) else None
        if value is _INVALID:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            self.report(
                node, f"version must be a whole number such as 1, not {self.describe(node)}"
            )
            return _INVALID
        if not 1 <= value <= _MAX_VERSION:
            self.report(node, f"version must be between 1 and {_MAX_VERSION}, not {value}")
            return _INVALID
        return value

    def settings(self, node: Node | None, what: str = "settings") -> Any:
        result = {field: getattr(Settings(), field) for field in _SETTINGS_KEYS}
        if node is None:
            return result
        if not isinstance(node, MappingNode):
            self.report(node, f"settings must be a mapping of keys, not {self.describe(node)}")
            return _INVALID
        fields = self.fields(node, _SETTINGS_KEYS, "settings")
        for key in ("allow_overlap", "allow_nesting"):
            result[key] = self.optional(fields, key, self.boolean, result[key])

        def same_label_overlap(value_node: Node, key: str) -> Any:
            return self.one_of(value_node, key, SAME_LABEL_OVERLAP)

        def snap(value_node: Node, key: str) -> Any:
            return self.one_of(value_node, key, SNAP_UNITS)

        result["same_label_overlap"] = self.optional(
            fields, "same_label_overlap", same_label_overlap, result["same_label_overlap"]
        )
        result["snap"] = self.optional(fields, "snap", snap, result["snap"])
        return result

    def labels(self, node: Node) -> Any:
        if not isinstance(node, SequenceNode):
            self.report(
                node,
                "labels must be a list, one item per label starting with '- id: ...', "
                f"not {self.describe(node)}",
            )
            return _INVALID
        if not node.value:
            self.report(node, "labels is empty; list at least one label")
            return _INVALID
        labels: list[Any] = []
        ids: dict[str, Node] = {}  # label id -> its id node (first occurrence)
        hotkeys: dict[str, tuple[str, Node]] = {}  # key -> (label, hotkey node)
        parents: list[tuple[str, Node]] = []  # (label id, parent node) in document order
        for position, item in enumerate(node.value, start=1):
            label = self.label(item, position, ids, hotkeys, parents)
            labels.append(label)
        self.check_hierarchy(ids, parents)
        self.check_renames("label", labels, ids)
        return labels

    def check_renames(self, what: str, items: list[Any], ids: dict[str, Node]) -> None:
        """``renamed_from`` of labels (or of one label's attributes): an old id that is no
        longer one of them, and that no other one was renamed from. (Whether the version
        before had it is for the upgrade to check: this file alone cannot tell.)"""
        first: dict[str, tuple[str, Node]] = {}  # old id -> (the item renamed from it, node)
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("renamed_from"), str):
                continue
            node = item["_renamed_from_node"]
            old, new = item["renamed_from"], item["id"]
            if old == new:
                self.report(
                    node,
                    f'{what} "{new}" is renamed from itself; remove renamed_from (it names the '
                    f"id the {what} had in the version before)",
                )
            elif old in ids:
                line = ids[old].start_mark.line + 1
                self.report(
                    node,
                    f'{what} "{new}" is renamed from "{old}", but "{old}" is still '
                    f"{'an' if what[0] in 'aeiou' else 'a'} {what} "
                    f'here (line {line}); remove renamed_from, or rename or remove "{old}"',
                )
            elif old in first:
                other, other_node = first[old]
                self.report(
                    node,
                    f'{what}s "{other}" (line {other_node.start_mark.line + 1}) and "{new}" '
                    f'are both renamed from "{old}"; a {what} can be renamed to one {what} '
                    "only: keep renamed_from on one of them",
                )
            else:
                first[old] = (new if isinstance(new, str) else "?", node)

    def label(
        self,
        node: Node,
        position: int,
        ids: dict[str, Node],
        hotkeys: dict[str, tuple[str, Node]],
        parents: list[tuple[str, Node]],
    ) -> Any:
        if not isinstance(node, MappingNode):
            self.report(
                node,
                f"label {position} must be a mapping with id:, color: and so on, "
                f"not {self.describe(node)}",
            )
            return _INVALID
        raw = self._raw_fields(node)
        id_node = raw.get("id", (None, None))[1]
        name_for_messages = (
            id_node.value if isinstance(id_node, ScalarNode) and id_node.value else None
        )
        where = f'label "{name_for_messages}"' if name_for_messages else f"label {position}"
        fields = self.fields(node, _LABEL_KEYS, where)
        label: dict[str, Any] = {}

        value_node = self.required(fields, "id", node, where, ' (a slug such as "quote")')
        label_id = _INVALID if value_node is None else self.slug(value_node, "label id")
        if value_node is not None and label_id is not _INVALID:
            if label_id in ids:
                first = ids[label_id].start_mark.line + 1
                self.report(
                    value_node,
                    f'duplicate label id "{label_id}": the label on line {first} already has '
                    "it; give each label its own id",
                )
            else:
                ids[label_id] = value_node
        label["id"] = label_id

        default_name = _default_name(label_id) if isinstance(label_id, str) else ""
        label["name"] = self.optional(fields, "name", self.display_name, default_name)
        label["hotkey"] = self.optional(fields, "hotkey", self.hotkey, None)
        if isinstance(label["hotkey"], str) and label_id is not _INVALID:
            key = label["hotkey"]
            key_node = fields["hotkey"][1]
            if key in hotkeys:
                other, other_node = hotkeys[key]
                self.report(
                    key_node,
                    f'duplicate hotkey \'{key}\': label "{label_id}" and label "{other}" '
                    f"(line {other_node.start_mark.line + 1}) both use it; give each label "
                    "its own key",
                )
            else:
                hotkeys[key] = (label_id, key_node)

        value_node = self.required(
            fields, "color", node, where, ' ("#rrggbb", "#rgb" or a CSS colour name)'
        )
        label["color"] = _INVALID if value_node is None else self.color(value_node)
        label["description"] = self.optional(fields, "description", self.description, "")

        def examples(value_node: Node, key: str) -> Any:
            return self.examples(value_node, f"examples of {where}")

        label["examples"] = self.optional(
            fields, "examples", examples, {"positive": [], "negative": []}
        )
        label["parent"] = self.optional(fields, "parent", self.slug, None)
        if isinstance(label["parent"], str) and isinstance(label_id, str):
            parents.append((label_id, fields["parent"][1]))
        label["deprecated"] = self.optional(fields, "deprecated", self.boolean, False)

        def attributes(value_node: Node, key: str) -> Any:
            return self.attributes(value_node, where)

        label["attributes"] = self.optional(fields, "attributes", attributes, [])
        self.renamed_from(fields, label, "label")
        return label

    def renamed_from(self, fields: _Fields, item: dict[str, Any], what: str) -> None:
        """Reads ``renamed_from`` into ``item``, keeping its node (for check_renames)."""
        item["renamed_from"] = self.optional(
            fields,
            "renamed_from",
            lambda node, key: self.slug(node, f"renamed_from of a {what}"),
            None,
        )
        if "renamed_from" in fields:
            item["_renamed_from_node"] = fields["renamed_from"][1]

    def hotkey(self, node: Node, what: str) -> Any:
        key = self.scalar(node) if isinstance(node, ScalarNode) else None
        if key is _INVALID:
            return key
        if not isinstance(key, str):
            self.report(
                node,
                f"hotkey must be a single character, not {self.describe(node)}"
                f"{self.quote_hint(node)}",
            )
            return _INVALID
        if len(key) != 1:
            self.report(node, f'hotkey "{key}" must be exactly one character')
        elif key.isspace():
            self.report(node, "hotkey must be a visible character, not whitespace")
        elif not key.isprintable():
            self.report(node, f"hotkey {key!r} must be a printable character")
        elif key in RESERVED_KEYS:
            self.report(
                node, f"hotkey '{key}' is reserved for \"{RESERVED_KEYS[key]}\"; choose another key"
            )
        else:
            if key in REVIEW_ONLY_CHARACTERS and not self.in_unit:
                # (A unit's codes are given on the annotation screen; the review screen
                # settles them by accepting a version, so its keys do not clash with them.)
                # Old schemes may have such hotkeys: they still work everywhere but there.
                self.report(
                    node,
                    f"hotkey '{key}' means \"{REVIEW_ONLY_CHARACTERS[key]}\" on the review "
                    "screen; there this label is tagged from the command palette (:)",
                    "warning",
                )
            return key
        return _INVALID

    def color(self, node: Node) -> Any:
        value = self.text(node, "color")
        if value is _INVALID:
            return value
        color = normalise_color(value)
        if color is not None:
            return color
        hint = _did_you_mean(value.lower().replace(" ", "").replace("_", ""), CSS_COLORS)
        self.report(
            node,
            f'color "{value}" is not a colour this app knows{hint}; use "#rgb", "#rrggbb" '
            'or a lower-case CSS colour name such as "orange"',
        )
        return _INVALID

    def examples(self, node: Node, where: str) -> Any:
        if not isinstance(node, MappingNode):
            self.report(
                node,
                f"{where} must be a mapping with positive: and negative: lists, "
                f"not {self.describe(node)}",
            )
            return _INVALID
        fields = self.fields(node, _EXAMPLES_KEYS, where)
        return {
            "positive": self.optional(fields, "positive", self.examples_list, []),
            "negative": self.optional(fields, "negative", self.examples_list, []),
        }

    def attributes(self, node: Node, label_where: str) -> Any:
        if not isinstance(node, SequenceNode):
            self.report(
                node,
                f"attributes of {label_where} must be a list, one item per attribute "
                f"starting with '- id: ...', not {self.describe(node)}",
            )
            return _INVALID
        result: list[Any] = []
        ids: dict[str, Node] = {}
        for position, item in enumerate(node.value, start=1):
            result.append(self.attribute(item, position, label_where, ids))
        self.check_renames("attribute", result, ids)
        return result

    def attribute(self, node: Node, position: int, label_where: str, ids: dict[str, Node]) -> Any:
        if not isinstance(node, MappingNode):
            self.report(
                node,
                f"attribute {position} of {label_where} must be a mapping with id: and type:, "
                f"not {self.describe(node)}",
            )
            return _INVALID
        raw = self._raw_fields(node)
        id_node = raw.get("id", (None, None))[1]
        shown = id_node.value if isinstance(id_node, ScalarNode) and id_node.value else position
        where = f'attribute "{shown}" of {label_where}'
        if shown == position:
            where = f"attribute {position} of {label_where}"
        fields = self.fields(node, _ATTRIBUTE_KEYS, where)
        attribute: dict[str, Any] = {}

        value_node = self.required(fields, "id", node, where, ' (a slug such as "target")')
        attribute_id = _INVALID if value_node is None else self.slug(value_node, "attribute id")
        if value_node is not None and attribute_id is not _INVALID:
            if attribute_id in ids:
                first = ids[attribute_id].start_mark.line + 1
                self.report(
                    value_node,
                    f'duplicate attribute id "{attribute_id}" in {label_where} (first on '
                    f"line {first}); give each attribute of a label its own id",
                )
            else:
                ids[attribute_id] = value_node
        attribute["id"] = attribute_id
        default_name = _default_name(attribute_id) if isinstance(attribute_id, str) else ""
        attribute["name"] = self.optional(fields, "name", self.display_name, default_name)

        type_node = self.required(
            fields, "type", node, where, f" (one of: {_listing(ATTRIBUTE_TYPES)})"
        )
        type_ = _INVALID
        if type_node is not None:
            type_ = self.text(type_node, "type")
            if type_ is not _INVALID and type_ not in ATTRIBUTE_TYPES:
                hint = _did_you_mean(type_, ATTRIBUTE_TYPES, _TYPE_ALIASES)
                self.report(
                    type_node,
                    f'unknown attribute type "{type_}"{hint}; '
                    f"use one of: {_listing(ATTRIBUTE_TYPES)}",
                )
                type_ = _INVALID
        attribute["type"] = type_

        attribute["choices"] = self.choices(fields, node, type_, where)
        attribute["required"] = self.optional(fields, "required", self.boolean, False)
        attribute["default"] = self.default(fields, type_, attribute["choices"])
        attribute["description"] = self.optional(fields, "description", self.description, "")
        self.renamed_from(fields, attribute, "attribute")
        attribute["renamed_choices"] = self.renamed_choices(fields, type_, attribute["choices"])
        return attribute

    def renamed_choices(self, fields: _Fields, type_: Any, choices: Any) -> Any:
        """``renamed_choices: {old: new}``: choices renamed since the version before, each old
        one no longer a choice, each new one a choice, one old choice per new one."""
        if "renamed_choices" not in fields or self.is_null(fields["renamed_choices"][1]):
            return {}
        key_node, node = fields["renamed_choices"]
        if type_ not in CHOICE_TYPES:
            if type_ is not _INVALID:
                self.report(
                    key_node,
                    f"renamed_choices are only for type choice or multichoice, not type "
                    f"{type_}; remove renamed_choices:",
                )
            return _INVALID
        if not isinstance(node, MappingNode):
            self.report(
                node,
                "renamed_choices must be a mapping of old choices to current ones, such as "
                f"{{dodge: dodges}}, not {self.describe(node)}",
            )
            return _INVALID
        result: dict[str, Any] = {}
        to: dict[str, tuple[str, Node]] = {}  # new choice -> (the old one, its node)
        for old, (old_node, new_node) in self._raw_fields(node).items():
            new = self.text(new_node, f'the choice "{old}" is renamed to, which')
            if new is _INVALID:
                result[old] = _INVALID
                continue
            if not old.strip():
                self.report(old_node, "an old choice in renamed_choices cannot be empty")
            elif choices is _INVALID:
                pass  # reported already; nothing to check against
            elif old in choices:
                self.report(
                    old_node,
                    f'"{old}" is still one of the choices; renamed_choices maps a choice the '
                    "version before had to its new name: remove it from one of the two",
                )
            elif new not in choices:
                self.report(
                    new_node,
                    f'"{old}" is renamed to "{new}", which is not one of the choices'
                    f"{_did_you_mean(new, choices)}; use one of: {_listing(choices)}",
                )
            elif new in to:
                other, other_node = to[new]
                self.report(
                    old_node,
                    f'"{other}" (line {other_node.start_mark.line + 1}) and "{old}" are both '
                    f'renamed to "{new}"; a choice is renamed from one old choice only',
                )
            else:
                to[new] = (old, old_node)
                result[old] = new
                continue
            result[old] = _INVALID
        return _INVALID if _INVALID in result.values() else result

    def choices(self, fields: _Fields, node: Node, type_: Any, where: str) -> Any:
        given = "choices" in fields and not self.is_null(fields["choices"][1])
        if type_ not in CHOICE_TYPES:
            if given and type_ is not _INVALID:
                self.report(
                    fields["choices"][0],
                    f"choices are only for type choice or multichoice, not type {type_}; "
                    "remove choices: or set type: choice",
                )
            return []
        choices_node = self.required(
            fields, "choices", node, where, f" (type {type_} needs a list of choices)"
        )
        if choices_node is None:
            return _INVALID
        if not isinstance(choices_node, SequenceNode):
            self.report(
                choices_node,
                f"choices must be a list such as [yes_vote, no_vote], not "
                f"{self.describe(choices_node)}",
            )
            return _INVALID
        if not choices_node.value:
            self.report(choices_node, "choices is empty; list at least one choice")
            return _INVALID
        choices: list[Any] = []
        seen: dict[str, Node] = {}
        for item in choices_node.value:
            value = self.text(item, "each choice")
            if isinstance(value, str):
                if not value.strip():
                    self.report(item, "a choice cannot be empty")
                    value = _INVALID
                elif type_ == "multichoice" and any(c in value for c in MULTICHOICE_SEPARATORS):
                    self.report(
                        item,
                        f'choice "{value}" of a multichoice attribute cannot contain "," or '
                        '"|": files without lists (brat) join the chosen choices with them',
                    )
                    value = _INVALID
                elif value in seen:
                    self.report(
                        item,
                        f'duplicate choice "{value}" (first on line '
                        f"{seen[value].start_mark.line + 1}); remove one",
                    )
                    value = _INVALID
                else:
                    seen[value] = item
            choices.append(value)
        return _INVALID if _INVALID in choices else choices

    def default(self, fields: _Fields, type_: Any, choices: Any) -> Any:
        if "default" not in fields or self.is_null(fields["default"][1]):
            return None
        node = fields["default"][1]
        if type_ == "multichoice":
            return self.multichoice_default(node, choices)
        if not isinstance(node, ScalarNode):
            self.report(node, f"default must be a single value, not {self.describe(node)}")
            return _INVALID
        value = self.scalar(node)
        if value is _INVALID or type_ is _INVALID:
            return _INVALID
        if type_ == "choice" and choices is _INVALID:
            # The choices are reported already; a default can only be checked against them.
            return value
        error = _value_error(type_, tuple(choices), value)
        if error is None:
            return value
        if type_ == "choice" and isinstance(value, str):
            message = (
                f'default "{value}" is not one of the choices{_did_you_mean(value, choices)}; '
                f"use one of: {_listing(choices)}"
            )
        elif type_ == "number" and not isinstance(value, bool) and isinstance(value, float):
            message = f"default of a number attribute must be finite, not {node.value}"
        else:
            hint = self.quote_hint(node) if type_ in ("text", "choice") else ""
            message = (
                f"default of a {type_} attribute must be {_EXPECTED[type_]}, "
                f"not {self.describe(node)}{hint}"
            )
        self.report(node, message)
        return _INVALID

    def multichoice_default(self, node: Node, choices: Any) -> Any:
        """A multichoice default: a list of distinct choices, held sorted as a tuple (an
        empty list is no default)."""
        if not isinstance(node, SequenceNode):
            self.report(
                node,
                "default of a multichoice attribute must be a list of choices such as "
                f"[{', '.join(choices[:2]) if choices is not _INVALID else 'a, b'}], "
                f"not {self.describe(node)}",
            )
            return _INVALID
        values: list[Any] = []
        for item in node.value:
            value = self.text(item, "each default choice")
            if value is _INVALID or choices is _INVALID:
                # Unreadable, or the choices are reported already and cannot be checked.
                values.append(value)
            elif value not in choices:
                self.report(
                    item,
                    f'default "{value}" is not one of the choices'
                    f"{_did_you_mean(value, choices)}; use some of: {_listing(choices)}",
                )
                values.append(_INVALID)
            elif value in values:
                self.report(item, f'default "{value}" is listed twice; remove one')
                values.append(_INVALID)
            else:
                values.append(value)
        if _INVALID in values:
            return _INVALID
        return tuple(sorted(values)) or None

    def check_hierarchy(self, ids: dict[str, Node], parents: list[tuple[str, Node]]) -> None:
        parent_of: dict[str, str] = {}
        parent_node: dict[str, Node] = {}
        for label_id, node in parents:
            parent = node.value
            if parent not in ids:
                self.report(
                    node,
                    f'parent "{parent}" of label "{label_id}" is not a label in this scheme'
                    f"{_did_you_mean(parent, ids)}; use the id of another label",
                )
            elif label_id not in parent_of:
                parent_of[label_id] = parent
                parent_node[label_id] = node
        in_reported_cycle: set[str] = set()
        for label_id, _ in parents:
            if label_id in in_reported_cycle or label_id not in parent_of:
                continue
            path = [label_id]
            current = parent_of[label_id]
            while current in parent_of and current not in path:
                path.append(current)
                current = parent_of[current]
            if current == label_id:  # back at the start: label_id lies on a cycle
                cycle = [*path, label_id]
                in_reported_cycle.update(path)
                self.report(
                    parent_node[label_id],
                    f'label "{label_id}" is its own ancestor ({" -> ".join(cycle)}); '
                    "change one of these parents to break the cycle",
                )
