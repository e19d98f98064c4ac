"""SIGTERM and SIGHUP end a run the way Ctrl-C does: what was fetched is still printed.

`timeout`, a cancelled CI job and `kill` send SIGTERM; a closed terminal sends SIGHUP. Their
default action kills the process on the spot, losing the `-o github` groups and `-o json`'s
closing bracket that are written at the end, the --summary and the --save rename. Instead the
first such signal raises `Terminated`, a KeyboardInterrupt, so every cleanup path written for
Ctrl-C runs unchanged; the exit status is then 128 + the signal (143, 129), as a shell reports a
process killed by it. A second signal while finishing takes the default action: kill at once.

A signal must not cut a line in half, though: one that came while a page of lines was written
(to stdout, its --save copy and the --summary count, which a slow reader can hold up for long)
would leave a record cut short, then `]`. Inside `deferred()` the first signal (Ctrl-C too) is
only noted, and raised when the block ends, so every output stays whole and they all agree.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from baseten_logs.base import interruption

__all__ = ["Terminated", "caught", "deferred", "install", "received", "reset"]

_HANDLED = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
_received: int | None = None
_deferring = 0  # how deep in deferred() blocks the main thread is
_pending: KeyboardInterrupt | None = None  # the signal noted there, raised when they end


class Terminated(KeyboardInterrupt):
    """A SIGTERM or SIGHUP, raised wherever the main thread was."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _handler(signum: int, frame: FrameType | None) -> None:
    global _received
    _received = signum
    for each in _HANDLED:  # a second signal means: stop now
        signal.signal(each, signal.SIG_DFL)
    _raise_or_defer(Terminated(signum))


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C: KeyboardInterrupt as Python raises it, unless a page is being written."""
    _raise_or_defer(KeyboardInterrupt())


def _raise_or_defer(exc: KeyboardInterrupt) -> None:
    global _pending
    if _deferring and _pending is None:
        _pending = exc  # a second Ctrl-C while it waits is raised at once
        return
    interruption.note(exc)  # raised again at the next request, wait or write, if Python loses it
    raise exc


@contextmanager
def deferred() -> Iterator[None]:
    """A block a signal does not cut: one that comes meanwhile is raised when it ends.

    If the block itself fails (a closed pipe, a full disk), that error is raised instead: the
    exit status still names a SIGTERM or SIGHUP (`received`)."""
    global _deferring, _pending
    if not _deferring:
        interruption.check()  # a signal lost since: not one more page
    _deferring += 1
    try:
        yield
    except BaseException:
        if _deferring == 1:
            _pending = None  # the block's own failure ends the run
        raise
    finally:
        _deferring -= 1
    if not _deferring and _pending is not None:
        pending, _pending = _pending, None
        interruption.note(pending)
        raise pending


def install() -> None:
    """Turn SIGTERM and SIGHUP into `Terminated`, and let `deferred()` hold Ctrl-C too (main
    thread only; the real process only). An ignored SIGINT (`nohup`, a background job) stays
    ignored."""
    for each in _HANDLED:
        signal.signal(each, _handler)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt)


def caught() -> None:
    """The signal's exception reached the code that ends the run on it: it was not lost."""
    interruption.clear()


def received() -> int | None:
    """The signal that ended this run, if one did."""
    return _received


def reset() -> None:
    global _received, _pending, _deferring
    _received = None
    _pending = None
    _deferring = 0
    interruption.clear()
