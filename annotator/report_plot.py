"""The report as a figure (PNG or SVG): one panel per family of measures, drawn with
matplotlib from the optional ``plots`` extra (``pip install 'annotator[plots]'``).

- A panel per family the report plots (:attr:`~annotator.report.Family.plotted`): the
  question codes' shares at each level of their hierarchy and by attribute, the spans per
  1,000 words, and each span attribute's values per 1,000 words. A breakdown's values that
  nobody used are left out, and so are the groups a panel has no denominator for (no coded
  question, no words), which its axis label says.
- Grouped by one period only (``--by month`` or ``--by year``): a line over time per
  measure, its 95 % interval a shaded band, documents without a date left out (said under
  the figure). Otherwise bars per group, one per measure, with their 95 % intervals as
  error bars.
- Several annotators (``--layer all``): each bar is the mean of their values, and each
  annotator is a marker with their own interval over it, so both the annotators' spread
  and the noise show.
- Colours are the scheme's label colours (a breakdown's values: shades of its label's
  colour); every axis says what it counts, every panel title what was counted, the figure
  title whose labels and which documents.

matplotlib is imported only here and only when a figure is asked for, with the Agg backend
(no display needed); without it, :func:`render` raises one line saying what to install.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import AnnotatorError
from .report import NO_DATE, SPREAD, Family, Figure, Report, group_value
from .report_output import describe, shown
from .scheme.colors import normalise_color

FORMATS = ("png", "svg")
PANEL_HEIGHT = 3.6  # inches
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
# A breakdown's values are shades of one label's colour; past two values, patterns too.
HATCHES = ("", "///", "...", "xxx", "\\\\\\", "+++", "ooo", "---", "|||", "***")
LINES = ("-", "--", ":", "-.")
_NEUTRAL = "#6b7280"


class PlotsMissing(AnnotatorError):
    """matplotlib is not installed."""


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise PlotsMissing("--plot needs matplotlib: pip install 'annotator[plots]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_format(path: str) -> str:
    """The figure format a file name asks for (png, svg), or a refusal naming them."""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix not in FORMATS:
        raise AnnotatorError(f"{path}: a figure is written as .png or .svg; name the file so")
    return suffix


def render(report: Report, fmt: str = "png") -> bytes:
    """The figure of the report as PNG or SVG bytes."""
    if fmt not in FORMATS:
        raise AnnotatorError(f"cannot draw a {fmt!r} figure; use one of {', '.join(FORMATS)}")
    index = {(f.layer, f.group, f.measure): f for f in report.figures}
    families = [
        family
        for family in report.families
        if family.plotted
        and shown(report, family)
        and _groups(report, family, shown(report, family), index)[0]
    ]
    if not families:
        raise AnnotatorError(
            "nothing to plot: the measures asked for are counts, or nothing was counted yet "
            "(see the table)"
        )
    plt = _pyplot()
    timeline = len(report.by) == 1 and report.by[0] in ("month", "year")
    widths = [_panel_width(report, family, timeline) for family in families]
    width = max(widths)
    notes = _footnotes(report, width)
    header = 0.9 + 0.2 * len(notes)
    fig, axes = plt.subplots(
        len(families),
        1,
        figsize=(width, PANEL_HEIGHT * len(families) + header),
        squeeze=False,
    )
    try:
        for ax, family in zip(axes[:, 0], families, strict=True):
            if timeline:
                _timeline(ax, report, family, index)
            else:
                _bars(ax, report, family, index)
        fig.suptitle(_headline(report), fontsize=12, fontweight="bold", x=0.01, ha="left")
        fig.tight_layout(rect=(0, 0.2 * len(notes) / fig.get_figheight(), 1, 0.985))
        for number, note in enumerate(notes):
            fig.text(0.01, 0.005 + 0.2 * (len(notes) - 1 - number) / fig.get_figheight(), note,
                     fontsize=8,
                     color="#374151", ha="left", va="bottom")  # fmt: skip
        buffer = io.BytesIO()
        metadata = {"Title": _headline(report)}
        fig.savefig(buffer, format=fmt, dpi=120, metadata=metadata)
    finally:
        plt.close(fig)
    return buffer.getvalue()


def _headline(report: Report) -> str:
    return describe(report).split(" Intervals:")[0]


def _footnotes(report: Report, width: float) -> list[str]:
    """What the figure's marks mean, and the notes a reader of it needs, wrapped to its
    width."""
    several = len(report.layers) > 1
    lines = [
        "Whiskers and bands: 95% intervals (Wilson for shares, exact Poisson for rates per "
        "1,000 words); for a zero, a grey tick where its interval ends; ▲: runs above the axis."
        + (
            " Bars: the annotators' mean; markers: each annotator; whiskers: from the lowest "
            "to the highest end of their intervals."
            if several
            else ""
        )
    ]
    for note in report.notes:
        if "no date" in note or "Not counted" in note:
            lines.append(note)
    columns = max(60, int(width * 15))
    return [part for line in lines for part in textwrap.wrap(line, columns)]


def _panel_width(report: Report, family: Family, timeline: bool) -> float:
    bars = max(1, len(shown(report, family)))
    groups = len(report.groups)
    if timeline:
        return min(16.0, max(9.0, 1.2 * groups + 4))
    return min(22.0, max(9.0, 3.5 + groups * (0.35 * bars + 0.4)))


def _colors(report: Report, family: Family, measures: Sequence[str]) -> list[str]:
    """Each measure's colour: its label's; a breakdown's values in shades of it."""
    base = [normalise_color(report.measures[m].color or "") or _NEUTRAL for m in measures]
    if not family.breakdown or len(measures) < 2:
        return base
    return [_shade(color, i / (len(measures) - 1)) for i, color in enumerate(base)]


