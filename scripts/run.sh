#!/usr/bin/env bash
# Start an upstream (real vLLM on the CPU, or the stand-in with GUARDRAIL_DEMO_STANDIN=1) and the guardrail
# in front of it on 127.0.0.1:8080, print how to call it, and stop both on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

GUARDRAIL_PORT="${GUARDRAIL_PORT:-8080}"
UPSTREAM_PORT="${UPSTREAM_PORT:-8000}"
DEMO_KEY="sk-demo-acme-0c7a51f2d9e84b36"
LOGDIR="${GUARDRAIL_LOG_DIR:-.state/logs}"
mkdir -p "$LOGDIR"

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "==> stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

wait_for() { # url what seconds pid
  local url="$1" what="$2" limit="$3" pid="$4" start=$SECONDS
  while ! curl -fsS -o /dev/null "$url" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "!! $what exited; last lines of its log:" >&2
      tail -n 30 "$LOGDIR/$what.log" >&2
      exit 1
    fi
    if (( SECONDS - start > limit )); then
      echo "!! $what not ready after ${limit}s; see $LOGDIR/$what.log" >&2
      exit 1
    fi
    printf "\r==> waiting for %s ... %ds" "$what" $((SECONDS - start))
    sleep 1
  done
  printf "\r==> %s ready after %ds          \n" "$what" $((SECONDS - start))
}

if [[ -n "${GUARDRAIL_DEMO_STANDIN:-}" ]]; then
  MODEL="standin-lvlm"
  echo "==> starting the vLLM wire-format stand-in on 127.0.0.1:$UPSTREAM_PORT"
  .venv/bin/guardrail standin --port "$UPSTREAM_PORT" >"$LOGDIR/upstream.log" 2>&1 &
  pids+=($!)
else
  MODEL="smollm2-135m-instruct"
  echo "==> starting vLLM (CPU) with SmolLM2-135M-Instruct on 127.0.0.1:$UPSTREAM_PORT (ready in about a minute)"
  bash scripts/vllm/serve.sh smollm2 "$UPSTREAM_PORT" >"$LOGDIR/upstream.log" 2>&1 &
  pids+=($!)
fi
wait_for "http://127.0.0.1:$UPSTREAM_PORT/health" upstream 600 "${pids[-1]}"

echo "==> starting the guardrail on 127.0.0.1:$GUARDRAIL_PORT"
.venv/bin/guardrail serve --host 127.0.0.1 --port "$GUARDRAIL_PORT" \
  --upstream "http://127.0.0.1:$UPSTREAM_PORT/v1" --policies policies >"$LOGDIR/guardrail.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$GUARDRAIL_PORT/readyz" guardrail 60 "${pids[-1]}"

cat <<MSG

The guardrail is answering on http://127.0.0.1:$GUARDRAIL_PORT/v1 (upstream model: $MODEL).
Example tenant key (tenant acme-news): $DEMO_KEY

  curl -s http://127.0.0.1:$GUARDRAIL_PORT/v1/chat/completions \\
    -H "Authorization: Bearer $DEMO_KEY" -H "X-Cultural-Frame: south-asia" \\
    -H "Content-Type: application/json" \\
    -d '{"model": "$MODEL", "messages": [{"role": "user", "content": "Describe a Diwali evening in a few sentences."}]}'

  python -c 'from openai import OpenAI
c = OpenAI(base_url="http://127.0.0.1:$GUARDRAIL_PORT/v1", api_key="$DEMO_KEY")
r = c.chat.completions.create(model="$MODEL", messages=[{"role": "user", "content": "What might a person praying at a Shinto shrine value?"}], extra_headers={"X-Cultural-Frame": "east-asia"})
print(r.choices[0].message.content); print(r.model_extra["guardrail"])'

Metrics: http://127.0.0.1:$GUARDRAIL_PORT/metrics   Logs: $LOGDIR/   Ctrl-C stops everything.
MSG
wait -n "${pids[@]}"
