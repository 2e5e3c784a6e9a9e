from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.core.model import Segment, Word, check_segment, word_spans
from app.core.words import distribute, fill_missing, retime_text, split_words, tokenize


def test_tokenize_latin_and_cjk():
    assert split_words("Hello,  world!") == ["Hello,", "world!"]
    assert split_words("我爱你。") == ["我", "爱", "你。"]
    assert split_words("Qwen3 说：你好") == ["Qwen3", "说：", "你", "好"]


@given(st.text())
def test_tokens_compose_text(text):
    words = [Word(text[s:e], 0, 0) for s, e in tokenize(text)]
    assert word_spans(text, words) is not None


def test_retime_keeps_unchanged_words():
    old = (Word("ask", 0, 300), Word("not", 350, 600), Word("what", 700, 1000))
    words, changed = retime_text("ask not WHAT", old, 0, 1000)
    assert changed
    assert words[0] == old[0] and words[1] == old[1]
    assert words[2].estimated and words[2].start >= 600 and words[2].end <= 1000
    same, changed = retime_text("ask not what", old, 0, 1000)
    assert not changed and tuple(same) == old


@given(st.lists(st.one_of(st.none(), st.integers(0, 9000)), max_size=12))
def test_fill_missing_monotonic(marks):
    words = []
    last = 0
    for i, m in enumerate(marks):
        if m is None or m < last:
            words.append(None)
        else:
            words.append(Word(f"w{i}", m, m + 10))
            last = m + 10
    texts = [f"w{i}" for i in range(len(marks))]
    out = fill_missing(words, texts, 0, 10_000)
    assert [w.text for w in out] == texts
    seg = Segment(0, 10_000, " ".join(texts), tuple(out))
    check_segment(seg)


def test_distribute_covers_range():
    ws = distribute(["a", "longer", "b"], 1000, 2000)
    assert ws[0].start == 1000 and ws[-1].end == 2000
    assert all(w.estimated for w in ws)
    assert ws[1].duration > ws[0].duration
