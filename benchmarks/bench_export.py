"""Time exporting 100,000 spans over 1,000 documents to ``jsonl`` and ``csv``.

Run from anywhere: ``python benchmarks/bench_export.py [runs]``. Builds a seeded project in a
temporary folder (1,000 synthetic transcripts of ~1,000 words from
:func:`synthetic.generate_transcript`, two annotators with 50 spans each per document,
attributes on every span, overlaps and nesting included), then times
``annotator.export.export`` to each format: CPU time (``time.process_time``) and wall time,
best and median of the runs. Target: at most 2 s for each format (issue 4).
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import generate_transcript

from annotator.export import export
from annotator.model import ImportedDocument, SpanDraft
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.store import Project

DOCUMENTS = 1_000
SPANS_PER_LAYER = 50
ANNOTATORS = ("alice", "bob")
BUDGET_SECONDS = 2.0
_ATTRIBUTES = {
    "quote": {"form": "direct", "source": "the senator"},
    "deflection": {"kind": "pivots"},
    "commitment": {"specificity": "vague", "conditional": False},
    "criticism": {"target": "the opposition", "basis": "record"},
}


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


def main(runs: int = 5) -> int:
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        started = time.perf_counter()
        spans = build(db)
        print(
            f"built {DOCUMENTS} documents, {spans} spans in {time.perf_counter() - started:.1f} s"
        )
        with Project.open(db) as project:
            for name in ("jsonl", "csv"):
                out = Path(folder) / f"out.{name}"
                cpu: list[float] = []
                wall: list[float] = []
                for _ in range(runs):
                    started_cpu, started_wall = time.process_time(), time.perf_counter()
                    report = export(project, name, out, force=True)
                    cpu.append(time.process_time() - started_cpu)
                    wall.append(time.perf_counter() - started_wall)
                size = out.stat().st_size / 1e6
                print(
                    f"{name:5}: {report.examples} examples, {report.spans} spans, {size:.0f} MB; "
                    f"CPU best {min(cpu):.2f} s, median {statistics.median(cpu):.2f} s; "
                    f"wall best {min(wall):.2f} s, median {statistics.median(wall):.2f} s"
                )
                worst = max(worst, statistics.median(wall), statistics.median(cpu))
    print(f"budget {BUDGET_SECONDS:.1f} s: {'OK' if worst <= BUDGET_SECONDS else 'OVER'}")
    return 0 if worst <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main(*(int(arg) for arg in sys.argv[1:2])))
