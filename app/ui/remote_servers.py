"""The servers part of the Transcribe dialog, for the engine "Remote server": the servers' base
URLs (one per line), the model they serve, the API key, and *Test connection*.

The key typed here goes straight into the system keyring (per server) and the field is
cleared: it is never kept in the settings, which remember only the addresses and the model
name.  Without a keyring service the field is disabled and says to set ``CUELINE_API_KEY``.
*Test connection* connects exactly as a run would (:func:`app.engines.remote.check_connection`)
as a task on the thread pool and shows one line per server, or the one-line reason nothing works.
"""

from __future__ import annotations

import html
import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import settings
from app.ui.worker import Task, TaskRunner

OK_COLOUR, BAD_COLOUR = "rgb(46,139,87)", "rgb(226,67,67)"
BAD_STYLE = f"color: {BAD_COLOUR};"


class RemoteServersBox(QWidget):
    changed = Signal()  # the servers or the test state changed
    tested = Signal(bool)  # a connection test ended (True: every server answered)

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("remoteServersBox")
        self.tasks = tasks
        self.test_task: Task | None = None

        self.servers_edit = QPlainTextEdit()
        self.servers_edit.setObjectName("serversEdit")
        self.servers_edit.setPlaceholderText("One server per line, e.g. http://gpu-box:8000/v1")
        self.servers_edit.setMaximumHeight(64)
        self.servers_edit.setToolTip("The OpenAI-compatible base URL of each server (vLLM, "
                                     "faster-whisper-server, ...). Chunks are spread over all "
                                     "of them.")
        self.model_edit = QLineEdit()
        self.model_edit.setObjectName("remoteModelEdit")
        self.model_edit.setPlaceholderText("as the server names it, e.g. Qwen/Qwen3-ASR-1.7B "
                                           "(empty: its first)")
        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("apiKeyEdit")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("paste a key to keep it in the system keyring")
        self.key_button = QPushButton("Save in keyring")
        self.key_button.setObjectName("saveKeyButton")
        self.key_button.clicked.connect(self.save_key)
        self.key_status = QLabel("")
        self.key_status.setObjectName("apiKeyStatus")
        self.key_status.setWordWrap(True)
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("testConnectionButton")
        self.test_button.clicked.connect(self.test_connection)
        self.result_label = QLabel("")
        self.result_label.setObjectName("testConnectionResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_lines: list[str] = []  # the last test's lines, as plain text

        key_line = QHBoxLayout()
        key_line.addWidget(self.key_edit, 1)
        key_line.addWidget(self.key_button)
        key_box = QVBoxLayout()
        key_box.addLayout(key_line)
        key_box.addWidget(self.key_status)
        test_line = QHBoxLayout()
        test_line.addWidget(self.test_button)
        test_line.addStretch(1)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Servers", self.servers_edit)
        form.addRow("Served model", self.model_edit)
        form.addRow("API key", key_box)
        form.addRow("", test_line)
        form.addRow("", self.result_label)

        self.servers_edit.textChanged.connect(self._on_servers_edit_text_changed)
        self.update_state()

    # -- values --------------------------------------------------------------------------------
    def lines(self) -> list[str]:
        return [ln.strip() for ln in self.servers_edit.toPlainText().splitlines() if ln.strip()]

    def problem(self) -> str:
        """Why the servers cannot be used as typed ("" when they can)."""
        from app.engines.remote.client import RemoteError, normalize_url

        if not self.lines():
            return "Give the address of at least one server, e.g. http://gpu-box:8000/v1"
        for url in self.lines():
            try:
                normalize_url(url)
            except RemoteError as exc:
                return str(exc)
        return ""

    def servers(self) -> list[str]:
        """The server URLs, checked and tidied (empty while one of them is not a URL)."""
        from app.engines.remote.client import normalize_url

        return [] if self.problem() else list(dict.fromkeys(normalize_url(u)
                                                            for u in self.lines()))

    def set_servers(self, urls: list[str]) -> None:
        self.servers_edit.setPlainText("\n".join(urls))

    def model(self) -> str:
        return self.model_edit.text().strip()

    @property
    def testing(self) -> bool:
        return self.test_task is not None and not self.test_task.status.done

    # -- state ---------------------------------------------------------------------------------
    def _on_servers_edit_text_changed(self) -> None:
        self.result_label.setText("")
        self.result_lines = []
        self.update_state()
        self.changed.emit()

    def update_state(self) -> None:
        from app.engines.remote.secrets import DEFAULT_KEY_ENV, keyring_get, keyring_status

        servers = self.servers()
        self.test_button.setEnabled(bool(servers) and not self.testing)
        no_keyring = keyring_status()
        self.key_edit.setEnabled(no_keyring is None and bool(servers))
        self.key_button.setEnabled(no_keyring is None and bool(servers))
        if os.environ.get(DEFAULT_KEY_ENV, "").strip():
            where = f"The key comes from the environment variable {DEFAULT_KEY_ENV}."
        elif servers and no_keyring is None and keyring_get(servers[0]):
            where = "A key for this server is in the system keyring."
        elif no_keyring is not None:
            where = f"No key stored: {no_keyring}."
        else:
            where = "No key stored (a server without authentication needs none)."
        self.key_status.setText(where)
        self._fit(self.key_status)

    @staticmethod
    def _fit(label: QLabel) -> None:
        """Room for every wrapped line (a nested form does not grow word-wrapped labels)."""
        width = label.width() if label.isVisible() else max(label.width(), 400)
        label.setMinimumHeight(max(0, label.heightForWidth(width)))

    def save_key(self) -> bool:
        """Put the typed key into the system keyring for every listed server."""
        from app.engines.errors import EngineError
        from app.engines.remote.secrets import keyring_set

        key = self.key_edit.text().strip()
        try:
            for url in self.servers():
                keyring_set(url, key)
        except EngineError as exc:
            self.key_status.setText(str(exc))
            self.key_status.setStyleSheet(BAD_STYLE)
            return False
        self.key_edit.clear()
        self.key_status.setStyleSheet("")
        self.update_state()
        return True

    # -- the connection test -------------------------------------------------------------------
    def test_connection(self) -> Task | None:
        """Connect to the servers in the background; the result appears below the button."""
        from app.engines.remote import check_connection

        servers = self.servers()
        if not servers or self.testing:
            return None
        model = self.model() or None
        self.result_lines = []
        self.result_label.setText(f"Connecting to {len(servers)} server(s)…")
        self.test_task = self.tasks.start(
            lambda ctx: check_connection(servers, model, ctx.cancel), "Testing the connection",
            on_finished=self._on_test_finished, on_failed=self._on_test_failed)
        self.update_state()
        self.changed.emit()
        return self.test_task

    def cancel_test(self) -> None:
        if self.testing:
            self.test_task.cancel()

    def _show_result(self, lines: list[str]) -> None:
        """One coloured line per server: green when it answered, red when it did not."""
        colours = {"✓": OK_COLOUR, "✗": BAD_COLOUR}
        self.result_label.setText("<br>".join(
            f'<span style="color: {colours.get(ln[:1], "inherit")}">{html.escape(ln)}</span>'
            for ln in lines))
        self.result_lines = list(lines)
        self._fit(self.result_label)
        self.update_state()
        self.tested.emit(not any(ln.startswith("✗") for ln in lines))

    def _on_test_finished(self, lines: list[str]) -> None:
        self._show_result(lines)

    def _on_test_failed(self, exc: BaseException) -> None:
        self._show_result([f"✗ {exc}"])

    # -- remembering ---------------------------------------------------------------------------
    def restore(self) -> None:
        self.servers_edit.setPlainText(settings.get("transcribe/servers", "") or "")
        self.model_edit.setText(settings.get("transcribe/remote_model", "") or "")

    def remember(self) -> None:
        """The addresses and the model name only: an API key never goes into the settings."""
        settings.put("transcribe/servers", "\n".join(self.lines()))
        settings.put("transcribe/remote_model", self.model())
