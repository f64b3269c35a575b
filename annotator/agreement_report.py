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

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import combinations
from statistics import fmean
from typing import Any

from .agreement import (
    Coefficient,
    MatchMode,
    SpanScore,
    character_runs,
    cohen_kappa_of_table,
    columns_of_runs,
    fleiss_kappa_of_table,
    krippendorff_alpha_masi_of_columns,
    krippendorff_alpha_of_columns,
    match_spans,
    match_units,
    unitizing_alpha,
    value_agreement,
)
from .errors import ProjectError, UnknownItem
from .model import Span
from .scheme import Attribute, Scheme
from .store import Project
from .versions import Comparison, SchemeVersions

ALL = "(all)"
NONE = "(none)"  # the value of an attribute a span does not set
Spans = list[tuple[str, int, int]]
Values = Mapping[str, Any]  # a span's attributes
_CATEGORICAL = ("choice", "boolean", "multichoice")


@dataclass
class _Doc:
    id: int
    title: str
    length: int
    spans: dict[str, Spans]  # annotator -> spans (only annotators who did the document)
    values: dict[str, list[Values]] = field(default_factory=dict)  # their attributes, in order
    hashes: dict[str, list[str]] = field(default_factory=dict)  # their schemes' hashes, in order
    # (a, b, label or None, mode) -> match_spans of a's and b's spans (see _matched).
    matches: dict[tuple[str, str, str | None, str], list[tuple[int, int]]] = field(
        default_factory=dict
    )
    # Kept per-character work: runs per (annotator, label), columns per (annotators, label).
    runs: dict[tuple[str, str | None], list[tuple[int, int, str]]] = field(default_factory=dict)
    columns: dict[tuple[tuple[str, ...], str | None], Counter[tuple[str | None, ...]]] = field(
        default_factory=dict
    )

    def columns_of(
        self, names: Sequence[str], label: str | None
    ) -> Counter[tuple[str | None, ...]]:
        """:func:`~annotator.agreement.label_columns` of these annotators (``None`` for one
        who did not do the document) and ``label`` (None: all), computed once."""
        key = (tuple(names), label)
        if key not in self.columns:
            runs: list[Sequence[tuple[int, int, str | None]]] = []
            for name in names:
                if name not in self.spans:
                    runs.append([(0, self.length, None)])
                    continue
                if (name, label) not in self.runs:
                    self.runs[name, label] = character_runs(
                        self.length, _only(self.spans[name], label)
                    )
                runs.append(self.runs[name, label])
            self.columns[key] = columns_of_runs(runs)
        return self.columns[key]


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


def _load(
    project: Project,
    labels: Sequence[str] | None,
    annotators: Sequence[str] | None,
    documents: Sequence[int] | None,
    comparison: Comparison,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[_Doc], list[str]]:
    known = project.annotators()
    for name in annotators or ():
        if name not in known:
            raise ProjectError(f"no annotator called {name!r} in this project")
    chosen = list(annotators) if annotators else known
    wanted = set(documents) if documents else None
    label_set = set(labels) if labels else None
    docs = []
    summaries = project.documents()
    if wanted is not None:
        missing = wanted - {s.id for s in summaries}
        if missing:
            raise ProjectError(f"no document with id {min(missing)} in this project")
    # Reading counts for half of the bar; the sections share the other half.
    total = 2 * len(summaries)
    for number, summary in enumerate(summaries):
        if progress is not None and number % 50 == 0:
            progress(number, total)
        if wanted is not None and summary.id not in wanted:
            continue
        done = [a for a in chosen if summary.statuses.get(a) == "done"]
        if len(done) < 2:
            continue
        text = project.document(summary.id).text
        layers: dict[str, Spans] = {}
        values: dict[str, list[Values]] = {}
        comparable = comparison.layers(
            summary.id,
            {
                name: [
                    s
                    for s in project.spans(summary.id, annotator=name)
                    if label_set is None or s.label in label_set
                ]
                for name in done
            },
        )
        hashes: dict[str, list[str]] = {}
        for name, spans in comparable.items():
            layers[name] = [(s.label, s.start, s.end) for s in spans]
            values[name] = [s.attributes for s in spans]
            hashes[name] = [s.scheme_hash for s in spans]
        docs.append(_Doc(summary.id, summary.title, len(text), layers, values, hashes))
    return docs, chosen


