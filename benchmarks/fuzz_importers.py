"""Fuzz every importer and the scheme loader for minutes, for occasional use (not in CI).

Runs the properties of ``tests/test_import_fuzz.py`` with random examples, target after
target (each importer's seed file, and the scheme loader), round after round until the time
is up. The property: a mutated file either imports cleanly (and storing its documents in a
fresh project succeeds or raises an ``AnnotatorError``), or raises exactly one
``AnnotatorError`` whose message is a single line; never any other exception.

    python benchmarks/fuzz_importers.py [--minutes N] [--examples N] [--out FOLDER]

``--minutes`` (default 5) is the time to run; ``--examples`` (default 200) the examples per
target and round. Each failure found is written to FOLDER (default ``fuzz-failures``) as the
smallest input hypothesis shrank it to, ``<target>-<n>.<ext>`` (for brat, the mutated one of
the pair ``doc.txt``/``doc.ann``; the other is the seed's), with ``<target>-<n>.txt`` holding
whether the format was given and the traceback. A failure already written (same target,
exception and message) is counted but not written again. Exit status 1 if any failed.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# The properties and seeds live with the tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import test_import_fuzz as fuzz

SCHEME_TARGET = "scheme"


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def _runner(target: str, examples: int) -> tuple[Callable[[], None], dict[str, object]]:
    """A hypothesis run of one target, and where it keeps the last input it tried (after a
    failure, hypothesis replays the shrunk input last, so that is the one kept)."""
    last: dict[str, object] = {}
    if target == SCHEME_TARGET:

        @_settings(examples)
        @given(edits=st.lists(fuzz._EDITS, max_size=4))
        def run_scheme(edits: list[tuple[str, int, int, bytes, int]]) -> None:
            data = fuzz._apply_all(fuzz.SCHEME_SEED, edits)
            last.update(data=data, given_format=None)
            fuzz.check_scheme(data)

        return run_scheme, last
    seed = fuzz.SEEDS[target]

    @_settings(examples)
    @given(data=fuzz.mutated(seed), give_format=st.booleans())
    def run_seed(data: bytes, give_format: bool) -> None:
        last.update(data=data, given_format=give_format)
        fuzz.check_seed(seed, data, give_format)

    return run_seed, last


def _write_failure(out: Path, target: str, number: int, last: dict[str, object]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    name = "scheme.yaml" if target == SCHEME_TARGET else fuzz.SEEDS[target].name
    stem = f"{target}-{number}"
    data = last.get("data")
    assert isinstance(data, bytes)
    (out / f"{stem}{Path(name).suffix}").write_bytes(data)
    (out / f"{stem}.txt").write_text(
        f"target: {target} ({name})\nformat given: {last.get('given_format')}\n\n"
        + traceback.format_exc(),
        encoding="utf-8",
    )
    return out / f"{stem}{Path(name).suffix}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="how long to run [5]")
    parser.add_argument("--examples", type=int, default=200, help="per target and round [200]")
    parser.add_argument("--out", type=Path, default=Path("fuzz-failures"), help="for failures")
    args = parser.parse_args()
    targets = [*fuzz.SEEDS, SCHEME_TARGET]
    deadline = time.monotonic() + args.minutes * 60
    seen: set[tuple[str, str, str]] = set()
    failures = rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        for target in targets:
            if time.monotonic() >= deadline:
                break
            run, last = _runner(target, args.examples)
            try:
                run()
            except Exception as error:  # every failure is reported, whatever it is
                failures += 1
                signature = (target, type(error).__name__, str(error)[:200])
                if signature not in seen:
                    seen.add(signature)
                    path = _write_failure(args.out, target, len(seen), last)
                    print(f"FAILED {target}: {type(error).__name__}: {str(error)[:120]}")
                    print(f"  input written to {path}")
        print(
            f"round {rounds}: {len(targets)} targets × {args.examples} examples, "
            f"{failures} failure(s) so far",
            flush=True,
        )
    print(f"{rounds} round(s); {failures} failure(s), {len(seen)} distinct")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
