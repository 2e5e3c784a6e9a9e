"""The segment grid: inline editing of text and times, multi-selection kept in step with the
session (waveform, editor panel, playhead), and "next/previous problem" navigation.

Review mode (View ▸ Review mode) is a translator's layout: the source and its translation side
by side, each wrapped on the lines it has, in rows as high as their text (up to
:data:`REVIEW_MAX_LINES` lines), with the translation state beside them; the timing columns
step aside.  Row heights are measured for the rows in view (and a margin), as they scroll in,
so a long file costs no more than a short one."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QPlainTextEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from app.ui.segment_table_model import (
    COL_CPS,
    COL_DUR,
    COL_END,
    COL_ENGLISH,
    COL_FLAGS,
    COL_LINE,
    COL_NUM,
    COL_REVIEW,
    COL_SPEAKER,
    COL_START,
    COL_TEXT,
    SegmentTableModel,
)
from app.ui.session import EditorSession

COLUMN_WIDTHS = {COL_NUM: 48, COL_START: 104, COL_END: 104, COL_DUR: 72, COL_CPS: 52,
                 COL_LINE: 44, COL_SPEAKER: 110, COL_FLAGS: 52, COL_ENGLISH: 300, COL_REVIEW: 30}
# columns review mode hides, to give the two texts the room
REVIEW_HIDDEN = (COL_END, COL_DUR, COL_CPS, COL_LINE, COL_SPEAKER, COL_FLAGS)
REVIEW_MAX_LINES = 8  # a row grows with its text up to this many lines
REVIEW_ROW_MARGIN = 40  # rows beyond the visible ones measured ahead of scrolling
REVIEW_ROW_PADDING = 6  # px between one row's last line and the next row's first
HEIGHT_CACHE_ROWS = 50_000


class _CellTextEdit(QPlainTextEdit):
    """Text cell editor: Enter commits, Shift+Enter starts a new subtitle line."""

    commit = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            self.commit.emit()
            return
        super().keyPressEvent(event)


class TextDelegate(QStyledItemDelegate):
    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex) -> QWidget:  # noqa: N802
        ed = _CellTextEdit(parent)
        ed.setTabChangesFocus(True)
        ed.setFrameShape(QPlainTextEdit.Shape.NoFrame)
        ed.commit.connect(lambda: self._commit(ed))
        return ed

    def _commit(self, ed: _CellTextEdit) -> None:
        self.commitData.emit(ed)
        self.closeEditor.emit(ed, QStyledItemDelegate.EndEditHint.NoHint)

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:  # noqa: N802
        assert isinstance(editor, QPlainTextEdit)
        editor.setPlainText(index.data(Qt.ItemDataRole.EditRole) or "")
        editor.selectAll()

    def setModelData(self, editor: QWidget, model, index: QModelIndex) -> None:  # noqa: N802
        assert isinstance(editor, QPlainTextEdit)
        model.setData(index, editor.toPlainText(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem, index: QModelIndex) -> None:  # noqa: N802
        r = option.rect
        r.setHeight(max(r.height() * 3, 64))
        editor.setGeometry(r)


class SegmentTableView(QTableView):
    english_visibility_changed = Signal(bool)

    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.table_model = SegmentTableModel(session, self)
        self.setModel(self.table_model)
        self.setObjectName("segmentTable")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setItemDelegateForColumn(COL_TEXT, TextDelegate(self))
        self.setItemDelegateForColumn(COL_ENGLISH, TextDelegate(self))
        vh = self.verticalHeader()
        vh.hide()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 10)
        hh = self.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setStretchLastSection(False)
        for col, w in COLUMN_WIDTHS.items():
            self.setColumnWidth(col, w)
        hh.setSectionResizeMode(COL_TEXT, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(COL_ENGLISH, QHeaderView.ResizeMode.Stretch)
        hh.moveSection(hh.visualIndex(COL_ENGLISH), hh.visualIndex(COL_TEXT) + 1)
        self.english_forced: bool | None = None  # None: shown when any segment has English
        self.setColumnHidden(COL_ENGLISH, True)
        self.setColumnHidden(COL_REVIEW, True)
        hh.moveSection(hh.visualIndex(COL_REVIEW), hh.visualIndex(COL_ENGLISH) + 1)
        self.review_mode = False
        self._hidden_before_review: dict[int, bool] = {}
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self.fit_rows)
        # segment id -> (the segment measured, the text columns' widths, its row height)
        self._heights: dict[str, tuple[object, tuple[int, int], int]] = {}
        self._syncing = False
        self.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        session.selection_changed.connect(self._on_session_selection_changed)
        session.current_changed.connect(self._on_session_current_changed)
        session.document_reset.connect(self._on_session_selection_changed)
        session.committed.connect(self._on_session_committed)
        session.committed.connect(lambda _n: self.update_english_column())
        session.document_reset.connect(self.update_english_column)
        self.table_model.dataChanged.connect(self.schedule_fit)
        self.table_model.rowsInserted.connect(self.schedule_fit)
        self.table_model.modelReset.connect(self.schedule_fit)
        self.verticalScrollBar().valueChanged.connect(self.schedule_fit)
        hh.sectionResized.connect(self.schedule_fit)

    # -- table -> session --------------------------------------------------------------------
    def _selected_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        doc = self.session.doc
        return [doc[r].id for r in rows if r < len(doc)]

    def _on_selection_changed(self, _sel: QItemSelection, _desel: QItemSelection) -> None:
        if self._syncing:
            return
        cur = self.currentIndex()
        doc = self.session.doc
        current = doc[cur.row()].id if cur.isValid() and cur.row() < len(doc) else None
        ids = self._selected_ids()
        self._syncing = True
        try:
            self.session.set_selection(ids, current if current in ids else None)
        finally:
            self._syncing = False

    def _on_current_row_changed(self, cur: QModelIndex, _prev: QModelIndex) -> None:
        if self._syncing or not cur.isValid():
            return
        doc = self.session.doc
        if cur.row() < len(doc):
            sid = doc[cur.row()].id
            if sid in self.session.selected_ids:
                self._syncing = True
                try:
                    self.session.set_selection(self.session.selected_ids, sid)
                finally:
                    self._syncing = False

    # -- session -> table --------------------------------------------------------------------
    def _on_session_selection_changed(self) -> None:
        if self._syncing:
            return
        self._apply_session_selection()

    def _on_session_committed(self, _name: str) -> None:
        # edits that move rows (retiming re-sorts) drop them from Qt's selection: restore it
        if self._selected_ids() != self.session.selected_in_order():
            self._apply_session_selection()

    def _apply_session_selection(self) -> None:
        doc = self.session.doc
        sm = self.selectionModel()
        sel = QItemSelection()
        last_col = self.table_model.columnCount() - 1
        for sid in self.session.selected_ids:
            if sid in doc:
                r = doc.index_of(sid)
                sel.select(self.table_model.index(r, 0), self.table_model.index(r, last_col))
        self._syncing = True
        try:
            sm.select(sel, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            cur = self.session.current_index
            if cur is not None:
                sm.setCurrentIndex(self.table_model.index(cur, self.currentIndex().column()
                                                          if self.currentIndex().isValid() else COL_TEXT),
                                   QItemSelectionModel.SelectionFlag.NoUpdate)
        finally:
            self._syncing = False

    def _on_session_current_changed(self, seg_id: str | None) -> None:
        if seg_id is None or seg_id not in self.session.doc:
            return
        if not self._syncing:
            self._apply_session_selection()
        row = self.session.doc.index_of(seg_id)
        self.scrollTo(self.table_model.index(row, COL_TEXT), QAbstractItemView.ScrollHint.EnsureVisible)

    # -- the English column -------------------------------------------------------------------
    @property
    def english_visible(self) -> bool:
        return not self.isColumnHidden(COL_ENGLISH)

    def set_english_visible(self, on: bool | None) -> None:
        """Show (True) or hide (False) the English column, or (None) show it when any segment
        has a translation."""
        self.english_forced = on
        self.update_english_column()

    def update_english_column(self) -> None:
        on = self.english_forced
        if on is None:
            on = self.review_mode or any(s.translation for s in self.session.doc)
        if on != self.english_visible:
            self.setColumnHidden(COL_ENGLISH, not on)
            self.setColumnHidden(COL_REVIEW, not on)
            self.english_visibility_changed.emit(on)

    # -- review mode ---------------------------------------------------------------------------
    def set_review_mode(self, on: bool) -> None:
        """Source and translation side by side, wrapped, in rows as high as their text."""
        if on == self.review_mode:
            return
        self.review_mode = on
        self.table_model.set_review_mode(on)
        self.setWordWrap(on)
        self.setTextElideMode(Qt.TextElideMode.ElideNone if on else Qt.TextElideMode.ElideRight)
        if on:
            self._hidden_before_review = {c: self.isColumnHidden(c) for c in REVIEW_HIDDEN}
            for c in REVIEW_HIDDEN:
                self.setColumnHidden(c, True)
            self.setColumnHidden(COL_ENGLISH, False)
            self.setColumnHidden(COL_REVIEW, False)
            if not self.english_visible:
                self.english_visibility_changed.emit(True)
            self.fit_rows()
        else:
            for c, hidden in self._hidden_before_review.items():
                self.setColumnHidden(c, hidden)
            self.setColumnHidden(COL_ENGLISH, True)  # update_english_column decides below
            self.setColumnHidden(COL_REVIEW, True)
            vh = self.verticalHeader()
            vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            for r in range(self.table_model.rowCount()):
                if vh.sectionSize(r) != vh.defaultSectionSize():
                    vh.resizeSection(r, vh.defaultSectionSize())
            self.english_visibility_changed.emit(False)
            self.update_english_column()
        if on and self.currentIndex().isValid():
            self.scrollTo(self.currentIndex(), QAbstractItemView.ScrollHint.EnsureVisible)

    def schedule_fit(self, *_args) -> None:
        if self.review_mode:
            self._fit_timer.start()

    def fit_rows(self) -> None:
        """Give the rows in view (and a margin) the height of their wrapped text."""
        if not self.review_mode:
            return
        n = self.table_model.rowCount()
        if not n:
            return
        vh = self.verticalHeader()
        first = max(0, self.rowAt(0) if self.rowAt(0) >= 0 else 0)
        last = self.rowAt(self.viewport().height() - 1)
        last = n - 1 if last < 0 else last
        line = self.fontMetrics().lineSpacing()
        low = vh.defaultSectionSize()
        high = line * REVIEW_MAX_LINES + 10
        widths = (self.columnWidth(COL_TEXT), self.columnWidth(COL_ENGLISH))
        doc = self.session.doc
        for r in range(max(0, first - REVIEW_ROW_MARGIN), min(n, last + 1 + REVIEW_ROW_MARGIN)):
            seg = doc[r] if r < len(doc) else None
            known = self._heights.get(seg.id) if seg is not None else None
            if known is not None and known[0] is seg and known[1] == widths:
                h = known[2]  # measured before, for this text at these widths
            else:
                h = min(high, max(low, self.sizeHintForRow(r) + REVIEW_ROW_PADDING))
                if seg is not None:
                    if len(self._heights) > HEIGHT_CACHE_ROWS:
                        self._heights.clear()
                    self._heights[seg.id] = (seg, widths, h)
            if vh.sectionSize(r) != h:
                vh.resizeSection(r, h)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.schedule_fit()

    # -- navigation --------------------------------------------------------------------------
    def goto_problem(self, step: int) -> bool:
        """Select the next (step=1) or previous (-1) segment breaking a rule; wraps around."""
        doc = self.session.doc
        n = len(doc)
        if not n or not self.session.violations:
            return False
        cur = self.session.current_index
        start = (cur if cur is not None else -1 if step > 0 else n)
        for k in range(1, n + 1):
            i = (start + step * k) % n
            if self.session.violations_for(doc[i].id):
                self.session.set_current(doc[i].id)
                return True
        return False

    def edit_current(self, column: int = COL_TEXT) -> None:
        row = self.session.current_index
        if row is not None:
            idx = self.table_model.index(row, column)
            self.setCurrentIndex(idx)
            self.edit(idx)
