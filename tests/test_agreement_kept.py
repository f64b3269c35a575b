"""The agreement report from per-document parts kept in the project (annotator/agreement_parts.py,
agreement_report.py): after edits, status changes, a new scheme version or a renamed annotator,
the report from kept parts is the one computed from scratch, and only the documents that changed
are computed again; and the parts' combinations equal the coefficients on the whole data."""

from __future__ import annotations

import os
import random
import sys
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, make_document
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator import agreement_report as report_module
from annotator.agreement import label_columns, match_counts, match_spans, unitizing_alpha
from annotator.agreement_parts import (
    PARTS,
    Layers,
    Totals,
    columns,
    document_parts,
    pair_table,
    summary,
    unitizing,
)
from annotator.agreement_report import agreement_report
from annotator.errors import AnnotatorError
from annotator.scheme import load_scheme
from annotator.store import Project

NAMES = ("alice", "bob", "carol")
TEXT = "Document {n}. I won't say what we did.\n\nThey failed, and we will build homes for all."


def build(project: Project, count: int, seed: int = 5) -> list[int]:
    """``count`` documents with random quote/criticism spans by three annotators, done by
    two or three of them."""
    rng = random.Random(seed)
    ids = []
    for number in range(count):
        doc = project.add_documents([make_document(TEXT.format(n=number))])[0].document_id
        length = len(TEXT.format(n=number))
        for name in NAMES:
            for _ in range(rng.randint(0, 4)):
                start = rng.randrange(length - 5)
                end = min(length, start + rng.randint(1, 15))
                if rng.random() < 0.5:
                    form = {"form": rng.choice(["direct", "indirect"])}
                    project.create_span(doc, name, "quote", start, end, form)
                else:
                    values = {"target": "them", "personal": rng.random() < 0.5}
                    project.create_span(doc, name, "criticism", start, end, values)
        done = NAMES if number % 3 else NAMES[:2]
        for name in done:
            project.set_status(doc, name, "done")
        ids.append(doc)
    return ids


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the documents whose parts were computed, in order."""
    found: list[int] = []
    original = report_module.document_parts

    def counting(doc: Layers, *args: Any, **kwargs: Any) -> dict[str, Any]:
        found.append(doc.id)
        return original(doc, *args, **kwargs)

    monkeypatch.setattr(report_module, "document_parts", counting)
    return found


def scratch(project: Project, **options: Any) -> dict[str, Any]:
    return agreement_report(project, keep=False, **options).to_dict()


def kept(project: Project, **options: Any) -> dict[str, Any]:
    return agreement_report(project, **options).to_dict()


def test_kept_parts_give_the_report_from_scratch(project: Project, computed: list[int]) -> None:
    ids = build(project, 9)
    first = kept(project)
    assert computed == ids
    assert first == scratch(project)
    computed.clear()
    assert kept(project) == first
    assert computed == []  # every document's parts kept


def test_a_report_nothing_changed_since_is_the_kept_one(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = build(project, 6)
    combined: list[int] = []
    original = report_module._combine

    def counting(*args: Any, **kwargs: Any) -> Any:
        combined.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(report_module, "_combine", counting)
    built: list[int] = []
    from_json = Totals.from_json.__func__  # type: ignore[attr-defined]

    def building(cls: type[Totals], data: Any) -> Totals:
        built.append(1)
        return from_json(cls, data)  # type: ignore[no-any-return]

    monkeypatch.setattr(Totals, "from_json", classmethod(building))
    first = kept(project)
    again = kept(project)
    assert again == first and len(combined) == 1  # read back, not combined again
    assert built == []  # (nor the kept totals built)
    project.reopen(ids[2], "alice")  # a change: combined anew, as from scratch
    changed = kept(project)
    assert len(combined) == 2 and changed == scratch(project) != first
    assert kept(project) == changed and len(combined) == 2 + 1  # (scratch combined once)


def test_only_changed_documents_are_computed_again(
    project: Project, computed: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = build(project, 9)
    kept(project)
    added: list[int] = []
    original = Totals.add

    def counting(self: Totals, parts: dict[str, Any], sign: int = 1) -> None:
        added.append(sign)
        original(self, parts, sign)

    monkeypatch.setattr(Totals, "add", counting)
    project.reopen(ids[1], "alice")
    project.create_span(ids[1], "alice", "quote", 0, 8, {"form": "indirect"})
    project.set_status(ids[1], "alice", "done")
    project.reopen(ids[4], "carol")  # a status change: carol no longer counts there
    computed.clear()
    after = kept(project)
    assert sorted(computed) == [ids[1], ids[4]]
    # The kept totals: the two documents' old parts taken away, their new ones added, not
    # all nine added again (a document's own row needs no totals).
    assert sorted(added) == [-1, -1, 1, 1]
    assert after == scratch(project)
    assert after["documents_counted"] == 9
    row = next(r for r in after["documents"] if r["id"] == ids[4])
    assert row["annotators"] == ["alice", "bob"]


def test_a_new_scheme_version_computes_everything_again(
    project: Project, computed: list[int]
) -> None:
    ids = build(project, 6)
    kept(project)
    text = (FIXTURES / "tiny-scheme.yaml").read_text()
    text = text.replace("version: 1", "version: 2").replace(
        "choices: [direct, indirect]", "choices: [direct, indirect, mixed]"
    )
    project.set_scheme(load_scheme(text))
    computed.clear()
    after = kept(project)
    assert sorted(computed) == ids
    assert after == scratch(project)
    assert after["versions"]  # the form attribute changed: said
    project.reopen(ids[0], "bob")
    project.create_span(ids[0], "bob", "quote", 2, 9, {"form": "mixed"})
    project.set_status(ids[0], "bob", "done")
    computed.clear()
    again = kept(project)
    assert computed == [ids[0]]
    assert again == scratch(project)


def test_a_renamed_annotator_computes_everything_again(
    project: Project, computed: list[int]
) -> None:
    ids = build(project, 4)
    kept(project)
    project.rename_annotator("bob", "robert")
    computed.clear()
    after = kept(project)
    assert sorted(computed) == ids
    assert after == scratch(project)
    assert "robert" in after["annotators"] and "bob" not in after["annotators"]


def test_options_select_from_kept_parts_or_compute_without_keeping(
    project: Project, computed: list[int]
) -> None:
    ids = build(project, 6)
    kept(project)
    computed.clear()
    some = kept(project, documents=ids[2:4])
    assert computed == []  # a selection of documents uses the kept parts
    assert some == scratch(project, documents=ids[2:4])
    for options in ({"labels": ["quote"]}, {"annotators": ["alice", "carol"]}):
        assert kept(project, **options) == scratch(project, **options)
    computed.clear()
    kept(project)
    assert computed == []  # the options kept nothing that replaced the whole report's parts


def test_a_read_only_project_computes_without_keeping(
    project: Project, computed: list[int]
) -> None:
    build(project, 3)
    path = project.path
    project.close()
    with Project.open(path, readonly=True) as readonly:
        first = kept(readonly)
        assert first == scratch(readonly)
        assert readonly.kept.read(PARTS, {1: "x"}) == {}
        again = len(computed)
        kept(readonly)
        assert len(computed) == again + 3  # nothing was kept: computed again
    with Project.open(path) as writable:
        count = writable.db.execute(
            "SELECT count(*) FROM kept_figures WHERE kind = ?", [PARTS]
        ).fetchone()[0]
        assert count == 0


def same_totals(one: Totals, other: Totals) -> bool:
    """Whether two totals count the same (a count of 0 is no count)."""

    def counted(totals: Totals) -> Any:
        return (
            {(g, k): +c for g, by in totals.columns.items() for k, c in by.items() if +c},
            {k: (+a, +b) for k, (a, b) in totals.sums.items()},
            {k: +c for k, c in totals.distances.items() if +c},
            {
                (pair, label): counts
                for pair, slot in totals.matches.items()
                for label, counts in slot.items()
                if any(counts)
            },
            {
                (pair, key): +cells
                for pair, by_key in totals.tables.items()
                for key, cells in by_key.items()
                if +cells
            },
            +totals.swaps,
            totals.tally,
        )

    return bool(counted(one) == counted(other))


def _random_layers(rng: random.Random, length: int, names: int) -> dict[str, list[Any]]:
    layers: dict[str, list[Any]] = {}
    for k in range(names):
        spans = []
        for _ in range(rng.randint(0, 6)):
            start = rng.randrange(length)
            end = min(length, start + rng.randint(1, 12))
            spans.append((rng.choice("xyz"), start, end))
        layers[f"n{k}"] = sorted(spans, key=lambda s: (s[1], s[2]))
    return layers


@pytest.mark.parametrize("seed", range(12))
def test_parts_combine_to_the_coefficients_on_the_concatenated_documents(seed: int) -> None:
    """Unitizing alpha of concatenated documents (gaps joining across their ends, overlapping
    spans of one annotator) and the per-character columns, from the parts and directly."""
    rng = random.Random(seed)
    names = ["n0", "n1", "n2"]
    docs, parts = [], []
    for number in range(rng.randint(1, 6)):
        length = rng.choice([1, 5, 30, 60])
        layers = _random_layers(rng, length, 3)
        docs.append((length, layers))
        parts.append(document_parts(Layers(number, "", length, layers), {}, {}))
    offset, annotations = 0, []
    for length, layers in docs:
        for name, spans in layers.items():
            annotations += [(name, label, offset + s, offset + e) for label, s, e in spans]
        offset += length
    totals = Totals()
    for found in parts:
        totals.add(found)
    documents = [summary(found, totals) for found in parts]
    direct = unitizing_alpha(offset, annotations, annotators=names)
    chains: dict[Any, Any] = {}  # (the pair's gaps across ends: the whole's)
    combined = unitizing(documents, names, totals, chains)
    assert (combined.overall, combined.by_label) == (direct.overall, direct.by_label)
    pair = unitizing(documents, ["n0", "n2"], totals, chains)
    alone = unitizing_alpha(offset, [a for a in annotations if a[0] != "n1"], ["n0", "n2"])
    assert (pair.overall, pair.by_label) == (alone.overall, alone.by_label)
    for label in (None, "x"):
        expected = sum(
            (
                label_columns(
                    length, [[s for s in layers[n] if label in (None, s[0])] for n in names]
                )
                for length, layers in docs
            ),
            start=Counter(),
        )
        assert columns(documents, totals, label or "", names) == expected
    # Cohen's kappa's tables: each pair's values of the characters both annotated.
    for key in ("", "x", "y", "z", "w"):
        cols = columns(documents, totals, key, names)
        for i, j in [(0, 1), (0, 2), (1, 2)]:
            projected: Counter[tuple[Any, Any]] = Counter()
            for column, times in cols.items():
                projected[column[i], column[j]] += times
            both = sum(length for length, _ in docs)
            assert +pair_table(totals, key, names[i], names[j], both) == +projected
    # Taking a document's parts away leaves the totals of the others.
    totals.add(parts[0], -1)
    rest = Totals()
    for found in parts[1:]:
        rest.add(found)
    assert same_totals(totals, rest)
    assert unitizing(documents[1:], names, totals) == unitizing(documents[1:], names, rest)


@pytest.mark.parametrize("seed", range(12))
def test_totals_merged_are_the_parts_added(seed: int) -> None:
    """Totals of documents added up apart (as each worker process does), then merged, are
    those of every document's parts added one by one."""
    rng = random.Random(seed)
    parts = []
    for number in range(rng.randint(1, 8)):
        length = rng.choice([1, 5, 30, 60])
        names = rng.randint(2, 3)
        layers = _random_layers(rng, length, names)
        values = {n: [{"form": rng.choice("xy")} for _ in spans] for n, spans in layers.items()}
        hashes = {n: ["h"] * len(spans) for n, spans in layers.items()}
        doc = Layers(number, "", length, layers, values, hashes)
        seen = {"seen": {"h": sum(map(len, layers.values()))}}
        parts.append(document_parts(doc, {"x": ["form"], "y": ["form"]}, seen))
    whole = Totals("h")
    for found in parts:
        whole.add(found)
    cut = rng.randint(0, len(parts))
    merged, other = Totals("h"), Totals("h")
    for found in parts[:cut]:
        merged.add(found)
    for found in parts[cut:]:
        other.add(found)
    merged.merge(other)
    assert same_totals(merged, whole)
    assert (merged.spans, merged.seen, merged.units) == (whole.spans, whole.seen, whole.units)


