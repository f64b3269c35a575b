"""annotator serve without a web server: invites (only token hashes stored), the session
command as a pure function, and the one-line hint when the web extra is missing."""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from pathlib import Path

import pytest

import annotator.serve
from annotator.errors import AnnotatorError
from annotator.serve.session import INSTALL_HINT, binding_notice, check_header, session_command
from annotator.store import Project
from annotator.store.invites import Invites, check_name, well_formed


def _token(output: str) -> str:
    link = output.strip().splitlines()[-1]
    assert link.startswith("http://127.0.0.1:8000/?token=")
    return link.split("token=", 1)[1]


def _rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT * FROM invites ORDER BY name").fetchall()


def test_invite_stores_only_the_hash_and_lists_without_tokens(run_cli, tmp_path: Path) -> None:
    assert run_cli("init").exit_code == 0
    result = run_cli("serve", "invite", "ana")
    assert result.exit_code == 0, result.output
    token = _token(result.output)
    assert well_formed(token)
    reviewer = _token(run_cli("serve", "invite", "bob", "--role", "reviewer").output)
    db = tmp_path / "annotations.db"
    rows = _rows(db)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("ana", "annotator", hashlib.sha256(token.encode()).hexdigest()),
        ("bob", "reviewer", hashlib.sha256(reviewer.encode()).hexdigest()),
    ]
    # The token is nowhere in the file, not even in a freed page.
    raw = db.read_bytes() + (
        db.with_name(db.name + "-wal").read_bytes()
        if db.with_name(db.name + "-wal").exists()
        else b""
    )
    assert token.encode() not in raw and reviewer.encode() not in raw
    listing = run_cli("serve", "invites", "--format", "json")
    assert listing.exit_code == 0
    assert '"name": "ana"' in listing.output and '"role": "reviewer"' in listing.output
    assert (
        token not in listing.output
        and hashlib.sha256(token.encode()).hexdigest() not in listing.output
    )
    table = run_cli("serve", "invites").output
    assert "ana" in table and "annotator" in table and token not in table


def test_revoke_and_reinvite_end_old_links(run_cli, tmp_path: Path) -> None:
    run_cli("init")
    first = _token(run_cli("serve", "invite", "ana").output)
    second = _token(run_cli("serve", "invite", "ana", "--role", "lead").output)
    with Project.open(tmp_path / "annotations.db") as project:
        invites = Invites(project.connection)
        assert invites.identify(first) is None
        found = invites.identify(second)
        assert found is not None and (found.name, found.role) == ("ana", "lead")
    assert run_cli("serve", "revoke", "ana").exit_code == 0
    assert _rows(tmp_path / "annotations.db") == []
    again = run_cli("serve", "revoke", "ana")
    assert again.exit_code == 1 and "nobody called 'ana' is invited" in again.output
    assert "Nobody is invited" in run_cli("serve", "invites").output


@pytest.mark.parametrize("name", ["", "a b", "a;rm -rf ~", "$(id)", "-x", "gold", "x" * 65])
def test_names_that_cannot_be_invited(run_cli, name: str) -> None:
    run_cli("init")
    result = run_cli("serve", "invite", "--", name)
    assert result.exit_code == 1
    assert "cannot be invited" in result.output or "reserved" in result.output
    with pytest.raises(AnnotatorError):
        check_name(name)


def test_identify_refuses_a_malformed_token(project: Project) -> None:
    invites = Invites(project.connection)
    token = invites.invite("ana", "annotator")
    assert invites.identify(token) is not None
    assert invites.identify(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    for bad in ("", "short", token + "x", token[:-1] + "!"):
        with pytest.raises(AnnotatorError):
            invites.identify(bad)


def test_session_command_is_an_argv_for_the_invited_name(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    assert session_command(db, "ana.b", "annotator") == [
        sys.executable,
        "-m",
        "annotator",
        "--db",
        str(db.resolve()),
        "annotate",
        "--as",
        "ana.b",
    ]
    assert session_command(db, "bob", "reviewer", python="py")[-3:] == ["review", "--as", "bob"]
    assert session_command(db, "lee", "lead", python="py")[-3:] == ["review", "--as", "lee"]
    with pytest.raises(AnnotatorError):
        session_command(db, "a;b", "annotator")


def test_header_names_and_binding_notice() -> None:
    assert check_header("X-Remote-User") == "X-Remote-User"
    for bad in ("", "X Remote", "X:User", "X\r\nY"):
        with pytest.raises(ValueError):
            check_header(bad)
    assert "this machine only" in binding_notice("127.0.0.1", 8000)
    assert "reachable from other machines" in binding_notice("0.0.0.0", 8000)


def test_serve_without_the_web_extra_says_how_to_install(
    run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_cli("init")
    # The import fails as if the extra were absent (also when another test imported it).
    monkeypatch.setitem(sys.modules, "annotator.serve.web", None)
    monkeypatch.delattr(annotator.serve, "web", raising=False)
    result = run_cli("serve")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: {INSTALL_HINT}"]
