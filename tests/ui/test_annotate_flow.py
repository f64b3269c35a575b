"""Pilot tests of the annotation flow (issue 17): the cursor kept in view, search across
typographic quotes, the queue flow of D and S, the snapping unit remembered, the edit dialog's
error and marks, names cut at the end, and an empty --as refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import layout
from harness import until

from annotator.app import AnnotatorApp, make_app
from annotator.model import ImportedDocument
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.screens.annotate import AnnotateScreen
from annotator.store import Project
from annotator.widgets.transcript_view import TranscriptView

SIZES = [(80, 24), (120, 40)]


def make_text(title: str, turns: list[tuple[str, str]], source: str) -> ImportedDocument:
    text, built = layout([t for _, t in turns], [s for s, _ in turns])
    return ImportedDocument(title, text, tuple(built), "text", source)


def long_turns(count: int = 90) -> list[tuple[str, str]]:
    """Turns long enough to wrap differently at every width."""
    return [
        (
            "INTERVIEWER" if i % 2 else "MINISTER",
            f"Turn {i} says something of its own, and then goes on for a while longer so "
            f"that it wraps onto a second row in a narrow view, and a third in the narrowest.",
        )
        for i in range(count)
    ]


@pytest.fixture
def long_db(tmp_path: Path) -> Path:
    """A short document (1) and a long one (2) whose saved cursor is far down."""
    path = tmp_path / "long.db"
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        project.add_documents([make_text("Short", [("A", "Just one line.")], "short.md")])
        project.add_documents([make_text("Long", long_turns(), "long.md")])
        text = project.document(2).text
        project.set_cursor(2, "alice", text.index("Turn 65 "))
    return path


def app_for(db: Path, tmp_path: Path, **kwargs) -> AnnotatorApp:
    return make_app(
        db, annotator="alice", config_file=tmp_path / "config.yaml", remember=False, **kwargs
    )


def screen(app: AnnotatorApp) -> AnnotateScreen:
    assert isinstance(app.screen, AnnotateScreen), app.screen
    return app.screen


def cursor_in_view(app: AnnotatorApp) -> bool:
    """Whether the cursor's row is on screen, with a row of context above it."""
    view = app.screen.query_one(TranscriptView)
    assert view.wrap is not None
    row = view.wrap.row_of_offset(screen(app).editor.cursor)
    top, height = view.scroll_offset.y, view.scrollable_content_region.height
    return top < row < top + height or row == top == 0


