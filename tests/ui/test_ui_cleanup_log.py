"""The cleanup log shows, for each removal, the evidence that decided it; the status bar says
how many pieces a transcription removed and opens the log in one click."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.core import edits
from app.core.model import Segment, Word
from app.core.words import distribute, split_words
from app.pipeline.cleanup import Cleaner
from app.pipeline.types import Draft
from app.ui.cleanup_dialog import COL_PROB, COL_RULE, COL_SPEECH

pytestmark = pytest.mark.gui


def _log():
    """A real cleanup run: one text over silence, one with words nobody was sure of."""
    def draft(text, start, end, p=None):
        words = distribute(split_words(text), start, end, estimated=False)
        words = [Word(w.text, w.start, w.end, p) for w in words]
        return Draft(start=start, end=end, text=text, words=words, chunk=0)

    c = Cleaner([(0, 4000), (6000, 9000)])
    kept = c.clean([draft("Hello there.", 500, 1500, 0.9), draft("Thank you.", 4200, 5800, 0.8),
                    draft("Made up words.", 6500, 7500, 0.04)])
    assert [d.text for d in kept] == ["Hello there."]
    return [e.as_dict() for e in c.log]


def test_cleanup_log_shows_the_evidence_of_each_removal(window, qtbot):
    w = window
    doc = w.session.doc
    edits.apply_result(doc, [Segment(500, 1500, "Hello there.")], meta={"cleanup": _log()},
                       name="Transcribe")
    w._update_status()
    assert w.cleanup_button.isVisibleTo(w) and w.cleanup_button.text().startswith("2 ")
    qtbot.mouseClick(w.cleanup_button, Qt.MouseButton.LeftButton)
    dlg = w.tools.cleanup_dialog
    assert dlg is not None and dlg.isVisible() and dlg.table.rowCount() == 2
    cells = [[dlg.table.item(r, c).text() for c in (COL_SPEECH, COL_PROB, COL_RULE)]
             for r in range(2)]
    assert cells[0][0] == "0%" and cells[0][1] == "0.80" and "speech under the words" in cells[0][2]
    assert cells[1][0] == "100%" and cells[1][1] == "0.04" and "probability" in cells[1][2]
    assert "evidence" in dlg.summary.text()


def test_entries_from_before_the_evidence_show_dashes(window):
    w = window
    old = [{"reason": "boilerplate hallucination", "text": "Thanks for watching!", "start": 10500,
            "end": 11000}]
    edits.apply_result(w.session.doc, [Segment(0, 2000, "Hi")], meta={"cleanup": old},
                       name="Transcribe")
    dlg = w.tools.show_cleanup()
    assert [dlg.table.item(0, c).text() for c in (COL_SPEECH, COL_PROB, COL_RULE)] == ["–", "–", ""]
