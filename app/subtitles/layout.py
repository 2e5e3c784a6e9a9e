"""Breaking one cue's words into lines.

A cue's text stays on one line when it fits.  Otherwise the break goes where the language
allows it (after punctuation, before a conjunction or preposition, never between an article
and its noun...) and the two lines are balanced, a longer bottom line being preferred to a
longer top line (the "pyramid" layout).  A word longer than a line is never cut: it gets a
line of its own, too long.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.core.model import Segment
from app.subtitles.language import Boundary, boundaries
from app.subtitles.measure import split_text
from app.subtitles.profiles import Profile

OVERFLOW_COST = 100_000.0  # a line past the hard limit (with more than one word on it)
SOFT_OVER_COST = 3.0  # per character past the preferred line length
TOP_HEAVY_COST = 1.5  # per character the top line is longer than the bottom line
BOTTOM_HEAVY_COST = 0.5  # per character the bottom line is longer than the top line
SENTENCE_BREAK = 25.0
CLAUSE_BREAK = 15.0
LINK_BREAK = 6.0


@dataclass(frozen=True, slots=True)
class Layout:
    cost: float
    breaks: tuple[int, ...]  # indexes of the words that start a new line
    overflow: int  # characters past the limit on lines holding more than one word


def line_break_cost(b: Boundary) -> float:
    """The cost of a line break at a boundary (negative: a good place)."""
    return b.glue - SENTENCE_BREAK * b.sentence - CLAUSE_BREAK * b.clause - LINK_BREAK * b.link


class LineBreaker:
    """Lays out any run ``[i, j)`` of a sequence of words."""

    def __init__(self, texts: Sequence[str], seps: Sequence[str], bounds: Sequence[Boundary],
                 profile: Profile, extra: Sequence[float] | None = None) -> None:
        """``extra[k]`` is added to the cost of a line break before word ``k`` (a pause in
        the speech makes a break there better, for instance)."""
        self.profile = profile
        spaces = profile.count_spaces
        self._len = [0]
        for t in texts:
            n = len(t) if spaces else sum(1 for c in t if not c.isspace())
            self._len.append(self._len[-1] + n)
        self._sep = [0]
        for s in seps:
            self._sep.append(self._sep[-1] + (len(s) if spaces else 0))
        self._break = [line_break_cost(b) for b in bounds]
        if extra is not None:
            self._break = [c + e for c, e in zip(self._break, extra, strict=True)]
        self.max_chars = profile.max_chars_per_line
        self.target = profile.line_target

    def length(self, i: int, j: int) -> int:
        """Characters of words ``[i, j)`` on one line."""
        if j <= i:
            return 0
        return self._len[j] - self._len[i] + self._sep[j] - self._sep[i + 1]

    def _line(self, i: int, j: int) -> tuple[float, int]:
        n = self.length(i, j)
        if n > self.max_chars:
            if j - i == 1:
                return 0.0, 0  # one word longer than a line: nothing better exists
            over = n - self.max_chars
            return OVERFLOW_COST * (1 + over), over
        if n > self.target:
            return SOFT_OVER_COST * (n - self.target), 0
        return 0.0, 0

    def layout(self, i: int, j: int, max_lines: int) -> Layout:
        """The best layout of words ``[i, j)`` on at most ``max_lines`` lines."""
        if j - i <= 1 or self.length(i, j) <= self.target:
            cost, over = self._line(i, j)
            return Layout(cost, (), over)
        cost, over = self._line(i, j)
        best = Layout(cost, (), over)
        if max_lines >= 2:
            two = self._two_lines(i, j)
            if two.cost < best.cost:
                best = two
        for n in range(3, min(max_lines, j - i) + 1):
            if best.overflow == 0 and best.cost < OVERFLOW_COST:
                break
            more = self.n_lines(i, j, n)
            if more.cost < best.cost:
                best = more
        return best

    def _two_lines(self, i: int, j: int) -> Layout:
        """The best break into two lines that both fit (cost ``inf`` when none does)."""
        lens, seps, brk = self._len, self._sep, self._break
        limit, target = self.max_chars, self.target
        best_cost = float("inf")
        best_k = -1
        for k in range(i + 1, j):
            top = lens[k] - lens[i] + seps[k] - seps[i + 1]
            if top > limit and k - i > 1:
                break  # the top line only grows from here
            bottom = lens[j] - lens[k] + seps[j] - seps[k + 1]
            if bottom > limit and j - k > 1:
                continue
            cost = brk[k]
            if target < top <= limit:
                cost += SOFT_OVER_COST * (top - target)
            if target < bottom <= limit:
                cost += SOFT_OVER_COST * (bottom - target)
            diff = top - bottom
            cost += TOP_HEAVY_COST * diff if diff > 0 else BOTTOM_HEAVY_COST * -diff
            if cost < best_cost:
                best_cost = cost
                best_k = k
        if best_k < 0:
            return Layout(float("inf"), (), 0)
        return Layout(best_cost, (best_k,), 0)

    def n_lines(self, i: int, j: int, n: int) -> Layout:
        """Exactly ``n`` lines, balanced around the mean length (dynamic programming)."""
        ideal = self.length(i, j) / n
        inf = float("inf")
        # best[m][k]: cost of words [i, k) on m lines; back[m][k]: where the last line starts
        best = [[inf] * (j + 1) for _ in range(n + 1)]
        back = [[-1] * (j + 1) for _ in range(n + 1)]
        best[0][i] = 0.0
        for m in range(1, n + 1):
            for k in range(i + m, j - (n - m) + 1):
                for s in range(i + m - 1, k):
                    if best[m - 1][s] == inf:
                        continue
                    c, _ = self._line(s, k)
                    c += BOTTOM_HEAVY_COST * abs(self.length(s, k) - ideal)
                    if s > i:
                        c += self._break[s]
                    total = best[m - 1][s] + c
                    if total < best[m][k]:
                        best[m][k] = total
                        back[m][k] = s
        if best[n][j] == inf:
            return Layout(inf, (), 0)
        starts = []
        k = j
        for m in range(n, 0, -1):
            s = back[m][k]
            starts.append(s)
            k = s
        breaks = tuple(sorted(s for s in starts if s > i))
        edges = [i, *breaks, j]
        over = sum(self._line(a, b)[1] for a, b in zip(edges, edges[1:], strict=False))
        return Layout(best[n][j], breaks, over)


def join_lines(texts: Sequence[str], seps: Sequence[str], breaks: Sequence[int], offset: int = 0) -> str:
    """The text of words ``texts`` with a line break before each word in ``breaks``.

    ``breaks`` holds indexes counted from ``offset``; ``seps[k]`` is the separator before
    ``texts[k]``.
    """
    starts = {b - offset for b in breaks}
    parts: list[str] = []
    for k, t in enumerate(texts):
        if k:
            parts.append("\n" if k in starts else seps[k])
        parts.append(t)
    return "".join(parts)


def reflow_lines(text: str, profile: Profile, language: str | None = None) -> str:
    """Re-break the lines of one cue's text: one line when it fits, else balanced lines.

    Only whitespace changes: the words stay as they are, in order.  Text too long for the
    profile's lines gets as many lines as it needs, each within the line length when the
    words allow it.
    """
    words, seps = split_text(text)
    if not words:
        return ""
    bounds = boundaries(words, language or profile.language)
    breaker = LineBreaker(words, seps, bounds, profile)
    n = len(words)
    best = breaker.layout(0, n, profile.lines_target)
    if best.overflow:
        lines = max(profile.lines_target + 1, -(-breaker.length(0, n) // breaker.max_chars))
        while lines <= n:
            candidate = breaker.n_lines(0, n, lines)
            if candidate.overflow == 0:
                best = candidate
                break
            lines += 1
    return join_lines(words, seps, best.breaks)


DIALOGUE_DASHES = ("-", "\u2013", "\u2014")  # a line starting with one is a speaker's turn


def is_dialogue(text: str) -> bool:
    """Two or more lines, each a speaker's turn opened by a dash ("- Ready?\\n- Yes.")."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    return len(lines) >= 2 and all(ln.startswith(DIALOGUE_DASHES) for ln in lines)


def layout_cue(text: str, profile: Profile, language: str | None = None) -> str:
    """The lines of one cue laid out by the profile's rules (:func:`reflow_lines`); a
    dialogue cue keeps its one line per speaker."""
    if not text.strip() or is_dialogue(text):
        return text
    return reflow_lines(text, profile, language)


def cue_layout(profile: Profile) -> Callable[[Segment], str]:
    """A line layout for the editing commands (``app.core.edits``): a segment's text laid out
    by ``profile``'s rules, in the segment's language."""
    return lambda seg: layout_cue(seg.text, profile, seg.language)
