"""Tools ▸ Translate…: translations for the whole file or the selected segments, two ways.

- **Text** (the default): the corrected source text, translated by a chat model on an
  OpenAI-compatible server the user picks (Ollama, llama.cpp's server, vLLM, LM Studio, or a
  hosted one), into any language, with neighbouring cues as context and the vocabulary list
  as glossary (:mod:`app.pipeline.textmt`).  URL, model and language are remembered; the API
  key comes from ``CUELINE_TRANSLATE_API_KEY`` or the system keyring and is never stored in
  the settings or the project.
- **Audio**: Whisper's own translation into English, each segment from its own audio
  (:mod:`app.pipeline.translate`), offline.  The bundled ``base`` model gives a rough draft;
  the larger downloadable models (small, medium, large-v3) are the ones worth reviewing.

Either way the run is a background job; its translations are stored as ONE undoable step in
the ``machine`` state, their lines laid out under the editor's profile, and the table shows
the Translation column.  Cancel keeps what was finished (still one step).  What a person
edited or approved is not translated again unless asked for.
"""

from __future__ import annotations

from typing import Any

from app.audio.samples import ENGINE_RATE
from app.core.document import Document
from app.ui import settings
from app.ui.job_controller import JobController
from app.ui.translate_dialog import AUDIO, TEXT, TranslateDialog
from app.ui.worker import Task, TaskContext, TaskStatus

__all__ = ["AUDIO", "TEXT", "TranslateDialog", "TranslationController"]


