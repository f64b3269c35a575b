"""The editing model (annotator.editor.Editor) driven directly, without Textual.

One three-turn interview (two speakers) in a project with the tiny scheme: cursor motions,
vim-style inclusive selections snapped to word / sentence / turn, growing and shrinking the
edges of a selection and of a span, tagging, updating, deleting, undo/redo (also after a
restart), search, suggestions from another layer, blind layers, and status/cursor
persistence. A hypothesis test checks that random edits keep the editor's in-memory layer
and span index equal to what the project stores.

Offsets into TEXT (for reading the expectations below):

    0 Will  5 you  9 raise  15 taxes  20 ?  22 Yes  26 or  29 no  31 .      (turn 0: 0-32)
    34 I  36 won't  42 say  45 .  47 They  52 failed  59 the  63 country  70 .
    72 We  75 will  80 build  86 homes  91 .                                (turn 1: 34-92)
    94 No  97 new  101 taxes  106 .  108 Never  113 .                       (turn 2: 94-114)
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from conftest import FIXTURES, layout
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.editor import Editor
from annotator.errors import AnnotatorError, DocumentLocked, MergeConflict
from annotator.model import ImportedDocument, Span, Turn
from annotator.scheme import Scheme, load_scheme, load_scheme_file
from annotator.store import Project, ProjectError

TURNS = [
    ("INTERVIEWER", "Will you raise taxes? Yes or no."),
    ("MINISTER", "I won't say. They failed the country. We will build homes."),
    ("INTERVIEWER", "No new taxes. Never."),
]
TEXT, TURN_LIST = layout([text for _, text in TURNS], [speaker for speaker, _ in TURNS])
LAST = len(TEXT) - 1  # 113: the cursor never goes past the last character


def interview() -> ImportedDocument:
    return ImportedDocument("Interview", TEXT, tuple(TURN_LIST), "text", "interview.md")


@pytest.fixture
def doc(project: Project) -> int:
    return project.add_documents([interview()])[0].document_id


@pytest.fixture
def editor(project: Project, doc: int) -> Editor:
    return Editor(project, doc, "alice")


def chars(bounds: tuple[int, int] | None) -> str | None:
    """The text a ``[start, end)`` covers (None for no range)."""
    return None if bounds is None else TEXT[bounds[0] : bounds[1]]


def select(editor: Editor, anchor: int, cursor: int) -> None:
    """Shift+motion style: cursor to ``anchor``, then extend to ``cursor``."""
    editor.move_to(anchor)
    editor.move_to(cursor, extend=True)


def stored(project: Project, doc: int, annotator: str = "alice") -> dict[int, Span]:
    return {span.id: span for span in project.spans(doc, annotator=annotator)}


def summary(spans: dict[int, Span]) -> dict[int, tuple]:
    """What an edit may change about each span, by id."""
    return {
        span_id: (span.label, span.start, span.end, dict(span.attributes), span.note)
        for span_id, span in spans.items()
    }


def assert_in_sync(editor: Editor, project: Project) -> None:
    """The editor's layer is exactly the stored one, and its index agrees with it."""
    on_disk = stored(project, editor.id, editor.annotator)
    assert summary(editor.spans) == summary(on_disk)
    for offset in range(len(TEXT)):
        expected = {s.id for s in on_disk.values() if s.start <= offset < s.end}
        assert {ref.key for ref in editor.index.at(offset)} == expected, offset


def test_document_has_three_turns_for_snapping(editor: Editor) -> None:
    assert [(t.start, t.end, t.speaker) for t in editor.turns] == [
        (0, 32, "INTERVIEWER"),
        (34, 92, "MINISTER"),
        (94, 114, "INTERVIEWER"),
    ]
    assert editor.cursor == 0 and editor.selection is None
    assert editor.unit == "word"  # the scheme's default snap
    assert editor.turn_at(33).index == 0 and editor.turn_at(50).index == 1


# ---- cursor and motions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "name", "expected"),
    [
        (0, "right", 1),
        (0, "left", 0),  # the motion says -1; move_to clamps to the text
        (0, "word_next", 5),
        (31, "word_next", 34),  # from the "." over the blank line into the next turn
        (9, "word_prev", 5),
        (34, "word_prev", 31),
        (0, "word_end", 3),
        (3, "word_end", 7),
        (0, "sentence_next", 22),
        (50, "sentence_next", 72),
        (72, "sentence_next", 94),
        (50, "sentence_prev", 47),
        (34, "sentence_prev", 22),
        (0, "turn_next", 34),
        (50, "turn_next", 94),
        (100, "turn_next", LAST),  # the motion says len(TEXT); the cursor stops on the "."
        (50, "turn_prev", 34),
        (33, "turn_prev", 0),
        (50, "start", 0),
        (0, "end", LAST),
    ],
)
def test_motion_then_move_to_lands_on_exact_offset(
    editor: Editor, start: int, name: str, expected: int
) -> None:
    editor.move_to(start)
    editor.move_to(editor.motion(name))
    assert editor.cursor == expected
    assert editor.selection is None


