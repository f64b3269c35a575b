"""Start-up: a command imports what it runs, and nothing pulls in pandas and numpy.

Each check runs in a fresh interpreter (other tests import everything) and counts modules in
``sys.modules``, never time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import annotator.store
from annotator.cli import LazyChoice, cli

ROOT = Path(__file__).resolve().parents[1]

# Heavy for a command that does not use them: sqlite-utils imports pandas and numpy whenever
# they are installed (0.45 s and 110 MB).
NEVER_AT_START = ("pandas", "numpy", "sqlite_utils")
# What `annotator --version` (importing the command line) must not load.
NOT_FOR_THE_COMMAND_LINE = (
    *NEVER_AT_START,
    "rich",
    "yaml",
    "textual",
    "annotator.store.project",
    "annotator.scheme",
    "annotator.io",
    "annotator.export",
    "annotator.codebook",
    "annotator.report",
)


def loaded_after(code: str, *, cwd: Path = ROOT) -> set[str]:
    """The names in sys.modules after running ``code`` in a fresh interpreter."""
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=cwd, check=True
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def heavy(names: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden))


def test_the_command_line_imports_only_click_and_the_files_location() -> None:
    names = loaded_after("import annotator.cli")
    assert heavy(names, NOT_FOR_THE_COMMAND_LINE) == []


# What the annotation screen's first paint never needs: the review screens and queues, the
# agreement, report and export code load when their screen opens.
NOT_FOR_THE_FIRST_PAINT = (
    "annotator.review",
    "annotator.agreement",
    "annotator.agreement_report",
    "annotator.agreement_kept",
    "annotator.report",
    "annotator.export",
    "annotator.screens.review",
    "annotator.screens.queue",
    "annotator.screens.review_queue",
    "sqlite_utils",
    "pandas",
)


def test_the_app_loads_only_what_the_annotation_screen_needs() -> None:
    names = loaded_after("import annotator.app")
    assert heavy(names, NOT_FOR_THE_FIRST_PAINT) == []


def test_version_runs_without_the_heavy_modules() -> None:
    names = loaded_after(
        "import sys\nfrom annotator.cli import main\nsys.argv = ['annotator', '--version']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert heavy(names, NOT_FOR_THE_COMMAND_LINE) == []


def test_opening_and_reading_a_project_never_imports_sqlite_utils_or_pandas(
    tmp_path: Path,
) -> None:
    # Creating a project applies the migrations (sqlite-utils does that); opening it again
    # and reading, as every command and the app do, needs neither.
    db = tmp_path / "p.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", str(db), "init"]).exit_code == 0
    names = loaded_after(
        "from annotator.store import Project\n"
        f"p = Project.open({str(db)!r})\n"
        "p.stats(); p.documents(); p.close()\n"
        f"p = Project.open({str(db)!r}, readonly=True)\n"
        "p.stats(); p.close()"
    )
    assert heavy(names, NEVER_AT_START) == []
    assert "annotator.store.project" in names


def test_status_and_documents_commands_import_no_pandas(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    assert CliRunner().invoke(cli, ["--db", str(db), "init"]).exit_code == 0
    for command in ("status", "documents"):
        names = loaded_after(
            "import sys\nfrom annotator.cli import main\n"
            f"sys.argv = ['annotator', '--db', {str(db)!r}, {command!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass"
        )
        assert heavy(names, NEVER_AT_START) == [], command
        assert "annotator.store.project" in names


def test_sqlite_utils_is_still_there_on_demand(tmp_path: Path) -> None:
    # The store's thin Database hands any other sqlite-utils call to sqlite-utils.
    from annotator.store import Project

    db = tmp_path / "p.db"
    assert CliRunner().invoke(cli, ["--db", str(db), "init"]).exit_code == 0
    with Project.open(db) as project:
        assert "spans" in project.db.table_names()
        assert project.db["spans"].exists()
        assert project.db.full["documents"].count == 0


def test_the_store_package_names_every_export_it_lists() -> None:
    for name in annotator.store.__all__:
        assert getattr(annotator.store, name) is not None
    with pytest.raises(AttributeError):
        _ = annotator.store.no_such_name  # type: ignore[attr-defined]


def test_lazy_choices_load_only_when_needed() -> None:
    loads: list[int] = []

    def load() -> tuple[str, ...]:
        loads.append(1)
        return ("a", "b")

    @click.command()
    @click.option("--pick", type=LazyChoice(load))
    def command(pick: str | None) -> None:
        click.echo(f"picked {pick}")

    runner = CliRunner()
    assert loads == []
    assert runner.invoke(command, []).output == "picked None\n"
    assert loads == []  # no value, no load
    assert runner.invoke(command, ["--pick", "b"]).output == "picked b\n"
    refused = runner.invoke(command, ["--pick", "c"])
    assert refused.exit_code == 2 and "'a'" in refused.output and "'b'" in refused.output
    assert "[a|b]" in runner.invoke(command, ["--help"]).output
    assert len(loads) == 1  # once


def test_the_command_lines_choices_are_the_modules(tmp_path: Path) -> None:
    from annotator.export import EXPORT_FORMATS
    from annotator.io import FORMATS

    help_text = CliRunner().invoke(cli, ["export", "--help"]).output
    for name in EXPORT_FORMATS:
        assert name in help_text
    refused = CliRunner().invoke(cli, ["--db", str(tmp_path / "p.db"), "import", "--format"])
    assert refused.exit_code == 2
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "p.db"), "import", "--format", "nope", str(tmp_path)]
    )
    assert result.exit_code == 2 and FORMATS[0] in result.output


def test_listings_print_without_rich(tmp_path: Path) -> None:
    """Plain listings (documents, speakers) need the terminal's width, not Rich."""
    db = tmp_path / "p.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", str(db), "init"]).exit_code == 0
    imported = runner.invoke(cli, ["--db", str(db), "import", str(ROOT / "sample_transcripts")])
    assert imported.exit_code == 0, imported.output
    for command in ("documents", "speakers"):
        names = loaded_after(
            "import sys\nfrom annotator.cli import main\n"
            f"sys.argv = ['annotator', '--db', {str(db)!r}, {command!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass"
        )
        assert heavy(names, ("rich",)) == [], command


@pytest.mark.parametrize("columns", [None, "100", "7", "wide"])
def test_the_listings_width_is_the_one_rich_takes(
    columns: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.cli import _console, _terminal_width

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert _terminal_width() == _console().width
