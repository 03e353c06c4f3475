# syntax=docker/dockerfile:1
# The cultural guardrail: a small, non-root image with only a Python venv on top of python:3.11-slim.
#
#   docker build -t cultural-guardrail .
#   docker run -p 8080:8080 -e GUARDRAIL_UPSTREAM_URL=http://vllm:8000/v1 cultural-guardrail
#   docker run ... -v "$PWD/policies:/app/policies:ro" cultural-guardrail     # your own policies
#   docker run ... cultural-guardrail --drift-window 500                       # extra `guardrail serve` flags
#
# Both stages use the same base image, so the venv built in the first one runs unchanged in the second.

FROM python:3.11.13-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
# A C compiler for this stage only: setup.py compiles the classifier's hot path with mypyc. The runtime stage
# copies the finished venv and none of the toolchain. Debian's security updates move these versions, so unpinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# Dependencies first, from the project metadata alone, so that a source change reuses this layer.
COPY pyproject.toml setup.py README.md ./
RUN mkdir service && touch service/__init__.py \
    && pip install --no-cache-dir . \
    && pip uninstall --yes cultural-guardrail \
    && rm -rf service build ./*.egg-info

# Then the service itself (with its classifier weights and data, as package data).
COPY service ./service
RUN pip install --no-cache-dir --no-deps . \
    && pip uninstall --yes pip setuptools


FROM python:3.11.13-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="cultural-guardrail" \
      org.opencontainers.image.description="Inference-time cultural-value guardrail for vision-language models served by vLLM"

# A fixed numeric uid/gid, so that Kubernetes' runAsNonRoot can verify it.
RUN groupadd --system --gid 10001 guardrail \
    && useradd --system --uid 10001 --gid guardrail --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin guardrail \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/guardrail

COPY --from=builder /opt/venv /opt/venv
# The example policies, baked in; mount a folder over /app/policies (read-only is fine) to use your own.
COPY policies /app/policies

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GUARDRAIL_POLICIES_DIR=/app/policies \
    GUARDRAIL_STATE_DIR=/var/lib/guardrail \
    GUARDRAIL_UPSTREAM_URL=http://vllm:8000/v1

WORKDIR /app
USER 10001:10001
EXPOSE 8080

# Liveness only (no curl in the slim image): readiness, which also needs the model server, is /readyz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status != 200)"]

# The upstream, policies and state folders come from the GUARDRAIL_* environment above.
ENTRYPOINT ["guardrail", "serve", "--host", "0.0.0.0", "--port", "8080"]