def test_move_to_clamps_and_unknown_motion_is_refused(editor: Editor) -> None:
    editor.move_to(-5)
    assert editor.cursor == 0
    editor.move_to(10_000)
    assert editor.cursor == LAST
    with pytest.raises(ValueError, match="unknown motion 'sideways'"):
        editor.motion("sideways")


def test_extend_selects_inclusively_and_snaps_to_words(editor: Editor) -> None:
    select(editor, 48, 53)  # "hey f" -> whole words
    assert (editor.anchor, editor.cursor) == (48, 53)
    assert editor.selection == (47, 58)
    assert chars(editor.selection) == "They failed"
    editor.move_to(45, extend=True)  # backwards past the anchor: the anchor stays
    assert editor.anchor == 48
    assert editor.selection == (45, 51)  # ". They": "." is a word of its own
    editor.move_to(46, extend=True)  # a space at the edge is trimmed
    assert editor.selection == (47, 51)
    editor.move_to(60)  # a plain motion ends the selection
    assert editor.selection is None and editor.anchor is None


def test_extend_in_character_unit_includes_the_cursor_cell(editor: Editor) -> None:
    editor.unit = "character"
    select(editor, 48, 53)
    assert editor.selection == (48, 54)  # anchor and cursor cells both included
    select(editor, 53, 53)
    assert editor.selection == (53, 54)


def test_toggle_visual_starts_and_ends_a_selection(editor: Editor) -> None:
    editor.move_to(48)
    editor.toggle_visual()
    assert editor.visual and editor.selection == (47, 51)  # "They"
    editor.move_to(editor.motion("word_next"))  # plain motions extend in visual mode
    assert editor.cursor == 52
    assert chars(editor.selection) == "They failed"
    editor.toggle_visual()
    assert not editor.visual and editor.selection is None
    # A shift-selection is ended by `v` too, rather than turned into visual mode.
    select(editor, 0, 6)
    editor.toggle_visual()
    assert editor.selection is None and not editor.visual


def test_cycle_unit_resnaps_the_selection(editor: Editor) -> None:
    select(editor, 48, 53)
    seen = []
    for _ in range(4):
        unit = editor.cycle_unit()
        assert unit == editor.unit
        seen.append((unit, editor.selection))
    assert seen == [
        ("sentence", (47, 71)),  # "They failed the country."
        ("turn", (34, 92)),  # the minister's whole turn
        ("character", (48, 54)),  # "hey fa"
        ("word", (47, 58)),  # back where it started
    ]


@pytest.mark.parametrize(
    ("unit", "cursor", "expected"),
    [
        ("character", 50, (50, 51)),
        ("word", 38, (36, 41)),  # "won't" is one word
        ("word", 46, (47, 51)),  # on a space: the next word
        ("word", 33, (34, 35)),  # between turns: the next turn's first word
        ("sentence", 50, (47, 71)),
        ("sentence", 71, (72, 92)),  # the space after a sentence: the next one
        ("turn", 50, (34, 92)),
        ("turn", 33, (34, 92)),  # between turns: the next turn
        ("turn", LAST, (94, 114)),
    ],
)
def test_target_without_selection_is_unit_under_cursor(
    editor: Editor, unit: str, cursor: int, expected: tuple[int, int]
) -> None:
    editor.unit = unit
    editor.move_to(cursor)
    assert editor.selection is None
    assert editor.target() == expected


def test_target_is_the_selection_when_there_is_one(editor: Editor) -> None:
    select(editor, 5, 16)
    assert editor.target() == (5, 20) == editor.selection  # "you raise taxes"


# ---- resizing a selection ------------------------------------------------------------------


def test_resize_selection_moves_each_edge_by_a_word(editor: Editor) -> None:
    editor.move_to(47)
    editor.toggle_visual()
    assert chars(editor.selection) == "They"
    editor.resize_selection("end", grow=True)
    assert editor.selection == (47, 58)  # + "failed"
    assert editor.cursor == 57  # the cursor sits on the moved edge
    editor.resize_selection("start", grow=True)
    assert editor.selection == (45, 58)  # + "." (the space is skipped)
    assert editor.cursor == 45
    editor.resize_selection("end", grow=False)
    assert editor.selection == (45, 51)  # ". They"
    editor.resize_selection("start", grow=False)
    assert editor.selection == (47, 51)  # "They"
    # A one-word selection cannot shrink further from either edge.
    editor.resize_selection("start", grow=False)
    editor.resize_selection("end", grow=False)
    assert editor.selection == (47, 51)
    # Motions continue from the moved edge, still extending the selection.
    editor.move_to(editor.motion("word_next"))
    assert editor.selection == (47, 58)


def test_resize_selection_without_selection_starts_from_unit_under_cursor(
    editor: Editor,
) -> None:
    editor.move_to(50)
    editor.resize_selection("end", grow=True)
    assert editor.visual
    assert editor.selection == (47, 58)  # "They" + "failed"


