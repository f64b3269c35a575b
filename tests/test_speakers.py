"""The speaker registry: people, labels naming them, imports, aliases, roles and the
suggestions of labels that probably name one person."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import layout
from hypothesis import given
from hypothesis import strategies as st

from annotator.errors import InvalidValue, UnknownItem
from annotator.model import ImportedDocument, SpeakerInfo, count_words
from annotator.questions import asks
from annotator.scheme import Scheme
from annotator.speakers import alias_key, display_name, suggest_aliases
from annotator.store import Project


def interview(
    speakers: list[str | None],
    contents: list[str] | None = None,
    info: dict[str, SpeakerInfo] | None = None,
    title: str = "Interview",
) -> ImportedDocument:
    contents = contents or [f"Turn {i} of {title}, does it ask?" for i in range(len(speakers))]
    text, turns = layout(contents, speakers)
    return ImportedDocument(
        title=title, text=text, turns=tuple(turns), format="text", speaker_info=info or {}
    )


def people(project: Project) -> dict[str, str]:
    return {label: person.name for label, person in project.speaker_people().items()}


def audit(project: Project) -> list[tuple[str, str | None, str]]:
    return [
        (row[0], row[1], row[2])
        for row in project.db.execute(
            "SELECT action, label, person FROM speaker_changes ORDER BY id"
        )
    ]


# ---- imports -------------------------------------------------------------------------------


def test_a_label_without_info_names_a_person_of_its_own_name(project: Project) -> None:
    project.add_documents([interview(["HOST", "Ms. Reed", "HOST"])])
    assert people(project) == {"HOST": "HOST", "Ms. Reed": "Ms. Reed"}
    summaries = {s.label: s for s in project.speakers()}
    assert summaries["HOST"].turns == 2 and summaries["Ms. Reed"].turns == 1
    assert summaries["HOST"].person is not None and summaries["HOST"].person.role is None
    assert [s.label for s in project.speakers()] == ["HOST", "Ms. Reed"]  # most turns first


def test_words_are_counted_per_turn_text(project: Project) -> None:
    project.add_documents(
        [interview(["A", "B", "A"], ["one two three", "four", "five six"], title="x")]
    )
    project.add_documents([interview(["A"], ["seven eight nine ten"], title="y")])
    summaries = {s.label: s for s in project.speakers()}
    assert (summaries["A"].turns, summaries["A"].words, summaries["A"].documents) == (3, 9, 2)
    assert (summaries["B"].turns, summaries["B"].words, summaries["B"].documents) == (1, 1, 1)


@given(st.lists(st.text(alphabet=st.sampled_from("ab’'- .\n\u00e9"), min_size=1), max_size=6))
def test_a_document_counts_its_words_as_its_turns_and_the_gaps_do(contents: list[str]) -> None:
    contents = [c if c.strip() else "x" for c in contents]
    document = interview(["A"] * len(contents), contents) if contents else interview([])
    assert document.words == count_words(document.text)
    assert list(document.turn_words) == [count_words(c.strip()) for c in contents]


def test_an_import_records_what_the_file_says_of_its_speakers(project: Project) -> None:
    smith = SpeakerInfo("Lamar Smith", "other", "R", "S000583", "Texas 21")
    info = {"Mr. SMITH of Texas": smith, "The SPEAKER": SpeakerInfo(role="moderator")}
    project.add_documents([interview(["The SPEAKER", "Mr. SMITH of Texas"], info=info)])
    found = project.speaker_people()
    person = found["Mr. SMITH of Texas"]
    assert (person.name, smith.role, smith.party, smith.external_id, smith.constituency) == (
        "Lamar Smith", "other", "R", "S000583", "Texas 21",
    )  # fmt: skip
    assert found["The SPEAKER"].name == "The SPEAKER"
    assert found["The SPEAKER"].role == "moderator"
    assert project.person("Lamar Smith") == person
    assert project.person("Mr. SMITH of Texas") == person  # by a label naming them


def test_two_labels_of_one_person_in_the_file_share_the_person(project: Project) -> None:
    cooper = SpeakerInfo(person="Yvette Cooper")
    info = {"SPEAKER_00": cooper, "COOPER": cooper}
    project.add_documents([interview(["SPEAKER_00", "COOPER"], info=info)])
    assert people(project) == {"SPEAKER_00": "Yvette Cooper", "COOPER": "Yvette Cooper"}


def test_an_import_never_relinks_a_label_nor_overwrites_what_is_known(project: Project) -> None:
    project.add_documents([interview(["HOST"], title="first")])
    project.alias_speakers(["HOST"], "Nick Robinson")
    project.set_person("Nick Robinson", role="interviewer", party="")
    info = {"HOST": SpeakerInfo(person="Someone Else", role="moderator", party="BBC")}
    project.add_documents([interview(["HOST"], info=info, title="second")])
    robinson = project.speaker_people()["HOST"]
    assert robinson.name == "Nick Robinson"
    assert robinson.role == "interviewer"  # kept
    assert robinson.party == "BBC"  # was unknown: filled in
    assert project.speakers_store.person("Someone Else") is None


def test_files_of_one_batch_fill_in_one_another_and_a_refused_one_is_forgotten(
    project: Project,
) -> None:
    # The registry remembers the labels an import recorded within one transaction: a batch
    # of files must still fill in what a later file says, and forget a file rolled back.
    with project.batch():
        project.add_documents([interview(["HOST", "GUEST"], title="one")])
        project.add_documents(
            [interview(["HOST"], info={"HOST": SpeakerInfo(role="interviewer")}, title="two")]
        )
        info = {"GUEST": SpeakerInfo(party="Lab"), "OTHER": SpeakerInfo(role="presenter")}
        with pytest.raises(InvalidValue, match="unknown role"):
            project.add_documents([interview(["GUEST", "OTHER"], info=info, title="bad")])
        project.add_documents(
            [interview(["GUEST"], info={"GUEST": SpeakerInfo(party="Con")}, title="three")]
        )
        project.alias_speakers(["HOST"], "Nick Robinson")
        project.add_documents(
            [interview(["HOST"], info={"HOST": SpeakerInfo(party="BBC")}, title="four")]
        )
    found = project.speaker_people()
    assert (found["HOST"].name, found["HOST"].role, found["HOST"].party) == (
        "Nick Robinson", "interviewer", "BBC",
    )  # fmt: skip
    assert found["GUEST"].party == "Con"  # the refused file's "Lab" was rolled back
    assert "OTHER" not in found


def test_an_unknown_role_in_a_file_refuses_the_import_naming_it(project: Project) -> None:
    info = {"HOST": SpeakerInfo(role="presenter")}
    with pytest.raises(InvalidValue, match="speaker 'HOST' has the unknown role 'presenter'"):
        project.add_documents([interview(["HOST"], info=info)])
    assert project.documents() == [] and project.speakers() == []  # all or nothing


def test_turns_without_a_speaker_have_no_person(project: Project) -> None:
    [added] = project.add_documents([interview([None, "A"])])
    assert project.person_of_turn(added.document_id, 0) is None
    person = project.person_of_turn(added.document_id, 1)
    assert person is not None and person.name == "A"
    assert [s.label for s in project.speakers()] == ["A"]


# ---- aliases, renames, details ------------------------------------------------------------


def test_alias_links_labels_to_one_person_and_removes_the_people_left(project: Project) -> None:
    project.add_documents([interview(["MR. KIRBY", "Mr. KIRBY", "Q", "MR KIRBY"])])
    project.set_person("MR. KIRBY", role="interviewee")
    project.set_person("Mr. KIRBY", role="interviewee")
    person = project.alias_speakers(["MR. KIRBY", "Mr. KIRBY", "MR KIRBY"], "John Kirby")
    assert person.name == "John Kirby"
    assert person.role is None  # MR KIRBY's person had none: the three did not agree
    assert people(project) == {
        "MR. KIRBY": "John Kirby", "Mr. KIRBY": "John Kirby", "MR KIRBY": "John Kirby", "Q": "Q",
    }  # fmt: skip
    assert project.speakers_store.person("MR. KIRBY") is None  # left without labels
    assert project.speakers_store.labels_of(person.id) == ["MR KIRBY", "MR. KIRBY", "Mr. KIRBY"]
    assert ("alias", "Mr. KIRBY", "John Kirby") in audit(project)


def test_a_new_person_takes_over_what_the_labels_people_agree_on(project: Project) -> None:
    project.add_documents([interview(["A", "B"])])
    project.set_person("A", role="interviewee", party="Labour")
    project.set_person("B", role="interviewee", party="Green")
    person = project.alias_speakers(["A", "B"], "Ann")
    assert (person.role, person.party) == ("interviewee", None)


def test_alias_to_an_existing_person_keeps_theirs(project: Project) -> None:
    project.add_documents([interview(["MR. KIRBY", "Mr. KIRBY"])])
    project.set_person("MR. KIRBY", role="interviewee")
    person = project.alias_speakers(["Mr. KIRBY"], "MR. KIRBY")
    assert person.role == "interviewee"
    assert people(project) == {"MR. KIRBY": "MR. KIRBY", "Mr. KIRBY": "MR. KIRBY"}


def test_alias_refuses_an_unknown_label_and_changes_nothing(project: Project) -> None:
    project.add_documents([interview(["A", "B"])])
    with pytest.raises(UnknownItem, match="no speaker label 'C' in this project"):
        project.alias_speakers(["A", "C"], "Ann")
    assert people(project) == {"A": "A", "B": "B"}
    with pytest.raises(InvalidValue, match="name cannot be empty"):
        project.alias_speakers(["A"], "  ")


def test_rename_gives_the_labels_person_a_name(project: Project) -> None:
    [added] = project.add_documents([interview(["SPEAKER_00", "SPEAKER_01"])])
    project.set_person("SPEAKER_01", role="interviewee")
    person = project.rename_speaker("SPEAKER_01", "Yvette Cooper")
    assert (person.name, person.role) == ("Yvette Cooper", "interviewee")
    found = project.person_of_turn(added.document_id, 1)
    assert found is not None and found.name == "Yvette Cooper"
    assert project.turns(added.document_id)[1].speaker == "SPEAKER_01"  # the text's label
    assert project.speaker_names()["SPEAKER_01"] == "Yvette Cooper (SPEAKER_01)"
    assert project.speaker_names()["SPEAKER_00"] == "SPEAKER_00"
    with pytest.raises(InvalidValue, match=r"already a person of this project; .* alias"):
        project.rename_speaker("SPEAKER_00", "Yvette Cooper")
    assert people(project)["SPEAKER_00"] == "SPEAKER_00"
    assert ("rename", "SPEAKER_01", "Yvette Cooper") in audit(project)


def test_set_person_checks_the_role_and_clears_with_an_empty_value(project: Project) -> None:
    project.add_documents([interview(["A"])])
    with pytest.raises(InvalidValue, match="unknown role 'boss'; use one of interviewer"):
        project.set_person("A", role="boss")
    with pytest.raises(UnknownItem, match="no person or speaker label 'Z'"):
        project.set_person("Z", role="other")
    assert project.set_person("A", role="moderator", external_id="Q42").role == "moderator"
    cleared = project.set_person("A", role="")
    assert (cleared.role, cleared.external_id) == (None, "Q42")
    rows = project.db.execute(
        "SELECT before, after FROM speaker_changes WHERE action = 'set' ORDER BY id"
    ).fetchall()
    assert [json.loads(after) for _, after in rows] == [
        {"role": "moderator", "external_id": "Q42"},
        {"role": None},
    ]


def test_speaker_changes_are_not_document_edits(project: Project) -> None:
    [added] = project.add_documents([interview(["A"])])
    project.alias_speakers(["A"], "Ann")
    assert project.history(added.document_id) == []


def test_a_project_made_before_the_registry_gains_a_person_per_label(
    tmp_path: Path, tiny_scheme: Scheme
) -> None:
    path = tmp_path / "old.db"
    with Project.create(path, tiny_scheme) as project:
        project.add_documents([interview(["HOST", "GUEST", "HOST"])])
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP TABLE people; DROP TABLE speaker_labels; DROP TABLE speaker_changes; "
        "DELETE FROM _sqlite_migrations WHERE name = 'm006_speakers';"
    )
    conn.close()
    with Project.open(path) as project:
        assert people(project) == {"HOST": "HOST", "GUEST": "GUEST"}


def test_a_project_made_before_turn_words_counts_them_when_upgraded(
    tmp_path: Path, tiny_scheme: Scheme
) -> None:
    path = tmp_path / "old.db"
    with Project.create(path, tiny_scheme) as project:
        project.add_documents(
            [interview(["A", "B", "A"], ["one two three", "four", "five six"], title="x")]
        )
        before = {s.label: s.words for s in project.speakers()}
    conn = sqlite3.connect(path)
    conn.executescript(
        "ALTER TABLE turns DROP COLUMN words; "
        "DELETE FROM _sqlite_migrations WHERE name = 'm018_turn_words';"
    )
    conn.close()
    with Project.open(path) as project:
        assert {s.label: s.words for s in project.speakers()} == before == {"A": 5, "B": 1}


def test_nothing_but_the_registry_writes_its_tables() -> None:
    package = Path(__file__).resolve().parents[1] / "annotator"
    writes = [
        f"{verb} {table}"
        for table in ("people", "speaker_labels", "speaker_changes")
        for verb in ("insert into", "update", "delete from", "replace into")
    ]
    found = {
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if any(write in path.read_text(encoding="utf-8").lower() for write in writes)
    }
    assert found == {"store/speakers.py", "store/migrations.py"}  # the latter: m006's backfill


# ---- who asks -----------------------------------------------------------------------------


def test_roles_decide_who_asks_before_the_label_heuristics() -> None:
    assert asks("HOST") and not asks("Yvette Cooper")
    assert not asks("HOST", role="interviewee")
    assert asks("Yvette Cooper", role="interviewer")
    assert asks("X", role="moderator") and asks("X", role="audience")
    assert not asks("Q", role="other")
    assert asks("Yvette Cooper", ["yvette cooper"], role="interviewee")  # --asker wins


def test_propose_questions_follows_the_roles(project: Project) -> None:
    doc = interview(
        ["SPEAKER_00", "SPEAKER_01", "HOST", "SPEAKER_00"],
        ["Will you resign?", "Why would I?", "Is that a no?", "Are we done?"],
    )
    [added] = project.add_documents([doc])
    project.set_person("SPEAKER_00", role="interviewer")
    project.set_person("HOST", role="interviewee")  # a label the heuristics would take
    project.propose_questions("lead", [added.document_id])
    texts = [doc.text[q.start : q.end] for q in project.questions(added.document_id)]
    assert texts == ["Will you resign?", "Are we done?"]


def test_propose_without_roles_keeps_the_heuristics_and_asker_overrides(project: Project) -> None:
    doc = interview(["HOST", "GUEST"], ["Will you resign?", "Why would I?"])
    [added] = project.add_documents([doc])
    project.set_person("GUEST", role="interviewee")
    project.propose_questions("lead", [added.document_id], askers=["GUEST"])
    texts = [doc.text[q.start : q.end] for q in project.questions(added.document_id)]
    assert texts == ["Why would I?"]  # --asker names who asks, whatever the roles
    project.propose_questions("lead", [added.document_id])
    texts = [doc.text[q.start : q.end] for q in project.questions(added.document_id)]
    assert texts == ["Will you resign?", "Why would I?"]  # HOST: no role, the heuristics


# ---- display names and suggestions ---------------------------------------------------------


def test_display_name() -> None:
    assert display_name("SPEAKER_01", "Yvette Cooper") == "Yvette Cooper (SPEAKER_01)"
    assert display_name("HOST", "HOST") == "HOST"
    assert display_name("HOST", None) == "HOST"


def test_alias_key_ignores_case_punctuation_honorifics_and_a_trailing_parenthesis() -> None:
    assert alias_key("MR. KIRBY") == alias_key("Mr. KIRBY") == alias_key("MR KIRBY")
    assert alias_key("MR. KIRBY") == ("kirby", "m")
    assert alias_key("The Acting CHAIRMAN") == alias_key("The Acting CHAIRMAN (Mr. Kolbe)")
    assert alias_key("MS. KIRBY") != alias_key("MR. KIRBY")
    assert alias_key("Mr. SMITH of Texas") != alias_key("Mr. SMITH of New Jersey")


def test_suggestions_group_labels_and_name_the_command() -> None:
    turns = {
        "MR. KIRBY": 40, "Mr. KIRBY": 3, "MR KIRBY": 1, "KIRBY": 2, "MS. JONES": 5,
        "The Acting CHAIRMAN": 4, "The Acting CHAIRMAN (Mr. Kolbe)": 2, "Q": 100,
        "Mr. O'Brien": 1,
    }  # fmt: skip
    found = suggest_aliases(turns, {label: label for label in turns})
    assert [s.labels for s in found] == [
        ("MR. KIRBY", "Mr. KIRBY", "KIRBY", "MR KIRBY"),
        ("The Acting CHAIRMAN", "The Acting CHAIRMAN (Mr. Kolbe)"),
    ]
    assert found[0].command == (
        "annotator speakers alias 'MR. KIRBY' 'Mr. KIRBY' KIRBY 'MR KIRBY' --as 'MR. KIRBY'"
    )
    # KIRBY cannot join both gendered groups: it stays out of theirs. Labels whose
    # honorifics differ are suggested apart, with a note (one may be a typo).
    two = suggest_aliases({"MR. KIRBY": 2, "MS. KIRBY": 1, "KIRBY": 1, "Mr KIRBY": 1}, {})
    assert [(s.labels, s.note) for s in two] == [
        (("MR. KIRBY", "Mr KIRBY"), ""),
        (
            ("MR. KIRBY", "KIRBY", "MS. KIRBY", "Mr KIRBY"),
            "their honorifics differ: merge only if one of them is a typo",
        ),
    ]
    # The White House briefings' one "MR. SLOAT" for Ms. Sloat.
    [typo] = suggest_aliases({"MS. SLOAT": 39, "MR. SLOAT": 1}, {})
    assert typo.labels == ("MS. SLOAT", "MR. SLOAT") and typo.note


def test_labels_naming_one_person_are_not_suggested_again() -> None:
    turns = {"MR. KIRBY": 4, "Mr. KIRBY": 1}
    assert suggest_aliases(turns, {"MR. KIRBY": "John Kirby", "Mr. KIRBY": "John Kirby"}) == []
    [one] = suggest_aliases(turns, {"MR. KIRBY": "John Kirby", "Mr. KIRBY": "Mr. KIRBY"})
    assert one.person == "John Kirby"
    assert one.command.endswith("--as 'John Kirby'")


def test_a_label_quoted_for_the_shell_is_literal() -> None:
    [one] = suggest_aliases({"MR. $(rm) KIRBY": 2, "Mr. $(rm) KIRBY": 1}, {})
    assert one.command == (
        "annotator speakers alias 'MR. $(rm) KIRBY' 'Mr. $(rm) KIRBY' --as 'MR. $(rm) KIRBY'"
    )


# ---- exports -------------------------------------------------------------------------------


def test_exports_carry_person_and_role(project: Project, tmp_path: Path) -> None:
    import csv

    from annotator.export import export

    doc = interview(
        ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00"],
        ["Will you resign?", "I won't say, and why would I?", "Is that a no?"],
    )
    [added] = project.add_documents([doc])
    project.rename_speaker("SPEAKER_00", "Nick Robinson")
    project.set_person("Nick Robinson", role="interviewer")
    project.rename_speaker("SPEAKER_01", "Yvette Cooper")
    project.set_person("Yvette Cooper", role="interviewee")
    start = doc.text.index("I won't say")
    project.create_span(added.document_id, "alice", "quote", start, start + 11, {"source": "x"})
    project.propose_questions("lead", [added.document_id])

    export(project, "jsonl", tmp_path / "out.jsonl")
    [line] = [json.loads(text) for text in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(t["speaker"], t["person"], t["role"]) for t in line["turns"]] == [
        ("SPEAKER_00", "Nick Robinson", "interviewer"),
        ("SPEAKER_01", "Yvette Cooper", "interviewee"),
        ("SPEAKER_00", "Nick Robinson", "interviewer"),
    ]
    [span] = line["spans"]
    assert (span["speaker"], span["person"], span["role"]) == (
        "SPEAKER_01", "Yvette Cooper", "interviewee"
    )  # fmt: skip
    assert [(q["text"], q["person"], q["role"]) for q in line["questions"]] == [
        ("Will you resign?", "Nick Robinson", "interviewer"),
        ("Is that a no?", "Nick Robinson", "interviewer"),
    ]

    export(project, "jsonl", tmp_path / "turns.jsonl", unit="turn")
    turns = [json.loads(text) for text in (tmp_path / "turns.jsonl").read_text().splitlines()]
    assert turns[1]["turns"][0]["person"] == "Yvette Cooper"
    assert turns[1]["spans"][0]["role"] == "interviewee"

    export(project, "csv", tmp_path / "out.csv")
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as file:
        [row] = list(csv.DictReader(file))
    assert (row["speaker"], row["person"], row["role"]) == (
        "SPEAKER_01", "Yvette Cooper", "interviewee"
    )  # fmt: skip

    export(project, "questions-csv", tmp_path / "questions.csv")
    with open(tmp_path / "questions.csv", encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [
        (r["person"], r["role"], r["respondent"], r["respondent_person"], r["respondent_role"])
        for r in rows
    ] == [
        ("Nick Robinson", "interviewer", "SPEAKER_01", "Yvette Cooper", "interviewee"),
        ("Nick Robinson", "interviewer", "", "", ""),  # nobody answers the last question
    ]


def test_parquet_carries_person_and_role(project: Project, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    from annotator.export import export

    doc = interview(["HOST", "GUEST"], ["Will you?", "I won't say."])
    [added] = project.add_documents([doc])
    project.set_person("GUEST", role="interviewee")
    start = doc.text.index("I won't")
    project.create_span(added.document_id, "alice", "quote", start, start + 7, {"source": "x"})
    export(project, "parquet", tmp_path / "out.parquet")
    [span] = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert (span["speaker"], span["person"], span["role"]) == ("GUEST", "GUEST", "interviewee")
    [document] = pq.read_table(tmp_path / "out.documents.parquet").to_pylist()
    assert [(t["person"], t["role"]) for t in document["turns"]] == [
        ("HOST", None),
        ("GUEST", "interviewee"),
    ]
