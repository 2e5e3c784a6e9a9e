"""Bilingual subtitles that meet the rules: each language laid out under the profile.

A stacked bilingual cue shows the source on top and the translation under it.  Each language
gets its own block of lines, and each block is held to the profile on its own: line length,
``lines_per_language`` lines (the profile's preferred count, or 1 for compact two-line cues)
and reading speed counted on that language alone, since a viewer reads one of the two.

With ``shape_cues`` the cues are cut anew (:func:`app.subtitles.shaping.shape` with
``translation_lines``): a translated segment is cut where the source allows, so that each
cue's share of the translation also fits its lines and is read in time.  A line break eats a
little of each line, so when a share still does not fit, the cut is tried again with the
translation's lines filled less (:data:`FILLS`).  Without shaping, the cues keep their times
and text; a language's lines are broken anew only when they break the rules as written.

Whatever still breaks a rule is reported (:class:`BilingualProblem`), never cut or dropped.
The same cues written as two files (:func:`split_languages`) share their timing exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from app.core.model import UNTIMED, Segment
from app.subtitles.layout import reflow_lines
from app.subtitles.measure import cps, line_lengths
from app.subtitles.profiles import Profile, load_profile
from app.subtitles.shaping import shape

FILLS = (1.0, 0.9, 0.8, 0.7)  # how full the translation's lines may be, tried in turn
SOURCE = "source"
TRANSLATION = "translation"


@dataclass(frozen=True)
class BilingualProblem:
    index: int  # the cue, from 0
    seg_id: str
    language: str  # SOURCE or TRANSLATION
    message: str

    def __str__(self) -> str:
        return f"cue {self.index + 1}, {self.language}: {self.message}"


@dataclass
class BilingualCues:
    cues: list[Segment] = field(default_factory=list)
    problems: list[BilingualProblem] = field(default_factory=list)
    untranslated: int = 0  # cues with source text and no translation

    def summary(self) -> str:
        """One line for a dialog or the command line ("" when all is well)."""
        parts = []
        if self.problems:
            cues = len({p.index for p in self.problems})
            parts.append(f"{cues} cue{'s' if cues != 1 else ''} break the profile's rules "
                         f"(first: {self.problems[0]})")
        if self.untranslated:
            parts.append(f"{self.untranslated} cue{'s' if self.untranslated != 1 else ''} "
                         "without a translation")
        return "; ".join(parts)


def language_profile(profile: Profile, lines: int | None = None,
                     language: str | None = None) -> Profile:
    """``profile`` for one language's block of a bilingual cue: at most ``lines`` lines."""
    lines = min(lines or profile.lines_target, profile.max_lines)
    return replace(profile, max_lines=lines, preferred_lines=None,
                   language=language or profile.language)


def bilingual_cues(segments: Sequence[Segment], profile: Profile | str, *,
                   source_language: str | None = None, target_language: str | None = None,
                   lines_per_language: int | None = None,
                   shape_cues: bool = False) -> BilingualCues:
    """The cues of ``segments`` with source and translation each laid out under ``profile``
    (see the module doc); problems that remain are listed, cue by cue."""
    profile = load_profile(profile)
    src_p = language_profile(profile, lines_per_language, source_language)
    tgt_p = language_profile(profile, lines_per_language, target_language)
    lines = src_p.max_lines
    best: BilingualCues | None = None
    for fill in FILLS if shape_cues else (None,):
        if fill is None:
            cues = list(segments)
        else:
            cues = shape(segments, src_p, translation_lines=lines, translation_fill=fill)
        result = _lay_out(cues, src_p, tgt_p)
        if best is None or len(result.problems) < len(best.problems):
            best = result
        if not any(p.language == TRANSLATION for p in result.problems):
            break
    assert best is not None
    return best


def _lay_out(cues: Sequence[Segment], src_p: Profile, tgt_p: Profile) -> BilingualCues:
    out = BilingualCues()
    for index, seg in enumerate(cues):
        text = fit_lines(seg.text, src_p, seg.language or src_p.language)
        translation = seg.translation
        if translation is not None and translation.strip():
            translation = fit_lines(translation, tgt_p, tgt_p.language)
        elif seg.text.strip():
            out.untranslated += 1
        cue = seg.replace(text=text, translation=translation)  # only whitespace changed
        out.cues.append(cue)
        out.problems.extend(_problems(index, cue, cue.text, SOURCE, src_p))
        if translation:
            out.problems.extend(_problems(index, cue, translation, TRANSLATION, tgt_p))
    return out


def _fits(text: str, profile: Profile) -> bool:
    lengths = line_lengths(text, profile)
    return len(lengths) <= profile.max_lines and all(n <= profile.max_chars_per_line
                                                     for n in lengths)


def fit_lines(text: str, profile: Profile, language: str | None = None) -> str:
    """``text`` as written when its lines meet the rules (and, on one line, are no longer
    than the profile's preferred length), else broken anew (words kept)."""
    if not text.strip():
        return text
    lengths = line_lengths(text, profile)
    if _fits(text, profile) and not (len(lengths) == 1 and lengths[0] > profile.line_target):
        return text
    return reflow_lines(text, profile, language)


def _problems(index: int, seg: Segment, text: str, language: str,
              profile: Profile) -> list[BilingualProblem]:
    out = []
    lengths = line_lengths(text, profile)
    if len(lengths) > profile.max_lines:
        out.append(BilingualProblem(index, seg.id, language,
                                    f"{len(lengths)} lines (at most {profile.max_lines})"))
    if lengths and max(lengths) > profile.max_chars_per_line:
        out.append(BilingualProblem(index, seg.id, language,
                                    f"a line of {max(lengths)} characters "
                                    f"(at most {profile.max_chars_per_line})"))
    if profile.max_cps and not seg.has(UNTIMED) and text.strip():
        value = cps(seg.replace(text=text, words=()), profile)
        if value > profile.max_cps + 1e-9:
            shown = "infinite" if value == float("inf") else f"{value:.1f}"
            out.append(BilingualProblem(index, seg.id, language,
                                        f"reading speed {shown} characters/s "
                                        f"(at most {profile.max_cps:g})"))
    return out


def split_languages(cues: Sequence[Segment]) -> tuple[list[Segment], list[Segment]]:
    """The source cues and the translation cues, for two files with the same timing.  A cue
    without a translation is left out of the second (an empty cue shows nothing)."""
    source = [c.replace(translation=None, translation_state=None) for c in cues]
    target = [c.replace(text=c.translation.strip(), words=(), translation=None,
                        translation_state=None)
              for c in cues if c.translation and c.translation.strip()]
    return source, target
