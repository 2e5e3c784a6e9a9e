"""Reviewing speech in the editor: English translations next to the text (real Whisper base),
bilingual export, a two-channel interview as two speakers, speakers renamed and merged, the
timestamped transcript."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt

from app.core import edits
from app.core.model import Segment
from app.subtitles.measure import line_lengths
from app.ui.export_dialog import ExportDialog
from app.ui.segment_table_model import COL_ENGLISH, COL_SPEAKER
from app.ui.worker import TaskStatus
from tests.conftest import STEREO_LEFT_TEXT, STEREO_RIGHT_TEXT, requires_espeak
from tests.ui.speech_media import GERMAN as GERMAN_LINES
from tests.ui.speech_media import german_clip

pytestmark = [pytest.mark.gui, pytest.mark.slow]
ENGLISH = {"good", "morning", "the", "and", "is", "we", "to", "in", "park", "today", "weather"}
GERMAN, GERMAN_2 = GERMAN_LINES


def export(w, path, fmt: str, **choices) -> str:
    def choose(dlg: ExportDialog) -> bool:
        dlg.format_box.setCurrentIndex(dlg.format_box.findData(fmt))
        dlg.shape_box.setChecked(False)
        dlg.karaoke_box.setChecked(False)
        dlg.speakers_box.setChecked(choices.get("speakers", False))
        dlg.timestamps_box.setChecked(choices.get("timestamps", False))
        if "text" in choices:
            assert dlg.set_text_choice(choices["text"])
        return True

    w.prompts.dialog_hook = choose
    w.prompts.save_path = str(path)
    assert w.files.export()
    return path.read_text("utf-8")


@requires_espeak
def test_translate_german_segments_to_english_from_their_own_audio(window, media_window, tmp_path,
                                                                   run_task):
    media, cut = german_clip(tmp_path / "german.wav")
    w = media_window(media)
    doc = w.session.doc
    edits.apply_result(doc, [Segment(0, cut, GERMAN, language="de"),
                             Segment(cut, w.session.duration_ms, GERMAN_2, language="de")])
    assert w.table.isColumnHidden(COL_ENGLISH)
    job = w.tools.translation.start(None, model="base", language="de")
    assert job is not None
    run_task(job)
    assert job.status is TaskStatus.FINISHED
    english = [s.translation for s in doc]
    assert all(english), english
    for text in english:
        words = set(re.findall(r"[a-z]+", text.lower()))
        assert words & ENGLISH, text
        assert text != GERMAN and text != GERMAN_2
    assert [s.text for s in doc] == [GERMAN, GERMAN_2]  # the source is untouched
    assert not w.table.isColumnHidden(COL_ENGLISH)
    assert w.tools.actions["english_column"].isChecked()
    model = w.table.model()
    # the English is laid out under the editor's profile: each line within its length
    assert model.index(0, COL_ENGLISH).data(Qt.ItemDataRole.EditRole) == english[0]
    profile = w.session.profile
    for text in english:
        assert max(line_lengths(text, profile)) <= profile.max_chars_per_line
    # the English cell is editable, one undo step
    assert model.setData(model.index(1, COL_ENGLISH), "Today the weather is lovely.")
    assert doc[1].translation == "Today the weather is lovely."
    w.commands["undo"].trigger()
    assert doc[1].translation == english[1]

    both = export(w, tmp_path / "both.srt", "srt", text="both")
    cues = both.strip().split("\n\n")
    assert len(cues) == 2
    for cue, seg in zip(cues, doc, strict=True):
        lines = cue.splitlines()[2:]  # the source's lines on top, the English under them
        assert " ".join(lines).split() == seg.text.split() + seg.translation.split()
        assert lines[-len(seg.translation.splitlines()):] == seg.translation.splitlines()
        assert len(lines) <= 2 * profile.lines_target
        assert max(line_lengths("\n".join(lines), profile)) <= profile.max_chars_per_line
    only = export(w, tmp_path / "en.srt", "srt", text="english")
    assert english[0].split("\n")[0] in only and GERMAN not in only
    source = export(w, tmp_path / "de.srt", "srt", text="source")
    assert GERMAN in source and english[0].split("\n")[0] not in source

    # the translation run was one undo step
    assert doc.history.undo_name == "Translate to English"
    w.commands["undo"].trigger()
    assert not any(s.translation for s in doc)
    assert w.table.isColumnHidden(COL_ENGLISH)


def test_stereo_interview_as_two_interleaved_speakers(window, media_window, stereo_path, tmp_path,
                                                      run_task):
    w = media_window(stereo_path)

    def one_per_channel(dlg) -> bool:
        assert dlg.channels_box.isEnabled()  # two channels
        dlg.set_model("tiny.en")
        dlg.channels_box.setChecked(True)
        return True

    w.prompts.dialog_hook = one_per_channel
    job = w.tools.ask_transcribe()
    run_task(job)
    assert job.status is TaskStatus.FINISHED
    doc = w.session.doc
    assert doc.speakers() == ["Speaker 1", "Speaker 2"]
    starts = [s.start for s in doc]
    assert starts == sorted(starts)
    first = {sp: min(s.start for s in doc if s.speaker == sp) for sp in doc.speakers()}
    last = {sp: max(s.end for s in doc if s.speaker == sp) for sp in doc.speakers()}
    assert first["Speaker 2"] < last["Speaker 1"] and first["Speaker 1"] < last["Speaker 2"]
    left = " ".join(s.text for s in doc if s.speaker == "Speaker 1").lower()
    right = " ".join(s.text for s in doc if s.speaker == "Speaker 2").lower()
    assert "wizard" in left and "curtain" in left and "horizon" not in left
    assert "horizon" in right and "wizard" not in right
    assert STEREO_LEFT_TEXT and STEREO_RIGHT_TEXT
    assert w.table.model().index(0, COL_SPEAKER).data() in ("Speaker 1", "Speaker 2")

    # a readable transcript: timestamps and speaker names
    text = export(w, tmp_path / "interview.txt", "txt", speakers=True, timestamps=True)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert all(re.match(r"\[\d\d:\d\d:\d\d\] Speaker [12]: \S", ln) for ln in lines), text
    assert len(lines) == len(doc)

    # speakers: counts, rename, rename onto an existing name merges, undo
    dlg = w.tools.show_speakers()
    counts = {dlg.table.item(r, 0).text(): int(dlg.table.item(r, 1).text())
              for r in range(dlg.table.rowCount())}
    assert counts == {sp: sum(s.speaker == sp for s in doc) for sp in doc.speakers()}
    assert dlg.rename("Speaker 1", "Dorothy") == counts["Speaker 1"]
    assert doc.speakers() == ["Dorothy", "Speaker 2"] and dlg.table.item(0, 0).text() == "Dorothy"
    w.prompts.texts = ["Dorothy"]
    dlg.select(["Speaker 2"])
    assert dlg.rename() == counts["Speaker 2"]  # an existing name: merged
    assert doc.speakers() == ["Dorothy"] and dlg.table.rowCount() == 1
    w.commands["undo"].trigger()
    assert doc.speakers() == ["Dorothy", "Speaker 2"]
    assert dlg.merge(["Dorothy", "Speaker 2"], "Guest") == len(doc)
    assert doc.speakers() == ["Guest"]
    dlg.select(["Guest"])
    assert len(dlg.select_segments()) == len(doc) == len(w.session.selected_ids)
