"""The native jsonl export: its layout, pandas and datasets load it, and it imports back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from export_sample import build

from annotator.export import export
from annotator.io import ImportFailure, detect_format, read_transcript
from annotator.scheme import Scheme
from annotator.store import Project, ProjectError

KEYS = [
    "id",
    "document_id",
    "title",
    "format",
    "source_path",
    "text",
    "turns",
    "spans",
    "questions",
    "codes",
    "annotators",
    "statuses",
    "metadata",
    "turn_index",
    "speaker",
    "scheme",
]
SPAN_KEYS = [
    "id",
    "label",
    "start",
    "end",
    "text",
    "annotator",
    "attributes",
    "note",
    "created_at",
    "updated_at",
    "scheme_hash",
    "provenance",
    "question",
    "speaker",
    "person",
    "role",
]


@pytest.fixture
def sample(tmp_path: Path, tiny_scheme: Scheme) -> Project:
    project = build(tmp_path / "sample.db", tiny_scheme)
    yield project
    project.close()


def lines(path: Path) -> list[dict[str, Any]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
    return [json.loads(line) for line in raw.decode("utf-8").splitlines()]


def test_layout_and_consistent_types(sample: Project, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    export(sample, "jsonl", out)
    records = lines(out)
    assert len(records) == 3
    for record in records:
        assert list(record) == KEYS
        assert isinstance(record["metadata"], dict)
        assert record["scheme"] == {
            "name": "tiny",
            "version": 1,
            "hash": sample.scheme.hash,
        }
        for turn in record["turns"]:
            for key in ("start_time", "end_time"):
                assert turn[key] is None or isinstance(turn[key], float)
        for span in record["spans"]:
            assert list(span) == SPAN_KEYS
            assert isinstance(span["attributes"], dict)
            assert record["text"][span["start"] : span["end"]] == span["text"]
    first = records[0]
    assert first["annotators"] == ["alice", "bob", "carol"]
    assert first["turns"][1] == {
        "index": 1,
        "speaker": "MINISTER",
        "start": first["turns"][1]["start"],
        "end": first["turns"][1]["end"],
        "start_time": 5.0,
        "end_time": 12.25,
        "person": "MINISTER",  # the label names a person of its own name
        "role": None,
    }
    nested = next(s for s in first["spans"] if s["note"])
    assert nested["attributes"] == {"target": "café owners", "strength": 2, "personal": True}
    assert nested["note"] == "nested in the quote; é 😀"
    assert "😀" in out.read_text(encoding="utf-8")  # written as UTF-8, not \\u escapes
    assert records[1]["turns"][1]["start_time"] == 20.0


def test_turn_unit_lines(sample: Project, tmp_path: Path) -> None:
    out = tmp_path / "turns.jsonl"
    report = export(sample, "jsonl", out, unit="turn")
    records = lines(out)
    assert [r["id"] for r in records][:2] == ["doc-1-turn-0", "doc-1-turn-1"]
    assert records[1]["turn_index"] == 1 and records[1]["speaker"] == "MINISTER"
    assert records[1]["turns"] == [
        {
            "index": 0,
            "speaker": "MINISTER",
            "start": 0,
            "end": len(records[1]["text"]),
            "start_time": 5.0,
            "end_time": 12.25,
            "person": "MINISTER",
            "role": None,
        }
    ]
    for record in records:
        for span in record["spans"]:
            assert record["text"][span["start"] : span["end"]] == span["text"]
    assert len(report.problems) == 1


def test_pandas_reads_it_with_one_type_per_column(sample: Project, tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas")
    out = tmp_path / "out.jsonl"
    export(sample, "jsonl", out)
    frame = pandas.read_json(out, lines=True)
    assert list(frame.columns) == KEYS
    assert str(frame["document_id"].dtype) == "int64"
    assert all(isinstance(value, dict) for value in frame["metadata"])
    assert all(isinstance(value, list) for value in frame["spans"])
    spans = pandas.json_normalize(frame.explode("spans")["spans"].dropna().tolist())
    assert len(spans) == 7
    assert set(spans["annotator"]) == {"alice", "bob"}


def test_datasets_loads_it(
    sample: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    datasets = pytest.importorskip("datasets")
    for unit in ("document", "turn"):
        out = tmp_path / f"{unit}.jsonl"
        export(sample, "jsonl", out, unit=unit)
        loaded = datasets.load_dataset(
            "json", data_files=str(out), split="train", cache_dir=str(tmp_path / "cache")
        )
        assert len(loaded) == len(lines(out))
        assert loaded[0]["text"] == lines(out)[0]["text"]
        assert [s["label"] for s in loaded[0]["spans"]] == [
            s["label"] for s in lines(out)[0]["spans"]
        ]


def comparable(path: Path) -> list[dict[str, Any]]:
    """The export without the ids a new project gives anew."""
    records = lines(path)
    for record in records:
        del record["id"], record["document_id"]
        for span in record["spans"]:
            del span["id"]
    return records


def test_round_trip_without_loss(sample: Project, tmp_path: Path, tiny_scheme: Scheme) -> None:
    first = tmp_path / "first.jsonl"
    export(sample, "jsonl", first)
    assert detect_format(first, first.read_text(encoding="utf-8")) == "annotator-jsonl"
    documents = read_transcript(first)
    assert len(documents) == 3 * 3  # one per (line, annotator listed)
    with Project.create(tmp_path / "again.db", tiny_scheme) as again:
        again.add_documents(documents)
        assert again.annotators() == ["alice", "bob", "carol"]  # carol's empty layer too
        second = tmp_path / "second.jsonl"
        export(again, "jsonl", second)
        assert comparable(second) == comparable(first)
        assert again.document(1).source_path == "debate.txt"
        # Importing the same file again adds nothing.
        results = again.add_documents(read_transcript(first))
        assert not any(r.created or r.spans_added for r in results)


def test_round_trip_keeps_stamps_but_not_unknown_scheme_versions(
    sample: Project, tmp_path: Path, tiny_scheme: Scheme
) -> None:
    out = tmp_path / "out.jsonl"
    export(sample, "jsonl", out)
    records = lines(out)
    records[0]["spans"][0]["scheme_hash"] = "0" * 64
    records[0]["spans"][0]["created_at"] = "2020-01-01T00:00:00.000+00:00"
    records[0]["spans"][0]["updated_at"] = "2021-01-01T00:00:00.000+00:00"
    out.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with Project.create(tmp_path / "again.db", tiny_scheme) as again:
        again.add_documents(read_transcript(out))
        span = next(s for s in again.spans(1) if s.created_at.startswith("2020"))
        assert span.updated_at.startswith("2021")
        assert span.scheme_hash == tiny_scheme.hash  # the project has no scheme 000…


def test_turn_lines_import_as_documents(sample: Project, tmp_path: Path, tiny_scheme) -> None:
    out = tmp_path / "turns.jsonl"
    export(sample, "jsonl", out, unit="turn")
    with Project.create(tmp_path / "again.db", tiny_scheme) as again:
        again.add_documents(read_transcript(out))
        assert len(again.documents()) == 5
        assert sum(len(again.spans(d.id)) for d in again.documents()) == 6
        assert again.turns(2)[0].speaker == "MINISTER"


def write_lines(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return path


def good_record() -> dict[str, Any]:
    return {
        "text": "Café 😀 owners",
        "turns": [{"index": 0, "speaker": "A", "start": 0, "end": 13}],
        "spans": [{"label": "quote", "start": 5, "end": 6, "text": "😀", "annotator": "alice"}],
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"spans": [{"label": "quote", "start": 5, "end": 7, "text": "😀"}]}, "covers '😀 '"),
        ({"spans": [{"label": "quote", "start": 5, "end": 99}]}, "not a non-empty range"),
        ({"spans": [{"label": "quote", "start": "5", "end": 6}]}, "must be an integer"),
        ({"spans": [{"start": 5, "end": 6}]}, "has no label"),
        ({"spans": [{"label": "quote", "start": 0, "end": 1, "attributes": []}]}, "attributes"),
        ({"text": "Cafe\u0301 😀 owners"}, "not in stored form"),
        ({"text": "a\r\nb", "turns": None, "spans": []}, "not in stored form"),
        ({"turns": [{"index": 0, "start": 0, "end": 99}]}, "outside the text"),
        ({"turns": [{"index": 0, "start": 0, "end": 3, "start_time": "x"}]}, "seconds"),
        ({"metadata": [1]}, '"metadata" must be an object'),
        ({"annotators": "alice"}, '"annotators" must be a list'),
    ],
)
def test_a_bad_line_refuses_the_file(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    path = write_lines(tmp_path / "bad.jsonl", [good_record(), {**good_record(), **change}])
    with pytest.raises(ImportFailure, match="line 2") as failure:
        read_transcript(path, "annotator-jsonl")
    assert message in str(failure.value)


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(good_record()) + "\n{oops\n")
    with pytest.raises(ImportFailure, match="line 2, column 2: invalid JSON"):
        read_transcript(path)


def test_detection_and_minimal_records(tmp_path: Path, project: Project) -> None:
    record = {
        "text": " Hello there ",
        "spans": [{"label": "quote", "start": 1, "end": 6}],
        "scheme": {},
    }
    one_line = write_lines(tmp_path / "one.json", [record])
    assert detect_format(one_line, one_line.read_text()) == "annotator-jsonl"
    bare = tmp_path / "bare"
    bare.write_text(json.dumps(record) + "\n" + json.dumps(record) + "\n")
    assert detect_format(bare, bare.read_text()) == "annotator-jsonl"
    prodigy = write_lines(tmp_path / "p.jsonl", [{"text": "Hi", "spans": []}])
    assert detect_format(prodigy, prodigy.read_text()) == "prodigy"
    (document,) = read_transcript(one_line)
    assert document.turns[0].start == 1 and document.turns[0].end == 12  # no turns: one, trimmed
    assert document.title == "one #1" and document.format == "annotator-jsonl"
    assert document.annotator is None
    with pytest.raises(ProjectError, match="pass --as NAME"):
        project.add_documents([document])
    (result,) = project.add_documents([document], annotator="model")
    assert result.spans_added == 1 and project.spans(result.document_id)[0].annotator == "model"
