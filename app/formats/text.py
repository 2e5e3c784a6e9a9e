"""Building a cue's plain text (and its word times, when the file has them) from markup.

Readers feed :class:`TimedText` the visible text of a cue piece by piece, starting a new time
chunk at each karaoke tag or inline timestamp.  :meth:`TimedText.build` then cleans the text the
same way for every format (line ends to ``\\n``, each line stripped, empty lines dropped, control
characters removed) and maps each word onto the chunk(s) its characters came from, so word times
survive the cleaning exactly.
"""

from __future__ import annotations

import re
from bisect import bisect_right

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


# Characters a cue never keeps: control characters (C0, DEL, C1) but the line feed, and lone
# surrogates (they cannot be saved as UTF-8); a tab becomes a space.
_DROP_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _DROP_RE.sub("", text)


class TimedText:
    """Text of one cue with optional time chunks (see the module docstring).

    The text is kept as whole pieces, one per :meth:`add`, never character by character: a
    list of one-character strings (and of their chunk numbers) cost 35 bytes per character of
    Latin text and 126 of CJK text, so one 64 MiB cue took 2-8 GB.  Now a cue costs a few
    copies of its text; the chunk of a character is found by bisecting the piece offsets.
    """

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end
        self._pieces: list[str] = []
        self._piece_chunk: list[int] = []
        self._starts: list[int] = [start]
        self._ends: list[int | None] = [None]
        self.timed = False

    def mark(self, start: int, end: int | None = None) -> None:
        """Text added from now on is spoken from ``start`` (to ``end``, or the next mark)."""
        self._starts.append(start)
        self._ends.append(end)
        self.timed = True

    def add(self, text: str) -> None:
        text = _clean(text)
        if text:
            self._pieces.append(text)
            self._piece_chunk.append(len(self._starts) - 1)

    def build(self) -> tuple[str, tuple[Word, ...]]:
        """The cleaned text and its words (empty when no time marks were given)."""
        raw = "".join(self._pieces)
        if not self.timed:
            return "\n".join(line for line in (x.strip() for x in raw.split("\n")) if line), ()
        # kept lines as (offset in the result, offset in raw, length)
        spans: list[tuple[int, int, int]] = []
        lines: list[str] = []
        pos = out = 0
        for line in raw.split("\n"):
            lo = len(line) - len(line.lstrip())
            kept = line.strip()
            if kept:
                if lines:
                    out += 1  # the "\n" between kept lines
                spans.append((out, pos + lo, len(kept)))
                lines.append(kept)
                out += len(kept)
            pos += len(line) + 1
        text = "\n".join(lines)
        if not text:
            return text, ()
        piece_starts: list[int] = []
        at = 0
        for piece in self._pieces:
            piece_starts.append(at)
            at += len(piece)
        span_starts = [sp[0] for sp in spans]

        def chunk_at(i: int) -> int:
            """The time chunk the character at ``i`` of ``text`` came from."""
            k = bisect_right(span_starts, i) - 1
            res, raw_at, _n = spans[k]
            j = raw_at + (i - res)
            return self._piece_chunk[bisect_right(piece_starts, j) - 1]

        return text, tuple(self._words(text, chunk_at))

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

    def _words(self, text: str, chunk_at) -> list[Word]:
        ranges = self._chunk_ranges()
        spans = tokenize(text)
        words: list[Word] = []
        i = 0
        while i < len(spans):
            s, e = spans[i]
            c0, c1 = chunk_at(s), chunk_at(e - 1)
            if c0 != c1:
                words.append(Word(text[s:e], ranges[c0][0], ranges[c1][1]))
                i += 1
                continue
            j = i + 1
            while j < len(spans) and chunk_at(spans[j][0]) == c0 and chunk_at(spans[j][1] - 1) == c0:
                j += 1
            lo, hi = ranges[c0]
            if j - i == 1:
                words.append(Word(text[s:e], lo, hi))
            else:  # several words in one chunk: share its time
                words.extend(distribute([text[a:b] for a, b in spans[i:j]], lo, hi))
            i = j
        return clamp_words(words, self.start, self.end)
