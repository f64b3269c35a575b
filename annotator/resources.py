"""Where the bundled label schemes and sample transcripts are, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    # A wheel carries the folders inside the package (pyproject's force-include); an
    # editable install or a plain checkout finds them at the top of the repository.
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the bundled folder {name!r} is missing from this installation")


def schemes_dir() -> Path:
    return _bundled("schemas")


def default_scheme_path() -> Path:
    return schemes_dir() / "political-interview.yaml"


def bundled_schemes() -> dict[str, Path]:
    """The bundled label schemes by name (the file's stem): political-interview, clarity..."""
    return {path.stem: path for path in sorted(schemes_dir().glob("*.yaml"))}


def sample_transcripts_dir() -> Path:
    return _bundled("sample_transcripts")


def sample_transcripts() -> list[Path]:
    """The sample transcripts, in a stable order (README files excluded)."""
    return sorted(
        path
        for path in sample_transcripts_dir().iterdir()
        if path.is_file() and not path.name.lower().startswith("readme")
    )
