"""Issue 13, sources: the importer registry, speaker warnings and --strict, and the new
sources (transcription services, bold Markdown, YouTube and broadcast captions, WhisperX,
ParlParse, Hansard web copy, ParlaMint people). Every file here is made up for these tests.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from test_import_common import assert_well_formed

from annotator.io import FORMATS, IMPORT_FORMATS, ImportFailure, detect_format, read_transcript
from annotator.model import ImportedDocument, SpeakerInfo
from annotator.store import Project

ROOT = Path(__file__).resolve().parent.parent


def read(tmp_path: Path, name: str, content: str, fmt: str | None = None) -> ImportedDocument:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    [doc] = read_transcript(path, fmt)
    assert_well_formed(doc)
    return doc


def turns(doc: ImportedDocument) -> list[tuple[str | None, str]]:
    return [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns]


# -- the registry -------------------------------------------------------------------


def test_registry_is_the_list_of_formats() -> None:
    assert tuple(IMPORT_FORMATS) == FORMATS
    for name, entry in IMPORT_FORMATS.items():
        assert entry.name == name
        assert entry.description and "\n" not in entry.description
        assert entry.extensions and all(ext.startswith(".") for ext in entry.extensions)
        assert (entry.parse is None) != (entry.read_path is None), name


def test_detection_reads_the_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A format added to the registry alone is detected and read.
    def parse(text: str, **_: object) -> list[ImportedDocument]:
        return read_transcript(tmp_path / "plain.txt", "text")

    (tmp_path / "plain.txt").write_text("ALICE: Hello.\n\nBOB: Hi.\n")
    extra = dataclasses.replace(
        IMPORT_FORMATS["text"],
        name="yelling",
        extensions=(".txt",),
        sniff=lambda text: text.startswith("HEY"),
        fallback_for=(),
        parse=parse,
    )
    monkeypatch.setitem(IMPORT_FORMATS, "yelling", extra)
    assert detect_format(Path("a.txt"), "HEY\nthere") == "yelling"
    assert detect_format(Path("a.txt"), "hey\nthere") == "text"
    [doc] = read_transcript(tmp_path / "plain.txt", "yelling")
    assert doc.speakers == ("ALICE", "BOB")


def test_readme_and_architecture_document_every_format() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Transcript formats", 1)[1].split("\n## ", 1)[0]
    listed = {
        name
        for row in re.findall(r"^\| (`[^|]*)\|", section, re.MULTILINE)
        for name in re.findall(r"`([\w-]+)`", row)
    }
    assert listed == set(FORMATS)
    architecture = (ROOT / "docs" / "architecture.md").read_text()
    assert "io/formats.py" in architecture


def test_no_importer_imports_another_ones_private_names() -> None:
    found = []
    for path in (ROOT / "annotator" / "io").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and "io" in (node.module or "").split("."):
                found += [(path.name, a.name) for a in node.names if a.name.startswith("_")]
    assert found == []


# -- transcription services ---------------------------------------------------------

OTTER = """Marta Quell  0:03
Thanks for making the time this morning. Let's start with the harbour levy.

Osric Bellweather  0:11
Happy to. The levy was never meant to be permanent,
and nobody on the council said it was.

Marta Quell  1:02:07
So when does it end?

