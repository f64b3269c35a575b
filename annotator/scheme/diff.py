"""What moving from one scheme version to another changes, and what it does to stored work.

Plain Python (no store, no UI): :func:`diff_schemes` compares two loaded schemes, and
:func:`plan_upgrade` says what becomes of each stored span or code. ``annotator scheme
upgrade`` (``annotator/store/upgrades.py``) applies the plan, and the agreement and review
ask :meth:`SchemeDiff.same_definition` whether a span made under an older version is
comparable with the current ones (``annotator/versions.py``).

Matching, per set of labels (the span labels; each unit kind's codes):

- a label of the new scheme whose id the old one has is that label (its ``renamed_from``,
  left over from an earlier upgrade, is then ignored, unless it names another label the old
  scheme still has: merging two labels is refused, see :attr:`SchemeDiff.problems`);
- else, one whose ``renamed_from`` the old scheme has is that label renamed;
- else it is added; an old label nothing matched is removed.

A label's attributes are matched the same way, and a choice attribute's choices through its
``renamed_choices``. Each stored item then is:

- ``unchanged``: nothing to rewrite, and valid in the new scheme;
- ``migrated``: rewritten (a label, attribute or choice renamed, a choice attribute turned
  into a multichoice one or back), and valid in the new scheme;
- ``needs review``: kept (rewritten, if something of it was renamed) but the new scheme
  would not accept it as it is: a value that is no longer a choice or no longer of its
  attribute's type, a required attribute it lacks, a label now deprecated, a code whose
  label now groups others;
- ``blocked``: its label or a value it holds is removed. An upgrade never drops a user's
  span, code or value, so the whole upgrade is refused (:meth:`UpgradePlan.refusals`) with
  the fix: keep the label with ``deprecated: true``, or say which label replaces it with
  ``renamed_from``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from .model import CHOICE_TYPES, Attribute, Label, LabelSet, Scheme, _value_error
from .validate import _default_name

Status = Literal["added", "removed", "renamed", "changed", "unchanged"]
UNCHANGED, MIGRATED, REVIEW, BLOCKED = "unchanged", "migrated", "needs review", "blocked"
OUTCOMES = (UNCHANGED, MIGRATED, REVIEW, BLOCKED)


def where(unit: str | None) -> str:
    """What a set of labels is called in messages: span labels, or a unit's codes."""
    return "span label" if unit is None else f"{unit} code"


def items_word(unit: str | None, n: int) -> str:
    noun = "span" if unit is None else f"{unit} code"
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


# --------------------------------------------------------------------------------------------
# Comparing two versions


@dataclass(frozen=True)
class AttributeChange:
    """One attribute of a label, old and new (either None when added or removed)."""

    old: Attribute | None
    new: Attribute | None
    status: Status
    changes: tuple[str, ...] = ()  # what changed, in words
    choice_map: Mapping[str, str] = field(default_factory=dict)  # old choice -> renamed to
    removed_choices: tuple[str, ...] = ()
    definitional: bool = False  # whether its values mean something else now (same_attribute)

    @property
    def id(self) -> str:
        attribute = self.new or self.old
        assert attribute is not None
        return attribute.id


@dataclass(frozen=True)
class LabelChange:
    """One label of a set (span labels, or a unit's codes), old and new."""

    unit: str | None  # None: a span label; else the unit kind of a code
    old: Label | None
    new: Label | None
    status: Status
    changes: tuple[str, ...] = ()
    attributes: tuple[AttributeChange, ...] = ()
    moved: bool = False  # its place in the hierarchy changed (see same_definition)

    @property
    def definitional(self) -> bool:
        """Whether spans of it made before say something else than spans made after: it
        moved in the hierarchy, or one of its attributes changed its values' meaning."""
        return self.moved or any(attribute.definitional for attribute in self.attributes)

    @property
    def old_id(self) -> str | None:
        return self.old.id if self.old else None

    @property
    def new_id(self) -> str | None:
        return self.new.id if self.new else None

    @property
    def name(self) -> str:
        """``old → new`` for a renamed label, else its id."""
        if self.status == "renamed":
            return f"{self.old_id} → {self.new_id}"
        return str(self.new_id or self.old_id)

    def attribute(self, old_id: str) -> AttributeChange | None:
        """The change of the attribute the old label called ``old_id``."""
        for change in self.attributes:
            if change.old is not None and change.old.id == old_id:
                return change
        return None


