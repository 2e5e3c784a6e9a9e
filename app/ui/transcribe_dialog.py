"""The Transcribe dialog: engine, model (bundled, installed or downloadable, with a download
button), language, task (transcribe, or translate into English), names and jargon to expect,
subtitle profile, device, workers, chunk length, one speaker per channel.  The choices are
remembered (QSettings) and become :class:`~app.pipeline.types.PipelineOptions`.

The transcript is shaped into cues under the editor's profile unless the user asks for the
engine's raw segments (as ``cueline transcribe`` does for SRT/VTT/ASS): raw segments run past
a subtitle's line length and reading time.  What is remembered is that choice (shape or
raw), and the profile offered is the editor's current one.

With the engine "Remote server" the model and device rows give way to the servers (one
OpenAI-compatible base URL per line), the model they serve, the API key (kept in the system
keyring, never in the settings) and *Test connection*, which connects in the background and
says, per server, how it went."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.engines.languages import QWEN_LANGUAGES
from app.ui import settings
from app.ui.model_manager import (
    DOWNLOADABLE,
    DownloadPanel,
    ModelDownloader,
    catalogue,
    status_label,
)
from app.ui.remote_servers import RemoteServersBox
from app.ui.worker import TaskRunner

ENGINES = (("whisper", "Whisper (faster-whisper, good on a CPU)"),
           ("qwen", "Qwen3-ASR (30 languages, GPU advised)"),
           ("remote", "Remote server (vLLM, faster-whisper-server, any OpenAI-compatible)"))
REMOTE = "remote"
WHISPER_LANGUAGES = (
    "af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha haw he "
    "hi hr ht hu hy id is it ja jw ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt my ne "
    "nl nn no oc pa pl ps pt ro ru sa sd si sk sl sn so sq sr su sv sw ta te tg th tk tl tr tt uk "
    "ur uz vi yi yo zh yue").split()
PROMPT_TOKENS = 224  # Whisper keeps at most this many tokens of context
DEVICES = (("auto", "Automatic"), ("cpu", "CPU"), ("cuda", "GPU (CUDA)"))
SHAPE, RAW = "shape", "raw"  # the remembered choice ("transcribe/segments")
RAW_ITEM = ""  # the profile box's item for the engine's segments (a profile id is never empty)


def approx_tokens(text: str) -> int:
    """Tokens a context text takes, roughly (1.3 per word: Whisper's BPE on English)."""
    return int(math.ceil(len(text.split()) * 1.3))


def language_name(code: str) -> str:
    loc = QLocale(code)
    if loc.language() in (QLocale.Language.C, QLocale.Language.AnyLanguage):
        return code
    return QLocale.languageToString(loc.language())


class TranscribeDialog(QDialog):
    def __init__(self, jobs: TaskRunner, *, channels: int = 1, segments: int = 0,
                 profiles: list[Any] | None = None, current_profile: Any = None,
                 parent: QWidget | None = None) -> None:
        """``current_profile``: the editor's profile, offered for shaping."""
        super().__init__(parent)
        self.setWindowTitle("Transcribe")
        self.setObjectName("transcribeDialog")
        self.downloader = ModelDownloader(jobs, self)
        self.profiles = list(profiles or [])
        self.current_profile_id: str | None = getattr(current_profile, "id", None)
        self._statuses: dict[str, str] = {}
        self._english_only = False
        self._chosen_language: str | None = None  # the user's choice while an .en model forces English

        self.engine_box = QComboBox()
        self.engine_box.setObjectName("engineBox")
        for key, title in ENGINES:
            self.engine_box.addItem(title, key)
        from app.engines import qwen

        if not qwen.installed():  # a Whisper-only install or build: say why, offer no download
            item = self.engine_box.model().item(self.engine_box.findData("qwen"))
            item.setEnabled(False)
            item.setToolTip(qwen.missing_message())
        self.model_box = QComboBox()
        self.model_box.setObjectName("modelBox")
        self.download_button = QPushButton("Download")
        self.download_button.setObjectName("downloadButton")
        self.download_button.clicked.connect(self.download)
        self.panel = DownloadPanel(self.downloader)
        self.language_box = QComboBox()
        self.language_box.setObjectName("languageBox")
        self.task_box = QComboBox()
        self.task_box.setObjectName("taskBox")
        self.task_box.addItem("Transcribe (text in the language spoken)", "transcribe")
        self.task_box.addItem("Translate into English", "translate")
        self.context = QPlainTextEdit()
        self.context.setObjectName("contextBox")
        self.context.setPlaceholderText("Names, places and jargon to expect, e.g. "
                                        "\"Cueline, Aegisub, Dr. Nakamura\"")
        self.context.setToolTip("<p>A list of the names and words the speakers use helps the "
                                "engine spell them. A sentence describing the recording does "
                                "not, and can make the transcript worse.</p>")  # <p>: wraps
        self.context.setMaximumHeight(72)
        self.tokens_label = QLabel("")
        self.tokens_label.setObjectName("tokensLabel")
        self.profile_box = QComboBox()
        self.profile_box.setObjectName("transcribeProfile")
        for p in self.profiles:
            self.profile_box.addItem(f"Shape into cues: {p.name}", p.id)
        self.profile_box.addItem("Keep the engine's segments (raw, not shaped)", RAW_ITEM)
        self.profile_box.setToolTip("Shaping cuts the transcript into cues that meet the profile's "
                                    "line length, lines, reading speed and durations")
        self.device_box = QComboBox()
        self.device_box.setObjectName("deviceBox")
        for key, title in DEVICES:
            self.device_box.addItem(title, key)
        self.workers_spin = QSpinBox()
        self.workers_spin.setObjectName("workersSpin")
        self.workers_spin.setRange(0, 16)
        self.workers_spin.setSpecialValueText("Automatic")
        self.chunk_spin = QSpinBox()
        self.chunk_spin.setObjectName("chunkSpin")
        self.chunk_spin.setRange(1, 30)
        self.chunk_spin.setSuffix(" s")
        self.chunk_spin.setSpecialValueText("Automatic (engine's limit)")
        self.channels_box = QCheckBox("One speaker per channel (stereo interview: each channel "
                                      "transcribed as its own speaker)")
        self.channels_box.setObjectName("channelsBox")
        self.channels_box.setEnabled(channels >= 2)
        self.continue_box = QCheckBox("Carry the text across pauses (Whisper, for long "
                                      "recordings: about 50 % slower)")
        self.continue_box.setObjectName("continueBox")
        self.continue_box.setToolTip(
            "<p>Each chunk is decoded with what was heard just before it, as sequential Whisper "
            "does. Measured on two hour-long conversations: 10.0 % of words wrong instead of "
            "10.3 %, and 11.3 % instead of 11.8 % (sequential Whisper: 9.6 % and 10.6 %), for "
            "about 50 % more time. A small gain, at the edge of what the choice of test "
            "sentences alone could give. On clips of a few minutes it did not help.</p>")
        self.replace_box = QCheckBox(f"Replace the {segments} segment{'s' if segments != 1 else ''} "
                                     "already in the document")
        self.replace_box.setObjectName("replaceBox")
        self.replace_box.setChecked(True)
        self.replace_box.setVisible(segments > 0)
        self.message = QLabel("")
        self.message.setObjectName("transcribeMessage")
        self.message.setWordWrap(True)
        self.remote = RemoteServersBox(jobs)
        self.remote.changed.connect(self._update_state)
        self.remote.tested.connect(lambda _ok: self.adjustSize())  # room for the result lines

        model_row = QHBoxLayout()
        self.model_row = model_row
        model_row.addWidget(self.model_box, 1)
        model_row.addWidget(self.download_button)
        form = QFormLayout()
        self.form = form
        form.addRow("Engine", self.engine_box)
        form.addRow("Model", model_row)
        form.addRow("", self.panel)
        form.addRow(self.remote)
        form.addRow("Language", self.language_box)
        form.addRow("Task", self.task_box)
        form.addRow("Context", self.context)
        form.addRow("", self.tokens_label)
        form.addRow("Segments", self.profile_box)
        form.addRow("Device", self.device_box)
        form.addRow("Workers", self.workers_spin)
        form.addRow("Chunk length", self.chunk_spin)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton("Transcribe", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("transcribeButton")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.channels_box)
        box.addWidget(self.continue_box)
        box.addWidget(self.replace_box)
        box.addWidget(self.message)
        box.addWidget(buttons)

        self.engine_box.currentIndexChanged.connect(self._on_engine_changed)
        self.model_box.currentIndexChanged.connect(self._on_model_changed)
        self.context.textChanged.connect(self._update_tokens)
        self.downloader.finished.connect(lambda *_: self._refresh_models())
        self.downloader.failed.connect(lambda *_: self._update_state())
        self.downloader.cancelled.connect(lambda *_: self._update_state())
        self._restore()

    # -- choices -------------------------------------------------------------------------------
    @property
    def engine(self) -> str:
        return str(self.engine_box.currentData())

    @property
    def model(self) -> str:
        return str(self.model_box.currentData())

    @property
    def model_status(self) -> str | None:
        if self.engine == REMOTE:
            return REMOTE  # the model lives on the server: nothing to download here
        return self._statuses.get(self.model)

    @property
    def language(self) -> str | None:
        """The language asked for; None (detect) for an English-only model, as the CLI does."""
        if self._english_only:
            return None
        return self.language_box.currentData() or None

    def set_combo(self, box: QComboBox, value: Any) -> bool:
        i = box.findData(value)
        if i >= 0:
            box.setCurrentIndex(i)
        return i >= 0

    def set_engine(self, engine: str) -> bool:
        i = self.engine_box.findData(engine)
        if i < 0 or not self.engine_box.model().item(i).isEnabled():
            return False
        self.engine_box.setCurrentIndex(i)
        return True

    def set_model(self, name: str) -> bool:
        return self.set_combo(self.model_box, name)

    def set_language(self, code: str | None) -> bool:
        return self.set_combo(self.language_box, code or "")

    def set_task(self, task: str) -> bool:
        return self.set_combo(self.task_box, task)

    def profile(self) -> Any:
        """The profile to shape the transcript with; None for the engine's raw segments."""
        pid = self.profile_box.currentData()
        return next((p for p in self.profiles if p.id == pid), None) if pid else None

    def _restore_segments(self) -> None:
        """Shape (under the editor's profile) unless raw segments were chosen last time."""
        if settings.get("transcribe/segments", SHAPE) == RAW:
            self.set_combo(self.profile_box, RAW_ITEM)
            return
        for pid in (self.current_profile_id, settings.get("transcribe/profile", None)):
            if pid and self.set_combo(self.profile_box, pid):
                return
        self.profile_box.setCurrentIndex(0)

    def options(self):
        """The :class:`PipelineOptions` the dialog describes (the CLI's defaults otherwise)."""
        from app.engines.base import TranscribeOptions
        from app.pipeline.types import PipelineOptions

        context = self.context.toPlainText().strip() or None
        decode = TranscribeOptions(language=self.language, task=str(self.task_box.currentData()),
                                   beam_size=5, best_of=5, initial_prompt=context,
                                   condition_on_previous_text=self.continue_box.isEnabled()
                                   and self.continue_box.isChecked())
        if self.engine == REMOTE:
            return PipelineOptions(
                engine=REMOTE, model=self.remote.model() or None,
                workers=self.workers_spin.value(),
                chunk_seconds=float(self.chunk_spin.value()) if self.chunk_spin.value() >= 2
                else 0.0,
                channels=self.channels_box.isEnabled() and self.channels_box.isChecked(),
                engine_settings={"servers": self.remote.servers()}, decode=decode)
        return PipelineOptions(
            engine=self.engine, model=self.model, device=str(self.device_box.currentData()),
            workers=self.workers_spin.value(),
            chunk_seconds=float(self.chunk_spin.value()) if self.chunk_spin.value() >= 2 else 0.0,
            channels=self.channels_box.isEnabled() and self.channels_box.isChecked(),
            decode=decode)

    @property
    def replace(self) -> bool:
        return self.replace_box.isChecked()

    # -- filling -------------------------------------------------------------------------------
    def _on_engine_changed(self) -> None:
        self._refresh_models()
        self._fill_languages()
        self._show_remote(self.engine == REMOTE)
        self.continue_box.setEnabled(self.engine == "whisper")

    def _refresh_models(self) -> None:
        from app.engines.catalogue import DEFAULT_QWEN, DEFAULT_WHISPER

        keep = self.model_box.currentData()
        entries = catalogue(self.engine)
        self._statuses = {info.name: status for info, status in entries}
        self.model_box.blockSignals(True)
        self.model_box.clear()
        for info, status in entries:
            self.model_box.addItem(f"{info.name} — {status_label(status, info.size_mb)}", info.name)
            self.model_box.setItemData(self.model_box.count() - 1, info.description,
                                       Qt.ItemDataRole.ToolTipRole)
        default = DEFAULT_WHISPER if self.engine == "whisper" else DEFAULT_QWEN
        if not self.set_model(keep) and not self.set_model(default):
            self.model_box.setCurrentIndex(0)
        self.model_box.blockSignals(False)
        self._on_model_changed()

    def _fill_languages(self) -> None:
        keep = self._chosen_language if self._english_only else self.language
        codes = {"whisper": WHISPER_LANGUAGES, "qwen": list(QWEN_LANGUAGES)}.get(
            self.engine, sorted(set(WHISPER_LANGUAGES) | set(QWEN_LANGUAGES)))
        self.language_box.blockSignals(True)
        self.language_box.clear()
        self.language_box.addItem("Detect automatically", "")
        for code in sorted(codes, key=lambda c: language_name(c).lower()):
            self.language_box.addItem(f"{language_name(code)} ({code})", code)
        self.set_language(keep)
        self.language_box.blockSignals(False)

    def _on_model_changed(self) -> None:
        from app.engines.catalogue import find_model

        info = find_model(self.model)
        english_only = info is not None and not info.multilingual
        self.task_box.model().item(1).setEnabled(not english_only)
        if english_only and not self._english_only:
            self._chosen_language = self.language
            self.task_box.setCurrentIndex(0)
            self.set_language("en")  # shown, greyed out: the model only knows English
        elif not english_only and self._english_only:
            self.set_language(self._chosen_language)
        self._english_only = english_only
        self.language_box.setEnabled(not english_only)
        self._update_state()

    def _update_tokens(self) -> None:
        n = approx_tokens(self.context.toPlainText())
        over = n > PROMPT_TOKENS
        self.tokens_label.setText(f"≈ {n} tokens of context" + (
            f" — only the last {PROMPT_TOKENS} are used" if over else ""))
        self.tokens_label.setStyleSheet("color: rgb(226,67,67);" if over else "")

    def _update_state(self) -> None:
        if self.engine == REMOTE:
            problem = self.remote.problem()
            self.ok_button.setEnabled(not problem)
            self.message.setText(problem)
            return
        status = self.model_status
        busy = self.downloader.running
        self.download_button.setVisible(status == DOWNLOADABLE)
        self.download_button.setEnabled(status == DOWNLOADABLE and not busy)
        self.ok_button.setEnabled(status not in (None, DOWNLOADABLE) and not busy)
        if status == DOWNLOADABLE and not busy and not self.downloader.last_error:
            self.message.setText(f"The model {self.model} is not on this computer: download it "
                                 "first (or pick a bundled one).")
        elif not busy:
            self.message.setText("")

    def download(self):
        """Download the chosen model in the background (progress and Cancel below it)."""
        if self.model_status != DOWNLOADABLE:
            return None
        job = self.downloader.start(self.model)
        if job is not None:
            self.panel.started(self.model)
        self._update_state()
        return job

    # -- remembering ---------------------------------------------------------------------------
    def _restore(self) -> None:
        g = settings.get
        self.set_engine(g("transcribe/engine", "whisper"))
        self._refresh_models()
        self._fill_languages()
        self.set_language(g("transcribe/language", ""))
        self.set_task(g("transcribe/task", "transcribe"))
        self.set_model(g("transcribe/model", ""))  # last: an English-only model overrides both
        self.context.setPlainText(g("transcribe/context", "") or "")
        self._restore_segments()
        self.set_combo(self.device_box, g("transcribe/device", "auto"))
        self.workers_spin.setValue(g("transcribe/workers", 0, int))
        chunk = g("transcribe/chunk", 0, int)
        self.chunk_spin.setValue(chunk if chunk >= 2 else 1)
        self.channels_box.setChecked(g("transcribe/channels", False, bool))
        self.continue_box.setChecked(g("transcribe/continue_text", False, bool))
        self.continue_box.setEnabled(self.engine == "whisper")
        self.remote.restore()
        self._show_remote(self.engine == REMOTE)
        self._on_model_changed()
        self._update_tokens()

    def remember(self) -> None:
        p = settings.put
        p("transcribe/engine", self.engine)
        p("transcribe/model", self.model)
        p("transcribe/language", (self._chosen_language if self._english_only else self.language) or "")
        p("transcribe/task", str(self.task_box.currentData()))
        p("transcribe/context", self.context.toPlainText())
        prof = self.profile()
        p("transcribe/segments", SHAPE if prof is not None else RAW)
        if prof is not None:
            p("transcribe/profile", prof.id)
        p("transcribe/device", str(self.device_box.currentData()))
        p("transcribe/workers", self.workers_spin.value())
        p("transcribe/chunk", self.chunk_spin.value() if self.chunk_spin.value() >= 2 else 0)
        p("transcribe/channels", self.channels_box.isChecked())
        p("transcribe/continue_text", self.continue_box.isChecked())
        self.remote.remember()

    def done(self, result: int) -> None:  # noqa: D401 - QDialog API
        if result == QDialog.DialogCode.Accepted and self.model_status in (None, DOWNLOADABLE):
            self._update_state()
            return  # nothing to transcribe with yet
        if result == QDialog.DialogCode.Accepted and self.engine == REMOTE \
                and self.remote.problem():
            self._update_state()
            return  # no usable server address yet
        if self.downloader.running:
            self.downloader.cancel()
        self.remote.cancel_test()
        super().done(result)

    def _show_remote(self, remote: bool) -> None:
        """The servers instead of the local model and device rows (or back)."""
        self.form.setRowVisible(self.remote, remote)
        for row in (self.model_row, self.panel, self.device_box):
            self.form.setRowVisible(row, not remote)
        self.workers_spin.setToolTip("Requests in flight at once (Automatic: 4 per server)"
                                     if remote else "Chunks decoded at the same time")
        self._update_state()
