"""Shared importer machinery: reading bytes, ImportFailure, DocumentBuilder.

``assert_well_formed`` lives here and the other ``test_import_*`` modules import it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from annotator.io import FORMATS, IMPORT_FORMATS, DocumentBuilder, ImportFailure, read_transcript
from annotator.io.common import display_name, json_safe
from annotator.model import ImportedDocument


def assert_well_formed(doc: ImportedDocument) -> None:
    """The layout every importer promises (see annotator/io/common.py)."""
    text = doc.text
    assert text == unicodedata.normalize("NFC", text)
    assert "\r" not in text
    assert doc.turns, "a document has at least one turn"
    previous_end = 0
    for position, turn in enumerate(doc.turns):
        assert turn.index == position
        assert previous_end <= turn.start < turn.end <= len(text)
        content = text[turn.start : turn.end]
        assert content.strip(), f"turn {position} is empty"
        assert content == content.strip(), f"turn {position} has surrounding whitespace"
        assert turn.speaker is None or turn.speaker == turn.speaker.strip() != ""
        previous_end = turn.end
    if doc.format not in ("prodigy", "doccano"):  # span formats keep their text as given
        pieces = [text[t.start : t.end] for t in doc.turns]
        assert text == "\n\n".join(pieces)
        assert all("\n\n" not in piece for piece in pieces)
    for span in doc.spans:
        assert 0 <= span.start < span.end <= len(text)
    json.dumps(dict(doc.metadata))  # metadata must be JSON-serialisable


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def test_formats_are_the_public_names() -> None:
    assert FORMATS[:8] == ("text", "markdown", "srt", "vtt", "json", "tei", "prodigy", "doccano")
    assert "annotator-jsonl" in FORMATS  # the native export, read back


def test_import_failure_is_one_line_with_file_place_and_reason() -> None:
    exc = ImportFailure("talk.srt", "cue timing\n'x' is bad", place="line 14")
    assert str(exc) == "talk.srt: line 14: cue timing 'x' is bad"
    assert (exc.file, exc.place, exc.reason) == ("talk.srt", "line 14", "cue timing 'x' is bad")
    assert str(ImportFailure("a.txt", "empty")) == "a.txt: empty"


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.txt", b"")
    with pytest.raises(ImportFailure, match=r"empty\.txt: the file is empty"):
        read_transcript(path)


def test_whitespace_only_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "blank.md", " \n\t\n\u00a0\n")
    with pytest.raises(ImportFailure, match="only whitespace"):
        read_transcript(path)


def test_binary_file_with_nul_bytes_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "picture.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ImportFailure, match="binary"):
        read_transcript(path)


def test_file_of_control_bytes_is_refused_as_binary(tmp_path: Path) -> None:
    path = write(tmp_path, "noise.txt", bytes(range(1, 9)) * 20 + b"hello")
    with pytest.raises(ImportFailure, match="mostly control bytes"):
        read_transcript(path)


def test_utf16_file_is_refused_with_advice(tmp_path: Path) -> None:
    path = write(tmp_path, "wide.txt", "Q:  hello".encode("utf-16"))
    with pytest.raises(ImportFailure, match="UTF-16; save it as UTF-8"):
        read_transcript(path)


def test_invalid_utf8_names_line_and_byte(tmp_path: Path) -> None:
    path = write(tmp_path, "latin1.txt", b"line one\nline two\ncaf\xe9 au lait\n")
    with pytest.raises(ImportFailure) as info:
        read_transcript(path)
    message = str(info.value)
    assert message.startswith(f"{path}: line 3: invalid UTF-8: byte 0xE9 at byte 4 of the line")
    assert "\n" not in message


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.txt", "\ufeffTHE PRESIDENT:  Hello.".encode())
    [doc] = read_transcript(path)
    assert doc.text == "Hello."
    assert doc.turns[0].speaker == "THE PRESIDENT"


def test_missing_file_is_an_import_failure(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    assert refusal(path) == "cannot read: no such file or directory"


def test_builder_lays_out_turns_and_paragraphs() -> None:
    builder = DocumentBuilder()
    assert builder.add_turn(["  \n"], speaker="EMPTY") is None  # no text, no turn
    first = builder.add_turn(["  Hello there. ", "", "Second\u00a0paragraph.\n\nThird."], "A")
    second = builder.add_turn(["cafe\u0301"], None, 1.5, 2.0)
    doc = builder.build(
        title="t", format="text", source_path=None, metadata={"d": dt.date(2024, 1, 2)}
    )
    assert doc.text == "Hello there.\nSecond\u00a0paragraph.\nThird.\n\ncafé"
    assert first is not None and second is not None
    assert doc.text[first.start : first.end] == "Hello there.\nSecond\u00a0paragraph.\nThird."
    assert doc.text[second.start : second.end] == "café"
    assert (second.index, second.speaker, second.start_time, second.end_time) == (1, None, 1.5, 2.0)
    assert doc.metadata == {"d": "2024-01-02"}
    assert_well_formed(doc)


def test_json_safe_converts_yaml_types() -> None:
    when = dt.datetime(2025, 2, 17, 11, 51, 24, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    value = {"when": when, 1: (1, 2.5, None), "nan": float("nan"), "set": {"b", "a"}}
    assert json_safe(value) == {
        "when": "2025-02-17T11:51:24-05:00",
        "1": [1, 2.5, None],
        "nan": "nan",
        "set": ["a", "b"],
    }


def refusal(path: Path, fmt: str | None = None) -> str:
    """The reason ``read_transcript`` refuses ``path`` with: its message is one line that
    starts with the file's name (control characters in it shown as symbols)."""
    with pytest.raises(ImportFailure) as info:
        read_transcript(path, fmt)
    message, shown = str(info.value), display_name(path)
    assert len(message.splitlines()) == 1, message
    assert message.startswith(f"{shown}: "), message
    return message[len(shown) + 2 :]


