"""Multiple-choice attributes: the scheme (annotator/scheme/model.py, validate.py,
schemas/scheme.schema.json), spans that store them (annotator/store/spans.py, gold.py),
and the exports and importers that carry them (annotator/export/*, annotator/io/*)."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from conftest import make_document

from annotator.errors import InvalidValue, MergeConflict
from annotator.export import export
from annotator.io import read_transcript
from annotator.resources import schemes_dir
from annotator.scheme import Attribute, Scheme, load_scheme, load_scheme_file, validate_scheme
from annotator.store import GOLD, Project

SCHEME = """\
name: multichoice
version: 1
labels:
  - id: deflection
    hotkey: d
    color: orange
    attributes:
      - {id: tactics, type: multichoice, choices: [declines, attacks, pivots], required: true}
      - {id: tone, type: multichoice, choices: [hostile, polite], default: [polite]}
"""
V1 = "political-interview-v1.yaml"  # the bundled scheme before question codes
TEXT = "I won't say. They failed.\n\nWe will build homes."
TACTICS = Attribute("tactics", "Tactics", "multichoice", ("declines", "attacks", "pivots"))


@pytest.fixture
def scheme() -> Scheme:
    return load_scheme(SCHEME)


@pytest.fixture
def project(tmp_path: Path, scheme: Scheme) -> Project:
    with Project.create(tmp_path / "source.db", scheme) as project:
        yield project


# ---- the scheme ----------------------------------------------------------------------------


def test_scheme_holds_choices_and_a_sorted_default(scheme: Scheme) -> None:
    tone = scheme.label("deflection").attribute("tone")
    assert (tone.type, tone.choices) == ("multichoice", ("hostile", "polite"))
    assert tone.default == ("polite",)
    assert scheme.to_dict()["labels"][0]["attributes"][1]["default"] == ["polite"]


def test_json_schema_knows_multichoice() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((schemes_dir() / "scheme.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(yaml.safe_load(SCHEME))) == []
    broken = yaml.safe_load(SCHEME.replace("default: [polite]", "default: polite"))
    broken["labels"][0]["attributes"][0]["choices"].append("a|b")
    paths = {tuple(error.absolute_path) for error in validator.iter_errors(broken)}
    assert ("labels", 0, "attributes", 1, "default") in paths
    assert ("labels", 0, "attributes", 0, "choices", 3) in paths


@pytest.mark.parametrize(
    ("definition", "where", "message"),
    [
        (
            "{id: t, type: multichoice, choices: [a, b], default: a}",
            "a}",
            "default of a multichoice attribute must be a list of choices such as [a, b], "
            'not the text "a"',
        ),
        (
            "{id: t, type: multichoice, choices: [a, b], default: [b, c]}",
            "c]",
            'default "c" is not one of the choices; use some of: a, b',
        ),
        (
            "{id: t, type: multichoice, choices: [a, b], default: [a, a]}",
            "a]",
            'default "a" is listed twice; remove one',
        ),
        (
            "{id: t, type: multichoice, choices: [a, 'b,c']}",
            "'b,c'",
            'choice "b,c" of a multichoice attribute cannot contain "," or "|"',
        ),
        (
            "{id: t, type: multichoice}",
            "{id",
            "is missing the required key choices: (type multichoice needs a list of choices)",
        ),
        (
            "{id: t, type: multi, choices: [a]}",
            "multi,",
            'unknown attribute type "multi" (did you mean "multichoice"?)',
        ),
    ],
)
def test_validation_names_the_line_and_column(definition: str, where: str, message: str) -> None:
    text = SCHEME.replace(
        "{id: tone, type: multichoice, choices: [hostile, polite], default: [polite]}", definition
    )
    [problem] = validate_scheme(text, "s.yaml")
    line = text.splitlines()[problem.line - 1]
    assert (problem.line, problem.column) == (9, line.rindex(where) + 1)
    assert message in problem.message


def test_existing_schemes_keep_their_hash() -> None:
    # Computed before multichoice existed: the canonical form of other types is unchanged.
    # (Version 1 of the bundled scheme, kept as a fixture since the bundled one moved on.)
    bundled = load_scheme_file(Path(__file__).parent / "fixtures" / "schemes" / V1)
    assert bundled.hash == "eac3d5e1875650571104c8e3d3c8aca83cffbc1e387ac0653c61ff52d9052534"
    tiny = load_scheme_file(Path(__file__).parent / "fixtures" / "tiny-scheme.yaml")
    assert tiny.hash == "a919dcd3826e9663397058bec4bce86d019146214f0e36e236c002f24a0b14cb"


def test_check_normalises_and_names_what_is_wrong() -> None:
    assert TACTICS.check(["pivots", "declines"]) == ["declines", "pivots"]
    assert TACTICS.check(("attacks",)) == TACTICS.check({"attacks"}) == ["attacks"]
    with pytest.raises(InvalidValue, match="'dodges', 'ducks' are not among the choices"):
        TACTICS.check(["declines", "dodges", "ducks"])
    with pytest.raises(InvalidValue, match="'pivots' chosen more than once"):
        TACTICS.check(["pivots", "declines", "pivots"])
    with pytest.raises(InvalidValue, match="expected a list of choices"):
        TACTICS.check("declines")


def test_from_text_reads_separated_choices() -> None:
    assert TACTICS.from_text("pivots|declines") == ["declines", "pivots"]
    assert TACTICS.from_text(" attacks , pivots ") == ["attacks", "pivots"]
    assert TACTICS.from_text("declines") == ["declines"]
    assert TACTICS.from_text(("pivots", "attacks")) == ["attacks", "pivots"]
    assert TACTICS.from_text(3) == 3  # check() refuses it


# ---- spans -------------------------------------------------------------------------------


def test_spans_store_sorted_lists_and_defaults(project: Project) -> None:
    doc = project.add_documents([make_document(TEXT)])[0].document_id
    span = project.create_span(doc, "ann", "deflection", 0, 11, {"tactics": ["pivots", "declines"]})
    assert span.attributes == {"tactics": ["declines", "pivots"], "tone": ["polite"]}
    raw = project.db.execute("SELECT attributes FROM spans").fetchone()[0]
    assert json.loads(raw)["tactics"] == ["declines", "pivots"]
    # Nothing chosen is not given: required refuses it, an optional one takes its default.
    with pytest.raises(InvalidValue, match="'tactics' of label 'deflection' is required"):
        project.create_span(doc, "ann", "deflection", 13, 24, {"tactics": []})
    other = project.create_span(
        doc, "ann", "deflection", 13, 24, {"tactics": ["attacks"], "tone": []}
    )
    assert other.attributes["tone"] == ["polite"]


def test_merging_compares_sets_not_orders(project: Project) -> None:
    doc = project.add_documents([make_document(TEXT)])[0].document_id
    project.create_span(doc, "ann", "deflection", 0, 11, {"tactics": ["declines", "pivots"]})
    # Written by a file as "pivots|declines": the same set, so the spans merge silently.
    merged = project.create_span(doc, "ann", "deflection", 5, 24, {"tactics": "pivots|declines"})
    assert (merged.start, merged.end, merged.attributes["tactics"]) == (
        0,
        24,
        ["declines", "pivots"],
    )
    with pytest.raises(MergeConflict, match="tactics"):
        project.create_span(doc, "ann", "deflection", 20, 30, {"tactics": ["attacks"]})


def test_gold_auto_merge_counts_list_values(project: Project) -> None:
    doc = project.add_documents([make_document(TEXT)])[0].document_id
    for name, tactics in (("ann", ["attacks"]), ("bob", ["attacks"]), ("cat", ["pivots"])):
        project.create_span(doc, name, "deflection", 0, 11, {"tactics": tactics})
        project.set_status(doc, name, "done")
    [span] = project.gold.auto_merge(doc, minimum=2).spans
    assert span.attributes["tactics"] == ["attacks"]  # what two of the three gave
    assert project.spans(doc, annotator=GOLD) == [span]


# ---- exports and imports -------------------------------------------------------------------


@pytest.fixture
def labelled(project: Project) -> Project:
    doc = project.add_documents([make_document(TEXT)])[0].document_id
    project.create_span(doc, "ann", "deflection", 0, 11, {"tactics": ["pivots", "declines"]})
    project.create_span(doc, "ann", "deflection", 13, 24, {"tactics": ["attacks"], "tone": []})
    return project


def attributes_after(path: Path, scheme: Scheme, db: Path) -> list[dict]:
    """The spans' attributes once ``path`` is imported into a new project."""
    with Project.create(db, scheme) as fresh:
        fresh.add_documents(read_transcript(path))
        return [dict(s.attributes) for s in fresh.spans(fresh.documents()[0].id)]


