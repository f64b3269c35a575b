"""A layer's spans by id, built as they are asked for.

A heavily annotated document has 100,000 spans; a :class:`~annotator.model.Span` each would
cost opening it a second of CPU and tens of MB, though a screen shows a few dozen. The
table keeps each span as the row the store read (a tuple) until it is first asked for, then
as the span made from it. Offsets, labels and ids for the span index and the text order
come from the rows directly (:func:`index_entries`, :func:`text_order`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping, Sequence
from typing import Any

from .model import Span

Row = Sequence[Any]  # a spans row in the store's column order: id, ..., label, start, end, ...
ID, LABEL, START, END = 0, 3, 4, 5


class SpanTable(MutableMapping[int, Span]):
    """Spans by id: read as rows, each made a :class:`Span` the first time it is asked for
    (and kept). Setting a span stores the span itself; deleting drops either."""

    __slots__ = ("_items", "_make")

    def __init__(self, rows: Sequence[Row], make: Callable[[Row], Span]) -> None:
        self._items: dict[int, Span | Row] = {row[ID]: row for row in rows}
        self._make = make

    def __getitem__(self, span_id: int) -> Span:
        item = self._items[span_id]
        if not isinstance(item, Span):
            item = self._items[span_id] = self._make(item)
        return item

    def __setitem__(self, span_id: int, span: Span) -> None:
        self._items[span_id] = span

    def __delitem__(self, span_id: int) -> None:
        del self._items[span_id]

    def __contains__(self, span_id: object) -> bool:
        return span_id in self._items

    def __iter__(self) -> Iterator[int]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def made(self) -> int:
        """How many spans were made from their rows so far (for tests)."""
        return sum(isinstance(item, Span) for item in self._items.values())


def index_entries(rows: Sequence[Row]) -> Iterator[tuple[int, int, str, int]]:
    """``(start, end, label, id)`` of each row: what the span index keeps."""
    return ((row[START], row[END], row[LABEL], row[ID]) for row in rows)


def text_order(rows: Sequence[Row]) -> list[tuple[int, int]]:
    """``(start, id)`` of each row, sorted: the layer's text order."""
    return sorted([(row[START], row[ID]) for row in rows])
