"""Label Studio JSON tasks plus the labeling config generated from the scheme.

The file is a JSON list with one task per example (one task per line inside the list)::

    {"id": 1,
     "data": {"text", "title", "document_id", "example_id", "speaker", "turn"},
     "annotations": [{"id": 1, "completed_by": {"email": "alice@annotator.invalid"},
                      "annotator": "alice", "status": "done",
                      "was_cancelled": false, "ground_truth": false,
                      "created_at"?, "updated_at"?, "result": [...]}],
     "predictions": []}

- One annotation per annotator whose layer of the document is exported, in name order, even
  with an empty ``result`` ("nothing to label" is an answer); ``status`` says whether they
  finished it. ``completed_by`` names the annotator by e-mail, which is how a Label Studio
  server matches an imported annotation to one of its users (a numeric id would be whatever
  user has that id on the server). The e-mails come from option ``emails`` (annotator name
  -> e-mail); an annotator without one gets ``<name>@annotator.invalid``, and the report
  lists the e-mails the server must know (create those users, or map the names to existing
  users' e-mails; a server started with ``ALLOW_IMPORT_TASKS_WITH_UNKNOWN_EMAILS`` gives the
  annotations to the importing user instead). ``annotator`` (an extra key Label Studio
  ignores) holds the name, which ``annotator import`` reads.
  ``created_at``/``updated_at`` are the annotator's first and last span change in the
  example (absent without spans).
- Each span is a region: ``{"id": "s<span id>", "from_name": "label", "to_name": "text",
  "type": "labels", "origin": "manual", "value": {"start", "end", "text", "labels": [label]}}``
  with end-exclusive code-point offsets (what Label Studio stores since 1.4). Overlapping and
  nested regions are all written.
- Attributes are per-region results with the region's id and ``from_name``
  ``"<label>__<attribute>"``: choice and boolean as ``"choices"`` (``["true"]``/``["false"]``
  for booleans), multichoice as ``"choices"`` with every chosen value in ``value.choices``,
  number as ``"number"`` (``value.number``), text as ``"textarea"`` (``value.text`` is then
  the list of entered texts, as Label Studio writes it). A note is a ``"textarea"`` result
  from the per-region ``note`` control.

The labeling config goes to option ``config_out``, by default ``<stem>.config.xml`` next to
the file: ``<Labels name="label" toName="text">`` with a ``<Label value hotkey background>``
per label (deprecated ones too: old spans use them), ``<Text name="text" value="$text"
granularity="symbol">``, a ``<View visibleWhen="region-selected" whenLabelValue="<label>">``
with one per-region control per attribute of that label (a multichoice one is ``<Choices
choice="multiple">``), and a per-region ``note`` text area.
Labels and attributes that spans use but the scheme no longer has are added as well.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..scheme import Scheme
from .examples import Example, ExportReport, ExportSpan
from .naming import layers

SUFFIX = ".json"
FOLDER = False
NOTE_CONTROL = "note"

# Attribute type -> (result type, control tag).
_CONTROLS = {
    "choice": ("choices", "Choices"),
    "multichoice": ("choices", "Choices"),
    "boolean": ("choices", "Choices"),
    "number": ("number", "Number"),
    "text": ("textarea", "TextArea"),
}


def control_name(label: str, attribute: str) -> str:
    return f"{label}__{attribute}"


def write(
    examples: Iterable[Example],
    path: Path,
    scheme: Scheme,
    report: ExportReport,
    *,
    config_out: str | Path | None = None,
    emails: Mapping[str, str] | None = None,
    **_options: Any,
) -> None:
    """Write Label Studio tasks and the labeling config (layout in the module docstring).

    Options the format does not use are ignored, so one set can be passed to every writer.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # Labels and attributes of older scheme versions that spans still use: label -> {id: type}.
    extra: dict[str, dict[str, str]] = {}
    annotation_id = 0
    used: dict[str, str] = {}  # annotator -> the e-mail written
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("[")
        for number, example in enumerate(examples, start=1):
            annotations = []
            for annotator, spans in layers(example, report):
                annotation_id += 1
                email = used.setdefault(annotator, user_email(annotator, emails or {}))
                annotation: dict[str, Any] = {
                    "id": annotation_id,
                    "completed_by": {"email": email},
                    "annotator": annotator,
                    "status": example.statuses.get(annotator),
                    "was_cancelled": False,
                    "ground_truth": False,
                }
                if spans:
                    annotation["created_at"] = min(s.created_at for s in spans)
                    annotation["updated_at"] = max(s.updated_at for s in spans)
                annotation["result"] = [
                    item for span in spans for item in _results(example, span, scheme, extra)
                ]
                annotations.append(annotation)
            task = {
                "id": number,
                "data": {
                    "text": example.text,
                    "title": example.title,
                    "document_id": example.document_id,
                    "example_id": example.id,
                    "speaker": example.speaker,
                    "turn": example.turn_index,
                },
                "annotations": annotations,
                "predictions": [],
            }
            out.write(("\n" if number == 1 else ",\n") + json.dumps(task, ensure_ascii=False))
        out.write("\n]\n")
    if used:
        report.notes.append(
            "Label Studio matches annotations to its users by e-mail: the server needs users "
            + ", ".join(f"{email} ({name})" for name, email in sorted(used.items()))
            + (" (map names to your users' e-mails with --emails FILE)" if not emails else "")
        )
    config_path = Path(config_out) if config_out else path.with_name(f"{path.stem}.config.xml")
    config_path.parent.mkdir(parents=True, exist_ok=True)
    with open(config_path, "w", encoding="utf-8", newline="") as out:
        out.write(labeling_config(scheme, extra))


