"""How fast one run asks the API: a rate limiter for the key, and adaptive concurrency.

Baseten allows a key 100 requests per second on /v1/*, and a 429 can ask for tens of seconds of
waiting, so the tool keeps under the limit instead of discovering it. Two pieces, each with one
job:

`RateLimiter` spaces the requests of one run (one client, one key): slices, follow polls, name
lookups, the level filter's second query all take a turn from it. Turns are evenly spaced
(`1 / rate` apart, no bursts), a little under the limit (PACE_MARGIN), because a server counting
requests in a sliding second sees them as they arrive, and a few that arrive late then close
together would otherwise push one second over. A 429 stops every request until its
`retry_after` has passed (the key's budget is spent: anything sent sooner would be refused
too) and halves the pace (once for the 429s of one burst), which then grows back linearly,
quickly to 90% of the pace that was refused and slowly past it: AIMD on the rate, so several
jobs sharing a key settle on shares of it.

`ConcurrencyController` decides how many requests are in flight. Its policy is AIMD with a slow
start, as TCP's congestion window, chosen over a latency-gradient controller because the usual
bottleneck here is known and explicit (the key's budget), and because the latency of a log
query varies by itself from page to page (a gradient reads that noise as congestion):

- start at INITIAL requests in flight; the first answer measures latency, and the number leaps
  to what the key's rate can use at it (below); each good answer adds one while in slow start
  (the number doubles every round trip: a client without a rate limiter), then 1/limit (one
  more per round trip);
- never more than the key's budget can use: rate x latency in flight (Little's law) is what
  a rate of `rate` requests/s needs; more would only queue at the rate limiter. So at 200 ms a
  page and 100 requests/s about 20 are in flight, at 50 ms about 5, whatever the ceiling;
- grow only while the slots are used (a reader that is slower than the fetch, or a byte
  budget that is full, holds requests back; growing then would only be a bigger burst later);
- halve on a 429, a 5xx or a failed connection, and take a tenth off when latency rises past
  twice the lowest seen (the server or the network is queueing); at most once per round trip,
  since requests that were in flight together report the same congestion; both end slow start;
- within [1, ceiling] always; a fixed `--concurrency N` is a controller that only shrinks on a
  429 (as before) and never grows past N.

Slots are handed out by priority: the lowest rank first (a slice's start time), so when fewer
may run than want to, the slice the printer waits for goes first. Everything takes an injected
clock, so tests drive time by hand.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Final, Literal

DEFAULT_MAX_RPS = 100.0  # Baseten's limit for one key on /v1/*
PACE_MARGIN = 0.95  # share of --max-rps actually used: room for arrival jitter
RECOVERY_S = 10.0  # after a 429, seconds for the halved pace to grow back to the full rate
PROBE_SHARE = 0.1  # past 90% of the pace a 429 came at, the pace grows this much as fast
MIN_RPS = 0.1

AUTO: Final = "auto"
Concurrency = int | Literal["auto"]
INITIAL = 4  # requests in flight at the start of an automatic run
AUTO_CEILING = 64  # at most this many in flight (500 ms a page x 100 requests/s needs 50)
DECREASE = 0.5  # on a 429, 5xx or failed connection
LATENCY_DECREASE = 0.9  # when latency rises
LATENCY_RISE = 2.0  # x the lowest latency seen: the server or the network is queueing
LATENCY_SLACK_S = 0.025  # and at least this much more (a loopback's 1 ms doubling is noise)
BUDGET_HEADROOM = 1.25  # in flight, over rate x latency: answers do not come evenly spaced
EWMA = 0.2  # weight of a new latency sample


def ceiling_of(concurrency: Concurrency) -> int:
    """The most requests `concurrency` may ever have in flight (connections to keep open)."""
    return AUTO_CEILING if concurrency == AUTO else int(concurrency)


class RateLimiter:
    """Turns for requests, evenly spaced at `rate` a second, shared by every thread of a run."""

    def __init__(
        self,
        max_rps: float = DEFAULT_MAX_RPS,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not max_rps > 0:
            raise ValueError("max_rps must be positive")
        self.ceiling = max(MIN_RPS, max_rps * PACE_MARGIN)
        self.rate = self.ceiling
        self.throttled_count = 0  # 429s seen, for -v and the benchmark
        self._clock = clock
        self._sleep = sleep
        self._next = -math.inf  # the earliest moment the next turn may start
        self._paused_until = -math.inf
        self._calm_until = -math.inf  # no second halving before this
        self._refused_at: float | None = None  # the pace the last 429 came at
        self._updated = clock()
        self._lock = threading.Lock()

    def turn(self) -> float:
        """Wait for this request's turn; the seconds waited."""
        with self._lock:
            now = self._clock()
            self._recover(now)
            at = max(now, self._next, self._paused_until)
            self._next = at + 1.0 / self.rate
        wait = at - now
        if wait > 0:
            self._sleep(wait)
        return max(0.0, wait)

    def throttled(self, retry_after: float | None) -> None:
        """A 429: nothing more is sent until `retry_after` has passed, and the pace halves.

        Requests sent together are refused together: the 429s of one pause and the second
        after it halve the pace once, not once each."""
        with self._lock:
            now = self._clock()
            self._recover(now)
            self.throttled_count += 1
            if retry_after is not None and retry_after > 0:
                self._paused_until = max(self._paused_until, now + retry_after)
            if now >= self._calm_until:
                self._refused_at = self.rate
                self.rate = max(MIN_RPS, self.rate * 0.5)
                self._calm_until = max(now, self._paused_until) + 1.0

    def _recover(self, now: float) -> None:
        """Grow the pace back: fast (the whole ceiling over RECOVERY_S seconds) up to a little
        under the pace the last 429 came at, then PROBE_SHARE as fast: a key shared with other
        jobs is not pushed over its limit again a moment after the pause."""
        elapsed = max(0.0, now - self._updated)
        self._updated = now
        if self.rate >= self.ceiling:
            return
        step = self.ceiling * elapsed / RECOVERY_S
        knee = self.ceiling if self._refused_at is None else 0.9 * self._refused_at
        if self.rate < knee:
            fast = min(step, knee - self.rate)
            self.rate += fast
            step = (step - fast) * PROBE_SHARE
        else:
            step *= PROBE_SHARE
        self.rate = min(self.ceiling, self.rate + step)


