"""The native JSONL export read back (format ``annotator-jsonl``).

Each non-blank line is one object as ``annotator export --format jsonl`` writes it (layout in
:mod:`annotator.export.jsonl`): ``text``, ``turns``, ``spans`` and the optional ``title``,
``format``, ``source_path``, ``metadata``, ``annotators`` and ``scheme``. A file is this
format when its first line has ``text`` and ``spans`` and also ``turns`` or ``scheme``.

Each line becomes one document, with one layer per annotator: the importer yields one
:class:`~annotator.model.ImportedDocument` per (line, annotator), all with the same text,
which the project stores once. Annotators listed in ``annotators`` without spans get an
empty layer (so they are known to the project); spans without an ``annotator`` go to the
layer named by ``--as``. Kept as written: title, turns (speakers, times), metadata, the
document's import ``format`` and ``source_path`` (``null`` stays ``null``), and each span's
label, offsets, attributes, note, created/updated times and scheme hash (the hash only when
the project holds that scheme version; otherwise the span is stamped with the current one).
Ids are not kept: the project gives new ones.

Questions and unit codes come back too: each of ``questions`` (offsets, parent, status,
wording, a response region set by hand, created/updated times), each span's ``question``
link, and each of ``codes`` (annotator, the question or the document it codes, label,
attributes, note, times, scheme hash, and a gold code's ``provenance``, whose ``sources``
import as ``[]``: they are ids of the exporting project). Questions already in the project
(same offsets, parent and wording) are not added again. In a line that has ``questions``, a
span whose ``question`` is null responds to no question; in a line without (an older
export), each span responds to the question whose response region holds its start.

Everything is checked before anything is stored, and **any** bad line refuses the whole
file, naming the line and the file being read (never the ``source_path`` written in it):
the text must be non-empty and already in stored form (NFC, ``\\n`` line ends), since the
offsets count its code points; turns must be in order, inside the text and not overlap,
their indices and offsets integers of at most 2**63 and their times finite numbers of
seconds (stored as floats); every span needs a label, integer offsets with
``0 <= start < end <= len(text)`` and, when it has ``text``, ``text[start:end]`` equal to it;
so does every question (its ``parent`` and a span's or code's ``question`` must be the id of
a question of the line, and a code's ``unit`` must agree with its ``question``). Labels,
attributes and the questions' rules are then checked against the project's scheme by the
store.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from annotator.io.common import (
    MAX_INTEGER,
    ImportFailure,
    decode_json,
    json_objects,
    json_safe,
)
from annotator.model import (
    DOCUMENT_STATUSES,
    NO_QUESTION,
    QUESTION_STATUSES,
    SPEAKER_ROLES,
    UNIT_KINDS,
    CodeDraft,
    ImportedDocument,
    QuestionDraft,
    SpanDraft,
    SpeakerInfo,
    Turn,
    check_turns,
    normalise_text,
)

FORMAT = "annotator-jsonl"


class _LineError(Exception):
    """A reason a line is refused; the caller adds the file name and line number."""


def is_native_record(value: Any) -> bool:
    """Whether a JSON value looks like one line of the native export."""
    return (
        isinstance(value, dict)
        and "text" in value
        and "spans" in value
        and ("turns" in value or "scheme" in value)
    )


def sniff_native_jsonl(text: str) -> bool:
    """Whether the first non-blank line of ``text`` is a native export record."""
    for line in text.split("\n", 50):
        if line.strip():
            try:
                return is_native_record(decode_json(line))
            except (ValueError, RecursionError):
                return False
    return False


def parse_annotator_jsonl(
    text: str, *, source: str, source_path: str | None
) -> list[ImportedDocument]:
    """Parse a native export (rules in the module docstring)."""
    stem = Path(source_path or source).stem
    documents: list[ImportedDocument] = []
    for number, record in json_objects(text, source):
        try:
            documents.extend(_layers(record, number, stem))
        except _LineError as exc:
            raise ImportFailure(source, str(exc), place=f"line {number}") from None
    if not documents:
        raise ImportFailure(source, "the file has no JSON lines")
    return documents


def _layers(record: dict[str, Any], line: int, stem: str) -> list[ImportedDocument]:
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _LineError('the record has no "text" string, or it is empty')
    if normalise_text(text) != text:
        raise _LineError(
            "the text is not in stored form (Unicode NFC with \\n line ends); normalising it "
            "would move the spans, so normalise it and recompute the offsets first"
        )
    turns = _turns(record.get("turns"), text)
    metadata = record.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise _LineError('"metadata" must be an object')
    title = record.get("title")
    title = " ".join(title.split()) if isinstance(title, str) and title.strip() else None
    fields = {
        "title": title or f"{stem} #{line}",
        "text": text,
        "turns": turns,
        "format": _optional_text(record, "format") or FORMAT,
        "source_path": _optional_text(record, "source_path"),
        "metadata": json_safe(metadata),
        "speaker_info": _speaker_info(record.get("turns")),
    }
    layers: dict[str | None, list[SpanDraft]] = {}
    annotators = record.get("annotators") or []
    if not isinstance(annotators, list) or not all(
        isinstance(name, str) and name.strip() for name in annotators
    ):
        raise _LineError('"annotators" must be a list of names')
    for name in annotators:
        layers.setdefault(name, [])
    questions = _questions(record.get("questions"), text)
    keys = {question.key for question in questions}
    # A line that lists its questions says which spans respond to none.
    unlinked = NO_QUESTION if "questions" in record else None
    spans = record.get("spans")
    if not isinstance(spans, list):
        raise _LineError('"spans" must be a list')
    for position, span in enumerate(spans):
        where = f"spans[{position}]"
        annotator, draft = _span(span, where, text)
        question = _reference(span.get("question"), f"{where} question", keys)
        layers.setdefault(annotator, []).append(
            replace(
                draft,
                place=f"line {line}, {where}",
                question=unlinked if question is None else question,
            )
        )
    codes = _codes(record.get("codes"), keys, line)
    statuses = record.get("statuses") or {}
    if not isinstance(statuses, dict) or not all(
        isinstance(name, str) and status in DOCUMENT_STATUSES for name, status in statuses.items()
    ):
        raise _LineError(
            f'"statuses" must map annotator names to one of: {", ".join(DOCUMENT_STATUSES)}'
        )
    for name in statuses:
        layers.setdefault(name, [])  # a status without a layer (skipped) is data too
    if not layers:
        return [ImportedDocument(**fields, questions=questions, codes=codes)]
    # Every layer's document has the questions (its spans refer to them; the project stores
    # them once); the first one has the codes.
    return [
        ImportedDocument(
            **fields,
            spans=tuple(drafts),
            annotator=name,
            status=statuses.get(name or ""),
            questions=questions,
            codes=codes if position == 0 else (),
        )
        for position, (name, drafts) in enumerate(layers.items())
    ]


def _reference(value: Any, where: str, keys: set[str]) -> str | None:
    """The key of the line's question an item refers to by id, or None."""
    if value is None:
        return None
    number = _integer(value, where)
    if str(number) not in keys:
        raise _LineError(f"{where} {number} is not the id of one of the line's questions")
    return str(number)


