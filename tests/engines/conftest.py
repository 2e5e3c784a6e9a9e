from tests.engines.fixtures import (  # noqa: F401 - fixtures
    jfk_samples,
    model_dir,
    qwen_aligner_dir,
    qwen_tiny,
    qwen_tiny_dir,
    whisper_base,
    whisper_tiny_en,
)
from tests.engines.remote_servers import (  # noqa: F401 - fixtures
    fws_base,
    fws_doomed,
    fws_tiny,
    fws_tiny_b,
    remote_workdir,
    words_server,
)
