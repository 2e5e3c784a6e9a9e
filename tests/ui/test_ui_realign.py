"""Correcting text in the editor: stale words are re-aligned in the background (real Whisper
aligner), without touching the text cursor; each re-alignment is an undoable command."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtGui import QTextCursor

from app.core import edits
from app.core.model import WORDS_STALE
from app.ui.realign_controller import DEBOUNCE_MS
from app.ui.worker import JobStatus

pytestmark = [pytest.mark.gui, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
DEMO_JSON = ROOT / "resources" / "demo" / "jfk.json"


@pytest.fixture
def jfk_window(media_window, jfk_path, tmp_path):
    """The demo media with its word-timed transcript (resources/demo/jfk.json)."""
    media = tmp_path / "speech.flac"
    shutil.copyfile(jfk_path, media)
    w = media_window(media)
    assert w.files.import_subtitles(str(DEMO_JSON))
    assert all(s.words and not s.has(WORDS_STALE) for s in w.session.doc)
    return w


def replace_in_editor(w, old: str, new: str) -> int:
    """Select ``old`` in the segment text field and type ``new`` over it; returns the cursor."""
    ed = w.editor.text
    ed.setFocus()
    i = ed.toPlainText().index(old)
    cur = ed.textCursor()
    cur.setPosition(i)
    cur.setPosition(i + len(old), QTextCursor.MoveMode.KeepAnchor)
    cur.insertText(new)
    ed.setTextCursor(cur)
    return ed.textCursor().position()


def word(seg, text: str):
    return next(x for x in seg.words if x.text == text)


def test_edited_word_is_realigned_in_the_background_and_undo_goes_back_in_order(jfk_window, qtbot):
    w = jfk_window
    doc = w.session.doc
    original = doc[0]
    w.session.set_current(original.id)
    pos = replace_in_editor(w, "fellow", "dear")
    qtbot.waitUntil(lambda: doc[0].text != original.text, timeout=5000)  # typing committed
    edited = doc[0]
    assert edited.has(WORDS_STALE) and word(edited, "dear").estimated
    assert "W" in w.table.model().index(0, 8).data()
    qtbot.waitUntil(lambda: not doc[0].has(WORDS_STALE), timeout=60_000)
    aligned = doc[0]
    assert aligned.text == edited.text
    dear = word(aligned, "dear")
    before = word(edited, "dear")
    assert not dear.estimated and (dear.start, dear.end) != (before.start, before.end)
    assert all(aligned.start <= x.start <= x.end <= aligned.end for x in aligned.words)
    assert original.start - 500 <= aligned.start and aligned.end <= original.end + 500
    # the user's cursor and text were left alone
    assert w.editor.text.textCursor().position() == pos
    assert w.editor.text.toPlainText() == aligned.text
    assert w.session.current_id == original.id and w.table.model().index(0, 8).data() == ""
    assert doc.history.undo_name == "Re-align"
    assert w.tools.realign.last_elapsed_s is not None
    # undo: first the new word times, then the text (with its old words)
    w.commands["undo"].trigger()
    assert doc[0] == edited
    w.commands["undo"].trigger()
    assert doc[0] == original
    # an undo that brings stale words back does not start a re-alignment (it would eat redo)
    w.commands["redo"].trigger()
    assert doc[0] == edited
    qtbot.wait(DEBOUNCE_MS + 400)
    assert not w.tools.realign.running and doc[0] == edited and doc.history.can_redo


def test_a_segment_edited_again_while_aligning_keeps_the_users_text(jfk_window, qtbot, run_job):
    w = jfk_window
    tools = w.tools
    tools.realign.set_auto(False)
    doc = w.session.doc
    sid = doc[0].id
    edits.edit_text(doc, sid, doc[0].text.replace("fellow", "dear"))
    job = tools.realign.start([sid])
    doc.history.break_merge()
    second = doc[0].text.replace("Americans", "citizens")
    assert second != doc[0].text
    edits.edit_text(doc, sid, second)  # while the job runs on the first text
    run_job(job)
    assert job.status is JobStatus.FINISHED
    result = tools.realign.last_result
    assert result.skipped == [sid] and not result.applied
    assert doc[0].text == second and doc[0].has(WORDS_STALE)
    # Re-align all (the menu action) then times the text as it is now
    tools.actions["realign_all"].trigger()
    run_job(tools.realign.job)
    assert doc[0].text == second and not doc[0].has(WORDS_STALE)
    assert not word(doc[0], "citizens,").estimated


def test_realign_selection_needs_media_and_text(window, worded_doc):
    w = window
    w.session.set_document(worded_doc)
    w.session.set_current(worded_doc[0].id)
    assert w.tools.realign.realign_selection() is None
    assert w.prompts.warnings and "Open the media" in w.prompts.warnings[-1][1]
    assert not w.tools.actions["realign_selection"].isEnabled()
