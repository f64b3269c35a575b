"""``csv``: one row per span, for spreadsheets, ``pandas.read_csv`` and R's ``readr``.

UTF-8 without a BOM, comma-separated, a header row, fields quoted where needed (texts and
notes may hold commas, quotes and line breaks). Columns, in this order (new columns are only
ever added at the end of a group, so code that selects columns by name keeps working):

1. ``document_id, title, example_id, turn_index, speaker, person, role, annotator, label,
   start, end, text, attributes, note, created_at, updated_at, scheme_hash`` (:data:`COLUMNS`);
2. ``turn_start_time, turn_end_time, question_id, question_name`` (:data:`MORE_COLUMNS`);
3. one column per attribute of every span label of the scheme, in the scheme's order:
   ``<label>.<attribute>`` (``deflection.kind``, ``commitment.specificity``), and for a
   ``multichoice`` attribute one column per choice instead, ``<label>.<attribute>.<choice>``;
4. ``meta.<key>`` for each key of the exported documents' metadata: ``meta.date``,
   ``meta.source`` and ``meta.url`` first where any document has them, then the others
   sorted (nested objects as ``meta.<key>.<subkey>``, as ``questions-csv`` names them).

``start``/``end`` are half-open code-point offsets into the example's text (the document's,
or the turn's with ``--unit turn``) and ``text`` is the text they cover. ``turn_index``,
``speaker``, ``turn_start_time`` and ``turn_end_time`` are those of the turn the span starts
in (empty when the document has no turns, the times also when the transcript has none; in
seconds from the start of the recording); ``person`` and ``role`` are whom that speaker
label names (``annotator speakers``; the role empty when unknown). ``question_id`` and
``question_name`` ("Q3b") are the question unit the span responds to (empty when it responds
to none, and with ``--unit turn``); they join the ``questions-csv`` rows on ``question_id``
and ``annotator``.

``attributes`` is the span's attributes as a JSON object (``{}`` when there are none); the
attribute columns spell them out. A ``<label>.<attribute>`` cell is the value as given (a
choice, a text, a number, ``true``/``false``), empty when the span's label is another one
or the span has no value; a ``<label>.<attribute>.<choice>`` cell is ``true`` or ``false``
for every span of that label (nothing chosen: all ``false``) and empty for other labels. A
value that fits no column of the current scheme (a span made with an older version: an
attribute since removed, a multichoice's choice since removed, a value of another type) is
only in ``attributes``, and the summary counts such values; a ``choice`` value since removed
from the choices is still shown. Metadata cells are the values as stored, lists and objects
as JSON, booleans ``true``/``false``.

Column names never collide: labels and attributes are slugs (no dots) and the fixed columns
have no dots; only a label called ``meta`` could name a column like a metadata key, and then
the metadata column gets ``_2`` (the summary says so).

``pandas.read_csv(path)`` reads numbers as numbers and a column of ``true``/``false`` as
booleans (``dtype_backend="numpy_nullable"`` keeps a column with empty cells boolean too);
R's ``readr::read_csv`` does the same. A document or turn without spans has no rows: use
``questions-csv`` for question units with or without spans, ``jsonl`` or ``parquet`` for the
texts themselves.
"""

from __future__ import annotations

import bisect
import csv
import io
import itertools
import json
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..scheme import Scheme
from ..scheme.model import Attribute
from .examples import Example, ExportReport, flat_metadata

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
MORE_COLUMNS = ("turn_start_time", "turn_end_time", "question_id", "question_name")
FIRST_METADATA = ("meta.date", "meta.source", "meta.url")


@dataclass(frozen=True)
class AttributeColumn:
    """One attribute column: a label's attribute, or one choice of a multichoice one."""

    name: str
    label: str
    attribute: Attribute
    choice: str | None = None  # a multichoice attribute's choice: a true/false column

    @property
    def type(self) -> str:
        """The type of the column's values: the attribute's, ``boolean`` for a choice."""
        return "boolean" if self.choice is not None else self.attribute.type


# Whether a stored value fits a column of the attribute's type (as the scheme has it now).
_FITS = {
    "choice": lambda value: isinstance(value, str),
    "text": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "number": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
}


class AttributeColumns:
    """The attribute columns of a scheme, and each span's cells in them (booleans as
    ``booleans``: the csv writes ``true`` and ``false``)."""

    def __init__(self, scheme: Scheme, booleans: tuple[Any, Any] = (True, False)) -> None:
        self._true, self._false = booleans
        self.columns: list[AttributeColumn] = []
        # Per label: (position, attribute id, its type, choice) of each of its columns, and
        # whether it has a multichoice attribute (whose list values count one per choice).
        self._places: dict[str, list[tuple[int, str, str, str | None]]] = {}
        self._multichoice: set[str] = set()
        for label in scheme.labels:
            places = self._places.setdefault(label.id, [])
            for attribute in label.attributes:
                name = f"{label.id}.{attribute.id}"
                choices: Sequence[str | None] = (None,)
                if attribute.type == "multichoice":
                    choices = attribute.choices
                    self._multichoice.add(label.id)
                for choice in choices:
                    places.append((len(self.columns), attribute.id, attribute.type, choice))
                    column = name if choice is None else f"{name}.{choice}"
                    self.columns.append(AttributeColumn(column, label.id, attribute, choice))
        self._blank: list[Any] = [None] * len(self.columns)
        self.unshown = 0  # values only the attributes column has (see the module docstring)
        self.unshown_spans = 0

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def cells(self, label: str, values: Mapping[str, Any]) -> list[Any]:
        """A span's cells, typed (str, int, float, a boolean), None where empty."""
        cells = self._blank.copy()
        shown = 0
        for position, key, kind, choice in self._places.get(label, ()):
            value = values.get(key)
            if choice is not None:  # a multichoice value: a list (a text, from a choice)
                if value == choice or (isinstance(value, (list, tuple)) and choice in value):
                    cells[position] = self._true
                    shown += 1
                else:
                    cells[position] = self._false
            elif value is not None and _FITS[kind](value):
                if kind == "boolean":
                    value = self._true if value else self._false
                cells[position] = value
                shown += 1
        # A column shows at most one value: with as many shown as the span has, and no
        # multichoice list that could hold more, none is left out.
        if shown < len(values) or label in self._multichoice:
            given = sum(
                len(value) if isinstance(value, (list, tuple)) else 1
                for value in values.values()
                if value is not None
            )
            if shown < given:  # an attribute, a choice or a type the scheme no longer has
                self.unshown += given - shown
                self.unshown_spans += 1
        return cells

    def note(self, report: ExportReport) -> None:
        if self.unshown:
            values = f"{self.unshown} attribute value{'s' if self.unshown != 1 else ''}"
            spans = f"{self.unshown_spans} span{'s' if self.unshown_spans != 1 else ''}"
            report.notes.append(
                f"{values} of {spans} fit no attribute column of the scheme (made with an "
                "older version of it): they are in the attributes column only."
            )


