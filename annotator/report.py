"""From labels to findings: rates per person, role, document or period, each with its count,
its denominator and a 95 % interval. What ``annotator report`` prints and plots and the app's
report screen shows.

Pure (no UI): :func:`build_report` reads a :class:`~annotator.store.Project` and returns a
:class:`Report`, a list of :class:`Figure` rows in long format (layer, group, measure,
value, n, denominator, low, high), each with the examples it counted.

**What is counted.** The documents and layers are chosen as for an export
(:func:`annotator.export.examples.select`): an annotator's layer of a document where they
opened it (``status="done"``: only where they marked it done), the gold layer where the
document is marked reviewed (``status="all"``: wherever gold has spans or codes). So a rate
never reads a document someone has not looked at as "nothing found there". With ``layer``
``"all"`` each annotator's layer is counted on its own, and a ``(spread)`` row per group and
measure gives the mean of their values, the lowest and highest (``low``, ``high``) and their
standard deviation (``sd``).

**Measures**, all derived from the scheme (nothing here knows the bundled labels):

- ``questions``: the question units (questions without parts, and parts: what is coded;
  :func:`annotator.export.questions_csv.question_units`) put to the group; ``questions.coded
  share``: the share of them the layer coded.
- ``question.level<k>=<label> share``: for every level k of the question codes' hierarchy
  and every label there, the share of the coded units whose code is that label at level k
  (a code shallower than k is its own label there, as agreement counts it).
- ``question.<label>.<attribute>=<value> share``: for a question code with a choice,
  multichoice or boolean attribute, the share of the units coded with that label that have
  the value (a multichoice value counts for each choice).
- ``<label> per 1000 words``: a span label's spans per 1,000 words of the group's own words.
- ``<label>.<attribute>=<value> per 1000 words`` and ``... share`` (of that label's spans):
  for each choice, multichoice and boolean attribute of a span label, and each text
  attribute whose values repeat (a value given, ignoring case and spacing, on two or more
  spans): its values (the eight most common, the rest as ``(other)``), and ``(none)`` for
  spans without one.

**Groups** (``by``, any combination; none: one group, ``all``): ``person``: for a span the
person who speaks the turn it starts in, for a question the respondent (the first speaker
in its response region who is not the asker); ``role``: that person's role; ``document``;
``month`` and ``year``: from the document metadata's ``date`` (ISO: ``2025-03-14``,
``2025-03``, ``2025``); documents without one go to the group ``no date``, with a note.
The words of a group are the words (:func:`annotator.model.count_words`) of the turns its
speakers speak in its documents: a person's own words.

**Intervals.** A share ``k / n`` has the Wilson score interval, a rate ``1000 · k / words``
the exact Poisson (Garwood) interval of ``k`` scaled the same way (:mod:`annotator.intervals`).
A share of nothing and a rate of no words are undefined (``value`` None), never 0.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from statistics import fmean
from typing import Any

from .bulk import paused_gc
from .errors import AnnotatorError, ProjectError
from .export.examples import LAYER_ALL, LAYER_GOLD, Example, ExportReport, collect, select
from .export.questions_csv import question_units, respondent
from .intervals import CONFIDENCE, rate_interval, wilson
from .model import Code, Question
from .scheme import Attribute, Label, Scheme
from .scheme.model import LabelSet, Unit
from .store import Project

BY = ("person", "role", "document", "month", "year")
ALL_GROUP = "all"
NO_DATE = "no date"
NO_SPEAKER = "(no speaker)"
NO_ROLE = "(no role)"
NO_RESPONDENT = "(no respondent)"
NONE = "(none)"  # the value of an attribute a span does not set
OTHER = "(other)"  # a text attribute's values beyond the most common
SPREAD = "(spread)"  # the layer of the rows that compare annotators
PER = 1000  # words
TEXT_VALUES = 8  # a text attribute's most common values, each a measure
_CATEGORICAL = ("choice", "multichoice", "boolean")
_DATE = re.compile(r"\s*(\d{4})(?:-(\d{1,2}))?")

KINDS = ("count", "share", "rate")

# What the tallies count, per group: ("span", label), ("span", label, attribute, value),
# ("questions",), ("coded",), ("level", k, label), ("code", label), ("code", label,
# attribute, value); WORDS is the group's words.
Key = tuple[Any, ...]
WORDS: Key = ("words",)


@dataclass(frozen=True)
class Measure:
    """One figure's definition: ``id`` names it in every output."""

    id: str  # "deflection.kind=pivots per 1000 words"
    family: str  # the id of the family it belongs to
    kind: str  # one of KINDS
    name: str  # within its family: "Pivots", "Clear Non-Reply", "Deflection"
    color: str | None = None  # "#rrggbb": the scheme's label colour
    # What is counted (a key of the tallies) and over what: a key, WORDS, or None (a count).
    count: Key = ()
    of: Key | None = None


