"""QEvasion (CLARITY) files: the label names as released, and the importer (format
``qevasion``).

QEvasion (Thomas et al. 2024, "I Never Said That": the CLARITY dataset, Hugging Face
``ailsntua/QEvasion``) pairs an interviewer's question turn with the answer and codes each
sub-question on two levels: ``clarity_label`` (Clear Reply, Ambivalent, Clear Non-Reply) and
``evasion_label`` (Explicit; Implicit, Dodging, Deflection, Partial/half-answer, General;
Declining to answer, Claims ignorance, Clarification). :data:`EVASION` holds the names as the
dataset releases them, each with its clarity label.

**Labels.** A project's question codes meet these names by their ``name`` or ``id``, compared
without case, spaces or punctuation ("Partial/half-answer" is ``partial_half_answer`` or a
label named "Partial / half answer"); "Ambivalent Reply", the paper's name, is
"Ambivalent". A file's label may carry the taxonomy number of the raw annotation sheets
("2.3 Dodging"). :class:`LabelNames` does the matching both ways, for the exporter
(:mod:`annotator.export.qevasion`) and this importer.

**Import.** A CSV file (UTF-8, a header row; rows are numbered as a spreadsheet shows them,
the header being row 1) with the columns ``interview_question`` (the interviewer's turn),
``interview_answer`` (the answer) and ``question`` (the sub-question coded), and labels in
``evasion_label`` and ``clarity_label``. Accepted layouts:

- **Ours** (``annotator export --format qevasion``): columns ``annotator``, ``document`` and
  ``question_order`` (with ``part``, ``question_start``/``question_end``,
  ``part_start``/``part_end``, ``title``, ``date``, ``speaker``, ``respondent``). Rows of one
  ``document`` make one document; rows of one ``question_order`` one question, at its offsets
  in the interviewer's turn; rows of one ``part`` one part. The ``question`` column is the
  unit's wording when it is not the text at its offsets. Each row is the code of the
  ``annotator`` it names (``gold``: the gold layer).
- **The released train split**: no ``annotator`` column, one label per row: the code of the
  annotator ``qevasion`` (the dataset's own label).
- **The released test split**: ``annotator1``, ``annotator2``, ... columns, each non-empty one
  the code of the annotator named by the column; the row's own ``evasion_label`` is also the
  code of ``qevasion``, and so is a lone ``clarity_label`` where the scheme lets a question be
  coded with a clarity label (``selectable: any``); otherwise that aggregate of the three
  annotators' codes is not imported.

Without our columns, rows are grouped into one document per ``url`` (the interview) when the
file has that column, else one per question-answer pair; within a document, the rows sharing
an ``interview_question`` and ``interview_answer`` are one question, the interviewer's turn,
and each distinct ``question`` of them a unit: a question with one unit is that sub-question
where the turn holds it verbatim (else the whole turn, with the sub-question as its
``wording``), a question with several has a part per sub-question, placed the same way.
Documents are laid out as the other importers do: the interviewer's turn (speaker from
``speaker``, else ``Q`` as in the White House transcripts QEvasion comes from), then the answer
(speaker from ``respondent``, else ``president``); a question's response region is its
answer turn (set by the file only where the default region would hold more). ``title``,
``date``, ``url`` and ``president`` go to the document (title and metadata).

Every label is matched to the project's question codes (an evasion label must sit under the
row's clarity label in the scheme, or in CLARITY's taxonomy where the scheme has no clarity
labels); a label the scheme lacks, two codes of one unit by one annotator, or rows of one
question that disagree on its text refuse the whole file, naming the row. Nothing is stored
before the whole file has been read.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from annotator.errors import AnnotatorError
from annotator.io.common import DocumentBuilder, ImportFailure, shorten
from annotator.model import CodeDraft, ImportedDocument, QuestionDraft, normalise_text
from annotator.questions import default_regions
from annotator.scheme import Scheme, Unit
from annotator.scheme.model import Label

FORMAT = "qevasion"

CLARITY = ("Clear Reply", "Ambivalent", "Clear Non-Reply")
# Each evasion label as released, with its clarity label.
EVASION: Mapping[str, str] = {
    "Explicit": "Clear Reply",
    "Implicit": "Ambivalent",
    "Dodging": "Ambivalent",
    "Deflection": "Ambivalent",
    "Partial/half-answer": "Ambivalent",
    "General": "Ambivalent",
    "Declining to answer": "Clear Non-Reply",
    "Claims ignorance": "Clear Non-Reply",
    "Clarification": "Clear Non-Reply",
}
_ALIASES = {"ambivalentreply": "Ambivalent"}  # the paper's name of the released label
# The taxonomy numbers of the raw annotation sheets: "1.1 Explicit", "2.3. Dodging".
_NUMBERED = re.compile(r"\A\s*\d+(?:\.\d+)*\.?\s+")

# The columns every QEvasion file has, and those of our export.
REQUIRED = ("interview_question", "interview_answer", "question")
OURS = ("annotator", "document", "question_order")
DATASET_ANNOTATOR = "qevasion"  # who gives a row's own label when no column names anyone
_ANNOTATOR_COLUMN = re.compile(r"\Aannotator(\d+)\Z")


def name_key(text: str) -> str:
    """A label name as the matching compares it: no case, spaces or punctuation."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


