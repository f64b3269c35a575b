"""doccano sequence-labelling JSONL.

One line per example and annotator, for every annotator whose layer of the document is
exported (an annotator who opened it but marked no spans still gets a line with an empty
``label``: "nothing to label" is an answer; ``status`` says whether they finished it)::

    {"id": 1, "text": "...", "label": [[start, end, "label"], ...], "annotator": "alice",
     "status": "done", "title": "...", "document_id": 12, "example_id": "doc-12",
     "speaker": null, "turn": null, "Comments": []}

``label`` triples are end-exclusive code-point offsets in text order; overlapping and nested
spans are all written (import them into a doccano project with ``allow_overlapping`` on).
``id`` numbers the lines of a file from 1. The other keys are metadata, flattened to the top
level as doccano does; ``annotator`` names the layer, so ``annotator import`` needs no
``--as``.

Layout: by default one file, all annotators together (doccano's ``all.jsonl``). With option
``per_annotator=True``, one file per annotator instead, ``<stem>.<annotator>.jsonl`` next to
the given path (doccano exports one ``<username>.jsonl`` per member); the given path itself
is not written then.

doccano spans have no attributes or notes: spans that carry them are written without them,
and each example says how many in the report.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from ..scheme import Scheme
from .examples import Example, ExportReport
from .naming import file_names, layers, sibling

SUFFIX = ".jsonl"
FOLDER = False


def write(
    examples: Iterable[Example],
    path: Path,
    scheme: Scheme,
    report: ExportReport,
    *,
    per_annotator: bool = False,
    **_options: Any,
) -> None:
    """Write doccano JSONL (layout and policy in the module docstring).

    Options the format does not use are ignored, so one set can be passed to every writer.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    files: dict[str, IO[str]] = {}
    lines: dict[str, int] = {}
    names: dict[str, str] = {}
    try:
        if not per_annotator:
            files[""] = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        for example in examples:
            lost = 0
            for annotator, spans in layers(example, report):
                key = annotator if per_annotator else ""
                if key not in files:  # files open as annotators appear
                    names = file_names([*names, annotator])
                    files[key] = open(  # noqa: SIM115
                        sibling(path, names[annotator]), "w", encoding="utf-8", newline=""
                    )
                lines[key] = lines.get(key, 0) + 1
                record = {
                    "id": lines[key],
                    "text": example.text,
                    "label": [[s.start, s.end, s.label] for s in spans],
                    "annotator": annotator,
                    "status": example.statuses.get(annotator),
                    "title": example.title,
                    "document_id": example.document_id,
                    "example_id": example.id,
                    "speaker": example.speaker,
                    "turn": example.turn_index,
                    "Comments": [],
                }
                files[key].write(json.dumps(record, ensure_ascii=False) + "\n")
                lost += sum(1 for s in spans if s.attributes or s.note)
            if lost:
                report.problem(
                    example,
                    f"{lost} span(s) written without their attributes or notes "
                    "(doccano spans have no room for them)",
                )
    finally:
        for handle in files.values():
            handle.close()
