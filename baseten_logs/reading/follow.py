"""Follow mode: poll for new lines forever, showing each line exactly once.

Logs arrive late (ingestion delay, clock skew) and out of order across replicas, so every so
often a poll reaches back `overlap` before the previous one, and what was shown is remembered,
per millisecond, as a multiset (genuine duplicate lines are each shown once per copy). Memory is
bounded: a millisecond is forgotten once it falls out of every future poll's window, a line is
remembered by a 64-bit digest of what makes it that line (not its text, which may be a MiB),
and a poll is judged a page at a time, so however many lines a poll's window holds, a page of
them (and the lines held back to be shown in time order, at most MAX_PENDING) is in memory.
"""

from __future__ import annotations

import heapq
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass

from baseten_logs.api.page import Record
from baseten_logs.base import interruption
from baseten_logs.base.errors import AuthError, BasetenLogsError, NotFoundError, UsageError
from baseten_logs.base.timestamps import record_ms, record_ns
from baseten_logs.reading.pager import FetchPage, Pager, record_key

_NO_TIME = 2**63  # sorts after every real nanosecond
MAX_UNTIMED = 10_000  # lines with no readable time remembered (they cannot age out by time)
MAX_SHOWN = 500_000  # lines remembered in all (~45 MB): past it the oldest milliseconds go
MAX_PENDING = 2_000  # lines held back for time order (two pages); past it the oldest are shown


def _digest(record: Record) -> int:
    """What makes a line that line (pager.record_key), in 8 bytes: a poll may bring thousands of
    lines of a MiB each, and only whether each was shown must be remembered."""
    return hash(record_key(record))


@dataclass(frozen=True)
class FollowSettings:
    overlap_ms: int = 60_000  # how late a line may arrive and still be shown (Baseten's own: 60 s)
    skew_ms: int = 60_000  # how far past "now" to ask, for replicas whose clocks run ahead
    sweep_every_ms: int = 5_000  # how often a poll reaches back the whole overlap
    recent_ms: int = 5_000  # how far back the polls in between reach
    settle_ms: int = 1_500  # hold new lines this long so they can be shown in time order...
    min_settle_ms: int = 500  # ...adapting, within these bounds, to how late lines really arrive
    max_settle_ms: int = 5_000  # (at most recent_ms, so every poll still sees the held lines)
    min_interval: float = 0.5  # poll this often while lines flow...
    max_interval: float = 5.0  # ...backing off to this when idle
    max_reconnect_wait: float = 30.0
    stop_check_every_ms: int = 30_000  # how often to ask whether the deployment still runs


