"""Where analysis results of a media file are kept between runs, and under which key.

The cache lives in ``platformdirs.user_cache_dir("cueline")``, or in ``$CUELINE_CACHE_DIR``,
or in the folder a caller passes.  An entry is keyed by the media's *content*: its size,
modification time and a hash of its first and last MiB, so a renamed or copied file still
hits and an edited one misses.  Reading the key costs two 1 MiB reads, whatever the size.

The cache is private to the user whatever the umask: folders 0700, files 0600.  It holds the
decoded audio of the user's media, which is not a document they chose to share (and a 0644
copy would outlive a 0600 original); folders an older version left 0755 are tightened.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import time
from pathlib import Path

ENV_CACHE_DIR = "CUELINE_CACHE_DIR"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_EDGE = 1 << 20
DEFAULT_MAX_BYTES = 4 << 30


def cache_root(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The cache folder: ``cache_dir`` if given, else ``$CUELINE_CACHE_DIR``, else the
    user cache folder."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("cueline"))


def media_key(path: str | os.PathLike[str], *extra: object) -> str:
    """A stable key for the content of ``path`` (plus ``extra`` parameters)."""
    p = Path(path)
    st = p.stat()
    h = hashlib.sha1()
    h.update(f"{st.st_size}:{st.st_mtime_ns}:".encode())
    with open(p, "rb") as f:
        h.update(f.read(_EDGE))
        if st.st_size > _EDGE:
            f.seek(max(_EDGE, st.st_size - _EDGE))
            h.update(f.read(_EDGE))
    for item in extra:
        h.update(f":{item}".encode())
    return h.hexdigest()[:32]


def entry_dir(kind: str, key: str, cache_dir: str | os.PathLike[str] | None = None) -> Path:
    return cache_root(cache_dir) / kind / key


def make_entry_dir(path: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Create ``path`` (an entry being written) and the cache folders between it and the cache
    root, all 0700; raises OSError when the cache cannot be written."""
    path = Path(path)
    root = cache_root(cache_dir)
    chain = [path, *path.parents]
    if root in chain:
        chain = chain[:chain.index(root) + 1]
    else:  # not under the root (a caller's own folder): just its own parents
        chain = chain[:1]
    chain[-1].parent.mkdir(parents=True, exist_ok=True)  # above the cache: ordinary folders
    for folder in reversed(chain):
        try:
            os.mkdir(folder, PRIVATE_DIR_MODE)
        except FileExistsError:
            _tighten(folder, PRIVATE_DIR_MODE)
    return path


def seal(folder: str | os.PathLike[str]) -> None:
    """Make a written entry's folder 0700 and its files 0600 (before it is renamed into place)."""
    folder = Path(folder)
    _tighten(folder, PRIVATE_DIR_MODE)
    for f in folder.iterdir():
        if f.is_file() and not f.is_symlink():
            _tighten(f, PRIVATE_FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode) or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
            return
        if st.st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except OSError:
        pass


def folder_size(folder: Path) -> int:
    total = 0
    for f in folder.rglob("*"):
        try:
            if f.is_file():
                total += f.stat().st_size
        except OSError:
            pass
    return total


def prune(kind: str, cache_dir: str | os.PathLike[str] | None = None,
          max_bytes: int = DEFAULT_MAX_BYTES, keep: Path | None = None) -> int:
    """Delete the least recently used entries of ``kind`` until it fits ``max_bytes``.

    Returns the number of entries removed.  ``keep`` is never removed.
    """
    base = cache_root(cache_dir) / kind
    if not base.is_dir():
        return 0
    entries = []
    for d in base.iterdir():
        if d.is_dir():
            try:
                entries.append((d.stat().st_mtime, d, folder_size(d)))
            except OSError:
                continue
    total = sum(size for _, _, size in entries)
    removed = 0
    for _, d, size in sorted(entries, key=lambda e: e[0]):
        if total <= max_bytes:
            break
        if keep is not None and d == keep:
            continue
        shutil.rmtree(d, ignore_errors=True)
        total -= size
        removed += 1
    return removed


def touch(folder: Path) -> None:
    """Mark an entry as just used (for :func:`prune`)."""
    try:
        now = time.time()
        os.utime(folder, (now, now))
    except OSError:
        pass
