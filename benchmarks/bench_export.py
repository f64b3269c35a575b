"""Time every export format against its floor (``benchmarks/floor_export.py``).

Run from anywhere::

    python benchmarks/bench_export.py [--formats jsonl,csv,...] [--runs N] [PROJECT...]

Builds a seeded project in a temporary folder (1,000 synthetic transcripts of ~1,000 words
from :func:`synthetic.generate_transcript`, two annotators with 50 spans each per document,
attributes on every span, overlaps and nesting included), and takes a copy of each
``PROJECT`` given (the 2,000-interview study, say; the copy is what is opened, so the
original is never written). For each project and format it runs, each in a child process,
``annotator.export.export`` with the format's defaults and the floor script, which reads the
same rows with one SQL query and writes the same bytes; it checks that the bytes are the
same and reports the CPU time of each (``time.process_time`` around the work, best of the
runs), their ratio against the target of 1.5 (issue 16), and each child's maximum resident
set size. Also, as before: at most 2 s of CPU for ``jsonl`` and ``csv`` on the built project
(issue 4).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# This checkout's annotator, as the children use (PYTHONPATH): one version makes and reads.
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from synthetic import generate_transcript

from annotator.model import ImportedDocument, SpanDraft
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.store import Project

HERE = Path(__file__).resolve().parent
DOCUMENTS = 1_000
SPANS_PER_LAYER = 50
ANNOTATORS = ("alice", "bob")
BUDGET_SECONDS = 2.0
TARGET_RATIO = 1.5
FORMATS = ("jsonl", "csv", "doccano", "conll", "prodigy", "spacy")
_ATTRIBUTES = {
    "quote": {"form": "direct", "source": "the senator"},
    "deflection": {"kind": "pivots"},
    "commitment": {"specificity": "vague", "conditional": False},
    "criticism": {"target": "the opposition", "basis": "record"},
}

# The child that exports: CPU time of the export call alone on its last line.
_EXPORT = """
import sys, time
from pathlib import Path
from annotator.export import export
from annotator.store import Project
with Project.open(sys.argv[1]) as project:
    started = time.process_time()
    export(project, sys.argv[2], Path(sys.argv[3]), force=True)
    print(time.process_time() - started)
"""


def build(path: Path, seed: int = 4) -> int:
    """A project of DOCUMENTS documents with 2 × SPANS_PER_LAYER spans each; returns spans."""
    rng = random.Random(seed)
    scheme = load_scheme_file(default_scheme_path())
    labels = [label.id for label in scheme.labels]
    total = 0
    with Project.create(path, scheme) as project:
        batch: list[ImportedDocument] = []
        for number in range(DOCUMENTS):
            text, turns = generate_transcript(1_000, seed + number)
            for annotator in ANNOTATORS:
                spans: dict[tuple[str, int, int], SpanDraft] = {}
                while len(spans) < SPANS_PER_LAYER:
                    label = rng.choice(labels)
                    start = rng.randrange(len(text) - 1)
                    end = min(len(text), start + rng.randint(1, 300))
                    if any(k[0] == label and k[1] < end and start < k[2] for k in spans):
                        continue  # one label never overlaps itself in a layer (it would merge)
                    spans[(label, start, end)] = SpanDraft(
                        label, start, end, _ATTRIBUTES[label], "checked" if end % 7 else ""
                    )
                batch.append(
                    ImportedDocument(
                        title=f"Synthetic briefing {number}",
                        text=text,
                        turns=tuple(turns),
                        format="text",
                        source_path=f"synthetic/{number}.md",
                        metadata={"seed": seed + number, "date": "2024-05-01"},
                        spans=tuple(spans.values()),
                        annotator=annotator,
                    )
                )
                total += len(spans)
            if len(batch) >= 200:
                project.add_documents(batch)
                batch.clear()
        project.add_documents(batch)
    return total


def measure(args: list[str]) -> tuple[float, float]:
    """Run a child (``python ARGS``) and wait for it with its own rusage: (CPU it reports
    on its last line, max RSS in MB)."""
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen([sys.executable, *args], stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode:
            raise SystemExit(f"{' '.join(args[:3])} failed:\n{err.read().decode()}")
        return float(out.read().decode().split()[-1]), usage.ru_maxrss / 1024


def outputs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def same_bytes(left: Path, right: Path) -> bool:
    a, b = outputs(left), outputs(right)
    if [p.relative_to(left) for p in a] != [p.relative_to(right) for p in b]:
        return False
    return all(filecmp.cmp(x, y, shallow=False) for x, y in zip(a, b, strict=True))


@dataclass
class Compared:
    """One format of one project: the export's and the floor's CPU (best of the runs) and
    peak RSS, the output's size, and whether they wrote the same bytes."""

    export: float
    floor: float
    rss_export: float
    rss_floor: float
    megabytes: float
    same: bool

    @property
    def ratio(self) -> float:
        return self.export / self.floor if self.same else float("inf")