@dataclass(frozen=True)
class Family:
    """Measures shown together: one table, one panel of a figure."""

    id: str  # "deflection.kind per 1000 words"
    title: str  # says what was counted
    axis: str  # what the values are: "per 1,000 words", "share of coded questions"
    measures: tuple[Measure, ...]
    column: str = "measure"  # what its measures' names are: "label", "code", "kind"
    # The values of one attribute: a value nobody used is left out of tables and figures.
    breakdown: bool = False
    plotted: bool = True  # a panel of the figure (counts and spans' shares are not)
    counted: str = ""  # a breakdown: what it breaks down ("Deflection spans")

    @property
    def kind(self) -> str:
        kinds = {measure.kind for measure in self.measures}
        return kinds.pop() if len(kinds) == 1 else "mixed"


@dataclass(frozen=True)
class Counted:
    """One thing a figure counted: a span or a question unit of one layer."""

    document_id: int
    start: int
    end: int
    layer: str
    item: str  # "span" or "question"
    item_id: int
    label: str  # the span's label, or the question's code ("" when not coded)
    title: str  # the document's


@dataclass(frozen=True)
class Figure:
    """One row of the report (long format)."""

    layer: str  # an annotator, "gold", or SPREAD
    group: str  # "person=Jane Doe", "all"
    measure: str  # a Measure id
    value: float | None  # None: undefined (no denominator)
    n: int  # the count (spread rows: how many annotators have a value)
    denominator: int | None  # questions, spans or words; None for counts and spreads
    low: float | None
    high: float | None
    interval: str | None  # "wilson", "poisson", "min-max" (spread) or None
    sd: float | None = None  # spread rows: the standard deviation across annotators
    examples: tuple[Counted, ...] = field(default=(), compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "group": self.group,
            "measure": self.measure,
            "value": self.value,
            "n": self.n,
            "denominator": self.denominator,
            "low": self.low,
            "high": self.high,
            "interval": self.interval,
            "sd": self.sd,
        }


COLUMNS = (
    "layer", "group", "measure", "value", "n", "denominator", "low", "high", "interval", "sd",
)  # fmt: skip


@dataclass
class Report:
    """The figures of one report run."""

    scheme: str  # "political-interview (version 2)"
    layer: str  # as asked: an annotator, "gold" or "all"
    layers: tuple[str, ...]  # the layers counted, each on its own
    by: tuple[str, ...]
    groups: tuple[str, ...]  # in display order
    families: tuple[Family, ...]
    figures: list[Figure]
    documents: int  # documents counted (in any layer)
    notes: list[str] = field(default_factory=list)
    confidence: float = CONFIDENCE

    @property
    def measures(self) -> dict[str, Measure]:
        return {m.id: m for family in self.families for m in family.measures}

    def figure(self, layer: str, group: str, measure: str) -> Figure:
        for figure in self.figures:
            if (figure.layer, figure.group, figure.measure) == (layer, group, measure):
                return figure
        raise KeyError((layer, group, measure))

    def family_of(self, measure: str) -> Family:
        for family in self.families:
            if any(m.id == measure for m in family.measures):
                return family
        raise KeyError(measure)

    @property
    def shown_layers(self) -> tuple[str, ...]:
        """The layers of the rows: each layer, then the spread where there are several."""
        return (*self.layers, SPREAD) if len(self.layers) > 1 else self.layers

    def rows(self) -> list[dict[str, Any]]:
        """Every figure as a flat record (the CSV and JSON rows)."""
        return [figure.to_dict() for figure in self.figures]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "layer": self.layer,
            "layers": list(self.layers),
            "by": list(self.by),
            "groups": list(self.groups),
            "documents": self.documents,
            "confidence": self.confidence,
            "notes": list(self.notes),
            "measures": [
                {
                    "id": m.id,
                    "family": family.id,
                    "kind": m.kind,
                    "name": m.name,
                    "title": family.title,
                    "axis": family.axis,
                    "color": m.color,
                }
                for family in self.families
                for m in family.measures
            ],
            "rows": self.rows(),
        }


