"""Shot change detection on generated videos with cuts at known frames: every cut found at its
exact frame, none invented, across frame rates and codecs; the cache; ``cueline shots``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.audio.errors import MediaError
from app.audio.shots import FrameScores, detect, scores_for_media, shot_changes
from app.cli import main
from tests.audio.cut_video import make_cut_video

SHOTS_25 = [50, 37, 61, 44, 80, 33, 40, 52, 45, 60, 70, 48]  # frames per shot


@pytest.fixture(scope="module")
def cut25(tmp_path_factory):
    path = tmp_path_factory.mktemp("shots") / "cuts25.mp4"
    cuts = make_cut_video(path, SHOTS_25, fps=25)
    return path, cuts


def test_every_cut_is_found_at_its_frame(cut25, tmp_path):
    path, cuts = cut25
    found = shot_changes(path, cache_dir=tmp_path)
    assert list(found.frames) == cuts
    assert found.fps == pytest.approx(25.0)
    assert list(found.times_ms) == [f * 40 for f in cuts]  # the new shot's first frame


@pytest.mark.parametrize("fps, codec, ext", [(24, "mpeg4", "mov"), (30, "libvpx-vp9", "mkv")])
def test_other_rates_and_codecs(tmp_path, fps, codec, ext):
    shots = [int(fps * s) for s in (1.5, 2.2, 1.3, 3.0, 2.0)]
    path = tmp_path / f"cuts.{ext}"
    cuts = make_cut_video(path, shots, fps=fps, codec=codec, size=(160, 90))
    found = shot_changes(path, use_cache=False)
    assert list(found.frames) == cuts
    # within a frame in time, too
    assert np.allclose(found.times_s, [c / fps for c in cuts], atol=1.0 / fps)


def test_a_single_shot_has_no_change(tmp_path):
    path = tmp_path / "one.mp4"
    make_cut_video(path, [75], sources=("testsrc2",))
    assert len(shot_changes(path, use_cache=False)) == 0


def test_scores_are_cached_and_detection_reads_them(cut25, tmp_path):
    path, cuts = cut25
    first = scores_for_media(path, cache_dir=tmp_path)
    entries = list((tmp_path / "shots").iterdir())
    assert len(entries) == 1 and (entries[0] / "scores.npz").is_file()
    assert entries[0].stat().st_mode & 0o777 == 0o700  # private, like the waveform cache
    assert (entries[0] / "scores.npz").stat().st_mode & 0o777 == 0o600
    again = scores_for_media(path, cache_dir=tmp_path)
    assert np.array_equal(first.scores, again.scores) and again.fps == first.fps
    # a damaged entry is rebuilt
    (entries[0] / "scores.npz").write_bytes(b"garbage")
    rebuilt = scores_for_media(path, cache_dir=tmp_path)
    assert np.array_equal(rebuilt.scores, first.scores)


def test_detect_rules_on_scores():
    t = np.arange(40) / 25.0
    s = np.full(40, 0.01, np.float32)
    s[10] = 0.5  # a cut
    s[13] = 0.4  # too close after it: the weaker of the two is dropped
    s[20:26] = 0.2  # a pan: high but no higher than its neighbours
    s[30] = 0.05  # a jump below the floor
    found = detect(FrameScores(t, s, 25.0))
    assert found.frames == (10,)
    assert detect(FrameScores(t, s, 25.0), min_shot_frames=2).frames == (10, 13)


def test_media_without_video_is_a_clear_error(jfk_path):
    with pytest.raises(MediaError, match="has no video"):
        shot_changes(jfk_path, use_cache=False)


def test_cli_shots_text_and_json(cut25, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CUELINE_CACHE_DIR", str(tmp_path))
    path, cuts = cut25
    assert main(["shots", str(path)]) == 0
    lines = capsys.readouterr().out.split()
    assert lines == [f"{c / 25:.3f}" for c in cuts]
    assert main(["shots", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["frames"] == cuts and data["fps"] == 25.0
    assert data["shot_changes"] == [round(c / 25, 3) for c in cuts]


def test_cli_shots_errors(jfk_path, tmp_path, capsys):
    assert main(["shots", str(jfk_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "has no video" in err
    assert main(["shots", str(tmp_path / "missing.mp4")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert main(["shots", str(jfk_path), "--threshold", "3"]) == 2
