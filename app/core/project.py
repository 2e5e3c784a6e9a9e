"""The ``.cueline`` project file, atomic saving, and autosave/recovery.

A project is JSON: ``{"format": "cueline-project", "version": N, "media": {...},
"segments": [...], "meta": {...}}``.  The media entry keeps the path plus size, mtime and a
content fingerprint so a moved file can be found again (:func:`relink_media`).

Saving writes a temporary file in the same folder, fsyncs it and renames it over the target,
keeping the previous version as ``NAME.cueline.bak`` (:mod:`app.core.atomic`: a crash, a full
disk or an immutable file never leaves a half-written project nor a lost backup; the project
keeps its permissions).  A save notices when the file changed on disk since it was read
(another window or program saved it) and raises :class:`ProjectChangedError` instead of
overwriting that work.

Reading checks the whole file against the schema in :mod:`app.core.project_schema` (also
applied before each write, so what Cueline writes it can read back): a project either loads
whole and valid, or :class:`ProjectError` names the file and the problem; nothing is
overwritten when loading fails.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from app.core import project_schema as schema
from app.core.atomic import (
    FileStamp,
    atomic_write_bytes,
    changed_since,
    stamp_of,
    sweep_temporaries,
)
from app.core.document import Document, MediaRef
from app.core.model import KNOWN_FLAGS, InvariantError, Segment, Word, new_id
from app.core.serialize import segment_to_dict, translation_state_from

log = logging.getLogger("cueline")

FORMAT = schema.FORMAT
VERSION = schema.VERSION
EXTENSION = ".cueline"
MAX_PROJECT_BYTES = 256 << 20  # ~100x the largest real project: more is not one of ours
PRIVATE_FILE_MODE = 0o600  # autosaves: the user's unsaved work, for nobody else's eyes
PRIVATE_DIR_MODE = 0o700
BROKEN_TAG = ".broken-"
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


class ProjectChangedError(ProjectError):
    """The project file changed on disk since this document read or wrote it: saving would
    overwrite someone else's work.  Save again with ``overwrite=True``, or save elsewhere."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path, "changed on disk since it was opened (saved by another window or "
                               "program)")


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
                 search_dirs: Sequence[str | os.PathLike[str]] = ()) -> Path | None:
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
            json.dumps(v, allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            continue
        out[str(k)] = v
    return out


_SURROGATES = re.compile("[\ud800-\udfff]")


def project_bytes(path: str | os.PathLike[str], data: dict[str, Any], *, indent: int | None = 1) -> bytes:
    """``data`` as the bytes of a project file, checked by the schema the reader uses, so what
    is written can be read back; ProjectError (naming ``path``) if it could not be."""
    try:
        text = json.dumps(data, ensure_ascii=False, indent=indent, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ProjectError(path, f"cannot save: the document holds a value a project cannot store ({exc})") from None
    # A lone surrogate (text decoded with errors="surrogateescape", say) is no character and
    # UTF-8 cannot hold it: the replacement character takes its place rather than losing the save.
    text = _SURROGATES.sub("\ufffd", text)
    try:
        schema.validate(schema.parse_json(text))
    except (schema.SchemaError, ValueError) as exc:
        raise ProjectError(path, f"cannot save: {exc}") from None
    return text.encode("utf-8")


def atomic_write_text(path: str | os.PathLike[str], text: str, *, backup: bool = True) -> None:
    """Write ``text`` to ``path`` atomically; the old file becomes ``path + '.bak'``.

    Raises ``OSError`` when the folder is missing, read-only or full; the existing file is then
    left untouched (see :func:`app.core.atomic.atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode("utf-8"), backup=backup)


def save_project(doc: Document, path: str | os.PathLike[str], *, mark_clean: bool = True,
                 overwrite: bool = False) -> None:
    """Save ``doc`` to ``path`` atomically; raises ProjectError naming the file on failure.

    When ``path`` is the file ``doc`` was read from or last saved to and it changed on disk
    since, :class:`ProjectChangedError` is raised and nothing is written, unless ``overwrite``."""
    if not overwrite and _same_file(doc.path, path) and isinstance(doc.file_stamp, FileStamp):
        try:
            changed = changed_since(path, doc.file_stamp)
        except OSError as exc:
            raise ProjectError(path, f"cannot save: {exc.strerror or exc}") from exc
        if changed:
            raise ProjectChangedError(path)
    data = project_bytes(path, project_dict(doc))
    try:
        written = atomic_write_bytes(path, data)
    except OSError as exc:
        raise ProjectError(path, f"cannot save: {exc.strerror or exc}") from exc
    if mark_clean:
        doc.history.set_clean()
        doc.path = str(path)
        doc.file_stamp = written


def _same_file(a: str | os.PathLike[str] | None, b: str | os.PathLike[str]) -> bool:
    if a is None:
        return False
    return os.path.abspath(a) == os.path.abspath(b)


# -- loading --------------------------------------------------------------------------------
def _read_project_bytes(p: Path) -> bytes:
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_PROJECT_BYTES + 1)  # bytes actually read: a device has no size
    except FileNotFoundError:
        raise ProjectError(p, "no such file") from None
    except IsADirectoryError:
        raise ProjectError(p, "is a folder, not a project file") from None
    except OSError as exc:
        raise ProjectError(p, f"cannot read: {exc.strerror or exc}") from exc
    except ValueError as exc:  # a NUL in the path
        raise ProjectError(p, f"cannot read: {exc}") from None
    if len(raw) > MAX_PROJECT_BYTES:
        raise ProjectError(p, f"too large for a project (over {MAX_PROJECT_BYTES >> 20} MiB)")
    if not raw.strip():
        raise ProjectError(p, "the file is empty")
    return raw


def _parse_project(p: Path, raw: bytes) -> tuple[dict[str, Any], schema.ProjectIn]:
    """The parsed JSON (its ``meta`` is kept exactly as read) and its validated model."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProjectError(p, "not a Cueline project (not UTF-8 text)") from None
    try:
        data = schema.parse_json(text)
    except json.JSONDecodeError as exc:
        hint = "truncated (it ends early)" if exc.pos >= len(text.rstrip()) - 1 else "corrupted"
        raise ProjectError(p, f"{hint}: invalid JSON at line {exc.lineno}, column {exc.colno}") from None
    except (schema.SchemaError, ValueError) as exc:
        raise ProjectError(p, f"corrupted project content: {exc}") from None
    try:
        return data, schema.validate(data)
    except schema.SchemaError as exc:
        msg = str(exc)
        if msg.startswith(("not a Cueline", "made by a newer", "the project has no valid")):
            raise ProjectError(p, msg) from None
        raise ProjectError(p, f"corrupted project content: {msg}") from None


def _document(p: Path, data: dict[str, Any], model: schema.ProjectIn) -> Document:
    segments = [
        Segment(
            start=s.start, end=s.end, text=s.text,
            words=tuple(Word(w.text, w.start, w.end, w.probability, w.estimated) for w in s.words),
            speaker=s.speaker, language=s.language, translation=s.translation,
            flags=frozenset(f for f in s.flags if f in KNOWN_FLAGS),
            id=s.id or new_id(),
            translation_state=translation_state_from(s.translation_state, s.translation),
        )
        for s in model.segments
    ]
    m = model.media
    ref = MediaRef(m.path, m.size, m.mtime, m.sha256, m.duration_ms, dict(m.extra)) if m else None
    meta = data.get("meta") or {}  # the values as read (validated above), not pydantic's copies
    try:
        return Document(segments, media=ref, meta=meta)
    except InvariantError as exc:
        raise ProjectError(p, f"corrupted project content: {exc}") from None


def load_project(path: str | os.PathLike[str]) -> Document:
    """Read a project; raises ProjectError for missing, corrupt, truncated, foreign or newer
    files, and for any content that breaks the schema or the model's rules."""
    p = Path(path)
    sweep_temporaries(p)  # what a save killed half-way left next to it
    raw = _read_project_bytes(p)
    doc = _document(p, *_parse_project(p, raw))
    doc.path = str(p)
    try:
        doc.file_stamp = stamp_of(p, raw)
    except OSError:
        doc.file_stamp = None
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
    digest = hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return (folder or recovery_dir()) / f"autosave-{digest}{EXTENSION}"


def write_recovery(doc: Document, key: str, folder: Path | None = None) -> Path:
    """Autosave ``doc`` (without touching its clean state) to its recovery file (private to
    the user: 0600 in a 0700 folder).  Raises ProjectError (an OSError's message inside) when
    it cannot be written."""
    path = recovery_path(key, folder)
    try:
        path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        raise ProjectError(path, f"cannot autosave: {exc.strerror or exc}") from exc
    data = project_dict(doc)
    info: dict[str, Any] = {"key": key, "project": doc.path, "written": time.time()}
    if isinstance(doc.file_stamp, FileStamp):
        info["stamp"] = doc.file_stamp.to_dict()
    data["recovery"] = info
    body = project_bytes(path, data, indent=None)
    try:
        atomic_write_bytes(path, body, backup=False, new_mode=PRIVATE_FILE_MODE)
    except OSError as exc:
        raise ProjectError(path, f"cannot autosave: {exc.strerror or exc}") from exc
    return path


_AUTOSAVE_TEMP = re.compile(r"\.(autosave-[0-9a-f]{16}\.cueline)\.[a-z0-9_]{8}\.tmp\Z")


@dataclass
class RecoveryScan:
    """The recovery files found: ``found`` (path, info), newest first; ``set_aside`` (new
    path or the path that could not be renamed, the reason) for files that cannot be read."""

    found: list[tuple[Path, dict[str, Any]]]
    set_aside: list[tuple[Path, str]]


def scan_recoveries(folder: Path | None = None) -> RecoveryScan:
    """Recovery files left by sessions that did not close cleanly.  Each is read whole and
    checked like a project; one that fails is renamed ``NAME.broken-YYYYmmdd-HHMMSS`` (kept
    for a bug report, never offered or read again) and listed in ``set_aside``."""
    d = folder or recovery_dir()
    scan = RecoveryScan([], [])
    try:
        candidates = sorted(d.glob(f"autosave-*{EXTENSION}")) if d.is_dir() else []
        # autosaves killed half-way, also of sessions whose autosave file is gone
        leftovers = {m.group(1) for m in map(_AUTOSAVE_TEMP.match, os.listdir(d)) if m} \
            if d.is_dir() else set()
    except OSError:
        return scan
    for name in leftovers:
        sweep_temporaries(d / name)
    for p in candidates:
        try:
            data, model = _parse_project(p, _read_project_bytes(p))
            _document(p, data, model)
        except ProjectError as exc:
            scan.set_aside.append((set_aside(p), exc.reason))
            continue
        info = model.recovery.model_dump() if model.recovery is not None else {}
        scan.found.append((p, info))
    scan.found.sort(key=lambda item: float(item[1].get("written") or 0.0), reverse=True)
    return scan


def set_aside(path: Path) -> Path:
    """Rename a file that cannot be read out of the way; its new path (the old one if the
    folder refuses)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(100):
        target = path.with_name(f"{path.name}{BROKEN_TAG}{stamp}" + (f"-{n}" if n else ""))
        if target.exists():
            continue
        try:
            os.replace(path, target)
            return target
        except OSError as exc:
            log.warning("cannot set aside %s: %s", path, exc)
            break
    return path


def find_recoveries(folder: Path | None = None) -> list[tuple[Path, dict[str, Any]]]:
    """Recovery files left by sessions that did not close cleanly, newest first (broken ones
    are set aside: see :func:`scan_recoveries`)."""
    return scan_recoveries(folder).found


def load_recovery(path: Path) -> Document:
    """The document of a recovery file; its ``path`` is the project it was autosaved for (and
    its ``file_stamp`` what that project was, so saving over a project changed since asks)."""
    p = Path(path)
    data, model = _parse_project(p, _read_project_bytes(p))
    doc = _document(p, data, model)
    rec = model.recovery
    doc.path = rec.project if rec is not None else None
    if rec is not None and rec.stamp is not None:
        doc.file_stamp = FileStamp(rec.stamp.size, rec.stamp.mtime_ns, rec.stamp.sha256)
    return doc


def discard_recovery(key: str, folder: Path | None = None) -> None:
    try:
        recovery_path(key, folder).unlink()
    except FileNotFoundError:
        pass
