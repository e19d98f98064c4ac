"""Retries in exact figures, a login that refreshes on 401, the timeouts a request carries, and
the exact words of answers that cannot be read."""

from __future__ import annotations

import re

import httpx
import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.api import clock as api_clock
from baseten_logs.api.client import ApiClient, RetryPolicy
from baseten_logs.api.limits import Limits
from baseten_logs.base.errors import ApiError, AuthError, TransportError

URL = "https://api.test"
PATH = "/v1/models/m/deployments/d/logs"
ANY = re.compile(rf"{URL}{PATH}.*")
LINE = {"timestamp": "1", "message": "m"}
OK = {"logs": [LINE]}
TOO_SLOW_HINT = (
    " (the API or the network is too slow; try again later"
    " (BASETEN_LOGS_REQUEST_DEADLINE sets the deadline in seconds))"
)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(api_clock, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def midway_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff jitter pinned halfway: waits of 0.375, 0.75, 1.5, 3 s..."""
    monkeypatch.setattr("baseten_logs.api.client.random.random", lambda: 0.5)


def refused() -> httpx.ConnectError:
    return httpx.ConnectError("[Errno 111] Connection refused")


def test_a_refused_connection_is_retried_for_three_seconds_of_waits(
    httpx_mock: HTTPXMock, slept: list[float], midway_jitter: None
) -> None:
    httpx_mock.add_exception(refused(), url=ANY, is_reusable=True)
    api = ApiClient(base_url=URL, api_key="k")
    with pytest.raises(TransportError) as caught:
        api.get_logs(PATH, [])
    assert slept == [0.375, 0.75, 1.5]  # one more (3 s) would pass 3 s in all
    assert str(caught.value).startswith(
        "connection refused by api.test:443 (the URL from the API URL setting), after 4 attempts"
    )
    assert api.requests_made == 4


@pytest.mark.parametrize(
    ("base_delay", "waits"),
    [(0.5, [0.5, 1.0]), (1.0, [1.0, 2.0])],  # the next (2 s, 4 s) would pass 3 s in all
)
def test_waits_for_a_refused_connection_add_up_to_at_most_three_seconds(
    httpx_mock: HTTPXMock,
    slept: list[float],
    monkeypatch: pytest.MonkeyPatch,
    base_delay: float,
    waits: list[float],
) -> None:
    monkeypatch.setattr("baseten_logs.api.client.random.random", lambda: 1.0)  # no jitter
    httpx_mock.add_exception(refused(), url=ANY, is_reusable=True)
    api = ApiClient(base_url=URL, api_key="k", retry=RetryPolicy(base_delay=base_delay))
    with pytest.raises(TransportError, match="after 3 attempts"):
        api.get_logs(PATH, [])
    assert slept == waits


def test_a_refused_connection_is_tried_no_more_than_the_attempts_allow(
    httpx_mock: HTTPXMock, slept: list[float], midway_jitter: None
) -> None:
    httpx_mock.add_exception(refused(), url=ANY, is_reusable=True)
    api = ApiClient(base_url=URL, api_key="k", retry=RetryPolicy(attempts=2))
    with pytest.raises(TransportError, match=r"after 2 attempts \(is the server running\?"):
        api.get_logs(PATH, [])
    assert slept == [0.375]


def test_a_refused_then_answered_request_is_observed_and_counted(
    httpx_mock: HTTPXMock, slept: list[float], midway_jitter: None
) -> None:
    httpx_mock.add_exception(refused(), url=ANY)
    httpx_mock.add_response(url=ANY, json=OK)
    seen: list[int | None] = []
    api = ApiClient(base_url=URL, api_key="k")
    api.observers.append(lambda status, seconds: seen.append(status))
    assert api.get_logs(PATH, []) == [LINE]
    assert seen == [None, 200] and slept == [0.375] and api.requests_made == 2


def test_observers_are_told_how_long_each_answer_took(
    httpx_mock: HTTPXMock, clock: list[float]
) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        clock[0] += 2.5
        return httpx.Response(200, json=OK)

    httpx_mock.add_callback(slow, url=ANY)
    seen: list[tuple[int | None, float]] = []
    api = ApiClient(base_url=URL, api_key="k")
    api.observers.append(lambda status, seconds: seen.append((status, seconds)))
    api.get_logs(PATH, [])
    assert seen == [(200, 2.5)]


def test_an_answer_over_the_size_cap_is_traced_as_such(
    httpx_mock: HTTPXMock, clock: list[float]
) -> None:
    httpx_mock.add_response(url=ANY, content=b" " * 2000)
    lines: list[str] = []
    api = ApiClient(
        base_url=URL,
        api_key="k",
        retry=RetryPolicy(attempts=1),
        limits=Limits(max_answer_bytes=1000),
        log=lines.append,
    )
    with pytest.raises(TransportError):
        api.get_logs(PATH, [("limit", "5")])
    assert lines == [
        f"GET {PATH}?limit=5 -> the answer is larger than 1,000 bytes (the size cap) in 0 ms"
    ]


class Login:
    """A login that can refresh once: 401 to the first token makes it offer a second."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.refusals: list[str] = []

    def header(self) -> str:
        return f"Bearer {self.tokens[0]}"

    def refused(self, sent: str) -> bool:
        self.refusals.append(sent)
        if len(self.tokens) > 1:
            self.tokens.pop(0)
            return True
        return False


def test_a_login_refreshed_after_a_401_is_tried_at_once_without_counting_a_retry(
    httpx_mock: HTTPXMock, slept: list[float]
) -> None:
    httpx_mock.add_response(url=ANY, status_code=401, json={"error": "expired"})
    httpx_mock.add_response(url=ANY, json=OK)
    login = Login(["old", "new"])
    api = ApiClient(base_url=URL, api_key="unused", auth=login, retry=RetryPolicy(attempts=1))
    assert api.get_logs(PATH, []) == [LINE]
    sent = [request.headers["Authorization"] for request in httpx_mock.get_requests()]
    assert sent == ["Bearer old", "Bearer new"]
    assert login.refusals == ["Bearer old"] and slept == []


def test_a_login_with_nothing_newer_to_offer_is_an_auth_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ANY, status_code=401, json={"error": "expired"})
    login = Login(["only"])
    api = ApiClient(base_url=URL, api_key="unused", auth=login, key_source="the login")
    with pytest.raises(AuthError, match="refused the key from the login"):
        api.get_logs(PATH, [])
    assert login.refusals == ["Bearer only"]


