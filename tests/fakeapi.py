"""A tiny in-memory stand-in for the logs endpoint, served through pytest-httpx callbacks.

Unit tests use it to check paging against known data; the full emulator is for end-to-end tests.
It validates each request as the API reference says the real endpoint does (a 400 otherwise), so a
request the real API would refuse fails the unit tests too instead of being answered.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from baseten_logs.base.timestamps import timestamp_ns

API_URL = "https://api.test"
MODEL = "mdl1234"
DEPLOYMENT = "dep5678"
LOGS_PATH = f"/v1/models/{MODEL}/deployments/{DEPLOYMENT}/logs"

MAX_WINDOW_MS = 7 * 86_400_000
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
TEXT_PARAMS = ("replica", "request_id", "component", "search_pattern")


def record(
    ns: int,
    message: str = "hello",
    *,
    replica: str | None = "a1b2c",
    request_id: str | None = None,
    level: str | None = "INFO",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "timestamp": str(ns),
        "message": message,
        "replica": replica,
        "request_id": request_id,
        "level": level,
        **extra,
    }


def _ns(record: dict[str, Any]) -> int:
    """The line's time, whatever form a test gave it (as the real API knows its own times)."""
    ns = timestamp_ns(record["timestamp"])
    assert ns is not None, record
    return ns


_RANK = {"DEBUG": 0, "INFO": 1, "WARNING": 2, "ERROR": 3}


def _passes(record: dict[str, Any], params: dict[str, str]) -> bool:
    """The API's min_level (lines without a level dropped) and search_pattern."""
    min_level = params.get("min_level")
    if min_level is not None and _RANK.get(record.get("level") or "", -1) < _RANK[min_level]:
        return False
    if "replica" in params and record.get("replica") != params["replica"]:
        return False
    pattern = params.get("search_pattern")
    return pattern is None or re.search(pattern, str(record.get("message"))) is not None


def invalid(request: httpx.Request) -> str | None:
    """Why the real endpoint would answer this request 400, or None when it is valid."""
    params = request.url.params
    try:
        start = int(params["start_epoch_millis"])
        end = int(params["end_epoch_millis"])
        limit = int(params["limit"])
    except (KeyError, ValueError) as exc:
        return f"start_epoch_millis, end_epoch_millis and limit are whole numbers ({exc})"
    if start > end:
        return f"start_epoch_millis {start} is after end_epoch_millis {end}"
    if end - start > MAX_WINDOW_MS:
        return "the window exceeds 7 days"
    if not 1 <= limit <= 1000:
        return f"limit {limit} is not in 1..1000"
    if params.get("direction") not in ("asc", "desc"):
        return f"direction {params.get('direction')!r} is not asc or desc"
    if "min_level" in params and params["min_level"] not in LEVELS:
        return f"min_level {params['min_level']!r} is not one of {LEVELS}"
    for key in TEXT_PARAMS:
        if key in params and not 1 <= len(params[key]) <= 256:
            return f"{key} must be 1..256 characters"
    for key in ("includes", "excludes"):
        values = params.get_list(key)
        if len(values) > 8:  # how many, not how long: Baseten's schema caps no value's length
            return f"at most 8 {key}"
    return None


@dataclass
class FakeLogs:
    """Serves `records` with the documented window/direction/limit semantics.

    `throttle` answers that many requests with a 429 first (the API's rate limit body);
    `rejected` holds the reason for every request answered 400.
    """

    records: list[dict[str, Any]] = field(default_factory=list)
    end_inclusive: bool = True
    calls: list[dict[str, str]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    throttle: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        self.calls.append(params)
        if self.throttle > 0:
            self.throttle -= 1
            body = {"error": "Rate limit exceeded. Please try again later.", "retry_after": 0}
            return httpx.Response(429, json=body)
        problem = invalid(request)
        if problem is not None:
            self.rejected.append(problem)
            return httpx.Response(400, json={"error": problem})
        start = int(params["start_epoch_millis"])
        end = int(params["end_epoch_millis"])
        limit = int(params["limit"])
        chosen = [
            r
            for r in sorted(self.records, key=lambda r: _ns(r))
            if start <= _ns(r) // 1_000_000
            and (_ns(r) // 1_000_000 <= end if self.end_inclusive else _ns(r) // 1_000_000 < end)
        ]
        chosen = [r for r in chosen if _passes(r, params)]
        if params["direction"] == "desc":
            chosen.reverse()
        # json.dumps escapes as the API does (httpx's json= would send lone surrogates raw).
        answer = json.dumps({"logs": chosen[:limit]}).encode()
        return httpx.Response(200, content=answer, headers={"content-type": "application/json"})
