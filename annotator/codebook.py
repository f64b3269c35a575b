"""The codebook: a label scheme as the document a study publishes and its coders train with,
as Markdown or as one self-contained HTML file (``annotator scheme export``).

Pure (no UI): :func:`render_markdown` and :func:`render_html` take a
:class:`~annotator.scheme.Scheme`, and optionally the project's agreement per label
(:func:`agreement_tables`), and return the document:

1. the scheme: name, version and hash (the SHA-256 that every span and code made under it
   records), its description and its settings (overlap, nesting, same-label overlap, snap);
2. the span labels: a table of their keys in hierarchy order (parents before their
   children, numbered 2.1, 2.1.1...), then each label: id, key, colour, parent, whether it
   is deprecated, its guideline text (definition, boundary rules, confusable labels), its
   examples and near misses, and its attributes (type, required, default, choices and
   their definitions);
3. per unit kind (question, document): the coding procedure, which codes may be given
   (``selectable``), and the codes as the span labels;
4. the crosswalk to other schemes, if the scheme has one;
5. with agreement tables, the project's agreement per label.

Every text of the YAML appears as written. Guideline texts keep the structure
:mod:`annotator.scheme.guidelines` reads in them everywhere (paragraphs, list items with
their markers, choice definitions), and only their hard line wraps become spaces. In HTML
every text is escaped; in Markdown every character that would make markup of a text
(emphasis, links, HTML, headings, list markers, table cells, ...) is backslash-escaped,
so that CommonMark and GitHub show it literally. The Markdown's contents link to headings
by GitHub's anchors.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from . import __version__
from .errors import UnknownItem
from .scheme import CROSSWALK_ID, Attribute, Label, LabelSet, Scheme, Unit
from .scheme.guidelines import Line, choice_terms, paragraphs

FORMATS = ("md", "html")

# ---- what a document is made of --------------------------------------------------------------


@dataclass(frozen=True)
class _Code:
    """An id or a value as it is typed: monospace."""

    text: str


@dataclass(frozen=True)
class _Key:
    """A hotkey."""

    text: str


@dataclass(frozen=True)
class _Swatch:
    """A label's colour ("#rrggbb")."""

    color: str


@dataclass(frozen=True)
class _Strong:
    text: str


@dataclass(frozen=True)
class _Link:
    """A link to a heading of the document, by its anchor."""

    text: str
    anchor: str
    strong: bool = False
    suffix: str = ""  # shown after the link, in the same style (a head's colon)


@dataclass(frozen=True)
class _Badge:
    text: str


@dataclass(frozen=True)
class _Indent:
    """A label's depth in its hierarchy, shown as indentation (HTML only)."""

    depth: int


@dataclass(frozen=True)
class _Break:
    """A line break inside a paragraph (an example written over several lines)."""


_Inline = str | _Code | _Key | _Swatch | _Strong | _Link | _Badge | _Indent | _Break
_Run = Sequence[_Inline]

_HEX = re.compile(r"#[0-9a-fA-F]{6}")
# A short head that a line of guideline text starts with ("Definition:", "Confusable
# with:", "criticism:"): shown in bold, and linked when it names a label of the same set.
_HEAD = re.compile(r"(?P<head>\w[\w' -]{0,39}):(?=\s|$)")
_DASH = "\u2013"  # an undefined figure


