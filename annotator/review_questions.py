"""Reviewing question codes: where the annotators who finished a document coded its
questions differently, and a reviewer's decisions on them. Plain Python (no Textual).

Every codable question (a question without parts, or a part) is a :class:`QuestionCase`:
each finished annotator's code (or none), how far down the unit's hierarchy the codes agree,
its state and its gold code, if any. The states:

- ``agree``: every finished annotator gave the same code (label and attribute values);
- ``label``: they gave different labels (``agreed_to`` says down to which level of the
  hierarchy they still agree: 0, none);
- ``attributes``: one label, different attribute values;
- ``partial``: those who coded it agree, but some finished annotators gave no code;
- ``uncoded``: nobody did (nothing to settle, so not a disagreement).

A disagreement is *open* while its question has no gold code. :class:`QuestionReview` is a
reviewer's session on one document's question codes: the cases in text order, the question
under a cursor, stepping to the next open disagreement, each annotator's version, and the
decisions, which go through :class:`~annotator.store.gold_codes.GoldCodes` (accept a
version, the reviewer's own code, clear a gold code, auto-merge by majority).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from .errors import ProjectError, UnknownItem
from .model import Change, Code, Question
from .scheme import Unit
from .store import CodeMergeOutcome, Project, at_level, code_key

AGREE, LABEL, ATTRIBUTES, PARTIAL, UNCODED = (
    "agree", "label", "attributes", "partial", "uncoded"
)  # fmt: skip
STATE_NAMES = {
    AGREE: "all agree",
    LABEL: "different codes",
    ATTRIBUTES: "same code, different attribute values",
    PARTIAL: "coded by only some",
    UNCODED: "nobody coded it",
}
DISAGREEMENTS = (LABEL, ATTRIBUTES, PARTIAL)  # the states that need a reviewer, worst first


@dataclass(frozen=True)
class QuestionCase:
    """One codable question and what the finished annotators coded it."""

    question: Question
    codes: Mapping[str, Code]  # by annotator; those who gave no code are absent
    state: str  # one of STATE_NAMES
    agreed_to: int  # the deepest level down to which every code agrees (0: none)
    gold: Code | None

    @property
    def is_disagreement(self) -> bool:
        return self.state in DISAGREEMENTS

    @property
    def is_open(self) -> bool:
        """A disagreement without a gold code yet."""
        return self.is_disagreement and self.gold is None


@dataclass(frozen=True)
class CodeVersion:
    """One annotator's code of a question, as the question panel shows it."""

    number: int  # the key that accepts it
    annotator: str
    shown_as: str  # the name, or "A1"... when anonymised
    code: Code | None
    path: tuple[str, ...]  # its label at each level of the hierarchy, root first
    decision: str  # "accepted" (a source of the gold code), "rejected" or "open"; "" if no code


def case_of(
    unit: Unit, question: Question, codes: Mapping[str, Code], finished: int, gold: Code | None
) -> QuestionCase:
    """A question's case from the codes of ``finished`` annotators."""
    if not codes:
        return QuestionCase(question, codes, UNCODED, 0, gold)
    labels = [code.label for code in codes.values()]
    agreed_to = 0
    for level in range(1, max(unit.levels, 1) + 1):
        if len({at_level(unit, label, level) for label in labels}) > 1:
            break
        agreed_to = level
    if len(set(labels)) > 1:
        state = LABEL
    elif len({code_key(code) for code in codes.values()}) > 1:
        state = ATTRIBUTES
    elif len(codes) < finished:
        state = PARTIAL
    else:
        state = AGREE
    return QuestionCase(question, codes, state, agreed_to, gold)


def label_path(unit: Unit, label: str) -> tuple[str, ...]:
    """A code's label at each level, root first (a label the scheme lacks: itself)."""
    try:
        return (*(parent.id for parent in reversed(unit.ancestors(label))), label)
    except UnknownItem:
        return (label,)


