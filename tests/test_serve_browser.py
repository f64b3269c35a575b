"""A real browser on ``annotator serve``: headless Chromium opens an invite link, the app
comes up in the page, a key typed into the page tags a span, and the span is in the
database. A screenshot is kept (tests/browser.py says where). Skipped where Chromium or the
web extra is absent."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("textual_serve")
pytest.importorskip("aiohttp")

from browser import ARTEFACTS, chromium, open_page
from conftest import layout

from annotator.model import ImportedDocument
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.store import Project
from annotator.store.invites import Invites

pytestmark = pytest.mark.skipif(chromium() is None, reason="no Chromium on this machine")

QUESTION = "Will you raise taxes next year"
ANSWER = "I am not going to write the budget on your programme"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """``annotator serve`` on a free loopback port, as a user starts it, over a project."""
    db = tmp_path / "team.db"
    text, turns = layout([QUESTION + "?", ANSWER + "."], ["INTERVIEWER", "MINISTER"])
    with Project.create(db, load_scheme_file(default_scheme_path())) as project:
        project.add_documents([ImportedDocument("Budget interview", text, tuple(turns), "text")])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "annotator", "--db", str(db), "serve", "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith(f"Listening on 127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "annotator serve did not start"
                time.sleep(0.2)
        yield db, port
    finally:
        server.terminate()
        server.wait(15)
        if server.stdout is not None:
            server.stdout.close()


def _invite(db: Path, name: str) -> str:
    with Project.open(db) as project:
        return Invites(project.connection).invite(name, "annotator")


def _spans(db: Path, name: str) -> list[tuple[str, str]]:
    with Project.open(db, readonly=True) as project:
        document = project.documents()[0].id
        text = project.document(document).text
        return [(s.label, text[s.start : s.end]) for s in project.spans(document, name)]


async def test_an_invite_link_opens_the_app_and_a_key_tags_a_span(
    served: tuple[Path, int],
) -> None:
    db, port = served
    token = _invite(db, "ana")
    async with open_page(f"http://127.0.0.1:{port}/?token={token}") as page:
        # The app's first screen, as the page received it over its websocket.
        await page.wait_for_output(b"taxes")
        # The invite link's token left the address bar for a cookie.
        assert await page.evaluate("location.href") == f"http://127.0.0.1:{port}/"
        assert "ana (annotator)" in await page.evaluate("document.body.textContent")
        await page.evaluate("document.querySelector('.xterm-helper-textarea').focus()")
        before = len(page.frames)
        await page.press("t")  # quote: the word under the cursor
        deadline = time.monotonic() + 30
        while not _spans(db, "ana"):
            assert time.monotonic() < deadline, "the key typed in the page tagged nothing"
            await asyncio.sleep(0.2)
        assert _spans(db, "ana") == [("quote", "Will")]
        # The span shows in the page too: the app repainted after the key; keep a picture.
        await page.wait_for_output(b"Quote", after=before)
        shot = await page.screenshot(ARTEFACTS / "browser-session.png")
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")


async def test_the_page_says_why_an_app_failed(tmp_path: Path) -> None:
    """An app that fails after it started: the page's "Session ended" dialog gives the
    app's last error line (as text: the markup in it shows literally)."""
    from aiohttp import web
    from test_serve_web import failing_python

    from annotator.serve.web import AnnotatorServer, ServeConfig

    db = tmp_path / "p.db"
    with Project.create(db, load_scheme_file(default_scheme_path())):
        pass
    token = _invite(db, "ana")
    server = AnnotatorServer(ServeConfig(db=db, python=str(failing_python(tmp_path))))
    runner = web.AppRunner(server.make_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with open_page(f"http://127.0.0.1:{port}/?token={token}") as page:
            expected = "The app stopped: error: <b>the project file is gone</b>"
            shown = ""
            deadline = time.monotonic() + 30
            while shown != expected:
                assert time.monotonic() < deadline, f"the page says {shown!r}"
                await asyncio.sleep(0.2)
                closed = await page.evaluate("document.body.classList.contains('-closed')")
                if closed:
                    shown = await page.evaluate(
                        "document.querySelector('.closed-dialog .message').textContent"
                    )
            await page.screenshot(ARTEFACTS / "browser-app-failed.png")
    finally:
        await runner.cleanup()