# ---- names and places in messages are one line; unreadable files; the safety net -------


def test_file_names_and_places_cannot_forge_a_second_line() -> None:
    error = ImportFailure("evil\nerror: forged.md", "bad\x1b[2J\u2028thing", place="line 1\r\n2")
    assert str(error) == "evil␊error: forged.md: line 1 2: bad␛[2J thing"
    assert len(str(error).splitlines()) == 1


def test_a_file_name_with_a_newline_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "two\nlines.json", "{broken")
    assert display_name(path).endswith("two␊lines.json")
    assert refusal(path).startswith("line 1, column 2: invalid JSON")


def test_the_import_command_prints_one_line_for_a_forged_name(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    assert run_cli("init").exit_code == 0
    write(tmp_path, "a\nerror: all is well\x1b[2J.json", "{broken")
    result = run_cli("import", str(tmp_path))
    assert result.exit_code == 1
    [line] = [line for line in result.stderr.splitlines() if "all is well" in line]
    assert line.startswith("error: ")
    assert "a␊error: all is well␛[2J.json: line 1, column 2: invalid JSON" in line


def test_a_file_name_that_is_not_utf8_is_stored_readably(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.md")  # undecodable bytes come back as lone surrogates
    path = write(tmp_path, name, "THE PRESIDENT:  Hello.")
    [doc] = read_transcript(path)
    assert (doc.title, doc.source_path) == ("caf\ufffd", str(tmp_path / "caf\ufffd.md"))


def _unreadable(tmp_path: Path, name: str, content: str) -> Path:
    path = write(tmp_path, name, content)
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as a user who may read any file (root)")
    return path


def test_a_file_without_read_permission_is_refused(tmp_path: Path) -> None:
    path = _unreadable(tmp_path, "locked.md", "THE PRESIDENT:  Hello.")
    assert refusal(path).startswith("cannot read: permission denied")


def test_permission_denied_is_refused_even_for_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Permissions do not bind root: the operating system's refusal is simulated instead.
    path = write(tmp_path, "locked.md", "THE PRESIDENT:  Hello.")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    reason = "cannot read: permission denied; check the file's permissions (chmod u+r)"
    assert refusal(path) == reason


@pytest.mark.parametrize("error", [RecursionError(), OSError(5, "Input/output error")])
def test_read_transcript_turns_recursion_and_os_errors_into_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    # A future importer that recurses over its input, or reads a second file, without
    # catching what that raises still ends in an ImportFailure naming the file.
    def parse(
        text: str, *, source: str, source_path: str | None, scheme: object
    ) -> list[ImportedDocument]:
        raise error

    srt = dataclasses.replace(IMPORT_FORMATS["srt"], parse=parse)
    monkeypatch.setitem(IMPORT_FORMATS, "srt", srt)
    path = write(tmp_path, "talk.srt", "1\n00:00:01,000 --> 00:00:02,000\nHi.\n")
    reason = refusal(path)
    assert reason in ("the file is nested too deeply to read", "cannot read: input/output error")


def test_read_transcript_lets_other_errors_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The safety net is narrow: a bug elsewhere is still a bug, with its traceback.
    def parse(
        text: str, *, source: str, source_path: str | None, scheme: object
    ) -> list[ImportedDocument]:
        raise KeyError("a bug")

    srt = dataclasses.replace(IMPORT_FORMATS["srt"], parse=parse)
    monkeypatch.setitem(IMPORT_FORMATS, "srt", srt)
    with pytest.raises(KeyError):
        read_transcript(write(tmp_path, "talk.srt", "1\n00:00:01,000 --> 00:00:02,000\nHi.\n"))
