"""``questions-csv``: one row per question unit and annotator, coded or not, for pandas and R.

A *question unit* is what gets coded: a question without parts, or a part of one (Q3a). The
rows are every unit of every exported document times every layer exported for that
document, chosen as for every export (:mod:`annotator.export.examples`): with ``--layer
all`` each annotator who opened the document (status ``in_progress`` or ``done``; with
``--status done`` only ``done``), never one who skipped it or never opened it; with
``--layer gold`` the gold layer where the document is marked reviewed (with ``--status all``
wherever it has gold spans or codes); with ``--layer NAME`` that annotator where they opened
it. A unit the layer has not coded still has its row, with an empty ``code``, so that the
rows are the denominator of any rate. A document without questions has no rows (the
summary counts them).

UTF-8 without a BOM, comma-separated, a header row, fields quoted where needed. Columns, in
order:

- ``document_id``, ``title``, then ``meta.<key>`` for each metadata key of the exported
  documents (nested objects flattened as ``meta.<key>.<subkey>``; lists as JSON);
- ``question_id``, ``question`` (its name, "Q3a"), ``parent`` (its question's name for a
  part, else empty), ``status`` (``proposed`` or ``confirmed``), ``speaker`` (the asker's
  label), ``person`` and ``role`` (whom the label names, ``annotator speakers``),
  ``start``, ``end``, ``text`` (offsets into the document's text), ``wording`` (as a
  dataset phrases it, when not its text), ``response_start``, ``response_end``,
  ``response_set`` (true when the region was moved by hand), ``respondent``,
  ``respondent_person``, ``respondent_role`` (the first speaker in the response region who
  is not the asker; empty when there is none);
- ``annotator`` (``gold`` for the gold layer), ``annotator_status`` (their status in the
  document; gold: ``done`` once reviewed);
- ``code`` (the label id, empty when not coded), ``level_1`` ... ``level_N`` (the code's
  label at each level of the scheme's question-code hierarchy, as agreement counts them: a
  label shallower than a level is its own label there);
- ``attr.<id>`` for each attribute of the scheme's question codes (multichoice values as
  their choices joined by ``|``; booleans ``true``/``false``), and ``note``;
- ``spans``, ``spans.<label>`` for each span label: the layer's spans that respond to the
  unit; for a part, that includes the spans responding to its whole question (a span
  linked to Q3 answers Q3a and Q3b alike), which ``spans_via_parent`` counts.

``pandas.read_csv(path)`` reads booleans and numbers as such; R's ``read.csv`` does too.
Document codes are not question units: each is reported (``jsonl`` carries them), and so is
a code whose label the scheme no longer has (its level columns stay empty).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import AnnotatorError
from ..model import Code, Question
from ..scheme import Scheme
from ..scheme.model import Unit
from .csv import cell
from .examples import Example, ExportReport, flat_metadata, label_order

FIXED = (
    "document_id",
    "title",
)
QUESTION = (
    "question_id",
    "question",
    "parent",
    "status",
    "speaker",
    "person",
    "role",
    "start",
    "end",
    "text",
    "wording",
    "response_start",
    "response_end",
    "response_set",
    "respondent",
    "respondent_person",
    "respondent_role",
    "annotator",
    "annotator_status",
    "code",
)


def write(
    examples: Iterable[Example],
    path: Path,
    scheme: Scheme,
    report: ExportReport,
    **options: Any,
) -> None:
    """Write the question-unit table (layout in the module docstring)."""
    unit = scheme.unit("question") if scheme.has_unit("question") else None
    levels = unit.levels if unit else 1
    attributes = _attribute_types(unit)
    meta_columns: dict[str, None] = {}
    span_labels = label_order(scheme)
    rows: list[dict[str, Any]] = []
    without_questions = 0
    for example in examples:
        meta = flat_metadata(example.metadata)
        meta_columns.update(dict.fromkeys(meta))
        units = question_units(example)
        if not example.questions:
            without_questions += 1
        for other in example.codes:
            if other.unit != "question":
                report.problem(
                    example,
                    f"{other.annotator}'s document code '{other.label}' is not a question unit's; "
                    "export --format jsonl for document codes",
                )
        counts = _span_counts(example)
        for counted in counts.values():
            span_labels.extend(label for label in counted if label not in span_labels)
        names = {q.id: q.name for q in example.questions}
        codes: dict[tuple[str, int | None], Code] = {
            (code.annotator, code.question_id): code
            for code in example.codes
            if code.unit == "question"
        }
        for question in units:
            asker = example.person(question.speaker)
            answerer_label = respondent(example, question)
            answerer = example.person(answerer_label)
            for annotator in example.annotators:
                code = codes.get((annotator, question.id))
                row: dict[str, Any] = {
                    "document_id": example.document_id,
                    "title": example.title,
                    **meta,
                    "question_id": question.id,
                    "question": question.name,
                    "parent": names.get(question.parent_id or 0, ""),
                    "status": question.status,
                    "speaker": question.speaker,
                    "person": asker.name if asker else None,
                    "role": asker.role if asker else None,
                    "start": question.start,
                    "end": question.end,
                    "text": example.text[question.start : question.end],
                    "wording": question.wording,
                    "response_start": question.response[0],
                    "response_end": question.response[1],
                    "response_set": question.response_set,
                    "respondent": answerer_label,
                    "respondent_person": answerer.name if answerer else None,
                    "respondent_role": answerer.role if answerer else None,
                    "annotator": annotator,
                    "annotator_status": example.statuses.get(annotator),
                    "code": code.label if code else None,
                    "note": code.note if code else None,
                }
                if code is not None:
                    row.update(
                        _levels(unit, code.label, levels, example, report, annotator, question)
                    )
                    for key, value in code.attributes.items():
                        attributes.setdefault(key, None)
                        row[f"attr.{key}"] = _value(value, attributes.get(key))
                own = counts.get((annotator, question.id), Counter())
                via_parent = (
                    counts.get((annotator, question.parent_id), Counter())
                    if question.parent_id is not None
                    else Counter()
                )
                both = own + via_parent
                row["spans"] = sum(both.values())
                row["spans_via_parent"] = sum(via_parent.values())
                row.update({f"spans.{label}": both[label] for label in both})
                rows.append(row)
    columns = [
        *FIXED,
        *meta_columns,
        *QUESTION,
        *(f"level_{level}" for level in range(1, levels + 1)),
        *(f"attr.{key}" for key in attributes),
        "note",
        "spans",
        *(f"spans.{label}" for label in span_labels),
        "spans_via_parent",
    ]
    zero = {"spans", "spans_via_parent", *(f"spans.{label}" for label in span_labels)}
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(
                [cell(row.get(column, 0 if column in zero else None)) for column in columns]
            )
    coded = sum(1 for row in rows if row["code"] is not None)
    report.notes.append(
        f"{len(rows)} row{'s' if len(rows) != 1 else ''} (question units × layers), {coded} coded."
    )
    if without_questions:
        report.notes.append(
            f"{without_questions} document{'s have' if without_questions != 1 else ' has'} no "
            "questions, so no rows: 'annotator questions propose' finds them."
        )


def question_units(example: Example) -> list[Question]:
    """The example's question units, in text order: its questions without parts, and the
    parts (a question with parts is coded through them). The report counts these too."""
    parents = {q.parent_id for q in example.questions if q.parent_id is not None}
    return [q for q in example.questions if q.id not in parents]


def respondent(example: Example, question: Question) -> str | None:
    """The label of the first turn in the question's response region whose speaker is not
    the asker (by person where the labels name one, else by label)."""
    start, end = question.response
    asker = example.person(question.speaker)
    asking = asker.name if asker else question.speaker
    for turn in example.turns:
        if turn.end <= start or turn.speaker is None:
            continue
        if turn.start >= end:
            break
        person = example.person(turn.speaker)
        if (person.name if person else turn.speaker) != asking:
            return turn.speaker
    return None


def _span_counts(example: Example) -> dict[tuple[str, int | None], Counter[str]]:
    """Per (annotator, question id): the number of linked spans of each label."""
    counts: dict[tuple[str, int | None], Counter[str]] = {}
    for span in example.spans:
        if span.question_id is not None:
            counts.setdefault((span.annotator, span.question_id), Counter())[span.label] += 1
    return counts


def _levels(
    unit: Unit | None,
    label: str,
    levels: int,
    example: Example,
    report: ExportReport,
    annotator: str,
    question: Question,
) -> dict[str, str]:
    if unit is not None:
        try:
            return {f"level_{n}": unit.at_level(label, n) for n in range(1, levels + 1)}
        except AnnotatorError:
            pass
    report.problem(
        example,
        f"{annotator}'s code '{label}' of {question.name} is not among the scheme's question "
        "codes, so its level columns are empty",
    )
    return {}


def _attribute_types(unit: Unit | None) -> dict[str, str | None]:
    """The question codes' attributes, in scheme order, with their types."""
    found: dict[str, str | None] = {}
    for label in unit.labels if unit else ():
        for attribute in label.attributes:
            found.setdefault(attribute.id, attribute.type)
    return found


def _value(value: Any, kind: str | None) -> Any:
    if kind == "multichoice" and isinstance(value, (list, tuple)):
        return "|".join(str(item) for item in value)
    return value