@dataclass(frozen=True)
class SchemeDiff:
    """Everything that differs between two versions of a scheme."""

    old: Scheme
    new: Scheme
    labels: tuple[LabelChange, ...]  # span labels, then each unit's codes
    settings: tuple[str, ...]  # changed settings, in words
    units: tuple[str, ...]  # unit kinds added or removed, in words
    removed_units: tuple[str, ...]
    problems: tuple[str, ...]  # what makes the upgrade impossible whatever is stored

    @cached_property
    def _by_old(self) -> dict[tuple[str | None, str], LabelChange]:
        return {(c.unit, c.old.id): c for c in self.labels if c.old is not None}

    def by_old(self, unit: str | None, label: str) -> LabelChange | None:
        """The change of the label the old scheme called ``label``."""
        return self._by_old.get((unit, label))

    @property
    def changed(self) -> list[LabelChange]:
        return [change for change in self.labels if change.status != "unchanged"]

    def same_definition(self, unit: str | None, label: str) -> bool:
        """Whether spans (codes) of ``label`` made under the old version are comparable, as
        spans of that label, with those made under the new one: the label has the same id
        and the same place in the hierarchy (its ancestors, up to renames). Names, keys,
        colours, guidelines and deprecation do not count: they change how a label is
        offered, not what a stored span says. Its attributes are judged one by one
        (:meth:`same_attribute`)."""
        change = self.by_old(unit, label)
        return (
            change is not None
            and change.new is not None
            and change.new.id == label
            and not change.moved
        )

    def same_attribute(self, unit: str | None, label: str, attribute: str) -> bool:
        """Whether the values of the new scheme's ``attribute`` of ``label`` given under the
        old version are comparable with those given under the new one: the label is the
        same (:meth:`same_definition`) and the attribute was there with the same type and
        choices, up to renames (a required flag or default does not count: they change
        what an annotator must give, not what a given value says)."""
        if not self.same_definition(unit, label):
            return False
        change = self.by_old(unit, label)
        assert change is not None
        for found in change.attributes:
            if found.new is not None and found.new.id == attribute:
                return found.old is not None and not found.definitional
        return False


def version_problem(old: Scheme, new: Scheme) -> str | None:
    """Why ``new`` cannot replace ``old`` as a project's scheme, whatever is stored (None: it
    can). The same content (hash) is not an upgrade either: the caller says so."""
    if new.name != old.name:
        return (
            f"the project's scheme is '{old.name}', the new file's is '{new.name}': an upgrade "
            f"moves to a new version of the same scheme; set name: {old.name}"
        )
    if new.version <= old.version:
        return (
            f"the new file is version {new.version} of '{new.name}', but the project is on "
            f"version {old.version}: set version: {old.version + 1} (or higher) to upgrade"
        )
    return None


def diff_schemes(old: Scheme, new: Scheme) -> SchemeDiff:
    """Compare two versions of a scheme (see the module docstring for the matching)."""
    problems: list[str] = []
    labels = list(_diff_labels(None, old, new, problems))
    old_units = {unit.kind: unit for unit in old.units}
    new_units = {unit.kind: unit for unit in new.units}
    units: list[str] = []
    for kind, unit in new_units.items():
        if kind in old_units:
            labels += _diff_labels(kind, old_units[kind], unit, problems)
            if old_units[kind].selectable != unit.selectable:
                units.append(
                    f"{kind} codes: selectable {old_units[kind].selectable} → {unit.selectable}"
                )
        else:
            units.append(f"{kind} codes added")
            labels += [LabelChange(kind, None, label, "added") for label in unit.labels]
    removed_units = tuple(kind for kind in old_units if kind not in new_units)
    for kind in removed_units:
        units.append(f"{kind} codes removed")
        labels += [LabelChange(kind, label, None, "removed") for label in old_units[kind].labels]
    settings = tuple(
        f"{name}: {_shown(getattr(old.settings, name))} → {_shown(getattr(new.settings, name))}"
        for name in ("allow_overlap", "allow_nesting", "same_label_overlap", "snap")
        if getattr(old.settings, name) != getattr(new.settings, name)
    )
    return SchemeDiff(
        old, new, tuple(labels), settings, tuple(units), removed_units, tuple(problems)
    )


