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

from baseten_logs.api.client import ApiClient
from baseten_logs.api.pace import INITIAL, ConcurrencyController
from baseten_logs.base.errors import TransportError
from baseten_logs.reading.fetch import concurrency_for, page_fetcher
from baseten_logs.reading.pager import Direction, Pager, page_bytes
from baseten_logs.reading.parallel import PAGES_AHEAD, ParallelWindow
from baseten_logs.reading.query import LogQuery
from tests.fakeapi import API_URL, LOGS_PATH, FakeLogs, record
from tests.stall import StallWatch, stop_reading, watched
from tests.test_pager import MS, T0, fetcher
from tests.test_parallel_cuts import serve


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


def test_a_stalled_reader_stops_the_fetch_after_a_few_pages(stall_watch: StallWatch) -> None:
    fake = FakeLogs(records=[record((T0 + i) * MS, f"m{i}") for i in range(40_000)])
    page = page_bytes(fake.records[:1000])
    window = ParallelWindow(fetcher(fake), concurrency=4, prefetch_bytes=6 * page)
    pages = watched(window, stall_watch).pages(T0, T0 + 40_000)
    next(pages)
    assert stall_watch.stalled()  # the workers ran as far ahead as they may, and wait
    # At most the budget's six pages, the one printed and one in the printer's slice: not 40.
    assert len(fake.calls) <= 6 + 2
    stop_reading(pages)


