"""Every question and message box the editor shows, in one object the window holds.

Tests give the window a subclass with scripted answers, so a test never blocks on a modal
dialog (the window never calls QMessageBox or QFileDialog directly).
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox, QWidget

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"
OVERWRITE, SAVE_AS = "overwrite", "save_as"
# answers to a file name whose extension names another format than the one chosen
BY_EXTENSION, AS_CHOSEN = "by_extension", "as_chosen"


class Prompts:
    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent
        self.last_dir = ""

    # -- messages ----------------------------------------------------------------------------
    def error(self, title: str, message: str) -> None:
        QMessageBox.critical(self.parent, title, message)

    def warning(self, title: str, message: str) -> None:
        QMessageBox.warning(self.parent, title, message)

    def info(self, title: str, message: str) -> None:
        QMessageBox.information(self.parent, title, message)

    # -- questions ---------------------------------------------------------------------------
    def ask_save_changes(self, name: str) -> str:
        """SAVE, DISCARD or CANCEL for unsaved changes in ``name``."""
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Unsaved changes")
        box.setText(f"Save the changes to {name}?")
        box.setInformativeText("Your changes will be lost if you don't save them.")
        box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                               | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return SAVE
        if answer == QMessageBox.StandardButton.Discard:
            return DISCARD
        return CANCEL

    def ask_changed_on_disk(self, name: str) -> str:
        """OVERWRITE, SAVE_AS or CANCEL when ``name`` changed on disk since it was opened."""
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Project changed on disk")
        box.setText(f"{name} was changed by another window or program since you opened it.")
        box.setInformativeText("Saving now replaces those changes with yours. Save your version "
                               "under another name instead?")
        overwrite = box.addButton("Overwrite", QMessageBox.ButtonRole.DestructiveRole)
        save_as = box.addButton("Save as…", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(save_as)
        box.exec()
        clicked = box.clickedButton()
        if clicked is overwrite:
            return OVERWRITE
        if clicked is save_as:
            return SAVE_AS
        return CANCEL

    def ask_recover(self, description: str) -> bool:
        answer = QMessageBox.question(
            self.parent, "Recover unsaved work",
            f"Cueline did not close normally last time.\n\n{description}\n\nRecover this work?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes)
        return answer == QMessageBox.StandardButton.Yes

    def confirm(self, title: str, question: str) -> bool:
        answer = QMessageBox.question(self.parent, title, question)
        return answer == QMessageBox.StandardButton.Yes

    def ask_export_format(self, path: str, chosen: str, by_extension: str,
                          renamed: str) -> str:
        """``path``'s extension says ``by_extension`` but the format chosen is ``chosen`` (both
        described for the user): BY_EXTENSION (write what the name says), AS_CHOSEN (write the
        chosen format into ``renamed``) or CANCEL."""
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Export format")
        box.setText(f"{os.path.basename(path)} is named as {by_extension}, but the format chosen "
                    f"is {chosen}.")
        box.setInformativeText("Which should Cueline write?")
        ext = box.addButton(f"Write {by_extension}", QMessageBox.ButtonRole.AcceptRole)
        chose = box.addButton(f"Write {chosen} as {os.path.basename(renamed)}",
                              QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(ext)
        box.exec()
        clicked = box.clickedButton()
        if clicked is ext:
            return BY_EXTENSION
        if clicked is chose:
            return AS_CHOSEN
        return CANCEL

    def open_file(self, title: str, filters: str, start_dir: str = "") -> str | None:
        """A file to open; the dialog starts in ``start_dir`` (else the last folder used)."""
        start = start_dir or self.last_dir
        path, _ = QFileDialog.getOpenFileName(self.parent, title, start, filters)
        return self._remember(path)

    def save_file(self, title: str, filters: str, suggested: str = "") -> str | None:
        """A file name to write; ``suggested`` may be a full path (the dialog starts there)."""
        start = suggested if os.path.isabs(suggested) else os.path.join(self.last_dir, suggested)
        path, _ = QFileDialog.getSaveFileName(self.parent, title, start, filters)
        return self._remember(path)

    def ask_text(self, title: str, label: str, text: str = "", items: list[str] | None = None) -> str | None:
        if items:
            value, ok = QInputDialog.getItem(self.parent, title, label, items,
                                             items.index(text) if text in items else 0, True)
        else:
            value, ok = QInputDialog.getText(self.parent, title, label, text=text)
        return value if ok else None

    def ask_shift_ms(self, title: str, label: str, default_ms: int = 0) -> int | None:
        value, ok = QInputDialog.getDouble(self.parent, title, label, default_ms / 1000.0,
                                           -36000.0, 36000.0, 3)
        return int(round(value * 1000)) if ok else None

    def run_dialog(self, dialog: QDialog) -> bool:
        """Run a modal dialog (export options...); True when accepted."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def _remember(self, path: str) -> str | None:
        if not path:
            return None
        self.last_dir = os.path.dirname(path)
        return path
