"""SVG snapshots of the main screens (pytest-textual-snapshot).

Few and small on purpose: behaviour is asserted in tests/ui. Update the baselines with
``pytest tests/snapshots --snapshot-update`` after checking snapshot_report.html.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.app import make_app
from annotator.model import ImportedDocument, Turn
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme, load_scheme_file
from annotator.store import Project

TURNS = [
    ("INTERVIEWER", "Minister, will you raise taxes on working families? Yes or no."),
    (
        "MINISTER",
        "I won't be drawn on that. The last government failed this country, and as the "
        'governor said, "they left the books in a mess." We will build 40,000 homes a year.',
    ),
    ("INTERVIEWER", "That is not an answer to my question."),
]


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    parts, turns, start = [], [], 0
    for index, (speaker, text) in enumerate(TURNS):
        turns.append(Turn(index, start, start + len(text), speaker, index * 12.0, index * 12.0 + 9))
        parts.append(text)
        start += len(text) + 2
    text = "\n\n".join(parts)
    path = tmp_path / "snap.db"
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        [result] = project.add_documents(
            [ImportedDocument("Snapshot interview", text, tuple(turns), "text", "snap.md")]
        )
        doc = result.document_id
        answer = text.index("I won't")
        project.create_span(
            doc, "alice", "deflection", answer, text.index(" We will"), {"kind": "declines"}
        )
        project.create_span(
            doc,
            "alice",
            "criticism",
            text.index("The last"),
            text.index(" We will"),
            {"target": "previous government", "basis": "record"},
        )
        project.create_span(doc, "alice", "quote", text.index("they left"), text.index('." We'))
        project.create_span(
            doc,
            "alice",
            "commitment",
            text.index("We will"),
            text.index(" a year.") + 7,
            {"specificity": "specific"},
        )
        project.set_cursor(doc, "alice", answer)
    return path


def app(path: Path, tmp_path: Path):
    return make_app(path, annotator="alice", config_file=tmp_path / "config.yaml", remember=False)


def test_main_screen_with_overlapping_spans(
    snap_compare, project_path: Path, tmp_path: Path
) -> None:
    assert snap_compare(app(project_path, tmp_path), terminal_size=(110, 30))


def test_narrow_terminal(snap_compare, project_path: Path, tmp_path: Path) -> None:
    assert snap_compare(app(project_path, tmp_path), terminal_size=(80, 24))


def test_help_screen(snap_compare, project_path: Path, tmp_path: Path) -> None:
    assert snap_compare(
        app(project_path, tmp_path), press=["question_mark"], terminal_size=(80, 24)
    )


def test_light_theme(snap_compare, project_path: Path, tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("theme: textual-light\n")
    assert snap_compare(app(project_path, tmp_path), terminal_size=(80, 24))


def test_review_screen(snap_compare, project_path: Path, tmp_path: Path) -> None:
    """Three versions of a document: a boundary slip, a label swap, a span only two made."""
    with Project.open(project_path) as project:
        [summary] = project.documents()
        doc = summary.id
        text = project.document(doc).text
        criticism = text.index("The last"), text.index(" We will")
        bob_criticism = text.index("The last"), text.index(", and as")
        for name in ("bob", "carol"):
            project.create_span(
                doc,
                name,
                "deflection",
                text.index("I won't"),
                text.index(" We will"),
                {"kind": "declines"},
            )
        project.create_span(doc, "bob", "criticism", *bob_criticism, {"target": "them"})
        project.create_span(doc, "carol", "criticism", *criticism, {"target": "them"})
        quote = text.index("they left"), text.index('." We')
        project.create_span(doc, "bob", "criticism", *quote, {"target": "them"})  # a label swap
        for name in ("alice", "bob", "carol"):
            project.set_status(doc, name, "done")
    review = make_app(
        project_path,
        annotator="rita",
        config_file=tmp_path / "config.yaml",
        remember=False,
        review=True,
        document=str(doc),
    )
    assert snap_compare(review, press=["n"], terminal_size=(110, 32))


CODING_SCHEME = """
name: coding
version: 1
labels:
  - {id: deflection, color: orange, hotkey: d}
units:
  question:
    labels:
      - {id: reply, name: Clear reply, color: green}
      - {id: explicit, name: Explicit, parent: reply, color: "#2e8b57", hotkey: "1"}
      - {id: evasive, name: Evasive, color: orange}
      - {id: dodging, name: Dodging, parent: evasive, color: "#ff8c00", hotkey: "2"}
      - {id: partial, name: Partial, parent: evasive, color: "#ffa500", hotkey: "3"}
      - {id: declining, name: Declining, color: "#d9534f", hotkey: "4"}
"""


def test_coding_pass(snap_compare, tmp_path: Path) -> None:
    """Questions with parts, one coded; the cursor in an answer: its question pinned."""
    turns = [
        ("INTERVIEWER", "Minister, will you raise taxes? And will you say so before May?"),
        ("MINISTER", "I won't be drawn on that. We will build 40,000 homes a year."),
        ("INTERVIEWER", "Why did the homes target slip?"),
        ("MINISTER", "Completions are up in the east."),
    ]
    parts, built, start = [], [], 0
    for index, (speaker, text) in enumerate(turns):
        built.append(Turn(index, start, start + len(text), speaker))
        parts.append(text)
        start += len(text) + 2
    text = "\n\n".join(parts)
    path = tmp_path / "coding.db"
    with Project.create(path, load_scheme(CODING_SCHEME)) as project:
        project.add_documents([ImportedDocument("Coding", text, tuple(built), "text", "c.md")])
        project.propose_questions("lead")
        q1a = project.questions(1)[1]
        project.update_question(q1a.id, "lead", status="confirmed")
        project.set_code(1, "alice", "dodging", question_id=q1a.id)
        project.set_cursor(1, "alice", text.index("We will build"))
    assert snap_compare(
        app(path, tmp_path), press=["Q", "Q", "left_square_bracket", "j"], terminal_size=(110, 30)
    )


def test_report_screen(snap_compare, tmp_path: Path) -> None:
    """The report screen (%) on the hand-counted sample (tests/report_sample.py): alice's own
    layer by person, the question codes' shares with their intervals and charts."""
    from report_sample import build

    build(tmp_path / "report.db").close()

    async def open_report(pilot) -> None:
        from annotator.screens.report import ReportScreen

        await pilot.press("percent_sign")
        for _ in range(3000):  # the report is built in a thread: wait for it (60 s, loaded CI)
            screen = pilot.app.screen
            if isinstance(screen, ReportScreen) and screen.settled:
                break
            await pilot.pause(0.02)
        # The table sizes its columns to the rows when its own queue is idle (DataTable's
        # Idle handler): wait for that, however long a loaded machine takes to get there (a
        # fixed two pauses once caught the columns still as wide as their headers), then
        # for the repaint it asks for.
        from textual.widgets import DataTable

        table = pilot.app.screen.query_one(DataTable)
        for _ in range(500):
            await pilot.pause()
            if not table._require_update_dimensions and not table._updated_cells:
                break
        await pilot.pause()

    assert snap_compare(
        app(tmp_path / "report.db", tmp_path), run_before=open_report, terminal_size=(110, 30)
    )
