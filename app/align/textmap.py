"""The user's text against what an aligner can time.

The text is never changed: it is split with :func:`app.core.words.split_words`, every word is
given a time, and the words compose the text byte for byte.  Aligners time what they can
("timeable" words); the rest (numbers written as digits, symbols, emoji, words that tokenise
to nothing) get times interpolated between their neighbours and ``estimated=True``.

Aligners that rewrite the text (the Qwen aligner drops punctuation and splits CJK into
characters) report items that :func:`map_items` puts back onto the user's words.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from app.core.model import Word
from app.core.words import distribute, fill_missing, split_words


@dataclass
class Timing:
    """An aligner's time for one word, in ms relative to the window's first sample."""

    start: float
    end: float
    probability: float | None = None
    estimated: bool = False


def has_letter(word: str) -> bool:
    """Whether a word has a letter (of any script): only such words are spoken as written."""
    return any(unicodedata.category(c).startswith("L") for c in word)


def has_alnum(word: str) -> bool:
    return any(unicodedata.category(c)[0] in "LN" for c in word)


def timeable(word: str) -> bool:
    """Words an aligner can time from its own sound: those with letters.

    Digits ("2026", "£13.60") are read aloud in words the text does not show, and symbols,
    emoji and punctuation are not spoken at all: their times are estimated.
    """
    return has_letter(word)


def normalise(word: str) -> str:
    """Lower-case letters, digits and apostrophes: what the Qwen aligner keeps of a word."""
    out = []
    for c in unicodedata.normalize("NFKC", word).lower():
        cat = unicodedata.category(c)
        if cat[0] in "LN" or c in "'’":
            out.append("'" if c == "’" else c)
    return "".join(out)


def map_items(words: Sequence[str], items: Sequence[tuple[str, float, float]]) -> list[Timing | None]:
    """Times of the user's ``words`` from an aligner's ``items`` ``(text, start_ms, end_ms)``.

    Both sides are normalised and matched character by character, so items that split or
    join words differently (CJK characters, hyphenated words, dropped punctuation) still land
    on the right words.  A word gets the span of the items whose characters matched it; words
    that matched nothing get ``None``.
    """
    a_chars: list[str] = []
    a_word: list[int] = []
    for i, w in enumerate(words):
        for c in normalise(w):
            a_chars.append(c)
            a_word.append(i)
    b_chars: list[str] = []
    b_item: list[int] = []
    for k, (text, _s, _e) in enumerate(items):
        for c in normalise(text):
            b_chars.append(c)
            b_item.append(k)
    spans: list[list[float] | None] = [None] * len(words)
    if not a_chars or not b_chars:
        return [None] * len(words)
    matcher = difflib.SequenceMatcher(a=a_chars, b=b_chars, autojunk=False)
    for ai, bi, size in matcher.get_matching_blocks():
        for k in range(size):
            w = a_word[ai + k]
            _t, s, e = items[b_item[bi + k]]
            cur = spans[w]
            if cur is None:
                spans[w] = [float(s), float(e)]
            else:
                cur[0] = min(cur[0], float(s))
                cur[1] = max(cur[1], float(e))
    # a word counts as timed when most of its characters matched
    matched = [0] * len(words)
    for ai, _bi, size in matcher.get_matching_blocks():
        for k in range(size):
            matched[a_word[ai + k]] += 1
    out: list[Timing | None] = []
    for i, w in enumerate(words):
        span = spans[i]
        n = len(normalise(w))
        if span is None or n == 0 or matched[i] * 2 < n:
            out.append(None)
        else:
            out.append(Timing(span[0], span[1]))
    return out


def repair(timings: Sequence[Timing | None], lo: float, hi: float) -> list[Timing | None]:
    """Timings made monotonic and non-overlapping inside ``[lo, hi]``.

    Times are clamped to the window (aligners report past-the-end values); a timing that
    starts before the previous one ends is cut to start there (it may be left with no
    length: it is lengthened later); one repeating the previous word's start (a reported
    failure of the Qwen aligner, #55/#197) is dropped (``None``) to be estimated.
    """
    out: list[Timing | None] = []
    prev_end = lo
    prev_start: float | None = None
    for t in timings:
        if t is None:
            out.append(None)
            continue
        if prev_start is not None and abs(t.start - prev_start) < 1e-6:
            k = max(i for i, o in enumerate(out) if o is not None)
            prev = out[k]
            assert prev is not None
            if prev.end > prev.start or t.end <= t.start:
                out.append(None)  # keep the earlier word, estimate this one
                continue
            out[k] = None  # the earlier word had no length: it is the one estimated
            prev_end = prev.start
        s = max(min(max(t.start, lo), hi), prev_end)
        e = max(min(max(t.end, lo), hi), s)
        out.append(Timing(s, e, t.probability, t.estimated))
        prev_end, prev_start = e, t.start
    return out


def words_from_timings(texts: Sequence[str], timings: Sequence[Timing | None], lo: float,
                       hi: float, offset: int = 0, min_ms: int = 20) -> list[Word]:
    """Words for ``texts``: timed where ``timings`` has a time, interpolated elsewhere.

    Times are ms relative to the window (``[lo, hi]``) and come out absolute (``+ offset``),
    monotonic, non-overlapping, inside the window.  Interpolated words are ``estimated``; a
    word squeezed to no length borrows up to ``min_ms`` from a longer neighbour.
    """
    fixed = repair(timings, lo, hi)
    rounded: list[Word | None] = []
    last = int(round(lo))
    for text, t in zip(texts, fixed, strict=True):
        if t is None:
            rounded.append(None)
            continue
        s = max(last, int(round(t.start)))
        e = max(s, int(round(t.end)))
        rounded.append(Word(text, s, e, t.probability, t.estimated))
        last = e
    words = fill_missing(rounded, list(texts), int(round(lo)), max(last, int(round(hi))))
    words = _lengthen(words, int(round(lo)), int(round(hi)), min_ms)
    return [w.shifted(offset) for w in words]


def _lengthen(words: list[Word], lo: int, hi: int, min_ms: int) -> list[Word]:
    """Give zero-length words time: each one and the estimated words around it are spread
    again over their span, widened (up to a third of each timed neighbour) to allow
    ``min_ms`` a word.  Words that get new times are ``estimated``."""
    out = list(words)
    for i in range(len(out)):
        if out[i].end > out[i].start:
            continue
        a = b = i
        while a > 0 and (out[a - 1].estimated or out[a - 1].duration == 0):
            a -= 1
        while b + 1 < len(out) and (out[b + 1].estimated or out[b + 1].duration == 0):
            b += 1
        left = out[a - 1].end if a > 0 else lo
        right = out[b + 1].start if b + 1 < len(out) else hi
        need = min_ms * (b - a + 1) - (right - left)
        if need > 0 and a > 0:
            prv = out[a - 1]
            take = min(prv.duration // 3, need)
            out[a - 1] = Word(prv.text, prv.start, prv.end - take, prv.probability, prv.estimated)
            left -= take
            need -= take
        if need > 0 and b + 1 < len(out):
            nxt = out[b + 1]
            take = min(nxt.duration // 3, need)
            out[b + 1] = Word(nxt.text, nxt.start + take, nxt.end, nxt.probability, nxt.estimated)
            right += take
        spread = distribute([w.text for w in out[a:b + 1]], left, max(left, right))
        for k, w in enumerate(spread):
            old = out[a + k]
            out[a + k] = Word(w.text, w.start, w.end, old.probability, True)
    return out


def split_by_counts(words: Sequence[Word], texts: Sequence[str]) -> list[list[Word]]:
    """Cut the words of joined texts back into one list per text."""
    out: list[list[Word]] = []
    k = 0
    for t in texts:
        n = len(split_words(t))
        out.append(list(words[k:k + n]))
        k += n
    return out
