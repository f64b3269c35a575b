"""Safe by default: no command destroys a project, prints a hostile escape sequence, loses a
write without saying so, or ends in a traceback on a failing disk or database.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import Result
from conftest import layout

from annotator import export as export_package
from annotator.app import make_app
from annotator.errors import AnnotatorError
from annotator.model import ImportedDocument, SpanDraft
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme, load_scheme_file
from annotator.store import Project, ProjectError, ProjectGone
from tests.ui.harness import until

ESC = "\x1b"
HOSTILE = f"{ESC}[2J{ESC}]52;c;aGk=\x07{ESC}]8;;file:///etc/passwd\x07[link=file:///x]x[/link]"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sample_project(path: Path, documents: int = 3) -> Project:
    project = Project.create(path, load_scheme_file(default_scheme_path()))
    for n in range(documents):
        text, turns = layout([f"Will you say {n}? Yes.", f"I will not say {n}. They failed."])
        drafts = (
            SpanDraft("quote", 0, 4),
            SpanDraft("deflection", len(text) - 11, len(text) - 1, {"kind": "declines"}),
        )
        document = ImportedDocument(f"Doc {n}", text, tuple(turns), "text", f"d{n}.md")
        project.add_documents([document])
        for name in ("alice", "bob"):
            project.add_documents(
                [ImportedDocument(f"Doc {n}", text, tuple(turns), "text", spans=drafts)],
                annotator=name,
            )
            project.set_status(n + 1, name, "done")
    return project


@pytest.fixture
def db(tmp_path: Path) -> Path:
    sample_project(tmp_path / "p.db").close()
    return tmp_path / "p.db"


# ---- exports never destroy the project, never half-write ----------------------------------


@pytest.mark.parametrize("target", ["p.db", "p.db-wal", "p.db-shm", "link.db"])
def test_an_export_never_writes_the_project(
    run_cli: Callable[..., Result], db: Path, tmp_path: Path, target: str
) -> None:
    (tmp_path / "link.db").symlink_to(db)
    before = digest(db)
    result = run_cli("--db", str(db), "export", "--format", "jsonl", "-o", target, "--force")
    assert result.exit_code == 1
    assert "that is the project database" in result.stderr
    assert digest(db) == before
    config = run_cli(
        "--db", str(db), "export", "--format", "labelstudio", "-o", "ls.json",
        "--config-out", target, "--force",
    )  # fmt: skip
    assert config.exit_code == 1 and "that is the project database" in config.stderr
    assert digest(db) == before and not (tmp_path / "ls.json").exists()
    with Project.open(db) as project:
        assert project.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_an_existing_file_is_replaced_only_with_force(
    run_cli: Callable[..., Result], db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("precious\n")
    refused = run_cli("--db", str(db), "export", "--format", "jsonl", "-o", str(out))
    assert refused.exit_code == 1
    assert f"{out}: already exists; pass --force" in refused.stderr
    assert out.read_text() == "precious\n"
    done = run_cli("--db", str(db), "export", "--format", "jsonl", "-o", str(out), "--force")
    assert done.exit_code == 0, done.output
    assert len(out.read_text().splitlines()) == 3
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "old.txt").write_text("old")
    refused = run_cli("--db", str(db), "export", "--format", "brat", "-o", str(folder))
    assert refused.exit_code == 1 and (folder / "old.txt").exists()
    done = run_cli("--db", str(db), "export", "--format", "brat", "-o", str(folder), "--force")
    assert done.exit_code == 0, done.output
    assert not (folder / "old.txt").exists() and (folder / "annotation.conf").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".annotator-")]


def test_the_summary_names_every_file_written(
    run_cli: Callable[..., Result], db: Path, tmp_path: Path
) -> None:
    result = run_cli("--db", str(db), "export", "--format", "conll", "-o", "out.conll")
    assert result.exit_code == 0, result.output
    assert "to out.alice.conll and out.bob.conll (conll)" in result.stderr
    assert sorted(p.name for p in tmp_path.glob("out*")) == ["out.alice.conll", "out.bob.conll"]


def test_a_failed_export_leaves_the_previous_file(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.jsonl"
    with Project.open(db) as project:
        export_package.export(project, "jsonl", out)
        before = digest(out)
        real = export_package.EXPORT_FORMATS["jsonl"].writer()

        def failing(examples, path, scheme, report, **options):  # type: ignore[no-untyped-def]
            real(list(examples)[:1], path, scheme, report)  # half of it written...
            raise OSError(28, "No space left on device")  # ...then the disk fills up

        monkeypatch.setattr(export_package.ExportFormat, "writer", lambda self: failing)
        with pytest.raises(OSError):
            export_package.export(project, "jsonl", out, force=True)
    assert digest(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".annotator-")]


def _export_forever(db: str, out: str) -> None:
    with Project.open(db) as project:
        while True:
            export_package.export(project, "jsonl", Path(out), force=True)


def test_a_killed_export_leaves_the_previous_file(tmp_path: Path) -> None:
    db = tmp_path / "big.db"
    sample_project(db, documents=60).close()
    out = tmp_path / "out.jsonl"
    with Project.open(db) as project:
        export_package.export(project, "jsonl", out)
    expected = digest(out)
    context = multiprocessing.get_context("spawn")
    for delay in (1.0, 1.25):
        worker = context.Process(target=_export_forever, args=(str(db), str(out)))
        worker.start()
        time.sleep(delay)  # the interpreter starts, then exports over and over
        os.kill(worker.pid, signal.SIGKILL)  # type: ignore[arg-type]
        worker.join(10)
        assert digest(out) == expected  # the old file or an identical new one, never half
    with Project.open(db) as project:
        assert project.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _import_forever(db: str, folder: str) -> None:
    from annotator.io import read_transcript

    with Project.open(db) as project:
        for path in sorted(Path(folder).iterdir()):
            project.add_documents(read_transcript(path), annotator="model")


def test_a_killed_import_leaves_a_sound_project(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    Project.create(db, load_scheme_file(default_scheme_path())).close()
    folder = tmp_path / "files"
    folder.mkdir()
    for n in range(400):
        record = {"text": f"Text number {n} said we will not say.", "label": [[0, 4, "quote"]]}
        (folder / f"{n:04}.jsonl").write_text(json.dumps(record) + "\n")
    context = multiprocessing.get_context("spawn")
    worker = context.Process(target=_import_forever, args=(str(db), str(folder)))
    worker.start()
    with Project.open(db, readonly=True) as watcher:
        deadline = time.monotonic() + 30
        while len(watcher.documents()) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)  # kill it in the middle of its imports
    os.kill(worker.pid, signal.SIGKILL)  # type: ignore[arg-type]
    worker.join(10)
    with Project.open(db) as project:
        assert project.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        documents = project.documents()
        assert 20 <= len(documents) < 400
        assert all(len(project.spans(d.id, "model")) == 1 for d in documents)  # all or nothing
        logged = project.db.execute("SELECT count(*) FROM span_changes").fetchone()[0]
        assert logged == len(documents)


# ---- nothing from data reaches the terminal as an escape sequence ---------------------------

CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")


def _yaml_escaped(text: str) -> str:
    return text.replace(ESC, "\\e").replace("\x07", "\\a")


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A project whose titles, speakers, annotator, label names and file names attack."""
    scheme = load_scheme(
        default_scheme_path()
        .read_text(encoding="utf-8")
        .replace("name: Quote", f'name: "Quote{_yaml_escaped(HOSTILE)}"'),
        "hostile.yaml",
    )
    db = tmp_path / "p.db"
    with Project.create(db, scheme) as project:
        text, turns = layout(["Will you say?", "No."], [f"HOST{HOSTILE}", "MINISTER\x1b[31m"])
        turns_ = tuple(turns)
        spans = (SpanDraft("quote", 0, 4, {"source": HOSTILE}, note=HOSTILE),)
        for annotator in (f"eve{HOSTILE}", "bob"):
            project.add_documents(
                [
                    ImportedDocument(
                        f"T{HOSTILE}", text, turns_, "text", f"x{HOSTILE}.md", spans=spans
                    )
                ],
                annotator=annotator,
            )
            project.set_status(1, annotator, "done")
    return db