class ShownLines:
    """What was shown, per millisecond, as counts of digests; forgets milliseconds older than a
    horizon (and the oldest ones past MAX_SHOWN lines)."""

    def __init__(self) -> None:
        # Per millisecond, its one line's digest (most hold one line: a Counter each would be
        # 370 bytes a line), or a Counter of them.
        self._by_ms: dict[int, int | Counter[int]] = {}
        self._order: list[int] = []  # heap of the milliseconds held
        self._untimed: dict[int, None] = {}  # lines with no readable time, oldest first
        self._count = 0  # lines remembered with a time

    def __len__(self) -> int:
        return self._count + len(self._untimed)

    @property
    def milliseconds(self) -> int:
        return len(self._by_ms)

    def add(self, record: Record) -> None:
        ms = record_ms(record)
        if ms is None:
            self._remember_untimed(_digest(record))
            return
        self._add(ms, _digest(record))

    def _add(self, ms: int, digest: int, count: int = 1) -> None:
        held = self._by_ms.get(ms)
        if held is None:
            heapq.heappush(self._order, ms)
            self._by_ms[ms] = digest if count == 1 else Counter({digest: count})
        elif isinstance(held, int):
            counts = self._by_ms[ms] = Counter({held: 1})
            counts[digest] += count
        else:
            held[digest] += count
        self._count += count
        while self._count > MAX_SHOWN and len(self._order) > 1:
            self._forget_oldest()

    def merge(self, other: ShownLines) -> None:
        """Count `other`'s lines as shown too."""
        for ms, held in other._by_ms.items():
            for digest, count in _counts(held).items():
                self._add(ms, digest, count)
        for digest in other._untimed:
            self._remember_untimed(digest)

    def unseen(
        self, records: Iterable[Record], in_poll: Counter[tuple[int, int]] | None = None
    ) -> list[Record]:
        """The records of one poll not shown before; records them as shown.

        A line that appears k times in the poll is new only beyond the copies already shown.
        `in_poll`: the poll's counts so far, when it is judged a page at a time (see prune)."""
        in_poll = Counter() if in_poll is None else in_poll
        fresh: list[Record] = []
        for record in records:
            ms = record_ms(record)
            digest = _digest(record)
            if ms is None:  # shown once, whenever it first comes
                if digest not in self._untimed:
                    self._remember_untimed(digest)
                    fresh.append(record)
                continue
            in_poll[ms, digest] += 1
            if in_poll[ms, digest] > self._shown(ms, digest):
                self._add(ms, digest)
                fresh.append(record)
        return fresh

    def _shown(self, ms: int, digest: int) -> int:
        """How many copies of the line were shown."""
        held = self._by_ms.get(ms)
        if held is None or isinstance(held, int):
            return int(held == digest)
        return held[digest]

    def _remember_untimed(self, digest: int) -> None:
        self._untimed[digest] = None
        if len(self._untimed) > MAX_UNTIMED:
            del self._untimed[next(iter(self._untimed))]

    def forget_before(self, horizon_ms: int) -> None:
        while self._order and self._order[0] < horizon_ms:
            self._forget_oldest()

    def _forget_oldest(self) -> None:
        held = self._by_ms.pop(heapq.heappop(self._order))
        self._count -= sum(_counts(held).values())


def _counts(held: int | Counter[int]) -> Counter[int]:
    return Counter({held: 1}) if isinstance(held, int) else held


def prune(in_poll: Counter[tuple[int, int]], page: list[Record]) -> None:
    """Forget a poll's counts of milliseconds before the page's last one: pages come oldest
    first, so only the last millisecond (the seam) can come again in the poll's next page."""
    last = max((ms for r in page if (ms := record_ms(r)) is not None), default=None)
    if last is not None:
        for key in [key for key in in_poll if key[0] < last]:
            del in_poll[key]


def _after(record: Record, cutoff_ms: int) -> bool:
    """Whether a line is newer than `cutoff_ms` (a line with no readable time is not held)."""
    ms = record_ms(record)
    return ms is not None and ms > cutoff_ms


