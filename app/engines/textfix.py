"""Text repairs for engine output: repetition loops and echoes of the context prompt.

Each function returns the repaired text and the pieces it removed, so callers can record
every removal (the pipeline's cleanup log lets the user restore them).
"""

from __future__ import annotations

import difflib
import re
import unicodedata

from app.core.words import is_cjk_char, tokenize

MIN_REPEATS = 3  # a phrase said this many times in a row is a loop...
MIN_LOOP_WORDS = 6  # ...when the repeats cover at least this many words ("no, no, no" stays)
MAX_PHRASE_WORDS = 16
MIN_ECHO_WORDS = 5  # a run of the context prompt this long in the output is an echo

_JOINERS = re.compile(r"[\s]+")


def norm_word(text: str) -> str:
    """A word reduced for comparison: lowercase letters and digits only."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold()
                   if c.isalnum() or is_cjk_char(c))


def _words(text: str) -> tuple[list[tuple[int, int]], list[str]]:
    spans = tokenize(text)
    keys = [norm_word(text[s:e]) for s, e in spans]
    keep = [(sp, k) for sp, k in zip(spans, keys, strict=True) if k]
    return [sp for sp, _ in keep], [k for _, k in keep]


def _core_end(text: str, start: int, end: int) -> int:
    """End of a word's letters, before punctuation glued to it."""
    while end > start + 1 and not norm_word(text[end - 1]):
        end -= 1
    return end


def _best_loop(keys: list[str], i: int) -> tuple[int, int]:
    """``(phrase_len, repeats)`` of the longest-covering loop starting at word ``i``."""
    best = (0, 0)
    n_words = len(keys)
    for n in range(1, min(MAX_PHRASE_WORDS, (n_words - i) // MIN_REPEATS) + 1):
        phrase = keys[i:i + n]
        k = 1
        while keys[i + k * n:i + (k + 1) * n] == phrase:
            k += 1
        if k >= MIN_REPEATS and n * k >= MIN_LOOP_WORDS and n * k > best[0] * best[1]:
            best = (n, k)
    return best


def collapse_repeats(text: str) -> tuple[str, list[str]]:
    """Keep one copy of any phrase repeated :data:`MIN_REPEATS`+ times in a row.

    ``"I think. I think. I think. I think. So"`` becomes ``"I think. So"``.
    """
    spans, keys = _words(text)
    if len(keys) < MIN_LOOP_WORDS:
        return text, []
    pieces: list[str] = []
    removed: list[str] = []
    pos = 0  # next character of ``text`` not yet copied
    i = 0
    while i < len(keys):
        n, k = _best_loop(keys, i)
        if not k:
            i += 1
            continue
        keep_end = _core_end(text, *spans[i + n - 1])
        word_end = _core_end(text, *spans[i + n * k - 1])
        last_end = word_end
        # the punctuation after the last copy stays ("thank you. Yes", not "thank you Yes")
        while last_end < len(text) and not text[last_end].isspace() \
                and not norm_word(text[last_end]):
            last_end += 1
        pieces.append(text[pos:keep_end] + text[word_end:last_end])
        gone = text[keep_end:word_end]
        while gone and not norm_word(gone[0]):
            gone = gone[1:]
        removed.append(gone.strip())
        pos = last_end
        i += n * k
    pieces.append(text[pos:])
    out = "".join(pieces)
    return _tidy(out, text), removed


def strip_echo(text: str, context: str | None) -> tuple[str, list[str]]:
    """Remove runs of the context prompt that the engine repeated in its output.

    A run is an echo when it is :data:`MIN_ECHO_WORDS`+ words of the prompt in order, or
    the whole output equals the whole prompt (two words or more).
    """
    if not context or not context.strip() or not text.strip():
        return text, []
    _, ctx_keys = _words(context)
    removed: list[str] = []
    for _ in range(8):  # a few echoes at most
        spans, keys = _words(text)
        if not keys or not ctx_keys:
            break
        if keys == ctx_keys and len(keys) >= 2:
            removed.append(text.strip())
            return "", removed
        m = difflib.SequenceMatcher(a=keys, b=ctx_keys, autojunk=False).find_longest_match(
            0, len(keys), 0, len(ctx_keys))
        if m.size < MIN_ECHO_WORDS:
            break
        s = spans[m.a][0]
        e = spans[m.a + m.size - 1][1]
        while e < len(text) and not text[e].isspace() and not norm_word(text[e]):
            e += 1
        removed.append(text[s:e].strip())
        text = _tidy(text[:s] + text[e:], text)
    return text, removed


def _tidy(new: str, original: str) -> str:
    """Collapse doubled spaces a removal left (never adds spaces to CJK text)."""
    new = _JOINERS.sub(" ", new) if " " in original else new
    return new.strip()
