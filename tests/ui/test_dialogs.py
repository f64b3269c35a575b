"""Pilot tests for the modal dialogs in annotator.screens.dialogs."""

from __future__ import annotations

import pytest
from harness import Harness, rendered, type_ahead
from textual.widgets import Checkbox, Input, OptionList, Select, SelectionList, Static, TextArea

from annotator.resources import bundled_schemes
from annotator.scheme import Scheme, load_scheme, load_scheme_file
from annotator.screens.dialogs import (
    ChooseSpan,
    NamePrompt,
    SearchPrompt,
    SpanEdit,
    SpanEditor,
    literal,
    shorten,
    visible,
)

SCHEME_YAML = """
name: editor-test
version: 1
labels:
  - id: quote
    hotkey: t
    color: "#4c9be8"
    attributes:
      - {id: form, type: choice, choices: [direct, indirect], default: direct}
      - {id: source, type: text, description: "Who is [bold]quoted[/bold]"}
  - id: commitment
    hotkey: m
    color: orange
    attributes:
      - {id: strength, type: choice, choices: [weak, strong], required: true}
      - {id: year, type: number}
      - {id: source, type: text}
      - {id: conditional, type: boolean}
  - id: old
    color: gray
    deprecated: true
  - id: deflection
    hotkey: d
    color: red
    attributes:
      - {id: tactics, type: multichoice, choices: [declines, attacks, pivots], required: true}
"""
NASTY = "\x1b[31mred[bold red]x[/] \x9b2J"


@pytest.fixture
def scheme() -> Scheme:
    return load_scheme(SCHEME_YAML)


def editor(scheme: Scheme, label: str = "quote", attributes: dict | None = None, note: str = ""):
    return Harness(lambda: SpanEditor(scheme, label, attributes or {}, note, "They failed."))


# ---- literal text helpers


def test_visible_replaces_control_characters() -> None:
    assert visible("a\x1bb\x9bc\x7f") == "a␛b�c␡"  # C1 controls show as U+FFFD
    assert visible("a\nb\tc") == "a b c"
    assert visible("a\nb\tc", multiline=True) == "a\nb c"  # a tab is one space, as in the view
    assert literal("[bold]x[/bold]").plain == "[bold]x[/bold]"
    assert shorten("abcdefghij", 5) == "ab…ij"
    assert shorten("abc", 5) == "abc"


# ---- SpanEditor


async def test_span_editor_changes_fields_with_the_label(scheme: Scheme) -> None:
    app = editor(scheme, attributes={"source": "BBC"})
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, SpanEditor)
        assert screen.query_one("#attr-form", Select).value == "direct"  # the default
        label = screen.query_one("#label", Select)
        label.focus()
        await pilot.press("enter", "down", "enter")  # open the list, pick the next label
        await pilot.pause()
        assert label.value == "commitment"
        assert not screen.query("#attr-form")
        assert screen.query_one("#attr-strength", Select).is_blank()
        assert screen.query_one("#attr-year", Input).value == ""
        assert isinstance(screen.query_one("#attr-conditional"), Checkbox)
        # An attribute with the same id keeps its value across the change.
        assert screen.query_one("#attr-source", Input).value == "BBC"
        # Back to quote: the focused field's description shows below the form, literally.
        label.value = "quote"
        await pilot.pause()
        screen.query_one("#attr-source").focus()
        await pilot.pause()
        assert str(screen.query_one("#hint", Static).content) == "Who is [bold]quoted[/bold]"
        # Deprecated labels are not offered.
        assert "old" not in [value for _, value in label._options]


async def test_span_editor_saves_typed_values(scheme: Scheme) -> None:
    app = editor(scheme, label="commitment", note="first look")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert app.focused is screen.query_one("#attr-strength")  # first attribute field
        await pilot.press("enter", "down", "enter")  # blank -> weak
        await pilot.press("tab")
        assert app.focused is screen.query_one("#attr-year")
        await pilot.press(*"2024")
        await pilot.press("tab", "tab", "space")  # skip source, tick conditional
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == [
        SpanEdit(
            "commitment", {"strength": "weak", "year": 2024, "conditional": True}, "first look"
        )
    ]
    assert isinstance(app.results[0].attributes["year"], int)


