"""Gold question codes: the reviewers' decisions on the annotators' codes of each question.

A gold code is an ordinary code of the reserved annotator :data:`GOLD`, one per question,
written through :class:`~annotator.store.codes.CodeStore` (so the scheme's unit rules hold
in gold too), and the change log, undo and redo work for it as for anyone's. Like a gold
span, it carries a ``provenance``::

    {"method": "unanimous" | "majority" | "adjudicated",
     "reviewer": "ana" | null,          # who decided (or ran the auto-merge)
     "sources": [12, 40],               # ids of the annotators' codes it came from
     "annotators": ["alice", "bob"],    # their annotators
     "of": 3,                           # how many annotators had finished the document
     "level": 1}                        # only when auto-merge gave gold an ancestor label
                                        # (the level of the hierarchy the majority agree at)

Every gold edit names its reviewer in the change log (``edits.reviewer``).

- :meth:`GoldCodes.accept` makes one annotator's code gold, exactly (label, attribute values,
  note); its sources are every finished annotator's code identical to it.
- :meth:`GoldCodes.adjudicate` gives a question a gold code of the reviewer's own; it
  settles every finished annotator's code of that question (its sources).
- :meth:`GoldCodes.clear` takes a gold code away (the question is open again).
- :meth:`GoldCodes.auto_merge` settles, question by question, what a strict majority of the
  annotators who finished the document agree on (see :func:`majority`): the full code, or
  else the most specific ancestor a majority share, when the unit lets a code be a label
  with children (``selectable: any``). Re-running it never overrides a reviewer: it skips
  questions with a gold code, and questions whose gold code a reviewer cleared (the change
  log tells; an auto-merge that was undone does not count). All of one document's codes go
  in as one edit, so one undo takes the merge back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import AnnotatorError, ProjectError, UnknownItem
from ..model import Code, Question
from ..scheme import Scheme, Unit
from .annotators import GOLD, Annotators
from .codes import CodeStore
from .connection import Connection
from .gold import GoldLayer, check_reviewer, gold_provenance
from .log import ChangeLog
from .questions import QuestionStore


@dataclass(frozen=True)
class Verdict:
    """What the finished annotators' codes of one question give gold, or why nothing."""

    label: str | None  # the code gold gets; None: left to the reviewer
    attributes: Mapping[str, Any] = field(default_factory=dict)
    method: str = ""  # "unanimous" or "majority"
    level: int | None = None  # the level of an agreed ancestor; None for the full code
    sources: tuple[Code, ...] = ()  # the codes that make the majority
    reason: str = ""  # why it is left to the reviewer


@dataclass(frozen=True)
class CodeMergeOutcome:
    """What an auto-merge of question codes put into gold, and what it left to a reviewer
    (why, question by question)."""

    codes: list[Code] = field(default_factory=list)
    left_open: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.codes)


def code_key(code: Code) -> tuple[str, str]:
    """A code's full identity for agreement: its label and attribute values."""
    return code.label, json.dumps(code.attributes, sort_keys=True, ensure_ascii=False)


def at_level(unit: Unit, label: str, level: int) -> str:
    """The label's ancestor at ``level`` (itself when shallower); a label the scheme no
    longer has is its own answer at every level."""
    try:
        return unit.at_level(label, level)
    except UnknownItem:
        return label


def majority(unit: Unit, codes: Sequence[Code], finished: int, name: str) -> Verdict:
    """What a strict majority of the ``finished`` annotators agree on for one question
    (``name``, for the reasons), from their ``codes`` (one each at most; an annotator
    without a code counts, as agreeing with nobody).

    The full code (label and attribute values) first: more than half agreeing is a
    ``majority``, everyone a ``unanimous`` code. Otherwise the levels of the hierarchy are
    walked from the deepest up: the first level at which more than half share a label
    decides. When they share the label itself, only its attribute values differ: left to
    the reviewer. When they share an ancestor, gold gets it if the unit lets a code be any
    label (``selectable: any``); a leaves-only unit leaves it to the reviewer, naming the
    majority found. A tie is never broken by the order of annotators.
    """
    needed = finished // 2 + 1
    groups: dict[tuple[str, str], list[Code]] = {}
    for code in codes:
        groups.setdefault(code_key(code), []).append(code)
    best = max(groups.values(), key=len, default=[])
    if len(best) >= needed:
        method = "unanimous" if len(best) == finished else "majority"
        return Verdict(best[0].label, dict(best[0].attributes), method, None, tuple(best))
    labels = ", ".join(dict.fromkeys(code.label for code in codes))
    for level in range(max(unit.levels, 1), 0, -1):
        by_label: dict[str, list[Code]] = {}
        for code in codes:
            by_label.setdefault(at_level(unit, code.label, level), []).append(code)
        label, agreeing = max(by_label.items(), key=lambda item: len(item[1]))
        if len(agreeing) < needed:
            continue
        share = f"({len(agreeing)} of {finished})"
        if all(code.label == label for code in agreeing):
            differ = _differing(agreeing)
            return Verdict(
                None, reason=f"{name}: {label} {share}, attribute values split: {differ}"
            )
        depth = unit.depth(label)
        shown = unit.label(label).name
        if unit.selectable != "any":
            return Verdict(
                None, reason=f"{name}: level {depth} {shown} {share}, leaves split: {labels}"
            )
        method = "unanimous" if len(agreeing) == finished else "majority"
        return Verdict(label, {}, method, depth, tuple(agreeing))
    if not codes:
        return Verdict(None, reason=f"{name}: nobody coded it")
    return Verdict(None, reason=f"{name}: no majority at any level ({labels})")


