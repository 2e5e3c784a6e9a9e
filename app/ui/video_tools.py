"""The commands a video subtitler expects beside the basic editing ones: cut/copy/paste of
segments, frame steps and the ``HH:MM:SS:FF`` timecode, shot changes (snap), the spectrogram,
spell checking (next unknown word), *Fix common errors*, Preferences and the shortcut
reference.  Each is one QAction (named ``action_<name>``, so its keys can be changed) placed
in the menus by :meth:`VideoTools.fill_menus`; each document change is one undo step.

Keys: Ctrl+X / Ctrl+C / Ctrl+V cut, copy and paste segments (a focused text field keeps them
for its text), Ctrl+Left / Ctrl+Right step one frame (text fields keep them for words),
Ctrl+Shift+F fixes common errors (as in Subtitle Edit), F7 goes to the next unknown word,
Ctrl+, opens the preferences.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QObject, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu

from app.core import edits
from app.core.frames import format_frames, step_frames
from app.ui import settings
from app.ui.preferences_dialog import audio_frame_rate, autosave_seconds
from app.ui.shortcuts import ShortcutMap
from app.ui.shot_controller import ShotController
from app.ui.spelling import SpellingController, SpellingDelegate

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


def text_offset(text: str, shown_offset: int) -> int:
    """The offset in a cue's text of a character of the table's one-line form of it (where each
    line break shows as `` ⏎ ``)."""
    pos = 0
    for i, ch in enumerate(text):
        step = 3 if ch == "\n" else 1
        if pos + step > shown_offset:
            return i
        pos += step
    return len(text)


class VideoTools(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.session = window.session
        self.shots = ShotController(window.job_host(), window.media, self)
        self.spelling = SpellingController(window.session, self)
        window.editor.set_spelling(self.spelling)
        from app.ui.segment_table_model import COL_TEXT

        self.table_delegate = SpellingDelegate(window.table, self.spelling)
        window.table.setItemDelegateForColumn(COL_TEXT, self.table_delegate)
        self.spelling.changed.connect(window.table.viewport().update)
        window.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        window.table.customContextMenuRequested.connect(self._on_table_context_menu_requested)
        self.actions: dict[str, QAction] = {}
        a = self._add
        # the plain keys only: the platform's extra ones (Shift+Insert...) belong to other commands
        a("cut_segments", "Cu&t segments", self.cut, ["Ctrl+X"])
        a("copy_segments", "&Copy segments", self.copy, ["Ctrl+C"])
        a("paste_segments", "&Paste segments", self.paste, ["Ctrl+V"])
        a("frame_back", "Step one frame back", lambda: self.step_frame(-1), ["Ctrl+Left"])
        a("frame_forward", "Step one frame forward", lambda: self.step_frame(1), ["Ctrl+Right"])
        a("snap_shots", "Snap to shot &changes", lambda: self.shots.snap(False), [])
        a("snap_shots_selection", "Snap selection to shot changes", lambda: self.shots.snap(True), [])
        a("next_misspelling", "Next &unknown word", self.next_misspelling, ["F7"])
        a("fix_errors", "&Fix common errors…", self.fix_errors, ["Ctrl+Shift+F"])
        a("preferences", "&Preferences…", self.preferences, ["Ctrl+,"])  # no standard key on X11
        a("shortcut_reference", "&Keyboard shortcuts", self.shortcut_reference, ["Ctrl+F1"])
        sp = a("spectrogram", "&Spectrogram", lambda: None, ["Ctrl+Shift+W"])
        sp.setCheckable(True)
        sp.setChecked(settings.get("waveform/spectrogram", False, bool))
        sp.toggled.connect(self.set_spectrogram)
        self.set_spectrogram(sp.isChecked())
        self.timecode_label = QLabel("")
        self.timecode_label.setObjectName("timecodeLabel")
        self.timecode_label.setToolTip("Timecode HH:MM:SS:FF at the video's frame rate (or the "
                                       "rate chosen for audio in Preferences)")
        self.timecode_label.setFont(window.position_label.font())
        window.statusBar().addPermanentWidget(self.timecode_label)
        self.session.position_changed.connect(lambda _ms: self.update_timecode())
        self.session.media_changed.connect(self.update_timecode)
        self.session.profile_changed.connect(self.update_timecode)
        self.session.selection_changed.connect(self.update_enabled)
        self.session.shots_changed.connect(self.update_enabled)
        self.shortcut_map: ShortcutMap | None = None
        self.apply_autosave()
        self.update_timecode()
        self.update_enabled()

    def _add(self, name: str, text: str, slot: Callable[[], object], keys) -> QAction:
        act = QAction(text, self.w)
        act.setObjectName(f"action_{name}")
        if keys:
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.triggered.connect(lambda _c=False: self._run(slot))
        self.w.addAction(act)
        self.actions[name] = act
        return act

    def _run(self, slot: Callable[[], object]) -> None:
        self.w.editor.flush()
        slot()

    def _say(self, message: str, ms: int = 4000) -> None:
        self.w.statusBar().showMessage(message, ms)

    def fill_menus(self, edit_menu, timing_menu, view_menu, tools_menu, help_menu,
                   help_before=None) -> None:
        c = self.actions
        first = edit_menu.actions()[2] if len(edit_menu.actions()) > 2 else None
        sep = QAction(edit_menu)
        sep.setSeparator(True)
        edit_menu.insertActions(first, [sep, c["cut_segments"], c["copy_segments"],
                                        c["paste_segments"]])
        edit_menu.addSeparator()
        edit_menu.addAction(c["preferences"])
        timing_menu.addSeparator()
        timing_menu.addActions([c["frame_back"], c["frame_forward"]])
        timing_menu.addSeparator()
        timing_menu.addActions([c["snap_shots"], c["snap_shots_selection"]])
        view_menu.addSeparator()
        view_menu.addAction(c["spectrogram"])
        tools_menu.addSeparator()
        tools_menu.addActions([c["fix_errors"], c["next_misspelling"]])
        help_menu.insertAction(help_before, c["shortcut_reference"])

    def install_shortcuts(self) -> None:
        """Apply the keys saved in Preferences (call once every action exists)."""
        self.shortcut_map = ShortcutMap(self.w)
        self.shortcut_map.apply_saved()

    def update_enabled(self) -> None:
        has = bool(self.session.selected_in_order())
        for name in ("cut_segments", "copy_segments", "snap_shots_selection"):
            self.actions[name].setEnabled(has)

    # -- frames --------------------------------------------------------------------------------
    @property
    def fps(self) -> float:
        return self.session.frame_rate or audio_frame_rate(self.session.profile)

    def update_timecode(self) -> None:
        fps = self.fps
        self.timecode_label.setText(f"  {format_frames(self.session.position_ms, fps)} "
                                    f"@ {fps:g} fps  ")

    def step_frame(self, frames: int) -> None:
        """Pause and move the playhead to the start of the next (previous) frame."""
        self.w.playback.pause()
        self.session.seek(step_frames(self.session.position_ms, self.fps, frames))

    # -- clipboard -----------------------------------------------------------------------------
    def copy(self) -> int:
        from app.formats.clipboard import MIME_TYPE, encode

        ids = self.session.selected_in_order()
        if not ids:
            return 0
        segs = [self.session.doc.get(i) for i in ids]
        data, text = encode(segs)
        mime = QMimeData()
        mime.setData(MIME_TYPE, data)
        mime.setText(text)
        QGuiApplication.clipboard().setMimeData(mime)
        self._say(f"Copied {len(segs)} segment{'s' if len(segs) != 1 else ''}.")
        return len(segs)

    def cut(self) -> int:
        ids = self.session.selected_in_order()
        if not ids or not self.copy():
            return 0
        doc = self.session.doc
        with doc.transaction(f"Cut {len(ids)} segment{'s' if len(ids) != 1 else ''}"):
            edits.delete(doc, ids)
        self._say(f"Cut {len(ids)} segment{'s' if len(ids) != 1 else ''}.")
        return len(ids)

    def clipboard_segments(self):
        from app.formats.clipboard import MIME_TYPE, decode_json, decode_text

        mime = QGuiApplication.clipboard().mimeData()
        if mime is None:
            return []
        if mime.hasFormat(MIME_TYPE):
            try:
                return decode_json(bytes(mime.data(MIME_TYPE)))
            except ValueError:
                pass
        return decode_text(mime.text()) if mime.hasText() else []

    def paste_position(self) -> int:
        """After the selection (keeping the profile's gap), else at the playhead."""
        ids = self.session.selected_in_order()
        if ids:
            end = max(self.session.doc.get(i).end for i in ids)
            prof = self.session.profile
            gap = prof.min_gap(self.session.frame_rate) if prof is not None else 0
            return end + gap
        return self.session.position_ms

    def paste(self) -> list[str]:
        from app.core.paste import paste_segments

        segs = self.clipboard_segments()
        if not segs:
            self._say("Nothing to paste: the clipboard holds no subtitles.")
            return []
        new = paste_segments(self.session.doc, segs, self.paste_position())
        self.session.set_selection(new, new[0])
        self._say(f"Pasted {len(new)} segment{'s' if len(new) != 1 else ''}.")
        return new

    # -- spectrogram ---------------------------------------------------------------------------
    def set_spectrogram(self, on: bool) -> None:
        self.w.waveform.set_spectrogram(on)
        settings.put("waveform/spectrogram", bool(on))
        if self.actions["spectrogram"].isChecked() != bool(on):
            self.actions["spectrogram"].setChecked(bool(on))

    # -- spelling ------------------------------------------------------------------------------
    def next_misspelling(self) -> bool:
        """Select the next cue with an unknown word (wrapping) and select that word."""
        sp = self.spelling
        if sp.speller is None:
            self._say(sp.error or "Spell checking is off (Edit ▸ Preferences ▸ Spell check).")
            return False
        doc = self.session.doc
        n = len(doc)
        cur = self.session.current_index
        start = -1 if cur is None else cur
        for k in range(1, n + 1):
            i = (start + k) % n
            found = sp.misspellings(doc[i].text)
            if found:
                self.session.set_current(doc[i].id)
                self.w.focus_text()
                text = self.w.editor.text
                c = text.textCursor()
                c.setPosition(found[0].start)
                c.setPosition(found[0].end, c.MoveMode.KeepAnchor)
                text.setTextCursor(c)
                self._say(f"Unknown word “{found[0].word}” in segment {i + 1} "
                          "(right-click it for suggestions).")
                return True
        self._say(f"No unknown words ({sp.language}).")
        return False

    def table_menu(self, pos: QPoint) -> QMenu:
        """The table's context menu at ``pos`` (viewport coordinates): spelling suggestions for
        an unknown word under the mouse, then the segment commands."""
        from app.ui.segment_table_model import COL_TEXT

        table = self.w.table
        menu = QMenu(table)
        idx = table.indexAt(pos)
        doc = self.session.doc
        if idx.isValid() and idx.row() < len(doc):
            seg = doc[idx.row()]
            if seg.id not in self.session.selected_ids:
                self.session.set_current(seg.id)
            if idx.column() == COL_TEXT and self.spelling.speller is not None:
                shown = str(idx.data() or "")
                k = self.table_delegate.offset_at(table.visualRect(idx), table.font(), shown, pos.x())
                m = self.spelling.at(seg.text, text_offset(seg.text, k))
                if m is not None:
                    def replace(word: str, sid=seg.id, m=m) -> None:
                        text = doc.get(sid).text
                        if text[m.start:m.end] == m.word:
                            edits.edit_text(doc, sid, text[:m.start] + word + text[m.end:])

                    self.spelling.fill_menu(menu, m, replace)
                    menu.addSeparator()
        c = self.actions
        menu.addActions([c["cut_segments"], c["copy_segments"], c["paste_segments"]])
        menu.addSeparator()
        menu.addAction(self.w.commands["delete"])
        return menu

    def _on_table_context_menu_requested(self, pos: QPoint) -> None:
        menu = self.table_menu(pos)
        menu.popup(self.w.table.viewport().mapToGlobal(pos))

    # -- dialogs -------------------------------------------------------------------------------
    def fix_errors(self):
        from app.ui.fix_errors_dialog import FixErrorsDialog

        s = self.session
        dlg = FixErrorsDialog(s.doc, s.profile, s.doc.meta.get("language") or None, self.w)
        if self.w.prompts.run_dialog(dlg):
            n = dlg.apply()
            self._say(f"Fixed {n} cue{'s' if n != 1 else ''} (one undo step)." if n else
                      "Nothing was changed.")
        return dlg

    def preferences(self):
        from app.ui.preferences_dialog import PreferencesDialog

        if self.shortcut_map is None:
            self.install_shortcuts()
        assert self.shortcut_map is not None
        dlg = PreferencesDialog(self.w.profiles, self.shortcut_map, self.w, self.session.profile)
        if self.w.prompts.run_dialog(dlg):
            dlg.save()
            self.apply_preferences()
        return dlg

    def apply_preferences(self) -> None:
        """Make the saved preferences take effect now."""
        self.w.select_profile(settings.get("profile", None))
        self.apply_autosave()
        self.spelling.refresh()
        self.update_timecode()

    def apply_autosave(self) -> None:
        timer = getattr(self.w.files, "_autosave", None)
        if timer is not None:
            timer.setInterval(autosave_seconds() * 1000)

    def shortcut_reference(self):
        from app.ui.shortcuts_dialog import ShortcutsDialog

        dlg = ShortcutsDialog(self.w)
        self.w.prompts.run_dialog(dlg)
        return dlg
