"""Spell checking of subtitle text with the dictionaries that ship inside ``pyspellchecker``.

Nothing is downloaded: the languages are those whose word lists the package carries
(:data:`LANGUAGES`).  A word counts as known when the dictionary has it, or it is in

- the user's dictionary for the language (:func:`user_dictionary_path`, one word per line in
  Cueline's data folder; *Add to dictionary* appends to it),
- the extra words a caller gives (the project's vocabulary: the names and jargon the
  transcribe dialog takes, and the words ignored for the project),
- the words ignored for this session (:meth:`Speller.ignore`).

What is skipped: markup (``<i>``, ``{\\an8}``), words with digits, single letters, words in
capitals (acronyms: "NASA", "OK").  A word with an apostrophe is known when the whole is
("don't", "aujourd'hui") or every part is ("l'homme": "l" and "homme").  Comparisons ignore
case, as the dictionaries are lower case.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ENV_DATA_DIR = "CUELINE_DATA_DIR"
LANGUAGES = {
    "en": "English", "de": "German", "es": "Spanish", "fr": "French", "it": "Italian",
    "nl": "Dutch", "pt": "Portuguese", "ru": "Russian", "ar": "Arabic", "eu": "Basque",
    "fa": "Persian", "lv": "Latvian",
}
MAX_SUGGESTIONS = 8
SUGGEST_BUDGET_S = 0.25
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_MARKUP = re.compile(r"<[^>\n]*>|\{[^}\n]*\}")
_APOSTROPHES = str.maketrans({"’": "'"})

_lock = threading.Lock()
_dictionaries: dict[str, object] = {}


class SpellingError(ValueError):
    """A language without a shipped dictionary."""

    @property
    def user_message(self) -> str:
        return str(self)


@dataclass(frozen=True, slots=True)
class Misspelling:
    start: int  # character offsets in the text
    end: int
    word: str


def data_dir() -> Path:
    """Cueline's data folder: ``$CUELINE_DATA_DIR``, else the user data folder."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("cueline"))


def user_dictionary_path(language: str) -> Path:
    return data_dir() / "dictionaries" / f"{base_language(language) or language}.txt"


def base_language(code: str | None) -> str | None:
    """The dictionary for a language tag (``en-GB`` -> ``en``), or None when none ships."""
    if not code:
        return None
    base = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return base if base in LANGUAGES else None


def available_languages() -> list[str]:
    """The shipped dictionaries present in this install (normally all of :data:`LANGUAGES`)."""
    try:
        import spellchecker
    except ImportError:
        return []
    folder = Path(spellchecker.__file__).parent / "resources"
    return [code for code in LANGUAGES if (folder / f"{code}.json.gz").is_file()]


def _dictionary(language: str):
    """The shared, loaded word list of a language (loading takes 0.1-0.4 s, once)."""
    with _lock:
        found = _dictionaries.get(language)
        if found is None:
            try:
                from spellchecker import SpellChecker
            except ImportError:
                raise SpellingError("spell checking needs the pyspellchecker package "
                                    "(pip install pyspellchecker)") from None
            found = SpellChecker(language=language, distance=2)
            _dictionaries[language] = found
        return found


def words_of(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, word)`` of each word, markup left out."""
    masked = _MARKUP.sub(lambda m: " " * len(m.group()), text)
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(masked)]


def vocabulary_words(text: str | None) -> set[str]:
    """The words of a vocabulary text (names and jargon, any separators), lower case."""
    if not text:
        return set()
    return {w.translate(_APOSTROPHES).lower() for _s, _e, w in words_of(text)}


def read_word_list(path: str | os.PathLike[str]) -> set[str]:
    """One word per line (blank lines and ``#`` comments skipped); a missing file is empty."""
    try:
        raw = Path(path).read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, NotADirectoryError):
        return set()
    out = set()
    for line in raw.splitlines():
        word = line.strip()
        if word and not word.startswith("#"):
            out.add(word.translate(_APOSTROPHES).lower())
    return out


