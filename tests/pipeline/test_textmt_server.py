"""The chat API contract, against a fake OpenAI-compatible server running as its own process
(tests/fake_chat_server.py): batches with context and glossary, replies that do not match
their cues, timeouts, server errors and recovery, a refused port, nonsense, the key, cancel."""

from __future__ import annotations

import threading
import time

import pytest

from app.core.cancel import CancelToken
from app.core.document import Document
from app.core.model import TR_APPROVED, TR_EDITED, TR_MACHINE, Segment
from app.core.translation import approve
from app.pipeline.textmt import (
    ChatError,
    ServerConfig,
    api_key_for,
    apply_text_translations,
    plan_from_texts,
    prepare_text_translation,
    translate_text,
)
from app.pipeline.textmt.client import check_base_url
from app.pipeline.textmt.secrets import ApiKey, SecretError
from tests.chat_server import free_port

TEXTS = [f"Satz Nummer {i} ist hier." if i % 5 else f"Kurz {i}." for i in range(1, 31)]


def config(chat, **kw) -> ServerConfig:
    kw.setdefault("timeout_s", 5.0)
    kw.setdefault("backoff_s", 0.01)
    return ServerConfig(chat.url, chat.model, **kw)


def run(chat, texts=TEXTS, *, batch=12, context=3, glossary=(), parallel=1, **kw):
    job = plan_from_texts(texts, "en", source_language="de", glossary=glossary)
    return job, translate_text(job, config(chat, **kw), batch_size=batch, context=context,
                               parallel=parallel)


def assert_all_exact(result, texts=TEXTS):
    """Every cue translated, each with its own text (upper case): nothing dropped or moved."""
    assert result.error is None and not result.failed
    assert result.translations == {str(i): t.upper() for i, t in enumerate(texts)}


def test_batches_carry_numbered_cues_with_context_and_glossary(chat):
    job, result = run(chat, glossary=[("Bundestag", None), ("Satz", "sentence")])
    assert_all_exact(result)
    reqs = chat.requests()
    assert [r["ids"] for r in reqs] == [list(range(1, 13)), list(range(13, 25)),
                                        list(range(25, 31))]
    second = reqs[1]
    body = second["body"]
    assert body["model"] == "fake-mt" and body["response_format"] == {"type": "json_object"}
    assert second["path"] == "/v1/chat/completions"
    r = second["request"]
    assert r["source_language"] == "German (de)" and r["target_language"] == "English (en)"
    assert r["glossary"] == [{"term": "Bundestag", "translation": "Bundestag"},
                             {"term": "Satz", "translation": "sentence"}]
    # the three cues before, with the translations the first batch brought back
    assert r["context_before"] == [{"text": TEXTS[i], "translation": TEXTS[i].upper()}
                                   for i in (9, 10, 11)]
    assert r["context_after"] == [{"text": TEXTS[i]} for i in (24, 25, 26)]
    assert "context_before" not in reqs[0]["request"] and "context_after" not in reqs[2]["request"]
    assert all(x["authorization"] is None for x in reqs)  # no key: none sent
    assert result.requests == 3 and result.rejected == []


@pytest.mark.parametrize("fault", [
    {"kind": "missing", "min_cues": 2},
    {"kind": "merge", "min_cues": 2},
    {"kind": "merge_empty", "min_cues": 2},
    {"kind": "shift_ids", "min_cues": 2},
    {"kind": "shift_texts", "min_cues": 2},
    {"kind": "extra", "min_cues": 2},
    {"kind": "duplicate", "min_cues": 2},
    {"kind": "malformed", "min_cues": 2},
])
def test_a_reply_that_does_not_match_is_asked_again_smaller_until_every_cue_is_exact(chat, fault):
    chat.control(faults=[{**fault, "ids": [7]}])
    _job, result = run(chat)
    assert_all_exact(result)
    assert result.rejected and all("asked again" in r for r in result.rejected)
    ids = [r["ids"] for r in chat.requests()]
    assert [7] in ids or any(7 in x and len(x) < 12 for x in ids)


def test_a_cue_that_never_gets_a_clean_answer_stays_untranslated_and_is_reported(chat):
    chat.control(faults=[{"kind": "missing", "ids": [7]}])  # cue 7 is always left out
    _job, result = run(chat)
    assert result.error is None
    assert set(result.failed) == {"6"} and "no translation for cue 7" in result.failed["6"]
    assert "6" not in result.translations
    expected = {str(i): t.upper() for i, t in enumerate(TEXTS) if i != 6}
    assert result.translations == expected  # the neighbours are their own, not shifted
    assert result.rejected[-1] == "cue 7: no translation for cue 7: left untranslated"
    assert sum(1 for r in chat.requests() if r["ids"] == [7]) == 2


