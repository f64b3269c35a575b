"""The span writer's batch path (imports): the same rows, ids and change log as adding the
spans one by one through ``create``, in a few statements."""

from __future__ import annotations

import contextlib
import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from annotator.errors import AnnotatorError
from annotator.model import ImportedDocument, SpanDraft, Turn
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.store import Project, ProjectError
from annotator.store.spans import RELINK_BATCH, NewSpan

TEXT = " ".join(f"word{i}" for i in range(400))
LABELS = ("quote", "criticism")  # no required attributes in the bundled scheme


def new_project(path: Path) -> tuple[Project, int, int]:
    project = Project.create(path, load_scheme_file(default_scheme_path()))
    [result] = project.add_documents(
        [ImportedDocument("doc", TEXT, (Turn(0, 0, len(TEXT), "A"),), "text")]
    )
    return project, result.document_id, project.annotator_id("ann")


def contents(project: Project) -> dict[str, Any]:
    """Every span and logged change, without the times stamped when written."""

    def clean(state: str | None) -> Any:
        if state is None:
            return None
        loaded = json.loads(state)
        return {k: v for k, v in loaded.items() if k not in ("created_at", "updated_at")}

    db = project.db
    spans = db.execute(
        'SELECT id, document_id, annotator_id, label, start, "end", attributes, note, '
        "scheme_hash, provenance, question_id FROM spans ORDER BY id"
    ).fetchall()
    changes = [
        (row[0], row[1], row[2], row[3], clean(row[4]), clean(row[5]), row[6])
        for row in db.execute(
            'SELECT id, edit_id, span_id, action, "before", "after", item FROM span_changes '
            "ORDER BY id"
        )
    ]
    edits = db.execute("SELECT id, document_id, annotator_id, kind FROM edits").fetchall()
    status = db.execute("SELECT document_id, annotator_id, status FROM document_status").fetchall()
    return {"spans": spans, "changes": changes, "edits": edits, "status": status}


def both_ways(tmp_path: Path, spans: list[NewSpan], existing: list[NewSpan]) -> None:
    """The batch and the one-by-one path give the same project, or the same refusal."""
    results = []
    for way in ("one", "many"):
        project, document_id, annotator_id = new_project(tmp_path / f"{way}-{len(spans)}.db")
        writer = project.writer
        with project.connection.write():
            edit = project.log.begin(document_id, annotator_id)
            for span in existing:
                writer.create(edit, document_id, annotator_id, span)
        outcome: object = None
        try:
            with project.connection.write():
                edit = project.log.begin(document_id, annotator_id)
                if way == "one":
                    for span in spans:
                        writer.create(edit, document_id, annotator_id, span)
                else:
                    writer.create_many(edit, document_id, annotator_id, spans)
        except AnnotatorError as error:
            outcome = str(getattr(error, "error", error))
        results.append((outcome, contents(project)))
        project.close()
    assert results[0] == results[1]


def random_spans(rng: random.Random, count: int, longest: int) -> list[NewSpan]:
    spans = []
    for _ in range(count):
        start = rng.randrange(0, len(TEXT) - 2)
        end = min(len(TEXT), start + rng.randint(1, longest))
        note = rng.choice(["", "", "a note"])
        spans.append(NewSpan(rng.choice(LABELS), start, end, note=note))
    return spans


