"""What travels to and from a transcription server: the chunk as a compressed audio file, and
the server's answer turned into a :class:`~app.engines.base.ChunkTranscript`.

Upload formats, measured on the 11 s JFK chunk (16 kHz mono; ``packaging/bench/
bench_remote.py`` prints them): WAV 352 kB (32 kB/s), FLAC 203 kB (58 % of WAV, 7 ms to
encode), Opus 24 kbit/s in Ogg 33 kB (9 % of WAV, 72 ms to encode).  FLAC is the default: it
is lossless, so the server hears exactly what a local engine would, and every server decodes
it (soundfile, FFmpeg and PyAV all read FLAC).  ``opus`` is for thin links (a VPN from a
laptop): ten times smaller than WAV, lossy.

Answers come in three shapes, all handled:

* ``verbose_json`` with ``words`` (OpenAI's format; at the top level or inside segments):
  segments with the server's word times (snapped to speech by the pipeline, as for Whisper);
* ``verbose_json`` with timed segments but no words (faster-whisper-server 0.0.3 ignores
  ``timestamp_granularities``): words spread over each segment and flagged estimated;
* plain text (vLLM serving Qwen3-ASR): sentences with words spread over the chunk, flagged
  estimated.  Estimated words are aligned again locally by the pipeline's word timer.

Qwen3-ASR's raw ``language English<asr_text>...`` prefix, when a server lets it through, is
read for the language and removed; repetition loops and echoes of the context prompt are
removed and reported, as the local Qwen engine does.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from app.audio.samples import ENGINE_RATE
from app.core.model import Word
from app.core.words import distribute, split_words
from app.engines.base import ChunkSegment, ChunkTranscript
from app.engines.errors import EngineError
from app.engines.languages import from_qwen, normalize_code
from app.engines.textfix import collapse_repeats, strip_echo

# name -> (container, codec, file name, MIME type, codec settings)
UPLOAD_FORMATS: dict[str, tuple[str, str, str, str, dict[str, Any]]] = {
    "flac": ("flac", "flac", "chunk.flac", "audio/flac", {}),
    "opus": ("ogg", "libopus", "chunk.ogg", "audio/ogg", {"bit_rate": 24_000}),
    "wav": ("wav", "pcm_s16le", "chunk.wav", "audio/wav", {}),
}
DEFAULT_UPLOAD_FORMAT = "flac"
_QWEN_PREFIX = re.compile(r"^\s*language\s+([^<]*?)\s*<asr_text>(.*?)(?:</asr_text>)?\s*$",
                          re.DOTALL | re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")


def encode_audio(samples: np.ndarray, fmt: str = DEFAULT_UPLOAD_FORMAT) -> tuple[bytes, str, str]:
    """``(file bytes, file name, MIME type)`` of 16 kHz mono float samples in ``fmt``."""
    import av

    if fmt not in UPLOAD_FORMATS:
        raise EngineError(f"unknown upload format '{fmt}' (use {', '.join(UPLOAD_FORMATS)})")
    container, codec, name, mime, settings = UPLOAD_FORMATS[fmt]
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    pcm = np.clip(np.rint(x * 32767.0), -32768, 32767).astype(np.int16)[None, :]
    buf = io.BytesIO()
    with av.open(buf, "w", format=container) as out:
        stream: Any = out.add_stream(codec, rate=ENGINE_RATE, layout="mono")
        for key, value in settings.items():
            setattr(stream, key, value)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = ENGINE_RATE
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue(), name, mime


# ----------------------------------------------------------------------------- answers


def split_qwen_prefix(text: str) -> tuple[str | None, str]:
    """``(ISO language or None, text)``: Qwen3-ASR's raw ``language X<asr_text>`` removed."""
    m = _QWEN_PREFIX.match(text)
    if not m:
        return None, text
    return from_qwen(m.group(1)), m.group(2)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (at . ! ? and their CJK forms), punctuation kept."""
    parts = [p.strip() for p in _SENTENCE_END.split(text)]
    return [p for p in parts if p] or ([text.strip()] if text.strip() else [])


def _ms(value: Any, limit: int) -> int | None:
    try:
        t = float(value)
    except (TypeError, ValueError):
        return None
    if t != t:  # NaN
        return None
    return min(limit, max(0, int(round(t * 1000))))


def _num(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _words(items: Any, limit: int) -> list[Word]:
    """Timed words of an answer's ``words`` list; entries without usable times are left out."""
    out: list[Word] = []
    for w in items or ():
        if not isinstance(w, dict):
            continue
        text = str(w.get("word") or w.get("text") or "").strip()
        start, end = _ms(w.get("start"), limit), _ms(w.get("end"), limit)
        if not text or start is None or end is None:
            continue
        prob = _num(w.get("probability"))
        out.append(Word(text, start, max(start, end), prob))
    return out