def test_resize_selection_by_sentence_reaches_into_the_turn_before(
    editor: Editor,
) -> None:
    editor.unit = "sentence"
    editor.move_to(50)
    editor.resize_selection("end", grow=True)
    assert editor.selection == (47, 92)  # + "We will build homes."
    editor.resize_selection("start", grow=True)
    assert editor.selection == (34, 92)  # + "I won't say."
    editor.resize_selection("start", grow=True)
    assert editor.selection == (22, 92)  # + "Yes or no." from the turn before
    editor.resize_selection("start", grow=False)
    editor.resize_selection("start", grow=False)
    editor.resize_selection("end", grow=False)
    assert editor.selection == (47, 71)


def test_resize_selection_by_turn(editor: Editor) -> None:
    editor.unit = "turn"
    editor.move_to(50)
    editor.resize_selection("end", grow=True)
    assert editor.selection == (34, 114)
    editor.resize_selection("start", grow=True)
    assert editor.selection == (0, 114)
    editor.resize_selection("start", grow=True)  # nothing before the first turn
    assert editor.selection == (0, 114)
    editor.resize_selection("end", grow=False)
    editor.resize_selection("start", grow=False)
    assert editor.selection == (34, 92)


# ---- tagging -------------------------------------------------------------------------------


def test_tag_stores_the_selection_and_clears_it(editor: Editor, project: Project, doc: int) -> None:
    select(editor, 48, 53)
    changed = editor.tag("quote")
    assert changed == [(47, 58)]
    assert editor.selection is None and not editor.visual
    [span] = editor.spans.values()
    assert (span.label, span.start, span.end) == ("quote", 47, 58)
    assert span.attributes == {"form": "direct"}  # the scheme's default
    assert span.annotator == "alice"
    assert stored(project, doc) == editor.spans
    assert editor.status == "in_progress" == project.status(doc, "alice")


def test_tag_without_selection_tags_the_unit_under_the_cursor(
    editor: Editor, project: Project, doc: int
) -> None:
    editor.unit = "sentence"
    editor.move_to(40)
    assert editor.tag("quote", {"form": "indirect", "source": "BBC"}, note="hedge") == [(34, 46)]
    [span] = project.spans(doc, annotator="alice")
    assert (span.start, span.end, span.note) == (34, 46, "hedge")
    assert span.attributes == {"form": "indirect", "source": "BBC"}
    assert editor.spans == {span.id: span}


def test_required_attributes_must_be_given(editor: Editor, project: Project, doc: int) -> None:
    assert editor.needs_attributes("criticism")  # "target" is required, without a default
    assert not editor.needs_attributes("quote")
    select(editor, 47, 57)
    with pytest.raises(AnnotatorError, match="target"):
        editor.tag("criticism")
    assert project.spans(doc, annotator="alice") == [] and editor.spans == {}
    assert editor.selection == (47, 58)  # kept, so the attributes can be asked for
    editor.tag("criticism", {"target": "previous government"})
    [span] = editor.spans.values()
    assert span.attributes == {"target": "previous government", "personal": False}
    assert stored(project, doc) == editor.spans


def test_tag_over_a_span_of_the_same_label_merges_them(
    editor: Editor, project: Project, doc: int
) -> None:
    editor.move_to(47)
    editor.tag("quote")
    [first] = editor.spans
    select(editor, 52, 60)  # "failed the", next to but not overlapping "They"
    editor.tag("quote")
    assert len(editor.spans) == 2
    select(editor, 48, 53)  # overlaps both: the scheme merges same-label overlaps
    changed = editor.tag("quote")
    assert set(changed) >= {(47, 51), (52, 62), (47, 62)}
    [merged] = editor.spans.values()
    assert merged.id != first
    assert (merged.start, merged.end) == (47, 62)
    assert stored(project, doc) == editor.spans


# ---- updating, resizing and deleting spans -------------------------------------------------


def test_update_changes_label_attributes_and_note(
    editor: Editor, project: Project, doc: int
) -> None:
    editor.move_to(47)
    editor.tag("quote")
    [span_id] = editor.spans
    changed = editor.update(span_id, label="quote", attributes={"form": "indirect"}, note="n1")
    assert changed == [(47, 51), (47, 51)]
    assert editor.spans[span_id].attributes == {"form": "indirect"}
    assert editor.spans[span_id].note == "n1"
    editor.update(span_id, label="criticism", attributes={"target": "them"}, note="")
    span = editor.spans[span_id]
    assert (span.label, span.start, span.end, span.note) == ("criticism", 47, 51, "")
    assert span.attributes == {"target": "them", "personal": False}
    assert project.span(span_id) == span
    assert [ref.label for ref in editor.index.at(48)] == ["criticism"]


def test_refused_update_leaves_editor_and_project_unchanged(
    editor: Editor, project: Project, doc: int
) -> None:
    editor.move_to(47)
    editor.tag("quote")
    [span_id] = editor.spans
    before = dict(editor.spans)
    with pytest.raises(AnnotatorError, match="target"):
        editor.update(span_id, label="criticism", attributes={}, note="")
    assert editor.spans == before == stored(project, doc)


