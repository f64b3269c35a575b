"""Token-level BIO (IOB2) in CoNLL columns, one tag column per label.

One column of tags holds one label per token, so nested and overlapping spans (a ``quote``
around a ``deflection``) cannot share one. This export therefore writes **one tag column per
label**, in the scheme's label order (labels that only older scheme versions had come last),
after the token (a layered layout in the style of WebAnno TSV)::

    # global.columns = FORM quote deflection commitment criticism
    # annotator = alice
    # scheme = political-interview v3 (9f2c...)

    -DOCSTART-	O	O	O	O

    I	B-quote	B-deflection	O	O
    wo	I-quote	I-deflection	O	O
    ...

- The file starts with comment lines, ``# <key> = <value>`` as in CoNLL-U, and a blank
  line: ``global.columns`` names the columns, space-separated (CoNLL-U Plus's header: ``FORM``
  the token, then each tag column by its label id), then the layer's annotator and the
  scheme's name, version and hash. A reader that does not know comments drops the lines
  that start with ``# `` (a hash and a space): no token line does, since a token holds no
  whitespace and a tab follows it (a ``#`` token's line is ``#`` and a tab).
- Each example starts with a ``-DOCSTART-`` line (with ``O`` in every tag column, so every
  line has the same number of columns) and a blank line, as CoNLL-2003 does; ``spacy
  convert`` and the usual CoNLL readers split documents there.
- Then the example's tokens, one per line, as one sequence ended by a blank line. Sentences
  are **not** split: quotes and deflections routinely run over several sentences, and a BIO
  sequence cannot continue across a sentence break. Export ``--unit turn`` for shorter
  sequences. Whitespace tokens (line breaks) are left out.
- Tokens come from :mod:`annotator.export.tokens` (option ``tokenizer``: ``auto``, ``spacy``
  or ``simple``). A span whose edge falls inside a token is snapped outward to whole tokens
  and reported.
- Two spans of one label and one annotator that overlap on any token cannot both be in that
  label's column: the one starting first is kept (the longer one when they start together)
  and the other is reported. Spans covering no token are reported.
- A file holds one annotator's layer. With one annotator in the export, ``path`` is written;
  with several, one file per annotator, ``<stem>.<annotator><suffix>`` next to ``path`` (the
  given path itself is then not written).

The tag columns are written in this order: :func:`~annotator.export.examples.label_order`
of the scheme and the exported spans; the header names them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from ..scheme import Scheme
from .examples import Example, ExportReport, ExportSpan, label_order
from .naming import file_names, layers, sibling
from .tokens import Bounds, choose_columns

SUFFIX = ".conll"
FOLDER = False


def write(
    examples: Iterable[Example],
    path: Path,
    scheme: Scheme,
    report: ExportReport,
    *,
    tokenizer: str = "auto",
    **_options: Any,
) -> None:
    """Write CoNLL BIO files (layout and policy in the module docstring).

    Options the format does not use are ignored, so one set can be passed to every writer.

    Streams: each example's block is written as soon as it is made, to a file per annotator
    beside ``path`` that starts with its header, so memory holds one document at a time.
    What is known only at the end is settled then: the file names (one annotator or
    several: a rename), and the tag columns of labels that only older scheme versions had,
    which come last; a file written before such a label first showed up is copied once more
    behind a header naming it, its lines given ``O`` in its column.
    """
    columns = label_order(scheme)
    known = set(columns)
    report.tokenizer, tokenize = choose_columns(tokenizer)
    path.parent.mkdir(parents=True, exist_ok=True)
    files: dict[str, IO[str]] = {}
    parts: dict[str, Path] = {}
    named: dict[str, int] = {}  # how many tag columns each file's header names
    try:
        for example in examples:
            for span in example.spans:
                if span.label not in known:
                    known.add(span.label)
                    columns.append(span.label)
            for name in [*example.annotators, *(span.annotator for span in example.spans)]:
                if name not in files:
                    parts[name] = path.with_name(f".{path.name}.part{len(parts)}")
                    files[name] = open(parts[name], "w", encoding="utf-8", newline="")  # noqa: SIM115
                    files[name].write(header(columns, name, scheme))
                    named[name] = len(columns)
            words = tokenize(example.text).words()
            for annotator, spans in layers(example, report):
                files[annotator].write(_block(example, words, spans, columns, report))
    finally:
        for handle in files.values():
            handle.close()
    if not files:
        # No annotator: a file with the header alone.
        path.write_text(header(columns, "", scheme), encoding="utf-8")
        return
    names = file_names(files)
    for name, part in parts.items():
        target = path if len(files) == 1 else sibling(path, names[name])
        if named[name] == len(columns):
            part.replace(target)  # its header named every column: the file is done
        else:
            _finish(part, target, header(columns, name, scheme), len(columns))
            part.unlink()


def _finish(source: Path, target: Path, head: str, columns: int) -> None:
    """Copy a CoNLL part file behind a new header (replacing the one it starts with, which
    names fewer columns), giving every line ``columns`` tag columns (``O`` for the labels
    found after the line was written)."""
    with (
        open(source, encoding="utf-8", newline="") as lines,
        open(target, "w", encoding="utf-8", newline="") as out,
    ):
        out.write(head)
        for line in lines:  # the old header: comment lines, then a blank line
            if not line.strip():
                break
        for line in lines:
            body = line.rstrip("\n")
            if body:
                body += "\tO" * (columns - body.count("\t"))
            out.write(body + "\n")


def header(columns: list[str], annotator: str, scheme: Scheme) -> str:
    """The comment lines that open a file, and the blank line after them (module docstring)."""
    lines = [f"global.columns = {' '.join(['FORM', *columns])}"]
    if annotator:
        lines.append(f"annotator = {' '.join(annotator.split())}")
    lines.append(f"scheme = {' '.join(scheme.name.split())} v{scheme.version} ({scheme.hash})")
    return "".join(f"# {line}\n" for line in lines) + "\n"


def _block(
    example: Example,
    words: Bounds,
    spans: list[ExportSpan],
    columns: list[str],
    report: ExportReport,
) -> str:
    tags = [["O"] * len(words) for _ in columns]
    index = {label: i for i, label in enumerate(columns)}
    ranges = []
    for span in spans:
        aligned = words.align(span.start, span.end)
        if aligned is None:
            report.problem(example, f"{_where(span)} covers no token; not written")
            continue
        first, last, snapped = aligned
        if snapped:
            report.problem(
                example,
                f"{_where(span)} does not end on token boundaries; tagged as tokens "
                f"[{words.starts[first]}, {words.ends[last]})",
            )
        ranges.append((first, last, span))
    # Earliest first, then longest: that one keeps the column where spans collide.
    ranges.sort(key=lambda r: (r[0], -r[1]))
    for first, last, span in ranges:
        column = tags[index[span.label]]
        if column[first : last + 1].count("O") != last + 1 - first:
            report.problem(
                example,
                f"{_where(span)} overlaps another {span.label} span of the same annotator on "
                "the same tokens; one tag column holds one of them, so it is not written",
            )
            continue
        column[first] = f"B-{span.label}"
        column[first + 1 : last + 1] = [f"I-{span.label}"] * (last - first)
    lines = ["\t".join(["-DOCSTART-"] + ["O"] * len(columns)), ""]
    # A line per token: its text and its tag in each column (zipped: a million tokens, say).
    lines += map("\t".join, zip(words.texts, *tags, strict=True))
    return "\n".join(lines) + "\n\n"


def _where(span: ExportSpan) -> str:
    return f"{span.annotator}'s {span.label} span [{span.start}, {span.end})"
