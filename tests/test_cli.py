"""The command line, driven through click's CliRunner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import FIXTURES

from annotator.cli import cli
from annotator.resources import sample_transcripts
from annotator.store import Project


@pytest.fixture
def run(run_cli: Callable[..., Result]) -> Callable[..., Result]:
    """The CLI in an empty folder, against ./annotations.db."""
    return run_cli


def test_every_command_has_help(run) -> None:
    for command in (
        [],
        ["init"],
        ["import"],
        ["documents"],
        ["status"],
        ["scheme"],
        ["scheme", "validate"],
        ["scheme", "show"],
    ):
        result = run(*command, "--help")
        assert result.exit_code == 0, command
        assert "Usage:" in result.output


def test_init_import_documents_status(run, tmp_path: Path) -> None:
    result = run("init")
    assert result.exit_code == 0
    assert "political-interview" in result.output
    assert (tmp_path / "annotations.db").exists()

    samples = [str(p) for p in sample_transcripts()]
    result = run("import", *samples)
    assert result.exit_code == 0, result.output
    assert "3 new documents" in result.output
    assert "0 file(s) failed" in result.output

    again = run("import", *samples)
    assert again.exit_code == 0
    assert "already there" in again.output
    assert "0 new documents" in again.output

    listing = run("documents")
    assert listing.exit_code == 0
    for path in sample_transcripts():
        assert path.name[:12] in listing.output  # long names are cut to fit 80 columns

    status = run("status")
    assert status.exit_code == 0
    assert "3 documents" in status.output
    for label in ("quote", "deflection", "commitment", "criticism"):
        assert label in status.output


def test_import_reports_bad_files_and_imports_the_rest(run, tmp_path: Path) -> None:
    run("init")
    (tmp_path / "good.txt").write_text("ALICE:  Hello there.\n\nBOB:  Hi.\n")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.srt").write_bytes(b"\x00\x01\x02\xff" * 50)
    result = run("import", "good.txt", "empty.txt", "binary.srt")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert any("empty.txt" in line for line in errors)
    assert any("binary.srt" in line for line in errors)
    assert "1 new document (" in result.stdout
    with Project.open(tmp_path / "annotations.db") as project:
        assert [d.title for d in project.documents()] == ["good"]


def test_import_jsonl_layer_needs_as(run, tmp_path: Path) -> None:
    run("init")
    line = '{"text": "They failed us.", "spans": [{"start": 0, "end": 14, "label": "criticism"}]}'
    (tmp_path / "model.jsonl").write_text(line + "\n")
    refused = run("import", "model.jsonl")
    assert refused.exit_code == 1
    assert "--as NAME" in refused.stderr
    accepted = run("import", "model.jsonl", "--as", "model")
    assert accepted.exit_code == 0, accepted.output
    with Project.open(tmp_path / "annotations.db") as project:
        [doc] = project.documents()
        assert [(s.label, s.annotator) for s in project.spans(doc.id)] == [("criticism", "model")]


def test_import_skips_readme_files_a_glob_brings_in(run, tmp_path: Path) -> None:
    run("init")
    (tmp_path / "README.md").write_text("# About these files\n\nNothing to see.\n")
    (tmp_path / "talk.txt").write_text("ALICE:  Hello.\n")
    result = run("import", "README.md", "talk.txt")
    assert result.exit_code == 0
    assert "skipped README.md" in result.stderr


def test_commands_without_a_project_say_how_to_make_one(run) -> None:
    for command in (["documents"], ["status"], ["import", "."], ["scheme", "show"]):
        result = run(*command)
        assert result.exit_code == 1, command
        assert "annotator init" in result.stderr
        assert "Traceback" not in result.output


def test_debug_shows_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["--debug", "status"])
    assert result.exit_code != 0
    assert result.exception is not None


def test_db_option_and_environment_variable(run, tmp_path: Path, monkeypatch) -> None:
    assert run("--db", "elsewhere.db", "init").exit_code == 0
    assert (tmp_path / "elsewhere.db").exists()
    monkeypatch.setenv("ANNOTATOR_DB", str(tmp_path / "elsewhere.db"))
    assert run("status").exit_code == 0


def test_init_refuses_to_overwrite(run) -> None:
    run("init")
    result = run("init")
    assert result.exit_code == 1
    assert "already there" in result.stderr


def test_init_with_custom_scheme(run) -> None:
    result = run("init", "--scheme", str(FIXTURES / "tiny-scheme.yaml"))
    assert result.exit_code == 0
    shown = run("scheme", "show")
    assert shown.exit_code == 0
    assert "tiny v1" in shown.output
    assert "quote" in shown.output and "criticism" in shown.output


def test_scheme_validate_success_and_failure(run, tmp_path: Path) -> None:
    ok = run("scheme", "validate", str(FIXTURES / "tiny-scheme.yaml"))
    assert ok.exit_code == 0
    assert "valid" in ok.output and "2 labels" in ok.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "name: broken\nversion: 1\nlabels:\n"
        "  - id: a\n    color: '#fff'\n    hotkey: j\n"
        "  - id: a\n    colour: red\n"
    )
    result = run("scheme", "validate", str(broken))
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(broken))]
    positions = [tuple(int(x) for x in line.split(":")[1:3]) for line in lines[:-1]]
    assert positions == sorted(positions)
    text = result.stderr
    assert "reserved" in text  # hotkey j
    assert "colour" in text and "color" in text  # unknown key with did-you-mean
    assert "duplicate" in text.lower()


def test_scheme_validate_prints_warnings_and_still_succeeds(run, tmp_path: Path) -> None:
    path = tmp_path / "digits.yaml"
    path.write_text(
        "name: digits\nversion: 1\nlabels:\n"
        "  - {id: a, hotkey: '1', color: red}\n  - {id: b, hotkey: M, color: blue}\n"
    )
    result = run("scheme", "validate", str(path))
    assert result.exit_code == 0
    warnings = result.stderr.splitlines()
    assert warnings[0] == (
        f"{path}:4:21: warning: hotkey '1' means \"Accept a version\" on the review screen; "
        "there this label is tagged from the command palette (:)"
    )
    assert warnings[1].startswith(f"{path}:5:21: warning: hotkey 'M' means ")
    assert f"{path}: valid (2 warnings): scheme digits v1, 2 labels" in result.stdout


def test_scheme_validate_counts_errors_and_warnings_apart(run, tmp_path: Path) -> None:
    path = tmp_path / "mixed.yaml"
    path.write_text(
        "name: mixed\nversion: 1\nlabels:\n"
        "  - {id: a, hotkey: '1', color: red}\n  - {id: b, hotkey: j, color: blue}\n"
    )
    result = run("scheme", "validate", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"{path}: 1 problem(s) and 1 warning"


def test_markup_in_titles_is_shown_literally(run, tmp_path: Path) -> None:
    run("init")
    (tmp_path / "evil.md").write_text("---\ntitle: '[bold red]Pwned[/]'\n---\nALICE:  Hi.\n")
    assert run("import", "evil.md").exit_code == 0
    listing = run("documents")
    assert "[bold red]Pwned[/]" in listing.output


def test_no_arguments_creates_a_sample_project_and_opens_the_app(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = []
    monkeypatch.setattr("annotator.app.AnnotatorApp.run", lambda self: started.append(self.notice))
    result = run("--db", "fresh.db")
    assert result.exit_code == 0, result.output
    assert "Created" in result.output and "3 sample transcripts" in result.output
    assert started and "fresh.db" in started[0]
    with Project.open(tmp_path / "fresh.db") as project:
        assert len(project.documents()) == 3
        assert project.scheme.name == "political-interview"
    started.clear()
    assert run("--db", "fresh.db").exit_code == 0  # a second start opens the same project
    assert started == [None]


def test_annotate_refuses_an_unknown_document(run) -> None:
    run("init")
    result = run("annotate", "--as", "alice", "--document", "nope.md")
    assert result.exit_code == 1
    assert "no document" in result.stderr


def test_source_path_is_stored_resolved_and_found_as_typed(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file imported by a relative path (``../data/chopper-cooper.txt``) is stored by its
    resolved path, so it names the file from anywhere, and shown by its name as typed (a
    link keeps its own name); REF finds it by the path as typed, resolved, or its name."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "chopper-cooper.txt").write_text("HOST: Why the helicopter?\n\nMP: Ask them.\n")
    (data / "store").mkdir()
    (data / "store" / "b81f.txt").write_text("HOST: And the budget?\n\nMP: Later.\n")
    (data / "budget.txt").symlink_to(data / "store" / "b81f.txt")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert run("--db", "../p.db", "init").exit_code == 0
    result = run("--db", "../p.db", "import", "../data/chopper-cooper.txt", "../data/budget.txt")
    assert result.exit_code == 0, result.output
    with Project.open(tmp_path / "p.db", readonly=True) as project:
        first, second = project.documents()
        assert project.document(first.id).source_path == str(data / "chopper-cooper.txt")
        assert project.document(second.id).source_path == str(data / "store" / "b81f.txt")
        assert (first.source_name, second.source_name) == ("chopper-cooper.txt", "budget.txt")
        assert project.document(first.id).title == "chopper-cooper"
        assert project.document(second.id).title == "budget"  # the name as typed too
    listing = run("--db", "../p.db", "documents")
    assert "chopper-cooper" in listing.output and "budget.txt" in listing.output
    assert "/" not in listing.output.split("\n", 3)[-1]  # names, not paths
    monkeypatch.chdir(tmp_path)  # from elsewhere, every spelling finds the document
    with Project.open(tmp_path / "p.db", readonly=True) as project:
        for ref in (
            "data/chopper-cooper.txt",
            str(data / "chopper-cooper.txt"),
            "chopper-cooper.txt",
            "work/../data/chopper-cooper.txt",
        ):
            assert project.find_document(ref).id == first.id, ref
        assert project.find_document("data/budget.txt").id == second.id  # the link
        assert project.find_document("budget.txt").id == second.id
    # A project of an older version stored the path as typed: still found by it and by name.
    with Project.open(tmp_path / "p.db") as project:
        project.db.execute(
            "UPDATE documents SET source_path = '../data/chopper-cooper.txt' WHERE id = ?",
            [first.id],
        )
        assert project.find_document("../data/chopper-cooper.txt").id == first.id
        assert project.find_document("chopper-cooper.txt").id == first.id
    result = run("--db", "p.db", "documents", "delete", "data/chopper-cooper.txt", "--as", "x")
    assert result.exit_code == 0, result.output + result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["annotate"],
        ["review"],
        ["reopen", "1"],
        ["import", "talk.txt"],
        ["documents", "delete", "1"],
        ["questions", "propose"],
    ],
)
@pytest.mark.parametrize("empty", ["", "   "])
def test_an_empty_as_is_refused_not_taken_for_the_remembered_name(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str], empty: str
) -> None:
    run("init")
    (tmp_path / "talk.txt").write_text("ALICE:  Hello there.\n\nBOB:  Hi.\n")
    assert run("import", "talk.txt").exit_code == 0
    config = tmp_path / "xdg"
    (config / "annotator").mkdir(parents=True)
    (config / "annotator" / "config.yaml").write_text("annotator: alice\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    started: list[object] = []
    monkeypatch.setattr("annotator.app.AnnotatorApp.run", lambda app: started.append(app))
    result = run(*command, "--as", empty)
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--as': the name is empty" in result.stderr
    assert started == []  # the app never opened as alice
    with Project.open(tmp_path / "annotations.db") as project:
        assert project.annotators() == []  # nobody's name was used


def test_make_app_refuses_an_empty_annotator(tmp_path: Path) -> None:
    from annotator.app import make_app
    from annotator.errors import AnnotatorError
    from annotator.resources import default_scheme_path
    from annotator.scheme import load_scheme_file

    Project.create(tmp_path / "p.db", load_scheme_file(default_scheme_path())).close()
    with pytest.raises(AnnotatorError, match="the annotator name is empty"):
        make_app(tmp_path / "p.db", annotator=" ", config_file=tmp_path / "c.yaml")
