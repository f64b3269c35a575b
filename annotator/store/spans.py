"""Spans: reading them, and the one writer every span change goes through.

:class:`SpanWriter` is the only code that writes the ``spans`` table (a test checks it). App
edits, undo and redo, imports, suggestions accepted or turned down, and every gold-layer
decision (accept, reject, revise, adjudicate, auto-merge) call it, inside a write
transaction and an edit of the change log, and it applies the scheme the same way for all:

- the label must be in the scheme, and not deprecated for a new span or a new label;
- offsets must be a non-empty ``[start, end)`` inside the document's text;
- a span may respond to a question of its document (``question_id``); a new span responds by
  default to the question whose response region holds its start;
- within one annotator's layer, spans of one label responding to one question never overlap:
  with ``same_label_overlap: merge`` the overlapping ones (transitively) become one span,
  with ``refuse`` the change is refused (two spans of one label on the same text that respond
  to different questions are both kept: one answer can evade two sub-questions differently);
  spans of different labels may cross only with ``allow_overlap`` and lie inside one
  another only with ``allow_nesting``;
- merging never drops an attribute value: where the spans give an attribute different values,
  :class:`~annotator.errors.MergeConflict` is raised unless the caller chose to keep the
  existing value or take the new one (``on_conflict``); notes are joined;
- attribute values must be of their type (a choice among the choices); required ones must
  have a value, except where the caller allows a span to stay incomplete (an import with
  ``--allow-incomplete``, a span that already lacked them, undo and redo);
- undo and redo restore earlier states exactly, and are refused (nothing changed) when the
  span changed since or the scheme now forbids the state they would bring back;
- a scheme upgrade (:meth:`SpanWriter.migrate`) only renames: label, attributes and choices
  as the upgrade's plan says (``annotator/scheme/diff.py``), the place, note, question and
  times kept; a value the new scheme refuses is kept rather than dropped, when the plan says
  so (the span then needs review).

Every change is recorded in the log in the same transaction.
"""

from __future__ import annotations

import bisect
import itertools
import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import AnnotatorError, InvalidValue, MergeConflict, ProjectError, StaleView
from ..model import Span, check_span_offsets
from ..scheme import Label, Scheme, Settings
from .annotators import Annotators
from .connection import Connection
from .database import now
from .log import ChangeLog, Step
from .questions import QuestionStore

OnConflict = Literal["refuse", "keep", "replace"]
# A new span's question: an id, None (none), or the default (the region holding its start).
QuestionLink = int | None | Literal["default"]
ON_CONFLICT: tuple[OnConflict, ...] = ("refuse", "keep", "replace")
FLUSH_ROWS = 5_000  # rows a batch (create_many) writes per statement, at most
RELINK_BATCH = 64  # relinks from which relink_many reads the document's layers at once

SPAN_COLUMNS = (
    'id, document_id, annotator_id, label, start, "end", attributes, note, scheme_hash, '
    "created_at, updated_at, provenance, question_id"
)
_PLACEHOLDERS = ", ".join("?" * len(SPAN_COLUMNS.split(", ")))

State = dict[str, Any]  # a span row as the change log keeps it (without its id)


def state_of_row(row: Sequence[Any]) -> State:
    """A ``spans`` row (``SPAN_COLUMNS``) as the JSON kept in the change log, without its id."""
    return {
        "document_id": row[1],
        "annotator_id": row[2],
        "label": row[3],
        "start": row[4],
        "end": row[5],
        "attributes": json.loads(row[6]) if row[6] != "{}" else {},  # most spans have none
        "note": row[7],
        "scheme_hash": row[8],
        "created_at": row[9],
        "updated_at": row[10],
        "provenance": json.loads(row[11]) if row[11] else None,
        "question_id": row[12],
    }


def _state_values(state: Mapping[str, Any]) -> list[Any]:
    """A span state's values in ``SPAN_COLUMNS`` order, without the id."""
    return [
        state["document_id"],
        state["annotator_id"],
        state["label"],
        state["start"],
        state["end"],
        json.dumps(state["attributes"], ensure_ascii=False, sort_keys=True)
        if state["attributes"]
        else "{}",
        state["note"],
        state["scheme_hash"],
        state["created_at"],
        state["updated_at"],
        None if state.get("provenance") is None else json.dumps(state["provenance"]),
        state.get("question_id"),
    ]


@dataclass(frozen=True)
class NewSpan:
    """A span to add to a layer. ``where`` names its place in an imported file (for errors)."""

    label: str
    start: int
    end: int
    attributes: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    provenance: Mapping[str, Any] | None = None
    # Kept from a file that records them (the native jsonl export); None: stamped now.
    created_at: str | None = None
    updated_at: str | None = None
    scheme_hash: str | None = None
    question: QuestionLink = "default"


def normal_state(state: Mapping[str, Any] | None) -> State | None:
    """A logged span state as the current schema holds it (edits logged before questions
    existed have no ``question_id``)."""
    return None if state is None else {"question_id": None, **state}


