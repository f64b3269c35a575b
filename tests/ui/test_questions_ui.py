"""The question pass and the coding pass on the annotation screen, driven with Pilot: modes,
stepping, confirming, splitting, merging, adding, deleting, edges, codes, the pinned
question, the span dialog's question link, and another window's question edits."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import layout
from harness import rendered, until
from test_questions import SCHEME
from textual.widgets import Input, Select

from annotator.app import AnnotatorApp, make_app
from annotator.model import ImportedDocument
from annotator.scheme import load_scheme
from annotator.screens.annotate import AnnotateScreen
from annotator.screens.dialogs import NO_QUESTION, SpanEditor
from annotator.screens.help import GuidelinesScreen, HelpScreen
from annotator.store import Project
from annotator.widgets.panels import BottomBar, QuestionBar, SpanList
from annotator.widgets.transcript_view import TranscriptView

# The question tests' scheme: span labels, and question codes in two levels.
# Without question codes: no coding pass.
SPANS_ONLY = """
name: plain
version: 1
labels:
  - {id: quote, color: blue, hotkey: t}
"""

TEXT, TURNS = layout(
    [
        "Good morning. Will you raise taxes? And when will you decide?",
        "Well, I won't set out the budget here. We will decide in spring.",
        "Thank you. Why did the [red]homes[/] \x1b[31mtarget slip?",
        "Look, completions are up in the east.",
    ],
    ["INTERVIEWER", "MINISTER", "INTERVIEWER", "MINISTER"],
)
Q2_TEXT = "Why did the [red]homes[/] \x1b[31mtarget slip?"


def make_db(path: Path, scheme: str = SCHEME, propose: bool = True) -> Path:
    with Project.create(path, load_scheme(scheme)) as project:
        project.add_documents([ImportedDocument("Interview", TEXT, tuple(TURNS), "text", "t.md")])
        if propose:
            project.propose_questions("lead")  # Q1 (parts Q1a, Q1b) and Q2, proposed
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "qa.db")


def app_for(db: Path, tmp_path: Path) -> AnnotatorApp:
    return make_app(db, annotator="alice", config_file=tmp_path / "config.yaml", remember=False)


def screen(app: AnnotatorApp) -> AnnotateScreen:
    assert isinstance(app.screen, AnnotateScreen), app.screen
    return app.screen


def questions(db: Path) -> list[tuple[str, str, str]]:
    """The questions on disk, read through another connection: name, text, status."""
    with Project.open(db) as project:
        return [(q.name, TEXT[q.start : q.end], q.status) for q in project.questions(1)]


def codes(db: Path, annotator: str = "alice") -> list[tuple[str, str, dict]]:
    with Project.open(db) as project:
        names = {q.id: q.name for q in project.questions(1)}
        return [
            (names[c.question_id], c.label, dict(c.attributes))
            for c in project.codes(annotator=annotator)
        ]


def link_of(db: Path, span_id: int) -> int | None:
    """The question a span responds to, on disk."""
    with Project.open(db) as project:
        return project.span(span_id).question_id


def status_line(app: AnnotatorApp) -> str:
    return rendered(screen(app).query_one(BottomBar)).splitlines()[BottomBar.STATUS]


def legend(app: AnnotatorApp) -> str:
    return rendered(screen(app).query_one(BottomBar)).splitlines()[BottomBar.LEGEND]


def at(text: str) -> int:
    return TEXT.index(text)


# ---- modes ------------------------------------------------------------------------------------


async def test_the_mode_key_cycles_the_passes_and_the_status_line_says_which(
    db: Path, tmp_path: Path
) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        editor = screen(app).editor
        assert editor.mode == "spans" and "pass" not in status_line(app)
        await pilot.press("Q")
        assert editor.mode == "questions" and "question pass" in status_line(app)
        await pilot.press("Q")
        assert editor.mode == "coding" and "coding pass" in status_line(app)
        await pilot.press("Q")
        assert editor.mode == "spans" and "pass" not in status_line(app)
        # ] and [ step spans again (there are none: it says so).
        await pilot.press("right_square_bracket")
        assert "no more spans" in status_line(app)


async def test_without_question_codes_there_is_no_coding_pass(tmp_path: Path) -> None:
    db = make_db(tmp_path / "plain.db", SPANS_ONLY)
    app = app_for(db, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        editor = screen(app).editor
        await pilot.press("Q", "Q")
        assert editor.mode == "spans"


async def test_split_and_merge_keys_say_where_they_work(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("vertical_line")
        assert "| splits a question in the question pass (Q)" in status_line(app)
        await pilot.press("plus")
        assert "+ merges questions in the question pass (Q)" in status_line(app)
        assert len(questions(db)) == 4  # nothing changed


# ---- the question pass -----------------------------------------------------------------------


async def test_question_pass_steps_confirms_and_undoes(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        editor = screen(app).editor
        await pilot.press("Q", "right_square_bracket")
        assert editor.cursor == at("Will you raise")
        assert editor.question_here().name == "Q1"  # the question, then its parts
        assert "Q1 proposed, parts Q1a, Q1b" in status_line(app)
        await pilot.press("right_square_bracket")
        assert editor.cursor == at("Will you raise") and editor.question_here().name == "Q1a"
        await pilot.press("enter")
        assert questions(db)[1] == ("Q1a", "Will you raise taxes?", "confirmed")
        assert "Q1a confirmed" in status_line(app)
        await pilot.press("enter")
        assert "Q1a is confirmed already" in status_line(app)
        await pilot.press("u")
        assert questions(db)[1][2] == "proposed"
        assert "undone: question unconfirmed" in status_line(app)
        await pilot.press("ctrl+r")
        assert questions(db)[1][2] == "confirmed"
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert editor.question_here().name == "Q2" and editor.cursor == at("Why did")
        await pilot.press("right_square_bracket")
        assert "no more questions" in status_line(app)
        await pilot.press("left_square_bracket")
        assert editor.question_here().name == "Q1b"
        # The pinned bar names the question the keys act on.
        assert screen(app).query_one(QuestionBar).heading.startswith(" Q1b · part 2 of 2 of Q1")


async def test_questions_are_drawn_and_named_in_the_question_pass_only(
    db: Path, tmp_path: Path
) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        view = screen(app).query_one(TranscriptView)
        header = rendered(view).splitlines()[0]
        assert header.strip() == "INTERVIEWER"  # spans mode: as before
        await pilot.press("Q")
        await pilot.pause()
        assert "INTERVIEWER  Q1 proposed  Q1a proposed  Q1b proposed" in rendered(view)
        assert "INTERVIEWER  Q2 proposed" in rendered(view)
        row = view.render_line(1)  # "Good morning. Will you raise taxes? ..."
        styles = {segment.text: segment.style for segment in row}
        question_style = next(style for text, style in styles.items() if "taxes?" in text)
        plain_style = next(style for text, style in styles.items() if "morning" in text)
        assert question_style.bgcolor != plain_style.bgcolor


async def test_split_merge_and_undo(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        editor = screen(app).editor
        await pilot.press("Q", "G", "left_square_bracket")  # back to Q2 from the end
        assert editor.question_here().name == "Q2"
        await pilot.press("w", "w")  # to "the"
        assert TEXT[editor.cursor :].startswith("the [red]")
        await pilot.press("vertical_line")
        assert questions(db)[-2:] == [
            ("Q2a", "Why did", "proposed"),
            ("Q2b", Q2_TEXT.removeprefix("Why did "), "proposed"),
        ]
        assert "split: Q2a, Q2b" in status_line(app)
        assert editor.question_here().name == "Q2b"  # the part the cursor begins
        assert [q.name for q in editor.questions.all][-3:] == ["Q2", "Q2a", "Q2b"]
        await pilot.press("left_square_bracket")  # to Q2a
        assert editor.question_here().name == "Q2a"
        await pilot.press("plus")  # one part left: Q2 is whole again
        assert [name for name, _, _ in questions(db)] == ["Q1", "Q1a", "Q1b", "Q2"]
        assert "Q2 merged" in status_line(app)
        await pilot.press("u")
        assert [name for name, _, _ in questions(db)][-2:] == ["Q2a", "Q2b"]
        await pilot.press("u")
        assert [name for name, _, _ in questions(db)] == ["Q1", "Q1a", "Q1b", "Q2"]
        assert [q.name for q in editor.questions.all] == ["Q1", "Q1a", "Q1b", "Q2"]


async def test_enter_on_a_selection_adds_a_question_and_inside_one_a_part(
    tmp_path: Path,
) -> None:
    db = make_db(tmp_path / "empty.db", propose=False)
    app = app_for(db, tmp_path)
    async with app.run_test(size=(160, 30)) as pilot:
        editor = screen(app).editor
        assert not screen(app).query_one(QuestionBar).display  # no questions: no room taken
        await pilot.press("Q", "enter")
        assert "no question under the cursor" in status_line(app)
        await pilot.press("s", "right_parenthesis", "v")  # sentence unit: "Will you raise taxes?"
        await pilot.press(*["right_parenthesis"] * 1)  # and "And when will you decide?"
        await pilot.press("enter")
        assert questions(db) == [
            ("Q1", "Will you raise taxes? And when will you decide?", "confirmed")
        ]
        assert screen(app).query_one(QuestionBar).display
        assert "Q1 added" in status_line(app)
        await pilot.press("v", "enter")  # the sentence under the cursor, inside Q1: a part
        assert questions(db)[1] == ("Q1a", "And when will you decide?", "confirmed")
        await pilot.press("G", "left_parenthesis", "v", "enter")  # "Look, ...": a new question
        assert questions(db)[-1] == ("Q2", "Look, completions are up in the east.", "confirmed")
        # Refused by the store: one line in the status line, nothing written.
        await pilot.press("left_curly_bracket", "left_curly_bracket", "left_curly_bracket")
        await pilot.press("s", "v", "enter")  # the whole first turn crosses Q1's start
        assert "not saved:" in status_line(app) and "overlaps another question" in status_line(app)
        assert len(questions(db)) == 3
        assert editor.selection is not None  # kept, to adjust and try again


async def test_delete_and_a_refused_delete_of_a_coded_question(db: Path, tmp_path: Path) -> None:
    with Project.open(db) as project:
        q2 = project.questions(1)[-1]
        project.set_code(1, "bob", "dodging", question_id=q2.id)
    app = app_for(db, tmp_path)
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.press("Q", "right_square_bracket", "x")
        assert [name for name, _, _ in questions(db)] == ["Q1"]  # Q2 renamed Q1
        assert "Q1 deleted" in status_line(app)
        await pilot.press("u")
        assert len(questions(db)) == 4
        await pilot.press("G", "left_square_bracket", "x")  # Q2: coded by bob
        assert "not saved: Q2 cannot be deleted: coded by bob" in status_line(app)
        assert len(questions(db)) == 4


async def test_edge_keys_move_the_question_and_its_response_region(
    db: Path, tmp_path: Path
) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        editor = screen(app).editor
        await pilot.press("Q", "G", "left_square_bracket")  # in Q2's text
        await pilot.press("full_stop")  # its start edge in by a word
        assert questions(db)[-1][1] == Q2_TEXT.removeprefix("Why ")
        await pilot.press("comma")  # and out again
        assert questions(db)[-1][1] == Q2_TEXT
        # In the response region (the last turn), the region's edges move.
        await pilot.press("G")
        assert editor.question_here() is None
        await pilot.press("less_than_sign")
        with Project.open(db) as project:
            q2 = project.questions(1)[-1]
            assert q2.response_set and TEXT[slice(*q2.response)].strip().endswith("east")
        assert "Q2: response region end moved" in status_line(app)
        await pilot.press("u")
        with Project.open(db) as project:
            assert not project.questions(1)[-1].response_set


# ---- the coding pass -------------------------------------------------------------------------


async def test_coding_pass_codes_with_one_key_asks_required_values_and_clears(
    db: Path, tmp_path: Path
) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        editor = screen(app).editor
        await pilot.press("Q", "Q")
        # The legend lists the question codes and their keys, not the span labels.
        assert "1 Explicit" in legend(app) and "4 Declining" in legend(app)
        assert "Deflection" not in legend(app) and "0/3 coded" in legend(app)
        await pilot.press("right_square_bracket")  # Q1 has parts: the first part is coded
        assert editor.unit_here().name == "Q1a"
        await pilot.press("2")
        assert codes(db) == [("Q1a", "dodging", {})]
        assert "Q1a coded Dodging" in status_line(app) and "1/3 coded" in legend(app)
        await pilot.press("right_square_bracket", "j")  # Q1b, then down into the answer
        assert editor.questions.in_text(editor.cursor) is None
        assert editor.unit_here().name == "Q1b"  # the part stepped to stays the one coded
        await pilot.press("4")  # declining: its reason is required
        await until(pilot, lambda: isinstance(app.screen, SpanEditor))
        dialog = app.screen
        assert "Code Q1b" in str(dialog.query_one("#dialog").border_title)
        dialog.query_one("#attr-reason", Input).value = "will not pre-empt the budget"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(codes(db)) == 2)
        assert codes(db)[1] == ("Q1b", "declining", {"reason": "will not pre-empt the budget"})
        # A span label's key does not tag in the coding pass.
        await pilot.press("t")
        assert "the coding pass codes questions" in status_line(app)
        with Project.open(db) as project:
            assert project.spans(1, "alice") == []
        await pilot.press("x")
        assert [name for name, _, _ in codes(db)] == ["Q1a"]
        assert "Q1b: code cleared" in status_line(app)
        await pilot.press("u")
        assert [name for name, _, _ in codes(db)] == ["Q1a", "Q1b"]
        # Outside the coding pass the digits code nothing.
        await pilot.press("Q", "3")
        assert codes(db)[0] == ("Q1a", "dodging", {})


async def test_f1_shows_the_question_codes_guidelines_in_the_passes(
    db: Path, tmp_path: Path
) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, GuidelinesScreen))
        assert "Guidelines · qa v1" in str(app.screen.query_one("#dialog").border_title)
        await pilot.press("escape")
        await pilot.press("Q", "Q", "right_square_bracket", "2", "f1")  # code Q1a, then F1
        await until(pilot, lambda: isinstance(app.screen, GuidelinesScreen))
        guidelines = app.screen
        assert isinstance(guidelines, GuidelinesScreen)
        title = str(guidelines.query_one("#dialog").border_title)
        assert title == "Guidelines · question codes of qa"
        assert guidelines.current_label.id == "dodging"  # at the code of the question here
        assert "under Ambivalent" in rendered(guidelines.query_one("#label-dodging"))


async def test_enter_edits_the_code_in_the_dialog(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("Q", "Q", "G", "enter")  # Q2, not coded yet: choose in the dialog
        await until(pilot, lambda: isinstance(app.screen, SpanEditor))
        app.screen.query_one("#label", Select).value = "partial"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(codes(db)) == 1)
        assert codes(db) == [("Q2", "partial", {})]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SpanEditor))
        app.screen.query_one("#label", Select).value = "ambivalent"  # a group, not a code
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SpanEditor)  # refused in the dialog, which stays
        assert "groups other question codes" in rendered(app.screen.query_one("#error"))
        await pilot.press("escape")
        assert codes(db) == [("Q2", "partial", {})]


async def test_the_question_stays_pinned_while_the_cursor_is_in_its_answer(
    db: Path, tmp_path: Path
) -> None:
    with Project.open(db) as project:
        q2 = project.questions(1)[-1]
        project.set_code(1, "alice", "explicit", question_id=q2.id)
    app = app_for(db, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        pinned = screen(app).query_one(QuestionBar)
        assert pinned.display and "a question shows here" in pinned.heading  # before Q1
        await pilot.press("G")  # spans mode, in Q2's answer
        assert pinned.heading == " Q2 · INTERVIEWER · proposed │ code: Explicit"
        shown = rendered(pinned)
        # The question's text, literally: no markup read, the escape character made visible.
        assert "Why did the [red]homes[/] ␛[31mtarget slip?" in shown and "\x1b" not in shown
        await pilot.press("left_curly_bracket")  # the start of the answer: still Q2's
        assert pinned.heading.startswith(" Q2")
        await pilot.press("left_curly_bracket")  # "Thank you.": the lead-in to Q2, no answer
        assert "a question shows here" in pinned.heading
        await pilot.press("left_curly_bracket")  # the first answer: Q1's
        assert pinned.heading.startswith(" Q1 · INTERVIEWER · proposed │ Q1a —; Q1b —")
        assert "Will you raise taxes? And when will you decide?" in rendered(pinned)
        await pilot.press("left_curly_bracket")  # into Q1's turn: the question is in view
        assert "a question shows here" in pinned.heading


async def test_a_cursor_move_in_a_pass_repaints_at_most_two_rows(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        view = screen(app).query_one(TranscriptView)
        await pilot.press("Q", "G")
        await pilot.pause()
        for key in ("b", "b", "w"):  # within Q2's answer: the highlighted question stays
            before = view.render_count
            await pilot.press(key)
            await pilot.pause()
            assert view.render_count - before <= 2, key


async def test_a_code_and_its_undo_repaint_the_header_that_names_it(
    db: Path, tmp_path: Path
) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        view = screen(app).query_one(TranscriptView)

        def header_of_q2() -> str:
            return next(line for line in rendered(view).splitlines() if "Q2" in line)

        await pilot.press("Q", "Q", "G")
        await pilot.pause()
        assert header_of_q2().strip() == "INTERVIEWER  Q2 —"
        await pilot.press("1")
        await pilot.pause()
        assert header_of_q2().strip() == "INTERVIEWER  Q2 Explicit"
        await pilot.press("u")
        await pilot.pause()
        assert header_of_q2().strip() == "INTERVIEWER  Q2 —"


async def test_the_list_shows_the_questions_with_their_codes(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("Q", "Q", "G", "2")
        span_list = screen(app).query_one(SpanList)
        await until(pilot, lambda: "1/3 coded" in str(span_list.border_title))
        assert span_list.border_title == "Questions 4, 1/3 coded"
        lines = [span_list.item_text(i) for i in range(4)]
        assert lines[3].startswith("Q2 · proposed · Dodging")
        assert lines[1].startswith("  Q1a · proposed · not coded")
        # Choosing one goes there.
        span_list.focus()
        span_list.highlight(2)
        await pilot.press("enter")
        assert screen(app).editor.unit_here().name == "Q1b"


async def test_help_lists_what_keys_do_in_the_passes(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.press("Q", "Q", "question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        rows = dict(row for _, rows in app.screen.sections for row in rows)
        assert rows["Q"] == "Mode: spans, question pass, coding pass"
        assert rows["|"] == "Split the question at the cursor"
        assert rows["⏎"] == (
            "Edit span (question pass: confirm, or add the selection; coding pass: edit the code)"
        )
        assert rows["2"] == "Code Dodging"
        assert "Tag Quote" not in rows.values()  # span labels do not tag in this pass
        assert app.screen.labels_heading == "Question codes"


# ---- the span dialog's question link -----------------------------------------------------------


async def test_the_span_dialog_shows_and_changes_the_question_link(
    db: Path, tmp_path: Path
) -> None:
    with Project.open(db) as project:
        q1, _, _, q2 = project.questions(1)
        span = project.create_span(1, "alice", "quote", at("spring"), at("spring") + 6)
        assert span.question_id == q1.id  # in Q1's response region
        project.set_cursor(1, "alice", span.start)
    app = app_for(db, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SpanEditor))
        link = app.screen.query_one("#question", Select)
        assert link.value == q1.id
        assert "Q1 · Will you raise taxes?" in rendered(link.query_one("Static#label"))
        link.value = q2.id
        await pilot.press("ctrl+s")
        await until(pilot, lambda: link_of(db, span.id) == q2.id)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SpanEditor))
        app.screen.query_one("#question", Select).value = NO_QUESTION
        await pilot.press("ctrl+s")
        await until(pilot, lambda: link_of(db, span.id) is None)
        await pilot.press("u")
        assert link_of(db, span.id) == q2.id


# ---- another window ------------------------------------------------------------------------------


async def test_another_windows_question_edit_is_shown(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        editor = screen(app).editor
        view = screen(app).query_one(TranscriptView)
        await pilot.press("Q", "G")  # in Q2's answer: Q2 pinned
        pinned = screen(app).query_one(QuestionBar)
        assert "Q2 · INTERVIEWER · proposed" in pinned.heading
        with Project.open(db) as other:  # the lead confirms Q2 in another window
            other.update_question(editor.questions.all[-1].id, "lead", status="confirmed")
        await until(pilot, lambda: editor.questions.all[-1].status == "confirmed")
        await until(pilot, lambda: "Q2 · INTERVIEWER · confirmed" in pinned.heading)
        assert "INTERVIEWER  Q2 confirmed" in rendered(view)
        assert "updated from another window" in status_line(app)
        # The other window's edit was the lead's: alice's undo does not take it back.
        await pilot.press("u")
        assert "nothing to undo" in status_line(app)
        assert questions(db)[-1][2] == "confirmed"
