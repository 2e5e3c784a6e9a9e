"""Building word-timed segments for the subtitle tests."""

from __future__ import annotations

from collections.abc import Sequence

from app.core.model import Segment, Word
from app.core.words import split_words


def words_at(texts: Sequence[str], start: int = 0, ms_per_char: int = 60, gap: int = 40,
             pauses: dict[int, int] | None = None) -> list[Word]:
    """Words spoken one after another: ``ms_per_char`` each character plus 80 ms, ``gap``
    between words, and ``pauses[k]`` ms of silence before word ``k``."""
    out: list[Word] = []
    t = start
    for k, text in enumerate(texts):
        if k:
            t += (pauses or {}).get(k, gap)
        d = 80 + ms_per_char * len(text)
        out.append(Word(text, t, t + d))
        t += d
    return out


def timed(text: str, start: int = 0, speaker: str | None = None, language: str | None = None,
          sep: str = " ", **kw) -> Segment:
    """A segment whose words are the words of ``text`` (see :func:`words_at` for ``kw``)."""
    texts = split_words(text)
    words = words_at(texts, start, **kw)
    return Segment(words[0].start, words[-1].end, sep.join(texts), tuple(words),
                   speaker=speaker, language=language)


def all_words(cues: Sequence[Segment]) -> list[str]:
    return [w.text for c in cues for w in c.words]


def lines(cue: Segment) -> list[str]:
    return cue.text.split("\n")