def test_resize_span_moves_an_edge_and_the_cursor_follows(
    editor: Editor, project: Project, doc: int
) -> None:
    editor.move_to(47)
    editor.tag("quote")
    [span_id] = editor.spans
    editor.move_to(0)

    def bounds() -> tuple[int, int]:
        span = editor.spans[span_id]
        assert project.span(span_id) == span
        return span.start, span.end

    assert editor.resize_span(span_id, "end", grow=True) == [(47, 51), (47, 58)]
    assert bounds() == (47, 58) and editor.cursor == 57  # on the "d" of "failed"
    editor.resize_span(span_id, "end", grow=True)
    assert bounds() == (47, 62) and editor.cursor == 61
    editor.resize_span(span_id, "start", grow=True)
    assert bounds() == (45, 62) and editor.cursor == 45
    editor.resize_span(span_id, "start", grow=False)
    assert bounds() == (47, 62) and editor.cursor == 47
    editor.resize_span(span_id, "end", grow=False)
    assert bounds() == (47, 58) and editor.cursor == 57
    assert chars(bounds()) == "They failed"
    assert editor.selection is None
    assert [s.id for s in editor.spans_at(56)] == [span_id]
    assert editor.spans_at(60) == []  # the index forgot the old extent


def test_resize_span_that_cannot_move_changes_nothing(
    editor: Editor, project: Project, doc: int
) -> None:
    editor.move_to(LAST)
    editor.tag("quote")  # the final "."
    [span_id] = editor.spans
    before = project.span(span_id)
    assert editor.resize_span(span_id, "end", grow=True) == []  # nothing after it
    assert editor.resize_span(span_id, "end", grow=False) == []  # one word: cannot shrink
    assert editor.resize_span(span_id, "start", grow=False) == []
    assert project.span(span_id) == before == editor.spans[span_id]


def test_resize_span_by_sentence(editor: Editor, project: Project, doc: int) -> None:
    editor.unit = "sentence"
    editor.move_to(50)
    editor.tag("quote")
    [span_id] = editor.spans
    editor.resize_span(span_id, "end", grow=True)
    assert (editor.spans[span_id].start, editor.spans[span_id].end) == (47, 92)
    assert editor.cursor == 91
    assert stored(project, doc) == editor.spans


def test_delete_removes_span_from_editor_index_and_project(
    editor: Editor, project: Project, doc: int
) -> None:
    editor.move_to(47)
    editor.tag("quote")
    editor.move_to(0)
    editor.tag("quote")
    first, second = sorted(editor.spans)
    assert editor.delete(second) == [(0, 4)]
    assert list(editor.spans) == [first]
    assert editor.index.at(2) == []
    assert [s.id for s in project.spans(doc, annotator="alice")] == [first]
    with pytest.raises(ProjectError):
        editor.delete(second)  # already gone


# ---- undo and redo -------------------------------------------------------------------------


def test_undo_and_redo_restore_exactly_and_move_the_cursor(
    editor: Editor, project: Project, doc: int
) -> None:
    history = [summary(editor.spans)]
    editor.move_to(47)
    editor.tag("quote")
    [span_id] = editor.spans
    history.append(summary(editor.spans))
    editor.update(span_id, label="quote", attributes={"form": "indirect"}, note="why")
    history.append(summary(editor.spans))
    editor.resize_span(span_id, "end", grow=True)
    history.append(summary(editor.spans))
    editor.delete(span_id)
    history.append(summary(editor.spans))
    assert history[-1] == {}

    for state in reversed(history[:-1]):
        editor.move_to(LAST)
        select(editor, 0, 5)
        assert editor.undo() != []
        assert summary(editor.spans) == state  # same id, offsets, attributes and note
        assert summary(stored(project, doc)) == state
        assert editor.cursor == 47  # moved to the change, selection dropped
        assert editor.selection is None
    assert editor.undo() == []  # nothing left to undo
    assert editor.spans == {}

    for state in history[1:]:
        editor.move_to(0)
        assert editor.redo() != []
        assert summary(editor.spans) == state
        assert summary(stored(project, doc)) == state
        assert editor.cursor == 47
    assert editor.redo() == []


def test_undo_of_a_merge_brings_both_spans_back_with_their_ids(
    editor: Editor, project: Project, doc: int
) -> None:
    editor.move_to(47)
    editor.tag("quote")
    select(editor, 52, 60)
    editor.tag("quote")
    before = summary(editor.spans)
    select(editor, 48, 53)
    editor.tag("quote")
    assert len(editor.spans) == 1
    editor.undo()
    assert summary(editor.spans) == before == summary(stored(project, doc))
    assert_in_sync(editor, project)


def test_a_new_edit_clears_the_redo_stack(editor: Editor, project: Project, doc: int) -> None:
    editor.move_to(0)
    editor.tag("quote")
    editor.undo()
    editor.move_to(94)
    editor.tag("quote")
    assert editor.redo() == []
    assert [(s.start, s.end) for s in editor.spans.values()] == [(94, 96)]


