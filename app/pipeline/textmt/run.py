"""Translating the (corrected) text of a document's segments through a chat model (Qt-free).

A text translation has three parts, like every background edit:

1. :func:`prepare_text_translation` (UI thread): a snapshot of every segment's text and
   translation (the context) and which of them to translate;
2. :func:`translate_text` (worker thread): batches of :data:`DEFAULT_BATCH` cues sent with
   :data:`DEFAULT_CONTEXT` neighbours either side and the glossary, each reply checked cue by
   cue (:func:`app.pipeline.textmt.wire.check_reply`).  A rejected reply is asked again in two
   halves, down to single cues; a single cue is asked :data:`SINGLE_TRIES` times, and a cue
   that never gets a clean answer stays untranslated and is reported (``failed``);
3. :func:`apply_text_translations` (UI thread): the translations as ONE undoable step, in the
   ``machine`` state, skipping segments whose text changed meanwhile.

Cancelling closes the connection and keeps what was finished; a server that cannot be used
(unreachable, refusing the key, answering nonsense) stops the run with one clear ``error``,
keeping what was finished too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from app.core.cancel import Cancelled, CancelToken, Progress
from app.core.document import Document
from app.core.model import TR_MACHINE, TR_NONE, TR_STALE
from app.core.translation import apply_machine_translations
from app.pipeline.textmt.client import ChatClient, ChatError, ServerConfig, run_cancellable
from app.pipeline.textmt.wire import (
    Batch,
    Cue,
    ReplyError,
    build_messages,
    check_reply,
    parse_translations,
)

DEFAULT_BATCH = 12  # cues per request: enough context for the model, short enough to check
DEFAULT_CONTEXT = 3  # cues before and after each batch, sent as context
SINGLE_TRIES = 2  # a single cue is asked this often before it is given up
NONSENSE_LIMIT = 3  # unreadable answers in a row, with nothing read yet: the model is unusable
MAX_BATCH = 100
MAX_CONTEXT = 20
MAX_PARALLEL = 8
REDO_STATES = frozenset({TR_NONE, TR_STALE, TR_MACHINE})  # a person's edits are kept by default

ProgressFn = Callable[[Progress], None]

LANGUAGE_NAMES = {
    "zh": "Chinese", "en": "English", "yue": "Cantonese", "ar": "Arabic", "de": "German",
    "fr": "French", "es": "Spanish", "pt": "Portuguese", "id": "Indonesian", "it": "Italian",
    "ko": "Korean", "ru": "Russian", "th": "Thai", "vi": "Vietnamese", "ja": "Japanese",
    "tr": "Turkish", "hi": "Hindi", "ms": "Malay", "nl": "Dutch", "sv": "Swedish",
    "da": "Danish", "fi": "Finnish", "pl": "Polish", "cs": "Czech", "tl": "Filipino",
    "fa": "Persian", "el": "Greek", "ro": "Romanian", "hu": "Hungarian", "mk": "Macedonian",
    "uk": "Ukrainian", "no": "Norwegian", "nb": "Norwegian Bokmål", "he": "Hebrew",
    "bg": "Bulgarian", "hr": "Croatian", "sr": "Serbian", "sk": "Slovak", "sl": "Slovenian",
    "lt": "Lithuanian", "lv": "Latvian", "et": "Estonian", "ca": "Catalan", "eu": "Basque",
    "gl": "Galician", "cy": "Welsh", "ga": "Irish", "is": "Icelandic", "bn": "Bengali",
    "ta": "Tamil", "ur": "Urdu", "sw": "Swahili", "af": "Afrikaans",
}


def language_label(code: str | None) -> str:
    """How the prompt names a language: ``German (de)``, or what the user wrote."""
    if not code:
        return "the original language (recognise it)"
    key = code.strip().lower().replace("_", "-")
    name = LANGUAGE_NAMES.get(key) or LANGUAGE_NAMES.get(key.split("-")[0])
    return f"{name} ({code.strip()})" if name else code.strip()


@dataclass(frozen=True)
class TextItem:
    """One segment as it was when the translation began."""

    seg_id: str
    number: int  # its number in the document, from 1 (the id the model sees)
    text: str
    translation: str | None = None


@dataclass(frozen=True)
class TextPlan:
    items: tuple[TextItem, ...]  # every segment, in order: the context comes from these
    todo: tuple[int, ...]  # the positions in ``items`` to translate
    target_language: str
    source_language: str | None = None
    glossary: tuple[tuple[str, str | None], ...] = ()

    @property
    def sources(self) -> dict[str, str]:
        return {self.items[i].seg_id: self.items[i].text for i in self.todo}

    @property
    def before(self) -> dict[str, str | None]:
        return {self.items[i].seg_id: self.items[i].translation for i in self.todo}


@dataclass
class TextTranslationResult:
    translations: dict[str, str] = field(default_factory=dict)  # segment id -> translation
    failed: dict[str, str] = field(default_factory=dict)  # segment id -> why, for cues given up
    numbers: dict[str, int] = field(default_factory=dict)  # segment id -> its cue number
    cancelled: bool = False
    error: str | None = None  # what stopped the run early (the finished part is kept)
    requests: int = 0
    retries: int = 0  # requests sent again after a transport error, 429 or 5xx
    rejected: list[str] = field(default_factory=list)  # replies that did not match their cues
    elapsed_s: float = 0.0
    model: str = ""
    server: str = ""

    @property
    def done(self) -> int:
        return len(self.translations)


def prepare_text_translation(doc: Document, target_language: str,
                             seg_ids: Iterable[str] | None = None, *, redo_reviewed: bool = False,
                             source_language: str | None = None,
                             glossary: Sequence[tuple[str, str | None]] = ()) -> TextPlan:
    """The plan for ``seg_ids`` (None: every segment): segments with text that need a
    translation (untranslated, stale or machine-made); with ``redo_reviewed`` also those a
    person edited or approved."""
    wanted = None if seg_ids is None else set(seg_ids)
    items = []
    todo = []
    for i, s in enumerate(doc):
        items.append(TextItem(s.id, i + 1, s.text, s.translation))
        if wanted is not None and s.id not in wanted:
            continue
        if not s.text.strip():
            continue
        if redo_reviewed or s.translation_status in REDO_STATES:
            todo.append(i)
    source = source_language or doc.meta.get("language") or None
    return TextPlan(tuple(items), tuple(todo), target_language, source, tuple(glossary))


def plan_from_texts(texts: Sequence[str], target_language: str, *,
                   source_language: str | None = None,
                   glossary: Sequence[tuple[str, str | None]] = ()) -> TextPlan:
    """A plan translating every non-empty text of ``texts`` (ids ``"0"``, ``"1"``...)."""
    items = tuple(TextItem(str(i), i + 1, t) for i, t in enumerate(texts))
    todo = tuple(i for i, t in enumerate(texts) if t.strip())
    return TextPlan(items, todo, target_language, source_language, tuple(glossary))


def translate_text(plan: TextPlan, server: ServerConfig, *, batch_size: int = DEFAULT_BATCH,
                   context: int = DEFAULT_CONTEXT, parallel: int = 1,
                   cancel: CancelToken | None = None,
                   progress: ProgressFn | None = None) -> TextTranslationResult:
    """Translate ``plan`` on ``server`` (worker thread).  Never raises for the server's
    faults: they end the run with ``error`` set, what was finished kept; ``Cancelled`` is
    not raised either (``cancelled`` is set)."""
    run = _Run(plan, server, max(1, min(batch_size, MAX_BATCH)), max(0, min(context, MAX_CONTEXT)),
               max(1, min(parallel, MAX_PARALLEL)), progress)
    t0 = time.monotonic()
    try:
        run_cancellable(run.main, cancel)
    except Cancelled:
        run.result.cancelled = True
    run.result.elapsed_s = time.monotonic() - t0
    return run.result


class _Run:
    def __init__(self, plan: TextPlan, server: ServerConfig, batch_size: int, context: int,
                 parallel: int, progress: ProgressFn | None) -> None:
        self.plan = plan
        self.server = server
        self.batch_size = batch_size
        self.context = context
        self.parallel = parallel
        self.progress = progress
        self.result = TextTranslationResult(model=server.model, server=server.shown)
        self.result.numbers = {plan.items[i].seg_id: plan.items[i].number for i in plan.todo}
        self.translated: dict[int, str] = {}  # item position -> translation (for context)
        self.unreadable = 0  # unreadable answers in a row
        self.client: ChatClient | None = None

    async def main(self) -> None:
        import asyncio

        self.client = ChatClient(self.server)
        try:
            todo = list(self.plan.todo)
            batches = [todo[k:k + self.batch_size] for k in range(0, len(todo), self.batch_size)]
            self._report()
            if self.parallel == 1:
                for b in batches:
                    await self._batch(b)
            else:
                sem = asyncio.Semaphore(self.parallel)

                async def one(b: list[int]) -> None:
                    async with sem:
                        await self._batch(b)

                await asyncio.gather(*(one(b) for b in batches))
        except ChatError as exc:
            self.result.error = str(exc)
        finally:
            self.result.requests = self.client.requests
            self.result.retries = self.client.retries
            await self.client.aclose()

    def _make_batch(self, positions: list[int]) -> Batch:
        items = self.plan.items
        first, last = positions[0], positions[-1]
        before = []
        for i in range(max(0, first - self.context), first):
            if items[i].text.strip():
                before.append((items[i].text, self.translated.get(i, items[i].translation)))
        after = [items[i].text for i in range(last + 1, min(len(items), last + 1 + self.context))
                 if items[i].text.strip()]
        cues = tuple(Cue(items[i].number, items[i].text) for i in positions)
        return Batch(cues, tuple(before), tuple(after))

    async def _batch(self, positions: list[int], tries: int = 0) -> None:
        assert self.client is not None
        batch = self._make_batch(positions)
        messages = build_messages(batch, source=language_label(self.plan.source_language),
                                  target=language_label(self.plan.target_language),
                                  glossary=self.plan.glossary)
        content = await self.client.complete(messages)
        try:
            checked = check_reply(batch, parse_translations(content))
            self.unreadable = 0
        except ReplyError as exc:
            self.unreadable += 1
            if self.unreadable >= NONSENSE_LIMIT and not self.result.translations:
                raise ChatError(f"the model {self.server.model!r} at {self.server.shown} does "
                                f"not answer with the translations asked for ({exc})",
                                kind="nonsense") from None
            problem = str(exc)
        else:
            if checked.ok:
                for i in positions:
                    text = checked.translations[self.plan.items[i].number]
                    self.translated[i] = text
                    self.result.translations[self.plan.items[i].seg_id] = text
                self._report()
                return
            problem = checked.problem or "no match"
        numbers = [self.plan.items[i].number for i in positions]
        where = f"cue {numbers[0]}" if len(numbers) == 1 else f"cues {numbers[0]}-{numbers[-1]}"
        if len(positions) > 1:
            self.result.rejected.append(f"{where}: {problem}: asked again in two halves")
            half = (len(positions) + 1) // 2
            await self._batch(positions[:half])
            await self._batch(positions[half:])
        elif tries + 1 < SINGLE_TRIES:
            self.result.rejected.append(f"{where}: {problem}: asked again")
            await self._batch(positions, tries + 1)
        else:
            self.result.rejected.append(f"{where}: {problem}: left untranslated")
            self.result.failed[self.plan.items[positions[0]].seg_id] = problem
            self._report()

    def _report(self) -> None:
        if self.progress is not None:
            total = len(self.plan.todo)
            done = len(self.result.translations) + len(self.result.failed)
            self.progress(Progress(done, total, f"translated {len(self.result.translations)} "
                                   f"of {total} cues"))


def apply_text_translations(doc: Document, plan: TextPlan, result: TextTranslationResult,
                            name: str = "Translate"):
    """Store the finished translations as ONE undoable step (state ``machine``), and the
    target language in the document's metadata.  Returns
    :class:`app.core.translation.Applied`."""
    with doc.transaction(name):
        applied = apply_machine_translations(doc, result.translations, sources=plan.sources,
                                             before=plan.before, name=name)
        if applied.changed:
            doc.set_meta("translation_language", plan.target_language)
    return applied