def test_the_command_keeps_the_parts(tmp_path: Path, project: Project) -> None:
    from click.testing import CliRunner

    from annotator.cli import cli

    build(project, 3)
    path = project.path
    project.close()
    runner = CliRunner()
    first = runner.invoke(cli, ["--db", str(path), "agreement", "--format", "json"])
    assert first.exit_code == 0, first.output
    with Project.open(path) as again:
        stored = again.db.execute(
            "SELECT count(*) FROM kept_figures WHERE kind = ?", [PARTS]
        ).fetchone()[0]
    assert stored == 3
    second = runner.invoke(cli, ["--db", str(path), "agreement", "--format", "json"])
    assert second.output == first.output


spans = st.lists(
    st.tuples(st.sampled_from("ab"), st.integers(0, 40), st.integers(1, 12)).map(
        lambda t: (t[0], t[1], t[1] + t[2])
    ),
    max_size=20,
)


@settings(max_examples=400, deadline=None)
@given(spans, spans)
def test_match_counts_are_the_matchings_sizes(reference, candidate) -> None:  # type: ignore[no-untyped-def]
    assert match_counts(reference, candidate) == (
        len(match_spans(reference, candidate, "exact")),
        len(match_spans(reference, candidate, "overlap")),
    )


def test_many_documents_are_shared_among_processes(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(project, 7)
    alone = scratch(project)
    monkeypatch.setattr(report_module, "PARALLEL_AT", 2)
    monkeypatch.setattr(report_module, "_CHUNK", 3)
    ticks: list[tuple[int, int]] = []
    shared = agreement_report(project, keep=False, progress=lambda *t: ticks.append(t))
    assert shared.to_dict() == alone
    forked = sys.platform == "linux" and len(os.sched_getaffinity(0)) > 1
    if forked:  # a tick per chunk (of 3, 3 and 1) as it comes back, in any order
        done = [t[0] for t in ticks]
        assert {b - a for a, b in pairwise([0, *done])} <= {1, 3} and done[-1] == 7
        assert len(ticks) == 3 and all(t[1] == 7 for t in ticks)
    else:  # computed here, from 0
        assert ticks == [(0, 7), (7, 7)]


needs_fork = pytest.mark.skipif(
    sys.platform != "linux" or len(os.sched_getaffinity(0)) < 2,
    reason="documents are shared among forked processes on Linux with 2 CPUs or more",
)


def _fail(*_: Any, **__: Any) -> None:
    raise ValueError("no parts here")


@needs_fork
@pytest.mark.parametrize(
    ("parts", "error", "message"),
    [
        # A process that fails sends its error, which the report raises (the others stop).
        (_fail, ValueError, "no parts here"),
        # One killed mid-way (out of memory, say) is one clear line, not a hang.
        (lambda *_, **__: os._exit(9), AnnotatorError, r"ended without finishing \(exit code 9\)"),
    ],
)
def test_a_process_that_fails_or_dies_stops_the_report(
    project: Project, monkeypatch: pytest.MonkeyPatch, parts: Any, error: type, message: str
) -> None:
    build(project, 7)
    monkeypatch.setattr(report_module, "PARALLEL_AT", 2)
    monkeypatch.setattr(report_module, "_CHUNK", 2)
    monkeypatch.setattr(report_module, "document_parts", parts)  # (forked: theirs too)
    with pytest.raises(error, match=message):
        agreement_report(project, keep=False)


MULTICHOICE = """
name: multichoice
version: 1
labels:
  - id: deflection
    hotkey: d
    color: orange
    attributes:
      - {id: kind, type: choice, choices: [declines, pivots]}
      - {id: tactics, type: multichoice, choices: [attacks, declines, pivots]}
"""


def test_multichoice_units_combine_in_document_order(tmp_path: Path) -> None:
    """MASI's alpha adds floats: the units of a label with a multichoice attribute are
    combined in document order, so the kept report after a change is the one from scratch
    to the last bit."""
    rng = random.Random(8)
    choices = ["attacks", "declines", "pivots"]
    with Project.create(tmp_path / "m.db", load_scheme(MULTICHOICE)) as project:
        ids = []
        for number in range(8):
            doc = project.add_documents([make_document(TEXT.format(n=number))])[0].document_id
            for name in NAMES:
                for start in range(0, 60, 12):
                    tactics = rng.sample(choices, rng.randint(0, 3))
                    kind = rng.choice(["declines", "pivots"])
                    values = {"kind": kind, "tactics": tactics}
                    project.create_span(doc, name, "deflection", start, start + 6, values)
                project.set_status(doc, name, "done")
            ids.append(doc)
        first = kept(project)
        assert first == scratch(project)
        assert any(r.get("masi_alpha") is not None for r in first["attributes"])
        project.reopen(ids[0], "bob")
        project.create_span(ids[0], "bob", "deflection", 7, 11, {"tactics": ["pivots"]})
        project.set_status(ids[0], "bob", "done")
        assert kept(project) == scratch(project)
