"""Lines Textual has painted, kept by what they show and put back when they show it again.

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

from textual.cache import LRUCache
from textual.geometry import Region
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
