"""The ``annotator`` command line: project set-up, import, listings and scheme tools.

User errors end in one line on stderr and exit status 1 (click's usage errors exit 2);
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import csv
import getpass
import itertools
import json
import os
import random
import re
import sqlite3
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .errors import AnnotatorError, InvalidValue, ProjectError
from .model import DOCUMENT_STATUSES
from .store.annotators import GOLD
from .store.connection import BatchLost, describe_failure, is_failure
from .store.database import (
    ALLOW_NETWORK_FS_ENV_VAR,
    DB_ENV_VAR,
    DEFAULT_DB_NAME,
    project_files,
    resolve_db_path,
)
from .store.invites import ROLES, Invites
from .textindex import cell_len, char_cells, display_text

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from .model import ImportedDocument
    from .scheme import Label, Scheme
    from .scheme.diff import UpgradePlan
    from .store import AddResult, Project

# Start-up: a command imports only what it runs. Rich, the store's facade, the importers,
# the exporters, the scheme's validator and the report load in the functions that use them,
# and the choices of an option that come from one of those load when click needs them
# (help, checking a value): `annotator --version` imports none of them.


class LazyChoice(click.Choice):  # type: ignore[type-arg]
    """A ``click.Choice`` whose choices are read (once) when click first needs them."""

    def __init__(self, load: Callable[[], Sequence[str]], case_sensitive: bool = True) -> None:
        self._load = load
        self._choices: tuple[str, ...] | None = None
        self.case_sensitive = case_sensitive

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        if self._choices is None:
            self._choices = tuple(self._load())
        return self._choices

    @choices.setter
    def choices(self, value: Sequence[str]) -> None:
        self._choices = tuple(value)


def _import_formats() -> Sequence[str]:
    from .io import FORMATS

    return FORMATS


def _export_formats() -> Sequence[str]:
    from .export import EXPORT_FORMATS

    return list(EXPORT_FORMATS)


def _export_units() -> Sequence[str]:
    from .export import UNITS

    return UNITS


def _tokenizers() -> Sequence[str]:
    from .export.tokens import TOKENIZERS

    return TOKENIZERS


def _report_by() -> Sequence[str]:
    from .report import BY

    return BY


def _codebook_formats() -> Sequence[str]:
    from .codebook import FORMATS

    return FORMATS


DOCUMENTS_OPTION = click.option(
    "--documents",
    "document_refs",
    multiple=True,
    metavar="REF",
    help="Only this document (id or source file name); repeat for several [default: all].",
)


class AnnotatorGroup(click.Group):
    """Turns the domain's user errors into one line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AnnotatorError as error:
            if ctx.params.get("debug"):
                raise
            _report(error)
            ctx.exit(1)
        except sqlite3.Error as error:
            # SQLite failing while reading (a damaged file, an I/O error): one line too.
            if ctx.params.get("debug") or not is_failure(error):
                raise
            _report(ProjectError(describe_failure(ctx.obj["db"], error)))
            ctx.exit(1)


def _report(error: AnnotatorError) -> None:
    """An error as ``error: ...`` lines on stderr, each shown literally."""
    for line in error.lines() or [type(error).__name__]:
        _say(f"error: {_literal(line)}", err=True)


def _say(message: str, *, err: bool = False) -> None:
    """Every line the command line prints goes through here: text from data (titles, names,
    file names, labels) is shown literally, control characters as visible symbols, so no
    escape sequence from a transcript or a file name ever reaches the terminal."""
    click.echo(display_text(message), err=err)


def _literal(value: object) -> str:
    """One line of data, shown literally (a newline in it becomes a visible symbol)."""
    return display_text(str(value), keep_newlines=False)


def _console() -> Console:
    # Created per command so that click's test runner, which swaps sys.stdout, sees the output.
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False, soft_wrap=False)


