"""The project database: schema, documents, spans, the change log, undo/redo, status."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest
from conftest import make_document

from annotator.errors import AnnotatorError, DocumentLocked, MergeConflict
from annotator.model import SpanDraft
from annotator.scheme import Scheme, load_scheme
from annotator.store import Project, ProjectError, resolve_db_path


def add(project: Project, text: str | None = None) -> int:
    document = make_document() if text is None else make_document(text)
    return project.add_documents([document])[0].document_id


# ---- opening and the schema --------------------------------------------------------------


def test_create_sets_wal_foreign_keys_and_scheme(tmp_path: Path, tiny_scheme: Scheme) -> None:
    path = tmp_path / "p.db"
    Project.create(path, tiny_scheme).close()
    with Project.open(path) as project:
        conn = project.db.conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        assert project.scheme.hash == tiny_scheme.hash
        tables = set(project.db.table_names())
        assert {
            "documents",
            "turns",
            "annotators",
            "spans",
            "edits",
            "span_changes",
            "document_status",
            "schemes",
            "project",
        } <= tables


def test_open_missing_file_says_how_to_create(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="annotator init"):
        Project.open(tmp_path / "nothing.db")


def test_create_refuses_existing_file(tmp_path: Path, tiny_scheme: Scheme) -> None:
    path = tmp_path / "p.db"
    path.write_text("keep me")
    with pytest.raises(ProjectError, match="already there"):
        Project.create(path, tiny_scheme)
    assert path.read_text() == "keep me"


def test_open_refuses_files_that_are_not_projects(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(ProjectError, match="not a project database"):
        Project.open(junk)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE mine (x)")
    conn.commit()
    conn.close()
    with pytest.raises(ProjectError, match="not an annotator project"):
        Project.open(other)
    tables = sqlite3.connect(other).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("mine",)]  # untouched


def test_newer_database_is_refused_and_left_unchanged(tmp_path: Path, tiny_scheme: Scheme) -> None:
    path = tmp_path / "p.db"
    Project.create(path, tiny_scheme).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('annotator', 'm999_from_the_future', 'later')"
    )
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(ProjectError, match="newer version of annotator"):
        Project.open(path)
    assert path.read_bytes() == before


def test_reopen_keeps_everything(tmp_path: Path, tiny_scheme: Scheme) -> None:
    path = tmp_path / "p.db"
    with Project.create(path, tiny_scheme) as project:
        doc = add(project)
        span = project.create_span(doc, "ann", "quote", 0, 11, {"source": "me"}, note="n")
        project.set_cursor(doc, "ann", 5)
    with Project.open(path) as project:
        assert project.spans(doc) == [span]
        assert project.cursor(doc, "ann") == 5
        assert project.last_document("ann") == doc


def test_db_path_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANNOTATOR_DB", raising=False)
    assert resolve_db_path() == Path("annotations.db")
    monkeypatch.setenv("ANNOTATOR_DB", "/tmp/x.db")
    assert resolve_db_path() == Path("/tmp/x.db")
    assert resolve_db_path("y.db") == Path("y.db")


# ---- documents ---------------------------------------------------------------------------


def test_documents_are_stored_once(project: Project) -> None:
    first = project.add_documents([make_document()])
    again = project.add_documents([make_document()])
    assert first[0].created and not again[0].created
    assert first[0].document_id == again[0].document_id
    [summary] = project.documents()
    assert (summary.turns, summary.speakers, summary.words) == (2, ("S0", "S1"), 9)
    document = project.document(summary.id)
    assert document.text.startswith("I won't say.")
    assert len(document.sha256) == 64
    assert [t.speaker for t in project.turns(summary.id)] == ["S0", "S1"]


def test_find_document_by_id_or_source_name(project: Project) -> None:
    doc = make_document()
    doc = type(doc)(**{**doc.__dict__, "source_path": "some/dir/talk.md"})
    document_id = project.add_documents([doc])[0].document_id
    assert project.find_document(str(document_id)).id == document_id
    assert project.find_document("talk.md").id == document_id
    with pytest.raises(ProjectError, match="no document"):
        project.find_document("other.md")


def test_a_bad_span_refuses_every_document_of_the_call(project: Project) -> None:
    good = make_document("First text here.")
    bad = make_document("Second text.")
    bad = type(bad)(**{**bad.__dict__, "spans": (SpanDraft("quote", 0, 99),)})
    with pytest.raises(ProjectError, match=r"\[0, 99\)"):
        project.add_documents([good, bad], annotator="model")
    assert project.documents() == []


def test_imported_layer_needs_an_annotator_and_known_labels(project: Project) -> None:
    doc = make_document()
    with_spans = type(doc)(**{**doc.__dict__, "spans": (SpanDraft("quote", 0, 11),)})
    with pytest.raises(ProjectError, match="--as NAME"):
        project.add_documents([with_spans])
    unknown = type(doc)(**{**doc.__dict__, "spans": (SpanDraft("praise", 0, 11),)})
    with pytest.raises(ProjectError, match="praise"):
        project.add_documents([unknown], annotator="model")
    [result] = project.add_documents([with_spans], annotator="model")
    assert result.spans_added == 1
    [result] = project.add_documents([with_spans], annotator="model")
    assert result.spans_added == 0  # idempotent
    assert [s.label for s in project.spans(result.document_id, "model")] == ["quote"]


# ---- spans -------------------------------------------------------------------------------


def test_create_span_records_scheme_hash_and_defaults(project: Project) -> None:
    doc = add(project)
    span = project.create_span(doc, "alice", "quote", 0, 11)
    assert span.attributes == {"form": "direct"}
    assert span.scheme_hash == project.scheme.hash
    assert span.annotator == "alice"
    assert project.status(doc, "alice") == "in_progress"


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (5, 5), (7, 3), (0, 10_000)])
def test_out_of_range_offsets_are_refused(project: Project, start: int, end: int) -> None:
    doc = add(project)
    with pytest.raises(AnnotatorError, match="not a non-empty range"):
        project.create_span(doc, "alice", "quote", start, end)
    assert project.spans(doc) == []


def test_attributes_are_validated(project: Project) -> None:
    doc = add(project)
    with pytest.raises(AnnotatorError, match="target"):
        project.create_span(doc, "alice", "criticism", 13, 24)  # required attribute missing
    with pytest.raises(AnnotatorError, match="form"):
        project.create_span(doc, "alice", "quote", 0, 11, {"form": "sung"})
    with pytest.raises(AnnotatorError, match="praise"):
        project.create_span(doc, "alice", "praise", 0, 11)
    span = project.create_span(doc, "alice", "criticism", 13, 24, {"target": "them"})
    assert span.attributes == {"target": "them", "personal": False}


def test_overlapping_and_nested_spans_of_different_labels(project: Project) -> None:
    doc = add(project)
    outer = project.create_span(doc, "alice", "quote", 0, 25)
    inner = project.create_span(doc, "alice", "criticism", 2, 7, {"target": "they"})
    crossing = project.create_span(doc, "alice", "criticism", 20, 30, {"target": "x"})
    assert {s.id for s in project.spans(doc)} == {outer.id, inner.id, crossing.id}


def test_same_label_overlap_merges_and_keeps_attributes_and_notes(project: Project) -> None:
    doc = add(project)
    first = project.create_span(doc, "alice", "quote", 0, 11, {"source": "A"}, note="one")
    merged = project.create_span(doc, "alice", "quote", 8, 20, {"form": "direct"}, note="two")
    assert (merged.start, merged.end) == (0, 20)
    assert merged.attributes == {"form": "direct", "source": "A"}
    assert merged.note == "one\ntwo"
    assert [s.id for s in project.spans(doc)] == [merged.id]
    project.undo(doc, "alice")
    assert project.spans(doc) == [first]


def test_a_merge_never_drops_an_attribute_value(project: Project) -> None:
    doc = add(project)
    first = project.create_span(doc, "alice", "quote", 0, 11, {"form": "direct"})
    with pytest.raises(MergeConflict, match=r"'direct'.*'indirect'") as refused:
        project.create_span(doc, "alice", "quote", 8, 20, {"form": "indirect"})
    assert (refused.value.attribute, refused.value.existing, refused.value.new) == (
        "form",
        "direct",
        "indirect",
    )
    assert project.spans(doc) == [first]  # nothing changed
    kept = project.create_span(
        doc, "alice", "quote", 8, 20, {"form": "indirect"}, on_conflict="keep"
    )
    assert (kept.start, kept.end, kept.attributes["form"]) == (0, 20, "direct")
    project.undo(doc, "alice")
    taken = project.create_span(
        doc, "alice", "quote", 8, 20, {"form": "indirect"}, on_conflict="replace"
    )
    assert taken.attributes["form"] == "indirect"


def test_layers_are_separate(project: Project) -> None:
    doc = add(project)
    a = project.create_span(doc, "alice", "quote", 0, 11)
    b = project.create_span(doc, "bob", "quote", 5, 20)
    assert project.spans(doc, "alice") == [a]
    assert project.spans(doc, "bob") == [b]
    with pytest.raises(ProjectError, match="belongs to alice"):
        project.delete_span(a.id, "bob")


def test_refuse_policies(tmp_path: Path, tiny_scheme: Scheme) -> None:
    text = tiny_scheme.text.replace(
        "  same_label_overlap: merge",
        "  same_label_overlap: refuse\n  allow_overlap: false\n  allow_nesting: false",
    )
    strict = load_scheme(text, "strict.yaml")
    with Project.create(tmp_path / "s.db", strict) as project:
        doc = add(project)
        project.create_span(doc, "alice", "quote", 0, 11)
        with pytest.raises(ProjectError, match="refuses overlapping spans of one label"):
            project.create_span(doc, "alice", "quote", 5, 15)
        with pytest.raises(ProjectError, match="does not allow nested"):
            project.create_span(doc, "alice", "criticism", 2, 5, {"target": "x"})
        with pytest.raises(ProjectError, match="does not allow overlapping"):
            project.create_span(doc, "alice", "criticism", 5, 15, {"target": "x"})
        assert len(project.spans(doc)) == 1


def test_update_span(project: Project) -> None:
    doc = add(project)
    span = project.create_span(doc, "alice", "quote", 0, 11, {"source": "A"})
    moved = project.update_span(span.id, "alice", start=2, note="edited")
    assert (moved.start, moved.end, moved.note, moved.attributes) == (
        2,
        11,
        "edited",
        {"form": "direct", "source": "A"},
    )
    relabelled = project.update_span(
        span.id, "alice", label="criticism", attributes={"target": "x"}
    )
    assert relabelled.label == "criticism" and relabelled.created_at == span.created_at
    with pytest.raises(AnnotatorError, match="not a non-empty range"):
        project.update_span(span.id, "alice", end=1)


# ---- change log, undo and redo -----------------------------------------------------------


def test_every_change_is_logged_with_before_and_after(project: Project) -> None:
    doc = add(project)
    span = project.create_span(doc, "alice", "quote", 0, 11)
    project.update_span(span.id, "alice", end=12)
    project.delete_span(span.id, "alice")
    log = project.history(doc)
    assert [c.action for c in log] == ["create", "update", "delete"]
    assert log[0].before is None and log[0].after["end"] == 11
    assert log[1].before["end"] == 11 and log[1].after["end"] == 12
    assert log[2].before["end"] == 12 and log[2].after is None
    assert {c.annotator for c in log} == {"alice"}


def test_undo_and_redo_walk_back_and_forth(project: Project) -> None:
    doc = add(project)
    a = project.create_span(doc, "alice", "quote", 0, 11)
    b = project.create_span(doc, "alice", "quote", 13, 24)
    project.delete_span(a.id, "alice")
    assert project.spans(doc) == [b]
    project.undo(doc, "alice")
    assert project.spans(doc) == [a, b]  # same id, same timestamps
    project.undo(doc, "alice")
    assert project.spans(doc) == [a]
    project.redo(doc, "alice")
    assert project.spans(doc) == [a, b]
    project.redo(doc, "alice")
    assert project.spans(doc) == [b]
    assert project.redo(doc, "alice") == []
    kinds = [c.kind for c in project.history(doc)]
    assert kinds == ["edit", "edit", "edit", "undo", "undo", "redo", "redo"]


def test_a_new_edit_clears_redo(project: Project) -> None:
    doc = add(project)
    project.create_span(doc, "alice", "quote", 0, 11)
    project.undo(doc, "alice")
    project.create_span(doc, "alice", "quote", 13, 24)
    assert project.redo(doc, "alice") == []
    assert [(s.start, s.end) for s in project.spans(doc)] == [(13, 24)]


def test_undo_is_per_annotator_and_survives_reopening(tmp_path: Path, tiny_scheme: Scheme) -> None:
    path = tmp_path / "p.db"
    with Project.create(path, tiny_scheme) as project:
        doc = add(project)
        project.create_span(doc, "alice", "quote", 0, 11)
        bob = project.create_span(doc, "bob", "quote", 0, 11)
    with Project.open(path) as project:
        project.undo(doc, "alice")
        assert project.spans(doc) == [bob]
        assert project.undo(doc, "alice") == []
        project.redo(doc, "alice")
        assert len(project.spans(doc, "alice")) == 1


def test_edits_from_another_connection_join_the_same_undo_history(
    tmp_path: Path, tiny_scheme: Scheme
) -> None:
    path = tmp_path / "p.db"
    with Project.create(path, tiny_scheme) as first, Project.open(path) as second:
        doc = add(first)
        span = first.create_span(doc, "alice", "quote", 0, 11)
        second.update_span(span.id, "alice", end=12)
        first.undo(doc, "alice")  # reverts the other connection's update, the latest edit
        assert second.span(span.id).end == 11


def test_undo_refuses_a_span_changed_outside_the_log(project: Project) -> None:
    doc = add(project)
    span = project.create_span(doc, "alice", "quote", 0, 11)
    project.db.execute('UPDATE spans SET "end" = 12 WHERE id = ?', [span.id])
    log_length = len(project.history(doc))
    with pytest.raises(ProjectError, match="changed elsewhere"):
        project.undo(doc, "alice")
    assert project.span(span.id).end == 12
    assert len(project.history(doc)) == log_length  # the refused undo left no trace


# ---- status, cursor, stats ---------------------------------------------------------------


def test_status_and_cursor(project: Project) -> None:
    doc = add(project)
    assert project.status(doc, "alice") == "new"
    project.set_status(doc, "alice", "done")
    assert project.status(doc, "alice") == "done"
    with pytest.raises(DocumentLocked, match="marked done by alice"):
        project.create_span(doc, "alice", "quote", 0, 11)  # done is locked (test_assignments)
    assert project.status(doc, "alice") == "done"
    with pytest.raises(ProjectError, match="unknown status"):
        project.set_status(doc, "alice", "finished")
    with pytest.raises(ProjectError, match="outside"):
        project.set_cursor(doc, "alice", 10_000)


def test_stats(project: Project) -> None:
    first = add(project)
    add(project, "Another document entirely.")
    project.create_span(first, "alice", "quote", 0, 11)
    project.create_span(first, "bob", "criticism", 13, 24, {"target": "x"})
    project.set_status(first, "bob", "done")
    stats = project.stats()
    assert (stats.documents, stats.words) == (2, 12)
    assert stats.annotators == ("alice", "bob")
    assert stats.spans_per_label == {"criticism": 1, "quote": 1}
    assert stats.progress["alice"] == {"new": 1, "in_progress": 1, "done": 0, "skipped": 0}
    assert stats.progress["bob"] == {"new": 1, "in_progress": 0, "done": 1, "skipped": 0}


# ---- several processes -------------------------------------------------------------------


def _writer(path: str, name: str, count: int) -> None:
    with Project.open(path) as project:
        doc = project.documents()[0].id
        for i in range(count):
            project.create_span(doc, name, "quote", i * 2, i * 2 + 1)


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path, tiny_scheme: Scheme) -> None:
    path = tmp_path / "shared.db"
    with Project.create(path, tiny_scheme) as project:
        add(project, "x " * 200)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(path), n, 60)) for n in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    with Project.open(path) as project:
        doc = project.documents()[0].id
        assert len(project.spans(doc, "a")) == 60
        assert len(project.spans(doc, "b")) == 60
        assert len(project.history(doc)) == 120


# ---- suggestions ------------------------------------------------------------------------


def test_suggestions_accept_and_reject(project: Project) -> None:
    doc = make_document()
    layer = type(doc)(
        **{
            **doc.__dict__,
            "spans": (
                SpanDraft("quote", 0, 11, {"source": "model"}),
                SpanDraft("criticism", 13, 24, {"target": "them"}),
            ),
        }
    )
    [result] = project.add_documents([layer], annotator="model")
    doc_id = result.document_id
    offered = project.suggestions(doc_id, "alice", "model")
    assert [s.label for s in offered] == ["quote", "criticism"]
    accepted = project.accept_suggestion(offered[0].id, "alice")
    assert (accepted.annotator, accepted.attributes["source"]) == ("alice", "model")
    project.reject_suggestion(offered[1].id, "alice")
    assert project.suggestions(doc_id, "alice", "model") == []
    assert project.suggestions(doc_id, "bob", "model") == offered  # per annotator
    with pytest.raises(ProjectError, match="own layer"):
        project.reject_suggestion(accepted.id, "alice")
    project.undo(doc_id, "alice")  # undoing the rejection offers it again
    assert [s.label for s in project.suggestions(doc_id, "alice", "model")] == ["criticism"]
    project.undo(doc_id, "alice")  # and undoing the accept
    assert len(project.suggestions(doc_id, "alice", "model")) == 2
    project.redo(doc_id, "alice")
    project.redo(doc_id, "alice")
    assert project.suggestions(doc_id, "alice", "model") == []
    assert [c.action for c in project.history(doc_id, "alice")][-1] == "rejection"


def test_a_layer_read_at_once_is_the_spans_read_one_by_one(tmp_path: Path) -> None:
    """The bulk reader (rows straight to spans, shared parsing) gives what the change log's
    state of each row gives."""
    from dataclasses import asdict

    from annotator.model import ImportedDocument
    from annotator.resources import default_scheme_path
    from annotator.scheme import load_scheme_file
    from annotator.store.spans import SPAN_COLUMNS, state_of_row

    text = "I won't say. They failed the country. We will build homes by May."
    with Project.create(tmp_path / "p.db", load_scheme_file(default_scheme_path())) as project:
        [result] = project.add_documents([ImportedDocument("T", text, (), "text", "t.md")])
        doc = result.document_id
        project.create_span(doc, "alice", "deflection", 0, 12, {"kind": "declines"}, "why")
        project.create_span(doc, "alice", "deflection", 13, 37, {"kind": "declines"})
        project.create_span(doc, "bob", "quote", 38, 50)
        rows = project.connection.db.execute(
            f'SELECT {SPAN_COLUMNS} FROM spans WHERE document_id = ? ORDER BY start, "end", id',
            [doc],
        ).fetchall()
        expected = []
        for row in rows:
            state = state_of_row(row)
            state["annotator"] = project.annotator_name(state.pop("annotator_id"))
            expected.append({"id": row[0], **state})
        assert [asdict(span) for span in project.spans(doc)] == expected
        assert len(expected) == 3 and expected[0]["note"] == "why"
