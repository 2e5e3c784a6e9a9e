"""Qwen3-ASR through the ``qwen-asr`` package (optional; a GPU engine in practice).

The package is imported only when the engine loads.  Cueline feeds it its own chunks
(<= 30 s, cut at pauses), so the package's energy-based splitting and separator-less joining
never happen, and its audio encoder's missing attention windows on CPU do no harm.  Guards
against the package's known pitfalls:

* ``max_new_tokens`` truncation is detected (the output ran to the limit with no end token);
  the chunk is then split in two at its quietest point near the middle and retried once;
* repetition loops are collapsed and echoes of the context prompt removed (both reported in
  ``ChunkTranscript.removed`` so the pipeline logs them);
* word times come from Qwen3-ForcedAligner when it is installed, else they are spread evenly
  over each sentence and flagged estimated (the pipeline's aligner can refine them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from app.audio.samples import ENGINE_RATE
from app.core.cancel import CancelToken, Progress
from app.core.model import Word
from app.core.words import distribute, fill_missing, split_words
from app.engines.base import (
    Capabilities,
    ChunkSegment,
    ChunkTranscript,
    Engine,
    TranscribeOptions,
    as_chunk_samples,
)
from app.engines.catalogue import DEFAULT_QWEN, QWEN_ALIGNER
from app.engines.errors import EngineError, ModelError
from app.engines.languages import QWEN_LANGUAGES, from_qwen, normalize_code, to_qwen
from app.engines.models import resolve_model
from app.engines.registry import register_engine
from app.engines.textfix import collapse_repeats, norm_word, strip_echo

QWEN_EOS_IDS = (151645, 151643)  # hard-coded in qwen-asr's generate()
CONTEXT_TOKEN_WARNING = 10_000
ALIGNER_LANGUAGES = frozenset({"zh", "en", "yue", "fr", "de", "it", "ja", "ko", "pt", "ru", "es"})
MIN_SPLIT_SAMPLES = 2 * ENGINE_RATE
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")


@register_engine
class QwenEngine(Engine):
    """Qwen3-ASR.  ``settings``: ``backend`` (auto/transformers/vllm), ``max_new_tokens``
    (default 512), ``aligner`` ("auto": use Qwen3-ForcedAligner when installed; "none"; or
    a model name/folder), ``batch_size`` (chunks per forward pass, default 8)."""

    name = "qwen"
    title = "Qwen3-ASR"
    default_model = DEFAULT_QWEN

    def __init__(self, model: str | None = None, device: str = "auto",
                 compute_type: str = "auto", cpu_threads: int = 0, **settings: Any) -> None:
        super().__init__(model, device, compute_type, cpu_threads, **settings)
        self._asr: Any = None
        self._aligner: Any = None
        self.backend = ""
        self.max_new_tokens = int(settings.get("max_new_tokens", 512))
        self.batch_size = max(1, int(settings.get("batch_size", 8)))

    # ---------------------------------------------------------------- lifecycle

    def _load(self, progress: Callable[[Progress], None] | None,
              cancel: CancelToken | None) -> None:
        try:
            import torch
            from qwen_asr import Qwen3ASRModel
        except ImportError as exc:
            if installed():  # there, but broken: name the cause
                raise EngineError(f"the Qwen3-ASR engine cannot start: {exc}") from exc
            raise EngineError(missing_message()) from exc
        path = resolve_model(self.model_name)
        device = self._torch_device(torch)
        if self.cpu_threads:
            torch.set_num_threads(self.cpu_threads)
        if progress is not None:
            progress(Progress(0, 1, f"loading Qwen3-ASR model '{self.model_name}'"))
        backend = self.settings.get("backend", "auto")
        use_vllm = backend == "vllm" or (backend == "auto" and device.startswith("cuda")
                                         and _has_vllm())
        try:
            if use_vllm:
                self._asr = Qwen3ASRModel.LLM(model=str(path), max_new_tokens=self.max_new_tokens,
                                              max_inference_batch_size=self.batch_size)
                self.backend = "vllm"
            else:
                self._asr = Qwen3ASRModel.from_pretrained(
                    str(path), dtype=self._dtype(torch, device), device_map=device,
                    max_new_tokens=self.max_new_tokens, max_inference_batch_size=self.batch_size)
                self.backend = "transformers"
        except ImportError as exc:
            raise EngineError(f"cannot start the vLLM backend: {exc}") from exc
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelError(f"cannot load Qwen3-ASR model '{self.model_name}' from '{path}': "
                             f"{exc}") from exc
        self._aligner = self._load_aligner(torch, device)
        if progress is not None:
            progress(Progress(1, 1, f"loaded Qwen3-ASR model '{self.model_name}'"))

    def _torch_device(self, torch: Any) -> str:
        if self.device == "cuda" and not torch.cuda.is_available():
            raise EngineError("device 'cuda' was asked for but torch sees no CUDA GPU")
        if self.device == "auto":
            return "cuda:0" if torch.cuda.is_available() else "cpu"
        return "cuda:0" if self.device == "cuda" else "cpu"

    def _dtype(self, torch: Any, device: str) -> Any:
        ctype = self.compute_type
        if ctype in ("", "auto", None):
            return torch.bfloat16 if device.startswith("cuda") else torch.float32
        try:
            return getattr(torch, ctype)
        except AttributeError as exc:
            raise EngineError(f"unknown compute type '{ctype}' for Qwen3-ASR "
                              "(use float32, bfloat16 or float16)") from exc

    def _load_aligner(self, torch: Any, device: str) -> Any:
        choice = self.settings.get("aligner", "auto")
        if choice in (None, "", "none", False):
            return None
        name = QWEN_ALIGNER if choice == "auto" else str(choice)
        try:
            path = resolve_model(name)
        except ModelError:
            if choice == "auto":
                return None
            raise
        from qwen_asr import Qwen3ForcedAligner

        try:
            return Qwen3ForcedAligner.from_pretrained(
                str(path), dtype=self._dtype(torch, device), device_map=device)
        except (OSError, ValueError, RuntimeError, TypeError) as exc:
            raise ModelError(f"cannot load the forced aligner '{name}' from '{path}': "
                             f"{exc}") from exc

    def _unload(self) -> None:
        self._asr = None
        self._aligner = None

    @property
    def has_aligner(self) -> bool:
        return self._aligner is not None

    # ---------------------------------------------------------------- description

    def capabilities(self) -> Capabilities:
        return Capabilities(
            languages=frozenset(QWEN_LANGUAGES), translate=False,
            word_timestamps=self._aligner is not None, context_prompt=True, needs_gpu=True,
            language_detection=True, max_chunk_s=30.0, batched=True,
        )

    def check_options(self, options: TranscribeOptions) -> list[str]:
        if options.task == "translate":
            raise EngineError("Qwen3-ASR cannot translate; use a multilingual Whisper model")
        if options.language and to_qwen(options.language) is None:
            raise EngineError(f"Qwen3-ASR does not support language '{options.language}' "
                              f"(it knows: {', '.join(sorted(QWEN_LANGUAGES))})")
        warnings = super().check_options(options)
        if options.initial_prompt and self._asr is not None:
            n = len(self._asr.processor.tokenizer(options.initial_prompt)["input_ids"])
            if n > CONTEXT_TOKEN_WARNING:
                warnings.append(f"the context text is {n} tokens long; past about "
                                f"{CONTEXT_TOKEN_WARNING} Qwen3-ASR slows down and may echo it")
        return warnings

    # ---------------------------------------------------------------- work

    def transcribe_chunk(self, samples: np.ndarray, options: TranscribeOptions,
                         cancel: CancelToken | None = None) -> ChunkTranscript:
        return self.transcribe_batch([samples], options, cancel)[0]

    def transcribe_batch(self, chunks: Sequence[np.ndarray], options: TranscribeOptions,
                         cancel: CancelToken | None = None,
                         previous: Sequence[tuple[int, ...]] | None = None,
                         ) -> list[ChunkTranscript]:
        """Decode a batch (``previous`` is ignored: Qwen3-ASR does not continue text)."""
        if not chunks:
            return []
        self.load()
        self.check_options(options)
        arrays = [as_chunk_samples(c) for c in chunks]
        raw = self._generate(arrays, options, cancel)
        out: list[ChunkTranscript] = []
        for samples, (language, text, truncated) in zip(arrays, raw, strict=True):
            pieces = [(samples, 0, language, text, truncated)]
            if truncated and len(samples) >= MIN_SPLIT_SAMPLES:
                pieces = self._split_retry(samples, options, cancel)
            out.append(self._transcript(pieces, options, truncated))
        return out

    def _generate(self, arrays: list[np.ndarray], options: TranscribeOptions,
                  cancel: CancelToken | None) -> list[tuple[str | None, str, bool]]:
        """``(ISO language, text, truncated)`` per chunk, decoded in batches."""
        from qwen_asr import parse_asr_output

        forced = to_qwen(options.language) if options.language else None
        context = (options.initial_prompt or "").strip()
        limit = options.max_new_tokens or self.max_new_tokens
        results: list[tuple[str | None, str, bool]] = []
        for i in range(0, len(arrays), self.batch_size):
            if cancel is not None:
                cancel.raise_if_cancelled()
            batch = arrays[i:i + self.batch_size]
            prompt = self._asr._build_text_prompt(context=context, force_language=forced)
            try:
                if self.backend == "vllm":
                    decoded = self._run_vllm(prompt, batch, limit)
                else:
                    decoded = self._run_transformers(prompt, batch, limit)
            except (RuntimeError, ValueError) as exc:
                raise EngineError(f"Qwen3-ASR failed on a chunk: {exc}") from exc
            for raw, truncated in decoded:
                lang_name, text = parse_asr_output(raw, user_language=forced)
                language = normalize_code(options.language) if forced else from_qwen(lang_name)
                results.append((language, text.strip(), truncated))
        return results

    def _run_transformers(self, prompt: str, batch: list[np.ndarray],
                          limit: int) -> list[tuple[str, bool]]:
        import torch

        asr = self._asr
        processor = asr.processor
        inputs = processor(text=[prompt] * len(batch), audio=batch, return_tensors="pt",
                           padding=True)
        inputs = inputs.to(asr.model.device).to(asr.model.dtype)
        tok = processor.tokenizer
        pad_id = tok.pad_token_id if tok.pad_token_id is not None else QWEN_EOS_IDS[1]
        stop = set(QWEN_EOS_IDS) | {t for t in (tok.eos_token_id, pad_id) if t is not None}
        with torch.inference_mode():
            out = asr.model.generate(**inputs, max_new_tokens=limit, pad_token_id=pad_id)
        generated = out.sequences[:, inputs["input_ids"].shape[1]:].tolist()
        decoded = []
        for row in generated:
            n = next((k for k, t in enumerate(row) if t in stop), None)
            truncated = n is None and len(row) >= limit
            ids = row if n is None else row[:n]
            text = processor.batch_decode([ids], skip_special_tokens=True,
                                          clean_up_tokenization_spaces=False)[0]
            decoded.append((text, truncated))
        return decoded

    def _run_vllm(self, prompt: str, batch: list[np.ndarray],
                  limit: int) -> list[tuple[str, bool]]:
        from vllm import SamplingParams

        params = SamplingParams(temperature=0.0, max_tokens=limit)
        inputs = [{"prompt": prompt, "multi_modal_data": {"audio": [w]}} for w in batch]
        outputs = self._asr.model.generate(inputs, sampling_params=params, use_tqdm=False)
        return [(o.outputs[0].text, o.outputs[0].finish_reason == "length") for o in outputs]

    def _split_retry(self, samples: np.ndarray, options: TranscribeOptions,
                     cancel: CancelToken | None) -> list[tuple]:
        """Decode the two halves of a truncated chunk (once; no further splitting)."""
        cut = quietest_point(samples, len(samples) // 2, len(samples) // 4)
        halves = [samples[:cut], samples[cut:]]
        raw = self._generate(halves, options, cancel)
        return [(halves[0], 0, *raw[0]), (halves[1], cut, *raw[1])]

    def _transcript(self, pieces: list[tuple], options: TranscribeOptions,
                    first_truncated: bool) -> ChunkTranscript:
        segments: list[ChunkSegment] = []
        removed: list[tuple[str, str]] = []
        warnings: list[str] = []
        languages = [p[2] for p in pieces if p[2]]
        language = languages[0] if languages else normalize_code(options.language)
        still_truncated = False
        for samples, offset, lang, text, truncated in pieces:
            text, loops = collapse_repeats(text)
            removed += [("repetition", t) for t in loops if t]
            text, echoes = strip_echo(text, options.initial_prompt)
            removed += [("prompt echo", t) for t in echoes if t]
            still_truncated = still_truncated or truncated
            if not text:
                continue
            offset_ms = int(round(offset * 1000 / ENGINE_RATE))
            for seg in self._segments(samples, text, lang or language, options):
                segments.append(seg.shifted(offset_ms))
        if first_truncated:
            if len(pieces) > 1:
                warnings.append("Qwen3-ASR reached max_new_tokens; the chunk was split in two "
                                "and decoded again")
            if still_truncated:
                warnings.append("Qwen3-ASR reached max_new_tokens: text may be missing "
                                "(raise max_new_tokens or use shorter chunks)")
        return ChunkTranscript(
            segments=tuple(segments), language=language,
            language_probability=1.0 if options.language else None,
            truncated=still_truncated, warnings=tuple(warnings), removed=tuple(removed),
        )

    def _segments(self, samples: np.ndarray, text: str, language: str | None,
                  options: TranscribeOptions) -> list[ChunkSegment]:
        """Sentences of ``text`` with word times (aligned when possible, else estimated)."""
        duration = int(round(len(samples) * 1000 / ENGINE_RATE))
        texts = split_words(text)
        words: list[Word] | None = None
        if options.word_timestamps and self._aligner is not None and language in ALIGNER_LANGUAGES:
            words = self._align(samples, text, texts, language, duration)
        estimated = words is None
        if words is None:
            words = distribute(texts, 0, duration)
        out = []
        pos = 0
        for sentence in split_sentences(text):
            n = len(split_words(sentence))
            if not n:
                continue
            ws = words[pos:pos + n]
            pos += n
            out.append(ChunkSegment(start=ws[0].start, end=ws[-1].end, text=sentence,
                                    words=tuple(ws), words_estimated=estimated))
        return out

    def _align(self, samples: np.ndarray, text: str, texts: list[str], language: str,
               duration: int) -> list[Word] | None:
        try:
            result = self._aligner.align(audio=(samples, ENGINE_RATE), text=text,
                                         language=QWEN_LANGUAGES[language])[0]
        except (RuntimeError, ValueError, IndexError):
            return None
        items = [(it.text, it.start_time, it.end_time) for it in result.items]
        return map_aligned_items(texts, items, duration)


def map_aligned_items(texts: list[str], items: list[tuple[str, float, float]],
                      duration: int) -> list[Word] | None:
    """Put the aligner's (punctuation-free) items back onto the words of the real text.

    ``items`` are ``(text, start_s, end_s)``.  Words with no letters get times
    between their neighbours (estimated).  Returns ``None`` when the two do not match.
    """
    timed: list[Word | None] = []
    k = 0
    for t in texts:
        key = norm_word(t)
        if not key:
            timed.append(None)
            continue
        acc = ""
        start = end = None
        while k < len(items) and len(acc) < len(key):
            it_text, s, e = items[k]
            it_text = norm_word(it_text)
            k += 1
            if not it_text:
                continue
            acc += it_text
            start = s if start is None else start
            end = e
        if acc != key or start is None or end is None:
            return None
        s_ms = min(duration, max(0, int(round(start * 1000))))
        e_ms = min(duration, max(s_ms, int(round(end * 1000))))
        timed.append(Word(t, s_ms, e_ms))
    real = [w for w in timed if w is not None]
    if len(real) >= 3 and real[-1].end - real[0].start < 40 * len(real):
        return None  # collapsed times (a known aligner failure): estimate instead
    # keep monotonic: a word starting before the previous one ends is re-estimated
    last = 0
    for i, w in enumerate(timed):
        if w is None:
            continue
        if w.start < last:
            timed[i] = None
        else:
            last = w.end
    return fill_missing(timed, texts, 0, duration)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (at . ! ? and their CJK forms), punctuation kept."""
    parts = [p.strip() for p in _SENTENCE_END.split(text)]
    return [p for p in parts if p] or ([text.strip()] if text.strip() else [])


