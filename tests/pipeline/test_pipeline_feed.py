"""The streaming front of the pipeline: decoding in blocks, voice activity block by block,
chunks planned while the media is read, and what that gives the job (first results before
the end is read, bounded memory, cancelling inside a chunk)."""

from __future__ import annotations

import numpy as np
import pytest

from app.audio.chunking import plan_chunks
from app.audio.decode import decode, stream
from app.audio.vad import SpeechStream, duration_ms, normalize
from app.core.cancel import CancelToken
from app.engines.whisper import WhisperEngine
from app.pipeline.feed import CONTEXT_MS, HEAD_MAX_S, Feed, array_source
from app.pipeline.transcribe import transcribe_file, transcribe_samples
from app.pipeline.types import PipelineOptions
from tests.pipeline.media import looped, silence, write_wav

RATE = 16000


def _items(feed: Feed) -> list:
    out = []
    while not feed.done:
        item = feed.take()
        if item is None:
            assert feed.step() or not feed.done
            continue
        out.append(item)
    return out


def _speech_with_pauses(jfk: np.ndarray, times: int, pause_s: float) -> np.ndarray:
    parts = []
    for _ in range(times):
        parts += [jfk, silence(pause_s)]
    return np.concatenate(parts)


# ----------------------------------------------------------------------------- decoding


@pytest.mark.parametrize("mono", [True, False])
def test_stream_gives_the_samples_decode_gives_in_blocks(jfk_path, mono):
    whole = np.atleast_2d(decode(jfk_path, RATE, mono=mono))
    with stream(jfk_path, RATE, mono=mono, block_s=3.0) as audio:
        blocks = list(audio)
        assert audio.channels == whole.shape[0]
    assert [b.shape[1] for b in blocks[:-1]] == [3 * RATE] * (len(blocks) - 1)
    assert np.array_equal(np.concatenate(blocks, axis=1), whole)


def test_a_cut_short_file_is_transcribed_as_far_as_it_goes(whisper_tiny_en, jfk_samples,
                                                          tmp_path):
    path = write_wav(tmp_path / "cut.wav", looped(jfk_samples, 3))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])  # the header still promises all of it
    result = transcribe_file(path, PipelineOptions(workers=1), engine=whisper_tiny_en)
    assert any("truncated" in w for w in result.stats.warnings), result.stats.warnings
    assert result.text.lower().count("country") >= 2
    assert result.stats.audio_s == pytest.approx(len(data) * 2 // 3 / 2 / RATE, abs=0.1)


# ----------------------------------------------------------------------------- voice activity


def test_speech_stream_finds_the_same_regions_whatever_the_blocks(jfk_samples):
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    x = _speech_with_pauses(jfk_samples, 4, 1.3)
    expected = normalize(
        [(int(r["start"]) * 1000 // RATE, -(-int(r["end"]) * 1000 // RATE))
         for r in get_speech_timestamps(x, VadOptions(min_silence_duration_ms=300,
                                                      speech_pad_ms=30,
                                                      min_speech_duration_ms=100))],
        duration_ms(len(x), RATE))
    assert len(expected) >= 8
    for block in (1000, 7777, 5 * RATE, len(x)):
        vad = SpeechStream(300, 30, method="silero")
        found = []
        for a in range(0, len(x), block):
            new = vad.feed(x[a:a + block])
            assert all(e <= vad.known_ms + 1000 for _, e in new)
            found += new
        found += vad.finish()
        assert normalize(found, duration_ms(len(x), RATE)) == expected, block


def test_speech_still_going_is_known_before_it_ends(jfk_samples):
    """A region still open (no pause long enough yet) is reported as provisional speech up
    to ``known_ms``: a caller can cut chunks in an hour of speech without holding it."""
    x = looped(jfk_samples, 6, gap_s=0.2)
    vad = SpeechStream(min_silence_ms=5000, pad_ms=30, method="silero")
    final = []
    for a in range(0, len(x) - 10 * RATE, RATE):
        final += vad.feed(x[a:a + RATE])
    assert final == []  # nothing has ended
    (start, end), = vad.provisional()
    assert start < 500 and end == vad.known_ms
    assert end > (len(x) - 10 * RATE) * 1000 // RATE - 5500


# ----------------------------------------------------------------------------- planning


def test_feed_cuts_the_chunks_whatever_the_block_size(jfk_samples):
    x = _speech_with_pauses(jfk_samples, 9, 1.0)  # about 110 s
    spans = None
    for block_s in (4.0, 30.0, 600.0):
        feed = Feed(array_source(x[None], block_s), 1, [None], target_s=25, max_s=30,
                    min_silence_ms=300)
        items = _items(feed)
        got = [(it.start_ms, it.end_ms) for it in items]
        if spans is None:
            spans = got
        assert got == spans, block_s
        assert [it.index for it in items] == list(range(len(items)))
        for it in items:
            assert np.array_equal(it.samples, x[it.start_ms * 16:it.end_ms * 16])
            window, w0 = it.context()
            assert w0 == max(0, it.start_ms - CONTEXT_MS)
            assert np.array_equal(window, x[w0 * 16:(it.end_ms + CONTEXT_MS) * 16])
            assert it.speech and it.speech[0][1] > it.start_ms
    # the first chunk is short (a quick first result); the others as the whole-file plan
    assert spans[0][1] - spans[0][0] <= HEAD_MAX_S * 1000
    rest = x[spans[1][0] * 16:]
    plan = [c for c in plan_chunks(rest, RATE, target_s=25, max_s=30) if not c.silent]
    assert len(plan) == len(spans) - 1
    for (s, e), c in zip(spans[1:], plan, strict=True):
        assert c.start_ms <= s - spans[1][0] < e - spans[1][0] <= c.end_ms
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))  # no overlap


