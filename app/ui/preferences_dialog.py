"""Edit ▸ Preferences: the defaults a user sets once.

- General: the default subtitle profile, the autosave delay, the frame rate used for
  audio-only media (timecodes, frame steps), the spell-check language.
- Transcription: the engine, model and language the transcribe dialog starts with (the same
  settings it remembers itself).
- Shortcuts: every command with its keys, editable; a key given to two commands is shown in
  red and must be resolved before saving; *Reset* restores a command's default keys.

OK saves everything to the settings and applies it at once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui import settings
from app.ui.shortcuts import NATIVE, ShortcutMap, conflicts, keys_text, parse_keys

DEFAULT_AUTOSAVE_S = 3
DEFAULT_AUDIO_FPS = 25.0
COMMON_RATES = (23.976, 24.0, 25.0, 29.97, 30.0, 50.0, 59.94, 60.0)
CONFLICT = QColor(226, 67, 67, 110)


def audio_frame_rate(profile=None) -> float:
    """The frame rate for media without video (timecodes and frame steps): the one chosen in
    Preferences, else the profile's, else 25."""
    value = settings.get("frames/audio_fps", None, float)
    if value and value > 0:
        return value
    rate = getattr(profile, "frame_rate", None)
    return float(rate) if rate else DEFAULT_AUDIO_FPS


def autosave_seconds() -> int:
    value = settings.get("files/autosave_s", DEFAULT_AUTOSAVE_S, int)
    return value if value and value > 0 else DEFAULT_AUTOSAVE_S


