"""Files from the window: import, export through the export dialog, projects, the unsaved
changes prompt, autosave and crash recovery, and file errors as dialogs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtGui import QCloseEvent

from app.core import edits
from app.core import project as projects
from app.ui.export_dialog import ExportDialog
from app.ui.prompts import CANCEL, SAVE

pytestmark = pytest.mark.gui
DATA = Path(__file__).resolve().parent / "data"


def test_import_srt_is_one_undoable_step(window):
    w = window
    assert w.files.import_subtitles(str(DATA / "sample.srt"))
    assert [s.start for s in w.session.doc] == [500, 2000, 5000, 8000]
    assert w.table.model().rowCount() == 4
    assert w.session.current_id == w.session.doc[0].id
    assert w.files.dirty
    w.commands["undo"].trigger()
    assert len(w.session.doc) == 0


def test_import_plain_script(window, tmp_path):
    script = tmp_path / "script.txt"
    script.write_text("First sentence of the script. Second one here.\n\nA new paragraph.\n", "utf-8")
    assert window.files.import_subtitles(str(script))
    assert len(window.session.doc) >= 2
    assert "First sentence" in window.session.doc[0].text


def edited_sample(w) -> None:
    w.files.import_subtitles(str(DATA / "sample.srt"))
    doc = w.session.doc
    edits.set_speaker(doc, [doc[0].id, doc[1].id], "Anna")
    model = w.table.model()
    model.setData(model.index(3, 6), "Colour, colour, COLOR.")


@pytest.mark.parametrize(("fmt", "options", "expected"), [
    ("srt", ("speakers",), "expected_speakers.srt"),
    ("vtt", ("speakers",), "expected_speakers.vtt"),
    ("txt", ("speakers", "timestamps"), "expected_timestamps.txt"),
])
def test_export_through_the_dialog_matches_expected_file(window, tmp_path, fmt, options, expected):
    w = window
    edited_sample(w)
    out = tmp_path / f"out.{fmt}"
    seen = {}

    def choose(dlg: ExportDialog) -> bool:
        dlg.format_box.setCurrentIndex(dlg.format_box.findData(fmt))
        dlg.shape_box.setChecked(False)
        dlg.speakers_box.setChecked("speakers" in options)
        dlg.timestamps_box.setChecked("timestamps" in options)
        dlg.karaoke_box.setChecked(False)
        seen["preview"] = dlg.preview.toPlainText()
        return True

    w.prompts.dialog_hook = choose
    w.prompts.save_path = str(out)
    assert w.files.export()
    want = (DATA / expected).read_text("utf-8")
    assert out.read_text("utf-8") == want
    assert seen["preview"].strip() and seen["preview"].splitlines()[0] == want.splitlines()[0]


def test_export_dialog_shapes_with_profile_and_offers_karaoke(window, worded_doc):
    window.session.set_document(worded_doc)
    dlg = ExportDialog(worded_doc, window.session.profile, window)
    dlg.format_box.setCurrentIndex(dlg.format_box.findData("vtt"))
    dlg.karaoke_box.setChecked(True)
    assert dlg.karaoke_box.isEnabled()
    assert "<00:00:" in dlg.preview.toPlainText()  # word timestamps
    dlg.format_box.setCurrentIndex(dlg.format_box.findData("srt"))
    assert not dlg.karaoke_box.isEnabled()
    dlg.shape_box.setChecked(True)
    dlg.profile_box.setCurrentIndex(dlg.profile_box.findData("vertical"))
    cues = dlg.segments()
    # 24-character lines: the long segment is broken into lines that fit
    assert any("\n" in c.text for c in cues)
    assert all(len(line) <= 24 for c in cues for line in c.text.split("\n"))
    assert dlg.preview.toPlainText().startswith("1\n")


def test_save_project_and_open_it_again(make_window, tmp_path):
    first = make_window()
    edited_sample(first)
    path = tmp_path / "work.cueline"
    first.prompts.save_path = str(path)
    assert first.files.save()
    assert path.is_file() and not first.files.dirty
    assert "work.cueline" in first.windowTitle()
    snapshot = first.session.doc.snapshot()
    second = make_window()
    assert second.files.open_path(str(path))
    assert second.session.doc.snapshot()[0] == snapshot[0]
    assert second.session.project_path == str(path)


def test_unsaved_changes_prompt_on_close(make_window, tmp_path):
    w = make_window()
    edited_sample(w)
    w.prompts.save_answer = CANCEL
    ev = QCloseEvent()
    w.closeEvent(ev)
    assert not ev.isAccepted()
    w.prompts.save_answer = SAVE
    w.prompts.save_path = str(tmp_path / "saved.cueline")
    ev = QCloseEvent()
    w.closeEvent(ev)
    assert ev.isAccepted()
    assert projects.load_project(tmp_path / "saved.cueline").snapshot()[0] == w.session.doc.snapshot()[0]


def test_crash_recovery_restores_identical_content(make_window, prompts):
    crashed = make_window()
    edited_sample(crashed)
    path = crashed.files.autosave_now()
    assert path is not None and path.is_file()
    content = crashed.session.doc.snapshot()[0]
    # a new session finds the autosave and (answer: yes) recovers it
    prompts.recover_answer = True
    fresh = make_window(recover=True)
    assert prompts.recover_asked
    assert fresh.session.doc.snapshot()[0] == content
    assert fresh.files.dirty  # recovered work still needs saving
    assert fresh.windowTitle().startswith("Untitled")


def test_declined_recovery_is_not_offered_again(make_window, prompts):
    crashed = make_window()
    edited_sample(crashed)
    crashed.files.autosave_now()
    prompts.recover_answer = False
    make_window(recover=True)
    assert len(prompts.recover_asked) == 1
    make_window(recover=True)
    assert len(prompts.recover_asked) == 1


def test_autosave_runs_after_idle_edits(qtbot, window):
    window.files._autosave.setInterval(50)
    edited_sample(window)
    qtbot.waitUntil(lambda: window.files.last_recovery is not None and window.files.last_recovery.is_file(),
                    timeout=5000)
    saved = json.loads(window.files.last_recovery.read_text("utf-8"))
    assert [s["text"] for s in saved["segments"]][3] == "Colour, colour, COLOR."


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"format": "something-else", "version": 1}'])
def test_broken_project_is_an_error_dialog(window, tmp_path, content):
    window.files.import_subtitles(str(DATA / "sample.srt"))
    before = window.session.doc.snapshot()
    bad = tmp_path / "bad.cueline"
    bad.write_bytes(content)
    window.prompts.save_answer = "discard"
    assert not window.files.open_path(str(bad))
    title, message = window.prompts.errors[-1]
    assert "bad.cueline" in message
    assert window.session.doc.snapshot() == before


def test_broken_subtitles_and_unwritable_export_are_dialogs(window, tmp_path):
    bad = tmp_path / "bad.srt"
    bad.write_bytes(b"\x00\x01\x02 binary junk \xff\xfe" * 20)
    assert not window.files.import_subtitles(str(bad))
    assert "bad.srt" in window.prompts.errors[-1][1]
    window.files.import_subtitles(str(DATA / "sample.srt"))
    target = tmp_path / "missing-folder" / "out.srt"
    assert not window.files.export_to(str(target), "srt", window.session.doc.segments, {})
    assert "out.srt" in window.prompts.errors[-1][1]


def test_save_failure_keeps_work_and_reports(window, tmp_path):
    edited_sample(window)
    window.prompts.save_path = str(tmp_path / "no-such-dir" / "p.cueline")
    assert not window.files.save()
    assert "p.cueline" in window.prompts.errors[-1][1]
    assert window.files.dirty
