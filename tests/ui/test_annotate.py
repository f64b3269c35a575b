"""The annotation screen, driven with Pilot: motions, selection, tagging, undo, search..."""

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
from annotator.screens.dialogs import ChooseSpan, SpanEditor
from annotator.store import Project
from annotator.widgets.transcript_view import TranscriptView

TURNS = [
    ("INTERVIEWER", "Will you raise taxes? Yes or no."),
    ("MINISTER", "I won't say. They failed the country. We will build homes by May."),
    ("INTERVIEWER", "She said [bold red]no[/] and \x1b[31mred\x1b[0m."),
]


def make_text(turns: list[tuple[str, str]]) -> ImportedDocument:
    text, built = layout([t for _, t in turns], [s for s, _ in turns])
    return ImportedDocument("Interview", text, tuple(built), "text", "talk.md")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "p.db"
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        project.add_documents([make_text(TURNS)])
        second = make_text([("A", "Second document here.")])
        second = ImportedDocument("Second", second.text, second.turns, "text", "b.md")
        project.add_documents([second])
    return path


def app_for(db: Path, tmp_path: Path, **kwargs) -> AnnotatorApp:
    return make_app(db, annotator="alice", config_file=tmp_path / "config.yaml", **kwargs)


def screen(app: AnnotatorApp) -> AnnotateScreen:
    assert isinstance(app.screen, AnnotateScreen), app.screen
    return app.screen


def spans(db: Path, annotator: str = "alice") -> list[tuple[str, str]]:
    """What is on disk, read through a separate connection."""
    with Project.open(db) as project:
        doc = project.documents()[0].id
        text = project.document(doc).text
        return [(s.label, text[s.start : s.end]) for s in project.spans(doc, annotator)]


TEXT = make_text(TURNS).text


