"""The project's speakers: people, and which person each speaker label of the turns names.

:class:`Speakers` is the only code that writes ``people``, ``speaker_labels`` and
``speaker_changes``. Its policy:

- **Labels are data, not text.** A turn keeps the label its file gave (``SPEAKER_01``,
  ``MR. KIRBY``); the registry says which person a label names. A label is project-wide: the
  same label in two documents names one person (import WhisperX files whose ``SPEAKER_01``
  are different people into different projects, or rename after each import).
- **Imports** (:meth:`Speakers.record_import`): a label the file describes with a person
  (:class:`annotator.model.SpeakerInfo`) links to the person of that name, created if
  absent; a label without a person links to a person of its own name, created if absent.
  So every label names someone, and two labels share a person only when they name the same
  person exactly. A label already linked keeps its person (an import never relinks what the
  project says), and an import only fills in what is not known yet (role, party, external
  id, constituency), never overwriting it.
- **Never merged silently.** Labels that differ only in case, punctuation or honorific are
  suggested (:func:`annotator.speakers.suggest_aliases`), and merged only by :meth:`alias`.
- :meth:`alias` links labels to a person (created if absent, taking over each detail that
  the labels' people agree on); a person left without labels is removed.
  :meth:`rename` gives a label's person a new name (refused when another person has it:
  alias to them instead). :meth:`set` sets a person's role, party, external id or
  constituency.
- **An audit trail, no undo.** Speakers are project-wide, not one document's edit, so they
  stay out of the documents' change log: each change is a row of ``speaker_changes`` (when,
  what, the label, the person, the state before and after, as JSON), and the opposite
  command undoes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import InvalidValue, UnknownItem
from ..model import SPEAKER_ROLES, SpeakerInfo
from .connection import Connection
from .database import now

DETAILS = ("role", "party", "external_id", "constituency")
_COLUMNS = "id, name, role, party, external_id, constituency"


@dataclass(frozen=True)
class Person:
    """A person of the project: a canonical name and what is known of them."""

    id: int
    name: str
    role: str | None = None  # one of annotator.model.SPEAKER_ROLES
    party: str | None = None
    external_id: str | None = None
    constituency: str | None = None


class Speakers:
    """The ``people`` and ``speaker_labels`` tables; writes run in the caller's transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        # The person of each label an import recorded in the current write transaction: a
        # batch of files names the same speakers again and again (never kept longer, since
        # another process may change the registry between transactions).
        self._recorded: dict[str, Person] = {}
        self._recorded_in = -1  # the transaction they were recorded in
        connection.on_rollback.append(self._recorded.clear)

    @property
    def _db(self) -> Any:
        return self.connection.db

    # ---- reading ---------------------------------------------------------------------------

    def people(self) -> dict[str, Person]:
        """Every linked label's person, by label."""
        return {
            row[0]: Person(*row[1:])
            for row in self._db.execute(
                "SELECT l.label, p.id, p.name, p.role, p.party, p.external_id, p.constituency "
                "FROM speaker_labels l JOIN people p ON p.id = l.person_id"
            )
        }

    def person(self, name: str) -> Person | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM people WHERE name = ?", [name]).fetchone()
        return Person(*row) if row else None

    def of_label(self, label: str) -> Person | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM people WHERE id = "
            "(SELECT person_id FROM speaker_labels WHERE label = ?)",
            [label],
        ).fetchone()
        return Person(*row) if row else None

    def labels_of(self, person_id: int) -> list[str]:
        return [
            row[0]
            for row in self._db.execute(
                "SELECT label FROM speaker_labels WHERE person_id = ? ORDER BY label", [person_id]
            )
        ]

    def _known_label(self, label: str) -> bool:
        return (
            self._db.execute(
                "SELECT 1 FROM turns WHERE speaker = ? UNION SELECT 1 FROM speaker_labels "
                "WHERE label = ? LIMIT 1",
                [label, label],
            ).fetchone()
            is not None
        )

    def find(self, ref: str) -> Person:
        """A person by name, or else the person a label names; one clear refusal otherwise."""
        found = self.person(ref) or self.of_label(ref)
        if found is None:
            raise UnknownItem(
                f"no person or speaker label {ref!r} in this project; see 'annotator speakers'"
            )
        return found

    # ---- writing (inside Connection.write()) -----------------------------------------------

    def record_import(self, label: str, info: SpeakerInfo | None, where: str) -> None:
        """What an import says of one label (module docstring: it only adds)."""
        if not label.strip():
            return
        details = _details(info, where, label)
        if self._recorded_in != self.connection.transactions:
            self._recorded.clear()
            self._recorded_in = self.connection.transactions
        person = self._recorded.get(label) or self.of_label(label)
        if person is None:
            name = (info.person.strip() if info and info.person else "") or label
            person = self.person(name) or self._create(name, {})
            self._link(label, person.id)
            self._audit("import", label, person.name, None, {"person": person.name})
        missing = {key: value for key, value in details.items() if getattr(person, key) is None}
        if missing:
            person = self._update(person, missing, "import", label)
        self._recorded[label] = person

    def alias(self, labels: Sequence[str], name: str) -> Person:
        """Link every label to the person ``name`` (created if absent); people left without
        labels are removed."""
        name = _name(name)
        labels = list(dict.fromkeys(labels))
        for label in labels:
            if not self._known_label(label):
                raise UnknownItem(
                    f"no speaker label {label!r} in this project; see 'annotator speakers'"
                )
        before = {label: self.of_label(label) for label in labels}
        person = self.person(name)
        if person is None:
            agreed: dict[str, Any] = {}
            for key in DETAILS:
                values = {getattr(p, key) for p in before.values() if p is not None}
                if len(values) == 1 and None not in values:
                    agreed[key] = values.pop()
            person = self._create(name, agreed)
        for label, old in before.items():
            if old is not None and old.id == person.id:
                continue
            self._link(label, person.id)
            self._audit(
                "alias",
                label,
                person.name,
                {"person": old.name} if old else None,
                {"person": person.name},
            )
            if old is not None and not self.labels_of(old.id):
                self._db.execute("DELETE FROM people WHERE id = ?", [old.id])
        return person

    def rename(self, label: str, name: str) -> Person:
        """Give the person ``label`` names a new canonical name."""
        name = _name(name)
        person = self.of_label(label)
        if person is None:
            if not self._known_label(label):
                raise UnknownItem(
                    f"no speaker label {label!r} in this project; see 'annotator speakers'"
                )
            return self.alias([label], name)
        if person.name == name:
            return person
        other = self.person(name)
        if other is not None:
            raise InvalidValue(
                f"{name!r} is already a person of this project; to make {label!r} name them, "
                f"use: annotator speakers alias {label!r} --as {name!r}"
            )
        self._recorded.clear()
        self._db.execute(
            "UPDATE people SET name = ?, updated_at = ? WHERE id = ?", [name, now(), person.id]
        )
        self._audit("rename", label, name, {"name": person.name}, {"name": name})
        return Person(**{**asdict(person), "name": name})

    def set(self, ref: str, fields: Mapping[str, str | None]) -> Person:
        """Set details of a person (``ref``: their name, or a label naming them); an empty
        value clears a detail."""
        person = self.find(ref)
        cleaned = {key: (value.strip() or None) if value else None for key, value in fields.items()}
        unknown = [key for key in cleaned if key not in DETAILS]
        if unknown:
            raise InvalidValue(f"unknown detail {unknown[0]!r}; use {', '.join(DETAILS)}")
        role = cleaned.get("role")
        if role is not None and role not in SPEAKER_ROLES:
            raise InvalidValue(f"unknown role {role!r}; use one of {', '.join(SPEAKER_ROLES)}")
        return self._update(person, cleaned, "set", None)

    def _create(self, name: str, details: Mapping[str, Any]) -> Person:
        at = now()
        cursor = self._db.execute(
            "INSERT INTO people (name, role, party, external_id, constituency, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [name, *(details.get(key) for key in DETAILS), at, at],
        )
        return Person(int(cursor.lastrowid or 0), name, **{k: details.get(k) for k in DETAILS})

    def _link(self, label: str, person_id: int) -> None:
        self._recorded.clear()  # a label may name someone else now
        self._db.execute(
            "INSERT INTO speaker_labels (label, person_id, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (label) DO UPDATE SET person_id = excluded.person_id, "
            "updated_at = excluded.updated_at",
            [label, person_id, now()],
        )

    def _update(
        self, person: Person, fields: Mapping[str, Any], action: str, label: str | None
    ) -> Person:
        self._recorded.clear()  # the person may be recorded under other labels too
        changed = {key: value for key, value in fields.items() if getattr(person, key) != value}
        if not changed:
            return person
        assignments = ", ".join(f"{key} = ?" for key in changed)
        self._db.execute(
            f"UPDATE people SET {assignments}, updated_at = ? WHERE id = ?",
            [*changed.values(), now(), person.id],
        )
        self._audit(
            action, label, person.name, {key: getattr(person, key) for key in changed}, changed
        )
        return Person(**{**asdict(person), **changed})

    def _audit(
        self,
        action: str,
        label: str | None,
        person: str,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        self._db.execute(
            'INSERT INTO speaker_changes (at, action, label, person, "before", "after") '
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                now(),
                action,
                label,
                person,
                None if before is None else json.dumps(dict(before), ensure_ascii=False),
                None if after is None else json.dumps(dict(after), ensure_ascii=False),
            ],
        )


def _name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidValue("a person's name cannot be empty")
    return name


def _details(info: SpeakerInfo | None, where: str, label: str) -> dict[str, str]:
    if info is None:
        return {}
    found = {key: getattr(info, key) for key in DETAILS}
    role = found["role"]
    if role is not None and role not in SPEAKER_ROLES:
        raise InvalidValue(
            f"{where}: speaker {label!r} has the unknown role {role!r}; "
            f"use one of {', '.join(SPEAKER_ROLES)}"
        )
    return {key: value.strip() for key, value in found.items() if value and value.strip()}