def test_undo_and_redo_after_a_restart(tmp_path: Path, tiny_scheme: Scheme) -> None:
    path = tmp_path / "restart.db"
    with Project.create(path, tiny_scheme) as project:
        doc = project.add_documents([interview()])[0].document_id
        editor = Editor(project, doc, "alice")
        editor.move_to(0)
        editor.tag("quote")
        editor.move_to(47)
        editor.tag("quote")
        ids = sorted(editor.spans)
        first = editor.spans[ids[0]]
        editor.save_cursor()
    with Project.open(path) as project:
        editor = Editor(project, doc, "alice")
        assert sorted(editor.spans) == ids
        assert editor.cursor == 47
        editor.move_to(0)
        assert editor.undo() == [(47, 51)]
        assert editor.cursor == 47
        assert editor.undo() == [(0, 4)]
        assert editor.spans == {} == stored(project, doc)
        assert editor.redo() == [(0, 4)]
        assert editor.spans == {first.id: first} == stored(project, doc)
        # A second editor on the same connection continues the same history.
        again = Editor(project, doc, "alice")
        again.redo()
        assert sorted(again.spans) == ids
        assert_in_sync(again, project)


def test_the_snapping_unit_is_remembered_per_annotator(project: Project, doc: int) -> None:
    editor = Editor(project, doc, "alice")
    assert editor.unit == project.scheme.settings.snap == "word"
    assert editor.cycle_unit() == "sentence"
    assert Editor(project, doc, "alice").unit == "sentence"  # another document, or a restart
    assert Editor(project, doc, "bob").unit == "word"  # each annotator their own
    with pytest.raises(ProjectError, match="unknown snapping unit"):
        project.set_snap_unit("alice", "paragraph")


# ---- search --------------------------------------------------------------------------------


def test_plain_search_is_case_insensitive_and_literal(editor: Editor) -> None:
    assert editor.find("TAXES") == 2
    assert editor.search is not None and not editor.search.regex
    assert list(zip(editor.search.starts, editor.search.ends, strict=True)) == [
        (15, 20),
        (101, 106),
    ]
    assert editor.find(".") == 6  # a plain "." is a full stop, not any character
    assert editor.search.starts == [31, 45, 70, 91, 106, 113]
    assert editor.find("nothing like this") == 0
    assert editor.next_match() is None


def test_regex_search_is_case_insensitive_multiline_and_skips_empty_matches(
    editor: Editor,
) -> None:
    assert editor.find(r"\bFAIL\w*", regex=True) == 1
    assert editor.next_match() == (52, 58)
    assert editor.find(r"^no", regex=True) == 1  # ^ matches at every line start
    assert editor.next_match() == (94, 96)
    assert editor.find(r"\b", regex=True) == 0  # empty matches are not matches


def test_plain_search_takes_typographic_quotes_and_dashes_as_straight_ones(
    project: Project,
) -> None:
    """Offsets are the text's own: folding keeps every character's place."""
    text = "I don\u2019t want to talk \u2014 \u201cnot\u201d now\u00a0\u2013 it\u2018s late."
    [added] = project.add_documents(
        [ImportedDocument("Curly", text, (Turn(0, 0, len(text), "A"),), "text")]
    )
    editor = Editor(project, added.document_id, "alice")
    for pattern, found in [
        ("don't want to talk", "don\u2019t want to talk"),
        ("DON\u2019T WANT", "don\u2019t want"),  # typed curly: found as well
        ('talk - "not" now -', "talk \u2014 \u201cnot\u201d now\u00a0\u2013"),
        ("it's", "it\u2018s"),
    ]:
        assert editor.find(pattern) == 1, pattern
        assert editor.search is not None
        assert text[editor.search.starts[0] : editor.search.ends[0]] == found
    assert editor.text == text  # the stored text is never normalised
    # A regular expression is matched against the text as it is.
    assert editor.find("don't", regex=True) == 0
    assert editor.find("don\u2019t", regex=True) == 1
    assert editor.find("don.t", regex=True) == 1


def test_fold_keeps_every_offset() -> None:
    from annotator.editor import SEARCH_FOLD, fold

    everything = "".join(chr(code) for code in SEARCH_FOLD) + "plain ASCII"
    assert len(fold(everything)) == len(everything)
    assert all(len(chr(code).translate(SEARCH_FOLD)) == 1 for code in SEARCH_FOLD)


def test_plain_search_finds_straight_apostrophes_in_a_real_transcript(
    real_data: Path, project: Project
) -> None:
    from annotator.io import read_transcript

    [added] = project.add_documents(
        read_transcript(real_data / "wh_2025-02-18_interview_trump_musk_hannity.md")
    )
    editor = Editor(project, added.document_id, "alice")
    assert "don't want to talk" not in editor.text  # the White House writes "don’t"
    assert editor.find("don't want to talk") == 1
    assert editor.search is not None
    start, end = editor.search.starts[0], editor.search.ends[0]
    assert editor.text[start:end] == "don\u2019t want to talk"
    assert editor.find("don\u2019t want to talk") == 1


