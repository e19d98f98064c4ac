"""Parallel slices: identical output to one sequential walk, bounded look-ahead, clean stops."""

from __future__ import annotations

import functools
import random
import re
import threading
import time
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.client import ApiClient
from baseten_logs.errors import TransportError
from baseten_logs.fetch import page_fetcher
from baseten_logs.pager import Direction, Pager
from baseten_logs.parallel import PAGES_AHEAD, AdaptiveLimit, ParallelWindow, slice_window
from baseten_logs.query import LogQuery
from tests.fakeapi import API_URL, LOGS_PATH, FakeLogs, record
from tests.test_pager import MS, T0, fetcher


def dataset(count: int, seed: int = 3) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        ms = T0 + rng.randrange(0, 100_000)
        out.append(record(ms * MS + rng.randrange(3), f"m{rng.randrange(50)}", replica=None))
    return out


@pytest.mark.parametrize("end_inclusive", [True, False])
@pytest.mark.parametrize("concurrency", [2, 4, 8])
def test_output_is_identical_to_sequential(end_inclusive: bool, concurrency: int) -> None:
    fake = FakeLogs(records=dataset(5000), end_inclusive=end_inclusive)
    sequential = [
        r for p in Pager(fetcher(fake), page_size=1000).oldest(T0, T0 + 100_000) for r in p
    ]
    window = ParallelWindow(fetcher(fake), concurrency=concurrency)
    parallel = [r for p in window.pages(T0, T0 + 100_000) for r in p]
    assert parallel == sequential
    assert len(parallel) == 5000


def test_workers_run_only_a_few_pages_ahead() -> None:
    fake = FakeLogs(records=[record((T0 + i) * MS, f"m{i}") for i in range(40_000)])
    inner = fetcher(fake)

    def small_pages(start: int, end: int, direction: Direction, limit: int) -> list[Any]:
        return inner(start, end, direction, min(limit, 100))

    window = ParallelWindow(small_pages, concurrency=4)
    pages = window.pages(T0, T0 + 40_000)
    next(pages)
    time.sleep(0.3)  # let the workers run as far ahead as they may
    # Four slices in flight, each with a full queue plus one page in hand.
    assert len(fake.calls) <= 4 * (PAGES_AHEAD + 2) + 1
    pages.close()


