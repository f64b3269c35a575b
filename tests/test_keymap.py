"""The keymap against what the screens really bind: reserved and review-only hotkeys."""

from __future__ import annotations

import string

import pytest
from textual.binding import Binding, BindingType
from textual.keys import _character_to_key, key_to_character

from annotator.app import AnnotatorApp
from annotator.keymap import (
    ANNOTATE_KEYS,
    APP_KEYS,
    REVIEW_ONLY_CHARACTERS,
    REVIEW_SCREEN_KEYS,
    key_character,
)
from annotator.scheme import RESERVED_KEYS, load_scheme, validate_scheme
from annotator.screens.annotate import AnnotateScreen
from annotator.screens.review import ReviewScreen

PRINTABLE = [c for c in string.printable if c.isprintable()]  # ASCII, space but no tab
# Textual's key name of each printable character ("/" -> "slash"): key_to_character alone
# does not know every name back.
TEXTUAL_NAMES = {_character_to_key(c): c for c in PRINTABLE}


def bound_characters(bindings: list[BindingType]) -> set[str]:
    """The printable characters these Textual bindings react to."""
    found: set[str] = set()
    for binding in bindings:
        assert isinstance(binding, Binding)
        for key in binding.key.split(","):
            character = key_to_character(key) or TEXTUAL_NAMES.get(key)
            if character is not None and character.isprintable():
                found.add(character)
    return found


def scheme_with_hotkey(key: str) -> str:
    quoted = key.replace("'", "''")
    return f"name: t\nversion: 1\nlabels:\n  - {{id: a, hotkey: '{quoted}', color: red}}\n"


@pytest.mark.parametrize("character", PRINTABLE)
def test_key_names_agree_with_textual(character: str) -> None:
    assert key_character(_character_to_key(character)) == character


def test_every_character_of_the_annotation_screen_and_app_is_reserved() -> None:
    bound = bound_characters([*AnnotateScreen.BINDINGS, *AnnotatorApp.BINDINGS])
    assert {"j", "(", "/", "?", ":", "q", ","} <= bound  # the conversion finds names too
    assert bound <= set(RESERVED_KEYS)
    for character in bound - {" "}:  # whitespace is refused before the reserved keys
        [problem] = validate_scheme(scheme_with_hotkey(character))
        assert problem.severity == "error" and "is reserved for" in problem.message


def test_every_review_only_character_gets_a_warning_and_loads() -> None:
    review_only = bound_characters(ReviewScreen.BINDINGS) - set(RESERVED_KEYS)
    assert review_only == set(REVIEW_ONLY_CHARACTERS)
    assert {"p", "M", "A", *"123456789"} <= review_only
    for character in review_only:
        [problem] = validate_scheme(scheme_with_hotkey(character))
        assert problem.severity == "warning", problem
        assert f"hotkey '{character}' means \"" in problem.message
        assert "on the review screen" in problem.message
        assert load_scheme(scheme_with_hotkey(character)).labels[0].hotkey == character


def test_screens_bind_the_keymap_in_order() -> None:
    def ids(bindings: list[BindingType]) -> list[str | None]:
        return [binding.id for binding in bindings if isinstance(binding, Binding)]

    assert ids(AnnotateScreen.BINDINGS) == [key.id for key in ANNOTATE_KEYS]
    assert ids(ReviewScreen.BINDINGS) == [key.id for key in REVIEW_SCREEN_KEYS]
    assert ids(AnnotatorApp.BINDINGS) == ["app.quit", "app.commands"] == [k.id for k in APP_KEYS]