def _shown(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _match(
    old: Sequence[Any], new: Sequence[Any]
) -> tuple[list[tuple[Any, Any]], list[Any], list[Any], list[tuple[Any, Any]]]:
    """Pairs (old, new) of labels or attributes, by id or through ``renamed_from``; the new
    ones added, the old ones removed, and (old, new) merges: a new one renamed from an old
    one while its own id is in the old version too."""
    old_by_id = {item.id: item for item in old}
    claimed: set[str] = set()
    pairs, added, merges = [], [], []
    for item in new:
        if item.id in old_by_id:
            pairs.append((old_by_id[item.id], item))
            claimed.add(item.id)
            source = item.renamed_from
            if source and source != item.id and source in old_by_id:
                merges.append((old_by_id[source], item))
    for item in new:
        source = item.renamed_from
        if item.id in old_by_id:
            continue
        if source and source in old_by_id and source not in claimed:
            pairs.append((old_by_id[source], item))
            claimed.add(source)
        else:
            added.append(item)
    removed = [item for item in old if item.id not in claimed]
    return pairs, added, removed, merges


def _diff_labels(
    unit: str | None, old: LabelSet, new: LabelSet, problems: list[str]
) -> list[LabelChange]:
    pairs, added, removed, merges = _match(old.labels, new.labels)
    for source, target in merges:
        problems.append(
            f"{where(unit)} '{target.id}' is renamed from '{source.id}', but the project's "
            f"scheme has '{target.id}' too: merging two labels is not an upgrade; remove "
            f"renamed_from, and keep '{source.id}' (deprecated: true) or rename it to a new id"
        )
    renamed = {old_label.id: new_label.id for old_label, new_label in pairs}
    changes = [_label_change(unit, old, new, a, b, renamed) for a, b in pairs]
    changes += [LabelChange(unit, None, label, "added") for label in added]
    changes += [LabelChange(unit, label, None, "removed") for label in removed]
    order = {label.id: i for i, label in enumerate(new.labels)}
    # New scheme order, the removed labels last.
    return sorted(changes, key=lambda c: order.get(c.new_id or "", len(order)))


def _chain(labels: LabelSet, id: str) -> list[str]:
    try:
        return [label.id for label in labels.ancestors(id)]
    except (KeyError, ValueError):
        return []


def _label_change(
    unit: str | None,
    old_set: LabelSet,
    new_set: LabelSet,
    old: Label,
    new: Label,
    renamed: Mapping[str, str],
) -> LabelChange:
    changes: list[str] = []
    moved = False
    if old.id != new.id:
        changes.append(f"renamed from {old.id}")
    before = [renamed.get(id, id) for id in _chain(old_set, old.id)]
    after = _chain(new_set, new.id)
    if before != after:
        moved = True
        changes.append(
            f"parents: {' > '.join(reversed(before)) or 'none'} → "
            f"{' > '.join(reversed(after)) or 'none'}"
        )
    if old.deprecated != new.deprecated:
        changes.append("now deprecated" if new.deprecated else "no longer deprecated")
    cosmetic = [
        word
        for word, a, b in (
            ("name", _own_name(old), _own_name(new)),
            ("hotkey", old.hotkey, new.hotkey),
            ("colour", old.color, new.color),
            ("description", old.description, new.description),
            ("examples", old.examples, new.examples),
        )
        if a != b
    ]
    if cosmetic:
        changes.append(f"{', '.join(cosmetic)} changed")
    # (An attribute renamed from one the label still has: that one is removed, and its
    # values would be lost, so the plan blocks them.)
    pairs, added, removed, _ = _match(old.attributes, new.attributes)
    attributes = [_attribute_change(a, b) for a, b in pairs]
    attributes += [AttributeChange(None, b, "added", _added(b), definitional=True) for b in added]
    attributes += [
        AttributeChange(a, None, "removed", ("removed",), definitional=True) for a in removed
    ]
    for attribute in attributes:
        changes += [f"attribute {attribute.id}: {change}" for change in attribute.changes]
    status: Status = "renamed" if old.id != new.id else "changed" if changes else "unchanged"
    return LabelChange(unit, old, new, status, tuple(changes), tuple(attributes), moved)


def _own_name(item: Label | Attribute) -> str | None:
    """A display name written in the file (None: the one the id gives, which a rename
    changes without anyone changing it)."""
    return None if item.name == _default_name(item.id) else item.name


def _added(attribute: Attribute) -> tuple[str, ...]:
    required = " (required)" if attribute.required and attribute.default is None else ""
    return (f"added{required}",)


def _attribute_change(old: Attribute, new: Attribute) -> AttributeChange:
    changes: list[str] = []
    definitional = False
    if old.id != new.id:
        changes.append(f"renamed from {old.id}")
    if old.type != new.type:
        definitional = True
        changes.append(f"type {old.type} → {new.type}")
    choice_map: dict[str, str] = {}
    removed: tuple[str, ...] = ()
    if old.type in CHOICE_TYPES and new.type in CHOICE_TYPES:
        renames = dict(new.renamed_choices)
        for choice in old.choices:
            target = renames.get(choice)
            if choice not in new.choices and target is not None and target not in old.choices:
                choice_map[choice] = target
        kept = {choice_map.get(choice, choice) for choice in old.choices}
        removed = tuple(c for c in old.choices if choice_map.get(c, c) not in new.choices)
        added = [c for c in new.choices if c not in kept]
        if choice_map:
            changes.append(
                "choices renamed: " + ", ".join(f"{a} → {b}" for a, b in choice_map.items())
            )
        if removed:
            definitional = True
            changes.append("choices removed: " + ", ".join(removed))
        if added:
            definitional = True
            changes.append("choices added: " + ", ".join(added))
    if old.required != new.required:
        changes.append("now required" if new.required else "no longer required")
    if old.default != new.default:
        changes.append(f"default {_value(old.default)} → {_value(new.default)}")
    if _own_name(old) != _own_name(new) or old.description != new.description:
        changes.append("name or description changed")
    status: Status = "renamed" if old.id != new.id else "changed" if changes else "unchanged"
    return AttributeChange(
        old, new, status, tuple(changes), choice_map, removed, definitional=definitional
    )


def _value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(str, value)) + "]"
    return _shown(value)


