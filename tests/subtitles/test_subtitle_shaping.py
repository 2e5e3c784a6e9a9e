from __future__ import annotations

import pytest

from app.core.model import TIMES_ESTIMATED, UNTIMED, Segment, Word, check_segment
from app.core.timecode import frames_to_ms
from app.core.words import split_words
from app.subtitles import check, cps, default_profile, line_lengths, load_profile, shape
from tests.subtitles.subtitle_helpers import all_words, lines, timed, words_at

DEFAULT = default_profile()


def assert_valid(cues, source):
    for c in cues:
        check_segment(c)
    assert all_words(cues) == [w.text for s in source for w in s.words]
    starts = [c.start for c in cues]
    assert starts == sorted(starts)


def test_sentence_end_is_preferred_to_a_mid_clause_break():
    seg = timed("We walked down to the old harbour at dawn. "
                "The fishermen were already mending their nets by the water.")
    cues = shape([seg], DEFAULT)
    assert_valid(cues, [seg])
    assert [c.text.replace("\n", " ") for c in cues] == [
        "We walked down to the old harbour at dawn.",
        "The fishermen were already mending their nets by the water.",
    ]


@pytest.mark.parametrize("pause_at", [5, 10, 14])
def test_a_pause_is_preferred_to_a_mid_clause_break(pause_at):
    text = ("we kept walking along the narrow road until the light began "
            "to fade and the village appeared far below us")
    texts = split_words(text)
    words = words_at(texts, pauses={pause_at: 900})
    seg = Segment(0, words[-1].end, text, tuple(words))
    cues = shape([seg], DEFAULT)
    assert_valid(cues, [seg])
    ends = {len(all_words(cues[:k + 1])) for k in range(len(cues))}
    assert pause_at in ends, [c.text for c in cues]


def test_without_pause_the_break_goes_before_a_conjunction():
    seg = timed("we kept walking along the narrow road until the light began "
                "to fade and the village appeared far below us")
    cues = shape([seg], DEFAULT)
    assert len(cues) == 2
    assert cues[1].text.split()[0] in {"until", "and"}


def test_short_sentences_with_no_time_between_share_a_cue():
    seg = timed("Yes. No. Maybe.", ms_per_char=30, gap=20)
    cues = shape([seg], DEFAULT)
    assert len(cues) == 1
    assert cues[0].duration >= DEFAULT.min_duration_ms


def test_long_text_is_cut_within_the_limits():
    text = " ".join(["the quick brown fox jumps over the lazy dog"] * 12)
    seg = timed(text)
    cues = shape([seg], DEFAULT)
    assert_valid(cues, [seg])
    assert len(cues) > 4
    for c in cues:
        assert len(lines(c)) <= 2
        assert max(line_lengths(c.text, DEFAULT)) <= 42
        assert c.duration <= DEFAULT.max_duration_ms
        assert cps(c) <= DEFAULT.max_cps
        assert not c.text.replace("\n", " ").endswith((" the", " a"))
    assert check(cues, DEFAULT) == []


def test_short_cue_is_extended_into_silence_but_not_into_the_next_cue():
    yes = Segment(0, 300, "Yes.", (Word("Yes.", 0, 300),))
    then = Segment(2000, 2500, "Right.", (Word("Right.", 2000, 2500),))
    cues = shape([yes, then], DEFAULT)
    assert [c.text for c in cues] == ["Yes.", "Right."]
    assert cues[0].start == 0
    assert cues[0].end == DEFAULT.min_duration_ms  # extended into the silence
    assert cues[0].words == yes.words  # the word keeps its time
    no = Segment(0, 300, "No.", (Word("No.", 0, 300),))
    fine = Segment(600, 1400, "Fine then.", (Word("Fine", 600, 900), Word("then.", 950, 1400)),
                   speaker="B")
    cues = shape([no, fine], DEFAULT)
    assert [c.text for c in cues] == ["No.", "Fine then."]
    assert cues[0].end == 600 - DEFAULT.min_gap()  # as far as the gap before the next allows
    assert cues[1].start == 600


