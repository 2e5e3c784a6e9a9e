"""Whisper through faster-whisper (CTranslate2): the default engine, good on a CPU.

Chunks (each at most 30 s, cut by Cueline at pauses) are decoded in batches: one encoder
pass and one beam search over the whole batch, the way faster-whisper's
``BatchedInferencePipeline`` does, which keeps the CPU's matrix units busier than decoding
one window at a time.  A chunk whose result looks wrong (too repetitive, too unlikely) is
decoded again alone with Whisper's temperature fallback, so quality matches sequential
decoding.  Voice activity and chunking are Cueline's (``vad_filter`` stays off), and
``condition_on_previous_text`` is off by default so one bad chunk cannot poison the next.

Segment times come from the words by default: a chunk is decoded without Whisper's timestamp
tokens (fewer tokens, and a one-window decode then does not stop before the chunk's last
sentence, as it often does with timestamps) and cut into sentences at the words' punctuation
and pauses.  ``timestamps=True`` (or ``word_timestamps=False``) uses the timestamp tokens.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from app.audio.samples import ENGINE_RATE, SAMPLES_PER_MS
from app.core.cancel import CancelToken, Progress
from app.core.model import Word
from app.engines.base import (
    Capabilities,
    ChunkSegment,
    ChunkTranscript,
    Engine,
    TranscribeOptions,
    as_chunk_samples,
)
from app.engines.catalogue import DEFAULT_WHISPER, find_model
from app.engines.errors import EngineError
from app.engines.loading import load_whisper
from app.engines.models import resolve_model
from app.engines.registry import register_engine

SENTENCE_END = (".", "!", "?", "。", "！", "？", "…")
PAUSE_SPLIT_MS = 1500  # a pause this long between words also starts a new segment
PREPEND_PUNCTUATIONS = "\"'“¿([{-"
APPEND_PUNCTUATIONS = "\"'.。,，!！?？:：”)]}、"
MAX_INITIAL_TIMESTAMP_S = 1.0
# tokens of earlier text (and its timestamps) a continued chunk is prompted with: what
# sequential faster-whisper carries (half the decoder's 448, less one).  Shorter is cheaper,
# since CTranslate2's beam search pays for the prompt on every token of every beam (base, one
# thread: 11.2 ms an output token with no prompt, 17.8 ms with 128, 22.6 ms with 223;
# packaging/bench/bench_prompt_cost.py).  On the benchmark hours, in whole runs, 223 tokens
# gave 9.99 % and 11.31 % WER, 128 gave 9.91 % and 11.56 % (no prompt 10.25 % and 11.77 %,
# sequential 9.63 % and 10.61 %): no difference beyond what runs of the same code vary by
# (0.2-0.3 points), so the mode gives the decoder what sequential gives it.  The other
# measurements are in issue 14's notes.
CONTEXT_TOKENS = 223
PROMPT_RESET_TEMPERATURE = 0.5  # a decode sampled hotter than this is not carried on
# text denser than this (characters per second of the chunk) is more than anyone says: a loop
MAX_CHARS_PER_S = 25.0
SLACK_CHARS = 20  # ...plus this much (a short chunk's few words)
WINDOW_MARGIN_FRAMES = 300  # silence after a chunk's audio in its encoder window (10 ms each)
WINDOW_MIN_FRAMES = 0  # the shortest encoder window
# encoder windows are whole multiples of this (frames); the fitted window (2: any even length)
# read best and fastest (base, two-voice dialogue: 6.8 % WER in 14.7 s, against 7.7 % in 16.4 s
# for 5 s steps and 7.8 % in 17.7 s for the fixed 30 s window).  Its memory is kept flat by
# bounding oneDNN's kernel cache (app.engines.loading.KERNEL_CACHE_CAPACITY).
WINDOW_STEP_FRAMES = 2
# speech this long left without a word in a chunk's decode is decoded again on its own
MISSED_SPEECH_S = 1.0
STRETCH_PAD_MS = 150  # audio kept around such a stretch's speech
WORD_REACH_S = 0.4  # speech this close to a word counts as that word's
LONG_WORD_S = 2.0  # no word is said this slowly: a word timed longer was stretched
# a chunk with this much speech (voice activity) keeps its text when Whisper says "no speech"
SPEECH_OVERRULES_S = 2.0


def whisper_languages() -> frozenset[str]:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return frozenset(_LANGUAGE_CODES)


@register_engine
class WhisperEngine(Engine):
    """faster-whisper; ``settings``: ``num_workers`` (concurrent decodes, default 1),
    ``timestamps`` (decode Whisper's timestamp tokens; default False: sentences from words),
    ``context_tokens`` (how much earlier text a continued chunk is prompted with; default
    :data:`CONTEXT_TOKENS`)."""

    name = "whisper"
    title = "Whisper"
    default_model = DEFAULT_WHISPER

    def __init__(self, model: str | None = None, device: str = "auto",
                 compute_type: str = "auto", cpu_threads: int = 0, **settings: Any) -> None:
        super().__init__(model, device, compute_type, cpu_threads, **settings)
        self._model: Any = None
        self._tokenizers: dict[tuple[str, str], Any] = {}
        self._tok_lock = threading.Lock()
        self.recovered = 0  # stretches of speech left without words, decoded again alone
        self.overruled = 0  # chunks Whisper judged silent that voice activity says are speech
        self.unprompted = 0  # continued chunks decoded again without the text before (a loop)
        self.redecoded = 0  # sentences decoded again over a word stretched across speech

    # ---------------------------------------------------------------- lifecycle

    def _load(self, progress: Callable[[Progress], None] | None,
              cancel: CancelToken | None) -> None:
        if progress is not None:
            progress(Progress(0, 1, f"loading Whisper model '{self.model_name}'"))
        self._model = load_whisper(self.model_name, self.device, self.compute_type,
                                   self.cpu_threads, int(self.settings.get("num_workers", 0)))
        if progress is not None:
            progress(Progress(1, 1, f"loaded Whisper model '{self.model_name}'"))

    def _unload(self) -> None:
        self._model = None
        self._tokenizers.clear()

    @property
    def model(self) -> Any:
        """The loaded ``faster_whisper.WhisperModel`` (loads it on first use)."""
        self.load()
        return self._model

    @property
    def multilingual(self) -> bool:
        if self._model is not None:
            return bool(self._model.model.is_multilingual)
        info = find_model(self.model_name)
        if info is not None:
            return info.multilingual
        return not str(self.model_name).rstrip("/").endswith(".en")

    def _is_turbo(self) -> bool:
        name = str(self.model_name).lower()
        if "turbo" in name:
            return True
        try:
            return "turbo" in str(resolve_model(self.model_name)).lower()
        except EngineError:
            return False

    # ---------------------------------------------------------------- description

    def capabilities(self) -> Capabilities:
        multi = self.multilingual
        return Capabilities(
            languages=None if multi else frozenset({"en"}),
            translate=multi,
            word_timestamps=True,
            context_prompt=True,
            needs_gpu=False,
            language_detection=multi,
            max_chunk_s=30.0,
            batched=True,
            continues_text=True,
        )

    def check_options(self, options: TranscribeOptions) -> list[str]:
        if options.task == "translate" and not self.multilingual:
            raise EngineError(f"the English-only Whisper model '{self.model_name}' cannot "
                              "translate; choose a multilingual model such as 'base' or 'small'")
        warnings = super().check_options(options)
        if options.language and self.multilingual and options.language not in whisper_languages():
            raise EngineError(f"Whisper does not know the language '{options.language}'")
        if options.task == "translate" and self._is_turbo():
            warnings.append(f"the turbo model '{self.model_name}' translates poorly (it was "
                            "trained without translation data); prefer large-v3, medium or small")
        return warnings

    # ---------------------------------------------------------------- helpers

    def _tokenizer(self, language: str | None, task: str) -> Any:
        from faster_whisper.tokenizer import Tokenizer

        model = self.model
        multi = bool(model.model.is_multilingual)
        key = (language or "en", task) if multi else ("en", "transcribe")
        with self._tok_lock:
            tok = self._tokenizers.get(key)
            if tok is None:
                tok = Tokenizer(model.hf_tokenizer, multi, task=key[1],
                                language=key[0] if multi else None)
                self._tokenizers[key] = tok
            return tok

    def _fw_options(self, options: TranscribeOptions, tokenizer: Any,
                    temperatures: Sequence[float]) -> Any:
        from faster_whisper.transcribe import TranscriptionOptions, get_suppressed_tokens

        return TranscriptionOptions(
            beam_size=options.beam_size, best_of=options.best_of, patience=1.0,
            length_penalty=1.0, repetition_penalty=1.0, no_repeat_ngram_size=0,
            log_prob_threshold=options.log_prob_threshold,
            no_speech_threshold=options.no_speech_threshold,
            compression_ratio_threshold=options.compression_ratio_threshold,
            condition_on_previous_text=False, prompt_reset_on_temperature=0.5,
            temperatures=list(temperatures), initial_prompt=None, prefix=None,
            suppress_blank=True, suppress_tokens=get_suppressed_tokens(tokenizer, [-1]),
            without_timestamps=False, max_initial_timestamp=MAX_INITIAL_TIMESTAMP_S,
            word_timestamps=options.word_timestamps,
            prepend_punctuations=PREPEND_PUNCTUATIONS, append_punctuations=APPEND_PUNCTUATIONS,
            multilingual=False, max_new_tokens=options.max_new_tokens,
            clip_timestamps=[], hallucination_silence_threshold=None,
            hotwords=options.hotwords,
        )

    def _timestamps(self, options: TranscribeOptions, chained: bool = False) -> bool:
        """Whether to decode with timestamp tokens: when asked, without word times, and when
        continuing earlier text (its prompt holds timestamps; see :meth:`_prompt`)."""
        return chained or bool(self.settings.get("timestamps", False)) \
            or not options.word_timestamps

    def _prompt(self, tokenizer: Any, options: TranscribeOptions,
                previous: Sequence[int] | None = None) -> list[int]:
        """The decoder's prompt: the user's context, then (``previous``) the tokens the chunk
        continues: its last :data:`CONTEXT_TOKENS`, within half the decoder's length as
        faster-whisper's sequential ``transcribe`` has it, never cutting the user's context."""
        user: list[int] = []
        if options.initial_prompt and options.initial_prompt.strip():
            user = tokenizer.encode(" " + options.initial_prompt.strip())
        earlier = list(previous or ())
        keep = min(self.model.max_length // 2 - 1 - len(user),
                   int(self.settings.get("context_tokens", CONTEXT_TOKENS)))
        earlier = earlier[max(0, len(earlier) - keep):] if keep > 0 else []
        return self.model.get_prompt(tokenizer, user + earlier,
                                     without_timestamps=not self._timestamps(
                                         options, previous is not None),
                                     hotwords=options.hotwords)

    # ---------------------------------------------------------------- work

    def detect_language(self, samples: np.ndarray) -> tuple[str, float] | None:
        if not self.multilingual:
            return ("en", 1.0)
        from faster_whisper.audio import pad_or_trim

        model = self.model
        feats = pad_or_trim(model.feature_extractor(as_chunk_samples(samples))[..., :-1])
        enc = model.encode(feats[None])
        token, prob = model.model.detect_language(enc)[0][0]
        return token[2:-2], float(prob)

    def transcribe_chunk(self, samples: np.ndarray, options: TranscribeOptions,
                         cancel: CancelToken | None = None) -> ChunkTranscript:
        return self.transcribe_batch([samples], options, cancel)[0]

    def transcribe_batch(self, chunks: Sequence[np.ndarray], options: TranscribeOptions,
                         cancel: CancelToken | None = None,
                         previous: Sequence[tuple[int, ...]] | None = None,
                         ) -> list[ChunkTranscript]:
        """Decode a batch.  ``previous``: for each chunk, the ``context`` of the transcript it
        continues (the chunks are then decoded with timestamps; see :meth:`_prompt`)."""
        if previous is not None and len(previous) != len(chunks):
            raise EngineError("internal error: one previous context per chunk is needed")
        if previous is not None and len(chunks) > 1 and len({len(p) for p in previous}) > 1:
            # prompts of one decoder batch must be the same length: one chunk at a time
            return [self._batch([c], options, cancel, recover=True, previous=[p])[0]
                    for c, p in zip(chunks, previous, strict=True)]
        return self._batch(chunks, options, cancel, recover=True, previous=previous)

    def _batch(self, chunks: Sequence[np.ndarray], options: TranscribeOptions,
               cancel: CancelToken | None, recover: bool,
               previous: Sequence[tuple[int, ...]] | None = None) -> list[ChunkTranscript]:
        """Decode a batch.  ``recover``: stretches of speech left without words are decoded
        again on their own (see :func:`_missed_stretches`).  ``previous``: see
        :meth:`transcribe_batch`."""
        from faster_whisper.audio import pad_or_trim

        if not chunks:
            return []
        self.check_options(options)
        chained = previous is not None
        earlier: Sequence[tuple[int, ...]] = previous if previous is not None else ()
        model = self.model
        arrays = [as_chunk_samples(c) for c in chunks]
        n_max = model.feature_extractor.nb_max_frames
        feats = [model.feature_extractor(a)[..., :-1] for a in arrays]
        num_frames = [min(n_max, max(1, f.shape[-1])) for f in feats]
        window = self._window_frames(num_frames, n_max)
        batch = np.stack([pad_or_trim(f, window) for f in feats]).astype(np.float32, copy=False)
        if cancel is not None:
            cancel.raise_if_cancelled()
        encoder_output = model.encode(batch)

        languages = self._languages(encoder_output, len(arrays), options)
        tokenizers = [self._tokenizer(lang, options.task) for lang, _ in languages]
        prompts = [self._prompt(tok, options, earlier[i] if chained else None)
                   for i, tok in enumerate(tokenizers)]
        if len({len(p) for p in prompts}) != 1:  # cannot happen: only the language token differs
            raise EngineError("internal error: prompts of one batch differ in length")
        base_opts = self._fw_options(options, tokenizers[0], options.temperatures[:1] or (0.0,))
        max_length = model.max_length
        if options.max_new_tokens is not None:
            max_length = min(max_length, len(prompts[0]) + options.max_new_tokens)
        if cancel is not None:
            cancel.raise_if_cancelled()
        generate = functools.partial(
            model.model.generate, beam_size=options.beam_size, patience=1.0,
            length_penalty=1.0, max_length=max_length, return_scores=True,
            return_no_speech_prob=True, suppress_blank=True,
            suppress_tokens=base_opts.suppress_tokens,
            max_initial_timestamp_index=int(round(MAX_INITIAL_TIMESTAMP_S / 0.02)))
        results = generate(encoder_output, prompts)
        decoded = []
        for i, res in enumerate(results):
            decoded.append(self._score(res, tokenizers[i], prompts[i], max_length, 0.0))
        if chained:
            for i, d in enumerate(decoded):
                if earlier[i] and _looping(d, options, len(arrays[i]) / ENGINE_RATE):
                    # the earlier text led the decoder into a loop: decode it without
                    if cancel is not None:
                        cancel.raise_if_cancelled()
                    self.unprompted += 1
                    prompts[i] = self._prompt(tokenizers[i], options, ())
                    res = generate(encoder_output if len(arrays) == 1
                                   else model.encode(batch[i:i + 1]), [prompts[i]])
                    decoded[i] = self._score(res[0], tokenizers[i], prompts[i], max_length, 0.0)
                    decoded[i]["unprompted"] = True
        for i, d in enumerate(decoded):
            if self._needs_fallback(d, options, len(arrays[i]) / 16000.0) \
                    and (len(options.temperatures) > 1 or window < n_max):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                full = pad_or_trim(feats[i]).astype(np.float32, copy=False)
                decoded[i], _ = self._fallback(full, prompts[i], tokenizers[i], options,
                                               max_length)
        found: dict[int, list[tuple[int, int]]] = {}

        def speech(i: int) -> list[tuple[int, int]]:
            """The speech regions (ms) of chunk ``i``, found on first need."""
            if i not in found:
                found[i] = _speech(arrays[i])
            return found[i]

        per_item = [self._subs(d, tokenizers[i], len(arrays[i]), options,
                               functools.partial(speech, i)) for i, d in enumerate(decoded)]
        # where the decoder's own timestamps say nothing was said (before word times move
        # the segments' edges): speech there was skipped
        silent = [_timestamp_gaps(subs, len(arrays[i]) / ENGINE_RATE)
                  if self._timestamps(options, chained) else [] for i, subs in enumerate(per_item)]
        if options.word_timestamps and any(per_item):
            model.add_word_timestamps(per_item, tokenizers[0], encoder_output, num_frames,
                                      PREPEND_PUNCTUATIONS, APPEND_PUNCTUATIONS, 0.0)
        out = []
        # continued chunks are decoded with timestamps only for the prompt's sake: their
        # segments are cut into sentences like the others
        sentences = chained or not self._timestamps(options)
        for i, d in enumerate(decoded):
            subs = _sentences(per_item[i]) if sentences else per_item[i]
            out.append(self._transcript(subs, d, tokenizers[i], languages[i],
                                        len(arrays[i]) / 16.0,
                                        _context(d, tokenizers[i],
                                                 earlier[i] if chained and not
                                                 d.get("unprompted") else (),
                                                 model.max_length // 2 - 1)
                                        if chained and per_item[i] else ()))
        if options.word_timestamps and recover:
            for i in range(len(arrays)):
                missed = _missed_stretches(speech(i), per_item[i])
                missed = _merge(missed + _skipped(speech(i), silent[i], missed))
                out[i] = self._recover(arrays[i], out[i], missed, options, cancel)
                if chained:
                    out[i] = self._redecode(arrays[i], out[i],
                                            _stretched(out[i].segments, speech(i)),
                                            options, cancel)
        return out

    def _redecode(self, samples: np.ndarray, transcript: ChunkTranscript,
                  spans: list[tuple[int, int]], options: TranscribeOptions,
                  cancel: CancelToken | None) -> ChunkTranscript:
        """``transcript`` with the segments inside each span (ms) replaced by the span decoded
        on its own, without the earlier text, when that reads more words.

        Prompted with earlier text, Whisper sometimes jumps over a sentence or two and its
        word times stretch a neighbouring word over them (measured on the second hour-long
        input: "conductor" timed over 6.9 s holding two skipped sentences)."""
        if not spans:
            return transcript
        segments = list(transcript.segments)
        for a, b in spans:
            if cancel is not None:
                cancel.raise_if_cancelled()
            inside = [seg for seg in segments if seg.start < b and seg.end > a]
            part = samples[a * SAMPLES_PER_MS:b * SAMPLES_PER_MS]
            heard = self._batch([part], options, cancel, recover=True)[0]
            again = [seg.shifted(a) for seg in heard.segments if seg.text.strip()]
            if sum(len(seg.words) for seg in again) > sum(len(seg.words) for seg in inside):
                self.redecoded += 1
                segments = sorted([seg for seg in segments if seg not in inside] + again,
                                  key=lambda seg: seg.start)
        return replace(transcript, segments=tuple(segments))

    def _window_frames(self, num_frames: Sequence[int], n_max: int) -> int:
        """Mel frames given to the encoder: the batch's longest chunk plus a margin of silence.

        Whisper was trained on 30 s windows, but CTranslate2 encodes any length, and the cost
        of the encoder (and of the decoder's attention over its output) grows faster than the
        length: 15 s cost a quarter of 30 s (packaging/bench/bench_transcribe.py).  The
        margin of padding after the speech is what tells the decoder the speech has ended;
        without it, it hallucinates at the end of the window.  ``full_window`` (setting)
        restores the fixed 30 s window.
        """
        if self.settings.get("full_window"):
            return n_max
        margin = int(self.settings.get("window_margin_frames", WINDOW_MARGIN_FRAMES))
        shortest = int(self.settings.get("window_min_frames", WINDOW_MIN_FRAMES))
        step = max(2, int(self.settings.get("window_step_frames", WINDOW_STEP_FRAMES)))
        frames = max(max(num_frames) + max(0, margin), shortest)
        return min(n_max, -(-frames // step) * step)

    def _languages(self, encoder_output: Any, n: int,
                   options: TranscribeOptions) -> list[tuple[str, float]]:
        if not self.multilingual:
            return [("en", 1.0)] * n
        if options.language:
            return [(options.language, 1.0)] * n
        detected = self.model.model.detect_language(encoder_output)
        return [(items[0][0][2:-2], float(items[0][1])) for items in detected]

    def _score(self, res: Any, tokenizer: Any, prompt: list[int], max_length: int,
               temperature: float) -> dict:
        from faster_whisper.transcribe import get_compression_ratio

        tokens = list(res.sequences_ids[0])
        seq_len = len(tokens)
        avg_logprob = res.scores[0] * seq_len / (seq_len + 1) if res.scores else -10.0
        text = tokenizer.decode([t for t in tokens if t < tokenizer.eot]).strip()
        return dict(
            tokens=tokens, avg_logprob=float(avg_logprob), no_speech_prob=float(res.no_speech_prob),
            compression_ratio=float(get_compression_ratio(text)) if text else 0.0,
            temperature=temperature, text=text,
            truncated=len(prompt) + seq_len >= max_length,
        )

    @staticmethod
    def _is_silence(d: dict, options: TranscribeOptions) -> bool:
        if not d["text"] or d.get("silence"):
            return True
        if options.no_speech_threshold is None or d["no_speech_prob"] <= options.no_speech_threshold:
            return False
        return options.log_prob_threshold is None or d["avg_logprob"] <= options.log_prob_threshold

    @staticmethod
    def _needs_fallback(d: dict, options: TranscribeOptions, duration_s: float) -> bool:
        """A bad decode worth decoding again: in a full 30 s window at temperature 0, then at
        higher temperatures (Whisper's fallback).

        Bad is Whisper's own rules (too repetitive: compression ratio over the threshold; too
        unlikely: average log probability under it) and one more: text denser than anyone
        speaks (over :data:`MAX_CHARS_PER_S` per second of the chunk), which is how a
        hallucination loop shows when the window was fitted to a short chunk (measured: the
        sentence of a 5 s chunk said twice, well under the compression threshold).

        A bad decode of a chunk Whisper itself thinks is silent (no-speech probability over
        the threshold) is not retried: it is silence or noise, and retrying noise costs up to
        six more decodes for nothing.

        Nor is a decode that is only "too repetitive" when it ended by itself and is no
        denser than speech: that is speech really said again and again (a refrain, a chant,
        a looped clip), which sampling at higher temperatures can only get wrong, at up to
        thirty more decodes of the chunk.  A repeated phrase that slips through is collapsed
        by the pipeline's cleanup.
        """
        repetitive = options.compression_ratio_threshold is not None \
            and d["compression_ratio"] > options.compression_ratio_threshold
        unlikely = options.log_prob_threshold is not None \
            and d["avg_logprob"] < options.log_prob_threshold
        dense = len(d["text"]) > MAX_CHARS_PER_S * duration_s + SLACK_CHARS
        bad = repetitive or unlikely or dense
        if bad and options.no_speech_threshold is not None \
                and d["no_speech_prob"] > options.no_speech_threshold:
            d["silence"] = True
            return False
        if repetitive and not unlikely and not dense and not d["truncated"]:
            return False
        return bad

    def _recover(self, samples: np.ndarray, transcript: ChunkTranscript,
                 stretches: list[tuple[int, int]], options: TranscribeOptions,
                 cancel: CancelToken | None) -> ChunkTranscript:
        """``transcript`` with each stretch (ms) of speech it left without words decoded on
        its own and put in its place.

        Whisper sometimes skips a sentence or two of clear speech inside a chunk (measured:
        a phrase said again, in a window fitted to the chunk; two sentences in the middle of
        a 25 s chunk of the hour-long conversation).  Decoded alone, the stretch reads."""
        if not stretches:
            return transcript
        extra: list[ChunkSegment] = []
        for a, b in stretches:
            if cancel is not None:
                cancel.raise_if_cancelled()
            self.recovered += 1
            part = samples[a * SAMPLES_PER_MS:b * SAMPLES_PER_MS]
            heard = self._batch([part], options, cancel, recover=False)[0]
            extra.extend(seg.shifted(a) for seg in heard.segments if seg.text.strip())
        if not extra:
            return transcript
        merged = sorted(transcript.segments + tuple(extra), key=lambda seg: seg.start)
        return replace(transcript, segments=tuple(merged))

    def _subs(self, d: dict, tokenizer: Any, n_samples: int, options: TranscribeOptions,
              speech: Callable[[], list[tuple[int, int]]]) -> list[dict]:
        """The decode ``d`` cut at its timestamps; none when it is silence.

        Whisper's own "no speech" verdict (a high no-speech probability and a low average
        log probability) is overruled when the chunk holds :data:`SPEECH_OVERRULES_S` of
        speech by voice activity: there the text is kept, and the pipeline's cleanup judges
        it with that evidence.  Measured: tiny.en judged 19 s of clear speech (a whole
        paragraph of the two-voice dialogue) "no speech" and it was dropped; sequential
        faster-whisper kept it only thanks to the previous text in its prompt.
        """
        if self._is_silence(d, options):
            if not d["text"].strip() or \
                    sum(e - s for s, e in speech()) < SPEECH_OVERRULES_S * 1000:
                return []
            self.overruled += 1
        return _split_by_timestamps(d["tokens"], tokenizer, n_samples / ENGINE_RATE)

    def _fallback(self, features: np.ndarray, prompt: list[int], tokenizer: Any,
                  options: TranscribeOptions, max_length: int) -> tuple[dict, Any]:
        """Decode one chunk alone, in the full window, with Whisper's temperature fallback
        (temperature 0 first); also returns the encoder's output (for word times)."""
        model = self.model
        fw_opts = self._fw_options(options, tokenizer, options.temperatures)
        enc = model.encode(features[None])
        result, avg_logprob, temperature, compression_ratio = model.generate_with_fallback(
            enc, prompt, tokenizer, fw_opts)
        d = self._score(result, tokenizer, prompt, max_length, temperature)
        d["avg_logprob"] = float(avg_logprob)
        d["compression_ratio"] = float(compression_ratio)
        return d, enc

    def _transcript(self, subs: list[dict], d: dict, tokenizer: Any,
                    language: tuple[str, float], duration_ms: float,
                    context: tuple[int, ...] = ()) -> ChunkTranscript:
        segments = []
        limit = int(round(duration_ms))
        for sub in subs:
            text = sub.get("text") or \
                tokenizer.decode([t for t in sub["tokens"] if t < tokenizer.eot]).strip()
            if not text:
                continue
            start = min(limit, max(0, int(round(sub["start"] * 1000))))
            end = min(limit, max(start, int(round(sub["end"] * 1000))))
            words = []
            for w in sub.get("words") or ():
                wt = w["word"].strip()
                if not wt:
                    continue
                ws = min(limit, max(0, int(round(w["start"] * 1000))))
                we = min(limit, max(ws, int(round(w["end"] * 1000))))
                words.append(Word(wt, ws, we, float(w["probability"])))
            segments.append(ChunkSegment(
                start=start, end=end, text=text, words=tuple(words),
                avg_logprob=d["avg_logprob"], no_speech_prob=d["no_speech_prob"],
                compression_ratio=d["compression_ratio"], temperature=d["temperature"],
            ))
        warnings: tuple[str, ...] = ()
        if d["truncated"] and segments:
            warnings = ("Whisper reached its output limit on this chunk: text may be missing",)
        return ChunkTranscript(
            segments=tuple(segments), language=language[0], language_probability=language[1],
            no_speech_prob=d["no_speech_prob"], truncated=bool(d["truncated"]),
            warnings=warnings, context=context if segments else (),
        )


def _looping(d: dict, options: TranscribeOptions, duration_s: float) -> bool:
    """A decode that went round in a loop: too repetitive (compression ratio over the
    threshold), denser than anyone speaks, or cut off at the decoder's length."""
    repetitive = options.compression_ratio_threshold is not None \
        and d["compression_ratio"] > options.compression_ratio_threshold
    dense = len(d["text"]) > MAX_CHARS_PER_S * duration_s + SLACK_CHARS
    return repetitive or dense or bool(d["truncated"])


def _context(d: dict, tokenizer: Any, previous: Sequence[int], room: int) -> tuple[int, ...]:
    """What a later chunk continues from this decode: the last ``room`` tokens of what this
    one continued and of its own text and timestamp tokens, as sequential faster-whisper
    carries them from window to window; nothing after a decode at a temperature over 0.5
    (faster-whisper's ``prompt_reset_on_temperature``: sampled text is no context to trust)."""
    if d.get("temperature", 0.0) > PROMPT_RESET_TEMPERATURE:
        return ()
    own = [t for t in d["tokens"] if t < tokenizer.eot or t >= tokenizer.timestamp_begin]
    return tuple((list(previous) + own)[-room:])


def _split_by_timestamps(tokens: Sequence[int], tokenizer: Any, duration_s: float) -> list[dict]:
    """Cut a decoded token list into segments at Whisper's timestamp tokens.

    Text after the last timestamp (an unfinished segment: output limit reached) is kept
    as a segment ending at the chunk end rather than dropped.
    """
    ts_begin = tokenizer.timestamp_begin
    eot = tokenizer.eot
    out: list[dict] = []
    start: float | None = None
    last_end = 0.0
    text: list[int] = []
    for tok in tokens:
        if tok >= ts_begin:
            t = min(duration_s, (tok - ts_begin) * 0.02)
            if text:
                s = last_end if start is None else start
                out.append(dict(seek=0, start=s, end=max(s, t), tokens=text))
                text = []
                last_end = max(s, t)
                start = None
            else:
                start = t
        elif tok < eot:
            if start is None and not text:
                start = last_end
            text.append(tok)
    if text:
        s = last_end if start is None else start
        out.append(dict(seek=0, start=s, end=max(s, duration_s), tokens=text))
    return out


def _sentences(subs: list[dict]) -> list[dict]:
    """Re-cut word-timed segments into sentences (at end punctuation and long pauses)."""
    out: list[dict] = []
    for sub in subs:
        words = sub.get("words") or []
        if not words:
            out.append(sub)
            continue
        current: list[dict] = []
        for i, w in enumerate(words):
            current.append(w)
            last = i == len(words) - 1
            ends = w["word"].strip().endswith(SENTENCE_END)
            pause = not last and (words[i + 1]["start"] - w["end"]) * 1000 >= PAUSE_SPLIT_MS
            if last or ends or pause:
                text = "".join(x["word"] for x in current).strip()
                if text:
                    out.append(dict(seek=0, start=current[0]["start"], end=current[-1]["end"],
                                    tokens=[], words=current, text=text))
                current = []
    return out


def _speech(samples: np.ndarray) -> list[tuple[int, int]]:
    """Speech regions (ms) of one chunk, by a speech model (Silero).  Without it, none:
    loudness alone is no evidence of speech (music is loud), so nothing is overruled or
    decoded again on its word."""
    from app.audio.vad import silero_available, speech_regions

    if not silero_available():
        return []
    return speech_regions(samples, ENGINE_RATE, min_silence_ms=300, method="silero")


def _missed_stretches(regions: list[tuple[int, int]],
                      subs: list[dict]) -> list[tuple[int, int]]:
    """``[(start_ms, end_ms)]`` of the stretches of speech (voice activity ``regions``, ms)
    that no word of ``subs`` reaches, each with at least :data:`MISSED_SPEECH_S` of speech:
    the speech of the stretch plus :data:`STRETCH_PAD_MS`, never over a decoded word."""
    out = []
    for a, b, lo, hi in _gaps(subs):
        inside = [(max(s, a * 1000), min(e, b * 1000)) for s, e in regions
                  if e > a * 1000 and s < b * 1000]
        if sum(e - s for s, e in inside) < MISSED_SPEECH_S * 1000:
            continue
        start = max(inside[0][0] - STRETCH_PAD_MS, lo * 1000, 0)
        end = min(inside[-1][1] + STRETCH_PAD_MS, hi * 1000)
        if end > start:
            out.append((int(start), int(end)))
    return out


def _stretched(segments: Sequence[ChunkSegment],
               regions: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans (ms) of the segments holding a word longer than :data:`LONG_WORD_S` with at
    least :data:`MISSED_SPEECH_S` more speech under it than the word itself could hold:
    speech the decoder skipped, its neighbour's time stretched over it."""
    out = []
    for seg in segments:
        for w in seg.words:
            if w.end - w.start <= LONG_WORD_S * 1000:
                continue
            heard = sum(min(e, w.end) - max(s, w.start) for s, e in regions
                        if e > w.start and s < w.end)
            if heard >= (MISSED_SPEECH_S + LONG_WORD_S) * 1000:
                out.append((max(0, seg.start - STRETCH_PAD_MS), seg.end + STRETCH_PAD_MS))
                break
    return _merge(out)


def _timestamp_gaps(subs: list[dict], duration_s: float) -> list[tuple[float, float]]:
    """``[(a, b)]`` seconds between the timestamped segments of a decode (and before the
    first, after the last): where the decoder says nothing was said."""
    out, at = [], 0.0
    for sub in subs:
        if sub["start"] > at:
            out.append((at, sub["start"]))
        at = max(at, sub["end"])
    if duration_s > at:
        out.append((at, duration_s))
    return out


def _skipped(regions: list[tuple[int, int]], gaps: list[tuple[float, float]],
             known: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Stretches (ms) of at least :data:`MISSED_SPEECH_S` of speech inside the decoder's
    silent ``gaps`` that ``known`` stretches do not already cover: speech the decoder
    jumped over (its words' times, aligned afterwards, may have been stretched across it)."""
    out = []
    for a, b in gaps:
        lo, hi = a * 1000, b * 1000
        inside = [(max(s, lo), min(e, hi)) for s, e in regions if e > lo and s < hi]
        if sum(e - s for s, e in inside) < MISSED_SPEECH_S * 1000:
            continue
        start = int(max(inside[0][0] - STRETCH_PAD_MS, lo, 0))
        end = int(min(inside[-1][1] + STRETCH_PAD_MS, hi))
        if end > start and not any(s <= start and end <= e for s, e in known):
            out.append((start, end))
    return out


def _merge(stretches: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(stretches):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _gaps(subs: list[dict]) -> list[tuple[float, float, float, float]]:
    """The stretches no word reaches: ``(a, b, lo, hi)`` seconds, ``[a, b]`` beyond the
    words' reach (:data:`WORD_REACH_S`), ``[lo, hi]`` between the words themselves."""
    words = sorted((w["start"], w["end"]) for sub in subs for w in (sub.get("words") or ()))
    gaps, at, edge = [], float("-inf"), float("-inf")
    for s, e in words:
        if s - WORD_REACH_S > at:
            gaps.append((at, s - WORD_REACH_S, edge, s))
        at, edge = max(at, e + WORD_REACH_S), max(edge, e)
    gaps.append((at, float("inf"), edge, float("inf")))
    return gaps
