"""The parquet export: a span table and a documents table that pandas reads; the span
table's columns for attributes, metadata, turn times and question links, typed."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import columns_sample
import pytest
from export_sample import build

from annotator.export import EXPORT_FORMATS, export
from annotator.model import ImportedDocument
from annotator.scheme import Scheme
from annotator.store import Project, ProjectError


@pytest.fixture
def sample(tmp_path: Path, tiny_scheme: Scheme) -> Project:
    project = build(tmp_path / "sample.db", tiny_scheme)
    yield project
    project.close()


def test_without_pyarrow_the_message_says_what_to_install(
    sample: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a)
    )
    assert EXPORT_FORMATS["parquet"].missing() == (
        "parquet export needs pyarrow: pip install 'annotator[parquet]'"
    )
    with pytest.raises(ProjectError, match=r"pip install 'annotator\[parquet\]'"):
        export(sample, "parquet", tmp_path / "out.parquet")


def test_span_and_document_tables(sample: Project, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    pandas = pytest.importorskip("pandas")
    from annotator.export.csv import COLUMNS
    from annotator.export.parquet import SPANS_SCHEMA

    assert tuple(SPANS_SCHEMA.names) == COLUMNS  # the csv columns, typed
    out = tmp_path / "labels.parquet"
    report = export(sample, "parquet", out)
    assert report.outputs == [str(out), str(tmp_path / "labels.documents.parquet")]
    spans = pandas.read_parquet(out)
    documents = pandas.read_parquet(tmp_path / "labels.documents.parquet")
    assert len(spans) == 7 and len(documents) == 3
    assert str(spans["start"].dtype) == "int64"
    texts = dict(zip(documents["example_id"], documents["text"], strict=True))
    for row in spans.itertuples():
        assert texts[row.example_id][row.start : row.end] == row.text
    assert json.loads(documents["metadata"][1])["tags"] == ["radio", "é"]
    turns = documents["turns"][0]
    assert [t["speaker"] for t in turns] == ["HOST", "MINISTER"]
    assert turns[1]["end_time"] == 12.25
    assert list(documents["annotators"][0]) == ["alice", "bob", "carol"]

    import pyarrow.parquet as pq

    scheme = json.loads(pq.read_schema(out).metadata[b"annotator.scheme"])
    assert scheme == {"name": "tiny", "version": 1, "hash": sample.scheme.hash}


def test_turn_unit_and_empty_export(sample: Project, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    pandas = pytest.importorskip("pandas")
    out = tmp_path / "turns.parquet"
    export(sample, "parquet", out, unit="turn")
    documents = pandas.read_parquet(tmp_path / "turns.documents.parquet")
    assert list(documents["turn_index"]) == [0, 1, 0, 1, 0]
    empty = tmp_path / "empty.parquet"
    report = export(sample, "parquet", empty, layer="bob", status="done")
    assert report.documents == 0
    assert len(pandas.read_parquet(empty)) == 0
    assert len(pandas.read_parquet(tmp_path / "empty.documents.parquet")) == 0


# ---- the columns sample: attributes, metadata, turn times, question links -------------------


@pytest.fixture
def columns(tmp_path: Path) -> Project:
    project = columns_sample.build(tmp_path / "columns.db")
    yield project
    project.close()


def test_new_columns_are_typed(columns: Project, tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pandas = pytest.importorskip("pandas")
    import pyarrow.parquet as pq

    from annotator.export.csv import COLUMNS, MORE_COLUMNS

    out = tmp_path / "labels.parquet"
    export(columns, "parquet", out)
    schema = pq.read_schema(out)
    csv_out = tmp_path / "labels.csv"
    export(columns, "csv", csv_out)
    with open(csv_out, encoding="utf-8") as file:
        assert schema.names == file.readline().rstrip("\n").split(",")  # the csv's columns
    assert tuple(schema.names[: len(COLUMNS) + len(MORE_COLUMNS)]) == COLUMNS + MORE_COLUMNS
    types = {name: schema.field(name).type for name in schema.names[len(COLUMNS) :]}
    string, boolean, double = pa.string(), pa.bool_(), pa.float64()
    assert types == {
        "turn_start_time": double,
        "turn_end_time": double,
        "question_id": pa.int64(),
        "question_name": string,
        "deflection.kind": string,
        "deflection.tactics.attack": boolean,
        "deflection.tactics.self praise": boolean,
        "deflection.tactics.deflect": boolean,
        "deflection.gist": string,
        "commitment.kind": string,
        "commitment.conditional": boolean,
        "commitment.amount": double,
        "meta.date": string,
        "meta.source": string,
        "meta.url": string,
        "meta.episode": double,  # 3 and 4.5
        "meta.outlet.live": boolean,
        "meta.outlet.name": string,
        "meta.tags": string,  # a list, as JSON
    }
    spans = pandas.read_parquet(out)
    rows = {(r["document_id"], r["annotator"], r["label"]): r for r in spans.to_dict("records")}
    alice = rows[(1, "alice", "deflection")]
    assert (alice["deflection.kind"], alice["deflection.tactics.self praise"]) == ("declines", True)
    assert pandas.isna(alice["commitment.conditional"]) and pandas.isna(alice["commitment.kind"])
    assert (alice["turn_start_time"], alice["turn_end_time"], alice["question_name"]) == (
        10.0,
        18.5,
        "Q1a",
    )
    assert alice["question_id"] == next(q.id for q in columns.questions(1) if q.name == "Q1a")
    assert json.loads(alice["meta.tags"]) == ["radio", "é"]
    assert (alice["meta.episode"], alice["meta.outlet.live"]) == (3.0, True)
    commitment = rows[(1, "alice", "commitment")]
    assert (commitment["commitment.conditional"], commitment["commitment.amount"]) == (True, 300.0)
    second = rows[(2, "bob", "commitment")]
    assert pandas.isna(second["turn_start_time"]) and pandas.isna(second["question_id"])
    assert (second["meta.outlet.live"], second["meta.episode"]) == (False, 4.5)
    assert pandas.isna(second["meta.source"])


def test_metadata_types_follow_the_values(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    with Project.create(tmp_path / "m.db", columns_sample.scheme()) as project:
        metadata = [
            {"n": 1, "big": 2**70, "mixed": True, "flag": True, "when": "2024"},
            {"n": 2, "big": 1, "mixed": "yes", "flag": None, "when": None},
        ]
        added = project.add_documents(
            [
                ImportedDocument(f"D{i}", f"We will act {i}.", (), "text", None, meta)
                for i, meta in enumerate(metadata)
            ]
        )
        for document in added:
            project.create_span(document.document_id, "alice", "commitment", 0, 7)
        export(project, "parquet", tmp_path / "m.parquet")
    table = pq.read_table(tmp_path / "m.parquet")
    types = {name: table.schema.field(name).type for name in table.schema.names}
    assert types["meta.n"] == pa.int64() and types["meta.flag"] == pa.bool_()
    assert types["meta.big"] == types["meta.mixed"] == types["meta.when"] == pa.string()
    assert table.column("meta.big").to_pylist() == [str(2**70), "1"]
    assert table.column("meta.mixed").to_pylist() == ["true", "yes"]
    assert table.column("meta.flag").to_pylist() == [True, None]


def test_an_empty_table_has_the_scheme_columns(columns: Project, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    out = tmp_path / "empty.parquet"
    export(columns, "parquet", out, layer="alice", status="done")
    schema = pq.read_schema(out)
    assert "deflection.tactics.attack" in schema.names
    assert not [name for name in schema.names if name.startswith("meta.")]
