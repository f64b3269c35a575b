"""Tests for annotator.scheme: the scheme format, its validator and the bundled scheme."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from annotator.errors import AnnotatorError, InvalidValue, UnknownItem
from annotator.resources import default_scheme_path, schemes_dir
from annotator.scheme import (
    ATTRIBUTE_TYPES,
    CSS_COLORS,
    RESERVED_KEYS,
    SAME_LABEL_OVERLAP,
    SNAP_UNITS,
    Attribute,
    Problem,
    Scheme,
    SchemeError,
    Settings,
    load_scheme,
    load_scheme_file,
    validate_scheme,
)

FIXTURES = Path(__file__).parent / "fixtures" / "schemes"


def problems(text: str) -> list[Problem]:
    return validate_scheme(textwrap.dedent(text).lstrip("\n"), "s.yaml")


def only(text: str) -> Problem:
    found = problems(text)
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


def at(problem: Problem) -> tuple[int, int]:
    return problem.line, problem.column


def scheme(text: str) -> Scheme:
    return load_scheme(textwrap.dedent(text).lstrip("\n"), "s.yaml")


# A valid scheme the error tests below change one line of (line numbers are 1-based).
VALID = """
name: test
version: 1
labels:
  - id: quote
    hotkey: t
    color: "#4c9be8"
"""


def test_valid_scheme_has_no_problems() -> None:
    assert problems(VALID) == []


# -- YAML-level problems -------------------------------------------------------------------


def test_yaml_syntax_error_is_the_only_problem_reported() -> None:
    problem = only(
        """
        name: Not A Slug
        version: one
        labels:
          - id: quote
            description: this: breaks
        """
    )
    assert at(problem) == (5, 22)
    assert "YAML syntax error" in problem.message
    assert "quotes" in problem.message  # says how to fix it


def test_tab_indentation_is_explained() -> None:
    problem = only("name: x\nlabels:\n\t- id: a\n")
    assert at(problem) == (3, 1)
    assert "use spaces" in problem.message


def test_empty_file() -> None:
    for text in ("", "\n", "# only a comment\n"):
        problem = only(text)
        assert at(problem) == (1, 1)
        assert "empty" in problem.message


def test_top_level_must_be_a_mapping() -> None:
    problem = only("- id: quote\n  color: red\n")
    assert at(problem) == (1, 1)
    assert "must be a mapping" in problem.message
    assert "not a list" in problem.message


def test_duplicate_mapping_key() -> None:
    problem = only(
        """
        name: test
        version: 1
        labels:
          - id: quote
            color: red
            color: blue
        """
    )
    assert at(problem) == (6, 5)
    assert 'duplicate key "color" (first given on line 5)' in problem.message


def test_duplicate_top_level_key() -> None:
    problem = only("name: a\nversion: 1\nname: b\nlabels: [{id: x, color: red}]\n")
    assert at(problem) == (3, 1)
    assert 'duplicate key "name"' in problem.message


# -- unknown keys, at every level ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "phrase"),
    [
        (
            VALID + "lables: []\n",
            (7, 1),
            'unknown key "lables" in the scheme (did you mean "labels"?)',
        ),
        (
            VALID + "settings:\n  snapping: word\n",
            (8, 3),
            'unknown key "snapping" in settings (did you mean "snap"?)',
        ),
        (
            VALID + "    colour: red\n",
            (7, 5),
            'unknown key "colour" in label "quote" (did you mean "color"?)',
        ),
        (VALID + "    key: q\n", (7, 5), 'did you mean "hotkey"?'),
        (
            VALID + "    examples:\n      positives: [a]\n",
            (8, 7),
            'unknown key "positives" in examples of label "quote" (did you mean "positive"?)',
        ),
        (
            VALID + "    attributes:\n      - {id: form, type: text, requried: true}\n",
            (8, 32),
            'unknown key "requried" in attribute "form" of label "quote" '
            '(did you mean "required"?)',
        ),
    ],
)
def test_unknown_key(text: str, position: tuple[int, int], phrase: str) -> None:
    problem = only(text)
    assert at(problem) == position
    assert phrase in problem.message


def test_unknown_key_without_a_close_match_lists_the_allowed_keys() -> None:
    problem = only(VALID + "zzz: 1\n")
    assert "the allowed keys are: name, version, description, settings, labels" in problem.message


# -- missing required fields (reported at the parent mapping) ------------------------------


def test_missing_top_level_fields() -> None:
    found = problems("# comment\ndescription: nothing else\n")
    assert [at(p) for p in found] == [(2, 1)] * 3
    assert "the scheme is missing the required key name:" in found[0].message
    assert "the scheme is missing the required key version:" in found[1].message
    assert "the scheme is missing the required key labels:" in found[2].message


def test_missing_label_id_and_color() -> None:
    found = problems(
        """
        name: test
        version: 1
        labels:
          - id: quote
            color: red
          - name: Deflection
            hotkey: d
        """
    )
    assert [at(p) for p in found] == [(6, 5), (6, 5)]
    assert "label 2 is missing the required key id:" in found[0].message
    assert "is missing the required key color:" in found[1].message


def test_required_key_with_empty_value() -> None:
    problem = only("name: test\nversion:\nlabels: [{id: a, color: red}]\n")
    assert at(problem) == (1, 1)
    assert "has no value for the required key version:" in problem.message


def test_missing_attribute_id_type_and_choices() -> None:
    found = problems(
        VALID
        + """
    attributes:
      - type: text
      - id: form
      - id: kind
        type: choice
