"""A tiny, randomly initialised Qwen3 forced aligner (no download; seconds on a CPU).

Built from the shared tiny Qwen3-ASR pieces in ``tests/engines/qwen_tiny.py`` with the three
things that make a Qwen3-ASR checkpoint a forced aligner (ENGINES.md section 5): the thinker's
``model_type`` containing ``forced_aligner``, a ``classify_num`` head (timestamp classes of
``timestamp_segment_time`` = 80 ms) and the ``<timestamp>`` token id.  Its times are random:
tests assert on structure (every word timed, in order, inside the audio), never on values.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.engines.qwen_tiny import build_tiny_qwen_asr


def build_tiny_aligner(folder: Path, seed: int = 0) -> Path:
    """Write the tiny aligner into ``folder`` (reused when already there) and return it."""
    folder = Path(folder)
    if not (folder / "config.json").is_file():
        build_tiny_qwen_asr(folder, aligner=True, seed=seed)
    cfg = json.loads((folder / "config.json").read_text())
    thinker = cfg["thinker_config"]
    if "forced_aligner" not in thinker["model_type"] or "classify_num" not in thinker \
            or cfg.get("timestamp_segment_time") != 80 or "timestamp_token_id" not in cfg:
        raise RuntimeError(f"{folder} is not a Qwen3 forced aligner: {thinker['model_type']}")
    return folder
