"""``annotator speakers``: the listing, suggested aliases, and alias, role and rename."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from conftest import layout

from annotator.cli import SPEAKER_COLUMNS, speaker_rows
from annotator.model import ImportedDocument
from annotator.store import Project

BRIEFINGS = "wh_press_briefings_2023-04_all16_concatenated.md"
RECORD = "crec_2005-07-20_house_PgH6117-3.json"


def _transcript(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "debate.txt"
    path.write_text(text, encoding="utf-8")
    return path


def _project(tmp_path: Path) -> Project:
    return Project.open(tmp_path / "annotations.db")


def _add(tmp_path: Path, turns: list[tuple[str, str]]) -> None:
    """A document with these (speaker, text) turns in the project ./annotations.db."""
    text, made = layout([content for _, content in turns], [speaker for speaker, _ in turns])
    with _project(tmp_path) as project:
        project.add_documents([ImportedDocument("Debate", text, tuple(made), "text")])


def test_listing_and_the_three_commands(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    assert run_cli("init").exit_code == 0
    _add(
        tmp_path,
        [
            ("SPEAKER_00", "Will you resign today?"),
            ("SPEAKER_01", "No, I will not."),
            ("SPEAKER_00", "Why not?"),
            ("MR. KIRBY", "A word."),
            ("Mr. KIRBY", "Two more words."),
        ],
    )
    listing = run_cli("speakers")
    assert listing.exit_code == 0, listing.output
    assert "SPEAKER_00" in listing.output and "role" in listing.output
    assert "Suggested aliases" in listing.output
    assert "annotator speakers alias 'MR. KIRBY' 'Mr. KIRBY' --as 'MR. KIRBY'" in listing.output
    assert listing.output.index("SPEAKER_00") < listing.output.index("SPEAKER_01")

    renamed = run_cli("speakers", "rename", "SPEAKER_01", "Yvette Cooper")
    assert renamed.output == "SPEAKER_01 now names Yvette Cooper.\n"
    role = run_cli("speakers", "role", "Yvette Cooper", "interviewee", "--party", "Labour")
    assert role.output == "Yvette Cooper: role interviewee.\n"
    assert run_cli("speakers", "role", "SPEAKER_00", "interviewer").exit_code == 0
    alias = run_cli("speakers", "alias", "MR. KIRBY", "Mr. KIRBY", "--as", "John Kirby")
    assert alias.output == "MR. KIRBY, Mr. KIRBY now name John Kirby.\n"

    after = run_cli("speakers")
    assert "Suggested aliases" not in after.output
    assert "Yvette Cooper" in after.output and "Labour" in after.output
    with _project(tmp_path) as project:
        rows = {row["label"]: row for row in speaker_rows(project)}
    assert list(rows["SPEAKER_01"]) == list(SPEAKER_COLUMNS)
    assert rows["SPEAKER_01"] == {
        "label": "SPEAKER_01", "turns": 1, "words": 4, "documents": 1,
        "person": "Yvette Cooper", "role": "interviewee", "party": "Labour",
        "external_id": None, "constituency": None,
    }  # fmt: skip
    assert rows["SPEAKER_00"]["turns"] == 2 and rows["SPEAKER_00"]["role"] == "interviewer"
    assert rows["Mr. KIRBY"]["person"] == "John Kirby"

    # Roles decide who asks: SPEAKER_00 is no asker by the label heuristics.
    proposed = run_cli("questions", "propose", "--as", "lead")
    assert "Proposed 2 questions in 1 document" in proposed.output
    cleared = run_cli("speakers", "role", "SPEAKER_00", "none")
    assert cleared.output == "SPEAKER_00: role none.\n"


def test_bad_input_gets_one_line(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    run_cli("init")
    assert "No speakers yet" in run_cli("speakers").output
    run_cli("import", str(_transcript(tmp_path, "A: Hello?\n\nB: Hi.\n")))
    for args, message in [
        (("role", "A", "boss"), "error: unknown role 'boss'; use one of interviewer, "),
        (("role", "Nobody", "other"), "error: no person or speaker label 'Nobody'"),
        (("alias", "A", "C", "--as", "X"), "error: no speaker label 'C' in this project"),
        (("rename", "A", "B"), "error: 'B' is already a person of this project"),
        (("rename", "A", " "), "error: a person's name cannot be empty"),
    ]:
        result = run_cli("speakers", *args)
        assert result.exit_code == 1
        assert result.output.startswith(message), result.output
        assert result.output.count("\n") == 1


def test_names_from_data_are_shown_literally(
    run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    run_cli("init")
    _add(tmp_path, [("MR. X\x1b[31m", "One?"), ("Mr. X\x1b[31m", "Two.")])
    listing = run_cli("speakers")
    assert "\x1b" not in listing.output
    assert "MR. X␛[31m" in listing.output
    renamed = run_cli("speakers", "rename", "MR. X\x1b[31m", "Red\x1b[0m")
    assert "\x1b" not in renamed.output and "Red␛[0m" in renamed.output


def test_real_briefings_suggest_kirby(
    run_cli: Callable[..., Result], tmp_path: Path, real_data: Path
) -> None:
    run_cli("init")
    assert run_cli("import", str(real_data / BRIEFINGS)).exit_code == 0
    listing = run_cli("speakers")
    assert listing.exit_code == 0
    [kirby] = [line for line in listing.output.splitlines() if "alias 'MR. KIRBY'" in line]
    assert "'Mr. KIRBY'" in kirby and "'MR KIRBY'" in kirby
    with _project(tmp_path) as project:
        labels = [s.label for s in project.speakers()]
    assert labels[0] == "Q"
    run_cli("speakers", "alias", "MR. KIRBY", "Mr. KIRBY", "MR KIRBY", "--as", "John Kirby")
    run_cli("speakers", "role", "John Kirby", "interviewee")
    run_cli("speakers", "role", "Q", "interviewer")
    with _project(tmp_path) as project:
        rows = {row["label"]: row for row in speaker_rows(project)}
    assert {rows[label]["person"] for label in ("MR. KIRBY", "Mr. KIRBY", "MR KIRBY")} == {
        "John Kirby"
    }
    assert rows["MR KIRBY"]["role"] == "interviewee" and rows["Q"]["role"] == "interviewer"
    assert "alias 'MR. KIRBY'" not in run_cli("speakers").output


def test_real_record_suggests_the_acting_chairman(
    run_cli: Callable[..., Result], tmp_path: Path, real_data: Path
) -> None:
    run_cli("init")
    assert run_cli("import", str(real_data / RECORD)).exit_code == 0
    listing = run_cli("speakers")
    chair = [line for line in listing.output.splitlines() if "alias 'The Acting CHAIRMAN'" in line]
    assert len(chair) == 1 and "'The Acting CHAIRMAN (Mr. Kolbe)'" in chair[0]
    assert chair[0].endswith("--as 'The Acting CHAIRMAN'")
    # Different members are never suggested as one.
    assert "'Mr. SMITH of New Jersey'" not in listing.output.split("Suggested aliases")[1]


def test_the_listing_as_csv_and_json(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    import csv
    import io
    import json

    assert run_cli("init").exit_code == 0
    _add(tmp_path, [("INTERVIEWER", "Will you? \x1b[31m"), ("MINISTER", "No.")])
    assert run_cli("speakers", "role", "INTERVIEWER", "interviewer").exit_code == 0
    rows = list(csv.DictReader(io.StringIO(run_cli("speakers", "--format", "csv").output)))
    assert list(rows[0]) == list(SPEAKER_COLUMNS)
    assert {(r["label"], r["role"]) for r in rows} == {
        ("INTERVIEWER", "interviewer"),
        ("MINISTER", ""),
    }
    data = json.loads(run_cli("speakers", "--format", "json").output)
    assert {row["label"]: row["turns"] for row in data} == {"INTERVIEWER": 1, "MINISTER": 1}
    assert "Suggested" not in run_cli("speakers", "--format", "csv").output


def test_person_and_role_survive_a_jsonl_round_trip(
    run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    assert run_cli("init").exit_code == 0
    _add(tmp_path, [("SPEAKER_00", "Will you?"), ("SPEAKER_01", "No.")])
    with _project(tmp_path) as project:
        project.create_span(1, "alice", "quote", 0, 4)  # a layer to export
    run_cli("speakers", "rename", "SPEAKER_00", "Nick Robinson")
    run_cli("speakers", "role", "Nick Robinson", "interviewer")
    assert run_cli("export", "--format", "jsonl", "-o", "out.jsonl").exit_code == 0
    assert run_cli("--db", "copy.db", "init").exit_code == 0
    assert run_cli("--db", "copy.db", "import", "out.jsonl").exit_code == 0
    with Project.open(tmp_path / "copy.db") as copy:
        rows = {row["label"]: row for row in speaker_rows(copy)}
    assert (rows["SPEAKER_00"]["person"], rows["SPEAKER_00"]["role"]) == (
        "Nick Robinson",
        "interviewer",
    )
    assert rows["SPEAKER_01"]["person"] == "SPEAKER_01"
