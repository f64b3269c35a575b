"""Agreement figures kept per document, so that a command recomputes only what changed.

The review queue's row of a document (:func:`annotator.review.review_row_of`: its F1, alpha,
disagreements, open ones, question codes...) is kept in the project
(:class:`annotator.store.figures.KeptFigures`) with the stamp of what it was computed from.
:func:`review_listing` gives every reviewable document's row at once, with the kept figures
where they are still valid and the others ``pending``; :func:`compute_review_rows` computes
the pending ones (the queue runs it in a worker) and keeps them. A change to a document's
spans, codes or statuses (all in the change log), to the scheme or to an annotator's name
makes its kept row invalid.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .agreement_report import disagreement_order, project_stamp
from .errors import AnnotatorError
from .review import ReviewRow, review_row_of
from .store import Project
from .versions import SchemeVersions

REVIEW_ROW = "review-row/1"  # the kind of kept figures (a new computation: a new kind)
_FIELDS = [f.name for f in dataclasses.fields(ReviewRow) if f.name not in ("id", "title")]


def _to_json(row: ReviewRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in _FIELDS if name != "pending"}


def _from_json(document_id: int, title: str, figures: dict[str, Any]) -> ReviewRow:
    return ReviewRow(id=document_id, title=title, **figures)


@dataclass
class ReviewListing:
    """The review queue before its figures are all known."""

    rows: list[ReviewRow]  # most disagreement first; pending rows last, in id order
    stamps: dict[int, str]  # each document's stamp when listed

    @property
    def pending(self) -> list[int]:
        return [row.id for row in self.rows if row.pending]


def review_listing(project: Project) -> ReviewListing:
    """Every reviewable document's row: kept figures where valid, ``pending`` otherwise.
    A few indexed queries; no document's spans are read."""
    listing = project.gold.reviewable_listing()
    stamps = project.kept.stamps([key for key, _, _ in listing], project_stamp(project))
    kept = project.kept.read(REVIEW_ROW, stamps)
    rows = []
    for document_id, title, names in listing:
        figures = kept.get(document_id)
        if figures is not None and figures.get("annotators") == names:
            rows.append(_from_json(document_id, title, figures))
        else:
            rows.append(_pending(document_id, title, names))
    return ReviewListing(sort_rows(rows), stamps)


def _pending(document_id: int, title: str, names: list[str]) -> ReviewRow:
    return ReviewRow(document_id, title, names, None, None, None, 0, 0, 0, False, pending=True)


def sort_rows(rows: Sequence[ReviewRow]) -> list[ReviewRow]:
    """Most disagreement first, ties in id order (as :func:`annotator.review.review_queue`);
    pending last."""
    return sorted(
        rows,
        key=lambda row: (row.pending, *disagreement_order(row.f1_overlap, row.f1_exact), row.id),
    )


def compute_review_rows(
    path: Path,
    listing: ReviewListing,
    report: Callable[[list[ReviewRow]], None],
    *,
    cancelled: Callable[[], bool] = lambda: False,
    batch_seconds: float = 0.25,
) -> int:
    """Compute the listing's pending rows through a connection of its own (call it from a
    worker thread), keep them (unless the project is read-only) and pass each batch to
    ``report`` as it is done; returns how many were computed."""
    pending = listing.pending
    if not pending:
        return 0
    try:
        project = Project.open(path)
    except AnnotatorError:  # a read-only file or folder: compute without keeping
        project = Project.open(path, readonly=True)
    done = 0
    try:
        versions = SchemeVersions(project.scheme, project.scheme_versions())
        has_gold = project.has_gold()
        batch: list[ReviewRow] = []
        started = time.monotonic()
        for document_id in pending:
            if cancelled():
                break
            batch.append(review_row_of(project, document_id, versions, has_gold))
            done += 1
            if time.monotonic() - started >= batch_seconds:
                _keep(project, listing, batch)
                report(batch)
                batch, started = [], time.monotonic()
        if batch:
            _keep(project, listing, batch)
            report(batch)
    finally:
        project.close()
    return done


def _keep(project: Project, listing: ReviewListing, rows: list[ReviewRow]) -> None:
    # Busy or read-only: the figures are shown, only not kept.
    with contextlib.suppress(AnnotatorError):
        project.kept.write(
            REVIEW_ROW, [(row.id, listing.stamps[row.id], _to_json(row)) for row in rows]
        )


def review_queue_kept(project: Project) -> list[ReviewRow]:
    """:func:`annotator.review.review_queue`, computing only the rows not kept (and keeping
    them)."""
    listing = review_listing(project)
    computed: dict[int, ReviewRow] = {}
    compute_review_rows(
        project.path, listing, lambda rows: computed.update((r.id, r) for r in rows)
    )
    return sort_rows([computed.get(row.id, row) for row in listing.rows])
