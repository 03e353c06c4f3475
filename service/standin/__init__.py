"""An upstream stand-in that speaks vLLM's OpenAI wire format, for tests, benchmarks and the offline demo."""

from service.standin.vllm import Script, create_standin

__all__ = ["Script", "create_standin"]
