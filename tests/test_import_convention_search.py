"""The fast searches for other transcripts' speaker lines find exactly the lines that the
conventions themselves read: a loose search (one that starts with a literal, so Python's re
finds it fast) never adds or loses a line, since each line it finds is checked by its
convention."""

from __future__ import annotations

import pytest

from annotator.io.services import CONVENTIONS, speaker_lines

TEXT = "\n".join(
    [
        "Alice Smith  0:05",
        "Hello there, at 10:05 we began.",
        "Bob\t1:02:03",
        "a line ending in a time 12:30",
        "Carol  12:30.5   ",
        "  [00:01:02] Dave: hi",
        "words [00:01] Eve: not at the start",
        "[1:02] Frank: again",
        "[1:02]",
        "Grace (00:03:04): a rev line",
        "Heidi: (0:04) another rev line",
        "an aside (0:04) in the middle: no",
        "**Ivan:** bold",
        "",
    ]
)


def brute_force(format: str, text: str) -> list[str]:
    """Every line the convention reads, looked at one by one."""
    convention = CONVENTIONS[format]()
    return [line.strip() for line in text.split("\n") if convention.label(line.strip())]


@pytest.mark.parametrize("format", ["otter", "rev", "descript"])
def test_the_search_finds_the_lines_the_convention_reads(format: str) -> None:
    found = speaker_lines(format, TEXT)
    expected = brute_force(format, TEXT)
    assert expected  # the sample has lines of each
    assert found is not None
    count, number, line = found
    assert (count, line) == (len(expected), expected[0])
    assert TEXT.split("\n")[number - 1].strip() == line


def test_a_time_inside_a_line_is_no_speaker_line() -> None:
    assert speaker_lines("descript", "words [00:01] Eve: not at the start\n") is None
    assert speaker_lines("otter", "a line ending in a time 12:30\n") is None
