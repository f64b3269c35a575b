"""The report screen, driven with Pilot: opened by its key from the annotation and review
screens and from the palette, live as the project changes, and Enter on a row opening the
examples behind it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import until
from report_sample import JANE, A, at, build
from rich.text import Text
from textual.widgets import DataTable, Static

from annotator.app import AnnotatorApp, make_app
from annotator.report import SPREAD
from annotator.screens.annotate import AnnotateScreen
from annotator.screens.dialogs import ChooseSpan
from annotator.screens.report import ReportScreen, chart
from annotator.screens.review import ReviewScreen
from annotator.store import Project


@pytest.fixture
def db(tmp_path: Path) -> Path:
    build(tmp_path / "report.db").close()
    return tmp_path / "report.db"


def app_for(db: Path, tmp_path: Path, name: str = "alice", **kwargs: Any) -> AnnotatorApp:
    return make_app(db, annotator=name, config_file=tmp_path / "config.yaml", **kwargs)


def report_screen(app: AnnotatorApp) -> ReportScreen:
    assert isinstance(app.screen, ReportScreen), app.screen
    return app.screen


async def press(app: AnnotatorApp, pilot: Any, *keys: str) -> ReportScreen:
    """Press keys on (or to open) the report screen, then wait for its report (it is built
    in a thread)."""
    await pilot.press(*keys)
    await until(pilot, lambda: isinstance(app.screen, ReportScreen) and app.screen.settled)
    return report_screen(app)


def rows(app: AnnotatorApp) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [
        [getattr(cell, "plain", str(cell)) for cell in table.get_row_at(index)]
        for index in range(table.row_count)
    ]


def title(app: AnnotatorApp) -> str:
    return str(app.screen.query_one("#table-title", Static).content)


async def show_table(app: AnnotatorApp, pilot: Any, family: str) -> None:
    """Step with ] to the table of a family."""
    screen = report_screen(app)
    for _ in range(len(screen.families)):
        if screen.families[screen.table_index or 0].id == family:
            return
        await pilot.press("right_square_bracket")
    raise AssertionError(f"no table {family}")


def row_of(app: AnnotatorApp, group: str, measure: str, layer: str | None = None) -> int:
    screen = report_screen(app)
    for index, key in enumerate(screen.query_one(DataTable).rows):
        row = screen._rows[key.value or ""]
        figure = row.figure
        if (figure.group, figure.measure) == (group, measure) and layer in (None, figure.layer):
            return index
    raise AssertionError((group, measure))


async def test_the_key_opens_the_annotators_own_report(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await press(app, pilot, "percent_sign")
        # An annotator sees their own layer only: annotation is blind.
        assert screen.report is not None and screen.report.layers == ("alice",)
        heading = str(screen.query_one("#heading", Static).content)
        assert "Report of alice's layer, 3 documents, by person" in heading
        # It opens on the first table with a chart: the question codes at level 1.
        assert title(app).startswith("Questions by code, level 1: share of the coded questions")
        shown = rows(app)
        assert shown[row_of(app, JANE, "question.level1=ambivalent share")][:6] == [
            "",
            "Ambivalent",
            "50%",
            "15–85%",
            "2",
            "4",
        ]
        await pilot.press("l")
        assert screen.report_layer == "alice"
        await pilot.press("right_square_bracket")
        assert title(app).startswith("Questions by code, level 2")
        await press(app, pilot, "b")  # by role
        assert screen.by == "role" and screen.report.by == ("role",)
        await pilot.press("escape")
        assert isinstance(app.screen, AnnotateScreen)


async def test_the_palette_offers_the_report(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Report: rates with intervals" in titles
        await pilot.press("colon")
        await pilot.pause()
        await pilot.press(*"Report: rates")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReportScreen) and app.screen.settled)


async def test_the_report_follows_changes_as_they_are_made(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await press(app, pilot, "percent_sign")
        await show_table(app, pilot, "spans per 1000 words")
        screen = report_screen(app)
        line = row_of(app, JANE, "commitment per 1000 words")
        assert rows(app)[line][2:6] == ["73.2", "15.1–213.8", "3", "41"]
        # Another window (another process) tags a fourth commitment of Jane Doe's.
        with Project.open(db) as other:
            budget = other.find_document("a.md")
            other.reopen(budget.id, "alice")
            other.create_span(
                budget.id, "alice", "commitment", *at(A, "Yes"),
                {"specificity": "vague"},
            )  # fmt: skip
        await until(pilot, lambda: rows(app)[line][4] == "4")
        assert rows(app)[line][2] == "97.6"  # 4 of 41 words
        assert screen.families[screen.table_index or 0].id == "spans per 1000 words"


async def test_enter_lists_the_examples_and_opens_one(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        start = app.editor.id if app.editor else None
        await press(app, pilot, "percent_sign")
        await show_table(app, pilot, "spans per 1000 words")
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=row_of(app, JANE, "commitment per 1000 words"))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ChooseSpan))
        dialog = app.screen
        assert isinstance(dialog, ChooseSpan)
        assert "Jane Doe · Commitment: 3 counted" in dialog.title_text
        assert [choice[1] for choice in dialog.choices] == ["alice · commitment"] * 3
        assert "Housing: We will do more for renters." in dialog.choices[2][2]
        await pilot.press("down", "down", "enter")
        await until(pilot, lambda: isinstance(app.screen, AnnotateScreen))
        editor = app.editor
        assert editor is not None and editor.document.title == "Housing"
        assert editor.document.id != start
        assert editor.text[editor.cursor :].startswith("We will do more for renters.")


async def test_a_question_opens_in_the_coding_pass(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await press(app, pilot, "percent_sign")
        table = app.screen.query_one(DataTable)
        non_reply = row_of(app, "person=John Roe", "question.level1=clear_non_reply share")
        table.move_cursor(row=non_reply)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ChooseSpan))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AnnotateScreen))
        editor = app.editor
        assert editor is not None and editor.document.title == "Debate"
        assert editor.mode == "coding"
        assert editor.text[editor.cursor :].startswith("Mr Roe, will you build")


async def test_a_reviewer_sees_every_layer_and_the_spread(db: Path, tmp_path: Path) -> None:
    with Project.open(db) as project:
        budget = project.find_document("a.md").id
        project.set_status(budget, "bob", "done")  # two annotators finished it: reviewable
    app = app_for(db, tmp_path, name="rita", review=True, document=str(budget))
    async with app.run_test(size=(120, 36)) as pilot:
        assert isinstance(app.screen, ReviewScreen)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Report: rates with intervals" in titles
        screen = await press(app, pilot, "percent_sign")
        assert screen.layer_choices == ("all", "gold", "alice", "bob")
        assert screen.report is not None and screen.report.layers == ("alice", "bob")
        spread = rows(app)[row_of(app, JANE, "question.level1=ambivalent share", SPREAD)]
        assert spread[2:5] == ["spread", "75%", "(50–100%)"]
        await press(app, pilot, "l")
        assert screen.report.layers == ("gold",)
        assert "gold layer" in str(screen.query_one("#heading", Static).content)
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)


def test_the_chart_shows_value_and_interval() -> None:
    text = chart(0.5, 0.2, 0.8, 1.0, "#ff0000", width=10)
    assert text.plain == "█████──┤"
    assert [(span.end - span.start, span.style) for span in text.spans][:2] == [
        (2, "#ff0000"),  # up to the interval's lower end
        (3, "#ff0000 dim"),  # from there to the value
    ]
    assert chart(0.0, 0.0, 0.3, 1.0, None, width=10).plain == "  ┤"  # a zero: its end only
    assert chart(10, 2, 50, 20, None, width=10).plain == "█████────▸"  # runs past the edge
    assert chart(None, None, None, 1.0, None) == Text()
