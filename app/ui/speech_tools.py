"""The speech commands of the editor window: transcribe, cancel, the cleanup log, re-align,
translate, align a script, speakers, models; one QAction each, in the File, Tools, Speakers
and View menus.  The work itself is in the controllers this object owns:
:class:`~app.ui.transcription.TranscriptionController`,
:class:`~app.ui.realign_controller.RealignController`,
:class:`~app.ui.translation.TranslationController`,
:class:`~app.ui.script_align.ScriptAlignController` and
:class:`~app.ui.speaker_detection.SpeakerDetectionController`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from app.core.cleanup_log import cleanup_entries
from app.ui.channel_waves import ChannelWaves
from app.ui.cleanup_dialog import CleanupDialog
from app.ui.model_manager import DOWNLOADABLE, ModelManagerDialog
from app.ui.realign_controller import RealignController
from app.ui.script_align import ScriptAlignController
from app.ui.speaker_detection import SpeakerDetectionController
from app.ui.speakers_dialog import SpeakersDialog
from app.ui.transcribe_dialog import TranscribeDialog
from app.ui.transcription import TranscriptionController, cleanup_summary
from app.ui.translation import TranslationController
from app.ui.voice_profiles_dialog import VoiceProfilesDialog
from app.ui.worker import Task

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


class SpeechTools(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        host = window.job_host()
        self.transcription = TranscriptionController(host, self)
        self.realign = RealignController(host, self)
        self.translation = TranslationController(host, self)
        self.script = ScriptAlignController(host, window.files.ask_open, self)
        self.speaker_detection = SpeakerDetectionController(host, self)
        self.channel_waves = ChannelWaves(host, window.waveform, window)
        self.cleanup_dialog: CleanupDialog | None = None
        self.speakers_dialog: SpeakersDialog | None = None
        self.actions: dict[str, QAction] = {}
        a = self._add
        a("transcribe", "&Transcribe media…", self.ask_transcribe, ["Ctrl+T"])
        a("cancel_job", "&Cancel background work", self.cancel_job)
        a("cleanup_log", "Cleanup &log (removed hallucinations)…", self.show_cleanup)
        a("realign_selection", "&Re-align selection", self.realign.realign_selection, ["Ctrl+Shift+R"])
        a("realign_all", "Re-align &all", self.realign.realign_all)
        auto = a("auto_realign", "Re-align automatically after edits",
                 lambda: self.realign.set_auto(self.actions["auto_realign"].isChecked()))
        auto.setCheckable(True)
        auto.setChecked(self.realign.auto)
        a("translate", "Tr&anslate…", self.translation.ask, ["Ctrl+Shift+T"])
        a("align_script", "&Align a script to the media…", self.script.ask)
        a("models", "Speech &models…", self.show_models)
        a("speakers", "&Manage speakers…", self.show_speakers)
        a("detect_speakers", "&Detect speakers…", self.speaker_detection.ask, ["Ctrl+Shift+K"])
        a("assign_speaker", "&Assign selection to speaker…", self.assign_selection, ["Ctrl+Alt+A"])
        a("remember_voice", "Remember &voice of the current speaker",
          self.speaker_detection.remember_voice)
        a("voice_profiles", "Voice &profiles…", self.show_voice_profiles)
        eng = a("english_column", "Tra&nslation column", lambda: self.w.table.set_english_visible(
            self.actions["english_column"].isChecked()))
        eng.setCheckable(True)
        window.table.english_visibility_changed.connect(eng.setChecked)
        s = window.session
        s.media_changed.connect(self.update_enabled)
        s.document_reset.connect(self.update_enabled)
        s.selection_changed.connect(self.update_enabled)
        s.committed.connect(lambda _n: self.update_enabled())
        window.tasks.tasks_changed.connect(self.update_enabled)
        self.update_enabled()

    def _add(self, name: str, text: str, slot: Callable[[], object], shortcuts: list[str] = ()) -> QAction:
        act = QAction(text, self.w)
        act.setObjectName(f"action_{name}")
        if shortcuts:
            act.setShortcuts([QKeySequence(k) for k in shortcuts])
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.triggered.connect(lambda _checked=False: (self.w.editor.flush(), slot()))
        self.w.addAction(act)
        self.actions[name] = act
        return act

    def fill_menus(self, file_menu: QMenu, tools_menu: QMenu, speakers_menu: QMenu,
                   view_menu: QMenu, before: QAction | None = None) -> None:
        c = self.actions
        file_menu.insertActions(before, [c["transcribe"], c["align_script"]])
        tools_menu.addActions([c["transcribe"], c["cancel_job"], c["cleanup_log"]])
        tools_menu.addSeparator()
        tools_menu.addActions([c["realign_selection"], c["realign_all"], c["auto_realign"]])
        tools_menu.addSeparator()
        tools_menu.addActions([c["translate"], c["align_script"]])
        tools_menu.addSeparator()
        tools_menu.addAction(c["models"])
        speakers_menu.insertAction(speakers_menu.actions()[0] if speakers_menu.actions() else None,
                                   c["detect_speakers"])
        speakers_menu.insertSeparator(speakers_menu.actions()[1])
        speakers_menu.addAction(c["assign_speaker"])
        speakers_menu.addSeparator()
        speakers_menu.addAction(c["speakers"])
        speakers_menu.addActions([c["remember_voice"], c["voice_profiles"]])
        view_menu.addSeparator()
        view_menu.addAction(c["english_column"])
        view_menu.addAction(self.channel_waves.action)

    def update_enabled(self) -> None:
        s = self.w.session
        media = bool(s.media_path)
        loaded = s.peaks is not None
        c = self.actions
        c["transcribe"].setEnabled(media and not self.transcription.running)
        c["cancel_job"].setEnabled(bool(self.w.tasks.cancellable))
        c["cleanup_log"].setEnabled(bool(cleanup_entries(s.doc)))
        has = bool(len(s.doc))
        c["realign_all"].setEnabled(loaded and has)
        c["realign_selection"].setEnabled(loaded and bool(s.selected_in_order()))
        c["translate"].setEnabled(loaded and has)
        c["align_script"].setEnabled(loaded)
        c["detect_speakers"].setEnabled(loaded and has and not self.speaker_detection.running)
        c["assign_speaker"].setEnabled(bool(s.selected_in_order()))
        c["remember_voice"].setEnabled(loaded and bool(s.doc.speakers()))

    # -- commands ------------------------------------------------------------------------------
    def transcribe_dialog(self) -> TranscribeDialog:
        s = self.w.session
        channels = int(getattr(s.media_info, "channels", 1) or 1)
        return TranscribeDialog(self.w.tasks, channels=channels, segments=len(s.doc),
                                profiles=self.w.profiles, current_profile=s.profile, parent=self.w)

    def ask_transcribe(self) -> Task | None:
        """Tools ▸ Transcribe: the dialog, then the run (live results in the table)."""
        if not self.w.session.media_path:
            self.w.prompts.warning("Transcribe", "Open a media file first.")
            return None
        dlg = self.transcribe_dialog()
        if not self.w.prompts.run_dialog(dlg):
            return None
        if dlg.model_status in (None, DOWNLOADABLE):
            self.w.prompts.warning("Transcribe", f"The model {dlg.model} is not on this computer: "
                                   "download it first.")
            return None
        dlg.remember()
        profile = dlg.profile()
        if profile is not None and profile.id != getattr(self.w.session.profile, "id", None):
            # cues shaped for one profile are checked against that profile
            self.w.profile_box.setCurrentIndex(self.w.profile_box.findData(profile.id))
        return self.transcription.start(dlg.options(), replace=dlg.replace, profile=profile)

    def cancel_job(self) -> None:
        """Cancel the newest cancellable job (a transcription keeps what it finished)."""
        jobs = self.w.tasks.cancellable
        if jobs:
            jobs[-1].cancel()
            self.w.update_tasks()

    def show_cleanup(self) -> CleanupDialog:
        if self.cleanup_dialog is None:
            self.cleanup_dialog = CleanupDialog(self.w.session, self.w)
        self.cleanup_dialog.refresh()
        self.cleanup_dialog.show()
        self.cleanup_dialog.raise_()
        return self.cleanup_dialog

    def show_speakers(self) -> SpeakersDialog:
        if self.speakers_dialog is None:
            self.speakers_dialog = SpeakersDialog(self.w.session, self.w.prompts, self.w)
        self.speakers_dialog.refresh()
        self.speakers_dialog.show()
        self.speakers_dialog.raise_()
        return self.speakers_dialog

    def assign_selection(self) -> int:
        """Speakers ▸ Assign selection to speaker: one name (new or existing) for every
        selected segment, one undo step."""
        from app.core.speaker_edits import assign_to_speaker

        s = self.w.session
        ids = s.selected_in_order()
        if not ids:
            return 0
        name = self.w.prompts.ask_text("Assign to speaker", f"Speaker of the {len(ids)} selected "
                                       "segment(s) (a new name or an existing one):",
                                       s.doc.get(ids[0]).speaker or "", s.doc.speakers() or None)
        if name is None:
            return 0
        return assign_to_speaker(s.doc, ids, name.strip() or None)

    def show_voice_profiles(self) -> VoiceProfilesDialog:
        dlg = VoiceProfilesDialog(self.w.prompts, self.w)
        self.voice_profiles_dialog = dlg
        dlg.show()
        dlg.raise_()
        return dlg

    def models_dialog(self) -> ModelManagerDialog:
        return ModelManagerDialog(self.w.tasks, self.w.prompts, self.w)

    def show_models(self) -> None:
        self.w.prompts.run_dialog(self.models_dialog())

    def cleanup_note(self) -> str:
        return cleanup_summary(len(cleanup_entries(self.w.session.doc)))
