"""The editor panel for the current segment: its text, its translation (with its review state
and an Approve button), start/end/duration, speaker, its words with their times, and the
rules it breaks.

Typing is applied to the document after a short pause (and when the field loses focus, or
before any command runs: :meth:`SegmentEditor.flush`); consecutive typing in one segment is one
undo step.  Typing in the translation marks it edited; typing in the source of a translated
segment marks its translation stale (core edits, see app/core/translation.py).  Undo/redo keys in the text field undo the document, not just the field.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QPalette, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.core import edits
from app.core import translation as tr
from app.core.model import TR_APPROVED, TR_NONE, WORDS_STALE, Segment, word_spans
from app.core.timecode import format_timecode
from app.subtitles.measure import cps
from app.ui.segment_table_model import (
    FLAG_LETTERS,
    FLAG_NAMES,
    REVIEW_MARKS,
    REVIEW_NAMES,
    REVIEW_SHORT,
    violation_text,
)
from app.ui.session import EditorSession
from app.ui.time_edit import TimeEdit

TYPING_COMMIT_MS = 400


class SubtitleTextEdit(QPlainTextEdit):
    """The text field: lets Undo/Redo (and other window shortcuts) reach the window's actions."""

    focus_lost = Signal()
    spelling = None  # app.ui.spelling.SpellingController, when spell checking is on

    def contextMenuEvent(self, e) -> None:  # noqa: N802 - Qt override
        """The usual edit menu, with spelling suggestions on top for an unknown word."""
        menu = self.createStandardContextMenu(e.pos())
        cur = self.cursorForPosition(e.pos())
        block = cur.block()
        m = self.spelling.at(block.text(), cur.positionInBlock()) if self.spelling else None
        if m is not None:
            start = block.position() + m.start
            end = block.position() + m.end

            def replace(word: str) -> None:
                c = QTextCursor(self.document())
                c.setPosition(start)
                c.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
                c.insertText(word)

            self.spelling.fill_menu(menu, m, replace)
        menu.exec(e.globalPos())
        menu.deleteLater()

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ShortcutOverride:
            ke = e  # QKeyEvent
            if ke.matches(QKeySequence.StandardKey.Undo) or ke.matches(QKeySequence.StandardKey.Redo):
                e.ignore()
                return False
        return super().event(e)

    def focusOutEvent(self, e) -> None:  # noqa: N802
        super().focusOutEvent(e)
        self.focus_lost.emit()


