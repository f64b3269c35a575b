"""Unit codes: each annotator's one code per question (or per document), and their writer.

:class:`CodeStore` is the only code that writes the ``codes`` table. Every path (the app's
coding pass, imports, undo and redo, the gold layer's decisions) applies the scheme's unit
the same way:

- the unit (``question`` or ``document``) has codes in the scheme, and the label is one of
  them; a new code, or a new label, is not deprecated, and is a leaf unless the unit allows
  any label (``selectable: any``);
- a question code is given to a question of that document that has no parts (a question
  with parts is coded through them); a document code to no question;
- attribute values have their type; required ones have a value, unless the caller lets a
  code be incomplete (an import with ``--allow-incomplete``) or the code already lacked it;
- one code per unit and annotator: coding a unit again replaces the code (logged as an
  update, so undo brings the earlier one back);
- a scheme upgrade (:meth:`CodeStore.migrate`) only renames, as the span writer's does.

Every change is recorded in the change log (item ``code``) in the caller's edit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from ..errors import InvalidValue, ProjectError, StaleView
from ..model import Code
from ..scheme import Scheme, Unit
from .annotators import Annotators
from .connection import Connection
from .database import now
from .log import ChangeLog, Step
from .questions import QuestionStore

CODE_COLUMNS = (
    "id, document_id, annotator_id, unit, question_id, label, attributes, note, scheme_hash, "
    "created_at, updated_at, provenance"
)
_FIELDS = tuple(CODE_COLUMNS.split(", ")[1:])

State = dict[str, Any]  # a code row as the change log keeps it (without its id)


def _state_of_row(row: Sequence[Any]) -> State:
    state = dict(zip(_FIELDS, row[1:], strict=True))
    state["attributes"] = json.loads(state["attributes"])
    state["provenance"] = json.loads(state["provenance"]) if state["provenance"] else None
    return state


def _values(state: Mapping[str, Any]) -> list[Any]:
    values = dict(state)
    values["attributes"] = json.dumps(state["attributes"], ensure_ascii=False, sort_keys=True)
    provenance = state.get("provenance")
    values["provenance"] = None if provenance is None else json.dumps(provenance)
    return [values[field] for field in _FIELDS]


class CodeStore:
    """Reads and writes the ``codes`` table (see the module docstring for its rules)."""

    def __init__(
        self,
        connection: Connection,
        log: ChangeLog,
        annotators: Annotators,
        questions: QuestionStore,
        scheme: Callable[[], Scheme],
    ) -> None:
        self.connection = connection
        self.log = log
        self.annotators = annotators
        self.questions = questions
        self._scheme = scheme

    @property
    def db(self) -> Any:
        return self.connection.db

    # ---- reading -------------------------------------------------------------------------

    def codes(
        self,
        unit: str | None = None,
        *,
        annotator_id: int | None = None,
        document_id: int | None = None,
        question_id: int | None = None,
    ) -> list[Code]:
        """Codes in document and question order, optionally of one unit kind, annotator,
        document or question."""
        conditions, params = [], []
        for column, value in (
            ("unit", unit),
            ("annotator_id", annotator_id),
            ("document_id", document_id),
            ("question_id", question_id),
        ):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        return [
            self.code_of(row[0], _state_of_row(row))
            for row in self.db.execute(
                f"SELECT {CODE_COLUMNS} FROM codes {where} "
                "ORDER BY document_id, coalesce(question_id, 0), annotator_id",
                params,
            )
        ]

    def code_of(self, code_id: int, state: Mapping[str, Any]) -> Code:
        return Code(
            id=code_id,
            document_id=state["document_id"],
            annotator=self.annotators.name(state["annotator_id"]),
            unit=state["unit"],
            question_id=state["question_id"],
            label=state["label"],
            attributes=state["attributes"],
            note=state["note"],
            scheme_hash=state["scheme_hash"],
            created_at=state["created_at"],
            updated_at=state["updated_at"],
            provenance=state["provenance"],
        )

    def state(self, code_id: int) -> State | None:
        row = self.db.execute(
            f"SELECT {CODE_COLUMNS} FROM codes WHERE id = ?", [code_id]
        ).fetchone()
        return None if row is None else _state_of_row(row)

    def find(
        self, document_id: int, annotator_id: int, unit: str, question_id: int | None
    ) -> tuple[int, State] | None:
        """The annotator's code of a unit, if any."""
        row = self.db.execute(
            f"SELECT {CODE_COLUMNS} FROM codes WHERE document_id = ? AND annotator_id = ? "
            "AND unit = ? AND coalesce(question_id, 0) = ?",
            [document_id, annotator_id, unit, question_id or 0],
        ).fetchone()
        return None if row is None else (row[0], _state_of_row(row))

    # ---- writing (inside a write transaction and an edit) ---------------------------------

    def set(
        self,
        edit_id: int,
        document_id: int,
        annotator_id: int,
        unit: str,
        question_id: int | None,
        label: str,
        attributes: Mapping[str, Any] | None = None,
        note: str | None = None,
        *,
        provenance: Mapping[str, Any] | None = None,
        incomplete: bool = False,
        stamps: Mapping[str, str | None] | None = None,
    ) -> tuple[int, State]:
        """Give the unit this annotator's code (replacing theirs, if any); its id and state.

        ``attributes`` None keeps those of the code it replaces that the new label defines
        too; ``note`` None keeps its note. ``stamps`` are the ``created_at``, ``updated_at``
        and ``scheme_hash`` a file recorded (the native jsonl export), kept instead of now
        and the current scheme (the hash only when the project holds that scheme version).
        """
        scheme_unit = self._unit(unit)
        self._target(document_id, unit, question_id)
        found = self.find(document_id, annotator_id, unit, question_id)
        current = found[1] if found else None
        if current is None or current["label"] != label:
            definition = scheme_unit.codable(label)
        else:
            definition = scheme_unit.label(label)
        if attributes is None:
            defined = {attribute.id for attribute in definition.attributes}
            kept = current["attributes"] if current else {}
            attributes = {key: value for key, value in kept.items() if key in defined}
        typed = {
            key: definition.attribute(key).from_text(value)
            for key, value in attributes.items()
            if value is not None
        }
        values, missing = scheme_unit.attribute_values(label, typed)
        if missing and not incomplete:
            lacked = (
                scheme_unit.attribute_values(current["label"], current["attributes"])[1]
                if current and current["label"] == label
                else []
            )
            if not set(missing) <= set(lacked):
                names = ", ".join(f"'{attribute}'" for attribute in missing)
                raise InvalidValue(
                    f"attribute {names} of {unit} code '{label}' is required; give it a value"
                )
        stamp = now()
        recorded = stamps or {}
        created = recorded.get("created_at") or (current["created_at"] if current else stamp)
        state: State = {
            "document_id": document_id,
            "annotator_id": annotator_id,
            "unit": unit,
            "question_id": question_id,
            "label": label,
            "attributes": values,
            "note": (current["note"] if current else "") if note is None else note,
            "scheme_hash": self._scheme_hash(recorded.get("scheme_hash")),
            "created_at": created,
            "updated_at": recorded.get("updated_at") or recorded.get("created_at") or stamp,
            "provenance": dict(provenance) if provenance is not None else None,
        }
        if found is None:
            code_id = self._insert(edit_id, state)
        else:
            code_id = found[0]
            self._update(edit_id, code_id, found[1], state)
        self.annotators.started(document_id, annotator_id)
        return code_id, state

    def migrate(
        self,
        edit_id: int,
        code_id: int,
        label: str,
        attributes: Mapping[str, Any],
        keep_invalid: Collection[str] = (),
    ) -> State:
        """Rewrite a code for the scheme the project is being upgraded to, whose plan renamed
        its label, an attribute or a choice (as :meth:`SpanWriter.migrate
        <annotator.store.spans.SpanWriter.migrate>` rewrites a span): its unit, question,
        note, provenance and times stay; values are checked except those in
        ``keep_invalid``, kept rather than dropped; stamped with the new scheme's hash."""
        current = self.state(code_id)
        if current is None:
            raise StaleView(f"code {code_id} was removed while the upgrade was planned")
        definition = self._unit(current["unit"]).label(label)
        values: dict[str, Any] = {}
        for key, value in attributes.items():
            attribute = definition.attribute(key)
            values[key] = value if key in keep_invalid else attribute.check(value)
        after: State = {
            **current,
            "label": label,
            "attributes": values,
            "scheme_hash": self._scheme().hash,
        }
        self._update(edit_id, code_id, current, after)
        return after

    def clear(self, edit_id: int, code_id: int, annotator_id: int) -> State:
        """Remove one of the annotator's codes (undo brings it back)."""
        current = self.state(code_id)
        if current is None:
            raise StaleView(
                f"that code (id {code_id}) was removed elsewhere, in another window or "
                "process; nothing was changed"
            )
        if current["annotator_id"] != annotator_id:
            raise ProjectError(
                f"code {code_id} belongs to {self.annotators.name(current['annotator_id'])}, "
                f"not {self.annotators.name(annotator_id)}"
            )
        self.db.execute("DELETE FROM codes WHERE id = ?", [code_id])
        self.log.record(edit_id, code_id, "delete", current, None, item="code")
        return current

    def purge_document(self, document_id: int) -> list[State]:
        """Remove every code (of any unit and annotator) of a document that is being deleted,
        returning them (each with its id) for the record of the deletion; not logged as
        changes, since the document's change log goes with it."""
        removed = [
            {"id": row[0], **_state_of_row(row)}
            for row in self.db.execute(
                f"SELECT {CODE_COLUMNS} FROM codes WHERE document_id = ? ORDER BY id",
                [document_id],
            )
        ]
        self.db.execute("DELETE FROM codes WHERE document_id = ?", [document_id])
        return removed

    def revert_step(self, edit_id: int, step: Step, kind: str) -> None:
        """Undo or redo one logged code change, if the code is still as logged and the
        scheme still has its label."""
        current = self.state(step.id)
        if current != step.expected:
            raise StaleView(
                f"a code of this edit was changed elsewhere since; {kind} stopped without changes"
            )
        wanted = step.wanted
        if wanted is None:
            self.db.execute("DELETE FROM codes WHERE id = ?", [step.id])
            self.log.record(edit_id, step.id, "delete", current, None, item="code")
            return
        try:
            self._unit(wanted["unit"]).label(wanted["label"])
            self._target(wanted["document_id"], wanted["unit"], wanted["question_id"])
        except (ProjectError, InvalidValue, KeyError) as error:
            raise ProjectError(
                f"{kind} would bring back the {wanted['unit']} code '{wanted['label']}', "
                f"which the scheme or the questions now refuse ({error})"
            ) from None
        if current is None:
            self._insert(edit_id, wanted, code_id=step.id)
        else:
            self._update(edit_id, step.id, current, wanted)

    # ---- policy --------------------------------------------------------------------------

    def _scheme_hash(self, recorded: str | None) -> str:
        """The scheme version a code is stamped with: the current one, or the one a file
        recorded for it when the project holds that version."""
        current = self._scheme().hash
        if recorded and recorded != current:
            known = self.db.execute("SELECT 1 FROM schemes WHERE hash = ?", [recorded]).fetchone()
            if known:
                return recorded
        return current

    def _unit(self, unit: str) -> Unit:
        return self._scheme().unit(unit)  # UnknownItem names the scheme's units

    def _target(self, document_id: int, unit: str, question_id: int | None) -> None:
        if unit == "document":
            if question_id is not None:
                raise InvalidValue("a document code is given to the document, not a question")
            return
        if question_id is None:
            raise InvalidValue("a question code needs the question it codes")
        state = self.questions.state(question_id)
        if state is None or state["document_id"] != document_id:
            raise ProjectError(f"document {document_id} has no question with id {question_id}")
        parts = [
            q.name for q in self.questions.questions(document_id) if q.parent_id == question_id
        ]
        if parts:
            question = self.questions.question(question_id)
            raise InvalidValue(
                f"{question.name} has parts ({', '.join(parts)}); code each part instead"
            )

    # ---- rows ----------------------------------------------------------------------------

    def _insert(self, edit_id: int, state: Mapping[str, Any], code_id: int | None = None) -> int:
        cursor = self.db.execute(
            f"INSERT INTO codes ({CODE_COLUMNS}) VALUES ({', '.join('?' * (len(_FIELDS) + 1))})",
            [code_id, *_values(state)],
        )
        new_id = int(cursor.lastrowid or 0)
        self.log.record(edit_id, new_id, "create", None, state, item="code")
        return new_id

    def _update(self, edit_id: int, code_id: int, before: State, after: State) -> None:
        self.db.execute(
            f"UPDATE codes SET ({', '.join(_FIELDS)}) = ({', '.join('?' * len(_FIELDS))}) "
            "WHERE id = ?",
            [*_values(after), code_id],
        )
        self.log.record(edit_id, code_id, "update", before, after, item="code")