def write(
    examples: Iterable[Example],
    path: Path,
    scheme: Scheme,
    report: ExportReport,
    **options: Any,
) -> None:
    """Write the span table (layout in the module docstring).

    The metadata columns are known only once every document is read, so the rows wait in a
    temporary file beside ``path``, as CSV, until the header is written; then each follows
    it with its document's metadata cells added at its end (the length of every row is kept
    to find its end).
    """
    dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
    attributes = AttributeColumns(scheme, ("true", "false"))
    metadata: dict[int, dict[str, Any]] = {}
    lengths: list[tuple[int, list[int]]] = []  # per example: its document, its rows' lengths
    buffer = io.StringIO()
    spooled = csv.writer(buffer, lineterminator=_END)
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="", dir=path.parent) as spool:
        for example in examples:
            if example.document_id not in metadata:
                metadata[example.document_id] = flat_metadata(example.metadata)
            written = [spooled.writerow(row) for row in rows(example, dumps, attributes)]
            lengths.append((example.document_id, written))
            spool.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
        meta = metadata_columns(metadata.values(), attributes.names, report)
        tails = {}
        for document_id, flat in metadata.items():  # each one's cells as CSV: ",a,b"
            spooled.writerow(["-", *(cell(flat.get(key)) for key in meta.values())])
            tails[document_id] = buffer.getvalue()[1 : -len(_END)]
            buffer.seek(0)
            buffer.truncate()
        spool.seek(0)
        with open(path, "w", encoding="utf-8", newline="") as out:
            csv.writer(out, lineterminator=_END).writerow(
                [*COLUMNS, *MORE_COLUMNS, *attributes.names, *meta]
            )
            for document_id, sizes in lengths:
                text = spool.read(sum(sizes))
                if not meta:
                    out.write(text)
                    continue
                tail = tails[document_id] + _END
                ends = list(itertools.accumulate(sizes))
                out.write(
                    "".join(
                        text[end - size : end - len(_END)] + tail
                        for end, size in zip(ends, sizes, strict=True)
                    )
                )
    attributes.note(report)


_END = "\r\n"  # the csv module's line end (RFC 4180)


def rows(
    example: Example, dumps: Any = json.dumps, attributes: AttributeColumns | None = None
) -> list[list[Any]]:
    """The example's spans as rows of typed values (None where empty): the columns of
    :data:`COLUMNS` and :data:`MORE_COLUMNS`, then ``attributes``' columns if given."""
    text = example.text
    turns = example.turns
    starts = [turn.start for turn in turns]
    names = {question.id: question.name for question in example.questions}
    result = []
    for span in example.spans:
        turn_index: int | None = None
        speaker = None
        start_time = end_time = None
        if turns:  # the turn it starts in (a turn example has one)
            turn = turns[max(0, bisect.bisect_right(starts, span.start) - 1)]
            turn_index, speaker = turn.index, turn.speaker
            start_time, end_time = turn.start_time, turn.end_time
        if example.turn_index is not None:  # a turn example: the turn's index in its document
            turn_index, speaker = example.turn_index, example.speaker
        row = [
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
            start_time,
            end_time,
            span.question_id,
            names.get(span.question_id) if span.question_id is not None else None,
        ]
        if attributes is not None:
            row.extend(attributes.cells(span.label, span.attributes))
        result.append(row)
    return result


def metadata_columns(
    documents: Iterable[Mapping[str, Any]], taken: Iterable[str], report: ExportReport
) -> dict[str, str]:
    """The metadata columns: ``{column name: meta.<key>}`` for the keys of the documents'
    flattened metadata (``meta.date``, ``meta.source``, ``meta.url`` first, the rest sorted),
    a name another column has taken given ``_2`` (``_3``...)."""
    keys = {key for flat in documents for key in flat}
    ordered = [key for key in FIRST_METADATA if key in keys]
    ordered += sorted(keys.difference(FIRST_METADATA))
    used = {*COLUMNS, *MORE_COLUMNS, *taken}
    result: dict[str, str] = {}
    for key in ordered:
        name, number = key, 1
        while name in used:
            number += 1
            name = f"{key}_{number}"
        if name != key:
            report.notes.append(
                f"The metadata key '{key.removeprefix('meta.')}' is in the column '{name}': "
                f"an attribute column of the scheme is called '{key}'."
            )
        used.add(name)
        result[name] = key
    return result


def cell(value: Any) -> Any:
    """A value as a CSV cell: empty for None, ``true``/``false``, lists and objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, Mapping)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value
