"""Repetition loops and prompt echoes, removed with a record of what went."""

from __future__ import annotations

from app.engines.textfix import collapse_repeats, strip_echo


def test_loop_collapsed_to_one_copy_with_punctuation_kept():
    text, removed = collapse_repeats("I think. I think. I think. I think. So we go.")
    assert text == "I think. So we go."
    assert removed == ["I think. I think. I think"]


def test_short_natural_repetition_stays():
    assert collapse_repeats("no, no, no") == ("no, no, no", [])
    assert collapse_repeats("very very good") == ("very very good", [])


def test_long_single_word_and_cjk_loops():
    assert collapse_repeats("go go go go go go go now")[0] == "go now"
    text, removed = collapse_repeats("哈哈哈哈哈哈哈哈")
    assert text == "哈" and removed == ["哈哈哈哈哈哈哈"]


def test_echo_of_prompt_removed_but_vocabulary_kept():
    context = "Glossary: Cueline Kubernetes Anthropic Claude Opus"
    text, removed = strip_echo("Cueline Kubernetes Anthropic Claude Opus, and then we talked.",
                               context)
    assert text == "and then we talked."
    assert removed == ["Cueline Kubernetes Anthropic Claude Opus,"]
    assert strip_echo("We talked about Claude.", context) == ("We talked about Claude.", [])
    assert strip_echo("Meeting notes.", "Meeting notes") == ("", ["Meeting notes."])
    assert strip_echo("anything", None) == ("anything", [])
