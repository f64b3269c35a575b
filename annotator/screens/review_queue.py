"""The review queue: documents finished by two or more annotators, most disagreement first,
with their agreement figures, their span disagreements and question-code disagreements (how
many are still open); Enter opens one on the review screen."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from ..review import ReviewRow, review_queue
from ..store import Project
from .dialogs import literal
from .queue import QueueRow, QueueScreen

REVIEW_STATES = {
    "open": "open",
    "settled": "settled",
    "reviewed": "reviewed",
    "changed": "changed since review",
}
_STYLES = {"open": "yellow", "settled": "", "reviewed": "green", "changed": "bold red"}


def _figure(value: float | None) -> Text:
    return Text("–" if value is None else f"{value:.2f}", justify="right")


def review_row(row: ReviewRow, anonymous: bool = False) -> QueueRow:
    """A table row; its status is ``open`` (a span or question disagreement is),
    ``settled`` (nothing open), ``reviewed`` or ``changed`` (reviewed, then edited by an
    annotator)."""
    if row.reviewed:
        status = "changed" if row.changed else "reviewed"
    else:
        status = "open" if row.open or row.questions_open else "settled"
    title = literal(row.title or "(untitled)")
    title.no_wrap, title.overflow = True, "ellipsis"
    who = (
        f"{len(row.annotators)} annotators"
        if anonymous or len(row.annotators) > 3
        else ", ".join(row.annotators)
    )
    cells = (
        Text(str(row.id), justify="right"),
        title,
        literal(who),
        _figure(row.f1_exact),
        _figure(row.f1_overlap),
        _figure(row.alpha),
        Text(str(row.disagreements), justify="right"),
        Text(str(row.open), justify="right", style="bold" if row.open else "dim"),
        Text(
            f"{row.questions_open}/{row.questions}" if row.questions else "–",
            justify="right",
            style="bold" if row.questions_open else "dim",
        ),
        Text(str(row.gold), justify="right"),
        Text(REVIEW_STATES[status], style=_STYLES[status]),
    )
    return QueueRow(row.id, status, len(row.annotators), cells)


class ReviewQueueScreen(QueueScreen, inherit_bindings=False):
    """Pick a document to review. Dismisses with its id, or None on Escape."""

    COLUMNS = (
        "ID",
        "Title",
        "Annotators",
        "F1 exact",
        "F1 overlap",
        "α",
        "Disagreements",
        "Open",
        "Q open",
        "Gold",
        "Review",
    )
    NUMERIC = (0, 3, 4, 5, 6, 7, 8, 9)
    FILTERS = REVIEW_STATES
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Review", id="review_queue.open"),  # not priority: see queue
        Binding("escape", "close", "Back", id="review_queue.close"),
        Binding("1", "filter('all')", "All", id="review_queue.filter_all"),
        Binding("2", "filter('open')", "Open", id="review_queue.filter_open"),
        Binding("3", "filter('settled')", "Settled", id="review_queue.filter_settled"),
        Binding("4", "filter('reviewed')", "Reviewed", id="review_queue.filter_reviewed"),
        Binding("5", "filter('changed')", "Changed", id="review_queue.filter_changed"),
        Binding("r", "reload", "Reload", show=False, id="review_queue.reload"),
    ]

    def __init__(
        self, project_path: Path, reviewer: str, current: int | None = None, *, anonymous: bool
    ) -> None:
        super().__init__(project_path, reviewer, current)
        self.anonymous = anonymous
        self.reviews: list[ReviewRow] = []

    def _load_rows(self, project: Project) -> list[QueueRow]:
        self.reviews = review_queue(project)
        return [review_row(row, self.anonymous) for row in self.reviews]

    def _progress(self) -> str:
        counts = {state: sum(row.status == state for row in self.rows) for state in REVIEW_STATES}
        changed = f" · {counts['changed']} changed since review" if counts["changed"] else ""
        older = sum(1 for row in self.reviews if row.older)
        if older:
            # Their figures leave out the labels with such spans (annotator/versions.py).
            changed += (
                f" · {older} with spans under an older scheme version (figures compare only "
                "compatible spans)"
            )
        return (
            f"{self.annotator} reviewing: {counts['reviewed']}/{len(self.rows)} reviewed · "
            f"{counts['open']} with open disagreements · {counts['settled']} settled{changed}"
        )

    def _empty(self) -> str:
        return "Nothing to review yet: a document needs two or more annotators who marked it done."
