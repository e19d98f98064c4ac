"""A tiny in-memory stand-in for the logs endpoint, served through pytest-httpx callbacks.

Unit tests use it to check paging against known data; the full emulator is for end-to-end tests.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from baseten_logs.timestamps import timestamp_ns

API_URL = "https://api.test"
MODEL = "mdl1234"
DEPLOYMENT = "dep5678"
LOGS_PATH = f"/v1/models/{MODEL}/deployments/{DEPLOYMENT}/logs"


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
    pattern = params.get("search_pattern")
    return pattern is None or re.search(pattern, str(record.get("message"))) is not None


@dataclass
class FakeLogs:
    """Serves `records` with the documented window/direction/limit semantics."""

    records: list[dict[str, Any]] = field(default_factory=list)
    end_inclusive: bool = True
    calls: list[dict[str, str]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        self.calls.append(params)
        start = int(params["start_epoch_millis"])
        end = int(params["end_epoch_millis"])
        limit = int(params["limit"])
        assert 1 <= limit <= 1000, limit
        assert end - start <= 7 * 86_400_000, "window over 7 days"
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
        body = json.dumps({"logs": chosen[:limit]}).encode()
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})
