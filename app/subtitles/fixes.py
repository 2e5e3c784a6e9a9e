"""*Fix common errors*: small text repairs in the spirit of Subtitle Edit's, each one a rule.

Each rule turns a cue's text into the repaired text (or returns it unchanged):

- :data:`DOUBLE_SPACES`: runs of spaces become one; spaces at line ends go.
- :data:`SPACE_BEFORE_PUNCTUATION`: ``word ,`` -> ``word,`` (French keeps its space before
  ``; : ! ?``).
- :data:`MISSING_SPACE_AFTER`: ``Yes,sir`` -> ``Yes, sir``; ``end.The`` -> ``end. The``
  (abbreviations, decimals, times and web addresses are left alone).
- :data:`REPEATED_WORDS`: ``the the`` -> ``the`` ("had had" and "that that" are English).
- :data:`DIALOGUE_DASHES`: a two-line cue with a dash on one line only gets it on both, in the
  same style, when its first line ends a sentence (two speakers); when the first line runs on
  into the second (one speaker), and on a one-line cue, the lone dash goes.
- :data:`HEARING_IMPAIRED` (off by default): ``[door slams]``, ``(laughs)`` and speaker labels
  in capitals (``JOHN:``) are removed; a cue left empty is deleted.
- :data:`REBALANCE_LINES`: a cue whose lines break the profile (too long, too many, one line
  would do, or very uneven) is re-broken by :func:`app.subtitles.layout.reflow_lines`.

:func:`find_fixes` lists every change rule by rule, in order, each with its before and after;
:func:`apply_fixes` applies the chosen ones as ONE undoable command (rules run in the same
order on the cue's current text, so leaving one out never garbles another).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from app.core import edits
from app.core.document import Document
from app.core.model import Segment
from app.subtitles.layout import reflow_lines
from app.subtitles.measure import line_lengths
from app.subtitles.profiles import Profile

DOUBLE_SPACES = "double_spaces"
SPACE_BEFORE_PUNCTUATION = "space_before_punctuation"
MISSING_SPACE_AFTER = "missing_space_after"
REPEATED_WORDS = "repeated_words"
DIALOGUE_DASHES = "dialogue_dashes"
HEARING_IMPAIRED = "hearing_impaired"
REBALANCE_LINES = "rebalance_lines"

RULE_TITLES = {
    DOUBLE_SPACES: "Double spaces",
    SPACE_BEFORE_PUNCTUATION: "Space before punctuation",
    MISSING_SPACE_AFTER: "Missing space after punctuation",
    REPEATED_WORDS: "Repeated words",
    DIALOGUE_DASHES: "Unbalanced dialogue dashes",
    HEARING_IMPAIRED: "Text for the hearing impaired ([…], (…), NAME:)",
    REBALANCE_LINES: "Lines to rebalance",
}
ORDER = (HEARING_IMPAIRED, DOUBLE_SPACES, SPACE_BEFORE_PUNCTUATION, MISSING_SPACE_AFTER,
         REPEATED_WORDS, DIALOGUE_DASHES, REBALANCE_LINES)
DEFAULT_RULES = tuple(r for r in ORDER if r != HEARING_IMPAIRED)
UNBALANCED_CHARS = 8  # two lines differing by more than this (and by half) are uneven
REPEAT_ALLOWED = {"en": {"had", "that"}}

_SPACES = re.compile(r"[ \t\u00a0]{2,}")
_LINE_EDGE_SPACES = re.compile(r"[ \t]+(?=\n)|(?<=\n)[ \t]+")
_BEFORE = re.compile(r"(?<=[^\W_])[ \t]+([,!?;:…]|\.(?![\d.]))")
_FRENCH_SPACED = set(";:!?")
_AFTER_COMMA = re.compile(r"(?<=[^\W\d_])([,;!?])(?=[^\W\d_])")
_AFTER_COLON = re.compile(r"(?<=[^\W\d_]{2})(:)(?=[^\W\d_]{2})(?!//)")
_AFTER_PERIOD = re.compile(r"(?<=[^\W\d_]{2})([.]|\.\.\.|…)(?=[^\W\d_\s][^\W\d_]*[a-zà-ÿ])")
_REPEAT = re.compile(r"\b([^\W\d_]+)(?:[ \t]+\1\b)+", re.IGNORECASE)
_DASH_LINE = re.compile(r"^([-‐–—])(\s?)(?=[^\s\d])")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s*$")
_HI_BRACKETS = re.compile(r"\[[^\]\n]*\]|\([^)\n]*\)")
_HI_LABEL = re.compile(r"^(\s*[-‐–—]?\s*)[A-Z][A-Z0-9 .'’-]{1,30}:\s*", re.MULTILINE)
_WEB = re.compile(r"(?:https?://|www\.)\S+|\S+\.(?:com|org|net|io|co|uk|de|fr)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Fix:
    """One change a rule makes to one cue."""

    seg_id: str
    index: int  # the cue's position in the document when found
    rule: str
    before: str
    after: str  # "" with ``delete``: the cue is deleted

    @property
    def delete(self) -> bool:
        return self.rule == HEARING_IMPAIRED and not self.after.strip()


def _protect(text: str, pattern: re.Pattern, fix: Callable[[str], str]) -> str:
    """Apply ``fix`` to the parts of ``text`` outside web addresses."""
    out, last = [], 0
    for m in _WEB.finditer(text):
        out.append(fix(text[last:m.start()]))
        out.append(m.group())
        last = m.end()
    out.append(fix(text[last:]))
    return "".join(out)


def fix_double_spaces(text: str, **_kw) -> str:
    text = _SPACES.sub(" ", text)
    text = _LINE_EDGE_SPACES.sub("", text)
    return text.strip(" \t")


def fix_space_before_punctuation(text: str, language: str | None = None, **_kw) -> str:
    french = (language or "").lower().startswith("fr")

    def repl(m: re.Match) -> str:
        return m.group(0) if french and m.group(1) in _FRENCH_SPACED else m.group(1)

    return _BEFORE.sub(repl, text)


def fix_missing_space_after(text: str, **_kw) -> str:
    def fix(part: str) -> str:
        part = _AFTER_COMMA.sub(r"\1 ", part)
        part = _AFTER_COLON.sub(r"\1 ", part)
        return _AFTER_PERIOD.sub(r"\1 ", part)

    return _protect(text, _WEB, fix)


def fix_repeated_words(text: str, language: str | None = None, **_kw) -> str:
    allowed = REPEAT_ALLOWED.get((language or "en")[:2].lower(), set())

    def repl(m: re.Match) -> str:
        return m.group(0) if m.group(1).lower() in allowed else m.group(1)

    return _REPEAT.sub(repl, text)


def fix_dialogue_dashes(text: str, **_kw) -> str:
    lines = text.split("\n")
    dashed = [_DASH_LINE.match(line) for line in lines]
    if len(lines) == 1:
        m = dashed[0]
        return text[m.end():] if m else text
    if len(lines) != 2 or all(dashed) or not any(dashed):
        return text
    if not _SENTENCE_END.search(lines[0]):
        # the first line runs on into the second: one speaker, the dash is a mistake
        return "\n".join(line[m.end():] if m else line for line, m in zip(lines, dashed, strict=True))
    model = next(m for m in dashed if m)
    style = model.group(1) + model.group(2)
    return "\n".join(line if m else style + line.lstrip() for line, m in zip(lines, dashed, strict=True))


def fix_hearing_impaired(text: str, **_kw) -> str:
    text = _HI_BRACKETS.sub("", text)
    text = _HI_LABEL.sub(lambda m: m.group(1), text)
    lines = [re.sub(r"[ \t]{2,}", " ", line).strip() for line in text.split("\n")]
    lines = [line for line in lines if line and not re.fullmatch(r"[-‐–—]\s*", line)]
    if len(lines) == 1:
        lines[0] = _DASH_LINE.sub("", lines[0]) if _DASH_LINE.match(lines[0]) else lines[0]
    return "\n".join(lines)


def _dialogue(text: str) -> bool:
    return any(_DASH_LINE.match(line) for line in text.split("\n"))


def needs_rebalance(text: str, profile: Profile) -> bool:
    """The cue's line breaks break the profile: a line too long, too many lines, a break where
    one line would do, or two very uneven lines."""
    lengths = line_lengths(text, profile)
    if not lengths or _dialogue(text):
        return False
    if max(lengths) > profile.max_chars_per_line or len(lengths) > profile.lines_target:
        return True
    if len(lengths) == 2:
        one = line_lengths(" ".join(text.split()), profile)
        if one and one[0] <= profile.line_target:
            return True
        short, long_ = sorted(lengths)
        return long_ - short > max(UNBALANCED_CHARS, long_ // 2)
    return False


def fix_rebalance_lines(text: str, profile: Profile | None = None, language: str | None = None,
                        **_kw) -> str:
    if profile is None or not needs_rebalance(text, profile):
        return text
    return reflow_lines(text, profile, language)


RULES: dict[str, Callable[..., str]] = {
    DOUBLE_SPACES: fix_double_spaces,
    SPACE_BEFORE_PUNCTUATION: fix_space_before_punctuation,
    MISSING_SPACE_AFTER: fix_missing_space_after,
    REPEATED_WORDS: fix_repeated_words,
    DIALOGUE_DASHES: fix_dialogue_dashes,
    HEARING_IMPAIRED: fix_hearing_impaired,
    REBALANCE_LINES: fix_rebalance_lines,
}


def run_rules(text: str, rules: Iterable[str], profile: Profile | None = None,
              language: str | None = None) -> list[tuple[str, str, str]]:
    """``(rule, before, after)`` for each rule that changes ``text``, applied in order."""
    chosen = set(rules)
    steps = []
    for rule in ORDER:
        if rule not in chosen:
            continue
        after = RULES[rule](text, profile=profile, language=language)
        if after != text:
            steps.append((rule, text, after))
            text = after
        if rule == HEARING_IMPAIRED and not text.strip():
            break  # the cue goes: nothing else to fix
    return steps


def find_fixes(segments: Sequence[Segment], rules: Iterable[str] = DEFAULT_RULES,
               profile: Profile | None = None, language: str | None = None) -> list[Fix]:
    """Every change the ``rules`` make, cue by cue, rule by rule (see the module doc)."""
    rules = tuple(rules)
    out: list[Fix] = []
    for index, seg in enumerate(segments):
        if not seg.text:
            continue
        lang = seg.language or language or (profile.language if profile else None)
        for rule, before, after in run_rules(seg.text, rules, profile, lang):
            out.append(Fix(seg.id, index, rule, before, after))
    return out


def apply_fixes(doc: Document, fixes: Iterable[Fix], profile: Profile | None = None,
                language: str | None = None) -> int:
    """Apply the chosen fixes as one undo step; returns the number of cues changed.

    For each cue, the chosen rules run again, in order, on its current text: a fix whose
    cue changed meanwhile is applied to the new text, never pasted over it.
    """
    by_seg: dict[str, set[str]] = {}
    for f in fixes:
        by_seg.setdefault(f.seg_id, set()).add(f.rule)
    changed = 0
    with doc.transaction("Fix common errors"):
        for sid, rules in by_seg.items():
            if sid not in doc:
                continue
            seg = doc.get(sid)
            lang = seg.language or language or (profile.language if profile else None)
            steps = run_rules(seg.text, rules, profile, lang)
            if not steps:
                continue
            text = steps[-1][2]
            changed += 1
            if not text.strip() and HEARING_IMPAIRED in rules:
                edits.delete(doc, [sid])
            else:
                edits.edit_text(doc, sid, text)
    return changed