def group_value(group: str) -> str:
    """What a table shows for a group of one key: ``person=Jane Doe`` -> ``Jane Doe``."""
    key, sep, value = group.partition("=")
    return value if sep and key in BY and ", " not in group else group


def period(metadata: Mapping[str, Any], by: str) -> str | None:
    """A document's month (``2025-03``) or year (``2025``) from its metadata ``date``, or
    None when it has none that says so."""
    date = metadata.get("date")
    if not isinstance(date, str):
        date = str(date) if date is not None and not isinstance(date, (dict, list)) else None
    match = _DATE.match(date) if date else None
    if match is None:
        return None
    year, month = match.group(1), match.group(2)
    if by == "year":
        return year
    if month is None or not 1 <= int(month) <= 12:
        return None
    return f"{year}-{int(month):02d}"


# ---- measures from the scheme ----------------------------------------------------------------


@dataclass
class _Breakdown:
    """A span label's (or question code's) attribute whose values are counted."""

    label: str
    attribute: Attribute
    values: list[str]  # keys in order (NONE / OTHER included when seen)
    names: dict[str, str]  # key -> display
    top: set[str] = field(default_factory=set)  # text attributes: the values kept
    # A text attribute no value of which repeats in any one layer: free text (a timeframe
    # as stated), broken down only when asked for by name.
    free: bool = False

    def keys(self, attributes: Mapping[str, Any]) -> list[str]:
        """The value keys a span's (or code's) attributes count for."""
        value = attributes.get(self.attribute.id)
        if value is None:
            value = self.attribute.default
        kind = self.attribute.type
        if kind == "multichoice":
            chosen = [str(v) for v in value] if isinstance(value, (list, tuple)) else []
            return chosen or [NONE]
        if value is None or value == "":
            return [NONE]
        if kind == "boolean":
            return ["true" if value else "false"]
        if kind == "text":
            key = _text_key(str(value))
            return [key if key in self.top else OTHER] if key else [NONE]
        return [str(value)]


def _text_key(value: str) -> str:
    return " ".join(value.split()).casefold()


def _span_breakdowns(
    scheme: Scheme, labels: Sequence[str], spans: Iterable[Any]
) -> dict[str, list[_Breakdown]]:
    """Per span label, the attributes broken down by value (see the module docstring)."""
    by_label: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for span in spans:
        by_label.setdefault(span.label, []).append((span.annotator, span.attributes))
    found: dict[str, list[_Breakdown]] = {}
    for label_id in labels:
        try:
            label = scheme.label(label_id)
        except AnnotatorError:
            continue  # a label of an older scheme: counted, not broken down
        for attribute in label.attributes:
            breakdown = _breakdown(label, attribute, by_label.get(label_id, []))
            if breakdown is not None:
                found.setdefault(label_id, []).append(breakdown)
    return found


def _breakdown(
    label: Label, attribute: Attribute, given: list[tuple[str, Mapping[str, Any]]]
) -> _Breakdown | None:
    """How the spans (or codes) of a label, with their layers, break down by an attribute:
    choices in the scheme's order (and any other value seen), then ``(none)`` if seen; a
    text attribute's most common values (ties alphabetically), ``(other)``, ``(none)``."""
    kind = attribute.type
    values = [attributes for _, attributes in given]
    if kind in ("choice", "multichoice"):
        keys = list(attribute.choices)
        names = {key: key for key in keys}
    elif kind == "boolean":
        keys, names = ["true", "false"], {"true": "true", "false": "false"}
    elif kind == "text":
        counts: Counter[str] = Counter()
        per_layer: Counter[tuple[str, str]] = Counter()
        forms: dict[str, Counter[str]] = {}
        for layer, attributes in given:
            raw = attributes.get(attribute.id)
            if isinstance(raw, str) and raw.strip():
                key = _text_key(raw)
                counts[key] += 1
                per_layer[layer, key] += 1
                forms.setdefault(key, Counter())[" ".join(raw.split())] += 1
        ranked = sorted(counts, key=lambda key: (-counts[key], key))
        top = ranked[:TEXT_VALUES]
        names = {key: forms[key].most_common(1)[0][0] for key in top}
        free = not any(count > 1 for count in per_layer.values())
        breakdown = _Breakdown(label.id, attribute, list(top), names, set(top), free)
        if len(counts) > len(top):
            breakdown.values.append(OTHER)
            breakdown.names[OTHER] = OTHER
        if any(_missing(attribute, a) for a in values):
            breakdown.values.append(NONE)
            breakdown.names[NONE] = NONE
        return breakdown
    else:
        return None  # numbers: not categories
    breakdown = _Breakdown(label.id, attribute, keys, names)
    seen = {key for attributes in values for key in breakdown.keys(attributes)}
    breakdown.values += [key for key in sorted(seen - set(keys)) if key != NONE]
    breakdown.names.update({key: key for key in breakdown.values if key not in names})
    if NONE in seen:
        breakdown.values.append(NONE)
        breakdown.names[NONE] = NONE
    return breakdown


