"""The scheme's rules hold on every path that writes spans: one table, one outcome per row.

Every writer path (an app edit, an import into a layer, accepting a suggestion, and the
gold layer's accept, adjudicate, revise and auto-merge) meets every rule (overlap, nesting,
same-label merge or refusal, attribute values that merging would drop, required and
well-typed attributes). Each row starts from a layer that holds one span (``EXISTING``)
and tries to write another (``NEW``); the expected outcome is written out per row.

Property tests then run random sequences of edits, undos, redos, imports, suggestion
accepts and merges, and check that the spans always equal a replay of the change log and
that no layer ever breaks the scheme.
"""

from __future__ import annotations

import json
from contextlib import suppress
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from conftest import layout
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.errors import AnnotatorError
from annotator.model import ImportedDocument, SpanDraft
from annotator.scheme import Scheme, load_scheme
from annotator.store import GOLD, Project

TEXT, TURNS = layout(
    [
        "I will not say whether we spent it. They failed the country.",
        "We will build homes by next spring, every one of them.",
    ]
)

SCHEME = """
name: policy
version: 1
settings:
  allow_overlap: {overlap}
  allow_nesting: {nesting}
  same_label_overlap: {same}
labels:
  - id: quote
    hotkey: t
    color: "#4c9be8"
  - id: deflection
    hotkey: d
    color: "#e8a33c"
    attributes:
      - {{id: kind, type: choice, choices: [declines, partial, attacks]}}
  - id: commitment
    hotkey: c
    color: "#00966d"
    attributes:
      - {{id: specificity, type: choice, choices: [specific, vague], required: true}}
"""

Spec = tuple[str, int, int, dict[str, Any]]  # label, start, end, attributes


def scheme(overlap: bool = True, nesting: bool = True, same: str = "merge") -> Scheme:
    text = SCHEME.format(overlap=str(overlap).lower(), nesting=str(nesting).lower(), same=same)
    return load_scheme(text, "policy.yaml")


# Each case: the scheme's settings, the span the layer holds, the span written next.
CASES: dict[str, tuple[dict[str, Any], Spec, Spec]] = {
    "crossing, allow_overlap false": (
        {"overlap": False},
        ("quote", 0, 10),
        ("deflection", 6, 16, {}),
    ),
    "nested, allow_nesting false": (
        {"nesting": False},
        ("quote", 0, 20),
        ("deflection", 2, 8, {}),
    ),
    "same label, merge": ({}, ("quote", 0, 10), ("quote", 6, 16, {})),
    "same label, refuse": ({"same": "refuse"}, ("quote", 0, 10), ("quote", 6, 16, {})),
    "merge would drop a value": (
        {},
        ("deflection", 0, 10, {"kind": "declines"}),
        ("deflection", 6, 16, {"kind": "partial"}),
    ),
    "required attribute missing": ({}, ("quote", 0, 10), ("commitment", 62, 80, {})),
    "choice not in the list": (
        {},
        ("quote", 0, 10),
        ("commitment", 62, 80, {"specificity": "maybe"}),
    ),
}

REFUSED, MERGED, STORED, INCOMPLETE = "refused", "merged", "stored", "stored incomplete"
N_A = "n/a"  # the new span cannot even exist in the layer this path copies it from

PATHS = ["edit", "import", "suggestion", "gold accept", "adjudicate", "revise", "auto-merge"]

# One row per case, one column per path (in PATHS order).
NO, MRG, INC = REFUSED, MERGED, INCOMPLETE
# fmt: off
EXPECTED = {
    #                                 edit import sugg. accept adjud. revise auto-merge
    "crossing, allow_overlap false": [NO,  NO,    NO,   NO,    NO,    NO,    NO],
    "nested, allow_nesting false":   [NO,  NO,    NO,   NO,    NO,    NO,    NO],
    "same label, merge":             [MRG, MRG,   MRG,  MRG,   MRG,   MRG,   NO],
    "same label, refuse":            [NO,  NO,    NO,   NO,    NO,    NO,    NO],
    "merge would drop a value":      [NO,  NO,    NO,   NO,    NO,    NO,    NO],
    "required attribute missing":    [NO,  NO,    NO,   INC,   NO,    NO,    INC],
    "choice not in the list":        [NO,  NO,    N_A,  N_A,   NO,    NO,    N_A],
}
# fmt: on


