"""Gold question codes: a reviewer's decisions on the annotators' codes of each question, and
auto-merge by majority at each level of the unit's hierarchy (annotator/store/gold_codes.py);
the question-level disagreements of a document (annotator/review_questions.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures.question_codes import code, gold, make, scheme

from annotator.cli import cli
from annotator.errors import InvalidValue, ProjectError
from annotator.review import ReviewEditor, review_queue
from annotator.review_questions import (
    AGREE,
    ATTRIBUTES,
    LABEL,
    PARTIAL,
    UNCODED,
    QuestionReview,
    label_path,
)
from annotator.screens.review_queue import review_row
from annotator.store import GOLD, Project


@pytest.fixture
def qr(tmp_path: Path) -> Iterator[Project]:
    with make(tmp_path / "leaves.db") as project:
        yield project


@pytest.fixture
def qr_any(tmp_path: Path) -> Iterator[Project]:
    with make(tmp_path / "any.db", "any") as project:
        yield project


def provenance(project: Project, name: str) -> dict:
    question = next(q for q in project.questions(1) if q.name == name)
    [found] = project.codes(annotator=GOLD, question_id=question.id)
    return dict(found.provenance or {})


def ids_of(project: Project, name: str, *annotators: str) -> list[int]:
    question = next(q for q in project.questions(1) if q.name == name)
    return sorted(c.id for c in project.codes(question_id=question.id) if c.annotator in annotators)


# ---- auto-merge: majority at each level ----------------------------------------------------


def test_a_majority_of_full_codes_goes_into_gold_one_edit_for_all(qr: Project) -> None:
    code(
        qr,
        {
            "alice": ["explicit", "dodging", "partial", "implicit", "general"],
            "bob": ["explicit", "dodging", "dodging", "implicit", "general"],
            "cat": ["explicit", "partial", "general", "implicit", "general"],
        },
    )
    before = qr.newest_edit(1)
    outcome = qr.gold_codes.auto_merge(1, reviewer="rita")
    assert gold(qr) == {
        "Q1": ("explicit", {}),
        "Q2": ("dodging", {}),
        "Q4": ("implicit", {}),
        "Q5": ("general", {}),
    }
    assert outcome.left_open == [
        "Q3: level 1 Ambivalent (3 of 3), leaves split: partial, dodging, general"
    ]
    assert provenance(qr, "Q1") == {
        "method": "unanimous",
        "reviewer": "rita",
        "sources": ids_of(qr, "Q1", "alice", "bob", "cat"),
        "annotators": ["alice", "bob", "cat"],
        "of": 3,
    }
    assert provenance(qr, "Q2")["method"] == "majority"
    assert provenance(qr, "Q2")["sources"] == ids_of(qr, "Q2", "alice", "bob")
    # Everything in one edit of the gold layer, naming who ran it.
    edits = {change.batch for change in qr.history(1, GOLD)}
    assert len(edits) == 1 and min(edits) > before
    assert {change.reviewer for change in qr.history(1, GOLD)} == {"rita"}


def test_an_ancestor_majority_goes_into_gold_when_any_label_may_be_a_code(
    qr_any: Project,
) -> None:
    code(
        qr_any,
        {
            "alice": ["dodging", "dodging", "explicit"],
            "bob": ["partial", "general", "explicit"],
            "cat": ["general", "explicit", "ambivalent"],
        },
    )
    outcome = qr_any.gold_codes.auto_merge(1, reviewer="rita")
    # Q1: all three under Ambivalent (unanimous at level 1); Q2: two of three; Q3: a majority
    # of full codes wins before any level is looked at.
    assert gold(qr_any) == {
        "Q1": ("ambivalent", {}),
        "Q2": ("ambivalent", {}),
        "Q3": ("explicit", {}),
    }
    assert outcome.left_open == []
    q1, q2 = provenance(qr_any, "Q1"), provenance(qr_any, "Q2")
    assert (q1["method"], q1["level"], q1["of"]) == ("unanimous", 1, 3)
    assert (q2["method"], q2["level"]) == ("majority", 1)
    assert q2["sources"] == ids_of(qr_any, "Q2", "alice", "bob")
    assert "level" not in provenance(qr_any, "Q3")


def test_an_ancestor_majority_is_left_to_the_reviewer_when_only_leaves_are_codes(
    qr: Project,
) -> None:
    code(
        qr,
        {
            "alice": ["dodging"],
            "bob": ["partial"],
            "cat": ["explicit"],
        },
    )
    outcome = qr.gold_codes.auto_merge(1, reviewer="rita")
    assert not outcome and gold(qr) == {}
    assert outcome.left_open == [
        "Q1: level 1 Ambivalent (2 of 3), leaves split: dodging, partial, explicit"
    ]
    assert not qr.has_gold()  # no empty edit: nobody has written gold


def test_ties_and_missing_annotators(tmp_path: Path) -> None:
    with make(tmp_path / "p.db") as project:
        code(
            project,
            {
                # Q1: two against two at every level; Q2: a missing code counts against;
                # Q3: half is no majority; Q4: nobody coded it (not mentioned).
                "alice": ["dodging", "explicit", "explicit"],
                "bob": ["dodging", "explicit", "explicit"],
                "cat": ["explicit", "explicit", "dodging"],
                "dan": ["implicit", None, "partial"],
            },
        )
        project.set_code(1, "eve", "dodging", question_id=project.questions(1)[0].id)
        # eve did not finish: her code does not count.
        outcome = project.gold_codes.auto_merge(1)
        assert gold(project) == {"Q2": ("explicit", {})}
        assert provenance(project, "Q2")["method"] == "majority"  # 3 of 4, dan missing
        assert provenance(project, "Q2")["reviewer"] is None
        assert outcome.left_open == [
            "Q1: no majority at any level (dodging, explicit, implicit)",
            "Q3: no majority at any level (explicit, dodging, partial)",
        ]


def test_two_annotators_one_missing_code_is_no_majority(qr: Project) -> None:
    code(qr, {"alice": ["explicit", "explicit"], "bob": [None, "explicit"]})
    outcome = qr.gold_codes.auto_merge(1)
    assert gold(qr) == {"Q2": ("explicit", {})}
    assert provenance(qr, "Q2")["method"] == "unanimous"
    assert outcome.left_open == ["Q1: no majority at any level (explicit)"]


def test_attribute_values_must_agree_too(qr_any: Project) -> None:
    attack, both = {"tactics": ["attack"]}, {"tactics": ["deflect", "attack"]}
    code(
        qr_any,
        {
            "alice": [("declining", attack), ("declining", attack)],
            "bob": [("declining", attack), ("declining", both)],
            "cat": [("declining", both), ("declining", {"tactics": ["ignore"]})],
        },
    )
    outcome = qr_any.gold_codes.auto_merge(1, reviewer="rita")
    # Q1: two of three gave the same values; Q2: one label, values split three ways, so the
    # reviewer decides (even though any label may be a code: they agree on the label).
    assert gold(qr_any) == {"Q1": ("declining", attack)}
    assert provenance(qr_any, "Q1")["sources"] == ids_of(qr_any, "Q1", "alice", "bob")
    assert outcome.left_open == ["Q2: declining (3 of 3), attribute values split: tactics"]


def test_a_majority_the_scheme_refuses_is_left_open_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    # The agreed ancestor needs a value nobody gave it; the other majority is a label the
    # scheme deprecated after the annotators used it.
    qr_any = make(tmp_path / "p.db", "any", deprecated=False)
    code(
        qr_any,
        {
            "alice": [("declining", {"tactics": ["attack"]}), "retired"],
            "bob": ["ignorance", "retired"],
        },
    )
    qr_any.set_scheme(scheme("any", deprecated=True))
    before = qr_any.newest_edit(1)
    outcome = qr_any.gold_codes.auto_merge(1)
    assert not outcome and gold(qr_any) == {}
    assert len(outcome.left_open) == 2
    assert outcome.left_open[0].startswith("Q1: clear_non_reply: attribute 'why'")
    assert outcome.left_open[1].startswith("Q2: retired: question code 'retired' is deprecated")
    assert qr_any.newest_edit(1) == before  # the empty edit was rolled back
    qr_any.close()


def test_fewer_than_two_finished_annotators_merge_nothing(qr: Project) -> None:
    code(qr, {"alice": ["explicit"]})
    qr.set_code(1, "bob", "explicit", question_id=qr.questions(1)[0].id)  # not done
    outcome = qr.gold_codes.auto_merge(1)
    assert not outcome and outcome.left_open == [] and gold(qr) == {}


# ---- undo, and never overriding a reviewer -------------------------------------------------


def test_undo_takes_the_whole_merge_back_and_it_can_run_again(qr: Project) -> None:
    code(qr, {"alice": ["explicit", "dodging"], "bob": ["explicit", "dodging"]})
    assert len(qr.gold_codes.auto_merge(1, reviewer="rita").codes) == 2
    qr.undo(1, GOLD, reviewer="rita")
    assert gold(qr) == {}
    assert qr.gold_codes.cleared(1) == set()  # an undone merge is no reviewer's decision
    assert len(qr.gold_codes.auto_merge(1, reviewer="rita").codes) == 2
    qr.undo(1, GOLD, reviewer="rita")
    qr.redo(1, GOLD, reviewer="rita")
    assert gold(qr) == {"Q1": ("explicit", {}), "Q2": ("dodging", {})}


def test_rerunning_never_overrides_a_reviewer(qr: Project) -> None:
    code(
        qr,
        {
            "alice": ["explicit", "dodging", "general", "implicit"],
            "bob": ["explicit", "dodging", "general", "implicit"],
            "cat": ["implicit", "partial", "general", "explicit"],
        },
    )
    q1, q2, q3, q4, _ = qr.questions(1)
    # The reviewer takes cat's code for Q1, gives Q2 her own, and clears what the merge
    # gives Q3; undoing her clearing of Q4 and clearing it again still counts.
    [cats] = [c for c in qr.codes(question_id=q1.id) if c.annotator == "cat"]
    qr.gold_codes.accept(1, "rita", cats.id)
    qr.gold_codes.adjudicate(1, "rita", q2.id, "general")
    qr.gold_codes.auto_merge(1, reviewer="rita")
    assert gold(qr) == {
        "Q1": ("implicit", {}),
        "Q2": ("general", {}),
        "Q3": ("general", {}),
        "Q4": ("implicit", {}),
    }
    qr.gold_codes.clear(1, "rita", q3.id)
    qr.gold_codes.clear(1, "rita", q4.id)
    qr.undo(1, GOLD, reviewer="rita")
    qr.redo(1, GOLD, reviewer="rita")
    assert qr.gold_codes.cleared(1) == {q3.id, q4.id}
    outcome = qr.gold_codes.auto_merge(1, reviewer="rita")
    assert not outcome and outcome.left_open == []
    assert gold(qr) == {"Q1": ("implicit", {}), "Q2": ("general", {})}
    # The reviewer can still give a cleared question a code herself.
    qr.gold_codes.adjudicate(1, "rita", q3.id, "partial")
    assert gold(qr)["Q3"] == ("partial", {})


# ---- a reviewer's decisions ----------------------------------------------------------------


def test_accepting_a_version_copies_it_exactly_and_credits_identical_codes(qr: Project) -> None:
    q1 = qr.questions(1)[0]
    why = {"tactics": ["attack", "ignore"]}
    qr.set_code(1, "alice", "declining", question_id=q1.id, attributes=why, note="see 0:42")
    qr.set_code(1, "bob", "declining", question_id=q1.id, attributes=why)
    qr.set_code(1, "cat", "declining", question_id=q1.id, attributes={"tactics": ["attack"]})
    for name in ("alice", "bob", "cat"):
        qr.set_status(1, name, "done")
    alices = next(c for c in qr.codes(question_id=q1.id) if c.annotator == "alice")
    accepted = qr.gold_codes.accept(1, "rita", alices.id)
    assert (accepted.label, dict(accepted.attributes), accepted.note) == (
        "declining",
        why,
        "see 0:42",
    )
    assert accepted.annotator == GOLD and accepted.provenance == {
        "method": "adjudicated",
        "reviewer": "rita",
        "sources": ids_of(qr, "Q1", "alice", "bob"),
        "annotators": ["alice", "bob"],
        "of": 3,
    }
    # Accepting another version replaces the gold code; undo brings the first back.
    cats = next(c for c in qr.codes(question_id=q1.id) if c.annotator == "cat")
    again = qr.gold_codes.accept(1, "rita", cats.id)
    assert again.id == accepted.id and again.provenance["annotators"] == ["cat"]
    qr.undo(1, GOLD, reviewer="rita")
    assert gold(qr) == {"Q1": ("declining", why)}
    assert [c.reviewer for c in qr.history(1, GOLD)] == ["rita"] * 3


def test_a_reviewers_own_code_settles_every_code_of_the_question(qr: Project) -> None:
    code(qr, {"alice": ["explicit"], "bob": ["dodging"], "cat": [None]})
    q1 = qr.questions(1)[0]
    own = qr.gold_codes.adjudicate(1, "rita", q1.id, "partial", note="neither")
    assert own.provenance == {
        "method": "adjudicated",
        "reviewer": "rita",
        "sources": ids_of(qr, "Q1", "alice", "bob"),
        "annotators": ["alice", "bob"],
        "of": 3,
    }
    assert own.note == "neither"


def test_decisions_follow_the_unit_and_name_the_reviewer(qr: Project) -> None:
    code(qr, {"alice": ["explicit"], "bob": ["dodging"]})
    q1, q2 = qr.questions(1)[:2]
    with pytest.raises(InvalidValue, match="groups other question codes"):
        qr.gold_codes.adjudicate(1, "rita", q1.id, "ambivalent")
    with pytest.raises(ProjectError, match="name the reviewer"):
        qr.gold_codes.adjudicate(1, " ", q1.id, "explicit")
    with pytest.raises(ProjectError, match="name the reviewer"):
        qr.gold_codes.adjudicate(1, GOLD, q1.id, "explicit")
    with pytest.raises(ProjectError, match="Q2 has no gold code to clear"):
        qr.gold_codes.clear(1, "rita", q2.id)
    merged = qr.gold_codes.adjudicate(1, "rita", q1.id, "explicit")
    with pytest.raises(ProjectError, match="a gold code cannot be the source"):
        qr.gold_codes.accept(1, "rita", merged.id)
    with pytest.raises(ProjectError, match="no code with id 9999"):
        qr.gold_codes.accept(1, "rita", 9999)
    assert gold(qr) == {"Q1": ("explicit", {})}


def test_stale_gold_codes_are_named(qr: Project) -> None:
    code(qr, {"alice": ["explicit", "dodging"], "bob": ["explicit", "dodging"]})
    qr.gold_codes.auto_merge(1, reviewer="rita")
    q1, q2 = qr.questions(1)[:2]
    qr.reopen(1, "alice")  # done is locked: a change after review means reopening
    qr.reopen(1, "bob")
    qr.set_code(1, "alice", "implicit", question_id=q1.id)
    [bobs] = [c for c in qr.codes(question_id=q2.id) if c.annotator == "bob"]
    qr.clear_code(bobs.id, "bob")
    assert qr.gold_codes.stale(1) == {
        q1.id: "a code it came from was changed since",
        q2.id: "a code it came from was cleared",
    }


def test_nothing_but_the_code_writer_writes_the_codes_table() -> None:
    package = Path(__file__).resolve().parents[1] / "annotator"
    writes = ("INSERT INTO codes", "UPDATE codes", "DELETE FROM codes", "REPLACE INTO codes")
    found = {
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if any(write.lower() in path.read_text(encoding="utf-8").lower() for write in writes)
        or '.table("codes")' in path.read_text(encoding="utf-8")
    }
    assert found == {"store/codes.py"}


# ---- the question-level disagreements of a document ----------------------------------------


def test_cases_states_levels_and_paths(qr: Project) -> None:
    code(
        qr,
        {
            "alice": ["explicit", "dodging", ("declining", {"tactics": ["attack"]}), "general"],
            "bob": ["explicit", "partial", ("declining", {"tactics": ["ignore"]}), None],
            "cat": ["explicit", "explicit", ("declining", {"tactics": ["attack"]}), "general"],
        },
    )
    review = QuestionReview(qr, 1, ["alice", "bob", "cat"], "rita")
    assert [(c.question.name, c.state, c.agreed_to) for c in review.cases] == [
        ("Q1", AGREE, 2),
        ("Q2", LABEL, 0),
        ("Q3", ATTRIBUTES, 2),
        ("Q4", PARTIAL, 2),
        ("Q5", UNCODED, 0),
    ]
    assert [c.question.name for c in review.disagreements] == ["Q2", "Q3", "Q4"]
    assert review.open_count() == 3
    assert label_path(review.unit, "dodging") == ("ambivalent", "dodging")
    assert label_path(review.unit, "gone") == ("gone",)  # a label the scheme lacks
    q2 = review.cases[1]
    versions = review.versions(q2, {"alice": "A1", "bob": "A2", "cat": "A3"}.get)
    assert [(v.number, v.shown_as, v.path, v.decision) for v in versions] == [
        (1, "A1", ("ambivalent", "dodging"), "open"),
        (2, "A2", ("ambivalent", "partial"), "open"),
        (3, "A3", ("clear_reply", "explicit"), "open"),
    ]
    # Two of three agree down to level 1 on Q2 when bob and alice are the only ones.
    two = QuestionReview(qr, 1, ["alice", "bob"])
    assert (two.cases[1].state, two.cases[1].agreed_to) == (LABEL, 1)
    # Accepting bob's version: his code is gold; the others are outvoted.
    review.accept_version(q2, 2)
    review.reload()
    q2 = review.cases[1]
    assert q2.gold is not None and q2.gold.label == "partial" and not q2.is_open
    assert [v.decision for v in review.versions(q2)] == ["rejected", "accepted", "rejected"]
    assert review.open_count() == 2
    with pytest.raises(ProjectError, match="Q4: annotator 2 gave no code"):
        review.accept_version(review.cases[3], 2)
    with pytest.raises(ProjectError, match="no version 4"):
        review.accept_version(review.cases[3], 4)


def test_stepping_through_open_disagreements(qr: Project) -> None:
    code(
        qr,
        {
            "alice": ["explicit", "dodging", "explicit", "general", "explicit"],
            "bob": ["explicit", "partial", "explicit", "explicit", "implicit"],
        },
    )
    review = QuestionReview(qr, 1, ["alice", "bob"], "rita")
    q1, q2, _, q4, q5 = review.cases
    assert review.at(0) is None  # before the first question
    assert review.at(q1.question.start) is q1
    assert review.at(q1.question.end + 3) is q1  # in its answer
    names = [c.question.name for c in (q2, q4, q5)]
    assert [c.question.name for c in review.disagreements] == names
    assert review.next_disagreement(0) is q2
    assert review.next_disagreement(q2.question.start) is q4
    assert review.next_disagreement(q5.question.start) is q2  # wraps around
    assert review.next_disagreement(q2.question.start, forward=False) is q5
    assert review.next_disagreement(0, forward=False) is q5
    assert review.position(q4) == 2 and review.position(q1) == 0
    for case in (q2, q4):
        review.accept_version(case, 1)
    review.reload()
    here = review.case(q5.question.id)
    assert review.next_disagreement(q5.question.start) is here  # the only one open
    review.accept_version(here, 2)
    review.reload()
    assert review.next_disagreement(0) is None and review.open_count() == 0
    # Settled ones too (N and P): every disagreement, in order, wrapping around; not Q1,
    # which they agree on.
    q2, q4, q5 = review.disagreements
    assert review.next_disagreement(0, settled=True) is q2
    assert review.next_disagreement(q2.question.start, settled=True) is q4
    assert review.next_disagreement(q5.question.start, settled=True) is q2
    assert review.next_disagreement(q2.question.start, forward=False, settled=True) is q5


# ---- the review session on a document ------------------------------------------------------


def test_the_review_editor_settles_questions_and_follows_undo(qr: Project) -> None:
    qr.create_span(1, "alice", "quote", 0, 4)
    qr.create_span(1, "bob", "quote", 0, 4)
    code(qr, {"alice": ["explicit", "dodging"], "bob": ["explicit", "partial"]})
    editor = ReviewEditor(qr, 1, "rita")
    q1, q2 = qr.questions(1)[:2]
    assert editor.question_review.open_count() == 1
    assert editor.progress() == "0 of 0 disagreements open · 1 question open"
    with pytest.raises(ProjectError, match="1 question disagreement is still open"):
        editor.set_status("done")
    editor.question_mode = True
    editor.move_to(q2.start)
    assert editor.current_case is not None and editor.current_case.question.id == q2.id
    assert editor.focus_range() == (q2.start, q2.end)
    assert editor.progress() == "1 of 1 question disagreements open"
    ranges = editor.accept_code_version(2)
    assert ranges == [(q2.start, q2.end)]
    assert editor.question_review.open_count() == 0
    assert editor.current_case.gold.label == "partial"
    # The gold spans are untouched by code changes (their ids are another table's).
    assert editor.spans == {}
    editor.move_to(0)
    assert editor.undo() == [(q2.start, q2.end)]
    assert editor.summary == "undone: gold code of Q2 removed"
    assert editor.cursor == q2.start  # where the change was
    assert editor.question_review.open_count() == 1
    editor.redo()
    assert editor.summary == "redone: gold code of Q2 added"
    editor.merge_codes()
    assert editor.summary == "merged 1 question code"
    assert {c.question_id for c in qr.codes(annotator=GOLD)} == {q1.id, q2.id}
    editor.clear_gold_code()
    assert editor.question_review.case(q2.id).gold is None
    editor.code_question("general")
    assert editor.question_review.case(q2.id).gold.label == "general"
    editor.set_status("done")  # no question left open; the spans all agree


def test_another_window_deciding_a_question_is_taken_in(qr: Project, tmp_path: Path) -> None:
    code(qr, {"alice": ["explicit", "dodging"], "bob": ["explicit", "partial"]})
    editor = ReviewEditor(qr, 1, "rita")
    with Project.open(qr.path) as other:
        other.gold_codes.auto_merge(1, reviewer="sam")
    assert editor.sync()  # the question's range is repainted
    assert editor.question_review.case(qr.questions(1)[0].id).gold is not None


def test_the_review_queue_and_status_count_open_question_disagreements(qr: Project) -> None:
    code(
        qr,
        {
            "alice": ["explicit", "dodging", "dodging"],
            "bob": ["explicit", "partial", "explicit"],
        },
    )
    [row] = review_queue(qr)
    assert (row.questions, row.questions_open, row.open) == (2, 2, 0)
    assert review_row(row).status == "open"  # no span to settle, but two questions
    q2 = qr.questions(1)[1]
    qr.gold_codes.adjudicate(1, "rita", q2.id, "general")
    [row] = review_queue(qr)
    assert (row.questions, row.questions_open) == (2, 1)
    result = CliRunner().invoke(cli, ["--db", str(qr.path), "status"])
    assert result.exit_code == 0, result.output
    assert (
        "Question codes: 2 disagreements in the documents to review, 1 still without a gold "
        "code (in 1 document); settle them with 'annotator review' (Q)."
    ) in " ".join(result.output.split())
    qr.gold_codes.adjudicate(1, "rita", qr.questions(1)[2].id, "general")
    assert review_row(review_queue(qr)[0]).status == "settled"
