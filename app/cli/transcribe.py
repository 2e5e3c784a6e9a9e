"""``cueline transcribe MEDIA...``: speech to subtitles, headless.

With no ``--model`` the bundled Whisper base model is used, fully offline.  A catalogue model
that is not installed is downloaded first (with progress), or the command stops with one
line saying how to get it.  A batch goes on past a file that fails, lists the failures at the
end and exits with status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import time
from pathlib import Path

from app.cli import OUTPUT_FORMATS, UserError, error, output_format, warn
from app.core.cancel import CancelToken, Progress
from app.core.document import Document, MediaRef
from app.core.model import FAILED

NAME = "transcribe"
HELP = "transcribe media files into subtitles (offline Whisper by default)"
FORMATS = OUTPUT_FORMATS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("media", nargs="+", metavar="MEDIA", help="audio or video files")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("-o", "--output", metavar="OUT", help="output file (one MEDIA only)")
    out.add_argument("--output-dir", metavar="DIR",
                     help="folder for the outputs (default: next to each MEDIA)")
    parser.add_argument("--format", choices=FORMATS, dest="fmt",
                        help="output format (default: from OUT's extension, else srt)")
    parser.add_argument("--engine", choices=("whisper", "qwen", "remote"),
                        help="speech recognition engine (default: whisper; remote when "
                        "--server is given)")
    parser.add_argument("--model", metavar="NAME|PATH",
                        help="model name (tiny.en, base, small, large-v3, qwen3-asr-0.6b, ...) "
                        "or model folder; default: the bundled base model (Whisper). With "
                        "--engine remote: the name the server serves (default: its first)")
    remote = parser.add_argument_group(
        "transcribing on a server (--engine remote)",
        "OpenAI-compatible /v1/audio/transcriptions servers (vLLM, faster-whisper-server, ...). "
        "The API key comes from $CUELINE_API_KEY, --api-key-env, or the system keyring.")
    remote.add_argument("--server", action="append", dest="servers", metavar="URL",
                        help="the server's OpenAI-compatible base URL, as in "
                        "http://gpu-box:8000/v1; repeat for several servers")
    remote.add_argument("--api-key-env", metavar="NAME",
                        help="environment variable holding the API key (default: "
                        "CUELINE_API_KEY)")
    remote.add_argument("--timeout", type=float, default=0.0, metavar="S",
                        help="seconds to wait for one chunk's answer (default: 300)")
    remote.add_argument("--ca-bundle", metavar="FILE",
                        help="PEM file of certificate authorities to trust (a private CA); "
                        "TLS is always verified")
    remote.add_argument("--upload-format", choices=("flac", "opus", "wav"), default="flac",
                        help="how chunks are sent: flac (lossless, default), opus (10x smaller "
                        "than WAV, lossy: for slow links) or wav")
    parser.add_argument("--language", metavar="CODE",
                        help="language of the speech (ISO code such as en, de, zh); "
                        "default: detect")
    parser.add_argument("--task", default="transcribe", choices=("transcribe", "translate"),
                        help="translate: English text from speech in another language "
                        "(Whisper multilingual models)")
    parser.add_argument("--context", metavar="TEXT|@FILE",
                        help="names and vocabulary to expect (text, or @file to read it from)")
    parser.add_argument("--profile", metavar="NAME",
                        help="shape the cues under a subtitle profile (netflix-en, bbc, ...); "
                        "SRT/VTT/ASS output uses 'default' unless named; 'none' keeps the "
                        "engine's segments as they are")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--compute-type", default="auto", metavar="TYPE",
                        help="int8, float16, float32, ... (default: int8 on CPU, float16 on "
                        "CUDA)")
    parser.add_argument("--workers", type=int, default=0, metavar="N",
                        help="chunks decoded at the same time (default: from the CPU cores; "
                        "with --engine remote: requests in flight, 4 per server)")
    parser.add_argument("--chunk-seconds", type=float, default=0.0, metavar="S",
                        help="longest chunk of audio per decode (default: 30 for Whisper)")
    parser.add_argument("--beam-size", type=int, default=5, metavar="N")
    parser.add_argument("--continue-text", action="store_true",
                        help="decode each chunk with the text heard just before it, as "
                        "sequential Whisper does: for long recordings (measured on two hours: "
                        "0.3 and 0.5 points fewer words wrong, about 50%% more time; Whisper)")
    parser.add_argument("--channels", action="store_true",
                        help="transcribe each audio channel as its own speaker "
                        "(two-microphone interviews)")
    from app.cli.speakers import add_speaker_count

    add_speaker_count(parser, default=None)
    parser.add_argument("--no-profiles", action="store_true",
                        help="with --speakers: do not name speakers from saved voice profiles")
    parser.add_argument("--per-chunk-language", action="store_true",
                        help="detect the language of every chunk (mixed-language media)")
    parser.add_argument("--no-cleanup", action="store_true",
                        help="keep everything the engine wrote, even text the audio does not "
                        "support (repetition loops, text over silence)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress display")


class ProgressBar:
    """Plain-text progress on stderr: ``\\r`` updates on a terminal, a few lines otherwise."""

    def __init__(self, label: str, enabled: bool = True, stream=None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_time = 0.0
        self._last_pct = -100.0
        self._drawn = False

    def __call__(self, p: Progress) -> None:
        if not self.enabled:
            return
        pct = 100.0 * p.fraction if p.total else 0.0
        now = time.monotonic()
        eta = getattr(p, "eta_s", None)
        stage = getattr(p, "stage", "") or p.message
        left = f", {_clock(eta)} left" if eta else ""
        if self.tty:
            if now - self._last_time < 0.1 and pct < 100:
                return
            width = 24
            fill = int(width * pct / 100)
            line = f"\r{self.label} [{'#' * fill}{'.' * (width - fill)}] {pct:3.0f}% {stage}{left}"
            self.stream.write(line.ljust(79)[:200])
            self._drawn = True
        else:
            if pct - self._last_pct < 25 and now - self._last_time < 10 and pct < 100:
                return
            if pct >= 100 and self._last_pct >= 100:
                return
            self.stream.write(f"{self.label}: {pct:.0f}% {stage}{left}\n")
            self._last_pct = pct
        self.stream.flush()
        self._last_time = now

    def done(self) -> None:
        if self.enabled and self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _context(value: str | None) -> str | None:
    if not value:
        return None
    if value.startswith("@"):
        path = Path(value[1:]).expanduser()
        try:
            return path.read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise UserError(f"--context: cannot read '{path}': {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise UserError(f"--context: '{path}' is not UTF-8 text") from exc
    return value


def _format(args: argparse.Namespace) -> str:
    return output_format(args.fmt, args.output)


def _options(args: argparse.Namespace):
    from app.engines.base import TranscribeOptions
    from app.engines.languages import normalize_code
    from app.pipeline.types import PipelineOptions

    if args.workers < 0 or args.chunk_seconds < 0 or args.beam_size < 1:
        raise UserError("--workers and --chunk-seconds must be positive, --beam-size at least 1")
    if args.chunk_seconds and not 2 <= args.chunk_seconds <= 30:
        raise UserError("--chunk-seconds must be between 2 and 30")
    decode = TranscribeOptions(language=normalize_code(args.language), task=args.task,
                               beam_size=args.beam_size, best_of=args.beam_size,
                               initial_prompt=_context(args.context),
                               condition_on_previous_text=args.continue_text)
    engine = _engine_name(args)
    return PipelineOptions(
        engine=engine, model=args.model, device=args.device,
        compute_type=args.compute_type, workers=args.workers,
        chunk_seconds=args.chunk_seconds, per_chunk_language=args.per_chunk_language,
        channels=args.channels, cleanup=not args.no_cleanup, decode=decode,
        engine_settings=_remote_settings(args) if engine == "remote" else {})


def _engine_name(args: argparse.Namespace) -> str:
    servers = getattr(args, "servers", None)
    engine = args.engine or ("remote" if servers else "whisper")
    if engine == "remote" and not servers:
        raise UserError("--engine remote needs --server URL (as in http://gpu-box:8000/v1)")
    if servers and engine != "remote":
        raise UserError(f"--server is for --engine remote, not {engine}")
    return engine


def _remote_settings(args: argparse.Namespace) -> dict:
    """The remote engine's settings; the API key itself is never among them (the engine
    reads it from the environment or the keyring)."""
    if args.timeout < 0:
        raise UserError("--timeout must be positive")
    if args.ca_bundle and not Path(args.ca_bundle).expanduser().is_file():
        raise UserError(f"--ca-bundle: '{args.ca_bundle}' is not a file")
    settings = {"servers": list(args.servers), "upload_format": args.upload_format}
    if args.api_key_env:
        settings["api_key_env"] = args.api_key_env
    if args.timeout:
        settings["timeout_s"] = args.timeout
    if args.ca_bundle:
        settings["ca_bundle"] = str(Path(args.ca_bundle).expanduser())
    return settings


def _prepare_model(options, quiet: bool) -> None:
    """Make sure the model is on disk, downloading a missing catalogue model."""
    from app.engines.catalogue import DEFAULT_QWEN, DEFAULT_WHISPER
    from app.engines.download import ensure_model

    if options.engine == "remote":
        return  # the model lives on the server
    if options.engine == "qwen":  # before downloading a model this install cannot run
        from app.engines import qwen

        if not qwen.installed():
            raise UserError(qwen.missing_message())
    name = options.model or (DEFAULT_WHISPER if options.engine == "whisper" else DEFAULT_QWEN)
    bar = ProgressBar(f"model {name}", enabled=not quiet)
    try:
        ensure_model(name, download=True, progress=bar)
    finally:
        bar.done()


def run(args: argparse.Namespace) -> int:
    from app.cli.outputs import batch_outputs, refuse_input, unique_inputs

    media = [Path(m) for m in args.media]
    if args.output and len(media) > 1:
        raise UserError("-o/--output takes one MEDIA; use --output-dir for several")
    fmt = _format(args)
    if args.output:
        refuse_input(args.output, media, "-o")
        outputs = [Path(args.output)]
    else:
        media = unique_inputs(media)
        folder = Path(args.output_dir) if args.output_dir else None
        outputs = batch_outputs(media, folder, fmt)
    options = _options(args)
    from app.cli.speakers import speaker_count

    args.speaker_count = speaker_count(args.speakers) if args.speakers else None
    profile = None
    profile_name = args.profile or ("default" if fmt in SUBTITLE_FORMATS else None)
    if profile_name and profile_name != "none":
        from app.subtitles import load_profile

        profile = load_profile(profile_name)
    if args.output_dir:
        Path(args.output_dir).mkdir(parents=True, exist_ok=True)

    from app.pipeline.transcribe import make_engine

    _prepare_model(options, args.quiet)
    engine = make_engine(options)
    engine.load()
    for w in engine.check_options(options.decode):
        warn(w)

    failures: list[tuple[Path, str]] = []
    for path, out in zip(media, outputs, strict=True):
        try:
            _transcribe_one(path, out, engine, options, fmt, profile, args)
        except Exception as exc:  # noqa: BLE001 - report, go on with the batch
            known = getattr(exc, "user_message", None) or str(exc) or type(exc).__name__
            if not _is_user_error(exc):
                known = f"unexpected {type(exc).__name__}: {known}"
            error(known if str(path) in known else f"{path}: {known}")
            failures.append((path, known))
            continue
        if not args.quiet:
            print(f"{path} -> {out}", file=sys.stderr)
    summary = getattr(engine, "summary", None)  # a remote engine: where the chunks went
    if summary is not None and not args.quiet:
        _print_servers(summary())
    if failures:
        error(f"{len(failures)} of {len(media)} file(s) failed:")
        for path, message in failures:
            print(f"  {path}: {message}", file=sys.stderr)
        return 2
    return 0


def _print_servers(summary: list[dict]) -> None:
    """Where the chunks went: one line per server (chunks answered, retried, its state)."""
    for s in summary:
        extra = [f"{s['retried']} retried"] if s["retried"] else []
        if s["state"] != "up":
            extra.append(f"{s['state']}: {s['reason']}" if s["reason"] else s["state"])
        more = f" ({', '.join(extra)})" if extra else ""
        print(f"server {s['server']}: {s['done']} chunk(s){more}", file=sys.stderr)


@contextlib.contextmanager
def _cancel_on_interrupt(cancel: CancelToken):
    """Ctrl-C cancels the run instead of interrupting the main thread: the worker threads
    stop at once (a remote engine closes its requests in flight) rather than the process
    waiting for them; a second Ctrl-C interrupts as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_interrupt(signum, frame) -> None:
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _is_user_error(exc: Exception) -> bool:
    names = {"FormatError", "MediaError", "ModelError", "EngineError", "AlignError",
             "ProfileError", "UserError"}
    return isinstance(exc, OSError) or any(k.__name__ in names for k in type(exc).__mro__)