Transcribed by https://otter.ai
"""


def test_otter_export(tmp_path: Path) -> None:
    doc = read(tmp_path, "levy.txt", OTTER)
    assert doc.format == "otter"
    assert turns(doc) == [
        (
            "Marta Quell",
            "Thanks for making the time this morning. Let's start with the harbour levy.",
        ),
        (
            "Osric Bellweather",
            "Happy to. The levy was never meant to be permanent, and nobody on the council "
            "said it was.",
        ),
        ("Marta Quell", "So when does it end?"),
    ]
    assert [t.start_time for t in doc.turns] == [3.0, 11.0, 3727.0]
    assert "otter.ai" not in doc.text and "0:03" not in doc.text
    assert doc.warnings == ()


def test_rev_both_styles(tmp_path: Path) -> None:
    doc = read(
        tmp_path,
        "rev.txt",
        "Dana Ruiz (00:00:03):\nWelcome back to the programme.\n\n"
        "Piet Okafor (00:01:15):\nGlad to be back.\n\n"
        "Dana Ruiz: (01:20) And the budget vote?\n\n"
        "Piet Okafor: (01:24.5) NOTE: it passed narrowly.\n",
    )
    assert doc.format == "rev"
    assert turns(doc) == [
        ("Dana Ruiz", "Welcome back to the programme."),
        ("Piet Okafor", "Glad to be back."),
        ("Dana Ruiz", "And the budget vote?"),
        ("Piet Okafor", "NOTE: it passed narrowly."),  # no other labels in a rev file
    ]
    assert [t.start_time for t in doc.turns] == [3.0, 75.0, 80.0, 84.5]


def test_a_service_names_speakers_its_own_way(tmp_path: Path) -> None:
    # A time stamp marks a speaker line, whatever the name looks like: a lower-case or
    # numbered name is a speaker too, and its time never stays in the text.
    doc = read(
        tmp_path,
        "rev.txt",
        "Presenter (00:00:02):\nWill the fares freeze continue?\n\n"
        "speaker 2 (00:00:09):\nNot on your programme.\n\n"
        "presenter (00:00:15):\nIs that a no?\n",
    )
    assert turns(doc) == [
        ("Presenter", "Will the fares freeze continue?"),
        ("speaker 2", "Not on your programme."),
        ("presenter", "Is that a no?"),
    ]
    assert "00:00" not in doc.text


def test_descript_with_bare_time_marks(tmp_path: Path) -> None:
    doc = read(
        tmp_path,
        "descript.txt",
        "[00:00:03] Lena Varga: Good evening.\n\n[00:00:09] Tomas Ek: Evening, Lena.\n"
        "[00:01:00]\nIt has been a long week.\n\n[00:01:30] Lena Varga: It has.\n",
    )
    assert doc.format == "descript"
    assert turns(doc) == [
        ("Lena Varga", "Good evening."),
        ("Tomas Ek", "Evening, Lena. It has been a long week."),  # a time mark is dropped
        ("Lena Varga", "It has."),
    ]
    assert [t.start_time for t in doc.turns] == [3.0, 9.0, 90.0]
    assert "[00:01:00]" not in doc.text


def test_a_single_timed_line_is_not_enough_to_change_format(tmp_path: Path) -> None:
    doc = read(tmp_path, "note.txt", "ALICE: We met at the pier.\n\nBOB: Yes  0:03\n")
    assert doc.format == "text"


def test_markdown_bold_speakers(tmp_path: Path) -> None:
    doc = read(
        tmp_path,
        "bold.md",
        "# Council hour\n\n**Ines Farrow:** Shall we begin?\n\n**Gil Amos**: We shall.\n"
        "Second paragraph.\n\n**note** stays text.\n",
    )
    assert doc.format == "markdown"
    assert doc.title == "Council hour"
    assert turns(doc) == [
        ("Ines Farrow", "Shall we begin?"),
        ("Gil Amos", "We shall. Second paragraph.\n**note** stays text."),
    ]


# -- captions -----------------------------------------------------------------------

YOUTUBE = """WEBVTT
Kind: captions
Language: en

00:00:00.000 --> 00:00:02.350 align:start position:0%
<SPACES>
so<00:00:00.320><c> the</c><00:00:00.640><c> ferry</c><00:00:01.100><c> runs</c>

00:00:02.350 --> 00:00:02.360 align:start position:0%
so the ferry runs
<SPACES>

00:00:02.360 --> 00:00:04.950 align:start position:0%
so the ferry runs
twice<00:00:02.700><c> a</c><00:00:02.900><c> day</c><00:00:03.300><c> now</c>

00:00:04.950 --> 00:00:04.960 align:start position:0%
twice a day now
<SPACES>

