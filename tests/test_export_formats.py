"""Prodigy, doccano, brat, Label Studio, CoNLL and spaCy exports, loaded by their consumers,
and round trips through ``annotator import`` (annotator/export/*.py, annotator/io/*.py)."""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from annotator.export import brat, conll, doccano, labelstudio, prodigy
from annotator.export.examples import Example, ExportReport, ExportSpan, collect
from annotator.export.tokens import align, simple_tokens
from annotator.io import read_transcript
from annotator.model import ImportedDocument, Turn
from annotator.scheme import Scheme, load_scheme
from annotator.store import Project, ProjectError

SCHEME = """
name: exports
version: 2
labels:
  - id: quote
    hotkey: t
    color: "#4c9be8"
    attributes:
      - {id: form, type: choice, choices: [direct, in direct]}
      - {id: source, type: text}
  - id: deflection
    hotkey: d
    color: orange
  - id: commitment
    hotkey: m
    color: green
    attributes:
      - {id: strength, type: choice, choices: [weak, strong]}
  - id: criticism
    hotkey: c
    color: "#d9534f"
    attributes:
      - {id: target, type: text}
      - {id: strength, type: number}
      - {id: personal, type: boolean}
  - id: personal-attack
    hotkey: p
    color: red
    parent: criticism
"""
T0 = "I won't say. They failed."
T1 = "Café policy 😀 is 中文 news.\nWe will build homes."
TEXT = f"{T0}\n\n{T1}"
SECOND = "A second interview, not labelled."


def at(piece: str) -> tuple[int, int]:
    start = TEXT.index(piece)
    return start, start + len(piece)


@pytest.fixture
def scheme() -> Scheme:
    return load_scheme(SCHEME)


@pytest.fixture
def project(tmp_path: Path, scheme: Scheme) -> Iterator[Project]:
    """Two annotators; overlapping, nested, attribute-carrying, non-ASCII and misaligned spans."""
    project = Project.create(tmp_path / "source.db", scheme)
    turns = (Turn(0, 0, len(T0), "Q"), Turn(1, len(T0) + 2, len(TEXT), "A"))
    doc = project.add_documents([ImportedDocument("Interview", TEXT, turns, "text")])[0]
    project.add_documents([ImportedDocument("Second", SECOND, (Turn(0, 0, 33),), "text")])
    d = doc.document_id
    project.create_span(d, "alice", "deflection", *at("I won't say"))
    project.create_span(
        d,
        "alice",
        "criticism",
        *at("They failed"),
        {"target": "the government", "strength": 3, "personal": True},
        note="sharp",
    )
    project.create_span(d, "alice", "quote", 0, len(T0), {"form": "in direct", "source": "press"})
    project.create_span(d, "alice", "quote", *at("news.\nWe will"))  # over a line break
    project.create_span(
        d, "alice", "commitment", *at("We will build homes"), {"strength": "strong"}
    )
    project.create_span(d, "alice", "criticism", *at("😀 is 中文"))
    project.create_span(d, "bob", "deflection", *at("I won't say"))
    project.create_span(d, "bob", "quote", *at("afé pol"))  # both edges inside words
    project.create_span(d, "bob", "personal-attack", *at("They"))
    for name in ("alice", "bob"):  # both read the second document and found nothing to label
        project.set_status(2, name, "in_progress")
    yield project
    project.close()


def run(module: ModuleType, project: Project, path: Path, **options: Any) -> ExportReport:
    layer = options.pop("layer", "all")
    unit = options.pop("unit", "document")
    report = ExportReport()
    examples = collect(project, layer=layer, unit=unit, report=report)
    module.write(examples, path, project.scheme, report, **options)
    return report


def spans_of(project: Project, full: bool = False) -> set[tuple[Any, ...]]:
    """Every span as (text, annotator, label, start, end[, attributes, note])."""
    found = set()
    for summary in project.documents():
        text = project.document(summary.id).text
        for span in project.spans(summary.id):
            key: tuple[Any, ...] = (text, span.annotator, span.label, span.start, span.end)
            if full:
                key += (tuple(sorted(span.attributes.items())), span.note)
            found.add(key)
    return found


