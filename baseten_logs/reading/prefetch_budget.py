"""The memory a whole window's prefetch may hold: one byte budget shared by every slice.

parallel.py's walkers fetch ahead of the printer; this bounds what they hold together, in bytes,
whatever the concurrency, the size of the lines or a server that ignores `limit`, and keeps
glibc from holding on to the memory of pages already printed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from baseten_logs.api.limits import MIB

# While a page is fetched its answer is held three ways at once (bytes, text, parsed records).
IN_FLIGHT_FACTOR = 3


class ByteBudget:
    """Bytes of pages fetched and not yet printed, shared by every slice.

    A request waiting for its answer holds no memory, so it is charged little: before it is
    sent, a worker reserves the largest answer's bytes seen so far (`reserve`). When the answer
    is in (told by the client, api/arrivals.py, before it is parsed), its real bytes replace
    that guess and it waits, holding only those bytes and no slot, until there is room for what
    it holds parsed (`admit`), and is then parsed. So a rate-limited run keeps tens of requests
    in flight at a long latency (200 KB each for 1,000 lines of the API's, not the 1 MB or so
    they hold parsed) within the budget that bounds what waits for the printer.

    A fetch that tells nothing (tests, the library's own fetches, the other threads of a union
    of replicas) reserves what a page is expected to hold before it is sent, as before: the
    largest page seen so far; until one is seen, the budget shared among the `first` slices a
    long window was first cut in (a server answering each with the most an answer may hold,
    MAX_ANSWER_BYTES, is the worst case: `first` such answers at once). Room is kept for one
    answer being parsed, held three ways at once (bytes, text, records, IN_FLIGHT_FACTOR).

    The bound: what is counted never exceeds the limit, except by the slice being printed's
    page (the head never waits: see below) and, for each answer that arrived bigger than
    guessed, its bytes beyond the guess (one answer's bytes at most per walker).

    The slice being printed does not wait when none of its pages is queued: the printer may be
    waiting for it, so it must move, or printer and workers would wait for each other: its pages
    are what frees room. Room goes to the earliest slice waiting: the printer needs it first.
    """

    def __init__(self, limit: int, head: int, first: int = 1) -> None:
        self.limit = limit
        self._share = max(1, limit // max(1, first))  # a page of unknown size, see the class
        self.used = 0
        self.peak = 0  # the most ever held, for tests and -v
        self._head = head  # the index of the slice the printer is on (or will be first)
        self._expected: int | None = None  # the largest page seen, parsed
        self._raw: int | None = None  # the largest answer's bytes told (see admit)
        self._waiting: list[int] = []  # slices waiting for room: the earliest goes first
        self._cond = threading.Condition()

    def advance(self, head: int) -> None:
        """The printer is on slice `head` now, or waits for it: wake whoever may move."""
        with self._cond:
            self._head = head
            self._cond.notify_all()

    def reserve(
        self, index: int, stop: threading.Event, queued: Callable[[], int] = lambda: 0
    ) -> int:
        """Wait for room for one page of slice `index` (`queued()`: its pages not yet
        printed); the bytes reserved."""
        with self._cond:
            self._waiting.append(index)
            try:
                while True:
                    head = index <= self._head and queued() == 0
                    guess = self._expected if self._raw is None else self._raw
                    if guess is None:  # nothing measured: the head goes free, others one at a time
                        guess = 0 if index <= self._head else self._share
                    first = min(self._waiting) >= index
                    room = self.used + guess + self._parsing() <= self.limit
                    if head or (first and room) or stop.is_set():
                        break
                    self._cond.wait(0.1)
            finally:
                self._waiting.remove(index)
                self._cond.notify_all()
            self.used += guess
            return guess

    def admit(
        self,
        index: int,
        answer: tuple[int, int],
        stop: threading.Event,
        queued: Callable[[], int] = lambda: 0,
    ) -> int:
        """An answer of slice `index` is in, `answer` = (its bytes beyond what was reserved
        for it, what it holds parsed): its bytes are counted at once, and it waits for room for
        the parsed page (the rules of `reserve`); what was added to `used`."""
        extra, held = answer
        with self._cond:
            self.used += extra
            self.peak = max(self.peak, self.used)
            self._waiting.append(index)
            try:
                while True:
                    head = index <= self._head and queued() == 0
                    first = min(self._waiting) >= index
                    if head or (first and self.used + held <= self.limit) or stop.is_set():
                        break
                    self._cond.wait(0.1)
            finally:
                self._waiting.remove(index)
                self._cond.notify_all()
            self.used += held
            self.peak = max(self.peak, self.used)
            return extra + held

    def told(self, raw: int) -> None:
        """An answer of `raw` bytes arrived: what a request is expected to bring from now on
        (see reserve)."""
        with self._cond:
            self._raw = max(self._raw or 0, raw)

    def settle(self, reserved: int, actual: int) -> None:
        """A fetch is done: it holds `actual` bytes, not the `reserved` guess."""
        with self._cond:
            self.used += actual - reserved
            self.peak = max(self.peak, self.used)
            self._expected = max(self._expected or 0, actual)
            self._cond.notify_all()

    def _parsing(self) -> int:
        """Room kept for the answer being parsed beyond what its page holds (see the class)."""
        return (IN_FLIGHT_FACTOR - 1) * (self._expected or 0)

    def release(self, size: int) -> None:
        with self._cond:
            self.used -= size
            self._cond.notify_all()


def fewer_malloc_arenas() -> None:
    """Ask glibc for 2 malloc arenas instead of one per thread (up to 8 per core), and to give
    blocks of a MiB or more back to the system when they are freed.

    Each worker thread otherwise gets an arena of its own, and every arena keeps the memory of
    the pages it once parsed: measured with 16 workers and 2 KB lines, peak RSS 205 MB instead
    of 128 MB. Python allocates under the GIL, so fewer arenas cost no speed. And glibc raises
    its threshold for mapping a block on its own to the largest block freed so far (up to 32
    MiB): after one answer of 20 MB, later ones were carved from the heap and kept after use,
    163 MB instead of 136 MB with lines of 20 KB (benchmarks/hostile_bench.py). Elsewhere
    (musl, macOS) there is no such call and nothing to do.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(-8, 2)  # M_ARENA_MAX
        libc.mallopt(-3, MIB)  # M_MMAP_THRESHOLD, which also stops glibc moving it
    except (AttributeError, OSError, ImportError):
        pass
