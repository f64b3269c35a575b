"""The csv export: one row per span, read back with the csv module and pandas; its columns
for attributes, metadata, turn times and question links (tests/columns_sample.py)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import columns_sample
import pytest
from conftest import layout
from export_sample import build

from annotator.export import csv as csv_export
from annotator.export import export
from annotator.export.csv import COLUMNS, MORE_COLUMNS
from annotator.export.examples import Example, ExportReport, ExportSpan
from annotator.model import ImportedDocument
from annotator.scheme import Scheme, load_scheme
from annotator.store import Project


@pytest.fixture
def sample(tmp_path: Path, tiny_scheme: Scheme) -> Project:
    project = build(tmp_path / "sample.db", tiny_scheme)
    yield project
    project.close()


def read(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_rows_match_spans(sample: Project, tmp_path: Path) -> None:
    out = tmp_path / "spans.csv"
    report = export(sample, "csv", out)
    rows = read(out)
    assert list(rows[0])[: len(COLUMNS)] == list(COLUMNS)
    spans = {span.id: span for d in (1, 2, 3) for span in sample.spans(d)}
    assert len(rows) == len(spans) == report.spans == 7
    texts = {d: sample.document(d).text for d in (1, 2)}
    for row in rows:
        document_id = int(row["document_id"])
        start, end = int(row["start"]), int(row["end"])
        match = [
            s
            for s in spans.values()
            if (s.document_id, s.start, s.end, s.annotator, s.label)
            == (document_id, start, end, row["annotator"], row["label"])
        ]
        assert len(match) == 1
        span = match[0]
        assert row["text"] == texts[document_id][start:end]
        assert json.loads(row["attributes"]) == span.attributes
        assert row["note"] == span.note
        assert row["created_at"] == span.created_at and row["scheme_hash"] == span.scheme_hash
        assert row["example_id"] == f"doc-{document_id}"
    crossing = next(r for r in rows if r["text"].startswith("Really?"))
    assert (crossing["turn_index"], crossing["speaker"]) == ("0", "HOST")
    cjk = next(r for r in rows if r["text"] == "政府 failed them")
    assert (cjk["turn_index"], cjk["speaker"]) == ("1", "MINISTER")
    no_speaker = next(r for r in rows if r["document_id"] == "2")
    assert no_speaker["text"] == "😀 a yes" and no_speaker["speaker"] == "Q"


def test_turn_unit_rows_are_relative_to_the_turn(sample: Project, tmp_path: Path) -> None:
    out = tmp_path / "turns.csv"
    report = export(sample, "csv", out, unit="turn", layer="bob")
    rows = read(out)
    assert len(rows) == 4 and not report.problems
    turns = {(t_doc, t.index): t for t_doc in (1, 2) for t in sample.turns(t_doc)}
    for row in rows:
        turn = turns[(int(row["document_id"]), int(row["turn_index"]))]
        text = sample.document(int(row["document_id"])).text[turn.start : turn.end]
        assert row["text"] == text[int(row["start"]) : int(row["end"])]
        assert row["example_id"].endswith(f"-turn-{turn.index}")


def test_pandas_reads_it(sample: Project, tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas")
    out = tmp_path / "spans.csv"
    export(sample, "csv", out)
    frame = pandas.read_csv(out, keep_default_na=False)
    assert list(frame.columns)[: len(COLUMNS)] == list(COLUMNS)
    assert len(frame) == 7
    assert str(frame["start"].dtype) == "int64"
    assert set(frame["label"]) == {"quote", "criticism"}
    assert "nested in the quote; é 😀" in set(frame["note"])


def test_tiny_scheme_attribute_columns_spell_out_the_json(sample: Project, tmp_path: Path) -> None:
    out = tmp_path / "spans.csv"
    export(sample, "csv", out)
    rows = read(out)
    assert list(rows[0])[len(COLUMNS) :] == [
        *MORE_COLUMNS,
        "quote.form",
        "quote.source",
        "criticism.target",
        "criticism.strength",
        "criticism.personal",
        "meta.date",
        "meta.episode",
        "meta.tags",
    ]
    texts = {"true": True, "false": False}
    for row in rows:
        values = json.loads(row["attributes"])
        for column in ("quote.form", "quote.source", "criticism.target"):
            label, attribute = column.split(".")
            wanted = values.get(attribute, "") if row["label"] == label else ""
            assert row[column] == wanted
        if row["label"] == "criticism":
            assert texts.get(row["criticism.personal"], row["criticism.personal"]) == values.get(
                "personal", ""
            )
            assert row["criticism.strength"] == str(values.get("strength", ""))
        else:
            assert row["criticism.personal"] == row["criticism.strength"] == ""


# ---- the columns sample: attributes, metadata, turn times, question links -------------------


@pytest.fixture
def columns(tmp_path: Path) -> Project:
    project = columns_sample.build(tmp_path / "columns.db")
    yield project
    project.close()


ATTRIBUTE_COLUMNS = [
    "deflection.kind",
    "deflection.tactics.attack",
    "deflection.tactics.self praise",
    "deflection.tactics.deflect",
    "deflection.gist",
    "commitment.kind",
    "commitment.conditional",
    "commitment.amount",
]
METADATA_COLUMNS = [
    "meta.date",
    "meta.source",
    "meta.url",
    "meta.episode",
    "meta.outlet.live",
    "meta.outlet.name",
    "meta.tags",
]


def keyed(rows: list[dict[str, str]]) -> dict[tuple[str, str, str], dict[str, str]]:
    return {(r["document_id"], r["annotator"], r["label"]): r for r in rows}


def test_columns_in_order(columns: Project, tmp_path: Path) -> None:
    out = tmp_path / "spans.csv"
    report = export(columns, "csv", out)
    with open(out, encoding="utf-8", newline="") as file:
        header = next(csv.reader(file))
    assert header == [*COLUMNS, *MORE_COLUMNS, *ATTRIBUTE_COLUMNS, *METADATA_COLUMNS]
    assert len(header) == len(set(header))
    assert report.notes == []  # every value has its column


def test_readme_names_the_columns_as_the_file_does() -> None:
    """The README's row for the format names each fixed column as the header does, in order
    (users' scripts select columns by these names)."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    [row] = [line for line in readme.splitlines() if line.startswith("| `csv` |")]
    assert [name for name in re.findall(r"`(\w+)`", row) if name in _FIXED] == list(_FIXED)


_FIXED = (*COLUMNS, *MORE_COLUMNS)


def test_attribute_columns(columns: Project, tmp_path: Path) -> None:
    out = tmp_path / "spans.csv"
    export(columns, "csv", out)
    rows = keyed(read(out))
    alice = rows[("1", "alice", "deflection")]
    assert [alice[c] for c in ATTRIBUTE_COLUMNS] == [
        "declines",
        "true",
        "true",
        "false",
        'no, "never"',
        "",
        "",
        "",
    ]
    bob = rows[("1", "bob", "deflection")]  # nothing chosen: false; a label's other columns: empty
    assert [bob[c] for c in ATTRIBUTE_COLUMNS] == ["dodges", "false", "false", "false", ""] + [
        ""
    ] * 3
    # Two labels with an attribute "kind": a column each.
    commitment = rows[("1", "alice", "commitment")]
    assert [commitment[c] for c in ATTRIBUTE_COLUMNS] == [""] * 5 + ["action", "true", "300"]
    assert [rows[("2", "bob", "commitment")][c] for c in ATTRIBUTE_COLUMNS[5:]] == ["", "", "2.5"]
    quote = rows[("1", "bob", "quote")]
    assert all(quote[c] == "" for c in ATTRIBUTE_COLUMNS)
    assert json.loads(alice["attributes"])["tactics"] == ["attack", "self praise"]  # kept


def test_turn_times_people_and_question_links(columns: Project, tmp_path: Path) -> None:
    out = tmp_path / "spans.csv"
    export(columns, "csv", out)
    rows = keyed(read(out))

    def cells(row: dict[str, str], *names: str) -> tuple[str, ...]:
        return tuple(row[name] for name in names)

    names = ("speaker", "person", "role", "turn_start_time", "turn_end_time")
    link = ("question_id", "question_name")
    questions = {q.name: str(q.id) for q in columns.questions(1)}
    alice = rows[("1", "alice", "deflection")]
    assert cells(alice, *names) == ("MINISTER", "MINISTER", "interviewee", "10.0", "18.5")
    assert cells(alice, *link) == (questions["Q1a"], "Q1a")  # a part
    assert cells(rows[("1", "alice", "commitment")], *link) == (questions["Q1"], "Q1")
    quote = rows[("1", "bob", "quote")]
    assert cells(quote, "turn_index", "turn_start_time", "turn_end_time") == ("3", "30.0", "38.5")
    assert cells(quote, *link) == (questions["Q2"], "Q2")
    untimed = rows[("2", "bob", "commitment")]  # a turn without times, a span without a link
    assert cells(untimed, "turn_start_time", "turn_end_time", *link) == ("", "", "", "")


def test_metadata_columns(columns: Project, tmp_path: Path) -> None:
    out = tmp_path / "spans.csv"
    export(columns, "csv", out)
    rows = keyed(read(out))
    first = rows[("1", "alice", "deflection")]
    assert [first[c] for c in METADATA_COLUMNS] == [
        "2024-05-01",
        "Radio 4",
        "https://example.org/1",
        "3",
        "true",
        "Today",
        '["radio", "é"]',
    ]
    second = rows[("2", "bob", "commitment")]
    assert [second[c] for c in METADATA_COLUMNS] == ["2024-06-02", "", "", "4.5", "false", "", ""]
    # Only the exported documents' keys: the second document alone has no source or url.
    alone = tmp_path / "second.csv"
    export(columns, "csv", alone, documents=["2"])
    assert [c for c in read(alone)[0] if c.startswith("meta.")] == [
        "meta.date",
        "meta.episode",
        "meta.outlet.live",
    ]


def test_turn_examples_have_their_turns_times_and_no_links(
    columns: Project, tmp_path: Path
) -> None:
    out = tmp_path / "turns.csv"
    report = export(columns, "csv", out, unit="turn")
    rows = keyed(read(out))
    quote = rows[("1", "bob", "quote")]
    assert (quote["turn_index"], quote["turn_start_time"], quote["turn_end_time"]) == (
        "3",
        "30.0",
        "38.5",
    )
    assert all(row["question_id"] == row["question_name"] == "" for row in rows.values())
    assert rows[("1", "alice", "deflection")]["deflection.tactics.attack"] == "true"
    assert report.problems == [
        "4 questions cannot go into csv files; export them with --format jsonl, questions-csv "
        "or qevasion",
        "4 spans' links to questions cannot go into turn examples; export with --unit document",
    ]


def test_pandas_reads_the_new_columns_typed(columns: Project, tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas")
    out = tmp_path / "spans.csv"
    export(columns, "csv", out)
    frame = pandas.read_csv(out, dtype_backend="numpy_nullable")
    dtypes = {column: str(frame[column].dtype) for column in frame.columns}
    assert {column: dtypes[column] for column in (*MORE_COLUMNS, *ATTRIBUTE_COLUMNS)} == {
        "turn_start_time": "Float64",
        "turn_end_time": "Float64",
        "question_id": "Int64",
        "question_name": "string",
        "deflection.kind": "string",
        "deflection.tactics.attack": "boolean",
        "deflection.tactics.self praise": "boolean",
        "deflection.tactics.deflect": "boolean",
        "deflection.gist": "string",
        "commitment.kind": "string",
        "commitment.conditional": "boolean",
        "commitment.amount": "Float64",
    }
    assert dtypes["meta.outlet.live"] == "boolean" and dtypes["meta.episode"] == "Float64"
    assert dtypes["start"] == "Int64" and dtypes["meta.date"] == "string"
    deflections = frame[frame["label"] == "deflection"]
    assert deflections["deflection.tactics.attack"].tolist() == [True, False]
    # The default backend: a column of true/false alone is bool, one with empty cells holds
    # True, False and NaN.
    plain = pandas.read_csv(out)
    assert str(plain["deflection.tactics.attack"].dtype) == "object"
    assert plain["deflection.tactics.attack"].tolist()[:2] == [True, False]
    assert str(plain["meta.outlet.live"].dtype) == "bool"
    # The question link joins the questions-csv rows (one per question unit and annotator).
    questions = tmp_path / "questions.csv"
    export(columns, "questions-csv", questions)
    units = pandas.read_csv(questions, dtype_backend="numpy_nullable")
    joined = deflections.merge(
        units[["question_id", "annotator", "question", "respondent"]],
        on=["question_id", "annotator"],
        how="left",
    )
    assert joined["question_name"].tolist() == ["Q1a", "Q1"]
    # Q1 has parts, so only they are units: a span linked to the whole of Q1 has no row
    # there (its parts' rows count it in spans_via_parent).
    assert joined["question"].tolist()[0] == "Q1a" and pandas.isna(joined["question"][1])
    assert joined["respondent"].tolist()[0] == "MINISTER"


def test_values_without_a_column_are_counted(tmp_path: Path) -> None:
    scheme = columns_sample.scheme()
    example = Example(
        id="doc-1",
        document_id=1,
        title="T",
        text="I won't say.",
        turns=(),
        spans=(
            ExportSpan(
                1,
                "deflection",
                0,
                11,
                "alice",
                # a choice since removed, one of a multichoice's that remains, an attribute
                # since removed, a value of another type
                {"kind": "gone", "tactics": ["attack", "old"], "tone": "x", "gist": 3},
                "",
                "hash",
                "",
                "",
            ),
            ExportSpan(2, "retired", 0, 1, "alice", {"x": 1}, "", "hash", "", ""),  # old label
        ),
        annotators=("alice",),
        metadata={},
        source_path=None,
    )
    report = ExportReport()
    csv_export.write([example], tmp_path / "old.csv", scheme, report)
    rows = read(tmp_path / "old.csv")
    first = rows[0]
    assert [first[c] for c in ATTRIBUTE_COLUMNS[:5]] == ["gone", "true", "false", "false", ""]
    assert report.notes == [
        "4 attribute values of 2 spans fit no attribute column of the scheme (made with an older "
        "version of it): they are in the attributes column only."
    ]
    assert all(rows[1][c] == "" for c in ATTRIBUTE_COLUMNS)


def test_a_label_called_meta_does_not_take_a_metadata_column(tmp_path: Path) -> None:
    scheme = load_scheme(
        "name: m\nversion: 1\nlabels:\n  - id: meta\n    hotkey: m\n    color: blue\n"
        "    attributes: [{id: date, type: text}]\n"
    )
    with Project.create(tmp_path / "m.db", scheme) as project:
        text, turns = layout(["One sentence."])
        [added] = project.add_documents(
            [ImportedDocument("T", text, tuple(turns), "text", None, {"date": "2024-01-01"})]
        )
        project.create_span(added.document_id, "alice", "meta", 0, 3, {"date": "then"})
        report = export(project, "csv", tmp_path / "m.csv")
    [row] = read(tmp_path / "m.csv")
    assert (row["meta.date"], row["meta.date_2"]) == ("then", "2024-01-01")
    assert report.notes == [
        "The metadata key 'date' is in the column 'meta.date_2': an attribute column of the "
        "scheme is called 'meta.date'."
    ]


def test_standard_output_and_no_spans(columns: Project, tmp_path: Path) -> None:
    stream = io.BytesIO()
    report = export(columns, "csv", None, stream=stream)
    assert report.outputs == ["standard output"]
    lines = stream.getvalue().decode("utf-8").splitlines()
    assert len(lines) == 6 and lines[0].startswith("document_id,title,")
    left = [p.name for p in tmp_path.iterdir() if not p.name.startswith("columns.db")]
    assert left == []  # nothing left behind
    empty = tmp_path / "empty.csv"
    export(columns, "csv", empty, layer="alice", status="done")  # no document
    assert empty.read_text(encoding="utf-8").splitlines() == [
        ",".join([*COLUMNS, *MORE_COLUMNS, *ATTRIBUTE_COLUMNS])
    ]
