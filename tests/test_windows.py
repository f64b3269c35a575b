"""Two windows on one project: each sees what the other wrote, and undo never takes back an
edit its window has not shown.

Each window is an :class:`~annotator.editor.Editor` on its own connection, as two app
processes are; the last tests drive the real app with Pilot while another connection writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest
from conftest import layout

from annotator.app import make_app
from annotator.editor import Editor
from annotator.errors import StaleView
from annotator.model import ImportedDocument
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme, load_scheme_file
from annotator.screens.annotate import AnnotateScreen
from annotator.store import Project
from annotator.widgets.panels import BottomBar, SpanList
from tests.ui.harness import rendered, until

TEXT, TURNS = layout(
    ["Will you raise taxes? Yes or no.", "I won't say. They failed the country."],
    ["INTERVIEWER", "MINISTER"],
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "p.db"
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        project.add_documents([ImportedDocument("Talk", TEXT, tuple(TURNS), "text", "t.md")])
    return path


def window(db: Path, annotator: str = "alice", **kwargs: str) -> Editor:
    return Editor(Project.open(db), 1, annotator, **kwargs)


def labels(editor: Editor) -> list[tuple[str, str]]:
    return sorted((s.label, TEXT[s.start : s.end]) for s in editor.spans.values())


def on_disk(db: Path) -> list[tuple[str, str]]:
    with Project.open(db) as project:
        return sorted((s.label, TEXT[s.start : s.end]) for s in project.spans(1, "alice"))


def test_undo_never_takes_back_an_edit_the_window_has_not_shown(db: Path) -> None:
    a, b = window(db), window(db)
    a.move_to(TEXT.index("taxes"))
    a.tag("quote")
    assert labels(b) == []  # b has not looked yet
    with pytest.raises(StaleView, match="changed in another window"):
        b.undo()
    # Nothing was undone; b now shows a's span, so the next undo takes back what it shows.
    assert on_disk(db) == [("quote", "taxes")] == labels(b)
    b.undo()
    assert b.summary == "undone: Quote removed"
    assert on_disk(db) == [] == labels(b)
    assert a.sync() and labels(a) == []  # a notices, and no longer says the span is there


def test_an_edit_of_a_span_deleted_elsewhere_is_refused_and_the_window_refreshed(
    db: Path,
) -> None:
    a, b = window(db), window(db)
    a.move_to(TEXT.index("failed"))
    a.tag("quote")
    [span_id] = a.spans
    b.sync()
    b.delete(span_id)
    with pytest.raises(StaleView, match="deleted"):
        a.update(span_id, label="quote", attributes={}, note="mine")
    a.sync()
    assert a.spans == {} and on_disk(db) == []


def test_each_window_takes_in_the_others_edits(db: Path) -> None:
    a, b = window(db), window(db)
    a.move_to(TEXT.index("taxes"))
    a.tag("quote")
    b.move_to(TEXT.index("failed"))
    b.tag("quote")  # b catches up with a's edit as it writes its own
    assert labels(b) == [("quote", "failed"), ("quote", "taxes")]
    assert not a.stale
    assert a.sync() and labels(a) == labels(b)
    assert a.sync() == []  # nothing new: one PRAGMA, no query


def test_a_window_never_takes_in_another_annotators_layer(db: Path) -> None:
    alice, bob = window(db), window(db, "bob")
    bob.move_to(TEXT.index("taxes"))
    bob.tag("quote")
    assert alice.sync() == [] and alice.spans == {} and not alice.stale


def test_a_change_to_the_suggestions_on_show_asks_for_a_reload(db: Path) -> None:
    alice, model = window(db, suggestions_from="model"), window(db, "model")
    model.move_to(TEXT.index("failed"))
    model.tag("criticism", {"target": "them"})
    alice.sync()
    assert alice.stale  # the screen reopens the document to offer the new suggestion


async def test_the_app_shows_what_another_window_wrote(db: Path, tmp_path: Path) -> None:
    app = make_app(db, annotator="alice", config_file=tmp_path / "config.yaml")
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        with Project.open(db) as other:  # another window of the same annotator
            other.create_span(1, "alice", "quote", TEXT.index("taxes"), TEXT.index("?"))
        # The window looks about once a second.
        await until(pilot, lambda: len(screen.editor.spans) == 1)
        assert [s.label for s in screen.editor.spans.values()] == ["quote"]
        assert "updated from another window" in rendered(screen.query_one(BottomBar))
        # Undo takes back the span it now shows, and says what it did.
        await pilot.press("u")
        assert on_disk(db) == []
        assert "undone: Quote removed" in rendered(screen.query_one(BottomBar))


@pytest.fixture
def no_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    """The window never looks by itself (its timer would, at any moment under load): a test
    of what it does before it has looked must not race it."""
    monkeypatch.setattr(AnnotateScreen, "_poll", lambda self: None)


@pytest.mark.usefixtures("no_polling")
async def test_the_app_refuses_an_undo_it_has_not_shown(db: Path, tmp_path: Path) -> None:
    app = make_app(db, annotator="alice", config_file=tmp_path / "config.yaml")
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        with Project.open(db) as other:
            other.create_span(1, "alice", "quote", TEXT.index("taxes"), TEXT.index("?"))
        await pilot.press("u")  # before the window has looked
        await pilot.pause()
        assert on_disk(db) == [("quote", "taxes")]  # not undone
        assert [s.label for s in screen.editor.spans.values()] == ["quote"]  # but shown
        assert "this document changed in another window" in rendered(screen.query_one(BottomBar))


@pytest.mark.usefixtures("no_polling")
async def test_a_refused_undo_repaints_what_it_took_in(db: Path, tmp_path: Path) -> None:
    app = make_app(db, annotator="alice", config_file=tmp_path / "config.yaml")
    async with app.run_test(size=(110, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        repainted: list[tuple[int, int]] = []
        refresh_ranges = screen.view.refresh_ranges

        def spy(ranges: Iterable[tuple[int, int]]) -> None:
            ranges = list(ranges)
            repainted.extend(ranges)
            refresh_ranges(ranges)

        screen.view.refresh_ranges = spy  # type: ignore[method-assign]
        start = TEXT.index("taxes")
        with Project.open(db) as other:
            other.create_span(1, "alice", "quote", start, TEXT.index("?"))
        await pilot.press("u")  # before the window has looked: refused, and taken in
        await pilot.pause()
        assert on_disk(db) == [("quote", "taxes")]
        assert any(a <= start < b for a, b in repainted)  # the new span is painted
        spans = screen.query_one(SpanList)
        await until(pilot, lambda: spans.option_count == 1)  # and listed


# ---- questions and codes: shared units, one window's edits seen in the other -----------------

QA_SCHEME = """
name: qa
version: 1
labels:
  - {id: quote, color: blue, hotkey: t}
