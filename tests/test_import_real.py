"""The real transcripts in ../shared/data/real (skipped when that folder is absent).

The expected counts were worked out from the files themselves (grep for labels, JSON item
kinds, ``<u>`` elements), not from the importer, and are explained next to each number.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from test_import_common import assert_well_formed

from annotator.io import read_transcript
from annotator.model import ImportedDocument


def load(folder: Path, name: str, fmt: str) -> list[ImportedDocument]:
    docs = read_transcript(folder / name)
    for doc in docs:
        assert doc.format == fmt
        assert doc.source_path == str(folder / name)
        assert_well_formed(doc)
    return docs


def speaker_counts(docs: list[ImportedDocument]) -> Counter[str | None]:
    return Counter(turn.speaker for doc in docs for turn in doc.turns)


def turn_text(doc: ImportedDocument, index: int) -> str:
    turn = doc.turns[index]
    return doc.text[turn.start : turn.end]


def test_hannity_interview(real_data: Path) -> None:
    [doc] = load(real_data, "wh_2025-02-18_interview_trump_musk_hannity.md", "markdown")
    assert doc.title == (
        "Interview of President Trump and Elon Musk by Sean Hannity, “The Sean Hannity Show”"
    )
    assert doc.metadata["date"] == "2025-02-18"
    assert doc.metadata["modified_time"] == "2025-02-19T08:41:43-05:00"
    # 301 `Q` lines, 232 `THE PRESIDENT:`, 250 `MR. MUSK:`; plus the venue/time block
    # before the first label and the closing `END 1:01 P.M. EST` line.
    assert speaker_counts([doc]) == {"Q": 301, "MR. MUSK": 250, "THE PRESIDENT": 232, None: 2}
    assert len(doc.turns) == 785
    assert set(doc.speakers) == {"Q", "THE PRESIDENT", "MR. MUSK"}
    assert turn_text(doc, 0) == "Roosevelt Room\n11:48 A.M. EST"
    assert (doc.turns[1].speaker, turn_text(doc, 1)) == (
        "Q",
        "Mr. President, great to see you again.",
    )
    assert (doc.turns[6].speaker, turn_text(doc, 6)) == ("MR. MUSK", "Hi.")
    assert turn_text(doc, 9).startswith(
        "I’ve been reading a lot about you.\u00a0 I’ve got to start with this."
    )
    assert (doc.turns[-1].speaker, turn_text(doc, -1).split()) == (
        None,
        ["END", "1:01", "P.M.", "EST"],
    )


def test_fox_sports_interview(real_data: Path) -> None:
    [doc] = load(real_data, "wh_2025-02-16_interview_trump_fox_sports_short.md", "markdown")
    assert doc.title == "Interview of President Trump by Jamie Little, “Fox Sports”"
    assert speaker_counts([doc]) == {"Q": 8, "THE PRESIDENT": 8, None: 2}
    assert turn_text(doc, 0) == "Daytona International Speedway\nDaytona, Florida\n1:44 P.M. EST"
    assert (doc.turns[1].speaker, turn_text(doc, 1)) == (
        "Q",
        "I’m joined now by the president of the United States.\u00a0 Mr. President, five years "
        "ago, we were standing in this very spot.",
    )
    assert (doc.turns[16].speaker, turn_text(doc, 16)) == (
        "THE PRESIDENT",
        "Thank you very much.\u00a0 Great.",
    )


def test_biden_press_conference(real_data: Path) -> None:
    [doc] = load(real_data, "wh_2022-01-19_biden_press_conference.md", "markdown")
    assert doc.title == "Remarks by President Biden in Press Conference"  # NBSPs collapsed
    # 90 `Q` lines and 89 `THE PRESIDENT:` lines. (The data README says the opening statement
    # has no speaker label, but the file labels it `THE PRESIDENT:` right after the
    # "East Room / 4:02 P.M. EST" block, which is the only unlabelled text at the start.)
    assert speaker_counts([doc]) == {"Q": 90, "THE PRESIDENT": 89, None: 2}
    assert turn_text(doc, 0) == "East Room\n4:02 P.M. EST"
    opening = turn_text(doc, 1)
    assert doc.turns[1].speaker == "THE PRESIDENT"
    assert opening.startswith("Hello, folks.\u00a0 Thanks for being here.\nWell, good afternoon")
    assert "Tomorrow will mark one year since I took office." in opening  # hard wrap joined
    assert opening.count("\n") > 50  # one long, multi-paragraph statement
    # Sentences such as "And we know why: COVID-19." are not speaker labels.
    assert "And we know why: COVID-19." in opening
    assert turn_text(doc, -1) == "5:53 P.M. EST"
    assert "(Laughter.)" in doc.text


def test_congressional_record(real_data: Path) -> None:
    name = "crec_2005-07-20_house_PgH6117-3.json"
    [doc] = load(real_data, name, "json")
    raw = json.loads((real_data / name).read_text(encoding="utf-8"))
    speech = [item for item in raw["content"] if item["kind"] == "speech"]
    assert Counter(item["kind"] for item in raw["content"]) == {
        "speech": 390,
        "title": 89,
        "recorder": 71,
        "linebreak": 5,
        "clerk": 1,
    }
    # Every speech item has its own `turn` value, so each is one turn.
    assert len({item["turn"] for item in speech}) == 390
    assert len(doc.turns) == 390
    assert [t.speaker for t in doc.turns] == [item["speaker"] for item in speech]
    assert len(doc.speakers) == 77
    assert {"The Clerk", "The RECORDER", "None", None}.isdisjoint(t.speaker for t in doc.turns)
    assert doc.title == "FOREIGN RELATIONS AUTHORIZATION ACT, FISCAL YEARS 2006 AND 2007"
    assert doc.metadata["header"]["pages"] == "H6117-H6173"
    assert (doc.turns[8].speaker, turn_text(doc, 8)) == (
        "Mr. HYDE",
        "Mr. Chairman, we are prepared to continue to work with the gentleman from California "
        "and the administration in order to protect the national interests broadly considered "
        "and help Egypt achieve the economic and political reform it needs.",
    )
    assert turn_text(doc, 0).startswith("Pursuant to House Resolution 365 and rule XVIII")
    # No non-speech item became text: those whose words never occur in a speech item are
    # absent from the document.
    flat = " ".join(doc.text.split())
    speech_text = " ".join(" ".join(item["text"].split()) for item in speech)
    checked = 0
    for item in raw["content"]:
        words = " ".join(item["text"].split())
        if item["kind"] != "speech" and len(words) > 30 and words[:60] not in speech_text:
            assert words[:60] not in flat
            checked += 1
    assert checked > 100


def test_april_2023_briefings(real_data: Path) -> None:
    docs = load(real_data, "wh_press_briefings_2023-04_all16_concatenated.md", "markdown")
    assert len(docs) == 16  # 16 front-matter blocks
    assert [doc.metadata["date"] for doc in docs] == [
        "2023-04-03",
        "2023-04-04",
        "2023-04-05",
        "2023-04-06",
        "2023-04-10",
        "2023-04-11",
        "2023-04-12",
        "2023-04-13",
        "2023-04-18",
        "2023-04-19",
        "2023-04-20",
        "2023-04-21",
        "2023-04-24",
        "2023-04-25",
        "2023-04-27",
        "2023-04-27",
    ]
    assert docs[0].title == (
        "Press Gaggle by Principal Deputy Press Secretary Olivia Dalton En Route Fridley, MN"
    )
    assert docs[14].title.startswith("Background Press Call by Senior Administration Officials")
    assert [len(doc.turns) for doc in docs] == [
        50,
        195,
        122,
        265,
        282,
        114,
        80,
        77,
        105,
        118,
        178,
        131,
        84,
        155,
        23,
        138,
    ]
    # grep counts of the labels at line starts. `Q`: 993 lines with `Q` + 2 spaces (or tab),
    # plus one written `Q\`` (a Markdown-escaped backtick typo). `MS. JEAN-PIERRE`: 751 + one
    # written `MS. JEAN-PIERRE:\``. Each document starts with a venue/time block and ends
    # with a time line: 2 turns without a speaker per document.
    assert speaker_counts(docs) == {
        "Q": 994,
        "MS. JEAN-PIERRE": 752,
        "MR. KIRBY": 200,
        "MS. SLOAT": 39,
        "MS. DALTON": 29,
        "MR. SULLIVAN": 23,
        "MR. SAVETT": 22,
        "SENIOR ADMINISTRATION OFFICIAL": 12,
        "AIDE": 4,
        "MODERATOR": 3,
        "MS. HAILEY": 3,
        "MS. CHAIKEN": 1,
        "MR KIRBY": 1,  # typos kept as written
        "Mr. KIRBY": 1,
        "MR. SLOAT": 1,
        None: 32,
    }
    kirby_day = docs[3]
    assert "MR KIRBY" in kirby_day.speakers and "Mr. KIRBY" in kirby_day.speakers
    typo = next(t for t in kirby_day.turns if t.speaker == "MR KIRBY")
    assert kirby_day.text[typo.start : typo.end] == "Those were some of the key ones."
    sloat = next(t for t in docs[6].turns if t.speaker == "MR. SLOAT")
    assert (
        docs[6]
        .text[sloat.start : sloat.end]
        .startswith("I guess I can answer the same question a second time.")
    )
    starship = [
        doc.text[t.start : t.end]
        for doc in docs
        for t in doc.turns
        if t.speaker == "Q" and "SpaceX Starship" in doc.text[t.start : t.end]
    ]
    assert starship and starship[0].startswith("And any reaction to the SpaceX Starship rocket")
    assert (docs[0].turns[0].speaker, turn_text(docs[0], 0)) == (
        None,
        "Aboard Air Force One\nEn Route Fridley, Minnesota\n12:41 P.M. EDT",
    )
    assert turn_text(docs[-1], -1) == "3:34 P.M. EDT"
    # Hard-wrapped sentences with a colon are not labels.
    assert any("Patrick’s Day: We’d like to see the National Assembly" in d.text for d in docs)


def test_parlamint_sample(real_data: Path) -> None:
    [doc] = load(real_data, "parlamint-gb_2022-07-21_commons_sample.xml", "tei")
    assert doc.title == (
        "Great Britain parliamentary corpus ParlaMint-GB, Commons, 2022-07-21 [ParlaMint SAMPLE]"
    )
    # 4 <u> elements; the file has no <listPerson>, so speakers are the `who` ids.
    assert [t.speaker for t in doc.turns] == [
        "LindsayHoyle",
        "RobertBlackman",
        "DavidRutley",
        "EleanorLaing",
    ]
    # 23 <seg> elements: 4 + 1 + 16 + 2 paragraphs.
    assert [turn_text(doc, i).count("\n") + 1 for i in range(4)] == [4, 1, 16, 2]
    assert len(doc.text.split()) == 2202  # the README's word count inside <seg>
    assert turn_text(doc, 1) == (
        "1. What progress her Department has made on securing a free trade agreement with India."
    )
    assert turn_text(doc, 3).endswith("Question put and agreed to.")
    for not_speech in (
        "SAMPLING",
        "End of debateSection.",
        "House adjourned.",
        "Speaker's Statement",
    ):
        assert not_speech not in doc.text
    assert doc.metadata["turn_ana"] == ["#chair", "#regular", "#regular", "#regular"]
