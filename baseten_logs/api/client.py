"""The one place that builds httpx clients: base URL, auth, timeouts, retries and error mapping."""

from __future__ import annotations

import email.utils
import itertools
import json
import math
import random
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

import httpcore
import httpx

from baseten_logs.api.limits import (
    ENV_MAX_ANSWER_BYTES,
    ENV_REQUEST_DEADLINE,
    MIB,
    Limits,
    describe_bytes,
    held_bytes,
)
from baseten_logs.api.masking import mask_url
from baseten_logs.api.pace import RateLimiter
from baseten_logs.api.page import Page
from baseten_logs.api.urls import DEFAULT_API_URL, is_loopback
from baseten_logs.base.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    PageFailing,
    TransportError,
    UsageError,
)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# The longest wait a server's word (a 429's `retry_after`, `Retry-After`) can impose: a hostile
# or broken one asking for 1e9 s would otherwise stop every request of the run for good.
MAX_SERVER_WAIT_S = 60.0
Params = Sequence[tuple[str, str]]


def sleep(seconds: float) -> None:
    """Indirection so tests can take the waiting out of retries."""
    time.sleep(seconds)


def monotonic() -> float:
    """Indirection so tests can move time past a request's deadline without waiting."""
    return time.monotonic()


def paced(max_rps: float) -> RateLimiter:
    """A rate limiter for one run's requests, timed by `monotonic` and waiting through `sleep`
    (so tests that take the waiting out of retries take it out of pacing too)."""
    return RateLimiter(max_rps, clock=lambda: monotonic(), sleep=lambda seconds: sleep(seconds))


# Told of every answer: its HTTP status (None: no answer, the connection failed or timed out)
# and the seconds from sending to the last byte, so concurrency can follow the server.
Observer = Callable[[int | None, float], None]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded in attempts and in total time.

    GETs are safe to repeat, so every transient failure (429, 5xx, timeouts, dropped
    connections) is retried; a 429's own `retry_after` wins over our backoff.
    """

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 10.0
    total_seconds: float = 90.0

    def backoff(self, attempt: int) -> float:
        ceiling: float = min(self.max_delay, self.base_delay * 2**attempt)
        return ceiling * (0.5 + random.random() / 2)


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait: the body's `retry_after`, else the header; at most
    MAX_SERVER_WAIT_S (the one parser of a server's wait: every use of one goes through here).

    None, so our own backoff applies, when neither gives a positive finite wait: `soon`, `-5`,
    `nan`, `0` or a date in the past would otherwise make us retry at once, again and again.
    """
    try:
        body = _loads(response.content)[0]
    except ValueError:
        body = None
    value = body.get("retry_after") if isinstance(body, dict) else None
    asked: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if math.isfinite(value) and value > 0:
            asked = float(value)
    if asked is None:
        asked = _header_seconds(response.headers.get("Retry-After"))
    return None if asked is None else min(asked, MAX_SERVER_WAIT_S)


def _header_seconds(header: str | None) -> float | None:
    """A `Retry-After` header (seconds or an HTTP date) as a positive wait, else None."""
    if header is None:
        return None
    text = header.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
            seconds = moment.timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def _loads(content: bytes) -> tuple[Any, bool]:
    """Parsed JSON, and whether bytes that are not UTF-8 were replaced (U+FFFD) to read it.

    ValueError for anything unusable, also JSON nested too deep for the parser: that is the
    server's fault, not a bug of ours.
    """
    replaced = False
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = content.decode("utf-8", errors="replace")
        replaced = True
    try:
        return json.loads(text.removeprefix("\ufeff")), replaced
    except RecursionError:
        raise _TooDeep from None  # get_json words it for the user


class _TooDeep(ValueError):
    """JSON nested deeper than the parser recurses."""


