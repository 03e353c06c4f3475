# The project's front door. `make run` and `make test` are the README's two set-up commands.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# What `pip install -e` builds from: the metadata, and the modules setup.py compiles (an edit needs a rebuild).
BUILT  := pyproject.toml setup.py service/classifier/text.py service/classifier/lexicon.py service/classifier/features.py service/classifier/rows.py \
          service/classifier/model.py service/classifier/scorer.py
STAMP  := $(VENV)/.installed-$(shell cat $(BUILT) | sha1sum | cut -c1-12)

.PHONY: install tools run demo test test-vllm test-all lint vllm prometheus clean bench

install: $(STAMP)

$(STAMP): $(BUILT)
	@echo "==> installing the guardrail into $(VENV) (first run: about two minutes, the classifier compile included)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
	@$(BIN)/python -m pip install -q -e '.[test]' 2>&1 | grep -v "is ignored" || true
	@$(BIN)/python -c "import service.app" && rm -f $(VENV)/.installed-* && touch $@

## Real vLLM (CPU) with SmolLM2-135M-Instruct, and the guardrail in front of it on 127.0.0.1:8080.
run: install vllm
	@bash scripts/run.sh

## The same guardrail in front of the vLLM wire-format stand-in (no model download, starts in seconds).
demo: install
	@GUARDRAIL_DEMO_STANDIN=1 bash scripts/run.sh

vllm:
	@bash scripts/vllm/setup.sh

## promtool and prometheus (Debian's `prometheus` package), for the rule tests under deploy/prometheus.
tools:
	@command -v promtool >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus)

test: install tools
	$(BIN)/python -m pytest

## The integration suite against real vLLM servers (installs vLLM on first use).
test-vllm: install vllm
	$(BIN)/python -m pytest -m vllm tests/integration

test-all: test test-vllm

## The guardrail beside direct calls, nginx and LiteLLM's proxy (bench/README.md; about 10 minutes).
## `make bench BENCH_ARGS=--quick` for about 2; installs nginx, wrk and LiteLLM's proxy when missing.
bench: install
	$(BIN)/python bench/bench_peers.py $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check service tests bench
	$(BIN)/mypy service

clean:
	rm -rf $(VENV) .state build guardrail_native*.so service/classifier/*.so
