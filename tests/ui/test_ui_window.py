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
