"""Building a cue's plain text (and its word times, when the file has them) from markup.

Readers feed :class:`TimedText` the visible text of a cue piece by piece, starting a new time
chunk at each karaoke tag or inline timestamp.  :meth:`TimedText.build` then cleans the text the
same way for every format (line ends to ``\\n``, each line stripped, empty lines dropped, control
characters removed) and maps each word onto the chunk(s) its characters came from, so word times
survive the cleaning exactly.
"""

from __future__ import annotations

import re
import unicodedata

from app.core.model import Word
from app.core.words import clamp_words, distribute, tokenize

# HTML-like tags found in SRT files (and WebVTT ones) that carry styling only.
HTML_TAG_RE = re.compile(
    r"</?(?:i|b|u|s|em|strong|font|span|c|v|ruby|rt|lang|br)(?:[\s.][^<>]*)?/?>", re.IGNORECASE
)
# ASS override blocks such as {\an8} or {\i1}, common in SRT files converted from ASS.
ASS_BLOCK_RE = re.compile(r"\{\\[^{}]*\}")


def strip_markup(text: str) -> str:
    """Remove SRT styling tags and ASS override blocks, keeping the text between them."""
    text = ASS_BLOCK_RE.sub("", text)
    return HTML_TAG_RE.sub("", text)


def normalize_text(text: str) -> str:
    """The text every subtitle reader returns for ``text``: what "keeps text" means.

    Line ends become ``\\n``; control characters are removed and tabs become spaces; each line is
    stripped of surrounding whitespace; empty lines are dropped.
    """
    tt = TimedText(0, 0)
    tt.add(text)
    return tt.build()[0]


def _clean_char(ch: str) -> str:
    if ch == "\t":
        return " "
    if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs"):
        return ch
    return ""


class TimedText:
    """Text of one cue with optional time chunks (see the module docstring)."""

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end
        self._chars: list[str] = []
        self._chunk_of: list[int] = []
        self._starts: list[int] = [start]
        self._ends: list[int | None] = [None]
        self.timed = False

    def mark(self, start: int, end: int | None = None) -> None:
        """Text added from now on is spoken from ``start`` (to ``end``, or the next mark)."""
        self._starts.append(start)
        self._ends.append(end)
        self.timed = True

    def add(self, text: str) -> None:
        k = len(self._starts) - 1
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        for ch in text:
            ch = _clean_char(ch)
            if ch:
                self._chars.append(ch)
                self._chunk_of.append(k)

    def build(self) -> tuple[str, tuple[Word, ...]]:
        """The cleaned text and its words (empty when no time marks were given)."""
        chars: list[str] = []
        chunk_of: list[int] = []
        line: list[tuple[str, int]] = []

        def flush() -> None:
            lo, hi = 0, len(line)
            while lo < hi and line[lo][0].isspace():
                lo += 1
            while hi > lo and line[hi - 1][0].isspace():
                hi -= 1
            if lo == hi:
                return
            if chars:
                chars.append("\n")
                chunk_of.append(-1)
            for ch, k in line[lo:hi]:
                chars.append(ch)
                chunk_of.append(k)

        for ch, k in zip(self._chars, self._chunk_of, strict=True):
            if ch == "\n":
                flush()
                line = []
            else:
                line.append((ch, k))
        flush()
        text = "".join(chars)
        if not self.timed or not text:
            return text, ()
        return text, tuple(self._words(text, chunk_of))

    def _chunk_ranges(self) -> list[tuple[int, int]]:
        n = len(self._starts)
        out = []
        for k in range(n):
            s = min(max(self._starts[k], self.start), self.end)
            e = self._ends[k]
            if e is None:
                e = self._starts[k + 1] if k + 1 < n else self.end
            e = min(max(e, s), self.end)
            out.append((s, e))
        return out

    def _words(self, text: str, chunk_of: list[int]) -> list[Word]:
        ranges = self._chunk_ranges()
        spans = tokenize(text)
        words: list[Word] = []
        i = 0
        while i < len(spans):
            s, e = spans[i]
            c0, c1 = chunk_of[s], chunk_of[e - 1]
            if c0 != c1:
                words.append(Word(text[s:e], ranges[c0][0], ranges[c1][1]))
                i += 1
                continue
            j = i + 1
            while j < len(spans) and chunk_of[spans[j][0]] == c0 and chunk_of[spans[j][1] - 1] == c0:
                j += 1
            lo, hi = ranges[c0]
            if j - i == 1:
                words.append(Word(text[s:e], lo, hi))
            else:  # several words in one chunk: share its time
                words.extend(distribute([text[a:b] for a, b in spans[i:j]], lo, hi))
            i = j
        return clamp_words(words, self.start, self.end)
