"""``annotator export``, driven through click's CliRunner."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import FIXTURES
from export_sample import build

from annotator.export import EXPORT_FORMATS, ExportFormat
from annotator.scheme import load_scheme_file


@pytest.fixture
def run(run_cli: Callable[..., Result], tmp_path: Path) -> Callable[..., Result]:
    """The CLI in a folder holding the sample project as ./annotations.db."""
    build(tmp_path / "annotations.db", load_scheme_file(FIXTURES / "tiny-scheme.yaml")).close()
    return run_cli


def one_error_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_help_lists_the_formats(run) -> None:
    result = run("export", "--help")
    assert result.exit_code == 0
    for name in EXPORT_FORMATS:
        assert name in result.output
    for option in ("--layer", "--unit", "--documents", "--status", "--config-out", "-o"):
        assert option in result.output


def test_export_jsonl_with_a_summary(run, tmp_path: Path) -> None:
    result = run("export", "--format", "jsonl", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # the summary is on stderr: -o - keeps stdout for the data
    assert result.stderr == (
        "Exported 3 documents with 7 spans (every annotator's layer) to out.jsonl (jsonl).\n"
    )
    assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 3


def test_turn_unit_lists_every_problem(run) -> None:
    result = run("export", "--format", "csv", "--unit", "turn", "-o", "turns.csv")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "Exported 3 documents as 5 turn examples with 6 spans (every annotator's layer) "
        "to turns.csv (csv)."
    )
    assert lines[1] == "1 problem: not represented as they are:"
    assert lines[2].startswith("  doc-1-turn-0 (Café debate): alice's criticism span [")
    assert "crosses into the next turn" in lines[2]


def test_layer_status_and_documents(run, tmp_path: Path) -> None:
    result = run("export", "--format", "jsonl", "--layer", "bob", "-o", "bob.jsonl")
    assert "with 4 spans (bob's layer)" in result.stderr
    records = [json.loads(line) for line in (tmp_path / "bob.jsonl").read_text().splitlines()]
    assert {s["annotator"] for r in records for s in r["spans"]} == {"bob"}

    result = run("export", "--format", "jsonl", "--status", "done", "-o", "done.jsonl")
    assert result.stderr.startswith("Exported 1 document with 3 spans")  # alice's: done
    assert "  bob's layer: 3 documents not marked done" in result.stderr
    [record] = [json.loads(line) for line in (tmp_path / "done.jsonl").read_text().splitlines()]
    assert record["annotators"] == ["alice"]
    assert record["statuses"] == {"alice": "done", "bob": "in_progress", "carol": "in_progress"}

    result = run(
        "export", "--format", "jsonl", "--layer", "bob", "--status", "done", "-o", "x.jsonl"
    )
    assert result.exit_code == 0
    assert "No documents matched; none is marked done" in result.stderr

    result = run(
        "export",
        "--format",
        "jsonl",
        "--documents",
        "talk.md",
        "--documents",
        "3",
        "-o",
        "some.jsonl",
    )
    assert result.stderr.startswith("Exported 2 documents with 1 span ")
    ids = [json.loads(line)["id"] for line in (tmp_path / "some.jsonl").read_text().splitlines()]
    assert ids == ["doc-2", "doc-3"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--layer", "gold"), "error: there is no gold layer yet"),
        (("--layer", "zed"), "error: no annotator called 'zed' in this project"),
        (("--documents", "nowhere.txt"), "error: no document with id or source file"),
        (("--config-out", "c.xml"), "error: --config-out only applies to --format labelstudio"),
        (("-o", "missing/out.jsonl"), "error: missing/out.jsonl: the folder missing does not"),
    ],
)
def test_user_errors_are_one_line(run, args: tuple[str, ...], message: str) -> None:
    if "-o" not in args:
        args = (*args, "-o", "out.jsonl")
    assert one_error_line(run("export", "--format", "jsonl", *args)).startswith(message)


def test_a_bad_format_name_is_a_usage_error(run) -> None:
    result = run("export", "--format", "xml", "-o", "out.xml")
    assert result.exit_code == 2
    assert "Invalid value for '--format': 'xml' is not one of 'jsonl'" in result.output


def test_a_format_without_its_module_is_not_available(run, monkeypatch) -> None:
    monkeypatch.setitem(EXPORT_FORMATS, "jsonl", ExportFormat("jsonl", "", ".x", module="gone"))
    line = one_error_line(run("export", "--format", "jsonl", "-o", "out.jsonl"))
    assert line == "error: the jsonl format is not available in this version of annotator"


def test_export_then_import_into_a_new_project(run, tmp_path: Path) -> None:
    run("export", "--format", "jsonl", "-o", "first.jsonl")
    assert (
        run("--db", "new.db", "init", "--scheme", str(FIXTURES / "tiny-scheme.yaml")).exit_code == 0
    )
    result = run("--db", "new.db", "import", "first.jsonl")
    assert result.exit_code == 0, result.output
    assert "3 new documents" in result.stdout and "7 spans added" in result.stdout
    run("--db", "new.db", "export", "--format", "jsonl", "-o", "second.jsonl")

    def content(name: str) -> list[dict]:
        records = [json.loads(line) for line in (tmp_path / name).read_text().splitlines()]
        for record in records:
            del record["id"], record["document_id"]
            for span in record["spans"]:
                del span["id"]
        return records

    assert content("second.jsonl") == content("first.jsonl")


@pytest.mark.parametrize(("fmt", "output"), [("brat", "brat"), ("labelstudio", "ls.json")])
def test_exported_tool_files_import_back_through_the_cli(run, fmt: str, output: str) -> None:
    assert run("export", "--format", fmt, "-o", output).exit_code == 0
    run("--db", "new.db", "init", "--scheme", str(FIXTURES / "tiny-scheme.yaml"))
    result = run("--db", "new.db", "import", output)  # a brat folder is one import
    assert result.exit_code == 0, result.output
    assert "7 spans added" in result.stdout and "0 file(s) failed" in result.stdout


def test_writer_options_from_the_command_line(run, tmp_path: Path) -> None:
    result = run(
        "export", "--format", "prodigy", "--tokenizer", "simple", "--dataset", "ds",
        "-o", "p.jsonl",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Tokens by the built-in tokenizer" in result.stderr
    tasks = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    assert {t["meta"]["tokenizer"] for t in tasks} == {"simple"}
    assert {t["_session_id"] for t in tasks} == {"ds-alice", "ds-bob", "ds-carol"}
    result = run("export", "--format", "doccano", "--per-annotator", "-o", "d.jsonl")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("d.*")) == [
        "d.alice.jsonl", "d.bob.jsonl", "d.carol.jsonl"
    ]  # fmt: skip
    refused = run("export", "--format", "jsonl", "--tokenizer", "spacy", "-o", "x.jsonl")
    assert refused.exit_code == 1
    assert "--tokenizer only applies to --format prodigy or conll" in refused.stderr


def test_label_studio_users_by_email(run, tmp_path: Path) -> None:
    (tmp_path / "emails.yaml").write_text("alice: alice@uni.example\nbob: b.smith@uni.example\n")
    result = run("export", "--format", "labelstudio", "--emails", "emails.yaml", "-o", "ls.json")
    assert result.exit_code == 0, result.output
    assert "the server needs users alice@uni.example (alice), b.smith@uni.example (bob)" in (
        " ".join(result.stderr.split())
    )
    tasks = json.loads((tmp_path / "ls.json").read_text())
    who = {a["annotator"]: a["completed_by"] for t in tasks for a in t["annotations"]}
    assert who["bob"] == {"email": "b.smith@uni.example"}
    assert who["carol"] == {"email": "carol@annotator.invalid"}  # not in the file
    (tmp_path / "bad.yaml").write_text("- alice\n")
    refused = run("export", "--format", "labelstudio", "--emails", "bad.yaml", "-o", "x.json")
    assert refused.exit_code == 1 and "needs a YAML mapping" in refused.stderr
