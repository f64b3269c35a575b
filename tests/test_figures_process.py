"""The review queue's figures computed in a child process (annotator/figures_process.py):
the same rows as computed here, kept; computed here when the child cannot run; stopped when
cancelled."""

from __future__ import annotations

import sys

import pytest
from test_kept_figures import documents

from annotator import figures_process
from annotator.agreement_kept import review_listing
from annotator.figures_process import compute_elsewhere
from annotator.review import ReviewRow, review_queue
from annotator.store import Project


def run(project: Project, **kwargs: object) -> tuple[int, list[list[ReviewRow]]]:
    batches: list[list[ReviewRow]] = []
    count = compute_elsewhere(project.path, review_listing(project), batches.append, **kwargs)  # type: ignore[arg-type]
    return count, batches


def test_the_child_computes_the_rows_and_keeps_them(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = documents(project, 5)

    def not_here(*args: object, **kwargs: object) -> int:
        raise AssertionError("computed in this process")

    monkeypatch.setattr(figures_process, "compute_review_rows", not_here)  # (not the child's)
    count, batches = run(project, batch_seconds=0.0)  # a batch per row
    rows = sorted((row for batch in batches for row in batch), key=lambda row: row.id)
    assert count == 5 and len(batches) == 5 and [row.id for row in rows] == ids
    assert rows == sorted(review_queue(project), key=lambda row: row.id)
    assert review_listing(project).pending == []  # kept by the child


@pytest.mark.parametrize("executable", ["/nonexistent/python", "/bin/false"])
def test_without_a_child_the_rows_are_computed_here(
    project: Project, monkeypatch: pytest.MonkeyPatch, executable: str
) -> None:
    documents(project, 3)
    monkeypatch.setattr(sys, "executable", executable)
    count, batches = run(project)
    assert count == 3
    assert sorted(r.id for b in batches for r in b) == sorted(r.id for r in review_queue(project))


def test_cancelled_before_the_first_batch_reports_nothing(project: Project) -> None:
    documents(project, 3)
    count, batches = run(project, cancelled=lambda: True)
    assert batches == [] and count <= 3
