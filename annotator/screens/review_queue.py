"""The review queue: documents finished by two or more annotators, most disagreement first,
with their agreement figures, their span disagreements and question-code disagreements (how
many are still open); Enter opens one on the review screen."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.worker import get_current_worker

from ..agreement_kept import compute_review_rows, review_listing, sort_rows
from ..review import ReviewRow
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
PENDING = "pending"  # a row whose figures the worker has not computed yet


def _figure(value: float | None, pending: bool = False) -> Text:
    if pending:
        return Text("…", justify="right", style="dim")
    return Text("–" if value is None else f"{value:.2f}", justify="right")


def review_row(row: ReviewRow, anonymous: bool = False) -> QueueRow:
    """A table row; its status is ``open`` (a span or question disagreement is),
    ``settled`` (nothing open), ``reviewed`` or ``changed`` (reviewed, then edited by an
    annotator)."""
    if row.pending:
        status = PENDING
    elif row.reviewed:
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
    wait = row.pending
    cells = (
        Text(str(row.id), justify="right"),
        title,
        literal(who),
        _figure(row.f1_exact, wait),
        _figure(row.f1_overlap, wait),
        _figure(row.alpha, wait),
        _figure(None, True) if wait else Text(str(row.disagreements), justify="right"),
        _figure(None, True)
        if wait
        else Text(str(row.open), justify="right", style="bold" if row.open else "dim"),
        _figure(None, True)
        if wait
        else Text(
            f"{row.questions_open}/{row.questions}" if row.questions else "–",
            justify="right",
            style="bold" if row.questions_open else "dim",
        ),
        _figure(None, True) if wait else Text(str(row.gold), justify="right"),
        Text("computing…", style="dim")
        if wait
        else Text(REVIEW_STATES[status], style=_STYLES[status]),
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
        self._pending = 0  # rows whose figures the worker is still computing

    def _load_rows(self, project: Project) -> list[QueueRow]:
        """The rows at once, with the kept figures; a worker computes the others (and keeps
        them), filling them in while the queue is in use (:mod:`annotator.agreement_kept`)."""
        listing = review_listing(project)
        self.reviews = listing.rows
        self._pending = len(listing.pending)
        if listing.pending:
            self.run_worker(
                lambda: self._compute(listing),
                thread=True,
                exclusive=True,
                group="figures",
                name="review figures",
            )
        return [review_row(row, self.anonymous) for row in self.reviews]

    def _compute(self, listing: object) -> None:
        worker = get_current_worker()

        def report(rows: list[ReviewRow]) -> None:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._figures_in, rows)

        compute_review_rows(
            self.project_path,
            listing,  # type: ignore[arg-type]
            report,
            cancelled=lambda: worker.is_cancelled,
            # A batch shown repaints the whole table (DataTable's update_cell: some 60 ms,
            # more on a busy machine): a few batches, not one per frame.
            batch_seconds=2.0,
        )

    def _figures_in(self, computed: list[ReviewRow]) -> None:
        """Show a batch of computed rows: in place, or (once all are in, or under a filter)
        in their order, the cursor staying on its document."""
        if not self.is_mounted:
            return
        # Only the batch's rows are rebuilt (a rebuild of every row per batch would take the
        # UI thread's time, and the worker's, on a large project).
        where = {row.id: index for index, row in enumerate(self.reviews)}
        if len(self.rows) != len(self.reviews):
            return  # (a reload is under way)
        for row in computed:
            index = where.get(row.id)
            if index is not None:
                self.reviews[index] = row
                self.rows[index] = review_row(row, self.anonymous)
        self._pending -= len(computed)
        if self._pending <= 0:
            self.reviews = sort_rows(self.reviews)
            self.rows = [review_row(row, self.anonymous) for row in self.reviews]
        if self._pending <= 0 or self.status_filter != "all":
            self._fill(self.selected_id)
            return
        table = self.query_one(DataTable)
        columns = [column.key for column in table.ordered_columns]
        for row in computed:
            if row.id in where and str(row.id) in table.rows:
                cells = self.rows[where[row.id]].cells
                for column, cell in zip(columns, cells, strict=True):
                    table.update_cell(str(row.id), column, cell)
        self._update_lines(len(self.visible_rows))

    def _progress(self) -> str:
        counts = {state: sum(row.status == state for row in self.rows) for state in REVIEW_STATES}
        changed = f" · {counts['changed']} changed since review" if counts["changed"] else ""
        pending = self._pending
        if pending > 0:
            done = len(self.reviews) - pending
            changed += f" · figures {done}/{len(self.reviews)} (computing the rest…)"
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
