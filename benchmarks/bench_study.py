"""Benchmark a study-sized project: the queues, the list commands and the agreement report.

    python benchmarks/bench_study.py [--documents 2000] [--words 10000] [--annotators 3]
        [--spans 100] [--keep FOLDER] [--only queue,lists,agreement,export,analysis]
        [--formats jsonl,csv,doccano] [--curve]

Builds (``benchmarks/study.py``, seeded; reused from ``--keep`` if built there before) a
project of ``--documents`` interviews x ``--words`` words x ``--annotators`` annotators x
``--spans`` spans each, every layer done, and measures, each against its target (issue 16):

- the review queue (``annotator review``) and the document queue: start to the table's first
  paint (<= 1 s, on a project whose figures were never kept: the worker fills them in
  meanwhile), and the main thread's CPU per key (Down, PageDown: <= 16 ms) while it does;
- ``annotator documents``, ``status`` and ``speakers``: first line printed (<= 0.5 s) and
  finished (<= 2 s), as commands (a fresh process each);
- ``annotator agreement``: the whole report cold (<= 5 s) and after a few documents changed
  (<= 1 s);
- ``annotator export`` (``--formats``, default jsonl, csv, doccano): CPU time against the
  floor's (``floor_export.py``; <= 1.5x);
- ``annotator report``, ``questions propose`` and ``questions list`` (``analysis``): wall and
  CPU time and peak RSS, without a target.

Each line prints the figure, its target and the ratio figure / target (<= 1 meets it).
``--curve`` runs the commands on 10 / 100 / 1,000 / 10,000 documents (1,000 words) and
3 / 10 / 30 annotators (100 documents) for the README's cost curve.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from appbench import build_elsewhere, p95
from study import annotator_names, build_study

RESULTS: list[tuple[str, float, float, str]] = []  # (measure, figure, target, unit)


def record(name: str, figure: float, target: float, unit: str = "s") -> None:
    RESULTS.append((name, figure, target, unit))
    verdict = "ok" if figure <= target else "MISSED"
    print(
        f"{name:<52} {figure:8.3f} {unit:<2} target <= {target:g} {unit:<2} "
        f"ratio {figure / target:5.2f} {verdict}",
        flush=True,
    )


def project_for(args: argparse.Namespace, documents: int, words: int, annotators: int) -> Path:
    name = f"study_{documents}x{words}x{annotators}x{args.spans}_s{args.seed}.annotator"
    path = Path(args.keep) / name
    if not path.exists():
        built = build_elsewhere(
            build_study, path, documents, words, annotators, args.spans, args.seed
        )
        if built is None:
            raise SystemExit("building the project failed")
        print(f"built {path.name} in {built:.1f} s", flush=True)
    return path


def fresh_copy(path: Path, folder: Path) -> Path:
    """A copy as built (no figures kept yet), upgraded to this version's schema if it was
    built by an older one (outside the timings): the bench measures cold starts on it."""
    from annotator.store import Project

    copy = folder / path.name
    remove(copy)
    shutil.copyfile(path, copy)
    Project.open(copy).close()
    return copy


def remove(path: Path) -> None:
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        (path.parent / name).unlink(missing_ok=True)


# ---- the queues ------------------------------------------------------------------------------


async def measure_queue(path: Path, review: bool, presses: int = 40) -> dict[str, Any]:
    from annotator.app import make_app
    from annotator.screens.queue import QueueScreen
    from annotator.widgets.queue_table import QueueTable

    painted: list[float] = []
    original = QueueTable.render_line

    def timed(self: QueueTable, y: int):  # type: ignore[no-untyped-def]
        if self.row_count:
            painted.append(time.perf_counter())
            QueueTable.render_line = original  # type: ignore[method-assign]
        return original(self, y)

    QueueTable.render_line = timed  # type: ignore[method-assign]
    started = time.perf_counter()
    app = make_app(
        path,
        annotator="reviewer" if review else "a01",
        review=review,
        remember=False,
        config_file=path.with_suffix(".yaml"),
    )
    results: dict[str, Any] = {}
    async with app.run_test(size=(140, 50)) as pilot:
        if not review:  # the annotation screen opens first: time the queue from its key
            await pilot.pause()
            painted.clear()
            QueueTable.render_line = timed  # type: ignore[method-assign]
            started = time.perf_counter()
            app.open_queue()  # type: ignore[attr-defined]
        while not painted and time.perf_counter() - started < 120:
            await pilot.pause(0.01)
        results["paint"] = painted[0] - started if painted else float("inf")
        screen = app.screen
        assert isinstance(screen, QueueScreen), screen
        costs = []
        for key in ["down"] * presses + ["pagedown", "pageup"] * (presses // 4):
            before = time.thread_time()  # the UI thread's CPU, not the worker's
            await pilot.press(key)
            await pilot.pause()
            costs.append((time.thread_time() - before) * 1000)
        results["keys"] = costs
        results["pending"] = sum(
            getattr(r, "pending", False) for r in getattr(screen, "reviews", [])
        )
        waited = time.perf_counter()
        while getattr(screen, "reviews", None) and any(r.pending for r in screen.reviews):
            await pilot.pause(0.1)
        results["filled"] = time.perf_counter() - started
        results["fill wait"] = time.perf_counter() - waited
    return results


def bench_queues(path: Path, folder: Path) -> None:
    for review, name in ((True, "review queue"), (False, "document queue")):
        copy = fresh_copy(path, folder)
        found = asyncio.run(measure_queue(copy, review))
        record(f"{name}: first paint (no kept figures)", found["paint"], 1.0)
        keys = found["keys"]
        record(f"{name}: CPU per key, median (while filling in)", statistics.median(keys), 16, "ms")
        record(f"{name}: CPU per key, p95", p95(keys), 16, "ms")
        if review:
            print(f"    all figures in after {found['filled']:.1f} s (worker)")
            again = asyncio.run(measure_queue(copy, review))
            record(f"{name}: first paint (figures kept)", again["paint"], 1.0)
        remove(copy)


# ---- the commands ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """An ``annotator`` command's run."""

    first: float  # seconds to its first line of output
    total: float  # seconds to its end
    cpu: float  # user and system seconds, with the worker processes it waited for
    # Peak resident MB: at least this benchmark's own, as Linux carries the high-water
    # mark across fork and exec (a command smaller than this process shows its size).
    rss: float