class PreferencesDialog(QDialog):
    def __init__(self, profiles, shortcuts: ShortcutMap, parent: QWidget | None = None,
                 profile=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.setObjectName("preferencesDialog")
        self.shortcuts = shortcuts
        self.tabs = QTabWidget()
        self.tabs.addTab(self._general(profiles, profile), "General")
        self.tabs.addTab(self._transcription(), "Transcription")
        self.tabs.addTab(self._shortcuts_tab(), "Shortcuts")
        self.problem = QLabel("")
        self.problem.setObjectName("preferencesProblem")
        self.problem.setStyleSheet("color: rgb(200,40,40);")
        self.problem.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(self.tabs, 1)
        box.addWidget(self.problem)
        box.addWidget(buttons)
        self.resize(720, 600)
        self._check_conflicts()

    # -- tabs --------------------------------------------------------------------------------------
    def _general(self, profiles, profile=None) -> QWidget:
        from app.subtitles.spelling import LANGUAGES, available_languages

        w = QWidget()
        form = QFormLayout(w)
        self.profile_box = QComboBox()
        self.profile_box.setObjectName("prefProfile")
        for p in profiles:
            self.profile_box.addItem(p.name, p.id)
        i = self.profile_box.findData(settings.get("profile", "default"))
        self.profile_box.setCurrentIndex(max(0, i))
        self.autosave_spin = QSpinBox()
        self.autosave_spin.setObjectName("prefAutosave")
        self.autosave_spin.setRange(1, 600)
        self.autosave_spin.setSuffix(" s after an edit")
        self.autosave_spin.setValue(autosave_seconds())
        self.autosave_spin.setToolTip("How long after the last edit the recovery copy is written")
        self.fps_box = QComboBox()
        self.fps_box.setObjectName("prefAudioFps")
        self.fps_box.setEditable(True)
        for r in COMMON_RATES:
            self.fps_box.addItem(f"{r:g}", r)
        self.fps_box.setCurrentText(f"{audio_frame_rate(profile):g}")
        self.fps_box.setToolTip("Frames per second for timecodes and frame steps when the media "
                                "has no video (a video's own rate is used otherwise)")
        self.spell_box = QComboBox()
        self.spell_box.setObjectName("prefSpelling")
        self.spell_box.addItem("Automatic (the document's or profile's language)", "auto")
        self.spell_box.addItem("Off", "off")
        for code in available_languages():
            self.spell_box.addItem(f"{LANGUAGES[code]} ({code})", code)
        i = self.spell_box.findData(settings.get("spelling/language", "auto"))
        self.spell_box.setCurrentIndex(max(0, i))
        form.addRow("Default profile", self.profile_box)
        form.addRow("Autosave", self.autosave_spin)
        form.addRow("Frame rate for audio", self.fps_box)
        form.addRow("Spell check", self.spell_box)
        return w

    def _transcription(self) -> QWidget:
        from app.engines.languages import QWEN_LANGUAGES
        from app.ui.model_manager import catalogue
        from app.ui.transcribe_dialog import ENGINES, language_name

        w = QWidget()
        form = QFormLayout(w)
        self.engine_box = QComboBox()
        self.engine_box.setObjectName("prefEngine")
        for key, title in ENGINES:
            self.engine_box.addItem(title, key)
        self.engine_box.setCurrentIndex(max(0, self.engine_box.findData(
            settings.get("transcribe/engine", "whisper"))))
        self.model_box = QComboBox()
        self.model_box.setObjectName("prefModel")
        self.language_box = QComboBox()
        self.language_box.setObjectName("prefLanguage")
        self.language_box.addItem("Detect automatically", "")
        for code in sorted(QWEN_LANGUAGES, key=lambda c: language_name(c).lower()):
            self.language_box.addItem(f"{language_name(code)} ({code})", code)
        self.language_box.setCurrentIndex(max(0, self.language_box.findData(
            settings.get("transcribe/language", "") or "")))

        def fill_models() -> None:
            keep = self.model_box.currentData() or settings.get("transcribe/model", "")
            self.model_box.clear()
            for info, _status in catalogue(self.engine_box.currentData()):
                self.model_box.addItem(info.name, info.name)
            i = self.model_box.findData(keep)
            if i >= 0:
                self.model_box.setCurrentIndex(i)

        self.engine_box.currentIndexChanged.connect(lambda _i: fill_models())
        fill_models()
        form.addRow("Engine", self.engine_box)
        form.addRow("Model", self.model_box)
        form.addRow("Language", self.language_box)
        note = QLabel("The Transcribe dialog starts with these; its own choices are remembered "
                      "here too.")
        note.setWordWrap(True)
        form.addRow(note)
        return w

    def _shortcuts_tab(self) -> QWidget:
        w = QWidget()
        self.keys_filter = QLineEdit()
        self.keys_filter.setPlaceholderText("Filter commands")
        self.keys_filter.setClearButtonEnabled(True)
        self.keys_filter.textChanged.connect(self._filter_keys)
        self.keys_table = QTableWidget(0, 2)
        self.keys_table.setObjectName("prefShortcuts")
        self.keys_table.setHorizontalHeaderLabels(["Command", "Keys"])
        self.keys_table.verticalHeader().hide()
        self.keys_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.keys_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.keys_table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                        | QAbstractItemView.EditTrigger.EditKeyPressed)
        hh = self.keys_table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.names: list[str] = sorted(self.shortcuts.actions, key=lambda n: self._title(n).lower())
        self.keys_table.setRowCount(len(self.names))
        for r, name in enumerate(self.names):
            title = QTableWidgetItem(self._title(name))
            title.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            title.setData(Qt.ItemDataRole.UserRole, name)
            self.keys_table.setItem(r, 0, title)
            self.keys_table.setItem(r, 1, QTableWidgetItem(
                keys_text(self.shortcuts.actions[name].shortcuts())))
        self.keys_table.itemChanged.connect(lambda _i: self._check_conflicts())
        self.key_edit = QKeySequenceEdit()
        self.key_edit.setObjectName("prefKeyEdit")
        self.key_edit.setToolTip("Press the new key for the selected command")
        set_b = QPushButton("Set")
        set_b.clicked.connect(self._set_from_edit)
        clear_b = QPushButton("Clear")
        clear_b.clicked.connect(lambda: self.set_keys(self._row_name(), []))
        reset_b = QPushButton("Reset")
        reset_b.clicked.connect(lambda: self.set_keys(self._row_name(),
                                                      self.shortcuts.defaults.get(self._row_name(), [])))
        row = QHBoxLayout()
        row.addWidget(QLabel("New key:"))
        row.addWidget(self.key_edit, 1)
        row.addWidget(set_b)
        row.addWidget(clear_b)
        row.addWidget(reset_b)
        box = QVBoxLayout(w)
        box.addWidget(self.keys_filter)
        box.addWidget(self.keys_table, 1)
        box.addLayout(row)
        hint = QLabel("Double-click a key cell to type keys as text (\"Ctrl+K; F9\"), or select a "
                      "command and press the new key above.")
        hint.setWordWrap(True)
        box.addWidget(hint)
        return w

    # -- shortcuts editing -------------------------------------------------------------------------
    def _title(self, name: str) -> str:
        return self.shortcuts.actions[name].text().replace("&", "").rstrip("…").strip()

    def _row_name(self) -> str | None:
        r = self.keys_table.currentRow()
        return self.names[r] if 0 <= r < len(self.names) else None

    def _filter_keys(self, text: str) -> None:
        words = text.lower().split()
        for r, name in enumerate(self.names):
            hay = f"{self._title(name)} {self.keys_table.item(r, 1).text()}".lower()
            self.keys_table.setRowHidden(r, not all(w in hay for w in words))

    def _set_from_edit(self) -> None:
        seq = self.key_edit.keySequence()
        if self._row_name() is not None and not seq.isEmpty():
            self.set_keys(self._row_name(), [seq])
            self.key_edit.clear()

    def set_keys(self, name: str | None, keys: list[QKeySequence]) -> None:
        if name is None:
            return
        r = self.names.index(name)
        self.keys_table.item(r, 1).setText(keys_text(keys))

    def mapping(self) -> dict[str, list[QKeySequence]]:
        """The keys as edited; ValueError naming the command when a cell is no key."""
        out = {}
        for r, name in enumerate(self.names):
            text = self.keys_table.item(r, 1).text()
            try:
                out[name] = parse_keys(text)
            except ValueError as exc:
                raise ValueError(f"{self._title(name)}: {exc}") from None
        return out

    def _check_conflicts(self) -> bool:
        if not hasattr(self, "keys_table"):
            return True
        self.keys_table.blockSignals(True)
        try:
            for r in range(self.keys_table.rowCount()):
                self.keys_table.item(r, 1).setBackground(QBrush())
            try:
                found = conflicts(self.mapping())
            except ValueError as exc:
                self.problem.setText(str(exc))
                self.ok_button.setEnabled(False)
                return False
            clashing = {n for names in found.values() for n in names}
            for r, name in enumerate(self.names):
                if name in clashing:
                    self.keys_table.item(r, 1).setBackground(CONFLICT)
        finally:
            self.keys_table.blockSignals(False)
        if found:
            key, names = next(iter(found.items()))
            self.problem.setText(f"{QKeySequence(key).toString(NATIVE)} is given to "
                                 + " and ".join(f"“{self._title(n)}”" for n in names)
                                 + (f" (and {len(found) - 1} more clash)" if len(found) > 1 else ""))
        else:
            self.problem.setText("")
        self.ok_button.setEnabled(not found)
        return not found

    @property
    def conflicts(self) -> dict[str, list[str]]:
        return conflicts(self.mapping())

    # -- saving ------------------------------------------------------------------------------------
    def audio_fps(self) -> float:
        try:
            value = float(self.fps_box.currentText().replace(",", "."))
        except ValueError:
            return audio_frame_rate()
        return value if 1 <= value <= 240 else audio_frame_rate()


    def save(self) -> None:
        """Write every choice to the settings and apply the shortcuts."""
        p = settings.put
        p("profile", self.profile_box.currentData())
        p("files/autosave_s", self.autosave_spin.value())
        p("frames/audio_fps", self.audio_fps())
        p("spelling/language", self.spell_box.currentData())
        p("transcribe/engine", self.engine_box.currentData())
        if self.model_box.currentData():
            p("transcribe/model", self.model_box.currentData())
        p("transcribe/language", self.language_box.currentData() or "")
        self.shortcuts.save(self.mapping())

    def accept(self) -> None:
        if not self._check_conflicts():
            return
        super().accept()