def new_document(project: Project) -> int:
    document = ImportedDocument("Policy", TEXT, tuple(TURNS), "text")
    return project.add_documents([document])[0].document_id


def layer_document(spans: list[Spec]) -> ImportedDocument:
    drafts = tuple(SpanDraft(label, start, end, attrs) for label, start, end, attrs in spans)
    return ImportedDocument("Policy", TEXT, tuple(TURNS), "text", spans=drafts)


def layer(project: Project, doc: int, annotator: str) -> list[tuple[str, int, int]]:
    return [(s.label, s.start, s.end) for s in project.spans(doc, annotator=annotator)]


def put_existing(project: Project, doc: int, annotator: str, existing: tuple) -> None:
    label, start, end, *rest = existing
    attributes = rest[0] if rest else {}
    if annotator == GOLD:
        project.gold.adjudicate(doc, "rita", label, start, end, attributes=attributes)
    else:
        project.create_span(doc, annotator, label, start, end, attributes)


def finish(project: Project, doc: int, *names: str) -> None:
    for name in names:
        project.set_status(doc, name, "done")


def prepare(path: str, project: Project, doc: int, new: Spec) -> int | None:
    """What a path needs besides the existing span: for ``revise``, a gold span of the new
    label elsewhere, which it then moves onto the new place (its id)."""
    if path != "revise":
        return None
    label = new[0]
    elsewhere = {"commitment": {"specificity": "vague"}}.get(label, {})
    return project.gold.adjudicate(doc, "rita", label, 90, 100, attributes=elsewhere).id


def write(path: str, project: Project, doc: int, new: Spec, prepared: int | None) -> None:
    """Write ``new`` by ``path``."""
    label, start, end, attrs = new
    if path == "edit":
        project.create_span(doc, "alice", label, start, end, attrs)
    elif path == "import":
        project.add_documents([layer_document([new])], annotator="alice")
    elif path == "suggestion":
        project.add_documents([layer_document([new])], annotator="model", allow_incomplete=True)
        [suggested] = project.spans(doc, annotator="model")
        project.accept_suggestion(suggested.id, "alice")
    elif path == "gold accept":
        project.add_documents([layer_document([new])], annotator="bob", allow_incomplete=True)
        finish(project, doc, "alice", "bob")
        [candidate] = project.spans(doc, annotator="bob")
        project.gold.accept(doc, "rita", [candidate.id])
    elif path == "adjudicate":
        project.gold.adjudicate(doc, "rita", label, start, end, attributes=attrs)
    elif path == "revise":
        assert prepared is not None
        project.gold.revise(prepared, "rita", start=start, end=end, attributes=attrs)
    elif path == "auto-merge":
        for name in ("bob", "carol"):
            project.add_documents([layer_document([new])], annotator=name, allow_incomplete=True)
        finish(project, doc, "bob", "carol")
        project.gold.auto_merge(doc)


def outcome(project: Project, doc: int, target: str, before: list, new: Spec) -> str:
    after = project.spans(doc, annotator=target)
    if [(s.label, s.start, s.end) for s in after] == before:
        return REFUSED
    label, start, end, _ = new
    mine = [s for s in after if s.label == label and s.overlaps(start, end)]
    if len(mine) == 1 and (mine[0].start, mine[0].end) != (start, end):
        return MERGED
    assert len(mine) == 1
    return INCOMPLETE if project.incomplete(mine[0]) else STORED


ROWS = [
    (case, path, EXPECTED[case][column])
    for case in CASES
    for column, path in enumerate(PATHS)
    if EXPECTED[case][column] != N_A
]


@pytest.mark.parametrize(("case", "path", "expected"), ROWS, ids=[f"{c}: {p}" for c, p, _ in ROWS])
def test_policy_table(tmp_path: Path, case: str, path: str, expected: str) -> None:
    options, existing, new = CASES[case]
    with Project.create(tmp_path / "p.db", scheme(**options)) as project:
        doc = new_document(project)
        target = "alice" if path in ("edit", "import", "suggestion") else GOLD
        put_existing(project, doc, target, existing)
        prepared = prepare(path, project, doc, new)
        before = layer(project, doc, target)
        try:
            write(path, project, doc, new, prepared)
        except AnnotatorError:
            assert expected == REFUSED, f"refused, expected {expected}"
        assert outcome(project, doc, target, before, new) == expected
        assert_layers_follow_the_scheme(project, doc)
        assert_spans_replay_the_log(project)


