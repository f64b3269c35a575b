"""Unit-level codes in a scheme (``units:``): validation at line and column, the hierarchy's
levels, which labels a code may be, and the hash of schemes without units."""

from __future__ import annotations

import json

import pytest

from annotator.errors import InvalidValue, UnknownItem
from annotator.resources import schemes_dir
from annotator.scheme import load_scheme, validate_scheme

BASE = """\
name: s
version: 1
labels:
  - {id: deflection, color: orange, hotkey: d}
"""

UNITS = """\
units:
  question:
    description: Code what the answer does to the question.
    labels:
      - {id: clear_reply, color: green}
      - {id: explicit, parent: clear_reply, color: green, hotkey: "1"}
      - {id: ambivalent, color: orange}
      - {id: dodging, parent: ambivalent, color: orange, hotkey: d}
      - {id: deflection, parent: ambivalent, color: orange, hotkey: "3"}
  document:
    selectable: any
    labels:
      - {id: adversarial, color: red, hotkey: y}
"""


def test_units_load_with_their_hierarchy_and_keys() -> None:
    scheme = load_scheme(BASE + UNITS)
    question = scheme.unit("question")
    assert [label.id for label in question.labels][:2] == ["clear_reply", "explicit"]
    assert question.levels == 2
    assert question.at_level("dodging", 1) == "ambivalent"
    assert question.at_level("dodging", 2) == "dodging"
    assert question.by_hotkey("d").id == "dodging"  # a span hotkey may be a code's too
    assert scheme.unit("document").selectable == "any"
    # No review-screen warning for a unit's digit keys: review settles codes by version.
    assert validate_scheme(BASE + UNITS) == []


def test_a_code_is_a_leaf_unless_the_unit_allows_any() -> None:
    scheme = load_scheme(BASE + UNITS)
    with pytest.raises(InvalidValue, match="code with one of them: dodging, deflection"):
        scheme.unit("question").codable("ambivalent")
    assert scheme.unit("document").codable("adversarial").id == "adversarial"


def test_unknown_unit_and_label_are_refused_by_name() -> None:
    scheme = load_scheme(BASE + UNITS)
    with pytest.raises(UnknownItem, match=r"no label 'dodgin'.*did you mean \"dodging\""):
        scheme.unit("question").label("dodgin")
    with pytest.raises(UnknownItem, match="has no question codes; add a 'units:' section"):
        load_scheme(BASE).unit("question")


@pytest.mark.parametrize(
    ("units", "line", "column", "message"),
    [
        ("units:\n  questions:\n    labels: []\n", 6, 3, 'unknown key "questions" in units'),
        ("units:\n  question: [a]\n", 6, 13, "the question unit must be a mapping"),
        ("units:\n  question:\n    description: x\n", 7, 5, "missing the required key labels"),
        (
            "units:\n  question:\n    selectable: some\n    labels:\n      - {id: a, color: red}\n",
            7,
            17,
            'selectable "some" is not allowed',
        ),
        (
            "units:\n  question:\n    labels:\n      - {id: a, color: red, hotkey: z}\n"
            "      - {id: b, color: red, hotkey: z}\n",
            9,
            37,
            "duplicate hotkey 'z'",
        ),
        (
            "units:\n  question:\n    labels:\n      - {id: a, color: red, parent: c}\n",
            8,
            37,
            'parent "c" of label "a" is not a label',
        ),
        (
            "units:\n  question:\n    labels:\n      - {id: a, color: red, hotkey: u}\n",
            8,
            37,
            "hotkey 'u' is reserved",
        ),
    ],
)
def test_unit_problems_name_line_and_column(
    units: str, line: int, column: int, message: str
) -> None:
    problems = [p for p in validate_scheme(BASE + units) if p.severity == "error"]
    assert problems, units
    assert any(p.line == line and p.column == column and message in p.message for p in problems), [
        str(p) for p in problems
    ]


def test_a_scheme_without_units_keeps_its_hash() -> None:
    scheme = load_scheme(BASE)
    assert "units" not in scheme.to_dict()
    with_units = load_scheme(BASE + UNITS)
    assert with_units.hash != scheme.hash
    assert set(with_units.to_dict()["units"]) == {"question", "document"}


def test_json_schema_accepts_units_and_refuses_unknown_kinds() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    yaml = pytest.importorskip("yaml")
    schema = json.loads((schemes_dir() / "scheme.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    assert not list(validator.iter_errors(yaml.safe_load(BASE + UNITS)))
    bad = yaml.safe_load(BASE + "units:\n  questions:\n    labels: [{id: a, color: red}]\n")
    assert list(validator.iter_errors(bad))
