"""The upstream HTTP/1.1 client against raw scripted servers: framing, keep-alive, timeouts, broken answers."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import trustme

from service.gateway import http1
from service.gateway.http1 import BrokenAnswer, Pool, Timeout, Unreachable

pytestmark = pytest.mark.anyio

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]
OK_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"


def answer(body: bytes, extra: bytes = b"") -> bytes:
    return OK_HEAD + extra + b"content-length: %d\r\n\r\n" % len(body) + body


async def read_request(reader: asyncio.StreamReader) -> bytes | None:
    """One request's body (None when the client closed instead of sending one)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return await reader.readexactly(length)


class Server:
    """A loopback server running `handler(reader, writer, n)` for its n-th connection."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.closed_by_client = 0
        self.port = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.handler(reader, writer, self.connections)
            if await reader.read(1) == b"":
                self.closed_by_client += 1
        except ConnectionError:
            self.closed_by_client += 1
        finally:
            writer.close()


@asynccontextmanager
async def serving(handler: Handler, **pool_args: float) -> AsyncIterator[tuple[Server, Pool]]:
    server = Server(handler)
    listener = await asyncio.start_server(server._serve, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    args = {"connect_timeout": 2.0, "read_timeout": 2.0, "max_connections": 8, **pool_args}
    pool = Pool(
        f"http://127.0.0.1:{server.port}/v1",
        connect_timeout=args["connect_timeout"],
        read_timeout=args["read_timeout"],
        max_connections=int(args["max_connections"]),
    )
    try:
        yield server, pool
    finally:
        await pool.aclose()
        listener.close()
        await listener.wait_closed()


def post(pool: Pool) -> bytes:
    return pool.head("POST", "/v1/chat/completions", {"content-type": "application/json"})


async def echo_forever(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
    while (body := await read_request(reader)) is not None:
        writer.write(answer(b'{"echo":' + body + b"}"))
        await writer.drain()


async def test_whole_answers_reuse_one_kept_alive_connection() -> None:
    async with serving(echo_forever) as (server, pool):
        for i in range(3):
            response = await pool.request(post(pool), b"%d" % i)
            assert response.status == 200
            assert (b"content-type", b"application/json") in response.headers
            assert await response.read() == b'{"echo":%d}' % i
            response.release()
        assert server.connections == 1
        assert pool.busy == 0


async def test_a_chunked_answer_arrives_piece_by_piece() -> None:
    sent_second = asyncio.Event()
    may_send_second = asyncio.Event()

    async def two_chunks(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n")
        await may_send_second.wait()
        writer.write(b"6\r\nsecond\r\n0\r\n\r\n")
        sent_second.set()
        await writer.drain()

    async with serving(two_chunks) as (_, pool):
        response = await pool.request(post(pool), b"{}")
        pieces = []
        async for piece in response.chunks():
            pieces.append(piece)
            if piece == b"first":
                assert not sent_second.is_set()
                may_send_second.set()
        response.release()
        assert b"".join(pieces) == b"firstsecond"


async def test_an_answer_without_length_is_read_until_the_server_closes() -> None:
    async def until_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nall of it")
        await writer.drain()
        writer.close()

    async with serving(until_close) as (server, pool):
        for _ in range(2):
            response = await pool.request(post(pool), b"{}")
            assert await response.read() == b"all of it"
            response.release()
        assert server.connections == 2  # `connection: close` is honoured


async def test_garbage_instead_of_http_is_a_broken_answer() -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await read_request(reader)
        writer.write(b"<html>502 Bad Gateway</html>\r\n\r\n")
        await writer.drain()

    async with serving(garbage) as (_, pool):
        with pytest.raises(BrokenAnswer, match="not HTTP"):
            await pool.request(post(pool), b"{}")
        assert pool.busy == 0


async def test_a_connection_cut_mid_answer_is_a_broken_answer_after_the_bytes_that_came() -> None:
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await read_request(reader)
        writer.write(OK_HEAD + b"content-length: 100\r\n\r\npartial")
        await writer.drain()
        writer.transport.abort()

    async with serving(cut) as (_, pool):
        response = await pool.request(post(pool), b"{}")
        got = []
        with pytest.raises(BrokenAnswer, match="before the answer ended") as caught:
            async for piece in response.chunks():
                got.append(piece)
        assert got == [b"partial"] and not caught.value.before_answer
        response.release()
        assert pool.busy == 0


async def test_read_hands_the_connection_back_whether_it_ends_or_fails() -> None:
    async def whole_then_cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await read_request(reader)
        writer.write(answer(b"whole"))
        await read_request(reader)
        writer.write(OK_HEAD + b"content-length: 100\r\n\r\npartial")
        await writer.drain()
        writer.transport.abort()

    async with serving(whole_then_cut) as (server, pool):
        response = await pool.request(post(pool), b"1")
        assert await response.read() == b"whole"
        assert pool.busy == 0  # back in the pool, and reused by the next request
        response = await pool.request(post(pool), b"2")
        with pytest.raises(BrokenAnswer, match="before the answer ended"):
            await response.read()
        assert pool.busy == 0 and server.connections == 1


@pytest.mark.parametrize("stage", ["before headers", "mid body"])
async def test_a_quiet_server_times_out_after_the_read_timeout(stage: str) -> None:
    async def quiet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await read_request(reader)
        if stage == "mid body":
            writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n")
            await writer.drain()
        await asyncio.sleep(3)

    async with serving(quiet, read_timeout=0.3) as (server, pool):
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(Timeout, match="sent nothing for 0.3 s"):
            response = await pool.request(post(pool), b"{}")
            try:
                await response.read()
            finally:
                response.release()
        assert 0.25 < loop.time() - started < 1.5
        assert pool.busy == 0


async def test_steady_trickle_does_not_time_out() -> None:
    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        for _ in range(6):
            await asyncio.sleep(0.1)
            writer.write(b"1\r\nx\r\n")
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    async with serving(trickle, read_timeout=0.3) as (_, pool):
        response = await pool.request(post(pool), b"{}")
        assert await response.read() == b"xxxxxx"  # 0.6 s in all, never 0.3 s quiet
        response.release()


async def test_an_idle_connection_the_server_dropped_is_replaced_without_an_error() -> None:
    async def one_answer_per_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await read_request(reader)
        writer.write(answer(b"ok"))  # says keep-alive ...
        await writer.drain()
        await read_request(reader)  # ... but closes, unanswered, as the next request arrives
        writer.transport.abort()

    async with serving(one_answer_per_connection) as (server, pool):
        for _ in range(3):
            response = await pool.request(post(pool), b"{}")
            assert await response.read() == b"ok"
            response.release()
        assert server.connections == 3


async def test_a_connection_is_not_reused_after_the_keepalive_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http1, "KEEPALIVE_SECONDS", 0.1)
    async with serving(echo_forever) as (server, pool):
        for _ in range(2):
            response = await pool.request(post(pool), b"1")
            await response.read()
            response.release()
            await asyncio.sleep(0.2)
        assert server.connections == 2


async def test_releasing_an_unfinished_answer_closes_its_connection() -> None:
    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        while True:
            writer.write(b"4\r\ndata\r\n")
            await writer.drain()
            await asyncio.sleep(0.01)

    async with serving(endless) as (server, pool):
        response = await pool.request(post(pool), b"{}")
        async for _ in response.chunks():
            break
        response.release()
        assert pool.busy == 0
        for _ in range(100):
            if server.closed_by_client:
                break
            await asyncio.sleep(0.02)
        assert server.closed_by_client == 1


async def test_requests_wait_for_a_free_connection_beyond_the_cap() -> None:
    async with serving(echo_forever, max_connections=1) as (server, pool):
        first = await pool.request(post(pool), b"1")
        second = asyncio.ensure_future(pool.request(post(pool), b"2"))
        await asyncio.sleep(0.1)
        assert not second.done()
        assert await first.read() == b'{"echo":1}'
        first.release()
        response = await asyncio.wait_for(second, 2)
        assert await response.read() == b'{"echo":2}'
        response.release()
        assert server.connections == 1


async def test_a_large_answer_read_slowly_arrives_whole() -> None:
    big = bytes(range(256)) * (5 * 4096)  # 5 MiB, past the read-pause mark

    async def large(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        while await read_request(reader) is not None:
            writer.write(answer(big))
            await writer.drain()

    async with serving(large) as (server, pool):
        response = await pool.request(post(pool), b"{}")
        await asyncio.sleep(0.2)  # let the buffer pass the mark and reading pause
        got = []
        async for piece in response.chunks():
            got.append(piece)
        response.release()
        assert b"".join(got) == big
        response = await pool.request(post(pool), b"{}")
        assert await response.read() == big
        response.release()
        assert server.connections == 1


async def test_nothing_listening_is_unreachable() -> None:
    async with serving(echo_forever) as (server, _):
        port = server.port
    pool = Pool(f"http://127.0.0.1:{port}", connect_timeout=1, read_timeout=1, max_connections=2)
    with pytest.raises(Unreachable, match="ConnectionRefusedError"):
        await pool.request(post(pool), b"{}")
    assert pool.busy == 0


def test_only_http_urls_make_a_pool() -> None:
    with pytest.raises(ValueError, match="not an http"):
        Pool("ftp://example.org", connect_timeout=1, read_timeout=1, max_connections=1)


def test_the_request_head_names_the_host_and_path() -> None:
    pool = Pool("http://user:pw@vllm:8000/v1", connect_timeout=1, read_timeout=1, max_connections=1)
    head = pool.head("GET", "/v1/models", {"accept": "application/json"})
    assert head == b"GET /v1/models HTTP/1.1\r\nhost: vllm:8000\r\naccept: application/json\r\n"
    assert (pool.host, pool.port) == ("vllm", 8000)
    assert Pool("https://api.example.org", connect_timeout=1, read_timeout=1, max_connections=1).port == 443


@asynccontextmanager
async def tls_serving(ca: trustme.CA) -> AsyncIterator[Server]:
    """`echo_forever` over TLS, with a certificate for 127.0.0.1 signed by `ca`."""
    server = Server(echo_forever)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    listener = await asyncio.start_server(server._serve, "127.0.0.1", 0, ssl=context)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()
        await listener.wait_closed()


async def test_an_https_upstream_is_verified_and_kept_alive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))  # how an operator trusts a private CA
    async with tls_serving(ca) as server:
        pool = Pool(f"https://127.0.0.1:{server.port}/v1", connect_timeout=2, read_timeout=2, max_connections=2)
        for i in range(2):
            response = await pool.request(post(pool), b"%d" % i)
            assert await response.read() == b'{"echo":%d}' % i
            response.release()
        await pool.aclose()
    assert server.connections == 1


async def test_an_https_upstream_with_an_untrusted_certificate_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stranger = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    monkeypatch.setenv("SSL_CERT_FILE", str(stranger))
    async with tls_serving(trustme.CA()) as server:
        pool = Pool(f"https://127.0.0.1:{server.port}/v1", connect_timeout=2, read_timeout=2, max_connections=2)
        with pytest.raises(Unreachable, match="SSLCertVerificationError"):
            await pool.request(post(pool), b"{}")
        assert pool.busy == 0
