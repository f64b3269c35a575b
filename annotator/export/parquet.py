"""``parquet``: the span table and the documents table, as two Apache Parquet files.

Needs the ``parquet`` extra (``pip install 'annotator[parquet]'``, which installs pyarrow).
``-o labels.parquet`` writes:

- ``labels.parquet``, the **span table**, one row per span, the columns of the ``csv``
  export with their types: ``document_id`` int64, ``title`` string, ``example_id`` string,
  ``turn_index`` int64 (null without turns), ``speaker``, ``person``, ``role`` strings
  (null when unknown), ``annotator``, ``label`` strings, ``start``, ``end`` int64,
  ``text``, ``attributes`` (a JSON object as a string), ``note``, ``created_at``,
  ``updated_at``, ``scheme_hash`` strings.
- ``labels.documents.parquet``, the **documents table**, one row per example (document, or
  turn with ``--unit turn``): ``example_id``, ``document_id``, ``title``, ``format``,
  ``source_path``, ``text``, ``turn_index``, ``speaker``, ``turns`` (list of
  ``{index, speaker, start, end, start_time, end_time, person, role}``, times as float64
  seconds or null, person and role whom the label names or null),
  ``annotators`` (list of strings), ``metadata`` (a JSON object as a string),
  ``scheme_name``, ``scheme_version``, ``scheme_hash``.

Join the two on ``example_id``; offsets are half-open code-point offsets into the
documents table's ``text``. Both files carry the scheme (name, version, hash) in their
key-value metadata under ``annotator.scheme``. ``pandas.read_parquet`` reads each file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..scheme import Scheme
from . import csv as csv_export
from .examples import Example, ExportReport

_STRING = pa.string()
_INT = pa.int64()
SPANS_SCHEMA = pa.schema(
    [
        ("document_id", _INT),
        ("title", _STRING),
        ("example_id", _STRING),
        ("turn_index", _INT),
        ("speaker", _STRING),
        ("person", _STRING),
        ("role", _STRING),
        ("annotator", _STRING),
        ("label", _STRING),
        ("start", _INT),
        ("end", _INT),
        ("text", _STRING),
        ("attributes", _STRING),
        ("note", _STRING),
        ("created_at", _STRING),
        ("updated_at", _STRING),
        ("scheme_hash", _STRING),
    ]
)
_TURN = pa.struct(
    [
        ("index", _INT),
        ("speaker", _STRING),
        ("start", _INT),
        ("end", _INT),
        ("start_time", pa.float64()),
        ("end_time", pa.float64()),
        ("person", _STRING),
        ("role", _STRING),
    ]
)
DOCUMENTS_SCHEMA = pa.schema(
    [
        ("example_id", _STRING),
        ("document_id", _INT),
        ("title", _STRING),
        ("format", _STRING),
        ("source_path", _STRING),
        ("text", _STRING),
        ("turn_index", _INT),
        ("speaker", _STRING),
        ("turns", pa.list_(_TURN)),
        ("annotators", pa.list_(_STRING)),
        ("metadata", _STRING),
        ("scheme_name", _STRING),
        ("scheme_version", _INT),
        ("scheme_hash", _STRING),
    ]
)


def documents_path(path: Path) -> Path:
    """Where the documents table goes next to the span table ``path``."""
    return path.with_name(f"{path.stem}.documents.parquet")


def write(
    examples: Iterable[Example],
    path: Path,
    scheme: Scheme,
    report: ExportReport,
    **options: Any,
) -> None:
    """Write the span table to ``path`` and the documents table beside it."""
    dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
    spans: list[list[Any]] = []
    documents: list[dict[str, Any]] = []
    for example in examples:
        spans.extend(csv_export.rows(example, dumps))
        documents.append(
            {
                "example_id": example.id,
                "document_id": example.document_id,
                "title": example.title,
                "format": example.format,
                "source_path": example.source_path,
                "text": example.text,
                "turn_index": example.turn_index,
                "speaker": example.speaker,
                "turns": [
                    {
                        "index": t.index,
                        "speaker": t.speaker,
                        "start": t.start,
                        "end": t.end,
                        "start_time": t.start_time,
                        "end_time": t.end_time,
                        "person": _name(example, t.speaker),
                        "role": _role(example, t.speaker),
                    }
                    for t in example.turns
                ],
                "annotators": list(example.annotators),
                "metadata": dumps(dict(example.metadata)),
                "scheme_name": scheme.name,
                "scheme_version": scheme.version,
                "scheme_hash": scheme.hash,
            }
        )
    metadata = {
        "annotator.scheme": json.dumps(
            {"name": scheme.name, "version": scheme.version, "hash": scheme.hash}
        )
    }
    columns: list[Sequence[Any]] = (
        list(zip(*spans, strict=True)) if spans else [[] for _ in SPANS_SCHEMA]
    )
    span_table = pa.Table.from_arrays(
        [pa.array(column, type=f.type) for column, f in zip(columns, SPANS_SCHEMA, strict=True)],
        schema=SPANS_SCHEMA.with_metadata(metadata),
    )
    document_table = pa.Table.from_pylist(
        documents, schema=DOCUMENTS_SCHEMA.with_metadata(metadata)
    )
    pq.write_table(span_table, path)
    pq.write_table(document_table, documents_path(path))


def _name(example: Example, label: str | None) -> str | None:
    person = example.person(label)
    return person.name if person else None


def _role(example: Example, label: str | None) -> str | None:
    person = example.person(label)
    return person.role if person else None
