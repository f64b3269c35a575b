"""``parquet``: the span table and the documents table, as two Apache Parquet files.

Needs the ``parquet`` extra (``pip install 'annotator[parquet]'``, which installs pyarrow).
``-o labels.parquet`` writes:

- ``labels.parquet``, the **span table**, one row per span, the columns of the ``csv``
  export (:mod:`annotator.export.csv`, in the same order) with their types, null where the
  ``csv`` cell is empty:

  - ``document_id`` int64, ``title`` string, ``example_id`` string, ``turn_index`` int64
    (null without turns), ``speaker``, ``person``, ``role`` strings (null when unknown),
    ``annotator``, ``label`` strings, ``start``, ``end`` int64, ``text``, ``attributes``
    (a JSON object as a string), ``note``, ``created_at``, ``updated_at``, ``scheme_hash``
    strings (:data:`SPANS_SCHEMA`);
  - ``turn_start_time``, ``turn_end_time`` float64 (seconds), ``question_id`` int64,
    ``question_name`` string (:data:`MORE_SCHEMA`);
  - the attribute columns ``<label>.<attribute>``: string for a ``choice`` or ``text``
    attribute, bool for ``boolean``, float64 for ``number``; and ``<label>.<attribute>.<choice>``
    bool for each choice of a ``multichoice`` attribute (null for spans of other labels);
  - the metadata columns ``meta.<key>``, typed by their values across the documents: bool,
    int64 or float64 where every value is one (ints and floats mixed: float64), otherwise
    string (a value that is not a text as JSON).
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
from .examples import Example, ExportReport, flat_metadata

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
MORE_SCHEMA = pa.schema(
    [
        ("turn_start_time", pa.float64()),
        ("turn_end_time", pa.float64()),
        ("question_id", _INT),
        ("question_name", _STRING),
    ]
)
ATTRIBUTE_TYPES = {
    "choice": _STRING,
    "text": _STRING,
    "boolean": pa.bool_(),
    "number": pa.float64(),
}
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
    attributes = csv_export.AttributeColumns(scheme)
    spans: list[list[Any]] = []
    documents: list[dict[str, Any]] = []
    flat: dict[int, dict[str, Any]] = {}
    for example in examples:
        spans.extend(csv_export.rows(example, dumps, attributes))
        if example.document_id not in flat:
            flat[example.document_id] = flat_metadata(example.metadata)
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
    meta = csv_export.metadata_columns(flat.values(), attributes.names, report)
    schema = spans_schema(
        attributes,
        {name: [values.get(key) for values in flat.values()] for name, key in meta.items()},
    )
    columns: list[Sequence[Any]] = [list(column) for column in zip(*spans, strict=True)]
    if not spans:
        columns = [[] for _ in range(len(schema) - len(meta))]
    for name, key in meta.items():
        values = [flat[document_id].get(key) for document_id in columns[0]]
        columns.append(_typed(values, schema.field(name).type, dumps))
    span_table = pa.Table.from_arrays(
        [pa.array(column, type=f.type) for column, f in zip(columns, schema, strict=True)],
        schema=schema.with_metadata(metadata),
    )
    document_table = pa.Table.from_pylist(
        documents, schema=DOCUMENTS_SCHEMA.with_metadata(metadata)
    )
    pq.write_table(span_table, path)
    pq.write_table(document_table, documents_path(path))
    attributes.note(report)


def spans_schema(
    attributes: csv_export.AttributeColumns, metadata: dict[str, list[Any]] | None = None
) -> pa.Schema:
    """The span table's schema: the fixed columns, the scheme's attribute columns, and a
    metadata column per name in ``metadata`` typed by its values (see the module docstring)."""
    fields = [*SPANS_SCHEMA, *MORE_SCHEMA]
    fields += [pa.field(c.name, ATTRIBUTE_TYPES[c.type]) for c in attributes.columns]
    fields += [pa.field(name, _metadata_type(values)) for name, values in (metadata or {}).items()]
    return pa.schema(fields)


def _metadata_type(values: Sequence[Any]) -> pa.DataType:
    kinds = {type(value) for value in values if value is not None}
    if kinds == {bool}:
        return pa.bool_()
    if not kinds or not kinds <= {int, float}:
        return _STRING
    if any(isinstance(value, int) and not -(2**63) <= value < 2**63 for value in values):
        return _STRING  # past int64 (and float64 would round it)
    return _INT if kinds == {int} else pa.float64()


def _typed(values: list[Any], kind: pa.DataType, dumps: Any) -> list[Any]:
    """Metadata values for a column of type ``kind``: a string column's other values as JSON."""
    if kind != _STRING:
        return values
    return [value if value is None or isinstance(value, str) else dumps(value) for value in values]


def _name(example: Example, label: str | None) -> str | None:
    person = example.person(label)
    return person.name if person else None


def _role(example: Example, label: str | None) -> str | None:
    person = example.person(label)
    return person.role if person else None
