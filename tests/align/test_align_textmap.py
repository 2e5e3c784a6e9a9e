"""The user's text against what aligners time: mapping, repairs, estimates (no model)."""

from __future__ import annotations

from app.align.textmap import (
    Timing,
    map_items,
    normalise,
    repair,
    split_by_counts,
    timeable,
    words_from_timings,
)
from app.core.model import Segment, check_segment
from app.core.words import split_words


def test_timeable_words_have_letters():
    assert timeable("Americans,") and timeable("l'été") and timeable("日本")
    for w in ("2026", "£13.60", "%", "—", "🎉", "..."):
        assert not timeable(w)


def test_normalise_keeps_letters_digits_apostrophes():
    assert normalise("“Don’t,") == "don't"
    assert normalise("£13.60") == "1360"
    assert normalise("—") == ""


def test_map_items_puts_punctuation_free_items_back_on_the_words():
    words = split_words("Hello, world! It's £13.60 in 2026 — really?")
    items = [("Hello", 0, 100), ("world", 120, 300), ("It's", 400, 500), ("1360", 500, 900),
             ("in", 900, 950), ("2026", 950, 1400), ("really", 1500, 1800)]
    t = map_items(words, items)
    assert [w for w, x in zip(words, t, strict=True) if x is None] == ["—"]
    assert (t[0].start, t[0].end) == (0, 100)
    assert (t[3].start, t[3].end) == (500, 900)  # "£13.60" got the item "1360"
    assert (t[-1].start, t[-1].end) == (1500, 1800)


def test_map_items_joins_character_items_into_words():
    words = ["你好，", "世界。"]
    items = [("你", 0, 80), ("好", 80, 160), ("世", 240, 320), ("界", 320, 400)]
    t = map_items(words, items)
    assert (t[0].start, t[0].end) == (0, 160)
    assert (t[1].start, t[1].end) == (240, 400)


def test_repair_clamps_orders_and_drops_repeats():
    t = repair([Timing(-50, 100), Timing(80, 200), Timing(80, 250), Timing(300, 99999), None],
               0, 1000)
    assert (t[0].start, t[0].end) == (0, 100)
    assert (t[1].start, t[1].end) == (100, 200)  # cut to start after the previous word
    assert t[2] is None  # repeated start: estimated later
    assert (t[3].start, t[3].end) == (300, 1000)  # clamped to the window
    assert t[4] is None


def test_repair_estimates_the_zero_length_word_of_a_repeat():
    t = repair([Timing(100, 100), Timing(100, 300)], 0, 1000)
    assert t[0] is None and (t[1].start, t[1].end) == (100, 300)


def test_words_from_timings_compose_the_text_and_estimate_the_rest():
    text = "So — it costs £13.60 in 2026! 🎉"
    words = split_words(text)
    timings = [Timing(100, 300), None, Timing(400, 600), Timing(600, 800), None,
               Timing(900, 1000), None, None]
    out = words_from_timings(words, timings, 0, 2000, offset=5000)
    seg = Segment(5000, 7000, text, words=tuple(out))
    check_segment(seg)  # words compose the text, monotonic, inside
    est = {w.text for w in out if w.estimated}
    assert est == {"—", "£13.60", "2026!", "🎉"}
    assert all(w.end > w.start for w in out)  # no zero-length word
    assert out[0].start == 5100 and out[-1].end <= 7000


def test_all_untimed_words_are_spread_over_the_window():
    words = split_words("one two three")
    out = words_from_timings(words, [None, None, None], 0, 900, offset=1000)
    assert out[0].start == 1000 and out[-1].end == 1900
    assert all(w.estimated for w in out)


def test_split_by_counts():
    texts = ["a b", "", "c d e"]
    from app.core.model import Word

    ws = [Word(t, i, i + 1) for i, t in enumerate("a b c d e".split())]
    parts = split_by_counts(ws, texts)
    assert [[w.text for w in p] for p in parts] == [["a", "b"], [], ["c", "d", "e"]]
