"""The three-annotator sample project (tests/fixtures/three_annotators.py): every document
done by alice, bob and carol, every kind of disagreement present, and the agreement figures
``annotator agreement`` reports equal to the ones worked out by hand from the span design."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures.three_annotators import (
    ANNOTATORS,
    DEBATE,
    PRESS,
    RADIO,
    Mark,
    build,
    main,
)

from annotator.cli import cli
from annotator.model import Span
from annotator.store import Project

Key = tuple[str, int, int]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "three.db"
    build(path).close()
    yield path


def layers(project: Project, source: str) -> dict[str, list[Span]]:
    """Each annotator's spans in the document from the sample file ``source``."""
    document = project.find_document(source)
    return {name: project.spans(document.id, annotator=name) for name in ANNOTATORS}


def who_marked(spans: dict[str, list[Span]]) -> dict[Key, set[str]]:
    """Each distinct (label, start, end) and the annotators who marked exactly it."""
    found: dict[Key, set[str]] = defaultdict(set)
    for name, layer in spans.items():
        for span in layer:
            found[span.label, span.start, span.end].add(name)
    return found


def agreement(db: Path, *args: str) -> dict:
    result = CliRunner().invoke(cli, ["--db", str(db), "agreement", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_every_document_is_done_by_all_three(db: Path) -> None:
    with Project.open(db) as project:
        documents = project.documents()
        assert sorted(doc.source_name for doc in documents) == sorted([PRESS, RADIO, DEBATE])
        for doc in documents:
            assert doc.statuses == dict.fromkeys(ANNOTATORS, "done"), doc.title
            for name, layer in layers(project, doc.source_name).items():
                assert 8 <= len(layer) <= 15, (doc.source_name, name, len(layer))
                for span in layer:
                    if span.label == "commitment":
                        assert span.attributes["specificity"] in ("specific", "vague")
        assert project.annotators() == list(ANNOTATORS)


def test_the_press_briefing_holds_every_kind_of_disagreement(db: Path) -> None:
    with Project.open(db) as project:
        text = project.find_document(PRESS).text
        spans = layers(project, PRESS)
    marked = who_marked(spans)
    everyone = set(ANNOTATORS)
    unanimous = [key for key, names in marked.items() if names == everyone]
    majority = [key for key, names in marked.items() if len(names) == 2]
    assert len(unanimous) == 9
    assert len(majority) == 5

    def of(name: str, label: str, phrase: str) -> Span:
        (span,) = [s for s in spans[name] if s.label == label and phrase in text[s.start : s.end]]
        return span

    # Label swap: the same text, commitment for alice (and carol), deflection for bob.
    swap_a = of("alice", "commitment", "We'll get it to you this afternoon.")
    swap_b = of("bob", "deflection", "We'll get it to you this afternoon.")
    assert (swap_a.start, swap_a.end) == (swap_b.start, swap_b.end)
    assert text[swap_a.start : swap_a.end] == "We'll get it to you this afternoon."

    # Boundary slip: one criticism, overlapping, with carol starting earlier.
    slip_a = of("alice", "criticism", "borrowing on a credit card")
    slip_c = of("carol", "criticism", "borrowing on a credit card")
    assert slip_c.start < slip_a.start and slip_a.end == slip_c.end
    assert text[slip_c.start :].startswith("it stands in stark contrast")
    assert text[slip_a.start :].startswith("the opposition's approach")

    # One annotator only: nothing in alice's or carol's layer touches bob's bank criticism.
    banks = of("bob", "criticism", "record profits")
    assert marked["criticism", banks.start, banks.end] == {"bob"}
    for name in ("alice", "carol"):
        assert not [s for s in spans[name] if s.overlaps(banks.start, banks.end)]

    # Nested: everyone's deflection holds criticisms that differ between annotators.
    outer = of("alice", "deflection", "real talent for slogans")
    assert ("deflection", outer.start, outer.end) in unanimous
    inner = {
        name: [
            (s.start, s.end)
            for s in spans[name]
            if s.label == "criticism" and outer.start <= s.start and s.end <= outer.end
        ]
        for name in ANNOTATORS
    }
    assert len(inner["alice"]) == len(inner["bob"]) == 1 and inner["carol"] == []
    assert inner["alice"] != inner["bob"]
    assert text[slice(*inner["alice"][0])] == "Mr. Falkenrath has a real talent for slogans."


def test_agreement_figures_match_the_hand_computation(db: Path) -> None:
    # Exact-match span F1 = 2 * matched / (spans of a + spans of b), micro-averaged over
    # the documents within a pair; the overall figure is the mean over the three pairs.
    #
    # Press briefing: alice 15, bob 15, carol 13 spans; 9 spans all three share.
    #   alice-bob  9 + opposition criticism + bank-levy deflection      = 11 -> 22/30 = 11/15
    #   alice-carol 9 + rail-timetable pledge + "We'll get it" pledge   = 11 -> 22/28 = 11/14
    #   bob-carol  9 + long decimal-points deflection                    = 10 -> 20/28 = 5/7
    #   document F1 exact = (11/15 + 11/14 + 5/7) / 3 = 0.7444...
    # Overlap F1 also pairs same-label spans sharing a character (the two boundary slips):
    #   alice-bob 11 + decimal points = 12 -> 24/30; alice-carol 11 + opposition + decimal
    #   points = 13 -> 26/28; bob-carol 10 + opposition = 11 -> 22/28.
    # Radio interview: alice 14, bob 15, carol 14; 12 shared by all three.
    #   alice-bob 12 + Lindqvist's-party criticism = 13; alice-carol 12;
    #   bob-carol 12 + long rent-cap pledge + numbers-game deflection = 14.
    # TV debate: alice 15, bob 14, carol 13; 11 shared by all three.
    #   alice-bob 11 + press-office criticism = 12; alice-carol 11;
    #   bob-carol 11 + long mismanagement criticism + conditional Corder Road pledge = 13.
    # Pairs over the three documents:
    #   alice-bob   (11 + 13 + 12) = 36 of 44 + 44 -> 72/88 = 9/11
    #   alice-carol (11 + 12 + 11) = 34 of 44 + 40 -> 68/84 = 17/21
    #   bob-carol   (10 + 14 + 13) = 37 of 44 + 40 -> 74/84 = 37/42
    #   overall = (9/11 + 17/21 + 37/42) / 3 = (378 + 374 + 407) / 462 / 3 = 1159/1386
    pairs = {("alice", "bob"): Fraction(9, 11), ("alice", "carol"): Fraction(17, 21),
             ("bob", "carol"): Fraction(37, 42)}  # fmt: skip
    overall = sum(pairs.values()) / 3
    assert overall == Fraction(1159, 1386)

    report = agreement(db)
    assert report["annotators"] == list(ANNOTATORS)
    assert report["documents_counted"] == 3
    summary = report["summary"][-1]
    assert summary["label"] == "(all)"
    assert summary["spans"] == 44 + 44 + 40
    assert summary["f1_exact"] == pytest.approx(float(overall))
    for row in report["pairs"]:
        assert row["documents"] == 3
        assert row["f1_exact"] == pytest.approx(float(pairs[row["a"], row["b"]]))

    press = next(row for row in report["documents"] if row["title"].startswith("Government"))
    assert press["spans"] == {"alice": 15, "bob": 15, "carol": 13}
    exact = (Fraction(11, 15) + Fraction(11, 14) + Fraction(5, 7)) / 3
    overlap = (Fraction(24, 30) + Fraction(26, 28) + Fraction(22, 28)) / 3
    assert press["f1_exact"] == pytest.approx(float(exact))
    assert press["f1_overlap"] == pytest.approx(float(overlap))
    # The press briefing has the most disagreement, so the report lists it first.
    assert report["documents"][0]["id"] == press["id"]

    # Label swaps: press briefing alice-bob and bob-carol ("We'll get it to you..."), TV
    # debate alice-bob and alice-carol (Corder Road), all commitment against deflection.
    assert report["confusion"] == [{"label_a": "commitment", "label_b": "deflection", "count": 4}]


def test_press_briefing_disagreement_tally(db: Path) -> None:
    # Per pair: exact matches agree; then same-label overlaps (boundary only); then the
    # same offsets with another label (label only); the rest was marked by one side only.
    #   alice-bob:   11 agree, 1 boundary (decimal points), 1 label ("We'll get it"),
    #                other: alice's timetable pledge and slogans criticism, bob's debt and
    #                banks criticisms = 4
    #   alice-carol: 11 agree, 2 boundary (opposition, decimal points), other: alice's
    #                slogans criticism and bank-levy deflection = 2
    #   bob-carol:   10 agree, 1 boundary (opposition), 1 label ("We'll get it"), other:
    #                bob's debt criticism, bank-levy deflection, banks criticism, carol's
    #                timetable pledge = 4
    report = agreement(db, "--documents", PRESS)
    assert report["documents_counted"] == 1
    assert report["disagreements"] == {
        "agree": 32, "boundary_only": 4, "label_only": 2, "other": 10
    }  # fmt: skip
    assert report["confusion"] == [{"label_a": "commitment", "label_b": "deflection", "count": 2}]


def test_a_changed_sample_fails_loudly() -> None:
    text = "We will build. We will build."
    with pytest.raises(ValueError, match="occurs 2 times"):
        Mark(("alice",), "commitment", "We will build.").locate(text)
    with pytest.raises(ValueError):
        Mark(("alice",), "commitment", "We will not build.").locate(text)
    assert Mark(("alice",), "commitment", "We will", after="build.").locate(text) == (15, 22)


def test_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sample.db"
    assert main([str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.count("\n") == 1 and not err
    assert "3 documents" in out and "alice 44, bob 44, carol 40" in out

    assert main([str(path)]) == 1
    out, err = capsys.readouterr()
    assert not out and err.count("\n") == 1 and "already exists" in err
