"""Whole windows fetched as concurrent time slices, printed in order with bounded memory.

The API pages only through time, one round trip per 1000 lines, so a long window is cut into
consecutive slices that worker threads walk at once (each with its own seam-safe Pager). How
many requests are in flight is the ConcurrencyController's call (pace.py): it grows while
answers come back well and the key's budget has room, and shrinks on 429s, 5xx and rising
latency. The window starts as one slice, whose first page tells how dense it is; whenever more
may run than walk, a new slice is cut off one being walked (see `_split`: a few pages each, just
ahead of the printer; near the end, halves), so the work follows the concurrency and each slice
costs about one request more than its pages (its last, short page). A cut lowers the slice's
end: answers already under way are cut there too, so each line belongs to exactly one slice.

The printer takes slices strictly in order; a worker may run at most a few pages ahead of it
(then it parks, and another may walk in its place), and all workers together at most a byte
budget ahead (so memory is bounded by bytes, whatever
the concurrency, the size of the lines or a server that ignores `limit`; a slow reader slows
the fetch). A request is charged its page when its answer arrives, not while it is in flight
(see ByteBudget), so a long latency's many requests in flight do not fill the budget. When
slots are short, the slice nearest the printer is served first. Slices meet at
millisecond boundaries, so the output is line for line what one sequential walk would print.
"""

from __future__ import annotations

import math
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import cast

from baseten_logs.api import arrivals
from baseten_logs.api.limits import PREFETCH_BYTES
from baseten_logs.api.pace import AUTO, Concurrency, ConcurrencyController
from baseten_logs.api.page import Record
from baseten_logs.base.timestamps import record_ms
from baseten_logs.reading.pager import (
    PAGE_SIZE,
    SMALL_WINDOW_MS,
    Direction,
    FetchPage,
    Narrow,
    Pager,
    WindowSpan,
    page_bytes,
)
from baseten_logs.reading.prefetch_budget import ByteBudget, fewer_malloc_arenas

PAGES_AHEAD = 8  # per slice: enough to hide latency, small enough to bound memory
# Pages a walker keeps when a new slice is cut off its slice, and the pages of the new slice
# (see _split): a little under one, so that most slices are one request each.
CARVE_PAGES = 0.92
MIN_SPLIT_LINES = 2 * PAGE_SIZE  # fewer left is not worth a request more
# Answers whose lines a millisecond make the density a slice not fetched yet is cut at (see
# _density): the latest few, near where the walkers are now, 8,000 lines or so (a page's
# alone is 3% off either way, and a slice cut a page long then often takes two requests).
RECENT_ANSWERS = 8
# A long window is cut before any answer into as many slices as may be in flight (what the
# key's rate and a latency measured earlier in the run allow, else the controller's start),
# so that their first pages are asked together rather than one probe's round trip first;
# each slice at least FIRST_CUT_MS long (a shorter window holds few pages for most
# deployments, and every slice costs a request of its own), at most FIRST_CUT_MOST of them
# (more slices walked from unknown densities than that fill the printer's look-ahead before
# the first is printed).
FIRST_CUT_MS = 6 * 3_600_000
FIRST_CUT_MOST = 8
# Slices' worth of pages that may wait for the printer however few requests may be in flight:
# when the reader, not the API, is the bottleneck (no latency: the controller stays small),
# fetching must still keep ahead of it.
MIN_AHEAD_SLICES = 3
_DONE = object()


@dataclass(eq=False)
class _Slice:
    start: int
    stop: int  # lowered when the slice is split
    pages: queue.Queue[object] = field(default_factory=lambda: queue.Queue(PAGES_AHEAD))
    charged: int = 0  # bytes fetched for the page the pager has not yielded yet
    next: _Slice | None = None  # the slice printed after this one
    reached: int | None = None  # the latest millisecond of a line this slice has fetched
    lines: int = 0
    split: bool = False  # its end was lowered: answers must be cut there
    ending: bool = False  # its last page is in: nothing left to split off
    parked: bool = False  # PAGES_AHEAD pages wait for the printer: its walker waits too
    density: float | None = None  # lines a millisecond: measured, or its parent's until then

    def lines_per_ms(self) -> float | None:
        if self.lines and self.reached is not None:
            return self.lines / max(1, self.reached - self.start + 1)
        return self.density