def _differing(codes: Sequence[Code]) -> str:
    keys = sorted({key for code in codes for key in code.attributes})
    return ", ".join(
        key
        for key in keys
        if len({json.dumps(code.attributes.get(key), sort_keys=True) for code in codes}) > 1
    )


class GoldCodes:
    """Gold question codes of one project (held by :class:`~annotator.store.Project`)."""

    def __init__(
        self,
        connection: Connection,
        annotators: Annotators,
        log: ChangeLog,
        codes: CodeStore,
        questions: QuestionStore,
        gold: GoldLayer,
        scheme: Callable[[], Scheme],
    ) -> None:
        self.connection = connection
        self.annotators = annotators
        self.log = log
        self.codes = codes
        self.questions = questions
        self.gold = gold
        self._scheme = scheme

    # ---- reading -------------------------------------------------------------------------

    def codable(self, document_id: int) -> list[Question]:
        """The document's questions that take a code (those without parts), in order."""
        questions = self.questions.questions(document_id)
        parents = {q.parent_id for q in questions if q.parent_id is not None}
        return [q for q in questions if q.id not in parents]

    def candidates(self, document_id: int) -> dict[str, dict[int, Code]]:
        """The question codes of each annotator who finished the document, by name, each by
        question id (an annotator who coded nothing has an empty mapping)."""
        found: dict[str, dict[int, Code]] = {}
        for name in self.gold.finished_by(document_id):
            found[name] = {
                code.question_id: code
                for code in self.codes.codes(
                    "question", annotator_id=self.annotators.id(name), document_id=document_id
                )
                if code.question_id is not None
            }
        return found

    def gold_codes(self, document_id: int) -> dict[int, Code]:
        """The gold codes of the document's questions, by question id."""
        gold_id = self.annotators.find(GOLD)
        if gold_id is None:
            return {}
        return {
            code.question_id: code
            for code in self.codes.codes("question", annotator_id=gold_id, document_id=document_id)
            if code.question_id is not None
        }

    def cleared(self, document_id: int) -> set[int]:
        """Ids of the questions whose gold code a reviewer cleared (auto-merge leaves them)."""
        gold_id = self.annotators.find(GOLD)
        if gold_id is None:
            return set()
        return {
            state["question_id"]
            for state in self.log.deleted_by_edits(document_id, gold_id, "code")
            if state.get("unit") == "question"
        }

    def stale(self, document_id: int) -> dict[int, str]:
        """Gold codes whose source codes an annotator changed or cleared after the decision
        (the change log's order tells), by question id, with what happened (for the
        reviewer to look at again)."""
        gold = self.gold_codes(document_id)
        sources = {
            question_id: list((code.provenance or {}).get("sources", ()))
            for question_id, code in gold.items()
        }
        ids = [code.id for code in gold.values()] + [i for s in sources.values() for i in s]
        last = self.log.last_edits("code", ids)
        existing = {code.id for code in self.codes.codes("question", document_id=document_id)}
        found: dict[int, str] = {}
        for question_id, code in gold.items():
            for source in sources[question_id]:
                if source not in existing:
                    found[question_id] = "a code it came from was cleared"
                elif last.get(source, 0) > last.get(code.id, 0):
                    found.setdefault(question_id, "a code it came from was changed since")
        return found

    # ---- decisions -----------------------------------------------------------------------

    def accept(self, document_id: int, reviewer: str, code_id: int) -> Code:
        """Make an annotator's question code gold exactly as it is (label, attribute values,
        note), replacing the question's gold code if any; one edit."""
        check_reviewer(reviewer)
        state = self.codes.state(code_id)
        if state is None:
            raise ProjectError(f"no code with id {code_id}")
        chosen = self.codes.code_of(code_id, state)
        if chosen.document_id != document_id or chosen.question_id is None:
            raise ProjectError("the code accepted must be a question code of this document")
        if chosen.annotator == GOLD:
            raise ProjectError("a gold code cannot be the source of another")
        finished = self.candidates(document_id)
        agreeing = [
            code
            for codes in finished.values()
            if (code := codes.get(chosen.question_id)) is not None
            and code_key(code) == code_key(chosen)
        ]
        if chosen.id not in {code.id for code in agreeing}:
            agreeing.append(chosen)
        provenance = gold_provenance("adjudicated", reviewer, agreeing, len(finished))
        return self._write(
            document_id,
            reviewer,
            chosen.question_id,
            chosen.label,
            dict(chosen.attributes),
            chosen.note,
            provenance,
        )

    def adjudicate(
        self,
        document_id: int,
        reviewer: str,
        question_id: int,
        label: str,
        attributes: Mapping[str, Any] | None = None,
        note: str = "",
    ) -> Code:
        """The reviewer's own gold code for a question (replacing its gold code if any); it
        settles every finished annotator's code of the question, its sources."""
        check_reviewer(reviewer)
        finished = self.candidates(document_id)
        settled = [codes[question_id] for codes in finished.values() if question_id in codes]
        provenance = gold_provenance("adjudicated", reviewer, settled, len(finished))
        return self._write(
            document_id, reviewer, question_id, label, attributes or {}, note, provenance
        )

    def _write(
        self,
        document_id: int,
        reviewer: str,
        question_id: int,
        label: str,
        attributes: Mapping[str, Any],
        note: str,
        provenance: Mapping[str, Any],
    ) -> Code:
        with self.connection.write():
            gold_id = self.annotators.id(GOLD)
            edit_id = self.log.begin(document_id, gold_id, reviewer=reviewer)
            code_id, state = self.codes.set(
                edit_id,
                document_id,
                gold_id,
                "question",
                question_id,
                label,
                attributes,
                note,
                provenance=provenance,
            )
        return self.codes.code_of(code_id, state)

    def clear(self, document_id: int, reviewer: str, question_id: int) -> None:
        """Take the question's gold code away (one edit; undo brings it back). Auto-merge
        then leaves the question to the reviewer."""
        check_reviewer(reviewer)
        with self.connection.write():
            gold_id = self.annotators.id(GOLD)
            found = self.codes.find(document_id, gold_id, "question", question_id)
            if found is None:
                name = self.questions.question(question_id).name
                raise ProjectError(f"{name} has no gold code to clear")
            edit_id = self.log.begin(document_id, gold_id, reviewer=reviewer)
            self.codes.clear(edit_id, found[0], gold_id)

    def auto_merge(self, document_id: int, *, reviewer: str | None = None) -> CodeMergeOutcome:
        """Give gold, question by question, what a strict majority of the annotators who
        finished the document agree on (see :func:`majority`), as one edit. Questions with
        a gold code, or whose gold code a reviewer cleared, are skipped; questions nobody
        coded are not mentioned; every other question without a majority gold can take is
        listed in ``left_open`` with the reason. ``reviewer`` is who ran the merge, if
        anyone."""
        if reviewer is not None:
            check_reviewer(reviewer)
        scheme = self._scheme()
        if not scheme.has_unit("question"):
            return CodeMergeOutcome()
        unit = scheme.unit("question")
        created: list[Code] = []
        left_open: list[str] = []
        try:
            with self.connection.write():
                finished = self.candidates(document_id)
                if len(finished) < 2:
                    return CodeMergeOutcome()
                skipped = set(self.gold_codes(document_id)) | self.cleared(document_id)
                verdicts = []
                for question in self.codable(document_id):
                    if question.id in skipped:
                        continue
                    codes = [c[question.id] for c in finished.values() if question.id in c]
                    if not codes:
                        continue
                    verdict = majority(unit, codes, len(finished), question.name)
                    if verdict.label is None:
                        left_open.append(verdict.reason)
                    else:
                        verdicts.append((question, verdict))
                if verdicts:
                    self._merge(document_id, reviewer, verdicts, len(finished), created, left_open)
        except _NothingMerged:
            pass  # every majority was refused: the empty edit is rolled back
        return CodeMergeOutcome(created, left_open)

    def _merge(
        self,
        document_id: int,
        reviewer: str | None,
        verdicts: Sequence[tuple[Question, Verdict]],
        finished: int,
        created: list[Code],
        left_open: list[str],
    ) -> None:
        """The merge's one edit (inside the write transaction): a gold code per verdict the
        scheme admits (the others are added to ``left_open``); rolled back when none is."""
        gold_id = self.annotators.id(GOLD)
        edit_id = self.log.begin(document_id, gold_id, reviewer=reviewer)
        for question, verdict in verdicts:
            assert verdict.label is not None
            provenance = gold_provenance(verdict.method, reviewer, verdict.sources, finished)
            if verdict.level is not None:
                provenance["level"] = verdict.level
            notes = dict.fromkeys(code.note for code in verdict.sources if code.note)
            try:
                code_id, state = self.codes.set(
                    edit_id,
                    document_id,
                    gold_id,
                    "question",
                    question.id,
                    verdict.label,
                    verdict.attributes,
                    "\n".join(notes),
                    provenance=provenance,
                )
            except AnnotatorError as error:
                # Refused before anything was written (a deprecated label, an ancestor
                # with a required attribute): the reviewer decides.
                left_open.append(f"{question.name}: {verdict.label}: {error}")
                continue
            created.append(self.codes.code_of(code_id, state))
        if not created:
            raise _NothingMerged()


class _NothingMerged(ProjectError):
    """Every majority was refused: roll the empty edit back (never shown to a user)."""

    def __init__(self) -> None:
        super().__init__("nothing to merge")
