"""The gold layer: the spans reviewers settle on, each recording how it came about.

Gold spans are ordinary spans in the layer of the reserved annotator :data:`GOLD`, so the
change log, undo/redo and exports work for them as for anyone's. Each carries a
``provenance`` (stored with the span, so undo restores it too)::

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
label.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .database import ProjectError
from .model import Span

if TYPE_CHECKING:
    from .store import Project

GOLD = "gold"

SpanKey = tuple[str, int, int]


class GoldLayer:
    """Gold-layer operations; mixed into :class:`~annotator.store.Project`."""

    def finished_by(self: Project, document_id: int) -> list[str]:
        """Annotators (not the gold layer) who marked the document done, by name."""
        return sorted(
            name
            for name, status in self._statuses(document_id).items()
            if status == "done" and name != GOLD
        )

    def reviewable(self: Project) -> list[int]:
        """Ids of the documents two or more annotators finished, in id order."""
        return [
            row[0]
            for row in self.db.execute(
                "SELECT s.document_id FROM document_status s "
                "JOIN annotators a ON a.id = s.annotator_id "
                "WHERE s.status = 'done' AND a.name != ? "
                "GROUP BY s.document_id HAVING count(*) >= 2 ORDER BY s.document_id",
                [GOLD],
            )
        ]

    def candidates(self: Project, document_id: int) -> dict[str, list[Span]]:
        """The spans of each annotator who finished the document, by name."""
        return {
            name: self.spans(document_id, annotator=name) for name in self.finished_by(document_id)
        }

    def decided(self: Project, document_id: int) -> set[int]:
        """Ids of the annotators' spans a reviewer (or auto-merge) has settled: the sources of
        gold spans, and the spans the gold layer rejected."""
        if not self.has_gold():
            return set()
        return sources_of(self.spans(document_id, annotator=GOLD)) | self.gold_rejections(
            document_id
        )

    def gold_rejections(self: Project, document_id: int) -> set[int]:
        """Ids of the annotators' spans reviewers kept out of the gold layer."""
        return {
            row[0]
            for row in self.db.execute(
                "SELECT r.span_id FROM suggestion_rejections r JOIN spans s ON s.id = r.span_id "
                "WHERE r.annotator_id = ? AND s.document_id = ?",
                [self.annotator_id(GOLD), document_id],
            )
        }

    def auto_merge(
        self: Project,
        document_id: int,
        *,
        minimum: int | None = None,
        reviewer: str | None = None,
    ) -> list[Span]:
        """Add to the gold layer every span that enough finished annotators made exactly.

        ``minimum`` is how many must agree (default: all of them, at least two). All the
        spans go in as one edit, so one undo takes the whole merge back. Returns them.
        ``reviewer`` is who ran the merge (recorded in provenance and log), if anyone.
        """
        names = self.finished_by(document_id)
        if len(names) < 2:
            return []
        needed = len(names) if minimum is None else minimum
        if not 2 <= needed <= len(names):
            raise ProjectError(
                f"a majority needs between 2 and {len(names)} annotators, not {needed}"
            )
        groups: dict[SpanKey, list[Span]] = {}
        for name in names:
            for span in self.spans(document_id, annotator=name):
                groups.setdefault((span.label, span.start, span.end), []).append(span)
        gold = self.spans(document_id, annotator=GOLD) if self.has_gold() else []
        decided = {(s.label, s.start, s.end) for s in gold} | self._deleted_from_gold(document_id)
        settled = self.decided(document_id)
        accepted = []
        for key, spans in sorted(groups.items(), key=lambda item: (item[0][1], item[0][2])):
            agreeing = sorted({span.annotator for span in spans})
            if len(agreeing) < needed or key in decided:
                continue
            if any(span.id in settled for span in spans):
                continue
            label, start, end = key
            if any(g.label == label and g.overlaps(start, end) for g in gold):
                continue
            accepted.append((key, spans, agreeing))
        if not accepted:
            return []
        gold_id = self.annotator_id(GOLD)
        created = []
        with self._write():
            edit_id = self._new_edit(document_id, gold_id, "edit", reviewer=reviewer)
            for (label, start, end), spans, agreeing in accepted:
                provenance = _provenance(
                    "unanimous" if len(agreeing) == len(names) else "majority",
                    reviewer,
                    spans,
                    len(names),
                )
                state = self._new_state(
                    document_id,
                    gold_id,
                    label,
                    start,
                    end,
                    _common_attributes(spans),
                    "",
                    provenance,
                )
                created.append(self._insert_span(edit_id, state))
        return [self.span(span_id) for span_id in created]

    def adjudicate(
        self: Project,
        document_id: int,
        reviewer: str,
        label: str,
        start: int,
        end: int,
        *,
        sources: Sequence[int] = (),
        attributes: Mapping[str, Any] | None = None,
        note: str = "",
    ) -> Span:
        """A reviewer's decision: a gold span, made from ``sources`` (the annotators' spans
        it settles) or from scratch, with the reviewer's note."""
        _check_reviewer(reviewer)
        spans = self._sources(document_id, sources)
        provenance = _provenance("adjudicated", reviewer, spans, len(self.finished_by(document_id)))
        return self.create_span(
            document_id,
            GOLD,
            label,
            start,
            end,
            attributes,
            note,
            provenance=provenance,
            reviewer=reviewer,
        )

    def accept(
        self: Project,
        document_id: int,
        reviewer: str,
        span_ids: Iterable[int],
        *,
        reject: Iterable[int] = (),
    ) -> None:
        """Copy annotators' spans into the gold layer and reject ``reject``, as one edit.

        Each gold span lists as sources every finished annotator's span with its label and
        offsets, so accepting one of three identical spans settles all three.
        """
        _check_reviewer(reviewer)
        chosen = self._sources(document_id, span_ids)
        reject = list(reject)
        if not chosen and not reject:
            return
        names = self.finished_by(document_id)
        gold_id = self.annotator_id(GOLD)
        with self._write():
            edit_id = self._new_edit(document_id, gold_id, "edit", reviewer=reviewer)
            done: set[SpanKey] = set()
            for span in chosen:
                key = (span.label, span.start, span.end)
                if key in done:
                    continue
                done.add(key)
                agreeing = self._same_spans(document_id, key, names) or [span]
                self._add_span(
                    edit_id,
                    document_id,
                    gold_id,
                    span.label,
                    span.start,
                    span.end,
                    _common_attributes(agreeing),
                    "",
                    _provenance("adjudicated", reviewer, agreeing, len(names)),
                )
            self._reject_in(edit_id, document_id, gold_id, reject)

    def _same_spans(
        self: Project, document_id: int, key: SpanKey, names: Sequence[str]
    ) -> list[Span]:
        """The spans with this label and offsets in the layers of ``names``."""
        ids = [self.annotator_id(name) for name in names]
        return self._spans_where(
            'document_id = ? AND label = ? AND start = ? AND "end" = ? '
            f"AND annotator_id IN ({', '.join('?' * len(ids))}) ORDER BY id",
            [document_id, *key, *ids],
        )

    def reject(self: Project, document_id: int, reviewer: str, span_ids: Iterable[int]) -> None:
        """Keep annotators' spans out of the gold layer (one edit; undo takes it back)."""
        _check_reviewer(reviewer)
        gold_id = self.annotator_id(GOLD)
        span_ids = list(span_ids)
        already = self._rejected_among(gold_id, span_ids)
        span_ids = [i for i in span_ids if i not in already]
        if not span_ids:
            return
        with self._write():
            edit_id = self._new_edit(document_id, gold_id, "edit", reviewer=reviewer)
            self._reject_in(edit_id, document_id, gold_id, span_ids)

    def _reject_in(
        self: Project, edit_id: int, document_id: int, gold_id: int, span_ids: Iterable[int]
    ) -> None:
        spans = self._sources(document_id, span_ids)
        already = self._rejected_among(gold_id, [span.id for span in spans])
        for span in spans:
            if span.id not in already:
                self._set_rejected(edit_id, span.id, gold_id, True)
                already.add(span.id)

    def _rejected_among(self: Project, gold_id: int, span_ids: Sequence[int]) -> set[int]:
        marks = ", ".join("?" * len(span_ids))
        return {
            row[0]
            for row in self.db.execute(
                "SELECT span_id FROM suggestion_rejections "
                f"WHERE annotator_id = ? AND span_id IN ({marks})",
                [gold_id, *span_ids],
            )
        }

    def revise(
        self: Project,
        span_id: int,
        reviewer: str,
        *,
        label: str | None = None,
        start: int | None = None,
        end: int | None = None,
        attributes: Mapping[str, Any] | None = None,
        note: str | None = None,
    ) -> Span:
        """Edit a gold span. A new label or new boundaries make it the reviewer's decision
        (``adjudicated``), still crediting the annotators' spans it came from."""
        _check_reviewer(reviewer)
        span = self.span(span_id)
        provenance = dict(span.provenance or _provenance("adjudicated", reviewer, [], 0))
        place = (
            label or span.label,
            span.start if start is None else start,
            span.end if end is None else end,
        )
        if place != (span.label, span.start, span.end):
            provenance.update(method="adjudicated", reviewer=reviewer)
        return self.update_span(
            span_id,
            GOLD,
            label=label,
            start=start,
            end=end,
            attributes=attributes,
            note=note,
            provenance=provenance,
            reviewer=reviewer,
        )

    def _sources(self: Project, document_id: int, span_ids: Iterable[int]) -> list[Span]:
        spans = [self.span(span_id) for span_id in span_ids]
        if any(span.document_id != document_id for span in spans):
            raise ProjectError("every source span must be in the document being reviewed")
        if any(span.annotator == GOLD for span in spans):
            raise ProjectError("a gold span cannot be a source of another")
        return spans

    def _deleted_from_gold(self: Project, document_id: int) -> set[SpanKey]:
        """What reviewers removed from the gold layer: auto-merge must not bring it back."""
        if not self.has_gold():
            return set()
        return {
            (change.before["label"], change.before["start"], change.before["end"])
            for change in self.history(document_id, GOLD)
            if change.action == "delete" and change.kind == "edit" and change.before
        }


def sources_of(gold: Iterable[Span]) -> set[int]:
    """Ids of the annotators' spans that gold spans came from."""
    return {source for span in gold for source in (span.provenance or {}).get("sources", ())}


def _check_reviewer(reviewer: str) -> None:
    if reviewer == GOLD or not reviewer.strip():
        raise ProjectError("name the reviewer who decides")


def _provenance(
    method: str, reviewer: str | None, spans: Iterable[Span], finished: int
) -> dict[str, Any]:
    spans = list(spans)
    return {
        "method": method,
        "reviewer": reviewer,
        "sources": sorted(span.id for span in spans),
        "annotators": sorted({span.annotator for span in spans}),
        "of": finished,
    }


def _common_attributes(spans: Sequence[Span]) -> dict[str, Any]:
    """The attributes most of the agreeing spans have (the first annotator's on a tie)."""
    counts = Counter(tuple(sorted(span.attributes.items())) for span in spans)
    best = max(counts.values())
    for span in spans:
        if counts[tuple(sorted(span.attributes.items()))] == best:
            return dict(span.attributes)
    return {}