def _missing(attribute: Attribute, attributes: Mapping[str, Any]) -> bool:
    value = attributes.get(attribute.id, attribute.default)
    return value is None or value == "" or value == []


def _name(scheme: Scheme, label_id: str) -> str:
    try:
        return scheme.label(label_id).name
    except AnnotatorError:
        return label_id


def _color(labels: LabelSet, label_id: str) -> str | None:
    try:
        return labels.label(label_id).color
    except AnnotatorError:
        return None


# ---- the figures -----------------------------------------------------------------------------


@dataclass
class _Tally:
    """One layer's counts per group: words, spans, question units, codes; and, when kept,
    the examples counted."""

    keep_examples: bool = True
    words: Counter[str] = field(default_factory=Counter)
    counts: Counter[tuple[str, Key]] = field(default_factory=Counter)
    # (group, key) -> the examples counted there (kept only when keep_examples)
    examples: dict[tuple[str, Key], list[Counted]] = field(default_factory=dict)

    def add(self, group: str, key: Key, example: Counted | None) -> None:
        self.counts[group, key] += 1
        if example is not None:
            self.examples.setdefault((group, key), []).append(example)

    def count(self, group: str, key: Key) -> int:
        return self.words[group] if key == WORDS else self.counts[group, key]


def build_report(
    project: Project,
    *,
    layer: str = LAYER_ALL,
    by: Sequence[str] = (),
    documents: Sequence[str] | None = None,
    status: str | None = None,
    measures: Sequence[str] = (),
    confidence: float = CONFIDENCE,
    progress: Callable[[int, int], None] | None = None,
    examples: bool = True,
) -> Report:
    """The report of ``layer`` (an annotator, ``"gold"`` or ``"all"``) grouped ``by`` any of
    :data:`BY`; ``documents`` (ids or source file names) and ``status`` choose what counts as
    for an export; ``measures``: glob patterns on measure or family ids (``"commitment*"``)
    keep only those; ``progress(done, total)`` hears of each document read. ``examples``:
    keep each figure's examples (what the app shows behind a figure; a command that only
    prints the figures leaves them)."""
    with paused_gc():  # millions of small objects kept to the end: collecting finds nothing
        return _build_report(
            project, layer, by, documents, status, measures, confidence, progress, examples
        )


