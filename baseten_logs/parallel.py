"""Whole windows fetched as concurrent time slices, printed in order with bounded memory.

The API pages only through time, one round trip per 1000 lines, so a long window is cut into
consecutive slices that worker threads walk at once (each with its own seam-safe Pager). The
printer takes slices strictly in order; a worker may run at most a few pages ahead of it, and
all workers together at most a byte budget ahead (so memory is bounded by bytes, whatever the
concurrency, the size of the lines or a server that ignores `limit`; a slow reader slows the
fetch). Slices meet at millisecond boundaries, so the output is line for line what one
sequential walk would print. A 429 lowers the concurrency.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import cast

from .limits import PREFETCH_BYTES
from .pager import Direction, FetchPage, Pager, Record

PAGES_AHEAD = 8  # per slice: enough to hide latency, small enough to bound memory
# While a page is fetched its answer is held three ways at once (bytes, text, parsed records).
IN_FLIGHT_FACTOR = 3
SLICES_PER_WORKER = 4  # more slices than workers, so one busy slice does not stall the rest
_DONE = object()


class AdaptiveLimit:
    """A semaphore whose size can shrink: at most `size` requests in flight, never below 1."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._busy = 0
        self._cond = threading.Condition()

    def acquire(self) -> None:
        with self._cond:
            while self._busy >= self.size:
                self._cond.wait()
            self._busy += 1

    def release(self) -> None:
        with self._cond:
            self._busy -= 1
            self._cond.notify()

    def shrink(self) -> None:
        with self._cond:
            self.size = max(1, self.size - 1)


def page_bytes(page: list[Record]) -> int:
    """About what a page of records holds in memory: its text plus Python's per-object cost."""
    total = 0
    for record in page:
        total += 240  # the dict
        for value in record.values():
            total += 56 + (len(value) if value.__class__ is str else 16)
    return total


