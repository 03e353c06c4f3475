"""CPU per event of reading vLLM's SSE stream: the relay's splitter and reader against the general rule.

The stream is the instant upstream's (bench/upstream_fast.py): a role event, 40 content events, a finishing
event and `data: [DONE]`, LF-only as vLLM writes it. Each round times, per event:

- `split`: `EventSplitter.feed` on the whole stream, against the general rule it falls back to for CRLF streams
  (`sse.split_events`, a regex for the blank line; `sse.data_lines`, `bytes.splitlines` for the data lines);
- `split + read + parse`: the same plus `event_data` and `StreamState.add`, which is what the relay does with
  every event.

    .venv/bin/python bench/bench_sse.py [--rounds 5] [--repeat 2000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from upstream_fast import Templates

from service.gateway.sse import EventSplitter, StreamState, data_lines, event_data, split_events


def vllm_stream() -> bytes:
    """The bench upstream's streamed answer, de-chunked: the SSE bytes a client reads."""
    templates = Templates("bench-model", int(time.time()))
    raw = b"".join(templates.stream_events) + templates.stream_done
    out, pos = [], 0
    while True:
        end = raw.index(b"\r\n", pos)
        size = int(raw[pos:end], 16)
        if size == 0:
            return b"".join(out)
        out.append(raw[end + 2 : end + 2 + size])
        pos = end + 2 + size + 2


def general_split(data: bytes) -> list[bytes]:
    return split_events(data)[0]


def read_all(events: list[bytes], data_of: Callable[[bytes], bytes | None]) -> str:
    state = StreamState()
    return "".join([state.add(p) for e in events if (p := data_of(e)) is not None and p != b"[DONE]"])


def per_event_us(fn: Callable[[], object], events: int, repeat: int) -> float:
    start = time.process_time()
    for _ in range(repeat):
        fn()
    return (time.process_time() - start) / repeat / events * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    data = vllm_stream()
    n = len(general_split(data))
    assert EventSplitter().feed(data) == general_split(data)
    assert read_all(EventSplitter().feed(data), event_data) == read_all(general_split(data), data_lines)
    cases: dict[str, Callable[[], object]] = {
        "split, relay": lambda: EventSplitter().feed(data),
        "split, general rule": lambda: general_split(data),
        "split + read + parse, relay": lambda: read_all(EventSplitter().feed(data), event_data),
        "split + read + parse, general rule": lambda: read_all(general_split(data), data_lines),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, fn in cases.items():
            times[name].append(per_event_us(fn, n, args.repeat))
    print(f"{n} events, {len(data)} bytes; CPU µs per event, median of {args.rounds} rounds x {args.repeat}")
    for name, values in times.items():
        baseline = times[name.rsplit(",", 1)[0] + ", general rule"]
        ratio = statistics.median(values) / statistics.median(baseline)
        print(f"  {name:38s} {statistics.median(values):6.2f} µs  ({ratio:.2f}x the general rule)")


if __name__ == "__main__":
    main()
