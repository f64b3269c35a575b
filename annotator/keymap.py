"""The app's keys as plain data: what each screen binds, to which action, under which id.

The screens build their Textual bindings from these tables, and scheme validation reads them:
a label hotkey that the annotation screen or the app uses is refused, one that only the
review screen uses gets a warning. Keys are Textual key names (``right_parenthesis``,
``shift+left``, ``ctrl+z``), comma-separated when several keys do the same; ids are what
users remap in the keymap of their config file. No Textual here: scheme validation is part of
the domain, which never imports the UI.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class KeyBinding:
    """One entry of a screen's keys."""

    keys: str  # Textual key names, comma-separated: "u,ctrl+z"
    action: str  # a Textual action string: "move('left')"
    description: str  # as the key bar, the help screen and the command palette show it
    id: str  # the binding id a user's keymap remaps: "annotate.undo"
    show: bool = False  # in the key bar
    group: str = "App"  # the help screen section it is listed in

    def key_names(self) -> tuple[str, ...]:
        return tuple(name.strip() for name in self.keys.split(","))


_Row = tuple[str, str, str, str, bool]  # keys, action, description, id without prefix, show


def _group(prefix: str, group: str, rows: Iterable[_Row]) -> tuple[KeyBinding, ...]:
    return tuple(
        KeyBinding(keys, action, description, f"{prefix}.{name}", show, group)
        for keys, action, description, name, show in rows
    )


# The annotation screen, in the help screen's order.
ANNOTATE_KEYS: tuple[KeyBinding, ...] = (
    *_group("annotate", "Motion", [
        ("left,h", "move('left')", "Left", "left", False),
        ("right,l", "move('right')", "Right", "right", False),
        ("up,k", "vertical(-1)", "Up a row", "up", False),
        ("down,j", "vertical(1)", "Down a row", "down", False),
        ("w", "move('word_next')", "Next word", "word_next", False),
        ("b", "move('word_prev')", "Previous word", "word_prev", False),
        ("e", "move('word_end')", "End of word", "word_end", False),
        ("right_parenthesis", "move('sentence_next')", "Next sentence", "sentence_next", False),
        ("left_parenthesis", "move('sentence_prev')", "Previous sentence", "sentence_prev", False),
        ("right_curly_bracket", "move('turn_next')", "Next turn", "turn_next", False),
        ("left_curly_bracket", "move('turn_prev')", "Previous turn", "turn_prev", False),
        ("pageup", "page(-1)", "Page up", "page_up", False),
        ("pagedown", "page(1)", "Page down", "page_down", False),
        ("g,home", "move('start')", "Document start", "start", False),
        ("G,end", "move('end')", "Document end", "end", False),
    ]),
    *_group("annotate", "Selection", [
        ("v", "visual", "Select", "select", True),
        ("escape", "clear", "Clear selection", "clear", False),
        ("shift+left,H", "move('left', True)", "Extend left", "extend_left", False),
        ("shift+right,L", "move('right', True)", "Extend right", "extend_right", False),
        ("shift+up", "vertical(-1, True)", "Extend up", "extend_up", False),
        ("shift+down", "vertical(1, True)", "Extend down", "extend_down", False),
        ("W", "move('word_next', True)", "Extend to next word", "extend_word_next", False),
        ("B", "move('word_prev', True)", "Extend to previous word", "extend_word_prev", False),
        ("E", "move('word_end', True)", "Extend to end of word", "extend_word_end", False),
        ("shift+home", "move('start', True)", "Extend to start", "extend_start", False),
        ("shift+end", "move('end', True)", "Extend to end", "extend_end", False),
        ("s", "cycle_unit", "Snapping unit", "unit", True),
        ("greater_than_sign", "edge('end', True)", "Grow end edge", "grow_end", False),
        ("less_than_sign", "edge('end', False)", "Shrink end edge", "shrink_end", False),
        ("comma", "edge('start', True)", "Grow start edge", "grow_start", False),
        ("full_stop", "edge('start', False)", "Shrink start edge", "shrink_start", False),
    ]),
    *_group("annotate", "Spans", [
        ("enter", "edit", "Edit span", "edit", True),
        ("x,delete", "delete", "Delete span", "delete", True),
        ("right_square_bracket", "next_span(True)", "Next span or suggestion", "next_span", False),
        (
            "left_square_bracket",
            "next_span(False)",
            "Previous span or suggestion",
            "previous_span",
            False,
        ),
        ("a", "suggestion(True)", "Accept suggestion", "accept", False),
        ("r", "suggestion(False)", "Reject suggestion", "reject", False),
        ("u,ctrl+z", "undo", "Undo", "undo", True),
        ("ctrl+r,ctrl+y", "redo", "Redo", "redo", False),
    ]),
    *_group("annotate", "Questions", [
        ("Q", "cycle_mode", "Mode: spans, question pass, coding pass", "mode", False),
        ("vertical_line", "split_question", "Split the question at the cursor", "split", False),
        ("plus", "merge_question", "Merge the question with the next", "merge", False),
    ]),
    *_group("annotate", "Search", [
        ("slash", "search", "Search", "search", True),
        ("n", "next_match(True)", "Next match", "next_match", False),
        ("N", "next_match(False)", "Previous match", "previous_match", False),
    ]),
    *_group("annotate", "Documents and views", [
        ("D", "status('done')", "Mark done", "done", True),
        ("S", "status('skipped')", "Skip document", "skip", False),
        ("R", "reopen", "Reopen a document marked done (done is locked)", "reopen", False),
        ("J", "switch(1)", "Next document", "next_document", False),
        ("K", "switch(-1)", "Previous document", "previous_document", False),
        ("o", "documents", "Documents", "documents", True),
        ("f2", "toggle_spans", "Span list", "toggle_spans", False),
        ("tab", "focus_spans", "Focus span list", "focus_spans", False),
        ("f1", "guidelines", "Guidelines", "guidelines", False),
        ("percent_sign", "report", "Report: rates with intervals", "report", False),
        ("question_mark", "help", "Help", "help", True),
    ]),
)  # fmt: skip

