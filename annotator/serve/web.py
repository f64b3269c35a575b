"""The web server of ``annotator serve``: aiohttp and textual-serve (the ``web`` extra).

textual-serve serves a page with a terminal in it; the page's websocket drives one app
process, which speaks textual's web driver protocol on its standard input and output. This
module keeps textual-serve's page, static files and protocol, and changes what decides who
runs what:

- **who**: a request is somebody's only by a personal token (in the invite link once, then
  in an HttpOnly cookie) whose hash is in the project's ``invites``, or, with
  ``--trusted-header``, by the name a reverse proxy puts in that header, which must be
  invited. A name in the URL counts for nothing. Missing or unknown identity: 403;
  a request that cannot be read (a malformed token, two tokens, a bad size): 400.
- **what**: the session runs :func:`~annotator.serve.session.session_command` for that name
  and role, as an argument list without a shell (textual-serve itself runs a shell string).
- **when it ends**: closing the tab closes the websocket; the app is asked to quit, then
  terminated, then killed, within :data:`QUIT_GRACE` seconds each. An app that ends (or
  never starts) closes the websocket, so the page says "Session ended" instead of waiting;
  one that failed closes it with its last error line as the reason, which the page shows.
- **before the splash**: the page is served only when the project opens (finding who asks
  opens it); otherwise an error page says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from ..errors import AnnotatorError
from ..store import Project, describe_failure, is_failure
from ..store.invites import Invite, Invites, check_name, well_formed
from .session import session_command

log = logging.getLogger("annotator.serve")

COOKIE = "annotator_token"
#: Seconds an app gets to quit when its tab closes, and again after SIGTERM.
QUIT_GRACE = 2.0
_MAX_SIZE = 1000  # terminal columns or rows a page may ask for


@dataclass(frozen=True)
class ServeConfig:
    db: Path
    host: str = "127.0.0.1"
    port: int = 8000
    trusted_header: str | None = None
    public_url: str | None = None
    #: The interpreter sessions run ``-m annotator`` with [default: this one].
    python: str | None = None
    #: Called with each session's argv before it starts (a log line, or a test's record).
    on_session: Callable[[list[str]], None] | None = field(default=None, compare=False)


class Session(AppService):
    """One browser session's app process: started from an argv (no shell), stopped for sure."""

    def __init__(self, argv: list[str], **kwargs: object) -> None:
        super().__init__(" ".join(argv), **kwargs)  # type: ignore[arg-type]
        self.argv = argv

    async def _open_app_process(
        self, width: int = 80, height: int = 24
    ) -> asyncio.subprocess.Process:
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
        )
        assert process.stdin is not None and process.stderr is not None
        self._stdin = process.stdin
        # textual-serve reads stderr into its log; a tail of it tells the page why an app
        # that failed ended.
        process.stderr = _Tail(process.stderr)  # type: ignore[assignment]
        return process

    @property
    def failure(self) -> str | None:
        """Why the app failed, in its last line of error output; None if it ended well (or
        was stopped with its tab)."""
        process = self._process
        if process is None or process.returncode in (None, 0) or self._task is None:
            return None
        tail = process.stderr.tail if isinstance(process.stderr, _Tail) else b""
        lines = _ESCAPES.sub("", tail.decode("utf-8", "replace")).splitlines()
        last = next((line.strip() for line in reversed(lines) if line.strip()), "")
        return last or f"the app ended with exit status {process.returncode}"

    async def run(self) -> None:
        await super().run()
        if self._process is not None:
            await _ended(self._process, QUIT_GRACE)  # its exit status says how it went
        # The app ended (or never started): close the page's websocket, which then shows
        # "Session ended" (or why the app failed) rather than a splash that waits for ever.
        with contextlib.suppress(Exception):
            await self.remote_close()

    async def stop(self) -> None:
        task, process = self._task, self._process
        if task is None:
            return
        self._task = None
        await self.send_meta({"type": "quit"})
        if process is not None:
            for end in (None, process.terminate, process.kill):
                if process.returncode is None and end is not None:
                    with contextlib.suppress(ProcessLookupError):
                        end()
                if await _ended(process, QUIT_GRACE):
                    break
        if self._stdin is not None:
            # The pipe to an ended process: closed, so that asyncio lets the process go.
            self._stdin.close()
        # Waited for, never cancelled: the task may be closing the page's websocket, and a
        # close cut short can leave the page without its close frame (a tab that never hears
        # that its session ended).
        await asyncio.wait({task}, timeout=QUIT_GRACE)


class _Tail:
    """An app's error output as textual-serve reads it, keeping its last few kilobytes."""

    KEEP = 4096

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.stream = stream
        self.tail = b""

    async def read(self, n: int = -1) -> bytes:
        data = await self.stream.read(n)
        self.tail = (self.tail + data)[-self.KEEP :]
        return data


