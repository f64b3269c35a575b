"""``qevasion``: question codes in the layout of QEvasion (the CLARITY dataset).

QEvasion (Thomas et al. 2024; Hugging Face ``ailsntua/QEvasion``) has a row per
sub-question: the interviewer's turn, the answer, the sub-question and its two labels. This
export writes one row per coded question unit (a question without parts, or a part) and
annotator, for the layers every export takes (:mod:`annotator.export.examples`: the
annotators who opened the document, or the gold layer with ``--layer gold``); a unit nobody
coded has no row (``questions-csv`` has those). UTF-8 without a BOM, comma-separated, a
header row; ``datasets.load_dataset("csv", data_files=path)`` and ``pandas.read_csv`` load
it. Columns, in order:

- ``interview_question``: the text of the turn (or turns) the question is in, as in
  QEvasion the interviewer's whole turn;
- ``interview_answer``: the text of the question's response region (parts share their
  question's), without its outer white space;
- ``question``: the unit's wording where it has one, else its text;
- ``clarity_label``, ``evasion_label``: the code as CLARITY's names as released (see
  :mod:`annotator.io.qevasion`): the code's level-1 label and the code itself. A code that
  is itself a clarity label (a scheme with ``selectable: any``) has an empty
  ``evasion_label``, as in QEvasion's test split; in a scheme without clarity labels the
  clarity label is CLARITY's parent of the evasion label;
- ``annotator`` (``gold`` for the gold layer);
- for the way back (``annotator import`` reads this layout into the same questions and
  codes): ``title``, ``date`` (the document's metadata ``date``), ``document`` (its id),
  ``question_order`` (the question's number: Q3 is 3), ``part`` (the part's letter, empty
  for a question without parts), ``question_start``/``question_end`` (the question's
  offsets in ``interview_question``), ``part_start``/``part_end`` (the part's),
  ``speaker`` (the question's) and ``respondent`` (the speaker of the answer's first turn
  of another speaker).

Not represented, and reported: a code whose labels match no CLARITY name (the row is left
out); a code's attributes and note; a question's own wording when it has parts; document
codes; spans (a count per document); the units nobody coded (by name, per document). Also
reported, once: where the scheme places an evasion label under another clarity label than
CLARITY does. Not carried, by design: a question's status (it imports as confirmed) and
where a response region's edges are (it imports as the answer turn).
"""

from __future__ import annotations

import bisect
import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..io.qevasion import LabelNames
from ..model import Code, Question, Turn
from ..scheme import Scheme
from .examples import Example, ExportReport

COLUMNS = (
    "interview_question",
    "interview_answer",
    "question",
    "clarity_label",
    "evasion_label",
    "annotator",
    "title",
    "date",
    "document",
    "question_order",
    "part",
    "question_start",
    "question_end",
    "part_start",
    "part_end",
    "speaker",
    "respondent",
)


def write(
    examples: Iterable[Example],
    path: Path,
    scheme: Scheme,
    report: ExportReport,
    **options: Any,
) -> None:
    """Write one row per coded question unit and annotator (layout in the module docstring)."""
    names = LabelNames(scheme.unit("question")) if scheme.has_unit("question") else None
    if names is not None:
        report.notes.extend(f"Not as in CLARITY: {line}." for line in names.differences())
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for example in examples:
            rows = _rows(example, names, report)
            writer.writerows(rows)
            written += len(rows)
    report.notes.append(f"{written} row{'s' if written != 1 else ''} (coded units × layers).")


def _rows(example: Example, names: LabelNames | None, report: ExportReport) -> list[list[Any]]:
    text = example.text
    questions = example.questions
    codes: dict[tuple[str, int | None], Code] = {
        (code.annotator, code.question_id): code
        for code in example.codes
        if code.unit == "question"
    }
    for other in example.codes:
        if other.unit != "question":
            report.problem(
                example,
                f"{other.annotator}'s document code '{other.label}' is not in qevasion files",
            )
    if example.spans:
        count = len(example.spans)
        report.problem(
            example, f"{count} span{'s are' if count != 1 else ' is'} not in qevasion files"
        )
    date = example.metadata.get("date")
    date = date if isinstance(date, (str, int, float)) and not isinstance(date, bool) else ""
    rows: list[list[Any]] = []
    uncoded: list[str] = []
    number = 0
    for question in questions:
        if question.is_part:
            continue
        number += 1
        parts = [q for q in questions if q.parent_id == question.id]
        if parts and question.wording:
            report.problem(
                example,
                f"{question.name}'s own wording {question.wording!r} is not in qevasion files "
                "(its parts' are)",
            )
        start, end = _turn_text(example.turns, question.start, question.end)
        asked = text[start:end]
        answer = text[question.response[0] : question.response[1]].strip()
        respondent = _respondent(example.turns, question)
        for unit in parts or [question]:
            coded = False
            for annotator in example.annotators:
                code = codes.get((annotator, unit.id))
                if code is None:
                    continue
                coded = True
                where = f"{annotator}'s code '{code.label}' of {unit.name}"
                labels = (
                    names.row_labels(code.label) if names else "the scheme has no question codes"
                )
                if isinstance(labels, str):
                    report.problem(example, f"{where}: {labels}; left out")
                    continue
                if code.attributes or code.note:
                    lost = " and ".join(
                        what
                        for what, there in (("attributes", code.attributes), ("note", code.note))
                        if there
                    )
                    report.problem(example, f"{where}: its {lost} are not in qevasion files")
                rows.append(
                    [
                        asked,
                        answer,
                        unit.wording or text[unit.start : unit.end],
                        labels[0],
                        labels[1],
                        annotator,
                        example.title,
                        date,
                        example.document_id,
                        number,
                        unit.name[len(question.name) :] if unit.is_part else "",
                        question.start - start,
                        question.end - start,
                        unit.start - start if unit.is_part else "",
                        unit.end - start if unit.is_part else "",
                        question.speaker or "",
                        respondent or "",
                    ]
                )
            if not coded:
                uncoded.append(unit.name)
    if uncoded:
        report.problem(
            example,
            f"no row for {', '.join(uncoded)}: not coded in the layers exported "
            "(questions-csv lists every unit)",
        )
    return rows


def _turn_text(turns: Sequence[Turn], start: int, end: int) -> tuple[int, int]:
    """From the start of the turn holding ``start`` to the end of the one holding ``end``
    (the question's own edges where no turn holds them)."""
    starts = [turn.start for turn in turns]
    first = bisect.bisect_right(starts, start) - 1
    if first >= 0 and turns[first].start <= start < turns[first].end:
        start = turns[first].start
    last = bisect.bisect_right(starts, end - 1) - 1
    if last >= 0 and turns[last].start <= end - 1 < turns[last].end:
        end = turns[last].end
    return start, end


def _respondent(turns: Sequence[Turn], question: Question) -> str | None:
    """The speaker of the first turn in the response region who is not the asker."""
    start, end = question.response
    for turn in turns:
        if turn.end > start and turn.start < end and turn.speaker != question.speaker:
            return turn.speaker
    return None
