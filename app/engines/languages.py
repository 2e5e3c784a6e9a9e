"""Language codes: ISO 639-1 (Cueline's own and Whisper's) <-> Qwen3-ASR's language names,
and how each language joins text pieces.
"""

from __future__ import annotations

# Qwen3-ASR's 30 languages by ISO code (Filipino is Whisper's "tl", Tagalog).
QWEN_LANGUAGES: dict[str, str] = {
    "zh": "Chinese", "en": "English", "yue": "Cantonese", "ar": "Arabic", "de": "German",
    "fr": "French", "es": "Spanish", "pt": "Portuguese", "id": "Indonesian", "it": "Italian",
    "ko": "Korean", "ru": "Russian", "th": "Thai", "vi": "Vietnamese", "ja": "Japanese",
    "tr": "Turkish", "hi": "Hindi", "ms": "Malay", "nl": "Dutch", "sv": "Swedish",
    "da": "Danish", "fi": "Finnish", "pl": "Polish", "cs": "Czech", "tl": "Filipino",
    "fa": "Persian", "el": "Greek", "ro": "Romanian", "hu": "Hungarian", "mk": "Macedonian",
}
_ALIASES = {"fil": "tl", "tagalog": "tl", "cmn": "zh", "zh-cn": "zh", "zh-tw": "zh",
            "iw": "he", "jw": "jv"}
_BY_NAME = {name.lower(): code for code, name in QWEN_LANGUAGES.items()}

# Languages written without spaces between words: pieces are joined with nothing.
NO_SPACE_LANGUAGES = frozenset({"zh", "ja", "th", "yue", "lo", "my", "km", "bo"})


def normalize_code(code: str | None) -> str | None:
    """``"EN"`` -> ``"en"``, ``"English"`` -> ``"en"``, ``"fil"`` -> ``"tl"``; None stays None."""
    if code is None:
        return None
    key = str(code).strip().lower().replace("_", "-")
    if not key or key == "auto":
        return None
    if key in _BY_NAME:
        return _BY_NAME[key]
    return _ALIASES.get(key, key)


def to_qwen(code: str | None) -> str | None:
    """The Qwen3-ASR name of an ISO code (``None`` when Qwen does not know it)."""
    code = normalize_code(code)
    return QWEN_LANGUAGES.get(code) if code else None


def from_qwen(name: str | None) -> str | None:
    """The ISO code of a Qwen3-ASR language name (first of ``"Chinese,English"``)."""
    if not name:
        return None
    first = str(name).split(",")[0].strip().lower()
    return _BY_NAME.get(first)


def separator(language: str | None) -> str:
    """What goes between two pieces of text in ``language``."""
    return "" if normalize_code(language) in NO_SPACE_LANGUAGES else " "


def join_texts(pieces: list[str], language: str | None) -> str:
    sep = separator(language)
    return sep.join(p.strip() for p in pieces if p and p.strip())