_RELEASED = {name_key(name): name for name in (*CLARITY, *EVASION)} | _ALIASES


def released_name(text: str) -> str | None:
    """The CLARITY name as released that ``text`` stands for, or None."""
    return _RELEASED.get(name_key(_NUMBERED.sub("", text)))


class LabelNames:
    """The project's question codes and the CLARITY names, matched both ways."""

    def __init__(self, unit: Unit) -> None:
        self.unit = unit
        self.released: dict[str, str] = {}  # label id -> CLARITY name
        for label in unit.labels:
            name = released_name(label.name) or released_name(label.id)
            if name:
                self.released[label.id] = name
        self._by_key: dict[str, list[str]] = {}
        for label in unit.labels:
            keys = {name_key(label.name), name_key(label.id)}
            if label.id in self.released:
                keys.add(name_key(self.released[label.id]))
            for key in keys:
                self._by_key.setdefault(key, []).append(label.id)

    def label(self, text: str) -> Label | None:
        """The project's label a file's label string names, or None; a string two labels
        answer to raises ValueError."""
        bare = _NUMBERED.sub("", text)
        key = name_key(released_name(bare) or bare)
        found = list(dict.fromkeys(self._by_key.get(key, [])))
        if len(found) > 1:
            raise ValueError(
                f"{text!r} matches the question codes {', '.join(found)} alike; rename one"
            )
        return self.unit.label(found[0]) if found else None

    def row_labels(self, label_id: str) -> tuple[str, str] | str:
        """A code's ``(clarity_label, evasion_label)`` as released, or why it has none."""
        try:
            chain = [label_id, *(label.id for label in self.unit.ancestors(label_id))]
        except (AnnotatorError, ValueError):
            return "its label is not among the scheme's question codes (an older scheme's?)"
        own = self.released.get(label_id)
        if own is None:
            return "its label matches no CLARITY label by name or id"
        if own in CLARITY:
            if len(chain) > 1:
                return f"its label is the clarity label {own!r} below another label"
            return own, ""
        if len(chain) == 1:  # a scheme without clarity labels: CLARITY's taxonomy says
            return EVASION[own], own
        top = self.released.get(chain[-1])
        if top not in CLARITY:
            return (
                f"its evasion label {own!r} is under {chain[-1]!r}, which matches no "
                "CLARITY clarity label"
            )
        return top, own

    def differences(self) -> list[str]:
        """Where the scheme's hierarchy places an evasion label differently from CLARITY."""
        found = []
        for label_id, name in self.released.items():
            ancestors = self.unit.ancestors(label_id)
            if name in EVASION and ancestors:
                top = self.released.get(ancestors[-1].id, "")
                if top in CLARITY and top != EVASION[name]:
                    found.append(
                        f"the scheme puts {name!r} ({label_id}) under {top!r}; CLARITY puts it "
                        f"under {EVASION[name]!r}"
                    )
        return found


# ---- the importer -------------------------------------------------------------------------


def is_qevasion_header(text: str) -> bool:
    """Whether the first line of a CSV text is a QEvasion header."""
    first = text.split("\n", 1)[0].lstrip("\ufeff")
    try:
        header = next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return False
    return set(REQUIRED) <= {column.strip() for column in header}


class _RowError(Exception):
    """A reason a row is refused; the caller adds the file name and the row."""


