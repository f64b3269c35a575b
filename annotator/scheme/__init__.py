"""Label schemes: a YAML file -> validated, frozen dataclasses.

A scheme file (format version 1) is a YAML mapping::

    name: political-interview      # slug: [a-z0-9][a-z0-9_-]*
    version: 1                     # positive integer; bump it when a label's meaning changes
    description: ...               # optional
    settings:                      # optional; defaults shown
      allow_overlap: true          # spans of different labels may cross each other
      allow_nesting: true          # a span may lie entirely inside another
      same_label_overlap: merge    # merge | refuse
      snap: word                   # character | word | sentence | turn
    labels:                        # non-empty list
      - id: quote                  # slug, unique
        name: Quote                # optional display name (default: from the id)
        hotkey: t                  # optional; one visible character, unique, not in RESERVED_KEYS
                                   # (a key only the review screen uses gives a warning)
        color: "#4c9be8"           # "#rgb", "#rrggbb" or a CSS colour name; stored as "#rrggbb"
        description: ...           # guideline text shown on "?"
        examples: {positive: [...], negative: [...]}
        parent: null               # optional id of another label; any depth, no cycles
        deprecated: false          # kept readable and exportable, no longer offered
        renamed_from: null         # optional: the id it had in the version before (upgrades)
        attributes:                # optional list
          - {id: form, type: choice, choices: [direct, indirect], required: false, default: null}
          # renamed_from: old id (as a label's); renamed_choices: {old: new} (choice types)
    units:                         # optional: codes for whole units, one per unit and annotator
      question:                    # question | document
        description: ...           # the coding procedure, shown on "?"
        selectable: leaves         # leaves (a code is a label without children) | any
        labels: [...]              # as the span labels: hierarchy, hotkeys, attributes, ...
    crosswalk:                     # optional: where other schemes' categories go in this one
      clarity:                     # the other scheme's name (a slug)
        explicit: question:reply   # its category id -> an id here (see below)
        dodging: deflection.kind=dodges

Attribute types are ``choice`` (needs ``choices``), ``boolean``, ``text``, ``number`` and
``multichoice`` (needs ``choices``; a value is a set of them, stored as a sorted list, and its
``default`` a list).
A unit's hotkeys are unique within the unit (the app reads them only in the coding pass), and
each leaf's parent is declared, never derived from its id: the agreement and exports give
every code at each level of its hierarchy.
An optional key whose value is empty (``null``) means "use the default".

``renamed_from`` and ``renamed_choices`` tell ``annotator scheme upgrade`` (:mod:`.diff`)
what the version before called a label, an attribute or a choice, so that stored spans and
codes are rewritten rather than lost. The file alone is checked for what it can tell: a
``renamed_from`` names no label (attribute) still present, and no two are renamed from one;
each old choice is no longer a choice, and each is renamed to one of the choices, one to one.

A crosswalk maps categories of another scheme to ids of this one, many to one (several
categories may share an id). An id is ``<label>`` (a span label), ``<label>.<attribute>=
<choice>`` (a choice of its choice or multichoice attribute), or either of them after
``<unit kind>:`` for a unit's code (``question:reply``, ``question:non_reply.categories=
ignores``). Each id must exist in this scheme; the other scheme is not read, so a project
that bundles both should test that the categories listed are its own.

:func:`validate_scheme` reports every problem in one pass, each at the line and column of the
offending YAML node, so a scheme author can fix a file in one go: errors, which stop the
scheme loading, and warnings, which do not. :attr:`Scheme.hash` is the
SHA-256 of the scheme's canonical JSON (see :func:`canonical_json`): comments, formatting and
equivalent spellings (``"#fff"`` vs ``"#ffffff"``, an omitted default vs the default written
out) do not change it; any change of content does.

The data types are in :mod:`.model`, the checker in :mod:`.validate`, the colour names in
:mod:`.colors`; everything public is importable from here.
"""

from ..model import UNIT_KINDS
from .colors import CSS_COLORS
from .model import (
    ATTRIBUTE_TYPES,
    CROSSWALK_ID,
    SAME_LABEL_OVERLAP,
    SELECTABLE,
    SNAP_UNITS,
    Attribute,
    Examples,
    Label,
    LabelSet,
    Scheme,
    Settings,
    Unit,
    canonical_json,
)
from .validate import (
    RESERVED_KEYS,
    Problem,
    SchemeError,
    load_scheme,
    load_scheme_file,
    validate_scheme,
)

__all__ = [
    "ATTRIBUTE_TYPES",
    "CROSSWALK_ID",
    "CSS_COLORS",
    "RESERVED_KEYS",
    "SAME_LABEL_OVERLAP",
    "SELECTABLE",
    "SNAP_UNITS",
    "UNIT_KINDS",
    "Attribute",
    "Examples",
    "Label",
    "LabelSet",
    "Problem",
    "Scheme",
    "SchemeError",
    "Settings",
    "Unit",
    "canonical_json",
    "load_scheme",
    "load_scheme_file",
    "validate_scheme",
]
