"""Which files an import reads (annotator/io/files.py): links out of a folder are skipped with
a notice unless --follow-links, a path named directly is followed, and a brat folder refuses
a document whose files a link takes out of it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from annotator.io import ImportFailure, read_transcript
from annotator.io.files import expand_paths

SECRET = "ROOT:  x:0:0:root:/root:/bin/bash\n"  # stands for /etc/passwd
TALK = "THE PRESIDENT:  We will build homes.\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """``talks/`` with a transcript, a subfolder, and links of every kind; ``outside/``
    beside it holds what the links out lead to."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd.md").write_text(SECRET)
    talks = tmp_path / "talks"
    (talks / "sub").mkdir(parents=True)
    (talks / "talk.md").write_text(TALK)
    (talks / "sub" / "more.md").write_text("Q:  Why?\n")
    (talks / "notes.md").symlink_to(outside / "passwd.md")  # a file link out
    (talks / "linked").symlink_to(outside, target_is_directory=True)  # a folder link out
    (talks / "again.md").symlink_to(talks / "talk.md")  # a link that stays inside
    (talks / "sub" / "loop").symlink_to(talks, target_is_directory=True)  # a loop
    (talks / "broken.md").symlink_to(tmp_path / "missing.md")
    (talks / "ping.md").symlink_to(talks / "pong.md")  # a loop of links
    (talks / "pong.md").symlink_to(talks / "ping.md")
    return talks


def test_links_out_of_a_folder_are_skipped_with_a_notice(folder: Path) -> None:
    expansion = expand_paths([folder])
    assert expansion.files == [folder / "sub" / "more.md", folder / "talk.md"]
    outside = folder.parent / "outside"
    assert expansion.notices == [
        f"skipped {folder / 'broken.md'}: a broken link (to {folder.parent / 'missing.md'})",
        f"skipped {folder / 'linked'}: a link to {outside}, outside {folder}; pass "
        "--follow-links to import it",
        f"skipped {folder / 'notes.md'}: a link to {outside / 'passwd.md'}, outside {folder}; "
        "pass --follow-links to import it",
        *loop_notices(expansion.notices, folder),
    ]


def loop_notices(notices: list[str], folder: Path) -> list[str]:
    """The notices of the loop of links (where a loop "leads" depends on the Python version)."""
    loops = [notice for notice in notices if "/ping.md:" in notice or "/pong.md:" in notice]
    assert [notice.split(" (to ")[0] for notice in loops] == [
        f"skipped {folder / name}: a broken link" for name in ("ping.md", "pong.md")
    ]
    return loops


def test_follow_links_reads_what_links_lead_to_once(folder: Path) -> None:
    expansion = expand_paths([folder], follow_links=True)
    # passwd.md is reached twice (notes.md, linked/) and talk.md twice (again.md); each is
    # read once, and the loop back to talks/ ends.
    assert sorted(expansion.files) == sorted(
        [folder / "notes.md", folder / "sub" / "more.md", folder / "talk.md"]
    )
    assert expansion.notices == [
        f"skipped {folder / 'broken.md'}: a broken link (to {folder.parent / 'missing.md'})",
        *loop_notices(expansion.notices, folder),
    ]


def test_a_link_named_directly_is_followed(folder: Path) -> None:
    assert expand_paths([folder / "notes.md"]).files == [folder / "notes.md"]
    [doc] = read_transcript(folder / "notes.md")
    assert doc.turns[0].speaker == "ROOT"


def test_link_names_cannot_forge_a_notice_line(tmp_path: Path) -> None:
    (tmp_path / "outside.md").write_text(TALK)
    talks = tmp_path / "talks"
    talks.mkdir()
    (talks / "x.md\nerror: forged").symlink_to(tmp_path / "outside.md")
    [notice] = expand_paths([talks]).notices
    assert len(notice.splitlines()) == 1 and "x.md␊error: forged" in notice


def test_import_command_skips_links_out_unless_told(
    folder: Path, run_cli: Callable[..., Result]
) -> None:
    assert run_cli("init").exit_code == 0
    result = run_cli("import", str(folder))
    assert result.exit_code == 0, result.output
    assert f"skipped {folder / 'notes.md'}: a link to" in result.stderr
    assert "passwd" not in run_cli("documents").stdout
    result = run_cli("import", "--follow-links", str(folder))
    assert result.exit_code == 0, result.output
    assert "notes.md" in result.stdout and "1 new document" in result.stdout


# ---- brat ------------------------------------------------------------------------------


@pytest.fixture
def brat(tmp_path: Path) -> Path:
    """A brat folder whose doc.txt is a link to a file outside it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd.txt").write_text(SECRET)
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "doc.txt").symlink_to(outside / "passwd.txt")
    (folder / "doc.ann").write_text("T1\tquote 0 4\tROOT\n")
    return folder


def test_brat_document_with_a_txt_link_out_is_refused(brat: Path) -> None:
    target = brat.parent / "outside" / "passwd.txt"
    expected = (
        f"{brat / 'doc.txt'}: a link to {target}, outside the brat folder {brat}: the document "
        "is refused; pass --follow-links to import it"
    )
    # The folder, or its .ann named directly: the .txt is not what the user named.
    for path in (brat, brat / "doc.ann"):
        with pytest.raises(ImportFailure) as info:
            read_transcript(path)
        assert str(info.value) == expected
    [doc] = read_transcript(brat, follow_links=True)
    assert doc.text == SECRET


def test_brat_ann_link_out_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "doc.ann").write_text("T1\tquote 0 2\tHi\n")
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "doc.txt").write_text("Hi there.")
    (folder / "doc.ann").symlink_to(outside / "doc.ann")
    with pytest.raises(ImportFailure, match=r"doc\.ann: a link to .*outside the brat folder"):
        read_transcript(folder)
    assert read_transcript(folder, follow_links=True)[0].spans[0].label == "quote"
    assert read_transcript(folder / "doc.ann")[0].text == "Hi there."  # named: followed


def test_import_command_refuses_a_brat_link_out_in_one_line(
    brat: Path, run_cli: Callable[..., Result]
) -> None:
    assert run_cli("init").exit_code == 0
    result = run_cli("import", "--as", "alice", str(brat))
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {brat / 'doc.txt'}: a link to ")
    result = run_cli("import", "--as", "alice", "--follow-links", str(brat))
    assert result.exit_code == 0, result.output


def test_a_loop_of_links_named_directly_is_refused_in_one_line(folder: Path) -> None:
    with pytest.raises(ImportFailure) as info:
        read_transcript(folder / "ping.md")
    reason = "cannot read: too many levels of symbolic links"
    assert str(info.value) == f"{folder / 'ping.md'}: {reason}"
