"""The decoded-audio (waveform) cache is private to the user whatever the umask (issue 11,
item 10): it holds the audio of the user's media, a copy that must not be more readable than
the media's owner chose."""

from __future__ import annotations

import os

from app.audio import cache
from app.audio.peaks import PeakPyramid


def modes(root):
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(folder, name)
            out[os.path.relpath(p, root)] = os.stat(p).st_mode & 0o777
    return out


def test_cache_entries_are_0600_in_0700_folders(tmp_path, jfk_path):
    old = os.umask(0o022)
    try:
        root = tmp_path / "cache"
        root.mkdir(mode=0o755)  # an existing cache an older version made readable
        os.chmod(root, 0o755)
        pyramid = PeakPyramid.for_media(jfk_path, cache_dir=root)
        assert pyramid.cache_path is not None
    finally:
        os.umask(old)
    found = modes(root)
    files = {k: v for k, v in found.items() if (root / k).is_file()}
    folders = {k: v for k, v in found.items() if (root / k).is_dir()}
    assert any(k.endswith("samples.i16") for k in files)  # the decoded audio itself
    assert set(files.values()) == {0o600}
    assert set(folders.values()) == {0o700}
    assert os.stat(root).st_mode & 0o777 == 0o700


def test_make_entry_dir_outside_the_root_only_makes_that_folder_private(tmp_path):
    target = tmp_path / "elsewhere" / "entry"
    cache.make_entry_dir(target, tmp_path / "root")
    assert os.stat(target).st_mode & 0o777 == 0o700
