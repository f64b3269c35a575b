"""brat and Label Studio importers (annotator/io/brat.py, annotator/io/labelstudio.py), their
detection, and the small additions to the Prodigy/doccano importer and the store that let our
own exports read back."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from test_import_common import assert_well_formed

from annotator.io import FORMATS, ImportFailure, detect_format, read_transcript
from annotator.model import ImportedDocument, SpanDraft
from annotator.scheme import Attribute, Scheme
from annotator.store import Project

TEXT = "I won't say. They failed.\n\nWe will\nbuild homes."


def pair(folder: Path, stem: str, ann: str, text: str = TEXT) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.txt").write_text(text, encoding="utf-8", newline="")
    path = folder / f"{stem}.ann"
    path.write_text(ann, encoding="utf-8", newline="")
    return path


def refused(path: Path, fmt: str | None = None) -> str:
    with pytest.raises(ImportFailure) as info:
        read_transcript(path, fmt)
    return str(info.value)


# ---- brat -----------------------------------------------------------------------------


def test_brat_spans_attributes_notes_and_skipped_lines(tmp_path: Path) -> None:
    ann = pair(
        tmp_path,
        "interview7",
        "T1\tdeflection 0 11\tI won't say\n"
        "T2\tcriticism 13 24\tThey failed\n"
        "T3\tcommitment 27 34;35 46\tWe will build homes\n"
        "A1\tpersonal T2\n"
        "A2\tform T1 in%20direct\n"
        "M3\tcommitment__strength T3 strong\n"
        "R1\tResponds_to Arg1:T2 Arg2:T1\n"
        "A4\tNegated R1\n"
        "#1\tAnnotatorNotes T1\tRefuses to say\n"
        "#2\tAnnotatorNotes T1\tTwice\n"
        "\n",
    )
    [doc] = read_transcript(ann)
    assert_well_formed(doc)
    assert (doc.format, doc.title, doc.text, doc.annotator) == ("brat", "interview7", TEXT, None)
    assert [(t.start, t.end) for t in doc.turns] == [(0, 25), (27, 47)]
    assert doc.spans == (
        SpanDraft("deflection", 0, 11, {"form": "in direct"}, "Refuses to say\nTwice"),
        SpanDraft("criticism", 13, 24, {"personal": True}),
        SpanDraft("commitment", 27, 46, {"strength": "strong"}),
    )
    assert doc.metadata == {"skipped": {"relations": 1, "attributes of skipped annotations": 1}}
    assert detect_format(ann, "") == "brat" and "brat" in FORMATS


@pytest.mark.parametrize(
    ("ann", "reason"),
    [
        ("T1\tquote 0 11\tI won't sa\n", 'line 1: T1 covers "I won\'t say" in the .txt, but the'),
        ("T1\tquote 0 5;8 11\tI won say\n", 'line 1: T1 is discontinuous across "\'t "; only'),
        ("T1\tquote 0 99\tx\n", "line 1: T1 fragment [0, 99) is empty, out of order or outside"),
        ("T1\tquote 5 5\t\n", "line 1: T1 fragment [5, 5) is empty"),
        ("T1 quote 0 1\tI\n", "line 1: not a text-bound line"),
        ("T1\tquote 0 1\tI\nT1\tquote 0 1\tI\n", "line 2: T1 is defined twice"),
        ("A1\tform T9 direct\n", "line 1: T9 is not a span in this file"),
        ("T1\tq 0 1\tI\nA1\tf T1 a\nA2\tf T1 b\n", "line 3: T1 has attribute f twice"),
        ("X1\twhat\n", "line 1: unknown annotation line 'X1\\twhat'"),
    ],
)
def test_brat_bad_line_refuses_the_document(tmp_path: Path, ann: str, reason: str) -> None:
    path = pair(tmp_path, "doc", ann)
    message = refused(path)
    assert message.startswith(f"{path}: {reason}")


def test_brat_needs_the_txt(tmp_path: Path) -> None:
    path = tmp_path / "lonely.ann"
    path.write_text("", encoding="utf-8")
    assert "no lonely.txt beside it" in refused(path)


def test_brat_text_with_cr_and_spans_is_refused(tmp_path: Path) -> None:
    path = pair(tmp_path, "doc", "T1\tq 0 1\tI\n", text="I said.\r\nNo.")
    assert "has \\r line ends or is not in Unicode NFC" in refused(path)


def test_brat_folder_and_annotator_from_our_conf(tmp_path: Path) -> None:
    root = tmp_path / "export"
    pair(root / "alice", "doc-1", "T1\tquote 0 11\tI won't say\n")
    pair(root / "bob", "doc-1", "")
    (root / "annotation.conf").write_text("# Written by annotator from scheme x v1\n")
    docs = read_transcript(root)
    assert [(d.annotator, len(d.spans)) for d in docs] == [("alice", 1), ("bob", 0)]
    # --format brat on the .txt reads its .ann; another conf names no annotator.
    (root / "annotation.conf").write_text("[entities]\nquote\n")
    [doc] = read_transcript(root / "alice" / "doc-1.txt", "brat")
    assert doc.annotator is None and doc.spans == (SpanDraft("quote", 0, 11),)


def test_folder_without_ann_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("Hi.")
    assert refused(tmp_path) == f"{tmp_path}: the folder has no .ann files, so it is not brat data"
    assert "a folder is read as brat data, not text" in refused(tmp_path, "text")


# ---- Label Studio ---------------------------------------------------------------------


def region(rid: str, start: int, end: int, label: str, **value: Any) -> dict[str, Any]:
    return {
        "id": rid,
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": end, "labels": [label], **value},
    }


def per_region(rid: str, name: str, kind: str, **value: Any) -> dict[str, Any]:
    return {"id": rid, "from_name": name, "to_name": "text", "type": kind, "value": value}


def write_tasks(tmp_path: Path, tasks: Any, name: str = "project.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path


def test_labelstudio_one_layer_per_annotation(tmp_path: Path) -> None:
    text = "I won't say. They failed."
    tasks = [
        {
            "id": 7,
            "data": {"text": text, "title": "Interview 7", "speaker": "A", "source": "wh"},
            "annotations": [
                {
                    "completed_by": {"id": 2, "email": "alice@example.org"},
                    "result": [
                        region("r1", 0, 11, "deflection", text="I won't say"),
                        per_region(
                            "r1", "deflection__form", "choices", start=0, end=11, choices=["x"]
                        ),
                        per_region("r1", "note", "textarea", start=0, end=11, text=["a", "b"]),
                        region("r2", 13, 24, "criticism"),
                        per_region("r2", "strength", "number", start=13, end=24, number=3),
                        per_region("r2", "stars", "rating", start=13, end=24, rating=4),
                        {
                            "id": "t",
                            "from_name": "ok",
                            "type": "choices",
                            "value": {"choices": ["y"]},
                        },
                    ],
                },
                {"completed_by": 9, "result": [region("r1", 0, 25, "quote")]},
                {"completed_by": 3, "was_cancelled": True, "result": []},
            ],
        },
        {"id": 8, "data": {"text": "Nothing here."}, "annotations": []},
    ]
    path = write_tasks(tmp_path, tasks)
    assert detect_format(path, path.read_text(encoding="utf-8")) == "labelstudio"
    docs = read_transcript(path)
    for doc in docs:
        assert_well_formed(doc)
    assert [(d.title, d.annotator, d.format) for d in docs] == [
        ("Interview 7", "alice@example.org", "labelstudio"),
        ("Interview 7", "user-9", "labelstudio"),
        ("project task 8", None, "labelstudio"),
    ]
    assert docs[0].turns[0].speaker == "A"
    assert docs[0].spans == (
        SpanDraft("deflection", 0, 11, {"form": "x"}, "a\nb"),
        SpanDraft("criticism", 13, 24, {"strength": 3, "stars": 4}),
    )
    assert docs[0].metadata == {
        "task_id": 7,
        "title": "Interview 7",
        "speaker": "A",
        "source": "wh",
        "skipped": {"task-level results": 1},
    }
    assert docs[1].spans == (SpanDraft("quote", 0, 25),)
    assert docs[2].spans == ()


def test_labelstudio_utf16_offsets_are_converted(tmp_path: Path) -> None:
    text = "😀 They failed."
    task = {
        "data": {"text": text},
        "annotations": [{"result": [region("a", 3, 7, "x", text="They")]}],
    }
    [doc] = read_transcript(write_tasks(tmp_path, [task]))
    assert doc.spans == (SpanDraft("x", 2, 6),)
    assert doc.metadata["offsets"] == "converted from UTF-16 code units"


def one_result(*results: dict[str, Any], text: str = "Hi.") -> dict[str, Any]:
    return {"data": {"text": text}, "annotations": [{"result": list(results)}]}


CHOICE = {"start": 0, "end": 2, "choices": ["a", "b"]}


@pytest.mark.parametrize(
    ("task", "reason"),
    [
        (
            one_result(region("a", 0, 2, "x", text="Ho"), text="Hi there."),
            "task 0: annotation 0: result[0] [0, 2) covers 'Hi', but the span's text is 'Ho'",
        ),
        (
            {"id": 4, "data": {"txt": "Hi."}, "annotations": []},
            'task 0 (id 4): the task has no "data.text" string',
        ),
        (
            one_result(region("a", 0, "2", "x")),
            "task 0: annotation 0: result[0] needs integer value.start and value.end",
        ),
        (
            one_result(per_region("z", "f", "choices", **CHOICE)),
            "task 0: annotation 0: result[0] belongs to region z, which has no labels result",
        ),
        (
            one_result(region("a", 0, 2, "x"), per_region("a", "f", "choices", choices=[])),
            "task 0: annotation 0: result[1] must hold one or more choices",
        ),
    ],
)
def test_labelstudio_bad_task_refuses_the_file(tmp_path: Path, task: Any, reason: str) -> None:
    path = write_tasks(tmp_path, [task])
    assert refused(path, "labelstudio").startswith(f"{path}: {reason}")


def test_labelstudio_not_a_task_list(tmp_path: Path) -> None:
    path = write_tasks(tmp_path, {"data": {}})
    assert refused(path, "labelstudio") == (
        f"{path}: a Label Studio export is a non-empty JSON list of tasks"
    )
    assert detect_format(path, json.dumps([{"text": "a turn"}])) == "json"


# ---- Prodigy/doccano additions and typed attribute values -----------------------------


def test_prodigy_prefers_meta_annotator_and_keeps_span_extras(tmp_path: Path) -> None:
    record = {
        "text": "They failed.",
        "meta": {"annotator": "alice"},
        "_annotator_id": "interviews-alice",
        "spans": [{"start": 0, "end": 4, "label": "x", "attributes": {"a": 1}, "note": "n"}],
    }
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    [doc] = read_transcript(path)
    assert doc.annotator == "alice"
    assert doc.spans == (SpanDraft("x", 0, 4, {"a": 1}, "n"),)
    record["spans"][0]["attributes"] = ["a"]
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert refused(path).endswith("line 1: spans[0] attributes must be an object")


def test_doccano_annotator_key_names_the_layer(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"text": "Hi.", "label": [], "annotator": "bob"}) + "\n")
    [doc] = read_transcript(path)
    assert doc.annotator == "bob"


def test_attribute_from_text() -> None:
    assert Attribute("p", "P", "boolean").from_text("true") is True
    assert Attribute("p", "P", "boolean").from_text(" False") is False
    assert Attribute("p", "P", "boolean").from_text("yes") == "yes"  # check() refuses it
    assert Attribute("n", "N", "number").from_text("3") == 3
    assert Attribute("n", "N", "number").from_text("-2.5e1") == -25.0
    assert Attribute("n", "N", "number").from_text("three") == "three"
    assert Attribute("t", "T", "text").from_text("3") == "3"
    assert Attribute("n", "N", "number").from_text(4) == 4


def test_imported_layers_read_typed_values_from_text(project: Project, tiny_scheme: Scheme) -> None:
    from annotator.model import Turn

    attributes = {"target": "them", "strength": "2.5", "personal": "true"}
    doc = ImportedDocument(
        "T",
        "They failed.",
        (Turn(0, 0, 12),),
        "brat",
        spans=(SpanDraft("criticism", 0, 4, attributes),),
        annotator="ann",
    )
    [result] = project.add_documents([doc])
    [span] = project.spans(result.document_id)
    assert dict(span.attributes) == {"target": "them", "strength": 2.5, "personal": True}


def test_is_brat_folder(tmp_path: Path) -> None:
    from annotator.io.files import is_brat_folder

    assert not is_brat_folder(tmp_path)
    pair(tmp_path / "alice", "doc", "")
    assert is_brat_folder(tmp_path) and not is_brat_folder(tmp_path / "alice" / "doc.ann")


# ---- inputs that once ended in a traceback --------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("T1\tquote 0 " + "9" * 5000 + "\tx", "T1 has an offset of more than 18 digits"),
        ("T1\tquote 0;" + "1" * 19 + " 2\tx", "line 1: not a text-bound line"),
        ("T1\tquote 0 99999999999999999\tx", "T1 fragment [0, 99999999999999999) is empty"),
    ],
    ids=["5000-digits", "19-digits", "17-digits"],
)
def test_brat_huge_offsets_are_refused(tmp_path: Path, line: str, reason: str) -> None:
    ann = pair(tmp_path, "doc", line + "\n")
    message = refused(ann)
    assert message.startswith(f"{ann}: line 1: ") and reason in message
    assert len(message) < 300


def test_brat_txt_without_read_permission_is_refused(tmp_path: Path) -> None:
    ann = pair(tmp_path, "doc", "T1\tquote 0 5\tI won\n")
    txt = ann.with_suffix(".txt")
    txt.chmod(0)
    if os.access(txt, os.R_OK):
        pytest.skip("running as a user who may read any file (root)")
    assert refused(tmp_path) == f"{txt}: cannot read: {PERMISSION}"


def test_brat_unreadable_txt_is_refused_even_for_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Permissions do not bind root: the operating system's refusal is simulated instead.
    ann = pair(tmp_path, "doc", "T1\tquote 0 5\tI won\n")
    txt = ann.with_suffix(".txt")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == txt:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert refused(tmp_path) == f"{txt}: cannot read: {PERMISSION}"


PERMISSION = "permission denied; check the file's permissions (chmod u+r)"


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (
            {"type": {"a": 1}, "value": {"start": 0, "end": 2}},
            'result[0] needs a "type" string (labels, choices, ...)',
        ),
        (
            {**region("a", 0, 2, "x"), "id": ["a"]},
            "result[0] id must be a number or a string, not list",
        ),
        (region("a", 0, 2, "x", text=7), "result[0] value.text must be a string"),
        (region("a", 0, 2**64, "x"), "result[0] value.start or value.end is too large"),
    ],
)
def test_labelstudio_wrong_json_types_are_refused(
    tmp_path: Path, result: dict[str, Any], reason: str
) -> None:
    path = write_tasks(tmp_path, [one_result(result)])
    assert refused(path) == f"{path}: task 0: annotation 0: {reason}"


def test_labelstudio_task_id_must_be_a_number_or_a_string(tmp_path: Path) -> None:
    path = write_tasks(tmp_path, [{"id": {"a": 1}, "data": {"text": "Hi."}, "annotations": []}])
    assert refused(path) == f"{path}: task 0: the task id must be a number or a string, not dict"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (
            '[{"data": {"text": "Hi \\ud800"}, "annotations": []}]',
            "[0].data.text: a string holds a lone UTF-16 surrogate",
        ),
        (
            '[{"data": {"text": "Hi"}, "annotations": [{"result": [{"value": {"start": '
            + "9" * 4301
            + "}}]}]}]",
            "line 1, column 75: a number of 4,301 digits is too long to read",
        ),
    ],
    ids=["surrogate", "4301-digits"],
)
def test_labelstudio_unreadable_json_values_are_refused(
    tmp_path: Path, raw: str, reason: str
) -> None:
    path = tmp_path / "project.json"
    path.write_text(raw, encoding="utf-8")
    assert refused(path).startswith(f"{path}: {reason}")
