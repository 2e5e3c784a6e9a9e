"""Shot changes in the editor: found in the background when a video is loaded (cached per
file, like the waveform), drawn on the timeline, fed to the rule checks and the drag snapping,
and the *Snap to shot changes* command (one undo step)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from app.ui.worker import Task, TaskContext

if TYPE_CHECKING:
    from app.ui.job_controller import JobHost
    from app.ui.media_controller import MediaController


def find_shots(path: str, ctx: TaskContext):
    from app.audio.shots import shot_changes

    return shot_changes(path, progress=ctx.progress, cancel=ctx.cancel)


class ShotController(QObject):
    def __init__(self, host: JobHost, media: MediaController,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.session = host.session
        self._task: Task | None = None
        self._for: str | None = None
        media.loaded.connect(self._on_media_loaded)
        self.session.media_changed.connect(self._on_session_media_changed)

    @property
    def finding(self) -> bool:
        return self._task is not None and not self._task.status.done

    def _on_session_media_changed(self) -> None:
        if self.session.media_path != self._for:
            if self._task is not None:
                self._task.cancel()
                self._task = None
            self._for = None
            self.session.set_shots([])

    def _on_media_loaded(self, path: str) -> None:
        info = self.session.media_info
        if not getattr(info, "has_video", False):
            return
        self._for = path
        self._task = self.host.tasks.start(
            lambda ctx: find_shots(path, ctx), "Finding shot changes",
            on_finished=lambda result, p=path: self._on_find_finished(p, result),
            on_failed=lambda exc: self.host.status(
                f"Shot change detection failed: {getattr(exc, 'user_message', exc)}", 8000),
            on_progress=lambda _p: self.host.tasks_changed(), cancellable=True)

    def _on_find_finished(self, path: str, result) -> None:
        if path != self.session.media_path:
            return
        self.session.set_shots(result.times_ms)
        self.host.status(f"{len(result)} shot changes found.", 4000)

    # -- the command ---------------------------------------------------------------------------
    def snap(self, selection_only: bool = False) -> int:
        """Move the cue edges near shot changes where the profile wants them."""
        from app.subtitles.shotrules import snap_to_shot_changes

        s = self.session
        if not s.shots:
            self.host.status(
                "No shot changes known: open a video (they are found when it loads)." if
                not self.finding else "Still looking for shot changes…", 5000)
            return 0
        ids = s.selected_in_order() if selection_only else None
        n = snap_to_shot_changes(s.doc, s.shots, s.profile, s.frame_rate, ids)
        self.host.status(
            f"Snapped {n} cue{'s' if n != 1 else ''} to shot changes." if n else
            "Every cue edge near a shot change is already where it belongs.", 4000)
        return n