def test_feed_holds_only_the_blocks_in_flight(jfk_samples):
    """20 minutes of audio, a sentence every two minutes: the feed never holds more than a
    block, a chunk and its context, however long the media."""
    x = np.zeros(20 * 60 * RATE, np.float32)
    for t in range(30, 20 * 60, 120):
        x[t * RATE:t * RATE + len(jfk_samples)] += jfk_samples
    feed = Feed(array_source(x[None], 30.0), 1, [None], target_s=25, max_s=30,
                min_silence_ms=300)
    held = []
    items = []
    while not feed.done:
        item = feed.take()
        if item is None:
            feed.step()
            buf = feed.plans[0].buffer
            held.append((buf.end - buf.base) / RATE)
            continue
        items.append(item)
    regions = feed.plans[0].regions
    assert len(regions) >= 10 and all(30 <= s / 1000 % 120 <= 42 for s, _ in regions)
    for s, e in regions:  # all the speech is in the chunks (a sentence may be cut at a pause)
        assert sum(min(it.end_ms, e) - max(it.start_ms, s) for it in items
                   if it.end_ms > s and it.start_ms < e) == e - s
    assert max(held) <= 30 + 30 + 1.5 + CONTEXT_MS / 1000 + 30
    assert feed.audio_s == pytest.approx(20 * 60)


def test_stereo_feed_interleaves_the_channels_by_time(jfk_samples):
    left = np.concatenate([jfk_samples, silence(14), jfk_samples, silence(2)])
    right = np.concatenate([silence(12), jfk_samples, silence(15)])
    x = np.stack([left, right[:len(left)]])
    feed = Feed(array_source(x, 5.0), 2, ["Speaker 1", "Speaker 2"], target_s=25, max_s=30,
                min_silence_ms=300)
    items = _items(feed)
    assert [(it.channel, it.speaker) for it in items] == \
        [(0, "Speaker 1"), (1, "Speaker 2"), (0, "Speaker 1")]
    assert [it.start_ms for it in items] == sorted(it.start_ms for it in items)


# ----------------------------------------------------------------------------- the job


@pytest.mark.slow
def test_first_results_come_before_the_media_is_read(whisper_tiny_en, jfk_samples,
                                                     monkeypatch):
    x = _speech_with_pauses(jfk_samples, 30, 1.0)  # about 6 minutes
    reads = []
    base = array_source(x[None], 30.0)

    def source():
        block = base()
        reads.append(block is not None)
        return block

    import app.pipeline.transcribe as tr

    monkeypatch.setattr(tr, "array_source", lambda *a, **k: source)  # count the blocks read
    seen = []
    result = transcribe_samples(x, PipelineOptions(workers=1), engine=whisper_tiny_en,
                                on_partial=lambda i, segs: seen.append((i, sum(reads))))
    total_blocks = -(-len(x) // (30 * RATE))
    assert seen[0][0] == 0 and seen[0][1] < total_blocks / 2
    assert [i for i, _ in seen] == list(range(result.stats.chunks))
    assert result.text.lower().count("country") >= 55


class _CancelsInsideAChunk(WhisperEngine):
    """The real tiny.en engine; the job is cancelled while its second call is running."""

    def __init__(self, cancel: CancelToken) -> None:
        super().__init__("tiny.en", device="cpu")
        self.cancel = cancel
        self.calls = 0

    def transcribe_batch(self, chunks, options, cancel=None, previous=None):
        self.calls += 1
        if self.calls == 2:
            self.cancel.cancel()
        return super().transcribe_batch(chunks, options, cancel, previous)


@pytest.mark.slow
def test_cancel_inside_a_chunk_stops_the_job_and_keeps_what_was_done(jfk_samples):
    cancel = CancelToken()
    engine = _CancelsInsideAChunk(cancel)
    x = _speech_with_pauses(jfk_samples, 12, 1.0)
    partials = []
    result = transcribe_samples(x, PipelineOptions(workers=1), engine=engine, cancel=cancel,
                                on_partial=lambda i, segs: partials.append(i))
    assert result.cancelled
    assert engine.calls == 2  # nothing started after the cancel
    assert partials == [0]  # the chunk cancelled inside gave nothing, the first is kept
    assert result.segments and "country" in result.text.lower()
