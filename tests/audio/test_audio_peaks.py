"""The peak pyramid answers exactly what a brute-force min/max over the pixel's samples
gives, at any range, width and zoom; the disk cache survives reopening and corruption."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.audio.peaks import BASE, FACTOR, PeakPyramid, pixel_edges

RATE = 16000


def brute_force(pyr: PeakPyramid, start_s: float, end_s: float, width: int):
    """Min, max and RMS per pixel straight from the samples (module doc's definition)."""
    v = pyr.values()
    n = len(v)
    a, b = start_s * RATE, end_s * RATE
    snap = (b - a) / width >= BASE

    def edge(i):
        x = int(np.floor(a + i * ((b - a) / width)))
        return x - x % BASE if snap and x < n else x

    mins, maxs, rms = np.zeros(width, np.float32), np.zeros(width, np.float32), np.zeros(width)
    for i in range(width):
        s = edge(i)
        e = max(edge(i + 1), s + 1)
        s, e = max(s, 0), min(e, n)
        if e > s:
            seg = v[s:e]
            mins[i], maxs[i] = seg.min(), seg.max()
            rms[i] = np.sqrt(np.mean(seg.astype(np.float64) ** 2))
    return mins, maxs, rms


def signal(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) * rng.uniform(0.01, 0.5)
    x *= np.repeat(rng.uniform(0, 1, n // 997 + 1), 997)[:n]  # loud and quiet stretches
    return np.clip(x, -1, 1).astype(np.float32)


# sizes that cover: less than a block, exact multiples, every level count in between
SIZES = [1, 63, 64, 65, BASE * FACTOR, BASE * FACTOR**2 + 1, 100_003, 16000 * 60 + 17]
PYRAMIDS = {n: PeakPyramid.from_samples(signal(n, n), RATE) for n in SIZES}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.sampled_from(SIZES),
    start=st.floats(-0.2, 1.1, allow_subnormal=False),
    span=st.floats(1e-5, 1.3, allow_subnormal=False),
    width=st.integers(1, 700),
)
def test_query_equals_brute_force(n, start, span, width):
    pyr = PYRAMIDS[n]
    dur = pyr.duration_s
    start_s, end_s = start * dur, (start + span) * dur
    if not end_s > start_s:
        return
    mins, maxs, rms = pyr.query(start_s, end_s, width, rms=True)
    want_min, want_max, want_rms = brute_force(pyr, start_s, end_s, width)
    np.testing.assert_array_equal(mins, want_min)
    np.testing.assert_array_equal(maxs, want_max)
    np.testing.assert_allclose(rms, want_rms, rtol=1e-5, atol=1e-7)


def test_pixel_edges_are_the_documented_formula():
    e = pixel_edges(0.001, 0.002, 7, RATE)  # less than a block per pixel: no snapping
    assert list(e) == [int(np.floor(16 + i * (16 / 7))) for i in range(8)]
    e = pixel_edges(1.25, 3.5, 7, RATE, n_samples=50_000)
    exact = [int(np.floor(1.25 * RATE + i * (2.25 * RATE / 7))) for i in range(8)]
    assert list(e) == [x - x % BASE if x < 50_000 else x for x in exact]
    assert all(x % BASE == 0 for x in e if x < 50_000) and e[-1] == 56000


def test_full_view_and_zoomed_in_queries():
    n = 16000 * 60 + 17
    pyr = PYRAMIDS[n]
    v = pyr.values()
    mins, maxs = pyr.query(0, pyr.duration_s, 1920)
    assert mins.min() == v.min() and maxs.max() == v.max()
    # zoomed in below one sample per pixel: each sample spans several pixels
    mins, maxs = pyr.query(1.0, 1.0 + 10 / RATE, 40)
    assert np.array_equal(mins, maxs)
    assert set(mins.tolist()) == set(v[16000:16010].tolist())
    with pytest.raises(ValueError):
        pyr.query(2.0, 1.0, 10)
    assert pyr.query(0, 1, 0)[0].shape == (0,)


def test_for_media_caches_and_reopens(jfk_path, tmp_path):
    first = PeakPyramid.for_media(jfk_path, cache_dir=tmp_path)
    assert first.cache_path is not None and first.cache_path.parent.parent == tmp_path
    assert first.sample_rate == RATE and first.duration_s == pytest.approx(11.0)
    seen = []
    again = PeakPyramid.for_media(jfk_path, cache_dir=tmp_path, progress=seen.append)
    assert isinstance(again.samples, np.memmap)  # opened from disk, not decoded
    assert seen and "cache" in seen[-1].message
    for q in ((0, 11, 1920), (3.2, 3.3, 500)):
        np.testing.assert_array_equal(first.query(*q)[0], again.query(*q)[0])
        np.testing.assert_array_equal(first.query(*q)[1], again.query(*q)[1])


@pytest.mark.parametrize("damage", ["garbage_levels", "short_samples", "missing_samples"])
def test_a_corrupt_cache_is_rebuilt(jfk_path, tmp_path, damage):
    first = PeakPyramid.for_media(jfk_path, cache_dir=tmp_path)
    folder = first.cache_path
    want = first.query(0, 11, 300)
    if damage == "garbage_levels":
        (folder / "levels.npz").write_bytes(b"not a zip file")
    elif damage == "short_samples":
        with open(folder / "samples.i16", "r+b") as f:
            f.truncate(1000)
    else:
        (folder / "samples.i16").unlink()
    rebuilt = PeakPyramid.for_media(jfk_path, cache_dir=tmp_path)
    np.testing.assert_array_equal(rebuilt.query(0, 11, 300)[1], want[1])
    assert (folder / "samples.i16").stat().st_size == 2 * rebuilt.n_samples


def test_cache_dir_from_the_environment(jfk_path, tmp_path, monkeypatch):
    monkeypatch.setenv("CUELINE_CACHE_DIR", str(tmp_path / "env"))
    pyr = PeakPyramid.for_media(jfk_path)
    assert str(pyr.cache_path).startswith(str(tmp_path / "env"))


def test_the_key_follows_the_content(jfk_path, tmp_path):
    a = tmp_path / "a.flac"
    a.write_bytes(jfk_path.read_bytes())
    first = PeakPyramid.for_media(a, cache_dir=tmp_path / "c")
    b = tmp_path / "b.flac"
    a.rename(b)  # same content, same mtime: same entry
    assert PeakPyramid.for_media(b, cache_dir=tmp_path / "c").cache_path == first.cache_path
    with open(b, "r+b") as f:  # edited: a new entry
        f.seek(-10, 2)
        f.write(b"0123456789")
    assert PeakPyramid.for_media(b, cache_dir=tmp_path / "c").cache_path != first.cache_path


def test_an_unwritable_cache_still_gives_peaks(jfk_path, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    pyr = PeakPyramid.for_media(jfk_path, cache_dir=blocker)
    assert pyr.cache_path is None and pyr.duration_s == pytest.approx(11.0)


def test_the_cache_is_pruned_least_recently_used_first(tmp_path):
    import os

    from app.audio import cache

    base = tmp_path / "peaks"
    for i, name in enumerate(["old", "mid", "new"]):
        d = base / name
        d.mkdir(parents=True)
        (d / "samples.i16").write_bytes(b"x" * 1000)
        os.utime(d, (1_000_000 + i, 1_000_000 + i))
    assert cache.prune("peaks", tmp_path, max_bytes=2500, keep=base / "old") == 1
    assert sorted(p.name for p in base.iterdir()) == ["new", "old"]  # "old" is kept: "mid" goes
    assert cache.prune("peaks", tmp_path, max_bytes=10_000) == 0
