"""Where a window is cut into slices: the requests a parallel fetch sends, step by step.

The controller starts at one request in flight and grows only when a test's fetch says so, so
each cut happens at a known moment, from what the slices had fetched by then."""

from __future__ import annotations

import bisect
import threading
from typing import Any

import pytest

from baseten_logs.api.pace import ConcurrencyController
from baseten_logs.reading.pager import SMALL_WINDOW_MS, Direction, WindowSpan
from baseten_logs.reading.parallel import FIRST_CUT_MS, RECENT_ANSWERS, ParallelWindow, _Slice
from tests.fakeapi import record
from tests.test_pager import MS, T0


def serve(records: list[dict[str, Any]]) -> Any:
    """The logs endpoint for lines sorted by time (end inclusive), without HTTP or sorting per
    request, so that windows of tens of thousands of lines stay fast."""
    stamps = [int(r["timestamp"]) // MS for r in records]

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        low, high = bisect.bisect_left(stamps, start), bisect.bisect_right(stamps, end)
        return records[low : min(high, low + limit)]

    return fetch


def one_a_millisecond(count: int) -> list[dict[str, Any]]:
    return [record((T0 + i) * MS, f"m{i}") for i in range(count)]


def one_in_flight() -> ConcurrencyController:
    controller = ConcurrencyController("auto", clock=lambda: 0.0)
    controller.observe(429, 0.01)
    controller.observe(429, 0.01)  # 4 -> 2 -> 1
    assert controller.allowed == 1
    return controller


def grow_to(controller: ConcurrencyController, allowed: int) -> None:
    """Good answers until `allowed` requests may be in flight (each one tells the window)."""
    for _ in range(20):
        if controller.allowed >= allowed:
            return
        controller.observe(200, 0.01)
    raise AssertionError(f"the controller did not grow to {allowed}")


class Walk:
    """A window walked by a reader thread, with a record of every walker's requests.

    `grow[n]`: while the first walker's n-th request is out, the controller grows to that many
    in flight. Other walkers' first requests wait until the first walker's last such request.
    `starts`: where the first `walkers` slices start, in the order they were cut. In that order,
    not in the order their walkers first ask: a walker that waits for the reader (its queue
    full) lets a further slice be cut, whose walker may ask first on a loaded machine.
    """

    def __init__(
        self, lines: list[dict[str, Any]], until: int, grow: dict[int, int], walkers: int
    ) -> None:
        inner = serve(lines)
        self.controller = one_in_flight()
        self.lock = threading.Lock()
        self.requests: dict[threading.Thread, list[tuple[int, int]]] = {}  # in order of walkers
        grown = threading.Event()

        def fetch(start: int, end: int, direction: Direction, limit: int) -> list[Any]:
            thread = threading.current_thread()
            with self.lock:
                mine = self.requests.setdefault(thread, [])
                mine.append((start, end))
                first_walker = next(iter(self.requests))
            if thread is first_walker:
                if len(mine) in grow:
                    grow_to(self.controller, grow[len(mine)])
                if len(mine) >= max(grow):
                    grown.set()
            elif len(mine) == 1:
                assert grown.wait(120)  # the bound only ends a hang: raised by the reader
            return inner(start, end, direction, limit)

        self.window = ParallelWindow(fetch, controller=self.controller)
        cut = self.window._cut
        cuts: list[int] = []

        def record_cut(piece: Any, at: int) -> Any:
            cuts.append(at)  # under the window's lock: in the order the slices are made
            return cut(piece, at)

        self.window._cut = record_cut  # type: ignore[method-assign]
        self.got: list[dict[str, Any]] = []
        self.reader = threading.Thread(
            target=lambda: self.got.extend(r for p in self.window.pages(T0, until) for r in p),
            daemon=True,
        )
        self.reader.start()
        self.reader.join(120)  # a pass takes well under a second; the bound only ends a hang
        assert not self.reader.is_alive()
        self.starts = sorted([T0, *cuts[: walkers - 1]])
        # Each of those slices' walkers asked from its start first.
        assert set(self.starts) <= {requests[0][0] for requests in self.requests.values()}


def test_new_slices_are_about_a_page_at_the_density_measured_so_far() -> None:
    lines = one_a_millisecond(40_000)
    walk = Walk(lines, T0 + 40_000, grow={2: 3}, walkers=3)
    # One page in (1000 lines in the 1000 ms up to T0+999), the first slice keeps 0.92 of a
    # page more (920 ms); the second slice is as long again, so one request; the rest waits
    # as a slice of its own, which the third walker takes.
    assert walk.starts[:3] == [T0, T0 + 999 + 920 + 1, T0 + 1920 + 920]
    assert walk.got == lines
    second = sorted(walk.requests.values(), key=lambda requests: requests[0][0])[1]
    assert second == [(T0 + 1920, T0 + 2840)]  # nothing past its end: the page it is
    # -v reports the slices the window was walked in: one walker each.
    assert walk.window.slices == len(walk.requests)


@pytest.mark.parametrize("count", [3000, 7500])
def test_with_two_pages_left_a_window_is_still_cut_a_page_on(count: int) -> None:
    lines = one_a_millisecond(count)
    walk = Walk(lines, T0 + count - 1, grow={2: 2}, walkers=2)
    assert walk.starts[:2] == [T0, T0 + 999 + 920 + 1]
    assert walk.got == lines


def test_less_than_two_pages_left_is_cut_in_shares_of_under_a_page_at_the_end() -> None:
    # 1999 left after the first page: too few to carve a page off (two pages at least), yet
    # one walker would page twice more, one round trip after the other, while a slot stands
    # idle (the window's long tail). The rest is cut in three shares of 666 ms (under
    # CARVE_PAGES a page each): the walker keeps the first, a new slice takes the others.
    lines = one_a_millisecond(2999)
    walk = Walk(lines, T0 + 2998, grow={2: 2}, walkers=2)
    assert walk.starts[:2] == [T0, T0 + 999 + 666 + 1]
    assert walk.got == lines  # nothing lost or doubled where the tail was cut
    first = walk.requests[next(iter(walk.requests))]
    assert len(first) == 2  # its second page was cut at the share's end: short, so its last


def test_a_tail_of_one_page_or_less_is_not_cut() -> None:
    lines = one_a_millisecond(1999)  # 999 left after the first page: one request
    walk = Walk(lines, T0 + 1998, grow={2: 2}, walkers=1)
    assert walk.got == lines
    assert len(walk.requests) == 1 and walk.window.slices == 1


def test_lines_without_a_readable_time_are_shown_by_a_parallel_fetch() -> None:
    odd = [record(0, f"m{i}") | {"timestamp": "soon"} for i in range(3)]
    window = ParallelWindow(lambda start, end, direction, limit: odd, concurrency=4)
    assert [r for p in window.pages(T0, T0 + 100_000) for r in p] == odd


def test_a_crowded_first_millisecond_is_as_dense_as_its_lines() -> None:
    # 1000 lines in the window's first millisecond: a page takes a millisecond.
    lines = [record(T0 * MS + i, f"b{i}") for i in range(1000)] + [
        record((T0 + 1 + i) * MS, f"m{i}") for i in range(9999)
    ]
    walk = Walk(lines, T0 + 9999, grow={2: 2}, walkers=2)
    assert walk.starts[:2] == [T0, T0 + 1 + 1]
    assert walk.got == lines
    # A full page in one millisecond is asked from its other end too: the two pages overlap,
    # so those 1000 lines are all of it, and there is no gap to report.
    assert walk.window.gaps == []


def test_a_slice_not_fetched_yet_is_cut_at_the_density_the_latest_answers_found() -> None:
    # Its parent measured one page (here 1 line a millisecond); the answers since, in slices
    # walked meanwhile, found 1 line every 2 ms: a slice cut a page long at its parent's
    # density would hold half a page (two requests where one would do, or more slices).
    window = ParallelWindow(serve([]), concurrency=4)
    sparse = [record((T0 + 2 * i) * MS, f"m{i}") for i in range(1000)]
    for n in range(RECENT_ANSWERS):
        walked = _Slice(T0 + n * 10_000, T0 + n * 10_000 + 9_999)
        full = [record((T0 + n * 10_000 + 2 * i) * MS, f"m{i}") for i in range(1000)]
        assert window._within(walked, full, 1000, walked.start) == full
    assert window._density(_Slice(T0, T0 + 99_999, density=1.0)) == pytest.approx(0.5, 0.01)
    own = _Slice(T0, T0 + 99_999, density=1.0)
    window._within(own, sparse[:250], 1000, T0)  # a short page: all of [T0, its end]
    assert window._density(own) == pytest.approx(250 / 499)  # its own count, once it has one
    assert window._recent[-1] == (250, 100_000)  # a short page held the whole slice


DAY_MS = 86_400_000


def test_a_long_window_is_cut_before_any_answer_as_wide_as_rate_times_latency() -> None:
    # A latency measured earlier in the run (50 ms) at the key's 100 requests/s: 8 in flight
    # (Little's law, with the controller's headroom), so two days are asked as 8 slices of
    # 6 hours at once, not one probe first and the rest a round trip later.
    controller = ConcurrencyController("auto", rate=lambda: 100.0, clock=lambda: 0.0)
    controller.observe(200, 0.05)
    assert controller.allowed == 8
    step = 2 * DAY_MS // 8
    # Lines at every edge between those slices, several in one millisecond on both sides.
    edges = [T0 + i * step for i in range(1, 8)]
    stamps = sorted(
        [*range(T0, T0 + 2 * DAY_MS, 97_003)] + [e + d for e in edges for d in (-1, 0)] * 3
    )
    lines = [record(ms * MS + i % 3, f"m{i}") for i, ms in enumerate(stamps)]
    inner = serve(lines)
    firsts: dict[threading.Thread, int] = {}
    lock = threading.Lock()

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[Any]:
        with lock:
            firsts.setdefault(threading.current_thread(), start)
        return inner(start, end, direction, limit)

    window = ParallelWindow(fetch, controller=controller)
    got = [r for p in window.pages(T0, T0 + 2 * DAY_MS - 1) for r in p]
    assert got == lines  # nothing lost or doubled at the slices' edges
    assert {T0, *edges} <= set(firsts.values())


def test_the_first_cut_is_the_controller_start_wide_and_never_for_a_short_window() -> None:
    window = ParallelWindow(serve([]), controller=ConcurrencyController("auto"))
    pieces = window._first_cut(T0, T0 + 2 * DAY_MS - 1)
    assert [(p.start, p.stop) for p in pieces] == [
        (T0 + i * DAY_MS // 2, T0 + (i + 1) * DAY_MS // 2 - 1) for i in range(4)
    ]
    assert [p.next for p in pieces] == [*pieces[1:], None]  # printed in turn
    assert len(window._first_cut(T0, T0 + FIRST_CUT_MS * 2 - 1)) == 2  # 6 hours a slice at least
    assert len(window._first_cut(T0, T0 + 3_600_000)) == 1  # an hour: one probe, one request


def test_a_window_the_api_may_yet_refuse_as_too_long_is_first_asked_as_one_slice() -> None:
    # Training logs: a long window may be refused (400) until the run knows the span that
    # works; one slice first, so the refusal costs one request, not one for every slice.
    span = WindowSpan()
    window = ParallelWindow(serve([]), controller=ConcurrencyController("auto"), span=span)
    assert len(window._first_cut(T0, T0 + 2 * DAY_MS - 1)) == 1
    span.ms = SMALL_WINDOW_MS  # refused once: pieces of 2 hours from now on
    assert len(window._first_cut(T0, T0 + 2 * DAY_MS - 1)) == 4
