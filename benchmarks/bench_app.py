"""Benchmark the annotation app on a parliamentary day: 1,000,000 words, 10,000 spans.

    python benchmarks/bench_app.py [--words 1000000] [--spans 10000] [--presses 200]

Builds a seeded synthetic transcript (``benchmarks/synthetic.py``) in a fresh project with
10,000 spans in the annotator's layer, then runs the real app headless (Textual's
``run_test``, 120x50, animations off) and reports:

- start to first paint: wall time from building the app to the first transcript row
  rendered (the document opened, wrapped and painted);
- CPU time per keystroke (``time.process_time`` around ``pilot.press`` plus ``pilot.pause``,
  so the layout and paint the key causes are included and Pilot's idle sleeps are not) for
  cursor moves, selection extends, tagging and undo: median and p95;
- the keys of issue 16 (Down, Right, Shift+Right, PageDown, each held from the middle of
  the document) against the floor: a trivial app (``appbench.FloorApp``) that updates one
  Static per key, running beside the app in the same process, each key pressed on it just
  before the app (so both see the same load): the ratio of their medians;
- resident memory: the peak RSS of the app's process (the project is built in another).

Targets (issue 3): first paint <= 1 s; per key median <= 5 ms, p95 <= 16 ms; RSS <= 300 MB.
Issue 16: each key against the floor <= 1.5x.
"""

from __future__ import annotations

import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from appbench import FloorApp, interleaved, per_key, probe_first_paint, report, run
from synthetic import generate_transcript

from annotator.app import make_app
from annotator.model import ImportedDocument, SpanDraft
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.store import Project

ANNOTATOR = "bench"
LABELS = ("quote", "deflection", "criticism")
REQUIRED = {"deflection": {"kind": "pivots"}}  # the values the bundled scheme requires


def build_project(path: Path, words: int, spans: int, seed: int = 7) -> None:
    text, turns = generate_transcript(words, seed)
    rng = random.Random(seed)
    drafts = []
    step = len(text) // spans
    for i in range(spans):
        start = i * step + rng.randrange(0, step // 2)
        end = min(start + rng.randrange(5, step // 2), len(text))
        label = LABELS[i % len(LABELS)]
        drafts.append(SpanDraft(label, start, end, REQUIRED.get(label, {})))
    document = ImportedDocument(
        "Synthetic parliamentary day",
        text,
        tuple(turns),
        "text",
        "synthetic.md",
        spans=tuple(drafts),
        annotator=ANNOTATOR,
    )
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        project.add_documents([document])


FLOOR_KEYS = ("down", "right", "shift+right", "pagedown")  # each measured against the floor


async def measure(path: Path, presses: int) -> dict[str, object]:
    results: dict[str, object] = {}
    started, cpu_started = time.perf_counter(), time.process_time()
    painted = probe_first_paint()
    app = make_app(path, annotator=ANNOTATOR, remember=False, config_file=path.with_suffix(".yaml"))
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.pause()
        results["first paint (s)"] = painted[0] - started
        results["first paint CPU (s)"] = painted[1] - cpu_started
        await pilot.press("G")  # the far end of the document: the worst place for lookups
        await pilot.press("g")
        for _ in range(50):
            await pilot.press("right_curly_bracket")
        await pilot.pause()
        moves = ["l", "w", "j", "b", "h", "k", "e", "right"] * (presses // 8)
        results["cursor move (ms)"] = await per_key(pilot, moves)
        extends = ["shift+right", "W", "shift+down", "B"] * (presses // 4)
        results["selection extend (ms)"] = await per_key(pilot, extends)
        await pilot.press("escape")
        tags, undos = [], []
        for _ in range(presses // 4):
            await pilot.press("w", "w", "w")
            tags += await per_key(pilot, ["t"])
            undos += await per_key(pilot, ["u"])
        results["tag (ms)"] = tags
        results["undo (ms)"] = undos
        # The keys of issue 16, each from the middle of the document, held down; each press
        # right after one on the floor app, which runs beside it.
        floor_app = FloorApp()
        async with floor_app.run_test(size=(120, 50)) as floor:
            await floor.pause()
            for key in FLOOR_KEYS:
                await pilot.press("escape", "G", "g")
                for _ in range(300):
                    await pilot.press("right_curly_bracket")
                await pilot.pause()
                costs, floors = await interleaved(pilot, floor, [key] * presses)
                results[f"{key} (ms)"], results[f"{key} floor (ms)"] = costs, floors
        assert floor_app.count == len(FLOOR_KEYS) * presses  # every key reached it
    app.project.close()
    results["peak RSS (MB)"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def main() -> int:
    results = run(__doc__, build_project, measure, presses=200)
    if results is None:
        return 2
    paint = results["first paint (s)"]
    cpu = results["first paint CPU (s)"]
    print(f"start to first paint: {paint:.2f} s, CPU {cpu:.2f} s (target <= 1 s)")
    targets = {
        name: (5, 16)
        for name in ("cursor move (ms)", "selection extend (ms)", "tag (ms)", "undo (ms)")
    }
    ok = report(results, targets) and paint <= 1.0
    print("against the floor (one Static updated per key), each key after one of the floor's:")
    for key in FLOOR_KEYS:
        median = statistics.median(results[f"{key} (ms)"])
        floor = statistics.median(results[f"{key} floor (ms)"])
        ratio = median / floor
        print(
            f"{key:>17}: median {median:5.2f} ms, floor {floor:.2f} ms: {ratio:.2f}x the floor"
            " (target <= 1.5x)"
        )
        ok &= ratio <= 1.5
    rss = results["peak RSS (MB)"]
    print(f"peak RSS: {rss:.0f} MB (target <= 300 MB)")
    ok &= rss <= 300
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
