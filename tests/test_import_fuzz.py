"""Fuzz tests: every importer, and the scheme loader, on mutated valid files (hypothesis).

Each test starts from a small valid seed file and mutates it: byte flips, truncation,
inserted control characters, huge numbers, deep nesting, lone surrogates and, for the JSON
formats, values of the wrong JSON type at any place. The rule of ``annotator/io`` must hold
for every input: either a clean import (documents returned, and storing them in a fresh
project succeeds or raises an ``AnnotatorError``), or exactly one ``AnnotatorError`` (an
``ImportFailure``) whose message is a single line; never any other exception.

The examples are derandomized and few, so the module runs in a few seconds and the same in
every run; ``benchmarks/fuzz_importers.py`` runs these properties with random examples for as
long as it is given.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.errors import AnnotatorError
from annotator.io import detect_format, read_transcript
from annotator.model import ImportedDocument
from annotator.resources import default_scheme_path
from annotator.scheme import SchemeError, load_scheme, load_scheme_file, validate_scheme
from annotator.store import Project

FIXTURES = Path(__file__).parent / "fixtures"
SCHEME = load_scheme_file(default_scheme_path())
EXAMPLES = 25  # per test; raised by the long-running fuzzer

# ---- seeds ------------------------------------------------------------------------------

MARKDOWN = """\
---
title: Interview on housing
date: 2025-02-18
tags: [housing, "tax"]
---
# Heading
THE PRESIDENT: We will build homes.  That is a promise.
Q  What about taxes?
MR. MUSK: No comment. (Laughter.)

Jane Doe: They failed us.
4:02 P.M. EST
"""

TEXT = "Q  Will you raise taxes?\nTHE PRESIDENT: I won't say.\nThey failed.\n"

SRT = """\
1
00:00:01,000 --> 00:00:02,500
ANCHOR: Good evening.

2
00:00:02,500 --> 00:00:04,000 X1:0
<i>Welcome</i> to the show.

3
00:00:04,000 --> 00:00:06,000
MINISTER: Thank you {\\an8}for having me.
"""

VTT = """\
WEBVTT
Kind: captions

NOTE a comment

intro
00:00:01.000 --> 00:00:02.500
<v Anchor>Good evening &amp; welcome.

00:01:02.500 --> 00:01:04.000 align:start
<v.loud Minister>Thank <b>you</b>.
MINISTER: We will act.
"""

WHISPER: dict[str, Any] = {
    "language": "en",
    "title": "Budget",
    "segments": [
        {"start": 0.0, "end": 1.5, "text": " We will build homes.", "speaker": "SPEAKER_00"},
        {"start": 1.5, "end": 3.0, "text": " By 2030.", "speaker": "SPEAKER_00"},
        {"start": 3.0, "end": 4.0, "text": " Really?", "speaker": "SPEAKER_01"},
    ],
}

TURNS: list[Any] = [
    {"speaker": "Host", "text": "Welcome.\nToday: housing.", "start": 0, "end": 2},
    {"speaker": "Minister", "text": "Thank you.", "start": 2.5},
]

CONGRESSIONAL: dict[str, Any] = {
    "header": {"chamber": "House", "pages": "H6117-H6118"},
    "title": "HOUSE RESOLUTION",
    "content": [
        {"kind": "title", "text": "RESOLUTION", "speaker": "None", "turn": -1},
        {
            "kind": "speech",
            "speaker": "Mr. HYDE",
            "text": "Mr. HYDE. Mr. Chairman,\n  I rise.",
            "turn": 1,
        },
        {"kind": "recorder", "text": "The question was taken.", "speaker": "None", "turn": -1},
        {"kind": "speech", "speaker": "Mr. HYDE", "text": "House Report 109-\n175.", "turn": 1},
    ],
}

TEI = """\
<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:id="S-1" xml:lang="en">
  <teiHeader>
    <fileDesc><titleStmt><title xml:lang="en">Commons, 2022-07-21</title></titleStmt></fileDesc>
    <profileDesc>
      <settingDesc><setting><date when="2022-07-21"/></setting></settingDesc>
      <particDesc><listPerson>
        <person xml:id="Hoyle">
          <persName><forename>Lindsay</forename><surname>Hoyle</surname></persName>
        </person>
      </listPerson></particDesc>
    </profileDesc>
  </teiHeader>
  <text><body><div>
    <head>Statement</head>
    <u who="#Hoyle" ana="#chair"><seg>Order, <note>rising</note>order.</seg><seg>Next.</seg></u>
    <u who="#Someone">I rise <gap reason="inaudible"/> to speak.</u>
  </div></body></text>