def _attributes(text: str, parsed: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A span's attributes from their JSON text, each span its own dict: a text seen before
    is copied rather than parsed again (spans of a label often share their values); one
    with a list value (multiple choice) is parsed again, so no two spans share a list."""
    if text == "{}":
        return {}
    known = parsed.get(text)
    if known is None:
        known = parsed[text] = json.loads(text)
        if any(isinstance(value, (list, dict)) for value in known.values()):
            parsed[text] = {}  # not to be shared: a marker, parsed every time
            return known
    if not known:
        return json.loads(text)
    return dict(known)


class SpanReader:
    """Spans as :class:`~annotator.model.Span` values."""

    def __init__(self, connection: Connection, annotators: Annotators) -> None:
        self.connection = connection
        self.annotators = annotators

    def span_of(self, span_id: int, state: Mapping[str, Any]) -> Span:
        return Span(
            id=span_id,
            document_id=state["document_id"],
            annotator=self.annotators.name(state["annotator_id"]),
            label=state["label"],
            start=state["start"],
            end=state["end"],
            attributes=state["attributes"],
            note=state["note"],
            scheme_hash=state["scheme_hash"],
            created_at=state["created_at"],
            updated_at=state["updated_at"],
            provenance=state.get("provenance"),
            question_id=state.get("question_id"),
        )

    def where(self, condition: str, params: Sequence[Any]) -> list[Span]:
        """The spans of the rows matching ``condition``, built straight from the rows (a
        document may have 100,000: no state dict per row, each annotator's name looked up
        once, and each distinct attributes text parsed once)."""
        sql = f"SELECT {SPAN_COLUMNS} FROM spans WHERE {condition}"
        names: dict[int, str] = {}
        parsed: dict[str, dict[str, Any]] = {}
        spans = []
        for row in self.connection.db.execute(sql, params):
            name = names.get(row[2])
            if name is None:
                name = names[row[2]] = self.annotators.name(row[2])
            attributes = _attributes(row[6], parsed)
            provenance = json.loads(row[11]) if row[11] else None
            spans.append(
                Span(
                    row[0],
                    row[1],
                    name,
                    row[3],
                    row[4],
                    row[5],
                    attributes,
                    row[7],
                    row[8],
                    row[9],
                    row[10],
                    provenance,
                    row[12],
                )
            )
        return spans

    def layer_rows(self, document_id: int, annotator_id: int) -> list[tuple[Any, ...]]:
        """One annotator's layer of a document as rows (``SPAN_COLUMNS``): cheap to read in
        bulk; :meth:`span_of_row` makes a span of one."""
        sql = f"SELECT {SPAN_COLUMNS} FROM spans WHERE document_id = ? AND annotator_id = ?"
        return self.connection.db.execute(sql, [document_id, annotator_id]).fetchall()

    def span_of_row(self, row: Sequence[Any]) -> Span:
        return self.span_of(row[0], state_of_row(row))

    def layer(self, document_id: int, annotator_id: int | None) -> list[Span]:
        """A document's spans in text order: one annotator's layer, or every layer."""
        if annotator_id is None:
            return self.where('document_id = ? ORDER BY start, "end", id', [document_id])
        return self.where(
            'document_id = ? AND annotator_id = ? ORDER BY start, "end", id',
            [document_id, annotator_id],
        )

    def places(
        self, document_ids: Sequence[int], current: str | None = None
    ) -> Iterator[tuple[int, str, str, int, int, str, str | None]]:
        """Every span of the documents as ``(document_id, annotator, label, start, end,
        attributes JSON, scheme_hash)``, by document and annotator, each layer in text order
        (as :meth:`layer`): one query per 500 documents for a pass over a whole project,
        without building :class:`~annotator.model.Span` values (the rows are SQLite's, the
        names joined in SQL: no Python work per row). A scheme hash that is ``current``
        comes as ``None`` (no string is made for it)."""
        ids = sorted(document_ids)
        chunks = (ids[first : first + 500] for first in range(0, len(ids), 500))
        return itertools.chain.from_iterable(self._places(chunk, current) for chunk in chunks)

    def _places(
        self, chunk: list[int], current: str | None
    ) -> Iterator[tuple[int, str, str, int, int, str, str | None]]:
        marks = ", ".join("?" * len(chunk))
        return self.connection.db.execute(  # type: ignore[no-any-return]
            'SELECT s.document_id, a.name, s.label, s.start, s."end", s.attributes, '
            "NULLIF(s.scheme_hash, ?) FROM spans s JOIN annotators a ON a.id = s.annotator_id "
            f"WHERE s.document_id IN ({marks}) "
            'ORDER BY s.document_id, s.annotator_id, s.start, s."end", s.id',
            [current, *chunk],
        )

    def extents(self, document_id: int, annotator_id: int) -> set[tuple[str, int, int]]:
        """One annotator's layer of a document as (label, start, end) places."""
        rows = self.connection.db.execute(
            'SELECT label, start, "end" FROM spans WHERE document_id = ? AND annotator_id = ?',
            [document_id, annotator_id],
        )
        return {(label, start, end) for label, start, end in rows}

    def layer_size(self, document_id: int, annotator_id: int) -> int:
        row = self.connection.db.execute(
            "SELECT count(*) FROM spans WHERE document_id = ? AND annotator_id = ?",
            [document_id, annotator_id],
        ).fetchone()
        return int(row[0])

    def layer_states(self, document_id: int, annotator_id: int) -> list[tuple[int, State]]:
        """One annotator's layer of a document as ``(id, state)`` pairs."""
        rows = self.connection.db.execute(
            f"SELECT {SPAN_COLUMNS} FROM spans WHERE document_id = ? AND annotator_id = ?",
            [document_id, annotator_id],
        )
        return [(row[0], state_of_row(row)) for row in rows]

    def document_states(self, document_id: int) -> list[tuple[int, State]]:
        """Every layer of a document as ``(id, state)`` pairs."""
        rows = self.connection.db.execute(
            f"SELECT {SPAN_COLUMNS} FROM spans WHERE document_id = ?", [document_id]
        )
        return [(row[0], state_of_row(row)) for row in rows]

    def state(self, span_id: int) -> State | None:
        row = self.connection.db.execute(
            f"SELECT {SPAN_COLUMNS} FROM spans WHERE id = ?", [span_id]
        ).fetchone()
        return None if row is None else state_of_row(row)

    def span(self, span_id: int) -> Span:
        state = self.state(span_id)
        if state is None:
            raise ProjectError(f"no span with id {span_id}")
        return self.span_of(span_id, state)

    def overlapping(
        self, document_id: int, annotator_id: int, start: int, end: int, exclude: set[int]
    ) -> list[tuple[int, State]]:
        """The layer's spans overlapping ``[start, end)``, in text order, but ``exclude``.

        No span of the layer is longer than its recorded extent (``span_extents``, kept by
        the writer), so only the index range ``start`` in ``[start - longest, end)`` is read.
        """
        db = self.connection.db
        row = db.execute(
            "SELECT longest FROM span_extents WHERE document_id = ? AND annotator_id = ?",
            [document_id, annotator_id],
        ).fetchone()
        if row is None:
            return []  # the layer never held a span
        rows = db.execute(
            f"SELECT {SPAN_COLUMNS} FROM spans WHERE document_id = ? AND annotator_id = ? "
            'AND start < ? AND start >= ? AND "end" > ? ORDER BY start, "end", id',
            [document_id, annotator_id, end, start - row[0], start],
        )
        return [(row[0], state_of_row(row)) for row in rows if row[0] not in exclude]


class SpanWriter:
    """The one door for span changes (see the module docstring for its rules).

    Every method runs inside the caller's write transaction and edit; a refusal raises before
    anything of the change is written, so the transaction rolls back clean.
    """

    def __init__(
        self,
        connection: Connection,
        log: ChangeLog,
        reader: SpanReader,
        scheme: Callable[[], Scheme],
        text_length: Callable[[int], int],
        questions: QuestionStore,
    ) -> None:
        self.connection = connection
        self.log = log
        self.reader = reader
        self._scheme = scheme
        self._text_length = text_length
        self.questions = questions

    @property
    def scheme(self) -> Scheme:
        return self._scheme()

    # ---- changes -------------------------------------------------------------------------

    def create(
        self,
        edit_id: int,
        document_id: int,
        annotator_id: int,
        new: NewSpan,
        *,
        incomplete: bool = False,
        on_conflict: OnConflict = "refuse",
    ) -> tuple[int, State]:
        """Add a span to the layer (merging same-label spans it overlaps); its id and state."""
        span_id, state, _ = self._create(
            edit_id, document_id, annotator_id, new, incomplete=incomplete, on_conflict=on_conflict
        )
        return span_id, state

    def create_many(
        self,
        edit_id: int,
        document_id: int,
        annotator_id: int,
        spans: Sequence[NewSpan],
        *,
        incomplete: bool = False,
    ) -> list[int]:
        """Add spans to the layer as :meth:`create` would one after another (same checks,
        same merges, same rows, ids and change log), in far fewer statements: an import's
        path. The layer is held in memory while the spans are checked against it; the spans
        that touch nothing of their own label are written together (``executemany``), and one
        that must merge goes through :meth:`create` itself. The ids of the spans written.

        A refusal raises :class:`SpanRefused` naming the span (its index in ``spans``).
        """
        created = self.create_each(edit_id, document_id, annotator_id, spans, incomplete=incomplete)
        return [span_id for _, span_id, _ in created]

    def create_each(
        self,
        edit_id: int,
        document_id: int,
        annotator_id: int,
        spans: Sequence[NewSpan],
        *,
        incomplete: bool = False,
        refused: Callable[[int, AnnotatorError], None] | None = None,
    ) -> list[tuple[int, int, State]]:
        """:meth:`create_many`, with each span's fate: ``(index in spans, id, state)`` for
        each span written. With ``refused``, a span the scheme refuses is left out (nothing
        of it is written) and ``refused(index, error)`` told why, and the others go on, as
        when :meth:`create` is called for each in turn and its refusals caught (an
        auto-merge's path); without, the first refusal raises :class:`SpanRefused`."""
        layer = _LayerIndex(self.reader.layer_states(document_id, annotator_id))
        settings = self.scheme.settings
        regions = None
        hashes: dict[str | None, str] = {}
        links: dict[QuestionLink, int | None] = {}  # the questions named, each checked once
        rows: list[list[Any]] = []
        changes: list[tuple[int, str, State | None, State | None]] = []
        written: list[tuple[int, int, State]] = []
        next_id = self._next_span_id()
        stamp = now()  # the batch's moment (create stamps each span as it writes it)
        # What is the same for every span of the batch is checked once: the text's length,
        # each label's use for a new span, and each label's values when a span gives none.
        length = self._text_length(document_id)
        usable: set[str] = set()
        bare: dict[str, tuple[dict[str, Any], list[str]]] = {}

        def flush() -> None:
            if rows:
                longest = max(row[5] - row[4] for row in rows)  # end - start
                self._note_longest(document_id, annotator_id, longest)
                self.connection.db.executemany(
                    f"INSERT INTO spans ({SPAN_COLUMNS}) VALUES ({_PLACEHOLDERS})", rows
                )
                self.log.record_many(edit_id, changes)
                rows.clear()
                changes.clear()

        for index, new in enumerate(spans):
            try:
                if new.label not in usable:
                    self._label(new.label, fresh=True)
                    usable.add(new.label)
                _check_offsets(length, new.start, new.end)
                if new.question == "default":
                    if regions is None:
                        regions = self.questions.response_regions(document_id)
                    question_id = _response_at(regions, new.start)
                else:
                    if new.question not in links:
                        links[new.question] = self._link(document_id, new.start, new.question)
                    question_id = links[new.question]
                found = [
                    (i, state)
                    for i, state in layer.overlapping(new.start, new.end)
                    if state["label"] != new.label or state["question_id"] == question_id
                ]
                if any(state["label"] == new.label for _, state in found):
                    # A merge: through the one-span path, on the rows written so far.
                    flush()
                    span_id, state, merged = self._create(
                        edit_id, document_id, annotator_id, new, incomplete=incomplete
                    )
                    layer.remove({i for i, _ in merged})
                    layer.add(span_id, state)
                    written.append((index, span_id, state))
                    next_id = span_id + 1
                    continue
                for _, state in found:
                    problem = overlap_problem(
                        settings,
                        new.label,
                        new.start,
                        new.end,
                        state["label"],
                        state["start"],
                        state["end"],
                    )
                    if problem:
                        raise ProjectError(problem)
                if new.attributes:
                    given = self._typed(new.label, new.attributes)
                    attributes, note = _combined(new.label, [], given, new.note, "refuse")
                    attributes, missing = self._attributes(new.label, attributes)
                else:  # as above with nothing given: the label's defaults, whatever is missing
                    if new.label not in bare:
                        bare[new.label] = self._attributes(new.label, {})
                    checked, missing = bare[new.label]
                    attributes, note = dict(checked), new.note or ""
                if missing and not incomplete:
                    raise _required(new.label, missing)
                if new.scheme_hash not in hashes:
                    hashes[new.scheme_hash] = self._scheme_hash(new.scheme_hash)
            except AnnotatorError as error:
                if refused is None:
                    raise SpanRefused(index, error) from None
                refused(index, error)
                continue
            state = {
                "document_id": document_id,
                "annotator_id": annotator_id,
                "label": new.label,
                "start": new.start,
                "end": new.end,
                "attributes": attributes,
                "note": note,
                "scheme_hash": hashes[new.scheme_hash],
                "created_at": new.created_at or stamp,
                "updated_at": new.updated_at or new.created_at or stamp,
                "provenance": _provenance(new.provenance, []),
                "question_id": question_id,
            }
            span_id = next_id
            next_id += 1
            rows.append([span_id, *_state_values(state)])
            changes.append((span_id, "create", None, state))
            layer.add(span_id, state)
            written.append((index, span_id, state))
            if len(rows) >= FLUSH_ROWS:
                flush()  # the rows and their logged JSON are not all held at once
        flush()
        if written:
            self.reader.annotators.started(document_id, annotator_id)
        return written

    def _next_span_id(self) -> int:
        """The id SQLite's AUTOINCREMENT would give the next span."""
        row = self.connection.db.execute(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'spans'), 0), "
            "coalesce((SELECT max(id) FROM spans), 0))"
        ).fetchone()
        return int(row[0]) + 1

    def _create(
        self,
        edit_id: int,
        document_id: int,
        annotator_id: int,
        new: NewSpan,
        *,
        incomplete: bool = False,
        on_conflict: OnConflict = "refuse",
    ) -> tuple[int, State, list[tuple[int, State]]]:
        self._label(new.label, fresh=True)
        self._offsets(document_id, new.start, new.end)
        question_id = self._link(document_id, new.start, new.question)
        start, end, merged = self._extent(
            document_id, annotator_id, new.label, question_id, new.start, new.end, exclude=set()
        )
        given = self._typed(new.label, new.attributes)
        attributes, note = _combined(new.label, merged, given, new.note, on_conflict)
        attributes, missing = self._attributes(new.label, attributes)
        if missing and not incomplete:
            raise _required(new.label, missing)
        stamp = now()
        state: State = {
            "document_id": document_id,
            "annotator_id": annotator_id,
            "label": new.label,
            "start": start,
            "end": end,
            "attributes": attributes,
            "note": note,
            "scheme_hash": self._scheme_hash(new.scheme_hash),
            "created_at": new.created_at or stamp,
            "updated_at": new.updated_at or new.created_at or stamp,
            "provenance": _provenance(new.provenance, merged),
            "question_id": question_id,
        }
        for old_id, old in merged:
            self._delete(edit_id, old_id, old)
        span_id = self._insert(edit_id, state)
        self.reader.annotators.started(document_id, annotator_id)
        return span_id, state, merged

    def update(
        self,
        edit_id: int,
        span_id: int,
        annotator_id: int,
        *,
        label: str | None = None,
        start: int | None = None,
        end: int | None = None,
        attributes: Mapping[str, Any] | None = None,
        note: str | None = None,
        provenance: Mapping[str, Any] | None = None,
        question: int | Literal["keep"] | None = "keep",
        on_conflict: OnConflict = "refuse",
    ) -> State:
        """Change a span of the layer; fields left as None stay as they are, and so does its
        question unless ``question`` names one (an id, or None for none). Its new state."""
        current = self.own(span_id, annotator_id)
        document_id = current["document_id"]
        new_label = current["label"] if label is None else label
        start = current["start"] if start is None else start
        end = current["end"] if end is None else end
        self._label(new_label, fresh=new_label != current["label"])
        self._offsets(document_id, start, end)
        question_id = (
            current["question_id"]
            if question == "keep"
            else self._link(document_id, start, question)
        )
        start, end, merged = self._extent(
            document_id, annotator_id, new_label, question_id, start, end, exclude={span_id}
        )
        after = self._changed(
            current,
            merged,
            label=new_label,
            start=start,
            end=end,
            attributes=attributes,
            note=note,
            provenance=provenance,
            question_id=question_id,
            on_conflict=on_conflict,
        )
        for old_id, old in merged:
            self._delete(edit_id, old_id, old)
        self._update(edit_id, span_id, current, after)
        return after

    def relink_many(
        self, edit_id: int, document_id: int, links: Sequence[tuple[int, int | None]]
    ) -> int:
        """Point spans of the document (any layers) at other questions (an id, or None), as
        :meth:`update` with ``question`` would one after another: the same checks and rows,
        in a few statements. A span already at its question, or merged away by an earlier
        one of the batch, is left; one that must merge goes through :meth:`update` itself,
        and so do all of a batch too small to be worth reading the document's layers for
        (an undo's relinks). How many spans were relinked."""
        if len(links) < RELINK_BATCH:
            relinked = 0
            for span_id, question in links:
                state = self.reader.state(span_id)
                if state is None or state["question_id"] == question:
                    continue  # merged away, or there already
                if state["document_id"] != document_id:
                    raise _not_in(document_id, span_id)
                self.update(edit_id, span_id, state["annotator_id"], question=question)
                relinked += 1
            return relinked
        by_layer: dict[int, list[tuple[int, State]]] = {}
        owner: dict[int, int] = {}  # span id -> its layer's annotator
        for span_id, state in self.reader.document_states(document_id):
            by_layer.setdefault(state["annotator_id"], []).append((span_id, state))
            owner[span_id] = state["annotator_id"]
        layers = {annotator_id: _LayerIndex(spans) for annotator_id, spans in by_layer.items()}
        settings = self.scheme.settings
        checked: dict[int | None, int | None] = {}
        rows: list[list[Any]] = []
        changes: list[tuple[int, str, State | None, State | None]] = []
        relinked = 0

        def flush() -> None:
            if rows:
                # Only the columns a relink may change: SQLite then rewrites only the
                # indexes on those (spans_by_question), not the layer's or the label's.
                self.connection.db.executemany(
                    f"UPDATE spans SET ({', '.join(_RELINKED)}) = "
                    f"({', '.join('?' * len(_RELINKED))}) WHERE id = ?",
                    rows,
                )
                self.log.record_many(edit_id, changes)
                rows.clear()
                changes.clear()

        for span_id, question in links:
            if span_id not in owner:
                if self.reader.state(span_id) is None:
                    continue  # gone before the batch
                raise _not_in(document_id, span_id)
            layer = layers[owner[span_id]]
            if span_id not in layer:
                continue  # merged away by an earlier span of the batch
            current = layer.state(span_id)
            if current["question_id"] == question:
                continue
            if question not in checked:
                checked[question] = self._link(document_id, current["start"], question)
            label, start, end = current["label"], current["start"], current["end"]
            found = [
                (i, s)
                for i, s in layer.overlapping(start, end)
                if i != span_id and (s["label"] != label or s["question_id"] == question)
            ]
            if any(s["label"] == label for _, s in found):
                # A merge: through the one-span path, on the rows written so far.
                flush()
                annotator_id = current["annotator_id"]
                self.update(edit_id, span_id, annotator_id, question=question)
                layers[annotator_id] = _LayerIndex(
                    self.reader.layer_states(document_id, annotator_id)
                )
                relinked += 1
                continue
            for _, other in found:
                problem = overlap_problem(
                    settings, label, start, end, other["label"], other["start"], other["end"]
                )
                if problem:
                    raise ProjectError(problem)
            after = self._changed(
                current, [], label=label, start=start, end=end, question_id=question
            )
            values = dict(zip(_COLUMNS, _state_values(after), strict=True))
            rows.append([*(values[column] for column in _RELINKED), span_id])
            changes.append((span_id, "update", current, after))
            layer.replace(span_id, after)
            relinked += 1
            if len(rows) >= FLUSH_ROWS:
                flush()
        flush()
        return relinked

    def _changed(
        self,
        current: State,
        merged: Sequence[tuple[int, State]],
        *,
        label: str,
        start: int,
        end: int,
        question_id: int | None,
        attributes: Mapping[str, Any] | None = None,
        note: str | None = None,
        provenance: Mapping[str, Any] | None = None,
        on_conflict: OnConflict = "refuse",
    ) -> State:
        """A span's state after a change (fields None stay as they are), having absorbed
        ``merged``; refused when the values do not fit the scheme."""
        relabelled = label != current["label"]
        if attributes is None:
            # On a label change, keep only the attributes the new label also defines.
            defined = {attribute.id for attribute in self.scheme.label(label).attributes}
            attributes = {k: v for k, v in current["attributes"].items() if k in defined}
        given = self._typed(label, attributes)
        note = current["note"] if note is None else note
        combined, note = _combined(label, merged, given, note, on_conflict)
        combined, missing = self._attributes(label, combined)
        if missing:
            # A span may stay incomplete (imported so), but no change may make it more so.
            _, before = self._attributes(current["label"], current["attributes"])
            if relabelled or not set(missing) <= set(before):
                raise _required(label, missing)
        return {
            **current,
            "label": label,
            "start": start,
            "end": end,
            "attributes": combined,
            "note": note,
            "scheme_hash": self.scheme.hash,
            "updated_at": now(),
            "provenance": _provenance(
                current["provenance"] if provenance is None else provenance, merged
            ),
            "question_id": question_id,
        }

    def migrate(
        self,
        edit_id: int,
        span_id: int,
        label: str,
        attributes: Mapping[str, Any],
        keep_invalid: Collection[str] = (),
    ) -> State:
        """Rewrite a span for the scheme the project is being upgraded to, whose plan renamed
        its label, an attribute or a choice; stamped with the new scheme's hash.

        Its place, layer, question, note, provenance and times stay: an upgrade is not an
        edit of the annotator's work (the change log has its time). The overlap rules are not
        applied again, since labels are renamed one to one (which spans share a label does
        not change). Values are checked as any span's, except those in ``keep_invalid``, kept
        though the new scheme refuses them (never dropped); a required value may be missing
        (an upgrade may add a required attribute); defaults are not filled in, so a migrated
        span says what an unchanged one of its label says.
        """
        current = self.reader.state(span_id)
        if current is None:
            raise StaleView(f"span {span_id} was deleted while the upgrade was planned")
        definition = self._label(label, fresh=False)
        values: dict[str, Any] = {}
        for key, value in attributes.items():
            attribute = definition.attribute(key)  # UnknownItem names the label's attributes
            values[key] = value if key in keep_invalid else attribute.check(value)
        after: State = {
            **current,
            "label": label,
            "attributes": values,
            "scheme_hash": self.scheme.hash,
        }
        self._update(edit_id, span_id, current, after)
        return after

    def delete(self, edit_id: int, span_id: int, annotator_id: int) -> State:
        """Remove a span of the layer (undo brings it back with its id); its last state."""
        current = self.own(span_id, annotator_id)
        self._delete(edit_id, span_id, current)
        return current

    def set_rejected(self, edit_id: int, span_id: int, annotator_id: int, rejected: bool) -> None:
        """Turn another layer's span down as a suggestion (a gold rejection), or take that back."""
        db = self.connection.db
        if rejected:
            db.execute(
                "INSERT INTO suggestion_rejections (annotator_id, span_id, rejected_at) "
                "VALUES (?, ?, ?)",
                [annotator_id, span_id, now()],
            )
        else:
            db.execute(
                "DELETE FROM suggestion_rejections WHERE annotator_id = ? AND span_id = ?",
                [annotator_id, span_id],
            )
        self.log.record(
            edit_id, span_id, "rejection", {"rejected": not rejected}, {"rejected": rejected}
        )

    def revert_step(self, edit_id: int, annotator_id: int, step: Step, kind: str) -> int | None:
        """Undo or redo one logged span change: move the span from one logged state to
        another. Returns the id of a span it brought back or changed, which the caller checks
        with :meth:`check_restored` once the whole edit is reverted."""
        if step.action == "rejection":
            assert step.wanted is not None
            self.set_rejected(edit_id, step.id, annotator_id, step.wanted["rejected"])
            return None
        expected, wanted = normal_state(step.expected), normal_state(step.wanted)
        current = self.reader.state(step.id)
        if current != expected:
            raise StaleView(
                f"a span of this edit was changed elsewhere since; {kind} stopped without changes"
            )
        if wanted is None:
            assert current is not None
            self._delete(edit_id, step.id, current)
            return None
        question_id = wanted["question_id"]
        if question_id is not None and self.questions.state(question_id) is None:
            raise ProjectError(
                f"{kind} would bring back {wanted['label']} [{wanted['start']}, "
                f"{wanted['end']}), but the question it responds to is gone; nothing was changed"
            )
        if current is None:
            self._insert(edit_id, wanted, span_id=step.id)
        else:
            self._update(edit_id, step.id, current, wanted)
        return step.id

    # ---- policy --------------------------------------------------------------------------

    def own(self, span_id: int, annotator_id: int) -> State:
        """A span of this annotator's layer, or a refusal saying whose it is."""
        state = self.reader.state(span_id)
        if state is None:
            raise StaleView(
                f"that span (id {span_id}) was deleted elsewhere, in another window or "
                "process; nothing was changed"
            )
        if state["annotator_id"] != annotator_id:
            names = self.reader.annotators
            raise ProjectError(
                f"span {span_id} belongs to {names.name(state['annotator_id'])}, "
                f"not {names.name(annotator_id)}"
            )
        return state

    def _label(self, label_id: str, *, fresh: bool) -> Label:
        label = self.scheme.label(label_id)  # UnknownItem names the scheme's labels
        if fresh and label.deprecated:
            raise ProjectError(f"label {label_id!r} is deprecated: it is kept for old spans only")
        return label

    def _offsets(self, document_id: int, start: int, end: int) -> None:
        _check_offsets(self._text_length(document_id), start, end)

    def _extent(
        self,
        document_id: int,
        annotator_id: int,
        label: str,
        question_id: int | None,
        start: int,
        end: int,
        exclude: set[int],
    ) -> tuple[int, int, list[tuple[int, State]]]:
        """Where a span of ``label`` over ``[start, end)`` responding to ``question_id`` ends
        up in the layer: grown over the same-label spans of that question it overlaps
        (directly or through each other) that it absorbs, which are returned; refused when the
        scheme forbids it."""
        settings = self.scheme.settings
        merged: dict[int, State] = {}
        while True:
            found = [
                (i, s)
                for i, s in self.reader.overlapping(
                    document_id, annotator_id, start, end, exclude | set(merged)
                )
                # Spans of this label that respond to another question are independent.
                if s["label"] != label or s["question_id"] == question_id
            ]
            same = [(i, s) for i, s in found if s["label"] == label]
            if not same:
                break
            for span_id, state in same:
                problem = overlap_problem(
                    settings, label, start, end, label, state["start"], state["end"]
                )
                if problem:
                    raise ProjectError(problem)
                merged[span_id] = state
                start, end = min(start, state["start"]), max(end, state["end"])
        for _, state in found:
            problem = overlap_problem(
                settings, label, start, end, state["label"], state["start"], state["end"]
            )
            if problem:
                raise ProjectError(problem)
        return start, end, sorted(merged.items(), key=lambda item: (item[1]["start"], item[0]))

    def _link(self, document_id: int, start: int, question: QuestionLink) -> int | None:
        """The question a span starting at ``start`` responds to: the one given (which must
        be in its document), none, or by default the one whose response region holds it."""
        if question == "default":
            return self.questions.response_at(document_id, start)
        if question is None:
            return None
        state = self.questions.state(question)
        if state is None or state["document_id"] != document_id:
            raise InvalidValue(f"document {document_id} has no question with id {question}")
        return question

    def _typed(self, label_id: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
        """Given values, typed: formats without types (brat, Label Studio choices) store
        booleans and numbers as text. Unknown attributes are refused by name."""
        label = self.scheme.label(label_id)
        return {
            key: label.attribute(key).from_text(value)
            for key, value in attributes.items()
            if value is not None
        }

    def _attributes(
        self, label_id: str, attributes: Mapping[str, Any]
    ) -> tuple[dict[str, Any], list[str]]:
        """Values checked and defaults filled in; and the required attributes still missing."""
        return self.scheme.attribute_values(label_id, attributes)

    def _scheme_hash(self, recorded: str | None) -> str:
        """The scheme version a span is stamped with: the current one, or the one a file
        recorded for it when the project holds that version (a round trip of the native
        export)."""
        current = self.scheme.hash
        if recorded and recorded != current:
            known = self.connection.db.execute(
                "SELECT 1 FROM schemes WHERE hash = ?", [recorded]
            ).fetchone()
            if known:
                return recorded
        return current

    def check_restored(self, span_id: int, kind: str) -> None:
        """Refuse a span that undo or redo brought back if the scheme now forbids it."""
        state = self.reader.state(span_id)
        assert state is not None
        what = f"{kind} would bring back {state['label']} [{state['start']}, {state['end']})"
        try:
            self._label(state["label"], fresh=False)
            self._offsets(state["document_id"], state["start"], state["end"])
            self._attributes(state["label"], self._typed(state["label"], state["attributes"]))
        except (ProjectError, InvalidValue, KeyError) as error:
            raise ProjectError(f"{what}, which the scheme now refuses ({error})") from None
        settings = self.scheme.settings
        question_id = state["question_id"]
        for _, other in self.reader.overlapping(
            state["document_id"], state["annotator_id"], state["start"], state["end"], {span_id}
        ):
            if other["label"] == state["label"]:
                if other["question_id"] != question_id:
                    continue  # responses to different questions
                problem: str | None = "it overlaps a span of the same label"
            else:
                problem = overlap_problem(
                    settings,
                    state["label"],
                    state["start"],
                    state["end"],
                    other["label"],
                    other["start"],
                    other["end"],
                )
            if problem:
                raise ProjectError(f"{what}, but {problem}; nothing was changed")

    def purge_document(self, document_id: int) -> list[State]:
        """Remove every layer's spans of a document that is being deleted, returning them
        (each with its id) for the record of the deletion.

        Not logged as span changes: the document's change log goes with it, and the deletion
        itself is recorded in ``deletions`` by the caller, in the same transaction. The
        suggestions turned down go with their spans (``ON DELETE CASCADE``).
        """
        db = self.connection.db
        removed = [
            {"id": row[0], **state_of_row(row)}
            for row in db.execute(
                f"SELECT {SPAN_COLUMNS} FROM spans WHERE document_id = ? ORDER BY id",
                [document_id],
            )
        ]
        db.execute("DELETE FROM spans WHERE document_id = ?", [document_id])
        return removed

    # ---- rows ----------------------------------------------------------------------------

    def _note_longest(self, document_id: int, annotator_id: int, length: int) -> None:
        """Keep the layer's longest span length (an upper bound) for the overlap query."""
        self.connection.db.execute(
            "INSERT INTO span_extents (document_id, annotator_id, longest) VALUES (?, ?, ?) "
            "ON CONFLICT DO UPDATE SET longest = excluded.longest "
            "WHERE excluded.longest > longest",
            [document_id, annotator_id, length],
        )

    def _insert(self, edit_id: int, state: Mapping[str, Any], span_id: int | None = None) -> int:
        """Insert a span (under a new id, or under its old one when undo restores it)."""
        self._note_longest(
            state["document_id"], state["annotator_id"], state["end"] - state["start"]
        )
        cursor = self.connection.db.execute(
            f"INSERT INTO spans ({SPAN_COLUMNS}) VALUES ({_PLACEHOLDERS})",
            [span_id, *_state_values(state)],
        )
        new_id = int(cursor.lastrowid or 0)
        self.log.record(edit_id, new_id, "create", None, state)
        return new_id

    def _update(self, edit_id: int, span_id: int, before: State, after: State) -> None:
        self._note_longest(
            after["document_id"], after["annotator_id"], after["end"] - after["start"]
        )
        self.connection.db.execute(
            f"UPDATE spans SET ({', '.join(_COLUMNS)}) = ({', '.join('?' * len(_COLUMNS))}) "
            "WHERE id = ?",
            [*_state_values(after), span_id],
        )
        self.log.record(edit_id, span_id, "update", before, after)

    def _delete(self, edit_id: int, span_id: int, state: State) -> None:
        self.connection.db.execute("DELETE FROM spans WHERE id = ?", [span_id])
        self.log.record(edit_id, span_id, "delete", state, None)


_COLUMNS = SPAN_COLUMNS.split(", ")[1:]
# What relinking a span to another question may change (its place, label and layer stay).
_RELINKED = ("attributes", "note", "scheme_hash", "updated_at", "provenance", "question_id")


def _check_offsets(text_length: int, start: int, end: int) -> None:
    try:
        check_span_offsets(text_length, start, end)
    except ValueError as error:
        raise InvalidValue(str(error)) from None


def overlap_problem(
    settings: Settings,
    label: str,
    start: int,
    end: int,
    other_label: str,
    other_start: int,
    other_end: int,
) -> str | None:
    """Why the scheme forbids these two overlapping spans in one layer, or None."""
    here = f"{label} [{start}, {end})"
    there = f"{other_label} [{other_start}, {other_end})"
    if label == other_label:
        if settings.same_label_overlap == "refuse":
            return f"{here} overlaps {there}; the scheme refuses overlapping spans of one label"
        return None
    nested = (other_start <= start and end <= other_end) or (
        start <= other_start and other_end <= end
    )
    if nested and not settings.allow_nesting:
        return f"{here} and {there} nest; the scheme does not allow nested spans"
    if not nested and not settings.allow_overlap:
        return f"{here} overlaps {there}; the scheme does not allow overlapping spans"
    return None


def _combined(
    label: str,
    merged: Sequence[tuple[int, State]],
    given: Mapping[str, Any],
    note: str,
    on_conflict: OnConflict,
) -> tuple[dict[str, Any], str]:
    """The attributes and note of spans merged into one (the existing ones in text order,
    then the new one). Different values of one attribute are a conflict: refused, or the
    first value kept (``keep``), or the last one taken (``replace``)."""
    if on_conflict not in ON_CONFLICT:
        raise ValueError(f"on_conflict must be one of {ON_CONFLICT}, not {on_conflict!r}")
    values: dict[str, Any] = {}
    for attributes in [*(state["attributes"] for _, state in merged), given]:
        for key, value in attributes.items():
            if key in values and values[key] != value:
                if on_conflict == "refuse":
                    raise MergeConflict(label, key, values[key], value)
                if on_conflict == "keep":
                    continue
            values[key] = value
    notes = [state["note"] for _, state in merged] + [note]
    return values, "\n".join(dict.fromkeys(n for n in notes if n))


def _provenance(
    provenance: Mapping[str, Any] | None, merged: Sequence[tuple[int, State]]
) -> dict[str, Any] | None:
    """A gold span that absorbed others (same label, overlapping) came from their sources too."""
    if provenance is None:
        return None
    combined = dict(provenance)
    for _, old in merged:
        earlier = old.get("provenance") or {}
        for key in ("sources", "annotators"):
            combined[key] = sorted({*combined.get(key, []), *earlier.get(key, [])})
    return combined


def _not_in(document_id: int, span_id: int) -> ProjectError:
    return ProjectError(f"span {span_id} is not in document {document_id}")


def _required(label: str, missing: Sequence[str]) -> InvalidValue:
    names = ", ".join(f"'{attribute}'" for attribute in missing)
    return InvalidValue(f"attribute {names} of label '{label}' is required; give it a value")


class SpanRefused(ProjectError):
    """:meth:`SpanWriter.create_many` refused the span at ``index``: ``error`` says why."""

    def __init__(self, index: int, error: AnnotatorError) -> None:
        super().__init__(str(error))
        self.index = index
        self.error = error


def _response_at(regions: Sequence[tuple[int, int, int]], offset: int) -> int | None:
    """As :meth:`QuestionStore.response_at`, from the regions read once."""
    found = None
    for question_id, start, end in regions:
        if start <= offset < end:
            found = question_id
    return found


class _LayerIndex:
    """A layer's spans in memory, ordered by start, for overlap queries while a batch of
    spans is added (as :meth:`SpanReader.overlapping` asks the database)."""

    def __init__(self, spans: Sequence[tuple[int, State]]) -> None:
        self._keys: list[tuple[int, int, int]] = []  # (start, end, id), sorted
        self._states: dict[int, State] = {}
        self._longest = 0
        for span_id, state in spans:
            self._states[span_id] = state
            self._keys.append((state["start"], state["end"], span_id))
            self._longest = max(self._longest, state["end"] - state["start"])
        self._keys.sort()

    def add(self, span_id: int, state: State) -> None:
        key = (state["start"], state["end"], span_id)
        self._keys.insert(bisect.bisect_left(self._keys, key), key)
        self._states[span_id] = state
        self._longest = max(self._longest, state["end"] - state["start"])

    def __contains__(self, span_id: int) -> bool:
        return span_id in self._states

    def state(self, span_id: int) -> State:
        return self._states[span_id]

    def replace(self, span_id: int, state: State) -> None:
        """A span's new state, in the same place (its start and end unchanged)."""
        self._states[span_id] = state

    def remove(self, span_ids: Collection[int]) -> None:
        if span_ids:
            self._keys = [key for key in self._keys if key[2] not in span_ids]
            for span_id in span_ids:
                del self._states[span_id]

    def overlapping(self, start: int, end: int) -> list[tuple[int, State]]:
        """The spans overlapping ``[start, end)``, ordered by start, end and id."""
        low = bisect.bisect_left(self._keys, (start - self._longest,))
        high = bisect.bisect_left(self._keys, (end,))
        return [
            (key[2], self._states[key[2]])
            for key in self._keys[low:high]
            if key[1] > start and key[0] < end
        ]
