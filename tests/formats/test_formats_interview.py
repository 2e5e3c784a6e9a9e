"""Interview transcripts: plain text in speaker turns, and Word documents."""

from __future__ import annotations

import docx
import pytest

from app.core.document import Document, MediaRef
from app.core.model import Segment
from app.formats import FormatError, read_file, read_text, write_file, write_text


def _doc() -> Document:
    return Document([
        Segment(0, 1500, "Good morning.", speaker="Ann"),
        Segment(1600, 3000, "Thanks for coming in.", speaker="Ann"),
        Segment(3100, 9000, "Glad to be here.", speaker="Bob"),
        Segment(3661000, 3662000, "One more thing.", speaker="Ann"),
    ], media=MediaRef(path="/media/show 12.wav"))


def test_text_turns_join_one_speakers_segments():
    assert write_text(_doc(), "txt", turns=True, timestamps=True, speakers=True) == (
        "[00:00:00] Ann: Good morning. Thanks for coming in.\n\n"
        "[00:00:03] Bob: Glad to be here.\n\n"
        "[01:01:01] Ann: One more thing.\n")
    assert write_text(_doc(), "txt", turns=True).startswith("Good morning. Thanks for coming in.\n\n")


def test_text_turns_read_back_as_turns():
    back = read_text(write_text(_doc(), "txt", turns=True, timestamps=True, speakers=True)).document
    assert [(s.start, s.speaker) for s in back] == [(0, "Ann"), (3000, "Bob"), (3661000, "Ann")]


def test_a_long_turn_goes_on_in_new_paragraphs():
    long = [Segment(i * 5000, i * 5000 + 4000, "A fairly long sentence of words that goes on. " * 3,
                    speaker="Ann") for i in range(8)]
    text = write_text(long, "txt", turns=True, timestamps=True, speakers=True)
    paras = text.strip().split("\n\n")
    assert len(paras) > 1 and all(p.startswith("[") and "Ann: " in p for p in paras)
    assert all(len(p) < 1000 for p in paras)


def test_word_document_has_header_bold_names_and_times(tmp_path):
    out = tmp_path / "interview.docx"
    write_file(_doc(), out, title="Morning show")
    d = docx.Document(str(out))
    paras = [p for p in d.paragraphs if p.text]
    assert paras[0].text == "Morning show" and paras[0].style.name.startswith("Heading")
    assert "Media: show 12.wav" in paras[1].text and "Speakers: Ann, Bob" in paras[1].text
    turn = paras[2]
    assert turn.text == "[00:00:00] Ann: Good morning. Thanks for coming in."
    bold = [r.text for r in turn.runs if r.bold]
    assert bold == ["Ann: "]
    assert paras[-1].text == "[01:01:01] Ann: One more thing."
    assert d.core_properties.title == "Morning show"


def test_word_document_options_and_preview_text(tmp_path):
    out = tmp_path / "plain.docx"
    write_file(_doc(), out, timestamps=False, speakers=False)
    texts = [p.text for p in docx.Document(str(out)).paragraphs if p.text]
    assert texts[0] == "show 12" and texts[2] == "Good morning. Thanks for coming in."
    preview = write_text(_doc(), "docx")
    assert "[00:00:03] Bob: Glad to be here." in preview
    with pytest.raises(FormatError, match="written, not read"):
        read_file(out)