def test_no_command_prints_an_escape_sequence_from_data(
    run_cli: Callable[..., Result], hostile: Path, tmp_path: Path
) -> None:
    bad_name = tmp_path / f"evil{ESC}[2J\nerror: forged.md"
    bad_name.write_bytes(b"\x00\x01binary")
    commands = [
        ["documents"],
        ["status"],
        ["agreement"],
        ["agreement", "--format", "json"],
        ["agreement", "--format", "csv"],
        ["scheme", "show"],
        ["export", "--format", "csv", "-o", "out.csv"],
        ["export", "--format", "conll", "-o", "out.conll"],
        ["import", str(bad_name)],
        ["import", str(tmp_path / "out.csv")],
    ]
    for command in commands:
        result = run_cli("--db", str(hostile), *command)
        for stream in (result.stdout_bytes, result.stderr_bytes):
            found = CONTROL.search(stream)
            assert found is None, f"{command}: {found and stream[found.start() - 40 :][:80]!r}"
        forged = [line for line in result.stderr.splitlines() if line.startswith("error: forged")]
        assert not forged, command


# ---- a vanished project, a failing disk, a damaged file ------------------------------------


def test_a_deleted_or_replaced_project_file_refuses_every_write(db: Path) -> None:
    project = Project.open(db)
    project.create_span(1, "carol", "quote", 0, 4)
    db.unlink()
    with pytest.raises(ProjectGone, match="was deleted while it was open"):
        project.create_span(1, "carol", "quote", 5, 8)
    project.close()
    sample_project(db).close()  # another project under the same name
    project = Project.open(db)
    other = db.with_name("other.db")
    sample_project(other).close()
    os.replace(other, db)
    with pytest.raises(ProjectGone, match="replaced by another file"):
        project.set_status(1, "carol", "done")
    project.close()