@dataclass(frozen=True)
class AgreementTable:
    """One table of the codebook's agreement section, its cells as text."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()


# ---- writers ----------------------------------------------------------------------------------


class _Writer:
    """What the document is written with; the builder (:func:`_build`) drives one."""

    def heading(self, level: int, run: _Run, anchor: str, *, toc: bool = True) -> None:
        raise NotImplementedError

    def paragraph(self, run: _Run, kind: str = "") -> None:
        raise NotImplementedError

    def guidelines(
        self, text: str, terms: Sequence[str] = (), links: Mapping[str, str] | None = None
    ) -> None:
        raise NotImplementedError

    def items(self, runs: Sequence[_Run], kind: str) -> None:
        raise NotImplementedError

    def table(self, header: Sequence[str], rows: Sequence[Sequence[_Run]], kind: str = "") -> None:
        raise NotImplementedError

    def contents(self) -> None:
        raise NotImplementedError

    def begin(self, kind: str, anchor: str = "", color: str = "", depth: int = 0) -> None:
        """Open a part of the document (a section, a label at a depth, an attribute)."""

    def end(self) -> None:
        """Close the part :meth:`begin` opened last."""


@dataclass(frozen=True)
class _Heading:
    level: int
    text: str  # as a reader sees it
    anchor: str
    toc: bool


class _Outline(_Writer):
    """Collects the headings (a first pass, for the contents and Markdown's anchors)."""

    def __init__(self) -> None:
        self.headings: list[_Heading] = []

    def heading(self, level: int, run: _Run, anchor: str, *, toc: bool = True) -> None:
        self.headings.append(_Heading(level, _plain(run), anchor, toc))

    def paragraph(self, run: _Run, kind: str = "") -> None:
        pass

    def guidelines(
        self, text: str, terms: Sequence[str] = (), links: Mapping[str, str] | None = None
    ) -> None:
        pass

    def items(self, runs: Sequence[_Run], kind: str) -> None:
        pass

    def table(self, header: Sequence[str], rows: Sequence[Sequence[_Run]], kind: str = "") -> None:
        pass

    def contents(self) -> None:
        pass


def _plain(run: _Run) -> str:
    parts = []
    for piece in run:
        if isinstance(piece, str):
            parts.append(piece)
        elif isinstance(piece, _Break):
            parts.append(" ")
        elif isinstance(piece, _Badge):
            parts.append(f"({piece.text})")
        elif not isinstance(piece, (_Swatch, _Indent)):
            parts.append(piece.text)
    return "".join(parts)


def _groups(paragraph: Sequence[Line]) -> Iterator[tuple[str, list[Line]]]:
    """A paragraph's lines in runs: ``("list", items)`` for consecutive list items with
    markers of one kind, ``("lines", lines)`` for the others (a lead, choice definitions)."""
    current: list[Line] = []
    kind = ""
    for line in paragraph:
        line_kind = "list:" + _marker_kind(line.marker) if line.marker else "lines"
        if current and line_kind != kind:
            yield ("list" if kind.startswith("list:") else "lines", current)
            current = []
        kind = line_kind
        current.append(line)
    if current:
        yield ("list" if kind.startswith("list:") else "lines", current)


def _marker_kind(marker: str) -> str:
    return "ordered" + marker[-1] if marker[-1] in ".)" else marker


def _line_run(line: Line, links: Mapping[str, str]) -> list[_Inline]:
    """A line of guideline text: its term or short head in bold (linked when it names a
    label of the same set), the rest as written."""
    if line.term:
        return [_Strong(f"{line.term}:"), " ", line.definition]
    body = line.body
    found = None if line.marker[-1:] in (".", ")") else _HEAD.match(body)
    if found and len(found["head"].split()) <= 4:
        head = found["head"]
        rest = body[found.end() :]
        if head in links:
            return [_Link(head, links[head], strong=True, suffix=":"), rest]
        return [_Strong(f"{head}:"), rest]
    return [body]


# ---- Markdown -----------------------------------------------------------------------------------

_MD_ALWAYS = set("\\`*<|~$#")
_MD_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_MD_EMOJI = re.compile(r":[a-z0-9_+-]+:")
_MD_BRACKET_START = re.compile(r"\[[^\]]*\]:|\[[ xX]\](?:\s|$)")
_MD_ORDERED = re.compile(r"(\d{1,9})([.)])(?=\s|$)")


def _md_escape(text: str, *, start: bool = True, brackets: bool = False) -> str:
    """``text`` (one line) with every character that could be read as Markdown escaped;
    ``start``: the text begins a line (or a list item, a cell), where more is markup;
    ``brackets``: escape every bracket (the text of a link)."""
    out: list[str] = []
    for i, ch in enumerate(text):
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if ch in _MD_ALWAYS or (brackets and ch in "[]"):
            out.append("\\" + ch)
        elif ch == "_" and not (before.isalnum() and after.isalnum()):
            out.append("\\_")  # an underscore inside a word is never emphasis
        elif ch == "[" and i == 0 and start and _MD_BRACKET_START.match(text):
            out.append("\\[")  # a link reference definition, a task list item
        elif ch == "]" and after in "([:" and after:
            out.append("\\]")  # an inline or reference link
        elif ch == "&" and _MD_ENTITY.match(text, i):
            out.append("\\&")
        elif ch == ":" and _MD_EMOJI.match(text, i):
            out.append("\\:")  # GitHub's emoji shortcodes
        else:
            out.append(ch)
    escaped = "".join(out)
    if start:
        if escaped[:1] in ("-", "+", "=", ">"):
            escaped = "\\" + escaped  # a list item, a setext underline, a block quote
        else:
            escaped = (
                _MD_ORDERED.sub(r"\1\\\2", escaped, count=1)
                if _MD_ORDERED.match(escaped)
                else escaped
            )
    return escaped


def _md_code(text: str, *, table: bool = False) -> str:
    """A code span showing ``text`` as it is (a backtick in it gets a longer fence)."""
    text = " ".join(text.splitlines())
    if table:
        text = text.replace("|", "\\|")  # GitHub tables: a pipe is escaped inside code too
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def github_anchor(text: str) -> str:
    """The anchor GitHub gives a heading of this text (before numbering repeats)."""
    kept = "".join(ch for ch in text.lower() if ch in "-_ " or unicodedata.category(ch)[0] in "LNM")
    return kept.replace(" ", "-")


class _Markdown(_Writer):
    def __init__(self, outline: Sequence[_Heading]) -> None:
        self.blocks: list[str] = []
        self.outline = outline
        self.slugs: dict[str, str] = {}  # anchor -> GitHub's anchor
        seen: dict[str, int] = {}
        for heading in outline:
            slug = github_anchor(heading.text)
            if slug in seen:
                seen[slug] += 1
                slug = f"{slug}-{seen[slug]}"
            else:
                seen[slug] = 0
            self.slugs[heading.anchor] = slug

    def result(self) -> str:
        return "\n\n".join(self.blocks) + "\n"

    def inline(self, run: _Run, *, table: bool = False, indent: str = "") -> str:
        out: list[str] = []
        at_start = True
        for piece in run:
            if isinstance(piece, str):
                if not piece:
                    continue
                text = " ".join(piece.split("\n")) if table else piece
                lines = text.split("\n")
                shown = []
                for n, part in enumerate(lines):
                    first = at_start if n == 0 else True
                    shown.append(_md_escape(part.strip() if n else part, start=first))
                out.append(("\\\n" + indent).join(shown))
            elif isinstance(piece, (_Code, _Key)):
                out.append(_md_code(piece.text, table=table))
            elif isinstance(piece, _Strong):
                out.append(f"**{_md_escape(piece.text.strip(), start=False)}**")
            elif isinstance(piece, _Link):
                label = _md_escape(piece.text, start=False, brackets=True)
                target = self.slugs.get(piece.anchor, piece.anchor)
                link = f"[{label}](#{target}){_md_escape(piece.suffix, start=False)}"
                out.append(f"**{link}**" if piece.strong else link)
            elif isinstance(piece, _Badge):
                out.append(f"({_md_escape(piece.text, start=False)})")
            elif isinstance(piece, _Break):
                out.append("\\\n" + indent)
            # A swatch or an indent shows nothing: the colour is written beside it, and the
            # numbers show the hierarchy.
            at_start = at_start and isinstance(piece, (_Swatch, _Indent))
        return "".join(out).strip(" ")

    def heading(self, level: int, run: _Run, anchor: str, *, toc: bool = True) -> None:
        self.blocks.append("#" * min(level, 6) + " " + self.inline(run))

    def paragraph(self, run: _Run, kind: str = "") -> None:
        text = self.inline(run)
        if text:
            self.blocks.append(text)

    def guidelines(
        self, text: str, terms: Sequence[str] = (), links: Mapping[str, str] | None = None
    ) -> None:
        for paragraph in paragraphs(text, terms):
            for kind, lines in _groups(paragraph):
                if kind == "lines":
                    self.blocks.append(
                        "\\\n".join(self.inline(_line_run(line, links or {})) for line in lines)
                    )
                else:
                    self.blocks.append(self._list(lines, links or {}))

    def _list(self, lines: Sequence[Line], links: Mapping[str, str]) -> str:
        markers = [line.marker for line in lines]
        if markers[0] == "•" or (
            markers[0][-1] in ".)"
            and [int(m[:-1]) for m in markers]
            != list(range(int(markers[0][:-1]), int(markers[0][:-1]) + len(markers)))
        ):
            # Not a Markdown list as written ("•", or numbers out of sequence, which a
            # renderer would renumber): lines that show their markers.
            return "\\\n".join(
                self.inline([line.marker + " ", *_line_run(line, links)]) for line in lines
            )
        rows = []
        for line in lines:
            indent = " " * (len(line.marker) + 1)
            rows.append(f"{line.marker} " + self.inline(_line_run(line, links), indent=indent))
        return "\n".join(rows)

    def items(self, runs: Sequence[_Run], kind: str) -> None:
        if runs:
            self.blocks.append("\n".join("- " + self.inline(run, indent="  ") for run in runs))

    def table(self, header: Sequence[str], rows: Sequence[Sequence[_Run]], kind: str = "") -> None:
        lines = [
            "| " + " | ".join(_md_escape(cell) for cell in header) + " |",
            "|" + "|".join("---" for _ in header) + "|",
        ]
        for row in rows:
            cells = [self.inline(cell, table=True) or " " for cell in row]
            lines.append("| " + " | ".join(cells) + " |")
        self.blocks.append("\n".join(lines))

    def contents(self) -> None:
        lines = []
        shown = [h for h in self.outline if h.toc]
        top = min((h.level for h in shown), default=2)
        for heading in shown:
            text = _md_escape(heading.text, start=False, brackets=True)
            indent = "  " * (heading.level - top)
            lines.append(f"{indent}- [{text}](#{self.slugs[heading.anchor]})")
        if lines:
            self.blocks.append("\n".join(lines))


# ---- HTML ---------------------------------------------------------------------------------------


def _h(text: str) -> str:
    return html.escape(text, quote=True)


class _Html(_Writer):
    def __init__(self, outline: Sequence[_Heading]) -> None:
        self.parts: list[str] = []
        self.outline = outline
        self.open: list[str] = []

    def inline(self, run: _Run) -> str:
        out: list[str] = []
        for piece in run:
            if isinstance(piece, str):
                out.append(_h(piece).replace("\n", "<br>"))
            elif isinstance(piece, _Code):
                out.append(f"<code>{_h(piece.text)}</code>")
            elif isinstance(piece, _Key):
                out.append(f"<kbd>{_h(piece.text)}</kbd>")
            elif isinstance(piece, _Swatch):
                if _HEX.fullmatch(piece.color):
                    out.append(
                        f'<span class="swatch" style="background:{piece.color}" '
                        'aria-hidden="true"></span>'
                    )
            elif isinstance(piece, _Strong):
                out.append(f"<strong>{_h(piece.text)}</strong>")
            elif isinstance(piece, _Link):
                link = f'<a href="#{_h(piece.anchor)}">{_h(piece.text)}</a>{_h(piece.suffix)}'
                out.append(f"<strong>{link}</strong>" if piece.strong else link)
            elif isinstance(piece, _Badge):
                out.append(f'<span class="badge">{_h(piece.text)}</span>')
            elif isinstance(piece, _Indent):
                if piece.depth > 1:
                    width = f"{1.2 * (piece.depth - 1):.1f}em"
                    out.append(f'<span class="indent" style="width:{width}"></span>')
            elif isinstance(piece, _Break):
                out.append("<br>")
        return "".join(out)

    def heading(self, level: int, run: _Run, anchor: str, *, toc: bool = True) -> None:
        n = min(level, 6)
        self.parts.append(f'<h{n} id="{_h(anchor)}">{self.inline(run)}</h{n}>')

    def paragraph(self, run: _Run, kind: str = "") -> None:
        text = self.inline(run)
        if text:
            cls = f' class="{kind}"' if kind else ""
            self.parts.append(f"<p{cls}>{text}</p>")

    def guidelines(
        self, text: str, terms: Sequence[str] = (), links: Mapping[str, str] | None = None
    ) -> None:
        out = ['<div class="guidelines">']
        for paragraph in paragraphs(text, terms):
            for kind, lines in _groups(paragraph):
                if kind == "list":
                    out.append('<ul class="marked">')
                    for line in lines:
                        out.append(
                            f'<li><span class="marker">{_h(line.marker)}</span> '
                            f"{self.inline(_line_run(line, links or {}))}</li>"
                        )
                    out.append("</ul>")
                    continue
                for line in lines:
                    cls = ' class="definition"' if line.term else ""
                    out.append(f"<p{cls}>{self.inline(_line_run(line, links or {}))}</p>")
        out.append("</div>")
        self.parts.append("\n".join(out))

    def items(self, runs: Sequence[_Run], kind: str) -> None:
        if runs:
            rows = "\n".join(f"<li>{self.inline(run)}</li>" for run in runs)
            self.parts.append(f'<ul class="{kind}">\n{rows}\n</ul>')

    def table(self, header: Sequence[str], rows: Sequence[Sequence[_Run]], kind: str = "") -> None:
        cls = f' class="{kind}"' if kind else ""
        head = "".join(f"<th>{_h(cell)}</th>" for cell in header)
        body = "\n".join(
            "<tr>" + "".join(f"<td>{self.inline(cell)}</td>" for cell in row) + "</tr>"
            for row in rows
        )
        self.parts.append(
            f"<table{cls}>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"
        )

    def contents(self) -> None:
        shown = [h for h in self.outline if h.toc]
        if not shown:
            return
        top = min(h.level for h in shown)
        out = []
        depth = top - 1
        for heading in shown:
            while depth < heading.level:
                out.append("<ul>")
                depth += 1
            while depth > heading.level:
                out.append("</ul>")
                depth -= 1
            out.append(f'<li><a href="#{_h(heading.anchor)}">{_h(heading.text)}</a></li>')
        out.extend("</ul>" for _ in range(depth - top + 1))
        self.parts.append("\n".join(out))

    def begin(self, kind: str, anchor: str = "", color: str = "", depth: int = 0) -> None:
        tag = {"top": "section", "label": "section", "contents": "nav"}.get(kind, "div")
        style = f' style="--label:{color}"' if _HEX.fullmatch(color) else ""
        cls = f"{kind} depth-{min(depth, 4)}" if depth else kind
        self.parts.append(f'<{tag} class="{cls}"{style}>')
        self.open.append(tag)

    def end(self) -> None:
        self.parts.append(f"</{self.open.pop()}>")

    def result(self, title: str) -> str:
        body = "\n".join(self.parts)
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="annotator {_h(__version__)}">\n'
            f"<title>{_h(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
            f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
        )


