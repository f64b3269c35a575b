"""Benchmark ``annotator serve``: time to first screen and memory per browser session.

    python benchmarks/bench_serve.py [--sessions 1,5,10] [--words 5000] [--size 120x40] [--json]

Builds a project with one seeded synthetic interview (``benchmarks/synthetic.py``) and one
invite per session, starts the real ``annotator serve`` on a free 127.0.0.1 port (its own
process, so that its memory is the server's alone), and for each number of sessions N opens
N websockets at once, as N annotators opening their links together would, then reports:

- time to first screen: from opening the websocket to the first bytes that show the
  document's text (the app process started, opened the project and painted): median, max;
- memory per session: resident (RSS) and proportional (PSS: each shared page split between
  the processes sharing it, so N sessions cost about N x PSS) of each app process, read
  from ``/proc`` a moment after every tab shows its document: mean over the N apps;
- app CPU: the CPU seconds each app process used by then (start, first paint and a
  second at rest; mean), which a busy machine does not inflate as it does wall times;
- the server's own RSS then, and quit: the longest time from closing a tab to its app
  process being gone (the issue's bound is 5 s).

One unreported session first warms the page cache, so that N = 1 is not a cold start.
Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
from synthetic import generate_transcript

from annotator.model import ImportedDocument
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.serve.web import COOKIE
from annotator.store import Project
from annotator.store.invites import Invites

SETTLE = 1.0  # seconds after the last first screen before memory is read
TIMEOUT = 120.0  # for any one step: a session that never shows its document fails the run


@dataclass
class Tab:
    """One browser tab: its websocket, when it opened and when the document showed."""

    ws: aiohttp.ClientWebSocketResponse[bool]
    opened: float
    shown: float | None = None
    screen: bytearray = field(default_factory=bytearray)


@dataclass
class Result:
    sessions: int
    first_screen_median_s: float
    first_screen_max_s: float
    app_rss_mean_mb: float
    app_pss_mean_mb: float
    app_cpu_mean_s: float
    server_rss_mb: float
    quit_max_s: float


def build(folder: Path, words: int, people: int) -> tuple[Path, list[str], bytes]:
    """The project, one token per person, and a word of the document's first line (not the
    first word: the cursor's highlight splits it in the terminal output)."""
    text, turns = generate_transcript(words, seed=7)
    db = folder / "bench.db"
    with Project.create(db, load_scheme_file(default_scheme_path())) as project:
        project.add_documents([ImportedDocument("Interview", text, tuple(turns), "text")])
        invites = Invites(project.connection)
        tokens = [invites.invite(f"bench{i:02}", "annotator") for i in range(people)]
    first_line = text[turns[0].start : turns[0].end].split("\n")[0]
    marker = max(re.findall(r"[A-Za-z]+", first_line)[1:], key=len)
    return db, tokens, marker.encode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(db: Path, port: int, folder: Path) -> subprocess.Popen[bytes]:
    """``annotator serve`` as a user runs it; its output (with the apps' stderr, which
    textual-serve passes on) goes to a log file. Settings go to ``folder``, not the user's."""
    log = (folder / "serve.log").open("wb")
    env = {**os.environ, "XDG_CONFIG_HOME": str(folder / "config")}
    argv = [sys.executable, "-m", "annotator", "--db", str(db), "serve", "--port", str(port)]
    server = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env
    )
    log.close()
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
        except urllib.error.HTTPError:
            return server  # 403 without a token: it is up
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("annotator serve did not start:\n" + _tail(folder)) from None
            time.sleep(0.1)


def _tail(folder: Path) -> str:
    return (folder / "serve.log").read_text(errors="replace")[-3000:]