@dataclass
class _Row:
    number: int
    values: Mapping[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "") or ""

    def integer(self, column: str) -> int | None:
        value = self.get(column).strip()
        if not value:
            return None
        if not re.fullmatch(r"\d{1,18}", value):
            raise _RowError(f"{column} must be a whole number, not {shorten(value, 30)!r}")
        return int(value)


@dataclass
class _Unit:
    """One coded unit of a question: itself (``part`` empty) or one of its parts."""

    part: str
    question: str  # the file's sub-question
    offsets: tuple[int, int] | None  # in the interviewer's turn, when the file gives them
    row: int
    codes: dict[str, tuple[str, int]] = field(default_factory=dict)  # annotator -> label, row


@dataclass
class _Question:
    key: str
    ours: bool  # from our export: units are the question itself ("" part) or its parts
    interview_question: str
    interview_answer: str
    offsets: tuple[int, int] | None
    speaker: str
    respondent: str
    row: int
    units: dict[str, _Unit] = field(default_factory=dict)


@dataclass
class _Document:
    title: str
    metadata: dict[str, str]
    questions: dict[str, _Question] = field(default_factory=dict)


def parse_qevasion(
    text: str, *, source: str, source_path: str | None, scheme: Scheme | None
) -> list[ImportedDocument]:
    """Read a QEvasion CSV file into documents with questions and codes (rules in the
    module docstring), matching its labels to ``scheme``'s question codes."""
    if scheme is None:
        raise ImportFailure(
            source,
            "a QEvasion file's labels are matched to a project's question codes; "
            "import it into a project with 'annotator import'",
        )
    if not scheme.has_unit("question"):
        raise ImportFailure(
            source,
            f"the project's scheme '{scheme.name}' has no question codes to match the file's "
            "labels to; add a 'units: question:' section (see schemas/clarity.yaml)",
        )
    names = LabelNames(scheme.unit("question"))
    header, rows = _read_rows(text, source)
    missing = [column for column in REQUIRED if column not in header]
    annotator_columns = sorted(
        (int(m.group(1)), column) for column in header if (m := _ANNOTATOR_COLUMN.match(column))
    )
    if not ({"clarity_label", "evasion_label"} & set(header) or annotator_columns):
        missing.append("clarity_label or evasion_label")
    if missing:
        raise ImportFailure(
            source,
            f"a QEvasion file needs the columns {', '.join(missing)}; the header has "
            f"{shorten(', '.join(header), 120)}",
            place="row 1",
        )
    ours = set(OURS) <= set(header)
    stem = Path(source_path or source).stem
    documents: dict[str, _Document] = {}
    for row in rows:
        try:
            _take(row, ours, [c for _, c in annotator_columns], names, scheme, documents, stem)
        except _RowError as error:
            raise ImportFailure(source, str(error), place=f"row {row.number}") from None
    if not documents:
        raise ImportFailure(source, "the file has a header but no rows")
    result = []
    for document in documents.values():
        try:
            result.append(_build(document, source_path))
        except _RowError as error:
            raise ImportFailure(source, str(error)) from None
    return result


def _read_rows(text: str, source: str) -> tuple[list[str], list[_Row]]:
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, 64 * 1024 * 1024))  # an answer can be long
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            header = [column.strip() for column in next(reader)]
        except StopIteration:
            raise ImportFailure(source, "the file is empty") from None
        rows = []
        number = 1
        try:
            for values in reader:
                number += 1
                if not any(value.strip() for value in values):
                    continue
                if len(values) > len(header):
                    raise ImportFailure(
                        source,
                        f"the row has {len(values)} fields, the header {len(header)}; quote "
                        "fields that hold commas",
                        place=f"row {number}",
                    )
                rows.append(_Row(number, dict(zip(header, values, strict=False))))
        except csv.Error as error:
            raise ImportFailure(
                source, f"not valid CSV ({error})", place=f"row {number + 1}"
            ) from None
    finally:
        csv.field_size_limit(limit)
    return header, rows