# --------------------------------------------------------------------------------------------
# What becomes of stored spans and codes


@dataclass(frozen=True)
class Item:
    """A stored span or code, as much of it as an upgrade looks at."""

    id: int
    unit: str | None  # None: a span; else the unit kind of a code
    label: str
    attributes: Mapping[str, Any]
    place: str = ""  # where it is, for a listing ("document 3, ann, [10, 25)")


@dataclass(frozen=True)
class ItemPlan:
    item: Item
    outcome: str  # one of OUTCOMES
    label: str  # its label in the new scheme (the old one, when blocked)
    attributes: Mapping[str, Any]  # its values in the new scheme
    reasons: tuple[str, ...] = ()  # why it needs review, or is blocked
    # Attributes whose value is kept though the new scheme refuses it (never dropped).
    keep_invalid: tuple[str, ...] = ()

    @property
    def rewrite(self) -> bool:
        """Whether the stored item changes (its label or values)."""
        return self.outcome != BLOCKED and (
            self.label != self.item.label or dict(self.attributes) != dict(self.item.attributes)
        )


@dataclass(frozen=True)
class UpgradePlan:
    diff: SchemeDiff
    items: tuple[ItemPlan, ...]

    def counts(self) -> dict[tuple[str | None, str], Counter[str]]:
        """Per (unit, old label), in the diff's order: how many items have each outcome."""
        found: dict[tuple[str | None, str], Counter[str]] = {}
        for plan in self.items:
            found.setdefault((plan.item.unit, plan.item.label), Counter())[plan.outcome] += 1
        order = {(c.unit, c.old_id): i for i, c in enumerate(self.diff.labels)}
        return dict(sorted(found.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0][1])))

    def total(self, outcome: str) -> int:
        return sum(plan.outcome == outcome for plan in self.items)

    def refusals(self) -> list[str]:
        """Why the upgrade cannot be applied, one line each ([] when it can)."""
        lines = list(self.diff.problems)
        removed: Counter[tuple[str | None, str]] = Counter()
        values: Counter[tuple[str | None, str, str]] = Counter()
        for plan in self.items:
            if plan.outcome != BLOCKED:
                continue
            change = self.diff.by_old(plan.item.unit, plan.item.label)
            if change is None or change.new is None:
                removed[plan.item.unit, plan.item.label] += 1
            else:
                for attribute in plan.reasons:
                    values[plan.item.unit, plan.item.label, attribute] += 1
        for (unit, label), n in removed.items():
            if unit in self.diff.removed_units:
                lines.append(
                    f"the {unit} codes are removed (units: {unit}:), but {items_word(unit, n)} "
                    f"have the label '{label}': keep units: {unit}: in the new scheme"
                )
            else:
                lines.append(
                    f"{where(unit)} '{label}' is removed, but {items_word(unit, n)} "
                    f"{'has' if n == 1 else 'have'} it: keep it in the new scheme with "
                    f"'deprecated: true', or give the label that replaces it "
                    f"'renamed_from: {label}'"
                )
        for (unit, label, attribute), n in values.items():
            lines.append(
                f"attribute '{attribute}' of {where(unit)} '{label}' is removed, but "
                f"{items_word(unit, n)} give it a value: keep the attribute (optional, if need "
                f"be), or give the attribute that replaces it 'renamed_from: {attribute}'"
            )
        return lines


