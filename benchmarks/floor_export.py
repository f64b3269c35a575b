"""The floor an export is measured against: read the same rows with one SQL query (documents,
layer statuses, turns and spans of every document, in document order, streamed; the scheme
and the speaker registry read once before) and write the same bytes, with nothing else (no
format registry, no staging folder, no report, no checks).

    python benchmarks/floor_export.py PROJECT.db FORMAT OUT

``FORMAT`` is ``jsonl``, ``csv``, ``doccano``, ``conll``, ``prodigy`` or ``spacy``, each
written as ``annotator export --format FORMAT -o OUT`` writes it with its defaults (every
annotator's layer, ``--unit document``, the ``auto`` tokenizer) for the projects the
benchmarks build: no questions, unit codes or gold layer, attributes of the types
``choice``, ``text``, ``boolean`` and ``number`` (the floor refuses other projects rather
than write other bytes). ``benchmarks/bench_export.py`` compares the bytes and reports the
export's CPU time over the floor's.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import io
import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

# One query, streamed in document order: a document row, then its layers' statuses, its
# turns and its spans (SQLite merges the four arms, each read in its index's order).
QUERY = """
SELECT id, 0, 0, title, format, source_path, text, metadata, NULL, NULL, NULL, NULL, NULL
  FROM documents
UNION ALL
SELECT st.document_id, 1, 0, a.name, st.status, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM document_status st JOIN annotators a ON a.id = st.annotator_id
UNION ALL
SELECT document_id, 2, turn_index, speaker, start, "end", start_time, end_time,
       NULL, NULL, NULL, NULL, NULL
  FROM turns
UNION ALL
SELECT s.document_id, 3, s.id, a.name, s.label, s.start, s."end", s.attributes, s.note,
       s.scheme_hash, s.created_at, s.updated_at, s.provenance
  FROM spans s JOIN annotators a ON a.id = s.annotator_id
ORDER BY 1, 2, 3
"""

Document = tuple[tuple[Any, ...], dict[str, str], list[tuple[Any, ...]], list[tuple[Any, ...]]]


def documents(conn: sqlite3.Connection) -> Iterator[Document]:
    """Each exported document: its row, its layers (name -> status, names sorted, only
    layers opened), its turns and the spans of those layers, sorted as exports sort them."""
    row: tuple[Any, ...] | None = None
    statuses: dict[str, str] = {}
    turns: list[tuple[Any, ...]] = []
    spans: list[tuple[Any, ...]] = []

    def done() -> Iterator[Document]:
        if row is not None:
            layers = {k: v for k, v in sorted(statuses.items()) if v in ("done", "in_progress")}
            if layers:
                kept = [s for s in spans if s[3] in layers]
                kept.sort(key=lambda s: (s[5], s[6], s[3], s[4], s[2]))
                yield row, dict(sorted(statuses.items())), turns, kept

    for record in conn.execute(QUERY):
        kind = record[1]
        if kind == 0:
            yield from done()
            row, statuses, turns, spans = record, {}, [], []
        elif kind == 1:
            statuses[record[3]] = record[4]
        elif kind == 2:
            turns.append(record)
        else:
            spans.append(record)
    yield from done()


def opened(statuses: dict[str, str]) -> list[str]:
    return [name for name, status in statuses.items() if status in ("done", "in_progress")]


def people_of(conn: sqlite3.Connection) -> dict[str, tuple[str, str | None]]:
    """The speaker registry, read once: each linked label's person and role."""
    return {
        label: (name, role)
        for label, name, role in conn.execute(
            "SELECT l.label, p.name, p.role FROM speaker_labels l JOIN people p "
            "ON p.id = l.person_id"
        )
    }


NOBODY: tuple[None, None] = (None, None)


def scheme_of(conn: sqlite3.Connection) -> Any:
    from annotator.scheme import load_scheme  # setup only, not the rows

    (current,) = conn.execute("SELECT value FROM project WHERE key = 'scheme_hash'").fetchone()
    (text,) = conn.execute("SELECT yaml FROM schemes WHERE hash = ?", [current]).fetchone()
    return load_scheme(text)


def check(conn: sqlite3.Connection) -> None:
    """Refuse what this floor does not write."""
    for table in ("questions", "codes"):
        if conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
            raise SystemExit(f"floor_export covers projects without {table}")
    if conn.execute("SELECT 1 FROM annotators WHERE name = 'gold'").fetchone():
        raise SystemExit("floor_export covers projects without a gold layer")


# ---- jsonl -------------------------------------------------------------------------------


