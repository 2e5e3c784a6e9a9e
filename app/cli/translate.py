"""``cueline translate IN OUT --to LANG --server URL``: translate a subtitle file's text
through an OpenAI-compatible chat server (Ollama, llama.cpp's server, vLLM, a hosted one).

Times are kept, cue for cue: OUT has the same cues as IN with the translation as their text,
its lines laid out under ``--profile`` (broken anew only where they break its rules), so IN
and OUT are the two files of a bilingual delivery.  ``--bilingual`` writes both languages in
each cue instead, the source on top, each language within its own lines.  Cueline JSON keeps
both anyway: the source as the text, the translation beside it.

The API key, when the server needs one, comes from ``CUELINE_TRANSLATE_API_KEY`` (or the
variable named by ``--api-key-env``; ``OPENAI_API_KEY`` for api.openai.com), or the system
keyring; never from the command line.  A cue the model never answered cleanly keeps its
source text and is reported.  Exit status: 0 when every cue was translated, 1 when some were
left untranslated, 2 when a file or the server cannot be used (nothing is written then).
"""

from __future__ import annotations

import argparse
import os
import sys

from app.cli import UserError, output_format, warn

NAME = "translate"
HELP = "translate subtitles' text through an OpenAI-compatible chat server (times kept)"
EXIT_UNTRANSLATED = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", metavar="IN", help="subtitle file (SRT, WebVTT, ASS, TXT, JSON)")
    parser.add_argument("output", metavar="OUT", help="file to write (never IN)")
    parser.add_argument("--to", dest="target", required=True, metavar="LANG",
                        help="language to translate into (a code such as en, de, pt-BR, or a name)")
    parser.add_argument("--from", dest="source", metavar="LANG",
                        help="language of IN (default: as the file says, else the model tells)")
    parser.add_argument("--server", required=True, metavar="URL",
                        help="the server's OpenAI-compatible base URL, e.g. "
                        "http://localhost:11434/v1 (Ollama), http://localhost:8080/v1 "
                        "(llama.cpp), http://localhost:8000/v1 (vLLM)")
    parser.add_argument("--model", metavar="M",
                        help="the model to use (default: the server's only model)")
    parser.add_argument("--glossary", metavar="FILE",
                        help="names and terms: one per line (or comma-separated) to keep as "
                        "they are, or 'term = translation'; the same list as transcribe "
                        "--context works")
    parser.add_argument("--api-key-env", metavar="NAME",
                        help="the environment variable holding the API key (default "
                        "CUELINE_TRANSLATE_API_KEY)")
    parser.add_argument("--format", dest="fmt", metavar="FORMAT",
                        help="format of OUT (srt, vtt, ass, txt, json); default: its extension")
    parser.add_argument("--bilingual", action="store_true",
                        help="write the source and the translation in each cue, each language "
                        "within the profile's lines")
    parser.add_argument("--lines-per-language", type=int, metavar="N",
                        help="with --bilingual: lines each language may take (default: the "
                        "profile's; 1 for two-line bilingual cues)")
    parser.add_argument("--profile", default="default", metavar="P",
                        help="subtitle profile whose line rules lay out the translation "
                        "(default: default)")
    parser.add_argument("--batch", type=int, default=None, metavar="N",
                        help="cues per request (default 12)")
    parser.add_argument("--context", type=int, default=None, metavar="N",
                        help="cues before and after each batch sent as context (default 3)")
    parser.add_argument("--parallel", type=int, default=1, metavar="N",
                        help="requests at once (default 1; a server with several slots "
                        "translates faster)")
    parser.add_argument("--timeout", type=float, default=180.0, metavar="S",
                        help="seconds to wait for one answer (default 180)")
    parser.add_argument("--retries", type=int, default=3, metavar="N",
                        help="retries after a connection error, 429 or 5xx (default 3)")


def _glossary(path: str | None) -> list[tuple[str, str | None]]:
    from app.subtitles.translation_rules import parse_glossary

    if not path:
        return []
    try:
        with open(path, encoding="utf-8-sig") as f:
            return parse_glossary(f.read())
    except FileNotFoundError:
        raise UserError(f"{path}: glossary file not found") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: the glossary is not UTF-8 text") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read the glossary ({exc.strerror or exc})") from None


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _pick_model(base: str, key) -> str:
    """The server's only model; an error listing them when there are several."""
    from app.pipeline.textmt.client import ChatClient, ServerConfig, run_cancellable

    async def ask():
        client = ChatClient(ServerConfig(base, "", api_key=key, timeout_s=15.0))
        try:
            return await client.models()
        finally:
            await client.aclose()

    models = run_cancellable(ask, None)
    if len(models) == 1:
        return models[0]
    if not models:
        raise UserError(f"the server at {base} lists no model: name one with --model")
    shown = ", ".join(models[:12]) + (", …" if len(models) > 12 else "")
    raise UserError(f"choose a model with --model (the server has: {shown})")