def plan_upgrade(diff: SchemeDiff, items: Iterable[Item]) -> UpgradePlan:
    """What becomes of each stored item (see the module docstring)."""
    return UpgradePlan(diff, tuple(_plan_item(diff, item) for item in items))


def _labels_of(scheme: Scheme, unit: str | None) -> LabelSet | None:
    if unit is None:
        return scheme
    return scheme.unit(unit) if scheme.has_unit(unit) else None


def _plan_item(diff: SchemeDiff, item: Item) -> ItemPlan:
    change = diff.by_old(item.unit, item.label)
    if change is None:
        # A label the project's scheme does not have (only an earlier version did): judged
        # by the new scheme alone, under the same id.
        new_set = _labels_of(diff.new, item.unit)
        if new_set is None or item.label not in {label.id for label in new_set.labels}:
            return ItemPlan(item, BLOCKED, item.label, item.attributes)
        return _judge(diff, item, new_set.label(item.label), dict(item.attributes))
    if change.new is None:
        return ItemPlan(item, BLOCKED, item.label, item.attributes)
    values: dict[str, Any] = {}
    lost: list[str] = []
    for key, value in item.attributes.items():
        attribute = change.attribute(key)
        if attribute is None or attribute.new is None:
            lost.append(key)
        else:
            values[attribute.new.id] = _convert(attribute, value)
    if lost:
        return ItemPlan(item, BLOCKED, item.label, item.attributes, tuple(lost))
    return _judge(diff, item, change.new, values)


def _judge(diff: SchemeDiff, item: Item, label: Label, values: dict[str, Any]) -> ItemPlan:
    """The outcome of an item that becomes ``label`` with ``values`` in the new scheme."""
    reasons: list[str] = []
    invalid: list[str] = []
    defined = {attribute.id: attribute for attribute in label.attributes}
    for key, value in values.items():
        attribute = defined.get(key)
        if attribute is None:
            reasons.append(f"{key} is not an attribute of {label.id}")
        elif _value_error(attribute.type, attribute.choices, value) is not None:
            invalid.append(key)
            reasons.append(f"{key}: {_value(value)} is not a value it takes now")
    missing = [
        a.id for a in label.attributes if a.required and a.default is None and _unset(values, a.id)
    ]
    if missing:
        reasons.append(f"lacks required {', '.join(missing)}")
    if label.deprecated:
        reasons.append("label deprecated")
    new_set = _labels_of(diff.new, item.unit)
    if (
        item.unit is not None
        and new_set is not None
        and getattr(new_set, "selectable", "any") == "leaves"
        and new_set.children(label.id)
    ):
        reasons.append("label now groups other codes")
    rewritten = label.id != item.label or values != dict(item.attributes)
    outcome = REVIEW if reasons else MIGRATED if rewritten else UNCHANGED
    return ItemPlan(item, outcome, label.id, values, tuple(reasons), tuple(invalid))


def _unset(values: Mapping[str, Any], key: str) -> bool:
    value = values.get(key)
    return value is None or (isinstance(value, (list, tuple)) and not value)


def _renamed(change: AttributeChange, value: Any) -> Any:
    """A value with its renamed choices renamed (anything else as it was)."""
    if isinstance(value, str):
        return change.choice_map.get(value, value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return sorted(change.choice_map.get(v, v) for v in value)
    return value


def _convert(change: AttributeChange, value: Any) -> Any:
    """The value in the new version of its attribute: renamed choices renamed, a choice
    turned into a one-choice set or back. A value the new attribute does not take stays as
    it was (renamed choices renamed): never dropped, for the reviewer to decide."""
    assert change.new is not None
    new = change.new
    value = _renamed(change, value)
    converted = value
    if change.old is not None and change.old.type != new.type:
        if new.type == "multichoice" and isinstance(value, str):
            converted = [value]  # a choice is a one-choice set
        elif change.old.type == "multichoice" and isinstance(value, list) and len(value) == 1:
            converted = value[0]  # a set of one choice is that choice
    if _value_error(new.type, new.choices, converted) is not None:
        return value
    return sorted(converted) if new.type == "multichoice" else converted
