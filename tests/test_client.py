"""The client: retries what is safe to retry, maps the rest to one clear error."""

from __future__ import annotations

import email.utils
import re

import httpx
import pytest
from pytest_httpx import HTTPXMock

from baseten_logs import __version__
from baseten_logs.api import arrivals
from baseten_logs.api.client import ApiClient, RetryPolicy
from baseten_logs.api.clock import sleep as real_sleep
from baseten_logs.api.limits import held_bytes
from baseten_logs.api.page import Page
from baseten_logs.base.errors import (
    ApiError,
    AuthError,
    ExitStatus,
    NotFoundError,
    TransportError,
    UsageError,
)

URL = "https://api.test"
PATH = "/v1/models/m/deployments/d/logs"
ANY = re.compile(rf"{URL}{PATH}.*")
KEY = "secret-key-do-not-print-0123"
OK = {"logs": [{"timestamp": "1", "message": "m", "replica": None, "request_id": None}]}


def client(**kwargs: object) -> ApiClient:
    return ApiClient(base_url=URL, api_key=KEY, **kwargs)  # type: ignore[arg-type]


def test_sends_bearer_key_and_params(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ANY, json=OK)
    logs = client().get_logs(PATH, [("includes", "a"), ("includes", "b"), ("limit", "5")])
    assert logs == OK["logs"]
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"] == f"baseten-logs/{__version__}"
    assert request.url.query == b"includes=a&includes=b&limit=5"


def test_a_page_carries_what_its_answer_holds_measured_from_its_bytes(
    httpx_mock: HTTPXMock,
) -> None:
    body = b'{"logs": [{"timestamp": "1", "message": "m", "extra": [[], [], {"x": 1.5}]}]}'
    httpx_mock.add_response(url=ANY, content=body)
    page = client().get_logs(PATH, [])
    assert isinstance(page, Page) and page.held == held_bytes(body)


def test_a_logs_answer_is_told_to_the_threads_hook_before_it_is_parsed(
    httpx_mock: HTTPXMock,
) -> None:
    body = b'{"logs": [{"timestamp": "1", "message": "m"}]}'
    httpx_mock.add_response(url=ANY, content=body)
    told: list[object] = []

    class Hook:
        def sending(self) -> None:
            told.append("sending")

        def arrived(self, raw: int, held: int) -> None:
            told.append((raw, held))

    with arrivals.told(Hook()):
        page = client().get_logs(PATH, [])
    assert isinstance(page, Page)
    assert told == ["sending", (len(body), page.held)]


def test_429_waits_as_the_body_says(httpx_mock: HTTPXMock, slept: list[float]) -> None:
    httpx_mock.add_response(url=ANY, status_code=429, json={"error": "slow", "retry_after": 7})
    httpx_mock.add_response(url=ANY, json=OK)
    assert client().get_logs(PATH, []) == OK["logs"]
    assert slept == [7.0]


def test_429_header_when_the_body_has_no_wait(httpx_mock: HTTPXMock, slept: list[float]) -> None:
    httpx_mock.add_response(
        url=ANY, status_code=429, json={"error": "slow"}, headers={"Retry-After": "3"}
    )
    httpx_mock.add_response(url=ANY, json=OK)
    client().get_logs(PATH, [])
    assert slept == [3.0]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried_with_growing_jittered_backoff(
    httpx_mock: HTTPXMock, slept: list[float], status: int
) -> None:
    for _ in range(3):
        httpx_mock.add_response(url=ANY, status_code=status, text="<html>bad gateway</html>")
    httpx_mock.add_response(url=ANY, json=OK)
    client().get_logs(PATH, [])
    assert len(slept) == 3
    assert 0.25 <= slept[0] <= 0.5 and 0.5 <= slept[1] <= 1.0 and 1.0 <= slept[2] <= 2.0


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ReadTimeout("slow"),
        httpx.ConnectTimeout("slow"),
        httpx.ConnectError("refused"),
        httpx.RemoteProtocolError("dropped"),
    ],
)
def test_network_faults_are_retried(
    httpx_mock: HTTPXMock, slept: list[float], exc: Exception
) -> None:
    httpx_mock.add_exception(exc, url=ANY)
    httpx_mock.add_response(url=ANY, json=OK)
    assert client().get_logs(PATH, []) == OK["logs"]
    assert len(slept) == 1


def test_gives_up_after_the_attempt_bound(httpx_mock: HTTPXMock, slept: list[float]) -> None:
    for _ in range(3):
        httpx_mock.add_response(url=ANY, status_code=503, json={"error": "down"})
    with pytest.raises(TransportError) as caught:
        client(retry=RetryPolicy(attempts=3)).get_logs(PATH, [])
    assert str(caught.value) == (
        f"giving up on {PATH} after 3 attempts: HTTP 503: down"
        " (the API may be down or rate limiting; try again later)"
    )
    assert caught.value.status == ExitStatus.API


