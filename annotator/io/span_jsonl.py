"""JSONL files with spans: Prodigy (format ``prodigy``) and doccano (format ``doccano``).

Each non-blank line is one JSON object and becomes one document:

- **Prodigy**: ``{"text", "spans": [{"start", "end", "label", "text"?, ...}], "meta"?,
  "answer"?, "_annotator_id"?, "_session_id"?}``. Only accepted lines are imported: a line
  whose ``answer`` is ``reject`` or ``ignore`` is checked like any other and then skipped;
  a line with no ``answer`` counts as accepted. The layer's annotator is ``meta.annotator``
  (our own export writes the plain name there), else ``_annotator_id``, else
  ``_session_id``, else none. Each of these, when present, must be a non-blank string
  (Prodigy writes ``"dataset-session"`` strings; a number or an object is not a name). A
  span's ``attributes`` (an object) and ``note`` (a string), which our export adds, are
  kept.
- **doccano**: ``{"text", "label": [[start, end, "label"], ...]}`` or the relation-project
  variant ``{"text", "entities": [{"start_offset", "end_offset", "label"}, ...]}``. The
  other top-level keys are the example's metadata (doccano flattens it on export).
  doccano records name no annotator; a top-level ``annotator`` (our export writes one)
  names the layer, and must be a non-blank string. A text-classification export, whose
  ``"label"`` is a category or a list of categories, has no spans and is refused.

The first line with ``spans`` (Prodigy) or with ``label``/``entities`` (doccano) decides the
format of the file (unless ``--format`` names it); a file with neither is ``prodigy``, whose
input format is bare ``{"text"}`` lines. A string ``label`` is Prodigy's (a classification
answer, imported as text) when the line has Prodigy's ``answer`` or hashes, else doccano's.
A line in the other tool's style is refused.

The text is stored as given (after the normalisation below) and is **one turn**, covering it
without its surrounding whitespace; the turn's speaker is ``meta.speaker`` when that is a
string. Title: ``meta.title``, else a top-level ``title``, else ``"<stem> id <id>"`` when the
record has an ``id``, else ``"<stem> #<line>"``.

Every span is checked before anything is returned: integer offsets (of at most 2**63) with
``0 <= start < end <= len(text)``, a non-empty string label, and, when the span stores its
covered text (Prodigy ``spans[].text``), ``text[start:end]`` must equal it. Offsets from web
tools may count UTF-16 code units: when the text has characters outside the Basic
Multilingual Plane and the spans fail these checks in code points but pass when read as
UTF-16 offsets, they are converted (and ``metadata["offsets"]`` says so). Without stored
covered text, in-range offsets are taken as code points.

Normalisation never moves a span silently: ``\\r\\n`` line ends become ``\\n`` and every
offset after a removed ``\\r`` is shifted back; a span edge between ``\\r`` and ``\\n`` is an
error. A text with spans that is not in Unicode NFC is refused, since composing characters
would move the spans (a text without spans is simply normalised). **Any** bad line
(invalid JSON, missing text, bad span) refuses the whole file, with the line number and
the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotator.io.common import (
    MAX_INTEGER,
    ImportFailure,
    LineError,
    decode_json,
    json_objects,
    json_safe,
    resolve_span_offsets,
    shorten,
)
from annotator.model import ImportedDocument, SpanDraft, Turn, normalise_text

_PRODIGY_KEYS = ("_input_hash", "_task_hash", "_view_id", "_timestamp", "answer")
_DOCCANO_SKIP = frozenset({"text", "label", "entities", "relations", "Comments"})


def sniff_span_format(text: str) -> str | None:
    """``"prodigy"``/``"doccano"`` if every non-blank line is a JSON object, else ``None``.

    The first line with spans in either style decides; with none, the file is Prodigy.
    """
    style: str | None = None
    seen = False
    for line in text.split("\n"):
        if not line.strip():
            continue
        try:
            record = decode_json(line)
        except (ValueError, RecursionError):
            return None
        if not isinstance(record, dict):
            return None
        seen = True
        if style is None:
            style = record_style(record)
    if not seen:
        return None
    return style or "prodigy"


def record_style(record: dict[str, Any]) -> str | None:
    """The tool a record's spans come from, or ``None`` when it has none of either style."""
    if "spans" in record:
        return "prodigy"
    label = record.get("label")
    if "entities" in record or isinstance(label, list):
        return "doccano"
    # A string "label" with Prodigy's hashes or answer is a Prodigy classification answer
    # (imported as text); without them, a doccano text-classification export (refused).
    if isinstance(label, str) and not any(key in record for key in _PRODIGY_KEYS):
        return "doccano"
    return None


