"""Turning a subtitle file's bytes into text.

Order of trust: a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE); then UTF-16 without a
mark when every other byte is zero; then strict UTF-8; then the legacy Windows-1252 code page,
which is what most non-UTF-8 subtitle files in Western languages are (decoding never fails with
it, so it is the last resort, reported as a warning).  Bytes that are mostly control characters
are refused: that is a binary file, not subtitles.
"""

from __future__ import annotations

from app.formats.context import Context

_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32 LE"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32 BE"),
    (b"\xef\xbb\xbf", "utf-8", "UTF-8"),
    (b"\xff\xfe", "utf-16-le", "UTF-16 LE"),
    (b"\xfe\xff", "utf-16-be", "UTF-16 BE"),
)
LEGACY = "cp1252"


def _line_at(data: bytes, pos: int) -> int:
    head = data[:pos]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4:
        return None
    pairs = len(sample) // 2
    even = sum(1 for i in range(0, pairs * 2, 2) if sample[i] == 0)
    odd = sum(1 for i in range(1, pairs * 2, 2) if sample[i] == 0)
    if odd >= 0.4 * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.4 * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


def decode(data: bytes, ctx: Context) -> tuple[str, str]:
    """``(text, encoding)`` for ``data``; warns on repairs, fails on binary data."""
    text: str | None = None
    encoding = ""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            encoding = name
            try:
                text = body.decode(codec)
            except UnicodeDecodeError as exc:
                unit = 1 if codec == "utf-8" else 2
                line = _line_at(body, exc.start) if unit == 1 else None
                ctx.warn(line, f"invalid {name} bytes replaced by \ufffd", kind=f"invalid {name}")
                text = body.decode(codec, errors="replace")
            break
    if text is None:
        codec = _utf16_without_bom(data)
        if codec:
            try:
                text = data.decode(codec)
                encoding = {"utf-16-le": "UTF-16 LE", "utf-16-be": "UTF-16 BE"}[codec]
                ctx.warn(None, f"read as {encoding} (the file has no byte-order mark)")
            except UnicodeDecodeError:
                text = None
    if text is None:
        try:
            text = data.decode("utf-8")
            encoding = "UTF-8"
        except UnicodeDecodeError as exc:
            ctx.warn(_line_at(data, exc.start),
                     "the file is not UTF-8: read as Windows-1252 (cp1252); "
                     "check accented letters, or save it as UTF-8")
            text = data.decode(LEGACY, errors="replace")
            encoding = "Windows-1252"
    _refuse_binary(text, ctx)
    return text, encoding


def _refuse_binary(text: str, ctx: Context) -> None:
    if not text:
        return
    sample = text[:65536]
    nul = sample.count("\x00")
    control = sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\f\v")
    if nul > 0.01 * len(sample) + 2 or control > 0.1 * len(sample) + 2:
        ctx.fail(None, "this is binary data, not a text subtitle file")