00:00:04.960 --> 00:00:07.000 align:start position:0%
twice a day now
and<00:00:05.200><c> twice</c><00:00:05.600><c> on</c><00:00:05.900><c> Sundays</c>
""".replace("<SPACES>", " ")  # YouTube puts a line of one space there


def test_youtube_automatic_captions_appear_once(tmp_path: Path) -> None:
    doc = read(tmp_path, "auto.en.vtt", YOUTUBE)
    assert doc.format == "vtt"
    assert doc.text == "so the ferry runs twice a day now and twice on Sundays"
    assert (doc.turns[0].start_time, doc.turns[0].end_time) == (0.0, 7.0)
    assert doc.metadata["header"] == {"Kind": "captions", "Language": "en"}


def test_broadcast_captions_with_chevrons(tmp_path: Path) -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:03,000\n>> ANCHOR: Good evening from the coast.\n\n"
        "2\n00:00:03,000 --> 00:00:05,000\nStorms are moving in.\n\n"
        "3\n00:00:05,000 --> 00:00:07,000\n>> It's already raining here.\n"
        ">> ANCHOR: Stay safe.\n\n"
        "4\n00:00:07,000 --> 00:00:09,000\n>> Thank you. >>> quoted\n"
    )
    doc = read(tmp_path, "news.srt", srt)
    assert turns(doc) == [
        ("ANCHOR", "Good evening from the coast. Storms are moving in."),
        (None, "It's already raining here."),
        ("ANCHOR", "Stay safe."),
        (None, "Thank you. >>> quoted"),
    ]
    assert [t.start_time for t in doc.turns] == [1.0, 5.0, 5.0, 7.0]


# -- WhisperX -----------------------------------------------------------------------


def test_whisperx_words_and_unnamed_segments(tmp_path: Path) -> None:
    data = {
        "segments": [
            {
                "start": 0.5,
                "end": 2.0,
                "text": " Where were you on Tuesday?",
                "speaker": "SPEAKER_00",
            },
            {"start": 2.1, "end": 3.0, "text": " I mean, in the morning."},
            {
                "words": [
                    {"word": "At", "start": 3.2, "end": 3.3, "speaker": "SPEAKER_01"},
                    {"word": "the", "start": 3.3, "end": 3.4, "speaker": "SPEAKER_01"},
                    {"word": "depot.", "start": 3.4, "end": 3.9},
                ]
            },
            {"start": 4.0, "end": 4.5, "text": " All day."},
        ]
    }
    doc = read(tmp_path, "x.json", json.dumps(data))
    assert turns(doc) == [
        ("SPEAKER_00", "Where were you on Tuesday? I mean, in the morning."),
        ("SPEAKER_01", "At the depot. All day."),
    ]
    assert [(t.start_time, t.end_time) for t in doc.turns] == [(0.5, 3.0), (3.2, 4.5)]
    [warning] = doc.warnings
    assert "x.json" in warning and "2 segment(s) have no speaker (segments[1] first)" in warning


def test_whisperx_bad_word_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"segments": [{"words": [{"word": 3}]}]}))
    with pytest.raises(ImportFailure) as caught:
        read_transcript(path)
    assert "segments[0].words[0].word" in str(caught.value)


# -- parliaments --------------------------------------------------------------------

PARLPARSE = """<?xml version="1.0" encoding="UTF-8"?>
<publicwhip>
<major-heading id="uk.org.publicwhip/debate/2031-03-04a.1.0">Ferry Services</major-heading>
<speech id="s1" speakername="Ada Pellow" person_id="uk.org.publicwhip/person/90001" time="11:30:00">
<p>What steps is the Department taking on <i>winter</i> timetables?</p>
</speech>
<speech id="s2" speakername="Rowan Tice" person_id="uk.org.publicwhip/person/90002">
<p>We are reviewing them.</p><p>A report follows in spring.</p>
</speech>
<minor-heading id="h2">Harbour Dues</minor-heading>
<speech id="s3" speakername="Ada Pellow" person_id="uk.org.publicwhip/person/90001">
<p>And the harbour dues?</p>
</speech>
<speech id="s4"><p>Order.</p></speech>
<division id="d1"><divisioncount ayes="3" noes="2"/></division>
</publicwhip>
"""


def test_parlparse_debate(tmp_path: Path) -> None:
    doc = read(tmp_path, "debates2031-03-04a.xml", PARLPARSE)
    assert doc.format == "parlparse"
    assert doc.title == "Ferry Services"
    assert turns(doc) == [
        ("Ada Pellow", "What steps is the Department taking on winter timetables?"),
        ("Rowan Tice", "We are reviewing them.\nA report follows in spring."),
        ("Ada Pellow", "And the harbour dues?"),
        (None, "Order."),
    ]
    assert doc.metadata["section_breaks"] == [2]
    assert doc.metadata["speech_ids"] == ["s1", "s2", "s3", "s4"]
    assert doc.speaker_info["Ada Pellow"] == SpeakerInfo(
        person="Ada Pellow", external_id="uk.org.publicwhip/person/90001"
    )
    assert set(doc.speaker_info) == {"Ada Pellow", "Rowan Tice"}


def test_parlparse_refuses_a_doctype(tmp_path: Path) -> None:
    path = tmp_path / "evil.xml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<publicwhip/>')
    with pytest.raises(ImportFailure) as caught:
        read_transcript(path, "parlparse")
    assert "DOCTYPE" in str(caught.value) and "evil.xml" in str(caught.value)


HANSARD = """Ferry Services