def test_tail_keeps_a_cue_after_its_speech():
    seg = timed("This sentence is long enough to be read in time.", start=1000)
    cues = shape([seg], DEFAULT)
    assert len(cues) == 1
    assert cues[0].end == seg.end + DEFAULT.tail_ms


def test_min_gap_trims_the_earlier_cue():
    first = timed("It was very late.", 0)
    second = timed("We went home.", first.end + 30)
    cues = shape([first, second], DEFAULT)
    assert_valid(cues, [first, second])
    assert len(cues) == 2
    assert cues[1].start == second.start
    assert cues[1].start - cues[0].end == DEFAULT.min_gap()
    assert cues[0].words[-1].end == cues[0].end  # the last word was squeezed, not dropped
    assert [w.text for w in cues[0].words] == [w.text for w in first.words]


def test_gap_with_frames_at_the_given_rate():
    netflix = load_profile("netflix-en")
    first = timed("It was very late.", 0)
    second = timed("We went home.", first.end + 10)
    cues = shape([first, second], netflix, fps=25)
    assert cues[1].start - cues[0].end >= 80  # two frames at 25 fps
    assert all(t % 40 == 0 for c in cues for t in (c.start, c.end))


def test_frame_snapping():
    seg = timed("Frames make every time a multiple of one frame. "
                "Even the second sentence, which is a little longer.", start=1013)
    for fps in (25.0, 23.976, 29.97):
        cues = shape([seg], DEFAULT, fps=fps)
        assert_valid(cues, [seg])
        grid = {frames_to_ms(k, fps) for k in range(int(20 * fps))}
        for c in cues:
            assert c.start in grid and c.end in grid
            assert c.duration >= DEFAULT.min_duration_ms
        for a, b in zip(cues, cues[1:], strict=False):
            assert b.start - a.end >= DEFAULT.min_gap(fps)
        assert not [v for v in check(cues, DEFAULT, fps=fps) if v.rule != "cps"]


def test_speakers_are_never_merged():
    a = timed("Hi.", 0, speaker="A")
    b = timed("Hello.", a.end + 20, speaker="B")
    c = timed("How are you?", b.end + 20, speaker="A")
    cues = shape([a, b, c], DEFAULT)
    assert [(x.speaker, x.text) for x in cues] == [("A", "Hi."), ("B", "Hello."), ("A", "How are you?")]


def test_segments_of_one_speaker_are_regrouped():
    a = timed("and so my fellow", 0, speaker="A", language="en")
    b = timed("Americans, ask not", a.end + 30, speaker="A", language="en")
    cues = shape([a, b], DEFAULT)
    assert [x.text for x in cues] == ["and so my fellow Americans, ask not"]
    assert cues[0].speaker == "A" and cues[0].language == "en"
    assert cues[0].id == a.id  # the cue that starts a segment keeps its id


def test_article_and_noun_stay_together():
    # Balanced lines would split "the | committee" (31/35 characters).
    seg = timed("We need to find out whether the committee approved the new budget")
    cues = shape([seg], DEFAULT)
    assert len(cues) == 1
    top, bottom = lines(cues[0])
    assert not top.endswith(" the")
    assert top.endswith("whether") and bottom.startswith("the committee")


def test_first_and_last_name_stay_together():
    seg = timed("In the end we all agreed that Mary Elizabeth Johnson deserved the prize")
    (cue,) = shape([seg], DEFAULT)
    assert "Mary\n" not in cue.text and "Elizabeth\n" not in cue.text


def test_two_lines_are_balanced_bottom_heavy():
    seg = timed("zinc iron gold lead neon salt sand clay silt")  # 44 characters
    (cue,) = shape([seg], DEFAULT)
    top, bottom = lines(cue)
    assert (top, bottom) == ("zinc iron gold lead", "neon salt sand clay silt")


def test_a_word_longer_than_a_line_is_kept_whole():
    long = "Pneumonoultramicroscopicsilicovolcanoconiosis-like"  # 50 characters
    seg = timed(f"He said {long} twice", ms_per_char=60)
    cues = shape([seg], DEFAULT)
    assert_valid(cues, [seg])
    assert any(line == long for c in cues for line in lines(c))
    assert [v.rule for v in check(cues, DEFAULT)].count("line_length") == 1