units:
  question:
    labels:
      - {id: reply, color: green, hotkey: "1"}
      - {id: dodge, color: red, hotkey: "2"}
"""


@pytest.fixture
def qa_db(tmp_path: Path) -> Path:
    path = tmp_path / "qa.db"
    with Project.create(path, load_scheme(QA_SCHEME)) as project:
        project.add_documents([ImportedDocument("Talk", TEXT, tuple(TURNS), "text", "t.md")])
    return path


def test_a_question_edit_elsewhere_reloads_the_questions_and_relinks_own_spans(
    qa_db: Path,
) -> None:
    a = window(qa_db)
    a.move_to(TEXT.index("failed"))
    a.tag("quote")
    [span_id] = a.spans
    question = TEXT.index("Will"), TEXT.index("?") + 1
    with Project.open(qa_db) as other:  # another window, another annotator
        added = other.add_question(1, "lead", *question)
    changed = a.sync()
    assert [(q.name, q.start, q.end) for q in a.questions.all] == [("Q1", *question)]
    assert question in changed  # the question's text is repainted
    # The span in its response region was linked to it by lead's edit: still alice's span,
    # patched in the index (not a question fed to the span index).
    assert a.spans[span_id].question_id == added.id
    assert [ref.key for ref in a.index.at(TEXT.index("failed"))] == [span_id]
    with Project.open(qa_db) as other:
        other.delete_question(added.id, "lead")
    a.sync()
    assert a.questions.all == [] and a.spans[span_id].question_id is None
    assert labels(a) == [("quote", "failed")]


def test_codes_of_the_same_annotator_elsewhere_are_taken_in_and_others_left_out(
    qa_db: Path,
) -> None:
    with Project.open(qa_db) as setup:
        question = setup.add_question(1, "lead", TEXT.index("Will"), TEXT.index("?") + 1)
    a = window(qa_db)
    with Project.open(qa_db) as other:
        other.set_code(1, "bob", "dodge", question_id=question.id)
        assert a.sync() == [] and a.codes == {}  # bob's code is not alice's to show
        other.set_code(1, "alice", "reply", question_id=question.id)
    assert a.sync() == [(question.start, question.end)]
    assert a.codes[question.id].label == "reply" and a.spans == {}
    assert a.status == "in_progress"
    # Undo in this window takes back the code it now shows, and says what it did.
    a.undo()
    assert a.codes == {} and a.summary == "undone: code Reply cleared"


def test_undo_of_a_question_edit_after_one_from_another_window_is_refused_then_done(
    qa_db: Path,
) -> None:
    a = window(qa_db)
    a.add_question(TEXT.index("Will"), TEXT.index("?") + 1)
    [question] = a.questions.all
    with Project.open(qa_db) as other:  # the same annotator in another window
        other.update_question(question.id, "alice", status="proposed")
    with pytest.raises(StaleView):
        a.undo()
    assert a.questions.all[0].status == "proposed"  # taken in, not undone
    a.undo()
    assert a.questions.all[0].status == "confirmed"
    assert a.summary == "undone: question confirmed"
