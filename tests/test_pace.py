"""The pace of a run: the rate limiter for the key and the concurrency controller, on a clock
the tests move by hand (nothing here waits)."""

from __future__ import annotations

import threading

import pytest

from baseten_logs.api.pace import (
    AUTO_CEILING,
    INITIAL,
    PACE_MARGIN,
    PROBE_SHARE,
    RECOVERY_S,
    ConcurrencyController,
    RateLimiter,
)


class Clock:
    """A monotonic clock that moves only when told to, or when a limiter "sleeps"."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(rps: float, clock: Clock) -> RateLimiter:
    return RateLimiter(rps, clock=clock, sleep=clock.sleep)


def test_turns_are_evenly_spaced_a_little_under_the_limit() -> None:
    clock = Clock()
    pace = limiter(100, clock)
    for _ in range(201):
        pace.turn()
    # 200 intervals: no burst at the start, and never more than max_rps in a second.
    assert clock.now - 1000.0 == pytest.approx(200 / (100 * PACE_MARGIN))
    assert clock.slept[0] == pytest.approx(1 / (100 * PACE_MARGIN))


def test_a_request_after_a_quiet_spell_goes_at_once() -> None:
    clock = Clock()
    pace = limiter(10, clock)
    pace.turn()
    clock.now += 5
    assert pace.turn() == 0.0


def test_max_rps_lowers_the_pace() -> None:
    clock = Clock()
    pace = limiter(20, clock)
    for _ in range(21):
        pace.turn()
    assert clock.now - 1000.0 == pytest.approx(20 / (20 * PACE_MARGIN))


def test_a_429_pauses_every_request_for_retry_after_and_halves_the_pace() -> None:
    clock = Clock()
    pace = limiter(100, clock)
    pace.turn()
    pace.throttled(37.0)
    assert pace.rate == pytest.approx(100 * PACE_MARGIN / 2)
    assert pace.turn() == pytest.approx(37.0)  # nothing is sent before the server said
    assert pace.throttled_count == 1


def test_the_pace_grows_back_fast_then_slowly_past_where_it_was_refused() -> None:
    clock = Clock()
    pace = limiter(100, clock)
    pace.throttled(None)  # no retry_after: no pause, but a slower pace
    full = 100 * PACE_MARGIN
    clock.now += RECOVERY_S / 4
    pace.turn()
    assert pace.rate == pytest.approx(full / 2 + full / 4)  # fast, below the refused pace
    clock.now += RECOVERY_S / 4
    pace.turn()
    assert pace.rate == pytest.approx(0.9 * full + 0.1 * full * PROBE_SHARE)  # then slowly
    clock.now += 10 * RECOVERY_S
    pace.turn()
    assert pace.rate == pytest.approx(full)  # and never past the ceiling


def test_threads_share_one_limiter_without_doubled_turns() -> None:
    clock = Clock()
    lock = threading.Lock()

    def sleep(seconds: float) -> None:  # turns reserved under the limiter's lock: just record
        with lock:
            clock.slept.append(seconds)

    pace = RateLimiter(50, clock=clock, sleep=sleep)
    threads = [threading.Thread(target=pace.turn) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    interval = 1 / (50 * PACE_MARGIN)
    assert sorted(round(s / interval) for s in clock.slept) == list(range(1, 20))


def test_a_limiter_refuses_a_rate_of_zero() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)


def answer(controller: ConcurrencyController, clock: Clock, seconds: float, times: int) -> None:
    """`times` good answers, each with every slot in use (so the controller may grow)."""
    for _ in range(times):
        busy = controller.allowed
        for _ in range(busy):
            controller.acquire()
        controller.observe(200, seconds)
        clock.now += seconds / busy
        for _ in range(busy):
            controller.release()


def test_auto_starts_small_and_doubles_every_round_trip_in_slow_start() -> None:
    clock = Clock()
    controller = ConcurrencyController("auto", clock=clock)
    assert controller.allowed == INITIAL
    answer(controller, clock, 0.2, INITIAL)  # one round trip's answers
    assert controller.allowed == 2 * INITIAL


def test_auto_stays_within_what_the_key_budget_can_use() -> None:
    clock = Clock()
    controller = ConcurrencyController("auto", rate=lambda: 95.0, clock=clock)
    answer(controller, clock, 0.2, 300)
    # 95 requests/s at 200 ms a page: about 19 in flight; a little headroom, no more.
    assert 19 <= controller.allowed <= 26
    fast = ConcurrencyController("auto", rate=lambda: 95.0, clock=clock)
    answer(fast, clock, 0.05, 300)
    assert 5 <= fast.allowed <= 8


def test_auto_never_passes_its_ceiling() -> None:
    clock = Clock()
    controller = ConcurrencyController("auto", clock=clock)  # no rate limit at all
    answer(controller, clock, 0.2, 2000)
    assert controller.allowed == AUTO_CEILING


def test_auto_does_not_grow_while_its_slots_are_unused() -> None:
    clock = Clock()
    controller = ConcurrencyController("auto", clock=clock)
    for _ in range(50):
        controller.acquire()  # one request at a time: the reader, not the API, is the limit
        controller.observe(200, 0.2)
        controller.release()
    assert controller.allowed == INITIAL


@pytest.mark.parametrize("status", [429, 500, 503, None])
def test_auto_halves_on_a_429_a_5xx_or_a_failed_connection(status: int | None) -> None:
    clock = Clock()
    controller = ConcurrencyController("auto", clock=clock)
    answer(controller, clock, 0.2, 30)
    before = controller.limit
    controller.observe(status, 0.2)
    assert controller.limit == pytest.approx(before / 2)


def test_failures_of_one_round_trip_count_as_one() -> None:
    clock = Clock()
    controller = ConcurrencyController("auto", clock=clock)
    answer(controller, clock, 0.2, 30)
    before = controller.limit
    for _ in range(5):  # five requests in flight together, all refused
        controller.observe(429, 0.2)
    assert controller.limit == pytest.approx(before / 2)
    clock.now += 1.0  # a round trip later, a new refusal halves again
    controller.observe(429, 0.2)
    assert controller.limit == pytest.approx(before / 4)


def test_auto_backs_off_when_latency_rises() -> None:
    clock = Clock()
    controller = ConcurrencyController("auto", clock=clock)
    answer(controller, clock, 0.2, 30)
    before = controller.limit
    for _ in range(10):
        controller.observe(200, 0.9)  # the server queues: answers take 4x longer
        clock.now += 1.0
    assert controller.limit < before * 0.7


def test_never_below_one() -> None:
    clock = Clock()
    controller = ConcurrencyController("auto", clock=clock)
    for _ in range(20):
        controller.observe(503, 0.2)
        clock.now += 1.0
    assert controller.allowed == 1


def test_a_fixed_number_never_grows_and_ignores_5xx() -> None:
    clock = Clock()
    controller = ConcurrencyController(3, clock=clock)
    answer(controller, clock, 0.2, 100)
    controller.observe(503, 0.2)
    assert controller.allowed == 3
    controller.observe(429, 0.2)
    assert controller.allowed == 2


def test_slots_go_to_the_lowest_rank_first() -> None:
    controller = ConcurrencyController(1)
    controller.acquire(0)
    order: list[int] = []
    started = threading.Barrier(4)

    def take(rank: int) -> None:
        started.wait()
        controller.acquire(rank)
        order.append(rank)
        controller.release()

    threads = [threading.Thread(target=take, args=(rank,)) for rank in (30, 10, 20)]
    for thread in threads:
        thread.start()
    started.wait()
    while len(controller._waiting) < 3:  # all three queued behind the busy slot
        threading.Event().wait(0.001)
    controller.release()
    for thread in threads:
        thread.join()
    assert order == [10, 20, 30]


def test_429s_of_one_burst_halve_the_pace_once() -> None:
    clock = Clock()
    pace = limiter(100, clock)
    for _ in range(18):  # requests in flight together, all refused
        pace.throttled(1.0)
    assert pace.rate == pytest.approx(100 * PACE_MARGIN / 2)
    assert pace.throttled_count == 18
    clock.now += 2.5  # the pause and its second are over: a new refusal counts again
    pace.throttled(1.0)
    assert pace.rate < 100 * PACE_MARGIN / 2
