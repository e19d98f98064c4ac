"""Per-key sliding-window rate limiting, like the API's 100 requests/second for /v1/*."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most `per_second` accepted requests per key in any one-second window."""

    def __init__(self, per_second: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        # Wall time, not the emulator's injectable clock: a frozen fake clock would make
        # every request fall in the same second.
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> int | None:
        """None if the request may proceed, else the seconds to wait (at least 1)."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - 1.0:
                hits.popleft()
            if len(hits) >= self.per_second:
                return max(1, math.ceil(hits[0] + 1.0 - now))
            hits.append(now)
            return None