async def test_the_app_stops_when_its_project_file_vanishes(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(db, annotator="alice", config_file=tmp_path / "config.yaml")
    async with app.run_test(size=(100, 30)) as pilot:
        db.unlink()
        await until(pilot, lambda: app.return_code == 1)  # it looks about once a second
    assert app.return_code == 1
    said = " ".join(capsys.readouterr().err.split())
    assert "was deleted while it was open here; nothing more can be saved" in said


def test_a_full_disk_is_one_line_and_changes_nothing(db: Path) -> None:
    with Project.open(db) as project:
        pages = project.db.execute("PRAGMA page_count").fetchone()[0]
        project.db.execute(f"PRAGMA max_page_count = {pages + 1}")
        big, turns = layout(["words " * 100_000])
        with pytest.raises(ProjectError, match="the disk is full: free some space"):
            project.add_documents([ImportedDocument("Big", big, tuple(turns), "text")])
        assert [d.title for d in project.documents()] == ["Doc 0", "Doc 1", "Doc 2"]


def test_a_damaged_project_is_one_line(run_cli: Callable[..., Result], db: Path) -> None:
    with Project.open(db) as project:
        project.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    data[4096 : len(data)] = b"\xff" * (len(data) - 4096)  # every page after the first
    db.write_bytes(bytes(data))
    for command in (["status"], ["documents"], ["export", "--format", "csv", "-o", "x.csv"]):
        result = run_cli("--db", str(db), *command)
        assert result.exit_code == 1, (command, result.output)
        [line] = result.stderr.splitlines()
        assert line.startswith(f"error: {db}: ") and "Traceback" not in result.output


# ---- the result of a write is what the write saw ---------------------------------------------


def test_a_span_merged_away_by_another_window_at_once_is_still_reported_saved(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = Project.open(db), Project.open(db)
    real = first.connection.write

    @contextmanager
    def write_then_the_other_window_merges() -> Iterator[None]:
        with real():
            yield
        # Right after this commit, another window of the same annotator merges the span.
        second.create_span(1, "carol", "quote", 2, 8)

    monkeypatch.setattr(first.connection, "write", write_then_the_other_window_merges)
    span = first.create_span(1, "carol", "quote", 0, 4)
    assert (span.label, span.start, span.end) == ("quote", 0, 4)  # what this write stored
    assert [(s.start, s.end) for s in second.spans(1, "carol")] == [(0, 8)]
    first.close()
    second.close()


# ---- several processes at once ----------------------------------------------------------------


def _busy_annotator(
    db: str, name: str, offset: int, seconds: float, queue: multiprocessing.Queue
) -> None:
    attempted = 0
    with Project.open(db) as project:
        text_end = len(project.document(1).text) - 4
        deadline = time.monotonic() + seconds
        position = offset  # each process its own places: no two spans of one label overlap
        while time.monotonic() < deadline:
            project.create_span(1, name, "quote", position % text_end, position % text_end + 1)
            attempted += 1
            if attempted % 3 == 0:
                project.undo(1, name)
                attempted += 1
            position += 4
    queue.put((name, attempted))


def test_several_processes_writing_for_seconds_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    with Project.create(db, load_scheme_file(default_scheme_path())) as project:
        text, turns = layout(["word " * 4000])
        project.add_documents([ImportedDocument("Long", text, tuple(turns), "text")])
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    names = ["ann", "ben", "ann"]  # two processes write as the same annotator
    workers = [
        context.Process(target=_busy_annotator, args=(str(db), name, offset, 1.0, queue))
        for offset, name in enumerate(names)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    attempted = sum(queue.get(timeout=5)[1] for _ in workers)
    with Project.open(db) as project:
        edits = project.db.execute("SELECT count(*) FROM edits").fetchone()[0]
        assert edits == attempted  # every create and every undo, none lost
        replayed: dict[int, bool] = {}
        for span_id, after in project.db.execute(
            'SELECT span_id, "after" FROM span_changes ORDER BY id'
        ):
            replayed[span_id] = after is not None
        alive = {span_id for span_id, present in replayed.items() if present}
        assert alive == {s.id for s in project.spans(1)}


# ---- the app's own settings -----------------------------------------------------------------


def test_an_unknown_theme_is_one_line(tmp_path: Path, db: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("annotator: alice\ntheme: no-such-theme\n")
    with pytest.raises(AnnotatorError) as refused:
        make_app(db, config_file=config)
    message = str(refused.value)
    assert message.startswith(f"{config}: theme 'no-such-theme' is not a theme")
    assert "textual-dark" in message and "\n" not in message


async def test_ctrl_p_and_colon_open_the_command_palette(db: Path, tmp_path: Path) -> None:
    from textual.command import CommandPalette

    for key in ("ctrl+p", "colon"):
        app = make_app(db, annotator="alice", config_file=tmp_path / "config.yaml")
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, CommandPalette), key


def test_the_app_exit_status_reaches_the_shell(tmp_path: Path, db: Path) -> None:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    (tmp_path / "xdg" / "annotator").mkdir(parents=True)
    (tmp_path / "xdg" / "annotator" / "config.yaml").write_text("theme: no-such-theme\n")
    result = subprocess.run(
        [sys.executable, "-m", "annotator", "--db", str(db), "annotate", "--as", "x"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "theme" in result.stderr


async def test_notifications_show_data_literally(db: Path, tmp_path: Path) -> None:
    app = make_app(db, annotator="alice", config_file=tmp_path / "config.yaml")
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen.notify(f"cannot open [bold red]x[/] {ESC}[2J", title=f"T{ESC}]0;pwn\x07")
        await pilot.pause()
        notification = list(app._notifications)[-1]
        assert not notification.markup  # "[bold red]" is text, not a style
        assert notification.message == "cannot open [bold red]x[/] ␛[2J"
        assert ESC not in notification.title and "\x07" not in notification.title
