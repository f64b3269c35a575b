"""Agreement figures for a whole project: what ``annotator agreement`` prints.

Pure (no UI): :func:`agreement_report` reads a :class:`~annotator.store.Project` and returns
an :class:`AgreementReport` whose :meth:`~AgreementReport.to_dict` is the JSON output.

Which data count (``docs/architecture.md``, "Agreement"):

- A document counts when at least two of the selected annotators marked it ``done``. For
  that document, only those annotators count; anyone else is *missing*, not "no spans".
- Span F1 and Cohen's kappa are pairwise, over the documents both annotators did; the
  overall figure is the mean over pairs (pairs with no spans at all on either side are
  left out of the F1 mean and counted). F1 within a pair is micro-averaged over documents.
- Fleiss' kappa and Krippendorff's alpha use one item per character of every counted
  document (value: :func:`~annotator.agreement.character_labels`), missing where an
  annotator did not do the document. Fleiss' kappa needs the same number of ratings per
  item, so it uses only the documents every selected annotator did.
- Unitizing alpha has no notion of missing data: it is computed on one continuum that
  concatenates (offsets re-based) the documents every selected annotator did; in the pair
  matrix, the documents both did.
- Per label: F1 on that label's spans only; kappa/alpha on binary "label or O" values.
- Attributes (``attributes``): for every choice, boolean and multichoice attribute of every
  label, on the spans of that label that annotators matched (exactly, and by same-label
  overlap), grouped into units of at most one span per annotator
  (:func:`~annotator.agreement.match_units`); n is the number of units. Cohen's kappa
  (mean over pairs), Fleiss' kappa (units every annotator matched) and nominal
  Krippendorff's alpha (a unit some annotators did not match has their values missing), and
  the confusion of values pooled over pairs (:func:`~annotator.agreement.value_agreement`).
  An attribute a span does not set has the value ``"(none)"``. A multichoice attribute
  gets its set of choices as one value (exact agreement on the set), ``masi_alpha``
  (Krippendorff's alpha with the MASI distance, a span without the attribute holding the
  empty set), and a row per choice with ``present``/``absent`` values.
- Scheme versions (:mod:`annotator.versions`): a label counts in a document only when all its
  spans there were made under a version that defines it as the current scheme does; the
  report's ``versions`` says what was left out (nothing, when every span is current).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import combinations
from pathlib import Path
from statistics import fmean
from typing import Any, cast

from .agreement import (
    Coefficient,
    MatchMode,
    SpanScore,
    cohen_kappa_of_table,
    fleiss_kappa_of_table,
    krippendorff_alpha_masi_of_columns,
    krippendorff_alpha_of_columns,
    value_agreement,
)
from .agreement_parts import (
    ALL_KEY,
    PARTS,
    Chains,
    Layers,
    Totals,
    columns,
    document_parts,
    pair_table,
    summary,
    unitizing,
)
from .bulk import paused_gc
from .errors import AnnotatorError, ProjectError, UnknownItem
from .model import Span
from .scheme import Attribute, Scheme
from .store import Project
from .store.figures import encoded
from .versions import Comparison, SchemeVersions

ALL = "(all)"
NONE = "(none)"  # the value of an attribute a span does not set
Spans = list[tuple[str, int, int]]
Values = Mapping[str, Any]  # a span's attributes
_CATEGORICAL = ("choice", "boolean", "multichoice")


@dataclass
class AgreementReport:
    """The figures of one agreement run; every value is JSON-ready (None = undefined)."""

    annotators: list[str]
    labels: list[str]
    documents_counted: int
    summary: list[dict[str, Any]] = field(default_factory=list)  # per label, then (all)
    pairs: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)  # most disagreement first
    confusion: list[dict[str, Any]] = field(default_factory=list)
    disagreements: dict[str, int] = field(default_factory=dict)
    attributes: list[dict[str, Any]] = field(default_factory=list)  # per label, attribute, mode
    versions: list[str] = field(default_factory=list)  # what the scheme versions left out

    def to_dict(self) -> dict[str, Any]:
        return {
            "annotators": self.annotators,
            "labels": self.labels,
            "documents_counted": self.documents_counted,
            "summary": self.summary,
            "pairs": self.pairs,
            "documents": self.documents,
            "confusion": self.confusion,
            "disagreements": self.disagreements,
            "attributes": self.attributes,
            "versions": self.versions,
        }


def _value(coefficient: Coefficient) -> float | None:
    return coefficient.value


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return fmean(present) if present else None


def project_stamp(project: Project) -> str:
    """What every kept figure depends on beyond its document: the scheme and its versions."""
    versions = sorted(project.scheme_versions())
    return project.kept.project_stamp(project.scheme.hash, ",".join(versions))


def _counted(
    project: Project, annotators: Sequence[str] | None, documents: Sequence[int] | None
) -> tuple[list[tuple[int, str, list[str]]], list[str]]:
    """The documents that count (id, title, the chosen annotators who did it), in id order;
    and the chosen annotators."""
    known = project.annotators()
    for name in annotators or ():
        if name not in known:
            raise ProjectError(f"no annotator called {name!r} in this project")
    chosen = list(annotators) if annotators else known
    wanted = set(documents) if documents else None
    listed = project.document_statuses()
    if wanted is not None:
        missing = wanted - {document_id for document_id, _, _ in listed}
        if missing:
            raise ProjectError(f"no document with id {min(missing)} in this project")
    counted = []
    for document_id, title, statuses in listed:
        if wanted is not None and document_id not in wanted:
            continue
        done = [a for a in chosen if statuses.get(a) == "done"]
        if len(done) >= 2:
            counted.append((document_id, title, done))
    return counted, chosen


_NO_VALUES: Values = {}  # the values of a span whose label has no categorical attribute


class _Reader:
    """Computes documents' parts from the store: one query for the spans of many documents,
    the texts' lengths without the texts; :class:`~annotator.model.Span` values only where a
    span was made under an older scheme (the versions' rule needs them)."""

    def __init__(self, project: Project, label_set: set[str] | None, versions: SchemeVersions):
        self.project = project
        self.label_set = label_set
        self.versions = versions
        self.current = versions.current.hash  # (the project's scheme, as parsed by the caller)
        self._attributes: dict[str, list[str]] = {}
        self._multichoice: set[str] = set()  # labels with a multichoice attribute
        self._parsed: dict[str, Values] = {}

    def attributes(self, label: str) -> list[str]:
        """The ids of a label's categorical attributes in the current scheme."""
        if label not in self._attributes:
            try:
                found = self.versions.current.label(label).attributes
            except UnknownItem:  # a label only older scheme versions had
                found = ()
            self._attributes[label] = [a.id for a in found if a.type in _CATEGORICAL]
            if any(a.type == "multichoice" for a in found):
                self._multichoice.add(label)
        return self._attributes[label]

    def parts(
        self,
        documents: Sequence[tuple[int, str, list[str]]],
        progress: Callable[[int, int], None] | None = None,
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Each document's :func:`~annotator.agreement_parts.document_parts`, in order."""
        lengths = self.project.text_lengths([d[0] for d in documents])
        current, label_set, attributes, parsed = (
            self.current,
            self.label_set,
            self._attributes,
            self._parsed,
        )
        # (the current scheme's hash comes as None: no string made per span)
        rows = self.project.reader.places([d[0] for d in documents], current)
        row = next(rows, None)
        for number, (document_id, title, done) in enumerate(documents):
            if progress is not None and number % 20 == 0:
                progress(number, len(documents))
            while row is not None and row[0] < document_id:
                row = next(rows, None)
            layers: dict[str, Spans] = {name: [] for name in done}
            values: dict[str, list[Values]] = {name: [] for name in done}
            hashes: dict[str, list[str]] = {name: [] for name in done}
            older = False
            last = None  # (the rows come by annotator: their lists looked up once)
            spans: Spans | None = None
            of_values: list[Values] = []
            of_hashes: list[str] = []
            while row is not None and row[0] == document_id:
                _, name, label, start, end, stored, scheme_hash = row
                row = next(rows, None)
                if name != last:
                    last = name
                    spans = layers.get(name)
                    of_values, of_hashes = values.get(name, []), hashes.get(name, [])
                if spans is None or (label_set is not None and label not in label_set):
                    continue
                spans.append((label, start, end))
                ids = attributes.get(label)
                if ids is None:
                    ids = self.attributes(label)
                if ids:  # (spans with the same values share them: parsed once)
                    found = parsed.get(stored)
                    if found is None:
                        found = parsed[stored] = json.loads(stored)
                    of_values.append(found)
                else:
                    of_values.append(_NO_VALUES)
                if scheme_hash is None:
                    of_hashes.append(current)
                else:
                    of_hashes.append(scheme_hash)
                    older = True
            doc = Layers(document_id, title, lengths[document_id], layers, values, hashes)
            if older:
                findings = self._compare(doc)
            else:
                seen = sum(map(len, layers.values()))
                findings = {
                    "seen": {self.current: seen} if seen else {},
                    "left_out": {},
                    "older": {},
                }
            labels = {s[0] for layer in doc.spans.values() for s in layer}
            categorical = {
                label: ids for label in sorted(labels) if (ids := self.attributes(label))
            }
            yield (
                document_id,
                document_parts(doc, categorical, findings, ordered=self._multichoice),
            )
        if progress is not None:
            progress(len(documents), len(documents))

    def _compare(self, doc: Layers) -> dict[str, Any]:
        """The versions' rule on a document with spans made under an older scheme."""
        comparison = Comparison(self.versions)
        comparable = comparison.layers(
            doc.id,
            {
                name: [
                    s
                    for s in self.project.spans(doc.id, annotator=name)
                    if self.label_set is None or s.label in self.label_set
                ]
                for name in doc.spans
            },
        )
        for name, spans in comparable.items():
            doc.spans[name] = [(s.label, s.start, s.end) for s in spans]
            doc.values[name] = [s.attributes for s in spans]
            doc.hashes[name] = [s.scheme_hash for s in spans]
        return comparison.spans_findings()


TOTALS = "agreement-totals/2"  # the whole report's totals (kept with the first document)
# The whole report as combined from those totals; /2 is kept compressed (store/figures.py),
# which the tool before it could not read: that one looks for /1 and computes it anew.
REPORT = "agreement-report/2"
PARALLEL_AT = 400  # documents to compute from which the work is shared among processes
_CHUNK = 25  # documents a process computes at a time (the last chunk is the tail)


@dataclass
class _Added:
    """Documents' parts added up: each one's :func:`~annotator.agreement_parts.summary`,
    their :class:`~annotator.agreement_parts.Totals`, and the parts computed to keep, as
    JSON. Parts added up where they were computed travel between processes as this: a few
    counters, not every document's parts."""

    summaries: dict[int, dict[str, Any]]
    totals: Totals
    encoded: dict[int, str] = field(default_factory=dict)

    def add(self, document_id: int, parts: dict[str, Any], encode: bool) -> None:
        self.totals.add(parts)
        self.summaries[document_id] = summary(parts, self.totals)
        if encode:
            self.encoded[document_id] = encoded(parts)

    def merge(self, other: _Added) -> None:
        self.totals.merge(other.totals)
        self.summaries.update(other.summaries)
        self.encoded.update(other.encoded)


def _compute(
    reader: _Reader,
    todo: list[tuple[int, str, list[str]]],
    progress: Callable[[int, int], None] | None,
    encode: bool,
) -> _Added:
    """The parts of the documents ``todo``, added up (as JSON too where ``encode``, to be
    kept): in this process, or, for many documents where processes can be forked (Linux)
    and there is more than one CPU, shared among one process per CPU (:func:`_shared`)."""
    import multiprocessing  # (only here: most runs compute a few documents, or none)

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    if (
        len(todo) < PARALLEL_AT
        or cpus < 2
        or sys.platform != "linux"
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return _added(reader, todo, encode, progress)
    return _shared(reader, todo, progress, encode, min(cpus, 8))


def _shared(
    reader: _Reader,
    todo: list[tuple[int, str, list[str]]],
    progress: Callable[[int, int], None] | None,
    encode: bool,
    processes: int,
) -> _Added:
    """:func:`_compute` in ``processes`` forked processes. Each opens the project read-only,
    takes chunks of documents in turn (a shared counter: a process that finishes early
    takes more), sends each chunk's summaries and JSON back as it finishes it (for the
    progress bar) and adds up all its chunks' totals itself, sent once at its end: this
    process adds up one totals per process, not one per chunk (which took a CPU second of
    the two the processes had, for 2,000 documents)."""
    import multiprocessing
    from multiprocessing.connection import Connection, wait

    context = multiprocessing.get_context("fork")
    chunks = [todo[k : k + _CHUNK] for k in range(0, len(todo), _CHUNK)]
    taken = context.Value("i", 0)  # the next chunk to take
    computed = _Added({}, Totals(reader.current))
    setting = (reader.project.path, reader.label_set, reader.versions, chunks, taken, encode)
    workers: dict[Connection, Any] = {}  # each process's end of its pipe: the process
    started = []
    try:
        for _ in range(processes):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_work, args=(*setting, sender), daemon=True)
            process.start()
            started.append(process)
            sender.close()  # (the process has its copy: its end shows here as end of file)
            workers[receiver] = process
        while workers:
            for ready in wait(list(workers)):
                end = cast(Connection, ready)
                try:
                    kind, found = end.recv()
                except EOFError:
                    workers[end].join(1)
                    code = workers[end].exitcode
                    raise AnnotatorError(
                        f"agreement: a process computing documents' figures ended without "
                        f"finishing (exit code {code}); run the command again"
                    ) from None
                if kind == "error":
                    raise found
                if kind == "totals":
                    computed.totals.merge(found)
                    del workers[end]
                    end.close()
                    continue
                summaries, texts = found
                computed.summaries.update(summaries)
                computed.encoded.update(texts)
                if progress is not None:
                    progress(len(computed.summaries), len(todo))
    finally:
        for receiver, process in workers.items():
            process.terminate()
            receiver.close()
        for process in started:
            process.join()
    return computed


def _work(
    path: Path,
    label_set: set[str] | None,
    versions: SchemeVersions,
    chunks: list[list[tuple[int, str, list[str]]]],
    taken: Any,
    encode: bool,
    sender: Any,
) -> None:
    """A forked process of :func:`_shared`: its chunks' summaries and JSON, chunk by chunk,
    then its totals; or the error that stopped it. ``versions`` are the parent's (forked,
    not sent: the schemes are not parsed again)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # (Ctrl-C: the parent stops them all)
    try:
        with Project.open(path, readonly=True) as project:
            reader = _Reader(project, label_set, versions)
            added = _Added({}, Totals(reader.current))
            while True:
                with taken.get_lock():
                    number = taken.value
                    taken.value += 1
                if number >= len(chunks):
                    break
                for document_id, parts in reader.parts(chunks[number]):
                    added.add(document_id, parts, encode)
                sender.send(("chunk", (added.summaries, added.encoded)))
                added.summaries, added.encoded = {}, {}
            sender.send(("totals", added.totals))
    except BaseException as error:  # (sent to the parent, which raises it)
        try:
            sender.send(("error", error))
        except Exception:  # (one that cannot be pickled: its text)
            sender.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))
    finally:
        sender.close()


def _added(
    reader: _Reader,
    documents: list[tuple[int, str, list[str]]],
    encode: bool,
    progress: Callable[[int, int], None] | None = None,
) -> _Added:
    added = _Added({}, Totals(reader.current))
    for document_id, parts in reader.parts(documents, progress):
        added.add(document_id, parts, encode)
    return added


def agreement_report(
    project: Project,
    labels: Sequence[str] | None = None,
    annotators: Sequence[str] | None = None,
    documents: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    keep: bool = True,
) -> AgreementReport:
    """Compute every figure of the report (see the module docstring for the conventions).

    Each document's parts (:mod:`annotator.agreement_parts`) are read from the kept figures
    where they are still valid (``labels`` and ``annotators`` change the parts, so with them
    nothing is kept); the others are computed, and kept where the project can be written
    (``keep``). The whole report also keeps the parts' :class:`~annotator.agreement_parts.
    Totals`, from which the parts of the documents that changed since are taken away and
    their new parts added. ``progress(done, total)`` is called as documents are computed,
    for a progress bar."""
    # The parts are many small lists and dicts that hold no cycles: every collection of the
    # oldest generation went over all of them again (a second of CPU for 2,000 documents);
    # forked workers inherit the pause.
    with paused_gc():
        return _report(project, labels, annotators, documents, progress, keep)


def _report(
    project: Project,
    labels: Sequence[str] | None,
    annotators: Sequence[str] | None,
    documents: Sequence[int] | None,
    progress: Callable[[int, int], None] | None,
    keep: bool,
) -> AgreementReport:
    versions = SchemeVersions(project.scheme, project.scheme_versions())
    counted, chosen = _counted(project, annotators, documents)
    reader = _Reader(project, set(labels) if labels else None, versions)
    keeping = keep and labels is None and annotators is None
    if keeping and documents is None:
        return _kept_report(project, reader, counted, chosen, versions, progress)
    added = _Added({}, Totals(project.scheme.hash))
    _parts(project, reader, counted, keeping, progress, added)
    return _combine(
        project.scheme,
        [(d[0], d[1], added.summaries[d[0]]) for d in counted],
        added.totals,
        chosen,
        labels,
        Comparison(versions),
    )


def _kept_report(
    project: Project,
    reader: _Reader,
    counted: list[tuple[int, str, list[str]]],
    chosen: list[str],
    versions: SchemeVersions,
    progress: Callable[[int, int], None] | None,
) -> AgreementReport:
    """The whole report from the kept totals; the kept report itself where nothing changed
    since it was combined (combining adds up every pair's tables, and its attribute figures
    compare every pair's units: most of a re-run's time with many annotators; the kept
    totals are not even read then)."""
    summaries, totals, included = _kept_totals(project, reader, counted, progress)
    stamp = _report_stamp(project, included, counted, chosen)
    kept = project.kept.read_kind(REPORT)
    if kept is not None and kept[1] == stamp and isinstance(kept[2], dict):
        return AgreementReport(**kept[2])
    report = _combine(
        project.scheme,
        [(d[0], d[1], summaries[d[0]]) for d in counted],
        totals(),
        chosen,
        None,
        Comparison(versions),
    )
    with contextlib.suppress(AnnotatorError):  # busy or read-only: not kept
        project.kept.write_kind(REPORT, min(included, default=None), stamp, report.to_dict())
    return report


def _parts(
    project: Project,
    reader: _Reader,
    counted: list[tuple[int, str, list[str]]],
    keeping: bool,
    progress: Callable[[int, int], None] | None,
    into: _Added,
    stamps: dict[int, str] | None = None,
) -> None:
    """Add the documents' parts to ``into``: kept ones where valid (``keeping``), the others
    computed (and kept)."""
    done: set[int] = set()
    if keeping:
        if stamps is None:
            stamps = project.kept.stamps([d[0] for d in counted], project_stamp(project))
        names = {d[0]: d[2] for d in counted}
        wanted = {d[0]: stamps[d[0]] for d in counted}
        for document_id, parts in project.kept.read(PARTS, wanted).items():
            if isinstance(parts, dict) and parts.get("names") == names[document_id]:
                into.add(document_id, parts, False)
                done.add(document_id)
    todo = [d for d in counted if d[0] not in done]
    computed = _compute(reader, todo, progress, keeping and stamps is not None)
    if computed.encoded and stamps is not None:
        with contextlib.suppress(AnnotatorError):  # busy or read-only: not kept
            project.kept.write_encoded(
                PARTS, [(k, stamps[k], text) for k, text in computed.encoded.items()]
            )
    computed.encoded = {}
    into.merge(computed)


def _report_stamp(
    project: Project,
    included: dict[int, str],
    counted: list[tuple[int, str, list[str]]],
    chosen: Sequence[str],
) -> str:
    """What the combined report depends on: the project-wide stamp, each counted document's
    stamp, title and annotators, and the annotators chosen."""
    text = json.dumps(
        [project_stamp(project), sorted(included.items()), counted, list(chosen)],
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _kept_totals(
    project: Project,
    reader: _Reader,
    counted: list[tuple[int, str, list[str]]],
    progress: Callable[[int, int], None] | None,
) -> tuple[dict[int, dict[str, Any]], Callable[[], Totals], dict[int, str]]:
    """The whole report's document summaries, totals (built when called: where nothing
    changed, the kept report needs none) and the stamps of the documents they include: the
    kept ones, with the documents that changed since (or no longer count) taken away and
    the new ones added; else built from every document's parts. Kept again where something
    changed."""
    shared = project_stamp(project)
    stamps = project.kept.stamps([d[0] for d in counted], shared)
    names = {d[0]: d[2] for d in counted}
    kept = project.kept.read_kind(TOTALS)
    if (
        kept is not None
        and kept[1] == shared
        and isinstance(kept[2], dict)
        and kept[2].get("format") == TOTALS
    ):
        included = {int(k): v for k, v in kept[2]["stamps"].items()}
        summaries = {int(k): v for k, v in kept[2]["documents"].items()}
        stale = {
            document_id: stamp
            for document_id, stamp in included.items()
            if stamps.get(document_id) != stamp
            or summaries[document_id]["names"] != names.get(document_id)
        }
        if not stale and all(d[0] in included for d in counted):
            stored = kept[2]["totals"]
            return summaries, lambda: Totals.from_json(stored), included
        old = project.kept.read(PARTS, stale) if stale else {}
        if len(old) == len(stale):  # (else the parts to take away are gone: build anew)
            totals = Totals.from_json(kept[2]["totals"])
            for document_id in stale:
                totals.add(old[document_id], -1)
                del summaries[document_id], included[document_id]
            todo = [d for d in counted if d[0] not in included]
            added = _Added(summaries, totals)
            _parts(project, reader, todo, True, progress, added, stamps)
            included.update((d[0], stamps[d[0]]) for d in todo)
            if stale or todo:
                _keep_totals(project, shared, included, summaries, totals)
            return summaries, lambda: totals, included
    added = _Added({}, Totals(project.scheme.hash))
    _parts(project, reader, counted, True, progress, added, stamps)
    included = {k: stamps[k] for k in added.summaries}
    _keep_totals(project, shared, included, added.summaries, added.totals)
    return added.summaries, lambda: added.totals, included


def _keep_totals(
    project: Project,
    shared: str,
    included: dict[int, str],
    summaries: dict[int, dict[str, Any]],
    totals: Totals,
) -> None:
    figures = {
        "format": TOTALS,
        "stamps": included,
        "documents": summaries,
        "totals": totals.to_json(),
    }
    with contextlib.suppress(AnnotatorError):  # busy or read-only: not kept
        project.kept.write_kind(TOTALS, min(included, default=None), shared, figures)


def _combine(
    scheme: Scheme,
    docs: list[tuple[int, str, dict[str, Any]]],
    totals: Totals,
    chosen: list[str],
    labels: Sequence[str] | None,
    comparison: Comparison,
) -> AgreementReport:
    """The report from the counted documents' summaries (in id order) and totals."""
    parts = [p for _, _, p in docs]
    for document_id, _, p in docs:
        if "versions" in p:
            comparison.add_spans_findings(document_id, p["versions"])
    if totals.seen:  # (the documents whose spans are all current)
        current = {"seen": {totals.current: totals.seen}, "left_out": {}, "older": {}}
        comparison.add_spans_findings(0, current)
    used = sorted({name for p in parts for name in p["names"]}, key=chosen.index)
    seen_labels = sorted(label for label, n in totals.spans.items() if n)
    label_list = list(labels) if labels else seen_labels
    report = AgreementReport(used, label_list, len(docs))
    pairs = list(combinations(used, 2))
    complete = [p for p in parts if len(p["names"]) == len(used)]
    matches = totals.matches
    shared: Counter[tuple[str, str]] = Counter()
    characters: Counter[tuple[str, str]] = Counter()  # of the documents both did
    for p in parts:
        for pair in combinations(p["names"], 2):
            shared[pair] += 1
            characters[pair] += p["length"]

    def scores(a: str, b: str, label: str | None) -> tuple[SpanScore, SpanScore]:
        slot = matches.get((a, b), {})
        rows = list(slot.values()) if label is None else [slot.get(label, [0, 0, 0, 0])]
        e, o, na, nb = (sum(r[k] for r in rows) for k in range(4))
        return SpanScore(e, na, nb, "exact"), SpanScore(o, na, nb, "overlap")

    all_columns = columns(parts, totals, ALL_KEY, used)
    chains: Chains = {}  # (the pairs' continuum is mostly the whole's)
    whole = unitizing(complete, used, totals, chains)
    for label in [*label_list, ALL]:
        keep = None if label == ALL else label
        cols = all_columns if keep is None else columns(parts, totals, keep, used)
        exact_f1, overlap_f1, kappas = [], [], []
        empty_pairs = 0
        for a, b in pairs:
            if not shared[a, b]:
                continue
            exact, overlap = scores(a, b, keep)
            if exact.f1 is None:
                empty_pairs += 1
            exact_f1.append(exact.f1)
            overlap_f1.append(overlap.f1)
            table = pair_table(totals, keep or ALL_KEY, a, b, characters[a, b])
            kappas.append(cohen_kappa_of_table(table).value)
        alpha = krippendorff_alpha_of_columns(cols) if docs else None
        fleiss = _fleiss(cols, used, bool(complete))
        report.summary.append(
            {
                "label": label,
                "spans": sum(totals.spans.values()) if keep is None else totals.spans[keep],
                "f1_exact": _mean(exact_f1),
                "f1_overlap": _mean(overlap_f1),
                "pairs_without_spans": empty_pairs,
                "cohen_kappa": _mean(kappas),
                "fleiss_kappa": fleiss.value,
                "fleiss_reason": fleiss.reason,
                "krippendorff_alpha": alpha.value if alpha else None,
                "alpha_reason": alpha.reason if alpha else "no documents",
                "percent_agreement": alpha.percent_agreement if alpha else None,
                "unitizing_alpha": whole.overall if keep is None else whole.by_label.get(keep),
            }
        )
    for a, b in pairs:
        exact, overlap = scores(a, b, None)
        both = [p for p in parts if a in p["names"] and b in p["names"]]
        table = pair_table(totals, ALL_KEY, a, b, characters[a, b])
        report.pairs.append(
            {
                "a": a,
                "b": b,
                "documents": shared[a, b],
                "f1_exact": exact.f1,
                "f1_overlap": overlap.f1,
                "cohen_kappa": cohen_kappa_of_table(table).value,
                "unitizing_alpha": (
                    unitizing(both, [a, b], totals, chains).overall if both else None
                ),
            }
        )
    report.documents = sorted(
        (
            {
                "id": document_id,
                "title": title,
                "annotators": p["names"],
                "spans": dict(zip(p["names"], p["spans"], strict=True)),
                **p["row"],
            }
            for document_id, title, p in docs
        ),
        key=lambda r: disagreement_order(r["f1_overlap"], r["f1_exact"]),
    )
    report.confusion, report.disagreements = _confusion(totals)
    report.attributes = _attribute_rows(scheme, label_list, docs, used, comparison, totals)
    report.versions = comparison.notes()
    return report


def document_figures(
    document_id: int, title: str, length: int, layers: Mapping[str, Sequence[Span]]
) -> dict[str, Any]:
    """One row of the report's per-document table, from the finished annotators' layers."""
    spans = {name: [(s.label, s.start, s.end) for s in layer] for name, layer in layers.items()}
    parts = document_parts(Layers(document_id, title, length, spans), {}, {}, full=False)
    return {
        "id": document_id,
        "title": title,
        "annotators": list(spans),
        "spans": {name: len(layer) for name, layer in spans.items()},
        **parts["row"],
    }


def disagreement_order(f1_overlap: float | None, f1_exact: float | None) -> tuple:
    """Sort key, most disagreement first: lowest overlap F1, then exact F1; undefined last."""
    return (f1_overlap is None, f1_overlap or 0, f1_exact or 0)


def _fleiss(
    columns: Counter[tuple[str | None, ...]], used: list[str], complete: bool
) -> Coefficient:
    """Fleiss' kappa on the documents every annotator did: the columns without a ``None``."""
    if not complete or len(used) < 2:
        return Coefficient("Fleiss' kappa", None, None, None, None, 0, "no complete documents")
    full = {column: times for column, times in columns.items() if None not in column}
    categories = sorted({v for column in full for v in column if v is not None})
    table: Counter[tuple[int, ...]] = Counter()
    for column, times in full.items():
        table[tuple([column.count(c) for c in categories])] += times
    return fleiss_kappa_of_table(table)


def _confusion(totals: Totals) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Label swaps on identical boundaries, and how every pairwise disagreement splits up
    (:func:`annotator.agreement_parts.document_parts` counts them per document)."""
    rows = [
        {"label_a": x, "label_b": y, "count": count}
        for (x, y), count in sorted(totals.swaps.items(), key=lambda item: (-item[1], item[0]))
    ]
    kinds = ("agree", "boundary_only", "label_only", "other")
    return rows, dict(zip(kinds, totals.tally, strict=True))


def _attribute_rows(
    scheme: Scheme,
    labels: Sequence[str],
    docs: list[tuple[int, str, dict[str, Any]]],
    used: list[str],
    comparison: Comparison,
    totals: Totals,
) -> list[dict[str, Any]]:
    """The report's ``attributes`` rows (see the module docstring); an attribute's use only
    the documents where its values are comparable (:mod:`annotator.versions`)."""
    wanted: dict[str, list[Attribute]] = {}
    for label in labels:
        try:
            attributes = [a for a in scheme.label(label).attributes if a.type in _CATEGORICAL]
        except UnknownItem:  # a label only older scheme versions had
            continue
        if attributes:
            wanted[label] = attributes
    if not wanted:
        return []
    rows: list[dict[str, Any]] = []
    for label, attributes in wanted.items():
        usable = {
            attribute.id: [
                k
                for k, (document_id, _, p) in enumerate(docs)
                if comparison.attribute(
                    document_id, label, attribute.id, p.get("hashes", {}).get(label, ())
                )
            ]
            for attribute in attributes
        }
        for mode in ("exact", "overlap"):
            found: dict[tuple[int, ...], tuple[Units, int]] = {}
            for attribute in attributes:
                use = tuple(usable[attribute.id])
                if use not in found:  # (every attribute's, unless versions differ)
                    found[use] = _units([docs[k][2] for k in use], used, label, mode, totals)
                units, ambiguous = found[use]
                rows += _attribute_figures(label, attribute, mode, units, ambiguous)
    return rows


Units = Counter[tuple[str | None, ...]]  # matched units: each annotator's values as JSON


def _units(
    parts: list[dict[str, Any]], used: list[str], label: str, mode: str, totals: Totals
) -> tuple[Units, int]:
    """The matched units of ``label``'s spans in the documents, counted: per annotator, the
    span's values (``None``: no span in the unit, or the document not done); and how many
    ambiguous groups were left out. The totals' units (of every document not kept apart),
    then those the documents' summaries hold, in document order."""
    units: Units = Counter()
    ambiguous = 0
    for (group, unit_label, unit_mode), (lost, found) in totals.units.items():
        if (unit_label, unit_mode) != (label, mode):
            continue
        ambiguous += lost[0]
        where = [group.index(name) if name in group else None for name in used]
        for unit, times in found.items():
            units[tuple(None if k is None else unit[k] for k in where)] += times
    for p in parts:
        entry = p.get("units", {}).get(label)
        if entry is None:
            continue
        lost_here, listed = entry[mode]
        ambiguous += lost_here
        where = [p["names"].index(name) if name in p["names"] else None for name in used]
        for unit, times in listed:
            units[tuple(None if k is None else unit[k] for k in where)] += times
    return units, ambiguous


def _category(value: Any) -> str:
    """A value as a nominal category: the choice, ``true``/``false``, or a multichoice set
    as its choices joined by ", " (a choice cannot hold a comma); unset is ``NONE``."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ", ".join(sorted(map(str, value)))
    return str(value)


def _chosen(value: Any) -> frozenset[str]:
    """A multichoice value as a set (unset: empty; a single value that a span kept from a
    scheme where the attribute was a choice: that one)."""
    if value is None:
        return frozenset()
    return frozenset(map(str, value)) if isinstance(value, list) else frozenset([str(value)])


def _presence(choice: str, value: Any) -> str:
    """A multichoice value as a binary one for a single choice (unset: absent)."""
    return "present" if choice in _chosen(value) else "absent"


def _attribute_figures(
    label: str,
    attribute: Attribute,
    mode: MatchMode,
    units: Units,
    ambiguous: int,
) -> list[dict[str, Any]]:
    """The row of one attribute (and for a multichoice one, a row per choice)."""
    values = {v: json.loads(v) for v in {v for unit in units for v in unit if v is not None}}

    def counted(value: Callable[[Any], Any]) -> Counter[tuple[Any, ...]]:
        found: Counter[tuple[Any, ...]] = Counter()
        for unit, times in units.items():
            found[
                tuple(None if v is None else value(values[v].get(attribute.id)) for v in unit)
            ] += times
        return found

    def row(choice: str | None, category: Callable[[Any], str]) -> dict[str, Any]:
        figures = value_agreement(counted(category))
        return {
            "label": label,
            "attribute": attribute.id,
            "choice": choice,
            "type": attribute.type,
            "mode": mode,
            "units": figures.units,
            "ambiguous": ambiguous,
            "cohen_kappa": figures.cohen_kappa,
            "fleiss_kappa": figures.fleiss.value,
            "fleiss_reason": figures.fleiss.reason,
            "krippendorff_alpha": figures.alpha.value,
            "alpha_reason": figures.alpha.reason,
            "confusion": [
                {"a": a, "b": b, "count": count}
                for (a, b), count in sorted(figures.confusion.items())
            ],
        }

    whole = row(None, _category)
    if attribute.type != "multichoice":
        return [whole]
    masi = krippendorff_alpha_masi_of_columns(counted(_chosen))
    whole["masi_alpha"], whole["masi_reason"] = masi.value, masi.reason
    per_choice = [row(choice, partial(_presence, choice)) for choice in attribute.choices]
    return [whole, *per_choice]


def report_rows(report: AgreementReport) -> list[tuple[str, str, str, object]]:
    """The report as ``(section, row, column, value)`` rows: the CSV output."""
    rows: list[tuple[str, str, str, object]] = []

    def add(section: str, key: str, row: dict[str, Any], skip: tuple[str, ...]) -> None:
        for column, value in row.items():
            if column in skip:
                continue
            if isinstance(value, dict):
                for sub, item in value.items():
                    rows.append((section, key, f"{column}.{sub}", item))
            elif isinstance(value, list):
                rows.append((section, key, column, ";".join(map(str, value))))
            else:
                rows.append((section, key, column, "" if value is None else value))

    for row in report.summary:
        add("label", row["label"], row, ("label",))
    for row in report.pairs:
        add("pair", f"{row['a']}|{row['b']}", row, ("a", "b"))
    for row in report.documents:
        add("document", str(row["id"]), row, ("id",))
    for row in report.confusion:
        rows.append(("confusion", f"{row['label_a']}|{row['label_b']}", "count", row["count"]))
    for kind, count in report.disagreements.items():
        rows.append(("disagreements", kind, "count", count))
    for row in report.attributes:
        key = attribute_name(row) + f"|{row['mode']}"
        add("attribute", key, row, ("label", "attribute", "choice", "mode", "confusion"))
        for cell in row["confusion"]:
            rows.append(("attribute confusion", key, f"{cell['a']} × {cell['b']}", cell["count"]))
    rows += [("versions", str(n), "note", note) for n, note in enumerate(report.versions, 1)]
    return rows


def attribute_name(row: Mapping[str, Any]) -> str:
    """``label.attribute``, with ``[choice]`` for a choice of a multichoice attribute."""
    choice = f"[{row['choice']}]" if row["choice"] is not None else ""
    return f"{row['label']}.{row['attribute']}{choice}"
