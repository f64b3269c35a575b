"""Imports go through the same span writer as the app: the scheme's rules hold for them too,
and a file that breaks one is refused whole, naming the file and the line.

Also: a project in a read-only place gets one clear line, and the commands that only read
work on it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import make_document

from annotator.cli import cli
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.store import Project

TEXT = "I will not say whether we spent it. We will cut the deficit by next year."


@pytest.fixture
def run(run_cli: Callable[..., Result]) -> Callable[..., Result]:
    """The CLI in a folder with a new project of the bundled scheme."""
    assert run_cli("init").exit_code == 0
    return run_cli


def doccano(path: Path, *records: list[list]) -> Path:
    path.write_text(
        "".join(json.dumps({"text": TEXT, "label": spans}) + "\n" for spans in records),
        encoding="utf-8",
    )
    return path


def spans(tmp_path: Path, annotator: str = "ann") -> list[tuple]:
    with Project.open(tmp_path / "annotations.db") as project:
        return [
            (s.label, s.start, s.end, dict(s.attributes))
            for s in project.spans(1, annotator=annotator)
        ]


def test_overlapping_spans_of_one_label_in_a_file_merge_as_in_the_app(run, tmp_path: Path) -> None:
    file = doccano(tmp_path / "a.jsonl", [[0, 10, "quote"], [6, 20, "quote"]])
    result = run("import", str(file), "--as", "ann")
    assert result.exit_code == 0, result.output
    assert "imported (1 merged)" in result.output and "1 span added" in result.output
    assert spans(tmp_path) == [("quote", 0, 20, {})]


def test_a_second_import_across_a_span_the_scheme_forbids_is_refused(run, tmp_path: Path) -> None:
    strict = tmp_path / "strict.yaml"
    text = default_scheme_path().read_text(encoding="utf-8")
    strict.write_text(text.replace("allow_overlap: true", "allow_overlap: false"))
    (tmp_path / "annotations.db").unlink()
    assert run("init", "--scheme", str(strict)).exit_code == 0
    first = doccano(tmp_path / "a.jsonl", [[0, 10, "quote"]])
    assert run("import", str(first), "--as", "ann").exit_code == 0
    second = doccano(tmp_path / "b.jsonl", [[6, 16, "deflection"]])
    result = run("import", str(second), "--as", "ann")
    assert result.exit_code == 1
    assert f"{second}: line 1: deflection [6, 16): " in result.output
    assert "does not allow overlapping spans" in result.output
    assert spans(tmp_path) == [("quote", 0, 10, {})]


def test_a_required_attribute_is_never_skipped_silently(run, tmp_path: Path) -> None:
    file = doccano(tmp_path / "c.jsonl", [[0, 10, "quote"]], [[36, 72, "commitment"]])
    result = run("import", str(file), "--as", "ann")
    assert result.exit_code == 1
    assert f"{file}: line 2: commitment [36, 72): " in result.output
    assert "'specificity'" in result.output and "--allow-incomplete" in result.output
    assert "0 new documents" in result.output  # the whole file, not half of it

    result = run("import", str(file), "--as", "ann", "--allow-incomplete")
    assert result.exit_code == 0, result.output
    with Project.open(tmp_path / "annotations.db") as project:
        commitment = [s for doc in (1, 2) for s in project.spans(doc, "ann")][-1]
        assert project.incomplete(commitment) == ["specificity"]
    status = run("status")
    assert "1 span lacks a value of a required attribute" in status.output


def test_attribute_values_are_checked_on_import(run, tmp_path: Path) -> None:
    file = tmp_path / "layer.jsonl"
    record = {
        "text": TEXT,
        "spans": [
            {"label": "deflection", "start": 0, "end": 10, "annotator": "ann"}
            | {"attributes": {"kind": "x"}}
        ],
    }
    file.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = run("import", str(file), "--format", "annotator-jsonl")
    assert result.exit_code == 1
    assert f"{file}: line 1, spans[0]: deflection [0, 10): " in result.output
    assert "attribute 'kind'" in result.output


# ---- read-only places ---------------------------------------------------------------------


def in_folder(folder: Path, *args: str) -> Result:
    """The CLI on the project ./annotations.db of ``folder``."""
    runner = CliRunner()
    return runner.invoke(cli, ["--db", str(folder / "annotations.db"), *args])


def app_process(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The app started as a user starts it: its own process, whose exit status counts."""
    env = {**os.environ, "HOME": str(folder), "XDG_CONFIG_HOME": str(folder / ".config")}
    env.pop("ANNOTATOR_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Make files and folders read-only for this user: by permissions, or (root ignores
    those) by the immutable attribute; skips where neither can be set."""
    if sys.platform == "win32":
        pytest.skip("POSIX permissions")
    if os.geteuid() == 0:
        chattr = shutil.which("chattr")
        if chattr is None or subprocess.run([chattr, "+i", *paths], check=False).returncode:
            pytest.skip("root ignores permissions, and chattr +i is not available here")
        try:
            yield
        finally:
            subprocess.run([chattr, "-i", *paths], check=True)
        return
    modes = {path: path.stat().st_mode for path in paths}
    for path in paths:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


@pytest.fixture
def project_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    with Project.create(folder / "annotations.db", load_scheme_file(default_scheme_path())) as p:
        p.add_documents([make_document()])
        p.create_span(1, "alice", "quote", 0, 11)
    return folder


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_commands_that_read_work_on_a_read_only_project(project_folder: Path) -> None:
    with read_only(project_folder / "annotations.db", project_folder):
        status = in_folder(project_folder, "status")
        assert status.exit_code == 0, status.output
        assert "1 document," in status.stdout
        documents = in_folder(project_folder, "documents")
        assert documents.exit_code == 0, documents.output
        assert "Test" in documents.stdout
        agreement = in_folder(project_folder, "agreement")
        assert agreement.exit_code == 0, agreement.output


def as_older_version(path: Path) -> None:
    """Make the project look as an older version left it: its newest migration not applied."""
    with Project.open(path) as project:
        project.db.execute("DROP TABLE span_extents")
        project.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm012_span_extents'")


def test_a_reading_command_upgrades_an_older_project_it_may_write(project_folder: Path) -> None:
    db = project_folder / "annotations.db"
    as_older_version(db)
    status = in_folder(project_folder, "status")
    assert status.exit_code == 0, status.output
    assert "1 document," in status.stdout
    with Project.open(db, readonly=True) as upgraded:
        assert upgraded.db.execute("SELECT count(*) FROM span_extents").fetchone() == (1,)


def test_an_older_project_in_a_read_only_folder_says_how_to_upgrade(project_folder: Path) -> None:
    db = project_folder / "annotations.db"
    as_older_version(db)
    with read_only(db, project_folder):
        status = in_folder(project_folder, "status")
        assert status.exit_code == 1
        line = one_line(status.stderr)
        assert "written by an older version" in line and "writable" in line


def test_commands_that_write_say_what_is_read_only(project_folder: Path) -> None:
    with read_only(project_folder / "annotations.db"):
        imported = in_folder(project_folder, "import", str(project_folder))
        assert imported.exit_code == 1
        line = one_line(imported.stderr)
        assert "the project file is read-only" in line and "annotations.db" in line
        app = app_process(project_folder, "annotate", "--as", "alice")
        assert app.returncode == 1
        assert "the project file is read-only" in one_line(app.stderr)
    with read_only(project_folder):
        imported = in_folder(project_folder, "import", str(project_folder))
        assert imported.exit_code == 1
        assert f"the folder {project_folder} is read-only" in one_line(imported.stderr)


def test_a_new_project_in_a_read_only_folder_is_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with read_only(empty):
        for args in (["init"], []):
            result = in_folder(empty, *args)
            assert result.exit_code == 1, result.output
            assert f"the folder {empty} is read-only" in one_line(result.stderr)
    assert not any(empty.iterdir())