def test_an_error_in_a_slice_is_raised_in_order() -> None:
    fake = FakeLogs(records=dataset(3000))
    inner = fetcher(fake)
    broken = T0 + 75_000

    def failing(start: int, end: int, direction: Direction, limit: int) -> list[Any]:
        if start <= broken < end:  # any request for this millisecond, whoever sends it
            raise TransportError("giving up")
        return inner(start, end, direction, limit)

    sequential = [r for p in Pager(inner).oldest(T0, T0 + 100_000) for r in p]
    got = []
    with pytest.raises(TransportError):
        for page in ParallelWindow(failing, concurrency=4).pages(T0, T0 + 100_000):
            got.extend(page)
    # What was printed is the start of the sequential output, and stops before the failure.
    assert got == sequential[: len(got)]
    assert all(int(r["timestamp"]) // MS < broken for r in got)


def test_stopping_early_releases_the_workers(small_pages: None) -> None:
    fake = FakeLogs(records=dataset(4_000))
    before = threading.active_count()
    pages = ParallelWindow(fetcher(fake), concurrency=4).pages(T0, T0 + 100_000)
    next(pages)
    deadline = time.monotonic() + 3
    while len(fake.calls) < 4 * PAGES_AHEAD and time.monotonic() < deadline:
        time.sleep(0.01)  # let the workers fill their queues and wait on them
    time.sleep(0.05)
    stop_reading(pages)
    deadline = time.monotonic() + 30  # the workers end at once; a loaded machine is slow
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= before  # (threads of earlier tests may end meanwhile)
    # Stopped workers fetch nothing more: the four slices in hand, a few pages ahead each.
    assert len(fake.calls) <= 4 * (PAGES_AHEAD + 2) + 1


def test_a_fixed_concurrency_loses_a_slot_per_429_but_never_the_last() -> None:
    controller = ConcurrencyController(3)
    for _ in range(5):
        controller.observe(429, 0.1)
    assert controller.allowed == 1


@pytest.mark.parametrize("end_inclusive", [True, False])
def test_auto_cuts_more_slices_as_it_grows_and_still_prints_the_sequential_lines(
    end_inclusive: bool,
) -> None:
    fake = FakeLogs(records=dataset(20_000, seed=8), end_inclusive=end_inclusive)
    inner = fetcher(fake)
    sequential = [r for p in Pager(inner).oldest(T0, T0 + 100_000) for r in p]
    controller = ConcurrencyController("auto")
    jitter = random.Random(2)

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[Any]:
        time.sleep(jitter.uniform(0, 0.003))  # answers come back in any order
        page = inner(start, end, direction, limit)
        controller.observe(200, 0.01)
        return page

    window = ParallelWindow(fetch, controller=controller)
    parallel = [r for p in window.pages(T0, T0 + 100_000) for r in p]
    assert parallel == sequential  # nothing lost or doubled where slices were cut
    assert controller.peak > INITIAL and window.slices > controller.peak // 2


@pytest.mark.parametrize(
    "lines",
    [
        dataset(600),  # spread over the window
        [record((T0 + i) * MS, f"m{i}") for i in range(600)],  # all in its first 600 ms
    ],
)
def test_a_window_of_one_page_costs_one_request(lines: list[dict[str, Any]]) -> None:
    # A short page ends its slice, however much of the window seems left after its last line.
    fake = FakeLogs(records=lines)
    window = ParallelWindow(fetcher(fake), concurrency="auto")
    assert sum(len(p) for p in window.pages(T0, T0 + 100_000)) == 600
    assert len(fake.calls) == 1
    assert window.slices == 1


def test_slices_share_one_controller_across_windows() -> None:
    # Several sources fetched at once (a chain's chainlets) keep within one controller.
    controller = ConcurrencyController(2)
    busiest = [0]
    inners = [fetcher(FakeLogs(records=dataset(4000, seed=s))) for s in (1, 2)]

    def watched(inner: Any) -> Any:
        def fetch(start: int, end: int, direction: Direction, limit: int) -> list[Any]:
            busiest[0] = max(busiest[0], controller.busy)
            time.sleep(0.001)
            return inner(start, end, direction, limit)

        return fetch

    windows = [ParallelWindow(watched(f), controller=controller) for f in inners]
    streams = [w.pages(T0, T0 + 100_000) for w in windows]
    got = [0, 0]
    for _ in range(10):
        for i, stream in enumerate(streams):
            got[i] += len(next(stream, []))
    for i, stream in enumerate(streams):
        got[i] += sum(len(p) for p in stream)
    assert got == [4000, 4000] and busiest[0] <= 2


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Slices walk pages of 20 lines, so every slice has more pages than its queue holds."""
    monkeypatch.setattr(
        "baseten_logs.reading.parallel.Pager", functools.partial(Pager, page_size=20)
    )


def test_slices_with_full_queues_still_deliver_every_page(
    small_pages: None, stall_watch: StallWatch
) -> None:
    fake = FakeLogs(records=dataset(4_000))
    got: list[Any] = []
    window = watched(ParallelWindow(fetcher(fake), concurrency=4), stall_watch)

    def read() -> None:
        pages = window.pages(T0, T0 + 100_000)
        got.extend(next(pages))
        # A slow reader: the workers' queues fill up and stay full past a worker's put timeout
        # (a stalled walker has looked at the stop flag twice: a put timed out in between).
        if stall_watch.stalled():
            got.extend(r for p in pages for r in p)

    # In a thread, so that a worker that gave up on a full queue fails the test, not hangs it.
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(120)  # a pass takes well under a second; the bound only ends a hang
    assert len(got) == 4_000


def let_in(limit: ConcurrencyController, told: threading.Event) -> None:
    """A request that waits for a slot, and says when it got one."""
    limit.acquire()
    told.set()


def test_a_request_beyond_the_limit_waits_for_a_release() -> None:
    limit = ConcurrencyController(2)
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
    assert got_in.wait(30)
    waiter.join(30)
    # Still two in flight: one release let exactly one more in.
    again = threading.Event()
    fourth = threading.Thread(target=let_in, args=(limit, again), daemon=True)
    fourth.start()
    assert not again.wait(0.05)
    limit.release()
    assert again.wait(30)


def test_after_a_shrink_one_request_fewer_runs_at_once() -> None:
    limit = ConcurrencyController(2)
    limit.throttled()  # a 429: a fixed number loses one slot
    limit.acquire()
    got_in = threading.Event()
    waiter = threading.Thread(target=let_in, args=(limit, got_in), daemon=True)
    waiter.start()
    assert not got_in.wait(0.05)
    limit.release()
    assert got_in.wait(30)
    waiter.join(30)


def test_a_429_from_the_api_lowers_the_concurrency(httpx_mock: HTTPXMock) -> None:
    """The client tells the window of each 429 (as `get` builds it), and the window slows down."""
    fake = FakeLogs(records=dataset(300), throttle=2)
    httpx_mock.add_callback(fake, url=re.compile(rf"{API_URL}{LOGS_PATH}.*"), is_reusable=True)
    query = LogQuery(path=LOGS_PATH, since_ms=T0, until_ms=T0 + 100_000, limit=None)
    with ApiClient(base_url=API_URL, api_key="k" * 20) as client:
        # As `get` builds it: the controller hears of every answer the client gets.
        window = ParallelWindow(page_fetcher(client, query), controller=concurrency_for(client, 4))
        got = [r for p in window.pages(T0, T0 + 100_000) for r in p]
    assert len(got) == 300
    assert window.controller.allowed == 2


def test_crowded_milliseconds_are_reported_with_their_millisecond() -> None:
    # Past what both ends of the millisecond hold (no replica may be asked alone here).
    burst = [record((T0 + 500) * MS + i, f"b{i}") for i in range(2001)]
    told: list[int] = []
    window = ParallelWindow(fetcher(FakeLogs(records=burst)), concurrency=2, on_gap=told.append)
    got = [r for p in window.pages(T0, T0 + 1000) for r in p]
    assert len(got) == 2000
    assert window.gaps == [T0 + 500] and told == [T0 + 500]


def test_a_crowded_millisecond_in_a_slice_is_fetched_whole_replica_by_replica() -> None:
    burst = [record((T0 + 500) * MS + i, f"b{i}", replica=f"r{i % 3}aaa") for i in range(3001)]
    around = [r for r in dataset(3000) if int(r["timestamp"]) // MS != T0 + 500]
    fake = FakeLogs(records=burst + around)
    window = ParallelWindow(
        fetcher(fake), concurrency=4, narrow=lambda name: fetcher(fake, replica=name)
    )
    got = [r for p in window.pages(T0, T0 + 100_000) for r in p]
    assert sorted(map(repr, got)) == sorted(map(repr, burst + around))
    assert window.gaps == []


def test_workers_do_not_keep_the_program_alive() -> None:
    """A worker stuck on a slow request must not hold the process after Ctrl-C or an error."""
    daemons: list[bool] = []
    inner = fetcher(FakeLogs(records=dataset(100)))

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[Any]:
        daemons.append(threading.current_thread().daemon)
        return inner(start, end, direction, limit)

    list(ParallelWindow(fetch, concurrency=2).pages(T0, T0 + 100_000))
    assert daemons and all(daemons)


def test_walkers_waiting_for_a_stalled_reader_hand_their_slots_to_new_slices(
    small_pages: None, stall_watch: StallWatch
) -> None:
    inner = serve([record((T0 + i) * MS, f"m{i}") for i in range(14_000)])
    calls: list[int] = []

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[Any]:
        calls.append(start)
        return inner(start, end, direction, limit)

    window = ParallelWindow(fetch, concurrency=2)
    pages = watched(window, stall_watch).pages(T0, T0 + 14_000)
    next(pages)
    assert stall_watch.stalled()  # every walker waits for the reader
    # Two walkers' queues fill up; then others walk further ahead, within the byte budget.
    assert window.slices > 2
    stop_reading(pages)


def test_a_window_not_walked_yet_reports_no_slices() -> None:
    # What -v says of a source whose fetch never began (another source failed first).
    assert ParallelWindow(fetcher(FakeLogs())).slices == 0