def test_an_import_that_breaks_a_rule_names_the_file_and_line(tmp_path: Path) -> None:
    with Project.create(tmp_path / "p.db", scheme()) as project:
        doc = new_document(project)
        project.create_span(doc, "alice", "deflection", 0, 10, {"kind": "declines"})
        document = layer_document([("deflection", 6, 16, {"kind": "partial"})])
        document = ImportedDocument(
            **{
                **document.__dict__,
                "source_path": "layer.jsonl",
                "spans": (SpanDraft("deflection", 6, 16, {"kind": "partial"}, place="line 7"),),
            }
        )
        with pytest.raises(AnnotatorError) as refused:
            project.add_documents([document], annotator="alice")
        message = str(refused.value)
        assert message.startswith("layer.jsonl: line 7: deflection [6, 16): ")
        assert "'declines'" in message and "'partial'" in message


# ---- undo and redo ------------------------------------------------------------------------


def test_undo_never_restores_what_the_scheme_now_forbids(tmp_path: Path) -> None:
    with Project.create(tmp_path / "p.db", scheme()) as project:
        doc = new_document(project)
        project.create_span(doc, "alice", "quote", 0, 10)
        crossing = project.create_span(doc, "alice", "deflection", 6, 16)
        project.delete_span(crossing.id, "alice")
        project.set_scheme(scheme(overlap=False))
        with pytest.raises(AnnotatorError, match="undo would bring back deflection"):
            project.undo(doc, "alice")
        assert layer(project, doc, "alice") == [("quote", 0, 10)]
        assert_spans_replay_the_log(project)


def test_undo_refuses_when_another_window_wrote_since(tmp_path: Path) -> None:
    with Project.create(tmp_path / "p.db", scheme()) as project:
        doc = new_document(project)
        project.create_span(doc, "alice", "quote", 0, 10)
        seen = project.newest_edit(doc)
        with Project.open(tmp_path / "p.db") as other:
            other.create_span(doc, "alice", "quote", 20, 30)  # another window, same person
        with pytest.raises(AnnotatorError, match="changed in another window"):
            project.undo(doc, "alice", seen=seen)
        assert layer(project, doc, "alice") == [("quote", 0, 10), ("quote", 20, 30)]
        assert project.undo(doc, "alice", seen=project.newest_edit(doc))  # now it may


# ---- invariants ---------------------------------------------------------------------------


def assert_spans_replay_the_log(project: Project) -> None:
    """The spans table is exactly what replaying every logged change from nothing gives."""
    replayed: dict[int, dict[str, Any]] = {}
    for span_id, action, after in project.db.execute(
        'SELECT span_id, action, "after" FROM span_changes ORDER BY id'
    ):
        if action == "rejection":
            continue
        if after is None:
            del replayed[span_id]
        else:
            replayed[span_id] = json.loads(after)
    stored = {}
    for span in project.reader.where("1 ORDER BY id", []):
        stored[span.id] = {
            "label": span.label,
            "start": span.start,
            "end": span.end,
            "attributes": dict(span.attributes),
            "note": span.note,
            "provenance": span.provenance,
        }
    expected = {
        span_id: {key: state[key] for key in ("label", "start", "end", "attributes", "note")}
        | {"provenance": state.get("provenance")}
        for span_id, state in replayed.items()
    }
    assert stored == expected


def assert_layers_follow_the_scheme(project: Project, doc: int) -> None:
    """No layer holds two spans the scheme forbids together, or a value it does not know."""
    settings = project.scheme.settings
    by_layer: dict[str, list] = {}
    for span in project.spans(doc):
        by_layer.setdefault(span.annotator, []).append(span)
        project.scheme.attribute_values(span.label, span.attributes)  # raises if invalid
    for spans in by_layer.values():
        for a, b in combinations(spans, 2):
            if not a.overlaps(b.start, b.end):
                continue
            assert a.label != b.label, f"{a} and {b}: one label, overlapping"
            nested = (a.start <= b.start and b.end <= a.end) or (
                b.start <= a.start and a.end <= b.end
            )
            assert settings.allow_nesting or not nested, f"{a} and {b} nest"
            assert settings.allow_overlap or nested, f"{a} and {b} cross"


