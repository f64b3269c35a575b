"""Benchmark of the transcript view's text layer on a synthetic 1,000,000-word document.

Run: ``python benchmarks/bench_textindex.py [--words N] [--seed S]``.

Reports WrapIndex build time at widths 120 and 80 (and a resize re-wrap), the retained and
peak memory of one index (tracemalloc), the per-call cost of the row/offset mappings, span
lookups with the boundary sweep, and cursor motions (median and p95 in µs, timer overhead
subtracted). Wall-clock times on an otherwise idle machine; builds take the median of 5 runs.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make "benchmarks" and "annotator" importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from annotator import motions
from annotator.model import Turn
from annotator.textindex import SpanIndex, WrapIndex, segments
from benchmarks.synthetic import generate_transcript

CALLS = 20_000


def _timer_overhead() -> int:
    clock = time.perf_counter_ns
    samples = []
    for _ in range(10_000):
        t0 = clock()
        samples.append(clock() - t0)
    return int(statistics.median(samples))


def per_call(
    fn: Callable[..., object], args: Sequence[tuple], overhead: int
) -> tuple[float, float]:
    """Median and p95 of one call, in µs."""
    clock = time.perf_counter_ns
    costs = []
    for arg in args:
        t0 = clock()
        fn(*arg)
        costs.append(clock() - t0 - overhead)
    costs.sort()
    return costs[len(costs) // 2] / 1000, costs[int(len(costs) * 0.95)] / 1000


def median_seconds(fn: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure_memory(fn: Callable[[], object]) -> tuple[object, int, int]:
    """(result, bytes still allocated by fn afterwards, peak bytes during fn)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    result = fn()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, current - before, peak - before