#: Terminal escape sequences (colour, cursor) in an app's error output.
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07]*\x07|[@-Z\\-_])")


def _close_reason(failure: str) -> bytes:
    """A websocket close reason: at most 123 bytes of UTF-8 (RFC 6455), cut at a character."""
    reason = f"The app stopped: {failure}".encode()
    if len(reason) > 123:
        reason = reason[:120].decode("utf-8", "ignore").encode() + "…".encode()[:3]
    return reason


async def _ended(process: asyncio.subprocess.Process, seconds: float) -> bool:
    """Whether ``process`` ends within ``seconds`` (its return code, not ``wait()``, which
    also waits for every pipe to close)."""
    deadline = time.monotonic() + seconds
    while process.returncode is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return process.returncode is not None


def _page(status: int, title: str, message: str) -> web.Response:
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>annotator</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )
    return web.Response(status=status, text=body, content_type="text/html")


class Forbidden(Exception):
    """No identity, or one that is not invited."""


class BadRequest(Exception):
    """A request that cannot be read as one."""


class Unavailable(Exception):
    """The project cannot be opened, so nobody can be let in."""


class _PageLoader(jinja2.BaseLoader):
    """textual-serve's page with two changes:

    - no link to Google Fonts: a project served from one host tells no third party who
      opens it, and a closed network does not wait on the font (the page falls back to the
      local monospace fonts it lists);
    - when the server closes a session's websocket with a reason (the app failed), the
      "Session ended" dialog shows that reason instead (as text, never as markup).
    """

    _FONTS = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*>\s*", re.DOTALL)
    _REASON = """<script>
      (function () {
        // Wraps the WebSocket that textual.js opens, to read its close reason.
        const Native = window.WebSocket;
        function Reasoned(url, protocols) {
          const socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
          socket.addEventListener("close", function (event) {
            const message = document.querySelector(".closed-dialog .message");
            if (event.reason && message) message.textContent = event.reason;
          });
          return socket;
        }
        Reasoned.prototype = Native.prototype;
        for (const name of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) {
          Reasoned[name] = Native[name];
        }
        window.WebSocket = Reasoned;
      })();
    </script>
"""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        path = self.folder / template
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        source = self._FONTS.sub("", path.read_text(encoding="utf-8"))
        source = source.replace("<head>", "<head>\n" + self._REASON, 1)
        return source, str(path), lambda: True


def _one_line(db: Path, error: Exception) -> str:
    if isinstance(error, sqlite3.Error) and is_failure(error):
        return describe_failure(db, error)
    return str(error)