def test_a_403_is_not_a_reason_to_refresh_a_login(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ANY, status_code=403, json={"error": "forbidden"})
    login = Login(["old", "new"])
    with pytest.raises(AuthError):
        ApiClient(base_url=URL, api_key="k", auth=login).get_logs(PATH, [])
    assert login.refusals == []


def test_a_429_tells_whoever_listens(httpx_mock: HTTPXMock, slept: list[float]) -> None:
    # The observers are how a 429 reaches parallel fetching's controller (pace.observe).
    httpx_mock.add_response(url=ANY, status_code=429, json={"retry_after": 2})
    httpx_mock.add_response(url=ANY, json=OK)
    throttled: list[int | None] = []
    api = ApiClient(base_url=URL, api_key="k")
    api.observers.append(lambda status, seconds: throttled.append(status))
    api.get_logs(PATH, [])
    assert throttled == [429, 200] and slept == [2.0]


@pytest.mark.parametrize(
    ("deadline", "timeouts"),
    [
        (60.0, {"connect": 10.0, "read": 30.0, "write": 30.0, "pool": 30.0}),
        (5.0, {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}),
    ],
)
def test_a_request_never_waits_longer_than_its_deadline(
    httpx_mock: HTTPXMock, clock: list[float], deadline: float, timeouts: dict[str, float]
) -> None:
    httpx_mock.add_response(url=ANY, json=OK)
    api = ApiClient(base_url=URL, api_key="k", limits=Limits(request_deadline_s=deadline))
    api.get_logs(PATH, [])
    request = httpx_mock.get_request()
    assert request is not None and request.extensions["timeout"] == timeouts


