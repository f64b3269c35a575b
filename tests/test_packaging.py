"""The package: entry points, bundled data in a real wheel, and the domain/UI boundary."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from annotator.resources import default_scheme_path, sample_transcripts, schemes_dir

ROOT = Path(__file__).resolve().parents[1]


def domain_modules() -> list[str]:
    """The modules the import-linter contract keeps free of Textual (pyproject.toml), plus the
    command line, which loads the app (and Textual) only when the app is started."""
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [contract] = [
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if "textual" in c.get("forbidden_modules", [])
    ]
    return [*contract["source_modules"], "annotator.cli"]


def test_domain_never_imports_textual() -> None:
    # In a fresh interpreter, so that nothing imported by other tests hides a dynamic import.
    # Every module of a package too, as the contract covers them.
    code = (
        "import importlib, pkgutil, sys\n"
        f"for name in {domain_modules()!r}:\n"
        "    module = importlib.import_module(name)\n"
        "    for info in pkgutil.walk_packages(getattr(module, '__path__', []), name + '.'):\n"
        "        importlib.import_module(info.name)\n"
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
    schemes = sorted(path.name for path in schemes_dir().glob("*.yaml"))
    assert {"clarity.yaml", "bull-equivocation.yaml"} <= set(schemes)
    for name in schemes:
        assert f"annotator/_bundled/schemas/{name}" in names
    for sample in sample_transcripts():
        assert f"annotator/_bundled/sample_transcripts/{sample.name}" in names