def _build_report(
    project: Project,
    layer: str,
    by: Sequence[str],
    documents: Sequence[str] | None,
    status: str | None,
    measures: Sequence[str],
    confidence: float,
    progress: Callable[[int, int], None] | None,
    keep_examples: bool,
) -> Report:
    for key in by:
        if key not in BY:
            raise ProjectError(f"cannot group by {key!r}; use any of: {', '.join(BY)}")
    by = tuple(dict.fromkeys(by))
    scheme = project.scheme
    if layer == LAYER_GOLD and not project.has_gold():
        raise ProjectError(
            "there is no gold layer yet: reviewers make it with 'annotator review'; "
            "report an annotator's layer or --layer all"
        )
    selection = select(project, layer=layer, documents=documents, status=status)
    export_report = ExportReport()
    # Held without their texts (the report counts stored words, never reads a text): a
    # study's texts would otherwise all be in memory at once.
    examples: list[Example] = []
    total = len(selection.document_ids)
    for example in collect(project, selection=selection, report=export_report):
        examples.append(replace(example, text=""))
        if progress is not None:
            progress(len(examples), total)
    spoken = project.words_by_speaker()
    layers = tuple(
        name for name in selection.annotators if any(name in ex.annotators for ex in examples)
    )
    titles = Counter(summary.title for summary in project.documents())
    unit = scheme.unit("question") if scheme.has_unit("question") else None

    label_order = [label.id for label in scheme.labels if not label.deprecated]
    for example in examples:
        for span in example.spans:
            if span.label not in label_order:
                label_order.append(span.label)
    breakdowns = _span_breakdowns(scheme, label_order, (s for ex in examples for s in ex.spans))
    code_breakdowns = _code_breakdowns(unit, examples)

    free = {
        f"{label}.{b.attribute.id}"
        for label, items in breakdowns.items()
        for b in items
        if b.free and not _asked(f"{label}.{b.attribute.id}", measures)
    }
    for label, items in breakdowns.items():
        items[:] = [b for b in items if f"{label}.{b.attribute.id}" not in free]
    # Worth a note only where the measures asked for would otherwise have held them.
    unseen = sorted(
        stem
        for stem in free
        if not measures or any(fnmatch.fnmatchcase(f"{stem} share", p) for p in measures)
    )
    families = _families(scheme, unit, label_order, breakdowns, code_breakdowns)
    if measures:
        families = _filtered(families, measures)
    wanted = {m.id for family in families for m in family.measures}

    tallies = {name: _Tally(keep_examples) for name in layers}
    undated: set[int] = set()
    unknown_codes: Counter[str] = Counter()
    questions_seen = 0
    for example in examples:
        keys, dated = _document_keys(example, by, titles)
        if not dated:
            undated.add(example.document_id)
        words = _words_by_group(example, spoken.get(example.document_id, ()), by, keys)
        # Each question unit with its group (its respondent's), found once for all layers.
        units = [
            (question, _group(by, {**keys, **_speaker_keys(example, answerer, NO_RESPONDENT)}))
            for question in question_units(example)
            for answerer in [respondent(example, question)]
        ]
        questions_seen += len(units)
        for name in example.annotators:
            if name not in tallies:
                continue
            tally = tallies[name]
            tally.words.update(words)
            _count_spans(tally, example, name, by, keys, breakdowns)
            _count_questions(tally, example, name, units, unit, code_breakdowns)
            for code in example.codes:
                if code.annotator == name and code.unit == "question" and unit is not None:
                    try:
                        unit.label(code.label)
                    except AnnotatorError:
                        unknown_codes[code.label] += 1

    groups = _group_order(
        by,
        {g for tally in tallies.values() for g in tally.words}
        | {g for tally in tallies.values() for g, _ in tally.counts},
    )
    figures: list[Figure] = []
    for name in layers:
        figures += _layer_figures(name, tallies[name], groups, families, confidence)
    if len(layers) > 1:
        figures += _spread(figures, layers, groups, families)
    figures = [f for f in figures if f.measure in wanted]

    notes = _notes(
        unseen,
        project,
        selection.left_out,
        by,
        examples,
        undated,
        unit,
        questions_seen,
        unknown_codes,
        layer,
        layers,
    )
    return Report(
        scheme=f"{scheme.name} (version {scheme.version})",
        layer=layer,
        layers=layers,
        by=by,
        groups=tuple(groups),
        families=tuple(families),
        figures=figures,
        documents=len(examples),
        notes=notes,
        confidence=confidence,
    )


def _code_breakdowns(unit: Unit | None, examples: Sequence[Example]) -> dict[str, list[_Breakdown]]:
    """Per question code label, its categorical attributes broken down by value."""
    found: dict[str, list[_Breakdown]] = {}
    if unit is None:
        return found
    codes = [c for ex in examples for c in ex.codes if c.unit == "question"]
    for label in unit.labels:
        own = [(code.annotator, code.attributes) for code in codes if code.label == label.id]
        for attribute in label.attributes:
            if attribute.type in _CATEGORICAL:
                breakdown = _breakdown(label, attribute, own)
                if breakdown is not None:
                    found.setdefault(label.id, []).append(breakdown)
    return found


