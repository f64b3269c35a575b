"""The overlap query a span edit runs reads only the index range that can overlap: its cost
does not grow with the layer (counted in SQLite VM steps, never timed)."""

from __future__ import annotations

from pathlib import Path

from annotator.model import ImportedDocument, Turn
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.store import Project
from annotator.store.spans import NewSpan

TEXT = " ".join(f"w{i:05d}" for i in range(6000))


def layer_project(path: Path, spans: int) -> tuple[Project, int, int]:
    project = Project.create(path, load_scheme_file(default_scheme_path()))
    [result] = project.add_documents(
        [ImportedDocument("d", TEXT, (Turn(0, 0, len(TEXT), "A"),), "text")]
    )
    document, annotator = result.document_id, project.annotator_id("ann")
    with project.connection.write():
        edit = project.log.begin(document, annotator)
        project.writer.create_many(
            edit,
            document,
            annotator,
            [NewSpan("quote", i * 7, i * 7 + 5) for i in range(spans)],
        )
    return project, document, annotator


def steps(project: Project, document: int, annotator: int, start: int, end: int) -> int:
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    project.db.conn.set_progress_handler(tick, 1)
    try:
        found = project.reader.overlapping(document, annotator, start, end, set())
    finally:
        project.db.conn.set_progress_handler(None, 1)
    assert found  # each probe overlaps a span
    return count[0]


def test_an_edit_late_in_a_long_layer_reads_as_little_as_one_early(tmp_path: Path) -> None:
    project, document, annotator = layer_project(tmp_path / "p.db", 5000)
    early = steps(project, document, annotator, 14, 16)
    late = steps(project, document, annotator, 4990 * 7 + 1, 4990 * 7 + 3)
    # Without the bound the late probe walks ~5,000 index entries (a hundred times more).
    assert late < 3 * early
    plan = project.db.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM spans WHERE document_id = ? AND annotator_id = ? "
        'AND start < ? AND start >= ? AND "end" > ?',
        [document, annotator, 10, 0, 5],
    ).fetchall()
    assert (
        "spans_by_document (document_id=? AND annotator_id=? AND start>? AND start<?)"
        in (plan[0][3])
    )
    project.close()


def test_the_extent_is_an_upper_bound_kept_by_every_write(tmp_path: Path) -> None:
    project, document, annotator = layer_project(tmp_path / "p.db", 10)

    def longest() -> int:
        return int(
            project.db.execute(
                "SELECT longest FROM span_extents WHERE document_id = ? AND annotator_id = ?",
                [document, annotator],
            ).fetchone()[0]
        )

    assert longest() == 5
    span = project.create_span(document, "ann", "criticism", 100, 400)
    assert longest() == 300
    project.delete_span(span.id, "ann")
    assert longest() == 300  # a bound, never lowered
    project.undo(document, "ann")  # brings it back
    found = project.reader.overlapping(document, annotator, 390, 395, set())
    assert [state["label"] for _, state in found] == ["criticism"]
    project.close()


def test_an_older_project_gets_its_extents_when_upgraded(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    project, document, annotator = layer_project(db, 10)
    project.create_span(document, "ann", "criticism", 100, 180)
    project.db.execute("DROP TABLE span_extents")
    project.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm012_span_extents'")
    project.close()
    with Project.open(db) as reopened:
        rows = reopened.db.execute("SELECT annotator_id, longest FROM span_extents").fetchall()
        assert rows == [(annotator, 80)]
