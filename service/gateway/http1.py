"""A lean HTTP/1.1 client for one origin: keep-alive connections on asyncio protocols, responses parsed by httptools.

The guardrail sends one request shape to one server, so it needs only this: a capped pool of keep-alive
connections, one write per request, httptools for the answer (content-length, chunked or read-until-close
bodies), an inactivity timeout, and closing a connection whose answer was not read to the end (which is what
makes vLLM stop generating). aiohttp's client, which this replaces, spent 2.4 times its CPU per whole answer and
1.5 times per 40-chunk stream, httpx 11 and 6 times (bench/bench_client.py, which can add other PyPI clients).

An https origin's certificate is verified against the system's CAs, or the bundle `SSL_CERT_FILE` names.

A request that meets a kept-alive connection the server closed while idle (no byte of an answer came back) is
sent once more on a new connection. Idle connections are not reused after `KEEPALIVE_SECONDS`, below the 5 s
uvicorn (and so vLLM) keeps them, which makes that race rare.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from typing import cast
from urllib.parse import urlsplit

import httptools

KEEPALIVE_SECONDS = 4.0
HIGH_WATER = 1 << 20
"""Stop reading from the socket while this many body bytes wait unread (a slow reader of a streamed answer)."""


class HTTPError(Exception):
    """The exchange failed; the message says how, in words for an operator."""


class Unreachable(HTTPError):
    """No connection could be opened."""


class Timeout(HTTPError):
    """Connecting, or waiting for the next bytes of an answer, took longer than allowed."""


class BrokenAnswer(HTTPError):
    """The answer was not HTTP, or the connection closed before it ended."""

    def __init__(self, message: str, *, before_answer: bool = False) -> None:
        super().__init__(message)
        self.before_answer = before_answer


class _Connection(asyncio.Protocol):
    """One keep-alive connection; carries one request at a time. The parser callbacks fill the answer's state and
    wake the one waiting reader."""

    def __init__(self, loop: asyncio.AbstractEventLoop, read_timeout: float) -> None:
        self._loop = loop
        self._read_timeout = read_timeout
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self.closed = False
        self.idle_since = 0.0
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.headers_done = False
        self.complete = False
        self.keep_alive = False
        self.error: HTTPError | None = None
        self.body: list[bytes] = []
        self._buffered = 0
        self._paused = False
        self._answered = False
        self._framed = False
        self._until_close = False
        self._last_read = 0.0

    # ---- used by the pool and the response

    def send(self, message: bytes) -> None:
        assert self._transport is not None
        self._reset()
        self._last_read = self._loop.time()
        self._transport.write(message)
        self._timer = self._loop.call_at(self._last_read + self._read_timeout, self._check_quiet)

    async def wait(self) -> None:
        """Until the parser reports something new; raises the exchange's error once there is one."""
        if self.error is not None:
            raise self.error
        waiter = self._loop.create_future()
        self._waiter = waiter
        try:
            await waiter
        finally:
            self._waiter = None
        if self.error is not None and not self.body and not self.complete:
            raise self.error

    def take(self) -> bytes:
        """The body bytes received and not yet taken."""
        pieces = self.body
        data = pieces[0] if len(pieces) == 1 else b"".join(pieces)
        self.body = []
        self._buffered = 0
        if self._paused and self._transport is not None:
            self._paused = False
            self._last_read = self._loop.time()
            self._transport.resume_reading()
        return data

    def reusable(self) -> bool:
        return self.complete and self.keep_alive and self.error is None and not self.closed and not self._paused

    def now(self) -> float:
        return self._loop.time()

    def stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def close(self) -> None:
        self.stop_timer()
        self.closed = True
        if self._transport is not None:
            self._transport.close()

    # ---- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's transports are not registered subclasses

    def data_received(self, data: bytes) -> None:
        self._last_read = self._loop.time()
        self._answered = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            self._fail(BrokenAnswer("answered with something that is not HTTP"))
            self.close()

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.stop_timer()
        if self.headers_done and self._until_close and not self.complete:
            self.complete = True
            self._wake()
        elif not self.complete:
            if self._answered:
                self._fail(BrokenAnswer("closed the connection before the answer ended"))
            else:
                self._fail(BrokenAnswer("closed the connection without answering", before_answer=True))

    # ---- httptools callbacks

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        if name.lower() in (b"content-length", b"transfer-encoding"):
            self._framed = True

    def on_headers_complete(self) -> None:
        self.status = self._parser.get_status_code()
        self.headers_done = True
        self._until_close = not self._framed and self.status >= 200 and self.status not in (204, 304)
        self._wake()

    def on_body(self, data: bytes) -> None:
        self.body.append(data)
        self._buffered += len(data)
        if self._buffered > HIGH_WATER and not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        self.complete = True
        self.keep_alive = self._parser.should_keep_alive()
        self.stop_timer()
        self._wake()

    # ----

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, error: HTTPError) -> None:
        if self.error is None:
            self.error = error
        self._wake()

    def _check_quiet(self) -> None:
        self._timer = None
        if self.complete or self.error is not None or self.closed:
            return
        now = self._loop.time()
        if self._paused:  # the reader is behind, not the server
            self._timer = self._loop.call_at(now + self._read_timeout, self._check_quiet)
            return
        due = self._last_read + self._read_timeout
        if now < due:
            self._timer = self._loop.call_at(due, self._check_quiet)
            return
        self._fail(Timeout(f"sent nothing for {self._read_timeout:g} s"))
        self.close()


