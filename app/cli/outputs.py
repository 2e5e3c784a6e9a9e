"""Where the commands write: never onto one of their inputs, never twice in one run.

* An output the user named (``-o``, ``convert``'s OUT) that is one of the inputs is refused
  with one line (exit 2): the user asked for it, so renaming it behind their back would
  surprise them, and writing would destroy the input (FFmpeg refuses the same way: "Output
  same as Input").
* An output Cueline names itself (next to the media, or in ``--output-dir``) never replaces an
  input or another output of the same run: when ``MEDIA-stem.FORMAT`` is taken, the media's
  whole name is kept (``speech.mp3.srt`` and ``speech.flac.srt``), so each output still says
  which file it came from; a warning says so.  Peers (the Whisper and whisperX command lines)
  write both to ``speech.srt``, the second silently replacing the first.
* A file left by an earlier run is replaced: re-running a command updates its outputs, as
  every peer does, and writes are atomic so a failure leaves the old file whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from app.cli import UserError, warn
from app.formats import same_file


def refuse_input(out: str | Path, inputs: Iterable[str | Path], flag: str = "the output") -> None:
    """UserError when ``out`` is one of ``inputs`` (the same file, however spelled)."""
    for src in inputs:
        if same_file(out, src):
            which = "the input file" if str(out) == str(src) else f"the input file '{src}'"
            raise UserError(f"'{out}': {flag} is {which}: writing it would replace the input; "
                            "choose another output name")


def _key(path: Path) -> str:
    return str(path.resolve())


def batch_outputs(media: Sequence[Path], folder: Path | None, fmt: str) -> list[Path]:
    """The output of each media file (see the module doc): next to it, or in ``folder``."""

    def plain(m: Path) -> Path:
        return (folder or m.parent) / f"{m.stem}.{fmt}"

    def full(m: Path) -> Path:
        return (folder or m.parent) / f"{m.name}.{fmt}"

    first = [plain(m) for m in media]
    counts: dict[str, int] = {}
    for out in first:
        counts[_key(out)] = counts.get(_key(out), 0) + 1
    taken: set[str] = set()
    outputs: list[Path] = []
    for m, out in zip(media, first, strict=True):
        reason = None
        if any(same_file(out, src) for src in media):
            reason = "would replace an input file"
        elif counts[_key(out)] > 1:
            reason = "is the output of more than one input"
        if reason:
            chosen = full(m)
            n = 2
            while _key(chosen) in taken or any(same_file(chosen, src) for src in media):
                chosen = (folder or m.parent) / f"{m.name}.{n}.{fmt}"
                n += 1
            warn(f"{m}: {out} {reason}: writing {chosen} instead")
            out = chosen
        taken.add(_key(out))
        outputs.append(out)
    return outputs


def unique_inputs(media: Sequence[Path]) -> list[Path]:
    """``media`` without a file given twice (it would be done twice into the same output)."""
    out: list[Path] = []
    for m in media:
        if any(same_file(m, seen) for seen in out):
            warn(f"{m}: given more than once: done once")
            continue
        out.append(m)
    return out
