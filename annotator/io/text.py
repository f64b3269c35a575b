"""Plain-text and Markdown transcripts (formats ``text`` and ``markdown``; they behave the same).

Rules, in the order they are applied to each line:

1. **Front matter.** A ``---`` line followed by a ``key: value`` line opens a YAML block,
   closed by the next ``---`` (or ``...``) line: on the first line of the file (where it
   must be closed), or further down if it closes within 200 lines (otherwise it is a
   Markdown rule and stays in the text). Each block starts a new document, so a file of
   several concatenated transcripts yields one document per block, each with its own
   metadata and title. Malformed YAML in a block is an error naming the line, and so is a
   value its type cannot hold (``date: 2025-13-01``: quote it to keep it as text), an alias
   (``*name``, which could multiply the block's size), or nesting deeper than
   :data:`~annotator.io.common.MAX_DEPTH` levels.
2. **Blank lines** end a paragraph, and so does a line ending in two or more spaces (a
   Markdown hard line break). Other line breaks are hard wraps: the stripped lines of one
   paragraph are joined with a single space.
3. **Clock lines** such as ``4:02 P.M. EST`` or ``END 1:45 P.M. EST`` are not speech: one
   that comes after a speaker's turn closes that turn and starts a turn with no speaker.
4. **Question turns**: a line starting (after any indentation) with ``Q`` and then two or
   more spaces or a tab, or ``Q:`` / ``Q.``, is a turn of speaker ``"Q"``. A stray
   backtick after ``Q`` or after a label's colon (a typo in the White House files, where
   it appears as a backslash and a backtick) is tolerated and dropped.
5. **Speaker labels**: ``NAME:`` at the start of a line, followed by whitespace or the end
   of the line, where NAME has at most six words made of letters, ``.``, ``-`` and
   apostrophes (later words may be numbers), and is either
   - in capitals (``THE PRESIDENT``, ``MR KIRBY``; honorifics such as ``Mr.`` may be mixed
     case, so ``Mr. KIRBY`` counts): accepted on any line; or
   - in Title Case (``Jane Doe``, ``Secretary of State Blinken``): accepted only at the
     start of a paragraph, because hard-wrapped sentences often put a capitalised word
     and a colon at the start of a line (``Patrick’s Day: We’d like …``).
   Discourse words (``Note``, ``Look``, ``So`` …) are never labels, and a Title Case
   label cannot start with a preposition, conjunction or pronoun (``On Taiwan:``). The
   speaker is the label as written (typos such as ``MR. SLOAT`` are kept), with runs of
   whitespace collapsed.
6. **Markdown heading**: when the first line of a document's body is a ``#`` heading, it is
   the document's title (unless the front matter has one, in which case the heading goes
   to ``metadata["heading"]``) and is not part of the text. Everything else, Markdown
   syntax included, is kept literally.

A turn runs from its label to the next label; paragraphs without a label continue it.
Text before the first label is one turn with no speaker. A label with no text after it
yields no turn. A document with no labels at all has one turn per paragraph, each with no
speaker. Stage directions such as ``(Laughter.)`` stay in the text. Titles come from the
front matter's ``title``, else the leading heading, else the file stem (``stem #n`` when
the file holds several documents).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import Node, ScalarNode

from annotator.io.common import (
    DocumentBuilder,
    ImportFailure,
    check_value,
    clean_title,
    shorten,
)
from annotator.model import ImportedDocument, SpeakerInfo, normalise_text

try:  # the C loader is much faster; both are safe loaders
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _YamlLoader  # type: ignore[assignment]

_YAML_KINDS = {"timestamp": "a valid date", "int": "an integer that can be read"}


class _UnreadableValue(yaml.YAMLError):
    """A YAML value its type cannot hold, at its place in the block."""

    def __init__(self, node: Node, error: Exception) -> None:
        kind = str(node.tag).rsplit(":", 1)[-1]
        value = shorten(str(node.value), 40) if isinstance(node, ScalarNode) else "this value"
        # The date constructor says what is wrong ("month must be in 1..12"); the others
        # speak of Python internals.
        detail = f" ({error})" if kind == "timestamp" and isinstance(error, ValueError) else ""
        what = _YAML_KINDS.get(kind, f"a valid {kind} value")
        super().__init__(f"'{value}' is not {what}{detail}; put it in quotes to keep it as text")
        self.mark = node.start_mark


class _FrontMatterLoader(_YamlLoader):
    """The safe loader, with a value its tag cannot make (an impossible date, an integer
    too long to convert, a malformed ``!!binary``) raised as :class:`_UnreadableValue`."""

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, AttributeError, OverflowError) as error:
            # Exactly what PyYAML's safe constructors raise for a malformed scalar
            # (AttributeError: a "!!timestamp" tag on text that is no date).
            raise _UnreadableValue(node, error) from None


_LABEL_RE = re.compile(
    r"^\s*(?P<label>[^\W\d_][^\s:]*(?:[ \u00a0][^\s:]+){0,5}):(?:\\?`)?(?=\s|$)(?P<rest>.*)$"
)
# Markdown bold speakers: ``**Jane Doe:**`` and ``**Jane Doe**:``.
_BOLD_LABEL_RE = re.compile(
    r"^\s*\*\*(?P<label>[^*:\n]{1,80}?)(?::\*\*|\*\*:)(?=\s|$)(?P<rest>.*)$"
)
_Q_RE = re.compile(r"^\s*Q(?:[:.](?=\s|$)|\\?`(?=\s)|(?=\s{2}|\t))(?P<rest>.*)$")
_CLOCK_RE = re.compile(r"^(?:END\s+)?\d{1,2}:\d{2}\s*[AaPp]\.?\s?[Mm]\.?(?:\s+[A-Z]{2,5})?$")
_HEADING_RE = re.compile(r"^#{1,6}\s+(?P<title>.+?)(?:\s+#+)?$")
_FRONT_MATTER_KEY_RE = re.compile(r"^[A-Za-z_][\w-]*:(?:\s|$)")
_LABEL_WORD_RE = re.compile(r"^(?:[^\W\d_]|[.'’\-])+$")
_HARD_BREAK_RE = re.compile(r"[^ ] {2,}$")

# A mid-file ``---`` is front matter only if it closes within this many lines.
_MAX_FRONT_MATTER_LINES = 200


def _word_set(words: str, sep: str | None = None) -> frozenset[str]:
    return frozenset(word.strip() for word in words.split(sep) if word.strip())


# Honorifics may be mixed case inside an ALL-CAPS label ("Mr. KIRBY").
_HONORIFICS = _word_set(
    "mr mr. ms ms. mrs mrs. mx mx. dr dr. prof prof. sen sen. rep rep. gov gov. hon hon."
)
_NAME_PARTICLES = _word_set("of the de del della der den van von da di du la le al bin y")
# Capitalised words that start sentences before a colon far more often than they name anyone.
_NOT_SPEAKERS = _word_set(
    "note, notes, editor's note, editor’s note, update, correction, source, sources, date, time, "
    "location, subject, summary, transcript, warning, example, here, now, so, but, and, yes, no, "
    "well, look, listen, first, second, third, finally, today, remember, also, then, there, ps, "
    "ok, okay, p.s., re",
    sep=",",
)
# A Title Case label never starts with one of these ("On Taiwan: …", "As I said: …").
_NOT_NAME_STARTS = _word_set(
    """on in at for to as by with from about after before and but so or if when what why how
    where who which this that these those it we you i he she they my our your his her their
    let let's let’s here's here’s there's there’s one"""
)


