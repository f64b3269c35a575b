"""Plain-text and Markdown transcripts (annotator/io/text.py)."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_import_common import assert_well_formed, refusal, write

from annotator.io import ImportFailure, read_transcript
from annotator.io.text import label_kind, parse_text
from annotator.model import ImportedDocument, normalise_text


def turns_of(doc: ImportedDocument) -> list[tuple[str | None, str]]:
    return [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns]


def parse(text: str, name: str = "talk.txt") -> list[ImportedDocument]:
    docs = parse_text(text, source=name, source_path=name)
    for doc in docs:
        assert_well_formed(doc)
    return docs


# Shaped like the White House files: NBSP indentation, Markdown hard breaks (two trailing
# spaces), blank lines holding spaces, front matter with an NBSP escape and a datetime.
WHITE_HOUSE = "\n".join(
    [
        "---",
        "date: '2025-02-16'",
        "published_time: 2025-02-16 11:49:29-05:00",
        'title: "Interview of President\\_Trump"',
        "---",
        "\u00a0",
        "Daytona International Speedway  ",
        "Daytona, Florida",
        "",
        "1:44 P.M. EST",
        "",
        "\u00a0 \u00a0 \u00a0  Q\u00a0 \u00a0 \u00a0  I’m joined now by the president.\u00a0 Mr.",
        "President, five years ago, we were here.\u00a0  ",
        "  ",
        "\u00a0 \u00a0 \u00a0  THE PRESIDENT:\u00a0  That’s right.  (Laughter.)  ",
        "",
        "\u00a0 \u00a0  MR. MUSK:\u00a0 It was a long",
        "time ago.",
        "",
        "And a second paragraph.",
        "  ",
        "Q    Another question?",
        "",
        "THE PRESIDENT:",
        "",
        "Well, I answered already.",
        "",
        "\u00a0 \u00a0  END\u00a0 \u00a0 \u00a0  1:45 P.M. EST",
        "",
    ]
)


def test_white_house_transcript() -> None:
    [doc] = parse(WHITE_HOUSE, "interview.md")
    assert doc.title == "Interview of President Trump"  # \\_ is an NBSP in YAML, collapsed
    assert doc.metadata["date"] == "2025-02-16"
    assert doc.metadata["published_time"] == "2025-02-16T11:49:29-05:00"
    assert turns_of(doc) == [
        (None, "Daytona International Speedway\nDaytona, Florida\n1:44 P.M. EST"),
        (
            "Q",
            "I’m joined now by the president.\u00a0 Mr. President, five years ago, we were here.",
        ),
        ("THE PRESIDENT", "That’s right.  (Laughter.)"),
        ("MR. MUSK", "It was a long time ago.\nAnd a second paragraph."),
        ("Q", "Another question?"),
        ("THE PRESIDENT", "Well, I answered already."),
        (None, "END\u00a0 \u00a0 \u00a0  1:45 P.M. EST"),
    ]
    assert "---" not in doc.text and "title" not in doc.text


@pytest.mark.parametrize(
    ("label", "speaker"),
    [
        ("THE PRESIDENT:", "THE PRESIDENT"),
        ("MS. JEAN-PIERRE:", "MS. JEAN-PIERRE"),
        ("SENIOR ADMINISTRATION OFFICIAL:", "SENIOR ADMINISTRATION OFFICIAL"),
        ("MR KIRBY:", "MR KIRBY"),
        ("Mr. KIRBY:", "Mr. KIRBY"),
        ("MR. O’BRIEN:", "MR. O’BRIEN"),
        ("Jane Doe:", "Jane Doe"),
        ("Secretary of State Blinken:", "Secretary of State Blinken"),
        ("SPEAKER 2:", "SPEAKER 2"),
        ("Q:", "Q"),
        ("Q.", "Q"),
        ("Q\t", "Q"),
        ("Q  ", "Q"),
        ("Q\\`", "Q"),
        ("MS. JEAN-PIERRE:\\`", "MS. JEAN-PIERRE"),
    ],
)
def test_speaker_labels(label: str, speaker: str) -> None:
    [doc] = parse(f"Intro line.\n\n{label} Said something.\n")
    assert turns_of(doc) == [(None, "Intro line."), (speaker, "Said something.")]


@pytest.mark.parametrize(
    "line",
    [
        "And we know why: COVID-19.",  # a sentence, not Title Case
        "The debt ceiling: It should be done.",
        "On Taiwan: In different respects.",  # starts with a preposition
        "Look: it is simple.",  # a discourse word
        "Note: this is a note.",
        "One two three four five six seven: too many words.",
        "Q and A is over.",  # Q needs two spaces, a tab, ':' or '.'
        "Qatar is a country: yes.",
        "12:30 is not a label.",
    ],
)
def test_ordinary_sentences_with_colons_are_not_labels(line: str) -> None:
    [doc] = parse(f"THE PRESIDENT:  Hello.\n\n{line}\n")
    assert turns_of(doc) == [("THE PRESIDENT", f"Hello.\n{line}")]


def test_title_case_label_only_at_paragraph_start() -> None:
    text = (
        "MS. JEAN-PIERRE:  He said it on St.\n"
        "Patrick’s Day: We’d like to see it.\n"
        "Ukraine: It is not standard practice.\n"
        "\n"
        "Jane Doe: A new speaker.\n"
    )
    [doc] = parse(text)
    assert turns_of(doc) == [
        (
            "MS. JEAN-PIERRE",
            "He said it on St. Patrick’s Day: We’d like to see it. Ukraine: It is not "
            "standard practice.",
        ),
        ("Jane Doe", "A new speaker."),
    ]


def test_capital_label_on_a_line_right_after_text_starts_a_turn() -> None:
    text = "MS. JEAN-PIERRE:  Here is my colleague.  \nMS. HAILEY:  Good afternoon.\n"
    [doc] = parse(text)
    assert turns_of(doc) == [
        ("MS. JEAN-PIERRE", "Here is my colleague."),
        ("MS. HAILEY", "Good afternoon."),
    ]


def test_label_without_text_yields_no_turn() -> None:
    [doc] = parse("MODERATOR:\nTHE PRESIDENT:  Hi.\n\nAIDE:\n")
    assert turns_of(doc) == [("THE PRESIDENT", "Hi.")]


def test_article_without_labels_has_one_turn_per_paragraph() -> None:
    text = (
        "# Budget passes\n\n"
        "The budget passed on Tuesday after a long\n"
        "debate in the chamber.\n\n"
        "  Critics said: it is not enough.\n\n\n"
        "Supporters disagreed.\n"
    )
    [doc] = parse(text, "news.md")
    assert doc.title == "Budget passes"
    assert turns_of(doc) == [
        (None, "The budget passed on Tuesday after a long debate in the chamber."),
        (None, "Critics said: it is not enough."),
        (None, "Supporters disagreed."),
    ]


def test_heading_with_front_matter_title_goes_to_metadata() -> None:
    [doc] = parse("---\ntitle: From YAML\n---\n# From heading\n\nQ:  Hi?\n", "a.md")
    assert doc.title == "From YAML"
    assert doc.metadata["heading"] == "From heading"
    assert doc.text == "Hi?"


def test_markdown_is_kept_literally() -> None:
    [doc] = parse("THE PRESIDENT:  It was *very* \\[good\\] -- `code`.\n", "a.md")
    assert doc.text == "It was *very* \\[good\\] -- `code`."


def test_title_falls_back_to_the_file_stem() -> None:
    [doc] = parse("Q:  Hi?\n", "some/dir/press-call.txt")
    assert doc.title == "press-call"


def test_several_front_matter_blocks_make_several_documents() -> None:
    text = (
        "---\ndate: '2023-04-03'\ntitle: First briefing\n---\n \nRoom A\n\n"
        "MS. DALTON:  Good afternoon.\n\nQ    Thank you.\n\n12:55 P.M. EDT\n"
        "---\ndate: '2023-04-04'\ntitle: Second briefing\n---\n\n"
        "MS. JEAN-PIERRE:  Hello.\n"
        "---\ndate: 2023-04-05\nvenue: none\n---\nMR KIRBY:  Typo kept.\n"
    )
    docs = parse(text, "briefings.md")
    assert [d.title for d in docs] == ["First briefing", "Second briefing", "briefings #3"]
    assert [d.metadata["date"] for d in docs] == ["2023-04-03", "2023-04-04", "2023-04-05"]
    assert turns_of(docs[0]) == [
        (None, "Room A"),
        ("MS. DALTON", "Good afternoon."),
        ("Q", "Thank you."),
        (None, "12:55 P.M. EDT"),
    ]
    assert turns_of(docs[1]) == [("MS. JEAN-PIERRE", "Hello.")]
    assert turns_of(docs[2]) == [("MR KIRBY", "Typo kept.")]


def test_horizontal_rule_is_not_front_matter() -> None:
    [doc] = parse("Q:  One?\n\n---\n\nTHE PRESIDENT:  Two.\n")
    assert turns_of(doc) == [("Q", "One?\n---"), ("THE PRESIDENT", "Two.")]


@pytest.mark.parametrize(
    ("block", "line"),
    [("title: ok\nbroken: [1, 2\n", 3), ("title: ok\ndate: x: y\nmore: 1\n", 3)],
)
def test_malformed_front_matter_names_the_line(block: str, line: int) -> None:
    with pytest.raises(ImportFailure, match=rf"^bad\.md: line {line}: the YAML front matter is"):
        parse_text(f"---\n{block}---\nQ:  Hi?\n", source="bad.md", source_path=None)


def test_unclosed_front_matter_is_refused() -> None:
    with pytest.raises(ImportFailure, match="line 1: the YAML front matter opened here is never"):
        parse_text("---\ntitle: ok\n\nQ:  Hi?\n", source="bad.md", source_path=None)


def test_front_matter_without_text_is_refused() -> None:
    text = "---\ntitle: a\n---\nQ:  Hi?\n---\ntitle: b\n---\n\n"
    with pytest.raises(ImportFailure, match="line 5: this document has front matter but no text"):
        parse_text(text, source="x.md", source_path=None)


def test_crlf_and_decomposed_text_are_normalised(tmp_path: Path) -> None:
    path = write(tmp_path, "win.txt", "Q:  Cafe\u0301?\r\n\r\nTHE PRESIDENT:  Yes.\r\n")
    [doc] = read_transcript(path)
    assert doc.format == "text"
    assert turns_of(doc) == [("Q", "Café?"), ("THE PRESIDENT", "Yes.")]
    assert_well_formed(doc)


def test_format_name_records_the_extension(tmp_path: Path) -> None:
    assert read_transcript(write(tmp_path, "a.md", "Q:  Hi?"))[0].format == "markdown"
    assert read_transcript(write(tmp_path, "a.markdown", "Q:  Hi?"))[0].format == "markdown"
    assert read_transcript(write(tmp_path, "a.txt", "Q:  Hi?"))[0].format == "text"


def test_label_kind() -> None:
    assert label_kind("THE PRESIDENT") == "caps"
    assert label_kind("Mr. KIRBY") == "caps"
    assert label_kind("Jane Doe") == "title"
    assert label_kind("The bottom line") is None
    assert label_kind("So") is None
    assert label_kind("A B C D E F G") is None


# -- property: speaker-labelled text round-trips its turn contents ------------------------

SPEAKERS = [
    "Q",
    "THE PRESIDENT",
    "MR. MUSK",
    "MS. JEAN-PIERRE",
    "SENIOR ADMINISTRATION OFFICIAL",
    "MR KIRBY",
    "Jane Doe",
]
# No colon, '#', '-' or capital letters: no word can look like a label, heading or rule.
WORD = st.text(
    alphabet=string.ascii_lowercase + string.digits + "äéßçñ—’,.?!()\u0301", min_size=1, max_size=9
)
PARAGRAPH = st.lists(WORD, min_size=1, max_size=25)
TURN = st.tuples(st.sampled_from(SPEAKERS), st.lists(PARAGRAPH, min_size=1, max_size=3))
INDENT = st.sampled_from(["", "  ", "\u00a0 \u00a0 ", "\t"])


@st.composite
def labelled_transcript(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]]]:
    turns = draw(st.lists(TURN, min_size=1, max_size=8))
    out: list[str] = []
    expected: list[tuple[str, str]] = []
    for speaker, paragraphs in turns:
        rendered_paragraphs = []
        for paragraph in paragraphs:
            # Hard-wrap the words at random points, with random indentation.
            lines: list[list[str]] = [[]]
            for word in paragraph:
                if lines[-1] and draw(st.booleans()):
                    lines.append([])
                lines[-1].append(word)
            rendered_paragraphs.append(
                "\n".join(
                    draw(INDENT) + " ".join(line) + draw(st.sampled_from(["", " "]))
                    for line in lines
                )
            )
        label = "Q    " if speaker == "Q" else f"{speaker}:  "
        out.append(draw(INDENT) + label + "\n\n".join(rendered_paragraphs))
        expected.append((speaker, normalise_text("\n".join(" ".join(p) for p in paragraphs))))
    return "\n\n".join(out) + "\n", expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(labelled_transcript())
def test_labelled_text_round_trips_turn_contents(
    case: tuple[str, list[tuple[str, str]]],
) -> None:
    text, expected = case
    [doc] = parse(text)
    assert turns_of(doc) == expected


@pytest.mark.parametrize(
    ("block", "place", "reason"),
    [
        (
            "title: ok\ndate: 2025-13-01\n",
            "line 3",
            "'2025-13-01' is not a valid date (month must be in 1..12); put it in quotes",
        ),
        ("n: " + "9" * 4400 + "\n", "line 2", "is not an integer that can be read; put it in"),
        ("when: !!timestamp soon\n", "line 2", "'soon' is not a valid date; put it in quotes"),
        ("a: &x [1]\nb: *x\n", "line 3", "aliases (*name) are not read in front matter"),
        ("a: " + "[" * 70 + "]" * 70 + "\n", "front matter at line 1, a[0][0]", "nested more"),
    ],
    ids=["invalid-date", "huge-integer", "timestamp-tag", "alias", "deep"],
)
def test_front_matter_values_that_cannot_be_read_name_the_line(
    tmp_path: Path, block: str, place: str, reason: str
) -> None:
    path = write(tmp_path, "bad.md", f"---\n{block}---\nTHE PRESIDENT:  Hi.\n")
    message = refusal(path)
    assert message.startswith(f"{place}") and reason in message
