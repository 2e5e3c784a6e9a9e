"""Checks for translations: untranslated and stale cues, numbers and names that differ, the
target text's length and reading speed; run by the checker when a document has translations."""

from __future__ import annotations

from app.core.model import TR_STALE, Segment
from app.subtitles import check, load_profile
from app.subtitles import translation_rules as tr

NETFLIX = load_profile("netflix-en")


def cue(start, end, text, translation=None, **kw):
    return Segment(start, end, text, translation=translation, **kw)


def rules(violations, seg_id=None):
    return sorted(v.rule for v in violations if seg_id is None or v.segment_id == seg_id)


def test_a_document_without_translations_gets_no_translation_checks():
    segs = [cue(0, 2000, "Guten Morgen."), cue(2500, 4500, "Wie geht es?")]
    assert not any(v.rule in tr.TRANSLATION_RULES for v in check(segs, NETFLIX))


def test_untranslated_and_stale_cues_are_reported_once_the_document_is_translated():
    segs = [cue(0, 2000, "Guten Morgen.", "Good morning."),
            cue(2500, 4500, "Wie geht es?"),
            cue(5000, 7000, "Danke.", "Thanks.", translation_state=TR_STALE),
            cue(7500, 8000, "")]  # nothing to translate
    found = check(segs, NETFLIX)
    assert rules(found, segs[0].id) == []
    assert rules(found, segs[1].id) == [tr.UNTRANSLATED]
    assert rules(found, segs[2].id) == [tr.STALE]
    assert not set(rules(found, segs[3].id)) & set(tr.TRANSLATION_RULES)
    assert [v.segment_index for v in found] == sorted(v.segment_index for v in found)


def test_numbers_must_match_whatever_the_separators():
    ok = cue(0, 4000, "Es kostet 1.000 Euro und 3,5 Prozent.", "It costs 1,000 euros and 3.5 percent.")
    bad = cue(5000, 9000, "Im Jahr 1990 waren es 12 Leute.", "In 1991 there were twelve people.")
    found = tr.translation_violations([ok, bad], NETFLIX)
    assert rules(found, ok.id) == []
    (v,) = [v for v in found if v.rule == tr.NUMBERS]
    assert v.segment_id == bad.id
    assert "12, 1990 not in the translation" in v.message and "1991 not in the source" in v.message


def test_names_kept_across_the_languages_must_appear_in_both():
    segs = [
        cue(0, 3000, "Gestern hat Kennedy in Berlin gesprochen.",
            "Yesterday Kennedy spoke in Berlin."),
        cue(3500, 6500, "Der Präsident sprach über die Sonne.",
            "The President spoke about the sun."),  # Präsident/President, Sonne: translated
        cue(7000, 10000, "Dann ist Kennedy nach Bonn gefahren.",
            "Then he went to Bonn."),  # Kennedy dropped
        cue(10500, 13000, "Er kam zurück.", "Kennedy came back."),  # a name the source lacks
    ]
    found = [v for v in tr.translation_violations(segs, NETFLIX) if v.rule == tr.NAMES]
    assert [v.segment_id for v in found] == [segs[2].id, segs[3].id]
    assert "Kennedy not in the translation" in found[0].message
    assert "Kennedy not in the source" in found[1].message
    assert "Kennedy" in tr.name_inventory(segs) and "Berlin" in tr.name_inventory(segs)
    assert not {"Präsident", "President", "Sonne", "Der", "The"} & tr.name_inventory(segs)


def test_a_possessive_still_counts_as_the_name():
    segs = [cue(0, 3000, "Das ist Kennedys Rede in Berlin.", "This is Kennedy's speech in Berlin.")]
    assert not [v for v in tr.translation_violations(segs, NETFLIX) if v.rule == tr.NAMES]


def test_glossary_terms_and_pairs():
    entries = tr.parse_glossary("Bundestag\nRathaus = town hall\n# a comment\nACME, Mustermann")
    assert entries == [("Bundestag", None), ("Rathaus", "town hall"), ("ACME", None),
                       ("Mustermann", None)]
    segs = [cue(0, 3000, "Der Bundestag tagt im Rathaus.", "Parliament meets in the city hall.")]
    found = [v.message for v in tr.translation_violations(segs, NETFLIX, entries)
             if v.rule == tr.GLOSSARY]
    assert found == ["glossary: 'Bundestag' should stay as it is in the translation",
                     "glossary: 'Rathaus' should be translated as 'town hall'"]


def test_target_length_lines_and_reading_speed_are_checked_on_the_translation_alone():
    long = "It will rain tomorrow, but at the weekend the sun will shine again."
    segs = [cue(0, 2000, "Morgen regnet es.", long),
            cue(3000, 9000, "Ja.", "Yes.\nYes.\nYes.")]
    found = tr.translation_violations(segs, NETFLIX)
    assert rules(found, segs[0].id) == [tr.TARGET_CPS, tr.TARGET_LINE_LENGTH]
    assert rules(found, segs[1].id) == [tr.TARGET_LINE_COUNT]
    cps = next(v for v in found if v.rule == tr.TARGET_CPS)
    assert cps.value > NETFLIX.max_cps and "translation reading speed" in cps.message
    # the source's own rules are its own: a short source is not flagged for the translation
    assert not [v for v in check(segs, NETFLIX) if v.segment_id == segs[0].id and v.rule == "cps"]


def test_translation_checks_can_be_forced_on_or_off():
    segs = [cue(0, 2000, "Guten Morgen.")]
    assert rules(check(segs, NETFLIX, translations=True)) == [tr.UNTRANSLATED]
    segs = [cue(0, 2000, "Guten Morgen.", "x" * 80)]
    assert not [v for v in check(segs, NETFLIX, translations=False) if v.rule in tr.TRANSLATION_RULES]