def test_gives_up_when_the_wait_exceeds_the_time_bound(
    httpx_mock: HTTPXMock, slept: list[float]
) -> None:
    httpx_mock.add_response(url=ANY, status_code=429, json={"retry_after": 600})
    with pytest.raises(TransportError):
        client(retry=RetryPolicy(total_seconds=60)).get_logs(PATH, [])
    assert slept == []


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthError),
        (403, AuthError),
        (404, NotFoundError),
        (400, UsageError),
        (422, UsageError),
        (418, ApiError),
    ],
)
def test_client_errors_fail_at_once(
    httpx_mock: HTTPXMock, slept: list[float], status: int, error: type[Exception]
) -> None:
    httpx_mock.add_response(url=ANY, status_code=status, json={"error": "nope"})
    with pytest.raises(error) as caught:
        client().get_logs(PATH, [])
    assert slept == []
    assert KEY not in str(caught.value)


def test_auth_error_says_where_the_key_came_from(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ANY, status_code=401, json={"error": "Invalid API key"})
    with pytest.raises(AuthError) as caught:
        client(key_source="BASETEN_API_KEY").get_logs(PATH, [])
    assert "BASETEN_API_KEY" in str(caught.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"text": "<html><body>502 Bad Gateway</body></html>"},
        {"json": {"data": []}},
        {"json": {"logs": [["not", "an", "object"]]}},
        {"json": {"logs": "nope"}},
        {"json": ["logs"]},
        {"content": b"\xff\xfe"},
    ],
)
def test_wrong_answers_are_api_errors_not_crashes(
    httpx_mock: HTTPXMock, kwargs: dict[str, object]
) -> None:
    httpx_mock.add_response(url=ANY, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ApiError):
        client().get_logs(PATH, [])


def test_a_page_is_taken_whatever_form_its_times_have(httpx_mock: HTTPXMock) -> None:
    # The endpoint is beta: each line's time is judged later, line by line, not by the client.
    logs = [
        {"timestamp": 1764150000123456789, "message": "an integer"},
        {"timestamp": "2025-11-26T09:40:00.123Z", "message": "RFC 3339"},
        {"message": "none at all"},
    ]
    httpx_mock.add_response(url=ANY, json={"logs": logs})
    assert client().get_logs(PATH, []) == logs


def test_verbose_log_never_shows_the_key(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ANY, status_code=503)
    httpx_mock.add_response(url=ANY, json=OK)
    lines: list[str] = []
    client(log=lines.append).get_logs(PATH, [("limit", "5")])
    assert any("GET /v1/models/m/deployments/d/logs?limit=5 -> 503" in line for line in lines)
    assert any("retrying" in line for line in lines)
    assert not any(KEY in line for line in lines)


HTML = "<!doctype html><html><body>Sign in</body></html>"


@pytest.mark.parametrize(
    ("status", "headers", "body", "words"),
    [
        (404, {"content-type": "text/html"}, HTML, "(HTML answer, HTTP 404)"),
        (200, {"content-type": "text/html; charset=utf-8"}, HTML, "(HTML answer, HTTP 200)"),
        (401, {"content-type": "text/html"}, HTML, "(HTML answer, HTTP 401)"),
        (404, {"content-type": "text/plain"}, "404 page not found", "text/plain answer"),
        (
            301,
            {"location": "https://app.example.com/"},
            "",
            "redirects to https://app.example.com/",
        ),
        (302, {}, "", "answered with a redirect (HTTP 302)"),
    ],
)
def test_a_url_that_is_not_the_api_is_named_with_its_source(
    httpx_mock: HTTPXMock, status: int, headers: dict[str, str], body: str, words: str
) -> None:
    httpx_mock.add_response(url=ANY, status_code=status, headers=headers, text=body)
    with pytest.raises(ApiError) as caught:
        client(url_source="BASETEN_API_URL").get_logs(PATH, [])
    error = caught.value
    assert not isinstance(error, NotFoundError | AuthError)  # not the model's or the key's fault
    assert error.status == ExitStatus.API
    assert str(error).startswith(f"{URL} (from BASETEN_API_URL) ")
    assert words in str(error) and "check --api-url / BASETEN_API_URL" in str(error)


def test_a_json_404_still_blames_the_ids(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ANY, status_code=404, json={"error": "Model not found"})
    with pytest.raises(NotFoundError):
        client().get_logs(PATH, [])