def parse_answer(body: Any, duration_ms: int, *, language: str | None = None,
                 context: str | None = None) -> ChunkTranscript:
    """The transcript of one chunk from a server's answer (a JSON object, or plain text).

    Times are relative to the chunk (what was uploaded) and clipped to ``duration_ms``.
    ``language``: the language asked for (kept when the server names none).
    """
    if isinstance(body, str):
        body = {"text": body}
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        raise EngineError("the server's answer is not a transcription (no 'text')")
    removed: list[tuple[str, str]] = []
    said_language = normalize_code(body.get("language")) if isinstance(
        body.get("language"), str) else None
    raw_segments = [s for s in body.get("segments") or () if isinstance(s, dict)]
    words = _words(body.get("words"), duration_ms)
    if not words:
        for s in raw_segments:
            words += _words(s.get("words"), duration_ms)
    words.sort(key=lambda w: (w.start, w.end))

    segments: list[ChunkSegment] = []
    qwen_language = None
    if raw_segments:
        for s in raw_segments:
            qlang, text = split_qwen_prefix(str(s.get("text") or ""))
            qwen_language = qwen_language or qlang
            text, fixes = _repair(text, context)
            removed += fixes
            start, end = _ms(s.get("start"), duration_ms), _ms(s.get("end"), duration_ms)
            if not text or start is None or end is None:
                continue
            segments.append(_segment(text, start, max(start, end), s, words))
    else:
        qwen_language, text = split_qwen_prefix(str(body.get("text") or ""))
        text, fixes = _repair(text, context)
        removed += fixes
        if text:
            segments = _sentences(text, words, duration_ms)
    asked = normalize_code(language)
    found = said_language or qwen_language or asked
    return ChunkTranscript(segments=tuple(segments), language=found,
                           language_probability=1.0 if asked and found == asked else None,
                           removed=tuple(removed))


def _repair(text: str, context: str | None) -> tuple[str, list[tuple[str, str]]]:
    text, loops = collapse_repeats(text.strip())
    text, echoes = strip_echo(text, context)
    removed = [("repetition", t) for t in loops if t] + [("prompt echo", t) for t in echoes if t]
    return text.strip(), removed


def _segment(text: str, start: int, end: int, raw: dict, words: Sequence[Word]) -> ChunkSegment:
    """One of the server's segments, with the words whose middle falls inside it."""
    mine = [w for w in words if start <= (w.start + w.end) / 2 <= end] if words else []
    estimated = not mine
    if estimated:
        mine = distribute(split_words(text), start, end)
    return ChunkSegment(
        start=start, end=end, text=text, words=tuple(mine), words_estimated=estimated,
        avg_logprob=_num(raw.get("avg_logprob")), no_speech_prob=_num(raw.get("no_speech_prob")),
        compression_ratio=_num(raw.get("compression_ratio")),
        temperature=_num(raw.get("temperature")))


def _sentences(text: str, words: Sequence[Word], duration_ms: int) -> list[ChunkSegment]:
    """Segments for an answer without segments: one per sentence.

    Timed words (an answer with ``words`` only) are handed out sentence by sentence when
    their count matches the text's; otherwise the whole text is one segment holding them all
    (the pipeline fits words to text).  Untimed text gets words spread over the chunk.
    """
    sentences = split_sentences(text)
    counts = [len(split_words(s)) for s in sentences]
    if words:
        if sum(counts) != len(words):
            return [ChunkSegment(start=words[0].start, end=words[-1].end, text=text.strip(),
                                 words=tuple(words))]
        out, pos = [], 0
        for sentence, n in zip(sentences, counts, strict=True):
            ws = words[pos:pos + n]
            pos += n
            if ws:
                out.append(ChunkSegment(start=ws[0].start, end=ws[-1].end, text=sentence,
                                        words=tuple(ws)))
        return out
    spread = distribute([w for s in sentences for w in split_words(s)], 0, duration_ms)
    out, pos = [], 0
    for sentence, n in zip(sentences, counts, strict=True):
        ws = spread[pos:pos + n]
        pos += n
        if ws:
            out.append(ChunkSegment(start=ws[0].start, end=ws[-1].end, text=sentence,
                                    words=tuple(ws), words_estimated=True))
    return out
