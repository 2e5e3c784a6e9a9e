"""Loading media off the main thread: probe, waveform peaks (decoded once, then cached), then
speech regions for snapping, each a background job whose progress shows in the status bar.

A load that finishes after another file was opened is ignored; a failure is a message box
naming the file, and the document stays as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.core.cancel import Progress
from app.ui.worker import Task, TaskContext

if TYPE_CHECKING:
    from app.ui.job_controller import JobHost
    from app.ui.playback import PlaybackController
    from app.ui.waveform_view import WaveformView

VAD_BLOCK_S = 600


def load_media(path: str, ctx: TaskContext):
    """Probe, waveform peaks and a player of ``path`` (runs on a pool thread)."""
    from app.audio.peaks import PeakPyramid
    from app.audio.playback import Player
    from app.audio.probe import probe

    info = probe(path)
    ctx.progress(Progress(0, 1, "decoding"))
    peaks = PeakPyramid.for_media(path, progress=ctx.progress, cancel=ctx.cancel)
    ctx.raise_if_cancelled()
    player = Player.for_media(path)
    return info, peaks, player


def find_speech(samples: np.ndarray, sample_rate: int, ctx: TaskContext) -> list[tuple[int, int]]:
    """Speech regions of a (memory-mapped) mono signal, in blocks so memory stays bounded."""
    from app.audio.vad import speech_regions

    block = VAD_BLOCK_S * sample_rate
    n = len(samples)
    out: list[tuple[int, int]] = []
    for a in range(0, n, block):
        ctx.raise_if_cancelled()
        chunk = np.asarray(samples[a:a + block])
        offset = a * 1000 // sample_rate
        for s, e in speech_regions(chunk, sample_rate, cancel=ctx.cancel):
            s, e = s + offset, e + offset
            if out and s <= out[-1][1] + 300:
                out[-1] = (out[-1][0], max(out[-1][1], e))
            else:
                out.append((s, e))
        ctx.progress(Progress(min(n, a + block), n, "finding speech"))
    return out


class MediaController(QObject):
    loaded = Signal(str)
    failed = Signal(str, object)
    speech_ready = Signal()

    def __init__(self, host: JobHost, playback: PlaybackController, waveform: WaveformView,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.session = host.session
        self.playback = playback
        self.waveform = waveform
        self._task: Task | None = None
        self._speech_task: Task | None = None

    @property
    def loading(self) -> bool:
        return self._task is not None and not self._task.status.done

    def load(self, path: str) -> Task:
        self._reset(path, "Loading waveform…")
        self._task = self.host.tasks.start(
            lambda ctx: load_media(path, ctx), "Loading waveform",
            on_finished=lambda result, p=path: self._on_load_finished(p, result),
            on_failed=lambda exc, p=path: self._on_load_failed(p, exc),
            on_progress=lambda _p: self.host.tasks_changed())
        return self._task

    def unload(self) -> None:
        self._reset(None, "")

    def _reset(self, path: str | None, loading_text: str) -> None:
        """Forget the current media (and its tasks) before loading ``path`` or none."""
        self._cancel()
        s = self.session
        s.media_path = path
        s.media_info = None
        s.peaks = None
        s.set_speech([])
        self.waveform.loading_text = loading_text
        self.playback.unload()
        s.media_changed.emit()

    def _cancel(self) -> None:
        for task in (self._task, self._speech_task):
            if task is not None:
                task.cancel()
        self._task = self._speech_task = None

    def _on_load_finished(self, path: str, result) -> None:
        info, peaks, player = result
        if path != self.session.media_path:
            player.close()
            return  # another file was opened meanwhile
        s = self.session
        s.media_info = info
        s.peaks = peaks
        if s.doc.media is not None and not s.doc.media.duration_ms:
            s.doc.media.duration_ms = int(info.duration_ms)
        self.waveform.loading_text = ""
        self.playback.open(player)
        s.media_changed.emit()
        self.loaded.emit(path)
        self._speech_task = self.host.tasks.start(
            lambda ctx: find_speech(peaks.samples, peaks.sample_rate, ctx), "Finding speech",
            on_finished=lambda regions, p=path: self._on_speech_finished(p, regions),
            on_failed=lambda exc: self.host.status(f"Speech detection failed: {exc}", 8000),
            on_progress=lambda _p: self.host.tasks_changed())

    def _on_load_failed(self, path: str, exc: BaseException) -> None:
        if path != self.session.media_path:
            return
        self.session.media_path = None
        self.waveform.loading_text = ""
        self.session.media_changed.emit()
        self.host.show_error("Cannot open media", exc, path)
        self.failed.emit(path, exc)

    def _on_speech_finished(self, path: str, regions) -> None:
        if path == self.session.media_path:
            self.session.set_speech(regions)
            self.speech_ready.emit()
