"""An import of many files shares a transaction among them (``Project.batch``): each file is
a savepoint, so a bad file leaves nothing behind while the files around it are kept, and a
transaction lost as a whole is reported naming every file it held."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import layout

from annotator.model import ImportedDocument
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.store import BatchLost, Project, ProjectGone
from annotator.store.connection import Connection

TABLES = ("documents", "turns", "spans", "edits", "span_changes", "people", "speaker_labels")


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def transcript(path: Path, n: int) -> Path:
    letter = chr(ord("A") + n)  # speakers of their own in each file
    path.write_text(f"HOST {letter}: Will you say, {n}?\n\nGUEST {letter}: No.\n", "utf-8")
    return path


def document(title: str, words: str) -> ImportedDocument:
    text, turns = layout([words])
    return ImportedDocument(title, text, tuple(turns), "text")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Ten transcripts, and between them a doccano file whose second record is refused
    after its first was written."""
    files = tmp_path / "files"
    files.mkdir()
    for n in range(10):
        transcript(files / f"t{n}.txt", n)
    records = [
        {"text": "They said it first.", "label": [[0, 4, "quote"]]},
        {"text": "They said it again.", "label": [[0, 4, "no-such-label"]]},
    ]
    bad = "".join(json.dumps(r) + "\n" for r in records)
    (files / "t4b.jsonl").write_text(bad, encoding="utf-8")
    return files


@pytest.fixture
def good_files(run_cli: Callable[..., Result], folder: Path) -> Path:
    """The ten transcripts alone, and a project to import them into."""
    assert run_cli("init").exit_code == 0
    (folder / "t4b.jsonl").unlink()
    return folder


def test_a_refused_file_leaves_nothing_and_the_files_around_it_are_kept(
    run_cli: Callable[..., Result], folder: Path, tmp_path: Path
) -> None:
    assert run_cli("init").exit_code == 0
    result = run_cli("import", str(folder), "--as", "ann")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "t4b.jsonl" in errors[0] and "no-such-label" in errors[0]
    assert "10 new documents" in result.output and "1 file(s) failed" in result.output
    found = counts(tmp_path / "annotations.db")
    # The bad file's first document, span and annotator's edit were rolled back with it.
    assert found == {
        "documents": 10,
        "turns": 20,
        "spans": 0,
        "edits": 0,
        "span_changes": 0,
        "people": 20,
        "speaker_labels": 20,
    }
    with Project.open(tmp_path / "annotations.db") as project:
        assert sorted(d.source_name for d in project.documents()) == [
            f"t{n}.txt" for n in range(10)
        ]


def test_a_batch_whose_save_fails_names_every_file_it_held(
    run_cli: Callable[..., Result],
    good_files: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checked = Connection.check_file

    def gone_at_the_end(self: Connection, *, writing: bool = False) -> None:
        if writing:  # only a save checks while writing: the project vanished meanwhile
            raise ProjectGone(f"{self.path}: the project file was deleted while it was open")
        checked(self, writing=writing)

    monkeypatch.setattr(Connection, "check_file", gone_at_the_end)
    result = run_cli("import", str(good_files))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "deleted while it was open" in errors[0]
    assert "the 10 files imported since the last save are not in the project" in errors[0]
    assert all(f"t{n}.txt" in errors[0] for n in range(10))
    assert "0 new documents" in result.output and "10 file(s) failed" in result.output
    monkeypatch.setattr(Connection, "check_file", checked)
    assert counts(tmp_path / "annotations.db")["documents"] == 0


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project.create(tmp_path / "p.db", load_scheme_file(default_scheme_path()))


def test_a_failed_write_in_a_batch_is_undone_whole_and_the_others_saved(
    project: Project, tmp_path: Path
) -> None:
    with project.batch():
        project.add_documents([document("A", "First words.")])
        with pytest.raises(RuntimeError, match="midway"), project.connection.write():
            project.db.execute("DELETE FROM documents")
            raise RuntimeError("midway")
        project.add_documents([document("C", "Third words.")])
    project.close()
    with Project.open(tmp_path / "p.db") as again:
        assert [d.title for d in again.documents()] == ["A", "C"]


def test_an_error_that_ends_a_batch_keeps_the_writes_before_it(
    project: Project, tmp_path: Path
) -> None:
    with pytest.raises(KeyboardInterrupt), project.batch():
        project.add_documents([document("A", "First words.")])
        raise KeyboardInterrupt
    project.close()
    with Project.open(tmp_path / "p.db") as again:
        assert [d.title for d in again.documents()] == ["A"]


def test_a_transaction_sqlite_rolled_back_is_a_batch_lost(project: Project, tmp_path: Path) -> None:
    with project.batch():
        project.add_documents([document("A", "First words.")])
        with pytest.raises(BatchLost, match="input/output error"), project.connection.write():
            project.db.execute("INSERT INTO annotators (name, created_at) VALUES ('x', '')")
            project.db.conn.execute("ROLLBACK")  # as SQLite does on some I/O errors
            raise sqlite3.OperationalError("disk I/O error")
        project.add_documents([document("B", "Second words.")])
    project.close()
    with Project.open(tmp_path / "p.db") as again:
        assert [d.title for d in again.documents()] == ["B"]


def test_a_batch_is_due_after_its_count_of_writes(project: Project) -> None:
    with project.connection.batch(every=3, seconds=3600) as batch:
        for n in range(3):
            assert not batch.due()
            project.add_documents([document(f"D{n}", f"Words {n}.")])
        assert batch.due()
        batch.save()
        assert not batch.due() and not project.db.conn.in_transaction
    project.close()


def test_a_transaction_lost_mid_import_names_the_file_and_those_before_it(
    run_cli: Callable[..., Result],
    good_files: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = Project.add_documents
    calls: list[int] = []

    def third_fails(self: Project, *args: object, **options: object) -> object:
        calls.append(1)
        if len(calls) == 3:  # as SQLite does on some I/O errors: the transaction is gone
            with self.connection.write():
                self.db.conn.execute("ROLLBACK")
                raise sqlite3.OperationalError("disk I/O error")
        return original(self, *args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(Project, "add_documents", third_fails)
    result = run_cli("import", str(good_files))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "t2.txt: not imported:" in errors[0] and "input/output error" in errors[0]
    assert "the 2 files imported since the last save are not in the project" in errors[0]
    assert str(good_files / "t0.txt") in errors[0] and str(good_files / "t1.txt") in errors[0]
    assert "7 new documents" in result.output and "3 file(s) failed" in result.output
    monkeypatch.undo()
    with Project.open(tmp_path / "annotations.db") as project:
        assert sorted(d.source_name for d in project.documents()) == [
            f"t{n}.txt" for n in range(3, 10)
        ]
