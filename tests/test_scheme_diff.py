"""Comparing scheme versions and planning an upgrade (annotator/scheme/diff.py), and the
upgrade hints in a scheme file: renamed_from and renamed_choices (validate.py, the JSON
Schema)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from annotator.resources import schemes_dir
from annotator.scheme import Scheme, load_scheme, load_scheme_file, validate_scheme
from annotator.scheme.diff import (
    BLOCKED,
    MIGRATED,
    REVIEW,
    UNCHANGED,
    Item,
    diff_schemes,
    plan_upgrade,
    version_problem,
)

OLD = """
name: study
version: 1
labels:
  - id: quote
    color: blue
    attributes:
      - {id: form, type: choice, choices: [direct, indirect]}
      - {id: source, type: text}
  - id: deflection
    color: orange
    attributes:
      - {id: kind, type: multichoice, choices: [declines, attacks, ignores]}
  - id: criticism
    color: red
  - id: commitment
    color: green
  - id: group
    color: gray
  - id: member
    color: gray
    parent: group
units:
  question:
    labels:
      - {id: reply, color: green}
      - {id: dodge, color: red}
"""


def scheme(text: str) -> Scheme:
    return load_scheme(textwrap.dedent(text).lstrip("\n"), "s.yaml")


def edited(*replacements: tuple[str, str], version: int = 2) -> Scheme:
    """OLD at a new version, with (old text, new text) replaced, each exactly once."""
    text = OLD.replace("version: 1", f"version: {version}")
    for before, after in replacements:
        assert text.count(before) == 1, before
        text = text.replace(before, after)
    return scheme(text)


def change(old: Scheme, new: Scheme, label: str, unit: str | None = None) -> Any:
    found = diff_schemes(old, new).by_old(unit, label)
    assert found is not None
    return found


def plan_of(new: Scheme, *items: Item) -> list[Any]:
    return list(plan_upgrade(diff_schemes(scheme(OLD), new), items).items)


def span(label: str, **attributes: Any) -> Item:
    return Item(1, None, label, attributes)


# -- the comparison ------------------------------------------------------------------------


def test_an_identical_scheme_has_no_changes() -> None:
    diff = diff_schemes(scheme(OLD), edited())
    assert diff.changed == [] and diff.settings == () and diff.units == () and not diff.problems
    assert all(diff.same_definition(None, label.id) for label in scheme(OLD).labels)


def test_labels_added_removed_and_renamed() -> None:
    old = scheme(OLD)
    new = edited(
        ("  - id: criticism\n", "  - id: critique\n    renamed_from: criticism\n"),
        ("  - id: commitment\n    color: green\n", "  - id: pledge\n    color: green\n"),
    )
    diff = diff_schemes(old, new)
    by_status = {c.status: [] for c in diff.labels}
    for c in diff.labels:
        by_status[c.status].append(c.name)
    assert by_status["renamed"] == ["criticism → critique"]
    assert by_status["added"] == ["pledge"]
    assert by_status["removed"] == ["commitment"]
    assert change(old, new, "criticism").new_id == "critique"
    # A renamed label's spans are rewritten, never compared as they were.
    assert not diff.same_definition(None, "criticism")


def test_a_renamed_from_left_over_from_an_earlier_upgrade_is_ignored() -> None:
    v2 = edited(("  - id: criticism\n", "  - id: critique\n    renamed_from: criticism\n"))
    v3 = scheme(v2.text.replace("version: 2", "version: 3"))
    diff = diff_schemes(v2, v3)
    assert diff.changed == [] and not diff.problems


def test_renaming_onto_a_label_that_is_still_there_is_a_merge_and_refused() -> None:
    new = edited(
        ("  - id: criticism\n    color: red\n", ""),
        ("  - id: commitment\n", "  - id: commitment\n    renamed_from: criticism\n"),
    )
    diff = diff_schemes(scheme(OLD), new)
    assert len(diff.problems) == 1
    assert "merging two labels is not an upgrade" in diff.problems[0]
    assert "'commitment' is renamed from 'criticism'" in diff.problems[0]


def test_attribute_changes_are_listed() -> None:
    old = scheme(OLD)
    new = edited(
        (
            "      - {id: form, type: choice, choices: [direct, indirect]}\n"
            "      - {id: source, type: text}\n",
            "      - {id: form, type: choice, choices: [direct, reported, mixed], "
            "renamed_choices: {indirect: reported}, required: true}\n"
            "      - {id: origin, type: text, renamed_from: source}\n"
            "      - {id: verbatim, type: boolean}\n",
        ),
        (
            "{id: kind, type: multichoice, choices: [declines, attacks, ignores]}",
            "{id: kind, type: choice, choices: [declines, attacks]}",
        ),
    )
    quote = change(old, new, "quote")
    assert quote.status == "changed"
    assert "attribute form: choices renamed: indirect → reported" in quote.changes
    assert "attribute form: choices added: mixed" in quote.changes
    assert "attribute form: now required" in quote.changes
    assert "attribute origin: renamed from source" in quote.changes
    assert "attribute verbatim: added" in quote.changes
    deflection = change(old, new, "deflection")
    assert "attribute kind: type multichoice → choice" in deflection.changes
    assert "attribute kind: choices removed: ignores" in deflection.changes
    # Span-level comparison is unaffected; attribute values are judged one by one.
    diff = diff_schemes(old, new)
    assert diff.same_definition(None, "quote")
    assert diff.same_attribute(None, "quote", "origin")  # renamed only
    assert not diff.same_attribute(None, "quote", "form")  # a choice added
    assert not diff.same_attribute(None, "quote", "verbatim")  # new
    assert not diff.same_attribute(None, "deflection", "kind")


def test_a_change_of_parent_is_a_change_of_definition_but_a_renamed_parent_is_not() -> None:
    old = scheme(OLD)
    moved = edited(("    parent: group\n", "    parent: null\n"))
    assert "parents: group → none" in change(old, moved, "member").changes
    assert not diff_schemes(old, moved).same_definition(None, "member")
    renamed = edited(
        ("  - id: group\n", "  - id: family\n    renamed_from: group\n"),
        ("    parent: group\n", "    parent: family\n"),
    )
    assert change(old, renamed, "member").status == "unchanged"
    assert diff_schemes(old, renamed).same_definition(None, "member")


def test_presentation_changes_are_not_changes_of_definition() -> None:
    old = scheme(OLD)
    new = edited(("    color: red\n", "    color: crimson\n    name: Attack\n"))
    criticism = change(old, new, "criticism")
    assert criticism.changes == ("name, colour changed",)
    assert diff_schemes(old, new).same_definition(None, "criticism")


def test_settings_and_units_are_compared() -> None:
    new = edited(
        ("labels:\n  - id: quote", "settings: {allow_nesting: false}\nlabels:\n  - id: quote"),
        (
            "      - {id: dodge, color: red}\n",
            "      - {id: evade, color: red, renamed_from: dodge}\n",
        ),
    )
    diff = diff_schemes(scheme(OLD), new)
    assert diff.settings == ("allow_nesting: true → false",)
    assert change(scheme(OLD), new, "dodge", "question").name == "dodge → evade"
    without = scheme(OLD.split("units:")[0].replace("version: 1", "version: 2"))
    assert diff_schemes(scheme(OLD), without).units == ("question codes removed",)


def test_only_a_newer_version_of_the_same_scheme_is_an_upgrade() -> None:
    old = scheme(OLD)
    assert version_problem(old, edited()) is None
    same = version_problem(old, edited(version=1))
    assert same is not None and "set version: 2 (or higher)" in same
    other = version_problem(old, scheme(OLD.replace("name: study", "name: other")))
    assert other is not None and "set name: study" in other


# -- the plan per stored span or code --------------------------------------------------------


def test_spans_of_an_unchanged_label_are_unchanged() -> None:
    [plan] = plan_of(edited(), span("quote", form="direct"))
    assert plan.outcome == UNCHANGED and not plan.rewrite


def test_a_renamed_label_or_choice_migrates_its_spans() -> None:
    new = edited(
        ("  - id: quote\n", "  - id: citation\n    renamed_from: quote\n"),
        ("choices: [direct, indirect]}", "choices: [direct, reported], "
         "renamed_choices: {indirect: reported}}"),
        ("{id: source, type: text}", "{id: origin, type: text, renamed_from: source}"),
    )  # fmt: skip
    [plan] = plan_of(new, span("quote", form="indirect", source="BBC"))
    assert plan.outcome == MIGRATED and plan.rewrite
    assert plan.label == "citation"
    assert plan.attributes == {"form": "reported", "origin": "BBC"}


def test_multichoice_values_are_renamed_and_a_choice_becomes_a_set() -> None:
    new = edited(
        (
            "{id: kind, type: multichoice, choices: [declines, attacks, ignores]}",
            "{id: kind, type: multichoice, choices: [refuses, attacks, ignores], "
            "renamed_choices: {declines: refuses}}",
        ),
        (
            "{id: form, type: choice, choices: [direct, indirect]}",
            "{id: form, type: multichoice, choices: [direct, indirect]}",
        ),
    )
    deflection, quote = plan_of(
        new, span("deflection", kind=["declines", "ignores"]), span("quote", form="direct")
    )
    assert deflection.outcome == MIGRATED
    assert deflection.attributes == {"kind": ["ignores", "refuses"]}
    assert quote.outcome == MIGRATED and quote.attributes == {"form": ["direct"]}


def test_what_the_new_scheme_would_refuse_needs_review_and_is_kept() -> None:
    new = edited(
        (
            "{id: kind, type: multichoice, choices: [declines, attacks, ignores]}",
            "{id: kind, type: multichoice, choices: [declines, attacks]}",
        ),
        ("  - id: criticism\n    color: red\n", "  - id: criticism\n    color: red\n"
         "    deprecated: true\n"),
        ("{id: source, type: text}", "{id: source, type: text}\n      - {id: verbatim, "
         "type: boolean, required: true}"),
    )  # fmt: skip
    deflection, criticism, quote = plan_of(
        new, span("deflection", kind=["ignores"]), span("criticism"), span("quote", form="direct")
    )
    assert deflection.outcome == REVIEW
    assert deflection.attributes == {"kind": ["ignores"]}  # never dropped
    assert deflection.keep_invalid == ("kind",)
    assert "kind: [ignores] is not a value it takes now" in deflection.reasons
    assert criticism.outcome == REVIEW and criticism.reasons == ("label deprecated",)
    assert quote.outcome == REVIEW and quote.reasons == ("lacks required verbatim",)


def test_a_renamed_span_that_also_needs_review_is_rewritten_and_flagged() -> None:
    new = edited(
        ("  - id: deflection\n", "  - id: evasion\n    renamed_from: deflection\n"),
        ("choices: [declines, attacks, ignores]}", "choices: [declines, attacks]}"),
    )
    [plan] = plan_of(new, span("deflection", kind=["attacks", "ignores"]))
    assert plan.outcome == REVIEW and plan.rewrite
    assert plan.label == "evasion" and plan.attributes == {"kind": ["attacks", "ignores"]}


def test_a_removed_label_or_attribute_with_work_blocks_the_upgrade() -> None:
    new = edited(
        ("  - id: criticism\n    color: red\n", ""),
        ("      - {id: source, type: text}\n", ""),
    )
    plan = plan_upgrade(
        diff_schemes(scheme(OLD), new),
        [span("criticism"), span("criticism"), span("quote", source="BBC"), span("quote")],
    )
    assert [p.outcome for p in plan.items] == [BLOCKED, BLOCKED, BLOCKED, UNCHANGED]
    refusals = plan.refusals()
    assert refusals == [
        "span label 'criticism' is removed, but 2 spans have it: keep it in the new scheme "
        "with 'deprecated: true', or give the label that replaces it 'renamed_from: criticism'",
        "attribute 'source' of span label 'quote' is removed, but 1 span give it a value: keep "
        "the attribute (optional, if need be), or give the attribute that replaces it "
        "'renamed_from: source'",
    ]


def test_a_removed_label_without_work_is_no_problem() -> None:
    new = edited(("  - id: criticism\n    color: red\n", ""))
    plan = plan_upgrade(diff_schemes(scheme(OLD), new), [span("quote")])
    assert plan.refusals() == []


def test_codes_are_planned_like_spans() -> None:
    new = edited(
        (
            "      - {id: dodge, color: red}\n",
            "      - {id: evade, color: red, renamed_from: dodge}\n",
        )
    )
    code = Item(7, "question", "dodge", {})
    [plan] = plan_of(new, code)
    assert plan.outcome == MIGRATED and plan.label == "evade"
    without = scheme(OLD.split("units:")[0].replace("version: 1", "version: 2"))
    blocked = plan_upgrade(diff_schemes(scheme(OLD), without), [code])
    assert blocked.refusals() == [
        "the question codes are removed (units: question:), but 1 question code have the label "
        "'dodge': keep units: question: in the new scheme"
    ]


def test_a_code_whose_label_now_groups_others_needs_review() -> None:
    new = edited(
        ("      - {id: dodge, color: red}\n",
         "      - {id: dodge, color: red}\n      - {id: pivot, color: red, parent: dodge}\n"),
    )  # fmt: skip
    [plan] = plan_of(new, Item(1, "question", "dodge", {}))
    assert plan.outcome == REVIEW and plan.reasons == ("label now groups other codes",)


def test_counts_per_label_and_outcome() -> None:
    new = edited(("  - id: quote\n", "  - id: citation\n    renamed_from: quote\n"))
    plan = plan_upgrade(
        diff_schemes(scheme(OLD), new), [span("quote"), span("quote"), span("criticism")]
    )
    counts = plan.counts()
    assert counts[None, "quote"][MIGRATED] == 2
    assert counts[None, "criticism"][UNCHANGED] == 1
    assert plan.total(MIGRATED) == 2


# -- the hints in a scheme file ------------------------------------------------------------


def problems(text: str) -> list[str]:
    return [str(p) for p in validate_scheme(textwrap.dedent(text).lstrip("\n"), "s.yaml")]


def test_renamed_from_must_not_name_a_label_still_there() -> None:
    assert problems(
        """
        name: t
        version: 2
        labels:
          - {id: a, color: red}
          - {id: b, color: red, renamed_from: a}
        """
    ) == [
        's.yaml:5:39: label "b" is renamed from "a", but "a" is still a label here (line 4); '
        'remove renamed_from, or rename or remove "a"'
    ]


def test_two_labels_cannot_be_renamed_from_one() -> None:
    assert problems(
        """
        name: t
        version: 2
        labels:
          - {id: a, color: red, renamed_from: x}
          - id: b
            color: red
            renamed_from: x
        """
    ) == [
        's.yaml:7:19: labels "a" (line 4) and "b" are both renamed from "x"; a label can be '
        "renamed to one label only: keep renamed_from on one of them"
    ]


def test_renamed_from_is_a_slug_and_not_the_label_itself() -> None:
    found = problems(
        """
        name: t
        version: 2
        labels:
          - {id: a, color: red, renamed_from: a}
          - {id: b, color: red, renamed_from: Old Name}
        """
    )
    assert found[0].startswith('s.yaml:4:39: label "a" is renamed from itself')
    assert found[1].startswith('s.yaml:5:39: renamed_from of a label "Old Name" must be a slug')


def test_attribute_renames_are_checked_within_their_label() -> None:
    found = problems(
        """
        name: t
        version: 2
        labels:
          - id: a
            color: red
            attributes:
              - {id: x, type: text}
              - {id: y, type: text, renamed_from: x}
        """
    )
    assert found == [
        's.yaml:8:43: attribute "y" is renamed from "x", but "x" is still an attribute here '
        '(line 7); remove renamed_from, or rename or remove "x"'
    ]


def test_renamed_choices_map_old_choices_to_current_ones() -> None:
    found = problems(
        """
        name: t
        version: 2
        labels:
          - id: a
            color: red
            attributes:
              - id: k
                type: choice
                choices: [dodges, attacks]
                renamed_choices:
                  dodge: dodgs
                  attack: attacks
                  assault: attacks
                  dodges: dodges
        """
    )
    assert found == [
        's.yaml:11:18: "dodge" is renamed to "dodgs", which is not one of the choices (did you '
        'mean "dodges"?); use one of: dodges, attacks',
        's.yaml:13:11: "attack" (line 12) and "assault" are both renamed to "attacks"; a choice '
        "is renamed from one old choice only",
        's.yaml:14:11: "dodges" is still one of the choices; renamed_choices maps a choice the '
        "version before had to its new name: remove it from one of the two",
    ]


def test_renamed_choices_only_for_choice_types_and_misspelt_keys_get_a_suggestion() -> None:
    found = problems(
        """
        name: t
        version: 2
        labels:
          - id: a
            color: red
            renamed_form: b
            attributes:
              - {id: k, type: text, renamed_choices: {a: b}}
        """
    )
    assert found[0].startswith('s.yaml:6:5: unknown key "renamed_form" in label "a" (did you mean')
    assert '"renamed_from"' in found[0]
    assert found[1].startswith("s.yaml:8:29: renamed_choices are only for type choice or")


def test_hashes_of_schemes_without_hints_are_as_they_were() -> None:
    # Projects made before the hints existed keep their scheme's hash (the hints are hashed
    # only when a file has them).
    tiny = load_scheme_file(Path(__file__).parent / "fixtures" / "tiny-scheme.yaml")
    assert tiny.hash == "a919dcd3826e9663397058bec4bce86d019146214f0e36e236c002f24a0b14cb"
    plain = scheme(OLD)
    hinted = edited(("  - id: criticism\n", "  - id: critique\n    renamed_from: criticism\n"))
    assert "renamed_from" not in json.dumps(plain.to_dict())
    assert hinted.label("critique").renamed_from == "criticism"
    renamed_only = edited(("  - id: criticism\n", "  - id: critique\n"))
    assert hinted.hash != renamed_only.hash  # the hint is content


def test_the_json_schema_knows_the_hints() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    yaml = pytest.importorskip("yaml")
    schema = json.loads((schemes_dir() / "scheme.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    good = yaml.safe_load(
        """
        name: t
        version: 2
        labels:
          - id: b
            color: red
            renamed_from: a
            attributes:
              - {id: k, type: choice, choices: [x], renamed_choices: {y: x}, renamed_from: j}
        """
    )
    assert list(validator.iter_errors(good)) == []
    bad = yaml.safe_load(
        """
        name: t
        version: 2
        labels:
          - id: b
            color: red
            renamed_from: Not A Slug
            attributes:
              - {id: k, type: text, renamed_choices: {y: x}}
        """
    )
    paths = {tuple(error.absolute_path) for error in validator.iter_errors(bad)}
    assert ("labels", 0, "renamed_from") in paths
    assert ("labels", 0, "attributes", 0, "renamed_choices") in paths
