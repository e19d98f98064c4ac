"""The one place that builds httpx clients: base URL, auth, timeouts, retries and error mapping."""

from __future__ import annotations

import email.utils
import itertools
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from .errors import ApiError, AuthError, NotFoundError, TransportError, UsageError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
Params = Sequence[tuple[str, str]]


def sleep(seconds: float) -> None:
    """Indirection so tests can take the waiting out of retries."""
    time.sleep(seconds)


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
    """Seconds the server asked us to wait: the body's `retry_after`, else the header."""
    try:
        body = response.json()
        value = body.get("retry_after") if isinstance(body, dict) else None
        if isinstance(value, int | float) and value >= 0:
            return float(value)
    except (ValueError, UnicodeDecodeError):
        pass
    header = response.headers.get("Retry-After")
    if header is None:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:  # an HTTP-date; anything unreadable leaves the wait to our backoff
        moment = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _server_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(body, dict):
        for key in ("error", "message", "detail"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return ""


def _describe(response: httpx.Response) -> str:
    message = _server_message(response)
    return f"HTTP {response.status_code}" + (f": {message}" if message else "")


class ApiClient:
    """A small synchronous API client; thread-safe, so parallel fetchers share one."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        key_source: str = "the API key",
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        max_connections: int = 8,
        transport: httpx.BaseTransport | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        from . import __version__

        self._key_source = key_source
        self._retry = retry or RetryPolicy()
        self._log = log
        self._requests = itertools.count(1)
        self._requests_made = 0
        # Told of every 429, so parallel fetching can lower its concurrency.
        self.on_throttle: Callable[[], None] | None = None
        self._http = httpx.Client(
            base_url=base_url,
            headers={
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "User-Agent": f"baseten-logs/{__version__}",
            },
            timeout=httpx.Timeout(timeout, connect=10.0),
            limits=httpx.Limits(max_connections=max_connections),
            transport=transport,
        )

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
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            kind = response.headers.get("content-type", "unknown content")
            raise ApiError(
                f"the API answered {path} with something that is not JSON ({kind})",
                hint="is --api-url / BASETEN_API_URL pointing at the API, not a proxy or the app?",
            ) from None

    def get_logs(self, path: str, params: Params) -> list[dict[str, Any]]:
        """One page of log records, checked for shape so a wrong answer is an error, not a crash."""
        body = self.get_json(path, params)
        logs = body.get("logs") if isinstance(body, dict) else None
        if not isinstance(logs, list) or not all(
            isinstance(item, dict) and isinstance(item.get("timestamp"), str) for item in logs
        ):
            raise ApiError(
                f"the API's answer for {path} is not a list of logs",
                hint="the endpoint is in beta; please report this with -v output",
            )
        return logs

    def _get_with_retries(self, path: str, params: Params) -> httpx.Response:
        policy = self._retry
        deadline = time.monotonic() + policy.total_seconds
        attempt = 0
        while True:
            problem: str
            wait: float | None = None
            started = time.monotonic()
            try:
                self._requests_made = next(self._requests)  # thread-safe under the GIL
                response = self._http.get(path, params=list(params))
            except httpx.TimeoutException:
                problem = "timed out"
                self._trace(path, params, problem, started)
            except httpx.TransportError as exc:
                problem = f"connection failed ({exc.__class__.__name__})"
                self._trace(path, params, problem, started)
            else:
                self._trace(path, params, f"{response.status_code}", started)
                if response.status_code == 200:
                    return response
                if response.status_code not in RETRY_STATUSES:
                    raise self._error_for(response, path)
                problem = _describe(response)
                if response.status_code == 429:
                    wait = _retry_after(response)
                    if self.on_throttle is not None:
                        self.on_throttle()
            attempt += 1
            delay = wait if wait is not None else policy.backoff(attempt - 1)
            if attempt >= policy.attempts or time.monotonic() + delay > deadline:
                raise TransportError(
                    f"giving up on {path} after {attempt} attempts: {problem}",
                    hint="the API may be down or rate limiting; try again later",
                )
            if self._log:
                self._log(f"retrying in {delay:.1f}s ({problem})")
            sleep(delay)

    def _trace(self, path: str, params: Params, outcome: str, started: float) -> None:
        if self._log is None:
            return
        query = "&".join(f"{key}={value}" for key, value in params)
        elapsed_ms = (time.monotonic() - started) * 1000
        # The key is in a header, never in the URL, so the trace cannot leak it.
        self._log(f"GET {path}?{query} -> {outcome} in {elapsed_ms:.0f} ms")

    def _error_for(self, response: httpx.Response, path: str) -> Exception:
        status = response.status_code
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