</TEI>
"""

PRODIGY: list[Any] = [
    {
        "text": "I won't say. They failed.",
        "meta": {"speaker": "THE PRESIDENT", "title": "Briefing"},
        "_input_hash": 1,
        "_task_hash": -2,
        "spans": [
            {"start": 0, "end": 11, "label": "deflection", "text": "I won't say"},
            {"start": 13, "end": 24, "label": "criticism", "attributes": {"target": "them"}},
        ],
        "answer": "accept",
        "_annotator_id": "interviews-alice",
    },
    {"text": "Rejected line.", "spans": [], "answer": "reject"},
]

DOCCANO: list[Any] = [
    {"id": 7, "text": "We will build homes.", "label": [[0, 19, "commitment"]], "annotator": "bob"},
    {"text": "They failed.\r\nTwice.", "label": [[0, 11, "criticism"], [14, 20, "quote"]]},
]

NATIVE: list[Any] = [
    {
        "text": "I won't say.\n\nThey failed.",
        "title": "Interview",
        "format": "markdown",
        "source_path": "/elsewhere/interview.md",
        "metadata": {"date": "2025-02-18"},
        "turns": [
            {"index": 0, "start": 0, "end": 12, "speaker": "A", "start_time": 0.5},
            {"index": 1, "start": 14, "end": 26, "speaker": "B", "end_time": 3},
        ],
        "annotators": ["alice", "bob"],
        "spans": [
            {
                "label": "deflection",
                "start": 0,
                "end": 11,
                "text": "I won't say",
                "annotator": "alice",
            },
            {
                "label": "criticism",
                "start": 14,
                "end": 25,
                "annotator": "bob",
                "attributes": {"basis": "record"},
                "note": "harsh",
                "created_at": "2025-02-18T10:00:00Z",
            },
        ],
        "scheme": {"name": "political-interview", "version": 1},
    }
]

LABEL_STUDIO: list[Any] = [
    {
        "id": 7,
        "data": {"text": "I won't say. They failed.", "title": "Interview 7", "speaker": "A"},
        "annotations": [
            {
                "completed_by": {"id": 2, "email": "alice@example.org"},
                "result": [
                    {
                        "id": "r1",
                        "from_name": "label",
                        "to_name": "text",
                        "type": "labels",
                        "value": {
                            "start": 0,
                            "end": 11,
                            "labels": ["quote"],
                            "text": "I won't say",
                        },
                    },
                    {
                        "id": "r1",
                        "from_name": "quote__form",
                        "to_name": "text",
                        "type": "choices",
                        "value": {"start": 0, "end": 11, "choices": ["direct"]},
                    },
                    {
                        "id": "r1",
                        "from_name": "note",
                        "to_name": "text",
                        "type": "textarea",
                        "value": {"start": 0, "end": 11, "text": ["checked"]},
                    },
                ],
            },
            {"completed_by": 9, "result": [], "was_cancelled": True},
        ],
    },
    {"id": 8, "data": {"text": "Nothing here."}, "annotations": []},
]

BRAT_TEXT = "I won't say. They failed.\n\nWe will\nbuild homes."
BRAT_ANN = (
    "T1\tdeflection 0 11\tI won't say\n"
    "T2\tcriticism 13 24\tThey failed\n"
    "T3\tcommitment 27 34;35 46\tWe will build homes\n"
    "A1\tspecificity T3 vague\n"
    "R1\tResponds Arg1:T2 Arg2:T1\n"
    "#1\tAnnotatorNotes T1\tRefuses to say\n"
)


@dataclass(frozen=True)
class Seed:
    """A valid file to mutate. ``records``: its JSON value (a list of JSONL records when
    ``lines``), for mutations by JSON type; ``None`` for formats that are not JSON."""

    name: str
    format: str
    data: bytes
    records: Any = None
    lines: bool = False


def _json_seed(name: str, fmt: str, value: Any) -> Seed:
    return Seed(name, fmt, json.dumps(value, ensure_ascii=False).encode(), value)


def _jsonl_seed(name: str, fmt: str, records: list[Any]) -> Seed:
    text = "".join(json.dumps(record) + "\n" for record in records)
    return Seed(name, fmt, text.encode(), records, lines=True)


SEEDS = {
    "markdown": Seed("interview.md", "markdown", MARKDOWN.encode()),
    "text": Seed("briefing.txt", "text", TEXT.encode()),
    "srt": Seed("show.srt", "srt", SRT.encode()),
    "vtt": Seed("show.vtt", "vtt", VTT.encode()),
    "whisper": _json_seed("whisper.json", "json", WHISPER),
    "turns": _json_seed("turns.json", "json", TURNS),
    "congressional": _json_seed("crec.json", "json", CONGRESSIONAL),
    "tei": Seed("commons.xml", "tei", TEI.encode()),
    "prodigy": _jsonl_seed("db-out.jsonl", "prodigy", PRODIGY),
    "doccano": _jsonl_seed("doccano.jsonl", "doccano", DOCCANO),
    "annotator-jsonl": _jsonl_seed("export.jsonl", "annotator-jsonl", NATIVE),
    "labelstudio": _json_seed("project.json", "labelstudio", LABEL_STUDIO),
    "brat.ann": Seed("doc.ann", "brat", BRAT_ANN.encode()),
    "brat.txt": Seed("doc.txt", "brat", BRAT_TEXT.encode()),
}

# ---- mutations --------------------------------------------------------------------------

# Raw text put into a file: control characters, byte-order marks, invalid UTF-8, huge and
# non-finite numbers, deep nesting in every syntax, lone surrogates, stray format syntax.
SNIPPETS: list[bytes] = [
    b"\x00",
    b"\x1b[31m",
    b"\r",
    b"\r\n",
    b"\x0c",
    b"\x85",
    "\u2028".encode(),
    "\ufeff".encode(),
    b"\xff\xfe",
    b"\xed\xa0\x80",  # a surrogate encoded as UTF-8: invalid
    b"\xc3",
    "e\u0301".encode(),
    "😀".encode(),
    b"9" * 4400,
    b"18446744073709551616",
    b"-1",
    b"1e400",
    b"NaN",
    b"-Infinity",
    b'"\\ud800"',
    b"\\udfff",
    b'"\\ud83d\\ude00"',
    b"[" * 1200 + b"]" * 1200,
    b'{"a":' * 1200 + b"1" + b"}" * 1200,
    b"<a>" * 1200 + b"</a>" * 1200,
    b"[" * 70 + b"]" * 70,
    b"- " * 600 + b"x",
    b"\n---\ndate: 2025-13-01\nn: " + b"1" * 4400 + b"\n---\n",
    b"\n---\na: &x [1]\nb: *x\nc: !!timestamp x\n---\n",
    b'<!DOCTYPE TEI SYSTEM "a>b" [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    b"&e;",
    b"\n\n",
    b" --> ",
    b"99:99:99,999",
    b"T9\tquote 0 99999999999999999999999\tx\n",
    b"A9\tform T1 %ZZ\n",
    b":",
    b"\t",
    b"{}",
    b"[]",
    b"null",
]


class _Raw:
    """Raw JSON text to splice in where ``json.dumps`` cannot write it (too deep, too long,
    not finite, a lone surrogate escape)."""

    def __init__(self, text: str) -> None:
        self.text = text


# Hypothesis tries the first values first (and shrinks towards them): the nastiest lead.
WRONG_VALUES: list[Any] = [
    _Raw('"\\ud800"'),
    _Raw("9" * 4400),
    2**64,
    _Raw("[" * 2000 + "]" * 2000),
    {"a": 1},
    "x\ny\x1b[2J",
    " ",
    _Raw("1e400"),
    _Raw("[" * 70 + "1" + "]" * 70),
    _Raw('"a\\udfffb"'),
    _Raw("NaN"),
    None,
    True,
    0,
    -1,
    10**40,
    1.5,
    "",
    "quote",
    {},
    [],
    ["quote"],
    [[0, 1, "quote"]],
    [{"start": 0, "end": 1, "label": "quote"}],
    "x" * 5000,
]


def _paths(value: Any) -> list[tuple[Any, ...]]:
    """Every place in a JSON value, as the keys and indices leading to it."""
    found: list[tuple[Any, ...]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        found.append(path)
        if isinstance(item, dict):
            stack.extend(((*path, key), child) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend(((*path, index), child) for index, child in enumerate(item))
    return found


def _dumps(value: Any, ascii_only: bool) -> str:
    raws: list[str] = []

    def default(item: Any) -> str:
        raws.append(item.text)
        return f"@@raw{len(raws) - 1}@@"

    text = json.dumps(value, ensure_ascii=ascii_only, default=default)
    for index, raw in enumerate(raws):
        text = text.replace(f'"@@raw{index}@@"', raw)
    return text


@st.composite
def _by_json_type(draw: st.DrawFn, seed: Seed) -> bytes:
    """The seed with one place replaced by a value of another JSON type, or removed."""
    value = json.loads(json.dumps(seed.records))  # a copy to change
    paths = _paths(value)[::-1]  # leaves first: changing the whole file is seldom interesting
    path = paths[draw(st.integers(0, len(paths) - 1))]
    replacement = draw(st.sampled_from(WRONG_VALUES))
    if not path:
        value = replacement
    else:
        parent = value
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = replacement
    ascii_only = draw(st.booleans())
    if seed.lines and isinstance(value, list):
        return "".join(_dumps(record, ascii_only) + "\n" for record in value).encode()
    return _dumps(value, ascii_only).encode()


_EDITS = st.tuples(
    st.sampled_from(["flip", "truncate", "insert", "replace", "delete", "repeat"]),
    st.integers(0, 2**16),
    st.integers(0, 2**16),
    st.sampled_from(SNIPPETS),
    st.integers(0, 255),
)


def _edit(data: bytes, edit: tuple[str, int, int, bytes, int]) -> bytes:
    kind, first, second, snippet, byte = edit
    at = first % (len(data) + 1)
    end = min(len(data), at + second % 64)
    if kind == "flip":
        return data[:at] + bytes([byte]) + data[at + 1 :]
    if kind == "truncate":
        return data[:at]
    if kind == "insert":
        return data[:at] + snippet + data[at:]
    if kind == "replace":
        return data[:at] + snippet + data[end:]
    if kind == "delete":
        return data[:at] + data[end:]
    return data[:end] + data[at:end] * (1 + second % 3) + data[end:]


@st.composite
def mutated(draw: st.DrawFn, seed: Seed) -> bytes:
    """The seed after a change by JSON type (JSON seeds, about half the time) and 0-3
    edits."""
    data = seed.data
    if seed.records is not None and not draw(st.booleans()):  # False, tried first: change
        data = draw(_by_json_type(seed))
    for edit in draw(st.lists(_EDITS, max_size=3)):
        data = _edit(data, edit)
    return data


# ---- the properties ---------------------------------------------------------------------


def assert_one_line(error: AnnotatorError) -> None:
    message = str(error)
    assert message and len(message.splitlines()) == 1, repr(message)


def store(documents: list[ImportedDocument], origin: str) -> None:
    """Storing imported documents in a fresh project succeeds or refuses as a user error."""
    with (
        tempfile.TemporaryDirectory() as folder,
        Project.create(Path(folder) / "fuzz.db", SCHEME) as project,
        # A refusal by the scheme's rules is a user error; its wording is the store's.
        contextlib.suppress(AnnotatorError),
    ):
        project.add_documents(documents, annotator="fuzzer", allow_incomplete=True, origin=origin)


def check_import(path: Path, fmt: str | None) -> None:
    """The rule of annotator/io for one input (see the module docstring)."""
    try:
        documents = read_transcript(path, fmt)
    except AnnotatorError as error:
        assert_one_line(error)
        return
    assert documents
    store(documents, str(path))


def check_seed(seed: Seed, data: bytes, give_format: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        if seed.format == "brat":  # a pair of files: mutate one, read the folder
            brat = {"doc.txt": BRAT_TEXT.encode(), "doc.ann": BRAT_ANN.encode(), seed.name: data}
            for name, content in brat.items():
                (Path(folder) / name).write_bytes(content)
            check_import(Path(folder), "brat" if give_format else None)
            return
        path = Path(folder) / seed.name
        path.write_bytes(data)
        check_import(path, seed.format if give_format else None)


def check_scheme(data: bytes) -> None:
    """A scheme file loads, or is refused with one line per problem; validation lists
    problems and never raises."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scheme.yaml"
        path.write_bytes(data)
        try:
            load_scheme_file(path)
        except SchemeError as error:
            assert error.problems
            assert all(len(str(problem).splitlines()) == 1 for problem in error.problems)
    text = data.decode("utf-8", errors="replace")
    problems = validate_scheme(text, "scheme.yaml")
    assert all(len(str(problem).splitlines()) == 1 for problem in problems)
    if not any(problem.severity == "error" for problem in problems):
        load_scheme(text, "scheme.yaml")