class QuestionReview:
    """A reviewer's session on the question codes of one document."""

    def __init__(
        self, project: Project, document_id: int, names: Sequence[str], reviewer: str = ""
    ) -> None:
        self.project = project
        self.document_id = document_id
        self.names = list(names)  # the finished annotators, in version order
        self.reviewer = reviewer
        scheme = project.scheme
        self.unit: Unit | None = scheme.unit("question") if scheme.has_unit("question") else None
        self.reload()

    def reload(self) -> None:
        """Read the questions, codes and gold codes again (after a change)."""
        gold_codes = self.project.gold_codes
        candidates = gold_codes.candidates(self.document_id)
        candidates = {name: candidates.get(name, {}) for name in self.names}
        gold = gold_codes.gold_codes(self.document_id)
        self.stale = gold_codes.stale(self.document_id)  # question id -> what changed
        self.cases: list[QuestionCase] = []
        if self.unit is not None:
            for question in gold_codes.codable(self.document_id):
                codes = {
                    name: codes[question.id]
                    for name, codes in candidates.items()
                    if question.id in codes
                }
                self.cases.append(
                    case_of(self.unit, question, codes, len(self.names), gold.get(question.id))
                )
        self._starts = [case.question.start for case in self.cases]
        self._index = {case.question.id: i for i, case in enumerate(self.cases)}
        # Counted once per change, not on every key that repaints the status line.
        self.disagreements = [case for case in self.cases if case.is_disagreement]
        self._positions = {case.question.id: i for i, case in enumerate(self.disagreements, 1)}
        self._open = sum(case.is_open for case in self.cases)

    # ---- reading -------------------------------------------------------------------------

    def open_count(self) -> int:
        return self._open

    def case(self, question_id: int) -> QuestionCase | None:
        i = self._index.get(question_id)
        return None if i is None else self.cases[i]

    def position(self, case: QuestionCase) -> int:
        """Its number among the disagreements, from 1 (0: not a disagreement)."""
        return self._positions.get(case.question.id, 0)

    def at(self, offset: int) -> QuestionCase | None:
        """The question under ``offset``, else the last one before it (whose answer the
        offset is likely in); None before the first question."""
        i = bisect_right(self._starts, offset) - 1
        return self.cases[i] if i >= 0 else None

    def next_disagreement(
        self, offset: int, forward: bool = True, settled: bool = False
    ) -> QuestionCase | None:
        """The next open disagreement (``settled``: any disagreement) after (or before) the
        question at ``offset``, wrapping around; the one there only when no other is."""
        here = self.at(offset)
        count = len(self.cases)

        def wanted(case: QuestionCase) -> bool:
            return case.is_disagreement if settled else case.is_open

        # Before the first question: forward from it, backward from the last.
        start = (-1 if forward else 0) if here is None else self._index[here.question.id]
        for step in range(1, count + 1):
            case = self.cases[(start + step if forward else start - step) % count]
            if case is not here and wanted(case):
                return case
        return here if here is not None and wanted(here) else None

    def path(self, label: str) -> tuple[str, ...]:
        assert self.unit is not None
        return label_path(self.unit, label)

    def versions(
        self, case: QuestionCase, display_name: Callable[[str], str] = str
    ) -> list[CodeVersion]:
        sources = set((case.gold.provenance or {}).get("sources", ())) if case.gold else set()
        found = []
        for number, name in enumerate(self.names, 1):
            code = case.codes.get(name)
            if code is None:
                decision = ""
            elif case.gold is None:
                decision = "open"
            else:
                decision = "accepted" if code.id in sources else "rejected"
            path = self.path(code.label) if code is not None else ()
            found.append(CodeVersion(number, name, display_name(name), code, path, decision))
        return found

    def ranges_of(self, changes: Iterable[Change]) -> list[tuple[int, int]]:
        """The questions (as text ranges) whose codes these logged changes touched."""
        ranges = []
        for change in changes:
            state = change.after or change.before or {}
            case = self.case(state.get("question_id") or 0) if change.item == "code" else None
            if case is not None:
                ranges.append((case.question.start, case.question.end))
        return ranges

    # ---- decisions -----------------------------------------------------------------------

    def _need(self, case: QuestionCase | None) -> QuestionCase:
        if case is None:
            raise ProjectError("no question under the cursor: n goes to the next disagreement")
        return case

    def accept_version(self, case: QuestionCase | None, number: int) -> Code:
        """Make annotator ``number``'s code (1-based) the question's gold code, exactly."""
        case = self._need(case)
        if not 1 <= number <= len(self.names):
            raise ProjectError(f"there are {len(self.names)} annotators: no version {number}")
        name = self.names[number - 1]
        code = case.codes.get(name)
        if code is None:
            raise ProjectError(f"{case.question.name}: annotator {number} gave no code")
        return self.project.gold_codes.accept(self.document_id, self.reviewer, code.id)

    def adjudicate(
        self,
        case: QuestionCase | None,
        label: str,
        attributes: Mapping[str, object] | None = None,
        note: str = "",
    ) -> Code:
        """The reviewer's own gold code for the question."""
        case = self._need(case)
        return self.project.gold_codes.adjudicate(
            self.document_id, self.reviewer, case.question.id, label, attributes, note
        )

    def clear(self, case: QuestionCase | None) -> None:
        """Take the question's gold code away."""
        case = self._need(case)
        self.project.gold_codes.clear(self.document_id, self.reviewer, case.question.id)

    def auto_merge(self) -> CodeMergeOutcome:
        """Give gold every question code a strict majority agree on (at the deepest level
        the unit allows); see :meth:`~annotator.store.gold_codes.GoldCodes.auto_merge`."""
        return self.project.gold_codes.auto_merge(self.document_id, reviewer=self.reviewer)


def describe_codes(changes: Sequence[Change], names: Mapping[int, str]) -> str:
    """What the gold code changes of an edit did, in a few words, in question order ("gold
    code of Q2 removed", "4 gold codes added"); ``names``: question id -> name, in order."""
    verbs = {"create": "added", "delete": "removed"}
    order = {question_id: i for i, question_id in enumerate(names)}
    touched = []
    for change in changes:
        if change.item != "code":
            continue
        state = change.after or change.before or {}
        question_id = state.get("question_id") or 0
        touched.append((order.get(question_id, len(order)), question_id, change.action))
    words = [
        (names.get(question_id, "a question"), verbs.get(action, "changed"))
        for _, question_id, action in sorted(touched)
    ]
    if len(words) > 2 and len({verb for _, verb in words}) == 1:
        return f"{len(words)} gold codes {words[0][1]}"
    shown = [f"gold code of {name} {verb}" for name, verb in words[:2]]
    return ", ".join(shown) + (f" and {len(words) - 2} more" if len(words) > 2 else "")


def open_question_disagreements(project: Project, document_id: int) -> tuple[int, int]:
    """How many question disagreements a reviewable document has, and how many are open."""
    names = project.gold.finished_by(document_id)
    review = QuestionReview(project, document_id, names)
    return len(review.disagreements), review.open_count()