@functools.lru_cache(maxsize=4096)  # a file names the same few speakers again and again
def label_kind(label: str) -> str | None:
    """``"caps"``, ``"title"`` or ``None`` (not a speaker label); see rule 5."""
    words = label.split()
    if not words or len(words) > 6 or label.casefold() in _NOT_SPEAKERS:
        return None
    caps = title = True
    has_caps_word = False
    for position, word in enumerate(words):
        if word.isdigit():
            if position == 0:
                return None
            continue
        if not _LABEL_WORD_RE.match(word) or not any(ch.isalpha() for ch in word):
            return None
        honorific = word.casefold() in _HONORIFICS
        if word.upper() == word:
            has_caps_word = True
        elif not honorific:
            caps = False
        first_letter = next(ch for ch in word if ch.isalpha())
        if not first_letter.isupper() and (position == 0 or word not in _NAME_PARTICLES):
            title = False
    if caps and has_caps_word:
        return "caps"
    if title and words[0].casefold() not in _NOT_NAME_STARTS:
        return "title"
    return None


def match_label(
    line: str, *, paragraph_start: bool, allow_title: bool = True
) -> tuple[str, str] | None:
    """Return ``(speaker, rest of line)`` if ``line`` starts with a speaker label."""
    # A label is a Q or ends in a colon: most lines of speech are neither (no search).
    if ":" not in line and not line.lstrip().startswith("Q"):
        return None
    q = _Q_RE.match(line)
    if q:
        return "Q", q.group("rest").strip()
    if ":" not in line:  # both kinds of name label end in one
        return None
    bold = _BOLD_LABEL_RE.match(line)
    if bold and label_kind(bold.group("label").strip()):
        return " ".join(bold.group("label").split()), bold.group("rest").strip()
    m = _LABEL_RE.match(line)
    if not m:
        return None
    kind, speaker = _label(m.group("label"))
    if kind == "caps" or (kind == "title" and allow_title and paragraph_start):
        return speaker, m.group("rest").strip()
    return None