@pytest.mark.parametrize("seed", range(8))
def test_batch_equals_one_by_one(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    longest = rng.choice([5, 30, 200])
    both_ways(
        tmp_path, random_spans(rng, rng.randint(0, 60), longest), random_spans(rng, 5, longest)
    )


def test_batch_merges_as_one_by_one_and_refuses_the_same(tmp_path: Path) -> None:
    spans = [
        NewSpan("quote", 0, 10),
        NewSpan("quote", 5, 20, note="b"),  # merges with the first
        NewSpan("criticism", 2, 8),  # nests
        NewSpan("quote", 100, 120),
        NewSpan("criticism", 110, 130),  # crosses
    ]
    both_ways(tmp_path, spans, [NewSpan("quote", 18, 40, note="old")])
    refused = [NewSpan("quote", 0, 10), NewSpan("nope", 1, 2)]
    (tmp_path / "refused").mkdir()
    both_ways(tmp_path / "refused", refused, [])


def test_an_import_writes_spans_in_a_few_statements(tmp_path: Path) -> None:
    project, _, _ = new_project(tmp_path / "p.db")
    drafts = tuple(SpanDraft("quote", i * 10, i * 10 + 5) for i in range(200))
    document = ImportedDocument(
        "doc", TEXT, (Turn(0, 0, len(TEXT), "A"),), "text", spans=drafts, annotator="ann"
    )
    statements: list[str] = []
    project.db.conn.set_trace_callback(statements.append)
    [result] = project.add_documents([document])
    project.db.conn.set_trace_callback(None)
    assert result.spans_added == 200
    inserts = [s for s in statements if s.startswith("INSERT INTO spans")]
    logged = [s for s in statements if s.startswith("INSERT INTO span_changes")]
    # executemany traces each row; what counts is that no per-span query runs besides them.
    assert len(inserts) == 200 and len(logged) == 200
    assert len(statements) - len(inserts) - len(logged) < 40
    assert project.db.execute("SELECT count(*) FROM span_changes").fetchone()[0] == 200
    assert project.db.execute("SELECT count(*) FROM edits").fetchone()[0] == 1
    project.close()


def test_a_refused_span_names_its_place(tmp_path: Path) -> None:
    project, _, _ = new_project(tmp_path / "p.db")
    drafts = (SpanDraft("quote", 0, 5), SpanDraft("nope", 10, 15, place="line 2"))
    document = ImportedDocument(
        "doc", TEXT, (Turn(0, 0, len(TEXT), "A"),), "text", spans=drafts, annotator="ann"
    )
    with pytest.raises(ProjectError, match=r"line 2: nope \[10, 15\)"):
        project.add_documents([document], origin="file.jsonl")
    assert project.db.execute("SELECT count(*) FROM spans").fetchone()[0] == 0
    project.close()


def relink_both_ways(tmp_path: Path, seed: int, count: int) -> None:
    """Relinking spans to questions in one batch (``relink_many``) gives the same project,
    or the same refusal, as ``update(question=...)`` span by span."""
    results = []
    for way in ("one", "many"):
        rng = random.Random(seed)
        longest = rng.choice([5, 30, 200])
        project, document_id, first = new_project(tmp_path / f"relink-{way}.db")
        second = project.annotator_id("other")
        questions = [
            project.add_question(document_id, "ann", at, at + 5).id for at in (0, 900, 1800)
        ]
        writer = project.writer
        with project.connection.write():
            edit = project.log.begin(document_id, first)
            for annotator_id in (first, second):
                for span in random_spans(rng, rng.randint(5, 40), longest):
                    question = rng.choice([None, *questions])
                    with contextlib.suppress(AnnotatorError):  # a layer as the scheme lets it be
                        writer.create(
                            edit, document_id, annotator_id, replace(span, question=question)
                        )
        ids = [row[0] for row in project.db.execute("SELECT id FROM spans ORDER BY id")]
        links = [(rng.choice(ids), rng.choice([None, *questions])) for _ in range(count)]
        outcome: object = None
        try:
            with project.connection.write():
                edit = project.log.begin(document_id, first)
                if way == "one":
                    for span_id, question in links:
                        state = project.reader.state(span_id)
                        if state is not None and state["question_id"] != question:
                            writer.update(edit, span_id, state["annotator_id"], question=question)
                else:
                    writer.relink_many(edit, document_id, links)
        except AnnotatorError as error:
            outcome = str(error)
        results.append((outcome, contents(project)))
        project.close()
    assert results[0] == results[1]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("count", [RELINK_BATCH - 1, 4 * RELINK_BATCH])  # both of its paths
def test_relinking_in_a_batch_equals_one_by_one(tmp_path: Path, seed: int, count: int) -> None:
    relink_both_ways(tmp_path, seed, count)


def test_relinking_a_span_of_another_document_is_refused(tmp_path: Path) -> None:
    project, document_id, annotator_id = new_project(tmp_path / "p.db")
    [other] = project.add_documents(
        [ImportedDocument("other", "Another text.", (Turn(0, 0, 13, "A"),), "text")]
    )
    assert other.document_id != document_id
    with project.connection.write():
        edit = project.log.begin(other.document_id, annotator_id)
        span_id, _ = project.writer.create(
            edit, other.document_id, annotator_id, NewSpan("quote", 0, 5, question=None)
        )
    question = project.add_question(document_id, "ann", 0, 5).id
    for count in (1, RELINK_BATCH):
        with pytest.raises(ProjectError, match="not in document"), project.connection.write():
            edit = project.log.begin(document_id, annotator_id)
            project.writer.relink_many(edit, document_id, [(span_id, question)] * count)
    project.close()
