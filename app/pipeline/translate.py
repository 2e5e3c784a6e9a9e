"""Translating segments into English with Whisper, each from its own audio (Qt-free).

For every segment, Whisper runs with ``task="translate"`` on that segment's stretch of the
recording (plus a little margin), so the English shares the segment's timing exactly: the
pair can be reviewed side by side and exported as two-line bilingual subtitles.  The English
goes into ``segment.translation``; :func:`apply_translations` stores a batch as ONE undoable
step.

A job has three parts, like re-alignment:

1. :func:`prepare_translation` (UI thread): a snapshot of the segments to translate;
2. :func:`translate_items` (worker thread): the engine's work, on the snapshot only;
3. :func:`apply_translations` (UI thread): the results as one "Translate" command, skipping
   segments deleted meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from app.audio.samples import ENGINE_RATE, SAMPLES_PER_MS, audio_window, to_engine_rate
from app.core.cancel import Cancelled, CancelToken, Progress
from app.core.document import Document
from app.engines.base import Engine, TranscribeOptions

PAD_MS = 150  # audio kept either side of a segment
MAX_PIECE_MS = 28_000  # Whisper hears at most 30 s at once: longer segments go in pieces
MIN_AUDIO_MS = 200  # shorter stretches are padded with silence to this length
DEFAULT_MODEL = "base"  # the bundled multilingual model

ProgressFn = Callable[[Progress], None]


@dataclass(frozen=True)
class TranslationItem:
    """One segment to translate, as it was when the job began."""

    seg_id: str
    text: str
    start: int
    end: int
    language: str | None = None


@dataclass
class TranslationResult:
    translations: dict[str, str] = field(default_factory=dict)  # segment id -> English
    cancelled: bool = False
    model: str = ""
    elapsed_s: float = 0.0
    warnings: list[str] = field(default_factory=list)


def prepare_translation(doc: Document, seg_ids: Iterable[str] | None = None) -> list[TranslationItem]:
    """The segments to translate (all, or ``seg_ids``) that have audio: text and a length."""
    wanted = None if seg_ids is None else set(seg_ids)
    default_language = doc.meta.get("language") or None
    out = []
    for s in doc:
        if wanted is not None and s.id not in wanted:
            continue
        if s.end <= s.start or not s.text.strip():
            continue
        out.append(TranslationItem(s.id, s.text, s.start, s.end, s.language or default_language))
    return out


def _pieces(item: TranslationItem, total_ms: int) -> list[tuple[int, int]]:
    start = max(0, item.start - PAD_MS)
    end = min(total_ms, item.end + PAD_MS) if total_ms else item.end + PAD_MS
    if end - start <= MAX_PIECE_MS:
        return [(start, end)]
    n = -(-(end - start) // MAX_PIECE_MS)
    step = (end - start) / n
    return [(int(start + i * step), int(start + (i + 1) * step)) for i in range(n)]


def make_translator(model: str | None = None, device: str = "auto") -> Engine:
    """A (not yet loaded) Whisper engine able to translate; ``EngineError`` if it cannot."""
    from app.engines.registry import create_engine

    engine = create_engine("whisper", model or DEFAULT_MODEL, device=device)
    engine.check_options(TranscribeOptions(task="translate"))
    return engine


def translate_items(items: Sequence[TranslationItem], samples: np.ndarray,
                    sample_rate: int = ENGINE_RATE, *, model: str | None = None,
                    engine: Engine | None = None, device: str = "auto",
                    language: str | None = None, beam_size: int = 5,
                    cancel: CancelToken | None = None, progress: ProgressFn | None = None,
                    on_partial: Callable[[str, str], None] | None = None) -> TranslationResult:
    """English for each item, from its own audio (worker thread).

    ``samples``: the whole recording, mono, float32 or int16; ``language``: the speech's
    language when the items do not say (None: detected per segment).  Cancelling stops
    after the segment being translated and returns what was finished (``cancelled``).
    Raises ``ModelError``/``EngineError`` when the model cannot be loaded or cannot translate.
    """
    t0 = time.monotonic()
    cancel = cancel or CancelToken()
    engine = engine or make_translator(model, device)
    engine.check_options(TranscribeOptions(task="translate"))
    engine.load()
    result = TranslationResult(model=str(engine.model_name))
    total_ms = len(samples) * 1000 // sample_rate
    for n, item in enumerate(items):
        if cancel.cancelled:
            result.cancelled = True
            break
        try:
            english = _translate_one(engine, item, samples, sample_rate, total_ms, language,
                                     beam_size, cancel, result.warnings)
        except Cancelled:
            result.cancelled = True
            break
        if english:
            result.translations[item.seg_id] = english
            if on_partial is not None:
                on_partial(item.seg_id, english)
        if progress is not None:
            progress(Progress(n + 1, len(items), f"translated {n + 1} of {len(items)} segments"))
    result.elapsed_s = time.monotonic() - t0
    return result


def _translate_one(engine: Engine, item: TranslationItem, samples: np.ndarray, sample_rate: int,
                   total_ms: int, language: str | None, beam_size: int, cancel: CancelToken,
                   warnings: list[str]) -> str:
    from app.engines.languages import join_texts

    # beam search without the temperature fallback: a draft for review, and a fallback costs
    # up to five more decodes of the segment
    options = TranscribeOptions(language=item.language or language, task="translate",
                                beam_size=beam_size, best_of=beam_size, temperatures=(0.0,))
    texts = []
    for a, b in _pieces(item, total_ms):
        x = audio_window(samples, a, b, sample_rate)
        if sample_rate != ENGINE_RATE:
            x = to_engine_rate(x, sample_rate)
        if len(x) < MIN_AUDIO_MS * SAMPLES_PER_MS:
            x = np.pad(x, (0, MIN_AUDIO_MS * SAMPLES_PER_MS - len(x)))
        transcript = engine.transcribe_chunk(x, options, cancel)
        warnings.extend(w for w in transcript.warnings if w not in warnings)
        texts.append(transcript.text)
    return join_texts(texts, "en")


def apply_translations(doc: Document, translations: dict[str, str],
                       name: str = "Translate to English",
                       sources: dict[str, str] | None = None) -> int:
    """Store translations as one undoable step, as machine translations; segments deleted
    meanwhile, or whose text changed since (``sources``: text when the job began), are
    skipped.  Returns how many segments changed."""
    from app.core.translation import apply_machine_translations

    return apply_machine_translations(doc, translations, sources=sources, name=name).changed
