"""The Qt-free job bodies the editor runs: re-alignment reading only the audio around the
segments, translation per segment with partial results kept on cancel (real bundled models)."""

from __future__ import annotations

import numpy as np
import pytest

from app.align.realign import compute_alignment, prepare_realign
from app.core import edits
from app.core.cancel import CancelToken
from app.core.document import Document
from app.core.model import Segment
from app.pipeline.realign import GROUP_GAP_MS, realign_words
from app.pipeline.translate import (
    apply_translations,
    prepare_translation,
    translate_items,
)
from tests.pipeline.media import silence

pytestmark = pytest.mark.slow
JFK = "And so my fellow Americans, ask not what your country can do for you."


def _jfk_twice(jfk_samples: np.ndarray) -> tuple[np.ndarray, int]:
    """jfk, a long silence (the two copies are read separately), jfk again; int16."""
    x = np.concatenate([jfk_samples, silence(GROUP_GAP_MS / 1000 + 10), jfk_samples])
    pcm = np.clip(np.rint(x * 32767), -32768, 32767).astype(np.int16)
    return pcm, (len(jfk_samples) + len(silence(GROUP_GAP_MS / 1000 + 10))) * 1000 // 16000


def test_realign_words_reads_around_each_group_and_matches_the_whole_file(jfk_samples):
    pcm, offset = _jfk_twice(jfk_samples)
    doc = Document([Segment(300, 7700, JFK), Segment(offset + 300, offset + 7700, JFK)])
    job = prepare_realign(doc, [s.id for s in doc], "en")
    windowed = realign_words(job, pcm, 16000)
    whole = compute_alignment(job, pcm.astype(np.float32) / 32768.0, 16000)
    assert set(windowed) == {s.id for s in doc}
    for sid in windowed:
        assert [w.text for w in windowed[sid]] == JFK.split()
        got = [(w.start, w.end) for w in windowed[sid]]
        want = [(w.start, w.end) for w in whole[sid]]
        assert max(abs(a - b) for g, h in zip(got, want, strict=True)
                   for a, b in zip(g, h, strict=True)) <= 40
    first, second = (windowed[s.id] for s in doc)
    # the same speech, once shifted: the second copy's words are the first's plus the offset
    assert all(abs((b.start - offset) - a.start) <= 60 for a, b in zip(first, second, strict=True))
    assert second[0].start > offset and first[-1].end < 11_000


def test_translation_items_audio_and_one_undo_step():
    doc = Document([Segment(0, 2000, "Hallo."), Segment(2000, 2000, "no time"),
                    Segment(3000, 5000, "  "), Segment(6000, 8000, "Tschüss.", language="de")],
                   meta={"language": "de"})
    items = prepare_translation(doc)
    assert [i.text for i in items] == ["Hallo.", "Tschüss."]
    assert [i.language for i in items] == ["de", "de"]
    assert [i.text for i in prepare_translation(doc, [doc[3].id])] == ["Tschüss."]
    n = apply_translations(doc, {doc[0].id: "Hello.", doc[3].id: "Bye.", "gone": "x"})
    assert n == 2 and [s.translation for s in doc] == ["Hello.", None, None, "Bye."]
    assert doc.history.undo_name == "Translate to English"
    doc.history.undo()
    assert not any(s.translation for s in doc)


def test_translate_keeps_what_finished_when_cancelled(whisper_base, jfk_samples):
    doc = Document([Segment(0, 2300, "And so my fellow Americans,", language="en"),
                    Segment(3000, 7700, "ask not what your country can do for you,", language="en")])
    cancel = CancelToken()
    seen = []

    def on_partial(sid: str, english: str) -> None:
        seen.append(sid)
        cancel.cancel()  # stop after the first segment

    result = translate_items(prepare_translation(doc), jfk_samples, 16000, engine=whisper_base,
                             cancel=cancel, on_partial=on_partial)
    assert result.cancelled and seen == [doc[0].id]
    assert list(result.translations) == [doc[0].id]
    assert "americans" in result.translations[doc[0].id].lower()
    edits.edit_text(doc, doc[0].id, "edited meanwhile")  # translation does not depend on it
    assert apply_translations(doc, result.translations) == 1


def test_an_english_only_model_cannot_translate(whisper_tiny_en, jfk_samples):
    from app.engines.errors import EngineError

    doc = Document([Segment(0, 2000, "And so")])
    with pytest.raises(EngineError, match="cannot translate"):
        translate_items(prepare_translation(doc), jfk_samples, engine=whisper_tiny_en)
