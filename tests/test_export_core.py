"""What every exporter builds on: selecting examples, cutting turns, the format registry."""

from __future__ import annotations

from pathlib import Path

import pytest
from export_sample import build

from annotator.export import EXPORT_FORMATS, ExportFormat, ExportReport, collect, export
from annotator.scheme import Scheme
from annotator.store import Project, ProjectError


@pytest.fixture
def sample(tmp_path: Path, tiny_scheme: Scheme) -> Project:
    project = build(tmp_path / "sample.db", tiny_scheme)
    yield project
    project.close()


def test_document_examples_carry_every_layer_in_text_order(sample: Project) -> None:
    examples = list(collect(sample))
    assert [e.id for e in examples] == ["doc-1", "doc-2", "doc-3"]
    first = examples[0]
    assert first.annotators == ("alice", "bob", "carol")
    assert first.format == "text" and first.source_path == "debate.txt"
    assert len(first.spans) == 6
    assert [(s.start, s.end) for s in first.spans] == sorted((s.start, s.end) for s in first.spans)
    stored = {s.id: s for s in sample.spans(1)}
    for span in first.spans:
        assert (span.start, span.end, span.label) == (
            stored[span.id].start,
            stored[span.id].end,
            stored[span.id].label,
        )
    assert examples[1].metadata["tags"] == ["radio", "é"]
    assert examples[2].spans == ()


def test_turn_examples_shift_offsets_and_report_crossing_spans(sample: Project) -> None:
    report = ExportReport()
    examples = list(collect(sample, unit="turn", report=report))
    assert [e.id for e in examples] == [
        "doc-1-turn-0",
        "doc-1-turn-1",
        "doc-2-turn-0",
        "doc-2-turn-1",
        "doc-3-turn-0",
    ]
    document = sample.document(1).text
    turns = sample.turns(1)
    for example in examples[:2]:
        turn = turns[example.turn_index]
        assert example.text == document[turn.start : turn.end]
        assert example.speaker == turn.speaker
        assert example.turns[0].start_time == turn.start_time
        for span in example.spans:
            original = sample.span(span.id)
            assert example.text[span.start : span.end] == document[original.start : original.end]
            assert span.start == original.start - turn.start
    # alice's criticism from "Really?" into "The 政府" cannot be cut: reported, not dropped.
    assert len(report.problems) == 1
    assert report.problems[0].startswith("doc-1-turn-0 (Café debate): alice's criticism span")
    assert "crosses into the next turn" in report.problems[0]
    placed = sum(len(e.spans) for e in examples)
    assert placed + len(report.problems) == len(sample.spans(1)) + len(sample.spans(2))


def test_a_span_between_turns_is_reported(sample: Project) -> None:
    turns = sample.turns(1)
    sample.create_span(1, "carol", "quote", turns[0].end, turns[1].start + 3)
    report = ExportReport()
    list(collect(sample, layer="carol", unit="turn", report=report))
    assert len(report.problems) == 1
    assert report.problems[0].startswith("doc-1-turn-1 (Café debate): carol's quote span")
    assert "starts outside every turn's text" in report.problems[0]


def test_layer_selects_one_annotator(sample: Project) -> None:
    examples = list(collect(sample, layer="bob"))
    assert all(e.annotators == ("bob",) for e in examples)
    assert {s.annotator for e in examples for s in e.spans} == {"bob"}
    assert sum(len(e.spans) for e in examples) == 4
    with pytest.raises(ProjectError, match="no annotator called 'zed'"):
        list(collect(sample, layer="zed"))


def test_gold_layer_is_refused_until_review_exists(sample: Project) -> None:
    with pytest.raises(ProjectError, match="there is no gold layer yet"):
        list(collect(sample, layer="gold"))


def test_status_done_and_documents(sample: Project) -> None:
    assert [e.id for e in collect(sample, status="done")] == ["doc-1"]
    assert [e.id for e in collect(sample, layer="bob", status="done")] == []
    chosen = collect(sample, documents=["talk.md", "1", "1"])
    assert [e.id for e in chosen] == ["doc-2", "doc-1"]
    with pytest.raises(ProjectError, match="no document with id or source file"):
        list(collect(sample, documents=["nowhere.txt"]))
    with pytest.raises(ProjectError, match="unknown unit"):
        list(collect(sample, unit="sentence"))


def test_every_format_is_registered() -> None:
    assert set(EXPORT_FORMATS) == {
        "jsonl",
        "csv",
        "parquet",
        "prodigy",
        "doccano",
        "brat",
        "labelstudio",
        "conll",
        "spacy",
        "questions-csv",
        "qevasion",
    }
    for name, fmt in EXPORT_FORMATS.items():
        assert fmt.missing() is None or fmt.requires, name  # every module is there
    assert EXPORT_FORMATS["brat"].folder
    assert EXPORT_FORMATS["labelstudio"].options == ("config_out", "emails")
    assert EXPORT_FORMATS["jsonl"].missing() is None


def test_missing_module_or_dependency_says_what_to_do(
    sample: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    absent = ExportFormat("nothing", "a format not written yet", ".x")
    assert absent.missing() == "the nothing format is not available in this version of annotator"
    needy = ExportFormat("needy", "", ".x", module="jsonl", requires=("no_such_mod",), extra="x")
    assert needy.missing() == "needy export needs no_such_mod: pip install 'annotator[x]'"
    monkeypatch.setitem(EXPORT_FORMATS, "needy", needy)
    with pytest.raises(ProjectError, match=r"pip install 'annotator\[x\]'"):
        export(sample, "needy", tmp_path / "out.x")
    assert not (tmp_path / "out.x").exists()


def test_export_checks_options_and_paths_before_writing(sample: Project, tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="unknown export format 'xml'"):
        export(sample, "xml", tmp_path / "out.xml")
    with pytest.raises(ProjectError, match="--config-out only applies to --format labelstudio"):
        export(sample, "csv", tmp_path / "out.csv", config_out=tmp_path / "c.xml")
    with pytest.raises(ProjectError, match=r"the folder .* does not exist"):
        export(sample, "csv", tmp_path / "missing" / "out.csv")
    with pytest.raises(ProjectError, match="is a folder"):
        export(sample, "csv", tmp_path)
    with pytest.raises(ProjectError, match="no gold layer"):
        export(sample, "csv", tmp_path / "out.csv", layer="gold")
    assert not (tmp_path / "out.csv").exists()


def test_export_counts_and_reports_progress(sample: Project, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    report = export(
        sample, "jsonl", tmp_path / "out.jsonl", unit="turn", progress=lambda *a: calls.append(a)
    )
    assert (report.documents, report.examples, report.spans) == (3, 5, 6)
    assert len(report.problems) == 1
    assert report.outputs == [str(tmp_path / "out.jsonl")]
    assert calls[0] == (0, 3) and calls[-1] == (3, 3)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
