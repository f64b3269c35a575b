"""Bulk work on many small objects: a review reads, compares and writes hundreds of
thousands of spans at once.

Plain Python. While such a batch builds its objects, Python's cyclic garbage collector would
scan the whole growing heap again and again (in a review of 3 x 100,000 spans, 40% of the CPU
time); the objects it builds (spans, their states, tuples) hold no reference cycles, so
nothing is lost by collecting after the batch instead.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for a batch (reference counting still frees
    everything else at once); as it was afterwards, even when the batch fails."""
    if not gc.isenabled():  # paused already (an outer batch, or the caller's choice)
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