class ConcurrencyController:
    """How many requests may be in flight now (see the module), and slots by priority."""

    def __init__(
        self,
        concurrency: Concurrency = AUTO,
        *,
        rate: Callable[[], float] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.adaptive = concurrency == AUTO
        if concurrency == AUTO:
            self.ceiling = AUTO_CEILING
            self.limit = float(INITIAL)
        else:
            if not isinstance(concurrency, int) or concurrency < 1:
                raise ValueError("concurrency must be 'auto' or a positive whole number")
            self.ceiling = concurrency
            self.limit = float(concurrency)
        self.peak = int(self.limit)  # the most ever allowed, for -v and tests
        self._rate = rate  # the rate limiter's pace now, requests/s; None: no rate limit
        self._clock = clock
        self._slow_start = self.adaptive
        self._lowest: float | None = None  # the lowest latency seen
        self._latency: float | None = None  # smoothed
        self._calm_until = -math.inf  # no second decrease for one round trip after one
        self._busy = 0
        self._waiting: list[float] = []  # ranks of requests waiting for a slot
        self._cond = threading.Condition()
        self._listeners: list[Callable[[], None]] = []

    # --- slots --------------------------------------------------------------------------------
    @property
    def allowed(self) -> int:
        """Requests that may be in flight now: the limit, rounded down, never below 1."""
        return max(1, int(self.limit))

    @property
    def busy(self) -> int:
        return self._busy

    def acquire(self, rank: float = 0.0) -> None:
        """Wait for a slot; while slots are short, the lowest `rank` waiting goes first."""
        with self._cond:
            self._waiting.append(rank)
            try:
                while self._busy >= self.allowed or min(self._waiting) < rank:
                    self._cond.wait()
            finally:
                self._waiting.remove(rank)
            self._busy += 1
            self._cond.notify_all()

    def release(self) -> None:
        with self._cond:
            self._busy -= 1
            self._cond.notify_all()

    def listen(self, callback: Callable[[], None]) -> None:
        """`callback()` after each change of the limit (outside the lock)."""
        self._listeners.append(callback)

    def forget(self, callback: Callable[[], None]) -> None:
        if callback in self._listeners:
            self._listeners.remove(callback)

    # --- policy -------------------------------------------------------------------------------
    def observe(self, status: int | None, seconds: float) -> None:
        """One answer (its HTTP status, None for a failed connection) and how long it took."""
        if not self.adaptive:
            if status == 429:
                self.throttled()
        elif status == 429 or status is None or status >= 500:
            self._decrease(DECREASE)
        elif status == 200:
            self._answered(seconds)

    def throttled(self) -> None:
        """A 429 (told by `observe`, the client's observer): fewer in flight. A fixed number
        loses one slot a time, as it always has; an automatic one halves."""
        if self.adaptive:
            self._decrease(DECREASE)
            return
        with self._cond:
            before = self.allowed
            self.limit = max(1.0, self.limit - 1)
            changed = self.allowed != before
        if changed:
            self._tell()

    def _answered(self, seconds: float) -> None:
        with self._cond:
            self._lowest = seconds if self._lowest is None else min(self._lowest, seconds)
            smooth = self._latency
            self._latency = seconds if smooth is None else smooth + EWMA * (seconds - smooth)
            if not self.adaptive:
                return
            rising = self._latency > max(
                self._lowest * LATENCY_RISE, self._lowest + LATENCY_SLACK_S
            )
        if rising:
            self._decrease(LATENCY_DECREASE)
            return
        with self._cond:
            budget = self._budget()
            # Slow start, once latency is measured: straight to what the key's rate can use
            # at it (rate x latency), rather than doubling there one round trip at a time.
            leap = self._slow_start and budget < math.inf
            # Grow only when the slots are used: otherwise more would change nothing now.
            if not leap and self._busy + len(self._waiting) + 1 < self.allowed:
                return
            step = 1.0 if self._slow_start else 1.0 / self.limit
            if leap:
                step = max(step, budget - self.limit)
            grown = min(float(self.ceiling), self.limit + step, budget)
            if grown <= self.limit:
                self._slow_start = False
                return
            before = self.allowed
            self.limit = grown
            self.peak = max(self.peak, self.allowed)
            changed = self.allowed != before
            self._cond.notify_all()
        if changed:
            self._tell()

    def _budget(self) -> float:
        """In flight worth having: what the rate limiter's pace can use at this latency."""
        if self._rate is None or self._latency is None:
            return math.inf
        return max(1.0, math.ceil(self._rate() * self._latency * BUDGET_HEADROOM) + 1.0)

    def _decrease(self, factor: float) -> None:
        with self._cond:
            now = self._clock()
            self._slow_start = False
            if now < self._calm_until:
                return
            self._calm_until = now + (self._latency or 0.0)
            before = self.allowed
            self.limit = max(1.0, self.limit * factor)
            changed = self.allowed != before
        if changed:
            self._tell()

    def _tell(self) -> None:
        for callback in list(self._listeners):
            callback()
