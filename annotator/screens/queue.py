"""The document queue: every document with this annotator's status; Enter opens one.

The screen reads through its own :class:`~annotator.store.Project` connection (the App keeps
another one), so it never depends on the App's state; it only reads. Rows are built once from
:meth:`Project.documents`; a filter or a resize only refills the table from them. The table
(:class:`~annotator.widgets.queue_table.QueueTable`) paints only the rows in view.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..errors import AnnotatorError
from ..model import DOCUMENT_STATUSES
from ..store import DocumentSummary, Project
from ..widgets.painted import GivesSameLines
from ..widgets.queue_table import Column, QueueTable
from .dialogs import literal

STATUS_NAMES = {"new": "new", "in_progress": "in progress", "done": "done", "skipped": "skipped"}
_STATUS_STYLES = {"new": "dim", "in_progress": "yellow", "done": "green", "skipped": "dim italic"}
_COLUMNS = ("ID", "Title", "Speakers", "Words", "Turns", "Status", "Others done")
_TITLE = 1  # index of the column that takes the remaining width
_NUMERIC = (0, 3, 4, 6)
_MIN_TITLE_WIDTH = 16
# Columns (by header) that give way on a narrow screen, down to the first width and up to
# the second: their cells are cut at the end.
_SHRINKING = {"Speakers": (12, 24)}


@dataclass(frozen=True)
class QueueRow:
    document_id: int
    status: str  # this annotator's status
    others_done: int
    cells: tuple[Text, ...]  # one per column of _COLUMNS
    assigned: bool = False  # assigned to this annotator ('annotator assign')
    detail: str = ""  # what the cells may cut, whole: shown while the row is highlighted


def _words(count: int) -> str:
    if count < 10_000:
        return str(count)
    if count < 1_000_000:
        return f"{count // 1000}k"
    return f"{count / 1_000_000:.1f}M"


def _speakers(names: tuple[str, ...]) -> str:
    """The speakers' names, whole (the column cuts them at its end, with an ellipsis)."""
    return ", ".join(names) if names else "–"


def _cut_at_end(text: Text) -> Text:
    """A cell cut to its column's width at the end, with an ellipsis (never in the middle:
    the full value is on the detail line of the highlighted row)."""
    text.no_wrap, text.overflow = True, "ellipsis"
    return text


def queue_row(summary: DocumentSummary, annotator: str, assigned: bool = False) -> QueueRow:
    """One table row for a document, as seen by ``annotator`` (an assigned one's id marked
    with ``•``)."""
    status = summary.statuses.get(annotator, "new")
    others = sum(
        1 for name, value in summary.statuses.items() if name != annotator and value == "done"
    )
    title = _cut_at_end(literal(summary.title or "(untitled)"))
    speakers = _speakers(summary.speakers)
    cells = (
        Text(f"•{summary.id}" if assigned else str(summary.id), justify="right"),
        title,
        _cut_at_end(literal(speakers)),
        Text(_words(summary.words), justify="right"),
        Text(str(summary.turns), justify="right"),
        Text(STATUS_NAMES.get(status, status), style=_STATUS_STYLES.get(status, "")),
        Text(str(others), justify="right", style="" if others else "dim"),
    )
    detail = f"#{summary.id} {summary.title or '(untitled)'} · {speakers}"
    return QueueRow(summary.id, status, others, cells, assigned, detail)


def assigned_first(rows: list[QueueRow], *, only: bool = False) -> list[QueueRow]:
    """The rows assigned to the annotator first (each group in its order); ``only``: just
    those."""
    mine = [row for row in rows if row.assigned]
    return mine if only else mine + [row for row in rows if not row.assigned]


def progress_line(rows: list[QueueRow]) -> str:
    """``"12/24 done · 3 skipped · 2 in progress"`` for the rows' statuses."""
    counts = {status: 0 for status in DOCUMENT_STATUSES}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return (
        f"{counts['done']}/{len(rows)} done · {counts['skipped']} skipped · "
        f"{counts['in_progress']} in progress"
    )


