"""The review screen's question view, driven with Pilot: Q shows each annotator's code of the
question under the cursor; n steps through the question disagreements, 1-9 take a version
into gold, M merges by majority, Enter and x give and clear a code of the reviewer's own, u
undoes; anonymised annotators; question text shown literally."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.question_codes import code, gold, make, scheme
from harness import rendered, until

from annotator.app import AnnotatorApp, make_app
from annotator.model import ImportedDocument, Turn
from annotator.review import ReviewEditor
from annotator.screens.dialogs import SpanEditor
from annotator.screens.review import ReviewScreen
from annotator.screens.review_queue import ReviewQueueScreen
from annotator.store import GOLD, Project
from annotator.widgets.compare_panel import ComparePanel
from annotator.widgets.panels import BottomBar
from annotator.widgets.question_panel import QuestionPanel


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Q1 everyone explicit; Q2 two dodging, one partial; Q3 two under Ambivalent, one
    explicit (leaves only: left to the reviewer); Q4 nobody; Q5 one code missing."""
    path = tmp_path / "q.db"
    with make(path) as project:
        code(
            project,
            {
                "alice": ["explicit", "dodging", "dodging", None, "implicit"],
                "bob": ["explicit", "dodging", "partial", None, "implicit"],
                "cat": ["explicit", "partial", "explicit", None, None],
            },
        )
    return path


def app_for(db: Path, tmp_path: Path, **kwargs) -> AnnotatorApp:
    return make_app(
        db, annotator="rita", config_file=tmp_path / "config.yaml", review=True, document="1",
        **kwargs,
    )  # fmt: skip


def editor_of(app: AnnotatorApp) -> ReviewEditor:
    assert isinstance(app.screen, ReviewScreen), app.screen
    return app.screen.editor


def panel(app: AnnotatorApp) -> str:
    return "\n".join(app.screen.query_one(QuestionPanel).lines)


def on_disk(db: Path) -> dict[str, tuple[str, dict]]:
    with Project.open(db) as project:
        return gold(project)


def status_line(app: AnnotatorApp) -> str:
    return rendered(app.screen.query_one(BottomBar)).splitlines()[1]


async def test_accept_a_version_then_auto_merge_and_undo(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(150, 40)) as pilot:
        editor = editor_of(app)
        screen = app.screen
        questions = editor.question_review
        q2, q3 = questions.cases[1].question, questions.cases[2].question
        assert not screen.query_one(QuestionPanel).display
        await pilot.press("Q")
        assert screen.query_one(QuestionPanel).display
        assert not screen.query_one(ComparePanel).display
        assert "3 of 3 question disagreements open" in status_line(app)
        await pilot.press("n")
        assert editor.cursor == q2.start
        shown = panel(app)
        assert "Q2 · INTERVIEWER · question disagreement 1 of 3" in shown
        assert "≠ different codes · agree down to level 1" in shown
        assert "“Why did the homes target slip?”" in shown
        lines = shown.splitlines()
        assert "  1  • alice      Ambivalent › Dodging" in lines[2]
        assert "  3  • cat        Ambivalent › Partial" in lines[4]
        assert "(no gold code yet)" in lines[5]
        # Take cat's code: it is Q2's gold code, and the cursor moves on to Q3.
        await pilot.press("3")
        assert on_disk(db) == {"Q2": ("partial", {})}
        with Project.open(db) as project:
            [decided] = project.codes(annotator=GOLD)
            assert decided.provenance["method"] == "adjudicated"
            assert decided.provenance["reviewer"] == "rita"
            assert {c.reviewer for c in project.history(1, GOLD)} == {"rita"}
        assert editor.cursor == q3.start
        assert "took cat's code for Q2" in status_line(app)
        # Auto-merge: Q1 (unanimous) and Q5 (two of three) go in; Q3 is left open, and the
        # status line says why.
        await pilot.press("M")
        merged = {"Q1": ("explicit", {}), "Q2": ("partial", {}), "Q5": ("implicit", {})}
        assert on_disk(db) == merged
        line = status_line(app)
        assert "merged 2 question codes; 1 question left to you (Q3: level 1 Ambivalent" in line
        # n and p only stop at open questions: Q3 is the one left.
        await pilot.press("p")
        assert editor.current_case.question.name == "Q3"
        # Two turns back, on Q2: the gold row names the decision, the version marks follow it.
        await pilot.press("left_curly_bracket", "left_curly_bracket")
        shown = panel(app)
        assert "gold       Ambivalent › Partial │ adjudicated · by rita · from cat" in shown
        assert "  3  ✓ cat" in shown and "  1  ✗ alice" in shown
        # One undo takes the whole merge back.
        await pilot.press("u")
        assert on_disk(db) == {"Q2": ("partial", {})}
        line = status_line(app)
        assert "undone: gold code of Q1 removed, gold code of Q5 removed" in line


