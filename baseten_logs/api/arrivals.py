"""A thread's hook told as a logs request is sent and when its answer has arrived, before it is
parsed: how `--all`'s byte budget (reading/parallel.py) charges an answer by its real size when
it is known, instead of a page's parsed size for every request still waiting for its answer.

A hook of the thread, not an argument: between the budget and the client a fetch passes through
layers (levels, sources, seams) that would each have to hand it on. A thread with no hook (every
other reader) is told nothing and pays nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Arrivals(Protocol):
    def sending(self) -> None:
        """A request is about to be sent (called before the rate limiter's turn)."""
        ...

    def arrived(self, raw: int, held: int) -> None:
        """Its answer is in: `raw` bytes, `held` once parsed (limits.held_bytes). May wait;
        the answer is parsed when it returns."""
        ...


_local = threading.local()


@contextmanager
def told(hook: Arrivals) -> Iterator[None]:
    """`hook` is told of this thread's logs requests while the block runs."""
    before: Arrivals | None = getattr(_local, "hook", None)
    _local.hook = hook
    try:
        yield
    finally:
        _local.hook = before


def sending() -> None:
    hook: Arrivals | None = getattr(_local, "hook", None)
    if hook is not None:
        hook.sending()


def arrived(raw: int, held: int) -> None:
    hook: Arrivals | None = getattr(_local, "hook", None)
    if hook is not None:
        hook.arrived(raw, held)
