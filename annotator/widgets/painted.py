"""Lines Textual has painted: given again as they are when nothing changed, and kept by what
they show, to be put back when they show it again.

At every repaint of the screen (every key) Textual asks every widget on it for all its lines,
changed or not, and takes each through its styles cache and line filters: some milliseconds
a key on a screen of a few tall widgets. A widget with a :class:`SameLines` gives the very
lines it gave last time when none of its lines was to be painted again and nothing they
are drawn with changed (its size, its background, the app's line filters).

Textual keeps a widget's painted lines by their place on the widget (its styles cache: the
line as drawn with the widget's background, padding and so on). When a scroll or a thumb that
moves makes a place show something else, the line is painted anew, as a new ``Strip``; and a
new strip has nothing in the caches Textual keeps on each strip for the compositor's later
steps (the line filters, the division into the screen's cuts), so those are done again too.
That is most of a page key's cost in a queue of 2,000 rows. A widget that knows what each of
its lines shows (:class:`PaintedLines`) puts back the very strip painted before for the same
thing, and all of those steps are cache hits.

It reads Textual's styles cache (``Widget._styles_cache``: ``_cache``, line -> strip, and
``_dirty_lines``) of the pinned Textual; without them it paints as Textual does.
tests/ui/test_queue_budget.py checks that the lines put back are what a fresh paint gives.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import cached_property
from typing import Any, cast

from textual.cache import LRUCache
from textual.geometry import Region
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.widget import Widget


def painted_lines(widget: Widget) -> tuple[dict[int, Strip], set[int]] | None:
    """Textual's painted lines of ``widget`` (by line) and the lines it must paint again; None
    if this Textual keeps them otherwise."""
    cache = widget._styles_cache
    painted = getattr(cache, "_cache", None)
    dirty = getattr(cache, "_dirty_lines", None)
    if not isinstance(painted, dict) or not isinstance(dirty, set):
        return None
    return painted, dirty


class PaintedLines:
    """A widget's painted lines by what they show (a key per line, given by the widget)."""

    def __init__(self, size: int = 512) -> None:
        self._strips: LRUCache[Hashable, Strip] = LRUCache(size)
        self._width = -1  # the widget's width they were painted at
        self.reused = 0  # lines put back instead of painted, for the render-budget tests

    def clear(self) -> None:
        """Forget them all (the widget's styles, or what its lines show, changed)."""
        self._strips.clear()

    def discard(self, key: Hashable) -> None:
        self._strips.discard(key)

    def render_lines(
        self, widget: Widget, crop: Region, key: Callable[[int], Hashable | None]
    ) -> list[Strip]:
        """``widget``'s lines in ``crop``, as ``Widget.render_lines`` gives them: a line to
        paint again whose key (``key(y)``; None: nothing to keep) was painted before is put
        back instead."""
        lines = painted_lines(widget)
        if lines is None:
            return Widget.render_lines(widget, crop)
        painted, dirty = lines
        if widget.region.width != self._width:  # (Textual's cache starts again too)
            self._strips.clear()
            self._width = widget.region.width
        keys = [(y, key(y)) for y in crop.line_range]
        for y, line_key in keys:
            if line_key is not None and (y in dirty or y not in painted):
                strip = self._strips.get(line_key)
                if strip is not None:
                    painted[y] = strip
                    dirty.discard(y)
                    self.reused += 1
        strips = Widget.render_lines(widget, crop)
        for y, line_key in keys:
            strip = painted.get(y)
            if line_key is not None and strip is not None:
                self._strips[line_key] = strip
        return strips


class SameLines:
    """A widget's lines as it last gave them to the screen, given again while unchanged."""

    def __init__(self) -> None:
        self._made_from: tuple[Any, ...] | None = None
        self._painted: list[Strip] = []
        self._lines: list[Strip] = []
        self.same = 0  # times the lines were given again, for the render-budget tests
        self.fresh = 0  # times they were painted anew, the same

    def render_lines(
        self, widget: Widget, crop: Region, render: Callable[[Region], list[Strip]]
    ) -> list[Strip]:
        """``render(crop)`` (the widget's ``render_lines``), or what it gave last time if
        Textual has no line of ``widget`` to paint again and the lines are drawn with the
        same size, background and filters as then."""
        lines = painted_lines(widget)
        if lines is None:
            return render(crop)
        painted, dirty = lines
        made_from = (
            crop,
            widget.region.size,
            widget.background_colors,
            tuple(widget.get_line_filters()),
        )
        # (The strips Textual holds compared by identity first: the same objects, at once.)
        if not dirty and made_from == self._made_from and list(painted.values()) == self._painted:
            self.same += 1
            return self._lines
        self.fresh += 1
        self._lines = render(crop)
        self._made_from = made_from
        self._painted = list(painted.values())
        return self._lines


class GivesSameLines:
    """A widget's mixin (listed before its Textual base class): :meth:`render_lines` gives
    the lines of last time while none of them changed (:class:`SameLines`). A widget that
    paints its lines its own way overrides :meth:`fresh_lines`."""

    @cached_property
    def _same(self) -> SameLines:
        return SameLines()

    def render_lines(self, crop: Region) -> list[Strip]:
        return self._same.render_lines(cast(Widget, self), crop, self.fresh_lines)

    def fresh_lines(self, crop: Region) -> list[Strip]:
        """The lines in ``crop`` painted anew (as Textual paints them, by default)."""
        return super().render_lines(crop)  # type: ignore[misc,no-any-return]


def own_vertical_scrollbar(widget: Widget, kind: type[ScrollBar]) -> ScrollBar:
    """Textual's ``vertical_scrollbar`` property with a scroll bar of ``kind`` (one that paints
    less than Textual's): made and started as Textual makes its own, hidden until needed."""
    if widget._vertical_scrollbar is None:
        bar = kind(thickness=widget.scrollbar_size_vertical)
        bar.display = False
        widget._vertical_scrollbar = bar
        widget.app._start_widget(widget, bar)
    return widget._vertical_scrollbar
