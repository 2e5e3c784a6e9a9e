"""The ``cueline`` command.

With no argument, or with a media/project/subtitle file, it opens the editor.  With a
subcommand it runs headless.  Each subcommand is one module in this package exposing
``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``; adding one is one
module plus one line in ``SUBCOMMANDS``.

Errors the user can act on are raised as :class:`UserError` (or any exception with a
``user_message``) and printed as one line on stderr with exit status 2: never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from app import __version__

SUBCOMMANDS = ("convert", "info", "transcribe", "align", "realign", "speakers", "shots", "check",
               "translate")
# options of the editor itself (``cueline --screenshot out.png clip.mp4``), not of a subcommand
GUI_OPTIONS = ("--screenshot",)
EXIT_USER_ERROR = 2


class UserError(Exception):
    """A problem with the user's input, printed as one line."""


def _load(name: str):
    try:
        return importlib.import_module(f"app.cli.{name}")
    except ModuleNotFoundError as exc:  # a subcommand not built into this install
        if exc.name == f"app.cli.{name}":
            return None
        raise


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cueline",
        description="Cueline: subtitle editor with offline transcription and forced alignment. "
        "Run with no arguments (or a file) to open the editor.",
    )
    parser.add_argument("--version", action="version", version=f"cueline {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        mod = _load(name)
        if mod is None:
            continue
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


OUTPUT_FORMATS = ("srt", "vtt", "ass", "txt", "json", "docx")


def output_format(fmt: str | None, output: str | None, default: str = "srt") -> str:
    """The format to write: as named, else from the output file's extension."""
    if fmt:
        return fmt
    if output:
        from pathlib import Path

        ext = Path(output).suffix.lower().lstrip(".")
        if ext in OUTPUT_FORMATS:
            return ext
        if ext == "ssa":
            return "ass"
        raise UserError(f"cannot tell the format of '{output}' from its extension: "
                        f"use --format ({', '.join(OUTPUT_FORMATS)})")
    return default


def warn(message: str) -> None:
    print(f"cueline: warning: {message}", file=sys.stderr)


def error(message: str) -> None:
    print(f"cueline: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in SUBCOMMANDS
                    and (not argv[0].startswith("-") or argv[0].split("=")[0] in GUI_OPTIONS)):
        return gui_main(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 0
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except BrokenPipeError:  # the reader went away (`cueline shots x | head`): not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - the one place that turns errors into a line
        message = getattr(exc, "user_message", None) or str(exc) or type(exc).__name__
        if isinstance(exc, UserError) or hasattr(exc, "user_message") or _is_known(exc):
            error(message)
            return EXIT_USER_ERROR
        error(f"unexpected {type(exc).__name__}: {message} (please report this)")
        return 1


def _is_known(exc: Exception) -> bool:
    """Errors of Cueline's own kinds (format, media, model, project) are user errors."""
    return any(k.__name__ in {"FormatError", "MediaError", "ModelError", "ProjectError", "EngineError", "AlignError"}
               for k in type(exc).__mro__)


def _no_display() -> bool:
    import os

    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def gui_main(argv: Sequence[str] | None = None) -> int:
    """Open the editor (optionally on a file)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="cueline", description="Open the Cueline editor.")
    parser.add_argument("file", nargs="?", help="media, project (.cueline) or subtitle file to open")
    parser.add_argument("--screenshot", metavar="PNG",
                        help="once the file is loaded, save a picture of the window and quit "
                        "(exit 0 when saved): a check that the editor starts and draws")
    args = parser.parse_args(argv)
    if _no_display():
        error("the editor needs a display (none found: DISPLAY and WAYLAND_DISPLAY are unset); "
              "the subcommands (cueline transcribe, align, speakers, convert, info, shots, check) "
              "work "
              "without one")
        return EXIT_USER_ERROR
    try:
        from app.ui.main import run_editor
    except ImportError as exc:
        error(f"the editor cannot start: {exc}")
        return 1
    return run_editor(args.file, screenshot=args.screenshot)
