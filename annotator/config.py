"""The user's settings: a YAML file in the user's config folder.

``$XDG_CONFIG_HOME/annotator/config.yaml`` (``~/.config/annotator/config.yaml`` when the
variable is unset)::

    annotator: alice            # remembered the first time the app asks for a name
    theme: textual-light        # any Textual theme name
    keymap:                     # binding id -> keys (comma-separated), see the help screen
      annotate.undo: ctrl+z,u
      annotate.tag_selection: enter

A missing file is an empty configuration; a broken one is reported in one line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .errors import AnnotatorError
from .files import atomic_write


class ConfigError(AnnotatorError):
    """The config file cannot be read; the message names the file and the fix."""


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "annotator" / "config.yaml"


@dataclass(frozen=True)
class Config:
    annotator: str | None = None
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)

    def with_annotator(self, name: str) -> Config:
        return replace(self, annotator=name)


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError(
            f"{path}: cannot read the settings ({_first_line(error)}); fix or remove it"
        ) from None
    if data is None:
        return Config()
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the settings must be a mapping of keys to values")
    unknown = set(data) - {"annotator", "theme", "keymap"}
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting(s) {', '.join(sorted(map(str, unknown)))}; "
            "use annotator, theme or keymap"
        )
    keymap = data.get("keymap") or {}
    # YAML reads a digit key such as `9` as a number: keys are text either way.
    if isinstance(keymap, dict):
        keymap = {
            k: str(v) if isinstance(v, int) and not isinstance(v, bool) else v
            for k, v in keymap.items()
        }
    if not isinstance(keymap, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keymap.items()
    ):
        raise ConfigError(
            f"{path}: keymap must map binding ids to keys, e.g. 'annotate.undo: ctrl+z'"
        )
    for key in ("annotator", "theme"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise ConfigError(f"{path}: {key} must be text")
    return Config(annotator=data.get("annotator"), theme=data.get("theme"), keymap=dict(keymap))


def save_config(config: Config, path: Path | None = None) -> None:
    path = path or config_path()
    data: dict[str, Any] = {}
    if config.annotator:
        data["annotator"] = config.annotator
    if config.theme:
        data["theme"] = config.theme
    if config.keymap:
        data["keymap"] = dict(config.keymap)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