# The annotation screen's modes: spans (labels on text), the question pass (marking and
# confirming the questions) and the coding pass (one code per question). Keys whose meaning
# changes with the mode keep one binding (one id, one key to remap); the screen acts by mode.
MODES = ("spans", "questions", "coding")
MODE_NAMES = {"spans": "spans", "questions": "question pass", "coding": "coding pass"}


@dataclass(frozen=True)
class InMode:
    """What a key of the annotation screen does in a question mode."""

    description: str
    show: bool = False  # in the key bar, in that mode
    explain: bool = True  # the help screen adds it to the key's description (a new meaning)


# Per question mode, the keys that mean something there (by binding id): the key bar shows
# those marked, the help screen lists every meaning beside the key's own.
IN_MODE: dict[str, dict[str, InMode]] = {
    "questions": {
        "annotate.mode": InMode("Coding pass", True, explain=False),
        "annotate.next_span": InMode("Next question", True),
        "annotate.previous_span": InMode("Previous question"),
        "annotate.edit": InMode("Confirm, or add the selection", True),
        "annotate.delete": InMode("Delete question", True),
        "annotate.split": InMode("Split", True, explain=False),
        "annotate.merge": InMode("Merge with next", True, explain=False),
        "annotate.grow_end": InMode("Grow the end of the question or response region"),
        "annotate.shrink_end": InMode("Shrink the end of the question or response region"),
        "annotate.grow_start": InMode("Grow the start of the question or response region"),
        "annotate.shrink_start": InMode("Shrink the start of the question or response region"),
        "annotate.undo": InMode("Undo", True),
        "annotate.help": InMode("Help", True),
    },
    "coding": {
        "annotate.mode": InMode("Spans", True, explain=False),
        "annotate.next_span": InMode("Next question or part", True),
        "annotate.previous_span": InMode("Previous question or part"),
        "annotate.edit": InMode("Edit the code", True),
        "annotate.delete": InMode("Clear the code", True),
        "annotate.toggle_spans": InMode("Question list"),
        "annotate.undo": InMode("Undo", True),
        "annotate.help": InMode("Help", True),
    },
}


