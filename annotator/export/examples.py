"""What every exporter writes: examples (a document, or one speaker turn of it) with spans.

:func:`collect` reads the project once and yields :class:`Example` objects; each format
module turns them into its files. Anything a format cannot represent is added to the
:class:`ExportReport` (never dropped silently), and the CLI prints the report.

Offsets in an example are half-open code-point offsets into ``example.text``: the whole
document text for ``unit="document"``, the turn's text for ``unit="turn"`` (a span that
crosses a turn boundary cannot be cut into turns and is reported instead).

A layer is exported only where it says something: an annotator's layer of a document only if
that annotator opened it (status ``in_progress`` or ``done``; with ``status="done"`` only
``done``), never where they skipped it or never opened it (that would read as "annotated,
found nothing"); the gold layer only where a reviewer marked the document reviewed (with
``status="all"``, wherever it has gold spans or codes). ``status=None`` is the default of
each. A document with no such layer is left out. Every example carries each of its layers'
status, and the report counts what was left out and why.

A document example also carries the document's questions (shared by everyone, so all of
them) and its layers' unit codes (question and document codes), and each span its question
link; a turn example carries none of these (a question's response region runs into other
turns). The report counts them, so that :func:`~annotator.export.export` can say what a
format or a turn export leaves out.

Speakers reach every format from here: each example carries the person (canonical name,
role, party, ids) that each of its turns' labels names (``Example.people``, from the
project's speaker registry, :mod:`annotator.store.speakers`), and each span the label,
person and role of the turn it starts in, so a format adds them without looking them up.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

from ..model import Code, Question, Turn
from ..scheme import Scheme
from ..store import Person, Project, ProjectError

LAYER_ALL = "all"
LAYER_GOLD = "gold"
UNITS = ("document", "turn")


class ExportSpan(NamedTuple):
    """One span of one annotator, with offsets relative to its example's text.

    A named tuple, not a dataclass: an export makes one per span of the project, and a
    frozen dataclass's ``__init__`` cost as much as reading the span (``_replace`` makes a
    changed copy)."""

    id: int
    label: str
    start: int
    end: int
    annotator: str
    attributes: Mapping[str, Any]
    note: str
    scheme_hash: str
    created_at: str
    updated_at: str
    provenance: Mapping[str, Any] | None = None  # gold spans: how they came about
    question_id: int | None = None  # the question the span responds to, if any
    # The turn the span starts in: its speaker label, and that label's person and role.
    speaker: str | None = None
    person: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class Example:
    """A unit of export: a whole document, or one turn of it."""

    id: str  # stable and unique in one export: "doc-12" or "doc-12-turn-3"
    document_id: int
    title: str
    text: str
    turns: tuple[Turn, ...]  # offsets relative to ``text``; one turn for unit="turn"
    spans: tuple[ExportSpan, ...]  # in text order
    annotators: tuple[str, ...]  # whose layers this example carries (even with no spans)
    metadata: Mapping[str, Any]  # the document's metadata
    source_path: str | None
    turn_index: int | None = None  # for unit="turn"
    speaker: str | None = None  # for unit="turn"
    format: str | None = None  # the format the document was imported from
    # Each chosen layer's recorded status in the document (gold: "done" = reviewed), also
    # for layers not exported (a document skipped).
    statuses: Mapping[str, str] = field(default_factory=dict)
    # Document examples only: the document's questions (text order, each followed by its
    # parts), and the unit codes of the example's layers (question codes, document codes).
    questions: tuple[Question, ...] = ()
    codes: tuple[Code, ...] = ()
    # The person each speaker label of the example's turns names (labels nobody linked: absent).
    people: Mapping[str, Person] = field(default_factory=dict)

    def person(self, label: str | None) -> Person | None:
        """The person a speaker label names, if any."""
        return None if label is None else self.people.get(label)


@dataclass
class ExportReport:
    """What an export wrote, and everything it could not represent, with the reason."""

    examples: int = 0
    spans: int = 0
    problems: list[str] = field(default_factory=list)
    documents: int = 0
    outputs: list[str] = field(default_factory=list)  # every file (or folder) written
    left_out: list[str] = field(default_factory=list)  # layers not exported, and why
    tokenizer: str | None = None  # which tokenizer made the tokens (token-level formats)
    notes: list[str] = field(default_factory=list)  # what the user must know to load it
    questions: int = 0  # questions in the documents exported
    codes: int = 0  # unit codes of the layers exported
    links: int = 0  # spans exported that respond to a question

    def problem(self, example: Example, message: str) -> None:
        self.problems.append(f"{example.id} ({example.title}): {message}")


@dataclass(frozen=True)
class Selection:
    """Which layers and documents an export covers, in export order."""

    layer: str
    annotators: tuple[str, ...]
    document_ids: tuple[int, ...]
    # Per document: the layers exported, and every chosen layer's recorded status (a layer
    # skipped is not exported, but its status is data).
    layers: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    statuses: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    left_out: tuple[str, ...] = ()  # what was not exported, and why (for the summary)


def select(
    project: Project,
    *,
    layer: str = LAYER_ALL,
    unit: str = "document",
    documents: Sequence[str] | None = None,
    status: str | None = None,
) -> Selection:
    """Check the options and resolve them to layers and document ids (see :func:`collect`)."""
    if unit not in UNITS:
        raise ProjectError(f"unknown unit {unit!r}; use one of {', '.join(UNITS)}")
    if layer == LAYER_GOLD and not project.has_gold():
        raise ProjectError(
            "there is no gold layer yet: reviewers make it with 'annotator review'; "
            "export an annotator's layer or --layer all"
        )
    if status not in (None, "all", "done"):
        raise ProjectError(f"unknown status filter {status!r}; use all or done")
    if layer not in (LAYER_ALL, LAYER_GOLD):
        project.annotator_id(layer, create=False)  # refuses an unknown annotator
    annotators = tuple(project.annotators()) if layer == LAYER_ALL else (layer,)
    statuses = {summary.id: summary.statuses for summary in project.documents()}
    if documents:
        ids = list(dict.fromkeys(project.find_document(ref).id for ref in documents))
    else:
        ids = list(statuses)
    with_gold = _with_gold(project) if layer == LAYER_GOLD and status == "all" else set()
    kept: dict[int, tuple[str, ...]] = {}
    recorded: dict[int, dict[str, str]] = {}
    why: dict[tuple[str, str], int] = {}
    for document_id in ids:
        layers = []
        for name in annotators:
            state = statuses[document_id].get(name, "new")
            if layer == LAYER_GOLD:
                ok = state == "done" or document_id in with_gold
            else:
                ok = state == "done" or (state == "in_progress" and status != "done")
            if ok:
                layers.append(name)
            else:
                reason = _REASONS[_gold_reason(status) if layer == LAYER_GOLD else state]
                why[(name, reason)] = why.get((name, reason), 0) + 1
        if layers:
            kept[document_id] = tuple(layers)
            recorded[document_id] = {
                name: statuses[document_id][name]
                for name in annotators
                if name in statuses[document_id]
            }
    left_out = tuple(
        f"{_layer_name(name)}: {count} document{'s' if count != 1 else ''} {reason}"
        for (name, reason), count in sorted(why.items())
    )
    return Selection(layer, annotators, tuple(kept), kept, recorded, left_out)


_REASONS = {
    "new": "never opened",
    "skipped": "skipped",
    "in_progress": "not marked done",
    "gold:done": "not marked reviewed (--status all exports them)",
    "gold:all": "with no gold span or code yet",
}


def _gold_reason(status: str | None) -> str:
    # With --status all, gold is exported wherever it has spans: the rest has none.
    return "gold:all" if status == "all" else "gold:done"


def _layer_name(name: str) -> str:
    return "the gold layer" if name == LAYER_GOLD else f"{name}'s layer"


def _with_gold(project: Project) -> set[int]:
    """Documents with gold spans or gold codes (reviewed or not)."""
    return {
        row[0]
        for row in project.db.execute(
            "SELECT s.document_id FROM spans s JOIN annotators a ON a.id = s.annotator_id "
            "WHERE a.name = ? UNION SELECT c.document_id FROM codes c JOIN annotators a "
            "ON a.id = c.annotator_id WHERE a.name = ?",
            [LAYER_GOLD, LAYER_GOLD],
        )
    }


def collect(
    project: Project,
    *,
    layer: str = LAYER_ALL,
    unit: str = "document",
    documents: Sequence[str] | None = None,
    status: str | None = None,
    report: ExportReport | None = None,
    selection: Selection | None = None,
) -> Iterator[Example]:
    """The project's examples, document by document.

    ``layer`` is an annotator's name, ``"all"`` (every annotator) or ``"gold"`` (the
    reviewers' layer). ``documents`` are ids or source file names; ``status`` chooses which
    layers count (see the module docstring). A ``selection`` made by :func:`select` replaces
    ``layer``, ``documents`` and ``status``.
    """
    if selection is None:
        selection = select(project, layer=layer, unit=unit, documents=documents, status=status)
    elif unit not in UNITS:
        raise ProjectError(f"unknown unit {unit!r}; use one of {', '.join(UNITS)}")
    report = report if report is not None else ExportReport()
    report.left_out = list(selection.left_out)
    registry = project.speaker_people()
    # Most documents have no questions or codes: those are asked only where there are some.
    with_questions = _documents_with(project, "questions")
    with_codes = _documents_with(project, "codes")
    for document_id in selection.document_ids:
        document = project.document(document_id)
        layers = selection.layers[document_id]
        turns = tuple(project.turns(document_id))
        people = {t.speaker: registry[t.speaker] for t in turns if t.speaker in registry}
        spans = _export_spans(project, document_id, layers, turns, people)
        questions: tuple[Question, ...] = ()
        if document_id in with_questions:
            questions = tuple(project.questions_store.questions(document_id))
        place = {question.id: position for position, question in enumerate(questions)}
        codes: tuple[Code, ...] = ()
        if document_id in with_codes:
            codes = tuple(
                sorted(
                    (
                        c
                        for c in project.codes(None, document_id=document_id)
                        if c.annotator in layers
                    ),
                    key=lambda c: (place.get(c.question_id or 0, -1), c.annotator, c.unit),
                )
            )
        report.questions += len(questions)
        report.codes += len(codes)
        report.links += sum(1 for span in spans if span.question_id is not None)
        base = Example(
            id=f"doc-{document_id}",
            document_id=document_id,
            title=document.title,
            text=document.text,
            turns=turns,
            spans=spans,
            annotators=layers,
            metadata=dict(document.metadata),
            source_path=document.source_path,
            format=document.format,
            statuses=dict(selection.statuses[document_id]),
            questions=questions,
            codes=codes,
            people=people,
        )
        if unit == "document":
            yield base
        else:
            yield from _turn_examples(base, report)


def _documents_with(project: Project, table: str) -> set[int]:
    """The documents that have rows in ``table`` (``questions`` or ``codes``)."""
    return {row[0] for row in project.db.execute(f"SELECT DISTINCT document_id FROM {table}")}


# A document's spans of some layers in export order (text order, then annotator, label, id;
# SQLite's binary collation orders names as Python does), read straight into ExportSpans: an
# export reads every span of the project, and Span values on the way cost as much again.
_NO_ATTRIBUTES: Mapping[str, Any] = MappingProxyType({})
_SPANS = (
    's.id, s.label, s.start, s."end", a.name, s.attributes, s.note, s.scheme_hash, '
    "s.created_at, s.updated_at, s.provenance, s.question_id"
)


def _export_spans(
    project: Project,
    document_id: int,
    layers: Sequence[str],
    turns: Sequence[Turn],
    people: Mapping[str, Person],
) -> tuple[ExportSpan, ...]:
    if not layers:
        return ()
    starts = [turn.start for turn in turns]
    # Who speaks in each turn: (label, person, role), looked up once per turn, not per span.
    speakers = []
    for turn in turns:
        person = people.get(turn.speaker) if turn.speaker is not None else None
        speakers.append(
            (turn.speaker, person.name, person.role) if person else (turn.speaker, None, None)
        )
    nobody = (None, None, None)
    # Spans repeat their attributes ({"kind": "pivots"}): each JSON text is decoded once per
    # document, and its spans share the read-only result.
    decoded: dict[str, Mapping[str, Any]] = {"{}": _NO_ATTRIBUTES}
    make = tuple.__new__  # an ExportSpan straight from its values, in the order of its fields
    spans = []
    for row in project.db.execute(
        f"SELECT {_SPANS} FROM spans s JOIN annotators a ON a.id = s.annotator_id "
        f"WHERE s.document_id = ? AND a.name IN ({', '.join('?' * len(layers))}) "
        'ORDER BY s.start, s."end", a.name, s.label, s.id',
        [document_id, *layers],
    ):
        attributes = decoded.get(row[5])
        if attributes is None:
            attributes = decoded[row[5]] = MappingProxyType(json.loads(row[5]))
        # The turn it starts in: the last one starting at or before it (the first, before any).
        speaker = speakers[max(0, bisect.bisect_right(starts, row[2]) - 1)] if turns else nobody
        provenance = json.loads(row[10]) if row[10] else None
        spans.append(
            make(ExportSpan, (*row[:5], attributes, *row[6:10], provenance, row[11], *speaker))
        )
    return tuple(spans)


def _turn_examples(document: Example, report: ExportReport) -> Iterator[Example]:
    """One example per turn, spans shifted to the turn.

    A span that is not inside one turn (it crosses a turn's end, or starts between turns)
    cannot be cut into turn examples: it is reported, at the turn where it starts (or the
    next one), never dropped silently.
    """
    turns = document.turns
    if not turns:
        for span in document.spans:
            report.problem(
                document,
                f"{_name(span)} cannot go into a turn example: the document has no turns; "
                "export with --unit document",
            )
        return
    starts = [turn.start for turn in turns]
    inside: list[list[ExportSpan]] = [[] for _ in turns]
    outside: list[list[str]] = [[] for _ in turns]
    for span in document.spans:
        k = bisect.bisect_right(starts, span.start) - 1  # the last turn starting at or before
        if k >= 0 and span.start < turns[k].end:
            if span.end <= turns[k].end:
                inside[k].append(span)
                continue
            later = k + 1 < len(turns) and span.end > turns[k + 1].start
            where = "crosses into the next turn" if later else "runs past the end of its turn"
            outside[k].append(f"{_name(span)} {where}")
        else:
            k = min(k + 1, len(turns) - 1)
            outside[k].append(f"{_name(span)} starts outside every turn's text")
    for turn, spans, problems in zip(turns, inside, outside, strict=True):
        example = Example(
            id=f"{document.id}-turn-{turn.index}",
            document_id=document.document_id,
            title=document.title,
            text=document.text[turn.start : turn.end],
            turns=(
                Turn(0, 0, turn.end - turn.start, turn.speaker, turn.start_time, turn.end_time),
            ),
            spans=tuple(
                span._replace(
                    start=span.start - turn.start, end=span.end - turn.start, question_id=None
                )
                for span in spans
            ),
            annotators=document.annotators,
            metadata=document.metadata,
            source_path=document.source_path,
            turn_index=turn.index,
            speaker=turn.speaker,
            format=document.format,
            statuses=document.statuses,
            people={k: v for k, v in document.people.items() if k == turn.speaker},
        )
        for problem in problems:
            report.problem(
                example,
                f"{problem} and cannot be cut into turn examples; export with --unit document",
            )
        yield example


def _name(span: ExportSpan) -> str:
    return f"{span.annotator}'s {span.label} span [{span.start}, {span.end})"


def flat_metadata(metadata: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A document's metadata as ``meta.<key>`` cells, as the table exports name them: nested
    objects by dotted keys (``meta.outlet.name``), whitespace in a key as ``_``, any other value
    (a list, an empty object) as it is."""
    flat: dict[str, Any] = {}
    for key, value in metadata.items():
        name = prefix + "_".join(str(key).split())
        if isinstance(value, Mapping) and value:
            flat.update(flat_metadata(value, name + "."))
        else:
            flat[f"meta.{name}"] = value
    return flat


def label_order(scheme: Scheme, spans: Sequence[ExportSpan] = ()) -> list[str]:
    """Labels in the scheme's order, then any others the spans use (old scheme versions)."""
    order = [label.id for label in scheme.labels]
    for span in spans:
        if span.label not in order:
            order.append(span.label)
    return order