class Response:
    """An answer whose headers have arrived. Read it with `read()`, or with `chunks()` and then `release()`."""

    __slots__ = ("_conn", "_pool", "_released", "headers", "status")

    def __init__(self, pool: Pool, conn: _Connection) -> None:
        self._pool = pool
        self._conn = conn
        self._released = False
        self.status = conn.status
        self.headers = conn.headers

    async def read(self) -> bytes:
        """The whole body; the connection is released after it, whether the read ended or failed."""
        try:
            return b"".join([piece async for piece in self.chunks()])
        finally:
            self.release()

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives (chunked transfer encoding removed)."""
        conn = self._conn
        while True:
            if conn.body:
                yield conn.take()
            elif conn.complete:
                return
            else:
                await conn.wait()

    def release(self) -> None:
        """Return a fully read connection to the pool; close one whose answer did not end."""
        if not self._released:
            self._released = True
            self._pool.release(self._conn)


class Pool:
    """Keep-alive connections to the origin of `url` (http or https), at most `max_connections` at once."""

    def __init__(self, url: str, *, connect_timeout: float, read_timeout: float, max_connections: int) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url}")
        secure = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if secure else 80)
        self._host_header = parts.netloc.rsplit("@", 1)[-1]
        self._ssl = ssl.create_default_context() if secure else None
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: list[_Connection] = []
        self._closed = False
        self.busy = 0
        """Connections checked out to a response not yet released."""

    def head(self, method: str, path: str, headers: dict[str, str]) -> bytes:
        """A request's line and headers, encoded once; `request` adds the content length and body."""
        lines = [f"{method} {path} HTTP/1.1", f"host: {self._host_header}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n").encode("latin-1")

    async def request(self, head: bytes, body: bytes | None = None) -> Response:
        """Send a request (`head` from `head()`) and wait for the answer's status and headers."""
        if body is None:
            message = head + b"\r\n"
        else:
            message = b"%scontent-length: %d\r\n\r\n%s" % (head, len(body), body)
        await self._slots.acquire()
        try:
            conn = await self._exchange(message)
        except BaseException:
            self._slots.release()
            raise
        self.busy += 1
        return Response(self, conn)

    def release(self, conn: _Connection) -> None:
        self.busy -= 1
        self._slots.release()
        conn.stop_timer()
        if conn.reusable() and not self._closed:
            conn.idle_since = conn.now()
            self._idle.append(conn)
        else:
            conn.close()

    async def aclose(self) -> None:
        self._closed = True
        while self._idle:
            self._idle.pop().close()

    async def _exchange(self, message: bytes) -> _Connection:
        conn = self._take_idle()
        if conn is not None:
            try:
                return await self._send(conn, message)
            except BrokenAnswer as exc:
                if not exc.before_answer:
                    raise
        return await self._send(await self._connect(), message)

    @staticmethod
    async def _send(conn: _Connection, message: bytes) -> _Connection:
        """Send on `conn` and wait for the answer's headers; a failed exchange closes it."""
        conn.send(message)
        try:
            while not conn.headers_done:
                await conn.wait()
        except BaseException:
            conn.close()
            raise
        return conn

    def _take_idle(self) -> _Connection | None:
        now = asyncio.get_running_loop().time()
        while self._idle:
            conn = self._idle.pop()
            if conn.reusable() and now - conn.idle_since < KEEPALIVE_SECONDS:
                return conn
            conn.close()
        return None

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._connect_timeout):
                _, conn = await loop.create_connection(
                    lambda: _Connection(loop, self._read_timeout),
                    self.host,
                    self.port,
                    ssl=self._ssl,
                    server_hostname=self.host if self._ssl is not None else None,
                )
        except TimeoutError:
            raise Timeout(f"accepted no connection in {self._connect_timeout:g} s") from None
        except OSError as exc:
            raise Unreachable(f"could not be reached ({type(exc).__name__})") from None
        return conn


__all__ = ["HTTPError", "BrokenAnswer", "Pool", "Response", "Timeout", "Unreachable"]
