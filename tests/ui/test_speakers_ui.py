"""Turn headers name the person a speaker label names, with the label where they differ."""

from __future__ import annotations

from pathlib import Path

from conftest import layout

from annotator.app import make_app
from annotator.model import ImportedDocument
from annotator.resources import default_scheme_path
from annotator.scheme import load_scheme_file
from annotator.store import Project
from annotator.textindex import HEADER
from annotator.widgets.transcript_view import TranscriptView

TURNS = [
    ("SPEAKER_00", "Will you resign?"),
    ("SPEAKER_01", "No."),
    ("HOST", "Thank you."),
]


async def test_headers_show_the_person_and_the_label(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    text, turns = layout([t for _, t in TURNS], [s for s, _ in TURNS])
    with Project.create(db, load_scheme_file(default_scheme_path())) as project:
        project.add_documents([ImportedDocument("Interview", text, tuple(turns), "text")])
        project.rename_speaker("SPEAKER_01", "Yvette Cooper")
        project.rename_speaker("SPEAKER_00", "Nick [bold]Robinson[/]\x1b[31m")
    app = make_app(db, annotator="alice", config_file=tmp_path / "config.yaml")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        assert view.wrap is not None
        headers = [
            "".join(segment.text for segment in view.render_line(y)).strip()
            for y in range(view.wrap.height)
            if view.wrap.row(y).kind == HEADER
        ]
    assert headers == [
        "Nick [bold]Robinson[/]␛[31m (SPEAKER_00)",  # literal: no markup, no escape
        "Yvette Cooper (SPEAKER_01)",
        "HOST",  # a label naming a person of its own name
    ]
