"""Fix common errors: each rule on the texts it must change and the ones it must leave, and
applying the chosen fixes as one undo step."""

from __future__ import annotations

import pytest

from app.core.document import Document
from app.core.model import Segment
from app.subtitles import load_profile
from app.subtitles.fixes import (
    DEFAULT_RULES,
    DIALOGUE_DASHES,
    DOUBLE_SPACES,
    HEARING_IMPAIRED,
    MISSING_SPACE_AFTER,
    REBALANCE_LINES,
    REPEATED_WORDS,
    SPACE_BEFORE_PUNCTUATION,
    apply_fixes,
    find_fixes,
    fix_dialogue_dashes,
    fix_double_spaces,
    fix_hearing_impaired,
    fix_missing_space_after,
    fix_rebalance_lines,
    fix_repeated_words,
    fix_space_before_punctuation,
)

NETFLIX = load_profile("netflix-en")


@pytest.mark.parametrize("before, after", [
    ("Hello  world.", "Hello world."),
    ("Hello   there,\u00a0 friend.", "Hello there, friend."),
    ("Trailing  \nspaces here ", "Trailing\nspaces here"),
    ("Fine as it is.", "Fine as it is."),
])
def test_double_spaces(before, after):
    assert fix_double_spaces(before) == after


@pytest.mark.parametrize("before, after, lang", [
    ("Hello , world !", "Hello, world!", "en"),
    ("Really ?\nYes .", "Really?\nYes.", "en"),
    ("Wait …", "Wait…", "en"),
    ("Vraiment ? Oui , bien sûr !", "Vraiment ? Oui, bien sûr !", "fr"),
    ("It costs 5 .", "It costs 5.", "en"),
    ("Yes - no, .5 is less", "Yes - no, .5 is less", "en"),  # a dash, a decimal: left alone
    ("A list: a ... b", "A list: a ... b", "en"),
])
def test_space_before_punctuation(before, after, lang):
    assert fix_space_before_punctuation(before, language=lang) == after


@pytest.mark.parametrize("before, after", [
    ("Yes,sir.", "Yes, sir."),
    ("Stop!Now?Why;because", "Stop! Now? Why; because"),
    ("It ended.Then it began.", "It ended. Then it began."),
    ("Well...maybe", "Well... maybe"),
    ("Note:this", "Note: this"),
    # left alone: decimals, thousands, times, abbreviations, initials, web addresses
    ("Pi is 3.14, not 3,000.", "Pi is 3.14, not 3,000."),
    ("Meet at 10:30 sharp.", "Meet at 10:30 sharp."),
    ("See e.g. the U.S.A. report.", "See e.g. the U.S.A. report."),
    ("Go to www.example.com now,ok", "Go to www.example.com now, ok"),
    ("Visit https://cueline.org/a,b today", "Visit https://cueline.org/a,b today"),
])
def test_missing_space_after(before, after):
    assert fix_missing_space_after(before) == after


@pytest.mark.parametrize("before, after", [
    ("I saw the the dog.", "I saw the dog."),
    ("It is is IS fine.", "It is fine."),
    ("The theory holds.", "The theory holds."),
    ("He had had enough.", "He had had enough."),  # English grammar
    ("Bye bye", "Bye"),
])
def test_repeated_words(before, after):
    assert fix_repeated_words(before, language="en") == after


@pytest.mark.parametrize("before, after", [
    ("- Hi.\nHello.", "- Hi.\n- Hello."),
    ("Hi.\n-Hello.", "-Hi.\n-Hello."),
    ("- Hi.\n- Hello.", "- Hi.\n- Hello."),
    ("- Just one speaker.", "Just one speaker."),
    ("- ask what you can do\nfor your country.", "ask what you can do\nfor your country."),
    ("I said\n- hello.", "I said\nhello."),
    ("- Who?\nMe!", "- Who?\n- Me!"),
    ("No dashes\nat all.", "No dashes\nat all."),
    ("-5 degrees outside.", "-5 degrees outside."),  # a minus sign, not a dash
])
def test_dialogue_dashes(before, after):
    assert fix_dialogue_dashes(before) == after