def test_next_match_wraps_forward_and_backward(editor: Editor) -> None:
    editor.find("no")
    assert editor.search is not None
    assert editor.search.starts == [29, 94]
    editor.move_to(0)
    assert editor.next_match() == (29, 31)
    assert editor.next_match(forward=False) == (94, 96)  # wraps to the last match
    editor.move_to(29)  # on a match: the next one is strictly after it
    assert editor.next_match() == (94, 96)
    assert editor.next_match(forward=False) == (94, 96)
    editor.move_to(94)
    assert editor.next_match() == (29, 31)  # wraps to the first match
    assert editor.next_match(forward=False) == (29, 31)
    editor.move_to(LAST)
    assert editor.next_match() == (29, 31)


def test_next_match_without_search_is_none(editor: Editor) -> None:
    assert editor.search is None
    assert editor.next_match() is None
    assert editor.matches_in(0, len(TEXT)) == []


def test_matches_in_lists_matches_intersecting_a_range(editor: Editor) -> None:
    editor.find("taxes")
    assert editor.matches_in(0, len(TEXT)) == [(15, 20), (101, 106)]
    assert editor.matches_in(16, 17) == [(15, 20)]  # inside a match
    assert editor.matches_in(19, 102) == [(15, 20), (101, 106)]  # overlapping both ends
    assert editor.matches_in(20, 101) == []  # touching is not intersecting
    assert editor.matches_in(0, 15) == []


# ---- suggestions ---------------------------------------------------------------------------


@pytest.fixture
def model_spans(project: Project, doc: int) -> list[Span]:
    """Another layer ("model") offering three spans to alice."""
    return [
        project.create_span(doc, "model", "quote", 0, 4),
        project.create_span(
            doc, "model", "criticism", 47, 71, {"target": "government"}, note="from model"
        ),
        project.create_span(doc, "model", "quote", 94, 106),
    ]


@pytest.fixture
def suggesting(project: Project, doc: int, model_spans: list[Span]) -> Editor:
    return Editor(project, doc, "alice", suggestions_from="model")


def test_suggestions_are_offered_but_not_in_the_layer(
    suggesting: Editor, model_spans: list[Span]
) -> None:
    quote, criticism, later = model_spans
    assert set(suggesting.suggestions) == {quote.id, criticism.id, later.id}
    assert suggesting.spans == {}
    assert suggesting.progress() == "3 suggested"
    assert [s.id for s in suggesting.suggestions_at(2)] == [quote.id]
    assert [s.id for s in suggesting.suggestions_at(60)] == [criticism.id]
    assert suggesting.suggestions_at(33) == []
    suggesting.move_to(50)
    assert [s.id for s in suggesting.suggestions_at()] == [criticism.id]  # at the cursor


def test_an_editor_without_a_source_offers_nothing(editor: Editor, model_spans: list[Span]) -> None:
    assert editor.suggestions == {}
    assert editor.progress() is None
    assert editor.suggestions_at(2) == []


def test_accept_copies_into_own_layer_and_withdraws_the_suggestion(
    suggesting: Editor, project: Project, doc: int, model_spans: list[Span]
) -> None:
    quote, criticism, later = model_spans
    changed = suggesting.accept(criticism.id)
    assert (47, 71) in changed
    [copy] = suggesting.spans.values()
    assert copy.id != criticism.id and copy.annotator == "alice"
    assert (copy.label, copy.start, copy.end) == ("criticism", 47, 71)
    assert copy.attributes == {"target": "government", "personal": False}
    assert copy.note == "from model"
    assert stored(project, doc) == suggesting.spans
    assert set(suggesting.suggestions) == {quote.id, later.id}
    assert suggesting.suggestions_at(60) == []
    assert stored(project, doc, "model") == {s.id: s for s in model_spans}  # source untouched

    suggesting.move_to(0)
    assert suggesting.undo() != []  # undoing the accept offers it again
    assert suggesting.cursor == 47
    assert suggesting.spans == {} == stored(project, doc)
    assert set(suggesting.suggestions) == {quote.id, criticism.id, later.id}
    suggesting.redo()
    assert set(suggesting.suggestions) == {quote.id, later.id}
    assert summary(suggesting.spans) == summary({copy.id: copy})


def test_reject_withdraws_the_suggestion_and_undo_offers_it_again(
    suggesting: Editor, project: Project, doc: int, model_spans: list[Span]
) -> None:
    quote, criticism, later = model_spans
    assert suggesting.reject(quote.id) == [(0, 4)]
    assert set(suggesting.suggestions) == {criticism.id, later.id}
    assert suggesting.spans == {} == stored(project, doc)  # nothing copied
    assert suggesting.progress() == "2 suggested"
    # A new editor (a restart) does not offer it either.
    assert quote.id not in Editor(project, doc, "alice", suggestions_from="model").suggestions

    suggesting.move_to(100)
    assert suggesting.undo() == [(0, 4)]
    assert suggesting.cursor == 0  # moved to the suggestion offered again
    assert set(suggesting.suggestions) == {quote.id, criticism.id, later.id}
    assert quote.id in Editor(project, doc, "alice", suggestions_from="model").suggestions
    assert suggesting.redo() == [(0, 4)]
    assert quote.id not in suggesting.suggestions


