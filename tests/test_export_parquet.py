"""The parquet export: a span table and a documents table that pandas reads."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from export_sample import build

from annotator.export import EXPORT_FORMATS, export
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