def _take(
    row: _Row,
    ours: bool,
    annotator_columns: Sequence[str],
    names: LabelNames,
    scheme: Scheme,
    documents: dict[str, _Document],
    stem: str,
) -> None:
    """Add one row to the documents being gathered."""
    asked = row.get("interview_question")
    answer = row.get("interview_answer")
    sub = row.get("question")
    if not asked.strip():
        raise _RowError("interview_question is empty; every row needs the interviewer's turn")
    if not sub.strip():
        raise _RowError("question is empty; every row needs the sub-question it codes")
    if ours:
        document_key = row.get("document").strip()
        if not document_key:
            raise _RowError("document is empty; rows of one document share its id")
        question_key = str(row.integer("question_order") or "")
        if not question_key:
            raise _RowError("question_order is empty; rows of one question share its number")
    else:
        url = row.get("url").strip()
        document_key = f"url:{url}" if url else f"pair:{asked}\x00{answer}"
        question_key = f"{asked}\x00{answer}"
    document = documents.get(document_key)
    if document is None:
        title = " ".join(row.get("title").split())
        metadata = {
            column: row.get(column).strip()
            for column in ("date", "url", "president")
            if row.get(column).strip()
        }
        document = _Document(title or f"{stem} #{len(documents) + 1}", metadata)
        documents[document_key] = document
    question = document.questions.get(question_key)
    offsets = _offsets(row, "question") if ours else None
    if question is None:
        question = _Question(
            key=f"q{len(document.questions) + 1}",
            ours=ours,
            interview_question=asked,
            interview_answer=answer,
            offsets=offsets,
            # Our export leaves the speaker out where the transcript has none.
            speaker=row.get("speaker").strip() or ("" if ours else "Q"),
            respondent=row.get("respondent").strip() or row.get("president").strip(),
            row=row.number,
        )
        document.questions[question_key] = question
    elif (asked, answer, offsets) != (
        question.interview_question,
        question.interview_answer,
        question.offsets,
    ):
        raise _RowError(
            f"the interview_question, interview_answer or question offsets differ from row "
            f"{question.row}'s, which has the same question; rows of one question must agree"
        )
    part = row.get("part").strip() if ours else sub
    part_offsets = _offsets(row, "part") if ours else None
    unit = question.units.get(part)
    if unit is None:
        unit = _Unit(part, sub, part_offsets, row.number)
        question.units[part] = unit
    elif (sub, part_offsets) != (unit.question, unit.offsets):
        raise _RowError(
            f"the question or part offsets differ from row {unit.row}'s, which codes the same "
            "unit; rows of one unit must agree"
        )
    for annotator, label in _codes(row, ours, annotator_columns, names, scheme):
        earlier = unit.codes.get(annotator)
        if earlier is not None and earlier[0] != label:
            raise _RowError(
                f"{annotator} codes this unit again ({label}), as row {earlier[1]} did "
                f"({earlier[0]}); one code per unit and annotator"
            )
        unit.codes[annotator] = (label, row.number)


def _offsets(row: _Row, prefix: str) -> tuple[int, int] | None:
    start, end = row.integer(f"{prefix}_start"), row.integer(f"{prefix}_end")
    if start is None and end is None:
        return None
    if start is None or end is None or not start < end:
        raise _RowError(
            f"{prefix}_start and {prefix}_end must both be given, start before end "
            f"(found {start}, {end})"
        )
    return start, end


def _codes(
    row: _Row,
    ours: bool,
    annotator_columns: Sequence[str],
    names: LabelNames,
    scheme: Scheme,
) -> Iterable[tuple[str, str]]:
    """The row's codes: (annotator, label id) pairs."""
    clarity = row.get("clarity_label").strip()
    evasion = row.get("evasion_label").strip()
    if ours:
        annotator = row.get("annotator").strip()
        if not annotator:
            raise _RowError("annotator is empty; name who gave the code")
        if not (clarity or evasion):
            raise _RowError("the row has neither clarity_label nor evasion_label")
        yield annotator, _label(names, scheme, clarity, evasion)
        return
    for column in annotator_columns:
        value = row.get(column).strip()
        if value:
            yield column, _label(names, scheme, "", value, column)
    if evasion or (clarity and not annotator_columns):
        yield DATASET_ANNOTATOR, _label(names, scheme, clarity, evasion)
    elif clarity and names.unit.selectable == "any":
        yield DATASET_ANNOTATOR, _label(names, scheme, clarity, "")


