"""The review queue: documents finished by two or more annotators, most disagreement first,
with their agreement figures, their span disagreements and question-code disagreements (how
many are still open); Enter opens one on the review screen."""

from __future__ import annotations

from collections import Counter
from operator import attrgetter
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.worker import get_current_worker

from ..agreement_kept import ReviewListing, compute_review_rows, review_listing, sort_rows
from ..figures_process import compute_elsewhere
from ..review import ReviewRow
from ..store import Project
from ..widgets.queue_table import QueueTable
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
_FEW = 20  # pending rows computed in the worker thread itself (more: in a child process)


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
    # The figures' room ("-0.12") from the start: a figure coming in widens no column (which
    # would paint every row again).
    LEAST: ClassVar[dict[int, int]] = {3: 5, 4: 5, 5: 5}
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
        self._where: dict[int, int] = {}  # document id -> index in reviews (and rows)

    def _load_rows(self, project: Project) -> list[QueueRow]:
        """The rows at once, with the kept figures; a worker computes the others (and keeps
        them), filling them in while the queue is in use (:mod:`annotator.agreement_kept`).
        The worker starts once the rows are painted: it would otherwise hold the GIL while
        the first paint waits."""
        listing = review_listing(project)
        self.reviews = listing.rows
        self._where = {row.id: index for index, row in enumerate(self.reviews)}
        self._pending = len(listing.pending)
        self.workers.cancel_group(self, "figures")  # (a reload: its own worker follows)
        if listing.pending:
            self.call_after_refresh(self._start_figures, listing)
        return [review_row(row, self.anonymous) for row in self.reviews]

    def _start_figures(self, listing: ReviewListing) -> None:
        if self.is_mounted and self.reviews is listing.rows:  # (not reloaded meanwhile)
            self.run_worker(
                lambda: self._compute(listing),
                thread=True,
                exclusive=True,
                group="figures",
                name="review figures",
            )

    def _compute(self, listing: ReviewListing) -> None:
        worker = get_current_worker()

        def report(rows: list[ReviewRow]) -> None:
            if not worker.is_cancelled:
                # Their table rows made here: the UI thread only puts them in place.
                made = [(row, review_row(row, self.anonymous)) for row in rows]
                self.app.call_from_thread(self._figures_in, made)

        # In a process of its own: this thread only waits for its batches (a computation
        # here would hold the GIL the UI thread needs for every key). Unless there are only a
        # few: they are done here before a process would have started.
        compute = compute_elsewhere if len(listing.pending) > _FEW else compute_review_rows
        compute(
            self.project_path,
            listing,
            report,
            cancelled=lambda: worker.is_cancelled,
            # A batch shown repaints only its rows in view (a millisecond or two of the UI
            # thread): a couple a second, so that figures fill in as they come.
            batch_seconds=0.5,
        )

    def _figures_in(self, computed: list[tuple[ReviewRow, QueueRow]]) -> None:
        """Show a batch of computed rows (each with its table row): in place (only those of
        them in view are painted again), or (once all are in, or under a filter) in their
        order, the cursor staying on its document."""
        if not self.is_mounted or len(self.rows) != len(self.reviews):
            return  # (a reload is under way)
        # Only the batch's rows are replaced (a rebuild of every row per batch would take the
        # UI thread's time, and the worker's, on a large project).
        changed: list[QueueRow] = []
        for row, table_row in computed:
            index = self._where.get(row.id)
            if index is not None and self.reviews[index].pending:
                self.reviews[index] = row
                self.rows[index] = table_row
                changed.append(table_row)
                self._pending -= 1
        if self._pending <= 0:
            self.reviews = sort_rows(self.reviews)
            self._where = {row.id: index for index, row in enumerate(self.reviews)}
            self.rows = [review_row(row, self.anonymous) for row in self.reviews]
            self._natural = None
            self._fill(self.selected_id)
            return
        if self._widen(changed) or self.status_filter != "all":
            self._fill(self.selected_id)  # (the rows in view, painted again)
        else:
            self.query_one(QueueTable).update_rows(changed)
        self._update_lines(len(self.visible_rows))

    def _widen(self, rows: list[QueueRow]) -> bool:
        """Widen the columns for these new rows' cells; whether a column's width changed."""
        natural = self._natural_widths()
        wider = False
        for row in rows:
            for index, cell in enumerate(row.cells):
                if cell.cell_len > natural[index]:
                    natural[index] = cell.cell_len
                    wider = True
        return wider and self._fitting_widths() != self._widths

    def _progress(self) -> str:
        counts = Counter(map(attrgetter("status"), self.rows))  # (one pass: each batch asks)
        changed = f" · {counts['changed']} changed since review" if counts["changed"] else ""
        pending = self._pending
        if pending > 0:
            done = len(self.reviews) - pending
            changed += f" · figures {done}/{len(self.reviews)} (computing the rest…)"
        older = sum(map(bool, map(attrgetter("older"), self.reviews)))
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
