"""Fixtures shared by the test modules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

from annotator.cli import cli
from annotator.model import ImportedDocument, Turn
from annotator.scheme import Scheme, load_scheme_file
from annotator.store import Project

# Tests never assert a duration: Hypothesis's default deadline (200 ms per example) fails
# property tests on a loaded machine, so no example has one.
settings.register_profile("annotator", deadline=None)
settings.load_profile("annotator")

FIXTURES = Path(__file__).parent / "fixtures"
REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


@pytest.fixture(autouse=True)
def isolated_user(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests never read or write the real user's settings, and animate nothing."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


@pytest.fixture
def real_data() -> Path:
    """The real transcripts in ../shared/data/real; tests using them skip when it is absent."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real transcripts not found at {REAL_DATA}")
    return REAL_DATA


@pytest.fixture
def run_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run the command line (click's test runner) in ``tmp_path``, so that the project is
    ./annotations.db there; exceptions that are not user errors propagate."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANNOTATOR_DB", raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def tiny_scheme() -> Scheme:
    return load_scheme_file(FIXTURES / "tiny-scheme.yaml")


def layout(
    contents: Sequence[str], speakers: Sequence[str | None] | None = None
) -> tuple[str, list[Turn]]:
    """Turn contents joined by the blank line the importers put between turns, and the
    turns (speakers "S0", "S1"... unless given); contents are kept exactly as they are."""
    turns, offset = [], 0
    for index, content in enumerate(contents):
        speaker = speakers[index] if speakers is not None else f"S{index}"
        turns.append(Turn(index, offset, offset + len(content), speaker))
        offset += len(content) + 2
    return "\n\n".join(contents), turns


def make_document(
    text: str = "I won't say. They failed.\n\nWe will build homes.",
) -> ImportedDocument:
    """A two-turn document; turns are split at the blank line."""
    joined, turns = layout(text.split("\n\n"))
    return ImportedDocument(title="Test", text=joined, turns=tuple(turns), format="text")


def numbered_documents(count: int) -> list[ImportedDocument]:
    """``count`` two-turn documents titled "Doc 0", "Doc 1"... (a queue of many rows)."""
    return [
        replace(make_document(f"Text {n}.\n\nAnswer {n}."), title=f"Doc {n}") for n in range(count)
    ]


@pytest.fixture
def project(tmp_path: Path, tiny_scheme: Scheme) -> Project:
    project = Project.create(tmp_path / "test.db", tiny_scheme)
    yield project
    project.close()
