"""The native JSONL export read back (annotator/io/annotator_jsonl.py): inputs that once ended
in a traceback, and messages that must name the file being imported."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from test_import_common import refusal, write

from annotator.io import read_transcript
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.store import Project

RECORD: dict[str, Any] = {
    "text": "I won't say.\n\nThey failed.",
    "title": "Interview",
    "source_path": "/elsewhere/original.md",
    "turns": [
        {"index": 0, "start": 0, "end": 12, "speaker": "A", "start_time": 0.5},
        {"index": 1, "start": 14, "end": 26, "speaker": "B"},
    ],
    "spans": [
        {
            "label": "deflection",
            "start": 0,
            "end": 11,
            "annotator": "alice",
            "attributes": {"kind": "declines"},
        }
    ],
}


def native(tmp_path: Path, raw: str, name: str = "export.jsonl") -> Path:
    return write(tmp_path, name, raw + "\n")


def with_turn(**fields: Any) -> str:
    record = json.loads(json.dumps(RECORD))
    record["turns"][0].update(fields)
    return json.dumps(record)


@pytest.mark.parametrize(
    ("old", "new", "place"),
    [
        ("\"I won't say.", "\"I won't \\ud800say.", "line 1, text"),
        ('"Interview"', '"\\udfffInterview"', "line 1, title"),
        ('"speaker": "A"', '"speaker": "A\\ud800"', "line 1, turns[0].speaker"),
    ],
)
def test_a_lone_surrogate_is_refused(tmp_path: Path, old: str, new: str, place: str) -> None:
    raw = json.dumps(RECORD).replace(old, new)
    assert new in raw
    assert refusal(native(tmp_path, raw)).startswith(f"{place}: a string holds a lone UTF-16")


def test_a_turn_time_beyond_sqlite_integers_is_stored_as_seconds(tmp_path: Path) -> None:
    [doc] = read_transcript(native(tmp_path, with_turn(start_time=2**64)))
    assert doc.turns[0].start_time == float(2**64)
    scheme = load_scheme_file(default_scheme_path())
    with Project.create(tmp_path / "p.db", scheme) as project:
        project.add_documents([doc])  # once an OverflowError from SQLite
        [stored] = project.db.execute("SELECT start_time FROM turns WHERE turn_index = 0")
    assert stored == (float(2**64),)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (with_turn(start_time=10**400), "line 1: turns[0] start_time is too large to be a number"),
        (with_turn(end_time=-(10**400)), "line 1: turns[0] end_time is too large to be a number"),
        (with_turn().replace('"start_time": 0.5', '"start_time": 1e999'), "line 1, column"),
        (with_turn().replace('"start_time": 0.5', '"start_time": -Infinity'), "line 1, column"),
        (with_turn(index=2**63), "line 1: turns[0] index is too large (19 digits)"),
        (with_turn(start=-(2**70)), "line 1: turns[0] start is too large (22 digits)"),
    ],
    ids=["10**400", "-10**400", "1e999", "-Infinity", "index-2**63", "start--2**70"],
)
def test_numbers_out_of_range_are_refused(tmp_path: Path, raw: str, reason: str) -> None:
    assert refusal(native(tmp_path, raw)).startswith(reason)


def test_errors_name_the_file_imported_not_the_path_stored_in_it(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    assert run_cli("init").exit_code == 0
    bad_span = json.loads(json.dumps(RECORD))
    bad_span["spans"][0]["label"] = "no-such-label"
    no_annotator = json.loads(json.dumps(RECORD))
    del no_annotator["spans"][0]["annotator"]
    files = {
        "parse.jsonl": json.dumps({**RECORD, "turns": "x"}),
        "label.jsonl": json.dumps(bad_span),
        "layer.jsonl": json.dumps(no_annotator),
    }
    for name, raw in files.items():
        native(tmp_path, raw, name)
        result = run_cli("import", name)
        assert result.exit_code == 1
        [line] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert line.startswith(f"error: {name}: ")
        assert "original.md" not in line
