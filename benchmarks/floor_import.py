"""The floor an import is measured against: read, NFC-normalise and insert the same rows with
one ``executemany`` per table, in one transaction, and nothing else (no format detection, no
checks, no scheme, no summary).

    python benchmarks/floor_import.py PROJECT.db FILE_OR_FOLDER...

``PROJECT.db`` is a project ``annotator init`` made (the schema). Files ending in ``.jsonl``
are Prodigy lines (``text``, ``spans``, ``meta.annotator``): a document, one turn, its spans,
one edit per document and one logged change per span, as ``annotator import`` stores them.
Other files are text transcripts of ``SPEAKER: text`` paragraphs: a document and its turns.
Compare: ``/usr/bin/time annotator --db OTHER.db import FILE_OR_FOLDER...``.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import sys
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

WORD = re.compile(r"\w+(?:['’\-]\w+)*")
LABEL = re.compile(r"^([A-Z][\w .'-]{0,60}):\s", re.M)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def main(db: Path, inputs: list[Path]) -> None:
    files = [p for i in inputs for p in (sorted(i.iterdir()) if i.is_dir() else [i])]
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("BEGIN IMMEDIATE")
    (scheme,) = conn.execute("SELECT hash FROM schemes LIMIT 1").fetchone()
    conn.execute("INSERT OR IGNORE INTO annotators (name, created_at) VALUES ('model', ?)", [now()])
    (annotator,) = conn.execute("SELECT id FROM annotators WHERE name = 'model'").fetchone()
    next_doc = (conn.execute("SELECT coalesce(max(id), 0) FROM documents").fetchone()[0]) + 1
    next_span = (conn.execute("SELECT coalesce(max(id), 0) FROM spans").fetchone()[0]) + 1
    next_edit = (conn.execute("SELECT coalesce(max(id), 0) FROM edits").fetchone()[0]) + 1
    documents, turns, spans, edits, changes = [], [], [], [], []
    for path in files:
        if path.suffix == ".jsonl":
            records = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
        else:
            records = [{"text": path.read_text(encoding="utf-8")}]
        for record in records:
            raw = unicodedata.normalize("NFC", record["text"].replace("\r\n", "\n"))
            stamp = now()
            if path.suffix == ".jsonl":
                text, cuts = raw, [(0, len(raw), None)]
            else:  # a turn per speaker label, paragraphs kept
                marks = list(LABEL.finditer(raw))
                pieces = [
                    (
                        m.group(1),
                        raw[m.end() : marks[i + 1].start() if i + 1 < len(marks) else None],
                    )
                    for i, m in enumerate(marks)
                ]
                bodies, cuts, offset = [], [], 0
                for speaker, body in pieces:
                    body = body.strip()
                    bodies.append(body)
                    cuts.append((offset, offset + len(body), speaker))
                    offset += len(body) + 2
                text = "\n\n".join(bodies)  # joined once: adding each to a 50 MB text is slow
            doc = next_doc
            next_doc += 1
            documents.append(
                (doc, path.stem, str(path), path.name, "text", text,
                 hashlib.sha256(text.encode()).hexdigest(), "{}", WORD.subn("", text)[1], stamp,
                 len(text))
            )  # fmt: skip
            turns += [(doc, i, sp, s, e) for i, (s, e, sp) in enumerate(cuts)]
            if record.get("spans"):
                edit = next_edit
                next_edit += 1
                edits.append((edit, doc, annotator, "edit", stamp))
                for span in record["spans"]:
                    state = {
                        "document_id": doc, "annotator_id": annotator, "label": span["label"],
                        "start": span["start"], "end": span["end"], "attributes": {},
                        "note": "", "scheme_hash": scheme, "created_at": stamp,
                        "updated_at": stamp, "provenance": None, "question_id": None,
                    }  # fmt: skip
                    spans.append(
                        (next_span, doc, annotator, span["label"], span["start"], span["end"],
                         "{}", "", scheme, stamp, stamp)
                    )  # fmt: skip
                    changes.append((edit, next_span, "create", json.dumps(state)))
                    next_span += 1
    conn.executemany(
        "INSERT INTO documents (id, title, source_path, source_name, format, text, sha256, "
        "metadata, words, imported_at, length) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        documents,
    )
    conn.executemany(
        'INSERT INTO turns (document_id, turn_index, speaker, start, "end") VALUES (?, ?, ?, ?, ?)',
        turns,
    )
    conn.executemany(
        "INSERT INTO edits (id, document_id, annotator_id, kind, at) VALUES (?, ?, ?, ?, ?)", edits
    )
    conn.executemany(
        'INSERT INTO spans (id, document_id, annotator_id, label, start, "end", attributes, note, '
        "scheme_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        spans,
    )
    conn.executemany(
        'INSERT INTO span_changes (edit_id, span_id, action, "after") VALUES (?, ?, ?, ?)',
        changes,
    )
    conn.execute("COMMIT")
    print(f"{len(documents)} documents, {len(turns)} turns, {len(spans)} spans")


if __name__ == "__main__":
    main(Path(sys.argv[1]), [Path(a) for a in sys.argv[2:]])
