"""spaCy DocBin (``.spacy``) for spancat and NER training (needs spaCy).

One ``Doc`` per example and annotator (every annotator of the export, even one without spans
in the example), made by spaCy's blank English pipeline (the scheme names no language), in a
``DocBin(store_user_data=True)``:

- ``doc.spans["sc"]`` holds **every** span, overlapping and nested ones included, in text
  order (``"sc"`` is the key spaCy's ``spancat`` reads). A span whose edges do not fall on
  token boundaries is expanded to the tokens it touches (``alignment_mode="expand"``) and
  reported; none is dropped.
- ``doc.ents`` must not overlap, so it holds a subset chosen greedily: longest spans first
  (in tokens), then the earliest, then in scheme label order. The spans left out are counted
  in one report line per document and annotator.
- ``doc.user_data`` holds ``annotator``, ``status`` (of the annotator's layer),
  ``scheme_name``, ``scheme_version``, ``scheme_hash``, ``document_id``, ``example_id``,
  ``title``, ``speaker``, ``turn`` and ``spans``: each span's ``start``, ``end`` (characters,
  as annotated), ``label``, ``attributes`` and ``note``, since spaCy spans cannot carry them.

Read it back with ``DocBin().from_disk(path).get_docs(nlp.vocab)``.

The export streams: each text is tokenised once (each annotator's ``Doc`` is a copy), and a
``DocBin`` is written once it holds :data:`BATCH_TOKENS` tokens (200,000), so memory holds one
batch and one document. An export that fits one batch is the one file asked for
(``out.spacy``); a larger one is written as numbered DocBins beside it instead,
``out-0001.spacy``, ``out-0002.spacy``, ..., each of whole examples, in export order (the
path asked for is then not written). Read them in that order, or give their folder to
``spacy train`` (``--paths.train``), which reads every ``.spacy`` file in it as one corpus.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..scheme import Scheme
from ..store import ProjectError
from .examples import Example, ExportReport, ExportSpan, label_order
from .naming import layers
from .tokens import blank_pipeline

SUFFIX = ".spacy"
FOLDER = False
SPAN_KEY = "sc"
# A DocBin is written once it holds this many tokens (and a new one begun): memory holds one
# batch and the document being made, never the whole export.
BATCH_TOKENS = 200_000
INSTALL = "spacy export needs spaCy: pip install 'annotator[spacy]'"


def write(
    examples: Iterable[Example],
    path: Path,
    scheme: Scheme,
    report: ExportReport,
    **_options: Any,
) -> None:
    """Write a DocBin (layout and policy in the module docstring).

    Options the format does not use are ignored, so one set can be passed to every writer.
    """
    try:
        from spacy.tokens import DocBin

        nlp = blank_pipeline("en")
    except ImportError:
        raise ProjectError(INSTALL) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    docs = DocBin(store_user_data=True)
    tokens = 0
    parts: list[Path] = []
    for example in examples:
        order = {label: i for i, label in enumerate(label_order(scheme, example.spans))}
        text = nlp.make_doc(example.text)  # tokenised once; each annotator's Doc is a copy
        for annotator, spans in layers(example, report):
            doc = text.copy()
            group = []
            for span in spans:
                made = doc.char_span(span.start, span.end, label=span.label)
                if made is None:
                    made = doc.char_span(
                        span.start, span.end, label=span.label, alignment_mode="expand"
                    )
                    where = f"{annotator}'s {span.label} span [{span.start}, {span.end})"
                    if made is None:  # cannot happen for a non-empty span; never drop silently
                        report.problem(example, f"{where} has no tokens; not written")
                        continue
                    report.problem(
                        example,
                        f"{where} does not end on token boundaries; expanded to "
                        f"[{made.start_char}, {made.end_char})",
                    )
                group.append(made)
            doc.spans[SPAN_KEY] = group
            doc.ents = _entities(example, annotator, group, order, report)
            doc.user_data.update(_user_data(example, annotator, spans, scheme))
            docs.add(doc)
            tokens += len(doc)
        if tokens >= BATCH_TOKENS:
            parts.append(_part(path, len(parts) + 1))
            docs.to_disk(parts[-1])
            docs, tokens = DocBin(store_user_data=True), 0
    if not parts:
        docs.to_disk(path)  # all in one DocBin: the file asked for
    elif len(docs):
        parts.append(_part(path, len(parts) + 1))
        docs.to_disk(parts[-1])


def _part(path: Path, number: int) -> Path:
    """The ``number``-th DocBin of an export too large for one: ``<stem>-0001.spacy``..."""
    return path.with_name(f"{path.stem}-{number:04d}{path.suffix or SUFFIX}")


def _entities(
    example: Example, annotator: str, spans: list[Any], order: dict[str, int], report: ExportReport
) -> list[Any]:
    """A non-overlapping subset: longest first, then earliest, then label order."""
    taken: list[bool] = [False] * (max((s.end for s in spans), default=0))
    chosen = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start, order[s.label_])):
        if any(taken[span.start : span.end]):
            continue
        taken[span.start : span.end] = [True] * (span.end - span.start)
        chosen.append(span)
    left = len(spans) - len(chosen)
    if left:
        report.problem(
            example,
            f"{left} of {annotator}'s {len(spans)} spans not in doc.ents (they overlap longer "
            f'or earlier ones); all are in doc.spans["{SPAN_KEY}"]',
        )
    return sorted(chosen, key=lambda s: s.start)


def _user_data(
    example: Example, annotator: str, spans: list[ExportSpan], scheme: Scheme
) -> dict[str, Any]:
    return {
        "annotator": annotator,
        "status": example.statuses.get(annotator),
        "scheme_name": scheme.name,
        "scheme_version": scheme.version,
        "scheme_hash": scheme.hash,
        "document_id": example.document_id,
        "example_id": example.id,
        "title": example.title,
        "speaker": example.speaker,
        "turn": example.turn_index,
        "spans": [
            {
                "start": span.start,
                "end": span.end,
                "label": span.label,
                "attributes": dict(span.attributes),
                "note": span.note,
            }
            for span in spans
        ],
    }
