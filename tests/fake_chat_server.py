"""A fake OpenAI-compatible chat server, run as its own process by the tests (and by
packaging/bench/bench_translate.py), to hold Cueline's translation client to the chat API.

    python tests/fake_chat_server.py [--port 0]      # prints "PORT <n>" when ready

It answers ``POST /v1/chat/completions`` (any prefix before ``/chat/completions``) by
"translating" the cues of Cueline's request deterministically: upper case by default, or from
a dictionary (a whole cue's text, else word by word).  What it does is set per test, over HTTP:

- ``POST /_control`` ``{"translate": "upper"|"dict", "dictionary": {...}, "faults": [...],
  "delay_s": 0}``: each fault is ``{"kind": ..., "ids": [...], "min_cues": n, "times": n,
  ...}``, applied to a request holding any of ``ids`` (any request without), with at least
  ``min_cues`` cues, at most ``times`` times.  Kinds: ``missing`` (drop a cue), ``merge`` (run
  a cue into the one before it and drop it), ``merge_empty`` (the same, leaving it empty),
  ``shift_ids`` (numbers moved up by one), ``shift_texts`` (texts moved up by one, the last
  repeated), ``extra``, ``duplicate``, ``malformed`` (JSON cut short), ``prose`` (no
  translations at all), ``html`` (a 200 that is a web page), ``status`` (``status``,
  ``retry_after``, ``message``), ``slow`` (``delay_s``, noticing a client that goes),
  ``fenced`` (a ``<think>`` block and a code fence around the JSON), ``numbered`` (numbered
  lines), ``keyed`` (an object keyed by number), ``reject_json_mode`` (400 when
  ``response_format`` is sent), ``echo_key`` (a 401 quoting the Authorization header),
  ``drop`` (closes the connection without answering);
- ``GET /_requests``: every chat request received (``body``, ``path``, ``authorization``,
  ``ids``, ``t``), and ``disconnects`` (clients that went while a slow answer was pending);
- ``POST /_reset``: forget requests and faults;
- ``GET /v1/models``: one model, ``fake-mt``.

It imports nothing from Cueline: it is the other side of the wire.
"""

from __future__ import annotations

import argparse
import json
import re
import select
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE_LOCK = threading.Lock()
STATE: dict = {}


def reset() -> None:
    with STATE_LOCK:
        STATE.clear()
        STATE.update({"translate": "upper", "dictionary": {}, "faults": [], "requests": [],
                      "disconnects": 0, "delay_s": 0.0, "model": "fake-mt"})


reset()


def translate(text: str) -> str:
    if STATE["translate"] == "dict":
        words = STATE["dictionary"]
        if text in words:  # a whole cue's translation
            return words[text]

        def swap(m: re.Match) -> str:
            w = m.group(0)
            out = words.get(w) or words.get(w.lower())
            if out is None:
                return w
            return out[:1].upper() + out[1:] if w[:1].isupper() else out

        return re.sub(r"\w+", swap, text)
    return text.upper()


def pick_fault(ids: list[int]) -> dict | None:
    with STATE_LOCK:
        for f in STATE["faults"]:
            if f.get("times") is not None and f["times"] <= 0:
                continue
            if f.get("ids") and not set(f["ids"]) & set(ids):
                continue
            if len(ids) < f.get("min_cues", 0):
                continue
            if f.get("times") is not None:
                f["times"] -= 1
            return dict(f)
    return None


