"""Spell checking with pyspellchecker's shipped dictionaries: known misspellings in English,
German and French, suggestions, the user dictionary, ignored and vocabulary words."""

from __future__ import annotations

import pytest

from app.core.model import Segment
from app.subtitles.spelling import (
    LANGUAGES,
    Speller,
    SpellingError,
    available_languages,
    base_language,
    check_segments,
    vocabulary_words,
    words_of,
)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CUELINE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def bad(speller, text):
    return [m.word for m in speller.misspellings(text)]


def test_every_listed_language_ships_and_tags_map_to_them():
    assert available_languages() == list(LANGUAGES)
    assert base_language("en-GB") == "en" and base_language("pt_BR") == "pt"
    assert base_language("ja") is None and base_language(None) is None
    with pytest.raises(SpellingError, match="no spelling dictionary for 'ja'"):
        Speller("ja")


def test_english_misspellings_with_offsets_and_suggestions():
    sp = Speller("en")
    text = "Teh quick brown fox <i>jumpd</i> over the lazy dog, don’t you recieve it?"
    found = sp.misspellings(text)
    assert [m.word for m in found] == ["Teh", "jumpd", "recieve"]
    assert all(text[m.start:m.end] == m.word for m in found)
    assert sp.suggestions("Teh")[0] == "The"  # most frequent first, in the word's case
    assert sp.suggestions("recieve")[0] == "receive"
    assert "jumped" in sp.suggestions("jumpd")


@pytest.mark.parametrize("lang, text, wrong, fix", [
    ("de", "Ich habe das Haus gesehn und die Strase war leer.", ["gesehn", "Strase"], "gesehen"),
    ("fr", "L'homme est dans la maisson aujourd’hui avec son chein.", ["maisson", "chein"], "maison"),
    ("it", "Il cane è nella cucna della casa.", ["cucna"], "cucina"),
])
def test_other_languages(lang, text, wrong, fix):
    sp = Speller(lang)
    assert bad(sp, text) == wrong
    assert fix in sp.suggestions(wrong[0])


def test_what_is_never_flagged():
    sp = Speller("en")
    assert bad(sp, "NASA and the FBI met at 3pm in room B12 {\\an8}x y") == []
    assert bad(sp, "It's John's car, isn't it?") == []


def test_user_dictionary_ignore_and_vocabulary(data_dir):
    sp = Speller("en")
    assert bad(sp, "Cueline and Zorblat met Quux.") == ["Cueline", "Zorblat", "Quux"]
    path = sp.add_to_dictionary("Cueline")
    assert path == data_dir / "dictionaries" / "en.txt"
    assert path.read_text(encoding="utf-8") == "Cueline\n"
    sp.ignore("zorblat")
    sp.set_known(vocabulary_words("Names: Quux, Blorp-Tech"))
    assert bad(sp, "Cueline and Zorblat met Quux.") == []
    # a new speller (a new session) keeps the dictionary, not the ignored word
    again = Speller("en")
    assert bad(again, "Cueline and Zorblat met Quux.") == ["Zorblat", "Quux"]
    sp.add_to_dictionary("Cueline")  # twice: written once
    assert path.read_text(encoding="utf-8") == "Cueline\n"
    with pytest.raises(SpellingError):
        sp.add_to_dictionary("two words")


def test_words_of_masks_markup_and_keeps_offsets():
    assert words_of("<b>Hi</b> there") == [(3, 5, "Hi"), (10, 15, "there")]


def test_check_segments_gives_cue_indexes():
    sp = Speller("en")
    segs = [Segment(0, 1000, "All fine."), Segment(1000, 2000, "Not fien.")]
    assert [(i, m.word) for i, m in check_segments(segs, sp)] == [(1, "fien")]


def test_suggestions_for_a_long_unknown_word_stop_in_time():
    sp = Speller("en")
    assert isinstance(sp.suggestions("internationalisationnxq", budget_s=0.05), list)
