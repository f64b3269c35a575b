"""brat standoff (format ``brat``): ``.ann`` files with their ``.txt``, or a folder of them.

Given a folder, every ``.ann`` in it and its subfolders is read (in path order); given a
``.ann`` (or its ``.txt`` with ``--format brat``), that one. Each ``.ann`` needs the ``.txt``
of the same name beside it, and each pair becomes one document with one annotator layer:

- The text is the ``.txt`` exactly (UTF-8; a byte-order mark is dropped). Its turns are
  the blocks between blank lines, without speakers (the layout ``annotator`` itself stores).
  Title: the file stem.
- ``T`` lines are spans. A discontinuous span (``0 5;7 12``) becomes one span from its first
  fragment's start to its last fragment's end, but only when the fragments are separated by
  nothing but whitespace with a line break in it (how our export writes a span over a line
  break); other gaps refuse the document. Offsets must lie inside the text, and the covered
  text (the fragments' text joined by a space, as brat writes it) must equal the ``.txt``
  slice.
- ``A``/``M`` lines are attributes of their span: a binary one is ``true``, other values are
  percent-decoded (our export encodes spaces, ``|``, ``,`` and ``%`` that way) and kept as
  text (the project reads ``true``/``false`` and numerals for boolean and number
  attributes). A name ``<label>__<attribute>`` of the span's label (how our export names
  every attribute, brat's names being global: :func:`attribute_name`) is read as
  ``<attribute>``; other names, such as the plain ones of older exports, as they are.
- ``#`` lines (``AnnotatorNotes``) are the span's note; several are joined by line breaks.
- Relations (``R``), events (``E``), normalisations (``N``), equivalences (``*``) and anything
  attached to them have no place in a layer of spans: they are skipped and counted in the
  document metadata (``skipped``).

Any other malformed line, an unknown id, a duplicate id or a second value of one attribute
refuses the whole document, naming the ``.ann`` file and the line.

A ``.ann`` or ``.txt`` that is a link leading out of the folder given (or, for a file named
directly, out of its folder) refuses the import, naming the link and where it leads, unless
``follow_links`` (``annotator import --follow-links``); a file named directly is read
whatever it is. Links that stay inside the folder are treated as in
:mod:`annotator.io.files`.

The layer's annotator is the name of the ``.ann``'s folder when the folder above it holds an
``annotation.conf`` written by ``annotator export --format brat`` (one folder per annotator;
its first line starts with :data:`CONF_MARKER`). Other brat data names no annotator: pass
``--as NAME``.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from annotator.io.common import (
    ImportFailure,
    cannot_read,
    decode_transcript_bytes,
    display_name,
    json_safe,
    read_file_bytes,
    resolved_source,
    shorten,
    storable,
)
from annotator.io.files import leads_outside, search_folder
from annotator.model import ImportedDocument, SpanDraft, Turn, normalise_text

CONF_MARKER = "# Written by annotator"

_TEXT_BOUND = re.compile(r"(T\d+)\t([^\s]+) (\d+ \d+(?:;\d+ \d+)*)\t(.*)")
_ATTRIBUTE = re.compile(r"([AM]\d+)\t(\S+) (\S+)(?: (\S+))?")
_NOTE = re.compile(r"(#\d*)\t(\S+) (\S+)(?:\t(.*))?")
_SKIPPED = {"R": "relations", "E": "events", "N": "normalisations", "*": "equivalences"}
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")
_LINE_BREAK = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# An offset of more digits is outside any text (and int() of thousands of digits fails).
_OFFSET_DIGITS = 18


def attribute_name(label: str, attribute: str) -> str:
    """The brat name of a label's attribute, ``deflection__kind``: brat's attribute names are
    global, a scheme's are per label (our export writes these; the import reads them back)."""
    return f"{label}__{attribute}"


def attribute_of(name: str, label: str) -> str:
    """The attribute a brat name gives a span of ``label``: :func:`attribute_name`'s, or
    the name itself (brat data of others, our exports before names were per label)."""
    return name.removeprefix(attribute_name(label, ""))


