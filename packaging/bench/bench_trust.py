"""Benchmark: can the transcript be trusted?  Re-alignment after a one-word fix, spoken sign-offs
kept, and text produced on signals that hold no speech.

* **Re-align after a fix** (espeak-ng speech with known word edges, ``tests/align/groundtruth.py``):
  each sentence is a segment timed by the aligner, one of them with one word wrong: with the
  times of the word spoken there (an engine mishears a word), or force-aligned with the wrong
  word (which pulls its neighbours off too); the word is corrected and the segment re-aligned with :func:`app.align.realign.realign`.
  Measured: the start error of the corrected word, how many re-timings were refused as less
  plausible (the estimate kept and flagged), the largest shift of any word nobody touched (all
  segments), how many untouched words changed confidence, how far the segment's edges lie off
  its speech (and how much further than before the fix), cue gaps under the profile's minimum created by the re-align, and undo steps taken
  by the edit and its re-alignment.
* **Spoken sign-offs** ("Thank you for watching...", "Please subscribe..."; espeak-ng): at the
  end of a clip, alone, and three times over; transcribed with the real pipeline (bundled
  Whisper base); counted as kept when the transcript holds them.
* **No speech**: silence, noise, a 440 Hz and a 1 kHz tone, music-like chords: words in the
  transcript of the real pipeline (Silero voice activity, and the loudness fallback), and words
  left after cleanup of what the engine says when it is fed the whole signal (no voice-activity
  gate in front); summed over ``--repeats`` runs, since the engine samples when it is unsure.

    .venv/bin/python packaging/bench/bench_trust.py [--sentences 36] [--json out.json]
        [--only realign|signoffs|nospeech] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.align.groundtruth import SR, build, have_espeak  # noqa: E402

WRONG = ("thing", "there", "better", "over", "people", "said", "little", "made", "picture")
MIN_GAP_MS = 83  # the default profile's minimum gap between cues


def _realign_options() -> dict:
    """What the editor passes after an edit: local re-timing with the profile's gap, folded
    into the edit's undo step (older versions of realign() take none of these)."""
    import inspect

    from app.align.realign import realign

    params = inspect.signature(realign).parameters
    wanted = {"mode": "local", "min_gap_ms": MIN_GAP_MS, "amend": True}
    return {k: v for k, v in wanted.items() if k in params}


REALIGN_OPTIONS: dict = {}


def _gaps_under(doc, min_gap: int) -> int:
    segs = list(doc)
    return sum(1 for a, b in zip(segs, segs[1:], strict=False) if b.start - a.end < min_gap)


def _off_speech(seg, truth) -> int:
    """How far (ms) a segment's edges lie outside its true speech."""
    return max(0, truth[0].start - seg.start, seg.end - truth[-1].end)


