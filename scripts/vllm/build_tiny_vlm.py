"""Build a tiny random-weight Idefics3 vision-language model folder, offline.

Usage (with the vLLM venv's python):
    python build_tiny_vlm.py OUT_DIR

Nothing is downloaded: the tokenizer is a byte-level BPE trained here on a few
sentences, the weights are random (seeded), so the model's output is gibberish
by design. It exists to exercise the real multimodal path of vLLM (image_url
data URIs -> image processor -> vision tower -> LM) on a CPU in ~100 ms.

Shape: vision tower hidden 64, 2 layers, 2 heads, image 32x32, patch 8 ->
16 patches -> pixel-shuffle with scale_factor 2 -> 4 image tokens per image.
Text model: Llama, hidden 128, 2 layers, 2 heads, head_dim 64 (vLLM's CPU
attention backend rejects small head sizes such as 16).
The image processor is the PIL backend (no torchvision needed), no splitting.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: E402
from transformers import (  # noqa: E402
    Idefics3Config,
    Idefics3ForConditionalGeneration,
    Idefics3Processor,
    Idefics3VisionConfig,
    LlamaConfig,
    PreTrainedTokenizerFast,
)
from transformers.models.idefics3.image_processing_pil_idefics3 import (  # noqa: E402
    Idefics3ImageProcessorPil,
)

IMAGE_SIZE = 32
PATCH_SIZE = 8
SCALE_FACTOR = 2
IMAGE_SEQ_LEN = (IMAGE_SIZE // PATCH_SIZE) ** 2 // SCALE_FACTOR**2  # 4
MAX_POSITIONS = 2048

BOS, EOS, UNK = "<|begin_of_text|>", "<end_of_utterance>", "<|endoftext|>"
SPECIAL = [
    UNK,
    BOS,
    "<fake_token_around_image>",
    "<image>",
    EOS,
    "<global-img>",
] + [f"<row_{i}_col_{j}>" for i in range(1, 7) for j in range(1, 7)]

CORPUS = [
    "User: What is in this picture?",
    "Assistant: The picture shows a red square on a white background.",
    "Describe the image in one sentence, please.",
    "A small cat sits next to a blue cup on a wooden table.",
    "The quick brown fox jumps over the lazy dog.",
    "Hello, how are you today? I am fine, thank you.",
    "This is a tiny test model; its answers are random words.",
    "Numbers 0 1 2 3 4 5 6 7 8 9 and punctuation . , ! ? : ; ' \" ( ) - _",
]

# Text parts are emitted verbatim; image parts become one <image> token, which
# the Idefics3 processor expands to <fake><global-img><image>*4<fake>.
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{{ message['role'] | capitalize }}:"
    "{% if message['content'] is string %}"
    "{{ ' ' + message['content'] }}"
    "{% else %}"
    "{% for part in message['content'] %}"
    "{% if part['type'] == 'text' %}{{ ' ' + part['text'] }}"
    "{% elif part['type'] in ['image', 'image_url'] %}<image>"
    "{% endif %}"
    "{% endfor %}"
    "{% endif %}"
    "<end_of_utterance>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}Assistant:{% endif %}"
)


def build_tokenizer() -> PreTrainedTokenizerFast:
    tok = Tokenizer(models.BPE(unk_token=UNK))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=512,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=BOS,
        eos_token=EOS,
        unk_token=UNK,
        pad_token=UNK,
        additional_special_tokens=SPECIAL[2:],
        model_max_length=MAX_POSITIONS,
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)

    tok = build_tokenizer()
    vocab_size = (len(tok) + 63) // 64 * 64
    image_token_id = tok.convert_tokens_to_ids("<image>")

    vision = Idefics3VisionConfig(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        image_size=IMAGE_SIZE,
        patch_size=PATCH_SIZE,
        num_channels=3,
    )
    text = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        head_dim=64,
        max_position_embeddings=MAX_POSITIONS,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=False,
    )
    config = Idefics3Config(
        vision_config=vision,
        text_config=text,
        scale_factor=SCALE_FACTOR,
        image_token_id=image_token_id,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=False,
    )
    config.architectures = ["Idefics3ForConditionalGeneration"]
    config.bos_token_id = tok.bos_token_id
    config.eos_token_id = tok.eos_token_id

    model = Idefics3ForConditionalGeneration(config).to(torch.bfloat16).eval()
    model.save_pretrained(str(out))

    image_processor = Idefics3ImageProcessorPil(
        size={"longest_edge": IMAGE_SIZE},
        max_image_size={"longest_edge": IMAGE_SIZE},
        do_image_splitting=False,
    )
    processor = Idefics3Processor(
        image_processor=image_processor,
        tokenizer=tok,
        image_seq_len=IMAGE_SEQ_LEN,
        chat_template=CHAT_TEMPLATE,
    )
    processor.save_pretrained(str(out))
    tok.save_pretrained(str(out))

    gen = {
        "bos_token_id": tok.bos_token_id,
        "eos_token_id": tok.eos_token_id,
        "pad_token_id": tok.pad_token_id,
    }
    (out / "generation_config.json").write_text(json.dumps(gen, indent=2) + "\n")

    n = sum(p.numel() for p in model.parameters())
    print(
        f"    tiny Idefics3: {n / 1e3:.0f} k params, vocab {vocab_size} (tokenizer {len(tok)}), "
        f"image_token_id {image_token_id}, image_seq_len {IMAGE_SEQ_LEN} -> {out}",
        flush=True,
    )


if __name__ == "__main__":
    main()
