"""The speed benchmark's WER arithmetic (packaging/bench/bench_transcribe.py): the per-sentence
errors add up to the WER, and the paired bootstrap's interval excludes 0 only for a difference
that the choice of sentences cannot explain.  Issue 14's WER verdicts are read from these."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "packaging" / "bench"
sys.path.insert(0, str(BENCH))

import jiwer  # noqa: E402
from bench_transcribe import normalise, sentence_errors, wer_difference  # noqa: E402

REFERENCE = ("The morning train left the station a few minutes after seven. Most of them read "
             "newspapers. A small child kept asking her mother about the cows. Nobody noticed "
             "the old man.")


def test_sentence_errors_sum_to_the_wer_and_land_in_their_sentence():
    hypothesis = ("The morning train left the nation a few minutes after seven. Most of them "
                  "read newspapers. A small child kept asking her mother about the cows. "
                  "Nobody noticed the old old man.")
    errors, words = sentence_errors(REFERENCE, hypothesis)
    assert words == [11, 5, 10, 5]
    assert errors == [1, 0, 0, 1]  # "nation" in the first sentence, "old" inserted in the last
    wer = jiwer.wer(normalise(REFERENCE), normalise(hypothesis))
    assert sum(errors) / sum(words) == pytest.approx(wer)


def test_interval_of_a_consistent_difference_excludes_zero():
    words = [10] * 200
    worse = [2] * 200   # two more errors in every sentence: 20 points worse, everywhere
    better = [0] * 200
    point, lo, hi = wer_difference(worse, better, words, resamples=500)
    assert point == pytest.approx(20.0)
    assert 0 < lo <= point <= hi


def test_interval_of_errors_that_trade_places_holds_zero():
    words = [10] * 200
    a = [1, 0] * 100  # the same number of errors, in different sentences
    b = [0, 1] * 100
    point, lo, hi = wer_difference(a, b, words, resamples=500)
    assert point == 0.0
    assert lo < 0 < hi


def test_normalise_ignores_case_punctuation_and_hyphens():
    assert normalise("Well-known, isn't it?  YES.") == "well known isn't it yes"