class _OverLimit(Exception):
    """An answer too big, too slow or undecodable: a failed attempt, retried like a timeout."""

    def __init__(self, problem: str, hint: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint


_TOO_BIG_HINT = (
    f"no page of logs is that big: is --api-url pointing at the API? "
    f"({ENV_MAX_ANSWER_BYTES} raises the cap)"
)
_TOO_SLOW_HINT = (
    f"the API or the network is too slow; try again later ({ENV_REQUEST_DEADLINE} sets "
    "the deadline in seconds)"
)
_RETRY_HINT = "the API may be down or rate limiting; try again later"


def _read_bounded(response: httpx.Response, *, limits: Limits, deadline: float) -> bytes:
    """The decompressed body of a streamed response: at most the size cap, before `deadline`.

    gzip and deflate are inflated here, a slice at a time, so a bomb stops at the cap instead
    of inflating a whole network read (up to 1000x) first; so are answers compressed twice or
    more with them (`gzip, gzip`), layer by layer, where httpx would multiply those factors.
    Any other encoding (br, zstd: never asked for) is refused in one line.
    """
    cap = limits.max_answer_bytes
    try:
        whole = response.content  # read already: httpx.MockTransport's answers come so
    except httpx.ResponseNotRead:
        pass
    else:
        if len(whole) > cap:
            too_big = f"the answer is larger than {describe_bytes(cap)} (the size cap)"
            raise _OverLimit(too_big, _TOO_BIG_HINT)
        return whole
    header = response.headers.get("content-encoding", "").strip().lower()
    # Listed in the order they were applied, so undone from the last; identity is no layer.
    layers = [e for e in (p.strip() for p in header.split(",")) if e and e != "identity"]
    body = bytearray()

    def add(data: bytes) -> None:
        body.extend(data)
        if len(body) > cap:
            too_big = f"the answer is larger than {describe_bytes(cap)} (the size cap)"
            raise _OverLimit(too_big, _TOO_BIG_HINT)

    def check_time() -> None:
        if monotonic() > deadline:
            raise _OverLimit(_too_slow(limits), _TOO_SLOW_HINT)

    if any(layer not in _INFLATED_HERE for layer in layers):
        # We ask for gzip or deflate only; httpx would undo br or zstd a whole read at a time.
        unread = f'the answer is encoded as "{header[:80]}", which was not asked for'
        raise _OverLimit(unread, _RETRY_HINT)
    chunks: Iterator[bytes] = response.iter_raw()
    for layer in reversed(layers):
        # One MiB slices at most: a slice, not a second copy of the capped body.
        chunks = _inflated(chunks, layer, check_time)
    try:
        for chunk in chunks:
            add(chunk)
            check_time()
    except zlib.error as exc:
        corrupt = f"the answer's {header} data is corrupt ({exc})"
        raise _OverLimit(corrupt, _RETRY_HINT) from None
    return bytes(body)


_INFLATED_HERE = ("gzip", "x-gzip", "deflate")


def _inflated(chunks: Iterator[bytes], encoding: str, tick: Callable[[], None]) -> Iterator[bytes]:
    """`chunks` with one layer of gzip or deflate undone, in slices of at most a MiB.

    `tick` runs after every slice, so that a layer producing little from a lot (empty deflate
    blocks, another layer's worth) still meets the deadline."""
    inflate: Any = None
    for raw in _first_two_joined(chunks):
        if inflate is None:
            # deflate is meant to be zlib-wrapped; some servers send it raw.
            wbits = zlib.MAX_WBITS | 16
            if encoding == "deflate":
                wbits = zlib.MAX_WBITS if _zlib_header(raw) else -zlib.MAX_WBITS
            inflate = zlib.decompressobj(wbits)
        data = raw
        while data:
            yield inflate.decompress(data, MIB)
            data = inflate.unconsumed_tail
            tick()
    if inflate is not None:
        yield inflate.flush()


def _first_two_joined(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The same bytes, the first piece holding at least two (when there are): a network read
    of one byte would not tell zlib-wrapped deflate from raw."""
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= 2:
            break
    if head:
        yield head
    yield from chunks


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _too_slow(limits: Limits) -> str:
    return f"no complete answer within {limits.request_deadline_s:g} s (the per-request deadline)"


def _bounded_answer(response: httpx.Response, body: bytes) -> httpx.Response:
    """A plain response holding `body`, already decoded, for the code that reads answers
    (without the encoding header, which would have httpx decode it a second time)."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-encoding"]
    return httpx.Response(response.status_code, headers=headers, content=body)


# The deadline of the request this thread is sending, if any: the client is synchronous, so
# every read and write of a request happens on the thread that sent it.
_request_deadline = threading.local()


def _clamped(timeout: float | None) -> float | None:
    """A socket timeout shortened to what is left of this thread's request deadline."""
    deadline: float | None = getattr(_request_deadline, "value", None)
    if deadline is None:
        return timeout
    left = max(deadline - monotonic(), 0.0001)
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every wait ends at the request's deadline: httpx's timeouts are per
    wait, so a server sending a byte every few seconds (headers included) never trips them."""

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


def _send_bounded(
    http: httpx.Client, request: httpx.Request, *, started: float, limits: Limits, timeout: float
) -> httpx.Response:
    """`request` sent, its answer read whole within the size cap and the deadline (`started`
    + the limits' deadline): every request of this module, GET or POST, goes through here.

    _OverLimit when the answer is too big or too slow; httpx's errors as they come."""
    deadline = started + limits.request_deadline_s
    # httpx's timeouts are per wait for bytes: none may start longer than the time left.
    remaining = max(0.001, deadline - monotonic())
    waits = httpx.Timeout(min(timeout, remaining), connect=min(10.0, remaining))
    request.extensions["timeout"] = waits.as_dict()
    _request_deadline.value = deadline
    try:
        response = http.send(request, stream=True)
        try:
            body = _read_bounded(response, limits=limits, deadline=deadline)
        finally:
            response.close()
    finally:
        _request_deadline.value = None
    return _bounded_answer(response, body)


def _bound_by_deadlines(transport: object) -> None:
    """Make `transport`'s connections keep request deadlines, where httpx lets us reach in.

    httpx has no public hook for this; if its insides change, deadlines are still checked as
    each piece of a body arrives (_read_bounded), only not while headers trickle in.
    """
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend) and not isinstance(backend, _DeadlineBackend):
        pool._network_backend = _DeadlineBackend(backend)  # type: ignore[union-attr]


def _keep_deadlines(http: httpx.Client) -> None:
    """Every transport of `http` keeps request deadlines: proxies from the environment are
    mounted transports of their own."""
    mounts = getattr(http, "_mounts", {})
    for mounted in (getattr(http, "_transport", None), *mounts.values()):
        _bound_by_deadlines(mounted)


def _server_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError, RecursionError):
        return ""
    if isinstance(body, dict):
        for key in ("error", "message", "detail"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return ""


def _answer_kind(response: httpx.Response) -> str | None:
    """What a non-JSON answer is ("HTML answer"), or None when the body is JSON or empty.

    The Baseten API answers JSON, errors included; an HTML page or other text comes from
    something else at that URL (a static file server, a proxy's login or error page).
    """
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if "html" in content_type:
        return "HTML answer"
    if not response.content.strip():
        return None
    try:
        response.json()
    except (ValueError, UnicodeDecodeError):
        return f"{content_type or 'untyped'} answer, not JSON"
    return None


def not_the_api(response: httpx.Response, *, base_url: str, url_source: str) -> ApiError | None:
    """An error naming the URL when the answer cannot be the Baseten API's: a redirect, or a
    page that is not JSON. None when it may well be the API. Both URLs are shown masked."""
    status = response.status_code
    where = f"{mask_url(base_url)} (from {url_source})"
    check = "check --api-url / BASETEN_API_URL"
    if 300 <= status < 400:
        target = response.headers.get("location")
        points = (
            f"redirects to {mask_url(target)}"
            if target
            else f"answered with a redirect (HTTP {status})"
        )
        return ApiError(f"{where} {points}, which the Baseten API never does; {check}")
    kind = _answer_kind(response)
    if kind is None:
        return None
    return ApiError(f"{where} does not look like the Baseten API ({kind}, HTTP {status}); {check}")


REFUSED_SECONDS = 3.0  # a refused connection is retried this long: a server may be starting


def _host_port(url: httpx.URL) -> str:
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.host}:{port}"