async def test_span_editor_enter_in_an_input_saves_and_parses_floats(scheme: Scheme) -> None:
    app = editor(scheme, label="commitment", attributes={"strength": "strong"})
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#attr-year").focus()
        await pilot.press(*"2.5", "enter")
        await pilot.pause()
    edit = app.results[0]
    assert edit.attributes == {"strength": "strong", "year": 2.5, "conditional": False}
    assert isinstance(edit.attributes["year"], float)


async def test_span_editor_refuses_bad_values(scheme: Scheme) -> None:
    app = editor(scheme, label="commitment")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        error = screen.query_one("#error", Static)
        await pilot.press("ctrl+s")  # the required choice is still blank
        await pilot.pause()
        assert "required" in str(error.content)
        assert app.focused is screen.query_one("#attr-strength")
        screen.query_one("#attr-strength", Select).value = "weak"
        screen.query_one("#attr-year").focus()
        await pilot.press("1", "e", "ctrl+s")  # "1e" is typeable but not a number
        await pilot.pause()
        assert "not a number" in str(error.content)
        assert error.display
        assert app.screen is screen and app.results == []
        await pilot.press("backspace", "ctrl+s")
        await pilot.pause()
    assert app.results[0].attributes["year"] == 1


async def test_span_editor_escape_cancels(scheme: Scheme) -> None:
    app = editor(scheme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_span_editor_shows_untrusted_text_literally(scheme: Scheme) -> None:
    note = "see [red]this[/]\x1b[2J"
    app = Harness(lambda: SpanEditor(scheme, "quote", {"source": NASTY}, note, NASTY))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        excerpt = rendered(screen.query_one("#excerpt"))
        assert "␛[31mred[bold red]x[/] �2J" in excerpt
        assert "\x1b" not in excerpt and "\x9b" not in excerpt
        assert "\x1b" not in screen.query_one("#attr-source", Input).value
        assert "\x1b" not in screen.query_one("#note", TextArea).text
        # Untouched fields give back the stored values, not the visible stand-ins.
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results[0].attributes["source"] == NASTY
    assert app.results[0].note == note


async def test_span_editor_fits_80x24_with_a_deprecated_label(scheme: Scheme) -> None:
    app = editor(scheme, label="old")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert screen.query_one("#label", Select).value == "old"
        assert screen.query_one("#dialog").region.bottom <= 23  # above the footer
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == [SpanEdit("old", {}, "")]


async def test_span_editor_with_a_label_the_scheme_lacks(scheme: Scheme) -> None:
    app = editor(scheme, label="retired", attributes={"x": 1})
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "no label 'retired'" in str(screen.query_one("#error", Static).content)
        screen.query_one("#label", Select).value = "quote"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == [SpanEdit("quote", {"form": "direct"}, "")]


async def test_span_editor_multichoice_toggles_with_space(scheme: Scheme) -> None:
    app = editor(scheme, label="deflection", attributes={"tactics": ["attacks"]})
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        tactics = screen.query_one("#attr-tactics", SelectionList)
        assert app.focused is tactics and tactics.selected == ["attacks"]
        await pilot.press("space")  # tick the first, declines
        await pilot.press("down", "space")  # untick attacks
        await pilot.press("down", "space")  # tick pivots
        assert sorted(tactics.selected) == ["declines", "pivots"]
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == [SpanEdit("deflection", {"tactics": ["declines", "pivots"]}, "")]


async def test_span_editor_multichoice_required_needs_one_choice(scheme: Scheme) -> None:
    app = editor(scheme, label="deflection")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("ctrl+s")  # nothing ticked
        await pilot.pause()
        assert "'tactics' of label 'deflection' is required" in str(
            screen.query_one("#error", Static).content
        )
        assert app.screen is screen and app.results == []
        assert app.focused is screen.query_one("#attr-tactics")
        await pilot.press("down", "down", "space", "ctrl+s")
        await pilot.pause()
    assert app.results == [SpanEdit("deflection", {"tactics": ["pivots"]}, "")]


# ---- ChooseSpan


async def test_choose_span_returns_the_chosen_id() -> None:
    choices = [(7, "Quote", "I won't say."), (9, "Criticism", NASTY)]
    app = Harness(lambda: ChooseSpan("Which span to delete?", choices))
    async with app.run_test(size=(80, 24)) as pilot:
        options = app.screen.query_one(OptionList)
        assert "\x1b" not in rendered(options) and "[bold red]x[/]" in rendered(options)
        await pilot.press("down", "enter")
        await pilot.pause()
    assert app.results == [9]


async def test_choose_span_takes_keys_typed_ahead_in_order() -> None:
    # A terminal delivers "down" and "enter" typed quickly in one read: the choice must be
    # the option moved to, not the one highlighted when Enter was read.
    app = Harness(lambda: ChooseSpan("Which?", [(1, "Keep", "a"), (2, "Take", "b")]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        type_ahead(app, "down", "enter")
        await pilot.pause()
        await pilot.pause()
    assert app.results == [2]


async def test_choose_span_escape_cancels() -> None:
    app = Harness(lambda: ChooseSpan("Which?", [(1, "Quote", "a")]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


# ---- NamePrompt


async def test_name_prompt_requires_a_name() -> None:
    app = Harness(NamePrompt)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("space", "enter")  # blank after stripping
        await pilot.pause()
        assert "Enter a name" in str(screen.query_one("#error", Static).content)
        await pilot.press("escape")  # not cancellable
        await pilot.pause()
        assert app.screen is screen
        await pilot.press(*"alice ", "enter")
        await pilot.pause()
    assert app.results == ["alice"]


async def test_name_prompt_cancellable_and_refuses_control_characters() -> None:
    app = Harness(lambda: NamePrompt(cancellable=True, initial="bob\x1b"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        field = screen.query_one("#name", Input)
        assert field.value == "bob␛"  # shown, never sent raw to the terminal
        field.value = "bob\x07"
        await pilot.press("enter")
        await pilot.pause()
        assert "control characters" in str(screen.query_one("#error", Static).content)
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [""]


async def test_dialog_keys_can_be_remapped_by_binding_id() -> None:
    app = Harness(lambda: ChooseSpan("Which?", [(7, "Quote", "they said")]))
    app.set_keymap({"dialog.cancel": "c"})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")  # no longer bound
        await pilot.pause()
        assert isinstance(app.screen, ChooseSpan) and app.results == []
        await pilot.press("c")
        await pilot.pause()
    assert app.results == [None]


# ---- SearchPrompt


async def test_search_prompt_returns_pattern_and_regex_flag() -> None:
    app = Harness(lambda: SearchPrompt("homes"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert screen.query_one("#pattern", Input).value == "homes"
        assert screen.query_one("#bar").region.bottom == 24  # docked at the bottom
        await pilot.press(*"tax", "ctrl+t", "enter")  # typing replaces the selected last one
        await pilot.pause()
    assert app.results == [("tax", True)]


async def test_search_prompt_refuses_an_invalid_regex() -> None:
    app = Harness(lambda: SearchPrompt("", regex=True))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert screen.query_one("#regex", Checkbox).value
        await pilot.press("(", "a", "enter")
        await pilot.pause()
        error = screen.query_one("#error", Static)
        assert "Invalid regular expression" in str(error.content) and error.display
        assert app.screen is screen
        await pilot.press("ctrl+t", "enter")  # as plain text "(a" is fine
        await pilot.pause()
    assert app.results == [("(a", False)]


async def test_search_prompt_escape_cancels() -> None:
    app = Harness(lambda: SearchPrompt("x"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


# ---- the definition of the highlighted choice


def hint_text(screen: SpanEditor) -> str:
    """The hint as painted (wrapped over lines, with its bar), as one line of words."""
    painted = rendered(screen.query_one("#hint")).replace("▌", " ")
    return " ".join(painted.split())


PIVOTS = (
    "pivots: starts on topic, then turns to another point (attacking opponents, praising the "
    "record, talking points) and never gives the core information (CLARITY: deflection; Bull: "
    "makes a political point). A political point made without first touching the topic is "
    "dodges."
)
PARTIAL = (
    "partial: answers only some parts of a multi-part question, or starts to answer and breaks "
    "off of their own accord (CLARITY: partial / half-answer; Bull: incomplete reply). A reply "
    "the interviewer cuts off is not a deflection: code the question implicit_reply."
)


async def test_span_editor_shows_the_whole_definition_of_the_highlighted_choice() -> None:
    scheme = load_scheme_file(bundled_schemes()["political-interview"])
    app = Harness(lambda: SpanEditor(scheme, "deflection", {"kind": "pivots"}, "", "I won't."))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SpanEditor)
        kind = screen.query_one("#attr-kind", Select)
        assert app.focused is kind
        # The chosen kind's definition, every line of it (the YAML wraps it over four).
        assert hint_text(screen) == PIVOTS
        await pilot.press("enter", "down")  # open the list, highlight the next kind
        await pilot.pause()
        assert kind.expanded and kind.value == "pivots"
        assert hint_text(screen) == PARTIAL
        # The open list never covers the hint, and the dialog fits above the key bar.
        overlay = kind.query_one(OptionList)
        assert not overlay.region.overlaps(screen.query_one("#hint").region)
        assert screen.query_one("#dialog").region.bottom <= 23
        await pilot.press("up", "up")  # dodges
        await pilot.pause()
        assert hint_text(screen).startswith("dodges: ignores the question's target")
        await pilot.press("escape", "tab")  # close the list, on to the note
        await pilot.pause()
        assert not screen.query_one("#hint").display


async def test_span_editor_hint_follows_checkboxes_and_choice_groups() -> None:
    unit = load_scheme_file(bundled_schemes()["bull-equivocation"]).unit("question")
    app = Harness(lambda: SpanEditor(unit, "non_reply", {}, "", "I won't.", title="Edit code"))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SpanEditor)
        assert app.focused is screen.query_one("#attr-categories", SelectionList)
        assert hint_text(screen).startswith("ignores: passes over the question")
        await pilot.press("down", "down", "down")  # attacks_question
        await pilot.pause()
        assert hint_text(screen) == (
            "attacks_question: faults the question: it misses the key issue, is hypothetical "
            "or speculative, rests on a false premise, is factually wrong, misquotes or takes "
            "words out of context, is objectionable, or offers a false choice."
        )
        hint = screen.query_one("#hint")
        height = hint.region.height
        await pilot.press("down")  # a shorter definition: the form does not move
        await pilot.pause()
        assert hint_text(screen).startswith("attacks_interviewer: criticises the interviewer")
        assert hint.region.height == height
        await pilot.press("tab")  # subcategories: a choice's group defines it
        await pilot.pause()
        assert hint_text(screen).startswith(
            "questions_question: clarification (asks what is meant); reflects"
        )


async def test_span_editor_required_error_goes_once_the_value_is_picked(scheme: Scheme) -> None:
    app = editor(scheme, label="commitment")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        error = screen.query_one("#error", Static)
        await pilot.press("ctrl+s")  # the required strength is still blank
        await pilot.pause()
        assert "'strength' of label 'commitment' is required" in str(error.content)
        assert error.display
        strength = screen.query_one("#attr-strength", Select)
        assert app.focused is strength
        await pilot.press("enter", "down", "enter")  # open the list, pick "weak"
        await pilot.pause()
        assert strength.value == "weak"
        assert not error.display and str(error.content) == ""
        # An error follows what is typed.
        screen.query_one("#attr-year").focus()
        await pilot.press("1", "e", "ctrl+s")
        await pilot.pause()
        assert "'1e' is not a number" in str(error.content) and error.display
        await pilot.press("backspace")
        await pilot.pause()
        assert not error.display
    assert app.results == []


async def test_checkboxes_read_without_colour(scheme: Scheme) -> None:
    """A ticked box shows an X, an unticked one a blank: the same without colour."""
    app = editor(scheme, label="commitment", attributes={"conditional": False})
    async with app.run_test(size=(80, 24)) as pilot:
        box = app.screen.query_one("#attr-conditional", Checkbox)
        assert "X" not in rendered(box)
        box.focus()
        await pilot.press("space")
        await pilot.pause()
        assert box.value and "X" in rendered(box)
    search = Harness(lambda: SearchPrompt("homes"))
    async with search.run_test(size=(80, 24)) as pilot:
        regex = search.screen.query_one("#regex", Checkbox)
        assert rendered(regex).startswith("▐ ▌ Regex")
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert rendered(regex).startswith("▐X▌ Regex")
