"""JSON transcripts (annotator/io/json_transcripts.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_import_common import assert_well_formed, refusal, write

from annotator.io import ImportFailure, read_transcript
from annotator.io.json_transcripts import congressional_paragraphs
from annotator.model import ImportedDocument


def turns_of(doc: ImportedDocument) -> list[tuple[str | None, float | None, float | None, str]]:
    return [(t.speaker, t.start_time, t.end_time, doc.text[t.start : t.end]) for t in doc.turns]


def load(tmp_path: Path, data: Any, name: str = "talk.json") -> ImportedDocument:
    [doc] = read_transcript(write(tmp_path, name, json.dumps(data)))
    assert doc.format == "json"
    assert_well_formed(doc)
    return doc


def test_whisper_segments_merge_by_speaker(tmp_path: Path) -> None:
    data = {
        "title": "Budget briefing",
        "language": "en",
        "text": "the whole transcript, not kept",
        "segments": [
            {
                "id": 0,
                "start": 0.0,
                "end": 2.5,
                "speaker": "SPOKESPERSON",
                "text": " Good morning.",
            },
            {"id": 1, "start": 2.5, "end": 4, "speaker": "SPOKESPERSON", "text": " Questions?"},
            {"id": 2, "start": 4.2, "end": 6.0, "speaker": "REPORTER 1", "text": "  "},
            {
                "id": 3,
                "start": 4.2,
                "end": 6.0,
                "speaker": "REPORTER 1",
                "text": " Will you\nresign?",
            },
            {"id": 4, "start": 6.1, "end": 7.0, "speaker": "SPOKESPERSON", "text": "No."},
        ],
    }
    doc = load(tmp_path, data)
    assert doc.title == "Budget briefing"
    assert doc.metadata == {"language": "en"}
    assert turns_of(doc) == [
        ("SPOKESPERSON", 0.0, 4.0, "Good morning. Questions?"),
        ("REPORTER 1", 4.2, 6.0, "Will you resign?"),
        ("SPOKESPERSON", 6.1, 7.0, "No."),
    ]


def test_whisper_without_speakers_is_one_turn(tmp_path: Path) -> None:
    data = {
        "segments": [
            {"start": 0, "end": 1, "text": " One."},
            {"start": 1, "end": 2, "text": " Two."},
        ]
    }
    doc = load(tmp_path, data, "plain.json")
    assert doc.title == "plain"
    assert turns_of(doc) == [(None, 0.0, 2.0, "One. Two.")]


def test_list_of_turns(tmp_path: Path) -> None:
    data = [
        {"speaker": "Q", "text": "First question?"},
        {"speaker": "Q", "text": "Second question,\n\nin two paragraphs?", "start": 3, "end": 5.5},
        {"speaker": None, "text": "(Laughter.)"},
        {"text": ""},
        {"speaker": " THE PRESIDENT ", "text": "An answer."},
    ]
    doc = load(tmp_path, data)
    assert turns_of(doc) == [
        ("Q", None, None, "First question?"),
        ("Q", 3.0, 5.5, "Second question,\nin two paragraphs?"),
        (None, None, None, "(Laughter.)"),
        ("THE PRESIDENT", None, None, "An answer."),
    ]


CONGRESSIONAL_RECORD = {
    "id": "CREC-2005-07-20-pt1-PgH6117-3",
    "title": "FOREIGN RELATIONS AUTHORIZATION ACT",
    "header": {"chamber": "House", "day": "20", "extension": False},
    "related_bills": [{"congress": "109"}],
    "content": [
        {
            "kind": "speech",
            "speaker": "The SPEAKER pro tempore (Mr. Mica)",
            "turn": 0,
            "itemno": 0,
            "text": "  The SPEAKER pro tempore (Mr. Mica). Pursuant to House Resolution\n\n\n"
            "365 and rule XVIII, the Chair declares the House in the Committee.\n\n\n\n"
            "                     In the Committee of the Whole\n\n"
            "  Accordingly, the House resolved itself into the Committee.",
        },
        {
            "kind": "clerk",
            "speaker": "The Clerk",
            "turn": -1,
            "text": "  The Clerk read the title.",
        },
        {
            "kind": "speech",
            "speaker": "Mr. ISSA",
            "turn": 2,
            "text": "  Mr. ISSA. Mr. Chairman, I offer\nan amendment.",
        },
        {
            "kind": "recorder",
            "speaker": "The RECORDER",
            "turn": -1,
            "text": "  The text is as follows:",
        },
        {
            "kind": "title",
            "speaker": "None",
            "turn": -1,
            "text": "     SEC. 217. PASSPORT SECURITY.",
        },
        {"kind": "linebreak", "speaker": "None", "turn": -1, "text": ""},
        {"kind": "speech", "speaker": "Mr. ISSA", "turn": 2, "text": "  And I yield back."},
        {
            "kind": "speech",
            "speaker": "Mr. ISSA",
            "turn": 3,
            "text": "  Mr. ISSA. House Report 109-\n175, Ros-\nLehtinen.",
        },
        {
            "kind": "speech",
            "speaker": "Ms. ROS-LEHTINEN",
            "turn": 4,
            "text": "  Ms. ROS-LEHTINEN. In the Record:\n\nThe Court said so.",
        },
    ],
}


def test_congressional_record(tmp_path: Path) -> None:
    doc = load(tmp_path, CONGRESSIONAL_RECORD, "crec.json")
    assert doc.title == "FOREIGN RELATIONS AUTHORIZATION ACT"
    assert doc.metadata == {
        "id": "CREC-2005-07-20-pt1-PgH6117-3",
        "header": {"chamber": "House", "day": "20", "extension": False},
    }
    assert turns_of(doc) == [
        (
            "The SPEAKER pro tempore (Mr. Mica)",
            None,
            None,
            "Pursuant to House Resolution 365 and rule XVIII, the Chair declares the House in "
            "the Committee.\nIn the Committee of the Whole\nAccordingly, the House resolved "
            "itself into the Committee.",
        ),
        ("Mr. ISSA", None, None, "Mr. Chairman, I offer an amendment.\nAnd I yield back."),
        ("Mr. ISSA", None, None, "House Report 109-175, Ros-Lehtinen."),
        ("Ms. ROS-LEHTINEN", None, None, "In the Record:\nThe Court said so."),
    ]
    for absent in ("Clerk", "RECORDER", "text is as follows", "SEC. 217"):
        assert absent not in doc.text


def test_congressional_paragraphs_keeps_double_dashes_spaced() -> None:
    assert congressional_paragraphs("  made--slowly--\non time") == ["made--slowly-- on time"]


@pytest.mark.parametrize(
    ("data", "place", "reason"),
    [
        ({"segments": [{"start": 0, "end": 1}]}, "segments[0]", 'no "text" string'),
        ({"segments": [{"text": 5}]}, "segments[0].text", "expected a string, found int"),
        ({"segments": [{"text": "a", "start": "0"}]}, "segments[0].start", "expected a number"),
        ({"segments": [{"text": "a", "start": 2, "end": 1}]}, "segments[0]", "ends (1.0) before"),
        ({"segments": "nope"}, "segments", "expected a list, found str"),
        ([{"text": "a", "speaker": 3}], "[0].speaker", "expected a string, found int"),
        ({"content": [{"text": "a"}]}, "content[0].kind", 'every item needs a "kind" string'),
        ({"content": [{"kind": "speech"}]}, "content[0]", 'no "text" string'),
    ],
)
def test_malformed_items_name_their_json_path(
    tmp_path: Path, data: Any, place: str, reason: str
) -> None:
    path = write(tmp_path, "bad.json", json.dumps(data))
    with pytest.raises(ImportFailure) as info:
        read_transcript(path)
    assert str(info.value).startswith(f"{path}: {place}: ")
    assert reason in str(info.value)


@pytest.mark.parametrize("data", [{"words": []}, [1, 2], "just a string", [], {"content": "x"}])
def test_unknown_shape_lists_the_understood_shapes(tmp_path: Path, data: Any) -> None:
    path = write(tmp_path, "odd.json", json.dumps(data))
    with pytest.raises(ImportFailure, match=r"unknown JSON shape .*understood JSON shapes are"):
        read_transcript(path)


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.json", '{\n  "segments": [\n    {"text": "a",}\n  ]\n}\n')
    with pytest.raises(ImportFailure) as info:
        read_transcript(path)
    assert str(info.value).startswith(f"{path}: line 3, column 18: invalid JSON")


def test_json_without_any_speech_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "silent.json", json.dumps({"segments": [{"text": "  "}]}))
    with pytest.raises(ImportFailure, match="no speech with any text"):
        read_transcript(path)


SURROGATE = "a lone UTF-16 surrogate (\\ud800), which is not a character and cannot be stored"


@pytest.mark.parametrize(
    ("raw", "place"),
    [
        ('{"segments": [{"start": 0, "end": 1, "text": "a \\ud800 b"}]}', "segments[0].text"),
        ('{"title": "\\ud800", "segments": [{"text": "ab"}]}', "title"),
        ('{"segments": [{"text": "ab", "speaker": "X\\ud800"}]}', "segments[0].speaker"),
        ('[{"speaker": "A", "text": "x"}, {"text": "\\ud800"}]', "[1].text"),
        (
            '{"content": [{"kind": "speech", "speaker": "Mr. A", "text": "hi \\ud800"}]}',
            "content[0].text",
        ),
    ],
)
def test_a_lone_surrogate_is_refused_naming_its_place(tmp_path: Path, raw: str, place: str) -> None:
    reason = refusal(write(tmp_path, "talk.json", raw))
    assert reason.startswith(f"{place}: a string holds {SURROGATE}")


def test_an_escaped_surrogate_pair_is_a_character(tmp_path: Path) -> None:
    raw = '{"segments": [{"text": "Hi \\ud83d\\ude00"}]}'
    [doc] = read_transcript(write(tmp_path, "emoji.json", raw))
    assert doc.text == "Hi 😀"


@pytest.mark.parametrize(
    ("raw", "place", "reason"),
    [
        (
            '{"segments": [{"start": ' + "9" * 4301 + ', "text": "a"}]}',
            "line 1, column 25",
            "a number of 4,301 digits is too long to read (at most 4,300)",
        ),
        (
            '[{"text": "9999 in a string", "start": 1e400}]',
            "line 1, column 40",
            "the number 1e400 is too large to read",
        ),
        ('[{"text": "a",\n  "end": NaN}]', "line 2, column 10", "NaN is not a JSON number"),
        (
            '[{"text": "a", "start": ' + "9" * 400 + "}]",
            "[0].start",
            "the number of seconds is too large",
        ),
        (
            '{"segments": [{"text": "a"}], "x": ' + "[" * 70 + "]" * 70 + "}",
            "x[0][0]",
            "nested more than 64 levels deep",
        ),
        ('{"segments": ' + "[" * 5000 + "]" * 5000 + "}", None, "nested too deeply"),
    ],
    ids=["4301-digits", "1e400", "NaN", "seconds-overflow", "nested-70", "nested-5000"],
)
def test_numbers_and_nesting_no_transcript_needs_are_refused(
    tmp_path: Path, raw: str, place: str | None, reason: str
) -> None:
    message = refusal(write(tmp_path, "talk.json", raw))
    assert message.startswith(place or "the JSON")
    assert reason in message
