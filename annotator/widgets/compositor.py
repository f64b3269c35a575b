"""A screen's compositor that, to repaint part of the screen, cuts only the lines it shows.

To repaint what changed, Textual's compositor (``Compositor._render_chops``) asks every widget
on the screen for its lines and, on every line where anything changed, cuts each widget's
line at the edges of every widget on that line (the chops), keeping the frontmost chop at
each place; then it sends to the terminal only the chops within the changed regions (the
spans). A held Down key scrolls the transcript: each of its rows changed, so each row of the
span list beside it, of its scroll bar and of the screen behind was cut too, and thrown
away. That was a third of the key's CPU time.

:class:`LeanCompositor` gives the same update with less work: it asks for the lines of only
the widgets within the changed regions' bounds, and cuts a widget's line only where a chop
still empty (no widget in front has it) falls within a span. A full repaint (the first paint,
a resize, a screenshot) is Textual's own. It overrides methods of the pinned Textual's
compositor (``textual==8.2.8``: ``render_partial_update`` and ``_get_renders``);
tests/ui/test_keystroke_budget.py checks that the screen it paints is the one Textual paints.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip


class LeanCompositor(Compositor):
    """Textual's compositor, cutting only the chops a partial update sends."""

    def __init__(self) -> None:
        super().__init__()
        self.cut_count = 0  # widgets' lines cut, for the render-budget tests

    def render_partial_update(self) -> ChopsUpdate | None:
        """Textual's ``render_partial_update``, with chops only within the spans."""
        update_regions = self._dirty_regions.copy()
        self._dirty_regions.clear()
        if not update_regions:
            return None
        crop = Region.from_union(list(update_regions)).intersection(self.size.region)
        spans = list(self._regions_to_spans(update_regions))
        chops = self._span_chops(crop, spans)
        chop_ends = [cut_set[1:] for cut_set in self.cuts]
        return ChopsUpdate(chops, spans, chop_ends)

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        """Textual's, for the widgets whose visible part meets ``crop`` (Textual's tests
        each widget's clip, which is the whole screen for a widget on it: every widget)."""
        if crop is None:
            yield from super()._get_renders(crop)
            return
        for widget, (region, clip) in self.visible_widgets.items():
            visible = region.intersection(clip)
            if not visible.overlaps(crop):
                continue
            x, y, width, height = visible
            lines = Region(x - region.x, y - region.y, width, height)
            yield region, clip, widget.render_lines(lines)

    def _span_chops(
        self, crop: Region, spans: list[tuple[int, int, int]]
    ) -> list[dict[int, Strip | None]]:
        """Textual's ``_render_chops`` for a partial update: each line's chops (by the cell
        each starts at), those within ``spans`` (``(y, x1, x2)``) filled, frontmost first."""
        cuts = self.cuts
        on_line: dict[int, list[tuple[int, int]]] = {}
        for y, x1, x2 in spans:
            on_line.setdefault(y, []).append((x1, x2))
        # Each line's chops that a span shows, while some is still empty.
        wanted: dict[int, list[int]] = {
            y: [
                cut
                for cut, end in pairwise(cuts[y])
                if any(x1 < end and cut < x2 for x1, x2 in line_spans)
            ]
            for y, line_spans in on_line.items()
        }
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(line[:-1]) for line in cuts]
        for region, clip, strips in self._get_renders(crop):
            visible = region.intersection(clip)
            render_x = visible.x
            first_cut, last_cut = visible.column_span
            for y, strip in zip(visible.line_range, strips, strict=False):
                empty = wanted.get(y)
                if empty is None:
                    continue
                line = chops[y]
                for cut in empty:
                    if first_cut <= cut < last_cut and line[cut] is None:
                        break
                else:
                    continue  # all it would show is hidden, or not sent
                self.cut_count += 1
                edges = [cut for cut in cuts[y] if first_cut <= cut <= last_cut]
                pieces = strip.divide([cut - render_x for cut in edges[1:]])
                for cut, piece in zip(edges, pieces, strict=False):
                    if line[cut] is None:
                        line[cut] = piece
                if all(line[cut] is not None for cut in empty):
                    del wanted[y]
        return chops
