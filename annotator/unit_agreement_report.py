"""Agreement on question codes for a whole project: what ``annotator agreement --unit
question`` prints.

Pure (no UI): :func:`unit_agreement_report` reads a :class:`~annotator.store.Project` and
returns a :class:`UnitAgreementReport`; :meth:`~UnitAgreementReport.to_dict` is the JSON
output and :func:`report_rows` the CSV's, as for the span report
(:mod:`annotator.agreement_report`).

Which codes count, by the span report's rule:

- A document counts when at least two of the selected annotators marked it ``done``. For
  that document only those annotators count; anyone else is *missing*, whatever they coded.
- Its units are its questions that have no parts (a question with parts is coded through
  its parts), each keyed ``(document id, question id)``. A unit that an annotator who did
  the document left uncoded is missing for them.
- A unit one of whose codes was made under a scheme version that defines its label otherwise
  than the current scheme is left out (:mod:`annotator.versions`), and ``versions`` says so.
- The coefficients, their levels, n and bootstrap intervals are
  :func:`~annotator.unit_agreement.unit_agreement`'s, with the annotators in the project's
  order (Fleiss' kappa uses the units every one of them coded).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .errors import ProjectError
from .model import Code
from .store import Project
from .unit_agreement import COEFFICIENTS, Estimate, UnitAgreement, unit_agreement
from .versions import Comparison, SchemeVersions

OVERALL = "overall"  # the label column of the figures over all labels


@dataclass(frozen=True)
class UnitAgreementReport:
    """The figures of one run; :meth:`rows` flattens them, one row per coefficient."""

    unit: str
    documents_counted: int
    questions: int  # the codable units of the counted documents
    agreement: UnitAgreement
    versions: tuple[str, ...] = ()  # what the scheme versions left out

    def rows(self) -> list[dict[str, Any]]:
        """Per level, overall then each label: the mean Cohen's kappa, Fleiss' kappa and
        Krippendorff's alpha, then Cohen's kappa of each pair (``pair`` set). ``label`` is
        ``None`` for the figures over all labels; every value is JSON-ready."""
        rows = []
        for figures in self.agreement.figures:
            for name in COEFFICIENTS:
                rows.append(_row(figures.level, figures.label, name, None, figures.estimate(name)))
            for pair in figures.pairs:
                rows.append(
                    _row(figures.level, figures.label, "cohen_kappa", (pair.a, pair.b), pair.kappa)
                )
        return rows

    def to_dict(self) -> dict[str, Any]:
        agreement = self.agreement
        return {
            "unit": self.unit,
            "annotators": list(agreement.annotators),
            "documents_counted": self.documents_counted,
            "units": self.questions,
            "units_coded": agreement.units,
            "units_coded_twice": agreement.pairable,
            "levels": agreement.levels,
            "bootstrap": {
                "resamples": agreement.resamples,
                "seed": agreement.seed,
                "confidence": agreement.confidence,
                "max_undefined": agreement.max_undefined,
            },
            "figures": self.rows(),
            "versions": list(self.versions),
        }


def _row(
    level: int, label: str | None, coefficient: str, pair: tuple[str, str] | None, e: Estimate
) -> dict[str, Any]:
    return {
        "level": level,
        "label": label,
        "coefficient": coefficient,
        "pair": list(pair) if pair else None,
        "value": e.value,
        "ci_low": e.ci[0] if e.ci else None,
        "ci_high": e.ci[1] if e.ci else None,
        "n": e.n,
        "reason": e.reason,
        "ci_reason": e.ci_reason,
    }


def unit_agreement_report(
    project: Project,
    annotators: Sequence[str] | None = None,
    documents: Sequence[int] | None = None,
    *,
    unit: str = "question",
    resamples: int = 1000,
    seed: int = 0,
) -> UnitAgreementReport:
    """Compute the report (see the module docstring for which codes count)."""
    codes_of = project.scheme.unit(unit)  # refuses a scheme without question codes
    known = project.annotators()
    for name in annotators or ():
        if name not in known:
            raise ProjectError(f"no annotator called {name!r} in this project")
    chosen = list(annotators) if annotators else known
    summaries = project.documents()
    wanted = set(documents) if documents else None
    if wanted is not None:
        missing = wanted - {s.id for s in summaries}
        if missing:
            raise ProjectError(f"no document with id {min(missing)} in this project")
    ratings: dict[tuple[int, int], dict[str, str]] = {}
    comparison = Comparison(SchemeVersions(project.scheme, project.scheme_versions()), "code")
    counted = 0
    used: set[str] = set()
    for summary in summaries:
        if wanted is not None and summary.id not in wanted:
            continue
        done = [a for a in chosen if summary.statuses.get(a) == "done"]
        if len(done) < 2:
            continue
        counted += 1
        used.update(done)
        questions = project.questions(summary.id)
        grouping = {q.parent_id for q in questions if q.parent_id is not None}
        units: dict[int, dict[str, str]] = {q.id: {} for q in questions if q.id not in grouping}
        given: dict[int, list[Code]] = {}
        for code in project.codes(unit, document_id=summary.id):
            if code.annotator in done and code.question_id in units:
                units[code.question_id][code.annotator] = code.label
                given.setdefault(code.question_id, []).append(code)
        for question, codes in given.items():
            if not comparison.unit(summary.id, codes):
                del units[question]
        ratings.update(((summary.id, question), codes) for question, codes in units.items())
    names = [name for name in chosen if name in used]
    result = unit_agreement(ratings, codes_of, names, resamples=resamples, seed=seed)
    return UnitAgreementReport(unit, counted, len(ratings), result, tuple(comparison.notes()))


def report_rows(report: UnitAgreementReport) -> list[tuple[str, str, str, object]]:
    """The report as ``(section, row, column, value)`` rows: the CSV output. A figure's row
    is ``level|label|coefficient`` (label ``overall`` for all labels), then ``|a|b`` for a
    pair's kappa."""
    data = report.to_dict()
    rows: list[tuple[str, str, str, object]] = [
        ("units", key, "count", data[key])
        for key in ("documents_counted", "units", "units_coded", "units_coded_twice")
    ]
    rows += [("bootstrap", key, "value", value) for key, value in data["bootstrap"].items()]
    for figure in data["figures"]:
        key = f"{figure['level']}|{figure['label'] or OVERALL}|{figure['coefficient']}"
        if figure["pair"]:
            key += "|" + "|".join(figure["pair"])
        for column in ("value", "ci_low", "ci_high", "n", "reason", "ci_reason"):
            value = figure[column]
            rows.append(("figure", key, column, "" if value is None else value))
    rows += [("versions", str(n), "note", note) for n, note in enumerate(report.versions, 1)]
    return rows