def test_an_error_in_a_slice_is_raised_in_order() -> None:
    fake = FakeLogs(records=dataset(3000))
    inner = fetcher(fake)

    def failing(start: int, end: int, direction: Direction, limit: int) -> list[Any]:
        if start > T0 + 90_000:
            raise TransportError("giving up")
        return inner(start, end, direction, limit)

    sequential = [r for p in Pager(inner).oldest(T0, T0 + 100_000) for r in p]
    got = []
    with pytest.raises(TransportError):
        for page in ParallelWindow(failing, concurrency=4).pages(T0, T0 + 100_000):
            got.extend(page)
    # Everything before the failing slice was printed, in order, and nothing after it.
    before = [r for r in sequential if int(r["timestamp"]) // MS < T0 + 87_500]
    assert got[: len(before)] == before and got == sequential[: len(got)]


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Slices walk pages of 20 lines, so every slice has more pages than its queue holds."""
    monkeypatch.setattr("baseten_logs.parallel.Pager", functools.partial(Pager, page_size=20))


def test_stopping_early_releases_the_workers(small_pages: None) -> None:
    fake = FakeLogs(records=dataset(4_000))
    before = threading.active_count()
    pages = ParallelWindow(fetcher(fake), concurrency=4).pages(T0, T0 + 100_000)
    next(pages)
    deadline = time.monotonic() + 3
    while len(fake.calls) < 4 * PAGES_AHEAD and time.monotonic() < deadline:
        time.sleep(0.01)  # let the workers fill their queues and wait on them
    time.sleep(0.05)
    pages.close()
    deadline = time.monotonic() + 3
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == before
    # Stopped workers fetch nothing more: the four slices in hand, a few pages ahead each.
    assert len(fake.calls) <= 4 * (PAGES_AHEAD + 2) + 1


def test_slices_with_full_queues_still_deliver_every_page(small_pages: None) -> None:
    fake = FakeLogs(records=dataset(4_000))
    got: list[Any] = []
    window = ParallelWindow(fetcher(fake), concurrency=4)

    def read() -> None:
        pages = window.pages(T0, T0 + 100_000)
        got.extend(next(pages))
        deadline = time.monotonic() + 3
        while len(fake.calls) < 4 * PAGES_AHEAD and time.monotonic() < deadline:
            time.sleep(0.01)  # a slow reader: the workers' queues fill up...
        time.sleep(0.3)  # ...and stay full past a worker's put timeout
        got.extend(r for p in pages for r in p)

    # In a thread, so that a worker that gave up on a full queue fails the test, not hangs it.
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(20)
    assert len(got) == 4_000


def test_adaptive_limit_shrinks_but_not_below_one() -> None:
    limit = AdaptiveLimit(3)
    limit.shrink()
    assert limit.size == 2
    for _ in range(5):
        limit.shrink()
    assert limit.size == 1


def test_a_request_beyond_the_limit_waits_for_a_release() -> None:
    limit = AdaptiveLimit(2)
    limit.acquire()
    limit.acquire()
    got_in = threading.Event()

    def third() -> None:
        limit.acquire()
        got_in.set()

    waiter = threading.Thread(target=third, daemon=True)
    waiter.start()
    # Cannot flake: a correct limit never lets the third in before the release below.
    assert not got_in.wait(0.05)
    limit.release()
    assert got_in.wait(5)
    waiter.join(5)
    # Still two in flight: one release let exactly one more in.
    again = threading.Event()
    fourth = threading.Thread(target=lambda: (limit.acquire(), again.set()), daemon=True)
    fourth.start()
    assert not again.wait(0.05)
    limit.release()
    assert again.wait(5)


def test_after_a_shrink_one_request_fewer_runs_at_once() -> None:
    limit = AdaptiveLimit(2)
    limit.shrink()
    limit.acquire()
    got_in = threading.Event()
    waiter = threading.Thread(target=lambda: (limit.acquire(), got_in.set()), daemon=True)
    waiter.start()
    assert not got_in.wait(0.05)
    limit.release()
    assert got_in.wait(5)
    waiter.join(5)


def test_a_429_from_the_api_lowers_the_concurrency(httpx_mock: HTTPXMock) -> None:
    """The client tells the window of each 429 (as `get` wires it), and the window slows down."""
    fake = FakeLogs(records=dataset(300), throttle=2)
    httpx_mock.add_callback(fake, url=re.compile(rf"{API_URL}{LOGS_PATH}.*"), is_reusable=True)
    query = LogQuery(path=LOGS_PATH, since_ms=T0, until_ms=T0 + 100_000, limit=None)
    with ApiClient(base_url=API_URL, api_key="k" * 20) as client:
        window = ParallelWindow(page_fetcher(client, query), concurrency=4)
        client.on_throttle = window.throttled
        got = [r for p in window.pages(T0, T0 + 100_000) for r in p]
    assert len(got) == 300
    assert window.limit.size == 2


def test_slices_cover_the_window_exactly() -> None:
    slices = slice_window(10, 109, 7)
    assert slices[0][0] == 10 and slices[-1][1] == 109
    assert all(slices[i][1] + 1 == slices[i + 1][0] for i in range(len(slices) - 1))
    assert slice_window(5, 6, 16) == [(5, 5), (6, 6)]
    assert slice_window(5, 5, 16) == [(5, 5)]


def test_crowded_milliseconds_are_reported_with_their_millisecond() -> None:
    burst = [record((T0 + 500) * MS + i, f"b{i}") for i in range(1001)]
    told: list[int] = []
    window = ParallelWindow(fetcher(FakeLogs(records=burst)), concurrency=2, on_gap=told.append)
    got = [r for p in window.pages(T0, T0 + 1000) for r in p]
    assert len(got) == 1000
    assert window.gaps == [T0 + 500] and told == [T0 + 500]


def test_workers_do_not_keep_the_program_alive() -> None:
    """A worker stuck on a slow request must not hold the process after Ctrl-C or an error."""
    daemons: list[bool] = []
    inner = fetcher(FakeLogs(records=dataset(100)))

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[Any]:
        daemons.append(threading.current_thread().daemon)
        return inner(start, end, direction, limit)

    list(ParallelWindow(fetch, concurrency=2).pages(T0, T0 + 100_000))
    assert daemons and all(daemons)
