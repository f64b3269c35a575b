"""annotator serve's web server, on 127.0.0.1 only: who gets in (403, 400), which command a
session runs, that a session ends with its tab, and a real session that tags a span.
Skipped without the web extra."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

pytest.importorskip("textual_serve")
pytest.importorskip("aiohttp")

from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer
from conftest import layout

from annotator.model import ImportedDocument
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.serve.web import COOKIE, SERVER, AnnotatorServer, ServeConfig
from annotator.store import Project
from annotator.store.invites import Invites

TEXT = "Will you raise taxes? I won't say."


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "p.db"
    text, turns = layout(TEXT.split("? "), ["INTERVIEWER", "MINISTER"])
    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        project.add_documents([ImportedDocument("Interview", text, tuple(turns), "text")])
    return path


def invite(db: Path, name: str, role: str = "annotator") -> str:
    with Project.open(db) as project:
        return Invites(project.connection).invite(name, role)


@pytest.fixture
async def client(db: Path) -> AsyncIterator[Callable[..., object]]:
    clients: list[TestClient] = []

    async def make(**options: object) -> TestClient:
        server = AnnotatorServer(ServeConfig(db=db, **options))  # type: ignore[arg-type]
        test_client = TestClient(TestServer(server.make_app(), host="127.0.0.1"))
        await test_client.start_server()
        clients.append(test_client)
        return test_client

    yield make
    for test_client in clients:
        await test_client.close()


async def test_no_or_wrong_token_is_forbidden(db: Path, client) -> None:
    token = invite(db, "ana")
    web = await client()
    assert (await web.get("/")).status == 403
    assert (await web.get("/ws")).status == 403
    assert (await web.get("/?token=" + "A" * 43)).status == 403
    web.session.cookie_jar.update_cookies({COOKIE: "B" * 43})
    assert (await web.get("/")).status == 403
    assert (await web.get("/ws")).status == 403
    # A name in the URL is nobody.
    assert (await web.get("/?name=ana&as=ana")).status == 403
    with Project.open(db) as project:
        Invites(project.connection).revoke("ana")
    assert (await web.get("/?token=" + token, allow_redirects=False)).status == 403


async def test_malformed_requests_are_bad_requests(db: Path, client) -> None:
    token = invite(db, "ana")
    web = await client()
    assert (await web.get("/?token=short")).status == 400
    assert (await web.get(f"/?token={token}&token={token}")).status == 400
    assert (await web.get("/?token=" + token[:-1] + "!")).status == 400
    web.session.cookie_jar.update_cookies({COOKIE: token})
    assert (await web.get("/?fontsize=big")).status == 400
    assert (await web.get("/ws?width=-3")).status == 400
    assert (await web.get("/ws?height=1e9")).status == 400


async def test_token_becomes_a_cookie_and_the_page_names_its_owner(db: Path, client) -> None:
    token = invite(db, "ana")
    web = await client()
    response = await web.get("/?token=" + token, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/"
    cookie = response.cookies[COOKIE]
    assert cookie.value == token and cookie["httponly"] and cookie["samesite"] == "Lax"
    page = await web.get("/")
    assert page.status == 200
    body = await page.text()
    assert "annotator · ana (annotator)" in body
    assert f'data-session-websocket-url="ws://127.0.0.1:{web.port}/ws"' in body
    # Nothing from a third party: the page tells no one else who opens it.
    assert "googleapis" not in body and "<link" in body
    # Another site's page may not open a session with the cookie.
    foreign = await web.get("/ws", headers={"Origin": "http://evil.example"})
    assert foreign.status == 403


async def test_trusted_header_names_an_invited_person(db: Path, client) -> None:
    invite(db, "bob", "reviewer")
    web = await client(trusted_header="X-Remote-User")
    assert (await web.get("/")).status == 403
    assert (await web.get("/", headers={"X-Remote-User": "carol"})).status == 403
    assert (await web.get("/", headers={"X-Remote-User": "a;b"})).status == 400
    page = await web.get("/", headers={"X-Remote-User": "bob"})
    assert page.status == 200 and "bob (reviewer)" in await page.text()
    # With a trusted header, a token alone lets nobody in.
    ana = invite(db, "ana")
    assert (await web.get("/?token=" + ana)).status == 403


async def test_a_project_that_cannot_open_gives_an_error_page(db: Path, client) -> None:
    token = invite(db, "ana")
    web = await client()
    web.session.cookie_jar.update_cookies({COOKIE: token})
    assert (await web.get("/")).status == 200
    os.chmod(db, 0o644)
    db.write_bytes(b"not a database at all" * 100)
    page = await web.get("/")
    assert page.status == 503
    text = await page.text()
    assert "annotator cannot open the project" in text and str(db) in text


def _fake_python(tmp_path: Path) -> tuple[Path, Path]:
    """An executable standing in for python: records its argv and exits without starting."""
    record = tmp_path / "argv.json"
    script = tmp_path / "fake-python"
    script.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"open({str(record)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
    )
    script.chmod(0o755)
    return script, record


@pytest.mark.parametrize(("role", "command"), [("annotator", "annotate"), ("lead", "review")])
async def test_session_runs_the_tokens_name_and_ends_when_the_app_does(
    db: Path, tmp_path: Path, client, role: str, command: str
) -> None:
    token = invite(db, "ana", role)
    invite(db, "mallory")
    fake, record = _fake_python(tmp_path)
    started: list[list[str]] = []
    web = await client(python=str(fake), on_session=started.append)
    web.session.cookie_jar.update_cookies({COOKIE: token})
    # The URL's name is ignored: the session is the token's.
    async with web.ws_connect("/ws?width=90&height=30&as=mallory") as ws:
        # The stand-in never starts an app: the server closes the socket (the page then says
        # "Session ended") instead of leaving a splash that waits for ever.
        message = await asyncio.wait_for(ws.receive(), 20)
        assert message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
        assert ws.close_code == 1000  # it exited well: no reason to give
    expected = ["-m", "annotator", "--db", str(db.resolve()), command, "--as", "ana"]
    assert json.loads(record.read_text()) == expected
    assert started == [[str(fake), *expected]]


def failing_python(tmp_path: Path) -> Path:
    """A stand-in for python whose app starts, then fails as a crashing app does: a traceback
    (in colour) on its error output and exit status 1."""
    script = tmp_path / "failing-python"
    script.write_text(
        f"#!{sys.executable}\nimport sys, time\n"
        "print('__GANGLION__', flush=True)\n"
        "time.sleep(0.5)\n"
        "sys.stderr.write('Traceback (most recent call last):\\n  File x\\n"
        "\\x1b[31merror: <b>the project file is gone</b>\\x1b[0m\\n\\n')\n"
        "sys.exit(1)\n"
    )
    script.chmod(0o755)
    return script


async def test_a_failing_app_closes_its_session_saying_why(
    db: Path, tmp_path: Path, client
) -> None:
    token = invite(db, "ana")
    web = await client(python=str(failing_python(tmp_path)))
    web.session.cookie_jar.update_cookies({COOKIE: token})
    async with web.ws_connect("/ws") as ws:
        message = await asyncio.wait_for(ws.receive(), 20)
        while message.type == WSMsgType.BINARY:  # whatever the app drew before it failed
            message = await asyncio.wait_for(ws.receive(), 20)
    # The page shows the close reason (tests/test_serve_browser.py): the error's last line,
    # without its colour codes.
    assert message.type == WSMsgType.CLOSE, message
    assert message.data == 1011
    assert message.extra == "The app stopped: error: <b>the project file is gone</b>"


def _spans(db: Path, name: str) -> list[tuple[str, str]]:
    with Project.open(db, readonly=True) as project:
        doc = project.documents()[0].id
        text = project.document(doc).text
        return [(s.label, text[s.start : s.end]) for s in project.spans(doc, name)]


async def test_a_browser_session_tags_a_span_and_ends_with_its_tab(db: Path, client) -> None:
    token = invite(db, "ana")
    web = await client()
    web.session.cookie_jar.update_cookies({COOKIE: token})
    received = b""
    async with web.ws_connect("/ws?width=100&height=30") as ws:
        deadline = time.monotonic() + 60
        while b"taxes" not in received:  # the document is on screen
            assert time.monotonic() < deadline, received[-500:]
            message = await asyncio.wait_for(ws.receive(), 60)
            assert message.type in (WSMsgType.BINARY, WSMsgType.TEXT), message
            if message.type == WSMsgType.BINARY:
                received += message.data
        await ws.send_json(["stdin", "t"])  # quote: the word under the cursor
        while not _spans(db, "ana"):
            assert time.monotonic() < deadline, "no span tagged"
            await asyncio.sleep(0.2)
        assert _spans(db, "ana") == [("quote", "Will")]
        processes = [session._process for session in _server(web).sessions]
        assert len(processes) == 1 and processes[0] is not None
    # Closing the tab (the websocket) ends the app process within seconds.
    process = processes[0]
    ends = time.monotonic() + 10
    while process.returncode is None:
        assert time.monotonic() < ends, "the app outlived its tab"
        await asyncio.sleep(0.1)
    while _server(web).sessions:
        assert time.monotonic() < ends, "the session was not let go"
        await asyncio.sleep(0.1)


def _server(web: TestClient) -> AnnotatorServer:
    assert web.app is not None
    return web.app[SERVER]


def test_annotator_serve_binds_to_loopback_and_says_so(db: Path) -> None:
    import socket
    import subprocess
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = [sys.executable, "-m", "annotator", "--db", str(db), "serve", "--port", str(port)]
    server = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert first.startswith(f"Listening on 127.0.0.1:{port}, this machine only"), first
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
            except urllib.error.HTTPError as error:
                assert error.code == 403
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
            else:
                raise AssertionError("a request without a token was let in")
    finally:
        server.terminate()
        server.wait(10)
        if server.stdout is not None:
            server.stdout.close()
