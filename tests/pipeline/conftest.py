from tests.chat_server import chat, chat_server  # noqa: F401,E402 - the fake chat server process
from tests.engines.fixtures import (  # noqa: F401 - fixtures
    jfk_samples,
    model_dir,
    qwen_aligner_dir,
    qwen_tiny,
    qwen_tiny_dir,
    whisper_base,
    whisper_tiny_en,
)
