#!/usr/bin/env bash
# Run a real vLLM OpenAI-compatible server (CPU) in the foreground.
#
#   scripts/vllm/serve.sh smollm2  8011   # served as "smollm2-135m-instruct"
#   scripts/vllm/serve.sh tiny-vlm 8012   # served as "tiny-vlm" (images via image_url)
#
# Needs scripts/vllm/setup.sh to have run. Extra arguments are passed on to
# vLLM's api_server. The process is exec'd, so its PID is this script's PID
# (kill it with SIGTERM/SIGINT). Ready when GET /health returns 200.
# Env knobs: VLLM_HOST (127.0.0.1), VLLM_DTYPE (float32), VLLM_CPU_KVCACHE_SPACE
# (GiB, default 1), VLLM_CPU_OMP_THREADS_BIND as usual for vLLM CPU.
#
# Why float32 by default: on this CPU (no avx512_bf16) vLLM's oneDNN bf16
# linear fails ("Failed to create oneDNN linear, fallback to torch linear") and
# bf16 prefill is ~5x slower (1036-token prompt: ~26 s bf16 vs ~5 s fp32;
# 40-token prompt TTFT ~0.95 s vs ~0.25 s). Decode speed is about the same.
# VLLM_DTYPE=bfloat16 gives the originally specified flags.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$HERE/env.sh"

if [[ $# -lt 2 ]]; then
  echo "usage: $0 smollm2|tiny-vlm PORT [extra api_server args...]" >&2
  exit 2
fi
KIND="$1"
PORT="$2"
shift 2

case "$KIND" in
  smollm2)
    MODEL_DIR="$SMOLLM2_DIR"
    ARGS=(--served-model-name smollm2-135m-instruct --max-model-len 2048)
    ;;
  tiny-vlm)
    MODEL_DIR="$TINY_VLM_DIR"
    # One 32x32 image = 6 tokens; keep the profiler's dummy batch small.
    ARGS=(--served-model-name tiny-vlm --max-model-len 1024
          --limit-mm-per-prompt '{"image": 2}')
    ;;
  *)
    echo "unknown MODEL_KIND '$KIND' (want smollm2 or tiny-vlm)" >&2
    exit 2
    ;;
esac

if [[ ! -x "$VLLM_VENV/bin/python" || ! -f "$VLLM_VENV/.complete" || ! -f "$MODEL_DIR/.complete" ]]; then
  echo "vLLM venv or model missing under $VLLM_CACHE; run $HERE/setup.sh first" >&2
  exit 1
fi

export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
export VLLM_CPU_KVCACHE_SPACE="${VLLM_CPU_KVCACHE_SPACE:-1}"
export VLLM_NO_USAGE_STATS=1
export DO_NOT_TRACK=1

# `vllm serve` fails on package metadata (the dist is vllm-cpu), so use the module.
exec "$VLLM_VENV/bin/python" -m vllm.entrypoints.openai.api_server \
  --model "$MODEL_DIR" \
  "${ARGS[@]}" \
  --dtype "${VLLM_DTYPE:-float32}" \
  --enforce-eager \
  --host "${VLLM_HOST:-127.0.0.1}" \
  --port "$PORT" \
  "$@"