"""
    )
    assert [at(p) for p in found] == [(9, 9), (10, 9), (11, 9)]
    assert 'attribute 1 of label "quote" is missing the required key id:' in found[0].message
    assert 'attribute "form" of label "quote" is missing the required key type:' in found[1].message
    assert "missing the required key choices:" in found[2].message


# -- wrong types ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "position", "phrase"),
    [
        (
            "version: 1",
            'version: "one"',
            (2, 10),
            'version must be a whole number such as 1, not the text "one"',
        ),
        ("version: 1", "version: 0", (2, 10), "version must be between 1 and"),
        ("version: 1", "version: true", (2, 10), "not the boolean true"),
        (
            "hotkey: t",
            "hotkey: 12",
            (5, 13),
            "hotkey must be a single character, not the number 12",
        ),
        ("hotkey: t", "hotkey: [t]", (5, 13), "hotkey must be a single character, not a list"),
        ("name: test", "name: [test]", (1, 7), "name must be text, not a list"),
        (
            'color: "#4c9be8"',
            'color: "#4c9be8"\n    deprecated: "yes"',
            (7, 17),
            "deprecated must be true or false",
        ),
        (
            'color: "#4c9be8"',
            'color: "#4c9be8"\n    description: {a: b}',
            (7, 18),
            "description must be text, not a mapping",
        ),
    ],
)
def test_wrong_type(old: str, new: str, position: tuple[int, int], phrase: str) -> None:
    problem = only(VALID.replace(old, new))
    assert at(problem) == position
    assert phrase in problem.message


def test_labels_must_be_a_non_empty_list() -> None:
    problem = only("name: test\nversion: 1\nlabels:\n  quote: {color: red}\n")
    assert at(problem) == (4, 3)
    assert "labels must be a list" in problem.message
    problem = only("name: test\nversion: 1\nlabels: []\n")
    assert at(problem) == (3, 9)
    assert "list at least one label" in problem.message


def test_label_must_be_a_mapping() -> None:
    problem = only("name: test\nversion: 1\nlabels:\n  - quote\n")
    assert at(problem) == (4, 5)
    assert 'label 1 must be a mapping with id:, color: and so on, not the text "quote"' in (
        problem.message
    )


def test_yaml_boolean_where_text_is_expected_suggests_quotes() -> None:
    problem = only(VALID + "    examples:\n      negative: [no]\n")
    assert at(problem) == (8, 18)
    assert "each negative example must be text, not the boolean false" in problem.message
    assert 'put it in quotes: "no"' in problem.message


def test_slug_fields() -> None:
    problem = only(VALID.replace("name: test", "name: Test Scheme"))
    assert at(problem) == (1, 7)
    assert "must be a slug" in problem.message
    assert 'for example "test-scheme"' in problem.message
    problem = only(VALID.replace("id: quote", "id: Quote"))
    assert at(problem) == (4, 9)
    assert 'label id "Quote" must be a slug' in problem.message


# -- labels: uniqueness, hotkeys, colours, hierarchy ---------------------------------------


def test_duplicate_label_id() -> None:
    problem = only(VALID + "  - id: quote\n    color: red\n")
    assert at(problem) == (7, 9)
    assert 'duplicate label id "quote": the label on line 4 already has it' in problem.message


def test_duplicate_attribute_id() -> None:
    problem = only(
        VALID
        + "    attributes:\n      - {id: form, type: text}\n      - {id: form, type: number}\n"
    )
    assert at(problem) == (9, 14)
    assert 'duplicate attribute id "form" in label "quote" (first on line 8)' in problem.message


def test_duplicate_hotkey_names_both_labels() -> None:
    problem = only(VALID + "  - id: other\n    hotkey: t\n    color: red\n")
    assert at(problem) == (8, 13)
    assert 'duplicate hotkey \'t\': label "other" and label "quote" (line 5) both use it' in (
        problem.message
    )


def test_reserved_hotkey() -> None:
    problem = only(VALID.replace("hotkey: t", "hotkey: j"))
    assert at(problem) == (5, 13)
    assert problem.severity == "error"
    assert problem.message == "hotkey 'j' is reserved for \"Down a row\"; choose another key"


@pytest.mark.parametrize("hotkey", ["V", "a", "r", "q", "?"])
def test_keys_kept_for_the_app_and_suggestions_stay_reserved(hotkey: str) -> None:
    problem = only(VALID.replace("hotkey: t", f'hotkey: "{hotkey}"'))
    assert problem.severity == "error" and "is reserved for" in problem.message


def test_review_only_hotkey_is_a_warning_and_the_scheme_loads() -> None:
    text = VALID.replace("hotkey: t", 'hotkey: "1"')
    problem = only(text)
    assert at(problem) == (5, 13)
    assert problem.severity == "warning"
    assert problem.message == (
        "hotkey '1' means \"Accept a version\" on the review screen; there this label is "
        "tagged from the command palette (:)"
    )
    assert str(problem) == f"s.yaml:5:13: warning: {problem.message}"
    assert scheme(text).label("quote").hotkey == "1"


def test_warnings_and_errors_are_reported_together_in_line_order() -> None:
    text = VALID.replace("hotkey: t", "hotkey: M") + "  - {id: b, hotkey: j, color: red}\n"
    found = problems(text)
    assert [(at(p), p.severity) for p in found] == [((5, 13), "warning"), ((7, 21), "error")]
    with pytest.raises(SchemeError) as caught:
        scheme(text)
    assert caught.value.problems == found[1:]  # a refused scheme lists its errors only


@pytest.mark.parametrize(
    ("hotkey", "phrase"),
    [('"tt"', "exactly one character"), ('""', "exactly one character"), ('" "', "whitespace")],
)
def test_bad_hotkey(hotkey: str, phrase: str) -> None:
    problem = only(VALID.replace("hotkey: t", f"hotkey: {hotkey}"))
    assert at(problem) == (5, 13)
    assert phrase in problem.message


def test_hotkeys_are_case_sensitive_and_may_be_digits() -> None:
    loaded = scheme(
        VALID
        + '  - id: other\n    hotkey: T\n    color: red\n  - {id: x, hotkey: "1", color: red}\n'
    )
    assert loaded.by_hotkey("t").id == "quote"
    assert loaded.by_hotkey("T").id == "other"
    assert loaded.by_hotkey("1").id == "x"


def test_invalid_colour() -> None:
    problem = only(VALID.replace('"#4c9be8"', "ornage"))
    assert at(problem) == (6, 12)
    assert 'color "ornage" is not a colour this app knows (did you mean "orange"?)' in (
        problem.message
    )
    assert '"#rgb", "#rrggbb" or a lower-case CSS colour name' in problem.message
    for bad in ('"#12"', '"#12345g"', "bright_red", '"rgb(1,2,3)"'):
        assert "is not a colour" in only(VALID.replace('"#4c9be8"', bad)).message


@pytest.mark.parametrize(
    ("written", "stored"),
    [('"#4C9BE8"', "#4c9be8"), ('"#abc"', "#aabbcc"), ("orange", "#ffa500"), ("grey", "#808080")],
)
def test_colours_are_normalised(written: str, stored: str) -> None:
    assert scheme(VALID.replace('"#4c9be8"', written)).labels[0].color == stored


def test_unknown_parent() -> None:
    problem = only(VALID + "  - id: other\n    color: red\n    parent: qoute\n")
    assert at(problem) == (9, 13)
    assert 'parent "qoute" of label "other" is not a label in this scheme' in problem.message
    assert 'did you mean "quote"?' in problem.message


def test_parent_cycle_is_named() -> None:
    found = problems(
        VALID
        + """
  - id: a
    parent: b
    color: red
  - id: b
    parent: a
    color: red
  - id: c
    parent: c
    color: red
  - id: d
    parent: a
    color: red
