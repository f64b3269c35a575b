"""Random sequences of question, span and code edits, undos and redos by several annotators
keep every invariant: questions never overlap (parts inside their question), spans respond to
questions of their own document, codes code units that exist and have no parts, and the
spans, questions and codes always equal a replay of the change log."""

from __future__ import annotations

from contextlib import suppress
from itertools import pairwise
from typing import Any

import pytest
from conftest import layout
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_questions import SCHEME

from annotator.errors import AnnotatorError
from annotator.model import ImportedDocument
from annotator.scheme import load_scheme
from annotator.store import Project
from annotator.store.spans import SPAN_COLUMNS, state_of_row

TEXT, TURNS = layout(
    [
        "Will you raise taxes? And when? Or not at all?",
        "I won't set out the budget here. We decide in spring.",
        "Why did the target slip? Who is to blame?",
        "Completions are up in the east, and the west.",
    ],
    ["Q", "MINISTER", "Q", "MINISTER"],
)
PEOPLE = ["alice", "bob", "lead"]
LABELS = ["explicit", "dodging", "partial"]


def _op(kind: str, argument: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[str, str, Any]]:
    return st.tuples(st.just(kind), st.sampled_from(PEOPLE), argument)


_SOME = st.integers(0, 9)  # which question, span or code (modulo how many there are)
_OFFSET = st.integers(0, len(TEXT) - 2)
OPERATIONS = st.lists(
    st.one_of(
        _op("propose", st.none()),
        _op("add", st.tuples(_OFFSET, st.integers(1, 40))),
        _op("part", st.tuples(_SOME, st.integers(0, 30))),
        _op("split", st.tuples(_SOME, st.integers(1, 30))),
        _op("merge", _SOME),
        _op("delete", _SOME),
        _op("edge", st.tuples(_SOME, st.integers(-6, 6))),
        _op("region", st.tuples(_SOME, st.integers(0, 60))),
        _op("span", st.tuples(_OFFSET, st.integers(1, 30))),
        _op("link", st.tuples(_SOME, st.integers(-1, 9))),
        _op("code", st.tuples(_SOME, st.sampled_from(LABELS))),
        _op("clear", _SOME),
        _op("undo", st.none()),
        _op("redo", st.none()),
    ),
    min_size=1,
    max_size=30,
)


def run(project: Project, operation: tuple[str, str, Any]) -> None:
    kind, who, argument = operation
    questions = project.questions(1)
    pick = (lambda n: questions[n % len(questions)]) if questions else None
    if kind == "propose":
        project.propose_questions(who)
    elif kind == "add":
        start, length = argument
        project.add_question(1, who, start, min(len(TEXT), start + length))
    elif kind == "part" and pick:
        question = pick(argument[0])
        parent = question.parent_id or question.id
        whole = project.question(parent)
        start = min(whole.start + argument[1], whole.end - 1)
        project.add_question(1, who, start, whole.end, parent_id=parent)
    elif kind == "split" and pick:
        question = pick(argument[0])
        project.split_question(question.id, who, question.start + argument[1])
    elif kind == "merge" and pick:
        project.merge_question(pick(argument).id, who)
    elif kind == "delete" and pick:
        project.delete_question(pick(argument).id, who)
    elif kind == "edge" and pick:
        question = pick(argument[0])
        project.update_question(question.id, who, end=question.end + argument[1])
    elif kind == "region" and pick:
        question = pick(argument[0])
        region = (
            None if argument[1] == 0 else (question.end, min(len(TEXT), question.end + argument[1]))
        )
        project.update_question(question.id, who, response=region)
    elif kind == "span":
        start, length = argument
        project.create_span(
            1, who, "deflection", start, min(len(TEXT), start + length), {"kind": "dodges"}
        )
    elif kind == "link":
        spans = project.spans(1, who)
        if spans:
            target = None if argument[1] < 0 or not pick else pick(argument[1]).id
            project.update_span(spans[argument[0] % len(spans)].id, who, question=target)
    elif kind == "code" and pick:
        project.set_code(1, who, argument[1], question_id=pick(argument[0]).id)
    elif kind == "clear":
        codes = project.codes(annotator=who)
        if codes:
            project.clear_code(codes[argument % len(codes)].id, who)
    elif kind in ("undo", "redo"):
        (project.undo if kind == "undo" else project.redo)(1, who)


def assert_invariants(project: Project) -> None:
    questions = project.questions(1)
    top = [q for q in questions if not q.is_part]
    for first, second in pairwise(top):
        assert first.end <= second.start, (first, second)
    by_id = {q.id: q for q in questions}
    with_parts = {q.parent_id for q in questions if q.is_part}
    for question in questions:
        assert 0 <= question.start < question.end <= len(TEXT)
        if question.is_part:
            parent = by_id[question.parent_id]
            assert not parent.is_part
            assert parent.start <= question.start and question.end <= parent.end
    for span in project.spans(1):
        assert span.question_id is None or span.question_id in by_id
    for code in project.codes(None):
        if code.unit == "question":
            assert code.question_id in by_id and code.question_id not in with_parts


def assert_everything_replays_the_log(project: Project) -> None:
    replayed: dict[tuple[str, int], dict[str, Any]] = {}
    for change in project.history():
        if change.action == "rejection":
            continue
        key = (change.item, change.span_id)
        if change.after is None:
            replayed.pop(key, None)
        else:
            replayed[key] = (
                {"question_id": None, **change.after}
                if change.item == "span"
                else dict(change.after)
            )
    db = project.db
    actual: dict[tuple[str, int], dict[str, Any]] = {}
    for row in db.execute(f"SELECT {SPAN_COLUMNS} FROM spans"):
        actual[("span", row[0])] = state_of_row(row)
    for (question_id,) in db.execute("SELECT id FROM questions"):
        actual[("question", question_id)] = project.questions_store.state(question_id)
    for (code_id,) in db.execute("SELECT id FROM codes"):
        actual[("code", code_id)] = project.codes_store.state(code_id)
    assert replayed == actual


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_random_question_edits_keep_the_invariants(
    tmp_path_factory: pytest.TempPathFactory, operations: list[tuple[str, str, Any]]
) -> None:
    path = tmp_path_factory.mktemp("questions") / "p.db"
    with Project.create(path, load_scheme(SCHEME)) as project:
        project.add_documents(
            [ImportedDocument(title="QA", text=TEXT, turns=tuple(TURNS), format="text")]
        )
        for operation in operations:
            with suppress(AnnotatorError):  # refused: then nothing changed (the checks see)
                run(project, operation)
            assert_invariants(project)
            assert_everything_replays_the_log(project)
