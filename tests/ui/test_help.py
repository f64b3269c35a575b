"""Pilot tests for the key help and the guidelines screens."""

from __future__ import annotations

import pytest
from harness import Harness, rendered

from annotator.scheme import Scheme, load_scheme
from annotator.screens.help import GuidelinesScreen, HelpScreen, key_display, reflow

LONG = "A long guideline paragraph that needs room. " * 30
SCHEME_YAML = f"""
name: help-test
version: 2
description: For the help tests.
labels:
  - id: quote
    hotkey: t
    color: "#4c9be8"
    description: "Reported [bold]x[/bold] speech\\x1b[31m; see [link=http://e.x]here[/link]."
    examples:
      positive: ["She said [we will win]."]
      negative: ["People say [red]things[/red]."]
    attributes:
      - {{id: form, type: choice, choices: [direct, indirect], description: "How [i]quoted[/i]"}}
  - id: filler
    hotkey: f
    color: green
    description: "{LONG}"
  - id: criticism
    hotkey: c
    color: "#d9534f"
    parent: quote
    description: Attacks in the speaker's own voice.
  - id: old
    color: gray
    deprecated: true
"""
SECTIONS = [
    ("Moving", [("h,left", "Move left"), ("ctrl+z,u", "Undo [last]")]),
    ("Documents", [("D", "Mark done"), ("question_mark", "Help")]),
]


@pytest.fixture
def scheme() -> Scheme:
    return load_scheme(SCHEME_YAML)


def test_key_display() -> None:
    assert key_display("ctrl+z,u") == "Ctrl+Z / u"
    assert key_display("shift+up,K") == "Shift+↑ / K"
    assert key_display("question_mark") == "?"
    assert key_display("greater_than_sign") == ">"
    assert key_display(",") == ","
    assert key_display("escape") == "Esc"
    assert key_display("f1") == "F1"


def test_reflow_joins_hard_wrapped_lines_but_keeps_paragraphs_and_lists() -> None:
    text = "One\ntwo.\n\nList:\n- a\n  b\n- c\n"
    assert reflow(text) == "One two.\n\nList:\n- a b\n- c"


@pytest.mark.parametrize("key", ["escape", "q", "question_mark"])
async def test_help_lists_keys_and_labels_and_closes(scheme: Scheme, key: str) -> None:
    app = Harness(lambda: HelpScreen(SECTIONS, scheme))
    async with app.run_test(size=(80, 24)) as pilot:
        text = "\n".join(rendered(static) for static in app.screen.query(".section"))
        for expected in ("Moving", "h / ←", "Ctrl+Z / u", "Undo [last]", "Documents", "?"):
            assert expected in text
        labels = rendered(app.screen.query_one("#labels"))
        for expected in ("t", "Quote", "Filler", "Criticism", "Old (deprecated)"):
            assert expected in labels
        assert "Reported [bold]x[/bold] speech␛[31m" in labels
        assert "\x1b" not in labels
        await pilot.press(key)
        await pilot.pause()
    assert app.results == [None]


async def test_guidelines_show_text_literally(scheme: Scheme) -> None:
    app = Harness(lambda: GuidelinesScreen(scheme))
    async with app.run_test(size=(80, 24)) as pilot:
        quote = rendered(app.screen.query_one("#label-quote"))
        assert "Reported [bold]x[/bold] speech␛[31m; see [link=http://e.x]here[/link]." in quote
        assert "She said [we will win]." in quote and "People say [red]things[/red]." in quote
        assert "How [i]quoted[/i]" in quote and "direct | indirect" in quote
        assert "\x1b" not in quote
        criticism = rendered(app.screen.query_one("#label-criticism"))
        assert "under Quote" in criticism
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_guidelines_open_at_a_label_and_switch(scheme: Scheme) -> None:
    app = Harness(lambda: GuidelinesScreen(scheme, "criticism"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, GuidelinesScreen)
        body = screen.query_one("#body")
        assert screen.query_one("#label-criticism").has_class("-current")
        assert body.scroll_y > 0  # scrolled past the long "filler" label
        await pilot.press("right")
        await pilot.pause()
        assert screen.current_label.id == "old"
        await pilot.press("right")  # wraps around
        await pilot.pause()
        assert screen.current_label.id == "quote"
        assert body.scroll_y == 0
        await pilot.press("left")
        await pilot.pause()
        assert screen.query_one("#label-old").has_class("-current")
        await pilot.press("q")
        await pilot.pause()
    assert app.results == [None]
