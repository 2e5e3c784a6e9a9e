"""Checks for translations: what a reviewer of a translated subtitle file looks at first.

- a cue with source text and no translation (``untranslated``), or one whose source changed
  after it was translated (``stale_translation``);
- numbers that differ between the source and the translation (``translation_numbers``):
  digits only, separators ignored, so ``1,000`` matches ``1.000`` and ``3.5`` matches ``3,5``;
- names that differ (``translation_names``): a name here is a word kept as it is across the
  two languages, found in the document itself: written with a capital inside a sentence in
  one language and present in the other (``Kennedy``, ``Berlin``).  Taking only words seen in
  both languages keeps German nouns (capitalised, but translated) and English titles
  (``President``) out.  A glossary adds pairs (``Bundestag`` -> ``Bundestag``, ``Rathaus`` ->
  ``town hall``);
- the translation's own layout and reading speed under the profile: line length, lines per
  cue, characters per second counted on the translation alone (a viewer reads one language).

They run with the profile's rules (:func:`app.subtitles.checker.check`) when the document has
translations.  Every check is a warning except the layout and speed limits, which are errors
as they are for the source text.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from app.core.model import TR_STALE, UNTIMED, Segment
from app.subtitles.checker import ERROR, WARNING, Violation
from app.subtitles.measure import line_lengths, reading_chars
from app.subtitles.profiles import Profile

UNTRANSLATED = "untranslated"
STALE = "stale_translation"
NUMBERS = "translation_numbers"
NAMES = "translation_names"
GLOSSARY = "translation_glossary"
TARGET_CPS = "translation_cps"
TARGET_LINE_LENGTH = "translation_line_length"
TARGET_LINE_COUNT = "translation_line_count"
TRANSLATION_RULES = (UNTRANSLATED, STALE, NUMBERS, NAMES, GLOSSARY, TARGET_CPS,
                     TARGET_LINE_LENGTH, TARGET_LINE_COUNT)

_NUMBER_RE = re.compile(r"\d+(?:[.,:'\u00a0\u202f]\d+)*")
_WORD_RE = re.compile(r"[^\W\d_](?:[\w'’\-]*\w)?", re.UNICODE)
_ENDERS = frozenset(".!?…:;\"“”«»-–—")  # after these a capital says nothing
MIN_NAME_CHARS = 2
WORDS_CACHE = 65_536  # texts whose words are kept (a long film has a few thousand cues)


def numbers(text: str) -> Counter[str]:
    """The numbers written with digits in ``text``, separators removed."""
    return Counter(_numbers(text or ""))


@functools.lru_cache(maxsize=WORDS_CACHE)
def _numbers(text: str) -> tuple[str, ...]:
    if not any(c.isdigit() for c in text):
        return ()
    return tuple(re.sub(r"\D", "", m.group()) for m in _NUMBER_RE.finditer(text))


@functools.lru_cache(maxsize=WORDS_CACHE)
def _words(text: str) -> tuple[tuple[str, bool], ...]:
    """The words of ``text`` and whether each starts a sentence (or the text).  Cached: the
    editor checks the whole document again after each edit, and most texts did not change."""
    out: list[tuple[str, bool]] = []
    prev_end = 0
    for m in _WORD_RE.finditer(text or ""):
        gap = text[prev_end:m.start()]
        starts = not out or gap.rstrip()[-1:] in _ENDERS or "\n-" in gap
        out.append((m.group(), starts))
        prev_end = m.end()
    return tuple(out)


def _capitalised(word: str) -> bool:
    return len(word) >= MIN_NAME_CHARS and word[0].isupper()


@functools.lru_cache(maxsize=WORDS_CACHE)
def _capitals(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The capitalised words of ``text``: all of them, and those inside a sentence."""
    words = _words(text)
    return (frozenset(w for w, _ in words if _capitalised(w)),
            frozenset(w for w, starts in words if not starts and _capitalised(w)))


def name_inventory(segments: Sequence[Segment]) -> frozenset[str]:
    """Words kept as they are across the two languages: capitalised inside a sentence in the
    source or the translations, and written capitalised in the other language too."""
    src_inside: set[str] = set()
    src_any: set[str] = set()
    tgt_inside: set[str] = set()
    tgt_any: set[str] = set()
    for s in segments:
        if not s.translation:
            continue
        a, inside = _capitals(s.text)
        src_any |= a
        src_inside |= inside
        a, inside = _capitals(s.translation)
        tgt_any |= a
        tgt_inside |= inside
    return frozenset((src_inside & tgt_any) | (tgt_inside & src_any))


def _has_word(text: str, word: str) -> bool:
    """``word`` in ``text``, allowing a possessive or inflected ending (Kennedy's, Kennedys)."""
    low = word.lower()
    for w, _ in _words(text):
        wl = w.lower()
        if wl == low or (wl.startswith(low) and len(wl) - len(low) <= 2):
            return True
    return False


