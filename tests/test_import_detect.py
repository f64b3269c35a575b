"""Format detection and dispatch (annotator/io/detect.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_import_common import assert_well_formed, write

from annotator.io import FORMATS, ImportFailure, detect_format, read_transcript

SRT = "1\n00:00:01,000 --> 00:00:02,000\nQ:  Hello?\n"
VTT = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ann>Hello.\n"
TEI = '<?xml version="1.0"?>\n<!-- c -->\n<TEI xmlns="http://www.tei-c.org/ns/1.0"><u><seg>Hi.</seg></u></TEI>'
WHISPER = json.dumps({"segments": [{"start": 0, "end": 1, "text": "Hi."}]})
PRODIGY = json.dumps({"text": "Hi.", "spans": []}) + "\n" + json.dumps({"text": "Yo."}) + "\n"
DOCCANO = json.dumps({"text": "Hi.", "label": [[0, 2, "x"]]}) + "\n"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.txt", "Q:  Hi?", "text"),
        ("a.TXT", SRT, "srt"),  # a .txt that is really SubRip
        ("a.txt", VTT, "vtt"),
        ("a.md", SRT, "markdown"),  # the extension wins where it is unambiguous
        ("a.markdown", "x", "markdown"),
        ("a.srt", "anything", "srt"),
        ("a.vtt", "anything", "vtt"),
        ("a.xml", "<x/>", "tei"),
        ("a.tei", "<x/>", "tei"),
        ("a.json", WHISPER, "json"),
        ("a.json", "{not json", "json"),  # the JSON importer reports the error
        ("a.json", PRODIGY, "prodigy"),  # a .json that is JSONL
        ("a.json", DOCCANO, "doccano"),
        ("a.jsonl", PRODIGY, "prodigy"),
        ("a.jsonl", DOCCANO, "doccano"),
        ("a.jsonl", "not json\n", "prodigy"),  # the JSONL importer names the bad line
        ("transcript", "Q:  Hi?", "text"),  # no extension: content, else text
        ("transcript", SRT, "srt"),
        ("transcript", VTT, "vtt"),
        ("transcript", TEI, "tei"),
        ("transcript", WHISPER, "json"),
        ("transcript", DOCCANO, "doccano"),
        ("transcript.data", SRT, "srt"),  # unknown extension: content
        ("transcript.data", TEI, "tei"),
    ],
)
def test_detect_format(name: str, content: str, expected: str) -> None:
    assert detect_format(Path(name), content) == expected
    assert expected in FORMATS


@pytest.mark.parametrize("content", ["Just some prose.", "<html><body/></html>", "{oops"])
def test_unknown_extension_with_undetectable_content_is_refused(
    tmp_path: Path, content: str
) -> None:
    path = write(tmp_path, "notes.docx", content)
    with pytest.raises(ImportFailure) as info:
        read_transcript(path)
    message = str(info.value)
    assert message.startswith(f"{path}: cannot tell the format")
    assert (
        "pass --format with one of text, markdown, srt, vtt, json, tei, prodigy, doccano" in message
    )


def test_unknown_format_name_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "Q:  Hi?")
    with pytest.raises(ImportFailure, match="unknown format 'docx'; use one of text, markdown"):
        read_transcript(path, format="docx")


def test_explicit_format_overrides_detection(tmp_path: Path) -> None:
    path = write(tmp_path, "subs.data", SRT)
    [as_text] = read_transcript(path, format="markdown")
    assert as_text.format == "markdown"
    assert as_text.text.startswith("1 00:00:01,000 --> 00:00:02,000")
    [as_srt] = read_transcript(path, format="srt")
    assert (as_srt.format, as_srt.text, as_srt.turns[0].speaker) == ("srt", "Hello?", "Q")


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("a.srt", SRT, "srt"),
        ("a.vtt", VTT, "vtt"),
        ("a.xml", TEI, "tei"),
        ("a.json", WHISPER, "json"),
        ("a.jsonl", PRODIGY, "prodigy"),
        ("a.jsonl", DOCCANO, "doccano"),
        ("a.md", "Q:  Hi?", "markdown"),
    ],
)
def test_read_transcript_records_format_and_source_path(
    tmp_path: Path, name: str, content: str, fmt: str
) -> None:
    path = write(tmp_path, name, content)
    docs = read_transcript(path)
    for doc in docs:
        assert doc.format == fmt
        assert doc.source_path == str(path)
        assert_well_formed(doc)


def test_output_is_deterministic(tmp_path: Path) -> None:
    path = write(
        tmp_path, "a.md", "---\ntitle: T\nwhen: 2024-01-02 03:04:05\n---\nQ:  Hi?\n\nA:  Yo.\n"
    )
    assert read_transcript(path) == read_transcript(path)
