"""Exports say who finished what: a layer is exported only where its annotator opened the
document, every format with room for it carries the layer's status, and importing the
native export restores it (so agreement still finds the finished documents)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import layout

from annotator.agreement_report import agreement_report
from annotator.export import export
from annotator.model import ImportedDocument
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.store import Project

TEXT, TURNS = layout(["Will you say?", "I will not say. They failed."])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Document 1: alice and bob done; document 2: alice done, bob never opened it;
    document 3: alice skipped it, bob in progress."""
    path = tmp_path / "p.db"
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        for n in range(3):
            text = f"{TEXT} ({n})"
            document = ImportedDocument(f"Doc {n + 1}", text, tuple(TURNS), "text")
            project.add_documents([document])
        for doc in (1, 2):
            project.create_span(doc, "alice", "quote", 0, 4)
            project.set_status(doc, "alice", "done")
        project.create_span(1, "bob", "quote", 0, 4)
        project.set_status(1, "bob", "done")
        project.set_status(3, "alice", "skipped")
        project.set_status(3, "bob", "in_progress")
    return path


def layers(path: Path) -> list[tuple[str, list[str], dict[str, str]]]:
    return [
        (record["id"], record["annotators"], record["statuses"])
        for record in map(json.loads, path.read_text().splitlines())
    ]


def test_only_the_layers_someone_opened_are_exported(db: Path, tmp_path: Path) -> None:
    with Project.open(db) as project:
        report = export(project, "jsonl", tmp_path / "all.jsonl")
        assert layers(tmp_path / "all.jsonl") == [
            ("doc-1", ["alice", "bob"], {"alice": "done", "bob": "done"}),
            ("doc-2", ["alice"], {"alice": "done"}),  # bob never opened it
            # alice skipped it: no layer of hers, but her status is data
            ("doc-3", ["bob"], {"alice": "skipped", "bob": "in_progress"}),
        ]
        assert report.left_out == [
            "alice's layer: 1 document skipped",
            "bob's layer: 1 document never opened",
        ]
        export(project, "jsonl", tmp_path / "done.jsonl", status="done")
        assert [r[0] for r in layers(tmp_path / "done.jsonl")] == ["doc-1", "doc-2"]


def test_doccano_never_writes_an_empty_answer_for_a_layer_nobody_did(
    db: Path, tmp_path: Path
) -> None:
    with Project.open(db) as project:
        export(project, "doccano", tmp_path / "out.jsonl", status="done")
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(r["example_id"], r["annotator"], r["status"]) for r in records] == [
        ("doc-1", "alice", "done"),
        ("doc-1", "bob", "done"),
        ("doc-2", "alice", "done"),
    ]


def test_a_native_round_trip_keeps_who_finished_what(
    db: Path, tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    assert run_cli("--db", str(db), "export", "--format", "jsonl", "-o", "all.jsonl").exit_code == 0
    assert run_cli("--db", "copy.db", "init").exit_code == 0
    result = run_cli("--db", "copy.db", "import", "all.jsonl")
    assert result.exit_code == 0, result.output
    with Project.open(db) as original, Project.open(tmp_path / "copy.db") as copy:
        for doc in (1, 2, 3):
            assert copy.statuses(doc) == original.statuses(doc)
        assert agreement_report(copy).documents_counted == 1  # doc 1: both done


def test_an_export_to_standard_output(db: Path, run_cli: Callable[..., Result]) -> None:
    result = run_cli("--db", str(db), "export", "--format", "csv", "-o", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("document_id,")
    assert "to standard output (csv)" in result.stderr
    for fmt in ("parquet", "brat"):
        refused = run_cli("--db", str(db), "export", "--format", fmt, "-o", "-")
        assert refused.exit_code == 1 and "not -" in refused.stderr
    several = run_cli("--db", str(db), "export", "--format", "conll", "-o", "-")
    assert several.exit_code == 1
    assert "writes 2 files" in several.stderr and several.stdout == ""