def reimport(paths: list[Path], scheme: Scheme, db: Path) -> Project:
    fresh = Project.create(db, scheme)
    for path in paths:
        fresh.add_documents(read_transcript(path))
    return fresh


def make_example(text: str, spans: list[tuple[str, int, int, str]]) -> Example:
    annotators = tuple(sorted({annotator for *_, annotator in spans})) or ("alice",)
    return Example(
        id="doc-1",
        document_id=1,
        title="T",
        text=text,
        turns=(Turn(0, 0, len(text)),),
        spans=tuple(
            ExportSpan(i, label, s, e, a, {}, "", "hash", "2024-07-01T10:00:00+00:00", "")
            for i, (label, s, e, a) in enumerate(spans, start=1)
        ),
        annotators=annotators,
        metadata={},
        source_path=None,
    )


# ---- Prodigy --------------------------------------------------------------------------


def test_prodigy_tasks_tokens_and_indices(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    report = run(prodigy, project, path)
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
    tasks = [json.loads(line) for line in raw.decode("utf-8").splitlines()]
    # One task per example and annotator, empty answers included.
    assert [(t["meta"]["example_id"], t["meta"]["annotator"]) for t in tasks] == [
        ("doc-1", "alice"),
        ("doc-1", "bob"),
        ("doc-2", "alice"),
        ("doc-2", "bob"),
    ]
    assert tasks[2]["spans"] == [] and tasks[2]["answer"] == "accept"
    for task in tasks:
        text = task["text"]
        tokens = task["tokens"]
        assert [t["id"] for t in tokens] == list(range(len(tokens)))
        for token in tokens:
            assert text[token["start"] : token["end"]] == token["text"]
            assert token["ws"] == (text[token["end"] : token["end"] + 1] == " ")
        for span in task["spans"]:
            first, last = tokens[span["token_start"]], tokens[span["token_end"]]
            assert first["start"] <= span["start"] < first["end"]
            assert last["start"] < span["end"] <= last["end"]
            assert span["text"] == text[span["start"] : span["end"]]
        assert task["_view_id"] == "spans_manual"
        assert (
            task["_session_id"] == task["_annotator_id"] == f"exports-{task['meta']['annotator']}"
        )
        assert -(2**31) <= task["_input_hash"] < 2**31 and -(2**31) <= task["_task_hash"] < 2**31
    assert tasks[0]["_input_hash"] == tasks[1]["_input_hash"] != tasks[2]["_input_hash"]
    assert tasks[0]["_task_hash"] == tasks[1]["_task_hash"]  # one question, two answers
    alice = {(s["label"], s["start"]): s for s in tasks[0]["spans"]}
    criticism = alice["criticism", TEXT.index("They")]
    assert criticism["attributes"] == {"target": "the government", "strength": 3, "personal": True}
    assert criticism["note"] == "sharp"
    assert isinstance(tasks[0]["_timestamp"], int) and "_timestamp" not in tasks[2]
    [problem] = report.problems
    assert "bob's quote span [28, 35) does not end on token boundaries" in problem


def test_prodigy_running_example_of_formats_md(tmp_path: Path, scheme: Scheme) -> None:
    text = "I won't say. They failed."
    example = make_example(
        text,
        [("deflection", 0, 11, "alice"), ("quote", 0, 25, "alice"), ("criticism", 13, 24, "alice")],
    )
    path = tmp_path / "out.jsonl"
    report = ExportReport()
    prodigy.write([example], path, scheme, report, tokenizer="simple", dataset="interviews")
    [task] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [t["text"] for t in task["tokens"]] == [
        "I",
        "wo",
        "n't",
        "say",
        ".",
        "They",
        "failed",
        ".",
    ]
    assert [(s["label"], s["token_start"], s["token_end"]) for s in task["spans"]] == [
        ("deflection", 0, 3),
        ("quote", 0, 7),
        ("criticism", 5, 6),
    ]
    assert task["_session_id"] == "interviews-alice"
    assert report.problems == []


def test_prodigy_round_trip(project: Project, tmp_path: Path, scheme: Scheme) -> None:
    path = tmp_path / "out.jsonl"
    run(prodigy, project, path)
    fresh = reimport([path], scheme, tmp_path / "fresh.db")
    assert spans_of(fresh, full=True) == spans_of(project, full=True)
    assert set(fresh.annotators()) == {"alice", "bob"}


def test_prodigy_turn_examples_use_turn_offsets(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "turns.jsonl"
    run(prodigy, project, path, unit="turn", layer="alice")
    tasks = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(t["meta"]["example_id"], t["meta"]["turn"]) for t in tasks] == [
        ("doc-1-turn-0", 0),
        ("doc-1-turn-1", 1),
        ("doc-2-turn-0", 0),
    ]
    assert tasks[1]["text"] == T1
    for task in tasks:
        for span in task["spans"]:
            assert task["text"][span["start"] : span["end"]] == span["text"]


# ---- doccano --------------------------------------------------------------------------


def test_doccano_all_annotators_in_one_file(
    project: Project, tmp_path: Path, scheme: Scheme
) -> None:
    path = tmp_path / "all.jsonl"
    report = run(doccano, project, path)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["annotator"], r["example_id"]) for r in records] == [
        (1, "alice", "doc-1"),
        (2, "bob", "doc-1"),
        (3, "alice", "doc-2"),
        (4, "bob", "doc-2"),
    ]
    assert records[1]["label"] == [
        [*at("I won't say"), "deflection"],
        [*at("They"), "personal-attack"],
        [*at("afé pol"), "quote"],
    ]
    assert all(TEXT[s:e] for s, e, _ in records[0]["label"])
    assert records[2]["label"] == []
    assert report.problems == [
        "doc-1 (Interview): 3 span(s) written without their attributes or notes "
        "(doccano spans have no room for them)"
    ]
    fresh = reimport([path], scheme, tmp_path / "fresh.db")
    assert spans_of(fresh) == spans_of(project)


