"""A server's word on how long to wait is clamped: at most 60 s a wait, never past --until.

A hostile or broken server answers 429 with `retry_after: 1e9` (or `Retry-After: 1e9`, or a date
decades ahead). Without a clamp, that one answer paused every request of the run for 31 years:
follow mode froze, past --until. Time is a fake clock here, which every sleep moves on.
"""

from __future__ import annotations

import email.utils
import functools
import time
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.api import clock as api_clock
from baseten_logs.api.client import ApiClient, RetryPolicy, paced
from baseten_logs.api.retrying import MAX_SERVER_WAIT_S
from baseten_logs.base.errors import TransportError
from baseten_logs.reading.follow import Follower, FollowSettings
from baseten_logs.reading.query import LogQuery

URL = "https://api.test"
PATH = "/v1/models/m/deployments/d/logs"
OK = {"logs": [{"timestamp": "1", "message": "m"}]}
T0 = 1_764_150_000.0
FOREVER = {"error": "slow down", "retry_after": 1e9}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, slept: list[float]) -> list[float]:
    """The client's clock, which its sleeps (retries, the rate limiter's turns) move on."""
    now = [T0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(api_clock, "monotonic", lambda: now[0])
    monkeypatch.setattr(api_clock, "sleep", sleep)
    return now


def paced_client(attempts: int = 6) -> ApiClient:
    return ApiClient(
        base_url=URL,
        api_key="k" * 20,
        retry=RetryPolicy(attempts=attempts),
        rate_limiter=paced(100),
    )


@pytest.mark.parametrize(
    "answer",
    [
        {"json": FOREVER},
        {"json": {"error": "slow down"}, "headers": {"Retry-After": "1e9"}},
        {"content": b'{"retry_after": 1e999}', "headers": {"Retry-After": "999999"}},
        {"headers": {"Retry-After": email.utils.formatdate(time.time() + 1e9, usegmt=True)}},
    ],
    ids=["body", "header", "body-inf-then-header", "date-decades-ahead"],
)
def test_a_429_asking_for_ages_is_waited_out_for_60_s_then_retried(
    httpx_mock: HTTPXMock, clock: list[float], slept: list[float], answer: dict[str, Any]
) -> None:
    httpx_mock.add_response(status_code=429, **answer)
    httpx_mock.add_response(json=OK)
    assert paced_client().get_logs(PATH, []) == OK["logs"]
    assert MAX_SERVER_WAIT_S == 60.0
    assert slept == [60.0]


def test_the_pause_a_429_puts_on_every_request_is_clamped_too(
    httpx_mock: HTTPXMock, clock: list[float], slept: list[float]
) -> None:
    httpx_mock.add_response(status_code=429, json=FOREVER)
    httpx_mock.add_response(json=OK)
    api = paced_client(attempts=1)
    with pytest.raises(TransportError, match="after 1 attempt: HTTP 429: slow down"):
        api.get_logs(PATH, [])
    assert api.get_logs(PATH, []) == OK["logs"]  # the next request waits its turn: 60 s
    assert slept == [60.0]


def test_a_wait_past_the_end_of_the_run_is_given_up_at_once(
    httpx_mock: HTTPXMock, clock: list[float], slept: list[float]
) -> None:
    httpx_mock.add_response(status_code=429, json={"error": "slow down", "retry_after": 30})
    httpx_mock.add_response(json=OK)
    api = paced_client()
    api.end_waits_in(10)
    with pytest.raises(TransportError, match="after 1 attempt: HTTP 429: slow down"):
        api.get_logs(PATH, [])
    assert slept == []
    assert api.get_logs(PATH, []) == OK["logs"]  # paused only up to the end: 10 s
    assert slept == [10.0]


@pytest.mark.parametrize("until", [0.0, -5.0])
def test_at_the_end_of_the_run_no_server_wait_is_left_however_short(
    httpx_mock: HTTPXMock, clock: list[float], slept: list[float], until: float
) -> None:
    """--until reached (or passed: a poll that ran late): even half a second is too long."""
    httpx_mock.add_response(status_code=429, json={"error": "slow down", "retry_after": 0.5})
    httpx_mock.add_response(json=OK)
    api = paced_client()
    api.end_waits_in(until)
    with pytest.raises(TransportError, match="after 1 attempt: HTTP 429: slow down"):
        api.get_logs(PATH, [])
    assert slept == []
    assert api.get_logs(PATH, []) == OK["logs"]  # the 429's pause ends with the run: none
    assert max(slept) < 0.1  # a turn of the pace, no pause


def test_our_own_backoff_is_not_cut_by_the_end_of_the_run(
    httpx_mock: HTTPXMock, clock: list[float], slept: list[float]
) -> None:
    httpx_mock.add_response(status_code=503, json={"error": "a moment"})
    httpx_mock.add_response(json=OK)
    api = paced_client()
    api.end_waits_in(0)  # the last poll, past --until: a brief outage is still retried
    assert api.get_logs(PATH, []) == OK["logs"]
    assert len(slept) == 1 and slept[0] <= 0.5


def test_follow_with_until_ends_on_time_when_every_answer_is_a_429_for_ages(
    httpx_mock: HTTPXMock, clock: list[float], slept: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    from baseten_logs.cli.sinks import SinkSet
    from baseten_logs.reading import run

    def follower_clock() -> float:
        return clock[0]

    def follower_sleep(seconds: float) -> None:
        clock[0] += seconds

    monkeypatch.setattr(
        run, "Follower", functools.partial(Follower, clock=follower_clock, sleep=follower_sleep)
    )
    httpx_mock.add_response(status_code=429, json=FOREVER, is_reusable=True)
    now_ms = int(T0 * 1000)
    until_ms = now_ms + 10_000
    query = LogQuery(path=PATH, since_ms=now_ms - 60_000, until_ms=now_ms, limit=None)
    settings = FollowSettings()
    with pytest.raises(TransportError, match="HTTP 429: slow down"):
        run._follow(paced_client(), query, SinkSet([]), settings, [], until_ms, lambda ms: None)
    ends_at = until_ms / 1000 + settings.recent_ms / 1000  # --until and the grace for stragglers
    assert clock[0] <= ends_at + 2 * settings.min_interval
    assert all(wait <= MAX_SERVER_WAIT_S for wait in slept)
