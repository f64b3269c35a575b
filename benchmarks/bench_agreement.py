"""Time the agreement report: 1,000 documents x 3 annotators x 50 spans each (target <= 10 s).

    python benchmarks/bench_agreement.py

Builds a seeded project in a temporary folder: synthetic ~1,000-word transcripts
(``benchmarks/synthetic.py``), a first annotator's 50 spans per document, and two more
annotators who mostly agree with it (some spans shifted at an edge, relabelled, dropped or
added), every document marked done by all three. Then it times ``agreement_report`` over
the whole project (CPU and wall time) and prints the overall figures.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import generate_transcript

from annotator.agreement_report import agreement_report
from annotator.model import ImportedDocument, SpanDraft
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.store import Project

DOCUMENTS = 1_000
SPANS = 50
ANNOTATORS = ("ann", "ben", "cat")
BUDGET_SECONDS = 10.0
LABELS = ("quote", "deflection", "criticism")
REQUIRED = {"deflection": {"kind": "pivots"}}  # the values the bundled scheme requires


def _draft(label: str, start: int, end: int) -> SpanDraft:
    return SpanDraft(label, start, end, REQUIRED.get(label, {}))


def _layer(rng: random.Random, reference: list[SpanDraft], length: int) -> list[SpanDraft]:
    """Another annotator's version of ``reference``: mostly the same, sometimes not."""
    spans = []
    for span in reference:
        roll = rng.random()
        if roll < 0.6:
            spans.append(span)
        elif roll < 0.8:  # a boundary slip
            end = min(length, max(span.start + 1, span.end + rng.randint(-5, 5)))
            spans.append(_draft(span.label, span.start, end))
        elif roll < 0.9:  # another label
            spans.append(_draft(rng.choice(LABELS), span.start, span.end))
        # else: left out
    while len(spans) < len(reference):  # and a few of its own
        start = rng.randrange(length - 1)
        spans.append(_draft(rng.choice(LABELS), start, min(length, start + 40)))
    return spans


def build(path: Path, seed: int = 11) -> None:
    rng = random.Random(seed)
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        for number in range(DOCUMENTS):
            text, turns = generate_transcript(1_000, seed + number)
            step = len(text) // SPANS
            reference = [
                _draft(LABELS[i % 3], i * step, i * step + rng.randint(5, step - 1))
                for i in range(SPANS)
            ]
            layers = {ANNOTATORS[0]: reference}
            for name in ANNOTATORS[1:]:
                layers[name] = _layer(rng, reference, len(text))
            documents = [
                ImportedDocument(
                    f"Synthetic {number}",
                    text,
                    tuple(turns),
                    "text",
                    f"s/{number}.md",
                    spans=tuple(spans),
                    annotator=name,
                )
                for name, spans in layers.items()
            ]
            [result, *_] = project.add_documents(documents)
            for name in ANNOTATORS:
                project.set_status(result.document_id, name, "done")


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        started = time.perf_counter()
        build(path)
        print(
            f"built {DOCUMENTS} documents x {len(ANNOTATORS)} annotators x {SPANS} spans "
            f"in {time.perf_counter() - started:.1f} s"
        )
        with Project.open(path) as project:
            wall, cpu = time.perf_counter(), time.process_time()
            report = agreement_report(project)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    overall = report.summary[-1]
    print(f"agreement report: {cpu:.2f} s CPU, {wall:.2f} s wall (target <= {BUDGET_SECONDS} s)")
    print({key: value for key, value in overall.items() if not isinstance(value, dict)})
    return 0 if wall <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