def test_doccano_one_file_per_annotator(project: Project, tmp_path: Path, scheme: Scheme) -> None:
    path = tmp_path / "out.jsonl"
    run(doccano, project, path, per_annotator=True)
    assert not path.exists()
    files = [tmp_path / "out.alice.jsonl", tmp_path / "out.bob.jsonl"]
    for file, name in zip(files, ["alice", "bob"], strict=True):
        records = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines()]
        assert [r["id"] for r in records] == [1, 2]
        assert {r["annotator"] for r in records} == {name}
    fresh = reimport(files, scheme, tmp_path / "fresh.db")
    assert spans_of(fresh) == spans_of(project)


# ---- brat -----------------------------------------------------------------------------


def parse_ann(ann: Path, text: str) -> list[tuple[str, str, list[tuple[int, int]], str]]:
    """A reader independent of annotator.io.brat: (id, type, fragments, covered) of T lines."""
    found = []
    for line in ann.read_text(encoding="utf-8").split("\n"):
        if line.startswith("T"):
            key, middle, covered = line.split("\t")
            kind, offsets = middle.split(" ", 1)
            fragments = [(int(a), int(b)) for a, b in (f.split() for f in offsets.split(";"))]
            assert " ".join(text[a:b] for a, b in fragments) == covered
            found.append((key, kind, fragments, covered))
        elif line:
            assert re.fullmatch(r"(A\d+\t\S+ T\d+( \S+)?|#\d+\tAnnotatorNotes T\d+\t.*)", line)
    return found


