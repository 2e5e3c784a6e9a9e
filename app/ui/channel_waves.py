"""View ▸ One waveform per channel: a stereo interview (one microphone per speaker) shown as
two waveforms, one above the other, so who is talking is visible at a glance.

The per-channel peaks are built in the background from the media (16 kHz, each channel on
its own, :class:`~app.audio.peaks.PeakPyramid`) the first time the option is turned on for a
file; the mono waveform stays until they are ready.  A mono file ignores the option."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from app.audio.samples import ENGINE_RATE
from app.ui import settings
from app.ui.waveform_render import PeakTiles
from app.ui.worker import Task, TaskContext

if TYPE_CHECKING:
    from app.ui.job_controller import JobHost
    from app.ui.waveform_view import WaveformView

MAX_CHANNELS = 8


class ChannelWaves(QObject):
    def __init__(self, host: JobHost, waveform: WaveformView, parent: QObject) -> None:
        super().__init__(parent)
        self.host = host
        self.session = host.session
        self.waveform = waveform
        self.task: Task | None = None
        self._for: str | None = None  # the media the channel peaks belong to
        self.action = QAction("One waveform per &channel", parent)
        self.action.setObjectName("action_channel_waves")
        self.action.setCheckable(True)
        self.action.setChecked(settings.get("view/channel_waves", False, bool))
        self.action.toggled.connect(self.set_enabled)
        self.session.media_changed.connect(self._on_media_changed)

    @property
    def channels(self) -> int:
        return int(getattr(self.session.media_info, "channels", 1) or 1)

    def set_enabled(self, on: bool) -> Task | None:
        settings.put("view/channel_waves", bool(on))
        if self.action.isChecked() != bool(on):
            self.action.setChecked(bool(on))
        view = self.waveform
        if not on:
            view.set_channel_tiles(None)
            return None
        return self._load()

    def _on_media_changed(self) -> None:
        self._for = None
        self.waveform.set_channel_tiles(None)
        if self.action.isChecked():
            self._load()

    def _load(self) -> Task | None:
        s = self.session
        path = s.media_path
        if not path or self.channels < 2 or s.peaks is None:
            return None
        if self._for == path and self.waveform.channel_tiles:
            return None
        if self.task is not None and not self.task.status.done:
            return self.task

        def work(ctx: TaskContext):
            from app.audio.decode import decode
            from app.audio.peaks import PeakPyramid

            x = decode(path, ENGINE_RATE, mono=False, cancel=ctx.cancel)
            if x.ndim == 1:
                return []
            return [PeakPyramid.from_samples(c) for c in x[:MAX_CHANNELS]]

        def done(pyramids) -> None:
            if self.session.media_path != path or not self.action.isChecked():
                return
            self._for = path
            self.waveform.set_channel_tiles([PeakTiles(p) for p in pyramids] or None)

        self.task = self.host.tasks.start(work, "Waveform per channel", cancellable=True,
                                     on_finished=done,
                                     on_failed=lambda exc: self.host.status(
                                         f"Cannot show the channels: {exc}", 8000))
        return self.task
