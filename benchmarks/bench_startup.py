"""Benchmark start-up from the shell: commands, and the app's first paint in a real terminal.

    python benchmarks/bench_startup.py [--words 1000000] [--spans 10000] [--runs 5]
                                       [--root PATH]

Each measure is a fresh process (``python -m annotator ...``, as the ``annotator`` script
runs), timed from its start to its end, or for the app to the moment the first rows of the
transcript reach the terminal: the app runs in a pseudo-terminal of 120x50, and the
benchmark reads what it writes until the first words of the document show (then presses
``q``). For each: the wall time (min and median of ``--runs``), the process's CPU time (user
+ system, from ``wait4``) and its peak resident memory.

The project (a seeded synthetic 1,000,000-word transcript with 10,000 spans, as in
``bench_app.py``) is built first, in this process. ``--root`` runs another checkout's package
(to compare with an older version); byte-compiled files are written as an installed package
has them, and a first run of each command warms them up.

Targets (issue 16): a command <= 0.3 s; the app's first paint <= 1 s from the shell.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[1]
ANNOTATOR = "bench"
ANSI = re.compile(
    rb"\x1b(?:\[[0-9;?<>=$]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])"
)


def environment(root: Path, config: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: byte-compiled modules
    env["PYTHONPATH"] = str(root)
    env["XDG_CONFIG_HOME"] = str(config)
    config.mkdir(parents=True, exist_ok=True)
    env["TERM"] = "xterm-256color"
    env["COLUMNS"], env["LINES"] = "120", "50"
    env.pop("TEXTUAL", None)
    return env


def run_command(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one command run to its end."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "annotator", *args],
        env=env,
        cwd=env["XDG_CONFIG_HOME"],  # python -m puts the working folder first on the path
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"annotator {' '.join(args)} failed ({process.returncode})")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def first_paint(
    args: list[str], env: dict[str, str], marker: bytes, timeout: float = 120
) -> tuple[float, float, float]:
    """(s to the marker on screen, CPU s of the whole run, peak RSS MB) of the app in a
    pseudo-terminal of 120x50."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 120, 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "annotator", *args],
        env=env,
        cwd=env["XDG_CONFIG_HOME"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    painted = None
    try:
        while time.perf_counter() - started < timeout:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if marker in ANSI.sub(b"", seen):
                painted = time.perf_counter() - started
                break
        if painted is None:
            raise SystemExit(f"the app never showed {marker!r}: {ANSI.sub(b'', seen)[-400:]!r}")
        os.write(master, b"q")
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    if not os.read(master, 1 << 16):
                        break
                except OSError:
                    break
            if process.poll() is not None:
                break
        else:
            process.kill()
        _, _, usage = os.wait4(process.pid, 0)
    finally:
        os.close(master)
        if process.returncode is None and process.poll() is None:
            process.kill()
    return painted, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def build_elsewhere(path: Path, words: int, spans: int, env: dict[str, str]) -> float | None:
    """Build the project with the package measured (its schema), in another process: a
    child forked from a big process starts with its peak RSS."""
    started = time.perf_counter()
    code = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
        "from pathlib import Path\nfrom bench_app import build_project\n"
        f"build_project(Path({str(path)!r}), {words}, {spans})\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=env["XDG_CONFIG_HOME"], check=False
    )
    return time.perf_counter() - started if done.returncode == 0 else None


def summary(name: str, runs: list[tuple[float, float, float]], target: float) -> bool:
    walls = [r[0] for r in runs]
    cpus = [r[1] for r in runs]
    rss = max(r[2] for r in runs)
    best, median = min(walls), statistics.median(walls)
    print(
        f"{name:>28}: wall min {best:.2f} s, median {median:.2f} s; CPU min "
        f"{min(cpus):.2f} s; peak RSS {rss:.0f} MB (target <= {target:g} s)"
    )
    return best <= target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--spans", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        # In another process: a child forked from a big process starts with its peak RSS.
        env = environment(args.root.resolve(), Path(folder) / "config")
        built = build_elsewhere(db, args.words, args.spans, env)
        if built is None:
            return 2
        print(
            f"project: {args.words:,} words, {args.spans:,} spans (built in {built:.1f} s); "
            f"package: {args.root}"
        )
        # The first words of the first turn, read with sqlite3: this process stays small,
        # since a child forked from it starts with its peak RSS.
        with sqlite3.connect(db) as conn:
            (first,) = conn.execute(
                'SELECT substr(d.text, t.start + 1, t."end" - t.start) FROM turns t '
                "JOIN documents d ON d.id = t.document_id ORDER BY t.turn_index LIMIT 1"
            ).fetchone()
        marker = " ".join(first.split()[:3]).encode()
        commands = {
            "annotator --version": ["--version"],
            "annotator --help": ["--help"],
            "annotator status": ["--db", str(db), "status"],
            "annotator documents": ["--db", str(db), "documents"],
        }
        ok = True
        for name, command in commands.items():
            run_command(command, env)  # byte-compile, fill the file cache
            ok &= summary(name, [run_command(command, env) for _ in range(args.runs)], 0.3)
        app = ["--db", str(db), "annotate", "--as", ANNOTATOR, "--document", "1"]
        first_paint(app, env, marker)
        runs = [first_paint(app, env, marker) for _ in range(args.runs)]
        ok &= summary("annotate: first paint", runs, 1.0)
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
