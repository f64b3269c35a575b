"""Helpers the format writers share: file names from annotator names, stable hashes, layers."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from .examples import Example, ExportReport, ExportSpan

_UNSAFE = re.compile(r"[^\w.-]+")


def file_names(names: Iterable[str]) -> dict[str, str]:
    """A distinct, file-system-safe name for each annotator name (order kept).

    Runs of characters other than letters, digits, ``_``, ``.`` and ``-`` become ``_``; a
    leading dot is dropped (no hidden files); names that clash after that get ``-2``, ``-3``.
    """
    result: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base = _UNSAFE.sub("_", name).strip("_").lstrip(".") or "annotator"
        candidate, number = base, 1
        while candidate.lower() in taken:  # case-insensitive file systems
            number += 1
            candidate = f"{base}-{number}"
        taken.add(candidate.lower())
        result[name] = candidate
    return result


def sibling(path: Path, name: str) -> Path:
    """``<stem>.<name><suffix>`` next to ``path``: one file per annotator."""
    return path.with_name(f"{path.stem}.{name}{path.suffix}")


def int32_hash(data: str) -> int:
    """A stable signed 32-bit integer: the first 4 bytes of BLAKE2b over UTF-8 ``data``."""
    digest = hashlib.blake2b(data.encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def layers(example: Example, report: ExportReport) -> list[tuple[str, list[ExportSpan]]]:
    """Each annotator of the example with their spans; an example with none is reported."""
    if not example.annotators:
        report.problem(example, "no annotator layer in this project, nothing written for it")
        return []
    by_annotator: dict[str, list[ExportSpan]] = {name: [] for name in example.annotators}
    for span in example.spans:
        by_annotator.setdefault(span.annotator, []).append(span)
    return list(by_annotator.items())
