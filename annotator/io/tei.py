"""TEI XML transcripts (format ``tei``), as written by ParlaMint.

Rules:

- The root element is ``<TEI>`` (one document) or ``<teiCorpus>`` (one document per ``<TEI>``
  inside it), in the TEI namespace or in none. Anything else is refused.
- Each ``<u>`` (utterance) is a turn. Its paragraphs are its ``<seg>`` children, one each;
  a ``<u>`` without ``<seg>`` is one paragraph. Inside them, runs of XML whitespace become one
  space. ``<note>``, ``<gap>``, ``<head>``, ``<kinesic>``, ``<vocal>``, ``<incident>`` and
  ``<desc>`` are not speech: their text is dropped wherever they are (the text after them is
  kept). Only ``<u>`` elements produce text, so headings and notes between turns never do.
  A ``<u>`` with no text yields no turn.
- Speaker: ``who="#Id"``. If the document has ``<person xml:id="Id">`` with a ``<persName>``,
  the speaker is "Forename Surname" (or the persName's text); otherwise it is the id as
  written, without ``#`` (ParlaMint component files keep their people in a separate file,
  so ``#LindsayHoyle`` gives ``LindsayHoyle``). The id is not split into words, since
  corpora order the name parts differently. A speaker named from ``<person>`` gets a
  ``speaker_info`` entry: the name as ``person`` and the ``xml:id`` as ``external_id``.
- Title: the first ``<titleStmt><title>`` whose language (``xml:lang``, inherited) is
  English, else the first one, whitespace collapsed; else the file stem.
- Metadata: the TEI ``xml:id`` (``id``), ``xml:lang`` (``lang``), the first ``<date when>``
  of the header's ``profileDesc`` or ``sourceDesc`` (``date``), and ``turn_ana``: each kept
  turn's ``ana`` value (``#chair``, ``#regular``), in turn order; ``section_breaks``: the
  indexes of the turns that follow a ``<head>`` or ``<gap>`` (a new debate section, or
  text left out), so that a question is never paired with a reply from another section.
- Safety: the file is parsed by ``defusedxml``, set to refuse any ``<!DOCTYPE>``
  declaration (TEI needs none), so no entity can be declared (no entity-expansion attack),
  no internal subset can change the parse and no external entity or DTD is read. XML that
  is not well-formed is refused naming the line and column. Elements may nest as deep as
  the file likes: nothing here recurses over the tree.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.io.common import DocumentBuilder, ImportFailure, clean_title, read_xml
from annotator.model import ImportedDocument, SpeakerInfo

_XML_NS = "{http://www.w3.org/XML/1998/namespace}"
_NOT_SPEECH = frozenset({"note", "gap", "head", "kinesic", "vocal", "incident", "desc"})
_XML_SPACE_RE = re.compile(r"[ \t\r\n]+")


def local_name(tag: Any) -> str:
    """``{namespace}name`` → ``name``; comments and processing instructions → ``""``."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> Iterator[ET.Element]:
    return (child for child in element if local_name(child.tag) == name)


def _descendants(element: ET.Element, name: str) -> Iterator[ET.Element]:
    return (node for node in element.iter() if local_name(node.tag) == name)


def _speech(element: ET.Element) -> str:
    """The spoken text inside ``element``: skips non-speech elements, keeps their tails."""
    pieces: list[str] = []
    # Document order without recursion: a node's text, then each child's speech and tail.
    stack: list[ET.Element | str] = [element]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            pieces.append(item)
            continue
        if item.text:
            pieces.append(item.text)
        for child in reversed(item):
            if child.tail:
                stack.append(child.tail)
            if local_name(child.tag) and local_name(child.tag) not in _NOT_SPEECH:
                stack.append(child)
    return _XML_SPACE_RE.sub(" ", "".join(pieces)).strip()


def _people(tei: ET.Element) -> dict[str, str]:
    names: dict[str, str] = {}
    for person in _descendants(tei, "person"):
        person_id = person.get(f"{_XML_NS}id")
        pers_name = next(_children(person, "persName"), None)
        if not person_id or pers_name is None:
            continue
        forenames = [_speech(node) for node in _children(pers_name, "forename")]
        surnames = [_speech(node) for node in _children(pers_name, "surname")]
        full = " ".join(part for part in forenames + surnames if part) or _speech(pers_name)
        if full:
            names[person_id] = full
    return names


