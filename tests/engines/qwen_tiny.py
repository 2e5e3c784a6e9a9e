"""Build a tiny, randomly initialised Qwen3-ASR model folder (no download, seconds on a CPU).

Its output is random text (it never emits Qwen's end-of-speech tokens, so generation always
runs to ``max_new_tokens``): tests assert on structure, not words.  See ENGINES.md, section 5.
"""

from __future__ import annotations

import json
from pathlib import Path

SPECIAL_TOKENS = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>",
    "<|audio_start|>", "<|audio_end|>", "<|audio_pad|>",
]
TEXT_TOKENS = ["<asr_text>", "<timestamp>"]  # added, but kept when decoding

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'audio' %}{{ '<|audio_start|><|audio_pad|><|audio_end|>' }}"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}"
    "{{ '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def _tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import AddedToken, Qwen2TokenizerFast

    # A small byte-level vocabulary: lowercase letters, the same with a leading space (so the
    # random model's output falls into short "words"), a little punctuation and newline.
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    pieces = ["<unk>", "\u0120", "\u010a", ".", ",", "'", *letters] + ["\u0120" + c for c in letters]
    vocab = {p: i for i, p in enumerate(pieces)}
    merges = [("\u0120", c) for c in letters]
    core = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    core.decoder = decoders.ByteLevel()
    tok = Qwen2TokenizerFast(
        tokenizer_object=core,
        bos_token=None,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token="<unk>",
        errors="replace",
        extra_special_tokens={
            "audio_token": "<|audio_pad|>",
            "audio_bos_token": "<|audio_start|>",
            "audio_eos_token": "<|audio_end|>",
        },
    )
    tok.add_special_tokens({"additional_special_tokens": SPECIAL_TOKENS})
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in TEXT_TOKENS])
    tok.chat_template = CHAT_TEMPLATE
    return tok


def build_tiny_qwen_asr(folder: Path, aligner: bool = False, seed: int = 0) -> Path:
    """Write a tiny Qwen3-ASR (or, with ``aligner``, Qwen3-ForcedAligner) model into ``folder``."""
    import torch
    from qwen_asr.core.transformers_backend import (
        Qwen3ASRConfig,
        Qwen3ASRForConditionalGeneration,
        Qwen3ASRProcessor,
    )
    from transformers import WhisperFeatureExtractor

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tok = _tokenizer()
    fe = WhisperFeatureExtractor(feature_size=128, sampling_rate=16000, hop_length=160,
                                 chunk_length=30, n_fft=400, padding_value=0.0)
    processor = Qwen3ASRProcessor(feature_extractor=fe, tokenizer=tok,
                                  chat_template=CHAT_TEMPLATE)
    hidden = 32
    thinker = {
        "audio_config": {
            "num_mel_bins": 128, "encoder_layers": 1, "encoder_attention_heads": 2,
            "encoder_ffn_dim": 32, "d_model": 16, "output_dim": hidden,
            "max_source_positions": 1500, "n_window": 50, "n_window_infer": 400,
            "conv_chunksize": 500, "downsample_hidden_size": 8,
        },
        "text_config": {
            "vocab_size": len(tok), "hidden_size": hidden, "intermediate_size": 64,
            "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1,
            "head_dim": 16, "max_position_embeddings": 4096,
            "rope_scaling": {"rope_type": "default", "mrope_section": [4, 2, 2],
                             "interleaved": True},
        },
        "audio_token_id": tok.convert_tokens_to_ids("<|audio_pad|>"),
        "audio_start_token_id": tok.convert_tokens_to_ids("<|audio_start|>"),
        "user_token_id": tok.convert_tokens_to_ids("<|im_start|>"),
    }
    extra = {}
    if aligner:
        thinker["model_type"] = "qwen3_forced_aligner"
        thinker["classify_num"] = 64
        extra = {"timestamp_token_id": tok.convert_tokens_to_ids("<timestamp>"),
                 "timestamp_segment_time": 80}
    config = Qwen3ASRConfig(thinker_config=thinker, support_languages=None, **extra)
    torch.manual_seed(seed)
    model = Qwen3ASRForConditionalGeneration(config)
    model.eval()
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    if aligner:  # save_pretrained writes the class's model_type; the aligner needs its own
        cfg_path = folder / "config.json"
        cfg = json.loads(cfg_path.read_text())
        cfg["thinker_config"]["model_type"] = "qwen3_forced_aligner"
        cfg_path.write_text(json.dumps(cfg, indent=2))
    return folder
