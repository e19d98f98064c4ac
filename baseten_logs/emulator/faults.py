"""Misbehaviour on demand: latency, queued faults and random faults, changeable at runtime."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from .config import FaultScope
from .hostile import HOSTILE_LINES

FAULT_KINDS = (
    "429",  # rate limited: retry_after in the body, and a Retry-After header if asked
    "404",  # a brand-new deployment whose logs are not found yet
    "500",
    "502",
    "503",
    "504",
    "malformed",  # 200 with an HTML proxy page (variant "html") or cut-off JSON ("truncated")
    "wrong_shape",  # 200 JSON without "logs"
    "drop",  # the connection closes without an answer
    "slow",  # stall for slow_s, then answer normally: longer than a client's read timeout
    # Hostile answers (hostile.py); `size` sets how big, where a size applies:
    "gzip_bomb",  # 200, gzip that inflates to `size` bytes (default 1 GiB) of valid JSON
    "endless",  # 200, a chunked body that never ends
    "trickle",  # the real body a byte every slow_s (2 s); variant "headers": headers, never ending
    "deep_json",  # 200, `logs` nested `size` deep (default 100,000)
    "not_utf8",  # the real answer with bytes that are not UTF-8 in every message
    "ignore_limit",  # the real answer with up to `size` lines (default 100,000), whatever `limit`
    "escapes",  # the real answer with HOSTILE_TEXT added to every string field but ids and times
    # The real answer with a hostile line between two lines of one second; variant (default
    # time_escape): its time repeats the second then moves the cursor up (time_escape), is
    # 1e400 (time_overflow) or 5,000 digits (time_digits), or its message is a ReDoS (redos).
    "hostile_lines",
)
# Terminal escapes a hostile log line, name or proxy could hold: a window title and a screen
# clear, a clipboard write (OSC 52), a cursor report that types into the prompt, a bidi override,
# a one-byte C1 CSI, DEL, and a lone surrogate (legal JSON, but unencodable).
HOSTILE_TEXT = "\x1b]0;T\x07\x1b[2J\x1b]52;c;cHduZWQ=\x07\x1b[6n\u202e\x9b2J\x7f\ud800"
# 429's variants replace its wait with a hostile Retry-After (header, and body where JSON can).
_VARIANTS = {
    "malformed": ("html", "truncated"),
    "502": ("json", "html"),
    "504": ("json", "html"),
    "429": ("soon", "negative", "nan", "past"),
    "trickle": ("headers",),
    "hostile_lines": HOSTILE_LINES,
}
# Faults that change the real answer rather than replace it.
SPOILERS = frozenset(
    {"slow", "malformed", "trickle", "not_utf8", "ignore_limit", "escapes", "hostile_lines"}
)
DEFAULT_SIZES = {"gzip_bomb": 1024 * 1024 * 1024, "deep_json": 100_000, "ignore_limit": 100_000}


@dataclass(frozen=True)
class Fault:
    """One way to misbehave on one request."""

    kind: str
    retry_after: int = 1
    header: bool = False
    variant: str | None = None
    slow_s: float | None = None
    size: int | None = None

    @property
    def amount(self) -> int:
        """`size`, or the kind's default."""
        return self.size if self.size is not None else DEFAULT_SIZES.get(self.kind, 0)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(FAULT_KINDS)}")
        allowed = _VARIANTS.get(self.kind, ())
        if self.variant is not None and self.variant not in allowed:
            raise ValueError(f"fault {self.kind!r} has no variant {self.variant!r}")


@dataclass
class _Queued:
    fault: Fault
    remaining: int
    scope: FaultScope


class Faults:
    """Thread-safe fault state; the HTTP handler asks `next_fault` once per /v1 request."""

    def __init__(
        self,
        *,
        latency_s: float = 0.0,
        latency_jitter_s: float = 0.0,
        error_rate: float = 0.0,
        error_kinds: tuple[str, ...] = ("429", "500", "502", "503", "504"),
        error_scope: FaultScope = "logs",
        seed: int = 0,
        slow_s: float = 30.0,
    ) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Queued] = []
        self.latency_s = latency_s
        self.latency_jitter_s = latency_jitter_s
        self.slow_s = slow_s
        self._rng = random.Random(seed)
        self._latency_rng = random.Random(seed + 1)  # apart, so latency leaves faults as they were
        self._rate = 0.0
        self._kinds: tuple[Fault, ...] = ()
        self._scope: FaultScope = error_scope
        self.set_error_rate(error_rate, kinds=error_kinds, scope=error_scope, seed=seed)

    def inject(self, fault: Fault, *, times: int = 1, scope: FaultScope = "logs") -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        if scope not in ("logs", "all"):
            raise ValueError("scope must be 'logs' or 'all'")
        with self._lock:
            self._queue.append(_Queued(fault, times, scope))

    def set_error_rate(
        self,
        rate: float,
        *,
        kinds: tuple[str, ...] = ("429", "500", "502", "503", "504"),
        scope: FaultScope = "logs",
        seed: int | None = None,
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("error rate must be between 0 and 1")
        faults = tuple(Fault(kind) for kind in kinds)
        if rate > 0 and not faults:
            raise ValueError("a positive error rate needs at least one fault kind")
        with self._lock:
            self._rate = rate
            self._kinds = faults
            self._scope = scope
            if seed is not None:
                self._rng = random.Random(seed)

    def delay(self) -> float:
        """This answer's latency: latency_s, give or take up to latency_jitter_s (uniformly),
        as a real log store's query time varies from page to page."""
        base, jitter = self.latency_s, self.latency_jitter_s
        if jitter <= 0:
            return base
        with self._lock:
            spread = self._latency_rng.uniform(-jitter, jitter)
        return max(0.0, base + spread)

    def clear(self) -> None:
        """Forget queued and random faults and latency."""
        with self._lock:
            self._queue.clear()
            self._rate = 0.0
            self.latency_s = 0.0
            self.latency_jitter_s = 0.0

    @property
    def pending(self) -> int:
        """Requests that queued faults will still spoil."""
        with self._lock:
            return sum(q.remaining for q in self._queue)

    def next_fault(self, *, is_logs: bool) -> Fault | None:
        """The fault for this request, consuming one use of the first queued fault in scope."""
        with self._lock:
            for queued in self._queue:
                if queued.scope == "all" or is_logs:
                    queued.remaining -= 1
                    if queued.remaining == 0:
                        self._queue.remove(queued)
                    return queued.fault
            if self._rate > 0 and (self._scope == "all" or is_logs):
                if self._rng.random() < self._rate:
                    return self._rng.choice(self._kinds)
        return None

    def slow_seconds(self, fault: Fault) -> float:
        return fault.slow_s if fault.slow_s is not None else self.slow_s
