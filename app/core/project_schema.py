"""The shape of a ``.cueline`` project, checked in this one place when a project is read and
before one is written, so a project either loads whole and valid or not at all.

pydantic v2 (strict mode) describes the file: one declaration both checks every value and
types it, a ``"5"`` is not a number and ``true`` is not a version, and an error says where
(``segment 3: words[2].start``).  jsonschema would have needed a second pass to build the
values and a second description of them to keep in step.

Besides the declared shape, the raw JSON is held to what the rest of Cueline can live with:
no ``NaN``/``Infinity``, no number of more than :data:`MAX_INT_DIGITS` digits, no float that
overflows, nesting no deeper than :data:`MAX_DEPTH`, no lone surrogate in any text (it would
make every later save fail), times within :data:`MAX_TIME_MS`.
"""

from __future__ import annotations

import json
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
)

FORMAT = "cueline-project"
VERSION = 1
# The longest time a project holds: 10,000 hours (over a year of media).  Past it a time is
# corruption; below it every time is an exact float and every format can write it.
MAX_TIME_MS = 10_000 * 3_600_000
MAX_INT_DIGITS = 20  # 2**63 has 19: anything longer is no count or time a project holds
MAX_DEPTH = 64  # the project itself nests 5 deep; meta entries get the rest
MAX_ID_CHARS = 256
MAX_PATH_CHARS = 32_768
MAX_EPOCH_S = 253_402_300_799  # 9999-12-31T23:59:59Z: localtime() still formats it

_SURROGATE = re.compile("[\ud800-\udfff]")


class SchemaError(ValueError):
    """The JSON is not a valid project; the message says where and what, without the file."""


# -- parsing --------------------------------------------------------------------------------
def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise SchemaError(f"a number with {len(text.lstrip('-'))} digits ({text[:12]}…)")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise SchemaError(f"a number too large to hold ({text[:24]})")
    return value


def _parse_constant(name: str) -> float:
    raise SchemaError(f"{name} is not a number a project can hold")


def parse_json(text: str) -> Any:
    """``json.loads`` held to the limits above; raises ``json.JSONDecodeError`` for bad JSON
    and :class:`SchemaError` for JSON a project cannot hold."""
    try:
        return json.loads(text, parse_int=_parse_int, parse_float=_parse_float,
                          parse_constant=_parse_constant)
    except RecursionError:
        raise SchemaError(f"nested more than {MAX_DEPTH} levels deep") from None


# -- the declared shape ---------------------------------------------------------------------
def _text(value: str) -> str:
    m = _SURROGATE.search(value)
    if m:
        raise ValueError(f"contains an invalid character (lone surrogate U+{ord(m.group()):04X})")
    return value


def _path(value: str) -> str:
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


def _json_tree(value: Any) -> Any:
    """Free-form JSON (meta entries, media extras): depth and texts, without recursion."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, str):
            _text(node)
        elif isinstance(node, dict):
            for k, v in node.items():
                _text(k)
                stack.append((v, depth + 1))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return value


Text = Annotated[str, AfterValidator(_text)]
TimeMs = Annotated[int, Field(ge=0, le=MAX_TIME_MS)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
JsonObject = Annotated[dict[Text, JsonValue], AfterValidator(_json_tree)]


class _Strict(BaseModel):
    # unknown keys are ignored: a later 1.x may add some, and they are not ours to judge
    model_config = ConfigDict(strict=True, extra="ignore")


class WordIn(_Strict):
    text: Text
    start: TimeMs
    end: TimeMs
    probability: Finite | None = None
    estimated: bool = False


class SegmentIn(_Strict):
    start: TimeMs
    end: TimeMs
    text: Text = ""
    words: list[WordIn] = []
    speaker: Text | None = None
    language: Text | None = None
    translation: Text | None = None
    flags: list[Text] = []
    id: Annotated[Text, Field(max_length=MAX_ID_CHARS)] | None = None
    # machine / edited / approved / stale (app/core/translation.py); an unknown one (a later
    # version's) reads as none
    translation_state: Text | None = None


class MediaIn(_Strict):
    path: Annotated[Text, Field(min_length=1, max_length=MAX_PATH_CHARS), AfterValidator(_path)]
    size: Annotated[int, Field(ge=0)] | None = None
    mtime: Finite | None = None
    sha256: Annotated[Text, Field(max_length=128)] | None = None
    duration_ms: TimeMs | None = None
    extra: JsonObject = {}


class CleanupSegmentIn(_Strict):
    start: TimeMs | None = None
    end: TimeMs | None = None
    text: Text | None = None


class CleanupEntryIn(_Strict):
    """An entry of ``meta["cleanup"]`` (see app/ui/cleanup_dialog.py): restoring one builds a
    segment from these values, so they are held to a segment's rules."""

    reason: Text = ""
    text: Text = ""
    start: TimeMs
    end: TimeMs
    segment: CleanupSegmentIn | None = None


