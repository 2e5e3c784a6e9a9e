"""Turning a subtitle file's bytes into text.

Order of trust: a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE); then UTF-16 without a
mark when every other byte is zero; then strict UTF-8; then a legacy code page detected from the
content; then the legacy Windows-1252 code page, which is what most non-UTF-8 subtitle files in
Western languages are (decoding never fails with it, so it is the last resort).  A legacy
encoding is always reported as a warning.  Bytes that are mostly control characters are
refused: that is a binary file, not subtitles.

Detection uses charset-normalizer (the detector ``requests`` ships with: maintained, pure
Python, no model to download), which scores each candidate code page by how much the decoded
text looks like real language.  Tried on short subtitle files it names Shift-JIS, GBK/GB18030,
Big5, EUC-KR, Windows-1251 (Cyrillic) and Windows-1256 (Arabic) text right, but often mistakes
short Western text in Windows-1252 for Windows-1250 or an ISO-8859 variant (``Größe`` would
come out as ``Grö§e``).  So its answer is taken only for the scripts it tells apart reliably
(:data:`_DETECTED`), and Western text stays Windows-1252.
"""

from __future__ import annotations

import codecs

from app.formats.context import Context

_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32 LE"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32 BE"),
    (b"\xef\xbb\xbf", "utf-8", "UTF-8"),
    (b"\xff\xfe", "utf-16-le", "UTF-16 LE"),
    (b"\xfe\xff", "utf-16-be", "UTF-16 BE"),
)
LEGACY = "cp1252"
# Code pages whose detection is trusted, with the name the warning gives them.
_DETECTED = {
    "cp932": "Shift-JIS (Japanese)", "shift_jis": "Shift-JIS (Japanese)",
    "euc_jp": "EUC-JP (Japanese)",
    "gb18030": "GB18030 (Chinese)", "gbk": "GBK (Chinese)", "gb2312": "GB2312 (Chinese)",
    "big5": "Big5 (Chinese)", "big5hkscs": "Big5-HKSCS (Chinese)",
    "cp949": "EUC-KR (Korean)", "euc_kr": "EUC-KR (Korean)",
    "cp1251": "Windows-1251 (Cyrillic)", "koi8_r": "KOI8-R (Cyrillic)",
    "koi8_u": "KOI8-U (Cyrillic)", "cp1256": "Windows-1256 (Arabic)",
}
_DETECT_SAMPLE_BYTES = 256 * 1024  # enough text to judge; detection time grows with it


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
        found = _utf16_without_bom(data)
        if found:
            codec = found
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
            text, encoding = _legacy(data, _line_at(data, exc.start), ctx)
    _refuse_binary(text, ctx)
    return text, encoding


def _legacy(data: bytes, line: int, ctx: Context) -> tuple[str, str]:
    """Text in a legacy code page: a detected one (see the module doc), else Windows-1252."""
    codec = detect_legacy(data)
    if codec is not None:
        name = _DETECTED[codec]
        text = data.decode(codec, errors="replace")
        ctx.warn(line, f"the file is not UTF-8: read as {name}, detected from its content; "
                 "if the text looks wrong, save the file as UTF-8")
        return text, name.split(" ")[0]
    ctx.warn(line, "the file is not UTF-8: read as Windows-1252 (cp1252); "
             "check accented letters, or save it as UTF-8")
    return data.decode(LEGACY, errors="replace"), "Windows-1252"


def detect_legacy(data: bytes) -> str | None:
    """The code page of non-UTF-8 ``data`` when it is one :data:`_DETECTED` trusts, else None."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency; Windows-1252 then, as before
        return None
    sample = data[:_DETECT_SAMPLE_BYTES]
    if len(data) > len(sample) and b"\n" in sample:
        sample = sample[: sample.rindex(b"\n") + 1]  # never cut a character in two
    try:
        best = from_bytes(sample).best()
    except Exception:  # noqa: BLE001 - a detector failure only means "not detected"
        return None
    if best is None:
        return None
    codec = codecs.lookup(best.encoding).name.replace("-", "_")
    return codec if codec in _DETECTED else None


def _refuse_binary(text: str, ctx: Context) -> None:
    if not text:
        return
    sample = text[:65536]
    nul = sample.count("\x00")
    control = sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\f\v")
    if nul > 0.01 * len(sample) + 2 or control > 0.1 * len(sample) + 2:
        ctx.fail(None, "this is binary data, not a text subtitle file")
