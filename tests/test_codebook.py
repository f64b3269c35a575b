"""The codebook (``annotator scheme export``): every text of a scheme as written, escaped in
Markdown and HTML, in hierarchy order; the guideline-text reading it shares with the app;
the command."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import layout, make_document
from markdown_it import MarkdownIt
from markdown_it.token import Token

from annotator.agreement_report import agreement_report
from annotator.cli import cli
from annotator.codebook import github_anchor, hierarchy, render_html, render_markdown
from annotator.model import ImportedDocument
from annotator.resources import bundled_schemes
from annotator.scheme import Scheme, load_scheme, load_scheme_file
from annotator.scheme.guidelines import (
    choice_definition,
    choice_terms,
    introduction,
    paragraphs,
    reflow,
)
from annotator.store import Project

# ---- reading the outputs as a reader sees them


def squeeze(text: str) -> str:
    return " ".join(text.split())


def markdown_tokens(text: str) -> list[Token]:
    """CommonMark with GitHub's tables and strikethrough, as GitHub reads the file."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)


def flat(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from flat(token.children)


def markdown_text(text: str) -> str:
    """What a reader of the rendered Markdown sees: its text, list markers included (an
    ordered item's number as written), line breaks as spaces."""
    out: list[str] = []
    for token in flat(markdown_tokens(text)):
        if token.type == "list_item_open":
            out.append(f" {token.info}{token.markup} ")
        elif token.type in ("text", "code_inline", "html_inline", "html_block", "fence"):
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak") or (token.block and token.nesting < 0):
            out.append(" ")
    return squeeze("".join(out))


class Page(HTMLParser):
    """An HTML page's text (what a browser shows) and its elements."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.skip = 0
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("style", "script", "title"):
            self.skip += 1
        if tag in ("p", "li", "td", "th", "br", "h1", "h2", "h3", "h4", "h5", "h6", "div"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title"):
            self.skip -= 1
        self.parts.append(" " if tag in ("p", "li", "td", "th", "div") else "")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return squeeze("".join(self.parts))

    def count(self, *tags: str) -> int:
        return sum(tag in tags for tag, _ in self.tags)


def yaml_strings(data: Any, *, keys: bool = False) -> Iterator[str]:
    """Every string value in parsed YAML (and under ``crosswalk`` the keys too: the other
    schemes' names and categories)."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            if keys and isinstance(key, str):
                yield key
            yield from yaml_strings(value, keys=keys or key == "crosswalk")
    elif isinstance(data, list):
        for item in data:
            yield from yaml_strings(item, keys=keys)


# ---- everything in the YAML, verbatim


@pytest.mark.parametrize("name", sorted(bundled_schemes()))
def test_every_text_of_a_bundled_scheme_appears_as_written(name: str) -> None:
    path = bundled_schemes()[name]
    scheme = load_scheme_file(path)
    md = markdown_text(render_markdown(scheme))
    page = Page(render_html(scheme))
    strings = list(yaml_strings(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert len(strings) > 100
    for string in strings:
        expected = squeeze(string)
        assert expected in md, f"not in the Markdown: {expected!r}"
        assert expected in page.text, f"not in the HTML: {expected!r}"
    for shown in (md, page.text):
        assert scheme.hash in shown and f"version {scheme.version}" in shown


NASTY = [
    "<script>alert('x')</script>",
    "a | b || c",
    "*not bold* and **not strong**",
    "_not em_ but snake_case stays",
    "# not a heading",
    "- not a list item",
    "1. not an ordered item",
    "> not a quote",
    "[not a link](http://example.org) ![no image](x.png)",
    "`not code` and ``two``",
    "&amp; &#60; stay as typed",
    "~~not struck~~ ~x~",
    "$x^2$ and :smile: stay",
    "\\* a backslash\\",
    "===",
    "[x] not a task",
    "[ref]: http://example.org",
    '<a href="javascript:alert(1)">x</a> <img src=x onerror=alert(1)>',
]


def nasty_scheme() -> Scheme:
    def q(text: str) -> str:
        return yaml.safe_dump(text, default_style='"', width=10_000).strip()

    examples = "\n".join(f"        - {q(text)}" for text in NASTY)
    description = "\n".join(f"      {text}\n" for text in NASTY)
    return load_scheme(
        f"""\
name: nasty
version: 3
description: |
{description}
labels:
  - id: quote
    name: {q("Quote <b>|</b> *x*")}
    hotkey: "`"
    color: "#4c9be8"
    description: {q(" ".join(NASTY))}
    examples:
      positive:
{examples}
      negative:
{examples}
    attributes:
      - id: form
        name: {q("Form | <i>")}
        type: choice
        choices: [{", ".join(q(text) for text in NASTY if "|" not in text)}]
        description: {q(NASTY[0] + ": defined")}
      - id: note
        type: text
        default: {q(NASTY[1])}
  - id: pipe
    hotkey: "*"
    color: red
    parent: quote
    deprecated: true
crosswalk:
  other:
    {q(NASTY[2])}: {q("quote.form=" + NASTY[0])}
"""
    )


def test_markdown_shows_markup_characters_literally() -> None:
    scheme = nasty_scheme()
    source = render_markdown(scheme)
    tokens = list(flat(markdown_tokens(source)))
    kinds = {token.type for token in tokens}
    assert not kinds & {"html_inline", "html_block", "image", "em_open", "s_open", "fence"}
    assert not kinds & {"code_block", "blockquote_open", "hr", "lheading"}
    assert all(token.attrs["href"].startswith("#") for token in tokens if token.type == "link_open")
    text = markdown_text(source)
    for string in NASTY:
        assert squeeze(string) in text, string
    # The same structure as the HTML: each heading, list item and table, and no more.
    page = Page(render_html(scheme))
    assert sum(t.type == "heading_open" for t in tokens) == page.count(
        "h1", "h2", "h3", "h4", "h5", "h6"
    )
    assert sum(t.type == "list_item_open" for t in tokens) == page.count("li")
    assert sum(t.type == "table_open" for t in tokens) == page.count("table")
    # The keys ` and * in code spans.
    assert "`` ` ``" in source and "`*`" in source


def test_html_escapes_every_text() -> None:
    scheme = nasty_scheme()
    html = render_html(scheme)
    page = Page(html)
    for string in [*NASTY, "Quote <b>|</b> *x*", "Form | <i>"]:
        assert squeeze(string) in page.text, string
    assert page.count("script", "img", "i", "b", "link", "iframe") == 0
    assert page.count("style") == 1
    for tag, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs), tag
        if tag == "a":
            assert (attrs["href"] or "").startswith("#")


# ---- the document


def headings(source: str) -> list[str]:
    tokens = markdown_tokens(source)
    return [tokens[i + 1].content for i, token in enumerate(tokens) if token.type == "heading_open"]


def test_labels_and_codes_in_hierarchy_order_with_numbers() -> None:
    scheme = load_scheme_file(bundled_schemes()["clarity"])
    found = headings(render_markdown(scheme))
    assert found[:4] == ["Codebook: clarity", "Contents", "1 The scheme", "2 Span labels"]
    assert found[found.index("3 Question codes") :] == [
        "3 Question codes",
        "3.1 Clear Reply",
        "3.1.1 Explicit",
        "3.2 Ambivalent",
        "3.2.1 Implicit",
        "3.2.2 Dodging",
        "3.2.3 Deflection",
        "3.2.4 Partial/half-answer",
        "3.2.5 General",
        "3.3 Clear Non-Reply",
        "3.3.1 Declining to answer",
        "3.3.2 Claims ignorance",
        "3.3.3 Clarification",
    ]
    text = markdown_text(render_markdown(scheme))
    assert "A code may be only a label without children" in text
    assert "selectable: leaves" in text
    assert "groups codes: not given itself" in text


def test_hierarchy_puts_parents_first_whatever_the_file_order() -> None:
    scheme = load_scheme(
        """\
name: order
version: 1
labels:
  - {id: leaf, parent: middle, color: red}
  - {id: other, color: blue}
  - {id: middle, parent: root, color: red}
  - {id: root, color: red}
"""
    )
    assert [(label.id, number) for label, number in hierarchy(scheme.labels)] == [
        ("other", (1,)),
        ("root", (2,)),
        ("middle", (2, 1)),
        ("leaf", (2, 1, 1)),
    ]


def test_contents_link_to_headings() -> None:
    scheme = load_scheme_file(bundled_schemes()["political-interview"])
    source = render_markdown(scheme)
    anchors = {github_anchor(heading) for heading in headings(source)}
    links = re.findall(r"\]\(#([^)]*)\)", source)
    assert len(links) > 20 and set(links) <= anchors
    page = Page(render_html(scheme))
    ids = {attrs["id"] for _, attrs in page.tags if attrs.get("id")}
    hrefs = {attrs["href"] for tag, attrs in page.tags if tag == "a"}
    assert {href[1:] for href in hrefs if href} <= ids  # type: ignore[index]
    assert "#label-criticism" in hrefs  # "Confusable with: - criticism: ..." links to it


def test_what_each_label_shows() -> None:
    scheme = nasty_scheme()
    md = markdown_text(render_markdown(scheme))
    page = Page(render_html(scheme))
    for text in (md, page.text):
        assert "allow_overlap true Spans of different labels may cross each other." in text
        assert "same_label_overlap merge" in text and "snap word" in text
        assert re.search(r"2\.1\.1 Pipe \(?deprecated\)?", text)
        assert "deprecated: kept for old work, no longer offered" in text
        assert "under Quote <b>|</b> *x* (quote)" in text
        assert "Form | <i> form · choice · optional" in text
        assert "note · text · optional · default a | b || c" in text
        assert f"Choices (one of): {NASTY[0]}, {NASTY[2]}" in text
    html = render_html(scheme)
    assert '<span class="swatch" style="background:#4c9be8"' in html
    assert "<kbd>`</kbd>" in html and "<kbd>*</kbd>" in html
    assert '<span class="badge">deprecated</span>' in html
    # One file: inline styles for screen and print, nothing fetched, no script.
    assert page.count("link", "script", "img", "iframe", "object") == 0
    assert not any("src" in attrs for _, attrs in page.tags)
    style = html[html.index("<style>") : html.index("</style>")]
    assert "@media print" in style and not re.search(r"url\(|@import|https?:", style)


def test_choice_definitions_stand_out_and_heads_link_to_labels() -> None:
    scheme = load_scheme_file(bundled_schemes()["political-interview"])
    source = render_markdown(scheme)
    assert "\\\n**declines:** openly refuses, or says they cannot or will not answer now, " in (
        source
    )
    assert "- **[criticism](#24-criticism):** a reported attack is a quote." in source
    html = render_html(scheme)
    assert (
        '<p class="definition"><strong>declines:</strong> openly refuses, or says they cannot '
        "or will not answer now, including deferring to others or to later" in html
    )


def test_agreement_tables_are_rendered_when_given() -> None:
    from annotator.codebook import AgreementTable

    table = AgreementTable("Span labels", ("label", "F1"), (("quote", "0.500"),), ("a | note",))
    scheme = load_scheme_file(bundled_schemes()["clarity"])
    assert "Agreement" not in headings(render_markdown(scheme))
    source = render_markdown(scheme, [table])
    assert "| quote | 0.500 |" in source and "a \\| note" in source
    assert "4 Agreement" in headings(source) and "4.1 Span labels" in headings(source)
    assert "<td>quote</td><td>0.500</td>" in render_html(scheme, [table])
    assert "No agreement figures." in markdown_text(render_markdown(scheme, []))


# ---- guideline text, as the app and the codebook read it


def test_paragraphs_read_lists_and_choice_definitions() -> None:
    text = (
        "Lead line\nwrapped.\n\n"
        "Required: pick one.\n"
        "alpha: first,\n  continued\n"
        "beta.x: a group? no: beta.x is a choice\n"
        "gamma: runs on\nover unindented lines.\n"
        "- a list item\n  wrapped\n1. numbered\n\n"
        "alphabet: not a term\n"
    )
    found = paragraphs(text, ("alpha", "beta.x", "beta", "gamma"))
    assert [[(line.marker, line.term, line.text) for line in p] for p in found] == [
        [("", "", "Lead line wrapped.")],
        [
            ("", "", "Required: pick one."),
            ("", "alpha", "alpha: first, continued"),
            ("", "beta.x", "beta.x: a group? no: beta.x is a choice"),
            ("", "gamma", "gamma: runs on over unindented lines."),
            ("-", "", "- a list item wrapped"),
            ("1.", "", "1. numbered"),
        ],
        [("", "", "alphabet: not a term")],
    ]
    assert found[1][1].definition == "first, continued"
    assert found[1][4].body == "a list item wrapped"
    # Without terms, as the Guidelines screen always read them.
    assert reflow("One\ntwo.\n\nList:\n- a\n  b\n- c\n") == "One two.\n\nList:\n- a b\n- c"


def test_choice_definition_of_a_choice_or_its_group() -> None:
    scheme = load_scheme_file(bundled_schemes()["bull-equivocation"])
    non_reply = scheme.unit("question").label("non_reply")
    categories, subcategories = non_reply.attributes
    line = choice_definition(categories, "attacks_question")
    assert line is not None and line.definition == (
        "faults the question: it misses the key issue, is hypothetical or speculative, rests "
        "on a false premise, is factually wrong, misquotes or takes words out of context, is "
        "objectionable, or offers a false choice."
    )
    group = choice_definition(subcategories, "declines.defers")
    assert group is not None and group.term == "declines"
    assert group.definition.startswith("cannot; will_not; cannot_speak_for_others; defers")
    assert "declines" in choice_terms(subcategories)
    assert introduction(categories) == "Every category the response shows (at least one)."
    quote = load_scheme_file(bundled_schemes()["political-interview"]).label("quote")
    assert choice_definition(quote.attributes[1], "x") is None  # a text attribute


# ---- the command


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANNOTATOR_DB", raising=False)

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["scheme", "export", *args], catch_exceptions=False)

    return invoke


def test_export_prints_markdown_or_writes_the_format_of_the_suffix(run, tmp_path: Path) -> None:
    assert "codebook" in run("--help").output
    printed = run("clarity")
    assert printed.exit_code == 0, printed.output
    assert printed.stdout.startswith("# Codebook: clarity\n")
    assert printed.stdout == render_markdown(load_scheme_file(bundled_schemes()["clarity"]))

    written = run("clarity", "-o", "book.HTML")
    assert written.exit_code == 0, written.output
    assert "to book.HTML (html)" in written.stderr
    assert (tmp_path / "book.HTML").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.HTML"]  # nothing left beside

    path = str(bundled_schemes()["political-interview"])
    assert run(path, "--format", "html", "-o", "book.md").exit_code == 0
    assert (tmp_path / "book.md").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert run(path, "-o", "-", "--format", "md").stdout.startswith("# Codebook: political")


def test_export_refusals_are_one_line(run, tmp_path: Path) -> None:
    (tmp_path / "book.md").write_text("mine", encoding="utf-8")
    cases = [
        (("clarity", "-o", "book.md"), "book.md: already exists; pass --force to replace it"),
        (("clarity", "-o", "book.pdf"), "book.pdf: cannot tell the format from '.pdf'"),
        (("clarity", "-o", "nowhere/book.md"), "the folder nowhere does not exist"),
        (("nope",), "nope: no such file, and no bundled scheme of that name"),
        ((), "no project here"),
    ]
    for args, message in cases:
        result = run(*args)
        assert result.exit_code == 1, args
        assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert (tmp_path / "book.md").read_text(encoding="utf-8") == "mine"
    assert run("clarity", "-o", "book.md", "--force").exit_code == 0
    assert (tmp_path / "book.md").read_text(encoding="utf-8").startswith("# Codebook: clarity")

    both = run("clarity", "--agreement")
    assert both.exit_code == 2 and "leave out FILE" in both.output


def test_export_never_writes_over_the_project(run, tmp_path: Path, tiny_scheme: Scheme) -> None:
    Project.create(tmp_path / "annotations.db", tiny_scheme).close()
    before = (tmp_path / "annotations.db").read_bytes()
    result = run("--force", "-o", "annotations.db", "--format", "md")
    assert result.exit_code == 1 and "that is the project database" in result.stderr
    assert (tmp_path / "annotations.db").read_bytes() == before
    shown = run()  # the project's scheme
    assert shown.exit_code == 0 and shown.stdout.startswith("# Codebook: tiny\n")
    figures = run("--agreement").stdout
    assert "3 Agreement" in headings(figures)
    assert "no document is marked done by two or more annotators yet" in figures


SCHEME = """\
name: coded
version: 1
labels:
  - {id: quote, hotkey: t, color: blue}
  - {id: criticism, hotkey: c, color: red}
units:
  question:
    labels:
      - {id: reply, color: green}
      - {id: evasion, color: orange}
"""


def test_export_with_the_projects_agreement(run, tmp_path: Path) -> None:
    contents = ["Will you act? Now?", "I won't say. They failed.", "When?", "We will build."]
    text, turns = layout(contents, ["Q", "A", "Q", "A"])
    with Project.create(tmp_path / "annotations.db", load_scheme(SCHEME)) as project:
        doc = project.add_documents(
            [ImportedDocument(title="T", text=text, turns=tuple(turns), format="text")]
        )[0].document_id
        project.add_documents([make_document()])
        questions = [
            project.add_question(doc, "lead", text.index(q), text.index(q) + len(q))
            for q in ("Will you act? Now?", "When?")
        ]
        for name, labels, codes in (
            ("ann", ["quote", "criticism"], ["reply", "evasion"]),
            ("bob", ["quote", "quote"], ["reply", "reply"]),
        ):
            for label, span in zip(labels, ("I won't say.", "They failed."), strict=True):
                start = text.index(span)
                project.create_span(doc, name, label, start, start + len(span))
            for question, code in zip(questions, codes, strict=True):
                project.set_code(doc, name, code, question_id=question.id)
            project.set_status(doc, name, "done")
        summary = agreement_report(project).summary
    result = run("--agreement", "-o", "book.md")
    assert result.exit_code == 0, result.output
    source = (tmp_path / "book.md").read_text(encoding="utf-8")
    assert "4 Agreement" in headings(source)
    assert "4.1 Span labels" in headings(source) and "4.2 Question codes" in headings(source)
    quote = next(row for row in summary if row["label"] == "quote")
    assert f"| quote | {quote['spans']} | {quote['f1_exact']:.3f} |" in source
    assert "| (all) |" in source
    assert re.search(r"\| 1 \| overall \| [-0-9.]+", source)
    assert "marked done by two or more of: ann, bob" in source
