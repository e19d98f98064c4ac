"""The library entry point and the fetch it builds (reading/fetch.py): which lines, in which
order, asked how, against the fake logs endpoint."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.base.errors import TransportError
from baseten_logs.reading.fetch import fetch_logs
from baseten_logs.reading.query import Filters, LogQuery
from tests.fakeapi import API_URL, LOGS_PATH, FakeLogs, record

MS = 1_000_000
T0 = 1_764_150_000_000


def messages(records: Any) -> list[str]:
    return [r["message"] for r in records]


def fill(fake: FakeLogs, count: int, **fields: Any) -> None:
    fake.records += [record((T0 + ms) * MS, f"m{ms}", **fields) for ms in range(count)]


def test_the_newest_n_lines_oldest_first(logs_api: FakeLogs) -> None:
    fill(logs_api, 10)
    got = fetch_logs(LogQuery(LOGS_PATH, T0, T0 + 100, limit=3))
    assert messages(got) == ["m7", "m8", "m9"]
    assert logs_api.calls[0]["direction"] == "desc"


def test_the_newest_n_lines_newest_first(logs_api: FakeLogs) -> None:
    fill(logs_api, 10)
    got = fetch_logs(LogQuery(LOGS_PATH, T0, T0 + 100, limit=3), newest_first=True)
    assert messages(got) == ["m9", "m8", "m7"]


def test_a_whole_window_oldest_first(logs_api: FakeLogs) -> None:
    fill(logs_api, 5)
    got = fetch_logs(LogQuery(LOGS_PATH, T0, T0 + 100, limit=None))
    assert messages(got) == ["m0", "m1", "m2", "m3", "m4"]
    assert logs_api.calls[0]["direction"] == "asc"
    assert logs_api.calls[0]["start_epoch_millis"] == str(T0)


class ByReplica(FakeLogs):
    """The fake endpoint, also honouring `replica` (the API's filter on one replica)."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(dict(request.url.params))
        replica = request.url.params.get("replica")
        chosen = [r for r in self.records if replica is None or r.get("replica") == replica]
        return FakeLogs(chosen)(request)


def test_several_replicas_are_one_merged_answer(httpx_mock: HTTPXMock, api_env: None) -> None:
    fake = ByReplica()
    httpx_mock.add_callback(fake, url=re.compile(rf"{API_URL}{LOGS_PATH}.*"), is_reusable=True)
    fake.records += [
        record((T0 + 1) * MS, "r1 first", replica="r1"),
        record((T0 + 2) * MS, "r2 second", replica="r2"),
        record((T0 + 3) * MS, "r3 not asked", replica="r3"),
        record((T0 + 4) * MS, "r1 last", replica="r1"),
    ]
    query = LogQuery(LOGS_PATH, T0, T0 + 100, Filters(replicas=("r1", "r2")), limit=None)
    assert messages(fetch_logs(query)) == ["r1 first", "r2 second", "r1 last"]
    newest = LogQuery(LOGS_PATH, T0, T0 + 100, Filters(replicas=("r1", "r2")), limit=2)
    assert messages(fetch_logs(newest)) == ["r2 second", "r1 last"]
    assert {call.get("replica") for call in fake.calls} == {"r1", "r2"}


def test_a_level_also_brings_the_unlevelled_lines_shown_at_it(logs_api: FakeLogs) -> None:
    logs_api.records += [
        record((T0 + 1) * MS, "ERROR: levelled", level="ERROR"),
        record((T0 + 2) * MS, "Traceback (most recent call last):", level=None),
        record((T0 + 3) * MS, "INFO: fine", level=None),
        record((T0 + 4) * MS, "fine", level="INFO"),
    ]
    query = LogQuery(LOGS_PATH, T0, T0 + 100, Filters(min_level="ERROR"), limit=None)
    assert messages(fetch_logs(query)) == [
        "ERROR: levelled",
        "Traceback (most recent call last):",
    ]
    patterns = {call.get("search_pattern") for call in logs_api.calls}
    assert len(patterns - {None}) == 1  # the unlevelled query narrowed by the level markers


def test_a_level_with_grep_sends_the_grep_as_the_unlevelled_pattern(logs_api: FakeLogs) -> None:
    logs_api.records += [
        record((T0 + 2) * MS, "ERROR: disk", level=None),
        record((T0 + 3) * MS, "ERROR: net", level=None),
    ]
    filters = Filters(min_level="ERROR", search_pattern="disk")
    query = LogQuery(LOGS_PATH, T0, T0 + 100, filters, limit=None)
    assert messages(fetch_logs(query)) == ["ERROR: disk"]
    assert {call.get("search_pattern") for call in logs_api.calls} == {"disk"}
    assert {call.get("min_level") for call in logs_api.calls} == {"ERROR", None}


def test_a_line_whose_time_cannot_be_read_is_shown_and_named_on_stderr(
    httpx_mock: HTTPXMock, api_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [record((T0 + 1) * MS, "m1"), {**record(0, "no time"), "timestamp": "bad"}]
    httpx_mock.add_response(url=re.compile(rf"{API_URL}{LOGS_PATH}.*"), json={"logs": lines})
    got = fetch_logs(LogQuery(LOGS_PATH, T0, T0 + 100, limit=None))
    assert messages(got) == ["m1", "no time"]
    err = capsys.readouterr().err
    assert "line 2 of page 1" in err and "has a time that cannot be read ('bad')" in err


def test_an_answer_with_bytes_that_are_not_utf8_is_named_on_stderr_once(
    httpx_mock: HTTPXMock, api_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    page = b'{"logs": [{"timestamp": "%d", "message": "caf\xe9"}]}' % ((T0 + 1) * MS)
    httpx_mock.add_response(url=re.compile(rf"{API_URL}{LOGS_PATH}.*"), content=page)
    got = fetch_logs(LogQuery(LOGS_PATH, T0, T0 + 100, limit=None))
    assert messages(got) == ["caf\ufffd"]
    err = capsys.readouterr().err
    assert err.count("not UTF-8") == 1 and "shown as \ufffd" in err


def test_the_environment_caps_what_one_answer_may_hold(
    logs_api: FakeLogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(logs_api, 20)
    monkeypatch.setenv("BASETEN_LOGS_MAX_ANSWER_BYTES", "300")
    with pytest.raises(TransportError, match=r"larger than 300 bytes \(the size cap\)"):
        list(fetch_logs(LogQuery(LOGS_PATH, T0, T0 + 100, limit=None)))


def test_the_concurrency_follows_the_clients_rate_limiter_as_it_is_now() -> None:
    """The controller's Little's-law budget reads the limiter's pace when an answer comes: the
    key's rate, or half of it after a 429."""
    from baseten_logs.api.client import ApiClient
    from baseten_logs.api.pace import AUTO, RateLimiter
    from baseten_logs.reading.fetch import concurrency_for

    def first_answer(limiter: RateLimiter | None, *, throttled: bool = False) -> int:
        with ApiClient(base_url=API_URL, api_key="k" * 20, rate_limiter=limiter) as client:
            controller = concurrency_for(client, AUTO)
            assert controller.observe in client.observers  # told of every answer
            if limiter is not None and throttled:
                limiter.throttled(None)  # after the controller was made
            controller.observe(200, 0.2)
            return controller.allowed

    assert first_answer(RateLimiter(100)) == 25  # ceil(95/s x 0.2 s x 1.25) + 1
    assert first_answer(RateLimiter(100), throttled=True) == 13  # ceil(47.5 x 0.2 x 1.25) + 1
    assert first_answer(None) == 4  # no pace to leap to, and no slot in use to grow past