def children(pid: int) -> list[int]:
    """The live processes whose parent is ``pid`` (the server's app processes)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if int(ppid) == pid and state != "Z":
                found.append(int(entry.name))
    return found


def memory_mb(pid: int) -> tuple[float, float]:
    """RSS and PSS of a process, in MB."""
    rss = _kb(Path(f"/proc/{pid}/status"), "VmRSS")
    pss = _kb(Path(f"/proc/{pid}/smaps_rollup"), "Pss")
    return rss / 1024, pss / 1024


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used."""
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime = int(stat[11]), int(stat[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def _kb(path: Path, key: str) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise ValueError(f"no {key} in {path}")


async def _drain(tab: Tab, marker: bytes) -> None:
    """Read the tab's websocket to its end (an unread one would stall the app's output),
    noting when the document first shows."""
    async for message in tab.ws:
        if message.type == aiohttp.WSMsgType.BINARY and tab.shown is None:
            tab.screen += message.data
            if marker in tab.screen:
                tab.shown = time.perf_counter()
                tab.screen.clear()


async def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out: {what}")
        await asyncio.sleep(0.02)


async def measure(
    port: int, server: int, tokens: list[str], marker: bytes, size: tuple[int, int]
) -> Result:
    """Open one tab per token at once; time their first screens, read memory, close them."""
    url = f"ws://127.0.0.1:{port}/ws?width={size[0]}&height={size[1]}"
    async with aiohttp.ClientSession() as http:

        async def open_tab(token: str) -> Tab:
            opened = time.perf_counter()
            ws = await http.ws_connect(url, headers={"Cookie": f"{COOKIE}={token}"})
            return Tab(ws, opened)

        tabs = await asyncio.gather(*(open_tab(token) for token in tokens))
        readers = [asyncio.create_task(_drain(tab, marker)) for tab in tabs]
        await _until(lambda: all(tab.shown for tab in tabs), "a session showed no document")
        await asyncio.sleep(SETTLE)
        apps = children(server)
        if len(apps) != len(tokens):
            raise SystemExit(f"{len(apps)} app processes for {len(tokens)} sessions")
        memory = [memory_mb(pid) for pid in apps]
        cpu = [cpu_seconds(pid) for pid in apps]
        server_rss, _ = memory_mb(server)
        closed = time.perf_counter()
        await asyncio.gather(*(tab.ws.close() for tab in tabs))
        await _until(lambda: not children(server), "an app outlived its tab")
        quit_max = time.perf_counter() - closed
        await asyncio.gather(*readers)
    waits = [tab.shown - tab.opened for tab in tabs if tab.shown is not None]
    return Result(
        sessions=len(tokens),
        first_screen_median_s=round(statistics.median(waits), 2),
        first_screen_max_s=round(max(waits), 2),
        app_rss_mean_mb=round(statistics.mean(rss for rss, _ in memory), 1),
        app_pss_mean_mb=round(statistics.mean(pss for _, pss in memory), 1),
        app_cpu_mean_s=round(statistics.mean(cpu), 2),
        server_rss_mb=round(server_rss, 1),
        quit_max_s=round(quit_max, 2),
    )


def print_table(results: list[Result]) -> None:
    print(
        f"{'sessions':>8} | {'first screen median / max':>25} | {'app RSS':>8} | "
        f"{'app PSS':>8} | {'app CPU':>7} | {'server RSS':>10} | {'quit max':>8}"
    )
    for r in results:
        print(
            f"{r.sessions:>8} | {r.first_screen_median_s:>10.2f} s / {r.first_screen_max_s:5.2f} s"
            f" | {r.app_rss_mean_mb:>5.0f} MB | {r.app_pss_mean_mb:>5.0f} MB"
            f" | {r.app_cpu_mean_s:>5.2f} s"
            f" | {r.server_rss_mb:>7.0f} MB | {r.quit_max_s:>6.2f} s"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sessions", default="1,5,10", help="comma-separated [1,5,10]")
    parser.add_argument("--words", type=int, default=5000, help="document length [5000]")
    parser.add_argument("--size", default="120x40", help="terminal columns x rows [120x40]")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    counts = [int(n) for n in args.sessions.split(",")]
    width, height = (int(n) for n in args.size.split("x"))
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db, tokens, marker = build(folder, args.words, max(counts))
        port = free_port()
        server = start_server(db, port, folder)
        try:
            asyncio.run(measure(port, server.pid, tokens[:1], marker, (width, height)))  # warm-up
            results = [
                asyncio.run(measure(port, server.pid, tokens[:n], marker, (width, height)))
                for n in counts
            ]
        finally:
            server.terminate()
            server.wait(30)
        log = (folder / "serve.log").read_text(errors="replace")
        problems = "Traceback" in log or "database is locked" in log
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
    else:
        load = os.getloadavg()[0]  # wall times stretch on a machine busy with other work
        print(
            f"document: {args.words:,} words; terminal {width}x{height}; "
            f"{os.cpu_count()} CPUs, load average {load:.1f} at the end"
        )
        print_table(results)
    if problems:
        print("the server's log has a traceback or a lock error", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
