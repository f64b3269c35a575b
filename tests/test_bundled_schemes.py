"""The bundled schemes (schemas/*.yaml): each is valid, without warnings, also by the JSON
Schema; their code hierarchies are the published ones; political-interview's crosswalk maps
every category of the clarity and bull-equivocation files to one id that exists, so the three
files cannot drift apart; and the command line and a project take them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import layout

from annotator.errors import InvalidValue, UnknownItem
from annotator.model import ImportedDocument
from annotator.resources import default_scheme_path, schemes_dir
from annotator.scheme import Label, LabelSet, Scheme, load_scheme_file, validate_scheme
from annotator.store import Project

BUNDLED = ("political-interview", "clarity", "bull-equivocation")
FIXTURES = Path(__file__).parent / "fixtures" / "schemes"

CLARITY = {  # level 1 -> its leaves, in the order of their hotkeys 1-9
    "clear_reply": ["explicit"],
    "ambivalent": ["implicit", "dodging", "deflection", "partial", "general"],
    "clear_non_reply": ["declining", "claims_ignorance", "clarification"],
}
BULL_CATEGORIES = [
    "ignores", "acknowledges", "questions_question", "attacks_question", "attacks_interviewer",
    "declines", "political_point", "incomplete", "repeats_answer", "already_answered",
    "apologises", "literalism",
]  # fmt: skip


def load(name: str) -> Scheme:
    return load_scheme_file(schemes_dir() / f"{name}.yaml")


def codable(unit: LabelSet) -> list[Label]:
    """The labels a unit may be coded with: its leaves (every bundled unit codes leaves)."""
    return [label for label in unit.labels if not unit.children(label.id)]


# -- every bundled scheme --------------------------------------------------------------------


def test_the_bundled_schemes_are_these() -> None:
    assert {path.stem for path in schemes_dir().glob("*.yaml")} == set(BUNDLED)
    assert default_scheme_path().stem == "political-interview"


@pytest.mark.parametrize("name", BUNDLED)
def test_a_bundled_scheme_is_valid_without_warnings(name: str) -> None:
    path = schemes_dir() / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert validate_scheme(text, str(path)) == []
    assert load(name).name == name  # a crosswalk names the other scheme by its name
    assert text.startswith("# yaml-language-server: $schema=scheme.schema.json\n")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((schemes_dir() / "scheme.schema.json").read_text(encoding="utf-8"))
    errors = jsonschema.Draft202012Validator(schema).iter_errors(yaml.safe_load(text))
    assert [error.message for error in errors] == []


@pytest.mark.parametrize("name", BUNDLED)
def test_every_label_and_code_has_guidelines(name: str) -> None:
    scheme = load(name)
    labels = [*scheme.labels, *(label for unit in scheme.units for label in codable(unit))]
    for label in labels:
        assert "Definition:" in label.description, label.id
        assert "Confusable with:" in label.description, label.id
        assert label.examples.positive and label.examples.negative, label.id
        assert label.hotkey and not label.deprecated, label.id
    for unit in scheme.units:
        assert unit.description, unit.kind
        for label in unit.labels:  # the groups too: shown on "?" beside their codes
            assert label.description, label.id


def _contrast(color: str, background: str) -> float:
    def luminance(hex_color: str) -> float:
        channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(color), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("name", BUNDLED)
def test_colours_read_on_dark_and_light_backgrounds(name: str) -> None:
    scheme = load(name)
    for label in [*scheme.labels, *(label for unit in scheme.units for label in unit.labels)]:
        # WCAG's 3:1 minimum for large text and UI components, on both terminal themes.
        assert _contrast(label.color, "#000000") >= 3, label.id
        assert _contrast(label.color, "#ffffff") >= 3, label.id


# -- clarity ---------------------------------------------------------------------------------


def test_clarity_codes_nine_leaves_under_three_classes() -> None:
    unit = load("clarity").unit("question")
    assert unit.selectable == "leaves"
    assert unit.levels == 2
    assert [label.id for label in unit.labels if label.parent is None] == list(CLARITY)
    for group, leaves in CLARITY.items():
        assert [label.id for label in unit.children(group)] == leaves
        assert unit.label(group).hotkey is None  # a class is derived, never typed
        with pytest.raises(InvalidValue, match="code with one of them"):
            unit.codable(group)
        for leaf in leaves:
            assert unit.at_level(leaf, 1) == group
            assert unit.codable(leaf).id == leaf
    leaves = [leaf for leaves in CLARITY.values() for leaf in leaves]
    assert [label.id for label in codable(unit)] == leaves
    assert [unit.label(leaf).hotkey for leaf in leaves] == list("123456789")
    # The unreleased leaves are explained, not coded.
    assert "contradictory" not in {label.id for label in unit.labels}
    assert "Contradictory" in unit.description and "deprecated" in unit.description


def test_clarity_leaves_declare_their_parent_in_the_file() -> None:
    # Never derived from a code prefix: the data numbers Implicit 1.2 but counts it Ambivalent.
    raw = yaml.safe_load((schemes_dir() / "clarity.yaml").read_text(encoding="utf-8"))
    written = {item["id"]: item.get("parent") for item in raw["units"]["question"]["labels"]}
    expected = {leaf: group for group, leaves in CLARITY.items() for leaf in leaves}
    assert {id: parent for id, parent in written.items() if parent} == expected


# -- bull-equivocation -------------------------------------------------------------------------


def test_bull_codes_reply_intermediate_and_non_reply_with_its_categories() -> None:
    scheme = load("bull-equivocation")
    unit = scheme.unit("question")
    assert [(label.id, label.hotkey) for label in unit.labels] == [
        ("reply", "1"),
        ("intermediate", "2"),
        ("non_reply", "3"),
    ]
    assert unit.levels == 1
    non_reply = unit.label("non_reply")
    categories = non_reply.attribute("categories")
    assert (categories.type, categories.required) == ("multichoice", True)
    assert list(categories.choices) == BULL_CATEGORIES
    for category in BULL_CATEGORIES:
        assert f"{category}:" in categories.description
    # One response can show several categories; a non-reply without any is incomplete.
    values = {"categories": ["political_point", "declines"]}
    assert unit.check_attributes("non_reply", values) == {
        "categories": ["declines", "political_point"]
    }
    with pytest.raises(InvalidValue, match="'categories' of label 'non_reply' is required"):
        unit.check_attributes("non_reply", {})
    # The evidence spans offer the same categories, so the two lists cannot drift apart.
    assert list(scheme.label("non_reply_move").attribute("category").choices) == BULL_CATEGORIES


def test_bull_subcategories_belong_to_a_category() -> None:
    unit = load("bull-equivocation").unit("question")
    subcategories = unit.label("non_reply").attribute("subcategories")
    assert subcategories.type == "multichoice" and not subcategories.required
    assert len(subcategories.choices) >= 20
    seen = set()
    for choice in subcategories.choices:
        category, _, subtype = choice.partition(".")
        assert category in BULL_CATEGORIES and subtype, choice
        assert subtype in subcategories.description, choice
        seen.add(category)
    assert {"attacks_question", "declines", "political_point", "incomplete"} <= seen


# -- political-interview -----------------------------------------------------------------------


def test_political_interview_codes_questions_and_requires_a_deflection_kind() -> None:
    scheme = load("political-interview")
    assert scheme.version == 2
    unit = scheme.unit("question")
    assert [(label.id, label.hotkey) for label in unit.labels] == [
        ("reply", "1"),
        ("implicit_reply", "2"),
        ("deflected", "3"),
    ]
    kind = scheme.label("deflection").attribute("kind")
    assert kind.required and kind.default is None
    assert scheme.label("deflection").needed == ("kind",)
    with pytest.raises(InvalidValue, match="'kind' of label 'deflection' is required"):
        scheme.check_attributes("deflection", {})
    for choice in kind.choices:
        assert f"{choice}:" in kind.description
    # The name clash with CLARITY's leaf is explained where annotators read about the label.
    description = scheme.label("deflection").description
    assert "CLARITY" in description and "kind: pivots" in description


def test_a_project_moved_to_version_2_shows_old_deflections_as_incomplete(tmp_path: Path) -> None:
    text, turns = layout(["Will the tax go up?", "I won't say."])
    document = ImportedDocument("Interview", text, tuple(turns), "text", "i.md")
    with Project.create(
        tmp_path / "p.db", load_scheme_file(FIXTURES / "political-interview-v1.yaml")
    ) as project:
        [result] = project.add_documents([document])
        start = text.index("I won't")
        old = project.create_span(result.document_id, "alice", "deflection", start, len(text))
        project.set_scheme(load("political-interview"))
        [span] = project.spans(result.document_id, "alice")
        assert span == old  # still readable, as it was
        assert project.incomplete(span) == ["kind"]
        assert project.stats().incomplete == 1
        with pytest.raises(InvalidValue, match="'kind' of label 'deflection' is required"):
            project.create_span(result.document_id, "bob", "deflection", start, len(text))


# -- the crosswalk -----------------------------------------------------------------------------


def resolve(scheme: Scheme, ref: str) -> tuple[Label, str | None]:
    """The label (span label or unit code) and the choice an id names; UnknownItem, or an
    AssertionError, if either does not exist. Parsed apart from the validator on purpose."""
    head, dot, tail = ref.partition(".")
    labels: LabelSet = scheme
    if ":" in head:
        kind, _, head = head.partition(":")
        labels = scheme.unit(kind)
    label = labels.label(head)
    if not dot:
        return label, None
    attribute_id, equals, choice = tail.partition("=")
    assert equals, ref
    attribute = label.attribute(attribute_id)
    assert attribute.type in ("choice", "multichoice"), ref
    assert choice in attribute.choices, ref
    return label, choice


def test_the_crosswalk_maps_every_category_of_clarity_and_bull_exactly_once() -> None:
    ours = load("political-interview")
    clarity = load("clarity")
    bull = load("bull-equivocation")
    # Exactly once: a category written twice would be a duplicate key, which the checker
    # reports (a plain YAML reader would silently keep the last).
    assert validate_scheme(default_scheme_path().read_text(encoding="utf-8")) == []
    assert list(ours.crosswalk) == [bull.name, clarity.name]

    clarity_leaves = [label.id for label in codable(clarity.unit("question"))]
    assert sorted(ours.crosswalk["clarity"]) == sorted(clarity_leaves)
    assert len(clarity_leaves) == 9
    bull_unit = bull.unit("question")
    bull_codes = [label.id for label in bull_unit.labels]
    bull_categories = list(bull_unit.label("non_reply").attribute("categories").choices)
    assert sorted(ours.crosswalk["bull-equivocation"]) == sorted(bull_codes + bull_categories)
    assert bull_categories == BULL_CATEGORIES

    targets: dict[str, set[str]] = {}
    for other, ids in ours.crosswalk.items():
        for category, ref in ids.items():
            label, choice = resolve(ours, ref)
            targets.setdefault(label.id, set()).add(choice or "")
            # Codes of a whole answer map to codes; evasive moves to a deflection's kind.
            if ref.startswith("question:"):
                assert category in {*bull_codes, "explicit", "implicit"}, (other, category)
            else:
                assert ref.startswith("deflection.kind="), (other, category, ref)
    assert ours.crosswalk["bull-equivocation"]["non_reply"] == "question:deflected"
    assert ours.crosswalk["clarity"]["deflection"] == "deflection.kind=pivots"  # the clash
    # Every kind of deflection stands for some published category.
    assert targets["deflection"] == set(ours.label("deflection").attribute("kind").choices)
    assert set(targets) == {"reply", "implicit_reply", "deflected", "deflection"}


@pytest.mark.parametrize(
    ("ref", "error"),
    [
        ("question:answered", UnknownItem),
        ("document:reply", UnknownItem),
        ("nope", UnknownItem),
        ("deflection.tone=x", UnknownItem),
        ("deflection.kind=waffles", AssertionError),
        ("quote.source=x", AssertionError),  # a text attribute has no choices
    ],
)
def test_resolve_refuses_ids_that_do_not_exist(ref: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        resolve(load("political-interview"), ref)


# -- the command line and packaging ------------------------------------------------------------


def test_scheme_validate_and_show_give_codes_and_crosswalk(run_cli: Any) -> None:
    paths = [str(schemes_dir() / f"{name}.yaml") for name in BUNDLED]
    result = run_cli("scheme", "validate", *paths)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no warnings
    assert "scheme clarity v1, 2 labels (information, evasion), 12 question codes" in result.stdout
    assert "3 question codes, crosswalk to bull-equivocation, clarity" in result.stdout
    shown = run_cli("scheme", "show", paths[0])
    assert shown.exit_code == 0
    assert "question codes" in shown.output and "implicit_reply" in shown.output
    assert "deflection.kind=questions_question" in shown.output  # a crosswalk row


@pytest.mark.parametrize("name", ["clarity", "bull-equivocation"])
def test_init_with_a_bundled_scheme(run_cli: Any, name: str) -> None:
    result = run_cli("init", "--scheme", str(schemes_dir() / f"{name}.yaml"))
    assert result.exit_code == 0, result.output
    shown = run_cli("scheme", "show")
    assert f"{name} v1" in shown.output
    code = {"clarity": "claims_ignorance", "bull-equivocation": "non_reply"}[name]
    assert code in shown.output
