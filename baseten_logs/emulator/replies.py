"""What an emulated endpoint answers: the Response, JSON and error bodies, and query helpers.

Apart from api.py so that each family of routes (loops, sandboxes, audit, startups) builds its
answers the same way without importing the router that calls it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

Query = dict[str, list[str]]


@dataclass
class Response:
    """What to answer; `drop` closes the connection instead, after `delay_s` seconds.

    With `chunks` the body is sent chunked as they come, `chunk_delay_s` apart, not `body`.
    """

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    delay_s: float = 0.0
    fault: str | None = None
    chunks: Iterator[bytes] | None = None
    chunk_delay_s: float = 0.0
    trickle_headers: bool = False  # instead: a status line and headers that never end, trickled


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return Response(status, body, headers=headers or {})


def error_reply(status: int, message: str) -> Response:
    return json_reply(status, {"error": message})


def last(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def encode_cursor(payload: dict[str, Any]) -> str:
    """An opaque page cursor (URL-safe base64 of JSON), as Baseten's cursors look."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, counts: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The payload of a cursor this emulator gave, or None for anything else: `counts` name
    the fields that must be counts (ints from 0; a bool is an int to Python, not here)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict) or payload.get("v") != 1:
        return None
    for name in counts:
        value = payload.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return None
    return payload