def _shade(color: str, t: float) -> str:
    """From the colour a little darkened (t = 0) to much lighter (t = 1)."""
    rgb = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    if t < 0.2:
        mixed = [round(c * (0.75 + t)) for c in rgb]
    else:
        mixed = [round(c + (255 - c) * 0.65 * t) for c in rgb]
    return "#" + "".join(f"{min(255, max(0, c)):02x}" for c in mixed)


@dataclass(frozen=True)
class _Bar:
    """What a panel draws for one group and measure."""

    value: float | None  # the layer's value, or the annotators' mean
    low: float | None  # the interval; several annotators: the lowest of their lows
    high: float | None  # ... and the highest of their highs
    each: tuple[float | None, ...] = ()  # several annotators: each one's value


def _bar(report: Report, index: dict[tuple[str, str, str], Figure], group: str, m: str) -> _Bar:
    if len(report.layers) == 1:
        f = index[(report.layers[0], group, m)]
        return _Bar(f.value, f.low, f.high)
    own = [index[(layer, group, m)] for layer in report.layers]
    lows = [f.low for f in own if f.low is not None]
    highs = [f.high for f in own if f.high is not None]
    return _Bar(
        index[(SPREAD, group, m)].value,
        min(lows) if lows else None,
        max(highs) if highs else None,
        tuple(f.value for f in own),
    )


def _groups(
    report: Report,
    family: Family,
    measures: Sequence[str],
    index: dict[tuple[str, str, str], Figure],
) -> tuple[list[str], int]:
    """The groups a panel shows, and how many it leaves out: those without a denominator
    (no coded question), and for a breakdown those where its label never occurs."""
    figures = {
        group: [index[(layer, group, m)] for layer in report.layers for m in measures]
        for group in report.groups
    }
    if family.breakdown:
        kept = [g for g in report.groups if any(f.n for f in figures[g])]
    else:
        kept = [g for g in report.groups if any(f.value is not None for f in figures[g])]
    return kept, len(report.groups) - len(kept)


def _axis_label(report: Report, family: Family, left_out: int) -> str:
    key = " × ".join(report.by) if report.by else ""
    if left_out:
        groups = f"{left_out} group{'s' if left_out != 1 else ''}"
        why = f"with no {family.counted}" if family.breakdown else "with nothing to share out"
        key += f" (left out: {groups} {why})"
    return key


