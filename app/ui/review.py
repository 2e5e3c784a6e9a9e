"""A translator's commands: review mode, approve, and the way to the next segment to review.

- View ▸ Review mode: the source and the translation side by side in the table, wrapped, with
  the translation's state (:meth:`SegmentTableView.set_review_mode`), and the translation
  field in the segment panel;
- Segment ▸ Approve translation (Ctrl+Shift+Enter, as CAT tools confirm a segment with
  Ctrl+Enter; Ctrl+Enter splits here): approves the selected segments' translations, one undo
  step, then goes on to the next segment to review;
- Segment ▸ Next / previous to review (F9 / Shift+F9): the next segment that is untranslated,
  stale or not yet approved (:func:`app.core.translation.next_to_review`).

Every change is a core edit (app/core/translation.py), undone like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from app.core import translation as tr
from app.core.model import TR_APPROVED, TR_EDITED, TR_MACHINE, TR_NONE, TR_STALE
from app.ui import settings

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


class ReviewController(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.session = window.session
        self.actions: dict[str, QAction] = {}
        a = self._add
        mode = a("review_mode", "&Review mode (source and translation side by side)",
                 lambda: self.set_review_mode(self.actions["review_mode"].isChecked()))
        mode.setCheckable(True)
        a("approve", "&Approve translation", self.approve, ["Ctrl+Shift+Return", "Ctrl+Shift+Enter"])
        a("next_review", "Next segment to re&view", lambda: self.goto_review(1), ["F9"])
        a("prev_review", "Previous segment to review", lambda: self.goto_review(-1), ["Shift+F9"])
        a("edit_translation", "Edit translation", self.edit_translation, ["Shift+F2"])
        window.table.english_visibility_changed.connect(self._on_table_english_visibility_changed)
        self.session.selection_changed.connect(self.update_enabled)
        self.session.committed.connect(lambda _n: self.update_enabled())
        self.session.document_reset.connect(self.update_enabled)
        self.w.editor.set_translation_visible(window.table.english_visible)
        self.update_enabled()
        if settings.get("view/review_mode", False, bool):
            mode.setChecked(True)
            self.set_review_mode(True)

    def _add(self, name: str, text: str, slot: Callable[[], object],
             shortcuts: list[str] = ()) -> QAction:
        act = QAction(text, self.w)
        act.setObjectName(f"action_{name}")
        if shortcuts:
            keys = [QKeySequence(k) for k in shortcuts]
            act.setShortcuts(keys)
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.setToolTip(f"{text.replace('&', '')} "
                           f"({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})")
        act.triggered.connect(lambda _checked=False: (self.w.editor.flush(), slot()))
        self.w.addAction(act)
        self.actions[name] = act
        return act

    def fill_menus(self, segment_menu: QMenu, view_menu: QMenu) -> None:
        c = self.actions
        segment_menu.addSeparator()
        segment_menu.addActions([c["edit_translation"], c["approve"], c["next_review"],
                                 c["prev_review"]])
        view_menu.addSeparator()
        view_menu.addAction(c["review_mode"])

    @property
    def review_mode(self) -> bool:
        return self.w.table.review_mode

    def set_review_mode(self, on: bool) -> None:
        self.w.table.set_review_mode(on)
        self.w.editor.set_translation_visible(on or self.w.table.english_visible)
        if self.actions["review_mode"].isChecked() != on:
            self.actions["review_mode"].setChecked(on)
        settings.put("view/review_mode", on)
        if on:
            self.w.statusBar().showMessage(self.summary(), 6000)

    def _on_table_english_visibility_changed(self, on: bool) -> None:
        self.w.editor.set_translation_visible(on or self.review_mode)

    def update_enabled(self) -> None:
        has = bool(self.session.selected_in_order()) or self.session.current is not None
        self.actions["approve"].setEnabled(has)
        self.actions["edit_translation"].setEnabled(self.session.current is not None)

    # -- commands ------------------------------------------------------------------------------
    def approve(self) -> int:
        """Approve the selected segments' translations (one undo step) and go on to the next
        segment to review when one segment was approved."""
        ids = self.session.selected_in_order()
        if not ids and self.session.current is not None:
            ids = [self.session.current.id]
        if not ids:
            return 0
        n = tr.approve(self.session.doc, ids)
        if not n:
            untranslated = [sid for sid in ids if not tr.has_translation(self.session.doc.get(sid))]
            self._say("Nothing to approve: " + ("no translation yet (type one, or Tools ▸ "
                                                "Translate…)" if untranslated
                                                else "already approved."))
            return 0
        if len(ids) == 1:
            self.goto_review(1, quiet=True)
        self._say(f"Approved {n} translation{'s' if n != 1 else ''}. {self.summary()}")
        return n

    def goto_review(self, step: int, *, quiet: bool = False) -> bool:
        """Go to the next (previous) segment that is untranslated, stale or not approved."""
        i = tr.next_to_review(self.session.doc, self.session.current_index, step)
        if i is None:
            if not quiet:
                self._say("Every segment's translation is approved.")
            return False
        seg = self.session.doc[i]
        self.session.set_current(seg.id)
        if not self.w.playback.is_playing:
            self.w.playback.seek(seg.start)
        return True

    def edit_translation(self) -> None:
        if self.session.current is not None:
            self.w.editor_dock.show()
            self.w.editor.focus_translation()

    def summary(self) -> str:
        """One line: how far the review is."""
        c = tr.review_counts(self.session.doc)
        total = sum(c.values())
        if not total:
            return "No text to translate."
        parts = [f"{c[TR_APPROVED]} of {total} approved"]
        for state, word in ((TR_EDITED, "edited"), (TR_MACHINE, "machine-made"),
                            (TR_STALE, "stale"), (TR_NONE, "untranslated")):
            if c[state]:
                parts.append(f"{c[state]} {word}")
        return "Review: " + ", ".join(parts) + "."

    def _say(self, message: str) -> None:
        self.w.statusBar().showMessage(message, 5000)
