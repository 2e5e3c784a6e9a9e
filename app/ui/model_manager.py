"""Models: which speech models are bundled, installed or downloadable, their sizes and where
they are stored; downloading one (with progress and Cancel) and deleting a downloaded one.

:class:`ModelDownloader` runs :func:`app.engines.download.download_model` as a background job;
the transcribe dialog uses it too.  Without network the download fails at once with the
catalogue's message ("cannot download model 'small' from huggingface.co/...: no network
connection; ..."), shown in the dialog: nothing else changes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.cancel import Progress
from app.ui.file_controller import describe
from app.ui.worker import Task, TaskRunner, TaskStatus

BUNDLED, INSTALLED, DOWNLOADABLE = "bundled", "installed", "downloadable"
ENGINE_TITLES = {"whisper": "Whisper", "qwen": "Qwen3-ASR", "qwen-aligner": "Qwen3 aligner"}


def model_status(info: Any) -> str:
    """``bundled``, ``installed`` or ``downloadable`` for a catalogue entry."""
    from app.engines.models import is_installed

    if info.bundled:
        return BUNDLED
    return INSTALLED if is_installed(info.name) else DOWNLOADABLE


def catalogue(engine: str | None = None) -> list[tuple[Any, str]]:
    """``(ModelInfo, status)`` for the catalogue's models (of one engine)."""
    from app.engines.catalogue import CATALOGUE

    return [(m, model_status(m)) for m in CATALOGUE.values() if engine is None or m.engine == engine]


def size_text(mb: int) -> str:
    return f"{mb / 1000:.1f} GB" if mb >= 1000 else f"{mb} MB"


def status_label(status: str, size_mb: int) -> str:
    if status == DOWNLOADABLE:
        return f"downloadable, {size_text(size_mb)}"
    return f"{status}, {size_text(size_mb)}"


