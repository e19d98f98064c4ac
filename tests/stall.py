"""Tells, without a quiet-wait, when every walker of a ParallelWindow waits and none can move.

A loop that sleeps until the fetch count stops growing for a while passes whenever a worker is
starved of CPU for that while (a loaded machine), and a bound it then checks proves nothing.
Here the window says so itself: a walker that finds no room in the byte budget, or no room in
its queue, or held back while enough pages wait for the printer, looks at the window's stop flag
before it waits (ByteBudget.reserve and .admit, ParallelWindow._put,
ParallelWindow._wait_for_room).
The window has stalled once every walker it started has looked twice in a row with nothing
changed in between: the budget (settle, release, advance bump a generation, inside the
budget's own lock) and the reader (the caller's `stalled()` bumps it). Two looks, because the
first may come just before a put that then finds room the reader made.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from baseten_logs.reading import parallel
from baseten_logs.reading.parallel import ParallelWindow
from baseten_logs.reading.prefetch_budget import ByteBudget

# Where a walker looks at the stop flag.
WAITS = frozenset({"reserve", "admit", "_put", "_wait_for_room"})


class StallWatch:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._generation = 0
        self._looks: dict[int, tuple[int, int]] = {}  # thread: (generation, looks at it)
        self._started = 0  # walkers the window started (slices appended to its walking list)
        self._walking: set[int] = set()  # walkers inside _work
        self._entered = 0

    def bump(self) -> None:
        """Something changed that may let a waiting walker move."""
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def looked(self) -> None:
        me = threading.get_ident()
        with self._cond:
            generation, count = self._looks.get(me, (-1, 0))
            count = count + 1 if generation == self._generation else 1
            self._looks[me] = (self._generation, count)
            self._cond.notify_all()

    def started(self) -> None:
        with self._cond:
            self._started += 1

    @contextmanager
    def walking(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._cond:
            self._entered += 1
            self._walking.add(me)
            self._looks.pop(me, None)
        try:
            yield
        finally:
            with self._cond:
                self._walking.discard(me)
                self._cond.notify_all()

    def _all_wait(self) -> bool:
        if self._entered != self._started:
            return False  # a walker started that has not begun
        current = self._generation
        return all(self._looks.get(t, (-1, 0)) >= (current, 2) for t in self._walking)

    def stalled(self, timeout: float = 60) -> bool:
        """Wait until every walker waits and none can move (False: still moving at `timeout`;
        the bound only ends a hang, a correct window stalls in well under a second)."""
        self.bump()  # the reader has just taken what it takes: looks before that are stale
        with self._cond:
            return self._cond.wait_for(self._all_wait, timeout)


class _Stop(threading.Event):
    def __init__(self, watch: StallWatch) -> None:
        super().__init__()
        self._watch = watch

    def is_set(self) -> bool:
        if _plain_name(sys._getframe(1).f_code.co_name) in WAITS:
            self._watch.looked()
        return super().is_set()


def _plain_name(name: str) -> str:
    """A function's own name, also when mutmut runs it (`xǁByteBudgetǁreserve__mutmut_orig`)."""
    return name.split("__mutmut_")[0].rsplit("ǁ", 1)[-1]


class _Walking(list[Any]):
    def __init__(self, watch: StallWatch) -> None:
        super().__init__()
        self._watch = watch

    def append(self, item: Any) -> None:
        self._watch.started()  # before its thread starts (the window holds its lock)
        super().append(item)


@pytest.fixture
def stall_watch(monkeypatch: pytest.MonkeyPatch) -> StallWatch:
    """A watch for the windows `watched()` prepares; the budget they make reports its changes."""
    watch = StallWatch()

    class WatchedBudget(ByteBudget):
        def advance(self, head: int) -> None:
            with self._cond:  # a re-entrant lock: the change and the bump are one step
                super().advance(head)
                watch.bump()

        def settle(self, reserved: int, actual: int) -> None:
            with self._cond:
                super().settle(reserved, actual)
                watch.bump()

        def release(self, size: int) -> None:
            with self._cond:
                super().release(size)
                watch.bump()

    monkeypatch.setattr(parallel, "ByteBudget", WatchedBudget)
    return watch


def watched(window: ParallelWindow, watch: StallWatch) -> ParallelWindow:
    """`window`, reporting to `watch` (before its `pages()` is called)."""
    work = window._work

    def walk(piece: Any) -> None:
        with watch.walking():
            work(piece)

    window._stop = _Stop(watch)
    window._walking = _Walking(watch)
    window._work = walk  # type: ignore[method-assign]
    return window


def stop_reading(pages: Iterator[Any]) -> None:
    """Close a window's pages as a reader that stops early does (`pages()` is a generator,
    though typed as the iterator it is to its callers)."""
    assert isinstance(pages, Generator)
    pages.close()
