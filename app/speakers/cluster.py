"""Grouping voice embeddings into speakers, with the number of speakers found or given.

Agglomerative clustering (average linkage on cosine distance, scipy): windows of one voice
join first; merging stops when the two closest groups are further apart than
:data:`MERGE_DISTANCE` (automatic count), or at the number of speakers asked for.  The
threshold was tuned on synthesised interviews of 1 to 4 voices, the two-speaker stereo
recording and a one-speaker speech (see ``packaging/bench/bench_speakers.py`` and the closing
note of issue 15): at 0.30 JFK's speech splits into two speakers, at 0.34 two of four voices
of an interview merge; 0.31 to 0.33 get every test set right; groups holding less than :data:`MIN_SPEAKER_SHARE` of the windows are
stray windows (a cough, a laugh, a window across a turn change), not a person, and join the
nearest group unless a number of speakers was asked for.
"""

from __future__ import annotations

import numpy as np

MERGE_DISTANCE = 0.32  # 1 - cosine similarity between group means, average linkage
MIN_SPEAKER_SHARE = 0.04  # a speaker speaks in at least this share of the windows...
MIN_SPEAKER_WINDOWS = 3  # ...and in at least this many windows


def normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def centroids(emb: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """The normalised mean embedding of each label ``0..k-1``."""
    return normalize(np.stack([emb[labels == i].mean(axis=0) if np.any(labels == i)
                               else np.zeros(emb.shape[1], np.float32) for i in range(k)]))


def cluster(emb: np.ndarray, n_speakers: int | None = None, *,
            threshold: float = MERGE_DISTANCE, weights: np.ndarray | None = None) -> np.ndarray:
    """Speaker labels ``0..k-1`` for each embedding, numbered by first appearance.

    ``n_speakers``: the number asked for (None: found).  ``weights``: how much audio each
    embedding stands for (short windows count less when small groups are absorbed)."""
    from scipy.cluster.hierarchy import fcluster, linkage

    emb = normalize(emb)
    n = len(emb)
    if n == 0:
        return np.zeros(0, dtype=int)
    if n == 1 or n_speakers == 1:
        return np.zeros(n, dtype=int)
    z = linkage(emb.astype(np.float64), method="average", metric="cosine")
    if n_speakers:
        labels = fcluster(z, t=min(n_speakers, n), criterion="maxclust") - 1
    else:
        labels = fcluster(z, t=threshold, criterion="distance") - 1
        labels = absorb_small(emb, labels, weights)
    labels = refine(emb, labels)
    return renumber(labels)


def absorb_small(emb: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Groups too small to be a person join the group whose mean is most similar."""
    labels = renumber(labels)
    w = np.ones(len(emb)) if weights is None else np.asarray(weights, dtype=float)
    while True:
        k = int(labels.max()) + 1
        if k <= 1:
            return labels
        share = np.array([w[labels == i].sum() for i in range(k)]) / max(w.sum(), 1e-9)
        count = np.bincount(labels, minlength=k)
        small = [i for i in range(k) if share[i] < MIN_SPEAKER_SHARE or count[i] < MIN_SPEAKER_WINDOWS]
        if not small or len(small) == k:
            return labels
        worst = min(small, key=lambda i: share[i])
        cents = centroids(emb, labels, k)
        sims = cents @ cents[worst]
        sims[worst] = -np.inf
        labels = renumber(np.where(labels == worst, int(np.argmax(sims)), labels))


def refine(emb: np.ndarray, labels: np.ndarray, rounds: int = 3) -> np.ndarray:
    """A few k-means steps on the sphere: each embedding moves to its most similar group mean
    (average linkage can leave a border window in the wrong group)."""
    k = int(labels.max()) + 1
    for _ in range(rounds):
        cents = centroids(emb, labels, k)
        new = np.argmax(emb @ cents.T, axis=1)
        if np.array_equal(new, labels) or len(np.unique(new)) < k:
            break
        labels = new
    return labels


def renumber(labels: np.ndarray) -> np.ndarray:
    """Labels ``0..k-1`` in order of first appearance."""
    out = np.empty(len(labels), dtype=int)
    seen: dict[int, int] = {}
    for i, v in enumerate(np.asarray(labels).tolist()):
        out[i] = seen.setdefault(v, len(seen))
    return out
