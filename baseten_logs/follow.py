"""Follow mode: poll for new lines forever, showing each line exactly once.

Logs arrive late (ingestion delay, clock skew) and out of order across replicas, so every so
often a poll reaches back `overlap` before the previous one, and what was shown is remembered,
per millisecond, as a multiset (genuine duplicate lines are each shown once per copy). Memory is
bounded: a millisecond is forgotten once it falls out of every future poll's window.
"""

from __future__ import annotations

import heapq
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass

from .errors import AuthError, BasetenLogsError, NotFoundError, UsageError
from .pager import FetchPage, Pager, Record, record_key, record_ms


@dataclass(frozen=True)
class FollowSettings:
    overlap_ms: int = 60_000  # how late a line may arrive and still be shown (Baseten's own: 60 s)
    skew_ms: int = 60_000  # how far past "now" to ask, for replicas whose clocks run ahead
    sweep_every_ms: int = 5_000  # how often a poll reaches back the whole overlap
    recent_ms: int = 5_000  # how far back the polls in between reach
    settle_ms: int = 1_500  # hold new lines this long so they can be shown in time order
    min_interval: float = 0.5  # poll this often while lines flow...
    max_interval: float = 5.0  # ...backing off to this when idle
    max_reconnect_wait: float = 30.0
    stop_check_every_ms: int = 30_000  # how often to ask whether the deployment still runs


class ShownLines:
    """What was shown, per millisecond, as counts; forgets milliseconds older than a horizon."""

    def __init__(self) -> None:
        self._by_ms: dict[int, Counter[Hashable]] = {}
        self._order: list[int] = []  # heap of the milliseconds held

    def __len__(self) -> int:
        return sum(sum(counts.values()) for counts in self._by_ms.values())

    @property
    def milliseconds(self) -> int:
        return len(self._by_ms)

    def add(self, record: Record) -> None:
        ms = record_ms(record)
        counts = self._by_ms.get(ms)
        if counts is None:
            counts = self._by_ms[ms] = Counter()
            heapq.heappush(self._order, ms)
        counts[record_key(record)] += 1

    def unseen(self, records: Iterable[Record]) -> list[Record]:
        """The records of one poll not shown before; records them as shown.

        A line that appears k times in the poll is new only beyond the copies already shown.
        """
        in_poll: Counter[tuple[int, Hashable]] = Counter()
        fresh: list[Record] = []
        for record in records:
            ms = record_ms(record)
            key = record_key(record)
            in_poll[ms, key] += 1
            counts = self._by_ms.get(ms)
            if counts is None or in_poll[ms, key] > counts[key]:
                self.add(record)
                fresh.append(record)
        return fresh

    def forget_before(self, horizon_ms: int) -> None:
        while self._order and self._order[0] < horizon_ms:
            del self._by_ms[heapq.heappop(self._order)]


