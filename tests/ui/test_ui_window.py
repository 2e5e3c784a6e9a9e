"""The editor window on real media: waveform drawn, duration shown, video panel only for video,
sidecar transcripts, errors as dialogs, remembered choices."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPalette

from app.ui.waveform_paint import RULER_H, SPEECH_H

pytestmark = pytest.mark.gui
DATA = Path(__file__).resolve().parent / "data"


def wave_pixels(view) -> int:
    """Pixels of the wave area that differ from the background colour."""
    img = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    w, h = img.width(), img.height()
    arr = np.frombuffer(img.constBits(), np.uint32, count=img.bytesPerLine() // 4 * h)
    arr = arr.reshape(h, img.bytesPerLine() // 4)[:, :w]
    dpr = img.devicePixelRatio()
    top, bottom = int((RULER_H + 2) * dpr), int(h - (SPEECH_H + 2) * dpr)
    base = view.palette().color(QPalette.ColorRole.Base).rgb() & 0xFFFFFF
    area = arr[top:bottom] & 0xFFFFFF
    return int(np.count_nonzero(area != base))


def test_open_demo_media_draws_waveform_and_shows_duration(qtbot, window, jfk_path, tmp_path, wait_loaded):
    empty = wave_pixels(window.waveform)
    media = tmp_path / "speech.flac"
    media.write_bytes(Path(jfk_path).read_bytes())
    assert window.files.open_media(str(media))
    wait_loaded(window)
    assert window.session.media_info.duration_ms == 11000
    assert "00:00:11,000" in window.position_label.text()
    window.waveform.fit_all()
    drawn = wave_pixels(window.waveform)
    # the wave fills a good part of the area; without media it is (nearly) empty
    area = window.waveform.width() * (window.waveform.height() - RULER_H - SPEECH_H)
    assert drawn > area * 0.05 > empty
    assert not window.video_dock.isVisible()
    assert window.session.speech, "speech regions are computed in the background"
    assert "speech" in window.windowTitle()


def test_media_sidecar_transcript_becomes_the_document(qtbot, window, jfk_path, tmp_path, wait_loaded):
    media = tmp_path / "talk.flac"
    media.write_bytes(Path(jfk_path).read_bytes())
    (tmp_path / "talk.srt").write_text((DATA / "sample.srt").read_text("utf-8"), "utf-8")
    window.files.open_media(str(media))
    wait_loaded(window)
    assert [s.text for s in window.session.doc][0] == "Hello world."
    assert window.table.model().rowCount() == 4


def make_video(path: Path) -> None:
    import imageio_ffmpeg

    exe = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run([exe, "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25",
                    "-f", "lavfi", "-i", "sine", "-t", "3", "-pix_fmt", "yuv420p", "-shortest", str(path)],
                   check=True, timeout=60)


def test_video_panel_only_for_media_with_video(qtbot, window, jfk_path, tmp_path, wait_loaded):
    video = tmp_path / "clip.mp4"
    make_video(video)
    window.files.open_media(str(video))
    wait_loaded(window)
    assert window.session.media_info.has_video
    assert window.video_dock.isVisible()
    assert window.video.player is not None
    audio = tmp_path / "audio.flac"
    audio.write_bytes(Path(jfk_path).read_bytes())
    window.files.open_media(str(audio))
    wait_loaded(window)
    assert not window.video_dock.isVisible()


def test_video_shows_the_cue_at_the_playhead(qtbot, window, tmp_path, wait_loaded):
    video = tmp_path / "clip.mp4"
    make_video(video)
    (tmp_path / "clip.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nOn screen\n", "utf-8")
    window.files.open_media(str(video))
    wait_loaded(window)
    window.session.seek(1500)
    qtbot.waitUntil(lambda: window.video.cue_text == "On screen", timeout=3000)
    window.session.seek(2500)
    qtbot.waitUntil(lambda: window.video.cue_text == "", timeout=3000)


def test_broken_media_is_an_error_dialog_and_keeps_the_document(qtbot, window, tmp_path):
    window.files.import_subtitles(str(DATA / "sample.srt"))
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk" * 10)
    window.prompts.save_answer = "discard"
    window.files.open_media(str(broken))
    qtbot.waitUntil(lambda: bool(window.prompts.errors), timeout=20000)
    title, message = window.prompts.errors[-1]
    assert "broken.wav" in message
    assert window.session.peaks is None


def test_missing_file_from_command_line_is_reported(qtbot, window, tmp_path):
    assert not window.files.open_media(str(tmp_path / "nope.mp3"))
    assert "nope.mp3" in window.prompts.errors[-1][1]


def test_choices_are_remembered_across_windows(qtbot, make_window):
    first = make_window()
    first.waveform_panel.set_snap(False)
    first.profile_box.setCurrentIndex(first.profile_box.findData("netflix-en"))
    first.close()
    second = make_window()
    assert second.waveform.snap_enabled is False
    assert second.session.profile.id == "netflix-en"
    assert "Netflix" in second.profile_label.text()


def test_dark_palette_is_followed(qtbot, window):
    pal = window.palette()
    pal.setColor(QPalette.ColorRole.Base, pal.color(QPalette.ColorRole.Base).darker(400))
    window.waveform.setPalette(pal)
    assert window.waveform.colors.dark
    img = window.waveform.grab().toImage()
    assert QImage.Format.Format_Invalid != img.format()
    assert img.pixelColor(5, img.height() // 2).lightness() < 128


def test_panel_layout_is_remembered(qtbot, make_window):
    first = make_window()
    first.editor_dock.hide()
    first.close()
    second = make_window()
    assert not second.editor_dock.isVisible()
    assert second.waveform_dock.isVisible()


def test_dropping_a_file_opens_it(qtbot, window):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(DATA / "sample.srt"))])
    ev = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                    Qt.KeyboardModifier.NoModifier)
    window.dropEvent(ev)
    qtbot.waitUntil(lambda: len(window.session.doc) == 4, timeout=3000)
    assert window.session.doc[0].text == "Hello world."


def test_video_without_qt_multimedia_says_what_to_install(qtbot, window, tmp_path, wait_loaded,
                                                           monkeypatch):
    """No system library for Qt Multimedia: the preview explains itself, the rest works."""
    from app.ui import video_panel

    hint = video_panel.multimedia_hint("libpulse.so.0: cannot open shared object file")
    assert "sudo apt install libpulse0" in hint
    monkeypatch.setattr(video_panel, "multimedia_problem", lambda: hint)
    video = tmp_path / "clip.mp4"
    make_video(video)
    (tmp_path / "clip.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nOn screen\n", "utf-8")
    window.files.open_media(str(video))
    wait_loaded(window)
    assert window.video_dock.isVisible()
    assert window.video.player is None
    assert window.video.problem == hint
    assert "libpulse0" in window.video._problem_item.toPlainText()
    window.session.seek(1500)
    qtbot.waitUntil(lambda: window.video.cue_text == "On screen", timeout=3000)
    assert window.table.model().rowCount() == 1


def test_no_sound_library_is_a_silent_clock_with_an_install_hint(qtbot, window, monkeypatch):
    from app.audio.playback import ENV_AUDIO, Player

    monkeypatch.delenv(ENV_AUDIO, raising=False)

    def no_portaudio():
        raise OSError("PortAudio library not found")

    player = Player.from_array(np.zeros(16000, np.float32), 16000, query_devices=no_portaudio)
    assert player.backend == "silent" and player.choice.degraded
    window.playback.open(player)
    assert window.sound_label.isVisibleTo(window)
    assert "libportaudio2" in window.sound_label.toolTip()
    window.playback.toggle()
    qtbot.waitUntil(lambda: window.session.position_ms > 100, timeout=3000)
    window.playback.toggle()
    silent = Player.from_array(np.zeros(16000, np.float32), 16000, backend="silent")
    window.playback.open(silent)
    assert not window.sound_label.isVisibleTo(window), "asked-for silence is not a problem"


# -- panels and status bar describe the current state ---------------------------------------
def test_video_preview_fits_its_frame_and_shows_the_cue_from_the_first_open(qtbot, window, tmp_path,
                                                                           wait_loaded):
    """A 1280x720 video in the hidden-until-now dock: the whole picture is in view, letterboxed,
    and the cue under the playhead is drawn inside it, without hiding and showing the panel."""
    import imageio_ffmpeg
    from PySide6.QtCore import QRectF

    video = tmp_path / "wide.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=size=1280x720:rate=25", "-f", "lavfi", "-i", "sine", "-t", "3",
                    "-pix_fmt", "yuv420p", "-shortest", str(video)], check=True, timeout=60)
    (tmp_path / "wide.srt").write_text("1\n00:00:00,000 --> 00:00:02,000\nFrom the first frame\n",
                                       "utf-8")
    assert not window.video_dock.isVisible()
    window.files.open_media(str(video))
    wait_loaded(window)
    panel = window.video
    qtbot.waitUntil(lambda: panel.isVisible() and panel.view.viewport().width() > 100, timeout=3000)
    qtbot.wait(50)
    view = panel.view
    vp = QRectF(view.viewport().rect()).adjusted(-1, -1, 1, 1)
    picture = view.mapFromScene(QRectF(0, 0, 1280, 720)).boundingRect()
    assert vp.contains(QRectF(picture)), (picture, vp)  # nothing cropped...
    # ...and fitted (fitInView keeps a margin of 2 pixels a side)
    assert picture.width() >= vp.width() - 7 or picture.height() >= vp.height() - 7
    assert panel.cue_text == "From the first frame"
    cue = view.mapFromScene(panel.cue.sceneBoundingRect()).boundingRect()
    assert vp.contains(QRectF(cue)) and cue.height() > 5, (cue, vp)
    # a bigger panel: still the whole picture
    window.resize(window.width() + 200, window.height() + 100)
    qtbot.wait(50)
    picture = view.mapFromScene(QRectF(0, 0, 1280, 720)).boundingRect()
    vp = QRectF(view.viewport().rect()).adjusted(-1, -1, 1, 1)
    assert vp.contains(QRectF(picture))
    assert picture.width() >= vp.width() - 7 or picture.height() >= vp.height() - 7


def test_status_bar_follows_rule_checks_edits_undo_selection_and_profile(qtbot, window):
    from app.core import edits
    from app.core.document import Document
    from app.core.model import Segment

    doc = Document([Segment(0, 2000, "Fine."), Segment(3000, 5000, "Also fine.")])
    window.session.set_document(doc)
    label = window.profile_label
    assert "General (default): all rules met" in label.text()
    assert "2 segments" in window.count_label.text()
    edits.set_times(doc, doc[1].id, 3000, 3200)  # too short: an error, found after the edit
    qtbot.waitUntil(lambda: "all rules met" not in label.text(), timeout=2000)
    assert "1 segment breaks rules" in label.text()
    window.commands["undo"].trigger()
    qtbot.waitUntil(lambda: "all rules met" in label.text(), timeout=2000)
    # a warning (a BBC line past its 37 preferred characters) is not "all rules met"
    edits.edit_text(doc, doc[0].id, "This line has thirty-nine characters in")
    window._select_profile("bbc")
    assert window.session.profile.id == "bbc"
    qtbot.waitUntil(lambda: "BBC: 1 with warnings" in label.text(), timeout=2000)
    window._select_profile("default")
    assert "General (default): all rules met" in label.text()
    window.session.set_selection([doc[0].id, doc[1].id])
    assert "2 segments, 2 selected" in window.count_label.text()
    window.session.set_current(doc[0].id)
    assert window.count_label.text().strip() == "2 segments"


def test_segment_panel_says_nothing_of_a_segment_when_none_is_selected(window, worded_doc):
    window.session.set_document(worded_doc)
    ed = window.editor
    window.session.set_current(worded_doc[1].id)
    assert ed.words_title.text() == "Words: 7" and ed.words.rowCount() == 7
    window.session.set_current(None)
    assert ed.words_title.text() == "Words" and ed.words.rowCount() == 0
    assert ed.title.text() == "No segment selected" and ed.warnings.text() == ""
    window.session.set_current(worded_doc[0].id)
    assert ed.words_title.text() == "Words: 2"
    from app.core import edits

    edits.delete(worded_doc, [s.id for s in worded_doc])
    assert ed.words_title.text() == "Words" and ed.cps_label.text() == ""
    window.commands["undo"].trigger()
    window.session.set_current(worded_doc[2].id)
    assert ed.words_title.text() == "Words: 9"


# -- file dialogs start next to the work ----------------------------------------------------
def test_file_dialogs_start_next_to_the_media_or_project(qtbot, make_window, prompts, jfk_path,
                                                         tmp_path, wait_loaded, monkeypatch):
    monkeypatch.chdir(DATA)  # the folder the program was started from: never where dialogs open
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    w = make_window()
    w.files.open_dialog()
    assert prompts.opened_in[-1] == str(home)  # nothing open, no folder used yet: home
    media_dir = tmp_path / "work" / "interview"
    media_dir.mkdir(parents=True)
    media = media_dir / "talk.flac"
    media.write_bytes(Path(jfk_path).read_bytes())
    assert w.files.open_media(str(media))
    wait_loaded(w)
    w.files.open_dialog()
    w.files.import_dialog()
    assert prompts.opened_in[-2:] == [str(media_dir)] * 2
    prompts.dialog_hook = lambda dlg: True
    w.files.export()
    assert prompts.save_suggestions[-1] == str(media_dir / "talk.srt")
    w.files.save_as()
    assert prompts.save_suggestions[-1] == str(media_dir / "talk.cueline")
    # a project saved elsewhere: dialogs start next to it
    project_dir = tmp_path / "projects"
    project_dir.mkdir()
    prompts.save_path = str(project_dir / "talk.cueline")
    assert w.files.save_as()
    w.files.open_dialog()
    assert prompts.opened_in[-1] == str(project_dir)
    # a new window with nothing open starts in the last folder a dialog chose
    other = make_window()
    other.files.import_dialog()
    assert prompts.opened_in[-1] == str(project_dir)


# -- export: the file name's format, shaping for cue formats only ---------------------------
def choose_format(fmt: str, shape: bool | None = None):
    def hook(dlg) -> bool:
        dlg.format_box.setCurrentIndex(dlg.format_box.findData(fmt))
        if shape is not None:
            dlg.shape_box.setChecked(shape)
        return True

    return hook


def test_export_format_follows_the_file_name_and_a_contradiction_is_asked(demo_window, prompts,
                                                                          tmp_path):
    from app.ui.prompts import AS_CHOSEN, CANCEL

    w = demo_window
    out = tmp_path / "x.srt"
    prompts.dialog_hook = choose_format("ass")
    prompts.save_path = str(out)
    assert w.files.export()  # the user picked ASS, then typed x.srt: asked, answered "SRT"
    assert prompts.format_questions[-1] == (str(out), "ASS", "SRT")
    text = out.read_text("utf-8")
    assert text.startswith("1\n00:00:00,500 --> 00:00:02,000\nHello world.")
    assert "[Script Info]" not in text
    prompts.format_answer = AS_CHOSEN  # ...or keep ASS, under its own extension
    out.unlink()
    assert w.files.export()
    assert not out.exists() and "[Script Info]" in (tmp_path / "x.ass").read_text("utf-8")
    prompts.format_answer = CANCEL
    assert not w.files.export() and not out.exists()
    asked = len(prompts.format_questions)
    prompts.save_path = str(tmp_path / "named")  # no extension: the chosen format's
    assert w.files.export() and "[Script Info]" in (tmp_path / "named.ass").read_text("utf-8")
    prompts.dialog_hook = choose_format("vtt")
    prompts.save_path = str(tmp_path / "y.vtt")  # name and format agree: nothing to ask
    assert w.files.export() and (tmp_path / "y.vtt").read_text("utf-8").startswith("WEBVTT")
    assert len(prompts.format_questions) == asked


def test_shaping_on_export_is_for_cue_formats_per_format_and_this_session_only(make_window, prompts,
                                                                              tmp_path):
    from app.ui.export_dialog import ExportDialog

    w = make_window()
    assert w.files.import_subtitles(str(DATA / "sample.srt"))
    doc, prof = w.session.doc, w.session.profile
    dlg = ExportDialog(doc, prof, w, w.files.export_shape)
    dlg.format_box.setCurrentIndex(dlg.format_box.findData("srt"))
    assert not dlg.shape_box.isChecked()  # off at first: export what the editor shows
    dlg.shape_box.setChecked(True)
    for fmt in ("txt", "json"):  # not offered for a transcript or JSON
        dlg.format_box.setCurrentIndex(dlg.format_box.findData(fmt))
        assert not dlg.shape_box.isEnabled() and not dlg.shape_box.isChecked()
        assert dlg.profile() is None and dlg.segments() == list(doc.segments)[:0] + dlg.segments()
    dlg.format_box.setCurrentIndex(dlg.format_box.findData("vtt"))
    assert dlg.shape_box.isEnabled() and not dlg.shape_box.isChecked()  # per format
    dlg.format_box.setCurrentIndex(dlg.format_box.findData("srt"))
    assert dlg.shape_box.isChecked() and dlg.profile() is not None
    dlg.remember()
    again = ExportDialog(doc, prof, w, w.files.export_shape)
    again.format_box.setCurrentIndex(again.format_box.findData("srt"))
    assert again.shape_box.isChecked()  # remembered for SRT in this session...
    again.format_box.setCurrentIndex(again.format_box.findData("txt"))
    assert not again.shape_box.isChecked()
    later = make_window()  # ...not in the next one
    fresh = ExportDialog(doc, prof, later, later.files.export_shape)
    fresh.format_box.setCurrentIndex(fresh.format_box.findData("srt"))
    assert not fresh.shape_box.isChecked()
    # the box checked for SRT does not reach a TXT transcript written from the same dialog
    prompts.dialog_hook = choose_format("srt", shape=True)
    prompts.save_path = str(tmp_path / "transcript.txt")
    assert w.files.export()
    text = (tmp_path / "transcript.txt").read_text("utf-8")
    assert "Ask not what your country can do for you." in text  # a cue's two lines, one sentence