def user_email(annotator: str, emails: Mapping[str, str]) -> str:
    """The e-mail a Label Studio server knows the annotator by (see the module docstring)."""
    if annotator in emails:
        return emails[annotator]
    local = re.sub(r"[^A-Za-z0-9._+-]+", "-", annotator).strip(".-") or "annotator"
    return f"{local}@annotator.invalid"  # a reserved domain: never anyone's real address


def _results(
    example: Example, span: ExportSpan, scheme: Scheme, extra: dict[str, dict[str, str]]
) -> list[dict[str, Any]]:
    region = f"s{span.id}"
    covered = example.text[span.start : span.end]
    where = {"start": span.start, "end": span.end}

    def result(from_name: str, kind: str, value: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": region,
            "from_name": from_name,
            "to_name": "text",
            "type": kind,
            "origin": "manual",
            "value": value,
        }

    results = [result("label", "labels", {**where, "text": covered, "labels": [span.label]})]
    known = {label.id: label for label in scheme.labels}
    if span.label not in known:
        extra.setdefault(span.label, {})
    for key, value in span.attributes.items():
        if value is None:
            continue
        kind = _attribute_type(known, span.label, key, value)
        if kind != _scheme_type(known, span.label, key):
            extra.setdefault(span.label, {})[key] = kind
        result_type = _CONTROLS[kind][0]
        if result_type == "choices":
            if isinstance(value, list):  # multichoice: every chosen value
                chosen = [str(item) for item in value]
            else:
                chosen = [str(value).lower() if isinstance(value, bool) else str(value)]
            content: dict[str, Any] = {**where, "text": covered, "choices": chosen}
        elif result_type == "number":
            content = {**where, "text": covered, "number": value}
        else:  # a textarea's value.text is the list of texts entered
            content = {**where, "text": [str(value)]}
        results.append(result(control_name(span.label, key), result_type, content))
    if span.note:
        results.append(result(NOTE_CONTROL, "textarea", {**where, "text": [span.note]}))
    return results


def _scheme_type(known: dict[str, Any], label: str, key: str) -> str | None:
    for attribute in known[label].attributes if label in known else ():
        if attribute.id == key:
            return str(attribute.type)
    return None


def _attribute_type(known: dict[str, Any], label: str, key: str, value: Any) -> str:
    found = _scheme_type(known, label, key)
    if found:
        return found
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, (int, float)) else "text"


def labeling_config(scheme: Scheme, extra: dict[str, dict[str, str]] | None = None) -> str:
    """The labeling-config XML for ``scheme`` (plus labels/attributes in ``extra``)."""
    extra = extra or {}
    view = ET.Element("View")
    labels = ET.SubElement(view, "Labels", name="label", toName="text")
    attributes: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    for label in scheme.labels:
        element = ET.SubElement(labels, "Label", value=label.id, background=label.color)
        if label.hotkey:
            element.set("hotkey", label.hotkey)
        attributes[label.id] = [(a.id, a.type, a.choices) for a in label.attributes]
    for label_id, added in extra.items():
        if label_id not in attributes:
            ET.SubElement(labels, "Label", value=label_id)
            attributes[label_id] = []
        attributes[label_id] += [(key, kind, ()) for key, kind in added.items()]
    ET.SubElement(view, "Text", name="text", value="$text", granularity="symbol")
    for label_id, items in attributes.items():
        if not items:
            continue
        panel = ET.SubElement(view, "View", visibleWhen="region-selected", whenLabelValue=label_id)
        ET.SubElement(panel, "Header", value=f"{label_id} attributes")
        for key, kind, choices in items:
            tag = _CONTROLS[kind][1]
            control = ET.SubElement(
                panel, tag, name=control_name(label_id, key), toName="text", perRegion="true"
            )
            if tag == "Choices":
                control.set("choice", "multiple" if kind == "multichoice" else "single")
                for choice in choices or (("true", "false") if kind == "boolean" else ()):
                    ET.SubElement(control, "Choice", value=choice)
            elif tag == "TextArea":
                control.set("placeholder", key)
                control.set("editable", "true")
                control.set("maxSubmissions", "1")
    notes = ET.SubElement(view, "View", visibleWhen="region-selected")
    ET.SubElement(notes, "Header", value="note")
    ET.SubElement(
        notes,
        "TextArea",
        name=NOTE_CONTROL,
        toName="text",
        perRegion="true",
        editable="true",
        maxSubmissions="1",
        placeholder="note",
    )
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"
