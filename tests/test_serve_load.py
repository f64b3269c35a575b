"""annotator serve under load, on 127.0.0.1 only: ten browser sessions with ten tokens tag
60 words each, all at once. Afterwards each layer holds exactly its own 60 spans and 60
logged edits, the file passes SQLite's integrity check, no app wrote a traceback or a lock
error, and every app ended within 5 s of its tab. A missing or wrong token (403) is
tests/test_serve_web.py's. Skipped without the web extra.

Bounded: ten sessions, 600 keystroke pairs, and one deadline for the whole test; nothing
asserts a duration but the 5 s ending, and every wait polls up to a generous deadline.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shlex
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytest.importorskip("textual_serve")
pytest.importorskip("aiohttp")

from aiohttp import ClientWebSocketResponse, WSMsgType
from aiohttp.test_utils import TestClient, TestServer
from conftest import layout

from annotator.model import ImportedDocument
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.serve.web import COOKIE, SERVER, AnnotatorServer, ServeConfig, Session
from annotator.store import Project
from annotator.store.invites import Invites

SESSIONS = 10
TAGS = 60
#: Tags sent before waiting for them to be saved: the keys are paced by the app's own speed,
#: never piled up by the thousand, and a lost key shows as a count that stops short.
BATCH = 10
#: An app must be gone this long after its tab closed (the issue's bound).
ENDS_WITHIN = 5.0
#: The whole test, generous for a loaded 2-core machine (it takes about a third of this).
DEADLINE = 150.0

# No punctuation, so that 'w' steps from word to word and 't' tags exactly one word; 76
# words in two turns, so the 60 tags cross a turn and scroll the view.
_SPEECH = (
    "will you raise the threshold for families who work hard and save for their children "
    "when prices rise faster than wages in every region of the country this winter "
    "we have set out a plan that protects pensions funds schools and hospitals keeps "
    "borrowing falling builds homes near good jobs and asks the largest firms to pay "
    "their share so nobody who plays by the rules loses out while we repair roads "
    "rail lines and bridges"
)
_WORDS = _SPEECH.split()
TURNS = (" ".join(_WORDS[:30]), " ".join(_WORDS[30:]))
#: A word of the first screen line that the cursor does not sit on (its highlight would
#: split the word's characters in the terminal output).
MARKER = b"threshold"


@dataclass
class Client:
    """One browser tab: its person, token, websocket, and everything its screen received."""

    name: str
    token: str
    ws: ClientWebSocketResponse | None = None
    session: Session | None = None
    received: bytearray = field(default_factory=bytearray)
    reader: asyncio.Task[None] | None = None
    closed_at: float = 0.0


def _words(text: str, count: int) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", text)][:count]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "p.db"
    text, turns = layout(TURNS, ["INTERVIEWER", "MINISTER"])
    assert len(_words(text, 1000)) == len(_WORDS) > TAGS
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        project.add_documents([ImportedDocument("Interview", text, tuple(turns), "text")])
    return path


def _python_logging_to(folder: Path) -> Path:
    """A stand-in for python that runs the real one with its stderr in ``folder/PID.log``:
    ``exec`` keeps the process (and its PID) the server started, so each app's own log is
    read whole after it ended (textual-serve mixes them into the server's stdout)."""
    folder.mkdir()
    script = folder / "python"
    script.write_text(
        f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@" 2>{shlex.quote(str(folder))}/$$.log\n'
    )
    script.chmod(0o755)
    return script


async def _until(
    condition: Callable[[], bool], deadline: float, what: str | Callable[[], str]
) -> None:
    """Poll ``condition`` until it holds; past ``deadline``, fail saying ``what`` (then)."""
    while not condition():
        assert time.monotonic() < deadline, what if isinstance(what, str) else what()
        await asyncio.sleep(0.05)


async def _until_ended(name: str, process: asyncio.subprocess.Process, deadline: float) -> None:
    await _until(
        lambda: process.returncode is not None,
        deadline,
        f"{name}: the app outlived its tab by {ENDS_WITHIN} s",
    )


async def _read(client: Client) -> None:
    """Drain the tab's websocket (an unread one would stall the app's output)."""
    assert client.ws is not None
    async for message in client.ws:
        if message.type == WSMsgType.BINARY:
            client.received += message.data


async def _new_session(
    server: AnnotatorServer, known: set[Session | None], deadline: float
) -> Session:
    """The session (with its app process) that the tab just opened started."""

    def new() -> list[Session]:
        return [s for s in server.sessions if s not in known and s._process is not None]

    await _until(lambda: bool(new()), deadline, "no app started")
    (session,) = new()
    return session


async def _tag_words(client: Client, saved: Callable[[str], int], deadline: float) -> None:
    """Wait for the first screen, then tag the word under the cursor and step to the next
    word, TAGS times, BATCH tags at a time."""
    assert client.ws is not None
    await _until(lambda: MARKER in client.received, deadline, f"{client.name}: no first screen")
    for batch in range(TAGS // BATCH):
        for _ in range(BATCH):
            await client.ws.send_json(["stdin", "t"])  # quote: the word under the cursor
            await client.ws.send_json(["stdin", "w"])  # the next word
        await _until_saved(client.name, (batch + 1) * BATCH, saved, deadline)


async def _until_saved(name: str, count: int, saved: Callable[[str], int], deadline: float) -> None:
    await _until(
        lambda: saved(name) >= count, deadline, lambda: f"{name}: {saved(name)} of {count} saved"
    )


async def test_ten_sessions_tag_sixty_words_each_in_their_own_layers(
    db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    deadline = time.monotonic() + DEADLINE
    with Project.open(db) as project:
        invites = Invites(project.connection)
        clients = [
            Client(name, invites.invite(name, "annotator"))
            for name in (f"annotator{i:02}" for i in range(SESSIONS))
        ]
    logs = tmp_path / "logs"
    python = _python_logging_to(logs)
    server = AnnotatorServer(ServeConfig(db=db, python=str(python)))
    web = TestClient(TestServer(server.make_app(), host="127.0.0.1"))
    await web.start_server()
    counter = sqlite3.connect(db, timeout=30)

    def saved(name: str) -> int:
        (count,) = counter.execute(
            "SELECT count(*) FROM spans JOIN annotators a ON a.id = spans.annotator_id "
            "WHERE a.name = ?",
            [name],
        ).fetchone()
        return int(count)

    try:
        assert web.app is not None and web.app[SERVER] is server
        # One tab after another, so that each session is known to be this tab's; the apps
        # start side by side all the same (connecting does not wait for an app).
        for client in clients:
            client.ws = await web.ws_connect(
                "/ws?width=80&height=24", headers={"Cookie": f"{COOKIE}={client.token}"}
            )
            client.reader = asyncio.create_task(_read(client))
            client.session = await _new_session(server, {c.session for c in clients}, deadline)
            # The token decides whose app it is: its argv is that person's, nobody else's.
            assert client.session.argv[-2:] == ["--as", client.name]
        await asyncio.wait_for(
            asyncio.gather(*(_tag_words(c, saved, deadline) for c in clients)),
            max(deadline - time.monotonic(), 1),
        )

        async def close(client: Client) -> None:
            assert client.ws is not None
            client.closed_at = time.monotonic()
            await client.ws.close()

        await asyncio.gather(*(close(c) for c in clients))
        for client in clients:
            assert client.session is not None and client.session._process is not None
            await _until_ended(client.name, client.session._process, client.closed_at + ENDS_WITHIN)
        await _until(lambda: not server.sessions, deadline, "sessions were not let go")
        await asyncio.gather(*(c.reader for c in clients if c.reader is not None))
    finally:
        counter.close()
        for client in clients:
            if client.ws is not None:
                await client.ws.close()
        await web.close()

    with Project.open(db, readonly=True) as project:
        (document,) = project.documents()
        words = _words(project.document(document.id).text, TAGS)
        assert project.connection.db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert project.connection.db.execute("PRAGMA foreign_key_check").fetchall() == []
        (total,) = project.connection.db.execute("SELECT count(*) FROM spans").fetchone()
        (edits,) = project.connection.db.execute("SELECT count(*) FROM edits").fetchone()
        # No span and no logged edit went anywhere but these ten layers.
        assert total == edits == SESSIONS * TAGS
        for client in clients:
            spans = project.spans(document.id, client.name)
            assert [(s.label, s.start, s.end) for s in spans] == [("quote", *w) for w in words]
            changes = project.history(document.id, client.name)
            assert len(changes) == TAGS == len({c.batch for c in changes})
            assert {(c.kind, c.action, c.item, c.annotator) for c in changes} == {
                ("edit", "create", "span", client.name)
            }
            assert {c.span_id for c in changes} == {s.id for s in spans}

    for client in clients:
        assert client.session is not None and client.session._process is not None
        log = (logs / f"{client.session._process.pid}.log").read_text(errors="replace")
        assert "Traceback" not in log and "database is locked" not in log, log[-2000:]
        assert b"not saved" not in client.received  # an edit the app refused, on screen
    # The server's own log: no failed session, no app that failed to start.
    problems = [
        record
        for record in caplog.records
        if record.levelno >= logging.WARNING
        and record.name.split(".")[0] in ("annotator", "textual-serve", "aiohttp")
    ]
    assert not problems, [record.getMessage() for record in problems]
