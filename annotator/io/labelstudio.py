"""Label Studio JSON exports (format ``labelstudio``): a JSON list of tasks.

Each task ``{"id", "data": {"text", ...}, "annotations": [...]}`` gives one document per
annotation (one layer per annotator, all on the same text, so the project stores the text
once); a task without annotations gives the bare document. Cancelled annotations
(``was_cancelled``) are skipped.

- Text: ``data.text``. Turns: the blocks between blank lines, with ``data.speaker`` as their
  speaker when it is a string. Title: ``data.title``, else ``"<stem> task <id>"``. The other
  ``data`` fields and the task id are the document's metadata.
- Annotator: the annotation's ``annotator`` (our export writes the name there), else
  ``completed_by``: a user object's ``email`` or ``username``, or ``user-<id>`` for a bare
  user id.
- ``labels`` results are spans: ``value.start``/``value.end`` (end-exclusive) and one span per
  entry of ``value.labels``. When a result stores ``value.text`` it must equal the text it
  covers; offsets counted in UTF-16 code units (older Label Studio versions with emoji) are
  converted as for Prodigy (see :mod:`annotator.io.span_jsonl`), as are ``\\r\\n`` line ends.
- Per-region results (same ``id`` as a labels region) are attributes: ``choices`` (one
  choice; several are a multichoice value), ``number``, ``textarea`` (its texts joined by
  line breaks) and ``rating``. Their ``from_name`` is the attribute id, or
  ``<label>__<attribute>`` as our export names the controls; a ``textarea`` named ``note``
  is the span's note. Results that belong to no region (whole-task controls) are skipped
  and counted in the metadata (``skipped``).

Anything malformed (not a list of tasks, a task without text, a result without offsets or
labels, a covered text that does not match, a per-region result whose region has no labels,
a field of the wrong JSON type: a task or region ``id`` that is neither a number nor a
string, a result ``type`` that is not a string, a ``value.text`` that is not a string)
refuses the whole file, naming the task and the annotation.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from annotator.io.brat import block_turns
from annotator.io.common import (
    MAX_INTEGER,
    ImportFailure,
    LineError,
    json_safe,
    load_json,
    resolve_span_offsets,
    shorten,
)
from annotator.model import ImportedDocument, SpanDraft, normalise_text

NOTE_CONTROL = "note"
_VALUE_KEYS = {"choices": "choices", "number": "number", "textarea": "text", "rating": "rating"}


def is_labelstudio(value: Any) -> bool:
    """A non-empty list of objects with ``data`` and ``annotations``: a Label Studio export."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(t, dict) and "data" in t and "annotations" in t for t in value)
    )


def parse_labelstudio(text: str, *, source: str, source_path: str | None) -> list[ImportedDocument]:
    """Parse a Label Studio JSON export (rules in the module docstring)."""
    tasks = load_json(text, source)
    if not isinstance(tasks, list) or not tasks:
        raise ImportFailure(source, "a Label Studio export is a non-empty JSON list of tasks")
    stem = Path(source_path or source).stem
    documents: list[ImportedDocument] = []
    for index, task in enumerate(tasks):
        place = f"task {index}"
        try:
            if not isinstance(task, dict):
                raise LineError("a task must be an object with data and annotations")
            if "id" in task:
                place += f" (id {shorten(str(_identifier(task['id'], 'the task id')), 30)})"
            documents.extend(_task_documents(task, index, place, stem, source_path))
        except LineError as exc:
            raise ImportFailure(source, str(exc), place=place) from None
    return documents


def _task_documents(
    task: dict[str, Any], index: int, place: str, stem: str, source_path: str | None
) -> list[ImportedDocument]:
    data = task.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise LineError('the task has no "data.text" string')
    raw_text = data["text"]
    if not raw_text.strip():
        raise LineError("the text is empty")
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list):
        raise LineError('"annotations" must be a list')
    title = data.get("title") if isinstance(data.get("title"), str) else None
    title = " ".join((title or f"{stem} task {task.get('id', index + 1)}").split())
    speaker = data.get("speaker") if isinstance(data.get("speaker"), str) else None
    stored = normalise_text(raw_text)
    metadata: dict[str, Any] = {"task_id": task.get("id")}
    metadata.update({key: value for key, value in data.items() if key != "text"})
    documents = []
    for number, annotation in enumerate(annotations):
        if not isinstance(annotation, dict):
            raise LineError(f"annotation {number} must be an object")
        if annotation.get("was_cancelled"):
            continue
        try:
            spans, skipped, converted = _spans(raw_text, annotation)
        except LineError as exc:
            raise LineError(f"annotation {number}: {exc}") from None
        spans = tuple(replace(s, place=f"{place}, annotation {number}, {s.place}") for s in spans)
        extra: dict[str, Any] = {"skipped": skipped} if skipped else {}
        if converted:
            extra["offsets"] = "converted from UTF-16 code units"
        documents.append(
            _document(title, stored, speaker, source_path, {**metadata, **extra}, spans)
        )
        documents[-1] = replace(documents[-1], annotator=_annotator(annotation))
    if not documents:
        documents.append(_document(title, stored, speaker, source_path, metadata, ()))
    return documents


