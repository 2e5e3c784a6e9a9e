from __future__ import annotations

import pytest

from app.core.words import split_words
from app.subtitles import default_profile, line_lengths, load_profile, reflow_lines
from app.subtitles.language import boundaries

DEFAULT = default_profile()


def test_text_that_fits_stays_on_one_line():
    assert reflow_lines("Short and sweet.", DEFAULT) == "Short and sweet."
    assert reflow_lines("Short\nand  sweet.", DEFAULT) == "Short and sweet."
    assert reflow_lines("", DEFAULT) == ""


@pytest.mark.parametrize(
    "text",
    [
        "We need to find out whether the committee approved the new budget",
        "She opened the old wooden box and found a letter from her grandmother",
        "Yesterday afternoon I finally met John Smith at the old railway station",
        "After a long and difficult winter, the village slowly came back to life",
    ],
)
def test_reflow_keeps_words_and_breaks_well(text):
    out = reflow_lines(text, DEFAULT)
    assert split_words(out) == split_words(text)
    top, bottom = out.split("\n")
    assert max(line_lengths(out, DEFAULT)) <= 42
    assert top.split()[-1].lower() not in {"the", "a", "an", "her", "his", "my", "of"}
    assert "John\nSmith" not in out


def test_break_after_punctuation_wins():
    out = reflow_lines("After a long and difficult winter, the village slowly came back to life",
                       DEFAULT)
    assert out == "After a long and difficult winter,\nthe village slowly came back to life"


def test_bottom_heavy_when_lines_cannot_be_equal():
    out = reflow_lines("zinc iron gold lead neon salt sand clay silt", DEFAULT)
    top, bottom = out.split("\n")
    assert len(top) < len(bottom)


def test_too_long_text_gets_more_lines_each_within_the_limit():
    text = " ".join(["the quick brown fox jumps over the lazy dog"] * 3)
    out = reflow_lines(text, DEFAULT)
    assert split_words(out) == split_words(text)
    assert len(out.split("\n")) == 4
    assert max(line_lengths(out, DEFAULT)) <= 42


def test_bbc_prefers_37_characters():
    bbc = load_profile("bbc")
    text = "A sentence of exactly thirty-nine chars"  # 39 characters
    assert len(text) == 39
    assert "\n" in reflow_lines(text, bbc)
    assert "\n" not in reflow_lines(text, DEFAULT)


def test_cjk_reflow_joins_without_spaces():
    ja = load_profile("netflix-ja")
    text = "今日はとても良い天気ですね。散歩に行きましょう"
    out = reflow_lines(text, ja)
    assert out.replace("\n", "") == text
    assert max(line_lengths(out, ja)) <= 13
    assert reflow_lines(out, ja) == out  # a second pass changes nothing


def test_boundaries_describe_breaks():
    texts = ["Well,", "the", "man", "met", "Anna", "Berg", "and", "left."]
    b = boundaries(texts, "en")
    assert b[1].clause and not b[1].sentence
    assert b[2].glue >= 40  # the | man
    assert b[5].glue >= 40  # Anna | Berg
    assert b[6].link  # before "and"
    b = boundaries(["Stop.", "Now"], "en")
    assert b[1].sentence
    assert not boundaries(["Mr.", "Smith"], "en")[1].sentence


def test_cue_layout_for_the_editing_commands():
    from app.core.model import Segment
    from app.subtitles import cue_layout, layout_cue

    bbc = load_profile("bbc")
    text = "She opened the old wooden box and found a letter from her grandmother"
    assert cue_layout(bbc)(Segment(0, 4000, text)) == reflow_lines(text, bbc)
    assert max(line_lengths(layout_cue(text, bbc), bbc)) <= bbc.max_chars_per_line
    merged = "Hello world. This is a test of the editor and of the merge command."
    out = layout_cue(merged, DEFAULT)
    assert len(out.split("\n")) == 2 and max(line_lengths(out, DEFAULT)) <= 42
    top, bottom = out.split("\n")
    assert len(bottom) >= len(top)  # bottom-heavy
    # a dialogue cue keeps one line per speaker, an empty text stays empty
    assert layout_cue("- Ready?\n- Yes, let's go.", DEFAULT) == "- Ready?\n- Yes, let's go."
    assert layout_cue("   ", DEFAULT) == "   "
    # one line when it fits, whatever lines it had
    assert layout_cue("Ask not what\nyour country can do.", DEFAULT) == "Ask not what your country can do."
    assert layout_cue("你好\n世界", load_profile("netflix-zh")) == "你好世界"
