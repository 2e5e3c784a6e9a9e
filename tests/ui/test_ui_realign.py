"""Correcting text in the editor: the changed words are re-aligned in the background (real
Whisper aligner) after a pause in typing, every other word keeping its time and confidence,
without touching the text cursor; the edit and its re-alignment undo as one step, and a
segment left stale by an undo or redo is re-aligned again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtGui import QTextCursor

from app.core import edits
from app.core.model import WORDS_STALE, Word
from app.ui.realign_controller import DEBOUNCE_MS
from app.ui.worker import TaskStatus

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


def misheard(w, right: str, wrong: str):
    """Make the demo transcript say ``wrong`` where ``right`` is spoken (same times, as an
    engine mishears a word), as if it had been loaded that way."""
    doc = w.session.doc
    seg = next(s for s in doc if right in s.text.split())
    words = tuple(Word(wrong, x.start, x.end, 0.41) if x.text == right else x for x in seg.words)
    with doc.transaction("engine"):
        doc.replace_segment(seg.replace(text=seg.text.replace(right, wrong, 1), words=words))
    doc.history.clear()
    return doc.get(seg.id)


def test_a_fixed_word_is_realigned_alone_and_undoes_with_the_edit(jfk_window, qtbot):
    w = jfk_window
    doc = w.session.doc
    heard = misheard(w, "country", "county")
    others = {s.id: s for s in doc if s.id != heard.id}
    w.session.set_current(heard.id)
    row = doc.index_of(heard.id)
    pos = replace_in_editor(w, "county", "country")
    qtbot.waitUntil(lambda: doc.get(heard.id).text != heard.text, timeout=5000)  # committed
    edited = doc.get(heard.id)
    assert edited.has(WORDS_STALE) and word(edited, "country").estimated
    assert "W" in w.table.model().index(row, 8).data()
    qtbot.waitUntil(lambda: not doc.get(heard.id).has(WORDS_STALE), timeout=60_000)
    fixed = doc.get(heard.id)
    country = word(fixed, "country")
    assert not country.estimated and abs(country.start - 5965) <= 120  # spoken at ~5.97 s
    # every word nobody touched keeps its time and confidence; the edges stay
    assert [x for x in fixed.words if x.text != "country"] == \
        [x for x in heard.words if x.text != "county"]
    assert (fixed.start, fixed.end) == (heard.start, heard.end)
    assert all(doc.get(sid) == seg for sid, seg in others.items())
    # the user's cursor and text were left alone
    assert w.editor.text.textCursor().position() == pos
    assert w.editor.text.toPlainText() == fixed.text
    assert w.session.current_id == heard.id and w.table.model().index(row, 8).data() == ""
    assert w.tools.realign.last_elapsed_s is not None
    # the edit and its re-alignment: one undo step
    assert doc.history.undo_name == "Edit text" and len(doc.history) == 1
    w.commands["undo"].trigger()
    assert doc.get(heard.id) == heard and not doc.history.can_undo
    w.commands["redo"].trigger()
    assert doc.get(heard.id) == fixed
    qtbot.wait(DEBOUNCE_MS + 400)
    assert not w.tools.realign.running and doc.get(heard.id) == fixed


def test_a_segment_stale_after_undo_or_redo_is_realigned(jfk_window, qtbot):
    w = jfk_window
    doc = w.session.doc
    tools = w.tools
    heard = misheard(w, "country", "county")
    tools.realign.set_auto(False)  # two edits made while re-aligning was off
    edits.edit_text(doc, heard.id, heard.text.replace("county", "country"))
    doc.history.break_merge()
    second = doc.get(heard.id).text.replace("for you,", "for us,")
    edits.edit_text(doc, heard.id, second)
    tools.realign.set_auto(True)
    w.commands["undo"].trigger()  # back to the first edit: its words are stale
    assert doc.get(heard.id).has(WORDS_STALE) and doc.history.can_redo
    qtbot.waitUntil(lambda: not doc.get(heard.id).has(WORDS_STALE), timeout=60_000)
    assert doc.history.can_redo and len(doc.history) == 1  # folded in: the redo is kept
    assert abs(word(doc.get(heard.id), "country").start - 5965) <= 120
    w.commands["redo"].trigger()  # the second edit: stale again
    assert doc.get(heard.id).text == second and doc.get(heard.id).has(WORDS_STALE)
    qtbot.waitUntil(lambda: not doc.get(heard.id).has(WORDS_STALE), timeout=60_000)
    assert not word(doc.get(heard.id), "us,").estimated
    assert len(doc.history) == 2 and not doc.history.can_redo


def test_a_segment_edited_again_while_aligning_keeps_the_users_text(jfk_window, qtbot, run_task):
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
    run_task(job)
    assert job.status is TaskStatus.FINISHED
    result = tools.realign.last_result
    assert result.skipped == [sid] and not result.applied
    assert doc[0].text == second and doc[0].has(WORDS_STALE)
    # Re-align all (the menu action) then times the text as it is now
    tools.actions["realign_all"].trigger()
    run_task(tools.realign.task)
    assert doc[0].text == second and not doc[0].has(WORDS_STALE)
    assert not word(doc[0], "citizens,").estimated


def test_realign_selection_needs_media_and_text(window, worded_doc):
    w = window
    w.session.set_document(worded_doc)
    w.session.set_current(worded_doc[0].id)
    assert w.tools.realign.realign_selection() is None
    assert w.prompts.warnings and "Open the media" in w.prompts.warnings[-1][1]
    assert not w.tools.actions["realign_selection"].isEnabled()