def _families(
    scheme: Scheme,
    unit: Unit | None,
    labels: Sequence[str],
    breakdowns: Mapping[str, list[_Breakdown]],
    code_breakdowns: Mapping[str, list[_Breakdown]],
) -> list[Family]:
    families: list[Family] = []
    if unit is not None:
        families.append(
            Family(
                "questions",
                "Question units put to each group, and the share coded",
                "question units",
                column="measure",
                plotted=False,
                measures=(
                    Measure("questions", "questions", "count", "put to them", None, ("questions",)),
                    Measure(
                        "questions.coded share",
                        "questions",
                        "share",
                        "coded",
                        None,
                        ("coded",),
                        ("questions",),
                    ),
                ),
            )
        )
        levels = unit.levels
        for level in range(1, levels + 1):
            family = f"question.level{level}"
            at = f", level {level}" if levels > 1 else ""
            families.append(
                Family(
                    family,
                    f"Questions by code{at}: share of the coded questions",
                    "share of coded questions",
                    column="code",
                    measures=tuple(
                        Measure(
                            f"{family}={label.id} share",
                            family,
                            "share",
                            label.name,
                            _color(unit, label.id),
                            ("level", level, label.id),
                            ("coded",),
                        )
                        for label in unit.labels
                        if unit.depth(label.id) == level
                        or (unit.depth(label.id) < level and not unit.children(label.id))
                    ),
                )
            )
        for label_id, items in code_breakdowns.items():
            name = unit.label(label_id).name
            for breakdown in items:
                family = f"question.{label_id}.{breakdown.attribute.id}"
                families.append(
                    Family(
                        family,
                        f"Questions coded {name}, by {breakdown.attribute.name.lower()}: "
                        f"share of those questions",
                        f"share of questions coded {name}",
                        column=breakdown.attribute.name.lower(),
                        breakdown=True,
                        counted=f"questions coded {name}",
                        measures=tuple(
                            Measure(
                                f"{family}={key} share",
                                family,
                                "share",
                                breakdown.names[key],
                                _color(unit, label_id),
                                ("code", label_id, breakdown.attribute.id, key),
                                ("code", label_id),
                            )
                            for key in breakdown.values
                        ),
                    )
                )
    families.append(
        Family(
            "spans per 1000 words",
            "Spans per 1,000 words of the speakers' own words",
            "per 1,000 words",
            column="label",
            measures=tuple(
                Measure(
                    f"{label} per 1000 words",
                    "spans per 1000 words",
                    "rate",
                    _name(scheme, label),
                    _color(scheme, label),
                    ("span", label),
                    WORDS,
                )
                for label in labels
            ),
        )
    )
    for label in labels:
        name = _name(scheme, label)
        for breakdown in breakdowns.get(label, ()):
            stem = f"{label}.{breakdown.attribute.id}"
            by_what = breakdown.attribute.name.lower()
            for kind, suffix, title, axis, of, plotted in (
                (
                    "rate",
                    "per 1000 words",
                    f"{name} spans by {by_what}, per 1,000 words of the speakers' own words",
                    "per 1,000 words",
                    WORDS,
                    True,
                ),
                (
                    "share",
                    "share",
                    f"{name} spans by {by_what}: share of the {name} spans",
                    f"share of {name} spans",
                    ("span", label),
                    False,  # the figure shows the rates
                ),
            ):
                family = f"{stem} {suffix}"
                families.append(
                    Family(
                        family,
                        title,
                        axis,
                        column=by_what,
                        breakdown=True,
                        counted=f"{name} spans",
                        plotted=plotted,
                        measures=tuple(
                            Measure(
                                f"{stem}={key} {suffix}",
                                family,
                                kind,
                                breakdown.names[key],
                                _color(scheme, label),
                                ("span", label, breakdown.attribute.id, key),
                                of,
                            )
                            for key in breakdown.values
                        ),
                    )
                )
    return families


def _asked(stem: str, patterns: Sequence[str]) -> bool:
    """Whether a pattern names the attribute's measures (not just any measure: ``*``)."""
    return any(
        fnmatch.fnmatchcase(f"{stem} share", p) and not fnmatch.fnmatchcase("x share", p)
        for p in patterns
    )


def _filtered(families: list[Family], patterns: Sequence[str]) -> list[Family]:
    kept = []
    for family in families:
        if any(fnmatch.fnmatchcase(family.id, p) for p in patterns):
            kept.append(family)
            continue
        measures = tuple(
            m for m in family.measures if any(fnmatch.fnmatchcase(m.id, p) for p in patterns)
        )
        if measures:
            kept.append(replace(family, measures=measures))
    if not kept:
        raise ProjectError(
            f"no measure matches {', '.join(repr(p) for p in patterns)}; "
            "see the measures of 'annotator report --format csv'"
        )
    return kept


def _document_keys(
    example: Example, by: Sequence[str], titles: Counter[str]
) -> tuple[dict[str, str], bool]:
    """The document's part of the group key (document, month, year), and whether it has
    the date a period asks for (else its period is NO_DATE)."""
    keys: dict[str, str] = {}
    dated = True
    for key in by:
        if key == "document":
            title = example.title or "(untitled)"
            keys[key] = f"{title} (#{example.document_id})" if titles[title] > 1 else title
        elif key in ("month", "year"):
            found = period(example.metadata, key)
            dated = dated and found is not None
            keys[key] = found or NO_DATE
    return keys, dated