SUBTITLE_FORMATS = frozenset({"srt", "vtt", "ass", "ssa"})


def _transcribe_one(path: Path, out: Path, engine, options, fmt: str, profile, args) -> None:
    from app.formats import write_file
    from app.pipeline.transcribe import transcribe_file

    bar = ProgressBar(path.name, enabled=not args.quiet)
    cancel = CancelToken()
    try:
        with _cancel_on_interrupt(cancel):
            result = transcribe_file(path, options, engine=engine, progress=bar, cancel=cancel)
    finally:
        bar.done()
    if cancel.cancelled:
        raise KeyboardInterrupt  # Ctrl-C: requests in flight were closed; nothing is written
    for w in result.stats.warnings:
        warn(f"{path}: {w}")
    if result.failed_regions:
        spans = ", ".join(f"{r.start / 1000:.1f}-{r.end / 1000:.1f} s" for r in result.failed_regions)
        reasons = list(dict.fromkeys(r.error.split(": ", 1)[-1] for r in result.failed_regions))
        warn(f"{path}: the engine failed on {len(result.failed_regions)} region(s) ({spans}); "
             f"they are left out ({'; '.join(reasons[:2])})")
    segments = [s for s in result.segments if not s.has(FAILED)]
    if args.speakers and segments and not result.cancelled:
        segments = _detect_speakers(path, segments, options, args)
    if profile is not None:
        from app.subtitles import shape

        segments = shape(segments, profile)
    meta = result.meta()
    doc = Document(segments, media=MediaRef(path=str(path.resolve()),
                                            duration_ms=int(result.stats.audio_s * 1000)),
                   meta=meta)
    if not segments and not result.failed_regions:  # silence, music, noise: say so
        warn(f"{path}: no speech found in {_clock(result.stats.audio_s)} of audio: "
             f"{out} has no cues")
    from app.cli.speakers import speaker_options

    # speakers found (--speakers) or given by the microphones (--channels) are shown
    named = args.speakers or args.channels
    write_file(doc, out, fmt, **(speaker_options(fmt) if named else {}))
    if result.cleanup_log and not args.quiet:
        from app.pipeline.cleanup import describe_entry

        n = len(result.cleanup_log)
        print(f"{path}: removed {n} piece{'s' if n != 1 else ''} of text the audio does not "
              "support (--no-cleanup keeps everything):", file=sys.stderr)
        for entry in result.cleanup_log:
            print(f"  {describe_entry(entry)}", file=sys.stderr)


def _detect_speakers(path: Path, segments, options, args):
    from app.audio.decode import decode
    from app.audio.samples import ENGINE_RATE
    from app.cli.speakers import run_detection

    channels = bool(options.channels)
    samples = decode(path, ENGINE_RATE, mono=not channels)
    result = run_detection(samples, segments, args.speaker_count,
                           channels=channels and samples.ndim == 2,
                           profiles=not args.no_profiles, label=path.name, quiet=args.quiet)
    return result.segments