def mode_description(binding_id: str, description: str) -> str:
    """A key's description with what it does in the question modes, for the help screen."""
    extra = [
        f"{MODE_NAMES[mode]}: {meanings[binding_id].description.lower()}"
        for mode, meanings in IN_MODE.items()
        if binding_id in meanings
        and meanings[binding_id].explain
        and meanings[binding_id].description != description
    ]
    return f"{description} ({'; '.join(extra)})" if extra else description


# The review screen's own keys; in its key bar they come before the annotation keys. With the
# question codes shown (Q), n p N P 1-9 M step through and settle question codes instead of
# spans, and Enter and x give and clear a question's gold code. n p visit the open
# disagreements; N P every one, settled or not (to look at a decision again).
REVIEW_KEYS: tuple[KeyBinding, ...] = _group("review", "Review", [
    ("n", "next_disagreement(True)", "Next disagreement", "next", True),
    ("p", "next_disagreement(False)", "Previous disagreement", "previous", False),
    (
        "N",
        "next_disagreement(True, True)",
        "Next disagreement, settled ones too",
        "next_any",
        False,
    ),
    (
        "P",
        "next_disagreement(False, True)",
        "Previous disagreement, settled ones too",
        "previous_any",
        False,
    ),
    *(
        (
            str(k),
            f"accept_version({k})",
            "Accept a version" if k == 1 else f"Accept version {k}",
            f"version_{k}",
            k == 1,
        )
        for k in range(1, 10)
    ),
    ("a", "suggestion(True)", "Accept the span under the cursor", "accept", False),
    ("r", "reject", "Reject the open versions", "reject", True),
    ("M", "auto_merge", "Auto-merge", "merge", True),
    ("A", "toggle_anonymous", "Anonymise annotators", "anonymous", False),
    ("D", "status('done')", "Mark reviewed", "done", True),
    ("Q", "toggle_questions", "Question codes", "questions", True),
])  # fmt: skip

# Annotation keys that mean something else on the review screen, or nothing (n and N step
# through disagreements there, so a search's next match is "/" and Enter again, the last
# pattern being offered; suggestions; skipping); and the few annotation keys its key bar
# shows (the rest are in help), and those whose description says more there.
_NOT_IN_REVIEW = {
    "annotate.next_match", "annotate.previous_match", "annotate.accept",
    "annotate.reject", "annotate.done", "annotate.skip", "annotate.reopen",
    # Questions are marked and coded on the annotation screen.
    "annotate.mode", "annotate.split", "annotate.merge",
}  # fmt: skip
_SHOWN_IN_REVIEW = {"annotate.edit", "annotate.undo", "annotate.documents", "annotate.help"}
_IN_REVIEW = {"annotate.search": "Search (/ and Enter again: the next match)"}

# Everything the review screen binds: its own keys first, then the annotation keys it keeps
# (same ids, so a user's keymap applies to both screens).
REVIEW_SCREEN_KEYS: tuple[KeyBinding, ...] = (
    *REVIEW_KEYS,
    *(
        replace(
            binding,
            show=binding.id in _SHOWN_IN_REVIEW,
            description=_IN_REVIEW.get(binding.id, binding.description),
        )
        for binding in ANNOTATE_KEYS
        if binding.id not in _NOT_IN_REVIEW
    ),
)