# ---- 1. the cursor is kept in view ----------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
async def test_the_saved_cursor_is_in_view_at_start(
    long_db: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = app_for(long_db, tmp_path, document="2")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert cursor_in_view(app)
    app.project.close()


@pytest.mark.parametrize("size", SIZES)
async def test_the_cursor_is_in_view_after_switching_from_a_short_document(
    long_db: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    """The short document needs no scroll bar; the long one opens at its saved cursor (a
    scroll asked for before the scroll bar is laid out must not be dropped)."""
    app = app_for(long_db, tmp_path, document="1")
    async with app.run_test(size=size) as pilot:
        await pilot.press("J")
        assert screen(app).editor.id == 2
        assert cursor_in_view(app)
        await pilot.pause()
        assert cursor_in_view(app)
    app.project.close()


@pytest.mark.parametrize("size", SIZES)
async def test_the_cursor_stays_in_view_when_f2_narrows_the_text(
    long_db: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = app_for(long_db, tmp_path, document="2")
    async with app.run_test(size=size) as pilot:
        view = app.screen.query_one(TranscriptView)
        await pilot.pause()
        # The cursor on the last row of the view: the row most easily pushed off it.
        await pilot.press("j")
        while not cursor_near_bottom(app, view):
            await pilot.press("j")
        for _ in range(2):
            await pilot.press("f2")
            await pilot.pause()
            assert cursor_in_view(app)
    app.project.close()


def cursor_near_bottom(app: AnnotatorApp, view: TranscriptView) -> bool:
    assert view.wrap is not None
    row = view.wrap.row_of_offset(screen(app).editor.cursor)
    return row >= view.scroll_offset.y + view.scrollable_content_region.height - 2


async def test_the_cursor_stays_in_view_when_the_terminal_is_resized(
    long_db: Path, tmp_path: Path
) -> None:
    app = app_for(long_db, tmp_path, document="2")
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.screen.query_one(TranscriptView)
        await pilot.pause()
        while not cursor_near_bottom(app, view):
            await pilot.press("j")
        for size in [(80, 24), (60, 20), (120, 40), (80, 24)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert cursor_in_view(app), size
    app.project.close()


@pytest.mark.parametrize("size", SIZES)
async def test_a_search_match_far_away_is_shown_with_context_above(
    long_db: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = app_for(long_db, tmp_path, document="1")
    async with app.run_test(size=size) as pilot:
        await pilot.press("J")  # the long document, its cursor at turn 65
        view = app.screen.query_one(TranscriptView)
        await pilot.press("slash")
        await until(pilot, lambda: not isinstance(app.screen, AnnotateScreen))
        await pilot.press(*"turn 20 ", "enter")  # wraps round to the top
        await until(pilot, lambda: isinstance(app.screen, AnnotateScreen))
        await pilot.pause()
        assert view.wrap is not None
        row = view.wrap.row_of_offset(screen(app).editor.cursor)
        height = view.scrollable_content_region.height
        assert row - view.scroll_offset.y == height // 3  # not on the last row
        await pilot.press("j")  # a step: no jump of the view
        assert view.wrap.row_of_offset(screen(app).editor.cursor) - view.scroll_offset.y > 1
    app.project.close()


@pytest.mark.parametrize("size", SIZES)
async def test_the_saved_cursor_is_in_view_in_a_real_transcript(
    real_data: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    from annotator.io import read_transcript

    path = tmp_path / "real.db"
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        project.add_documents([make_text("Short", [("A", "Just one line.")], "short.md")])
        real = real_data / "wh_2022-01-19_biden_press_conference.md"
        project.add_documents(read_transcript(real))
        turn = project.turns(2)[65]
        project.set_cursor(2, "alice", turn.start)
    for first, keys in (("2", []), ("1", ["J"]), ("2", ["J", "K"])):
        app = app_for(path, tmp_path, document=first)
        async with app.run_test(size=size) as pilot:
            await pilot.press(*keys)
            assert screen(app).editor.id == 2
            await pilot.pause()
            assert cursor_in_view(app), (first, keys)
        app.project.close()


# ---- 2. search takes typographic quotes as straight ones --------------------------------------


async def test_search_typed_with_a_straight_apostrophe_finds_a_curly_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "curly.db"
    said = "Well, I don\u2019t want to talk about it \u2014 not today."
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        project.add_documents([make_text("Curly", [("Q", "Will you?"), ("A", said)], "c.md")])
    app = app_for(path, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = screen(app).editor
        await pilot.press("slash")
        await until(pilot, lambda: not isinstance(app.screen, AnnotateScreen))
        await pilot.press(*"don't want to talk about it - not", "enter")
        await until(pilot, lambda: isinstance(app.screen, AnnotateScreen))
        await pilot.pause()
        found = "don\u2019t want to talk about it \u2014 not"
        assert editor.text[editor.cursor :].startswith(found)
    app.project.close()


# ---- 3. D and S move on through the queue; the snapping unit is remembered ------------------


@pytest.fixture
def queue_db(tmp_path: Path) -> Path:
    """Four documents D1..D4; alice is assigned 3 and 4 (her queue: 3, 4, 1, 2) and has
    finished 4 already."""
    path = tmp_path / "queue.db"
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        project.add_documents(
            [make_text(f"D{n}", [("Q", f"Question {n}?"), ("A", f"Answer {n}.")], f"{n}.md")
             for n in range(1, 5)]
        )  # fmt: skip
        project.assign(["alice"], [3, 4], seed=1)
        project.set_status(4, "alice", "done")
    return path


def said(app: AnnotatorApp) -> list[str]:
    """What the app tells the user, from now on."""
    messages: list[str] = []
    original = app.notify

    def notify(message: str, **kwargs) -> None:
        messages.append(message)
        original(message, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return messages


async def test_done_and_skip_move_on_to_the_next_document_not_done(
    queue_db: Path, tmp_path: Path
) -> None:
    app = app_for(queue_db, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        messages = said(app)
        assert screen(app).editor.id == 3  # assigned first
        await pilot.press("D")  # 4 is done already: on to 1
        await until(pilot, lambda: screen(app).editor.id == 1)
        assert messages[-1] == "#3 marked done · 2 of 4 done · now #1 D1"
        await pilot.press("S")
        await until(pilot, lambda: screen(app).editor.id == 2)
        assert messages[-1] == "#1 marked skipped · 2 of 4 done · now #2 D2"
        await pilot.press("D")  # the last one: it stays, and says so
        await pilot.pause()
        assert screen(app).editor.id == 2
        assert messages[-1] == (
            "#2 marked done · 3 of 4 done: nothing left to annotate; 1 skipped: o lists them"
        )
        # The done lock holds wherever D left the annotator; R reopens.
        await pilot.press("v", "w", "t")
        await pilot.pause()
        assert project_spans(queue_db, 2) == []
        await pilot.press("escape", "R", "v", "w", "t")
        await pilot.pause()
        assert len(project_spans(queue_db, 2)) == 1
    app.project.close()
    with Project.open(queue_db) as project:
        statuses = project.statuses_of("alice")
        assert statuses == {1: "skipped", 2: "in_progress", 3: "done", 4: "done"}


def project_spans(db: Path, document: int) -> list:
    with Project.open(db) as project:
        return project.spans(document, "alice")


async def test_the_snapping_unit_is_remembered_across_documents_and_restarts(
    queue_db: Path, tmp_path: Path
) -> None:
    app = app_for(queue_db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert screen(app).editor.unit == "word"  # the scheme's default
        await pilot.press("s")
        assert screen(app).editor.unit == "sentence"
        await pilot.press("J")
        await until(pilot, lambda: screen(app).editor.id == 4)
        assert screen(app).editor.unit == "sentence"
    app.project.close()
    again = app_for(queue_db, tmp_path)
    async with again.run_test(size=(80, 24)) as pilot:
        assert screen(again).editor.unit == "sentence"
        await pilot.press("s", "s")
        assert screen(again).editor.unit == "character"
    again.project.close()
    bob = make_app(queue_db, annotator="bob", config_file=tmp_path / "c.yaml", remember=False)
    async with bob.run_test(size=(80, 24)):
        assert screen(bob).editor.unit == "word"  # each annotator their own
    bob.project.close()
    with Project.open(queue_db) as project:
        assert project.snap_unit("alice") == "character"
        assert project.snap_unit("bob") is None


@pytest.mark.parametrize(
    ("current", "statuses", "expected"),
    [
        (3, {}, 4),
        (4, {}, 1),  # round to the start of the queue
        (3, {4: "done", 1: "skipped"}, 2),
        (2, {3: "done", 4: "done", 1: "done"}, None),  # only the current one is left
        (9, {3: "in_progress"}, 3),  # a document not in the queue: from its start
    ],
)
def test_next_open_is_the_next_in_the_queue_neither_done_nor_skipped(
    current: int, statuses: dict[int, str], expected: int | None
) -> None:
    from annotator.app import next_open

    assert next_open([3, 4, 1, 2], statuses, current) == expected


# ---- 5. names cut at the end, whole on focus ---------------------------------------------------

LONG_TITLE = "Remarks by President Biden [bold]in Press Conference[/]"


@pytest.fixture
def names_db(tmp_path: Path) -> Path:
    path = tmp_path / "names.db"
    turns = [("INTERVIEWER", "Will you build?"), ("THE DEVELOPER", "We will build homes.")]
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        project.add_documents([make_text(LONG_TITLE, turns, "names.md")])
    return path


def status_line(app: AnnotatorApp) -> str:
    from harness import rendered

    from annotator.widgets.panels import BottomBar

    return rendered(app.screen.query_one(BottomBar)).splitlines()[BottomBar.STATUS]


async def test_the_status_line_keeps_the_title_when_the_span_list_is_shown(
    names_db: Path, tmp_path: Path
) -> None:
    from annotator.widgets.panels import BottomBar, SpanList

    app = app_for(names_db, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.screen.query_one(SpanList).display  # wide: the list is shown
        assert status_line(app).rstrip().endswith(f"#1 {LONG_TITLE}")  # literally, whole
        await pilot.resize_terminal(80, 24)
        await pilot.press("f2")  # narrow: the list shown over the text
        await pilot.pause()
        assert app.screen.query_one(SpanList).display
        line = status_line(app)
        assert len(line) == 80 and line.endswith("…")  # cut at the end, and shown to be
        assert "#1 Remarks" in line
        # The whole title where the bar is pointed at.
        assert str(app.screen.query_one(BottomBar).tooltip) == f"#1 {LONG_TITLE}"
    app.project.close()


@pytest.mark.parametrize(("size", "speakers"), [((80, 24), 19), ((120, 40), 24)])
async def test_the_document_list_cuts_speakers_at_the_end_and_shows_them_whole(
    names_db: Path, tmp_path: Path, size: tuple[int, int], speakers: int
) -> None:
    from harness import rendered
    from textual.widgets import Static

    from annotator.screens.queue import QueueScreen
    from annotator.widgets.queue_table import QueueTable

    app = app_for(names_db, tmp_path)
    async with app.run_test(size=size) as pilot:
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.pause()
        table = rendered(app.screen.query_one(QueueTable))
        cut = "INTERVIEWER, THE DEVELOPER"[: speakers - 1] + "…"  # not INTERVIEWER,…E …OPER
        assert f" {cut} " in table
        assert max(len(line.rstrip()) for line in table.splitlines()) <= size[0]  # all fit
        if size[0] == 80:
            assert "Remarks by Pres…" in table  # the title too, at the end
        detail = str(app.screen.query_one("#detail", Static).content)
        assert detail == f"#1 {LONG_TITLE} · INTERVIEWER, THE DEVELOPER"
    app.project.close()
