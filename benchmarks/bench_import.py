"""Time importing the largest real transcript (16 briefings, ~133k words).

Run from anywhere: ``python benchmarks/bench_import.py [runs]``. The file is read from
``../shared/data/real`` next to the repository and is never copied into it. Two figures, in
CPU time: a ``read_transcript`` call (read, decode, detect, parse, build documents), and a
whole import as ``annotator import`` does it (parse, then store every document, turn and
metadata in a fresh project database, committed). Target: at most 1 s per import.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from annotator.io import read_transcript
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.store import Project

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
    turns = sum(len(doc.turns) for doc in docs)
    words = sum(doc.words for doc in docs)
    print(f"{TARGET.name}: {len(docs)} documents, {turns} turns, {words} words")
    print(f"{runs} runs, CPU time to parse: {_summary(timings)}")

    scheme = load_scheme_file(default_scheme_path())
    stored: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs):
            started = time.process_time()
            with Project.create(Path(folder) / f"{run}.db", scheme) as project:
                project.add_documents(read_transcript(TARGET))
            stored.append(time.process_time() - started)
    print(f"{runs} runs, CPU time to import into a new project: {_summary(stored)}")
    worst = max(_p95(timings), _p95(stored))
    print(f"budget {BUDGET_SECONDS:.1f} s: {'OK' if worst <= BUDGET_SECONDS else 'OVER'}")
    return 0 if worst <= BUDGET_SECONDS else 1


def _p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _summary(timings: list[float]) -> str:
    return f"median {statistics.median(timings):.3f} s, p95 {_p95(timings):.3f} s"


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
