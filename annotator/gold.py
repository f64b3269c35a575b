"""The gold layer: the spans reviewers settle on, each recording how it came about.

Gold spans are ordinary spans in the layer of the reserved annotator :data:`GOLD`, so the
change log, undo/redo and exports work for them as for anyone's. Each carries a
``provenance`` (stored with the span, so undo restores it too)::

    {"method": "unanimous" | "majority" | "adjudicated",
     "reviewer": "ana" | null,          # who decided; null for auto-merge
     "sources": [12, 40, 77],           # ids of the annotators' spans it came from
     "annotators": ["alice", "bob"],    # their annotators
     "of": 3}                           # how many annotators had finished the document

:meth:`GoldLayer.auto_merge` accepts every span on which all (or at least ``minimum``) of
the annotators who finished a document agree exactly (label and offsets). Re-running it never
overrides a reviewer: it skips anything the gold layer already has or ever had (a gold
span a reviewer deleted stays deleted) and anything overlapping a gold span of its label.
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

    def auto_merge(self: Project, document_id: int, *, minimum: int | None = None) -> list[Span]:
        """Add to the gold layer every span that enough finished annotators made exactly.

        ``minimum`` is how many must agree (default: all of them, at least two). All the
        spans go in as one edit, so one undo takes the whole merge back. Returns them.
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
        accepted = []
        for key, spans in sorted(groups.items(), key=lambda item: (item[0][1], item[0][2])):
            agreeing = sorted({span.annotator for span in spans})
            if len(agreeing) < needed or key in decided:
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
            edit_id = self._new_edit(document_id, gold_id, "edit")
            for (label, start, end), spans, agreeing in accepted:
                provenance = _provenance(
                    "unanimous" if len(agreeing) == len(names) else "majority",
                    None,
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
        if reviewer == GOLD or not reviewer.strip():
            raise ProjectError("name the reviewer who decides")
        spans = [self.span(span_id) for span_id in sources]
        if any(span.document_id != document_id for span in spans):
            raise ProjectError("every source span must be in the document being reviewed")
        provenance = _provenance("adjudicated", reviewer, spans, len(self.finished_by(document_id)))
        return self.create_span(
            document_id, GOLD, label, start, end, attributes, note, provenance=provenance
        )

    def _deleted_from_gold(self: Project, document_id: int) -> set[SpanKey]:
        """What reviewers removed from the gold layer: auto-merge must not bring it back."""
        if not self.has_gold():
            return set()
        return {
            (change.before["label"], change.before["start"], change.before["end"])
            for change in self.history(document_id, GOLD)
            if change.action == "delete" and change.kind == "edit" and change.before
        }


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
