"""Time imports against their floor (``benchmarks/floor_import.py``), and the largest real
transcript against its budget.

Run from anywhere::

    python benchmarks/bench_import.py [--cases files,big,prodigy] [--runs N] [--real RUNS]

Three seeded cases (issue 16), each written to a temporary folder first:

- ``files``: 1,000 text transcripts of ~1,000 words (``SPEAKER: text`` paragraphs, from
  :func:`synthetic.generate_transcript`);
- ``big``: one text transcript of 50 MB;
- ``prodigy``: a Prodigy JSONL of 2,000 tasks with 500 spans each (1,000,000 spans), no two
  spans of one task overlapping (an import would merge them; the floor would not).

Each case is imported into a new project by ``annotator import`` and by the floor script (read,
NFC-normalise and insert the same rows with one ``executemany`` per table), each in a child
process; the rows each wrote are counted and must agree. Reported: the CPU time of each child
(user + system, from its own ``rusage``), their ratio against the target of 2 (issue 16) and
each child's maximum resident set size; with ``--runs N``, each child runs N times, import
and floor alternated, and the least CPU time of each is reported. The children run with this
checkout's modules compiled beforehand (into the temporary folder), as an installed annotator
has them; ``--compile-each-time`` leaves that to each child when the environment forbids
writing bytecode.

``--real RUNS`` also times ``read_transcript`` and a whole import of the largest real
transcript (16 briefings, ~133k words, read from ``../shared/data/real`` next to the
repository and never copied into it): at most 1 s of CPU each.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # this checkout, as the children

from synthetic import generate_transcript

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TARGET = (
    REPO.parent / "shared" / "data" / "real" / "wh_press_briefings_2023-04_all16_concatenated.md"
)
BUDGET_SECONDS = 1.0
TARGET_RATIO = 2.0
CASES = ("files", "big", "prodigy")
LABELS = ("quote", "criticism")  # no required attributes (the floor writes none)
TABLES = ("documents", "turns", "spans", "edits", "span_changes")


def transcript(words: int, seed: int) -> str:
    """A text transcript: each turn a ``SPEAKER: text`` paragraph (labels in capitals, which
    the text importer and the floor both read as speakers)."""
    text, turns = generate_transcript(words, seed)
    return "\n\n".join(f"{str(t.speaker).upper()}: {text[t.start : t.end]}" for t in turns) + "\n"


def make_files(folder: Path) -> list[Path]:
    folder.mkdir()
    for number in range(1_000):
        (folder / f"t{number:04d}.txt").write_text(transcript(1_000, 100 + number), "utf-8")
    return [folder]


def make_big(folder: Path) -> list[Path]:
    folder.mkdir()
    path = folder / "big.txt"
    path.write_text(transcript(7_300_000, 7), "utf-8")  # ~50 MB
    return [path]


def make_prodigy(folder: Path, tasks: int = 2_000, spans: int = 500) -> list[Path]:
    folder.mkdir()
    rng = random.Random(16)
    path = folder / "spans.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for number in range(tasks):
            text, _ = generate_transcript(2_000, 1_000 + number)
            # Cut points: spans [a, b) between consecutive ones never overlap.
            cuts = sorted(rng.sample(range(1, len(text)), 2 * spans))
            items = [
                {"start": a, "end": b, "label": rng.choice(LABELS)}
                for a, b in zip(cuts[::2], cuts[1::2], strict=True)
            ]
            task = {"text": text, "spans": items, "meta": {"annotator": "model"}}
            task.update(answer="accept", _view_id="spans_manual")
            out.write(json.dumps(task, ensure_ascii=False) + "\n")
    return [path]


MAKERS = {"files": make_files, "big": make_big, "prodigy": make_prodigy}


# The children's compiled bytecode, kept in the scratch folder (set by main): an installed
# annotator has its modules compiled, so compiling them again in every child (as happens
# with PYTHONDONTWRITEBYTECODE set, or a read-only checkout) is not part of an import's cost.
BYTECODE: dict[str, str] = {}


def environment() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), **BYTECODE}
    if BYTECODE:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def compile_modules(folder: Path) -> None:
    """Compile this checkout's modules (and the floor) into ``folder`` for the children, and
    what they import from elsewhere (click, rich, yaml: a prefix hides their own caches) by
    importing a small file once."""
    BYTECODE["PYTHONPYCACHEPREFIX"] = str(folder / "cache")
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "annotator"), str(HERE)],
        env=environment(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (folder / "warm.txt").write_text(transcript(100, 1), "utf-8")
    for args in (["init"], ["import", str(folder / "warm.txt")]):
        run(["-m", "annotator", "--db", str(folder / "warm.db"), *args])


def run(args: list[str]) -> tuple[float, float]:
    """Run ``python ARGS`` in a child; its CPU time (user + system) and max RSS in MB."""
    env = environment()
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, *args], stdout=subprocess.DEVNULL, stderr=err, env=env
        )
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status):
            err.seek(0)
            raise SystemExit(f"{' '.join(args[:4])} failed:\n{err.read().decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def bench(case: str, scratch: Path, runs: int = 1) -> float:
    inputs = MAKERS[case](scratch / case)
    size = sum(p.stat().st_size for i in inputs for p in ([i] if i.is_file() else i.iterdir()))
    cli = ["-m", "annotator", "--db"]
    measured: dict[str, list[tuple[float, float]]] = {"import": [], "floor": []}
    databases = {}
    for _ in range(runs):  # alternated, so that both meet the same load
        for who in ("import", "floor"):
            db = scratch / f"{case}-{who}.db"
            run([*cli, str(db), "init"])
            if who == "import":
                measured[who].append(run([*cli, str(db), "import", *map(str, inputs)]))
            else:
                floor = [str(HERE / "floor_import.py"), str(db), *map(str, inputs)]
                measured[who].append(run(floor))
            databases[who] = counts(db)
            db.unlink()
    same = databases["import"] == databases["floor"]
    # The least CPU time of each: what other processes on the machine added least to.
    (cpu, rss), (floor_cpu, floor_rss) = min(measured["import"]), min(measured["floor"])
    ratio = cpu / floor_cpu
    rows = ", ".join(f"{n} {t}" for t, n in databases["import"].items())
    print(
        f"{case:8} {size / 1e6:5.0f} MB: import {cpu:6.2f} s {rss:5.0f} MB  floor "
        f"{floor_cpu:6.2f} s {floor_rss:5.0f} MB  ratio {ratio:4.2f} "
        f"{'OK' if ratio <= TARGET_RATIO else 'OVER'}  ({rows}"
        f"{'' if same else '; THE FLOOR WROTE ' + str(databases['floor'])})",
        flush=True,
    )
    return ratio if same else float("inf")


def real(runs: int) -> bool:
    """The largest real transcript: parse, and a whole import, within the budget."""
    from annotator.io import read_transcript
    from annotator.resources import default_scheme_path
    from annotator.scheme import load_scheme_file
    from annotator.store import Project

    if not TARGET.is_file():
        print(f"benchmark input not found: {TARGET}", file=sys.stderr)
        return True
    read_transcript(TARGET)  # warm-up: imports, regex compilation, file cache
    timings: list[float] = []
    for _ in range(runs):
        started = time.process_time()
        docs = read_transcript(TARGET)
        timings.append(time.process_time() - started)
    print(f"{TARGET.name}: {len(docs)} documents, {sum(len(d.turns) for d in docs)} turns")
    print(f"{runs} runs, CPU time to parse: {_summary(timings)}")
    scheme = load_scheme_file(default_scheme_path())
    stored: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for number in range(runs):
            started = time.process_time()
            with Project.create(Path(folder) / f"{number}.db", scheme) as project:
                project.add_documents(read_transcript(TARGET))
            stored.append(time.process_time() - started)
    print(f"{runs} runs, CPU time to import into a new project: {_summary(stored)}")
    worst = max(_p95(timings), _p95(stored))
    print(f"budget {BUDGET_SECONDS:.1f} s: {'OK' if worst <= BUDGET_SECONDS else 'OVER'}")
    return worst <= BUDGET_SECONDS


def _p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _summary(timings: list[float]) -> str:
    return f"median {statistics.median(timings):.3f} s, p95 {_p95(timings):.3f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--real", type=int, default=0, metavar="RUNS")
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="run each case's import and floor this many times, alternated, and report the "
        "least CPU time of each (on a shared machine one run varies by a third)",
    )
    parser.add_argument(
        "--compile-each-time",
        action="store_true",
        help="no bytecode cache for the children: each compiles the modules it imports "
        "(when PYTHONDONTWRITEBYTECODE is set; the measure before 2026-12-01)",
    )
    args = parser.parse_args()
    ok = real(args.real) if args.real else True
    worst = 0.0
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as folder:
        if not args.compile_each_time:
            (Path(folder) / "bytecode").mkdir()
            compile_modules(Path(folder) / "bytecode")
        for case in filter(None, args.cases.split(",")):
            worst = max(worst, bench(case, Path(folder), args.runs))
    print(f"worst ratio {worst:.2f}: {'OK' if worst <= TARGET_RATIO else 'OVER'} (target 2)")
    return 0 if ok and worst <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