async def test_own_code_clearing_anonymised_and_marking_reviewed(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path, anonymous=True)
    async with app.run_test(size=(150, 40)) as pilot:
        editor = editor_of(app)
        await pilot.press("Q", "n", "n")  # Q3
        assert editor.current_case.question.name == "Q3"
        shown = panel(app)
        assert "A1" in shown and "A3" in shown
        assert "alice" not in shown and "cat" not in shown
        # Enter: the reviewer's own code, starting from the first annotator's.
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SpanEditor))
        assert app.screen.query_one("#dialog").border_title == "Gold code of Q3"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await until(pilot, lambda: on_disk(db) == {"Q3": ("dodging", {})})
        with Project.open(db) as project:
            [own] = project.codes(annotator=GOLD)
            assert own.provenance["annotators"] == ["alice", "bob", "cat"]
        # The decision moved on to Q5; four turns back is Q3 again.
        assert editor.current_case.question.name == "Q5"
        await pilot.press(*["left_curly_bracket"] * 4)
        assert editor.current_case.question.name == "Q3"
        assert "from A1, A2, A3" in panel(app)
        # x clears the gold code; D is refused while a question is open.
        await pilot.press("x")
        await until(pilot, lambda: on_disk(db) == {})
        await pilot.press("D")
        assert editor.status != "done"
        assert "question disagreement" in status_line(app)
        # A names the annotators again; Q goes back to the spans.
        await pilot.press("A")
        assert "alice" in panel(app)
        await pilot.press("Q")
        assert app.screen.query_one(ComparePanel).display
        assert not editor.question_mode


async def test_question_text_and_names_are_shown_literally(tmp_path: Path) -> None:
    text = "Is [b]this[/b] \x1b[31mfair?\n\nYes."
    path = tmp_path / "markup.db"
    with Project.create(path, scheme()) as project:
        turns = (Turn(0, 0, 25, "[i]HOST[/i]"), Turn(1, 27, 31, "GUEST"))
        project.add_documents([ImportedDocument("Markup", text, turns, "text")])
        question = project.add_question(1, "lead", 0, 25)
        project.set_code(1, "[b]al", "explicit", question_id=question.id, note="[u]x")
        project.set_code(1, "bob", "dodging", question_id=question.id)
        for name in ("[b]al", "bob"):
            project.set_status(1, name, "done")
    app = make_app(
        path, annotator="rita", config_file=tmp_path / "c.yaml", review=True, document="1"
    )
    async with app.run_test(size=(150, 30)) as pilot:
        await pilot.press("Q")
        painted = rendered(app.screen.query_one(QuestionPanel))
        assert "Q1 · [i]HOST[/i]" in painted
        assert "“Is [b]this[/b] ␛[31mfair?”" in painted
        assert "[b]al" in painted and "note: [u]x" in painted


async def test_the_queue_counts_open_question_disagreements(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        queue = app.screen
        assert isinstance(queue, ReviewQueueScreen)
        [row] = queue.rows
        column = ReviewQueueScreen.COLUMNS.index("Q open")
        assert row.cells[column].plain == "3/3" and row.status == "open"


async def test_f1_in_the_question_view_shows_the_question_codes_guidelines(
    db: Path, tmp_path: Path
) -> None:
    from annotator.screens.help import GuidelinesScreen

    app = app_for(db, tmp_path)
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.press("Q", "n", "f1")
        await until(pilot, lambda: isinstance(app.screen, GuidelinesScreen))
        title = str(app.screen.query_one("#dialog").border_title)
        assert title.startswith("Guidelines · question codes of")
        await pilot.press("escape", "Q", "f1")  # back in the span view: the span labels'
        await until(pilot, lambda: isinstance(app.screen, GuidelinesScreen))
        assert "question codes" not in str(app.screen.query_one("#dialog").border_title)
