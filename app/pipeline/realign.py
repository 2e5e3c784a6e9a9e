"""Re-alignment as the editor runs it in the background: the compute step of
:mod:`app.align.realign` (prepare -> compute -> apply), with the pipeline's long-window
alignment handed to the aligner for segments longer than it takes at once
(:func:`app.pipeline.script.long_window`: the aligners never import the pipeline).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from app.audio.samples import ENGINE_RATE
from app.core.cancel import CancelToken, Progress
from app.core.model import Word

if TYPE_CHECKING:
    from app.align.base import Aligner
    from app.align.realign import RealignPlan

GROUP_GAP_MS = 30_000  # segments this far apart share no audio read (each reads its own)

ProgressFn = Callable[[Progress], None]


def realign_words(plan: RealignPlan, samples: np.ndarray, sample_rate: int = ENGINE_RATE, *,
                  aligner: Aligner | None = None, cancel: CancelToken | None = None,
                  progress: ProgressFn | None = None) -> dict[str, list[Word]]:
    """Words for every segment of a :class:`~app.align.realign.RealignPlan`, by id.

    :func:`app.align.realign.compute_alignment` reads only the stretch of audio around each
    segment, so a long memory-mapped recording is never converted whole.  Safe in a worker
    thread; apply the result with :func:`app.align.realign.apply_realign` on the UI thread.
    """
    from app.align.realign import compute_alignment
    from app.pipeline.script import long_window

    return compute_alignment(plan, samples, sample_rate, aligner, cancel=cancel,
                             progress=progress, long_window=long_window)
