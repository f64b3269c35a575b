"""The project database: everything the tool stores, behind one facade, :class:`Project`.

Modules, from the bottom up (each imports only those above it; an import-linter contract
keeps it so):

- ``migrations``: the schema, as forward-only migrations;
- ``database``: finding and opening the file (read-write or read-only);
- ``connection``: the open file and its one kind of write transaction;
- ``annotators``: names and ids; the reserved gold annotator;
- ``log``: the append-only change log, undo and redo stacks;
- ``spans``: reading spans, and the one writer every span change goes through;
- ``gold``: the reviewers' gold layer, written through that writer;
- ``project``: the facade the rest of the package uses.
"""

from ..errors import ProjectError
from .annotators import GOLD
from .connection import ProjectGone, describe_failure, is_failure
from .database import DB_ENV_VAR, DEFAULT_DB_NAME, project_files, resolve_db_path
from .gold import MergeOutcome, SpanKey, sources_of
from .project import AddResult, DocumentSummary, Project, ProjectStats
from .spans import ON_CONFLICT, OnConflict

__all__ = [
    "DB_ENV_VAR",
    "DEFAULT_DB_NAME",
    "GOLD",
    "ON_CONFLICT",
    "AddResult",
    "DocumentSummary",
    "MergeOutcome",
    "OnConflict",
    "Project",
    "ProjectError",
    "ProjectGone",
    "ProjectStats",
    "SpanKey",
    "describe_failure",
    "is_failure",
    "project_files",
    "resolve_db_path",
    "sources_of",
]
