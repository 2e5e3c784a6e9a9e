"""Shaping: turning word-timed segments into subtitle cues that obey a profile.

The words of consecutive segments of the same speaker, language and flags form one stream
(a segment with a translation forms its own).  A dynamic programme chooses where the stream
breaks into cues: it prefers sentence ends and pauses, then clause punctuation, then the
places the line-break rules allow (see :mod:`app.subtitles.language`), with each cue's lines
balanced (see :mod:`app.subtitles.layout`).  A cue never spans more than the maximum
duration of speech.  When some cut keeps every cue within its lines and readable at the
maximum speed, only such cuts are considered; when the speech is too fast for any, too-fast
cues are allowed at a cost per character.  The cues are then timed (see
:mod:`app.subtitles.timing`).

Words are never dropped, cut, reordered or changed: the words of the cues, in order, are the
words of the input.  A word longer than a line gets a line (or a cue) of its own, and the
checker reports it.  Segments without words are shaped by their text, with times shared out
in proportion to word length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.core.model import TIMES_ESTIMATED, UNTIMED, Segment, Word, new_id
from app.core.words import distribute, tokenize
from app.subtitles.language import Boundary, boundaries
from app.subtitles.layout import OVERFLOW_COST, Layout, LineBreaker, join_lines, line_break_cost
from app.subtitles.measure import join_space, separators, split_text
from app.subtitles.profiles import Profile, load_profile
from app.subtitles.timing import Speech, time_cues

CUE_COST = 60.0  # every cue costs this much: without a reason to break, cues stay long
SENTENCE_BONUS = 90.0
PAUSE_BONUS = 70.0
CLAUSE_BONUS = 25.0
LINK_BONUS = 8.0
SEGMENT_BONUS = 15.0  # the engine ended a segment here
RATE_COST = 10.0  # per character too many to read, when the speech is too fast for every cut
SOFT_RATE_COST = 2.0  # per character too many to read at the optimal speed
SHORT_COST = 0.15  # per ms short of the minimum duration
LINE_SHARE = 0.25  # how much pauses and segment ends count for line breaks, against cue breaks
SHARE_SLACK_WORDS = 3  # a translation's share may end this many words off its length share
SHARE_SHIFT_COST = 6.0  # per word a share's end moves off its length share
SHARE_SENTENCE_MATCH = 30.0  # a share ends a sentence where its cue's source does
SHARE_CLAUSE_MATCH = 10.0  # a share ends a clause where its cue's source does


@dataclass(slots=True)
class _Tok:
    text: str
    start: int
    end: int
    sep: str  # separator before this token in the stream
    seg: int  # index of the source segment
    first: bool  # first word of its source segment
    word: Word | None  # None when the source segment had no words


@dataclass
class _Block:
    """A run of segments that may share cues: same speaker, language and flags."""

    tokens: list[_Tok] = field(default_factory=list)
    segments: list[int] = field(default_factory=list)
    speaker: str | None = None
    language: str | None = None
    flags: frozenset[str] = frozenset()
    has_words: bool = True
    timed: bool = True
    translation: str | None = None
    translation_state: str | None = None
    passthrough: Segment | None = None  # an empty segment, kept as it is


@dataclass
class _Cue:
    block: _Block
    i: int
    j: int
    breaks: tuple[int, ...]

    @property
    def tokens(self) -> list[_Tok]:
        return self.block.tokens[self.i:self.j]


def shape(segments: Sequence[Segment], profile: Profile | str, *, fps: float | None = None,
          pause_ms: int | None = None, translation_lines: int | None = None,
          translation_fill: float = 1.0) -> list[Segment]:
    """Cues made from ``segments`` under ``profile`` (a :class:`Profile` or a profile name).

    ``fps`` snaps every time to a frame boundary; ``pause_ms`` overrides the profile's pause
    length (a silence at least this long is a preferred break).  The result is sorted by
    start.  Words of different speakers never share a cue; cues keep the speaker, language
    and flags of their segments; a cue that starts a segment keeps that segment's id.  A
    translated segment cut into several cues shares its translation out by length.  Segments
    flagged ``untimed`` keep their times (their pieces share them out); empty segments are
    returned unchanged.

    ``translation_lines`` shapes for bilingual cues (see :mod:`app.subtitles.bilingual`): a
    translated segment is cut so that each cue's share of the translation also fits that many
    lines (filled to ``translation_fill`` of their length, for the slack a line break leaves)
    and is read in time, as the source is.
    """
    profile = load_profile(profile)
    pause = profile.pause_ms if pause_ms is None else pause_ms
    blocks = _blocks(segments)
    cues: list[_Cue] = []
    for block, next_start in zip(blocks, _next_starts(blocks), strict=True):
        if block.passthrough is None:
            cues.extend(_cut(block, profile, pause, next_start if block.timed else None, fps,
                             translation_lines, translation_fill))
    return _build(segments, blocks, cues, profile, fps)


# -- streams of words --------------------------------------------------------------------------
def _tokens(seg: Segment, index: int) -> list[_Tok]:
    if seg.words:
        texts = [w.text for w in seg.words]
        seps = separators(seg.text, texts)
        return [
            _Tok(w.text, w.start, w.end, s, index, k == 0, w)
            for k, (w, s) in enumerate(zip(seg.words, seps, strict=True))
        ]
    texts, seps = split_text(seg.text)
    timed = distribute(texts, seg.start, seg.end)
    return [
        _Tok(t, w.start, w.end, s, index, k == 0, None)
        for k, (t, w, s) in enumerate(zip(texts, timed, seps, strict=True))
    ]


def _blocks(segments: Sequence[Segment]) -> list[_Block]:
    blocks: list[_Block] = []
    cur: _Block | None = None
    for index, seg in enumerate(segments):
        if not seg.words and not seg.text.strip():
            blocks.append(_Block(segments=[index], passthrough=seg))
            cur = None
            continue
        toks = _tokens(seg, index)
        has_words = bool(seg.words)
        timed = not seg.has(UNTIMED)
        key = (seg.speaker, seg.language, seg.flags, has_words)
        joinable = (
            cur is not None
            and cur.timed and timed
            and key == (cur.speaker, cur.language, cur.flags, cur.has_words)
            and cur.translation is None and seg.translation is None
            and toks[0].start >= cur.tokens[-1].end
        )
        if not joinable:
            cur = _Block(speaker=seg.speaker, language=seg.language, flags=seg.flags,
                         has_words=has_words, timed=timed, translation=seg.translation,
                         translation_state=seg.translation_state)
            blocks.append(cur)
        else:
            assert cur is not None  # joinable
            toks[0].sep = join_space(cur.tokens[-1].text, toks[0].text)
        cur.tokens.extend(toks)
        cur.segments.append(index)
    return blocks


def _next_starts(blocks: list[_Block]) -> list[int | None]:
    """For each block, when the timed speech of the blocks after it starts (``None``: none)."""
    out: list[int | None] = [None] * len(blocks)
    soonest: int | None = None
    for b in range(len(blocks) - 1, -1, -1):
        out[b] = soonest
        blk = blocks[b]
        if blk.passthrough is None and blk.timed and blk.tokens:
            first = blk.tokens[0].start
            soonest = first if soonest is None else min(soonest, first)
    return out


# -- choosing cues -----------------------------------------------------------------------------
def _cut(block: _Block, profile: Profile, pause: int, next_start: int | None,
         fps: float | None, translation_lines: int | None = None,
         translation_fill: float = 1.0) -> list[_Cue]:
    """The best cues for one block (dynamic programming over where cues end)."""
    toks = block.tokens
    n = len(toks)
    texts = [t.text for t in toks]
    bounds = boundaries(texts, block.language or profile.language)
    cut_cost = [0.0] + [_break_cost(bounds[k], toks[k - 1], toks[k], pause, block.timed)
                        for k in range(1, n)]
    # A pause or the end of an engine segment also makes a good line break.
    line_extra = [0.0] + [LINE_SHARE * (_break_cost(Boundary(), toks[k - 1], toks[k], pause,
                                                    block.timed))
                          for k in range(1, n)]
    breaker = LineBreaker(texts, [t.sep for t in toks], bounds, profile, line_extra)
    words_before = [0]
    for t in texts:
        words_before.append(words_before[-1] + max(1, len(tokenize(t))))
    lines = profile.lines_target
    capacity = profile.max_chars_per_line * lines + lines
    gap = profile.min_gap(fps)
    char_ms = _ms_per_char(profile)
    share = _translation_share(block, breaker, n, profile) if translation_lines else None
    t_capacity = (profile.max_chars_per_line * translation_lines * translation_fill
                  if share is not None and translation_lines else None)

    def chars(i: int, j: int) -> int:
        """Characters to read in cue ``[i, j)``: the source's, or the translation's share."""
        n_src = breaker.length(i, j)
        return max(n_src, int(round(share(i, j)))) if share is not None else n_src

    def candidates(j: int):
        """Where a cue ending before word ``j`` may start, nearest first."""
        for i in range(j - 1, -1, -1):
            if j - i > 1 and (breaker.length(i, j) > capacity
                              or toks[j - 1].end - toks[i].start > profile.max_duration_ms
                              or (t_capacity is not None and share is not None
                                  and share(i, j) > 2 * t_capacity)):
                return
            yield i

    def timing(i: int, j: int) -> tuple[int, float]:
        """(ms missing to read the cue at the maximum speed, cost of other timing faults)."""
        if not block.timed:
            return 0, 0.0
        nxt = toks[j].start if j < n else next_start
        return _time_fault(toks[i].start, toks[j - 1].end, nxt, chars(i, j),
                           words_before[j] - words_before[i], profile, gap)

    layouts: dict[tuple[int, int], Layout] = {}

    def layout(i: int, j: int) -> Layout:
        found = layouts.get((i, j))
        if found is None:
            found = layouts[(i, j)] = breaker.layout(i, j, lines)
        return found

    def translation_fits(i: int, j: int) -> bool:
        return t_capacity is None or share is None or j - i == 1 or share(i, j) <= t_capacity

    def fits(i: int, j: int) -> bool:
        return (timing(i, j)[0] == 0 and layout(i, j).cost < OVERFLOW_COST
                and translation_fits(i, j))

    # Can every cue fit its lines and be read in time?  Then no cue may break those rules;
    # otherwise too-fast cues are allowed, at a cost for each character too many.
    reach = [True] + [False] * n
    for j in range(1, n + 1):
        reach[j] = any(reach[i] and fits(i, j) for i in candidates(j))
    strict = reach[n]

    best = [0.0] + [float("inf")] * n
    back: list[tuple[int, tuple[int, ...]]] = [(0, ())] * (n + 1)
    for j in range(1, n + 1):
        for i in candidates(j):
            if best[i] == float("inf"):
                continue
            missing, fault = timing(i, j)
            if missing and strict:
                continue
            shape_ = layout(i, j)
            cost = best[i] + CUE_COST + shape_.cost + fault + RATE_COST * missing / char_ms
            if not translation_fits(i, j):
                cost += OVERFLOW_COST
            if j < n:
                cost += cut_cost[j]
            if cost < best[j]:
                best[j] = cost
                back[j] = (i, shape_.breaks)
    cues: list[_Cue] = []
    j = n
    while j > 0:
        i, breaks = back[j]
        cues.append(_Cue(block, i, j, breaks))
        j = i
    cues.reverse()
    return cues


def _translation_share(block: _Block, breaker: LineBreaker, n: int, profile: Profile):
    """For a translated block, the function giving the characters of the translation a cue
    of words ``[i, j)`` gets (shared out by source length, as :func:`_translations` does);
    None for other blocks."""
    if not block.translation or not block.translation.strip() or n == 0:
        return None
    total = breaker.length(0, n) or 1
    t_chars = _chars(block.translation, profile)

    def share(i: int, j: int) -> float:
        return t_chars * breaker.length(i, j) / total

    return share


def _break_cost(b: Boundary, prev: _Tok, nxt: _Tok, pause: int, timed: bool) -> float:
    cost = b.glue - SENTENCE_BONUS * b.sentence - CLAUSE_BONUS * b.clause - LINK_BONUS * b.link
    if prev.seg != nxt.seg:
        cost -= SEGMENT_BONUS
    if timed:
        silence = max(0, nxt.start - prev.end)
        if pause > 0 and silence >= pause:
            cost -= PAUSE_BONUS + min(20.0, (silence - pause) / 50.0)
        elif pause > 0:
            cost -= 20.0 * silence / pause
    return cost


def _ms_per_char(profile: Profile) -> float:
    """The reading time of one character at the profile's maximum speed."""
    if profile.max_cps:
        return 1000.0 / profile.max_cps
    if profile.max_wpm:
        return 60000.0 / profile.max_wpm / 6.0  # a word and its space: about six characters
    return 50.0


