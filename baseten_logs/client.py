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
from typing import Any, Protocol

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
        moment = email.utils.parsedate_to_datetime(header) if header else None
        return None if moment is None else max(0.0, moment.timestamp() - time.time())


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
    page that is not JSON. None when it may well be the API."""
    status = response.status_code
    where = f"{base_url} (from {url_source})"
    check = "check --api-url / BASETEN_API_URL"
    if 300 <= status < 400:
        target = response.headers.get("location")
        points = f"redirects to {target}" if target else f"answered with a redirect (HTTP {status})"
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
    """A transport failure in words a user can act on, naming host and port."""
    if _refused(exc):
        return f"connection refused by {address}"
    text = str(exc).lower()
    if isinstance(exc, httpx.ConnectError) and (
        "name or service" in text or "nodename" in text or "getaddrinfo" in text
    ):
        return f"cannot resolve the host of {address}"
    detail = str(exc).strip()
    return f"connection to {address} failed ({detail or exc.__class__.__name__})"


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
    log: Callable[[str], None] | None = None,
) -> tuple[int, Any]:
    """One POST of a form (the OAuth token endpoint): the status and the JSON body, or None.

    Never retried: a refresh token may be single-use. The form is never traced or logged.
    """
    from . import __version__

    started = time.monotonic()
    try:
        with httpx.Client(base_url=base_url, timeout=httpx.Timeout(timeout, connect=10.0)) as http:
            response = http.post(
                path,
                data=form,
                headers={"Accept": "application/json", "User-Agent": f"baseten-logs/{__version__}"},
            )
    except httpx.TimeoutException:
        raise TransportError(f"POST {path} timed out", hint="try again in a moment") from None
    except httpx.TransportError as exc:
        raise TransportError(
            f"POST {path}: connection failed ({exc.__class__.__name__})",
            hint="check the network and the API URL",
        ) from None
    if log is not None:
        elapsed_ms = (time.monotonic() - started) * 1000
        log(f"POST {path} -> {response.status_code} in {elapsed_ms:.0f} ms")
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    return response.status_code, body


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
    ) -> None:
        from . import __version__

        self._key_source = key_source
        self._auth = auth  # when set, it gives each request's Authorization (api_key unused)
        self._url_source = url_source
        self._base_url = base_url.rstrip("/")
        self._retry = retry or RetryPolicy()
        self._log = log
        self._requests = itertools.count(1)
        self._requests_made = 0
        # Told of every 429, so parallel fetching can lower its concurrency.
        self.on_throttle: Callable[[], None] | None = None
        # Told of every retry (what failed, seconds until the next try), so follow mode can say
        # "reconnecting" at once instead of after the whole retry budget.
        self.on_retry: Callable[[str, float], None] | None = None
        self._http = httpx.Client(
            base_url=base_url,
            headers={
                **({} if auth else {"Authorization": f"Bearer {api_key}"}),
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
            wrong = not_the_api(response, base_url=self._base_url, url_source=self._url_source)
            raise wrong or ApiError(
                f"{self._base_url} answered {path} with an empty body, not JSON",
                hint="check --api-url / BASETEN_API_URL",
            ) from None

    def get_logs(self, path: str, params: Params) -> list[dict[str, Any]]:
        """One page of log records, checked for shape so a wrong answer is an error, not a crash.

        Only the shape of the page: each line's time (any of the forms the beta endpoint may
        send, or none that can be read) is for the caller to judge, line by line."""
        body = self.get_json(path, params)
        logs = body.get("logs") if isinstance(body, dict) else None
        if not isinstance(logs, list) or not all(isinstance(item, dict) for item in logs):
            raise ApiError(
                f"the API's answer for {path} is not a list of logs",
                hint="the endpoint is in beta; please report this with -v output",
            )
        return logs

    def _get_with_retries(self, path: str, params: Params) -> httpx.Response:
        policy = self._retry
        deadline = time.monotonic() + policy.total_seconds
        refused_waited = 0.0  # seconds spent waiting on refused connections
        attempt = 0
        while True:
            refused = False
            problem: str
            wait: float | None = None
            started = time.monotonic()
            sent = {"Authorization": self._auth.header()} if self._auth else None
            try:
                self._requests_made = next(self._requests)  # thread-safe under the GIL
                response = self._http.get(path, params=list(params), headers=sent)
            except httpx.TimeoutException:
                problem = "timed out"
                self._trace(path, params, problem, started)
            except httpx.TransportError as exc:
                refused = _refused(exc)
                problem = _transport_problem(exc, _host_port(self._http.base_url))
                self._trace(path, params, problem, started)
            else:
                self._trace(path, params, f"{response.status_code}", started)
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
                if response.status_code == 429:
                    wait = _retry_after(response)
                    if self.on_throttle is not None:
                        self.on_throttle()
            attempt += 1
            delay = wait if wait is not None else policy.backoff(attempt - 1)
            if refused and (attempt >= policy.attempts or refused_waited + delay > REFUSED_SECONDS):
                raise TransportError(
                    f"{problem} (the URL from {self._url_source}), after {_tries(attempt)}",
                    hint="is the server running? check --api-url / BASETEN_API_URL",
                )
            if attempt >= policy.attempts or time.monotonic() + delay > deadline:
                raise TransportError(
                    f"giving up on {path} after {_tries(attempt)}: {problem}",
                    hint="the API may be down or rate limiting; try again later",
                )
            if refused:
                refused_waited += delay
            if self._log:
                self._log(f"retrying in {delay:.1f}s ({problem})")
            if self.on_retry is not None:
                self.on_retry(problem, delay)
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
