"""SubRip and WebVTT transcripts (annotator/io/subtitles.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_import_common import assert_well_formed, write

from annotator.io import ImportFailure, read_transcript
from annotator.model import ImportedDocument


def turns_of(doc: ImportedDocument) -> list[tuple[str | None, float | None, float | None, str]]:
    return [(t.speaker, t.start_time, t.end_time, doc.text[t.start : t.end]) for t in doc.turns]


def load(tmp_path: Path, name: str, content: str) -> ImportedDocument:
    [doc] = read_transcript(write(tmp_path, name, content))
    assert_well_formed(doc)
    return doc


SRT = """\
1
00:00:01,000 --> 00:00:03,500
MODERATOR: Good evening,
and welcome.

2
00:00:03,600 --> 00:00:05,000
<i>Tonight's subject</i> is transport.

3
00:00:05,200 --> 00:00:07,000 X1:10 X2:20 Y1:30 Y2:40
THE MAYOR: Thank you.

4
00:00:07,100 --> 00:00:09,000
{\\an8}It is a pleasure.

5
00:00:09,000 --> 00:00:10,250
MODERATOR: First question.
THE MAYOR: Go ahead.
"""


def test_srt_speakers_merge_and_timings(tmp_path: Path) -> None:
    doc = load(tmp_path, "debate.srt", SRT)
    assert doc.format == "srt"
    assert doc.title == "debate"
    assert turns_of(doc) == [
        ("MODERATOR", 1.0, 5.0, "Good evening, and welcome. Tonight's subject is transport."),
        ("THE MAYOR", 5.2, 9.0, "Thank you. It is a pleasure."),
        ("MODERATOR", 9.0, 10.25, "First question."),
        ("THE MAYOR", 9.0, 10.25, "Go ahead."),
    ]


def test_srt_without_speakers_is_one_turn(tmp_path: Path) -> None:
    text = "1\n00:00:00,000 --> 00:00:01,000\nHello.\n\n2\n00:00:01,000 --> 00:00:02,000\nAgain.\n"
    doc = load(tmp_path, "plain.srt", text)
    assert turns_of(doc) == [(None, 0.0, 2.0, "Hello. Again.")]


def test_srt_crlf_and_blank_line_inside_a_cue(tmp_path: Path) -> None:
    text = "1\r\n01:02:03,004 --> 01:02:04,000\r\nA: One\r\n\r\nstray line\r\n"
    doc = load(tmp_path, "win.srt", text)
    assert turns_of(doc) == [("A", 3723.004, 3724.0, "One stray line")]


def test_srt_title_case_prefix_is_speech_not_a_speaker(tmp_path: Path) -> None:
    text = "1\n00:00:00,000 --> 00:00:01,000\nLook: it is late.\n"
    doc = load(tmp_path, "look.srt", text)
    assert turns_of(doc) == [(None, 0.0, 1.0, "Look: it is late.")]


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        (
            "1\n00:00:01,000 --> 00:00:02,000\nHi.\n\n2\n00:01:02 --> x\nBye.\n",
            6,
            "cue timing '00:01:02 --> x' is not HH:MM:SS,mmm --> HH:MM:SS,mmm",
        ),
        ("1\nHello there\n", 2, "cue 1 has no timing line"),
        ("1\n00:00:05,000 --> 00:00:01,000\nHi.\n", 2, "ends before it starts"),
        ("Hello\n00:00:01,000 --> 00:00:02,000\nHi.\n", 1, "expected a cue number or a cue"),
    ],
)
def test_malformed_srt_names_the_line(tmp_path: Path, content: str, line: int, reason: str) -> None:
    path = write(tmp_path, "talk.srt", content)
    with pytest.raises(ImportFailure) as info:
        read_transcript(path)
    assert str(info.value).startswith(f"{path}: line {line}: ")
    assert reason in str(info.value)


VTT = """\
WEBVTT - Debate
Kind: captions
Language: en

NOTE
This is a note, not speech: MODERATOR: nothing here.

STYLE
::cue { color: yellow }

REGION
id:fred

intro
00:00:02.000 --> 00:00:06.327 align:start
<v Moderator Amara Diallo>Good evening, and welcome
to the <b>Kestrel Bay</b> debate.

00:00:06.408 --> 00:00:08.257
Tonight's subject is <c.highlight>transport</c> &amp; <00:00:07.000>roads.

00:08.300 --> 00:10.000
<v.loud Mayor Ines Marchetti>Thank you.</v>

00:00:10.100 --> 00:00:12.000
<v Mayor Ines Marchetti>Really.
<v Moderator Amara Diallo>Next.
"""


def test_vtt_voice_tags_tags_and_blocks(tmp_path: Path) -> None:
    doc = load(tmp_path, "debate.vtt", VTT)
    assert doc.format == "vtt"
    assert doc.metadata == {"header": {"Kind": "captions", "Language": "en"}}
    assert turns_of(doc) == [
        (
            "Moderator Amara Diallo",
            2.0,
            8.257,
            "Good evening, and welcome to the Kestrel Bay debate. "
            "Tonight's subject is transport & roads.",
        ),
        ("Mayor Ines Marchetti", 8.3, 12.0, "Thank you. Really."),
        ("Moderator Amara Diallo", 10.1, 12.0, "Next."),
    ]
    assert "note" not in doc.text and "yellow" not in doc.text


def test_vtt_caps_prefix_speakers(tmp_path: Path) -> None:
    text = (
        "WEBVTT\n\n00:00.000 --> 00:01.000\nQ:  Why?\n\n"
        "00:01.000 --> 00:02.000\nTHE PRESIDENT: Because.\n\n"
        "00:02.000 --> 00:03.000\nThat is why.\n"
    )
    doc = load(tmp_path, "qa.vtt", text)
    assert turns_of(doc) == [
        ("Q", 0.0, 1.0, "Why?"),
        ("THE PRESIDENT", 1.0, 3.0, "Because. That is why."),
    ]


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        ("WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nHi.\n", 3, "cue timing"),
        ("WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nHi.\n", 3, "is not [HH:]MM:SS.mmm"),
        ("WEBVTT\n\ncue-1\nHi there.\n", 4, "cue 'cue-1' has no timing line"),
        ("WEBVT\n\n00:01.000 --> 00:02.000\nHi.\n", 1, "must start with the line 'WEBVTT'"),
    ],
)
def test_malformed_vtt_names_the_line(tmp_path: Path, content: str, line: int, reason: str) -> None:
    path = write(tmp_path, "talk.vtt", content)
    with pytest.raises(ImportFailure) as info:
        read_transcript(path)
    assert str(info.value).startswith(f"{path}: line {line}: ")
    assert reason in str(info.value)


def test_subtitles_with_no_text_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\n<i></i>\n")
    with pytest.raises(ImportFailure, match="no cue with any text"):
        read_transcript(path)


def test_message_matches_the_documented_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "talk.srt", "1\n00:00:01,000 --> 00:00:02,000\nHi.\n\n2\n00:01:02 --> x\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ImportFailure) as info:
        read_transcript(Path("talk.srt"))
    assert str(info.value) == (
        "talk.srt: line 6: cue timing '00:01:02 --> x' is not HH:MM:SS,mmm --> HH:MM:SS,mmm"
    )


def test_vtt_cue_right_under_the_header(tmp_path: Path) -> None:
    doc = load(tmp_path, "tight.vtt", "WEBVTT\n00:01.000 --> 00:02.500\nHello.\n")
    assert turns_of(doc) == [(None, 1.0, 2.5, "Hello.")]