_CSS = """
:root {
  --ink: #1f2328; --muted: #59636e; --rule: #d1d9e0; --soft: #f6f8fa; --link: #0b5cad;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  --serif: Charter, "Bitstream Charter", "Sitka Text", Cambria, Georgia, serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font: 17px/1.55 var(--serif); }
main { max-width: 50rem; margin: 0 auto; padding: 2.5rem 1.5rem 4rem; }
h1, h2, h3, h4, h5, h6 { font-family: var(--sans); line-height: 1.25; margin: 1.6em 0 .45em; }
h1 { font-size: 2rem; margin-top: 0; }
h2 { font-size: 1.45rem; border-bottom: 2px solid var(--ink); padding-bottom: .2em; }
h3 { font-size: 1.2rem; } h4 { font-size: 1.07rem; } h5, h6 { font-size: 1rem; }
p { margin: .55em 0; }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
code, kbd { font-family: var(--mono); font-size: .84em; }
code { background: var(--soft); border: 1px solid #e4e8ec; border-radius: 4px;
  padding: .05em .3em; }
.subtitle code { overflow-wrap: anywhere; }
kbd { display: inline-block; min-width: 1.5em; text-align: center; background: #fff;
  border: 1px solid #b6bec7; border-bottom-width: 2px; border-radius: 4px; padding: 0 .35em;
  line-height: 1.35; }
.swatch { display: inline-block; width: .85em; height: .85em; border-radius: 3px;
  margin-right: .35em; vertical-align: -.05em; border: 1px solid rgba(0, 0, 0, .2); }
.badge { font: 600 .68rem/1 var(--sans); letter-spacing: .04em; text-transform: uppercase;
  padding: .25em .5em; border-radius: 3px; background: #ffebe9; color: #a40e26;
  vertical-align: .2em; margin-left: .15em; white-space: nowrap; }
.subtitle { font-family: var(--sans); color: var(--muted); margin-top: -.3em; }
.facts { font-family: var(--sans); font-size: .85rem; color: var(--muted); margin-top: -.2em; }
.facts code { color: var(--ink); }
.empty { color: var(--muted); font-style: italic; }
.caption { font-family: var(--sans); font-weight: 600; margin: 1.1em 0 .3em; }
.note { font-size: .9rem; color: var(--muted); }
nav.contents { font-family: var(--sans); font-size: .95rem; }
nav.contents ul { list-style: none; padding-left: 1.3em; margin: .15em 0; }
nav.contents > ul { padding-left: 0; columns: 2; column-gap: 2.5rem; }
nav.contents > ul > li { break-inside: avoid; }
nav.contents li { margin: .1em 0; }
section.label { border-left: 4px solid var(--label, var(--rule)); padding: .1em 0 .3em 1.1rem;
  margin: 1.8rem 0; }
section.label > :first-child { margin-top: .2em; }
section.label.depth-2 { margin-left: 1.2rem; }
section.label.depth-3 { margin-left: 2.4rem; }
section.label.depth-4 { margin-left: 3.6rem; }
.indent { display: inline-block; }
.guidelines ul.marked { list-style: none; padding-left: 0; margin: .4em 0; }
.guidelines ul.marked li { position: relative; padding-left: 1.8em; margin: .25em 0; }
.guidelines .marker { position: absolute; left: .3em; color: var(--muted); }
.guidelines p.definition { padding-left: 1.6em; text-indent: -1.6em; margin: .3em 0; }
ul.positive, ul.negative { list-style: none; padding-left: 0; margin: .3em 0 .8em; }
ul.positive li, ul.negative li { position: relative; padding-left: 1.7em; margin: .2em 0; }
ul.positive li::before, ul.negative li::before { position: absolute; left: .25em;
  font-family: var(--sans); font-weight: 700; }
ul.positive li::before { content: "\\2713"; color: #1a7f37; }
ul.negative li::before { content: "\\2717"; color: #cf222e; }
div.attribute { background: var(--soft); border: 1px solid #e4e8ec; border-radius: 6px;
  padding: .35rem 1rem .5rem; margin: .7rem 0; }
div.attribute > p:first-child { font-family: var(--sans); }
table { border-collapse: collapse; width: 100%; margin: .7rem 0 1.2rem; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .35em .6em;
  border-bottom: 1px solid var(--rule); }
th { font: 600 .75rem/1.3 var(--sans); letter-spacing: .04em;
  color: var(--muted); border-bottom: 2px solid var(--ink); }
table.figures td { font-variant-numeric: tabular-nums; }
table.overview td:nth-child(-n+4) { white-space: nowrap; }
@media (max-width: 40rem) {
  main { padding: 1.2rem .9rem 3rem; }
  nav.contents > ul { columns: 1; }
}
@media print {
  @page { size: A4; margin: 16mm 15mm 18mm; }
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  a { color: inherit; }
  section.top ~ section.top { break-before: page; }
  h1, h2, h3, h4, h5, h6, .caption, div.attribute > p:first-child { break-after: avoid; }
  tr, li, p.definition, .facts, kbd, code, div.attribute { break-inside: avoid; }
  p { orphans: 3; widows: 3; }
  thead { display: table-header-group; }
  .swatch, .badge, code, kbd, div.attribute, section.label {
    -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

# ---- the document -----------------------------------------------------------------------------


def render_markdown(scheme: Scheme, agreement: Sequence[AgreementTable] | None = None) -> str:
    """The codebook as Markdown (CommonMark with GitHub's tables)."""
    outline = _Outline()
    _build(outline, scheme, agreement)
    writer = _Markdown(outline.headings)
    _build(writer, scheme, agreement)
    return writer.result()


def render_html(scheme: Scheme, agreement: Sequence[AgreementTable] | None = None) -> str:
    """The codebook as one self-contained HTML file (styles inline, for screen and print)."""
    outline = _Outline()
    _build(outline, scheme, agreement)
    writer = _Html(outline.headings)
    _build(writer, scheme, agreement)
    return writer.result(f"Codebook: {scheme.name}, version {scheme.version}")


def render(scheme: Scheme, format: str, agreement: Sequence[AgreementTable] | None = None) -> str:
    """The codebook in one of :data:`FORMATS`."""
    if format == "md":
        return render_markdown(scheme, agreement)
    if format == "html":
        return render_html(scheme, agreement)
    raise ValueError(f"unknown codebook format {format!r}; formats: {', '.join(FORMATS)}")


_UNIT_TITLES = {"question": "Question codes", "document": "Document codes"}
_SETTINGS: dict[str, dict[Any, str]] = {
    "allow_overlap": {
        True: "Spans of different labels may cross each other.",
        False: "Spans of different labels never cross each other.",
    },
    "allow_nesting": {
        True: "A span may lie entirely inside a span of another label.",
        False: "No span lies inside a span of another label.",
    },
    "same_label_overlap": {
        "merge": "Two overlapping spans of one label by one annotator are merged into one.",
        "refuse": "A span that would overlap a span of the same label by the same annotator "
        "is refused.",
    },
}


def _build(w: _Writer, scheme: Scheme, agreement: Sequence[AgreementTable] | None) -> None:
    w.heading(1, [f"Codebook: {scheme.name}"], "top", toc=False)
    w.paragraph(
        [
            "Scheme ",
            _Code(scheme.name),
            f", version {scheme.version}. SHA-256 ",
            _Code(scheme.hash),
            ": every span and code made under this scheme records this hash, and the version "
            f"goes up whenever a label's meaning changes. Made with annotator {__version__}.",
        ],
        "subtitle",
    )
    w.begin("contents")
    w.heading(2, ["Contents"], "contents", toc=False)
    w.contents()
    w.end()
    number = 0

    def section(title: str, anchor: str) -> str:
        nonlocal number
        number += 1
        w.begin("top")
        w.heading(2, [f"{number} {title}"], anchor)
        return str(number)

    section("The scheme", "scheme")
    if scheme.description:
        w.guidelines(
            scheme.description, links={label.id: f"label-{label.id}" for label in scheme.labels}
        )
    settings = scheme.settings
    w.paragraph([_Strong("Settings")], "caption")
    rows: list[list[_Run]] = [
        [[_Code(name)], [_Code(_value(value))], [_SETTINGS[name][value]]]
        for name, value in (
            ("allow_overlap", settings.allow_overlap),
            ("allow_nesting", settings.allow_nesting),
            ("same_label_overlap", settings.same_label_overlap),
        )
        if value in _SETTINGS[name]
    ]
    snap = f"Span edges snap to the nearest {settings.snap} by default."
    rows.append([[_Code("snap")], [_Code(settings.snap)], [snap]])
    w.table(("setting", "value", "meaning"), rows)
    w.end()

    prefix = section("Span labels", "labels")
    count = len(scheme.labels)
    w.paragraph(
        [
            f"{count} label{'s' if count != 1 else ''}, parents before their children. "
            "A label's key tags the selected text with it."
        ]
    )
    _labels(w, scheme.labels, prefix, "label", None)
    w.end()

    for unit in scheme.units:
        kind = unit.kind
        prefix = section(_UNIT_TITLES.get(kind, f"{kind.capitalize()} codes"), f"{kind}-codes")
        which = (
            "only a label without children (the labels above them group the codes)"
            if unit.selectable == "leaves"
            else "any label, a group as well as one of its children"
        )
        w.paragraph(
            [
                f"One code per {kind} and annotator. A code may be {which}: ",
                _Code(f"selectable: {unit.selectable}"),
                ".",
            ]
        )
        if unit.description:
            w.paragraph([_Strong("Coding procedure")], "caption")
            w.guidelines(unit.description)
        _labels(w, unit.labels, prefix, f"{kind}-code", unit)
        w.end()

    if scheme.crosswalk:
        prefix = section("Crosswalk", "crosswalk")
        w.paragraph(
            [
                "Where the categories of other schemes go in this one (several may share one "
                "id here), so that data coded with them can be compared with data coded with "
                "this scheme. An id here is a label, ",
                _Code("label.attribute=choice"),
                ", or either of them after a unit kind (",
                _Code("question:"),
                ").",
            ]
        )
        for n, (other, ids) in enumerate(scheme.crosswalk.items(), start=1):
            w.heading(3, [f"{prefix}.{n} From {other}"], f"crosswalk-{other}")
            w.table(
                (f"category in {other}", "here"),
                [
                    [[_Code(category)], _crosswalk_target(scheme, ours)]
                    for category, ours in ids.items()
                ],
            )
        w.end()

    if agreement is not None:
        prefix = section("Agreement", "agreement")
        if not agreement:
            w.paragraph(["No agreement figures."], "empty")
        for n, table in enumerate(agreement, start=1):
            w.heading(3, [f"{prefix}.{n} {table.title}"], f"agreement-{n}")
            if table.rows:
                w.table(table.columns, [[[cell] for cell in row] for row in table.rows], "figures")
            for note in table.notes:
                w.paragraph([note], "note")
        w.end()


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return ", ".join(map(str, value))
    return str(value)


def hierarchy(labels: Sequence[Label]) -> list[tuple[Label, tuple[int, ...]]]:
    """The labels with their numbers in the hierarchy ((2,) for a root label, (2, 1) for
    its first child...), parents before their children, each level in scheme order."""
    ids = {label.id for label in labels}
    children: dict[str | None, list[Label]] = {}
    for label in labels:
        parent = label.parent if label.parent in ids and label.parent != label.id else None
        children.setdefault(parent, []).append(label)
    result: list[tuple[Label, tuple[int, ...]]] = []
    seen: set[str] = set()

    def walk(parent: str | None, number: tuple[int, ...]) -> None:
        for n, label in enumerate(children.get(parent, ()), start=1):
            if label.id in seen:
                continue
            seen.add(label.id)
            result.append((label, (*number, n)))
            walk(label.id, (*number, n))

    walk(None, ())
    # A cycle of parents (refused by validation; a hand-built scheme may have one) is
    # listed after the others, unnumbered below the last root.
    roots = len(children.get(None, ()))
    for label in labels:
        if label.id not in seen:
            seen.add(label.id)
            roots += 1
            result.append((label, (roots,)))
    return result


def _labels(w: _Writer, labels: Sequence[Label], prefix: str, kind: str, unit: Unit | None) -> None:
    ordered = hierarchy(labels)
    numbers = {label.id: ".".join([prefix, *map(str, number)]) for label, number in ordered}
    names = {label.id: label.name for label in labels}
    links = {label.id: f"{kind}-{label.id}" for label in labels}
    has_children = {label.parent for label in labels if label.parent}
    with_attributes = any(label.attributes for label in labels)
    rows: list[list[_Run]] = []
    for label, number in ordered:
        name: list[_Inline] = [
            _Indent(len(number)),
            _Swatch(label.color),
            _Link(label.name, links[label.id]),
        ]
        if label.deprecated:
            name += [" ", _Badge("deprecated")]
        key: list[_Inline] = [_Key(label.hotkey)] if label.hotkey else []
        row: list[_Run] = [[numbers[label.id]], key, name, [_Code(label.id)]]
        if with_attributes:
            row.append(_attribute_ids(label))
        rows.append(row)
    header = ("no.", "key", "label", "id", *(["attributes"] if with_attributes else []))
    w.table(header, rows, "overview")
    for label, number in ordered:
        w.begin("label", color=label.color, depth=len(number))
        heading: list[_Inline] = [f"{numbers[label.id]} ", _Swatch(label.color), label.name]
        if label.deprecated:
            heading += [" ", _Badge("deprecated")]
        w.heading(2 + len(number), heading, links[label.id])
        facts: list[_Inline] = ["id ", _Code(label.id), " · key "]
        facts += [_Key(label.hotkey)] if label.hotkey else ["none"]
        facts += [" · colour ", _Code(label.color)]
        if label.parent:
            facts += [
                " · under ",
                _Link(names.get(label.parent, label.parent), links.get(label.parent, "")),
            ]
            facts += [" (", _Code(label.parent), ")"]
        if unit is not None and unit.selectable == "leaves" and label.id in has_children:
            facts.append(" · groups codes: not given itself")
        if label.deprecated:
            facts.append(" · deprecated: kept for old work, no longer offered")
        w.paragraph(facts, "facts")
        if label.description:
            w.guidelines(label.description, links=links)
        else:
            w.paragraph(["No guideline text."], "empty")
        for title, examples, style in (
            ("Examples", label.examples.positive, "positive"),
            ("Not this label", label.examples.negative, "negative"),
        ):
            if examples:
                w.paragraph([_Strong(title)], "caption")
                w.items([_example(example) for example in examples], style)
        if label.attributes:
            w.paragraph([_Strong("Attributes")], "caption")
        for attribute in label.attributes:
            _attribute(w, attribute)
        w.end()


def _attribute_ids(label: Label) -> list[_Inline]:
    return _join([[_Code(a.id), " (required)" if a.required else ""] for a in label.attributes])


def _example(text: str) -> list[_Inline]:
    run: list[_Inline] = []
    for n, line in enumerate(text.strip().split("\n")):
        if n:
            run.append(_Break())
        run.append(line.strip())
    return run


def _attribute(w: _Writer, attribute: Attribute) -> None:
    w.begin("attribute")
    title: list[_Inline] = [
        _Strong(attribute.name),
        " ",
        _Code(attribute.id),
        " · ",
        _Code(attribute.type),
    ]
    title.append(" · required" if attribute.required else " · optional")
    if attribute.default is not None:
        title += [" · default ", _Code(_value(attribute.default))]
    w.paragraph(title)
    if attribute.choices:
        many = "any of" if attribute.type == "multichoice" else "one of"
        w.paragraph([f"Choices ({many}): ", *_join([[_Code(c)] for c in attribute.choices])])
    if attribute.description:
        w.guidelines(attribute.description, choice_terms(attribute))
    w.end()


def _join(runs: Sequence[Sequence[_Inline]], separator: str = ", ") -> list[_Inline]:
    joined: list[_Inline] = []
    for n, run in enumerate(runs):
        if n:
            joined.append(separator)
        joined += run
    return joined


def _crosswalk_target(scheme: Scheme, target: str) -> list[_Inline]:
    """A crosswalk id as written, linked to the label or code it names."""
    found = CROSSWALK_ID.fullmatch(target)
    if not found:
        return [_Code(target)]
    kind, label_id = found["unit"], found["label"]
    try:
        labels: LabelSet = scheme.unit(kind) if kind else scheme
        labels.label(label_id)
    except UnknownItem:
        return [_Code(target)]
    anchor = f"{kind}-code-{label_id}" if kind else f"label-{label_id}"
    return [_Link(target, anchor)]


# ---- agreement ------------------------------------------------------------------------------


def _figure(value: Any) -> str:
    if value is None:
        return _DASH
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def agreement_tables(project: Any, *, resamples: int = 1000) -> tuple[AgreementTable, ...]:
    """The project's agreement per label as it stands now: the span labels' (``annotator
    agreement``), and, when the scheme codes questions, the question codes' at every level
    (``annotator agreement --unit question``)."""
    from .agreement_report import agreement_report

    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    report = agreement_report(project)
    counted = (
        f"Computed {when} from {report.documents_counted} document"
        f"{'s' if report.documents_counted != 1 else ''} marked done by two or more of: "
        f"{', '.join(report.annotators) or 'nobody'}."
    )
    tables = []
    if not report.documents_counted:
        tables.append(
            AgreementTable(
                "Span labels",
                (),
                (),
                (f"Computed {when}: no document is marked done by two or more annotators yet.",),
            )
        )
    else:
        tables.append(
            AgreementTable(
                "Span labels",
                (
                    "label",
                    "spans",
                    "F1 exact",
                    "F1 overlap",
                    "Cohen κ",
                    "Fleiss κ",
                    "Krippendorff α",
                    "unitizing α",
                ),
                tuple(
                    (
                        row["label"],
                        *(
                            _figure(row[key])
                            for key in (
                                "spans",
                                "f1_exact",
                                "f1_overlap",
                                "cohen_kappa",
                                "fleiss_kappa",
                                "krippendorff_alpha",
                                "unitizing_alpha",
                            )
                        ),
                    )
                    for row in report.summary
                ),
                (
                    counted,
                    "F1: pairwise, no chance correction (exact: same label and offsets; "
                    "overlap: same label, overlapping). Cohen κ (mean over pairs), Fleiss κ "
                    "and Krippendorff α: per character (for one label: that label or not). "
                    "Unitizing α: Krippendorff's, on where spans begin and end. \u2013: "
                    "undefined.",
                ),
            )
        )
    if project.scheme.has_unit("question"):
        tables.append(_question_table(project, resamples, when))
    return tuple(tables)


def _question_table(project: Any, resamples: int, when: str) -> AgreementTable:
    from .unit_agreement_report import unit_agreement_report

    report = unit_agreement_report(project, unit="question", resamples=resamples)
    if not report.documents_counted:
        return AgreementTable(
            "Question codes",
            (),
            (),
            (f"Computed {when}: no document is marked done by two or more annotators yet.",),
        )
    by_key: dict[tuple[int, str | None], dict[str, dict[str, Any]]] = {}
    for row in report.rows():
        if row["pair"] is None:
            by_key.setdefault((row["level"], row["label"]), {})[row["coefficient"]] = row
    rows = []
    for (level, label), figures in by_key.items():
        cells = [str(level), label or "overall"]
        for name in ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha"):
            figure = figures.get(name)
            cells.append(_estimate(figure) if figure else _DASH)
        n = max((row["n"] for row in figures.values()), default=0)
        cells.append(str(n))
        rows.append(tuple(cells))
    data = report.to_dict()
    return AgreementTable(
        "Question codes",
        ("level", "label", "Cohen κ (mean)", "Fleiss κ", "Krippendorff α", "n"),
        tuple(rows),
        (
            f"Computed {when} from {report.documents_counted} document"
            f"{'s' if report.documents_counted != 1 else ''} marked done by two or more of: "
            f"{', '.join(data['annotators'])}; {data['units_coded_twice']} questions coded by "
            "two or more.",
            "At each level every code counts as its ancestor there; per label: that label or "
            f"not. In brackets: the 95% bootstrap interval ({resamples} resamples). \u2013: "
            "undefined.",
        ),
    )


def _estimate(row: Mapping[str, Any]) -> str:
    value = _figure(row["value"])
    if row["ci_low"] is None or row["ci_high"] is None:
        return value
    return f"{value} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"
