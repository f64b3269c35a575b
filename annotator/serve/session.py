"""Plain rules of ``annotator serve``, kept apart from the web server so they are tested
without one."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ..store.invites import Role, check_name

#: How to get the web server when it is missing.
INSTALL_HINT = "annotator serve needs the web extra: pip install 'annotator[web]'"

#: A header name as RFC 9110 allows it (a token), so it can be looked up as given.
_HEADER = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}")
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def session_command(db: Path, name: str, role: Role, *, python: str | None = None) -> list[str]:
    """The argv a browser session of ``name`` runs: ``annotate --as NAME`` for an annotator,
    ``review --as NAME`` for a reviewer or the lead, on the project ``db``.

    A list of arguments, run without a shell: no name can become shell syntax.
    """
    check_name(name)
    command = "annotate" if role == "annotator" else "review"
    return [
        python or sys.executable,
        "-m",
        "annotator",
        "--db",
        str(db.resolve()),
        command,
        "--as",
        name,
    ]


def check_header(name: str) -> str:
    if not _HEADER.fullmatch(name):
        raise ValueError(f"{name!r} is not an HTTP header name")
    return name


def is_loopback(host: str) -> bool:
    return host in _LOOPBACK or host.startswith("127.")


def binding_notice(host: str, port: int) -> str:
    """The line ``annotator serve`` starts with: where it listens and who can reach it."""
    if is_loopback(host):
        return (
            f"Listening on {host}:{port}, this machine only (give --host to listen elsewhere, "
            "or put a reverse proxy in front)."
        )
    return (
        f"Listening on {host}:{port}: reachable from other machines, without TLS; "
        "put a reverse proxy with HTTPS in front."
    )


def invite_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/?token={token}"
