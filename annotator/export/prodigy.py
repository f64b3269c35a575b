"""Prodigy ``spans_manual`` JSONL, as ``prodigy db-out`` writes it.

One line (task) per example and annotator, for every annotator of the export, even one with
no spans in the example: an accepted task without spans is an answer ("nothing to label
here"), and leaving it out would make it look unannotated. Lines come example by example,
annotators in name order. A task::

    {"text", "meta": {"title", "document_id", "example_id", "annotator", "status", "speaker",
                      "turn", "tokenizer"},
     "tokens": [{"text", "start", "end", "id", "ws"}],
     "spans": [{"start", "end", "token_start", "token_end", "label", "text",
                "attributes"?, "note"?}],
     "_input_hash", "_task_hash", "_view_id": "spans_manual", "answer": "accept",
     "_session_id", "_annotator_id", "_timestamp"?}

- ``spans_manual`` allows overlapping and nested spans, so every span is written.
- Tokens come from :mod:`annotator.export.tokens`; option ``tokenizer`` is ``auto`` (spaCy's
  blank English tokenizer when spaCy is installed, else the built-in one), ``spacy`` or
  ``simple``. ``token_end`` is inclusive. Character offsets stay exactly as annotated; a span
  whose edge falls inside a token gets the token range that covers it (snapped outward) and
  is reported.
- ``text`` of a span is the text it covers (Prodigy keeps extra span keys; importers check
  it). ``attributes`` and ``note`` are added when the span has them.
- ``_session_id`` and ``_annotator_id`` are ``"<dataset>-<annotator>"`` as Prodigy names
  sessions; ``dataset`` is an option (default: the scheme's name). ``meta.annotator`` holds
  the plain name, which ``annotator import`` prefers.
- Hashes are **ours, not Prodigy's** (Prodigy can recompute them: ``db-in --rehash``):
  ``_input_hash`` is a signed 32-bit BLAKE2b hash of the text; ``_task_hash`` hashes the
  input hash, the view id and the scheme's labels (the question), so every annotator's answer
  to one example shares it, as Prodigy sessions answering one task do.
- ``_timestamp`` (unix seconds) is the annotator's last change to a span of the example;
  it is left out when they have no spans there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from ..scheme import Scheme
from .examples import Example, ExportReport, ExportSpan
from .naming import int32_hash, layers
from .tokens import Token, align, choose_tokenizer

SUFFIX = ".jsonl"
FOLDER = False
VIEW_ID = "spans_manual"


def write(
    examples: Iterable[Example],
    path: Path,
    scheme: Scheme,
    report: ExportReport,
    *,
    dataset: str | None = None,
    tokenizer: str = "auto",
    **_options: Any,
) -> None:
    """Write Prodigy tasks to ``path`` (layout and policy in the module docstring).

    Options the format does not use are ignored, so one set can be passed to every writer.
    """
    dataset = dataset or scheme.name
    report.tokenizer, tokenize = choose_tokenizer(tokenizer)
    question = json.dumps([VIEW_ID, [label.id for label in scheme.labels]])
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as out:
        for example in examples:
            tokens = tokenize(example.text)
            input_hash = int32_hash(json.dumps({"text": example.text}, ensure_ascii=False))
            task_hash = int32_hash(f"{input_hash} {question}")
            for annotator, spans in layers(example, report):
                task = _task(example, annotator, spans, tokens, report)
                task["meta"]["tokenizer"] = report.tokenizer
                task.update(
                    {
                        "_input_hash": input_hash,
                        "_task_hash": task_hash,
                        "_view_id": VIEW_ID,
                        "answer": "accept",
                        "_session_id": f"{dataset}-{annotator}",
                        "_annotator_id": f"{dataset}-{annotator}",
                    }
                )
                if spans:
                    task["_timestamp"] = max(_unix(span.updated_at) for span in spans)
                out.write(json.dumps(task, ensure_ascii=False) + "\n")


def _task(
    example: Example,
    annotator: str,
    spans: list[ExportSpan],
    tokens: list[Token],
    report: ExportReport,
) -> dict[str, Any]:
    written = []
    for span in spans:
        item: dict[str, Any] = {"start": span.start, "end": span.end}
        aligned = align(tokens, span.start, span.end)
        if aligned is None:
            report.problem(
                example,
                f"{annotator}'s {span.label} span [{span.start}, {span.end}) covers no token; "
                "written without token_start/token_end",
            )
        else:
            first, last, snapped = aligned
            item.update(token_start=first, token_end=last)
            if snapped:
                report.problem(
                    example,
                    f"{annotator}'s {span.label} span [{span.start}, {span.end}) does not "
                    f"end on token boundaries; its tokens {first}-{last} cover "
                    f"[{tokens[first].start}, {tokens[last].end})",
                )
        item["label"] = span.label
        item["text"] = example.text[span.start : span.end]
        if span.attributes:
            item["attributes"] = dict(span.attributes)
        if span.note:
            item["note"] = span.note
        written.append(item)
    return {
        "text": example.text,
        "meta": {
            "title": example.title,
            "document_id": example.document_id,
            "example_id": example.id,
            "annotator": annotator,
            "status": example.statuses.get(annotator),
            "speaker": example.speaker,
            "turn": example.turn_index,
        },
        "tokens": [
            {"text": t.text, "start": t.start, "end": t.end, "id": i, "ws": t.ws}
            for i, t in enumerate(tokens)
        ],
        "spans": written,
    }


def _unix(iso: str) -> int:
    try:
        return int(datetime.fromisoformat(iso).timestamp())
    except ValueError:
        return 0
