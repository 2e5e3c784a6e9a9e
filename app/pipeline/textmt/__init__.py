"""Translating subtitle text through an OpenAI-compatible chat server (Qt-free).

- :mod:`wire`: the request (numbered cues, context, glossary) and the reply, read and checked
  cue by cue;
- :mod:`client`: the HTTP side (httpx): retries, timeouts, cancel by closing the connection;
- :mod:`secrets`: the API key, from the environment or the system keyring, never shown;
- :mod:`run`: a text translation over a document, batch by batch, applied as one undo step.

Any server speaking ``POST {base}/chat/completions`` works: Ollama
(``http://localhost:11434/v1``), llama.cpp's ``llama-server`` (``http://localhost:8080/v1``),
vLLM (``http://localhost:8000/v1``), LM Studio, or a hosted one.
"""

from app.pipeline.textmt.client import ChatError, ServerConfig, check_base_url, normalize_base
from app.pipeline.textmt.run import (
    DEFAULT_BATCH,
    DEFAULT_CONTEXT,
    TextItem,
    TextPlan,
    TextTranslationResult,
    apply_text_translations,
    language_label,
    plan_from_texts,
    prepare_text_translation,
    translate_text,
)
from app.pipeline.textmt.secrets import ApiKey, SecretError, api_key_for

__all__ = [
    "DEFAULT_BATCH", "DEFAULT_CONTEXT", "ApiKey", "ChatError", "SecretError", "ServerConfig",
    "TextItem", "TextPlan", "TextTranslationResult", "api_key_for", "apply_text_translations",
    "check_base_url", "plan_from_texts", "language_label", "normalize_base",
    "prepare_text_translation", "translate_text",
]
