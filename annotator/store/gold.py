"""The gold layer: the spans reviewers settle on, each recording how it came about.

Gold spans are ordinary spans in the layer of the reserved annotator :data:`GOLD`, written
through the same :class:`~annotator.store.spans.SpanWriter` as everyone's (so the scheme's
rules hold in gold too), and the change log, undo/redo and exports work for them as for
anyone's. Each carries a ``provenance`` (stored with the span, so undo restores it too)::

    {"method": "unanimous" | "majority" | "adjudicated",
     "reviewer": "ana" | null,          # who decided (or ran the auto-merge)
     "sources": [12, 40, 77],           # ids of the annotators' spans it came from
     "annotators": ["alice", "bob"],    # their annotators
     "of": 3}                           # how many annotators had finished the document

Every gold edit also names its reviewer in the change log (``edits.reviewer``).

A reviewer's decisions on the annotators' spans (the *candidates*): :meth:`GoldLayer.accept`
copies some into the gold layer, :meth:`GoldLayer.reject` turns some down (a rejection is a
logged edit of the gold layer, so undo brings the candidate back), :meth:`GoldLayer.adjudicate`
makes a gold span of the reviewer's own from the candidates it settles, and
:meth:`GoldLayer.revise` edits a gold span. A candidate is *decided* once it is a source of a
gold span or rejected (:meth:`GoldLayer.decided`).

:meth:`GoldLayer.auto_merge` accepts every span on which all (or at least ``minimum``) of
the annotators who finished a document agree exactly (label and offsets). Re-running it never
overrides a reviewer: it skips anything decided, anything the gold layer already has or ever
had (a gold span a reviewer deleted stays deleted) and anything overlapping a gold span of its
label. Agreed spans that the scheme would not let stand together (two majorities of one label
that overlap; spans of two labels that cross where the scheme forbids it) are left open for a
reviewer, as is any the scheme refuses next to the gold layer.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from ..bulk import paused_gc
from ..errors import ProjectError
from ..model import Code, Span
from .annotators import GOLD, Annotators
from .connection import Connection
from .log import ChangeLog
from .spans import NewSpan, OnConflict, SpanReader, SpanWriter, overlap_problem

SpanKey = tuple[str, int, int]


@dataclass(frozen=True)
class MergeOutcome:
    """What an auto-merge put into gold, and the agreed spans it left for a reviewer (why)."""

    spans: list[Span] = field(default_factory=list)
    left_open: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.spans)


class GoldLayer:
    """Gold-layer operations of one project (held by :class:`~annotator.store.Project`)."""

    def __init__(
        self,
        connection: Connection,
        annotators: Annotators,
        log: ChangeLog,
        reader: SpanReader,
        writer: SpanWriter,
    ) -> None:
        self.connection = connection
        self.annotators = annotators
        self.log = log
        self.reader = reader
        self.writer = writer

    # ---- reading -------------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether anyone has reviewed in this project yet."""
        return self.annotators.find(GOLD) is not None

    def spans(self, document_id: int) -> list[Span]:
        gold_id = self.annotators.find(GOLD)
        return [] if gold_id is None else self.reader.layer(document_id, gold_id)

    def finished_by(self, document_id: int) -> list[str]:
        """Annotators (not the gold layer) who marked the document done, by name."""
        return [
            row[0]
            for row in self.connection.db.execute(
                "SELECT a.name FROM document_status s JOIN annotators a ON a.id = s.annotator_id "
                "WHERE s.document_id = ? AND s.status = 'done' AND a.name != ? ORDER BY a.name",
                [document_id, GOLD],
            )
        ]

    def reviewable(self) -> list[int]:
        """Ids of the documents two or more annotators finished, in id order."""
        return [
            row[0]
            for row in self.connection.db.execute(
                "SELECT s.document_id FROM document_status s "
                "JOIN annotators a ON a.id = s.annotator_id "
                "WHERE s.status = 'done' AND a.name != ? "
                "GROUP BY s.document_id HAVING count(*) >= 2 ORDER BY s.document_id",
                [GOLD],
            )
        ]

    def reviewable_listing(self) -> list[tuple[int, str, list[str]]]:
        """:meth:`reviewable` with each document's title and :meth:`finished_by`, in one
        query (the review queue's rows before their figures)."""
        listing: dict[int, tuple[str, list[str]]] = {}
        for document_id, title, name in self.connection.db.execute(
            "SELECT s.document_id, d.title, a.name FROM document_status s "
            "JOIN annotators a ON a.id = s.annotator_id JOIN documents d ON d.id = s.document_id "
            "WHERE s.status = 'done' AND a.name != ? ORDER BY s.document_id, a.name",
            [GOLD],
        ):
            listing.setdefault(document_id, (title, []))[1].append(name)
        return [(key, title, names) for key, (title, names) in listing.items() if len(names) >= 2]

    def candidates(self, document_id: int) -> dict[str, list[Span]]:
        """The spans of each annotator who finished the document, by name."""
        return {
            name: self.reader.layer(document_id, self.annotators.id(name))
            for name in self.finished_by(document_id)
        }

    def decided(self, document_id: int) -> set[int]:
        """Ids of the annotators' spans a reviewer (or auto-merge) has settled: the sources of
        gold spans, and the spans the gold layer rejected."""
        return self._settled(document_id, self.spans(document_id))

    def _settled(self, document_id: int, gold: Iterable[Span]) -> set[int]:
        return sources_of(gold) | self.rejections(document_id)

    def rejections(self, document_id: int) -> set[int]:
        """Ids of the annotators' spans reviewers kept out of the gold layer."""
        gold_id = self.annotators.find(GOLD)
        if gold_id is None:
            return set()
        return {
            row[0]
            for row in self.connection.db.execute(
                "SELECT r.span_id FROM suggestion_rejections r JOIN spans s ON s.id = r.span_id "
                "WHERE r.annotator_id = ? AND s.document_id = ?",
                [gold_id, document_id],
            )
        }

    def changed_since_review(self, document_id: int) -> bool:
        """Whether an annotator edited the document after a reviewer marked it reviewed."""
        reviewed = self.connection.db.execute(
            "SELECT s.updated_at FROM document_status s JOIN annotators a ON a.id = s.annotator_id "
            "WHERE s.document_id = ? AND a.name = ? AND s.status = 'done'",
            [document_id, GOLD],
        ).fetchone()
        if reviewed is None:
            return False
        later = self.connection.db.execute(
            # (A scheme upgrade's renaming is no annotator's edit.)
            "SELECT 1 FROM edits e JOIN annotators a ON a.id = e.annotator_id "
            "WHERE e.document_id = ? AND a.name != ? AND e.at > ? AND e.upgrade_id IS NULL "
            "LIMIT 1",
            [document_id, GOLD, reviewed[0]],
        ).fetchone()
        return later is not None

    def stale(self, document_id: int) -> dict[int, str]:
        """Gold spans whose sources an annotator changed or deleted after the gold span was
        made, by id, with what happened (for the reviewer to look at again)."""
        gold_id = self.annotators.find(GOLD)
        if gold_id is None:
            return {}
        found: dict[int, str] = {}
        # One query for the whole layer: each gold span's sources (in its provenance JSON).
        for span_id, deleted, changed in self.connection.db.execute(
            "SELECT g.id, s.id IS NULL, s.updated_at > g.created_at "
            "FROM spans g JOIN json_each(g.provenance, '$.sources') j "
            "LEFT JOIN spans s ON s.id = j.value "
            "WHERE g.document_id = ? AND g.annotator_id = ? AND g.provenance IS NOT NULL",
            [document_id, gold_id],
        ):
            if deleted:
                found[span_id] = "a span it came from was deleted"
            elif changed:
                found.setdefault(span_id, "a span it came from was changed since")
        return found

    # ---- decisions -----------------------------------------------------------------------

    def auto_merge(
        self,
        document_id: int,
        *,
        minimum: int | None = None,
        reviewer: str | None = None,
    ) -> MergeOutcome:
        """Add to the gold layer every span that enough finished annotators made exactly.

        ``minimum`` is how many must agree (default: all of them, at least two). All the
        spans go in as one edit, so one undo takes the whole merge back. ``reviewer`` is who
        ran the merge (recorded in provenance and log), if anyone.
        """
        with paused_gc():  # every layer of the document in memory at once
            return self._auto_merge(document_id, minimum, reviewer)

    def _auto_merge(
        self, document_id: int, minimum: int | None, reviewer: str | None
    ) -> MergeOutcome:
        names = self.finished_by(document_id)
        if len(names) < 2:
            return MergeOutcome()
        needed = len(names) if minimum is None else minimum
        if not 2 <= needed <= len(names):
            raise ProjectError(
                f"a majority needs between 2 and {len(names)} annotators, not {needed}"
            )
        groups: dict[SpanKey, list[Span]] = {}
        for spans in self.candidates(document_id).values():
            for span in spans:
                groups.setdefault((span.label, span.start, span.end), []).append(span)
        gold = self.spans(document_id)
        decided = {(s.label, s.start, s.end) for s in gold} | self._deleted_from_gold(document_id)
        settled = self._settled(document_id, gold)
        covered = _Reach(gold)
        agreed: dict[SpanKey, Agreement] = {}
        left_open: list[str] = []
        for key, spans in sorted(groups.items(), key=lambda item: (item[0][1], item[0][2])):
            if len({span.annotator for span in spans}) < needed or key in decided:
                continue
            if any(span.id in settled for span in spans):
                continue
            label, start, end = key
            if covered.overlaps(label, start, end):
                continue
            agreement = _agreement(spans, needed, len(names))
            if isinstance(agreement, str):
                left_open.append(f"{label} [{start}, {end}): {agreement}")
                continue
            agreed[key] = agreement
        left_open += self._clashing(agreed)
        if not agreed:
            return MergeOutcome(left_open=left_open)
        gold_id = self.annotators.id(GOLD)
        created: list[Span] = []
        try:
            with self.connection.write():
                self._merge_agreed(
                    document_id, gold_id, agreed, names, reviewer, created, left_open
                )
        except _NothingMerged:
            pass  # the empty edit is rolled back
        return MergeOutcome(created, left_open)

    def _merge_agreed(
        self,
        document_id: int,
        gold_id: int,
        agreed: Mapping[SpanKey, Agreement],
        names: Sequence[str],
        reviewer: str | None,
        created: list[Span],
        left_open: list[str],
    ) -> None:
        """The merge's one edit: every agreed span the scheme admits next to the gold layer
        (the others are added to ``left_open``), written in batches through the span writer
        (:meth:`~annotator.store.spans.SpanWriter.create_each`: the statements do not grow
        with the spans); rolled back when that is none."""
        edit_id = self.log.begin(document_id, gold_id, reviewer=reviewer)
        places = list(agreed.items())
        drafts = []
        for (label, start, end), agreement in places:
            provenance = gold_provenance(agreement.method, reviewer, agreement.sources, len(names))
            provenance["attributes"] = agreement.how
            notes = dict.fromkeys(span.note for span in agreement.sources if span.note)
            # The question the annotators linked it to, when they agree on one.
            linked = {span.question_id for span in agreement.sources}
            drafts.append(
                NewSpan(
                    label,
                    start,
                    end,
                    agreement.values,
                    "\n".join(notes),
                    provenance=provenance,
                    question=linked.pop() if len(linked) == 1 else "default",
                )
            )
        written = self.writer.create_each(
            edit_id,
            document_id,
            gold_id,
            drafts,
            incomplete=True,
            # Refused before anything of it was written: left to the reviewer, saying why.
            refused=lambda _, error: left_open.append(str(error)),
        )
        if not written:
            raise _NothingMerged()
        # The minority's spans of the places merged gave other values: turned down.
        self._reject_in(
            edit_id, gold_id, [s for index, _, _ in written for s in places[index][1].outvoted]
        )
        created += [self.reader.span_of(span_id, state) for _, span_id, state in written]

    def _clashing(self, agreed: dict[SpanKey, Agreement]) -> list[str]:
        """Take out of ``agreed`` the spans that the scheme would not let stand beside another
        agreed span (both go to the reviewer); say why for each pair."""
        settings = self.writer.scheme.settings
        keys = sorted(agreed, key=lambda k: (k[1], k[2]))
        out: set[SpanKey] = set()
        reasons = []
        for i, a in enumerate(keys):
            # Only the spans starting before ``a`` ends (never a copy of the rest).
            for j in range(i + 1, len(keys)):
                b = keys[j]
                if b[1] >= a[2]:
                    break
                if a[0] == b[0]:
                    problem = (
                        f"{a[0]} [{a[1]}, {a[2]}) and [{b[1]}, {b[2]}) both have a majority "
                        "but overlap"
                    )
                else:
                    problem = overlap_problem(settings, *a, *b)  # type: ignore[assignment]
                if problem:
                    out |= {a, b}
                    reasons.append(problem)
        for key in out:
            del agreed[key]
        return reasons

    def adjudicate(
        self,
        document_id: int,
        reviewer: str,
        label: str,
        start: int,
        end: int,
        *,
        sources: Sequence[int] = (),
        attributes: Mapping[str, Any] | None = None,
        note: str = "",
        on_conflict: OnConflict = "refuse",
    ) -> Span:
        """A reviewer's decision: a gold span, made from ``sources`` (the annotators' spans
        it settles) or from scratch, with the reviewer's note."""
        check_reviewer(reviewer)
        spans = self._sources(document_id, sources)
        provenance = gold_provenance(
            "adjudicated", reviewer, spans, len(self.finished_by(document_id))
        )
        gold_id = self.annotators.id(GOLD)
        new = NewSpan(label, start, end, attributes or {}, note, provenance)
        with self.connection.write():
            edit_id = self.log.begin(document_id, gold_id, reviewer=reviewer)
            span_id, state = self.writer.create(
                edit_id, document_id, gold_id, new, on_conflict=on_conflict
            )
        return self.reader.span_of(span_id, state)

    def accept(
        self,
        document_id: int,
        reviewer: str,
        span_ids: Iterable[int],
        *,
        reject: Iterable[int] = (),
        replace: Iterable[int] = (),
        on_conflict: OnConflict = "refuse",
    ) -> None:
        """Make annotators' spans gold exactly as they are, as one edit: label, offsets,
        attribute values and note. Gold spans in ``replace`` (say, what an auto-merge put
        there) are removed first, and the spans in ``reject`` are turned down; a chosen span
        that was turned down earlier is taken back in.

        Each gold span lists as sources every finished annotator's span that is identical to
        it (label, offsets and attribute values), so accepting one of three identical spans
        settles all three.
        """
        check_reviewer(reviewer)
        chosen = self._sources(document_id, span_ids)
        to_reject = self._sources(document_id, reject)
        gold_id = self.annotators.id(GOLD)
        replaced = [(span_id, self.writer.own(span_id, gold_id)) for span_id in replace]
        if not chosen and not to_reject and not replaced:
            return
        names = self.finished_by(document_id)
        with self.connection.write():
            edit_id = self.log.begin(document_id, gold_id, reviewer=reviewer)
            for span_id, _ in replaced:
                self.writer.delete(edit_id, span_id, gold_id)
            done: set[tuple[SpanKey, str]] = set()
            for span in chosen:
                identity = ((span.label, span.start, span.end), _values(span.attributes))
                if identity in done:
                    continue
                done.add(identity)
                agreeing = [
                    same
                    for same in self._same_spans(document_id, identity[0], names)
                    if _values(same.attributes) == identity[1]
                ] or [span]
                # An answer turned down earlier is taken back in with the one chosen.
                for taken in self._rejected_among(gold_id, [s.id for s in agreeing]):
                    self.writer.set_rejected(edit_id, taken, gold_id, False)
                new = NewSpan(
                    span.label,
                    span.start,
                    span.end,
                    dict(span.attributes),
                    span.note,
                    provenance=gold_provenance("adjudicated", reviewer, agreeing, len(names)),
                    question=span.question_id,
                )
                self.writer.create(
                    edit_id, document_id, gold_id, new, incomplete=True, on_conflict=on_conflict
                )
            self._reject_in(edit_id, gold_id, to_reject)

    def _same_spans(self, document_id: int, key: SpanKey, names: Sequence[str]) -> list[Span]:
        """The spans with this label and offsets in the layers of ``names``."""
        ids = [self.annotators.id(name) for name in names]
        return self.reader.where(
            'document_id = ? AND label = ? AND start = ? AND "end" = ? '
            f"AND annotator_id IN ({', '.join('?' * len(ids))}) ORDER BY id",
            [document_id, *key, *ids],
        )

    def reject(self, document_id: int, reviewer: str, span_ids: Iterable[int]) -> None:
        """Keep annotators' spans out of the gold layer (one edit; undo takes it back)."""
        check_reviewer(reviewer)
        spans = self._sources(document_id, span_ids)
        gold_id = self.annotators.id(GOLD)
        with self.connection.write():
            fresh = self._unrejected(gold_id, spans)
            if fresh:  # else no edit: nothing to undo
                edit_id = self.log.begin(document_id, gold_id, reviewer=reviewer)
                self._reject_in(edit_id, gold_id, fresh)

    def _reject_in(self, edit_id: int, gold_id: int, spans: Sequence[Span]) -> None:
        for span in self._unrejected(gold_id, spans):
            self.writer.set_rejected(edit_id, span.id, gold_id, True)

    def _unrejected(self, gold_id: int, spans: Sequence[Span]) -> list[Span]:
        """The spans not yet turned down, each once."""
        if not spans:
            return []
        already = self._rejected_among(gold_id, [span.id for span in spans])
        fresh = {span.id: span for span in spans if span.id not in already}
        return list(fresh.values())

    def _rejected_among(self, gold_id: int, span_ids: Sequence[int]) -> set[int]:
        # The ids as one JSON array: any number of them in one statement.
        return {
            row[0]
            for row in self.connection.db.execute(
                "SELECT span_id FROM suggestion_rejections "
                "WHERE annotator_id = ? AND span_id IN (SELECT value FROM json_each(?))",
                [gold_id, json.dumps(list(span_ids))],
            )
        }

    def revise(
        self,
        span_id: int,
        reviewer: str,
        *,
        label: str | None = None,
        start: int | None = None,
        end: int | None = None,
        attributes: Mapping[str, Any] | None = None,
        note: str | None = None,
        on_conflict: OnConflict = "refuse",
    ) -> Span:
        """Edit a gold span. A new label or new boundaries make it the reviewer's decision
        (``adjudicated``), still crediting the annotators' spans it came from."""
        check_reviewer(reviewer)
        gold_id = self.annotators.id(GOLD)
        with self.connection.write():
            current = self.writer.own(span_id, gold_id)
            provenance = dict(
                current["provenance"] or gold_provenance("adjudicated", reviewer, [], 0)
            )
            place = (
                label or current["label"],
                current["start"] if start is None else start,
                current["end"] if end is None else end,
            )
            if place != (current["label"], current["start"], current["end"]):
                provenance.update(method="adjudicated", reviewer=reviewer)
            edit_id = self.log.begin(current["document_id"], gold_id, reviewer=reviewer)
            state = self.writer.update(
                edit_id,
                span_id,
                gold_id,
                label=label,
                start=start,
                end=end,
                attributes=attributes,
                note=note,
                provenance=provenance,
                on_conflict=on_conflict,
            )
        return self.reader.span_of(span_id, state)

    def _sources(self, document_id: int, span_ids: Iterable[int]) -> list[Span]:
        spans = [self.reader.span(span_id) for span_id in span_ids]
        if any(span.document_id != document_id for span in spans):
            raise ProjectError("every source span must be in the document being reviewed")
        if any(span.annotator == GOLD for span in spans):
            raise ProjectError("a gold span cannot be a source of another")
        return spans

    def _deleted_from_gold(self, document_id: int) -> set[SpanKey]:
        """What reviewers removed from the gold layer: auto-merge must not bring it back."""
        gold_id = self.annotators.find(GOLD)
        if gold_id is None:
            return set()
        # Only the deletions are read (a merged layer's log holds a change per span).
        rows = self.connection.db.execute(
            "SELECT json_extract(c.\"before\", '$.label'), json_extract(c.\"before\", '$.start'), "
            "json_extract(c.\"before\", '$.end') FROM span_changes c JOIN edits e "
            "ON e.id = c.edit_id WHERE e.document_id = ? AND e.annotator_id = ? "
            "AND e.kind = 'edit' AND c.action = 'delete' AND c.item = 'span' "
            'AND c."before" IS NOT NULL',
            [document_id, gold_id],
        )
        return {(label, start, end) for label, start, end in rows}