def _document(
    title: str,
    text: str,
    speaker: str | None,
    source_path: str | None,
    metadata: dict[str, Any],
    spans: tuple[SpanDraft, ...],
) -> ImportedDocument:
    return ImportedDocument(
        title=title,
        text=text,
        turns=block_turns(text, speaker),
        format="labelstudio",
        source_path=source_path,
        metadata=json_safe(metadata),
        spans=spans,
    )


def _identifier(value: Any, what: str) -> int | str:
    """A task or region id: Label Studio writes numbers and strings, nothing else."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise LineError(f"{what} must be a number or a string, not {type(value).__name__}")
    return value


def _annotator(annotation: dict[str, Any]) -> str | None:
    name = annotation.get("annotator")
    if isinstance(name, str) and name.strip():
        return name.strip()
    user = annotation.get("completed_by")
    if isinstance(user, dict):
        for key in ("email", "username"):
            if isinstance(user.get(key), str) and user[key].strip():
                return str(user[key]).strip()
        user = user.get("id")
    if isinstance(user, int) and not isinstance(user, bool):
        return f"user-{user}"
    return None


def _spans(
    text: str, annotation: dict[str, Any]
) -> tuple[tuple[SpanDraft, ...], dict[str, int], bool]:
    results = annotation.get("result") or []
    if not isinstance(results, list):
        raise LineError('"result" must be a list')
    raw: list[tuple[int, int, str, str | None, str]] = []
    regions: dict[str, list[int]] = {}  # region id -> indices into raw
    others: list[tuple[int, dict[str, Any]]] = []
    for position, result in enumerate(results):
        where = f"result[{position}]"
        if not isinstance(result, dict) or not isinstance(result.get("value"), dict):
            raise LineError(f"{where} must be an object with a value")
        if not isinstance(result.get("type"), str):
            raise LineError(f'{where} needs a "type" string (labels, choices, ...)')
        if "id" in result:
            _identifier(result["id"], f"{where} id")
        if result["type"] != "labels":
            others.append((position, result))
            continue
        value = result["value"]
        start, end, labels = value.get("start"), value.get("end"), value.get("labels")
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in (start, end)):
            raise LineError(f"{where} needs integer value.start and value.end")
        if max(abs(start), abs(end)) > MAX_INTEGER:
            raise LineError(f"{where} value.start or value.end is too large")
        if not isinstance(labels, list) or not labels:
            raise LineError(f"{where} has no value.labels")
        covered = value.get("text")
        if covered is not None and not isinstance(covered, str):
            raise LineError(f"{where} value.text must be a string")
        for label in labels:
            if not isinstance(label, str) or not label.strip():
                raise LineError(f"{where} has a label that is not a non-empty string")
            regions.setdefault(str(result.get("id")), []).append(len(raw))
            raw.append((start, end, label, covered, where))
    resolved, converted = resolve_span_offsets(text, raw)
    attributes: list[dict[str, Any]] = [{} for _ in raw]
    notes: list[str] = ["" for _ in raw]
    skipped: dict[str, int] = {}
    for position, result in others:
        region = str(result.get("id"))
        if region not in regions:
            if "start" in result["value"]:
                raise LineError(
                    f"result[{position}] belongs to region {region}, which has no labels result"
                )
            skipped["task-level results"] = skipped.get("task-level results", 0) + 1
            continue
        name, value = _region_value(position, result)
        for index in regions[region]:
            if name == NOTE_CONTROL and result.get("type") == "textarea":
                notes[index] = str(value)
            else:
                attributes[index][name.removeprefix(f"{raw[index][2]}__")] = value
    spans = tuple(
        SpanDraft(label, start, end, attrs, note, place=item[4])
        for (start, end, label), attrs, note, item in zip(
            resolved, attributes, notes, raw, strict=True
        )
    )
    return spans, skipped, converted


def _region_value(position: int, result: dict[str, Any]) -> tuple[str, Any]:
    where = f"result[{position}]"
    kind = result.get("type")
    name = result.get("from_name")
    if not isinstance(name, str) or not name:
        raise LineError(f"{where} has no from_name")
    if kind not in _VALUE_KEYS:
        raise LineError(f"{where} is a per-region {kind!r} result, which cannot be an attribute")
    value = result["value"].get(_VALUE_KEYS[kind])
    if kind == "choices":
        if not isinstance(value, list) or not value:
            raise LineError(f"{where} must hold one or more choices, not {value!r}")
        # Several choices are a multichoice value; the project checks the attribute's type.
        return name, value[0] if len(value) == 1 else value
    if kind == "textarea":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise LineError(f"{where} value.text must be a list of strings")
        return name, "\n".join(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LineError(f"{where} value.{_VALUE_KEYS[kind]} must be a number")
    return name, value