"""
    )
    assert [at(p) for p in found] == [(9, 13), (15, 13)]
    assert 'label "a" is its own ancestor (a -> b -> a)' in found[0].message
    assert 'label "c" is its own ancestor (c -> c)' in found[1].message
    assert "break the cycle" in found[0].message


# -- attribute definitions -----------------------------------------------------------------


def attribute_problem(definition: str) -> Problem:
    return only(VALID + "    attributes:\n      - " + definition + "\n")


def test_unknown_attribute_type() -> None:
    problem = attribute_problem("{id: kind, type: enum, choices: [a]}")
    assert at(problem) == (8, 26)
    assert 'unknown attribute type "enum" (did you mean "choice"?)' in problem.message
    assert "use one of: choice, boolean, text, number" in problem.message
    assert 'did you mean "boolean"?' in attribute_problem("{id: kind, type: bool}").message
    assert 'did you mean "number"?' in attribute_problem("{id: kind, type: numbr}").message


def test_choices_empty_duplicated_or_not_a_list() -> None:
    problem = attribute_problem("{id: kind, type: choice, choices: []}")
    assert at(problem) == (8, 43)
    assert "choices is empty" in problem.message
    problem = attribute_problem("{id: kind, type: choice, choices: [a, b, a]}")
    assert at(problem) == (8, 50)
    assert 'duplicate choice "a" (first on line 8)' in problem.message
    problem = attribute_problem("{id: kind, type: choice, choices: a}")
    assert "choices must be a list" in problem.message


def test_choices_for_a_non_choice_type() -> None:
    problem = attribute_problem("{id: kind, type: text, choices: [a, b]}")
    assert at(problem) == (8, 32)
    assert "choices are only for type choice" in problem.message


@pytest.mark.parametrize(
    ("definition", "phrase"),
    [
        (
            "{id: k, type: choice, choices: [a, b], default: c}",
            'default "c" is not one of the choices',
        ),
        ("{id: k, type: boolean, default: 1}", "must be true or false, not the number 1"),
        ("{id: k, type: number, default: '3'}", 'must be a number, not the text "3"'),
        ("{id: k, type: number, default: true}", "must be a number, not the boolean true"),
        ("{id: k, type: number, default: .nan}", "must be finite"),
        (
            "{id: k, type: text, default: 2024}",
            "not the number 2024; to use it as text, put it in quotes",
        ),
    ],
)
def test_bad_default(definition: str, phrase: str) -> None:
    problem = attribute_problem(definition)
    assert problem.line == 8
    assert phrase in problem.message


def test_required_with_default_is_fine() -> None:
    loaded = scheme(
        VALID
        + "    attributes:\n"
        + "      - {id: k, type: choice, choices: [a, b], required: true, default: b}\n"
    )
    attribute = loaded.label("quote").attribute("k")
    assert (attribute.required, attribute.default, attribute.choices) == (True, "b", ("a", "b"))


# -- settings ------------------------------------------------------------------------------


def test_settings_defaults() -> None:
    assert scheme(VALID).settings == Settings(True, True, "merge", "word")


def test_settings_values() -> None:
    loaded = scheme(
        VALID + "settings:\n  allow_overlap: false\n  same_label_overlap: refuse\n  snap: turn\n"
    )
    assert loaded.settings == Settings(False, True, "refuse", "turn")


def test_unknown_snap_unit_and_overlap_policy() -> None:
    found = problems(VALID + "settings:\n  snap: token\n  same_label_overlap: join\n")
    assert [at(p) for p in found] == [(8, 9), (9, 23)]
    assert 'snap "token" is not allowed' in found[0].message
    assert "use one of: character, word, sentence, turn" in found[0].message
    assert "use one of: merge, refuse" in found[1].message


# -- everything at once --------------------------------------------------------------------


def test_several_errors_are_all_reported_in_line_order() -> None:
    found = validate_scheme((FIXTURES / "broken.yaml").read_text(), "broken.yaml")
    assert [at(p) for p in found] == [
        (2, 7),  # name is not a slug
        (3, 10),  # version is text
        (5, 9),  # unknown snap unit
        (7, 5),  # first label has no color (it says colour)
        (8, 13),  # reserved hotkey
        (9, 5),  # unknown key colour
        (10, 9),  # duplicate label id
        (12, 12),  # bad colour
        (13, 13),  # unknown parent
        (16, 15),  # unknown attribute type
    ]
    assert str(found[0]).startswith("broken.yaml:2:7: ")
    with pytest.raises(SchemeError) as caught:
        load_scheme_file(FIXTURES / "broken.yaml")
    assert caught.value.problems[0].source.endswith("broken.yaml")
    assert len(str(caught.value).splitlines()) == len(found)


def test_problem_str() -> None:
    assert str(Problem("a.yaml", 3, 7, "bad")) == "a.yaml:3:7: bad"
    assert str(Problem("a.yaml", 3, 7, "odd", "warning")) == "a.yaml:3:7: warning: odd"


def test_scheme_errors_are_annotator_errors() -> None:
    with pytest.raises(AnnotatorError):
        scheme("name: x\n")


# -- files ---------------------------------------------------------------------------------


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(SchemeError) as caught:
        load_scheme_file(tmp_path / "missing.yaml")
    [problem] = caught.value.problems
    assert at(problem) == (1, 1)
    assert problem.source.endswith("missing.yaml")
    assert "cannot read the scheme file" in problem.message


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(SchemeError) as caught:
        load_scheme_file(path)
    [problem] = caught.value.problems
    assert at(problem) == (1, 1)
    assert "not valid UTF-8" in problem.message


def test_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + textwrap.dedent(VALID).encode())
    assert load_scheme_file(path).name == "test"


# -- the bundled scheme --------------------------------------------------------------------


def test_bundled_scheme_loads_without_problems() -> None:
    path = default_scheme_path()
    assert validate_scheme(path.read_text(encoding="utf-8"), str(path)) == []
    loaded = load_scheme_file(path)
    assert loaded.name == "political-interview"
    assert loaded.version == 2
    assert loaded.settings == Settings(True, True, "merge", "word")
    assert [label.id for label in loaded.labels] == [
        "quote",
        "deflection",
        "commitment",
        "criticism",
    ]
    hotkeys = [label.hotkey for label in loaded.labels]
    assert None not in hotkeys
    assert len(set(hotkeys)) == 4
    assert not set(hotkeys) & set(RESERVED_KEYS)
    assert len({label.color for label in loaded.labels}) == 4
    for label in loaded.labels:
        assert "Boundaries:" in label.description and "Confusable with:" in label.description
        assert label.examples.positive and label.examples.negative
    assert "Bull" in loaded.description


def test_bundled_scheme_attributes() -> None:
    loaded = load_scheme_file(default_scheme_path())
    commitment = loaded.label("commitment")
    assert commitment.attribute("specificity").choices == ("specific", "vague")
    assert commitment.attribute("specificity").required
    assert commitment.attribute("kind").choices == ("action", "outcome")
    assert commitment.attribute("conditional").default is False
    assert commitment.attribute("timeframe").type == "text"
    assert loaded.label("criticism").attribute("basis").choices == (
        "policy", "record", "character", "competence",
    )  # fmt: skip
    assert loaded.label("criticism").attribute("target").type == "text"
    assert loaded.label("quote").attribute("form").choices == ("direct", "indirect")
    assert loaded.label("quote").attribute("source").type == "text"
    kinds = loaded.label("deflection").attribute("kind")
    assert {"declines", "claims_ignorance", "attacks_question", "attacks_interviewer"} <= set(
        kinds.choices
    )
    for choice in kinds.choices:  # every kind is defined in the attribute's description
        assert f"{choice}:" in kinds.description


def _contrast(color: str, background: str) -> float:
    def luminance(hex_color: str) -> float:
        channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(color), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_bundled_colours_read_on_dark_and_light_backgrounds() -> None:
    for label in load_scheme_file(default_scheme_path()).labels:
        # WCAG's 3:1 minimum for large text and UI components, on both terminal themes.
        assert _contrast(label.color, "#000000") >= 3, label.id
        assert _contrast(label.color, "#ffffff") >= 3, label.id


# -- hash ----------------------------------------------------------------------------------


def test_hash_ignores_comments_formatting_and_equivalent_spellings() -> None:
    base = scheme(VALID)
    reformatted = scheme(
        """
        # a comment
        name:    test   # trailing comment
        version: 1

        labels: [{id: quote, hotkey: "t", color: "#4C9BE8", deprecated: false, parent: null}]
        settings: {snap: word}
        """
    )
    assert reformatted.hash == base.hash
    assert reformatted.text != base.text
    assert len(base.hash) == 64


def test_hash_changes_with_content() -> None:
    base = scheme(VALID).hash
    assert scheme(VALID.replace("version: 1", "version: 2")).hash != base
    assert scheme(VALID + "    description: new meaning\n").hash != base
    assert scheme(VALID.replace("hotkey: t", "hotkey: y")).hash != base
    assert scheme(VALID + "  - {id: other, color: red}\n").hash != base


def test_bundled_hash_is_stable_under_comment_changes() -> None:
    text = default_scheme_path().read_text(encoding="utf-8")
    edited = "# an extra comment\n" + text.replace("\nlabels:", "\n\n\nlabels:  # the labels")
    assert load_scheme(edited).hash == load_scheme(text).hash


# -- attributes of spans -------------------------------------------------------------------


def test_check_attributes_fills_defaults() -> None:
    loaded = load_scheme_file(FIXTURES / "minimal.yaml")
    assert loaded.check_attributes("claim", {}) == {
        "checkworthy": False, "confidence": 0.5, "kind": "other",
    }  # fmt: skip
    assert loaded.check_attributes("claim", {"kind": "quantity", "rationale": "why"}) == {
        "checkworthy": False, "confidence": 0.5, "kind": "quantity", "rationale": "why",
    }  # fmt: skip
    # None means "not given": the default applies.
    assert loaded.check_attributes("claim", {"confidence": None})["confidence"] == 0.5
    assert loaded.check_attributes("evasion", {}) == {}


def test_check_attributes_refuses_bad_input() -> None:
    loaded = load_scheme_file(FIXTURES / "minimal.yaml")
    with pytest.raises(
        ValueError, match=r"label 'claim' has no attribute 'kindd' \(did you mean \"kind\"\?\)"
    ):
        loaded.check_attributes("claim", {"kindd": "other"})
    with pytest.raises(ValueError, match="attribute 'topic' of label 'pivot' is required"):
        loaded.check_attributes("pivot", {})
    with pytest.raises(ValueError, match="attribute 'kind': 'guess' is not one of"):
        loaded.check_attributes("claim", {"kind": "guess"})
    with pytest.raises(ValueError, match="attribute 'confidence': expected a number"):
        loaded.check_attributes("claim", {"confidence": "high"})
    with pytest.raises(KeyError, match="no label 'nope'"):
        loaded.check_attributes("nope", {})
    with pytest.raises(InvalidValue):
        loaded.check_attributes("claim", {"kindd": "other"})


def test_attribute_check_by_type() -> None:
    number = Attribute("n", "N", "number")
    assert number.check(3) == 3
    assert number.check(2.5) == 2.5
    for bad in (True, "3", None, float("inf")):
        with pytest.raises(ValueError, match="attribute 'n': "):
            number.check(bad)
    flag = Attribute("f", "F", "boolean")
    assert flag.check(False) is False
    with pytest.raises(ValueError):
        flag.check(0)
    text = Attribute("t", "T", "text")
    assert text.check("x") == "x"
    with pytest.raises(ValueError):
        text.check(1)
    choice = Attribute("c", "C", "choice", ("a", "b"))
    assert choice.check("b") == "b"
    with pytest.raises(ValueError, match="'z' is not one of: a, b"):
        choice.check("z")
    with pytest.raises(InvalidValue):
        choice.check("z")


# -- lookups and hierarchy -----------------------------------------------------------------


def test_hierarchy_helpers() -> None:
    loaded = load_scheme_file(FIXTURES / "minimal.yaml")
    assert [label.id for label in loaded.children("evasion")] == ["dodge"]
    assert [label.id for label in loaded.children("dodge")] == ["pivot"]
    assert loaded.children("pivot") == ()
    assert [label.id for label in loaded.ancestors("pivot")] == ["dodge", "evasion"]
    assert loaded.ancestors("evasion") == ()
    with pytest.raises(KeyError):
        loaded.children("nope")


def test_label_lookup_errors_are_helpful() -> None:
    loaded = load_scheme_file(FIXTURES / "minimal.yaml")
    with pytest.raises(KeyError, match='did you mean "claim"'):
        loaded.label("claims")
    with pytest.raises(KeyError, match="its attributes are: checkworthy"):
        loaded.label("claim").attribute("nope")
    with pytest.raises(UnknownItem) as caught:
        loaded.label("claims")
    # The message as written: KeyError's str() would quote it.
    assert str(caught.value).startswith("scheme 'minimal' (version 2) has no label 'claims'")


def test_by_hotkey_skips_deprecated_labels() -> None:
    loaded = load_scheme_file(FIXTURES / "minimal.yaml")
    assert loaded.by_hotkey("f").id == "claim"
    assert loaded.by_hotkey("y") is None  # old_claim is deprecated
    assert loaded.label("old_claim").deprecated
    assert loaded.by_hotkey("z") is None


def test_label_defaults() -> None:
    loaded = load_scheme_file(FIXTURES / "minimal.yaml")
    assert loaded.label("old_claim").name == "Old claim"
    assert loaded.label("claim").name == "Factual claim"
    evasion = loaded.label("evasion")
    assert (evasion.description, evasion.parent, evasion.attributes) == ("", None, ())
    assert evasion.examples.positive == evasion.examples.negative == ()
    assert loaded.label("pivot").color == "#aa5500"


def test_anchors_and_merge_keys() -> None:
    loaded = scheme(
        """
        name: test
        version: 1
        labels:
          - &base {id: a, color: red, attributes: &attrs [{id: n, type: number}]}
          - <<: *base
            id: b
            hotkey: b2
        """.replace("b2", '"2"')
    )
    assert loaded.label("b").color == "#ff0000"
    assert loaded.label("b").attributes == loaded.label("a").attributes


def test_problems_in_aliased_nodes_are_reported_once() -> None:
    found = problems(
        """
        name: test
        version: 1
        labels:
          - {id: a, color: red, attributes: &attrs [{id: n, type: nmber}]}
          - {id: b, color: red, attributes: *attrs}
        """
    )
    assert len(found) == 1


# -- the JSON Schema -----------------------------------------------------------------------

SCHEMA_PATH = schemes_dir() / "scheme.schema.json"


def test_json_schema_is_valid_json_and_agrees_with_the_code() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    defs = schema["$defs"]
    assert set(defs["hotkey"]["not"]["enum"]) == set(RESERVED_KEYS)
    assert set(defs["color"]["anyOf"][1]["enum"]) == set(CSS_COLORS)
    assert defs["attribute"]["properties"]["type"]["enum"] == list(ATTRIBUTE_TYPES)
    assert defs["settings"]["properties"]["snap"]["enum"][:-1] == list(SNAP_UNITS)
    assert defs["settings"]["properties"]["same_label_overlap"]["enum"][:-1] == list(
        SAME_LABEL_OVERLAP
    )
    assert (
        default_scheme_path()
        .read_text(encoding="utf-8")
        .startswith("# yaml-language-server: $schema=scheme.schema.json\n")
    )


def test_json_schema_validates_the_bundled_scheme_and_refuses_a_broken_one() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    yaml = pytest.importorskip("yaml")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    validator.check_schema(schema)
    bundled = yaml.safe_load(default_scheme_path().read_text(encoding="utf-8"))
    assert list(validator.iter_errors(bundled)) == []
    minimal = yaml.safe_load((FIXTURES / "minimal.yaml").read_text(encoding="utf-8"))
    assert list(validator.iter_errors(minimal)) == []
    broken = yaml.safe_load((FIXTURES / "broken.yaml").read_text(encoding="utf-8"))
    paths = {tuple(error.absolute_path) for error in validator.iter_errors(broken)}
    assert ("name",) in paths
    assert ("labels", 0, "hotkey") in paths


# -- boundaries ----------------------------------------------------------------------------


def test_scheme_module_does_not_import_ui_libraries() -> None:
    code = "import sys, annotator.scheme; print(sorted({'textual', 'rich'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# -- robustness ----------------------------------------------------------------------------

_MINIMAL_TEXT = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    position=st.integers(0, len(_MINIMAL_TEXT)),
    cut=st.integers(0, 40),
    insert=st.text(alphabet="-:#[]{}&*!|>'\" \n\tabcjt0123456789,", max_size=12),
)
def test_validation_never_crashes_and_agrees_with_loading(
    position: int, cut: int, insert: str
) -> None:
    text = _MINIMAL_TEXT[:position] + insert + _MINIMAL_TEXT[position + cut :]
    found = validate_scheme(text, "m.yaml")
    assert found == sorted(found, key=lambda problem: (problem.line, problem.column))
    assert all(problem.line >= 1 and problem.column >= 1 for problem in found)
    errors = [problem for problem in found if problem.severity == "error"]
    try:
        loaded = load_scheme(text, "m.yaml")
    except SchemeError as error:
        assert error.problems == errors and errors
    else:
        assert errors == []
        assert len(loaded.hash) == 64