def quietest_point(samples: np.ndarray, center: int, reach: int, window: int = 1600) -> int:
    """Sample index of the lowest-energy ``window`` within ``center +- reach``."""
    lo = max(window, center - reach)
    hi = min(len(samples) - window, center + reach)
    if hi <= lo:
        return center
    energy = np.convolve(np.abs(samples[lo - window // 2:hi + window // 2]),
                         np.ones(window, dtype=np.float32), mode="valid")
    return lo + int(np.argmin(energy[: hi - lo]))


def installed() -> bool:
    """True when qwen-asr and torch can be imported (the ``qwen`` extra, or the larger build)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("qwen_asr", "torch"))


def missing_message() -> str:
    """What to do when :func:`installed` is False: pip for an install from source; for the
    packaged application (PyInstaller sets ``sys.frozen``) pip cannot help."""
    import sys

    if getattr(sys, "frozen", False):
        return ("this Cueline build does not include the Qwen3-ASR engine (torch and qwen-asr): "
                "use Whisper, or install the larger build with Qwen3-ASR (see README, Install)")
    return ("the Qwen3-ASR engine needs the optional packages qwen-asr and torch: "
            "pip install 'cueline[qwen]'")


def _has_vllm() -> bool:
    import importlib.util

    return importlib.util.find_spec("vllm") is not None

