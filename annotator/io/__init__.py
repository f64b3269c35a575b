"""Transcript importers: files in, :class:`~annotator.model.ImportedDocument` out.

``read_transcript(path, format=None)`` reads a file whole, detects its format (see
:mod:`annotator.io.detect`) unless one is given, and returns its documents; anything wrong
raises :class:`ImportFailure`, whose message is one line naming the file, the place and the
reason. The rules of each format are in the docstrings of :mod:`~annotator.io.text`,
:mod:`~annotator.io.subtitles`, :mod:`~annotator.io.json_transcripts`,
:mod:`~annotator.io.tei`, :mod:`~annotator.io.span_jsonl`,
:mod:`~annotator.io.annotator_jsonl`, :mod:`~annotator.io.brat`,
:mod:`~annotator.io.labelstudio`, :mod:`~annotator.io.services` (Otter, rev.com,
Descript, Hansard), :mod:`~annotator.io.parlparse` and :mod:`~annotator.io.qevasion` (which
matches its labels to the project's scheme, given as ``read_transcript(..., scheme=...)``);
the registry of formats is :mod:`~annotator.io.formats`, the speaker warnings
:mod:`~annotator.io.checks`; the layout of the
stored text (turns separated by a blank line, paragraphs by a line break) and the checks
every JSON importer shares are in :mod:`~annotator.io.common`. Which files a folder import
reads (README files and links out of the folder skipped) is in :mod:`~annotator.io.files`.
"""

from annotator.io.common import DocumentBuilder, ImportFailure
from annotator.io.detect import detect_format, read_transcript
from annotator.io.formats import FORMATS, IMPORT_FORMATS, ImportFormat

__all__ = [
    "FORMATS",
    "IMPORT_FORMATS",
    "DocumentBuilder",
    "ImportFailure",
    "ImportFormat",
    "detect_format",
    "read_transcript",
]
