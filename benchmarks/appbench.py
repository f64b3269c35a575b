"""What the app benchmarks share: building the project in another process, timing the
first paint, CPU time per keystroke, and the report against targets."""

from __future__ import annotations

import multiprocessing
import statistics
import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from annotator.widgets.transcript_view import TranscriptView


def build_elsewhere(target: Callable[..., None], *args: Any) -> float | None:
    """Run ``target(*args)`` in another process (so the peak RSS measured here is the
    app's alone); the seconds it took, or None if it failed."""
    started = time.perf_counter()
    builder = multiprocessing.get_context("spawn").Process(target=target, args=args)
    builder.start()
    builder.join()
    return time.perf_counter() - started if builder.exitcode == 0 else None


def probe_first_paint() -> list[float]:
    """From now, record (``perf_counter``) when the first transcript row is painted; the
    probe then removes itself, so it costs nothing afterwards."""
    painted: list[float] = []
    original = TranscriptView.render_line

    def timed(self: TranscriptView, y: int):
        painted.append(time.perf_counter())
        TranscriptView.render_line = original  # type: ignore[method-assign]
        return original(self, y)

    TranscriptView.render_line = timed  # type: ignore[method-assign]
    return painted


async def per_key(pilot: Pilot, keys: list[str]) -> list[float]:
    """CPU milliseconds of each key press and the repaint it causes (Pilot's idle sleeps
    are not CPU time)."""
    costs = []
    for key in keys:
        before = time.process_time()
        await pilot.press(key)
        await pilot.pause()
        costs.append((time.process_time() - before) * 1000)
    return costs


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(results: dict[str, Any], targets: dict[str, tuple[float, float]]) -> bool:
    """Print median and p95 of each per-key measure against its targets; whether all met."""
    ok = True
    for name, (most, worst) in targets.items():
        costs = results[name]
        median, high = statistics.median(costs), p95(costs)
        print(
            f"{name[:-5]:>17}: median {median:5.2f} ms, p95 {high:5.2f} ms, n={len(costs)}"
            f" (targets {most:g} / {worst:g} ms)"
        )
        ok &= median <= most and high <= worst
    return ok