def parse_glossary(text: str) -> list[tuple[str, str | None]]:
    """Glossary entries from free text: ``term = translation`` (also ``->``, ``→``, a tab)
    one per line, or terms kept as they are, separated by lines, commas or semicolons.  The
    same text the speech engine takes as its context (names and vocabulary) works as is."""
    out: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pair = re.split(r"\s*(?:=|->|→|\t)\s*", line, maxsplit=1)
        if len(pair) == 2 and pair[0].strip() and pair[1].strip():
            entries = [(pair[0].strip(), pair[1].strip())]
        else:
            entries = [(t.strip(), None) for t in re.split(r"[,;]", line) if t.strip()]
        for term, target in entries:
            key = term.lower()
            if key not in seen:
                seen.add(key)
                out.append((term, target))
    return out


def translation_violations(segments: Sequence[Segment], profile: Profile,
                           glossary: Iterable[tuple[str, str | None]] = ()) -> list[Violation]:
    """The translation checks of ``segments`` (in document order), cue by cue.

    ``glossary``: ``(term, translation)`` pairs (see :func:`parse_glossary`); a term with no
    translation is to stay as it is."""

    def v(index, seg, rule, severity, message, value=0.0, limit=0.0) -> Violation:
        return Violation(index, seg.id, rule, severity, message, value, limit)

    names = name_inventory(segments)
    terms = [(t, g) for t, g in glossary if t.strip()]
    out: list[Violation] = []
    for index, seg in enumerate(segments):
        if not seg.text.strip():
            continue
        target = seg.translation or ""
        if not target.strip():
            out.append(v(index, seg, UNTRANSLATED, WARNING, "not translated"))
            continue
        if seg.translation_state == TR_STALE:
            out.append(v(index, seg, STALE, WARNING,
                         "translation stale: the source changed after it was translated"))
        out.extend(_compare(index, seg, target, names, terms, v, WARNING))
        out.extend(_target_layout(index, seg, target, profile, v, ERROR, WARNING))
    return out


def _compare(index, seg, target, names, terms, v, warning) -> list:
    out = []
    src_t, tgt_t = _numbers(seg.text), _numbers(target)
    if src_t != tgt_t and sorted(src_t) != sorted(tgt_t):
        src_n, tgt_n = Counter(src_t), Counter(tgt_t)
        missing = sorted((src_n - tgt_n).elements())
        extra = sorted((tgt_n - src_n).elements())
        parts = []
        if missing:
            parts.append(f"{', '.join(missing)} not in the translation")
        if extra:
            parts.append(f"{', '.join(extra)} not in the source")
        out.append(v(index, seg, NUMBERS, warning, "numbers differ: " + "; ".join(parts)))
    src_names = {w for w, _ in _words(seg.text) if w in names}
    tgt_names = {w for w, _ in _words(target) if w in names}
    missing = sorted(n for n in src_names if not _has_word(target, n))
    extra = sorted(n for n in tgt_names if not _has_word(seg.text, n))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{', '.join(missing)} not in the translation")
        if extra:
            parts.append(f"{', '.join(extra)} not in the source")
        out.append(v(index, seg, NAMES, warning, "names differ: " + "; ".join(parts)))
    for term, expected in terms:
        if not _has_phrase(seg.text, term):
            continue
        want = expected or term
        if not _has_phrase(target, want):
            out.append(v(index, seg, GLOSSARY, warning,
                         f"glossary: {term!r} should be translated as {want!r}" if expected
                         else f"glossary: {term!r} should stay as it is in the translation"))
    return out


def _has_phrase(text: str, phrase: str) -> bool:
    if " " not in phrase.strip():
        return _has_word(text, phrase.strip())
    return re.search(r"(?<!\w)" + re.escape(phrase.strip()) + r"(?!\w)", text or "",
                     re.IGNORECASE) is not None


def _target_layout(index, seg, target, profile: Profile, v, error, warning) -> list:
    out = []
    lengths = line_lengths(target, profile)
    if lengths:
        longest = max(lengths)
        line_no = lengths.index(longest) + 1
        if longest > profile.max_chars_per_line:
            out.append(v(index, seg, TARGET_LINE_LENGTH, error,
                         f"translation line {line_no} has {longest} characters "
                         f"(at most {profile.max_chars_per_line})",
                         longest, profile.max_chars_per_line))
        elif profile.optimal_chars_per_line and longest > profile.optimal_chars_per_line:
            out.append(v(index, seg, TARGET_LINE_LENGTH, warning,
                         f"translation line {line_no} has {longest} characters "
                         f"({profile.optimal_chars_per_line} preferred)",
                         longest, profile.optimal_chars_per_line))
        if len(lengths) > profile.max_lines:
            out.append(v(index, seg, TARGET_LINE_COUNT, error,
                         f"translation has {len(lengths)} lines (at most {profile.max_lines})",
                         len(lengths), profile.max_lines))
    if profile.max_cps and not seg.has(UNTIMED):
        chars = reading_chars(target, profile)
        value = 0.0 if not chars else float("inf") if seg.duration <= 0 \
            else chars * 1000.0 / seg.duration
        if value > profile.max_cps + 1e-9:
            shown = "infinite" if value == float("inf") else f"{value:.1f}"
            out.append(v(index, seg, TARGET_CPS, error,
                         f"translation reading speed {shown} characters/s "
                         f"(at most {profile.max_cps:g})", value, profile.max_cps))
    return out


def has_translations(segments: Iterable[Segment]) -> bool:
    """The document is being translated: some segment has a translation."""
    return any(s.translation and s.translation.strip() for s in segments)
