"""The Textual application: opens a project, asks who is annotating (or reviewing), shows
documents.

Thin on purpose: editing rules live in :mod:`annotator.editor`, storage in
:mod:`annotator.store`; the screens turn keys into calls to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import BUILTIN_THEMES

from .config import Config, ConfigError, config_path, load_config, save_config
from .editor import Editor
from .errors import AnnotatorError
from .keymap import APP_KEYS
from .screens.annotate import AnnotateScreen, screen_for, textual_binding
from .screens.dialogs import NamePrompt
from .store import Project
from .textindex import display_text


class AnnotatorApp(App[None]):
    TITLE = "annotator"
    BINDINGS: ClassVar[list[BindingType]] = [textual_binding(key) for key in APP_KEYS]

    def __init__(
        self,
        project: Project,
        *,
        annotator: str | None = None,
        document: int | None = None,
        config: Config | None = None,
        config_file: Path | None = None,
        remember: bool = True,
        suggestions_from: str | None = None,
        review: bool = False,
        anonymous: bool = False,
        assigned_only: bool = False,
    ) -> None:
        super().__init__()
        self.assigned_only = assigned_only  # only the documents assigned to the annotator
        self.suggestions_from = suggestions_from
        self.review = review  # the review screen on the gold layer, not the annotation one
        self.anonymous = anonymous  # reviewing: annotators shown as A1, A2... (A toggles it)
        self.project = project
        self.annotator = annotator
        self.first_document = document
        self.config = config or Config()
        self.config_file = config_file
        self.remember = remember  # save the annotator's name in the user's config
        self.annotate_screen: AnnotateScreen | None = None
        self.notice: str | None = None  # shown once the app is up (e.g. "created a project")
        if self.config.theme:
            self.theme = self.config.theme

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification of the app, shown literally: messages quote titles, names and
        file names from data, which must never be read as markup or escape sequences."""
        super().notify(
            display_text(message, keep_newlines=False),
            title=display_text(title, keep_newlines=False),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def on_mount(self) -> None:
        if self.notice:
            self.notify(self.notice, title="Welcome", timeout=15)
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        name = self.annotator or self.config.annotator
        if name:
            self._start(name)
        else:
            role = "reviewer" if self.review else "annotator"
            self.push_screen(NamePrompt(role=role), self._named)

    def _named(self, name: str | None) -> None:
        if not name:
            self.exit()
            return
        if self.remember:
            self.config = self.config.with_annotator(name)
            save_config(self.config, self.config_file)
        self._start(name)

    def _start(self, name: str) -> None:
        self.annotator = name
        if self.review and self.first_document is None:
            self.open_queue()  # the reviewer picks from the documents to review
            return
        if not self.review:
            self.project.annotator_id(name)  # the annotator exists from the first launch on
        ids = self._document_ids()
        document = self.first_document or self.project.last_document(name)
        if document not in ids:
            if self.review:
                self.notify(
                    f"document {document} is not finished by two annotators yet",
                    severity="warning",
                )
                self.open_queue()
                return
            document = ids[0] if ids else None
        if document is None and self.assigned_only:
            self.notify(
                f"No documents are assigned to {name}: quit (q) and see 'annotator assign', "
                "or start without --assigned-only",
                severity="warning",
                timeout=30,
            )
            return
        if document is None:
            self.notify(
                "This project has no documents yet: quit (q) and run 'annotator import FILE...'",
                severity="warning",
                timeout=30,
            )
            return
        self.open_document(document)

    def _document_ids(self) -> list[int]:
        if self.review:
            return self.project.gold.reviewable()
        ids = [summary.id for summary in self.project.documents()]
        assert self.annotator is not None
        assigned = set(self.project.assigned_documents(self.annotator))
        mine = [i for i in ids if i in assigned]  # assigned first, as the queue lists them
        return mine if self.assigned_only else mine + [i for i in ids if i not in assigned]

    @property
    def editor(self) -> Editor | None:
        return self.annotate_screen.editor if self.annotate_screen else None

    def open_document(self, document_id: int) -> None:
        assert self.annotator is not None
        try:
            editor = self._editor(document_id)
        except AnnotatorError as error:
            self.notify(str(error), title="Cannot open", severity="error", timeout=8)
            return
        role = "reviewing as " if self.review else ""
        self.sub_title = f"{role}{self.annotator} · {editor.document.title}"
        if self.annotate_screen is None:
            base: type[AnnotateScreen] = AnnotateScreen
            if self.review:
                from .screens.review import ReviewScreen

                base = ReviewScreen
            self.annotate_screen = screen_for(self.project.scheme, base)(editor)
            self.push_screen(self.annotate_screen)
        else:
            self.annotate_screen.show_editor(editor)
        editor.save_cursor()  # remembers this as the annotator's current document

    def _editor(self, document_id: int) -> Editor:
        assert self.annotator is not None
        if self.review:
            from .review import ReviewEditor

            return ReviewEditor(self.project, document_id, self.annotator, anonymous=self.anonymous)
        return Editor(self.project, document_id, self.annotator, self.suggestions_from)

    def switch_document(self, step: int) -> None:
        ids = self._document_ids()
        current = self.editor.id if self.editor else None
        if not ids or current not in ids:
            return
        target = ids[(ids.index(current) + step) % len(ids)]
        if target != current:
            self.open_document(target)

    def move_on(self, document_id: int) -> str | None:
        """After ``D`` or ``S`` on a document: open the next one of the queue (the order of
        ``J``, assigned documents first) that is neither done nor skipped, as Prodigy and
        doccano move on; in words, where the annotator is. With nothing left, the document
        stays open (``R`` at hand to reopen it) and the words say so. None on the review
        screen, which stays."""
        if self.review or self.annotator is None:
            return None
        ids = self._document_ids()
        statuses = self.project.statuses_of(self.annotator)
        done = sum(statuses.get(i) == "done" for i in ids)
        where = f"{done} of {len(ids)} done"
        target = next_open(ids, statuses, document_id)
        if target is None:
            skipped = sum(statuses.get(i) == "skipped" for i in ids)
            left = f"; {skipped} skipped: o lists them" if skipped else ""
            return f"{where}: nothing left to annotate{left}"
        self.open_document(target)
        if self.editor is None or self.editor.id != target:
            return where  # it could not be opened (open_document said why)
        return f"{where} · now #{target} {self.editor.document.title}"

    def open_queue(self) -> None:
        assert self.annotator is not None
        current = self.editor.id if self.editor else None

        def chosen(document_id: int | None) -> None:
            if document_id is not None and document_id != current:
                self.open_document(document_id)
            elif self.editor is None:
                self.exit()  # the review queue was the first screen: leaving it quits

        from .screens.queue import QueueScreen

        if self.review:
            from .screens.review_queue import ReviewQueueScreen

            screen: QueueScreen = ReviewQueueScreen(
                self.project.path, self.annotator, current, anonymous=self.anonymous
            )
        else:
            screen = QueueScreen(
                self.project.path, self.annotator, current, assigned_only=self.assigned_only
            )
        self.push_screen(screen, chosen)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p or :) offers every action of the annotation screen."""
        yield from super().get_system_commands(screen)
        if isinstance(screen, AnnotateScreen):
            yield from screen.commands()

    async def action_quit(self) -> None:
        if self.editor is not None:
            self.editor.save_cursor()
        self.exit()


def next_open(ids: list[int], statuses: dict[int, str], current: int) -> int | None:
    """The first document after ``current`` in the queue order ``ids`` (wrapping round)
    whose status is neither done nor skipped; None when there is none but ``current``."""
    start = ids.index(current) + 1 if current in ids else 0
    for document_id in ids[start:] + ids[:start]:
        if document_id != current and statuses.get(document_id, "new") not in ("done", "skipped"):
            return document_id
    return None


def make_app(
    db_path: Path,
    *,
    annotator: str | None = None,
    document: str | None = None,
    config_file: Path | None = None,
    remember: bool = True,
    suggestions_from: str | None = None,
    review: bool = False,
    anonymous: bool = False,
    assigned_only: bool = False,
) -> AnnotatorApp:
    """Open the project and build the app; user errors surface before the screen is taken."""
    if annotator is not None and not annotator.strip():
        # Not "no name given": that would open as the name the settings remember.
        raise AnnotatorError(
            "the annotator name is empty: give a name, or none to be the one your settings remember"
        )
    config = load_config(config_file)
    # The app registers no themes of its own: Textual's built-in ones are those it knows (an
    # App built only to ask would cost the start-up some milliseconds).
    themes = BUILTIN_THEMES
    if config.theme and config.theme not in themes:
        raise ConfigError(
            f"{config_file or config_path()}: theme {config.theme!r} is not a theme this app "
            f"knows; use one of: {', '.join(sorted(themes))} (or remove the line)"
        )
    project = Project.open(db_path)
    try:
        document_id = project.find_document(document).id if document else None
        if suggestions_from is not None:
            project.annotator_id(suggestions_from, create=False)  # refuses an unknown layer
    except AnnotatorError:
        project.close()
        raise
    return AnnotatorApp(
        project,
        annotator=annotator,
        document=document_id,
        config=config,
        config_file=config_file,
        remember=remember,
        suggestions_from=suggestions_from,
        review=review,
        anonymous=anonymous,
        assigned_only=assigned_only,
    )