def _time_fault(start: int, speech_end: int, nxt: int | None, chars: int, words: int,
                profile: Profile, gap: int) -> tuple[int, float]:
    """How far a cue would fall short of its timing rules.

    Returns the milliseconds it lacks to be read at the maximum speed, and a cost for being
    slower than the optimal speed or shorter than the minimum duration.
    """
    limit = start + profile.max_duration_ms
    if speech_end - start > profile.max_duration_ms:
        limit = speech_end
    if nxt is not None:
        limit = min(limit, nxt - gap if nxt >= speech_end else speech_end)
    avail = max(0, limit - start)
    missing = max(0, profile.reading_time_ms(chars, words) - avail)
    cost = 0.0
    optimal = profile.reading_time_ms(chars, words, optimal=True)
    if optimal > avail:
        cost += SOFT_RATE_COST * (optimal - avail) / _ms_per_char(profile)
    if avail < profile.min_duration_ms:
        cost += SHORT_COST * (profile.min_duration_ms - avail)
    return missing, cost


# -- building segments -------------------------------------------------------------------------
def _build(segments: Sequence[Segment], blocks: list[_Block], cues: list[_Cue], profile: Profile,
           fps: float | None) -> list[Segment]:
    timed = sorted((c for c in cues if c.block.timed), key=lambda c: c.tokens[0].start)
    texts = {id(c): _text(c) for c in cues}
    speech = [
        Speech(c.tokens[0].start, c.tokens[-1].end, _chars(texts[id(c)], profile),
               sum(max(1, len(tokenize(t.text))) for t in c.tokens))
        for c in timed
    ]
    times = {id(c): t for c, t in zip(timed, time_cues(speech, profile, fps), strict=True)}
    for c in cues:
        if not c.block.timed:
            times[id(c)] = (c.tokens[0].start, c.tokens[-1].end)
    translations = _translations(cues, texts)
    out: list[Segment] = [b.passthrough for b in blocks if b.passthrough is not None]
    for c in cues:
        start, end = times[id(c)]
        toks = c.tokens
        words = _clamp([t.word for t in toks], start, end) if c.block.has_words else ()
        whole = (toks[0].first and (c.j == len(c.block.tokens) or c.block.tokens[c.j].first)
                 and toks[0].seg == toks[-1].seg)
        flags = c.block.flags
        if not c.block.has_words and not whole:
            flags = flags | {TIMES_ESTIMATED}
        out.append(Segment(
            start=start,
            end=end,
            text=texts[id(c)],
            words=words,
            speaker=c.block.speaker,
            language=c.block.language,
            translation=translations.get(id(c)),
            flags=flags,
            id=segments[toks[0].seg].id if toks[0].first else new_id(),
            translation_state=c.block.translation_state if translations.get(id(c)) else None,
        ))
    out.sort(key=lambda s: s.start)
    return out