def agreement_report(
    project: Project,
    labels: Sequence[str] | None = None,
    annotators: Sequence[str] | None = None,
    documents: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> AgreementReport:
    """Compute every figure of the report (see the module docstring for the conventions).
    ``progress(done, total)`` is called as the work goes on (documents read, then each
    section's rows), for a progress bar."""
    comparison = Comparison(SchemeVersions(project.scheme, project.scheme_versions()))
    docs, chosen = _load(project, labels, annotators, documents, comparison, progress)
    used = sorted({a for d in docs for a in d.spans}, key=chosen.index)
    seen_labels = sorted({s[0] for d in docs for layer in d.spans.values() for s in layer})
    label_list = list(labels) if labels else seen_labels
    report = AgreementReport(used, label_list, len(docs))
    pairs = list(combinations(used, 2))
    complete = [d for d in docs if len(d.spans) == len(used)]

    steps = len(label_list) + len(pairs) + 4
    half = len(project.documents()) if progress is not None else 0

    def step(done: int) -> None:
        if progress is not None:
            progress(half + half * done // steps, 2 * half)

    for number, label in enumerate([*label_list, ALL]):
        step(number)
        keep = None if label == ALL else label
        report.summary.append(_summary_row(label, keep, docs, used, pairs, complete))
    for number, (a, b) in enumerate(pairs, len(label_list) + 1):
        step(number)
        report.pairs.append(_pair_row(a, b, docs))
    step(steps - 3)
    report.documents = sorted(
        (_document_row(d) for d in docs),
        key=lambda r: disagreement_order(r["f1_overlap"], r["f1_exact"]),
    )
    step(steps - 2)
    report.confusion, report.disagreements = _confusion(docs, pairs)
    step(steps - 1)
    report.attributes = _attribute_rows(project.scheme, label_list, docs, used, comparison)
    report.versions = comparison.notes()
    step(steps)
    return report


def document_figures(
    document_id: int, title: str, length: int, layers: Mapping[str, Sequence[Span]]
) -> dict[str, Any]:
    """One row of the report's per-document table, from the finished annotators' layers."""
    spans = {name: [(s.label, s.start, s.end) for s in layer] for name, layer in layers.items()}
    return _document_row(_Doc(document_id, title, length, spans))


def disagreement_order(f1_overlap: float | None, f1_exact: float | None) -> tuple:
    """Sort key, most disagreement first: lowest overlap F1, then exact F1; undefined last."""
    return (f1_overlap is None, f1_overlap or 0, f1_exact or 0)


def _only(spans: Spans, label: str | None) -> Spans:
    return spans if label is None else [s for s in spans if s[0] == label]


def _matched(d: _Doc, a: str, b: str, label: str | None, mode: MatchMode) -> list[tuple[int, int]]:
    """:func:`~annotator.agreement.match_spans` of two annotators' spans of ``label`` (None:
    all) in a document; kept, as span F1 and the attribute units use the same matchings."""
    key = (a, b, label, mode)
    if key not in d.matches:
        d.matches[key] = match_spans(_only(d.spans[a], label), _only(d.spans[b], label), mode)
    return d.matches[key]


def _pair_scores(
    a: str, b: str, docs: list[_Doc], label: str | None
) -> tuple[SpanScore, SpanScore, int]:
    exact, overlap = SpanScore(0, 0, 0, "exact"), SpanScore(0, 0, 0, "overlap")
    shared = 0
    for d in docs:
        if a in d.spans and b in d.spans:
            shared += 1
            sizes = len(_only(d.spans[a], label)), len(_only(d.spans[b], label))
            exact += SpanScore(len(_matched(d, a, b, label, "exact")), *sizes, "exact")
            overlap += SpanScore(len(_matched(d, a, b, label, "overlap")), *sizes, "overlap")
    return exact, overlap, shared


def _columns(
    docs: list[_Doc], names: Sequence[str], label: str | None
) -> Counter[tuple[str | None, ...]]:
    """Per-character label columns (a value per annotator, None where one did not do the
    document) over the documents, compressed to distinct columns and their counts."""
    columns: Counter[tuple[str | None, ...]] = Counter()
    for d in docs:
        columns.update(d.columns_of(names, label))
    return columns


def _pair_table(
    columns: Counter[tuple[str | None, ...]], i: int, j: int
) -> Counter[tuple[str | None, str | None]]:
    """The (annotator i, annotator j) value counts over the characters both labelled."""
    table: Counter[tuple[str | None, str | None]] = Counter()
    for column, times in columns.items():
        if column[i] is not None and column[j] is not None:
            table[column[i], column[j]] += times
    return table


def _summary_row(
    label: str,
    keep: str | None,
    docs: list[_Doc],
    used: list[str],
    pairs: list[tuple[str, str]],
    complete: list[_Doc],
) -> dict[str, Any]:
    exact_f1, overlap_f1, kappas = [], [], []
    empty_pairs = 0
    columns = _columns(docs, used, keep)
    for a, b in pairs:
        exact, overlap, shared = _pair_scores(a, b, docs, keep)
        if not shared:
            continue
        if exact.f1 is None:
            empty_pairs += 1
        exact_f1.append(exact.f1)
        overlap_f1.append(overlap.f1)
        table = _pair_table(columns, used.index(a), used.index(b))
        kappas.append(cohen_kappa_of_table(table).value)
    alpha = krippendorff_alpha_of_columns(columns) if docs else None
    fleiss = _fleiss(complete, used, keep)
    unitizing = _unitizing(complete, used, keep)
    return {
        "label": label,
        "spans": sum(len(_only(layer, keep)) for d in docs for layer in d.spans.values()),
        "f1_exact": _mean(exact_f1),
        "f1_overlap": _mean(overlap_f1),
        "pairs_without_spans": empty_pairs,
        "cohen_kappa": _mean(kappas),
        "fleiss_kappa": fleiss.value,
        "fleiss_reason": fleiss.reason,
        "krippendorff_alpha": alpha.value if alpha else None,
        "alpha_reason": alpha.reason if alpha else "no documents",
        "percent_agreement": alpha.percent_agreement if alpha else None,
        "unitizing_alpha": (unitizing.overall if keep is None else unitizing.by_label.get(keep)),
    }


def _fleiss(complete: list[_Doc], used: list[str], label: str | None) -> Coefficient:
    if not complete or len(used) < 2:
        return Coefficient("Fleiss' kappa", None, None, None, None, 0, "no complete documents")
    columns = _columns(complete, used, label)
    categories = sorted({v for column in columns for v in column if v is not None})
    table: Counter[tuple[int, ...]] = Counter()
    for column, times in columns.items():
        counts = Counter(column)
        table[tuple(counts[c] for c in categories)] += times
    return fleiss_kappa_of_table(table)


def _unitizing(docs: list[_Doc], names: Sequence[str], label: str | None) -> Any:
    offset = 0
    annotations = []
    for d in docs:
        for name in names:
            annotations += [
                (name, lab, offset + s, offset + e) for lab, s, e in _only(d.spans[name], label)
            ]
        offset += d.length
    return unitizing_alpha(offset, annotations, annotators=names)


def _pair_row(a: str, b: str, docs: list[_Doc]) -> dict[str, Any]:
    exact, overlap, shared = _pair_scores(a, b, docs, None)
    both = [d for d in docs if a in d.spans and b in d.spans]
    table = _pair_table(_columns(both, [a, b], None), 0, 1)
    return {
        "a": a,
        "b": b,
        "documents": shared,
        "f1_exact": exact.f1,
        "f1_overlap": overlap.f1,
        "cohen_kappa": cohen_kappa_of_table(table).value,
        "unitizing_alpha": _unitizing(both, [a, b], None).overall if both else None,
    }


def _document_row(d: _Doc) -> dict[str, Any]:
    names = list(d.spans)
    exact, overlap = [], []
    for a, b in combinations(names, 2):
        sizes = len(d.spans[a]), len(d.spans[b])
        exact.append(SpanScore(len(_matched(d, a, b, None, "exact")), *sizes).f1)
        overlap.append(SpanScore(len(_matched(d, a, b, None, "overlap")), *sizes).f1)
    columns = d.columns_of(names, None)
    return {
        "id": d.id,
        "title": d.title,
        "annotators": names,
        "spans": {name: len(d.spans[name]) for name in names},
        "f1_exact": _mean(exact),
        "f1_overlap": _mean(overlap),
        "krippendorff_alpha": krippendorff_alpha_of_columns(columns).value,
        "unitizing_alpha": _unitizing([d], names, None).overall,
    }


def _confusion(
    docs: list[_Doc], pairs: list[tuple[str, str]]
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Label swaps on identical boundaries, and how every pairwise disagreement splits up.

    For each pair and document: exact matches agree; of the rest, same-label overlaps are
    boundary-only disagreements; same boundaries with another label are label swaps;
    what is left was marked by one side only (or differs in both label and boundaries).
    """
    swaps: Counter[tuple[str, str]] = Counter()
    tally = Counter(agree=0, boundary_only=0, label_only=0, other=0)
    for a, b in pairs:
        for d in docs:
            if a not in d.spans or b not in d.spans:
                continue
            sa, sb = d.spans[a], d.spans[b]
            pairs_exact = _matched(d, a, b, None, "exact")
            taken_a, taken_b = {p[0] for p in pairs_exact}, {p[1] for p in pairs_exact}
            left_a = [s for i, s in enumerate(sa) if i not in taken_a]
            left_b = [s for j, s in enumerate(sb) if j not in taken_b]
            boundary = match_spans(left_a, left_b, "overlap")
            taken_a, taken_b = {p[0] for p in boundary}, {p[1] for p in boundary}
            left_a = [s for i, s in enumerate(left_a) if i not in taken_a]
            left_b = [s for j, s in enumerate(left_b) if j not in taken_b]
            by_place: dict[tuple[int, int], list[str]] = {}
            for label, start, end in left_b:
                by_place.setdefault((start, end), []).append(label)
            swapped = 0
            for label, start, end in left_a:
                others = by_place.get((start, end))
                if others:
                    swaps[tuple(sorted((label, others.pop())))] += 1  # type: ignore[index]
                    swapped += 1
            tally["agree"] += len(pairs_exact)
            tally["boundary_only"] += len(boundary)
            tally["label_only"] += swapped
            tally["other"] += len(left_a) + len(left_b) - 2 * swapped
    rows = [
        {"label_a": x, "label_b": y, "count": count}
        for (x, y), count in sorted(swaps.items(), key=lambda item: (-item[1], item[0]))
    ]
    return rows, dict(tally)


def _attribute_rows(
    scheme: Scheme,
    labels: Sequence[str],
    docs: list[_Doc],
    used: list[str],
    comparison: Comparison,
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
    layers = [_by_label(d, used, wanted) for d in docs]
    rows: list[dict[str, Any]] = []
    for label, attributes in wanted.items():
        hashes = [_label_hashes(d, label) for d in docs]
        usable = {
            attribute.id: [
                i
                for i, d in enumerate(docs)
                if comparison.attribute(d.id, label, attribute.id, hashes[i])
            ]
            for attribute in attributes
        }
        for mode in ("exact", "overlap"):
            found: dict[tuple[int, ...], tuple[list[tuple[Values | None, ...]], int]] = {}
            for attribute in attributes:
                use = tuple(usable[attribute.id])
                if use not in found:  # (every attribute's, unless versions differ)
                    found[use] = _units(
                        [docs[i] for i in use], [layers[i] for i in use], used, label, mode
                    )
                units, ambiguous = found[use]
                rows += _attribute_figures(label, attribute, mode, units, ambiguous)
    return rows


def _label_hashes(d: _Doc, label: str) -> set[str]:
    """The scheme hashes of a document's spans of ``label``, every annotator's."""
    return {
        scheme_hash
        for name, spans in d.spans.items()
        for span, scheme_hash in zip(spans, d.hashes.get(name, ()), strict=True)
        if span[0] == label
    }


_Layers = dict[str, tuple[list[Spans | None], list[list[Values]]]]


def _by_label(d: _Doc, used: list[str], labels: Mapping[str, Any]) -> _Layers:
    """A document's spans of each label, per annotator (``None``: the document not done),
    with their attributes."""
    layers: _Layers = {label: ([], []) for label in labels}
    for name in used:
        found: dict[str, tuple[Spans, list[Values]]] = {label: ([], []) for label in labels}
        for span, value in zip(d.spans.get(name, ()), d.values.get(name, ()), strict=True):
            if span[0] in found:
                found[span[0]][0].append(span)
                found[span[0]][1].append(value)
        for label, (spans, values) in found.items():
            layers[label][0].append(spans if name in d.spans else None)
            layers[label][1].append(values)
    return layers


def _units(
    docs: list[_Doc], layers: list[_Layers], used: list[str], label: str, mode: MatchMode
) -> tuple[list[tuple[Values | None, ...]], int]:
    """The matched units of ``label``'s spans in every document: per annotator, the span's
    attributes (``None``: no span in the unit, or the document not done); and how many
    ambiguous groups were left out."""
    units: list[tuple[Values | None, ...]] = []
    ambiguous = 0
    for d, by_label in zip(docs, layers, strict=True):
        spans, values = by_label[label]
        matchings = {
            (i, j): _matched(d, used[i], used[j], label, mode)
            for i, j in combinations(range(len(used)), 2)
            if used[i] in d.spans and used[j] in d.spans
        }
        found, lost = match_units(spans, mode, matchings)
        ambiguous += lost
        units += [
            tuple(None if i is None else values[k][i] for k, i in enumerate(unit)) for unit in found
        ]
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
    units: list[tuple[Values | None, ...]],
    ambiguous: int,
) -> list[dict[str, Any]]:
    """The row of one attribute (and for a multichoice one, a row per choice)."""

    def row(choice: str | None, category: Callable[[Any], str]) -> dict[str, Any]:
        columns = Counter(
            tuple(None if v is None else category(v.get(attribute.id)) for v in unit)
            for unit in units
        )
        figures = value_agreement(columns)
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
    sets = Counter(
        tuple(None if v is None else _chosen(v.get(attribute.id)) for v in unit) for unit in units
    )
    masi = krippendorff_alpha_masi_of_columns(sets)
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
