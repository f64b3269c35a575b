"""Prodigy and doccano JSONL with spans (annotator/io/span_jsonl.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_import_common import assert_well_formed, write

from annotator.io import ImportFailure, read_transcript
from annotator.model import ImportedDocument, SpanDraft

TEXT = "I won't say. They failed."  # the running example of formats.md


def jsonl(*records: Any) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def load(tmp_path: Path, content: str, name: str = "spans.jsonl") -> list[ImportedDocument]:
    docs = read_transcript(write(tmp_path, name, content))
    for doc in docs:
        assert_well_formed(doc)
    return docs


def refused(tmp_path: Path, content: str, name: str = "spans.jsonl") -> str:
    path = write(tmp_path, name, content)
    with pytest.raises(ImportFailure) as info:
        read_transcript(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    return message[len(str(path)) + 2 :]


PRODIGY = {
    "text": TEXT,
    "meta": {"interview": "wh-2025-02-18", "speaker": "THE PRESIDENT", "turn": 7},
    "_input_hash": 123456789,
    "_task_hash": -987654321,
    "tokens": [{"text": "I", "start": 0, "end": 1, "id": 0, "ws": True}],
    "spans": [
        {"start": 0, "end": 11, "token_start": 0, "token_end": 3, "label": "deflection"},
        {"start": 0, "end": 25, "token_start": 0, "token_end": 7, "label": "quote", "text": TEXT},
        {"start": 13, "end": 24, "token_start": 5, "token_end": 6, "label": "criticism"},
    ],
    "_view_id": "spans_manual",
    "answer": "accept",
    "_session_id": "interviews-alice",
    "_annotator_id": "interviews-alice",
    "_timestamp": 1719830400,
}


def test_prodigy_record(tmp_path: Path) -> None:
    [doc] = load(tmp_path, jsonl(PRODIGY), "db-out.jsonl")
    assert doc.format == "prodigy"
    assert doc.text == TEXT
    assert doc.title == "db-out #1"
    assert doc.annotator == "interviews-alice"
    assert [(t.start, t.end, t.speaker) for t in doc.turns] == [(0, 25, "THE PRESIDENT")]
    assert doc.spans == (
        SpanDraft("deflection", 0, 11),
        SpanDraft("quote", 0, 25),
        SpanDraft("criticism", 13, 24),
    )
    assert doc.metadata["meta"]["interview"] == "wh-2025-02-18"
    assert doc.metadata["line"] == 1
    assert doc.metadata["_view_id"] == "spans_manual"


def test_prodigy_only_accepted_lines_are_imported(tmp_path: Path) -> None:
    records = [
        {"text": "Accepted without an answer field.", "spans": []},
        {"text": "Rejected.", "spans": [], "answer": "reject"},
        {"text": "Ignored.", "spans": [], "answer": "ignore"},
        {
            "text": "Accepted.",
            "spans": [{"start": 0, "end": 8, "label": "x"}],
            "answer": "accept",
            "meta": {"title": "Named"},
            "_session_id": "ds-bob",
        },
    ]
    docs = load(tmp_path, jsonl(*records) + "\n\n")
    assert [(d.title, d.text, d.annotator) for d in docs] == [
        ("spans #1", "Accepted without an answer field.", None),
        ("Named", "Accepted.", "ds-bob"),
    ]


def test_all_rejected_is_refused(tmp_path: Path) -> None:
    message = refused(tmp_path, jsonl({"text": "No.", "spans": [], "answer": "reject"}))
    assert message == "no accepted lines: all 1 lines have answer reject or ignore"


def test_doccano_label_and_entities_variants(tmp_path: Path) -> None:
    records = [
        {
            "id": 17,
            "text": TEXT,
            "interview": "wh",
            "Comments": [],
            "label": [[0, 11, "deflection"], [0, 25, "quote"], [13, 24, "criticism"]],
        },
        {
            "text": "  Leading space.",
            "entities": [{"id": 1, "start_offset": 2, "end_offset": 9, "label": "x"}],
            "relations": [],
        },
    ]
    first, second = load(tmp_path, jsonl(*records), "alice.jsonl")
    assert first.format == second.format == "doccano"
    assert first.title == "alice id 17"
    assert first.metadata == {"line": 1, "id": 17, "interview": "wh"}
    assert first.annotator is None
    assert [(s.label, s.start, s.end) for s in first.spans] == [
        ("deflection", 0, 11),
        ("quote", 0, 25),
        ("criticism", 13, 24),
    ]
    assert second.title == "alice #2"
    assert second.text == "  Leading space."
    assert (second.turns[0].start, second.turns[0].end) == (2, 16)  # the turn skips the spaces
    assert second.spans == (SpanDraft("x", 2, 9),)


@pytest.mark.parametrize(
    ("span", "reason"),
    [
        (
            {"start": 5, "end": 30, "label": "q"},
            "line 2: spans[0] [5, 30) is not a non-empty range",
        ),
        ({"start": 4, "end": 4, "label": "q"}, "line 2: spans[0] [4, 4) is not a non-empty range"),
        ({"start": -1, "end": 4, "label": "q"}, "line 2: spans[0] [-1, 4) is not"),
        (
            {"start": 1.0, "end": 4, "label": "q"},
            "line 2: spans[0] start offset must be an integer",
        ),
        (
            {"start": True, "end": 4, "label": "q"},
            "line 2: spans[0] start offset must be an integer",
        ),
        ({"start": 0, "end": 4}, "line 2: spans[0] has no label"),
        ({"start": 0, "end": 4, "label": " "}, "line 2: spans[0] has no label"),
        (
            {"start": 0, "end": 6, "label": "q", "text": "I won'"[:5]},
            "line 2: spans[0] [0, 6) covers \"I won'\", but the span's text is 'I won'",
        ),
    ],
)
def test_any_bad_span_refuses_the_whole_file(
    tmp_path: Path, span: dict[str, Any], reason: str
) -> None:
    good = {"text": TEXT, "spans": [{"start": 0, "end": 1, "label": "q"}]}
    bad = {"text": TEXT, "spans": [span]}
    message = refused(tmp_path, jsonl(good, bad, good))
    assert message.startswith(reason)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"text": "a", "spans": [}', "line 2, column 25: invalid JSON"),
        ('["text"]', "line 2: expected a JSON object, found list"),
        ('{"spans": []}', 'line 2: the record has no "text" string'),
        ('{"text": "   ", "spans": []}', "line 2: the text is empty"),
        ('{"text": "a", "spans": {"start": 0}}', 'line 2: "spans" must be a list'),
        ('{"text": "a", "spans": [], "answer": "maybe"}', 'line 2: "answer" must be accept'),
        ('{"text": "ab", "label": [[0, 1, "x"]]}', "line 2: this is a doccano record in a prodigy"),
    ],
)
def test_bad_lines_are_named(tmp_path: Path, line: str, reason: str) -> None:
    good = json.dumps({"text": TEXT, "spans": []})
    assert refused(tmp_path, f"{good}\n{line}\n{good}\n").startswith(reason)


def test_doccano_bad_label_entry(tmp_path: Path) -> None:
    message = refused(tmp_path, jsonl({"text": "ab", "label": [[0, 1]]}))
    assert message.startswith("line 1: label[0] must be [start, end, label], found [0, 1]")
    message = refused(
        tmp_path, jsonl({"text": "ab", "entities": [{"start_offset": 0, "label": "x"}]})
    )
    assert message.startswith("line 1: entities[0] end offset must be an integer, not null")


def test_crlf_text_remaps_offsets(tmp_path: Path) -> None:
    text = "Q: Why?\r\nA: Because.\r\nThe end."
    spans = [
        {"start": 3, "end": 7, "label": "question", "text": "Why?"},
        {"start": 12, "end": 20, "label": "answer", "text": "Because."},
        {"start": 22, "end": 30, "label": "end", "text": "The end."},
    ]
    [doc] = load(tmp_path, jsonl({"text": text, "spans": spans}))
    assert doc.text == "Q: Why?\nA: Because.\nThe end."
    assert [(s.label, doc.text[s.start : s.end]) for s in doc.spans] == [
        ("question", "Why?"),
        ("answer", "Because."),
        ("end", "The end."),
    ]


def test_span_edge_inside_crlf_is_refused(tmp_path: Path) -> None:
    record = {"text": "ab\r\ncd", "spans": [{"start": 3, "end": 5, "label": "x"}]}
    assert refused(tmp_path, jsonl(record)).startswith(
        "line 1: spans[0] has an edge between \\r and \\n"
    )


def test_text_not_in_nfc_with_spans_is_refused(tmp_path: Path) -> None:
    record = {"text": "Cafe\u0301 talk", "spans": [{"start": 6, "end": 10, "label": "x"}]}
    assert "not in Unicode NFC form" in refused(tmp_path, jsonl(record))


def test_text_not_in_nfc_without_spans_is_normalised(tmp_path: Path) -> None:
    [doc] = load(tmp_path, jsonl({"text": "Cafe\u0301 talk", "spans": []}))
    assert doc.text == "Café talk"


def test_utf16_offsets_are_converted_when_the_covered_text_proves_it(tmp_path: Path) -> None:
    text = "Great 🇺🇸 news: they failed."
    # JavaScript offsets: each flag letter is two UTF-16 code units.
    start16 = len(text[: text.index("they")].encode("utf-16-le")) // 2
    end16 = start16 + len("they failed")
    record = {
        "text": text,
        "spans": [{"start": start16, "end": end16, "label": "c", "text": "they failed"}],
    }
    [doc] = load(tmp_path, jsonl(record))
    [span] = doc.spans
    assert doc.text[span.start : span.end] == "they failed"
    assert doc.metadata["offsets"] == "converted from UTF-16 code units"


def test_code_point_offsets_with_astral_text_are_kept(tmp_path: Path) -> None:
    text = "Great 🇺🇸 news: they failed."
    start = text.index("they")
    record = {
        "text": text,
        "spans": [{"start": start, "end": start + 11, "label": "c", "text": "they failed"}],
    }
    [doc] = load(tmp_path, jsonl(record))
    assert doc.spans == (SpanDraft("c", start, start + 11),)
    assert "offsets" not in doc.metadata


def test_offsets_fitting_neither_reading_are_refused(tmp_path: Path) -> None:
    record = {"text": "🙂 ab", "spans": [{"start": 0, "end": 2, "label": "c", "text": "zz"}]}
    assert "nor does it fit as UTF-16 offsets" in refused(tmp_path, jsonl(record))


def test_single_record_in_a_json_file_is_detected(tmp_path: Path) -> None:
    [doc] = load(tmp_path, json.dumps(PRODIGY) + "\n", "one.json")
    assert doc.format == "prodigy"
    docs = load(tmp_path, jsonl(PRODIGY, PRODIGY), "two.json")
    assert [d.format for d in docs] == ["prodigy", "prodigy"]


def test_prodigy_classification_label_is_not_doccano(tmp_path: Path) -> None:
    records = [
        {"text": "Yes.", "spans": [{"start": 0, "end": 3, "label": "x"}]},
        {"text": "No.", "label": "NEGATIVE", "answer": "accept"},
    ]
    docs = load(tmp_path, jsonl(*records))
    assert [(d.format, d.spans) for d in docs] == [
        ("prodigy", (SpanDraft("x", 0, 3),)),
        ("prodigy", ()),
    ]


# ---- inputs that once ended in a traceback, or imported something else -----------------


@pytest.mark.parametrize(
    ("line", "place"),
    [
        ('{"text": "Hi \\ud800 there", "spans": []}', "line 2, text"),
        ('{"text": "Hi", "label": [[0, 2, "q\\udc00"]]}', "line 2, label[0][2]"),
        ('{"text": "Hi", "spans": [], "meta": {"title": "\\ud800"}}', "line 2, meta.title"),
    ],
)
def test_a_lone_surrogate_is_refused_naming_line_and_place(
    tmp_path: Path, line: str, place: str
) -> None:
    good = json.dumps({"text": "Fine.", "spans": []}) if "spans" in line else '{"text": "F"}'
    reason = refused(tmp_path, f"{good}\n{line}\n")
    assert reason.startswith(f"{place}: a string holds a lone UTF-16 surrogate")


@pytest.mark.parametrize(
    ("span", "reason"),
    [
        (
            '{"start": ' + "1" * 5000 + ', "end": 2, "label": "q"}',
            "line 1, column 39: a number of 5,000 digits",
        ),
        ('{"start": 18446744073709551616, "end": 2, "label": "q"}', "line 1: spans[0] start"),
    ],
    ids=["5000-digits", "2**64"],
)
def test_huge_offsets_are_refused(tmp_path: Path, span: str, reason: str) -> None:
    message = refused(tmp_path, '{"text": "Hello", "spans": [' + span + "]}\n")
    assert message.startswith(reason)
    assert len(message) < 200  # the number is not repeated in full


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"_annotator_id": {"a": 1}}, '"_annotator_id" must be a string naming the annotator, not'),
        ({"_annotator_id": 7}, '"_annotator_id" must be a string naming the annotator, not 7'),
        ({"_annotator_id": "  "}, '"_annotator_id" is blank; put the annotator\'s name there'),
        ({"_session_id": ["s"]}, '"_session_id" must be a string naming the annotator'),
        ({"meta": {"annotator": ""}}, "meta.annotator is blank"),
    ],
)
def test_prodigy_annotator_must_be_a_name(
    tmp_path: Path, extra: dict[str, Any], reason: str
) -> None:
    record = {"text": "Hi.", "spans": [{"start": 0, "end": 2, "label": "q"}], **extra}
    assert refused(tmp_path, jsonl(record)).startswith(f"line 1: {reason}")


def test_doccano_annotator_must_be_a_name(tmp_path: Path) -> None:
    good = {"text": "Hi.", "label": [], "annotator": "bob"}
    blank = {"text": "Hi.", "label": [[0, 2, "q"]], "annotator": " "}
    reason = refused(tmp_path, jsonl(good, blank))
    assert reason.startswith('line 2: "annotator" is blank; put the annotator\'s name there')


@pytest.mark.parametrize("label", ["quote", ["quote", "criticism"]])
def test_doccano_text_classification_is_refused(tmp_path: Path, label: Any) -> None:
    reason = refused(tmp_path, jsonl({"id": 3, "text": "Hi.", "label": label}))
    assert reason.startswith(f'line 1: "label" holds categories ({json.dumps(label)}), not spans')
    assert "text-classification export" in reason
    # Named with --format doccano, a Prodigy-style answer is refused the same way.
    answer = {"text": "Hi.", "label": "x", "answer": "accept"}
    path = write(tmp_path, "answers.jsonl", jsonl(answer))
    with pytest.raises(ImportFailure, match="doccano text-classification export"):
        read_transcript(path, "doccano")
