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


# -- issue 11: broken autosaves, projects changed on disk, leftovers of a killed save ----------
def _autosave(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"autosave-{name}.cueline"
    p.write_text(text, "utf-8")
    return p


def _recovery_text(**recovery) -> str:
    return json.dumps({"format": "cueline-project", "version": 1, "media": None, "meta": {},
                       "segments": [{"id": "a", "start": 0, "end": 900, "text": "kept"}],
                       "recovery": {"key": "k", "project": None, "written": 1.0, **recovery}})


def test_broken_autosaves_are_set_aside_and_reported_once_and_the_editor_starts(make_window, prompts,
                                                                                 tmp_path):
    rec = tmp_path / "recovery"  # CUELINE_RECOVERY_DIR (conftest)
    broken = [
        _autosave(rec, "0000000000000001", _recovery_text(written="yesterday")),  # was TypeError
        _autosave(rec, "0000000000000002", '{"recovery": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        _autosave(rec, "0000000000000003", _recovery_text(project=["x"])),
        _autosave(rec, "0000000000000004", _recovery_text(written=1e300)),  # was OverflowError
        _autosave(rec, "0000000000000005", "{truncated"),
    ]
    good = _autosave(rec, "00000000000000ff", _recovery_text(written=2.0))
    prompts.recover_answer = True
    w = make_window(recover=True)  # raised in MainWindow.__init__ before
    assert [t for t, _m in prompts.warnings] == ["Autosaved work could not be read"]
    message = prompts.warnings[0][1]
    assert "5 autosave files could not be read" in message
    assert prompts.errors == []
    for p in broken:
        assert not p.exists()
        aside = list(rec.glob(p.name + ".broken-*"))
        assert len(aside) == 1 and aside[0].name in message
    assert "written" in message and "nested" in message
    # the readable autosave next to them is still offered and recovered
    assert len(prompts.recover_asked) == 1
    assert [s.text for s in w.session.doc] == ["kept"]
    assert not good.exists()
    # set aside means never offered, nor reported, again
    prompts.warnings.clear()
    w.files.forget_changes()
    w.files.discard_recovery()
    make_window(recover=True)
    assert prompts.warnings == []


def test_an_unexpected_error_while_offering_recovery_does_not_block_start_up(make_window, prompts,
                                                                             monkeypatch, tmp_path):
    from app.ui import crash_guard
    from app.ui.file_controller import FileController

    monkeypatch.setattr(crash_guard, "log_path", lambda: tmp_path / "logs" / "cueline.log")

    def boom(self):
        raise RuntimeError("recovery exploded")

    monkeypatch.setattr(FileController, "offer_recovery", boom)
    w = make_window(recover=True)
    assert w.isVisible()
    assert len(prompts.errors) == 1 and "recovery exploded" in prompts.errors[0][1]
    assert "Traceback" in (tmp_path / "logs" / "cueline.log").read_text("utf-8")


@pytest.mark.parametrize("content", [
    '{"format": "cueline-project", "version": 1, "media": {"path": "/x.wav", "duration_ms": "5"}, "segments": []}',
    '{"format": "cueline-project", "version": 0, "segments": []}',
    '{"format": "cueline-project", "version": 1, "segments": [{"start": 0, "end": 1e308}]}',
    '{"format": "cueline-project", "version": 1, "media": {"path": 5}, "segments": []}',
])
def test_invalid_project_content_is_one_dialog_naming_the_file(window, tmp_path, content):
    """A duration_ms of "5" crashed the editor opened on it from the command line."""
    bad = tmp_path / "bad.cueline"
    bad.write_text(content, "utf-8")
    assert not window.open_path(str(bad))
    assert len(window.prompts.errors) == 1
    assert str(bad) in window.prompts.errors[0][1]
    assert window.session.project_path is None


def _two_windows_on_one_project(make_window, tmp_path):
    path = tmp_path / "shared.cueline"
    first = make_window()
    edited_sample(first)
    first.prompts.save_path = str(path)
    assert first.files.save()
    second = make_window()
    assert second.files.open_path(str(path))
    return path, first, second


def test_saving_a_project_another_window_saved_meanwhile_asks_and_cancel_keeps_both(make_window,
                                                                                     prompts, tmp_path):
    path, first, second = _two_windows_on_one_project(make_window, tmp_path)
    edits.edit_text(first.session.doc, first.session.doc[0].id, "first window's change")
    assert first.files.save()
    theirs = path.read_bytes()
    edits.edit_text(second.session.doc, second.session.doc[0].id, "second window's change")
    prompts.changed_answer = CANCEL
    assert not second.files.save()
    assert prompts.changed_asked == ["shared.cueline"]
    assert path.read_bytes() == theirs
    assert second.files.dirty and prompts.errors == []


def test_changed_on_disk_overwrite(make_window, prompts, tmp_path):
    from app.ui.prompts import OVERWRITE

    path, first, second = _two_windows_on_one_project(make_window, tmp_path)
    edits.edit_text(first.session.doc, first.session.doc[0].id, "first window's change")
    assert first.files.save()
    edits.edit_text(second.session.doc, second.session.doc[0].id, "second window's change")
    prompts.changed_answer = OVERWRITE
    assert second.files.save()
    assert projects.load_project(path)[0].text == "second window's change"
    assert not second.files.dirty


def test_changed_on_disk_save_as(make_window, prompts, tmp_path):
    from app.ui.prompts import SAVE_AS

    path, first, second = _two_windows_on_one_project(make_window, tmp_path)
    edits.edit_text(first.session.doc, first.session.doc[0].id, "first window's change")
    assert first.files.save()
    edits.edit_text(second.session.doc, second.session.doc[0].id, "second window's change")
    prompts.changed_answer = SAVE_AS
    prompts.save_path = str(tmp_path / "mine.cueline")
    assert second.files.save()
    assert projects.load_project(path)[0].text == "first window's change"
    assert projects.load_project(tmp_path / "mine.cueline")[0].text == "second window's change"
    assert second.session.project_path == str(tmp_path / "mine.cueline")


def test_opening_a_project_sweeps_a_killed_saves_leftover(window, tmp_path):
    path = tmp_path / "p.cueline"
    projects.save_project(projects.load_project(_saved(window, path)), path)
    leftover = tmp_path / ".p.cueline.k1ll3d_0.tmp"
    leftover.write_bytes(b"x" * 1000)
    assert window.files.open_path(str(path))
    assert not leftover.exists()


def _saved(window, path: Path) -> Path:
    edited_sample(window)
    window.prompts.save_path = str(path)
    assert window.files.save()
    return path


def test_export_never_replaces_the_open_media(window, tmp_path):
    """Issue 11: exporting onto the media file (say a recording named clip.srt) is refused."""
    media = tmp_path / "clip.srt"
    media.write_bytes(b"RIFF....WAVE recorded audio")
    window.files.import_subtitles(str(DATA / "sample.srt"))
    window.session.media_path = str(media)
    assert not window.files.export_to(str(media), "srt", window.session.doc.segments, {})
    assert "open media file" in window.prompts.errors[-1][1]
    assert media.read_bytes() == b"RIFF....WAVE recorded audio"
    other = tmp_path / "clip.subs.srt"
    assert window.files.export_to(str(other), "srt", window.session.doc.segments, {})
    assert "-->" in other.read_text()
