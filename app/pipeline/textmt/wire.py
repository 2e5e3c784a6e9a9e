"""What goes over the wire to an OpenAI-compatible chat server, and how a reply is read and
checked cue by cue (no network here: pure functions, tested on their own).

The request: a system message with the rules, and a user message holding one JSON object:
the languages, the glossary, a few cues before and after as context (marked not to be
translated), and the cues to translate, each with its number.  The reply is asked for as
JSON (``{"translations": [{"id": 12, "text": "..."}]}``) and read whatever the model wraps it
in: a code fence, a reasoning block (``<think>``), a bare list, an object keyed by number, or,
failing JSON altogether, numbered lines.

A reply is accepted only when it answers every cue asked for, once, and nothing else
(:func:`check_reply`).  A missing, extra or repeated number, an empty text, two cues given the
same text, or signs of a shift (a cue's numbers found in its neighbour's translation) or a
merge (one translation far longer than its share beside one far shorter) reject the whole
reply: a cue is never silently dropped or moved to its neighbour's place.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.subtitles.translation_rules import numbers

SYSTEM_PROMPT = (
    "You are a professional subtitle translator. Translate each subtitle cue from {source} "
    "into {target}. Translate every cue on its own and keep its meaning inside that cue: "
    "never merge, split, skip, add or reorder cues, and keep each cue's id. Keep names and "
    "numbers as they are, and use the glossary's translations for its terms (a term without "
    "a translation stays as it is). The cues in context_before and context_after are there "
    "to help you understand: do not translate them. Keep translations short enough to read "
    "as subtitles. Answer with JSON only, exactly in this form: "
    '{{"translations": [{{"id": <cue id>, "text": "<translation>"}}]}} '
    "with one entry for every id in cues and nothing else."
)
MERGE_RATIO = 2.2  # a translation this many times longer than its share of the batch...
SHORT_RATIO = 0.45  # ...next to one this many times shorter: two cues run together
MERGE_MIN_CHARS = 24  # below this, length ratios say nothing


class ReplyError(ValueError):
    """The model's answer could not be read as translations (its content, not the HTTP)."""


@dataclass(frozen=True)
class Cue:
    id: int  # the cue's number, as sent
    text: str


@dataclass(frozen=True)
class Batch:
    """One request's worth: the cues to translate and their neighbours as context."""

    cues: tuple[Cue, ...]
    before: tuple[tuple[str, str | None], ...] = ()  # (source, its translation if known)
    after: tuple[str, ...] = ()


def one_line(text: str) -> str:
    """A cue's text without its subtitle line breaks (the translation is laid out anew)."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def build_messages(batch: Batch, *, source: str, target: str,
                   glossary: Sequence[tuple[str, str | None]] = ()) -> list[dict[str, str]]:
    """The chat messages for ``batch``; ``source``/``target`` name the languages."""
    body: dict[str, Any] = {"source_language": source, "target_language": target}
    if glossary:
        body["glossary"] = [{"term": t, "translation": g or t} for t, g in glossary]
    if batch.before:
        body["context_before"] = [
            {"text": one_line(s), **({"translation": one_line(t)} if t else {})}
            for s, t in batch.before]
    body["cues"] = [{"id": c.id, "text": one_line(c.text)} for c in batch.cues]
    if batch.after:
        body["context_after"] = [{"text": one_line(s)} for s in batch.after]
    return [
        {"role": "system", "content": SYSTEM_PROMPT.format(source=source, target=target)},
        {"role": "user", "content": json.dumps(body, ensure_ascii=False)},
    ]


def chat_payload(model: str, messages: list[dict[str, str]], *, json_mode: bool = True,
                 temperature: float | None = 0.2) -> dict[str, Any]:
    payload: dict[str, Any] = {"model": model, "messages": messages, "stream": False}
    if temperature is not None:
        payload["temperature"] = temperature
    if json_mode:
        payload["response_format"] = {"type": "json_object"}
    return payload


def reply_content(data: Any) -> str:
    """The assistant's text in a chat completion; ``ReplyError`` when ``data`` is not one."""
    try:
        choice = data["choices"][0]
        message = choice.get("message") or {}
        content = message.get("content")
        if content is None and isinstance(choice.get("text"), str):  # a completions-style reply
            content = choice["text"]
    except (KeyError, IndexError, TypeError, AttributeError):
        raise ReplyError("not a chat completion (no choices[0].message)") from None
    if isinstance(content, list):  # content parts
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    if not isinstance(content, str):
        raise ReplyError("the chat completion holds no text")
    return content


# -- reading the model's answer -----------------------------------------------------------------
_THINK_RE = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_FENCE_RE = re.compile(r"```[a-zA-Z]*\s*\n?(.*?)```", re.DOTALL)
_LINE_RE = re.compile(r"^\s*(?:cue\s*)?(?:\[(\d{1,6})\]|\((\d{1,6})\)|#(\d{1,6})"
                      r"|(\d{1,6})\s*[.:)\-–])\s*[.:\-–]?\s*(.+?)\s*$", re.IGNORECASE)


