"""The byte budget charges a request when its answer arrives (api/arrivals.py): a request in
flight holds no memory, so many may be in flight at a long latency within a small budget; the
printer's slice still moves with the budget full of others' answers; nothing is lost or doubled;
what the budget counts stays within its documented bound."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from baseten_logs.api import arrivals
from baseten_logs.api.limits import held_bytes
from baseten_logs.api.page import Page
from baseten_logs.reading import parallel
from baseten_logs.reading.pager import Direction
from baseten_logs.reading.parallel import ParallelWindow
from baseten_logs.reading.prefetch_budget import ByteBudget
from tests.fakeapi import FakeLogs, record
from tests.test_pager import MS, T0, fetcher
from tests.test_prefetch_budget import soon

Fetch = Callable[[int, int, Direction, int], Any]


class Telling:
    """A fetch that behaves as the client does: tells `sending` before a request and
    `arrived` (bytes, parsed size) when its answer is in, before handing it out; each answer
    `delay(start)` seconds late. Counts the requests in flight at once and the largest answer."""

    def __init__(self, inner: Fetch, delay: Callable[[int], float]) -> None:
        self._inner = inner
        self._delay = delay
        self._lock = threading.Lock()
        self.flying = 0
        self.most_flying = 0
        self.largest_raw = 0
        self.largest_held = 0

    def __call__(self, start: int, end: int, direction: Direction, limit: int) -> Page:
        arrivals.sending()
        with self._lock:
            self.flying += 1
            self.most_flying = max(self.most_flying, self.flying)
        time.sleep(self._delay(start))
        page = self._inner(start, end, direction, limit)
        raw = json.dumps({"logs": page}).encode()
        held = held_bytes(raw)
        with self._lock:
            self.flying -= 1
            self.largest_raw = max(self.largest_raw, len(raw))
            self.largest_held = max(self.largest_held, held)
        arrivals.arrived(len(raw), held)
        return Page(page, held=held)


def lines(count: int, size: int = 200) -> list[dict[str, Any]]:
    return [record((T0 + i) * MS, f"{i:06d}" + "x" * size) for i in range(count)]


def read_all(window: ParallelWindow, since: int, until: int, within: float = 60) -> list[Any]:
    """Every line the window prints, read in a thread: a hang fails the test instead of
    holding the run (no pytest-timeout here)."""
    seen: list[Any] = []
    done = threading.Event()

    def read() -> None:
        for page in window.pages(since, until):
            seen.extend(page)
        done.set()

    threading.Thread(target=read, daemon=True).start()
    assert done.wait(within), "the window stalled: printer and walkers wait for each other"
    return seen


def test_requests_in_flight_hold_no_budget_so_many_fly_within_a_small_one() -> None:
    # 40 pages; a budget of 8 parsed pages, of which room for one being parsed (3 ways) is
    # kept: charged a parsed page each before sending, at most 5 could fly beside the head.
    records = lines(40_000)
    fetch = Telling(fetcher(FakeLogs(records=records)), delay=lambda start: 0.05)
    page = held_bytes(json.dumps({"logs": records[:1000]}).encode())
    window = ParallelWindow(fetch, concurrency=16, prefetch_bytes=8 * page)
    assert read_all(window, T0, T0 + 40_000) == records
    assert fetch.most_flying >= 10
    assert window.budget.used == 0  # every byte charged was given back
    # The bound (ByteBudget): the limit, the head's page, and per walker an answer's bytes.
    assert window.budget.peak <= 8 * page + 2 * fetch.largest_held + 16 * fetch.largest_raw


def test_the_printers_slice_moves_with_the_budget_full_of_others_answers() -> None:
    # The head's answers come late, the others' at once: they fill the budget and wait for
    # room, holding their bytes. Only the head's pages free room; were it to wait for room like
    # the others, printer and walkers would wait for each other for ever.
    records = lines(30_000)
    slow_until = T0 + 6_000  # the first pages' requests

    def delay(start: int) -> float:
        return 0.3 if start < slow_until else 0.0

    fetch = Telling(fetcher(FakeLogs(records=records)), delay=delay)
    page = held_bytes(json.dumps({"logs": records[:1000]}).encode())
    window = ParallelWindow(fetch, concurrency=16, prefetch_bytes=4 * page)
    assert read_all(window, T0, T0 + 30_000) == records
    assert window.budget.used == 0


def test_an_arrived_answer_waits_for_room_and_the_head_never_does() -> None:
    stop = threading.Event()
    budget = ByteBudget(1000, head=T0)
    budget.told(100)  # answers of 100 bytes seen: a request reserves that before it is sent
    assert budget.reserve(T0 + 9, stop) == 100
    # Its answer arrived: 150 bytes (50 more than reserved), 400 once parsed.
    assert budget.admit(T0 + 9, (50, 400), stop) == 450
    assert budget.used == 550
    assert budget.admit(T0 + 8, (150, 300), stop) == 450  # an answer told with nothing reserved
    assert budget.used == 1000  # full of answers of slices the printer is not on
    got: list[int] = []
    threading.Thread(
        target=lambda: got.append(budget.admit(T0 + 20, (100, 400), stop)), daemon=True
    ).start()
    # Its bytes are counted at once, the parsed page only once there is room.
    deadline = time.monotonic() + 5
    while budget.used != 1100 and time.monotonic() < deadline:
        time.sleep(0.001)
    assert budget.used == 1100 and got == []
    # The head, none of its pages queued, goes although the budget is full: it frees room.
    head: list[int] = []
    threading.Thread(
        target=lambda: head.append(budget.admit(T0, (100, 400), stop)), daemon=True
    ).start()
    assert soon(head) == [500]
    assert got == []
    budget.release(1000)  # pages printed
    assert soon(got) == [500]
    assert budget.used == 1000 and budget.peak == 1600


def test_an_arrived_answer_of_the_head_with_pages_queued_waits_like_any_other() -> None:
    stop = threading.Event()
    budget = ByteBudget(1000, head=T0)
    budget.admit(T0 + 9, (600, 400), stop)  # full
    got: list[int] = []
    threading.Thread(
        target=lambda: got.append(budget.admit(T0, (0, 300), stop, lambda: 1)), daemon=True
    ).start()
    time.sleep(0.05)  # cannot flake: a correct budget never lets it in before the release
    assert got == []
    budget.release(400)
    assert soon(got) == [300]


def test_a_stopped_window_lets_an_arrived_answer_go() -> None:
    stop = threading.Event()
    budget = ByteBudget(100, head=T0)
    budget.admit(T0 + 1, (0, 100), stop)
    got: list[int] = []
    threading.Thread(
        target=lambda: got.append(budget.admit(T0 + 2, (10, 50), stop)), daemon=True
    ).start()
    time.sleep(0.05)
    assert got == []
    stop.set()
    assert soon(got) == [60]


def test_a_thread_without_a_hook_is_told_nothing() -> None:
    arrivals.sending()  # no hook: nothing happens, nothing fails
    arrivals.arrived(10, 20)
    told: list[tuple[int, int]] = []

    class Hook:
        def sending(self) -> None:
            told.append((0, 0))

        def arrived(self, raw: int, held: int) -> None:
            told.append((raw, held))

    with arrivals.told(Hook()):
        arrivals.sending()
        arrivals.arrived(10, 20)
    arrivals.arrived(30, 40)  # the hook is gone with the block
    assert told == [(0, 0), (10, 20)]


def test_an_answer_waiting_for_room_holds_no_slot() -> None:
    # Were a waiting answer to keep its slot, answers waiting for room could hold every slot
    # once the limit falls (429s), and the printer's slice could not send its next request.
    window = ParallelWindow(fetcher(FakeLogs(records=[])), concurrency=2)
    window.budget = ByteBudget(100, head=T0)
    window.budget.admit(T0 + 1, (0, 100), threading.Event())  # full
    piece = parallel._Slice(T0 + 5, T0 + 9)
    gate = parallel._Gate(window, piece, 0, threading.Event())
    with arrivals.told(gate):
        arrivals.sending()
        assert window.controller.busy == 1  # in flight: a slot
        waiting = threading.Thread(target=gate.arrived, args=(10, 50), daemon=True)
        waiting.start()
        deadline = time.monotonic() + 5
        while window.budget.used != 110 and time.monotonic() < deadline:
            time.sleep(0.001)
        assert window.budget.used == 110 and waiting.is_alive()  # its bytes, waiting for room
        assert window.controller.busy == 0  # and no slot
        window.budget.release(100)
        waiting.join(5)
        assert not waiting.is_alive() and gate.charged == 60
