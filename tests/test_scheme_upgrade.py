"""Moving a project to a new scheme version: ``Project.upgrade_scheme`` (annotator/store/
upgrades.py, through the span and code writers) and ``annotator scheme upgrade``."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import layout
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from annotator.errors import AnnotatorError, ProjectError, StaleView
from annotator.model import ImportedDocument
from annotator.scheme import Scheme, load_scheme
from annotator.store import GOLD, Project, SchemeUnchanged, UpgradeRefused

V1 = """\
name: study
version: 1
labels:
  - id: quote
    color: blue
    attributes:
      - {id: form, type: choice, choices: [direct, indirect]}
  - id: criticism
    color: red
    attributes:
      - {id: target, type: text}
  - {id: commitment, color: green}
units:
  question:
    labels:
      - {id: reply, color: green}
      - {id: dodge, color: red}
"""
# quote -> citation (and its choice indirect -> reported), question code dodge -> evade.
V2 = (
    V1.replace("version: 1", "version: 2")
    .replace("  - id: quote\n", "  - id: citation\n    renamed_from: quote\n")
    .replace(
        "choices: [direct, indirect]}",
        "choices: [direct, reported], renamed_choices: {indirect: reported}}",
    )
    .replace("{id: dodge, color: red}", "{id: evade, color: red, renamed_from: dodge}")
)
TEXT = ["Will you cut taxes? Yes or no?", "I won't say. They failed. We will build homes."]


def scheme(text: str) -> Scheme:
    return load_scheme(text, "s.yaml")


def make_project(path: Path) -> Project:
    """Two annotators' spans and question codes in one document, and gold's spans."""
    project = Project.create(path, scheme(V1))
    text, turns = layout(TEXT, ["Q", "A"])
    [added] = project.add_documents(
        [ImportedDocument(title="Interview", text=text, turns=tuple(turns), format="text")]
    )
    doc = added.document_id
    question = project.add_question(doc, "lead", 0, len("Will you cut taxes?"))
    answer = text.index("I won't say.")
    failed = text.index("They failed.")
    for name, form in (("ann", "indirect"), ("bob", "direct")):
        project.create_span(doc, name, "quote", answer, answer + 12, {"form": form})
        project.create_span(doc, name, "criticism", failed, failed + 12, {"target": "them"})
        project.set_code(doc, name, "dodge", question_id=question.id)
    project.create_span(doc, GOLD, "quote", answer, answer + 12, {"form": "indirect"})
    project.set_status(doc, "ann", "done")  # done is locked: an upgrade still renames there
    return project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    project = make_project(tmp_path / "p.db")
    yield project
    project.close()


def rows(project: Project, table: str) -> list[tuple[Any, ...]]:
    columns = 'id, label, attributes, scheme_hash, start, "end"'
    if table == "codes":
        columns = "id, label, attributes, scheme_hash, question_id, unit"
    return [tuple(row) for row in project.db.execute(f"SELECT {columns} FROM {table} ORDER BY id")]


# -- applying ------------------------------------------------------------------------------


def test_an_upgrade_rewrites_renamed_labels_and_choices_and_keeps_the_rest(
    project: Project,
) -> None:
    v1, v2 = project.scheme.hash, scheme(V2).hash
    before = {row[0]: row for row in rows(project, "spans")}
    record = project.upgrade_scheme(scheme(V2), "lead")
    assert project.scheme.hash == v2
    after = {row[0]: row for row in rows(project, "spans")}
    assert after.keys() == before.keys()  # no span lost, none added, ids kept
    for span_id, (_, label, attributes, scheme_hash, start, end) in after.items():
        old = before[span_id]
        assert (start, end) == old[4:]  # never moved
        if old[1] == "quote":
            assert label == "citation" and scheme_hash == v2
            form = json.loads(old[2])["form"]
            assert json.loads(attributes) == {"form": {"indirect": "reported"}.get(form, form)}
        else:
            assert (label, attributes, scheme_hash) == old[1:4] and scheme_hash == v1
    codes = rows(project, "codes")
    assert {row[1] for row in codes} == {"evade"} and {row[3] for row in codes} == {v2}
    # One edit per layer rewritten: ann, bob and gold.
    assert record.edits == 3 and (record.from_version, record.to_version) == (1, 2)
    counts = {(c["label"], c["outcome"]): c["n"] for c in record.summary["counts"]}
    assert counts == {("quote", "migrated"): 3, ("criticism", "unchanged"): 2,
                      ("dodge", "migrated"): 2}  # fmt: skip
    assert project.status(1, "ann") == "done"


def test_the_upgrade_is_in_the_change_log(project: Project) -> None:
    record = project.upgrade_scheme(scheme(V2), "lead")
    changes = [change for change in project.history() if change.upgrade == record.id]
    assert {(c.annotator, c.item, c.action) for c in changes} == {
        ("ann", "span", "update"), ("ann", "code", "update"), ("bob", "span", "update"),
        ("bob", "code", "update"), (GOLD, "span", "update"),
    }  # fmt: skip
    for change in changes:
        assert change.before is not None and change.after is not None
        assert change.before["label"] in ("quote", "dodge")
        assert change.after["label"] in ("citation", "evade")
        # Not an edit of anyone's work: its times are kept.
        assert change.after["updated_at"] == change.before["updated_at"]
    assert [r.id for r in project.scheme_upgrades()] == [record.id]


def test_undo_does_not_reach_across_an_upgrade(project: Project) -> None:
    project.upgrade_scheme(scheme(V2), "lead")
    spans = rows(project, "spans")
    assert project.undo(1, "bob") == []  # the states before are of the old scheme
    assert rows(project, "spans") == spans
    text = project.document(1).text
    start = text.index("We will")
    span = project.create_span(1, "bob", "commitment", start, start + 7)
    assert [c.span_id for c in project.undo(1, "bob")] == [span.id]  # edits after it: as ever


def test_a_removed_label_with_spans_refuses_the_upgrade_and_changes_nothing(
    project: Project,
) -> None:
    removed = scheme(V2.replace("  - id: criticism\n    color: red\n", "  - id: critique\n"
                                "    color: red\n"))  # fmt: skip
    spans, hash_before = rows(project, "spans"), project.scheme.hash
    with pytest.raises(UpgradeRefused) as refused:
        project.upgrade_scheme(removed, "lead")
    assert refused.value.lines() == [
        "span label 'criticism' is removed, but 2 spans have it: keep it in the new scheme "
        "with 'deprecated: true', or give the label that replaces it 'renamed_from: criticism'"
    ]
    assert rows(project, "spans") == spans and project.scheme.hash == hash_before
    assert project.scheme_upgrades() == []
    reopened = Project.open(project.path)
    assert reopened.scheme.hash == hash_before
    reopened.close()


def test_deprecating_instead_of_removing_keeps_the_spans_for_review(project: Project) -> None:
    kept = scheme(V2.replace("  - id: criticism\n", "  - id: criticism\n    deprecated: true\n"))
    plan = project.plan_scheme_upgrade(kept)
    assert plan.refusals() == []
    assert plan.counts()[None, "criticism"]["needs review"] == 2
    record = project.upgrade_scheme(kept, "lead")
    assert [r["reasons"] for r in record.summary["review"]] == [["label deprecated"]] * 2


def test_a_value_the_new_scheme_refuses_is_kept_even_when_its_span_is_rewritten(
    project: Project,
) -> None:
    # quote -> citation, and its choice "indirect" goes: ann's and gold's quotes keep it.
    dropped = scheme(V2.replace(", renamed_choices: {indirect: reported}", ""))
    record = project.upgrade_scheme(dropped, "lead")
    kept = {
        (label, attributes)
        for _, label, attributes, *_ in rows(project, "spans")
        if label == "citation"
    }
    assert kept == {("citation", '{"form": "indirect"}'), ("citation", '{"form": "direct"}')}
    reasons = {r["id"]: r["reasons"] for r in record.summary["review"]}
    assert list(reasons.values()) == [["form: indirect is not a value it takes now"]] * 2
    # The annotator fixes it like any value; an edit the new scheme refuses says why.
    [span] = [project.span(i) for i in reasons if project.span(i).annotator == GOLD]
    with pytest.raises(AnnotatorError, match="'indirect' is not one of: direct, reported"):
        project.update_span(span.id, span.annotator, end=span.end - 1)
    fixed = project.update_span(span.id, span.annotator, attributes={"form": "reported"})
    assert fixed.attributes == {"form": "reported"}


def test_the_same_scheme_or_an_older_version_is_not_an_upgrade(project: Project) -> None:
    with pytest.raises(SchemeUnchanged, match="already on this scheme"):
        project.upgrade_scheme(scheme(V1), "lead")
    older = scheme(V2.replace("version: 2", "version: 1"))
    with pytest.raises(ProjectError, match="set version: 2 \\(or higher\\)"):
        project.upgrade_scheme(older, "lead")
    project.upgrade_scheme(scheme(V2), "lead")
    with pytest.raises(ProjectError, match="version 2 of 'study', but the project is on version 2"):
        project.upgrade_scheme(scheme(V2.replace("color: green}", "color: lime}", 1)), "lead")


def test_a_window_opened_before_the_upgrade_is_refused_its_next_write(project: Project) -> None:
    other = Project.open(project.path)
    assert other.scheme.hash == project.scheme.hash
    project.upgrade_scheme(scheme(V2), "lead")
    text = other.document(1).text
    start = text.index("We will")
    with pytest.raises(StaleView, match="close it and open it again"):
        other.create_span(1, "bob", "quote", start, start + 7)  # a label that is gone
    other.set_cursor(1, "bob", start)  # what the scheme does not govern is still saved
    other.close()
    again = Project.open(project.path)
    assert again.create_span(1, "bob", "citation", start, start + 7).label == "citation"
    again.close()


# -- no span is ever lost ------------------------------------------------------------------

LABELS = ("quote", "criticism", "commitment")


@hypothesis_settings(max_examples=20)
@given(
    spans=st.lists(
        st.tuples(
            st.sampled_from(LABELS),
            st.integers(0, 60),
            st.integers(1, 8),
            st.sampled_from(("ann", "bob", GOLD)),
        ),
        max_size=12,
    ),
    renamed=st.sets(st.sampled_from(LABELS)),
    deprecated=st.sets(st.sampled_from(LABELS)),
)
def test_an_upgrade_never_loses_or_moves_a_span(
    tmp_path_factory: pytest.TempPathFactory,
    spans: list[tuple[str, int, int, str]],
    renamed: set[str],
    deprecated: set[str],
) -> None:
    path = tmp_path_factory.mktemp("upgrade") / "p.db"
    with make_project(path) as project:
        length = len(project.document(1).text)
        for label, start, size, name in spans:
            attributes = {"form": "indirect"} if label == "quote" else {}
            with suppress(ProjectError):  # refused (a done layer, say): nothing changed
                project.create_span(1, name, label, start, min(start + size, length), attributes)
        text = V1.replace("version: 1", "version: 2")
        for label in LABELS:
            if label in renamed:
                text = text.replace(
                    f"id: {label}\n", f"id: new-{label}\n    renamed_from: {label}\n"
                )
                text = text.replace(f"id: {label},", f"id: new-{label}, renamed_from: {label},")
            if label in deprecated:
                text = text.replace(
                    f"{label}\n    color:", f"{label}\n    deprecated: true\n    color:"
                )
                text = text.replace(f"{label}, color:", f"{label}, deprecated: true, color:")
        before = {row[0]: row for row in rows(project, "spans")}
        project.upgrade_scheme(scheme(text), "lead")
        after = {row[0]: row for row in rows(project, "spans")}
        assert after.keys() == before.keys()
        for span_id, row in after.items():
            old_label = before[span_id][1]
            assert row[4:] == before[span_id][4:]
            assert row[1] == (f"new-{old_label}" if old_label in renamed else old_label)
            project.scheme.label(row[1])  # every label is in the new scheme


# -- the command line ----------------------------------------------------------------------


@pytest.fixture
def run(
    run_cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    monkeypatch.setenv("COLUMNS", "160")  # rich tables: one line per row
    make_project(tmp_path / "annotations.db").close()
    (tmp_path / "v2.yaml").write_text(V2, encoding="utf-8")
    return run_cli


def test_a_dry_run_shows_the_changes_and_the_effect_and_changes_nothing(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    result = run("scheme", "upgrade", "v2.yaml", "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Upgrade study v1" in out and "→ v2" in out
    assert "quote → citation" in out and "choices renamed: indirect → reported" in out
    assert "dodge → evade" in out and "question code" in out
    effect = [line for line in out.splitlines() if "quote → citation" in line][-1]
    assert [cell.strip() for cell in effect.split("│")[3:7]] == ["-", "3", "-", "-"]
    criticism = [line for line in out.splitlines() if "│ criticism" in line][-1]
    assert [cell.strip() for cell in criticism.split("│")[3:7]] == ["2", "-", "-", "-"]
    assert "Dry run: nothing was changed" in out
    with Project.open(tmp_path / "annotations.db") as project:
        assert project.scheme.version == 1 and project.scheme_upgrades() == []


def test_applying_needs_yes_when_not_in_a_terminal(run: Callable[..., Result]) -> None:
    refused = run("scheme", "upgrade", "v2.yaml")
    assert refused.exit_code == 1
    assert "error: not applied: add --yes to apply it (nothing was changed)" in refused.stderr
    applied = run("scheme", "upgrade", "v2.yaml", "--yes", "--as", "lead")
    assert applied.exit_code == 0, applied.output
    assert "Upgraded study to v2: 5 items rewritten in 3 logged edits (one per layer), 2 items " \
        "unchanged; recorded as upgrade 1." in applied.output  # fmt: skip
    again = run("scheme", "upgrade", "v2.yaml", "--yes")
    assert again.exit_code == 0
    assert "already on this scheme (study v2" in again.output


def test_refusals_are_one_line_each_naming_label_count_and_fix(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    (tmp_path / "v2.yaml").write_text(
        V2.replace(
            "  - id: criticism\n    color: red\n    attributes:\n      - {id: target, "
            "type: text}\n",
            "",
        ),
        encoding="utf-8",
    )
    result = run("scheme", "upgrade", "v2.yaml", "--yes")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: span label 'criticism' is removed, but 2 spans have it: keep it in the new "
        "scheme with 'deprecated: true', or give the label that replaces it "
        "'renamed_from: criticism'"
    ]
    (tmp_path / "v1.yaml").write_text(V2.replace("version: 2", "version: 1"), encoding="utf-8")
    older = run("scheme", "upgrade", "v1.yaml", "--dry-run")
    assert older.exit_code == 1 and "set version: 2 (or higher) to upgrade" in older.stderr


def test_a_bad_renamed_from_is_reported_at_its_line(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    (tmp_path / "v2.yaml").write_text(V2.replace("renamed_from: quote", "renamed_from: criticism"))
    result = run("scheme", "upgrade", "v2.yaml", "--dry-run")
    assert result.exit_code == 1
    assert 'v2.yaml:5:19: label "citation" is renamed from "criticism", but "criticism" is ' \
        "still a label here" in result.stderr  # fmt: skip


def test_text_from_the_files_is_shown_literally(run: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "v2.yaml").write_text(
        V2.replace("[direct, reported]", '[direct, "[bold red]reported\\u001b[2J"]').replace(
            "indirect: reported", 'indirect: "[bold red]reported\\u001b[2J"'
        ),
        encoding="utf-8",
    )
    result = run("scheme", "upgrade", "v2.yaml", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "indirect → [bold red]reported␛[2J" in result.output


def test_help_describes_the_command(run: Callable[..., Result]) -> None:
    result = run("scheme", "upgrade", "--help")
    assert result.exit_code == 0
    assert "--dry-run" in result.output and "--yes" in result.output
