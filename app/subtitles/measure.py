"""Measuring cue text: line lengths, reading speed, and the space between two words.

Reading speed counts the characters of the text without its line breaks, spaces and
punctuation included (as Netflix counts).  Profiles for languages written without spaces
(``count_spaces: false``) count characters only.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core.model import Segment, word_spans
from app.core.words import is_cjk_char, tokenize
from app.subtitles.profiles import Profile


def _counts_spaces(profile: Profile | None) -> bool:
    return True if profile is None else profile.count_spaces


def visible_length(text: str, count_spaces: bool = True) -> int:
    """Characters of one line as a viewer sees them (edges trimmed)."""
    text = text.strip()
    if count_spaces:
        return len(text)
    return sum(1 for c in text if not c.isspace())


def line_lengths(text: str, profile: Profile | None = None) -> list[int]:
    """The length of each line of a cue's text (``"\\n"`` separates lines)."""
    if not text:
        return []
    spaces = _counts_spaces(profile)
    return [visible_length(line, spaces) for line in text.split("\n")]


def reading_chars(text: str, profile: Profile | None = None) -> int:
    """Characters that count for reading speed: the text without line breaks."""
    flat = text.strip().replace("\r", "").replace("\n", "")
    if _counts_spaces(profile):
        return len(flat)
    return sum(1 for c in flat if not c.isspace())


def word_count(text: str) -> int:
    """Words for words-per-minute: runs of non-space characters (CJK characters count one each)."""
    return len(tokenize(text))


def cps(segment: Segment, profile: Profile | None = None) -> float:
    """Characters per second of a cue (``inf`` for text shown for no time)."""
    chars = reading_chars(segment.text, profile)
    if chars == 0:
        return 0.0
    if segment.duration <= 0:
        return float("inf")
    return chars * 1000.0 / segment.duration


def wpm(segment: Segment) -> float:
    """Words per minute of a cue (``inf`` for text shown for no time)."""
    words = word_count(segment.text)
    if words == 0:
        return 0.0
    if segment.duration <= 0:
        return float("inf")
    return words * 60000.0 / segment.duration


def join_space(left: str, right: str) -> str:
    """The separator between two words that had none given: nothing between CJK, else a space."""
    if left and right and is_cjk_char(left[-1]) and is_cjk_char(right[0]):
        return ""
    return " "


def normalise_space(space: str, left: str, right: str) -> str:
    """One separator from the whitespace found between two words.

    No whitespace stays none; a bare line break between CJK characters (put there by an
    earlier line break) becomes none; any other whitespace becomes one space.
    """
    if not space:
        return ""
    if space.strip("\n") == "" and join_space(left, right) == "":
        return ""
    return " "


def separators(text: str, words: Sequence[str]) -> list[str]:
    """The separator before each word as written in ``text`` (``""`` before the first).

    Falls back to :func:`join_space` when the words do not compose the text.
    """
    spans = word_spans(text, [_Tok(w) for w in words]) if words else []
    out: list[str] = []
    for k, w in enumerate(words):
        if k == 0:
            out.append("")
        elif spans is None:
            out.append(join_space(words[k - 1], w))
        else:
            gap = text[spans[k - 1][1]:spans[k][0]]
            out.append(normalise_space(gap, words[k - 1], w))
    return out


class _Tok:
    """The one attribute :func:`word_spans` reads from a word."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def split_text(text: str) -> tuple[list[str], list[str]]:
    """The words of a text and the separator before each (see :func:`separators`)."""
    spans = tokenize(text)
    words = [text[s:e] for s, e in spans]
    seps = [""] + [
        normalise_space(text[spans[k - 1][1]:spans[k][0]], words[k - 1], words[k])
        for k in range(1, len(spans))
    ]
    return words, seps[: len(words)]
