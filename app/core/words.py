"""Words inside a segment's text: splitting text into words, keeping times across edits,
and estimating times for words that have none.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence

from app.core.model import Word

_SPACE_RE = re.compile(r"\S+")


def is_cjk_char(ch: str) -> bool:
    """Characters of scripts written without spaces between words."""
    if not ch:
        return False
    cp = ord(ch)
    return (
        0x3040 <= cp <= 0x30FF  # hiragana, katakana
        or 0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF  # CJK unified
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x2FA1F
        or 0x0E00 <= cp <= 0x0E7F  # Thai
    )


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


def tokenize(text: str) -> list[tuple[int, int]]:
    """Character spans of the words of ``text``.

    Words are runs of non-space characters; inside a run, each CJK character is its own word
    (trailing punctuation stays attached to the character before it).
    """
    spans: list[tuple[int, int]] = []
    for m in _SPACE_RE.finditer(text):
        s, e = m.span()
        run = text[s:e]
        if not any(is_cjk_char(c) for c in run):
            spans.append((s, e))
            continue
        i = s
        cur_start = s
        cur_has_cjk = False
        while i < e:
            ch = text[i]
            if is_cjk_char(ch):
                if i > cur_start and (cur_has_cjk or not _all_punct(text[cur_start:i])):
                    spans.append((cur_start, i))
                    cur_start = i
                cur_has_cjk = True
            elif cur_has_cjk and not _is_punct(ch):
                spans.append((cur_start, i))
                cur_start = i
                cur_has_cjk = False
            i += 1
        if cur_start < e:
            spans.append((cur_start, e))
    return spans


def _all_punct(s: str) -> bool:
    return all(_is_punct(c) for c in s)


def split_words(text: str) -> list[str]:
    return [text[s:e] for s, e in tokenize(text)]


def word_weight(text: str) -> float:
    """A rough spoken length of a word, used to share time between untimed words."""
    letters = sum(1 for c in text if c.isalnum())
    return float(max(1, letters)) + 0.5


def distribute(texts: Sequence[str], start: int, end: int, estimated: bool = True) -> list[Word]:
    """Spread words over ``[start, end]`` in proportion to their length."""
    if not texts:
        return []
    end = max(start, end)
    weights = [word_weight(t) for t in texts]
    total = sum(weights)
    out: list[Word] = []
    acc = 0.0
    span = end - start
    for t, w in zip(texts, weights, strict=True):
        s = start + int(round(span * acc / total))
        acc += w
        e = start + int(round(span * acc / total))
        out.append(Word(t, s, max(s, e), None, estimated))
    return out


def fill_missing(words: Sequence[Word | None], texts: Sequence[str], start: int, end: int) -> list[Word]:
    """Give every ``None`` in ``words`` a time interpolated between its timed neighbours.

    ``texts`` holds each position's text.  Result words are monotonic and inside
    ``[start, end]``; filled ones are ``estimated``.
    """
    out: list[Word | None] = list(words)
    n = len(out)
    i = 0
    while i < n:
        if out[i] is not None:
            i += 1
            continue
        j = i
        while j < n and out[j] is None:
            j += 1
        left = out[i - 1].end if i > 0 else start  # type: ignore[union-attr]
        right = out[j].start if j < n else end  # type: ignore[union-attr]
        right = max(left, right)
        for k, w in enumerate(distribute(texts[i:j], left, right)):
            out[i + k] = w
        i = j
    return [w for w in out if w is not None]


def retime_text(new_text: str, old_words: Sequence[Word], start: int, end: int) -> tuple[list[Word], bool]:
    """Words for ``new_text`` keeping the times of the words that did not change.

    Returns ``(words, changed)``; ``changed`` is False when the word sequence is the same.
    Words that are new or changed get times interpolated from their kept neighbours and are
    marked ``estimated``.
    """
    new_texts = split_words(new_text)
    old_texts = [w.text for w in old_words]
    if new_texts == old_texts:
        return list(old_words), False
    matcher = difflib.SequenceMatcher(a=old_texts, b=new_texts, autojunk=False)
    kept: list[Word | None] = [None] * len(new_texts)
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            kept[b + k] = old_words[a + k]
    # Keep only monotonic, in-range kept words (matching blocks are ordered already).
    last_end = start
    for idx, w in enumerate(kept):
        if w is None:
            continue
        if w.start < last_end or w.end > end:
            kept[idx] = None
        else:
            last_end = w.end
    return fill_missing(kept, new_texts, start, end), True


def clamp_words(words: Sequence[Word], start: int, end: int) -> list[Word]:
    """Fit words into ``[start, end]`` keeping their order (times are squeezed, not dropped)."""
    out: list[Word] = []
    prev = start
    for w in words:
        s = min(max(w.start, prev), end)
        e = min(max(w.end, s), end)
        est = w.estimated or (s, e) != (w.start, w.end)
        out.append(Word(w.text, s, e, w.probability, est))
        prev = e
    return out


def scale_words(words: Sequence[Word], old_start: int, old_end: int, new_start: int, new_end: int) -> list[Word]:
    """Map word times from one segment range onto another, proportionally."""
    old_span = old_end - old_start
    new_span = new_end - new_start
    out = []
    for w in words:
        if old_span <= 0:
            s = e = new_start
        else:
            s = new_start + int(round((w.start - old_start) * new_span / old_span))
            e = new_start + int(round((w.end - old_start) * new_span / old_span))
        out.append(Word(w.text, s, max(s, e), w.probability, w.estimated))
    return clamp_words(out, new_start, new_end)


def compose_words(text: str, engine_words: Sequence[Word], start: int, end: int) -> list[Word]:
    """Words that compose ``text`` exactly, timed from ``engine_words`` where they match.

    Engine words holding several of Cueline's words (a CJK token of two characters) are
    spread over their own time span; words the engine did not time are interpolated
    (``estimated``).  The result is clamped into ``[start, end]`` and monotonic.
    """
    texts = split_words(text)
    if not texts:
        return []
    expanded: list[Word] = []
    for w in engine_words:
        subs = split_words(w.text)
        if len(subs) == 1:
            expanded.append(Word(subs[0], w.start, max(w.start, w.end), w.probability,
                                 w.estimated))
        elif subs:
            for sub in distribute(subs, w.start, max(w.start, w.end)):
                expanded.append(Word(sub.text, sub.start, sub.end, w.probability, True))
    if not expanded:
        return distribute(texts, start, end)
    if [w.text for w in expanded] == texts:
        words = expanded
    else:
        words, _ = retime_text(text, expanded, min(start, expanded[0].start),
                               max(end, expanded[-1].end))
    return clamp_words(words, start, end)
