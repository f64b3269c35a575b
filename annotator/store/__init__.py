"""The project database: everything the tool stores, behind one facade, :class:`Project`.

Modules, from the bottom up (each imports only those above it; an import-linter contract
keeps it so):

- ``migrations``: the schema, as forward-only migrations;
- ``database``: finding and opening the file (read-write or read-only);
- ``connection``: the open file and its one kind of write transaction;
- ``figures``: figures kept per document, valid while the document is unchanged;
- ``speakers``: people, and which person each speaker label names;
- ``annotators``: names and ids; the reserved gold annotator;
- ``assignments``: who is to annotate what, statuses and their history, the done lock;
- ``log``: the append-only change log, undo and redo stacks;
- ``questions``: the question units, and their one writer;
- ``spans``: reading spans, and the one writer every span change goes through;
- ``codes``: the unit codes (of questions and documents), and their one writer;
- ``gold``: the reviewers' gold layer, written through the span writer;
- ``gold_codes``: the reviewers' gold question codes, written through the code writer;
- ``deletions``: deleting a document through each table's writer, and its record;
- ``upgrades``: moving the project to a new scheme version, through the writers, and its
  record;
- ``project``: the facade the rest of the package uses.

The names below are imported from their modules when first asked for (PEP 562), so that a
command which needs only the file's location (``annotator --version``, the command line's
options) does not load the whole store.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..errors import ProjectError
    from .annotators import GOLD
    from .connection import BatchLost, ProjectGone, describe_failure, is_failure
    from .database import (
        ALLOW_NETWORK_FS_ENV_VAR,
        DB_ENV_VAR,
        DEFAULT_DB_NAME,
        project_files,
        resolve_db_path,
    )
    from .deletions import Deletion
    from .gold import MergeOutcome, SpanKey, sources_of
    from .gold_codes import CodeMergeOutcome, Verdict, at_level, code_key, majority
    from .project import (
        AddResult,
        DocumentSummary,
        Project,
        ProjectStats,
        SchemeUnchanged,
        SpeakerSummary,
        UpgradeRefused,
    )
    from .spans import ON_CONFLICT, OnConflict
    from .speakers import Person
    from .upgrades import UpgradeRecord

# Where each name is defined.
_MODULES: dict[str, str] = {
    "ProjectError": "..errors",
    "GOLD": ".annotators",
    "ProjectGone": ".connection",
    "BatchLost": ".connection",
    "describe_failure": ".connection",
    "is_failure": ".connection",
    "ALLOW_NETWORK_FS_ENV_VAR": ".database",
    "DB_ENV_VAR": ".database",
    "DEFAULT_DB_NAME": ".database",
    "project_files": ".database",
    "resolve_db_path": ".database",
    "Deletion": ".deletions",
    "MergeOutcome": ".gold",
    "SpanKey": ".gold",
    "sources_of": ".gold",
    "CodeMergeOutcome": ".gold_codes",
    "Verdict": ".gold_codes",
    "at_level": ".gold_codes",
    "code_key": ".gold_codes",
    "majority": ".gold_codes",
    "AddResult": ".project",
    "DocumentSummary": ".project",
    "Project": ".project",
    "ProjectStats": ".project",
    "SchemeUnchanged": ".project",
    "SpeakerSummary": ".project",
    "UpgradeRefused": ".project",
    "ON_CONFLICT": ".spans",
    "OnConflict": ".spans",
    "Person": ".speakers",
    "UpgradeRecord": ".upgrades",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "ALLOW_NETWORK_FS_ENV_VAR",
    "DB_ENV_VAR",
    "DEFAULT_DB_NAME",
    "GOLD",
    "ON_CONFLICT",
    "AddResult",
    "BatchLost",
    "CodeMergeOutcome",
    "Deletion",
    "DocumentSummary",
    "MergeOutcome",
    "OnConflict",
    "Person",
    "Project",
    "ProjectError",
    "ProjectGone",
    "ProjectStats",
    "SchemeUnchanged",
    "SpanKey",
    "SpeakerSummary",
    "UpgradeRecord",
    "UpgradeRefused",
    "Verdict",
    "at_level",
    "code_key",
    "describe_failure",
    "is_failure",
    "majority",
    "project_files",
    "resolve_db_path",
    "sources_of",
]