def run_command(path: Path, *arguments: str) -> Run:
    """Run an ``annotator`` command on ``path``; its times from its own resource usage."""
    env = {**os.environ, "COLUMNS": "140", "PYTHONPATH": os.pathsep.join(sys.path)}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "annotator", "--db", str(path), *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert process.stdout is not None
    first = None
    for _line in process.stdout:
        if first is None:
            first = time.perf_counter() - started
    process.stdout.close()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    total = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"annotator {' '.join(arguments)} failed ({process.returncode})")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(first if first is not None else total, total, cpu, usage.ru_maxrss / 1024)


def bench_lists(path: Path, folder: Path) -> None:
    copy = fresh_copy(path, folder)
    for command in ("documents", "status", "speakers"):
        run = run_command(copy, command)
        record(f"annotator {command}: first line", run.first, 0.5)
        record(f"annotator {command}: finished", run.total, 2.0)
    remove(copy)


def touch_documents(path: Path, count: int) -> None:
    """Change a span in ``count`` documents (reopening them for a01, then done again)."""
    from annotator.store import Project

    with Project.open(path) as project:
        for document_id in range(1, count + 1):
            project.reopen(document_id, "a01")
            span = project.spans(document_id, annotator="a01")[0]
            project.update_span(span.id, "a01", end=span.end + 1 if span.end < 30 else span.end - 1)
            project.set_status(document_id, "a01", "done")


def bench_agreement(path: Path, folder: Path) -> None:
    """The report cold, again and after 5 documents changed; each with its CPU time (the
    command's and its worker processes': the wall time depends on the machine's load)."""
    copy = fresh_copy(path, folder)

    def timed(name: str, target: float) -> None:
        run = run_command(copy, "agreement", "--format", "json")
        record(name, run.total, target)
        print(f"    CPU {run.cpu:.2f} s (user and system, with the worker processes)", flush=True)

    timed("annotator agreement: whole report, cold", 5.0)
    timed("annotator agreement: again, nothing changed", 1.0)
    touch_documents(copy, 5)
    timed("annotator agreement: after 5 documents changed", 1.0)
    remove(copy)