Ada Pellow (Westhaven and Cliffside) (Lab):
What steps is the Department taking on winter timetables?

The Secretary of State for Transport (Rowan Tice):
We are reviewing them.

Mr Speaker:
Order.

Bram Cole (Lowmoor) (LD): Will the review include island routes?

The Secretary of State for Transport: It will.

Ivo Strand (SNP): A point of order.
"""


def test_hansard_web_copy(tmp_path: Path) -> None:
    doc = read(tmp_path, "ferries.txt", HANSARD)
    assert doc.format == "hansard"
    assert turns(doc) == [
        (None, "Ferry Services"),
        ("Ada Pellow", "What steps is the Department taking on winter timetables?"),
        ("Rowan Tice", "We are reviewing them."),
        ("Mr Speaker", "Order."),
        ("Bram Cole", "Will the review include island routes?"),
        ("Rowan Tice", "It will."),
        ("Ivo Strand", "A point of order."),
    ]
    assert doc.speaker_info == {
        "Ada Pellow": SpeakerInfo(
            person="Ada Pellow", party="Lab", constituency="Westhaven and Cliffside"
        ),
        "Rowan Tice": SpeakerInfo(person="Rowan Tice"),
        "Bram Cole": SpeakerInfo(person="Bram Cole", party="LD", constituency="Lowmoor"),
        "Ivo Strand": SpeakerInfo(person="Ivo Strand", party="SNP"),
    }


def test_stage_directions_in_parentheses_are_not_hansard(tmp_path: Path) -> None:
    doc = read(
        tmp_path,
        "wh.txt",
        "THE PRESIDENT (laughs): Well.\n\nQ (Inaudible.)\n\nMS. ROE (Press Office): Next.\n\n"
        "THE PRESIDENT (laughs): Go on.\n",
    )
    assert doc.format == "text"
    assert detect_format(Path("wh.txt"), HANSARD) == "hansard"
    forced = read(tmp_path, "wh2.txt", "ALICE (laughs): Well.\n", fmt="hansard")
    assert forced.speaker_info == {}


def test_parlamint_people_go_to_speaker_info(tmp_path: Path) -> None:
    tei = """<?xml version="1.0"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:id="Sample.1">
