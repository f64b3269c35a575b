"""The review queue's pending figures computed in a process of their own.

:func:`annotator.agreement_kept.compute_review_rows` is pure Python work (spans read, matched,
counted): in a thread of the app's process it holds the GIL most of the time, so the UI
thread waits for it on every event, and its garbage is collected in whichever thread
allocates next, the UI's too. :func:`compute_elsewhere` runs it in a child Python process (on
another core, where there is one: ``python -m annotator.figures_process``, not
``multiprocessing``, which needs a real stderr the app has replaced) and hands each batch the
child reports to ``report`` in the calling thread (the queue's worker thread, which only waits
on the pipe). The child reads its task from stdin and stops when stdin closes; it writes
pickled batches to stdout, then ``None``. Should it fail (it cannot start, or dies), the rows
it did not report are computed here instead.
"""

from __future__ import annotations

import contextlib
import pickle
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from subprocess import Popen

from .agreement_kept import ReviewListing, compute_review_rows
from .review import ReviewRow


def compute_elsewhere(
    path: Path,
    listing: ReviewListing,
    report: Callable[[list[ReviewRow]], None],
    *,
    cancelled: Callable[[], bool] = lambda: False,
    batch_seconds: float = 0.25,
) -> int:
    """:func:`~annotator.agreement_kept.compute_review_rows`, in a child process; returns
    how many rows were reported."""
    import subprocess  # (only when figures are to be computed)

    reported: set[int] = set()
    finished = False
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # (the app's terminal)
        )
    except OSError:
        child = None
    if child is not None:
        assert child.stdin is not None and child.stdout is not None
        try:
            pickle.dump((str(path), listing, batch_seconds), child.stdin)
            child.stdin.flush()
            # Cancelled: stdin closed, the child stops after its current document.
            watch = threading.Thread(target=_close_when, args=(cancelled, child), daemon=True)
            watch.start()
            while True:
                batch = pickle.load(child.stdout)
                if batch is None:
                    finished = True
                    break
                reported.update(row.id for row in batch)
                if not cancelled():
                    report(batch)
        except (OSError, EOFError, pickle.UnpicklingError):
            pass  # it died: the rest is computed here
        finally:
            with contextlib.suppress(OSError):
                child.stdin.close()
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            child.stdout.close()
    if finished or cancelled():
        return len(reported)
    rest = ReviewListing([row for row in listing.rows if row.id not in reported], listing.stamps)
    return len(reported) + compute_review_rows(
        path, rest, report, cancelled=cancelled, batch_seconds=batch_seconds
    )


def _close_when(cancelled: Callable[[], bool], child: Popen[bytes]) -> None:
    import time

    while child.poll() is None:
        if cancelled():
            with contextlib.suppress(OSError):
                child.stdin.close()  # type: ignore[union-attr]
            return
        time.sleep(0.1)


def main() -> None:
    """The child: its task from stdin, its batches to stdout; stops when stdin closes."""
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    path, listing, batch_seconds = pickle.load(source)
    stop = threading.Event()

    def watch() -> None:
        source.read()  # until the parent closes it (cancelled, or gone)
        stop.set()

    threading.Thread(target=watch, daemon=True).start()

    def send(batch: object) -> None:
        pickle.dump(batch, sink)
        sink.flush()

    compute_review_rows(
        Path(path), listing, send, cancelled=stop.is_set, batch_seconds=batch_seconds
    )
    send(None)


if __name__ == "__main__":
    main()
