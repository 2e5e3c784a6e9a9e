"""Hypothesis strategies and small helpers shared by the format tests."""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

from app.core.document import Document
from app.core.model import Segment, Word
from app.core.words import split_words

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"

# Right-to-left, CJK and combining samples, mixed into every generated text.
SAMPLES = ["שלום עולם", "مرحبا بالعالم", "你好，世界", "Ça va ?", "e\u0301te\u0301", "👋🏽 hi"]


def chars(exclude: str = "") -> st.SearchStrategy[str]:
    """Any printable character (no control characters or lone surrogates), minus ``exclude``."""
    return st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=exclude + "\ufeff")


def texts(exclude: str = "", max_size: int = 40) -> st.SearchStrategy[str]:
    """Cue texts: unicode, RTL, empty, multi-line (with blank lines and stray spaces)."""
    piece = st.one_of(
        st.text(chars(exclude), max_size=12),
        st.sampled_from(SAMPLES),
        st.sampled_from(["\n", "\n\n", "  ", "\r\n", " \n "]),
    )
    return st.lists(piece, max_size=5).map("".join).map(lambda t: t[:max_size])


NAMES = st.one_of(st.none(), st.sampled_from(["Ann", "Bob Smith", "דוד", "李雷", "Dr. Who"]))


@st.composite
def documents(draw, text=None, max_ms: int = 36_000_000, speakers=NAMES) -> Document:
    text = texts() if text is None else text
    n = draw(st.integers(0, 6))
    segs = []
    for _ in range(n):
        start = draw(st.integers(0, max_ms))
        end = start + draw(st.integers(0, 20_000))
        segs.append(Segment(start, end, draw(text), speaker=draw(speakers)))
    return Document(segs)


def word_texts(exclude: str = "") -> st.SearchStrategy[str]:
    """One word as the core tokenizer sees it (no spaces; a CJK character is a word alone)."""
    alphabet = st.one_of(chars(exclude + " "), st.sampled_from(list("שלוםمرحبا你好")))
    return st.text(alphabet, min_size=1, max_size=8).filter(
        lambda w: not any(c.isspace() for c in w) and split_words(w) == [w]
    )


@st.composite
def word_timed_segments(draw, exclude: str = "") -> Segment:
    k = draw(st.integers(1, 6))
    words = [draw(word_texts(exclude)) for _ in range(k)]
    seps = [draw(st.sampled_from([" ", "\n", "  "])) for _ in range(k - 1)]
    text = words[0] + "".join(s + w for s, w in zip(seps, words[1:], strict=True))
    start = draw(st.integers(0, 10_000_000))
    points = sorted(draw(st.lists(st.integers(0, 15_000), min_size=2 * k, max_size=2 * k)))
    timed = tuple(Word(w, start + points[2 * i], start + points[2 * i + 1])
                  for i, w in enumerate(words))
    end = start + points[-1] + draw(st.integers(0, 2000))
    return Segment(start, end, text, words=timed, speaker=draw(NAMES))


def sample_document() -> Document:
    """A small real-looking document: three sentences, word times on the first."""
    first = Segment(1000, 3000, "And so my fellow Americans,",
                    words=(Word("And", 1000, 1200), Word("so", 1200, 1400), Word("my", 1400, 1600),
                           Word("fellow", 1650, 2100), Word("Americans,", 2100, 2900)))
    return Document([
        first,
        Segment(6000, 8500, "ask not what your country can do for you."),
        Segment(11_000, 14_000, "Ask what you can do for your country."),
    ])