class AnnotatorServer(Server):
    def __init__(self, config: ServeConfig) -> None:
        super().__init__(
            "annotator",
            host=config.host,
            port=config.port,
            title="annotator",
            public_url=config.public_url,
        )
        self.config = config
        self.sessions: set[Session] = set()
        self._endings: set[asyncio.Future[None]] = set()

    # -- who is asking ---------------------------------------------------------------
    def _invite(self, lookup: Callable[[Invites], Invite | None]) -> Invite | None:
        try:
            project = Project.open(self.config.db, readonly=True)
        except (AnnotatorError, sqlite3.Error, OSError) as error:
            raise Unavailable(_one_line(self.config.db, error)) from None
        try:
            return lookup(Invites(project.connection))
        finally:
            project.close()

    def identify(self, request: web.Request, *, from_query: bool) -> tuple[Invite, str | None]:
        """The invite this request comes from, and the token it showed (None with a trusted
        header). Raises :class:`Forbidden` or :class:`BadRequest`."""
        header = self.config.trusted_header
        if header is not None:
            values = request.headers.getall(header, [])
            if not values:
                raise Forbidden(f"no {header} header: sign in through the proxy")
            if len(values) > 1:
                raise BadRequest(f"more than one {header} header")
            try:
                name = check_name(values[0])
            except AnnotatorError as error:
                raise BadRequest(str(error)) from None
            invite = self._invite(lambda invites: invites.find(name))
            if invite is None:
                raise Forbidden(f"{name} is not invited to this project")
            return invite, None
        tokens = request.query.getall("token", []) if from_query else []
        if len(tokens) > 1:
            raise BadRequest("more than one token")
        token = tokens[0] if tokens else request.cookies.get(COOKIE)
        if not token:
            raise Forbidden("no token: open the personal link you were given")
        if not well_formed(token):
            raise BadRequest("malformed token")
        invite = self._invite(lambda invites: invites.identify(token))
        if invite is None:
            raise Forbidden("this link is not (or no longer) valid: ask for a new one")
        return invite, token

    def _same_origin(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        return origin is None or urlsplit(origin).netloc == request.host

    # -- routes --------------------------------------------------------------------------
    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._errors])
        aiohttp_jinja2.setup(app, loader=_PageLoader(Path(self.templates_path)))
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app[SERVER] = self
        app.on_shutdown.append(self._stop_sessions)
        return app

    @web.middleware
    async def _errors(
        self, request: web.Request, handler: Callable[[web.Request], object]
    ) -> web.StreamResponse:
        try:
            response = await handler(request)  # type: ignore[misc]
        except Forbidden as error:
            return _page(403, "Forbidden", str(error))
        except BadRequest as error:
            return _page(400, "Bad request", str(error))
        except Unavailable as error:
            return _page(503, "annotator cannot open the project", str(error))
        assert isinstance(response, web.StreamResponse)
        return response

    async def handle_index(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        invite, token = self.identify(request, from_query=True)
        if "token" in request.query:
            # Swap the token in the URL for a cookie, so it leaves the address bar and history.
            redirect = web.HTTPSeeOther(location="/")
            redirect.set_cookie(
                COOKIE,
                token or "",
                httponly=True,
                samesite="Lax",
                secure=self._base(request).startswith("https:"),
                path="/",
            )
            raise redirect
        size = _query_int(request, "fontsize", 16)
        context = {
            "font_size": size,
            "app_websocket_url": self._websocket_url(request),
            "config": {
                "static": {"url": self._url(request, "static", filename="/").rstrip("/") + "/"}
            },
            "application": {"name": f"annotator · {invite.name} ({invite.role})"},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    def _base(self, request: web.Request) -> str:
        """The server's address as the browser sees it: --public-url, else the request's."""
        if self.config.public_url:
            return self.config.public_url.rstrip("/")
        return f"{request.scheme}://{request.host}"

    def _url(self, request: web.Request, route: str, **parts: str) -> str:
        return f"{self._base(request)}{request.app.router[route].url_for(**parts)}"

    def _websocket_url(self, request: web.Request) -> str:
        url = self._url(request, "websocket")
        scheme = "wss" if url.startswith("https:") else "ws"
        return scheme + ":" + url.split(":", 1)[1]

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        if not self._same_origin(request):
            raise Forbidden("the page is not this server's")
        invite, _ = self.identify(request, from_query=False)
        width = _query_int(request, "width", 80)
        height = _query_int(request, "height", 24)
        argv = session_command(self.config.db, invite.name, invite.role, python=self.config.python)
        if self.config.on_session is not None:
            self.config.on_session(argv)
        log.info("session for %s (%s)", invite.name, invite.role)
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)

        async def close() -> None:
            failure = session.failure
            if failure is None:
                await websocket.close()
            else:
                log.error("the app of %s stopped: %s", invite.name, failure)
                await websocket.close(
                    code=WSCloseCode.INTERNAL_ERROR, message=_close_reason(failure)
                )

        session = Session(
            argv,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close,
            download_manager=self.download_manager,
        )
        self.sessions.add(session)
        try:
            await session.start(width, height)
            await self._process_messages(websocket, session)
        except Exception:
            log.exception("session for %s failed", invite.name)
        finally:
            # aiohttp cancels the handler when the browser goes away: the ending runs on in
            # its own task all the same, so no app outlives its tab.
            ending = asyncio.ensure_future(self._end(session, websocket))
            self._endings.add(ending)
            ending.add_done_callback(self._endings.discard)
            await asyncio.shield(ending)
        return websocket

    async def _end(self, session: Session, websocket: web.WebSocketResponse) -> None:
        try:
            await session.stop()
        finally:
            self.sessions.discard(session)
            with contextlib.suppress(Exception):
                await websocket.close()

    async def _stop_sessions(self, app: web.Application) -> None:
        await asyncio.gather(*(session.stop() for session in list(self.sessions)))


#: The server an aiohttp application belongs to.
SERVER = web.AppKey("annotator_server", AnnotatorServer)


def _query_int(request: web.Request, key: str, default: int) -> int:
    values = request.query.getall(key, [])
    if not values:
        return default
    if len(values) > 1 or not values[0].isdigit() or not 0 < int(values[0]) <= _MAX_SIZE:
        raise BadRequest(f"{key} must be one whole number from 1 to {_MAX_SIZE}")
    return int(values[0])


def serve(config: ServeConfig) -> None:
    """Run the server until interrupted (Ctrl+C)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    server = AnnotatorServer(config)
    # No access log: its request lines would hold the personal tokens of invite links.
    web.run_app(server.make_app(), host=config.host, port=config.port, print=None, access_log=None)
