"""Reading and writing documents in any registered format, from text or from files.

Readers never raise anything but :class:`FormatError`: whatever they tolerate comes back as
warnings with line numbers.  Files are written by Cueline's one atomic writer
(:func:`app.core.atomic.atomic_write_bytes`: an ``mkstemp`` temporary in the same folder,
fsynced, then ``os.replace``; an existing file keeps its mode and group; a killed writer's
temporary is swept by the next write), so a failed save never leaves half a file in place of a
good one.  Exports keep no ``.bak``: they are written from the document, never edited in place.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from app.core.atomic import atomic_write_bytes
from app.core.document import Document
from app.core.model import Segment
from app.formats.context import Context
from app.formats.encoding import decode
from app.formats.errors import FormatError, FormatWarning
from app.formats.registry import FORMATS, format_for_path, get_format, sniff
from app.formats.writing import as_document

# The largest subtitle file read.  Real ones are far smaller (a 3-hour film's SRT is about
# 200 KB; heavily typeset ASS karaoke reaches a few MB), and reading costs a few bytes of memory
# per byte of text, so 64 MiB leaves room for any real file and keeps memory bounded.
MAX_FILE_BYTES = 64 * 1024 * 1024
_READ_CHUNK_BYTES = 1 << 20
# Content that identifies its format beyond doubt, even under another extension.
_DECISIVE = ("json", "vtt", "ass")


@dataclass(frozen=True)
class ReadResult:
    document: Document
    warnings: list[FormatWarning] = field(default_factory=list)
    format: str = ""
    encoding: str | None = None


def read_text(text: str, fmt: str | None = None, *, source: str | None = None) -> ReadResult:
    """Read subtitles from a string; ``fmt=None`` recognises the format by content."""
    ctx = Context(source)
    name = get_format(fmt).name if fmt else None
    return _read(text, name, ctx, trust_name=True, encoding=None)


def read_bytes(data: bytes, fmt: str | None = None, *, source: str | None = None) -> ReadResult:
    """Read subtitles from raw bytes (any of the encodings :mod:`app.formats.encoding` knows)."""
    ctx = Context(source)
    name = get_format(fmt).name if fmt else None
    text, encoding = decode(data, ctx)
    return _read(text, name, ctx, trust_name=True, encoding=encoding)


def read_file(path: str | os.PathLike[str], fmt: str | None = None) -> ReadResult:
    """Read a subtitle file; the format comes from ``fmt``, else the extension, else the content.

    When the extension names one format but the content is unmistakably another (a ``.srt``
    that is really WebVTT), the content wins, with a warning.
    """
    source = os.fspath(path)
    data = _read_bytes(source)
    ctx = Context(source)
    ext_error: FormatError | None = None
    if fmt:
        name, trust = get_format(fmt).name, True
    else:
        trust = False
        try:
            name = format_for_path(source)
        except FormatError as exc:
            name, ext_error = None, exc
    if name is not None and not FORMATS[name].can_read:
        raise FormatError(source, None, f"{FORMATS[name].description} files are written, not "
                          "read, by Cueline")
    text, encoding = decode(data, ctx)
    if name is None and sniff(text) is None and ext_error is not None:
        raise ext_error
    return _read(text, name, ctx, trust_name=trust, encoding=encoding)


def _read_bytes(source: str) -> bytes:
    try:
        if os.path.isdir(source):
            raise FormatError(source, None, "cannot read: it is a folder, not a file")
        with open(source, "rb") as f:
            return read_capped(f, source)
    except FormatError:
        raise
    except OSError as exc:
        raise FormatError(source, None, f"cannot read: {describe_os_error(exc, source)}") from exc


def read_capped(stream: BinaryIO, source: str, limit: int | None = None) -> bytes:
    """All of ``stream``, or FormatError once more than ``limit`` bytes (default
    :data:`MAX_FILE_BYTES`) have been read.

    The cap counts the bytes actually read, not the size the file system reports: that is 0
    for ``/dev/zero``, a pipe or standard input, which would otherwise be read until memory
    runs out.
    """
    limit = MAX_FILE_BYTES if limit is None else limit
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(_READ_CHUNK_BYTES, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise FormatError(source, None, f"too large for a subtitle file (over "
                              f"{_size_text(limit)}): is it really subtitles?")
    return b"".join(chunks)


def _size_text(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def _read(text: str, name: str | None, ctx: Context, *, trust_name: bool,
          encoding: str | None) -> ReadResult:
    if text.startswith("\ufeff"):
        text = text[1:]
    found = sniff(text)
    if name is None:
        name = found or "txt"
    elif not trust_name and found != name and (
            found in _DECISIVE or (found == "srt" and name == "txt")):
        ctx.warn(None, f"the content is {FORMATS[found].description}, not {name}: read as {found}")
        name = found
    info = FORMATS[name]
    if not info.can_read:
        raise FormatError(ctx.source, None, f"{info.description} files are written, not read, "
                          "by Cueline")
    try:
        parsed = info.reader(text, ctx)
        document = Document(parsed.segments, media=parsed.media, meta=parsed.meta)
    except FormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - the promise: readers raise FormatError only
        raise FormatError(ctx.source, None, f"could not be read as {name} "
                          f"({type(exc).__name__}: {exc}); please report this") from exc
    return ReadResult(document, ctx.finish(), name, encoding)


def _check_options(name: str, options: dict) -> dict:
    allowed = FORMATS[name].options
    bad = sorted(k for k, v in options.items() if k not in allowed and v not in (None, False))
    if bad:
        raise ValueError(f"the {name} writer has no option {', '.join(bad)} "
                         f"(it takes: {', '.join(sorted(allowed)) or 'none'})")
    return {k: v for k, v in options.items() if k in allowed}


def write_text(doc: Document | Iterable[Segment], fmt: str, *, crlf: bool = False,
               **options) -> str:
    """The document (or segments) written in format ``fmt``.

    Options a format does not take raise ``ValueError`` unless they are ``False``/``None``, so
    one call can pass the same options to any format.  ``crlf`` writes Windows line ends.
    """
    info = get_format(fmt)
    text = info.writer(as_document(doc), **_check_options(info.name, options))
    return text.replace("\n", "\r\n") if crlf else text


def write_file(doc: Document | Iterable[Segment], path: str | os.PathLike[str],
               fmt: str | None = None, *, bom: bool = False, crlf: bool = False,
               **options) -> str:
    """Write ``doc`` to ``path`` (format from ``fmt`` or the extension), atomically; UTF-8
    (with a byte-order mark if ``bom``).  Returns the path; raises ``FormatError`` naming the
    file and the problem when it cannot be written."""
    target = os.fspath(path)
    name = get_format(fmt).name if fmt else format_for_path(target)
    info = FORMATS[name]
    if info.binary:
        data = info.module.write_bytes(as_document(doc), **_check_options(name, options))
        atomic_write(target, data)
        return target
    text = write_text(doc, name, crlf=crlf, **options)
    data = (("\ufeff" if bom else "") + text).encode("utf-8", errors="replace")
    atomic_write(target, data)
    return target


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name one file (through links, ``..`` or another spelling of it)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare where they would be
        return os.path.realpath(a) == os.path.realpath(b)


def atomic_write(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once (:func:`app.core.atomic.atomic_write_bytes`,
    no ``.bak``); raises :class:`FormatError` naming the file and why it cannot be written."""
    if os.path.isdir(path):
        raise FormatError(path, None, "cannot write: it is a folder")
    try:
        atomic_write_bytes(path, data, backup=False)
    except OSError as exc:
        raise FormatError(path, None, f"cannot write: {describe_os_error(exc, path)}") from exc


def describe_os_error(exc: OSError, path: str) -> str:
    """A short human reason for a failed file operation."""
    folder = os.path.dirname(os.path.abspath(path))
    code = exc.errno
    if code == errno.ENOENT:
        if not os.path.isdir(folder):
            return f"the folder {folder} does not exist"
        return "no such file"
    if code == errno.ENOTDIR:
        return "a part of the path is a file, not a folder"
    if code == errno.EISDIR:
        return "it is a folder, not a file"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied (is the folder read-only?)"
    if code == errno.EROFS:
        return "the disk is read-only"
    if code == errno.ENOSPC:
        return "no space left on the disk"
    if code == getattr(errno, "EDQUOT", -1):
        return "disk quota exceeded"
    if code == errno.ENAMETOOLONG:
        return "the file name is too long"
    return exc.strerror or str(exc)