LABELS = ("quote", "deflection", "commitment")


def span_specs() -> st.SearchStrategy[Spec]:
    def build(label: str, start: int, length: int, value: str | None) -> Spec:
        attributes: dict[str, Any] = {}
        if label == "deflection" and value:
            attributes = {"kind": value}
        if label == "commitment" and value:
            attributes = {"specificity": "vague" if value == "declines" else "specific"}
        return label, start, min(start + length, len(TEXT)), attributes

    return st.builds(
        build,
        st.sampled_from(LABELS),
        st.integers(0, len(TEXT) - 2),
        st.integers(1, 30),
        st.sampled_from([None, "declines", "partial"]),
    )


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.sampled_from(["alice", "bob"]), span_specs()),
        st.tuples(st.just("import"), st.sampled_from(["alice", "bob"]), span_specs()),
        st.tuples(st.just("suggest"), st.just("alice"), span_specs()),
        st.tuples(st.just("resize"), st.sampled_from(["alice", "bob"]), st.integers(-8, 8)),
        st.tuples(st.just("delete"), st.sampled_from(["alice", "bob"]), st.integers(0, 9)),
        st.tuples(st.just("undo"), st.sampled_from(["alice", "bob", GOLD]), st.none()),
        st.tuples(st.just("redo"), st.sampled_from(["alice", "bob", GOLD]), st.none()),
        st.tuples(st.just("merge"), st.just(GOLD), st.integers(2, 2)),
        st.tuples(st.just("accept"), st.just(GOLD), st.integers(0, 9)),
    ),
    min_size=1,
    max_size=25,
)


def run(project: Project, doc: int, operation: tuple) -> None:
    kind, who, argument = operation
    spans = project.spans(doc, annotator=who) if who != GOLD else []
    if kind == "create":
        label, start, end, attrs = argument
        project.create_span(doc, who, label, start, end, attrs)
    elif kind == "import":
        project.add_documents([layer_document([argument])], annotator=who)
    elif kind == "suggest":
        project.add_documents([layer_document([argument])], annotator="model")
        for span in project.spans(doc, annotator="model"):
            project.accept_suggestion(span.id, who)
    elif kind == "resize" and spans:
        span = spans[abs(argument) % len(spans)]
        end = max(span.start + 1, min(len(TEXT), span.end + argument))
        project.update_span(span.id, who, end=end)
    elif kind == "delete" and spans:
        project.delete_span(spans[argument % len(spans)].id, who)
    elif kind in ("undo", "redo"):
        (project.undo if kind == "undo" else project.redo)(doc, who, reviewer="rita")
    elif kind == "merge":
        finish(project, doc, "alice", "bob")
        project.gold.auto_merge(doc, minimum=argument, reviewer="rita")
    elif kind == "accept":
        finish(project, doc, "alice", "bob")
        candidates = [s for spans in project.gold.candidates(doc).values() for s in spans]
        if candidates:
            project.gold.accept(doc, "rita", [candidates[argument % len(candidates)].id])


SETTINGS = st.fixed_dictionaries(
    {
        "overlap": st.booleans(),
        "nesting": st.booleans(),
        "same": st.sampled_from(["merge", "refuse"]),
    }
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(options=SETTINGS, operations=OPERATIONS)
def test_random_writes_keep_the_invariants(
    tmp_path_factory: pytest.TempPathFactory,
    options: dict[str, Any],
    operations: list[tuple],
) -> None:
    path = tmp_path_factory.mktemp("random") / "p.db"
    with Project.create(path, scheme(**options)) as project:
        doc = new_document(project)
        for operation in operations:
            with suppress(AnnotatorError):  # refused: then nothing changed (the checks see)
                run(project, doc, operation)
            assert_layers_follow_the_scheme(project, doc)
            assert_spans_replay_the_log(project)


def test_nothing_but_the_span_writer_writes_the_spans_table() -> None:
    package = Path(__file__).resolve().parents[1] / "annotator"
    writes = ("INSERT INTO spans", "UPDATE spans", "DELETE FROM spans", "REPLACE INTO spans")
    found = {
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if any(write.lower() in path.read_text(encoding="utf-8").lower() for write in writes)
        or '.table("spans")' in path.read_text(encoding="utf-8")
    }
    assert found == {"store/spans.py"}