def random_spans(text_length: int, count: int, rng: random.Random) -> list[tuple]:
    spans = []
    for key in range(count):
        start = rng.randrange(text_length - 500)
        spans.append((start, start + rng.randint(5, 400), f"label{rng.randrange(12)}", key))
    return spans


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20240521)
    options = parser.parse_args(argv)

    t0 = time.perf_counter()
    text, turns = generate_transcript(options.words, options.seed)
    generated = time.perf_counter() - t0
    longest = max(turn.end - turn.start for turn in turns)
    print(
        f"document: {options.words:,} words, {len(text):,} chars, {len(turns):,} turns, "
        f"longest turn {longest:,} chars, non-ASCII: {not text.isascii()} "
        f"(generated in {generated:.2f} s)\n"
    )

    rows: list[tuple[str, str, str]] = []
    overhead = _timer_overhead()
    rng = random.Random(options.seed)

    WrapIndex(text, turns, 120)  # warm the regex and width caches once
    indexes = {}
    for width in (120, 80):
        seconds = median_seconds(lambda w=width: WrapIndex(text, turns, w))
        index, retained, peak = measure_memory(lambda w=width: WrapIndex(text, turns, w))
        indexes[width] = index
        rows.append(
            (
                f"WrapIndex build, width {width}",
                f"{seconds * 1000:.0f} ms",
                f"{index.height:,} rows; {retained / 1e6:.2f} MB kept, {peak / 1e6:.2f} MB peak",
            )
        )
    ascii_text = text.encode("ascii", "replace").decode("ascii")  # same offsets, fast path only
    seconds = median_seconds(lambda: WrapIndex(ascii_text, turns, 120))
    rows.append(("WrapIndex build, width 120, ASCII copy", f"{seconds * 1000:.0f} ms", ""))
    index = indexes[120]
    seconds = median_seconds(lambda: index.with_width(100))
    rows.append(("re-wrap 120 -> 100 (with_width)", f"{seconds * 1000:.0f} ms", ""))

    ys = [(rng.randrange(index.height),) for _ in range(CALLS)]
    offsets = [(rng.randrange(len(text)),) for _ in range(CALLS)]
    text_ys = [index.row_of_offset(o) for (o,) in offsets]
    ranges = [(o, o + rng.randint(1, 2000)) for (o,) in offsets]
    clicks = [(y, rng.randrange(index.width)) for y in text_ys]
    for name, fn, args in (
        ("row(y)", index.row, ys),
        ("row_of_offset(o)", index.row_of_offset, offsets),
        ("rows_for_range(a, b)", index.rows_for_range, ranges),
        ("offset_at(y, x)", index.offset_at, clicks),
        ("cell_x(o)", index.cell_x, offsets),
    ):
        median, p95 = per_call(fn, args, overhead)
        rows.append((name, f"{median:.2f} / {p95:.2f} µs", "median / p95"))

    spans = random_spans(len(text), 60_000, rng)
    seconds = median_seconds(lambda: SpanIndex(turns, spans), runs=3)
    span_index = SpanIndex(turns, spans)
    rows.append(("SpanIndex build, 60,000 spans", f"{seconds * 1000:.0f} ms", ""))
    visible = [index.row(y) for (y,) in ys]
    visible = [(row.start, row.end) for row in visible if row.kind == "text"][:5000]
    median, p95 = per_call(span_index.in_range, visible, overhead)
    rows.append(("in_range(row)", f"{median:.2f} / {p95:.2f} µs", "spans of one row"))
    sweep_args = [
        (a, b, span_index.in_range(a, b), ((a + 3, a + 4, "cursor"),)) for a, b in visible
    ]
    median, p95 = per_call(segments, sweep_args, overhead)
    rows.append(("segments(row) sweep", f"{median:.2f} / {p95:.2f} µs", "incl. a cursor overlay"))

    def add_remove(start: int) -> None:
        span_index.add((start, start + 50, "label0", "bench"))
        span_index.remove("bench")

    median, p95 = per_call(add_remove, offsets[:2000], overhead)
    rows.append(("SpanIndex add + remove", f"{median:.2f} / {p95:.2f} µs", ""))

    for name, fn, args in (
        ("next_word_start", motions.next_word_start, [(text, o) for (o,) in offsets]),
        ("prev_word_start", motions.prev_word_start, [(text, o) for (o,) in offsets]),
        ("next_sentence_start", motions.next_sentence_start, [(text, o) for (o,) in offsets]),
        ("prev_sentence_start", motions.prev_sentence_start, [(text, o) for (o,) in offsets]),
        ("next_turn_start", motions.next_turn_start, [(text, turns, o) for (o,) in offsets]),
        (
            "snap_range(sentence)",
            motions.snap_range,
            [(text, turns, a, b, "sentence") for a, b in ranges[:5000]],
        ),
    ):
        median, p95 = per_call(fn, args, overhead)
        rows.append((name, f"{median:.2f} / {p95:.2f} µs", "median / p95"))

    # Motions look only near the cursor: on one 7.2 MB paragraph they cost about what they
    # cost on a 72 kB one (a scan to the paragraph's ends would be ~100 times slower).
    small, big = motion_cpu_time(1_800), motion_cpu_time(180_000)
    rows.append(
        (
            "motion batch, 72 kB vs 7.2 MB paragraph",
            f"{small * 1000:.1f} / {big * 1000:.1f} ms",
            f"ratio {big / small:.1f} (target < 3)",
        )
    )

    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def motion_cpu_time(repeats: int) -> float:
    """CPU time of a fixed batch of motions in the middle of one paragraph (no newline) of
    ``repeats`` sentences."""
    text = "Mr. Smith said the U.S. budget is fine. " * repeats
    turns = [Turn(0, 0, len(text))]
    middle = len(text) // 2
    calls = [
        lambda p: motions.next_word_start(text, p),
        lambda p: motions.prev_word_start(text, p),
        lambda p: motions.word_end(text, p),
        lambda p: motions.next_sentence_start(text, p),
        lambda p: motions.prev_sentence_start(text, p),
        lambda p: motions.sentence_start(text, p),
        lambda p: motions.unit_at(text, turns, p, "sentence"),
        lambda p: motions.snap_range(text, turns, p, p + 30, "sentence"),
        lambda p: motions.next_turn_start(text, turns, p),
    ]
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        for offset in range(100):
            for call in calls:
                call(middle + offset * 7)
        best = min(best, time.process_time() - t0)
    return best


if __name__ == "__main__":
    main()