# The report screen (annotator/screens/report.py): its tables, how they are grouped, and the
# examples behind a row.
REPORT_KEYS: tuple[KeyBinding, ...] = _group("report", "Report", [
    ("escape", "close", "Back", "close", True),
    ("enter", "examples", "Examples", "examples", True),
    ("right_square_bracket", "table(1)", "Next table", "next", True),
    ("left_square_bracket", "table(-1)", "Previous table", "previous", False),
    ("b", "cycle_by", "Group by", "by", True),
    ("l", "cycle_layer", "Layer", "layer", True),
])  # fmt: skip

# Keys of the app itself, on every screen.
APP_KEYS: tuple[KeyBinding, ...] = (
    KeyBinding("q", "quit", "Quit", "app.quit", show=True),
    # Both: a binding of the palette's action replaces Textual's own ctrl+p.
    KeyBinding("colon,ctrl+p", "command_palette", "Commands", "app.commands"),
)

# The help screen's sections, in order ("Labels" holds the scheme's hotkeys).
HELP_SECTIONS = (
    "Review", "Motion", "Selection", "Labels", "Spans", "Questions", "Search",
    "Documents and views", "App",
)  # fmt: skip

# Textual's names for the printable ASCII characters that are not letters or digits (a
# letter's or digit's key name is the character itself).
KEY_CHARACTERS: dict[str, str] = {
    "space": " ", "exclamation_mark": "!", "quotation_mark": '"', "number_sign": "#",
    "dollar_sign": "$", "percent_sign": "%", "ampersand": "&", "apostrophe": "'",
    "left_parenthesis": "(", "right_parenthesis": ")", "asterisk": "*", "plus": "+",
    "comma": ",", "minus": "-", "full_stop": ".", "slash": "/", "colon": ":", "semicolon": ";",
    "less_than_sign": "<", "equals_sign": "=", "greater_than_sign": ">", "question_mark": "?",
    "at": "@", "left_square_bracket": "[", "backslash": "\\", "right_square_bracket": "]",
    "circumflex_accent": "^", "underscore": "_", "grave_accent": "`", "left_curly_bracket": "{",
    "vertical_line": "|", "right_curly_bracket": "}", "tilde": "~",
}  # fmt: skip


def key_character(name: str) -> str | None:
    """The character a key name types (``"comma"`` -> ``","``), or None for keys that type
    none (``"enter"``, ``"f1"``, ``"ctrl+z"``, ``"shift+left"``)."""
    if len(name) == 1:
        return name
    return KEY_CHARACTERS.get(name)


def characters(bindings: Iterable[KeyBinding]) -> dict[str, str]:
    """The characters these bindings take, each with the description of its first binding."""
    found: dict[str, str] = {}
    for binding in bindings:
        for name in binding.key_names():
            character = key_character(name)
            if character is not None:
                found.setdefault(character, binding.description)
    return found


# Characters no binding uses yet that the app keeps for itself, so that no scheme takes them.
KEPT_FOR_THE_APP: dict[str, str] = {"V": "the app", " ": "the app"}

# Characters a label hotkey cannot be: the annotation screen or the app uses them.
RESERVED_CHARACTERS: dict[str, str] = {
    **characters((*ANNOTATE_KEYS, *APP_KEYS)),
    **KEPT_FOR_THE_APP,
}

# Characters only the review screen uses: a hotkey may be one, but there the review key wins
# and the label is tagged from the command palette.
REVIEW_ONLY_CHARACTERS: dict[str, str] = {
    character: description
    for character, description in characters(REVIEW_SCREEN_KEYS).items()
    if character not in RESERVED_CHARACTERS
}


def default_key(binding_id: str) -> str:
    """The first key a binding has by default, as typed (``"R"`` for ``annotate.reopen``)."""
    for binding in (*ANNOTATE_KEYS, *REVIEW_KEYS, *REPORT_KEYS, *APP_KEYS):
        if binding.id == binding_id:
            name = binding.key_names()[0]
            return key_character(name) or name
    raise KeyError(binding_id)
