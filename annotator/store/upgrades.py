"""Scheme upgrades: moving a project to a new version of its scheme (``annotator scheme
upgrade``), and their record.

The comparison and the plan for each stored span and code are plain rules
(``annotator/scheme/diff.py``); here they are applied, inside the caller's write transaction
in which the new scheme became the project's:

- each span or code the plan rewrites (a label, attribute or choice renamed) goes through its
  one writer (:meth:`SpanWriter.migrate <.spans.SpanWriter.migrate>`,
  :meth:`CodeStore.migrate <.codes.CodeStore.migrate>`), in one edit per layer (document and
  annotator, gold included), each edit naming the upgrade (``edits.upgrade_id``); done
  documents are not locked against it, since it renames and changes no one's work;
- everything else keeps its row and the hash of the scheme it was made under;
- a row of ``scheme_upgrades`` records the two versions, who and when, the counts per label
  and outcome, and the spans and codes left for review; its ``through_edit`` is the newest
  edit then, which undo does not reach across (:meth:`ChangeLog.barrier
  <.log.ChangeLog.barrier>`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..scheme.diff import REVIEW, Item, UpgradePlan
from .codes import CodeStore
from .connection import Connection
from .database import now
from .log import ChangeLog
from .spans import SpanWriter


@dataclass(frozen=True)
class UpgradeRecord:
    """One applied upgrade, as ``scheme_upgrades`` keeps it."""

    id: int
    from_hash: str
    to_hash: str
    from_version: int
    to_version: int
    upgraded_by: str
    upgraded_at: str
    edits: int  # edits it made (one per layer it rewrote something in)
    rewritten: int  # spans and codes it rewrote
    summary: dict[str, Any]


@dataclass(frozen=True)
class Stored:
    """Where a stored item is: its document and layer (for the edit that rewrites it)."""

    document_id: int
    annotator_id: int


class Upgrades:
    """Reads what an upgrade looks at, applies a plan, and lists the upgrades made."""

    def __init__(
        self, connection: Connection, log: ChangeLog, writer: SpanWriter, codes: CodeStore
    ) -> None:
        self.connection = connection
        self.log = log
        self.writer = writer
        self.codes = codes

    def items(self) -> tuple[list[Item], dict[tuple[str, int], Stored]]:
        """Every span and code of the project (every layer, gold's too), with its place."""
        db = self.connection.db
        names = dict(db.execute("SELECT id, name FROM annotators").fetchall())
        items: list[Item] = []
        stored: dict[tuple[str, int], Stored] = {}
        for span_id, document, annotator, label, start, end, attributes in db.execute(
            'SELECT id, document_id, annotator_id, label, start, "end", attributes FROM spans '
            'ORDER BY document_id, annotator_id, start, "end", id'
        ):
            place = f"document {document}, {names.get(annotator)}, [{start}, {end})"
            items.append(Item(span_id, None, label, json.loads(attributes), place))
            stored["span", span_id] = Stored(document, annotator)
        for code_id, document, annotator, unit, question, label, attributes in db.execute(
            "SELECT id, document_id, annotator_id, unit, question_id, label, attributes "
            "FROM codes ORDER BY document_id, annotator_id, coalesce(question_id, 0), id"
        ):
            what = f"question {question}" if question is not None else "the document"
            place = f"document {document}, {names.get(annotator)}, {what}"
            items.append(Item(code_id, unit, label, json.loads(attributes), place))
            stored["code", code_id] = Stored(document, annotator)
        return items, stored

    def apply(
        self,
        plan: UpgradePlan,
        stored: dict[tuple[str, int], Stored],
        upgraded_by: str,
    ) -> UpgradeRecord:
        """Rewrite what the plan rewrites and record the upgrade (inside the caller's write,
        the new scheme already the project's; the plan has no refusals)."""
        db = self.connection.db
        diff = plan.diff
        at = now()
        cursor = db.execute(
            "INSERT INTO scheme_upgrades (from_hash, to_hash, upgraded_by, upgraded_at) "
            "VALUES (?, ?, ?, ?)",
            [diff.old.hash, diff.new.hash, upgraded_by, at],
        )
        upgrade_id = int(cursor.lastrowid or 0)
        layers: dict[tuple[int, int], list[Any]] = {}
        for item_plan in plan.items:
            if item_plan.rewrite:
                kind = "span" if item_plan.item.unit is None else "code"
                where = stored[kind, item_plan.item.id]
                layers.setdefault((where.document_id, where.annotator_id), []).append(item_plan)
        for (document_id, annotator_id), plans in sorted(layers.items()):
            edit_id = self.log.begin(document_id, annotator_id, upgrade_id=upgrade_id)
            for item_plan in plans:
                item = item_plan.item
                rewrite = self.writer.migrate if item.unit is None else self.codes.migrate
                rewrite(
                    edit_id, item.id, item_plan.label, item_plan.attributes, item_plan.keep_invalid
                )
        (through,) = db.execute("SELECT coalesce(max(id), 0) FROM edits").fetchone()
        summary = _summary(plan)
        db.execute(
            "UPDATE scheme_upgrades SET through_edit = ?, summary = ? WHERE id = ?",
            [through, json.dumps(summary, ensure_ascii=False), upgrade_id],
        )
        return UpgradeRecord(
            upgrade_id,
            diff.old.hash,
            diff.new.hash,
            diff.old.version,
            diff.new.version,
            upgraded_by,
            at,
            len(layers),
            sum(len(plans) for plans in layers.values()),
            summary,
        )

    def records(self) -> list[UpgradeRecord]:
        """Every upgrade applied to the project, oldest first."""
        return [
            UpgradeRecord(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                row[5],
                row[6],
                row[7],
                row[8],
                json.loads(row[9]),
            )
            for row in self.connection.db.execute(
                "SELECT u.id, u.from_hash, u.to_hash, a.version, b.version, u.upgraded_by, "
                "u.upgraded_at, (SELECT count(*) FROM edits e WHERE e.upgrade_id = u.id), "
                "(SELECT count(*) FROM span_changes c JOIN edits e ON e.id = c.edit_id "
                "WHERE e.upgrade_id = u.id), u.summary "
                "FROM scheme_upgrades u JOIN schemes a ON a.hash = u.from_hash "
                "JOIN schemes b ON b.hash = u.to_hash ORDER BY u.id"
            )
        ]


def _summary(plan: UpgradePlan) -> dict[str, Any]:
    """What the record keeps: the changes in words, counts per label and outcome, and the
    spans and codes left for review (by id) with why."""
    return {
        "changes": [
            {"unit": c.unit, "label": c.name, "status": c.status, "changes": list(c.changes)}
            for c in plan.diff.changed
        ],
        "settings": list(plan.diff.settings),
        "counts": [
            {"unit": unit, "label": label, "outcome": outcome, "n": n}
            for (unit, label), counts in plan.counts().items()
            for outcome, n in sorted(counts.items())
        ],
        "review": [
            {
                "item": "span" if p.item.unit is None else "code",
                "id": p.item.id,
                "label": p.label,
                "reasons": list(p.reasons),
            }
            for p in plan.items
            if p.outcome == REVIEW
        ],
    }