async def test_motions(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = screen(app).editor
        assert editor.cursor == 0
        await pilot.press("l", "l")
        assert editor.cursor == 2
        await pilot.press("h")
        assert editor.cursor == 1
        await pilot.press("w")
        assert TEXT[editor.cursor :].startswith("you raise")
        await pilot.press("e")
        assert TEXT[editor.cursor] == "u"
        await pilot.press("b")
        assert TEXT[editor.cursor :].startswith("you")
        await pilot.press("right_parenthesis")
        assert TEXT[editor.cursor :].startswith("Yes or no")
        await pilot.press("right_curly_bracket")
        assert TEXT[editor.cursor :].startswith("I won't say")
        await pilot.press("left_curly_bracket")
        assert editor.cursor == 0
        await pilot.press("G")
        assert editor.cursor == len(TEXT) - 1
        await pilot.press("g")
        assert editor.cursor == 0
        await pilot.press("j")  # down one visual row: into the next turn's text
        assert editor.turn_at(editor.cursor).index == 1
        await pilot.press("k")
        assert editor.cursor == 0
        # The arrow keys move the cursor too (the view must not scroll with them instead).
        await pilot.press("right", "right", "left")
        assert editor.cursor == 1
        await pilot.press("down")
        assert editor.turn_at(editor.cursor).index == 1
        await pilot.press("up", *["shift+right"] * 5)
        assert editor.selection == (0, 8)  # "Will y" widened to whole words: "Will you"


async def test_tag_word_under_cursor_and_selection(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = screen(app).editor
        await pilot.press("right_curly_bracket")  # "I won't say..."
        await pilot.press("v", "w", "w")  # select I won't say (word unit)
        assert editor.selection == (TEXT.index("I won't"), TEXT.index(" They") - 1)
        await pilot.press("t")  # quote, no required attributes
        assert ("quote", "I won't say") in spans(db)
        assert editor.selection is None
        # Without a selection a hotkey tags the unit under the cursor: a word.
        await pilot.press("w", "w")  # "." is a word of its own
        assert TEXT[editor.cursor :].startswith("They")
        await pilot.press("s")  # word -> sentence
        assert editor.unit == "sentence"
        await pilot.press("i")  # criticism of the sentence under the cursor
        assert ("criticism", "They failed the country.") in spans(db)


async def test_nested_and_overlapping_spans(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = screen(app).editor
        await pilot.press("right_curly_bracket", "s", "s")  # turn unit
        assert editor.unit == "turn"
        await pilot.press("t")  # quote the whole turn
        await pilot.press("s", "s")  # turn -> character -> word
        assert editor.unit == "word"
        await pilot.press("w", "w", "w", "w", "w", "i")  # "They", nested in the quote
        labels = sorted(label for label, _ in spans(db))
        assert labels == ["criticism", "quote"]
        assert [s.label for s in editor.spans_at()] == ["criticism", "quote"]  # innermost first


async def test_required_attributes_are_asked_for(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right_curly_bracket", "s")  # sentence unit
        await pilot.press("right_parenthesis", "right_parenthesis")  # "We will build homes..."
        await pilot.press("c")  # commitment: specificity is required
        await pilot.pause()
        assert isinstance(app.screen, SpanEditor)
        await pilot.press("escape")
        await pilot.pause()
        assert spans(db) == []  # cancelled: nothing written
        await pilot.press("d")  # deflection: its kind is required
        await pilot.pause()
        assert isinstance(app.screen, SpanEditor)
        await pilot.press("escape")
        await pilot.pause()
        assert spans(db) == []


async def test_delete_asks_which_span_when_several_overlap(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right_curly_bracket", "s", "s", "t", "s", "s", "i")
        assert len(spans(db)) == 2
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ChooseSpan)
        await pilot.press("enter")  # the innermost span is listed first
        await pilot.pause()
        assert [label for label, _ in spans(db)] == ["quote"]
        await pilot.press("x")  # one span left: deleted without asking
        await pilot.pause()
        assert spans(db) == []


async def test_undo_redo_survive_a_restart(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("i", "w", "w", "t")
        assert len(spans(db)) == 2
        await pilot.press("u")
        assert [label for label, _ in spans(db)] == ["criticism"]
        await pilot.press("ctrl+r")
        assert len(spans(db)) == 2
        await pilot.press("q")
    app.project.close()
    again = app_for(db, tmp_path)
    async with again.run_test(size=(100, 30)) as pilot:
        await pilot.press("u", "u")
        assert spans(db) == []
        await pilot.press("ctrl+y")
        assert [label for label, _ in spans(db)] == ["criticism"]
        assert len(screen(again).editor.spans) == 1
    again.project.close()


async def test_reopening_returns_to_document_and_cursor(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("J")  # next document
        assert screen(app).editor.document.title == "Second"
        await pilot.press("w")
        position = screen(app).editor.cursor
        await pilot.press("q")
    app.project.close()
    again = app_for(db, tmp_path)
    async with again.run_test(size=(100, 30)):
        editor = screen(again).editor
        assert editor.document.title == "Second"
        assert editor.cursor == position
    again.project.close()


async def test_search_and_status(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = screen(app).editor
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"build", "enter")
        await pilot.pause()
        assert TEXT[editor.cursor :].startswith("build")
        await pilot.press("D")
        with Project.open(db) as project:
            assert project.status(editor.id, "alice") == "done"


async def test_markup_and_escapes_display_literally(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("G")
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        lines = ["".join(seg.text for seg in view.render_line(y)) for y in range(view.size.height)]
        shown = "\n".join(lines)
        assert "[bold red]no[/]" in shown
        assert "\x1b" not in shown and "␛[31mred␛[0m" in shown


async def test_cursor_move_repaints_at_most_two_rows(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.screen.query_one(TranscriptView)
        await pilot.press("l")
        await pilot.pause()
        for key in ("l", "w", "h", "e"):
            before = view.render_count
            await pilot.press(key)
            await pilot.pause()
            assert view.render_count - before <= 2, key


async def test_edit_attributes_and_note(db: Path, tmp_path: Path) -> None:
    from textual.widgets import Select, TextArea

    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right_curly_bracket", "w", "w", "w", "w", "i")  # criticism "They"
        await pilot.press("enter")
        await pilot.pause()
        editor_screen = app.screen
        assert isinstance(editor_screen, SpanEditor)
        editor_screen.query_one("#attr-basis", Select).value = "record"
        editor_screen.query_one("#note", TextArea).text = "attacks the previous government"
        await pilot.press("ctrl+s")
        await pilot.pause()
        with Project.open(db) as project:
            [span] = project.spans(project.documents()[0].id, "alice")
            assert span.attributes["basis"] == "record"
            assert span.note == "attacks the previous government"


async def test_grow_and_shrink_selection_edges(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = screen(app).editor
        await pilot.press("right_curly_bracket", "w", "w", "w", "w", "v")  # "They"
        start = TEXT.index("They")
        assert editor.selection == (start, start + 4)
        await pilot.press("greater_than_sign")  # + "failed"
        assert TEXT[slice(*editor.selection)] == "They failed"
        await pilot.press("comma")  # start edge out: + "."
        assert TEXT[slice(*editor.selection)] == ". They failed"
        await pilot.press("full_stop", "less_than_sign")  # both back in
        assert TEXT[slice(*editor.selection)] == "They"
        await pilot.press("escape")
        assert editor.selection is None


async def test_edge_keys_move_the_edges_of_the_span_under_the_cursor(
    db: Path, tmp_path: Path
) -> None:
    """Without a selection, the edge keys resize the span under the cursor (each press is
    an edit: undo takes it back); the cursor follows the moved edge."""
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = screen(app).editor
        await pilot.press("right_curly_bracket", "w", "w", "w", "w", "i")  # "They"
        assert spans(db) == [("criticism", "They")]
        await pilot.press("greater_than_sign", "greater_than_sign")  # + "failed the"
        assert spans(db) == [("criticism", "They failed the")]
        assert TEXT[editor.cursor] == "e"  # the last character of "the"
        await pilot.press("comma")  # start edge out: + "."
        assert spans(db) == [("criticism", ". They failed the")]
        await pilot.press("full_stop", "less_than_sign")
        assert spans(db) == [("criticism", "They failed")]
        await pilot.press("u")
        assert spans(db) == [("criticism", "They failed the")]
        assert editor.selection is None  # no selection was made along the way


async def test_next_and_previous_span(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = screen(app).editor
        await pilot.press("right_curly_bracket", "t", "w", "w", "w", "w", "i", "g")
        await pilot.press("right_square_bracket")
        assert TEXT[editor.cursor :].startswith("I won't")
        await pilot.press("right_square_bracket")
        assert TEXT[editor.cursor :].startswith("They")
        await pilot.press("left_square_bracket")
        assert TEXT[editor.cursor :].startswith("I won't")


async def test_blind_annotation_shows_only_own_spans(db: Path, tmp_path: Path) -> None:
    with Project.open(db) as project:
        doc = project.documents()[0].id
        project.create_span(doc, "bob", "quote", 0, 4)
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)):
        assert screen(app).editor.spans == {}


async def test_suggestions_accept_and_reject_with_one_key(db: Path, tmp_path: Path) -> None:
    with Project.open(db) as project:
        doc = project.documents()[0].id
        model = [
            project.create_span(doc, "model", "quote", 0, 4),
            project.create_span(
                doc,
                "model",
                "deflection",
                TEXT.index("I won't"),
                TEXT.index(". They"),
                {"kind": "declines"},
            ),
        ]
    app = app_for(db, tmp_path, suggestions_from="model")
    async with app.run_test(size=(100, 30)) as pilot:
        editor = screen(app).editor
        assert set(editor.suggestions) == {span.id for span in model}
        await pilot.press("a")  # accept "Will": the cursor moves on to the next suggestion
        await pilot.pause()
        assert spans(db) == [("quote", "Will")]
        assert editor.cursor == model[1].start
        await pilot.press("r")
        await pilot.pause()
        assert editor.suggestions == {}
        assert spans(db) == [("quote", "Will")]
        await pilot.press("u")  # undoing the rejection offers it again
        assert list(editor.suggestions) == [model[1].id]
        await pilot.press("u")  # and undoing the accept
        assert set(editor.suggestions) == {span.id for span in model}
        assert spans(db) == []


async def test_unknown_suggestion_layer_is_refused(db: Path, tmp_path: Path) -> None:
    from annotator.store import ProjectError

    with pytest.raises(ProjectError, match="no annotator called 'nobody'"):
        app_for(db, tmp_path, suggestions_from="nobody")


async def test_keymap_from_the_config_file(db: Path, tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        "keymap:\n  annotate.undo: z\n  annotate.label.quote: 9\n"
    )
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("9")
        assert spans(db) == [("quote", "Will")]
        await pilot.press("z")
        assert spans(db) == []


async def test_mouse_click_and_drag(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = screen(app).editor
        view = app.screen.query_one(TranscriptView)
        # Row 0 is the speaker header; row 1 the first text row, after a 2-cell margin.
        await pilot.click(view, offset=(2 + 5, 1))
        assert editor.cursor == 5 and editor.selection is None
        await pilot.mouse_down(view, offset=(2 + 5, 1))
        await pilot.hover(view, offset=(2 + 12, 1))
        await pilot.mouse_up(view, offset=(2 + 12, 1))
        assert editor.selection == (5, 14)  # "you rais", snapped to words: "you raise"


async def test_wide_characters_keep_the_cursor_aligned(tmp_path: Path) -> None:
    path = tmp_path / "wide.db"
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        project.add_documents([make_text([("A", "中文 ok 😀 cafe\u0301 end")])])
    app = make_app(path, annotator="alice", config_file=tmp_path / "c.yaml")
    async with app.run_test(size=(60, 20)) as pilot:
        editor = screen(app).editor
        view = app.screen.query_one(TranscriptView)
        await pilot.press("w")  # to "ok", after two wide characters and a space
        assert editor.text[editor.cursor :].startswith("ok")
        assert view.wrap.cell_x(editor.cursor) == 5
        row = view.render_line(1)
        cells = "".join(segment.text for segment in row)
        assert cells.startswith("  中文 ok 😀")
        await pilot.click(view, offset=(2 + 5, 1))  # clicking that cell lands on "o"
        assert editor.text[editor.cursor] == "o"
    app.project.close()


async def test_command_palette_runs_screen_actions(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = screen(app).editor
        await pilot.press("colon")
        await pilot.pause()
        await pilot.press(*"Mark done")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        with Project.open(db) as project:
            assert project.status(editor.id, "alice") == "done"


async def test_documents_queue_opens_another_document(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert screen(app).editor.document.title == "Second"
        await pilot.press("K")  # previous document
        assert screen(app).editor.document.title == "Interview"


async def test_sentence_and_page_motions_and_every_snapping_unit(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 12)) as pilot:
        editor = screen(app).editor
        await pilot.press("right_curly_bracket", "right_parenthesis", "right_parenthesis")
        assert TEXT[editor.cursor :].startswith("We will")
        await pilot.press("left_parenthesis")
        assert TEXT[editor.cursor :].startswith("They failed")
        await pilot.press("pagedown")
        assert editor.cursor > TEXT.index("They failed")
        await pilot.press("pageup")
        assert editor.cursor <= TEXT.index("They failed")
        await pilot.press("right_curly_bracket", "w", "l")  # in "won't", one character in
        expected = {
            "character": "o",
            "word": "won't",
            "sentence": "I won't say.",
            "turn": TURNS[1][1],
        }
        await pilot.press("v")
        for _ in range(4):
            await pilot.press("s")
            assert TEXT[slice(*editor.selection)] == expected[editor.unit], editor.unit


async def test_regex_search_and_previous_match(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = screen(app).editor
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"\\bfail\\w*", "ctrl+t", "enter")
        await pilot.pause()
        assert editor.search is not None and editor.search.regex
        assert editor.cursor == TEXT.index("failed")
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*["backspace"] * 20, *"no", "ctrl+t", "enter")  # plain again
        await pilot.pause()
        assert not editor.search.regex
        assert len(editor.search.starts) == TEXT.lower().count("no")
        first = editor.cursor
        await pilot.press("n")
        await pilot.press("N")
        assert editor.cursor == first


async def test_skip_marks_the_document_skipped(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        skipped = screen(app).editor.id
        await pilot.press("S")  # and on to the next document
        with Project.open(db) as project:
            assert project.status(skipped, "alice") == "skipped"
        assert screen(app).editor.id != skipped


@pytest.mark.parametrize(
    ("keys", "kind"), [(["escape"], None), (["enter"], "declines"), (["down", "enter"], "partial")]
)
async def test_a_merge_that_would_drop_a_value_asks_which_to_keep(
    db: Path, tmp_path: Path, keys: list[str], kind: str | None
) -> None:
    first, second = TEXT.index("I won't say"), TEXT.index("They failed")
    with Project.open(db) as project:
        project.create_span(1, "alice", "deflection", first, first + 11, {"kind": "declines"})
        project.create_span(1, "alice", "deflection", second, second + 11, {"kind": "partial"})
        project.set_cursor(1, "alice", second)
    app = app_for(db, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        editor = screen(app).editor
        # Grow the start edge of "They failed" over "." and then over "say" of "I won't say".
        await pilot.press("comma")
        await until(
            pilot, lambda: min(s.start for s in editor.spans.values() if s.start > first) < second
        )
        await pilot.press("comma")
        await until(pilot, lambda: isinstance(app.screen, ChooseSpan))
        await pilot.press(*keys)
        await until(pilot, lambda: not isinstance(app.screen, ChooseSpan))
        if kind is not None:  # the merge runs once the dialog has answered
            await until(pilot, lambda: len(editor.spans) == 1)
    with Project.open(db) as project:
        deflections = [s for s in project.spans(1, "alice") if s.label == "deflection"]
        if kind is None:  # cancelled: both spans as they were
            assert [s.attributes["kind"] for s in deflections] == ["declines", "partial"]
        else:
            [merged] = deflections
            assert (merged.start, merged.attributes["kind"]) == (first, kind)


async def test_the_saved_cursor_is_in_view_when_the_document_opens(tmp_path: Path) -> None:
    path = tmp_path / "long.db"
    turns = [("A" if i % 2 else "B", f"Turn {i} says something of its own.") for i in range(60)]
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        project.add_documents([make_text(turns)])
        text = project.document(1).text
        project.set_cursor(1, "alice", text.index("Turn 50"))
    app = make_app(path, annotator="alice", config_file=tmp_path / "c.yaml", remember=False)
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.screen.query_one(TranscriptView)
        row = view.wrap.row_of_offset(screen(app).editor.cursor)
        await until(pilot, lambda: view.scroll_offset.y > 0)
        top = view.scroll_offset.y
        assert top <= row < top + view.scrollable_content_region.height
    app.project.close()
