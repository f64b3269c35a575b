"""CoNLL and spaCy exports stream: they take the examples one at a time, writing as they go,
so memory holds a document (or one DocBin batch), never the whole export. Counted, not timed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from annotator.export import conll
from annotator.export.examples import Example, ExportReport, ExportSpan
from annotator.model import Turn
from annotator.scheme import Scheme, load_scheme

SCHEME = """
name: streaming
version: 1
labels:
  - {id: quote, hotkey: t, color: blue}
  - {id: deflection, hotkey: d, color: orange}
"""
TEXT = "They said we would build homes and we did build them."


@pytest.fixture
def scheme() -> Scheme:
    return load_scheme(SCHEME)


def example(number: int, spans: list[tuple[str, int, int, str]]) -> Example:
    annotators = tuple(dict.fromkeys(a for *_, a in spans)) or ("alice",)
    return Example(
        id=f"doc-{number}",
        document_id=number,
        title=f"T{number}",
        text=TEXT,
        turns=(Turn(0, 0, len(TEXT)),),
        spans=tuple(
            ExportSpan(i, label, s, e, a, {}, "", "hash", "2024-07-01T10:00:00+00:00", "")
            for i, (label, s, e, a) in enumerate(spans, start=1)
        ),
        annotators=annotators,
        metadata={},
        source_path=None,
    )


class Counted:
    """The examples, counting how many were taken and where the writer was at each."""

    def __init__(self, examples: list[Example], watch: Path) -> None:
        self.examples = examples
        self.watch = watch
        self.taken = 0
        # Files beside the output, and their bytes, when each example was taken.
        self.files_seen: list[int] = []
        self.bytes_seen: list[int] = []

    def __iter__(self) -> Iterator[Example]:
        for item in self.examples:
            files = list(self.watch.iterdir())
            self.files_seen.append(len(files))
            self.bytes_seen.append(sum(p.stat().st_size for p in files))
            self.taken += 1
            yield item


def test_conll_writes_each_example_before_taking_the_next(
    tmp_path: Path, scheme: Scheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    block = conll._block

    def recorded(item: Example, *args: Any) -> str:
        events.append(f"block {item.id}")
        return block(item, *args)

    def taken(examples: list[Example]) -> Iterator[Example]:
        for item in examples:
            events.append(f"take {item.id}")
            yield item

    monkeypatch.setattr(conll, "_block", recorded)
    examples = [example(i, [("quote", 0, 9, "alice")]) for i in range(1, 4)]
    conll.write(taken(examples), tmp_path / "x.conll", scheme, ExportReport(), tokenizer="simple")
    assert events == [f"{what} doc-{i}" for i in range(1, 4) for what in ("take", "block")]
    assert [p.name for p in tmp_path.iterdir()] == ["x.conll"]
    assert (tmp_path / "x.conll").read_text(encoding="utf-8").count("-DOCSTART-") == 3


def test_conll_adds_a_late_labels_column_to_the_lines_written_before(
    tmp_path: Path, scheme: Scheme
) -> None:
    # "retired" is a label of an older scheme version: its column comes last, and the first
    # example, written before the label showed up, gets O in it.
    examples = [
        example(1, [("quote", 0, 9, "alice"), ("deflection", 10, 20, "bob")]),
        example(2, [("retired", 0, 4, "alice")]),
    ]
    conll.write(examples, tmp_path / "x.conll", scheme, ExportReport(), tokenizer="simple")
    alice = (tmp_path / "x.alice.conll").read_text(encoding="utf-8").split("\n")
    bob = (tmp_path / "x.bob.conll").read_text(encoding="utf-8").split("\n")
    # The header, written when the columns are known, names the late one too.
    assert alice[0] == bob[0] == "# global.columns = FORM quote deflection retired"
    alice, bob = (lines[lines.index("") + 1 :] for lines in (alice, bob))
    lines = [line for line in alice + bob if line]
    assert {line.count("\t") for line in lines} == {3}  # token + quote, deflection, retired
    assert alice[2] == "They\tB-quote\tO\tO"
    second = alice.index("-DOCSTART-\tO\tO\tO", 1)
    assert alice[second + 2] == "They\tO\tO\tB-retired"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.alice.conll", "x.bob.conll"]


def test_spacy_writes_a_docbin_per_batch(
    tmp_path: Path, scheme: Scheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    from annotator.export import spacy as spacy_export

    monkeypatch.setattr(spacy_export, "BATCH_TOKENS", 25)  # two examples of 12 tokens each
    out = tmp_path / "out"
    out.mkdir()
    examples = Counted(
        [example(i, [("quote", 0, 9, "alice"), ("quote", 5, 12, "bob")]) for i in range(1, 6)],
        out,
    )
    spacy_export.write(examples, out / "train.spacy", scheme, ExportReport())
    parts = sorted(p.name for p in out.iterdir())
    assert parts == ["train-0001.spacy", "train-0002.spacy", "train-0003.spacy"]
    # The first DocBin was on disk before the third example was taken.
    assert examples.files_seen == [0, 0, 1, 1, 2]
    nlp = spacy.blank("en")
    docs = [doc for name in parts for doc in DocBin().from_disk(out / name).get_docs(nlp.vocab)]
    assert [(d.user_data["example_id"], d.user_data["annotator"]) for d in docs] == [
        (f"doc-{i}", who) for i in range(1, 6) for who in ("alice", "bob")
    ]
    assert all(d.text == TEXT for d in docs)
    assert [(s.start_char, s.end_char) for s in docs[1].spans["sc"]] == [(5, 12)]


def test_spacy_small_export_is_the_one_file_asked_for(tmp_path: Path, scheme: Scheme) -> None:
    pytest.importorskip("spacy")
    from annotator.export import spacy as spacy_export

    spacy_export.write(
        [example(1, [("quote", 0, 9, "alice")])], tmp_path / "t.spacy", scheme, ExportReport()
    )
    assert [p.name for p in tmp_path.iterdir()] == ["t.spacy"]
