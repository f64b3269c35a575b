"""Each document's length in code points, stored at import (m019) and read without its text."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import layout

from annotator.model import ImportedDocument
from annotator.scheme import Scheme
from annotator.store import Project

# Characters outside the BMP (one code point, two UTF-16 units, four UTF-8 bytes) and a NUL,
# where SQLite's length() stops counting.
TEXTS = ["Plain text, does it ask?", "Émigré 🇬🇧 asks: 😀?", "Before\x00after the NUL."]


def documents() -> list[ImportedDocument]:
    found = []
    for number, content in enumerate(TEXTS):
        text, turns = layout([content], ["HOST"])
        found.append(
            ImportedDocument(title=f"d{number}", text=text, turns=tuple(turns), format="text")
        )
    return found


def stored(path: Path) -> dict[int, int | None]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT id, length FROM documents"))
    finally:
        conn.close()


def test_the_length_is_stored_at_import_and_read_from_the_index(
    tmp_path: Path, tiny_scheme: Scheme
) -> None:
    path = tmp_path / "p.db"
    with Project.create(path, tiny_scheme) as project:
        ids = [r.document_id for r in project.add_documents(documents())]
        expected = {i: len(project.document(i).text) for i in ids}
        queries: list[str] = []
        project.db.conn.set_trace_callback(queries.append)
        assert project.text_lengths(ids) == expected
        project.db.conn.set_trace_callback(None)
    assert stored(path) == expected
    assert len(queries) == 1 and "documents_lengths" in queries[0]  # no text read


def test_a_project_made_before_lengths_counts_them_when_upgraded(
    tmp_path: Path, tiny_scheme: Scheme
) -> None:
    path = tmp_path / "old.db"
    with Project.create(path, tiny_scheme) as project:
        ids = [r.document_id for r in project.add_documents(documents())]
        expected = {i: len(project.document(i).text) for i in ids}
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP INDEX documents_lengths; ALTER TABLE documents DROP COLUMN length; "
        "DELETE FROM _sqlite_migrations WHERE name = 'm019_document_lengths';"
    )
    conn.close()
    with Project.open(path) as project:
        assert project.text_lengths(ids) == expected
    assert stored(path) == expected


def test_a_document_stored_without_its_length_is_counted(
    tmp_path: Path, tiny_scheme: Scheme
) -> None:
    path = tmp_path / "p.db"
    with Project.create(path, tiny_scheme) as project:
        ids = [r.document_id for r in project.add_documents(documents())]
        expected = {i: len(project.document(i).text) for i in ids}
    conn = sqlite3.connect(path)
    conn.execute("UPDATE documents SET length = NULL")  # (a writer that does not know it)
    conn.commit()
    conn.close()
    with Project.open(path) as project:
        assert project.text_lengths(ids) == expected
