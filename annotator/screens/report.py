"""The report screen: ``annotator report`` in the app, one table at a time, with a small bar
chart of each row and the examples behind it.

It reads through its own read-only :class:`~annotator.store.Project` (the App keeps another
connection for writing), so it sees every commit, this window's own edits included, as
another connection's: about once a second it asks SQLite whether anything changed
(``PRAGMA data_version``) and, if so, builds the report again in a thread (a large project
takes seconds; the screen stays responsive and shows the last report built), keeping the row
under the cursor. The figures are :func:`annotator.report.build_report`'s, grouped by one key that
``b`` cycles through (or none); ``l`` cycles the layers the caller allows (an annotator sees
only their own layer: annotation is blind; a reviewer each annotator's, their spread and
gold); ``]`` ``[`` step through the tables. Enter lists the spans or questions a row counted;
choosing one dismisses the screen with it, and the caller opens its document there.

Each row's chart is text: the value as a bar in its label's colour (solid up to the lower
end of its 95 % interval, lighter from there to the value), the rest of the interval as a
line ending in ``┤`` (``▸`` where it runs past the chart's right edge); for a zero, only
the ``┤`` where its interval ends.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ..errors import AnnotatorError
from ..keymap import REPORT_KEYS
from ..report import BY, SPREAD, Counted, Family, Figure, Report, build_report, group_value
from ..report_output import counting_groups, describe, interval, number, shown
from ..store import Project
from ..textindex import display_text
from ..widgets.panels import excerpt
from .dialogs import ChooseSpan, literal

BY_CYCLE: tuple[str | None, ...] = (*BY, None)  # None: one group, the whole project
CHART = 22  # cells of a row's chart
EXAMPLES = 200  # at most this many examples are listed
POLL_SECONDS = 1.0


def chart(
    value: float | None,
    low: float | None,
    high: float | None,
    top: float,
    color: str | None,
    width: int = CHART,
) -> Text:
    """A row's chart: ``value`` on a scale from 0 to ``top`` in ``width`` cells (see the
    module docstring); empty when the value is undefined."""
    text = Text(no_wrap=True, overflow="crop")
    if value is None or top <= 0:
        return text
    style = color or "default"

    def cells(x: float | None) -> float:
        return 0.0 if x is None else max(0.0, min(width, x / top * width))

    solid, bar, end = cells(low), cells(value), cells(high)
    whole = int(bar)
    sure = min(int(solid), whole)
    text.append("█" * sure, style=style)
    text.append("█" * (whole - sure), style=f"{style} dim")
    partial = int((bar - whole) * 8)
    used = whole
    if partial and whole < width:
        text.append(" ▏▎▍▌▋▊▉"[partial], style=f"{style} dim" if solid < bar else style)
        used += 1
    if high is not None and end > used:
        # The end mark in the cell that holds the interval's end (the last, at most).
        reach = min(max(used, math.ceil(end) - 1), width - 1)
        # A zero has no bar: only where its interval ends (as the figure draws it).
        text.append(("─" if value else " ") * max(0, reach - used), style="dim")
        text.append("▸" if high > top else "┤", style="dim")
    elif high is not None and value == 0:
        text.append("┤", style="dim")
    return text


@dataclass(frozen=True)
class _Row:
    key: str
    figure: Figure
    family: Family


class ReportScreen(Screen[Counted | None]):
    """The report of one project. Dismisses with the example chosen (Enter), or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(key.keys, key.action, key.description, show=key.show, id=key.id)
        for key in REPORT_KEYS
    ]
    DEFAULT_CSS = """
    ReportScreen #heading { height: auto; padding: 0 1; text-style: bold; background: $panel; }
    ReportScreen #table-title { height: 1; padding: 0 1; }
    ReportScreen DataTable { height: 1fr; }
    ReportScreen #notes { height: auto; max-height: 5; padding: 0 1; color: $text-muted; }
    """

    def __init__(
        self,
        project_path: Path,
        layers: tuple[str, ...],
        *,
        by: str | None = "person",
    ) -> None:
        """``layers``: the layers ``l`` offers, the first shown ("all": each annotator and
        their spread, "gold", or an annotator's name)."""
        super().__init__()
        self.project_path = Path(project_path)
        self.layer_choices = layers or ("all",)
        self.report_layer = self.layer_choices[0]
        self.by = by
        self.table_index: int | None = None  # None: the first table with a chart
        self.report: Report | None = None
        self.error: str | None = None
        self._project: Project | None = None
        self._rows: dict[str, _Row] = {}
        self._texts: dict[int, str] = {}
        self._wanted = 0  # builds asked for
        self._built = 0  # the build shown
        self._building = False
        self._stale = False  # the project changed since the last build was asked for
        self._next_build = 0.0  # no build for a change before this (time.monotonic)

    def compose(self) -> ComposeResult:
        yield Static("", id="heading", markup=False)
        yield Static("", id="table-title", markup=False)
        yield DataTable(cursor_type="row", zebra_stripes=True, id="figures")
        yield Static("", id="notes", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        try:
            self._project = Project.open(self.project_path, readonly=True)
        except AnnotatorError as error:
            self.error = str(error)
        self.reload()
        self._fill()  # "Counting…" until the first report is built
        self.query_one(DataTable).focus()
        self.set_interval(POLL_SECONDS, self._poll)

    def on_unmount(self) -> None:
        if self._project is not None:
            self._project.close()
            self._project = None

    # ---- data ----------------------------------------------------------------------------
    #
    # A report of a large project takes seconds to build, so it is built in a thread (on a
    # connection of its own), one build at a time; the screen shows the last one built. A
    # change noticed meanwhile asks for another build once this one is done, and the next
    # build after a change waits twice as long as the last one took (at least a second):
    # a busy project never keeps a core busy with reports.

    def _poll(self) -> None:
        """About once a second: build the report again if anyone committed a change."""
        if self._project is not None and self._project.changed_elsewhere():
            self._stale = True
        if self._stale and not self._building and time.monotonic() >= self._next_build:
            self.reload()

    def reload(self) -> None:
        """Build the report of the current layer and grouping, and show it."""
        self._stale = False
        self._wanted += 1
        if not self._building:
            self._building = True
            self._build(self._wanted, self.report_layer, self.by)

    @property
    def settled(self) -> bool:
        """Whether the report shown is the one asked for last (tests wait for this)."""
        return not self._building and self._built == self._wanted

    @work(thread=True, group="report")
    def _build(self, wanted: int, layer: str, by: str | None) -> None:
        started = time.monotonic()
        report, error = None, None
        try:
            with Project.open(self.project_path, readonly=True) as project:
                report = build_report(project, layer=layer, by=(by,) if by else ())
        except AnnotatorError as error_:
            error = str(error_)
        with contextlib.suppress(RuntimeError):  # the app is gone
            self.app.call_from_thread(
                self._show_built, wanted, report, error, time.monotonic() - started
            )

    def _show_built(
        self, wanted: int, report: Report | None, error: str | None, seconds: float
    ) -> None:
        self._building = False
        self._next_build = time.monotonic() + max(POLL_SECONDS, 2 * seconds)
        if not self.is_attached:
            return
        self._built = wanted
        if wanted != self._wanted:  # asked for another meanwhile (a key, a change)
            self.reload()
            return
        self.report, self.error = report, error
        self._fill()

    @property
    def families(self) -> list[Family]:
        """The tables there are: the families with a row to show."""
        report = self.report
        if report is None:
            return []
        return [f for f in report.families if shown(report, f)]

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        keep = self.selected_key
        table.clear(columns=True)
        self._rows = {}
        report = self.report
        heading = self.query_one("#heading", Static)
        families = self.families
        if report is None or not families:
            waiting = "Counting…" if self._building else "Nothing to report yet."
            heading.update(literal(self.error or waiting))
            self.query_one("#table-title", Static).update("")
            self._show_notes(_notes(report) if report else [])
            return
        if self.table_index is None:
            charted = [n for n, f in enumerate(families) if f.plotted and _counts(report, f)]
            self.table_index = charted[0] if charted else 0
        self.table_index %= len(families)
        family = families[self.table_index]
        heading.update(literal(describe(report).split(" Intervals:")[0]))
        title = Text(display_text(family.title, keep_newlines=False), style="bold")
        title.append(
            f"  ·  {self.table_index + 1}/{len(families)}  ·  by {self.by or 'nothing'}  ·  "
            f"{self.report_layer}  ·  Enter: examples",
            style="dim",
        )
        self.query_one("#table-title", Static).update(title)
        several = len(report.layers) > 1
        columns = [" × ".join(report.by) or "group"]
        if family.column:
            columns.append(family.column)
        if several:
            columns.append("layer")
        columns += ["value", "95% CI", "n", "words" if family.kind == "rate" else "of", "chart"]
        for name in columns:
            right = name in ("value", "95% CI", "n", "of", "words")
            width = CHART if name == "chart" else None
            table.add_column(
                Text(name, justify="right" if right else "left"), key=name, width=width
            )
        rows = self._family_rows(report, family)
        top = _top(family, [row.figure for row in rows])
        previous = ("", "")
        for row in rows:
            figure = row.figure
            measure = report.measures[figure.measure]
            # A name said in the row above is not said again.
            names = (figure.group, measure.id)
            cells: list[Text] = [
                literal(group_value(figure.group) if names[0] != previous[0] else "")
            ]
            if family.column:
                cells.append(literal(measure.name if names != previous else ""))
            previous = names
            if several:
                cells.append(literal("spread" if figure.layer == SPREAD else figure.layer))
            kind = measure.kind
            spread = figure.layer == SPREAD
            span = (
                f"({interval(kind, figure.low, figure.high)})"
                if spread and figure.low is not None
                else interval(kind, figure.low, figure.high)
            )
            cells += [
                Text(number(kind, figure.value), justify="right"),
                Text(span if kind != "count" else "", justify="right"),
                Text(f"{figure.n:,}", justify="right"),
                Text(
                    "" if figure.denominator is None else f"{figure.denominator:,}",
                    justify="right",
                ),
                chart(
                    figure.value,
                    None if spread else figure.low,
                    None if spread else figure.high,
                    top,
                    measure.color,
                )
                if kind != "count"
                else Text(),
            ]
            table.add_row(*cells, key=row.key)
            self._rows[row.key] = row
        self._show_notes(_notes(report))
        if keep in self._rows:
            table.move_cursor(row=table.get_row_index(keep), animate=False)

    def _show_notes(self, notes: list[str]) -> None:
        box = self.query_one("#notes", Static)
        box.update(literal("\n".join(notes)))
        box.display = bool(notes)

    def _family_rows(self, report: Report, family: Family) -> list[_Row]:
        index = {(f.layer, f.group, f.measure): f for f in report.figures}
        layers = report.shown_layers
        rows = []
        for group in counting_groups(report, family, index):
            for measure in shown(report, family):
                figures = [index[(layer, group, measure)] for layer in layers]
                if family.breakdown and not any(f.n for f in figures if f.layer != SPREAD):
                    continue  # this group never used this value
                rows += [
                    _Row(f"{family.id}\t{group}\t{measure}\t{f.layer}", f, family) for f in figures
                ]
        return rows

    @property
    def selected_key(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    # ---- actions -------------------------------------------------------------------------

    def action_table(self, step: int) -> None:
        if self.families:
            self.table_index = ((self.table_index or 0) + step) % len(self.families)
            self._fill()

    def action_cycle_by(self) -> None:
        position = BY_CYCLE.index(self.by) if self.by in BY_CYCLE else -1
        self.by = BY_CYCLE[(position + 1) % len(BY_CYCLE)]
        self.reload()
        self.notify(f"grouped by {self.by or 'nothing: the whole project'}", timeout=2)

    def action_cycle_layer(self) -> None:
        if len(self.layer_choices) < 2:
            self.notify("you see only your own layer (annotation is blind)", timeout=3)
            return
        choices = self.layer_choices
        self.report_layer = choices[(choices.index(self.report_layer) + 1) % len(choices)]
        self.reload()
        self.notify(f"layer: {self.report_layer}", timeout=2)

    def action_close(self) -> None:
        self.dismiss(None)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_examples()

    def action_examples(self) -> None:
        key = self.selected_key
        row = self._rows.get(key or "")
        if row is None:
            return
        if not row.figure.examples:
            self.notify("this row counts nothing: no examples", timeout=3)
            return
        self._choose(row)

    @work
    async def _choose(self, row: _Row) -> None:
        examples = row.figure.examples[:EXAMPLES]
        choices = [
            (number, self._what(example), f"{example.title}: {self._excerpt(example)}")
            for number, example in enumerate(examples)
        ]
        more = len(row.figure.examples) - len(examples)
        report = self.report
        name = report.measures[row.figure.measure].name if report else row.figure.measure
        title = (
            f"{group_value(row.figure.group)} · {name}: {len(row.figure.examples)} counted"
            + (f" (the first {len(examples)})" if more else "")
            + "; Enter opens one"
        )
        chosen = await self.app.push_screen_wait(ChooseSpan(title, choices))
        if chosen is not None:
            self.dismiss(examples[chosen])

    def _what(self, example: Counted) -> str:
        what = example.label or ("uncoded" if example.item == "question" else "")
        return f"{example.layer} · {what}"

    def _excerpt(self, example: Counted) -> str:
        if self._project is None:
            return ""
        if example.document_id not in self._texts:
            try:
                self._texts[example.document_id] = self._project.document(example.document_id).text
            except AnnotatorError:
                return "(the document is gone)"
        return excerpt(self._texts[example.document_id], example.start, example.end, 60)


def _notes(report: Report) -> list[str]:
    """The report's notes that concern the screen (not how the command line's options
    change it)."""
    return [note for note in report.notes if "--measures" not in note]


def _counts(report: Report, family: Family) -> bool:
    """Whether a family counted anything (a table worth opening on)."""
    ids = {m.id for m in family.measures}
    return any(f.n for f in report.figures if f.measure in ids)


def _top(family: Family, figures: list[Figure]) -> float:
    """The right edge of a table's charts: 100 % for shares; for rates, room for the values
    (a wide interval of few words ends in ▸ rather than squeezing every bar)."""
    if family.kind == "share":
        return 1.0
    values = [f.value for f in figures if f.value]
    highs = [f.high for f in figures if f.high]
    top = 1.6 * max(values) if values else (min(highs) if highs else 1.0)
    if highs and max(highs) <= top * 1.15:
        top = max(highs)
    return top