class Speller:
    """Spell checking in one language (see the module doc)."""

    def __init__(self, language: str, known: Iterable[str] = (), *,
                 user_dictionary: str | os.PathLike[str] | None = None) -> None:
        code = base_language(language)
        if code is None:
            raise SpellingError(f"no spelling dictionary for {language!r} (available: "
                                f"{', '.join(LANGUAGES)})")
        self.language = code
        self._dict = _dictionary(code)
        self.user_path = Path(user_dictionary) if user_dictionary else user_dictionary_path(code)
        self.user_words = read_word_list(self.user_path)
        self.extra: set[str] = {w.translate(_APOSTROPHES).lower() for w in known}
        self.ignored: set[str] = set()
        self._cache: dict[str, tuple[Misspelling, ...]] = {}

    # -- what is known -----------------------------------------------------------------------
    def set_known(self, words: Iterable[str]) -> None:
        """Replace the caller's extra known words (vocabulary, project ignores)."""
        self.extra = {w.translate(_APOSTROPHES).lower() for w in words}
        self._cache.clear()

    def ignore(self, word: str) -> None:
        """Treat ``word`` as known for the rest of the session."""
        self.ignored.add(word.translate(_APOSTROPHES).lower())
        self._cache.clear()

    def add_to_dictionary(self, word: str) -> Path:
        """Append ``word`` to the user dictionary (created if needed); returns its path."""
        word = word.strip()
        key = word.translate(_APOSTROPHES).lower()
        if not key or any(c.isspace() for c in key):
            raise SpellingError(f"not a single word: {word!r}")
        if key not in self.user_words:
            self.user_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.user_path, "a", encoding="utf-8") as f:
                f.write(word + "\n")
            self.user_words.add(key)
        self._cache.clear()
        return self.user_path

    def _known(self, key: str) -> bool:
        return (key in self.user_words or key in self.extra or key in self.ignored
                or key in self._dict)

    def is_known(self, word: str) -> bool:
        key = word.translate(_APOSTROPHES).lower()
        if self._known(key):
            return True
        if "'" in key:
            return all(not part or len(part) <= 2 or self._known(part) for part in key.split("'"))
        return False

    @staticmethod
    def skipped(word: str) -> bool:
        """Words never checked: single letters, words with digits, words in capitals."""
        return len(word) < 2 or any(c.isdigit() for c in word) or (word.isupper() and len(word) > 1)

    # -- checking ----------------------------------------------------------------------------
    def misspellings(self, text: str) -> tuple[Misspelling, ...]:
        """The unknown words of ``text`` with their offsets (cached per text)."""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        found = tuple(Misspelling(s, e, w) for s, e, w in words_of(text)
                      if not self.skipped(w) and not self.is_known(w))
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[text] = found
        return found

    def suggestions(self, word: str, limit: int = MAX_SUGGESTIONS,
                    budget_s: float = SUGGEST_BUDGET_S) -> list[str]:
        """Known words one edit away, else two, most frequent first, in the word's case.

        Two edits of a long word are millions of strings (pyspellchecker's own search took 9 s
        on a 21-letter word): that search stops after ``budget_s`` with what it found.
        """
        key = word.translate(_APOSTROPHES).lower()
        d = self._dict
        first = d.edit_distance_1(key)
        cands = {c for c in first if c in d and c != key}
        if not cands:
            deadline = time.monotonic() + budget_s
            for k, e1 in enumerate(first):
                if k % 64 == 0 and time.monotonic() > deadline:
                    break
                cands.update(c for c in d.edit_distance_1(e1) if c in d)
            cands.discard(key)
        freq = d.word_frequency
        ranked = sorted(cands, key=lambda c: (-freq[c], c))[:limit]
        return [_like(word, c) for c in ranked]


def _like(model: str, word: str) -> str:
    """``word`` in the case of ``model`` (Title, UPPER or lower)."""
    if model[:1].isupper() and not model.isupper():
        return word[:1].upper() + word[1:]
    if model.isupper() and len(model) > 1:
        return word.upper()
    return word


def check_segments(segments, speller: Speller) -> list[tuple[int, Misspelling]]:
    """``(segment index, misspelling)`` for every unknown word of the segments' texts."""
    out = []
    for index, seg in enumerate(segments):
        for m in speller.misspellings(seg.text):
            out.append((index, m))
    return out
