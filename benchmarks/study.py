"""Build a seeded study-sized project fast: N interviews x W words x A annotators x S spans.

    from study import build_study
    build_study(path, documents=2000, words=10_000, annotators=3, spans=100, seed=11)

The project is created through :class:`~annotator.store.Project` (schema, scheme, the
annotators), then the documents, turns, spans, statuses and one logged edit per layer are
written with ``executemany`` in one transaction. That bypasses the per-span change records
(``span_changes``) an import writes: only this benchmark builder does so, to build a
600,000-span project in seconds. Every span is valid under the bundled scheme (the
``deflection`` label gets its required ``kind``) and every layer is marked done.

The annotators' layers share a base: of each document's spans, about 60 % are identical in
every layer, the rest a boundary slip, a label swap or missing in one layer, plus a few of
each annotator's own.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from synthetic import generate_transcript

from annotator.model import count_words
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.store import Project

LABELS = ("quote", "deflection", "criticism")
REQUIRED = {"deflection": {"kind": "pivots"}}  # the values the bundled scheme requires
AT = "2026-01-01T00:00:00+00:00"


def annotator_names(count: int) -> list[str]:
    return [f"a{i:02d}" for i in range(1, count + 1)]


def _layers(
    rng: random.Random, length: int, spans: int, names: list[str]
) -> dict[str, list[tuple[str, int, int]]]:
    step = max(1, length // max(spans, 1))
    layers: dict[str, list[tuple[str, int, int]]] = {name: [] for name in names}
    for i in range(spans):
        start = min(length - 2, i * step + rng.randrange(0, max(1, step // 3)))
        end = min(start + rng.randrange(5, max(6, step // 2)), length)
        label = LABELS[i % len(LABELS)]
        for name in names:
            roll = rng.random()
            if roll < 0.8:
                layers[name].append((label, start, end))
            elif roll < 0.9:  # a boundary slip
                layers[name].append((label, start, max(start + 1, end - rng.randint(1, 5))))
            elif roll < 0.95:  # another label
                layers[name].append((LABELS[(i + 1) % len(LABELS)], start, end))
            # else: left out
    return layers


def build_study(
    path: Path,
    documents: int,
    words: int,
    annotators: int,
    spans: int,
    seed: int = 11,
    texts: int = 50,
) -> None:
    """Write the project to ``path`` (which must not exist). ``texts`` distinct synthetic
    transcripts are generated and reused with a numbered first line (the documents' texts
    must differ), which keeps building a 2,000-interview project to seconds."""
    scheme = load_scheme_file(default_scheme_path())
    names = annotator_names(annotators)
    rng = random.Random(seed)
    bases = [generate_transcript(words, seed * 1000 + k) for k in range(min(texts, documents))]
    with Project.create(path, scheme) as project:
        ids = {name: project.annotator_id(name) for name in names}
        scheme_hash = project.scheme.hash
        db = project.db.conn
        db.execute("BEGIN")
        for number in range(1, documents + 1):
            body, turns = bases[(number - 1) % len(bases)]
            head = f"Interview {number}\n\n"
            text = head + body
            cursor = db.execute(
                "INSERT INTO documents (title, source_path, source_name, format, text, sha256, "
                "metadata, words, imported_at, length) "
                "VALUES (?, ?, ?, 'text', ?, ?, '{}', ?, ?, ?)",
                [
                    f"Interview {number}",
                    f"study/{number}.txt",
                    f"{number}.txt",
                    text,
                    hashlib.sha256(text.encode()).hexdigest(),
                    count_words(text),
                    AT,
                    len(text),
                ],
            )
            document_id = int(cursor.lastrowid or 0)
            shift = len(head)
            db.executemany(
                'INSERT INTO turns (document_id, turn_index, speaker, start, "end", start_time, '
                "end_time, words) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (document_id, t.index, t.speaker, t.start + shift, t.end + shift,
                     t.start_time, t.end_time, count_words(body[t.start : t.end]))
                    for t in turns
                ],
            )  # fmt: skip
            for name, layer in _layers(rng, len(text), spans, names).items():
                annotator_id = ids[name]
                db.execute(
                    "INSERT INTO edits (document_id, annotator_id, kind, at) "
                    "VALUES (?, ?, 'edit', ?)",
                    [document_id, annotator_id, AT],
                )
                db.executemany(
                    'INSERT INTO spans (document_id, annotator_id, label, start, "end", '
                    "attributes, scheme_hash, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (document_id, annotator_id, label, start, end,
                         json.dumps(REQUIRED.get(label, {})), scheme_hash, AT, AT)
                        for label, start, end in layer
                    ],
                )  # fmt: skip
                db.execute(
                    "INSERT INTO document_status (document_id, annotator_id, status, updated_at) "
                    "VALUES (?, ?, 'done', ?)",
                    [document_id, annotator_id, AT],
                )
                db.execute(
                    'INSERT INTO status_changes (document_id, annotator_id, "before", "after", '
                    "at, via) VALUES (?, ?, 'new', 'done', ?, 'import')",
                    [document_id, annotator_id, AT],
                )
        # What the span writer keeps as it writes (the overlap query's bound, m012).
        db.execute(
            "INSERT INTO span_extents (document_id, annotator_id, longest) "
            'SELECT document_id, annotator_id, max("end" - start) FROM spans '
            "GROUP BY document_id, annotator_id"
        )
        db.execute("COMMIT")
