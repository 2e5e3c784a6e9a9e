"""Playback: Cueline's own :class:`~app.audio.playback.Player` is the clock.

A QTimer polls ``player.position_ms`` (40 Hz) while playing and moves the session's playhead,
which the table, editor panel, waveform and video follow.  Without a sound device the player
is a silent clock with the same behaviour; without any media a silent clock over the
document's length keeps every command working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QMenu, QWidget

from app.ui import settings
from app.ui.session import EditorSession

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

POLL_MS = 25
AROUND_MS = 500
JUMP_MS = 2000
SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
CLOCK_RATE = 100  # Hz of the silent clock used when there is no media
MIN_CLOCK_MS = 10 * 60 * 1000


class SilenceSource:
    """The samples of the silent clock: as long as the document, however long, in no memory
    (an array of zeros for a cue at 11 days would already take 380 MB; at 30 years, 380 GB)."""

    channels = 1

    def __init__(self, frames: int, sample_rate: int) -> None:
        self.frames = int(frames)
        self.sample_rate = int(sample_rate)

    def read(self, start: int, count: int) -> np.ndarray:
        return np.zeros((max(0, int(count)), 1), np.float32)

    try_read = read

    def prefetch(self, frame: int) -> None:
        """Nothing to prepare."""

    def close(self) -> None:
        """Nothing to release."""


class PlaybackController(QObject):
    playing_changed = Signal(bool)
    speed_changed = Signal(float)

    def __init__(self, session: EditorSession, window: MainWindow) -> None:
        super().__init__(window)
        self.session = session
        self.w = window
        self.player = None
        self._clock_only = False
        self._playing = False
        self._speed = float(settings.get("playback/speed", 1.0, float))
        if self._speed not in SPEEDS:
            self._speed = 1.0
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.poll)
        session.seek_requested.connect(self._on_session_seek_requested)
        session.playing_segment_changed.connect(self._on_session_playing_segment_changed)
        self.actions: dict[str, QAction] = {}
        self._build_actions(window)
        self.speed_box = QComboBox()
        self.speed_box.setObjectName("speedBox")
        self.speed_box.setToolTip("Playback speed")
        for s in SPEEDS:
            self.speed_box.addItem(f"{s:g}×", s)
        self.speed_box.setCurrentIndex(SPEEDS.index(self._speed))
        self.speed_box.currentIndexChanged.connect(lambda i: self.set_speed(SPEEDS[i]))

    def _build_actions(self, w: QWidget) -> None:
        def add(name, text, slot, keys=(), checkable=False):
            a = QAction(text, w)
            a.setObjectName(f"action_{name}")
            a.setShortcuts([QKeySequence(k) for k in keys])
            a.setCheckable(checkable)
            if keys:
                a.setToolTip(f"{text.replace('&', '')} ({keys[0]})")
            a.triggered.connect(slot)
            w.addAction(a)
            self.actions[name] = a
            return a

        add("play_pause", "&Play / pause", lambda _c=False: self.toggle(), ["Space", "Ctrl+Space"])
        add("play_segment", "Play current &segment", lambda _c=False: self.play_segment(), ["Ctrl+R", "R"])
        add("loop", "&Loop current segment", self.set_loop, ["Ctrl+L"], checkable=True)
        add("play_before", "Play 0.5 s &before", lambda _c=False: self.play_around(before=True), ["Q"])
        add("play_after", "Play 0.5 s &after", lambda _c=False: self.play_around(before=False), ["W"])
        add("back", "Back 2 s", lambda _c=False: self.jump(-JUMP_MS), ["Ctrl+Shift+Left"])
        add("forward", "Forward 2 s", lambda _c=False: self.jump(JUMP_MS), ["Ctrl+Shift+Right"])

    def speed_menu(self, parent: QWidget) -> QMenu:
        menu = QMenu("Spee&d", parent)
        group = QActionGroup(menu)
        by_speed: dict[float, QAction] = {}
        for s in SPEEDS:
            a = menu.addAction(f"{s:g}×")
            a.setCheckable(True)
            a.setChecked(s == self._speed)
            a.triggered.connect(lambda _c=False, s=s: self.set_speed(s))
            group.addAction(a)
            by_speed[s] = a

        def check(speed: float) -> None:
            if speed in by_speed:
                by_speed[speed].setChecked(True)

        self.speed_changed.connect(check)
        return menu

    # -- the player ----------------------------------------------------------------------------
    def open(self, player) -> None:
        """Use ``player`` (an :class:`app.audio.playback.Player`) as the clock."""
        self.unload()
        self.player = player
        self._clock_only = False
        self._apply_speed()
        player.seek(self.session.position_ms)
        self._show_sound_state(getattr(player, "choice", None))

    def _show_sound_state(self, choice) -> None:
        """A silent clock the user did not ask for is said once, with what to install or do."""
        label = self.w.sound_label
        if choice is None or not getattr(choice, "degraded", False):
            label.hide()
            return
        label.setToolTip(f"Playback runs without sound: {choice.reason}.\n{choice.hint}")
        label.show()
        self.w.statusBar().showMessage(f"No sound: {choice.reason}. {choice.hint}", 15000)

    def unload(self) -> None:
        self.timer.stop()
        if self.player is not None:
            try:
                self.player.close()
            except Exception:  # noqa: BLE001 - closing a broken stream must not stop the editor
                pass
        self.player = None
        self._clock_only = False
        self._set_playing(False)
        self.actions["loop"].setChecked(False)

    def _ensure_player(self) -> bool:
        """A silent clock over the document when no media is loaded."""
        if self.player is not None:
            if not self._clock_only or self.player.duration_ms >= self.session.duration_ms:
                return True
            self.unload()
        if self.w.media.loading:
            return False
        from app.audio.playback import Player

        length_ms = max(MIN_CLOCK_MS, self.session.duration_ms + 60_000)
        self.player = Player(SilenceSource(length_ms * CLOCK_RATE // 1000, CLOCK_RATE), backend="silent")
        self._clock_only = True
        self._apply_speed()
        self.player.seek(self.session.position_ms)
        return True

    @property
    def is_playing(self) -> bool:
        return self._playing

    @property
    def speed(self) -> float:
        return self._speed

    def _set_playing(self, playing: bool) -> None:
        if playing != self._playing:
            self._playing = playing
            self.playing_changed.emit(playing)
            self.actions["play_pause"].setText("&Pause" if playing else "&Play")
        if playing and not self.timer.isActive():
            self.timer.start()

    def poll(self) -> None:
        p = self.player
        if p is None:
            self.timer.stop()
            return
        pos = p.position_ms
        playing = p.playing
        self.session.set_position(pos)
        self.w.video.sync(pos, playing, self._speed)
        self._set_playing(playing)
        if not playing:
            self.timer.stop()

    # -- commands ------------------------------------------------------------------------------
    def toggle(self) -> None:
        if not self._ensure_player():
            return
        if self.player.playing:
            self.player.pause()
        else:
            if self.player.position_ms >= self.player.duration_ms - 5:
                self.player.seek(0)
            self.player.play()
        self.poll()
        self._set_playing(self.player.playing)

    def play(self) -> None:
        if self._ensure_player() and not self.player.playing:
            self.toggle()

    def pause(self) -> None:
        if self.player is not None and self.player.playing:
            self.toggle()

    def stop(self) -> None:
        if self.player is not None:
            self.player.pause()
        self.timer.stop()
        self._set_playing(False)

    def seek(self, ms: int) -> None:
        self.session.seek(ms)

    def _on_session_seek_requested(self, ms: int) -> None:
        if self.player is not None:
            self.player.seek(ms)
            self.w.video.sync(ms, self.player.playing, self._speed)

    def _on_session_playing_segment_changed(self, seg_id: str | None) -> None:
        """While playing, the segment under the playhead becomes the current one (the table
        and editor panel follow), unless the user is typing in the editor panel."""
        if (seg_id is not None and self._playing and self.w.waveform.follow_playhead
                and not self.w.editor.is_typing() and seg_id not in self.session.selected_ids):
            self.session.set_current(seg_id)

    def play_range(self, start: int, end: int) -> None:
        if end <= start or not self._ensure_player():
            return
        self.player.play_range(max(0, start), end)
        self.poll()
        self._set_playing(True)

    def play_segment(self) -> None:
        seg = self.session.current
        if seg is not None:
            if self.actions["loop"].isChecked():
                self.set_loop(True)
                self.player.seek(seg.start)
                self.player.play()
                self._set_playing(True)
            else:
                self.play_range(seg.start, seg.end)

    def play_around(self, before: bool) -> None:
        seg = self.session.current
        if seg is None:
            return
        if before:
            self.play_range(max(0, seg.start - AROUND_MS), seg.start)
        else:
            self.play_range(seg.end, seg.end + AROUND_MS)

    def jump(self, delta: int) -> None:
        self.session.seek(max(0, self.session.position_ms + delta))

    def set_loop(self, on: bool) -> None:
        seg = self.session.current
        if on and seg is not None and seg.end > seg.start and self._ensure_player():
            self.player.loop(seg.start, seg.end)
        elif self.player is not None and self.player.loop_range_ms is not None:
            self.player.loop_off()
        if self.actions["loop"].isChecked() != bool(on):
            self.actions["loop"].setChecked(bool(on))

    def set_speed(self, speed: float) -> None:
        speed = float(speed)
        if speed == self._speed:
            return
        self._speed = speed
        settings.put("playback/speed", speed)
        self._apply_speed()
        if self.speed_box.currentData() != speed:
            self.speed_box.setCurrentIndex(SPEEDS.index(speed))
        self.speed_changed.emit(speed)

    def _apply_speed(self) -> None:
        if self.player is not None:
            self.player.speed = self._speed