def test_brat_folder_layout_and_ann_files(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "brat"
    run(brat, project, out)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "alice",
        "alice/doc-1.ann",
        "alice/doc-1.txt",
        "alice/doc-2.ann",
        "alice/doc-2.txt",
        "annotation.conf",
        "bob",
        "bob/doc-1.ann",
        "bob/doc-1.txt",
        "bob/doc-2.ann",
        "bob/doc-2.txt",
        "kb_shortcuts.conf",
        "visual.conf",
    ]
    assert (out / "alice" / "doc-1.txt").read_bytes() == TEXT.encode("utf-8")
    assert (out / "alice" / "doc-2.ann").read_text() == ""
    alice = parse_ann(out / "alice" / "doc-1.ann", TEXT)
    expected = {(label, s, e) for _t, a, label, s, e in spans_of(project) if a == "alice"}
    assert {(kind, f[0][0], f[-1][1]) for _, kind, f, _ in alice} == expected
    over_break = [f for _, kind, f, _ in alice if kind == "quote" and len(f) > 1]
    assert over_break == [[at("news."), at("We will")]]  # split at the line break
    ann = (out / "alice" / "doc-1.ann").read_text(encoding="utf-8")
    assert "\tquote__form T2 in%20direct\n" in ann  # a value with a space, percent-encoded
    assert "\tcriticism__personal T3\n" in ann  # a true boolean is a binary attribute
    assert "\tcriticism__strength T3 3\n" in ann  # brat's names are global: one per label
    assert "\tAnnotatorNotes T3\tsharp\n" in ann
    bob = parse_ann(out / "bob" / "doc-1.ann", TEXT)
    assert [(kind, covered) for _, kind, _, covered in bob] == [
        ("deflection", "I won't say"),
        ("personal-attack", "They"),
        ("quote", "afé pol"),
    ]