def _questions(items: Any, text: str) -> tuple[QuestionDraft, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise _LineError('"questions" must be a list')
    ids: set[str] = set()
    drafts = []
    for position, item in enumerate(items):
        where = f"questions[{position}]"
        if not isinstance(item, dict):
            raise _LineError(f"{where} must be an object with id, start and end")
        key = str(_integer(item.get("id"), f"{where} id"))
        if key in ids:
            raise _LineError(f"{where} id {key} is given twice")
        ids.add(key)
        start, end = _range(item, where, text, "question")
        status = item.get("status", "confirmed")
        if status not in QUESTION_STATUSES:
            raise _LineError(f"{where} status must be one of: {', '.join(QUESTION_STATUSES)}")
        response_set = item.get("response_set", False)
        if not isinstance(response_set, bool):
            raise _LineError(f"{where} response_set must be true or false")
        response = None
        if response_set:
            response = (
                _integer(item.get("response_start"), f"{where} response_start"),
                _integer(item.get("response_end"), f"{where} response_end"),
            )
        parent = item.get("parent")
        drafts.append(
            QuestionDraft(
                key=key,
                start=start,
                end=end,
                parent=None if parent is None else str(_integer(parent, f"{where} parent")),
                status=status,
                response=response,
                wording=_text_or_null(item, "wording", where),
                created_at=_text_or_null(item, "created_at", where),
                updated_at=_text_or_null(item, "updated_at", where),
            )
        )
    for position, draft in enumerate(drafts):
        if draft.parent is not None and draft.parent not in ids:
            raise _LineError(
                f"questions[{position}] parent {draft.parent} is not the id of one of the "
                "line's questions"
            )
    return tuple(drafts)


def _codes(items: Any, keys: set[str], line: int) -> tuple[CodeDraft, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise _LineError('"codes" must be a list')
    drafts = []
    for position, item in enumerate(items):
        where = f"codes[{position}]"
        if not isinstance(item, dict):
            raise _LineError(f"{where} must be an object with annotator and label")
        annotator = item.get("annotator")
        if not isinstance(annotator, str) or not annotator.strip():
            raise _LineError(f"{where} has no annotator (a non-empty string is required)")
        label = item.get("label")
        if not isinstance(label, str) or not label.strip():
            raise _LineError(f"{where} has no label (a non-empty string is required)")
        question = _reference(item.get("question"), f"{where} question", keys)
        unit = item.get("unit", "document" if question is None else "question")
        if unit not in UNIT_KINDS or (unit == "document") != (question is None):
            raise _LineError(
                f'{where} unit must be "question" with a question id, or "document" with '
                "question null"
            )
        attributes = item.get("attributes")
        if attributes is None:
            attributes = {}
        if not isinstance(attributes, dict):
            raise _LineError(f"{where} attributes must be an object")
        note = _text_or_null(item, "note", where) or ""
        provenance = item.get("provenance")
        if provenance is not None:
            if not isinstance(provenance, dict):
                raise _LineError(f"{where} provenance must be an object or null")
            if "sources" in provenance:  # ids of the exporting project's codes
                provenance = {**provenance, "sources": []}
        drafts.append(
            CodeDraft(
                annotator=annotator,
                label=label,
                question=question,
                attributes=attributes,
                note=note,
                place=f"line {line}, {where}",
                created_at=_text_or_null(item, "created_at", where),
                updated_at=_text_or_null(item, "updated_at", where),
                scheme_hash=_text_or_null(item, "scheme_hash", where),
                provenance=provenance,
            )
        )
    return tuple(drafts)


def _text_or_null(item: dict[str, Any], key: str, where: str) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise _LineError(f"{where} {key} must be a string or null")
    return value or None


def _optional_text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise _LineError(f'"{key}" must be a string or null')
    return value or None


def _integer(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _LineError(f"{where} must be an integer, not {json.dumps(value)[:40]}")
    if abs(value) > MAX_INTEGER:
        raise _LineError(f"{where} is too large ({len(str(abs(value)))} digits)")
    return value


def _seconds(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _LineError(f"{where} must be a number of seconds or null")
    try:
        seconds = float(value)  # stored as REAL: an integer beyond 2**63 would not fit
    except OverflowError:
        seconds = math.inf
    if not math.isfinite(seconds):
        raise _LineError(f"{where} is too large to be a number of seconds")
    return seconds


def _speaker_info(items: Any) -> dict[str, SpeakerInfo]:
    """Whom each speaker label names, as the export recorded it per turn (``person`` and
    ``role``); a label whose turns disagree keeps the first. The turns are checked apart."""
    found: dict[str, SpeakerInfo] = {}
    for position, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict) or not isinstance(item.get("speaker"), str):
            continue
        person, role = item.get("person"), item.get("role")
        if person is not None and not (isinstance(person, str) and person.strip()):
            raise _LineError(f"turns[{position}] person must be a non-empty string or null")
        if role is not None and role not in SPEAKER_ROLES:
            raise _LineError(
                f"turns[{position}] role {json.dumps(role)[:40]} is not one of "
                f"{', '.join(SPEAKER_ROLES)}"
            )
        if person or role:
            found.setdefault(item["speaker"], SpeakerInfo(person=person, role=role))
    return found


def _turns(items: Any, text: str) -> tuple[Turn, ...]:
    if items is None:  # no turns recorded: one turn over the text without its edges' spaces
        first = len(text) - len(text.lstrip())
        return (Turn(0, first, len(text.rstrip())),)
    if not isinstance(items, list):
        raise _LineError('"turns" must be a list')
    turns = []
    for position, item in enumerate(items):
        where = f"turns[{position}]"
        if not isinstance(item, dict):
            raise _LineError(f"{where} must be an object with start and end")
        speaker = item.get("speaker")
        if speaker is not None and not isinstance(speaker, str):
            raise _LineError(f"{where} speaker must be a string or null")
        turn = Turn(
            index=_integer(item.get("index", position), f"{where} index"),
            start=_integer(item.get("start"), f"{where} start"),
            end=_integer(item.get("end"), f"{where} end"),
            speaker=speaker or None,
            start_time=_seconds(item.get("start_time"), f"{where} start_time"),
            end_time=_seconds(item.get("end_time"), f"{where} end_time"),
        )
        turns.append(turn)
    try:
        check_turns(text, turns)
    except ValueError as error:
        raise _LineError(str(error)) from None
    return tuple(turns)


def _range(item: dict[str, Any], where: str, text: str, what: str) -> tuple[int, int]:
    """An item's ``start`` and ``end``: a non-empty range inside the text, covering the
    item's ``text`` when it gives one."""
    start = _integer(item.get("start"), f"{where} start")
    end = _integer(item.get("end"), f"{where} end")
    if not 0 <= start < end <= len(text):
        raise _LineError(
            f"{where} [{start}, {end}) is not a non-empty range inside the text of "
            f"{len(text)} characters"
        )
    covered = item.get("text")
    if covered is not None and covered != text[start:end]:
        raise _LineError(
            f"{where} [{start}, {end}) covers {text[start:end]!r}, but the {what}'s "
            f"text is {covered!r}"
        )
    return start, end


def _span(item: Any, where: str, text: str) -> tuple[str | None, SpanDraft]:
    if not isinstance(item, dict):
        raise _LineError(f"{where} must be an object with label, start and end")
    label = item.get("label")
    if not isinstance(label, str) or not label.strip():
        raise _LineError(f"{where} has no label (a non-empty string is required)")
    start, end = _range(item, f"{where} {label}", text, "span")
    annotator = item.get("annotator")
    if annotator is not None and not (isinstance(annotator, str) and annotator.strip()):
        raise _LineError(f"{where} annotator must be a non-empty string or null")
    attributes = item.get("attributes")
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, dict):
        raise _LineError(f"{where} attributes must be an object")
    note = item.get("note")
    if note is None:
        note = ""
    if not isinstance(note, str):
        raise _LineError(f"{where} note must be a string")
    stamps = {}
    for key in ("created_at", "updated_at", "scheme_hash"):
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            raise _LineError(f"{where} {key} must be a string or null")
        stamps[key] = value or None
    return annotator, SpanDraft(label, start, end, attributes, note, **stamps)