class TranslationController(JobController):
    _changed = 0  # segments the last apply step translated

    def ask(self) -> Task | None:
        """Tools ▸ Translate…: the dialog, then the job."""
        s = self.session
        if not len(s.doc):
            self.prompts.warning("Translate", "There are no segments to translate: transcribe "
                                 "the media or import subtitles first.")
            return None
        dlg = TranslateDialog(selected=len(s.selected_in_order()), total=len(s.doc),
                              language=s.doc.meta.get("language") or None,
                              glossary=settings.get("transcribe/context", "") or "",
                              parent=self.host.dialog_parent, tasks=self.host.tasks)
        if not self.prompts.run_dialog(dlg):
            return None
        problem = dlg.problem()
        if problem:
            self.prompts.warning("Translate", problem)
            return None
        dlg.remember()
        ids = s.selected_in_order() if dlg.selected_only else None
        if dlg.method == AUDIO:
            return self.start(ids, model=dlg.model, language=dlg.language)
        return self.start_text(ids, server=dlg.server, model=dlg.llm, target=dlg.target,
                               glossary=dlg.glossary_text, redo_reviewed=dlg.redo_reviewed)

    # -- text, through a chat server -----------------------------------------------------------
    def start_text(self, seg_ids: list[str] | None = None, *, server: str, model: str,
                   target: str, glossary: str = "", redo_reviewed: bool = False,
                   batch_size: int | None = None, timeout_s: float = 180.0) -> Task | None:
        """Translate the text of ``seg_ids`` (None: all) on ``server``; None if it cannot
        start (told to the user)."""
        from app.pipeline.textmt import (
            DEFAULT_BATCH,
            ChatError,
            SecretError,
            ServerConfig,
            api_key_for,
            apply_text_translations,
            check_base_url,
            prepare_text_translation,
            translate_text,
        )
        from app.subtitles.translation_rules import parse_glossary

        s = self.session
        if self.running:
            self.prompts.warning("Translate", "A translation is already running.")
            return None
        try:
            base = check_base_url(server)
            key = api_key_for(base)
        except (ChatError, SecretError) as exc:
            self.prompts.warning("Translate", str(exc))
            return None
        self.host.flush_edits()
        spec = prepare_text_translation(s.doc, target, seg_ids, redo_reviewed=redo_reviewed,
                                        glossary=parse_glossary(glossary))
        if not spec.todo:
            self.status("Nothing to translate: every segment with text has a translation a "
                        "person edited or approved.", 6000)
            return None
        config = ServerConfig(base, model, api_key=key, timeout_s=timeout_s)
        batch = batch_size or DEFAULT_BATCH

        def compute(ctx: TaskContext) -> Any:
            return translate_text(spec, config, batch_size=batch, cancel=ctx.cancel,
                                  progress=ctx.progress)

        def apply(doc: Document, result: Any, _status: TaskStatus) -> None:
            if result.translations:
                result.translations = self._laid_out(result.translations, spec.target_language)
                self._changed = apply_text_translations(doc, spec, result).changed

        n = len(spec.todo)
        return self.run_job(f"Translating {n} segment{'s' if n != 1 else ''} with {model}",
                            compute, apply, error_title="Translation failed",
                            keep_on_cancel=True, on_end=self._report_text)

    def _report_text(self, status: TaskStatus) -> None:
        """What the user is told when a text translation ends (errors in the reply included:
        those end the run as FAILED, keeping what was translated before)."""
        if status is TaskStatus.FAILED:
            return  # an exception: run_job shows it
        result = self.last_result
        changed, self._changed = self._changed, 0
        if result is not None and result.error:
            self.last_status = status = TaskStatus.FAILED
            kept = f"\n\n{changed} segment{'s' if changed != 1 else ''} translated before it " \
                   "stopped are kept (one undo step)." if changed else ""
            end = "" if result.error.endswith((".", "?", "!")) else "."
            self.prompts.error("Translation stopped",
                               f"{result.error[:1].upper()}{result.error[1:]}{end}{kept}")
        elif result is not None and result.failed:
            numbers = sorted(result.numbers.get(sid, 0) for sid in result.failed)
            shown = ", ".join(str(n) for n in numbers[:12]) + (" …" if len(numbers) > 12 else "")
            first = next(iter(result.failed.values()))
            self.prompts.warning(
                "Translation", f"{len(numbers)} segment{'s were' if len(numbers) != 1 else ' was'} "
                f"left untranslated: the model never answered {'them' if len(numbers) != 1 else 'it'} "
                f"cleanly (segment{'s' if len(numbers) != 1 else ''} {shown}; first reason: {first}). "
                "F9 goes to the segments still to translate.")
        word = "cancelled" if status is TaskStatus.CANCELLED else \
            "stopped" if status is TaskStatus.FAILED else "done"
        self.status(f"Translation {word}: {changed} segment{'s' if changed != 1 else ''} "
                    "translated.")

    def _laid_out(self, translations: dict[str, str], language: str) -> dict[str, str]:
        """Each translation's lines laid out under the editor's profile, for its language."""
        from app.subtitles.bilingual import fit_lines, language_profile

        profile = self.session.profile
        if profile is None:
            return translations
        p = language_profile(profile, None, language)
        return {sid: fit_lines(text, p, language) for sid, text in translations.items()}

    # -- audio, through Whisper ----------------------------------------------------------------
    def start(self, seg_ids: list[str] | None = None, *, model: str = "base",
              language: str | None = None) -> Task | None:
        """Translate ``seg_ids`` (None: all) from their audio into English with Whisper, in
        the background; None if it cannot start."""
        from app.pipeline.translate import apply_translations, prepare_translation

        s = self.session
        if s.peaks is None:
            self.prompts.warning("Translate", "Open the media first: each segment is translated "
                                 "from its own audio.")
            return None
        if self.running:
            self.prompts.warning("Translate", "A translation is already running.")
            return None
        self.host.flush_edits()
        items = prepare_translation(s.doc, seg_ids)
        if not items:
            self.status("Nothing to translate: no segment with text and times.", 5000)
            return None
        samples = s.peaks.engine_samples()
        sources = {it.seg_id: it.text for it in items}

        def compute(ctx: TaskContext) -> Any:
            from app.pipeline.translate import translate_items

            return translate_items(items, samples, ENGINE_RATE, model=model, language=language,
                                   cancel=ctx.cancel, progress=ctx.progress)

        def apply(doc: Document, result: Any, _status: TaskStatus) -> None:
            if not result.translations:
                return
            translations = self._laid_out(result.translations, "en")
            with doc.transaction("Translate to English"):
                self._changed = apply_translations(doc, translations, sources=sources)
                if self._changed:
                    doc.set_meta("translation_language", "en")

        n = len(items)
        return self.run_job(f"Translating {n} segment{'s' if n != 1 else ''}", compute, apply,
                            error_title="Translation failed", keep_on_cancel=True,
                            on_end=self._report_audio)

    def _report_audio(self, status: TaskStatus) -> None:
        if status is TaskStatus.FAILED:
            return
        changed, self._changed = self._changed, 0
        word = "cancelled" if status is TaskStatus.CANCELLED else "done"
        self.status(f"Translation {word}: {changed} segment{'s' if changed != 1 else ''} now "
                    "have English.")
