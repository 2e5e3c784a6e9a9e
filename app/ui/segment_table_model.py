"""The segment grid's model, fed by the core's change events.

Each core :class:`~app.core.document.Change` maps to the matching Qt notification:
``inserted`` -> ``beginInsertRows``/``endInsertRows``, ``removed`` -> ``beginRemoveRows``/
``endRemoveRows``, ``changed`` -> ``dataChanged`` for that row and only the columns its changed
fields affect.  A full reset happens only when the session gets a different document.

Cells breaking the active profile's rules get a tinted background and the reason as tooltip.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette

from app.core import edits
from app.core.document import Change
from app.core.model import (
    FAILED,
    LOW_CONFIDENCE,
    OVERLAP,
    TIMES_ESTIMATED,
    TR_APPROVED,
    TR_EDITED,
    TR_MACHINE,
    TR_NONE,
    TR_STALE,
    UNMATCHED,
    UNTIMED,
    WORDS_STALE,
    Segment,
)
from app.core.timecode import format_timecode, parse_timecode
from app.subtitles import checker, translation_rules
from app.subtitles.measure import cps, line_lengths
from app.ui.session import EditorSession
from app.ui.speaker_colors import SpeakerColors

COL_NUM, COL_START, COL_END, COL_DUR, COL_CPS, COL_LINE, COL_TEXT, COL_SPEAKER, COL_FLAGS, \
    COL_ENGLISH, COL_REVIEW = range(11)
COL_TRANSLATION = COL_ENGLISH  # the column holds any language's translation
HEADERS = ("#", "Start", "End", "Duration", "CPS", "Line", "Text", "Speaker", "Flags",
           "Translation", "✓")
HEADER_TIPS = (
    "Segment number", "Start time", "End time", "Duration (seconds)",
    "Reading speed: characters per second", "Characters in the longest line", "Text",
    "Speaker", "W: words need re-aligning, E: times estimated, ?: low confidence, U: untimed, "
    "M: unmatched (script line not heard, or speech not in the script), F: the engine failed",
    "Translation (Tools ▸ Translate…): edit it here or in the segment panel",
    "Translation state: ✓ approved, ✎ edited, M machine-made, ! stale (the source changed "
    "since), blank: not translated.  Approve with Ctrl+Shift+Enter; F9 goes to the next "
    "segment to review",
)
SEGMENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1

# which columns show each segment field
FIELD_COLUMNS: dict[str, tuple[int, ...]] = {
    "start": (COL_START, COL_DUR, COL_CPS),
    "end": (COL_END, COL_DUR, COL_CPS),
    "text": (COL_TEXT, COL_CPS, COL_LINE),
    "speaker": (COL_SPEAKER,),
    "flags": (COL_FLAGS,),
    "words": (COL_FLAGS,),
    "translation": (COL_ENGLISH, COL_REVIEW),
    "translation_state": (COL_ENGLISH, COL_REVIEW),
}
REVIEW_MARKS = {TR_APPROVED: "✓", TR_EDITED: "✎", TR_MACHINE: "M", TR_STALE: "!", TR_NONE: ""}
REVIEW_SHORT = {TR_APPROVED: "approved", TR_EDITED: "edited", TR_MACHINE: "machine-made",
                TR_STALE: "stale: the source changed", TR_NONE: "not translated"}
REVIEW_NAMES = {TR_APPROVED: "approved", TR_EDITED: "edited, not approved",
                TR_MACHINE: "machine translation, not reviewed",
                TR_STALE: "stale: the source changed after it was translated",
                TR_NONE: "not translated"}
FLAG_LETTERS = ((WORDS_STALE, "W"), (TIMES_ESTIMATED, "E"), (LOW_CONFIDENCE, "?"), (UNTIMED, "U"),
                (UNMATCHED, "M"), (FAILED, "F"), (OVERLAP, "O"))
FLAG_NAMES = {
    WORDS_STALE: "words need re-aligning (text edited)",
    TIMES_ESTIMATED: "times estimated",
    LOW_CONFIDENCE: "low confidence",
    UNTIMED: "untimed",
    UNMATCHED: "unmatched: not found in the audio, or not in the script",
    FAILED: "the engine failed here",
    OVERLAP: "overlapping speech: two speakers at once",
}
SPEAKER_TINT = 0.35  # how much of the speaker's colour the Speaker cell takes
_ROLES = frozenset({
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.FontRole, Qt.ItemDataRole.TextAlignmentRole,
    SEGMENT_ID_ROLE,
})
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_ALIGN = (_RIGHT, _RIGHT, _RIGHT, _RIGHT, _RIGHT, _RIGHT, _LEFT, _LEFT, Qt.AlignmentFlag.AlignCenter,
          _LEFT, Qt.AlignmentFlag.AlignCenter)
_TOP = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop  # wrapped text in review mode
CACHE_ROWS = 20_000
_SELECTABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_EDITABLE = _SELECTABLE | Qt.ItemFlag.ItemIsEditable
_EDITABLE_COLUMNS = frozenset({COL_START, COL_END, COL_DUR, COL_TEXT, COL_SPEAKER, COL_ENGLISH})
PROBLEM_TINT = QColor(226, 67, 67, 96)  # readable on light and dark bases
WARNING_TINT = QColor(235, 170, 40, 80)
PLAYING_ALPHA = 70


RULE_COLUMNS: dict[str, tuple[int, ...]] = {
    checker.CPS: (COL_CPS,),
    checker.WPM: (COL_CPS,),
    checker.LINE_LENGTH: (COL_LINE,),
    checker.LINE_COUNT: (COL_TEXT,),
    checker.MIN_DURATION: (COL_DUR,),
    checker.MAX_DURATION: (COL_DUR,),
    checker.OVERLAP: (COL_END,),
    checker.MIN_GAP: (COL_END,),
    checker.SHOT_EDGE: (COL_START, COL_END),
    checker.SHOT_CROSSING: (COL_DUR,),
    translation_rules.UNTRANSLATED: (COL_ENGLISH, COL_REVIEW),
    translation_rules.STALE: (COL_ENGLISH, COL_REVIEW),
    translation_rules.NUMBERS: (COL_ENGLISH,),
    translation_rules.NAMES: (COL_ENGLISH,),
    translation_rules.GLOSSARY: (COL_ENGLISH,),
    translation_rules.TARGET_CPS: (COL_ENGLISH,),
    translation_rules.TARGET_LINE_LENGTH: (COL_ENGLISH,),
    translation_rules.TARGET_LINE_COUNT: (COL_ENGLISH,),
}


def rule_columns(v: Any) -> tuple[int, ...]:
    """Columns a rule violation is shown on."""
    return RULE_COLUMNS.get(getattr(v, "rule", ""), (COL_TEXT,))


def violation_text(v: Any) -> str:
    return str(getattr(v, "message", "") or v)


class SegmentTableModel(QAbstractTableModel):
    def __init__(self, session: EditorSession, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self._problem_rows: set[str] = set()
        session.document_reset.connect(self._on_session_document_reset)
        session.segments_changed.connect(self._on_session_segments_changed)
        session.violations_changed.connect(self._on_session_violations_changed)
        session.playing_segment_changed.connect(self._on_session_playing_segment_changed)
        session.profile_changed.connect(self._on_session_profile_changed)
        self._playing: str | None = None
        # The core reports a change after making it; Qt wants row counts to change between
        # begin... and end..., so the model keeps its own count and updates it there.
        self._rows = len(session.doc)
        self._cache: dict[str, tuple[Segment, tuple[str, ...]]] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        self.speaker_colors = SpeakerColors()
        self.speaker_colors.refresh(session.doc)
        session.committed.connect(self._on_session_committed)
        self.review_mode = False  # text cells show their lines (wrapped) instead of "⏎"

    @property
    def doc(self):
        return self.session.doc

    # -- shape -------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                if section == COL_ENGLISH:
                    return self.translation_header()
                return HEADERS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return HEADER_TIPS[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        return _EDITABLE if index.column() in _EDITABLE_COLUMNS else _SELECTABLE

    def segment(self, row: int) -> Segment:
        return self.doc[row]

    def row_of(self, seg_id: str) -> int:
        return self.doc.index_of(seg_id)

    # -- data --------------------------------------------------------------------------------
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if role not in _ROLES or not index.isValid() or index.row() >= len(self.doc):
            return None
        row = index.row()
        seg = self.doc[row]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return str(row + 1) if col == COL_NUM else self._cells(seg)[col]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if self.review_mode and col in (COL_TEXT, COL_ENGLISH):
                return _TOP
            return _ALIGN[col]
        if role == Qt.ItemDataRole.BackgroundRole:
            found = self._violations_on(seg, col)
            if found:
                errors = any(getattr(v, "severity", checker.ERROR) == checker.ERROR for v in found)
                return PROBLEM_TINT if errors else WARNING_TINT
            if seg.id == self._playing:
                c = QGuiApplication.palette().color(QPalette.ColorRole.Highlight)
                c.setAlpha(PLAYING_ALPHA)
                return c
            if col == COL_SPEAKER and seg.speaker:
                base = QGuiApplication.palette().color(QPalette.ColorRole.Base)
                return self.speaker_colors.tint(seg.speaker, base, SPEAKER_TINT)
            return None
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if seg.id == self._playing else None
        if role == Qt.ItemDataRole.EditRole:
            if col == COL_TEXT:
                return seg.text
            if col == COL_ENGLISH:
                return seg.translation or ""
            return self._cells(seg)[col] if col != COL_NUM else str(row + 1)
        if role == SEGMENT_ID_ROLE:
            return seg.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(seg, col)
        return None

    def _cells(self, seg: Segment) -> tuple[str, ...]:
        """The display strings of a segment, computed once per segment value."""
        hit = self._cache.get(seg.id)
        if hit is not None and hit[0] is seg:
            return hit[1]
        profile = self.session.profile
        v = cps(seg, profile)
        cells = (
            "",
            format_timecode(seg.start),
            format_timecode(seg.end),
            f"{seg.duration / 1000:.3f}",
            "∞" if v == float("inf") else f"{v:.1f}",
            str(max(line_lengths(seg.text, profile), default=0)),
            seg.text if self.review_mode else seg.text.replace("\n", " ⏎ "),
            seg.speaker or "",
            "".join(letter for flag, letter in FLAG_LETTERS if flag in seg.flags),
            seg.translation or "" if self.review_mode
            else (seg.translation or "").replace("\n", " ⏎ "),
            REVIEW_MARKS[seg.translation_status] if seg.text.strip() else "",
        )
        if len(self._cache) > CACHE_ROWS:
            self._cache.clear()
        self._cache[seg.id] = (seg, cells)
        return cells

    def _violations_on(self, seg: Segment, col: int) -> list[Any]:
        return [v for v in self.session.violations_for(seg.id) if col in rule_columns(v)]

    def _tooltip(self, seg: Segment, col: int) -> str | None:
        lines = [violation_text(v) for v in self._violations_on(seg, col)]
        if col == COL_FLAGS:
            lines += [FLAG_NAMES[f] for f, _ in FLAG_LETTERS if f in seg.flags]
        if col == COL_TEXT and seg.text and not lines:
            return seg.text
        if col == COL_ENGLISH and seg.translation and not lines:
            return seg.translation
        if col == COL_REVIEW and seg.text.strip():
            lines.insert(0, f"Translation: {REVIEW_NAMES[seg.translation_status]}")
        return "\n".join(lines) or None

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        seg = self.doc[index.row()]
        col = index.column()
        try:
            if col == COL_TEXT:
                edits.edit_text(self.doc, seg.id, str(value))
            elif col == COL_ENGLISH:
                edits.edit_translation(self.doc, seg.id, str(value).strip() or None)
            elif col == COL_SPEAKER:
                edits.set_speaker(self.doc, [seg.id], str(value) or None)
            elif col == COL_START:
                start = parse_timecode(str(value))
                edits.set_times(self.doc, seg.id, start, max(start, seg.end))
            elif col == COL_END:
                end = parse_timecode(str(value))
                if end < seg.start:
                    return False
                edits.set_times(self.doc, seg.id, seg.start, end)
            elif col == COL_DUR:
                dur = parse_duration(str(value))
                edits.set_times(self.doc, seg.id, seg.start, seg.start + dur)
            else:
                return False
        except ValueError:
            return False
        return True

    # -- review mode ---------------------------------------------------------------------------
    def set_review_mode(self, on: bool) -> None:
        """Show the texts with their own line breaks (the view wraps them) instead of "⏎"."""
        if on == self.review_mode:
            return
        self.review_mode = on
        self._cache.clear()
        if self._rows:
            self.dataChanged.emit(self.index(0, COL_TEXT), self.index(self._rows - 1, COL_REVIEW),
                                  [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.TextAlignmentRole])

    def translation_header(self) -> str:
        """"Translation", with the language when the document says which."""
        lang = self.doc.meta.get("translation_language")
        return f"Translation ({lang})" if isinstance(lang, str) and lang else HEADERS[COL_ENGLISH]

    # -- core events -------------------------------------------------------------------------
    def _on_session_committed(self, _name: str = "") -> None:
        """Speaker colours follow the order speakers first appear in: repaint the column when
        it changed."""
        if self.speaker_colors.refresh(self.doc) and self._rows:
            self.dataChanged.emit(self.index(0, COL_SPEAKER), self.index(self._rows - 1, COL_SPEAKER),
                                  [Qt.ItemDataRole.BackgroundRole])

    def _on_session_document_reset(self) -> None:
        self.speaker_colors.refresh(self.doc)
        self.beginResetModel()
        self._playing = None
        self._rows = len(self.doc)
        self._problem_rows = set()
        self.endResetModel()

    def _on_session_segments_changed(self, change: Change) -> None:
        last_col = len(HEADERS) - 1
        if change.kind == "inserted":
            self.beginInsertRows(QModelIndex(), change.index, change.index + change.count - 1)
            self._rows += change.count
            self.endInsertRows()
            self._renumber(change.index + change.count)
        elif change.kind == "removed":
            self.beginRemoveRows(QModelIndex(), change.index, change.index + change.count - 1)
            self._rows -= change.count
            self.endRemoveRows()
            self._renumber(change.index)
        elif change.kind == "changed":
            cols = sorted({c for f in change.fields for c in FIELD_COLUMNS.get(f, ())})
            if cols:
                row = change.index
                self.dataChanged.emit(self.index(row, cols[0]), self.index(row, cols[-1]))
        elif change.kind == "meta":
            if change.key == "translation_language":
                self.headerDataChanged.emit(Qt.Orientation.Horizontal, COL_ENGLISH, COL_ENGLISH)
            return
        else:
            self.dataChanged.emit(self.index(0, 0), self.index(max(0, len(self.doc) - 1), last_col))

    def _renumber(self, first_row: int) -> None:
        n = len(self.doc)
        if first_row < n:
            self.dataChanged.emit(self.index(first_row, COL_NUM), self.index(n - 1, COL_NUM),
                                  [Qt.ItemDataRole.DisplayRole])

    def _on_session_violations_changed(self) -> None:
        rows = set(self.session.violations) | self._problem_rows
        self._problem_rows = set(self.session.violations)
        roles = [Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ToolTipRole]
        for sid in rows:
            if sid in self.doc:
                r = self.doc.index_of(sid)
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(HEADERS) - 1), roles)

    def _on_session_profile_changed(self) -> None:
        """Reading speed and line length depend on how the profile counts characters."""
        self._cache.clear()
        if self._rows:
            self.dataChanged.emit(self.index(0, COL_CPS), self.index(self._rows - 1, COL_LINE),
                                  [Qt.ItemDataRole.DisplayRole])

    def _on_session_playing_segment_changed(self, seg_id: str | None) -> None:
        old, self._playing = self._playing, seg_id
        roles = [Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.FontRole]
        for sid in (old, seg_id):
            if sid is not None and sid in self.doc:
                r = self.doc.index_of(sid)
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(HEADERS) - 1), roles)


def parse_duration(text: str) -> int:
    """``2.5`` (seconds) or a timecode, to ms; ``ValueError`` otherwise."""
    text = text.strip().replace(",", ".")
    if ":" in text:
        return parse_timecode(text)
    value = float(text)
    if value < 0:
        raise ValueError("negative duration")
    return int(round(value * 1000))
