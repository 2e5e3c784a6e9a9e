"""Forced alignment with a Whisper model (faster-whisper / CTranslate2): the CPU default.

The given text is tokenised word by word, the window's audio is encoded once, and
CTranslate2's ``Whisper.align`` (cross-attention alignment heads + DTW, the machinery behind
faster-whisper's ``word_timestamps``) finds when each token is spoken.  A word starts when
its first letter-bearing token starts and ends when the token after its last one starts;
punctuation tokens around it do not count.  Windows hold at most 30 s of audio (past that,
words collapse at the end); only the window (plus a margin) is encoded, not a padded 30 s.  Multilingual models align any language they know; ``.en`` models
English only.
"""

from __future__ import annotations

import unicodedata
from typing import Any, ClassVar

import numpy as np

from app.align.base import Aligner
from app.align.errors import AlignError
from app.align.registry import register_aligner
from app.align.textmap import Timing, has_alnum, timeable
from app.audio.samples import ENGINE_RATE
from app.core.cancel import CancelToken

MAX_TEXT_TOKENS = 440  # the decoder's 448 positions less the start-of-transcript prompt
FULL_FRAMES = 3000  # Whisper's 30 s input, in 10 ms mel frames


def encoder_frames(content_frames: int) -> int:
    """Mel frames to encode for a window of ``content_frames``.

    Whisper pads every input to 30 s; encoding only the window plus 2 s of padding (at least
    10 s) gives the same alignment (measured: word-edge errors within 1 ms on the espeak-ng
    set, identical on jfk.flac) for a third to a half of the encoder's time.
    """
    frames = -(-content_frames // 100) * 100 + 200
    return int(min(FULL_FRAMES, max(1000, frames)))


def _is_punct_token(piece: str) -> bool:
    s = piece.strip()
    return not s or all(unicodedata.category(c)[0] in "PSZ" for c in s)


@register_aligner
class WhisperAligner(Aligner):
    name: ClassVar[str] = "whisper"
    title: ClassVar[str] = "Whisper"
    max_window_s: ClassVar[float] = 30.0

    def __init__(self, model: str | None = None, device: str = "auto",
                 compute_type: str = "auto", whisper_model: Any = None) -> None:
        """``model``: catalogue name or folder (default the bundled ``base``);
        ``whisper_model``: an already loaded ``faster_whisper.WhisperModel`` to use."""
        super().__init__()
        self._name = model or "base"
        self._device = device
        self._compute_type = compute_type
        self._model = whisper_model
        self._tokenizers: dict[str, Any] = {}

    @property
    def model_name(self) -> str:
        return self._name

    @classmethod
    def available(cls, model: str | None = None) -> bool:
        import importlib.util

        from app.engines.catalogue import find_model
        from app.engines.errors import ModelError
        from app.engines.models import resolve_model

        if importlib.util.find_spec("faster_whisper") is None:
            return False
        info = find_model(model or "base")
        if info is not None and info.engine != "whisper":
            return False
        try:
            path = resolve_model(model or "base")
        except ModelError:
            return False
        return (path / "model.bin").is_file()

    @classmethod
    def supports(cls, language: str | None) -> bool:
        from app.engines.whisper import whisper_languages

        return language is None or language in whisper_languages()

    @property
    def multilingual(self) -> bool:
        return bool(self.model.model.is_multilingual)

    def load(self) -> None:
        with self._lock:
            if self._model is None:
                from app.engines.errors import ModelError
                from app.engines.loading import load_whisper

                try:
                    self._model = load_whisper(self._name, self._device, self._compute_type)
                except ModelError as exc:
                    raise AlignError(f"cannot load the Whisper aligner: {exc}") from exc

    @property
    def model(self) -> Any:
        self.load()
        return self._model

    def _tokenizer(self, language: str | None) -> Any:
        from faster_whisper.tokenizer import _LANGUAGE_CODES, Tokenizer

        model = self.model
        multilingual = bool(model.model.is_multilingual)
        lang = (language or "en").lower()
        if not multilingual:
            if lang != "en":
                raise AlignError(f"Whisper model '{self._name}' aligns English only, not "
                                 f"'{lang}'; use a multilingual model such as 'base'")
        elif lang not in _LANGUAGE_CODES:
            raise AlignError(f"Whisper does not know the language '{lang}'")
        key = lang if multilingual else "en"
        if key not in self._tokenizers:
            self._tokenizers[key] = Tokenizer(model.hf_tokenizer, multilingual,
                                              task="transcribe", language=key)
        return self._tokenizers[key]

    def _time_words(self, samples: np.ndarray, words: list[str], language: str | None,
                    cancel: CancelToken | None) -> list[Timing | None]:
        from faster_whisper.audio import pad_or_trim

        model = self.model
        tokenizer = self._tokenizer(language)
        # tokens of each word, and which of them carry its sound
        tokens: list[int] = []
        spans: list[tuple[int, int] | None] = []
        for w in words:
            if not has_alnum(w):  # punctuation, symbols, emoji: not spoken
                spans.append(None)
                continue
            toks = tokenizer.encode(" " + w)
            pieces = [tokenizer.decode([t]) for t in toks]
            core = [k for k, p in enumerate(pieces) if not _is_punct_token(p)]
            if not toks or not core:
                spans.append(None)
                continue
            spans.append((len(tokens) + core[0], len(tokens) + core[-1] + 1))
            tokens.extend(toks)
        if not tokens:
            return [None] * len(words)
        if len(tokens) > MAX_TEXT_TOKENS:
            raise AlignError(f"too much text for one alignment window ({len(tokens)} tokens, "
                             f"at most {MAX_TEXT_TOKENS}): align it in shorter pieces")
        if cancel is not None:
            cancel.raise_if_cancelled()
        features = model.feature_extractor(samples)
        num_frames = min(features.shape[-1] - 1, FULL_FRAMES)
        encoder_output = model.encode(pad_or_trim(features, encoder_frames(num_frames)))
        if cancel is not None:
            cancel.raise_if_cancelled()
        try:
            result = model.model.align(encoder_output, tokenizer.sot_sequence, [tokens],
                                       num_frames, median_filter_width=7)[0]
        except (RuntimeError, ValueError) as exc:
            raise AlignError(f"Whisper alignment failed: {exc}") from exc
        text_idx = np.array([p[0] for p in result.alignments])
        time_idx = np.array([p[1] for p in result.alignments])
        if len(text_idx) == 0:
            return [None] * len(words)
        jumps = np.pad(np.diff(text_idx), (1, 0), constant_values=1).astype(bool)
        jump_ms = time_idx[jumps] * (1000.0 / model.tokens_per_second)
        probs = np.asarray(result.text_token_probs, dtype=np.float64)
        duration = len(samples) * 1000.0 / ENGINE_RATE
        out: list[Timing | None] = []
        for w, span in zip(words, spans, strict=True):
            if span is None:
                out.append(None)
                continue
            a, b = span
            if b >= len(jump_ms):  # the path ended early: no time for this word
                out.append(None)
                continue
            start = float(min(jump_ms[a], duration))
            end = float(min(jump_ms[b], duration))
            prob = float(np.mean(probs[a:b])) if b <= len(probs) and b > a else None
            out.append(Timing(start, max(start, end), prob, estimated=not timeable(w)))
        return out
