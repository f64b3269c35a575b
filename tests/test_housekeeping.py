"""Housekeeping (issue 13): deleting documents, renaming and listing annotators, and the
listings' --format table|csv|json, fitted to the terminal."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import layout
from hypothesis import given
from hypothesis import strategies as st
from question_sample import FIRST, FIRST_TURNS, at, build, scheme
from test_import_rules import in_folder, one_line, read_only

from annotator.cli import _cut_column, _fold, _middle_cut
from annotator.config import config_path
from annotator.model import ImportedDocument
from annotator.store import Project
from annotator.store.spans import SpanWriter
from annotator.textindex import cell_len

CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")
HOSTILE = "\x1b[2J\x1b]52;c;aGk=\x07\x9b31m\u202eevil"


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """The question sample: document 1 with everyone's spans, questions and codes (and
    gold), document 2 with a question coded by bob, document 3 with only bob's status."""
    build(tmp_path / "annotations.db").close()
    return tmp_path / "annotations.db"


@pytest.fixture
def run(run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    monkeypatch.setenv("COLUMNS", "80")
    return run_cli


def table_counts(db: Path) -> dict[str, int]:
    with Project.open(db, readonly=True) as project:
        return {
            table: project.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in (
                "documents",
                "turns",
                "spans",
                "questions",
                "codes",
                "document_status",
                "edits",
                "span_changes",
                "deletions",
            )
        }


def rows_of(db: Path, table: str, document_id: int) -> int:
    with Project.open(db, readonly=True) as project:
        return int(
            project.db.execute(
                f"SELECT count(*) FROM {table} WHERE document_id = ?", [document_id]
            ).fetchone()[0]
        )


# ---- documents delete ------------------------------------------------------------------------


def test_a_document_with_work_is_refused_in_one_line_and_nothing_changes(
    run: Callable[..., Result], sample: Path
) -> None:
    before = table_counts(sample)
    result = run("documents", "delete", "1")
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert "document 1 holds annotations (4 spans, 5 questions, 8 codes)" in line
    assert "--with-spans" in line and "nothing was deleted" in line
    assert table_counts(sample) == before


@pytest.mark.parametrize("work", ["span", "gold span", "question", "question code", "doc code"])
def test_any_kind_of_anyones_work_refuses_the_deletion(
    run: Callable[..., Result], tmp_path: Path, work: str
) -> None:
    db = tmp_path / "annotations.db"
    with Project.create(db, scheme()) as project:
        [added] = project.add_documents(
            [ImportedDocument("Budget", FIRST, tuple(FIRST_TURNS), "text", "budget.txt")]
        )
        doc = added.document_id
        if work in ("span", "gold span"):
            who = "gold" if work == "gold span" else "carol"
            project.create_span(doc, who, "quote", *at(FIRST, "café owners"), question=None)
        elif work == "question":
            project.propose_questions("lead")
        elif work == "question code":
            project.propose_questions("lead")
            question = project.questions(doc)[-1]
            project.set_code(doc, "carol", "dodging", question_id=question.id)
        else:
            project.set_code(doc, "carol", "adversarial")
    result = run("documents", "delete", "budget.txt")
    assert result.exit_code == 1
    assert "--with-spans" in one_line(result.stderr)
    assert table_counts(db)["documents"] == 1


def test_with_spans_everything_of_the_document_goes_and_the_rest_stays(
    run: Callable[..., Result], sample: Path
) -> None:
    before = table_counts(sample)
    with Project.open(sample, readonly=True) as project:
        document = project.document(1)
        kept_codes = project.codes("question")
        kept_codes = [code for code in kept_codes if code.document_id != 1]
        spans = project.spans(1)
    result = run("documents", "delete", "1", "--with-spans", "--as", "lead")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Deleted document 1 'Budget interview' (6 turns, 4 spans, ")
    assert "5 questions, 8 codes" in result.stdout and "recorded as deletion 1" in result.stdout
    for table in ("documents", "turns", "spans", "questions", "codes", "document_status", "edits"):
        key = "id" if table == "documents" else "document_id"
        with Project.open(sample, readonly=True) as project:
            left = project.db.execute(f"SELECT count(*) FROM {table} WHERE {key} = 1").fetchone()
        assert left == (0,), table
    after = table_counts(sample)
    assert after["documents"] == before["documents"] - 1
    assert after["deletions"] == 1
    with Project.open(sample) as project:
        # No change of the log is left without its edit; the other documents keep theirs.
        orphans = project.db.execute(
            "SELECT count(*) FROM span_changes WHERE edit_id NOT IN (SELECT id FROM edits)"
        ).fetchone()
        assert orphans == (0,)
        assert [c for c in project.codes("question") if c.document_id != 1] == kept_codes
        assert project.statuses(2) == {"alice": "skipped", "bob": "in_progress", "gold": "done"}
        [record] = project.deletions.records()
        assert record["title"] == "Budget interview"
        assert record["sha256"] == document.sha256
        assert record["deleted_by"] == "lead"
        assert (record["span_count"], record["question_count"], record["code_count"]) == (4, 5, 8)
        assert record["turns"] == 6 and record["status_count"] == 3
        assert sorted((s["annotator"], s["label"], s["start"]) for s in record["spans"]) == sorted(
            (s.annotator, s.label, s.start) for s in spans
        )
        assert {c["annotator"] for c in record["codes"]} == {"alice", "bob", "gold"}
        assert len(record["questions"]) == 5
        # The project goes on: the next document is still edited, and undone, as before.
        span = project.create_span(2, "alice", "quote", 0, 5)
        assert project.spans(2, "alice") == [span]
        project.undo(2, "alice")
        assert project.spans(2, "alice") == []


def test_a_document_without_work_is_deleted_without_the_flag(
    run: Callable[..., Result], sample: Path
) -> None:
    result = run("documents", "delete", "3")
    assert result.exit_code == 0, result.output
    assert "Deleted document 3 'No questions' (0 turns, 0 spans" in result.stdout
    assert "1 status)" in result.stdout
    assert rows_of(sample, "document_status", 3) == 0
    assert table_counts(sample)["deletions"] == 1


def test_several_documents_go_all_or_nothing(run: Callable[..., Result], sample: Path) -> None:
    before = table_counts(sample)
    result = run("documents", "delete", "3", "1")  # 3 could go, 1 holds work
    assert result.exit_code == 1
    assert table_counts(sample) == before
    unknown = run("documents", "delete", "3", "99", "--with-spans")
    assert unknown.exit_code == 1
    assert one_line(unknown.stderr) == "error: no document with id 99"
    assert table_counts(sample) == before
    both = run("documents", "delete", "3", "1", "3", "--with-spans")
    assert both.exit_code == 0, both.output
    assert both.stdout.count("Deleted document") == 2
    assert table_counts(sample)["documents"] == before["documents"] - 2


def test_a_failure_half_way_changes_nothing(
    run: Callable[..., Result], sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spans go through the span writer, inside the deletion's one transaction: when it
    fails, the codes already removed come back."""
    before = table_counts(sample)

    def failing(self: SpanWriter, document_id: int) -> list[dict[str, object]]:
        raise OSError("disk gone")

    monkeypatch.setattr(SpanWriter, "purge_document", failing)
    with pytest.raises(OSError):
        run("documents", "delete", "1", "--with-spans")
    assert table_counts(sample) == before


def test_a_read_only_project_refuses_deleting_and_renaming(sample: Path) -> None:
    before = table_counts(sample)
    with read_only(sample):
        for command in (["documents", "delete", "3"], ["annotators", "rename", "bob", "rob"]):
            result = in_folder(sample.parent, *command)
            assert result.exit_code == 1, command
            assert "the project file is read-only" in one_line(result.stderr)
        listing = in_folder(sample.parent, "annotators")
        assert listing.exit_code == 0 and "alice" in listing.stdout
    assert table_counts(sample) == before


# ---- annotators ----------------------------------------------------------------------------


def test_annotators_lists_statuses_spans_and_codes(
    run: Callable[..., Result], sample: Path
) -> None:
    result = run("annotators", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"annotator": "alice", "new": 1, "in_progress": 0, "done": 1, "skipped": 1,
         "spans": 2, "codes": 3},
        {"annotator": "bob", "new": 0, "in_progress": 3, "done": 0, "skipped": 0,
         "spans": 2, "codes": 5},
    ]  # fmt: skip
    table = run("annotators")
    assert table.stdout.splitlines()[0].split() == [
        "annotator", "new", "in", "progress", "done", "skipped", "spans", "codes"
    ]  # fmt: skip
    assert "gold" not in table.stdout


def test_rename_keeps_all_the_work(run: Callable[..., Result], sample: Path) -> None:
    with Project.open(sample, readonly=True) as project:
        spans = [(s.label, s.start) for s in project.spans(1, "bob")]
        codes = [(c.label, c.question_id) for c in project.codes("question", annotator="bob")]
    result = run("annotators", "rename", "bob", "robert")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Renamed annotator 'bob' to 'robert'.\n"
    with Project.open(sample, readonly=True) as project:
        assert project.annotators() == ["alice", "robert"]
        assert [(s.label, s.start) for s in project.spans(1, "robert")] == spans
        assert project.spans(1, "bob") == []
        assert [
            (c.label, c.question_id) for c in project.codes("question", annotator="robert")
        ] == codes
        assert project.status(3, "robert") == "in_progress"


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("bob", "alice", "there is already an annotator called 'alice'"),
        ("bob", "gold", "'gold' is the reviewers' layer"),
        ("gold", "ana", "'gold' is the reviewers' layer"),
        ("zed", "zoe", "no annotator called 'zed'"),
        ("bob", " ", "an annotator name cannot be empty"),
    ],
)
def test_rename_refuses(
    run: Callable[..., Result], sample: Path, old: str, new: str, says: str
) -> None:
    before = table_counts(sample)
    result = run("annotators", "rename", old, new)
    assert result.exit_code == 1
    assert says in one_line(result.stderr)
    assert table_counts(sample) == before
    with Project.open(sample, readonly=True) as project:
        assert project.annotators() == ["alice", "bob"]


def test_rename_leaves_the_settings_and_says_so(run: Callable[..., Result], sample: Path) -> None:
    settings = config_path()
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("annotator: bob\ntheme: textual-light\n", encoding="utf-8")
    result = run("annotators", "rename", "bob", "robert")
    assert result.exit_code == 0, result.output
    assert "still name you 'bob'; they were not changed" in result.stdout
    assert "--as robert" in result.stdout
    assert settings.read_text(encoding="utf-8") == "annotator: bob\ntheme: textual-light\n"
    other = run("annotators", "rename", "alice", "alicia")
    assert other.stdout == "Renamed annotator 'alice' to 'alicia'.\n"


# ---- --format ------------------------------------------------------------------------------


def test_documents_as_csv_and_json(run: Callable[..., Result], sample: Path) -> None:
    as_csv = list(csv.DictReader(io.StringIO(run("documents", "--format", "csv").stdout)))
    as_json = json.loads(run("documents", "--format", "json").stdout)
    with Project.open(sample, readonly=True) as project:
        expected = [
            {
                "id": d.id,
                "title": d.title,
                "source": d.source_name,
                "turns": d.turns,
                "speakers": len(d.speakers),
                "words": d.words,
                "status:alice": d.statuses.get("alice", "new"),
                "status:bob": d.statuses.get("bob", "new"),
            }
            for d in project.documents()
        ]
    assert as_json == expected
    assert as_csv == [{k: "" if v is None else str(v) for k, v in row.items()} for row in expected]


def test_status_as_csv_and_json(run: Callable[..., Result], sample: Path) -> None:
    rows = json.loads(run("status", "--format", "json").stdout)
    found = {(r["section"], r["name"], r["measure"]): r["value"] for r in rows}
    assert found[("project", "documents", "count")] == 3
    assert found[("progress", "alice", "skipped")] == 1
    assert found[("progress", "bob", "in_progress")] == 3
    assert found[("spans", "deflection", "annotators")] == 3
    assert found[("question codes", "dodging", "annotators")] == 2
    lines = run("status", "--format", "csv").stdout.splitlines()
    assert lines[0] == "section,name,measure,value"
    assert "progress,alice,done,1" in lines
    assert len(lines) == len(rows) + 1


def test_empty_listings(run: Callable[..., Result]) -> None:
    assert run("init").exit_code == 0
    assert json.loads(run("documents", "--format", "json").stdout) == []
    assert run("annotators", "--format", "csv").stdout == (
        "annotator,new,in_progress,done,skipped,spans,codes\n"
    )
    assert "No documents yet" in run("documents").stdout
    assert "No annotators yet" in run("annotators").stdout


def test_data_in_every_format_reaches_no_terminal_as_a_control(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    db = tmp_path / "annotations.db"
    title = f"T{HOSTILE}"
    with Project.create(db, scheme()) as project:
        text, turns = layout(["Will you say?", "No."], ["Q", "MINISTER"])
        project.add_documents([ImportedDocument(title, text, tuple(turns), "text", "x.md")])
        project.set_status(1, f"eve{HOSTILE}", "done")
    for command in ("documents", "annotators", "status"):
        for format_ in ("table", "csv", "json"):
            result = run(command, "--format", format_)
            assert result.exit_code == 0, (command, format_)
            assert CONTROL.search(result.stdout_bytes) is None, (command, format_)
            if format_ == "json":  # JSON escapes format characters (bidi controls) too
                assert "\u202e" not in result.stdout, command
    as_json = json.loads(run("documents", "--format", "json").stdout)
    assert as_json[0]["title"] == title  # JSON escapes, and keeps the data exactly
    assert f"status:eve{HOSTILE}" in as_json[0]
    as_csv = run("documents", "--format", "csv").stdout
    assert "T␛[2J" in as_csv  # CSV shows controls as visible symbols, as tables do


# ---- tables that fit 80 columns --------------------------------------------------------------

LONG = "Interview with the Prime Minister on the economy and the budget, part "


@pytest.fixture
def crowded(tmp_path: Path) -> Path:
    """Two long titles that share all but their end, one that differs only in the middle,
    and three annotators with long names."""
    db = tmp_path / "annotations.db"
    titles = [
        f"{LONG}1",
        f"{LONG}2",
        "A very long title that says housing here, and goes on for a long while yet",
        "A very long title that says transport here, and goes on for a long while yet",
    ]
    with Project.create(db, scheme()) as project:
        for number, title in enumerate(titles, 1):
            text, turns = layout([f"Question {number}?", "Answer."], ["Q", "MINISTER"])
            source = f"2024-03-interview-prime-minister-{number}.md"
            project.add_documents([ImportedDocument(title, text, tuple(turns), "text", source)])
        for name, status in (
            ("alexandra", "done"),
            ("bartholomew", "in_progress"),
            ("christopher", "skipped"),
        ):
            project.set_status(1, name, status)
            project.set_status(2, name, "done")
    return db


def test_documents_fit_80_columns_with_three_annotators(
    run: Callable[..., Result], crowded: Path
) -> None:
    result = run("documents")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(cell_len(line) <= 80 for line in lines), result.stdout
    header, _, *rows, legend = lines
    assert header.split()[:6] == ["id", "title", "source", "turns", "speakers", "words"]
    # Annotators' names are cut as far as the titles need (whole in --format csv).
    assert header.split()[-3:] == ["ale…ra", "bar…ew", "chr…er"]
    # The id column never shrinks: every row starts with its id.
    starts = [row.split()[0] for row in rows if row[:3].strip()]
    assert starts == ["1", "2", "3", "4"]
    first, second = rows[0], rows[1]
    # Titles of one series are cut in the middle: start and end both show, so they differ.
    assert "Interv…part 1" in first and "Interv…part 2" in second
    # Statuses as symbols, with their legend.
    assert first.split()[-3:] == ["✓", "~", "s"]
    assert legend == "Status: - new, ~ in progress, ✓ done, s skipped."


def test_titles_that_a_cut_would_make_equal_are_shown_whole(
    run: Callable[..., Result], crowded: Path
) -> None:
    out = run("documents").stdout
    flat = re.sub(r"\s+", " ", out)
    # The third and fourth titles differ only in the middle: folded over lines, not cut.
    assert "housing" in out and "transport" in out
    assert "…" in flat.split("housing")[0]  # the others are cut as usual
    assert all(cell_len(line) <= 80 for line in out.splitlines())


@given(
    st.text(alphabet=st.sampled_from("ab 住é-"), max_size=60),
    st.integers(min_value=1, max_value=12),
)
def test_a_folded_value_keeps_every_character_within_its_width(text: str, width: int) -> None:
    lines = _fold(text, width)
    assert all(cell_len(line) <= max(width, 2) for line in lines)
    # Only spaces where lines break are dropped.
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_a_narrow_terminal_widens_rather_than_hides_an_id(
    run: Callable[..., Result], crowded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    lines = run("documents").stdout.splitlines()
    assert lines[0].split()[0] == "id"
    assert [line.split()[0] for line in lines[2:] if line[:3].strip()][:4] == ["1", "2", "3", "4"]


def test_a_roomy_terminal_shows_statuses_as_words(
    run: Callable[..., Result], crowded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    out = run("documents").stdout
    assert "in_progress" in out and "Status:" not in out
    assert f"{LONG}1" in out and "bartholomew" in out


@pytest.mark.parametrize(
    ("text", "width", "cut"),
    [
        ("short", 10, "short"),
        (f"{LONG}1", 15, "Intervi… part 1"),
        ("press-conference-budget.json", 12, "press-….json"),
        ("住宅住宅住宅住宅", 7, "住…宅"),  # a wide character that does not fit stays out
        ("abc", 1, "…"),
    ],
)
def test_middle_cut(text: str, width: int, cut: str) -> None:
    assert _middle_cut(text, width) == cut
    assert cell_len(_middle_cut(text, width)) <= width


def test_a_column_is_cut_where_its_values_stay_apart() -> None:
    files = ["2024-interview-prime-minister-1.md", "2024-interview-prime-minister-2.md"]
    # Cut in the middle, the ends would be ".md" alike: more of the end is kept.
    assert _cut_column(files, 8) == (["202…1.md", "202…2.md"], False)
    titles = [
        "A long title that says housing here, and goes on for a long while",
        "A long title that says transport here, and goes on for a long while",
        "Short",
    ]
    # No cut of 10 cells tells the first two apart: they stay whole, to be folded.
    assert _cut_column(titles, 10) == (titles, True)


def test_every_new_command_has_help(run: Callable[..., Result]) -> None:
    for command in (
        ["documents"],
        ["documents", "delete"],
        ["annotators"],
        ["annotators", "rename"],
        ["status"],
    ):
        result = run(*command, "--help")
        assert result.exit_code == 0, command
        assert "Usage:" in result.output
