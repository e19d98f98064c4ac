"""Whole windows fetched as concurrent time slices, printed in order with bounded memory.

The API pages only through time, one round trip per 1000 lines, so a long window is cut into
consecutive slices that worker threads walk at once (each with its own seam-safe Pager). The
printer takes slices strictly in order; a worker may run at most a few pages ahead of it, so
memory stays bounded however large the window. Slices meet at millisecond boundaries, so the
output is line for line what one sequential walk would print. A 429 lowers the concurrency.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .pager import Direction, FetchPage, Pager, Record

PAGES_AHEAD = 8  # per slice: enough to hide latency, small enough to bound memory
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


def limited(fetch: FetchPage, limit: AdaptiveLimit) -> FetchPage:
    def fetch_limited(start: int, end: int, direction: Direction, count: int) -> list[Record]:
        limit.acquire()
        try:
            return fetch(start, end, direction, count)
        finally:
            limit.release()

    return fetch_limited


def slice_window(since_ms: int, until_ms: int, count: int) -> list[tuple[int, int]]:
    """`count` consecutive inclusive slices of [since_ms, until_ms] (fewer if it is short)."""
    span = until_ms - since_ms + 1
    count = max(1, min(count, span))
    bounds = [since_ms + span * i // count for i in range(count + 1)]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(count)]


@dataclass
class _Slice:
    start: int
    stop: int
    pages: queue.Queue[object] = field(default_factory=lambda: queue.Queue(PAGES_AHEAD))


class ParallelWindow:
    """Iterate `pages()` for every line of [since_ms, until_ms], oldest first."""

    def __init__(
        self,
        fetch: FetchPage,
        *,
        concurrency: int,
        on_gap: Callable[[int], None] | None = None,
    ) -> None:
        self.limit = AdaptiveLimit(concurrency)
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
            _Slice(a, b)
            for a, b in slice_window(since_ms, until_ms, self._workers * SLICES_PER_WORKER)
        ]
        todo: queue.Queue[_Slice] = queue.Queue()
        for piece in slices:
            todo.put(piece)
        threads = [
            threading.Thread(target=self._work, args=(todo,), daemon=True)
            for _ in range(min(self._workers, len(slices)))
        ]
        for thread in threads:
            thread.start()
        try:
            for piece in slices:
                while True:
                    item = piece.pages.get()
                    if item is _DONE:
                        break
                    if isinstance(item, BaseException):
                        raise item
                    yield item  # type: ignore[misc]  # only pages and the two markers are queued
        finally:
            self._stop.set()  # early exit (closed pipe, Ctrl-C, an error): let workers go

    def _work(self, todo: queue.Queue[_Slice]) -> None:
        while not self._stop.is_set():
            try:
                piece = todo.get_nowait()
            except queue.Empty:
                return
            pager = Pager(self._fetch, on_gap=self._gap)
            try:
                for page in pager.oldest(piece.start, piece.stop):
                    if not self._put(piece, page):
                        return
                self._put(piece, _DONE)
            except BaseException as exc:  # handed to the printer, which raises it in order
                self._put(piece, exc)
                return

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
