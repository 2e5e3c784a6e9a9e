"""Speakers in the editor: Detect speakers (background, cancel, one undo step), colours in
the table and on the waveform, overlapping cues in lanes, assign selection to a speaker, voice
profiles remembered, listed and deleted, and the Word export."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QPalette

from app.core import edits
from app.core.model import Segment
from app.speakers import profiles
from app.ui.segment_table_model import COL_SPEAKER
from app.ui.speaker_detection import DetectSpeakersDialog
from app.ui.voice_profiles_dialog import VoiceProfilesDialog
from app.ui.waveform_paint import assign_lanes
from app.ui.worker import TaskStatus
from tests.conftest import need_tool
from tests.speakers.conftest import need_encoder, transcript

pytestmark = [pytest.mark.gui]


@pytest.fixture(autouse=True)
def isolated_voices(tmp_path, monkeypatch):
    monkeypatch.setenv("CUELINE_VOICES_DIR", str(tmp_path / "voices"))


@pytest.fixture(scope="module")
def interview():
    need_tool("espeak-ng")
    need_encoder()
    from tests.speakers.interview import build_interview

    return build_interview(2, 6, 11, sentences_per_turn=(1, 2))


@pytest.fixture
def interview_window(window, media_window, interview, tmp_path):
    import soundfile as sf

    path = tmp_path / "interview.wav"
    sf.write(path, interview.samples, 16000)
    w = media_window(path)
    edits.apply_result(w.session.doc, transcript(interview, turns_per_segment=2))
    return w


@pytest.mark.slow
def test_detect_speakers_runs_in_the_background_as_one_undo_step(interview_window, run_task,
                                                                 interview):
    w = interview_window
    doc = w.session.doc
    before = doc.snapshot()
    seen = []

    def choose(dlg):
        seen.append(dlg)
        assert isinstance(dlg, DetectSpeakersDialog)
        dlg.count_button.setChecked(True)
        dlg.count_box.setValue(2)
        return True

    w.prompts.dialog_hook = choose
    w.tools.actions["detect_speakers"].trigger()
    job = w.tools.speaker_detection.task
    run_task(job)
    assert seen and job.status is TaskStatus.FINISHED
    assert doc.speakers() == ["Speaker 1", "Speaker 2"]
    assert len(doc) > len(before[0])  # segments holding two turns were split
    assert "2 speaker(s)" in w.statusBar().currentMessage()
    assert doc.history.undo_name == "Detect speakers"
    doc.history.undo()
    assert doc.snapshot() == before  # one step undoes it all
    # the table shows each speaker in its own colour
    doc.history.redo()
    model = w.table.model()
    colours = {doc[r].speaker: model.data(model.index(r, COL_SPEAKER), Qt.ItemDataRole.BackgroundRole)
               for r in range(len(doc))}
    assert len({c.name() for c in colours.values()}) == 2
    base = QGuiApplication.palette().color(QPalette.ColorRole.Base)
    assert all(c.name() != base.name() for c in colours.values())


@pytest.mark.slow
def test_cancelled_detection_changes_nothing(interview_window, run_task):
    w = interview_window
    before = w.session.doc.snapshot()
    job = w.tools.speaker_detection.start()
    job.cancel()
    run_task(job)
    assert job.status is TaskStatus.CANCELLED
    assert w.session.doc.snapshot() == before
    assert "cancelled" in w.statusBar().currentMessage()


@pytest.mark.slow
def test_remember_a_voice_then_it_is_named_and_listed(interview_window, run_task, prompts, qtbot):
    w = interview_window
    run_task(w.tools.speaker_detection.start(2, use_profiles=False))
    doc = w.session.doc
    edits.rename_speaker(doc, "Speaker 1", "Maria Host")
    job = w.tools.speaker_detection.remember_voice("Maria Host")
    run_task(job)
    assert job.status is TaskStatus.FINISHED
    assert [p.name for p in profiles.list_profiles()] == ["Maria Host"]
    # detection again: the voice is recognised and named
    run_task(w.tools.speaker_detection.start(None, use_profiles=True))
    assert "Maria Host" in doc.speakers() and "Speaker 1" in doc.speakers()
    # listed in Speakers ▸ Voice profiles, and deleted there
    w.tools.actions["voice_profiles"].trigger()
    dlg = w.tools.voice_profiles_dialog
    assert isinstance(dlg, VoiceProfilesDialog)
    assert dlg.table.rowCount() == 1 and dlg.table.item(0, 0).text() == "Maria Host"
    dlg.table.selectRow(0)
    assert dlg.delete() == 1
    assert dlg.table.rowCount() == 0 and profiles.list_profiles() == []
    # never in the project file beyond the name
    path = w.session.media_path + ".cueline"
    from app.core import project

    project.save_project(doc, path)
    text = open(path, encoding="utf-8").read()
    assert "Maria Host" in text and "embedding" not in text and "voices" not in text


def test_remember_voice_needs_enough_speech(window, prompts):
    window.session.doc  # noqa: B018 - no media: a clear warning, no job
    assert window.tools.speaker_detection.remember_voice("Nobody") is None
    assert prompts.warnings and "at least" in prompts.warnings[-1][1]
    assert window.tools.speaker_detection.start() is None
    assert "Open the media first" in prompts.warnings[-1][1]


def test_assign_selection_to_a_speaker(window, worded_doc, prompts):
    w = window
    w.session.set_document(worded_doc)
    ids = [s.id for s in worded_doc][:2]
    w.session.set_selection(ids, ids[0])
    prompts.texts = ["Ann"]
    w.tools.actions["assign_speaker"].trigger()
    assert [s.speaker for s in worded_doc] == ["Ann", "Ann", None]
    worded_doc.history.undo()
    assert [s.speaker for s in worded_doc] == [None, None, None]


def test_lanes_keep_overlapping_cues_apart():
    lanes = assign_lanes([("a", 0, 1000), ("b", 500, 1500), ("c", 600, 700), ("d", 2000, 3000)])
    assert lanes == {"a": (0, 3), "b": (1, 3), "c": (2, 3), "d": (0, 1)}
    assert assign_lanes([("a", 0, 1000), ("b", 1000, 2000)]) == {"a": (0, 1), "b": (0, 1)}


def test_overlapping_cues_are_drawn_in_lanes_and_hit_in_their_lane(window, qtbot):
    w = window
    doc = w.session.doc
    edits.apply_result(doc, [Segment(1000, 5000, "Left speaker talks on", speaker="A"),
                             Segment(2000, 4000, "Right speaker at once", speaker="B"),
                             Segment(6000, 8000, "Alone", speaker="A")])
    view = w.waveform
    view.set_view(0, 10.0)
    view.repaint()
    a, b, c = list(doc)
    assert view.lanes == {a.id: (0, 2), b.id: (1, 2)}
    x = view.x_of(3000)
    top = 30
    bottom = view.height() - 12
    assert view.segment_hit(x, top)[0] == a.id
    assert view.segment_hit(x, bottom)[0] == b.id
    assert view.segment_hit(view.x_of(7000), bottom)[0] == c.id  # full height: no lanes
    img = view.grab().toImage()
    fill_a = img.pixelColor(QPoint(int(view.x_of(1500)), 40))
    fill_c = img.pixelColor(QPoint(int(view.x_of(7500)), 40))
    fill_b = img.pixelColor(QPoint(int(x), bottom - 4))
    assert fill_a.name() == fill_c.name() != fill_b.name()  # a colour per speaker


def test_export_offers_a_word_transcript(window, worded_doc, tmp_path):
    import docx

    w = window
    for s, who in zip(list(worded_doc), ("Ann", "Ann", "Bob"), strict=True):
        edits.set_speaker(worded_doc, [s.id], who)
    w.session.set_document(worded_doc)

    def choose(dlg):
        dlg.format_box.setCurrentIndex(dlg.format_box.findData("docx"))
        dlg.speakers_box.setChecked(True)
        dlg.timestamps_box.setChecked(True)
        assert "[00:00:00] Ann: Hello world. This is a test of the editor." in dlg.preview.toPlainText()
        return True

    w.prompts.dialog_hook = choose
    w.prompts.save_path = str(tmp_path / "t.docx")
    assert w.files.export()
    paras = [p for p in docx.Document(str(tmp_path / "t.docx")).paragraphs if p.text]
    assert paras[-1].text.startswith("[00:00:05] Bob: Ask not")
    assert [r.text for r in paras[-1].runs if r.bold] == ["Bob: "]


@pytest.mark.slow
def test_a_stereo_interview_shows_one_waveform_per_channel(window, media_window, stereo_path,
                                                           run_task, qtbot):
    w = media_window(stereo_path)
    waves = w.tools.channel_waves
    assert w.waveform.channel_tiles is None
    job = waves.set_enabled(True)
    run_task(job)
    assert len(w.waveform.channel_tiles) == 2
    w.waveform.fit_all()
    img = w.waveform.grab().toImage()
    # the right channel is silent after 2.7 s, the left one still speaks: compare the bands
    top, h = 22, w.waveform.height() - 26
    x = int(w.waveform.x_of(4000))

    def ink(y0: int, y1: int) -> int:
        base = img.pixelColor(QPoint(x, y0)).name()
        return sum(img.pixelColor(QPoint(x, y)).name() != base for y in range(y0, y1))

    assert ink(top + 2, top + h // 2 - 2) > ink(top + h // 2 + 2, top + h - 2)
    waves.set_enabled(False)
    assert w.waveform.channel_tiles is None