def test_a_refused_connection_is_retried_briefly_and_named(
    httpx_mock: HTTPXMock, slept: list[float]
) -> None:
    refused = httpx.ConnectError("[Errno 111] Connection refused")
    httpx_mock.add_exception(refused, url=ANY, is_reusable=True)
    with pytest.raises(TransportError) as caught:
        client(url_source="--api-url").get_logs(PATH, [])
    assert 1 <= len(slept) and sum(slept) <= 3.0  # a few seconds at most, not 90
    message = str(caught.value)
    assert message.startswith("connection refused by api.test:443 (the URL from --api-url)")
    assert "1 attempts" not in message


def test_every_retry_is_told_at_once(httpx_mock: HTTPXMock, slept: list[float]) -> None:
    httpx_mock.add_response(url=ANY, status_code=503, json={"error": "down"})
    httpx_mock.add_response(url=ANY, json=OK)
    told: list[tuple[str, float]] = []
    api = client()
    api.on_retry = lambda problem, wait: told.append((problem, wait))
    api.get_logs(PATH, [])
    assert told == [("HTTP 503: down", slept[0])]


def test_the_trace_of_a_request_without_a_query_has_no_dangling_question_mark(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(url=f"{URL}/v1/models", json={"models": []})
    lines: list[str] = []
    client(log=lines.append).get_json("/v1/models")
    assert lines[0].startswith("GET /v1/models -> 200 in ")


class CountingLimiter:
    """A rate limiter that only counts: turns taken and the 429s it was told of."""

    def __init__(self) -> None:
        self.turns = 0
        self.told: list[float | None] = []

    def turn(self) -> float:
        self.turns += 1
        return 0.0

    def throttled(self, retry_after: float | None) -> None:
        self.told.append(retry_after)


def test_every_attempt_takes_a_turn_and_a_429_slows_the_whole_run(
    httpx_mock: HTTPXMock, slept: list[float]
) -> None:
    httpx_mock.add_response(url=ANY, status_code=429, json={"error": "slow", "retry_after": 37})
    httpx_mock.add_response(url=ANY, json=OK)
    httpx_mock.add_response(url=f"{URL}/v1/models", json={"models": []})
    pace = CountingLimiter()
    seen: list[int | None] = []
    api = client(rate_limiter=pace)
    api.observers.append(lambda status, seconds: seen.append(status))
    api.get_logs(PATH, [])
    api.get_json("/v1/models")  # a name lookup waits its turn like a page of logs
    assert pace.turns == 3 and pace.told == [37.0] and slept == [37.0]
    assert seen == [429, 200, 200]


def test_a_failed_connection_is_reported_without_a_status(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ConnectTimeout("slow"), url=ANY)
    httpx_mock.add_response(url=ANY, json=OK)
    seen: list[int | None] = []
    api = client()
    api.observers.append(lambda status, seconds: seen.append(status))
    api.get_logs(PATH, [])
    assert seen == [None, 200]


def test_429_header_as_an_http_date(
    httpx_mock: HTTPXMock, slept: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    # RFC 9110 allows Retry-After as an HTTP-date: wait until then (now is pinned).
    monkeypatch.setattr("baseten_logs.api.client.time.time", lambda: 1_764_150_000.0)
    when = email.utils.formatdate(1_764_150_000.0 + 12, usegmt=True)
    httpx_mock.add_response(url=ANY, status_code=429, json={}, headers={"Retry-After": when})
    httpx_mock.add_response(url=ANY, json=OK)
    client().get_logs(PATH, [])
    assert slept == [12.0]


@pytest.mark.parametrize("header", ["soon", ""])
def test_429_unreadable_header_falls_back_to_backoff(
    httpx_mock: HTTPXMock, slept: list[float], header: str
) -> None:
    httpx_mock.add_response(url=ANY, status_code=429, headers={"Retry-After": header})
    httpx_mock.add_response(url=ANY, json=OK)
    client().get_logs(PATH, [])
    assert len(slept) == 1 and 0.25 <= slept[0] <= 0.5


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (
            401,
            {"error": "Invalid API key"},
            "the API refused the key from the API key (HTTP 401: Invalid API key)"
            " (check that the key is current and belongs to the model's workspace)",
        ),
        (
            404,
            {"message": "no such deployment"},
            f"not found: {PATH} (HTTP 404: no such deployment)"
            " (check the model and deployment ids; a brand-new deployment may need a moment)",
        ),
        (
            422,
            {"detail": "limit: must be at most 1000"},
            "the API rejected the query: HTTP 422: limit: must be at most 1000",
        ),
        (418, ["not", "a", "dict"], f"unexpected answer from the API for {PATH}: HTTP 418"),
    ],
)
def test_errors_read_as_one_line_with_the_servers_words(
    httpx_mock: HTTPXMock, status: int, body: object, error: str
) -> None:
    httpx_mock.add_response(url=ANY, status_code=status, json=body)
    with pytest.raises(Exception) as caught:
        client().get_logs(PATH, [])
    assert str(caught.value) == error


