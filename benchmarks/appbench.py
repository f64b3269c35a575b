"""What the app benchmarks share: building the project in another process, timing the
first paint, CPU time per keystroke, and the report against targets."""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Static

from annotator.widgets.transcript_view import TranscriptView


def run(
    doc: str,
    build: Callable[[Path, int, int], None],
    measure: Callable[[Path, int], Awaitable[dict[str, Any]]],
    presses: int,
    spans_of: str = "",
) -> dict[str, Any] | None:
    """A benchmark's command line: ``--words``, ``--spans``, ``--presses``; builds the project
    in a temporary folder (in another process), then measures it. None if the build failed."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--spans", type=int, default=10_000)
    parser.add_argument("--presses", type=int, default=presses)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        built = build_elsewhere(build, path, args.words, args.spans)
        if built is None:
            return None
        print(
            f"project: {args.words:,} words, {spans_of}{args.spans:,} spans "
            f"(built in {built:.1f} s)"
        )
        return asyncio.run(measure(path, args.presses))


def build_elsewhere(target: Callable[..., None], *args: Any) -> float | None:
    """Run ``target(*args)`` in another process (so the peak RSS measured here is the
    app's alone); the seconds it took, or None if it failed."""
    started = time.perf_counter()
    builder = multiprocessing.get_context("spawn").Process(target=target, args=args)
    builder.start()
    builder.join()
    return time.perf_counter() - started if builder.exitcode == 0 else None


def probe_first_paint() -> list[float]:
    """From now, record when the first transcript row is painted: ``perf_counter`` then
    ``process_time``; the probe then removes itself, so it costs nothing afterwards."""
    painted: list[float] = []
    original = TranscriptView.render_line

    def timed(self: TranscriptView, y: int):
        painted.extend([time.perf_counter(), time.process_time()])
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


class FloorApp(App[None]):
    """The floor of a keystroke: a trivial app whose every key updates one Static (what
    Textual itself costs per key: the event, a refresh, one widget laid out and painted)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def compose(self) -> ComposeResult:
        yield Static("0", id="count")

    def on_key(self) -> None:
        self.count += 1
        self.query_one(Static).update(f"{self.count} keys")


async def interleaved(
    pilot: Pilot, floor: Pilot, keys: list[str]
) -> tuple[list[float], list[float]]:
    """:func:`per_key` of the app and of :class:`FloorApp` (``floor``, running beside it in
    the same process), each key pressed on the floor app and then on the app: both see the
    same load, so their ratio holds on a busy machine (measured apart, seconds from each
    other, the floor alone moved by a fifth from run to run)."""
    app_costs: list[float] = []
    floor_costs: list[float] = []
    for key in keys:
        floor_costs += await per_key(floor, [key])
        app_costs += await per_key(pilot, [key])
    return app_costs, floor_costs


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
