"""Removing what the engine heard that nobody said, each removal logged so it can be restored.

Rules, in order, on one chunk's drafts (absolute times):

* repetition loops (a phrase said 3+ times in a row) are collapsed to one copy;
* echoes of the context prompt are cut;
* known boilerplate ("Thanks for watching", "Subtitles by ...", amara.org, ...) is dropped
  when it is the whole segment, and a lone "Thank you." is dropped over silence;
* text lying over non-speech (voice activity found no speech under it) is dropped;
* segments the engine itself scored as silence (no-speech probability > 0.6 with average
  log probability < -1) or as a loop (compression ratio > 2.4) are dropped.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from app.core.model import LOW_CONFIDENCE
from app.core.words import retime_text, split_words, tokenize
from app.engines.languages import join_texts
from app.engines.textfix import collapse_repeats, norm_word, strip_echo
from app.pipeline.types import CleanupEntry, Draft

REPETITION = "repetition loop"
PROMPT_ECHO = "echo of the context prompt"
BOILERPLATE = "boilerplate hallucination"
THANKS_OVER_SILENCE = "'thank you' over silence"
NON_SPEECH = "text over non-speech"
NO_SPEECH = "engine scored it as silence"
COMPRESSION = "repetitive text (compression ratio)"
SEAM_DUPLICATE = "duplicate at chunk seam"

# Whole-segment texts engines produce on silence, music and credits (case and punctuation
# ignored).  Patterns match the normalised text in full.
BOILERPLATE_PATTERNS = [
    r"(thanks|thank you)( so much| very much)? for (watching|listening|viewing)( and .*)?",
    r"(please )?(like (and|&) )?subscribe( to .*)?( channel)?",
    r"(don'?t forget to |please )?(like|share),? (and |& )?subscribe.*",
    r"see you (next time|in the next (video|one))",
    r"(subtitles|subtitle|subtitled|captions|captioned|captioning|transcription|transcribed|"
    r"translated|translation|sync|synced|corrections?) (by|from|provided by) .*",
    r".*\bamara ?\.? ?org\b.*",
    r"(visit |go to |more at )?(www ?\. ?)?[a-z0-9-]+ ?\. ?(com|org|net|tv)",
    r"(untertitel|untertitelung)( im auftrag)? (des|der|von|by) .*",
    r"sous-?titres? (réalisés? )?(par|by) .*",
    r"sottotitoli (creati )?(dalla|da|a cura di) .*",
    r"subt[ií]tulos (realizados )?(por|de) .*",
    r"ondertiteling (door|van) .*",
    r"(字幕|字幕由|字幕制作|字幕提供).*",
    r"ご視聴ありがとうございました",
    r"(thanks|thank you) for (your )?(attention|time)",
    r"[\[(*]?\s*(music|applause|laughter|silence|inaudible|blank_audio)\s*[\])*]?",
    r"♪+",
]
_BOILERPLATE = [re.compile(p) for p in BOILERPLATE_PATTERNS]
_THANKS = re.compile(r"(thank you|thanks|thank you very much|thank you so much|merci|danke|"
                     r"gracias|grazie|obrigad[oa]|谢谢|ありがとう|bye|goodbye|you)")

NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
MAX_COMPRESSION = 2.4
MIN_SPEECH_OVERLAP_MS = 120  # a segment needs this much speech under it...
MIN_SPEECH_FRACTION = 0.15  # ...or this fraction of its length
LOW_CONFIDENCE_LOGPROB = -0.9


def _normal(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).casefold()
    t = re.sub(r"[\"“”«»!?¡¿,;:…。！？，、]+", " ", t)
    t = re.sub(r"(?<!\w)\.|\.(?!\w)", " ", t)  # full stops, not the dot of "amara.org"
    return re.sub(r"\s+", " ", t).strip()


def is_boilerplate(text: str) -> bool:
    t = _normal(text)
    return bool(t) and any(p.fullmatch(t) for p in _BOILERPLATE)


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def speech_overlap(start: int, end: int, regions: Sequence[tuple[int, int]]) -> int:
    """Milliseconds of ``[start, end]`` covered by speech ``regions`` (sorted)."""
    total = 0
    for s, e in regions:
        if e <= start:
            continue
        if s >= end:
            break
        total += min(e, end) - max(s, start)
    return total


@dataclass
class Cleaner:
    """Applies the rules to drafts and keeps the log."""

    regions: Sequence[tuple[int, int]] | None = None  # speech (ms); None: not known
    context: str | None = None
    enabled: bool = True

    def __post_init__(self) -> None:
        self.log: list[CleanupEntry] = []

    def _record(self, reason: str, text: str, d: Draft) -> None:
        self.log.append(CleanupEntry(reason, text, d.start, d.end, d.to_segment()))

    def clean(self, drafts: list[Draft]) -> list[Draft]:
        if not self.enabled:
            return [d for d in drafts if d.text.strip()]
        out = []
        for d in drafts:
            d = self._clean_one(d)
            if d is not None:
                out.append(d)
        return out

    def _retext(self, d: Draft, text: str) -> Draft:
        words, _ = retime_text(text, d.words, d.start, d.end)
        return Draft(**{**d.__dict__, "text": text, "words": list(words)})

    def _clean_one(self, d: Draft) -> Draft | None:
        if not d.text.strip():
            return None
        text, loops = collapse_repeats(d.text)
        if loops:
            for piece in loops:
                self._record(REPETITION, piece, d)
            d = self._retext(d, text)
        text, echoes = strip_echo(d.text, self.context)
        if echoes:
            for piece in echoes:
                self._record(PROMPT_ECHO, piece, d)
            if not text.strip():
                return None
            d = self._retext(d, text)
        if is_boilerplate(d.text):
            self._record(BOILERPLATE, d.text, d)
            return None
        silent = self._over_silence(d)
        if silent and _THANKS.fullmatch(_normal(d.text)):
            self._record(THANKS_OVER_SILENCE, d.text, d)
            return None
        if silent:
            self._record(NON_SPEECH, d.text, d)
            return None
        if d.no_speech_prob is not None and d.avg_logprob is not None \
                and d.no_speech_prob > NO_SPEECH_PROB and d.avg_logprob < LOW_LOGPROB:
            self._record(NO_SPEECH, d.text, d)
            return None
        if len(d.text) >= 40 and compression_ratio(d.text) > MAX_COMPRESSION:
            self._record(COMPRESSION, d.text, d)
            return None
        if d.avg_logprob is not None and d.avg_logprob < LOW_CONFIDENCE_LOGPROB:
            d.flags.add(LOW_CONFIDENCE)
        return d

    def _over_silence(self, d: Draft) -> bool:
        if self.regions is None:
            return False
        span = max(1, d.end - d.start)
        overlap = speech_overlap(d.start, d.end, self.regions)
        return overlap < MIN_SPEECH_OVERLAP_MS and overlap < MIN_SPEECH_FRACTION * span


def dedupe_seam(previous: list[Draft], current: list[Draft], log: list[CleanupEntry],
                max_words: int = 4, slack_ms: int = 600) -> list[Draft]:
    """Drop words at the start of ``current`` that repeat the end of ``previous``.

    Chunks do not overlap, but when a chunk had to be cut inside speech, a word straddling
    the cut can be heard by both chunks.  A suffix of the previous chunk's last segment equal
    to a prefix of the next chunk's first segment is removed from the later one when it is
    short (at most ``max_words``) and the repeated words end no later than ``slack_ms`` after
    the previous segment: a sentence really said twice in a row is kept.
    """
    if not previous or not current:
        return current
    prev, cur = previous[-1], current[0]
    if prev.speaker != cur.speaker:
        return current
    a = [norm_word(w) for w in split_words(prev.text)]
    b_words = split_words(cur.text)
    b = [norm_word(w) for w in b_words]
    best = 0
    for n in range(min(len(a), len(b), max_words), 0, -1):
        if a[-n:] == b[:n] and all(a[-n:]):
            best = n
            break
    if best == 0 or len(cur.words) != len(b_words):
        return current
    if cur.words[best - 1].end > prev.end + slack_ms:
        return current
    log.append(CleanupEntry(SEAM_DUPLICATE, join_texts(b_words[:best], cur.language),
                            cur.start, cur.end, cur.to_segment()))
    if best == len(b_words):
        return current[1:]
    spans = tokenize(cur.text)
    rest = cur.text[spans[best][0]:].strip()
    kept = cur.words[best:]
    start = kept[0].start
    words, _ = retime_text(rest, kept, start, cur.end)
    new = Draft(**{**cur.__dict__, "text": rest, "start": start, "words": list(words)})
    return [new, *current[1:]]