def _group(by: Sequence[str], keys: Mapping[str, str]) -> str:
    if not by:
        return ALL_GROUP
    return ", ".join(f"{key}={keys[key]}" for key in by)


def _speaker_keys(example: Example, label: str | None, missing: str) -> dict[str, str]:
    """The person and role parts of the group key for a speaker label."""
    if label is None:
        return {"person": missing, "role": NO_ROLE}
    person = example.person(label)
    return {
        "person": person.name if person else label,
        "role": (person.role if person and person.role else NO_ROLE),
    }


def _words_by_group(
    example: Example,
    spoken: Iterable[tuple[str | None, int]],
    by: Sequence[str],
    keys: Mapping[str, str],
) -> Counter[str]:
    """The document's words per group, from its words per speaker label
    (:meth:`annotator.store.Project.words_by_speaker`)."""
    words: Counter[str] = Counter()
    for label, count in spoken:
        words[_group(by, {**keys, **_speaker_keys(example, label, NO_SPEAKER)})] += count
    return words


def _count_spans(
    tally: _Tally,
    example: Example,
    layer: str,
    by: Sequence[str],
    keys: Mapping[str, str],
    breakdowns: Mapping[str, list[_Breakdown]],
) -> None:
    groups: dict[tuple[str, str], str] = {}  # (person, role) -> group
    for span in example.spans:
        if span.annotator != layer:
            continue
        speaker = (span.person or span.speaker or NO_SPEAKER, span.role or NO_ROLE)
        group = groups.get(speaker)
        if group is None:
            group = groups[speaker] = _group(by, {**keys, "person": speaker[0], "role": speaker[1]})
        item = (
            Counted(
                example.document_id,
                span.start,
                span.end,
                layer,
                "span",
                span.id,
                span.label,
                example.title,
            )
            if tally.keep_examples
            else None
        )
        tally.add(group, ("span", span.label), item)
        for breakdown in breakdowns.get(span.label, ()):
            for key in breakdown.keys(span.attributes):
                tally.add(group, ("span", span.label, breakdown.attribute.id, key), item)


def _count_questions(
    tally: _Tally,
    example: Example,
    layer: str,
    units: Sequence[tuple[Question, str]],
    unit: Unit | None,
    code_breakdowns: Mapping[str, list[_Breakdown]],
) -> None:
    if unit is None:
        return
    codes: dict[int | None, Code] = {
        code.question_id: code
        for code in example.codes
        if code.annotator == layer and code.unit == "question"
    }
    for question, group in units:
        code = codes.get(question.id)
        item = (
            Counted(
                example.document_id,
                question.start,
                question.end,
                layer,
                "question",
                question.id,
                code.label if code else "",
                example.title,
            )
            if tally.keep_examples
            else None
        )
        tally.add(group, ("questions",), item)
        if code is None:
            continue
        try:
            chain = [unit.at_level(code.label, level) for level in range(1, unit.levels + 1)]
        except AnnotatorError:
            continue  # a code the scheme no longer has (noted)
        tally.add(group, ("coded",), item)
        for level, label in enumerate(chain, 1):
            tally.add(group, ("level", level, label), item)
        tally.add(group, ("code", code.label), item)
        for breakdown in code_breakdowns.get(code.label, ()):
            for value in breakdown.keys(code.attributes):
                tally.add(group, ("code", code.label, breakdown.attribute.id, value), item)


def _layer_figures(
    layer: str,
    tally: _Tally,
    groups: Sequence[str],
    families: Sequence[Family],
    confidence: float,
) -> list[Figure]:
    return [
        _figure(layer, group, measure, tally, confidence)
        for group in groups
        for family in families
        for measure in family.measures
    ]


def _figure(layer: str, group: str, measure: Measure, tally: _Tally, confidence: float) -> Figure:
    """One layer's figure of a measure in a group: its count over its denominator, with the
    interval its kind has."""
    n = tally.count(group, measure.count)
    examples = tuple(tally.examples.get((group, measure.count), ()))
    if measure.of is None:
        return Figure(layer, group, measure.id, n, n, None, None, None, None, None, examples)
    of = tally.count(group, measure.of)
    if not of:  # a share of nothing, a rate over no words: undefined
        return Figure(layer, group, measure.id, None, n, of, None, None, None, None, examples)
    if measure.kind == "rate":
        value, method = PER * n / of, "poisson"
        low, high = rate_interval(n, of, PER, confidence) or (None, None)
    else:
        value, method = n / of, "wilson"
        low, high = wilson(n, of, confidence) or (None, None)
    return Figure(layer, group, measure.id, value, n, of, low, high, method, None, examples)