@pytest.mark.parametrize("before, after", [
    ("[door slams] Who's there?", "Who's there?"),
    ("JOHN: Come here.\n(whispering) Quiet.", "Come here.\nQuiet."),
    ("- [laughs]\n- That's funny.", "That's funny."),
    ("(SIGHS)", ""),
    ("Nothing to remove.", "Nothing to remove."),
])
def test_hearing_impaired(before, after):
    assert fix_hearing_impaired(before) == after


def test_rebalance_lines():
    assert fix_rebalance_lines("Short\ntext.", NETFLIX) == "Short text."
    long_line = "This line is far too long to fit on a single subtitle line at all."
    out = fix_rebalance_lines(long_line, NETFLIX)
    assert "\n" in out and all(len(x) <= 42 for x in out.split("\n"))
    uneven = "A\nvery uneven pair of lines that goes on and on."
    assert fix_rebalance_lines(uneven, NETFLIX).count("\n") == 1
    assert fix_rebalance_lines(uneven, NETFLIX) != uneven
    balanced = "A well balanced first line\nand its second line here."
    assert fix_rebalance_lines(balanced, NETFLIX) == balanced
    dialogue = "- Yes.\n- No."
    assert fix_rebalance_lines(dialogue, NETFLIX) == dialogue
    assert fix_rebalance_lines("Short\ntext.", None) == "Short\ntext."


def test_find_fixes_lists_each_rule_in_order_and_hi_is_off_by_default():
    segs = [Segment(0, 1000, "[music]  I saw the the dog ,ok"), Segment(1000, 2000, "Clean.")]
    fixes = find_fixes(segs, DEFAULT_RULES, NETFLIX)
    assert [f.rule for f in fixes] == [DOUBLE_SPACES, SPACE_BEFORE_PUNCTUATION, MISSING_SPACE_AFTER,
                                       REPEATED_WORDS]
    assert fixes[0].before == segs[0].text and fixes[-1].after == "[music] I saw the dog, ok"
    assert fixes[1].before == fixes[0].after  # each rule works on the previous one's result
    assert all(f.index == 0 for f in fixes)
    with_hi = find_fixes(segs, DEFAULT_RULES + (HEARING_IMPAIRED,), NETFLIX)
    assert with_hi[0].rule == HEARING_IMPAIRED
    assert with_hi[-1].after == "I saw the dog, ok"


def test_apply_fixes_is_one_undo_step_and_skips_unchosen_rules():
    a = Segment(0, 1000, "I saw the the dog ,ok")
    b = Segment(1000, 2000, "(laughs)")
    c = Segment(2000, 3000, "- Hi.\nHello.")
    doc = Document([a, b, c])
    before = doc.snapshot()
    fixes = find_fixes(doc.segments, DEFAULT_RULES + (HEARING_IMPAIRED,), NETFLIX)
    chosen = [f for f in fixes if f.rule != REPEATED_WORDS]
    assert apply_fixes(doc, chosen, NETFLIX) == 3
    assert [s.text for s in doc] == ["I saw the the dog, ok", "- Hi.\n- Hello."]
    assert doc.history.undo_name == "Fix common errors"
    doc.history.undo()
    assert doc.snapshot() == before
    assert not doc.history.can_undo


def test_apply_fixes_keeps_word_times_of_unchanged_words():
    from app.core.words import distribute

    text = "I saw the the dog."
    seg = Segment(0, 2000, text, tuple(distribute(text.split(), 0, 2000, estimated=False)))
    doc = Document([seg])
    apply_fixes(doc, find_fixes(doc.segments, [REPEATED_WORDS]))
    new = doc[0]
    assert new.text == "I saw the dog."
    assert [w.text for w in new.words] == ["I", "saw", "the", "dog."]
    assert new.words[0] == seg.words[0]


def test_rebalance_is_listed_for_a_cue_that_needs_it():
    fixes = find_fixes([Segment(0, 3000, "Short\ntext.")], [REBALANCE_LINES, DIALOGUE_DASHES], NETFLIX)
    assert [(f.rule, f.after) for f in fixes] == [(REBALANCE_LINES, "Short text.")]
