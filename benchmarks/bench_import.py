"""Time importing the largest real transcript (16 briefings, ~133k words).

Run from anywhere: ``python benchmarks/bench_import.py [runs]``. The file is read from
``../shared/data/real`` next to the repository and is never copied into it. Each run is a
full ``read_transcript`` call (read, decode, detect, parse, build documents), measured in
CPU time. Target: at most 1 s per import.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from annotator.io import read_transcript

REPO = Path(__file__).resolve().parents[1]
TARGET = (
    REPO.parent / "shared" / "data" / "real" / "wh_press_briefings_2023-04_all16_concatenated.md"
)
BUDGET_SECONDS = 1.0


def main(runs: int = 20) -> int:
    if not TARGET.is_file():
        print(f"benchmark input not found: {TARGET}", file=sys.stderr)
        return 2
    read_transcript(TARGET)  # warm-up: imports, regex compilation, file cache
    timings: list[float] = []
    for _ in range(runs):
        started = time.process_time()
        docs = read_transcript(TARGET)
        timings.append(time.process_time() - started)
    timings.sort()
    median = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    turns = sum(len(doc.turns) for doc in docs)
    words = sum(doc.words for doc in docs)
    print(f"{TARGET.name}: {len(docs)} documents, {turns} turns, {words} words")
    print(f"{runs} runs, CPU time per import: median {median:.3f} s, p95 {p95:.3f} s")
    print(f"budget {BUDGET_SECONDS:.1f} s: {'OK' if p95 <= BUDGET_SECONDS else 'OVER'}")
    return 0 if p95 <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
