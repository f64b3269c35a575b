"""The report as text: rich tables for reading, and long-format CSV and JSON for programs.

Every value from data (names, titles, labels, attribute values) goes into a table as a rich
``Text`` made with :func:`~annotator.textindex.display_text`: shown literally, never read
as markup, control characters as visible symbols. CSV and JSON keep the data exactly; the
command line escapes them on the way to a terminal.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .files import staged
from .report import COLUMNS, SPREAD, Family, Figure, Report, group_value
from .textindex import display_text


def number(kind: str, value: float | None) -> str:
    """A figure as a table shows it: a share in per cent, a rate with one or two decimals."""
    if value is None:
        return "-"
    if kind == "share":
        return f"{100 * value:.0f}%"
    if kind == "count":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def interval(kind: str, low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return "-"
    if kind == "share":
        return f"{100 * low:.0f}–{100 * high:.0f}%"
    return f"{number(kind, low)}–{number(kind, high)}"


def shown(report: Report, family: Family) -> list[str]:
    """The measures of a family a table or figure shows: a breakdown's values that no
    layer used in any group are left out (the CSV and JSON keep them)."""
    if not family.breakdown:
        return [m.id for m in family.measures]
    used = {f.measure for f in report.figures if f.n and f.layer != SPREAD}
    return [m.id for m in family.measures if m.id in used]


def describe(report: Report) -> str:
    """One line: what was counted, how grouped."""
    layer = {
        "all": f"each annotator's layer ({', '.join(report.layers) or 'none yet'})",
        "gold": "the gold layer",
    }.get(report.layer, f"{report.layer}'s layer")
    by = " × ".join(report.by) if report.by else "the whole project"
    return (
        f"Report of {layer}, {report.documents} document{'s' if report.documents != 1 else ''}, "
        f"by {by}; scheme {report.scheme}. Intervals: {report.confidence:.0%} (Wilson for "
        "shares, exact Poisson for rates per 1,000 words)."
    )


def print_report(console: Console, report: Report) -> None:
    """The report as one rich table per family of measures, then its notes.

    Rows of a breakdown that count nothing are left out (the CSV keeps every row). With
    several annotators, a column per annotator (value, interval, count) and one for their
    spread where the terminal is wide enough; else a row per annotator and one for the
    spread (mean, lowest–highest, standard deviation)."""
    console.print(Text(display_text(describe(report))))
    several = len(report.layers) > 1
    index = {(f.layer, f.group, f.measure): f for f in report.figures}
    for family in report.families:
        measures = shown(report, family)
        groups = counting_groups(report, family, index)
        wide = [
            [r for m in measures if (r := _row(report, family, index, g, m, several))]
            for g in groups
        ]
        if not any(wide):
            continue
        headers = _headers(report, family, several)
        blocks = wide
        if several and _width(headers, wide) > console.width:
            headers = _headers(report, family, several, rows=True)
            blocks = [
                [r for m in measures for r in _rows(report, family, index, g, m)] for g in groups
            ]
        table = _table(report, family, headers, blocks)
        sections = max(len(rows) for rows in blocks) > 1  # a rule between groups of rows
        for rows in blocks:
            if rows and table.row_count and sections:
                table.add_section()
            previous: list[str] = []
            for row in rows:
                # A name said in the row above is not said again.
                shown_row = [
                    "" if k < 2 and previous[: k + 1] == row[: k + 1] else cell
                    for k, cell in enumerate(row)
                ]
                table.add_row(*map(_text, shown_row))
                previous = row
        console.print(table)
    for note in report.notes:
        console.print(Text(display_text(note)))


def counting_groups(
    report: Report, family: Family, index: dict[tuple[str, str, str], Figure]
) -> list[str]:
    """The groups a family's table shows: those with something to count (a group no
    question was put to has no row of question codes; a rate of no spans is a zero, and
    shown)."""
    return [
        group
        for group in report.groups
        if any(
            (f := index[(layer, group, m.id)]).n or (f.value is not None and m.kind != "count")
            for layer in report.layers
            for m in family.measures
        )
    ]


def _text(cell: str) -> Text:
    return Text(display_text(cell, keep_newlines=False))


def _names(family: Family) -> int:
    """How many of a family's columns are names (the group, the measure)."""
    return 2 if family.column else 1


def _headers(report: Report, family: Family, several: bool, *, rows: bool = False) -> list[str]:
    headers = [" × ".join(report.by) or "group", *([family.column] if family.column else [])]
    of = "words" if family.kind == "rate" else "of"
    if rows:
        return [*headers, "layer", "value", "95% CI", "n", of]
    if several:
        return [*headers, *report.layers, "spread (min–max)", of]
    return [*headers, "value", "95% CI", "n", of]


def _width(headers: Sequence[str], blocks: Sequence[Sequence[Sequence[str]]]) -> int:
    """The cells a table of these rows takes (simple box: 3 between columns)."""
    widths = [len(header) for header in headers]
    for rows in blocks:
        for row in rows:
            widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    return sum(widths) + 3 * (len(widths) - 1)


