"""Files: new/open/save/save-as projects, opening media, importing subtitles or a script,
exporting, the unsaved-changes prompt, autosave to a recovery file and recovery after a crash.

Every file error becomes a message box naming the file and the problem (FormatError,
MediaError, ProjectError, ProfileError, OSError); the document is never replaced by a failed
load, and importing over existing segments is one undoable command.

File dialogs start next to the project or the media (else in the last folder used, else the
home folder), not in the folder the program was started from.  An export writes the format
its file name says; a name that contradicts the chosen format is asked about.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from app.core import edits
from app.core import project as projects
from app.core.document import Document
from app.formats import FORMATS, FormatError, read_file, same_file, write_file
from app.formats.registry import format_for_path
from app.ui import settings
from app.ui.export_dialog import ExportDialog
from app.ui.prompts import AS_CHOSEN, BY_EXTENSION, CANCEL, OVERWRITE, SAVE, SAVE_AS

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

AUTOSAVE_IDLE_MS = 3000
RECOVERY_REPORT_MAX = 5  # set-aside autosaves listed by name in the start-up message
PROJECT_FILTER = "Cueline project (*.cueline)"
MEDIA_EXTENSIONS = (".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".wma", ".mp4", ".mkv",
                    ".mov", ".webm", ".avi", ".m4v", ".mpg", ".mpeg", ".ts", ".mts")
SIDECAR_ORDER = (".cueline", ".json", ".srt", ".vtt", ".ass", ".txt")


def subtitle_extensions() -> tuple[str, ...]:
    return tuple(ext for info in FORMATS.values() if info.can_read for ext in info.extensions)


def file_error_classes() -> tuple[type[BaseException], ...]:
    """The Cueline error classes a file operation can raise (all shown as a dialog)."""
    from app.audio.errors import MediaError
    from app.subtitles import ProfileError

    return (FormatError, MediaError, projects.ProjectError, ProfileError, OSError, ValueError)


def describe(exc: BaseException, path: str | None = None) -> str:
    message = getattr(exc, "user_message", None) or str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and not getattr(exc, "user_message", None):
        target = exc.filename or path or ""
        message = f"{target}: {exc.strerror or exc}" if target else (exc.strerror or str(exc))
    if path and path not in message and os.path.basename(path) not in message:
        message = f"{path}: {message}"
    return message


class FileController(QObject):
    document_opened = Signal(str)  # path of what was opened (project, media or subtitles)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.session = window.session
        self._untitled_key = f"untitled-{uuid.uuid4().hex[:8]}"
        self._force_dirty = False
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_IDLE_MS)
        self._autosave.timeout.connect(self.autosave_now)
        self.session.committed.connect(lambda _n: self._autosave.start())
        self.last_recovery: Path | None = None
        self.export_shape: dict[str, bool] = {}  # "shape into cues", per format, this session

    # -- state -------------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self._force_dirty or self.session.doc.history.is_dirty

    def forget_changes(self) -> None:
        """Treat the document as saved (scripted runs that close without asking)."""
        self._force_dirty = False
        self.session.doc.history.set_clean()

    def display_name(self) -> str:
        if self.session.project_path:
            return os.path.basename(self.session.project_path)
        if self.session.media_path:
            return os.path.splitext(os.path.basename(self.session.media_path))[0] + " (unsaved project)"
        return "Untitled"

    def recovery_key(self) -> str:
        return self.session.project_path or self.session.media_path or self._untitled_key

    def _error(self, title: str, exc: BaseException, path: str | None = None) -> None:
        self.w.prompts.error(title, describe(exc, path))

    # -- dialog folders ------------------------------------------------------------------------
    def start_dir(self) -> str:
        """Where a file dialog starts: next to the project, else the media, else the last
        folder a dialog chose (remembered across sessions), else the home folder."""
        for path in (self.session.project_path, self.session.media_path):
            if path and os.path.isdir(os.path.dirname(os.path.abspath(path))):
                return os.path.dirname(os.path.abspath(path))
        last = settings.get("files/last_dir", "", str)
        if last and os.path.isdir(last):
            return last
        return str(Path.home())

    def _chosen(self, path: str | None) -> str | None:
        """A path a dialog returned (its folder is remembered)."""
        if path:
            settings.put("files/last_dir", os.path.dirname(os.path.abspath(path)))
        return path

    def ask_open(self, title: str, filters: str) -> str | None:
        return self._chosen(self.w.prompts.open_file(title, filters, self.start_dir()))

    def ask_save(self, title: str, filters: str, name: str) -> str | None:
        suggested = os.path.join(self.start_dir(), name)
        return self._chosen(self.w.prompts.save_file(title, filters, suggested))

    # -- opening -------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        subs = " ".join(f"*{e}" for e in subtitle_extensions())
        media = " ".join(f"*{e}" for e in MEDIA_EXTENSIONS)
        filters = (f"All supported (*.cueline {media} {subs});;{PROJECT_FILTER};;"
                   f"Media ({media});;Subtitles and scripts ({subs});;All files (*)")
        path = self.ask_open("Open", filters)
        if path:
            self.open_path(path)

    def import_dialog(self) -> None:
        subs = " ".join(f"*{e}" for e in subtitle_extensions())
        path = self.ask_open("Import subtitles or a script",
                             f"Subtitles and scripts ({subs});;All files (*)")
        if path:
            self.import_subtitles(path)

    def open_path(self, path: str) -> bool:
        ext = os.path.splitext(path)[1].lower()
        if ext == projects.EXTENSION:
            return self.open_project(path)
        if ext in subtitle_extensions():
            return self.import_subtitles(path)
        return self.open_media(path)

    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False when the user cancels (or saving failed)."""
        if not self.dirty:
            return True
        answer = self.w.prompts.ask_save_changes(self.display_name())
        if answer == CANCEL:
            return False
        if answer == SAVE:
            return self.save()
        self.discard_recovery()
        return True

    def new_project(self) -> bool:
        if not self.maybe_save():
            return False
        self.discard_recovery()
        self._force_dirty = False
        self.w.media.unload()
        self.session.set_document(Document())
        return True

    def open_media(self, path: str, *, sidecar: bool = True) -> bool:
        """A new document for ``path`` (with a sidecar transcript next to it, if any)."""
        if not os.path.isfile(path):
            self.w.prompts.error("Cannot open media", f"{path}: file not found")
            return False
        if not self.maybe_save():
            return False
        self.discard_recovery()
        doc = Document(media=self._media_ref(path))
        side = self._sidecar(path) if sidecar else None
        project_path = None
        if side is not None:
            try:
                if side.endswith(projects.EXTENSION):
                    doc = projects.load_project(side)
                    project_path = side
                else:
                    doc = Document(read_file(side).document.segments, media=doc.media)
            except file_error_classes() as exc:
                self._error("Cannot read the transcript next to the media", exc, side)
        self._force_dirty = False
        self.session.set_document(doc, project_path)
        self.w.media.load(path)
        settings.add_recent_file(path)
        self.document_opened.emit(path)
        return True

    def _sidecar(self, media_path: str) -> str | None:
        stem = os.path.splitext(media_path)[0]
        for ext in SIDECAR_ORDER:
            if os.path.isfile(stem + ext):
                return stem + ext
        return None

    def _media_ref(self, path: str, duration_ms: int | None = None):
        try:
            return projects.media_ref(path, duration_ms)
        except OSError:
            return None

    def open_project(self, path: str) -> bool:
        if not self.maybe_save():
            return False
        try:
            doc = projects.load_project(path)
        except file_error_classes() as exc:
            self._error("Cannot open project", exc, path)
            return False
        self.discard_recovery()
        self._force_dirty = False
        self.session.set_document(doc, path)
        self._load_media_of(doc, path)
        settings.add_recent_file(path)
        self.document_opened.emit(path)
        return True

    def _load_media_of(self, doc: Document, project_path: str | None) -> None:
        if doc.media is None:
            self.w.media.unload()
            return
        found = projects.relink_media(doc.media, project_path)
        if found is None:
            self.w.media.unload()
            self.w.prompts.warning("Media not found",
                                   f"{doc.media.path}: the project's media file was not found. "
                                   "The subtitles are open; open the media file to see the waveform.")
            return
        self.w.media.load(str(found))

    def import_subtitles(self, path: str) -> bool:
        """Read subtitles or a script into the current document (one undoable step)."""
        try:
            result = read_file(path)
        except file_error_classes() as exc:
            self._error("Cannot import", exc, path)
            return False
        doc = self.session.doc
        edits.apply_result(doc, result.document.segments, replace_all_segments=True,
                           name=f"Import {os.path.basename(path)}")
        if len(doc):
            self.session.set_current(doc[0].id)
        settings.add_recent_file(path)
        note = f"Imported {len(result.document)} segments from {os.path.basename(path)}"
        if result.warnings:
            note += f" ({len(result.warnings)} repaired: {result.warnings[0]})"
        self.w.statusBar().showMessage(note, 8000)
        self.document_opened.emit(path)
        return True

    # -- saving --------------------------------------------------------------------------------
    def save(self) -> bool:
        path = self.session.project_path
        if not path:
            return self.save_as()
        return self._save_to(path)

    def save_as(self) -> bool:
        base = self.session.project_path or self.session.media_path or "untitled"
        suggested = os.path.splitext(os.path.basename(base))[0] + projects.EXTENSION
        path = self.ask_save("Save project", PROJECT_FILTER, suggested)
        if not path:
            return False
        if not path.lower().endswith(projects.EXTENSION):
            path += projects.EXTENSION
        return self._save_to(path)

    def _save_to(self, path: str, *, overwrite: bool = False) -> bool:
        old_key = self.recovery_key()
        try:
            projects.save_project(self.session.doc, path, overwrite=overwrite)
        except projects.ProjectChangedError:
            # another window or program saved this project since we read it: ask, never
            # silently overwrite its work
            answer = self.w.prompts.ask_changed_on_disk(os.path.basename(path))
            if answer == OVERWRITE:
                return self._save_to(path, overwrite=True)
            if answer == SAVE_AS:
                return self.save_as()
            return False
        except file_error_classes() as exc:
            self._error("Cannot save project", exc, path)
            return False
        self._force_dirty = False
        self.session.project_path = path
        self.discard_recovery(old_key)
        self.discard_recovery()
        settings.add_recent_file(path)
        self.session.path_changed.emit()
        self.w.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def export(self) -> bool:
        dlg = ExportDialog(self.session.doc, self.session.profile, self.w, self.export_shape,
                           fps=self.session.frame_rate)
        if not self.w.prompts.run_dialog(dlg):
            return False
        dlg.remember()
        ext = dlg.extension
        name = dlg.suggested_name(self.session.project_path or self.session.media_path)
        path = self.ask_save("Export subtitles", f"{FORMATS[dlg.format_name].description} (*{ext})",
                             name)
        if not path:
            return False
        target = self.export_target(path, dlg.format_name)
        if target is None:
            return False
        path, fmt = target
        # one file, or two (source and translation) for a bilingual delivery
        return all([self.export_to(p, fmt, segs, opts) for p, segs, opts in dlg.outputs(path, fmt)])

    def export_target(self, path: str, chosen: str) -> tuple[str, str] | None:
        """The file and format to write for a name the user gave and the format they chose.

        A name without an extension gets the chosen format's; a name whose extension is
        another writable format's is asked about (write what the name says, or the chosen
        format under its own extension); None when the user cancels."""
        stem, ext = os.path.splitext(path)
        if not ext:
            return path + FORMATS[chosen].extensions[0], chosen
        try:
            named = format_for_path(path)
        except FormatError:
            return path, chosen  # an extension no format claims: the user's name, as chosen
        if named == chosen or not FORMATS[named].can_write:
            return path, chosen
        renamed = stem + FORMATS[chosen].extensions[0]
        answer = self.w.prompts.ask_export_format(path, chosen.upper(), named.upper(), renamed)
        if answer == BY_EXTENSION:
            return path, named
        if answer == AS_CHOSEN:
            if os.path.exists(renamed) and not self.w.prompts.confirm(
                    "Export subtitles", f"{renamed} already exists. Replace it?"):
                return None
            return renamed, chosen
        return None

    def export_to(self, path: str, fmt: str, segments, options: dict) -> bool:
        media = self.session.media_path
        if media and same_file(path, media):  # never replace the user's recording
            self._error("Cannot export", FormatError(path, None, "this is the open media file: "
                                                     "choose another name"), path)
            return False
        try:
            write_file(segments, path, fmt, **options)
        except file_error_classes() as exc:
            self._error("Cannot export", exc, path)
            return False
        self.w.statusBar().showMessage(f"Exported {len(segments)} cues to {path}", 6000)
        return True

    # -- autosave and recovery -----------------------------------------------------------------
    def autosave_now(self) -> Path | None:
        if not self.dirty:
            return None
        try:
            self.last_recovery = projects.write_recovery(self.session.doc, self.recovery_key())
        except (OSError, projects.ProjectError) as exc:
            self.w.statusBar().showMessage(f"Autosave failed: {describe(exc)}", 8000)
            return None
        return self.last_recovery

    def discard_recovery(self, key: str | None = None) -> None:
        try:
            projects.discard_recovery(key or self.recovery_key())
        except OSError:
            pass

    def offer_recovery(self) -> bool:
        """Offer the newest recovery file left by a crashed session; True when recovered.

        A recovery file that cannot be read is set aside (renamed ``….broken-<time>``, kept for
        a bug report) and reported in one message: it never keeps the editor from starting."""
        try:
            scan = projects.scan_recoveries()
        except OSError:
            return False
        if scan.set_aside:
            self._report_set_aside(scan.set_aside)
        found = scan.found
        if not found:
            return False
        path, info = found[0]
        label = info.get("project") or info.get("key") or "an untitled project"
        when = info.get("written")
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(when)) if isinstance(when, (int, float)) else "?"
        if not self.w.prompts.ask_recover(f"Autosaved work: {label}\nLast autosave: {stamp}"):
            for p, _info in found:
                _unlink(p)
            return False
        try:
            doc = projects.load_recovery(path)
        except file_error_classes() as exc:
            self._error("Cannot recover", exc, str(path))
            return False
        project_path = getattr(doc, "path", None)
        self.session.set_document(doc, project_path)
        self._force_dirty = True
        self.session.path_changed.emit()
        self._load_media_of(doc, project_path)
        _unlink(path)
        self.autosave_now()
        self.w.statusBar().showMessage("Recovered the autosaved work: save it to keep it.", 10000)
        return True

    def _report_set_aside(self, items: list[tuple[Path, str]]) -> None:
        n = len(items)
        shown = [f"• {path}: {reason}" for path, reason in items[:RECOVERY_REPORT_MAX]]
        if n > RECOVERY_REPORT_MAX:
            shown.append(f"… and {n - RECOVERY_REPORT_MAX} more in {items[0][0].parent}")
        head = ("An autosave file could not be read; it was set aside (renamed, not deleted):"
                if n == 1 else
                f"{n} autosave files could not be read; they were set aside (renamed, not deleted):")
        self.w.prompts.warning("Autosaved work could not be read", "\n".join([head, *shown]))


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