def _json(value: Any) -> str:
    return shorten(json.dumps(value, ensure_ascii=False), 40)


def _offset(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise LineError(f"{what} offset must be an integer, not {_json(value)}")
    if abs(value) > MAX_INTEGER:
        raise LineError(f"{what} offset is too large ({len(str(abs(value)))} digits)")
    return value


def _annotator(record: dict[str, Any], key: str, where: str | None = None) -> str | None:
    """The annotator name under ``key``, or ``None`` when the record has none there."""
    value = record.get(key)
    where = where or f'"{key}"'
    if value is None:
        return None
    if not isinstance(value, str):
        raise LineError(f"{where} must be a string naming the annotator, not {_json(value)}")
    if not value.strip():
        raise LineError(
            f"{where} is blank; put the annotator's name there, or remove it and pass --as NAME"
        )
    return value.strip()


def _label(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LineError(f"{where} has no label (a non-empty string is required)")
    return value


def _raw_spans(record: dict[str, Any], style: str) -> list[tuple[int, int, str, str | None, str]]:
    """``(start, end, label, covered text or None, where)`` for each span of the record."""
    spans: list[tuple[int, int, str, str | None, str]] = []
    if style == "prodigy":
        items = record.get("spans") or []
        if not isinstance(items, list):
            raise LineError('"spans" must be a list')
        for position, span in enumerate(items):
            where = f"spans[{position}]"
            if not isinstance(span, dict):
                raise LineError(f"{where} must be an object with start, end and label")
            start = _offset(span.get("start"), f"{where} start")
            end = _offset(span.get("end"), f"{where} end")
            covered = span.get("text")
            if covered is not None and not isinstance(covered, str):
                raise LineError(f"{where} text must be a string")
            spans.append((start, end, _label(span.get("label"), where), covered, where))
    elif "entities" in record:
        items = record.get("entities") or []
        if not isinstance(items, list):
            raise LineError('"entities" must be a list')
        for position, entity in enumerate(items):
            where = f"entities[{position}]"
            if not isinstance(entity, dict):
                raise LineError(f"{where} must be an object with start_offset, end_offset, label")
            start = _offset(entity.get("start_offset"), f"{where} start")
            end = _offset(entity.get("end_offset"), f"{where} end")
            spans.append((start, end, _label(entity.get("label"), where), None, where))
    else:
        items = record.get("label") or []
        if isinstance(items, str) or (
            isinstance(items, list) and any(isinstance(item, str) for item in items)
        ):
            raise LineError(
                f'"label" holds categories ({_json(items)}), not spans: this is a doccano '
                "text-classification export; export a sequence-labelling project, whose "
                '"label" is a list of [start, end, label]'
            )
        if not isinstance(items, list):
            raise LineError('"label" must be a list of [start, end, label]')
        for position, item in enumerate(items):
            where = f"label[{position}]"
            if not isinstance(item, list) or len(item) != 3:
                raise LineError(f"{where} must be [start, end, label], found {_json(item)}")
            start = _offset(item[0], f"{where} start")
            end = _offset(item[1], f"{where} end")
            spans.append((start, end, _label(item[2], where), None, where))
    return spans


def _span_extras(
    record: dict[str, Any], style: str, count: int
) -> list[tuple[dict[str, Any], str]]:
    """``(attributes, note)`` of each Prodigy span (empty for doccano), in span order."""
    if style != "prodigy":
        return [({}, "")] * count
    extras = []
    for position, span in enumerate(record.get("spans") or []):
        attributes = span.get("attributes") or {}
        note = span.get("note") or ""
        if not isinstance(attributes, dict):
            raise LineError(f"spans[{position}] attributes must be an object")
        if not isinstance(note, str):
            raise LineError(f"spans[{position}] note must be a string")
        extras.append((attributes, note))
    return extras


def _document(
    record: dict[str, Any], style: str, line: int, *, stem: str, source_path: str | None
) -> ImportedDocument | None:
    text = record.get("text")
    if not isinstance(text, str):
        raise LineError('the record has no "text" string')
    if not text.strip():
        raise LineError("the text is empty")
    raw = _raw_spans(record, style)
    spans, converted = resolve_span_offsets(text, raw)
    extras = _span_extras(record, style, len(raw))
    stored = normalise_text(text)  # equal to the checked text: only line ends changed
    meta = record.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise LineError('"meta" must be an object')
    meta = meta or {}
    if style == "prodigy":
        answer = record.get("answer", "accept")
        if answer not in ("accept", "reject", "ignore"):
            raise LineError(f'"answer" must be accept, reject or ignore, not {answer!r}')
        if answer != "accept":
            return None
        metadata: dict[str, Any] = {"line": line}
        if meta:
            metadata["meta"] = meta
        metadata.update({key: record[key] for key in _PRODIGY_KEYS if key in record})
        # Prodigy's own ids are strings ("dataset-session"); anything else is not a name.
        names = (
            _annotator(meta, "annotator", "meta.annotator"),
            _annotator(record, "_annotator_id"),
            _annotator(record, "_session_id"),
        )
        annotator = next((name for name in names if name), None)
    else:
        metadata = {"line": line}
        metadata.update({k: v for k, v in record.items() if k not in _DOCCANO_SKIP})
        annotator = _annotator(record, "annotator")
    if converted:
        metadata["offsets"] = "converted from UTF-16 code units"
    title = meta.get("title") if isinstance(meta.get("title"), str) else None
    title = title or (record.get("title") if isinstance(record.get("title"), str) else None)
    if not title:
        record_id = record.get("id")
        title = f"{stem} id {record_id}" if record_id is not None else f"{stem} #{line}"
    speaker = meta.get("speaker") if isinstance(meta.get("speaker"), str) else None
    speaker = " ".join(speaker.split()) if speaker else None
    first = len(stored) - len(stored.lstrip())
    last = len(stored.rstrip())
    place = f"line {line}"  # one string for all the line's spans
    return ImportedDocument(
        title=" ".join(title.split()),
        text=stored,
        turns=(Turn(0, first, last, speaker or None),),
        format=style,
        source_path=source_path,
        metadata=json_safe(metadata),
        spans=tuple(
            SpanDraft(label, start, end, attributes, note, place=place)
            for (start, end, label), (attributes, note) in zip(spans, extras, strict=True)
        ),
        annotator=annotator,
    )


def parse_span_jsonl(
    text: str, *, source: str, source_path: str | None, format: str | None = None
) -> list[ImportedDocument]:
    """Parse Prodigy or doccano JSONL (rules in the module docstring)."""
    records = list(json_objects(text, source))
    if not records:
        raise ImportFailure(source, "the file has no JSON lines")
    style = format or next(
        (s for s in (record_style(r) for _, r in records) if s is not None), "prodigy"
    )
    stem = Path(source_path or source).stem
    documents: list[ImportedDocument] = []
    skipped = 0
    for position, (number, record) in enumerate(records):
        # Each record is let go once its document is made: the file's decoded JSON and the
        # documents made from it are never all held at once (a million spans' objects each).
        records[position] = (number, {})
        try:
            found = record_style(record)
            if found is not None and found != style:
                raise LineError(
                    f"this is a {found} record in a {style} file; a file must use one format"
                )
            document = _document(record, style, number, stem=stem, source_path=source_path)
        except LineError as exc:
            raise ImportFailure(source, str(exc), place=f"line {number}") from None
        if document is None:
            skipped += 1
        else:
            documents.append(document)
    if not documents:
        raise ImportFailure(
            source,
            f"no accepted lines: all {skipped} lines have answer reject or ignore",
        )
    return documents