class ParallelWindow:
    """Iterate `pages()` for every line of [since_ms, until_ms], oldest first.

    `concurrency`: "auto" or a fixed number; or pass a `controller` to share one among the
    windows of a run (several sources fetched at once), so that together they keep within it.
    """

    def __init__(
        self,
        fetch: FetchPage,
        *,
        concurrency: Concurrency = AUTO,
        controller: ConcurrencyController | None = None,
        on_gap: Callable[[int], None] | None = None,
        prefetch_bytes: int = PREFETCH_BYTES,
        span: WindowSpan | None = None,  # see Pager: every slice's walker shares it
        narrow: Narrow | None = None,  # see Pager: a crowded millisecond, replica by replica
    ) -> None:
        self._narrow = narrow
        self.controller = controller or ConcurrencyController(concurrency)
        self._span = span
        self.budget: ByteBudget  # one per walk of a window (see pages)
        self._prefetch_bytes = prefetch_bytes
        self._fetch = fetch
        self._on_gap = on_gap
        self._stop = threading.Event()
        self.gaps: list[int] = []
        self._gaps_lock = threading.Lock()
        self._lock = threading.Lock()  # the slices' bounds and links, and who walks them
        self._pending: list[_Slice] = []
        self._walking: list[_Slice] = []
        self._printing: _Slice | None = None  # the slice the printer is on
        self._room = threading.Condition(self._lock)  # told when the printer takes a page
        self._ahead = 0  # pages fetched and queued, not yet printed (see _schedule)
        self._recent: deque[tuple[int, int]] = deque(maxlen=RECENT_ANSWERS)  # lines, ms
        self.slices = 0  # how many slices the window was walked in, for tests and -v

    def pages(self, since_ms: int, until_ms: int) -> Iterator[list[Record]]:
        # A slice or a few to begin with (see first_cut): their first pages tell how dense the
        # window is, and so where to cut the next slices (a short window of one page costs one
        # request).
        pieces = self._first_cut(since_ms, until_ms)
        with self._lock:
            self._pending = list(pieces)
            self.slices = len(pieces)
        # Made before any walker asks it for room, knowing which slice the printer takes first.
        self.budget = ByteBudget(self._prefetch_bytes, head=since_ms, first=len(pieces))
        fewer_malloc_arenas()
        self.controller.listen(self._schedule)
        self._schedule()
        piece: _Slice | None = pieces[0]
        try:
            while piece is not None:
                with self._lock:
                    self._printing = piece
                    self._room.notify_all()
                self._schedule()  # its walker may wait for the printer to come (_schedule)
                while True:
                    if piece.pages.empty():  # the printer waits for this slice: the head
                        self.budget.advance(piece.start)  # its walker may wait to be let go
                    item = piece.pages.get()
                    if item is _DONE:
                        break
                    if isinstance(item, BaseException):
                        raise item
                    # Only (page, bytes) pairs and the two markers are queued.
                    page, size = cast(tuple[list[Record], int], item)
                    with self._lock:
                        self._ahead -= 1
                        full = self._ahead + 1 >= self._most_ahead()
                        self._room.notify_all()
                    if full:
                        self._schedule()  # room again for a walker held back by _most_ahead
                    yield page
                    self.budget.release(size)  # printed: no longer held on the reader's behalf
                with self._lock:  # done: it can no longer be split, so its successor is final
                    piece = piece.next
        finally:
            self._stop.set()  # early exit (closed pipe, Ctrl-C, an error): let workers go
            self.controller.forget(self._schedule)

    def _first_cut(self, since_ms: int, until_ms: int) -> list[_Slice]:
        """The window in equal slices of time, printed in turn (see FIRST_CUT_MS). One slice
        while the API may yet refuse a long window (a WindowSpan not shrunk yet: training
        logs), so that the refusal costs one request, not one a slice."""
        length = until_ms - since_ms + 1
        width = max(1, min(self.controller.allowed, FIRST_CUT_MOST, length // FIRST_CUT_MS))
        if self._span is not None and self._span.ms > SMALL_WINDOW_MS:
            width = 1
        step = length // width
        pieces = [
            _Slice(
                since_ms + i * step, until_ms if i == width - 1 else since_ms + (i + 1) * step - 1
            )
            for i in range(width)
        ]
        for piece, following in zip(pieces, pieces[1:], strict=False):
            piece.next = following
        return pieces

    def _schedule(self) -> None:
        """Start walkers while fewer walk than may: the next pending slice, else a split."""
        with self._lock:
            while not self._stop.is_set() and self._moving() < self.controller.allowed:
                piece: _Slice | None
                if self._ahead >= self._most_ahead():
                    # Enough pages wait for the printer: only the slice it waits for starts.
                    piece = self._printing
                    if piece is None or piece not in self._pending:
                        return
                    self._pending.remove(piece)
                else:
                    piece = self._pending.pop(0) if self._pending else self._split()
                if piece is None:
                    return
                self._walking.append(piece)
                thread = threading.Thread(target=self._work, args=(piece,), daemon=True)
                thread.start()

    def _most_ahead(self) -> int:
        """Pages that may wait for the printer in the slices it is not on: PAGES_AHEAD for
        each request that may be in flight besides one (the printer's slice has a queue of
        PAGES_AHEAD of its own), and for MIN_AHEAD_SLICES at least. Slices of about a page
        end before their queue fills, so the queues alone would not hold the walkers back; the
        byte budget still bounds bytes."""
        return PAGES_AHEAD * max(self.controller.allowed - 1, MIN_AHEAD_SLICES)

    def _moving(self) -> int:
        """Walkers that can fetch now: a parked one waits for the printer, not for the API."""
        return sum(1 for piece in self._walking if not piece.parked)

    def _split(self) -> _Slice | None:
        """A new slice, cut off a slice being walked (whose lines a millisecond are known).

        The earliest slice with two pages or more left keeps its next CARVE_PAGES pages, the
        new slice is as long again, and the rest (when there is more) a pending slice of its
        own: walkers work just ahead of the printer, about a page each, so few pages wait for
        the printer and most slices cost one request. Near the window's end the last pages are
        cut the same way as walkers come free, so the end has no long tail of one walker
        paging alone.
        """
        known: list[tuple[_Slice, float, int, int]] = []  # slice, density, done, left
        for piece in self._walking:
            density = self._density(piece)
            if piece.ending or density is None:
                continue
            done = piece.start - 1 if piece.reached is None else piece.reached
            known.append((piece, density, done, piece.stop - done))
        known.sort(key=lambda entry: entry[0].start)
        for piece, density, done, left in known:
            keep = math.ceil(CARVE_PAGES * PAGE_SIZE / max(density, 1e-9))
            lines = density * left
            if left > keep and density * (left - keep) >= PAGE_SIZE and lines >= MIN_SPLIT_LINES:
                new = self._cut(piece, done + keep + 1)
                if new.stop - new.start + 1 > 2 * keep:
                    # The rest waits for a walker of its own: a new slice of about a page is
                    # one request, and what is cut next comes off the rest, not off it.
                    self._pending.append(self._cut(new, new.start + keep))
                return new
        return self._split_tail(known)

    def _split_tail(self, known: list[tuple[_Slice, float, int, int]]) -> _Slice | None:
        """Near the window's end, when no slice has two pages left to carve: the slice with
        the most lines left, when that is more than a page (its walker would page twice or
        more, one round trip after the other, while slots stand idle), keeps a share of them
        and the rest becomes a new slice, shares of under CARVE_PAGES a page each, so every
        share is one request. A request or two more, in parallel, instead of round trips
        more at the end: the long tail of one walker paging alone. The new slice is cut
        again as walkers come free; an answer already under way is cut at the new end (see
        _within)."""
        if self._pending or not known:
            return None
        piece, density, done, left = max(known, key=lambda entry: entry[1] * entry[3])
        lines = density * left
        if lines <= PAGE_SIZE:
            return None  # one request is all it needs
        shares = math.ceil(lines / (CARVE_PAGES * PAGE_SIZE))
        keep = left // shares
        if keep < 1:
            return None  # a millisecond or two: nothing to cut
        return self._cut(piece, done + 1 + keep)

    def _density(self, piece: _Slice) -> float | None:
        """Lines a millisecond in `piece`: its own count once it has fetched, else what the
        latest answers found (RECENT_ANSWERS of them: less noise than the one page its parent
        had measured when it was cut), else its parent's."""
        if piece.lines and piece.reached is not None:
            return piece.lines_per_ms()
        lines = sum(count for count, _ in self._recent)
        span = sum(ms for _, ms in self._recent)
        return lines / span if lines and span else piece.density

    def _cut(self, piece: _Slice, at: int) -> _Slice:
        """[at, stop] of `piece` becomes a new slice, printed right after it."""
        new = _Slice(at, piece.stop, next=piece.next, density=self._density(piece))
        piece.stop, piece.next, piece.split = at - 1, new, True
        self.slices += 1
        return new

    def _work(self, piece: _Slice) -> None:
        item: object = _DONE
        try:
            pager = Pager(
                self._bounded(piece), on_gap=self._gap, span=self._span, narrow=self._narrow
            )
            for page in pager.oldest(piece.start, piece.stop):
                size, piece.charged = piece.charged, 0
                if not self._put(piece, (page, size)):
                    return
        except BaseException as exc:  # handed to the printer, which raises it in order
            item = exc
        finally:
            self._finish(piece)  # first: once the printer has its end, nothing may split it
            self.budget.release(piece.charged)  # fetched, but never part of a page shown
        self._put(piece, item)
        self._schedule()

    def _finish(self, piece: _Slice) -> None:
        with self._lock:  # no longer walked, so no longer split (_split looks at walkers only)
            self._walking.remove(piece)

    def _bounded(self, piece: _Slice) -> FetchPage:
        """The slice's fetch: within the slice's current end, waiting for room in the byte
        budget and for a slot, charging what it got."""

        def fetch(start: int, end: int, direction: Direction, count: int) -> list[Record]:
            self._wait_for_room(piece)
            with self._lock:
                stop = piece.stop
            if start > stop:
                return []  # split off while the pager walked towards it
            reserved = self.budget.reserve(piece.start, self._stop, piece.pages.qsize)
            gate = _Gate(self, piece, reserved, self._stop)
            size = 0
            try:
                with arrivals.told(gate):
                    gate.sending()
                    try:
                        page = self._fetch(start, min(end, stop + 1), direction, count)
                    finally:
                        gate.let_go()
                size = page_bytes(page)  # the whole answer's, even if the cut below drops lines
                page = self._within(piece, page, count, start)
            finally:
                self.budget.settle(gate.charged, size)
                piece.charged += size
            self._schedule()
            return page

        return fetch

    def _wait_for_room(self, piece: _Slice) -> None:
        """Before a fetch: while _most_ahead pages wait for the printer, only the slice it is
        on fetches; the others wait, parked (for the printer, not the API)."""
        with self._lock:
            try:
                while (
                    self._ahead >= self._most_ahead()
                    and piece is not self._printing
                    and not self._stop.is_set()
                ):
                    piece.parked = True
                    self._room.wait(0.1)
            finally:
                piece.parked = False

    def _within(self, piece: _Slice, page: list[Record], count: int, start: int) -> list[Record]:
        """The page cut at the slice's end (which a split may have lowered meanwhile); notes
        how far the slice has got, and the lines a millisecond from `start` on, for the next
        split: a short page held all there is up to the slice's end, a full one up to its
        latest line."""
        with self._lock:
            if piece.split:
                stop = piece.stop
                page = [r for r in page if (ms := record_ms(r)) is None or ms <= stop]
            times = [ms for r in page if (ms := record_ms(r)) is not None]
            if times:
                latest = max(times)
                piece.reached = latest if piece.reached is None else max(piece.reached, latest)
            piece.lines += len(page)
            if len(page) < count:
                piece.ending = True  # a short page: the pager ends the slice with it
            covered = piece.stop if piece.ending else max(times, default=start - 1)
            if page and covered >= start:
                self._recent.append((len(page), covered - start + 1))
            return page

    def _put(self, piece: _Slice, item: object) -> bool:
        try:
            piece.pages.put_nowait(item)
            self._count_ahead(item)
            return True
        except queue.Full:
            pass
        # Parked until the printer takes a page: another walker may use the slot meanwhile
        # (the byte budget still bounds what all of them hold).
        with self._lock:
            piece.parked = True
        self._schedule()
        try:
            while not self._stop.is_set():
                try:
                    piece.pages.put(item, timeout=0.1)
                    self._count_ahead(item)
                    return True
                except queue.Full:
                    continue
            return False
        finally:
            with self._lock:
                piece.parked = False

    def _count_ahead(self, item: object) -> None:
        if isinstance(item, tuple):  # a page (the end and errors are not pages)
            with self._lock:
                self._ahead += 1

    def _gap(self, ms: int) -> None:
        with self._gaps_lock:
            self.gaps.append(ms)
        if self._on_gap is not None:
            self._on_gap(ms)


class _Gate:
    """One fetch's requests told by the client (api/arrivals.py): a slot of the controller
    while a request is in flight, none while its answer waits for room in the byte budget
    (requests in flight must finish for room to come; a slot held while waiting could keep
    the printer's slice from fetching when the limit falls below the walkers waiting), then
    the answer's real bytes and parsed size charged (ByteBudget.admit)."""

    def __init__(
        self, window: ParallelWindow, piece: _Slice, reserved: int, stop: threading.Event
    ) -> None:
        self._window = window
        self._piece = piece
        self._stop = stop
        self._guess = reserved  # what the first request reserved before it was sent
        self._slot = False
        self.charged = reserved  # what the budget counts for this fetch

    def sending(self) -> None:
        if not self._slot:
            self._window.controller.acquire(self._piece.start)
            self._slot = True

    def arrived(self, raw: int, held: int) -> None:
        self.let_go()
        window, piece = self._window, self._piece
        window.budget.told(raw)
        answer = (raw - self._guess, held)
        self._guess = 0  # a second request of the fetch (levels) reserved nothing
        self.charged += window.budget.admit(piece.start, answer, self._stop, piece.pages.qsize)

    def let_go(self) -> None:
        """The slot, given back."""
        if self._slot:
            self._slot = False
            self._window.controller.release()