EXPECTED = [
    {"tactics": ["declines", "pivots"], "tone": ["polite"]},
    {"tactics": ["attacks"], "tone": ["polite"]},
]


def test_jsonl_prodigy_csv_and_parquet_hold_the_list(
    labelled: Project, scheme: Scheme, tmp_path: Path
) -> None:
    export(labelled, "jsonl", tmp_path / "out.jsonl")
    record = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert [span["attributes"] for span in record["spans"]] == EXPECTED
    assert attributes_after(tmp_path / "out.jsonl", scheme, tmp_path / "a.db") == EXPECTED
    export(labelled, "prodigy", tmp_path / "prodigy.jsonl")
    assert attributes_after(tmp_path / "prodigy.jsonl", scheme, tmp_path / "p.db") == EXPECTED
    report = export(labelled, "csv", tmp_path / "out.csv")
    assert report.problems == []
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [json.loads(row["attributes"]) for row in rows] == EXPECTED
    pandas = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    export(labelled, "parquet", tmp_path / "out.parquet")
    frame = pandas.read_parquet(tmp_path / "out.parquet")
    assert [json.loads(value) for value in frame["attributes"]] == EXPECTED


def test_labelstudio_multiple_choices(labelled: Project, scheme: Scheme, tmp_path: Path) -> None:
    report = export(labelled, "labelstudio", tmp_path / "tasks.json")
    assert report.problems == []
    config = ET.parse(tmp_path / "tasks.config.xml").getroot()
    controls = {c.get("name"): c for c in config.iter("Choices")}
    assert controls["deflection__tactics"].get("choice") == "multiple"
    assert [c.get("value") for c in controls["deflection__tactics"]] == [
        "declines", "attacks", "pivots",
    ]  # fmt: skip
    [task] = json.loads((tmp_path / "tasks.json").read_text(encoding="utf-8"))
    chosen = [
        r["value"]["choices"]
        for r in task["annotations"][0]["result"]
        if r["from_name"] == "deflection__tactics"
    ]
    assert chosen == [["declines", "pivots"], ["attacks"]]
    assert attributes_after(tmp_path / "tasks.json", scheme, tmp_path / "a.db") == EXPECTED


