"""Transcribing inside the editor with the real bundled models: the dialog, live partial
results, one undo step per run, cancel, the same result as the command line, the cleanup log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.core import edits
from app.core.cleanup_log import RESTORE_NAME
from app.core.model import WORDS_STALE, Segment
from app.formats import read_file
from app.subtitles import check
from app.ui.transcribe_dialog import TranscribeDialog, approx_tokens
from app.ui.worker import TaskStatus
from tests.ui.speech_media import jfk_loop

pytestmark = [pytest.mark.gui, pytest.mark.slow]
DATA = Path(__file__).resolve().parent / "data"


def tiny_en(dlg: TranscribeDialog, **extra) -> bool:
    """Drive the dialog as a user would: pick Whisper tiny.en, one worker, accept."""
    assert dlg.set_engine("whisper")
    assert dlg.set_model("tiny.en")
    assert dlg.model_status == "bundled"
    assert not dlg.language_box.isEnabled()  # an English-only model
    dlg.workers_spin.setValue(extra.get("workers", 0))
    if "chunk" in extra:
        dlg.chunk_spin.setValue(extra["chunk"])
    if "channels" in extra:
        dlg.channels_box.setChecked(extra["channels"])
    return True


def segment_rows(segments) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.text) for s in segments]


def test_dialog_lists_models_remembers_choices_and_counts_context_tokens(window):
    dlg = TranscribeDialog(window.tasks, channels=2, segments=3, profiles=window.profiles)
    models = {dlg.model_box.itemData(i): dlg.model_box.itemText(i) for i in range(dlg.model_box.count())}
    assert "bundled" in models["tiny.en"] and "bundled" in models["base"]
    assert "downloadable" in models["large-v3"] and "GB" in models["large-v3"]
    assert dlg.model == "base"  # the default: bundled, multilingual
    assert dlg.language_box.itemData(0) == "" and dlg.language_box.findData("de") > 0
    dlg.set_language("de")
    dlg.set_task("translate")
    dlg.context.setPlainText("Cueline Aegisub Nakamura Kyoto")
    assert "≈ 6 tokens" in dlg.tokens_label.text() and approx_tokens("a b c d e f g h i j") == 13
    dlg.chunk_spin.setValue(12)
    dlg.channels_box.setChecked(True)
    opts = dlg.options()
    assert (opts.model, opts.decode.language, opts.decode.task) == ("base", "de", "translate")
    assert opts.decode.initial_prompt == "Cueline Aegisub Nakamura Kyoto"
    assert opts.chunk_seconds == 12.0 and opts.channels
    dlg.remember()
    again = TranscribeDialog(window.tasks, channels=1, segments=0, profiles=window.profiles)
    assert again.language == "de" and again.task_box.currentData() == "translate"
    assert again.context.toPlainText() == "Cueline Aegisub Nakamura Kyoto"
    assert not again.options().channels  # a mono file: the option is off
    assert not again.replace_box.isVisible() and again.chunk_spin.value() == 12
    assert again.set_model("tiny.en") and again.task_box.currentData() == "transcribe"
    assert again.language_box.currentData() == "en" and not again.language_box.isEnabled()
    assert again.options().decode.language is None  # the model decides, as on the command line
    again.remember()
    assert again.set_model("base") and again.language == "de"  # the user's choice comes back
    third = TranscribeDialog(window.tasks, channels=1, segments=0)
    assert third.model == "tiny.en" and third.language is None
    assert third.set_model("small") and third.language == "de"


def test_dialog_offers_carrying_the_text_across_pauses_for_whisper_only(window):
    dlg = TranscribeDialog(window.tasks, channels=1, segments=0, profiles=window.profiles)
    assert dlg.set_engine("whisper") and dlg.continue_box.isEnabled()
    assert not dlg.continue_box.isChecked()  # off unless asked for: it costs time
    assert not dlg.options().decode.condition_on_previous_text
    dlg.continue_box.setChecked(True)
    assert dlg.options().decode.condition_on_previous_text
    dlg.remember()
    again = TranscribeDialog(window.tasks, channels=1, segments=0, profiles=window.profiles)
    assert again.continue_box.isChecked() and again.options().decode.condition_on_previous_text
    assert again.set_engine("qwen")
    assert not again.continue_box.isEnabled()  # Qwen3-ASR decodes each chunk on its own
    assert not again.options().decode.condition_on_previous_text
    again.continue_box.setChecked(False)
    again.remember()


def test_dialog_shapes_under_the_editors_profile_by_default_raw_stays_a_choice(window):
    from app.ui import settings

    settings.put("transcribe/profile", "")  # what earlier versions stored for "keep segments"
    window.profile_box.setCurrentIndex(window.profile_box.findData("bbc"))
    assert window.session.profile.id == "bbc"
    dlg = window.tools.transcribe_dialog()
    assert dlg.profile() is not None and dlg.profile().id == "bbc"
    assert "Shape into cues: BBC" in dlg.profile_box.currentText()
    assert dlg.set_combo(dlg.profile_box, "")  # the engine's raw segments: still offered
    assert dlg.profile() is None
    dlg.remember()
    assert window.tools.transcribe_dialog().profile() is None  # a deliberate choice is kept
    again = window.tools.transcribe_dialog()
    assert again.set_combo(again.profile_box, "netflix-en")
    again.remember()
    window.profile_box.setCurrentIndex(window.profile_box.findData("default"))
    assert window.tools.transcribe_dialog().profile().id == "default"  # the editor's profile


def test_transcribe_from_dialog_live_in_order_and_same_as_cli(window, media_window, jfk_path,
                                                             tmp_path, run_task):
    from app.cli import main as cli_main

    media = jfk_loop(jfk_path, tmp_path / "jfk3.wav", 3)
    w = media_window(media)
    tools = w.tools
    seen: list[tuple[int, int, bool, int]] = []
    labels: list[str] = []
    tools.transcription.partial_applied.connect(
        lambda index, n: seen.append((index, n, tools.transcription.running, len(w.session.doc))))
    w.job_progress.valueChanged.connect(lambda _v: labels.append(w.job_label.text()))
    w.prompts.dialog_hook = tiny_en
    job = tools.ask_transcribe()
    assert job is not None and tools.transcription.running
    assert w.cancel_button.isVisibleTo(w) and "Transcribing" in w.job_label.text()
    run_task(job)
    assert job.status is TaskStatus.FINISHED
    indexes = [s[0] for s in seen]
    assert indexes == sorted(indexes) and len(indexes) == job.result.stats.chunks >= 2
    first_with_text = next(s for s in seen if s[1])
    assert first_with_text[2] and first_with_text[3] > 0  # on screen while the run went on
    doc = w.session.doc
    assert w.table.model().rowCount() == len(doc) >= 3
    assert doc.meta["language"] == "en" and doc.meta["model"] == "tiny.en"
    assert doc.meta["cleanup"] == [e.as_dict() for e in job.result.cleanup_log]
    assert any(re.search(r"Transcribing jfk3\.wav: \d+/\d+ chunks", t) for t in labels), labels
    assert sum("country" in s.text.lower() for s in doc) >= 3
    assert all(s.words for s in doc)

    # by default the editor shapes the transcript under its profile, as the command line does
    # for subtitles: the same cues as `cueline transcribe -o x.srt`, the engine's words kept
    assert w.session.profile.id == "default"
    out = tmp_path / "cli.srt"
    assert cli_main(["transcribe", str(media), "-o", str(out), "--model", "tiny.en", "-q"]) == 0
    cli = read_file(out).document
    assert segment_rows(doc) == segment_rows(cli)
    raw_lengths = [v for v in check(job.result.segments, w.session.profile)
                   if v.rule == "line_length"]
    assert raw_lengths  # the engine's own segments run past the line length...
    assert [(x.text, x.start, x.end) for s in doc for x in s.words] == \
        [(x.text, x.start, x.end) for s in job.result.segments for x in s.words]
    lengths = [v for vs in w.session.violations.values() for v in vs if v.rule == "line_length"]
    assert not lengths  # ...the cues do not

    # the whole run is one undo step
    assert doc.history.undo_name == "Transcribe"
    w.commands["undo"].trigger()
    assert len(doc) == 0
    w.commands["redo"].trigger()
    assert segment_rows(doc) == segment_rows(cli)


def test_cancel_keeps_finished_chunks_the_window_stays_usable_and_undo_removes_the_run(
        window, media_window, jfk_path, tmp_path, run_task, qtbot):
    media = jfk_loop(jfk_path, tmp_path / "jfk6.wav", 6)
    w = media_window(media)
    assert w.files.import_subtitles(str(DATA / "sample.srt"))
    before = segment_rows(w.session.doc)
    tools = w.tools
    chunks = []

    def on_partial(index: int, n: int) -> None:
        chunks.append(index)
        if len(chunks) == 1:
            w.cancel_button.click()  # the status bar's Cancel, as a user would

    tools.transcription.partial_applied.connect(on_partial)
    w.prompts.dialog_hook = lambda dlg: tiny_en(dlg, workers=1, chunk=10)
    job = tools.ask_transcribe()
    run_task(job)
    assert job.status is TaskStatus.CANCELLED and tools.transcription.last_status is TaskStatus.CANCELLED
    result = job.result
    assert result is not None and result.cancelled
    assert 1 <= len(chunks) < result.stats.chunks
    doc = w.session.doc
    kept = segment_rows(doc)
    assert kept and all(r not in before for r in kept)  # the run replaced the old segments
    assert kept == segment_rows(s for s in result.segments)
    assert "country" in " ".join(s.text for s in doc).lower()
    assert doc.meta.get("cancelled") is True
    assert not w.cancel_button.isVisibleTo(w)
    # the window is usable: edit, undo the edit, then one undo removes the whole run
    edits.edit_text(doc, doc[0].id, "Edited after cancelling.")
    assert doc[0].text == "Edited after cancelling."
    w.commands["undo"].trigger()
    assert segment_rows(doc) == kept
    w.commands["undo"].trigger()
    assert segment_rows(doc) == before
    qtbot.wait(50)


def test_undoing_a_running_transcription_cancels_it(window, media_window, jfk_path, tmp_path,
                                                     run_task):
    media = jfk_loop(jfk_path, tmp_path / "jfk4.wav", 4)
    w = media_window(media)
    tools = w.tools
    undone = []

    def on_partial(index: int, n: int) -> None:
        if n and not undone:
            undone.append(index)
            w.commands["undo"].trigger()

    tools.transcription.partial_applied.connect(on_partial)
    job = tools.transcription.start(_tiny_options(workers=1, chunk_seconds=10))
    run_task(job)
    assert undone and job.status is TaskStatus.CANCELLED
    assert len(w.session.doc) == 0  # nothing of the run came back after the undo


def _tiny_options(**kw):
    from app.pipeline.types import PipelineOptions

    return PipelineOptions(engine="whisper", model="tiny.en", **kw)


def test_cleanup_log_lists_removals_and_restores_one_as_an_undoable_segment(window, jfk_path,
                                                                            media_window):
    w = media_window(jfk_path)
    doc = w.session.doc
    log = [{"reason": "boilerplate hallucination", "text": "Thanks for watching!", "start": 10500,
            "end": 11000},
           {"reason": "repetition loop", "text": "ask not ask not", "start": 3000, "end": 4000,
            "segment": {"start": 2900, "end": 4100, "text": "ask not"}}]
    edits.apply_result(doc, [Segment(0, 2000, "And so my fellow Americans")],
                       meta={"cleanup": log}, name="Transcribe")
    w._update_status()
    assert w.cleanup_button.isVisibleTo(w) and "2 suspected hallucinations" in w.cleanup_button.text()
    dlg = w.tools.show_cleanup()
    assert dlg.table.rowCount() == 2
    assert dlg.table.item(0, 1).text() == "boilerplate hallucination"
    assert dlg.table.item(1, 2).text() == "ask not ask not"
    sid = dlg.restore(1)
    restored = doc.get(sid)
    assert (restored.start, restored.end, restored.text) == (2900, 4100, "ask not")
    assert restored.has(WORDS_STALE) and [x.text for x in restored.words] == ["ask", "not"]
    assert [e["text"] for e in doc.meta["cleanup"]] == ["Thanks for watching!"]
    assert dlg.table.rowCount() == 1 and doc.history.undo_name == RESTORE_NAME
    assert w.session.current_id == sid
    w.commands["undo"].trigger()
    assert sid not in doc and len(doc.meta["cleanup"]) == 2 and dlg.table.rowCount() == 2


def test_shaping_with_a_profile_at_the_end_stays_one_undo_step(window, media_window, jfk_path,
                                                               run_task):
    w = media_window(jfk_path)

    def shaped(dlg) -> bool:
        tiny_en(dlg)
        return dlg.set_combo(dlg.profile_box, "netflix-en")

    w.prompts.dialog_hook = shaped
    job = w.tools.ask_transcribe()
    run_task(job)
    assert job.status is TaskStatus.FINISHED
    doc = w.session.doc
    engine_segments = job.result.segments
    assert len(engine_segments) == 1 and len(doc) >= 2  # one sentence, cut into cues
    # the status bar counts what the table shows (the cues), not the engine's one segment
    assert f"Transcribed {len(doc)} segments in" in w.statusBar().currentMessage()
    profile = next(p for p in w.profiles if p.id == "netflix-en")
    assert w.session.profile is profile  # the cues are checked against the profile they meet
    assert all(len(line) <= 42 for s in doc for line in s.text.split("\n"))
    assert not [v for v in check(doc.segments, profile) if v.rule == "line_length"]
    assert " ".join(" ".join(s.text.split()) for s in doc) == engine_segments[0].text
    w.commands["undo"].trigger()
    assert len(doc) == 0
