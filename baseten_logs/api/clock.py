"""The api layer's one clock and one way to wait, as functions looked up at each call.

Retries, pacing, request deadlines and the reading of a trickling body all take time from here,
so a test replaces `monotonic` (or `sleep`) once and every part of a request follows the same
fake time, and no test has to wait for a backoff or a deadline.
"""

from __future__ import annotations

import time

from baseten_logs.base import interruption


def sleep(seconds: float) -> None:
    """Indirection so tests can take the waiting out of retries; a signal Python lost is raised
    again here (base/interruption)."""
    interruption.sleep(seconds)


def monotonic() -> float:
    """Indirection so tests can move time past a request's deadline without waiting."""
    return time.monotonic()
