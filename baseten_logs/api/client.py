"""The one place that builds httpx clients: base URL, auth, timeouts, and the retry loop.

What it leans on, each in its own module: the retry decisions and a server's wait
(`retrying`), reading a body within the size cap and deadline (`body`), deadlines kept by the
sockets (`deadlines`), the API's error answers (`answer_errors`), failed connections in words
(`connection_errors`), and the one clock tests move (`clock`).
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

import httpx

from baseten_logs.api import arrivals, clock
from baseten_logs.api.answer_errors import describe, error_for, not_the_api
from baseten_logs.api.body import (
    ACCEPTED_ENCODINGS,
    RETRY_HINT,
    TOO_BIG_HINT,
    TOO_SLOW_HINT,
    OverLimit,
    TooDeep,
    check_size,
    loads,
    read_streamed,
    too_deep,
    too_slow,
)
from baseten_logs.api.connection_errors import (
    connection_mistake,
    host_port,
    is_refused,
    transport_problem,
)
from baseten_logs.api.deadlines import keep_deadlines, request_deadline
from baseten_logs.api.limits import Limits, held_bytes
from baseten_logs.api.masking import mask_url
from baseten_logs.api.pace import RateLimiter
from baseten_logs.api.page import Page
from baseten_logs.api.retrying import REFUSED_SECONDS, RETRY_STATUSES, server_wait, tries
from baseten_logs.base import interruption
from baseten_logs.base.errors import ApiError, PageFailing, TransportError

Params = Sequence[tuple[str, str]]


def paced(max_rps: float) -> RateLimiter:
    """A rate limiter for one run's requests, timed and waiting through `clock` (so tests that
    take the waiting out of retries take it out of pacing too)."""
    return RateLimiter(
        max_rps, clock=lambda: clock.monotonic(), sleep=lambda seconds: clock.sleep(seconds)
    )


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


def _read_bounded(response: httpx.Response, *, limits: Limits, deadline: float) -> bytes:
    """The decompressed body of a response sent with stream=True: at most the size cap, before
    `deadline` (body.read_streamed inflates and bounds it a slice at a time)."""
    try:
        whole = response.content  # read already: httpx.MockTransport's answers come so
    except httpx.ResponseNotRead:
        pass
    else:
        check_size(len(whole), limits)
        return whole
    encoding = response.headers.get("content-encoding", "")
    return read_streamed(response.iter_raw(), encoding, limits=limits, deadline=deadline)


def _bounded_answer(response: httpx.Response, body: bytes) -> httpx.Response:
    """A plain response holding `body`, already decoded, for the code that reads answers
    (without the encoding header, which would have httpx decode it a second time)."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-encoding"]
    return httpx.Response(response.status_code, headers=headers, content=body)


def _send_bounded(
    http: httpx.Client, request: httpx.Request, *, started: float, limits: Limits, timeout: float
) -> httpx.Response:
    """`request` sent, its answer read whole within the size cap and the deadline (`started`
    + the limits' deadline): every request of this module, GET or POST, goes through here.

    OverLimit when the answer is too big or too slow; httpx's errors as they come."""
    deadline = started + limits.request_deadline_s
    # httpx's timeouts are per wait for bytes: none may start longer than the time left.
    remaining = max(0.001, deadline - clock.monotonic())
    waits = httpx.Timeout(min(timeout, remaining), connect=min(10.0, remaining))
    request.extensions["timeout"] = waits.as_dict()
    with request_deadline(deadline):
        response = http.send(request, stream=True)
        try:
            body = _read_bounded(response, limits=limits, deadline=deadline)
        finally:
            response.close()
    return _bounded_answer(response, body)


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
    started = clock.monotonic()
    headers = {
        "Accept": "application/json",
        "Accept-Encoding": ACCEPTED_ENCODINGS,  # only what body.read_streamed inflates itself
        "User-Agent": f"baseten-logs/{__version__}",
    }
    try:
        with httpx.Client(base_url=base_url, headers=headers) as http:
            keep_deadlines(http)
            request = http.build_request("POST", path, data=form)
            response = _send_bounded(http, request, started=started, limits=limits, timeout=timeout)
    except OverLimit as exc:
        hint = _TOKEN_TOO_BIG_HINT if exc.hint == TOO_BIG_HINT else exc.hint
        raise TransportError(f"POST {path}: {exc.problem}", hint=hint) from None
    except httpx.TimeoutException:
        if clock.monotonic() - started >= limits.request_deadline_s:
            raise TransportError(f"POST {path}: {too_slow(limits)}", hint=TOO_SLOW_HINT) from None
        raise TransportError(f"POST {path} timed out", hint="try again in a moment") from None
    except httpx.TransportError as exc:
        raise TransportError(
            f"POST {path}: connection failed ({exc.__class__.__name__})",
            hint="check the network and the API URL",
        ) from None
    if log is not None:
        elapsed_ms = (clock.monotonic() - started) * 1000
        log(f"POST {path} -> {response.status_code} in {elapsed_ms:.0f} ms")
    try:
        body = loads(response.content)[0]
    except TooDeep:
        raise too_deep(path) from None
    except ValueError:
        body = None
    return response.status_code, body


