"""Exporting a project's labels: the registry of formats and the one entry point, :func:`export`.

Every format is a module ``annotator.export.<module>`` with one function::

    write(examples: Iterable[Example], path: Path, scheme: Scheme, report: ExportReport,
          **options) -> None

that writes ``path`` (a file, or a folder for ``folder`` formats) from the examples that
:func:`~annotator.export.examples.collect` yields, and adds to the report whatever the format
cannot represent. A writer may put more files beside ``path`` (one per annotator, a second
table): :func:`export` hands it a ``path`` in a private staging folder next to the target
(:class:`annotator.files.Staging`) and, once the writer is done, puts every file it wrote in
place at once, each flushed to disk and renamed over its target, and lists them in
``report.outputs``. So an export never leaves a cut-down file, never writes the project
database, and replaces an existing file only when asked to (``force``). Modules are imported
only when their format is used, so optional dependencies (spaCy, pyarrow) cost nothing until
then, and a format whose module or dependency is missing is refused with one line saying what
to install.

A format declares the ``--unit`` values it accepts (the question tables have a row per
question unit, so no turn examples) and whether it carries questions, unit codes and span
links to questions (the span tables, ``csv`` and ``parquet``, carry only the links); when a
format (or a turn export) leaves those out, the report says how many.
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from ..files import staged
from ..scheme import Scheme
from ..store import Project, ProjectError, project_files
from .examples import LAYER_ALL, LAYER_GOLD, UNITS, Example, ExportReport, collect, select

__all__ = [
    "EXPORT_FORMATS",
    "LAYER_ALL",
    "LAYER_GOLD",
    "UNITS",
    "Example",
    "ExportFormat",
    "ExportReport",
    "Progress",
    "collect",
    "export",
]

# Writer options that name another file to write (staged and put in place like the output).
PATH_OPTIONS = {"config_out"}

# Called with (documents done, documents in the export) as the export advances.
Progress = Callable[[int, int], None]


class Writer(Protocol):
    def __call__(
        self,
        examples: Iterable[Example],
        path: Path,
        scheme: Scheme,
        report: ExportReport,
        **options: Any,
    ) -> None: ...


@dataclass(frozen=True)
class ExportFormat:
    """One export format: where its writer lives and what it writes."""

    name: str
    description: str
    default_suffix: str  # of the file, or "" for a folder
    folder: bool = False  # the output path is a folder of files
    module: str = ""  # default: annotator.export.<name>
    requires: tuple[str, ...] = ()  # importable modules the writer needs
    extra: str | None = None  # the pip extra that installs them
    options: tuple[str, ...] = ()  # keyword options ``write`` accepts (e.g. config_out)
    second_file: bool = False  # always writes another file beside the first (not to stdout)
    units: tuple[str, ...] = UNITS  # the --unit values it accepts
    questions: bool = False  # carries questions, unit codes and span links to questions
    links: bool = False  # carries span links to questions (without the questions themselves)

    @property
    def module_name(self) -> str:
        return f"{__name__}.{self.module or self.name}"

    def missing(self) -> str | None:
        """Why this format cannot be used here, or None when it can."""
        absent = [name for name in self.requires if importlib.util.find_spec(name) is None]
        if absent:
            install = f"pip install 'annotator[{self.extra}]'" if self.extra else "install it"
            return f"{self.name} export needs {', '.join(absent)}: {install}"
        if importlib.util.find_spec(self.module_name) is None:
            return f"the {self.name} format is not available in this version of annotator"
        return None

    def writer(self) -> Writer:
        """The format's ``write`` function, or a ProjectError saying why it is unavailable."""
        problem = self.missing()
        if problem:
            raise ProjectError(problem)
        return importlib.import_module(self.module_name).write  # type: ignore[no-any-return]


EXPORT_FORMATS: dict[str, ExportFormat] = {
    fmt.name: fmt
    for fmt in (
        ExportFormat(
            "jsonl", "native JSON Lines, everything the project knows", ".jsonl", questions=True
        ),
        ExportFormat("csv", "one row per span", ".csv", links=True),
        ExportFormat(
            "questions-csv",
            "one row per question unit and annotator (coded or not): codes, levels, span counts",
            ".csv",
            module="questions_csv",
            units=("document",),
            questions=True,
        ),
        ExportFormat(
            "qevasion",
            "QEvasion (CLARITY) CSV: one row per coded question unit and annotator",
            ".csv",
            units=("document",),
            questions=True,
        ),
        ExportFormat(
            "parquet",
            "span table + documents table (Apache Parquet)",
            ".parquet",
            requires=("pyarrow",),
            extra="parquet",
            second_file=True,
            links=True,
        ),
        ExportFormat(
            "prodigy", "Prodigy spans_manual JSONL", ".jsonl", options=("dataset", "tokenizer")
        ),
        ExportFormat(
            "doccano", "doccano sequence-labelling JSONL", ".jsonl", options=("per_annotator",)
        ),
        ExportFormat("brat", "brat standoff folder (.txt/.ann + annotation.conf)", "", True),
        ExportFormat(
            "labelstudio",
            "Label Studio JSON tasks (+ labeling config with --config-out)",
            ".json",
            options=("config_out", "emails"),
        ),
        ExportFormat(
            "conll", "token-level BIO, one tag column per label", ".conll", options=("tokenizer",)
        ),
        ExportFormat(
            "spacy",
            "spaCy DocBin (.spacy) with doc.spans['sc'] and doc.ents",
            ".spacy",
            requires=("spacy",),
            extra="spacy",
        ),
    )
}


def export_format(name: str) -> ExportFormat:
    try:
        return EXPORT_FORMATS[name]
    except KeyError:
        raise ProjectError(
            f"unknown export format {name!r}; use one of {', '.join(EXPORT_FORMATS)}"
        ) from None