def jsonl(conn: sqlite3.Connection, scheme: Any, out: Path) -> None:
    info = {"name": scheme.name, "version": scheme.version, "hash": scheme.hash}
    people = people_of(conn)
    dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    loads = json.loads
    with open(out, "w", encoding="utf-8", newline="") as file:
        for row, statuses, turns, spans in documents(conn):
            doc, text = row[0], row[6]
            starts = [t[4] for t in turns]
            record = {
                "id": f"doc-{doc}", "document_id": doc, "title": row[3], "format": row[4],
                "source_path": row[5], "text": text,
                "turns": [
                    {"index": t[2], "speaker": t[3], "start": t[4], "end": t[5],
                     "start_time": None if t[6] is None else float(t[6]),
                     "end_time": None if t[7] is None else float(t[7]),
                     "person": people.get(t[3], NOBODY)[0], "role": people.get(t[3], NOBODY)[1]}
                    for t in turns
                ],
                "spans": [
                    {"id": s[2], "label": s[4], "start": s[5], "end": s[6],
                     "text": text[s[5] : s[6]], "annotator": s[3],
                     "attributes": loads(s[7]) if s[7] != "{}" else {}, "note": s[8],
                     "created_at": s[10], "updated_at": s[11], "scheme_hash": s[9],
                     "provenance": None, "question": None,
                     "speaker": (speaker := turns[max(0, bisect.bisect_right(starts, s[5]) - 1)][3]
                                 if turns else None),
                     "person": people.get(speaker, NOBODY)[0],
                     "role": people.get(speaker, NOBODY)[1]}
                    for s in spans
                ],
                "questions": [], "codes": [], "annotators": opened(statuses),
                "statuses": statuses, "metadata": loads(row[7]), "turn_index": None,
                "speaker": None, "scheme": info,
            }  # fmt: skip
            file.write(dumps(record))
            file.write("\n")


# ---- csv ---------------------------------------------------------------------------------

