"""Helpers for testing one screen at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events
from textual.app import App
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget


class Harness(App[None]):
    """Pushes one screen on mount and records what it dismisses with."""

    def __init__(self, make_screen: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.make_screen = make_screen
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.make_screen(), self.results.append)


def rendered(widget: Widget) -> str:
    """The text a widget paints, line by line (what reaches the terminal, minus styles)."""
    lines = widget.render_lines(Region(0, 0, *widget.outer_size))
    return "\n".join("".join(segment.text for segment in line) for line in lines)


def type_ahead(app: App[Any], *keys: str) -> None:
    """Post keys all at once, as a terminal delivers keys typed quickly in one read (Pilot's
    press waits for each key to be handled, which hides races between them)."""
    for key in keys:
        app.post_message(events.Key(key, "\r" if key == "enter" else None))


async def until(pilot: Any, condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Let the app run until ``condition`` holds (work done in a worker, such as a dialog
    pushed by an action, takes more than one pause on a busy machine)."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    assert condition(), "the app never reached the expected state"
