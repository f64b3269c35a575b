"""``csv``: one row per span, for spreadsheets and ``pandas.read_csv``.

UTF-8 without a BOM, comma-separated, a header row, fields quoted where needed (texts and
notes may hold commas, quotes and line breaks). Columns:

``document_id, title, example_id, turn_index, speaker, person, role, annotator, label, start,
end, text, attributes, note, created_at, updated_at, scheme_hash``

``start``/``end`` are half-open code-point offsets into the example's text (the document's,
or the turn's with ``--unit turn``) and ``text`` is the text they cover. ``turn_index`` and
``speaker`` are those of the turn the span starts in (empty when the document has no
turns); ``person`` and ``role`` are whom that speaker label names (``annotator speakers``;
the role empty when unknown). ``attributes`` is a JSON object (``{}`` when there are
none). A document or turn without spans has no rows: use ``jsonl`` or ``parquet`` for the
texts themselves.
"""

from __future__ import annotations

import bisect
import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..scheme import Scheme
from .examples import Example, ExportReport

COLUMNS = (
    "document_id",
    "title",
    "example_id",
    "turn_index",
    "speaker",
    "person",
    "role",
    "annotator",
    "label",
    "start",
    "end",
    "text",
    "attributes",
    "note",
    "created_at",
    "updated_at",
    "scheme_hash",
)


def write(
    examples: Iterable[Example],
    path: Path,
    scheme: Scheme,
    report: ExportReport,
    **options: Any,
) -> None:
    """Write the span table (layout in the module docstring)."""
    dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for example in examples:
            writer.writerows(rows(example, dumps))


def rows(example: Example, dumps: Any = json.dumps) -> list[list[Any]]:
    """The example's spans as CSV rows, in ``COLUMNS`` order."""
    text = example.text
    turns = example.turns
    starts = [turn.start for turn in turns]
    result = []
    for span in example.spans:
        if example.turn_index is not None:  # a turn example: its turn, with the original index
            turn_index, speaker = example.turn_index, example.speaker
        elif turns:
            turn = turns[max(0, bisect.bisect_right(starts, span.start) - 1)]
            turn_index, speaker = turn.index, turn.speaker
        else:
            turn_index, speaker = None, None
        result.append(
            [
                example.document_id,
                example.title,
                example.id,
                turn_index,
                speaker,
                span.person,
                span.role,
                span.annotator,
                span.label,
                span.start,
                span.end,
                text[span.start : span.end],
                dumps(dict(span.attributes)),
                span.note,
                span.created_at,
                span.updated_at,
                span.scheme_hash,
            ]
        )
    return result
