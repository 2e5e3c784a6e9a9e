"""Toolbar icons: the desktop theme's when it has them, else Qt's standard icons, else small
glyphs drawn here in the palette's text colour (so they suit light and dark themes)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

SIZE = 32

THEME = {
    "open": ("document-open", QStyle.StandardPixmap.SP_DialogOpenButton),
    "save": ("document-save", QStyle.StandardPixmap.SP_DialogSaveButton),
    "undo": ("edit-undo", QStyle.StandardPixmap.SP_ArrowBack),
    "redo": ("edit-redo", QStyle.StandardPixmap.SP_ArrowForward),
    "play": ("media-playback-start", QStyle.StandardPixmap.SP_MediaPlay),
    "pause": ("media-playback-pause", QStyle.StandardPixmap.SP_MediaPause),
    "loop": ("media-playlist-repeat", QStyle.StandardPixmap.SP_BrowserReload),
    "delete": ("edit-delete", QStyle.StandardPixmap.SP_TrashIcon),
}


def icon(name: str) -> QIcon:
    if name in THEME:
        theme, std = THEME[name]
        if QIcon.hasThemeIcon(theme):
            return QIcon.fromTheme(theme)
        style = QApplication.style()
        if style is not None:
            return style.standardIcon(std)
    drawer = _GLYPHS.get(name)
    return _painted(drawer) if drawer else QIcon()


def _painted(drawer) -> QIcon:
    pal = QApplication.palette()
    out = QIcon()
    for mode, group in ((QIcon.Mode.Normal, QPalette.ColorGroup.Active),
                        (QIcon.Mode.Disabled, QPalette.ColorGroup.Disabled)):
        pm = QPixmap(SIZE, SIZE)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = QColor(pal.color(group, QPalette.ColorRole.ButtonText))
        accent = QColor(pal.color(group, QPalette.ColorRole.Highlight))
        drawer(p, color, accent)
        p.end()
        out.addPixmap(pm, mode)
    return out


def _box(p: QPainter, r: QRectF, color: QColor, fill: QColor | None = None) -> None:
    p.setPen(QPen(color, 2))
    p.setBrush(fill if fill is not None else Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(r, 3, 3)


def _split(p: QPainter, c: QColor, a: QColor) -> None:
    _box(p, QRectF(3, 9, 11, 14), c)
    _box(p, QRectF(18, 9, 11, 14), c)
    p.setPen(QPen(a, 2, Qt.PenStyle.DashLine))
    p.drawLine(QPointF(16, 3), QPointF(16, 29))


def _merge(p: QPainter, c: QColor, a: QColor) -> None:
    _box(p, QRectF(3, 9, 26, 14), c)
    p.setPen(QPen(a, 2))
    for x0, x1 in ((7, 14), (25, 18)):
        p.drawLine(QPointF(x0, 16), QPointF(x1, 16))
        d = 3 if x1 > x0 else -3
        p.drawLine(QPointF(x1, 16), QPointF(x1 - d, 13))
        p.drawLine(QPointF(x1, 16), QPointF(x1 - d, 19))


def _insert(p: QPainter, c: QColor, a: QColor) -> None:
    _box(p, QRectF(3, 9, 14, 14), c)
    p.setPen(QPen(a, 2.5))
    p.drawLine(QPointF(24, 10), QPointF(24, 22))
    p.drawLine(QPointF(18, 16), QPointF(30, 16))


def _play_segment(p: QPainter, c: QColor, a: QColor) -> None:
    p.setPen(QPen(c, 2))
    p.drawLine(QPointF(5, 7), QPointF(5, 25))
    p.drawLine(QPointF(27, 7), QPointF(27, 25))
    path = QPainterPath(QPointF(11, 9))
    path.lineTo(QPointF(23, 16))
    path.lineTo(QPointF(11, 23))
    path.closeSubpath()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(a)
    p.drawPath(path)


def _transcribe(p: QPainter, c: QColor, a: QColor) -> None:
    """A microphone with text lines: speech to subtitles."""
    p.setPen(QPen(c, 2))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(QRectF(5, 3, 9, 15), 4.5, 4.5)
    path = QPainterPath(QPointF(2.5, 13))
    path.cubicTo(QPointF(2.5, 24), QPointF(16.5, 24), QPointF(16.5, 13))
    p.drawPath(path)
    p.drawLine(QPointF(9.5, 21.5), QPointF(9.5, 27))
    p.drawLine(QPointF(5, 28), QPointF(14, 28))
    p.setPen(QPen(a, 2.5))
    for y, x1 in ((9, 30), (16, 27), (23, 30)):
        p.drawLine(QPointF(20, y), QPointF(x1, y))


_GLYPHS = {"split": _split, "merge": _merge, "insert": _insert, "play_segment": _play_segment,
           "transcribe": _transcribe}