@pytest.mark.parametrize("kind", ["fenced", "numbered", "keyed"])
def test_answers_wrapped_in_prose_fences_or_other_shapes_are_read(chat, kind):
    chat.control(faults=[{"kind": kind}])
    _job, result = run(chat)
    assert_all_exact(result)


def test_server_errors_are_retried_with_backoff_until_it_recovers(chat):
    chat.control(faults=[{"kind": "status", "status": 500, "times": 2},
                         {"kind": "status", "status": 429, "retry_after": 0, "times": 1}])
    _job, result = run(chat)
    assert_all_exact(result)
    assert result.retries == 3 and result.requests == 6


def test_a_server_that_keeps_failing_stops_the_run_with_its_message_keeping_what_was_done(chat):
    chat.control(faults=[{"kind": "status", "status": 503, "ids": [20],
                          "message": "model overloaded"}])
    _job, result = run(chat, retries=2)
    assert result.error.endswith("answered 503: model overloaded")
    assert chat.url in result.error
    assert len(result.translations) == 12 and result.requests == 1 + 3


def test_a_slow_reply_hits_the_timeout_and_is_waited_for_once_more(chat):
    chat.control(faults=[{"kind": "slow", "delay_s": 3, "times": 1}])
    _job, result = run(chat, timeout_s=0.5)
    assert_all_exact(result)
    assert result.retries == 1


def test_a_server_too_slow_every_time_is_a_clear_error(chat):
    chat.control(faults=[{"kind": "slow", "delay_s": 3}])
    t0 = time.monotonic()
    _job, result = run(chat, timeout_s=0.4)
    assert result.error == (f"the translation server at {chat.url} took longer than 0.4 s "
                            "to answer")
    assert time.monotonic() - t0 < 3
    assert not result.translations


def test_a_refused_port_is_a_clear_error_quickly():
    url = f"http://127.0.0.1:{free_port()}/v1"
    job = plan_from_texts(TEXTS, "en")
    t0 = time.monotonic()
    result = translate_text(job, ServerConfig(url, "m", backoff_s=0.01, retries=2))
    assert result.error == (f"cannot reach the translation server at {url} "
                            "(connection refused): is it running?")
    assert time.monotonic() - t0 < 3 and result.requests == 3


def test_a_connection_closed_without_an_answer_is_retried(chat):
    chat.control(faults=[{"kind": "drop", "times": 1}])
    _job, result = run(chat)
    assert_all_exact(result)
    assert result.retries == 1


def test_a_web_page_instead_of_a_chat_completion_is_nonsense(chat):
    chat.control(faults=[{"kind": "html"}])
    _job, result = run(chat)
    assert result.error.startswith(f"the server at {chat.url} does not answer like an "
                                   "OpenAI-compatible chat server (its answer starts "
                                   "'<!DOCTYPE html>")
    assert result.requests == 1


def test_a_model_that_never_answers_with_translations_stops_the_run(chat):
    chat.control(faults=[{"kind": "prose"}])
    _job, result = run(chat)
    assert "does not answer with the translations asked for" in result.error
    assert "cooking recipes" in result.error
    assert not result.translations and result.requests == 3


def test_an_unknown_model_is_named(chat):
    job = plan_from_texts(TEXTS[:3], "en")
    result = translate_text(job, ServerConfig(chat.url, "llama9", backoff_s=0.01))
    assert result.error == (f"the translation server at {chat.url} answered 404: no chat "
                            f"endpoint at {chat.url}/chat/completions, or no model 'llama9' "
                            "there: model 'llama9' not found")


def test_a_server_that_refuses_json_mode_is_asked_without_it(chat):
    chat.control(faults=[{"kind": "reject_json_mode"}])
    _job, result = run(chat)
    assert_all_exact(result)
    bodies = [r["body"] for r in chat.requests()]
    assert "response_format" in bodies[0]
    assert all("response_format" not in b for b in bodies[1:])