class _LineError(Exception):
    """Why a line is refused; the caller adds the file and the line number."""


def parse_brat(path: Path, *, follow_links: bool = False) -> list[ImportedDocument]:
    """Read a brat folder, a ``.ann`` file or a ``.txt`` with its ``.ann`` (rules above)."""
    path = Path(path)
    if path.is_dir():
        search = search_folder(path, follow_links=follow_links)
        for folder, error in search.unreadable:
            raise ImportFailure(str(folder), cannot_read(error))
        for link, target in search.links_out:
            if link.suffix in (".ann", ".txt"):
                raise ImportFailure(str(link), _link_reason(target, path))
        files = [file for file in search.files if file.suffix == ".ann"]
        if not files:
            raise ImportFailure(str(path), "the folder has no .ann files, so it is not brat data")
        return [_document(file, path, follow_links=follow_links) for file in files]
    if path.suffix.lower() == ".txt":
        ann = path.with_suffix(".ann")
        _check_inside(ann, path.parent, follow_links)
    else:
        ann = path
    return [_document(ann, path.parent, follow_links=follow_links, named=path)]


def _link_reason(target: Path, folder: Path) -> str:
    if not target.exists():
        return f"a broken link (to {display_name(target)})"
    return (
        f"a link to {display_name(target)}, outside the brat folder {display_name(folder)}: "
        "the document is refused; pass --follow-links to import it"
    )


def _check_inside(file: Path, folder: Path, follow_links: bool) -> None:
    """Refuse a file of a document that a link takes out of ``folder`` (module docstring)."""
    target = None if follow_links else leads_outside(file, folder)
    if target is not None:
        raise ImportFailure(str(file), _link_reason(target, folder))


def block_turns(text: str, speaker: str | None = None) -> tuple[Turn, ...]:
    """One turn per block of ``text`` between blank lines, without surrounding whitespace."""
    turns: list[Turn] = []
    starts = [0] + [match.end() for match in _BLANK_LINE.finditer(text)]
    ends = [match.start() for match in _BLANK_LINE.finditer(text)] + [len(text)]
    for start, end in zip(starts, ends, strict=True):
        piece = text[start:end]
        if piece.strip():
            first = start + len(piece) - len(piece.lstrip())
            turns.append(Turn(len(turns), first, start + len(piece.rstrip()), speaker))
    return tuple(turns)


def _document(
    ann: Path, folder: Path, *, follow_links: bool, named: Path | None = None
) -> ImportedDocument:
    txt = ann.with_suffix(".txt")
    if not ann.is_file():
        raise ImportFailure(str(ann), "no such .ann file; brat keeps the spans in <name>.ann")
    if not txt.is_file():
        raise ImportFailure(
            str(ann),
            f"no {display_name(txt.name)} beside it; brat keeps the text in a .txt of the "
            "same name",
        )
    if txt != named:
        _check_inside(txt, folder, follow_links)
    text = decode_transcript_bytes(read_file_bytes(txt), str(txt))
    try:
        lines = read_file_bytes(ann).decode("utf-8").removeprefix("\ufeff").splitlines()
    except UnicodeDecodeError as exc:
        raise ImportFailure(
            str(ann), f"invalid UTF-8 at byte {exc.start}; save it as UTF-8"
        ) from None
    spans: dict[str, list[Any]] = {}  # T id -> [label, start, end, attributes, notes, place]
    skipped: dict[str, int] = {}
    pending: list[tuple[int, str, str, str, str | None]] = []  # attributes and notes
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            kind = line[0]
            if kind == "T":
                key, span = _text_bound(line, text)
                if key in spans:
                    raise _LineError(f"{key} is defined twice")
                spans[key] = [*span, f"line {number} ({key})"]
            elif kind in "AM":
                match = _ATTRIBUTE.fullmatch(line)
                if not match:
                    raise _LineError("not an attribute line (A<n>\\t<name> <id> [<value>])")
                pending.append((number, "attribute", match[3], match[2], match[4]))
            elif kind == "#":
                match = _NOTE.fullmatch(line)
                if not match:
                    raise _LineError("not a note line (#<n>\\tAnnotatorNotes <id>\\t<note>)")
                pending.append((number, "note", match[3], match[2], match[4] or ""))
            elif kind in _SKIPPED:
                skipped[_SKIPPED[kind]] = skipped.get(_SKIPPED[kind], 0) + 1
            else:
                raise _LineError(f"unknown annotation line {shorten(line, 30)!r}")
        except _LineError as exc:
            raise ImportFailure(str(ann), str(exc), place=f"line {number}") from None
    for number, what, target, name, value in pending:
        if target not in spans:
            if target[:1] in "ERN*" and target[1:].isdigit():
                skipped[f"{what}s of skipped annotations"] = (
                    skipped.get(f"{what}s of skipped annotations", 0) + 1
                )
                continue
            raise ImportFailure(str(ann), f"{target} is not a span in this file", f"line {number}")
        span = spans[target]
        if what == "note":
            span[4].append(value)
            continue
        attribute = attribute_of(name, span[0])
        if attribute in span[3]:
            raise ImportFailure(
                str(ann), f"{target} has attribute {attribute} twice", place=f"line {number}"
            )
        span[3][attribute] = True if value is None else unquote(value)
    return _build(ann, text, spans, skipped)