def realign_edits(aligner, n_sentences: int, seed: int = 5, scenario: str = "engine") -> dict:
    """One corrected word per sentence (first, middle, last in turn), re-aligned.

    ``scenario``: "engine": the misheard word has the times of the word spoken there (an
    engine heard a sound and got the word wrong); "forced": the sentence was force-aligned
    with the wrong word, which also pulls the words around it off their places.
    """
    from app.align.realign import realign
    from app.align.windows import align_segments
    from app.core import edits
    from app.core.document import Document
    from app.core.model import Segment, Word

    REALIGN_OPTIONS.update(_realign_options())
    gt = build(n_sentences, seed=seed)
    rng = random.Random(seed)
    base = align_segments(gt.samples, SR, [Segment(*gt.sentence_span(j), t)
                                           for j, t in enumerate(gt.sentences)], "en", aligner)
    errors, end_errors, untouched_max, prob_changed, untouched_n = [], [], [], 0, 0
    edge_off, edge_worse, new_gaps, steps, seconds, refused = [], [], 0, [], [], 0
    accepted: list[int] = []
    for i, sentence in enumerate(gt.sentences):
        truth = [w for w in gt.words if w.sentence == i]
        toks = sentence.split()
        k = (0, len(toks) // 2, len(toks) - 1)[i % 3]
        wrong = rng.choice([w for w in WRONG if w != toks[k].lower()])
        heard = " ".join(toks[:k] + [wrong] + toks[k + 1:])
        segs = list(base)
        if scenario == "forced":
            segs[i] = align_segments(gt.samples, SR, [Segment(*gt.sentence_span(i), heard)],
                                     "en", aligner)[0]
        else:
            ws = list(base[i].words)
            ws[k] = Word(wrong, ws[k].start, ws[k].end, 0.2)
            segs[i] = base[i].replace(text=heard, words=tuple(ws))
        doc = Document(segs, meta={"language": "en"})
        before = {s.id: s for s in doc}
        gaps_before = _gaps_under(doc, MIN_GAP_MS)
        sid = doc[i].id
        depth = len(doc.history)
        edits.edit_text(doc, sid, sentence)
        t0 = time.perf_counter()
        res = realign(doc, [sid], gt.samples, SR, aligner, **REALIGN_OPTIONS)
        seconds.append(time.perf_counter() - t0)
        was_refused = bool(getattr(res, "kept", None))
        refused += was_refused
        steps.append(len(doc.history) - depth)
        seg = doc.get(sid)
        new = seg.words[k]
        errors.append(abs(new.start - truth[k].start))
        if not was_refused:
            accepted.append(abs(new.start - truth[k].start))
        end_errors.append(abs(new.end - truth[k].end))
        worst = 0
        for s in doc:
            old = before[s.id]
            for j, (w0, w1) in enumerate(zip(old.words, s.words, strict=True)):
                if s.id == sid and j == k:
                    continue
                untouched_n += 1
                worst = max(worst, abs(w1.start - w0.start), abs(w1.end - w0.end))
                prob_changed += w1.probability != w0.probability
        untouched_max.append(worst)
        # how much further the segment's edges lie outside its true speech than before
        off = _off_speech(seg, truth)
        edge_off.append(off)
        edge_worse.append(max(0, off - _off_speech(before[sid], truth)))
        new_gaps += max(0, _gaps_under(doc, MIN_GAP_MS) - gaps_before)
    return {
        "edits": len(errors),
        "refused_kept_estimate_flagged": int(refused),
        "corrected_word_start_error_ms": {"mean": round(float(np.mean(errors)), 1),
                                          "max": int(max(errors))},
        "corrected_word_start_error_ms_not_refused": {
            "mean": round(float(np.mean(accepted)), 1) if accepted else None,
            "max": int(max(accepted)) if accepted else None},
        "corrected_word_end_error_ms": {"mean": round(float(np.mean(end_errors)), 1),
                                        "max": int(max(end_errors))},
        "untouched_words": untouched_n,
        "untouched_largest_shift_ms": int(max(untouched_max)),
        "untouched_confidence_changed": int(prob_changed),
        "segment_edge_off_speech_ms": {"mean": round(float(np.mean(edge_off)), 1),
                                       "max": int(max(edge_off))},
        "segment_edge_moved_off_speech_ms": {"mean": round(float(np.mean(edge_worse)), 1),
                                             "max": int(max(edge_worse))},
        "new_gaps_under_min": int(new_gaps),
        "undo_steps_per_edit_and_realign": sorted(set(steps)),
        "realign_s": {"median": round(float(np.median(seconds)), 3)},
    }


def _engine():
    from app.engines.whisper import WhisperEngine

    eng = WhisperEngine("base", device="cpu")
    eng.load()
    return eng


def _transcribe(engine, samples: np.ndarray):
    from app.pipeline.transcribe import transcribe_samples
    from app.pipeline.types import PipelineOptions

    return transcribe_samples(samples, PipelineOptions(), engine=engine)


def sign_offs(engine) -> dict:
    from tests.pipeline.signals import SIGN_OFFS, kept, sign_off_clips

    total = found = 0
    rows = {}
    for line in SIGN_OFFS:
        for voice in ("en-us", "en"):
            for clip in sign_off_clips(line, voice):
                res = _transcribe(engine, clip.samples)
                k = kept(res.segments, clip)
                total += len(clip.spans)
                found += k
                rows[f"{line[:24]}… / {voice} / {clip.name}"] = f"{k}/{len(clip.spans)}"
    return {"kept": found, "spoken": total, "clips": rows}


def _signals() -> dict[str, np.ndarray]:
    from tests.pipeline.signals import music, noise, silence, tone

    return {"silence": silence(30), "noise": noise(30), "tone 440 Hz": tone(20),
            "tone 1 kHz": tone(20, 1000.0, 0.1), "music-like": music(30)}


def _count_words(segments) -> int:
    from app.core.words import split_words

    return sum(1 for s in segments for w in split_words(s.text) if any(c.isalnum() for c in w))


def no_speech(engine, repeats: int = 3) -> dict:
    import app.audio.vad as vad
    from app.audio.vad import speech_regions
    from app.engines.base import TranscribeOptions
    from app.pipeline.cleanup import Cleaner
    from app.pipeline.types import Draft
    from app.pipeline.wordtimes import finish_draft

    out: dict[str, dict] = {}
    for name, x in _signals().items():
        row = dict.fromkeys(("pipeline_words", "pipeline_words_loudness_vad", "engine_words",
                             "after_cleanup_words"), 0)
        regions = speech_regions(x, SR)
        for _ in range(repeats):  # the engine samples when unsure: its output varies by run
            row["pipeline_words"] += _count_words(_transcribe(engine, x).segments)
            real = vad.silero_available
            vad.silero_available = lambda: False  # the loudness fallback
            try:
                row["pipeline_words_loudness_vad"] += _count_words(
                    _transcribe(engine, x).segments)
            finally:
                vad.silero_available = real
            # the engine fed the whole signal; the cleanup judges what it said
            t = engine.transcribe_batch([x], TranscribeOptions(language="en"))[0]
            drafts = [finish_draft(Draft(s.start, max(s.start, s.end), s.text.strip(),
                                         list(s.words), 0, "en", None, s.avg_logprob,
                                         s.no_speech_prob, s.compression_ratio), regions)
                      for s in t.segments if s.text.strip()]
            row["engine_words"] += _count_words(drafts)
            row["after_cleanup_words"] += _count_words(Cleaner(regions).clean(drafts))
        out[name] = row
    out["runs_per_signal"] = repeats  # type: ignore[assignment]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=36)
    parser.add_argument("--json", metavar="OUT")
    parser.add_argument("--only", choices=("realign", "signoffs", "nospeech"))
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs per signal without speech (the engine's output varies)")
    args = parser.parse_args(argv)
    if not have_espeak():
        print("espeak-ng is needed", file=sys.stderr)
        return 2
    report: dict = {}
    if args.only in (None, "realign"):
        from app.align.whisper_aligner import WhisperAligner

        aligner = WhisperAligner("base", device="cpu")
        aligner.load()
        for scenario in ("engine", "forced"):
            key = f"realign_one_word_fix_{scenario}"
            report[key] = realign_edits(aligner, args.sentences, scenario=scenario)
            print(json.dumps({key: report[key]}, indent=1), flush=True)
    if args.only in (None, "signoffs", "nospeech"):
        engine = _engine()
        if args.only in (None, "signoffs"):
            report["spoken_sign_offs"] = sign_offs(engine)
            print(json.dumps({"spoken_sign_offs": report["spoken_sign_offs"]}, indent=1))
        if args.only in (None, "nospeech"):
            report["no_speech_words"] = no_speech(engine, args.repeats)
            print(json.dumps({"no_speech_words": report["no_speech_words"]}, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