def target_id(fault: dict, ids: list[int]) -> int:
    """The cue a fault hits: the first of its ``ids`` in the request, else the middle one."""
    for i in fault.get("ids") or ():
        if i in ids:
            return i
    return ids[len(ids) // 2]


def answer_items(cues: list[dict], fault: dict | None) -> list[tuple[int, str]]:
    items = [(c["id"], translate(c["text"])) for c in cues]
    if not fault or not items:
        return items
    ids = [i for i, _ in items]
    kind = fault["kind"]
    k = ids.index(target_id(fault, ids))
    if kind == "missing":
        del items[k]
    elif kind in ("merge", "merge_empty") and k > 0:
        items[k - 1] = (items[k - 1][0], items[k - 1][1] + " " + items[k][1])
        if kind == "merge":
            del items[k]
        else:
            items[k] = (items[k][0], "")
    elif kind == "shift_ids":
        items = [(i + 1 if n >= k else i, t) for n, (i, t) in enumerate(items)]
    elif kind == "shift_texts":
        texts = [t for _, t in items]
        texts = texts[:k] + texts[k + 1:] + [texts[-1]]
        items = [(i, t) for (i, _), t in zip(items, texts, strict=True)]
    elif kind == "extra":
        items.append((max(ids) + 1, "AN EXTRA CUE"))
    elif kind == "duplicate":
        items.insert(k + 1, items[k])
    return items


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, Nagle's algorithm and the
        # client's delayed ACK hold every answer back 40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # -- helpers ------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, ctype: str = "application/json",
              headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj, headers: dict | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), headers=headers)

    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _client_gone(self) -> bool:
        try:
            r, _, _ = select.select([self.connection], [], [], 0)
            return bool(r) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _wait(self, seconds: float) -> bool:
        """Sleep, noticing a client that closes the connection (True: it went)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self._client_gone():
                with STATE_LOCK:
                    STATE["disconnects"] += 1
                return True
            time.sleep(0.02)
        return False

    # -- routes -------------------------------------------------------------------------------
    def do_GET(self):  # noqa: N802
        if self.path == "/_requests":
            with STATE_LOCK:
                self._json(200, {"requests": STATE["requests"], "disconnects": STATE["disconnects"]})
        elif self.path.endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": STATE["model"], "object": "model"}]})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self):  # noqa: N802
        raw = self._body()
        if self.path == "/_control":
            conf = json.loads(raw or b"{}")
            with STATE_LOCK:
                for key in ("translate", "dictionary", "faults", "delay_s", "model"):
                    if key in conf:
                        STATE[key] = conf[key]
            self._json(200, {"ok": True})
            return
        if self.path == "/_reset":
            reset()
            self._json(200, {"ok": True})
            return
        if not self.path.endswith("/chat/completions"):
            self._json(404, {"error": {"message": f"no route {self.path}"}})
            return
        self._chat(raw)

    def _chat(self, raw: bytes) -> None:
        try:
            body = json.loads(raw)
            user = next(m["content"] for m in body["messages"] if m["role"] == "user")
            request = json.loads(user)
            cues = request["cues"]
        except (ValueError, KeyError, StopIteration, TypeError):
            self._json(400, {"error": {"message": "not a request this fake understands"}})
            return
        ids = [c["id"] for c in cues]
        with STATE_LOCK:
            STATE["requests"].append({"path": self.path, "body": body, "request": request,
                                      "ids": ids, "t": time.time(),
                                      "authorization": self.headers.get("Authorization")})
            delay = float(STATE["delay_s"] or 0)
            model = STATE["model"]
        if body.get("model") != model:
            self._json(404, {"error": {"message": f"model '{body.get('model')}' not found"}})
            return
        fault = pick_fault(ids)
        kind = fault["kind"] if fault else None
        if delay and self._wait(delay):
            return
        if kind == "reject_json_mode":
            if "response_format" in body:
                self._json(400, {"error": {"message": "response_format is not supported"}})
                return
            fault = kind = None
        if kind == "slow":
            if self._wait(float(fault.get("delay_s", 5))):
                return
        if kind == "status":
            headers = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else None
            self._json(int(fault.get("status", 500)),
                       {"error": {"message": fault.get("message", "fake failure")}}, headers)
            return
        if kind == "echo_key":
            self._json(401, {"error": {"message": f"invalid key: {self.headers.get('Authorization')}"}})
            return
        if kind == "drop":
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if kind == "html":
            self._send(200, b"<!DOCTYPE html><html><body>Captive portal: log in</body></html>",
                       "text/html")
            return
        items = answer_items(cues, fault)
        if kind == "malformed":
            content = 'Sure! {"translations": [{"id": ' + str(ids[0]) + ', "text": "TRUNC'
        elif kind == "prose":
            content = "I am sorry, but I can only help with cooking recipes."
        elif kind == "numbered":
            content = "\n".join(f"{i}. {t}" for i, t in items)
        elif kind == "keyed":
            content = json.dumps({str(i): t for i, t in items}, ensure_ascii=False)
        else:
            content = json.dumps({"translations": [{"id": i, "text": t} for i, t in items]},
                                 ensure_ascii=False)
            if kind == "fenced":
                content = ("<think>The user wants subtitles translated. Let me think about "
                           "{\"id\": 0}.</think>\nHere you go:\n```json\n" + content + "\n```")
        self._json(200, {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": len(user) // 4, "completion_tokens": len(content) // 4},
        })


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