def _text(c: _Cue) -> str:
    toks = c.tokens
    return join_lines([t.text for t in toks], [t.sep for t in toks], c.breaks, offset=c.i)


def _chars(text: str, profile: Profile) -> int:
    flat = text.replace("\n", "")
    return len(flat) if profile.count_spaces else sum(1 for ch in flat if not ch.isspace())


def _clamp(words: list[Word | None], start: int, end: int) -> tuple[Word, ...]:
    """Words moved inside ``[start, end]`` (they move only when the cue was trimmed)."""
    out: list[Word] = []
    prev = start
    for w in words:
        if w is None:
            raise ValueError("a cue mixes timed and untimed words")
        s = min(max(w.start, prev), end)
        e = min(max(w.end, s), end)
        out.append(w if (s, e) == (w.start, w.end) else Word(w.text, s, e, w.probability, w.estimated))
        prev = e
    return tuple(out)


def _matching_end(source_end: Boundary | None, b: Boundary) -> float:
    """A bonus for ending a translation's share the way its cue's source ends (a sentence
    with a sentence, a clause with a clause)."""
    if source_end is None:
        return 0.0
    if source_end.sentence and b.sentence:
        return SHARE_SENTENCE_MATCH
    if source_end.clause and (b.clause or b.sentence):
        return SHARE_CLAUSE_MATCH
    return 0.0


