"""SIGTERM and SIGHUP end a run the way Ctrl-C does: what was fetched is still printed.

`timeout`, a cancelled CI job and `kill` send SIGTERM; a closed terminal sends SIGHUP. Their
default action kills the process on the spot, losing the `-o github` groups and `-o json`'s
closing bracket that are written at the end, the --summary and the --save rename. Instead the
first such signal raises `Terminated`, a KeyboardInterrupt, so every cleanup path written for
Ctrl-C runs unchanged; the exit status is then 128 + the signal (143, 129), as a shell reports a
process killed by it. A second signal while finishing takes the default action: kill at once.
"""

from __future__ import annotations

import signal
from types import FrameType

__all__ = ["Terminated", "install", "received", "reset"]

_HANDLED = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
_received: int | None = None


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
    raise Terminated(signum)


def install() -> None:
    """Turn SIGTERM and SIGHUP into `Terminated` (main thread only; the real process only)."""
    for each in _HANDLED:
        signal.signal(each, _handler)


def received() -> int | None:
    """The signal that ended this run, if one did."""
    return _received


def reset() -> None:
    global _received
    _received = None
