"""Every kind of bad input is a MediaError naming the file and the problem; no av error
escapes."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest

from app.audio.decode import decode
from app.audio.errors import MediaError, describe, media_error
from app.audio.peaks import PeakPyramid
from app.audio.probe import probe
from app.audio.reader import MediaSource

CASES = {
    "missing.wav": "file not found",
    "folder.wav": "is a folder",
    "empty.wav": "the file is empty",
    "text.mp3": "not an audio or video file",
    "header_only.wav": "not an audio or video file",
    "cut.mp4": "not an audio or video file",
    "video_only.mp4": "has no audio track",
    "zero.wav": "zero length",
}
TRUNCATED = ("cut.wav", "cut.mp3", "cut.flac")


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("action", [probe, decode, PeakPyramid.for_media, MediaSource])
def test_bad_input_is_a_media_error_naming_the_file(bad_dir, name, action, tmp_path,
                                                     monkeypatch):
    monkeypatch.setenv("CUELINE_CACHE_DIR", str(tmp_path))
    path = bad_dir / name
    with pytest.raises(MediaError) as info:
        action(path)
    err = info.value
    assert CASES[name] in err.problem
    assert f"'{path}'" in str(err) and str(err).startswith("cannot ")
    assert err.path == str(path)


@pytest.mark.parametrize("name", TRUNCATED)
def test_truncated_files_are_reported_with_how_much_is_left(bad_dir, name):
    with pytest.raises(MediaError) as info:
        decode(bad_dir / name)
    assert "truncated" in info.value.problem
    assert "of 11.0 s" in info.value.problem
    partial = decode(bad_dir / name, allow_truncated=True)
    assert 0 < len(partial) < 11 * 16000
    assert np.abs(partial).max() > 0


def test_error_messages_for_os_failures(tmp_path):
    p = tmp_path / "x.mp3"
    assert describe(p, PermissionError(errno.EACCES, "Permission denied")).startswith("permission denied")
    assert describe(p, FileNotFoundError(errno.ENOENT, "nope")) == "file not found"
    err = media_error(p, OSError(errno.EIO, "Input/output error"), "decode")
    assert str(err) == f"cannot decode '{p}': input/output error"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without read permission")
def test_unreadable_file(tmp_path, jfk_path):
    p = tmp_path / "locked.flac"
    p.write_bytes(jfk_path.read_bytes())
    p.chmod(0)
    try:
        with pytest.raises(MediaError, match="permission denied"):
            probe(p)
    finally:
        p.chmod(0o644)


def test_media_error_is_a_user_error_for_the_cli():
    err = MediaError("a.wav", "file not found")
    assert err.user_message == "cannot open 'a.wav': file not found"