# ---- analysis: the report, proposing questions -----------------------------------------------


def bench_analysis(path: Path, folder: Path) -> None:
    """``annotator report`` and ``questions propose`` (no targets: measured for the README)."""
    copy = fresh_copy(path, folder)
    for name, arguments in (
        ("annotator report", ("report",)),
        ("annotator questions propose", ("questions", "propose", "--as", "bench")),
        ("annotator questions list", ("questions", "list")),
    ):
        run = run_command(copy, *arguments)
        print(
            f"{name:<52} {run.total:8.2f} s wall, {run.cpu:.2f} s CPU, peak RSS {run.rss:.0f} MB",
            flush=True,
        )
    remove(copy)


# ---- exports against their floors ------------------------------------------------------------


def bench_exports(path: Path, folder: Path, formats: list[str]) -> None:
    """Each format's CPU against its floor's (``floor_export.py``: the same rows read with
    one SQL query, the same bytes written), on a copy of the project."""
    from bench_export import TARGET_RATIO, compare

    copy = fresh_copy(path, folder)
    scratch = folder / "exports"
    scratch.mkdir(exist_ok=True)
    for fmt in formats:
        found = compare(copy, fmt, 1, scratch)
        if not found.same:
            print(f"    {fmt}: the export and its floor wrote different bytes")
        print(
            f"    {fmt}: export {found.export:.1f} s CPU, {found.rss_export:.0f} MB; floor "
            f"{found.floor:.1f} s, {found.rss_floor:.0f} MB",
            flush=True,
        )
        record(f"annotator export {fmt}: CPU / the floor's", found.ratio, TARGET_RATIO, "x")
    remove(copy)


# ---- the cost curve --------------------------------------------------------------------------


def curve(args: argparse.Namespace, folder: Path) -> None:
    print("\ncost curve (seconds; 1,000 words a document, 100 spans an annotator)")
    print(f"{'documents':>9} {'annotators':>10} {'documents':>10} {'status':>8} {'speakers':>9}"
          f" {'agreement':>10} {'again':>7} {'review queue':>13}")  # fmt: skip
    sizes = [(n, 3) for n in (10, 100, 1000, 10_000)] + [(100, 10), (100, 30)]
    for documents, annotators in sizes:
        path = project_for(args, documents, 1000, annotators)
        copy = fresh_copy(path, folder)
        commands = [(command,) for command in ("documents", "status", "speakers")]
        commands += [("agreement", "--format", "json")] * 2  # cold, then again
        figures = [run_command(copy, *command).total for command in commands]
        figures.append(asyncio.run(measure_queue(copy, True, presses=4))["filled"])
        remove(copy)
        cells = " ".join(
            f"{value:>{w}.2f}" for value, w in zip(figures, (10, 8, 9, 10, 7, 13), strict=True)
        )
        print(f"{documents:>9,} {annotators:>10} {cells}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--words", type=int, default=10_000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--spans", type=int, default=100)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", help="a folder to keep (and reuse) the built projects in")
    parser.add_argument("--only", default="queue,lists,agreement,export,analysis")
    parser.add_argument(
        "--formats", default="jsonl,csv,doccano", help="the exports timed (--only export)"
    )
    parser.add_argument("--curve", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        if args.keep is None:
            args.keep = str(folder)
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        path = project_for(args, args.documents, args.words, args.annotators)
        names = annotator_names(args.annotators)
        print(
            f"project: {args.documents:,} documents x {args.words:,} words x {len(names)} "
            f"annotators x {args.spans} spans",
            flush=True,
        )
        only = set(args.only.split(","))
        if "queue" in only:
            bench_queues(path, folder)
        if "lists" in only:
            bench_lists(path, folder)
        if "agreement" in only:
            bench_agreement(path, folder)
        if "export" in only:
            bench_exports(path, folder, args.formats.split(","))
        if "analysis" in only:
            bench_analysis(path, folder)
        if args.curve:
            curve(args, folder)
    missed = [name for name, figure, target, _ in RESULTS if figure > target]
    print("all targets met" if not missed else f"missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