class _Reach:
    """Spans by label, for asking whether any overlaps ``[start, end)`` in O(log n): each
    label's starts in order, with the furthest end reached by the spans up to each."""

    def __init__(self, spans: Iterable[Span]) -> None:
        by_label: dict[str, list[tuple[int, int]]] = {}
        for span in spans:
            by_label.setdefault(span.label, []).append((span.start, span.end))
        self._starts: dict[str, list[int]] = {}
        self._reach: dict[str, list[int]] = {}
        for label, places in by_label.items():
            places.sort()
            self._starts[label] = [start for start, _ in places]
            self._reach[label] = list(accumulate((end for _, end in places), max))

    def overlaps(self, label: str, start: int, end: int) -> bool:
        starts = self._starts.get(label)
        if not starts:
            return False
        before = bisect_left(starts, end)  # the spans starting before ``end``
        return before > 0 and self._reach[label][before - 1] > start


class _NothingMerged(ProjectError):
    """Every agreed span was refused: roll the empty edit back (never shown to a user)."""

    def __init__(self) -> None:
        super().__init__("nothing to merge")


def sources_of(gold: Iterable[Span]) -> set[int]:
    """Ids of the annotators' spans that gold spans came from."""
    return {source for span in gold for source in (span.provenance or {}).get("sources", ())}


