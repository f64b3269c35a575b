"""TheyWorkForYou / ParlParse debate XML (format ``parlparse``).

Rules:

- The root element is ``<publicwhip>``; anything else is refused. Detection by content: an
  XML file (``.xml`` or no extension) whose root element is ``<publicwhip>``.
- Each ``<speech>`` is a turn; its ``<p>`` children are its paragraphs (a speech without
  ``<p>`` is one paragraph), runs of XML whitespace becoming one space. All text inside a
  ``<p>`` is kept (``<i>``, ``<phrase>`` and the like are markup, not separate speech). A
  speech with no text yields no turn.
- Speaker: the ``speakername`` attribute, whitespace collapsed; a speech without one has no
  speaker. ``person_id`` (``uk.org.publicwhip/person/10999``), else ``speakerid``, goes to the
  document's ``speaker_info`` as the person's ``external_id``, with ``speakername`` as the
  person. A label that appears with two different ids keeps the first.
- ``<major-heading>`` and ``<minor-heading>`` are not speech: the index of the turn after
  each goes to ``metadata["section_breaks"]`` (as :mod:`annotator.io.tei` does), and the
  first heading's text is the title (else the file stem). ``<division>`` blocks and other
  elements are not speech either.
- Metadata: ``headings`` (each heading's text and the index of the turn it precedes),
  ``section_breaks``, and each kept turn's speech ``id`` (``speech_ids``) and ``time``
  (``speech_times``, as written, e.g. ``14:32:00``).
- Safety as in :mod:`annotator.io.tei`: parsed by ``defusedxml`` with any ``<!DOCTYPE>``
  refused; XML that is not well-formed is refused naming the line and column.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from annotator.io.common import DocumentBuilder, ImportFailure, clean_title, read_xml
from annotator.model import ImportedDocument, SpeakerInfo

FORMAT = "parlparse"
_XML_SPACE_RE = re.compile(r"[ \t\r\n]+")
# Skip the prolog (declaration, comments, processing instructions), then the root.
_ROOT_RE = re.compile(r"\A\s*(?:(?:<\?.*?\?>|<!--.*?-->)\s*)*<publicwhip[\s>/]", re.DOTALL)


def is_parlparse(text: str) -> bool:
    """Whether ``text`` is XML whose root element is ``<publicwhip>``."""
    return bool(_ROOT_RE.match(text))


def _text(element: ET.Element) -> str:
    return _XML_SPACE_RE.sub(" ", "".join(element.itertext())).strip()


def parse_parlparse(text: str, *, source: str, source_path: str | None) -> list[ImportedDocument]:
    """Parse a ParlParse debate file (rules in the module docstring)."""
    root = read_xml(text, source, "ParlParse XML needs none")
    if root.tag != "publicwhip":
        raise ImportFailure(
            source, f"the root element is <{root.tag}>, not <publicwhip>; this is not ParlParse XML"
        )
    builder = DocumentBuilder()
    info: dict[str, SpeakerInfo] = {}
    headings: list[dict[str, Any]] = []
    section_breaks: list[int] = []
    ids: list[str | None] = []
    times: list[str | None] = []
    new_section = False
    for element in root:
        if element.tag in ("major-heading", "minor-heading"):
            headings.append({"text": _text(element), "turn": len(builder), "kind": element.tag})
            new_section = bool(len(builder))
            continue
        if element.tag != "speech":
            continue
        paragraphs = [_text(p) for p in element.iter("p")] or [_text(element)]
        speaker = " ".join((element.get("speakername") or "").split()) or None
        turn = builder.add_turn(paragraphs, speaker)
        if turn is None:
            continue
        if new_section:
            section_breaks.append(turn.index)
        new_section = False
        ids.append(element.get("id"))
        times.append(element.get("time"))
        person_id = element.get("person_id") or element.get("speakerid")
        if speaker and speaker not in info:
            info[speaker] = SpeakerInfo(person=speaker, external_id=person_id or None)
    if not len(builder):
        raise ImportFailure(
            source, "no <speech> with any text; only <speech> elements are imported"
        )
    title = next((h["text"] for h in headings if h["text"]), None)
    metadata: dict[str, Any] = {"headings": headings, "speech_ids": ids, "speech_times": times}
    if section_breaks:
        metadata["section_breaks"] = section_breaks
    if not any(times):
        metadata.pop("speech_times")
    return [
        builder.build(
            title=clean_title(title) or Path(source_path or source).stem,
            format=FORMAT,
            source_path=source_path,
            metadata=metadata,
            speaker_info=info,
        )
    ]
