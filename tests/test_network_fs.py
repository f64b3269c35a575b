"""A project on a network file system is refused (SQLite's WAL mode is not safe there),
unless --allow-network-fs (or $ANNOTATOR_ALLOW_NETWORK_FS) says this one process may."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from annotator.errors import ProjectError
from annotator.store import ALLOW_NETWORK_FS_ENV_VAR, Project, database


def _mounts(tmp_path: Path, kind: str, point: Path) -> Path:
    table = tmp_path / "mounts"
    table.write_text(
        "/dev/sda1 / ext4 rw,relatime 0 0\n"
        f"server:/export {str(point).replace(' ', chr(92) + '040')} {kind} rw 0 0\n",
        encoding="utf-8",
    )
    return table


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("nfs4", "nfs4"), ("cifs", "cifs"), ("fuse.sshfs", "fuse.sshfs"), ("ext4", None)],
)
def test_the_file_system_under_a_path(tmp_path: Path, kind: str, expected: str | None) -> None:
    share = tmp_path / "team share"  # a space: written \\040 in the mount table
    share.mkdir()
    table = _mounts(tmp_path, kind, share)
    assert database.network_file_system(share / "annotations.db", table) == expected
    # A folder beside the mount point with a longer name is not inside it.
    other = tmp_path / "team share2"
    other.mkdir()
    assert database.network_file_system(other / "annotations.db", table) is None


def test_no_mount_table_means_no_refusal(tmp_path: Path) -> None:
    assert database.network_file_system(tmp_path / "a.db", tmp_path / "missing") is None


@pytest.fixture
def on_nfs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(database, "MOUNTS", _mounts(tmp_path, "nfs", tmp_path))
    monkeypatch.delenv(ALLOW_NETWORK_FS_ENV_VAR, raising=False)
    return tmp_path


def test_opening_or_creating_on_nfs_is_refused_in_one_line(on_nfs: Path, tiny_scheme) -> None:
    with pytest.raises(ProjectError, match=r"on a network file system \(nfs\).*--allow-network-fs"):
        Project.create(on_nfs / "p.db", tiny_scheme)
    assert not (on_nfs / "p.db").exists()  # nothing written


def test_the_flag_lets_one_process_use_it(
    on_nfs: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = run_cli("init")
    assert refused.exit_code == 1 and "network file system (nfs)" in refused.output
    result = run_cli("--allow-network-fs", "init")
    assert result.exit_code == 0, result.output
    monkeypatch.delenv(ALLOW_NETWORK_FS_ENV_VAR)  # the flag set it for this process
    assert run_cli("status").exit_code == 1
    monkeypatch.setenv(ALLOW_NETWORK_FS_ENV_VAR, "1")
    assert run_cli("status").exit_code == 0