class ByteBudget:
    """Bytes of pages fetched and not yet printed, shared by every slice.

    Before a fetch a worker reserves what fetching a page is expected to take (the largest page
    seen so far, times IN_FLIGHT_FACTOR; until one is seen, the whole budget, so the first wave
    of pages of unknown size is the head slice's and one more), and waits while that does not
    fit. The slice being printed never waits: the printer waits for it, so it must always
    move, or printer and workers would wait for each other.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.peak = 0  # the most ever held, for tests and -v
        self._head = 0  # the index of the slice the printer is on
        self._expected: int | None = None
        self._cond = threading.Condition()

    def advance(self, head: int) -> None:
        with self._cond:
            self._head = head
            self._cond.notify_all()

    def reserve(self, index: int, stop: threading.Event) -> int:
        """Wait for room for one page of slice `index`; the bytes reserved."""
        with self._cond:
            while True:
                head = index <= self._head
                guess = self._expected
                if guess is None:  # nothing measured yet: the head goes free, others one at a time
                    guess = 0 if head else self.limit
                if head or self.used + guess <= self.limit or stop.is_set():
                    break
                self._cond.wait(0.1)
            self.used += guess
            return guess

    def settle(self, reserved: int, actual: int) -> None:
        """A fetch is done: it holds `actual` bytes, not the `reserved` guess."""
        with self._cond:
            self.used += actual - reserved
            self.peak = max(self.peak, self.used)
            self._expected = max(self._expected or 0, actual * IN_FLIGHT_FACTOR)
            self._cond.notify_all()

    def release(self, size: int) -> None:
        with self._cond:
            self.used -= size
            self._cond.notify_all()


def limited(fetch: FetchPage, limit: AdaptiveLimit) -> FetchPage:
    def fetch_limited(start: int, end: int, direction: Direction, count: int) -> list[Record]:
        limit.acquire()
        try:
            return fetch(start, end, direction, count)
        finally:
            limit.release()

    return fetch_limited


def fewer_malloc_arenas() -> None:
    """Ask glibc for 2 malloc arenas instead of one per thread (up to 8 per core).

    Each worker thread otherwise gets an arena of its own, and every arena keeps the memory of
    the pages it once parsed: measured with 16 workers and 2 KB lines, peak RSS 205 MB instead
    of 128 MB. Python allocates under the GIL, so fewer arenas cost no speed. Elsewhere (musl,
    macOS) there is no such call and nothing to do.
    """
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(-8, 2)  # M_ARENA_MAX
    except (AttributeError, OSError, ImportError):
        pass


def slice_window(since_ms: int, until_ms: int, count: int) -> list[tuple[int, int]]:
    """`count` consecutive inclusive slices of [since_ms, until_ms] (fewer if it is short)."""
    span = until_ms - since_ms + 1
    count = max(1, min(count, span))
    bounds = [since_ms + span * i // count for i in range(count + 1)]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(count)]


@dataclass
class _Slice:
    index: int
    start: int
    stop: int
    pages: queue.Queue[object] = field(default_factory=lambda: queue.Queue(PAGES_AHEAD))
    charged: int = 0  # bytes fetched for the page the pager has not yielded yet


class ParallelWindow:
    """Iterate `pages()` for every line of [since_ms, until_ms], oldest first."""

    def __init__(
        self,
        fetch: FetchPage,
        *,
        concurrency: int,
        on_gap: Callable[[int], None] | None = None,
        prefetch_bytes: int = PREFETCH_BYTES,
    ) -> None:
        self.limit = AdaptiveLimit(concurrency)
        self.budget = ByteBudget(prefetch_bytes)
        self._fetch = limited(fetch, self.limit)
        self._workers = concurrency
        self._on_gap = on_gap
        self._stop = threading.Event()
        self.gaps: list[int] = []
        self._gaps_lock = threading.Lock()

    def throttled(self) -> None:
        """Called on a 429: one request fewer in flight from now on."""
        self.limit.shrink()

    def pages(self, since_ms: int, until_ms: int) -> Iterator[list[Record]]:
        slices = [
            _Slice(i, a, b)
            for i, (a, b) in enumerate(
                slice_window(since_ms, until_ms, self._workers * SLICES_PER_WORKER)
            )
        ]
        todo: queue.Queue[_Slice] = queue.Queue()
        for piece in slices:
            todo.put(piece)
        fewer_malloc_arenas()
        threads = [
            threading.Thread(target=self._work, args=(todo,), daemon=True)
            for _ in range(min(self._workers, len(slices)))
        ]
        for thread in threads:
            thread.start()
        try:
            for piece in slices:
                self.budget.advance(piece.index)
                while True:
                    item = piece.pages.get()
                    if item is _DONE:
                        break
                    if isinstance(item, BaseException):
                        raise item
                    # Only (page, bytes) pairs and the two markers are queued.
                    page, size = cast(tuple[list[Record], int], item)
                    yield page
                    self.budget.release(size)  # printed: no longer held on the reader's behalf
        finally:
            self._stop.set()  # early exit (closed pipe, Ctrl-C, an error): let workers go

    def _work(self, todo: queue.Queue[_Slice]) -> None:
        while not self._stop.is_set():
            try:
                piece = todo.get_nowait()
            except queue.Empty:
                return
            pager = Pager(self._budgeted(piece), on_gap=self._gap)
            try:
                for page in pager.oldest(piece.start, piece.stop):
                    size, piece.charged = piece.charged, 0
                    if not self._put(piece, (page, size)):
                        return
                self._put(piece, _DONE)
            except BaseException as exc:  # handed to the printer, which raises it in order
                self._put(piece, exc)
                return
            finally:
                self.budget.release(piece.charged)  # fetched, but never part of a page shown
                piece.charged = 0

    def _budgeted(self, piece: _Slice) -> FetchPage:
        """The slice's fetch, waiting for room in the byte budget and charging what it got."""

        def fetch(start: int, end: int, direction: Direction, count: int) -> list[Record]:
            reserved = self.budget.reserve(piece.index, self._stop)
            page: list[Record] = []
            try:
                page = self._fetch(start, end, direction, count)
            finally:
                size = page_bytes(page)
                self.budget.settle(reserved, size)
                piece.charged += size
            return page

        return fetch

    def _put(self, piece: _Slice, item: object) -> bool:
        while not self._stop.is_set():
            try:
                piece.pages.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _gap(self, ms: int) -> None:
        with self._gaps_lock:
            self.gaps.append(ms)
        if self._on_gap is not None:
            self._on_gap(ms)