class Follower:
    """Polls a log endpoint and yields batches of lines not shown before."""

    def __init__(
        self,
        fetch: FetchPage,
        *,
        settings: FollowSettings | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        on_status: Callable[[str], None] | None = None,
        on_trouble: Callable[[str], None] | None = None,
        on_gap: Callable[[int], None] | None = None,
        stop_check: Callable[[], str | None] | None = None,
    ) -> None:
        self._fetch = fetch
        self._on_trouble = on_trouble  # told once when polls start failing
        self._on_gap = on_gap  # a millisecond with more lines than a page, told once each
        self.gaps: set[int] = set()
        self._stop_check = stop_check  # a reason to stop (the deployment ended), or None
        self.stopped_because: str | None = None
        self.settings = settings or FollowSettings()
        self._clock = clock
        self._sleep = sleep
        self._on_status = on_status
        self.shown = ShownLines()
        self.lines_shown = 0
        self.polls = 0
        self._catch_up: tuple[int, int] | None = None  # see remember_window

    def now_ms(self) -> int:
        return int(self._clock() * 1000)

    def remember(self, records: Iterable[Record], *, since_ms: int) -> None:
        """Count lines already shown (the opening window) so no poll shows them again."""
        for record in records:
            if record_ms(record) >= since_ms:
                self.shown.add(record)

    def remember_window(self, start_ms: int, end_ms: int) -> None:
        """Count every line of [start_ms, end_ms] as shown, without showing it.

        Fetched by follow() before its first poll, inside the reconnect loop: a brief outage
        right after the opening page is retried like any failed poll, not fatal.
        """
        self._catch_up = (start_ms, end_ms)

    def follow(
        self, *, start_ms: int, until_ms: int | None = None, floor_ms: int | None = None
    ) -> Iterator[list[Record]]:
        """Batches of new lines from `start_ms` on, until `until_ms` has passed (or forever).

        No poll reaches back before `floor_ms` (the start of the window the user asked for).
        """
        cfg = self.settings
        # Polls between sweeps must not reach back further than what is remembered.
        recent_ms = min(cfg.recent_ms, cfg.overlap_ms)
        last_poll = start_ms
        last_sweep = start_ms
        interval = cfg.min_interval
        failures = 0
        pending: list[Record] = []
        last_check: int | None = None  # the first check comes at once: it may have ended
        while True:
            now = self.now_ms()
            due = last_check is None or now - last_check >= cfg.stop_check_every_ms
            if self._stop_check is not None and due:
                last_check = now
                self.stopped_because = self._stop_check()
            # Past --until (and a short grace for stragglers), or the deployment has ended:
            # one last full sweep, then stop.
            finishing = self.stopped_because is not None or (
                until_ms is not None and now >= until_ms + recent_ms
            )
            sweep = finishing or now - last_sweep >= cfg.sweep_every_ms
            reach = cfg.overlap_ms if sweep else recent_ms
            window_start = (last_sweep if sweep else last_poll) - reach
            if floor_ms is not None:
                window_start = max(window_start, floor_ms)
            window_end = now + cfg.skew_ms
            if until_ms is not None:
                window_end = min(window_end, until_ms)
            try:
                if self._catch_up is not None:
                    low, high = self._catch_up
                    pages = Pager(self._fetch, on_gap=self._gap).oldest(low, high)
                    seen = [r for page in pages for r in page]  # all or nothing, if it fails
                    self.remember(seen, since_ms=low)
                    self._catch_up = None
                batch = self._poll(window_start, window_end)
            except (AuthError, NotFoundError, UsageError):
                raise  # nothing a retry can fix
            except BasetenLogsError as exc:
                if finishing:
                    raise  # past --until: report the failure (exit 5) instead of waiting on
                failures += 1
                wait = min(cfg.max_reconnect_wait, cfg.min_interval * 2**failures)
                self._status(f"reconnecting… ({exc.message}); next try in {wait:.0f}s")
                if failures == 1 and self._on_trouble is not None:
                    self._on_trouble(f"polling failed, retrying until it works: {exc}")
                self._sleep(wait)
                continue
            failures = 0
            self.polls += 1
            last_poll = now
            if sweep:
                last_sweep = now
            # Nothing older than the next sweep's reach can come back: forget it.
            self.shown.forget_before(last_sweep - cfg.overlap_ms)
            pending.extend(batch)
            # Hold the newest lines for `settle`, so replicas' lines that arrive a moment apart
            # come out in time order; a line later than that is shown when it arrives.
            cutoff = None if finishing else now - cfg.settle_ms
            ready = [r for r in pending if cutoff is None or record_ms(r) <= cutoff]
            if ready:
                pending = [r for r in pending if cutoff is not None and record_ms(r) > cutoff]
                ready.sort(key=lambda record: int(record["timestamp"]))
                self.lines_shown += len(ready)
                yield ready
            if batch:
                interval = cfg.min_interval
            else:
                interval = min(cfg.max_interval, interval * 1.5)
                self._status(
                    f"following… last poll {time.strftime('%H:%M:%S', time.localtime(now / 1000))},"
                    f" {self.lines_shown} new lines so far"
                )
            if finishing:
                return
            self._sleep(interval)

    def _poll(self, start_ms: int, end_ms: int) -> list[Record]:
        if end_ms < start_ms:
            return []
        # One poll is judged as a whole: a line and its identical twin may straddle two pages.
        pages = Pager(self._fetch, on_gap=self._gap).oldest(start_ms, end_ms)
        return self.shown.unseen(record for page in pages for record in page)

    def _gap(self, ms: int) -> None:
        # Every sweep meets a crowded millisecond again while it is in the overlap.
        if ms not in self.gaps:
            self.gaps.add(ms)
            if self._on_gap is not None:
                self._on_gap(ms)

    def _status(self, text: str) -> None:
        if self._on_status is not None:
            self._on_status(text)