def parse_translations(content: str) -> list[tuple[int, str]]:
    """The ``(id, text)`` pairs in a model's answer, in the order given (repeats kept, for
    :func:`check_reply` to see).  ``ReplyError`` when none can be read."""
    text = _THINK_RE.sub("", content or "").strip()
    if "<think>" in text.lower():  # an unclosed reasoning block: the answer follows it, if any
        text = text[text.lower().rindex("<think>") + 7:]
    candidates = [m.group(1) for m in _FENCE_RE.finditer(text)] + [text]
    for chunk in candidates:
        for value in _json_values(chunk):
            found = _pairs(value)
            if found is not None:
                return found
    pairs = []
    for line in text.splitlines():
        m = _LINE_RE.match(line)
        if m:
            number = next(g for g in m.groups()[:4] if g is not None)
            pairs.append((int(number), _unquote(m.group(5))))
    if pairs:
        return pairs
    shown = " ".join(text.split())[:80]
    raise ReplyError(f"no translations in the answer ({shown!r})" if shown else "an empty answer")


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _json_values(text: str):
    """Every JSON object or array that starts somewhere in ``text`` (first ones first)."""
    dec = json.JSONDecoder()
    for m in re.finditer(r"[\[{]", text):
        try:
            value, _end = dec.raw_decode(text, m.start())
        except ValueError:
            continue
        yield value


def _pairs(value: Any) -> list[tuple[int, str]] | None:
    """The pairs in one JSON value: a list (perhaps empty) when it has the shape of an
    answer, None when it does not."""
    if isinstance(value, dict):
        for key in ("translations", "cues", "items", "results", "data", "subtitles"):
            if isinstance(value.get(key), (list, dict)):
                return _pairs(value[key])
        if value and all(_as_id(k) is not None for k in value):  # {"12": "text", ...}
            out = []
            for k, v in value.items():
                text = _text_of(v)
                if text is None:
                    return None
                out.append((_as_id(k), text))
            return out  # type: ignore[return-value]
        if "id" in value and _text_of(value) is not None:  # a single object
            return _pairs([value])
        return [] if not value else None
    if isinstance(value, list):
        pairs: list[tuple[int, str]] = []
        for item in value:
            if not isinstance(item, dict):
                return None
            cid = _as_id(item.get("id", item.get("cue", item.get("number"))))
            text = _text_of(item)
            if cid is None or text is None:
                return None
            pairs.append((cid, text))
        return pairs
    return None


def _as_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _text_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("text", "translation", "translated", "target"):
            if isinstance(value.get(key), str):
                return value[key]
    return None


# -- checking it cue by cue ---------------------------------------------------------------------
@dataclass(frozen=True)
class Checked:
    """A reply held against the cues asked for."""

    translations: dict[int, str]  # every cue asked for, when the reply is accepted
    problem: str | None = None  # why the reply was rejected (None: accepted)

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_reply(batch: Batch, pairs: Sequence[tuple[int, str]]) -> Checked:
    """Accept ``pairs`` only if they answer each cue of ``batch`` once (see the module doc)."""
    asked = [c.id for c in batch.cues]
    got: dict[int, str] = {}
    repeated = []
    for cid, text in pairs:
        if cid in got:
            repeated.append(cid)
        got[cid] = text.strip()
    missing = [i for i in asked if i not in got]
    extra = sorted(i for i in got if i not in set(asked))
    problems = []
    if missing:
        problems.append(f"no translation for cue{_s(missing)} {_ids(missing)}")
    if extra:
        problems.append(f"cue{_s(extra)} {_ids(extra)} not asked for")
    if repeated:
        problems.append(f"cue{_s(repeated)} {_ids(repeated)} answered twice")
    empty = [i for i in asked if i in got and not got[i]]
    if empty:
        problems.append(f"an empty translation for cue{_s(empty)} {_ids(empty)}")
    if problems:
        return Checked({}, "; ".join(problems))
    texts = {i: got[i] for i in asked}
    suspicion = _shifted_or_merged(batch, texts)
    if suspicion:
        return Checked({}, suspicion)
    return Checked(texts)


def _shifted_or_merged(batch: Batch, texts: dict[int, str]) -> str | None:
    cues = batch.cues
    src = {c.id: one_line(c.text) for c in cues}
    seen: dict[str, int] = {}
    for c in cues:
        t = texts[c.id].casefold()
        if t in seen and src[seen[t]].casefold() != src[c.id].casefold():
            return f"cues {seen[t]} and {c.id} got the same translation"
        seen.setdefault(t, c.id)
    for k, c in enumerate(cues):
        mine, theirs = numbers(src[c.id]), numbers(texts[c.id])
        if not mine or mine == theirs:
            continue
        for j in (k - 1, k + 1):
            if 0 <= j < len(cues) and numbers(texts[cues[j].id]) == mine \
                    and numbers(src[cues[j].id]) != mine:
                return f"the numbers of cue {c.id} are in the translation of cue {cues[j].id}"
    if len(cues) >= 3:
        ratios = [len(texts[c.id]) / max(1, len(src[c.id])) for c in cues]
        mid = statistics.median(ratios)
        for k, c in enumerate(cues):
            if ratios[k] > MERGE_RATIO * mid and len(texts[c.id]) >= MERGE_MIN_CHARS:
                for j in (k - 1, k + 1):
                    if 0 <= j < len(cues) and ratios[j] < SHORT_RATIO * mid:
                        return (f"the translation of cue {c.id} looks like two cues run "
                                f"together (cue {cues[j].id}'s is too short)")
    return None


def _s(ids: Sequence[int]) -> str:
    return "s" if len(ids) != 1 else ""


def _ids(ids: Sequence[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:6])
    return shown + (f" (+{len(ids) - 6})" if len(ids) > 6 else "")
