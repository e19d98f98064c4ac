"""The unit tests' fake logs API refuses what the API reference says the real one refuses."""

from __future__ import annotations

import httpx
import pytest

from tests.fakeapi import API_URL, LOGS_PATH, FakeLogs

VALID = {
    "start_epoch_millis": "1000",
    "end_epoch_millis": "2000",
    "direction": "asc",
    "limit": "10",
}
WEEK = 7 * 86_400_000


def ask(**params: str | list[str]) -> httpx.Response:
    query = {**VALID, **params}
    return FakeLogs()(httpx.Request("GET", f"{API_URL}{LOGS_PATH}", params=query))


def test_a_valid_request_is_answered() -> None:
    assert ask().status_code == 200
    assert ask(end_epoch_millis=str(1000 + WEEK), min_level="WARNING").status_code == 200
    assert ask(includes=["a"] * 8, replica="r" * 256, limit="1000").status_code == 200
    assert ask(excludes=["e" * 1000]).status_code == 200  # a number is capped, not a length


@pytest.mark.parametrize(
    "params",
    [
        {"start_epoch_millis": "2001"},  # start after end
        {"end_epoch_millis": str(1000 + WEEK + 1)},  # over 7 days
        {"limit": "0"},
        {"limit": "1001"},
        {"direction": "up"},
        {"min_level": "WARN"},
        {"replica": "r" * 257},
        {"search_pattern": ""},
        {"includes": ["a"] * 9},
    ],
)
def test_what_the_api_refuses_is_a_400(params: dict[str, str | list[str]]) -> None:
    answer = ask(**params)
    assert answer.status_code == 400 and answer.json()["error"]
