"""A scheme's crosswalk to other schemes (``crosswalk:``): the ids it may name, the problems
reported at line and column, the model and the hash, and the JSON Schema."""

from __future__ import annotations

import json

import pytest

from annotator.resources import schemes_dir
from annotator.scheme import SchemeError, load_scheme, validate_scheme

BASE = """\
name: s
version: 1
labels:
  - id: deflection
    color: orange
    hotkey: d
    attributes:
      - {id: kind, type: choice, choices: [declines, pivots]}
      - {id: target, type: text}
units:
  question:
    labels:
      - {id: reply, color: green, hotkey: "1"}
      - id: non_reply
        color: red
        hotkey: "2"
        attributes:
          - {id: categories, type: multichoice, choices: [ignores, declines]}
"""
FIRST = BASE.count("\n") + 1  # the line the crosswalk starts on

CROSSWALK = """\
crosswalk:
  other:
    refuses: deflection.kind=declines
    sidesteps: deflection.kind=pivots
    evasive: deflection
    answered: question:reply
    ignores: question:non_reply.categories=ignores
"""


def test_every_kind_of_id_loads_into_the_model() -> None:
    scheme = load_scheme(BASE + CROSSWALK)
    assert validate_scheme(BASE + CROSSWALK) == []
    assert dict(scheme.crosswalk["other"]) == {
        "refuses": "deflection.kind=declines",
        "sidesteps": "deflection.kind=pivots",
        "evasive": "deflection",
        "answered": "question:reply",
        "ignores": "question:non_reply.categories=ignores",
    }
    with pytest.raises(TypeError):
        scheme.crosswalk["other"]["new"] = "deflection"  # type: ignore[index]
    assert hash(scheme) == hash(load_scheme(BASE + CROSSWALK))  # still a frozen value


def test_the_hash_covers_the_crosswalk_only_when_there_is_one() -> None:
    without = load_scheme(BASE)
    assert "crosswalk" not in without.to_dict()  # so schemes without one keep their hash
    assert without.crosswalk == {}
    scheme = load_scheme(BASE + CROSSWALK)
    assert scheme.to_dict()["crosswalk"] == {"other": dict(scheme.crosswalk["other"])}
    assert scheme.hash != without.hash
    lines = CROSSWALK.splitlines()
    reordered = "\n".join([*lines[:2], *reversed(lines[2:])]) + "\n"
    assert load_scheme(BASE + reordered).hash == scheme.hash  # order is not content
    changed = CROSSWALK.replace("kind=pivots", "kind=declines")
    assert load_scheme(BASE + changed).hash != scheme.hash


@pytest.mark.parametrize(
    ("crosswalk", "line", "column", "message"),
    [
        ("crosswalk: [a]\n", 0, 12, "crosswalk must be a mapping of other schemes' names"),
        ("crosswalk:\n  Other:\n    a: deflection\n", 1, 3, 'scheme name "Other" in crosswalk'),
        ("crosswalk:\n  other: deflection\n", 1, 10, 'the crosswalk to "other" must be a map'),
        ("crosswalk:\n  other: {}\n", 1, 10, 'the crosswalk to "other" is empty'),
        ("crosswalk:\n  other:\n    a: [deflection]\n", 2, 8, "must be text, not a list"),
        ("crosswalk:\n  other:\n    a: deflection.kind\n", 2, 8, "is not an id of this scheme"),
        ("crosswalk:\n  other:\n    a: Deflection\n", 2, 8, "is not an id of this scheme"),
        (
            "crosswalk:\n  other:\n    a: questions:reply\n",
            2,
            8,
            '"questions" is not a unit kind (did you mean "question"?)',
        ),
        (
            "crosswalk:\n  other:\n    a: question:replied\n",
            2,
            8,
            'no question code "replied" in this scheme (did you mean "reply"?)',
        ),
        (
            "crosswalk:\n  other:\n    a: deflektion\n",
            2,
            8,
            'no span label "deflektion" in this scheme (did you mean "deflection"?)',
        ),
        (
            "crosswalk:\n  other:\n    a: deflection.kinds=pivots\n",
            2,
            8,
            'span label "deflection" has no attribute "kinds" (did you mean "kind"?)',
        ),
        (
            "crosswalk:\n  other:\n    a: deflection.target=x\n",
            2,
            8,
            'attribute "target" of span label "deflection" is of type text',
        ),
        (
            "crosswalk:\n  other:\n    a: deflection.kind=pivot\n",
            2,
            8,
            '"pivot" is not a choice of attribute "kind" of span label "deflection" (did you '
            'mean "pivots"?)',
        ),
        (
            "crosswalk:\n  other:\n    a: question:non_reply.categories=ignored\n",
            2,
            8,
            '"ignored" is not a choice of attribute "categories" of question code "non_reply"',
        ),
        (
            "crosswalk:\n  other:\n    a: deflection\n    a: question:reply\n",
            3,
            5,
            'duplicate key "a"',
        ),
    ],
)
def test_problems_name_line_and_column(
    crosswalk: str, line: int, column: int, message: str
) -> None:
    text = BASE + crosswalk
    problems = validate_scheme(text)
    assert any(
        (p.line, p.column) == (FIRST + line, column) and message in p.message for p in problems
    ), [str(p) for p in problems]
    assert all(p.severity == "error" for p in problems)
    with pytest.raises(SchemeError):
        load_scheme(text)


def test_a_unit_code_needs_the_unit() -> None:
    text = BASE.split("units:")[0] + "crosswalk:\n  other:\n    a: document:reply\n"
    [problem] = validate_scheme(text)
    assert (problem.line, problem.column) == (12, 8)
    assert "this scheme has no document codes; add them under units: document:" in problem.message


def test_a_broken_label_is_reported_once_not_again_by_the_crosswalk() -> None:
    # The attribute's choices are wrong; the crosswalk cannot be checked against them and
    # says nothing more.
    text = BASE.replace("choices: [declines, pivots]", "choices: declines") + CROSSWALK
    [problem] = validate_scheme(text)
    assert problem.line == 8 and "choices must be a list" in problem.message


def test_json_schema_accepts_a_crosswalk_and_refuses_a_malformed_one() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    yaml = pytest.importorskip("yaml")
    schema = json.loads((schemes_dir() / "scheme.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    assert not list(validator.iter_errors(yaml.safe_load(BASE + CROSSWALK)))
    for bad in (
        "crosswalk:\n  Other: {a: deflection}\n",  # not a slug
        "crosswalk:\n  other: {}\n",  # empty
        "crosswalk:\n  other: {a: deflection.kind}\n",  # no choice
        "crosswalk:\n  other: {a: 'question:'}\n",  # no code
        "crosswalk:\n  other: {a: [deflection]}\n",  # not text
    ):
        assert list(validator.iter_errors(yaml.safe_load(BASE + bad))), bad