<teiHeader><profileDesc><particDesc><listPerson>
<person xml:id="PellowAda"><persName>
<forename>Ada</forename><surname>Pellow</surname></persName></person>
</listPerson></particDesc></profileDesc></teiHeader>
<text><body><div>
<u who="#PellowAda"><seg>Thank you.</seg></u>
<u who="#TiceRowan"><seg>Not at all.</seg></u>
</div></body></text></TEI>
"""
    doc = read(tmp_path, "sample.xml", tei)
    assert doc.speakers == ("Ada Pellow", "TiceRowan")
    assert doc.speaker_info == {
        "Ada Pellow": SpeakerInfo(person="Ada Pellow", external_id="PellowAda")
    }


# -- warnings -----------------------------------------------------------------------


def test_no_speaker_warns_naming_the_file(tmp_path: Path) -> None:
    doc = read(tmp_path, "article.txt", "The harbour reopened on Monday.\n\nCrowds came.\n")
    [warning] = doc.warnings
    assert warning.startswith(f"{tmp_path / 'article.txt'}: no speaker found in 7 words")


def test_forced_format_names_the_convention_it_missed(tmp_path: Path) -> None:
    doc = read(tmp_path, "levy.txt", OTTER, fmt="text")
    [warning] = doc.warnings
    assert "no speaker found" in warning
    assert "look like Otter.ai speaker lines (line 1: 'Marta Quell  0:03')" in warning
    assert "--format otter" in warning


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (">> HOST: Welcome.\n>> GUEST: Thanks.\n", "broadcast '>>' speaker changes"),
        ("**Ines Farrow**\n\nShall we begin?\n", "bold names alone on a line"),
    ],
)
def test_unread_conventions_are_named(tmp_path: Path, content: str, what: str) -> None:
    doc = read(tmp_path, "talk.txt", content)
    [warning] = doc.warnings
    assert "talk.txt: no speaker found" in warning and what in warning


def test_bold_labels_read_as_another_format_point_to_text(tmp_path: Path) -> None:
    doc = read(tmp_path, "b.txt", "**Ines Farrow:** Begin.\n\n**Gil Amos**: Yes.\n", fmt="rev")
    [warning] = doc.warnings
    assert "2 line(s) look like Markdown bold speaker labels" in warning
    assert "--format text" in warning


def test_one_speaker_in_a_long_text_warns(tmp_path: Path) -> None:
    doc = read(tmp_path, "speech.txt", "MAYOR: " + "We will rebuild the pier. " * 250)
    [warning] = doc.warnings
    assert "only one speaker (MAYOR) in 1,250 words" in warning


def test_a_dialogue_has_no_warning(tmp_path: Path) -> None:
    assert read(tmp_path, "ok.txt", "ALICE: Hello.\n\nBOB: Hi.\n").warnings == ()


def test_span_formats_are_not_checked_for_speakers(tmp_path: Path) -> None:
    path = tmp_path / "spans.jsonl"
    path.write_text(json.dumps({"text": "No speakers here.", "label": []}) + "\n")
    assert all(doc.warnings == () for doc in read_transcript(path))


def test_cli_prints_warnings_and_strict_refuses(
    run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    run_cli("init")
    (tmp_path / "article.txt").write_text("The harbour\x1b[31m reopened.\n")
    (tmp_path / "ok.txt").write_text("ALICE: Hello.\n\nBOB: Hi.\n")
    strict = run_cli("import", "--strict", "article.txt", "ok.txt")
    assert strict.exit_code == 1
    [error] = [line for line in strict.stderr.splitlines() if line.startswith("error:")]
    assert "article.txt: no speaker found" in error and "--strict" in error
    with Project.open(tmp_path / "annotations.db") as project:
        assert [d.title for d in project.documents()] == ["ok"]
    plain = run_cli("import", "article.txt")
    assert plain.exit_code == 0
    [warning] = [line for line in plain.stderr.splitlines() if line.startswith("warning:")]
    assert "article.txt: no speaker found in 4 words" in warning
    assert "\x1b" not in plain.stderr  # nothing from the file reaches the terminal raw
    with Project.open(tmp_path / "annotations.db") as project:
        assert sorted(d.title for d in project.documents()) == ["article", "ok"]
