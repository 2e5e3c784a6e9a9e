"""Removing what the engine heard that nobody said, on evidence from the audio; each removal
is logged with that evidence (so the user sees why) and can be restored.

The evidence about a piece of text (absolute times, one chunk's drafts):

* the speech share: how much of its words' time voice activity found to be speech;
* the mean probability of its words (the engine's);
* the engine's own scores: no-speech probability and average log probability;
* for a repeated phrase, whether each extra copy has speech of its own at a pace people speak.

Rules, in order:

* text of punctuation only (". ." over a tone) is dropped;
* a repetition loop (a phrase said 3+ times in a row, 6+ words in all) is collapsed to one copy
  unless the extra copies are measured on speech of their own (speech share >= 50%, at most
  6 words per second of speech, mean probability >= 0.3): a line really said three times stays;
* echoes of the context prompt are cut;
* text over non-speech is dropped: under 15% of its words' time is speech (and under 120 ms);
* text with very low word probabilities (mean < 0.10) is dropped;
* text the engine itself scored as silence (no-speech probability > 0.6 with average log
  probability < -1 or mean word probability < 0.5; > 0.5 when both are that low) is dropped;
* repetitive text (compression ratio > 2.4 on 40+ characters) is dropped unless its speech
  holds it as for a loop.

A known boilerplate phrase ("Thanks for watching", "Please subscribe", "Subtitles by ...", a
lone "Thank you" or "you") only lowers the thresholds (speech share < 50%, mean probability
< 0.4, no-speech probability > 0.4): a phrase is never a verdict on its own, so a spoken
sign-off stays wherever it is (last in the file, alone, repeated).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from app.core.model import LOW_CONFIDENCE, Word
from app.core.words import retime_text, split_words, tokenize
from app.engines.languages import join_texts
from app.engines.textfix import collapse_repeats, norm_word, strip_echo
from app.pipeline.types import CleanupEntry, Draft

REPETITION = "repetition loop"
PROMPT_ECHO = "echo of the context prompt"
NON_SPEECH = "text over non-speech"
LOW_PROBABILITY = "very low word probabilities"
NO_SPEECH = "engine scored it as silence"
COMPRESSION = "repetitive text (compression ratio)"
SEAM_DUPLICATE = "duplicate at chunk seam"
PUNCTUATION = "no words"

# Whole-segment texts engines produce on silence, music and credits (case and punctuation
# ignored).  Patterns match the normalised text in full.  Matching one only lowers the
# thresholds of the evidence rules.
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

NO_SPEECH_PROB = 0.6  # the engine's no-speech probability above which it heard silence...
LOW_LOGPROB = -1.0  # ...when its average log probability is also below this
NO_SPEECH_MEAN_PROB = 0.5  # ...or its words' mean probability below this
NO_SPEECH_PROB_UNSURE = 0.5  # the no-speech limit when both are low
MAX_COMPRESSION = 2.4
MIN_SPEECH_OVERLAP_MS = 120  # text needs this much speech under its words...
MIN_SPEECH_FRACTION = 0.15  # ...or this share of its words' time
MIN_WORD_PROBABILITY = 0.10  # mean word probability below this: nobody said it
LOW_CONFIDENCE_LOGPROB = -0.9
# a known boilerplate phrase lowers the bar to removal to these
BOILERPLATE_SPEECH_FRACTION = 0.5
BOILERPLATE_WORD_PROBABILITY = 0.4
BOILERPLATE_NO_SPEECH_PROB = 0.4
# a repeated copy (or repetitive text) is spoken when it has speech of its own...
SPOKEN_SPEECH_FRACTION = 0.5
SPOKEN_MS_PER_WORD = 160  # ...at most 6 words per second of that speech...
SPOKEN_WORD_PROBABILITY = 0.3  # ...heard with at least this mean probability


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


@dataclass(frozen=True)
class Evidence:
    """What the audio says about some words: see the module doc."""

    speech_share: float | None  # share of the words' time that is speech; None: not known
    speech_ms: int | None
    mean_probability: float | None  # None: the engine gave no word probabilities
    words: int
    measured: bool  # word times measured by the engine, not spread over the segment

    def spoken(self) -> bool:
        """Whether these words have speech of their own, at a pace people speak, heard with
        some confidence (how a line really said again differs from a loop)."""
        if not self.measured or self.speech_share is None or self.speech_ms is None:
            return False
        if self.speech_share < SPOKEN_SPEECH_FRACTION:
            return False
        if self.words and self.speech_ms / self.words < SPOKEN_MS_PER_WORD:
            return False
        return self.mean_probability is None or self.mean_probability >= SPOKEN_WORD_PROBABILITY

    def describe(self) -> str:
        parts = []
        if self.speech_share is not None:
            parts.append(f"speech {self.speech_share:.0%} of the words' time")
        if self.mean_probability is not None:
            parts.append(f"mean word probability {self.mean_probability:.2f}")
        return ", ".join(parts)


def evidence(words: Sequence[Word], start: int, end: int,
             regions: Sequence[tuple[int, int]] | None) -> Evidence:
    """The evidence about ``words`` (or, without words, the span ``[start, end]``)."""
    spans = [(w.start, w.end) for w in words] if words else [(start, end)]
    total = sum(max(0, e - s) for s, e in spans)
    speech_ms = share = None
    if regions is not None:
        speech_ms = sum(speech_overlap(s, e, regions) for s, e in spans)
        share = speech_ms / total if total > 0 else 0.0
    probs = [w.probability for w in words if w.probability is not None]
    mean = sum(probs) / len(probs) if probs else None
    measured = bool(words) and not all(w.estimated for w in words)
    return Evidence(share, speech_ms, mean, len(words), measured)


def is_sign_off(text: str) -> bool:
    """A known boilerplate phrase, or a lone "thank you" / "bye" / "you": what engines make up
    over silence and music, and also what people say.  Lowers the thresholds only."""
    return is_boilerplate(text) or bool(_THANKS.fullmatch(_normal(text)))


@dataclass
class Cleaner:
    """Applies the rules to drafts and keeps the log."""

    regions: Sequence[tuple[int, int]] | None = None  # speech (ms); None: not known
    context: str | None = None
    enabled: bool = True

    def __post_init__(self) -> None:
        self.log: list[CleanupEntry] = []

    def _record(self, reason: str, text: str, d: Draft, ev: Evidence | None = None,
                rule: str = "") -> None:
        self.log.append(CleanupEntry(
            reason, text, d.start, d.end, d.to_segment(),
            speech_share=ev.speech_share if ev is not None else None,
            mean_probability=ev.mean_probability if ev is not None else None, rule=rule))

    def clean(self, drafts: list[Draft]) -> list[Draft]:
        if not self.enabled:
            return [d for d in drafts if d.text.strip()]
        out = []
        for d in drafts:
            cleaned = self._clean_one(d)
            if cleaned is not None:
                out.append(cleaned)
        return out

    def _retext(self, d: Draft, text: str) -> Draft:
        words, _ = retime_text(text, d.words, d.start, d.end)
        return Draft(**{**d.__dict__, "text": text, "words": list(words)})

    def _evidence(self, d: Draft, words: Sequence[Word] | None = None) -> Evidence:
        return evidence(d.words if words is None else words, d.start, d.end, self.regions)

    def _clean_one(self, d: Draft) -> Draft | None:
        if not d.text.strip():
            return None
        if all(unicodedata.category(c)[0] in "PZC" for c in d.text):
            self._record(PUNCTUATION, d.text, d, self._evidence(d),
                         "punctuation only: no word was heard")
            return None
        d = self._collapse_loops(d)
        text, echoes = strip_echo(d.text, self.context)
        if echoes:
            ev = self._evidence(d)
            for piece in echoes:
                self._record(PROMPT_ECHO, piece, d, ev, "the words repeat the context prompt")
            if not text.strip():
                return None
            d = self._retext(d, text)
        verdict = self._verdict(d)
        if verdict is not None:
            reason, ev, rule = verdict
            self._record(reason, d.text, d, ev, rule)
            return None
        if d.avg_logprob is not None and d.avg_logprob < LOW_CONFIDENCE_LOGPROB:
            d.flags.add(LOW_CONFIDENCE)
        return d

    def _collapse_loops(self, d: Draft) -> Draft:
        """One copy of a looped phrase, unless its copies were each really spoken."""
        text, loops = collapse_repeats(d.text)
        if not loops:
            return d
        removed = _removed_words(d.words, text)
        ev = self._evidence(d, removed)
        if removed and ev.spoken():
            return d  # said again and again: the speech under each copy holds it
        how = ev.describe()
        rule = "a phrase repeated 3+ times in a row whose extra copies have no speech of " \
               "their own at a pace people speak" + (f" ({how})" if how else "")
        for piece in loops:
            self._record(REPETITION, piece, d, ev, rule)
        return self._retext(d, text)

    def _verdict(self, d: Draft) -> tuple[str, Evidence, str] | None:
        """Why the audio does not support ``d`` (reason, evidence, rule), or None."""
        ev = self._evidence(d)
        phrase = is_sign_off(d.text)
        known = " (a phrase engines make up: lower threshold)" if phrase else ""
        if ev.speech_share is not None and ev.speech_ms is not None:
            if phrase and ev.speech_share < BOILERPLATE_SPEECH_FRACTION:
                return NON_SPEECH, ev, (f"speech under the words {ev.speech_share:.0%} < "
                                        f"{BOILERPLATE_SPEECH_FRACTION:.0%}{known}")
            if ev.speech_ms < MIN_SPEECH_OVERLAP_MS and ev.speech_share < MIN_SPEECH_FRACTION:
                return NON_SPEECH, ev, (f"speech under the words {ev.speech_share:.0%} < "
                                        f"{MIN_SPEECH_FRACTION:.0%} ({ev.speech_ms} ms)")
        limit = BOILERPLATE_WORD_PROBABILITY if phrase else MIN_WORD_PROBABILITY
        if ev.mean_probability is not None and ev.mean_probability < limit:
            return LOW_PROBABILITY, ev, (f"mean word probability {ev.mean_probability:.2f} < "
                                         f"{limit:.2f}{known}")
        if d.no_speech_prob is not None:
            low_lp = d.avg_logprob is not None and d.avg_logprob < LOW_LOGPROB
            low_p = ev.mean_probability is not None and ev.mean_probability < NO_SPEECH_MEAN_PROB
            unsure, very_unsure = low_lp or low_p, low_lp and (ev.mean_probability is None
                                                                or low_p)
            nsp_limit = BOILERPLATE_NO_SPEECH_PROB if phrase else (
                NO_SPEECH_PROB_UNSURE if very_unsure else NO_SPEECH_PROB)
            if d.no_speech_prob > nsp_limit and unsure:
                lp = f", log probability {d.avg_logprob:.2f}" if d.avg_logprob is not None else ""
                return NO_SPEECH, ev, (f"no-speech probability {d.no_speech_prob:.2f} > "
                                       f"{nsp_limit:.2f} with little confidence in the words"
                                       f"{lp}{known}")
        if len(d.text) >= 40 and compression_ratio(d.text) > MAX_COMPRESSION \
                and not ev.spoken():
            return COMPRESSION, ev, (f"compression ratio {compression_ratio(d.text):.1f} > "
                                     f"{MAX_COMPRESSION} without the speech to hold it")
        return None


def _removed_words(words: Sequence[Word], new_text: str) -> list[Word]:
    """The words of ``words`` that ``new_text`` no longer has (compared ignoring case and
    punctuation)."""
    old = [norm_word(w.text) for w in words]
    new = [norm_word(t) for t in split_words(new_text)]
    kept: set[int] = set()
    for a, _b, n in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_matching_blocks():
        kept.update(range(a, a + n))
    return [w for i, w in enumerate(words) if i not in kept]


def describe_entry(entry: CleanupEntry | dict) -> str:
    """One line about a cleanup-log entry: where, what, why (for the command line)."""
    e = entry.as_dict() if isinstance(entry, CleanupEntry) else dict(entry)
    where = f"{e.get('start', 0) / 1000:.1f}-{e.get('end', 0) / 1000:.1f} s"
    why = str(e.get("rule") or e.get("reason") or "")
    return f'{where} "{e.get("text", "")}": {why}'


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
                            cur.start, cur.end, cur.to_segment(),
                            rule="the previous chunk already ends with these words, heard "
                            "where the two chunks meet"))
    if best == len(b_words):
        return current[1:]
    spans = tokenize(cur.text)
    rest = cur.text[spans[best][0]:].strip()
    kept = cur.words[best:]
    start = kept[0].start
    words, _ = retime_text(rest, kept, start, cur.end)
    new = Draft(**{**cur.__dict__, "text": rest, "start": start, "words": list(words)})
    return [new, *current[1:]]