def _text_bound(line: str, text: str) -> tuple[str, list[Any]]:
    match = _TEXT_BOUND.fullmatch(line)
    if not match:
        raise _LineError("not a text-bound line (T<n>\\t<type> <start> <end>\\t<text>)")
    key, label, offsets, covered = match.groups()
    if any(len(number) > _OFFSET_DIGITS for number in offsets.replace(";", " ").split()):
        raise _LineError(
            f"{key} has an offset of more than {_OFFSET_DIGITS} digits, outside the text of "
            f"{len(text)} characters"
        )
    fragments = [tuple(int(n) for n in piece.split()) for piece in offsets.split(";")]
    previous = 0
    for start, end in fragments:
        if not previous <= start < end <= len(text):
            raise _LineError(
                f"{key} fragment [{start}, {end}) is empty, out of order or outside the text "
                f"of {len(text)} characters"
            )
        previous = end
    for (_, end), (start, _) in pairwise(fragments):
        gap = text[end:start]
        if gap.strip() or not _LINE_BREAK.search(gap):
            raise _LineError(
                f"{key} is discontinuous across {gap[:30]!r}; only fragments split "
                "at a line break can be read as one span"
            )
    actual = " ".join(text[start:end] for start, end in fragments)
    if actual != covered:
        raise _LineError(
            f"{key} covers {shorten(actual)!r} in the .txt, but the line says {shorten(covered)!r}"
        )
    return key, [label, fragments[0][0], fragments[-1][1], {}, []]


def _build(
    ann: Path, text: str, spans: dict[str, list[Any]], skipped: dict[str, int]
) -> ImportedDocument:
    if spans and ("\r" in text or unicodedata.normalize("NFC", text) != text):
        raise ImportFailure(
            str(ann.with_suffix(".txt")),
            "the text has \\r line ends or is not in Unicode NFC; normalising it would move "
            "the spans, so fix the text and the offsets first",
        )
    text = normalise_text(text)
    conf = ann.parent.parent / "annotation.conf"
    annotator = None
    if conf.is_file():
        first_line = read_file_bytes(conf).split(b"\n", 1)[0].decode("utf-8", "replace")
        if first_line.startswith(CONF_MARKER):
            annotator = storable(ann.parent.name).strip() or None
    metadata: dict[str, Any] = {"skipped": skipped} if skipped else {}
    return ImportedDocument(
        title=storable(ann.stem),
        text=text,
        turns=block_turns(text),
        format="brat",
        source_path=resolved_source(ann),
        source_name=storable(ann.name),
        metadata=json_safe(metadata),
        spans=tuple(
            SpanDraft(label, start, end, attributes, "\n".join(notes), place=place)
            for label, start, end, attributes, notes, place in sorted(
                spans.values(), key=lambda s: (s[1], s[2], s[0])
            )
        ),
        annotator=annotator,
    )