def check_reviewer(reviewer: str) -> None:
    if reviewer == GOLD or not reviewer.strip():
        raise ProjectError("name the reviewer who decides")


def gold_provenance(
    method: str, reviewer: str | None, sources: Iterable[Span | Code], finished: int
) -> dict[str, Any]:
    """How a gold span or code came about: the method, the reviewer, the annotators' spans
    or codes it settles (ids and annotators) and how many annotators finished the document."""
    sources = list(sources)
    return {
        "method": method,
        "reviewer": reviewer,
        "sources": sorted(source.id for source in sources),
        "annotators": sorted({source.annotator for source in sources}),
        "of": finished,
    }


@dataclass(frozen=True)
class Agreement:
    """What enough annotators agree on at one place: the values, who gave them."""

    method: str  # "unanimous" or "majority"
    values: dict[str, Any]  # attribute values: each one's majority
    how: dict[str, str]  # attribute -> "unanimous" or "majority"
    sources: list[Span]  # the spans that gave exactly these values
    outvoted: list[Span]  # the spans at that place that gave others


def _values(attributes: Mapping[str, Any]) -> str:
    """Attribute values as a comparable key (lists and numbers included)."""
    return json.dumps(attributes, sort_keys=True, ensure_ascii=False)


def _agreement(spans: Sequence[Span], needed: int, finished: int) -> Agreement | str:
    """Whether ``needed`` annotators agree on every attribute of spans at one place; the
    agreement, or why not (a tie is never broken by the order of annotators)."""
    attributes = sorted({key for span in spans for key in span.attributes})
    everyone = len({s.annotator for s in spans}) == finished
    if not attributes or len({_values(span.attributes) for span in spans}) == 1:
        # The usual case: every span gives the same values (or none), nothing to weigh.
        first = spans[0].attributes
        return Agreement(
            "unanimous" if everyone else "majority",
            {key: first[key] for key in attributes if first[key] is not None},
            dict.fromkeys(attributes, "unanimous"),
            list(spans),
            [],
        )
    values: dict[str, Any] = {}
    how: dict[str, str] = {}
    for attribute in attributes:
        counts = Counter(_values({"v": span.attributes.get(attribute)}) for span in spans)
        best, count = counts.most_common(1)[0]
        if count < needed:
            shown = ", ".join(sorted(json.loads(value)["v"].__repr__() for value in counts))
            return f"no {needed} annotators agree on {attribute} ({shown}): left to the reviewer"
        how[attribute] = "unanimous" if len(counts) == 1 else "majority"
        value = json.loads(best)["v"]
        if value is not None:
            values[attribute] = value
    sources = [s for s in spans if all(s.attributes.get(k) == values.get(k) for k in attributes)]
    if len(sources) < needed:  # each value has a majority, but not the same annotators'
        return f"no {needed} annotators agree on all its attributes: left to the reviewer"
    outvoted = [s for s in spans if s not in sources]
    everyone = everyone and not outvoted
    return Agreement("unanimous" if everyone else "majority", values, how, sources, outvoted)