FITS: dict[str, Callable[[Any], bool]] = {
    "choice": lambda v: isinstance(v, str),
    "text": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


def csv_(conn: sqlite3.Connection, scheme: Any, out: Path) -> None:
    from annotator.export.csv import COLUMNS, FIRST_METADATA, MORE_COLUMNS

    names, places = [], {}
    for label in scheme.labels:
        places[label.id] = []
        for attribute in label.attributes:
            if attribute.type not in FITS:
                raise SystemExit("floor_export covers attributes of four types")
            places[label.id].append((len(names), attribute.id, FITS[attribute.type]))
            names.append(f"{label.id}.{attribute.id}")
    dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
    people = people_of(conn)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    body: list[tuple[list[str], dict[str, Any]]] = []
    keys: set[str] = set()
    for row, _, turns, spans in documents(conn):
        doc, title, text = row[0], row[3], row[6]
        meta = {f"meta.{k}": v for k, v in json.loads(row[7]).items()}  # flat metadata
        keys.update(meta)
        starts = [t[4] for t in turns]
        lines = []
        for s in spans:
            values = json.loads(s[7]) if s[7] != "{}" else {}
            turn = turns[max(0, bisect.bisect_right(starts, s[5]) - 1)] if turns else None
            cells: list[Any] = [None] * len(names)
            for position, key, fits in places[s[4]]:
                value = values.get(key)
                if value is not None and fits(value):
                    cells[position] = ("true" if value else "false") if value is True or (
                        value is False) else value  # fmt: skip
            person, role = people.get(turn[3], NOBODY) if turn else NOBODY
            writer.writerow([
                doc, title, f"doc-{doc}", turn[2] if turn else None, turn[3] if turn else None,
                person, role, s[3], s[4], s[5], s[6], text[s[5] : s[6]], dumps(values), s[8],
                s[10], s[11], s[9], turn[6] if turn else None, turn[7] if turn else None,
                None, None, *cells,
            ])  # fmt: skip
            lines.append(buffer.getvalue()[:-2])
            buffer.seek(0)
            buffer.truncate()
        body.append((lines, meta))
    ordered = [k for k in FIRST_METADATA if k in keys] + sorted(keys.difference(FIRST_METADATA))
    with open(out, "w", encoding="utf-8", newline="") as file:
        csv.writer(file, lineterminator="\r\n").writerow(
            [*COLUMNS, *MORE_COLUMNS, *names, *ordered]
        )
        for lines, meta in body:
            writer.writerow(["-", *(_cell(meta.get(key)) for key in ordered)])
            tail = buffer.getvalue()[1:]
            buffer.seek(0)
            buffer.truncate()
            file.write("".join(line + tail for line in lines))


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


# ---- doccano ------------------------------------------------------------------------------


def doccano(conn: sqlite3.Connection, scheme: Any, out: Path) -> None:
    line = 0
    with open(out, "w", encoding="utf-8", newline="") as file:
        for row, statuses, _, spans in documents(conn):
            for name in opened(statuses):
                line += 1
                record = {
                    "id": line, "text": row[6],
                    "label": [[s[5], s[6], s[4]] for s in spans if s[3] == name],
                    "annotator": name, "status": statuses[name], "title": row[3],
                    "document_id": row[0], "example_id": f"doc-{row[0]}", "speaker": None,
                    "turn": None, "Comments": [],
                }  # fmt: skip
                file.write(json.dumps(record, ensure_ascii=False) + "\n")


# ---- token formats (spaCy's blank English tokenizer: what ``auto`` picks with spaCy) -----


def _tokenizer() -> Any:
    import spacy

    nlp = spacy.blank("en")
    nlp.max_length = 2**31 - 1
    return nlp


def _token_range(
    starts: list[int], ends: list[int], start: int, end: int, spaces: list[bool] | None = None
) -> tuple[int, int]:
    """First and last token of a span, snapped outward, never a whitespace token at an edge
    (the benchmarks' spans always cover a word)."""
    first, last = bisect.bisect_right(ends, start), bisect.bisect_left(starts, end) - 1
    if spaces:
        while first <= last and spaces[first]:
            first += 1
        while last >= first and spaces[last]:
            last -= 1
    return first, last


def conll(conn: sqlite3.Connection, scheme: Any, out: Path) -> None:
    nlp = _tokenizer()
    columns = [label.id for label in scheme.labels]
    index = {label: i for i, label in enumerate(columns)}
    files: dict[str, Any] = {}
    many = len(opened_everywhere(conn)) > 1
    try:
        for row, statuses, _, spans in documents(conn):
            doc = nlp.make_doc(row[6])
            words = [t for t in doc if not t.is_space]
            texts = [t.text for t in words]
            starts = [t.idx for t in words]
            ends = [t.idx + len(t) for t in words]
            for name in opened(statuses):
                if name not in files:
                    target = out.with_name(f"{out.stem}.{name}{out.suffix}") if many else out
                    files[name] = open(target, "w", encoding="utf-8", newline="")  # noqa: SIM115
                    files[name].write(_conll_header(columns, name, scheme))
                tags = [["O"] * len(words) for _ in columns]
                ranges = sorted(
                    (*_token_range(starts, ends, s[5], s[6]), s[4]) for s in spans if s[3] == name
                )
                ranges.sort(key=lambda r: (r[0], -r[1]))
                for first, last, label in ranges:
                    column = tags[index[label]]
                    if first > last or any(tag != "O" for tag in column[first : last + 1]):
                        continue
                    column[first] = f"B-{label}"
                    column[first + 1 : last + 1] = [f"I-{label}"] * (last - first)
                lines = ["\t".join(["-DOCSTART-"] + ["O"] * len(columns)), ""]
                lines += ["\t".join(cells) for cells in zip(texts, *tags, strict=True)]
                files[name].write("\n".join(lines) + "\n\n")
    finally:
        for file in files.values():
            file.close()


def opened_everywhere(conn: sqlite3.Connection) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT a.name FROM document_status st JOIN annotators a "
            "ON a.id = st.annotator_id WHERE st.status IN ('done', 'in_progress')"
        )
    ]


def _conll_header(columns: list[str], name: str, scheme: Any) -> str:
    lines = [
        f"global.columns = {' '.join(['FORM', *columns])}",
        f"annotator = {name}",
        f"scheme = {scheme.name} v{scheme.version} ({scheme.hash})",
    ]
    return "".join(f"# {line}\n" for line in lines) + "\n"


