"""Agreement and review across scheme versions (annotator/versions.py): they compare only
spans (values, codes) made under versions that define them alike, and say what they left
out."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import layout

from annotator.agreement_report import agreement_report, report_rows
from annotator.model import ImportedDocument
from annotator.review import ReviewEditor, review_queue
from annotator.scheme import Scheme, load_scheme
from annotator.store import Project
from annotator.unit_agreement_report import unit_agreement_report
from annotator.versions import SchemeVersions

V1 = """\
name: study
version: 1
labels:
  - {id: group, color: gray}
  - {id: quote, color: blue, attributes: [{id: form, type: choice, choices: [direct, indirect]}]}
  - {id: criticism, color: red}
units:
  question:
    selectable: any
    labels:
      - {id: reply, color: green}
      - {id: dodge, color: red}
"""
TEXT = ["Will you cut taxes? Yes or no?", "I won't say. They failed. We will build homes."]


def scheme(text: str) -> Scheme:
    return load_scheme(text, "s.yaml")


def v2(*replacements: tuple[str, str]) -> Scheme:
    text = V1.replace("version: 1", "version: 2")
    for before, after in replacements:
        assert text.count(before) == 1, before
        text = text.replace(before, after)
    return scheme(text)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """ann and bob agree on a quote, a criticism and the question's code; both done."""
    project = Project.create(tmp_path / "p.db", scheme(V1))
    text, turns = layout(TEXT, ["Q", "A"])
    project.add_documents(
        [ImportedDocument(title="Interview", text=text, turns=tuple(turns), format="text")]
    )
    question = project.add_question(1, "lead", 0, len("Will you cut taxes?"))
    answer, failed = text.index("I won't say."), text.index("They failed.")
    for name in ("ann", "bob"):
        project.create_span(1, name, "quote", answer, answer + 12, {"form": "direct"})
        project.create_span(1, name, "criticism", failed, failed + 12)
        project.set_code(1, name, "dodge", question_id=question.id)
    yield project
    project.close()


def finish(project: Project) -> None:
    for name in ("ann", "bob"):
        project.set_status(1, name, "done")


def summary(report) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {row["label"]: row["spans"] for row in report.summary}


def test_under_one_version_nothing_is_said(project: Project) -> None:
    finish(project)
    report = agreement_report(project)
    assert report.versions == [] and summary(report) == {"criticism": 2, "quote": 2, "(all)": 4}


def test_a_rename_or_a_new_guideline_keeps_everything_comparable(project: Project) -> None:
    project.upgrade_scheme(
        v2(
            (
                "- {id: criticism, color: red}",
                "- {id: critique, color: red, renamed_from: criticism, description: Any attack.}",
            )
        ),
        "lead",
    )
    finish(project)
    report = agreement_report(project)
    assert summary(report) == {"critique": 2, "quote": 2, "(all)": 4}
    assert report.versions == [
        "spans under 2 scheme versions (2 under v1, 2 under v2): every label is defined alike "
        "in them, so all are compared"
    ]


def test_a_label_moved_in_the_hierarchy_is_compared_only_where_all_is_new(
    project: Project,
) -> None:
    moved = v2(("- {id: criticism, color: red}", "- {id: criticism, color: red, parent: group}"))
    project.upgrade_scheme(moved, "lead")
    text = project.document(1).text
    failed = text.index("They failed.")
    # bob redoes his criticism under v2; ann's is still v1's: the label is left out here.
    [old] = [s for s in project.spans(1, "bob") if s.label == "criticism"]
    project.delete_span(old.id, "bob")
    project.create_span(1, "bob", "criticism", failed, failed + 12)
    finish(project)
    report = agreement_report(project)
    assert summary(report) == {"quote": 2, "(all)": 2}
    assert report.versions[1] == (
        "span label criticism changed since v1 (parents: none → group): compared only in "
        "documents where all its spans are under v2; left out 2 in 1 document"
    )
    assert ("versions", "2", "note", report.versions[1]) in report_rows(report)
    # Once ann's is redone too, criticism is compared again.
    project.reopen(1, "ann")
    [old] = [s for s in project.spans(1, "ann") if s.label == "criticism"]
    project.update_span(old.id, "ann", note="redone under v2")  # an edit stamps v2
    project.set_status(1, "ann", "done")
    assert summary(agreement_report(project))["criticism"] == 2


def test_a_new_attribute_is_compared_only_on_spans_that_could_have_it(project: Project) -> None:
    added = v2(("choices: [direct, indirect]}]}", "choices: [direct, indirect]}, "
                "{id: verbatim, type: boolean}]}"))  # fmt: skip
    project.upgrade_scheme(added, "lead")
    finish(project)
    report = agreement_report(project)
    assert summary(report)["quote"] == 2  # the spans themselves are comparable
    rows = {(r["attribute"], r["mode"]): r for r in report.attributes}
    assert rows["form", "exact"]["units"] == 1
    assert rows["verbatim", "exact"]["units"] == 0
    assert report.versions[1].startswith(
        "attribute verbatim of quote changed since v1 (added): its agreement uses only documents"
    )


def test_a_changed_code_label_leaves_its_question_out(project: Project) -> None:
    moved = v2(("- {id: dodge, color: red}", "- {id: dodge, color: red, parent: reply}"))
    project.upgrade_scheme(moved, "lead")
    finish(project)
    report = unit_agreement_report(project, resamples=0)
    assert report.questions == 0
    assert report.versions[1].startswith(
        "question code dodge changed since v1 (parents: none → reply): compared only in "
        "questions where all its codes are under v2; left out 2 in 1 document"
    )
    assert report.to_dict()["versions"] == list(report.versions)


def test_the_review_says_what_it_compared(project: Project) -> None:
    project.upgrade_scheme(
        v2(("- {id: criticism, color: red}", "- {id: criticism, color: red, parent: group}")),
        "lead",
    )
    finish(project)
    [row] = review_queue(project)
    assert row.older == 2 and row.f1_exact == 1.0  # quotes only; criticism is left out
    editor = ReviewEditor(project, 1, "lead")
    assert "2 spans made under an older definition of their label (criticism: v1)" in (
        editor.progress()
    )


def test_a_version_that_no_longer_loads_counts_as_current(project: Project) -> None:
    current = project.scheme
    versions = SchemeVersions(current, {current.hash: current, "f" * 64: None})
    assert versions.is_current(None, "quote", "f" * 64)
    assert versions.name("f" * 64) == "f" * 12 and versions.name(current.hash) == "v1"