def test_giving_up_on_an_html_error_page_quotes_no_html(
    httpx_mock: HTTPXMock, slept: list[float]
) -> None:
    httpx_mock.add_response(url=ANY, status_code=502, text="<html>bad gateway</html>")
    with pytest.raises(TransportError) as caught:
        client(retry=RetryPolicy(attempts=1)).get_logs(PATH, [])
    assert caught.value.message == f"giving up on {PATH} after 1 attempt: HTTP 502"


@pytest.mark.parametrize(
    ("body", "headers", "wait"),
    [
        (["rate", "limited"], {"Retry-After": "2"}, 2.0),  # a body that is not an object
    ],
)
def test_429_waits_exactly_as_told(
    httpx_mock: HTTPXMock, slept: list[float], body: object, headers: dict[str, str], wait: float
) -> None:
    httpx_mock.add_response(url=ANY, status_code=429, json=body, headers=headers)
    httpx_mock.add_response(url=ANY, json=OK)
    client().get_logs(PATH, [])
    assert slept == [wait]


def test_backoff_jitter_spans_half_to_all_of_its_ceiling(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=10.0)
    monkeypatch.setattr("baseten_logs.api.client.random.random", lambda: 0.0)
    assert [policy.backoff(a) for a in range(5)] == [0.5, 1.0, 2.0, 4.0, 5.0]
    monkeypatch.setattr("baseten_logs.api.client.random.random", lambda: 1.0)
    assert [policy.backoff(a) for a in range(5)] == [1.0, 2.0, 4.0, 8.0, 10.0]


def test_waiting_between_retries_really_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    waited: list[float] = []
    monkeypatch.setattr("baseten_logs.api.clock.time.sleep", waited.append)
    real_sleep(0.25)
    assert waited == [0.25]


def test_verbose_trace_says_what_each_attempt_did(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), url=ANY)
    httpx_mock.add_exception(httpx.ConnectError("refused"), url=ANY)
    httpx_mock.add_response(url=ANY, json=OK)
    lines: list[str] = []
    client(log=lines.append).get_logs(PATH, [("limit", "5")])
    shape = [re.sub(r"\d+(\.\d+)?", "N", line) for line in lines]
    assert shape == [
        "GET /vN/models/m/deployments/d/logs?limit=N -> timed out in N ms",
        "retrying in Ns (timed out)",
        "GET /vN/models/m/deployments/d/logs?limit=N -> connection refused by api.test:N in N ms",
        "retrying in Ns (connection refused by api.test:N)",
        "GET /vN/models/m/deployments/d/logs?limit=N -> N in N ms",
    ]


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ({"content-type": "text/html; charset=utf-8"}, "HTML answer"),
        ({}, "untyped answer, not JSON"),
    ],
)
def test_an_answer_that_is_not_json_says_what_it_was(
    httpx_mock: HTTPXMock, headers: dict[str, str], kind: str
) -> None:
    httpx_mock.add_response(url=ANY, content=b"<html>Sign in</html>", headers=headers)
    with pytest.raises(ApiError) as caught:
        client().get_logs(PATH, [])
    assert str(caught.value) == (
        f"{URL} (from the API URL setting) does not look like the Baseten API ({kind}, HTTP 200);"
        " check --api-url / BASETEN_API_URL"
    )


def test_an_answer_without_a_list_of_logs_is_one_clear_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ANY, json={"logs": [1, 2]})
    with pytest.raises(ApiError) as caught:
        client().get_logs(PATH, [])
    assert str(caught.value) == (
        f"the API's answer for {PATH} is not a list of logs"
        " (the endpoint is in beta; please report this with -v output)"
    )


def test_requests_are_counted_from_zero(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ANY, json=OK)
    api = client()
    assert api.requests_made == 0
    api.get_logs(PATH, [])
    assert api.requests_made == 1


def test_a_silent_server_is_given_up_on_after_30s_and_10s_to_connect() -> None:
    assert client()._http.timeout == httpx.Timeout(30.0, connect=10.0)


def test_a_given_transport_is_the_one_used() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json=OK)

    with ApiClient(base_url=URL, api_key=KEY, transport=httpx.MockTransport(answer)) as api:
        assert api.get_logs(PATH, []) == OK["logs"]
    assert seen == [PATH]


def test_verbose_trace_shows_the_query_and_the_time_taken(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr("baseten_logs.api.client.time.monotonic", lambda: clock[0])

    def answer(request: httpx.Request) -> httpx.Response:
        clock[0] += 2.0  # the API takes two seconds to answer
        return httpx.Response(200, json=OK)

    httpx_mock.add_callback(answer, url=ANY)
    lines: list[str] = []
    client(log=lines.append).get_logs(PATH, [("limit", "5"), ("direction", "asc")])
    assert lines == [f"GET {PATH}?limit=5&direction=asc -> 200 in 2000 ms"]
