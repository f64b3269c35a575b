"""A headless Chromium for tests, driven over the DevTools protocol with aiohttp (the web
extra's own client): no selenium, no driver binary, no browser download.

Only what the browser tests need: open a page, watch its websocket frames, evaluate a line
of JavaScript, type keys, take a screenshot.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

#: Where a browser test keeps its screenshots: $ANNOTATOR_TEST_ARTEFACTS, else build/.
ARTEFACTS = Path(
    os.environ.get("ANNOTATOR_TEST_ARTEFACTS")
    or Path(__file__).resolve().parents[1] / "build" / "test-artefacts"
)

# The flags of a quiet headless Chromium on a machine with a closed network: without the
# background-networking ones it keeps trying (and failing) to reach Google's hosts.
_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
]


def chromium() -> str | None:
    """The Chromium on this machine (Debian's package), or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Page:
    """One tab, attached over the browser's DevTools websocket."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse, session: str) -> None:
        self._socket = socket
        self._session = session
        self._ids = itertools.count(1)
        self._replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        #: Every websocket frame the page received, as bytes (the app's output).
        self.frames: list[bytes] = []
        self._reader = asyncio.ensure_future(self._read())

    async def send(self, method: str, **params: object) -> dict[str, Any]:
        number = next(self._ids)
        reply = self._replies[number] = asyncio.get_running_loop().create_future()
        await self._socket.send_json(
            {"id": number, "method": method, "params": params, "sessionId": self._session}
        )
        return await asyncio.wait_for(reply, 60)

    async def _read(self) -> None:
        async for message in self._socket:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            if "id" in data and data["id"] in self._replies:
                future = self._replies.pop(data["id"])
                if "error" in data:
                    future.set_exception(RuntimeError(f"DevTools: {data['error']}"))
                else:
                    future.set_result(data.get("result", {}))
            elif data.get("method") == "Network.webSocketFrameReceived":
                response = data["params"]["response"]
                payload = response["payloadData"]
                # Binary frames come base64-encoded (opcode 2), text frames as they are.
                self.frames.append(
                    base64.b64decode(payload) if response["opcode"] == 2 else payload.encode()
                )

    def received(self, after: int = 0) -> bytes:
        """What the page received, from frame ``after`` on."""
        return b"".join(self.frames[after:])

    async def wait_for_output(self, needle: bytes, *, after: int = 0, seconds: float = 60) -> None:
        """Wait until the app has drawn ``needle`` (its output, as the page received it) in a
        frame from ``after`` on."""
        deadline = time.monotonic() + seconds
        while needle not in self.received(after):
            if time.monotonic() > deadline:
                tail = self.received(after)[-300:]
                raise AssertionError(f"{needle!r} never reached the page: {tail!r}")
            await asyncio.sleep(0.2)

    def close(self) -> None:
        self._reader.cancel()

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def press(self, key: str) -> None:
        """Type one printable key into the focused element, as a keyboard would."""
        code = f"Key{key.upper()}" if key.isalpha() else ""
        for kind in ("keyDown", "keyUp"):
            await self.send(
                "Input.dispatchKeyEvent",
                type=kind,
                key=key,
                code=code,
                text=key if kind == "keyDown" else "",
                windowsVirtualKeyCode=ord(key.upper()),
            )

    async def screenshot(self, path: Path) -> Path:
        shot = await self.send("Page.captureScreenshot", format="png")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


@contextlib.asynccontextmanager
async def open_page(url: str, *, width: int = 1280, height: int = 800) -> AsyncIterator[Page]:
    """A headless Chromium showing ``url``, quit (and its profile removed) on exit."""
    binary = chromium()
    if binary is None:
        raise RuntimeError("no Chromium on this machine")
    profile = tempfile.mkdtemp(prefix="annotator-chromium-")
    process = subprocess.Popen(
        [binary, *_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Chromium did not start its DevTools endpoint")
            await asyncio.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(f"ws://127.0.0.1:{port}{path}", max_msg_size=0) as socket,
        ):
            await socket.send_json(
                {"id": 1, "method": "Target.createTarget", "params": {"url": "about:blank"}}
            )
            target = (await _reply(socket, 1))["targetId"]
            await socket.send_json(
                {
                    "id": 2,
                    "method": "Target.attachToTarget",
                    "params": {"targetId": target, "flatten": True},
                }
            )
            session = (await _reply(socket, 2))["sessionId"]
            page = Page(socket, session)
            await page.send("Network.enable")
            await page.send("Page.enable")
            await page.send(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=False,
            )
            await page.send("Page.navigate", url=url)
            try:
                yield page
            finally:
                page.close()
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        shutil.rmtree(profile, ignore_errors=True)


async def _reply(socket: aiohttp.ClientWebSocketResponse, number: int) -> dict[str, Any]:
    async for message in socket:
        data = json.loads(message.data)
        if data.get("id") == number:
            if "error" in data:
                raise RuntimeError(f"DevTools: {data['error']}")
            return dict(data["result"])
    raise RuntimeError("the DevTools connection closed")