def _table(
    report: Report,
    family: Family,
    headers: Sequence[str],
    blocks: Sequence[Sequence[Sequence[str]]],
) -> Table:
    """A table whose numbers never shrink: names fold over lines where room is short."""
    names = _names(family)
    left_out = len(report.groups) - sum(1 for rows in blocks if rows)
    hidden = []
    if left_out:
        hidden.append(f"{left_out} group{'s' if left_out != 1 else ''} with nothing to count")
    if family.breakdown:
        hidden.append("values no one used")
    table = Table(
        title=Text(display_text(family.title)),
        caption="not shown: " + "; ".join(hidden) if hidden else None,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        title_justify="left",
    )
    for number, header in enumerate(headers):
        natural = max(
            [len(header), *(len(row[number]) for rows in blocks for row in rows)], default=1
        )
        is_name = number < names or header == "layer"
        table.add_column(
            Text(display_text(header, keep_newlines=False)),
            justify="left" if is_name else "right",
            no_wrap=not is_name,
            overflow="fold",
            min_width=None if number < names else natural,
        )
    return table


def _row(
    report: Report,
    family: Family,
    index: dict[tuple[str, str, str], Figure],
    group: str,
    measure: str,
    several: bool,
) -> list[str] | None:
    """A row of a group and measure: its figure, or every annotator's and their spread."""
    kind = report.measures[measure].kind
    figures = [index[(layer, group, measure)] for layer in report.layers]
    if family.breakdown and not any(f.n for f in figures):
        return None  # this group never used this value
    cells = _lead(report, family, group, measure)
    of = _denominators(kind, figures)
    if not several:
        [f] = figures
        return [*cells, number(kind, f.value), interval(kind, f.low, f.high), f"{f.n:,}", of]
    for f in figures:
        if kind == "count":
            cells.append(number(kind, f.value))
        else:
            cells.append(f"{number(kind, f.value)} [{interval(kind, f.low, f.high)}] n={f.n}")
    cells.append(_spread(kind, index[(SPREAD, group, measure)]))
    cells.append(of)
    return cells


def _rows(
    report: Report,
    family: Family,
    index: dict[tuple[str, str, str], Figure],
    group: str,
    measure: str,
) -> list[list[str]]:
    """A group and measure as a row per annotator and one for their spread."""
    kind = report.measures[measure].kind
    figures = [index[(layer, group, measure)] for layer in report.layers]
    if family.breakdown and not any(f.n for f in figures):
        return []
    lead = _lead(report, family, group, measure)
    rows = [
        [
            *lead,
            f.layer,
            number(kind, f.value),
            interval(kind, f.low, f.high),
            f"{f.n:,}",
            _denominators(kind, [f]),
        ]
        for f in figures
    ]
    spread = index[(SPREAD, group, measure)]
    # The mean, lowest and highest of the annotators' values, how many have one (the
    # standard deviation is in the CSV and JSON).
    rows.append(
        [*lead, "spread", number(kind, spread.value), _range(kind, spread), f"{spread.n}", ""]
    )
    return rows


def _lead(report: Report, family: Family, group: str, measure: str) -> list[str]:
    cells = [group_value(group)]
    if family.column:
        cells.append(report.measures[measure].name)
    return cells


def _range(kind: str, spread: Figure) -> str:
    if spread.low is None or spread.high is None:
        return "-"
    return f"({interval(kind, spread.low, spread.high)})"


def _spread(kind: str, spread: Figure) -> str:
    if spread.value is None:
        return "-"
    return f"{number(kind, spread.value)} {_range(kind, spread)}"


def _denominators(kind: str, figures: Sequence[Figure]) -> str:
    values = [f.denominator for f in figures]
    if kind == "count" or all(v is None for v in values):
        return ""
    if len(set(values)) == 1:
        return f"{values[0] or 0:,}"
    return "/".join(f"{v or 0:,}" for v in values)


def csv_text(report: Report, cell: Callable[[str], str] = str) -> str:
    """The long format as CSV (a header, then one row per figure); ``cell`` turns each
    text from data into what is written (the command line shows it literally)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in report.rows():
        writer.writerow([_csv_value(row[key], cell) for key in COLUMNS])
    return out.getvalue()


def _csv_value(value: Any, cell: Callable[[str], str]) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return cell(value)
    if isinstance(value, float):
        return repr(round(value, 10))
    return value


def json_text(report: Report) -> str:
    """The whole report as JSON: what was counted, the notes, the measures, the rows."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)


def save(files: Mapping[Path, bytes], *, force: bool, protected: Iterable[Path]) -> list[Path]:
    """Write the files together (:class:`annotator.files.Staging`): each written in full
    beside its target, then all put in place; a file that exists is replaced only with
    ``force``, a ``protected`` one (the project) never. The paths written."""
    if not files:
        return []
    with staged(force=force, protected=protected) as staging:
        for target, data in files.items():
            staging.path(target).write_bytes(data)
        return staging.commit()
