"""Request deadlines kept by the sockets themselves.

httpx's timeouts are per wait for bytes, so a server sending a byte every few seconds (headers
included) never trips them. Every connection the client opens is wrapped here so that no wait
on it, connect, TLS handshake, read or write, goes past the deadline of the request this
thread is sending. Only httpcore (httpx's engine) is touched here, never httpx itself.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore

from baseten_logs.api import clock

# The deadline of the request this thread is sending, if any: the client is synchronous, so
# every read and write of a request happens on the thread that sent it.
_request_deadline = threading.local()


@contextmanager
def request_deadline(deadline: float) -> Iterator[None]:
    """Within this block, every wait of this thread's connections ends by `deadline`."""
    _request_deadline.value = deadline
    try:
        yield
    finally:
        _request_deadline.value = None


def _clamped(timeout: float | None) -> float | None:
    """A socket timeout shortened to what is left of this thread's request deadline."""
    deadline: float | None = getattr(_request_deadline, "value", None)
    if deadline is None:
        return timeout
    left = max(deadline - clock.monotonic(), 0.0001)
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every wait ends at the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamped(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamped(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _clamped(timeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """Opens connections as _DeadlineStreams."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _clamped(timeout), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(path, _clamped(timeout), socket_options)
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _bound_by_deadlines(transport: object) -> None:
    """Make `transport`'s connections keep request deadlines, where httpx lets us reach in.

    httpx has no public hook for this; if its insides change, deadlines are still checked as
    each piece of a body arrives (body.read_streamed), only not while headers trickle in.
    """
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend) and not isinstance(backend, _DeadlineBackend):
        pool._network_backend = _DeadlineBackend(backend)  # type: ignore[union-attr]


def keep_deadlines(http: object) -> None:
    """Every transport of the httpx client `http` keeps request deadlines: proxies from the
    environment are mounted transports of their own."""
    mounts = getattr(http, "_mounts", {})
    for mounted in (getattr(http, "_transport", None), *mounts.values()):
        _bound_by_deadlines(mounted)