def _title(tei: ET.Element, root_lang: str | None) -> str | None:
    title_stmt = next(_descendants(tei, "titleStmt"), None)
    if title_stmt is None:
        return None
    titles = list(_children(title_stmt, "title"))
    document_lang = tei.get(f"{_XML_NS}lang") or root_lang
    for title in titles:
        lang = title.get(f"{_XML_NS}lang") or title_stmt.get(f"{_XML_NS}lang") or document_lang
        if lang and lang.lower().startswith("en") and _speech(title):
            return clean_title(_speech(title))
    for title in titles:
        if _speech(title):
            return clean_title(_speech(title))
    return None


def _date(tei: ET.Element) -> str | None:
    header = next(_children(tei, "teiHeader"), None)
    if header is None:
        return None
    for section in ("profileDesc", "sourceDesc"):
        for container in _descendants(header, section):
            for date in _descendants(container, "date"):
                if date.get("when"):
                    return date.get("when")
    return None


def _document(
    tei: ET.Element,
    *,
    number: int,
    several: bool,
    root_lang: str | None,
    corpus_people: dict[str, str],
    source: str,
    source_path: str | None,
) -> ImportedDocument:
    people = {**corpus_people, **_people(tei)}
    builder = DocumentBuilder()
    turn_ana: list[str | None] = []
    section_breaks: list[int] = []
    new_section = False  # a <head> or <gap> since the last turn
    inside: set[int] = set()  # elements inside an utterance (a <gap> there breaks nothing)
    for node in tei.iter():
        name = local_name(node.tag)
        if id(node) in inside:
            continue
        if name in ("head", "gap"):
            new_section = bool(len(builder))
            continue
        if name != "u":
            continue
        utterance = node
        inside.update(id(child) for child in utterance.iter())
        segs = list(_children(utterance, "seg"))
        paragraphs = [_speech(seg) for seg in segs] if segs else [_speech(utterance)]
        who = (utterance.get("who") or "").strip()
        speaker_id = who.split()[0].lstrip("#") if who else ""
        speaker = people.get(speaker_id, speaker_id) or None
        turn = builder.add_turn(paragraphs, speaker)
        if turn is not None:
            turn_ana.append(utterance.get("ana"))
            if new_section:
                section_breaks.append(turn.index)
            new_section = False
    label = f"<TEI> #{number}" if several else "<TEI>"
    if not len(builder):
        raise ImportFailure(
            source, "no <u> utterance with any text; only <u> elements are imported", place=label
        )
    stem = Path(source_path or source).stem
    title = _title(tei, root_lang) or (f"{stem} #{number}" if several else stem)
    metadata: dict[str, Any] = {
        "id": tei.get(f"{_XML_NS}id"),
        "lang": tei.get(f"{_XML_NS}lang") or root_lang,
        "date": _date(tei),
        "turn_ana": turn_ana,
        "section_breaks": section_breaks,
    }
    metadata = {key: value for key, value in metadata.items() if value is not None}
    if not any(turn_ana):
        metadata.pop("turn_ana")
    if not section_breaks:
        metadata.pop("section_breaks")
    # What <listPerson> says of each speaker who has a turn: the name and the person's id.
    info = {
        name: SpeakerInfo(person=name, external_id=person_id) for person_id, name in people.items()
    }
    return builder.build(
        title=title, format="tei", source_path=source_path, metadata=metadata, speaker_info=info
    )


def parse_tei(text: str, *, source: str, source_path: str | None) -> list[ImportedDocument]:
    """Parse a TEI (ParlaMint) file (rules in the module docstring)."""
    root = read_xml(text, source, "TEI needs none")
    root_name = local_name(root.tag)
    if root_name == "TEI":
        teis = [root]
    elif root_name == "teiCorpus":
        teis = list(_descendants(root, "TEI"))
    else:
        raise ImportFailure(
            source,
            f"the root element is <{root_name}>, not <TEI> or <teiCorpus>; only TEI XML "
            "transcripts are understood",
        )
    if not teis:
        raise ImportFailure(source, "the <teiCorpus> holds no <TEI> document")
    root_lang = root.get(f"{_XML_NS}lang")
    # A <teiCorpus> may list its people once, in its own header.
    corpus_header = next(_children(root, "teiHeader"), None) if root is not teis[0] else None
    corpus_people = _people(corpus_header) if corpus_header is not None else {}
    return [
        _document(
            tei,
            number=number,
            several=len(teis) > 1,
            root_lang=root_lang,
            corpus_people=corpus_people,
            source=source,
            source_path=source_path,
        )
        for number, tei in enumerate(teis, start=1)
    ]