def _label(
    names: LabelNames, scheme: Scheme, clarity: str, evasion: str, column: str = "evasion_label"
) -> str:
    """The label id of a row's code, checked against the scheme (see the module docstring)."""
    codes = ", ".join(label.name for label in names.unit.labels)
    where = f"the question codes of scheme '{scheme.name}'"

    def find(text: str, column: str) -> Label | None:
        try:
            return names.label(text)
        except ValueError as error:
            raise _RowError(f"{column} {error}") from None

    if not evasion:
        top = find(clarity, "clarity_label")
        if top is None:
            raise _RowError(
                f"clarity_label {clarity!r} is not one of {where} ({codes}); rename the "
                "label in the scheme or in the file"
            )
        return top.id
    label = find(evasion, column)
    if label is None:
        raise _RowError(
            f"{column} {evasion!r} is not one of {where} ({codes}); rename the label in the "
            "scheme or in the file"
        )
    if clarity:
        top = find(clarity, "clarity_label")
        root = names.unit.at_level(label.id, 1)
        if top is not None:
            if top.id != root:
                raise _RowError(
                    f"{column} {evasion!r} is under {root!r} in the scheme, but the row's "
                    f"clarity_label is {clarity!r}; correct the row or the scheme"
                )
        else:  # a scheme without clarity labels: CLARITY's own taxonomy decides
            if released_name(clarity) not in CLARITY:
                raise _RowError(
                    f"clarity_label {clarity!r} is not one of {where} ({codes}) nor a CLARITY "
                    "clarity label"
                )
            parent = EVASION.get(released_name(evasion) or "")
            if parent is None:
                raise _RowError(
                    f"{column} {evasion!r} has no clarity label, in the scheme or in CLARITY, "
                    f"to check the row's clarity_label {clarity!r} against; leave it empty"
                )
            if parent != released_name(clarity):
                raise _RowError(
                    f"{column} {evasion!r} is under {parent!r} in CLARITY, but the row's "
                    f"clarity_label is {clarity!r}; correct the row"
                )
    return label.id


# ---- laying out a document ------------------------------------------------------------------


def lay_out(raw: str) -> tuple[str, list[int]]:
    """The turn text an importer stores for ``raw`` (each line stripped, blank lines dropped,
    ``\\n`` line ends, as :class:`~annotator.io.common.DocumentBuilder` lays turns out), and
    for each character of ``raw`` its offset in that text (-1 where it was dropped)."""
    positions = [-1] * len(raw)
    pieces: list[str] = []
    length = 0
    start = 0
    while start <= len(raw):
        stop = start
        while stop < len(raw) and raw[stop] not in "\r\n":
            stop += 1
        first, last = start, stop
        while first < last and raw[first].isspace():
            first += 1
        while last > first and raw[last - 1].isspace():
            last -= 1
        if first < last:
            if pieces:
                pieces.append("\n")
                length += 1
            for offset in range(first, last):
                positions[offset] = length + offset - first
            pieces.append(raw[first:last])
            length += last - first
        if stop >= len(raw):
            break
        start = stop + (2 if raw.startswith("\r\n", stop) else 1)
    return "".join(pieces), positions


def _mapped(positions: list[int], offsets: tuple[int, int], what: str) -> tuple[int, int]:
    """File offsets in the interviewer's turn, as offsets in its laid-out text."""
    start, end = offsets
    length = len(positions)
    if end > length:
        raise _RowError(
            f"{what} [{start}, {end}) runs past the end of the interviewer's turn of {length} "
            "characters"
        )
    kept = [positions[offset] for offset in range(start, end) if positions[offset] >= 0]
    if not kept:
        raise _RowError(f"{what} [{start}, {end}) holds only white space")
    return kept[0], kept[-1] + 1


@dataclass
class _Laid:
    """A question laid out in the document: its offsets, its parts', the answer turn."""

    draft: QuestionDraft
    parts: list[QuestionDraft]
    answer: tuple[int, int] | None


