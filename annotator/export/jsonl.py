"""``jsonl``: the native format, everything the project knows, one JSON object per line.

One line per example (a document, or one speaker turn with ``--unit turn``), UTF-8 without
a BOM, ``\\n`` line ends, keys always present and always of one type, so that
``pandas.read_json(path, lines=True)`` and ``datasets.load_dataset("json", data_files=path)``
load it::

    {"id": "doc-3",                       # example id: "doc-<id>" or "doc-<id>-turn-<n>"
     "document_id": 3, "title": "...", "format": "vtt",   # import format of the document
     "source_path": "/data/debate.vtt",   # the file imported (resolved), or null
     "text": "...",                       # the example's text (a turn's text for --unit turn)
     "turns": [{"index": 0, "speaker": "HOST", "start": 0, "end": 52,
                "start_time": 1.5, "end_time": 9.0,       # speaker, times: null when unknown
                "person": "Nick Robinson",  # whom the label names (annotator speakers)
                "role": "interviewer"}],    # the person's role, or null
     "spans": [{"id": 17, "label": "quote", "start": 0, "end": 11, "text": "I won't say",
                "annotator": "alice", "attributes": {"form": "direct"}, "note": "",
                "created_at": "2025-01-01T10:00:00.000+00:00", "updated_at": "...",
                "scheme_hash": "9f2c...",
                "provenance": null,       # gold spans: how they came about (gold.py)
                "question": 5,            # the id of the question it responds to, or null
                "speaker": "HOST", "person": "Nick Robinson", "role": "interviewer"}],
                                          # of the turn the span starts in
     "questions": [{"id": 5, "name": "Q1", "parent": null,  # parts: their question's id
                    "start": 60, "end": 91, "text": "Will you...?",
                    "wording": null,      # as a dataset phrases it, when not its text
                    "speaker": "HOST", "status": "confirmed",    # or "proposed"
                    "person": "Nick Robinson", "role": "interviewer",  # the asker's
                    "response_start": 91, "response_end": 140,
                    "response_set": false,  # true: moved by hand; false: the default region
                    "created_at": "...", "updated_at": "..."}],
     "codes": [{"id": 8, "annotator": "alice", "unit": "question",  # or "document"
                "question": 5,            # the question's id; null for a document code
                "label": "dodging", "attributes": {}, "note": "",
                "created_at": "...", "updated_at": "...", "scheme_hash": "9f2c...",
                "provenance": null}],     # gold codes: how they came about
     "annotators": ["alice", "bob"],      # whose layers the line carries, even when empty
     "statuses": {"alice": "done", "bob": "in_progress"},  # each layer's status
     "metadata": {...},                   # the document's metadata: always an object
     "turn_index": null, "speaker": null, # the turn's index and speaker for --unit turn
     "scheme": {"name": "political-interview", "version": 1, "hash": "9f2c..."}}

Offsets are half-open ``[start, end)`` code-point offsets into the line's ``text`` (Python
``text[start:end]`` is ``spans[].text`` and ``questions[].text``); turns are in order and do
not overlap. ``questions`` are all the document's questions (shared by the annotators), in
text order, each followed by its parts; ``codes`` are the unit codes of the line's layers
(``annotators``; the gold layer's with ``--layer gold``). A turn line (``--unit turn``)
carries no questions or codes and no span's ``question`` (a response runs into other turns;
the export reports how many it leaves out). ``scheme``
is the project's scheme at export time; each span's ``scheme_hash`` is the scheme version it
was last edited under. ``annotator import FILE.jsonl`` reads this format back (format
``annotator-jsonl``, see :mod:`annotator.io.annotator_jsonl`): export, import into a new
project and export again gives the same lines up to ids (the gold layer's ``provenance``
names the ids of its sources, which a new project does not have: they import as ``[]``);
the turns' ``person`` and ``role`` say whom each speaker label names in the new project.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..scheme import Scheme
from .examples import Example, ExportReport


def write(
    examples: Iterable[Example],
    path: Path,
    scheme: Scheme,
    report: ExportReport,
    **options: Any,
) -> None:
    """Write one line per example (layout in the module docstring)."""
    scheme_info = {"name": scheme.name, "version": scheme.version, "hash": scheme.hash}
    dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    with open(path, "w", encoding="utf-8", newline="") as out:
        for example in examples:
            out.write(dumps(record(example, scheme_info)))
            out.write("\n")


def record(example: Example, scheme_info: dict[str, Any]) -> dict[str, Any]:
    """One example as the JSON object of its line."""
    text = example.text

    def person(label: str | None) -> dict[str, str | None]:
        found = example.person(label)
        return {"person": found.name if found else None, "role": found.role if found else None}

    return {
        "id": example.id,
        "document_id": example.document_id,
        "title": example.title,
        "format": example.format,
        "source_path": example.source_path,
        "text": text,
        "turns": [
            {
                "index": turn.index,
                "speaker": turn.speaker,
                "start": turn.start,
                "end": turn.end,
                # Always a float or null, so the column has one type.
                "start_time": None if turn.start_time is None else float(turn.start_time),
                "end_time": None if turn.end_time is None else float(turn.end_time),
                **person(turn.speaker),
            }
            for turn in example.turns
        ],
        "spans": [
            {
                "id": span.id,
                "label": span.label,
                "start": span.start,
                "end": span.end,
                "text": text[span.start : span.end],
                "annotator": span.annotator,
                "attributes": dict(span.attributes),
                "note": span.note,
                "created_at": span.created_at,
                "updated_at": span.updated_at,
                "scheme_hash": span.scheme_hash,
                "provenance": dict(span.provenance) if span.provenance else None,
                "question": span.question_id,
                "speaker": span.speaker,
                "person": span.person,
                "role": span.role,
            }
            for span in example.spans
        ],
        "questions": [
            {
                "id": question.id,
                "name": question.name,
                "parent": question.parent_id,
                "start": question.start,
                "end": question.end,
                "text": text[question.start : question.end],
                "wording": question.wording,
                "speaker": question.speaker,
                **person(question.speaker),
                "status": question.status,
                "response_start": question.response[0],
                "response_end": question.response[1],
                "response_set": question.response_set,
                "created_at": question.created_at,
                "updated_at": question.updated_at,
            }
            for question in example.questions
        ],
        "codes": [
            {
                "id": code.id,
                "annotator": code.annotator,
                "unit": code.unit,
                "question": code.question_id,
                "label": code.label,
                "attributes": dict(code.attributes),
                "note": code.note,
                "created_at": code.created_at,
                "updated_at": code.updated_at,
                "scheme_hash": code.scheme_hash,
                "provenance": dict(code.provenance) if code.provenance else None,
            }
            for code in example.codes
        ],
        "annotators": list(example.annotators),
        "statuses": dict(example.statuses),
        "metadata": dict(example.metadata),
        "turn_index": example.turn_index,
        "speaker": example.speaker,
        "scheme": scheme_info,
    }