class MetaIn(_Strict):
    """The document's metadata: free-form JSON, with the keys Cueline reads typed."""

    model_config = ConfigDict(strict=True, extra="allow")
    __pydantic_extra__: dict[Text, Annotated[JsonValue, AfterValidator(_json_tree)]]

    language: Text | None = None
    title: Text | None = None
    profile: Text | None = None
    wrap_style: Text | None = None
    cleanup: list[CleanupEntryIn] | None = None
    translation_language: Text | None = None  # the language translations are in


class StampIn(_Strict):
    size: Annotated[int, Field(ge=0)]
    mtime_ns: int
    sha256: Text


class RecoveryIn(_Strict):
    """What an autosave adds to the project: whose work it is and when it was written."""

    key: Text = ""
    project: Annotated[Text, AfterValidator(_path)] | None = None
    written: Annotated[float, Field(ge=0, le=MAX_EPOCH_S, allow_inf_nan=False)] = 0.0
    stamp: StampIn | None = None


class ProjectIn(_Strict):
    format: Literal["cueline-project"]
    version: Annotated[int, Field(ge=1, le=VERSION)]
    media: MediaIn | None = None
    meta: MetaIn = MetaIn()  # type: ignore[call-arg]  # the extras default to none
    segments: list[SegmentIn] = []
    recovery: RecoveryIn | None = None


def check_header(data: Any) -> None:
    """The format tag and version, with the messages a user can act on."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SchemaError("not a Cueline project file")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        shown = json.dumps(version)[:24] if version is not None else "missing"
        raise SchemaError(f"the project has no valid version number ({shown})")
    if version > VERSION:
        raise SchemaError(f"made by a newer Cueline (project version {version}, this one reads "
                          f"up to {VERSION}); update Cueline")


def validate(data: Any) -> ProjectIn:
    """The project in ``data`` (parsed JSON), checked; :class:`SchemaError` says what is wrong."""
    check_header(data)
    try:
        return ProjectIn.model_validate(data)
    except ValidationError as exc:
        raise SchemaError(describe(exc)) from None
    except RecursionError:
        raise SchemaError(f"nested more than {MAX_DEPTH} levels deep") from None


def describe(exc: ValidationError) -> str:
    """The first problem of a validation, where it is and what was found; plus how many more."""
    errors = exc.errors(include_url=False)
    err = errors[0]
    where = _where(err.get("loc", ()))
    msg = str(err.get("msg", "invalid"))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if err.get("type") != "missing":
        shown = repr(err.get("input"))
        msg += f" (found {shown[:40] + '…' if len(shown) > 40 else shown})"
    more = f"; and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''}" \
        if len(errors) > 1 else ""
    return f"{where}: {msg[:1].lower()}{msg[1:]}{more}" if where else f"{msg}{more}"


def _where(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    items = list(loc)
    i = 0
    while i < len(items):
        key = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else None
        if key in ("segments", "words") and isinstance(nxt, int):
            parts.append(f"{key[:-1]} {nxt + 1}")
            i += 2
            continue
        if isinstance(key, int):
            parts[-1:] = [f"{parts[-1]}[{key}]" if parts else f"[{key}]"]
        else:
            parts.append(str(key))
        i += 1
    return ", ".join(parts)