@functools.lru_cache(maxsize=4096)  # a file names the same few speakers again and again
def _label(label: str) -> tuple[str | None, str]:
    """A label's :func:`label_kind`, and the speaker it names (runs of whitespace collapsed)."""
    return label_kind(label), " ".join(label.split())


@dataclass(frozen=True)
class LabelLine:
    """A speaker line a :class:`Convention` recognised: who, the text after the label, the
    time it gives (seconds) and what it says of the speaker."""

    speaker: str
    rest: str = ""
    start_time: float | None = None
    info: SpeakerInfo | None = None


class Convention:
    """A way of writing speaker lines beyond rule 5, tried first on each (stripped) line.

    One instance reads one file, so it may remember what earlier lines said. With
    ``generic_labels`` false, rule 5's labels are not looked for (a service transcript names
    its speakers only its own way, so ``NOTE:`` in speech stays speech)."""

    generic_labels = True

    def label(self, line: str) -> LabelLine | None:
        raise NotImplementedError

    def skip(self, line: str) -> bool:
        """Whether the line is not transcript text at all (a footer, a bare time mark)."""
        return False


@dataclass
class _Doc:
    first_line: int  # 1-based line where the document (or its front matter) starts
    metadata: dict[str, Any] = field(default_factory=dict)
    heading: str | None = None
    # Each turn: (speaker, paragraphs, start time). A paragraph is a list of stripped lines.
    turns: list[tuple[str | None, list[list[str]], float | None]] = field(default_factory=list)
    speaker_info: dict[str, SpeakerInfo] = field(default_factory=dict)
    labelled: bool = False
    has_body: bool = False  # any non-blank line after the front matter

    def current(self) -> tuple[str | None, list[list[str]], float | None]:
        if not self.turns:
            self.turns.append((None, [], None))
        return self.turns[-1]


