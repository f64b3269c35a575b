"""Planning who annotates which document: plain rules, no database (``store/assignments.py``
stores the plan).

Each document is to have ``copies`` annotators (1, or more for agreement). Those it already
has (assigned, or who started or finished it) count; the rest are chosen among the given
annotators, balancing the words each is assigned: documents are taken longest first, each to
the annotators with the fewest words so far (longest-processing-time greedy). Every choice
the balance leaves open (the order of documents of one length, which of two equally loaded
annotators, which documents the overlap doubles) is drawn from ``random.Random(seed)``, so one
seed gives one plan.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .errors import InvalidValue


@dataclass(frozen=True)
class PlanDocument:
    id: int
    words: int
    holders: frozenset[str]  # annotators who have it already (assigned, started or finished)


@dataclass(frozen=True)
class Plan:
    assignments: tuple[tuple[int, str], ...]  # (document id, annotator) to add, in order
    short: tuple[int, ...]  # documents that could not get all their copies (too few annotators)


def copies_per_document(
    document_ids: Sequence[int],
    annotators: int,
    *,
    per_document: int | None,
    overlap: float | None,
    rng: random.Random,
) -> dict[int, int]:
    """How many annotators each document is to have: ``per_document`` each, or one each and
    two for a share ``overlap`` of the documents (drawn at random)."""
    if per_document is not None and overlap is not None:
        raise InvalidValue("give --per-document or --overlap, not both")
    if overlap is not None:
        if not 0 <= overlap <= 1:
            raise InvalidValue(f"--overlap {overlap:g} is not a share between 0 and 1")
        doubled = set(rng.sample(sorted(document_ids), round(overlap * len(document_ids))))
        if doubled and annotators < 2:
            raise InvalidValue("--overlap needs at least 2 annotators to double documents")
        return {d: 2 if d in doubled else 1 for d in document_ids}
    k = 1 if per_document is None else per_document
    if k < 1:
        raise InvalidValue(f"--per-document {k} must be at least 1")
    if k > annotators:
        raise InvalidValue(f"--per-document {k} needs at least {k} annotators; {annotators} given")
    return dict.fromkeys(document_ids, k)


def plan(
    documents: Sequence[PlanDocument],
    annotators: Sequence[str],
    copies: Mapping[int, int],
    load: Mapping[str, int],
    rng: random.Random,
) -> Plan:
    """The assignments to add so that each document has ``copies[id]`` annotators, given the
    words each annotator is assigned already (``load``)."""
    words = {name: load.get(name, 0) for name in annotators}
    order = list(documents)
    rng.shuffle(order)
    order.sort(key=lambda d: -d.words)  # stable: equal lengths stay in the drawn order
    added: list[tuple[int, str]] = []
    short: list[int] = []
    for document in order:
        need = copies[document.id] - len(document.holders)
        if need <= 0:
            continue
        free = [name for name in annotators if name not in document.holders]
        ties = {name: rng.random() for name in free}
        chosen = sorted(free, key=lambda name: (words[name], ties[name]))[:need]
        if len(chosen) < need:
            short.append(document.id)
        for name in chosen:
            words[name] += document.words
            added.append((document.id, name))
    return Plan(tuple(added), tuple(sorted(short)))