def test_cjk_text_is_counted_without_spaces():
    ja = load_profile("netflix-ja")
    text = "今日はとても良い天気ですね。散歩に行きましょうか、それとも家でゆっくり休みますか。"
    texts = split_words(text)
    words = words_at(texts, ms_per_char=300, gap=0)
    seg = Segment(0, words[-1].end, text, tuple(words), language="ja")
    cues = shape([seg], ja)
    assert_valid(cues, [seg])
    assert "".join(c.text.replace("\n", "") for c in cues) == text
    assert all(" " not in c.text for c in cues)
    for c in cues:
        assert max(line_lengths(c.text, ja)) <= 13
    assert cues[0].text.replace("\n", "").endswith("。")  # the sentence end is a cue end
    assert line_lengths("日本語 です", ja) == [5]
    assert cps(Segment(0, 1000, "日本語 です"), ja) == 5.0
    assert cps(Segment(0, 1000, "日本語 です"), load_profile("netflix-en")) == 6.0


def test_chinese_profile_limits_lines():
    zh = load_profile("netflix-zh")
    text = "我们明天早上八点在学校门口见面，然后一起去公园散步，下午再去图书馆看书。"
    texts = split_words(text)
    words = words_at(texts, ms_per_char=150, gap=0)
    seg = Segment(0, words[-1].end, text, tuple(words), language="zh")
    cues = shape([seg], zh)
    assert_valid(cues, [seg])
    assert "".join(c.text.replace("\n", "") for c in cues) == text
    for c in cues:
        assert len(lines(c)) <= 2 and max(line_lengths(c.text, zh)) <= 16
        assert cps(c, zh) <= 9


def test_segment_without_words_is_shaped_by_text():
    text = ("This imported line has no word times at all, so the shaper shares "
            "the time out by word length and still keeps every word in order.")
    seg = Segment(10_000, 19_000, text)
    cues = shape([seg], DEFAULT)
    assert len(cues) >= 2
    assert " ".join(c.text.replace("\n", " ") for c in cues) == text
    for c in cues:
        check_segment(c)
        assert c.words == ()
        assert c.has(TIMES_ESTIMATED)
        assert 10_000 <= c.start < c.end
    assert cues[0].start == 10_000 and cues[-1].end <= 19_000 + DEFAULT.tail_ms


def test_untimed_segment_keeps_its_times():
    seg = Segment(0, 8000, "An untimed script line that is longer than one cue can hold, "
                  "so it is cut in two pieces.", flags=frozenset({UNTIMED}))
    cues = shape([seg], DEFAULT)
    assert len(cues) == 2
    assert cues[0].start == 0 and cues[-1].end == 8000
    assert all(c.has(UNTIMED) for c in cues)


def test_translation_is_shared_between_pieces():
    text = ("The weather was lovely this morning, so we decided to walk along the coast "
            "all the way to the lighthouse.")
    seg = timed(text).replace(translation="Il faisait beau ce matin, alors nous avons "
                              "marché le long de la côte jusqu'au phare.")
    cues = shape([seg], DEFAULT)
    assert len(cues) == 2
    assert " ".join(c.translation for c in cues) == seg.translation


def test_empty_segment_passes_through():
    empty = Segment(5000, 6000, "")
    seg = timed("Hello there.", 0)
    cues = shape([seg, empty], DEFAULT)
    assert empty in cues and len(cues) == 2


def test_profile_by_name():
    seg = timed("Hello there, how are you today?")
    assert [c.text for c in shape([seg], "bbc")] == [c.text for c in shape([seg], load_profile("bbc"))]


def test_overlapping_speakers_keep_their_overlap():
    a = timed("I was saying something rather long", 0, speaker="A")
    b = timed("Wait!", 500, speaker="B")
    cues = shape([a, b], DEFAULT)
    assert_valid(cues, sorted([a, b], key=lambda s: s.start))
    assert {c.speaker for c in cues} == {"A", "B"}
    assert "overlap" in {v.rule for v in check(cues, DEFAULT)}
