"""A Ctrl-C or SIGTERM that Python lost is raised again at the run's next request, wait or write.

cli/interrupts turns a signal into an exception raised wherever the main thread is. CPython can
lose it: a signal handled while a builtin runs, `int("2026-12-07T14:03:55Z")` failing say, has
its exception replaced by the builtin's own error, which an `except ValueError` then takes
(measured: about 2% of signals aimed at such a loop, on every Python from 3.10 to 3.13). The
run goes on as if nothing came: a bounded one ends with the wrong status, and `-f` followed
forever (`sandbox NAME -f` ignored a SIGTERM about one time in ten, its RFC 3339 times being read
by that `int`).

So the handler notes here what it raised, and the places every run keeps coming back to (each
request, each wait, each page written) call `check()`, which raises it again, in the main thread
only and never while an exception is being handled (it is already on its way up, or caught).
"""

from __future__ import annotations

import sys
import threading
import time

__all__ = ["check", "clear", "note", "sleep"]

_raised: BaseException | None = None


def note(exc: BaseException) -> None:
    """What a signal handler is about to raise."""
    global _raised
    _raised = exc


def clear() -> None:
    """Forget it (a new run in the same process: tests call the app many times)."""
    global _raised
    _raised = None


def check() -> None:
    """Raise the signal's exception again if it was lost: the main thread is going on normally
    (no exception is being handled) although one was raised."""
    exc = _raised
    if exc is None or threading.current_thread() is not threading.main_thread():
        return
    if sys.exc_info()[1] is not None:
        return
    raise exc


def sleep(seconds: float) -> None:
    """time.sleep, with a lost signal raised before and after the wait."""
    check()
    time.sleep(seconds)
    check()