def _refused(exc: httpx.TransportError) -> bool:
    """Whether nothing listens at the address (rather than a slow or broken network)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return True
        cause = cause.__cause__ or cause.__context__
    return isinstance(exc, httpx.ConnectError) and "refused" in str(exc).lower()


def _transport_problem(exc: httpx.TransportError, address: str) -> str:
    """A transport failure in words a user can act on, naming host and port (an unknown host
    is connection_mistake's)."""
    if _refused(exc):
        return f"connection refused by {address}"
    detail = str(exc).strip()
    return f"connection to {address} failed ({detail or exc.__class__.__name__})"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what lies under it: httpx wraps httpcore's error, which wraps the socket's."""
    cause: BaseException | None = exc
    seen = 0
    while cause is not None and seen < 16:  # a bounded walk: a cycle of causes is possible
        yield cause
        cause = cause.__cause__ or cause.__context__
        seen += 1


# getaddrinfo's "no such name" (Linux, macOS) and "no address for it"; Windows numbers its own
# (WSAHOST_NOT_FOUND, WSANO_DATA). EAI_AGAIN, a DNS server that did not answer, may pass: retried.
_NO_SUCH_HOST = frozenset(
    {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME), 11001, 11004}
)
_NO_SUCH_HOST_WORDS = ("name or service not known", "nodename nor servname", "getaddrinfo failed")
# TLS errors a retry may cure: the connection dropped during the handshake.
_TLS_TRANSIENT = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)


def _unknown_host(exc: httpx.TransportError) -> bool:
    """Whether DNS says the host does not exist: asking again gives the same answer."""
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            return cause.errno in _NO_SUCH_HOST
    text = str(exc).lower()
    return isinstance(exc, httpx.ConnectError) and any(w in text for w in _NO_SUCH_HOST_WORDS)


def _tls_failure(exc: httpx.TransportError) -> ssl.SSLError | None:
    """The TLS error under `exc` that no retry can cure (a server that does not speak TLS, a
    certificate not trusted), or None."""
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLError):
            return None if isinstance(cause, _TLS_TRANSIENT) else cause
    return None


def connection_mistake(
    exc: httpx.TransportError, *, base_url: httpx.URL, url_source: str
) -> TransportError | None:
    """A connection failure that is a wrong URL, not an outage: an unknown host or a TLS error.

    Retrying cannot help and the usual "the API may be down" would point the wrong way, so
    this names the host, where the URL came from and what to check. None for anything else
    (refused, reset, timed out), which the caller retries as before.
    """
    host = base_url.host
    where = f"the URL from {url_source}"
    check = _url_fix(url_source)
    if _unknown_host(exc):
        if host == httpx.URL(DEFAULT_API_URL).host:
            hint = "check the network and its DNS"
        else:
            hint = f"{check}: is the host spelled right? Baseten's API is {DEFAULT_API_URL}"
        return TransportError(f"cannot resolve {host}: no such host ({where})", hint=hint)
    failure = _tls_failure(exc)
    if failure is None:
        return None
    address = _host_port(base_url)
    if isinstance(failure, ssl.SSLCertVerificationError):
        detail = failure.verify_message or failure.reason or "not verified"
        return TransportError(
            f"the TLS certificate of {host} is not trusted ({detail}; {where})",
            hint=f"{check}; behind a proxy that inspects TLS, set SSL_CERT_FILE to its CA bundle",
        )
    reason = str(failure.reason or failure.__class__.__name__)
    if reason == "WRONG_VERSION_NUMBER" or "wrong version number" in str(failure).lower():
        problem = f"{address} does not speak TLS, which https:// needs ({where})"
    else:
        problem = f"the TLS handshake with {address} failed ({reason}; {where})"
    plain = base_url.copy_with(scheme="http", path="/", query=None, fragment=None)
    local = f"a local server such as the emulator speaks plain http: {str(plain).rstrip('/')}"
    return TransportError(problem, hint=local if is_loopback(host) else check)


def _url_fix(url_source: str) -> str:
    """Where to correct the API URL, given where it came from."""
    if url_source in ("--api-url", "BASETEN_API_URL"):
        return f"check {url_source}"
    if url_source in ("default", "the API URL setting"):
        return "check --api-url / BASETEN_API_URL"
    return f"check {url_source} (--api-url overrides it)"  # a trussrc section, truss's pair


def _tries(count: int) -> str:
    return f"{count} attempt{'' if count == 1 else 's'}"


def _describe(response: httpx.Response) -> str:
    message = _server_message(response)
    return f"HTTP {response.status_code}" + (f": {message}" if message else "")


class Auth(Protocol):
    """A credential that changes while the client runs (an OAuth login that refreshes)."""

    def header(self) -> str:
        """The Authorization value for the next request."""
        ...

    def refused(self, sent: str) -> bool:
        """The API answered 401 to `sent`: True when there is another value to retry with."""
        ...


def post_form(
    base_url: str,
    path: str,
    form: dict[str, str],
    *,
    timeout: float = 30.0,
    limits: Limits | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[int, Any]:
    """One POST of a form (the OAuth token endpoint): the status and the JSON body, or None.

    Never retried: a refresh token may be single-use. The form is never traced or logged. The
    answer is read as every other is (_send_bounded): within the size cap and the deadline, and
    JSON nested too deep is one error, not a crash.
    """
    from baseten_logs.base.version import __version__

    limits = limits or Limits()
    started = monotonic()
    headers = {
        "Accept": "application/json",
        "Accept-Encoding": "gzip, deflate",  # only what _read_bounded inflates itself
        "User-Agent": f"baseten-logs/{__version__}",
    }
    try:
        with httpx.Client(base_url=base_url, headers=headers) as http:
            _keep_deadlines(http)
            request = http.build_request("POST", path, data=form)
            response = _send_bounded(http, request, started=started, limits=limits, timeout=timeout)
    except _OverLimit as exc:
        hint = _TOKEN_TOO_BIG_HINT if exc.hint == _TOO_BIG_HINT else exc.hint
        raise TransportError(f"POST {path}: {exc.problem}", hint=hint) from None
    except httpx.TimeoutException:
        if monotonic() - started >= limits.request_deadline_s:
            raise TransportError(f"POST {path}: {_too_slow(limits)}", hint=_TOO_SLOW_HINT) from None
        raise TransportError(f"POST {path} timed out", hint="try again in a moment") from None
    except httpx.TransportError as exc:
        raise TransportError(
            f"POST {path}: connection failed ({exc.__class__.__name__})",
            hint="check the network and the API URL",
        ) from None
    if log is not None:
        elapsed_ms = (monotonic() - started) * 1000
        log(f"POST {path} -> {response.status_code} in {elapsed_ms:.0f} ms")
    try:
        body = _loads(response.content)[0]
    except _TooDeep:
        raise _too_deep(path) from None
    except ValueError:
        body = None
    return response.status_code, body


_TOKEN_TOO_BIG_HINT = "no token answer is that big: is the login's remote_url the Baseten API?"


def _too_deep(path: str) -> ApiError:
    return ApiError(
        f"the API answered {path} with JSON nested too deep to read",
        hint="the endpoint is in beta; please report this with -v output",
    )


class ApiClient:
    """A small synchronous API client; thread-safe, so parallel fetchers share one."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        key_source: str = "the API key",
        url_source: str = "the API URL setting",
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        max_connections: int = 8,
        transport: httpx.BaseTransport | None = None,
        log: Callable[[str], None] | None = None,
        auth: Auth | None = None,
        warn: Callable[[str], None] | None = None,
        limits: Limits | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        from baseten_logs.base.version import __version__

        self._key_source = key_source
        self._auth = auth  # when set, it gives each request's Authorization (api_key unused)
        self._url_source = url_source
        self._base_url = base_url.rstrip("/")
        self._retry = retry or RetryPolicy()
        self._log = log
        self._warn = warn  # told once if an answer held bytes that are not UTF-8
        self._warned_encoding = False
        self._limits = limits or Limits()
        self._timeout = timeout
        self._requests = itertools.count(1)
        self._requests_made = 0
        # Every request waits for its turn here (None: as fast as answers come).
        self.rate_limiter = rate_limiter
        # Told of every answer (see Observer), so parallel fetching can adapt its concurrency.
        self.observers: list[Observer] = []
        # Told of every retry (what failed, seconds until the next try), so follow mode can say
        # "reconnecting" at once instead of after the whole retry budget.
        self.on_retry: Callable[[str, float], None] | None = None
        self._waits_end: float | None = None  # see end_waits_in (on the `monotonic` clock)
        self._http = httpx.Client(
            base_url=base_url,
            headers={
                **({} if auth else {"Authorization": f"Bearer {api_key}"}),
                "Accept": "application/json",
                # Only what _read_bounded inflates itself, within the size cap.
                "Accept-Encoding": "gzip, deflate",
                "User-Agent": f"baseten-logs/{__version__}",
            },
            timeout=httpx.Timeout(timeout, connect=10.0),
            limits=httpx.Limits(max_connections=max_connections),
            transport=transport,
        )
        _keep_deadlines(self._http)

    def end_waits_in(self, seconds: float) -> None:
        """No wait a server asks for (a 429's, which also pauses every request) may go past
        `seconds` from now: follow mode's --until. A retry that would wait longer is given up
        at once instead, so the run ends when it said it would. Our own backoff is not cut:
        a brief outage at the last poll is still retried."""
        self._waits_end = monotonic() + max(0.0, seconds)

    def _wait_left(self) -> float:
        """Seconds any wait may still take (inf: no bound but the retry policy's)."""
        return math.inf if self._waits_end is None else max(0.0, self._waits_end - monotonic())

    @property
    def limits(self) -> Limits:
        return self._limits

    @property
    def requests_made(self) -> int:
        return self._requests_made

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get_json(self, path: str, params: Params = (), *, smaller_after: int | None = None) -> Any:
        """GET `path`, retrying what is safe to retry; the parsed JSON body or a domain error."""
        response = self._get_with_retries(path, params, smaller_after=smaller_after)
        return self._parsed(path, response)

    def _parsed(self, path: str, response: httpx.Response) -> Any:
        try:
            body, replaced = _loads(response.content)
        except _TooDeep:
            raise _too_deep(path) from None
        except ValueError:
            wrong = not_the_api(response, base_url=self._base_url, url_source=self._url_source)
            kind = response.headers.get("content-type", "unknown content")
            raise wrong or ApiError(
                f"{mask_url(self._base_url)} answered {path} with something that is not JSON "
                f"({kind})",
                hint="check --api-url / BASETEN_API_URL",
            ) from None
        if replaced and not self._warned_encoding:
            self._warned_encoding = True
            if self._warn is not None:
                self._warn(
                    f"the API's answer for {path} held bytes that are not UTF-8; they are shown "
                    "as \ufffd (and any more such bytes in this run, without another warning)"
                )
        return body

    def get_logs(self, path: str, params: Params, *, smaller_after: int | None = None) -> Page:
        """One page of log records, checked for shape so a wrong answer is an error, not a crash.

        Only the shape of the page: each line's time (any of the forms the beta endpoint may
        send, or none that can be read) is for the caller to judge, line by line. The page
        carries what it holds in memory, measured from the answer's bytes (held_bytes).
        `smaller_after`: after that many 5xx answers in a row, PageFailing instead of more tries
        at this size (the caller asks again for a smaller page; truss halves its page too)."""
        response = self._get_with_retries(path, params, smaller_after=smaller_after)
        body = self._parsed(path, response)
        logs = body.get("logs") if isinstance(body, dict) else None
        if not isinstance(logs, list) or not all(isinstance(item, dict) for item in logs):
            raise ApiError(
                f"the API's answer for {path} is not a list of logs",
                hint="the endpoint is in beta; please report this with -v output",
            )
        return Page(logs, held=held_bytes(response.content))

    def _get_with_retries(
        self, path: str, params: Params, *, smaller_after: int | None = None
    ) -> httpx.Response:
        policy = self._retry
        deadline = time.monotonic() + policy.total_seconds
        refused_waited = 0.0  # seconds spent waiting on refused connections
        attempt = 0
        server_errors = 0  # 5xx answers in a row
        while True:
            refused = False
            problem: str
            hint = _RETRY_HINT
            wait: float | None = None
            if self.rate_limiter is not None:
                self.rate_limiter.turn()
            started = monotonic()
            sent = {"Authorization": self._auth.header()} if self._auth else None
            try:
                self._requests_made = next(self._requests)  # thread-safe under the GIL
                response = self._get_bounded(path, params, started, headers=sent)
            except _OverLimit as exc:
                problem, hint = exc.problem, exc.hint
                self._trace(path, params, problem, started)
            except httpx.TimeoutException:
                self._observe(None, started)
                problem = "timed out"
                if monotonic() - started >= self._limits.request_deadline_s:
                    problem, hint = _too_slow(self._limits), _TOO_SLOW_HINT
                self._trace(path, params, problem, started)
            except httpx.TransportError as exc:
                self._observe(None, started)
                base = self._http.base_url
                mistake = connection_mistake(exc, base_url=base, url_source=self._url_source)
                problem = mistake.message if mistake else _transport_problem(exc, _host_port(base))
                self._trace(path, params, problem, started)
                if mistake is not None:
                    raise mistake from None  # the same answer every time: not retried
                refused = _refused(exc)
            else:
                self._trace(path, params, f"{response.status_code}", started)
                self._observe(response.status_code, started)
                if response.status_code == 200:
                    return response
                if (
                    response.status_code == 401
                    and self._auth is not None
                    and sent is not None
                    and self._auth.refused(sent["Authorization"])
                ):
                    continue  # a refreshed login: one more try, not counted as a retry
                if response.status_code not in RETRY_STATUSES:
                    raise self._error_for(response, path)
                problem = _describe(response)
                server_errors = server_errors + 1 if response.status_code >= 500 else 0
                if smaller_after is not None and server_errors >= smaller_after:
                    if self._log:
                        self._log(f"{problem}, {server_errors} times in a row: a smaller page next")
                    raise PageFailing(f"giving up on {path}: {problem}", hint=_RETRY_HINT)
                if response.status_code == 429:
                    wait = _retry_after(response)
                    if self.rate_limiter is not None:
                        left = self._wait_left()
                        self.rate_limiter.throttled(None if wait is None else min(wait, left))
            attempt += 1
            delay = wait if wait is not None else policy.backoff(attempt - 1)
            if refused and (attempt >= policy.attempts or refused_waited + delay > REFUSED_SECONDS):
                raise TransportError(
                    f"{problem} (the URL from {self._url_source}), after {_tries(attempt)}",
                    hint="is the server running? check --api-url / BASETEN_API_URL",
                )
            if (
                attempt >= policy.attempts
                or time.monotonic() + delay > deadline
                or (wait is not None and wait > self._wait_left())
            ):
                raise TransportError(
                    f"giving up on {path} after {_tries(attempt)}: {problem}",
                    hint=hint,
                )
            if refused:
                refused_waited += delay
            if self._log:
                self._log(f"retrying in {delay:.1f}s ({problem})")
            if self.on_retry is not None:
                self.on_retry(problem, delay)
            sleep(delay)

    def _get_bounded(
        self, path: str, params: Params, started: float, *, headers: dict[str, str] | None
    ) -> httpx.Response:
        """One GET whose answer is read whole, within the size cap and the deadline."""
        request = self._http.build_request("GET", path, params=list(params), headers=headers)
        return _send_bounded(
            self._http, request, started=started, limits=self._limits, timeout=self._timeout
        )

    def _observe(self, status: int | None, started: float) -> None:
        elapsed = monotonic() - started
        for observer in list(self.observers):
            observer(status, elapsed)

    def _trace(self, path: str, params: Params, outcome: str, started: float) -> None:
        if self._log is None:
            return
        query = "&".join(f"{key}={value}" for key, value in params)
        elapsed_ms = (monotonic() - started) * 1000
        # The key is in a header, never in the URL, so the trace cannot leak it.
        self._log(f"GET {path}{'?' if query else ''}{query} -> {outcome} in {elapsed_ms:.0f} ms")

    def _error_for(self, response: httpx.Response, path: str) -> Exception:
        status = response.status_code
        wrong = not_the_api(response, base_url=self._base_url, url_source=self._url_source)
        if wrong is not None:
            return wrong  # not the API: a 404 from it says nothing about the model
        detail = _describe(response)
        if status in (401, 403):
            return AuthError(
                f"the API refused the key from {self._key_source} ({detail})",
                hint="check that the key is current and belongs to the model's workspace",
            )
        if status == 404:
            return NotFoundError(
                f"not found: {path} ({detail})",
                hint="check the model and deployment ids; a brand-new deployment may need a moment",
            )
        if status in (400, 422):
            return UsageError("the API rejected the query", detail)
        return ApiError(f"unexpected answer from the API for {path}: {detail}")