def _spread(
    figures: Sequence[Figure],
    layers: Sequence[str],
    groups: Sequence[str],
    families: Sequence[Family],
) -> list[Figure]:
    """Per group and measure: the annotators' mean, lowest and highest value and SD."""
    by_key: dict[tuple[str, str], list[Figure]] = {}
    for figure in figures:
        by_key.setdefault((figure.group, figure.measure), []).append(figure)
    spread = []
    for group in groups:
        for family in families:
            for measure in family.measures:
                rows = by_key.get((group, measure.id), [])
                values = [f.value for f in rows if f.value is not None]
                examples = tuple(e for f in rows for e in f.examples)
                if not values:
                    spread.append(
                        Figure(SPREAD, group, measure.id, None, 0, None, None, None, None, None,
                               examples)
                    )  # fmt: skip
                    continue
                spread.append(
                    Figure(
                        SPREAD,
                        group,
                        measure.id,
                        fmean(values),
                        len(values),
                        None,
                        min(values),
                        max(values),
                        "min-max",
                        _sd(values),
                        examples,
                    )
                )
    return spread


def _sd(values: Sequence[float]) -> float | None:
    """The sample standard deviation (n - 1), or None for fewer than two values."""
    if len(values) < 2:
        return None
    mean = fmean(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))


def _group_order(by: Sequence[str], groups: set[str]) -> list[str]:
    """Groups in reading order: names alphabetically, periods in time, the groups in
    parentheses ("(no speaker)") and "no date" last."""

    def part(key: str, value: str) -> tuple[int, str]:
        special = value.startswith("(") or value == NO_DATE
        return (1 if special else 0, value.casefold() if key != "month" else value)

    def order(group: str) -> tuple[tuple[int, str], ...]:
        if not by:
            return ((0, group),)
        values = dict(item.split("=", 1) for item in _split(group, by))
        return tuple(part(key, values.get(key, "")) for key in by)

    return sorted(groups, key=order)


def _split(group: str, by: Sequence[str]) -> list[str]:
    """A group's ``key=value`` parts (a value may itself hold ", ")."""
    parts: list[str] = []
    rest = group
    for index, key in enumerate(by):
        assert rest.startswith(f"{key}=")
        if index + 1 < len(by):
            cut = rest.find(f", {by[index + 1]}=")
            parts.append(rest[:cut])
            rest = rest[cut + 2 :]
        else:
            parts.append(rest)
    return parts


def _notes(
    free: Sequence[str],
    project: Project,
    left_out: Sequence[str],
    by: Sequence[str],
    examples: Sequence[Example],
    undated: set[int],
    unit: Unit | None,
    questions: int,
    unknown_codes: Counter[str],
    layer: str,
    layers: Sequence[str],
) -> list[str]:
    notes = []
    if not examples:
        which = {LAYER_ALL: "no annotator", LAYER_GOLD: "no reviewer"}.get(layer, layer)
        notes.append(
            f"Nothing to count: {which} has opened a document yet"
            + (" (the gold layer counts documents marked reviewed)." if layer == LAYER_GOLD
               else ".")
        )  # fmt: skip
    periods = [key for key in by if key in ("month", "year")]
    if undated and periods:
        notes.append(
            f"{len(undated)} of {len(examples)} document{'s' if len(examples) != 1 else ''} "
            f"{'have' if len(undated) != 1 else 'has'} no date with a {periods[0]} in "
            f"{'their' if len(undated) != 1 else 'its'} metadata ('date: 2025-03-14' in the "
            f"front matter): counted under '{NO_DATE}'."
        )
    if unit is not None and examples and not questions:
        notes.append(
            "No questions in these documents yet: 'annotator questions propose' finds them."
        )
    if unknown_codes:
        listed = ", ".join(sorted(unknown_codes))
        notes.append(f"Question codes not in the scheme, left out of the shares: {listed}.")
    if free:
        notes.append(
            f"Not broken down by value: {', '.join(free)} (free text: no value repeats in "
            f"any layer); --measures '{free[0]}*' asks for one by name."
        )
    notes += [f"Not counted: {line}." for line in left_out]
    if len(layers) > 1:
        notes.append(
            f"Each of {', '.join(layers)} counted on their own; {SPREAD}: the mean of their "
            "values, low and high their lowest and highest, sd their standard deviation."
        )
    return notes