class _Parser:
    def __init__(self, text: str, source: str, convention: Convention | None = None) -> None:
        self.lines = normalise_text(text).split("\n")
        self.source = source
        self.convention = convention
        self.docs: list[_Doc] = []
        self.doc = _Doc(first_line=1)
        self.paragraph: list[str] | None = None  # the open paragraph of the current turn

    # -- front matter -------------------------------------------------------------
    def _front_matter_end(self, index: int) -> int | None:
        """Index of the closing line if a front-matter block opens at ``index``."""
        if self.lines[index].rstrip() != "---":
            return None
        following = self.lines[index + 1] if index + 1 < len(self.lines) else ""
        if not _FRONT_MATTER_KEY_RE.match(following):
            return None
        last = len(self.lines) if index == 0 else index + 1 + _MAX_FRONT_MATTER_LINES
        for end in range(index + 1, min(last, len(self.lines))):
            if self.lines[end].rstrip() in ("---", "..."):
                return end
        if index == 0:
            raise ImportFailure(
                self.source,
                "the YAML front matter opened here is never closed with a '---' line",
                place="line 1",
            )
        return None

    def _read_front_matter(self, start: int, end: int) -> dict[str, Any]:
        block = "\n".join(self.lines[start + 1 : end])

        def at(mark: Any) -> str:
            # A mark is 0-based within the block; one past its end means "at the end".
            return f"line {min(start + 2 + mark.line, end) if mark is not None else start + 1}"

        try:
            for event in yaml.parse(block, Loader=_YamlLoader):
                if isinstance(event, yaml.AliasEvent):
                    raise ImportFailure(
                        self.source,
                        "aliases (*name) are not read in front matter, since each one "
                        "repeats a whole value; write the value out",
                        place=at(event.start_mark),
                    )
            data = yaml.load(block, Loader=_FrontMatterLoader)  # a safe loader: plain data
        except _UnreadableValue as exc:
            raise ImportFailure(self.source, str(exc), place=at(exc.mark)) from None
        except RecursionError:
            raise ImportFailure(
                self.source, "the YAML front matter is nested too deeply to read", place=at(None)
            ) from None
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise ImportFailure(
                self.source,
                f"the YAML front matter is malformed ({problem}); fix the block that "
                f"starts at line {start + 1}",
                place=at(getattr(exc, "problem_mark", None)),
            ) from None
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise ImportFailure(
                self.source,
                "the YAML front matter must be a mapping of keys to values",
                place=f"line {start + 1}",
            )
        check_value(data, self.source, place=f"front matter at line {start + 1}")
        return data

    # -- turns --------------------------------------------------------------------
    def _end_paragraph(self) -> None:
        self.paragraph = None

    def _add_line(self, line: str) -> None:
        if self.paragraph is None:
            self.paragraph = []
            self.doc.current()[1].append(self.paragraph)
        self.paragraph.append(line)

    def _start_turn(
        self, speaker: str | None, first_line: str, start_time: float | None = None
    ) -> None:
        self.doc.turns.append((speaker, [], start_time))
        self.paragraph = None
        first_line = first_line.strip()  # stored as it is (DocumentBuilder.add_turn)
        if first_line:
            self._add_line(first_line)

    def _finish_doc(self) -> None:
        if self.doc.has_body or self.doc.metadata:
            self.docs.append(self.doc)

    def parse(self) -> list[_Doc]:
        lines = self.lines
        convention = self.convention
        generic = convention is None or convention.generic_labels
        index = 0
        count = len(lines)
        paragraph_start = True
        while index < count:
            raw = lines[index]
            if not raw:  # a blank line, the commonest kind (one that holds spaces: below)
                index += 1
                self._end_paragraph()
                paragraph_start = True
                continue
            if raw[0] == "-" and raw.startswith("---"):
                end = self._front_matter_end(index)
                if end is not None:
                    self._finish_doc()
                    self.doc = _Doc(first_line=index + 1)
                    self.doc.metadata = self._read_front_matter(index, end)
                    self.paragraph = None
                    paragraph_start = True
                    index = end + 1
                    continue
            line = raw.strip()
            index += 1
            if not line:
                self._end_paragraph()
                paragraph_start = True
                continue
            doc = self.doc
            if not doc.has_body:  # the first line of the body
                doc.has_body = True
                if heading := _HEADING_RE.match(line):
                    doc.heading = heading.group("title").strip()
                    paragraph_start = True
                    continue
            # (a clock line starts with a digit or END: most lines need no search)
            if paragraph_start and (line[0].isdigit() or line[0] == "E") and _CLOCK_RE.match(line):
                speaker = doc.current()[0]
                if speaker is not None:
                    self._start_turn(None, "")
                self._end_paragraph()
                self._add_line(line)
                self._end_paragraph()
                paragraph_start = True
                continue
            if convention is not None:
                if convention.skip(line):
                    continue
                found = convention.label(line)
                if found is not None:
                    doc.labelled = True
                    if found.info is not None:
                        doc.speaker_info[found.speaker] = found.info
                    self._start_turn(found.speaker, found.rest, found.start_time)
                    paragraph_start = False
                    continue
            label = match_label(raw, paragraph_start=paragraph_start) if generic else None
            if label is not None:
                doc.labelled = True
                speaker, rest = label  # the rest stripped already
                self.paragraph = [rest] if rest else None
                doc.turns.append((speaker, [self.paragraph] if self.paragraph else [], None))
            elif self.paragraph is not None:
                self.paragraph.append(line)
            else:
                self._add_line(line)
            # (endswith first: the search tries every position of a long line)
            paragraph_start = raw.endswith("  ") and bool(_HARD_BREAK_RE.search(raw))
            if paragraph_start:
                self._end_paragraph()
        self._finish_doc()
        return self.docs


def parse_text(
    text: str,
    *,
    source: str,
    source_path: str | None,
    format: str = "text",
    convention: Callable[[], Convention] | None = None,
) -> list[ImportedDocument]:
    """Parse a plain-text or Markdown transcript (rules in the module docstring).

    ``convention`` makes a :class:`Convention` that reads a transcription service's or a
    parliament's speaker lines (see :mod:`annotator.io.services`); its labels are tried
    first on each line."""
    docs = _Parser(text, source, convention() if convention else None).parse()
    stem = Path(source_path or source).stem
    results: list[ImportedDocument] = []
    several = len(docs) > 1
    for number, doc in enumerate(docs, start=1):
        builder = DocumentBuilder()
        if doc.labelled:
            for speaker, paragraphs, start_time in doc.turns:
                builder.add_turn(
                    [" ".join(p) for p in paragraphs],
                    speaker=speaker,
                    start_time=start_time,
                    normalised=True,
                )
        else:  # an article: one turn per paragraph
            for _speaker, paragraphs, _time in doc.turns:
                for paragraph in paragraphs:
                    builder.add_turn([" ".join(paragraph)], normalised=True)
        if not len(builder):
            raise ImportFailure(
                source,
                "this document has front matter but no text; remove the block or add the "
                "transcript",
                place=f"line {doc.first_line}",
            )
        metadata = dict(doc.metadata)
        title = clean_title(metadata.get("title"))
        if doc.heading:
            if title:
                metadata["heading"] = doc.heading
            else:
                title = clean_title(doc.heading)
        if not title:
            title = f"{stem} #{number}" if several else stem
        results.append(
            builder.build(
                title=title,
                format=format,
                source_path=source_path,
                metadata=metadata,
                speaker_info=doc.speaker_info,
            )
        )
    return results
