"""The ``.cueline`` project file, atomic saving, and autosave/recovery.

A project is JSON: ``{"format": "cueline-project", "version": N, "media": {...},
"segments": [...], "meta": {...}}``.  The media entry keeps the path plus size, mtime and a
content fingerprint so a moved file can be found again (:func:`relink_media`).

Saving writes a temporary file in the same folder, fsyncs it and renames it over the target,
keeping the previous version as ``NAME.cueline.bak``: a crash or a full disk never leaves a
half-written project.  Every problem reading a project raises :class:`ProjectError` naming the
file and the problem; nothing is overwritten when loading fails.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app.core.document import Document, MediaRef
from app.core.model import InvariantError
from app.core.serialize import segment_from_dict, segment_to_dict

FORMAT = "cueline-project"
VERSION = 1
EXTENSION = ".cueline"
_FINGERPRINT_BYTES = 1 << 20


class ProjectError(Exception):
    """A project file cannot be read or written; the message names the file and why."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    @property
    def user_message(self) -> str:
        return str(self)


# -- media fingerprint ----------------------------------------------------------------------
def fingerprint(path: str | os.PathLike[str]) -> str:
    """A fast content hash: size plus the first and last MiB (hours-long media in ms)."""
    p = Path(path)
    size = p.stat().st_size
    h = hashlib.sha256(str(size).encode())
    with p.open("rb") as f:
        h.update(f.read(_FINGERPRINT_BYTES))
        if size > _FINGERPRINT_BYTES:
            f.seek(max(_FINGERPRINT_BYTES, size - _FINGERPRINT_BYTES))
            h.update(f.read(_FINGERPRINT_BYTES))
    return h.hexdigest()


def media_ref(path: str | os.PathLike[str], duration_ms: int | None = None) -> MediaRef:
    p = Path(path).resolve()
    st = p.stat()
    return MediaRef(str(p), st.st_size, st.st_mtime, fingerprint(p), duration_ms)


def relink_media(ref: MediaRef, project_path: str | os.PathLike[str] | None = None,
                 search_dirs: list[str | os.PathLike[str]] = ()) -> Path | None:
    """Find the media of ``ref``: at its path, or (moved) next to the project or in
    ``search_dirs`` with the same name and content fingerprint."""
    p = Path(ref.path)
    if p.is_file() and (ref.sha256 is None or ref.size is None or p.stat().st_size == ref.size):
        return p
    dirs = [Path(d) for d in search_dirs]
    if project_path is not None:
        dirs.insert(0, Path(project_path).resolve().parent)
    for d in dirs:
        cand = d / p.name
        if cand.is_file():
            if ref.sha256 is None or fingerprint(cand) == ref.sha256:
                return cand
    return None


# -- saving ---------------------------------------------------------------------------------
def project_dict(doc: Document) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "saved": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "media": asdict(doc.media) if doc.media else None,
        "meta": _jsonable(doc.meta),
        "segments": [segment_to_dict(s) for s in doc],
    }


