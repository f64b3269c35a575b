"""Work an import saves must not change what it reads: the text importer's turns are not
normalised a second time, and the importers of other formats load only when needed."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.io import IMPORT_FORMATS, annotator_jsonl, formats, qevasion, read_transcript
from annotator.io.common import DocumentBuilder
from annotator.io.services import parse_service
from annotator.io.text import parse_text
from annotator.model import ImportedDocument

# Pieces of lines: labels of each kind, service speaker lines, and text with combining marks
# at the edges of words and lines, decomposed letters, line ends of each kind and every
# kind of whitespace (NBSP, EN QUAD, which NFC replaces, ideographic space, tabs).
PIECES = [
    "Q:",
    "Q  ",
    "THE PRESIDENT:",
    "Jane Doe:",
    "**Jane Doe:**",
    "Jane Doe (00:01):",
    "Jane Doe  0:03",
    "[00:00:03] Jane Doe:",
    "Mr Speaker:",
    "4:02 P.M. EST",
    "cafe\u0301",
    "\u0301",
    "\u0301x",
    "e\u0308",
    "x",
    " ",
    "  ",
    "\u00a0",
    "\u2000",
    "\u3000",
    "\t",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    ":",
    "---",
]
TEXT = st.lists(st.sampled_from(PIECES), min_size=1, max_size=40).map("".join)


def _parse_twice(
    parse: Callable[[str], list[ImportedDocument]], text: str
) -> tuple[list[Any], list[Any]]:
    """What ``parse`` makes of ``text``, and what it makes with every turn normalised again."""

    def documents() -> list[Any]:
        try:
            return parse(text)
        except Exception as error:  # the same refusal both ways
            return [type(error).__name__, str(error)]

    add_turn = DocumentBuilder.add_turn

    def always_normalise(self: DocumentBuilder, *args: Any, **kwargs: Any) -> Any:
        kwargs.pop("normalised", None)
        return add_turn(self, *args, **kwargs)

    quick = documents()
    with mock.patch.object(DocumentBuilder, "add_turn", always_normalise):
        slow = documents()
    return quick, slow


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT)
def test_text_turns_are_what_normalising_them_again_gives(text: str) -> None:
    quick, slow = _parse_twice(lambda t: parse_text(t, source="x", source_path=None), text)
    assert quick == slow
    for document in quick:
        if isinstance(document, ImportedDocument):
            assert unicodedata.is_normalized("NFC", document.text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, format=st.sampled_from(["otter", "rev", "descript", "hansard"]))
def test_service_turns_are_what_normalising_them_again_gives(text: str, format: str) -> None:
    def parse(t: str) -> list[ImportedDocument]:
        return parse_service(t, source="x", source_path=None, format=format)

    quick, slow = _parse_twice(parse, text)
    assert quick == slow


def test_format_names_kept_by_the_registry_are_the_importers_own() -> None:
    assert formats.NATIVE_JSONL == annotator_jsonl.FORMAT in IMPORT_FORMATS
    assert formats.QEVASION == qevasion.FORMAT in IMPORT_FORMATS
    assert [name for name, entry in IMPORT_FORMATS.items() if entry.uses_scheme] == ["qevasion"]


def test_a_text_import_loads_no_other_importer(tmp_path: Path) -> None:
    (tmp_path / "talk.txt").write_text("ALICE: Hello.\n\nBOB: Hi.\n", "utf-8")
    script = (
        "import sys; from pathlib import Path; from annotator.io import read_transcript; "
        f"read_transcript(Path({str(tmp_path / 'talk.txt')!r})); "
        "print(sorted(m for m in sys.modules if m.startswith('annotator.io.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    for module in ("subtitles", "qevasion", "tei", "span_jsonl", "labelstudio", "brat"):
        assert f"annotator.io.{module}'" not in loaded
    assert "xml.etree" not in loaded
    # ... and the others still read their files when asked.
    (tmp_path / "talk.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHi.\n", "utf-8")
    assert read_transcript(tmp_path / "talk.srt")[0].format == "srt"