def _bars(
    ax: Any, report: Report, family: Family, index: dict[tuple[str, str, str], Figure]
) -> None:
    measures = shown(report, family)
    groups, left_out = _groups(report, family, measures, index)
    colors = _colors(report, family, measures)
    several = len(report.layers) > 1
    slot = 0.8 / len(measures)
    bars = {(g, m): _bar(report, index, g, m) for g in groups for m in measures}
    top = _top(family, bars.values())
    for m, (measure, color) in enumerate(zip(measures, colors, strict=True)):
        xs = [g + (m - (len(measures) - 1) / 2) * slot for g in range(len(groups))]
        drawn = [bars[(group, measure)] for group in groups]
        patterned = family.breakdown and len(measures) > 2
        ax.bar(xs, [b.value or 0.0 for b in drawn], width=slot * 0.92, color=color,
               edgecolor=_shade(colors[0], 0.0) if patterned else "white", linewidth=0.5,
               hatch=HATCHES[m % len(HATCHES)] if patterned else None,
               label=report.measures[measure].name, zorder=2)  # fmt: skip
        _whiskers(ax, xs, drawn, top, width=slot)
        if several:
            for k in range(len(report.layers)):
                offset = (k - (len(report.layers) - 1) / 2) * slot / (len(report.layers) + 1)
                points = [
                    (x + offset, b.each[k])
                    for x, b in zip(xs, drawn, strict=True)
                    if b.value  # all zero: the bar says it
                ]
                points = [(x, v) for x, v in points if v is not None and v <= top]
                ax.plot([x for x, _ in points], [v for _, v in points], linestyle="none",
                        marker=MARKERS[k % len(MARKERS)], markersize=3, color="#111827",
                        markerfacecolor="white", markeredgewidth=0.8, zorder=4)  # fmt: skip
    if several:
        for k, name in enumerate(report.layers):
            ax.plot([], [], linestyle="none", marker=MARKERS[k % len(MARKERS)], color="#111827",
                    markerfacecolor="white", markersize=4, label=name)  # fmt: skip
    ax.set_xticks(range(len(groups)))
    ticks = [_tick(group) + _of(report, family, measures, group, index) for group in groups]
    ax.set_xticklabels(ticks, rotation=30 if len(groups) > 3 else 0,
                       ha="right" if len(groups) > 3 else "center", fontsize=8)  # fmt: skip
    ax.set_xlim(-0.6, max(0.6, len(groups) - 0.4))
    _decorate(ax, report, family, _axis_label(report, family, left_out))
    if family.kind == "rate":
        ax.set_ylim(0, top)


def _top(family: Family, bars: Iterable[_Bar]) -> float:
    """The axis' top: shares 105 %; rates fit the values rather than the widest interval
    (a group that said 30 words has an interval up to 120 per 1,000)."""
    if family.kind == "share":
        return 1.05
    bars = list(bars)
    values = [v for b in bars for v in (b.value, *b.each) if v]
    highs = [b.high for b in bars if b.high]
    top = 1.6 * max(values) if values else (min(highs) if highs else 1.0)
    if highs and max(highs) <= top * 1.15:
        top = max(highs) * 1.05
    return max(top, 0.5)


def _of(
    report: Report,
    family: Family,
    measures: Sequence[str],
    group: str,
    index: dict[tuple[str, str, str], Figure],
) -> str:
    """The group's denominator under its name: its words, or how many it shares out."""
    largest = max(
        (index[(layer, group, m)].denominator or 0 for layer in report.layers for m in measures),
        default=0,
    )
    return f"\n{largest:,} words" if family.kind == "rate" else f"\nof {largest:,}"


def _whiskers(ax: Any, xs: Sequence[float], bars: Sequence[_Bar], top: float, width: float) -> None:
    """The intervals: a line with caps for a value above zero; for a zero only a light tick
    where its interval ends (a zero's interval is all noise, and long where words are few);
    a ▲ at the top for an interval that runs above the axis."""
    lines = [(x, b) for x, b in zip(xs, bars, strict=True) if b.value and b.high is not None]
    if lines:
        ax.errorbar(
            [x for x, _ in lines],
            [b.value or 0.0 for _, b in lines],
            yerr=[
                [max(0.0, (b.value or 0.0) - (b.low or 0.0)) for _, b in lines],
                [max(0.0, min(b.high or 0.0, top) - (b.value or 0.0)) for _, b in lines],
            ],
            fmt="none", ecolor="#374151", elinewidth=0.9, capsize=2, zorder=3,
        )  # fmt: skip
    zeros = [(x, b.high) for x, b in zip(xs, bars, strict=True) if not b.value and b.high]
    low = [(x, h) for x, h in zeros if h is not None and h <= top]
    if low:
        ax.hlines([h for _, h in low], [x - width * 0.3 for x, _ in low],
                  [x + width * 0.3 for x, _ in low], colors="#9ca3af", linewidth=0.9,
                  zorder=3)  # fmt: skip
    over = [x for x, b in zip(xs, bars, strict=True) if b.value and (b.high or 0) > top]
    if over:
        ax.plot(over, [top] * len(over), linestyle="none", marker="^", markersize=4,
                color="#374151", clip_on=False, zorder=4)  # fmt: skip


