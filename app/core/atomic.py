"""Crash-safe replacement of a file, with its previous version kept as ``NAME.bak``.

A save writes the new content to a temporary file in the same folder, fsyncs it and renames it
over the target, so every moment the target is either the old or the new complete file.  What
this module guarantees besides:

* **No predictable names.**  Both temporaries (the new content, and the copy of the old one that
  becomes ``.bak``) are made by ``mkstemp`` (``O_CREAT | O_EXCL``: a symlink planted at the name
  is never followed), named ``.NAME.XXXXXXXX.tmp`` so they are recognisable.
* **The file keeps its mode.**  The new file and ``.bak`` get the target's permission bits (a
  0664 project stays 0664, a 0600 one stays 0600; ``.bak`` is never more readable than the
  project) and, where allowed, its group.  A new file follows the umask, like any editor's.
* **A failed save changes nothing.**  The old content is copied to a temporary first and only
  renamed to ``.bak`` *after* the target was replaced: an immutable target, or a full or
  read-only folder, leaves both the target and the old ``.bak`` as they were.
* **Leftovers are swept.**  Each writer holds an ``flock`` on its temporaries while it lives; a
  temporary nobody holds was left by a killed process and is deleted by the next save or open
  of the same file (:func:`sweep_temporaries`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

try:  # POSIX: a live writer is told from a dead one by its lock
    import fcntl
except ImportError:  # pragma: no cover - Windows: by age
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("cueline")

TEMP_SUFFIX = ".tmp"
BACKUP_SUFFIX = ".bak"
STALE_UNLOCKED_S = 24 * 3600  # without flock (Windows), a temporary this old is a leftover
_COPY_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileStamp:
    """What a file was when we last read or wrote it: to notice another writer since."""

    size: int
    mtime_ns: int
    sha256: str

    def to_dict(self) -> dict[str, int | str]:
        return {"size": self.size, "mtime_ns": self.mtime_ns, "sha256": self.sha256}


def stamp_of(path: str | os.PathLike[str], data: bytes) -> FileStamp:
    """The stamp of ``path`` whose content is ``data`` (just read or just written)."""
    st = os.stat(path)
    return FileStamp(len(data), st.st_mtime_ns, hashlib.sha256(data).hexdigest())


def changed_since(path: str | os.PathLike[str], stamp: FileStamp) -> bool:
    """True when ``path`` now holds other content than when ``stamp`` was taken.

    Size and modification time equal: unchanged (no read).  Otherwise the content is hashed,
    so a file merely touched, or copied back, does not count as changed.  A file that is gone
    has nothing to lose: not changed."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    if st.st_size == stamp.size and st.st_mtime_ns == stamp.mtime_ns:
        return False
    if st.st_size != stamp.size:
        return True
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_COPY_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest() != stamp.sha256


def _temp_pattern(name: str) -> re.Pattern[str]:
    # mkstemp's random part is 8 characters of [a-z0-9_]; ".tmp.bak" came from older versions
    return re.compile(re.escape(f".{name}.") + r"[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX)
                      + r"(\.bak)?\Z")


def sweep_temporaries(target: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporaries of ``target`` left by a writer that was killed; the removed paths.

    Only files of ours with the temporary name pattern; a temporary whose writer still holds
    its lock (another process saving right now) is left alone.  Errors are ignored: this is
    tidying, never a reason to fail a save or an open."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    pattern = _temp_pattern(target.name)
    removed: list[Path] = []
    try:
        entries = [e for e in os.scandir(folder) if pattern.match(e.name)]
    except OSError:
        return removed
    for entry in entries:
        path = Path(entry.path)
        try:
            if _is_leftover(path):
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


def _is_leftover(path: Path) -> bool:
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode) or (hasattr(os, "geteuid") and st.st_uid != os.geteuid()):
        return False
    if fcntl is None:
        return time.time() - st.st_mtime > STALE_UNLOCKED_S
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a live writer holds it
        return os.fstat(fd).st_ino == st.st_ino
    finally:
        os.close(fd)


def _new_temp(folder: Path, target: Path) -> tuple[int, str]:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=folder)
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pass  # a file system without locks: the sweep then sees it as unheld, see above
    return fd, tmp


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _umask_mode() -> int:
    """The mode a new file gets from ``open()``: 0666 less the umask.

    Read from /proc where it can be: setting the umask to read it would briefly apply to
    files other threads create meanwhile."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return 0o666 & ~mask


def _adopt(fd: int, mode: int, like: os.stat_result | None) -> None:
    os.fchmod(fd, mode)
    if like is not None and hasattr(os, "fchown") and like.st_gid != os.fstat(fd).st_gid:
        try:
            os.fchown(fd, -1, like.st_gid)  # a shared project keeps its group
            os.fchmod(fd, mode)  # chown may clear set-group-id
        except OSError:
            pass


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, backup: bool = True,
                       new_mode: int | None = None) -> FileStamp:
    """Replace ``path`` by ``data`` atomically, the old content becoming ``path + '.bak'``.

    ``new_mode`` is the mode of a file that does not exist yet (default: by the umask); an
    existing file keeps its own.  Returns the stamp of what was written.  Raises ``OSError``
    when the folder is missing, read-only or full, or the target cannot be replaced; the
    target and its ``.bak`` are then left as they were."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    sweep_temporaries(target)
    try:
        old = os.stat(target)
    except FileNotFoundError:
        old = None
    if old is not None and not stat.S_ISREG(old.st_mode):
        old_regular = None
    else:
        old_regular = old
    mode = (old_regular.st_mode & 0o777) if old_regular is not None else (
        new_mode if new_mode is not None else _umask_mode())
    made: list[str] = []
    fds: list[int] = []
    try:
        fd, tmp = _new_temp(folder, target)
        fds.append(fd)
        made.append(tmp)
        _write_all(fd, data)
        _adopt(fd, mode, old_regular)
        os.fsync(fd)
        bak_tmp = None
        if backup and old_regular is not None:
            bfd, bak_tmp = _new_temp(folder, target)
            fds.append(bfd)
            made.append(bak_tmp)
            with open(target, "rb") as src:
                for chunk in iter(lambda: src.read(_COPY_CHUNK), b""):
                    _write_all(bfd, chunk)
            _adopt(bfd, mode, old_regular)
            os.fsync(bfd)
        os.replace(tmp, target)
        made.remove(tmp)
        if bak_tmp is not None:
            try:
                os.replace(bak_tmp, target.with_name(target.name + BACKUP_SUFFIX))
                made.remove(bak_tmp)
            except OSError as exc:  # the save itself succeeded: only the backup is stale
                log.warning("%s: could not update the backup copy: %s", target, exc)
        written = stamp_of(target, data)
        _fsync_dir(folder)
        return written
    finally:
        for leftover in made:
            try:
                os.unlink(leftover)
            except OSError:
                pass
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
