"""Who may open the project in a browser (``annotator serve``): a name, a role, and the
SHA-256 of a personal secret token.

The token itself is shown once, in the link ``annotator serve invite`` prints, and never
stored: the table ``invites`` keeps only its hash, so a copy of the project file lets nobody
in. A token has 256 random bits (:func:`secrets.token_urlsafe`), so a plain SHA-256 cannot be
reversed by guessing; a presented token is compared with every stored hash by
:func:`hmac.compare_digest`, in time that does not depend on where they differ.

Names follow :func:`check_name`: they become the ``--as NAME`` of the app a browser session
runs (always as one argument, never through a shell), and they are shown in listings.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Literal, cast

from ..errors import InvalidValue, ProjectError, UnknownItem
from .connection import Connection
from .database import now

Role = Literal["annotator", "reviewer", "lead"]
ROLES: tuple[Role, ...] = ("annotator", "reviewer", "lead")

#: What a token looks like: ``secrets.token_urlsafe(32)``, 43 URL-safe characters.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_RESERVED = {"gold"}


@dataclass(frozen=True)
class Invite:
    name: str
    role: Role
    created_at: str


def check_name(name: str) -> str:
    """The name, if it may be invited: 1-64 letters, digits, ``.``, ``_``, ``@`` or ``-``,
    starting with a letter or digit, and not the reserved ``gold``."""
    if not _NAME.fullmatch(name):
        raise InvalidValue(
            f"{name!r} cannot be invited: use 1-64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    if name.lower() in _RESERVED:
        raise InvalidValue(f"{name!r} is reserved for the reviewers' layer; choose another name")
    return name


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise InvalidValue(f"unknown role {role!r}; use one of: {', '.join(ROLES)}")
    return cast(Role, role)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def well_formed(token: str) -> bool:
    """Whether ``token`` has a token's shape (a malformed one is a bad request, not a guess)."""
    return TOKEN_PATTERN.fullmatch(token) is not None


class Invites:
    """The ``invites`` table: its only writer."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def invite(self, name: str, role: str) -> str:
        """A new personal token for ``name`` as ``role``; returns the token (stored: its hash).

        Inviting a name again gives a new token and role: the old link stops working.
        """
        name, checked_role = check_name(name), check_role(role)
        token = secrets.token_urlsafe(32)
        with self.connection.write():
            self.connection.db.execute(
                "INSERT INTO invites (name, role, token_sha256, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET role = excluded.role, "
                "token_sha256 = excluded.token_sha256, created_at = excluded.created_at",
                [name, checked_role, token_hash(token), now()],
            )
        return token

    def revoke(self, name: str) -> None:
        with self.connection.write():
            cursor = self.connection.db.execute("DELETE FROM invites WHERE name = ?", [name])
        if cursor.rowcount == 0:
            raise UnknownItem(f"nobody called {name!r} is invited to this project")

    def list(self) -> list[Invite]:
        rows = self.connection.db.execute(
            "SELECT name, role, created_at FROM invites ORDER BY name"
        ).fetchall()
        return [Invite(name, cast(Role, role), created) for name, role, created in rows]

    def find(self, name: str) -> Invite | None:
        row = self.connection.db.execute(
            "SELECT name, role, created_at FROM invites WHERE name = ?", [name]
        ).fetchone()
        return None if row is None else Invite(row[0], cast(Role, row[1]), row[2])

    def identify(self, token: str) -> Invite | None:
        """The invite whose token this is, or None; every stored hash is compared in constant
        time (there are few invites), so timing tells nothing of which hash came close."""
        if not well_formed(token):
            raise ProjectError("malformed token")
        presented = token_hash(token)
        found: Invite | None = None
        rows = self.connection.db.execute(
            "SELECT name, role, created_at, token_sha256 FROM invites"
        ).fetchall()
        for name, role, created, stored in rows:
            if hmac.compare_digest(presented, stored):
                found = Invite(name, cast(Role, role), created)
        return found
