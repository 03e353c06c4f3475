"""The request path, free of web-framework code: checks, framing, upstream, streaming, verdicts."""
