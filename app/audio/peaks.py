"""Waveform peaks: a min/max/RMS pyramid that answers any zoom in well under a millisecond
or two, and a disk cache so a reopened file draws at once.

The signal
    The pyramid is built from the media decoded at :data:`PEAK_RATE` (16 kHz, the rate the
    engines use: 8 samples per pixel even at a 1 s wide 1920 px view) as a mono mix (mean of
    the channels), stored as int16 (``samples``; exposed as float via
    :meth:`PeakPyramid.values`).  Min/max of the int16 store are exact.

The levels
    Level 0 holds, for each block of :data:`BASE` = 64 samples, the min, the max (int16) and
    the sum of squares (float32); level ``k`` blocks are ``BASE * FACTOR**k`` samples
    (``FACTOR`` = 4), built from level ``k-1``.  Memory: 8 bytes per 64 samples, x4/3 for all
    levels (3 h: 29 MB) plus the int16 samples (2 bytes per sample, 346 MB for 3 h,
    memory-mapped from the cache: only the pages a zoomed-in view touches are read).

Pixels
    :meth:`PeakPyramid.query` maps ``[start_s, end_s)`` onto ``width`` pixels.  With
    ``a = start_s * rate`` and ``b = end_s * rate``, pixel ``i`` covers the samples
    ``[e_i, max(e_{i+1}, e_i + 1))`` with ``e_i = floor(a + i * (b - a) / width)``
    (:func:`pixel_edges`), clipped to the signal; a pixel with no sample in the signal is 0.
    When a pixel spans at least one level-0 block (64 samples, 4 ms), the edges inside the
    signal are snapped down to the 64-sample grid: pixels are then whole blocks and the raw
    samples are only read when zoomed in further (and for the signal's last partial block).
    A pixel's min and max EQUAL those of ``values()`` over its range: the range is cut into
    full blocks of the coarsest level finer than the pixel plus, at both ends, the partial
    pieces taken from ever finer levels and finally from the raw samples.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
from pathlib import Path

import numpy as np

from app.audio import cache
from app.audio.decode import decode
from app.audio.samples import ENGINE_RATE, INT16_FULL_SCALE, float_to_int16, int16_to_float
from app.core.cancel import CancelToken, Progress, ProgressCallback

log = logging.getLogger(__name__)

PEAK_RATE = ENGINE_RATE  # the cache stores what the engines hear
BASE = 64
FACTOR = 4
CACHE_KIND = "peaks"
CACHE_VERSION = 2
_MIN_ID = np.int16(32767)  # identity of min over int16
_MAX_ID = np.int16(-32768)  # identity of max over int16
_BUILD_CHUNK = BASE * 65536


def pixel_edges(start_s: float, end_s: float, width: int, sample_rate: int,
                n_samples: int | None = None) -> np.ndarray:
    """The ``width + 1`` sample indices bounding the pixels (see the module doc).

    ``e_i = floor(a + i * (b - a) / width)``; when a pixel spans at least BASE samples,
    every ``e_i`` inside the signal (``e_i < n_samples``) is snapped down to the BASE grid.
    """
    a = float(start_s) * sample_rate
    b = float(end_s) * sample_rate
    i = np.arange(width + 1, dtype=np.float64)
    edges = np.floor(a + i * ((b - a) / width)).astype(np.int64)
    if (b - a) / width >= BASE:
        inside = edges < (n_samples if n_samples is not None else np.iinfo(np.int64).max)
        edges[inside] -= edges[inside] % BASE
    return edges


class PeakPyramid:
    """Min/max/RMS pyramid over a mono int16 signal; see the module doc."""

    def __init__(self, samples: np.ndarray, sample_rate: int,
                 levels: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
        if samples.dtype != np.int16 or samples.ndim != 1:
            raise ValueError("PeakPyramid samples must be a 1-D int16 array")
        self.samples = samples
        self.sample_rate = int(sample_rate)
        self.levels = levels
        self.cache_path: Path | None = None

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_samples(cls, samples: np.ndarray, sample_rate: int = PEAK_RATE,
                     cancel: CancelToken | None = None) -> PeakPyramid:
        """Build from mono samples (float in [-1, 1], stored as int16, or int16 as is)."""
        x = np.asarray(samples)
        if x.ndim == 2:
            x = x.mean(axis=0)
        if x.dtype != np.int16:
            x = float_to_int16(x)
        return cls(x, sample_rate, build_levels(x, cancel))

    @classmethod
    def for_media(cls, path: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None,
                  progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                  use_cache: bool = True) -> PeakPyramid:
        """The pyramid of a media file, from the cache when present, else decoded and cached.

        A cache entry that cannot be read (corrupt, half written, from another version) is
        deleted and rebuilt.  When the cache folder cannot be written, the pyramid is built
        in memory and a warning logged.
        """
        from app.audio.probe import check_path

        check_path(path)
        if not use_cache:
            samples = decode(path, PEAK_RATE, mono=True, progress=progress, cancel=cancel,
                             dtype=np.int16)
            return cls(samples, PEAK_RATE, build_levels(samples, cancel))
        key = cache.media_key(path, CACHE_KIND, CACHE_VERSION, PEAK_RATE, BASE, FACTOR)
        folder = cache.entry_dir(CACHE_KIND, key, cache_dir)
        if folder.is_dir():
            try:
                pyramid = cls.load(folder)
                cache.touch(folder)
                if progress is not None:
                    progress(Progress(1, 1, "waveform loaded from cache"))
                return pyramid
            except Exception as exc:  # noqa: BLE001 - any unreadable entry is rebuilt
                log.info("waveform cache %s unreadable (%s); rebuilding", folder, exc)
                shutil.rmtree(folder, ignore_errors=True)
        tmp = folder.with_name(f"{folder.name}.tmp{os.getpid()}")
        try:
            cache.make_entry_dir(tmp, cache_dir)
        except OSError as exc:
            log.warning("cannot write the waveform cache in %s (%s); not caching", folder.parent, exc)
            return cls.for_media(path, progress=progress, cancel=cancel, use_cache=False)
        try:
            samples = decode(path, PEAK_RATE, mono=True, progress=progress, cancel=cancel,
                             dtype=np.int16, out_path=tmp / "samples.i16")
            pyramid = cls(samples, PEAK_RATE, build_levels(samples, cancel))
            pyramid._save_levels(tmp)
            del samples, pyramid
            cache.seal(tmp)
            try:
                os.replace(tmp, folder)
            except OSError:  # another process cached the same file meanwhile
                shutil.rmtree(tmp, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        cache.prune(CACHE_KIND, cache_dir, keep=folder)
        if progress is not None:
            progress(Progress(1, 1, "waveform ready"))
        return cls.load(folder)

    def _save_levels(self, folder: Path) -> None:
        arrays = {"meta": np.array([CACHE_VERSION, self.sample_rate, len(self.samples), BASE,
                                    FACTOR, len(self.levels)], dtype=np.int64)}
        for k, (mn, mx, sq) in enumerate(self.levels):
            arrays[f"mn{k}"], arrays[f"mx{k}"], arrays[f"sq{k}"] = mn, mx, sq
        with open(folder / "levels.npz", "wb") as f:
            np.savez(f, **arrays)

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> PeakPyramid:
        """Open a cache entry written by :meth:`for_media`; ValueError if it is not intact."""
        folder = Path(folder)
        with np.load(folder / "levels.npz", allow_pickle=False) as z:
            version, rate, n, base, factor, nlev = (int(v) for v in z["meta"])
            if (version, base, factor) != (CACHE_VERSION, BASE, FACTOR) or n <= 0:
                raise ValueError("cache entry from another version")
            levels = [(z[f"mn{k}"], z[f"mx{k}"], z[f"sq{k}"]) for k in range(nlev)]
        expected = _level_lengths(n)
        if len(levels) != len(expected) or any(
            len(mn) != m or len(mx) != m or len(sq) != m or mn.dtype != np.int16
            or mx.dtype != np.int16 or sq.dtype != np.float32
            for (mn, mx, sq), m in zip(levels, expected, strict=True)
        ):
            raise ValueError("cache entry has inconsistent levels")
        raw = folder / "samples.i16"
        if raw.stat().st_size != 2 * n:
            raise ValueError("cache entry has the wrong number of samples")
        samples = np.memmap(raw, dtype=np.int16, mode="r", shape=(n,))
        pyramid = cls(samples, rate, levels)
        pyramid.cache_path = folder
        return pyramid

    # -- facts --------------------------------------------------------------------------

    @property
    def n_samples(self) -> int:
        return len(self.samples)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate

    def values(self, start: int = 0, end: int | None = None) -> np.ndarray:
        """Samples ``[start, end)`` as float32, exactly as the pyramid sees them."""
        return int16_to_float(self.samples[start:end])

    def engine_samples(self) -> np.ndarray:
        """The recording as background jobs read it: mono int16 at
        :data:`~app.audio.samples.ENGINE_RATE` (memory-mapped from the cache when it came
        from there; cut windows with :func:`~app.audio.samples.audio_window`, never convert
        it whole).  Raises ``ValueError`` for a pyramid built at another rate."""
        if self.sample_rate != ENGINE_RATE:
            raise ValueError(f"waveform samples are at {self.sample_rate} Hz, not the "
                             f"{ENGINE_RATE} Hz the engines hear")
        return self.samples

    def block_size(self, level: int) -> int:
        return BASE * FACTOR**level

    # -- queries ------------------------------------------------------------------------

    def query(self, start_s: float, end_s: float, width: int, rms: bool = False):
        """Per-pixel ``(mins, maxs)`` (float32, length ``width``), plus ``rms`` if asked.

        See the module doc for which samples a pixel covers.
        """
        width = int(width)
        if width <= 0:
            empty = np.zeros(0, np.float32)
            return (empty, empty, empty) if rms else (empty, empty)
        if not end_s > start_s:
            raise ValueError("end_s must be greater than start_s")
        n = len(self.samples)
        edges = pixel_edges(start_s, end_s, width, self.sample_rate, n)
        s = edges[:-1]
        e = np.maximum(edges[1:], s + 1)
        cs, ce = np.clip(s, 0, n), np.clip(e, 0, n)
        mn = np.zeros(width, np.int16)
        mx = np.zeros(width, np.int16)
        sq = np.zeros(width, np.float64) if rms else None
        live = ce > cs
        if live.any():
            idx = np.flatnonzero(live)
            r_mn, r_mx, r_sq = self.reduce_ranges(cs[idx], ce[idx], want_sq=rms)
            mn[idx], mx[idx] = r_mn, r_mx
            if rms:
                sq[idx] = r_sq
        mins, maxs = int16_to_float(mn), int16_to_float(mx)
        if not rms:
            return mins, maxs
        count = np.maximum(ce - cs, 1)
        level = (np.sqrt(sq / count) / INT16_FULL_SCALE).astype(np.float32)
        return mins, maxs, level

    def reduce_ranges(self, starts: np.ndarray, ends: np.ndarray, want_sq: bool = False):
        """Exact (min, max, sum of squares) of int16 samples over ``[starts[i], ends[i])``.

        Every range must be non-empty and inside ``[0, n_samples]``.
        """
        starts = np.asarray(starts, np.int64)
        ends = np.asarray(ends, np.int64)
        widths = ends - starts
        # the coarsest level whose blocks are not wider than the range (-1 = raw samples)
        lv = np.full(len(starts), -1, np.int64)
        ok = widths >= BASE
        lv[ok] = np.floor(np.log(widths[ok] / BASE) / math.log(FACTOR) + 1e-9).astype(np.int64)
        lv = np.minimum(lv, len(self.levels) - 1)
        while True:  # fix float rounding of the log at exact powers
            too_big = (lv >= 0) & (BASE * FACTOR ** np.maximum(lv, 0) > widths)
            if not too_big.any():
                break
            lv[too_big] -= 1
        mn = np.empty(len(starts), np.int16)
        mx = np.empty(len(starts), np.int16)
        sq = np.zeros(len(starts), np.float64) if want_sq else None
        for level in np.unique(lv):
            sel = np.flatnonzero(lv == level)
            if level < 0:
                r = self._raw_ranges(starts[sel], ends[sel], want_sq)
            else:
                r = self._block_ranges(int(level), starts[sel], ends[sel], want_sq)
            mn[sel], mx[sel] = r[0], r[1]
            if want_sq:
                sq[sel] = r[2]
        return mn, mx, sq

    def _raw_ranges(self, starts, ends, want_sq):
        width = int((ends - starts).max())
        idx = starts[:, None] + np.arange(width)[None, :]
        mask = idx < ends[:, None]
        g = self.samples[np.minimum(idx, len(self.samples) - 1)]
        mn = np.where(mask, g, _MIN_ID).min(axis=1)
        mx = np.where(mask, g, _MAX_ID).max(axis=1)
        sq = None
        if want_sq:
            gf = g.astype(np.float64)
            sq = np.where(mask, gf * gf, 0.0).sum(axis=1)
        return mn, mx, sq

    def _block_ranges(self, level: int, starts, ends, want_sq):
        """Full blocks of ``level`` in the middle, finer pieces at both ends."""
        big = self.block_size(level)
        lmn, lmx, lsq = self.levels[level]
        first = -(-starts // big)  # ceil
        last = ends // big
        span = max(int((last - first).max()), 1)
        idx = first[:, None] + np.arange(span)[None, :]
        mask = idx < last[:, None]
        idx = np.minimum(idx, len(lmn) - 1)
        mn = np.where(mask, lmn[idx], _MIN_ID).min(axis=1)
        mx = np.where(mask, lmx[idx], _MAX_ID).max(axis=1)
        sq = np.where(mask, lsq[idx], 0.0).sum(axis=1) if want_sq else None
        if len(starts) > 1 and np.array_equal(starts[1:], ends[:-1]):
            # contiguous pixels: one pass over the shared boundaries serves both sides
            suf, pre = self._partials(level, np.append(starts, ends[-1]), want_sq)
            suf = tuple(None if a is None else a[:-1] for a in suf)
            pre = tuple(None if a is None else a[1:] for a in pre)
        else:
            suf = self._partials(level, starts, want_sq)[0]
            pre = self._partials(level, ends, want_sq)[1]
        mn = np.minimum(np.minimum(mn, suf[0]), pre[0])
        mx = np.maximum(np.maximum(mx, suf[1]), pre[1])
        if want_sq:
            sq = sq + suf[2] + pre[2]
        return mn, mx, sq

    def _rows(self, j: int, row: np.ndarray, want_sq: bool = False) -> tuple:
        """Rows of level ``j`` (``-1``: raw samples, rows of BASE) as (min, max, sq) arrays
        (sq None for the raw samples, or when not wanted)."""
        if j >= 0:
            jmn, jmx, jsq = self.levels[j]
            r = np.minimum(row, len(jmn) // FACTOR - 1)
            return (jmn.reshape(-1, FACTOR)[r], jmx.reshape(-1, FACTOR)[r],
                    jsq.reshape(-1, FACTOR)[r] if want_sq else None)
        n = len(self.samples)
        full = n // BASE
        if full:
            g = self.samples[: full * BASE].reshape(full, BASE)[np.minimum(row, full - 1)]
        else:
            g = np.zeros((len(row), BASE), np.int16)
        if n % BASE:  # rows past the last full block read the zero-padded tail
            beyond = row >= full
            if beyond.any():
                tail = np.zeros(BASE, np.int16)
                tail[: n % BASE] = self.samples[full * BASE:]
                g[beyond] = tail
        return g, g, None

    def _partials(self, level: int, p: np.ndarray, want_sq: bool):
        """For each point ``p`` and the block size ``B`` of ``level``: (min, max, sq) of
        ``[p, ceil(p/B)*B)`` (suffix) and of ``[floor(p/B)*B, p)`` (prefix), from the levels
        below and the raw samples.  Returns ``(suffix, prefix)``.

        Each finer level ``j`` contributes, per point, a piece of the row of ``j`` blocks
        that make up one block of level ``j + 1`` (raw samples: the row of BASE samples of
        one level-0 block).  All rows are gathered into one flat array and every piece is
        reduced by a single ``reduceat``.
        """
        m = len(p)
        flat_mn, flat_mx, flat_sq, cuts, has_pre, has_suf = [], [], [], [], [], []
        offset = 0
        for j in range(0, level):
            small = 1 if j < 0 else self.block_size(j)
            row_len = BASE if j < 0 else FACTOR
            row = p // (small * row_len)
            col = (p // small) - row * row_len  # p's element inside its row
            begin = col + ((p % small) != 0)  # first element wholly after p
            g_mn, g_mx, g_sq = self._rows(j, row, want_sq)
            flat_mn.append(g_mn.ravel())
            flat_mx.append(g_mx.ravel())
            if want_sq:
                if g_sq is None:
                    gf = g_mn.astype(np.float32)
                    g_sq = gf * gf
                flat_sq.append(g_sq.ravel())
            base = offset + np.arange(m, dtype=np.int64) * row_len
            cuts.append(np.stack([base, base + col, base + begin], axis=1).ravel())
            has_pre.append(col > 0)
            has_suf.append((begin < row_len) & ((p % (small * row_len)) != 0))
            offset += m * row_len
        s_mn = np.full(m, _MIN_ID, np.int16)
        s_mx = np.full(m, _MAX_ID, np.int16)
        p_mn, p_mx = s_mn.copy(), s_mx.copy()
        s_sq = np.zeros(m, np.float32) if want_sq else None
        p_sq = np.zeros(m, np.float32) if want_sq else None
        if cuts:
            idx = np.concatenate(cuts)
            has_pre = np.stack(has_pre)
            has_suf = np.stack(has_suf)
            nl = len(cuts)

            def pieces(ufunc, arrays, pad, identity):
                flat = np.concatenate(arrays + [np.array([pad], dtype=arrays[0].dtype)])
                r = ufunc.reduceat(flat, idx).reshape(nl, m, 3)
                suffix = np.where(has_suf, r[:, :, 2], identity)
                prefix = np.where(has_pre, r[:, :, 0], identity)
                if ufunc is np.add:
                    return suffix.sum(axis=0), prefix.sum(axis=0)
                return ufunc.reduce(suffix, axis=0), ufunc.reduce(prefix, axis=0)

            s_mn, p_mn = pieces(np.minimum, flat_mn, _MIN_ID, _MIN_ID)
            s_mx, p_mx = pieces(np.maximum, flat_mx, _MAX_ID, _MAX_ID)
            if want_sq:
                s_sq, p_sq = pieces(np.add, flat_sq, np.float32(0), np.float32(0))
        # raw samples: only the points inside a level-0 block (at most a few once the pixel
        # edges are snapped to blocks), so a zoomed-out view never touches the sample file
        odd = np.flatnonzero(p % BASE)
        if len(odd):
            q = p[odd]
            g = self._rows(-1, q // BASE)[0]
            base = np.arange(len(q), dtype=np.int64) * BASE
            idx = np.stack([base, base + q % BASE], axis=1).ravel()
            r_mn = np.minimum.reduceat(g.ravel(), idx).reshape(-1, 2)
            r_mx = np.maximum.reduceat(g.ravel(), idx).reshape(-1, 2)
            p_mn[odd] = np.minimum(p_mn[odd], r_mn[:, 0])
            s_mn[odd] = np.minimum(s_mn[odd], r_mn[:, 1])
            p_mx[odd] = np.maximum(p_mx[odd], r_mx[:, 0])
            s_mx[odd] = np.maximum(s_mx[odd], r_mx[:, 1])
            if want_sq:
                gf = g.ravel().astype(np.float32)
                r_sq = np.add.reduceat(gf * gf, idx).reshape(-1, 2)
                p_sq[odd] += r_sq[:, 0]
                s_sq[odd] += r_sq[:, 1]
        return (s_mn, s_mx, s_sq), (p_mn, p_mx, p_sq)


def _level_lengths(n: int) -> list[int]:
    """Padded lengths of every level for ``n`` samples (each a multiple of FACTOR)."""
    lengths = []
    blocks = -(-n // BASE)
    while True:
        padded = -(-blocks // FACTOR) * FACTOR
        lengths.append(padded)
        if blocks <= FACTOR:
            return lengths
        blocks = padded // FACTOR


def _pad(mn, mx, sq, length):
    extra = length - len(mn)
    if extra:
        mn = np.concatenate([mn, np.full(extra, _MIN_ID, np.int16)])
        mx = np.concatenate([mx, np.full(extra, _MAX_ID, np.int16)])
        sq = np.concatenate([sq, np.zeros(extra, np.float32)])
    return mn, mx, sq


def build_levels(samples: np.ndarray, cancel: CancelToken | None = None):
    """All pyramid levels of an int16 signal, reading it in chunks (memory-mapped input is
    never loaded whole)."""
    n = len(samples)
    if n == 0:
        raise ValueError("cannot build waveform peaks of an empty signal")
    lengths = _level_lengths(n)
    blocks = -(-n // BASE)
    mn = np.empty(blocks, np.int16)
    mx = np.empty(blocks, np.int16)
    sq = np.empty(blocks, np.float64)
    for a in range(0, n, _BUILD_CHUNK):
        if cancel is not None:
            cancel.raise_if_cancelled()
        x = np.asarray(samples[a:a + _BUILD_CHUNK])
        full = len(x) // BASE
        b0 = a // BASE
        if full:
            xs = x[: full * BASE].reshape(full, BASE)
            mn[b0:b0 + full] = xs.min(axis=1)
            mx[b0:b0 + full] = xs.max(axis=1)
            xf = xs.astype(np.float64)
            sq[b0:b0 + full] = np.einsum("ij,ij->i", xf, xf)
        if len(x) > full * BASE:
            tail = x[full * BASE:]
            mn[b0 + full], mx[b0 + full] = tail.min(), tail.max()
            tf = tail.astype(np.float64)
            sq[b0 + full] = float(np.dot(tf, tf))
    sq = sq.astype(np.float32)  # sums of squares are for display: float32 is plenty
    levels = [_pad(mn, mx, sq, lengths[0])]
    for length in lengths[1:]:
        pmn, pmx, psq = levels[-1]
        levels.append(_pad(pmn.reshape(-1, FACTOR).min(axis=1), pmx.reshape(-1, FACTOR).max(axis=1),
                           psq.reshape(-1, FACTOR).sum(axis=1, dtype=np.float64)
                           .astype(np.float32), length))
    return levels