def _build(document: _Document, source_path: str | None) -> ImportedDocument:
    builder = DocumentBuilder()
    laid: list[_Laid] = []
    codes: list[CodeDraft] = []
    previous: _Question | None = None
    turn_start = 0
    for question in document.questions.values():
        content, positions = lay_out(question.interview_question)
        if normalise_text(content) != content:
            if question.offsets is not None:
                raise _RowError(
                    f"row {question.row}: interview_question is not in Unicode NFC, so the "
                    "offsets do not apply; export the file again"
                )
            content = normalise_text(content)
        # Two questions of one turn (the first with no answer between them) share it.
        if not (
            previous is not None
            and not previous.interview_answer.strip()
            and previous.interview_question == question.interview_question
        ):
            turn = builder.add_turn([content], speaker=question.speaker or None)
            assert turn is not None  # the row's interview_question is not empty
            turn_start = turn.start
        previous = question
        try:
            draft, parts = _units(question, content, positions, turn_start, codes)
        except _RowError as error:
            raise _RowError(f"row {question.row}: {error}") from None
        answer_turn = None
        answer = lay_out(question.interview_answer)[0]
        if answer:
            turn = builder.add_turn([answer], speaker=question.respondent or None)
            assert turn is not None
            answer_turn = (turn.start, turn.end)
        laid.append(_Laid(draft, parts, answer_turn))
    text = builder.text()
    regions = default_regions([(item.draft.start, item.draft.end) for item in laid], [], len(text))
    drafts: list[QuestionDraft] = []
    for item, region in zip(laid, regions, strict=True):
        draft = item.draft
        expected = text[item.answer[0] : item.answer[1]] if item.answer else ""
        if text[region[0] : region[1]].strip() != expected:
            response = item.answer or (draft.end, draft.end)
            draft = QuestionDraft(
                draft.key, draft.start, draft.end, response=response, wording=draft.wording
            )
        drafts.append(draft)
        drafts.extend(item.parts)
    built = builder.build(
        title=document.title, format=FORMAT, source_path=source_path, metadata=document.metadata
    )
    return ImportedDocument(
        title=built.title,
        text=built.text,
        turns=built.turns,
        format=FORMAT,
        source_path=source_path,
        metadata=built.metadata,
        questions=tuple(drafts),
        codes=tuple(codes),
    )


def _units(
    question: _Question,
    content: str,
    positions: list[int],
    turn_start: int,
    codes: list[CodeDraft],
) -> tuple[QuestionDraft, list[QuestionDraft]]:
    """A question's draft and its parts' (offsets in the document), adding their codes."""
    units = list(question.units.values())
    if question.ours:
        whole = [unit for unit in units if not unit.part]
        if whole and len(units) > 1:
            raise _RowError(
                f"the question is coded as a whole (row {whole[0].row}) and has parts too; a "
                "question with parts is coded through them"
            )
        single = bool(whole)
    else:
        single = len(units) == 1
    if single:
        unit = units[0]
        if question.offsets is not None:
            start, end = _mapped(positions, question.offsets, "the question")
            wording = _wording(unit.question, content, start, end)
        else:
            start, end, wording = _place(None, positions, content, "the question", unit.question)
        draft = QuestionDraft(question.key, turn_start + start, turn_start + end, wording=wording)
        for annotator, (label, row) in unit.codes.items():
            codes.append(CodeDraft(annotator, label, question.key, place=f"row {row}"))
        return draft, []
    start, end = (
        _mapped(positions, question.offsets, "the question")
        if question.offsets is not None
        else (0, len(content))
    )
    draft = QuestionDraft(question.key, turn_start + start, turn_start + end)
    parts = []
    for position, unit in enumerate(units, start=1):
        what = f"part {unit.part}" if question.ours else "the sub-question"
        start, end, wording = _place(unit.offsets, positions, content, what, unit.question)
        key = f"{question.key}.{position}"
        parts.append(
            QuestionDraft(
                key, turn_start + start, turn_start + end, parent=question.key, wording=wording
            )
        )
        for annotator, (label, row) in unit.codes.items():
            codes.append(CodeDraft(annotator, label, key, place=f"row {row}"))
    return draft, parts


def _place(
    offsets: tuple[int, int] | None,
    positions: list[int],
    content: str,
    what: str,
    sub: str | None,
) -> tuple[int, int, str | None]:
    """Where a question or part lies in its laid-out turn, and its wording: at the file's
    offsets, else where the turn holds the sub-question verbatim, else the whole turn."""
    if offsets is not None:
        start, end = _mapped(positions, offsets, what)
        return start, end, None if sub is None else _wording(sub, content, start, end)
    if sub is None:
        return 0, len(content), None
    wanted = lay_out(normalise_text(sub))[0]
    found = content.find(wanted) if wanted else -1
    if found >= 0:
        return found, found + len(wanted), None
    return 0, len(content), " ".join(normalise_text(sub).split()) or None


def _wording(sub: str, content: str, start: int, end: int) -> str | None:
    """The file's sub-question as a wording: None when it is the text at its place."""
    if lay_out(normalise_text(sub))[0] == content[start:end]:
        return None
    return normalise_text(sub).strip() or None
