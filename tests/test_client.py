"""The client: retries what is safe to retry, maps the rest to one clear error."""

from __future__ import annotations

import email.utils
import re

import httpx
import pytest
from pytest_httpx import HTTPXMock

from baseten_logs import __version__
from baseten_logs.client import ApiClient, RetryPolicy
from baseten_logs.client import sleep as real_sleep
from baseten_logs.errors import (
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


def test_429_header_as_an_http_date(
    httpx_mock: HTTPXMock, slept: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    # RFC 9110 allows Retry-After as an HTTP-date: wait until then (now is pinned).
    monkeypatch.setattr("baseten_logs.client.time.time", lambda: 1_764_150_000.0)
    when = email.utils.formatdate(1_764_150_000.0 + 12, usegmt=True)
    httpx_mock.add_response(url=ANY, status_code=429, json={}, headers={"Retry-After": when})
    httpx_mock.add_response(url=ANY, json=OK)
    client().get_logs(PATH, [])
    assert slept == [12.0]


def test_429_header_date_in_the_past_retries_at_once(
    httpx_mock: HTTPXMock, slept: list[float]
) -> None:
    when = email.utils.formatdate(1_000_000_000.0, usegmt=True)
    httpx_mock.add_response(url=ANY, status_code=429, headers={"Retry-After": when})
    httpx_mock.add_response(url=ANY, json=OK)
    client().get_logs(PATH, [])
    assert slept == [0.0]


@pytest.mark.parametrize("header", ["soon", ""])
def test_429_unreadable_header_falls_back_to_backoff(
    httpx_mock: HTTPXMock, slept: list[float], header: str
) -> None:
    httpx_mock.add_response(url=ANY, status_code=429, headers={"Retry-After": header})
    httpx_mock.add_response(url=ANY, json=OK)
    client().get_logs(PATH, [])
    assert len(slept) == 1 and 0.25 <= slept[0] <= 0.5


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
        {"json": {"logs": [{"message": "no timestamp"}]}},
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


def test_verbose_log_never_shows_the_key(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ANY, status_code=503)
    httpx_mock.add_response(url=ANY, json=OK)
    lines: list[str] = []
    client(log=lines.append).get_logs(PATH, [("limit", "5")])
    assert any("GET /v1/models/m/deployments/d/logs?limit=5 -> 503" in line for line in lines)
    assert any("retrying" in line for line in lines)
    assert not any(KEY in line for line in lines)


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
    assert caught.value.message == f"giving up on {PATH} after 1 attempts: HTTP 502"


@pytest.mark.parametrize(
    ("body", "headers", "wait"),
    [
        ({"retry_after": 0}, {}, 0.0),  # "now" is a wait too, not a reason to back off
        ({}, {"Retry-After": "0"}, 0.0),
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
    monkeypatch.setattr("baseten_logs.client.random.random", lambda: 0.0)
    assert [policy.backoff(a) for a in range(5)] == [0.5, 1.0, 2.0, 4.0, 5.0]
    monkeypatch.setattr("baseten_logs.client.random.random", lambda: 1.0)
    assert [policy.backoff(a) for a in range(5)] == [1.0, 2.0, 4.0, 8.0, 10.0]


def test_waiting_between_retries_really_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    waited: list[float] = []
    monkeypatch.setattr("baseten_logs.client.time.sleep", waited.append)
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
        "GET /vN/models/m/deployments/d/logs?limit=N -> connection failed (ConnectError) in N ms",
        "retrying in Ns (connection failed (ConnectError))",
        "GET /vN/models/m/deployments/d/logs?limit=N -> N in N ms",
    ]


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ({"content-type": "text/html; charset=utf-8"}, "text/html; charset=utf-8"),
        ({}, "unknown content"),
    ],
)
def test_an_answer_that_is_not_json_says_what_it_was(
    httpx_mock: HTTPXMock, headers: dict[str, str], kind: str
) -> None:
    httpx_mock.add_response(url=ANY, content=b"<html>Sign in</html>", headers=headers)
    with pytest.raises(ApiError) as caught:
        client().get_logs(PATH, [])
    assert str(caught.value) == (
        f"the API answered {PATH} with something that is not JSON ({kind})"
        " (is --api-url / BASETEN_API_URL pointing at the API, not a proxy or the app?)"
    )


def test_an_answer_without_a_list_of_logs_is_one_clear_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ANY, json={"logs": [{"message": "no timestamp"}]})
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
    ticks = iter(range(0, 100_000, 2000))
    monkeypatch.setattr("baseten_logs.client.time.monotonic", lambda: next(ticks) / 1000)
    httpx_mock.add_response(url=ANY, json=OK)
    lines: list[str] = []
    client(log=lines.append).get_logs(PATH, [("limit", "5"), ("direction", "asc")])
    assert lines == [f"GET {PATH}?limit=5&direction=asc -> 200 in 2000 ms"]
