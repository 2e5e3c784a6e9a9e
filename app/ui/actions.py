"""The editing commands: one QAction each, in the menus and on keyboard shortcuts.

Shortcuts follow the peers (Subtitle Edit, Aegisub) where they agree: Space play/pause, F11/F12
(or Ctrl+3/Ctrl+4) set start/end at the playhead, Alt+Up/Down previous/next segment,
Alt(+Shift)+Left/Right nudge the start (end) by 100 ms, Ctrl+Alt(+Shift)+Left/Right by one
frame, Insert / Shift+Insert insert after/before, Delete, Ctrl+Return split, Ctrl+J merge with
the next segment, F8 / Shift+F8 next/previous problem, Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y undo and
redo, Ctrl+B break/balance lines.  Keys without Ctrl, Alt or Meta ([, ], Q, W, R, Space,
Insert, Delete) act only when no text is being edited: while the focus is in a text field (a
table cell's editor, the segment panel's text, a time or speaker field) the key types
(:class:`TypingGuard`).  Every command that changes the document is one undo step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from app.core import edits
from app.core.edits import LineLayout
from app.core.model import Segment
from app.subtitles import cue_layout

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

NUDGE_MS = 100
DEFAULT_FPS = 25.0


# keys that edit text although they print nothing
TEXT_KEYS = frozenset(int(k) for k in (Qt.Key.Key_Space, Qt.Key.Key_Insert, Qt.Key.Key_Delete,
                                        Qt.Key.Key_Backspace))
COMMAND_MODIFIERS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                     | Qt.KeyboardModifier.MetaModifier)


def is_text_input(widget: QObject | None) -> bool:
    """The widget takes typed text: an editable line, text or spin field."""
    if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit):
        return not widget.isReadOnly()
    return isinstance(widget, QAbstractSpinBox) and not widget.isReadOnly()


def is_typing_key(event: QKeyEvent) -> bool:
    """A key that types or edits text: no Ctrl, Alt or Meta (Shift is a capital letter), and
    a printable character or one of :data:`TEXT_KEYS`."""
    if event.modifiers() & COMMAND_MODIFIERS:
        return False
    text = event.text()
    return (bool(text) and text.isprintable()) or int(event.key()) in TEXT_KEYS


class TypingGuard(QObject):
    """While text is being edited in ``window``, a typing key goes to the text, never to a
    window shortcut (``[`` types a bracket instead of moving the cue's start).

    Qt asks the focus widget first (``ShortcutOverride``); text fields claim most printable
    keys themselves, but not every key they edit with (Insert, for one), and a cell editor or
    a custom field may not claim any.  Accepting the override here makes the rule hold for
    every text field of the window.  Only the focused field is watched (an application-wide
    filter would run Python for every event of the program)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self._watched: QWidget | None = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)
            self._on_focus_changed(None, app.focusWidget())

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if self._watched is not None and shiboken6.isValid(self._watched):
            self._watched.removeEventFilter(self)
        self._watched = None
        if new is not None and is_text_input(new) and new.window() is self.window:
            new.installEventFilter(self)
            self._watched = new

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and is_text_input(obj) and is_typing_key(event)):
            event.accept()
            return True
        return False


class EditorActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.actions: dict[str, QAction] = {}
        self.typing_guard = TypingGuard(window)
        a = self._add
        # edit
        a("undo", "&Undo", self.undo, [QKeySequence.StandardKey.Undo])
        a("redo", "&Redo", self.redo, ["Ctrl+Shift+Z", "Ctrl+Y"])
        a("find", "&Find and replace…", self.w.show_find, ["Ctrl+F", "Ctrl+H"])
        a("next_problem", "Next &problem", lambda: self.goto_problem(1), ["F8"])
        a("prev_problem", "Previous problem", lambda: self.goto_problem(-1), ["Shift+F8"])
        # segments
        a("split", "&Split at cursor or playhead", self.split, ["Ctrl+Return", "Ctrl+Enter"])
        a("merge_next", "&Merge with next", lambda: self.merge(1), ["Ctrl+J"])
        a("merge_prev", "Merge with previous", lambda: self.merge(-1), ["Ctrl+Shift+J"])
        a("balance_lines", "&Break/balance lines", self.balance_lines, ["Ctrl+B"])
        a("insert_after", "&Insert after", lambda: self.insert(True), ["Insert"])
        a("insert_before", "Insert before", lambda: self.insert(False), ["Shift+Insert"])
        a("delete", "&Delete", self.delete, ["Delete"])
        a("set_start", "Set start at playhead", lambda: self.set_edge_at_playhead(True), ["F11", "Ctrl+3", "["])
        a("set_end", "Set end at playhead", lambda: self.set_edge_at_playhead(False), ["F12", "Ctrl+4", "]"])
        a("start_earlier", "Start 100 ms earlier", lambda: self.nudge(-NUDGE_MS, 0), ["Alt+Left"])
        a("start_later", "Start 100 ms later", lambda: self.nudge(NUDGE_MS, 0), ["Alt+Right"])
        a("end_earlier", "End 100 ms earlier", lambda: self.nudge(0, -NUDGE_MS), ["Alt+Shift+Left"])
        a("end_later", "End 100 ms later", lambda: self.nudge(0, NUDGE_MS), ["Alt+Shift+Right"])
        a("start_frame_earlier", "Start one frame earlier", lambda: self.nudge_frames(-1, 0), ["Ctrl+Alt+Left"])
        a("start_frame_later", "Start one frame later", lambda: self.nudge_frames(1, 0), ["Ctrl+Alt+Right"])
        a("end_frame_earlier", "End one frame earlier", lambda: self.nudge_frames(0, -1), ["Ctrl+Alt+Shift+Left"])
        a("end_frame_later", "End one frame later", lambda: self.nudge_frames(0, 1), ["Ctrl+Alt+Shift+Right"])
        a("shift_following", "S&hift this and following…", self.shift_following, ["Ctrl+Shift+A"])
        a("set_speaker", "Set spea&ker…", self.set_speaker, ["Ctrl+K"])
        a("rename_speaker", "&Rename speaker…", self.rename_speaker, ["Ctrl+Alt+K"])
        a("next_segment", "Next segment", lambda: self.step(1), ["Alt+Down"])
        a("prev_segment", "Previous segment", lambda: self.step(-1), ["Alt+Up"])
        a("edit_text", "Edit text", self.w.focus_text, ["F2"])
        a("add_from_range", "Add segment from selected range", self.add_from_range, ["Ctrl+Shift+Insert"])
        self.w.session.history_changed.connect(self.update_enabled)
        self.w.session.selection_changed.connect(self.update_enabled)
        # a click on a row sets the selection before the current segment: follow both
        self.w.session.current_changed.connect(lambda _sid: self.update_enabled())
        self.w.session.document_reset.connect(self.update_enabled)
        self.update_enabled()

    def _add(self, name: str, text: str, slot: Callable[[], object],
             shortcuts: list[str | QKeySequence.StandardKey] = ()) -> QAction:
        act = QAction(text, self.w)
        act.setObjectName(f"action_{name}")
        keys = [QKeySequence(s) for s in shortcuts]
        if keys:
            act.setShortcuts(keys)
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.setToolTip(f"{text.replace('&', '').rstrip('…')} ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})")
        act.triggered.connect(lambda _checked=False: self._run(slot))
        self.w.addAction(act)
        self.actions[name] = act
        return act

    def _run(self, slot: Callable[[], object]) -> None:
        self.w.editor.flush()
        if self.w.waveform.preview:
            self.w.waveform.cancel_drag()
        slot()

    def __getitem__(self, name: str) -> QAction:
        return self.actions[name]

    def update_enabled(self) -> None:
        h = self.w.session.doc.history
        self.actions["undo"].setEnabled(h.can_undo)
        self.actions["redo"].setEnabled(h.can_redo)
        self.actions["undo"].setText(f"&Undo {h.undo_name}" if h.undo_name else "&Undo")
        self.actions["redo"].setText(f"&Redo {h.redo_name}" if h.redo_name else "&Redo")
        has = self.w.session.current is not None
        for name in ("split", "merge_next", "merge_prev", "delete", "set_start", "set_end",
                     "start_earlier", "start_later", "end_earlier", "end_later", "start_frame_earlier",
                     "start_frame_later", "end_frame_earlier", "end_frame_later", "shift_following",
                     "set_speaker", "balance_lines"):
            self.actions[name].setEnabled(has)

    # -- history -----------------------------------------------------------------------------
    def undo(self) -> None:
        self.w.session.doc.history.undo()

    def redo(self) -> None:
        self.w.session.doc.history.redo()

    # -- helpers -----------------------------------------------------------------------------
    @property
    def doc(self):
        return self.w.session.doc

    def _current(self):
        return self.w.session.current

    def _say(self, message: str) -> None:
        self.w.statusBar().showMessage(message, 4000)

    def _layout(self) -> LineLayout | None:
        """The active profile's line layout (None without a profile)."""
        prof = self.w.session.profile
        return cue_layout(prof) if prof is not None else None

    def _gap_ms(self) -> int:
        """The active profile's minimum gap, as the rule checks count it."""
        prof = self.w.session.profile
        return prof.min_gap() if prof is not None else 0

    @property
    def fps(self) -> float:
        info = self.w.session.media_info
        fps = getattr(info, "video_fps", None)
        if fps:
            return float(fps)
        from app.ui.preferences_dialog import audio_frame_rate

        return audio_frame_rate(self.w.session.profile)  # chosen in Preferences, or the profile's

    # -- commands ----------------------------------------------------------------------------
    def goto_problem(self, step: int) -> None:
        if not self.w.table.goto_problem(step):
            self._say("No rule problems in this document.")

    def step(self, delta: int) -> None:
        self.w.session.step_current(delta)
        seg = self._current()
        if seg is not None and not self.w.playback.is_playing:
            self.w.playback.seek(seg.start)

    def split(self) -> None:
        seg = self._current()
        if seg is None:
            return
        offset = self.w.editor.cursor_offset()
        pos = self.w.session.position_ms
        opts = {"gap_ms": self._gap_ms(), "layout": self._layout()}
        if offset is not None and 0 < offset < len(seg.text):
            result = edits.split(self.doc, seg.id, char_offset=offset, **opts)
        elif seg.start < pos < seg.end:
            result = edits.split(self.doc, seg.id, at_ms=pos, **opts)
        elif len(seg.text.split()) > 1:
            result = edits.split(self.doc, seg.id, at_ms=(seg.start + seg.end) // 2, **opts)
        else:
            self._say("Put the text cursor or the playhead inside the segment to split it.")
            return
        if result:
            self.w.session.set_current(result[1])

    def merge(self, direction: int) -> None:
        ids = self.w.session.selected_in_order()
        if len(ids) < 2:
            i = self.w.session.current_index
            if i is None:
                return
            j = i + direction
            if not 0 <= j < len(self.doc):
                self._say("There is no segment to merge with.")
                return
            ids = [self.doc[min(i, j)].id, self.doc[max(i, j)].id]
        merged = edits.merge(self.doc, ids, layout=self._layout())
        if merged:
            self.w.session.set_current(merged)

    def balance_lines(self) -> None:
        """Lay out the selected segments' lines by the profile's rules (one undo step)."""
        ids = self.w.session.selected_in_order()
        layout = self._layout()
        if not ids or layout is None:
            return
        n = edits.relayout(self.doc, ids, layout)
        name = getattr(self.w.session.profile, "name", "the profile")
        if n:
            self._say(f"Laid out the lines of {n} segment{'s' if n != 1 else ''} for {name}.")
        else:
            self._say(f"The lines already follow the {name} rules.")

    def insert(self, after: bool) -> None:
        if self.w.session.selected_range:
            self.add_from_range()
            return
        seg = self._current()
        if seg is None:
            pos = self.w.session.position_ms
            sid = edits.insert(self.doc, Segment(pos, pos + 2000, ""))
        else:
            sid = edits.insert_near(self.doc, seg.id, after=after, gap=self._gap_ms())
        self.w.session.set_current(sid)
        self.w.focus_text()

    def add_from_range(self) -> None:
        sid = self.w.waveform.add_segment_from_range()
        if sid is None:
            self._say("Drag over the waveform to select a time range first.")
        else:
            self.w.focus_text()

    def delete(self) -> None:
        ids = self.w.session.selected_in_order()
        if ids:
            n = edits.delete(self.doc, ids)
            self._say(f"Deleted {n} segment{'s' if n != 1 else ''}.")

    def set_edge_at_playhead(self, start: bool) -> None:
        seg = self._current()
        if seg is None:
            return
        pos = self.w.session.position_ms
        if start:
            edits.set_times(self.doc, seg.id, pos, max(pos, seg.end))
        else:
            if pos < seg.start:
                self._say("The playhead is before the segment's start.")
                return
            edits.set_times(self.doc, seg.id, seg.start, pos)

    def nudge(self, start_delta: int, end_delta: int) -> None:
        ids = self.w.session.selected_in_order()
        if ids:
            edits.nudge(self.doc, ids, start_delta=start_delta, end_delta=end_delta)

    def nudge_frames(self, start_frames: int, end_frames: int) -> None:
        """Move edges to the frame boundary ``n`` frames away (an edge between two boundaries
        goes to the next one): times stay on frames at any rate, 23.976 included."""
        ids = self.w.session.selected_in_order()
        if ids:
            edits.nudge_frames(self.doc, ids, self.fps, start_frames=start_frames,
                               end_frames=end_frames)

    def shift_following(self) -> None:
        seg = self._current()
        if seg is None:
            return
        delta = self.w.prompts.ask_shift_ms(
            "Shift segments", f"Shift segment {self.w.session.current_index + 1} and all following by "
            "(seconds, negative = earlier):", 0)
        if not delta:
            return
        i = self.doc.index_of(seg.id)
        ids = [s.id for s in self.doc.segments[i:]]
        n = edits.shift(self.doc, delta, seg_ids=ids)
        self._say(f"Shifted {n} segments by {delta / 1000:+.3f} s.")

    def set_speaker(self) -> None:
        ids = self.w.session.selected_in_order()
        if not ids:
            return
        cur = self.doc.get(ids[0]).speaker or ""
        name = self.w.prompts.ask_text("Set speaker", f"Speaker of {len(ids)} segment(s):", cur,
                                       self.doc.speakers() or None)
        if name is not None:
            edits.set_speaker(self.doc, ids, name.strip() or None)

    def rename_speaker(self) -> None:
        speakers = self.doc.speakers()
        if not speakers:
            self._say("No segment has a speaker yet.")
            return
        seg = self._current()
        old = seg.speaker if seg is not None and seg.speaker else speakers[0]
        old = self.w.prompts.ask_text("Rename speaker", "Speaker to rename:", old, speakers)
        if not old:
            return
        new = self.w.prompts.ask_text("Rename speaker", f"New name for {old}:", old)
        if new is None or new.strip() == old:
            return
        n = edits.rename_speaker(self.doc, old, new.strip() or None)
        self._say(f"Renamed {old} in {n} segments.")