class Lateness:
    """How long to hold new lines so that late ones still come out in time order, measured.

    A line whose timestamp was already behind the previous poll when it first showed up would
    have been printed out of order by a shorter hold: that margin is one sample (0 for a line on
    time). The hold covers the 95th percentile of recent samples, within bounds, so a rare very
    late line does not slow every line down (it is shown marked as late instead).
    """

    SAMPLES = 400

    def __init__(self, *, initial_ms: int, low_ms: int, high_ms: int) -> None:
        self.low_ms = low_ms
        self.high_ms = max(low_ms, high_ms)
        self.hold_ms = min(max(initial_ms, self.low_ms), self.high_ms)
        self._samples: deque[int] = deque(maxlen=self.SAMPLES)

    def observe(self, records: Iterable[Record], *, previous_poll_ms: int) -> None:
        added = False
        for record in records:
            ms = record_ms(record)
            if ms is None:
                continue  # a line with no readable time says nothing about lateness
            self._samples.append(max(0, previous_poll_ms - ms))
            added = True
        if added and len(self._samples) >= 20:  # a few samples are no measurement
            ordered = sorted(self._samples)
            p95 = ordered[len(ordered) * 95 // 100]  # an index below len: 95 < 100
            self.hold_ms = min(max(p95 + 250, self.low_ms), self.high_ms)


class Follower:
    """Polls a log endpoint and yields batches of lines not shown before.

    Each batch is in time order; lines of one nanosecond (the parts of one multi-line print) in
    the order the API lists them. The first `late` lines of the last batch arrived after later
    lines had been shown: the caller may mark them.
    """

    def __init__(
        self,
        fetch: FetchPage,
        *,
        settings: FollowSettings | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = interruption.sleep,
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
        cfg = self.settings
        self.lateness = Lateness(
            initial_ms=cfg.settle_ms,
            low_ms=cfg.min_settle_ms,
            high_ms=min(cfg.max_settle_ms, cfg.recent_ms, cfg.overlap_ms),
        )
        self.late = 0  # of the last batch, how many lines (its first) came after later ones
        self._shown_up_to_ns = 0
        self._catch_up: tuple[int, int] | None = None  # see remember_window

    def now_ms(self) -> int:
        return int(self._clock() * 1000)

    def ends_at_ms(self, until_ms: int) -> int:
        """When following up to `until_ms` ends: after a short grace for stragglers, the last
        sweep. No wait a server asks for may reach past it (ApiClient.end_waits_in)."""
        cfg = self.settings
        return until_ms + min(cfg.recent_ms, cfg.overlap_ms)

    def remember(self, records: Iterable[Record], *, since_ms: int) -> None:
        """Count lines already shown (the opening window) so no poll shows them again."""
        records = list(records)
        self.saw(records)
        for record in records:
            ms = record_ms(record)
            if ms is None or ms >= since_ms:
                self.shown.add(record)

    def saw(self, records: Iterable[Record]) -> None:
        """Lines shown before following (the opening window): a polled line older than their
        newest came after it on the screen, so it is late like one behind an earlier batch."""
        times = [ns for r in records if (ns := record_ns(r)) is not None]
        self._shown_up_to_ns = max([self._shown_up_to_ns, *times])

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
                until_ms is not None and now >= self.ends_at_ms(until_ms)
            )
            sweep = finishing or now - last_sweep >= cfg.sweep_every_ms
            reach = cfg.overlap_ms if sweep else recent_ms
            window_start = (last_sweep if sweep else last_poll) - reach
            if floor_ms is not None:
                window_start = max(window_start, floor_ms)
            window_end = now + cfg.skew_ms
            if until_ms is not None:
                window_end = min(window_end, until_ms)
            new_lines = 0
            try:
                if self._catch_up is not None:
                    low, high = self._catch_up
                    seen = ShownLines()  # all or nothing, if it fails: digests, not lines
                    for page in Pager(self._fetch, on_gap=self._gap).oldest(low, high):
                        for record in page:
                            seen.add(record)
                    self.shown.merge(seen)
                    self._catch_up = None
                # One poll is judged as a whole (a line and its identical twin may straddle two
                # pages), a page at a time: what a failed poll showed is remembered as shown.
                in_poll: Counter[tuple[int, int]] = Counter()
                for page in self._poll(window_start, window_end):
                    batch = self.shown.unseen(page, in_poll)
                    prune(in_poll, page)
                    self.lateness.observe(batch, previous_poll_ms=last_poll)
                    new_lines += len(batch)
                    pending.extend(batch)
                    ready, pending = _release(pending, self._cutoff(now, finishing))
                    if ready:
                        yield self._shown(_in_api_order(ready, page))
            except (AuthError, NotFoundError, UsageError):
                raise  # nothing a retry can fix
            except BasetenLogsError as exc:
                if finishing:
                    raise  # past --until: report the failure (exit 5) instead of waiting on
                failures += 1
                wait = min(cfg.max_reconnect_wait, cfg.min_interval * 2**failures)
                self.reconnecting(problem_of(exc), wait)
                if failures == 1 and self._on_trouble is not None:
                    self._on_trouble(f"polling failed ({problem_of(exc)}); retrying until it works")
                self._sleep(wait)
                continue
            failures = 0
            self.polls += 1
            last_poll = now
            if sweep:
                last_sweep = now
            # Nothing older than the next sweep's reach can come back: forget it.
            self.shown.forget_before(last_sweep - cfg.overlap_ms)
            ready, pending = _release(pending, self._cutoff(now, finishing))
            if ready:  # held by earlier polls, and now old enough
                yield self._shown(_in_api_order(ready, []))
            if new_lines:
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

    def _cutoff(self, now: int, finishing: bool) -> int | None:
        """Lines newer than this are held (None: none are, the last sweep shows them all), for
        as long as lines have lately been arriving late: replicas' lines that arrive a moment
        apart come out in time order; a line later than that is shown when it arrives, marked
        as late."""
        return None if finishing else now - self.lateness.hold_ms

    def _shown(self, ready: list[Record]) -> list[Record]:
        """`ready`, about to be shown: which of them came after later lines were (`late`)."""
        shown_up_to = self._shown_up_to_ns
        times = [ns for r in ready if (ns := record_ns(r)) is not None]
        self.late = sum(1 for ns in times if ns < shown_up_to)
        self._shown_up_to_ns = max([shown_up_to, *times])
        self.lines_shown += len(ready)
        return ready

    def _poll(self, start_ms: int, end_ms: int) -> Iterator[list[Record]]:
        """Every line of the window, as the API lists them (shown before or not), a page at a
        time."""
        if end_ms < start_ms:
            return iter(())
        return Pager(self._fetch, on_gap=self._gap).oldest(start_ms, end_ms)

    def _gap(self, ms: int) -> None:
        # Every sweep meets a crowded millisecond again while it is in the overlap.
        if ms not in self.gaps:
            self.gaps.add(ms)
            if self._on_gap is not None:
                self._on_gap(ms)

    def reconnecting(self, problem: str, wait: float) -> None:
        """The status while polls fail (also fed by the client's own retries, so it shows at
        the first failure): what failed and when the next try is, in one line."""
        self._status(f"reconnecting… {problem}; next try in {max(1, round(wait))}s")

    def _status(self, text: str) -> None:
        if self._on_status is not None:
            self._on_status(text)


def _release(pending: list[Record], cutoff: int | None) -> tuple[list[Record], list[Record]]:
    """(the lines to show now, the lines still held): all up to `cutoff` (None: all), and the
    oldest past MAX_PENDING (a flood is shown as it comes, not held without end)."""
    if cutoff is None:
        return pending, []
    ready = [r for r in pending if not _after(r, cutoff)]
    if not ready and len(pending) <= MAX_PENDING:
        return [], pending
    held = [r for r in pending if _after(r, cutoff)]
    if len(held) > MAX_PENDING:
        held.sort(key=lambda r: record_ns(r) or 0)
        ready += held[: len(held) - MAX_PENDING]
        held = held[len(held) - MAX_PENDING :]
    return ready, held


def _in_api_order(records: list[Record], polled: list[Record]) -> list[Record]:
    """`records` in time order; lines of one nanosecond as the latest poll lists them.

    The parts of one multi-line print share a nanosecond and may arrive in different polls:
    arrival order would scramble them, the API's order is the print's own.
    """
    position: dict[Hashable, int] = {}
    for index, record in enumerate(polled):
        position.setdefault(record_key(record), index)
    unknown = len(polled)  # a held line the poll no longer reaches keeps its arrival order

    def order(record: Record) -> tuple[int, int]:
        ns = record_ns(record)
        # A line with no readable time goes last: the late lines stay the batch's first ones.
        return (_NO_TIME if ns is None else ns, position.get(record_key(record), unknown))

    return sorted(records, key=order)


def problem_of(exc: BasetenLogsError) -> str:
    """What failed, without the client's "giving up ... after N attempts" framing (nor a refused
    connection's "(the URL from ...), after N attempts"), which would contradict a follower that
    keeps trying, and made the reconnect line count 4, then 3, then nothing: the client's own
    attempts of each round, not the follower's."""
    message = exc.message
    if message.startswith("giving up on ") and ": " in message:
        return message.split(": ", 1)[1]
    return _AFTER_ATTEMPTS.sub("", message)


# The end of the client's message for a refused connection, as the client words it.
_AFTER_ATTEMPTS = re.compile(r"(?: \(the URL from [^()]*\))?, after \d+ attempts?$")