class ModelDownloader(QObject):
    """One model download at a time, in the background."""

    progress = Signal(object)  # Progress (bytes)
    finished = Signal(str, object)  # model name, folder
    failed = Signal(str, str)  # model name, message for the user
    cancelled = Signal(str)

    def __init__(self, jobs: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = jobs
        self.task: Task | None = None
        self.name: str | None = None
        self.last_error: str | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.status.done

    def start(self, name: str) -> Task | None:
        if self.running:
            return None
        from app.engines.download import download_model

        self.name = name
        self.last_error = None
        self.task = self.tasks.start(
            lambda ctx, n=name: download_model(n, progress=ctx.progress, cancel=ctx.cancel),
            f"Downloading {name}", cancellable=True,
            on_progress=self.progress.emit,
            on_finished=lambda path, n=name: self.finished.emit(n, path),
            on_failed=lambda exc, n=name: self._on_failed(n, exc),
            on_cancelled=lambda n=name: self.cancelled.emit(n))
        return self.task

    def _on_failed(self, name: str, exc: BaseException) -> None:
        self.last_error = describe(exc)
        self.failed.emit(name, self.last_error)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()


class DownloadPanel(QWidget):
    """Progress bar, Cancel button and the message line of a download."""

    def __init__(self, downloader: ModelDownloader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.downloader = downloader
        self.bar = QProgressBar()
        self.bar.setObjectName("downloadProgress")
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel download")
        self.cancel_button.setObjectName("cancelDownload")
        self.cancel_button.clicked.connect(downloader.cancel)
        self.message = QLabel("")
        self.message.setObjectName("downloadMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(row)
        box.addWidget(self.message)
        downloader.progress.connect(self._on_progress)
        downloader.finished.connect(lambda name, path: self.show_outcome(f"Downloaded {name} to {path}.", False))
        downloader.failed.connect(lambda name, msg: self.show_outcome(msg, True))
        downloader.cancelled.connect(lambda name: self.show_outcome(f"Download of {name} cancelled; it "
                                                             "resumes where it stopped next time.", False))
        self._show_bar(False)

    def _show_bar(self, on: bool) -> None:
        self.bar.setVisible(on)
        self.cancel_button.setVisible(on)
        self.message.setVisible(on or bool(self.message.text()))

    def started(self, name: str) -> None:
        self.message.setStyleSheet("")
        self.message.setText(f"Downloading {name}…")
        self.bar.setRange(0, 0)
        self._show_bar(True)

    def _on_progress(self, p: Progress) -> None:
        if p.total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(p.fraction * 1000))
            self.bar.setFormat(f"{p.done / 1e6:.0f} of {p.total / 1e6:.0f} MB")

    def show_outcome(self, text: str, error: bool) -> None:
        self.message.setStyleSheet("QLabel#downloadMessage { color: rgb(226,67,67); }" if error else "")
        self.message.setText(text)
        self._show_bar(False)


class ModelManagerDialog(QDialog):
    """Tools ▸ Models: the catalogue with status, size and folder; download and delete."""

    COLUMNS = ("Model", "Engine", "Status", "Size", "Description")

    def __init__(self, jobs: TaskRunner, prompts: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from app.engines.models import model_dir

        self.setWindowTitle("Speech models")
        self.setObjectName("modelManager")
        self.prompts = prompts
        self.downloader = ModelDownloader(jobs, self)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("modelTable")
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        hh = self.table.horizontalHeader()
        for c in range(len(self.COLUMNS) - 1):
            hh.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(len(self.COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumSize(760, 360)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.folder = QLabel(f"Downloaded models are stored in {model_dir()}")
        self.folder.setObjectName("modelFolder")
        self.folder.setWordWrap(True)
        self.folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.panel = DownloadPanel(self.downloader)
        self.download_button = QPushButton("Download")
        self.download_button.setObjectName("downloadModel")
        self.download_button.clicked.connect(self.download_selected)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("deleteModel")
        self.delete_button.clicked.connect(self.delete_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.download_button)
        row.addWidget(self.delete_button)
        row.addStretch(1)
        row.addWidget(buttons)
        box = QVBoxLayout(self)
        box.addWidget(self.table, 1)
        box.addWidget(self.folder)
        box.addWidget(self.panel)
        box.addLayout(row)
        self.downloader.finished.connect(lambda *_: self.refresh())
        self.downloader.failed.connect(lambda *_: self._update_buttons())
        self.downloader.cancelled.connect(lambda *_: self._update_buttons())
        self.rows: list[tuple[Any, str]] = []
        self.refresh()

    def refresh(self) -> None:
        selected = self.selected_name()
        self.rows = catalogue()
        self.table.setRowCount(len(self.rows))
        for r, (info, status) in enumerate(self.rows):
            cells = (info.name, ENGINE_TITLES.get(info.engine, info.engine), status,
                     size_text(info.size_mb), info.description)
            for c, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if c == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        if selected:
            self.select(selected)
        self._update_buttons()

    def select(self, name: str) -> bool:
        for r, (info, _status) in enumerate(self.rows):
            if info.name == name:
                self.table.selectRow(r)
                return True
        return False

    def selected_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.rows):
            return None
        return self.rows[rows[0].row()][0].name

    def status_of(self, name: str) -> str | None:
        return next((st for info, st in self.rows if info.name == name), None)

    def _update_buttons(self) -> None:
        name = self.selected_name()
        status = self.status_of(name) if name else None
        busy = self.downloader.running
        self.download_button.setEnabled(status == DOWNLOADABLE and not busy)
        self.delete_button.setEnabled(status == INSTALLED and not busy)

    def download_selected(self) -> Task | None:
        name = self.selected_name()
        if not name or self.status_of(name) != DOWNLOADABLE:
            return None
        job = self.downloader.start(name)
        if job is not None:
            self.panel.started(name)
        self._update_buttons()
        return job

    def delete_selected(self) -> bool:
        from app.engines.loading import unload_whisper
        from app.engines.models import remove_model

        name = self.selected_name()
        if not name or self.status_of(name) != INSTALLED:
            return False
        if self.prompts is not None and not self.prompts.confirm(
                "Delete model", f"Delete the downloaded model {name}? It can be downloaded again."):
            return False
        unload_whisper(name)
        try:
            removed = remove_model(name)
        except OSError as exc:
            self.panel.show_outcome(describe(exc), True)
            return False
        self.panel.show_outcome(f"Deleted {name}." if removed else
                         f"{name} is in the Hugging Face cache, not in Cueline's folder: delete it "
                         "there.", not removed)
        self.refresh()
        return removed

    def done(self, result: int) -> None:  # noqa: D401 - QDialog API
        if self.downloader.running and self.downloader.task is not None \
                and self.downloader.task.status is not TaskStatus.CANCELLED:
            self.downloader.cancel()
        super().done(result)