def compare(db: Path, fmt: str, runs: int, scratch: Path) -> Compared:
    """Export ``fmt`` from ``db`` and run its floor, each ``runs`` times in a child."""
    suffix = "" if fmt == "brat" else f".{fmt}"
    exported, floor = scratch / "export", scratch / "floor"
    found = Compared(float("inf"), float("inf"), 0.0, 0.0, 0.0, True)
    for _ in range(runs):
        for folder in (exported, floor):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
        cpu, rss = measure(["-c", _EXPORT, str(db), fmt, str(exported / f"out{suffix}")])
        found.export, found.rss_export = min(found.export, cpu), max(found.rss_export, rss)
        cpu, rss = measure(
            [str(HERE / "floor_export.py"), str(db), fmt, str(floor / f"out{suffix}")]
        )
        found.floor, found.rss_floor = min(found.floor, cpu), max(found.rss_floor, rss)
        found.same = found.same and same_bytes(exported, floor)
    found.megabytes = sum(p.stat().st_size for p in outputs(exported)) / 1e6
    return found


def bench(db: Path, name: str, formats: list[str], runs: int, scratch: Path) -> float:
    """Each format of one project; returns the worst ratio."""
    worst = 0.0
    for fmt in formats:
        found = compare(db, fmt, runs, scratch)
        worst = max(worst, found.ratio)
        print(
            f"{name} {fmt:8} {found.megabytes:7.0f} MB  export {found.export:6.2f} s "
            f"{found.rss_export:5.0f} MB  floor {found.floor:6.2f} s {found.rss_floor:5.0f} MB  "
            f"ratio {found.export / found.floor:4.2f} "
            f"{'OK' if found.ratio <= TARGET_RATIO else 'OVER'}  "
            f"{'same bytes' if found.same else 'BYTES DIFFER'}",
            flush=True,
        )
        if fmt in ("jsonl", "csv") and name == "built" and found.export > BUDGET_SECONDS:
            print(f"  {fmt} over the budget of {BUDGET_SECONDS:.1f} s (issue 4)")
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("projects", nargs="*", type=Path, help="projects to copy and export")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-build", action="store_true", help="only the projects given")
    parser.add_argument(
        "--built", type=Path, help="keep the built project here (reused when it exists)"
    )
    args = parser.parse_args()
    formats = args.formats.split(",")
    worst = 0.0
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as folder:
        scratch = Path(folder)
        if not args.no_build:
            db = args.built or scratch / "built.db"
            if not db.exists():
                started = time.perf_counter()
                spans = build(db)
                took = time.perf_counter() - started
                print(f"built {DOCUMENTS} documents, {spans} spans in {took:.1f} s")
            worst = max(worst, bench(db, "built", formats, args.runs, scratch))
        for number, project in enumerate(args.projects):
            db = scratch / f"copy{number}.db"
            shutil.copyfile(project, db)  # exports only read, but never risk the original
            worst = max(worst, bench(db, project.stem[:12], formats, args.runs, scratch))
            db.unlink()
    verdict = "OK" if worst <= TARGET_RATIO else "OVER"
    print(f"worst ratio {worst:.2f}: {verdict} (target {TARGET_RATIO})")
    return 0 if worst <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
