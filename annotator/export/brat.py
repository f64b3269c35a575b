"""brat standoff: a folder of ``.txt``/``.ann`` pairs plus configuration.

Layout (brat keeps one ``.ann`` per document, so each annotator gets a folder)::

    out/annotation.conf        entity types, <OVERLAP> rule, attributes (from the scheme)
    out/kb_shortcuts.conf      the scheme's hotkeys (letters upper-cased, as brat reads keys)
    out/visual.conf            display names and label colours
    out/<annotator>/<example id>.txt   exactly the example text (UTF-8, "\\n", no BOM)
    out/<annotator>/<example id>.ann

Every annotator of the export gets a pair for every example, an empty ``.ann`` when they
have no spans there. brat finds ``annotation.conf`` in a parent folder, so the annotator
folders share it; its first line says that ``annotator import`` may take the folder names as
annotator names.

``.ann`` lines, per span in text order: ``T<n>\\t<label> <start> <end>\\t<covered text>``,
then its attributes, then its note:

- A span whose text contains a line break is written as discontinuous fragments
  (``0 12;14 30``), split at each line break (what ``str.splitlines`` splits at: brat reads
  ``.ann`` files that way) with the whitespace around it, so the covered
  text (the fragments joined by a space, as brat joins them) stays on one line. A span that
  starts or ends with a line break loses it (its first and last fragments are what brat can
  show), which is reported.
- Attributes are ``A`` lines: a true boolean is a binary attribute (``A1\\tpersonal T3``), a
  false or empty one is left out (brat's "absent"); choice, text and number values follow the
  span id (``A2\\tquote__form T3 direct``). brat values cannot hold whitespace, ``|`` or ``,``:
  those characters (and ``%``) are percent-encoded as UTF-8 (``in direct`` → ``in%20direct``),
  which ``annotator import`` decodes, so values survive a round trip.
- brat's attribute names are global, and a scheme's are per label (``deflection`` and
  ``commitment`` may each have a ``kind``, with different choices), so every attribute is
  named ``<label>__<attribute>`` (``deflection__kind``; brat names allow letters, digits,
  ``_`` and ``-``) and declared for its label alone, with its own values: brat then refuses
  a commitment's kind on a deflection. ``annotator import`` reads these names back as the
  attribute, and the plain names that exports before this rule wrote.
- brat holds one value per attribute and has no multi-select: a multichoice value of several
  choices is written as one value, its (encoded) choices joined by ``|`` (``A3\\ttactic T3
  attacks|declines``), which ``annotator import`` reads back as the list; brat itself shows
  it as an undeclared value, so each such span is reported.
- A note is ``#<n>\\tAnnotatorNotes T<n>\\t<note>`` on one line (line breaks become spaces,
  reported).

Overlapping and nested spans are all written; ``annotation.conf`` allows any overlap
(``<OVERLAP> Arg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>``). Its ``[entities]`` follow the
scheme order with children indented under their parent; ``[attributes]`` list choice values
from the scheme and text/number values as seen in this export (brat needs a closed list).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..io.brat import CONF_MARKER, attribute_name
from ..scheme import Scheme
from .examples import Example, ExportReport, ExportSpan
from .naming import file_names, layers

SUFFIX = ""
FOLDER = True

# What str.splitlines() splits at: brat reads .ann files line by line that way.
_LINE_BREAK_CHARS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAKS = re.compile(f"[{_LINE_BREAK_CHARS}]+")
_BREAK = re.compile(f"\\s*[{_LINE_BREAK_CHARS}]\\s*")  # a line break and whitespace around it
_UNSAFE_VALUE = re.compile(r"[\s|,%]")


@dataclass
class _Attribute:
    """One brat attribute: the labels that carry it and its values (binary when boolean)."""

    type: str
    args: dict[str, None] = field(default_factory=dict)
    values: dict[str, None] = field(default_factory=dict)


class _Attributes:
    """brat names for the scheme's attributes, and what ``[attributes]`` must declare."""

    def __init__(self, scheme: Scheme) -> None:
        self.entries: dict[str, _Attribute] = {}
        for label in scheme.labels:
            for attribute in label.attributes:
                entry = self.entries.setdefault(
                    attribute_name(label.id, attribute.id), _Attribute(attribute.type)
                )
                entry.args.setdefault(label.id)
                for choice in attribute.choices:
                    entry.values.setdefault(encode_value(choice))

    def value(
        self, example: Example, span: ExportSpan, key: str, value: Any, report: ExportReport
    ) -> tuple[str, str | None] | None:
        """``(brat name, value)`` for one attribute (value None: binary), or None to skip."""
        kind = "boolean" if isinstance(value, bool) else "number" if _is_number(value) else "text"
        name = attribute_name(span.label, key)
        # An attribute of an older scheme version is declared as its values show it.
        entry = self.entries.setdefault(name, _Attribute(kind))
        entry.args.setdefault(span.label)
        if value is None or value is False or value == "" or value == []:
            return None  # brat has no "false": an absent attribute is false or unset
        if value is True:
            return name, None
        if isinstance(value, list) and len(value) > 1:  # multichoice
            safe = "|".join(encode_value(str(item)) for item in value)
            report.problem(
                example,
                f"{span.annotator}'s {span.label} span [{span.start}, {span.end}): "
                f"multichoice {key} written as the one value {safe} (brat has no list values)",
            )
            return name, safe
        safe = encode_value(str(value[0] if isinstance(value, list) else value))
        entry.values.setdefault(safe)
        return name, safe

    def conf(self) -> list[str]:
        lines = []
        for name, entry in self.entries.items():
            args = "|".join(entry.args)
            if entry.type == "boolean":
                lines.append(f"{name}\tArg:{args}")
            elif entry.values:
                lines.append(f"{name}\tArg:{args}, Value:{'|'.join(entry.values)}")
            else:
                lines.append(f"# {name}: a {entry.type} attribute with no values in this export")
        return lines


