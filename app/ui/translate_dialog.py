"""The Translate dialog: what to translate, and how: a chat model's translation of the text
(server URL, model, language, glossary; the API key's origin shown, never the key), or
Whisper's translation of the audio into English (offline; the larger downloadable models are
advised).  The run itself is :class:`app.ui.translation.TranslationController`'s."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import settings
from app.ui.model_manager import DOWNLOADABLE, catalogue, status_label
from app.ui.transcribe_dialog import WHISPER_LANGUAGES, language_name
from app.ui.worker import TaskContext, TaskRunner

TEXT, AUDIO = "text", "audio"
SERVER_PRESETS = (
    ("http://localhost:11434/v1", "Ollama"),
    ("http://localhost:8080/v1", "llama.cpp server"),
    ("http://localhost:8000/v1", "vLLM"),
    ("http://localhost:1234/v1", "LM Studio"),
    ("https://api.openai.com/v1", "OpenAI"),
)
TARGETS = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "sv", "da", "fi", "cs", "ro", "hu",
           "el", "ru", "uk", "tr", "ar", "he", "hi", "zh", "ja", "ko", "id", "vi", "th")
AUDIO_ADVICE = ("Whisper translates from the audio, offline, into English only. The bundled "
                "base model gives a rough draft; for English worth reviewing download small, "
                "medium or large-v3 in Tools ▸ Speech models.")
LIST_TIMEOUT_S = 8.0


def key_status(url: str) -> str:
    """Where the key for ``url`` would come from, for the dialog (never the key itself)."""
    from app.pipeline.textmt.secrets import SecretError, api_key_for

    try:
        key = api_key_for(url)
    except SecretError as exc:
        return str(exc)
    if key is None:
        return "none (a server on this computer needs none; set CUELINE_TRANSLATE_API_KEY " \
               "for a hosted one)"
    return f"from {key.source}"


class TranslateDialog(QDialog):
    """What to translate, how (a chat model's text translation, or Whisper's from the audio),
    into which language, with which glossary."""

    def __init__(self, *, selected: int, total: int, language: str | None,
                 glossary: str = "", parent: QWidget | None = None, tasks: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Translate")
        self.setObjectName("translateDialog")
        self.tasks = tasks
        self.all_button = QRadioButton(f"All {total} segments")
        self.sel_button = QRadioButton(f"The {selected} selected segment{'s' if selected != 1 else ''}")
        self.sel_button.setEnabled(selected > 0)
        (self.sel_button if 1 < selected < total else self.all_button).setChecked(True)
        self.redo_box = QCheckBox("Also translate again what a person edited or approved")
        self.redo_box.setObjectName("translateRedo")

        self.text_method = QRadioButton("Text: a chat model translates the corrected text "
                                        "(any language)")
        self.text_method.setObjectName("methodText")
        self.audio_method = QRadioButton("Audio: Whisper translates each segment's audio into "
                                         "English (offline)")
        self.audio_method.setObjectName("methodAudio")
        group = QButtonGroup(self)
        group.addButton(self.text_method)
        group.addButton(self.audio_method)

        # -- text ------------------------------------------------------------------------------
        self.server_box = QComboBox()
        self.server_box.setObjectName("translateServer")
        self.server_box.setEditable(True)
        for url, name in SERVER_PRESETS:
            self.server_box.addItem(url, url)
            self.server_box.setItemData(self.server_box.count() - 1, name, Qt.ItemDataRole.ToolTipRole)
        self.server_box.setCurrentText(settings.get("translate/server", SERVER_PRESETS[0][0]) or "")
        self.llm_box = QComboBox()
        self.llm_box.setObjectName("translateLlm")
        self.llm_box.setEditable(True)
        self.llm_box.setCurrentText(settings.get("translate/llm", "") or "")
        self.llm_box.lineEdit().setPlaceholderText("model name, e.g. qwen2.5:7b")
        self.list_button = QPushButton("List models")
        self.list_button.setObjectName("listModels")
        self.list_button.clicked.connect(self.list_models)
        models = QHBoxLayout()
        models.addWidget(self.llm_box, 1)
        models.addWidget(self.list_button)
        self.target_box = QComboBox()
        self.target_box.setObjectName("translateTarget")
        self.target_box.setEditable(True)
        for code in TARGETS:
            self.target_box.addItem(f"{language_name(code)} ({code})", code)
        self.set_target(settings.get("translate/target", "en") or "en")
        self.glossary = QPlainTextEdit()
        self.glossary.setObjectName("translateGlossary")
        self.glossary.setPlainText(glossary)
        self.glossary.setMaximumHeight(64)
        self.glossary.setPlaceholderText("Names and terms to keep (the Transcribe dialog's "
                                         "context), or 'term = translation', one per line")
        self.key_label = QLabel("")
        self.key_label.setObjectName("translateKey")
        self.key_label.setWordWrap(True)
        self.text_group = QGroupBox("Chat server (OpenAI-compatible)")
        tf = QFormLayout(self.text_group)
        tf.addRow("Server URL", self.server_box)
        tf.addRow("Model", models)
        tf.addRow("Into", self.target_box)
        tf.addRow("Glossary", self.glossary)
        tf.addRow("API key", self.key_label)

        # -- audio -----------------------------------------------------------------------------
        self.model_box = QComboBox()
        self.model_box.setObjectName("translateModel")
        self._statuses: dict[str, str] = {}
        for info, status in catalogue("whisper"):
            if info.multilingual:
                self._statuses[info.name] = status
                self.model_box.addItem(f"{info.name} — {status_label(status, info.size_mb)}", info.name)
        i = self.model_box.findData(settings.get("translate/model", "base"))
        self.model_box.setCurrentIndex(max(0, i))
        self.language_box = QComboBox()
        self.language_box.setObjectName("translateLanguage")
        self.language_box.addItem("Detect for each segment", "")
        for code in sorted(WHISPER_LANGUAGES, key=lambda c: language_name(c).lower()):
            self.language_box.addItem(f"{language_name(code)} ({code})", code)
        i = self.language_box.findData(language or "")
        self.language_box.setCurrentIndex(max(0, i))
        self.audio_group = QGroupBox("Whisper (into English)")
        af = QFormLayout(self.audio_group)
        af.addRow("Model", self.model_box)
        af.addRow("Spoken language", self.language_box)
        advice = QLabel(AUDIO_ADVICE)
        advice.setWordWrap(True)
        af.addRow(advice)

        self.message = QLabel("")
        self.message.setObjectName("translateMessage")
        self.message.setWordWrap(True)
        scope = QFormLayout()
        scope.addRow("Translate", self.all_button)
        scope.addRow("", self.sel_button)
        scope.addRow("", self.redo_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton("Translate", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addLayout(scope)
        box.addWidget(self.text_method)
        box.addWidget(self.text_group)
        box.addWidget(self.audio_method)
        box.addWidget(self.audio_group)
        box.addWidget(self.message)
        box.addWidget(buttons)
        (self.audio_method if settings.get("translate/method", TEXT) == AUDIO
         else self.text_method).setChecked(True)
        for w in (self.text_method, self.audio_method):
            w.toggled.connect(self._update)
        self.model_box.currentIndexChanged.connect(self._update)
        self.server_box.currentTextChanged.connect(self._update)
        self.llm_box.currentTextChanged.connect(self._update)
        self.target_box.currentTextChanged.connect(self._update)
        self._update()

    # -- choices -------------------------------------------------------------------------------
    @property
    def method(self) -> str:
        return AUDIO if self.audio_method.isChecked() else TEXT

    def set_method(self, method: str) -> None:
        (self.audio_method if method == AUDIO else self.text_method).setChecked(True)

    @property
    def server(self) -> str:
        return self.server_box.currentText().strip()

    @property
    def llm(self) -> str:
        return self.llm_box.currentText().strip()

    @property
    def target(self) -> str:
        """The language code chosen (or what the user typed: a code or a name)."""
        text = self.target_box.currentText().strip()
        i = self.target_box.findText(text)
        if i >= 0:
            return str(self.target_box.itemData(i))
        return text

    def set_target(self, code: str) -> None:
        i = self.target_box.findData(code)
        if i >= 0:
            self.target_box.setCurrentIndex(i)
        else:
            self.target_box.setCurrentText(code)

    @property
    def glossary_text(self) -> str:
        return self.glossary.toPlainText().strip()

    @property
    def model(self) -> str:
        return str(self.model_box.currentData())

    @property
    def model_ready(self) -> bool:
        return self._statuses.get(self.model) not in (None, DOWNLOADABLE)

    @property
    def language(self) -> str | None:
        return self.language_box.currentData() or None

    @property
    def selected_only(self) -> bool:
        return self.sel_button.isChecked()

    @property
    def redo_reviewed(self) -> bool:
        return self.redo_box.isChecked()

    def problem(self) -> str | None:
        """Why the run cannot start as set (None: it can)."""
        if self.method == AUDIO:
            if not self.model_ready:
                return (f"The model {self.model} is not on this computer: download it in "
                        "Tools ▸ Speech models first.")
            return None
        from app.pipeline.textmt import ChatError, check_base_url

        try:
            check_base_url(self.server)
        except ChatError as exc:
            return str(exc)[:1].upper() + str(exc)[1:] + "."
        if not self.llm:
            return "Name the model to use (List models asks the server)."
        if not self.target:
            return "Choose the language to translate into."
        return None

    def _update(self) -> None:
        text = self.method == TEXT
        self.text_group.setEnabled(text)
        self.audio_group.setEnabled(not text)
        problem = self.problem()
        self.ok_button.setEnabled(problem is None)
        self.message.setText(problem or "")
        if text and self.server:
            self.key_label.setText(key_status(self.server))

    def list_models(self) -> None:
        """Ask the server for its models (in the background) and offer them."""
        from app.pipeline.textmt import ChatError, api_key_for, check_base_url
        from app.pipeline.textmt.client import ChatClient, ServerConfig, run_cancellable

        try:
            base = check_base_url(self.server)
            key = api_key_for(base)
        except (ChatError, ValueError) as exc:
            self.message.setText(str(exc))
            return
        self.list_button.setEnabled(False)
        self.message.setText(f"Asking {base} for its models…")

        def work(ctx: TaskContext):
            async def ask():
                client = ChatClient(ServerConfig(base, "", api_key=key,
                                                 timeout_s=LIST_TIMEOUT_S, connect_timeout_s=5.0))
                try:
                    return await client.models()
                finally:
                    await client.aclose()

            return run_cancellable(ask, ctx.cancel)

        def done(models) -> None:
            self.list_button.setEnabled(True)
            keep = self.llm
            self.llm_box.clear()
            self.llm_box.addItems(models)
            self.llm_box.setCurrentText(keep or (models[0] if models else ""))
            self.message.setText(f"The server has {len(models)} model{'s' if len(models) != 1 else ''}.")

        def failed(exc) -> None:
            self.list_button.setEnabled(True)
            self.message.setText(getattr(exc, "user_message", None) or str(exc))

        if self.tasks is None:
            return
        self.tasks.start(work, "Listing models", on_finished=done, on_failed=failed)

    def remember(self) -> None:
        settings.put("translate/method", self.method)
        settings.put("translate/model", self.model)
        if self.server:
            settings.put("translate/server", self.server)
        settings.put("translate/llm", self.llm)
        settings.put("translate/target", self.target)
        # the glossary IS the Transcribe dialog's vocabulary list: one list for both
        settings.put("transcribe/context", self.glossary.toPlainText())