def _translations(cues: list[_Cue], texts: dict[int, str]) -> dict[int, str | None]:
    """A translated segment cut into several cues: its translation shared out by length, each
    cut moved to the best place to break within :data:`SHARE_SLACK_WORDS` words of where the
    length puts it (after punctuation, before a conjunction; not inside a name), best where
    the cue's source ends the same way (a sentence, a clause)."""
    out: dict[int, str | None] = {}
    by_block: dict[int, list[_Cue]] = {}
    for c in cues:
        if c.block.translation is not None:
            by_block.setdefault(id(c.block), []).append(c)
    for group in by_block.values():
        translation = group[0].block.translation or ""
        if len(group) == 1:
            out[id(group[0])] = translation
            continue
        words, seps = split_text(translation)
        bounds = boundaries(words, None)
        weights = [len(texts[id(c)]) for c in group]
        total = sum(weights) or 1
        acc = 0
        a = 0
        for k, c in enumerate(group):
            acc += weights[k]
            if k == len(group) - 1:
                b = len(words)
            else:
                ideal = len(words) * acc / total
                lo = max(a + 1, int(ideal) - SHARE_SLACK_WORDS)
                hi = min(len(words) - 1, int(ideal) + SHARE_SLACK_WORDS + 1)
                b = round(ideal)
                ends = boundaries([texts[id(c)].split()[-1], "x"], None)[1] \
                    if texts[id(c)].split() else None
                if lo <= hi:
                    b = min(range(lo, hi + 1), key=lambda m: (
                        SHARE_SHIFT_COST * abs(m - ideal) + line_break_cost(bounds[m])
                        - _matching_end(ends, bounds[m]), m))
            piece = words[a:b]
            out[id(c)] = join_lines(piece, seps[a:b], ()) if piece else None
            a = max(a, b)
    return out
