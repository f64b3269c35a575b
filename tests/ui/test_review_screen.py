"""The review screen, driven with Pilot on the sample project labelled by three annotators:
the queue, stepping, accepting, rejecting, editing gold spans, auto-merge, undo, provenance."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, make_document
from fixtures.three_annotators import PRESS, build
from harness import rendered
from textual.widgets import TextArea

from annotator.app import AnnotatorApp, make_app
from annotator.cli import cli
from annotator.model import ImportedDocument, Turn
from annotator.resources import default_scheme_path
from annotator.review import ReviewEditor
from annotator.scheme import load_scheme_file
from annotator.screens.annotate import AnnotateScreen, screen_for
from annotator.screens.dialogs import ChooseSpan, SearchPrompt, SpanEditor
from annotator.screens.help import HelpScreen
from annotator.screens.review import ReviewScreen
from annotator.screens.review_queue import ReviewQueueScreen
from annotator.store import GOLD, Project
from annotator.widgets.compare_panel import ComparePanel
from annotator.widgets.panels import BottomBar


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("three") / "three.db"
    build(path).close()
    return path


@pytest.fixture
def db(labelled: Path, tmp_path: Path) -> Path:
    """A fresh copy of the three-annotator sample project for each test."""
    copy = tmp_path / "review.db"
    copy.write_bytes(labelled.read_bytes())
    return copy


def press_id(db: Path) -> int:
    with Project.open(db) as project:
        return next(d.id for d in project.documents() if d.source_name == PRESS)


def app_for(db: Path, tmp_path: Path, **kwargs) -> AnnotatorApp:
    return make_app(
        db, annotator="rita", config_file=tmp_path / "config.yaml", review=True, **kwargs
    )


def editor_of(app: AnnotatorApp) -> ReviewEditor:
    assert isinstance(app.screen, ReviewScreen), app.screen
    return app.screen.editor


def panel(app: AnnotatorApp) -> str:
    return "\n".join(app.screen.query_one(ComparePanel).lines)


def gold_on_disk(db: Path, doc: int) -> list:
    with Project.open(db) as project:
        return project.spans(doc, annotator=GOLD) if project.has_gold() else []


async def test_queue_lists_reviewable_documents_most_disagreement_first(
    db: Path, tmp_path: Path
) -> None:
    app = app_for(db, tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        queue = app.screen
        assert isinstance(queue, ReviewQueueScreen)
        assert queue.rows[0].document_id == press_id(db)
        assert all(row.status == "open" for row in queue.rows)
        assert "0/3 reviewed" in queue._progress()
        await pilot.press("enter")
        assert editor_of(app).id == press_id(db)
        await pilot.press("o")  # back to the queue
        assert isinstance(app.screen, ReviewQueueScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)


async def test_step_accept_reject_and_undo(db: Path, tmp_path: Path) -> None:
    doc = press_id(db)
    app = app_for(db, tmp_path, document=str(doc))
    async with app.run_test(size=(140, 40)) as pilot:
        editor = editor_of(app)
        total = len(editor.disagreements)
        assert editor.open_count() == total
        await pilot.press("n")
        first = editor.current
        assert first is not None and editor.cursor == first.start
        shown = panel(app)
        assert f"Disagreement 1 of {total}" in shown
        for name in ("alice", "bob", "carol"):
            assert name in shown
        # Take bob's version: his spans become gold, the others' are rejected, and the
        # cursor moves on to the next open disagreement.
        await pilot.press("2")
        bobs = {
            (s.label, s.start, s.end)
            for v in editor.versions(first)
            if v.annotator == "bob"
            for s in v.spans
        }
        assert {(s.label, s.start, s.end) for s in gold_on_disk(db, doc)} == bobs
        assert not editor.is_open(first)
        assert editor.current is not first and editor.cursor > first.start
        assert editor.open_count() == total - 1
        # Reject every version of the next one.
        await pilot.press("r")
        assert editor.open_count() == total - 2
        with Project.open(db) as project:
            assert project.gold.rejections(doc)
        # Undo twice: back to where we started; redo once.
        await pilot.press("u", "u")
        assert editor.open_count() == total and gold_on_disk(db, doc) == []
        await pilot.press("ctrl+r")
        assert editor.open_count() == total - 1
        # p goes back; a decided disagreement cannot be decided again.
        await pilot.press("p")
        await pilot.press("g", "n")
        assert editor.current is not first  # n skips the settled one
        with Project.open(db) as project:
            assert {c.reviewer for c in project.history(doc, GOLD)} == {"rita"}


async def test_search_and_stepping_through_settled_disagreements(db: Path, tmp_path: Path) -> None:
    """/ searches as on the annotation screen (/ and Enter again: the next match); n p skip
    settled disagreements, N P visit them, the status line saying settled or open."""
    doc = press_id(db)
    app = app_for(db, tmp_path, document=str(doc))
    async with app.run_test(size=(140, 40)) as pilot:
        editor = editor_of(app)
        status = app.screen.query_one(BottomBar)
        starts = [m.start() for m in re.finditer("budget", editor.text, re.IGNORECASE)]
        assert len(starts) >= 3 and starts[0] > editor.cursor == 0
        await pilot.press("slash")
        assert isinstance(app.screen, SearchPrompt)
        await pilot.press(*"budget", "enter")
        assert editor_of(app) is editor and editor.cursor == starts[0]
        assert len(editor.matches_in(0, len(editor.text))) == len(starts)
        assert f"{len(starts)} matches" in rendered(status)
        await pilot.press("slash", "enter")  # the last pattern, offered again
        assert editor.cursor == starts[1]

        total = len(editor.disagreements)
        await pilot.press("g", "n")
        first = editor.current
        assert first is not None and editor.position(first) == 1
        await pilot.press("1")  # settled; on to the next open one
        second = editor.current
        assert not editor.is_open(first) and second is not first
        assert editor.position(second) == 2
        await pilot.press("P")  # back to the settled one
        assert editor.current is first
        assert f"settled: disagreement 1 of {total}" in rendered(status)
        assert "settled" in panel(app).splitlines()[0]
        await pilot.press("N")
        assert editor.current is second
        assert f"open: disagreement 2 of {total}" in rendered(status)
        await pilot.press("p")  # the open ones only: round to the last
        assert editor.position(editor.current) == total


async def test_auto_merge_then_settle_every_disagreement_and_export(
    db: Path, tmp_path: Path
) -> None:
    doc = press_id(db)
    app = app_for(db, tmp_path, document=str(doc))
    async with app.run_test(size=(140, 40)) as pilot:
        editor = editor_of(app)
        await pilot.press("M")
        assert isinstance(app.screen, ChooseSpan)
        await pilot.press("enter")  # all three agree
        merged = gold_on_disk(db, doc)
        assert len(merged) == 9  # the briefing's unanimous spans (see the fixture)
        assert {s.provenance["method"] for s in merged} == {"unanimous"}
        await pilot.press("D")  # refused while disagreements are open
        assert editor.status != "done"
        steps = 0
        while editor.open_count():
            await pilot.press("n", "1")  # alice's version each time
            steps += 1
            assert steps <= len(editor.disagreements)
        await pilot.press("D")
        assert editor.status == "done"
    with Project.open(db) as project:
        gold = project.spans(doc, annotator=GOLD)
        adjudicated = [s for s in gold if s.provenance["method"] == "adjudicated"]
        assert adjudicated and all(s.provenance["reviewer"] == "rita" for s in adjudicated)
        sources = {i for s in gold for i in s.provenance["sources"]}
        decided = sources | project.gold.rejections(doc)
        everyone = [s for name in ("alice", "bob", "carol") for s in project.spans(doc, name)]
        assert {s.id for s in everyone} <= decided  # every annotator span was settled
        assert project.status(doc, GOLD) == "done"
    out = tmp_path / "gold.jsonl"
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            str(db),
            "export",
            "--format",
            "jsonl",
            "--layer",
            "gold",
            "-o",
            str(out),
            "--status",
            "done",
        ],
    )
    assert result.exit_code == 0, result.output
    [record] = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(record["spans"]) == len(gold)
    assert {span["provenance"]["method"] for span in record["spans"]} == {
        "unanimous",
        "adjudicated",
    }
    status = CliRunner().invoke(cli, ["--db", str(db), "status"])
    assert f"Gold layer: {len(gold)} spans; 1 document marked reviewed" in status.output


async def test_gold_spans_are_edited_with_the_annotation_keys(db: Path, tmp_path: Path) -> None:
    doc = press_id(db)
    app = app_for(db, tmp_path, document=str(doc))
    async with app.run_test(size=(140, 40)) as pilot:
        editor = editor_of(app)
        await pilot.press("n")
        first = editor.current
        await pilot.press("1")
        [span] = editor.gold_in(first.start, first.end)
        editor.move_to(span.start)  # back on the gold span just made
        assert editor.current is first
        # The edge keys move the span's end by a word; it becomes the reviewer's decision.
        await pilot.press("less_than_sign")
        [edited] = gold_on_disk(db, doc)
        assert edited.end < span.end and edited.start == span.start
        assert edited.provenance["method"] == "adjudicated"
        assert edited.provenance["sources"] == span.provenance["sources"]
        # Enter edits label, attributes and the reviewer's note.
        await pilot.press("enter")
        assert isinstance(app.screen, SpanEditor)
        app.screen.query_one("#note", TextArea).load_text("kept the shorter reading")
        await pilot.press("ctrl+s")
        assert gold_on_disk(db, doc)[0].note == "kept the shorter reading"
        # x deletes it; undo brings it back with its provenance.
        await pilot.press("x")
        assert gold_on_disk(db, doc) == []
        await pilot.press("u")
        assert gold_on_disk(db, doc)[0].provenance == edited.provenance


async def test_a_span_of_the_reviewers_own(db: Path, tmp_path: Path) -> None:
    doc = press_id(db)
    app = app_for(db, tmp_path, document=str(doc))
    async with app.run_test(size=(140, 40)) as pilot:
        editor = editor_of(app)
        await pilot.press("n")
        d = editor.current
        label = d.keys[0][0]
        hotkey = editor.scheme.label(label).hotkey
        # Select the disagreement's first candidate exactly, and tag it as the reviewer.
        key = d.keys[0]
        editor.move_to(key[1])
        editor.toggle_visual()
        editor.move_to(key[2] - 1)
        await pilot.press(hotkey)
        if isinstance(app.screen, SpanEditor):  # a label with required attributes
            await pilot.press("ctrl+s")
        [span] = gold_on_disk(db, doc)
        assert (span.label, span.start, span.end) == key
        assert span.provenance["method"] == "adjudicated"
        assert span.provenance["sources"]  # it settles the candidates of its label it overlaps


async def test_anonymised_annotators(db: Path, tmp_path: Path) -> None:
    doc = press_id(db)
    app = app_for(db, tmp_path, document=str(doc), anonymous=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("n")
        shown = panel(app)
        assert "A1" in shown and "alice" not in shown and "carol" not in shown
        await pilot.press("A")
        assert "alice" in panel(app)
        await pilot.press("J")  # the choice carries over to the next document
        assert editor_of(app).id != press_id(db) and not editor_of(app).anonymous


async def test_a_document_not_ready_for_review(db: Path, tmp_path: Path) -> None:
    with Project.open(db) as project:
        doc = project.documents()[0].id
        project.set_status(doc, "bob", "in_progress")
        project.set_status(doc, "carol", "in_progress")
    app = app_for(db, tmp_path, document=str(doc))
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReviewQueueScreen)
        assert doc not in [row.document_id for row in app.screen.rows]


async def test_help_lists_the_review_keys(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path, document=str(press_id(db)))
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        sections = dict(app.screen.sections)
        review = dict((desc, keys) for keys, desc in sections["Review"])
        assert review["Next disagreement"] == "n"  # the open ones
        assert review["Next disagreement, settled ones too"] == "N"
        assert review["Previous disagreement, settled ones too"] == "P"
        assert review["Accept version 2"] == "2"
        search = dict((desc, keys) for keys, desc in sections["Search"])
        assert search == {"Search (/ and Enter again: the next match)": "/"}


def test_review_keys_win_over_a_schemes_digit_hotkeys() -> None:
    """A scheme may use digits as hotkeys; on the review screen they accept versions, and
    those labels are tagged from the command palette there."""
    scheme = load_scheme_file(FIXTURES / "schemes" / "minimal.yaml")

    def actions(base: type) -> dict[str, list[str]]:
        merged = screen_for(scheme, base)._merge_bindings()
        return {key: [b.action for b in merged.key_to_bindings[key]] for key in ("1", "2")}

    assert actions(AnnotateScreen) == {"1": ["tag('evasion')"], "2": ["tag('dodge')"]}
    assert actions(ReviewScreen) == {"1": ["accept_version(1)"], "2": ["accept_version(2)"]}


async def test_versions_reaching_past_their_turn(tmp_path: Path, tiny_scheme) -> None:
    """A span may end in the blank line after its turn; the panel still frames every
    version of it (the context grows to hold the disagreement)."""
    path = tmp_path / "gap.db"
    with Project.create(path, tiny_scheme) as project:
        doc = project.add_documents([make_document()])[0].document_id
        project.create_span(doc, "alice", "criticism", 13, 26, {"target": "them"})  # into the gap
        project.create_span(doc, "bob", "criticism", 13, 24, {"target": "them"})
        for name in ("alice", "bob"):
            project.set_status(doc, name, "done")
    app = app_for(path, tmp_path, document=str(doc))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        shown = panel(app).splitlines()
        alice = next(line for line in shown if " alice " in line)
        bob = next(line for line in shown if " bob " in line)
        assert "│ I won't say. [They failed.␊]" in alice
        assert "│ I won't say. [They failed].␊ " in bob


async def test_the_command_palette_offers_the_review_actions(db: Path, tmp_path: Path) -> None:
    app = app_for(db, tmp_path, document=str(press_id(db)))
    async with app.run_test(size=(140, 40)):
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Next disagreement" in titles and "Auto-merge" in titles
        assert "Undo" in titles and "Tag Quote" in titles
        assert len(titles) == len(set(titles))
        assert "Search (/ and Enter again: the next match)" in titles


@pytest.fixture
def disputed(tmp_path: Path) -> tuple[Path, int]:
    """Three annotators on one commitment: alice and bob give the same values, carol others;
    and three kinds for one deflection, so no majority settles it."""
    path = tmp_path / "attributes.db"
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        text = "Will you build homes? I will not say. We will build 300 homes by May."
        doc = project.add_documents(
            [ImportedDocument("Talk", text, (Turn(0, 0, len(text)),), "text")]
        )[0].document_id
        promise = text.index("We will"), text.index(" by May")
        dodge = text.index("I will"), text.index(" We will")
        for name, specificity, kind in (
            ("alice", "specific", "declines"),
            ("bob", "specific", "partial"),
            ("carol", "vague", "pivots"),
        ):
            project.create_span(doc, name, "commitment", *promise, {"specificity": specificity})
            project.create_span(doc, name, "deflection", *dodge, {"kind": kind}, f"{name} says")
            project.set_status(doc, name, "done")
    return path, doc


async def test_review_with_disputed_attributes(disputed: tuple[Path, int], tmp_path: Path) -> None:
    db, doc = disputed
    app = app_for(db, tmp_path, document=str(doc))
    async with app.run_test(size=(140, 40)) as pilot:
        editor = editor_of(app)
        assert editor.open_count() == 2  # one disagreement on values per span
        await pilot.press("M")
        await pilot.press("down", "enter")  # at least 2 of 3
        await pilot.pause()
        [merged] = gold_on_disk(db, doc)  # the commitment: two said specific
        assert merged.attributes == {"specificity": "specific", "conditional": False}
        assert merged.provenance["method"] == "majority"
        assert "left to you" in rendered(app.screen.query_one(BottomBar))
        await pilot.press("n")  # the deflection: three kinds, nobody's majority
        shown = panel(app)
        assert "same span, different attributes" in shown
        assert "≈" in shown and "kind=pivots" in shown and "note: carol says" in shown
        await pilot.press("3")  # carol's version, exactly
        [dodge] = [s for s in gold_on_disk(db, doc) if s.label == "deflection"]
        assert (dodge.attributes, dodge.note) == ({"kind": "pivots"}, "carol says")
        assert editor.open_count() == 0
        await pilot.press("u")
        assert [s.label for s in gold_on_disk(db, doc)] == ["commitment"]
        assert editor.open_count() == 1


def test_a_span_ending_where_a_row_begins_is_closed_once() -> None:
    """The panel shows a version's text in rows; a span that ends where a row wraps is
    closed at the end of that row, not again at the start of the next."""
    compare = ComparePanel()
    editor = SimpleNamespace(text="And it week house believe country gentleman long-term")
    end = editor.text.index("gentleman")
    span = SimpleNamespace(id=1, label="deflection", start=4, end=end)
    first = compare._body(editor, 0, end, [span]).plain  # type: ignore[arg-type]
    second = compare._body(editor, end, len(editor.text), [span]).plain  # type: ignore[arg-type]
    assert first == "And [it week house believe country ]"
    assert second == "gentleman long-term"