class QueueScreen(GivesSameLines, Screen[int | None]):
    """Pick a document. Dismisses with its id, or None on Escape."""

    COLUMNS: ClassVar[tuple[str, ...]] = _COLUMNS
    NUMERIC: ClassVar[tuple[int, ...]] = _NUMERIC
    LEAST: ClassVar[dict[int, int]] = {}  # columns' least widths, by index
    FILTERS = STATUS_NAMES  # what keys 2, 3... show, by the rows' status
    BINDINGS: ClassVar[list[BindingType]] = [
        # Not priority: the table handles Enter (its "select" message) after any arrow key
        # still in its queue; this one is for when the table has no focus.
        Binding("enter", "open", "Open", id="queue.open"),
        Binding("escape", "close", "Back", id="queue.close"),
        Binding("1", "filter('all')", "All", id="queue.filter_all"),
        Binding("2", "filter('new')", "New", id="queue.filter_new"),
        Binding("3", "filter('in_progress')", "In progress", id="queue.filter_in_progress"),
        Binding("4", "filter('done')", "Done", id="queue.filter_done"),
        Binding("5", "filter('skipped')", "Skipped", id="queue.filter_skipped"),
        Binding("r", "reload", "Reload", show=False, id="queue.reload"),
    ]

    DEFAULT_CSS = """
    QueueScreen #progress { height: 1; padding: 0 1; text-style: bold; background: $panel; }
    QueueScreen #filter { height: 1; padding: 0 1; color: $text-muted; }
    QueueScreen QueueTable { height: 1fr; }
    QueueScreen #detail { height: auto; max-height: 3; padding: 0 1; background: $panel; }
    QueueScreen #detail.-empty { display: none; }
    """

    def __init__(
        self,
        project_path: Path,
        annotator: str,
        current: int | None = None,
        *,
        assigned_only: bool = False,
    ) -> None:
        super().__init__()
        self.assigned_only = assigned_only  # only the documents assigned to the annotator
        self.project_path = Path(project_path)
        self.annotator = annotator
        self.current = current
        self.status_filter = "all"
        self.rows: list[QueueRow] = []
        self.error: str | None = None
        self._project: Project | None = None
        self._widths: dict[int, int] = {}  # the fitted widths of the columns
        # Each column's widest cell (or header) among the rows: measured once per set of rows.
        self._natural: dict[int, int] | None = None
        self._detail = ""  # the detail line shown
        self._detail_height = 0  # its lines
        self._lines: dict[str, str] = {}  # the status lines shown, by selector

    def compose(self) -> ComposeResult:
        yield Static("", id="progress", markup=False)
        yield Static("", id="filter", markup=False)
        yield QueueTable(id="documents", on_highlight=self._show_detail)
        yield Static("", id="detail", classes="-empty", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        try:
            self._project = Project.open(self.project_path, readonly=True)
        except AnnotatorError as error:
            self.error = str(error)
        self.action_reload()
        self.query_one(QueueTable).focus()

    def on_unmount(self) -> None:
        if self._project is not None:
            self._project.close()
            self._project = None

    # -- data

    def action_reload(self) -> None:
        """Read the documents again (other annotators may have finished some meanwhile)."""
        if self._project is not None:
            try:
                self.rows = self._load_rows(self._project)
                self._natural = None
            except AnnotatorError as error:
                self.error = str(error)
        keep = self.selected_id
        self._fill(keep if keep is not None else self.current)

    def _load_rows(self, project: Project) -> list[QueueRow]:
        assigned = set(project.assigned_documents(self.annotator))
        rows = [
            queue_row(summary, self.annotator, summary.id in assigned)
            for summary in project.documents()
        ]
        return assigned_first(rows, only=self.assigned_only)

    def _progress(self) -> str:
        line = f"{self.annotator}: {progress_line(self.rows)}"
        assigned = sum(row.assigned for row in self.rows)
        if self.assigned_only:
            return f"{line} · assigned only"
        return f"{line} · {assigned} assigned (•, first)" if assigned else line

    def _empty(self) -> str:
        if self.assigned_only:
            return (
                f"No documents are assigned to {self.annotator}: see 'annotator assign', or "
                "start without --assigned-only."
            )
        return "No documents yet: add some with 'annotator import'."

    @property
    def visible_rows(self) -> list[QueueRow]:
        if self.status_filter == "all":
            return self.rows
        return [row for row in self.rows if row.status == self.status_filter]

    @property
    def selected_id(self) -> int | None:
        """The id of the document under the cursor, if any."""
        return self.query_one(QueueTable).selected_key

    # -- table

    def _natural_widths(self) -> dict[int, int]:
        if self._natural is None:
            self._natural = {
                index: max(
                    [
                        len(header),
                        self.LEAST.get(index, 0),
                        *(row.cells[index].cell_len for row in self.rows),
                    ]
                )
                for index, header in enumerate(self.COLUMNS)
            }
        return self._natural

    def _fitting_widths(self) -> dict[int, int]:
        """The widths of the columns: each as wide as its widest cell, except the title,
        which takes whatever the other columns leave of the screen's width; on a narrow
        screen a shrinking column (the speakers) gives way first, down to its least width,
        then the title, down to its own."""
        natural = self._natural_widths()
        shrinking = {
            index: _SHRINKING[header]
            for index, header in enumerate(self.COLUMNS)
            if header in _SHRINKING
        }
        fixed = sum(w for i, w in natural.items() if i != _TITLE and i not in shrinking)
        padding = 2 * len(self.COLUMNS) + 2  # cell padding on both sides, plus the scrollbar
        room = (self.size.width or self.app.size.width) - fixed - padding
        widths = {i: w for i, w in natural.items() if i != _TITLE and i not in shrinking}
        for index, (least, most) in shrinking.items():
            wanted = min(natural[index], most)
            widths[index] = max(min(wanted, room - _MIN_TITLE_WIDTH), min(least, wanted))
            room -= widths[index]
        widths[_TITLE] = max(_MIN_TITLE_WIDTH, room)
        return dict(sorted(widths.items()))

    def _fill(self, select: int | None) -> None:
        table = self.query_one(QueueTable)
        self._widths = self._fitting_widths()
        table.set_columns(
            [
                Column(header, self._widths[index], "right" if index in self.NUMERIC else "left")
                for index, header in enumerate(self.COLUMNS)
            ]
        )
        rows = self.visible_rows
        table.set_rows(rows, select)
        self._update_lines(len(rows))
        self._show_detail()

    def _show_detail(self) -> None:
        """Under the table: the highlighted document's title and speakers, whole."""
        table = self.query_one(QueueTable)
        text = table.rows[table.cursor_row].detail if table.rows else ""
        if text == self._detail:
            return
        detail = self.query_one("#detail", Static)
        self._detail = text
        # The screen is laid out again (some milliseconds on each key) only when the line
        # takes another height.
        detail.update(literal(text), layout=False)
        width = detail.content_region.width or self.app.size.width - 2
        lines = detail.visual.get_height(detail.styles, max(width, 1))  # type: ignore[arg-type]
        height = min(lines, 3) if text else 0
        if height != self._detail_height:
            self._detail_height = height
            detail.set_class(not text, "-empty")
            detail.refresh(layout=True)

    def _update_lines(self, shown: int) -> None:
        # (Both one line high: no layout; and painted again only when they changed.)
        self._set_line("#progress", self._progress())
        if self.error:
            line = self.error
        elif not self.rows:
            line = self._empty()
        elif self.status_filter == "all":
            line = f"All documents ({shown})"
        else:
            name = self.FILTERS[self.status_filter]
            line = f"Showing {name}: {shown} of {len(self.rows)}"
            if not shown:
                line = f"No documents are {name}; press 1 to show all."
        self._set_line("#filter", line)

    def _set_line(self, selector: str, text: str) -> None:
        if self._lines.get(selector) != text:
            self._lines[selector] = text
            self.query_one(selector, Static).update(literal(text), layout=False)

    def on_resize(self, event: events.Resize) -> None:
        if self.rows and self._fitting_widths() != self._widths:
            self._fill(self.selected_id)

    # -- actions

    def action_filter(self, status: str) -> None:
        if status != self.status_filter:
            self.status_filter = status
            self._fill(self.selected_id)

    def action_open(self) -> None:
        document_id = self.selected_id
        if document_id is not None:
            self.dismiss(document_id)

    def action_close(self) -> None:
        self.dismiss(None)

    @on(QueueTable.RowSelected)
    def _row_clicked(self, event: QueueTable.RowSelected) -> None:
        self.dismiss(event.key)