def test_a_login_slower_than_the_deadline_leaves_the_request_no_time_to_wait(
    httpx_mock: HTTPXMock, clock: list[float]
) -> None:
    class SlowLogin(Login):
        def header(self) -> str:
            clock[0] += 6.0  # refreshing took 6 s of a 5 s deadline
            return super().header()

    httpx_mock.add_response(url=ANY, json=OK)
    api = ApiClient(
        base_url=URL,
        api_key="k",
        auth=SlowLogin(["t"]),
        retry=RetryPolicy(attempts=1),
        limits=Limits(request_deadline_s=5),
    )
    with pytest.raises(TransportError, match="no complete answer within 5 s"):
        api.get_logs(PATH, [])
    request = httpx_mock.get_request()
    assert request is not None
    assert request.extensions["timeout"] == dict.fromkeys(
        ("connect", "read", "write", "pool"), 0.001
    )


@pytest.mark.parametrize(
    ("waited", "problem", "hint"),
    [
        (10.0, "no complete answer within 10 s (the per-request deadline)", TOO_SLOW_HINT),
        (9.5, "timed out", " (the API may be down or rate limiting; try again later)"),
    ],
)
def test_a_timeout_at_the_deadline_is_named_as_the_deadline(
    httpx_mock: HTTPXMock, clock: list[float], waited: float, problem: str, hint: str
) -> None:
    def silent(request: httpx.Request) -> httpx.Response:
        clock[0] += waited
        raise httpx.ReadTimeout("timed out", request=request)

    httpx_mock.add_callback(silent, url=ANY)
    lines: list[str] = []
    api = ApiClient(
        base_url=URL,
        api_key="k",
        retry=RetryPolicy(attempts=1),
        limits=Limits(request_deadline_s=10),
        log=lines.append,
    )
    with pytest.raises(TransportError) as caught:
        api.get_logs(PATH, [])
    assert str(caught.value) == f"giving up on {PATH} after 1 attempt: {problem}{hint}"
    assert lines == [f"GET {PATH} -> {problem} in {waited * 1000:.0f} ms"]


@pytest.mark.parametrize(
    ("base", "headers", "kind"),
    [
        (URL, {}, "unknown content"),
        (URL, {"Content-Type": "application/json"}, "application/json"),
        (f"{URL}/GATEWAY-X", {}, "unknown content"),  # the API behind a path
    ],
)
def test_an_empty_answer_is_named_with_its_type(
    httpx_mock: HTTPXMock, base: str, headers: dict[str, str], kind: str
) -> None:
    httpx_mock.add_response(url=re.compile(rf"{base}{PATH}.*"), headers=headers, content=b"")
    with pytest.raises(ApiError) as caught:
        ApiClient(base_url=f"{base}/", api_key="k").get_logs(PATH, [])
    assert str(caught.value) == (
        f"{base} answered {PATH} with something that is not JSON ({kind})"
        " (check --api-url / BASETEN_API_URL)"
    )


def test_json_nested_too_deep_is_named_in_one_line(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ANY, content=b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(ApiError) as caught:
        ApiClient(base_url=URL, api_key="k").get_logs(PATH, [])
    assert str(caught.value) == (
        f"the API answered {PATH} with JSON nested too deep to read"
        " (the endpoint is in beta; please report this with -v output)"
    )


def test_bytes_that_are_not_utf8_are_warned_of_in_these_words(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ANY, content=b'{"logs": [{"message": "caf\xe9"}]}')
    warnings: list[str] = []
    ApiClient(base_url=URL, api_key="k", warn=warnings.append).get_logs(PATH, [])
    assert warnings == [
        f"the API's answer for {PATH} held bytes that are not UTF-8; they are shown as \ufffd"
        " (and any more such bytes in this run, without another warning)"
    ]


def test_only_encodings_read_within_the_size_cap_are_asked_for(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ANY, json=OK)
    ApiClient(base_url=URL, api_key="k").get_logs(PATH, [])
    request = httpx_mock.get_request()
    assert request is not None and request.headers["Accept-Encoding"] == "gzip, deflate"


def test_a_paced_run_waits_its_turn_on_the_clients_clock(
    clock: list[float], slept: list[float]
) -> None:
    from baseten_logs.api.client import paced
    from baseten_logs.api.pace import MIN_RPS, PACE_MARGIN

    clock[0] = 0.0
    limiter = paced(4.0)
    gap = 1.0 / max(MIN_RPS, 4.0 * PACE_MARGIN)
    assert limiter.turn() == 0.0
    assert limiter.turn() == gap  # the second request at once waits its turn
    clock[0] += 10.0
    assert limiter.turn() == 0.0  # ten seconds later, none to wait for
    assert slept == [gap]
