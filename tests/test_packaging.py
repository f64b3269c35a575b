"""The package: entry points, bundled data in a real wheel, and the domain/UI boundary."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from annotator.resources import default_scheme_path, sample_transcripts

ROOT = Path(__file__).resolve().parents[1]
DOMAIN_MODULES = [
    "annotator.model",
    "annotator.scheme",
    "annotator.store",
    "annotator.database",
    "annotator.span_log",
    "annotator.migrations",
    "annotator.resources",
    "annotator.io",
    "annotator.textindex",
    "annotator.motions",
    "annotator.editor",
    "annotator.config",
    "annotator.agreement",
    "annotator.agreement_report",
    "annotator.gold",
    "annotator.review",
    "annotator.export",
    "annotator.keymap",
    "annotator.errors",
    "annotator.cli",  # loads the app (and Textual) only when the app is started
]


def test_domain_never_imports_textual() -> None:
    # In a fresh interpreter, so that nothing imported by other tests hides a dynamic import.
    code = (
        "import importlib, sys\n"
        f"for name in {DOMAIN_MODULES!r}: importlib.import_module(name)\n"
        "import annotator.io as io\n"
        "import pkgutil\n"
        "for info in pkgutil.iter_modules(io.__path__):\n"
        "    importlib.import_module('annotator.io.' + info.name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_bundled_files_are_found() -> None:
    assert default_scheme_path().is_file()
    names = [p.name for p in sample_transcripts()]
    assert len(names) >= 3 and not any(n.lower().startswith("readme") for n in names)


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "annotator", "--version"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0
    assert "annotator" in result.stdout


def test_wheel_carries_schemes_and_sample_transcripts(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    [wheel] = tmp_path.glob("annotator-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "annotator/_bundled/schemas/political-interview.yaml" in names
    assert "annotator/_bundled/schemas/scheme.schema.json" in names
    for sample in sample_transcripts():
        assert f"annotator/_bundled/sample_transcripts/{sample.name}" in names