_TOKEN_TOO_BIG_HINT = "no token answer is that big: is the login's remote_url the Baseten API?"


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
                # Only what body.read_streamed inflates itself, within the size cap.
                "Accept-Encoding": ACCEPTED_ENCODINGS,
                "User-Agent": f"baseten-logs/{__version__}",
            },
            timeout=httpx.Timeout(timeout, connect=10.0),
            limits=httpx.Limits(max_connections=max_connections),
            transport=transport,
        )
        keep_deadlines(self._http)

    def end_waits_in(self, seconds: float) -> None:
        """No wait a server asks for (a 429's, which also pauses every request) may go past
        `seconds` from now: follow mode's --until. A retry that would wait longer is given up
        at once instead, so the run ends when it said it would. Our own backoff is not cut:
        a brief outage at the last poll is still retried."""
        self._waits_end = clock.monotonic() + max(0.0, seconds)

    def _wait_left(self) -> float:
        """Seconds any wait may still take (inf: no bound but the retry policy's)."""
        if self._waits_end is None:
            return math.inf
        return max(0.0, self._waits_end - clock.monotonic())

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

    def get_json(self, path: str, params: Params = ()) -> Any:
        """GET `path`, retrying what is safe to retry; the parsed JSON body or a domain error."""
        response = self._get_with_retries(path, params)
        return self._parsed(path, response)

    def _parsed(self, path: str, response: httpx.Response) -> Any:
        try:
            body, replaced = loads(response.content)
        except TooDeep:
            raise too_deep(path) from None
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
        arrivals.sending()
        response = self._get_with_retries(path, params, smaller_after=smaller_after)
        held = held_bytes(response.content)
        # Told before parsing: a caller bounding memory may hold the bytes until there is room.
        arrivals.arrived(len(response.content), held)
        body = self._parsed(path, response)
        logs = body.get("logs") if isinstance(body, dict) else None
        if not isinstance(logs, list) or not all(isinstance(item, dict) for item in logs):
            raise ApiError(
                f"the API's answer for {path} is not a list of logs",
                hint="the endpoint is in beta; please report this with -v output",
            )
        return Page(logs, held=held)

    def _get_with_retries(
        self, path: str, params: Params, *, smaller_after: int | None = None
    ) -> httpx.Response:
        policy = self._retry
        deadline = time.monotonic() + policy.total_seconds
        refused_waited = 0.0  # seconds spent waiting on refused connections
        attempt = 0
        server_errors = 0  # 5xx answers in a row
        while True:
            interruption.check()  # a Ctrl-C or SIGTERM Python lost: no more requests
            refused = False
            problem: str
            hint = RETRY_HINT
            wait: float | None = None
            if self.rate_limiter is not None:
                self.rate_limiter.turn()
            started = clock.monotonic()
            sent = {"Authorization": self._auth.header()} if self._auth else None
            try:
                self._requests_made = next(self._requests)  # thread-safe under the GIL
                response = self._get_bounded(path, params, started, headers=sent)
            except OverLimit as exc:
                problem, hint = exc.problem, exc.hint
                self._trace(path, params, problem, started)
            except httpx.TimeoutException:
                self._observe(None, started)
                problem = "timed out"
                if clock.monotonic() - started >= self._limits.request_deadline_s:
                    problem, hint = too_slow(self._limits), TOO_SLOW_HINT
                self._trace(path, params, problem, started)
            except httpx.TransportError as exc:
                self._observe(None, started)
                base = self._http.base_url
                mistake = connection_mistake(exc, base_url=base, url_source=self._url_source)
                problem = mistake.message if mistake else transport_problem(exc, host_port(base))
                self._trace(path, params, problem, started)
                if mistake is not None:
                    raise mistake from None  # the same answer every time: not retried
                refused = is_refused(exc)
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
                    raise error_for(
                        response,
                        path,
                        base_url=self._base_url,
                        url_source=self._url_source,
                        key_source=self._key_source,
                    )
                problem = describe(response)
                server_errors = server_errors + 1 if response.status_code >= 500 else 0
                if smaller_after is not None and server_errors >= smaller_after:
                    if self._log:
                        self._log(f"{problem}, {server_errors} times in a row: a smaller page next")
                    raise PageFailing(f"giving up on {path}: {problem}", hint=RETRY_HINT)
                if response.status_code == 429:
                    wait = server_wait(response.content, response.headers.get("Retry-After"))
                    if self.rate_limiter is not None:
                        left = self._wait_left()
                        self.rate_limiter.throttled(None if wait is None else min(wait, left))
            attempt += 1
            delay = wait if wait is not None else policy.backoff(attempt - 1)
            if refused and (attempt >= policy.attempts or refused_waited + delay > REFUSED_SECONDS):
                raise TransportError(
                    f"{problem} (the URL from {self._url_source}), after {tries(attempt)}",
                    hint="is the server running? check --api-url / BASETEN_API_URL",
                )
            if (
                attempt >= policy.attempts
                or time.monotonic() + delay > deadline
                or (wait is not None and wait > self._wait_left())
            ):
                raise TransportError(
                    f"giving up on {path} after {tries(attempt)}: {problem}",
                    hint=hint,
                )
            if refused:
                refused_waited += delay
            if self._log:
                self._log(f"retrying in {delay:.1f}s ({problem})")
            if self.on_retry is not None:
                self.on_retry(problem, delay)
            clock.sleep(delay)

    def _get_bounded(
        self, path: str, params: Params, started: float, *, headers: dict[str, str] | None
    ) -> httpx.Response:
        """One GET whose answer is read whole, within the size cap and the deadline."""
        request = self._http.build_request("GET", path, params=list(params), headers=headers)
        return _send_bounded(
            self._http, request, started=started, limits=self._limits, timeout=self._timeout
        )

    def _observe(self, status: int | None, started: float) -> None:
        elapsed = clock.monotonic() - started
        for observer in list(self.observers):
            observer(status, elapsed)

    def _trace(self, path: str, params: Params, outcome: str, started: float) -> None:
        if self._log is None:
            return
        query = "&".join(f"{key}={value}" for key, value in params)
        elapsed_ms = (clock.monotonic() - started) * 1000
        # The key is in a header, never in the URL, so the trace cannot leak it.
        self._log(f"GET {path}{'?' if query else ''}{query} -> {outcome} in {elapsed_ms:.0f} ms")
