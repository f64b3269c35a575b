"""The editor's span table: spans by id, made from the store's rows when first asked for."""

from __future__ import annotations

from pathlib import Path

from conftest import make_document

from annotator.editor import Editor
from annotator.model import Span
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.span_table import SpanTable, index_entries, text_order
from annotator.store import Project


def test_a_span_is_made_from_its_row_once_and_only_when_asked_for(tmp_path: Path) -> None:
    with Project.create(tmp_path / "p.db", load_scheme_file(default_scheme_path())) as project:
        [result] = project.add_documents([make_document()])
        doc = result.document_id
        ids = [
            project.create_span(doc, "alice", "quote", start, start + 4).id for start in (27, 0, 13)
        ]
        rows = project.span_rows(doc, "alice")
        made: list[int] = []

        def make(row) -> Span:
            made.append(row[0])
            return project.span_of_row(row)

        table = SpanTable(rows, make)
        assert len(table) == 3 and set(table) == set(ids) and ids[0] in table
        assert made == [] and table.made() == 0
        assert table[ids[1]] == project.span(ids[1])  # the same span the store reads
        assert table[ids[1]] is table[ids[1]]  # made once, then kept
        assert made == [ids[1]] and table.made() == 1
        assert text_order(rows) == [(0, ids[1]), (13, ids[2]), (27, ids[0])]
        assert sorted(index_entries(rows)) == [
            (0, 4, "quote", ids[1]),
            (13, 17, "quote", ids[2]),
            (27, 31, "quote", ids[0]),
        ]
        # Setting stores the span as given; deleting drops a span or a row alike.
        moved = project.span(ids[0])
        table[ids[0]] = moved
        assert table[ids[0]] is moved
        del table[ids[2]]
        assert table.pop(ids[0]) is moved
        assert list(table) == [ids[1]] and made == [ids[1]]


def test_opening_a_document_makes_no_spans_until_they_are_asked_for(tmp_path: Path) -> None:
    with Project.create(tmp_path / "p.db", load_scheme_file(default_scheme_path())) as project:
        [result] = project.add_documents([make_document()])
        doc = result.document_id
        for start in (0, 13, 27):
            project.create_span(doc, "alice", "quote", start, start + 4)
        editor = Editor(project, doc, "alice")
        assert isinstance(editor.spans, SpanTable)
        assert editor.spans.made() == 0
        assert [span.start for span in editor.spans_at(14)] == [13]
        assert editor.spans.made() == 1
        assert len(editor.index) == 3 and [s for s, _ in editor.span_order] == [0, 13, 27]
