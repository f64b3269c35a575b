"""The errors a user can act on, all under one base class.

Every message is written for the person at the keyboard: one line (a scheme file may give
several, one per problem) naming the file, place or item, what is wrong and what to do. The
command line catches :class:`AnnotatorError` and prints it; the app shows it in the status
line. Anything else that escapes is a bug, and shows as a traceback.
"""

from __future__ import annotations

from typing import Any


class AnnotatorError(Exception):
    """A problem the user can fix; its message says how."""

    def __str__(self) -> str:
        # KeyError's str() quotes its message; every error here reads as written.
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()

    def lines(self) -> list[str]:
        """The message as the lines to show: one, unless the error is a list of problems
        (a newline inside a file name or title never starts a line of its own)."""
        return [str(self)]


class ProjectError(AnnotatorError):
    """The project database refuses a request: unknown ids, a read-only file, a rule broken."""


class UnknownItem(AnnotatorError, KeyError):
    """A label, attribute or other named item that does not exist (still a KeyError, so a
    lookup can be tried with ``except KeyError``)."""


class InvalidValue(AnnotatorError, ValueError):
    """A value that breaks a rule of the scheme or the data model (still a ValueError)."""


class MergeConflict(ProjectError):
    """Two overlapping spans of one label would merge, but give an attribute different values.

    Merging never drops a value: the writer refuses, and the caller decides (keep the
    existing value, take the new one, or cancel) and tries again with ``on_conflict``.
    """

    def __init__(self, label: str, attribute: str, existing: Any, new: Any) -> None:
        self.label, self.attribute, self.existing, self.new = label, attribute, existing, new
        super().__init__(
            f"{label}: the overlapping {label} span has {attribute} = {existing!r}, the new one "
            f"{attribute} = {new!r}; merging would drop one: choose which to keep"
        )


class StaleView(ProjectError):
    """What a window shows is older than the project: another window or process changed it.

    Nothing was changed. A window that takes in what is there now on being refused puts the
    ``[start, end)`` text ranges that changed in ``changed``, for its view to repaint.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.changed: list[tuple[int, int]] = []


class DocumentLocked(ProjectError):
    """An annotator's edit of a document they marked done: refused until they reopen it, so
    that review and agreement (which read "done" layers) do not change under the reviewer."""