def prodigy(conn: sqlite3.Connection, scheme: Any, out: Path) -> None:
    nlp = _tokenizer()
    question = json.dumps(["spans_manual", [label.id for label in scheme.labels]])
    with open(out, "w", encoding="utf-8", newline="") as file:
        for row, statuses, _, spans in documents(conn):
            text = row[6]
            doc = nlp.make_doc(text)
            tokens = [
                {"text": t.text, "start": t.idx, "end": t.idx + len(t), "id": t.i,
                 "ws": bool(t.whitespace_)}
                for t in doc
            ]  # fmt: skip
            starts = [t.idx for t in doc]
            ends = [t.idx + len(t) for t in doc]
            spaces = [t.is_space for t in doc]
            input_hash = _int32(json.dumps({"text": text}, ensure_ascii=False))
            task_hash = _int32(f"{input_hash} {question}")
            for name in opened(statuses):
                mine = [s for s in spans if s[3] == name]
                written = []
                for s in mine:
                    first, last = _token_range(starts, ends, s[5], s[6], spaces)
                    item: dict[str, Any] = {"start": s[5], "end": s[6]}
                    if first <= last:  # a span covering no token has no token range
                        item.update(token_start=first, token_end=last)
                    item.update(label=s[4], text=text[s[5] : s[6]])
                    if s[7] != "{}":
                        item["attributes"] = json.loads(s[7])
                    if s[8]:
                        item["note"] = s[8]
                    written.append(item)
                task = {
                    "text": text,
                    "meta": {"title": row[3], "document_id": row[0], "example_id": f"doc-{row[0]}",
                             "annotator": name, "status": statuses[name], "speaker": None,
                             "turn": None, "tokenizer": "spacy"},
                    "tokens": tokens, "spans": written, "_input_hash": input_hash,
                    "_task_hash": task_hash, "_view_id": "spans_manual", "answer": "accept",
                    "_session_id": f"{scheme.name}-{name}",
                    "_annotator_id": f"{scheme.name}-{name}",
                }  # fmt: skip
                if mine:
                    task["_timestamp"] = max(
                        int(datetime.fromisoformat(s[11]).timestamp()) for s in mine
                    )
                file.write(json.dumps(task, ensure_ascii=False) + "\n")


def _int32(data: str) -> int:
    digest = hashlib.blake2b(data.encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def spacy_(conn: sqlite3.Connection, scheme: Any, out: Path) -> None:
    from spacy.tokens import DocBin

    nlp = _tokenizer()
    order = {label.id: i for i, label in enumerate(scheme.labels)}
    docs, tokens, parts = DocBin(store_user_data=True), 0, []
    for row, statuses, _, spans in documents(conn):
        made = nlp.make_doc(row[6])
        for name in opened(statuses):
            doc = made.copy()
            mine = [s for s in spans if s[3] == name]
            found = (
                doc.char_span(s[5], s[6], label=s[4])
                or doc.char_span(s[5], s[6], label=s[4], alignment_mode="expand")
                for s in mine
            )
            group = [span for span in found if span is not None]
            doc.spans["sc"] = group
            taken = [False] * len(doc)
            chosen = []
            for span in sorted(group, key=lambda s: (-(s.end - s.start), s.start, order[s.label_])):
                if not any(taken[span.start : span.end]):
                    taken[span.start : span.end] = [True] * (span.end - span.start)
                    chosen.append(span)
            doc.ents = sorted(chosen, key=lambda s: s.start)
            doc.user_data.update({
                "annotator": name, "status": statuses[name], "scheme_name": scheme.name,
                "scheme_version": scheme.version, "scheme_hash": scheme.hash,
                "document_id": row[0], "example_id": f"doc-{row[0]}", "title": row[3],
                "speaker": None, "turn": None,
                "spans": [
                    {"start": s[5], "end": s[6], "label": s[4],
                     "attributes": json.loads(s[7]) if s[7] != "{}" else {}, "note": s[8]}
                    for s in mine
                ],
            })  # fmt: skip
            docs.add(doc)
            tokens += len(doc)
        if tokens >= 200_000:
            parts.append(out.with_name(f"{out.stem}-{len(parts) + 1:04d}{out.suffix}"))
            docs.to_disk(parts[-1])
            docs, tokens = DocBin(store_user_data=True), 0
    if not parts:
        docs.to_disk(out)
    elif len(docs):
        parts.append(out.with_name(f"{out.stem}-{len(parts) + 1:04d}{out.suffix}"))
        docs.to_disk(parts[-1])


FLOORS: dict[str, Callable[[sqlite3.Connection, Any, Path], None]] = {
    "jsonl": jsonl,
    "csv": csv_,
    "doccano": doccano,
    "conll": conll,
    "prodigy": prodigy,
    "spacy": spacy_,
}


def main(db: Path, fmt: str, out: Path) -> None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    check(conn)
    scheme = scheme_of(conn)
    started = time.process_time()
    FLOORS[fmt](conn, scheme, out)
    print(time.process_time() - started)  # CPU time of the work, for bench_export.py


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