def _jsonable(meta: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in meta.items():
        try:
            json.dumps(v)
        except (TypeError, ValueError):
            continue
        out[k] = v
    return out


def atomic_write_text(path: str | os.PathLike[str], text: str, *, backup: bool = True) -> None:
    """Write ``text`` to ``path`` atomically; the old file becomes ``path + '.bak'``.

    Raises ``OSError`` (with the target path in its message) when the folder is missing,
    read-only or full; the existing file is then left untouched."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    data = text.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if backup and target.is_file():
            # copy, not move: the target must exist at every moment
            bak = target.with_name(target.name + ".bak")
            shutil.copyfile(target, tmp + ".bak")
            os.replace(tmp + ".bak", bak)
        os.replace(tmp, target)
        _fsync_dir(folder)
    except BaseException:
        for leftover in (tmp, tmp + ".bak"):
            try:
                os.unlink(leftover)
            except OSError:
                pass
        raise


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


def save_project(doc: Document, path: str | os.PathLike[str], *, mark_clean: bool = True) -> None:
    """Save ``doc`` to ``path`` atomically; raises ProjectError naming the file on failure."""
    text = json.dumps(project_dict(doc), ensure_ascii=False, indent=1)
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise ProjectError(path, f"cannot save: {exc.strerror or exc}") from exc
    if mark_clean:
        doc.history.set_clean()
        doc.path = str(path)


# -- loading --------------------------------------------------------------------------------
def load_project(path: str | os.PathLike[str]) -> Document:
    """Read a project; raises ProjectError for missing, corrupt, truncated, foreign or newer files."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ProjectError(p, "no such file") from None
    except IsADirectoryError:
        raise ProjectError(p, "is a folder, not a project file") from None
    except OSError as exc:
        raise ProjectError(p, f"cannot read: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise ProjectError(p, "the file is empty")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProjectError(p, "not a Cueline project (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        hint = "truncated (it ends early)" if exc.pos >= len(raw.rstrip()) - 1 else "corrupted"
        raise ProjectError(p, f"{hint}: invalid JSON at line {exc.lineno}, column {exc.colno}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ProjectError(p, "not a Cueline project file")
    version = data.get("version")
    if not isinstance(version, int):
        raise ProjectError(p, "the project has no valid version number")
    if version > VERSION:
        raise ProjectError(p, f"made by a newer Cueline (project version {version}, this one reads up to {VERSION}); update Cueline")
    try:
        segments = [segment_from_dict(d) for d in data.get("segments", [])]
        media = data.get("media")
        ref = MediaRef(**{k: media[k] for k in media if k in MediaRef.__dataclass_fields__}) if media else None
        meta = data.get("meta") or {}
        if not isinstance(meta, dict):
            raise TypeError("meta is not an object")
        doc = Document(segments, media=ref, meta=meta)
    except (KeyError, TypeError, ValueError, InvariantError) as exc:
        raise ProjectError(p, f"corrupted project content: {exc}") from None
    doc.path = str(p)
    return doc


# -- autosave and recovery ------------------------------------------------------------------
def recovery_dir() -> Path:
    env = os.environ.get("CUELINE_RECOVERY_DIR")
    if env:
        return Path(env)
    from platformdirs import user_state_dir

    return Path(user_state_dir("cueline")) / "recovery"


def recovery_path(key: str, folder: Path | None = None) -> Path:
    """The recovery file of a session; ``key`` identifies it (e.g. the project or media path)."""
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
    return (folder or recovery_dir()) / f"autosave-{digest}{EXTENSION}"


def write_recovery(doc: Document, key: str, folder: Path | None = None) -> Path:
    """Autosave ``doc`` (without touching its clean state) to its recovery file."""
    path = recovery_path(key, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = project_dict(doc)
    data["recovery"] = {"key": key, "project": doc.path, "written": time.time()}
    atomic_write_text(path, json.dumps(data, ensure_ascii=False), backup=False)
    return path


def find_recoveries(folder: Path | None = None) -> list[tuple[Path, dict[str, Any]]]:
    """Recovery files left by sessions that did not close cleanly, newest first."""
    d = folder or recovery_dir()
    out = []
    if not d.is_dir():
        return out
    for p in d.glob(f"autosave-*{EXTENSION}"):
        try:
            info = json.loads(p.read_text("utf-8")).get("recovery", {})
        except (OSError, ValueError, AttributeError):
            continue
        out.append((p, info if isinstance(info, dict) else {}))
    out.sort(key=lambda item: item[1].get("written", 0), reverse=True)
    return out


def load_recovery(path: Path) -> Document:
    doc = load_project(path)
    doc.path = (json.loads(path.read_text("utf-8")).get("recovery") or {}).get("project")
    return doc


def discard_recovery(key: str, folder: Path | None = None) -> None:
    try:
        recovery_path(key, folder).unlink()
    except FileNotFoundError:
        pass