def _progress(p) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\rtranslating: {int(p.done)}/{int(p.total)} cues")
        sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    from app.core.document import Document
    from app.formats import read_file, write_file
    from app.formats.io import atomic_write
    from app.pipeline.textmt import api_key_for, check_base_url, translate_text
    from app.pipeline.textmt.client import ServerConfig
    from app.pipeline.textmt.run import DEFAULT_BATCH, DEFAULT_CONTEXT, plan_from_texts
    from app.subtitles import load_profile

    if not args.target.strip():
        raise UserError("--to: give the language to translate into")
    if os.path.exists(args.output) and _same_file(args.input, args.output):
        raise UserError(f"{args.output}: OUT is the input file; write the translation to "
                        "another file")
    fmt = output_format(args.fmt, args.output)
    from app.formats import FORMATS, get_format

    fmt = get_format(fmt).name
    if args.bilingual and "bilingual" not in FORMATS[fmt].options:
        raise UserError(f"--bilingual does not apply to {fmt} output")
    for name, value, low in (("--batch", args.batch, 1), ("--context", args.context, 0),
                             ("--parallel", args.parallel, 1), ("--retries", args.retries, 0),
                             ("--lines-per-language", args.lines_per_language, 1)):
        if value is not None and value < low:
            raise UserError(f"{name} must be at least {low}")
    if args.timeout <= 0:
        raise UserError("--timeout must be positive")
    base = check_base_url(args.server)
    profile = load_profile(args.profile)
    glossary = _glossary(args.glossary)
    result_in = read_file(args.input)
    for w in result_in.warnings:
        warn(str(w))
    doc = result_in.document
    if not any(s.text.strip() for s in doc):
        raise UserError(f"{args.input}: no cue with text to translate")
    key = api_key_for(base, args.api_key_env)
    model = args.model or _pick_model(base, key)
    source = args.source or doc.meta.get("language") or None
    plan = plan_from_texts([s.text for s in doc], args.target.strip(), source_language=source,
                         glossary=glossary)
    server = ServerConfig(base, model, api_key=key, timeout_s=args.timeout, retries=args.retries)
    result = translate_text(plan, server, batch_size=args.batch or DEFAULT_BATCH,
                            context=DEFAULT_CONTEXT if args.context is None else args.context,
                            parallel=args.parallel, progress=_progress)
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    if result.error:
        raise UserError(result.error + " (nothing written)")
    segments = _translated(doc, result)
    out_doc = Document(segments, media=doc.media, meta={**doc.meta,
                                                         "translation_language": args.target})
    for sid, why in result.failed.items():
        warn(f"cue {int(sid) + 1}: left untranslated (source text kept): the model never "
             f"answered it cleanly ({why})")
    _report_checks(out_doc, profile, glossary)
    laid = _laid_out(out_doc, args, profile, source)
    if fmt == "json":
        write_file(Document(laid, media=doc.media, meta=dict(out_doc.meta)), args.output, fmt)
    else:
        atomic_write(args.output, _render(laid, fmt, args.bilingual).encode("utf-8"))
    done = len(result.translations)
    total = len(plan.todo)
    print(f"{args.output}: {done} of {total} cue{'s' if total != 1 else ''} translated into "
          f"{args.target} by {model} ({result.requests} request{'s' if result.requests != 1 else ''}, "
          f"{result.elapsed_s:.1f} s)")
    return EXIT_UNTRANSLATED if result.failed else 0


def _translated(doc, result):
    """The document's segments with their translations beside the source (state machine)."""
    from app.core.model import TR_MACHINE

    out = []
    for i, s in enumerate(doc):
        text = result.translations.get(str(i))
        if text is None:
            out.append(s.replace(translation=None, translation_state=None))
        else:
            out.append(s.replace(translation=text, translation_state=TR_MACHINE))
    return out


def _laid_out(doc, args, profile, source: str | None):
    """The cues with each language's lines laid out under ``profile``; what cannot be made
    to fit without new cues (times are kept) is reported."""
    from app.subtitles.bilingual import TRANSLATION, bilingual_cues

    laid = bilingual_cues(list(doc), profile, source_language=source,
                          target_language=args.target,
                          lines_per_language=args.lines_per_language if args.bilingual else None)
    for p in laid.problems:
        if args.bilingual or p.language == TRANSLATION:
            warn(f"cue {p.index + 1}, {p.language}: {p.message}")
    if args.bilingual:
        return laid.cues
    # only the translation is laid out: the source stays as the file has it
    return [c.replace(text=s.text, words=s.words) for c, s in zip(laid.cues, doc, strict=True)]


def _render(cues, fmt: str, bilingual: bool) -> str:
    """OUT's text: the translation as each cue's text, or both languages (``bilingual``)."""
    from app.formats import write_text

    if bilingual:
        return write_text(cues, fmt, bilingual=True)
    return write_text([c.replace(text=c.translation, words=(), translation=None,
                                 translation_state=None)
                       if c.translation else c.replace(translation=None, translation_state=None)
                       for c in cues], fmt)


def _report_checks(doc, profile, glossary) -> None:
    """The translation checks that compare the languages (numbers, names, glossary)."""
    from app.subtitles import translation_rules as tr

    compared = (tr.NUMBERS, tr.NAMES, tr.GLOSSARY)
    for v in tr.translation_violations(list(doc), profile, glossary):
        if v.rule in compared:
            warn(f"cue {v.segment_index + 1}: {v.message}")