SCHEME_SEED = (FIXTURES / "tiny-scheme.yaml").read_bytes()
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def fuzz_test(name: str) -> Callable[..., None]:
    """A hypothesis test of the seed called ``name`` (also used by the long-running fuzzer)."""
    seed = SEEDS[name]

    @given(data=mutated(seed), give_format=st.booleans())
    def test(data: bytes, give_format: bool) -> None:
        check_seed(seed, data, give_format)

    test.__name__ = f"fuzz_{name}"
    return test


@given(data=st.lists(_EDITS, max_size=3).map(lambda edits: _apply_all(SCHEME_SEED, edits)))
def fuzz_scheme(data: bytes) -> None:
    check_scheme(data)


def _apply_all(data: bytes, edits: list[tuple[str, int, int, bytes, int]]) -> bytes:
    for edit in edits:
        data = _edit(data, edit)
    return data


test_fuzz_markdown = FUZZ_SETTINGS(fuzz_test("markdown"))
test_fuzz_text = FUZZ_SETTINGS(fuzz_test("text"))
test_fuzz_srt = FUZZ_SETTINGS(fuzz_test("srt"))
test_fuzz_vtt = FUZZ_SETTINGS(fuzz_test("vtt"))
test_fuzz_whisper_json = FUZZ_SETTINGS(fuzz_test("whisper"))
test_fuzz_turn_list_json = FUZZ_SETTINGS(fuzz_test("turns"))
test_fuzz_congressional_record_json = FUZZ_SETTINGS(fuzz_test("congressional"))
test_fuzz_tei = FUZZ_SETTINGS(fuzz_test("tei"))
test_fuzz_prodigy = FUZZ_SETTINGS(fuzz_test("prodigy"))
test_fuzz_doccano = FUZZ_SETTINGS(fuzz_test("doccano"))
test_fuzz_annotator_jsonl = FUZZ_SETTINGS(fuzz_test("annotator-jsonl"))
test_fuzz_labelstudio = FUZZ_SETTINGS(fuzz_test("labelstudio"))
test_fuzz_brat_ann = FUZZ_SETTINGS(fuzz_test("brat.ann"))
test_fuzz_brat_txt = FUZZ_SETTINGS(fuzz_test("brat.txt"))
test_fuzz_scheme = FUZZ_SETTINGS(fuzz_scheme)


def test_seeds_import_cleanly(tmp_path: Path) -> None:
    """Every seed is valid, so the mutations start from a file that imports."""
    for name, seed in SEEDS.items():
        folder = tmp_path / name
        folder.mkdir()
        if seed.format == "brat":
            (folder / "doc.txt").write_text(BRAT_TEXT, encoding="utf-8")
            (folder / "doc.ann").write_text(BRAT_ANN, encoding="utf-8")
            path = folder
        else:
            path = folder / seed.name
            path.write_bytes(seed.data)
            assert detect_format(path, seed.data.decode()) == seed.format, name
        documents = read_transcript(path)
        assert documents, name
        with Project.create(folder / "p.db", SCHEME) as project:
            project.add_documents(documents, annotator="fuzzer", allow_incomplete=True)
    load_scheme(SCHEME_SEED.decode(), "tiny-scheme.yaml")