def test_brat_configuration_files(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "brat"
    run(brat, project, out)
    conf = (out / "annotation.conf").read_text(encoding="utf-8")
    assert conf.startswith("# Written by annotator from scheme exports v2 ")
    sections = re.split(r"^\[(\w+)\]\n", conf, flags=re.MULTILINE)[1:]
    parsed = dict(zip(sections[::2], sections[1::2], strict=True))
    assert parsed["entities"] == "quote\ndeflection\ncommitment\ncriticism\n\tpersonal-attack\n"
    assert "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>" in parsed["relations"]
    assert parsed["attributes"].splitlines() == [
        "quote__form\tArg:quote, Value:direct|in%20direct",
        "quote__source\tArg:quote, Value:press",
        "commitment__strength\tArg:commitment, Value:weak|strong",
        "criticism__target\tArg:criticism, Value:the%20government",
        "criticism__strength\tArg:criticism, Value:3",
        "criticism__personal\tArg:criticism",
    ]
    assert (out / "kb_shortcuts.conf").read_text() == (
        "T quote\nD deflection\nM commitment\nC criticism\nP personal-attack\n"
    )
    visual = (out / "visual.conf").read_text()
    assert "quote\tbgColor:#4c9be8\n" in visual and "deflection\tbgColor:#ffa500\n" in visual


def test_brat_round_trip(project: Project, tmp_path: Path, scheme: Scheme) -> None:
    out = tmp_path / "brat"
    run(brat, project, out)
    fresh = reimport([out], scheme, tmp_path / "fresh.db")
    assert spans_of(fresh, full=True) == spans_of(project, full=True)
    # One .ann alone reads the same layer (its folder names the annotator).
    [document] = read_transcript(out / "bob" / "doc-1.ann")
    assert document.annotator == "bob" and document.text == TEXT


SHARED_KIND = """
name: shared
version: 1
labels:
  - id: deflection
    color: orange
    attributes:
      - {id: kind, type: choice, choices: [pivots, dodges]}
  - id: commitment
    color: green
    attributes:
      - {id: kind, type: choice, choices: [action, promise]}
"""


def test_brat_declares_one_attribute_per_label(tmp_path: Path) -> None:
    """brat's attribute names are global: two labels' ``kind`` are two attributes, each with
    its label's values only (one list would let brat put ``kind=action`` on a deflection)."""
    scheme = load_scheme(SHARED_KIND)
    project = Project.create(tmp_path / "p.db", scheme)
    text = "I won't say. We will act."
    [added] = project.add_documents([ImportedDocument("T", text, (Turn(0, 0, len(text)),), "text")])
    d = added.document_id
    project.create_span(d, "alice", "deflection", 0, 11, {"kind": "dodges"})
    project.create_span(d, "alice", "commitment", 13, 24, {"kind": "action"})
    out = tmp_path / "brat"
    run(brat, project, out)
    conf = (out / "annotation.conf").read_text(encoding="utf-8")
    assert conf.split("[attributes]\n")[1].splitlines() == [
        "deflection__kind\tArg:deflection, Value:pivots|dodges",
        "commitment__kind\tArg:commitment, Value:action|promise",
    ]
    ann = (out / "alice" / "doc-1.ann").read_text(encoding="utf-8")
    assert "A1\tdeflection__kind T1 dodges\n" in ann
    assert "A2\tcommitment__kind T2 action\n" in ann
    fresh = reimport([out], scheme, tmp_path / "fresh.db")
    assert spans_of(fresh, full=True) == spans_of(project, full=True)
    # A folder exported before the names were per label (plain ``kind``) still reads.
    (out / "alice" / "doc-1.ann").write_text(
        ann.replace("deflection__kind", "kind").replace("commitment__kind", "kind"),
        encoding="utf-8",
    )
    older = reimport([out], scheme, tmp_path / "older.db")
    assert spans_of(older, full=True) == spans_of(project, full=True)


def test_brat_reports_note_line_breaks(tmp_path: Path, scheme: Scheme) -> None:
    example = make_example("Line one.\nLine two.", [("quote", 0, 9, "alice")])
    example = Example(
        **{
            **example.__dict__,
            "spans": (example.spans[0]._replace(note="a\nb"),),
        }
    )
    report = ExportReport()
    brat.write([example], tmp_path / "b", scheme, report)
    assert "#1\tAnnotatorNotes T1\ta b\n" in (tmp_path / "b" / "alice" / "doc-1.ann").read_text()
    assert report.problems == [
        "doc-1 (T): alice's quote span [0, 9): the note's line breaks became spaces "
        "(a brat note is one line)"
    ]


# ---- Label Studio ---------------------------------------------------------------------


def test_labelstudio_tasks_follow_the_documented_structure(
    project: Project, tmp_path: Path
) -> None:
    path = tmp_path / "tasks.json"
    report = run(labelstudio, project, path)
    assert report.problems == []
    [note] = report.notes  # what the server needs
    assert "alice@annotator.invalid (alice), bob@annotator.invalid (bob)" in note
    tasks = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(tasks, list) and [t["id"] for t in tasks] == [1, 2]
    for task in tasks:
        assert set(task) == {"id", "data", "annotations", "predictions"}
        text = task["data"]["text"]
        assert [a["annotator"] for a in task["annotations"]] == ["alice", "bob"]
        # A server matches annotators by e-mail (a numeric id is whoever has it there).
        assert [a["completed_by"] for a in task["annotations"]] == [
            {"email": "alice@annotator.invalid"},
            {"email": "bob@annotator.invalid"},
        ]
        for annotation in task["annotations"]:
            assert annotation["was_cancelled"] is False and annotation["ground_truth"] is False
            regions = {}
            for result in annotation["result"]:
                assert set(result) == {"id", "from_name", "to_name", "type", "origin", "value"}
                assert result["to_name"] == "text" and result["origin"] == "manual"
                value = result["value"]
                assert 0 <= value["start"] < value["end"] <= len(text)
                if result["type"] == "labels":
                    assert result["from_name"] == "label"
                    assert value["text"] == text[value["start"] : value["end"]]
                    assert len(value["labels"]) == 1
                    regions[result["id"]] = (value["start"], value["end"], value["labels"][0])
                else:  # per-region: after its region, same id and offsets
                    start, end, label = regions[result["id"]]
                    assert (value["start"], value["end"]) == (start, end)
                    assert result["from_name"] in (
                        "note",
                        f"{label}__{result['from_name'][len(label) + 2 :]}",
                    )
    alice = tasks[0]["annotations"][0]["result"]
    per_region = {(r["from_name"], r["type"]): r["value"] for r in alice if r["type"] != "labels"}
    assert per_region["quote__form", "choices"]["choices"] == ["in direct"]
    assert per_region["quote__source", "textarea"]["text"] == ["press"]
    assert per_region["criticism__strength", "number"]["number"] == 3
    assert per_region["criticism__personal", "choices"]["choices"] == ["true"]
    assert per_region["note", "textarea"]["text"] == ["sharp"]
    assert tasks[1]["annotations"][0]["result"] == []  # an empty answer is still an answer


def test_labelstudio_config_names_every_label_and_control(
    project: Project, tmp_path: Path, scheme: Scheme
) -> None:
    path = tmp_path / "tasks.json"
    run(labelstudio, project, path, config_out=tmp_path / "config" / "label.xml")
    root = ET.parse(tmp_path / "config" / "label.xml").getroot()
    assert root.tag == "View"
    [labels] = root.findall("Labels")
    assert labels.attrib == {"name": "label", "toName": "text"}
    assert [(lab.get("value"), lab.get("hotkey"), lab.get("background")) for lab in labels] == [
        (label.id, label.hotkey, label.color) for label in scheme.labels
    ]
    [text] = root.findall("Text")
    assert text.attrib == {"name": "text", "value": "$text", "granularity": "symbol"}
    controls = {c.get("name"): c for c in root.iter() if c.get("perRegion") == "true"}
    assert set(controls) == {
        "quote__form", "quote__source", "commitment__strength", "criticism__target",
        "criticism__strength", "criticism__personal", "note",
    }  # fmt: skip
    assert [c.get("value") for c in controls["quote__form"]] == ["direct", "in direct"]
    assert controls["criticism__strength"].tag == "Number"
    panels = [v.get("whenLabelValue") for v in root.findall("View")]
    assert panels == ["quote", "commitment", "criticism", None]
    tasks = json.loads(path.read_text(encoding="utf-8"))
    used = {r["from_name"] for t in tasks for a in t["annotations"] for r in a["result"]}
    assert used <= set(controls) | {"label"}


def test_labelstudio_config_defaults_next_to_the_file(project: Project, tmp_path: Path) -> None:
    run(labelstudio, project, tmp_path / "tasks.json")
    ET.parse(tmp_path / "tasks.config.xml")


def test_labelstudio_round_trip(project: Project, tmp_path: Path, scheme: Scheme) -> None:
    path = tmp_path / "tasks.json"
    run(labelstudio, project, path)
    fresh = reimport([path], scheme, tmp_path / "fresh.db")
    assert spans_of(fresh, full=True) == spans_of(project, full=True)


# ---- CoNLL ----------------------------------------------------------------------------


def read_conll(path: Path) -> list[tuple[list[str], list[list[str]]]]:
    """(tokens, one tag list per column) of each document after its -DOCSTART- line."""
    documents: list[tuple[list[str], list[list[str]]]] = []
    width = None
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line or line.startswith("# "):  # the blank lines, the header's comments
            continue
        cells = line.split("\t")
        width = width or len(cells)
        assert len(cells) == width  # every line has every column
        if cells[0] == "-DOCSTART-":
            assert set(cells[1:]) == {"O"}
            documents.append(([], [[] for _ in cells[1:]]))
            continue
        documents[-1][0].append(cells[0])
        for column, tag in zip(documents[-1][1], cells[1:], strict=True):
            column.append(tag)
    return documents


def test_conll_columns_load_in_seqeval(project: Project, tmp_path: Path) -> None:
    seqeval = pytest.importorskip("seqeval.metrics.sequence_labeling")
    path = tmp_path / "out.conll"
    report = run(conll, project, path, tokenizer="simple")
    assert not path.exists()  # two annotators: one file each
    columns = ["quote", "deflection", "commitment", "criticism", "personal-attack"]
    texts = {1: TEXT, 2: SECOND}
    for annotator in ("alice", "bob"):
        documents = read_conll(tmp_path / f"out.{annotator}.conll")
        assert len(documents) == 2
        for (tokens, tags), document_id in zip(documents, (1, 2), strict=True):
            words = [t for t in simple_tokens(texts[document_id]) if not t.is_space]
            assert tokens == [t.text for t in words]
            for label, column in zip(columns, tags, strict=True):
                found = {(s, e) for kind, s, e in seqeval.get_entities(column) if kind == label}
                spans = [
                    (s, e)
                    for text, a, lab, s, e in spans_of(project)
                    if a == annotator and lab == label and text == texts[document_id]
                ]
                expected = {align(words, s, e)[:2] for s, e in spans}  # type: ignore[index]
                assert found == expected
    assert report.problems == [
        "doc-1 (Interview): bob's quote span [28, 35) does not end on token boundaries; "
        "tagged as tokens [27, 38)"
    ]


def test_conll_one_layer_is_one_file(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "alice.conll"
    run(conll, project, path, layer="alice", tokenizer="simple")
    assert path.exists() and not list(tmp_path.glob("alice.*.conll"))
    text = path.read_text(encoding="utf-8")
    scheme = project.scheme
    assert text.startswith(
        "# global.columns = FORM quote deflection commitment criticism personal-attack\n"
        "# annotator = alice\n"
        f"# scheme = exports v2 ({scheme.hash})\n"
        "\n"
        "-DOCSTART-\tO\tO\tO\tO\tO\n\nI\tB-quote\tB-deflection\tO\tO\tO\n"
    )
    assert "\n\n\n" not in text  # one blank line between sequences


def test_conll_header_names_each_column(tmp_path: Path, scheme: Scheme) -> None:
    """The first line names the columns (CoNLL-U Plus's ``global.columns``); each tag column
    holds only its label's tags. A ``#`` token's line is not a comment (a tab follows it)."""
    text = "#Brexit is done. They failed."
    example = make_example(text, [("criticism", 17, 28, "bob"), ("deflection", 0, 7, "bob")])
    conll.write([example], tmp_path / "x.conll", scheme, ExportReport(), tokenizer="simple")
    lines = (tmp_path / "x.conll").read_text(encoding="utf-8").split("\n")
    comments = [line for line in lines if line.startswith("# ")]
    assert comments == [
        "# global.columns = FORM quote deflection commitment criticism personal-attack",
        "# annotator = bob",
        f"# scheme = exports v2 ({scheme.hash})",
    ]
    assert lines[: len(comments) + 1] == [*comments, ""]  # the header, then a blank line
    names = comments[0].removeprefix("# global.columns = ").split(" ")
    assert "#\tO\tB-deflection\tO\tO\tO" in lines  # the "#" token, tagged
    [(tokens, tags)] = read_conll(tmp_path / "x.conll")
    assert tokens[:2] == ["#", "Brexit"]
    for name, column in zip(names[1:], tags, strict=True):
        assert {tag.split("-", 1)[-1] for tag in column} <= {"O", name}
    assert tags[names.index("criticism") - 1] == ["O"] * 5 + ["B-criticism", "I-criticism", "O"]


def test_conll_reports_same_label_overlap(tmp_path: Path, scheme: Scheme) -> None:
    text = "I won't say. They failed."
    example = make_example(text, [("quote", 0, 11, "alice"), ("quote", 8, 24, "alice")])
    report = ExportReport()
    conll.write([example], tmp_path / "x.conll", scheme, report, tokenizer="simple")
    [(_, tags)] = read_conll(tmp_path / "x.conll")
    assert tags[0] == ["B-quote", "I-quote", "I-quote", "I-quote", "O", "O", "O", "O"]
    assert report.problems == [
        "doc-1 (T): alice's quote span [8, 24) overlaps another quote span of the same "
        "annotator on the same tokens; one tag column holds one of them, so it is not written"
    ]


# ---- spaCy ----------------------------------------------------------------------------


def test_spacy_docbin_holds_every_span(project: Project, tmp_path: Path) -> None:
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    from annotator.export import spacy as spacy_export

    path = tmp_path / "train.spacy"
    report = run(spacy_export, project, path)
    nlp = spacy.blank("en")
    docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    assert [(d.user_data["example_id"], d.user_data["annotator"]) for d in docs] == [
        ("doc-1", "alice"),
        ("doc-1", "bob"),
        ("doc-2", "alice"),
        ("doc-2", "bob"),
    ]
    for doc in docs:
        assert doc.text == {"doc-1": TEXT, "doc-2": SECOND}[doc.user_data["example_id"]]
        assert doc.user_data["scheme_name"] == "exports" and doc.user_data["scheme_version"] == 2
        assert len(doc.user_data["scheme_hash"]) == 64
        ents = sorted((e.start, e.end) for e in doc.ents)
        assert all(a[1] <= b[0] for a, b in pairwise(ents))
        assert {(e.start, e.end, e.label_) for e in doc.ents} <= {
            (s.start, s.end, s.label_) for s in doc.spans["sc"]
        }
    alice = {(s.label_, s.start_char, s.end_char) for s in docs[0].spans["sc"]}
    assert alice == {(lab, s, e) for _t, a, lab, s, e in spans_of(project) if a == "alice"}
    bob = [(s.label_, s.start_char, s.end_char) for s in docs[1].spans["sc"]]
    assert ("quote", 27, 38) in bob  # "afé pol" expanded to "Café policy"
    stored = {(s["label"], s["start"], s["end"]) for s in docs[1].user_data["spans"]}
    assert ("quote", *at("afé pol")) in stored  # the offsets as annotated
    criticism = [s for s in docs[0].user_data["spans"] if s["attributes"].get("target")]
    assert criticism[0]["attributes"]["strength"] == 3 and criticism[0]["note"] == "sharp"
    assert (
        "doc-1 (Interview): bob's quote span [28, 35) does not end on token boundaries; "
        "expanded to [27, 38)" in report.problems
    )
    assert any("of alice's 6 spans not in doc.ents" in p for p in report.problems)


def test_spacy_missing_says_how_to_install(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.export import spacy as spacy_export

    monkeypatch.setitem(sys.modules, "spacy", None)  # import spacy now raises ImportError
    with pytest.raises(
        ProjectError, match=r"spacy export needs spaCy: pip install 'annotator\[spacy\]'"
    ):
        run(spacy_export, project, tmp_path / "x.spacy")


# ---- shared ---------------------------------------------------------------------------


@pytest.mark.parametrize("module", [prodigy, doccano, brat, labelstudio, conll])
def test_output_is_deterministic(module: ModuleType, project: Project, tmp_path: Path) -> None:
    outputs = []
    for attempt in ("a", "b"):
        path = tmp_path / attempt / f"out{module.SUFFIX}"
        path.parent.mkdir()
        run(module, project, path)
        outputs.append(
            {
                p.relative_to(tmp_path / attempt): p.read_bytes()
                for p in sorted((tmp_path / attempt).rglob("*"))
                if p.is_file()
            }
        )
    assert outputs[0] == outputs[1]


def test_no_annotators_is_reported_not_silent(tmp_path: Path, scheme: Scheme) -> None:
    example = make_example("Nobody labelled this.", [])
    example = Example(**{**example.__dict__, "annotators": ()})
    for module in (prodigy, doccano, labelstudio):
        report = ExportReport()
        module.write([example], tmp_path / f"x{module.SUFFIX}", scheme, report)
        assert report.problems == [
            "doc-1 (T): no annotator layer in this project, nothing written for it"
        ]


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("prodigy", "out.jsonl"),
        ("doccano", "out.jsonl"),
        ("brat", "brat"),
        ("labelstudio", "out.json"),
        ("conll", "out.conll"),
        ("spacy", "out.spacy"),
    ],
)
def test_every_format_through_the_registry(
    fmt: str, name: str, project: Project, tmp_path: Path
) -> None:
    from annotator.export import EXPORT_FORMATS, export

    if EXPORT_FORMATS[fmt].missing():
        pytest.skip(EXPORT_FORMATS[fmt].missing())
    report = export(project, fmt, tmp_path / name)
    assert (report.examples, report.spans) == (2, 9)
    assert any(p.is_file() for p in tmp_path.rglob("*") if p.name != "source.db")
