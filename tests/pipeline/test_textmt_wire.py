"""The chat request and the reading of replies, without a network: what the model sees, the
shapes of answer that are understood, and the replies refused because they do not match."""

from __future__ import annotations

import json

import pytest

from app.pipeline.textmt.wire import (
    Batch,
    Cue,
    ReplyError,
    build_messages,
    chat_payload,
    check_reply,
    parse_translations,
    reply_content,
)

BATCH = Batch(
    cues=(Cue(4, "Morgen wird es regnen."), Cue(5, "Am Wochenende\nscheint die Sonne."),
          Cue(6, "Es kostet 12 Euro.")),
    before=(("Guten Tag.", "Good day."), ("Wie geht es?", None)),
    after=("Danke.",),
)
GOOD = [(4, "It will rain tomorrow."), (5, "The sun shines at the weekend."),
        (6, "It costs 12 euros.")]


def test_the_request_carries_numbered_cues_context_and_glossary():
    messages = build_messages(BATCH, source="German (de)", target="English (en)",
                              glossary=[("Bundestag", None), ("Rathaus", "town hall")])
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "German (de)" in messages[0]["content"] and "English (en)" in messages[0]["content"]
    body = json.loads(messages[1]["content"])
    assert body["cues"] == [{"id": 4, "text": "Morgen wird es regnen."},
                            {"id": 5, "text": "Am Wochenende scheint die Sonne."},  # one line
                            {"id": 6, "text": "Es kostet 12 Euro."}]
    assert body["context_before"] == [{"text": "Guten Tag.", "translation": "Good day."},
                                      {"text": "Wie geht es?"}]
    assert body["context_after"] == [{"text": "Danke."}]
    assert body["glossary"] == [{"term": "Bundestag", "translation": "Bundestag"},
                                {"term": "Rathaus", "translation": "town hall"}]
    payload = chat_payload("m", messages)
    assert payload["response_format"] == {"type": "json_object"} and payload["stream"] is False
    assert "response_format" not in chat_payload("m", messages, json_mode=False)


def answer(pairs):
    return json.dumps({"translations": [{"id": i, "text": t} for i, t in pairs]})


@pytest.mark.parametrize("content", [
    answer(GOOD),
    "```json\n" + answer(GOOD) + "\n```",
    "<think>ids {4, 5, 6}: {\"id\": 1}</think>\nSure:\n" + answer(GOOD),
    json.dumps([{"id": i, "translation": t} for i, t in GOOD]),
    json.dumps({str(i): t for i, t in GOOD}),
    json.dumps({"translations": {str(i): t for i, t in GOOD}}),
    "\n".join(f"{i}. {t}" for i, t in GOOD),
    "\n".join(f"[{i}] \"{t}\"" for i, t in GOOD),
])
def test_answers_are_read_in_the_shapes_models_give(content):
    assert parse_translations(content) == GOOD
    assert check_reply(BATCH, parse_translations(content)).translations == dict(GOOD)


@pytest.mark.parametrize("content", ["", "I cannot help with that.",
                                     'Sure! {"translations": [{"id": 4, "text": "It wi',
                                     "<think>still thinking"])
def test_unreadable_answers_raise(content):
    with pytest.raises(ReplyError):
        parse_translations(content)


@pytest.mark.parametrize("pairs, why", [
    (GOOD[:2], "no translation for cue 6"),
    (GOOD + [(7, "Thanks.")], "cue 7 not asked for"),
    ([GOOD[0], GOOD[1], GOOD[1], GOOD[2]], "cue 5 answered twice"),
    ([GOOD[0], (5, " "), GOOD[2]], "an empty translation for cue 5"),
    ([(5, GOOD[0][1]), (6, GOOD[1][1]), (7, GOOD[2][1])], "no translation for cue 4"),  # shifted ids
    ([GOOD[0], (5, GOOD[2][1]), (6, GOOD[2][1])], "the same translation"),  # shifted texts
    ([GOOD[0], (5, "It costs 12 euros."), (6, "Thank you very much.")],  # shifted up by one
     "the numbers of cue 6 are in the translation of cue 5"),
    ([(4, "It will rain tomorrow. The sun shines at the weekend, and it is warm."),
      (5, "Yes."), GOOD[2]], "two cues run together"),
])
def test_replies_that_do_not_match_the_cues_are_refused_whole(pairs, why):
    checked = check_reply(BATCH, pairs)
    assert not checked.ok and checked.translations == {}
    assert why in checked.problem


def test_a_matching_reply_with_cues_in_another_order_is_accepted():
    checked = check_reply(BATCH, list(reversed(GOOD)))
    assert checked.ok and checked.translations == dict(GOOD)


@pytest.mark.parametrize("data", [{}, {"choices": []}, {"choices": [{"message": {}}]},
                                  [1, 2], {"choices": [{"message": {"content": 5}}]}])
def test_what_is_not_a_chat_completion_is_refused(data):
    with pytest.raises(ReplyError):
        reply_content(data)


def test_content_parts_and_completion_text_are_read():
    assert reply_content({"choices": [{"message": {"content": [{"type": "text", "text": "a"},
                                                               {"type": "text", "text": "b"}]}}]}) == "ab"
    assert reply_content({"choices": [{"text": "plain"}]}) == "plain"
