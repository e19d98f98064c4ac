"""post_form, the one POST (a login's token refresh): what it sends, says and returns."""

from __future__ import annotations

import httpx
import pytest
from pytest_httpx import HTTPXMock

from baseten_logs import __version__
from baseten_logs.api.body import ACCEPTED_ENCODINGS
from baseten_logs.api.client import post_form
from baseten_logs.api.limits import Limits
from baseten_logs.base.errors import TransportError

URL = "https://api.test"
TOKEN = "/oauth/token"
FORM = {"grant_type": "refresh_token", "refresh_token": "r-1"}


def test_the_form_is_posted_asking_for_json_with_our_name(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What httpx asks for by default where brotli and zstandard are installed (not in this
    # venv): answers body.read_streamed would refuse.
    monkeypatch.setattr("httpx._client.ACCEPT_ENCODING", "gzip, deflate, br, zstd")
    httpx_mock.add_response(url=f"{URL}{TOKEN}", method="POST", json={"access_token": "a"})
    assert post_form(URL, TOKEN, FORM) == (200, {"access_token": "a"})
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Accept-Encoding"] == ACCEPTED_ENCODINGS  # only what we inflate
    assert request.headers["User-Agent"] == f"baseten-logs/{__version__}"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.content == b"grant_type=refresh_token&refresh_token=r-1"


@pytest.mark.parametrize(("given", "wait"), [(None, 30.0), (5.0, 5.0)])
def test_a_silent_token_server_is_given_up_on_after_the_timeout_and_10s_to_connect(
    httpx_mock: HTTPXMock, given: float | None, wait: float
) -> None:
    httpx_mock.add_response(url=f"{URL}{TOKEN}", method="POST", json={})
    if given is None:
        post_form(URL, TOKEN, FORM)
    else:
        post_form(URL, TOKEN, FORM, timeout=given)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.extensions["timeout"] == {
        "connect": 10.0,
        "read": wait,
        "write": wait,
        "pool": wait,
    }


def test_an_answer_that_is_not_json_is_the_status_and_none(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=f"{URL}{TOKEN}", method="POST", status_code=502, text="<html>")
    assert post_form(URL, TOKEN, FORM) == (502, None)


def test_the_verbose_trace_shows_the_status_and_time_but_never_the_form(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr("baseten_logs.api.client.time.monotonic", lambda: clock[0])

    def answer(request: httpx.Request) -> httpx.Response:
        clock[0] += 1.5  # the token server takes a second and a half
        return httpx.Response(400, json={"error": "invalid_grant"})

    httpx_mock.add_callback(answer, url=f"{URL}{TOKEN}", method="POST")
    lines: list[str] = []
    assert post_form(URL, TOKEN, FORM, log=lines.append) == (400, {"error": "invalid_grant"})
    assert lines == [f"POST {TOKEN} -> 400 in 1500 ms"]


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (httpx.ReadTimeout("slow"), f"POST {TOKEN} timed out (try again in a moment)"),
        (
            httpx.ConnectError("[Errno 111] Connection refused"),
            f"POST {TOKEN}: connection failed (ConnectError) (check the network and the API URL)",
        ),
    ],
)
def test_a_network_fault_is_one_line_and_never_retried(
    httpx_mock: HTTPXMock, slept: list[float], fault: Exception, error: str
) -> None:
    httpx_mock.add_exception(fault, url=f"{URL}{TOKEN}", method="POST")
    with pytest.raises(TransportError) as caught:
        post_form(URL, TOKEN, FORM)
    assert str(caught.value) == error
    assert len(httpx_mock.get_requests()) == 1 and slept == []


def test_a_token_answer_past_the_size_cap_asks_whether_the_url_is_the_api(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(url=f"{URL}{TOKEN}", method="POST", text="x" * 2048)
    with pytest.raises(TransportError) as caught:
        post_form(URL, TOKEN, FORM, limits=Limits(max_answer_bytes=1024))
    assert str(caught.value) == (
        f"POST {TOKEN}: the answer is larger than 1 KiB (the size cap)"
        " (no token answer is that big: is the login's remote_url the Baseten API?)"
    )


def test_an_answer_in_an_encoding_not_asked_for_keeps_its_own_hint(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{URL}{TOKEN}", method="POST", content=b"\x00", headers={"Content-Encoding": "br"}
    )
    with pytest.raises(TransportError) as caught:
        post_form(URL, TOKEN, FORM)
    assert str(caught.value).startswith(
        f'POST {TOKEN}: the answer is encoded as "br", which was not asked for ('
    )
    assert "remote_url" not in str(caught.value)


@pytest.mark.parametrize(
    ("taken", "error"),
    [
        (10.0, f"POST {TOKEN}: no complete answer within 10 s (the per-request deadline) ("),
        (9.5, f"POST {TOKEN} timed out (try again in a moment)"),
    ],
)
def test_a_timeout_at_the_deadline_itself_is_said_to_be_the_deadline(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch, taken: float, error: str
) -> None:
    clock = [100.0]
    monkeypatch.setattr("baseten_logs.api.clock.monotonic", lambda: clock[0])

    def slow(request: httpx.Request) -> httpx.Response:
        clock[0] += taken
        raise httpx.ReadTimeout("slow")

    httpx_mock.add_callback(slow, url=f"{URL}{TOKEN}", method="POST")
    with pytest.raises(TransportError) as caught:
        post_form(URL, TOKEN, FORM, limits=Limits(request_deadline_s=10.0))
    assert str(caught.value).startswith(error)
