"""Video preview with the current cue drawn over it.

The video is muted: Cueline's own player plays the audio and is the clock.  The video follows
the playhead: while playing it runs at the same speed and is re-seeked when it drifts more
than :data:`DRIFT_MS`; while paused it is seeked to every playhead position.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsTextItem,
    QGraphicsView,
    QVBoxLayout,
    QWidget,
)

from app.ui.session import EditorSession

DRIFT_MS = 150
PAUSED_TOLERANCE_MS = 30

# Debian/Ubuntu packages for the shared libraries Qt Multimedia loads (by the file name the
# loader reports missing); anything else gets the general set-up command.
_LIB_PACKAGES = {"libpulse.so.0": "libpulse0", "libpulse-mainloop-glib.so.0": "libpulse-mainloop-glib0",
                 "libasound.so.2": "libasound2", "libva.so.2": "libva2", "libEGL.so.1": "libegl1",
                 "libGL.so.1": "libgl1", "libxkbcommon.so.0": "libxkbcommon0"}


def multimedia_problem() -> str | None:
    """Why Qt Multimedia cannot load here (with what to install), or None when it can."""
    try:
        from PySide6.QtMultimedia import QMediaPlayer  # noqa: F401
        from PySide6.QtMultimediaWidgets import QGraphicsVideoItem  # noqa: F401
    except (ImportError, OSError) as exc:
        return multimedia_hint(str(exc))
    return None


def multimedia_hint(error: str) -> str:
    missing = error.split(":", 1)[0].strip()
    package = _LIB_PACKAGES.get(missing)
    how = (f"sudo apt install {package}" if package
           else "bash packaging/system-deps.sh run (or your system's Qt Multimedia libraries)")
    return (f"Video preview is unavailable: Qt Multimedia could not load ({error}).\n"
            f"Install it (Debian/Ubuntu): {how}\nEverything else works without it.")


class FittedView(QGraphicsView):
    """A view that always shows its whole scene, letterboxed.

    The fit is made in the view's own resize and show events: the panel's resize event
    comes before the view's when a hidden dock is first shown, and a fit made then uses the
    view's old size (the picture opened cropped, and the cue at its bottom out of sight)."""

    def fit(self) -> None:
        rect = self.sceneRect()
        if rect.isEmpty() or self.viewport().width() < 2 or self.viewport().height() < 2:
            return
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.fit()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.fit()


class VideoPanel(QWidget):
    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("videoPanel")
        self.session = session
        self.player = None
        self._item = None
        self.scene = QGraphicsScene(self)
        self.scene.setBackgroundBrush(QColor(0, 0, 0))
        self.view = FittedView(self.scene)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.view.setMinimumSize(240, 135)
        self._box = QGraphicsRectItem()
        self._box.setBrush(QBrush(QColor(0, 0, 0, 150)))
        self._box.setPen(QPen(Qt.PenStyle.NoPen))
        self._box.setZValue(1)
        self.cue = QGraphicsTextItem()
        self.cue.setDefaultTextColor(QColor(255, 255, 255))
        self.cue.setZValue(2)
        f = QFont()
        f.setPointSizeF(18)
        f.setBold(True)
        self.cue.setFont(f)
        self.scene.addItem(self._box)
        self.scene.addItem(self.cue)
        self.problem: str | None = None  # why there is no video, shown in place of the picture
        self._problem_item = QGraphicsTextItem()
        self._problem_item.setDefaultTextColor(QColor(230, 230, 230))
        self._problem_item.setZValue(3)
        self._problem_item.hide()
        self.scene.addItem(self._problem_item)
        self._size = QSizeF(640, 360)
        self.scene.setSceneRect(QRectF(0, 0, self._size.width(), self._size.height()))
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.view)
        self._playing = False
        self._speed = 1.0
        self._cue_text = ""
        session.position_changed.connect(self._on_session_position_changed)
        session.playing_segment_changed.connect(lambda _sid: self.update_cue())
        session.committed.connect(lambda _name: self.update_cue())
        session.document_reset.connect(self.update_cue)

    # -- media -------------------------------------------------------------------------------
    def set_source(self, path: str | None, size: tuple[int, int] | None = None) -> None:
        if path is None:
            if self.player is not None:
                self.player.stop()
                self.player.setSource(QUrl())
            return
        if self.player is None:
            self.problem = multimedia_problem()
            if self.problem is not None:
                self._show_problem(self.problem)
                self.update_cue()
                return
            from PySide6.QtMultimedia import QMediaPlayer
            from PySide6.QtMultimediaWidgets import QGraphicsVideoItem

            self._item = QGraphicsVideoItem()
            self._item.setZValue(0)
            self.scene.addItem(self._item)
            self.player = QMediaPlayer(self)
            self.player.setVideoOutput(self._item)  # no audio output: muted
        if size:
            self._size = QSizeF(float(size[0]), float(size[1]))
        self._item.setSize(self._size)
        self.scene.setSceneRect(QRectF(0, 0, self._size.width(), self._size.height()))
        self.player.setSource(QUrl.fromLocalFile(path))
        self.player.pause()
        self._fit()
        self.update_cue(force=True)  # the cue's place and size follow the picture's size

    def _show_problem(self, text: str) -> None:
        w, h = self._size.width(), self._size.height()
        f = QFont()
        f.setPixelSize(max(12, int(h / 22)))
        self._problem_item.setFont(f)
        self._problem_item.setTextWidth(w * 0.9)
        self._problem_item.setPlainText(text)
        self._problem_item.setPos(w * 0.05, h * 0.08)
        self._problem_item.show()
        self.setToolTip(text)

    def sync(self, position_ms: int, playing: bool, speed: float = 1.0) -> None:
        """Keep the video at the playhead."""
        p = self.player
        if p is None:
            return
        if speed != self._speed:
            self._speed = speed
            p.setPlaybackRate(speed)
        drift = abs(p.position() - position_ms)
        if playing:
            if not self._playing:
                p.setPosition(position_ms)
                p.play()
            elif drift > DRIFT_MS:
                p.setPosition(position_ms)
        else:
            if self._playing:
                p.pause()
            if drift > PAUSED_TOLERANCE_MS:
                p.setPosition(position_ms)
        self._playing = playing

    def _on_session_position_changed(self, ms: int) -> None:
        if not self._playing and self.player is not None:
            self.sync(ms, False, self._speed)

    # -- the cue -------------------------------------------------------------------------------
    def update_cue(self, force: bool = False) -> None:
        seg = self.session.segment_at(self.session.position_ms)
        text = seg.text if seg is not None else ""
        if text == self._cue_text and not force:
            return
        self._cue_text = text
        self.cue.setPlainText(text)
        self._place_cue()

    @property
    def cue_text(self) -> str:
        return self._cue_text

    def _place_cue(self) -> None:
        w, h = self._size.width(), self._size.height()
        f = self.cue.font()
        f.setPixelSize(max(12, int(h / 16)))
        self.cue.setFont(f)
        self.cue.setTextWidth(w * 0.9)
        doc = self.cue.document()
        opt = doc.defaultTextOption()
        opt.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        doc.setDefaultTextOption(opt)
        r = self.cue.boundingRect()
        x = (w - r.width()) / 2
        y = h - r.height() - h * 0.05
        self.cue.setPos(x, y)
        self._box.setRect(QRectF(x, y, r.width(), r.height()) if self._cue_text else QRectF())

    def _fit(self) -> None:
        self.view.fit()

    def shutdown(self) -> None:
        if self.player is not None:
            self.player.stop()