def test_brat_joins_the_choices_and_says_so(
    labelled: Project, scheme: Scheme, tmp_path: Path
) -> None:
    report = export(labelled, "brat", tmp_path / "brat")
    ann = (tmp_path / "brat" / "ann" / "doc-1.ann").read_text(encoding="utf-8")
    assert "\tdeflection__tactics T1 declines|pivots\n" in ann
    assert "\tdeflection__tactics T2 attacks\n" in ann
    # One line per span whose value brat cannot hold as it is (the one-choice span can).
    [problem] = report.problems
    assert "ann's deflection span [0, 11): multichoice tactics written as the one value " in problem
    conf = (tmp_path / "brat" / "annotation.conf").read_text(encoding="utf-8")
    assert "deflection__tactics\tArg:deflection, Value:declines|attacks|pivots\n" in conf
    assert attributes_after(tmp_path / "brat", scheme, tmp_path / "a.db") == EXPECTED


def test_spans_read_together_share_no_attribute_values(project: Project) -> None:
    """Reading a layer parses each distinct attributes text once (a 100,000-span document
    opens faster): the spans still get values of their own, lists included."""
    [result] = project.add_documents([make_document()])
    doc = result.document_id
    for start in (0, 13, 27):
        project.create_span(doc, "alice", "deflection", start, start + 5, {"tactics": ["attacks"]})
    first, second, third = project.spans(doc, "alice")
    assert first.attributes == second.attributes == third.attributes
    assert first.attributes["tactics"] == ["attacks"]
    assert first.attributes is not second.attributes
    assert first.attributes["tactics"] is not second.attributes["tactics"]
    assert second.attributes["tactics"] is not third.attributes["tactics"]
