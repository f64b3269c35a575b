"""The user's settings file."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.config import Config, ConfigError, config_path, load_config, save_config
from annotator.store import Project


def test_missing_file_is_an_empty_config(tmp_path: Path) -> None:
    assert load_config(tmp_path / "none.yaml") == Config()


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "config.yaml"
    config = Config(annotator="Ana María", theme="textual-light", keymap={"annotate.undo": "z"})
    save_config(config, path)
    assert load_config(path) == config


def test_digit_keys_are_text(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("keymap:\n  annotate.label.quote: 1\n")
    assert load_config(path).keymap == {"annotate.label.quote": "1"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("keymap: [\n", "cannot read"),
        ("- a\n- b\n", "mapping"),
        ("annotater: bob\n", "unknown setting"),
        ("keymap: {annotate.undo: [z]}\n", "keymap must map"),
        ("annotator: 12\n", "annotator must be text"),
    ],
)
def test_broken_files_are_one_clear_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message) as error:
        load_config(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_location_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_path() == tmp_path / "annotator" / "config.yaml"


def test_the_app_refuses_a_theme_it_does_not_know(project: Project, tmp_path: Path) -> None:
    from annotator.app import make_app

    config_file = tmp_path / "config.yaml"
    save_config(Config(theme="no-such-theme"), config_file)
    with pytest.raises(ConfigError, match=r"not a theme this app knows; use one of: .*nord"):
        make_app(project.path, annotator="alice", config_file=config_file)
    save_config(Config(theme="nord"), config_file)
    app = make_app(project.path, annotator="alice", config_file=config_file)
    app.project.close()
    assert app.theme == "nord"
