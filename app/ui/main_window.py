"""The Cueline editor window: waveform/timeline on top, the segment table, the editor panel for
the current segment, a video preview when the media has video, and a status bar.

Panels are dock widgets; the layout, geometry and choices are remembered (QSettings,
organisation "Cueline").  Colours come from the palette, so the window follows the system's
light or dark theme.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QByteArray, QPoint, QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from app.core.timecode import format_timecode
from app.subtitles import ERROR, check, default_profile, list_profiles
from app.ui import icons, settings
from app.ui.actions import EditorActions
from app.ui.file_controller import FileController, describe
from app.ui.find_replace_dialog import FindReplaceDialog
from app.ui.job_controller import JobHost
from app.ui.media_controller import MediaController
from app.ui.playback import PlaybackController
from app.ui.prompts import Prompts
from app.ui.review import ReviewController
from app.ui.segment_editor import SegmentEditor
from app.ui.segment_table_view import SegmentTableView
from app.ui.session import EditorSession
from app.ui.speech_tools import SpeechTools
from app.ui.video_panel import VideoPanel
from app.ui.video_tools import VideoTools
from app.ui.waveform_panel import WaveformPanel
from app.ui.worker import TaskRunner, progress_text


def rules_summary(profile_name: str, violations: dict[str, list], segments: int) -> str:
    """The status bar's account of the rule checks: errors and warnings counted apart, and
    "all rules met" only when no segment breaks or strains any rule."""
    if not segments:
        return profile_name
    errors = sum(1 for vs in violations.values()
                 if any(getattr(v, "severity", ERROR) == ERROR for v in vs))
    warned = sum(1 for vs in violations.values() if vs) - errors
    if not errors and not warned:
        return f"{profile_name}: all rules met"
    parts = []
    if errors:
        parts.append(f"{errors} segment{'s break' if errors != 1 else ' breaks'} rules")
    if warned:
        parts.append(f"{warned} with warnings")
    return f"{profile_name}: {', '.join(parts)}"


class MainWindow(QMainWindow):
    def __init__(self, *, prompts: Prompts | None = None, recover: bool = True) -> None:
        super().__init__()
        self.setObjectName("cuelineMainWindow")
        self.setAcceptDrops(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowNestedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)
        self.session = EditorSession(self)
        self.prompts = prompts or Prompts(self)
        self.prompts.parent = self
        self.tasks = TaskRunner(self)
        self.table = SegmentTableView(self.session)
        self.waveform_panel = WaveformPanel(self.session)
        self.waveform = self.waveform_panel.view
        self.editor = SegmentEditor(self.session)
        self.video = VideoPanel(self.session)
        self.playback = PlaybackController(self.session, self)
        self.media = MediaController(self.job_host(), self.playback, self.waveform, self)
        self.files = FileController(self)
        self.commands = EditorActions(self)
        self.tools = SpeechTools(self)
        self.review = ReviewController(self)
        self._find: FindReplaceDialog | None = None
        self.setCentralWidget(self.table)
        self._build_docks()
        self._build_status()
        self._build_toolbar()
        self.video_tools = VideoTools(self)
        self._build_menus()
        self.video_tools.install_shortcuts()
        self._connect()
        self._select_profile(settings.get("profile", None))
        self.resize(1400, 900)
        self._restore_layout()
        self._update_title()
        self._update_status()
        if recover:
            self._offer_recovery()

    def _offer_recovery(self) -> None:
        """Offer autosaved work; whatever goes wrong, the editor still starts.  This runs
        before the crash guard is installed, so it reports the way the guard would: the
        traceback to the log, one message to the user."""
        try:
            self.files.offer_recovery()
        except Exception as exc:  # noqa: BLE001 - a bad autosave must never block start-up
            from app.ui import crash_guard

            crash_guard.report(self, exc, exc.__traceback__)

    # -- construction ------------------------------------------------------------------------
    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        self.waveform_dock = self._dock("Waveform", "waveformDock", self.waveform_panel,
                                        Qt.DockWidgetArea.TopDockWidgetArea)
        self.video_dock = self._dock("Video", "videoDock", self.video, Qt.DockWidgetArea.RightDockWidgetArea)
        self.editor_dock = self._dock("Segment", "editorDock", self.editor, Qt.DockWidgetArea.RightDockWidgetArea)
        self.video_dock.hide()
        self.editor.setMinimumWidth(380)

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.position_label = QLabel("")
        self.position_label.setObjectName("positionLabel")
        self.profile_label = QLabel("")
        self.profile_label.setObjectName("profileLabel")
        self.job_label = QLabel("")
        self.job_label.setObjectName("jobLabel")
        self.job_progress = QProgressBar()
        self.job_progress.setObjectName("jobProgress")
        self.job_progress.setMaximumWidth(160)
        self.job_progress.setMaximumHeight(14)
        self.job_progress.setTextVisible(False)
        self.job_progress.hide()
        self.cancel_button = QToolButton()
        self.cancel_button.setObjectName("cancelJobButton")
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Cancel the background work (a transcription keeps what it "
                                      "finished)")
        self.cancel_button.setAutoRaise(True)
        self.cancel_button.clicked.connect(lambda: self.tools.cancel_job())
        self.cancel_button.hide()
        self.cleanup_button = QToolButton()
        self.cleanup_button.setObjectName("cleanupButton")
        self.cleanup_button.setAutoRaise(True)
        self.cleanup_button.setToolTip("Open the cleanup log: what the transcription removed, "
                                       "with Restore")
        self.cleanup_button.clicked.connect(lambda: self.tools.show_cleanup())
        self.cleanup_button.hide()
        self.count_label = QLabel("")
        self.count_label.setObjectName("countLabel")
        # shown when playback runs as a silent clock for want of a library or a device
        self.sound_label = QLabel("No sound")
        self.sound_label.setObjectName("soundLabel")
        self.sound_label.setStyleSheet("color: #b36b00;")
        self.sound_label.hide()
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.position_label.setFont(mono)
        for w in (self.cleanup_button, self.job_label, self.job_progress, self.cancel_button,
                  self.sound_label, self.count_label, self.profile_label, self.position_label):
            sb.addPermanentWidget(w)
        sb.showMessage("Ready", 3000)

    def _build_toolbar(self) -> None:
        tb = self.addToolBar("Main")
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        self.main_toolbar = tb
        self.profile_box = QComboBox()
        self.profile_box.setObjectName("profileBox")
        self.profile_box.setToolTip("Subtitle profile: the rules cells are checked against")
        self.profiles = list_profiles()
        for p in self.profiles:
            self.profile_box.addItem(p.name, p.id)
        self.profile_box.currentIndexChanged.connect(
            lambda _i: self._select_profile(self.profile_box.currentData()))

    def _build_menus(self) -> None:
        c = self.commands.actions
        p = self.playback.actions
        f = self._file_actions()
        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addActions([f["new"], f["open"]])
        self.recent_menu = m.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        m.addAction(f["import"])
        file_menu = m
        m.addSeparator()
        m.addActions([f["save"], f["save_as"], f["export"]])
        m.addSeparator()
        m.addAction(f["quit"])
        m = mb.addMenu("&Edit")
        m.addActions([c["undo"], c["redo"]])
        m.addSeparator()
        m.addActions([c["find"], c["next_problem"], c["prev_problem"]])
        m.addSeparator()
        m.addAction(c["balance_lines"])
        edit_menu = m
        m = mb.addMenu("&Segment")
        m.addActions([c["edit_text"], c["split"], c["merge_next"], c["merge_prev"]])
        m.addSeparator()
        m.addActions([c["insert_after"], c["insert_before"], c["add_from_range"], c["delete"]])
        m.addSeparator()
        m.addActions([c["next_segment"], c["prev_segment"]])
        segment_menu = m
        m = mb.addMenu("&Timing")
        m.addActions([c["set_start"], c["set_end"]])
        m.addSeparator()
        m.addActions([c["start_earlier"], c["start_later"], c["end_earlier"], c["end_later"]])
        m.addActions([c["start_frame_earlier"], c["start_frame_later"], c["end_frame_earlier"],
                      c["end_frame_later"]])
        m.addSeparator()
        m.addAction(c["shift_following"])
        timing_menu = m
        m = mb.addMenu("Spea&kers")
        m.addActions([c["set_speaker"], c["rename_speaker"]])
        speakers_menu = m
        m = mb.addMenu("&Playback")
        m.addActions([p["play_pause"], p["play_segment"], p["loop"], p["play_before"], p["play_after"]])
        m.addSeparator()
        m.addActions([p["back"], p["forward"]])
        m.addMenu(self.playback.speed_menu(self))
        m = mb.addMenu("&View")
        m.addActions([self.waveform_dock.toggleViewAction(), self.editor_dock.toggleViewAction(),
                      self.video_dock.toggleViewAction()])
        m.addSeparator()
        zin = m.addAction("Zoom in", lambda: self.waveform.zoom(0.8))
        zin.setShortcut(QKeySequence("Ctrl+="))
        zout = m.addAction("Zoom out", lambda: self.waveform.zoom(1.25))
        zout.setShortcut(QKeySequence("Ctrl+-"))
        fit = m.addAction("Show whole file", self.waveform.fit_all)
        fit.setShortcut(QKeySequence("Ctrl+0"))
        self.snap_action = m.addAction("Snap to neighbours and speech")
        self.snap_action.setCheckable(True)
        self.snap_action.setChecked(self.waveform.snap_enabled)
        self.snap_action.toggled.connect(self.waveform_panel.set_snap)
        self.waveform_panel.snap_box.toggled.connect(self.snap_action.setChecked)
        view_menu = m
        tools_menu = mb.addMenu("&Tools")
        self.tools.fill_menus(file_menu, tools_menu, speakers_menu, view_menu, before=f["save"])
        self.review.fill_menus(segment_menu, view_menu)
        file_menu.insertSeparator(f["save"])
        m = mb.addMenu("&Help")
        about = m.addAction("&About Cueline", self._show_about)
        self.video_tools.fill_menus(edit_menu, timing_menu, view_menu, tools_menu, m, about)

        for act, name, short in ((f["open"], "open", "Open"), (f["save"], "save", "Save"),
                                 (c["undo"], "undo", "Undo"), (c["redo"], "redo", "Redo"),
                                 (p["play_pause"], "play", "Play"), (p["play_segment"], "play_segment", "Segment"),
                                 (p["loop"], "loop", "Loop"), (c["split"], "split", "Split"),
                                 (c["merge_next"], "merge", "Merge"), (c["insert_after"], "insert", "Insert"),
                                 (c["delete"], "delete", "Delete")):
            act.setIcon(icons.icon(name))
            act.setIconText(short)
        self.playback.playing_changed.connect(
            lambda on: p["play_pause"].setIcon(icons.icon("pause" if on else "play")))
        tb = self.main_toolbar
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.setIconSize(QSize(20, 20))
        tb.addActions([f["open"], f["save"]])
        tb.addSeparator()
        t = self.tools.actions["transcribe"]
        t.setIcon(icons.icon("transcribe"))
        t.setIconText("Transcribe")
        tb.addAction(t)
        tb.addSeparator()
        tb.addActions([c["undo"], c["redo"]])
        tb.addSeparator()
        tb.addActions([p["play_pause"], p["play_segment"], p["loop"]])
        tb.addWidget(self.playback.speed_box)
        tb.addSeparator()
        tb.addActions([c["split"], c["merge_next"], c["insert_after"], c["delete"]])
        tb.addSeparator()
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        tb.addWidget(spacer)
        tb.addWidget(QLabel("Profile "))
        tb.addWidget(self.profile_box)

    def _file_actions(self) -> dict:
        acts = {}

        def add(name, text, slot, keys=None):
            a = self.addAction(text)
            a.setObjectName(f"action_{name}")
            a.triggered.connect(lambda _c=False: (self.editor.flush(), slot()))
            if keys is not None:
                a.setShortcuts(keys if isinstance(keys, list) else [keys])
            acts[name] = a

        add("new", "&New project", self.files.new_project, QKeySequence.StandardKey.New)
        add("open", "&Open…", self.files.open_dialog, QKeySequence.StandardKey.Open)
        add("import", "&Import subtitles or script…", self.files.import_dialog, QKeySequence("Ctrl+I"))
        add("save", "&Save project", self.files.save, QKeySequence.StandardKey.Save)
        add("save_as", "Save project &as…", self.files.save_as, QKeySequence("Ctrl+Shift+S"))
        add("export", "&Export subtitles…", self.files.export, QKeySequence("Ctrl+E"))
        add("quit", "&Quit", self.close, QKeySequence("Ctrl+Q"))
        self.file_actions = acts
        return acts

    def _connect(self) -> None:
        s = self.session
        s.path_changed.connect(self._update_title)
        s.history_changed.connect(self._update_title)
        s.position_changed.connect(lambda _ms: self._update_status())
        s.media_changed.connect(self._on_session_media_changed)
        # the status bar follows every change of what it describes: the rule checks run after
        # an edit commits (and after a profile change), so it listens to their result too
        s.profile_changed.connect(self._update_status)
        s.violations_changed.connect(self._update_status)
        s.selection_changed.connect(self._update_status)
        s.document_reset.connect(self._update_status)
        s.committed.connect(lambda _n: self._update_status())
        self.tasks.tasks_changed.connect(self.update_tasks)
        self.waveform.context_menu_requested.connect(self._on_waveform_context_menu_requested)
        self.waveform.segment_activated.connect(lambda _sid: self.focus_text())

    # -- profile -----------------------------------------------------------------------------
    def _select_profile(self, profile_id: str | None) -> None:
        prof = next((p for p in self.profiles if p.id == profile_id), None)
        if prof is None:
            try:
                prof = default_profile()
            except Exception:  # noqa: BLE001 - a broken install: run without rule checks
                prof = self.profiles[0] if self.profiles else None
        if prof is None:
            return
        i = self.profile_box.findData(prof.id)
        if i >= 0 and i != self.profile_box.currentIndex():
            self.profile_box.blockSignals(True)
            self.profile_box.setCurrentIndex(i)
            self.profile_box.blockSignals(False)
        settings.put("profile", prof.id)
        s = self.session
        # the rule checks learn the video's shot changes and frame rate once they are known
        self.session.set_profile(prof, lambda segs, p: check(segs, p, fps=s.frame_rate, shots=s.shots))

    def select_profile(self, profile_id: str | None) -> None:
        self._select_profile(profile_id)

    # -- status ------------------------------------------------------------------------------
    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.files.display_name()}[*] — Cueline")
        self.setWindowModified(self.files.dirty)

    def _update_status(self) -> None:
        s = self.session
        pos = format_timecode(s.position_ms)
        dur = format_timecode(s.duration_ms)
        self.position_label.setText(f"  {pos} / {dur}  ")
        n = len(s.doc)
        selected = len([i for i in s.selected_ids if i in s.doc])
        count = f"{n} segment{'s' if n != 1 else ''}"
        if selected > 1:
            count += f", {selected} selected"
        self.count_label.setText(f"  {count}  ")
        name = getattr(s.profile, "name", "no profile")
        note = self.tools.cleanup_note()
        self.cleanup_button.setText(f"{note} ▸" if note else "")
        self.cleanup_button.setVisible(bool(note))
        self.profile_label.setText(f"  {rules_summary(name, s.violations, n)}  ")

    def update_tasks(self) -> None:
        """The status bar's task area: the newest task's progress, ETA and a Cancel button."""
        active = self.tasks.active
        self.cancel_button.setVisible(bool(self.tasks.cancellable))
        if not active:
            self.job_label.setText("")
            self.job_progress.hide()
            return
        cancellable = self.tasks.cancellable
        job = cancellable[-1] if cancellable else active[-1]
        self.job_label.setText(progress_text(job) + (f" (+{len(active) - 1})" if len(active) > 1 else ""))
        self.job_progress.show()
        p = job.last_progress
        if p is None or not p.total:
            self.job_progress.setRange(0, 0)
        else:
            self.job_progress.setRange(0, 1000)
            self.job_progress.setValue(int(p.fraction * 1000))

    def _on_session_media_changed(self) -> None:
        info = self.session.media_info
        has_video = bool(getattr(info, "has_video", False))
        if has_video:
            self.video.set_source(self.session.media_path, getattr(info, "video_size", None))
            self.video_dock.show()
        else:
            self.video.set_source(None)
            self.video_dock.hide()
        self._update_title()
        self._update_status()

    # -- commands the actions use -------------------------------------------------------------
    def focus_text(self) -> None:
        self.editor_dock.show()
        self.editor.focus_text()

    def show_find(self) -> None:
        if self._find is None:
            self._find = FindReplaceDialog(self.session, self)
        self._find.show()
        self._find.raise_()
        self._find.activateWindow()

    def show_error(self, title: str, exc: BaseException, path: str | None = None) -> None:
        self.prompts.error(title, describe(exc, path))

    def show_status(self, message: str, ms: int = 0) -> None:
        self.statusBar().showMessage(message, ms)

    def job_host(self) -> JobHost:
        """What background-edit controllers use of the window (they never get the window)."""
        return JobHost(session=self.session, prompts=self.prompts, tasks=self.tasks,
                       status=self.show_status, show_error=self.show_error,
                       flush_edits=self.editor.flush, edit_pending=self.editor.has_pending_edit,
                       tasks_changed=self.update_tasks, dialog_parent=self)

    def _on_waveform_context_menu_requested(self, pos: QPoint, ms: int) -> None:
        c = self.commands.actions
        menu = QMenu(self)
        if self.session.selected_range:
            menu.addAction(c["add_from_range"])
        menu.addAction("Seek here", lambda: self.session.seek(ms))
        menu.addSeparator()
        menu.addActions([c["split"], c["merge_next"], c["insert_after"], c["delete"]])
        menu.addSeparator()
        menu.addActions([c["set_start"], c["set_end"]])
        menu.addSeparator()
        menu.addAction(self.snap_action)
        menu.popup(pos)

    def _fill_recent_menu(self) -> None:
        m = self.recent_menu
        m.clear()
        files = settings.recent_files()
        for path in files:
            m.addAction(path, lambda p=path: self.files.open_path(p))
        if not files:
            a = m.addAction("No recent files")
            a.setEnabled(False)
        else:
            m.addSeparator()
            m.addAction("Clear list", settings.clear_recent_files)

    def _show_about(self) -> None:
        from app import __version__

        self.prompts.info("About Cueline", f"Cueline {__version__}\nSubtitle editor with offline speech "
                          "recognition, forced alignment and a waveform timing editor.")

    # -- window state ------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        """The remembered geometry and dock layout; a value that is not one (a hand-edited or
        damaged settings file) is ignored, and the default layout used."""
        st = settings.settings()
        geo = st.value("window/geometry")
        if isinstance(geo, (QByteArray, bytes, bytearray)):
            self.restoreGeometry(geo)
        state = st.value("window/state")
        self._restored = isinstance(state, (QByteArray, bytes, bytearray)) and self.restoreState(state)
        self.video_dock.hide()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not getattr(self, "_sized", False):
            self._sized = True
            if not self._restored:
                self.resizeDocks([self.waveform_dock], [int(self.height() * 0.36)], Qt.Orientation.Vertical)
                self.resizeDocks([self.editor_dock], [int(self.width() * 0.34)], Qt.Orientation.Horizontal)

    def save_layout(self) -> None:
        st = settings.settings()
        st.setValue("window/geometry", self.saveGeometry())
        st.setValue("window/state", self.saveState())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.files.open_path(paths[0]))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.editor.flush()
        if not self.files.maybe_save():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop playback and background work, forget the recovery file, remember the layout."""
        self.save_layout()
        self.waveform.release_spectrogram()
        self.playback.stop()
        self.video.shutdown()
        self.tasks.cancel_all()
        self.tasks.wait(5000)
        if not self.files.dirty:
            self.files.discard_recovery()

    def open_path(self, path: str) -> bool:
        return self.files.open_path(os.path.abspath(path))
