"""Scheme YAML nested deeper than any scheme needs (annotator/scheme/validate.py): one
``FILE:LINE:COL:`` problem where the nesting goes too deep, never a RecursionError."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from annotator.scheme import SchemeError, load_scheme_file, validate_scheme

TOO_DEEP = "the YAML is nested more than 64 levels deep here"
HEAD = "name: deep\nversion: 1\n"


@pytest.mark.parametrize(
    ("text", "place"),
    [
        # Past Python's recursion limit: the place is where the parser got to.
        (HEAD + "labels: " + "[" * 600 + "]" * 600 + "\n", r"3:\d+"),
        (HEAD + "labels:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 600)), r"\d+:\d+"),
        # Within it: the first value 65 levels down.
        (HEAD + "labels: " + "[" * 70 + "]" * 70 + "\n", "3:72"),
        (HEAD + "labels:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 70)), "67:129"),
        (HEAD + "labels: &a [*a]\n", "3:9"),  # an alias inside itself: infinitely deep
    ],
    ids=["flow-600", "block-600", "flow-70", "block-70", "alias-cycle"],
)
def test_deep_nesting_is_one_problem_at_its_place(text: str, place: str) -> None:
    [problem] = validate_scheme(text, "deep.yaml")
    assert re.match(rf"deep\.yaml:{place}: {re.escape(TOO_DEEP)}", str(problem)), problem


def test_nesting_a_scheme_may_have_is_checked_as_usual() -> None:
    problems = validate_scheme(HEAD + "labels: " + "[" * 63 + "]" * 63 + "\n", "ok.yaml")
    assert TOO_DEEP not in " ".join(map(str, problems))


def test_loading_a_deep_scheme_file_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(HEAD + "labels: " + "[" * 2000 + "]" * 2000 + "\n")
    with pytest.raises(SchemeError) as info:
        load_scheme_file(path)
    assert str(info.value).startswith(f"{path}:3:") and TOO_DEEP in str(info.value)
    assert len(str(info.value).splitlines()) == 1


def test_scheme_validate_command_reports_deep_nesting(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    (tmp_path / "deep.yaml").write_text(HEAD + "labels: " + "[" * 1000 + "]" * 1000 + "\n")
    result = run_cli("scheme", "validate", "deep.yaml")
    assert result.exit_code == 1
    assert TOO_DEEP in result.output and "Traceback" not in result.output


def test_a_timestamp_tag_on_text_is_a_problem_not_a_traceback() -> None:
    # PyYAML's date constructor fails with AttributeError on "!!timestamp" text.
    problems = validate_scheme(HEAD.replace("1", "!!timestamp soon") + "labels: []\n", "t.yaml")
    assert any(str(p).startswith("t.yaml:2:10: cannot read this value") for p in problems)
