"""The video subtitler's furniture in the real window: shot changes on the timeline (found,
drawn, snapped to), the spectrogram view, frame steps with the HH:MM:SS:FF timecode, cut/copy/
paste of segments, spell checking, Fix common errors, Preferences (with shortcut editing and
conflicts) and the searchable shortcut reference."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QImage, QKeySequence, QTextCharFormat

from app.core.model import Segment
from app.formats.clipboard import MIME_TYPE
from app.ui import settings
from tests.audio.cut_video import make_cut_video

pytestmark = pytest.mark.gui

L = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier
SHOTS = [50, 75, 60, 65]  # frames at 25 fps: cuts at 2.0 s, 5.0 s and 7.4 s
CUTS_MS = [2000, 5000, 7400]


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CUELINE_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def video_window(window, tmp_path, media_window, qtbot):
    path = tmp_path / "cuts.mp4"
    make_cut_video(path, SHOTS, fps=25)
    media_window(path)
    qtbot.waitUntil(lambda: window.session.shots == CUTS_MS, timeout=20000)
    return window


def act(window, name):
    return window.video_tools.actions[name]


# -- shot changes ------------------------------------------------------------------------------
def test_shot_changes_are_found_drawn_checked_and_snapped(qtbot, video_window):
    w = video_window
    s = w.session
    assert s.frame_rate == pytest.approx(25.0)
    w.select_profile("netflix-en")
    s.doc.history.clear()
    from app.core import edits

    a = edits.insert(s.doc, Segment(2120, 3500, "Three frames late."))
    b = edits.insert(s.doc, Segment(5500, 8500, "Across the cut at 7.4 s."))
    qtbot.waitUntil(lambda: bool(s.violations_for(a)) and bool(s.violations_for(b)), timeout=3000)
    assert [v.rule for v in s.violations_for(a)] == ["shot_edge"]
    assert "shot_crossing" in [v.rule for v in s.violations_for(b)]
    # the lines are painted: a column at 5.0 s has the shot colour in the wave area
    view = w.waveform
    view.zoom_to(0, 9000)
    img = QImage(view.size(), QImage.Format.Format_ARGB32)
    view.render(img)
    x = int(round(view.x_of(5000)))
    from app.ui.spectrogram_paint import SHOT_COLOR_DARK, SHOT_COLOR_LIGHT

    colours = {img.pixelColor(xx, y).rgb() for xx in (x - 1, x, x + 1) for y in range(30, view.height() - 10)}
    assert {SHOT_COLOR_LIGHT.rgb(), SHOT_COLOR_DARK.rgb()} & colours
    act(w, "snap_shots").trigger()
    assert (s.doc.get(a).start, s.doc.get(a).end) == (2000, 3500)
    assert s.doc.history.undo_name == "Snap to shot changes"
    s.doc.history.undo()
    assert s.doc.get(a).start == 2120


def test_dragged_edge_snaps_to_a_shot_change(qtbot, video_window):
    w = video_window
    s = w.session
    from app.core import edits

    sid = edits.insert(s.doc, Segment(5600, 6500, "drag me"))
    view = w.waveform
    view.zoom_to(4000, 7000)
    view.snap_enabled = True
    s.set_speech([])
    y = view.height() // 2
    a = QPoint(int(round(view.x_of(5600))), y)
    b = QPoint(int(round(view.x_of(5000 + 3 * view.ms_per_px))), y)  # within the 8 px
    qtbot.mousePress(view, L, NO_MOD, a)
    qtbot.mouseMove(view, QPoint((a.x() + b.x()) // 2, y))
    qtbot.mouseMove(view, b)
    qtbot.mouseRelease(view, L, NO_MOD, b)
    assert s.doc.get(sid).start == 5000


# -- frames -------------------------------------------------------------------------------------
def test_frame_steps_and_timecode(qtbot, video_window):
    w = video_window
    s = w.session
    s.seek(1010)
    act(w, "frame_forward").trigger()
    assert s.position_ms == 1040
    act(w, "frame_forward").trigger()
    assert s.position_ms == 1080
    assert w.video_tools.timecode_label.text().strip() == "00:00:01:02 @ 25 fps"
    act(w, "frame_back").trigger()
    assert s.position_ms == 1040
    assert act(w, "frame_back").shortcuts()[0] == QKeySequence("Ctrl+Left")
    # the status bar shows both clocks
    assert "00:00:01,040" in w.position_label.text()


def test_audio_only_uses_the_rate_chosen_in_preferences(qtbot, window, jfk_path, media_window):
    settings.put("frames/audio_fps", 30.0)
    media_window(jfk_path)
    window.session.seek(0)
    act(window, "frame_forward").trigger()
    assert window.session.position_ms == 34  # ceil(1000 / 30)
    assert window.video_tools.timecode_label.text().strip() == "00:00:00:01 @ 30 fps"


# -- spectrogram --------------------------------------------------------------------------------
def test_spectrogram_view(qtbot, window, jfk_path, media_window):
    media_window(jfk_path)
    view = window.waveform
    view.fit_all()
    act(window, "spectrogram").trigger()
    assert view.show_spectrogram and settings.get("waveform/spectrogram", False, bool)
    img = QImage(view.size(), QImage.Format.Format_ARGB32)
    view.render(img)
    assert view.spectrogram_tiles is not None
    assert view.spectrogram_tiles.wait(20)
    qtbot.wait(50)  # the "tile ready" signals
    view.render(img)
    assert len(view.spectrogram_images) == len(range(view.first_column // 256,
                                                     (view.first_column + view.width() - 1) // 256 + 1))
    from app.ui.spectrogram_paint import colormap

    lut = set(int(v) & 0xFFFFFF for v in colormap())
    top = 30
    bottom = view.height() - 10
    speech_x = int(view.x_of(3000))  # "ask not what your country..." is speech
    col = [img.pixelColor(speech_x, y).rgb() & 0xFFFFFF for y in range(top, bottom, 4)]
    assert sum(c in lut for c in col) > len(col) * 0.8
    levels, complete = view.spectrogram_tiles.columns(view.first_column, view.width(), view.ms_per_px)
    assert complete and levels.shape[1] == 96
    assert levels[:, :40].mean() > levels[:, 80:].mean()  # speech: low bands louder than 7 kHz
    # every zoom draws, down to single samples
    view.zoom_to(3000, 3050)
    view.render(img)
    assert view.spectrogram_tiles.wait(20)
    act(window, "spectrogram").trigger()
    assert not view.show_spectrogram


# -- clipboard ----------------------------------------------------------------------------------
def test_copy_paste_and_cut_segments(qtbot, window, worded_doc):
    w = window
    s = w.session
    w.session.set_document(worded_doc)
    first = s.doc[0]
    s.set_current(first.id)
    act(w, "copy_segments").trigger()
    mime = QGuiApplication.clipboard().mimeData()
    assert mime.hasFormat(MIME_TYPE)
    assert mime.text().startswith("1\n00:00:00,500 --> 00:00:02,000\nHello world.")
    steps = len(s.doc.history)
    # paste after the selection: the copy starts at the selected segment's end (+ gap)
    act(w, "paste_segments").trigger()
    assert len(s.doc) == 4 and len(s.doc.history) == steps + 1
    new = s.doc.get(s.current_id)
    gap = s.profile.min_gap()
    assert (new.start, new.text) == (2000 + gap, "Hello world.") and new.id != first.id
    assert [w_.text for w_ in new.words] == ["Hello", "world."]
    w.commands["undo"].trigger()
    assert len(s.doc) == 3
    # SRT text from another program, no selection: at the playhead
    QGuiApplication.clipboard().setText("1\n00:00:05,000 --> 00:00:06,000\nFrom elsewhere\n")
    s.set_selection([])
    s.current_id = None
    s.seek(9000)
    act(w, "paste_segments").trigger()
    assert [(x.start, x.end, x.text) for x in s.doc][-1] == (9000, 10000, "From elsewhere")
    # cut = copy + delete, one undo step
    s.set_current(s.doc[0].id)
    steps = len(s.doc.history)
    act(w, "cut_segments").trigger()
    assert len(s.doc) == 3 and len(s.doc.history) == steps + 1
    assert QGuiApplication.clipboard().mimeData().hasFormat(MIME_TYPE)
    # prose is not turned into cues
    QGuiApplication.clipboard().setText("just a sentence")
    assert act(w, "paste_segments").trigger() is None and len(s.doc) == 3


# -- spelling -----------------------------------------------------------------------------------
def test_spelling_underlines_and_answers(qtbot, window):
    w = window
    s = w.session
    from app.core.document import Document

    s.set_document(Document([Segment(0, 2000, "Teh cat sat."), Segment(2000, 4000, "Zorblat here.")]))
    sp = w.video_tools.spelling
    assert sp.language == "en"
    s.set_current(s.doc[0].id)
    qtbot.waitUntil(lambda: w.editor.text.toPlainText() == "Teh cat sat.", timeout=2000)
    block = w.editor.text.document().firstBlock()
    formats = block.layout().formats()
    wavy = [f for f in formats
            if f.format.underlineStyle() == QTextCharFormat.UnderlineStyle.SpellCheckUnderline]
    assert [(f.start, f.length) for f in wavy] == [(0, 3)]
    # next unknown word: goes to the second cue and selects the word
    act(w, "next_misspelling").trigger()
    assert s.current_index == 1
    assert w.editor.text.textCursor().selectedText() == "Zorblat"
    # ignore in the project: undoable, kept in the project's metadata
    sp.ignore_in_project("Zorblat")
    assert s.doc.meta["spell_ignore"] == ["Zorblat"]
    assert not sp.misspellings("Zorblat here.")
    s.doc.history.undo()
    qtbot.waitUntil(lambda: bool(sp.misspellings("Zorblat here.")), timeout=2000)
    # the vocabulary of the transcribe dialog counts as known words
    settings.put("transcribe/context", "Zorblat, Quux")
    sp.refresh()
    assert not sp.misspellings("Zorblat here.")
    # add to dictionary writes the user dictionary
    sp.add_to_dictionary("Teh")
    assert not sp.misspellings("Teh cat sat.")


# -- fix common errors --------------------------------------------------------------------------
def test_fix_common_errors_dialog(qtbot, window, prompts):
    from app.core.document import Document
    from app.ui.fix_errors_dialog import COL_APPLY

    w = window
    s = w.session
    s.set_document(Document([Segment(0, 2000, "I saw the the dog ,ok"),
                             Segment(2000, 4000, "- Hi.\nHello."),
                             Segment(4000, 6000, "[door slams]")]))
    seen = {}

    def answer(dlg):
        seen["rules"] = [f.rule for f in dlg.fixes]
        assert not dlg.rule_boxes["hearing_impaired"].isChecked()  # off by default
        dlg.table.item(seen["rules"].index("repeated_words"), COL_APPLY).setCheckState(
            Qt.CheckState.Unchecked)
        return True

    prompts.dialog_hook = answer
    act(w, "fix_errors").trigger()
    assert seen["rules"] == ["space_before_punctuation", "missing_space_after", "repeated_words",
                             "dialogue_dashes"]
    assert [x.text for x in s.doc] == ["I saw the the dog, ok", "- Hi.\n- Hello.", "[door slams]"]
    assert s.doc.history.undo_name == "Fix common errors"
    w.commands["undo"].trigger()
    assert s.doc[0].text == "I saw the the dog ,ok"


# -- preferences and shortcuts ------------------------------------------------------------------
def test_preferences_save_apply_and_detect_conflicts(qtbot, window, prompts, make_window):
    w = window
    state = {}

    def answer(dlg):
        dlg.spell_box.setCurrentIndex(dlg.spell_box.findData("de"))
        dlg.autosave_spin.setValue(12)
        dlg.fps_box.setCurrentText("24")
        dlg.profile_box.setCurrentIndex(dlg.profile_box.findData("netflix-en"))
        # a clash: Merge with next on F8 (Next problem's key) blocks OK
        dlg.set_keys("merge_next", [QKeySequence("F8")])
        state["clash"] = dict(dlg.conflicts)
        state["ok_enabled"] = dlg.ok_button.isEnabled()
        state["problem"] = dlg.problem.text()
        dlg.set_keys("merge_next", [QKeySequence("Ctrl+M")])
        state["ok_after"] = dlg.ok_button.isEnabled()
        return True

    prompts.dialog_hook = answer
    act(w, "preferences").trigger()
    assert state["clash"] == {"F8": ["merge_next", "next_problem"]} or \
        sorted(state["clash"]["F8"]) == ["merge_next", "next_problem"]
    assert not state["ok_enabled"] and "F8" in state["problem"] and state["ok_after"]
    assert w.commands["merge_next"].shortcuts() == [QKeySequence("Ctrl+M")]
    assert settings.get("shortcuts/merge_next") == "Ctrl+M"
    assert w.video_tools.spelling.language == "de"
    assert w.session.profile.id == "netflix-en"
    assert w.files._autosave.interval() == 12_000
    assert settings.get("frames/audio_fps", 0, float) == 24.0
    # a new window starts with the saved keys
    other = make_window()
    assert other.commands["merge_next"].shortcuts() == [QKeySequence("Ctrl+M")]
    # resetting to the default forgets the setting
    prompts.dialog_hook = lambda dlg: (dlg.set_keys("merge_next", dlg.shortcuts.defaults["merge_next"]), True)[1]
    act(w, "preferences").trigger()
    assert settings.get("shortcuts/merge_next") is None
    assert w.commands["merge_next"].shortcuts() == [QKeySequence("Ctrl+J")]


def test_shortcut_reference_is_a_filterable_table(qtbot, window, prompts):
    seen = {}

    def answer(dlg):
        seen["all"] = dlg.proxy.rowCount()
        dlg.filter.setText("merge")
        seen["merge"] = dlg.visible_commands()
        dlg.filter.setText("ctrl+j")
        seen["key"] = dlg.visible_commands()
        dlg.filter.setText("frame step")
        seen["words"] = dlg.visible_commands()
        return False

    prompts.dialog_hook = answer
    act(window, "shortcut_reference").trigger()
    assert seen["all"] > 40
    assert seen["merge"] == ["Merge with next", "Merge with previous"]
    assert seen["key"] == ["Merge with next"]
    assert set(seen["words"]) == {"Step one frame back", "Step one frame forward"}
    assert np is not None


def test_export_snaps_times_to_frames(window):
    from app.core.document import Document
    from app.ui.export_dialog import ExportDialog

    doc = Document([Segment(1010, 2030, "One."), Segment(2519, 3000, "Two.")])
    dlg = ExportDialog(doc, window.session.profile, window, fps=25.0)
    assert dlg.fps_box.currentText() == "25" and dlg.frame_rate is None
    dlg.frames_box.setChecked(True)
    assert [(s.start, s.end) for s in dlg.segments()] == [(1000, 2040), (2520, 3000)]
    assert "00:00:01,000 --> 00:00:02,040" in dlg.preview.toPlainText()
    dlg.fps_box.setCurrentText("24")
    assert [(s.start, s.end) for s in dlg.segments()] == [(1000, 2042), (2500, 3000)]
    assert [(s.start, s.end) for s in doc] == [(1010, 2030), (2519, 3000)]  # the document stays
    dlg.remember()
    assert settings.get("export/frames", False, bool) and settings.get("export/fps", 0, float) == 24


def test_table_context_menu_offers_spelling_suggestions(qtbot, window):
    from app.core.document import Document
    from app.ui.segment_table_model import COL_TEXT
    from app.ui.video_tools import text_offset

    assert text_offset("ab\ncd", 5) == 3  # "ab ⏎ cd": the 'c'
    w = window
    s = w.session
    s.set_document(Document([Segment(0, 2000, "Fine line\nwith a mistaek.")]))
    table = w.table
    idx = table.model().index(0, COL_TEXT)
    rect = table.visualRect(idx)
    shown = idx.data()
    fm = table.fontMetrics()
    x = rect.left() + 4 + fm.horizontalAdvance(shown[:shown.index("mistaek") + 2])
    menu = w.video_tools.table_menu(QPoint(x, rect.center().y()))
    texts = [a.text() for a in menu.actions()]
    assert texts[0] == "mistake" and "Add “mistaek” to dictionary" in texts
    assert "Cu&t segments" in texts
    menu.actions()[0].trigger()
    assert s.doc[0].text == "Fine line\nwith a mistake."
    assert s.doc.history.undo_name == "Edit text"
