"""Models from the editor: the catalogue with bundled / installed / downloadable models, a
download with no network (a clear message, nothing else breaks), aligning a script."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt

from app.core.model import UNMATCHED
from app.ui.model_manager import BUNDLED, DOWNLOADABLE, ModelManagerDialog
from app.ui.segment_table_model import COL_FLAGS
from app.ui.transcribe_dialog import TranscribeDialog
from app.ui.worker import TaskStatus

pytestmark = pytest.mark.gui
OFFLINE = "no network connection"


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_model_manager_lists_catalogue_and_offline_download_fails_clearly(window, run_task):
    dlg = ModelManagerDialog(window.tasks, window.prompts, window)
    status = {info.name: st for info, st in dlg.rows}
    assert status["tiny.en"] == BUNDLED and status["base"] == BUNDLED
    assert status["small"] == DOWNLOADABLE and status["qwen3-asr-0.6b"] == DOWNLOADABLE
    sizes = {dlg.table.item(r, 0).text(): dlg.table.item(r, 3).text() for r in range(dlg.table.rowCount())}
    assert sizes["small"] == "484 MB" and sizes["large-v3"] == "3.1 GB"
    assert "stored in" in dlg.folder.text()
    assert dlg.select("base")
    assert not dlg.download_button.isEnabled() and not dlg.delete_button.isEnabled()
    assert dlg.select("small") and dlg.download_button.isEnabled()
    job = dlg.download_selected()
    run_task(job, timeout=30_000)
    assert job.status is TaskStatus.FAILED
    message = dlg.panel.message.text()
    assert OFFLINE in message and "small" in message
    assert not dlg.panel.bar.isVisible()
    assert dlg.status_of("small") == DOWNLOADABLE and dlg.download_button.isEnabled()
    assert not window.prompts.errors  # said in the dialog, no error box
    assert not window.tasks.active and not window.cancel_button.isVisibleTo(window)


def test_transcribe_dialog_offers_download_and_blocks_a_missing_model(window, run_task):
    dlg = TranscribeDialog(window.tasks, channels=1, segments=0)
    assert dlg.set_model("small")
    assert dlg.model_status == DOWNLOADABLE
    assert not dlg.ok_button.isEnabled() and dlg.download_button.isEnabled()
    assert "not on this computer" in dlg.message.text()
    job = dlg.download()
    run_task(job, timeout=30_000)
    assert OFFLINE in dlg.panel.message.text()
    assert dlg.model_status == DOWNLOADABLE and not dlg.ok_button.isEnabled()
    dlg.accept()  # refused: nothing to transcribe with
    assert dlg.result() != dlg.DialogCode.Accepted
    assert dlg.set_model("tiny.en") and dlg.ok_button.isEnabled()


def test_transcribe_with_a_missing_model_is_refused_from_the_menu(window, media_window, jfk_path):
    w = media_window(jfk_path)

    def pick_missing(dlg) -> bool:
        dlg.set_model("medium")
        return True

    w.prompts.dialog_hook = pick_missing
    assert w.tools.ask_transcribe() is None
    assert w.prompts.warnings and "medium" in w.prompts.warnings[-1][1]
    assert not w.tasks.active and len(w.session.doc) == 0


@pytest.mark.slow
def test_align_a_script_flags_the_line_the_audio_lacks(window, media_window, jfk_path, tmp_path,
                                                       run_task):
    media = tmp_path / "speech.flac"
    shutil.copyfile(jfk_path, media)
    w = media_window(media)
    script = tmp_path / "script.txt"
    script.write_text("And so my fellow Americans,\nask not what your country can do for you,\n"
                      "ask what you can do for your country.\n"
                      "We choose to go to the moon in this decade.\n", "utf-8")
    w.prompts.open_path = str(script)
    job = w.tools.script.ask()
    assert job is not None
    run_task(job)
    assert job.status is TaskStatus.FINISHED
    doc = w.session.doc
    texts = [s.text for s in doc]
    assert texts[:3] == ["And so my fellow Americans,", "ask not what your country can do for you,",
                         "ask what you can do for your country."]
    moon = next(s for s in doc if "moon" in s.text)
    assert moon.has(UNMATCHED)
    assert not any(s.has(UNMATCHED) for s in doc if "moon" not in s.text)
    heard = [s for s in doc if "moon" not in s.text]
    assert all(s.words and not any(x.estimated for x in s.words) for s in heard)
    assert heard[0].start < 1500 and 8000 < heard[-1].end <= 11000
    model = w.table.model()
    assert "M" in model.index(doc.index_of(moon.id), COL_FLAGS).data()
    assert "unmatched" in model.index(doc.index_of(moon.id), COL_FLAGS).data(Qt.ItemDataRole.ToolTipRole)
    assert doc.history.undo_name == "Align script"
    w.commands["undo"].trigger()
    assert len(doc) == 0