def encode_value(value: str) -> str:
    """Percent-encode what a brat attribute value cannot hold (whitespace, ``|``, ``,``, ``%``)."""
    return _UNSAFE_VALUE.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def write(
    examples: Iterable[Example],
    path: Path,
    scheme: Scheme,
    report: ExportReport,
    **_options: Any,
) -> None:
    """Write a brat folder at ``path`` (layout and policy in the module docstring).

    Options the format does not use are ignored, so one set can be passed to every writer.
    """
    path.mkdir(parents=True, exist_ok=True)
    attributes = _Attributes(scheme)
    labels: dict[str, None] = {}
    folders: dict[str, str] = {}
    for example in examples:
        for annotator, spans in layers(example, report):
            if annotator not in folders:
                folders = file_names([*folders, annotator])
            folder = path / folders[annotator]
            folder.mkdir(exist_ok=True)
            lines: list[str] = []
            counts = {"A": 0, "#": 0}
            for number, span in enumerate(spans, start=1):
                labels.setdefault(span.label)
                lines.append(_text_bound(example, span, number, report))
                for key, value in span.attributes.items():
                    found = attributes.value(example, span, key, value, report)
                    if found is not None:
                        counts["A"] += 1
                        name, text = found
                        tail = "" if text is None else f" {text}"
                        lines.append(f"A{counts['A']}\t{name} T{number}{tail}")
                if span.note:
                    counts["#"] += 1
                    note = _one_line(example, span, span.note, report)
                    lines.append(f"#{counts['#']}\tAnnotatorNotes T{number}\t{note}")
            stem = folder / example.id
            _write_text(stem.with_name(stem.name + ".txt"), example.text)
            _write_text(stem.with_name(stem.name + ".ann"), "".join(f"{x}\n" for x in lines))
    _write_text(path / "annotation.conf", _annotation_conf(scheme, labels, attributes))
    _write_text(path / "kb_shortcuts.conf", _shortcuts(scheme))
    _write_text(path / "visual.conf", _visual(scheme))


def _text_bound(example: Example, span: ExportSpan, number: int, report: ExportReport) -> str:
    """``T<n>\\t<label> <fragments>\\t<covered text>``, split at line breaks."""
    fragments: list[tuple[int, int]] = []
    position = span.start
    for match in _BREAK.finditer(example.text, span.start, span.end):
        if match.start() > position:
            fragments.append((position, match.start()))
        position = match.end()
    if position < span.end:
        fragments.append((position, span.end))
    if not fragments:  # only whitespace: keep the characters, line breaks and all
        report.problem(
            example,
            f"{span.annotator}'s {span.label} span [{span.start}, {span.end}) covers only "
            "line breaks and spaces; written with its covered text on one line",
        )
        fragments = [(span.start, span.end)]
    elif fragments[0][0] != span.start or fragments[-1][1] != span.end:
        report.problem(
            example,
            f"{span.annotator}'s {span.label} span [{span.start}, {span.end}) starts or ends "
            f"with a line break; written as [{fragments[0][0]}, {fragments[-1][1]})",
        )
    offsets = ";".join(f"{start} {end}" for start, end in fragments)
    covered = _LINE_BREAKS.sub(" ", " ".join(example.text[s:e] for s, e in fragments))
    return f"T{number}\t{span.label} {offsets}\t{covered}"


def _one_line(example: Example, span: ExportSpan, note: str, report: ExportReport) -> str:
    flat = _LINE_BREAKS.sub(" ", note)
    if flat != note:
        report.problem(
            example,
            f"{span.annotator}'s {span.label} span [{span.start}, {span.end}): the note's "
            "line breaks became spaces (a brat note is one line)",
        )
    return flat


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(text)


def _annotation_conf(scheme: Scheme, seen: Mapping[str, None], attributes: _Attributes) -> str:
    known = {label.id for label in scheme.labels}
    lines = [
        f"{CONF_MARKER} from scheme {scheme.name} v{scheme.version} ({scheme.hash[:12]}); "
        "one folder per annotator.",
        "[entities]",
    ]

    def entity(label_id: str, depth: int) -> None:
        lines.append("\t" * depth + label_id)
        for child in scheme.children(label_id):
            entity(child.id, depth + 1)

    for label in scheme.labels:
        if label.parent is None or label.parent not in known:
            entity(label.id, 0)
    lines.extend(label for label in seen if label not in known)  # older scheme versions
    lines += [
        "[relations]",
        "# spans may overlap and nest",
        "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>",
        "[events]",
        "[attributes]",
        *attributes.conf(),
    ]
    return "".join(f"{line}\n" for line in lines)


def _shortcuts(scheme: Scheme) -> str:
    lines, keys = [], set()
    for label in scheme.labels:
        if label.hotkey is None or label.deprecated:
            continue
        key = label.hotkey.upper() if label.hotkey.isalpha() else label.hotkey
        if key not in keys:  # brat reads letter keys upper-case: "t" and "T" would clash
            keys.add(key)
            lines.append(f"{key} {label.id}\n")
    return "".join(lines)


def _visual(scheme: Scheme) -> str:
    labels = [f"{label.id} | {label.name}\n" for label in scheme.labels]
    drawing = [f"{label.id}\tbgColor:{label.color}\n" for label in scheme.labels]
    return "[labels]\n" + "".join(labels) + "[drawing]\n" + "".join(drawing)