def test_own_span_matching_a_suggestion_withdraws_it(
    suggesting: Editor, model_spans: list[Span]
) -> None:
    quote = model_spans[0]
    suggesting.move_to(0)
    suggesting.tag("quote")  # the same label and offsets as the suggestion
    assert quote.id not in suggesting.suggestions
    [own] = suggesting.spans
    suggesting.delete(own)
    assert quote.id in suggesting.suggestions


def test_next_span_visits_spans_and_suggestions_in_text_order(
    suggesting: Editor, model_spans: list[Span]
) -> None:
    quote, criticism, later = model_spans
    suggesting.move_to(36)
    suggesting.tag("quote")  # own span on "won't"
    [own] = suggesting.spans
    suggesting.move_to(0)
    forward = []
    while (found := suggesting.next_span()) is not None:
        forward.append(found.id)
        suggesting.move_to(found.start)
    assert forward == [own, criticism.id, later.id]
    backward = []
    while (found := suggesting.next_span(forward=False)) is not None:
        backward.append(found.id)
        suggesting.move_to(found.start)
    assert backward == [criticism.id, own, quote.id]


def test_next_span_without_anything_is_none(editor: Editor) -> None:
    assert editor.next_span() is None
    assert editor.next_span(forward=False) is None


# ---- overlapping layers ------------------------------------------------------------------


def test_spans_at_lists_nested_spans_innermost_first(editor: Editor, project: Project) -> None:
    editor.unit = "turn"
    editor.move_to(50)
    editor.tag("quote")  # the whole turn
    editor.unit = "sentence"
    editor.tag("criticism", {"target": "them"})  # "They failed the country."
    assert [(s.label, s.start, s.end) for s in editor.spans_at(50)] == [
        ("criticism", 47, 71),
        ("quote", 34, 92),
    ]
    assert [(s.label, s.start, s.end) for s in editor.spans_at(40)] == [("quote", 34, 92)]
    assert editor.spans_at(10) == []
    editor.move_to(50)
    assert editor.spans_at() == editor.spans_at(50)
    # A word of the same label inside the sentence merges into it (tiny scheme: merge), but
    # never at the cost of an attribute value.
    editor.unit = "word"
    with pytest.raises(MergeConflict, match=r"'them'.*'they'"):
        editor.tag("criticism", {"target": "they"})
    editor.tag("criticism", {"target": "them"})
    assert [(s.label, s.start, s.end) for s in editor.spans_at(50)] == [
        ("criticism", 47, 71),
        ("quote", 34, 92),
    ]
    assert_in_sync(editor, project)


NESTING_SCHEME = """
name: nesting
version: 1
settings:
  snap: sentence
  same_label_overlap: refuse
labels:
  - id: claim
    color: "#1f77b4"
  - id: quote
    color: "#ff7f0e"
  - id: hedge
    color: "#2ca02c"
"""


def test_spans_at_orders_three_nested_levels_innermost_first(tmp_path: Path) -> None:
    with Project.create(tmp_path / "nest.db", load_scheme(NESTING_SCHEME)) as project:
        doc = project.add_documents([interview()])[0].document_id
        editor = Editor(project, doc, "alice")
        assert editor.unit == "sentence"  # the scheme's snap setting
        editor.move_to(50)
        editor.tag("hedge")  # "They failed the country."
        editor.unit = "turn"
        editor.tag("claim")  # the minister's turn
        editor.unit = "word"
        editor.tag("quote")  # "They"
        assert [(s.label, s.start, s.end) for s in editor.spans_at(50)] == [
            ("quote", 47, 51),
            ("hedge", 47, 71),
            ("claim", 34, 92),
        ]
        assert [s.label for s in editor.spans_at(60)] == ["hedge", "claim"]
        assert [s.label for s in editor.spans_at(40)] == ["claim"]
        # This scheme refuses overlapping spans of one label: nothing changes.
        before = dict(editor.spans)
        select(editor, 48, 60)
        with pytest.raises(ProjectError, match="overlap"):
            editor.tag("quote")
        assert editor.spans == before == stored(project, doc)
        assert editor.selection == (47, 62)
        assert_in_sync(editor, project)


def test_blind_editor_never_holds_another_annotators_spans(project: Project, doc: int) -> None:
    bob_span = project.create_span(doc, "bob", "quote", 0, 4)
    alice = Editor(project, doc, "alice")
    assert alice.spans == {}
    assert alice.spans_at(2) == [] and alice.next_span() is None
    alice.move_to(47)
    alice.tag("quote")
    bob = Editor(project, doc, "bob")
    assert list(bob.spans) == [bob_span.id]
    bob.move_to(94)
    bob.tag("quote")
    assert {s.annotator for s in alice.spans.values()} == {"alice"}
    assert len(alice.spans) == 1
    # alice's undo takes back alice's edit, not bob's later one.
    alice.undo()
    assert alice.spans == {}
    assert len(stored(project, doc, "bob")) == 2
    with pytest.raises(ProjectError, match="belongs to bob"):
        alice.delete(bob_span.id)
    assert_in_sync(alice, project)
    assert_in_sync(bob, project)