class SegmentEditor(QWidget):
    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("segmentEditor")
        self.session = session
        self._seg_id: str | None = None
        self._shown: Segment | None = None
        self._loading = False
        self._words_of: tuple | None = None
        self._hl_key: tuple | None = None
        self._commit_timer = QTimer(self)
        self._commit_timer.setSingleShot(True)
        self._commit_timer.setInterval(TYPING_COMMIT_MS)
        self._commit_timer.timeout.connect(self.flush)
        self._tr_timer = QTimer(self)
        self._tr_timer.setSingleShot(True)
        self._tr_timer.setInterval(TYPING_COMMIT_MS)
        self._tr_timer.timeout.connect(self.flush)
        self._build()
        self._build_translation()
        s = session
        s.current_changed.connect(self._on_session_current_changed)
        s.document_reset.connect(self.refresh)
        s.committed.connect(self._on_session_committed)
        s.violations_changed.connect(self._refresh_warnings)
        s.position_changed.connect(self._on_session_position_changed)
        s.profile_changed.connect(self.refresh)
        self.refresh()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.title = QLabel("No segment")
        self.title.setObjectName("editorTitle")
        f = self.title.font()
        f.setBold(True)
        self.title.setFont(f)
        self.flags_label = QLabel("")
        self.flags_label.setObjectName("editorFlags")
        self.flags_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.flags_label)

        self.text = SubtitleTextEdit()
        self.text.setObjectName("segmentText")
        self.text.setPlaceholderText("Subtitle text (Enter starts a new line)")
        self.text.setTabChangesFocus(True)
        tf = self.text.font()
        tf.setPointSizeF(max(tf.pointSizeF() * 1.25, 11.0))
        self.text.setFont(tf)
        self.text.setMinimumHeight(64)
        self.text.setMaximumHeight(160)
        self.text.textChanged.connect(self._on_text_changed)
        self.text.focus_lost.connect(self.flush)

        self.start_edit = TimeEdit()
        self.end_edit = TimeEdit()
        self.dur_edit = TimeEdit(duration=True)
        self.start_edit.setObjectName("startEdit")
        self.end_edit.setObjectName("endEdit")
        self.dur_edit.setObjectName("durationEdit")
        self.start_edit.time_edited.connect(self._on_start_edited)
        self.end_edit.time_edited.connect(self._on_end_edited)
        self.dur_edit.time_edited.connect(self._on_duration_edited)
        self.cps_label = QLabel("")
        self.cps_label.setObjectName("cpsLabel")
        # two rows (start, end / duration, CPS) so a narrow panel never squeezes the fields
        times = QGridLayout()
        times.setHorizontalSpacing(6)
        times.setVerticalSpacing(4)
        field_width = self.fontMetrics().horizontalAdvance("00:00:00,000") + 18
        cells = (("Start", self.start_edit, 0, 0), ("End", self.end_edit, 0, 2),
                 ("Duration", self.dur_edit, 1, 0))
        for label, w, row, col in cells:
            w.setMinimumWidth(field_width)
            lab = QLabel(label)
            lab.setBuddy(w)
            times.addWidget(lab, row, col)
            times.addWidget(w, row, col + 1)
        times.addWidget(self.cps_label, 1, 2, 1, 2)
        times.setColumnStretch(4, 1)

        self.speaker = QComboBox()
        self.speaker.setObjectName("speakerBox")
        self.speaker.setEditable(True)
        self.speaker.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.speaker.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.speaker.lineEdit().setPlaceholderText("no speaker")
        self.speaker.lineEdit().editingFinished.connect(self._on_speaker_edited)
        self.speaker.activated.connect(lambda _i: self._on_speaker_edited())
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Speaker", self.speaker)

        self.words = QTableWidget(0, 4)
        self.words.setObjectName("wordsTable")
        self.words.setHorizontalHeaderLabels(["Word", "Start", "End", "Conf."])
        self.words.verticalHeader().hide()
        self.words.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.words.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.words.setShowGrid(False)
        self.words.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        hh = self.words.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        time_w = self.fontMetrics().horizontalAdvance("00:00:00,000") + 16
        for col, width in ((1, time_w), (2, time_w), (3, self.fontMetrics().horizontalAdvance("Conf.") + 16)):
            hh.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.words.setColumnWidth(col, width)
        self.words.cellDoubleClicked.connect(self._on_word_double_clicked)

        self.warnings = QLabel("")
        self.warnings.setObjectName("warningsLabel")
        self.warnings.setWordWrap(True)
        self.warnings.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.warnings.setTextFormat(Qt.TextFormat.PlainText)

        self.words_title = words_title = QLabel("Words")
        words_title.setObjectName("wordsTitle")
        wf = words_title.font()
        wf.setBold(True)
        words_title.setFont(wf)

        box = QVBoxLayout(self)
        box.setContentsMargins(10, 8, 10, 8)
        box.setSpacing(8)
        box.addLayout(head)
        box.addWidget(self.text, 2)
        self._translation_slot = box.count()  # where the translation box goes
        box.addLayout(times)
        box.addLayout(form)
        box.addWidget(self.warnings)
        box.addWidget(words_title)
        box.addWidget(self.words, 3)

    def _build_translation(self) -> None:
        """The translation field, its state and the Approve button (hidden until the document
        is translated or review mode is on: :meth:`set_translation_visible`)."""
        self.translation_box = QWidget()
        self.translation_box.setObjectName("translationBox")
        self.tr_label = QLabel("Translation")
        self.tr_label.setObjectName("translationLabel")
        f = self.tr_label.font()
        f.setBold(True)
        self.tr_label.setFont(f)
        self.tr_state = QLabel("")
        self.tr_state.setObjectName("translationState")
        self.approve_button = QPushButton("Approve")
        self.approve_button.setObjectName("approveButton")
        self.approve_button.setToolTip("Approve this translation (Ctrl+Shift+Enter approves and "
                                       "goes to the next segment to review)")
        self.approve_button.clicked.connect(self.approve_current)
        self.translation = SubtitleTextEdit()
        self.translation.setObjectName("segmentTranslation")
        self.translation.setPlaceholderText("Translation (Enter starts a new line)")
        self.translation.setTabChangesFocus(True)
        self.translation.setFont(self.text.font())
        self.translation.setMinimumHeight(56)
        self.translation.setMaximumHeight(140)
        self.translation.textChanged.connect(self._on_translation_changed)
        self.translation.focus_lost.connect(self.flush)
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.tr_label)
        head.addWidget(self.tr_state, 1)
        head.addWidget(self.approve_button)
        box = QVBoxLayout(self.translation_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        box.addLayout(head)
        box.addWidget(self.translation)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(self._translation_slot, self.translation_box, 2)
        self.translation_box.setVisible(False)
        self._refresh_translation()

    def set_translation_visible(self, on: bool) -> None:
        self.translation_box.setVisible(on)

    @property
    def translation_visible(self) -> bool:
        return not self.translation_box.isHidden()

    def _refresh_translation(self) -> None:
        seg = self.session.current
        self.translation.setEnabled(seg is not None)
        lang = self.session.doc.meta.get("translation_language")
        self.tr_label.setText(f"Translation ({lang})" if isinstance(lang, str) and lang
                              else "Translation")
        if seg is None:
            if self.translation.toPlainText():
                self.translation.setPlainText("")
            self.tr_state.setText("")
            self.approve_button.setEnabled(False)
            return
        text = seg.translation or ""
        if self.translation.toPlainText() != text and not self._tr_timer.isActive():
            cur = self.translation.textCursor().position()
            self.translation.setPlainText(text)
            c = self.translation.textCursor()
            c.setPosition(min(cur, len(text)))
            self.translation.setTextCursor(c)
        status = seg.translation_status
        mark = REVIEW_MARKS[status]
        self.tr_state.setText(f"{mark} {REVIEW_SHORT[status]}".strip())
        self.tr_state.setToolTip(REVIEW_NAMES[status])
        self.approve_button.setEnabled(status not in (TR_NONE, TR_APPROVED))

    def approve_current(self) -> bool:
        """Approve the current segment's translation (after applying pending typing)."""
        self.flush()
        seg = self.session.current
        if seg is None or not tr.has_translation(seg):
            return False
        return tr.approve(self.session.doc, [seg.id]) > 0

    def _on_translation_changed(self) -> None:
        if not self._loading and self._seg_id is not None:
            self._tr_timer.start()

    def focus_translation(self) -> None:
        self.translation_box.show()
        self.translation.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- showing the segment -----------------------------------------------------------------
    def _on_session_current_changed(self, _seg_id) -> None:
        self.flush()
        self.refresh()

    def _on_session_committed(self, _name: str) -> None:
        self.refresh()

    def refresh(self) -> None:
        seg = self.session.current
        self._seg_id = seg.id if seg else None
        self._shown = seg
        enabled = seg is not None
        for w in (self.text, self.start_edit, self.end_edit, self.dur_edit, self.speaker, self.words):
            w.setEnabled(enabled)
        self._loading = True
        try:
            if seg is None:
                self.title.setText("No segment selected")
                self.flags_label.setText("")
                if self.text.toPlainText():
                    self.text.setPlainText("")
                for te in (self.start_edit, self.end_edit, self.dur_edit):
                    te.set_value(None)
                self.cps_label.setText("")
                self.speaker.setEditText("")
                self.words.setRowCount(0)
                self.words_title.setText("Words")
                self._words_of = None
            else:
                idx = self.session.doc.index_of(seg.id)
                self.title.setText(f"#{idx + 1}   {format_timecode(seg.start)} → {format_timecode(seg.end)}")
                self.flags_label.setText(", ".join(FLAG_NAMES[f] for f, _ in FLAG_LETTERS if f in seg.flags))
                if self.text.toPlainText() != seg.text and not self._commit_timer.isActive():
                    cur = self.text.textCursor().position()
                    self.text.setPlainText(seg.text)
                    c = self.text.textCursor()
                    c.setPosition(min(cur, len(seg.text)))
                    self.text.setTextCursor(c)
                self.start_edit.set_value(seg.start)
                self.end_edit.set_value(seg.end)
                self.dur_edit.set_value(seg.duration)
                v = cps(seg, self.session.profile)
                self.cps_label.setText("CPS ∞" if v == float("inf") else f"CPS {v:.1f}")
                self._fill_speakers(seg)
                self._fill_words(seg)
            if hasattr(self, "translation"):
                self._refresh_translation()
        finally:
            self._loading = False
        self._refresh_warnings()
        self._highlight_word()

    def _fill_speakers(self, seg: Segment) -> None:
        names = self.session.doc.speakers()
        current = [self.speaker.itemText(i) for i in range(self.speaker.count())]
        if current != names:
            self.speaker.clear()
            self.speaker.addItems(names)
        if not self.speaker.lineEdit().hasFocus():
            self.speaker.setEditText(seg.speaker or "")

    def _fill_words(self, seg: Segment) -> None:
        if self._words_of is seg.words:
            return
        self._words_of = seg.words
        self._hl_key = None
        if seg.words:
            stale = " (text edited since they were timed: re-align)" if seg.has(WORDS_STALE) else ""
            self.words_title.setText(f"Words: {len(seg.words)}{stale}")
        else:
            self.words_title.setText("Words: no word timings (transcribe or align to get them)")
        self.words.setRowCount(len(seg.words))
        for r, w in enumerate(seg.words):
            cells = (w.text, format_timecode(w.start), format_timecode(w.end),
                     "" if w.probability is None else f"{w.probability:.2f}")
            for c, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if w.estimated:
                    item.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
                    item.setToolTip("time estimated (re-align to measure it)")
                self.words.setItem(r, c, item)

    def _refresh_warnings(self) -> None:
        seg = self.session.current
        if seg is None:
            self.warnings.setText("")
            return
        problems = [violation_text(v) for v in self.session.violations_for(seg.id)]
        if problems:
            self.warnings.setText("\n".join(f"⚠ {p}" for p in problems))
            self.warnings.setStyleSheet("QLabel#warningsLabel { color: rgb(226,67,67); }")
        else:
            name = getattr(self.session.profile, "name", None)
            self.warnings.setText(f"✓ Meets the {name} rules" if name else "")
            self.warnings.setStyleSheet("")

    # -- playhead highlighting ---------------------------------------------------------------
    def _on_session_position_changed(self, _ms: int) -> None:
        self._highlight_word()

    def current_word_index(self) -> int | None:
        seg = self.session.current
        if seg is None or self.session.playing_id != seg.id:
            return None
        return self.session.word_at(seg, self.session.position_ms)

    def _highlight_word(self) -> None:
        seg = self._shown
        idx = self.current_word_index()
        key = (seg.id if seg else None, seg.text if seg else None, idx)
        if key == self._hl_key:
            return
        self._hl_key = key
        sels = []
        if seg is not None and idx is not None and self.text.toPlainText() == seg.text:
            spans = word_spans(seg.text, seg.words)
            if spans:
                a, b = spans[idx]
                sel = QTextEdit.ExtraSelection()
                fmt = QTextCharFormat()
                hl = QColor(self.palette().color(QPalette.ColorRole.Highlight))
                hl.setAlpha(90)
                fmt.setBackground(hl)
                sel.format = fmt
                cur = QTextCursor(self.text.document())
                cur.setPosition(a)
                cur.setPosition(b, QTextCursor.MoveMode.KeepAnchor)
                sel.cursor = cur
                sels.append(sel)
        self.text.setExtraSelections(sels)
        hl = QColor(self.palette().color(QPalette.ColorRole.Highlight))
        hl.setAlpha(90)
        for r in range(self.words.rowCount()):
            for c in range(self.words.columnCount()):
                item = self.words.item(r, c)
                if item is not None:
                    item.setBackground(hl if r == idx else QColor(0, 0, 0, 0))

    # -- applying edits ----------------------------------------------------------------------
    def _on_text_changed(self) -> None:
        if not self._loading and self._seg_id is not None:
            self._commit_timer.start()

    def flush(self) -> None:
        """Apply pending typing to the document now."""
        self._commit_timer.stop()
        pending_translation = self._tr_timer.isActive()
        self._tr_timer.stop()
        sid = self._seg_id
        if sid is None or sid not in self.session.doc:
            return
        text = self.text.toPlainText()
        if self.session.doc.get(sid).text != text:
            edits.edit_text(self.session.doc, sid, text)
        if pending_translation or self.translation.hasFocus():
            typed = self.translation.toPlainText()
            if sid in self.session.doc and (self.session.doc.get(sid).translation or "") != typed:
                edits.edit_translation(self.session.doc, sid, typed if typed.strip() else None)

    def has_pending_edit(self) -> bool:
        """Typing not yet applied to the document (it is, a moment after the last key)."""
        return self._commit_timer.isActive()

    def is_typing(self) -> bool:
        """The user is working in one of the panel's fields."""
        return any(w.hasFocus() for w in (self.text, self.start_edit, self.end_edit, self.dur_edit,
                                          self.speaker.lineEdit(), self.translation))

    def cursor_offset(self) -> int | None:
        """The text cursor's character offset when the text field has focus."""
        if not self.text.hasFocus():
            return None
        return self.text.textCursor().position()

    def _on_start_edited(self, ms: int) -> None:
        seg = self.session.current
        if seg is not None:
            edits.set_times(self.session.doc, seg.id, ms, max(ms, seg.end))

    def _on_end_edited(self, ms: int) -> None:
        seg = self.session.current
        if seg is not None:
            edits.set_times(self.session.doc, seg.id, min(seg.start, ms), ms)

    def _on_duration_edited(self, ms: int) -> None:
        seg = self.session.current
        if seg is not None:
            edits.set_times(self.session.doc, seg.id, seg.start, seg.start + ms)

    def _on_speaker_edited(self) -> None:
        seg = self.session.current
        if seg is None or self._loading:
            return
        name = self.speaker.currentText().strip() or None
        if name != seg.speaker:
            edits.set_speaker(self.session.doc, [seg.id], name)

    def _on_word_double_clicked(self, row: int, _col: int) -> None:
        seg = self.session.current
        if seg is not None and row < len(seg.words):
            self.session.seek(seg.words[row].start)

    def focus_text(self) -> None:
        self.text.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_spelling(self, spelling) -> None:
        """Underline unknown words and offer suggestions (an app.ui.spelling controller)."""
        from app.ui.spelling import SpellingHighlighter

        self.text.spelling = spelling
        self.highlighter = SpellingHighlighter(self.text.document(), spelling)
