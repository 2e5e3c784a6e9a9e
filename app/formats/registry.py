"""The formats Cueline reads and writes, found by name or by file extension.

Each format is one module exposing ``NAME``, ``EXTENSIONS``, ``DESCRIPTION``, ``OPTIONS`` (the
keyword options its writer takes), ``sniff(text)``, ``read(text, ctx) -> Parsed`` and
``write(doc, **options) -> str``.  Adding a format is one module and one line in ``_MODULES``.
A binary format (DOCX) also has ``write_bytes(doc, **options) -> bytes`` (the file) and no
``read``; its ``write`` gives the same content as text, for previews.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from app.formats import ass, docx, srt, txt, vtt
from app.formats import json as json_format
from app.formats.errors import FormatError

_MODULES: tuple[ModuleType, ...] = (srt, vtt, ass, txt, json_format, docx)
# Order in which content is recognised when the extension does not say (most specific first).
_SNIFF_ORDER = ("json", "vtt", "ass", "srt")


@dataclass(frozen=True)
class FormatInfo:
    name: str
    extensions: tuple[str, ...]
    description: str
    options: frozenset[str]
    module: ModuleType

    @property
    def can_read(self) -> bool:
        return callable(getattr(self.module, "read", None))

    @property
    def can_write(self) -> bool:
        return callable(getattr(self.module, "write", None))

    @property
    def binary(self) -> bool:
        return callable(getattr(self.module, "write_bytes", None))

    @property
    def reader(self) -> Callable:
        return self.module.read

    @property
    def writer(self) -> Callable:
        return self.module.write


FORMATS: dict[str, FormatInfo] = {
    m.NAME: FormatInfo(m.NAME, tuple(m.EXTENSIONS), m.DESCRIPTION, frozenset(m.OPTIONS), m)
    for m in _MODULES
}
_BY_EXTENSION = {ext: info.name for info in FORMATS.values() for ext in info.extensions}


def get_format(name: str) -> FormatInfo:
    """The format called ``name`` (case-insensitive, a leading dot allowed: ``".SRT"``)."""
    key = name.strip().lower().lstrip(".")
    if key in FORMATS:
        return FORMATS[key]
    if f".{key}" in _BY_EXTENSION:
        return FORMATS[_BY_EXTENSION[f".{key}"]]
    known = ", ".join(sorted(FORMATS))
    raise FormatError(None, None, f"unknown subtitle format {name!r} (known: {known})")


def format_for_path(path: str | os.PathLike[str]) -> str:
    """The format name for a file's extension; ``FormatError`` when it is not one we know."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext in _BY_EXTENSION:
        return _BY_EXTENSION[ext]
    known = ", ".join(sorted(_BY_EXTENSION))
    reason = f"unknown subtitle extension {ext!r}" if ext else "no file extension"
    raise FormatError(os.fspath(path), None, f"{reason}: say which format (known: {known})")


def sniff(text: str) -> str | None:
    """The format the content looks like, or ``None``."""
    for name in _SNIFF_ORDER:
        if FORMATS[name].module.sniff(text):
            return name
    return None