def test_rejecting_an_already_rejected_suggestion_changes_nothing(
    project: Project, doc: int, model_spans: list[Span]
) -> None:
    quote = model_spans[0]
    alice = Editor(project, doc, "alice", suggestions_from="model")
    alice.reject(quote.id)
    bob = Editor(project, doc, "bob")
    bob.move_to(5)
    bob.tag("quote")  # the latest edit on this shared connection
    changed = alice.reject(quote.id)  # already rejected: the store writes nothing
    assert {s.annotator for s in alice.spans.values()} <= {"alice"}
    assert alice.spans == stored(project, doc, "alice") == {}
    assert changed == []


# ---- status and cursor -------------------------------------------------------------------


def test_status_and_cursor_persist_for_the_next_editor(
    editor: Editor, project: Project, doc: int
) -> None:
    assert editor.status == "new"
    editor.move_to(72)
    editor.save_cursor()
    editor.set_status("done")
    assert editor.status == "done"
    assert project.status(doc, "alice") == "done"
    assert project.cursor(doc, "alice") == 72
    again = Editor(project, doc, "alice")
    assert (again.cursor, again.status) == (72, "done")
    assert again.selection is None
    # Another annotator's session starts fresh.
    other = Editor(project, doc, "bob")
    assert (other.cursor, other.status) == (0, "new")


def test_tagging_a_new_document_marks_it_in_progress_and_done_is_locked(
    editor: Editor, project: Project, doc: int
) -> None:
    editor.move_to(0)
    editor.tag("quote")
    assert editor.status == "in_progress" == project.status(doc, "alice")
    editor.set_status("done")
    editor.move_to(94)
    with pytest.raises(DocumentLocked):
        editor.tag("quote")
    assert editor.status == "done" == project.status(doc, "alice")
    assert len(project.spans(doc, "alice")) == 1


def test_invalid_status_is_refused(editor: Editor, project: Project, doc: int) -> None:
    with pytest.raises(ProjectError, match="unknown status"):
        editor.set_status("finished")
    assert editor.status == "new" == project.status(doc, "alice")


# ---- property: the editor's layer mirrors the project's ----------------------------------

LABELS = {"quote": None, "criticism": {"target": "someone"}}

operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("tag"),
            st.integers(0, LAST),
            st.integers(0, LAST),
            st.sampled_from(["character", "word", "sentence", "turn"]),
            st.sampled_from(sorted(LABELS)),
        ),
        st.tuples(st.just("delete"), st.integers(0, 20)),
        st.tuples(
            st.just("resize"),
            st.integers(0, 20),
            st.sampled_from(["start", "end"]),
            st.booleans(),
            st.sampled_from(["word", "sentence"]),
        ),
        st.tuples(st.just("update"), st.integers(0, 20), st.text("abc ", max_size=3)),
        st.tuples(st.just("undo")),
        st.tuples(st.just("redo")),
    ),
    min_size=1,
    max_size=15,
)


@pytest.fixture(scope="module")
def shared_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Project, int]]:
    """One project for every generated example: each example edits as a new annotator, so it
    starts from an empty layer and an empty undo history (creating a database is slower)."""
    path = tmp_path_factory.mktemp("prop") / "p.db"
    with Project.create(path, load_scheme_file(FIXTURES / "tiny-scheme.yaml")) as project:
        yield project, project.add_documents([interview()])[0].document_id


_annotators = count()


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations)
def test_random_edits_keep_editor_and_project_in_sync(
    shared_project: tuple[Project, int], ops: list[tuple]
) -> None:
    project, doc = shared_project
    name = f"annotator-{next(_annotators)}"
    editor = Editor(project, doc, name)
    assert editor.spans == {}
    for op in ops:
        ids = sorted(editor.spans)
        match op:
            case ("tag", anchor, cursor, unit, label):
                editor.unit = unit
                select(editor, anchor, cursor)
                editor.tag(label, LABELS[label])
            case ("delete", pick) if ids:
                editor.delete(ids[pick % len(ids)])
            case ("resize", pick, edge, grow, unit) if ids:
                editor.unit = unit
                editor.resize_span(ids[pick % len(ids)], edge, grow)
            case ("update", pick, note) if ids:
                span = editor.spans[ids[pick % len(ids)]]
                editor.update(span.id, label=span.label, attributes=span.attributes, note=note)
            case ("undo",):
                editor.undo()
            case ("redo",):
                editor.redo()
        assert editor.spans == stored(project, doc, name)  # ids, labels, offsets, attributes...
        assert_in_sync(editor, project)
        # next_span walks the same spans, in (start, id) order.
        for cursor in (0, 47, LAST):
            editor.move_to(cursor)
            after = [(s.start, s.id) for s in editor.spans.values() if s.start > cursor]
            found = editor.next_span()
            assert (None if found is None else (found.start, found.id)) == min(after, default=None)
    # A fresh editor reads back exactly the same layer.
    assert Editor(project, doc, name).spans == editor.spans
