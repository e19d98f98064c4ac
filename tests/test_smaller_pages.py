"""A logs page the server keeps failing (5xx) is asked again at half the size, down to 100.

truss halves its page when a training logs page keeps failing; we repeated `limit=1000` until
the retries ran out. The halving lives in the Pager (the one place that chooses `limit`), so it
holds on every logs endpoint, and a smaller page is just a smaller page: paging stays exact.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.api.client import ApiClient
from baseten_logs.base.errors import ExitStatus, PageFailing, TransportError
from baseten_logs.emulator import Emulator, EmulatorConfig
from baseten_logs.emulator.chains import CHAIN_NAME, TRAINING_PROJECT_NAME
from baseten_logs.reading.pager import MIN_PAGE_SIZE, Direction, Pager
from tests.conftest import invoke
from tests.fakeapi import FakeLogs
from tests.test_pager import T0, crowded, fetcher, keys


def failing_above(size: int, fake: FakeLogs, asked: list[int]) -> Any:
    """A fetch whose server fails every page of more than `size` lines."""
    fetch = fetcher(fake)

    def page(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        asked.append(limit)
        if limit > size:
            raise PageFailing("giving up on /logs: HTTP 504", hint="try again")
        return fetch(start, end, direction, limit)

    return page


@pytest.mark.parametrize("direction", ["oldest", "newest"])
def test_a_failing_page_is_asked_again_halved_and_paging_stays_exact(direction: str) -> None:
    lines = crowded(2000, per_ms=3)
    asked: list[int] = []
    pager = Pager(failing_above(300, FakeLogs(records=lines), asked))
    walk = (
        pager.oldest(T0, T0 + 2000) if direction == "oldest" else pager.newest(T0, T0 + 2000, None)
    )
    got = [r for page in walk for r in page]
    assert keys(got) == keys(lines) and pager.gaps == []
    assert asked[:3] == [1000, 500, 250]  # halved until the server answers
    assert set(asked[3:]) == {250}  # and kept that small for the rest of the walk


def test_at_100_lines_the_error_stands() -> None:
    asked: list[int] = []
    pager = Pager(failing_above(50, FakeLogs(records=crowded(10)), asked))
    with pytest.raises(PageFailing):
        list(pager.oldest(T0, T0 + 10))
    assert asked == [1000, 500, 250, 125, MIN_PAGE_SIZE]


def test_the_client_gives_a_page_up_early_only_when_asked(httpx_mock: HTTPXMock) -> None:
    url = re.compile(r"https://api\.test/v1/logs.*")
    for _ in range(2):
        httpx_mock.add_response(url=url, status_code=503, json={"error": "busy"})
    with ApiClient(base_url="https://api.test", api_key="k" * 20) as client:
        with pytest.raises(PageFailing):
            client.get_logs("/v1/logs", [("limit", "1000")], smaller_after=2)
        assert client.requests_made == 2
        for _ in range(6):
            httpx_mock.add_response(url=url, status_code=503, json={"error": "busy"})
        with pytest.raises(TransportError) as caught:
            client.get_logs("/v1/logs", [("limit", "100")])
        assert not isinstance(caught.value, PageFailing)  # every retry spent, as before


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(seed=4, lines_per_s=2.0, rate_limit_per_s=None)) as emulator:
        yield emulator


COMMANDS = {
    "deployment": ("get", "llama-3-8b"),
    "environment": ("get", "llama-3-8b", "--env", "production"),
    "chainlets": ("chain", CHAIN_NAME),
    "training job": ("training", TRAINING_PROJECT_NAME),
}


@pytest.mark.parametrize("args", COMMANDS.values(), ids=COMMANDS.keys())
def test_every_logs_endpoint_halves_a_failing_page(emu: Emulator, args: tuple[str, ...]) -> None:
    env = {"BASETEN_API_URL": emu.url, "BASETEN_API_KEY": emu.api_key}
    now = emu.now_ms()  # a fixed window (late lines settled long ago): both runs see the same
    since, until = str(now - 20 * 60_000), str(now - 10 * 60_000)
    window = ("--since", since, "--until", until, "--all", "--concurrency", "1", "-o", "jsonl")
    expected = invoke(*args, *window, env=env)
    assert expected.status == 0 and expected.stdout.count("\n") > 1000, expected.stderr
    emu.clear_requests()
    emu.inject("502", times=2)
    result = invoke(*args, *window, env=env)
    assert result.status == ExitStatus.OK, result.stderr
    assert result.stdout == expected.stdout
    limits = [r.query["limit"][0] for r in emu.requests if r.path.endswith("/logs")]
    assert limits[:3] == ["1000", "1000", "500"]