def export(
    project: Project,
    format: str,
    path: str | Path | None,
    *,
    layer: str = LAYER_ALL,
    unit: str = "document",
    documents: Sequence[str] | None = None,
    status: str | None = None,
    progress: Progress | None = None,
    force: bool = False,
    stream: BinaryIO | None = None,
    **options: Any,
) -> ExportReport:
    """Write the project's labels to ``path`` in ``format``; return what was written and
    everything that could not be represented (never dropped silently).

    ``layer``, ``unit``, ``documents`` and ``status`` choose the examples (see
    :func:`~annotator.export.examples.collect`); ``options`` go to the format's writer
    (only those it declares, e.g. ``config_out`` for Label Studio; ``None`` values are left
    out). With ``stream`` instead of ``path``, a format that writes one file writes it there
    (standard output, say). Every user mistake raises
    :class:`~annotator.store.ProjectError` before anything is written.
    """
    fmt = export_format(format)
    if unit in UNITS and unit not in fmt.units:
        raise ProjectError(
            f"{fmt.name} export has one row per question unit, not per turn; "
            f"use --unit {' or '.join(fmt.units)}"
        )
    given = {key: value for key, value in options.items() if value is not None}
    for key in given:
        if key not in fmt.options:
            option = "--" + key.replace("_", "-")
            users = [f.name for f in EXPORT_FORMATS.values() if key in f.options]
            raise ProjectError(f"{option} only applies to --format {' or '.join(users) or '?'}")
    write = fmt.writer()
    if (path is None) == (stream is None):
        raise ValueError("give a path or a stream to export to")
    if stream is not None and (fmt.folder or fmt.second_file):
        raise ProjectError(
            f"{fmt.name} export writes more than one file: give -o a "
            f"{'folder' if fmt.folder else 'file'} name, not -"
        )
    chosen = select(project, layer=layer, unit=unit, documents=documents, status=status)
    report = ExportReport()
    with staged(force=force, protected=project_files(project.path)) as staging:
        for key in PATH_OPTIONS & given.keys():
            given[key] = staging.path(Path(given[key]))
        with tempfile.TemporaryDirectory() as scratch:
            if stream is None:
                target = staging.path(_output_path(Path(str(path)), fmt))
            else:
                target = Path(scratch) / f"export{fmt.default_suffix}"
            examples = collect(project, layer=layer, unit=unit, selection=chosen, report=report)
            write(
                _counted(examples, report, len(chosen.document_ids), progress),
                target,
                project.scheme,
                report,
                **given,
            )
            if stream is not None:
                written = sorted(Path(scratch).iterdir())
                if len(written) != 1:
                    names = ", ".join(p.name for p in written)
                    raise ProjectError(
                        f"this {fmt.name} export writes {len(written)} files ({names}): give -o "
                        "a file name, not -"
                    )
                with open(written[0], "rb") as source:
                    shutil.copyfileobj(source, stream)
                stream.flush()
        report.outputs = [str(output) for output in staging.commit()]
        if stream is not None:
            report.outputs.insert(0, "standard output")
    _questions_left_out(report, fmt, unit)
    return report


def _questions_left_out(report: ExportReport, fmt: ExportFormat, unit: str) -> None:
    """Say so when the questions, unit codes and span links of the export are not in it: a
    format that carries none of them says which formats do; one that carries the links, or
    all of them, that a turn export leaves them out."""
    if fmt.questions and unit == "document":
        return
    counts = {
        "questions": (report.questions, "question", "questions"),
        "codes": (report.codes, "unit code", "unit codes"),
        "links": (report.links, "span's link to a question", "spans' links to questions"),
    }
    if fmt.questions:
        groups = [(list(counts), "turn examples", "export with --unit document")]
    elif fmt.links:
        groups = [
            (["questions", "codes"], f"{fmt.name} files", _QUESTION_FORMATS),
            (
                ["links"] if unit != "document" else [],
                "turn examples",
                "export with --unit document",
            ),
        ]
    else:
        groups = [(list(counts), f"{fmt.name} files", _QUESTION_FORMATS)]
    for keys, where, fix in groups:
        items = [
            f"{number} {one if number == 1 else many}"
            for number, one, many in (counts[key] for key in keys)
            if number
        ]
        if items:
            listed = ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + items[-1]
            report.problems.append(f"{listed} cannot go into {where}; {fix}")


_QUESTION_FORMATS = "export them with --format jsonl, questions-csv or qevasion"


def _output_path(path: Path, fmt: ExportFormat) -> Path:
    """Check the output path's kind before anything is read or written."""
    if fmt.folder:
        if path.exists() and not path.is_dir():
            raise ProjectError(f"{path}: is a file; {fmt.name} export writes a folder")
        if not path.parent.is_dir():
            raise ProjectError(f"{path}: the folder {path.parent} does not exist")
    else:
        if path.is_dir():
            example = f"out{fmt.default_suffix}"
            raise ProjectError(f"{path}: is a folder; give a file name such as {example}")
        if not path.parent.is_dir():
            raise ProjectError(f"{path}: the folder {path.parent} does not exist")
    return path


def _counted(
    examples: Iterable[Example], report: ExportReport, total: int, progress: Progress | None
) -> Iterator[Example]:
    """Pass the examples on, counting them in the report and telling ``progress``."""
    current: int | None = None
    done = 0
    if progress:
        progress(0, total)
    for example in examples:
        if example.document_id != current:
            if current is not None:
                done += 1
                if progress:
                    progress(done, total)
            current = example.document_id
            report.documents += 1
        report.examples += 1
        report.spans += len(example.spans)
        yield example
    if progress:
        progress(total, total)
