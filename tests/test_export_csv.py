"""The csv export: one row per span, read back with the csv module and pandas."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from export_sample import build

from annotator.export import export
from annotator.export.csv import COLUMNS
from annotator.scheme import Scheme
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
    assert list(rows[0]) == list(COLUMNS)
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
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == 7
    assert str(frame["start"].dtype) == "int64"
    assert set(frame["label"]) == {"quote", "criticism"}
    assert "nested in the quote; é 😀" in set(frame["note"])
