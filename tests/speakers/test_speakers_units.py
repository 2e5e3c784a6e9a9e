"""The parts of speaker detection that need no audio: clustering, word labels and splits,
names, the error measures, voice profiles on disk, and the speaker edits (undoable)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.core.document import Document
from app.core.model import OVERLAP, Segment, Word
from app.core.speaker_edits import apply_speakers, assign_to_speaker, merge_speakers
from app.engines import voice
from app.speakers import parse_count
from app.speakers.assign import names_by_appearance, smooth, split_segment
from app.speakers.cluster import cluster
from app.speakers.diarization import FRAME_MS, Diarization, plan_windows
from app.speakers.metrics import diarization_error, word_accuracy
from app.speakers.profiles import delete_profile, list_profiles, match_profiles, save_profile


def _voices(k: int, n: int, spread: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, 256))
    labels = np.repeat(np.arange(k), n)
    x = centres[labels] + rng.normal(scale=spread, size=(k * n, 256))
    return x, labels


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_clustering_finds_the_number_of_well_separated_voices(k):
    x, labels = _voices(k, 12, 0.5)
    found = cluster(x)
    assert len(set(found)) == k
    # the same grouping as the truth, up to names
    assert word_accuracy(labels.tolist(), found.tolist()) == 1.0


def test_clustering_to_a_given_number_and_tiny_groups_absorbed():
    x, _ = _voices(3, 10, 0.5)
    assert len(set(cluster(x, 2))) == 2
    stray = np.vstack([x, np.random.default_rng(9).normal(size=(1, 256))])
    assert len(set(cluster(stray))) == 3  # one odd window is not a fourth person
    assert cluster(np.zeros((0, 256))).size == 0


def test_windows_cover_the_speech():
    assert plan_windows([(0, 300)]) == []  # too short for a voice
    assert plan_windows([(0, 1000)]) == [(0, 1000)]
    w = plan_windows([(0, 3000)])
    assert w[0] == (0, 1600) and w[-1] == (1400, 3000) and all(b - a == 1600 for a, b in w)


def test_mel_spectrogram_matches_librosa():
    librosa = pytest.importorskip("librosa")
    x = np.random.default_rng(1).normal(scale=0.1, size=16000).astype(np.float32)
    ref = librosa.feature.melspectrogram(y=x, sr=16000, n_fft=400, hop_length=160, n_mels=40).T
    ours = voice.mel_spectrogram(x)
    assert ours.shape == ref.shape
    assert np.abs(ours - ref).max() <= 1e-5 * np.abs(ref).max()


def _diar(labels: list[int], k: int = 2, overlap: list[bool] | None = None) -> Diarization:
    lab = np.array(labels)
    scores = np.zeros((len(lab), k), np.float32)
    for i, v in enumerate(lab):
        if v >= 0:
            scores[i, v] = 1.0
    ov = np.array(overlap if overlap is not None else [False] * len(lab))
    return Diarization(k, [lab], [scores], [ov], np.eye(k, 256, dtype=np.float32))


def _seg(words: list[tuple[str, int, int]], **kw) -> Segment:
    ws = tuple(Word(t, a, b) for t, a, b in words)
    return Segment(ws[0].start, ws[-1].end, " ".join(t for t, _a, _b in words), ws, **kw)


def test_a_segment_is_split_between_words_where_the_speaker_changes():
    # frames of 100 ms: speaker 0 until 1 s, speaker 1 after
    d = _diar([0] * 10 + [1] * 10)
    seg = _seg([("Hello,", 0, 300), ("how", 350, 600), ("are", 650, 900),
                ("Fine.", 1100, 1500), ("Thanks!", 1550, 1900)], translation="x")
    seg = seg.replace(text="Hello,  how are\nFine. Thanks!")
    pieces = split_segment(seg, d, ["Ann", "Bob"])
    assert [p.text for p in pieces] == ["Hello,  how are", "Fine. Thanks!"]
    assert [p.speaker for p in pieces] == ["Ann", "Bob"]
    assert pieces[0].id == seg.id and pieces[1].id != seg.id
    assert (pieces[0].start, pieces[0].end, pieces[1].start, pieces[1].end) == (0, 900, 1100, 1900)
    assert pieces[0].translation == "x" and pieces[1].translation is None


def test_a_one_word_blip_does_not_split_a_sentence():
    assert smooth([0, 0, 1, 0, 0], [(i * 300, i * 300 + 250) for i in range(5)]) == [0] * 5
    assert smooth([0, 0, 1, 1, 1], [(i * 300, i * 300 + 250) for i in range(5)]) == [0, 0, 1, 1, 1]


def test_segments_without_words_and_overlap_flags():
    d = _diar([0] * 10 + [1] * 10, overlap=[False] * 10 + [True] * 10)
    a = split_segment(Segment(0, 900, "no words"), d, ["A", "B"])
    b = split_segment(Segment(1000, 2000, "both", flags=frozenset({OVERLAP})), d, ["A", "B"])
    c = split_segment(Segment(0, 900, "was", flags=frozenset({OVERLAP})), d, ["A", "B"])
    assert a[0].speaker == "A" and not a[0].has(OVERLAP)
    assert b[0].speaker == "B" and b[0].has(OVERLAP)
    assert not c[0].has(OVERLAP)  # detection again: the old flag goes
    assert d.turns() == [(0, 10 * FRAME_MS, 0), (10 * FRAME_MS, 20 * FRAME_MS, 1)]


def test_names_follow_first_appearance_and_profiles():
    d = _diar([-1, 1, 1, 0, 0])
    assert names_by_appearance(d) == ["Speaker 2", "Speaker 1"]
    assert names_by_appearance(d, given={0: "Maria"}) == ["Maria", "Speaker 1"]
    assert names_by_appearance(d, given={0: "Speaker 1"}) == ["Speaker 1", "Speaker 2"]


def test_diarization_error_rate_by_hand():
    ref = [(0, 1000, "a"), (1000, 2000, "b")]
    assert diarization_error(ref, [(0, 1000, "x"), (1000, 2000, "y")]).rate == 0.0
    der = diarization_error(ref, [(0, 1500, "x"), (1500, 2000, "y"), (2000, 2500, "y")])
    assert (der.missed_ms, der.false_alarm_ms, der.confusion_ms) == (0, 500, 500)
    assert der.rate == pytest.approx(0.5)
    assert der.mapping == {"x": "a", "y": "b"}
    over = diarization_error([(0, 1000, "a"), (500, 1000, "b")], [(0, 1000, "x")])
    assert over.missed_ms == 500 and over.reference_ms == 1500
    assert word_accuracy(["a", "a", "b"], ["2", "2", "1"]) == 1.0
    assert word_accuracy(["a", "b"], [None, None]) == 0.0


def test_parse_count():
    assert parse_count("auto") is None and parse_count(None) is None and parse_count("3") == 3
    for bad in ("zero", "0", "99"):
        with pytest.raises(ValueError):
            parse_count(bad)


def test_voice_profiles_on_disk(isolated_voices):
    v = np.zeros(256, np.float32)
    v[0] = 1
    p = save_profile("Maria Host", v, 30.0)
    assert (isolated_voices / f"{p.id}.npy").is_file()
    meta = json.loads((isolated_voices / f"{p.id}.json").read_text())
    assert meta["name"] == "Maria Host" and meta["speech_s"] == 30.0
    w = np.zeros(256, np.float32)
    w[1] = 1
    again = save_profile("Maria Host", w, 10.0)  # the same name: averaged in, by speech time
    assert again.id == p.id and again.speech_s == 40.0
    assert again.embedding[0] > again.embedding[1] > 0
    assert [x.name for x in list_profiles()] == ["Maria Host"]
    (isolated_voices / "junk.json").write_text("{not json")
    assert len(list_profiles()) == 1  # damaged files are skipped
    voices = np.stack([w, v])
    assert match_profiles(voices, list_profiles()) == {1: "Maria Host"}
    assert match_profiles(voices * 0 + 1 / 16, list_profiles()) == {}
    assert delete_profile(p.id) and list_profiles() == []
    with pytest.raises(ValueError):
        save_profile("  ", v)


def test_speaker_edits_are_single_undo_steps():
    a = Segment(0, 1000, "one two", (Word("one", 0, 400), Word("two", 500, 1000)), speaker="A")
    b = Segment(1000, 2000, "three", speaker="B")
    doc = Document([a, b])
    before = doc.snapshot()
    left = a.replace(end=400, text="one", words=(a.words[0],), speaker="Speaker 1")
    right = Segment(500, 1000, "two", (a.words[1],), speaker="Speaker 2")
    n = apply_speakers(doc, {a.id: [left, right], b.id: [b.replace(speaker="Speaker 1")]})
    assert n == 3 and [s.speaker for s in doc] == ["Speaker 1", "Speaker 2", "Speaker 1"]
    doc.check()
    doc.history.undo()
    assert doc.snapshot() == before
    doc.history.redo()
    assert merge_speakers(doc, ["Speaker 2"], "Speaker 1") == 1
    assert doc.speakers() == ["Speaker 1"]
    assert assign_to_speaker(doc, [doc[0].id, "gone"], "Ann") == 1
    assert [s.speaker for s in doc] == ["Ann", "Speaker 1", "Speaker 1"]
    doc.history.undo()
    doc.history.undo()
    assert doc.speakers() == ["Speaker 1", "Speaker 2"]


def test_detection_skips_segments_edited_meanwhile():
    a = Segment(0, 1000, "one two", (Word("one", 0, 400), Word("two", 500, 1000)))
    doc = Document([a])
    from app.core import edits

    edits.edit_text(doc, a.id, "one two three")
    left = a.replace(end=400, text="one", words=(a.words[0],), speaker="S1")
    right = Segment(500, 1000, "two", (a.words[1],), speaker="S2")
    apply_speakers(doc, {a.id: [left, right], "gone": [right]})
    assert len(doc) == 1 and doc[0].text == "one two three" and doc[0].speaker == "S1"
