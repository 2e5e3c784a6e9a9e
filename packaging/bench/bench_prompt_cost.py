"""What the previous-text prompt costs the decoder, by its length (``--continue-text``).

Sequential faster-whisper prompts every window with up to 223 tokens of the text before it,
and that prompt is where its accuracy edge on long recordings comes from (issue 14).  This
measures what such a prompt costs in CTranslate2's beam search: the same chunks of the
benchmark hour are decoded (beam 5, one CPU thread, encoder output computed once, only
``generate`` timed) the way Cueline decodes by default (no prompt, no timestamps) and the
way ``--continue-text`` does (with timestamps and the last N tokens of the text before them,
N = 0, 64, 128, 160, 192, 223), in interleaved rounds.  The prompt is built by the engine itself
(``WhisperEngine._prompt``) from the chunks before, decoded as ``--continue-text`` decodes
them, so it is what that mode gives the decoder.  Printed: seconds for the chunks and milliseconds per
output token (the decodes' lengths differ a little with the prompt).

    .venv/bin/python packaging/bench/bench_prompt_cost.py [--chunks 6] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# (label, prompt tokens): None is the default decode, without the prompt and timestamps
VARIANTS = (("default", None), ("0", 0), ("64", 64), ("128", 128), ("160", 160),
            ("192", 192), ("223", 223))
WARM = 4


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=6, help="chunks decoded (default 6)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--model", default="base")
    parser.add_argument("--cache", default="/tmp/cueline-bench")
    args = parser.parse_args()

    import numpy as np
    from faster_whisper.audio import pad_or_trim
    from speech_inputs import build

    from app.audio.chunking import plan_chunks
    from app.audio.decode import decode
    from app.engines.base import TranscribeOptions
    from app.engines.whisper import MAX_INITIAL_TIMESTAMP_S, WhisperEngine

    path, _reference = build("hour", Path(args.cache))
    # WARM chunks first, so that every measured chunk has a full 223 tokens before it
    audio = decode(path)[: 16000 * 40 * (args.chunks + WARM)]
    chunks = [c for c in plan_chunks(audio, 16000) if not c.silent][: args.chunks + WARM]
    engine = WhisperEngine(args.model, device="cpu", compute_type="int8", cpu_threads=1,
                           num_workers=1)
    engine.load()
    model = engine.model
    options = TranscribeOptions(language="en", beam_size=5, best_of=5)
    tok = engine._tokenizer("en", "transcribe")
    # the text before each chunk: the chunks before it, continued one from the other
    contexts: list[tuple[int, ...]] = []
    earlier: tuple[int, ...] = ()
    for chunk in chunks:
        contexts.append(earlier)
        done = engine.transcribe_batch([chunk.slice(audio, 16000)], options, previous=[earlier])
        earlier = done[0].context
    # each chunk encoded once, in the window the engine fits to it
    n_max = model.feature_extractor.nb_max_frames
    work = []
    for chunk, context in list(zip(chunks, contexts, strict=True))[WARM:]:
        feats = model.feature_extractor(chunk.slice(audio, 16000))[..., :-1]
        window = engine._window_frames([min(n_max, feats.shape[-1])], n_max)
        work.append((model.encode(pad_or_trim(feats, window)[None].astype(np.float32)), context))
    suppress = engine._fw_options(options, tok, (0.0,)).suppress_tokens
    seconds: dict[str, list[float]] = {label: [] for label, _ in VARIANTS}
    per_token: dict[str, list[float]] = {label: [] for label, _ in VARIANTS}
    print(f"{args.model}, int8, beam 5, one thread, {len(work)} chunks of the benchmark hour")
    for rnd in range(args.rounds):
        for label, n in VARIANTS if rnd % 2 == 0 else tuple(reversed(VARIANTS)):
            engine.settings["context_tokens"] = n or 0
            t0, tokens = time.perf_counter(), 0
            for encoded, context in work:
                prompt = engine._prompt(tok, options, None if n is None else context)
                res = model.model.generate(
                    encoded, [prompt], beam_size=5, patience=1.0, length_penalty=1.0,
                    max_length=model.max_length, return_scores=True, return_no_speech_prob=True,
                    suppress_blank=True, suppress_tokens=suppress,
                    max_initial_timestamp_index=int(round(MAX_INITIAL_TIMESTAMP_S / 0.02)))
                tokens += len(res[0].sequences_ids[0])
            dt = time.perf_counter() - t0
            seconds[label].append(dt)
            per_token[label].append(1000.0 * dt / max(tokens, 1))
            print(f"  round {rnd + 1} prompt {label:>7}: {dt:6.2f} s, {tokens:4d} tokens out, "
                  f"{per_token[label][-1]:5.1f} ms a token", flush=True)
    print()
    base = statistics.median(per_token["default"])
    for label, _n in VARIANTS:
        ms = statistics.median(per_token[label])
        print(f"prompt {label:>7}: {statistics.median(seconds[label]):6.2f} s, {ms:5.1f} ms a "
              f"token ({ms / base:.2f}x the default)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