def _terminal_width() -> int:
    """The width Rich's console would take (``COLUMNS``, else the terminal of standard
    input, output or error, else 80), without importing Rich: plain listings need no more."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    for descriptor in (0, 1, 2):
        try:
            return os.get_terminal_size(descriptor).columns or 80
        except OSError:
            continue
    return 80


def _cell(value: object) -> Text:
    """A table cell that shows its text literally: titles and names are untrusted input."""
    from rich.text import Text

    return Text("" if value is None else display_text(str(value)))


def _text(message: str) -> Text:
    """A line for the console, shown literally (no markup, no control characters)."""
    from rich.text import Text

    return Text(display_text(message))


# ---- listings: one table as a table, CSV or JSON ---------------------------------------------

LISTING_FORMATS = ("table", "csv", "json")

FORMAT_OPTION = click.option(
    "--format",
    "format_",
    type=click.Choice(LISTING_FORMATS),
    default="table",
    show_default=True,
    help="table for reading; csv or json (to standard output) for programs.",
)


def print_rows(
    rows: Sequence[Mapping[str, Any]],
    format_: str,
    *,
    columns: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
    cut: Sequence[str] = (),
    right: Sequence[str] = (),
    empty: str = "Nothing to list.",
) -> None:
    """A listing: ``rows`` (dicts of one flat record each, values ``str``, ``int``, ``float``
    or ``None``) as a table, CSV or JSON on standard output.

    ``columns``: the keys, in order [default: the first row's]; ``headers``: a table
    header for a key that reads better than the key. CSV has a header line; JSON is a list
    of objects. Every value from data is shown literally: in a table and in CSV control
    characters become visible symbols (as ``_literal``); JSON escapes them (``\\u001b``),
    so the data survive exactly and no escape sequence reaches a terminal.

    A table fits the terminal: numbers and every column not in ``cut`` keep their width (an
    id is never cut); the ``cut`` columns (titles, file names) share what is left and are
    cut in the middle, keeping each value's start and end; where that would make two
    different values look the same, those values are shown whole, folded over lines.
    Numbers, and the ``right`` columns (figures already formatted), are aligned right.
    """
    keys = list(columns or (rows[0].keys() if rows else ()))
    if format_ == "json":
        click.echo(_json_literal([{key: row.get(key) for key in keys} for row in rows]))
    elif format_ == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([_literal(key) for key in keys])
        for row in rows:
            writer.writerow(["" if row.get(k) is None else _literal(row.get(k)) for k in keys])
    elif not rows:
        _console().print(_text(empty))
    else:
        _write_listing(
            _listing_lines(rows, keys, headers or {}, cut, _terminal_width(), right=right)
        )


def _write_listing(lines: Sequence[str]) -> None:
    """A listing's lines on standard output: the header bold where the output is a terminal
    (as Rich's tables show it), every line as it is otherwise."""
    if not lines:
        return
    header = click.style(lines[0], bold=True) if sys.stdout.isatty() else lines[0]
    click.echo("\n".join([header, *lines[1:]]))


def _listing_lines(
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    headers: Mapping[str, str],
    cut: Sequence[str],
    width: int,
    *,
    right: Sequence[str] = (),
) -> list[str]:
    """The table of ``print_rows`` as plain lines (a header, a rule under it, two spaces
    between columns, no borders: that leaves the titles as much room as it can), laid out
    here rather than by Rich, which lays a table out cell by cell (5 s for 2,000 rows).

    Every column has a fixed width: numbers and the columns not in ``cut`` their widest
    value's (wider lines than ``width``, which the terminal wraps, rather than an id or a
    number squeezed out of sight); the ``cut`` columns share what is left, their values cut
    in the middle, or folded over lines where no cut tells two values apart."""
    texts = {key: [_table_value(row.get(key)) for row in rows] for key in keys}
    names = {key: display_text(headers.get(key, key), keep_newlines=False) for key in keys}
    natural = {key: max(cell_len(v) for v in [names[key], *texts[key]]) for key in keys}
    flexible = [key for key in keys if key in cut]
    widths = dict(natural)
    spare = width - _listing_width(
        [natural[k] for k in keys if k not in flexible] + [0] * len(flexible)
    )
    # Share the spare cells: the narrowest wishes first, the others split what is left.
    for index, key in enumerate(sorted(flexible, key=lambda k: natural[k])):
        share = max(cell_len(names[key]), 4, spare // (len(flexible) - index))
        widths[key] = min(natural[key], share)
        spare -= widths[key]
    folded: set[str] = set()
    for key in flexible:
        if widths[key] < natural[key]:
            texts[key], fold = _cut_column(texts[key], widths[key])
            if fold:
                folded.add(key)
    aligned = {*right} | {
        key for key in keys if all(isinstance(row.get(key), int | float) for row in rows)
    }

    def pad(key: str, text: str) -> str:
        gap = " " * (widths[key] - cell_len(text))
        return gap + text if key in aligned else text + gap

    def cells(key: str, text: str) -> list[str]:
        return _fold(text, widths[key]) if key in folded else [text]

    lines = ["  ".join(pad(key, names[key]) for key in keys).rstrip()]
    lines.append("─" * _listing_width([widths[k] for k in keys]))
    for index in range(len(rows)):
        parts = [cells(key, texts[key][index]) for key in keys]
        for line in range(max(len(part) for part in parts)):
            lines.append(
                "  ".join(
                    pad(key, part[line] if line < len(part) else "")
                    for key, part in zip(keys, parts, strict=True)
                ).rstrip()
            )
    return lines


def _fold(text: str, width: int) -> list[str]:
    """``text`` over lines of at most ``width`` cells: at spaces where it can, within a word
    where one is longer than a line."""
    lines: list[str] = []
    line, used = "", 0
    for word in re.split(r"(?<= )", text):
        cells = cell_len(word)
        if used + cells > width and line:
            lines.append(line.rstrip())
            line, used = "", 0
        while cells > width:  # a word longer than a line: cut it at the line's end
            head, taken = "", 0
            for ch in word:
                if taken + char_cells(ch) > width - used:
                    break
                head += ch
                taken += char_cells(ch)
            head = head or word[0]  # a character wider than the line: it gets a line of its own
            lines.append(line + head)
            word, line, used = word[len(head) :], "", 0
            cells = cell_len(word)
        line += word
        used += cells
    if line or not lines:
        lines.append(line.rstrip())
    return lines


def _listing_width(widths: Sequence[int]) -> int:
    """The cells a listing table of columns this wide takes: two spaces between columns."""
    return sum(widths) + 2 * max(0, len(widths) - 1)


def _cut_column(texts: list[str], width: int) -> tuple[list[str], bool]:
    """A column's values cut to ``width`` in the middle (:func:`_middle_cut`), with as much
    of the end kept as makes different values look different (a series of titles differs
    at the end, file names before the extension); values that no cut tells apart are kept
    whole, to be folded over lines (then True)."""
    unique = list(dict.fromkeys(texts))
    balanced = (width - 1) // 2
    tails = sorted(range(1, max(2, width - 1)), key=lambda tail: (abs(tail - balanced), -tail))
    clashed: list[str] = []  # values that looked alike at a tail tried: tried first after
    for tail in tails:
        shown: dict[str, str] = {}  # cut -> the value
        for text in itertools.chain(clashed, unique):
            short = _middle_cut(text, width, tail=tail)
            if shown.setdefault(short, text) != text:
                clashed[:0] = [text, shown[short]]
                break
        else:
            cuts = {text: short for short, text in shown.items()}
            return [cuts[text] for text in texts], False
    cuts = {text: _middle_cut(text, width) for text in unique}
    alike = Counter(cuts.values())
    return [text if alike[cuts[text]] > 1 else cuts[text] for text in texts], True


def _table_value(value: object) -> str:
    """A value as a table shows it: numbers with thousands separators, data literally."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return display_text(str(value), keep_newlines=False)


def _middle_cut(text: str, width: int, *, tail: int | None = None) -> str:
    """``text`` in at most ``width`` cells, its middle replaced by "…" if it must be cut:
    the start and the end (``tail`` cells of it, by default half) stay, so titles of one
    series, which differ at the end, and file names keep what tells them apart."""
    if width <= 1:
        return text if cell_len(text) <= width else "…"[:width]
    tail_cells = (width - 1) // 2 if tail is None else min(tail, width - 1)
    head_cells = width - 1 - tail_cells
    if text.isascii() and "\n" not in text:  # a cell a character: slices
        if len(text) <= width:
            return text
        return f"{text[:head_cells]}…{text[len(text) - tail_cells :]}"
    if cell_len(text) <= width:
        return text
    head, used = [], 0
    for ch in text:
        if used + char_cells(ch) > head_cells:
            break
        head.append(ch)
        used += char_cells(ch)
    end: list[str] = []
    used = 0
    for ch in reversed(text):
        if used + char_cells(ch) > tail_cells:
            break
        end.append(ch)
        used += char_cells(ch)
    return "".join(head) + "…" + "".join(reversed(end))


_JSON_UNSAFE = re.compile(r"[^\x20-\x7e]")


def _json_literal(data: object) -> str:
    """JSON whose every character that a terminal could act on (DEL, C1 controls, line
    separators, lone surrogates, format characters such as bidi controls) is written as a
    ``\\uXXXX`` escape; other text stays readable (``ensure_ascii`` off). JSON itself
    escapes C0 controls."""
    text = json.dumps(data, ensure_ascii=False, indent=2)

    def escape(match: re.Match[str]) -> str:
        ch = match.group()
        if ch == "\n" or (display_text(ch) == ch and unicodedata.category(ch) != "Cf"):
            return ch
        return "".join(f"\\u{unit:04x}" for unit in _utf16(ch))

    return _JSON_UNSAFE.sub(escape, text)


def _utf16(ch: str) -> list[int]:
    data = ch.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def _open(ctx: click.Context, *, readonly: bool = False) -> Project:
    """The project, closed with the command. Commands that only read open it ``readonly``, so
    they also work on a project the user may not write (a shared, read-only copy)."""
    from .store import Project

    project = Project.open(ctx.obj["db"], readonly=readonly)
    ctx.call_on_close(project.close)
    return project


@click.group(cls=AnnotatorGroup, invoke_without_command=True)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=DB_ENV_VAR,
    help=f"Project database file [default: ./{DEFAULT_DB_NAME}; env: {DB_ENV_VAR}].",
)
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.option(
    "--allow-network-fs",
    is_flag=True,
    envvar=ALLOW_NETWORK_FS_ENV_VAR,
    help="Open a project on a network file system (NFS, SMB, SSHFS), which is refused "
    "otherwise: safe only if no other process uses it meanwhile.",
)
@click.version_option(__version__, prog_name="annotator")
@click.pass_context
def cli(ctx: click.Context, db: Path | None, debug: bool, allow_network_fs: bool) -> None:
    """Annotate political interview transcripts: quotes, deflections, commitments, criticism.

    Every command works on one project: a SQLite file holding the label scheme, the
    transcripts and everyone's annotations.
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = resolve_db_path(db)
    if allow_network_fs:
        # For every open of the project in this process (the app opens its own).
        os.environ[ALLOW_NETWORK_FS_ENV_VAR] = "1"
    if ctx.invoked_subcommand is None:
        path = ctx.obj["db"]
        if not path.exists():
            ctx.obj["notice"] = _create_sample_project(path)
        ctx.invoke(annotate)


def _create_sample_project(path: Path) -> str:
    """A first run: a project from the bundled scheme and the sample transcripts."""
    from .io import read_transcript
    from .resources import default_scheme_path, sample_transcripts
    from .scheme import load_scheme_file
    from .store import Project

    with Project.create(path, load_scheme_file(default_scheme_path())) as project:
        documents = [doc for sample in sample_transcripts() for doc in read_transcript(sample)]
        project.add_documents(documents)
    notice = (
        f"Created {path.resolve()} with the bundled political-interview scheme and "
        f"{len(documents)} sample transcripts (add your own with 'annotator import FILE...')."
    )
    _say(notice)
    return notice


def _name_given(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--as NAME`` given empty is refused, not taken for "not given" (which would act as
    the name the settings remember, or the login name, without a word)."""
    if value is not None and not value.strip():
        raise click.BadParameter(
            "the name is empty: give a name, or leave out --as to be the one your settings remember"
        )
    return value


@cli.command()
@click.option(
    "--as",
    "annotator",
    metavar="NAME",
    help="Annotator name [default: ask once, then remember].",
    callback=_name_given,
)
@click.option("--document", metavar="REF", help="Open this document (its id or source file name).")
@click.option(
    "--suggestions",
    metavar="LAYER",
    help="Offer another layer's spans (e.g. imported model output) to accept (a) or reject (r).",
)
@click.option(
    "--assigned-only",
    is_flag=True,
    help="Show only the documents assigned to you ('annotator assign') [default: yours first].",
)
@click.pass_context
def annotate(
    ctx: click.Context,
    annotator: str | None,
    document: str | None,
    suggestions: str | None,
    assigned_only: bool,
) -> None:
    """Open the annotation app on the project.

    Each annotator sees only their own spans (blind annotation). Without --as, the app
    asks for a name once and remembers it in the user's config file.
    """
    from .app import make_app  # Textual loads only for the app, keeping other commands quick

    app = make_app(
        ctx.obj["db"],
        annotator=annotator,
        document=document,
        suggestions_from=suggestions,
        assigned_only=assigned_only,
    )
    app.notice = ctx.obj.get("notice")
    _run_app(ctx, app)


def _run_app(ctx: click.Context, app: Any) -> None:
    """Run the app to its end; a non-zero exit status of the app is the command's."""
    try:
        app.run()
    finally:
        app.project.close()
    if app.return_code:
        ctx.exit(app.return_code)


@cli.command()
@click.option(
    "--as",
    "reviewer",
    metavar="NAME",
    help="Reviewer name [default: as for annotate].",
    callback=_name_given,
)
@click.option("--document", metavar="REF", help="Open this document (its id or source file name).")
@click.option(
    "--anonymous", is_flag=True, help="Show annotators as A1, A2... (A toggles it in the app)."
)
@click.pass_context
def review(ctx: click.Context, reviewer: str | None, document: str | None, anonymous: bool) -> None:
    """Settle annotators' disagreements into the gold layer.

    Lists the documents two or more annotators marked done, most disagreement first; a
    document opens with its gold layer, and each annotator's version of the disagreement
    under the cursor. n/p step through disagreements, 1-9 accept an annotator's version,
    r rejects them, M auto-merges what they agree on; the annotation keys edit gold spans.
    Export the result with 'annotator export --layer gold'.
    """
    from .app import make_app

    app = make_app(
        ctx.obj["db"], annotator=reviewer, document=document, review=True, anonymous=anonymous
    )
    _run_app(ctx, app)


@cli.command()
@click.option(
    "--scheme",
    "scheme_ref",
    metavar="FILE|NAME",
    help="Label scheme: a YAML file, or the name of a bundled one (political-interview, "
    "clarity, bull-equivocation) [default: political-interview].",
)
@click.pass_context
def init(ctx: click.Context, scheme_ref: str | None) -> None:
    """Create a new project database with a label scheme."""
    from .resources import default_scheme_path
    from .scheme import load_scheme_file
    from .store import Project

    scheme = load_scheme_file(_scheme_file(scheme_ref) if scheme_ref else default_scheme_path())
    path = ctx.obj["db"]
    Project.create(path, scheme).close()
    codes = "".join(f", {count(len(unit.labels), f'{unit.kind} code')}" for unit in scheme.units)
    _say(
        f"Created project {path} with scheme {scheme.name} v{scheme.version} "
        f"({count(len(scheme.labels), 'span label')}{codes}). Next: annotator import FILE..."
    )


def _scheme_file(ref: str) -> Path:
    """A scheme given as a file, or by a bundled scheme's name."""
    from .resources import bundled_schemes

    path = Path(ref)
    if path.is_file():
        return path
    bundled = bundled_schemes()
    if ref in bundled:
        return bundled[ref]
    raise ProjectError(
        f"{ref}: no such file, and no bundled scheme of that name; the bundled schemes are: "
        f"{', '.join(bundled)}"
    )


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "format_",
    type=LazyChoice(_import_formats),
    help="Read every file as this format instead of detecting it (the formats are "
    "described in the README, 'Transcript formats').",
)
@click.option(
    "--as",
    "annotator",
    metavar="NAME",
    help="Annotator whose layer the spans of a file that names none become "
    "(doccano, brat, Prodigy without an annotator id).",
    callback=_name_given,
)
@click.option(
    "--allow-incomplete",
    is_flag=True,
    help="Accept spans that lack a value of a required attribute (the app marks them "
    "incomplete, to be filled in); without it such a file is refused.",
)
@click.option(
    "--follow-links",
    is_flag=True,
    help="Import files that links inside a folder lead to outside it (skipped otherwise).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse a file the importer warns about (no speaker found, one speaker in a long "
    "text, lines in a speaker convention the format does not read) instead of importing it.",
)
@click.pass_context
def import_(
    ctx: click.Context,
    paths: tuple[Path, ...],
    format_: str | None,
    annotator: str | None,
    allow_incomplete: bool,
    follow_links: bool,
    strict: bool,
) -> None:
    """Import transcripts (text/Markdown, Otter.ai, rev.com, Descript/Trint, Hansard, SRT,
    WebVTT and YouTube captions, Whisper/WhisperX JSON, ParlaMint TEI, ParlParse XML) and
    labelled data (annotator JSONL, Prodigy, doccano, brat, Label Studio, QEvasion CSV).

    Each file is imported whole or not at all; a bad file is reported in one line and the
    others still import. What an importer notices but reads anyway (no speaker found, say)
    is printed as one "warning:" line; with --strict such a file is refused instead. A
    document whose text is already in the project is not added again.
    Folders are searched for files; README files that a folder or glob brings in are skipped,
    and so are links in a folder that lead outside it, unless --follow-links.
    """
    from .io import read_transcript
    from .io.files import expand_paths

    project = _open(ctx)
    expansion = expand_paths(list(paths), follow_links=follow_links)
    files = expansion.files
    for notice in expansion.notices:
        _say(notice, err=True)
    rows: list[dict[str, Any]] = []
    totals = {"documents": 0, "turns": 0, "words": 0, "spans": 0, "questions": 0, "codes": 0}
    failures = 0
    # Files imported since the batch was last saved: their rows and what they add to the
    # totals, counted once saved (a batch lost is reported naming them, never dropped).
    pending: list[tuple[Path, dict[str, Any], dict[str, int]]] = []

    def saved() -> None:
        for _, row, added in pending:
            rows.append(row)
            for key, value in added.items():
                totals[key] += value
        pending.clear()

    def lost(error: ProjectError) -> None:
        nonlocal failures
        failures += len(pending)
        names = ", ".join(str(path) for path, _, _ in pending)
        if pending:
            error = ProjectError(
                f"{error}; so the {count(len(pending), 'file')} imported since the last save "
                f"{'is' if len(pending) == 1 else 'are'} not in the project either: {names}"
            )
        _report(error)
        pending.clear()

    with (
        project.batch() as batch,
        click.progressbar(
            files,
            label="Importing",
            file=sys.stderr,
            show_pos=True,
            item_show_func=lambda p: p and _literal(p.name),
            hidden=len(files) < 2 or not sys.stderr.isatty(),
        ) as bar,
    ):
        for path in bar:
            try:
                # The scheme is read only for a format that needs it (QEvasion's).
                documents = read_transcript(
                    path,
                    format_,
                    follow_links=follow_links,
                    scheme=lambda: project.scheme,
                    real=expansion.real.get(path),
                )
                warnings = list(dict.fromkeys(w for d in documents for w in d.warnings))
                if strict and warnings:
                    failures += 1
                    for warning in warnings:
                        _say(f"error: {_literal(warning)} (refused: --strict)", err=True)
                    continue
                for warning in warnings:
                    _say(f"warning: {_literal(warning)}", err=True)
                # A savepoint of the batch: a file that fails leaves nothing behind.
                results = project.add_documents(
                    documents,
                    annotator=annotator,
                    allow_incomplete=allow_incomplete,
                    origin=str(path),
                )
            except BatchLost as error:
                failures += 1
                lost(ProjectError(f"{path}: not imported: {error}"))
                continue
            except AnnotatorError as error:
                failures += 1
                _report(error)
                continue
            pending.append((path, *_import_row(path, documents, results)))
            if batch.due():
                try:
                    batch.save()
                except ProjectError as error:
                    lost(error)
                saved()
        try:
            batch.save()
        except ProjectError as error:
            lost(error)
        saved()
    # Questions and codes only come with some formats (QEvasion, our jsonl): shown if any.
    units = bool(totals["questions"] or totals["codes"])
    if rows:
        columns = ["file", "documents", "turns", "speakers", "words", "spans"]
        columns += [*(["questions/codes"] if units else []), "result"]
        print_rows(rows, "table", columns=columns, cut=("file",), right=("questions/codes",))
    added = [count(totals["spans"], "span")]
    if units:
        added += [count(totals["questions"], "question"), count(totals["codes"], "code")]
    _say(
        f"{count(totals['documents'], 'new document')} ({count(totals['turns'], 'turn')}, "
        f"{count(totals['words'], 'word')}), {', '.join(added)} added; "
        f"{failures} file(s) failed."
    )
    if failures:
        ctx.exit(1)


def _import_row(
    path: Path, documents: Sequence[ImportedDocument], results: Sequence[AddResult]
) -> tuple[dict[str, Any], dict[str, int]]:
    """A file's row of the import table, and what it adds to the totals."""
    new = [d for d, r in zip(documents, results, strict=True) if r.created]
    spans = sum(r.spans_added for r in results)
    merged = sum(r.spans_merged for r in results)
    questions = sum(r.questions_added for r in results)
    codes = sum(r.codes_added for r in results)
    # A file with several annotators' layers repeats each text once per layer.
    texts = list({d.sha256: d for d in documents}.values())
    speakers = {s for d in texts for s in d.speakers}
    if new:
        result = "imported" if len(new) == len(texts) else f"{len(new)} new"
    else:
        result = "already there" if not (spans or questions or codes) else "added to"
    if merged:
        # The scheme merges overlapping spans of one label, as the app does.
        result += f" ({merged} merged)"
    row = {
        "file": path.name,
        "documents": len(texts),
        "turns": sum(len(d.turns) for d in texts),
        "speakers": len(speakers),
        "words": sum(d.words for d in texts),
        "spans": spans,
        "questions/codes": f"{questions}/{codes}",
        "result": result,
    }
    added = {
        "documents": len(new),
        "turns": sum(len(d.turns) for d in new),
        "words": sum(d.words for d in new),
        "spans": spans,
        "questions": questions,
        "codes": codes,
    }
    return row, added


# Each annotator's status of a document, when the table has no room for the words (README).
STATUS_SYMBOLS = {"new": "-", "in_progress": "~", "done": "✓", "skipped": "s"}


@cli.group(invoke_without_command=True)
@FORMAT_OPTION
@click.pass_context
def documents(ctx: click.Context, format_: str) -> None:
    """List the project's documents with their size and each annotator's status (or delete
    documents: 'annotator documents delete REF...').

    Where the statuses do not fit the terminal as words, they are symbols: - new,
    ~ in progress, ✓ done, s skipped.
    """
    if ctx.invoked_subcommand is not None:
        return
    project = _open(ctx, readonly=True)
    annotators = project.annotators()
    rows: list[dict[str, Any]] = []
    for doc in project.documents():
        row: dict[str, Any] = {
            "id": doc.id,
            "title": doc.title,
            "source": doc.source_name,
            "turns": doc.turns,
            "speakers": len(doc.speakers),
            "words": doc.words,
        }
        for name in annotators:
            row[f"status:{name}"] = doc.statuses.get(name, "new")
        rows.append(row)
    headers = {f"status:{name}": name for name in annotators}
    empty = "No documents yet. Import some with: annotator import FILE..."
    cut = ("title", "source")
    width = _terminal_width()
    if format_ == "table" and rows and annotators and not _roomy(rows, headers, cut, width):
        for row in rows:
            for name in annotators:
                row[f"status:{name}"] = STATUS_SYMBOLS[row[f"status:{name}"]]
        # Annotators' names as long as leaves the titles room (the full names: --format csv).
        for limit in (10, 8, 6, 4, 3):
            short = {key: _middle_cut(name, limit) for key, name in headers.items()}
            if _roomy(rows, short, cut, width, room=12):
                break
        headers = short
        print_rows(rows, format_, headers=headers, cut=cut, empty=empty)
        legend = ", ".join(
            f"{symbol} {s.replace('_', ' ')}" for s, symbol in STATUS_SYMBOLS.items()
        )
        _console().print(_text(f"Status: {legend}."))
        return
    print_rows(rows, format_, headers=headers, cut=cut, empty=empty)


def _roomy(
    rows: list[dict[str, Any]],
    headers: Mapping[str, str],
    cut: Sequence[str],
    width: int,
    *,
    room: int = 16,
) -> bool:
    """Whether the table fits ``width`` with its cut columns ``room`` cells wide or less (so
    titles stay readable)."""
    widths = []
    for key in rows[0]:
        cells = max(cell_len(_table_value(row[key])) for row in rows)
        cells = max(cells, cell_len(display_text(headers.get(key, key), keep_newlines=False)))
        widths.append(min(cells, room) if key in cut else cells)
    return _listing_width(widths) <= width


@documents.command(name="delete")
@click.argument("refs", nargs=-1, required=True, metavar="REF...")
@click.option(
    "--with-spans",
    is_flag=True,
    help="Also delete everyone's spans, questions and codes in the documents (without it, a "
    "document holding any is refused).",
)
@click.option(
    "--as",
    "annotator",
    metavar="NAME",
    help="Record the deletion as NAME's [default: as for annotate].",
    callback=_name_given,
)
@click.pass_context
def documents_delete(
    ctx: click.Context, refs: tuple[str, ...], with_spans: bool, annotator: str | None
) -> None:
    """Delete documents (ids or source file names) with their turns, statuses and change
    log, all in one transaction.

    A document holding anyone's spans, questions or codes is refused (nothing is deleted)
    unless --with-spans. What was deleted (title, sha256, counts, who and when, and the
    deleted spans, questions and codes as JSON) is kept in the project's deletions table.
    """
    project = _open(ctx)
    ids = list(dict.fromkeys(project.find_document(ref).id for ref in refs))
    deletions = project.delete_documents(ids, _author(annotator), with_work=with_spans)
    for deletion in deletions:
        work = ", ".join(
            count(number, noun)
            for number, noun in (
                (deletion.turns, "turn"),
                (deletion.spans, "span"),
                (deletion.questions, "question"),
                (deletion.codes, "code"),
                (deletion.edits, "logged edit"),
            )
        )
        work += f", {deletion.statuses:,} status{'' if deletion.statuses == 1 else 'es'}"
        _say(
            f"Deleted document {deletion.document_id} {_literal(deletion.title)!r} ({work}); "
            f"recorded as deletion {deletion.record_id} in the project's deletions table."
        )


@cli.group(invoke_without_command=True)
@FORMAT_OPTION
@click.pass_context
def annotators(ctx: click.Context, format_: str) -> None:
    """List the annotators: documents by status, spans and codes of each (or rename one:
    'annotator annotators rename OLD NEW'). The gold layer is the reviewers', not listed."""
    if ctx.invoked_subcommand is not None:
        return
    project = _open(ctx, readonly=True)
    print_rows(
        project.annotator_summaries(),
        format_,
        columns=("annotator", *DOCUMENT_STATUSES, "spans", "codes"),
        headers={"in_progress": "in progress"},
        cut=("annotator",),
        empty="No annotators yet: open a document with 'annotator annotate'.",
    )


@annotators.command(name="rename")
@click.argument("old")
@click.argument("new")
@click.pass_context
def annotators_rename(ctx: click.Context, old: str, new: str) -> None:
    """Rename annotator OLD to NEW, keeping all their work (spans, codes, statuses, edits).

    Refuses a NEW already in the project, the reserved name gold, and an unknown OLD.
    Names recorded as text keep the old name: the reviewer of a logged gold edit, and the
    annotators a gold span's provenance names. Your settings file is not changed.
    """
    from .config import config_path, load_config

    project = _open(ctx)
    project.rename_annotator(old, new)
    _say(f"Renamed annotator {_literal(old)!r} to {_literal(new)!r}.")
    try:
        remembered = load_config().annotator
    except AnnotatorError:
        remembered = None  # an unreadable settings file: nothing to say about it here
    if remembered is not None and remembered.strip() == old.strip():
        _say(
            f"Your settings ({_literal(config_path())}) still name you {_literal(old)!r}; they "
            f"were not changed: the app would start a new annotator {_literal(old)!r}. Use "
            f"'annotator annotate --as {_literal(new)}' or change 'annotator:' there."
        )


@cli.command()
@click.option(
    "--annotators",
    "names",
    metavar="A,B,C",
    help="The annotators to share the documents among (comma-separated).",
)
@click.option(
    "--per-document",
    type=int,
    metavar="K",
    help="Give each document to K annotators (for agreement) [default: 1].",
)
@click.option(
    "--overlap",
    type=float,
    metavar="SHARE",
    help="Give each document to one annotator, and this share of them (0-1) to two.",
)
@click.option("--seed", type=int, help="Seed of the random choices: the same seed, the same plan.")
@DOCUMENTS_OPTION
@click.option(
    "--clear",
    metavar="NAME",
    help="Instead: remove NAME's assignments not started yet (started ones stay).",
)
@click.pass_context
def assign(
    ctx: click.Context,
    names: str | None,
    per_document: int | None,
    overlap: float | None,
    seed: int | None,
    document_refs: tuple[str, ...],
    clear: str | None,
) -> None:
    """Share the documents among annotators, balanced by words.

    Adds to what is assigned: a document keeps whoever has it (assigned, or who started or
    finished it) and gains annotators until it has K (--per-document) or, with --overlap,
    one (two for the drawn share). Work begun is never reassigned. Annotators see their
    documents first in the app's document queue ('annotator annotate --assigned-only' shows
    only those). Prints each annotator's assigned documents and words.
    """
    project = _open(ctx)
    if clear is not None:
        if names or per_document is not None or overlap is not None or document_refs:
            raise InvalidValue("--clear NAME takes no other option")
        removed, kept = project.clear_assignments(clear)
        _say(
            f"Removed {count(removed, 'assignment')} of {_literal(clear)!r} not started; "
            f"{kept:,} started or finished stay."
        )
        return
    if not names:
        raise InvalidValue("name the annotators: --annotators A,B,C (or --clear NAME)")
    if seed is None:
        seed = random.SystemRandom().randrange(1_000_000)
    ids = [project.find_document(ref).id for ref in document_refs] or None
    shares, short = project.assign(
        names.split(","), ids, per_document=per_document, overlap=overlap, seed=seed
    )
    print_rows(
        [vars(share) for share in shares],
        "table",
        columns=("annotator", "documents", "words", "added"),
        cut=("annotator",),
    )
    _say(f"Seed {seed} (the same plan again: --seed {seed}).")
    if short:
        listed = ", ".join(map(str, short[:10])) + (", ..." if len(short) > 10 else "")
        _say(
            f"{count(len(short), 'document')} could not get every annotator asked for (too few "
            f"annotators who do not have them yet): {listed}"
        )


@cli.command()
@click.argument("ref", metavar="REF")
@click.option(
    "--as",
    "annotator",
    metavar="NAME",
    help="Whose done [default: as for annotate].",
    callback=_name_given,
)
@click.pass_context
def reopen(ctx: click.Context, ref: str, annotator: str | None) -> None:
    """Reopen a document you marked done, so you can edit it again (done is locked).

    The reopening is recorded with its time in the project's status history."""
    project = _open(ctx)
    document = project.find_document(ref)
    name = _author(annotator)
    project.reopen(document.id, name)
    _say(f"Reopened document {document.id} {_literal(document.title)!r} for {_literal(name)!r}.")


def count(number: int, noun: str) -> str:
    """``"1 span"``, ``"2,000 spans"``."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


@cli.command()
@FORMAT_OPTION
@click.pass_context
def status(ctx: click.Context, format_: str) -> None:
    """Summarise the project: documents, words, annotators, spans per label, progress.

    --format csv or json gives the figures in long form: one row per section, name,
    measure and value.
    """

    project = _open(ctx, readonly=True)
    scheme = project.scheme
    if format_ != "table":
        print_rows(_status_rows(project, project.stats()), format_, columns=STATUS_COLUMNS)
        return
    console = _console()
    documents, words = project.size()  # the first line before the counts that take longer
    console.print(
        _text(
            f"Project {project.path}: scheme {scheme.name} v{scheme.version}; "
            f"{count(documents, 'document')}, {count(words, 'word')}, "
            f"{count(len(project.annotators()), 'annotator')}"
        )
    )
    stats = project.stats()
    gold = stats.gold_per_label
    labels = _figures_table("Spans per label", "label", "spans", *(["gold"] if gold else []))
    known = [label.id for label in scheme.labels]
    for label in known + sorted({*stats.spans_per_label, *gold} - set(known)):
        counts = [stats.spans_per_label.get(label, 0), *([gold.get(label, 0)] if gold else [])]
        labels.add_row(_cell(label), *(f"{n:,}" for n in counts))
    totals = [sum(stats.spans_per_label.values()), *([sum(gold.values())] if gold else [])]
    labels.add_row("total", *(f"{n:,}" for n in totals), style="bold")
    console.print(labels)
    if gold:
        console.print(
            _text(
                f"Gold layer: {count(sum(gold.values()), 'span')}; "
                f"{count(stats.reviewed, 'document')} marked reviewed ('annotator review')."
            )
        )
    if stats.questions:
        coded = sum(stats.codes_per_label.values())
        console.print(
            _text(
                f"Questions: {count(stats.questions, 'question unit')} "
                f"('annotator questions list'); {count(coded, 'question code')} given."
            )
        )
    if scheme.has_unit("question") and stats.codes_per_label:
        # Question codes the annotators gave differently, in the documents to review (none
        # without any code: then each document's look is skipped).
        from .review_questions import open_question_disagreements

        counted = [open_question_disagreements(project, d) for d in project.gold.reviewable()]
        disagreements = sum(total for total, _ in counted)
        if disagreements:
            still = sum(left for _, left in counted)
            where = sum(1 for _, left in counted if left)
            console.print(
                _text(
                    f"Question codes: {count(disagreements, 'disagreement')} in the documents "
                    f"to review, {still:,} still without a gold code"
                    + (f" (in {count(where, 'document')})" if still else "")
                    + "; settle them with 'annotator review' (Q)."
                )
            )
    if stats.incomplete:
        verb = "lacks" if stats.incomplete == 1 else "lack"
        console.print(
            _text(
                f"{count(stats.incomplete, 'span')} {verb} a value of a required attribute "
                "(imported with --allow-incomplete): the app marks them; Enter completes one."
            )
        )
    if stats.annotators:
        progress = _figures_table("Progress", "annotator", *DOCUMENT_STATUSES, "finished")
        for name in stats.annotators:
            by_status = stats.progress[name]
            finished = by_status["done"] + by_status["skipped"]
            share = f"{finished / stats.documents:.0%}" if stats.documents else "-"
            progress.add_row(_cell(name), *(f"{by_status[s]:,}" for s in DOCUMENT_STATUSES), share)
        console.print(progress)
    people = project.progress()
    if people:
        work = _figures_table(
            "Work (who is behind)",
            "annotator",
            "assigned",
            "in progress",
            "done",
            "words done",
            "last activity (UTC)",
        )
        for person in people:
            work.add_row(
                _cell(person.annotator),
                f"{person.assigned:,}",
                f"{person.in_progress:,}",
                f"{person.done:,}",
                f"{person.words_done:,}",
                _activity(person.last_activity),
            )
        console.print(work)


def _figures_table(title: str, name: str, *figures: str) -> Any:
    """A small table of status's (a row per label or annotator): its first column names,
    the others are figures, aligned right (the last activity, a time, too)."""
    from rich.table import Table

    table = Table(title=title, show_edge=False)  # the six columns of work fit 80 columns
    table.add_column(name, min_width=len(name))
    for figure in figures:
        table.add_column(figure, justify="right")
    return table


def _activity(at: str | None) -> str:
    """An edit's stored ISO time (UTC) as ``2026-11-30 19:04``; ``-`` for none."""
    if at is None:
        return "-"
    return f"{at[:10]} {at[11:16]}"


STATUS_COLUMNS = ("section", "name", "measure", "value")


def _status_rows(project: Project, stats: Any) -> list[dict[str, Any]]:
    """``annotator status`` as rows of (section, name, measure, value)."""
    scheme = project.scheme
    rows: list[dict[str, Any]] = [
        {"section": "project", "name": "scheme", "measure": "name", "value": scheme.name},
        {"section": "project", "name": "scheme", "measure": "version", "value": scheme.version},
        {"section": "project", "name": "documents", "measure": "count", "value": stats.documents},
        {"section": "project", "name": "words", "measure": "count", "value": stats.words},
        {
            "section": "project",
            "name": "annotators",
            "measure": "count",
            "value": len(stats.annotators),
        },
        {"section": "project", "name": "questions", "measure": "count", "value": stats.questions},
        {
            "section": "project",
            "name": "incomplete spans",
            "measure": "count",
            "value": stats.incomplete,
        },
        {"section": "project", "name": "reviewed", "measure": "documents", "value": stats.reviewed},
    ]
    known = [label.id for label in scheme.labels]
    gold = stats.gold_per_label
    for label in known + sorted({*stats.spans_per_label, *gold} - set(known)):
        rows.append(
            {
                "section": "spans",
                "name": label,
                "measure": "annotators",
                "value": stats.spans_per_label.get(label, 0),
            }
        )
        rows.append(
            {"section": "spans", "name": label, "measure": "gold", "value": gold.get(label, 0)}
        )
    for label, number in stats.codes_per_label.items():
        rows.append(
            {"section": "question codes", "name": label, "measure": "annotators", "value": number}
        )
    for name in stats.annotators:
        for state, number in stats.progress[name].items():
            rows.append({"section": "progress", "name": name, "measure": state, "value": number})
    for person in project.progress():
        for measure in ("assigned", "in_progress", "done", "words_done", "last_activity"):
            rows.append(
                {
                    "section": "work",
                    "name": person.annotator,
                    "measure": measure,
                    "value": getattr(person, measure),
                }
            )
    return rows


@cli.command(name="export")
@click.option(
    "--format",
    "format_",
    required=True,
    type=LazyChoice(_export_formats),
    help="Output format (see the README for each one's layout and overlap policy).",
)
@click.option(
    "--layer",
    default="all",
    show_default=True,
    metavar="NAME|gold|all",
    help="One annotator's layer, the adjudicated gold layer, or every annotator's.",
)
@click.option(
    "--unit",
    type=LazyChoice(_export_units),
    default="document",
    show_default=True,
    help="One example per document, or per speaker turn (offsets relative to the turn).",
)
@DOCUMENTS_OPTION
@click.option(
    "--status",
    type=click.Choice(["done", "all"]),
    help="Which layers of a document are exported [default: an annotator's where they "
    "opened it, the gold layer where it is marked reviewed]. done: only annotators' layers "
    "marked done; all: also gold layers not yet marked reviewed.",
)
@click.option(
    "--config-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="labelstudio: where to write the labeling config XML made from the scheme "
    "[default: next to the output, as <stem>.config.xml].",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="Output file (a folder for brat); - writes a one-file format to standard output.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace output files (or the brat folder) that already exist.",
)
@click.option(
    "--tokenizer",
    type=LazyChoice(_tokenizers),
    help="prodigy, conll: spacy (spaCy's blank English tokenizer), simple (built in), or "
    "auto: spacy when installed [default: auto].",
)
@click.option(
    "--dataset", metavar="NAME", help="prodigy: the dataset name [default: the scheme's name]."
)
@click.option(
    "--emails",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="labelstudio: a YAML file mapping annotator names to the e-mails of the Label Studio "
    "users they are (alice: alice@uni.edu) [default: <name>@annotator.invalid].",
)
@click.option(
    "--per-annotator",
    is_flag=True,
    default=None,
    help="doccano: one file per annotator (<stem>.<annotator>.jsonl), as doccano exports.",
)
@click.pass_context
def export_(
    ctx: click.Context,
    format_: str,
    layer: str,
    unit: str,
    document_refs: tuple[str, ...],
    status: str | None,
    config_out: Path | None,
    output: Path,
    force: bool,
    tokenizer: str | None,
    dataset: str | None,
    emails: Path | None,
    per_annotator: bool | None,
) -> None:
    """Export labelled documents for NLP tools: jsonl, csv, parquet, prodigy, doccano, brat,
    labelstudio, conll, spacy; and question codes: questions-csv, qevasion.

    Ends with a summary: documents, examples and spans written, and every span that the
    format could not represent as it is, with the reason (nothing is dropped silently).
    """
    from .export import export

    project = _open(ctx, readonly=True)
    with _progress("Exporting", at_least=10) as progress:
        to_stdout = str(output) == "-"
        report = export(
            project,
            format_,
            None if to_stdout else output,
            stream=sys.stdout.buffer if to_stdout else None,
            layer=layer,
            unit=unit,
            documents=document_refs or None,
            status=status,
            progress=progress,
            force=force,
            config_out=config_out,
            tokenizer=tokenizer,
            dataset=dataset,
            emails=_emails(emails) if emails else None,
            per_annotator=per_annotator,
        )

    examples = f" as {count(report.examples, 'turn example')}" if unit == "turn" else ""
    layers = {"all": "every annotator's layer", GOLD: "the gold layer"}.get(
        layer, f"{layer}'s layer"
    )
    # The summary goes to stderr, so that an export to standard output (-o -) stays clean.
    _say(
        f"Exported {count(report.documents, 'document')}{examples} with "
        f"{count(report.spans, 'span')} ({layers}) to {' and '.join(report.outputs)} "
        f"({format_}).",
        err=True,
    )
    for note in report.notes:
        _say(note, err=True)
    if report.tokenizer:
        made_by = {"spacy": "spaCy's blank English tokenizer", "simple": "the built-in tokenizer"}
        _say(f"Tokens by {made_by[report.tokenizer]} (--tokenizer chooses).", err=True)
    if not report.documents:
        _say(
            "No documents matched"
            + ("; none is marked done (press D in the app)." if status == "done" else "."),
            err=True,
        )
    if report.left_out:
        _say("Left out (a layer is exported where its annotator opened the document):", err=True)
        for line in report.left_out:
            _say(f"  {line}", err=True)
    if report.problems:
        _say(f"{count(len(report.problems), 'problem')}: not represented as they are:", err=True)
        for problem in report.problems:
            _say(f"  {problem}", err=True)


def _emails(path: Path) -> dict[str, str]:
    """The annotator -> e-mail mapping of --emails, checked."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ProjectError(f"{path}: cannot read it ({str(error).splitlines()[0]})") from None
    if not isinstance(data, dict) or not all(
        isinstance(name, str) and isinstance(email, str) and "@" in email
        for name, email in data.items()
    ):
        raise ProjectError(
            f"{path}: --emails needs a YAML mapping of annotator names to e-mails, one per line "
            "(alice: alice@example.org)"
        )
    return data


@cli.command()
@click.option(
    "--labels",
    "labels",
    multiple=True,
    metavar="LABEL",
    help="Only this label; repeat for several [default: all].",
)
@click.option(
    "--annotators",
    "annotators",
    multiple=True,
    metavar="NAME",
    help="Only this annotator; repeat for several [default: all].",
)
@DOCUMENTS_OPTION
@click.option(
    "--format",
    "format_",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Rich tables, or JSON / CSV (long format: section,row,column,value) for scripts.",
)
@click.option(
    "--unit",
    type=click.Choice(["span", "question"]),
    default="span",
    show_default=True,
    help="Agree on spans, or on the codes of each question (at every level of the codes).",
)
@click.option(
    "--resamples",
    type=click.IntRange(min=0),
    metavar="N",
    help="Bootstrap resamples for the 95% intervals of --unit question [default: 1000].",
)
@click.pass_context
def agreement(
    ctx: click.Context,
    labels: tuple[str, ...],
    annotators: tuple[str, ...],
    document_refs: tuple[str, ...],
    format_: str,
    unit: str,
    resamples: int | None,
) -> None:
    """Inter-annotator agreement on the documents two or more annotators marked done: on
    their spans, or (--unit question) on the codes of their questions."""
    from .agreement_report import agreement_report, report_rows

    if unit != "span":
        if labels:
            raise click.UsageError("--labels selects span labels; --unit question takes none")
        _unit_agreement(ctx, unit, annotators, document_refs, format_, resamples)
        return
    if resamples is not None:
        raise click.UsageError("--resamples is for --unit question")
    project = _open_to_keep(ctx)
    if labels:  # (counting the spans per label reads a whole index: only when asked)
        known = {x.id for x in project.scheme.labels} | set(project.stats().spans_per_label)
        for label in labels:
            if label not in known:
                raise ProjectError(f"no label {label!r} in the scheme or in any span")
    ids = [project.find_document(ref).id for ref in document_refs] or None
    with _progress("Computing agreement") as progress:
        report = agreement_report(project, labels or None, annotators or None, ids, progress)
    if format_ == "json":
        _say(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    if format_ == "csv":
        _csv(report_rows(report))
        return
    _print_agreement(report)


def _open_to_keep(ctx: click.Context) -> Project:
    """The project, writable where it may be written (a command that only reads but keeps
    figures computed per document, see :mod:`annotator.store.figures`), else read-only."""
    from .errors import AnnotatorError

    try:
        return _open(ctx)
    except AnnotatorError:  # a read-only file or folder: compute without keeping
        return _open(ctx, readonly=True)


@contextmanager
def _progress(label: str, at_least: int = 100) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback drawing a rich progress bar on stderr while the
    work goes on: only when stderr is a terminal and ``total`` reaches ``at_least`` (rich is
    imported only then: a script's run, or a quick one, does without)."""
    with ExitStack() as stack:
        bars: list[tuple[Any, Any]] = []

        def progress(done: int, total: int) -> None:
            if not bars:
                if total < at_least or not sys.stderr.isatty():
                    return
                from rich.console import Console
                from rich.progress import Progress

                bar = stack.enter_context(Progress(console=Console(file=sys.stderr)))
                bars.append((bar, bar.add_task(label, total=total)))
            bar, task = bars[0]
            bar.update(task, completed=done, total=total)

        yield progress


def _csv(rows: list[tuple[str, str, str, object]]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["section", "row", "column", "value"])
    writer.writerows(
        [_literal(cell) if isinstance(cell, str) else cell for cell in row] for row in rows
    )


def _unit_agreement(
    ctx: click.Context,
    unit: str,
    annotators: tuple[str, ...],
    document_refs: tuple[str, ...],
    format_: str,
    resamples: int | None,
) -> None:
    """``agreement --unit question``: the figures of :mod:`annotator.unit_agreement_report`."""
    from .unit_agreement_report import report_rows, unit_agreement_report

    project = _open(ctx, readonly=True)
    ids = [project.find_document(ref).id for ref in document_refs] or None
    report = unit_agreement_report(
        project,
        annotators or None,
        ids,
        unit=unit,
        resamples=1000 if resamples is None else resamples,
    )
    if format_ == "json":
        _say(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    elif format_ == "csv":
        _csv(report_rows(report))
    else:
        _print_unit_agreement(report)


def _number(value: object) -> str:
    if value is None:
        return "-"
    if not isinstance(value, float):
        return str(value)
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text  # a rounding's sign says nothing


def _interval(low: float | None, high: float | None) -> str:
    return "-" if low is None or high is None else f"{low:.3f} – {high:.3f}"


_COEFFICIENT_NAMES = {
    "cohen_kappa": "Cohen κ (mean)",
    "fleiss_kappa": "Fleiss κ",
    "krippendorff_alpha": "Kripp. α",
}


def _print_unit_agreement(report: Any) -> None:
    from rich import box
    from rich.table import Table

    console = _console()
    data = report.to_dict()
    if not report.documents_counted:
        console.print(
            "No document is marked done by two or more annotators yet (press D in the app)."
        )
        return
    console.print(
        _text(
            f"{count(report.documents_counted, 'document')} done by two or more of: "
            + ", ".join(data["annotators"])
            + f"; {count(data['units'], report.unit)}, {data['units_coded_twice']} coded "
            "by two or more."
        )
    )
    _print_versions(console, report.versions)
    figures = [row for row in data["figures"] if row["pair"] is None]
    table = Table(
        "level", "label", "coefficient", "value", "95% CI", "n",
        title=f"Agreement per {report.unit}",
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )  # fmt: skip
    for number, row in enumerate(figures):
        previous = figures[number - 1] if number else None
        first = previous is None or (previous["level"], previous["label"]) != (
            row["level"],
            row["label"],
        )
        if first and previous is not None and previous["level"] != row["level"]:
            table.add_section()
        table.add_row(
            str(row["level"]) if first else "",
            _cell(row["label"] or "overall") if first else "",
            _COEFFICIENT_NAMES[row["coefficient"]],
            _number(row["value"]),
            _interval(row["ci_low"], row["ci_high"]),
            str(row["n"]),
            style="bold" if row["label"] is None else None,
        )
    console.print(table)
    pairs = Table(
        "level", "a", "b", "Cohen κ", "95% CI", "n",
        title="Pairs, over all labels",
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )  # fmt: skip
    for row in data["figures"]:
        if row["pair"] is not None and row["label"] is None:
            pairs.add_row(
                str(row["level"]),
                _cell(row["pair"][0]),
                _cell(row["pair"][1]),
                _number(row["value"]),
                _interval(row["ci_low"], row["ci_high"]),
                str(row["n"]),
            )
    console.print(pairs)
    deepest, bootstrap = data["levels"], data["bootstrap"]
    console.print(
        _text(
            f"Level {deepest}: the codes as given"
            + ("" if deepest == 1 else "; level 1" if deepest == 2 else f"; levels 1-{deepest - 1}")
            + (": each code as its ancestor there" if deepest > 1 else "")
            + ". A label's rows: that label against the rest. n: the units a coefficient used "
            "(Fleiss κ: those every annotator coded). 95% CI: percentile bootstrap over the "
            f"{report.unit}s ({bootstrap['resamples']} resamples; '-' when undefined in more "
            f"than {bootstrap['max_undefined']:.0%} of them). '-' = undefined."
        )
    )


def _print_agreement(report: Any) -> None:
    from rich.table import Table

    console = _console()
    if not report.documents_counted:
        console.print(
            "No document is marked done by two or more annotators yet (press D in the app)."
        )
        return
    console.print(
        _text(
            f"{report.documents_counted} document{'s' if report.documents_counted != 1 else ''} "
            "done by two or more of: " + ", ".join(report.annotators)
        )
    )
    _print_versions(console, report.versions)
    columns = [
        ("spans", "spans"), ("F1 exact", "f1_exact"), ("F1 overlap", "f1_overlap"),
        ("Cohen κ", "cohen_kappa"), ("Fleiss κ", "fleiss_kappa"),
        ("Kripp. α", "krippendorff_alpha"), ("raw agr.", "percent_agreement"),
        ("unitizing α", "unitizing_alpha"),
    ]  # fmt: skip
    table = Table("label", *(c for c, _ in columns), title="Agreement per label")
    for row in report.summary:
        table.add_row(
            _cell(row["label"]),
            *(_number(row[key]) for _, key in columns),
            style="bold" if row is report.summary[-1] else None,
        )
    console.print(table)
    pairs = Table(
        "a", "b", "docs", "F1 exact", "F1 overlap", "Cohen κ", "unitizing α", title="Pairs"
    )
    for row in report.pairs:
        pairs.add_row(
            _cell(row["a"]),
            _cell(row["b"]),
            *(
                _number(row[k])
                for k in ("documents", "f1_exact", "f1_overlap", "cohen_kappa", "unitizing_alpha")
            ),
        )
    console.print(pairs)
    # One row per document, thousands in a study: a plain listing (a Rich table of 2,000
    # rows takes seconds to lay out).
    console.print(_text("Documents, most disagreement first"))
    figures = {
        "F1 exact": "f1_exact",
        "F1 overlap": "f1_overlap",
        "Kripp. α": "krippendorff_alpha",
        "unitizing α": "unitizing_alpha",
    }
    print_rows(
        [
            {
                "id": row["id"],
                "title": row["title"],
                "annotators": ", ".join(row["annotators"]),
                **{name: _number(row[key]) for name, key in figures.items()},
            }
            for row in report.documents
        ],
        "table",
        cut=("title", "annotators"),
        right=tuple(figures),
    )
    tally = report.disagreements
    console.print(
        _text(
            f"Span pairs: {tally.get('agree', 0)} agree; disagreements: "
            f"{tally.get('boundary_only', 0)} boundary only, {tally.get('label_only', 0)} "
            f"label only, {tally.get('other', 0)} other (marked by one side only)."
        )
    )
    if report.confusion:
        swaps = Table("label", "label", "swaps", title="Labels swapped on the same text")
        for row in report.confusion:
            swaps.add_row(_cell(row["label_a"]), _cell(row["label_b"]), str(row["count"]))
        console.print(swaps)
    if report.attributes:
        _print_attributes(console, report.attributes)
    console.print(
        _text(
            "F1: pairwise, no chance correction. κ and α: per character, chance-corrected. "
            "Unitizing α (Krippendorff, as DKPro/INCEpTION) weighs boundaries and lengths; "
            "a label swap on the same text scores far below zero. '-' = undefined."
        )
    )


def _print_attributes(console: Console, rows: list[dict[str, Any]]) -> None:
    """The attribute figures, then a confusion table per attribute and match mode; compact
    (no vertical rules, each label named once) so that they fit 80 columns."""
    from rich import box
    from rich.table import Column, Table

    from .agreement_report import attribute_name

    masi = any("masi_alpha" in row for row in rows)
    table = Table(
        "label", "attribute", "mode", "n", "Cohen κ", "Fleiss κ", "Kripp. α",
        *(["MASI α"] if masi else []),
        title="Attributes, on spans matched between annotators",
        caption=_text(
            "n: matched units. A value not set is (none); a multichoice attribute is compared "
            "as a set (MASI α) and choice by choice ([choice])."
        ),
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )  # fmt: skip
    for number, row in enumerate(rows):
        cells = [
            _number(row[key])
            for key in ("units", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha")
        ]
        if masi:
            cells.append(_number(row["masi_alpha"]) if "masi_alpha" in row else "")
        label = "" if number and rows[number - 1]["label"] == row["label"] else row["label"]
        name = row["attribute"] if row["choice"] is None else f"[{row['choice']}]"
        table.add_row(_cell(label), _cell(name), row["mode"], *cells)
    console.print(table)
    console.print(
        _text("Values of each pair of annotators (rows: the first's, columns: the second's):")
    )
    for row in rows:
        if row["choice"] is not None or not row["confusion"]:
            continue
        seen_a = sorted({cell["a"] for cell in row["confusion"]})
        seen_b = sorted({cell["b"] for cell in row["confusion"]})
        counts = {(cell["a"], cell["b"]): cell["count"] for cell in row["confusion"]}
        matrix = Table(
            Column(header=_cell(f"{attribute_name(row)} ({row['mode']})"), style="bold"),
            *(Column(header=_cell(value), justify="right") for value in seen_b),
            box=box.SIMPLE_HEAD,
            show_edge=False,
        )
        for a in seen_a:
            matrix.add_row(_cell(a), *(str(counts.get((a, b), "")) for b in seen_b))
        console.print()
        console.print(matrix)


@cli.command(name="report")
@click.option(
    "--by",
    "by",
    multiple=True,
    type=LazyChoice(_report_by),
    help="Group by this; repeat to cross groups (--by person --by year) [default: one group].",
)
@click.option(
    "--layer",
    default="all",
    show_default=True,
    metavar="NAME|gold|all",
    help="One annotator's layer, the gold layer, or each annotator's (and their spread).",
)
@DOCUMENTS_OPTION
@click.option(
    "--status",
    type=click.Choice(["done", "all"]),
    help="Which layers count, as for export [default: an annotator's where they opened the "
    "document, gold where it is marked reviewed].",
)
@click.option(
    "--measures",
    "measures",
    multiple=True,
    metavar="PATTERN",
    help="Only measures whose id (or family) matches, e.g. 'commitment*'; repeat for several.",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(LISTING_FORMATS),
    default="table",
    show_default=True,
    help="Tables for reading; csv or json in long format (group, measure, value, n, low, "
    "high...) for programs.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the csv or json to this file instead of standard output.",
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw the figures to this .png or .svg file (needs 'annotator[plots]').",
)
@click.option("--force", is_flag=True, help="Replace output files that already exist.")
@click.pass_context
def report_(
    ctx: click.Context,
    by: tuple[str, ...],
    layer: str,
    document_refs: tuple[str, ...],
    status: str | None,
    measures: tuple[str, ...],
    format_: str,
    output: Path | None,
    plot: Path | None,
    force: bool,
) -> None:
    """Rates behind the labels, per person, role, document, month or year: questions and
    the share answered at each level of the question codes, each span label per 1,000 words
    of the speakers' own words and by its attributes' values; each with its count, its
    denominator and a 95% interval."""
    from .report import build_report
    from .report_output import csv_text, json_text, print_report, save

    if output is not None and format_ == "table":
        raise click.UsageError("-o writes --format csv or json")
    project = _open(ctx, readonly=True)
    plot_format = None
    if plot is not None:
        from .report_plot import plot_format as check_plot

        plot_format = check_plot(str(plot))
    with _progress("Counting", at_least=50) as progress:
        report = build_report(
            project,
            layer=layer,
            by=by,
            documents=document_refs or None,
            status=status,
            measures=measures,
            progress=progress,
            examples=False,  # figures only: nothing here shows what a figure counted
        )
    files: dict[Path, bytes] = {}
    if output is not None:
        text = csv_text(report) if format_ == "csv" else json_text(report)
        files[output] = text.encode("utf-8")
    if plot is not None and plot_format is not None:
        from .report_plot import render

        files[plot] = render(report, plot_format)
    written = save(files, force=force, protected=project_files(project.path))
    if output is None and format_ == "csv":
        click.echo(csv_text(report, _literal), nl=False)
    elif output is None and format_ == "json":
        click.echo(_json_literal(report.to_dict()))
    elif output is None:
        print_report(_console(), report)
    for path in written:
        _say(f"Wrote {_literal(path)}.", err=True)


@cli.group()
def questions() -> None:
    """Questions as units: propose them, list them (then confirm, split, merge and code them
    in the app's question and coding passes)."""


def _author(annotator: str | None) -> str:
    """Who a command's edits are logged as: --as, else the name the app remembers, else the
    login name."""
    from .config import load_config

    if annotator:
        return annotator
    remembered = load_config().annotator
    return remembered or getpass.getuser()


@questions.command(name="propose")
@DOCUMENTS_OPTION
@click.option(
    "--asker",
    "askers",
    multiple=True,
    metavar="NAME",
    help="A speaker who asks (repeat for several; '*': everyone) [default: speakers named "
    "Q, interviewer, moderator, host, presenter, anchor, reporter, journalist, "
    "correspondent, questioner or audience member].",
)
@click.option(
    "--as",
    "annotator",
    metavar="NAME",
    help="Log the edit as NAME [default: as for annotate].",
    callback=_name_given,
)
@click.pass_context
def questions_propose(
    ctx: click.Context,
    document_refs: tuple[str, ...],
    askers: tuple[str, ...],
    annotator: str | None,
) -> None:
    """Propose each document's questions: every sentence ending in "?" in a turn whose
    speaker asks, one question per turn, a part per "?" when it holds several.

    Questions already there are kept and never proposed twice; spans that respond to no
    question and lie in a new question's response region are linked to it. Confirm, split,
    merge, add or delete them in the app's question pass (undo takes this edit back).
    """

    project = _open(ctx)
    ids = [project.find_document(ref).id for ref in document_refs] or None
    with _progress("Proposing questions", at_least=10) as progress:
        results = project.propose_questions(
            _author(annotator), ids, list(askers) or None, progress=progress
        )
    rows = [
        {
            "id": result.document_id,
            "title": result.title,
            "questions": result.questions,
            "parts": result.parts,
            "spans linked": result.linked,
        }
        for result in results
    ]
    print_rows(rows, "table", cut=("title",))
    console = _console()
    proposed = sum(result.questions for result in results)
    if not proposed:
        if any(project.questions(result.document_id) for result in results):
            hint = ": every question found is there already"
        elif not askers:
            hint = " (no speaker asks by default: name them with --asker, or --asker '*')"
        else:
            hint = " (no turn of those speakers holds a question mark)"
        console.print(_text(f"No new questions{hint}."))
    else:
        console.print(
            _text(
                f"Proposed {count(proposed, 'question')} in "
                f"{count(sum(1 for r in results if r.questions), 'document')}; review them in "
                "the app's question pass (annotator annotate)."
            )
        )


@questions.command(name="list")
@DOCUMENTS_OPTION
@FORMAT_OPTION
@click.pass_context
def questions_list(ctx: click.Context, document_refs: tuple[str, ...], format_: str) -> None:
    """List the questions of the documents, with their speaker, status, response region and
    how many annotators coded each."""
    project = _open(ctx, readonly=True)
    ids = [project.find_document(ref).id for ref in document_refs] or [
        d.id for d in project.documents()
    ]
    coded: dict[int, set[str]] = {}
    for code in project.codes("question"):
        if code.annotator != GOLD and code.question_id is not None:
            coded.setdefault(code.question_id, set()).add(code.annotator)
    rows: list[dict[str, Any]] = []
    for document_id in ids:
        questions = project.questions(document_id)
        text = project.document(document_id).text if questions else ""
        for question in questions:
            start, end = question.response
            rows.append(
                {
                    "doc": document_id,
                    "question": question.name,
                    "status": question.status,
                    "speaker": question.speaker,
                    "text": text[question.start : question.end],
                    "response": f"[{start}, {end})",
                    "coders": len(coded.get(question.id, ())),
                }
            )
    print_rows(
        rows,
        format_,
        cut=("text",),
        empty="No questions yet. Propose them with: annotator questions propose",
    )


# ---- speakers ------------------------------------------------------------------------------

SPEAKER_COLUMNS = (
    "label",
    "turns",
    "words",
    "documents",
    "person",
    "role",
    "party",
    "external_id",
    "constituency",
)


def speaker_rows(project: Project) -> list[dict[str, Any]]:
    """The ``annotator speakers`` listing as data: one row per speaker label (most turns
    first), keys :data:`SPEAKER_COLUMNS`; a detail nobody recorded is None."""
    rows = []
    for summary in project.speakers():
        person = summary.person
        rows.append(
            {
                "label": summary.label,
                "turns": summary.turns,
                "words": summary.words,
                "documents": summary.documents,
                "person": person.name if person else None,
                "role": person.role if person else None,
                "party": person.party if person else None,
                "external_id": person.external_id if person else None,
                "constituency": person.constituency if person else None,
            }
        )
    return rows


@cli.group(invoke_without_command=True)
@FORMAT_OPTION
@click.pass_context
def speakers(ctx: click.Context, format_: str) -> None:
    """List the speaker labels with their turns, words, person and role, then the labels that
    probably name one person (suggested, never merged: 'speakers alias' merges them).

    A label is what a transcript calls a speaker (SPEAKER_01, MR. KIRBY); a person is who
    it is. Labels are never rewritten: the subcommands say whom a label names. Roles decide
    who asks when proposing questions (interviewer, moderator, audience ask).
    """
    if ctx.invoked_subcommand is not None:
        return
    project = _open(ctx, readonly=True)
    rows = speaker_rows(project)
    details = [c for c in ("party", "external_id", "constituency") if any(r[c] for r in rows)]
    print_rows(
        rows,
        format_,
        columns=(
            ["label", "turns", "words", "person", "role", *details]
            if format_ == "table"
            else list(SPEAKER_COLUMNS)
        ),
        cut=("label", "person", *details),
        empty="No speakers yet. Import transcripts with: annotator import FILE...",
    )
    if format_ != "table" or not rows:
        return
    suggestions = project.speaker_suggestions()
    if suggestions:
        # Through _say, unwrapped, so that each command can be copied whole.
        _say(
            "Suggested aliases (labels that differ only in case, punctuation or honorific; "
            "merge them only if they are one person):"
        )
        for suggestion in suggestions:
            note = f"  ({suggestion.note})" if suggestion.note else ""
            _say(f"  {', '.join(_literal(label) for label in suggestion.labels)}{note}")
            _say(f"    {_literal(suggestion.command)}")


@speakers.command(name="alias")
@click.argument("labels", nargs=-1, required=True)
@click.option("--as", "person", required=True, metavar="PERSON", help="The person they name.")
@click.pass_context
def speakers_alias(ctx: click.Context, labels: tuple[str, ...], person: str) -> None:
    """Make every LABEL name PERSON (created if new; people left without labels go)."""
    found = _open(ctx).alias_speakers(labels, person)
    names = ", ".join(_literal(label) for label in labels)
    _say(f"{names} now name{'s' if len(labels) == 1 else ''} {_literal(found.name)}.")


@speakers.command(name="role")
@click.argument("person")
@click.argument("role")
@click.option("--party", help="Their party ('' clears it).")
@click.option("--id", "external_id", help="Their id elsewhere: a parliament's, Wikidata's.")
@click.option("--constituency", help="Their constituency.")
@click.pass_context
def speakers_role(
    ctx: click.Context,
    person: str,
    role: str,
    party: str | None,
    external_id: str | None,
    constituency: str | None,
) -> None:
    """Give PERSON (a name, or a label naming them) a ROLE: interviewer, interviewee,
    moderator, audience, other, or none to clear it."""
    details = {"party": party, "external_id": external_id, "constituency": constituency}
    given = {key: value for key, value in details.items() if value is not None}
    found = _open(ctx).set_person(person, role="" if role == "none" else role, **given)
    _say(f"{_literal(found.name)}: role {found.role or 'none'}.")


@speakers.command(name="rename")
@click.argument("label")
@click.argument("name")
@click.pass_context
def speakers_rename(ctx: click.Context, label: str, name: str) -> None:
    """Give the person LABEL names the canonical name NAME (SPEAKER_01 -> Yvette Cooper);
    the label stays in the text."""
    found = _open(ctx).rename_speaker(label, name)
    _say(f"{_literal(label)} now names {_literal(found.name)}.")


@cli.group()
def scheme() -> None:
    """Check and show label schemes."""


@scheme.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check scheme files, reporting every problem as FILE:LINE:COL: message.

    Warnings (FILE:LINE:COL: warning: message) do not make a file invalid.
    """
    from .scheme import load_scheme_file, validate_scheme

    failed = False
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            _say(f"{path}:1:1: cannot read the file: {error}", err=True)
            failed = True
            continue
        problems = validate_scheme(text, source=str(path))
        for problem in problems:
            _say(str(problem), err=True)
        errors = sum(problem.severity == "error" for problem in problems)
        warnings = len(problems) - errors
        if errors:
            failed = True
            also = f" and {count(warnings, 'warning')}" if warnings else ""
            _say(f"{path}: {errors} problem(s){also}", err=True)
        else:
            valid = f"valid ({count(warnings, 'warning')})" if warnings else "valid"
            loaded = load_scheme_file(path)
            codes = "".join(
                f", {count(len(unit.labels), f'{unit.kind} code')}" for unit in loaded.units
            )
            crosswalk = f", crosswalk to {', '.join(loaded.crosswalk)}" if loaded.crosswalk else ""
            _say(
                f"{path}: {valid}: scheme {loaded.name} v{loaded.version}, "
                f"{len(loaded.labels)} labels "
                f"({', '.join(label.id for label in loaded.labels)}){codes}{crosswalk}, "
                f"hash {loaded.hash[:12]}"
            )
    if failed:
        sys.exit(1)


_REVIEW_SHOWN = 20  # spans and codes to review listed without --list


@scheme.command(name="upgrade")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only show what the upgrade would do.")
@click.option("--yes", is_flag=True, help="Apply without asking.")
@click.option(
    "--list",
    "list_all",
    is_flag=True,
    help=f"List every span and code left for review [default: the first {_REVIEW_SHOWN}].",
)
@click.option(
    "--as",
    "upgrader",
    metavar="NAME",
    help="Record the upgrade as NAME's [default: as for annotate].",
    callback=_name_given,
)
@click.pass_context
def scheme_upgrade(
    ctx: click.Context, file: Path, dry_run: bool, yes: bool, list_all: bool, upgrader: str | None
) -> None:
    """Move the project to FILE, a newer version of its scheme.

    Shows what changes (labels, attributes and choices added, removed, renamed with
    renamed_from / renamed_choices) and what becomes of the stored spans and codes: unchanged,
    migrated (rewritten: a label, attribute or choice renamed) or needs review (kept, but the
    new scheme would not accept it as it is). A removed label or attribute that anything
    stored has refuses the upgrade, saying how to keep it. Applies with --yes (or after asking,
    in a terminal) in one transaction: one logged edit per layer it rewrites; everything else
    keeps the hash of the scheme it was made under.
    """
    from .scheme import load_scheme_file
    from .scheme.diff import REVIEW, UNCHANGED
    from .store import SchemeUnchanged, UpgradeRefused

    new = load_scheme_file(file)
    project = _open(ctx, readonly=dry_run)
    old = project.scheme
    try:
        plan = project.plan_scheme_upgrade(new)
    except SchemeUnchanged as unchanged:
        _say(f"{file}: {unchanged}")
        return
    console = _console()
    console.print(
        _text(
            f"Upgrade {old.name} v{old.version} ({old.hash[:12]}) → v{new.version} "
            f"({new.hash[:12]}) from {file}"
        )
    )
    _print_upgrade(console, plan, list_all)
    refusals = plan.refusals()
    if refusals:
        raise UpgradeRefused(refusals)
    if not plan.diff.changed and not plan.diff.settings and not plan.diff.units:
        console.print(_text("Only the scheme's description or version changes."))
    if dry_run:
        console.print(_text("Dry run: nothing was changed. Apply with --yes."))
        return
    if not yes:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise ProjectError("not applied: add --yes to apply it (nothing was changed)")
        if not click.confirm("Apply this upgrade?", default=False):
            _say("Not applied; nothing was changed.")
            return
    record = project.upgrade_scheme(new, _author(upgrader))
    # From the record: the plan is made again under the write lock, on what is there then.
    outcomes: Counter[str] = Counter()
    for row in record.summary["counts"]:
        outcomes[row["outcome"]] += row["n"]
    review = outcomes[REVIEW]
    _say(
        f"Upgraded {new.name} to v{new.version}: {count(record.rewritten, 'item')} rewritten "
        f"in {count(record.edits, 'logged edit')} (one per layer), "
        f"{count(outcomes[UNCHANGED], 'item')} unchanged"
        + (f", {review:,} to review" if review else "")
        + f"; recorded as upgrade {record.id}."
    )


def _print_upgrade(console: Console, plan: UpgradePlan, list_all: bool) -> None:
    """What an upgrade changes, and does to the stored spans and codes: rich tables, every
    text from the files and the data shown literally."""
    from rich.table import Column, Table

    from .scheme.diff import OUTCOMES, REVIEW, where

    diff = plan.diff
    changes = Table("of", Column("label", overflow="fold"), "status", "change", title="Changes")
    for change in diff.changed:
        changes.add_row(
            _cell(where(change.unit)),
            _cell(change.name),
            _cell(change.status),
            _cell("\n".join(change.changes)),
        )
    for line in (*diff.units, *diff.settings):
        changes.add_row(_cell("units" if line in diff.units else "settings"), "", "", _cell(line))
    if changes.rows:
        console.print(changes)
    if diff.settings:
        console.print(
            _text(
                "Settings apply to edits from now on: spans already stored are not checked "
                "against them again."
            )
        )
    counts = plan.counts()
    if counts:
        effect = Table(
            "of",
            Column("label", overflow="fold"),
            *(Column(outcome, justify="right") for outcome in OUTCOMES),
            title="Stored spans and codes",
        )
        for (unit, label), by_outcome in counts.items():
            found = diff.by_old(unit, label)
            name = found.name if found is not None else label
            effect.add_row(
                _cell(where(unit)),
                _cell(name),
                *(
                    f"{by_outcome[outcome]:,}" if by_outcome[outcome] else "-"
                    for outcome in OUTCOMES
                ),
            )
        console.print(effect)
    else:
        console.print(_text("No spans or codes are stored yet."))
    # What agreement will compare apart (annotator/versions.py), for the labels with work.
    version = f"v{diff.new.version}"
    for change in diff.changed:
        if not change.definitional or not counts.get((change.unit, change.old_id or "")):
            continue
        if change.moved:
            console.print(
                _text(
                    f"{where(change.unit)} {change.name} moves in the hierarchy: agreement will "
                    f"compare it only where all its {'spans' if change.unit is None else 'codes'}"
                    f" are made under {version}."
                )
            )
        for attribute in change.attributes:
            if attribute.definitional and attribute.new is not None:
                console.print(
                    _text(
                        f"{where(change.unit)} {change.name}, attribute {attribute.id} "
                        f"{'is new' if attribute.old is None else 'changes'}: agreement on it "
                        f"will use only documents where all such spans are made under {version}."
                    )
                )
    review = [p for p in plan.items if p.outcome == REVIEW]
    if review:
        shown = review if list_all else review[:_REVIEW_SHOWN]
        table = Table(
            "item", "id", Column("where", overflow="fold"), "label", Column("why", overflow="fold"),
            title="Needs review",
        )  # fmt: skip
        for p in shown:
            table.add_row(
                _cell("span" if p.item.unit is None else f"{p.item.unit} code"),
                str(p.item.id),
                _cell(p.item.place),
                _cell(p.label),
                _cell("; ".join(p.reasons)),
            )
        console.print(table)
        if len(shown) < len(review):
            console.print(_text(f"… and {len(review) - len(shown):,} more (--list shows all)."))


def _print_versions(console: Console, notes: Sequence[str]) -> None:
    """What an agreement report compared across scheme versions (annotator/versions.py)."""
    for note in notes:
        console.print(_text(f"Scheme versions: {note}."))


@scheme.command()
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.pass_context
def show(ctx: click.Context, file: Path | None) -> None:
    """Show the project's scheme (or FILE's) as tables: its span labels, its unit codes, and
    its crosswalk to other schemes."""
    from rich.table import Table

    from .scheme import load_scheme_file

    loaded = load_scheme_file(file) if file else _open(ctx.find_root(), readonly=True).scheme
    console = _console()
    console.print(_scheme_table(loaded))
    for unit in loaded.units:
        which = "leaves only" if unit.selectable == "leaves" else "any label"
        caption = f"one code per {unit.kind} and annotator; codable: {which}"
        console.print(_labels_table(f"{unit.kind} codes", unit.labels, caption))
    if loaded.crosswalk:
        crosswalk = Table("scheme", "category", "here", title=_text("crosswalk"))
        for other, ids in loaded.crosswalk.items():
            for category, ours in ids.items():
                crosswalk.add_row(_cell(other), _cell(category), _cell(ours))
        console.print(crosswalk)


@scheme.command(name="export")
@click.argument("file", required=False, metavar="[FILE|NAME]")
@click.option(
    "--format",
    "format_",
    type=LazyChoice(_codebook_formats),
    help="Markdown or one self-contained HTML file [default: html for -o *.html or *.htm, "
    "else md].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the codebook to this file (in one step) [default: standard output].",
)
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.option(
    "--agreement",
    "with_agreement",
    is_flag=True,
    help="Add the project's agreement per label, computed now (the project's scheme only).",
)
@click.pass_context
def scheme_export(
    ctx: click.Context,
    file: str | None,
    format_: str | None,
    output: Path | None,
    force: bool,
    with_agreement: bool,
) -> None:
    """The scheme as a codebook, the document a study publishes and coders train with: labels
    and unit codes in hierarchy order with their keys, definitions, examples and attributes;
    the scheme's name, version, hash and settings; its crosswalk.

    Exports the project's scheme, or FILE's (a scheme file, or a bundled scheme's name).
    """
    from .codebook import agreement_tables, render
    from .files import OutputError, staged
    from .scheme import load_scheme_file

    to_stdout = output is None or str(output) == "-"
    if format_ is None:
        suffix = "" if to_stdout or output is None else output.suffix.lower()
        if suffix in (".html", ".htm"):
            format_ = "html"
        elif suffix in ("", ".md", ".markdown"):
            format_ = "md"
        else:
            raise OutputError(
                f"{output}: cannot tell the format from {suffix!r}; give --format md or "
                "--format html"
            )
    if file is not None and with_agreement:
        raise click.UsageError(
            "--agreement reads the project's annotations, so it exports the project's scheme: "
            "leave out FILE"
        )
    db = ctx.find_root().obj["db"]
    if file is not None:
        loaded = load_scheme_file(_scheme_file(file))
        tables = None
    else:
        project = _open(ctx.find_root(), readonly=True)
        loaded = project.scheme
        tables = agreement_tables(project) if with_agreement else None
    text = render(loaded, format_, tables)
    if to_stdout:
        _say(text.rstrip("\n"))
        return
    assert output is not None
    with staged(force=force, protected=project_files(db)) as staging:
        staging.path(output).write_text(text, encoding="utf-8")
        staging.commit()
    _say(
        f"Wrote the codebook of {loaded.name} v{loaded.version} to {_literal(output)} ({format_}).",
        err=True,
    )


def _scheme_table(scheme: Scheme) -> Table:
    settings = scheme.settings
    return _labels_table(
        f"{scheme.name} v{scheme.version} ({scheme.hash[:12]})",
        scheme.labels,
        f"overlap {'allowed' if settings.allow_overlap else 'refused'}, nesting "
        f"{'allowed' if settings.allow_nesting else 'refused'}, same-label overlap: "
        f"{settings.same_label_overlap}, snapping unit: {settings.snap}",
    )


def _labels_table(title: str, labels: Sequence[Label], caption: str) -> Table:
    # Ids fold rather than end in "…" in a narrow terminal: they are what a user types. A
    # column of attributes is shown only when some label has one.
    from rich.table import Column, Table
    from rich.text import Text

    with_attributes = any(label.attributes for label in labels)
    table = Table(
        "key",
        Column("label", overflow="fold"),
        "name",
        "colour",
        Column("parent", overflow="fold"),
        *(["attributes"] if with_attributes else []),
        title=_text(title),
        caption=caption,
        show_lines=True,
    )
    for label in labels:
        attributes = []
        for attribute in label.attributes:
            kind = attribute.type
            if attribute.type == "choice":
                kind = "|".join(attribute.choices)
            elif attribute.type == "multichoice":
                kind = "any of " + "|".join(attribute.choices)
            flag = "*" if attribute.required else ""
            attributes.append(f"{attribute.id}{flag}: {kind}")
        table.add_row(
            _cell(label.hotkey or ""),
            _cell(label.id + (" (deprecated)" if label.deprecated else "")),
            _cell(label.name),
            Text("██ ", style=label.color) + _cell(label.color),
            _cell(label.parent or ""),
            *([_cell("\n".join(attributes))] if with_attributes else []),
        )
    return table


@cli.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--trusted-header",
    metavar="HEADER",
    help="Take the (invited) name from this header, set by a reverse proxy that signs people "
    "in (e.g. X-Remote-User), instead of personal links.",
)
@click.option(
    "--public-url",
    metavar="URL",
    help="The address browsers use, behind a reverse proxy (e.g. https://annotate.example.org).",
)
@click.pass_context
def serve(
    ctx: click.Context, host: str, port: int, trusted_header: str | None, public_url: str | None
) -> None:
    """Open the app in a browser, one process per browser tab, for invited people only.

    Invite each person ('annotator serve invite NAME'): their personal link opens the app as
    them, as an annotator, or for a reviewer or the lead as 'annotator review'.
    """
    if ctx.invoked_subcommand is not None:
        return
    from .serve.session import INSTALL_HINT, binding_notice, check_header

    try:
        from .serve import web
    except ImportError:
        raise click.ClickException(INSTALL_HINT) from None
    if trusted_header is not None:
        try:
            check_header(trusted_header)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--trusted-header") from None
    _open(ctx).close()  # brings the project's schema up to date, or says why it cannot
    _say(binding_notice(host, port))
    if trusted_header is not None:
        _say(f"Trusting the {trusted_header} header: only a reverse proxy must reach this port.")
    web.serve(
        web.ServeConfig(
            db=ctx.obj["db"],
            host=host,
            port=port,
            trusted_header=trusted_header,
            public_url=public_url,
        )
    )


@serve.command(name="invite")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="annotator",
    show_default=True,
    help="annotator: 'annotate --as NAME'; reviewer, lead: 'review --as NAME'.",
)
@click.option(
    "--url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="The server's address as the invited person reaches it.",
)
@click.pass_context
def serve_invite(ctx: click.Context, name: str, role: str, url: str) -> None:
    """Print NAME's personal link (inviting them again gives a new link; the old one stops
    working). Only a hash of its secret is kept: keep the link private."""
    from .serve.session import invite_link

    token = Invites(_open(ctx).connection).invite(name, role)
    _say(f"Invited {name} as {role}. Their personal link (shown only now):")
    _say(invite_link(url, token))


@serve.command(name="revoke")
@click.argument("name")
@click.pass_context
def serve_revoke(ctx: click.Context, name: str) -> None:
    """Take back NAME's invite: their link no longer opens the app (open tabs run on)."""
    Invites(_open(ctx).connection).revoke(name)
    _say(f"Revoked {name}'s invite.")


@serve.command(name="invites")
@FORMAT_OPTION
@click.pass_context
def serve_invites(ctx: click.Context, format_: str) -> None:
    """List who is invited: name, role, and when (never their links)."""
    invites = Invites(_open(ctx, readonly=True).connection).list()
    print_rows(
        [{"name": i.name, "role": i.role, "created": i.created_at} for i in invites],
        format_,
        columns=("name", "role", "created"),
        cut=("name",),
        empty="Nobody is invited: 'annotator serve invite NAME'.",
    )


def main() -> None:
    cli(prog_name="annotator")