def _timeline(
    ax: Any, report: Report, family: Family, index: dict[tuple[str, str, str], Figure]
) -> None:
    """A line per measure over the periods in order, its interval a band (and whiskers),
    each annotator a marker when there are several."""
    measures = shown(report, family)
    periods = [g for g in report.groups if group_value(g) != NO_DATE]
    colors = _colors(report, family, measures)
    for m, (measure, color) in enumerate(zip(measures, colors, strict=True)):
        bars = [(i, _bar(report, index, g, measure)) for i, g in enumerate(periods)]
        bars = [(i, b) for i, b in bars if b.value is not None]
        if not bars:
            continue
        xs = [i for i, _ in bars]
        style = LINES[m % len(LINES)] if family.breakdown else "-"
        ax.plot(xs, [b.value for _, b in bars], marker="o", color=color, linewidth=1.8,
                linestyle=style, markersize=4, label=report.measures[measure].name,
                zorder=3)  # fmt: skip
        ax.fill_between(xs, [b.low or 0.0 for _, b in bars], [b.high or 0.0 for _, b in bars],
                        color=color, alpha=0.15, linewidth=0, zorder=1)  # fmt: skip
        ax.errorbar(xs, [b.value or 0.0 for _, b in bars],
                    yerr=[[max(0.0, (b.value or 0.0) - (b.low or 0.0)) for _, b in bars],
                          [max(0.0, (b.high or 0.0) - (b.value or 0.0)) for _, b in bars]],
                    fmt="none", ecolor=color, elinewidth=0.8, capsize=2, alpha=0.7,
                    zorder=2)  # fmt: skip
        for k in range(len(report.layers) if len(report.layers) > 1 else 0):
            points = [(i, b.each[k]) for i, b in bars if b.each[k] is not None]
            ax.plot([i for i, _ in points], [v for _, v in points], linestyle="none",
                    marker=MARKERS[k % len(MARKERS)], color=color, markerfacecolor="white",
                    markersize=3.5, zorder=4)  # fmt: skip
    if len(report.layers) > 1:
        for k, name in enumerate(report.layers):
            ax.plot([], [], linestyle="none", marker=MARKERS[k % len(MARKERS)], color="#111827",
                    markerfacecolor="white", markersize=4, label=name)  # fmt: skip
    ax.set_xticks(range(len(periods)))
    ax.set_xticklabels([group_value(p) for p in periods], fontsize=8)
    ax.set_xlim(-0.5, max(0.5, len(periods) - 0.5))
    undated = len(report.groups) - len(periods)
    label = " × ".join(report.by)
    if undated:
        label += f" (documents without a date, '{NO_DATE}', left out)"
    _decorate(ax, report, family, label)


def _decorate(ax: Any, report: Report, family: Family, xlabel: str) -> None:
    ax.set_title(family.title, fontsize=10, loc="left")
    ax.set_ylabel(family.axis, fontsize=9)
    ax.set_xlabel(xlabel, fontsize=9)
    if family.kind == "share":
        ax.set_ylim(0, 1.05)
        ax.yaxis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")
    else:
        ax.set_ylim(bottom=0)
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.6, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", labelsize=8)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, fontsize=8, frameon=False, loc="upper left",
                  bbox_to_anchor=(1.0, 1.0))  # fmt: skip


def _tick(group: str, limit: int = 24) -> str:
    text = group_value(group)
    return text if len(text) <= limit else text[: limit - 1] + "…"