def test_the_key_is_sent_as_a_bearer_token_and_never_shown(chat, monkeypatch):
    secret = "sk-test-0123456789abcdefSECRET"
    monkeypatch.setenv("CUELINE_TRANSLATE_API_KEY", secret)
    key = api_key_for(chat.url)
    assert key.source == "CUELINE_TRANSLATE_API_KEY" and secret not in repr(key) + str(key)
    _job, result = run(chat, texts=TEXTS[:3], api_key=key)
    assert chat.requests()[0]["authorization"] == f"Bearer {secret}"
    chat.control(faults=[{"kind": "echo_key"}])
    _job, result = run(chat, texts=TEXTS[:3], api_key=key)
    assert "answered 401 (the key was refused)" in result.error
    assert secret not in result.error and "0123456789abcdef" not in result.error
    assert secret not in repr(config(chat, api_key=key))


def test_an_openai_key_goes_to_openai_only(monkeypatch):
    monkeypatch.delenv("CUELINE_TRANSLATE_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    monkeypatch.setattr("app.pipeline.textmt.secrets.keyring_get", lambda url: None)
    assert api_key_for("http://gpu-box:8000/v1") is None
    assert api_key_for("https://api.openai.com/v1").source == "OPENAI_API_KEY"
    with pytest.raises(SecretError, match="MY_KEY"):
        api_key_for("http://x/v1", key_env="MY_KEY")
    monkeypatch.setenv("MY_KEY", "abc")
    assert api_key_for("http://x/v1", key_env="MY_KEY") == ApiKey("MY_KEY", "abc")


def test_a_missing_key_is_explained(chat):
    chat.control(faults=[{"kind": "status", "status": 401, "message": "no key"}])
    _job, result = run(chat, texts=TEXTS[:2])
    assert "answered 401 (it needs an API key: set CUELINE_TRANSLATE_API_KEY" in result.error


def test_cancel_closes_the_connection_at_once_and_keeps_what_was_done(chat):
    chat.control(faults=[{"kind": "slow", "delay_s": 20, "ids": [13]}])
    token = CancelToken()
    job = plan_from_texts(TEXTS, "en")
    done = []

    def watch(p):
        done.append(p.done)
        if p.done >= 12:
            threading.Timer(0.3, token.cancel).start()

    t0 = time.monotonic()
    result = translate_text(job, config(chat, timeout_s=60), cancel=token, progress=watch)
    assert time.monotonic() - t0 < 5
    assert result.cancelled and len(result.translations) == 12
    deadline = time.monotonic() + 5
    while chat.disconnects() < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert chat.disconnects() == 1  # the server saw the client go
    assert done[0] == 0 and 12 in done


def test_parallel_requests_give_the_same_result(chat):
    _job, result = run(chat, batch=4, parallel=3)
    assert_all_exact(result)
    assert len(chat.requests()) == 8


@pytest.mark.parametrize("url", ["localhost:11434", "ftp://x/v1", ""])
def test_a_url_that_is_no_http_address_is_refused(url):
    with pytest.raises(ChatError, match="not an http"):
        check_base_url(url)


def test_a_pasted_endpoint_is_taken_back_to_its_base():
    assert check_base_url("http://localhost:11434/v1/chat/completions/") == \
        "http://localhost:11434/v1"


def test_document_job_translates_what_needs_it_and_applies_as_one_undo_step(chat):
    segs = [Segment(0, 1000, "Eins."), Segment(1000, 2000, "Zwei.", translation="Two!",
                                                translation_state=TR_EDITED),
            Segment(2000, 3000, "Drei.", translation="Three."), Segment(3000, 4000, ""),
            Segment(4000, 5000, "Vier.")]
    doc = Document(segs)
    approve(doc, [segs[2].id])
    job = prepare_text_translation(doc, "en")
    assert [job.items[i].seg_id for i in job.todo] == [segs[0].id, segs[4].id]
    result = translate_text(job, config(chat))
    assert [r["ids"] for r in chat.requests()] == [[1, 5]]
    steps = len(doc.history)
    applied = apply_text_translations(doc, job, result)
    assert applied.changed == 2 and len(doc.history) == steps + 1
    assert [s.translation for s in doc] == ["EINS.", "Two!", "Three.", None, "VIER."]
    assert [s.translation_status for s in doc] == [TR_MACHINE, TR_EDITED, TR_APPROVED, "none",
                                                   TR_MACHINE]
    assert doc.meta["translation_language"] == "en"
    doc.history.undo()
    assert doc[0].translation is None and "translation_language" not in doc.meta
    # asked to, a person's edits are translated again too
    again = prepare_text_translation(doc, "en", redo_reviewed=True)
    assert len(again.todo) == 4
